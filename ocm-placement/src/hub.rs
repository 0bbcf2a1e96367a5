//! A hub [`Snapshot`] from the objects an embedder already has (typed `ocm-api` objects,
//! `DynamicObject`s or JSON, in one mixed list of [`HubObject`]s), and what an embedder of the
//! scheduler needs around a run: whether upstream skips a placement, and which stored
//! `PlacementDecision` pages a run leaves stale.
//!
//! ```
//! use ocm_api::cluster::v1::ManagedCluster;
//! use ocm_placement::hub::HubObject;
//! use ocm_placement::Snapshot;
//!
//! let typed: ManagedCluster = serde_json::from_value(serde_json::json!({
//!     "apiVersion": "cluster.open-cluster-management.io/v1",
//!     "kind": "ManagedCluster",
//!     "metadata": {"name": "east", "labels": {"cluster.open-cluster-management.io/clusterset": "prod"}},
//!     "spec": {"hubAcceptsClient": true},
//! }))?;
//! let set = serde_json::json!({
//!     "apiVersion": "cluster.open-cluster-management.io/v1beta2",
//!     "kind": "ManagedClusterSet",
//!     "metadata": {"name": "prod"},
//! });
//! let snapshot = Snapshot::from_objects([
//!     HubObject::try_from(&typed)?,
//!     HubObject::try_from(&set)?,
//! ]);
//! assert_eq!(snapshot.clusters[0].name, "east");
//! assert_eq!(snapshot.cluster_sets[0].name, "prod");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::adapter::{AdapterError, namespaced};
use crate::model::{
    AddOnPlacementScore, ManagedCluster, ManagedClusterSet, ManagedClusterSetBinding,
    PlacementDecision, Snapshot,
};
use crate::scheduler::ScheduleOutcome;
use ocm_api::cluster::{v1, v1alpha1, v1beta1, v1beta2};
use serde_json::Value;
use std::collections::BTreeMap;

/// One hub object the scheduler reads, converted.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum HubObject {
    /// A `ManagedCluster` (with its whole object for CEL).
    ManagedCluster(Box<ManagedCluster>),
    /// A `ManagedClusterSet`.
    ManagedClusterSet(ManagedClusterSet),
    /// A `ManagedClusterSetBinding`.
    ManagedClusterSetBinding(ManagedClusterSetBinding),
    /// An `AddOnPlacementScore` and its namespace (the cluster it scores).
    AddOnPlacementScore {
        /// The namespace, which is the cluster's name.
        namespace: String,
        /// The score.
        score: AddOnPlacementScore,
    },
    /// A `PlacementDecision`.
    PlacementDecision(PlacementDecision),
}

macro_rules! typed_objects {
    ($($ty:ty => $variant:ident),* $(,)?) => {$(
        impl TryFrom<&$ty> for HubObject {
            type Error = AdapterError;

            fn try_from(o: &$ty) -> Result<Self, AdapterError> {
                Ok(HubObject::$variant(o.try_into()?))
            }
        }
    )*};
}

typed_objects! {
    v1beta2::ManagedClusterSet => ManagedClusterSet,
    v1beta2::ManagedClusterSetBinding => ManagedClusterSetBinding,
    v1beta1::PlacementDecision => PlacementDecision,
}

impl TryFrom<&v1::ManagedCluster> for HubObject {
    type Error = AdapterError;

    fn try_from(c: &v1::ManagedCluster) -> Result<Self, AdapterError> {
        Ok(HubObject::ManagedCluster(Box::new(c.try_into()?)))
    }
}

impl TryFrom<&v1alpha1::AddOnPlacementScore> for HubObject {
    type Error = AdapterError;

    fn try_from(s: &v1alpha1::AddOnPlacementScore) -> Result<Self, AdapterError> {
        let (namespace, _) = namespaced(&s.metadata, "AddOnPlacementScore")?;
        Ok(HubObject::AddOnPlacementScore {
            namespace,
            score: s.try_into()?,
        })
    }
}

fn decode<T: serde::de::DeserializeOwned>(
    v: &Value,
    kind: &'static str,
) -> Result<T, AdapterError> {
    serde_json::from_value(v.clone()).map_err(|e| AdapterError::Decode {
        kind,
        message: e.to_string(),
    })
}

