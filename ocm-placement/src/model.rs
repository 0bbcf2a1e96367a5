//! The scheduler's input: light mirrors of the OCM objects it reads.
//!
//! These types carry only what scheduling reads, so that the crate can be embedded without
//! kube or an API server. Field names follow the upstream Go types and their JSON tags
//! (`open-cluster-management.io/api`), so a `PlacementSpec` deserializes from the `spec` of a
//! real Placement, and a [`Snapshot`] can be saved and loaded as JSON for what-if runs
//! (see [`crate::Scheduler::schedule`]).

use crate::quantity::Quantity;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub use litemap::LiteMap;

/// A cluster's labels: a map sorted by key, kept in one vector.
///
/// A cluster has a handful of labels and resources, so the maps of [`ManagedCluster`] are
/// sorted vectors ([`LiteMap`]: `get`, `insert`, `iter`, `FromIterator` and serde like a
/// `BTreeMap`; look keys up with `get("key")`, as `map["key"]` needs a `&String`) rather than
/// B-trees, which allocate a node for eleven entries: a snapshot of 100,000 clusters takes
/// about half the memory it took with B-trees.
pub type StringMap = LiteMap<String, String>;

/// `status.allocatable` or `status.capacity` of a cluster: resource name → quantity, sorted by
/// name (Kubernetes' `ResourceList`; see [`StringMap`] for why a sorted vector).
pub type ResourceList = LiteMap<String, Quantity>;

/// `map.get(key)` for the model's small maps, reading as few keys as it can: a linear scan that
/// compares lengths first, so only keys of `key`'s length are read (a binary search compares,
/// and so reads, every key it visits; each is a separate allocation, often not in cache).
pub(crate) fn lookup<'m, V>(map: &'m LiteMap<String, V>, key: &str) -> Option<&'m V> {
    const LINEAR: usize = 16;
    if map.len() > LINEAR {
        return map.get(key);
    }
    map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
}

macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $wire:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(from = "String", into = "String")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this crate does not know; kept verbatim (Go compares strings).
            Other(String),
        }

        impl $name {
            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(s) => s,
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match s.as_str() {
                    $( $wire => $name::$variant, )+
                    _ => $name::Other(s),
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::from(s.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                match v {
                    $name::Other(s) => s,
                    other => other.as_str().to_owned(),
                }
            }
        }
    };
}

string_enum! {
    /// `ManagedCluster.spec.taints[].effect`.
    pub enum TaintEffect {
        /// `NoSelect`: placements must tolerate the taint.
        NoSelect = "NoSelect",
        /// `PreferNoSelect`: always tolerated (upstream implements no score penalty).
        PreferNoSelect = "PreferNoSelect",
        /// `NoSelectIfNew`: tolerated for clusters already in the placement's decisions.
        NoSelectIfNew = "NoSelectIfNew",
    }
}

string_enum! {
    /// `Placement.spec.tolerations[].operator`; the empty string means `Equal`.
    #[derive(Default)]
    pub enum TolerationOperator {
        /// `""` (treated as `Equal`).
        #[default]
        Empty = "",
        /// `Equal`.
        Equal = "Equal",
        /// `Exists`.
        Exists = "Exists",
    }
}

/// A `ManagedCluster` as the scheduler sees it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ManagedCluster {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`.
    #[serde(default, skip_serializing_if = "LiteMap::is_empty")]
    pub labels: StringMap,
    /// `status.clusterClaims`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClusterClaim>,
    /// `spec.taints`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub taints: Vec<Taint>,
    /// `status.allocatable`, keyed by resource name (`cpu`, `memory`, …).
    #[serde(default, skip_serializing_if = "LiteMap::is_empty")]
    pub allocatable: ResourceList,
    /// `status.capacity`, keyed by resource name.
    #[serde(default, skip_serializing_if = "LiteMap::is_empty")]
    pub capacity: ResourceList,
    /// The `AddOnPlacementScore`s in the cluster's namespace.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scores: Vec<AddOnPlacementScore>,
    /// Whether `metadata.deletionTimestamp` is set; deleting clusters are never candidates.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleting: bool,
    /// The whole object as upstream's CEL reads it ([`crate::unstructured::managed_cluster`]):
    /// when set, `managedCluster` in a CEL expression is this value, so every field of the
    /// original object (version, conditions, annotations, uid, …) can be read. When unset, it
    /// is built from the fields above, as Go would write an object that has only those.
    /// Set by the conversions from `ocm-api` objects and JSON ([`ManagedCluster::with_object`]);
    /// keep it in step with the fields above when changing them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<std::sync::Arc<serde_json::Value>>,
}

