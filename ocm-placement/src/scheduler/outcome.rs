//! What a run produces: the outcome, the placement status and its conditions, and the run's
//! status (upstream's framework status).

use crate::explain::Explanation;
use crate::model::PlacementDecision;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

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