impl TryFrom<&Value> for HubObject {
    type Error = AdapterError;

    /// An object in its JSON form (the API server's, or a `DynamicObject` serialized with
    /// `serde_json::to_value`), by its `kind`.
    fn try_from(v: &Value) -> Result<Self, AdapterError> {
        let kind = v.get("kind").and_then(Value::as_str).unwrap_or_default();
        match kind {
            "ManagedCluster" => Ok(HubObject::ManagedCluster(Box::new(v.try_into()?))),
            "ManagedClusterSet" => HubObject::try_from(&decode::<v1beta2::ManagedClusterSet>(
                v,
                "ManagedClusterSet",
            )?),
            "ManagedClusterSetBinding" => HubObject::try_from(&decode::<
                v1beta2::ManagedClusterSetBinding,
            >(
                v, "ManagedClusterSetBinding"
            )?),
            "AddOnPlacementScore" => HubObject::try_from(&decode::<v1alpha1::AddOnPlacementScore>(
                v,
                "AddOnPlacementScore",
            )?),
            "PlacementDecision" => HubObject::try_from(&decode::<v1beta1::PlacementDecision>(
                v,
                "PlacementDecision",
            )?),
            other => Err(AdapterError::UnknownKind {
                kind: other.to_owned(),
            }),
        }
    }
}

impl TryFrom<&kube::core::DynamicObject> for HubObject {
    type Error = AdapterError;

    /// A `DynamicObject`, by its `kind` (as its JSON form).
    fn try_from(o: &kube::core::DynamicObject) -> Result<Self, AdapterError> {
        let v = serde_json::to_value(o).map_err(|e| AdapterError::Decode {
            kind: "DynamicObject",
            message: e.to_string(),
        })?;
        HubObject::try_from(&v)
    }
}

impl Snapshot {
    /// A snapshot of the given hub objects, in any order. Each `AddOnPlacementScore` is
    /// attached to the cluster named by its namespace (scores of unknown clusters are ignored,
    /// as upstream's lister lookups ignore them).
    pub fn from_objects(objects: impl IntoIterator<Item = HubObject>) -> Snapshot {
        let mut snapshot = Snapshot::new();
        let mut scores: BTreeMap<String, Vec<AddOnPlacementScore>> = BTreeMap::new();
        for o in objects {
            match o {
                HubObject::ManagedCluster(c) => snapshot.clusters.push(*c),
                HubObject::ManagedClusterSet(s) => snapshot.cluster_sets.push(s),
                HubObject::ManagedClusterSetBinding(b) => snapshot.bindings.push(b),
                HubObject::AddOnPlacementScore { namespace, score } => {
                    scores.entry(namespace).or_default().push(score)
                }
                HubObject::PlacementDecision(d) => snapshot.placement_decisions.push(d),
            }
        }
        for c in &mut snapshot.clusters {
            if let Some(s) = scores.remove(&c.name) {
                c.scores.extend(s);
            }
        }
        snapshot
    }
}

/// Why upstream's controller does not schedule a placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Skip {
    /// `metadata.deletionTimestamp` is set.
    Deleting,
    /// The `cluster.open-cluster-management.io/experimental-scheduling-disable` annotation is
    /// `"true"`.
    Disabled,
}

/// Whether upstream skips the placement, and why; `None` when it schedules it.
pub fn skip_reason(p: &v1beta1::Placement) -> Option<Skip> {
    if p.metadata.deletion_timestamp.is_some() {
        return Some(Skip::Deleting);
    }
    let disabled = p
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(ocm_api::annotations::EXPERIMENTAL_SCHEDULING_DISABLE));
    (disabled.map(String::as_str) == Some("true")).then_some(Skip::Disabled)
}

