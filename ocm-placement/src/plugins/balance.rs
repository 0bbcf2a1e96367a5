use crate::model::ManagedCluster;
use crate::plugin::{PluginError, Prioritizer, ScheduleContext, Scores};
use crate::plugins::go_f64_to_i64;

/// `Balance`: fewer decisions of *other* placements (all namespaces) means a higher score.
///
/// A cluster chosen by no other placement scores 100; otherwise
/// `2 * int64(100 * (0.5 - count/maxCount))`, the float truncated toward zero **before** the
/// doubling, exactly as upstream (so scores are even, from 100 down to −100).
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct Balance;

impl Balance {
    /// The plugin.
    pub fn new() -> Self {
        Balance
    }
}

/// The Balance score of a cluster with `count` decisions when the busiest has `max`.
pub(crate) fn balance_score(count: i64, max: i64) -> i64 {
    let usage = count as f64 / max as f64;
    go_f64_to_i64(100.0 * (0.5 - usage)).wrapping_mul(2)
}

impl Prioritizer for Balance {
    fn name(&self) -> &str {
        crate::prioritizers::BALANCE
    }

    fn score(
        &self,
        cx: &ScheduleContext<'_>,
        clusters: &[&ManagedCluster],
    ) -> Result<Scores, PluginError> {
        let max = cx.max_other_decision_count();
        let values = clusters
            .iter()
            .map(|c| {
                // A cluster no other placement chose is not in upstream's count map: 100.
                Some(match cx.other_decision_count(c) {
                    0 => 100,
                    n => balance_score(n, max),
                })
            })
            .collect();
        Ok(Scores::new(values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Placement, PlacementDecision, Snapshot};
    use crate::plugins::testutil::{cx, refs};

    #[test]
    fn truncates_before_doubling() {
        // 1/3 usage: 100*(0.5-0.333..) = 16.66.. -> 16 -> 32 (not 33).
        assert_eq!(balance_score(1, 3), 32);
        assert_eq!(balance_score(2, 3), -32);
        assert_eq!(balance_score(3, 3), -100);
        assert_eq!(balance_score(1, 2), 0);
    }

    #[test]
    fn counts_other_placements_only() {
        let p = Placement::new("ns", "p");
        let s = Snapshot::new()
            .with_cluster(ManagedCluster::new("a"))
            .with_cluster(ManagedCluster::new("b"))
            .with_cluster(ManagedCluster::new("c"))
            .with_placement_decision(PlacementDecision::for_placement(
                "ns",
                "p-decision-1",
                "p",
                &["a", "a", "a"],
            ))
            .with_placement_decision(PlacementDecision::for_placement(
                "x",
                "p-decision-1",
                "p",
                &["a", "b"],
            ))
            .with_placement_decision(PlacementDecision::for_placement(
                "ns",
                "q-decision-1",
                "q",
                &["a"],
            ));
        let got = Balance.score(&cx(&p, &s), &refs(&s)).map(|s| s.values);
        // a: 2 of max 2 -> -100; b: 1 of 2 -> 0; c: none -> 100.
        assert_eq!(got, Ok(vec![Some(-100), Some(0), Some(100)]));
    }

    #[test]
    fn the_busiest_cluster_may_be_unknown_or_shared_with_this_placement() {
        let p = Placement::new("ns", "p");
        let decide = |name: &str, placement: &str, clusters: &[&str]| {
            PlacementDecision::for_placement("ns", name, placement, clusters)
        };
        let s = Snapshot::new()
            .with_cluster(ManagedCluster::new("a"))
            .with_cluster(ManagedCluster::new("b"))
            // "ghost" is not a cluster of the snapshot: 5 decisions, 2 of them this placement's.
            .with_placement_decision(decide("p-decision-1", "p", &["ghost", "ghost", "a"]))
            .with_placement_decision(decide("q-decision-1", "q", &["ghost", "ghost", "a"]))
            .with_placement_decision(decide("r-decision-1", "r", &["ghost"]));
        let cx = cx(&p, &s);
        assert_eq!(cx.max_other_decision_count(), 3);
        let got = Balance.score(&cx, &refs(&s)).map(|s| s.values);
        // a: 1 of max 3 -> 2 * int(100 * (0.5 - 1/3)) = 32; b: none -> 100.
        assert_eq!(got, Ok(vec![Some(32), Some(100)]));

        // Without the other placements' share of "ghost", "a" is the busiest.
        let s = Snapshot::new()
            .with_cluster(ManagedCluster::new("a"))
            .with_placement_decision(decide("p-decision-1", "p", &["ghost", "ghost"]))
            .with_placement_decision(decide("q-decision-1", "q", &["ghost", "a", "a"]));
        let cx = super::super::testutil::cx(&p, &s);
        assert_eq!(cx.max_other_decision_count(), 2);
        assert_eq!(cx.other_decision_count(&s.clusters[0]), 2);
    }
}
