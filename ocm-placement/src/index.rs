//! [`SnapshotIndex`]: what every placement scheduled against one snapshot shares.

use crate::model::{ManagedCluster, ManagedClusterSet, Placement, Snapshot, lookup};
use crate::plugin::is_own_decision;
use rustc_hash::FxHashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// Cluster name → how many decisions name it.
pub(crate) type ClusterCounts = FxHashMap<Arc<str>, i64>;

/// Counts of `PlacementDecision` entries kept outside a [`Snapshot`]: the controller maintains
/// them from its watch (as upstream's `Balance` reads its decision lister) instead of
/// converting every page into each snapshot. An index built on them ignores the snapshot's
/// `placement_decisions`.
#[derive(Debug, Default, Clone)]
pub(crate) struct DecisionCounts {
    /// Cluster name → how many decisions (of every placement) name it.
    pub(crate) all: ClusterCounts,
    /// The same counts, highest first (ties by name).
    pub(crate) desc: Vec<(i64, Arc<str>)>,
    /// `(namespace, placement)` → cluster name → how many of that placement's decisions name
    /// it (pages by their placement label).
    pub(crate) by_placement: FxHashMap<(String, String), Arc<ClusterCounts>>,
}

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
/// Building it is linear in the clusters and decisions of the snapshot. It is `Send + Sync`:
/// several threads can schedule against one index.
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
    /// Whether each snapshot position holds the cluster that wins its name; `None` when no
    /// name repeats.
    is_unique: Option<Vec<bool>>,
    /// Decision counts by snapshot position (0 for positions that lose their name).
    decisions_at: Vec<i64>,
    /// Allocatable CPU and memory by snapshot position, each read on first use.
    resources: OnceLock<Vec<OnceLock<[Option<f64>; 2]>>>,
    /// Cluster set name → the first set of that name.
    sets: FxHashMap<&'s str, &'s ManagedClusterSet>,
    /// `cluster-set` label value → positions in `unique`, ascending.
    by_set_label: FxHashMap<&'s str, Vec<u32>>,
    /// How many decisions (of every placement) name each cluster.
    counts: Counts<'s>,
}

/// Decision counts of an index: counted from the snapshot, or kept outside it (read in
/// place, not copied for each index).
enum Counts<'s> {
    Own {
        /// Cluster name → how many decisions name it.
        all: FxHashMap<&'s str, i64>,
        /// The same counts, highest first (ties by name).
        desc: Vec<(i64, &'s str)>,
    },
    External(&'s DecisionCounts),
}

impl Counts<'_> {
    fn get(&self, cluster: &str) -> i64 {
        match self {
            Counts::Own { all, .. } => all.get(cluster).copied(),
            Counts::External(e) => e.all.get(cluster).copied(),
        }
        .unwrap_or(0)
    }

    fn len(&self) -> usize {
        match self {
            Counts::Own { all, .. } => all.len(),
            Counts::External(e) => e.all.len(),
        }
    }
}

impl fmt::Debug for SnapshotIndex<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapshotIndex")
            .field("clusters", &self.unique.len())
            .field("cluster_sets", &self.sets.len())
            .field("decided_clusters", &self.counts.len())
            .finish()
    }
}

impl<'s> SnapshotIndex<'s> {
    /// Indexes a snapshot.
    pub fn new(snapshot: &'s Snapshot) -> Self {
        Self::build(snapshot, None)
    }

    /// Indexes a snapshot whose decisions are `counts` (the snapshot's own
    /// `placement_decisions` are not read). Only the controller has such counts.
    #[cfg(feature = "controller")]
    pub(crate) fn with_decision_counts(snapshot: &'s Snapshot, counts: &'s DecisionCounts) -> Self {
        Self::build(snapshot, Some(counts))
    }

