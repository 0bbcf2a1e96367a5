//! The scheduling pipeline: candidates → filters → weights → prioritizers → sort → select →
//! decision groups → PlacementDecision pages → conditions.

use crate::explain::{
    ClusterExplanation, Explanation, FilterStep, PrioritizerStep, ScoreTerm, Verdict,
};
use crate::fxhash::{FxHashMap as HashMap, FxHashSet as HashSet};
use crate::index::SnapshotIndex;
use crate::model::{
    ClusterDecision, IntOrString, ManagedCluster, Placement, PlacementDecision, ScoreCoordinate,
    Snapshot,
};
use crate::plugin::{PluginError, Prioritizer, ScheduleContext};
use crate::plugins::AddOnScore;
use crate::plugins::predicate::CompiledSelector;
use crate::registry::Registry;
use crate::selector::Selector;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

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

/// A condition of the placement status (`lastTransitionTime` is left to the writer, which
/// sets it when the status changes, as `meta.SetStatusCondition` does).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Condition {
    /// `PlacementSatisfied` or `PlacementMisconfigured`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True` or `False`.
    pub status: String,
    /// The reason (upstream's strings, see [`crate::conditions`]).
    pub reason: String,
    /// The message.
    pub message: String,
}

/// `Placement.status.decisionGroups[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DecisionGroupStatus {
    /// Position of the group, from 0.
    pub decision_group_index: i32,
    /// `groupName`, or empty for the rest.
    pub decision_group_name: String,
    /// Names of the group's `PlacementDecision`s.
    pub decisions: Vec<String>,
    /// How many clusters the group has.
    #[serde(rename = "clusterCount")]
    pub clusters_count: i32,
}

/// `Placement.status` as the scheduler writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PlacementStatus {
    /// `numberOfSelectedClusters`.
    pub number_of_selected_clusters: i32,
    /// `decisionGroups`.
    pub decision_groups: Vec<DecisionGroupStatus>,
    /// `conditions`: `PlacementMisconfigured` then `PlacementSatisfied`.
    pub conditions: Vec<Condition>,
}

impl PlacementStatus {
    /// The condition of a type.
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }
}

/// Everything one scheduling run produces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScheduleOutcome {
    /// The chosen clusters, best first.
    pub decisions: Vec<String>,
    /// The total score of each of [`decisions`](Self::decisions) (the sum of each
    /// prioritizer's score times its weight), in the same order. Upstream computes the same
    /// totals but writes them only into a `ScoreUpdate` event; `ClusterDecision.score` is API-only
    /// there.
    #[serde(default)]
    pub scores: Vec<i64>,
    /// The `PlacementDecision` objects to apply (each at most 100 decisions); every other
    /// `PlacementDecision` labelled with this placement is to be deleted. Each is owned by the
    /// Placement (a controller owner reference, `cluster.open-cluster-management.io/v1beta1`).
    pub placement_decisions: Vec<PlacementDecision>,
    /// The placement status.
    pub status: PlacementStatus,
    /// When to schedule again even if nothing changes (a toleration expiring).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requeue_at: Option<Timestamp>,
    /// The run's overall status: upstream's `framework.Status` for the run, from which its
    /// controller derives the conditions and its return value (`status.AsError()`).
    #[serde(default)]
    pub run_status: RunStatus,
    /// Why.
    pub explanation: Explanation,
}

impl ScheduleOutcome {
    /// `requeue_at - now`, if there is a requeue time; [`Duration::ZERO`] when `requeue_at`
    /// is not after `now` (the requeue is due), so a caller can requeue immediately.
    ///
    /// [`Duration::ZERO`]: std::time::Duration::ZERO
    pub fn requeue_after(&self, now: Timestamp) -> Option<std::time::Duration> {
        let at = self.requeue_at?;
        let d = at.duration_since(now);
        Some(std::time::Duration::try_from(d).unwrap_or(std::time::Duration::ZERO))
    }
}

