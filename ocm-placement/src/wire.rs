//! The upstream JSON forms of the input types.
//!
//! These are Go's `json.Marshal` forms (quantities as written, unset times as `null`). What
//! CEL reads as `managedCluster` is the unstructured form instead, which differs in those two
//! points: see [`crate::unstructured`].

use crate::model::{
    AddOnPlacementScore, ManagedCluster, ManagedClusterSet, ManagedClusterSetBinding, Placement,
    PlacementDecision,
};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

const CLUSTER_V1: &str = "cluster.open-cluster-management.io/v1";
const CLUSTER_V1ALPHA1: &str = "cluster.open-cluster-management.io/v1alpha1";
const CLUSTER_V1BETA1: &str = "cluster.open-cluster-management.io/v1beta1";
const CLUSTER_V1BETA2: &str = "cluster.open-cluster-management.io/v1beta2";

/// `metav1.Time` encoding: RFC 3339 in UTC with whole seconds.
pub fn time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn time_or_null(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::String(time(t)))
}

/// A `ManagedCluster` as JSON, without `apiVersion`/`kind` (as listers return it).
pub fn managed_cluster(c: &ManagedCluster) -> Value {
    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::String(c.name.clone()));
    metadata.insert("creationTimestamp".into(), Value::Null);
    if !c.labels.is_empty() {
        metadata.insert("labels".into(), json!(c.labels));
    }
    let mut spec = Map::new();
    spec.insert("hubAcceptsClient".into(), Value::Bool(false));
    if !c.taints.is_empty() {
        let taints: Vec<Value> = c
            .taints
            .iter()
            .map(|t| {
                let mut m = Map::new();
                m.insert("key".into(), Value::String(t.key.clone()));
                if !t.value.is_empty() {
                    m.insert("value".into(), Value::String(t.value.clone()));
                }
                m.insert("effect".into(), Value::String(t.effect.as_str().to_owned()));
                m.insert("timeAdded".into(), time_or_null(t.time_added));
                Value::Object(m)
            })
            .collect();
        spec.insert("taints".into(), Value::Array(taints));
    }
    let mut status = Map::new();
    status.insert("conditions".into(), Value::Null);
    if !c.capacity.is_empty() {
        status.insert("capacity".into(), json!(c.capacity));
    }
    if !c.allocatable.is_empty() {
        status.insert("allocatable".into(), json!(c.allocatable));
    }
    status.insert("version".into(), json!({}));
    if !c.claims.is_empty() {
        let claims: Vec<Value> = c
            .claims
            .iter()
            .map(|cl| {
                let mut m = Map::new();
                if !cl.name.is_empty() {
                    m.insert("name".into(), Value::String(cl.name.clone()));
                }
                if !cl.value.is_empty() {
                    m.insert("value".into(), Value::String(cl.value.clone()));
                }
                Value::Object(m)
            })
            .collect();
        status.insert("clusterClaims".into(), Value::Array(claims));
    }
    json!({ "metadata": metadata, "spec": spec, "status": status })
}

/// A `ManagedCluster` as a full object (`apiVersion`, `kind`, deletion timestamp if deleting).
pub fn managed_cluster_object(c: &ManagedCluster) -> Value {
    let mut v = managed_cluster(c);
    if let Value::Object(m) = &mut v {
        m.insert("apiVersion".into(), Value::String(CLUSTER_V1.into()));
        m.insert("kind".into(), Value::String("ManagedCluster".into()));
        if c.deleting
            && let Some(Value::Object(md)) = m.get_mut("metadata")
        {
            md.insert(
                "deletionTimestamp".into(),
                Value::String("2000-01-01T00:00:00Z".into()),
            );
            md.insert(
                "finalizers".into(),
                json!(["test.open-cluster-management.io/keep"]),
            );
        }
    }
    v
}

/// The `AddOnPlacementScore` objects of a cluster (namespace = cluster name).
pub fn addon_placement_score(cluster: &str, s: &AddOnPlacementScore) -> Value {
    json!({
        "apiVersion": CLUSTER_V1ALPHA1,
        "kind": "AddOnPlacementScore",
        "metadata": { "namespace": cluster, "name": s.name },
        "status": { "validUntil": time_or_null(s.valid_until), "scores": s.scores },
    })
}

/// A `ManagedClusterSet`.
pub fn managed_cluster_set(s: &ManagedClusterSet) -> Value {
    json!({
        "apiVersion": CLUSTER_V1BETA2,
        "kind": "ManagedClusterSet",
        "metadata": { "name": s.name },
        "spec": { "clusterSelector": s.cluster_selector },
    })
}

/// A `ManagedClusterSetBinding`.
pub fn managed_cluster_set_binding(b: &ManagedClusterSetBinding) -> Value {
    json!({
        "apiVersion": CLUSTER_V1BETA2,
        "kind": "ManagedClusterSetBinding",
        "metadata": { "namespace": b.namespace, "name": b.name },
        "spec": { "clusterSet": b.name },
    })
}

/// A `PlacementDecision`.
pub fn placement_decision(d: &PlacementDecision) -> Value {
    json!({
        "apiVersion": CLUSTER_V1BETA1,
        "kind": "PlacementDecision",
        "metadata": { "namespace": d.namespace, "name": d.name, "labels": d.labels },
        "status": { "decisions": d.decisions },
    })
}

/// A `Placement` (spec only).
pub fn placement(p: &Placement) -> Value {
    json!({
        "apiVersion": CLUSTER_V1BETA1,
        "kind": "Placement",
        "metadata": { "namespace": p.namespace, "name": p.name },
        "spec": p.spec,
    })
}
