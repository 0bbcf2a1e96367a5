//! The builder's options for simulated clusters and the environment's methods for them.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;

use super::fleet::{Fleet, wait_available};
use super::{SimulatedCluster, SimulatedClusterHandle, Template, default_name};
use crate::error::{Error, Result};
use crate::progress::Observers;

/// The builder's simulated-cluster options.
#[derive(Clone, Default)]
pub(crate) struct Options {
    pub(crate) count: usize,
    pub(crate) template: Option<Template>,
    pub(crate) extra: Vec<SimulatedCluster>,
    pub(crate) work_agent: bool,
    pub(crate) addon_registration: bool,
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

    /// Also register the add-ons of the simulated clusters (default off), as the klusterlet's
    /// add-on registration does for `kubeClient` registrations: a CSR per add-on with the
    /// registration's subject, signed once the add-on manager approves it; the add-on agent's
    /// hub kubeconfig is then [`SimulatedClusterHandle::addon_hub_kubeconfig`]. See
    /// [`simulated`](crate::simulated#add-on-registration).
    pub fn simulated_addon_registration(&mut self, on: bool) -> &mut Self {
        self.simulated.addon_registration = on;
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
        let mut fleet = Fleet::new(
            self.simulated.work_agent,
            self.simulated.addon_registration,
            hub.kubeconfig_path(),
        )?;
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
            None => self
                .fleet
                .insert(Fleet::new(false, false, &hub_kubeconfig)?),
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
