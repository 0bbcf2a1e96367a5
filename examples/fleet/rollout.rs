//! The workload's rollout: a ManifestWork per chosen cluster, started group by group as
//! `ocm_client::rollout` (sdk-go's progressive rollout) says, held by a gate that reads the
//! typed status feedback each cluster sends back.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::ConfigMap;
use ocm_api::cluster::v1alpha1::RolloutStrategy;
use ocm_api::conditions;
use ocm_api::work::v1::ManifestWork;
use ocm_client::decisions::DecisionSet;
use ocm_client::rollout::{
    ClusterRolloutStatus, DecisionGroup, GateDecision, GateSubject, RolloutGate, RolloutStatus,
    apply_gates, get_rollout_clusters,
};
use ocm_client::work::{
    self, ApplyParams, DeleteParams, ManifestWorkBuilder, ManifestWorks, rules,
};
use serde::Deserialize;
use serde_json::json;

use crate::hub::NAMESPACE;
use crate::report::Reporter;

/// The ManifestWork's name on every cluster.
pub const WORK: &str = "fleet-web";

/// What each cluster reports back about the workload (ManifestWork status feedback).
#[derive(Deserialize, Debug, Clone, PartialEq)]
pub struct WebFeedback {
    /// The version the ConfigMap on the managed cluster holds.
    pub version: String,
}

/// The workload of `version`, for one cluster.
fn workload(version: &str) -> anyhow::Result<ManifestWork> {
    let config: ConfigMap = serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "web-config", "namespace": "default"},
        "data": {"version": version, "greeting": "hello from the ocm-rs fleet demo"},
    }))?;
    let id = work::resource_identifier(&config);
    Ok(ManifestWorkBuilder::new(WORK)
        .label("app.kubernetes.io/part-of", NAMESPACE)
        .manifest(&config)
        .feedback(id, rules::json_paths([("version", ".data.version")]))
        .build()?)
}

/// Passes a finished cluster only when its feedback reports the version rolled out.
struct VersionGate {
    version: String,
    reported: BTreeMap<String, String>,
}

impl RolloutGate for VersionGate {
    fn name(&self) -> &str {
        "version-feedback"
    }

    fn check(&self, subject: &GateSubject<'_>) -> GateDecision {
        let clusters: Vec<&str> = match subject {
            GateSubject::Cluster(s) => vec![s.cluster_name.as_str()],
            GateSubject::Group { clusters, .. } => clusters.iter().map(String::as_str).collect(),
        };
        for c in clusters {
            match self.reported.get(c) {
                Some(v) if *v == self.version => {}
                Some(v) => {
                    return GateDecision::Fail {
                        reason: format!("{c} runs version {v}"),
                    };
                }
                None => {
                    return GateDecision::Wait {
                        reason: format!("no feedback from {c} yet"),
                    };
                }
            }
        }
        GateDecision::Pass
    }
}

/// A cluster's rollout status from its work: Available for the current generation is success.
fn status(cluster: &str, work: Option<&ManifestWork>) -> ClusterRolloutStatus {
    let Some(work) = work else {
        return ClusterRolloutStatus::new(cluster, RolloutStatus::ToApply);
    };
    let generation = work.metadata.generation.unwrap_or_default();
    let conds = work
        .status
        .as_ref()
        .map(|s| s.conditions.as_slice())
        .unwrap_or_default();
    let current = |t: &str| {
        conds
            .iter()
            .find(|c| c.type_ == t && c.observed_generation.unwrap_or_default() == generation)
    };
    match (
        current(conditions::WORK_APPLIED),
        current(conditions::WORK_AVAILABLE),
    ) {
        (Some(a), _) if a.status == "False" => {
            ClusterRolloutStatus::new(cluster, RolloutStatus::Failed)
        }
        (_, Some(av)) if av.status == "True" => {
            let at = av
                .last_transition_time
                .0
                .to_string()
                .parse::<Timestamp>()
                .ok();
            let s = ClusterRolloutStatus::new(cluster, RolloutStatus::Succeeded);
            at.map_or(s.clone(), |t| s.last_transition_time(t))
        }
        _ => ClusterRolloutStatus::new(cluster, RolloutStatus::Progressing),
    }
}

