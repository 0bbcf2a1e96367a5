//! `AddOnTemplate` (v1alpha1).

use k8s_openapi::api::rbac::v1::RoleRef;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Subject;
use crate::work::v1::ManifestWorkSpec;

/// The agent resources and registrations of an [`AddOnTemplate`].
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[schemars(transform = |s: &mut schemars::Schema| crate::schema::strip_defaults(s, &["registration"]))]
#[kube(
    group = "addon.open-cluster-management.io",
    version = "v1alpha1",
    kind = "AddOnTemplate",
    plural = "addontemplates",
    printcolumn = r#"{"name":"ADDON NAME","type":"string","jsonPath":".spec.addonName"}"#,
    doc = "A template describing how to deploy an add-on agent and how it registers with the hub (cluster-scoped, used on the hub only). It has no status.",
    derive = "PartialEq"
)]
#[serde(rename_all = "camelCase")]
pub struct AddOnTemplateSpec {
    /// Name of the add-on this template belongs to.
    pub addon_name: String,

    /// The Kubernetes resources of the agent and how to deploy them on a managed cluster.
    pub agent_spec: ManifestWorkSpec,

    /// How the agent registers with the hub. Always written (`[]` when empty).
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    pub registration: Vec<RegistrationSpec>,
}

/// How an add-on agent registers with the hub. A CSR is created per registration and approved
/// automatically; the resulting secret is `{addon}-hub-kubeconfig` for `KubeClient` and
/// `{addon}-{signer}-client-cert` for `CustomSigner`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationSpec {
    /// The registration type.
    #[serde(rename = "type")]
    pub type_: RegistrationType,

    /// Settings of a `KubeClient` registration (hub permissions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube_client: Option<KubeClientRegistrationConfig>,

    /// Settings of a `CustomSigner` registration; required for that type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_signer: Option<CustomSignerRegistrationConfig>,
}

/// The type of an [`AddOnTemplate`] registration (PascalCase, unlike v1beta1's
/// `ManagedClusterAddOn` registration types).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum RegistrationType {
    /// The agent reaches the hub kube-apiserver with a `kubernetes.io/kube-apiserver-client`
    /// certificate.
    #[serde(rename = "KubeClient")]
    KubeClient,
    /// The agent reaches user-defined hub endpoints with a certificate of a custom signer.
    #[serde(rename = "CustomSigner")]
    CustomSigner,
}

/// Settings of a `KubeClient` registration.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct KubeClientRegistrationConfig {
    /// The permissions the agent gets on the hub.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub hub_permissions: Vec<HubPermissionConfig>,
}

/// A permission of the agent on the hub: a RoleBinding of the given role to the group
/// `system:open-cluster-management:cluster:<cluster>:addon:<addon>`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct HubPermissionConfig {
    /// Where the role is bound.
    #[serde(rename = "type")]
    pub type_: HubPermissionsBindingType,

    /// Settings of a `CurrentCluster` binding; required for that type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_cluster: Option<CurrentClusterBindingConfig>,

    /// Settings of a `SingleNamespace` binding; required for that type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub single_namespace: Option<SingleNamespaceBindingConfig>,
}

/// Where a hub permission of an add-on agent is bound.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum HubPermissionsBindingType {
    /// In the namespace named after the managed cluster.
    #[serde(rename = "CurrentCluster")]
    CurrentCluster,
    /// In one user-defined namespace.
    #[serde(rename = "SingleNamespace")]
    SingleNamespace,
}

/// A binding of a cluster role in each cluster's namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CurrentClusterBindingConfig {
    /// The ClusterRole to bind; it must exist on the hub.
    pub cluster_role_name: String,
}

/// A binding of a role or cluster role in one namespace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SingleNamespaceBindingConfig {
    /// The namespace the RoleBinding is created in.
    pub namespace: String,

    /// The Role or ClusterRole to bind; it must exist on the hub.
    #[schemars(extend("x-kubernetes-map-type" = "atomic"))]
    pub role_ref: RoleRef,
}

/// Settings of a `CustomSigner` registration.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CustomSignerRegistrationConfig {
    /// The signer the agent's CSR asks for.
    #[schemars(
        length(min = 5, max = 571),
        regex(pattern = r"^([a-z0-9][a-z0-9-]*[a-z0-9]\.)+[a-z]+\/[a-z0-9-\.]+$")
    )]
    pub signer_name: String,

    /// The user subject the agent registers as; a default subject is used when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,

    /// The `kubernetes.io/tls` secret on the hub holding the CA that signs the CSRs. The
    /// addon-manager must be granted access to it.
    #[serde(rename = "signingCA")]
    pub signing_ca: SigningCARef,
}

/// A reference to the secret holding a signing CA.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SigningCARef {
    /// Name of the secret.
    pub name: String,

    /// Namespace of the secret; the addon-manager's namespace when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}
