//! [`ManagedClusters::pending`], [`ManagedClusters::accept`] and [`ManagedClusters::deny`]: the
//! hub's half of the double opt-in.

use std::time::Duration;

use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use kube::api::{ListParams, Patch, PatchParams};
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::labels;
use serde_json::json;

use super::ManagedClusters;
use super::clusters::now;
use super::csr::{CsrPolicy, CsrRejected, CsrRequestKind, is_pending};
use crate::error::{Context, Error, Result};

/// Reason written on the approval condition of a CSR that [`ManagedClusters::accept`] approves.
pub const APPROVE_REASON: &str = "OcmRsAccept";
/// Reason written on the denial condition of a CSR that [`ManagedClusters::deny`] denies.
pub const DENY_REASON: &str = "OcmRsDeny";

/// A cluster that waits for the hub: not accepted yet, or with CSRs nobody has decided on.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PendingCluster {
    /// The cluster's name.
    pub name: String,
    /// Whether `hubAcceptsClient` is already `true` (then only CSRs are pending).
    pub accepted: bool,
    /// The ManagedCluster, when its agent has created it.
    pub cluster: Option<ManagedCluster>,
    /// The cluster's CSRs with no Approved, Denied or Failed condition, with what
    /// [`check_csr`](super::check_csr) says of each (under the default [`CsrPolicy`]).
    pub pending_csrs: Vec<(
        CertificateSigningRequest,
        Result<super::CsrIdentity, CsrRejected>,
    )>,
}

/// Options of [`ManagedClusters::accept`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AcceptParams {
    /// Wait up to this long for the ManagedCluster and a bootstrap CSR to appear (as
    /// `clusteradm accept --wait`). `None` accepts what is there now.
    pub wait: Option<Duration>,
    /// Also approve renewal CSRs (requested by the cluster's own agent, not the bootstrap
    /// identity). Off by default: the Go hub approves renewals itself.
    pub approve_renewals: bool,
    /// The rules a CSR must pass (who may bootstrap, the longest certificate). The default
    /// knows OCM's bootstrap service accounts; add your bootstrap user or group.
    pub policy: CsrPolicy,
}

impl AcceptParams {
    /// Wait up to `timeout` for the ManagedCluster and its bootstrap CSR.
    pub fn wait(mut self, timeout: Duration) -> Self {
        self.wait = Some(timeout);
        self
    }

    /// The rules a CSR must pass.
    pub fn policy(mut self, policy: CsrPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Also approve renewal CSRs.
    pub fn approve_renewals(mut self, on: bool) -> Self {
        self.approve_renewals = on;
        self
    }
}

/// What [`ManagedClusters::accept`] did.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AcceptOutcome {
    /// CSRs approved by this call.
    pub approved: Vec<String>,
    /// Pending CSRs of the cluster left alone, with why each was refused.
    pub refused: Vec<(String, Refusal)>,
    /// Whether `hubAcceptsClient` was already `true`.
    pub already_accepted: bool,
    /// Whether a CSR of the cluster was already approved before this call.
    pub already_approved: bool,
}

/// Options of [`ManagedClusters::deny`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DenyParams {
    /// Also deny the cluster's pending CSRs (default on).
    pub deny_pending_csrs: bool,
}

impl Default for DenyParams {
    fn default() -> Self {
        Self {
            deny_pending_csrs: true,
        }
    }
}

impl DenyParams {
    /// Whether to deny the cluster's pending CSRs as well.
    pub fn deny_pending_csrs(mut self, on: bool) -> Self {
        self.deny_pending_csrs = on;
        self
    }
}

