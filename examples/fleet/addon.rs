//! The demo's add-on, `fleet-score`, built with `ocm-addon-framework`: the add-on manager runs
//! in this process and the hub installs it on every cluster (a ClusterManagementAddOn with a
//! Placement install strategy). Its registration gives each cluster's agent a hub identity
//! (`kubeClient`, through a CSR the manager approves), and its permission (a Role in the
//! cluster's namespace) lets that identity write the cluster's AddOnPlacementScore.
//!
//! The agents run in this process too (the test clusters run no pods): on a real cluster the Go
//! klusterlet registers the add-on and writes the agent's hub kubeconfig secret on the managed
//! cluster, which the agent reads; a simulated cluster registers it the same way and keeps the
//! kubeconfig in memory. Each agent publishes its cluster's score with that identity.

use std::time::{Duration, Instant};

use anyhow::ensure;
use k8s_openapi::api::rbac::v1::PolicyRule;
use kube::api::{Api, DeleteParams, Patch, PatchParams};
use ocm_addon_framework::{
    AddonContext, AddonManager, AddonOptions, AgentAddon, HealthProber, ManifestError, Permission,
    ProbeField, Registration, WorkProber,
};
use ocm_api::addon::v1alpha1::{ClusterManagementAddOn, ManagedClusterAddOn};
use ocm_api::work::v1::{ManifestWork, ResourceIdentifier};
use ocm_client::work::rules;
use serde_json::{Value, json};

use crate::hub::{Member, NAMESPACE, SCORE};
use crate::report::Reporter;

/// The add-on's name.
pub const ADDON: &str = "fleet-score";
/// Where its manifests go on each cluster, and where the klusterlet writes its hub kubeconfig.
pub const INSTALL_NAMESPACE: &str = "fleet-score-agent";
/// The agent name of its registration.
pub const AGENT: &str = "agent";
/// The field manager the agents write scores with.
pub const AGENT_MANAGER: &str = "fleet-score-agent";
const APPLY: &str = "ocm-fleet-demo";
/// The label on the add-on's deploy works.
const ADDON_LABEL: &str = "open-cluster-management.io/addon-name";

struct ScoreAddon;

impl AgentAddon for ScoreAddon {
    fn manifests(&self, ctx: &AddonContext<'_>) -> Result<Vec<Value>, ManifestError> {
        let ns = ctx.install_namespace;
        Ok(vec![
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap",
                   "metadata": {"name": ADDON, "namespace": ns},
                   "data": {"cluster": ctx.cluster_name(), "score": SCORE.1}}),
        ])
    }
}

fn options() -> AddonOptions {
    // Healthy once the cluster's work agent reports the ConfigMap back (the test clusters run no
    // pods, so there is no Deployment to probe nor an agent renewing a lease).
    let configmap = ResourceIdentifier {
        group: String::new(),
        resource: "configmaps".into(),
        name: ADDON.into(),
        namespace: "*".into(),
    };
    let prober = WorkProber::new()
        .field(ProbeField::new(
            configmap,
            vec![rules::json_paths([("cluster", ".data.cluster")])],
        ))
        .checker(|results, _, _| {
            match results.iter().any(|r| !r.feedback_result.values.is_empty()) {
                true => Ok(()),
                false => Err("the agent's ConfigMap is not reported yet".into()),
            }
        });
    let write_scores = PolicyRule {
        api_groups: Some(vec!["cluster.open-cluster-management.io".into()]),
        resources: Some(vec![
            "addonplacementscores".into(),
            "addonplacementscores/status".into(),
        ]),
        verbs: ["get", "list", "watch", "create", "update", "patch"]
            .map(String::from)
            .to_vec(),
        ..Default::default()
    };
    AddonOptions::new(ADDON)
        .registration(
            Registration::kube_client(AGENT).permission(Permission::role(vec![write_scores])),
        )
        .health_prober(HealthProber::Work(prober))
        .install_namespace(INSTALL_NAMESPACE)
}

/// Starts the add-on manager and asks the hub to install the add-on on every cluster.
pub async fn install(hub: &kube::Client) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let manager = AddonManager::new(hub.clone()).addon(ScoreAddon, options());
    let task = tokio::spawn(async move {
        if let Err(e) = manager.run().await {
            eprintln!("the add-on manager ended: {e}");
        }
    });
    let pp = PatchParams::apply(APPLY).force();
    // Every cluster, tainted or not: the scores stay while the workload moves.
    let placement: ocm_api::cluster::v1beta1::Placement = serde_json::from_value(json!({
        "apiVersion": "cluster.open-cluster-management.io/v1beta1", "kind": "Placement",
        "metadata": {"name": ADDON, "namespace": NAMESPACE},
        "spec": {"clusterSets": ["global"], "tolerations": [{"key": "fleet-demo/maintenance", "operator": "Exists"}]},
    }))?;
    Api::<ocm_api::cluster::v1beta1::Placement>::namespaced(hub.clone(), NAMESPACE)
        .patch(ADDON, &pp, &Patch::Apply(&placement))
        .await?;
    let cma: ClusterManagementAddOn = serde_json::from_value(json!({
        "apiVersion": "addon.open-cluster-management.io/v1alpha1", "kind": "ClusterManagementAddOn",
        "metadata": {"name": ADDON},
        "spec": {"installStrategy": {"type": "Placements", "placements": [
            {"name": ADDON, "namespace": NAMESPACE, "rolloutStrategy": {"type": "All"}}]}},
    }))?;
    Api::<ClusterManagementAddOn>::all(hub.clone())
        .patch(ADDON, &pp, &Patch::Apply(&cma))
        .await?;
    Ok(task)
}

