//! A placement controller on kube-runtime (feature `controller`): the Go hub's
//! `SchedulingController`, with this crate's [`Scheduler`].
//!
//! [`run`] watches a hub and reconciles every `Placement` into its `PlacementDecision`s and its
//! status, as upstream's placement controller (read from ocm v1.2.1) does:
//!
//! - The decisions are written as the scheduler's pages (at most 100 decisions each, named
//!   `<placement>-decision-<n>` and labelled with the placement, the decision group name and
//!   index), each with a controller owner reference to its placement, under the field manager
//!   [`Config::field_manager`], the pages concurrently. As upstream, a new page is created, then
//!   its decisions written on its `status` subresource (replaced at the version the create
//!   returned); a page whose decisions changed gets a JSON merge patch of its status (upstream's
//!   patcher sends merge patches too); a page whose labels or owner differ gets them by
//!   server-side apply. Pages labelled with the placement that the scheduler no longer produces
//!   are deleted.
//! - The status gets `numberOfSelectedClusters`, `decisionGroups` and the
//!   `PlacementMisconfigured` and `PlacementSatisfied` conditions (`lastTransitionTime` moves only
//!   when a condition's status changes), by a JSON merge patch of the `status` subresource at
//!   the `resourceVersion` it was computed from, as upstream's patcher sends it: other conditions
//!   are kept as read and `lastScoreUpdateTime` is not sent. When another writer changed the
//!   placement in between, the patch conflicts and the watch event of that change reconciles it
//!   again.
//! - Nothing is written when nothing changed, so reconciling is cheap and idempotent.
//! - Placements being deleted, and placements annotated
//!   [`EXPERIMENTAL_SCHEDULING_DISABLE`](ocm_api::annotations::EXPERIMENTAL_SCHEDULING_DISABLE)`:
//!   "true"`, are left alone.
//!
//! Re-scheduling happens on the same triggers as upstream: a change of the placement or of one of
//! its `PlacementDecision`s; of a `ManagedCluster` (the placements bound to the sets it is in, or
//! was in before a label change); of a `ManagedClusterSet` or `ManagedClusterSetBinding` (the
//! placements in the binding namespaces that may use the set); of an `AddOnPlacementScore` (the
//! placements whose prioritizers read that score, in namespaces bound to the cluster's sets); and
//! at the scheduler's [`requeue_at`](crate::ScheduleOutcome::requeue_at) (a toleration
//! expiring). When a placement is misconfigured, a plugin fails or warns (an expired
//! `AddOnPlacementScore`), the status is written and the placement is retried with an
//! exponential backoff from 5 ms to 1000 s, as upstream's work queue does. After a watch is
//! re-listed (a `410 Gone`, an apiserver restart) every placement is reconciled again.
//!
//! ```no_run
//! use ocm_placement::controller::{self, Config};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = kube::Client::try_default().await?;
//! // Runs until the future is dropped.
//! controller::run(client, Config::default().field_manager("my-scheduler")).await;
//! # Ok(())
//! # }
//! ```
//!
//! # Events
//!
//! Unless [`Config::record_events`] is off, the controller records the `events.k8s.io/v1`
//! events upstream's scheduling controller records (read from ocm v1.3.1), each about
//! (`regarding`) the placement and related to one of its `PlacementDecision`s, in the
//! placement's namespace, with `reportingController` [`Config::reporting_controller`]:
//!
//! | reason | action | type | when | note |
//! |---|---|---|---|---|
//! | `DecisionCreate` | `DecisionCreated` | Normal | a page was created | `Decision <page> is created with placement <placement> in namespace <ns>` |
//! | `DecisionUpdate` | `DecisionUpdated` | Normal | a page's decisions changed (a new page with clusters included) | `Decision <page> is updated with placement <placement> in namespace <ns>` |
//! | `DecisionUpdate` | `DecisionUpdated` | Warning | the same, when a plugin warned (an expired `AddOnPlacementScore`) | the same, then `: <message> in plugin <plugin>` |
//! | `ScoreUpdate` | `ScoreUpdated` | Normal | after each `DecisionUpdate`, when clusters were chosen | `<cluster>:<score> ` for each cluster, sorted by name, cut with `......` before 1000 bytes |
//! | `DecisionDelete` | `DecisionDeleted` | Normal | a stale page was deleted | `Decision <page> is deleted with placement <placement> in namespace <ns>` |
//!
//! As upstream v1.3, nothing is recorded when a page is unchanged or only its labels change
//! (v1.2 recorded `DecisionUpdate` and `ScoreUpdate` exactly when a page's decisions did *not*
//! change, and listed the scores in Go's random map order). Events are aggregated into series by kube-runtime's [`Recorder`] (which, like
//! client-go's, keeps the first note of a series). Recording never fails a reconcile: a failure
//! is logged as a warning. Events are published in the background, in order, so reconciles do
//! not wait for them (as upstream's recorder); at most 1,000 wait, more are dropped with a
//! warning (client-go's broadcaster drops too).
//!
//! [`Recorder`]: kube::runtime::events::Recorder
//!
//! # Differences from upstream
//!
//! - `ScoreUpdate` lists the chosen clusters (those in the decisions), not every feasible
//!   cluster: the scheduler's outcome carries the scores of the chosen ones only
//!   ([`ScheduleOutcome::scores`](crate::ScheduleOutcome::scores)).
//! - `DecisionDelete` is recorded only when the delete succeeded (upstream also records it
//!   after a failed delete), and every note is cut to the apiserver's 1024 bytes (upstream bounds
//!   only `ScoreUpdate`, so a very long plugin warning would be rejected there).
//! - `DecisionCreate` is decided by the watch cache and the controller's own recent writes, as
//!   upstream decides by its lister; where the create then finds the page already there (a
//!   stale cache), upstream fails the reconcile and retries, this controller applies the page's
//!   metadata and records no event.
//! - Extension, off by default: [`Config::write_decision_scores`] writes each chosen cluster's
//!   total score into `status.decisions[].score` (`ClusterDecision.score`, API-only upstream:
//!   its controller never writes it). Off, the `PlacementDecision`s are the ones upstream
//!   writes, field for field.
//!
//! ```no_run
//! use ocm_placement::controller::{self, Config};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = kube::Client::try_default().await?;
//! let config = Config::default()
//!     .field_manager("my-scheduler")
//!     .reporting_controller("my-scheduler")
//!     // An extension: `status.decisions[].score` carries each cluster's total score.
//!     .write_decision_scores(true);
//! controller::run(client, config).await;
//! # Ok(())
//! # }
//! ```
//!
//! # Permissions
//!
//! List and watch `managedclusters`, `managedclustersets`, `managedclustersetbindings`,
//! `placements`, `placementdecisions` and `addonplacementscores`; patch `placements/status`;
//! create, patch and delete `placementdecisions`, update and patch `placementdecisions/status`;
//! create and patch `events` in the `events.k8s.io` group (unless [`Config::record_events`] is
//! off; without them each event is a logged warning).
//!
//! Nothing is reconciled until each of these six kinds has been listed once (like upstream's
//! informer sync), so their CRDs must be installed; a failing watch is logged and retried.
//!
//! # Scale
//!
//! Reconciles share one scheduler snapshot of the clusters (with their scores), cluster sets and
//! bindings, rebuilt only after one of them changed (each cluster converted once per
//! `resourceVersion`), and decision counts kept page by page from the `PlacementDecision`
//! watch, as upstream's plugins read its informer listers. So a plugin's
//! [`ScheduleContext::snapshot`](crate::ScheduleContext::snapshot) has no
//! `placement_decisions` here: the context's decision methods read the counts. The watch caches
//! drop `metadata.managedFields`, except the clusters', which CEL reads with the whole cluster:
//! they keep each `fieldsV1` as compact JSON text (a tenth of its size as a JSON tree), and the
//! whole-object form CEL reads ([`ManagedCluster::object`](crate::ManagedCluster::object)) is
//! built, once per cluster version, only when a placement whose CEL expressions the engine
//! evaluates is scheduled (those of the native subset read the model's fields).
//!
//! A reconcile reads back the controller's own writes that the watch has not delivered yet
//! (each page and status it wrote, until the watch brings that `resourceVersion`, for at most
//! 30 s). Upstream reads only its informers: a placement reconciled again right after a write
//! (its own decision events enqueue it) sees the old objects and writes the same decisions and
//! status again, a tenth of the writes while 2,000 clusters converge, on an apiserver that is
//! the bottleneck.
//!
//! # Do not run it next to the Go placement controller
//!
//! Two schedulers writing the same `PlacementDecision`s fight. Stop the hub's placement
//! controller (or use a hub without it) before running this one.

