//! The plugin contract: [`Filter`] and [`Prioritizer`].
//!
//! Both are synchronous and dyn-compatible; they see one immutable [`ScheduleContext`]
//! (the placement, the hub snapshot, the clock) and the clusters still in the running.
//! A plugin is a name plus one method; everything else has a default.
//!
//! Results are positional: `Filtered::keep[i]` and `Scores::values[i]` describe
//! `clusters[i]`. That makes it impossible for a plugin to add clusters, and lets the
//! scheduler explain every result without parsing logs.

use crate::index::SnapshotIndex;
use crate::model::{ManagedCluster, Placement, PlacementDecision, Snapshot};
use jiff::Timestamp;
use rustc_hash::FxHashMap;

/// What a plugin sees: the placement being scheduled, the recorded hub state and the clock.
#[derive(Debug)]
pub struct ScheduleContext<'a> {
    placement: &'a Placement,
    index: IndexRef<'a>,
    now: Timestamp,
    /// This placement's decisions: cluster → how many times they name it.
    own_decisions: FxHashMap<&'a str, i64>,
    /// The highest count of decisions of other placements on one cluster.
    max_other_decisions: i64,
}

#[derive(Debug)]
enum IndexRef<'a> {
    Borrowed(&'a SnapshotIndex<'a>),
    Owned(Box<SnapshotIndex<'a>>),
}

impl<'a> ScheduleContext<'a> {
    /// Builds a context (and a [`SnapshotIndex`] of the snapshot).
    pub fn new(placement: &'a Placement, snapshot: &'a Snapshot, now: Timestamp) -> Self {
        Self::build(
            placement,
            IndexRef::Owned(Box::new(SnapshotIndex::new(snapshot))),
            now,
        )
    }

    /// Builds a context on an existing index; the scheduler does this once per run.
    pub fn with_index(
        placement: &'a Placement,
        index: &'a SnapshotIndex<'a>,
        now: Timestamp,
    ) -> Self {
        Self::build(placement, IndexRef::Borrowed(index), now)
    }

    fn build(placement: &'a Placement, index: IndexRef<'a>, now: Timestamp) -> Self {
        let ix: &SnapshotIndex<'a> = match &index {
            IndexRef::Borrowed(i) => i,
            IndexRef::Owned(i) => i,
        };
        let own_decisions = ix.own_decisions(placement);
        // The busiest cluster for other placements: the busiest overall that this placement
        // does not use, or one it uses, less its own decisions.
        let mut max_other_decisions =
            ix.max_decision_count_except(|name| own_decisions.contains_key(name));
        for (name, own) in &own_decisions {
            max_other_decisions = max_other_decisions.max(ix.decision_count(name) - own);
        }
        ScheduleContext {
            placement,
            index,
            now,
            own_decisions,
            max_other_decisions,
        }
    }

    /// The placement being scheduled.
    pub fn placement(&self) -> &'a Placement {
        self.placement
    }

    /// The hub state.
    ///
    /// Under this crate's placement controller (feature `controller`) its
    /// `placement_decisions` are empty: the controller keeps decision counts from its watch
    /// instead; read them with [`own_decisions`](Self::own_decisions),
    /// [`other_decision_count`](Self::other_decision_count) and
    /// [`max_other_decision_count`](Self::max_other_decision_count).
    pub fn snapshot(&self) -> &'a Snapshot {
        self.index().snapshot()
    }

    /// The snapshot's index.
    pub fn index(&self) -> &SnapshotIndex<'a> {
        match &self.index {
            IndexRef::Borrowed(i) => i,
            IndexRef::Owned(i) => i,
        }
    }

    /// The scheduler's "now".
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// The clusters in this placement's existing `PlacementDecision`s (same namespace,
    /// label `cluster.open-cluster-management.io/placement=<name>`), in no particular order.
    pub fn own_decisions(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.own_decisions.keys().copied()
    }

    /// How many distinct clusters are in this placement's existing decisions.
    pub fn own_decision_count(&self) -> usize {
        self.own_decisions.len()
    }

    /// Whether `cluster` is in this placement's existing decisions.
    pub fn is_decided(&self, cluster: &str) -> bool {
        !self.own_decisions.is_empty() && self.own_decisions.contains_key(cluster)
    }

    /// How many decisions of *other* placements (any namespace) name `cluster`.
    pub fn other_decision_count(&self, cluster: &ManagedCluster) -> i64 {
        let all = self.index().decision_count_of(cluster);
        if all == 0 || self.own_decisions.is_empty() {
            return all;
        }
        all - self
            .own_decisions
            .get(cluster.name.as_str())
            .copied()
            .unwrap_or(0)
    }

    /// The highest [`other_decision_count`](Self::other_decision_count) of any cluster
    /// (including clusters that are not in the snapshot), 0 when there are none.
    pub fn max_other_decision_count(&self) -> i64 {
        self.max_other_decisions
    }
}

