//! `cluster.open-cluster-management.io/v1beta1`: [`Placement`], a rule selecting managed clusters,
//! and [`PlacementDecision`], the slices of its result.
//!
//! Many spec fields are Go structs tagged `omitempty`, which Go's encoder nevertheless always writes
//! (as `{}` when empty). They are `Option`s here, so what the hub wrote reads and writes back
//! unchanged and an object built in Rust claims only the fields it sets; absent means the same as
//! Go's zero value (for selectors: the empty selector, which matches every cluster).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    Condition, LabelSelector, LabelSelectorRequirement, Time,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::v1::TaintEffect;
use crate::schema::{Required, no_default};

/// The API version of this module's kinds.
pub const VERSION: &str = "v1beta1";

// ---------------------------------------------------------------------------------------------
// Placement
// ---------------------------------------------------------------------------------------------

/// Desired state of a [`Placement`]: which managed clusters to select from the cluster sets bound
/// to the Placement's namespace (via ManagedClusterSetBindings). The fields are ANDed; an empty
/// spec selects every cluster of every bound set. The result is published as
/// [`PlacementDecision`]s labelled `cluster.open-cluster-management.io/placement=<name>`.
#[derive(CustomResource, Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[kube(
    group = "cluster.open-cluster-management.io",
    version = "v1beta1",
    kind = "Placement",
    plural = "placements",
    namespaced,
    status = "PlacementStatus",
    derive = "Default",
    derive = "PartialEq",
    printcolumn = r#"{"name":"Succeeded","type":"string","jsonPath":".status.conditions[?(@.type==\"PlacementSatisfied\")].status"}"#,
    printcolumn = r#"{"name":"Reason","type":"string","jsonPath":".status.conditions[?(@.type==\"PlacementSatisfied\")].reason"}"#,
    printcolumn = r#"{"name":"SelectedClusters","type":"integer","jsonPath":".status.numberOfSelectedClusters"}"#
)]
#[serde(rename_all = "camelCase")]
pub struct PlacementSpec {
    /// Cluster sets to select from. Empty means all sets bound to the namespace; otherwise the
    /// intersection of this list and the bound sets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_sets: Option<Vec<String>>,

    /// How many clusters to select. Absent selects every feasible cluster; when fewer are feasible,
    /// all of them are selected and the `PlacementSatisfied` condition is `False`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "int32"))]
    pub number_of_clusters: Option<i32>,

    /// Predicates selecting clusters; they are ORed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicates: Option<Vec<ClusterPredicate>>,

    /// Prioritizer mode and weights. Always written (Go has no `omitempty` on it).
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    #[schemars(transform = no_default)]
    pub prioritizer_policy: PrioritizerPolicy,

    /// How decisions are spread over topologies (cluster labels or claims).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spread_policy: Option<SpreadPolicy>,

    /// Taints this placement tolerates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<Toleration>>,

    /// How the decisions are divided into decision groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_strategy: Option<DecisionStrategy>,

    /// Order of the decisions; the API server defaults it to [`PlacementSortByType::ClusterName`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "ClusterName"))]
    pub sort_by: Option<PlacementSortByType>,

    /// Minimum interval between decision updates caused only by score changes (not by a change of
    /// the selected set), such as `30s`; the API server defaults it to `1m`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[0-9]+[hms]$"), extend("default" = "1m"))]
    pub score_rate_limit: Option<String>,
}

/// Order of the decisions of a [`Placement`].
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum PlacementSortByType {
    /// Alphanumerically by cluster name.
    #[default]
    ClusterName,
    /// By score, highest first; ties by cluster name.
    Score,
}

/// A predicate selecting managed clusters.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterPredicate {
    /// Clusters must match this selector. A selected cluster that stops matching is eventually
    /// removed from the decisions; one that starts matching may be selected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_cluster_selector: Option<ClusterSelector>,
}

