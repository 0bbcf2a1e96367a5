//! Condition types and reasons that OCM sets, and helpers with apimachinery's semantics.
//!
//! The helpers work on `Vec<Condition>` (`metav1.Condition`), the type every OCM status uses, and
//! follow `k8s.io/apimachinery/pkg/api/meta` (`SetStatusCondition`, `FindStatusCondition`,
//! `IsStatusConditionTrue`, …): `lastTransitionTime` changes only when the status changes.
//!
//! ```
//! use ocm_api::conditions::{self, reasons};
//!
//! let mut status_conditions = Vec::new();
//! conditions::set(
//!     &mut status_conditions,
//!     conditions::new(conditions::PLACEMENT_SATISFIED, conditions::status::TRUE,
//!         reasons::ALL_DECISIONS_SCHEDULED, "All cluster decisions scheduled"),
//! );
//! assert!(conditions::is_true(&status_conditions, conditions::PLACEMENT_SATISFIED));
//! ```

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::jiff::Timestamp;

/// Values of `Condition.status`.
pub mod status {
    /// The condition holds.
    pub const TRUE: &str = "True";
    /// The condition does not hold.
    pub const FALSE: &str = "False";
    /// It is not known whether the condition holds.
    pub const UNKNOWN: &str = "Unknown";
}

// ManagedCluster (cluster.open-cluster-management.io/v1)
/// `ManagedCluster`: the agent has joined the hub. Go: `ManagedClusterConditionJoined`.
pub const MANAGED_CLUSTER_JOINED: &str = "ManagedClusterJoined";
/// `ManagedCluster`: the hub admin accepted the cluster. Go: `ManagedClusterConditionHubAccepted`.
pub const MANAGED_CLUSTER_HUB_ACCEPTED: &str = "HubAcceptedManagedCluster";
/// `ManagedCluster`: declared upstream but unused; denial is `HubAcceptedManagedCluster=False`.
pub const MANAGED_CLUSTER_HUB_DENIED: &str = "HubDeniedManagedCluster";
/// `ManagedCluster`: the cluster is available. Go: `ManagedClusterConditionAvailable`.
pub const MANAGED_CLUSTER_AVAILABLE: &str = "ManagedClusterConditionAvailable";
/// `ManagedCluster`: the agent's clock is in sync with the hub's.
pub const MANAGED_CLUSTER_CLOCK_SYNCED: &str = "ManagedClusterConditionClockSynced";
/// `ManagedCluster`: the cluster is being deleted. Go: `ManagedClusterConditionDeleting`.
pub const MANAGED_CLUSTER_DELETING: &str = "Deleting";

// Cluster sets (v1beta2)
/// `ManagedClusterSet`: no cluster is in the set. Go: `ManagedClusterSetConditionEmpty`.
pub const MANAGED_CLUSTER_SET_EMPTY: &str = "ClusterSetEmpty";
/// `ManagedClusterSetBinding`: the bound set exists. Go: `ClusterSetBindingBoundType`.
pub const CLUSTER_SET_BINDING_BOUND: &str = "Bound";

// Placement (v1beta1)
/// `Placement`: all requested decisions are scheduled. Go: `PlacementConditionSatisfied`.
pub const PLACEMENT_SATISFIED: &str = "PlacementSatisfied";
/// `Placement`: the placement is misconfigured. Go: `PlacementConditionMisconfigured`.
pub const PLACEMENT_MISCONFIGURED: &str = "PlacementMisconfigured";

