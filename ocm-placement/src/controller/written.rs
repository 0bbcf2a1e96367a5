//! Our own writes that the watch has not delivered yet: reading them back ("read your writes")
//! keeps a reconcile that runs before the watch caught up from writing the same object again.
//!
//! Upstream reads only its informers, so a placement reconciled again right after a write (its
//! own decision events enqueue it) sees the old object and writes the same status a second
//! time: a tenth of the writes when 2,000 clusters converge, on an apiserver that is the limit.

use kube::Resource;
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher::Event;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a write is preferred over the cache at most: the watch delivers it well before,
/// unless it missed it (a re-list after a compaction), and then the cache is newer.
const TTL: Duration = Duration::from_secs(30);

/// Our writes by object: when each was written, and what the apiserver returned.
type Pending<K> = HashMap<ObjectRef<K>, (Instant, Arc<K>)>;

/// The objects this controller wrote, by reference, until the watch delivers their
/// `resourceVersion`.
pub(crate) struct Written<K: Resource<DynamicType = ()>> {
    pending: Mutex<Pending<K>>,
}

impl<K: Resource<DynamicType = ()>> Default for Written<K> {
    fn default() -> Self {
        Written {
            pending: Mutex::new(HashMap::new()),
        }
    }
}

impl<K> Written<K>
where
    K: Resource<DynamicType = ()> + Clone,
    ObjectRef<K>: Hash + Eq,
{
    /// Remembers an object the apiserver returned for our write (its `managedFields` dropped).
    pub(crate) fn record(&self, mut obj: K) {
        obj.meta_mut().managed_fields = None;
        let r = ObjectRef::from_obj(&obj);
        self.lock().insert(r, (Instant::now(), Arc::new(obj)));
    }

    /// Forgets our write of `r` (we deleted it).
    pub(crate) fn forget(&self, r: &ObjectRef<K>) {
        self.lock().remove(r);
    }

    /// A watch event: the cache now holds what it carries.
    pub(crate) fn observe(&self, ev: &Event<K>) {
        match ev {
            Event::Apply(o) | Event::InitApply(o) => {
                let r = ObjectRef::from_obj(o);
                let mut pending = self.lock();
                if pending
                    .get(&r)
                    .is_some_and(|(_, w)| same_version(w.as_ref(), o))
                {
                    pending.remove(&r);
                }
            }
            Event::Delete(o) => {
                self.lock().remove(&ObjectRef::from_obj(o));
            }
            // A re-list may skip our write's event: trust the cache again.
            Event::Init => self.lock().clear(),
            Event::InitDone => {}
        }
    }

    /// The newest known state of `r`: our write when the cache has not delivered it yet, else
    /// the cached object.
    pub(crate) fn newest(&self, r: &ObjectRef<K>, cached: Option<Arc<K>>) -> Option<Arc<K>> {
        let mut pending = self.lock();
        let Some((at, written)) = pending.get(r) else {
            return cached;
        };
        let caught_up = cached
            .as_deref()
            .is_some_and(|c| same_version(written.as_ref(), c));
        if caught_up || at.elapsed() > TTL {
            pending.remove(r);
            return cached;
        }
        Some(written.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending<K>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn same_version<K: Resource>(a: &K, b: &K) -> bool {
    a.meta().resource_version.is_some() && a.meta().resource_version == b.meta().resource_version
}

#[cfg(test)]
mod tests {
    use super::*;
    use ocm_api::cluster::v1beta1::PlacementDecision;

    fn page(rv: &str, clusters: &[&str]) -> PlacementDecision {
        ocm_api::from_value(serde_json::json!({
            "apiVersion": "cluster.open-cluster-management.io/v1beta1",
            "kind": "PlacementDecision",
            "metadata": {"name": "p-decision-1", "namespace": "ns", "resourceVersion": rv,
                         "managedFields": [{"manager": "x"}]},
            "status": {"decisions": clusters.iter().map(|c| serde_json::json!({"clusterName": c, "reason": ""})).collect::<Vec<_>>()},
        }))
        .unwrap()
    }

    #[test]
    fn a_write_is_read_back_until_the_watch_delivers_it() {
        let written = Written::<PlacementDecision>::default();
        let r = ObjectRef::new("p-decision-1").within("ns");
        let old = Arc::new(page("1", &["a"]));
        assert!(Arc::ptr_eq(
            &written.newest(&r, Some(old.clone())).unwrap(),
            &old
        ));

        written.record(page("2", &["b"]));
        let read = written.newest(&r, Some(old.clone())).unwrap();
        assert_eq!(read.metadata.resource_version.as_deref(), Some("2"));
        assert!(read.metadata.managed_fields.is_none());
        // Not a page the cache has yet either.
        assert!(written.newest(&r, None).is_some());

        // An older event does not clear it; ours does.
        written.observe(&Event::Apply(page("1", &["a"])));
        assert_eq!(
            written
                .newest(&r, Some(old.clone()))
                .unwrap()
                .metadata
                .resource_version
                .as_deref(),
            Some("2")
        );
        written.observe(&Event::Apply(page("2", &["b"])));
        assert!(Arc::ptr_eq(
            &written.newest(&r, Some(old.clone())).unwrap(),
            &old
        ));
    }

    #[test]
    fn the_cache_wins_once_it_holds_the_write_or_after_a_relist_or_delete() {
        let written = Written::<PlacementDecision>::default();
        let r = ObjectRef::new("p-decision-1").within("ns");
        written.record(page("2", &["b"]));
        let cached = Arc::new(page("2", &["b"]));
        assert!(Arc::ptr_eq(
            &written.newest(&r, Some(cached.clone())).unwrap(),
            &cached
        ));
        assert!(written.lock().is_empty());

        written.record(page("3", &["c"]));
        written.observe(&Event::Init);
        assert!(written.newest(&r, None).is_none());

        written.record(page("4", &["d"]));
        written.observe(&Event::Delete(page("4", &["d"])));
        assert!(written.newest(&r, None).is_none());
    }
}
