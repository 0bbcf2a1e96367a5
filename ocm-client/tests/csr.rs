//! `check_csr`: CSRs made the way the Go agent makes them pass; each rule, Go's and ours,
//! refuses the CSR that breaks it (and only that rule names it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod csr_support;

use csr_support::cases::cases;
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
