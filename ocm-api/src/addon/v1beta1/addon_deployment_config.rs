//! `AddOnDeploymentConfig` (v1beta1): the same schema as v1alpha1, so the parts of its spec are
//! v1alpha1's types, re-exported here.

use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The settings of an [`AddOnDeploymentConfig`].
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "addon.open-cluster-management.io",
    version = "v1beta1",
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

pub use crate::addon::v1alpha1::{
    ContainerResourceRequirements, CustomizedVariable, ImageMirror, NodePlacement, ProxyConfig,
};