/// Rolls `version` out to the chosen clusters and removes the work from clusters no longer
/// chosen; returns each cluster's reported feedback once every chosen cluster has it.
pub async fn run(
    hub: &kube::Client,
    strategy: &RolloutStrategy,
    chosen: &DecisionSet,
    version: &str,
    timeout: Duration,
    report: &Reporter,
) -> anyhow::Result<BTreeMap<String, String>> {
    let groups: Vec<DecisionGroup> = chosen
        .groups()
        .iter()
        .map(|g| DecisionGroup::new(g.name.clone(), g.index, g.clusters.iter().cloned()))
        .collect();
    let manifest = workload(version)?;
    let id = work::manifest_identifier(&manifest.spec.workload.manifests[0].0)
        .context("a ConfigMap has an identifier")?;
    let deadline = Instant::now() + timeout;
    let mut started: BTreeMap<String, Instant> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    loop {
        let mut statuses = Vec::new();
        let mut reported = BTreeMap::new();
        for cluster in chosen.clusters() {
            let work = ManifestWorks::new(hub.clone(), &cluster)
                .api()
                .get_opt(WORK)
                .await?;
            let feedback = work.as_ref().map(|w| work::feedback::<WebFeedback>(w, &id));
            if let Some(Ok(fb)) = feedback {
                if seen.insert((cluster.clone(), fb.version.clone())) {
                    report.result(
                        "feedback",
                        format!("{cluster} reports version {} (status feedback)", fb.version),
                        json!({"cluster": cluster, "version": fb.version}),
                    );
                }
                reported.insert(cluster.clone(), fb.version);
            }
            // A work of another version is this version ToApply.
            let outdated = work
                .as_ref()
                .is_some_and(|w| w.spec.workload != manifest.spec.workload);
            statuses.push(status(
                &cluster,
                if outdated { None } else { work.as_ref() },
            ));
        }
        let all_done = statuses
            .iter()
            .all(|s| s.status == RolloutStatus::Succeeded)
            && chosen
                .clusters()
                .iter()
                .all(|c| reported.get(c).map(String::as_str) == Some(version));
        if all_done {
            return Ok(reported);
        }
        let (_, step) = get_rollout_clusters(strategy, &groups, &statuses, Timestamp::now())?;
        let gate = VersionGate {
            version: version.to_owned(),
            reported: reported.clone(),
        };
        let gated = apply_gates(step, &groups, &statuses, &[&gate]);
        for v in &gated.verdicts {
            report.say(format!("gate {v}"));
        }
        if gated.gate_failed() {
            bail!("the rollout stopped: a gate failed");
        }
        for s in gated
            .result
            .clusters_to_rollout
            .iter()
            .filter(|s| s.status == RolloutStatus::ToApply)
        {
            if started.contains_key(&s.cluster_name) {
                continue;
            }
            let group = chosen
                .group_of(&s.cluster_name)
                .map(|g| {
                    format!(
                        "{}/{}",
                        if g.name.is_empty() { "-" } else { &g.name },
                        g.index
                    )
                })
                .unwrap_or_default();
            report.result(
                "rollout",
                format!(
                    "group {group:10} applying version {version} to {}",
                    s.cluster_name
                ),
                json!({"cluster": s.cluster_name, "group": group, "version": version}),
            );
            let mut w = manifest.clone();
            w.metadata.namespace = Some(s.cluster_name.clone());
            ManifestWorks::new(hub.clone(), &s.cluster_name)
                .apply(&w, &ApplyParams::default())
                .await?;
            started.insert(s.cluster_name.clone(), Instant::now());
        }
        if Instant::now() > deadline {
            bail!("the rollout did not finish within {timeout:?}; statuses: {statuses:?}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Deletes the workload's ManifestWork from `cluster` and waits until the agent removed it.
pub async fn remove(hub: &kube::Client, cluster: &str, timeout: Duration) -> anyhow::Result<()> {
    let works = ManifestWorks::new(hub.clone(), cluster);
    works.delete(WORK, &DeleteParams::default()).await?;
    works.wait_deleted(WORK, timeout).await?;
    Ok(())
}