mod converted;
mod events;
mod reconcile;
mod shared;
mod tally;
mod triggers;
mod written;

use crate::Scheduler;
use crate::adapter::AdapterError;
use crate::scheduler::ScheduleError;
use futures::{Stream, StreamExt};
use kube::runtime::reflector::{self, ObjectRef, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client};
use ocm_api::cluster::{v1, v1alpha1, v1beta1, v1beta2};
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;

/// The default field manager of [`Config`].
pub const DEFAULT_FIELD_MANAGER: &str = "ocm-placement";

/// Settings of [`run`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Config {
    scheduler: Scheduler,
    field_manager: String,
    concurrency: u16,
    debounce: Duration,
    record_events: bool,
    reporting_controller: Option<String>,
    write_decision_scores: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            scheduler: Scheduler::default(),
            field_manager: DEFAULT_FIELD_MANAGER.to_owned(),
            concurrency: 4,
            debounce: Duration::ZERO,
            record_events: true,
            reporting_controller: None,
            write_decision_scores: false,
        }
    }
}

impl Config {
    /// The scheduler to run (default: [`Scheduler::default`], upstream's plugins).
    pub fn scheduler(mut self, scheduler: Scheduler) -> Self {
        self.scheduler = scheduler;
        self
    }

    /// The field manager of every write (default [`DEFAULT_FIELD_MANAGER`]).
    pub fn field_manager(mut self, field_manager: impl Into<String>) -> Self {
        self.field_manager = field_manager.into();
        self
    }

