//! OCM's progressive rollout (sdk-go v1.3.0 `RolloutHandler`) as a pure library: no I/O, no
//! clock, decision-identical to Go.
//!
//! A workload applier (a ManifestWorkReplicaSet, an add-on install strategy, your own controller)
//! asks, on every reconcile: given the rollout strategy, the placement's decision groups and what
//! each cluster reports, which clusters do I touch now? [`get_rollout_clusters`] answers exactly
//! as sdk-go's `RolloutHandler.GetRolloutCluster` does (names snake_cased: `ClustersToRollout` is
//! [`RolloutResult::clusters_to_rollout`], `RecheckTime` is
//! [`ClusterRolloutStatus::recheck_time`], ...). Go's handler reads the groups from a decision
//! tracker and the time from a package-level clock; here both are arguments: the groups as
//! [`DecisionGroup`]s (built from the PlacementDecision pages with
//! [`DecisionGroup::from_decisions`]) and `now`.
//!
//! | item | Go (sdk-go v1.3.0 `pkg/apis/cluster/v1alpha1`) |
//! |---|---|
//! | [`get_rollout_clusters`] | `RolloutHandler.GetRolloutCluster` |
//! | [`DecisionGroup`], [`GroupKey`] | the tracker's `ClusterGroupsMap`, `GroupKey` |
//! | [`ClusterRolloutStatus`], [`RolloutStatus`], [`RolloutResult`] | same names |
//! | [`manifest_work_rollout_status`] | the ManifestWorkReplicaSet controller's `clusterRolloutStatusFunc` (ocm v1.2.1) |
//! | [`RolloutGate`], [`apply_gates`] | — (beyond upstream) |
//! | [`plan_rollout`] | — (beyond upstream) |
//!
//! # A rollout of three groups, step by step
//!
//! ```
//! use jiff::{SignedDuration, Timestamp};
//! use ocm_api::cluster::v1alpha1::{
//!     MandatoryDecisionGroup, MandatoryDecisionGroups, RolloutConfig,
//!     RolloutProgressivePerGroup, RolloutStrategy, RolloutType,
//! };
//! use ocm_client::rollout::{
//!     get_rollout_clusters, plan_rollout, ClusterRolloutStatus, DecisionGroup, RolloutStatus,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Three decision groups: a canary, then two waves.
//! let groups = [
//!     DecisionGroup::new("canary", 0, ["c1"]),
//!     DecisionGroup::new("wave", 1, ["c2", "c3"]),
//!     DecisionGroup::new("wave", 2, ["c4", "c5"]),
//! ];
//! // Group by group; the canary must succeed; each group soaks 30 minutes.
//! let strategy = RolloutStrategy {
//!     type_: Some(RolloutType::ProgressivePerGroup),
//!     progressive_per_group: Some(RolloutProgressivePerGroup {
//!         rollout_config: RolloutConfig {
//!             min_success_time: Some("30m".into()),
//!             progress_deadline: Some("1h".into()),
//!             ..Default::default()
//!         },
//!         mandatory_decision_groups: MandatoryDecisionGroups {
//!             mandatory_decision_groups: Some(vec![MandatoryDecisionGroup {
//!                 group_name: Some("canary".into()),
//!                 ..Default::default()
//!             }]),
//!         },
//!     }),
//!     ..Default::default()
//! };
//! let t0: Timestamp = "2026-01-01T00:00:00Z".parse()?;
//! let names = |r: &ocm_client::rollout::RolloutResult| {
//!     r.clusters_to_rollout.iter().map(|s| s.cluster_name.clone()).collect::<Vec<_>>()
//! };
//!
//! // Step 1: nothing applied yet: start the canary.
//! let (_, step) = get_rollout_clusters(&strategy, &groups, &[], t0)?;
//! assert_eq!(names(&step), ["c1"]);
//! assert_eq!(step.clusters_to_rollout[0].status, RolloutStatus::ToApply);
//!
//! // Step 2: ten minutes later the canary is still progressing: wait for it, and look again
//! // when its progress deadline passes.
//! let c1 = ClusterRolloutStatus::new("c1", RolloutStatus::Progressing).last_transition_time(t0);
//! let now = t0 + SignedDuration::from_mins(10);
//! let (_, step) = get_rollout_clusters(&strategy, &groups, &[c1], now)?;
//! assert_eq!(names(&step), ["c1"]);
//! assert_eq!(step.recheck_after, Some(SignedDuration::from_mins(50)));
//!
//! // Step 3: the canary succeeded at 0:20; at 0:40 it is still soaking.
//! let done = |name: &str, at: Timestamp| {
//!     ClusterRolloutStatus::new(name, RolloutStatus::Succeeded).last_transition_time(at)
//! };
//! let at = t0 + SignedDuration::from_mins(20);
//! let now = t0 + SignedDuration::from_mins(40);
//! let (_, step) = get_rollout_clusters(&strategy, &groups, &[done("c1", at)], now)?;
//! assert_eq!(names(&step), ["c1"]);
//! assert_eq!(step.recheck_after, Some(SignedDuration::from_mins(10)));
//!
//! // Step 4: at 0:50 the soak is over: the first wave starts, both clusters at once.
//! let now = t0 + SignedDuration::from_mins(50);
//! let (_, step) = get_rollout_clusters(&strategy, &groups, &[done("c1", at)], now)?;
//! assert_eq!(names(&step), ["c2", "c3"]);
//!
//! // Step 5: the first wave succeeded and soaked: the second wave starts.
//! let statuses = [done("c1", at), done("c2", at), done("c3", at)];
//! let now = t0 + SignedDuration::from_hours(2);
//! let (_, step) = get_rollout_clusters(&strategy, &groups, &statuses, now)?;
//! assert_eq!(names(&step), ["c4", "c5"]);
//!
//! // The same plan as a dry run (beyond upstream).
//! let plan = plan_rollout(&strategy, &groups)?;
//! assert_eq!(plan.to_string(), "\
//! batch 1: c1 (canary/0)
//! batch 2: c2 (wave/1) c3 (wave/1)
//! batch 3: c4 (wave/2) c5 (wave/2)
//! ");
//! # Ok(())
//! # }
//! ```
//!
//! # Semantics (sdk-go v1.3.0)
//!
//! - **All**: every cluster at once. Progressing and Failed clusters stay in
//!   `clusters_to_rollout` until their `progressDeadline`, then move to `clusters_timeout`.
//!   `maxFailures` and `minSuccessTime` are not used.
//! - **Progressive**: the mandatory decision groups first (group by group, no failure
//!   tolerated, like ProgressivePerGroup), then the other clusters **sorted by name**,
//!   `maxConcurrency` at a time. Existing statuses are walked sorted by cluster name; Failed and
//!   TimeOut ones count against `maxFailures` (a number, or a percentage of all clusters);
//!   once it is exceeded, `max_failure_breach` is set and no new cluster is started.
//! - **ProgressivePerGroup**: the mandatory groups first, then the other groups **in index order**;
//!   a group starts only when every cluster of the groups before it is applied and out of its soak
//!   time; `maxFailures` (a number, or a percentage of the group) applies per group.
//! - `minSuccessTime` (soak): a Succeeded cluster stays in `clusters_to_rollout` (with
//!   `recheck_time` set to the soak's end) while `now` is strictly before
//!   `last_transition_time + minSuccessTime`.
//! - `progressDeadline`: a Progressing or Failed cluster is timed out when `now` is not strictly
//!   before `last_transition_time + progressDeadline` (a missing `last_transition_time` means
//!   `now`). `None` (or empty) is no deadline.
//! - `clusters_removed`: input statuses of clusters no longer in any decision group, in input
//!   order; the other statuses are what the strategy sees.
//! - `recheck_after`: the shortest positive `recheck_time - now` among `clusters_to_rollout`.
//!
//! ## sdk-go's surprises, matched on purpose
//!
//! The Go source is the reference, not its API comments. These look surprising and are
//! reproduced (and checked by the differential test against Go):
//!
//! - **Percentages are floats**: `maxConcurrency` / `maxFailures` percentages are parsed with Go's
//!   `strconv.ParseFloat` (so `"12.5%"`, `"1e1%"`, `"0x1p4%"`, `"1_0%"` and `"Inf%"` are accepted)
//!   and the size is `ceil(p / 100 * total)` in floating point.
//! - **Out-of-range values fall back to the default**: a size `<= 0` or `> total` (`"0%"`,
//!   `"150%"`, `-1`, `0`, NaN) becomes the default: all the clusters for `maxConcurrency`, `0`
//!   for `maxFailures`. So `maxFailures: "100%"` tolerates every failure but `maxFailures: 0%`
//!   tolerates none, and `maxConcurrency` larger than the cluster count means "all at once".
//! - **The `progressDeadline` pattern is anchored on one side only**: sdk-go checks
//!   `^(([0-9])+[h|m|s])|None$`, which accepts any value that *starts* with digits and
//!   `h`, `m`, `s` or `|`, or *ends* with `None`, and then parses it as a Go duration. So `"10ms"`
//!   and `"1h30m"` work, `"1.5h"` is rejected ("invalid timeout format"), `"5m "` fails in
//!   `time.ParseDuration`.
//! - **Strict `Before`**: a deadline reached exactly at `now` has passed; a soak ending exactly at
//!   `now` is over.
//! - **`minSuccessTime` for All is zero**, so a Succeeded cluster whose transition time is in the
//!   future stays in `clusters_to_rollout`.
//! - **ProgressivePerGroup walks indexes `0..n`**, `n` being the number of distinct group
//!   indexes: a group with a negative index, or an index past the count (indexes `0, 2` walk `0, 1`
//!   and never reach group 2), is never rolled out by index (a mandatory group still is).
//! - **A malformed `maxConcurrency` is only an error once the mandatory groups are done**: sdk-go
//!   parses it after the mandatory step returns.
//! - **Progressive's mandatory step reports every applied cluster**: its `clusters_to_rollout`
//!   also lists Progressing / soaking clusters outside the mandatory groups, in input order.
//! - **ProgressivePerGroup's stop rule counts failures**: it moves past a group when
//!   `len(clusters_to_rollout) - failures so far > 0` is false, so a group with as many new
//!   clusters as failures does not hold the next group.
//! - **A breach in ProgressivePerGroup still starts the rest of the breached group**: the group's
//!   clusters without a status are listed as ToApply together with `max_failure_breach` (only
//!   later groups are held). Progressive starts nothing new after a breach.
//! - **`maxFailures` of All is ignored** and **ToApply input statuses keep their `recheck_time`**
//!   (and so count for `recheck_after`).
//! - **A missing strategy type is an error** ("incorrect rollout strategy type"), as in Go, where
//!   only the API server defaults it to All.
//! - **A malformed `minSuccessTime` in any of the three settings is an error**, even one the type
//!   does not use: Go fails to decode such a strategy.
//! - **The group index label** is read with `strconv.Atoi` and truncated to 32 bits
//!   (`"4294967297"` is index 1).
//!
//! Where Go itself is not deterministic this crate picks one answer: statuses with duplicate
//! cluster names are sorted stably (Go's `sort.Slice` is unstable beyond 12 elements); a cluster in
//! several groups belongs to the one with the lowest index, and an index with several names to
//! the greatest name (Go: map order). Times after the year 9999 saturate (jiff's range).
//!
//! # Errors
//!
//! A malformed value is a [`RolloutError`] naming the field (`progressive.maxFailures`, ...);
//! [`RolloutError::go_message`] gives Go's text. Nothing panics on bad input.
//!
//! # Beyond upstream
//!
//! - **Gates** ([`RolloutGate`], [`apply_gates`]): checks of your own (metrics, approvals) on each
//!   finished cluster and group; a `Wait` or `Fail` holds the step's new clusters. sdk-go has no
//!   such hook.
//! - **Dry run** ([`plan_rollout`]): the whole expected rollout, batch by batch, assuming every
//!   cluster succeeds.