/// Selects managed clusters by labels, claims and CEL expressions, ANDed. An empty selector matches
/// every cluster.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterSelector {
    /// Selects clusters by label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::support::label_selector_schema")]
    pub label_selector: Option<LabelSelector>,

    /// Selects clusters by the claims in their status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_selector: Option<ClusterClaimSelector>,

    /// Selects clusters by CEL expressions over the ManagedCluster.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cel_selector: Option<ClusterCelSelector>,
}

/// CEL expressions over a ManagedCluster (as `managedCluster`); they are ANDed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterCelSelector {
    /// The expressions; each must evaluate to `true` for the cluster to match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cel_expressions: Option<Vec<String>>,
}

/// Selects managed clusters by the ClusterClaims in their status, like a label selector's
/// `matchExpressions`. An empty selector matches every cluster.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClusterClaimSelector {
    /// Requirements on claim names and values; they are ANDed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::support::claim_requirements_schema")]
    pub match_expressions: Option<Vec<LabelSelectorRequirement>>,
}

/// Selects the clusters of a predefined decision group by labels and claims, ANDed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupClusterSelector {
    /// Selects clusters by label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "super::support::label_selector_schema")]
    pub label_selector: Option<LabelSelector>,

    /// Selects clusters by the claims in their status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_selector: Option<ClusterClaimSelector>,
}

/// Mode and per-prioritizer weights used to score clusters.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PrioritizerPolicy {
    /// [`Self::MODE_ADDITIVE`] (the default, also when empty): prioritizers not listed keep their
    /// default weights (Steady and Balance 1, the others 0). [`Self::MODE_EXACT`]: prioritizers
    /// not listed weigh 0. The CRD does not restrict the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Additive"))]
    pub mode: Option<String>,

    /// Weights of individual prioritizers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configurations: Option<Vec<PrioritizerConfig>>,
}

impl PrioritizerPolicy {
    /// `mode` value: unlisted prioritizers keep their default weights.
    pub const MODE_ADDITIVE: &'static str = "Additive";
    /// `mode` value: unlisted prioritizers weigh 0.
    pub const MODE_EXACT: &'static str = "Exact";
}

/// The weight of one prioritizer.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["scoreCoordinate"]))]
pub struct PrioritizerConfig {
    /// Which prioritizer (built-in or add-on score). Required by the CRD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_coordinate: Option<ScoreCoordinate>,

    /// Weight from -10 to 10; the API server defaults it to 1. A cluster's final score is
    /// `sum(weight * score)`; 0 disables the prioritizer, a negative weight prefers low scores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = -10, max = 10), extend("default" = 1, "format" = "int32"))]
    pub weight: Option<i32>,
}

/// Identifies a prioritizer: a built-in one by name, or an add-on score.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["type"]))]
pub struct ScoreCoordinate {
    /// Kind of score source; the API server defaults it to [`ScoreCoordinateType::BuiltIn`].
    /// Required by the CRD.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "BuiltIn"))]
    pub type_: Option<ScoreCoordinateType>,

    /// Name of the built-in prioritizer when `type` is `BuiltIn`: one of
    /// [`Self::BUILT_IN_BALANCE`], [`Self::BUILT_IN_STEADY`],
    /// [`Self::BUILT_IN_RESOURCE_ALLOCATABLE_CPU`], [`Self::BUILT_IN_RESOURCE_ALLOCATABLE_MEMORY`],
    /// [`Self::BUILT_IN_SPREAD`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub built_in: Option<String>,

    /// The add-on score when `type` is `AddOn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_on: Option<AddOnScore>,
}

impl ScoreCoordinate {
    /// Built-in prioritizer balancing decisions across clusters.
    pub const BUILT_IN_BALANCE: &'static str = "Balance";
    /// Built-in prioritizer keeping existing decisions stable.
    pub const BUILT_IN_STEADY: &'static str = "Steady";
    /// Built-in prioritizer preferring clusters with more allocatable CPU.
    pub const BUILT_IN_RESOURCE_ALLOCATABLE_CPU: &'static str = "ResourceAllocatableCPU";
    /// Built-in prioritizer preferring clusters with more allocatable memory.
    pub const BUILT_IN_RESOURCE_ALLOCATABLE_MEMORY: &'static str = "ResourceAllocatableMemory";
    /// Built-in prioritizer spreading the workload evenly over topologies.
    pub const BUILT_IN_SPREAD: &'static str = "Spread";
}

