//! The watch-fed state machine behind [`PlacementDecisions`](super::PlacementDecisions): one
//! placement and its pages as the two watches last reported them, when they last changed, and
//! whether they form a consistent set now.
//!
//! The machine is synchronous and takes the current time as an argument, so the settle rule is
//! unit-tested without a server or a clock.

use std::collections::BTreeMap;
use std::time::Duration;

use kube::ResourceExt;
use kube::runtime::watcher::Event;
use ocm_api::cluster::v1beta1::{Placement, PlacementDecision};
use tokio::time::Instant;

use super::rule::{Inconsistency, check_consistent};
use super::set::DecisionSet;

/// One event from either watch.
#[derive(Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "one event at a time, moved straight into the store"
)]
pub(crate) enum Input {
    /// From the watch of the placement (by name).
    Placement(Event<Placement>),
    /// From the watch of its pages (by label).
    Page(Event<PlacementDecision>),
}

/// A watch's view of some objects: the objects, and the re-list in progress.
#[derive(Debug)]
struct Store<K> {
    objects: BTreeMap<String, K>,
    relisting: Option<BTreeMap<String, K>>,
    listed: bool,
}

impl<K> Default for Store<K> {
    fn default() -> Self {
        Self {
            objects: BTreeMap::new(),
            relisting: None,
            listed: false,
        }
    }
}

fn versions<K: ResourceExt>(objects: &BTreeMap<String, K>) -> Vec<(&str, Option<&str>)> {
    objects
        .iter()
        .map(|(n, o)| (n.as_str(), o.meta().resource_version.as_deref()))
        .collect()
}

impl<K: ResourceExt> Store<K> {
    /// Applies a watch event; returns whether the stored objects changed (a re-list that finds
    /// every object at the same resourceVersion is no change).
    fn apply(&mut self, event: Event<K>) -> bool {
        match event {
            Event::Apply(o) => {
                let same = self
                    .objects
                    .get(&o.name_any())
                    .map(|s| s.resource_version())
                    == Some(o.resource_version());
                self.objects.insert(o.name_any(), o);
                !same
            }
            Event::Delete(o) => self.objects.remove(&o.name_any()).is_some(),
            Event::Init => {
                self.relisting = Some(BTreeMap::new());
                false
            }
            Event::InitApply(o) => {
                self.relisting
                    .get_or_insert_with(BTreeMap::new)
                    .insert(o.name_any(), o);
                false
            }
            Event::InitDone => {
                let fresh = self.relisting.take().unwrap_or_default();
                let changed = !self.listed || versions(&fresh) != versions(&self.objects);
                self.objects = fresh;
                self.listed = true;
                changed
            }
        }
    }
}

/// The placement, its pages, and when either last changed.
#[derive(Debug)]
pub(crate) struct Tracker {
    settle: Duration,
    placement: Store<Placement>,
    pages: Store<PlacementDecision>,
    changed_at: Instant,
}

impl Tracker {
    /// A tracker that calls a structurally consistent snapshot consistent once nothing changed
    /// for `settle`.
    pub(crate) fn new(settle: Duration, now: Instant) -> Self {
        Self {
            settle,
            placement: Store::default(),
            pages: Store::default(),
            changed_at: now,
        }
    }

    /// Applies one watch event seen at `now`.
    pub(crate) fn apply(&mut self, input: Input, now: Instant) {
        let changed = match input {
            Input::Placement(e) => self.placement.apply(e),
            Input::Page(e) => self.pages.apply(e),
        };
        if changed {
            self.changed_at = now;
        }
    }

    /// Whether both watches listed, and the placement is absent.
    pub(crate) fn placement_absent(&self) -> bool {
        self.placement.listed && self.placement.objects.is_empty()
    }

    /// When the current snapshot has been unchanged for the settle window.
    pub(crate) fn settles_at(&self) -> Instant {
        self.changed_at + self.settle
    }

    /// The consistent set at `now`, or why there is none.
    pub(crate) fn evaluate(&self, now: Instant) -> Result<DecisionSet, Inconsistency> {
        if !self.placement.listed || !self.pages.listed {
            return Err(Inconsistency::Listing);
        }
        let set = check_consistent(
            self.placement.objects.values().next(),
            self.pages.objects.values(),
        )?;
        let since = now.saturating_duration_since(self.changed_at);
        if since < self.settle {
            return Err(Inconsistency::Unsettled {
                since_ms: since.as_millis(),
            });
        }
        Ok(set)
    }

    /// A one-line description of the snapshot at `now`, for timeouts and logs.
    pub(crate) fn describe(&self, now: Instant) -> String {
        let decisions: usize = self
            .pages
            .objects
            .values()
            .map(|p| p.status.as_ref().map_or(0, |s| s.decisions.len()))
            .sum();
        let verdict = match self.evaluate(now) {
            Ok(set) => format!("consistent, {} clusters", set.len()),
            Err(e) => e.to_string(),
        };
        format!(
            "{} page(s) with {decisions} decision(s): {verdict}",
            self.pages.objects.len()
        )
    }
}

#[cfg(test)]
#[path = "tracker_tests.rs"]
mod tests;
