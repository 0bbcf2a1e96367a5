//! The klusterlet registration agent, in Rust (feature `agent`): join a hub, keep the cluster's
//! lease and status, rotate the client certificate — what OCM v1.2.1's
//! `pkg/registration/spoke` does, against the real Go hub.
//!
//! ```no_run
//! use std::time::Duration;
//! use ocm_client::agent::Agent;
//! use tokio_util::sync::CancellationToken;
//! # async fn run() -> Result<(), ocm_client::agent::AgentError> {
//! let agent = Agent::builder("cluster1", "/etc/ocm/bootstrap.kubeconfig")
//!     .hub_kubeconfig_dir("/var/run/ocm/hub")
//!     .claim("platform.open-cluster-management.io", "Simulated")
//!     .capacity("cpu", "8")
//!     .lease_duration(Duration::from_secs(60))
//!     .build()?;
//! let cancel = CancellationToken::new();
//! agent.run(cancel.child_token()).await?;
//! # Ok(()) }
//! ```
//!
//! # What it does, as upstream
//!
//! | phase | Go | here |
//! |---|---|---|
//! | start | the hub kubeconfig is reused when it matches the bootstrap kubeconfig (server, proxy, CA, cluster name) and its certificate is this cluster's and not expired (`IsHubKubeconfigValid`) | [`kubeconfig::read_hub_files`] |
//! | bootstrap | create the ManagedCluster (`agent.open-cluster-management.io/*` annotations, `managedClusterClientConfigs`), a CSR ([`build_csr`]), wait for approval, write `hub-kubeconfig-secret`'s keys | the same; files in a directory ([`write_hub_kubeconfig`]), and the Secret if asked ([`AgentBuilder::hub_kubeconfig_secret`]) |
//! | lease | GET then UPDATE `managed-cluster-lease`'s `renewTime` every `spec.leaseDurationSeconds` (0: 60) with jitter 0.25, only while `HubAcceptedManagedCluster=True` | the same |
//! | status | joining, resource (Available, version, capacity) and claim reconcilers; a JSON merge patch of `status` with `uid`/`resourceVersion` | the same, health, version, capacity and claims from the caller ([`AgentBuilder`]) |
//! | rotation | new key and CSR when remaining/total lifetime < random 0.20–0.25 | the same, plus [`Agent::rotate_now`]; files replaced by rename |
//! | expired certificate | the agent restarts and bootstraps again | bootstraps again without restarting |
//!
//! A cluster the hub stops accepting (`hubAcceptsClient=false`) keeps its agent running: the
//! lease and status stop while `HubAcceptedManagedCluster` is not True, and resume when the hub
//! accepts it again (as Go's lease and joining reconcilers do).
//!
//! Differences on purpose: a Denied CSR ends [`Agent::run`] with [`AgentError::CsrDenied`] (Go
//! waits forever); the key is PKCS#8; the kubeconfig file is JSON (a YAML subset); no events
//! are recorded on the hub. As Go, no CSR is created while the hub holds 10 or more of the
//! cluster's CSRs (the wait is logged).
//! Every wait is logged with its reason and retried with a capped backoff; the approval wait
//! has an optional timeout ([`AgentBuilder::approval_timeout`]).

mod error;
pub mod kubeconfig;
mod request;
mod run;
pub mod secret;
pub mod status;
mod tasks;

pub mod csr;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use ocm_api::cluster::v1::ClientConfig;
use tokio_util::sync::CancellationToken;

pub use csr::{build_csr, validate_cluster_name};
pub use error::AgentError;
pub use kubeconfig::write_hub_kubeconfig;
pub use request::{RequestName, request_der_for};
pub use secret::hub_kubeconfig_secret;

/// The caller's health check: `Err(message)` reports the cluster unavailable.
pub type HealthCheck = Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// Builds an [`Agent`] (see the [module docs](self)).
#[derive(Clone)]
pub struct AgentBuilder {
    cfg: Config,
}

#[derive(Clone)]
pub(crate) struct Config {
    pub cluster: String,
    pub bootstrap: PathBuf,
    pub hub_dir: PathBuf,
    pub agent_name: Option<String>,
    pub annotations: BTreeMap<String, String>,
    pub client_configs: Vec<ClientConfig>,
    pub lease_duration: Option<Duration>,
    pub expiration_seconds: Option<i32>,
    pub approval_timeout: Option<Duration>,
    pub status_interval: Duration,
    pub rotation_check_interval: Duration,
    pub health: HealthCheck,
    pub secret: Option<(kube::Client, String)>,
    pub report: status::Report,
}