/// Kind of score source of a [`ScoreCoordinate`].
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum ScoreCoordinateType {
    /// A built-in prioritizer named by `builtIn`.
    #[default]
    BuiltIn,
    /// A score published in AddOnPlacementScores, named by `addOn`.
    AddOn,
}

/// An add-on score source: which AddOnPlacementScore and which score in it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AddOnScore {
    /// Name of the AddOnPlacementScore objects (one per cluster namespace).
    pub resource_name: String,

    /// Name of the score inside them.
    pub score_name: String,
}

/// How the decisions of a placement are spread over topologies.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpreadPolicy {
    /// Spread constraints, at most 8, considered in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 8))]
    pub spread_constraints: Option<Vec<SpreadConstraintsTerm>>,
}

/// One spread constraint: distribute decisions evenly over the values of a label or claim.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SpreadConstraintsTerm {
    /// The label key or claim name whose values are the topologies.
    #[schemars(length(max = 316))]
    #[schemars(regex(
        pattern = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$"
    ))]
    pub topology_key: String,

    /// Whether `topologyKey` is a label or a claim.
    pub topology_key_type: TopologyKeyType,

    /// Maximum difference in selected clusters between a topology and the least loaded one (at
    /// least 1). Always written; reads as 1 when absent, as the API server defaults it.
    #[serde(default = "default_max_skew")]
    #[schemars(range(min = 1), extend("format" = "int32"))]
    pub max_skew: i32,

    /// What to do when `maxSkew` cannot be met. Always written; reads as
    /// [`UnsatisfiableMaxSkewAction::ScheduleAnyway`] when absent, as the API server defaults it.
    #[serde(default)]
    pub when_unsatisfiable: UnsatisfiableMaxSkewAction,
}

impl Default for SpreadConstraintsTerm {
    fn default() -> Self {
        Self {
            topology_key: String::new(),
            topology_key_type: TopologyKeyType::default(),
            max_skew: default_max_skew(),
            when_unsatisfiable: UnsatisfiableMaxSkewAction::default(),
        }
    }
}

fn default_max_skew() -> i32 {
    1
}

/// Kind of the `topologyKey` of a [`SpreadConstraintsTerm`].
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum TopologyKeyType {
    /// A ManagedCluster label key.
    #[default]
    Label,
    /// A ClusterClaim name.
    Claim,
}

/// What the scheduler does when a spread constraint's `maxSkew` cannot be met.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, Hash, JsonSchema)]
#[non_exhaustive]
pub enum UnsatisfiableMaxSkewAction {
    /// Select no more clusters.
    DoNotSchedule,
    /// Keep selecting clusters anyway (the default).
    #[default]
    ScheduleAnyway,
}

/// Lets a placement select clusters carrying matching taints (OCM's own toleration, not core's).
/// It matches a taint by `<key, value, effect>` using `operator`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Toleration {
    /// Taint key to match; empty matches every key (then `operator` must be `Exists`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 316))]
    #[schemars(regex(
        pattern = r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
    ))]
    pub key: Option<String>,

    /// [`Self::OPERATOR_EQUAL`] (the API server's default) or [`Self::OPERATOR_EXISTS`] (any
    /// value). The CRD does not restrict the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("default" = "Equal"))]
    pub operator: Option<String>,

    /// Taint value to match; empty with `Exists`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1024))]
    pub value: Option<String>,

    /// Taint effect to match; absent matches every effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<TaintEffect>,

    /// How long a `NoSelect`/`PreferNoSelect` taint is tolerated, counted from the taint's
    /// `timeAdded`; absent tolerates it forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "int64"))]
    pub toleration_seconds: Option<i64>,
}