// ManifestWork (work.open-cluster-management.io/v1), work-level and per manifest
/// `ManifestWork` and each manifest: applied on the managed cluster. Go: `WorkApplied`.
pub const WORK_APPLIED: &str = "Applied";
/// `ManifestWork` and each manifest: the resources exist. Go: `WorkAvailable`.
pub const WORK_AVAILABLE: &str = "Available";
/// `ManifestWork` and each manifest (condition rules): in progress. Go: `WorkProgressing`.
pub const WORK_PROGRESSING: &str = "Progressing";
/// `ManifestWork` and each manifest (condition rules): degraded. Go: `WorkDegraded`.
pub const WORK_DEGRADED: &str = "Degraded";
/// `ManifestWork` and each manifest (condition rules): complete. Go: `WorkComplete`.
pub const WORK_COMPLETE: &str = "Complete";
/// `ManifestWork`: being deleted. Go: `WorkDeleting`.
pub const WORK_DELETING: &str = "Deleting";
/// `ManifestWork`: every manifest is complete. Go: `WorkManifestsComplete`.
pub const WORK_MANIFESTS_COMPLETE: &str = "ManifestsComplete";
/// Per manifest: status feedback was synced.
pub const MANIFEST_STATUS_FEEDBACK_SYNCED: &str = "StatusFeedbackSynced";

// ManifestWorkReplicaSet (work v1alpha1)
/// `ManifestWorkReplicaSet`: its placements were found.
pub const MANIFEST_WORK_REPLICA_SET_PLACEMENT_VERIFIED: &str = "PlacementVerified";
/// `ManifestWorkReplicaSet`: rollout over its placements is done.
pub const MANIFEST_WORK_REPLICA_SET_PLACEMENT_ROLLED_OUT: &str = "PlacementRolledOut";
/// `ManifestWorkReplicaSet`: its ManifestWorks are applied (upstream's spelling).
pub const MANIFEST_WORK_REPLICA_SET_MANIFESTWORK_APPLIED: &str = "ManifestworkApplied";

// ManagedClusterAddOn (addon v1alpha1 and v1beta1)
/// `ManagedClusterAddOn`: the add-on agent is available.
pub const ADDON_AVAILABLE: &str = "Available";
/// `ManagedClusterAddOn`: the add-on is degraded.
pub const ADDON_DEGRADED: &str = "Degraded";
/// `ManagedClusterAddOn`: the add-on's configs are set (deprecated upstream).
pub const ADDON_CONFIGURED: &str = "Configured";
/// `ManagedClusterAddOn`: an install or upgrade is in progress.
pub const ADDON_PROGRESSING: &str = "Progressing";
/// `ManagedClusterAddOn`: the add-on's manifests were applied.
pub const ADDON_MANIFEST_APPLIED: &str = "ManifestApplied";
/// `ManagedClusterAddOn`: the pre-delete hook completed.
pub const ADDON_HOOK_MANIFEST_COMPLETED: &str = "HookManifestCompleted";
/// `ManagedClusterAddOn` (hosted mode): manifests applied on the hosting cluster.
pub const ADDON_HOSTING_MANIFEST_APPLIED: &str = "HostingManifestApplied";
/// `ManagedClusterAddOn` (hosted mode): the hosting cluster is valid.
pub const ADDON_HOSTING_CLUSTER_VALIDITY: &str = "HostingClusterValidity";
/// `ManagedClusterAddOn`: the add-on's registrations (CSR, RBAC) were applied.
pub const ADDON_REGISTRATION_APPLIED: &str = "RegistrationApplied";

// Operator (operator v1)
/// `ClusterManager` and `Klusterlet`: the operator applied its resources.
pub const OPERATOR_APPLIED: &str = "Applied";
/// `ClusterManager` and `Klusterlet`: a rollout is in progress.
pub const OPERATOR_PROGRESSING: &str = "Progressing";
/// `ClusterManager`: hub registration is degraded.
pub const CLUSTER_MANAGER_HUB_REGISTRATION_DEGRADED: &str = "HubRegistrationDegraded";
/// `ClusterManager`: hub placement is degraded.
pub const CLUSTER_MANAGER_HUB_PLACEMENT_DEGRADED: &str = "HubPlacementDegraded";
/// `ClusterManager`: storage version migration succeeded.
pub const CLUSTER_MANAGER_MIGRATION_SUCCEEDED: &str = "MigrationSucceeded";
/// `Klusterlet`: ready to apply (hosted mode).
pub const KLUSTERLET_READY_TO_APPLY: &str = "ReadyToApply";
/// `Klusterlet`: the agents are available.
pub const KLUSTERLET_AVAILABLE: &str = "Available";
/// `Klusterlet`: the connection to the hub is degraded.
pub const KLUSTERLET_HUB_CONNECTION_DEGRADED: &str = "HubConnectionDegraded";
/// `Klusterlet`: the registration agent's desired state is degraded.
pub const KLUSTERLET_REGISTRATION_DESIRED_DEGRADED: &str = "RegistrationDesiredDegraded";
/// `Klusterlet`: the work agent's desired state is degraded.
pub const KLUSTERLET_WORK_DESIRED_DEGRADED: &str = "WorkDesiredDegraded";

