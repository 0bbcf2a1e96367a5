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
    /// Those clusters, sorted by name ([`Scheduler::explain`] only).
    ///
    /// [`Scheduler::explain`]: crate::Scheduler::explain
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidate_clusters: Vec<String>,
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
    /// Upstream's name for the clusters left after this filter: the names of the filters so
    /// far joined by `,` (`Predicate`, `Predicate,TaintToleration`), as in the debug
    /// server's `filteredPipelineResults`.
    pub pipeline: String,
    /// The clusters left after this filter, sorted by name ([`Scheduler::explain`] only).
    ///
    /// [`Scheduler::explain`]: crate::Scheduler::explain
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub survivors: Vec<String>,
}

/// One prioritizer and its weight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PrioritizerStep {
    /// The prioritizer (`Balance`, `AddOn/<resource>/<score>`, …: two AddOn prioritizers
    /// are distinct).
    pub name: String,
    /// Its weight for this placement.
    pub weight: i32,
    /// Its raw score of each cluster that passed the filters, keyed by cluster (`None`: no
    /// score), as the debug server's `scoreResult` ([`Scheduler::explain`] only).
    ///
    /// [`Scheduler::explain`]: crate::Scheduler::explain
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub scores: std::collections::BTreeMap<String, Option<i64>>,
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

#[cfg(test)]
mod tests {
    use crate::*;

    #[test]
    fn explain_names_pipelines_and_keys_scores_by_prioritizer() {
        let score = |a, b| {
            AddOnPlacementScore::new("res")
                .with_item("a", a)
                .with_item("b", b)
        };
        let snapshot = Snapshot::new()
            .with_cluster_set(ManagedClusterSet::exclusive("s"))
            .with_binding(ManagedClusterSetBinding::new("ns", "s"))
            .with_cluster(
                ManagedCluster::new("x")
                    .with_label(labels::CLUSTER_SET, "s")
                    .with_score(score(10, 90)),
            )
            .with_cluster(
                ManagedCluster::new("y")
                    .with_label(labels::CLUSTER_SET, "s")
                    .with_taint(Taint::new("k", "", TaintEffect::NoSelect, None)),
            )
            .with_cluster(
                ManagedCluster::new("z")
                    .with_label(labels::CLUSTER_SET, "s")
                    .with_score(score(20, 30)),
            );
        let mut spec = PlacementSpec::default();
        spec.prioritizer_policy.configurations = vec![
            PrioritizerConfig::addon("res", "a", 1),
            PrioritizerConfig::addon("res", "b", 2),
        ];
        let placement = Placement::new("ns", "p").with_spec(spec);
        let now = "2026-01-01T00:00:00Z".parse().unwrap();
        let ex = Scheduler::default()
            .explain(&placement, &snapshot, now)
            .unwrap()
            .explanation;
        assert_eq!(ex.candidate_clusters, ["x", "y", "z"]);
        let pipelines: Vec<(&str, &[String])> = ex
            .filters
            .iter()
            .map(|f| (f.pipeline.as_str(), f.survivors.as_slice()))
            .collect();
        assert_eq!(pipelines[0].0, "Predicate");
        assert_eq!(pipelines[0].1, ["x", "y", "z"]);
        assert_eq!(pipelines[1].0, "Predicate,TaintToleration");
        assert_eq!(pipelines[1].1, ["x", "z"]);
        let a = ex
            .prioritizers
            .iter()
            .find(|p| p.name == "AddOn/res/a")
            .unwrap();
        let b = ex
            .prioritizers
            .iter()
            .find(|p| p.name == "AddOn/res/b")
            .unwrap();
        assert_eq!(a.scores["x"], Some(10));
        assert_eq!(a.scores["z"], Some(20));
        assert_eq!(b.scores["x"], Some(90));
        assert_eq!(b.scores["z"], Some(30));
        assert!(!a.scores.contains_key("y"));
    }
}
