//! Short constructors for the `ocm_api::work::v1` rule types a manifest config holds.
//!
//! They return upstream's types unchanged; build the structs directly for anything not covered.

use ocm_api::work::v1::{
    ConditionRule, ConditionRuleType, FeedBackType, FeedbackRule, JsonPath, ServerSideApplyConfig,
    UpdateStrategy, UpdateStrategyType,
};

/// The agent's built-in status fields for Deployments, DaemonSets, Jobs and Pods
/// (`ReadyReplicas`, `Replicas`, `AvailableReplicas`, `JobComplete`, …).
pub fn well_known_status() -> FeedbackRule {
    FeedbackRule {
        type_: FeedBackType::WellKnownStatus,
        json_paths: Vec::new(),
    }
}

/// JSONPaths as `(name, path)` pairs.
///
/// The Go agent (ocm v1.2.1, `statusfeedback/reader.go`) evaluates each path against the
/// **whole object** — `.spec.replicas`, `.data.key` and `.status.readyReplicas` all work,
/// whatever upstream's API comment says about `.status` — and reports the first result if it is
/// an integer, string or boolean; lists and objects are reported (as `JsonRaw`) only with the
/// agent's `RawFeedbackJsonString` feature gate, otherwise the manifest's
/// `StatusFeedbackSynced` condition turns false. A path that finds nothing reports nothing.
pub fn json_paths<N, P>(paths: impl IntoIterator<Item = (N, P)>) -> FeedbackRule
where
    N: Into<String>,
    P: Into<String>,
{
    FeedbackRule {
        type_: FeedBackType::JsonPaths,
        json_paths: paths
            .into_iter()
            .map(|(name, path)| JsonPath {
                name: name.into(),
                version: None,
                path: path.into(),
            })
            .collect(),
    }
}

/// Update with an update call (the agent's default).
pub fn update() -> UpdateStrategy {
    strategy(UpdateStrategyType::Update)
}

/// Create if missing, never update.
pub fn create_only() -> UpdateStrategy {
    strategy(UpdateStrategyType::CreateOnly)
}

/// Only check that the resource exists (status feedback still works).
pub fn read_only() -> UpdateStrategy {
    strategy(UpdateStrategyType::ReadOnly)
}

/// Server-side apply by the agent (field manager `work-agent`, not forced).
pub fn server_side_apply() -> UpdateStrategy {
    UpdateStrategy {
        type_: UpdateStrategyType::ServerSideApply,
        server_side_apply: Some(ServerSideApplyConfig::default()),
    }
}

/// A condition rule with the agent's built-in rules (e.g. `Complete` for a finished Job).
pub fn well_known_conditions(condition: impl Into<String>) -> ConditionRule {
    ConditionRule {
        condition: condition.into(),
        type_: ConditionRuleType::WellKnownConditions,
        cel_expressions: Vec::new(),
        message: String::new(),
        message_expression: String::new(),
    }
}

/// A condition rule true when every CEL expression (over `object`) is.
pub fn cel<E: Into<String>>(
    condition: impl Into<String>,
    expressions: impl IntoIterator<Item = E>,
) -> ConditionRule {
    ConditionRule {
        condition: condition.into(),
        type_: ConditionRuleType::Cel,
        cel_expressions: expressions.into_iter().map(Into::into).collect(),
        message: String::new(),
        message_expression: String::new(),
    }
}

fn strategy(type_: UpdateStrategyType) -> UpdateStrategy {
    UpdateStrategy {
        type_,
        server_side_apply: None,
    }
}
