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
//! reports [`ProgressEvent::SimulatedClusters`](crate::ProgressEvent::SimulatedClusters) (`simulated clusters: k/N available`).
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
//! # Add-on registration
//!
//! With [`TestEnvBuilder::simulated_addon_registration`](crate::TestEnvBuilder::simulated_addon_registration),
//! each simulated cluster also does what the klusterlet's add-on registration controller does
//! (ocm v1.2.1 `pkg/registration/spoke/addon`) for `kubeClient` registrations: it watches the
//! ManagedClusterAddOns in its namespace with its own hub identity and, for each with a
//! `kubernetes.io/kube-apiserver-client` entry in `status.registrations`, creates a CSR as Go
//! does (generateName `addon-<cluster>-<addon>-`, labels `open-cluster-management.io/cluster-name`
//! and `open-cluster-management.io/addon-name`, the registration's subject, DNS name
//! `<addon>.addon.open-cluster-management.io`), waits until the add-on manager approved it and
//! kube-controller-manager signed it, and keeps the agent's hub kubeconfig in memory
//! ([`SimulatedClusterHandle::addon_hub_kubeconfig`]; Go writes it into the secret
//! `<addon>-hub-kubeconfig` on the managed cluster). It sets the add-on's
//! `ClusterCertificateRotated` condition and `status.kubeClientDriver: csr`. A cluster stopped
//! and started again keeps the certificate it had. Not simulated:
//! custom signers, certificate rotation, and the add-on lease — an add-on whose health prober
//! is the lease never becomes Available on a simulated cluster; use the work prober (the
//! simulated work agent reports the deploy works' status feedback).
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
use std::time::Duration;

use ocm_client::agent::Agent;
use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};

mod addon;
mod addon_csr;
mod feedback;
mod fleet;
mod setup;
mod work;

pub(crate) use fleet::Fleet;
pub(crate) use setup::Options;

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
    addons: Option<addon::Credentials>,
}

impl std::fmt::Debug for SimulatedClusterHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulatedClusterHandle")
            .field("name", &self.spec.name)
            .field("running", &self.is_running())
            .finish_non_exhaustive()
    }
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
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

    /// The hub kubeconfig of `addon`'s agent on this cluster (client certificate and key
    /// inline), once its registration's certificate was issued: what the klusterlet writes
    /// into the secret `<addon>-hub-kubeconfig`. `None` before that, after the add-on is
    /// removed, or without
    /// [`TestEnvBuilder::simulated_addon_registration`](crate::TestEnvBuilder::simulated_addon_registration).
    pub fn addon_hub_kubeconfig(&self, addon: &str) -> Option<kube::config::Kubeconfig> {
        self.addons
            .as_ref()
            .and_then(|c| lock(c).get(addon).map(|(_, kc)| kc.clone()))
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
        if let Some(creds) = &self.addons {
            let (agent, creds, cancel) = (agent.clone(), creds.clone(), cancel.clone());
            self.runtime.spawn(async move {
                tokio::select! {
                    _ = cancel.cancelled() => {}
                    _ = addon::run(agent, creds) => {}
                }
            });
        }
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
