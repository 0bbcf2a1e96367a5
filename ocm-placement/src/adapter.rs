//! Conversions between the typed objects of [`ocm_api`] and the scheduler's own input and output
//! types (feature `ocm-api`).
//!
//! Into the scheduler: `TryFrom<&ocm_api::…>` for every input type, and [`build_snapshot`] for a
//! whole hub state. Out of it: [`build_placement_decision`] turns a page of a
//! [`ScheduleOutcome`](crate::ScheduleOutcome) into the `PlacementDecision` object to apply
//! ([`build_placement_decisions`] does every page, optionally with scores), and
//! [`build_placement_status`] merges the scheduler's [`PlacementStatus`] into a placement's
//! existing status as upstream's `meta.SetStatusCondition` does.
//!
//! ```
//! use ocm_api::cluster::v1::{ManagedCluster, ManagedClusterSpec};
//! use ocm_api::cluster::v1beta1::{Placement, PlacementSpec};
//! use ocm_api::cluster::v1beta2::{
//!     ManagedClusterSet, ManagedClusterSetBinding, ManagedClusterSetBindingSpec,
//!     ManagedClusterSetSpec,
//! };
//! use ocm_placement::{Scheduler, adapter};
//!
//! let mut east = ManagedCluster::new("east", ManagedClusterSpec::default());
//! east.metadata.labels =
//!     Some([(ocm_api::labels::CLUSTER_SET.to_owned(), "prod".to_owned())].into());
//! let set = ManagedClusterSet::new("prod", ManagedClusterSetSpec::default());
//! let mut binding = ManagedClusterSetBinding::new(
//!     "prod",
//!     ManagedClusterSetBindingSpec { cluster_set: "prod".into() },
//! );
//! binding.metadata.namespace = Some("apps".into());
//! let mut placement = Placement::new("web", PlacementSpec::default());
//! placement.metadata.namespace = Some("apps".into());
//!
//! let snapshot = adapter::build_snapshot([&east], [&set], [&binding], [], [])?;
//! let outcome = Scheduler::default().schedule(
//!     &(&placement).try_into()?,
//!     &snapshot,
//!     "2026-01-01T00:00:00Z".parse()?,
//! )?;
//! assert_eq!(outcome.decisions, ["east"]);
//!
//! let page = adapter::build_placement_decision(&outcome.placement_decisions[0], &placement);
//! assert_eq!(page.metadata.name.as_deref(), Some("web-decision-1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Fields the apiserver defaults from the CRD are defaulted the same way when they are absent
//! from an object built in Rust: a prioritizer's `weight` is 1 and a score coordinate's `type` is
//! `BuiltIn`. Every other absent field means Go's zero value.

use crate::model::{
    AddOnPlacementScore, AddOnPlacementScoreItem, AddOnScore, ClusterCelSelector, ClusterClaim,
    ClusterClaimSelector, ClusterDecision, ClusterPredicate, ClusterSelector, DecisionGroup,
    DecisionStrategy, GroupClusterSelector, GroupStrategy, IntOrString, LabelSelector,
    LabelSelectorRequirement, ManagedCluster, ManagedClusterSelector, ManagedClusterSet,
    ManagedClusterSetBinding, Placement, PlacementDecision, PlacementSpec, PrioritizerConfig,
    PrioritizerPolicy, ScoreCoordinate, Snapshot, SpreadConstraintsTerm, SpreadPolicy, Taint,
    TaintEffect, Toleration, TolerationOperator,
};
use crate::quantity::Quantity;
use crate::scheduler::{Condition, PlacementStatus};
use jiff::Timestamp;
use k8s_openapi::apimachinery::pkg::apis::meta::v1 as meta;
use k8s_openapi::apimachinery::pkg::util::intstr;
use ocm_api::cluster::{v1, v1alpha1, v1beta1, v1beta2};
use std::collections::BTreeMap;

const PLACEMENT_API_VERSION: &str = "cluster.open-cluster-management.io/v1beta1";

