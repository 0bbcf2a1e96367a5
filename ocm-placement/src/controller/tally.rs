//! Decision counts kept from the `PlacementDecision` watch, page by page, so that a reconcile
//! reads them (upstream's `Balance` and steady-state reads of its decision lister) without
//! converting every page of every placement.

use crate::index::DecisionCounts;
use crate::labels::PLACEMENT;
use kube::runtime::watcher::Event;
use ocm_api::cluster::v1beta1;
use rustc_hash::FxHashMap;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// `(namespace, name)`.
type Key = (String, String);

/// What one page contributes: its placement (by label) and the clusters it names (each name
/// shared with the counts: a fleet's pages name the same few thousand clusters).
#[derive(Debug, Clone)]
struct Page {
    placement: Option<Key>,
    clusters: Vec<Arc<str>>,
}

impl Page {
    /// The page of `d`, its cluster names taken from `names` when there.
    fn of(d: &v1beta1::PlacementDecision, names: &FxHashMap<Arc<str>, i64>) -> (Key, Page) {
        let ns = d.metadata.namespace.clone().unwrap_or_default();
        let name = d.metadata.name.clone().unwrap_or_default();
        let placement = d
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(PLACEMENT))
            .map(|p| (ns.clone(), p.clone()));
        let clusters = d
            .status
            .iter()
            .flat_map(|s| &s.decisions)
            .map(|c| match names.get_key_value(c.cluster_name.as_str()) {
                Some((name, _)) => name.clone(),
                None => Arc::from(c.cluster_name.as_str()),
            })
            .collect();
        (
            (ns, name),
            Page {
                placement,
                clusters,
            },
        )
    }
}

#[derive(Debug, Default)]
struct State {
    pages: HashMap<Key, Page>,
    /// Pages of a re-list in progress (they replace `pages` when it is done, as the store).
    relist: Option<HashMap<Key, Page>>,
    all: FxHashMap<Arc<str>, i64>,
    by_placement: FxHashMap<Key, Arc<FxHashMap<Arc<str>, i64>>>,
    /// The counts as last handed out; `None` after a change.
    frozen: Option<Arc<DecisionCounts>>,
}

/// Decision counts of every placement, updated by each `PlacementDecision` watch event.
#[derive(Debug, Default)]
pub(crate) struct DecisionTally {
    state: Mutex<State>,
}

impl DecisionTally {
    /// Applies one watch event.
    pub(crate) fn observe(&self, ev: &Event<v1beta1::PlacementDecision>) {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        match ev {
            Event::Apply(d) => {
                let (key, page) = Page::of(d, &s.all);
                s.add(&page, 1);
                if let Some(old) = s.pages.insert(key, page) {
                    s.add(&old, -1);
                }
            }
            Event::Delete(d) => {
                let key = (
                    d.metadata.namespace.clone().unwrap_or_default(),
                    d.metadata.name.clone().unwrap_or_default(),
                );
                if let Some(old) = s.pages.remove(&key) {
                    s.add(&old, -1);
                }
            }
            Event::Init => s.relist = Some(HashMap::new()),
            Event::InitApply(d) => {
                let (key, page) = Page::of(d, &s.all);
                s.relist.get_or_insert_default().insert(key, page);
            }
            Event::InitDone => {
                let pages = s.relist.take().unwrap_or_default();
                s.frozen = None;
                s.all.clear();
                s.by_placement.clear();
                for page in pages.values() {
                    s.add(page, 1);
                }
                s.pages = pages;
            }
        }
    }

    /// The counts now, shared until the next change.
    pub(crate) fn counts(&self) -> Arc<DecisionCounts> {
        let mut s = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(f) = &s.frozen {
            return f.clone();
        }
        let mut desc: Vec<(i64, Arc<str>)> = s.all.iter().map(|(c, n)| (*n, c.clone())).collect();
        desc.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        let frozen = Arc::new(DecisionCounts {
            all: s.all.clone(),
            desc,
            by_placement: s.by_placement.clone(),
        });
        s.frozen = Some(frozen.clone());
        frozen
    }
}