/// The overall status of a scheduling run: upstream's `framework.Status` code (`Success`,
/// `Warning`, `Error`, `Misconfigured`) with the plugin that set it and its message.
///
/// As upstream: the first plugin error or misconfiguration stops the run and is its status; a
/// misconfigured decision strategy replaces the status after the run; otherwise the last plugin
/// warning (every warning is in [`Explanation::warnings`]) makes the run a `Warning`.
///
/// Upstream's controller returns an error after writing the status (so the placement is retried
/// with a backoff) for everything but `Success`; [`is_success`](Self::is_success) tells which.
/// `Misconfigured` is also the `PlacementMisconfigured` condition, `Error` the
/// `PlacementSatisfied` condition's message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "PascalCase")]
#[non_exhaustive]
pub enum RunStatus {
    /// Everything ran cleanly.
    #[default]
    Success,
    /// A plugin ran but reported a non-fatal problem (an expired `AddOnPlacementScore`).
    Warning {
        /// The plugin (upstream's `Status.Plugin()`).
        plugin: String,
        /// What it reported (upstream's `Status.Message()`).
        message: String,
    },
    /// A plugin failed; scheduling stopped and nothing was selected.
    Error {
        /// The plugin (upstream's `Status.Plugin()`), empty if none.
        plugin: String,
        /// What failed (upstream's `Status.Message()`).
        message: String,
    },
    /// The placement is misconfigured (a plugin rejected its configuration, an invalid
    /// prioritizer policy or decision strategy); nothing was selected.
    Misconfigured {
        /// The plugin (upstream's `Status.Plugin()`), empty if none.
        plugin: String,
        /// What is wrong (upstream's `Status.Message()`).
        message: String,
    },
}

impl RunStatus {
    /// Upstream `IsSuccess`: the run had no warning, error or misconfiguration.
    pub fn is_success(&self) -> bool {
        matches!(self, RunStatus::Success)
    }

