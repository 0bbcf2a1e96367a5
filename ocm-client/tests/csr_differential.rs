//! Differential test against the real Go hub: `tests/go-csr` runs OCM v1.2.1's own CSR approving
//! controller (csr.NewCSRHubDriver with its renewal and bootstrap reconcilers) on a fake
//! clientset and says whether it approved each CSR. Both sides get the same CSR objects (JSON).
//!
//! Every CSR Go refuses, `check_csr` refuses; every CSR Go approves, `check_csr` approves unless
//! one of our stricter rules names it. Also: the CSR the real Go agent creates passes.
//!
//! Needs Go (skipped with a notice otherwise; `OCM_CLIENT_REQUIRE_GO=1` makes it required).
//! `OCM_CLIENT_CSR_DIFF_CASES` sets the number of generated CSRs (default 1000),
//! `OCM_CLIENT_CSR_DIFF_SEED` the seed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod csr_support;

use csr_support::go::{Rng, go_csr};
use csr_support::*;
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use ocm_client::registration::csr::{DEFAULT_BOOTSTRAP_USERS, RuleOrigin};
use ocm_client::registration::{CsrRequestKind, check_csr};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Asks the Go hub about each CSR: approved or not.
fn go_approves(bin: &Path, csrs: &[CertificateSigningRequest]) -> Vec<bool> {
    let mut child = Command::new(bin)
        .arg("-bootstrap-users")
        .arg(DEFAULT_BOOTSTRAP_USERS.join(","))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input: Vec<u8> = csrs
        .iter()
        .flat_map(|c| {
            let mut line = serde_json::to_vec(c).unwrap();
            line.push(b'\n');
            line
        })
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(&input).unwrap());
    let answers: Vec<bool> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(&l.unwrap()).unwrap();
            v["approved"]
                .as_bool()
                .unwrap_or_else(|| panic!("go-csr: {v}"))
        })
        .collect();
    writer.join().unwrap();
    assert!(child.wait().unwrap().success(), "go-csr failed");
    assert_eq!(
        answers.len(),
        csrs.len(),
        "go-csr answered {} of {}",
        answers.len(),
        csrs.len()
    );
    answers
}

