//! A placement's decisions read as one consistent set, and a stream of changes.
//!
//! The placement controller publishes a Placement's result as `PlacementDecision` pages of at
//! most 100 decisions each, named `<placement>-decision-<n>` (`n` from 1, counted across all
//! groups), labelled `cluster.open-cluster-management.io/placement=<placement>`,
//! `…/decision-group-index` and `…/decision-group-name`. Each reconcile (Go OCM v1.2.1,
//! `pkg/placement/controllers/scheduling`) writes, one request at a time: every page in order
//! (a new page is created empty, then its status is patched; an existing page gets its status
//! patched and, only in a later reconcile, its group labels), then deletes the pages it no longer
//! needs, then patches `Placement.status` (`numberOfSelectedClusters`, `decisionGroups[]` with the
//! page names and `clusterCount`, conditions) — and only when that status changed.
//!
//! A reader that lists the pages between two of those writes sees a set that never existed:
//! upstream [ocm#1346] (open) shows a cluster that moves from page 1 to page 2 missing from both,
//! and the add-on manager deleting its add-on. sdk-go's `PlacementDecisionClustersTracker` (and
//! every reader built on it) lists the pages and groups them by label, with no check.
//!
//! # The consistency rule
//!
//! This module goes beyond upstream: a snapshot (the placement and its pages as two watches
//! last saw them) is reported only when
//!
//! 1. **structure** ([`check_consistent`]): the pages that exist are exactly the pages the
//!    placement status lists; each page carries the group labels of the group listing it; each
//!    group's pages hold its `clusterCount` decisions and all pages `numberOfSelectedClusters`;
//!    no cluster is in two pages; and
//! 2. **settle**: neither the placement nor any of its pages changed for the settle window
//!    (default [`DEFAULT_SETTLE`], one second). The Go controller writes the pages of one
//!    reconcile back to back, so a rewrite in progress keeps resetting the window.
//!
//! While the rule does not hold, the last consistent set stays the answer, and the reader waits
//! for the next event (or the end of the window).
//!
//! Why both halves: the structural checks alone catch most partial rewrites — a page created
//! but not yet filled (count), a page not yet deleted (unlisted), a new status before its pages
//! (missing page or count), a page moved to another group whose labels lag (label mismatch),
//! and the *swap* (cluster A moves page 1 → 2 while B moves 2 → 1: after page 1 is written
//! the counts still match, but B is in both pages — a duplicate). They cannot catch a partial
//! rewrite that keeps every page name and count and duplicates nothing: ocm#1346's own case
//! (`c0` joins, `c100` is pushed from page 1 to page 2; after page 1 is written the pages hold
//! `c0…c99` and `c101…`, exactly as many as the old status says) — nothing in the objects tells
//! it from a finished rewrite, because the controller stamps no generation on pages and does
//! not rewrite an unchanged status. The settle window covers that case.
//!
//! **Limits.** The rule is a strong heuristic, not a proof: a controller that stalls for longer
//! than the settle window *between two page writes of one reconcile*, in a rewrite that passes
//! the structural checks, is reported mid-way. Under continuous churn (writes more often than
//! the window) nothing new is reported until a quiet point, so [`get_consistent`] can time out.
//! Comparing resourceVersions (was the status written after every page?) was rejected: they
//! are opaque by API contract, the status is not rewritten when unchanged, and a user's write
//! to the placement during a reconcile would look like a fresh status.
//!
//! # Example
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use ocm_client::decisions::{GetParams, PlacementDecisions};
//! # async fn doc(client: kube::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let decisions = PlacementDecisions::new(client, "apps", "canary-first");
//! let set = decisions.get_consistent(&GetParams::default()).await?;
//! for group in set.groups() {
//!     println!("group {} {:?}: {:?}", group.index, group.name, group.clusters);
//! }
//! let mut updates = std::pin::pin!(decisions.watch());
//! while let Some(update) = updates.try_next().await? {
//!     println!("added {:?}, removed {:?}", update.change.added, update.change.removed);
//! }
//! # Ok(()) }
//! ```
//!
//! [ocm#1346]: https://github.com/open-cluster-management-io/ocm/issues/1346
//! [`get_consistent`]: PlacementDecisions::get_consistent

mod rule;
mod set;
mod tracker;
mod watch;