mod compute;
mod gates;
mod go_strconv;
mod go_time;
mod groups;
mod parse;
mod plan;
mod strategy;
mod types;
mod work;

pub use gates::{GateDecision, GateSubject, GateVerdict, GatedResult, RolloutGate, apply_gates};
pub use plan::{RolloutPlan, plan_rollout};
pub use strategy::get_rollout_clusters;
pub use types::{ClusterRolloutStatus, DecisionGroup, GroupKey, RolloutResult, RolloutStatus};
pub use work::manifest_work_rollout_status;

/// Why a rollout could not be computed. Each variant names the strategy field at fault;
/// [`RolloutError::go_message`] gives the text Go's sdk-go reports for the same input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RolloutError {
    /// The strategy type is missing (Go's empty string) or unknown.
    #[error(
        "rollout strategy type: expected All, Progressive or ProgressivePerGroup, found {found:?}"
    )]
    StrategyType {
        /// The type found (empty when missing).
        found: String,
    },
    /// A `minSuccessTime` is not a Go duration (Go fails to decode the strategy).
    #[error("{field}: expected a Go duration such as \"90m\", found {value:?}: {reason}")]
    MinSuccessTime {
        /// The field, such as `progressive.minSuccessTime`.
        field: &'static str,
        /// The value found.
        value: String,
        /// Go's error text.
        reason: String,
    },
    /// A `progressDeadline` is neither `None` nor a duration matching sdk-go's pattern.
    #[error("{field}: expected \"None\" or a duration such as \"90m\", found {value:?}: {reason}")]
    ProgressDeadline {
        /// The field, such as `progressive.progressDeadline`.
        field: &'static str,
        /// The value found.
        value: String,
        /// Go's error text.
        reason: String,
    },
    /// A `maxFailures` is neither a number nor a percentage.
    #[error(
        "{field}: expected a number or a percentage such as \"10%\", found {value:?}: {reason}"
    )]
    MaxFailures {
        /// The field, such as `progressive.maxFailures`.
        field: &'static str,
        /// The value found.
        value: String,
        /// Go's error text.
        reason: String,
    },
    /// `progressive.maxConcurrency` is neither a number nor a percentage.
    #[error(
        "progressive.maxConcurrency: expected a number or a percentage such as \"25%\", found {value:?}: {reason}"
    )]
    MaxConcurrency {
        /// The value found.
        value: String,
        /// Go's error text.
        reason: String,
    },
    /// A PlacementDecision's group index label is missing or not an integer.
    #[error(
        "placement decision {decision:?}: label cluster.open-cluster-management.io/decision-group-index: expected an integer: {reason}"
    )]
    GroupIndex {
        /// The PlacementDecision's name.
        decision: String,
        /// Go's error text.
        reason: String,
    },
}

impl RolloutError {
    /// The error text Go (sdk-go v1.3.0, or Go's JSON decoding of the strategy) reports for the
    /// same input.
    pub fn go_message(&self) -> String {
        match self {
            Self::StrategyType { found } => format!("incorrect rollout strategy type {found}"),
            Self::MinSuccessTime { reason, .. } | Self::ProgressDeadline { reason, .. } => {
                reason.clone()
            }
            Self::MaxFailures { reason, .. } => {
                format!("failed to parse the provided maxFailures: {reason}")
            }
            Self::MaxConcurrency { reason, .. } => {
                format!("failed to parse the provided maxConcurrency: {reason}")
            }
            Self::GroupIndex { reason, .. } => format!("incorrect group index: {reason}"),
        }
    }
}