/// Reasons that OCM's controllers put on the conditions above.
pub mod reasons {
    // ManagedCluster
    /// `HubAcceptedManagedCluster=True`.
    pub const HUB_CLUSTER_ADMIN_ACCEPTED: &str = "HubClusterAdminAccepted";
    /// `HubAcceptedManagedCluster=False`: the admin set `hubAcceptsClient: false`.
    pub const HUB_CLUSTER_ADMIN_DENIED: &str = "HubClusterAdminDenied";
    /// `HubAcceptedManagedCluster=False`: the hub failed to set up the cluster.
    pub const ERROR: &str = "Error";
    /// `ManagedClusterJoined=True`.
    pub const MANAGED_CLUSTER_JOINED: &str = "ManagedClusterJoined";
    /// `ManagedClusterConditionAvailable=True`.
    pub const MANAGED_CLUSTER_AVAILABLE: &str = "ManagedClusterAvailable";
    /// `ManagedClusterConditionAvailable=False`: the cluster's apiserver is unhealthy.
    pub const MANAGED_CLUSTER_KUBE_APISERVER_UNAVAILABLE: &str =
        "ManagedClusterKubeAPIServerUnavailable";
    /// `ManagedClusterConditionAvailable=Unknown`: the agent's lease expired.
    pub const MANAGED_CLUSTER_LEASE_UPDATE_STOPPED: &str = "ManagedClusterLeaseUpdateStopped";
    /// `ManagedClusterConditionClockSynced=True`.
    pub const MANAGED_CLUSTER_CLOCK_SYNCED: &str = "ManagedClusterClockSynced";
    /// `ManagedClusterConditionClockSynced=False`.
    pub const MANAGED_CLUSTER_CLOCK_OUT_OF_SYNC: &str = "ManagedClusterClockOutOfSync";
    /// `Deleting`: resources remain in the cluster namespace.
    pub const DELETING_RESOURCE_REMAINING: &str = "ResourceRemaining";
    /// `Deleting`: no resources remain.
    pub const DELETING_NO_RESOURCE: &str = "NoResource";
    /// `Deleting`: cleanup failed.
    pub const DELETING_ERROR: &str = "DeletingError";

    // ManagedClusterSet
    /// `ClusterSetEmpty=False`.
    pub const CLUSTERS_SELECTED: &str = "ClustersSelected";
    /// `ClusterSetEmpty=True`.
    pub const NO_CLUSTER_MATCHED: &str = "NoClusterMatched";

    // Placement
    /// `PlacementSatisfied=False`: no binding in the placement's namespace.
    pub const NO_MANAGED_CLUSTER_SET_BINDINGS: &str = "NoManagedClusterSetBindings";
    /// `PlacementSatisfied=False`: none of `spec.clusterSets` is bound.
    pub const NO_INTERSECTION: &str = "NoIntersection";
    /// `PlacementSatisfied=False`: the eligible sets have no clusters.
    pub const ALL_MANAGED_CLUSTER_SETS_EMPTY: &str = "AllManagedClusterSetsEmpty";
    /// `PlacementSatisfied=False`: no cluster passed the filters.
    pub const NO_MANAGED_CLUSTER_MATCHED: &str = "NoManagedClusterMatched";
    /// `PlacementSatisfied=True`.
    pub const ALL_DECISIONS_SCHEDULED: &str = "AllDecisionsScheduled";
    /// `PlacementSatisfied=False`: fewer clusters than requested, or a scheduling error.
    pub const NOT_ALL_DECISIONS_SCHEDULED: &str = "NotAllDecisionsScheduled";
    /// `PlacementMisconfigured=True`.
    pub const MISCONFIGURED: &str = "Misconfigured";
    /// `PlacementMisconfigured=False` (upstream's spelling).
    pub const SUCCEED_CONFIGURED: &str = "Succeedconfigured";

