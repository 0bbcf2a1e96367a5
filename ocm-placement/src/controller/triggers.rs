//! Which placements to reconcile when a watched object changes (upstream `enqueue.go` and
//! `cluster_event_handler.go`).

use super::Stores;
use super::reconcile::Backoffs;
use crate::model::ManagedClusterSet;
use crate::selector::Selector;
use kube::runtime::controller::{ReconcileReason, ReconcileRequest};
use kube::runtime::reflector::{Lookup, ObjectRef};
use kube::runtime::watcher::Event;
use ocm_api::cluster::{v1, v1alpha1, v1beta1, v1beta2};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

type Requests = Vec<ReconcileRequest<v1beta1::Placement>>;

/// Maps watch events to reconcile requests, reading the stores.
pub(crate) struct Triggers {
    stores: Stores,
    backoffs: Arc<Backoffs>,
    /// The labels of each cluster at its last event, so that after a label change the
    /// placements of the sets it left are re-scheduled too (upstream's handler gets the old
    /// and the new object; a watch only has the new one).
    cluster_labels_seen: Mutex<HashMap<String, BTreeMap<String, String>>>,
}

impl Triggers {
    pub(crate) fn new(stores: Stores, backoffs: Arc<Backoffs>) -> Self {
        Triggers {
            stores,
            backoffs,
            cluster_labels_seen: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn placement(&self, ev: &Event<v1beta1::Placement>) -> Requests {
        match ev {
            Event::Apply(p) | Event::InitApply(p) => vec![ReconcileRequest {
                obj_ref: ObjectRef::from_obj(p),
                reason: ReconcileReason::ObjectUpdated,
            }],
            Event::Delete(p) => {
                self.backoffs.forget(&ObjectRef::from_obj(p));
                Vec::new()
            }
            Event::Init | Event::InitDone => Vec::new(),
        }
    }

    pub(crate) fn decision(&self, ev: &Event<v1beta1::PlacementDecision>) -> Requests {
        match ev {
            Event::Apply(d) | Event::Delete(d) => {
                let (Some(ns), Some(placement)) = (
                    d.metadata.namespace.as_deref(),
                    d.metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get(ocm_api::labels::PLACEMENT)),
                ) else {
                    return Vec::new();
                };
                related(d, vec![super::placement_ref(ns, placement)])
            }
            other => self.relisted(other, "PlacementDecision"),
        }
    }

    pub(crate) fn cluster(&self, ev: &Event<v1::ManagedCluster>) -> Requests {
        match ev {
            Event::Apply(c) | Event::Delete(c) | Event::InitApply(c) => {
                let Some(name) = c.metadata.name.as_deref() else {
                    return Vec::new();
                };
                let labels = c.metadata.labels.clone().unwrap_or_default();
                let before = {
                    let mut seen = self
                        .cluster_labels_seen
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner);
                    if matches!(ev, Event::Delete(_)) {
                        seen.remove(name)
                    } else {
                        seen.insert(name.to_owned(), labels.clone())
                    }
                };
                if matches!(ev, Event::InitApply(_)) {
                    // The (re-)list as a whole is handled at `InitDone`.
                    return Vec::new();
                }
                let mut sets = self.sets_of(&labels);
                if let Some(before) = before.filter(|b| *b != labels) {
                    sets.extend(self.sets_of(&before));
                }
                related(c, self.placements_for_sets(&sets))
            }
            other => self.relisted(other, "ManagedCluster"),
        }
    }

    pub(crate) fn cluster_set(&self, ev: &Event<v1beta2::ManagedClusterSet>) -> Requests {
        match ev {
            Event::Apply(s) | Event::Delete(s) => {
                let sets: BTreeSet<String> = s.metadata.name.iter().cloned().collect();
                related(s, self.placements_for_sets(&sets))
            }
            other => self.relisted(other, "ManagedClusterSet"),
        }
    }

