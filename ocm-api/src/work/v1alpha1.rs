//! `work.open-cluster-management.io/v1alpha1`: [`ManifestWorkReplicaSet`].
//!
//! A [`ManifestWorkReplicaSet`] stamps out one `ManifestWork` (from its
//! [`manifest_work_template`](ManifestWorkReplicaSetSpec::manifest_work_template)) in the namespace
//! of every managed cluster selected by the referenced Placements, rolls it out following each
//! reference's [`RolloutStrategy`], follows PlacementDecision changes, and deletes the works
//! when it is deleted.
//!
//! Wire format: every type mirrors the Go type of `open-cluster-management.io/api` v1.3.0 field
//! by field. Fields Go always writes are always serialized here too.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::v1::ManifestWorkSpec;
use crate::cluster::v1alpha1::RolloutStrategy;
use crate::schema::{condition_list, go_int, no_default};
use crate::serde_util::null_as_default;

crate::kind::custom_resource! {
    /// Deploys one `ManifestWork` to every managed cluster selected by one or more Placements.
    ///
    /// The per-cluster works follow PlacementDecision changes, roll out per each Placement
    /// reference's rollout strategy, and are deleted with the replica set.
    ///
    /// Upstream's CRD does not require `spec`: Go always writes it, and an absent or `null` one
    /// reads as the default.
    pub struct ManifestWorkReplicaSet {
        group: "work.open-cluster-management.io",
        version: "v1alpha1",
        plural: "manifestworkreplicasets",
        scope: NamespaceResourceScope,
        short_names: ["mwrs"],
        printer_columns: [
            (
                "Placement",
                "string",
                r#".status.conditions[?(@.type=="PlacementVerified")].reason"#,
                "Reason"
            ),
            (
                "Found",
                "string",
                r#".status.conditions[?(@.type=="PlacementVerified")].status"#,
                "Configured"
            ),
            (
                "ManifestWorks",
                "string",
                r#".status.conditions[?(@.type=="ManifestworkApplied")].reason"#,
                "Reason"
            ),
            (
                "Applied",
                "string",
                r#".status.conditions[?(@.type=="ManifestworkApplied")].status"#,
                "Applied"
            ),
        ],
        spec(optional): ManifestWorkReplicaSetSpec,
        status(omitempty): ManifestWorkReplicaSetStatus,
    }
}

/// The desired state of a [`ManifestWorkReplicaSet`]: the `ManifestWork` to create and the
/// Placements choosing the clusters to create it for.
///
/// The `ManifestWorkReplicaSet` kind is namespaced (short name `mwrs`); its Placements are in
/// the same namespace.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(extend("required" = ["cascadeDeletionPolicy", "placementRefs"]))]
pub struct ManifestWorkReplicaSetSpec {
    /// The spec of the `ManifestWork` created for each selected cluster. Always written.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub manifest_work_template: ManifestWorkSpec,

    /// The Placements (in this namespace) whose decisions choose the clusters; at least one.
    #[serde(deserialize_with = "null_as_default")]
    #[schemars(length(min = 1))]
    pub placement_refs: Vec<LocalPlacementReference>,

    /// Whether the replica set is deleted before (`Background`, the default) or after
    /// (`Foreground`) its `ManifestWork`s are gone.
    ///
    /// Required by the CRD, which defaults it, so it is always set on objects read from a server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Background"))]
    pub cascade_deletion_policy: Option<CascadeDeletionPolicy>,
}

/// When a [`ManifestWorkReplicaSet`] is deleted relative to its `ManifestWork`s.
#[derive(
    Serialize,
    Deserialize,
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    JsonSchema,
)]
#[non_exhaustive]
pub enum CascadeDeletionPolicy {
    /// Delete the replica set without waiting for its works to be gone (the default).
    #[default]
    Background,
    /// Delete the replica set only once its works are gone.
    Foreground,
}

/// A Placement in the namespace of the [`ManifestWorkReplicaSet`], and how to roll out to the
/// clusters it selects.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct LocalPlacementReference {
    /// The name of the Placement.
    #[schemars(length(min = 1))]
    pub name: String,

    /// How the `ManifestWork`s are rolled out to the selected clusters; the CRD defaults it to
    /// type `All` with no progress deadline. Always written.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(extend("default" = {"type": "All", "all": {"progressDeadline": "None"}}))]
    pub rollout_strategy: RolloutStrategy,
}

impl LocalPlacementReference {
    /// A reference to the named Placement with the default rollout strategy.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            rollout_strategy: RolloutStrategy::default(),
        }
    }
}

/// The observed state of a [`ManifestWorkReplicaSet`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestWorkReplicaSetStatus {
    /// Conditions of the replica set (`PlacementVerified`, `PlacementRolledOut`,
    /// `ManifestworkApplied`).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    #[schemars(transform = condition_list)]
    pub conditions: Vec<Condition>,

    /// Counts of the `ManifestWork`s over all Placements. Always written.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub summary: ManifestWorkReplicaSetSummary,

    /// Counts per Placement. Always written.
    #[serde(
        default,
        rename = "placementSummary",
        deserialize_with = "null_as_default"
    )]
    #[schemars(transform = no_default)]
    pub placements_summary: Vec<PlacementSummary>,
}

