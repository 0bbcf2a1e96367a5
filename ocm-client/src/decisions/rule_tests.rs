//! The structural rule on hand-built snapshots, written as the Go controller writes them.

use ocm_api::cluster::v1beta1::{
    ClusterDecision, DecisionGroupStatus, Placement, PlacementDecision, PlacementDecisionStatus,
    PlacementStatus,
};
use ocm_api::{annotations, labels};

use super::*;

const P: &str = "p";

/// A page as Go writes it: `p-decision-<n>` with the placement and group labels.
pub(super) fn page(n: usize, group: (&str, i32), clusters: &[&str]) -> PlacementDecision {
    let mut pd = PlacementDecision::default();
    pd.metadata.name = Some(format!("{P}-decision-{n}"));
    pd.metadata.namespace = Some("ns".into());
    pd.metadata.resource_version = Some(format!("{n}"));
    pd.metadata.labels = Some(
        [
            (labels::PLACEMENT.to_owned(), P.to_owned()),
            (labels::DECISION_GROUP_NAME.to_owned(), group.0.to_owned()),
            (labels::DECISION_GROUP_INDEX.to_owned(), group.1.to_string()),
        ]
        .into(),
    );
    pd.status = Some(PlacementDecisionStatus {
        decisions: clusters
            .iter()
            .map(|c| ClusterDecision {
                cluster_name: (*c).to_owned(),
                ..Default::default()
            })
            .collect(),
    });
    pd
}

/// A placement whose status lists `groups` as `(name, index, pages, clusterCount)`.
pub(super) fn placement(groups: &[(&str, i32, &[usize], i32)]) -> Placement {
    let mut p = Placement::default();
    p.metadata.name = Some(P.into());
    p.metadata.namespace = Some("ns".into());
    p.status = Some(PlacementStatus {
        number_of_selected_clusters: groups.iter().map(|g| g.3).sum(),
        decision_groups: groups
            .iter()
            .map(|(name, index, pages, count)| DecisionGroupStatus {
                decision_group_index: *index,
                decision_group_name: (*name).to_owned(),
                decisions: pages.iter().map(|n| format!("{P}-decision-{n}")).collect(),
                clusters_count: *count,
            })
            .collect(),
        ..Default::default()
    });
    p
}

fn names(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix}{i:03}")).collect()
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn a_finished_rewrite_is_consistent_and_grouped_by_the_status() {
    let first = names("c", 0..100);
    let rest = names("c", 100..150);
    let p = placement(&[("canary", 0, &[1], 2), ("", 1, &[2, 3], 150)]);
    let pages = [
        page(1, ("canary", 0), &["x", "y"]),
        page(2, ("", 1), &refs(&first)),
        page(3, ("", 1), &refs(&rest)),
    ];
    let set = check_consistent(Some(&p), &pages).expect("consistent");
    assert_eq!(set.len(), 152);
    assert_eq!(set.groups().len(), 2);
    assert_eq!(
        set.group_of("x").map(|g| g.key()),
        Some(GroupKey::new("canary", 0))
    );
    assert_eq!(set.group_of("c120").map(|g| g.index), Some(1));
    // The status's total is checked too.
    let mut wrong_total = p.clone();
    if let Some(s) = wrong_total.status.as_mut() {
        s.number_of_selected_clusters = 151;
    }
    assert_eq!(
        check_consistent(Some(&wrong_total), &pages),
        Err(Inconsistency::TotalCount {
            expected: 151,
            found: 152
        })
    );
}

#[test]
fn the_swap_is_caught_by_the_duplicate_check() {
    // Before: page 1 = {a, x}, page 2 = {b, y}. After: page 1 = {b, x}, page 2 = {a, y}.
    // Page 1 is written first: the counts still match the status, a is gone, b is twice.
    let p = placement(&[("", 0, &[1, 2], 4)]);
    let before = [page(1, ("", 0), &["a", "x"]), page(2, ("", 0), &["b", "y"])];
    let mid = [page(1, ("", 0), &["b", "x"]), page(2, ("", 0), &["b", "y"])];
    let after = [page(1, ("", 0), &["b", "x"]), page(2, ("", 0), &["a", "y"])];
    assert!(check_consistent(Some(&p), &before).is_ok());
    assert!(check_consistent(Some(&p), &after).is_ok());
    assert_eq!(
        check_consistent(Some(&p), &mid),
        Err(Inconsistency::DuplicateCluster {
            cluster: "b".into(),
            first: "p-decision-1".into(),
            second: "p-decision-2".into()
        })
    );
}

