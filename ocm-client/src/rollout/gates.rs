//! Caller-supplied gates that hold the next batch of a rollout (beyond upstream: sdk-go has no
//! such hook).

use std::collections::BTreeMap;
use std::fmt;

use super::types::{ClusterRolloutStatus, DecisionGroup, GroupKey, RolloutResult, RolloutStatus};

/// What a gate is asked about: a cluster whose rollout finished (Succeeded and out of its soak
/// time), or a decision group all of whose clusters finished.
#[derive(Clone, Copy, Debug)]
pub enum GateSubject<'a> {
    /// A finished cluster, with its status as observed.
    Cluster(&'a ClusterRolloutStatus),
    /// A finished decision group.
    Group {
        /// The group.
        key: &'a GroupKey,
        /// Its clusters (sorted).
        clusters: &'a [String],
    },
}

impl GateSubject<'_> {
    /// A short description (`cluster c1`, `group canary/0`).
    pub fn describe(&self) -> String {
        match self {
            Self::Cluster(s) => format!("cluster {}", s.cluster_name),
            Self::Group { key, .. } => format!("group {}/{}", key.group_name, key.group_index),
        }
    }
}

/// A gate's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GateDecision {
    /// Go on.
    Pass,
    /// Hold the next batch for now (ask again later).
    Wait {
        /// Why.
        reason: String,
    },
    /// Stop the rollout: no new cluster is started until the gate changes its mind.
    Fail {
        /// Why.
        reason: String,
    },
}

/// A check run on every finished cluster and group before a rollout starts new clusters, for
/// example "error rate below 1% for the last 10 minutes" or "a human approved the canary group".
///
/// Gates are synchronous and dyn-compatible, like `ocm-placement`'s plugin traits: load what
/// they need (metrics, approvals) before asking, then answer from memory.
///
/// ```
/// use jiff::Timestamp;
/// use ocm_api::cluster::v1alpha1::{RolloutStrategy, RolloutType};
/// use ocm_client::rollout::{
///     apply_gates, get_rollout_clusters, ClusterRolloutStatus, DecisionGroup, GateDecision,
///     GateSubject, RolloutGate, RolloutStatus,
/// };
///
/// /// Holds the rollout until the canary group is approved.
/// struct Approval { approved: bool }
///
/// impl RolloutGate for Approval {
///     fn name(&self) -> &str { "approval" }
///     fn check(&self, subject: &GateSubject<'_>) -> GateDecision {
///         match subject {
///             GateSubject::Group { key, .. } if key.group_name == "canary" && !self.approved => {
///                 GateDecision::Wait { reason: "the canary is not approved yet".into() }
///             }
///             _ => GateDecision::Pass,
///         }
///     }
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let groups = [DecisionGroup::new("canary", 0, ["c1"]), DecisionGroup::new("rest", 1, ["c2"])];
/// let strategy = RolloutStrategy {
///     type_: Some(RolloutType::ProgressivePerGroup),
///     ..Default::default()
/// };
/// let statuses = [ClusterRolloutStatus::new("c1", RolloutStatus::Succeeded)];
/// let now: Timestamp = "2026-01-01T00:00:00Z".parse()?;
/// let (_, step) = get_rollout_clusters(&strategy, &groups, &statuses, now)?;
/// assert_eq!(step.clusters_to_rollout[0].cluster_name, "c2");
///
/// let gated = apply_gates(step.clone(), &groups, &statuses, &[&Approval { approved: false }]);
/// assert!(gated.result.clusters_to_rollout.is_empty());
/// assert_eq!(gated.held[0].cluster_name, "c2");
/// assert_eq!(
///     gated.verdicts[0].to_string(),
///     "approval: waiting on group canary/0: the canary is not approved yet"
/// );
///
/// let gated = apply_gates(step, &groups, &statuses, &[&Approval { approved: true }]);
/// assert_eq!(gated.result.clusters_to_rollout[0].cluster_name, "c2");
/// # Ok(())
/// # }
/// ```
pub trait RolloutGate: Send + Sync {
    /// The gate's name, reported with its verdicts.
    fn name(&self) -> &str;

