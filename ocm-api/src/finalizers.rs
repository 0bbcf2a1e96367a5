//! Well-known finalizers that OCM puts on objects.

/// On a `ManagedCluster`: the hub cleans up the cluster's resources first.
/// Go: `ManagedClusterFinalizer`.
pub const MANAGED_CLUSTER_API_RESOURCE_CLEANUP: &str =
    "cluster.open-cluster-management.io/api-resource-cleanup";

/// On a `ManifestWork` (and the work agent's RoleBinding): the agent removes the applied
/// resources first. Go: `ManifestWorkFinalizer`.
pub const MANIFEST_WORK_CLEANUP: &str = "cluster.open-cluster-management.io/manifest-work-cleanup";

/// On an `AppliedManifestWork`. Go: `AppliedManifestWorkFinalizer`.
pub const APPLIED_MANIFEST_WORK_CLEANUP: &str =
    "cluster.open-cluster-management.io/applied-manifest-work-cleanup";

/// On a `ManifestWorkReplicaSet`: its `ManifestWork`s are deleted first.
/// Go: `ManifestWorkReplicaSetFinalizer`.
pub const MANIFEST_WORK_REPLICA_SET_CLEANUP: &str =
    "work.open-cluster-management.io/manifest-work-cleanup";

/// On a `ManagedClusterAddOn`: pre-delete hooks run first. Go: `AddonPreDeleteHookFinalizer`.
pub const ADDON_PRE_DELETE: &str = "addon.open-cluster-management.io/addon-pre-delete";

/// On a hosted `ManagedClusterAddOn`: pre-delete hooks on the hosting cluster run first.
/// Go: `AddonHostingPreDeleteHookFinalizer`.
pub const ADDON_HOSTING_PRE_DELETE: &str =
    "addon.open-cluster-management.io/hosting-addon-pre-delete";

/// On a hosted `ManagedClusterAddOn`: manifests on the hosting cluster are removed first.
/// Go: `AddonHostingManifestFinalizer`.
pub const ADDON_HOSTING_MANIFESTS_CLEANUP: &str =
    "addon.open-cluster-management.io/hosting-manifests-cleanup";

/// Deprecated form of [`ADDON_PRE_DELETE`]; still removed by upstream.
pub const ADDON_PRE_DELETE_DEPRECATED: &str = "cluster.open-cluster-management.io/addon-pre-delete";

/// Deprecated form of [`ADDON_HOSTING_PRE_DELETE`].
pub const ADDON_HOSTING_PRE_DELETE_DEPRECATED: &str =
    "cluster.open-cluster-management.io/hosting-addon-pre-delete";

/// Deprecated form of [`ADDON_HOSTING_MANIFESTS_CLEANUP`].
pub const ADDON_HOSTING_MANIFESTS_CLEANUP_DEPRECATED: &str =
    "cluster.open-cluster-management.io/hosting-manifests-cleanup";
