//! Well-known annotation keys (and their values) that OCM reads and writes.

/// On a `ManagedCluster`: image registry mirrors as JSON
/// `{"registries":[{"source":"…","mirrors":"…"}]}`. Go: `ClusterImageRegistriesAnnotationKey`.
pub const IMAGE_REGISTRIES: &str = "open-cluster-management.io/image-registries";

/// On an object in a cluster namespace: cleanup priority (0..=100) when the cluster is deleted.
/// Go: `CleanupPriorityAnnotationKey`.
pub const CLEANUP_PRIORITY: &str = "open-cluster-management.io/cleanup-priority";

/// On a `ManagedCluster`: set by the hub when the cluster was accepted by auto-approval.
/// Defined in the ocm registration hub.
pub const AUTOMATICALLY_ACCEPTED_ON: &str = "open-cluster-management.io/automatically-accepted-on";

/// On a `ManagedCluster`: `"true"` makes the hub report `ManagedClusterConditionClockSynced=True`
/// without checking. Defined in the ocm registration hub.
pub const SKIP_CLOCK_SYNC_CHECK: &str =
    "registration.open-cluster-management.io/skip-clock-sync-check";

/// On the `default` and `global` `ManagedClusterSet`s: `"false"` stops the hub from reconciling
/// them. Defined in the ocm registration hub.
pub const CLUSTER_SET_AUTO_UPDATE: &str = "cluster.open-cluster-management.io/autoupdate";

/// Prefix of the `ManagedCluster` annotations that a klusterlet may set from
/// `registrationConfiguration.clusterAnnotations`. Go: `ClusterAnnotationsKeyPrefix`.
pub const CLUSTER_ANNOTATIONS_PREFIX: &str = "agent.open-cluster-management.io";

/// On a `Placement`: `"true"` makes the scheduler skip it. Go: `PlacementDisableAnnotation`.
pub const EXPERIMENTAL_SCHEDULING_DISABLE: &str =
    "cluster.open-cluster-management.io/experimental-scheduling-disable";

/// On a `ClusterManagementAddOn`: who manages the add-on's lifecycle; values in
/// [`addon_lifecycle`]. Go: `AddonLifecycleAnnotationKey`.
pub const ADDON_LIFECYCLE: &str = "addon.open-cluster-management.io/lifecycle";

/// Values of [`ADDON_LIFECYCLE`].
pub mod addon_lifecycle {
    /// The hub's addon-manager installs the add-on following `spec.installStrategy`.
    pub const ADDON_MANAGER: &str = "addon-manager";
    /// The add-on's own manager installs it.
    pub const SELF: &str = "self";
}

/// On a `ManagedCluster`: disables automatic installation of add-ons.
/// Go: `DisableAddonAutomaticInstallationAnnotationKey`.
pub const DISABLE_ADDON_AUTOMATIC_INSTALLATION: &str =
    "addon.open-cluster-management.io/disable-automatic-installation";

/// On an add-on manifest: the manifest is a pre-delete hook, run before the add-on is removed.
/// Go: `AddonPreDeleteHookAnnotationKey`.
pub const ADDON_PRE_DELETE_HOOK: &str = "addon.open-cluster-management.io/addon-pre-delete";

/// On a `ManagedClusterAddOn`: the add-on runs in hosted mode on this hosting cluster.
/// Go: `HostingClusterNameAnnotationKey`.
pub const HOSTING_CLUSTER_NAME: &str = "addon.open-cluster-management.io/hosting-cluster-name";

/// On an add-on manifest: the resource is orphaned, not deleted, when the add-on is removed.
/// Go: `DeletionOrphanAnnotationKey`.
pub const DELETION_ORPHAN: &str = "addon.open-cluster-management.io/deletion-orphan";

/// On an add-on manifest in hosted mode: where to deploy it; values in
/// [`hosted_manifest_location`]. Go: `HostedManifestLocationAnnotationKey`.
pub const HOSTED_MANIFEST_LOCATION: &str =
    "addon.open-cluster-management.io/hosted-manifest-location";

/// Values of [`HOSTED_MANIFEST_LOCATION`].
pub mod hosted_manifest_location {
    /// Deploy on the managed cluster (the default).
    pub const MANAGED: &str = "managed";
    /// Deploy on the hosting cluster.
    pub const HOSTING: &str = "hosting";
    /// Deploy nowhere.
    pub const NONE: &str = "none";
}

/// On a v1beta1 `ManagedClusterAddOn`: keeps v1alpha1's `spec.installNamespace`, which v1beta1
/// dropped, across conversions. Go: `InstallNamespaceAnnotation`.
pub const V1ALPHA1_INSTALL_NAMESPACE: &str =
    "addon.open-cluster-management.io/v1alpha1-install-namespace";

/// On an add-on `ManifestWork`: JSON map `"<resource>.<group>/<namespace>/<name>"` → spec hash of
/// the configs it was rendered from. Go: `ManifestConfigSpecHashAnnotationKey`.
pub const CONFIG_SPEC_HASH: &str = "open-cluster-management.io/config-spec-hash";

/// On a resource applied by the work agent: hash of the applied spec. Go: `ObjectSpecHash`.
pub const OBJECT_SPEC_HASH: &str = "open-cluster-management.io/object-hash";

/// On a CSR: the user that created it. Go: `CSRUsernameAnnotation` (operator group).
pub const CSR_USER: &str = "open-cluster-management.io/csr-user";
