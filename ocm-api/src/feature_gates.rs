//! OCM feature-gate names and their upstream defaults (Go package `open-cluster-management.io/api/feature`).
//!
//! Gates are set on the Go components with `--feature-gates=Name=true`, or on the operator APIs
//! through `featureGates: [{feature: Name, mode: Enable}]`.

/// A feature gate and its default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureGate {
    /// The gate's name.
    pub name: &'static str,
    /// Whether it is on unless set.
    pub default: bool,
}

macro_rules! gates {
    ($( $(#[$doc:meta])* $konst:ident = $name:literal ),* $(,)?) => {
        $( $(#[$doc])* pub const $konst: &str = $name; )*
    };
}

gates! {
    /// Spoke registration: sync `ClusterClaim`s to the `ManagedCluster` status.
    CLUSTER_CLAIM = "ClusterClaim",
    /// Spoke registration: sync `ClusterProperty` objects (about-api).
    CLUSTER_PROPERTY = "ClusterProperty",
    /// Spoke registration and hub addon-manager: add-on management.
    ADDON_MANAGEMENT = "AddonManagement",
    /// Hub registration: create the `default` and `global` `ManagedClusterSet`s.
    DEFAULT_CLUSTER_SET = "DefaultClusterSet",
    /// Registration: use the certificates v1beta1 CSR API.
    V1BETA1_CSR_API_COMPATIBILITY = "V1beta1CSRAPICompatibility",
    /// Hub work: skip executor validation when no executor is set.
    NIL_EXECUTOR_VALIDATING = "NilExecutorValidating",
    /// Spoke work: cache executor validation results.
    EXECUTOR_VALIDATING_CACHES = "ExecutorValidatingCaches",
    /// Hub registration: accept clusters and approve their CSRs automatically.
    MANAGED_CLUSTER_AUTO_APPROVAL = "ManagedClusterAutoApproval",
    /// Hub work: the `ManifestWorkReplicaSet` controller.
    MANIFEST_WORK_REPLICA_SET = "ManifestWorkReplicaSet",
    /// Work: CloudEvents drivers instead of the kube API.
    CLOUD_EVENTS_DRIVERS = "CloudEventsDrivers",
    /// Spoke work: raw JSON status feedback.
    RAW_FEEDBACK_JSON_STRING = "RawFeedbackJsonString",
    /// Hub registration: clean up a deleted cluster's resources.
    RESOURCE_CLEANUP = "ResourceCleanup",
    /// Spoke registration: several bootstrap hubs.
    MULTIPLE_HUBS = "MultipleHubs",
    /// Hub registration: mirror clusters as `ClusterProfile`s.
    CLUSTER_PROFILE = "ClusterProfile",
    /// Hub registration: the cluster importer.
    CLUSTER_IMPORTER = "ClusterImporter",
    /// Hub work: delete completed `ManifestWork`s.
    CLEAN_UP_COMPLETED_MANIFEST_WORK = "CleanUpCompletedManifestWork",
    /// Hub placement: the debug server.
    PLACEMENT_DEBUG_SERVER = "PlacementDebugServer",
}

const fn gate(name: &'static str, default: bool) -> FeatureGate {
    FeatureGate { name, default }
}

/// Gates of the registration agent on a managed cluster, with defaults.
pub const SPOKE_REGISTRATION: &[FeatureGate] = &[
    gate(CLUSTER_CLAIM, true),
    gate(CLUSTER_PROPERTY, false),
    gate(ADDON_MANAGEMENT, true),
    gate(V1BETA1_CSR_API_COMPATIBILITY, false),
    gate(MULTIPLE_HUBS, false),
];

/// Gates of the registration controllers on the hub, with defaults.
pub const HUB_REGISTRATION: &[FeatureGate] = &[
    gate(DEFAULT_CLUSTER_SET, true),
    gate(V1BETA1_CSR_API_COMPATIBILITY, false),
    gate(MANAGED_CLUSTER_AUTO_APPROVAL, false),
    gate(RESOURCE_CLEANUP, true),
    gate(CLUSTER_PROFILE, false),
    gate(CLUSTER_IMPORTER, false),
];

/// Gates of the hub addon-manager, with defaults.
pub const HUB_ADDON_MANAGER: &[FeatureGate] = &[gate(ADDON_MANAGEMENT, true)];

/// Gates of the hub placement controller, with defaults.
pub const HUB_PLACEMENT: &[FeatureGate] = &[gate(PLACEMENT_DEBUG_SERVER, false)];

/// Gates of the hub work controllers, with defaults.
pub const HUB_WORK: &[FeatureGate] = &[
    gate(NIL_EXECUTOR_VALIDATING, false),
    gate(MANIFEST_WORK_REPLICA_SET, false),
    gate(CLOUD_EVENTS_DRIVERS, false),
    gate(CLEAN_UP_COMPLETED_MANIFEST_WORK, false),
];

/// Gates of the work agent on a managed cluster, with defaults.
pub const SPOKE_WORK: &[FeatureGate] = &[
    gate(EXECUTOR_VALIDATING_CACHES, false),
    gate(RAW_FEEDBACK_JSON_STRING, false),
];
