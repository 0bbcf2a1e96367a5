//! The Rust registration agent joins the real Go hub (ocm-testenv, hub only): accepted, joined,
//! available over several lease periods, claims reported, certificate rotated through a
//! renewal CSR without the cluster going Unknown, denied and accepted again.

#![cfg(feature = "agent")]

use ocm_test_support::eventually;
use std::time::{Duration, Instant};

use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{Api, ListParams, Patch, PatchParams};
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::{conditions, labels};
use ocm_client::agent::{Agent, kubeconfig};
use ocm_client::hubs::{ReloadParams, client_from_kubeconfig};
use ocm_testenv::TestEnv;
use tokio_util::sync::CancellationToken;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const TIMEOUT: Duration = Duration::from_secs(120);
const CLUSTER: &str = "rust-agent1";

fn cond(c: &ManagedCluster, t: &str) -> String {
    c.status
        .as_ref()
        .and_then(|s| conditions::find(&s.conditions, t))
        .map(|c| c.status.clone())
        .unwrap_or_else(|| "absent".into())
}

async fn wait_status(api: &Api<ManagedCluster>, t: &str, want: &str) -> TestResult {
    eventually(&format!("{t}={want}"), TIMEOUT, || async {
        let c = api.get(CLUSTER).await?;
        let s = cond(&c, t);
        Ok(if s == want {
            Ok(())
        } else {
            Err(format!("{t}={s}"))
        })
    })
    .await?;
    Ok(())
}

