//! The agents' runtime, their staggered start, and the wait until they are Available.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::watcher;
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::conditions;
use tokio_util::sync::CancellationToken;

use super::{JOIN_CONCURRENCY, SimulatedCluster, SimulatedClusterHandle, lock, work};
use crate::error::{Error, Result};
use crate::progress::{Observers, ProgressEvent};

/// The simulated clusters of one environment, with the runtime their agents run on.
pub(crate) struct Fleet {
    runtime: Option<tokio::runtime::Runtime>,
    cancel: CancellationToken,
    work: Option<(Arc<work::FakeState>, work::Names)>,
    addon_registration: bool,
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
    /// runs on it; with `addon_registration`, each cluster registers its add-ons.
    pub(crate) fn new(
        work_agent: bool,
        addon_registration: bool,
        hub_kubeconfig: &Path,
    ) -> Result<Self> {
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
            addon_registration,
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
                addons: self.addon_registration.then(Default::default),
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
