//! `ManagedClusterAddOn` (v1alpha1).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{AddOnMeta, ConfigCoordinates, ConfigGroupResource, ConfigReferent, ConfigSpecHash};

crate::kind::custom_resource! {
    /// The state of an add-on on one managed cluster, in that cluster's namespace on the hub.
    ///
    /// Go always writes `status` (its JSON tag has no `omitempty`): `None` is written as the zero
    /// status `{}`; absent or `null` reads as `None`.
    pub struct ManagedClusterAddOn {
        group: "addon.open-cluster-management.io",
        version: "v1alpha1",
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
    /// Deprecated (use `AddOnDeploymentConfig`; removed in v1beta1): the namespace on the managed
    /// cluster to install the agent in. The server defaults it to
    /// `open-cluster-management-agent-addon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(max = 63),
        regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"),
        extend("default" = "open-cluster-management-agent-addon")
    )]
    pub install_namespace: Option<String>,

    /// Configurations of this add-on, overriding those of its `ClusterManagementAddOn`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub configs: Vec<AddOnConfig>,
}

/// How the add-on agent registers with the hub: the Klusterlet agent creates a CSR for it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationConfig {
    /// Signer the agent's CSR asks for; `kubernetes.io/kube-apiserver-client` gives a hub
    /// kubeconfig. Deprecated in favour of v1beta1's typed registrations.
    #[schemars(
        length(min = 5, max = 571),
        regex(pattern = r"^([a-z0-9][a-z0-9-]*[a-z0-9]\.)+[a-z]+\/[a-z0-9-\.]+$")
    )]
    pub signer_name: String,

    /// The user subject the agent registers as; a default subject is used when unset. Go always
    /// writes this struct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
}

/// A configuration of an add-on: its type and the object.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddOnConfig {
    /// Group and resource of the configuration (inlined on the wire).
    #[serde(flatten)]
    pub config_group_resource: ConfigGroupResource,

    /// Namespace and name of the configuration (inlined on the wire).
    #[serde(flatten)]
    pub config_referent: ConfigReferent,
}

/// The user subject an add-on agent registers with the hub as.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = |s: &mut schemars::Schema| crate::schema::strip_defaults(s, &["user"]))]
pub struct Subject {
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

    /// Organization units of the agent. The JSON key is singular, `organizationUnit`, in
    /// v1alpha1 (v1beta1: `organizationUnits`).
    #[serde(
        default,
        rename = "organizationUnit",
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

    /// Deprecated (use `configReferences`; removed in v1beta1): where the add-on's configuration
    /// is. Go always writes this struct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_on_configuration: Option<ConfigCoordinates>,

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

    /// How the agent registers with the hub; one CSR per entry, signer names must be unique.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub registrations: Vec<RegistrationConfig>,

    /// How the add-on's health is checked. Go always writes this struct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<HealthCheck>,

    /// The authentication driver the agent uses for its `kubernetes.io/kube-apiserver-client`
    /// registration, set by the agent. In v1beta1 this is `registrations[].kubeClient.driver`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_client_driver: Option<KubeClientDriver>,
}

/// The authentication driver of a kube-client (`kubeClient`) registration.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum KubeClientDriver {
    /// Client certificates issued through a CertificateSigningRequest.
    #[serde(rename = "csr")]
    Csr,
    /// A service account token.
    #[serde(rename = "token")]
    Token,
}

/// A reference to an object related to an add-on.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference {
    /// API group of the object.
    pub group: String,

    /// Resource (plural name) of the object.
    pub resource: String,

    /// Namespace of the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,

    /// Name of the object.
    pub name: String,
}

/// A configuration currently in effect for an add-on.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = |s: &mut schemars::Schema| crate::schema::strip_defaults(s, &["lastObservedGeneration"]))]
pub struct ConfigReference {
    /// Group and resource of the configuration (inlined on the wire).
    #[serde(flatten)]
    pub config_group_resource: ConfigGroupResource,

    /// Deprecated (use `desiredConfig`; removed in v1beta1): namespace and name of the
    /// configuration (inlined on the wire).
    #[serde(flatten)]
    pub config_referent: ConfigReferent,

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

/// How the health of an add-on is checked.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HealthCheck {
    /// The health check mode. The server defaults it to `Lease`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Lease"))]
    pub mode: Option<HealthCheckMode>,
}

/// How an add-on reports its health.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum HealthCheckMode {
    /// The agent keeps a lease in its install namespace; the registration agent watches it.
    #[serde(rename = "Lease")]
    Lease,
    /// The add-on maintains its health status itself.
    #[serde(rename = "Customized")]
    Customized,
}