impl std::fmt::Debug for AgentBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentBuilder")
            .field("cluster", &self.cfg.cluster)
            .field("bootstrap", &self.cfg.bootstrap)
            .field("hub_dir", &self.cfg.hub_dir)
            .finish_non_exhaustive()
    }
}

impl AgentBuilder {
    /// Put the hub kubeconfig files here (default: `hub-kubeconfig-<cluster>` next to the
    /// bootstrap kubeconfig).
    pub fn hub_kubeconfig_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.cfg.hub_dir = dir.into();
        self
    }

    /// The agent name in the certificate's common name (default: the one in the hub kubeconfig
    /// directory's `agent-name`, else a random UUID-like id, as Go generates one).
    pub fn agent_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.cfg.agent_name = Some(name.into());
        self
    }

    /// Adds a ClusterClaim (reported once joined; see [`status::exposed_claims`]).
    pub fn claim(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.cfg.report.claims.push((name.into(), value.into()));
        self
    }

    /// Replaces the ClusterClaims.
    pub fn claims<I, K, V>(&mut self, claims: I) -> &mut Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        self.cfg.report.claims = claims
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        self
    }

    /// Custom claims beyond this many are not reported (Go's default 20).
    pub fn max_custom_claims(&mut self, n: usize) -> &mut Self {
        self.cfg.report.max_custom_claims = n;
        self
    }

    /// Sets a capacity and the same allocatable quantity (`"cpu"`, `"8"`).
    pub fn capacity(
        &mut self,
        resource: impl Into<String>,
        quantity: impl Into<String>,
    ) -> &mut Self {
        let (r, q) = (resource.into(), Quantity(quantity.into()));
        self.cfg.report.capacity.insert(r.clone(), q.clone());
        self.cfg.report.allocatable.insert(r, q);
        self
    }

    /// Sets an allocatable quantity alone.
    pub fn allocatable(
        &mut self,
        resource: impl Into<String>,
        quantity: impl Into<String>,
    ) -> &mut Self {
        self.cfg
            .report
            .allocatable
            .insert(resource.into(), Quantity(quantity.into()));
        self
    }

    /// `status.version.kubernetes`.
    pub fn kubernetes_version(&mut self, version: impl Into<String>) -> &mut Self {
        self.cfg.report.version = Some(version.into());
        self
    }

    /// The health check behind `ManagedClusterConditionAvailable` (default: always healthy).
    pub fn health(
        &mut self,
        check: impl Fn() -> Result<(), String> + Send + Sync + 'static,
    ) -> &mut Self {
        self.cfg.health = Arc::new(check);
        self
    }

    /// An annotation for the ManagedCluster; only `agent.open-cluster-management.io/*` keys are
    /// kept, as Go's `FilterClusterAnnotations` does.
    pub fn annotation(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.cfg.annotations.insert(key.into(), value.into());
        self
    }

    /// A `spec.managedClusterClientConfigs` entry (Go's `--spoke-external-server-urls` with the
    /// cluster's CA bundle).
    pub fn client_config(
        &mut self,
        url: impl Into<String>,
        ca_bundle: Option<Vec<u8>>,
    ) -> &mut Self {
        self.cfg.client_configs.push(ClientConfig {
            url: url.into(),
            ca_bundle: ca_bundle.map(k8s_openapi::ByteString),
        });
        self
    }

    /// `spec.leaseDurationSeconds` of the ManagedCluster the agent creates (the hub defaults it
    /// to 60). The agent renews at the duration the cluster's spec says, as Go's does.
    pub fn lease_duration(&mut self, every: Duration) -> &mut Self {
        self.cfg.lease_duration = Some(every);
        self
    }

    /// `spec.expirationSeconds` of the agent's CSRs (Go: the Klusterlet's
    /// `clientCertExpirationSeconds`; default none, the signer's duration).
    pub fn expiration_seconds(&mut self, seconds: i32) -> &mut Self {
        self.cfg.expiration_seconds = Some(seconds);
        self
    }

    /// Give up waiting for a CSR's certificate after this long (default: wait, logging every
    /// 30 s, as Go waits).
    pub fn approval_timeout(&mut self, timeout: Duration) -> &mut Self {
        self.cfg.approval_timeout = Some(timeout);
        self
    }

    /// Resync the status this often besides on every change of the ManagedCluster (Go's
    /// `--cluster-healthcheck-period`, default 60 s).
    pub fn status_interval(&mut self, every: Duration) -> &mut Self {
        self.cfg.status_interval = every;
        self
    }

    /// Check the certificate's remaining lifetime this often (default 60 s).
    pub fn rotation_check_interval(&mut self, every: Duration) -> &mut Self {
        self.cfg.rotation_check_interval = every;
        self
    }

    /// Also save the hub kubeconfig as the Secret `hub-kubeconfig-secret` in `namespace` with
    /// `client` (a client of the managed cluster), with upstream's keys
    /// ([`hub_kubeconfig_secret`]). The directory stays the agent's source: the Secret is written
    /// after it, at bootstrap and at every rotation.
    pub fn hub_kubeconfig_secret(
        &mut self,
        client: kube::Client,
        namespace: impl Into<String>,
    ) -> &mut Self {
        self.cfg.secret = Some((client, namespace.into()));
        self
    }

    /// Checks the cluster name and builds the agent (the bootstrap kubeconfig is read by
    /// [`Agent::run`], so it may appear later).
    pub fn build(&self) -> Result<Agent, AgentError> {
        validate_cluster_name(&self.cfg.cluster)?;
        if let Some(agent) = &self.cfg.agent_name
            && (agent.is_empty() || agent.contains(':'))
        {
            return Err(AgentError::InvalidAgentName {
                name: agent.clone(),
            });
        }
        Ok(Agent {
            cfg: Arc::new(self.cfg.clone()),
            rotate: Arc::new(tokio::sync::Notify::new()),
        })
    }
}

