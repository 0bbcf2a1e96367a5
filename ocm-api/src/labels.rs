//! Well-known label keys that OCM reads and writes.
//!
//! ```
//! use ocm_api::labels;
//! assert_eq!(labels::PLACEMENT, "cluster.open-cluster-management.io/placement");
//! ```

/// Identifies the managed cluster an object belongs to (CSRs, cluster namespaces, RBAC and leases
/// on the hub). Go: `ClusterNameLabelKey`.
pub const CLUSTER_NAME: &str = "open-cluster-management.io/cluster-name";

/// Exclusive `ManagedClusterSet` membership of a `ManagedCluster`: the value is the set name.
/// Changing it requires `create` on `managedclustersets/join` for the old and the new set.
/// Go: `ClusterSetLabel`.
pub const CLUSTER_SET: &str = "cluster.open-cluster-management.io/clusterset";

/// Name of the `Placement` that owns a `PlacementDecision`. Go: `PlacementLabel`.
pub const PLACEMENT: &str = "cluster.open-cluster-management.io/placement";

/// Decision group index of a `PlacementDecision`, as a decimal string starting at `"0"`.
/// Go: `DecisionGroupIndexLabel`.
pub const DECISION_GROUP_INDEX: &str = "cluster.open-cluster-management.io/decision-group-index";

/// Decision group name of a `PlacementDecision` (`""` for groups that were not named).
/// Go: `DecisionGroupNameLabel`.
pub const DECISION_GROUP_NAME: &str = "cluster.open-cluster-management.io/decision-group-name";

/// Add-on name on CSRs, ManifestWorks and RBAC created for an add-on. Go: `AddonLabelKey`.
pub const ADDON_NAME: &str = "open-cluster-management.io/addon-name";

/// Add-on install namespace on objects created for an add-on. Go: `AddonNamespaceLabelKey`.
pub const ADDON_NAMESPACE: &str = "open-cluster-management.io/addon-namespace";

/// Deprecated label form of [`crate::annotations::ADDON_PRE_DELETE_HOOK`], still honoured by
/// the v1alpha1 add-on framework. Go: `AddonPreDeleteHookLabelKey`.
pub const ADDON_PRE_DELETE_HOOK_DEPRECATED: &str = "open-cluster-management.io/addon-pre-delete";

/// Deprecated label form of [`crate::annotations::HOSTED_MANIFEST_LOCATION`].
/// Go: `HostedManifestLocationLabelKey`.
pub const HOSTED_MANIFEST_LOCATION_DEPRECATED: &str =
    "addon.open-cluster-management.io/hosted-manifest-location";

/// Name of the `ManifestWorkReplicaSet` (as `<namespace>.<name>`) that owns a `ManifestWork`.
/// Go: `ManifestWorkReplicaSetControllerNameLabelKey`.
pub const MANIFEST_WORK_REPLICA_SET: &str =
    "work.open-cluster-management.io/manifestworkreplicaset";

/// Name of the placement through which a `ManifestWorkReplicaSet` created a `ManifestWork`.
/// Go: `ManifestWorkReplicaSetPlacementNameLabelKey`.
pub const MANIFEST_WORK_REPLICA_SET_PLACEMENT_NAME: &str =
    "work.open-cluster-management.io/placementname";

/// On a `ClusterClaim`: the claim stays on the managed cluster and is not reported to the hub.
/// Defined in the ocm registration agent, not in the api module.
pub const SPOKE_ONLY: &str = "open-cluster-management.io/spoke-only";
