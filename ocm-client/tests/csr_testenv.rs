//! `check_csr` on the CSR a real OCM v1.2.1 klusterlet creates on a real hub (`ocm-testenv`,
//! auto-accept off): the apiserver fills in the requester, the hub's own approver stays out.
//!
//! Run with `cargo test -p ocm-client --test csr_testenv` (starts one environment: a hub and
//! one managed cluster).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use anyhow::{Context, Result};
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use kube::api::{Api, ListParams};
use ocm_api::labels;
use ocm_client::registration::{CsrPolicy, CsrRequestKind, CsrRule, check_csr, is_pending};
use ocm_test_support::eventually_some;
use ocm_testenv::{BOOTSTRAP_USER, TestEnv};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(240);

#[tokio::test(flavor = "multi_thread")]
async fn the_real_klusterlets_bootstrap_csr_passes_on_a_real_hub() -> Result<()> {
    let mut env = TestEnv::builder()
        .managed_clusters(1)
        .auto_accept(false)
        .start()
        .await
        .context("starting ocm-testenv")?;
    let result = run(&env).await;
    if result.is_err() {
        eprintln!(
            "ocm-testenv logs: {}",
            env.keep_dir().join("logs").display()
        );
    }
    let stopped = env.stop();
    result?;
    stopped?;
    Ok(())
}

async fn run(env: &TestEnv) -> Result<()> {
    let cluster = env.managed_clusters()[0].name().to_string();
    let csrs: Api<CertificateSigningRequest> = Api::all(env.hub().client());
    let selector = format!("{}={cluster}", labels::CLUSTER_NAME);
    let csr = eventually_some("the klusterlet's CSR", TIMEOUT, || async {
        let list = csrs.list(&ListParams::default().labels(&selector)).await?;
        Ok(list.items.into_iter().next())
    })
    .await?;

    // testenv's bootstrap identity is its own; the default policy knows OCM's service accounts.
    let policy = CsrPolicy::default().bootstrap_user(BOOTSTRAP_USER);
    let id = policy
        .check(&csr)
        .map_err(|e| anyhow::anyhow!("{e}: {csr:?}"))?;
    assert_eq!(id.kind, CsrRequestKind::Bootstrap);
    assert!(id.is_bootstrap_for(&cluster), "{id:?}");
    assert!(!id.agent_name.is_empty());
    assert_eq!(id.username, BOOTSTRAP_USER);
    assert!(is_pending(&csr));
    assert_eq!(check_csr(&csr).unwrap_err().rule(), CsrRule::Requester);

    env.accept_cluster(&cluster, TIMEOUT).await?;
    let name = csr.metadata.name.clone().context("the CSR has no name")?;
    let decided = eventually_some("the CSR's approval", TIMEOUT, || async {
        let csr = csrs.get(&name).await?;
        Ok((!is_pending(&csr)).then_some(csr))
    })
    .await?;
    let rule = policy.check(&decided).unwrap_err().rule();
    assert!(
        [CsrRule::Terminal, CsrRule::CertificateIssued].contains(&rule),
        "{rule:?}"
    );
    Ok(())
}