impl ManagedCluster {
    /// A cluster with a name and nothing else.
    pub fn new(name: impl Into<String>) -> Self {
        ManagedCluster {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Adds a label.
    pub fn with_label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Adds a cluster claim.
    pub fn with_claim(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.claims.push(ClusterClaim {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// Adds a taint.
    pub fn with_taint(mut self, taint: Taint) -> Self {
        self.taints.push(taint);
        self
    }

    /// Sets allocatable and capacity of a resource.
    pub fn with_resource(
        mut self,
        name: impl Into<String>,
        allocatable: impl Into<Quantity>,
        capacity: impl Into<Quantity>,
    ) -> Self {
        let name = name.into();
        self.allocatable.insert(name.clone(), allocatable.into());
        self.capacity.insert(name, capacity.into());
        self
    }

    /// Adds an `AddOnPlacementScore` in the cluster's namespace.
    pub fn with_score(mut self, score: AddOnPlacementScore) -> Self {
        self.scores.push(score);
        self
    }

    /// Sets [`ManagedCluster::object`] from any JSON form of the object (normalized by
    /// [`crate::unstructured::managed_cluster`]). The other fields are not changed.
    pub fn with_object(mut self, object: &serde_json::Value) -> Self {
        self.object = Some(std::sync::Arc::new(crate::unstructured::managed_cluster(
            object,
        )));
        self
    }

    /// Marks the cluster as being deleted.
    pub fn deleting(mut self, deleting: bool) -> Self {
        self.deleting = deleting;
        self
    }

    /// The claims as a map, the last of duplicate names winning (Go's `GetClusterClaims`).
    pub fn claim_map(&self) -> BTreeMap<String, String> {
        self.claims
            .iter()
            .map(|c| (c.name.clone(), c.value.clone()))
            .collect()
    }
}

/// `ManagedCluster.status.clusterClaims[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ClusterClaim {
    /// The claim name.
    #[serde(default)]
    pub name: String,
    /// The claim value.
    #[serde(default)]
    pub value: String,
}

impl ClusterClaim {
    /// A claim.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        ClusterClaim {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// `ManagedCluster.spec.taints[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Taint {
    /// The taint key.
    pub key: String,
    /// The taint value.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// The effect.
    pub effect: TaintEffect,
    /// When the taint was added. `None` is Go's zero time: every `tolerationSeconds` has
    /// already expired.
    #[serde(default)]
    pub time_added: Option<Timestamp>,
}

impl Taint {
    /// A taint.
    pub fn new(
        key: impl Into<String>,
        value: impl Into<String>,
        effect: TaintEffect,
        time_added: Option<Timestamp>,
    ) -> Self {
        Taint {
            key: key.into(),
            value: value.into(),
            effect,
            time_added,
        }
    }
}

/// An `AddOnPlacementScore` (its name is the score's resource name).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AddOnPlacementScore {
    /// `metadata.name`, the `resourceName` prioritizers refer to.
    pub name: String,
    /// `status.validUntil`; after it the score is ignored (score 0).
    #[serde(default)]
    pub valid_until: Option<Timestamp>,
    /// `status.scores`.
    #[serde(default)]
    pub scores: Vec<AddOnPlacementScoreItem>,
}

impl AddOnPlacementScore {
    /// A score resource without items.
    pub fn new(name: impl Into<String>) -> Self {
        AddOnPlacementScore {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Adds an item.
    pub fn with_item(mut self, name: impl Into<String>, value: i32) -> Self {
        self.scores.push(AddOnPlacementScoreItem {
            name: name.into(),
            value,
        });
        self
    }

    /// Sets `validUntil`.
    pub fn valid_until(mut self, t: Option<Timestamp>) -> Self {
        self.valid_until = t;
        self
    }
}

/// `AddOnPlacementScore.status.scores[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AddOnPlacementScoreItem {
    /// The score name.
    pub name: String,
    /// The value (upstream documents −100..100 but does not enforce it; neither do we).
    pub value: i32,
}

/// `metav1.LabelSelector`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LabelSelector {
    /// `matchLabels`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    /// `matchExpressions`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

impl LabelSelector {
    /// A selector requiring `key=value`.
    pub fn with_label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.match_labels.insert(key.into(), value.into());
        self
    }

    /// Adds a requirement.
    pub fn with_expression(mut self, r: LabelSelectorRequirement) -> Self {
        self.match_expressions.push(r);
        self
    }
}

/// `metav1.LabelSelectorRequirement`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LabelSelectorRequirement {
    /// The label (or claim) key.
    pub key: String,
    /// `In`, `NotIn`, `Exists` or `DoesNotExist`; anything else is a misconfiguration.
    pub operator: String,
    /// The values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

impl LabelSelectorRequirement {
    /// A requirement.
    pub fn new(key: impl Into<String>, operator: impl Into<String>, values: &[&str]) -> Self {
        LabelSelectorRequirement {
            key: key.into(),
            operator: operator.into(),
            values: values.iter().map(|s| (*s).to_owned()).collect(),
        }
    }
}

/// A `ManagedClusterSet`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ManagedClusterSet {
    /// `metadata.name`.
    pub name: String,
    /// `spec.clusterSelector`.
    #[serde(default)]
    pub cluster_selector: ManagedClusterSelector,
}

impl ManagedClusterSet {
    /// A set selecting clusters by the `cluster.open-cluster-management.io/clusterset` label.
    pub fn exclusive(name: impl Into<String>) -> Self {
        ManagedClusterSet {
            name: name.into(),
            cluster_selector: ManagedClusterSelector::default(),
        }
    }

    /// A set selecting clusters with a label selector (`None` selects nothing).
    pub fn with_label_selector(name: impl Into<String>, selector: Option<LabelSelector>) -> Self {
        ManagedClusterSet {
            name: name.into(),
            cluster_selector: ManagedClusterSelector {
                selector_type: "LabelSelector".into(),
                label_selector: selector,
            },
        }
    }
}

/// `ManagedClusterSet.spec.clusterSelector`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ManagedClusterSelector {
    /// `ExclusiveClusterSetLabel` (or empty) or `LabelSelector`; other values are errors.
    #[serde(default)]
    pub selector_type: String,
    /// Used when the type is `LabelSelector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_selector: Option<LabelSelector>,
}

/// A `ManagedClusterSetBinding`. Upstream reads its **name** (not `spec.clusterSet`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ManagedClusterSetBinding {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`, the bound set.
    pub name: String,
}

