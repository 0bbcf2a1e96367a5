//! Simulated managed clusters (feature `simulated`, on by default): a Rust registration agent
//! ([`ocm_client::agent::Agent`]) per cluster, all in this process, joining the real Go hub.
//!
//! ```no_run
//! use std::time::Duration;
//! use ocm_testenv::{SimulatedCluster, TestEnv};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let env = TestEnv::builder()
//!     .managed_clusters(1) // a real one: its own kube-apiserver and Go klusterlet
//!     .simulated_clusters(500)
//!     .simulated_cluster_template(|i| {
//!         SimulatedCluster::new(format!("sim-{i}"))
//!             .label("region", ["east", "west"][i % 2])
//!             .capacity("cpu", "16")
//!     })
//!     .start() // returns once all 501 are Available
//!     .await?;
//! // The fleet loses a cluster: its agent stops, its lease expires, the hub marks it Unknown.
//! env.simulated_cluster("sim-7").expect("started").stop();
//! # Ok(()) }
//! ```
//!
//! Each simulated cluster goes through the real flow — the agent creates its ManagedCluster
//! and a CSR with the bootstrap identity, the hub accepts it (the Go registration
//! controller's `ManagedClusterAutoApproval` for [`BOOTSTRAP_USER`](crate::BOOTSTRAP_USER), or,
//! with [`auto_accept`](crate::TestEnvBuilder::auto_accept) off, the test through
//! [`TestEnv::accept_cluster`](crate::TestEnv::accept_cluster) or ocm-client's registration
//! accept), kube-controller-manager signs the certificate, and the agent then renews the
//! cluster's lease and reports its status, claims and capacity — but there is no apiserver
//! and no Go agent per cluster. What a simulated cluster does not have: anything that needs
//! the cluster's own apiserver (no ManifestWork is applied, no add-on agent runs, the
//! `managedClusterClientConfigs` are empty).
//!
//! # Scale
//!
//! A thousand agents fit in one process (`cargo bench -p ocm-benches --bench simulated`
//! measures it: about 190 KiB per simulated cluster, against some 88 MiB for one Go
//! klusterlet). The agents run on a tokio runtime of the environment's own (two worker
//! threads), so they keep running whatever runtime the test uses, and stop when the
//! [`TestEnv`](crate::TestEnv) is dropped or stopped. Starts are staggered: at most
//! [`JOIN_CONCURRENCY`] agents are bootstrapping (ManagedCluster, CSR, waiting for the
//! certificate) at once. Hub-side, the registration controller runs with
//! `--kube-api-qps=500` and the hub's kube-controller-manager (the CSR signer) with
//! `--kube-api-qps=200` instead of their defaults (50 and 20), which would take minutes to
//! set up a thousand clusters. While they join, [`TestEnvBuilder::start`](crate::TestEnvBuilder::start)
//! reports [`ProgressEvent::SimulatedClusters`] (`simulated clusters: k/N available`).
//!
//! # The simulated work agent
//!
//! With [`TestEnvBuilder::simulated_work_agent`](crate::TestEnvBuilder::simulated_work_agent),
//! one more task watches the ManifestWorks of the simulated clusters (with the hub's admin
//! credentials: one watch for all clusters, not one per cluster as Go's agents) and writes
//! the status the Go work agent of OCM v1.2.1 would write, as if every manifest applied:
//!
//! * the finalizer `cluster.open-cluster-management.io/manifest-work-cleanup` is added; a
//!   deleted work has it removed at once (nothing was applied anywhere);
//! * every manifest gets `resourceMeta` (ordinal, group, version, kind, resource, name,
//!   namespace) and the conditions `Applied` (`AppliedManifestComplete`, with the work's
//!   generation), `Available` (`ResourceAvailable`) and `StatusFeedbackSynced`
//!   (`NoStatusFeedbackSynced`, `StatusFeedbackSynced`, or `StatusFeedbackSyncFailed` with
//!   the error);
//! * the work gets `Applied` (`AppliedManifestWorkComplete`) and `Available`
//!   (`ResourcesAvailable`), with `observedGeneration`;
//! * feedback rules (`WellKnownStatus` with Go's paths for Deployments, DaemonSets, Jobs and
//!   Pods; `JSONPaths`) are evaluated against the manifest with its `status` replaced by the
//!   fake state the test sets with [`SimulatedClusterHandle::set_status`].
//!
//! Differences from Go: the plural resource name is guessed from the kind (Go asks
//! discovery), the namespace of a few well-known cluster-scoped kinds is dropped (Go asks the
//! REST mapper), a JSON path supports `.field`, `[n]` and `[?(@.field=="value")]` (client-go's
//! jsonpath supports more), values that are objects or lists are an error (as Go without its
//! `RawFeedbackJsonString` feature gate), condition rules are not evaluated.
//!
//! # Why ocm-testenv depends on ocm-client
//!
//! The simulated clusters are ocm-client's agent, so this crate depends on `ocm-client`
//! (feature `agent`) and `ocm-api` behind its `simulated` feature, while ocm-client
//! dev-depends on ocm-testenv for its integration tests. Cargo allows such a cycle through
//! dev-dependencies: the integration tests of ocm-client link one ocm-client library, the
//! same one ocm-testenv links (with the `agent` feature enabled, as features unify). A crate
//! that wants ocm-testenv without ocm-client turns the feature off
//! (`default-features = false`); the CLI (feature `cli`) needs it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::watcher;
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::conditions;
use ocm_client::agent::Agent;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};
use crate::progress::{Observers, ProgressEvent};