    /// Upstream `IsError`: `Error` or `Misconfigured` (not `Warning`).
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            RunStatus::Error { .. } | RunStatus::Misconfigured { .. }
        )
    }

    /// Upstream's numeric code: 0 `Success`, 1 `Warning`, 2 `Error`, 3 `Misconfigured`.
    pub fn code(&self) -> u8 {
        match self {
            RunStatus::Success => 0,
            RunStatus::Warning { .. } => 1,
            RunStatus::Error { .. } => 2,
            RunStatus::Misconfigured { .. } => 3,
        }
    }

    /// The plugin that set the status (empty for `Success` or when none did).
    pub fn plugin(&self) -> &str {
        match self {
            RunStatus::Success => "",
            RunStatus::Warning { plugin, .. }
            | RunStatus::Error { plugin, .. }
            | RunStatus::Misconfigured { plugin, .. } => plugin,
        }
    }

    /// The message (upstream's `Status.Message()`, the text of `AsError()`), empty for
    /// `Success`.
    pub fn message(&self) -> &str {
        match self {
            RunStatus::Success => "",
            RunStatus::Warning { message, .. }
            | RunStatus::Error { message, .. }
            | RunStatus::Misconfigured { message, .. } => message,
        }
    }
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
        let snapshot = index.snapshot();
        let unique = index.clusters();

        // 1. Valid bindings in the placement namespace, eligible sets, available clusters.
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
        let candidates: Vec<&'s ManagedCluster> = unique
            .iter()
            .zip(&member)
            .filter(|(c, m)| **m && !c.deleting)
            .map(|(c, _)| *c)
            .collect();
        ex.candidates = candidates.len();
        if detail {
            ex.candidate_clusters = candidates.iter().map(|c| c.name.clone()).collect();
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

    fn run<'a>(
        &self,
        cx: &ScheduleContext<'a>,
        mut filtered: Vec<&'a ManagedCluster>,
        ex: &mut Explanation,
        mut detail: Option<Detail<'_, 'a>>,
    ) -> Scheduled<'a> {
        let placement = cx.placement();
        let fail = |status: Status| Scheduled {
            status,
            warning: None,
            decisions: Vec::new(),
            scores: Vec::new(),
            unscheduled: 0,
            requeue_at: None,
        };

        let mut warning = None;
        for f in &self.registry.filters {
            let input = filtered.len();
            let verdict = match f.filter(cx, &filtered) {
                Ok(v) => v,
                Err(e) => return fail(Status::from_plugin(f.name(), e)),
            };
            if let Some(w) = verdict.warning {
                ex.warnings.push(format!("{}: {w}", f.name()));
                warning = Some((f.name().to_owned(), w));
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
            let survivors = if detail.is_some() {
                filtered.iter().map(|c| c.name.clone()).collect()
            } else {
                Vec::new()
            };
            ex.filters.push(FilterStep {
                name: f.name().to_owned(),
                input,
                output: filtered.len(),
                pipeline,
                survivors,
            });
        }

        // Weights.
        let weights = match self.weights(placement) {
            Ok(w) => w,
            Err(s) => return fail(s),
        };
        // Prioritizers, in a deterministic order (upstream iterates a map).
        let mut prioritizers: Vec<(Arc<dyn Prioritizer>, i32)> = Vec::new();
        for (coord, weight) in &weights {
            if *weight == 0 {
                continue;
            }
            match self.prioritizer_for(coord) {
                Ok(p) => prioritizers.push((p, *weight)),
                Err(s) => return fail(s),
            }
        }

        let n = filtered.len();
        let mut totals = vec![0i64; n];
        let mut per_cluster: Vec<Vec<ScoreTerm>> = if detail.is_some() {
            vec![Vec::with_capacity(prioritizers.len()); n]
        } else {
            Vec::new()
        };
        for (p, weight) in &prioritizers {
            let scores = match p.score(cx, &filtered) {
                Ok(s) => s,
                Err(e) => return fail(Status::from_plugin(p.name(), e)),
            };
            if let Some(w) = scores.warning {
                ex.warnings.push(format!("{}: {w}", p.name()));
                warning = Some((p.name().to_owned(), w));
            }
            let by_cluster = if detail.is_some() {
                filtered
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.name.clone(), scores.values.get(i).copied().flatten()))
                    .collect()
            } else {
                Default::default()
            };
            ex.prioritizers.push(PrioritizerStep {
                name: p.name().to_owned(),
                weight: *weight,
                scores: by_cluster,
            });
            for (i, total) in totals.iter_mut().enumerate() {
                let s = scores.values.get(i).copied().flatten();
                let product = s.unwrap_or(0).wrapping_mul(i64::from(*weight));
                *total = total.wrapping_add(product);
                if let Some(terms) = per_cluster.get_mut(i) {
                    terms.push(ScoreTerm {
                        prioritizer: p.name().to_owned(),
                        score: s,
                        weight: *weight,
                        product,
                    });
                }
            }
        }

        let requested = placement.spec.number_of_clusters;
        if let Some(k) = requested
            && k < 0
        {
            return fail(Status::misconfigured(format!(
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
            let by_name: crate::fxhash::FxHashMap<&str, i64> = order
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

        Scheduled {
            status: Status::success(),
            warning,
            decisions: selected,
            scores,
            unscheduled,
            requeue_at,
        }
    }

    /// Upstream `getWeights` / `mergeWeights`.
    ///
    /// Upstream keys the weights by the `ScoreCoordinate` struct, whose `addOn` is a pointer:
    /// coordinates without `addOn` compare by value (a later configuration overrides an
    /// earlier one or a default), while every coordinate with `addOn` is a key of its own (two
    /// configurations of the same AddOn score both apply).
    fn weights(&self, placement: &Placement) -> Result<Vec<(ScoreCoordinate, i32)>, Status> {
        let policy = &placement.spec.prioritizer_policy;
        let mut weights: Vec<(ScoreCoordinate, i32)> = match policy.mode.as_str() {
            "Exact" => Vec::new(),
            "Additive" | "" => self
                .registry
                .default_weights
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            other => {
                return Err(Status::misconfigured(format!(
                    "incorrect prioritizer policy mode: {other}"
                )));
            }
        };
        for c in &policy.configurations {
            let Some(coord) = &c.score_coordinate else {
                return Err(Status::misconfigured(
                    "scoreCoordinate field is required".into(),
                ));
            };
            if self.registry.check_weight_range && !(-10..=10).contains(&c.weight) {
                return Err(Status::misconfigured(format!(
                    "weight of prioritizer {} must be in [-10, 10], found {}",
                    coordinate_name(coord),
                    c.weight
                )));
            }
            let existing = if coord.add_on.is_none() {
                weights.iter_mut().find(|(k, _)| k == coord)
            } else {
                None
            };
            match existing {
                Some((_, w)) => *w = c.weight,
                None => weights.push((coord.clone(), c.weight)),
            }
        }
        Ok(weights)
    }

    /// Upstream `getPrioritizers` for one coordinate.
    fn prioritizer_for(&self, coord: &ScoreCoordinate) -> Result<Arc<dyn Prioritizer>, Status> {
        if coord.type_ == "BuiltIn" {
            return self
                .registry
                .prioritizers
                .get(&coord.built_in)
                .cloned()
                .ok_or_else(|| {
                    Status::misconfigured(format!(
                        "incorrect builtin prioritizer: {}",
                        coord.built_in
                    ))
                });
        }
        let Some(addon) = &coord.add_on else {
            return Err(Status::misconfigured("addOn should not be empty".into()));
        };
        if !self.registry.addon_scores {
            return Err(Status::misconfigured(format!(
                "addOn prioritizers are not enabled in this scheduler: {}/{}",
                addon.resource_name, addon.score_name
            )));
        }
        Ok(Arc::new(AddOnScore::new(
            &addon.resource_name,
            &addon.score_name,
        )))
    }
}

fn coordinate_name(c: &ScoreCoordinate) -> String {
    match (&c.type_[..], &c.add_on) {
        ("BuiltIn", _) => c.built_in.clone(),
        (_, Some(a)) => format!("AddOn/{}/{}", a.resource_name, a.score_name),
        (_, None) => c.type_.clone(),
    }
}

/// How a cluster set selects its members.
enum SetSelector {
    /// By the exclusive `cluster-set` label (its members are in the [`SnapshotIndex`]).
    ExclusiveLabel,
    /// By a label selector.
    Labels(Selector),
}

/// sdk-go `BuildClusterSelector`.
fn cluster_set_selector(
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

/// Upstream `calculateLength`.
fn calculate_length(v: &IntOrString, total: usize) -> Result<usize, String> {
    let length: i64 = match v {
        IntOrString::Int(i) => i64::from(*i),
        IntOrString::String(s) => {
            let err = || format!("{s} invalid type: string is not a percentage");
            let Some(num) = s.strip_suffix('%') else {
                return Err(err());
            };
            let f = go_parse_float(num).ok_or_else(err)?;
            crate::plugins::go_f64_to_i64((f / 100.0 * total as f64).ceil())
        }
    };
    if length <= 0 || length > total as i64 {
        Ok(total)
    } else {
        Ok(length as usize)
    }
}

/// `strconv.ParseFloat(s, 64)` for decimal input (underscores between digits allowed as Go
/// does; hexadecimal floats are not supported and are treated as invalid).
fn go_parse_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let body = lower.trim_start_matches(['+', '-']);
    if body.starts_with("0x") {
        return None;
    }
    let cleaned: String = if s.contains('_') {
        let b = s.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            if c == b'_' {
                let ok = i > 0
                    && i + 1 < b.len()
                    && b[i - 1].is_ascii_digit()
                    && b[i + 1].is_ascii_digit();
                if !ok {
                    return None;
                }
            }
        }
        s.replace('_', "")
    } else {
        s.to_owned()
    };
    match cleaned.to_ascii_lowercase().trim_start_matches(['+', '-']) {
        "inf" | "infinity" | "nan" => {}
        t if t.chars().any(|c| c.is_ascii_alphabetic() && c != 'e') => return None,
        _ => {}
    }
    cleaned.parse::<f64>().ok()
}

/// (group name, cluster names).
type Groups = Vec<(String, Vec<String>)>;

/// Upstream `generateDecisionGroups`.
fn generate_decision_groups(
    placement: &Placement,
    selected: &[&ManagedCluster],
) -> (Groups, Status) {
    let mut groups: Groups = Vec::new();
    let strategy = &placement.spec.decision_strategy.group_strategy;
    let length = match calculate_length(&strategy.clusters_per_decision_group, selected.len()) {
        Ok(l) => l,
        Err(m) => return (groups, Status::misconfigured(m)),
    };
    let mut pool: HashSet<&str> = selected.iter().map(|c| c.name.as_str()).collect();
    for g in &strategy.decision_groups {
        let sel = match CompiledSelector::without_cel(
            &g.group_cluster_selector.label_selector,
            &g.group_cluster_selector.claim_selector,
        ) {
            Ok(s) => s,
            Err(m) => return (groups, Status::misconfigured(m)),
        };
        let mut matched = Vec::new();
        for c in selected {
            if sel.matches_labels_and_claims(c) && pool.remove(c.name.as_str()) {
                matched.push(c.name.clone());
            }
        }
        divide(&g.group_name, matched, length, &mut groups);
    }
    let rest: Vec<String> = pool.into_iter().map(str::to_owned).collect();
    divide("", rest, length, &mut groups);
    if groups.is_empty() {
        groups.push((String::new(), Vec::new()));
    }
    (groups, Status::success())
}

/// Upstream `divideDecisionGroups`.
fn divide(name: &str, mut matched: Vec<String>, length: usize, out: &mut Groups) {
    matched.sort_unstable();
    if matched.is_empty() {
        return;
    }
    let length = length.max(1);
    for chunk in matched.chunks(length) {
        out.push((name.to_owned(), chunk.to_vec()));
    }
}

/// Upstream `generateDecision` over all groups.
fn generate_pages(
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

fn condition(type_: &str, status: bool, reason: &str, message: String) -> Condition {
    Condition {
        type_: type_.to_owned(),
        status: if status { "True" } else { "False" }.to_owned(),
        reason: reason.to_owned(),
        message,
    }
}

/// The public form of the run's final status; `warning` counts only when the status is a
/// success (upstream's `finalStatus`).
fn run_status(s: &Status, warning: Option<(String, String)>) -> RunStatus {
    let (plugin, message) = (s.plugin.clone(), s.message.clone());
    match s.code {
        Code::Misconfigured => RunStatus::Misconfigured { plugin, message },
        Code::Error => RunStatus::Error { plugin, message },
        Code::Success => match warning {
            Some((plugin, message)) => RunStatus::Warning { plugin, message },
            None => RunStatus::Success,
        },
    }
}

/// Upstream `newMisconfiguredCondition`.
fn misconfigured_condition(s: &Status) -> Condition {
    use crate::conditions::*;
    if s.code == Code::Misconfigured {
        condition(
            PLACEMENT_MISCONFIGURED,
            true,
            REASON_MISCONFIGURED,
            format!("{}:{}", s.plugin, s.message),
        )
    } else {
        condition(
            PLACEMENT_MISCONFIGURED,
            false,
            REASON_SUCCEED_CONFIGURED,
            "Placement configurations check pass".into(),
        )
    }
}

/// Upstream `newSatisfiedCondition`.
fn satisfied_condition(
    spec_sets: &[String],
    eligible: &[String],
    bindings: usize,
    available: usize,
    selected: usize,
    unscheduled: i64,
    s: &Status,
) -> Condition {
    use crate::conditions::*;
    let c = PLACEMENT_SATISFIED;
    if bindings == 0 {
        condition(
            c,
            false,
            REASON_NO_BINDINGS,
            "No valid ManagedClusterSetBindings found in placement namespace".into(),
        )
    } else if eligible.is_empty() {
        condition(
            c,
            false,
            REASON_NO_INTERSECTION,
            format!(
                "None of ManagedClusterSets [{}] is bound to placement namespace",
                spec_sets.join(",")
            ),
        )
    } else if available == 0 {
        condition(
            c,
            false,
            REASON_ALL_SETS_EMPTY,
            format!(
                "All ManagedClusterSets [{}] have no member ManagedCluster",
                eligible.join(",")
            ),
        )
    } else if s.code == Code::Error {
        condition(c, false, REASON_NOT_ALL_SCHEDULED, s.message.clone())
    } else if selected == 0 {
        condition(
            c,
            false,
            REASON_NO_CLUSTER_MATCHED,
            "No ManagedCluster matches any of the cluster predicate".into(),
        )
    } else if unscheduled == 0 {
        condition(
            c,
            true,
            REASON_ALL_SCHEDULED,
            "All cluster decisions scheduled".into(),
        )
    } else {
        condition(
            c,
            false,
            REASON_NOT_ALL_SCHEDULED,
            format!("{unscheduled} cluster decisions unscheduled"),
        )
    }
}

fn shortfall(
    placement: &Placement,
    ex: &Explanation,
    s: &Status,
    selected: usize,
) -> Option<String> {
    if s.is_error() {
        let who = if s.plugin.is_empty() {
            "the prioritizer policy".to_owned()
        } else {
            format!("plugin {}", s.plugin)
        };
        return Some(format!("scheduling stopped: {who} reported: {}", s.message));
    }
    let want = placement.spec.number_of_clusters?;
    let want = usize::try_from(want).ok()?;
    if selected >= want {
        return None;
    }
    let mut parts = vec![format!("{selected} of {want} requested clusters chosen")];
    if ex.bindings.is_empty() {
        parts.push(format!(
            "no ManagedClusterSetBinding in namespace {} names an existing set",
            placement.namespace
        ));
    } else if ex.eligible_cluster_sets.is_empty() {
        parts.push(format!(
            "none of spec.clusterSets [{}] is bound to the namespace (bound: [{}])",
            placement.spec.cluster_sets.join(","),
            ex.bindings.join(",")
        ));
    } else {
        parts.push(format!(
            "{} candidate clusters in sets [{}]",
            ex.candidates,
            ex.eligible_cluster_sets.join(",")
        ));
        for f in &ex.filters {
            if f.input != f.output {
                parts.push(format!("{} removed {}", f.name, f.input - f.output));
            }
        }
        let feasible = ex.filters.last().map_or(ex.candidates, |f| f.output);
        if feasible > selected {
            parts.push(format!("spreadPolicy held back {}", feasible - selected));
        }
    }
    Some(parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ManagedClusterSet, ManagedClusterSetBinding, PlacementSpec};
    use crate::plugin::{Filter, Filtered, Scores};
    use crate::registry::default_plugins;

    /// A filter keeping everything, or failing with `fail`; warns if `warn` is set.
    struct Probe {
        name: &'static str,
        fail: Option<PluginError>,
        warn: Option<&'static str>,
    }

    impl Filter for Probe {
        fn name(&self) -> &str {
            self.name
        }
        fn filter(
            &self,
            _cx: &ScheduleContext<'_>,
            clusters: &[&ManagedCluster],
        ) -> Result<Filtered, PluginError> {
            if let Some(e) = &self.fail {
                return Err(e.clone());
            }
            let f = Filtered::all(clusters.len());
            Ok(match self.warn {
                Some(w) => f.with_warning(w),
                None => f,
            })
        }
    }

    /// A prioritizer scoring 0 that warns.
    struct WarnScore;

    impl Prioritizer for WarnScore {
        fn name(&self) -> &str {
            "WarnScore"
        }
        fn score(
            &self,
            _cx: &ScheduleContext<'_>,
            clusters: &[&ManagedCluster],
        ) -> Result<Scores, PluginError> {
            Ok(Scores::new(vec![Some(0); clusters.len()]).with_warning("score warning"))
        }
    }

    fn now() -> Timestamp {
        "2026-01-01T00:00:00Z".parse().unwrap_or_default()
    }

    fn snapshot() -> Snapshot {
        Snapshot::new()
            .with_cluster_set(ManagedClusterSet::exclusive("prod"))
            .with_binding(ManagedClusterSetBinding::new("apps", "prod"))
            .with_cluster(
                ManagedCluster::new("east").with_label(crate::labels::CLUSTER_SET, "prod"),
            )
    }

    fn run(registry: Registry, spec: PlacementSpec) -> ScheduleOutcome {
        let placement = Placement::new("apps", "web").with_spec(spec);
        Scheduler::new(registry)
            .schedule(&placement, &snapshot(), now())
            .unwrap_or_else(|e| panic!("schedule failed: {e}"))
    }

    fn probe(name: &'static str, fail: Option<PluginError>, warn: Option<&'static str>) -> Probe {
        Probe { name, fail, warn }
    }

    #[test]
    fn run_status_success() {
        let o = run(default_plugins().build(), PlacementSpec::default());
        assert_eq!(o.run_status, RunStatus::Success);
        assert!(o.run_status.is_success() && !o.run_status.is_error());
        assert_eq!((o.run_status.code(), o.run_status.message()), (0, ""));
        assert_eq!(o.decisions, ["east"]);
    }

    #[test]
    fn run_status_last_warning_wins() {
        let registry = default_plugins()
            .filter(probe("First", None, Some("first warning")))
            .filter(probe("Second", None, Some("second warning")))
            .build();
        let o = run(registry, PlacementSpec::default());
        assert_eq!(
            o.run_status,
            RunStatus::Warning {
                plugin: "Second".into(),
                message: "second warning".into()
            }
        );
        assert!(!o.run_status.is_success() && !o.run_status.is_error());
        assert_eq!(o.run_status.code(), 1);
        assert_eq!(o.explanation.warnings.len(), 2);
        // A warning does not stop scheduling.
        assert_eq!(o.decisions, ["east"]);

        let registry = default_plugins()
            .prioritizer(WarnScore)
            .default_weight("WarnScore", 1)
            .build();
        let o = run(registry, PlacementSpec::default());
        assert_eq!(o.run_status.plugin(), "WarnScore");
        assert_eq!(o.run_status.message(), "score warning");
    }

    #[test]
    fn run_status_error_beats_earlier_warning() {
        let registry = default_plugins()
            .filter(probe("Warns", None, Some("careful")))
            .filter(probe(
                "Breaks",
                Some(PluginError::Error("boom".into())),
                None,
            ))
            .build();
        let o = run(registry, PlacementSpec::default());
        assert_eq!(
            o.run_status,
            RunStatus::Error {
                plugin: "Breaks".into(),
                message: "boom".into()
            }
        );
        assert!(o.run_status.is_error());
        assert_eq!(o.run_status.code(), 2);
        assert!(o.decisions.is_empty());
        let satisfied = o.status.condition(crate::conditions::PLACEMENT_SATISFIED);
        assert_eq!(satisfied.map(|c| c.message.as_str()), Some("boom"));
    }

    #[test]
    fn run_status_misconfigured() {
        let registry = default_plugins()
            .filter(probe(
                "Picky",
                Some(PluginError::Misconfigured("bad".into())),
                None,
            ))
            .build();
        let o = run(registry, PlacementSpec::default());
        assert_eq!(
            o.run_status,
            RunStatus::Misconfigured {
                plugin: "Picky".into(),
                message: "bad".into()
            }
        );
        assert!(o.run_status.is_error());
        assert_eq!(o.run_status.code(), 3);

        // A misconfiguration without a plugin (numberOfClusters < 0).
        let spec = PlacementSpec {
            number_of_clusters: Some(-1),
            ..PlacementSpec::default()
        };
        let o = run(default_plugins().build(), spec);
        assert!(matches!(
            &o.run_status,
            RunStatus::Misconfigured { plugin, message }
                if plugin.is_empty() && message.contains("numberOfClusters")
        ));

        // Serde round trip, tagged by the code.
        let json = serde_json::to_value(&o.run_status).unwrap_or_default();
        assert_eq!(json["code"], "Misconfigured");
        let back: RunStatus = serde_json::from_value(json).unwrap_or_default();
        assert_eq!(back, o.run_status);
    }

    #[test]
    fn run_status_unscheduled_is_success() {
        // Fewer clusters than requested is not a failure.
        let spec = PlacementSpec {
            number_of_clusters: Some(3),
            ..PlacementSpec::default()
        };
        let o = run(default_plugins().build(), spec);
        assert_eq!(o.run_status, RunStatus::Success);
        let satisfied = o.status.condition(crate::conditions::PLACEMENT_SATISFIED);
        assert_eq!(
            satisfied.map(|c| c.message.as_str()),
            Some("2 cluster decisions unscheduled")
        );
    }

    #[test]
    fn requeue_after_clamps_past_to_zero() {
        let mut o = run(default_plugins().build(), PlacementSpec::default());
        let t = now();
        o.requeue_at = None;
        assert_eq!(o.requeue_after(t), None);
        o.requeue_at = Some(t + jiff::SignedDuration::from_secs(30));
        assert_eq!(o.requeue_after(t), Some(std::time::Duration::from_secs(30)));
        o.requeue_at = Some(t);
        assert_eq!(o.requeue_after(t), Some(std::time::Duration::ZERO));
        o.requeue_at = Some(t - jiff::SignedDuration::from_secs(30));
        assert_eq!(o.requeue_after(t), Some(std::time::Duration::ZERO));
    }

    #[test]
    fn lengths() {
        assert_eq!(calculate_length(&IntOrString::Int(0), 10), Ok(10));
        assert_eq!(calculate_length(&IntOrString::Int(3), 10), Ok(3));
        assert_eq!(calculate_length(&IntOrString::Int(30), 10), Ok(10));
        assert_eq!(calculate_length(&IntOrString::Int(-1), 10), Ok(10));
        assert_eq!(
            calculate_length(&IntOrString::String("25%".into()), 10),
            Ok(3)
        );
        assert_eq!(
            calculate_length(&IntOrString::String("1_0%".into()), 10),
            Ok(1)
        );
        assert_eq!(
            calculate_length(&IntOrString::String("NaN%".into()), 10),
            Ok(10)
        );
        assert_eq!(
            calculate_length(&IntOrString::String("1e9%".into()), 10),
            Ok(10)
        );
        assert!(calculate_length(&IntOrString::String("3".into()), 10).is_err());
        assert!(calculate_length(&IntOrString::String("x%".into()), 10).is_err());
    }
}
