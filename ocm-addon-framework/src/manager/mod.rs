//! [`AddonManager`]: runs add-ons on the hub.

mod config_hash;
mod configs;
mod csr;
mod reconcile;
mod self_managed;
mod status;
mod steps;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use kube::Api;
use kube::api::DynamicObject;
use kube::runtime::controller::{Action, Controller};
use kube::runtime::reflector::ObjectRef;
use kube::runtime::watcher;
use ocm_api::addon::v1alpha1::{ClusterManagementAddOn, ManagedClusterAddOn};
use ocm_api::labels;
use ocm_api::work::v1::ManifestWork;
use tracing::warn;

pub use reconcile::CSR_APPROVAL;

use crate::addon::AgentAddon;
use crate::error::{Error, Result};
use crate::options::AddonOptions;

/// The field manager of everything the manager applies.
pub const FIELD_MANAGER: &str = "ocm-rs-addon-manager";

pub(crate) struct Registered {
    pub(crate) addon: Box<dyn AgentAddon>,
    pub(crate) options: AddonOptions,
}

pub(crate) struct Context {
    pub(crate) client: kube::Client,
    pub(crate) addons: HashMap<String, Registered>,
}

/// Runs add-ons on the hub: one level-triggered controller over ManagedClusterAddOns (kube-runtime
/// `Controller`), woken by their ManifestWorks and CSRs as well.
///
/// It cooperates with the Go hub's addon-manager, which creates the ManagedClusterAddOns from the
/// ClusterManagementAddOn's install strategy, resolves `status.configReferences` and sets
/// `lastAppliedConfig` and `Progressing` from the works this manager writes; see the crate docs
/// for who does what.
///
/// With the ClusterManagementAddOn annotated `addon.open-cluster-management.io/lifecycle: self`
/// the Go hub leaves the add-on alone and this manager installs it: a ManagedClusterAddOn (owned
/// by the ClusterManagementAddOn) in each cluster the install strategy's placements decide,
/// removed when no longer decided; desired configs from the placement's configs, else the
/// supported configs' defaults, with their spec hashes; `lastAppliedConfig` once the works carry
/// them and are ready. Rollout strategies are not applied in this mode (every cluster at once).
/// (Upstream addon-framework v1.3.0 dropped this mode: it resets the annotation.)
///
/// Restarting it is safe: it keeps no state besides the watches, and every step is idempotent
/// (works are applied with server-side apply, field manager [`FIELD_MANAGER`]).
pub struct AddonManager {
    client: kube::Client,
    addons: HashMap<String, Registered>,
    concurrency: u16,
}

/// How many ManagedClusterAddOns [`AddonManager`] reconciles at once unless told otherwise:
/// `0`, no limit.
pub const DEFAULT_CONCURRENCY: u16 = 0;

impl AddonManager {
    /// A manager talking to the hub through `client`.
    pub fn new(client: kube::Client) -> Self {
        AddonManager {
            client,
            addons: HashMap::new(),
            concurrency: DEFAULT_CONCURRENCY,
        }
    }

    /// How many ManagedClusterAddOns are reconciled at once (default [`DEFAULT_CONCURRENCY`]:
    /// `0`, no limit; upstream's manager runs one worker per controller).
    ///
    /// A trade of speed for memory during a fleet-wide change: each running reconcile holds
    /// its reads of the hub and its rendered works. Measured with `cargo bench -p ocm-benches
    /// --bench addon_manager` (300 clusters installed at once, 2-core machine under load):
    /// no limit, 7.1 s and 50 MiB peak; 16, 27.5 s and 31 MiB; 4, 48 s and 30 MiB.
    pub fn concurrency(mut self, concurrency: u16) -> Self {
        self.concurrency = concurrency;
        self
    }

    /// Registers an add-on (its name is `options.name()`; a second one of that name replaces the
    /// first).
    pub fn addon(mut self, addon: impl AgentAddon, options: AddonOptions) -> Self {
        self.addons.insert(
            options.name().to_string(),
            Registered {
                addon: Box::new(addon),
                options,
            },
        );
        self
    }