    pub(crate) fn binding(&self, ev: &Event<v1beta2::ManagedClusterSetBinding>) -> Requests {
        match ev {
            Event::Apply(b) | Event::Delete(b) => {
                let (Some(ns), Some(name)) = (&b.metadata.namespace, &b.metadata.name) else {
                    return Vec::new();
                };
                related(b, self.placements_for_binding(ns, name))
            }
            other => self.relisted(other, "ManagedClusterSetBinding"),
        }
    }

    /// Upstream `enqueuePlacementScore`: the placements that read this score (by resource
    /// name) in the namespaces bound to the sets of the score's cluster.
    pub(crate) fn score(&self, ev: &Event<v1alpha1::AddOnPlacementScore>) -> Requests {
        match ev {
            Event::Apply(s) | Event::Delete(s) => {
                let (Some(cluster), Some(resource)) = (&s.metadata.namespace, &s.metadata.name)
                else {
                    return Vec::new();
                };
                let Some(cluster) = self.stores.clusters.get(&ObjectRef::new(cluster)) else {
                    return Vec::new();
                };
                let sets = self.sets_of(&cluster.metadata.labels.clone().unwrap_or_default());
                let namespaces: BTreeSet<String> = self
                    .stores
                    .bindings
                    .state()
                    .iter()
                    .filter(|b| sets.contains(&b.spec.cluster_set))
                    .filter_map(|b| b.metadata.namespace.clone())
                    .collect();
                let placements = self
                    .stores
                    .placements
                    .state()
                    .iter()
                    .filter(|p| {
                        p.metadata
                            .namespace
                            .as_ref()
                            .is_some_and(|ns| namespaces.contains(ns))
                            && reads_score(p, resource)
                    })
                    .map(|p| ObjectRef::from_obj(p.as_ref()))
                    .collect();
                related(s, placements)
            }
            other => self.relisted(other, "AddOnPlacementScore"),
        }
    }

    /// After a (re-)list, objects may have changed or gone unseen: reconcile every placement.
    fn relisted<K>(&self, ev: &Event<K>, kind: &str) -> Requests {
        if !matches!(ev, Event::InitDone) {
            return Vec::new();
        }
        let reason = ReconcileReason::Custom {
            reason: format!("{kind} watch listed"),
        };
        self.stores
            .placements
            .state()
            .iter()
            .map(|p| ReconcileRequest {
                obj_ref: ObjectRef::from_obj(p.as_ref()),
                reason: reason.clone(),
            })
            .collect()
    }

    /// The sets whose selector matches these cluster labels (`GetClusterSetsOfCluster`).
    fn sets_of(&self, labels: &BTreeMap<String, String>) -> BTreeSet<String> {
        self.stores
            .cluster_sets
            .state()
            .iter()
            .filter_map(|s| ManagedClusterSet::try_from(s.as_ref()).ok())
            .filter(|s| set_selector(s).is_some_and(|sel| sel.matches(labels)))
            .map(|s| s.name)
            .collect()
    }

    /// Upstream `enqueueClusterSet`: bindings of the sets (by `spec.clusterSet`), then their
    /// placements.
    fn placements_for_sets(&self, sets: &BTreeSet<String>) -> Vec<ObjectRef<v1beta1::Placement>> {
        if sets.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for b in self.stores.bindings.state() {
            if !sets.contains(&b.spec.cluster_set) {
                continue;
            }
            if let (Some(ns), Some(name)) = (&b.metadata.namespace, &b.metadata.name) {
                out.extend(self.placements_for_binding(ns, name));
            }
        }
        out
    }

    /// Upstream `enqueueClusterSetBinding`: placements in the binding's namespace that name
    /// the binding in `spec.clusterSets`, or name no set.
    fn placements_for_binding(
        &self,
        ns: &str,
        binding: &str,
    ) -> Vec<ObjectRef<v1beta1::Placement>> {
        self.stores
            .placements
            .state()
            .iter()
            .filter(|p| {
                p.metadata.namespace.as_deref() == Some(ns)
                    && p.spec
                        .cluster_sets
                        .as_ref()
                        .is_none_or(|s| s.is_empty() || s.iter().any(|s| s == binding))
            })
            .map(|p| ObjectRef::from_obj(p.as_ref()))
            .collect()
    }
}

