//! `ManagedClusterAddOn` (v1beta1). The types both versions share unchanged in upstream's schema
//! are v1alpha1's, re-exported here.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{AddOnConfig, AddOnMeta, ConfigGroupResource, ConfigSpecHash};

pub use crate::addon::v1alpha1::{HealthCheck, HealthCheckMode, KubeClientDriver, ObjectReference};

crate::kind::custom_resource! {
    /// The state of an add-on on one managed cluster, in that cluster's namespace on the hub.
    ///
    /// Compared with v1alpha1: `spec.installNamespace` is gone (the hub's conversion keeps it in
    /// the [`V1ALPHA1_INSTALL_NAMESPACE`](crate::annotations::V1ALPHA1_INSTALL_NAMESPACE)
    /// annotation), registrations are typed ([`RegistrationConfig`]) and the kube-client driver
    /// moved into them.
    ///
    /// Go always writes `status` (its JSON tag has no `omitempty`): `None` is written as the zero
    /// status `{}`; absent or `null` reads as `None`.
    pub struct ManagedClusterAddOn {
        group: "addon.open-cluster-management.io",
        version: "v1beta1",
        plural: "managedclusteraddons",
        scope: NamespaceResourceScope,
        short_names: ["mca", "mcas"],
        printer_columns: [
            (
                "Available",
                "string",
                r#".status.conditions[?(@.type=="Available")].status"#
            ),
            (
                "Degraded",
                "string",
                r#".status.conditions[?(@.type=="Degraded")].status"#
            ),
            (
                "Progressing",
                "string",
                r#".status.conditions[?(@.type=="Progressing")].status"#
            ),
        ],
        spec(required): ManagedClusterAddOnSpec,
        status(always): ManagedClusterAddOnStatus,
    }
}

/// How the add-on agent is installed on the managed cluster.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterAddOnSpec {
    /// Configurations of this add-on, overriding those of its `ClusterManagementAddOn`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub configs: Vec<AddOnConfig>,
}

/// The type of a [`RegistrationConfig`].
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum RegistrationType {
    /// The agent reaches the hub kube-apiserver as a kube client
    /// (signer `kubernetes.io/kube-apiserver-client` in v1alpha1).
    #[serde(rename = "kubeClient")]
    KubeClient,
    /// The agent reaches non-kube hub endpoints with a client certificate of a custom signer.
    #[serde(rename = "customSigner")]
    CustomSigner,
}

/// How the add-on agent registers with the hub: a tagged union on [`type_`](Self::type_), whose
/// settings are in the field of the same name.
///
/// Kept as a struct with both optional settings (not a Rust enum) so that whatever the server
/// holds is read and written back unchanged.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationConfig {
    /// The registration type.
    #[serde(rename = "type")]
    pub type_: RegistrationType,

    /// Settings of a `kubeClient` registration; set when the type is `kubeClient`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_client: Option<KubeClientConfig>,

    /// Settings of a `customSigner` registration; set when the type is `customSigner`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_signer: Option<CustomSignerConfig>,
}

/// Settings of a `kubeClient` registration.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KubeClientConfig {
    /// The user subject the agent registers as. Go always writes this struct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<KubeClientSubject>,

    /// The authentication driver the agent uses, set by the agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<KubeClientDriver>,
}

/// Settings of a `customSigner` registration.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomSignerConfig {
    /// The signer the agent's CSR asks for.
    #[schemars(
        length(min = 5, max = 571),
        regex(pattern = r"^([a-z0-9][a-z0-9-]*[a-z0-9]\.)+[a-z]+\/[a-z0-9-\.]+$")
    )]
    pub signer_name: String,

    /// The user subject the agent registers as. Go always writes this struct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
}

/// The fields common to the subjects of add-on agents.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = |s: &mut schemars::Schema| crate::schema::strip_defaults(s, &["user"]))]
pub struct BaseSubject {
    /// User name of the agent. Always written.
    #[serde(default)]
    pub user: String,

    /// Groups of the agent.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub groups: Vec<String>,
}

/// The subject of a `kubeClient` registration.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KubeClientSubject {
    /// User and groups (inlined on the wire).
    #[serde(flatten)]
    pub base_subject: BaseSubject,
}

/// The subject of a `customSigner` registration; a default subject is used when the user is empty.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    /// User and groups (inlined on the wire).
    #[serde(flatten)]
    pub base_subject: BaseSubject,

    /// Organization units of the agent (JSON key `organizationUnits`; v1alpha1 spells it
    /// `organizationUnit`).
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub organization_units: Vec<String>,
}

/// Observed state of a `ManagedClusterAddOn`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterAddOnStatus {
    /// Conditions of the add-on (`Available`, `Degraded`, `Progressing`, ...). A list-map keyed by
    /// `type`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,

    /// Objects related to the add-on (its `ClusterManagementAddOn`, namespaces, ...).
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub related_objects: Vec<ObjectReference>,

    /// Copy of the `ClusterManagementAddOn`'s metadata. Go always writes this struct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_on_meta: Option<AddOnMeta>,

    /// Configuration types this add-on may override from its `ClusterManagementAddOn`; empty
    /// means none. A list-map keyed by `group` + `resource`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(extend(
        "x-kubernetes-list-type" = "map",
        "x-kubernetes-list-map-keys" = ["group", "resource"]
    ))]
    pub supported_configs: Vec<ConfigGroupResource>,

    /// The configurations currently in effect.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub config_references: Vec<ConfigReference>,

    /// Namespace on the managed cluster holding the registration secret or the health lease.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,

    /// How the agent registers with the hub; one CSR per entry.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub registrations: Vec<RegistrationConfig>,

    /// How the add-on's health is checked. Go always writes this struct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,
}

/// A configuration currently in effect for an add-on.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = |s: &mut schemars::Schema| crate::schema::strip_defaults(s, &["lastObservedGeneration"]))]
pub struct ConfigReference {
    /// Group and resource of the configuration (inlined on the wire).
    #[serde(flatten)]
    pub config_group_resource: ConfigGroupResource,

    /// Observed generation of the configuration. Always written.
    #[serde(default)]
    pub last_observed_generation: i64,

    /// The desired configuration and its spec hash. Omitted when unset (Go marshals `null`, which the apiserver prunes and server-side apply
    /// rejects for this non-nullable field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_config: Option<ConfigSpecHash>,

    /// The configuration applied when the add-on's `ManifestWork` last applied successfully.
    /// Omitted when unset (Go marshals `null`, which the apiserver prunes and server-side apply
    /// rejects for this non-nullable field).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_applied_config: Option<ConfigSpecHash>,
}