/// An object that cannot be turned into a scheduler input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// `metadata.name` is absent (objects read from a server always have one).
    #[error("{kind} has no metadata.name")]
    MissingName {
        /// The kind.
        kind: &'static str,
    },
    /// `metadata.namespace` is absent on a namespaced kind.
    #[error("{kind} {name:?} has no metadata.namespace")]
    MissingNamespace {
        /// The kind.
        kind: &'static str,
        /// Its name.
        name: String,
    },
    /// A JSON object of a kind the scheduler does not read.
    #[error("the scheduler reads no objects of kind {kind:?}")]
    UnknownKind {
        /// The object's `kind`.
        kind: String,
    },
    /// A JSON object that does not decode as its kind.
    #[error("{kind} does not decode: {message}")]
    Decode {
        /// The kind.
        kind: &'static str,
        /// The decoder's message.
        message: String,
    },
}

pub(crate) fn name_of(meta: &meta::ObjectMeta, kind: &'static str) -> Result<String, AdapterError> {
    meta.name.clone().ok_or(AdapterError::MissingName { kind })
}

pub(crate) fn namespaced(
    meta: &meta::ObjectMeta,
    kind: &'static str,
) -> Result<(String, String), AdapterError> {
    let name = name_of(meta, kind)?;
    match &meta.namespace {
        Some(ns) => Ok((ns.clone(), name)),
        None => Err(AdapterError::MissingNamespace { kind, name }),
    }
}

/// The JSON string of a unit enum of `ocm-api` (its upstream spelling).
fn wire<T: serde::Serialize + std::fmt::Debug>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => format!("{v:?}"),
    }
}

fn taint_effect(e: &v1::TaintEffect) -> TaintEffect {
    TaintEffect::from(wire(e))
}

fn label_selector(s: &meta::LabelSelector) -> LabelSelector {
    LabelSelector {
        match_labels: s.match_labels.clone().unwrap_or_default(),
        match_expressions: requirements(s.match_expressions.as_deref().unwrap_or_default()),
    }
}

fn requirements(rs: &[meta::LabelSelectorRequirement]) -> Vec<LabelSelectorRequirement> {
    rs.iter()
        .map(|r| LabelSelectorRequirement {
            key: r.key.clone(),
            operator: r.operator.clone(),
            values: r.values.clone().unwrap_or_default(),
        })
        .collect()
}

fn claim_selector(s: Option<&v1beta1::ClusterClaimSelector>) -> ClusterClaimSelector {
    ClusterClaimSelector {
        match_expressions: requirements(
            s.and_then(|s| s.match_expressions.as_deref())
                .unwrap_or_default(),
        ),
    }
}

impl TryFrom<&v1::ManagedCluster> for ManagedCluster {
    type Error = AdapterError;

    /// Labels, claims, taints, allocatable, capacity, deletion state and the whole object for
    /// CEL ([`ManagedCluster::object`]). Scores are attached by [`build_snapshot`].
    ///
    /// `ocm-api` cannot tell an empty `status.conditions` from an absent one; it is read as
    /// absent (`null` in CEL, as Go's decoder leaves a cluster without conditions).
    fn try_from(c: &v1::ManagedCluster) -> Result<Self, AdapterError> {
        Ok(model_cluster(c)?.with_object(&cluster_json(c)))
    }
}

/// A typed cluster as JSON, for [`ManagedCluster::with_object`]: an empty
/// `status.conditions` is dropped (`ocm-api` cannot tell it from an absent one; Go's decoder
/// leaves a cluster without conditions `nil`).
pub(crate) fn cluster_json(c: &v1::ManagedCluster) -> serde_json::Value {
    let mut object = serde_json::to_value(c).unwrap_or_default();
    if let Some(status) = object
        .get_mut("status")
        .and_then(serde_json::Value::as_object_mut)
        && status
            .get("conditions")
            .and_then(serde_json::Value::as_array)
            .is_some_and(Vec::is_empty)
    {
        status.remove("conditions");
    }
    object
}

impl TryFrom<&serde_json::Value> for ManagedCluster {
    type Error = AdapterError;

    /// A cluster from its JSON (as the API server serves it, or a `DynamicObject` serialized
    /// with `serde_json::to_value`); CEL reads this JSON as Go would decode it.
    fn try_from(object: &serde_json::Value) -> Result<Self, AdapterError> {
        let typed: v1::ManagedCluster =
            serde_json::from_value(object.clone()).map_err(|e| AdapterError::Decode {
                kind: "ManagedCluster",
                message: e.to_string(),
            })?;
        Ok(model_cluster(&typed)?.with_object(object))
    }
}