    /// Whether the rollout may go on past `subject`.
    fn check(&self, subject: &GateSubject<'_>) -> GateDecision;
}

/// A gate's answer other than [`GateDecision::Pass`], about one subject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GateVerdict {
    /// The gate's name.
    pub gate: String,
    /// What it was asked about ([`GateSubject::describe`]).
    pub subject: String,
    /// Its answer.
    pub decision: GateDecision,
}

impl fmt::Display for GateVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.decision {
            GateDecision::Pass => write!(f, "{}: {} passes", self.gate, self.subject),
            GateDecision::Wait { reason } => {
                write!(f, "{}: waiting on {}: {reason}", self.gate, self.subject)
            }
            GateDecision::Fail { reason } => {
                write!(f, "{}: {} failed: {reason}", self.gate, self.subject)
            }
        }
    }
}

/// A rollout step after the gates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatedResult {
    /// The step, with the held clusters taken out of `clusters_to_rollout`.
    pub result: RolloutResult,
    /// New (ToApply) clusters the gates hold back.
    pub held: Vec<ClusterRolloutStatus>,
    /// Every answer other than pass.
    pub verdicts: Vec<GateVerdict>,
}

impl GatedResult {
    /// Whether a gate failed (the rollout is stopped, as on a `maxFailures` breach).
    pub fn gate_failed(&self) -> bool {
        self.verdicts
            .iter()
            .any(|v| matches!(v.decision, GateDecision::Fail { .. }))
    }
}

/// Runs `gates` on the finished clusters and groups of a rollout and holds the step's new clusters
/// (ToApply) unless every gate passes every finished subject (beyond upstream).
///
/// A cluster is finished when its status in `statuses` is Succeeded and the step does not list it
/// in `clusters_to_rollout` any more (its soak time is over); a group is finished when all its
/// clusters are. Clusters already rolling out are left alone. When no new cluster would start, no
/// gate is asked.
pub fn apply_gates(
    result: RolloutResult,
    groups: &[DecisionGroup],
    statuses: &[ClusterRolloutStatus],
    gates: &[&dyn RolloutGate],
) -> GatedResult {
    let starts = result
        .clusters_to_rollout
        .iter()
        .any(|s| s.status == RolloutStatus::ToApply);
    if !starts || gates.is_empty() {
        return GatedResult {
            result,
            ..GatedResult::default()
        };
    }
    let in_flight = |name: &str| {
        result
            .clusters_to_rollout
            .iter()
            .any(|s| s.cluster_name == name)
    };
    let finished: Vec<&ClusterRolloutStatus> = statuses
        .iter()
        .filter(|s| s.status == RolloutStatus::Succeeded && !in_flight(&s.cluster_name))
        .collect();
    let mut by_group: BTreeMap<(i32, String), Vec<String>> = BTreeMap::new();
    for g in groups {
        by_group
            .entry((g.group_index, g.group_name.clone()))
            .or_default()
            .extend(g.clusters.iter().cloned());
    }
    let finished_groups: Vec<(GroupKey, Vec<String>)> = by_group
        .into_iter()
        .map(|((group_index, group_name), mut clusters)| {
            clusters.sort();
            clusters.dedup();
            (
                GroupKey {
                    group_name,
                    group_index,
                },
                clusters,
            )
        })
        .filter(|(_, clusters)| {
            !clusters.is_empty()
                && clusters
                    .iter()
                    .all(|c| finished.iter().any(|s| s.cluster_name == *c))
        })
        .collect();

    let mut verdicts = Vec::new();
    let subjects = finished.iter().map(|s| GateSubject::Cluster(s)).chain(
        finished_groups
            .iter()
            .map(|(key, clusters)| GateSubject::Group { key, clusters }),
    );
    for subject in subjects {
        for gate in gates {
            let decision = gate.check(&subject);
            if decision != GateDecision::Pass {
                verdicts.push(GateVerdict {
                    gate: gate.name().to_owned(),
                    subject: subject.describe(),
                    decision,
                });
            }
        }
    }
    let mut result = result;
    let mut held = Vec::new();
    if !verdicts.is_empty() {
        let (new, going): (Vec<_>, Vec<_>) = result
            .clusters_to_rollout
            .into_iter()
            .partition(|s| s.status == RolloutStatus::ToApply);
        result.clusters_to_rollout = going;
        held = new;
    }
    GatedResult {
        result,
        held,
        verdicts,
    }
}
