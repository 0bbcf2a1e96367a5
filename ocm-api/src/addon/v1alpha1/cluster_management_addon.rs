//! `ClusterManagementAddOn` (v1alpha1) and the configuration types shared by the add-on kinds
//! (v1beta1 re-exports those its schema has unchanged).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::AddOnConfig;
use crate::cluster::v1alpha1::RolloutStrategy;

/// The desired state of a [`ClusterManagementAddOn`]: metadata, supported configurations and
/// install strategy.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "addon.open-cluster-management.io",
    version = "v1alpha1",
    kind = "ClusterManagementAddOn",
    plural = "clustermanagementaddons",
    status = "ClusterManagementAddOnStatus",
    shortname = "cma",
    shortname = "cmas",
    printcolumn = r#"{"name":"DISPLAY NAME","type":"string","jsonPath":".spec.addOnMeta.displayName"}"#,
    printcolumn = r#"{"name":"CRD NAME","type":"string","jsonPath":".spec.addOnConfiguration.crdName"}"#,
    doc = "The registration of an add-on with the cluster manager (cluster-scoped).\n\nIt makes an add-on discoverable on the hub and carries its metadata; its name is the name of the namespaced `ManagedClusterAddOn`s that install it on clusters.",
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

    /// Deprecated: use `supportedConfigs`. Where to find the CRD and CR configuring the add-on.
    ///
    /// Go always writes this struct; absent and `{}` mean the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_on_configuration: Option<ConfigCoordinates>,

    /// Deprecated (replaced by `defaultConfigs` in v1beta1): the configuration types the add-on
    /// supports, each with an optional default configuration. Empty means the add-on needs no
    /// configuration. A list-map keyed by `group` + `resource`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(extend(
        "x-kubernetes-list-type" = "map",
        "x-kubernetes-list-map-keys" = ["group", "resource"]
    ))]
    pub supported_configs: Vec<ConfigMeta>,

    /// Which clusters get a `ManagedClusterAddOn` automatically. The server defaults it to
    /// `{type: Manual}`; Go always writes this struct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = {"type": "Manual"}))]
    pub install_strategy: Option<InstallStrategy>,
}

/// Display metadata of an add-on.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddOnMeta {
    /// The name of the add-on shown to users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,

    /// A detailed description of the add-on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A supported configuration type, with an optional default configuration object.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMeta {
    /// Group and resource of the configuration type (inlined on the wire).
    #[serde(flatten)]
    pub config_group_resource: ConfigGroupResource,

    /// Namespace and name of the default configuration, used when every add-on shares one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_config: Option<ConfigReferent>,
}

/// Deprecated: where to find the CRD and CR that configure an add-on.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigCoordinates {
    /// Name of the CRD configuring instances of the add-on.
    #[serde(default, rename = "crdName", skip_serializing_if = "Option::is_none")]
    pub crd_name: Option<String>,

    /// Name of the CR configuring the add-on, when it is the same on every cluster.
    #[serde(default, rename = "crName", skip_serializing_if = "Option::is_none")]
    pub cr_name: Option<String>,

    /// Observed generation of the configuring custom resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_observed_generation: Option<i64>,
}

/// The group and resource of an add-on configuration type.
#[derive(
    Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub struct ConfigGroupResource {
    /// API group of the configuration; `""` is the core group. Always written.
    #[serde(default)]
    pub group: String,

    /// Resource (plural name) of the configuration.
    #[schemars(length(min = 1))]
    pub resource: String,
}

/// The namespace and name of an add-on configuration object.
#[derive(
    Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub struct ConfigReferent {
    /// Namespace of the configuration; unset for a cluster-scoped configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,

    /// Name of the configuration.
    #[schemars(length(min = 1))]
    pub name: String,
}

/// The namespace, name and spec hash of an add-on configuration object.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = |s: &mut schemars::Schema| crate::schema::strip_defaults(s, &["specHash"]))]
pub struct ConfigSpecHash {
    /// Namespace and name of the configuration (inlined on the wire).
    #[serde(flatten)]
    pub config_referent: ConfigReferent,