/// The model's fields of a cluster (without [`ManagedCluster::object`]).
pub(crate) fn model_cluster(c: &v1::ManagedCluster) -> Result<ManagedCluster, AdapterError> {
    let status = c.status.as_ref();
    let resources = |list: Option<&v1::ResourceList>| -> crate::model::ResourceList {
        list.map(|l| {
            l.iter()
                .map(|(k, q)| (k.clone(), Quantity::new(q.0.clone())))
                .collect()
        })
        .unwrap_or_default()
    };
    Ok(ManagedCluster {
        name: name_of(&c.metadata, "ManagedCluster")?,
        labels: c
            .metadata
            .labels
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        claims: status
            .and_then(|s| s.cluster_claims.as_deref())
            .unwrap_or_default()
            .iter()
            .map(|cl| {
                ClusterClaim::new(
                    cl.name.clone().unwrap_or_default(),
                    cl.value.clone().unwrap_or_default(),
                )
            })
            .collect(),
        taints: c
            .spec
            .taints
            .as_deref()
            .unwrap_or_default()
            .iter()
            .map(|t| {
                Taint::new(
                    t.key.clone(),
                    t.value.clone().unwrap_or_default(),
                    taint_effect(&t.effect),
                    t.time_added.as_ref().map(|t| t.0),
                )
            })
            .collect(),
        allocatable: resources(status.and_then(|s| s.allocatable.as_ref())),
        capacity: resources(status.and_then(|s| s.capacity.as_ref())),
        scores: Vec::new(),
        deleting: c.metadata.deletion_timestamp.is_some(),
        object: None,
    })
}

impl TryFrom<&v1beta2::ManagedClusterSet> for ManagedClusterSet {
    type Error = AdapterError;

    fn try_from(s: &v1beta2::ManagedClusterSet) -> Result<Self, AdapterError> {
        let selector = s.spec.cluster_selector.clone().unwrap_or_default();
        Ok(ManagedClusterSet {
            name: name_of(&s.metadata, "ManagedClusterSet")?,
            cluster_selector: ManagedClusterSelector {
                selector_type: selector.selector_type.map(|t| wire(&t)).unwrap_or_default(),
                label_selector: selector.label_selector.as_ref().map(label_selector),
            },
        })
    }
}

impl TryFrom<&v1beta2::ManagedClusterSetBinding> for ManagedClusterSetBinding {
    type Error = AdapterError;

    /// Upstream's scheduler reads the binding's name, not `spec.clusterSet` (the admission
    /// webhook keeps them equal); so does this.
    fn try_from(b: &v1beta2::ManagedClusterSetBinding) -> Result<Self, AdapterError> {
        let (namespace, name) = namespaced(&b.metadata, "ManagedClusterSetBinding")?;
        Ok(ManagedClusterSetBinding { namespace, name })
    }
}

impl TryFrom<&v1alpha1::AddOnPlacementScore> for AddOnPlacementScore {
    type Error = AdapterError;

    /// The score alone; its namespace (the cluster it belongs to) is used by
    /// [`build_snapshot`].
    fn try_from(s: &v1alpha1::AddOnPlacementScore) -> Result<Self, AdapterError> {
        let status = s.status.as_ref();
        Ok(AddOnPlacementScore {
            name: name_of(&s.metadata, "AddOnPlacementScore")?,
            valid_until: status.and_then(|s| s.valid_until.as_ref()).map(|t| t.0),
            scores: status
                .and_then(|s| s.scores.as_deref())
                .unwrap_or_default()
                .iter()
                .map(|i| AddOnPlacementScoreItem {
                    name: i.name.clone(),
                    value: i.value,
                })
                .collect(),
        })
    }
}

impl TryFrom<&v1beta1::PlacementDecision> for PlacementDecision {
    type Error = AdapterError;

    fn try_from(d: &v1beta1::PlacementDecision) -> Result<Self, AdapterError> {
        let (namespace, name) = namespaced(&d.metadata, "PlacementDecision")?;
        Ok(PlacementDecision {
            namespace,
            name,
            labels: d.metadata.labels.clone().unwrap_or_default(),
            decisions: d
                .status
                .as_ref()
                .map(|s| s.decisions.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|c| ClusterDecision {
                    cluster_name: c.cluster_name.clone(),
                    reason: c.reason.clone(),
                })
                .collect(),
        })
    }
}

impl TryFrom<&v1beta1::Placement> for Placement {
    type Error = AdapterError;

