//! Step 2: the filters, in registration order (upstream `Predicate`, `TaintToleration`).

use super::{Detail, Scheduler, Status};
use crate::explain::{Explanation, FilterStep, Verdict};
use crate::model::ManagedCluster;
use crate::plugin::ScheduleContext;

impl Scheduler {
    /// Keeps in `filtered` the clusters every filter keeps; records each filter's step in
    /// `ex`, and with `detail` the filter that removed each cluster.
    pub(super) fn filter<'a>(
        &self,
        cx: &ScheduleContext<'a>,
        filtered: &mut Vec<&'a ManagedCluster>,
        ex: &mut Explanation,
        detail: &mut Option<Detail<'_, 'a>>,
        warning: &mut Option<(String, String)>,
    ) -> Result<(), Status> {
        for f in &self.registry.filters {
            let input = filtered.len();
            let verdict = match f.filter(cx, filtered) {
                Ok(v) => v,
                Err(e) => return Err(Status::from_plugin(f.name(), e)),
            };
            if let Some(w) = verdict.warning {
                ex.warnings.push(format!("{}: {w}", f.name()));
                *warning = Some((f.name().to_owned(), w));
            }
            let mut i = 0;
            filtered.retain(|c| {
                let keep = verdict.keep.get(i).copied().unwrap_or(false);
                i += 1;
                if !keep && let Some((verdicts, _)) = detail.as_mut() {
                    verdicts.insert(
                        c.name.as_str(),
                        Verdict::Filtered {
                            filter: f.name().to_owned(),
                        },
                    );
                }
                keep
            });
            let pipeline = match ex.filters.last() {
                Some(prev) => format!("{},{}", prev.pipeline, f.name()),
                None => f.name().to_owned(),
            };
            let mut survivors: Vec<String> = Vec::new();
            if detail.is_some() {
                survivors = filtered.iter().map(|c| c.name.clone()).collect();
                survivors.sort_unstable();
            }
            ex.filters.push(FilterStep {
                name: f.name().to_owned(),
                input,
                output: filtered.len(),
                pipeline,
                survivors,
            });
        }
        Ok(())
    }
}