/// The CSR the real Go agent creates for cluster/agent.
fn real_agent_csr(bin: &Path, cluster_agent: &str, expiration: u32) -> CertificateSigningRequest {
    let out = Command::new(bin)
        .args([
            "-agent",
            cluster_agent,
            "-expiration-seconds",
            &expiration.to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_real_agents_csr_passes() {
    let Some(bin) = go_csr() else { return };
    for expiration in [0, 3600, 7 * 24 * 3600] {
        let mut csr = real_agent_csr(&bin, "cluster-a/agent-7f3k", expiration);
        assert_eq!(csr.metadata.generate_name.as_deref(), Some("cluster-a-"));
        let usages: Vec<String> = AGENT_USAGES.iter().map(|u| u.to_string()).collect();
        assert_eq!(csr.spec.usages, Some(usages));
        assert_eq!(
            csr.spec.expiration_seconds,
            (expiration > 0).then_some(expiration as i32)
        );
        // The apiserver sets the requester: the bootstrap service account first.
        csr.spec.username = Some(BOOTSTRAP_USER.into());
        let id = check_csr(&csr).unwrap();
        assert_eq!(
            (id.cluster_name.as_str(), id.agent_name.as_str()),
            ("cluster-a", "agent-7f3k")
        );
        assert_eq!(id.kind, CsrRequestKind::Bootstrap);
        // Then the agent itself, renewing.
        csr.spec.username = Some(id.common_name.clone());
        assert_eq!(check_csr(&csr).unwrap().kind, CsrRequestKind::Renewal);
        // Go agrees, and refuses it labelled for another cluster; so do we.
        let mut relabelled = csr.clone();
        relabelled.metadata.labels = Some(
            [(
                "open-cluster-management.io/cluster-name".to_string(),
                "cluster-b".to_string(),
            )]
            .into(),
        );
        assert_eq!(
            go_approves(&bin, &[csr.clone(), relabelled.clone()]),
            [true, false]
        );
        assert!(check_csr(&relabelled).is_err());
    }
}

const CLUSTERS: &[&str] = &["c1", "cluster-a", "prod-eu-1"];
const AGENTS: &[&str] = &["a", "agent-7f3k", "x9"];

/// What a generated CSR breaks (on top of benign variations a real agent may show).
#[derive(Debug, Clone, Copy)]
enum Break {
    LabelOtherCluster,
    NoLabel,
    EmptyLabel,
    AddonLabel,
    Signer,
    Approved,
    DeniedFalse,
    Failed,
    Issued,
    NoClientAuth,
    ServerAuth,
    DupUsage,
    ExpShort,
    ExpLong,
    Empty,
    NotPem,
    CertLabel,
    SecondBlock,
    JunkBefore,
    JunkAfter,
    Headers,
    GarbageDer,
    TrailingDer,
    Version1,
    SigAlg,
    SmallRsa,
    CorruptSig,
    ForeignSig,
    Ou,
    TwoCn,
    Ia5Org,
    San,
    Ca,
    NotCa,
    Eku,
    Password,
    NoCn,
    CnNoAgent,
    CnExtraColon,
    CnNoPrefix,
    CnOtherCluster,
    ExtraOrg,
    OtherOrg,
    OnlyCommonOrg,
    NoOrg,
    DupOrg,
    OtherUser,
    OtherAgentUser,
    NoUser,
    OidTag,
    OidClass,
    AppClassSigAlg,
}

const BREAKS: &[Break] = {
    use Break::*;
    &[
        LabelOtherCluster,
        NoLabel,
        EmptyLabel,
        AddonLabel,
        Signer,
        Approved,
        DeniedFalse,
        Failed,
        Issued,
        NoClientAuth,
        ServerAuth,
        DupUsage,
        ExpShort,
        ExpLong,
        Empty,
        NotPem,
        CertLabel,
        SecondBlock,
        JunkBefore,
        JunkAfter,
        Headers,
        GarbageDer,
        TrailingDer,
        Version1,
        SigAlg,
        SmallRsa,
        CorruptSig,
        ForeignSig,
        Ou,
        TwoCn,
        Ia5Org,
        San,
        Ca,
        NotCa,
        Eku,
        Password,
        NoCn,
        CnNoAgent,
        CnExtraColon,
        CnNoPrefix,
        CnOtherCluster,
        ExtraOrg,
        OtherOrg,
        OnlyCommonOrg,
        NoOrg,
        DupOrg,
        OtherUser,
        OtherAgentUser,
        NoUser,
        OidTag,
        OidClass,
        AppClassSigAlg,
    ]
};

struct Keys {
    p256: Key,
    p384: Key,
    ed25519: Key,
}

/// One generated CSR: benign variations, then 0..=3 breaks.
fn generate(rng: &mut Rng, keys: &Keys) -> CertificateSigningRequest {
    use Break::*;
    let cluster = *rng.pick(CLUSTERS);
    let agent = *rng.pick(AGENTS);
    let o = |c: &str| format!("{PREFIX}{c}");
    let mut req = match rng.below(3) {
        0 => Request::agent(cluster, agent),
        1 => Request::separate_rdns(cluster, agent),
        _ => {
            let mut r = Request::agent(cluster, agent);
            r.subject.reverse();
            r
        }
    };
    if rng.pct(20) {
        req = req.organizations(&[&o(cluster)]);
    }
    let mut key: &Key = match rng.below(10) {
        0..=5 => &keys.p256,
        6 => &keys.p384,
        7 => &keys.ed25519,
        _ => Key::rsa2048(),
    };
    let renewal = rng.pct(40);
    let breaks: Vec<Break> = if rng.pct(30) {
        vec![]
    } else {
        (0..1 + rng.below(3)).map(|_| *rng.pick(BREAKS)).collect()
    };
    let has = |b: fn(&Break) -> bool| breaks.iter().any(b);

    // Request content.
    for b in &breaks {
        req = match b {
            Version1 => Request { version: 1, ..req },
            SigAlg => Request {
                signature_oid: Some(keys::OID_ECDSA_SHA512),
                ..req
            },
            Ou => req.push_rdn(vec![atv(OID_OU, "ops")]),
            TwoCn => req.push_rdn(vec![atv(OID_CN, o(&format!("{cluster}:other")))]),
            Ia5Org => {
                req.subject
                    .iter_mut()
                    .flatten()
                    .filter(|a| a.oid == OID_O)
                    .for_each(|a| a.enc = Str::Ia5);
                req
            }
            San => req.extension(ext_san_dns("x.example.com")),
            Ca => req.extension(ext_basic_constraints(true)),
            NotCa => req.extension(ext_basic_constraints(false)),
            Eku => req.extension(ext_client_auth_eku()),
            Password => Request {
                challenge_password: Some("pw".into()),
                ..req
            },
            NoCn => req.common_name_removed(),
            CnNoAgent => req.common_name(&o(cluster)),
            CnExtraColon => req.common_name(&o(&format!("{cluster}:{agent}:x"))),
            CnNoPrefix => req.common_name(&format!("{cluster}:{agent}")),
            CnOtherCluster => req.common_name(&o(&format!("other:{agent}"))),
            ExtraOrg => req.organizations(&[&o(cluster), MANAGED_CLUSTERS, "system:masters"]),
            OtherOrg => req.organizations(&[&o("other"), MANAGED_CLUSTERS]),
            OnlyCommonOrg => req.organizations(&[MANAGED_CLUSTERS]),
            NoOrg => req.organizations(&[]),
            DupOrg => req.organizations(&[&o(cluster), MANAGED_CLUSTERS, &o(cluster)]),
            OidTag => req.patch(CN_TYPE_DER, CN_TYPE_AS_OBJECT_DESCRIPTOR),
            OidClass => req.patch(CN_TYPE_DER, CN_TYPE_AS_APPLICATION_6),
            SmallRsa => {
                key = Key::rsa1024();
                req
            }
            _ => req,
        };
    }
    let mut der = if has(|b| matches!(b, ForeignSig)) {
        req.der_signed_over(key, &Request::agent("other", agent))
    } else {
        req.der(key)
    };
    if has(|b| matches!(b, CorruptSig)) {
        let n = der.len();
        der[n - 3] ^= 0x10;
    }
    if has(|b| matches!(b, AppClassSigAlg)) {
        // The signature algorithm's OID tagged [APPLICATION 6] (outside the signed part).
        let at = header_len(&der) + tlv_len(&der[header_len(&der)..]);
        let oid = at + header_len(&der[at..]);
        der[oid] = 0x46;
    }
    if has(|b| matches!(b, TrailingDer)) {
        der.extend([0x05, 0x00]);
    }
    if has(|b| matches!(b, GarbageDer)) {
        der = b"\x30\x03\x02\x01".to_vec();
    }
    let mut pem = pem_block("CERTIFICATE REQUEST", &der);
    for b in &breaks {
        match b {
            Empty => pem.clear(),
            NotPem => pem = der.clone(),
            CertLabel => pem = pem_block("CERTIFICATE", &der),
            SecondBlock => pem.extend(Request::agent("other", agent).pem(&keys.p256)),
            JunkBefore => pem.splice(0..0, b"junk\n".iter().copied()).for_each(drop),
            JunkAfter => pem.extend(b"junk\n"),
            Headers => {
                let text = String::from_utf8(pem.clone()).unwrap_or_default();
                pem = text
                    .replacen("-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1)
                    .into_bytes();
            }
            _ => {}
        }
    }

    // The object around it.
    let mut csr = agent_csr(cluster, pem);
    if rng.pct(30) {
        csr.spec.usages = Some(vec!["client auth".into()]);
    }
    if rng.pct(30) {
        csr.spec.expiration_seconds = Some(*rng.pick(&[3600, 86_400, 365 * 24 * 3600]));
    }
    csr.spec.username = Some(if renewal {
        o(&format!("{cluster}:{agent}"))
    } else {
        rng.pick(DEFAULT_BOOTSTRAP_USERS).to_string()
    });
    let labels = csr.metadata.labels.get_or_insert_with(Default::default);
    for b in &breaks {
        match b {
            LabelOtherCluster => {
                labels.insert(
                    "open-cluster-management.io/cluster-name".into(),
                    "other".into(),
                );
            }
            NoLabel => {
                labels.remove("open-cluster-management.io/cluster-name");
            }
            EmptyLabel => {
                labels.insert(
                    "open-cluster-management.io/cluster-name".into(),
                    String::new(),
                );
            }
            AddonLabel => {
                labels.insert(
                    "open-cluster-management.io/addon-name".into(),
                    "addon".into(),
                );
            }
            _ => {}
        }
    }
    for b in &breaks {
        match b {
            Signer => csr.spec.signer_name = "kubernetes.io/kubelet-serving".into(),
            Approved => csr.status = Some(condition("Approved", "True")),
            DeniedFalse => csr.status = Some(condition("Denied", "False")),
            Failed => csr.status = Some(condition("Failed", "True")),
            Issued => {
                let mut s = condition("Pending", "True");
                s.certificate = Some(ByteString(b"issued".to_vec()));
                csr.status = Some(s);
            }
            NoClientAuth => csr.spec.usages = Some(vec!["digital signature".into()]),
            ServerAuth => csr.spec.usages = Some(vec!["client auth".into(), "server auth".into()]),
            DupUsage => csr.spec.usages = Some(vec!["client auth".into(), "client auth".into()]),
            ExpShort => csr.spec.expiration_seconds = Some(600),
            ExpLong => csr.spec.expiration_seconds = Some(10 * 365 * 24 * 3600),
            OtherUser => csr.spec.username = Some("system:serviceaccount:default:builder".into()),
            OtherAgentUser => csr.spec.username = Some(o(&format!("{cluster}:someone-else"))),
            NoUser => csr.spec.username = None,
            _ => {}
        }
    }
    csr
}

/// The length of a DER header.
fn header_len(b: &[u8]) -> usize {
    if b[1] < 0x80 {
        2
    } else {
        2 + usize::from(b[1] & 0x7f)
    }
}

/// The length of a whole DER element.
fn tlv_len(b: &[u8]) -> usize {
    let h = header_len(b);
    let len = if h == 2 {
        usize::from(b[1])
    } else {
        b[2..h].iter().fold(0, |n, x| n * 256 + usize::from(*x))
    };
    h + len
}

#[test]
fn check_csr_is_go_or_stricter() {
    let Some(bin) = go_csr() else { return };
    let n = env_u64("OCM_CLIENT_CSR_DIFF_CASES", 1000) as usize;
    let seed = env_u64("OCM_CLIENT_CSR_DIFF_SEED", 0x0c5a_2026);
    let keys = Keys {
        p256: Key::p256(),
        p384: Key::p384(),
        ed25519: Key::ed25519(),
    };
    let mut rng = Rng::new(seed);
    let mut csrs: Vec<CertificateSigningRequest> =
        (0..n).map(|_| generate(&mut rng, &keys)).collect();
    // The real agent's own CSRs, bootstrap and renewal.
    let mut agent = real_agent_csr(&bin, "c1/agent-real", 0);
    agent.metadata.name = Some("c1-real".into());
    agent.spec.username = Some(BOOTSTRAP_USER.into());
    csrs.push(agent.clone());
    agent.spec.username = Some(format!("{PREFIX}c1:agent-real"));
    csrs.push(agent);

    let go = go_approves(&bin, &csrs);
    let mut stats: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for (i, (csr, go_ok)) in csrs.iter().zip(&go).enumerate() {
        let ours = check_csr(csr);
        let key = match (&ours, go_ok) {
            (Ok(_), true) => "both approve".to_string(),
            (Err(e), false) => format!("both refuse ({} {:?})", e.rule().name(), e.rule().origin()),
            (Err(e), true) if e.rule().origin() == RuleOrigin::Stricter => {
                format!("go approves, stricter rule refuses ({})", e.rule().name())
            }
            (Err(e), true) => {
                failures.push(format!("#{i}: Go approves, we refuse by Go rule: {e}"));
                continue;
            }
            (Ok(id), false) => {
                failures.push(format!("#{i}: Go refuses, we approve {id:?}"));
                continue;
            }
        };
        *stats.entry(key).or_default() += 1;
    }
    for (k, v) in &stats {
        eprintln!("{v:5}  {k}");
    }
    assert!(
        failures.is_empty(),
        "{} disagreements (seed {seed:#x}):\n{}",
        failures.len(),
        failures.join("\n")
    );
    let count = |prefix: &str| {
        stats
            .iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .map(|(_, v)| v)
            .sum::<usize>()
    };
    // The generator exercises every side: approvals, Go refusals, our stricter refusals.
    assert!(count("both approve") >= n / 10, "{stats:?}");
    assert!(count("both refuse") >= n / 4, "{stats:?}");
    assert!(count("go approves, stricter") >= n / 10, "{stats:?}");
}