    fn try_from(p: &v1beta1::Placement) -> Result<Self, AdapterError> {
        let (namespace, name) = namespaced(&p.metadata, "Placement")?;
        Ok(Placement {
            namespace,
            name,
            spec: PlacementSpec::from(&p.spec),
        })
    }
}

impl From<&v1beta1::PlacementSpec> for PlacementSpec {
    /// `sortBy` and `scoreRateLimit` (v1.3 fields upstream's v1.2 scheduler does not read) are
    /// not carried.
    fn from(s: &v1beta1::PlacementSpec) -> Self {
        PlacementSpec {
            cluster_sets: s.cluster_sets.clone().unwrap_or_default(),
            number_of_clusters: s.number_of_clusters,
            predicates: s
                .predicates
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|p| {
                    let sel = p.required_cluster_selector.clone().unwrap_or_default();
                    ClusterPredicate::new(ClusterSelector {
                        label_selector: sel
                            .label_selector
                            .as_ref()
                            .map(label_selector)
                            .unwrap_or_default(),
                        claim_selector: claim_selector(sel.claim_selector.as_ref()),
                        cel_selector: ClusterCelSelector {
                            cel_expressions: sel
                                .cel_selector
                                .and_then(|c| c.cel_expressions)
                                .unwrap_or_default(),
                        },
                    })
                })
                .collect(),
            prioritizer_policy: PrioritizerPolicy {
                mode: s.prioritizer_policy.mode.clone().unwrap_or_default(),
                configurations: s
                    .prioritizer_policy
                    .configurations
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .map(|c| PrioritizerConfig {
                        score_coordinate: c.score_coordinate.as_ref().map(|sc| ScoreCoordinate {
                            type_: sc
                                .type_
                                .map(|t| wire(&t))
                                .unwrap_or_else(|| "BuiltIn".to_owned()),
                            built_in: sc.built_in.clone().unwrap_or_default(),
                            add_on: sc.add_on.as_ref().map(|a| AddOnScore {
                                resource_name: a.resource_name.clone(),
                                score_name: a.score_name.clone(),
                            }),
                        }),
                        weight: c.weight.unwrap_or(1),
                    })
                    .collect(),
            },
            spread_policy: SpreadPolicy {
                spread_constraints: s
                    .spread_policy
                    .as_ref()
                    .and_then(|p| p.spread_constraints.as_deref())
                    .unwrap_or_default()
                    .iter()
                    .map(|t| {
                        SpreadConstraintsTerm::new(
                            t.topology_key.clone(),
                            wire(&t.topology_key_type),
                            t.max_skew,
                            wire(&t.when_unsatisfiable),
                        )
                    })
                    .collect(),
            },
            tolerations: s
                .tolerations
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|t| Toleration {
                    key: t.key.clone().unwrap_or_default(),
                    operator: t
                        .operator
                        .clone()
                        .map(TolerationOperator::from)
                        .unwrap_or_default(),
                    value: t.value.clone().unwrap_or_default(),
                    effect: t.effect.as_ref().map(taint_effect),
                    toleration_seconds: t.toleration_seconds,
                })
                .collect(),
            decision_strategy: DecisionStrategy {
                group_strategy: {
                    let g = s
                        .decision_strategy
                        .as_ref()
                        .and_then(|d| d.group_strategy.clone())
                        .unwrap_or_default();
                    GroupStrategy {
                        decision_groups: g
                            .decision_groups
                            .unwrap_or_default()
                            .iter()
                            .map(|d| {
                                let sel = d.cluster_selector.clone().unwrap_or_default();
                                DecisionGroup::new(
                                    d.group_name.clone().unwrap_or_default(),
                                    GroupClusterSelector {
                                        label_selector: sel
                                            .label_selector
                                            .as_ref()
                                            .map(label_selector)
                                            .unwrap_or_default(),
                                        claim_selector: claim_selector(sel.claim_selector.as_ref()),
                                    },
                                )
                            })
                            .collect(),
                        clusters_per_decision_group: match g.clusters_per_decision_group {
                            Some(intstr::IntOrString::Int(i)) => IntOrString::Int(i),
                            Some(intstr::IntOrString::String(s)) => IntOrString::String(s),
                            None => IntOrString::default(),
                        },
                    }
                },
            },
        }
    }
}

