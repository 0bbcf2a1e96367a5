//! Explanations: why each cluster was or was not chosen, as data (an extension: upstream
//! only has the `PlacementDebugServer` endpoint, with survivors per filter and raw scores).

use serde::{Deserialize, Serialize};

/// Why the scheduler produced what it did.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Explanation {
    /// Valid `ManagedClusterSetBinding`s in the placement namespace (names).
    pub bindings: Vec<String>,
    /// Cluster sets the placement may use (bound, and in `spec.clusterSets` if that is set).
    pub eligible_cluster_sets: Vec<String>,
    /// How many clusters the sets contain (not being deleted).
    pub candidates: usize,
    /// Each filter, in order, with how many clusters went in and came out.
    pub filters: Vec<FilterStep>,
    /// Each prioritizer that ran, with its weight.
    pub prioritizers: Vec<PrioritizerStep>,
    /// Every cluster of the snapshot, sorted by name.
    pub clusters: Vec<ClusterExplanation>,
    /// Why fewer than `numberOfClusters` were chosen, when that is the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shortfall: Option<String>,
    /// Non-fatal plugin problems (upstream status `Warning`), `<plugin>: <message>`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl Explanation {
    /// The explanation for one cluster.
    pub fn cluster(&self, name: &str) -> Option<&ClusterExplanation> {
        self.clusters
            .binary_search_by(|c| c.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.clusters[i])
    }
}

/// One filter's effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FilterStep {
    /// The filter.
    pub name: String,
    /// Clusters in.
    pub input: usize,
    /// Clusters out.
    pub output: usize,
}

/// One prioritizer and its weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PrioritizerStep {
    /// The prioritizer.
    pub name: String,
    /// Its weight for this placement.
    pub weight: i32,
}

/// What happened to one cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClusterExplanation {
    /// The cluster.
    pub name: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Each prioritizer's contribution (empty unless the cluster passed every filter).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<ScoreTerm>,
    /// Σ weight × score (Go `int64`, wrapping), for clusters that were scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<i64>,
    /// Position in the sorted feasible list (0 = best), for clusters that were scored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<usize>,
}

/// A cluster's fate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[non_exhaustive]
pub enum Verdict {
    /// Not in any eligible cluster set.
    NotInEligibleClusterSet,
    /// Being deleted.
    Deleting,
    /// Removed by a filter.
    Filtered {
        /// The filter that removed it.
        filter: String,
    },
    /// Feasible but not chosen: `numberOfClusters` was reached.
    NotSelected,
    /// Feasible but held back by `spreadPolicy` (extension).
    Spread {
        /// The topology key whose skew it would have exceeded.
        topology_key: String,
    },
    /// Chosen.
    Selected,
    /// Scheduling stopped before this cluster was judged (a plugin failed).
    NotEvaluated,
}

/// One prioritizer's contribution to a cluster's total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScoreTerm {
    /// The prioritizer.
    pub prioritizer: String,
    /// Its raw score (`None`: no score, counts as 0).
    pub score: Option<i64>,
    /// The weight.
    pub weight: i32,
    /// weight × score.
    pub product: i64,
}
