//! `cluster.open-cluster-management.io/v1beta2`: [`ManagedClusterSet`], a group of managed
//! clusters, and [`ManagedClusterSetBinding`], which makes a set usable from a namespace.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, LabelSelector};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::v1::ManagedNamespaceConfig;
use crate::schema::{Required, no_default};

/// The API version of this module's kinds.
pub const VERSION: &str = "v1beta2";

crate::kind::custom_resource! {
    /// A cluster-scoped group of managed clusters that workloads can target. With the default
    /// selector a cluster joins the set through the label
    /// `cluster.open-cluster-management.io/clusterset=<set name>`, which needs RBAC on the
    /// `managedclustersets/join` subresource of both the old and the new set.
    ///
    /// Upstream's CRD does not require `spec` (the API server defaults it); an absent or `null`
    /// one reads as the default.
    pub struct ManagedClusterSet {
        group: "cluster.open-cluster-management.io",
        version: "v1beta2",
        plural: "managedclustersets",
        scope: ClusterResourceScope,
        short_names: ["mclset", "mclsets"],
        printer_columns: [
            (
                "Empty",
                "string",
                r#".status.conditions[?(@.type=="ClusterSetEmpty")].status"#
            ),
            ("Age", "date", ".metadata.creationTimestamp"),
        ],
        spec(optional): ManagedClusterSetSpec,
        status(omitempty): ManagedClusterSetStatus,
    }
}

/// Desired state of a [`ManagedClusterSet`]: how it selects its clusters and the namespaces to
/// manage on them.
///
/// The API server defaults the whole spec to `{"clusterSelector": {"selectorType":
/// "ExclusiveClusterSetLabel"}}`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterSetSpec {
    /// How the set selects its clusters; the API server defaults it to the exclusive cluster set
    /// label. Go always writes this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = {"selectorType": "ExclusiveClusterSetLabel"}))]
    pub cluster_selector: Option<ManagedClusterSelector>,

    /// Namespaces to manage on every cluster of the set (a list map keyed by `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"]))]
    pub managed_namespaces: Option<Vec<ManagedNamespaceConfig>>,
}

/// How a [`ManagedClusterSet`] selects its clusters.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["selectorType"]))]
pub struct ManagedClusterSelector {
    /// The selection method; the API server defaults it to
    /// [`SelectorType::ExclusiveClusterSetLabel`]. Required by the CRD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "ExclusiveClusterSetLabel"))]
    pub selector_type: Option<SelectorType>,

    /// The label selector, when `selectorType` is [`SelectorType::LabelSelector`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::support::label_selector_schema")]
    pub label_selector: Option<LabelSelector>,
}

/// The selection method of a [`ManagedClusterSelector`].
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum SelectorType {
    /// Clusters labelled `cluster.open-cluster-management.io/clusterset=<set name>` (a cluster is
    /// in at most one such set).
    #[default]
    ExclusiveClusterSetLabel,
    /// Clusters matching `labelSelector`.
    LabelSelector,
}

/// Observed state of a [`ManagedClusterSet`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterSetStatus {
    /// Conditions such as `ClusterSetEmpty`. Always written (`[]` when empty).
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    #[schemars(schema_with = "crate::schema::conditions_schema", transform = no_default)]
    pub conditions: Vec<Condition>,
}

crate::kind::custom_resource! {
    /// Binds a [`ManagedClusterSet`] to the binding's namespace, so that Placements there can
    /// select its clusters. Creating one needs RBAC on the `managedclustersets/bind`
    /// subresource.
    ///
    /// Upstream's CRD does not require `spec`: Go always writes it, and an absent or `null` one
    /// reads as the default.
    pub struct ManagedClusterSetBinding {
        group: "cluster.open-cluster-management.io",
        version: "v1beta2",
        plural: "managedclustersetbindings",
        scope: NamespaceResourceScope,
        short_names: ["mclsetbinding", "mclsetbindings"],
        spec(optional): ManagedClusterSetBindingSpec,
        status(omitempty): ManagedClusterSetBindingStatus,
    }
}

/// Desired state of a [`ManagedClusterSetBinding`]: the bound set.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterSetBindingSpec {
    /// Name of the bound ManagedClusterSet; must equal the binding's own name and cannot change.
    /// Always written.
    #[serde(default)]
    #[schemars(length(min = 1), transform = no_default)]
    pub cluster_set: String,
}

/// Observed state of a [`ManagedClusterSetBinding`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManagedClusterSetBindingStatus {
    /// Conditions such as `Bound`. Always written (`[]` when empty).
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    #[schemars(schema_with = "crate::schema::conditions_schema", transform = no_default)]
    pub conditions: Vec<Condition>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::support::testing::{check_crd, prop, round_trip};
    use kube::CustomResourceExt;

    #[test]
    fn managed_cluster_set_fixtures_round_trip() {
        let full: ManagedClusterSet = round_trip("v1beta2", "ManagedClusterSet.full.json");
        let selector = full.spec.cluster_selector.unwrap_or_default();
        assert_eq!(selector.selector_type, Some(SelectorType::LabelSelector));
        assert!(selector.label_selector.is_some());
        let minimal: ManagedClusterSet = round_trip("v1beta2", "ManagedClusterSet.minimal.json");
        assert_eq!(
            minimal.spec.cluster_selector,
            Some(ManagedClusterSelector::default())
        );
    }

    #[test]
    fn managed_cluster_set_crd() {
        let schema = check_crd::<ManagedClusterSet>(
            "ManagedClusterSet",
            "v1beta2",
            "managedclustersets",
            "Cluster",
            true,
        );
        assert_eq!(ManagedClusterSet::shortnames(), &["mclset", "mclsets"]);
        assert_eq!(
            prop(&schema, "spec/clusterSelector/selectorType")["enum"],
            serde_json::json!(["ExclusiveClusterSetLabel", "LabelSelector"])
        );
        assert_eq!(
            prop(&schema, "spec/clusterSelector")["required"],
            serde_json::json!(["selectorType"])
        );
        assert_eq!(
            prop(&schema, "spec/managedNamespaces/name")["maxLength"],
            63
        );
    }

    #[test]
    fn managed_cluster_set_binding_fixtures_round_trip() {
        let full: ManagedClusterSetBinding =
            round_trip("v1beta2", "ManagedClusterSetBinding.full.json");
        assert_eq!(full.spec.cluster_set, "prod");
        assert_eq!(full.status.unwrap_or_default().conditions[0].type_, "Bound");
        let minimal: ManagedClusterSetBinding =
            round_trip("v1beta2", "ManagedClusterSetBinding.minimal.json");
        assert_eq!(
            minimal.status,
            Some(ManagedClusterSetBindingStatus::default())
        );
    }

    #[test]
    fn managed_cluster_set_binding_crd() {
        let schema = check_crd::<ManagedClusterSetBinding>(
            "ManagedClusterSetBinding",
            "v1beta2",
            "managedclustersetbindings",
            "Namespaced",
            true,
        );
        assert_eq!(
            ManagedClusterSetBinding::shortnames(),
            &["mclsetbinding", "mclsetbindings"]
        );
        assert_eq!(prop(&schema, "spec/clusterSet")["minLength"], 1);
        assert!(prop(&schema, "status/conditions").get("default").is_none());
    }
}
