//! `cluster.open-cluster-management.io/v1alpha1`: [`ClusterClaim`], [`AddOnPlacementScore`] and the
//! rollout strategy types ([`RolloutStrategy`] and friends) shared by the `work` and `addon` groups.
//!
//! # Rollout types and Go's `omitempty`
//!
//! Upstream tags `minSuccessTime` (`metav1.Duration`), `maxFailures` and `maxConcurrency`
//! (`intstr.IntOrString`) `omitempty`, but these are Go structs, for which `omitempty` has no
//! effect: the Go encoder always writes them (`"minSuccessTime":"0s"`, `"maxFailures":0`,
//! `"maxConcurrency":0`). Here they are `Option`s, so that whatever the hub wrote is read and written
//! back unchanged and an object built in Rust claims only the fields it sets (which matters for
//! server-side apply). An absent value means the same as Go's zero value.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The API version of this module's kinds.
pub const VERSION: &str = "v1alpha1";

/// ClusterClaim names the registration agent reports with priority (Go's
/// `ReservedClusterClaimNames`): the cluster's unique id, its Kubernetes version, its platform
/// (AWS, GCE, ...) and its product (OpenShift, EKS, GKE, ...).
pub const RESERVED_CLUSTER_CLAIM_NAMES: [&str; 4] = [
    "id.k8s.io",
    "kubeversion.open-cluster-management.io",
    "platform.open-cluster-management.io",
    "product.open-cluster-management.io",
];

// ---------------------------------------------------------------------------------------------
// ClusterClaim
// ---------------------------------------------------------------------------------------------

crate::kind::custom_resource! {
    /// A piece of information a managed cluster claims about itself (cluster-scoped, created on
    /// the managed cluster). The registration agent copies claims into the
    /// `status.clusterClaims` of the cluster's `ManagedCluster` on the hub; well-known names
    /// include `id.k8s.io` (a unique cluster id) and `clusterset.k8s.io`.
    ///
    /// Upstream's CRD has no status and does not require `spec`: Go always writes it (`{}` when
    /// empty), and an absent or `null` one reads as the default.
    pub struct ClusterClaim {
        group: "cluster.open-cluster-management.io",
        version: "v1alpha1",
        plural: "clusterclaims",
        scope: ClusterResourceScope,
        spec(optional): ClusterClaimSpec,
    }
}

/// What a [`ClusterClaim`] claims.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterClaimSpec {
    /// The claimed value; its meaning depends on the claim (1 to 1024 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 1024))]
    pub value: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// AddOnPlacementScore
// ---------------------------------------------------------------------------------------------

crate::kind::custom_resource! {
    /// A set of scores for one managed cluster, published by an add-on in the cluster's namespace
    /// on the hub and consumed by Placement prioritizers (`ScoreCoordinate` of type `AddOn`).
    ///
    /// Upstream has no `spec`: only `metadata` and `status` (a status subresource). Serializing
    /// writes `apiVersion` and `kind` like every other kind.
    pub struct AddOnPlacementScore {
        group: "cluster.open-cluster-management.io",
        version: "v1alpha1",
        plural: "addonplacementscores",
        scope: NamespaceResourceScope,
        status(omitempty): AddOnPlacementScoreStatus,
    }
}

/// The scores of an [`AddOnPlacementScore`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddOnPlacementScoreStatus {
    /// Conditions of this score set (a list map keyed by `type`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "crate::schema::conditions_map_schema")]
    pub conditions: Option<Vec<Condition>>,

    /// The named scores of the cluster (a list map keyed by `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("x-kubernetes-list-type" = "map", "x-kubernetes-list-map-keys" = ["name"]))]
    pub scores: Option<Vec<AddOnPlacementScoreItem>>,

    /// When the scores stop being valid; after it placement ignores them. `None` means they never
    /// expire. Omitted when `None`: Go marshals `null` (no `omitempty`), which the apiserver
    /// prunes on create and update, and which server-side apply rejects for this non-nullable
    /// field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Time>,
}

/// One named score of an [`AddOnPlacementScore`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddOnPlacementScoreItem {
    /// The score name, referenced by `ScoreCoordinate.addOn.scoreName`.
    pub name: String,

    /// The score, from -100 to 100.
    #[schemars(range(min = -100, max = 100))]
    pub value: i32,
}

// ---------------------------------------------------------------------------------------------
// Rollout strategy (api cluster/v1alpha1/types_rolloutstrategy.go)
// ---------------------------------------------------------------------------------------------

/// How a workload applier (ManifestWorkReplicaSet, add-on install strategies) rolls a workload out
/// to the clusters selected by a Placement and its decision strategy.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RolloutStrategy {
    /// The rollout type; the API server defaults it to [`RolloutType::All`].
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "All"))]
    pub type_: Option<RolloutType>,

    /// Settings for [`RolloutType::All`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all: Option<RolloutAll>,

    /// Settings for [`RolloutType::Progressive`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progressive: Option<RolloutProgressive>,

    /// Settings for [`RolloutType::ProgressivePerGroup`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progressive_per_group: Option<RolloutProgressivePerGroup>,
}

