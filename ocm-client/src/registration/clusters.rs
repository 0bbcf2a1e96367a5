//! [`ManagedClusters`]: the hub's managed clusters — taints, claims and waiting on conditions
//! here; pending clusters, accept and deny in `accept.rs`.

use std::time::Duration;

use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::{Api, Client};
use ocm_api::cluster::v1::{ManagedCluster, ManagedClusterClaim, Taint};

use crate::error::{Context, Error, Result};

/// The hub's managed clusters: a small handle over a [`kube::Client`].
///
/// ```no_run
/// use ocm_client::registration::{AcceptParams, ManagedClusters};
/// # async fn run(client: kube::Client) -> ocm_client::Result<()> {
/// let clusters = ManagedClusters::new(client);
/// for pending in clusters.pending().await? {
///     println!("{} waits (accepted: {})", pending.name, pending.accepted);
/// }
/// let outcome = clusters.accept("cluster1", &AcceptParams::default()).await?;
/// println!("approved {:?}, refused {:?}", outcome.approved, outcome.refused);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ManagedClusters {
    pub(super) clusters: Api<ManagedCluster>,
    pub(super) csrs: Api<CertificateSigningRequest>,
}

impl ManagedClusters {
    /// A handle over `client`.
    pub fn new(client: Client) -> Self {
        Self {
            clusters: Api::all(client.clone()),
            csrs: Api::all(client),
        }
    }

    /// The typed `Api` underneath, for anything this handle does not cover.
    pub fn api(&self) -> &Api<ManagedCluster> {
        &self.clusters
    }

    /// Adds a taint, or replaces the taint with the same key and effect. `timeAdded` is set to
    /// now when the taint has none (upstream's admission webhook does this; the hub may run
    /// without it).
    pub async fn add_taint(&self, name: &str, mut taint: Taint) -> Result<ManagedCluster> {
        if taint.time_added.is_none() {
            taint.time_added = Some(Time(now()));
        }
        self.update_taints(name, |taints| {
            taints.retain(|t| !(t.key == taint.key && t.effect == taint.effect));
            taints.push(taint.clone());
        })
        .await
    }

    /// Removes every taint with this key (and this effect, when given).
    pub async fn remove_taint(
        &self,
        name: &str,
        key: &str,
        effect: Option<ocm_api::cluster::v1::TaintEffect>,
    ) -> Result<ManagedCluster> {
        self.update_taints(name, |taints| {
            taints.retain(|t| !(t.key == key && effect.is_none_or(|e| e == t.effect)));
        })
        .await
    }

    async fn update_taints(
        &self,
        name: &str,
        edit: impl Fn(&mut Vec<Taint>),
    ) -> Result<ManagedCluster> {
        for attempt in 0.. {
            let mut cluster = self
                .clusters
                .get(name)
                .await
                .context(|| format!("updating the taints of ManagedCluster {name:?}"))?;
            let mut taints = cluster.spec.taints.take().unwrap_or_default();
            edit(&mut taints);
            cluster.spec.taints = Some(taints);
            let result = self
                .clusters
                .replace(name, &Default::default(), &cluster)
                .await
                .context(|| format!("updating the taints of ManagedCluster {name:?}"));
            match result {
                Err(e) if e.is_conflict() && attempt < 5 => continue,
                other => return other,
            }
        }
        unreachable!("the loop returns")
    }

    /// Waits until the cluster's condition `condition_type` (for example
    /// [`ocm_api::conditions::MANAGED_CLUSTER_AVAILABLE`]) is `True`, on a watch. Returns the
    /// cluster as last seen; [`Error::Timeout`] names the condition's last status.
    pub async fn wait_condition(
        &self,
        name: &str,
        condition_type: &str,
        timeout: Duration,
    ) -> Result<ManagedCluster> {
        let is_true = |c: Option<&ManagedCluster>| {
            c.and_then(|c| c.status.as_ref())
                .is_some_and(|s| ocm_api::conditions::is_true(&s.conditions, condition_type))
        };
        let waiting = kube::runtime::wait::await_condition(self.clusters.clone(), name, is_true);
        match tokio::time::timeout(timeout, waiting).await {
            Ok(Ok(Some(cluster))) => Ok(cluster),
            Ok(Ok(None)) => Err(Error::NotFound {
                action: format!("waiting for {condition_type} on ManagedCluster {name:?}"),
                kind: "ManagedCluster",
                name: name.to_string(),
            }),
            Ok(Err(e)) => Err(Error::Invalid {
                action: format!("waiting for {condition_type} on ManagedCluster {name:?}"),
                reason: format!("watch failed: {e}"),
            }),
            Err(_) => {
                let last = self.clusters.get_opt(name).await.ok().flatten();
                let last_seen = last.and_then(|c| c.status).map(|s| {
                    s.conditions
                        .iter()
                        .map(|c| format!("{}={} ({})", c.type_, c.status, c.reason))
                        .collect::<Vec<_>>()
                        .join(", ")
                });
                Err(Error::Timeout {
                    action: format!("waiting for {condition_type}=True on ManagedCluster {name:?}"),
                    timeout,
                    last_seen,
                })
            }
        }
    }

    /// The cluster's claims as the hub sees them (`status.clusterClaims`, synced by its agent
    /// from the managed cluster's ClusterClaim objects), as (name, value) pairs.
    pub async fn claims(&self, name: &str) -> Result<Vec<(String, String)>> {
        let cluster = self
            .clusters
            .get(name)
            .await
            .context(|| format!("reading the claims of ManagedCluster {name:?}"))?;
        Ok(cluster
            .status
            .and_then(|s| s.cluster_claims)
            .unwrap_or_default()
            .into_iter()
            .map(|ManagedClusterClaim { name, value, .. }| {
                (name.unwrap_or_default(), value.unwrap_or_default())
            })
            .collect())
    }
}

pub(super) fn now() -> k8s_openapi::jiff::Timestamp {
    k8s_openapi::jiff::Timestamp::now()
}
