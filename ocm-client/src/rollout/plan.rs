//! A dry run: the whole expected rollout, batch by batch (beyond upstream).

use std::collections::BTreeSet;
use std::fmt;

use jiff::Timestamp;
use ocm_api::cluster::v1alpha1::RolloutStrategy;

use super::RolloutError;
use super::strategy::get_rollout_clusters;
use super::types::{ClusterRolloutStatus, DecisionGroup, RolloutStatus};

/// The expected rollout of a strategy over a decision set, assuming every cluster succeeds and
/// every soak time passes (see [`plan_rollout`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RolloutPlan {
    /// The effective strategy.
    pub strategy: RolloutStrategy,
    /// The batches, in order: the clusters each step starts (ToApply, with their group key).
    pub batches: Vec<Vec<ClusterRolloutStatus>>,
    /// Clusters of the decision set that the rollout never reaches (sorted), such as those of a
    /// group whose index sdk-go never walks (see the module docs).
    pub unreached: Vec<String>,
}

impl fmt::Display for RolloutPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, batch) in self.batches.iter().enumerate() {
            write!(f, "batch {}:", i + 1)?;
            for s in batch {
                let g = &s.group_key;
                write!(
                    f,
                    " {} ({}/{})",
                    s.cluster_name, g.group_name, g.group_index
                )?;
            }
            writeln!(f)?;
        }
        if !self.unreached.is_empty() {
            writeln!(f, "never reached: {}", self.unreached.join(", "))?;
        }
        Ok(())
    }
}

/// Dry-runs a rollout (beyond upstream): runs [`get_rollout_clusters`] step after step, marking
/// each step's new clusters Succeeded long ago, until a step starts nothing new. Returns the
/// batches in order; print the plan with `{}`.
pub fn plan_rollout(
    strategy: &RolloutStrategy,
    groups: &[DecisionGroup],
) -> Result<RolloutPlan, RolloutError> {
    let now = Timestamp::MAX;
    let mut statuses: Vec<ClusterRolloutStatus> = Vec::new();
    let mut plan = RolloutPlan::default();
    let all: BTreeSet<&str> = groups
        .iter()
        .flat_map(|g| g.clusters.iter().map(String::as_str))
        .collect();
    // Each step adds at least one cluster; one more step sees that nothing is left.
    for _ in 0..=all.len() {
        let (effective, result) = get_rollout_clusters(strategy, groups, &statuses, now)?;
        plan.strategy = effective;
        let batch: Vec<ClusterRolloutStatus> = result
            .clusters_to_rollout
            .into_iter()
            .filter(|s| s.status == RolloutStatus::ToApply)
            .collect();
        if batch.is_empty() {
            break;
        }
        statuses.extend(batch.iter().map(|s| ClusterRolloutStatus {
            status: RolloutStatus::Succeeded,
            last_transition_time: Some(Timestamp::MIN),
            ..s.clone()
        }));
        plan.batches.push(batch);
    }
    let reached: BTreeSet<&str> = statuses.iter().map(|s| s.cluster_name.as_str()).collect();
    plan.unreached = all.difference(&reached).map(|c| (*c).to_owned()).collect();
    Ok(plan)
}
