//! The hub state every reconcile schedules against, shared between reconciles: the snapshot of
//! clusters (with their scores), cluster sets and bindings, rebuilt only after one of them
//! changed, and the decision counts kept from the `PlacementDecision` watch.
//!
//! Upstream reads its informer listers by pointer; rebuilding the whole snapshot for each
//! reconcile made one wave of reconciles quadratic at fleet scale.

use super::Stores;
use super::converted::ConvertedClusters;
use super::tally::DecisionTally;
use super::written::Written;
use crate::adapter::{AdapterError, build_snapshot};
use crate::index::DecisionCounts;
use crate::{AddOnPlacementScore, ManagedCluster, Snapshot};
use kube::runtime::watcher::Event;
use ocm_api::cluster::v1beta1;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// A snapshot, with the generation read before building it.
type Built = (u64, Arc<Snapshot>);

/// What reconciles share.
#[derive(Default)]
pub(crate) struct Shared {
    /// Bumped after every change of a cluster, set, binding or score (after the store saw it).
    generation: AtomicU64,
    /// The last snapshots built, with the generation read before building each: without and
    /// with the clusters' whole objects ([`ManagedCluster::object`], read only by CEL).
    snapshots: [Mutex<Option<Built>>; 2],
    converted: ConvertedClusters,
    decisions: DecisionTally,
    /// Pages written and not yet delivered by the watch.
    pub(crate) written_decisions: Written<v1beta1::PlacementDecision>,
    /// Placements whose status was written and not yet delivered by the watch.
    pub(crate) written_placements: Written<v1beta1::Placement>,
}

impl Shared {
    /// A cluster, set, binding or score changed (its store is already updated).
    pub(crate) fn hub_changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// A `PlacementDecision` watch event (its store is already updated).
    pub(crate) fn decision_event(&self, ev: &Event<v1beta1::PlacementDecision>) {
        self.decisions.observe(ev);
        self.written_decisions.observe(ev);
    }

    /// A `Placement` watch event (its store is already updated).
    pub(crate) fn placement_event(&self, ev: &Event<v1beta1::Placement>) {
        self.written_placements.observe(ev);
    }

    /// The decision counts now.
    pub(crate) fn decision_counts(&self) -> Arc<DecisionCounts> {
        self.decisions.counts()
    }

    /// The snapshot of the stores (without `placement_decisions`: see
    /// [`decision_counts`](Self::decision_counts)), rebuilt when something changed since the
    /// last one. With `cel` (the CEL engine evaluates an expression of the placement:
    /// `cel::engine_needed`), each cluster has its [`ManagedCluster::object`]. Blocks while
    /// another reconcile builds it.
    pub(crate) fn snapshot(
        &self,
        stores: &Stores,
        cel: bool,
    ) -> Result<Arc<Snapshot>, AdapterError> {
        let mut cached = self.snapshots[usize::from(cel)]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // Read before the stores: a change after this read bumps the generation again.
        let generation = self.generation.load(Ordering::Acquire);
        if let Some((g, s)) = cached.as_ref()
            && *g == generation
        {
            return Ok(s.clone());
        }
        let s = Arc::new(build(&self.converted, stores, cel)?);
        *cached = Some((generation, s.clone()));
        Ok(s)
    }
}

fn build(
    converted: &ConvertedClusters,
    stores: &Stores,
    cel: bool,
) -> Result<Snapshot, AdapterError> {
    let clusters = converted.convert(&stores.clusters.state(), cel)?;
    let sets = stores.cluster_sets.state();
    let bindings = stores.bindings.state();
    let scores = stores.scores.state();
    let mut snapshot = build_snapshot(
        std::iter::empty(),
        sets.iter().map(AsRef::as_ref),
        bindings.iter().map(AsRef::as_ref),
        std::iter::empty(),
        std::iter::empty(),
    )?;
    // Scores by cluster, as `build_snapshot` attaches them.
    let mut by_cluster: HashMap<String, Vec<AddOnPlacementScore>> = HashMap::new();
    for s in scores.iter() {
        if let Some(ns) = s.metadata.namespace.as_deref() {
            by_cluster
                .entry(ns.to_owned())
                .or_default()
                .push(s.as_ref().try_into()?);
        }
    }
    snapshot.clusters = clusters
        .iter()
        .map(|c| {
            let mut c = ManagedCluster::clone(c);
            if let Some(s) = by_cluster.get(&c.name) {
                c.scores = s.clone();
            }
            c
        })
        .collect();
    Ok(snapshot)
}
