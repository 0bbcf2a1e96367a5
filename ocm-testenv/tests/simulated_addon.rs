//! Add-on registration of a simulated cluster against the real Go hub: for a kubeClient
//! registration in a ManagedClusterAddOn's status, the cluster asks for a certificate with a
//! CSR shaped as the klusterlet's (made with the cluster's own hub identity), retries with a new
//! CSR when the first is denied, and once one is approved and signed keeps a hub kubeconfig
//! whose identity is the add-on agent's; removing the add-on drops it.
//!
//! The test approves and denies the CSRs itself, as the add-on manager would (the add-on
//! framework's manager doing it is covered by the fleet demo's test).

use std::time::{Duration, Instant};

use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use kube::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use ocm_api::addon::v1alpha1::ManagedClusterAddOn;
use ocm_testenv::{SimulatedCluster, TestEnv};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const CLUSTER: &str = "sim-addon";
const ADDON: &str = "probe";
const TIMEOUT: Duration = Duration::from_secs(120);

fn user() -> String {
    format!("system:open-cluster-management:cluster:{CLUSTER}:addon:{ADDON}:agent:agent")
}

fn groups() -> Vec<String> {
    vec![
        format!("system:open-cluster-management:cluster:{CLUSTER}:addon:{ADDON}"),
        format!("system:open-cluster-management:addon:{ADDON}"),
    ]
}