/// The clusters and decision groups selected by one Placement of a [`ManifestWorkReplicaSet`].
///
/// Every field is always written.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlacementSummary {
    /// The name of the Placement.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub name: String,

    /// How many decision groups have all their works available, of how many, e.g. `2/4`.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub available_decision_groups: String,

    /// Counts of the `ManifestWork`s of this Placement.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(transform = no_default)]
    pub summary: ManifestWorkReplicaSetSummary,
}

/// Counts of the `ManifestWork`s of a [`ManifestWorkReplicaSet`] by state.
///
/// Every field is always written (Go `int`, so `i64` here).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ManifestWorkReplicaSetSummary {
    /// The number of `ManifestWork`s managed by the replica set.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(schema_with = "go_int", transform = no_default)]
    pub total: i64,

    /// The number of works whose `Progressing` condition is true.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(schema_with = "go_int", transform = no_default)]
    pub progressing: i64,

    /// The number of works whose `Available` condition is true.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(schema_with = "go_int", transform = no_default)]
    pub available: i64,

    /// The number of works whose `Degraded` condition is true.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(schema_with = "go_int", transform = no_default)]
    pub degraded: i64,

    /// The number of works whose `Applied` condition is true.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(schema_with = "go_int", transform = no_default)]
    pub applied: i64,

    /// The number of works the replica set is to create.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(schema_with = "go_int", transform = no_default)]
    pub desired_total: i64,

    /// The number of clusters with the updated revision applied.
    #[serde(default, deserialize_with = "null_as_default")]
    #[schemars(schema_with = "go_int", transform = no_default)]
    pub updated: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::v1alpha1::RolloutType;
    use kube::{CustomResourceExt, Resource};
    use pretty_assertions::assert_eq;
    use serde_json::{Value, json};

    fn round_trip(name: &str) -> ManifestWorkReplicaSet {
        let path = format!(
            "{}/tests/fixtures/work/v1alpha1/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let input: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
        let object: ManifestWorkReplicaSet = serde_path_to_error::deserialize(input.clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let output = serde_json::to_value(&object).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(input, output, "{name} does not round-trip");
        object
    }

    #[test]
    fn fixtures_round_trip() {
        let full = round_trip("ManifestWorkReplicaSet.full.json");
        let types: Vec<_> = full
            .spec
            .placement_refs
            .iter()
            .map(|r| r.rollout_strategy.type_)
            .collect();
        assert_eq!(
            types,
            [
                Some(RolloutType::All),
                Some(RolloutType::Progressive),
                Some(RolloutType::ProgressivePerGroup)
            ]
        );
        assert_eq!(full.status.map(|s| s.summary.total), Some(3));
        let minimal = round_trip("ManifestWorkReplicaSet.minimal.json");
        assert_eq!(minimal.spec.placement_refs.len(), 1);
    }

    #[test]
    fn crd() {
        let crd = ManifestWorkReplicaSet::crd();
        assert_eq!(crd.spec.group, crate::work::GROUP);
        assert_eq!(crd.spec.names.plural, "manifestworkreplicasets");
        assert_eq!(crd.spec.names.short_names, Some(vec!["mwrs".to_owned()]));
        assert_eq!(crd.spec.scope, "Namespaced");
        assert_eq!(crd.spec.versions[0].name, "v1alpha1");
        let columns = crd.spec.versions[0]
            .additional_printer_columns
            .as_ref()
            .map(|c| c.iter().map(|c| c.name.as_str()).collect::<Vec<_>>());
        assert_eq!(
            columns,
            Some(vec!["Placement", "Found", "ManifestWorks", "Applied"])
        );
        assert!(
            crd.spec.versions[0]
                .subresources
                .as_ref()
                .is_some_and(|s| s.status.is_some())
        );
        assert_eq!(
            ManifestWorkReplicaSet::api_version(&()),
            "work.open-cluster-management.io/v1alpha1"
        );
    }

    #[test]
    fn always_written_fields_are_written() {
        let status = ManifestWorkReplicaSetStatus::default();
        let zero = json!({
            "total": 0, "progressing": 0, "available": 0, "degraded": 0,
            "applied": 0, "desiredTotal": 0, "updated": 0,
        });
        assert_eq!(
            serde_json::to_value(&status).ok(),
            Some(json!({"summary": zero, "placementSummary": []}))
        );
        assert_eq!(
            serde_json::to_value(LocalPlacementReference::new("p")).ok(),
            Some(json!({"name": "p", "rolloutStrategy": {}}))
        );
        // Go writes `null` for a nil placementSummary.
        let read: ManifestWorkReplicaSetStatus =
            serde_json::from_value(json!({"summary": null, "placementSummary": null}))
                .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read, status);
    }
}