impl ManagedClusterSetBinding {
    /// A binding of set `name` into `namespace`.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        ManagedClusterSetBinding {
            namespace: namespace.into(),
            name: name.into(),
        }
    }
}

/// An existing `PlacementDecision` (of this or any other placement).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PlacementDecision {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `metadata.labels`; `cluster.open-cluster-management.io/placement` names the owner.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `status.decisions`.
    #[serde(default)]
    pub decisions: Vec<ClusterDecision>,
}

impl PlacementDecision {
    /// A decision page of placement `placement` listing `clusters`.
    pub fn for_placement(
        namespace: impl Into<String>,
        name: impl Into<String>,
        placement: &str,
        clusters: &[&str],
    ) -> Self {
        PlacementDecision {
            namespace: namespace.into(),
            name: name.into(),
            labels: [(crate::labels::PLACEMENT.to_owned(), placement.to_owned())].into(),
            decisions: clusters.iter().map(|c| ClusterDecision::new(*c)).collect(),
        }
    }

    /// The value of the `placement` label.
    pub fn placement_label(&self) -> Option<&str> {
        self.labels
            .get(crate::labels::PLACEMENT)
            .map(String::as_str)
    }
}

/// `PlacementDecision.status.decisions[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClusterDecision {
    /// The chosen cluster.
    pub cluster_name: String,
    /// Always empty when written by the scheduler.
    #[serde(default)]
    pub reason: String,
}

impl ClusterDecision {
    /// A decision for a cluster, with an empty reason.
    pub fn new(cluster_name: impl Into<String>) -> Self {
        ClusterDecision {
            cluster_name: cluster_name.into(),
            reason: String::new(),
        }
    }
}