    // ManifestWork
    /// Work `Applied=True`.
    pub const APPLIED_MANIFEST_WORK_COMPLETE: &str = "AppliedManifestWorkComplete";
    /// Work `Applied=False`.
    pub const APPLIED_MANIFEST_WORK_FAILED: &str = "AppliedManifestWorkFailed";
    /// Work `Available=True`.
    pub const RESOURCES_AVAILABLE: &str = "ResourcesAvailable";
    /// Work `Available=False`.
    pub const RESOURCES_NOT_AVAILABLE: &str = "ResourcesNotAvailable";
    /// Work `Available=Unknown`.
    pub const RESOURCES_STATUS_UNKNOWN: &str = "ResourcesStatusUnknown";
    /// Work `Deleting=True`.
    pub const WORK_DELETING: &str = "WorkDeleting";
    /// Manifest `Applied=True`.
    pub const APPLIED_MANIFEST_COMPLETE: &str = "AppliedManifestComplete";
    /// Manifest `Applied=False`.
    pub const APPLIED_MANIFEST_FAILED: &str = "AppliedManifestFailed";
    /// Manifest `Applied=False`: server-side apply with ignored fields failed.
    pub const APPLIED_MANIFEST_SSA_IGNORE_FIELD_ERROR: &str = "AppliedManifestSSAIgnoreFieldError";
    /// Manifest `Available=True`.
    pub const RESOURCE_AVAILABLE: &str = "ResourceAvailable";
    /// Manifest `Available=False`.
    pub const RESOURCE_NOT_AVAILABLE: &str = "ResourceNotAvailable";
    /// Work-level condition aggregated from condition rules.
    pub const CONDITION_RULES_AGGREGATED: &str = "ConditionRulesAggregated";
    /// Condition rule evaluated.
    pub const CONDITION_RULE_EVALUATED: &str = "ConditionRuleEvaluated";
    /// Condition rule invalid.
    pub const CONDITION_RULE_INVALID: &str = "ConditionRuleInvalid";
    /// Condition rule expression failed.
    pub const CONDITION_RULE_EXPRESSION_ERROR: &str = "ConditionRuleExpressionError";
    /// Condition rule internal error.
    pub const CONDITION_RULE_INTERNAL_ERROR: &str = "ConditionRuleInternalError";
    /// Work `Progressing`: applying.
    pub const WORK_APPLYING: &str = "Applying";
    /// Work `Progressing`: completed.
    pub const WORK_COMPLETED: &str = "Completed";
    /// Work `Progressing`: failed.
    pub const WORK_FAILED: &str = "Failed";

    // ManifestWorkReplicaSet
    /// MWRS: a placement's decision was not found.
    pub const PLACEMENT_DECISION_NOT_FOUND: &str = "PlacementDecisionNotFound";
    /// MWRS: a placement's decision is empty.
    pub const PLACEMENT_DECISION_EMPTY: &str = "PlacementDecisionEmpty";
    /// MWRS: as expected.
    pub const AS_EXPECTED: &str = "AsExpected";
    /// MWRS: processing.
    pub const PROCESSING: &str = "Processing";
    /// MWRS: not as expected.
    pub const NOT_AS_EXPECTED: &str = "NotAsExpected";
    /// MWRS and add-ons: progressing.
    pub const PROGRESSING: &str = "Progressing";
    /// MWRS: complete.
    pub const COMPLETE: &str = "Complete";