use std::time::Duration;

use futures::Stream;

pub use rule::{Inconsistency, check_consistent};
pub use set::{DecisionChange, DecisionGroupSet, DecisionSet, GroupKey, Move};
pub use watch::DecisionUpdate;

use crate::{Error, Result};

/// The default settle window: how long the placement and its pages must stay unchanged before
/// a structurally consistent snapshot is reported.
pub const DEFAULT_SETTLE: Duration = Duration::from_secs(1);

/// Parameters of [`PlacementDecisions::get_consistent`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetParams {
    /// How long to wait for a consistent set (default 60 s).
    pub timeout: Duration,
}

impl Default for GetParams {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(60),
        }
    }
}

impl GetParams {
    /// Sets how long to wait for a consistent set.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// The decisions of one placement: consistent reads and a stream of changes.
///
/// A cheap handle (a client and two names); each read starts its own watches.
#[derive(Clone)]
pub struct PlacementDecisions {
    client: kube::Client,
    namespace: String,
    name: String,
    settle: Duration,
}

impl std::fmt::Debug for PlacementDecisions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlacementDecisions")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("settle", &self.settle)
            .finish_non_exhaustive()
    }
}

impl PlacementDecisions {
    /// The decisions of placement `namespace/name`, with the [`DEFAULT_SETTLE`] window.
    pub fn new(
        client: kube::Client,
        namespace: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            client,
            namespace: namespace.into(),
            name: name.into(),
            settle: DEFAULT_SETTLE,
        }
    }

    /// Sets the settle window (see the [module documentation](self)). Shorter answers sooner
    /// and trusts the scheduler not to pause longer than this inside one rewrite.
    #[must_use]
    pub fn settle(mut self, settle: Duration) -> Self {
        self.settle = settle;
        self
    }

    /// Waits for a consistent set of the placement's decisions.
    ///
    /// Fails with [`Error::NotFound`] when the placement does not exist, and with
    /// [`Error::Timeout`] (with the last snapshot seen and why it was not consistent) when no
    /// consistent set was seen within `params.timeout`. Watch errors are retried with backoff
    /// until the timeout.
    #[tracing::instrument(skip_all, fields(placement = %format!("{}/{}", self.namespace, self.name)))]
    pub async fn get_consistent(&self, params: &GetParams) -> Result<DecisionSet> {
        let action = || {
            format!(
                "reading a consistent decision set of placement {}/{}",
                self.namespace, self.name
            )
        };
        let mut driver = watch::Driver::new(
            self.client.clone(),
            &self.namespace,
            &self.name,
            self.settle,
        );
        let mut last_error = None;
        let wait = async {
            loop {
                match driver.next_consistent(None).await {
                    Some(Ok(set)) if driver.placement_absent() => {
                        debug_assert!(set.is_empty());
                        return Err(Error::NotFound {
                            action: action(),
                            kind: "Placement",
                            name: format!("{}/{}", self.namespace, self.name),
                        });
                    }
                    Some(Ok(set)) => return Ok(set),
                    Some(Err(e)) => {
                        tracing::debug!(error = %e, "watch error, retrying");
                        last_error = Some(e.to_string());
                    }
                    None => {
                        return Err(Error::Invalid {
                            action: action(),
                            reason: "the watches ended".into(),
                        });
                    }
                }
            }
        };
        match tokio::time::timeout(params.timeout, wait).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                action: action(),
                timeout: params.timeout,
                last_seen: Some(match last_error {
                    Some(e) => format!("{}; last watch error: {e}", driver.describe()),
                    None => driver.describe(),
                }),
            }),
        }
    }

    /// A stream of consistent sets, each with the change from the previous one (the first from
    /// the empty set). A set is yielded only when it differs from the previous one; a placement
    /// that is deleted (and its pages garbage-collected) yields the empty set.
    ///
    /// Watch errors are yielded as `Err` items; the watches retry with backoff and the stream
    /// continues. The stream does not end on its own.
    pub fn watch(&self) -> impl Stream<Item = Result<DecisionUpdate>> + Send + 'static {
        watch::Driver::new(
            self.client.clone(),
            &self.namespace,
            &self.name,
            self.settle,
        )
        .into_stream()
    }
}

#[cfg(test)]
mod rule_tests;

#[cfg(test)]
mod rule_props;