/// Polls `f` until it returns `Some`, or fails after [`TIMEOUT`].
async fn eventually<T, F, Fut>(what: &str, mut f: F) -> Result<T, Box<dyn std::error::Error>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Option<T>, Box<dyn std::error::Error>>>,
{
    let started = Instant::now();
    loop {
        if let Some(v) = f().await? {
            return Ok(v);
        }
        if started.elapsed() > TIMEOUT {
            return Err(format!("timed out waiting for {what}").into());
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// The pending CSRs of the add-on, oldest first.
async fn pending(
    csrs: &Api<CertificateSigningRequest>,
) -> kube::Result<Vec<CertificateSigningRequest>> {
    let lp =
        ListParams::default().labels(&format!("open-cluster-management.io/addon-name={ADDON}"));
    let mut items: Vec<_> = csrs
        .list(&lp)
        .await?
        .items
        .into_iter()
        .filter(|c| {
            c.status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .is_none_or(Vec::is_empty)
        })
        .collect();
    items.sort_by_key(|c| c.metadata.creation_timestamp.clone().map(|t| t.0));
    Ok(items)
}

async fn decide(
    csrs: &Api<CertificateSigningRequest>,
    name: &str,
    type_: &str,
) -> kube::Result<CertificateSigningRequest> {
    let patch = json!({"status": {"conditions": [{"type": type_, "status": "True",
        "reason": "Test", "message": "by the test"}]}});
    csrs.patch_approval(name, &PatchParams::default(), &Patch::Merge(&patch))
        .await
}

fn condition(a: &ManagedClusterAddOn, type_: &str) -> Option<String> {
    let c = a
        .status
        .as_ref()?
        .conditions
        .iter()
        .find(|c| c.type_ == type_)?;
    Some(c.status.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_simulated_cluster_registers_its_addon() -> TestResult {
    let env = TestEnv::builder()
        .simulated_cluster(SimulatedCluster::new(CLUSTER))
        .simulated_addon_registration(true)
        .start()
        .await?;
    let hub = env.hub().client();
    let sim = env.simulated_cluster(CLUSTER).ok_or("started")?;
    assert!(sim.addon_hub_kubeconfig(ADDON).is_none());

    // What the add-on manager writes: the add-on and its registration.
    let addons: Api<ManagedClusterAddOn> = Api::namespaced(hub.clone(), CLUSTER);
    let addon: ManagedClusterAddOn = serde_json::from_value(json!({
        "apiVersion": "addon.open-cluster-management.io/v1alpha1", "kind": "ManagedClusterAddOn",
        "metadata": {"name": ADDON, "namespace": CLUSTER},
        "spec": {"installNamespace": "probe-agent"},
    }))?;
    addons.create(&PostParams::default(), &addon).await?;
    let status = json!({"status": {"namespace": "probe-agent", "registrations": [{
        "signerName": "kubernetes.io/kube-apiserver-client",
        "subject": {"user": user(), "groups": groups()}}]}});
    addons
        .patch_status(ADDON, &PatchParams::default(), &Patch::Merge(&status))
        .await?;

    // The CSR is the klusterlet's: name, labels, signer, usages, and made by the cluster.
    let csrs: Api<CertificateSigningRequest> = Api::all(hub.clone());
    let first = eventually("the add-on CSR", || async {
        Ok(pending(&csrs).await?.into_iter().next())
    })
    .await?;
    let name = first.metadata.name.clone().unwrap_or_default();
    assert!(
        name.starts_with(&format!("addon-{CLUSTER}-{ADDON}-")),
        "{name}"
    );
    let labels = first.metadata.labels.clone().unwrap_or_default();
    assert_eq!(
        labels
            .get("open-cluster-management.io/cluster-name")
            .map(String::as_str),
        Some(CLUSTER)
    );
    assert_eq!(
        first.spec.signer_name,
        "kubernetes.io/kube-apiserver-client"
    );
    let requester = first.spec.username.clone().unwrap_or_default();
    assert!(
        requester.starts_with(&format!("system:open-cluster-management:{CLUSTER}:")),
        "made with the cluster's own identity, not {requester}"
    );
    let subject = ocm_client::registration::csr::check_request_with_dns_name(
        &first.spec.request.0,
        Some(&format!("{ADDON}.addon.open-cluster-management.io")),
    )?;
    assert_eq!(subject.common_name, Some(user()));
    // One multi-valued RDN, which DER sorts (as Go's encoding does).
    let mut orgs = subject.organizations.clone();
    orgs.sort();
    let mut want = groups();
    want.sort();
    assert_eq!(orgs, want);

    // Denied: the add-on says so, and the cluster asks again with a new CSR.
    decide(&csrs, &name, "Denied").await?;
    eventually("ClusterCertificateRotated=False", || async {
        Ok(addons
            .get(ADDON)
            .await
            .ok()
            .filter(|a| condition(a, "ClusterCertificateRotated").as_deref() == Some("False")))
    })
    .await?;
    let second = eventually("a second CSR", || async {
        Ok(pending(&csrs)
            .await?
            .into_iter()
            .find(|c| c.metadata.name.as_deref() != Some(&name)))
    })
    .await?;
    assert!(sim.addon_hub_kubeconfig(ADDON).is_none());
    decide(
        &csrs,
        second.metadata.name.as_deref().unwrap_or_default(),
        "Approved",
    )
    .await?;

    // Signed by kube-controller-manager: the kubeconfig's identity is the add-on agent's.
    let kc = eventually("the add-on hub kubeconfig", || async {
        Ok(sim.addon_hub_kubeconfig(ADDON))
    })
    .await?;
    let config =
        kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
            .await?;
    let agent = kube::Client::try_from(config)?;
    let review: SelfSubjectReview = serde_json::from_value(json!({
        "apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}))?;
    let me = Api::<SelfSubjectReview>::all(agent)
        .create(&PostParams::default(), &review)
        .await?;
    let info = me.status.and_then(|s| s.user_info).ok_or("user info")?;
    assert_eq!(info.username, Some(user()));
    let found = info.groups.unwrap_or_default();
    assert!(groups().iter().all(|g| found.contains(g)), "{found:?}");
    let a = eventually("ClusterCertificateRotated=True", || async {
        Ok(addons
            .get(ADDON)
            .await
            .ok()
            .filter(|a| condition(a, "ClusterCertificateRotated").as_deref() == Some("True")))
    })
    .await?;
    let driver = serde_json::to_value(&a.status)?["kubeClientDriver"].clone();
    assert_eq!(driver, "csr");

    // Removing the add-on drops the credentials.
    addons.delete(ADDON, &DeleteParams::default()).await?;
    eventually("the credentials dropped", || async {
        Ok(sim.addon_hub_kubeconfig(ADDON).is_none().then_some(()))
    })
    .await?;
    env.stop()?;
    Ok(())
}
