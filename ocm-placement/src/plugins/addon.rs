use crate::model::ManagedCluster;
use crate::plugin::{PluginError, Prioritizer, ScheduleContext, Scores};

/// `AddOn/<resourceName>/<scoreName>`: the value of item `scoreName` in the cluster's
/// `AddOnPlacementScore` named `resourceName`.
///
/// Missing score resource or item → 0. A resource whose `validUntil` is before now → 0 and a
/// warning (`AddOnPlacementScores <cluster>/<resource> expired`). Of several items with the
/// same name the last wins. Values are not clamped (upstream does not clamp either).
#[derive(Debug, Clone)]
pub struct AddOnScore {
    name: String,
    resource_name: String,
    score_name: String,
}

impl AddOnScore {
    /// The prioritizer for one score coordinate.
    pub fn new(resource_name: impl Into<String>, score_name: impl Into<String>) -> Self {
        let resource_name = resource_name.into();
        let score_name = score_name.into();
        AddOnScore {
            name: format!("AddOn/{resource_name}/{score_name}"),
            resource_name,
            score_name,
        }
    }
}

impl Prioritizer for AddOnScore {
    fn name(&self) -> &str {
        &self.name
    }

    fn score(
        &self,
        cx: &ScheduleContext<'_>,
        clusters: &[&ManagedCluster],
    ) -> Result<Scores, PluginError> {
        let now = cx.now();
        let mut expired: Vec<String> = Vec::new();
        let values = clusters
            .iter()
            .map(|c| {
                let Some(s) = c.scores.iter().rev().find(|s| s.name == self.resource_name) else {
                    return Some(0);
                };
                if s.valid_until.is_some_and(|v| now > v) {
                    expired.push(format!(" {}/{}", c.name, self.resource_name));
                    return Some(0);
                }
                Some(
                    s.scores
                        .iter()
                        .rev()
                        .find(|i| i.name == self.score_name)
                        .map_or(0, |i| i64::from(i.value)),
                )
            })
            .collect();
        let scores = Scores::new(values);
        // Upstream lists them in its (random) input order; sorted here for determinism.
        let mut expired: Vec<String> = expired;
        expired.sort_unstable();
        let expired: String = expired.concat();
        Ok(if expired.is_empty() {
            scores
        } else {
            scores.with_warning(format!("AddOnPlacementScores{expired} expired"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AddOnPlacementScore, Placement, Snapshot};
    use crate::plugins::testutil::{cx, now, refs};

    #[test]
    fn reads_values_and_honours_valid_until() {
        let p = Placement::new("ns", "p");
        let later = now().checked_add(jiff::SignedDuration::from_secs(60)).ok();
        let earlier = now().checked_sub(jiff::SignedDuration::from_secs(60)).ok();
        let s = Snapshot::new()
            .with_cluster(
                ManagedCluster::new("a").with_score(
                    AddOnPlacementScore::new("res")
                        .with_item("s", 10)
                        .with_item("s", 30)
                        .valid_until(later),
                ),
            )
            .with_cluster(
                ManagedCluster::new("b").with_score(
                    AddOnPlacementScore::new("res")
                        .with_item("s", 50)
                        .valid_until(earlier),
                ),
            )
            .with_cluster(
                ManagedCluster::new("c")
                    .with_score(AddOnPlacementScore::new("other").with_item("s", 50)),
            )
            .with_cluster(
                ManagedCluster::new("d").with_score(
                    AddOnPlacementScore::new("res")
                        .with_item("s", 500)
                        .valid_until(Some(now())),
                ),
            );
        let got = AddOnScore::new("res", "s").score(&cx(&p, &s), &refs(&s));
        let got = got.unwrap_or_default();
        assert_eq!(got.values, vec![Some(30), Some(0), Some(0), Some(500)]);
        assert_eq!(
            got.warning.as_deref(),
            Some("AddOnPlacementScores b/res expired")
        );
    }
}
