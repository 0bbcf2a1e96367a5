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

use csr_support::generate::{Keys, generate};
use csr_support::go::{Rng, go_approves, go_csr, real_agent_csr};
use csr_support::*;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use ocm_client::registration::csr::RuleOrigin;
use ocm_client::registration::{CsrRequestKind, check_csr};
use std::collections::BTreeMap;

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
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
                ocm_api::labels::CLUSTER_NAME.to_string(),
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
    let started = std::time::Instant::now();
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

    let generated = started.elapsed();
    let go = go_approves(&bin, &csrs);
    let go_time = started.elapsed() - generated;
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
    eprintln!(
        "{} CSRs (seed {seed:#x}): generated in {generated:?}, Go decided in {go_time:?}, checked in {:?}",
        csrs.len(),
        started.elapsed() - generated - go_time
    );
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