    /// How many placements are reconciled at once (default 4; 0 is unbounded). One placement
    /// is never reconciled twice at the same time.
    pub fn concurrency(mut self, concurrency: u16) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Waits this long after a trigger for more triggers of the same placement before
    /// reconciling it (default 0: no debounce, like upstream).
    pub fn debounce(mut self, debounce: Duration) -> Self {
        self.debounce = debounce;
        self
    }

    /// Whether to record upstream's Kubernetes events (`DecisionCreate`, `DecisionUpdate`,
    /// `ScoreUpdate`, `DecisionDelete`) about each placement (default `true`). See the
    /// [module docs](self#events).
    pub fn record_events(mut self, record_events: bool) -> Self {
        self.record_events = record_events;
        self
    }

    /// The `reportingController` of the recorded events (default: the
    /// [field manager](Self::field_manager); upstream's is `placement-controller`). The
    /// `reportingInstance` is the host name. It must be a qualified name (`name` or
    /// `prefix/name`), or the apiserver rejects the events.
    pub fn reporting_controller(mut self, reporting_controller: impl Into<String>) -> Self {
        self.reporting_controller = Some(reporting_controller.into());
        self
    }

    /// Whether to write each chosen cluster's total score into
    /// `PlacementDecision.status.decisions[].score` (default `false`).
    ///
    /// An extension: the field is in the API (`cluster/v1beta1` since api v1.3.0) but
    /// upstream's controller never writes it, so by default the decisions are the ones upstream
    /// writes. When on, a change of score alone rewrites a decision (and records
    /// `DecisionUpdate` and `ScoreUpdate`), which upstream does only when the chosen clusters
    /// change. Turning it off again removes the scores.
    pub fn write_decision_scores(mut self, write_decision_scores: bool) -> Self {
        self.write_decision_scores = write_decision_scores;
        self
    }
}

