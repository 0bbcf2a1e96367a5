//! `check_csr`: CSRs made the way the Go agent makes them pass; each rule, Go's and ours,
//! refuses the CSR that breaks it (and only that rule names it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod csr_support;

use csr_support::*;
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use ocm_client::registration::csr::{RuleOrigin, SUBJECT_PREFIX};
use ocm_client::registration::{
    CsrPolicy, CsrRejected, CsrRequestKind, CsrRule, check_csr, is_pending,
};
use std::collections::BTreeSet;

fn valid(key: &Key, request: Request) -> CertificateSigningRequest {
    agent_csr("c1", request.pem(key))
}

#[test]
fn the_go_agents_csr_passes_as_a_bootstrap_request() {
    for key in [&Key::p256(), Key::rsa2048(), &Key::p384(), &Key::ed25519()] {
        let csr = valid(key, Request::agent("c1", "agent-x"));
        let id = check_csr(&csr).unwrap();
        assert_eq!(id.cluster_name, "c1");
        assert_eq!(id.agent_name, "agent-x");
        assert_eq!(id.common_name, "system:open-cluster-management:c1:agent-x");
        assert_eq!(id.kind, CsrRequestKind::Bootstrap);
        assert_eq!(id.username, BOOTSTRAP_USER);
        assert_eq!(id.signer_name, SIGNER);
        assert_eq!(id.name.as_deref(), Some("c1-7xk2p"));
        assert!(id.is_bootstrap_for("c1"));
        assert!(!id.is_bootstrap_for("c2"));
        assert!(is_pending(&csr));
    }
}

#[test]
fn subject_layouts_go_reads_the_same_way_pass() {
    let key = Key::p256();
    // One RDN per attribute, UTF8String.
    check_csr(&valid(&key, Request::separate_rdns("c1", "a"))).unwrap();
    // Without the optional managed-clusters group (older agents).
    let r = Request::agent("c1", "a").organizations(&["system:open-cluster-management:c1"]);
    check_csr(&valid(&key, r)).unwrap();
    // Organizations in the other order, the common name first.
    let mut r = Request::agent("c1", "a");
    r.subject.reverse();
    r.subject[1].reverse();
    check_csr(&valid(&key, r)).unwrap();
    // The common name inside the organizations' RDN.
    let mut r = Request::agent("c1", "a");
    let cn = r.subject.pop().unwrap();
    r.subject[0].extend(cn);
    check_csr(&valid(&key, r)).unwrap();
    // An empty extension request attribute asks for nothing.
    let mut r = Request::agent("c1", "a");
    r.extensions = Some(vec![]);
    check_csr(&valid(&key, r)).unwrap();
}

#[test]
fn renewals_and_the_optional_fields_the_agent_may_send_pass() {
    let key = Key::p256();
    let mut csr = valid(&key, Request::agent("c1", "a"));
    csr.spec.username = Some(format!("{SUBJECT_PREFIX}c1:a"));
    let id = check_csr(&csr).unwrap();
    assert_eq!(id.kind, CsrRequestKind::Renewal);
    assert!(!id.is_bootstrap_for("c1"));

    for seconds in [3600, 86_400, 365 * 24 * 3600] {
        let mut csr = valid(&key, Request::agent("c1", "a"));
        csr.spec.expiration_seconds = Some(seconds);
        check_csr(&csr).unwrap();
    }
    let mut csr = valid(&key, Request::agent("c1", "a"));
    csr.spec.usages = Some(vec!["client auth".into()]);
    check_csr(&csr).unwrap();
    // CRLF line endings and a missing final newline are still one canonical block.
    let mut csr = valid(&key, Request::agent("c1", "a"));
    let text = String::from_utf8(csr.spec.request.0.clone()).unwrap();
    csr.spec.request = ByteString(text.trim_end().replace('\n', "\r\n").into_bytes());
    check_csr(&csr).unwrap();
}

#[test]
fn the_policy_sets_bootstrap_identities_and_the_expiration_bound() {
    let key = Key::p256();
    let mut csr = valid(&key, Request::agent("c1", "a"));
    csr.spec.username = Some("system:bootstrap:abcdef".into());
    csr.spec.groups = Some(vec!["system:bootstrappers:managedcluster".into()]);
    assert_eq!(check_csr(&csr).unwrap_err().rule(), CsrRule::Requester);
    let by_group = CsrPolicy::default().bootstrap_group("system:bootstrappers:managedcluster");
    assert_eq!(
        by_group.check(&csr).unwrap().kind,
        CsrRequestKind::Bootstrap
    );
    let by_user = CsrPolicy::default().bootstrap_users(["system:bootstrap:abcdef"]);
    by_user.check(&csr).unwrap();
    let nobody = CsrPolicy::default().bootstrap_users(Vec::<String>::new());
    let csr = valid(&key, Request::agent("c1", "a"));
    assert_eq!(nobody.check(&csr).unwrap_err().rule(), CsrRule::Requester);

    let mut csr = valid(&key, Request::agent("c1", "a"));
    csr.spec.expiration_seconds = Some(30 * 24 * 3600);
    let month = CsrPolicy::default().max_expiration_seconds(7 * 24 * 3600);
    let err = month.check(&csr).unwrap_err();
    assert_eq!(err.rule(), CsrRule::ExpirationSeconds);
    assert_eq!(
        err.to_string(),
        "expiration-seconds: expected none or 3600..=604800, found 2592000"
    );
}

