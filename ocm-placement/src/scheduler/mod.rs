//! The scheduling pipeline: candidates → filters → weights → prioritizers → sort → select →
//! decision groups → PlacementDecision pages → conditions.

use crate::explain::{ClusterExplanation, Explanation, ScoreTerm, Verdict};
use crate::index::SnapshotIndex;
use crate::model::{ManagedCluster, Placement, Snapshot};
use crate::plugin::{PluginError, ScheduleContext};
use crate::registry::Registry;
use jiff::Timestamp;
use rustc_hash::FxHashMap as HashMap;

mod candidates;
mod conditions;
mod filters;
mod groups;
mod outcome;
mod pages;
mod scores;
mod selection;

use candidates::{Candidates, candidates};
use conditions::{misconfigured_condition, run_status, satisfied_condition, shortfall};
use groups::generate_decision_groups;
pub use outcome::{Condition, DecisionGroupStatus, PlacementStatus, RunStatus, ScheduleOutcome};
use pages::generate_pages;

/// Most decisions in one `PlacementDecision` (upstream `maxNumOfClusterDecisions`).
pub const MAX_DECISIONS_PER_PAGE: usize = 100;

/// Runs placements against snapshots with a [`Registry`] of plugins.
#[derive(Debug, Clone, Default)]
pub struct Scheduler {
    registry: Registry,
}

/// Failures upstream reports by returning an error from its sync (no status is written, the
/// placement is retried). User mistakes in the *placement* are not errors: they are the
/// `PlacementMisconfigured` condition of a successful [`ScheduleOutcome`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// A bound `ManagedClusterSet` has an unusable cluster selector (message as in v1.3.1;
    /// v1.2.1 worded it `failed to get clusterset: <name>, clusters, Error: <message>`).
    #[error("failed to get clusters from ClusterSet {name:?}: {message}")]
    InvalidClusterSet {
        /// The set.
        name: String,
        /// What is wrong.
        message: String,
    },
}

/// Upstream's `framework.Status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Code {
    Success,
    Error,
    Misconfigured,
}

#[derive(Debug, Clone)]
struct Status {
    code: Code,
    plugin: String,
    message: String,
}

impl Status {
    fn success() -> Self {
        Status {
            code: Code::Success,
            plugin: String::new(),
            message: String::new(),
        }
    }

    fn from_plugin(plugin: &str, e: PluginError) -> Self {
        match e {
            PluginError::Misconfigured(m) => Status {
                code: Code::Misconfigured,
                plugin: plugin.into(),
                message: m,
            },
            PluginError::Error(m) => Status {
                code: Code::Error,
                plugin: plugin.into(),
                message: m,
            },
        }
    }

    fn misconfigured(message: String) -> Self {
        Status {
            code: Code::Misconfigured,
            plugin: String::new(),
            message,
        }
    }

    fn is_error(&self) -> bool {
        self.code != Code::Success
    }
}

/// Where `run` records per-cluster verdicts and score terms (only for `explain`).
type Detail<'m, 'a> = (
    &'m mut HashMap<&'a str, Verdict>,
    &'m mut HashMap<&'a str, (Vec<ScoreTerm>, i64, usize)>,
);

/// The result of the scheduling core (upstream `Schedule`).
struct Scheduled<'a> {
    status: Status,
    /// The last plugin warning, `(plugin, message)` (upstream keeps the last as its status).
    warning: Option<(String, String)>,
    /// Selected, best first.
    decisions: Vec<&'a ManagedCluster>,
    /// The total score of each of `decisions`.
    scores: Vec<i64>,
    unscheduled: i64,
    requeue_at: Option<Timestamp>,
}

impl Scheduler {
    /// A scheduler with the given plugins.
    pub fn new(registry: Registry) -> Self {
        Scheduler { registry }
    }

    /// The registry.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Schedules `placement` against `snapshot` at time `now`, as the Go placement controller
    /// would, without touching a server.
    ///
    /// The outcome's [`Explanation`] has the candidate, filter and prioritizer summary and the
    /// shortfall; [`explain`](Self::explain) adds the per-cluster detail.
    ///
    /// This is also the what-if entry point: load a recorded [`Snapshot`] (it is serde) and
    /// call this with the time of interest.
    pub fn schedule(
        &self,
        placement: &Placement,
        snapshot: &Snapshot,
        now: Timestamp,
    ) -> Result<ScheduleOutcome, ScheduleError> {
        self.schedule_inner(placement, &SnapshotIndex::new(snapshot), now, false)
    }

    /// [`schedule`](Self::schedule), with [`Explanation::clusters`] filled in: for every
    /// cluster of the snapshot, the filter that removed it, or each prioritizer's score,
    /// weight and product, its total and its rank.
    pub fn explain(
        &self,
        placement: &Placement,
        snapshot: &Snapshot,
        now: Timestamp,
    ) -> Result<ScheduleOutcome, ScheduleError> {
        self.schedule_inner(placement, &SnapshotIndex::new(snapshot), now, true)
    }

