//! Bootstrap: the ManagedCluster, the CSR and its certificate; then the joined phase.

use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use kube::api::{Api, ListParams, PostParams};
use ocm_api::cluster::v1::{ManagedCluster, ManagedClusterSpec};

use super::kubeconfig::{self, Bootstrap};
use super::{AgentError, Config, csr};
use crate::error::Context;

/// A capped exponential backoff for retries.
pub(crate) struct Backoff {
    next: Duration,
    max: Duration,
}

impl Backoff {
    pub(crate) fn new() -> Self {
        Self {
            next: Duration::from_millis(500),
            max: Duration::from_secs(30),
        }
    }

    /// The delay before the next retry (doubling, jittered by up to 25 %).
    pub(crate) fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        d.mul_f64(1.0 + 0.25 * fastrand::f64())
    }

    pub(crate) fn reset(&mut self) {
        self.next = Duration::from_millis(500);
    }
}

pub(crate) fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

pub(crate) async fn run(
    cfg: Arc<Config>,
    rotate: Arc<tokio::sync::Notify>,
) -> Result<(), AgentError> {
    let bootstrap = Bootstrap::read(&cfg.bootstrap)?;
    loop {
        let agent = match kubeconfig::read_hub_files(&cfg.hub_dir, &bootstrap, &cfg.cluster, now())
        {
            Some(files) => files.agent,
            None => {
                let agent = agent_name(&cfg);
                join(&cfg, &bootstrap, &agent).await?;
                agent
            }
        };
        tracing::info!(agent, "hub client config is ready");
        super::tasks::joined(&cfg, &bootstrap, &agent, &rotate).await?;
        tracing::warn!(
            "joined phase ended (client certificate expired or unreadable): checking the hub kubeconfig again"
        );
    }
}

