//! The joined phase: a watch on the ManagedCluster feeding the lease, status and rotation loops.

use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::conditions;
use tokio::sync::watch;

use super::kubeconfig::{self, Bootstrap};
use super::run::{Backoff, now, request_certificate};
use super::{AgentError, Config, csr, status};
use crate::hubs::{ReloadParams, client_from_kubeconfig};

/// The lease the agent renews in its cluster namespace.
pub const LEASE_NAME: &str = "managed-cluster-lease";

type Cluster = watch::Receiver<Option<ManagedCluster>>;

/// Runs until the certificate expired (then `Ok`: the caller bootstraps again) or a fatal error.
pub(crate) async fn joined(
    cfg: &Config,
    bootstrap: &Bootstrap,
    agent: &str,
    rotate: &tokio::sync::Notify,
) -> Result<(), AgentError> {
    let path = cfg.hub_dir.join(kubeconfig::KUBECONFIG_FILE);
    let params = ReloadParams::default().check_interval(Duration::ZERO);
    let hub = client_from_kubeconfig(&path, &params).await?;
    let (tx, rx) = watch::channel(None);
    tokio::select! {
        // These three run until their watch ends, which a kube watcher never does.
        _ = watch_cluster(&hub, &cfg.cluster, tx) => Ok(()),
        _ = renew_lease(&hub, &cfg.cluster, rx.clone()) => Ok(()),
        _ = report_status(&hub, cfg, rx.clone()) => Ok(()),
        r = rotate_certificate(&hub, cfg, bootstrap, agent, rotate) => r,
    }
}

async fn watch_cluster(hub: &kube::Client, name: &str, tx: watch::Sender<Option<ManagedCluster>>) {
    let api: Api<ManagedCluster> = Api::all(hub.clone());
    // Lists from the watch cache: a quorum list reads every ManagedCluster from etcd before
    // the field selector applies, which a thousand agents in one process cannot afford.
    let config = watcher::Config::default()
        .fields(&format!("metadata.name={name}"))
        .any_semantic();
    let mut stream = std::pin::pin!(watcher(api, config));
    // Right after joining, the hub may not have created the cluster's RBAC yet (403 for a
    // while). The full backoff (to 30 s) is kept: a denied request is the costliest for the
    // hub's RBAC authorizer (it reads every binding), and a thousand agents retry at once.
    let mut backoff = Backoff::new();
    while let Some(event) = stream.next().await {
        match event {
            Ok(watcher::Event::Apply(c) | watcher::Event::InitApply(c)) => {
                backoff.reset();
                tx.send_replace(Some(c));
            }
            Ok(watcher::Event::Delete(_)) => {
                tx.send_replace(None);
            }
            Ok(_) => {}
            Err(e) => {
                let delay = backoff.next_delay();
                let forbidden = matches!(
                    &e,
                    watcher::Error::InitialListFailed(kube::Error::Api(s))
                        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
                        if s.code == 403
                );
                if forbidden {
                    tracing::info!(retry_in = ?delay, "not allowed to watch the ManagedCluster yet (the hub creates the cluster's RBAC after accepting it): retrying");
                } else {
                    tracing::warn!(error = %e, retry_in = ?delay, "watching the ManagedCluster failed: retrying");
                }
                tokio::time::sleep(delay).await;
            }
        }
    }
}

fn accepted(c: &Option<ManagedCluster>) -> Option<Duration> {
    let c = c.as_ref()?;
    let conds = c
        .status
        .as_ref()
        .map(|s| s.conditions.as_slice())
        .unwrap_or_default();
    conditions::is_true(conds, conditions::MANAGED_CLUSTER_HUB_ACCEPTED).then(|| {
        let secs = c
            .spec
            .lease_duration_seconds
            .filter(|s| *s > 0)
            .unwrap_or(60);
        Duration::from_secs(secs as u64)
    })
}