/// Builds a [`Snapshot`] from the objects of a hub.
///
/// Each `AddOnPlacementScore` is attached to the cluster named by its namespace (scores in
/// other namespaces are ignored, as upstream's lister lookups ignore them).
pub fn build_snapshot<'a>(
    clusters: impl IntoIterator<Item = &'a v1::ManagedCluster>,
    cluster_sets: impl IntoIterator<Item = &'a v1beta2::ManagedClusterSet>,
    bindings: impl IntoIterator<Item = &'a v1beta2::ManagedClusterSetBinding>,
    scores: impl IntoIterator<Item = &'a v1alpha1::AddOnPlacementScore>,
    placement_decisions: impl IntoIterator<Item = &'a v1beta1::PlacementDecision>,
) -> Result<Snapshot, AdapterError> {
    let mut by_cluster: BTreeMap<String, Vec<AddOnPlacementScore>> = BTreeMap::new();
    for s in scores {
        let (namespace, _) = namespaced(&s.metadata, "AddOnPlacementScore")?;
        by_cluster
            .entry(namespace)
            .or_default()
            .push(AddOnPlacementScore::try_from(s)?);
    }
    let mut snapshot = Snapshot::new();
    for c in clusters {
        let mut cluster = ManagedCluster::try_from(c)?;
        if let Some(scores) = by_cluster.get(&cluster.name) {
            cluster.scores = scores.clone();
        }
        snapshot.clusters.push(cluster);
    }
    for s in cluster_sets {
        snapshot.cluster_sets.push(s.try_into()?);
    }
    for b in bindings {
        snapshot.bindings.push(b.try_into()?);
    }
    for d in placement_decisions {
        snapshot.placement_decisions.push(d.try_into()?);
    }
    Ok(snapshot)
}

/// The `PlacementDecision` object for one page of a schedule outcome, owned by `placement`.
///
/// Its name, namespace, labels and decisions are the page's; when `placement` has a `uid`, it
/// carries a controller owner reference to it (`blockOwnerDeletion: true`, as upstream's
/// `metav1.NewControllerRef`), so that deleting the placement deletes its decisions.
pub fn build_placement_decision(
    page: &PlacementDecision,
    placement: &v1beta1::Placement,
) -> v1beta1::PlacementDecision {
    let mut d = v1beta1::PlacementDecision::new(&page.name);
    d.metadata.namespace = Some(page.namespace.clone());
    d.metadata.labels = Some(page.labels.clone());
    d.metadata.owner_references = match (&placement.metadata.name, &placement.metadata.uid) {
        (Some(name), Some(uid)) => Some(vec![meta::OwnerReference {
            api_version: PLACEMENT_API_VERSION.to_owned(),
            kind: "Placement".to_owned(),
            name: name.clone(),
            uid: uid.clone(),
            controller: Some(true),
            block_owner_deletion: Some(true),
        }]),
        _ => None,
    };
    d.status = Some(v1beta1::PlacementDecisionStatus {
        decisions: page
            .decisions
            .iter()
            .map(|c| v1beta1::ClusterDecision {
                cluster_name: c.cluster_name.clone(),
                reason: c.reason.clone(),
                score: 0,
            })
            .collect(),
    });
    d
}

/// The `PlacementDecision` objects of a schedule outcome, one per page, each built by
/// [`build_placement_decision`].
///
/// With `write_scores`, each `status.decisions[].score` is its cluster's total score from
/// [`ScheduleOutcome::scores`](crate::ScheduleOutcome::scores). This is an extension: the field
/// is in the API (`cluster/v1beta1` since api v1.3.0) but upstream's controller never writes
/// it. Without `write_scores` every score is 0, which the wire form omits, so the objects are
/// the ones upstream writes.
pub fn build_placement_decisions(
    outcome: &crate::ScheduleOutcome,
    placement: &v1beta1::Placement,
    write_scores: bool,
) -> Vec<v1beta1::PlacementDecision> {
    let scores: std::collections::HashMap<&str, i64> = if write_scores {
        outcome
            .decisions
            .iter()
            .map(String::as_str)
            .zip(outcome.scores.iter().copied())
            .collect()
    } else {
        std::collections::HashMap::new()
    };
    outcome
        .placement_decisions
        .iter()
        .map(|page| {
            let mut d = build_placement_decision(page, placement);
            if let Some(status) = d.status.as_mut() {
                for c in &mut status.decisions {
                    c.score = scores.get(c.cluster_name.as_str()).copied().unwrap_or(0);
                }
            }
            d
        })
        .collect()
}