    // ManagedClusterAddOn
    /// Add-on `Available`: no ManifestWork found.
    pub const ADDON_WORK_NOT_FOUND: &str = "WorkNotFound";
    /// Add-on `Available`: the ManifestWork failed to apply.
    pub const ADDON_WORK_APPLY_FAILED: &str = "WorkApplyFailed";
    /// Add-on `Available`: the ManifestWork is not applied yet.
    pub const ADDON_WORK_NOT_APPLIED: &str = "WorkNotApplied";
    /// Add-on `Available`: the ManifestWork is applied.
    pub const ADDON_WORK_APPLIED: &str = "WorkApplied";
    /// Add-on `Available`: no probe result yet.
    pub const ADDON_NO_PROBE_RESULT: &str = "NoProbeResult";
    /// Add-on `Available=False`: the probe failed.
    pub const ADDON_PROBE_UNAVAILABLE: &str = "ProbeUnavailable";
    /// Add-on `Available=True`: the probe passed.
    pub const ADDON_PROBE_AVAILABLE: &str = "ProbeAvailable";
    /// Add-on `Available=False`: the lease stopped being updated.
    pub const ADDON_LEASE_UPDATE_STOPPED: &str = "ManagedClusterAddOnLeaseUpdateStopped";
    /// Add-on `Available=Unknown`: no lease found.
    pub const ADDON_LEASE_NOT_FOUND: &str = "ManagedClusterAddOnLeaseNotFound";
    /// Add-on `Available=True`: the lease is updated.
    pub const ADDON_LEASE_UPDATED: &str = "ManagedClusterAddOnLeaseUpdated";
    /// Add-on `ManifestApplied=False`: the ManifestWork failed to apply.
    pub const ADDON_MANIFEST_WORK_APPLY_FAILED: &str = "ManifestWorkApplyFailed";
    /// Add-on `ManifestApplied=True`.
    pub const ADDON_MANIFEST_APPLIED: &str = "AddonManifestApplied";
    /// Add-on `ManifestApplied=False`.
    pub const ADDON_MANIFEST_APPLIED_FAILED: &str = "AddonManifestAppliedFailed";
    /// Add-on `HostingClusterValidity=True`.
    pub const HOSTING_CLUSTER_VALID: &str = "HostingClusterValid";
    /// Add-on `HostingClusterValidity=False`.
    pub const HOSTING_CLUSTER_INVALID: &str = "HostingClusterInvalid";
    /// Add-on `Progressing=False`: done.
    pub const ADDON_COMPLETED: &str = "Completed";
    /// Add-on `Progressing=False`: failed.
    pub const ADDON_FAILED: &str = "Failed";
    /// Add-on `Progressing`: waiting for the canary group.
    pub const ADDON_WAITING_FOR_CANARY: &str = "WaitingForCanary";
    /// Add-on `Progressing`: a config is not supported.
    pub const ADDON_CONFIGURATION_UNSUPPORTED: &str = "ConfigurationUnsupported";
    /// Add-on `RegistrationApplied`: no registration.
    pub const ADDON_NIL_REGISTRATION: &str = "NilRegistration";
    /// Add-on `RegistrationApplied=False`.
    pub const ADDON_SET_PERMISSION_FAILED: &str = "SetPermissionFailed";
    /// Add-on `RegistrationApplied=True`.
    pub const ADDON_SET_PERMISSION_APPLIED: &str = "SetPermissionApplied";
    /// Add-on `RegistrationApplied=False`: the add-on framework waits for permission config.
    pub const ADDON_PERMISSION_CONFIG_PENDING: &str = "PermissionConfigPending";
}

/// Builds a condition with `lastTransitionTime` set to now.
pub fn new(
    type_: impl Into<String>,
    status: impl Into<String>,
    reason: impl Into<String>,
    message: impl Into<String>,
) -> Condition {
    Condition {
        type_: type_.into(),
        status: status.into(),
        reason: reason.into(),
        message: message.into(),
        observed_generation: None,
        last_transition_time: Time(Timestamp::now()),
    }
}

/// The condition of type `type_`, if present.
pub fn find<'a>(conditions: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Whether the condition of type `type_` is present with status `True`.
pub fn is_true(conditions: &[Condition], type_: &str) -> bool {
    has_status(conditions, type_, status::TRUE)
}

/// Whether the condition of type `type_` is present with status `False`.
pub fn is_false(conditions: &[Condition], type_: &str) -> bool {
    has_status(conditions, type_, status::FALSE)
}