/// A `Placement`: where it lives and its spec.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Placement {
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// `spec`.
    #[serde(default)]
    pub spec: PlacementSpec,
}

impl Placement {
    /// A placement with a default spec.
    pub fn new(namespace: impl Into<String>, name: impl Into<String>) -> Self {
        Placement {
            namespace: namespace.into(),
            name: name.into(),
            spec: PlacementSpec::default(),
        }
    }

    /// Replaces the spec.
    pub fn with_spec(mut self, spec: PlacementSpec) -> Self {
        self.spec = spec;
        self
    }

    /// The CEL expressions of every predicate, in order.
    #[cfg(feature = "cel")]
    pub(crate) fn cel_expressions(&self) -> impl Iterator<Item = &str> {
        self.spec.predicates.iter().flat_map(|p| {
            p.required_cluster_selector
                .cel_selector
                .cel_expressions
                .iter()
                .map(String::as_str)
        })
    }
}

/// `Placement.spec` (upstream `PlacementSpec`, same JSON).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PlacementSpec {
    /// `clusterSets`: restricts candidates to these bound sets when non-empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_sets: Vec<String>,
    /// `numberOfClusters`: all feasible clusters when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_of_clusters: Option<i32>,
    /// `predicates`: ORed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub predicates: Vec<ClusterPredicate>,
    /// `prioritizerPolicy`.
    #[serde(default)]
    pub prioritizer_policy: PrioritizerPolicy,
    /// `spreadPolicy`: ignored upstream; honoured only with
    /// [`RegistryBuilder::spread`](crate::RegistryBuilder::spread) (an extension).
    #[serde(default, skip_serializing_if = "SpreadPolicy::is_empty")]
    pub spread_policy: SpreadPolicy,
    /// `tolerations`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    /// `decisionStrategy`.
    #[serde(default)]
    pub decision_strategy: DecisionStrategy,
}

/// `spec.predicates[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClusterPredicate {
    /// `requiredClusterSelector`: its parts are ANDed.
    #[serde(default)]
    pub required_cluster_selector: ClusterSelector,
}

impl ClusterPredicate {
    /// A predicate from a selector.
    pub fn new(required_cluster_selector: ClusterSelector) -> Self {
        ClusterPredicate {
            required_cluster_selector,
        }
    }
}

/// `ClusterSelector`: label, claim and CEL selectors, ANDed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClusterSelector {
    /// `labelSelector`.
    #[serde(default)]
    pub label_selector: LabelSelector,
    /// `claimSelector`.
    #[serde(default)]
    pub claim_selector: ClusterClaimSelector,
    /// `celSelector`.
    #[serde(default)]
    pub cel_selector: ClusterCelSelector,
}

impl ClusterSelector {
    /// Sets the label selector.
    pub fn with_labels(mut self, s: LabelSelector) -> Self {
        self.label_selector = s;
        self
    }

    /// Adds a claim requirement.
    pub fn with_claim(mut self, r: LabelSelectorRequirement) -> Self {
        self.claim_selector.match_expressions.push(r);
        self
    }

    /// Adds a CEL expression.
    pub fn with_cel(mut self, expr: impl Into<String>) -> Self {
        self.cel_selector.cel_expressions.push(expr.into());
        self
    }
}

/// `ClusterClaimSelector`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClusterClaimSelector {
    /// `matchExpressions` over the claims.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

/// `ClusterCelSelector`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClusterCelSelector {
    /// `celExpressions`: all must evaluate to `true`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cel_expressions: Vec<String>,
}

/// `spec.prioritizerPolicy`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PrioritizerPolicy {
    /// `Additive` (default, also `""`) or `Exact`; anything else is a misconfiguration.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mode: String,
    /// `configurations`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub configurations: Vec<PrioritizerConfig>,
}

/// `prioritizerPolicy.configurations[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PrioritizerConfig {
    /// `scoreCoordinate`; `None` is a misconfiguration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score_coordinate: Option<ScoreCoordinate>,
    /// `weight`, −10..=10 (CRD validation); 0 disables the prioritizer.
    #[serde(default)]
    pub weight: i32,
}

impl PrioritizerConfig {
    /// A built-in prioritizer with a weight.
    pub fn builtin(name: impl Into<String>, weight: i32) -> Self {
        PrioritizerConfig {
            score_coordinate: Some(ScoreCoordinate::builtin(name)),
            weight,
        }
    }