impl State {
    /// Adds (`sign` 1) or removes (-1) what `page` contributes.
    fn add(&mut self, page: &Page, sign: i64) {
        if page.clusters.is_empty() {
            return;
        }
        self.frozen = None;
        bump(&mut self.all, &page.clusters, sign);
        if let Some(p) = &page.placement {
            let own = self.by_placement.entry(p.clone()).or_default();
            bump(Arc::make_mut(own), &page.clusters, sign);
            if own.is_empty() {
                self.by_placement.remove(p);
            }
        }
    }
}

fn bump(counts: &mut FxHashMap<Arc<str>, i64>, clusters: &[Arc<str>], sign: i64) {
    for c in clusters {
        match counts.get_mut(c) {
            Some(n) => {
                *n += sign;
                if *n == 0 {
                    counts.remove(c);
                }
            }
            None => {
                counts.insert(c.clone(), sign);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(
        ns: &str,
        name: &str,
        placement: &str,
        clusters: &[&str],
    ) -> v1beta1::PlacementDecision {
        serde_json::from_value(serde_json::json!({
            "metadata": {"namespace": ns, "name": name, "labels": {PLACEMENT: placement}},
            "status": {"decisions": clusters
                .iter()
                .map(|c| serde_json::json!({"clusterName": c, "reason": ""}))
                .collect::<Vec<_>>()},
        }))
        .unwrap()
    }

    fn own(c: &DecisionCounts, ns: &str, p: &str) -> Vec<(String, i64)> {
        let mut v: Vec<_> = c
            .by_placement
            .get(&(ns.to_owned(), p.to_owned()))
            .map(|m| m.iter().map(|(k, n)| (k.to_string(), *n)).collect())
            .unwrap_or_default();
        v.sort();
        v
    }

    #[test]
    fn follows_pages_through_updates_deletes_and_relists() {
        let t = DecisionTally::default();
        t.observe(&Event::Apply(page("ns", "p-1", "p", &["a", "b"])));
        t.observe(&Event::Apply(page("ns", "q-1", "q", &["a"])));
        t.observe(&Event::Apply(page("x", "p-1", "p", &["a"])));
        let c = t.counts();
        assert_eq!(c.all["a"], 3);
        assert_eq!(c.desc, [(3, Arc::from("a")), (1, Arc::from("b"))]);
        assert_eq!(own(&c, "ns", "p"), [("a".into(), 1), ("b".into(), 1)]);
        // Unchanged: the same counts.
        assert!(Arc::ptr_eq(&c, &t.counts()));

        // An update replaces the page's contribution; the old counts are unchanged.
        t.observe(&Event::Apply(page("ns", "p-1", "p", &["c"])));
        let d = t.counts();
        assert_eq!(c.all["a"], 3);
        assert_eq!(d.all["a"], 2);
        assert!(!d.all.contains_key("b"));
        assert_eq!(own(&d, "ns", "p"), [("c".into(), 1)]);

        t.observe(&Event::Delete(page("ns", "p-1", "p", &[])));
        let d = t.counts();
        assert_eq!(own(&d, "ns", "p"), []);
        assert!(!d.all.contains_key("c"));

        // A re-list replaces everything when it is done.
        t.observe(&Event::Init);
        t.observe(&Event::InitApply(page("ns", "r-1", "r", &["z"])));
        assert_eq!(t.counts().all["a"], 2);
        t.observe(&Event::InitDone);
        let d = t.counts();
        assert_eq!(d.all.len(), 1);
        assert_eq!(own(&d, "ns", "r"), [("z".into(), 1)]);
        assert_eq!(own(&d, "ns", "q"), []);

        // A re-list that finds no decisions empties the counts.
        t.observe(&Event::Init);
        t.observe(&Event::InitDone);
        assert!(t.counts().all.is_empty());
    }
}
