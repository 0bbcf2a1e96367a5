//! `cluster.open-cluster-management.io/v1`: [`ManagedCluster`], a cluster registered with the hub,
//! and the types it is made of ([`Taint`], [`ClientConfig`], ...).

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The API version of this module's kinds.
pub const VERSION: &str = "v1";

/// Resource quantities by resource name (Go's `ResourceList`, a map of `ResourceName` to
/// `resource.Quantity`), as in [`ManagedClusterStatus::capacity`]. Keys include [`RESOURCE_CPU`]
/// and [`RESOURCE_MEMORY`].
pub type ResourceList = BTreeMap<String, Quantity>;

/// Resource name of CPU, in cores (`500m` is half a core).
pub const RESOURCE_CPU: &str = "cpu";

/// Resource name of memory, in bytes (`500Gi`).
pub const RESOURCE_MEMORY: &str = "memory";

crate::kind::custom_resource! {
    /// A cluster registered with the hub: a cluster-scoped object named after the cluster,
    /// created by the klusterlet agent when it joins and accepted by a hub admin (the join is a
    /// double opt-in: the agent's CSR is approved and `hubAcceptsClient` is set to `true`).
    ///
    /// Upstream's CRD does not require `spec`: Go always writes it, and an absent or `null` one
    /// reads as the default.
    pub struct ManagedCluster {
        group: "cluster.open-cluster-management.io",
        version: "v1",
        plural: "managedclusters",
        scope: ClusterResourceScope,
        short_names: ["mcl", "mcls"],
        printer_columns: [
            ("Hub Accepted", "boolean", ".spec.hubAcceptsClient"),
            ("Managed Cluster URLs", "string", ".spec.managedClusterClientConfigs[*].url"),
            (
                "Joined",
                "string",
                r#".status.conditions[?(@.type=="ManagedClusterJoined")].status"#
            ),
            (
                "Available",
                "string",
                r#".status.conditions[?(@.type=="ManagedClusterConditionAvailable")].status"#
            ),
            ("Age", "date", ".metadata.creationTimestamp"),
        ],
        spec(optional): ManagedClusterSpec,
        status(omitempty): ManagedClusterStatus,
    }
}

/// Desired state of a [`ManagedCluster`]: whether the hub accepts it, how to reach it, and its
/// taints.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterSpec {
    /// API server addresses of the managed cluster; empty means the hub cannot reach it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed_cluster_client_configs: Option<Vec<ClientConfig>>,

    /// Whether the hub accepts the cluster's agent. Setting it to `true` requires RBAC on the
    /// `managedclusters/accept` subresource; the hub then creates the cluster namespace and the
    /// agent's RBAC in it, and removes them again when it goes back to `false`. Always written.
    #[serde(default)]
    #[schemars(transform = crate::schema::no_default)]
    pub hub_accepts_client: bool,

    /// How often (seconds) the klusterlet agent renews its lease; the API server defaults it to 60
    /// and zero means 60.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = 60, "format" = "int32"))]
    pub lease_duration_seconds: Option<i32>,

    /// Taints that repel placements not tolerating them. The agent cannot add or remove the
    /// hub-managed `ManagedClusterUnavailable`/`ManagedClusterUnreachable` taints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub taints: Option<Vec<Taint>>,
}

/// An API server endpoint of a managed cluster.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientConfig {
    /// URL of the cluster's API server.
    pub url: String,

    /// CA bundle for the API server (base64 on the wire); system roots are used when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::byte_string_schema")]
    pub ca_bundle: Option<ByteString>,
}

/// A taint on a managed cluster: placements that do not tolerate it are affected as `effect` says.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Taint {
    /// Taint key, `(dns1123 subdomain/)?qualified name`, such as `foo.example.com/bar`.
    #[schemars(length(max = 316))]
    #[schemars(regex(
        pattern = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
    ))]
    pub key: String,

    /// Taint value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub value: Option<String>,

    /// What the taint does to placements that do not tolerate it.
    pub effect: TaintEffect,

    /// When the taint was added. Go always writes this field (`null` when unset), and so does
    /// this type.
    #[serde(default)]
    pub time_added: Option<Time>,
}

/// The effect of a [`Taint`] on placements that do not tolerate it.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum TaintEffect {
    /// The cluster may not be selected, and is removed from decisions that already contain it.
    #[default]
    NoSelect,
    /// The scheduler tries not to select the cluster, but may.
    PreferNoSelect,
    /// The cluster may not be newly selected, but stays in decisions that already contain it.
    NoSelectIfNew,
}