/// Go's lease controller: while HubAccepted=True, GET then UPDATE `renewTime` at once and then
/// every lease duration with jitter 0.25; restart when the duration changes.
async fn renew_lease(hub: &kube::Client, cluster: &str, mut rx: Cluster) {
    let api: Api<Lease> = Api::namespaced(hub.clone(), cluster);
    let mut running: Option<Duration> = None;
    let mut next = tokio::time::Instant::now();
    loop {
        let wanted = accepted(&rx.borrow_and_update());
        if wanted != running {
            match wanted {
                Some(d) => tracing::info!(every = ?d, "starting to renew the lease"),
                None if running.is_some() => {
                    tracing::info!("cluster not accepted: stopping the lease")
                }
                None => {}
            }
            running = wanted;
            next = tokio::time::Instant::now();
        }
        let sleep = async {
            match running {
                Some(_) => tokio::time::sleep_until(next).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            changed = rx.changed() => if changed.is_err() { return },
            _ = sleep => {
                if let Err(e) = update_lease(&api).await {
                    tracing::warn!(error = %e, "renewing the lease failed");
                }
                let d = running.unwrap_or(Duration::from_secs(60));
                next = tokio::time::Instant::now() + d.mul_f64(1.0 + 0.25 * fastrand::f64());
            }
        }
    }
}

async fn update_lease(api: &Api<Lease>) -> Result<(), kube::Error> {
    let mut lease = api.get(LEASE_NAME).await?;
    lease.spec.get_or_insert_default().renew_time = Some(MicroTime(jiff::Timestamp::now()));
    api.replace(LEASE_NAME, &PostParams::default(), &lease)
        .await?;
    tracing::debug!("lease renewed");
    Ok(())
}

/// Go's status controller: on every change of the cluster and every `status_interval`.
async fn report_status(hub: &kube::Client, cfg: &Config, mut rx: Cluster) {
    let api: Api<ManagedCluster> = Api::all(hub.clone());
    let mut backoff = Backoff::new();
    let mut retry = false;
    loop {
        let cluster = rx.borrow_and_update().clone();
        if let Some(cluster) = cluster {
            let mut report = cfg.report.clone();
            report.health = (cfg.health)();
            let new = status::desired_status(&cluster, &report);
            retry = false;
            let clock_out_of_sync =
                conditions::is_false(&new.conditions, conditions::MANAGED_CLUSTER_CLOCK_SYNCED);
            if clock_out_of_sync {
                // As Go: the hub says our clock is off, so no status is written.
                tracing::warn!(
                    "the hub reports this cluster's clock out of sync: not updating the status"
                );
            } else if let Some(patch) = status::status_patch(&cluster, &new) {
                match api
                    .patch_status(&cfg.cluster, &PatchParams::default(), &Patch::Merge(&patch))
                    .await
                {
                    Ok(_) => {
                        backoff.reset();
                        tracing::debug!("status patched");
                    }
                    // A conflict: the watch brings the newer object, and a new attempt with it.
                    Err(kube::Error::Api(s)) if s.code == 409 => {
                        tracing::debug!("status patch conflicted: retrying with the newer object");
                        retry = true;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "patching the ManagedCluster status failed: retrying");
                        retry = true;
                    }
                }
            }
        }
        let wait = if retry {
            backoff.next_delay()
        } else {
            cfg.status_interval
        };
        tokio::select! {
            changed = rx.changed() => if changed.is_err() { return },
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// Go's CSR driver after bootstrap: a renewal CSR (signed in with the current certificate) when
/// the remaining lifetime falls under a random 20–25 %, or at [`Agent::rotate_now`](super::Agent::rotate_now);
/// `Ok` when the certificate expired (the caller bootstraps again).
async fn rotate_certificate(
    hub: &kube::Client,
    cfg: &Config,
    bootstrap: &Bootstrap,
    agent: &str,
    rotate: &tokio::sync::Notify,
) -> Result<(), AgentError> {
    let cert_path = cfg.hub_dir.join(kubeconfig::TLS_CERT_FILE);
    let mut backoff = Backoff::new();
    let mut forced = false;
    loop {
        let validity = std::fs::read(&cert_path)
            .map_err(|e| AgentError::Certificate {
                reason: format!("{}: {e}", cert_path.display()),
            })
            .and_then(|pem| csr::Validity::from_pem(&pem));
        let due = match &validity {
            Ok(v) if v.is_expired(now()) => return Ok(()),
            Ok(v) => forced || v.needs_rotation(now(), csr::rotation_threshold()),
            Err(e) => {
                tracing::warn!(error = %e, "reading the client certificate failed: bootstrapping again");
                return Ok(());
            }
        };
        let mut wait = cfg.rotation_check_interval;
        if due {
            tracing::info!(forced, "rotating the client certificate");
            // A renewal still unsigned when the certificate expires is abandoned for bootstrap.
            let expires = match &validity {
                Ok(v) => Duration::from_secs(u64::try_from(v.not_after - now()).unwrap_or(0) + 1),
                Err(_) => Duration::ZERO,
            };
            let renewed = tokio::select! {
                r = renew(hub, cfg, bootstrap, agent) => r,
                _ = tokio::time::sleep(expires) => {
                    tracing::warn!("the client certificate expired while renewing it");
                    return Ok(());
                }
            };
            match renewed {
                Ok(()) => {
                    forced = false;
                    backoff.reset();
                    tracing::info!("client certificate rotated");
                }
                Err(e @ (AgentError::Io { .. } | AgentError::Crypto { .. })) => return Err(e),
                Err(e) => {
                    wait = backoff.next_delay();
                    tracing::warn!(error = %e, retry_in = ?wait, "rotating the client certificate failed: retrying");
                }
            }
        }
        tokio::select! {
            _ = rotate.notified() => forced = true,
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

async fn renew(
    hub: &kube::Client,
    cfg: &Config,
    bootstrap: &Bootstrap,
    agent: &str,
) -> Result<(), AgentError> {
    let (request, key) = csr::build_csr(&cfg.cluster, agent, cfg.expiration_seconds)?;
    let cert = request_certificate(cfg, hub, request, &key).await?;
    super::run::save(cfg, bootstrap, agent, &cert, key.as_bytes()).await?;
    if let Ok(v) = csr::Validity::from_pem(&cert) {
        let rotated = conditions::new(
            "ClusterCertificateRotated",
            conditions::status::TRUE,
            "ClientCertificateUpdated",
            format!(
                "client certificate rotated starting from {} to {}",
                ts(v.not_before),
                ts(v.not_after)
            ),
        );
        set_condition(hub, &cfg.cluster, rotated).await;
    }
    Ok(())
}

fn ts(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// Go's `GenerateStatusUpdater`: set one condition with a status merge patch; failures logged.
async fn set_condition(
    hub: &kube::Client,
    name: &str,
    condition: k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition,
) {
    let api: Api<ManagedCluster> = Api::all(hub.clone());
    let Ok(Some(cluster)) = api.get_opt(name).await else {
        return;
    };
    let mut new = cluster.status.clone().unwrap_or_default();
    conditions::set(&mut new.conditions, condition);
    if let Some(patch) = status::status_patch(&cluster, &new)
        && let Err(e) = api
            .patch_status(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
    {
        tracing::warn!(error = %e, "setting ClusterCertificateRotated failed");
    }
}