impl Toleration {
    /// `operator` value: the taint value must equal `value`.
    pub const OPERATOR_EQUAL: &'static str = "Equal";
    /// `operator` value: any taint value matches.
    pub const OPERATOR_EXISTS: &'static str = "Exists";
}

/// How the decisions of a placement are divided into decision groups.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DecisionStrategy {
    /// Strategy dividing the selected clusters into decision groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_strategy: Option<GroupStrategy>,
}

/// Divides selected clusters into decision groups: first the predefined groups, then the rest in
/// groups of at most `clustersPerDecisionGroup`.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupStrategy {
    /// Predefined groups, filled first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_groups: Option<Vec<DecisionGroup>>,

    /// Maximum group size: a number, or a percentage of the selected clusters such as `"20%"`; the
    /// API server defaults it to `"100%"` (a single group). Predefined groups larger than this are
    /// split into groups with the same name and different indexes.
    ///
    /// Go always writes this field (zero as `0`); absent means the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend(
        "default" = "100%",
        "pattern" = "^((100|[1-9][0-9]{0,1})%|[1-9][0-9]*)$"
    ))]
    pub clusters_per_decision_group: Option<IntOrString>,
}

/// A predefined decision group: the clusters matching a selector, labelled with a group name.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["groupName", "groupClusterSelector"]))]
pub struct DecisionGroup {
    /// Value of the `cluster.open-cluster-management.io/decision-group-name` label on this group's
    /// PlacementDecisions. Required by the CRD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-zA-Z0-9][-A-Za-z0-9_.]{0,61}[a-zA-Z0-9]$"))]
    pub group_name: Option<String>,

    /// Selects the group's clusters. Required by the CRD.
    #[serde(
        default,
        rename = "groupClusterSelector",
        skip_serializing_if = "Option::is_none"
    )]
    pub cluster_selector: Option<GroupClusterSelector>,
}

/// Observed state of a [`Placement`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlacementStatus {
    /// Number of selected clusters. Always written.
    #[serde(default)]
    #[schemars(transform = no_default, extend("format" = "int32"))]
    pub number_of_selected_clusters: i32,

    /// The decision groups. Always written (`[]` when empty).
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    #[schemars(transform = no_default)]
    pub decision_groups: Vec<DecisionGroupStatus>,

    /// Conditions such as `PlacementSatisfied` and `PlacementMisconfigured` (a list map keyed by
    /// `type`). Always written (`[]` when empty).
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    #[schemars(schema_with = "crate::schema::conditions_map_schema", transform = no_default)]
    pub conditions: Vec<Condition>,

    /// When the placement scores were last updated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_score_update_time: Option<Time>,
}

/// One decision group of a [`Placement`], as reported in its status.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DecisionGroupStatus {
    /// The group index (0 when there is no decision strategy). Always written.
    #[serde(default)]
    #[schemars(transform = no_default, extend("format" = "int32"))]
    pub decision_group_index: i32,

    /// The group name from the decision strategy (empty for groups not predefined). Always
    /// written.
    #[serde(default)]
    #[schemars(transform = no_default)]
    pub decision_group_name: String,

    /// Names of the PlacementDecisions of this group. Always written (`[]` when empty).
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    #[schemars(transform = no_default)]
    pub decisions: Vec<String>,

    /// Number of clusters in the group, at most `clustersPerDecisionGroup`. Always written; the JSON
    /// name is `clusterCount`.
    #[serde(default, rename = "clusterCount")]
    #[schemars(extend("format" = "int32"))]
    pub clusters_count: i32,
}

// ---------------------------------------------------------------------------------------------
// PlacementDecision
// ---------------------------------------------------------------------------------------------