impl ManagedClusters {
    /// Clusters that wait for the hub: not accepted, or with undecided CSRs. Sorted by name.
    pub async fn pending(&self) -> Result<Vec<PendingCluster>> {
        let clusters = self
            .clusters
            .list(&ListParams::default())
            .await
            .context(|| "listing ManagedClusters")?;
        let csrs = self
            .csrs
            .list(&ListParams::default().labels(labels::CLUSTER_NAME))
            .await
            .context(|| "listing registration CSRs")?;
        let mut out = std::collections::BTreeMap::<String, PendingCluster>::new();
        for c in clusters.items {
            let Some(name) = c.metadata.name.clone() else {
                continue;
            };
            let accepted = c.spec.hub_accepts_client;
            out.insert(
                name.clone(),
                PendingCluster {
                    name,
                    accepted,
                    cluster: Some(c),
                    pending_csrs: Vec::new(),
                },
            );
        }
        for csr in csrs.items {
            if !is_pending(&csr) {
                continue;
            }
            let Some(name) = cluster_label(&csr) else {
                continue;
            };
            let entry = out
                .entry(name.to_string())
                .or_insert_with(|| PendingCluster {
                    name: name.to_string(),
                    accepted: false,
                    cluster: None,
                    pending_csrs: Vec::new(),
                });
            let checked = CsrPolicy::default().check(&csr);
            entry.pending_csrs.push((csr, checked));
        }
        Ok(out
            .into_values()
            .filter(|p| !p.accepted || !p.pending_csrs.is_empty())
            .collect())
    }

