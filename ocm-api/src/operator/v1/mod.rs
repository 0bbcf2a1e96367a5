//! `operator.open-cluster-management.io/v1`: the [`ClusterManager`] (hub) and [`Klusterlet`]
//! (managed cluster) operator APIs, wire-compatible with upstream OCM `api@v1.3.0`.
//!
//! Both kinds are cluster-scoped and have the `status` subresource. The registration operator
//! watches them and installs the hub controllers (ClusterManager) or the agents (Klusterlet).
//!
//! Field presence follows Go's `encoding/json`: a Go field tagged `omitempty` is an `Option`
//! here (absent when `None`); a field without `omitempty` is always written. Defaults that the
//! upstream CRD applies on the server (`+kubebuilder:default`) are part of the generated schema
//! but are not filled in on the client: a `None` stays `None` until the API server defaults it.
//!
//! ```
//! use ocm_api::operator::v1::{
//!     ClusterManager, ClusterManagerDeployOption, ClusterManagerSpec, InstallMode, Klusterlet,
//! };
//!
//! # fn main() -> Result<(), serde_json::Error> {
//! let cm = ClusterManager::new(
//!     "cluster-manager",
//!     ClusterManagerSpec {
//!         deploy_option: Some(ClusterManagerDeployOption {
//!             mode: Some(InstallMode::Default),
//!             ..Default::default()
//!         }),
//!         ..Default::default()
//!     },
//! );
//! let json = serde_json::to_value(&cm)?;
//! assert_eq!(json["apiVersion"], "operator.open-cluster-management.io/v1");
//! assert_eq!(json["spec"]["deployOption"]["mode"], "Default");
//!
//! // What the Go operator writes for a Klusterlet reads back, `null`s included.
//! let klusterlet: Klusterlet = serde_json::from_str(
//!     r#"{"apiVersion": "operator.open-cluster-management.io/v1", "kind": "Klusterlet",
//!         "metadata": {"name": "klusterlet"},
//!         "spec": {"clusterName": "cluster1", "nodePlacement": {}, "deployOption": {"mode": ""}},
//!         "status": {"conditions": null}}"#,
//! )?;
//! assert_eq!(klusterlet.spec.cluster_name.as_deref(), Some("cluster1"));
//! assert_eq!(
//!     klusterlet.spec.deploy_option.and_then(|d| d.install_mode()),
//!     Some(InstallMode::Default)
//! );
//! # Ok(())
//! # }
//! ```

mod clustermanager;
mod klusterlet;

pub use clustermanager::*;
pub use klusterlet::*;

#[cfg(test)]
mod testing {
    /// Reads `tests/fixtures/operator/v1/<file>`, decodes it as `K` and asserts that it encodes
    /// back to the same JSON.
    pub(super) fn round_trip<K: serde::Serialize + serde::de::DeserializeOwned>(
        file: &str,
    ) -> Result<K, Box<dyn std::error::Error>> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/operator/v1");
        let text = std::fs::read_to_string(format!("{dir}/{file}"))?;
        let input: serde_json::Value = serde_json::from_str(&text)?;
        let object: K = serde_json::from_value(input.clone())?;
        pretty_assertions::assert_eq!(serde_json::to_value(&object)?, input);
        Ok(object)
    }
}

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ResourceRequirements, Toleration};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Serialize};

use crate::schema::{Required, no_default, strip_defaults};

/// Observed state of an operator-managed object: the status of both [`ClusterManager`] and
/// [`Klusterlet`] ([`ClusterManagerStatus`] and [`KlusterletStatus`] name this type), whose
/// schemas upstream are the same.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct OperatorStatus {
    /// The last generation of the spec the operator has handled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,

    /// Conditions of the object. Always written (`[]` when empty; Go's `null` reads as empty).
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    #[schemars(transform = no_default)]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["type"]))]
    pub conditions: Vec<Condition>,

    /// Generations of the resources the operator applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generations: Option<Vec<GenerationStatus>>,

    /// The resources the operator manages for this object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_resources: Option<Vec<RelatedResourceMeta>>,
}

/// Node scheduling configuration for the pods an operator deploys.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct NodePlacement {
    /// Node labels the pods must match to be scheduled on a node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,

    /// Taints the pods tolerate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<Toleration>>,
}

/// One feature gate passed to an OCM component as `--feature-gates=<feature>=<true|false>`.
///
/// Unknown features are dropped by the operator.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["feature"]))]
pub struct FeatureGate {
    /// The feature gate's name, e.g. `ManagedClusterAutoApproval`.
    #[serde(default)]
    #[schemars(transform = no_default)]
    pub feature: String,

    /// Whether the feature is enabled; the server defaults it to `Disable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Disable"))]
    pub mode: Option<FeatureGateModeType>,
}

/// Whether a [`FeatureGate`] enables or disables its feature.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum FeatureGateModeType {
    /// `Enable`: the feature is turned on.
    #[serde(rename = "Enable")]
    Enable,
    /// `Disable`: the feature is turned off (the default).
    #[default]
    #[serde(rename = "Disable")]
    Disable,
}