/// Removes the add-on from every cluster: its ManagedClusterAddOns, then (with the manager
/// stopped) its works, waiting until each is gone.
pub async fn uninstall(
    hub: &kube::Client,
    manager: Option<tokio::task::JoinHandle<()>>,
    timeout: Duration,
) -> anyhow::Result<()> {
    let dp = DeleteParams::default();
    if let Err(e) = Api::<ClusterManagementAddOn>::all(hub.clone())
        .delete(ADDON, &dp)
        .await
    {
        ensure!(matches!(&e, kube::Error::Api(s) if s.code == 404), e);
    }
    // As `clusteradm addon disable` does: delete the ManagedClusterAddOns too, rather than
    // wait for the garbage collector to follow their owner reference to the deleted
    // ClusterManagementAddOn (some 15 s on the test hub).
    let all: Api<ManagedClusterAddOn> = Api::all(hub.clone());
    for a in all.list(&kube::api::ListParams::default()).await?.items {
        if let (Some(ADDON), Some(ns)) = (a.metadata.name.as_deref(), &a.metadata.namespace) {
            let _ = Api::<ManagedClusterAddOn>::namespaced(hub.clone(), ns)
                .delete(ADDON, &dp)
                .await;
        }
    }
    let deadline = Instant::now() + timeout;
    loop {
        let left = all
            .list(&kube::api::ListParams::default())
            .await?
            .items
            .into_iter()
            .filter(|a| a.metadata.name.as_deref() == Some(ADDON))
            .count();
        if left == 0 {
            break;
        }
        ensure!(
            Instant::now() < deadline,
            "{left} ManagedClusterAddOns of {ADDON} left after {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // The manager stops before its works are deleted (else it may apply them again from its
    // cache of the add-ons it has not yet seen go).
    if let Some(m) = manager {
        m.abort();
        let _ = m.await;
    }
    // Its deploy works too, once the agents removed what they applied (their finalizer), rather
    // than leave them to the garbage collector.
    let works: Api<ManifestWork> = Api::all(hub.clone());
    let ours = |w: &ManifestWork| {
        let by_label = w
            .metadata
            .labels
            .as_ref()
            .is_some_and(|l| l.get(ADDON_LABEL).map(String::as_str) == Some(ADDON));
        let by_name = w
            .metadata
            .name
            .as_deref()
            .is_some_and(|n| n.starts_with(&format!("addon-{ADDON}-deploy-")));
        by_label || by_name
    };
    loop {
        let left: Vec<ManifestWork> = works
            .list(&Default::default())
            .await?
            .items
            .into_iter()
            .filter(|w| ours(w))
            .collect();
        if left.is_empty() {
            break;
        }
        for w in &left {
            if let (Some(name), Some(ns), None) = (
                &w.metadata.name,
                &w.metadata.namespace,
                &w.metadata.deletion_timestamp,
            ) {
                let _ = Api::<ManifestWork>::namespaced(hub.clone(), ns)
                    .delete(name, &dp)
                    .await;
            }
        }
        ensure!(
            Instant::now() < deadline,
            "{} works of {ADDON} left after {timeout:?}",
            left.len()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let _ = Api::<ocm_api::cluster::v1beta1::Placement>::namespaced(hub.clone(), NAMESPACE)
        .delete(ADDON, &dp)
        .await;
    Ok(())
}

fn available(a: &ManagedClusterAddOn) -> bool {
    a.status.as_ref().is_some_and(|s| {
        s.conditions
            .iter()
            .any(|c| c.type_ == "Available" && c.status == "True")
    })
}

/// Waits until the add-on is Available on every member, printing progress.
pub async fn wait_available(
    hub: &kube::Client,
    members: &[Member],
    timeout: Duration,
    report: &Reporter,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    let mut last = usize::MAX;
    loop {
        let mut n = 0;
        for m in members {
            let a = Api::<ManagedClusterAddOn>::namespaced(hub.clone(), &m.name)
                .get_opt(ADDON)
                .await?;
            n += usize::from(a.as_ref().is_some_and(available));
        }
        if n != last {
            report.progress(format!(
                "add-on {ADDON} Available on {n}/{} clusters",
                members.len()
            ));
            last = n;
        }
        if n == members.len() {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "the add-on is Available on {n}/{} clusters after {timeout:?}",
            members.len()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
