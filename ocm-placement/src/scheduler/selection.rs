//! Step 5: sort by total (descending) then name, take `numberOfClusters` (or let
//! `spreadPolicy` choose), and the earliest requeue time of the plugins.

use super::scores::Scored;
use super::{Detail, Scheduled, Scheduler, Status};
use crate::explain::Verdict;
use crate::model::ManagedCluster;
use crate::plugin::ScheduleContext;
use jiff::Timestamp;
use rustc_hash::FxHashSet as HashSet;

impl Scheduler {
    /// Ranks and selects the feasible clusters.
    pub(super) fn select<'a>(
        &self,
        cx: &ScheduleContext<'a>,
        filtered: Vec<&'a ManagedCluster>,
        scored: Scored,
        detail: Option<Detail<'_, 'a>>,
        warning: Option<(String, String)>,
    ) -> Result<Scheduled<'a>, Status> {
        let placement = cx.placement();
        let Scored {
            prioritizers,
            totals,
            mut per_cluster,
        } = scored;
        let n = filtered.len();
        let requested = placement.spec.number_of_clusters;
        if let Some(k) = requested
            && k < 0
        {
            return Err(Status::misconfigured(format!(
                "numberOfClusters must be at least 0, found {k}"
            )));
        }
        let want = requested.map_or(n, |k| (k as usize).min(n));
        let spread = self.registry.spread && !placement.spec.spread_policy.is_empty();

        // Sort by total descending, then name ascending (a total order: names are unique).
        // Only the first `want` need ordering unless the whole ranking is used.
        let cmp = |a: &usize, b: &usize| {
            totals[*b]
                .cmp(&totals[*a])
                .then_with(|| filtered[*a].name.cmp(&filtered[*b].name))
        };
        let mut order: Vec<usize> = (0..n).collect();
        if detail.is_some() || spread || want >= n {
            order.sort_unstable_by(cmp);
        } else if want > 0 {
            order.select_nth_unstable_by(want - 1, cmp);
            order.truncate(want);
            order.sort_unstable_by(cmp);
        } else {
            order.clear();
        }
        let sorted: Vec<&'a ManagedCluster> = order.iter().map(|&i| filtered[i]).collect();

        let (selected, spread_rejects) = if spread {
            crate::spread::select(&placement.spec.spread_policy, &sorted, want)
        } else {
            (
                sorted.iter().take(want).copied().collect::<Vec<_>>(),
                std::collections::HashMap::new(),
            )
        };

        if let Some((verdicts, terms)) = detail {
            let chosen: HashSet<&str> = selected.iter().map(|c| c.name.as_str()).collect();
            for (rank, &i) in order.iter().enumerate() {
                let c = filtered[i];
                let name = c.name.as_str();
                let verdict = if chosen.contains(name) {
                    Verdict::Selected
                } else if let Some(key) = spread_rejects.get(name) {
                    Verdict::Spread {
                        topology_key: key.clone(),
                    }
                } else {
                    Verdict::NotSelected
                };
                verdicts.insert(name, verdict);
                terms.insert(name, (std::mem::take(&mut per_cluster[i]), totals[i], rank));
            }
        }

        let scores: Vec<i64> = if spread {
            let by_name: rustc_hash::FxHashMap<&str, i64> = order
                .iter()
                .map(|&i| (filtered[i].name.as_str(), totals[i]))
                .collect();
            selected
                .iter()
                .map(|c| by_name.get(c.name.as_str()).copied().unwrap_or(0))
                .collect()
        } else {
            order
                .iter()
                .take(selected.len())
                .map(|&i| totals[i])
                .collect()
        };
        let unscheduled = requested.map_or(0, |k| i64::from(k) - selected.len() as i64);

        // Requeue time: the earliest of every plugin's.
        let mut requeue_at: Option<Timestamp> = None;
        let mut offer = |t: Option<Timestamp>| {
            if let Some(t) = t {
                requeue_at = Some(requeue_at.map_or(t, |r| r.min(t)));
            }
        };
        for f in &self.registry.filters {
            offer(f.requeue_at(cx));
        }
        for (p, _) in &prioritizers {
            offer(p.requeue_at(cx));
        }

        Ok(Scheduled {
            status: Status::success(),
            warning,
            decisions: selected,
            scores,
            unscheduled,
            requeue_at,
        })
    }
}