/// The kind of rollout a [`RolloutStrategy`] performs.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum RolloutType {
    /// Apply the workload to all clusters of all decision groups at once.
    #[default]
    All,
    /// Apply the workload cluster by cluster; the next cluster is started only when one of the
    /// current ones succeeded and `maxFailures` is not breached.
    Progressive,
    /// Apply the workload decision group by decision group; the next group is started only when all
    /// clusters of the current group succeeded and `maxFailures` is not breached.
    ProgressivePerGroup,
}

/// Timing and failure tolerance of a rollout (inlined into [`RolloutAll`], [`RolloutProgressive`]
/// and [`RolloutProgressivePerGroup`]).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RolloutConfig {
    /// "Soak" time: the minimum time to wait from the start of each rollout step before
    /// proceeding, once it succeeded without breaching `maxFailures`; a Go duration such as `2h`,
    /// `90m`, `360s`. Only used by the progressive types. Absent means `0`.
    ///
    /// Go always writes this field (zero as `"0s"`); see the module docs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "0"))]
    pub min_success_time: Option<String>,

    /// How long to wait for the workload to succeed on a cluster before counting it as failed
    /// ("timeout"); a duration such as `2h`, `90m`, `360s`, or `None` (wait forever, the default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "None", "pattern" = "^(([0-9])+[h|m|s])|None$"))]
    pub progress_deadline: Option<String>,

    /// How many clusters (a number, or a percentage such as `"10%"`) of the current rollout may fail
    /// before the rollout stops. Progressive counts over all clusters, ProgressivePerGroup over the
    /// current group; mandatory decision groups tolerate no failure. Absent means `0`.
    ///
    /// Go always writes this field (zero as `0`); see the module docs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = 0, "pattern" = "^((100|[0-9]{1,2})%|[0-9]+)$"))]
    pub max_failures: Option<IntOrString>,
}

/// A decision group that must be rolled out first and must not fail, selected by name or index
/// (the name is considered first).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MandatoryDecisionGroup {
    /// The decision group name: the value of the
    /// `cluster.open-cluster-management.io/decision-group-name` label of its PlacementDecisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_name: Option<String>,

    /// The decision group index: the value of the
    /// `cluster.open-cluster-management.io/decision-group-index` label of its PlacementDecisions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "int32"))]
    pub group_index: Option<i32>,
}

/// The decision groups to roll out first (inlined into the progressive rollout types).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct MandatoryDecisionGroups {
    /// Decision groups (by name or index, matching the Placement's decision strategy) to apply the
    /// workload to first; the rollout fails if any of them does not succeed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mandatory_decision_groups: Option<Vec<MandatoryDecisionGroup>>,
}

/// Settings of the [`RolloutType::All`] rollout.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RolloutAll {
    /// Timing and failure tolerance (inlined).
    #[serde(flatten)]
    pub rollout_config: RolloutConfig,
}

/// Settings of the [`RolloutType::ProgressivePerGroup`] rollout.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RolloutProgressivePerGroup {
    /// Timing and failure tolerance (inlined).
    #[serde(flatten)]
    pub rollout_config: RolloutConfig,

    /// Groups to roll out first (inlined).
    #[serde(flatten)]
    pub mandatory_decision_groups: MandatoryDecisionGroups,
}

