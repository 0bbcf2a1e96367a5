//! Step 7: `PlacementDecision` pages of at most [`MAX_DECISIONS_PER_PAGE`] per group, with
//! upstream's names and labels.

use super::groups::Groups;
use super::{DecisionGroupStatus, MAX_DECISIONS_PER_PAGE};
use crate::model::{ClusterDecision, Placement, PlacementDecision};
use std::collections::BTreeMap;

/// Upstream `generateDecision` over all groups.
pub(super) fn generate_pages(
    placement: &Placement,
    groups: &Groups,
) -> (Vec<PlacementDecision>, Vec<DecisionGroupStatus>) {
    let mut pages = Vec::new();
    let mut statuses = Vec::new();
    let mut index = 1usize;
    for (gi, (name, clusters)) in groups.iter().enumerate() {
        let mut slices: Vec<&[String]> = clusters.chunks(MAX_DECISIONS_PER_PAGE).collect();
        if slices.is_empty() {
            slices.push(&[]);
        }
        let mut names = Vec::with_capacity(slices.len());
        for slice in slices {
            let pd_name = format!("{}-decision-{index}", placement.name);
            index += 1;
            let labels: BTreeMap<String, String> = [
                (crate::labels::PLACEMENT.to_owned(), placement.name.clone()),
                (crate::labels::DECISION_GROUP_NAME.to_owned(), name.clone()),
                (
                    crate::labels::DECISION_GROUP_INDEX.to_owned(),
                    gi.to_string(),
                ),
            ]
            .into();
            pages.push(PlacementDecision {
                namespace: placement.namespace.clone(),
                name: pd_name.clone(),
                labels,
                decisions: slice.iter().map(ClusterDecision::new).collect(),
            });
            names.push(pd_name);
        }
        statuses.push(DecisionGroupStatus {
            decision_group_index: i32::try_from(gi).unwrap_or(i32::MAX),
            decision_group_name: name.clone(),
            decisions: names,
            clusters_count: i32::try_from(clusters.len()).unwrap_or(i32::MAX),
        });
    }
    (pages, statuses)
}