/// Whether a `PlacementDecision` belongs to `placement` (label and namespace).
pub fn is_own_decision(placement: &Placement, pd: &PlacementDecision) -> bool {
    pd.namespace == placement.namespace && pd.placement_label() == Some(placement.name.as_str())
}

/// How a plugin failed. Both kinds abort scheduling with no decisions, as upstream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The placement asks for something impossible (upstream code `Misconfigured`); it becomes
    /// `PlacementMisconfigured=True` with message `<plugin>:<message>`.
    #[error("misconfigured: {0}")]
    Misconfigured(String),
    /// The plugin could not run (upstream code `Error`); it becomes
    /// `PlacementSatisfied=False`, reason `NotAllDecisionsScheduled`.
    #[error("{0}")]
    Error(String),
}

/// A filter's verdict on each input cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Filtered {
    /// `keep[i]` says whether `clusters[i]` passes.
    pub keep: Vec<bool>,
    /// A non-fatal problem (upstream status `Warning`).
    pub warning: Option<String>,
}

impl Filtered {
    /// A verdict from a mask.
    pub fn new(keep: Vec<bool>) -> Self {
        Filtered {
            keep,
            warning: None,
        }
    }

    /// Every cluster passes.
    pub fn all(n: usize) -> Self {
        Filtered::new(vec![true; n])
    }

    /// Attaches a warning.
    pub fn with_warning(mut self, w: impl Into<String>) -> Self {
        self.warning = Some(w.into());
        self
    }
}

/// A prioritizer's score for each input cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Scores {
    /// `values[i]` scores `clusters[i]`; `None` means no score (contributes 0, as a missing map
    /// entry does upstream). Built-ins stay within −100..=100; nothing clamps other plugins.
    pub values: Vec<Option<i64>>,
    /// A non-fatal problem (upstream status `Warning`).
    pub warning: Option<String>,
}

impl Scores {
    /// Scores from values.
    pub fn new(values: Vec<Option<i64>>) -> Self {
        Scores {
            values,
            warning: None,
        }
    }

    /// Attaches a warning.
    pub fn with_warning(mut self, w: impl Into<String>) -> Self {
        self.warning = Some(w.into());
        self
    }
}

/// Removes clusters a placement cannot use.
///
/// Contract: `filter` returns one `keep` entry per input cluster (a shorter mask drops the
/// rest; this is checked, never a panic), reads only `cx` and `clusters`, and is
/// deterministic. Filters run in registry order, each on the survivors of the previous one.
///
/// ```
/// use ocm_placement::{Filter, Filtered, ManagedCluster, PluginError, ScheduleContext};
///
/// /// Keeps clusters whose name does not start with `canary-`.
/// struct NoCanaries;
///
/// impl Filter for NoCanaries {
///     fn name(&self) -> &str { "NoCanaries" }
///     fn filter(&self, _cx: &ScheduleContext<'_>, clusters: &[&ManagedCluster]) -> Result<Filtered, PluginError> {
///         Ok(Filtered::new(clusters.iter().map(|c| !c.name.starts_with("canary-")).collect()))
///     }
/// }
/// ```
pub trait Filter: Send + Sync {
    /// The plugin name, used in conditions (`<name>:<message>`) and explanations.
    fn name(&self) -> &str;

    /// Judges each cluster.
    fn filter(
        &self,
        cx: &ScheduleContext<'_>,
        clusters: &[&ManagedCluster],
    ) -> Result<Filtered, PluginError>;

    /// When the placement must be scheduled again regardless of events (for example when a
    /// toleration expires). Asked only after a successful run.
    fn requeue_at(&self, _cx: &ScheduleContext<'_>) -> Option<Timestamp> {
        None
    }
}

/// Scores the clusters that passed every filter.
///
/// Contract: one `values` entry per input cluster, deterministic, from `cx` and `clusters`
/// only. The scheduler multiplies each score by the placement's weight for the plugin and
/// sums (Go `int64` wrapping arithmetic).
///
/// A prioritizer registered with [`RegistryBuilder::prioritizer`](crate::RegistryBuilder::prioritizer)
/// is used when the placement names it as a `BuiltIn` score coordinate, or when the registry
/// gives it a default weight.
pub trait Prioritizer: Send + Sync {
    /// The name placements use in `scoreCoordinate.builtIn`.
    fn name(&self) -> &str;

    /// Scores each cluster.
    fn score(
        &self,
        cx: &ScheduleContext<'_>,
        clusters: &[&ManagedCluster],
    ) -> Result<Scores, PluginError>;

    /// When the placement must be scheduled again regardless of events.
    fn requeue_at(&self, _cx: &ScheduleContext<'_>) -> Option<Timestamp> {
        None
    }
}