    /// Accepts a cluster as `clusteradm accept` does — approve its pending bootstrap CSRs and set
    /// `hubAcceptsClient` — but approves only a CSR that passes the rules of
    /// [`check_csr`](super::check_csr) under [`AcceptParams::policy`] **for this cluster's
    /// identity**: a CSR labelled for `name` that asks for another cluster's
    /// certificate, or that fails any rule, is refused and listed in the outcome.
    ///
    /// Like `clusteradm accept`, it fails when there is neither a CSR to approve nor one already
    /// approved; with [`AcceptParams::wait`] it waits for one (and for the ManagedCluster).
    pub async fn accept(&self, name: &str, params: &AcceptParams) -> Result<AcceptOutcome> {
        let action = || format!("accepting cluster {name:?}");
        let deadline = params.wait.map(|w| tokio::time::Instant::now() + w);
        let mut outcome = AcceptOutcome::default();
        loop {
            self.approve_csrs(name, params, &mut outcome).await?;
            let cluster = self
                .clusters
                .get_opt(name)
                .await
                .context(|| format!("{}: reading the ManagedCluster", action()))?;
            if let Some(cluster) = &cluster {
                if cluster.spec.hub_accepts_client {
                    outcome.already_accepted |= outcome.approved.is_empty();
                } else {
                    self.set_hub_accepts_client(name, true).await?;
                }
            }
            let has_csr = !outcome.approved.is_empty() || outcome.already_approved;
            if cluster.is_some() && has_csr {
                return Ok(outcome);
            }
            let missing = match (cluster.is_some(), has_csr) {
                (false, _) => "the ManagedCluster does not exist",
                _ => "no bootstrap CSR to approve",
            };
            match deadline {
                Some(d) if tokio::time::Instant::now() < d => {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                Some(_) => {
                    return Err(Error::Timeout {
                        action: action(),
                        timeout: params.wait.unwrap_or_default(),
                        last_seen: Some(format!("{missing}; refused CSRs: {:?}", outcome.refused)),
                    });
                }
                None => {
                    return Err(Error::Invalid {
                        action: action(),
                        reason: format!("{missing}; refused CSRs: {:?}", outcome.refused),
                    });
                }
            }
        }
    }

    async fn approve_csrs(
        &self,
        name: &str,
        params: &AcceptParams,
        outcome: &mut AcceptOutcome,
    ) -> Result<()> {
        let csrs = self
            .csrs
            .list(&ListParams::default().labels(&format!("{}={name}", labels::CLUSTER_NAME)))
            .await
            .context(|| format!("accepting cluster {name:?}: listing its CSRs"))?;
        for csr in csrs.items {
            let Some(csr_name) = csr.metadata.name.clone() else {
                continue;
            };
            if is_approved(&csr) {
                outcome.already_approved = true;
                continue;
            }
            if !is_pending(&csr) || outcome.refused.iter().any(|(n, _)| *n == csr_name) {
                continue;
            }
            let refusal = match params.policy.check(&csr) {
                Ok(id) if id.cluster_name != name => Some(Refusal::OtherCluster {
                    cluster: id.cluster_name,
                }),
                Ok(id) if id.kind == CsrRequestKind::Renewal && !params.approve_renewals => {
                    Some(Refusal::Renewal)
                }
                Ok(_) => None,
                Err(e) => Some(Refusal::Rejected(e)),
            };
            if let Some(rule) = refusal {
                tracing::warn!(cluster = name, csr = %csr_name, %rule, "not approving CSR");
                outcome.refused.push((csr_name, rule));
                continue;
            }
            self.set_csr_condition(
                &csr,
                "Approved",
                APPROVE_REASON,
                "approved by ocm-rs accept",
            )
            .await
            .map_err(|e| prefix(e, &format!("accepting cluster {name:?}")))?;
            tracing::info!(cluster = name, csr = %csr_name, "approved CSR");
            outcome.approved.push(csr_name);
        }
        Ok(())
    }

    /// Denies a cluster: sets `hubAcceptsClient` to `false` (the hub then removes the agent's
    /// RBAC and marks the cluster `HubAcceptedManagedCluster=False`) and, by default, denies its
    /// pending CSRs. Denying a cluster that does not exist only denies its CSRs.
    pub async fn deny(&self, name: &str, params: &DenyParams) -> Result<()> {
        if self
            .clusters
            .get_opt(name)
            .await
            .context(|| format!("denying cluster {name:?}: reading the ManagedCluster"))?
            .is_some()
        {
            self.set_hub_accepts_client(name, false).await?;
        }
        if params.deny_pending_csrs {
            let csrs = self
                .csrs
                .list(&ListParams::default().labels(&format!("{}={name}", labels::CLUSTER_NAME)))
                .await
                .context(|| format!("denying cluster {name:?}: listing its CSRs"))?;
            for csr in csrs.items.iter().filter(|c| is_pending(c)) {
                self.set_csr_condition(csr, "Denied", DENY_REASON, "denied by ocm-rs deny")
                    .await
                    .map_err(|e| prefix(e, &format!("denying cluster {name:?}")))?;
            }
        }
        Ok(())
    }

    async fn set_hub_accepts_client(&self, name: &str, accept: bool) -> Result<()> {
        self.clusters
            .patch(
                name,
                &PatchParams::default(),
                &Patch::Merge(json!({"spec": {"hubAcceptsClient": accept}})),
            )
            .await
            .context(|| format!("setting hubAcceptsClient={accept} on ManagedCluster {name:?}"))?;
        Ok(())
    }

    async fn set_csr_condition(
        &self,
        csr: &CertificateSigningRequest,
        type_: &str,
        reason: &str,
        message: &str,
    ) -> Result<()> {
        let name = csr.metadata.name.clone().unwrap_or_default();
        let mut conditions = csr
            .status
            .as_ref()
            .and_then(|s| s.conditions.clone())
            .unwrap_or_default();
        conditions.push(CertificateSigningRequestCondition {
            type_: type_.to_string(),
            status: "True".to_string(),
            reason: Some(reason.to_string()),
            message: Some(message.to_string()),
            last_update_time: Some(Time(now())),
            ..Default::default()
        });
        self.csrs
            .patch_approval(
                &name,
                &PatchParams::default(),
                &Patch::Merge(json!({"status": {"conditions": conditions}})),
            )
            .await
            .context(|| format!("setting {type_} on CSR {name:?}"))?;
        Ok(())
    }
}

/// Why [`ManagedClusters::accept`] left a pending CSR of the cluster alone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The policy refused it; the rule is named.
    #[error(transparent)]
    Rejected(CsrRejected),
    /// It is valid, but asks for another cluster's identity.
    #[error("the CSR asks for a certificate of cluster {cluster:?}")]
    OtherCluster {
        /// The cluster it asks for.
        cluster: String,
    },
    /// It is a renewal (requested by the cluster's own agent), and
    /// [`AcceptParams::approve_renewals`] is off.
    #[error("the CSR is a renewal by the cluster's own agent, not a bootstrap request")]
    Renewal,
}

fn cluster_label(csr: &CertificateSigningRequest) -> Option<&str> {
    csr.metadata
        .labels
        .as_ref()
        .and_then(|l| l.get(labels::CLUSTER_NAME))
        .map(String::as_str)
}

fn is_approved(csr: &CertificateSigningRequest) -> bool {
    csr.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Approved"))
}

fn prefix(e: Error, what: &str) -> Error {
    match e {
        Error::Kube { action, source } => Error::Kube {
            action: format!("{what}: {action}"),
            source,
        },
        other => other,
    }
}
