//! Step 8: the `PlacementMisconfigured` and `PlacementSatisfied` conditions, the run's
//! public status, and the explanation's shortfall.

use super::{Code, Condition, RunStatus, Status};
use crate::explain::Explanation;
use crate::model::Placement;

pub(super) fn condition(type_: &str, status: bool, reason: &str, message: String) -> Condition {
    Condition {
        type_: type_.to_owned(),
        status: if status { "True" } else { "False" }.to_owned(),
        reason: reason.to_owned(),
        message,
    }
}

/// The public form of the run's final status; `warning` counts only when the status is a
/// success (upstream's `finalStatus`).
pub(super) fn run_status(s: &Status, warning: Option<(String, String)>) -> RunStatus {
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
pub(super) fn misconfigured_condition(s: &Status) -> Condition {
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
pub(super) fn satisfied_condition(
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

pub(super) fn shortfall(
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