/// Every case: a name, the CSR, the rule that must refuse it.
fn cases() -> Vec<(&'static str, CertificateSigningRequest, CsrRule)> {
    let key = Key::p256();
    let other = Key::p256();
    let ok = || Request::agent("c1", "a");
    let base = |r: Request| valid(&key, r);
    let with = |f: &dyn Fn(&mut CertificateSigningRequest)| {
        let mut csr = base(ok());
        f(&mut csr);
        csr
    };
    let good_pem = ok().pem(&key);
    let text = String::from_utf8(good_pem.clone()).unwrap();
    let der = ok().der(&key);
    let o = |c: &str| format!("{PREFIX}{c}");
    let mut c = vec![
        (
            "no cluster label",
            with(&|c| c.metadata.labels = None),
            CsrRule::ClusterLabel,
        ),
        (
            "empty cluster label",
            with(&|c| {
                c.metadata.labels = Some(
                    [(
                        "open-cluster-management.io/cluster-name".into(),
                        String::new(),
                    )]
                    .into(),
                )
            }),
            CsrRule::ClusterLabel,
        ),
        (
            "addon label",
            with(&|c| {
                c.metadata.labels.as_mut().unwrap().insert(
                    "open-cluster-management.io/addon-name".into(),
                    "my-addon".into(),
                );
            }),
            CsrRule::AddonLabel,
        ),
        (
            "kubelet serving signer",
            with(&|c| c.spec.signer_name = "kubernetes.io/kubelet-serving".into()),
            CsrRule::Signer,
        ),
        (
            "approved",
            with(&|c| c.status = Some(condition("Approved", "True"))),
            CsrRule::Terminal,
        ),
        (
            "denied false",
            with(&|c| c.status = Some(condition("Denied", "False"))),
            CsrRule::Terminal,
        ),
        (
            "failed only",
            with(&|c| c.status = Some(condition("Failed", "True"))),
            CsrRule::Failed,
        ),
        (
            "certificate issued",
            with(&|c| {
                let mut s = condition("Other", "True");
                s.certificate = Some(ByteString(b"cert".to_vec()));
                c.status = Some(s);
            }),
            CsrRule::CertificateIssued,
        ),
        (
            "no client auth usage",
            with(&|c| {
                c.spec.usages = Some(vec!["digital signature".into(), "key encipherment".into()])
            }),
            CsrRule::Usages,
        ),
        (
            "no usages",
            with(&|c| c.spec.usages = None),
            CsrRule::Usages,
        ),
        (
            "server auth usage",
            with(&|c| c.spec.usages = Some(vec!["client auth".into(), "server auth".into()])),
            CsrRule::Usages,
        ),
        (
            "duplicate usage",
            with(&|c| c.spec.usages = Some(vec!["client auth".into(), "client auth".into()])),
            CsrRule::Usages,
        ),
        (
            "expiration 600",
            with(&|c| c.spec.expiration_seconds = Some(600)),
            CsrRule::ExpirationSeconds,
        ),
        (
            "expiration two years",
            with(&|c| c.spec.expiration_seconds = Some(2 * 365 * 24 * 3600)),
            CsrRule::ExpirationSeconds,
        ),
        (
            "empty request",
            with(&|c| c.spec.request = ByteString(vec![])),
            CsrRule::Pem,
        ),
        (
            "DER, not PEM",
            with(&|c| c.spec.request = ByteString(der.clone())),
            CsrRule::Pem,
        ),
        (
            "a CERTIFICATE block",
            with(&|c| c.spec.request = ByteString(pem_block("CERTIFICATE", &der))),
            CsrRule::Pem,
        ),
        (
            "a second block (another cluster's request)",
            with(&|c| {
                let mut two = good_pem.clone();
                two.extend(Request::agent("c2", "a").pem(&other));
                c.spec.request = ByteString(two);
            }),
            CsrRule::PemStrict,
        ),
        (
            "text before the block",
            with(&|c| c.spec.request = ByteString(format!("hello\n{text}").into_bytes())),
            CsrRule::PemStrict,
        ),
        (
            "a dash too many on the BEGIN line",
            with(&|c| {
                let t = text.replacen("REQUEST-----", "REQUEST------", 1);
                c.spec.request = ByteString(t.into_bytes());
            }),
            CsrRule::PemStrict,
        ),
        (
            "text after the block",
            with(&|c| c.spec.request = ByteString(format!("{text}trailer\n").into_bytes())),
            CsrRule::PemStrict,
        ),
        (
            "PEM headers",
            with(&|c| {
                let h = text.replacen("-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1);
                c.spec.request = ByteString(h.into_bytes());
            }),
            CsrRule::PemStrict,
        ),
        (
            "PEM of garbage",
            with(&|c| c.spec.request = ByteString(pem_block("CERTIFICATE REQUEST", b"not der"))),
            CsrRule::Pkcs10,
        ),
        (
            "trailing DER data",
            with(&|c| {
                let mut d = der.clone();
                d.extend([0, 0]);
                c.spec.request = ByteString(pem_block("CERTIFICATE REQUEST", &d));
            }),
            CsrRule::Pkcs10,
        ),
        (
            "an APPLICATION-class tag where the signature algorithm's OID goes",
            with(&|c| {
                // x509-parser reads [APPLICATION 6] as an OID; Go's encoding/asn1 does not.
                let alg = [
                    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
                ];
                let mut d = der.clone();
                let at = d.windows(alg.len()).rposition(|w| w == alg).unwrap();
                d[at + 2] = 0x46;
                c.spec.request = ByteString(pem_block("CERTIFICATE REQUEST", &d));
            }),
            CsrRule::DerStrict,
        ),
        (
            "the common name's type tagged as an ObjectDescriptor, signed",
            base(ok().patch(CN_TYPE_DER, CN_TYPE_AS_OBJECT_DESCRIPTOR)),
            CsrRule::DerStrict,
        ),
        (
            "the common name's type tagged [APPLICATION 6], signed",
            base(ok().patch(CN_TYPE_DER, CN_TYPE_AS_APPLICATION_6)),
            CsrRule::DerStrict,
        ),
        (
            "version 1",
            base(Request { version: 1, ..ok() }),
            CsrRule::Version,
        ),
        (
            "ecdsa-with-SHA512",
            base(Request {
                signature_oid: Some(keys::OID_ECDSA_SHA512),
                ..ok()
            }),
            CsrRule::SignatureAlgorithm,
        ),
        (
            "sha1WithRSA",
            agent_csr(
                "c1",
                Request {
                    signature_oid: Some(keys::OID_SHA1_RSA),
                    ..ok()
                }
                .pem(Key::rsa2048()),
            ),
            CsrRule::SignatureAlgorithm,
        ),
        (
            "RSA 1024",
            agent_csr("c1", ok().pem(Key::rsa1024())),
            CsrRule::PublicKey,
        ),
        (
            "a flipped signature byte",
            with(&|c| {
                let mut d = der.clone();
                let n = d.len();
                d[n - 5] ^= 0x01;
                c.spec.request = ByteString(pem_block("CERTIFICATE REQUEST", &d));
            }),
            CsrRule::Signature,
        ),
        (
            "signed for another subject",
            with(&|c| {
                let d = ok().der_signed_over(&key, &Request::agent("c2", "a"));
                c.spec.request = ByteString(pem_block("CERTIFICATE REQUEST", &d));
            }),
            CsrRule::Signature,
        ),
        (
            "an organizational unit",
            base(ok().push_rdn(vec![atv(OID_OU, "ops")])),
            CsrRule::SubjectAttributes,
        ),
        (
            "two common names (Go keeps the last)",
            base(ok().push_rdn(vec![atv(OID_CN, o("c1:b"))])),
            CsrRule::SubjectAttributes,
        ),
        (
            "an IA5String organization",
            {
                let mut r = ok();
                r.subject[0][0].enc = Str::Ia5;
                base(r)
            },
            CsrRule::SubjectAttributes,
        ),
        (
            "a DNS SAN",
            base(ok().extension(ext_san_dns("c1.example.com"))),
            CsrRule::SubjectAltNames,
        ),
        (
            "basicConstraints CA",
            base(ok().extension(ext_basic_constraints(true))),
            CsrRule::CaRequested,
        ),
        (
            "basicConstraints not CA",
            base(ok().extension(ext_basic_constraints(false))),
            CsrRule::RequestedExtension,
        ),
        (
            "client auth EKU",
            base(ok().extension(ext_client_auth_eku())),
            CsrRule::RequestedExtension,
        ),
        (
            "challengePassword",
            base(Request {
                challenge_password: Some("secret".into()),
                ..ok()
            }),
            CsrRule::RequestAttribute,
        ),
        (
            "no common name",
            base(ok().organizations(&[&o("c1")]).common_name_removed()),
            CsrRule::CommonName,
        ),
        (
            "common name without agent",
            base(ok().common_name(&o("c1"))),
            CsrRule::CommonName,
        ),
        (
            "empty agent",
            base(ok().common_name(&o("c1:"))),
            CsrRule::CommonName,
        ),
        (
            "extra colon",
            base(ok().common_name(&o("c1:a:b"))),
            CsrRule::CommonName,
        ),
        (
            "no prefix",
            base(ok().common_name("c1:a")),
            CsrRule::CommonName,
        ),
        (
            "a CSR for cluster A labelled B",
            agent_csr("c2", ok().pem(&key)),
            CsrRule::ClusterName,
        ),
        (
            "an extra organization",
            base(ok().organizations(&[&o("c1"), MANAGED_CLUSTERS, "system:masters"])),
            CsrRule::Organizations,
        ),
        (
            "another cluster's organization",
            base(ok().organizations(&[&o("c2"), MANAGED_CLUSTERS])),
            CsrRule::Organizations,
        ),
        (
            "only the common group",
            base(ok().organizations(&[MANAGED_CLUSTERS])),
            CsrRule::Organizations,
        ),
        (
            "a repeated organization",
            base(ok().organizations(&[&o("c1"), &o("c1"), MANAGED_CLUSTERS])),
            CsrRule::DuplicateOrganization,
        ),
        (
            "requested by someone else",
            with(&|c| c.spec.username = Some("system:serviceaccount:default:builder".into())),
            CsrRule::Requester,
        ),
        (
            "renewal by another agent of the cluster",
            with(&|c| c.spec.username = Some(o("c1:b"))),
            CsrRule::Requester,
        ),
        (
            "no requester",
            with(&|c| c.spec.username = None),
            CsrRule::Requester,
        ),
    ];
    c.sort_by_key(|(_, _, rule)| *rule);
    c
}

#[test]
fn each_rule_refuses_the_csr_that_breaks_it() {
    let mut failures = Vec::new();
    for (name, csr, rule) in cases() {
        match check_csr(&csr) {
            Err(e) if e.rule() == rule => {
                assert!(e.to_string().starts_with(rule.name()), "{e}");
                assert!(e.to_string().contains("expected"), "{e}");
            }
            other => failures.push(format!(
                "{name}: expected rule {}, got {other:?}",
                rule.name()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_case() {
    let covered: BTreeSet<CsrRule> = cases().into_iter().map(|(_, _, r)| r).collect();
    let missing: Vec<_> = CsrRule::ALL
        .iter()
        .filter(|r| !covered.contains(r))
        .map(|r| r.name())
        .collect();
    assert!(missing.is_empty(), "rules without a test case: {missing:?}");
}

#[test]
fn rules_have_distinct_names_and_go_rules_are_the_hubs() {
    let names: BTreeSet<_> = CsrRule::ALL.iter().map(|r| r.name()).collect();
    assert_eq!(names.len(), CsrRule::ALL.len());
    let go: BTreeSet<_> = CsrRule::ALL
        .iter()
        .filter(|r| r.origin() == RuleOrigin::Go)
        .map(|r| r.name())
        .collect();
    let expected: BTreeSet<_> = [
        "cluster-label",
        "signer",
        "terminal",
        "pem",
        "pkcs10",
        "common-name",
        "cluster-name",
        "organizations",
        "requester",
    ]
    .into();
    assert_eq!(go, expected);
}

#[test]
fn pending_means_undecided_and_unissued() {
    let key = Key::p256();
    let mut csr = valid(&key, Request::agent("c1", "a"));
    assert!(is_pending(&csr));
    for (t, s) in [
        ("Approved", "True"),
        ("Denied", "True"),
        ("Failed", "True"),
        ("Failed", "False"),
    ] {
        csr.status = Some(condition(t, s));
        assert!(!is_pending(&csr), "{t}={s}");
    }
    csr.status = Some(condition("Unknown", "True"));
    assert!(is_pending(&csr));
    csr.status.as_mut().unwrap().certificate = Some(ByteString(b"x".to_vec()));
    assert!(!is_pending(&csr));
}

#[test]
fn rejections_read_well() {
    let key = Key::p256();
    let csr = agent_csr("c2", Request::agent("c1", "a").pem(&key));
    let err: CsrRejected = check_csr(&csr).unwrap_err();
    assert_eq!(
        err.to_string(),
        "cluster-name: expected the common name's cluster to be the label's \"c2\", found \"c1\""
    );
}