#[test]
fn ocm_1346_mid_rewrite_passes_the_structural_half() {
    // c000 joins; c100 is pushed from page 1 to page 2. After page 1 is written and before
    // page 2 and the status are, the counts match the old status and nothing is duplicated:
    // only the settle window (tested in tracker_tests) keeps this from being reported.
    let old_status = placement(&[("", 0, &[1, 2], 150)]);
    let page1 = names("c", 0..100);
    let page2_old = names("c", 101..151);
    let mid = [
        page(1, ("", 0), &refs(&page1)),
        page(2, ("", 0), &refs(&page2_old)),
    ];
    let set = check_consistent(Some(&old_status), &mid).expect("structurally consistent");
    assert!(!set.contains("c100"), "the limit this test documents");
}

#[test]
fn pages_and_status_must_agree() {
    let p = placement(&[("", 0, &[1, 2], 3)]);
    // A new page created empty (Go creates, then patches the status).
    let created_empty = [page(1, ("", 0), &["a", "b"]), page(2, ("", 0), &[])];
    assert_eq!(
        check_consistent(Some(&p), &created_empty),
        Err(Inconsistency::GroupCount {
            group: GroupKey::new("", 0),
            expected: 3,
            found: 2
        })
    );
    // The status lists a page that is not there (yet, or any more).
    assert_eq!(
        check_consistent(Some(&p), &[page(1, ("", 0), &["a", "b", "c"])]),
        Err(Inconsistency::MissingPage {
            page: "p-decision-2".into()
        })
    );
    // A page not yet deleted.
    let extra = [
        page(1, ("", 0), &["a", "b"]),
        page(2, ("", 0), &["c"]),
        page(3, ("", 0), &[]),
    ];
    assert_eq!(
        check_consistent(Some(&p), &extra),
        Err(Inconsistency::UnlistedPage {
            page: "p-decision-3".into()
        })
    );
    // A page moved to group 1 whose labels still say group 0 (Go patches them a reconcile later).
    let moved = placement(&[("", 0, &[1], 2), ("b", 1, &[2], 1)]);
    let lagging = [page(1, ("", 0), &["a", "b"]), page(2, ("", 0), &["c"])];
    assert!(matches!(
        check_consistent(Some(&moved), &lagging),
        Err(Inconsistency::GroupLabelMismatch { page, .. }) if page == "p-decision-2"
    ));
    let fixed = [page(1, ("", 0), &["a", "b"]), page(2, ("b", 1), &["c"])];
    assert!(check_consistent(Some(&moved), &fixed).is_ok());
}

#[test]
fn unscheduled_deleted_and_unlabelled() {
    let mut fresh = placement(&[]);
    fresh.status = None;
    assert_eq!(
        check_consistent(Some(&fresh), &[]),
        Err(Inconsistency::NotScheduled)
    );
    assert_eq!(check_consistent(None, &[]), Ok(DecisionSet::default()));
    assert_eq!(
        check_consistent(None, &[page(1, ("", 0), &["a"])]),
        Err(Inconsistency::PlacementNotFound { pages: 1 })
    );
    // A page of another placement is ignored.
    let p = placement(&[("", 0, &[1], 1)]);
    let mut other = page(7, ("", 0), &["z"]);
    if let Some(l) = other.metadata.labels.as_mut() {
        l.insert(labels::PLACEMENT.into(), "other".into());
    }
    let set = check_consistent(Some(&p), &[page(1, ("", 0), &["a"]), other]).expect("consistent");
    assert_eq!(set.clusters().into_iter().collect::<Vec<_>>(), ["a"]);
}

#[test]
fn with_scheduling_disabled_the_labels_group_the_pages() {
    let mut p = placement(&[]);
    p.metadata.annotations = Some(
        [(
            annotations::EXPERIMENTAL_SCHEDULING_DISABLE.to_owned(),
            "true".to_owned(),
        )]
        .into(),
    );
    let set = check_consistent(
        Some(&p),
        &[page(1, ("g", 2), &["a"]), page(2, ("", 0), &["b"])],
    )
    .expect("consistent");
    assert_eq!(
        set.group_of("a").map(|g| g.key()),
        Some(GroupKey::new("g", 2))
    );
    assert!(matches!(
        check_consistent(
            Some(&p),
            &[page(1, ("", 0), &["a"]), page(2, ("", 0), &["a"])]
        ),
        Err(Inconsistency::DuplicateCluster { .. })
    ));
}