crate::kind::custom_resource! {
    /// One slice of the result of a [`Placement`], in the Placement's namespace and labelled
    /// `cluster.open-cluster-management.io/placement=<placement name>` (and, with decision
    /// groups, with the group name and index labels). Across all slices there are
    /// `numberOfClusters` decisions when that is set, otherwise one per matching cluster; some
    /// may be empty when too few clusters match.
    ///
    /// Upstream has no `spec`: only `metadata` and `status` (a status subresource). Serializing
    /// writes `apiVersion` and `kind` like every other kind.
    pub struct PlacementDecision {
        group: "cluster.open-cluster-management.io",
        version: "v1beta1",
        plural: "placementdecisions",
        scope: NamespaceResourceScope,
        status(omitempty): PlacementDecisionStatus,
    }
}

/// The decisions of a [`PlacementDecision`].
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["decisions"]))]
pub struct PlacementDecisionStatus {
    /// The selected clusters, at most 100 per PlacementDecision. Always written (`[]` when empty);
    /// required by the CRD.
    #[serde(default, deserialize_with = "crate::serde_util::null_as_default")]
    #[schemars(transform = no_default)]
    pub decisions: Vec<ClusterDecision>,
}

/// One selected cluster; an empty decision means not scheduled yet.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(transform = Required(&["clusterName", "reason"]))]
pub struct ClusterDecision {
    /// Name of the ManagedCluster, unique across the Placement's decisions when not empty. Always
    /// written.
    #[serde(default)]
    #[schemars(transform = no_default)]
    pub cluster_name: String,

    /// Why the cluster was selected. Always written (also when empty).
    #[serde(default)]
    #[schemars(transform = no_default)]
    pub reason: String,

    /// The cluster's combined prioritizer score. Omitted when 0 (Go `omitzero`).
    #[serde(default, skip_serializing_if = "crate::serde_util::is_zero")]
    #[schemars(extend("format" = "int64"))]
    pub score: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::support::testing::{check_crd, prop, round_trip};
    use kube::CustomResourceExt;

    #[test]
    fn placement_fixtures_round_trip() {
        let full: Placement = round_trip("v1beta1", "Placement.full.json");
        assert_eq!(full.spec.sort_by, Some(PlacementSortByType::Score));
        assert_eq!(
            full.spec.prioritizer_policy.mode.as_deref(),
            Some(PrioritizerPolicy::MODE_EXACT)
        );
        let configs = full
            .spec
            .prioritizer_policy
            .configurations
            .clone()
            .unwrap_or_default();
        assert_eq!(
            configs[1].score_coordinate.as_ref().and_then(|c| c.type_),
            Some(ScoreCoordinateType::AddOn)
        );
        let groups = full.status.clone().unwrap_or_default().decision_groups;
        assert_eq!(groups[1].clusters_count, 2);

        let minimal: Placement = round_trip("v1beta1", "Placement.minimal.json");
        assert_eq!(
            minimal.spec.prioritizer_policy,
            PrioritizerPolicy::default()
        );
        assert_eq!(
            minimal
                .spec
                .decision_strategy
                .and_then(|d| d.group_strategy)
                .and_then(|g| g.clusters_per_decision_group),
            Some(IntOrString::Int(0))
        );
    }