/// The stored `PlacementDecision`s of `placement` (same namespace, its placement label) that
/// the outcome does not keep: upstream deletes them after writing the outcome's pages.
pub fn stale_placement_decisions<'a>(
    placement: &v1beta1::Placement,
    outcome: &ScheduleOutcome,
    stored: impl IntoIterator<Item = &'a v1beta1::PlacementDecision>,
) -> Vec<&'a v1beta1::PlacementDecision> {
    let ns = placement.metadata.namespace.as_deref();
    let name = placement.metadata.name.as_deref().unwrap_or_default();
    stored
        .into_iter()
        .filter(|d| {
            d.metadata.namespace.as_deref() == ns
                && d.metadata
                    .labels
                    .as_ref()
                    .and_then(|l| l.get(ocm_api::labels::PLACEMENT))
                    .is_some_and(|l| l == name)
                && d.metadata
                    .name
                    .as_deref()
                    .is_some_and(|n| !outcome.placement_decisions.iter().any(|p| p.name == n))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn placement(annotations: Value, deleting: bool) -> v1beta1::Placement {
        let mut md = json!({"name": "p", "namespace": "ns", "annotations": annotations});
        if deleting {
            md["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        }
        serde_json::from_value(json!({"metadata": md, "spec": {}})).unwrap()
    }

    #[test]
    fn skipped_placements() {
        let key = ocm_api::annotations::EXPERIMENTAL_SCHEDULING_DISABLE;
        assert_eq!(skip_reason(&placement(json!({}), false)), None);
        assert_eq!(skip_reason(&placement(json!({key: "false"}), false)), None);
        assert_eq!(
            skip_reason(&placement(json!({key: "true"}), false)),
            Some(Skip::Disabled)
        );
        assert_eq!(
            skip_reason(&placement(json!({}), true)),
            Some(Skip::Deleting)
        );
    }

    #[test]
    fn snapshot_from_json_and_stale_pages() {
        let objects = [
            json!({"kind": "ManagedCluster", "metadata": {"name": "a", "labels": {"cluster.open-cluster-management.io/clusterset": "s"}}}),
            json!({"kind": "ManagedClusterSet", "metadata": {"name": "s"}}),
            json!({"kind": "ManagedClusterSetBinding", "metadata": {"name": "s", "namespace": "ns"}, "spec": {"clusterSet": "s"}}),
            json!({"kind": "AddOnPlacementScore", "metadata": {"name": "r", "namespace": "a"}, "status": {"scores": [{"name": "x", "value": 3}]}}),
        ];
        let objects: Vec<HubObject> = objects
            .iter()
            .map(|o| HubObject::try_from(o).unwrap())
            .collect();
        let snapshot = Snapshot::from_objects(objects);
        assert_eq!(snapshot.clusters[0].scores[0].scores[0].value, 3);
        assert!(snapshot.clusters[0].object.is_some());
        let dynamic: kube::core::DynamicObject = serde_json::from_value(json!({
            "apiVersion": "cluster.open-cluster-management.io/v1beta2",
            "kind": "ManagedClusterSet",
            "metadata": {"name": "t"},
        }))
        .unwrap();
        assert!(matches!(
            HubObject::try_from(&dynamic),
            Ok(HubObject::ManagedClusterSet(s)) if s.name == "t"
        ));
        assert!(matches!(
            HubObject::try_from(&json!({"kind": "Pod"})),
            Err(AdapterError::UnknownKind { .. })
        ));

        let p = placement(json!({}), false);
        let outcome = crate::Scheduler::default()
            .schedule(
                &crate::Placement::try_from(&p).unwrap(),
                &snapshot,
                "2026-01-01T00:00:00Z".parse().unwrap(),
            )
            .unwrap();
        let pd = |name: &str, ns: &str, owner: &str| -> v1beta1::PlacementDecision {
            serde_json::from_value(json!({"metadata": {"name": name, "namespace": ns,
                "labels": {"cluster.open-cluster-management.io/placement": owner}}}))
            .unwrap()
        };
        let stored = [
            pd("p-decision-1", "ns", "p"),
            pd("p-decision-2", "ns", "p"),
            pd("p-decision-2", "other", "p"),
            pd("q-decision-2", "ns", "q"),
        ];
        let stale = stale_placement_decisions(&p, &outcome, &stored);
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].metadata.name.as_deref(), Some("p-decision-2"));
        assert_eq!(stale[0].metadata.namespace.as_deref(), Some("ns"));
    }
}