/// Observed state of a [`ManagedCluster`], reported by the registration agent and hub controllers.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterStatus {
    /// Conditions of the cluster (a list map keyed by `type`). Always written (`[]` when empty).
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    #[schemars(schema_with = "crate::schema::conditions_map_schema")]
    #[schemars(transform = crate::schema::no_default)]
    pub conditions: Vec<Condition>,

    /// Total resource capacity of the cluster's nodes, by resource name (`cpu`, `memory`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::support::quantity_map_schema")]
    pub capacity: Option<ResourceList>,

    /// Total allocatable resources of the cluster, by resource name (`cpu`, `memory`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::support::quantity_map_schema")]
    pub allocatable: Option<ResourceList>,

    /// Kubernetes version of the cluster. Go always writes it (`{}` when empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<ManagedClusterVersion>,

    /// The ClusterClaims collected from the cluster, such as `id.k8s.io`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_claims: Option<Vec<ManagedClusterClaim>>,

    /// Namespaces managed on this cluster by the cluster sets it belongs to (a list map keyed by
    /// `clusterSet` and `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend(
        "x-kubernetes-list-type" = "map",
        "x-kubernetes-list-map-keys" = ["clusterSet", "name"]
    ))]
    pub managed_namespaces: Option<Vec<ClusterSetManagedNamespaceConfig>>,
}

/// Version information of a managed cluster.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterVersion {
    /// The Kubernetes version, such as `v1.33.1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubernetes: Option<String>,
}

/// A ClusterClaim collected from a managed cluster into its [`ManagedClusterStatus`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterClaim {
    /// Name of the ClusterClaim on the managed cluster (1 to 253 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 253))]
    pub name: Option<String>,

    /// The claimed value (1 to 1024 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 1024))]
    pub value: Option<String>,
}

/// A namespace that a cluster set manages on each of its clusters.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedNamespaceConfig {
    /// The namespace name (a DNS-1123 label).
    #[schemars(length(max = 63), regex(pattern = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"))]
    pub name: String,
}

/// A managed namespace on a cluster, with the cluster set that manages it and its conditions.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSetManagedNamespaceConfig {
    /// The namespace (inlined: `name`).
    #[serde(flatten)]
    pub managed_namespace_config: ManagedNamespaceConfig,

    /// Name of the cluster set that manages the namespace.
    pub cluster_set: String,

    /// Conditions of the namespace (a list map keyed by `type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::conditions_map_schema")]
    pub conditions: Option<Vec<Condition>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::support::testing::{check_crd, prop, round_trip};
    use kube::CustomResourceExt;

    #[test]
    fn managed_cluster_fixtures_round_trip() {
        let full: ManagedCluster = round_trip("v1", "ManagedCluster.full.json");
        let taints = full.spec.taints.as_deref().unwrap_or_default();
        assert!(
            taints
                .iter()
                .any(|t| t.effect == TaintEffect::NoSelectIfNew)
        );
        assert!(taints.iter().any(|t| t.time_added.is_none()));
        let status = full.status.unwrap_or_default();
        assert!(
            status
                .capacity
                .is_some_and(|c| c.contains_key(RESOURCE_CPU))
        );
        assert_eq!(
            status.managed_namespaces.unwrap_or_default()[0]
                .managed_namespace_config
                .name,
            "team-a"
        );

        let minimal: ManagedCluster = round_trip("v1", "ManagedCluster.minimal.json");
        assert!(!minimal.spec.hub_accepts_client);
        // Go always writes status.conditions and status.version.
        let status = minimal.status.unwrap_or_default();
        assert!(status.conditions.is_empty());
        assert_eq!(status.version, Some(ManagedClusterVersion::default()));
    }

    #[test]
    fn go_nulls_are_read() {
        let json = serde_json::json!({
            "apiVersion": "cluster.open-cluster-management.io/v1",
            "kind": "ManagedCluster",
            "metadata": {"name": "c1"},
            "spec": {"hubAcceptsClient": true, "taints": [
                {"key": "k", "effect": "NoSelect", "timeAdded": null}
            ]},
            "status": {"conditions": null, "version": {}},
        });
        let mc: ManagedCluster = serde_json::from_value(json).unwrap_or_else(|e| panic!("{e}"));
        let status = mc.status.unwrap_or_default();
        assert!(status.conditions.is_empty());
        assert_eq!(status.version, Some(ManagedClusterVersion::default()));
        let out = serde_json::to_value(&mc.spec).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out["taints"][0]["timeAdded"], serde_json::Value::Null);
        assert_eq!(out["hubAcceptsClient"], true);
    }

    #[test]
    fn managed_cluster_crd() {
        let schema =
            check_crd::<ManagedCluster>("ManagedCluster", "v1", "managedclusters", "Cluster", true);
        assert_eq!(ManagedCluster::shortnames(), &["mcl", "mcls"]);
        assert_eq!(
            prop(&schema, "spec/managedClusterClientConfigs/caBundle")["format"],
            "byte"
        );
        assert_eq!(
            prop(&schema, "spec/taints/effect")["enum"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
        assert_eq!(
            prop(&schema, "status/capacity")["additionalProperties"]["x-kubernetes-int-or-string"],
            true
        );
        assert_eq!(
            prop(&schema, "status/managedNamespaces/name")["type"],
            "string"
        );
        let crd = ManagedCluster::crd();
        let cols = crd.spec.versions[0]
            .additional_printer_columns
            .as_deref()
            .unwrap_or_default();
        assert_eq!(cols.len(), 5);
    }
}
