//! The differential test's generator: CSRs a real agent could send, with benign variations,
//! and with 0..=3 ways of breaking the rules (Go's and ours) on top.

use super::go::Rng;
use super::*;
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use ocm_api::labels;
use ocm_client::registration::csr::DEFAULT_BOOTSTRAP_USERS;

const CLUSTERS: &[&str] = &["c1", "cluster-a", "prod-eu-1"];
const AGENTS: &[&str] = &["a", "agent-7f3k", "x9"];

/// Declares [`Break`] and the list of all its variants, [`BREAKS`].
macro_rules! breaks {
    ($($name:ident),* $(,)?) => {
        /// What a generated CSR breaks (on top of benign variations a real agent may show).
        #[derive(Debug, Clone, Copy)]
        enum Break {
            $($name),*
        }

        const BREAKS: &[Break] = &[$(Break::$name),*];
    };
}

breaks! {
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

pub struct Keys {
    pub p256: Key,
    pub p384: Key,
    pub ed25519: Key,
}

/// One generated CSR: benign variations, then 0..=3 breaks.
pub fn generate(rng: &mut Rng, keys: &Keys) -> CertificateSigningRequest {
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
    let meta_labels = csr.metadata.labels.get_or_insert_with(Default::default);
    for b in &breaks {
        match b {
            LabelOtherCluster => {
                meta_labels.insert(labels::CLUSTER_NAME.into(), "other".into());
            }
            NoLabel => {
                meta_labels.remove(labels::CLUSTER_NAME);
            }
            EmptyLabel => {
                meta_labels.insert(labels::CLUSTER_NAME.into(), String::new());
            }
            AddonLabel => {
                meta_labels.insert(labels::ADDON_NAME.into(), "addon".into());
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