/// Whether the condition of type `type_` is present with status `status`.
pub fn has_status(conditions: &[Condition], type_: &str, status: &str) -> bool {
    find(conditions, type_).is_some_and(|c| c.status == status)
}

/// Sets `new` in `conditions` as apimachinery's `meta.SetStatusCondition` does, and says whether
/// anything changed.
///
/// A condition of a new type is appended as given. For an existing type, `status`, `reason`,
/// `message` and `observedGeneration` are copied; `lastTransitionTime` is taken from `new` only
/// when the status changes, so build `new` with the current time (see [`new`]).
pub fn set(conditions: &mut Vec<Condition>, new: Condition) -> bool {
    let Some(existing) = conditions.iter_mut().find(|c| c.type_ == new.type_) else {
        conditions.push(new);
        return true;
    };
    let mut changed = false;
    if existing.status != new.status {
        existing.status = new.status;
        existing.last_transition_time = new.last_transition_time;
        changed = true;
    }
    if existing.reason != new.reason {
        existing.reason = new.reason;
        changed = true;
    }
    if existing.message != new.message {
        existing.message = new.message;
        changed = true;
    }
    if existing.observed_generation != new.observed_generation {
        existing.observed_generation = new.observed_generation;
        changed = true;
    }
    changed
}

/// Removes the condition of type `type_`, and says whether one was there.
pub fn remove(conditions: &mut Vec<Condition>, type_: &str) -> bool {
    let before = conditions.len();
    conditions.retain(|c| c.type_ != type_);
    conditions.len() != before
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(type_: &str, status: &str, reason: &str, secs: i64) -> Condition {
        let mut c = new(type_, status, reason, "m");
        c.last_transition_time = Time(Timestamp::from_second(secs).unwrap());
        c
    }

    #[test]
    fn set_appends_new_types() {
        let mut cs = Vec::new();
        assert!(set(&mut cs, at("A", status::TRUE, "R", 1)));
        assert!(set(&mut cs, at("B", status::FALSE, "R", 2)));
        assert_eq!(cs.len(), 2);
        assert!(is_true(&cs, "A"));
        assert!(is_false(&cs, "B"));
        assert!(!is_true(&cs, "C") && !is_false(&cs, "C"));
    }

    #[test]
    fn transition_time_changes_only_with_status() {
        let mut cs = vec![at("A", status::TRUE, "R1", 10)];
        // Same status, other reason: reason changes, time stays.
        assert!(set(&mut cs, at("A", status::TRUE, "R2", 20)));
        assert_eq!(cs[0].reason, "R2");
        assert_eq!(cs[0].last_transition_time.0.as_second(), 10);
        // Identical again: nothing changes.
        assert!(!set(&mut cs, at("A", status::TRUE, "R2", 30)));
        assert_eq!(cs[0].last_transition_time.0.as_second(), 10);
        // Status flips: time taken from the new condition.
        assert!(set(&mut cs, at("A", status::FALSE, "R2", 40)));
        assert_eq!(cs[0].last_transition_time.0.as_second(), 40);
        assert_eq!(cs.len(), 1);
    }

    #[test]
    fn observed_generation_is_copied() {
        let mut cs = vec![at("A", status::TRUE, "R", 1)];
        let mut c = at("A", status::TRUE, "R", 2);
        c.observed_generation = Some(3);
        assert!(set(&mut cs, c));
        assert_eq!(cs[0].observed_generation, Some(3));
    }

    #[test]
    fn remove_and_find() {
        let mut cs = vec![
            at("A", status::TRUE, "R", 1),
            at("B", status::UNKNOWN, "R", 1),
        ];
        assert!(has_status(&cs, "B", status::UNKNOWN));
        assert!(remove(&mut cs, "A"));
        assert!(!remove(&mut cs, "A"));
        assert!(find(&cs, "A").is_none());
        assert_eq!(
            find(&cs, "B").map(|c| c.status.as_str()),
            Some(status::UNKNOWN)
        );
    }
}