mod work;

/// How many simulated agents bootstrap at once (the others wait for a slot).
pub const JOIN_CONCURRENCY: usize = 128;

/// A closure making the spec of the `i`-th simulated cluster (from 1); see
/// [`TestEnvBuilder::simulated_cluster_template`](crate::TestEnvBuilder::simulated_cluster_template).
pub type Template = Arc<dyn Fn(usize) -> SimulatedCluster + Send + Sync>;

/// What a simulated managed cluster reports: its name, the labels the hub admin puts on its
/// ManagedCluster, its ClusterClaims, capacity and Kubernetes version.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SimulatedCluster {
    /// The ManagedCluster's name (a DNS label).
    pub name: String,
    /// Labels set on the ManagedCluster on the hub once it exists (as an admin or
    /// `clusteradm` would; the agent does not set labels).
    pub labels: BTreeMap<String, String>,
    /// ClusterClaims the agent reports (`status.clusterClaims`).
    pub claims: Vec<(String, String)>,
    /// `status.capacity` and `status.allocatable` (resource, quantity).
    pub capacity: BTreeMap<String, String>,
    /// `status.version.kubernetes`.
    pub kubernetes_version: Option<String>,
    /// `spec.leaseDurationSeconds` of the ManagedCluster the agent creates (hub default 60 s).
    pub lease_duration: Option<Duration>,
    /// `spec.expirationSeconds` of the agent's CSRs (kube-controller-manager's signer takes no
    /// less than 600); when set, the agent checks its certificate every 10 s instead of 60 s,
    /// so that a test sees the rotation soon after the threshold.
    pub expiration_seconds: Option<i32>,
}

