//! The Rust registration agent on a hub that does not auto-accept (ocm-testenv,
//! `auto_accept(false)`): nothing joins until `ManagedClusters::accept` (the double opt-in), and
//! a denied CSR ends the agent with `AgentError::CsrDenied`.

#![cfg(feature = "agent")]

use ocm_test_support::eventually;
use std::time::Duration;

use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use kube::api::{Api, ListParams};
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::{conditions, labels};
use ocm_client::agent::{Agent, AgentError};
use ocm_client::registration::{AcceptParams, CsrPolicy, DenyParams, ManagedClusters};
use ocm_testenv::TestEnv;
use tokio_util::sync::CancellationToken;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const TIMEOUT: Duration = Duration::from_secs(120);

async fn csrs(
    hub: &kube::Client,
    cluster: &str,
) -> Result<Vec<CertificateSigningRequest>, kube::Error> {
    let api: Api<CertificateSigningRequest> = Api::all(hub.clone());
    let l = ListParams::default().labels(&format!("{}={cluster}", labels::CLUSTER_NAME));
    Ok(api.list(&l).await?.items)
}

fn cond(c: &ManagedCluster, t: &str) -> String {
    c.status
        .as_ref()
        .and_then(|s| conditions::find(&s.conditions, t))
        .map(|c| c.status.clone())
        .unwrap_or_else(|| "absent".into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn double_opt_in_and_denial() -> TestResult {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("ocm_client=info")
        .with_test_writer()
        .try_init();
    let env = TestEnv::builder()
        .managed_clusters(0)
        .auto_accept(false)
        .start()
        .await?;
    let hub = env.hub().client();
    let bootstrap = env.dir().join("bootstrap-hub.kubeconfig");
    let clusters: Api<ManagedCluster> = Api::all(hub.clone());
    let tmp = tempfile::tempdir()?;
    let cancel = CancellationToken::new();

    let spawn = |name: &str| -> Result<_, AgentError> {
        let agent = Agent::builder(name, &bootstrap)
            .hub_kubeconfig_dir(tmp.path().join(name))
            .lease_duration(Duration::from_secs(5))
            .status_interval(Duration::from_secs(5))
            .build()?;
        let cancel = cancel.clone();
        Ok(tokio::spawn(async move { agent.run(cancel).await }))
    };
    let impatient = Agent::builder("rust-impatient", &bootstrap)
        .hub_kubeconfig_dir(tmp.path().join("rust-impatient"))
        .approval_timeout(Duration::from_secs(3))
        .build()?;
    let impatient = tokio::spawn({
        let cancel = cancel.clone();
        async move { impatient.run(cancel).await }
    });
    let optin = spawn("rust-optin")?;
    let denied = spawn("rust-denied")?;

    // Both ask to join; nothing joins while the hub has not accepted.
    for name in ["rust-optin", "rust-denied"] {
        eventually(
            &format!("{name}'s ManagedCluster and CSR"),
            TIMEOUT,
            || async {
                let n = csrs(&hub, name).await?.len();
                let c = clusters.get_opt(name).await?;
                Ok(if n == 1 && c.is_some() {
                    Ok(())
                } else {
                    Err(format!("{n} CSRs, cluster: {}", c.is_some()))
                })
            },
        )
        .await?;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let c = clusters.get("rust-optin").await?;
    assert!(!c.spec.hub_accepts_client);
    assert_eq!(cond(&c, conditions::MANAGED_CLUSTER_JOINED), "absent");
    assert!(
        !tmp.path().join("rust-optin/tls.crt").exists(),
        "no certificate before acceptance"
    );
    assert!(!optin.is_finished() && !denied.is_finished());

    // The hub's half: accept (approving only the CSR that passes check_csr for this cluster).
    let registration = ManagedClusters::new(hub.clone());
    let policy = CsrPolicy::default().bootstrap_user(ocm_testenv::BOOTSTRAP_USER);
    let outcome = registration
        .accept(
            "rust-optin",
            &AcceptParams::default().wait(TIMEOUT).policy(policy),
        )
        .await?;
    assert_eq!(outcome.approved.len(), 1, "{outcome:?}");
    eventually("rust-optin joined and available", TIMEOUT, || async {
        let c = clusters.get("rust-optin").await?;
        let (j, a) = (
            cond(&c, conditions::MANAGED_CLUSTER_JOINED),
            cond(&c, conditions::MANAGED_CLUSTER_AVAILABLE),
        );
        Ok(if j == "True" && a == "True" {
            Ok(())
        } else {
            Err(format!("joined {j}, available {a}"))
        })
    })
    .await?;

    // Deny the other: its agent ends with a typed error naming the CSR.
    registration
        .deny("rust-denied", &DenyParams::default())
        .await?;
    let result = tokio::time::timeout(TIMEOUT, denied).await??;
    match result {
        Err(AgentError::CsrDenied { name, .. }) => {
            assert!(name.starts_with("rust-denied-"), "{name}")
        }
        other => panic!("expected CsrDenied, found {other:?}"),
    }

    // Nobody approves the third: its wait ends at the approval timeout.
    match tokio::time::timeout(TIMEOUT, impatient).await?? {
        Err(AgentError::CsrTimeout { waited, .. }) => assert!(waited >= Duration::from_secs(3)),
        other => panic!("expected CsrTimeout, found {other:?}"),
    }

    // Go's CSR threshold: with 10 CSRs of the cluster on the hub, the agent creates none until
    // one goes away.
    let csr_api: Api<CertificateSigningRequest> = Api::all(hub.clone());
    for _ in 0..10 {
        let (csr, _) = ocm_client::agent::build_csr("rust-crowded", "someone", None)?;
        csr_api.create(&Default::default(), &csr).await?;
    }
    let crowded = spawn("rust-crowded")?;
    eventually("rust-crowded's ManagedCluster", TIMEOUT, || async {
        Ok(match clusters.get_opt("rust-crowded").await? {
            Some(_) => Ok(()),
            None => Err("absent".into()),
        })
    })
    .await?;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let before = csrs(&hub, "rust-crowded").await?;
    assert_eq!(
        before.len(),
        10,
        "the agent created a CSR over the threshold"
    );
    let first = before[0].metadata.name.clone().unwrap_or_default();
    csr_api.delete(&first, &Default::default()).await?;
    eventually(
        "the agent's CSR once below the threshold",
        TIMEOUT,
        || async {
            let list = csrs(&hub, "rust-crowded").await?;
            let by_agent = list
                .iter()
                .filter(|c| c.spec.username.as_deref() == Some(ocm_testenv::BOOTSTRAP_USER))
                .count();
            Ok(if by_agent == 1 {
                Ok(())
            } else {
                Err(format!("{} CSRs, {by_agent} by the agent", list.len()))
            })
        },
    )
    .await?;
    assert!(!crowded.is_finished());

    assert!(!optin.is_finished());
    cancel.cancel();
    optin.await??;
    env.stop()?;
    Ok(())
}
