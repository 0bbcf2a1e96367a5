use super::*;
use crate::registration::{CsrPolicy, CsrRequestKind};
use x509_parser::prelude::FromDer;

fn with_user(mut csr: CertificateSigningRequest, user: &str) -> CertificateSigningRequest {
    csr.metadata.name = Some("cluster1-abcde".into());
    csr.spec.username = Some(user.into());
    csr
}

#[test]
fn bootstrap_csr_passes_check_csr() {
    let (csr, key) = build_csr("cluster1", "agent1", None).unwrap();
    assert!(key.starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(csr.metadata.generate_name.as_deref(), Some("cluster1-"));
    assert_eq!(csr.spec.expiration_seconds, None);
    let policy = CsrPolicy::default().bootstrap_user("ocm-testenv:bootstrap");
    let id = policy
        .check(&with_user(csr, "ocm-testenv:bootstrap"))
        .unwrap();
    assert_eq!(id.kind, CsrRequestKind::Bootstrap);
    assert_eq!(id.cluster_name, "cluster1");
    assert_eq!(id.agent_name, "agent1");
}

#[test]
fn renewal_csr_passes_check_csr() {
    let (csr, _) = build_csr("cluster1", "agent1", Some(3600)).unwrap();
    assert_eq!(csr.spec.expiration_seconds, Some(3600));
    let cn = common_name("cluster1", "agent1");
    let id = CsrPolicy::default().check(&with_user(csr, &cn)).unwrap();
    assert_eq!(id.kind, CsrRequestKind::Renewal);
}

#[test]
fn subject_has_both_organizations_in_one_rdn() {
    let (csr, _) = build_csr("c1", "a", None).unwrap();
    let block = pem::parse(&csr.spec.request.0).unwrap();
    let (_, req) =
        x509_parser::certification_request::X509CertificationRequest::from_der(block.contents())
            .unwrap();
    let subject = &req.certification_request_info.subject;
    let rdns: Vec<usize> = subject.iter().map(|rdn| rdn.iter().count()).collect();
    assert_eq!(rdns, vec![2, 1]);
    let orgs: Vec<&str> = subject
        .iter_organization()
        .filter_map(|o| o.as_str().ok())
        .collect();
    assert!(orgs.contains(&"system:open-cluster-management:c1"));
    assert!(orgs.contains(&"system:open-cluster-management:managed-clusters"));
}

#[test]
fn a_csr_for_another_cluster_fails_check_csr() {
    let (mut csr, _) = build_csr("cluster1", "agent1", None).unwrap();
    csr.metadata.labels = Some(
        [(
            ocm_api::labels::CLUSTER_NAME.to_string(),
            "cluster2".to_string(),
        )]
        .into(),
    );
    let policy = CsrPolicy::default().bootstrap_user("u");
    assert!(policy.check(&with_user(csr, "u")).is_err());
}

#[test]
fn cluster_names_are_dns1123_labels() {
    for ok in ["a", "cluster1", "a-b", &"x".repeat(63)] {
        assert!(validate_cluster_name(ok).is_ok(), "{ok}");
    }
    for bad in ["", "-a", "a-", "A", "a.b", "a_b", &"x".repeat(64), "ü"] {
        assert!(
            matches!(
                validate_cluster_name(bad),
                Err(AgentError::InvalidClusterName { .. })
            ),
            "{bad}"
        );
    }
    assert!(build_csr("Bad", "a", None).is_err());
}

#[test]
fn rotation_threshold_is_go_jitter() {
    for _ in 0..1000 {
        let t = rotation_threshold();
        assert!((0.2..0.25).contains(&t), "{t}");
    }
    let v = Validity {
        not_before: 0,
        not_after: 1000,
    };
    assert!(!v.needs_rotation(700, 0.2), "30 % left");
    assert!(!v.needs_rotation(790, 0.2), "21 % left, threshold 20 %");
    assert!(v.needs_rotation(790, 0.22), "21 % left, threshold 22 %");
    assert!(v.needs_rotation(800, 0.2));
    assert!(!v.is_expired(1000));
    assert!(v.is_expired(1001));
}

#[test]
fn certificate_matches_its_key_only() {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    let cert = params.self_signed(&key).unwrap().pem();
    assert!(certificate_matches_key(
        cert.as_bytes(),
        &key.serialize_pem()
    ));
    let other = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    assert!(!certificate_matches_key(
        cert.as_bytes(),
        &other.serialize_pem()
    ));
    let v = Validity::from_pem(cert.as_bytes()).unwrap();
    assert!(v.not_after > v.not_before);
}