    /// Runs until the watches end (never, in practice) — cancel the future to stop it.
    /// Cancellation-safe: dropping the future stops every watch; nothing is left half-written
    /// that the next run does not redo.
    pub async fn run(self) -> Result<()> {
        let client = self.client.clone();
        let ctx = Arc::new(Context {
            client: client.clone(),
            addons: self.addons,
        });
        let names: Vec<String> = ctx.addons.keys().cloned().collect();
        let addon_label = labels::ADDON_NAME;
        let mcas: Api<ManagedClusterAddOn> = Api::all(client.clone());
        let works: Api<ManifestWork> = Api::all(client.clone());
        let csrs: Api<CertificateSigningRequest> = Api::all(client.clone());
        let selector = format!("{addon_label} in ({})", names.join(","));
        let managed: std::collections::HashSet<String> = names.into_iter().collect();
        let managed_csr = managed.clone();
        let limits = kube::runtime::controller::Config::default().concurrency(self.concurrency);
        let addons = Controller::new(mcas.clone(), watcher::Config::default())
            .with_config(limits.clone())
            .owns(works, watcher::Config::default().labels(&selector))
            .watches(
                csrs,
                watcher::Config::default().labels(&selector),
                move |csr: CertificateSigningRequest| {
                    let labels = csr.metadata.labels.unwrap_or_default();
                    let addon = labels.get(labels::ADDON_NAME)?;
                    let cluster = labels.get(labels::CLUSTER_NAME)?;
                    managed_csr
                        .contains(addon)
                        .then(|| ObjectRef::new(addon).within(cluster))
                },
            )
            .shutdown_on_signal()
            .run(reconcile::reconcile, error_policy, ctx.clone())
            .for_each(|_| async {});

        // The config spec hashes: woken by the ClusterManagementAddOns, their
        // ManagedClusterAddOns and every object of a supported config kind.
        let cmas: Api<ClusterManagementAddOn> = Api::all(client.clone());
        let managed_mca = managed.clone();
        let mut hashes = Controller::new(cmas, watcher::Config::default())
            .with_config(limits)
            .watches(
                mcas,
                watcher::Config::default(),
                move |mca: ManagedClusterAddOn| {
                    let name = mca.metadata.name?;
                    managed_mca.contains(&name).then(|| ObjectRef::new(&name))
                },
            );
        let all_cmas: Vec<String> = managed.iter().cloned().collect();
        let decisions: Api<ocm_api::cluster::v1beta1::PlacementDecision> = Api::all(client.clone());
        hashes = hashes.watches(decisions, watcher::Config::default(), move |_| {
            all_cmas
                .iter()
                .map(|n| ObjectRef::new(n))
                .collect::<Vec<_>>()
        });
        let mut kinds: Vec<kube::discovery::ApiResource> = Vec::new();
        for registered in ctx.addons.values() {
            for kind in &registered.options.supported_configs {
                if !kinds.contains(&kind.resource) {
                    kinds.push(kind.resource.clone());
                }
            }
        }
        for ar in kinds {
            let all: Vec<String> = managed.iter().cloned().collect();
            let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
            hashes = hashes.watches_with(api, ar, watcher::Config::default(), move |_| {
                all.iter().map(|n| ObjectRef::new(n)).collect::<Vec<_>>()
            });
        }
        let hashes = hashes
            .shutdown_on_signal()
            .run(config_hash::reconcile, error_policy_cma, ctx)
            .for_each(|_| async {});
        futures::join!(addons, hashes);
        Ok(())
    }
}

fn error_policy(_addon: Arc<ManagedClusterAddOn>, error: &Error, _ctx: Arc<Context>) -> Action {
    retry(error)
}

/// A conflict (another writer, such as the hub's addon-manager, was first) is retried at once
/// on fresh data; anything else after a pause.
fn retry(error: &Error) -> Action {
    if let Error::Kube(kube::Error::Api(status)) = error
        && status.code == 409
    {
        tracing::debug!(%error, "conflict, retrying");
        return Action::requeue(Duration::from_millis(200));
    }
    warn!(%error, "requeueing");
    Action::requeue(Duration::from_secs(5))
}

fn error_policy_cma(
    _cma: Arc<ClusterManagementAddOn>,
    error: &Error,
    _ctx: Arc<Context>,
) -> Action {
    retry(error)
}
