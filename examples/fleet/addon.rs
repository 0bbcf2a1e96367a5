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

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::{Context as _, ensure};
use k8s_openapi::api::authentication::v1::SelfSubjectReview;
use k8s_openapi::api::rbac::v1::PolicyRule;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use ocm_addon_framework::registration::default_user;
use ocm_addon_framework::{
    AddonContext, AddonManager, AddonOptions, AgentAddon, HealthProber, ManifestError, Permission,
    ProbeField, Registration, WorkProber, agent,
};
use ocm_api::addon::v1alpha1::{ClusterManagementAddOn, ManagedClusterAddOn};
use ocm_api::cluster::v1alpha1::AddOnPlacementScore;
use ocm_api::work::v1::{ManifestWork, ResourceIdentifier};
use ocm_client::work::rules;
use ocm_testenv::TestEnv;
use serde_json::{Value, json};

use crate::hub::{Member, NAMESPACE, SCORE};
use crate::report::Reporter;

/// The add-on's name.
pub const ADDON: &str = "fleet-score";
/// Where its manifests go on each cluster, and where the klusterlet writes its hub kubeconfig.
const INSTALL_NAMESPACE: &str = "fleet-score-agent";
/// The agent name of its registration.
const AGENT: &str = "agent";
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

/// The hub client of `cluster`'s add-on agent, from the credentials its registration produced.
async fn agent_client(env: &TestEnv, cluster: &str) -> anyhow::Result<Option<kube::Client>> {
    if let Some(managed) = env.managed_cluster(cluster) {
        // The Go klusterlet wrote the secret on the managed cluster; the agent mounts it.
        let dir = env.dir().join("fleet-score-agent").join(cluster);
        let written =
            agent::write_hub_kubeconfig(&managed.client(), INSTALL_NAMESPACE, ADDON, &dir).await?;
        return Ok(match written {
            true => Some(agent::hub_client(&dir).await?),
            false => None,
        });
    }
    let sim = env
        .simulated_cluster(cluster)
        .with_context(|| format!("{cluster} is in the env"))?;
    let Some(kc) = sim.addon_hub_kubeconfig(ADDON) else {
        return Ok(None);
    };
    let config =
        kube::Config::from_custom_kubeconfig(kc, &kube::config::KubeConfigOptions::default())
            .await?;
    Ok(Some(kube::Client::try_from(config)?))
}

/// Runs each cluster's agent once: it checks who it is on the hub and publishes its score.
/// Returns the hub user each agent wrote as.
pub async fn publish_scores(
    env: &TestEnv,
    members: &[Member],
    timeout: Duration,
    report: &Reporter,
) -> anyhow::Result<BTreeMap<String, String>> {
    let deadline = Instant::now() + timeout;
    // The agents run side by side, as they would on their clusters.
    let runs = members
        .iter()
        .map(|m| run_agent(env, m, deadline, timeout, report));
    let mut users = BTreeMap::new();
    for (m, user) in members.iter().zip(futures::future::join_all(runs).await) {
        let user = user?;
        let want = default_user(&m.name, ADDON, AGENT);
        ensure!(
            user == want,
            "the agent of {} is {user}, not {want}",
            m.name
        );
        report.result(
            "addon-score",
            format!(
                "{:10} {}/{}={:<3} written by {user}",
                m.name, SCORE.0, SCORE.1, m.headroom
            ),
            json!({"cluster": m.name, "score": m.headroom, "user": user}),
        );
        users.insert(m.name.clone(), user);
    }
    Ok(users)
}

/// One cluster's agent: waits for its credentials, then publishes; returns its hub user.
async fn run_agent(
    env: &TestEnv,
    m: &Member,
    deadline: Instant,
    timeout: Duration,
    report: &Reporter,
) -> anyhow::Result<String> {
    let client = loop {
        if let Some(c) = agent_client(env, &m.name).await? {
            break c;
        }
        ensure!(
            Instant::now() < deadline,
            "no add-on credentials on {} after {timeout:?}",
            m.name
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let mut warned = false;
    loop {
        // RBAC may lag the registration by a moment: retry until the write is allowed.
        match publish(&client, &m.name, m.headroom).await {
            Ok(user) => return Ok(user),
            Err(e) if Instant::now() < deadline => {
                if !std::mem::replace(&mut warned, true) {
                    report.progress(format!("{}: the agent retries ({e:#})", m.name));
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e.context(format!("the agent of {} publishing", m.name))),
        }
    }
}

/// One agent's work: who am I (SelfSubjectReview), then the score, with server-side apply.
async fn publish(hub: &kube::Client, cluster: &str, headroom: i32) -> anyhow::Result<String> {
    let review: SelfSubjectReview = serde_json::from_value(json!({
        "apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}))?;
    let me = Api::<SelfSubjectReview>::all(hub.clone())
        .create(&PostParams::default(), &review)
        .await?;
    let user = me
        .status
        .and_then(|s| s.user_info)
        .and_then(|u| u.username)
        .unwrap_or_default();
    let api: Api<AddOnPlacementScore> = Api::namespaced(hub.clone(), cluster);
    let pp = PatchParams::apply(AGENT_MANAGER).force();
    let score = json!({
        "apiVersion": "cluster.open-cluster-management.io/v1alpha1", "kind": "AddOnPlacementScore",
        "metadata": {"name": SCORE.0, "namespace": cluster},
    });
    api.patch(SCORE.0, &pp, &Patch::Apply(&score)).await?;
    let status = json!({
        "apiVersion": "cluster.open-cluster-management.io/v1alpha1", "kind": "AddOnPlacementScore",
        "metadata": {"name": SCORE.0, "namespace": cluster},
        "status": {"scores": [{"name": SCORE.1, "value": headroom}]},
    });
    api.patch_status(SCORE.0, &pp, &Patch::Apply(&status))
        .await?;
    Ok(user)
}

/// Checks, as the hub admin, that every member's score was written by the add-on's agent
/// (its field manager owns the status) with the expected value.
pub async fn check_scores(hub: &kube::Client, members: &[Member]) -> anyhow::Result<()> {
    for m in members {
        let s = Api::<AddOnPlacementScore>::namespaced(hub.clone(), &m.name)
            .get(SCORE.0)
            .await?;
        let by_agent = s.metadata.managed_fields.iter().flatten().any(|f| {
            f.manager.as_deref() == Some(AGENT_MANAGER)
                && f.subresource.as_deref() == Some("status")
        });
        ensure!(
            by_agent,
            "the score of {} was not written by the add-on agent",
            m.name
        );
        let value = s
            .status
            .iter()
            .flat_map(|st| st.scores.iter().flatten())
            .find(|x| x.name == SCORE.1)
            .map(|x| x.value);
        ensure!(
            value == Some(m.headroom),
            "{}: score {value:?}, expected {}",
            m.name,
            m.headroom
        );
    }
    Ok(())
}
