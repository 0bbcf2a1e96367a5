//! [`SnapshotIndex`]: what every placement scheduled against one snapshot shares.

use crate::fxhash::FxHashMap;
use crate::model::{ManagedCluster, ManagedClusterSet, Snapshot};
use std::fmt;

/// Indexes over a [`Snapshot`] that scheduling reuses: the clusters without duplicate names,
/// the members of each exclusive cluster set, and how many decisions name each cluster.
///
/// [`Scheduler::schedule`](crate::Scheduler::schedule) builds one per call. To schedule many
/// placements against the same hub state (a controller's resync, a what-if over every
/// placement), build it once and call
/// [`Scheduler::schedule_indexed`](crate::Scheduler::schedule_indexed): the results are the
/// same, and the per-placement cost no longer includes the cluster deduplication, the
/// cluster-set membership of exclusive sets or the count of every other placement's decisions
/// (which `Balance` needs).
///
/// Building it is linear in the clusters and decisions of the snapshot.
///
/// ```
/// use ocm_placement::{Placement, Scheduler, Snapshot, SnapshotIndex};
///
/// let snapshot = Snapshot::new();
/// let index = SnapshotIndex::new(&snapshot);
/// let scheduler = Scheduler::default();
/// let now = "2026-01-01T00:00:00Z".parse().unwrap();
/// for name in ["a", "b", "c"] {
///     let outcome = scheduler.schedule_indexed(&Placement::new("ns", name), &index, now)?;
///     assert!(outcome.decisions.is_empty());
/// }
/// # Ok::<(), ocm_placement::ScheduleError>(())
/// ```
pub struct SnapshotIndex<'s> {
    snapshot: &'s Snapshot,
    /// Clusters with unique names, in snapshot order (the last of a name wins, like an
    /// informer store).
    unique: Vec<&'s ManagedCluster>,
    /// Cluster set name → the first set of that name.
    sets: FxHashMap<&'s str, &'s ManagedClusterSet>,
    /// `cluster-set` label value → positions in `unique`, ascending.
    by_set_label: FxHashMap<&'s str, Vec<u32>>,
    /// Cluster name → how many decisions (of every placement) name it.
    decisions: FxHashMap<&'s str, i64>,
    /// The same counts, highest first.
    decisions_desc: Vec<(i64, &'s str)>,
}

impl fmt::Debug for SnapshotIndex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapshotIndex")
            .field("clusters", &self.unique.len())
            .field("cluster_sets", &self.sets.len())
            .field("decided_clusters", &self.decisions.len())
            .finish()
    }
}

impl<'s> SnapshotIndex<'s> {
    /// Indexes a snapshot.
    pub fn new(snapshot: &'s Snapshot) -> Self {
        let mut last: FxHashMap<&str, usize> = FxHashMap::default();
        last.reserve(snapshot.clusters.len());
        for (i, c) in snapshot.clusters.iter().enumerate() {
            last.insert(c.name.as_str(), i);
        }
        let unique: Vec<&ManagedCluster> = snapshot
            .clusters
            .iter()
            .enumerate()
            .filter(|(i, c)| last.get(c.name.as_str()) == Some(i))
            .map(|(_, c)| c)
            .collect();

        let mut sets: FxHashMap<&str, &ManagedClusterSet> = FxHashMap::default();
        for s in &snapshot.cluster_sets {
            sets.entry(s.name.as_str()).or_insert(s);
        }

        let mut by_set_label: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
        for (i, c) in unique.iter().enumerate() {
            if let Some(v) = c.labels.get(crate::labels::CLUSTER_SET)
                && let Ok(i) = u32::try_from(i)
            {
                by_set_label.entry(v.as_str()).or_default().push(i);
            }
        }

        let mut decisions: FxHashMap<&str, i64> = FxHashMap::default();
        for pd in &snapshot.placement_decisions {
            for d in &pd.decisions {
                *decisions.entry(d.cluster_name.as_str()).or_insert(0) += 1;
            }
        }
        let mut decisions_desc: Vec<(i64, &str)> =
            decisions.iter().map(|(name, n)| (*n, *name)).collect();
        decisions_desc.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));

        SnapshotIndex {
            snapshot,
            unique,
            sets,
            by_set_label,
            decisions,
            decisions_desc,
        }
    }

    /// The indexed snapshot.
    pub fn snapshot(&self) -> &'s Snapshot {
        self.snapshot
    }

    /// The clusters, one per name (the last of a name wins), in snapshot order.
    pub fn clusters(&self) -> &[&'s ManagedCluster] {
        &self.unique
    }

    /// The first cluster set called `name`.
    pub fn cluster_set(&self, name: &str) -> Option<&'s ManagedClusterSet> {
        self.sets.get(name).copied()
    }

    /// Positions in [`clusters`](Self::clusters) of the clusters labelled
    /// `cluster.open-cluster-management.io/clusterset=<value>`, ascending.
    pub(crate) fn with_set_label(&self, value: &str) -> &[u32] {
        self.by_set_label.get(value).map_or(&[], Vec::as_slice)
    }

    /// How many decisions of every placement (in all `PlacementDecision`s) name `cluster`.
    pub fn decision_count(&self, cluster: &str) -> i64 {
        self.decisions.get(cluster).copied().unwrap_or(0)
    }

    /// Decision counts per cluster name, highest first (ties by name).
    pub(crate) fn decision_counts_desc(&self) -> &[(i64, &'s str)] {
        &self.decisions_desc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ManagedClusterSet, PlacementDecision};

    #[test]
    fn indexes_what_scheduling_shares() {
        let s = Snapshot::new()
            .with_cluster(ManagedCluster::new("a").with_label(crate::labels::CLUSTER_SET, "x"))
            .with_cluster(ManagedCluster::new("b"))
            .with_cluster(ManagedCluster::new("a").with_label(crate::labels::CLUSTER_SET, "y"))
            .with_cluster_set(ManagedClusterSet::exclusive("x"))
            .with_placement_decision(PlacementDecision::for_placement(
                "ns",
                "p-1",
                "p",
                &["a", "z"],
            ))
            .with_placement_decision(PlacementDecision::for_placement("ns", "q-1", "q", &["z"]));
        let ix = SnapshotIndex::new(&s);
        // The last "a" wins and keeps its position.
        let names: Vec<&str> = ix.clusters().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        assert_eq!(ix.with_set_label("y"), [1]);
        assert!(ix.with_set_label("x").is_empty());
        assert!(ix.cluster_set("x").is_some());
        assert!(ix.cluster_set("y").is_none());
        assert_eq!(ix.decision_count("z"), 2);
        assert_eq!(ix.decision_count("a"), 1);
        assert_eq!(ix.decision_count("b"), 0);
        assert_eq!(ix.decision_counts_desc(), [(2, "z"), (1, "a")]);
    }
}
