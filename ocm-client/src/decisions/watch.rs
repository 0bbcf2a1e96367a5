//! The async side: two watches feeding a [`Tracker`], and the waits on it.

use std::time::Duration;

use futures::stream::{BoxStream, Stream, StreamExt};
use kube::Api;
use kube::runtime::{WatchStreamExt, watcher};
use ocm_api::cluster::v1beta1::{Placement, PlacementDecision};
use ocm_api::labels;
use tokio::time::Instant;

use super::set::{DecisionChange, DecisionSet};
use super::tracker::{Input, Tracker};
use crate::{Error, Result};

/// One item of [`PlacementDecisions::watch`](super::PlacementDecisions::watch): a new
/// consistent set and what changed since the previous one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionUpdate {
    /// The new consistent set.
    pub set: DecisionSet,
    /// The change from the previous item's set (from the empty set for the first item).
    pub change: DecisionChange,
}

fn watch_error(action: String, e: watcher::Error) -> Error {
    let source = match e {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => e,
        watcher::Error::WatchError(status) => kube::Error::Api(status),
        other => {
            return Error::Invalid {
                action,
                reason: other.to_string(),
            };
        }
    };
    Error::Kube {
        action,
        source: Box::new(source),
    }
}

/// Two watches (the placement by name, its pages by label) and the tracker they feed.
pub(crate) struct Driver {
    namespace: String,
    name: String,
    tracker: Tracker,
    inputs: BoxStream<'static, std::result::Result<Input, watcher::Error>>,
}

impl Driver {
    pub(crate) fn new(client: kube::Client, namespace: &str, name: &str, settle: Duration) -> Self {
        let placements: Api<Placement> = Api::namespaced(client.clone(), namespace);
        let pages: Api<PlacementDecision> = Api::namespaced(client, namespace);
        let placement_events = watcher(
            placements,
            watcher::Config::default().fields(&format!("metadata.name={name}")),
        )
        .default_backoff()
        .map(|r| r.map(Input::Placement));
        let page_events = watcher(
            pages,
            watcher::Config::default().labels(&format!("{}={name}", labels::PLACEMENT)),
        )
        .default_backoff()
        .map(|r| r.map(Input::Page));
        Self {
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            tracker: Tracker::new(settle, Instant::now()),
            inputs: futures::stream::select(placement_events, page_events).boxed(),
        }
    }

    fn action(&self) -> String {
        format!(
            "watching the PlacementDecisions of placement {}/{}",
            self.namespace, self.name
        )
    }

    /// A description of what the tracker holds now.
    pub(crate) fn describe(&self) -> String {
        self.tracker.describe(Instant::now())
    }

    /// Whether the placement was listed and is absent.
    pub(crate) fn placement_absent(&self) -> bool {
        self.tracker.placement_absent()
    }

    /// Waits for the next consistent set that differs from `last`. A watch error is returned
    /// as is (the watches retry with backoff; calling again continues). `None` when the watches
    /// ended, which they do not do on their own.
    ///
    /// Cancel safe: dropping the future loses no event (the tracker keeps its state).
    pub(crate) async fn next_consistent(
        &mut self,
        last: Option<&DecisionSet>,
    ) -> Option<Result<DecisionSet>> {
        loop {
            let now = Instant::now();
            let wake = match self.tracker.evaluate(now) {
                Ok(set) if Some(&set) != last => return Some(Ok(set)),
                Ok(_) => None,
                Err(super::Inconsistency::Unsettled { .. }) => Some(self.tracker.settles_at()),
                Err(_) => None,
            };
            let next = match wake {
                Some(at) => tokio::select! {
                    item = self.inputs.next() => Some(item),
                    () = tokio::time::sleep_until(at) => None,
                },
                None => Some(self.inputs.next().await),
            };
            match next {
                None => {}
                Some(None) => return None,
                Some(Some(Ok(input))) => {
                    tracing::trace!(?input, "decision watch event");
                    self.tracker.apply(input, Instant::now());
                }
                Some(Some(Err(e))) => return Some(Err(watch_error(self.action(), e))),
            }
        }
    }

    /// The stream of consistent sets with their changes.
    pub(crate) fn into_stream(self) -> impl Stream<Item = Result<DecisionUpdate>> + Send + 'static {
        futures::stream::unfold(
            (self, None::<DecisionSet>),
            |(mut driver, last)| async move {
                let item = driver.next_consistent(last.as_ref()).await?;
                Some(match item {
                    Ok(set) => {
                        let change = set.diff(last.as_ref().unwrap_or(&DecisionSet::default()));
                        tracing::debug!(
                            placement = %driver.name,
                            clusters = set.len(),
                            added = change.added.len(),
                            removed = change.removed.len(),
                            moved = change.moved.len(),
                            "consistent decision set"
                        );
                        let update = DecisionUpdate {
                            set: set.clone(),
                            change,
                        };
                        (Ok(update), (driver, Some(set)))
                    }
                    Err(e) => (Err(e), (driver, last)),
                })
            },
        )
    }
}