    fn build(snapshot: &'s Snapshot, external: Option<&'s DecisionCounts>) -> Self {
        // Name → last position; most snapshots have no duplicates, so one pass usually suffices.
        let mut last: FxHashMap<&str, usize> = FxHashMap::default();
        last.reserve(snapshot.clusters.len());
        let mut duplicates = false;
        for (i, c) in snapshot.clusters.iter().enumerate() {
            duplicates |= last.insert(c.name.as_str(), i).is_some();
        }
        let (unique, is_unique): (Vec<&ManagedCluster>, Option<Vec<bool>>) = if duplicates {
            let mask: Vec<bool> = snapshot
                .clusters
                .iter()
                .enumerate()
                .map(|(i, c)| last.get(c.name.as_str()) == Some(&i))
                .collect();
            let unique = snapshot
                .clusters
                .iter()
                .zip(&mask)
                .filter(|(_, u)| **u)
                .map(|(c, _)| c)
                .collect();
            (unique, Some(mask))
        } else {
            (snapshot.clusters.iter().collect(), None)
        };

        let mut sets: FxHashMap<&str, &ManagedClusterSet> = FxHashMap::default();
        for s in &snapshot.cluster_sets {
            sets.entry(s.name.as_str()).or_insert(s);
        }

        let mut by_set_label: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
        for (i, c) in unique.iter().enumerate() {
            if let Some(v) = lookup(&c.labels, crate::labels::CLUSTER_SET)
                && let Ok(i) = u32::try_from(i)
            {
                by_set_label.entry(v.as_str()).or_default().push(i);
            }
        }

        let counts = match external {
            Some(e) => Counts::External(e),
            None => {
                let (all, desc) = count_decisions(snapshot);
                Counts::Own { all, desc }
            }
        };
        // The same counts by snapshot position (of the cluster that wins its name).
        let mut decisions_at = vec![0i64; snapshot.clusters.len()];
        let mut place = |name: &str, n: i64| {
            if let Some(&i) = last.get(name)
                && let Some(slot) = decisions_at.get_mut(i)
            {
                *slot = n;
            }
        };
        match &counts {
            Counts::Own { all, .. } => all.iter().for_each(|(name, n)| place(name, *n)),
            Counts::External(e) => e.all.iter().for_each(|(name, n)| place(name, *n)),
        }

        SnapshotIndex {
            snapshot,
            unique,
            is_unique,
            decisions_at,
            resources: OnceLock::new(),
            sets,
            by_set_label,
            counts,
        }
    }

    /// The clusters of `placement`'s own decisions, with how many of its decisions name each.
    pub(crate) fn own_decisions(&self, placement: &Placement) -> FxHashMap<&'s str, i64> {
        let mut own: FxHashMap<&'s str, i64> = FxHashMap::default();
        if let Counts::External(e) = self.counts {
            let key = (placement.namespace.clone(), placement.name.clone());
            if let Some(m) = e.by_placement.get(&key) {
                own.extend(m.iter().map(|(name, n)| (&**name, *n)));
            }
            return own;
        }
        for pd in &self.snapshot.placement_decisions {
            if is_own_decision(placement, pd) {
                for d in &pd.decisions {
                    *own.entry(d.cluster_name.as_str()).or_insert(0) += 1;
                }
            }
        }
        own
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
        self.counts.get(cluster)
    }

    /// The position in the snapshot's `clusters` of `c`, if `c` is one of them (by address,
    /// not by name) and wins its name. Plugins receive references into the snapshot, so this
    /// finds a cluster's indexed data without reading its name.
    pub(crate) fn position(&self, c: &ManagedCluster) -> Option<usize> {
        let clusters = &self.snapshot.clusters;
        let size = std::mem::size_of::<ManagedCluster>();
        let offset =
            (c as *const ManagedCluster as usize).checked_sub(clusters.as_ptr() as usize)?;
        if size == 0 || offset % size != 0 {
            return None;
        }
        let i = offset / size;
        let candidate = clusters.get(i)?;
        let wins = self
            .is_unique
            .as_ref()
            .is_none_or(|m| m.get(i) == Some(&true));
        (std::ptr::eq(candidate, c) && wins).then_some(i)
    }

    /// [`decision_count`](Self::decision_count) of a cluster of the snapshot.
    pub(crate) fn decision_count_of(&self, c: &ManagedCluster) -> i64 {
        match self.position(c) {
            Some(i) => self.decisions_at.get(i).copied().unwrap_or(0),
            None => self.decision_count(&c.name),
        }
    }

    /// The allocatable amount of `cpu` (`resource` 0) or `memory` (1) of a cluster, as
    /// `ResourceAllocatable` reads it: `None` unless both allocatable and capacity have the
    /// resource and both parse. Both resources of a cluster are read together on first use,
    /// then shared by the two prioritizers and every placement scheduled on this index.
    pub(crate) fn allocatable(&self, c: &ManagedCluster, resource: usize) -> Option<f64> {
        let Some(i) = self.position(c) else {
            return allocatable(c, RESOURCES.get(resource)?);
        };
        let table = self.resources.get_or_init(|| {
            std::iter::repeat_with(OnceLock::new)
                .take(self.snapshot.clusters.len())
                .collect()
        });
        let both = table
            .get(i)?
            .get_or_init(|| RESOURCES.map(|r| allocatable(c, r)));
        both.get(resource).copied().flatten()
    }

    /// The highest decision count of a cluster that `skip` does not skip (clusters highest
    /// first, ties by name), 0 when there is none.
    pub(crate) fn max_decision_count_except(&self, skip: impl Fn(&str) -> bool) -> i64 {
        match &self.counts {
            Counts::Own { desc, .. } => desc.iter().find(|(_, name)| !skip(name)).map(|d| d.0),
            Counts::External(e) => e.desc.iter().find(|(_, name)| !skip(name)).map(|d| d.0),
        }
        .unwrap_or(0)
    }
}