impl SimulatedCluster {
    /// A cluster named `name` with the defaults: capacity `cpu: 4`, `memory: 16Gi`,
    /// Kubernetes version `v1.35.0`, no labels or claims.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            labels: BTreeMap::new(),
            claims: Vec::new(),
            capacity: [("cpu", "4"), ("memory", "16Gi")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            kubernetes_version: Some("v1.35.0".to_string()),
            lease_duration: None,
            expiration_seconds: None,
        }
    }

    /// Adds a label.
    pub fn label(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.labels.insert(key.into(), value.into());
        self
    }

    /// Adds a ClusterClaim.
    pub fn claim(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.claims.push((name.into(), value.into()));
        self
    }

    /// Sets a capacity (and the same allocatable quantity).
    pub fn capacity(mut self, resource: impl Into<String>, quantity: impl Into<String>) -> Self {
        self.capacity.insert(resource.into(), quantity.into());
        self
    }

    /// Sets the Kubernetes version.
    pub fn kubernetes_version(mut self, version: impl Into<String>) -> Self {
        self.kubernetes_version = Some(version.into());
        self
    }

    /// Sets the client certificates' requested lifetime (see [`Self::expiration_seconds`]).
    pub fn expiration_seconds(mut self, seconds: i32) -> Self {
        self.expiration_seconds = Some(seconds);
        self
    }

    /// Sets the lease duration.
    pub fn lease_duration(mut self, every: Duration) -> Self {
        self.lease_duration = Some(every);
        self
    }

    fn agent(&self, bootstrap: &Path, hub_dir: PathBuf) -> Result<Agent> {
        let mut b = Agent::builder(&self.name, bootstrap);
        b.hub_kubeconfig_dir(hub_dir).claims(self.claims.clone());
        for (r, q) in &self.capacity {
            b.capacity(r, q);
        }
        if let Some(v) = &self.kubernetes_version {
            b.kubernetes_version(v);
        }
        if let Some(d) = self.lease_duration {
            b.lease_duration(d);
        }
        if let Some(s) = self.expiration_seconds {
            b.expiration_seconds(s)
                .rotation_check_interval(Duration::from_secs(10));
        }
        b.build()
            .map_err(|e| Error::InvalidOptions(format!("simulated cluster {:?}: {e}", self.name)))
    }
}

/// The default name of the `i`-th simulated cluster (from 1): `sim-<i>`.
pub fn default_name(i: usize) -> String {
    format!("sim-{i}")
}

/// A simulated managed cluster of a running environment: its agent, which can be stopped
/// (the cluster goes away: its lease expires and the hub marks it Unknown) and started again
/// (it reuses its certificate).
#[derive(Clone)]
pub struct SimulatedClusterHandle {
    spec: Arc<SimulatedCluster>,
    agent: Agent,
    runtime: tokio::runtime::Handle,
    running: Arc<Mutex<Option<Arc<CancellationToken>>>>,
    fleet_cancel: CancellationToken,
    work: Option<Arc<work::FakeState>>,
}