/// Settings of the [`RolloutType::Progressive`] rollout.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RolloutProgressive {
    /// Timing and failure tolerance (inlined).
    #[serde(flatten)]
    pub rollout_config: RolloutConfig,

    /// Groups to roll out first (inlined).
    #[serde(flatten)]
    pub mandatory_decision_groups: MandatoryDecisionGroups,

    /// The maximum number (or percentage, such as `"25%"`) of clusters to roll out to at once.
    /// Absent means it follows `clustersPerDecisionGroup` of the Placement's decision strategy.
    ///
    /// Go always writes this field (zero as `0`); see the module docs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("pattern" = "^((100|[0-9]{1,2})%|[0-9]+)$"))]
    pub max_concurrency: Option<IntOrString>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::support::testing::{check_crd, prop, round_trip};
    use kube::CustomResourceExt;

    #[test]
    fn cluster_claim_fixtures_round_trip() {
        let full: ClusterClaim = round_trip("v1alpha1", "ClusterClaim.full.json");
        assert_eq!(
            full.spec.value.as_deref(),
            Some("4f3e2d1c-0b9a-8765-4321-fedcba987654")
        );
        let minimal: ClusterClaim = round_trip("v1alpha1", "ClusterClaim.minimal.json");
        assert_eq!(minimal.spec, ClusterClaimSpec::default());
    }

    #[test]
    fn cluster_claim_crd() {
        let schema = check_crd::<ClusterClaim>(
            "ClusterClaim",
            "v1alpha1",
            "clusterclaims",
            "Cluster",
            false,
        );
        assert_eq!(
            prop(&schema, "spec/value")["maxLength"].as_i64(),
            Some(1024)
        );
        assert!(schema["properties"].get("status").is_none());
    }

    #[test]
    fn add_on_placement_score_fixtures_round_trip() {
        let full: AddOnPlacementScore = round_trip("v1alpha1", "AddOnPlacementScore.full.json");
        let status = full.status.unwrap_or_default();
        assert!(status.valid_until.is_some());
        assert_eq!(status.scores.unwrap_or_default()[1].value, -100);

        let minimal: AddOnPlacementScore =
            round_trip("v1alpha1", "AddOnPlacementScore.minimal.json");
        assert_eq!(minimal.status, Some(AddOnPlacementScoreStatus::default()));
        // Go marshals validUntil as null; a null reads as None and None is omitted.
        let out = serde_json::to_value(AddOnPlacementScoreStatus::default()).unwrap_or_default();
        assert_eq!(out, serde_json::json!({}));
        let null: AddOnPlacementScoreStatus =
            serde_json::from_value(serde_json::json!({"validUntil": null})).unwrap_or_default();
        assert_eq!(null, AddOnPlacementScoreStatus::default());
    }

    #[test]
    fn add_on_placement_score_writes_type_meta_and_no_spec() {
        let mut score = AddOnPlacementScore::new("s");
        score.metadata.namespace = Some("cluster1".into());
        let out = serde_json::to_value(&score).unwrap_or_default();
        assert_eq!(
            out,
            serde_json::json!({
                "apiVersion": "cluster.open-cluster-management.io/v1alpha1",
                "kind": "AddOnPlacementScore",
                "metadata": {"name": "s", "namespace": "cluster1"},
            })
        );
    }

    #[test]
    fn add_on_placement_score_crd() {
        let schema = check_crd::<AddOnPlacementScore>(
            "AddOnPlacementScore",
            "v1alpha1",
            "addonplacementscores",
            "Namespaced",
            true,
        );
        assert!(schema["properties"].get("spec").is_none());
        assert!(schema["properties"].get("metadata").is_none());
        assert_eq!(
            prop(&schema, "status/scores/value")["minimum"].as_f64(),
            Some(-100.0)
        );
        assert_eq!(prop(&schema, "status/validUntil")["format"], "date-time");
        assert_eq!(
            AddOnPlacementScore::api_resource().api_version,
            "cluster.open-cluster-management.io/v1alpha1"
        );
    }

    #[test]
    fn rollout_strategy_reads_what_go_writes() {
        // What Go's encoder writes for a Progressive strategy: the struct-typed fields are present
        // even when zero.
        let go = serde_json::json!({
            "type": "Progressive",
            "progressive": {
                "minSuccessTime": "0s",
                "progressDeadline": "10m",
                "maxFailures": 0,
                "mandatoryDecisionGroups": [{"groupName": "canary"}, {"groupIndex": 2}],
                "maxConcurrency": "25%"
            }
        });
        let s: RolloutStrategy = serde_json::from_value(go.clone()).unwrap_or_default();
        assert_eq!(s.type_, Some(RolloutType::Progressive));
        let p = s.progressive.clone().unwrap_or_default();
        assert_eq!(p.rollout_config.max_failures, Some(IntOrString::Int(0)));
        assert_eq!(p.rollout_config.progress_deadline.as_deref(), Some("10m"));
        assert_eq!(p.max_concurrency, Some(IntOrString::String("25%".into())));
        let groups = p
            .mandatory_decision_groups
            .mandatory_decision_groups
            .unwrap_or_default();
        assert_eq!(groups[1].group_index, Some(2));
        assert_eq!(serde_json::to_value(&s).unwrap_or_default(), go);
    }

    #[test]
    fn rollout_strategy_variants_round_trip() {
        for json in [
            serde_json::json!({"type": "All", "all": {"progressDeadline": "None"}}),
            serde_json::json!({"type": "ProgressivePerGroup", "progressivePerGroup": {
                "minSuccessTime": "5m", "maxFailures": "10%",
                "mandatoryDecisionGroups": [{"groupName": "a", "groupIndex": 0}]}}),
            serde_json::json!({}),
        ] {
            let s: RolloutStrategy =
                serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(serde_json::to_value(&s).unwrap_or_default(), json);
        }
        assert!(
            serde_json::from_value::<RolloutStrategy>(serde_json::json!({"type": "Sometimes"}))
                .is_err()
        );
    }
}