    /// [`schedule`](Self::schedule) against an index built once for many placements (see
    /// [`SnapshotIndex`]); the outcome is the same.
    pub fn schedule_indexed(
        &self,
        placement: &Placement,
        index: &SnapshotIndex<'_>,
        now: Timestamp,
    ) -> Result<ScheduleOutcome, ScheduleError> {
        self.schedule_inner(placement, index, now, false)
    }

    /// [`explain`](Self::explain) against an index built once for many placements.
    pub fn explain_indexed(
        &self,
        placement: &Placement,
        index: &SnapshotIndex<'_>,
        now: Timestamp,
    ) -> Result<ScheduleOutcome, ScheduleError> {
        self.schedule_inner(placement, index, now, true)
    }

    fn schedule_inner<'s>(
        &self,
        placement: &Placement,
        index: &SnapshotIndex<'s>,
        now: Timestamp,
        detail: bool,
    ) -> Result<ScheduleOutcome, ScheduleError> {
        let mut ex = Explanation::default();
        let unique = index.clusters();

        // 1. Valid bindings in the placement namespace, eligible sets, available clusters.
        let Candidates {
            bindings,
            member,
            clusters: candidates,
        } = candidates(placement, index, &mut ex)?;
        if detail {
            ex.candidate_clusters = candidates.iter().map(|c| c.name.clone()).collect();
            ex.candidate_clusters.sort_unstable();
        }

        let cx = ScheduleContext::with_index(placement, index, now);
        let mut verdicts: HashMap<&str, Verdict> = HashMap::default();
        let mut terms: HashMap<&str, (Vec<ScoreTerm>, i64, usize)> = HashMap::default();

        // 2. Filters, prioritizers, sort, select.
        let scheduled = self.run(
            &cx,
            candidates.clone(),
            &mut ex,
            detail.then_some((&mut verdicts, &mut terms)),
        );

        // 3. Decision groups and pages.
        let (groups, group_status) = generate_decision_groups(placement, &scheduled.decisions);
        let mut status = scheduled.status.clone();
        if group_status.is_error() {
            status = group_status;
        }
        let (pages, group_statuses) = generate_pages(placement, &groups);

        // 4. Conditions.
        let misconfigured = misconfigured_condition(&status);
        let satisfied = satisfied_condition(
            &placement.spec.cluster_sets,
            &ex.eligible_cluster_sets,
            bindings.len(),
            candidates.len(),
            scheduled.decisions.len(),
            scheduled.unscheduled,
            &status,
        );

        // 5. Explanation.
        ex.shortfall = shortfall(placement, &ex, &status, scheduled.decisions.len());
        if detail {
            let mut order: Vec<usize> = (0..unique.len()).collect();
            order.sort_unstable_by(|&a, &b| unique[a].name.cmp(&unique[b].name));
            ex.clusters = order
                .into_iter()
                .map(|i| {
                    let n = unique[i].name.as_str();
                    let verdict = if let Some(v) = verdicts.remove(n) {
                        v
                    } else if member[i] && !unique[i].deleting {
                        Verdict::NotEvaluated
                    } else if member[i] {
                        Verdict::Deleting
                    } else {
                        Verdict::NotInEligibleClusterSet
                    };
                    let (scores, total, rank) = match terms.remove(n) {
                        Some((s, t, r)) => (s, Some(t), Some(r)),
                        None => (Vec::new(), None, None),
                    };
                    ClusterExplanation {
                        name: n.to_owned(),
                        verdict,
                        scores,
                        total,
                        rank,
                    }
                })
                .collect();
        }

        let selected = scheduled.decisions.len();
        Ok(ScheduleOutcome {
            decisions: scheduled.decisions.iter().map(|c| c.name.clone()).collect(),
            scores: scheduled.scores,
            placement_decisions: pages,
            status: PlacementStatus {
                number_of_selected_clusters: i32::try_from(selected).unwrap_or(i32::MAX),
                decision_groups: group_statuses,
                conditions: vec![misconfigured, satisfied],
            },
            requeue_at: scheduled.requeue_at,
            run_status: run_status(&status, scheduled.warning),
            explanation: ex,
        })
    }

    /// Filters, scores and selects (upstream `Schedule`).
    fn run<'a>(
        &self,
        cx: &ScheduleContext<'a>,
        mut filtered: Vec<&'a ManagedCluster>,
        ex: &mut Explanation,
        mut detail: Option<Detail<'_, 'a>>,
    ) -> Scheduled<'a> {
        let fail = |status: Status| Scheduled {
            status,
            warning: None,
            decisions: Vec::new(),
            scores: Vec::new(),
            unscheduled: 0,
            requeue_at: None,
        };
        let mut warning = None;
        if let Err(s) = self.filter(cx, &mut filtered, ex, &mut detail, &mut warning) {
            return fail(s);
        }
        let scored = match self.score(cx, &filtered, ex, detail.is_some(), &mut warning) {
            Ok(s) => s,
            Err(s) => return fail(s),
        };
        self.select(cx, filtered, scored, detail, warning)
            .unwrap_or_else(fail)
    }
}

#[cfg(test)]
mod tests;