fn related<K: Lookup<DynamicType = ()>>(
    cause: &K,
    placements: Vec<ObjectRef<v1beta1::Placement>>,
) -> Requests {
    if placements.is_empty() {
        return Vec::new();
    }
    let cause = ObjectRef::from_obj(cause).erase();
    placements
        .into_iter()
        .map(|obj_ref| ReconcileRequest {
            obj_ref,
            reason: ReconcileReason::RelatedObjectUpdated {
                obj_ref: Box::new(cause.clone()),
            },
        })
        .collect()
}

/// The selector of a set's members; `None` when it is invalid (the scheduler reports that).
fn set_selector(s: &ManagedClusterSet) -> Option<Selector> {
    match s.cluster_selector.selector_type.as_str() {
        "" | "ExclusiveClusterSetLabel" => Some(Selector::from_set(
            &[(ocm_api::labels::CLUSTER_SET.to_owned(), s.name.clone())].into(),
        )),
        "LabelSelector" => {
            Selector::try_from_label_selector(s.cluster_selector.label_selector.as_ref()).ok()
        }
        _ => None,
    }
}

/// Whether a placement has an `AddOn` prioritizer reading `resource` (`indexPlacementsByScore`).
fn reads_score(p: &v1beta1::Placement, resource: &str) -> bool {
    p.spec
        .prioritizer_policy
        .configurations
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.score_coordinate.as_ref())
        .any(|sc| {
            sc.type_ == Some(v1beta1::ScoreCoordinateType::AddOn)
                && sc
                    .add_on
                    .as_ref()
                    .is_some_and(|a| a.resource_name == resource)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kube::runtime::reflector::store;
    use ocm_api::cluster::v1::ManagedClusterSpec;
    use ocm_api::cluster::v1beta2::{ManagedClusterSetBindingSpec, ManagedClusterSetSpec};
    use serde_json::json;

    struct Fixture {
        triggers: Triggers,
        placements: store::Writer<v1beta1::Placement>,
        sets: store::Writer<v1beta2::ManagedClusterSet>,
        bindings: store::Writer<v1beta2::ManagedClusterSetBinding>,
        clusters: store::Writer<v1::ManagedCluster>,
        // Kept so that the stores stay alive.
        _rest: (
            store::Writer<v1beta1::PlacementDecision>,
            store::Writer<v1alpha1::AddOnPlacementScore>,
        ),
    }

    fn fixture() -> Fixture {
        let (placements, pw) = store();
        let (decisions, dw) = store();
        let (clusters, cw) = store();
        let (cluster_sets, sw) = store();
        let (bindings, bw) = store();
        let (scores, scw) = store();
        let stores = Stores {
            placements,
            decisions,
            clusters,
            cluster_sets,
            bindings,
            scores,
        };
        Fixture {
            triggers: Triggers::new(stores, Arc::new(Backoffs::default())),
            placements: pw,
            sets: sw,
            bindings: bw,
            clusters: cw,
            _rest: (dw, scw),
        }
    }

    fn placement(ns: &str, name: &str, spec: serde_json::Value) -> v1beta1::Placement {
        let mut p: v1beta1::Placement = ocm_api::from_value(json!({
            "apiVersion": "cluster.open-cluster-management.io/v1beta1",
            "kind": "Placement",
            "metadata": {"name": name},
            "spec": spec,
        }))
        .unwrap();
        p.metadata.namespace = Some(ns.into());
        p
    }

    fn binding(ns: &str, set: &str) -> v1beta2::ManagedClusterSetBinding {
        let mut b = v1beta2::ManagedClusterSetBinding::new(
            set,
            ManagedClusterSetBindingSpec {
                cluster_set: set.into(),
            },
        );
        b.metadata.namespace = Some(ns.into());
        b
    }

    fn cluster(name: &str, set: &str) -> v1::ManagedCluster {
        let mut c = v1::ManagedCluster::new(name, ManagedClusterSpec::default());
        c.metadata.labels =
            Some([(ocm_api::labels::CLUSTER_SET.to_owned(), set.to_owned())].into());
        c
    }

    fn names(rs: &Requests) -> Vec<String> {
        let mut v: Vec<String> = rs
            .iter()
            .map(|r| {
                format!(
                    "{}/{}",
                    r.obj_ref.namespace.as_deref().unwrap_or(""),
                    r.obj_ref.name
                )
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn cluster_label_change_reaches_old_and_new_sets() {
        let mut f = fixture();
        // Listed before the sets are known: its old sets are found at the next event.
        assert!(
            f.triggers
                .cluster(&Event::InitApply(cluster("d", "a")))
                .is_empty()
        );
        for s in ["a", "b"] {
            f.sets
                .apply_watcher_event(&Event::Apply(v1beta2::ManagedClusterSet::new(
                    s,
                    ManagedClusterSetSpec::default(),
                )));
        }
        f.bindings
            .apply_watcher_event(&Event::Apply(binding("ns1", "a")));
        f.bindings
            .apply_watcher_event(&Event::Apply(binding("ns2", "b")));
        f.placements
            .apply_watcher_event(&Event::Apply(placement("ns1", "any", json!({}))));
        f.placements.apply_watcher_event(&Event::Apply(placement(
            "ns1",
            "only-b",
            json!({"clusterSets": ["b"]}),
        )));
        f.placements
            .apply_watcher_event(&Event::Apply(placement("ns2", "p2", json!({}))));
        f.placements
            .apply_watcher_event(&Event::Apply(placement("ns3", "p3", json!({}))));

        let t = &f.triggers;
        assert_eq!(
            names(&t.cluster(&Event::Apply(cluster("c", "a")))),
            ["ns1/any"]
        );
        // Moved from a to b: both sets' placements.
        assert_eq!(
            names(&t.cluster(&Event::Apply(cluster("c", "b")))),
            ["ns1/any", "ns2/p2"]
        );
        assert_eq!(
            names(&t.cluster(&Event::Delete(cluster("c", "b")))),
            ["ns2/p2"]
        );
        // A set change reaches its bindings' placements; a binding change its namespace's.
        assert_eq!(
            names(
                &t.cluster_set(&Event::Apply(v1beta2::ManagedClusterSet::new(
                    "b",
                    ManagedClusterSetSpec::default()
                )))
            ),
            ["ns2/p2"]
        );
        assert_eq!(
            names(&t.binding(&Event::Apply(binding("ns1", "b")))),
            ["ns1/any", "ns1/only-b"]
        );
        assert_eq!(
            names(&t.cluster(&Event::Apply(cluster("d", "b")))),
            ["ns1/any", "ns2/p2"]
        );
        // A re-list reaches every placement.
        assert_eq!(t.cluster(&Event::InitDone).len(), 4);
        assert!(t.cluster(&Event::Init).is_empty());
    }

    #[test]
    fn score_reaches_placements_reading_it_in_bound_namespaces() {
        let mut f = fixture();
        f.sets
            .apply_watcher_event(&Event::Apply(v1beta2::ManagedClusterSet::new(
                "a",
                ManagedClusterSetSpec::default(),
            )));
        f.bindings
            .apply_watcher_event(&Event::Apply(binding("ns1", "a")));
        f.clusters
            .apply_watcher_event(&Event::Apply(cluster("c", "a")));
        let reads = json!({"prioritizerPolicy": {"configurations": [{"scoreCoordinate": {
            "type": "AddOn", "addOn": {"resourceName": "load", "scoreName": "cpu"}}, "weight": 1}]}});
        f.placements
            .apply_watcher_event(&Event::Apply(placement("ns1", "reads", reads.clone())));
        f.placements
            .apply_watcher_event(&Event::Apply(placement("ns1", "other", json!({}))));
        f.placements
            .apply_watcher_event(&Event::Apply(placement("ns2", "unbound", reads)));
        let mut score = v1alpha1::AddOnPlacementScore::new("load");
        score.metadata.namespace = Some("c".into());
        assert_eq!(
            names(&f.triggers.score(&Event::Apply(score.clone()))),
            ["ns1/reads"]
        );
        score.metadata.namespace = Some("unknown-cluster".into());
        assert!(f.triggers.score(&Event::Apply(score)).is_empty());
    }
}