/// Decision counts of every placement by cluster name, and the same highest first (ties by
/// name).
fn count_decisions(snapshot: &Snapshot) -> (FxHashMap<&str, i64>, Vec<(i64, &str)>) {
    let mut decisions: FxHashMap<&str, i64> = FxHashMap::default();
    for pd in &snapshot.placement_decisions {
        for d in &pd.decisions {
            *decisions.entry(d.cluster_name.as_str()).or_insert(0) += 1;
        }
    }
    let mut desc: Vec<(i64, &str)> = decisions.iter().map(|(name, n)| (*n, *name)).collect();
    desc.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    (decisions, desc)
}

/// The resources `ResourceAllocatable` scores, in [`SnapshotIndex::allocatable`]'s order.
pub(crate) const RESOURCES: [&str; 2] = ["cpu", "memory"];

/// Upstream `getClusterResource`: allocatable, when capacity also has the resource.
fn allocatable(c: &ManagedCluster, resource: &str) -> Option<f64> {
    let a = lookup(&c.allocatable, resource)?.approximate_f64().ok()?;
    lookup(&c.capacity, resource)?.approximate_f64().ok()?;
    Some(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ManagedClusterSet, PlacementDecision};

    #[test]
    fn can_be_shared_across_threads() {
        fn shareable<T: Send + Sync>() {}
        shareable::<SnapshotIndex<'static>>();
    }

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
        assert_eq!(ix.max_decision_count_except(|_| false), 2);
        assert_eq!(ix.max_decision_count_except(|c| c == "z"), 1);
        assert_eq!(ix.max_decision_count_except(|_| true), 0);
        // By address: the winning "a" has its count, the losing one and a copy are looked up
        // by name.
        assert_eq!(ix.position(&s.clusters[2]), Some(2));
        assert_eq!(ix.position(&s.clusters[0]), None);
        assert_eq!(ix.decision_count_of(&s.clusters[2]), 1);
        assert_eq!(ix.decision_count_of(&s.clusters[0]), 1);
        let copy = s.clusters[1].clone();
        assert_eq!(ix.position(&copy), None);
        assert_eq!(ix.decision_count_of(&copy), 0);
        let unique = Snapshot::new()
            .with_cluster(ManagedCluster::new("a"))
            .with_cluster(ManagedCluster::new("b"));
        let ix = SnapshotIndex::new(&unique);
        assert_eq!(ix.position(&unique.clusters[1]), Some(1));
    }
}
