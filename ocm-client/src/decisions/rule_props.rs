//! Properties of the structural rule over a model of the Go controller's writes
//! (`generateDecision` and `bind` in ocm v1.2.1): pages of at most `PAGE` decisions numbered
//! across groups from 1; a reconcile writes each page in order (a new page is created empty,
//! then filled; an existing page gets new decisions and, one reconcile later, new group labels),
//! deletes the pages it no longer needs, then writes the placement status.
//!
//! The page size is 3 instead of 100 so small inputs span several pages; the rule does not
//! depend on it.

use std::collections::BTreeMap;

use ocm_api::cluster::v1beta1::{Placement, PlacementDecision};
use proptest::prelude::*;

use super::rule_tests::{page, placement};
use super::*;

const PAGE: usize = 3;

type Groups = Vec<(String, Vec<String>)>;

/// The placement status and pages Go writes for `groups` (each group's clusters in order).
fn layout(groups: &Groups) -> (Placement, BTreeMap<String, PlacementDecision>) {
    let mut n = 1;
    let mut status = Vec::new();
    let mut pages = BTreeMap::new();
    for (index, (name, clusters)) in groups.iter().enumerate() {
        let index = i32::try_from(index).unwrap_or(i32::MAX);
        let mut names = Vec::new();
        let chunks: Vec<&[String]> = if clusters.is_empty() {
            vec![&[]]
        } else {
            clusters.chunks(PAGE).collect()
        };
        for chunk in chunks {
            let refs: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let pd = page(n, (name, index), &refs);
            pages.insert(format!("p-decision-{n}"), pd);
            names.push(n);
            n += 1;
        }
        status.push((name.as_str(), index, names, clusters.len()));
    }
    let status: Vec<(&str, i32, &[usize], i32)> = status
        .iter()
        .map(|(name, index, pages, count)| {
            (
                *name,
                *index,
                pages.as_slice(),
                i32::try_from(*count).unwrap_or(i32::MAX),
            )
        })
        .collect();
    (placement(&status), pages)
}

fn expected(groups: &Groups) -> DecisionSet {
    DecisionSet::from_groups(groups.iter().enumerate().map(|(i, (name, clusters))| {
        DecisionGroupSet {
            name: name.clone(),
            index: i32::try_from(i).unwrap_or(i32::MAX),
            clusters: clusters.iter().cloned().collect(),
        }
    }))
}

/// A snapshot a reader can see during a rewrite, and what the rule must say about it.
struct Snapshot {
    status: Placement,
    pages: Vec<PlacementDecision>,
    /// A page was just created, still empty, and is to hold decisions.
    created_empty: bool,
    /// The new status is written but some page still carries its old group labels.
    labels_lag: bool,
}

/// Every snapshot a reader can see while Go rewrites `old` into `new`, in order.
fn rewrite(old: &Groups, new: &Groups) -> Vec<Snapshot> {
    let (old_status, mut pages) = layout(old);
    let (new_status, new_pages) = layout(new);
    let mut status = old_status;
    let mut seen = Vec::new();
    let mut snap =
        |status: &Placement, pages: &BTreeMap<String, PlacementDecision>, created_empty: bool| {
            let labels_lag = status.status == new_status.status
                && pages.iter().any(|(n, p)| {
                    new_pages
                        .get(n)
                        .is_some_and(|t| t.metadata.labels != p.metadata.labels)
                });
            seen.push(Snapshot {
                status: status.clone(),
                pages: pages.values().cloned().collect(),
                created_empty,
                labels_lag,
            });
        };
    snap(&status, &pages, false);
    for (name, target) in &new_pages {
        match pages.get_mut(name) {
            None => {
                let mut empty = target.clone();
                empty.status = None;
                pages.insert(name.clone(), empty);
                let fills = target
                    .status
                    .as_ref()
                    .is_some_and(|s| !s.decisions.is_empty());
                snap(&status, &pages, fills);
                pages.insert(name.clone(), target.clone());
            }
            Some(existing) => existing.status.clone_from(&target.status),
        }
        snap(&status, &pages, false);
    }
    pages.retain(|name, _| new_pages.contains_key(name));
    snap(&status, &pages, false);
    status = new_status.clone();
    snap(&status, &pages, false);
    // The next reconcile fixes the group labels of pages that changed group.
    for (name, target) in &new_pages {
        if let Some(existing) = pages.get_mut(name)
            && existing.metadata.labels != target.metadata.labels
        {
            existing.metadata.labels.clone_from(&target.metadata.labels);
            snap(&status, &pages, false);
        }
    }
    seen
}

/// Up to three groups (the first two maybe named) over clusters `c00…c11`.
fn groups() -> impl Strategy<Value = Groups> {
    (
        proptest::collection::btree_set(0..12usize, 0..12),
        proptest::collection::vec(0..3usize, 12),
        any::<bool>(),
    )
        .prop_map(|(selected, group_of, named)| {
            let mut groups: Groups = (0..3)
                .map(|g| {
                    let name = if named && g < 2 {
                        format!("g{g}")
                    } else {
                        String::new()
                    };
                    (name, Vec::new())
                })
                .collect();
            for c in selected {
                groups[group_of[c]].1.push(format!("c{c:02}"));
            }
            groups.retain(|(_, clusters)| !clusters.is_empty());
            if groups.is_empty() {
                groups.push((String::new(), Vec::new()));
            }
            groups
        })
}

proptest! {
    /// Before and after a rewrite the rule accepts exactly the clusters and groups Go wrote;
    /// in between it rejects a page created but not yet filled, and pages whose group labels
    /// lag behind the status.
    #[test]
    fn converged_states_are_accepted_and_known_partials_rejected(old in groups(), new in groups()) {
        let snaps = rewrite(&old, &new);
        let first = &snaps[0];
        prop_assert_eq!(check_consistent(Some(&first.status), &first.pages), Ok(expected(&old)));
        let last = &snaps[snaps.len() - 1];
        prop_assert_eq!(check_consistent(Some(&last.status), &last.pages), Ok(expected(&new)));
        for (i, s) in snaps.iter().enumerate() {
            if s.created_empty || s.labels_lag {
                let verdict = check_consistent(Some(&s.status), &s.pages);
                prop_assert!(verdict.is_err(), "snapshot {} accepted: {:?}", i, verdict);
            }
        }
    }
}