    /// An AddOn score with a weight.
    pub fn addon(
        resource_name: impl Into<String>,
        score_name: impl Into<String>,
        weight: i32,
    ) -> Self {
        PrioritizerConfig {
            score_coordinate: Some(ScoreCoordinate::addon(resource_name, score_name)),
            weight,
        }
    }
}

/// `ScoreCoordinate`. Compared as a whole struct, as upstream keys its weight map.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScoreCoordinate {
    /// `BuiltIn` or `AddOn` (anything but `BuiltIn` is read as `AddOn`, as upstream does).
    #[serde(default, rename = "type", skip_serializing_if = "String::is_empty")]
    pub type_: String,
    /// The built-in prioritizer name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub built_in: String,
    /// The AddOn score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_on: Option<AddOnScore>,
}

impl ScoreCoordinate {
    /// `{type: BuiltIn, builtIn: name}`.
    pub fn builtin(name: impl Into<String>) -> Self {
        ScoreCoordinate {
            type_: "BuiltIn".into(),
            built_in: name.into(),
            add_on: None,
        }
    }

    /// `{type: AddOn, addOn: {resourceName, scoreName}}`.
    pub fn addon(resource_name: impl Into<String>, score_name: impl Into<String>) -> Self {
        ScoreCoordinate {
            type_: "AddOn".into(),
            built_in: String::new(),
            add_on: Some(AddOnScore {
                resource_name: resource_name.into(),
                score_name: score_name.into(),
            }),
        }
    }
}

/// `ScoreCoordinate.addOn`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AddOnScore {
    /// The `AddOnPlacementScore` name.
    pub resource_name: String,
    /// The item name inside it.
    pub score_name: String,
}

/// `spec.spreadPolicy` (extension: upstream ignores it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SpreadPolicy {
    /// `spreadConstraints`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spread_constraints: Vec<SpreadConstraintsTerm>,
}

impl SpreadPolicy {
    /// Whether there are no constraints.
    pub fn is_empty(&self) -> bool {
        self.spread_constraints.is_empty()
    }
}

/// `spreadPolicy.spreadConstraints[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SpreadConstraintsTerm {
    /// The label or claim name whose values are the topology domains.
    pub topology_key: String,
    /// `Label` or `Claim`.
    pub topology_key_type: String,
    /// The largest allowed difference between the fullest and emptiest domain (default 1).
    #[serde(default)]
    pub max_skew: i32,
    /// `DoNotSchedule` (default) or `ScheduleAnyway`.
    #[serde(default)]
    pub when_unsatisfiable: String,
}

impl SpreadConstraintsTerm {
    /// A constraint.
    pub fn new(
        topology_key: impl Into<String>,
        topology_key_type: impl Into<String>,
        max_skew: i32,
        when_unsatisfiable: impl Into<String>,
    ) -> Self {
        SpreadConstraintsTerm {
            topology_key: topology_key.into(),
            topology_key_type: topology_key_type.into(),
            max_skew,
            when_unsatisfiable: when_unsatisfiable.into(),
        }
    }
}

/// `spec.tolerations[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Toleration {
    /// The taint key; empty matches every key (then the operator must be `Exists`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// The operator.
    #[serde(default, skip_serializing_if = "is_empty_op")]
    pub operator: TolerationOperator,
    /// The value (must be empty with `Exists`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// The effect; `None` matches every effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<TaintEffect>,
    /// How long after the taint's `timeAdded` the toleration holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toleration_seconds: Option<i64>,
}

fn is_empty_op(op: &TolerationOperator) -> bool {
    *op == TolerationOperator::Empty
}

impl Toleration {
    /// A toleration.
    pub fn new(
        key: impl Into<String>,
        operator: TolerationOperator,
        value: impl Into<String>,
        effect: Option<TaintEffect>,
    ) -> Self {
        Toleration {
            key: key.into(),
            operator,
            value: value.into(),
            effect,
            toleration_seconds: None,
        }
    }

    /// Sets `tolerationSeconds`.
    pub fn for_seconds(mut self, secs: Option<i64>) -> Self {
        self.toleration_seconds = secs;
        self
    }
}