impl std::fmt::Debug for SimulatedClusterHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatedClusterHandle")
            .field("name", &self.spec.name)
            .field("running", &self.is_running())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl SimulatedClusterHandle {
    /// The ManagedCluster's name.
    pub fn name(&self) -> &str {
        &self.spec.name
    }

    /// What it was started with.
    pub fn spec(&self) -> &SimulatedCluster {
        &self.spec
    }

    /// Its registration agent (e.g. for [`Agent::rotate_now`] or [`Agent::hub_kubeconfig`]).
    pub fn agent(&self) -> &Agent {
        &self.agent
    }

    /// Sets the `status` of the resource `id` on this cluster, as the simulated work agent
    /// reports it in status feedback (`WellKnownStatus` and `JSONPaths` rules are evaluated
    /// against the manifest with this `status`); the works are re-synced at once. Without
    /// [`TestEnvBuilder::simulated_work_agent`](crate::TestEnvBuilder::simulated_work_agent)
    /// this does nothing.
    ///
    /// ```no_run
    /// # fn demo(env: &ocm_testenv::TestEnv) {
    /// use ocm_api::work::v1::ResourceIdentifier;
    /// let sim1 = env.simulated_cluster("sim-1").expect("started");
    /// sim1.set_status(
    ///     ResourceIdentifier {
    ///         group: "apps".into(),
    ///         resource: "deployments".into(),
    ///         name: "web".into(),
    ///         namespace: "app".into(),
    ///     },
    ///     serde_json::json!({"readyReplicas": 3, "replicas": 3, "availableReplicas": 3}),
    /// );
    /// # }
    /// ```
    pub fn set_status(&self, id: ocm_api::work::v1::ResourceIdentifier, status: serde_json::Value) {
        if let Some(state) = &self.work {
            state.set(&self.spec.name, id, status);
        }
    }

    /// Whether its agent runs.
    pub fn is_running(&self) -> bool {
        lock(&self.running).is_some()
    }

    /// Stops its agent: no more lease renewals or status updates, as if the cluster went
    /// away. Its ManagedCluster and certificate stay.
    pub fn stop(&self) {
        if let Some(cancel) = lock(&self.running).take() {
            cancel.cancel();
            tracing::info!(cluster = %self.spec.name, "simulated agent stopped");
        }
    }

    /// Starts its agent again (no-op when running); it reuses its certificate when still
    /// valid, else bootstraps again.
    pub fn start(&self) {
        let mut running = lock(&self.running);
        if running.is_some() {
            return;
        }
        let cancel = Arc::new(self.fleet_cancel.child_token());
        *running = Some(cancel.clone());
        let agent = self.agent.clone();
        let state = self.running.clone();
        self.runtime.spawn(async move {
            let result = agent.run((*cancel).clone()).await;
            if let Err(e) = result {
                tracing::error!(cluster = %agent.cluster_name(), error = %e, "simulated agent ended");
                let mut s = lock(&state);
                if s.as_ref().is_some_and(|c| Arc::ptr_eq(c, &cancel)) {
                    *s = None;
                }
            }
        });
    }
}

/// The simulated clusters of one environment, with the runtime their agents run on.
pub(crate) struct Fleet {
    runtime: Option<tokio::runtime::Runtime>,
    cancel: CancellationToken,
    work: Option<(Arc<work::FakeState>, work::Names)>,
    pub(crate) clusters: Vec<SimulatedClusterHandle>,
}

impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fleet")
            .field("clusters", &self.clusters.len())
            .finish_non_exhaustive()
    }
}

