use crate::model::ManagedCluster;
use crate::plugin::{PluginError, Prioritizer, ScheduleContext, Scores};

/// `Steady`: 100 for clusters in the placement's existing decisions, 0 for the others.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct Steady;

impl Steady {
    /// The plugin.
    pub fn new() -> Self {
        Steady
    }
}

impl Prioritizer for Steady {
    fn name(&self) -> &str {
        crate::prioritizers::STEADY
    }

    fn score(
        &self,
        cx: &ScheduleContext<'_>,
        clusters: &[&ManagedCluster],
    ) -> Result<Scores, PluginError> {
        Ok(Scores::new(
            clusters
                .iter()
                .map(|c| Some(if cx.is_decided(&c.name) { 100 } else { 0 }))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Placement, PlacementDecision, Snapshot};
    use crate::plugins::testutil::{cx, refs};

    #[test]
    fn existing_decisions_score_100() {
        let p = Placement::new("ns", "p");
        let s = Snapshot::new()
            .with_cluster(ManagedCluster::new("a"))
            .with_cluster(ManagedCluster::new("b"))
            .with_cluster(ManagedCluster::new("c"))
            .with_placement_decision(PlacementDecision::for_placement(
                "ns",
                "p-decision-1",
                "p",
                &["a"],
            ))
            .with_placement_decision(PlacementDecision::for_placement(
                "other",
                "p-decision-1",
                "p",
                &["b"],
            ))
            .with_placement_decision(PlacementDecision::for_placement(
                "ns",
                "q-decision-1",
                "q",
                &["c"],
            ));
        let got = Steady.score(&cx(&p, &s), &refs(&s)).map(|s| s.values);
        assert_eq!(got, Ok(vec![Some(100), Some(0), Some(0)]));
    }
}