/// A registration agent for one cluster; cheap to clone.
#[derive(Clone)]
pub struct Agent {
    cfg: Arc<Config>,
    rotate: Arc<tokio::sync::Notify>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("cluster", &self.cfg.cluster)
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// A builder for the agent of `cluster`, joining with `bootstrap_kubeconfig`.
    pub fn builder(
        cluster: impl Into<String>,
        bootstrap_kubeconfig: impl AsRef<Path>,
    ) -> AgentBuilder {
        let cluster = cluster.into();
        let bootstrap = bootstrap_kubeconfig.as_ref().to_path_buf();
        let hub_dir = bootstrap
            .parent()
            .unwrap_or(Path::new("."))
            .join(format!("hub-kubeconfig-{cluster}"));
        AgentBuilder {
            cfg: Config {
                cluster,
                bootstrap,
                hub_dir,
                agent_name: None,
                annotations: BTreeMap::new(),
                client_configs: Vec::new(),
                lease_duration: None,
                expiration_seconds: None,
                approval_timeout: None,
                status_interval: Duration::from_secs(60),
                rotation_check_interval: Duration::from_secs(60),
                health: Arc::new(|| Ok(())),
                secret: None,
                report: status::Report {
                    max_custom_claims: status::DEFAULT_MAX_CUSTOM_CLAIMS,
                    ..Default::default()
                },
            },
        }
    }

    /// The cluster's name.
    pub fn cluster_name(&self) -> &str {
        &self.cfg.cluster
    }

    /// The hub kubeconfig file the agent writes (`<dir>/kubeconfig`); give it to
    /// [`hubs::client_from_kubeconfig`](crate::hubs::client_from_kubeconfig) for a client that
    /// follows rotation.
    pub fn hub_kubeconfig(&self) -> PathBuf {
        self.cfg.hub_dir.join(kubeconfig::KUBECONFIG_FILE)
    }

    /// Rotates the client certificate now (a new key and CSR), whatever its remaining lifetime.
    pub fn rotate_now(&self) {
        self.rotate.notify_one();
    }

    /// Joins the hub (unless the hub kubeconfig directory already holds a usable certificate),
    /// then keeps the lease, status and certificate until `cancel` fires (then `Ok`). Ends with
    /// an error only for what retrying cannot fix: an unusable bootstrap kubeconfig, a server
    /// that is not a hub, a denied CSR, an approval timeout, a directory that cannot be written.
    /// Hub errors are logged and retried with backoff.
    ///
    /// Cancellation-safe: dropping the future or firing `cancel` leaves at worst a pending CSR
    /// on the hub and complete files in the directory.
    pub async fn run(&self, cancel: CancellationToken) -> Result<(), AgentError> {
        use tracing::Instrument;
        let span = tracing::info_span!("cluster", name = %self.cfg.cluster);
        tokio::select! {
            _ = cancel.cancelled() => Ok(()),
            r = run::run(self.cfg.clone(), self.rotate.clone()).instrument(span) => r,
        }
    }
}