    #[test]
    fn placement_always_written_fields() {
        // prioritizerPolicy has no omitempty in Go; status slices are written as [] not omitted.
        let p = Placement::new("p", PlacementSpec::default());
        let out = serde_json::to_value(&p).unwrap_or_default();
        assert_eq!(out["spec"], serde_json::json!({"prioritizerPolicy": {}}));
        let status = serde_json::to_value(PlacementStatus::default()).unwrap_or_default();
        assert_eq!(
            status,
            serde_json::json!({"numberOfSelectedClusters": 0, "decisionGroups": [], "conditions": []})
        );
        // Go writes nil slices as null; they read as empty.
        let s: PlacementStatus = serde_json::from_value(serde_json::json!({
            "numberOfSelectedClusters": 0, "decisionGroups": null, "conditions": null,
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(s.decision_groups.is_empty() && s.conditions.is_empty());
        let term: SpreadConstraintsTerm = serde_json::from_value(
            serde_json::json!({"topologyKey": "zone", "topologyKeyType": "Label"}),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(term.max_skew, 1);
        assert_eq!(
            term.when_unsatisfiable,
            UnsatisfiableMaxSkewAction::ScheduleAnyway
        );
    }

    #[test]
    fn placement_crd() {
        let schema =
            check_crd::<Placement>("Placement", "v1beta1", "placements", "Namespaced", true);
        assert_eq!(
            prop(&schema, "spec/sortBy")["enum"],
            serde_json::json!(["ClusterName", "Score"])
        );
        assert_eq!(
            prop(
                &schema,
                "spec/decisionStrategy/groupStrategy/clustersPerDecisionGroup"
            )["x-kubernetes-int-or-string"],
            true
        );
        let mut required: Vec<_> = prop(
            &schema,
            "spec/decisionStrategy/groupStrategy/decisionGroups",
        )["items"]["required"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        required.sort_by_key(|v| v.to_string());
        assert_eq!(
            required,
            [
                serde_json::json!("groupClusterSelector"),
                serde_json::json!("groupName")
            ]
        );
        assert_eq!(
            prop(&schema, "status/decisionGroups/clusterCount")["type"],
            "integer"
        );
        assert!(
            prop(&schema, "spec/prioritizerPolicy")
                .get("default")
                .is_none()
        );
        assert_eq!(
            prop(&schema, "spec/spreadPolicy/spreadConstraints/maxSkew")["default"],
            1
        );
        let crd = Placement::crd();
        let cols = crd.spec.versions[0]
            .additional_printer_columns
            .as_deref()
            .unwrap_or_default();
        assert_eq!(cols.len(), 3);
    }

    #[test]
    fn placement_decision_fixtures_round_trip() {
        let full: PlacementDecision = round_trip("v1beta1", "PlacementDecision.full.json");
        let decisions = full.status.unwrap_or_default().decisions;
        assert_eq!(decisions[0].score, 180);
        assert_eq!(decisions[2], ClusterDecision::default());

        let minimal: PlacementDecision = round_trip("v1beta1", "PlacementDecision.minimal.json");
        assert_eq!(minimal.status, Some(PlacementDecisionStatus::default()));
    }

    #[test]
    fn placement_decision_wire_form() {
        let mut pd = PlacementDecision::new("p-decision-1");
        pd.status = Some(PlacementDecisionStatus {
            decisions: vec![ClusterDecision {
                cluster_name: "c1".into(),
                ..Default::default()
            }],
        });
        let out = serde_json::to_value(&pd).unwrap_or_default();
        assert_eq!(
            out["apiVersion"],
            "cluster.open-cluster-management.io/v1beta1"
        );
        assert_eq!(out["kind"], "PlacementDecision");
        assert!(out.get("spec").is_none());
        // reason is always written, score is omitted when zero (omitzero).
        assert_eq!(
            out["status"]["decisions"],
            serde_json::json!([{"clusterName": "c1", "reason": ""}])
        );
        let empty = serde_json::to_value(PlacementDecisionStatus::default()).unwrap_or_default();
        assert_eq!(empty, serde_json::json!({"decisions": []}));
    }

    #[test]
    fn placement_decision_crd() {
        let schema = check_crd::<PlacementDecision>(
            "PlacementDecision",
            "v1beta1",
            "placementdecisions",
            "Namespaced",
            true,
        );
        assert!(schema["properties"].get("spec").is_none());
        assert_eq!(
            prop(&schema, "status")["required"],
            serde_json::json!(["decisions"])
        );
        let mut required: Vec<_> = prop(&schema, "status/decisions")["items"]["required"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        required.sort_by_key(|v| v.to_string());
        assert_eq!(
            required,
            [
                serde_json::json!("clusterName"),
                serde_json::json!("reason")
            ]
        );
        assert_eq!(prop(&schema, "status/decisions/score")["format"], "int64");
    }
}
