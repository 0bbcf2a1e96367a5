//! `AddOnDeploymentConfig` (v1alpha1).

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ResourceRequirements, Toleration};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The settings of an [`AddOnDeploymentConfig`].
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "addon.open-cluster-management.io",
    version = "v1alpha1",
    kind = "AddOnDeploymentConfig",
    plural = "addondeploymentconfigs",
    namespaced,
    doc = "A configuration customizing how an add-on agent is deployed (node placement, image registries, proxy, resources, variables). Namespaced; it has no status.",
    derive = "PartialEq",
    derive = "Default"
)]
#[serde(rename_all = "camelCase")]
pub struct AddOnDeploymentConfigSpec {
    /// Name-value variables the add-on implementation may use to render its deployment.
    /// A list-map keyed by `name`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"]))]
    pub customized_variables: Vec<CustomizedVariable>,

    /// Scheduling of the agent pods on the managed cluster. `None` leaves it unspecified; an empty
    /// placement matches all nodes and tolerates nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_placement: Option<NodePlacement>,

    /// Image registry overrides for the agent's images.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub registries: Vec<ImageMirror>,

    /// Proxy settings for the agent. Go always writes this struct; empty means no proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_config: Option<ProxyConfig>,

    /// Namespace to install the agent in. The server defaults it to
    /// `open-cluster-management-agent-addon`; for template add-ons `""` means the namespace in the
    /// `AddOnTemplate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        length(max = 63),
        regex(pattern = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$"),
        extend("default" = "open-cluster-management-agent-addon")
    )]
    pub agent_install_namespace: Option<String>,

    /// Resources of agent containers; when several entries match a container the last one wins.
    /// A list-map keyed by `containerID`.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(extend(
        "x-kubernetes-list-type" = "map",
        "x-kubernetes-list-map-keys" = ["containerID"]
    ))]
    pub resource_requirements: Vec<ContainerResourceRequirements>,
}

/// Resources required by one container or a group of containers of an add-on agent.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContainerResourceRequirements {
    /// `{resource_types}:{resource_name}:{container_name}`, each part may be `*`; resource types
    /// are deployments, daemonsets, statefulsets, replicasets, jobs, cronjobs and pods.
    #[serde(rename = "containerID")]
    #[schemars(regex(
        pattern = r"^(deployments|daemonsets|statefulsets|replicasets|jobs|cronjobs|pods|\*):.+:.+$"
    ))]
    pub container_id: String,

    /// Compute resources of the matched containers.
    pub resources: ResourceRequirements,
}

/// A variable for rendering an add-on deployment.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = |s: &mut schemars::Schema| crate::schema::strip_defaults(s, &["value"]))]
pub struct CustomizedVariable {
    /// Name of the variable.
    #[schemars(length(max = 255), regex(pattern = r"^[a-zA-Z_][_a-zA-Z0-9]*$"))]
    pub name: String,

    /// Value of the variable. Always written.
    #[serde(default)]
    #[schemars(length(max = 1024))]
    pub value: String,
}

/// Node scheduling of the add-on agent pods.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodePlacement {
    /// Labels nodes must have; empty matches all nodes.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub node_selector: BTreeMap<String, String>,

    /// Taints the pods tolerate; empty tolerates nothing.
    #[serde(
        default,
        deserialize_with = "crate::serde_util::null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tolerations: Vec<Toleration>,
}

/// An image registry override.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = |s: &mut schemars::Schema| crate::schema::strip_defaults(s, &["source"]))]
pub struct ImageMirror {
    /// The mirror registry replacing `source`; ignored when empty.
    pub mirror: String,

    /// The registry to replace; empty replaces every registry. Always written.
    #[serde(default)]
    pub source: String,
}

/// Proxy settings of an add-on agent.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProxyConfig {
    /// URL of the proxy for HTTP requests.
    #[serde(default, rename = "httpProxy", skip_serializing_if = "Option::is_none")]
    pub http_proxy: Option<String>,

    /// URL of the proxy for HTTPS requests.
    #[serde(
        default,
        rename = "httpsProxy",
        skip_serializing_if = "Option::is_none"
    )]
    pub https_proxy: Option<String>,

    /// CA bundle to verify an HTTPS proxy server (base64 on the wire).
    #[serde(default, rename = "caBundle", skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::byte_string_schema")]
    pub ca_bundle: Option<ByteString>,

    /// Comma-separated host names, CIDRs and IPs not to proxy.
    #[serde(default, rename = "noProxy", skip_serializing_if = "Option::is_none")]
    pub no_proxy: Option<String>,
}
