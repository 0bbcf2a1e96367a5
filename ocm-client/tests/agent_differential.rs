//! Differential test against the real Go agent and hub (`tests/go-csr`, OCM v1.2.1's own CSR
//! driver code): the Rust agent's CSR has the Go agent's shape (metadata, spec, a byte-identical
//! subject with both organizations in one RDN, the same signature algorithm and attributes), and
//! the Go hub's approving controller approves it as a bootstrap request and as a renewal.
//!
//! Needs Go (skipped with a notice otherwise; `OCM_CLIENT_REQUIRE_GO=1` makes it required).
#![cfg(feature = "agent")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod csr_support;

use csr_support::BOOTSTRAP_USER;
use csr_support::go::{go_approves, go_csr, real_agent_csr};
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use ocm_client::agent::build_csr;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::FromDer;

fn der(csr: &CertificateSigningRequest) -> Vec<u8> {
    pem::parse(&csr.spec.request.0).unwrap().into_contents()
}

#[test]
fn rust_agent_csr_is_the_go_agents_and_the_go_hub_approves_it() {
    let Some(bin) = go_csr() else { return };
    for expiration in [0u32, 3600] {
        let go = real_agent_csr(&bin, "cluster-a/agent-7f3k", expiration);
        let (ours, _key) = build_csr(
            "cluster-a",
            "agent-7f3k",
            (expiration > 0).then_some(expiration as i32),
        )
        .unwrap();
        assert_eq!(ours.metadata.generate_name, go.metadata.generate_name);
        assert_eq!(ours.metadata.labels, go.metadata.labels);
        assert_eq!(ours.spec.signer_name, go.spec.signer_name);
        assert_eq!(ours.spec.usages, go.spec.usages);
        assert_eq!(ours.spec.expiration_seconds, go.spec.expiration_seconds);

        let (go_der, our_der) = (der(&go), der(&ours));
        let (_, g) = X509CertificationRequest::from_der(&go_der).unwrap();
        let (_, o) = X509CertificationRequest::from_der(&our_der).unwrap();
        let (gi, oi) = (&g.certification_request_info, &o.certification_request_info);
        assert_eq!(oi.subject.as_raw(), gi.subject.as_raw(), "subject DER");
        assert_eq!(oi.version, gi.version);
        assert_eq!(oi.attributes().len(), gi.attributes().len());
        assert_eq!(
            o.signature_algorithm.algorithm,
            g.signature_algorithm.algorithm
        );
        assert_eq!(
            oi.subject_pki.algorithm.algorithm,
            gi.subject_pki.algorithm.algorithm
        );
        o.verify_signature().unwrap();

        // The Go hub approves it from the bootstrap user, and as a renewal from its own identity,
        // and refuses it labelled for another cluster.
        let mut bootstrap = ours.clone();
        bootstrap.spec.username = Some(BOOTSTRAP_USER.into());
        let mut renewal = ours.clone();
        renewal.spec.username = Some("system:open-cluster-management:cluster-a:agent-7f3k".into());
        let mut relabelled = bootstrap.clone();
        relabelled.metadata.labels = Some(
            [(
                ocm_api::labels::CLUSTER_NAME.to_string(),
                "cluster-b".to_string(),
            )]
            .into(),
        );
        assert_eq!(
            go_approves(&bin, &[bootstrap, renewal, relabelled]),
            [true, true, false]
        );
    }
}