/// Overrides the resource requests and limits (QoS class) of the containers an operator
/// deploys.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRequirement {
    /// The QoS class to apply; the server defaults it to `Default`.
    ///
    /// Always written (no `omitempty` upstream).
    #[serde(rename = "type", default)]
    #[schemars(extend("default" = "Default"))]
    pub type_: ResourceQosClass,

    /// Requests and limits, used when `type` is [`ResourceQosClass::ResourceRequirement`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_requirements: Option<ResourceRequirements>,
}

/// The QoS class of the deployments an operator manages.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum ResourceQosClass {
    /// `Default`: the requests from the manifest templates, without limits.
    #[default]
    #[serde(rename = "Default")]
    Default,
    /// `BestEffort`: no requests and no limits.
    #[serde(rename = "BestEffort")]
    BestEffort,
    /// `ResourceRequirement`: the requests and limits in
    /// [`ResourceRequirement::resource_requirements`].
    #[serde(rename = "ResourceRequirement")]
    ResourceRequirement,
}

/// How the hub (ClusterManager) or agent (Klusterlet) components are installed.
///
/// The ClusterManager CRD accepts only `Default` and `Hosted`; the Klusterlet CRD does not
/// restrict its `mode` string, so [`KlusterletDeployOption::mode`] is a `String`: use
/// [`InstallMode::as_str`] and [`str::parse`] to convert.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum InstallMode {
    /// `Default`: everything runs on the cluster itself (hub or managed cluster).
    #[default]
    #[serde(rename = "Default")]
    Default,
    /// `Hosted`: only CRDs and configuration go to the cluster; the controllers run on a
    /// separate management cluster.
    #[serde(rename = "Hosted")]
    Hosted,
    /// `Singleton`: the registration and work agents run as one deployment (Klusterlet only).
    #[serde(rename = "Singleton")]
    Singleton,
    /// `SingletonHosted`: the singleton agent in hosted mode (Klusterlet only).
    #[serde(rename = "SingletonHosted")]
    SingletonHosted,
}

impl InstallMode {
    /// The wire value of this mode.
    pub const fn as_str(self) -> &'static str {
        match self {
            InstallMode::Default => "Default",
            InstallMode::Hosted => "Hosted",
            InstallMode::Singleton => "Singleton",
            InstallMode::SingletonHosted => "SingletonHosted",
        }
    }
}

impl std::fmt::Display for InstallMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error returned when a string is not a known [`InstallMode`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown install mode: expected Default, Hosted, Singleton or SingletonHosted, found {0:?}"
)]
pub struct UnknownInstallMode(pub String);

impl std::str::FromStr for InstallMode {
    type Err = UnknownInstallMode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "Default" => Ok(InstallMode::Default),
            "Hosted" => Ok(InstallMode::Hosted),
            "Singleton" => Ok(InstallMode::Singleton),
            "SingletonHosted" => Ok(InstallMode::SingletonHosted),
            other => Err(UnknownInstallMode(other.to_owned())),
        }
    }
}

/// The last generation an operator applied for one resource it manages, so that it can tell
/// when the resource must be reconciled again.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["group", "version", "resource", "name", "lastGeneration"]))]
#[schemars(transform = |s: &mut Schema| strip_defaults(s, &[
    "group", "version", "resource", "namespace", "name", "lastGeneration",
]))]
pub struct GenerationStatus {
    /// API group of the tracked resource.
    #[serde(default)]
    pub group: String,
    /// API version of the tracked resource.
    #[serde(default)]
    pub version: String,
    /// Resource type (plural) of the tracked resource.
    #[serde(default)]
    pub resource: String,
    /// Namespace of the tracked resource; empty for cluster-scoped ones (always written).
    #[serde(default)]
    pub namespace: String,
    /// Name of the tracked resource.
    #[serde(default)]
    pub name: String,
    /// The generation of the resource the operator last applied.
    #[serde(default)]
    pub last_generation: i64,
}

/// A resource an operator created and manages.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["group", "version", "resource", "name"]))]
#[schemars(transform = |s: &mut Schema| strip_defaults(s, &[
    "group", "version", "resource", "namespace", "name",
]))]
pub struct RelatedResourceMeta {
    /// API group of the resource.
    #[serde(default)]
    pub group: String,
    /// API version of the resource.
    #[serde(default)]
    pub version: String,
    /// Resource type (plural) of the resource.
    #[serde(default)]
    pub resource: String,
    /// Namespace of the resource; empty for cluster-scoped ones (always written).
    #[serde(default)]
    pub namespace: String,
    /// Name of the resource.
    #[serde(default)]
    pub name: String,
}

/// Schema of a `metav1.Duration` field as the operator CRDs declare it.
fn duration_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({ "type": "string", "pattern": "^([0-9]+(s|m|h))+$" })
}

/// The pattern upstream uses for DNS-style host names.
const HOSTNAME_PATTERN: &str = r"^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9])$";

/// The pattern upstream uses for AWS EKS cluster ARNs.
const EKS_ARN_PATTERN: &str = r"^arn:aws:eks:([a-zA-Z0-9-]+):(\d{12}):cluster/([a-zA-Z0-9-]+)$";