/// `spec.decisionStrategy`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DecisionStrategy {
    /// `groupStrategy`.
    #[serde(default)]
    pub group_strategy: GroupStrategy,
}

/// `decisionStrategy.groupStrategy`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GroupStrategy {
    /// `decisionGroups`, matched in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decision_groups: Vec<DecisionGroup>,
    /// `clustersPerDecisionGroup`: a count or a percentage string such as `"25%"`.
    #[serde(default)]
    pub clusters_per_decision_group: IntOrString,
}

/// `decisionStrategy.groupStrategy.decisionGroups[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DecisionGroup {
    /// `groupName`.
    #[serde(default)]
    pub group_name: String,
    /// `groupClusterSelector` (label and claim selectors; no CEL).
    #[serde(default)]
    pub group_cluster_selector: GroupClusterSelector,
}

impl DecisionGroup {
    /// A named group with a selector.
    pub fn new(
        group_name: impl Into<String>,
        group_cluster_selector: GroupClusterSelector,
    ) -> Self {
        DecisionGroup {
            group_name: group_name.into(),
            group_cluster_selector,
        }
    }
}

/// `GroupClusterSelector`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct GroupClusterSelector {
    /// `labelSelector`.
    #[serde(default)]
    pub label_selector: LabelSelector,
    /// `claimSelector`.
    #[serde(default)]
    pub claim_selector: ClusterClaimSelector,
}

impl GroupClusterSelector {
    /// A selector by labels.
    pub fn labels(label_selector: LabelSelector) -> Self {
        GroupClusterSelector {
            label_selector,
            claim_selector: ClusterClaimSelector::default(),
        }
    }
}

/// Kubernetes `intstr.IntOrString`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum IntOrString {
    /// An integer.
    Int(i32),
    /// A string (here: a percentage such as `"25%"`).
    String(String),
}

impl Default for IntOrString {
    fn default() -> Self {
        IntOrString::Int(0)
    }
}

/// Everything the scheduler reads besides the placement: a recorded hub state.
///
/// Serialize it to replay a scheduling decision later (what-if) without a server.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Snapshot {
    /// All `ManagedCluster`s (with their `AddOnPlacementScore`s).
    #[serde(default)]
    pub clusters: Vec<ManagedCluster>,
    /// All `ManagedClusterSet`s.
    #[serde(default)]
    pub cluster_sets: Vec<ManagedClusterSet>,
    /// `ManagedClusterSetBinding`s (any namespace; those in the placement's namespace count).
    #[serde(default)]
    pub bindings: Vec<ManagedClusterSetBinding>,
    /// Existing `PlacementDecision`s of all placements in all namespaces.
    #[serde(default)]
    pub placement_decisions: Vec<PlacementDecision>,
}

impl Snapshot {
    /// An empty snapshot.
    pub fn new() -> Self {
        Snapshot::default()
    }

    /// Adds a cluster.
    pub fn with_cluster(mut self, c: ManagedCluster) -> Self {
        self.clusters.push(c);
        self
    }

    /// Adds a cluster set.
    pub fn with_cluster_set(mut self, s: ManagedClusterSet) -> Self {
        self.cluster_sets.push(s);
        self
    }

    /// Adds a binding.
    pub fn with_binding(mut self, b: ManagedClusterSetBinding) -> Self {
        self.bindings.push(b);
        self
    }

    /// Adds an existing placement decision.
    pub fn with_placement_decision(mut self, d: PlacementDecision) -> Self {
        self.placement_decisions.push(d);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_reads_small_and_large_maps_like_get() {
        for n in [0usize, 1, 3, 16, 17, 40] {
            let map: StringMap = (0..n).map(|i| (format!("k{i}"), format!("v{i}"))).collect();
            for i in 0..=n {
                let key = format!("k{i}");
                assert_eq!(lookup(&map, &key), map.get(key.as_str()), "{n} {key}");
            }
            assert_eq!(lookup(&map, ""), None);
        }
    }

    #[test]
    fn maps_deserialize_unsorted_with_the_last_duplicate_winning() {
        let c: ManagedCluster =
            serde_json::from_str(r#"{"name":"a","labels":{"z":"1","a":"2","z":"3"}}"#)
                .unwrap_or_default();
        let labels: Vec<(&str, &str)> = c
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(labels, [("a", "2"), ("z", "3")]);
    }
}