fn agent_name(cfg: &Config) -> String {
    if let Some(name) = &cfg.agent_name {
        return name.clone();
    }
    let saved =
        std::fs::read_to_string(cfg.hub_dir.join(kubeconfig::AGENT_NAME_FILE)).unwrap_or_default();
    let saved = saved.trim();
    if !saved.is_empty() && !saved.contains(':') {
        return saved.to_string();
    }
    // A random UUID (version 4 layout), as Go names an agent with `uuid.NewUUID()`.
    let bits = fastrand::u128(..);
    let bits = (bits & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The bootstrap phase: the ManagedCluster, then a certificate from a bootstrap CSR.
pub(crate) async fn join(
    cfg: &Config,
    bootstrap: &Bootstrap,
    agent: &str,
) -> Result<(), AgentError> {
    let client = bootstrap.client().await?;
    ensure_cluster(cfg, bootstrap, &client).await?;
    loop {
        let (request, key) = csr::build_csr(&cfg.cluster, agent, cfg.expiration_seconds)?;
        match request_certificate(cfg, &client, request, &key).await {
            Ok(cert) => {
                return save(cfg, bootstrap, agent, &cert, key.as_bytes()).await;
            }
            // The CSR vanished or was signed for another key: a new one, as Go's driver does.
            Err(AgentError::Certificate { reason }) => {
                tracing::warn!(reason, "bootstrap CSR unusable: creating a new one");
            }
            Err(e) => return Err(e),
        }
    }
}

/// Go's creating controller: create the ManagedCluster when absent; update its client configs
/// when their number differs; Unauthorized/Forbidden are ignored (after a bootstrap identity
/// expired). Retries other errors with backoff.
async fn ensure_cluster(
    cfg: &Config,
    bootstrap: &Bootstrap,
    client: &kube::Client,
) -> Result<(), AgentError> {
    let api: Api<ManagedCluster> = Api::all(client.clone());
    let mut backoff = Backoff::new();
    loop {
        match try_ensure_cluster(cfg, &api).await {
            Ok(()) => return Ok(()),
            Err(kube::Error::Api(s)) if s.code == 401 || s.code == 403 => {
                tracing::debug!(reason = %s.message, "not allowed to read or create the ManagedCluster: skipping");
                return Ok(());
            }
            Err(kube::Error::Api(s)) if s.code == 404 => {
                return Err(AgentError::NotAHub {
                    server: bootstrap.server().to_string(),
                    found: s.message,
                });
            }
            Err(e) => {
                let delay = backoff.next_delay();
                tracing::warn!(error = %e, retry_in = ?delay, "creating the ManagedCluster failed: retrying");
                tokio::time::sleep(delay).await;
            }
        }
    }
}

async fn try_ensure_cluster(cfg: &Config, api: &Api<ManagedCluster>) -> Result<(), kube::Error> {
    let existing = api.get_opt(&cfg.cluster).await?;
    let mut cluster = existing.clone().unwrap_or_else(|| {
        let mut c = ManagedCluster::new(&cfg.cluster, ManagedClusterSpec::default());
        c.spec.lease_duration_seconds = cfg
            .lease_duration
            .map(|d| i32::try_from(d.as_secs().max(1)).unwrap_or(i32::MAX));
        c
    });
    let prefix = ocm_api::annotations::CLUSTER_ANNOTATIONS_PREFIX;
    for (k, v) in &cfg.annotations {
        if k.starts_with(prefix) {
            cluster
                .metadata
                .annotations
                .get_or_insert_default()
                .insert(k.clone(), v.clone());
        } else {
            tracing::warn!(annotation = %k, "annotation is not prefixed with {prefix:?}: ignored");
        }
    }
    let configs = cluster
        .spec
        .managed_cluster_client_configs
        .get_or_insert_default();
    for c in &cfg.client_configs {
        if !configs.iter().any(|e| e.url == c.url) {
            configs.push(c.clone());
        }
    }
    match existing {
        None => match api.create(&PostParams::default(), &cluster).await {
            Ok(_) => {
                tracing::info!("ManagedCluster created on the hub");
                Ok(())
            }
            Err(kube::Error::Api(s)) if s.code == 409 => Ok(()),
            Err(e) => Err(e),
        },
        Some(old) => {
            let count = |c: &ManagedCluster| {
                c.spec
                    .managed_cluster_client_configs
                    .as_ref()
                    .map_or(0, Vec::len)
            };
            if count(&old) != count(&cluster) {
                api.replace(&cfg.cluster, &PostParams::default(), &cluster)
                    .await?;
            }
            Ok(())
        }
    }
}

/// Creates the CSR and waits for its certificate: Denied is an error, transient errors are
/// retried, the wait is logged every 30 s and ends at the approval timeout, if any.
pub(crate) async fn request_certificate(
    cfg: &Config,
    client: &kube::Client,
    request: CertificateSigningRequest,
    key_pem: &str,
) -> Result<Vec<u8>, AgentError> {
    let api: Api<CertificateSigningRequest> = Api::all(client.clone());
    let mut backoff = Backoff::new();
    let name = loop {
        // Go's CSR driver halts while the hub holds 10 or more of the cluster's CSRs.
        match cluster_csrs(&api, &cfg.cluster).await {
            Ok(n) if n >= MAX_CLUSTER_CSRS => {
                let delay = backoff.next_delay();
                tracing::warn!(csrs = n, retry_in = ?delay, "too many CSRs of this cluster on the hub: not creating another yet");
                tokio::time::sleep(delay).await;
                continue;
            }
            Ok(_) => {}
            // The count is a guard only: when it cannot be read, create anyway.
            Err(e) => tracing::debug!(error = %e, "counting the cluster's CSRs failed"),
        }
        match api.create(&PostParams::default(), &request).await {
            Ok(created) => break created.metadata.name.unwrap_or_default(),
            Err(e) => {
                let delay = backoff.next_delay();
                tracing::warn!(error = %e, retry_in = ?delay, "creating the CSR failed: retrying");
                tokio::time::sleep(delay).await;
            }
        }
    };
    tracing::info!(csr = %name, "CSR created: waiting for approval and the certificate");
    let started = Instant::now();
    let mut logged = Instant::now();
    let mut backoff = Backoff::new();
    loop {
        let state = match api
            .get_opt(&name)
            .await
            .context(|| format!("reading CSR {name}"))
        {
            Ok(Some(csr)) => match csr_state(&csr) {
                CsrState::Denied(reason, message) => {
                    return Err(AgentError::CsrDenied {
                        name,
                        reason,
                        message,
                    });
                }
                CsrState::Issued(cert) if csr::certificate_matches_key(&cert, key_pem) => {
                    return Ok(cert);
                }
                CsrState::Issued(_) => "issued a certificate for another key".to_string(),
                CsrState::Approved => "approved, waiting for the signer".to_string(),
                CsrState::Pending => "pending approval".to_string(),
            },
            Ok(None) => "deleted".to_string(),
            Err(e) => e.to_string(),
        };
        if state == "deleted" || state.starts_with("issued") {
            // Go resets and creates a new CSR at its next sync; so do we, through the caller.
            return Err(AgentError::Certificate {
                reason: format!("CSR {name:?} {state}"),
            });
        }
        if let Some(timeout) = cfg.approval_timeout
            && started.elapsed() >= timeout
        {
            return Err(AgentError::CsrTimeout {
                name,
                waited: started.elapsed(),
            });
        }
        if logged.elapsed() >= Duration::from_secs(30) {
            tracing::info!(csr = %name, waited = ?started.elapsed(), state, "still waiting for the CSR's certificate");
            logged = Instant::now();
        }
        tokio::time::sleep(backoff.next_delay().min(Duration::from_secs(2))).await;
    }
}

/// Go's `clusterCSRThreshold`: no new CSR while the hub holds this many of the cluster's.
pub(crate) const MAX_CLUSTER_CSRS: usize = 10;

async fn cluster_csrs(
    api: &Api<CertificateSigningRequest>,
    cluster: &str,
) -> Result<usize, kube::Error> {
    let selector = format!(
        "{}={cluster},!{}",
        ocm_api::labels::CLUSTER_NAME,
        ocm_api::labels::ADDON_NAME
    );
    // From the apiserver's watch cache (resourceVersion 0), as Go counts from its informer:
    // a quorum list would read every CSR of the hub from etcd, for each of a thousand agents.
    Ok(api
        .list(&ListParams::default().labels(&selector).match_any())
        .await?
        .items
        .len())
}

enum CsrState {
    Pending,
    Approved,
    Denied(String, String),
    Issued(Vec<u8>),
}

fn csr_state(csr: &CertificateSigningRequest) -> CsrState {
    let status = csr.status.as_ref();
    let conditions = status
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    if let Some(d) = conditions
        .iter()
        .find(|c| c.type_ == "Denied" || c.type_ == "Failed")
    {
        return CsrState::Denied(
            d.reason.clone().unwrap_or_default(),
            d.message.clone().unwrap_or_default(),
        );
    }
    if !conditions.iter().any(|c| c.type_ == "Approved") {
        return CsrState::Pending;
    }
    match status.and_then(|s| s.certificate.as_ref()) {
        Some(cert) if !cert.0.is_empty() => CsrState::Issued(cert.0.clone()),
        _ => CsrState::Approved,
    }
}

/// Writes the hub kubeconfig directory, then the Secret when one was asked for.
pub(crate) async fn save(
    cfg: &Config,
    bootstrap: &Bootstrap,
    agent: &str,
    cert: &[u8],
    key: &[u8],
) -> Result<(), AgentError> {
    kubeconfig::write_hub_kubeconfig(&cfg.hub_dir, bootstrap, &cfg.cluster, agent, cert, key)?;
    if let Some((client, namespace)) = &cfg.secret {
        let secret = super::secret::hub_kubeconfig_secret(
            namespace,
            bootstrap,
            &cfg.cluster,
            agent,
            cert,
            key,
        );
        super::secret::save_secret(client, secret).await?;
    }
    Ok(())
}