/// A `metav1.Condition` from a scheduler condition, with `lastTransitionTime` set to `now`.
pub fn build_condition(c: &Condition, now: Timestamp) -> meta::Condition {
    meta::Condition {
        type_: c.type_.clone(),
        status: c.status.clone(),
        reason: c.reason.clone(),
        message: c.message.clone(),
        observed_generation: None,
        last_transition_time: meta::Time(now),
    }
}

/// The placement status after a scheduling run: `numberOfSelectedClusters` and
/// `decisionGroups` replaced, the scheduler's conditions set into `previous`'s conditions as
/// `meta.SetStatusCondition` does (`lastTransitionTime` is `now` only for a condition whose
/// status changed), other conditions and `lastScoreUpdateTime` kept.
pub fn build_placement_status(
    status: &PlacementStatus,
    previous: Option<&v1beta1::PlacementStatus>,
    now: Timestamp,
) -> v1beta1::PlacementStatus {
    let mut conditions = previous.map(|p| p.conditions.clone()).unwrap_or_default();
    for c in &status.conditions {
        ocm_api::conditions::set(&mut conditions, build_condition(c, now));
    }
    v1beta1::PlacementStatus {
        number_of_selected_clusters: status.number_of_selected_clusters,
        decision_groups: status
            .decision_groups
            .iter()
            .map(|g| v1beta1::DecisionGroupStatus {
                decision_group_index: g.decision_group_index,
                decision_group_name: g.decision_group_name.clone(),
                decisions: g.decisions.clone(),
                clusters_count: g.clusters_count,
            })
            .collect(),
        conditions,
        last_score_update_time: previous.and_then(|p| p.last_score_update_time.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The core keeps its own copies of these strings so that it needs no kube; they must stay
    /// equal to `ocm-api`'s.
    #[test]
    fn well_known_strings_match_ocm_api() {
        use ocm_api::conditions::{self as api, reasons};
        let pairs = [
            (crate::labels::PLACEMENT, ocm_api::labels::PLACEMENT),
            (
                crate::labels::DECISION_GROUP_NAME,
                ocm_api::labels::DECISION_GROUP_NAME,
            ),
            (
                crate::labels::DECISION_GROUP_INDEX,
                ocm_api::labels::DECISION_GROUP_INDEX,
            ),
            (crate::labels::CLUSTER_SET, ocm_api::labels::CLUSTER_SET),
            (
                crate::conditions::PLACEMENT_SATISFIED,
                api::PLACEMENT_SATISFIED,
            ),
            (
                crate::conditions::PLACEMENT_MISCONFIGURED,
                api::PLACEMENT_MISCONFIGURED,
            ),
            (
                crate::conditions::REASON_MISCONFIGURED,
                reasons::MISCONFIGURED,
            ),
            (
                crate::conditions::REASON_SUCCEED_CONFIGURED,
                reasons::SUCCEED_CONFIGURED,
            ),
            (
                crate::conditions::REASON_NO_BINDINGS,
                reasons::NO_MANAGED_CLUSTER_SET_BINDINGS,
            ),
            (
                crate::conditions::REASON_NO_INTERSECTION,
                reasons::NO_INTERSECTION,
            ),
            (
                crate::conditions::REASON_ALL_SETS_EMPTY,
                reasons::ALL_MANAGED_CLUSTER_SETS_EMPTY,
            ),
            (
                crate::conditions::REASON_NO_CLUSTER_MATCHED,
                reasons::NO_MANAGED_CLUSTER_MATCHED,
            ),
            (
                crate::conditions::REASON_ALL_SCHEDULED,
                reasons::ALL_DECISIONS_SCHEDULED,
            ),
            (
                crate::conditions::REASON_NOT_ALL_SCHEDULED,
                reasons::NOT_ALL_DECISIONS_SCHEDULED,
            ),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours, theirs);
        }
    }
    use crate::Scheduler;
    use k8s_openapi::apimachinery::pkg::api::resource::Quantity as K8sQuantity;
    use ocm_api::cluster::v1::{ManagedClusterSpec, ManagedClusterStatus};
    use ocm_api::cluster::v1beta2::{ManagedClusterSetBindingSpec, ManagedClusterSetSpec};
    use serde_json::json;

    fn placement(spec: serde_json::Value) -> v1beta1::Placement {
        ocm_api::from_value(json!({
            "apiVersion": "cluster.open-cluster-management.io/v1beta1",
            "kind": "Placement",
            "metadata": {"name": "p", "namespace": "ns", "uid": "u-1"},
            "spec": spec,
        }))
        .unwrap()
    }

    #[test]
    fn placement_spec_converts_every_field() {
        let p = placement(json!({
            "clusterSets": ["a", "b"],
            "numberOfClusters": 3,
            "predicates": [{"requiredClusterSelector": {
                "labelSelector": {"matchLabels": {"env": "prod"},
                    "matchExpressions": [{"key": "k", "operator": "In", "values": ["v"]}]},
                "claimSelector": {"matchExpressions": [{"key": "region", "operator": "Exists"}]},
                "celSelector": {"celExpressions": ["true"]},
            }}],
            "prioritizerPolicy": {"mode": "Exact", "configurations": [
                {"scoreCoordinate": {"type": "BuiltIn", "builtIn": "Steady"}, "weight": 3},
                {"scoreCoordinate": {"type": "AddOn",
                    "addOn": {"resourceName": "r", "scoreName": "s"}}},
                {"scoreCoordinate": {"builtIn": "Balance"}, "weight": -2},
            ]},
            "spreadPolicy": {"spreadConstraints": [{"topologyKey": "zone", "topologyKeyType": "Claim"}]},
            "tolerations": [{"key": "t", "operator": "Exists", "effect": "NoSelectIfNew",
                "tolerationSeconds": 30}, {"key": "u", "value": "x"}],
            "decisionStrategy": {"groupStrategy": {
                "clustersPerDecisionGroup": "25%",
                "decisionGroups": [{"groupName": "canary",
                    "groupClusterSelector": {"labelSelector": {"matchLabels": {"canary": "true"}}}}],
            }},
        }));
        let core = Placement::try_from(&p).unwrap();
        assert_eq!((core.namespace.as_str(), core.name.as_str()), ("ns", "p"));
        // The same spec read directly by the core's serde types must agree.
        let direct: PlacementSpec =
            serde_json::from_value(serde_json::to_value(&p.spec).unwrap()).unwrap();
        let mut expected = direct;
        // Defaults the apiserver would fill in.
        expected.prioritizer_policy.configurations[1].weight = 1;
        expected.prioritizer_policy.configurations[2]
            .score_coordinate
            .as_mut()
            .unwrap()
            .type_ = "BuiltIn".into();
        expected.spread_policy.spread_constraints[0].max_skew = 1;
        expected.spread_policy.spread_constraints[0].when_unsatisfiable = "ScheduleAnyway".into();
        assert_eq!(core.spec, expected);
        assert_eq!(
            core.spec.tolerations[0].effect,
            Some(TaintEffect::NoSelectIfNew)
        );
        assert_eq!(core.spec.tolerations[1].operator, TolerationOperator::Empty);
        assert_eq!(
            core.spec
                .decision_strategy
                .group_strategy
                .clusters_per_decision_group,
            IntOrString::String("25%".into())
        );
    }

    fn cluster(name: &str, set: &str) -> v1::ManagedCluster {
        let mut c = v1::ManagedCluster::new(name, ManagedClusterSpec::default());
        c.metadata.labels =
            Some([(ocm_api::labels::CLUSTER_SET.to_owned(), set.to_owned())].into());
        c
    }

    #[test]
    fn cluster_converts_status_and_taints() {
        let mut c = cluster("c1", "s");
        c.spec.taints = Some(vec![v1::Taint {
            key: "k".into(),
            value: None,
            effect: v1::TaintEffect::PreferNoSelect,
            time_added: Some(meta::Time("2026-01-01T00:00:00Z".parse().unwrap())),
        }]);
        c.status = Some(ManagedClusterStatus {
            allocatable: Some([("cpu".to_owned(), K8sQuantity("4".into()))].into()),
            capacity: Some([("memory".to_owned(), K8sQuantity("8Gi".into()))].into()),
            cluster_claims: Some(vec![v1::ManagedClusterClaim {
                name: Some("region".into()),
                value: Some("eu".into()),
            }]),
            ..Default::default()
        });
        c.metadata.deletion_timestamp = Some(meta::Time(Timestamp::UNIX_EPOCH));
        let core = ManagedCluster::try_from(&c).unwrap();
        assert_eq!(core.taints[0].effect, TaintEffect::PreferNoSelect);
        assert_eq!(
            core.taints[0].time_added.map(|t| t.as_second()),
            Some(1_767_225_600)
        );
        assert_eq!(core.allocatable.get("cpu").unwrap().as_ref(), "4");
        assert_eq!(core.capacity.get("memory").unwrap().as_ref(), "8Gi");
        assert_eq!(core.claim_map()["region"], "eu");
        assert!(core.deleting);
        assert_eq!(
            ManagedCluster::try_from(&v1::ManagedCluster::default()),
            Err(AdapterError::MissingName {
                kind: "ManagedCluster"
            })
        );
    }

    #[test]
    fn snapshot_schedules_and_pages_round_trip() {
        let clusters = [cluster("b", "s"), cluster("a", "s"), cluster("x", "other")];
        let set = v1beta2::ManagedClusterSet::new("s", ManagedClusterSetSpec::default());
        let mut binding = v1beta2::ManagedClusterSetBinding::new(
            "s",
            ManagedClusterSetBindingSpec {
                cluster_set: "s".into(),
            },
        );
        binding.metadata.namespace = Some("ns".into());
        let mut score = v1alpha1::AddOnPlacementScore::new("load");
        score.metadata.namespace = Some("b".into());
        score.status = Some(v1alpha1::AddOnPlacementScoreStatus {
            scores: Some(vec![v1alpha1::AddOnPlacementScoreItem {
                name: "cpu".into(),
                value: 90,
            }]),
            ..Default::default()
        });
        let snapshot = build_snapshot(&clusters, [&set], [&binding], [&score], []).unwrap();
        assert_eq!(snapshot.clusters[0].scores[0].scores[0].value, 90);
        assert!(snapshot.clusters[1].scores.is_empty());

        let p = placement(json!({"numberOfClusters": 1, "prioritizerPolicy": {
            "configurations": [{"scoreCoordinate": {"type": "AddOn",
                "addOn": {"resourceName": "load", "scoreName": "cpu"}}, "weight": 5}]}}));
        let now: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let outcome = Scheduler::default()
            .schedule(&Placement::try_from(&p).unwrap(), &snapshot, now)
            .unwrap();
        assert_eq!(outcome.decisions, ["b"]);

        let pd = build_placement_decision(&outcome.placement_decisions[0], &p);
        let owner = &pd.metadata.owner_references.as_ref().unwrap()[0];
        assert_eq!(
            (owner.kind.as_str(), owner.uid.as_str()),
            ("Placement", "u-1")
        );
        assert_eq!(owner.controller, Some(true));
        assert_eq!(owner.block_owner_deletion, Some(true));
        assert_eq!(pd.status.as_ref().unwrap().decisions[0].score, 0);
        // With scores: the outcome's total; without: none, as upstream.
        let scored = build_placement_decisions(&outcome, &p, true);
        assert_eq!(scored.len(), 1);
        assert_eq!(
            scored[0].status.as_ref().unwrap().decisions[0].score,
            outcome.scores[0]
        );
        // AddOn 90 × 5, plus the additive defaults: Balance 100 (nothing decided on the hub)
        // and Steady 0 (not decided before).
        assert_eq!(outcome.scores[0], 5 * 90 + 100);
        assert_eq!(
            build_placement_decisions(&outcome, &p, false),
            std::slice::from_ref(&pd)
        );
        let wire = serde_json::to_value(&pd).unwrap();
        assert_eq!(wire["status"]["decisions"][0].get("score"), None, "{wire}");
        // Back into the core, the page is unchanged.
        assert_eq!(
            PlacementDecision::try_from(&pd).unwrap(),
            outcome.placement_decisions[0]
        );

        let status = build_placement_status(&outcome.status, None, now);
        assert_eq!(status.number_of_selected_clusters, 1);
        assert_eq!(status.decision_groups[0].decisions, ["p-decision-1"]);
        assert!(ocm_api::conditions::is_true(
            &status.conditions,
            ocm_api::conditions::PLACEMENT_SATISFIED
        ));
        // A later run with the same result keeps the transition times.
        let later = now + jiff::SignedDuration::from_secs(60);
        let again = build_placement_status(&outcome.status, Some(&status), later);
        assert_eq!(again, status);
    }
}
