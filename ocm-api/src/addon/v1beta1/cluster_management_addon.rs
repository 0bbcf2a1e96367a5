//! `ClusterManagementAddOn` (v1beta1). The configuration types both versions share unchanged in
//! upstream's schema are v1alpha1's, re-exported here.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use crate::addon::v1alpha1::{
    AddOnConfig, AddOnMeta, ConfigGroupResource, ConfigReferent, ConfigSpecHash,
    DefaultConfigReference, InstallConfigReference, InstallProgression, InstallStrategy,
    InstallStrategyType, PlacementRef, PlacementStrategy,
};

/// The desired state of a [`ClusterManagementAddOn`]: metadata, default configurations and
/// install strategy.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "addon.open-cluster-management.io",
    version = "v1beta1",
    kind = "ClusterManagementAddOn",
    plural = "clustermanagementaddons",
    status = "ClusterManagementAddOnStatus",
    shortname = "cma",
    shortname = "cmas",
    printcolumn = r#"{"name":"DISPLAY NAME","type":"string","jsonPath":".spec.addOnMeta.displayName"}"#,
    doc = "The registration of an add-on with the cluster manager (cluster-scoped).\n\nIt makes an add-on discoverable on the hub and carries its metadata; its name is the name of the namespaced `ManagedClusterAddOn`s that install it on clusters.\n\nCompared with v1alpha1, `supportedConfigs` became `defaultConfigs` and the deprecated `addOnConfiguration` is gone.",
    derive = "PartialEq",
    derive = "Default"
)]
#[serde(rename_all = "camelCase")]
pub struct ClusterManagementAddOnSpec {
    /// Display metadata of the add-on.
    ///
    /// Go always writes this struct (`omitempty` has no effect on structs); absent and `{}` mean
    /// the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_on_meta: Option<AddOnMeta>,

    /// The configuration types the add-on supports, each naming its default configuration object.
    /// A list-map keyed by `group` + `resource`.
    ///
    /// A type without a default (v1alpha1 `supportedConfigs` entry without `defaultConfig`) is
    /// named [`RESERVED_NO_DEFAULT_CONFIG_NAME`](super::RESERVED_NO_DEFAULT_CONFIG_NAME) by the
    /// hub's conversion.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(extend(
        "x-kubernetes-list-type" = "map",
        "x-kubernetes-list-map-keys" = ["group", "resource"]
    ))]
    pub default_configs: Vec<AddOnConfig>,

    /// Which clusters get a `ManagedClusterAddOn` automatically. The server defaults it to
    /// `{type: Manual}`; Go always writes this struct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = {"type": "Manual"}))]
    pub install_strategy: Option<InstallStrategy>,
}

/// Observed state of a `ClusterManagementAddOn`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterManagementAddOnStatus {
    /// The current default configuration references (JSON key `defaultConfigReferences`; v1alpha1
    /// spells it `defaultconfigReferences`).
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub default_config_references: Vec<DefaultConfigReference>,

    /// Configuration references and rollout conditions per placement.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub install_progressions: Vec<InstallProgression>,
}