async fn renewal_csrs(hub: &kube::Client) -> Result<Vec<CertificateSigningRequest>, kube::Error> {
    let api: Api<CertificateSigningRequest> = Api::all(hub.clone());
    let list = api
        .list(&ListParams::default().labels(&format!("{}={CLUSTER}", labels::CLUSTER_NAME)))
        .await?;
    Ok(list.items)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_agent_joins_the_go_hub() -> TestResult {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("ocm_client=info")
        .with_test_writer()
        .try_init();
    let env = TestEnv::builder().managed_clusters(0).start().await?;
    let hub = env.hub().client();
    let bootstrap = env.dir().join("bootstrap-hub.kubeconfig");
    let dir = tempfile::tempdir()?;
    let agent = Agent::builder(CLUSTER, &bootstrap)
        .hub_kubeconfig_dir(dir.path())
        .lease_duration(Duration::from_secs(5))
        .status_interval(Duration::from_secs(5))
        .rotation_check_interval(Duration::from_secs(5))
        .claim("id.k8s.io", "uid-1")
        .claim("region", "eu")
        .capacity("cpu", "8")
        .kubernetes_version("v1.35.4")
        .client_config("https://rust-agent1.example:6443", None)
        .annotation("agent.open-cluster-management.io/origin", "rust")
        .annotation("not-agent-prefixed/x", "dropped")
        // The hub's apiserver stands in for the managed cluster that keeps the Secret.
        .hub_kubeconfig_secret(hub.clone(), "default")
        .build()?;
    let cancel = CancellationToken::new();
    let task = tokio::spawn({
        let (agent, cancel) = (agent.clone(), cancel.clone());
        async move { agent.run(cancel).await }
    });
    let clusters: Api<ManagedCluster> = Api::all(hub.clone());

    // Auto-accepted by the Go hub (its bootstrap user), joined, available.
    wait_status(&clusters, conditions::MANAGED_CLUSTER_HUB_ACCEPTED, "True").await?;
    wait_status(&clusters, conditions::MANAGED_CLUSTER_JOINED, "True").await?;
    wait_status(&clusters, conditions::MANAGED_CLUSTER_AVAILABLE, "True").await?;
    let c = clusters.get(CLUSTER).await?;
    let st = c.status.clone().unwrap_or_default();
    let claims: Vec<_> = st
        .cluster_claims
        .iter()
        .flatten()
        .map(|c| {
            (
                c.name.clone().unwrap_or_default(),
                c.value.clone().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        claims,
        vec![
            ("id.k8s.io".into(), "uid-1".into()),
            ("region".into(), "eu".into())
        ]
    );
    assert_eq!(
        st.version.and_then(|v| v.kubernetes).as_deref(),
        Some("v1.35.4")
    );
    assert_eq!(c.spec.lease_duration_seconds, Some(5));
    let configs = c.spec.managed_cluster_client_configs.unwrap_or_default();
    assert_eq!(configs[0].url, "https://rust-agent1.example:6443");
    let annotations = c.metadata.annotations.unwrap_or_default();
    assert_eq!(
        annotations
            .get("agent.open-cluster-management.io/origin")
            .map(String::as_str),
        Some("rust")
    );
    assert!(!annotations.contains_key("not-agent-prefixed/x"));

    // The directory has upstream's files and kubeconfig shape, and a client from it works.
    for f in [
        "kubeconfig",
        "tls.crt",
        "tls.key",
        "cluster-name",
        "agent-name",
    ] {
        assert!(dir.path().join(f).exists(), "{f} missing");
    }
    let kc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("kubeconfig"))?)?;
    assert_eq!(kc["current-context"], kubeconfig::CONTEXT);
    assert_eq!(kc["users"][0]["name"], kubeconfig::AUTH_INFO);
    assert_eq!(kc["users"][0]["user"]["client-certificate"], "tls.crt");
    let secrets: Api<k8s_openapi::api::core::v1::Secret> = Api::namespaced(hub.clone(), "default");
    let secret = secrets.get("hub-kubeconfig-secret").await?;
    let keys: Vec<String> = secret.data.unwrap_or_default().into_keys().collect();
    assert_eq!(
        keys,
        [
            "agent-name",
            "cluster-name",
            "kubeconfig",
            "tls.crt",
            "tls.key"
        ]
    );
    let agent_hub =
        client_from_kubeconfig(agent.hub_kubeconfig(), &ReloadParams::default()).await?;
    let as_agent: Api<ManagedCluster> = Api::all(agent_hub.clone());
    as_agent.get(CLUSTER).await?;

    // The lease is renewed over several lease periods and the cluster stays Available (the hub
    // marks it Unknown after 5 × 5 s without renewal).
    let leases: Api<Lease> = Api::namespaced(hub.clone(), CLUSTER);
    let mut renewals = std::collections::BTreeSet::new();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(32) {
        if let Ok(l) = leases.get("managed-cluster-lease").await
            && let Some(t) = l.spec.and_then(|s| s.renew_time)
        {
            renewals.insert(t.0.to_string());
        }
        let c = clusters.get(CLUSTER).await?;
        assert_eq!(
            cond(&c, conditions::MANAGED_CLUSTER_AVAILABLE),
            "True",
            "at {:?}",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        renewals.len() >= 4,
        "lease renewed {} times in 32 s: {renewals:?}",
        renewals.len()
    );

    // Rotation: a renewal CSR (requested by the agent's own identity) is approved by the Go hub,
    // the files are replaced, the old client keeps working, the cluster stays Available.
    let before = std::fs::read(dir.path().join("tls.crt"))?;
    let csrs_before = renewal_csrs(&hub).await?.len();
    agent.rotate_now();
    eventually("a rotated certificate", TIMEOUT, || async {
        let now = std::fs::read(dir.path().join("tls.crt"))?;
        let c = clusters.get(CLUSTER).await?;
        let available = cond(&c, conditions::MANAGED_CLUSTER_AVAILABLE);
        assert_eq!(available, "True", "Available during rotation");
        Ok(if now != before {
            Ok(())
        } else {
            Err("same certificate".into())
        })
    })
    .await?;
    let csrs = renewal_csrs(&hub).await?;
    assert_eq!(csrs.len(), csrs_before + 1);
    let renewal = csrs
        .iter()
        .find(|c| {
            c.spec
                .username
                .as_deref()
                .is_some_and(|u| u.starts_with("system:open-cluster-management:rust-agent1:"))
        })
        .ok_or("no renewal CSR requested by the agent's identity")?;
    assert!(
        renewal
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Approved"))
    );
    as_agent.get(CLUSTER).await?;
    wait_status(&clusters, "ClusterCertificateRotated", "True").await?;
    let secret = secrets.get("hub-kubeconfig-secret").await?;
    let data = secret.data.unwrap_or_default();
    assert_eq!(
        data.get("tls.crt").map(|b| b.0.clone()),
        Some(std::fs::read(dir.path().join("tls.crt"))?)
    );
    let c = clusters.get(CLUSTER).await?;
    assert_eq!(cond(&c, conditions::MANAGED_CLUSTER_AVAILABLE), "True");

    // Deny (hubAcceptsClient=false): the hub says not accepted; accept again: Available again.
    clusters
        .patch(
            CLUSTER,
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {"hubAcceptsClient": false}})),
        )
        .await?;
    wait_status(&clusters, conditions::MANAGED_CLUSTER_HUB_ACCEPTED, "False").await?;
    // While denied the agent does not renew the lease: over two lease periods it stays put.
    let renew_time = || async {
        let lease = leases.get("managed-cluster-lease").await?;
        Ok::<_, kube::Error>(lease.spec.and_then(|s| s.renew_time).map(|t| t.0))
    };
    tokio::time::sleep(Duration::from_secs(1)).await;
    let denied_at = renew_time().await?;
    tokio::time::sleep(Duration::from_secs(12)).await;
    assert_eq!(renew_time().await?, denied_at, "lease renewed while denied");
    clusters
        .patch(
            CLUSTER,
            &PatchParams::default(),
            &Patch::Merge(serde_json::json!({"spec": {"hubAcceptsClient": true}})),
        )
        .await?;
    wait_status(&clusters, conditions::MANAGED_CLUSTER_HUB_ACCEPTED, "True").await?;
    let renewed_at = leases
        .get("managed-cluster-lease")
        .await?
        .spec
        .and_then(|s| s.renew_time)
        .map(|t| t.0);
    eventually("a lease renewal after re-acceptance", TIMEOUT, || async {
        let now = leases
            .get("managed-cluster-lease")
            .await?
            .spec
            .and_then(|s| s.renew_time)
            .map(|t| t.0);
        Ok(if now > renewed_at {
            Ok(())
        } else {
            Err(format!("{now:?}"))
        })
    })
    .await?;
    wait_status(&clusters, conditions::MANAGED_CLUSTER_AVAILABLE, "True").await?;

    // An expired client certificate: the agent falls back to bootstrap (a new bootstrap CSR,
    // approved by the hub) and keeps the cluster available.
    let agent_name = std::fs::read_to_string(dir.path().join("agent-name"))?;
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        format!("system:open-cluster-management:{CLUSTER}:{agent_name}"),
    );
    params.not_before = rcgen::date_time_ymd(2020, 1, 1);
    params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    let expired = params.self_signed(&key)?.pem();
    let bootstrap_csrs = |csrs: Vec<CertificateSigningRequest>| {
        csrs.into_iter()
            .filter(|c| c.spec.username.as_deref() == Some(ocm_testenv::BOOTSTRAP_USER))
            .count()
    };
    let bootstraps_before = bootstrap_csrs(renewal_csrs(&hub).await?);
    std::fs::write(dir.path().join("tls.crt"), &expired)?;
    eventually(
        "a new certificate from a bootstrap CSR",
        TIMEOUT,
        || async {
            let now = std::fs::read_to_string(dir.path().join("tls.crt"))?;
            let n = bootstrap_csrs(renewal_csrs(&hub).await?);
            Ok(if now != expired && n == bootstraps_before + 1 {
                Ok(())
            } else {
                Err(format!(
                    "{n} bootstrap CSRs, certificate replaced: {}",
                    now != expired
                ))
            })
        },
    )
    .await?;
    as_agent.get(CLUSTER).await?;
    wait_status(&clusters, conditions::MANAGED_CLUSTER_AVAILABLE, "True").await?;

    assert!(!task.is_finished(), "the agent stopped: {:?}", task.await);
    cancel.cancel();
    task.await??;
    env.stop()?;
    Ok(())
}
