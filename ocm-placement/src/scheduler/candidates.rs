//! Step 1: the candidate clusters — valid bindings in the placement's namespace, the
//! eligible cluster sets, and their members that are not being deleted.

use super::ScheduleError;
use crate::explain::Explanation;
use crate::index::SnapshotIndex;
use crate::model::{ManagedCluster, Placement};
use crate::selector::Selector;
use rustc_hash::FxHashSet as HashSet;
use std::collections::BTreeSet;

/// The outcome of step 1.
pub(super) struct Candidates<'s> {
    /// Valid bindings in the placement namespace (cluster set names).
    pub bindings: Vec<&'s str>,
    /// Membership in an eligible set, per cluster of the index.
    pub member: Vec<bool>,
    /// The candidates, in snapshot order.
    pub clusters: Vec<&'s ManagedCluster>,
}

/// Upstream `getValidManagedClusterSetBindings`, `getEligibleClusterSets` and
/// `getAvailableClusters`.
pub(super) fn candidates<'s>(
    placement: &Placement,
    index: &SnapshotIndex<'s>,
    ex: &mut Explanation,
) -> Result<Candidates<'s>, ScheduleError> {
    let snapshot = index.snapshot();
    let unique = index.clusters();
    let bindings: Vec<&str> = snapshot
        .bindings
        .iter()
        .filter(|b| b.namespace == placement.namespace && index.cluster_set(&b.name).is_some())
        .map(|b| b.name.as_str())
        .collect();
    ex.bindings = bindings.iter().map(|s| (*s).to_owned()).collect();
    let mut eligible: BTreeSet<&str> = bindings.iter().copied().collect();
    if !placement.spec.cluster_sets.is_empty() {
        let wanted: HashSet<&str> = placement
            .spec
            .cluster_sets
            .iter()
            .map(String::as_str)
            .collect();
        eligible.retain(|s| wanted.contains(s));
    }
    ex.eligible_cluster_sets = eligible.iter().map(|s| (*s).to_owned()).collect();

    // Membership per unique cluster; candidates keep snapshot order (upstream's is random,
    // nothing downstream depends on it).
    let mut member = vec![false; unique.len()];
    for set_name in &eligible {
        let Some(set) = index.cluster_set(set_name) else {
            continue;
        };
        match cluster_set_selector(set)? {
            SetSelector::ExclusiveLabel => {
                for &i in index.with_set_label(&set.name) {
                    if let Some(m) = member.get_mut(i as usize) {
                        *m = true;
                    }
                }
            }
            SetSelector::Labels(selector) => {
                for (i, c) in unique.iter().enumerate() {
                    if !member[i] && selector.matches(&c.labels) {
                        member[i] = true;
                    }
                }
            }
        }
    }
    let clusters: Vec<&'s ManagedCluster> = unique
        .iter()
        .zip(&member)
        .filter(|(c, m)| **m && !c.deleting)
        .map(|(c, _)| *c)
        .collect();
    ex.candidates = clusters.len();
    Ok(Candidates {
        bindings,
        member,
        clusters,
    })
}

/// How a cluster set selects its members.
pub(super) enum SetSelector {
    /// By the exclusive `cluster-set` label (its members are in the [`SnapshotIndex`]).
    ExclusiveLabel,
    /// By a label selector.
    Labels(Selector),
}

/// sdk-go `BuildClusterSelector`.
pub(super) fn cluster_set_selector(
    set: &crate::model::ManagedClusterSet,
) -> Result<SetSelector, ScheduleError> {
    let sel = &set.cluster_selector;
    match sel.selector_type.as_str() {
        "" | "ExclusiveClusterSetLabel" => Ok(SetSelector::ExclusiveLabel),
        "LabelSelector" => Selector::try_from_label_selector(sel.label_selector.as_ref())
            .map(SetSelector::Labels)
            .map_err(|e| ScheduleError::InvalidClusterSet {
                name: set.name.clone(),
                message: e.0,
            }),
        other => Err(ScheduleError::InvalidClusterSet {
            name: set.name.clone(),
            message: format!("selectorType is not right: {other}"),
        }),
    }
}