/// Why reconciling a placement failed. The placement is retried with a backoff.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An object could not be turned into a scheduler input.
    #[error("invalid object: {0}")]
    Adapter(#[from] AdapterError),
    /// The scheduler could not run (upstream returns this error too, without writing status).
    #[error("scheduling failed: {0}")]
    Schedule(#[from] ScheduleError),
    /// A request to the apiserver failed.
    #[error("failed to {action} {kind} {namespace}/{name}")]
    Api {
        /// `create`, `apply`, `update status of`, `patch status of` or `delete`.
        action: &'static str,
        /// The kind written.
        kind: &'static str,
        /// Its namespace.
        namespace: String,
        /// Its name.
        name: String,
        /// The client error.
        #[source]
        source: Box<kube::Error>,
    },
    /// An object could not be encoded as JSON.
    #[error("failed to encode {kind} {name}")]
    Encode {
        /// The kind.
        kind: &'static str,
        /// Its name.
        name: String,
        /// The encoder error.
        #[source]
        source: serde_json::Error,
    },
    /// The scheduling task panicked or was cancelled (a bug in a plugin).
    #[error("the scheduling task did not finish: {0}")]
    Task(String),
    /// The controller is shutting down (a watch store was dropped).
    #[error("the controller is shutting down")]
    ShuttingDown,
}

/// The caches of everything the scheduler reads, kept by watches.
#[derive(Clone)]
pub(crate) struct Stores {
    pub(crate) placements: Store<v1beta1::Placement>,
    pub(crate) decisions: Store<v1beta1::PlacementDecision>,
    pub(crate) clusters: Store<v1::ManagedCluster>,
    pub(crate) cluster_sets: Store<v1beta2::ManagedClusterSet>,
    pub(crate) bindings: Store<v1beta2::ManagedClusterSetBinding>,
    pub(crate) scores: Store<v1alpha1::AddOnPlacementScore>,
}

impl Stores {
    async fn wait_until_ready(&self) -> Result<(), Error> {
        let r = futures::try_join!(
            self.placements.wait_until_ready(),
            self.decisions.wait_until_ready(),
            self.clusters.wait_until_ready(),
            self.cluster_sets.wait_until_ready(),
            self.bindings.wait_until_ready(),
            self.scores.wait_until_ready(),
        );
        r.map(|_| ()).map_err(|_| Error::ShuttingDown)
    }
}

/// Drops `metadata.managedFields` (often the larger part of an object written by server-side
/// apply), which the controller does not read, before an object is stored.
fn trim<K: kube::Resource>(o: &mut K) {
    o.meta_mut().managed_fields = None;
}

/// Watches `api` into a store, yielding the watch events; errors are logged and the watch
/// retried with kube-runtime's default backoff. `modify` is applied to each object before the
/// store.
fn watch<K>(
    api: Api<K>,
    writer: reflector::store::Writer<K>,
    modify: fn(&mut K),
) -> impl Stream<Item = watcher::Event<K>> + Send + 'static
where
    K: kube::Resource<DynamicType = ()>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Send
        + Sync
        + 'static,
{
    let kind = K::kind(&()).into_owned();
    let events = watcher(api, watcher::Config::default()).modify(modify);
    reflector::reflector(writer, events)
        .default_backoff()
        .filter_map(move |r| {
            let out = match r {
                Ok(ev) => Some(ev),
                Err(e) => {
                    tracing::warn!(kind = %kind, error = %e, "watch failed; retrying");
                    None
                }
            };
            std::future::ready(out)
        })
}

/// Runs the controller against the hub behind `client` until the returned future is dropped.
///
/// The future never completes on its own: watch failures are logged and retried with a
/// backoff, reconcile failures are logged and the placement retried with a backoff.
///
/// # Cancellation
///
/// Dropping the future stops every watch and every reconcile in flight. It is safe at any
/// point: each write is a whole create, update, patch or delete, and the next run of a controller
/// (this one or upstream's) converges from whatever state was reached. A scheduling
/// computation already handed to Tokio's blocking pool finishes there, without effect.
pub fn run(client: Client, config: Config) -> impl Future<Output = ()> + Send + 'static {
    let (placements, placements_w) = reflector::store::<v1beta1::Placement>();
    let (decisions, decisions_w) = reflector::store::<v1beta1::PlacementDecision>();
    let (clusters, clusters_w) = reflector::store::<v1::ManagedCluster>();
    let (cluster_sets, cluster_sets_w) = reflector::store::<v1beta2::ManagedClusterSet>();
    let (bindings, bindings_w) = reflector::store::<v1beta2::ManagedClusterSetBinding>();
    let (scores, scores_w) = reflector::store::<v1alpha1::AddOnPlacementScore>();
    let stores = Stores {
        placements: placements.clone(),
        decisions,
        clusters,
        cluster_sets,
        bindings,
        scores,
    };
    let runtime_config = kube::runtime::Config::default()
        .concurrency(config.concurrency)
        .debounce(config.debounce);
    let backoffs = Arc::new(reconcile::Backoffs::default());
    let triggers = Arc::new(triggers::Triggers::new(stores.clone(), backoffs.clone()));
    let shared = Arc::new(shared::Shared::default());
    let (ctx, publish_events) =
        reconcile::Context::new(client.clone(), config, stores, backoffs, shared.clone());
    let ctx = Arc::new(ctx);

    let queue = {
        let (t0, t1, t2, t3, t4, t5) = (
            triggers.clone(),
            triggers.clone(),
            triggers.clone(),
            triggers.clone(),
            triggers.clone(),
            triggers,
        );
        let (s0, s1, s2, s3, s4, s5) = (
            shared.clone(),
            shared.clone(),
            shared.clone(),
            shared.clone(),
            shared.clone(),
            shared,
        );
        futures::stream::select_all([
            watch(Api::all(client.clone()), placements_w, trim)
                .map(move |ev| {
                    s0.placement_event(&ev);
                    t0.placement(&ev)
                })
                .boxed(),
            watch(Api::all(client.clone()), decisions_w, trim)
                .map(move |ev| {
                    s1.decision_event(&ev);
                    t1.decision(&ev)
                })
                .boxed(),
            // CEL reads the whole cluster object: it is kept, its managed fields as text.
            watch(
                Api::all(client.clone()),
                clusters_w,
                converted::compact_managed_fields,
            )
            .map(move |ev| {
                s2.hub_changed();
                t2.cluster(&ev)
            })
            .boxed(),
            watch(Api::all(client.clone()), cluster_sets_w, trim)
                .map(move |ev| {
                    s3.hub_changed();
                    t3.cluster_set(&ev)
                })
                .boxed(),
            watch(Api::all(client.clone()), bindings_w, trim)
                .map(move |ev| {
                    s4.hub_changed();
                    t4.binding(&ev)
                })
                .boxed(),
            watch(Api::all(client.clone()), scores_w, trim)
                .map(move |ev| {
                    s5.hub_changed();
                    t5.score(&ev)
                })
                .boxed(),
        ])
        .flat_map(futures::stream::iter)
        .map(Ok::<_, std::convert::Infallible>)
    };

    let applier = kube::runtime::applier(
        |p, ctx| Box::pin(reconcile::reconcile(p, ctx)),
        reconcile::error_policy,
        ctx,
        placements,
        queue,
        runtime_config,
    );
    let reconciles = async move {
        applier
            .for_each(|r| {
                match r {
                    Ok((obj, action)) => tracing::debug!(placement = %obj, ?action, "reconciled"),
                    Err(kube::runtime::controller::Error::ObjectNotFound(obj)) => {
                        tracing::debug!(placement = %obj, "placement is gone")
                    }
                    Err(kube::runtime::controller::Error::ReconcilerFailed(e, obj)) => {
                        tracing::warn!(placement = %obj, error = %DisplayChain(&e), "reconcile failed")
                    }
                    Err(e) => tracing::warn!(error = %DisplayChain(&e), "controller error"),
                }
                std::future::ready(())
            })
            .await
    };
    async move {
        futures::future::join(reconciles, publish_events)
            .instrument(tracing::info_span!("placement_controller"))
            .await;
    }
}

/// Displays an error with its sources, `a: b: c`.
struct DisplayChain<'a>(&'a (dyn std::error::Error + 'static));

impl std::fmt::Display for DisplayChain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(s) = source {
            write!(f, ": {s}")?;
            source = s.source();
        }
        Ok(())
    }
}

/// A reference to a placement.
pub(crate) fn placement_ref(namespace: &str, name: &str) -> ObjectRef<v1beta1::Placement> {
    ObjectRef::new(name).within(namespace)
}