    /// Hash of the configuration's spec. Always written.
    #[serde(default)]
    pub spec_hash: String,
}

/// How `ManagedClusterAddOn`s of an add-on are installed on clusters.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallStrategy {
    /// The strategy type. Always written; the server defaults it to `Manual`.
    #[serde(default, rename = "type")]
    pub type_: InstallStrategyType,

    /// Placements whose selected clusters get the add-on (type `Placements`). When a cluster is
    /// selected by several, the later entry wins. A list-map keyed by `namespace` + `name`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(extend(
        "x-kubernetes-list-type" = "map",
        "x-kubernetes-list-map-keys" = ["namespace", "name"]
    ))]
    pub placements: Vec<PlacementStrategy>,
}

/// The type of an [`InstallStrategy`].
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum InstallStrategyType {
    /// No automatic installation.
    #[default]
    #[serde(rename = "Manual")]
    Manual,
    /// Install on the clusters selected by the strategy's placements.
    #[serde(rename = "Placements")]
    Placements,
}

/// A reference to a `Placement`.
#[derive(
    Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, JsonSchema,
)]
#[serde(rename_all = "camelCase")]
pub struct PlacementRef {
    /// Namespace of the placement.
    #[schemars(length(min = 1))]
    pub namespace: String,

    /// Name of the placement.
    #[schemars(length(min = 1))]
    pub name: String,
}

/// A placement whose clusters get the add-on, with the configurations and rollout to use.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlacementStrategy {
    /// The placement (inlined on the wire).
    #[serde(flatten)]
    pub placement_ref: PlacementRef,

    /// Configurations given to the `ManagedClusterAddOn`s at install time; users may override
    /// them on each `ManagedClusterAddOn`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub configs: Vec<AddOnConfig>,

    /// How changes of the configurations defined here roll out. The server defaults it to
    /// `{type: All}`; Go always writes this struct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = {"type": "All"}))]
    pub rollout_strategy: Option<RolloutStrategy>,
}

/// Observed state of a `ClusterManagementAddOn`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterManagementAddOnStatus {
    /// The current default configuration references.
    ///
    /// Note the JSON key `defaultconfigReferences` (lower-case `c`) in v1alpha1.
    #[serde(
        default,
        rename = "defaultconfigReferences",
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

/// Rollout progress of the add-on on the clusters of one placement.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallProgression {
    /// The placement (inlined on the wire).
    #[serde(flatten)]
    pub placement_ref: PlacementRef,

    /// The current configuration references of this placement.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub config_references: Vec<InstallConfigReference>,

    /// Conditions of the rollout. A list-map keyed by `type`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,
}

/// The desired default configuration of one configuration type.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DefaultConfigReference {
    /// Group and resource of the configuration type (inlined on the wire).
    #[serde(flatten)]
    pub config_group_resource: ConfigGroupResource,

    /// The desired configuration and its spec hash. Omitted when unset (Go marshals `null`, which the apiserver prunes and server-side apply
    /// rejects for this non-nullable field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_config: Option<ConfigSpecHash>,
}

/// Desired, last-known-good and last-applied configuration of one type, per placement.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstallConfigReference {
    /// Group and resource of the configuration type (inlined on the wire).
    #[serde(flatten)]
    pub config_group_resource: ConfigGroupResource,

    /// The desired configuration and its spec hash. Omitted when unset (Go marshals `null`, which the apiserver prunes and server-side apply
    /// rejects for this non-nullable field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_config: Option<ConfigSpecHash>,

    /// The last configuration known to be good (for canary rollouts, the one last applied
    /// successfully on the canary placement). Omitted when unset (Go marshals `null`, which the apiserver prunes and server-side apply
    /// rejects for this non-nullable field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_known_good_config: Option<ConfigSpecHash>,

    /// The configuration applied successfully on all the placement's `ManagedClusterAddOn`s.
    /// Omitted when unset (Go marshals `null`, which the apiserver prunes and server-side apply
    /// rejects for this non-nullable field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_applied_config: Option<ConfigSpecHash>,
}