impl Fleet {
    /// A fleet without clusters, with its runtime; with `work_agent`, the simulated work agent
    /// runs on it.
    pub(crate) fn new(work_agent: bool, hub_kubeconfig: &Path) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ocm-testenv-simulated")
            .enable_all()
            .build()
            .map_err(|e| Error::io("starting a runtime for", "the simulated agents", e))?;
        let cancel = CancellationToken::new();
        let work = work_agent.then(|| {
            let state = Arc::new(work::FakeState::default());
            let names = Arc::new(Mutex::new(std::collections::HashSet::new()));
            let (s, n, c) = (state.clone(), names.clone(), cancel.clone());
            let kubeconfig = hub_kubeconfig.to_path_buf();
            runtime.spawn(async move {
                let hub = match crate::env::client_for(&kubeconfig).await {
                    Ok(hub) => hub,
                    Err(e) => {
                        tracing::error!(error = %e, "simulated work agent: no hub client");
                        return;
                    }
                };
                tokio::select! {
                    _ = c.cancelled() => {}
                    _ = work::run(hub, n, s) => {}
                }
            });
            (state, names)
        });
        Ok(Self {
            runtime: Some(runtime),
            cancel,
            work,
            clusters: Vec::new(),
        })
    }

    /// Builds the agents of `specs` and starts them, staggered; returns how many were added.
    pub(crate) fn add(
        &mut self,
        specs: Vec<SimulatedCluster>,
        bootstrap: &Path,
        dir: &Path,
        hub_kubeconfig: &Path,
    ) -> Result<usize> {
        let Some(runtime) = &self.runtime else {
            return Err(Error::InvalidOptions(
                "the simulated clusters were shut down".to_string(),
            ));
        };
        let mut added = Vec::with_capacity(specs.len());
        for spec in specs {
            if self.clusters.iter().any(|c| c.name() == spec.name) {
                return Err(Error::InvalidOptions(format!(
                    "simulated cluster name {:?} is given twice",
                    spec.name
                )));
            }
            let hub_dir = dir.join("simulated").join(&spec.name);
            let agent = spec.agent(bootstrap, hub_dir)?;
            added.push(SimulatedClusterHandle {
                spec: Arc::new(spec),
                agent,
                runtime: runtime.handle().clone(),
                running: Arc::new(Mutex::new(None)),
                fleet_cancel: self.cancel.clone(),
                work: self.work.as_ref().map(|(state, _)| state.clone()),
            });
        }
        if let Some((state, names)) = &self.work {
            lock(names).extend(added.iter().map(|c| c.name().to_string()));
            // Works created before the names were known get their status now.
            state.changed.notify_one();
        }
        self.clusters.extend(added.iter().cloned());
        let n = added.len();
        let hub_kubeconfig = hub_kubeconfig.to_path_buf();
        let cancel = self.cancel.clone();
        runtime.spawn(async move {
            tokio::select! {
                _ = cancel.cancelled() => {}
                _ = start_staggered(added, hub_kubeconfig) => {}
            }
        });
        Ok(n)
    }

    /// Stops every agent and the runtime (without blocking: callable from async code).
    pub(crate) fn shutdown(&mut self) {
        self.cancel.cancel();
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts the agents with at most [`JOIN_CONCURRENCY`] bootstrapping at once; a slot is freed
/// when the agent wrote its hub kubeconfig (or ended). Then labels the ManagedClusters.
async fn start_staggered(clusters: Vec<SimulatedClusterHandle>, hub_kubeconfig: PathBuf) {
    let slots = Arc::new(tokio::sync::Semaphore::new(JOIN_CONCURRENCY));
    let admin = match crate::env::client_for(&hub_kubeconfig).await {
        Ok(c) => Some(c),
        Err(e) => {
            tracing::error!(error = %e, "no hub client for labelling simulated clusters");
            None
        }
    };
    for c in clusters {
        let Ok(permit) = slots.clone().acquire_owned().await else {
            return;
        };
        c.start();
        let admin = admin.clone();
        tokio::spawn(async move {
            let kubeconfig = c.agent.hub_kubeconfig();
            while c.is_running() && !kubeconfig.exists() {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            drop(permit);
            if let Some(admin) = admin
                && !c.spec.labels.is_empty()
            {
                label(&admin, &c.spec).await;
            }
        });
    }
}

/// Puts the spec's labels on the ManagedCluster (retried until it exists).
async fn label(admin: &kube::Client, spec: &SimulatedCluster) {
    let api: Api<ManagedCluster> = Api::all(admin.clone());
    let patch = serde_json::json!({"metadata": {"labels": spec.labels}});
    let mut delay = Duration::from_millis(200);
    loop {
        match api
            .patch(&spec.name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
        {
            Ok(_) => return,
            Err(e) => {
                tracing::debug!(cluster = %spec.name, error = %e, "labelling the ManagedCluster: retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

/// Whether the hub has `cluster` Available with the spec's labels.
fn ready(spec: &SimulatedCluster, cluster: &ManagedCluster) -> bool {
    let conds = cluster
        .status
        .as_ref()
        .map(|s| s.conditions.as_slice())
        .unwrap_or_default();
    let labels = cluster.metadata.labels.clone().unwrap_or_default();
    conditions::is_true(conds, conditions::MANAGED_CLUSTER_AVAILABLE)
        && spec.labels.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Waits until every simulated cluster is Available (and labelled) on the hub, reporting
/// `simulated clusters: k/N available` as it goes; fails when `check` does (a process of the
/// environment exited) or at `deadline`.
pub(crate) async fn wait_available(
    hub: &kube::Client,
    clusters: &[SimulatedClusterHandle],
    observers: &Observers,
    started: Instant,
    deadline: Instant,
    check: impl Fn() -> Result<()>,
    logs: &Path,
) -> Result<()> {
    let total = clusters.len();
    let specs: BTreeMap<&str, &SimulatedCluster> =
        clusters.iter().map(|c| (c.name(), &*c.spec)).collect();
    let mut available = std::collections::BTreeSet::new();
    let api: Api<ManagedCluster> = Api::all(hub.clone());
    let mut stream = std::pin::pin!(watcher(api, watcher::Config::default()));
    let began = Instant::now();
    let mut reported = (usize::MAX, Instant::now());
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        let now = Instant::now();
        if available.len() != reported.0
            && (available.len() == total
                || now.duration_since(reported.1) >= Duration::from_secs(2))
        {
            reported = (available.len(), now);
            observers.emit(&ProgressEvent::SimulatedClusters {
                available: available.len(),
                total,
                elapsed: started.elapsed(),
            });
        }
        if available.len() == total {
            return Ok(());
        }
        if now >= deadline {
            return Err(Error::Timeout {
                what: format!(
                    "simulated clusters to become ManagedClusterConditionAvailable=True ({}/{total} are)",
                    available.len()
                ),
                after: began.elapsed(),
                logs: vec![
                    logs.join("registration-controller.log"),
                    logs.join("kube-controller-manager-hub.log"),
                    logs.join("kube-apiserver-hub.log"),
                ],
            });
        }
        tokio::select! {
            event = stream.next() => match event {
                Some(Ok(watcher::Event::Apply(c) | watcher::Event::InitApply(c))) => {
                    let name = c.metadata.name.clone().unwrap_or_default();
                    if let Some(spec) = specs.get(name.as_str()) {
                        if ready(spec, &c) {
                            available.insert(name);
                        } else {
                            available.remove(&name);
                        }
                    }
                }
                Some(Ok(watcher::Event::Delete(c))) => {
                    available.remove(c.metadata.name.as_deref().unwrap_or_default());
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "watching ManagedClusters: retrying");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                None => return Err(Error::InvalidOptions("the ManagedCluster watch ended".into())),
            },
            _ = tick.tick() => check()?,
        }
    }
}

/// The builder's simulated-cluster options.
#[derive(Clone, Default)]
pub(crate) struct Options {
    pub(crate) count: usize,
    pub(crate) template: Option<Template>,
    pub(crate) extra: Vec<SimulatedCluster>,
    pub(crate) work_agent: bool,
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("count", &self.count)
            .field("template", &self.template.is_some())
            .field("extra", &self.extra)
            .finish()
    }
}

impl Options {
    /// Every simulated cluster's spec: the counted ones, then the listed ones.
    pub(crate) fn specs(&self) -> Vec<SimulatedCluster> {
        (1..=self.count)
            .map(|i| match &self.template {
                Some(t) => t(i),
                None => SimulatedCluster::new(default_name(i)),
            })
            .chain(self.extra.iter().cloned())
            .collect()
    }
}

impl crate::TestEnvBuilder {
    /// Number of simulated managed clusters (default 0), named `sim-1`, `sim-2`, … unless a
    /// [template](Self::simulated_cluster_template) names them: each is a Rust registration
    /// agent in this process (see [`simulated`](crate::simulated)) that joins the real hub,
    /// with no apiserver and no Go agent. They can be mixed with
    /// [`managed_clusters`](Self::managed_clusters).
    pub fn simulated_clusters(&mut self, n: usize) -> &mut Self {
        self.simulated.count = n;
        self
    }

    /// Makes the spec of the `i`-th (from 1) of the [`simulated_clusters`](Self::simulated_clusters):
    /// its name, labels, claims, capacity, version.
    ///
    /// ```no_run
    /// use ocm_testenv::{SimulatedCluster, TestEnv};
    /// # async fn demo() -> Result<(), ocm_testenv::Error> {
    /// let env = TestEnv::builder()
    ///     .simulated_clusters(100)
    ///     .simulated_cluster_template(|i| {
    ///         SimulatedCluster::new(format!("edge-{i}"))
    ///             .label("region", if i % 2 == 0 { "east" } else { "west" })
    ///             .claim("platform.open-cluster-management.io", "Simulated")
    ///             .capacity("cpu", (4 * i).to_string())
    ///     })
    ///     .start()
    ///     .await?;
    /// assert_eq!(env.simulated_clusters().len(), 100);
    /// # Ok(()) }
    /// ```
    pub fn simulated_cluster_template(
        &mut self,
        template: impl Fn(usize) -> SimulatedCluster + Send + Sync + 'static,
    ) -> &mut Self {
        self.simulated.template = Some(Arc::new(template));
        self
    }

    /// Also run a simulated work agent for the simulated clusters (default off): it writes the
    /// status the Go work agent would on their ManifestWorks (Applied, Available, manifest
    /// conditions, status feedback from a fake state set with
    /// [`SimulatedClusterHandle::set_status`]), without applying anything anywhere. See
    /// [`simulated`](crate::simulated#the-simulated-work-agent).
    pub fn simulated_work_agent(&mut self, on: bool) -> &mut Self {
        self.simulated.work_agent = on;
        self
    }

    /// Adds one simulated cluster with this spec (after the counted ones).
    pub fn simulated_cluster(&mut self, spec: SimulatedCluster) -> &mut Self {
        self.simulated.extra.push(spec);
        self
    }
}

impl crate::TestEnvBuilder {
    /// Starts the simulated clusters' agents and, when auto-accepting, waits until all are
    /// Available.
    pub(crate) async fn start_simulated(
        &self,
        specs: Vec<SimulatedCluster>,
        supervisor: &crate::process::Supervisor,
        dir: &Path,
        hub: &crate::Cluster,
        phases: &crate::env::Phases<'_>,
        deadline: Instant,
    ) -> Result<Option<Fleet>> {
        if specs.is_empty() {
            return Ok(None);
        }
        phases.enter(crate::StartupPhase::SimulatedAgents { count: specs.len() });
        let mut fleet = Fleet::new(self.simulated.work_agent, hub.kubeconfig_path())?;
        fleet.add(
            specs,
            &dir.join("bootstrap-hub.kubeconfig"),
            dir,
            hub.kubeconfig_path(),
        )?;
        if self.auto_accept {
            wait_available(
                &hub.client(),
                &fleet.clusters,
                phases.observers,
                phases.started,
                deadline,
                || supervisor.check(),
                &dir.join("logs"),
            )
            .await?;
        }
        Ok(Some(fleet))
    }
}

impl crate::TestEnv {
    /// The simulated managed clusters, in the order they were configured (see
    /// [`TestEnvBuilder::simulated_clusters`](crate::TestEnvBuilder::simulated_clusters)).
    pub fn simulated_clusters(&self) -> &[SimulatedClusterHandle] {
        self.fleet.as_ref().map_or(&[], |f| f.clusters.as_slice())
    }

    /// The simulated managed cluster with this name.
    pub fn simulated_cluster(&self, name: &str) -> Option<&SimulatedClusterHandle> {
        self.simulated_clusters().iter().find(|c| c.name() == name)
    }

    /// Starts more simulated clusters (their agents join in the background; see
    /// [`wait_simulated_available`](Self::wait_simulated_available)). Returns how many were
    /// added.
    pub fn add_simulated_clusters(
        &mut self,
        specs: impl IntoIterator<Item = SimulatedCluster>,
    ) -> Result<usize> {
        let specs: Vec<SimulatedCluster> = specs.into_iter().collect();
        for s in &specs {
            if self.managed_cluster(&s.name).is_some() || s.name == crate::HUB {
                return Err(Error::InvalidOptions(format!(
                    "simulated cluster name {:?} is taken",
                    s.name
                )));
            }
        }
        let dir = self.dir().to_path_buf();
        let hub_kubeconfig = self.hub.kubeconfig_path().to_path_buf();
        let fleet = match &mut self.fleet {
            Some(f) => f,
            None => self.fleet.insert(Fleet::new(false, &hub_kubeconfig)?),
        };
        fleet.add(
            specs,
            &dir.join("bootstrap-hub.kubeconfig"),
            &dir,
            &hub_kubeconfig,
        )
    }

    /// Accepts every simulated cluster (the hub's half of the double opt-in, needed with
    /// [`TestEnvBuilder::auto_accept`](crate::TestEnvBuilder::auto_accept) off), as
    /// `clusteradm accept` would but in batches: one list of the pending clusters and CSRs per
    /// round, then ocm-client's checked accept ([`ManagedClusters::accept`](ocm_client::registration::ManagedClusters::accept)
    /// with [`CsrPolicy::default`](ocm_client::registration::CsrPolicy)`.bootstrap_user(`[`BOOTSTRAP_USER`](crate::BOOTSTRAP_USER)`)`)
    /// for up to 32 clusters at once; repeated until each has been accepted, or `timeout`.
    /// Returns how many were accepted.
    pub async fn accept_simulated_clusters(&self, timeout: Duration) -> Result<usize> {
        use ocm_client::registration::{AcceptParams, CsrPolicy, ManagedClusters};
        let clusters = ManagedClusters::new(self.hub.client());
        let params = AcceptParams::default()
            .policy(CsrPolicy::default().bootstrap_user(crate::BOOTSTRAP_USER));
        let mut todo: std::collections::BTreeSet<String> = self
            .simulated_clusters()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        let total = todo.len();
        let deadline = Instant::now() + timeout;
        while !todo.is_empty() {
            let pending = clusters
                .pending()
                .await
                .map_err(|e| Error::InvalidOptions(format!("listing pending clusters: {e}")))?;
            let ready: Vec<String> = pending
                .into_iter()
                .filter(|p| p.cluster.is_some() && !p.pending_csrs.is_empty())
                .map(|p| p.name)
                .filter(|n| todo.contains(n))
                .collect();
            let accepted: Vec<String> = futures::stream::iter(ready)
                .map(|name| {
                    let (clusters, params) = (&clusters, &params);
                    async move {
                        match clusters.accept(&name, params).await {
                            Ok(_) => Some(name),
                            Err(e) => {
                                tracing::debug!(cluster = %name, error = %e, "accepting: retrying");
                                None
                            }
                        }
                    }
                })
                .buffer_unordered(32)
                .filter_map(|n| async move { n })
                .collect()
                .await;
            for n in accepted {
                todo.remove(&n);
            }
            if todo.is_empty() {
                break;
            }
            self.supervisor.check()?;
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    what: format!(
                        "simulated clusters to ask to join ({} of {total} not accepted)",
                        todo.len()
                    ),
                    after: timeout,
                    logs: vec![self.log_dir().join("registration-controller.log")],
                });
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Ok(total)
    }

    /// Waits until every simulated cluster is `ManagedClusterConditionAvailable=True` (and
    /// carries its spec's labels) on the hub; with [`TestEnvBuilder::auto_accept`](crate::TestEnvBuilder::auto_accept)
    /// off, call it after accepting them.
    pub async fn wait_simulated_available(&self, timeout: Duration) -> Result<()> {
        let observers = Observers::default();
        wait_available(
            &self.hub.client(),
            self.simulated_clusters(),
            &observers,
            Instant::now(),
            Instant::now() + timeout,
            || self.supervisor.check(),
            &self.log_dir(),
        )
        .await
    }
}
