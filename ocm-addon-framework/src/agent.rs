//! Agent side: what an add-on's agent on a managed cluster needs from the framework.
//!
//! - The klusterlet's registration agent writes the agent's hub credentials into the secret
//!   [`hub_kubeconfig_secret_name`] (`<addon>-hub-kubeconfig`) in the install namespace: keys
//!   `kubeconfig` (referring to `tls.crt` and `tls.key` next to it), `tls.crt`, `tls.key`,
//!   `cluster-name`, `agent-name`. In a pod this secret is mounted as a directory;
//!   [`write_hub_kubeconfig`] writes the same files from the secret for an agent that is not
//!   a pod (or a test), and [`sync_hub_kubeconfig`] keeps them current.
//! - [`hub_client`] builds a hub client from that directory with `ocm-client`'s reloading
//!   client: when the klusterlet rotates the certificate, the next request uses the new one.
//! - [`AddonLease`] renews the add-on's lease (name: the add-on's, namespace: the install
//!   namespace), which the klusterlet turns into the `Available` condition when the add-on's
//!   health prober is [`Lease`](crate::HealthProber::Lease).
//!
//! ```no_run
//! use std::time::Duration;
//! use ocm_addon_framework::agent::{self, AddonLease};
//! # async fn demo(managed: kube::Client) -> Result<(), ocm_addon_framework::Error> {
//! let dir = std::path::Path::new("/tmp/hello-hub");
//! agent::write_hub_kubeconfig(&managed, "open-cluster-management-agent-addon", "hello", dir).await?;
//! let hub = agent::hub_client(dir).await?;
//! tokio::spawn(AddonLease::new(managed, "open-cluster-management-agent-addon", "hello").run(Duration::from_secs(60)));
//! # let _ = hub; Ok(()) }
//! ```

use std::path::Path;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::Secret;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use kube::Api;
use kube::api::{ObjectMeta, Patch, PatchParams};
use kube::runtime::watcher;
use ocm_client::hubs::{ReloadParams, client_from_kubeconfig};
use tracing::warn;

use crate::error::{Error, Result};

/// The secret the klusterlet writes the agent's hub kubeconfig into.
pub fn hub_kubeconfig_secret_name(addon: &str) -> String {
    format!("{addon}-hub-kubeconfig")
}

/// The file names of the secret's keys this module writes.
const FILES: &[&str] = &["kubeconfig", "tls.crt", "tls.key"];

/// Reads the hub kubeconfig secret of `addon` in `namespace` on the managed cluster and writes
/// its `kubeconfig`, `tls.crt` and `tls.key` into `dir` (created if needed), each only when it
/// changed. `Ok(false)` when the secret does not exist yet or lacks a key (the klusterlet has
/// not finished registering).
pub async fn write_hub_kubeconfig(
    managed: &kube::Client,
    namespace: &str,
    addon: &str,
    dir: &Path,
) -> Result<bool> {
    let secrets: Api<Secret> = Api::namespaced(managed.clone(), namespace);
    let Some(secret) = secrets.get_opt(&hub_kubeconfig_secret_name(addon)).await? else {
        return Ok(false);
    };
    write_secret(&secret, dir).await
}

async fn write_secret(secret: &Secret, dir: &Path) -> Result<bool> {
    let data = secret.data.clone().unwrap_or_default();
    if FILES
        .iter()
        .any(|f| data.get(*f).is_none_or(|v| v.0.is_empty()))
    {
        return Ok(false);
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    tokio::fs::create_dir_all(dir).await.map_err(io(dir))?;
    // Keys first, kubeconfig last: a reader that sees the new kubeconfig sees the new pair.
    for file in ["tls.key", "tls.crt", "kubeconfig"] {
        let path = dir.join(file);
        let new = &data[file].0;
        if tokio::fs::read(&path).await.ok().as_ref() == Some(new) {
            continue;
        }
        let tmp = dir.join(format!(".{file}.tmp"));
        tokio::fs::write(&tmp, new).await.map_err(io(&tmp))?;
        tokio::fs::rename(&tmp, &path).await.map_err(io(&path))?;
    }
    Ok(true)
}

/// Keeps `dir` in step with the hub kubeconfig secret (what a volume mount does for a pod):
/// watches the secret and rewrites the files on each change. Runs until cancelled.
pub async fn sync_hub_kubeconfig(
    managed: kube::Client,
    namespace: String,
    addon: String,
    dir: std::path::PathBuf,
) {
    let secrets: Api<Secret> = Api::namespaced(managed, &namespace);
    let config = watcher::Config::default().fields(&format!(
        "metadata.name={}",
        hub_kubeconfig_secret_name(&addon)
    ));
    let mut stream = std::pin::pin!(watcher::watcher(secrets, config));
    while let Some(event) = stream.next().await {
        match event {
            Ok(watcher::Event::Apply(s) | watcher::Event::InitApply(s)) => {
                if let Err(e) = write_secret(&s, &dir).await {
                    warn!(error = %e, "writing the hub kubeconfig");
                }
            }
            Ok(_) => {}
            Err(e) => warn!(error = %e, "watching the hub kubeconfig secret"),
        }
    }
}

/// A hub client from the directory [`write_hub_kubeconfig`] (or a volume mount) fills: it
/// reloads the kubeconfig and certificate when the files change, so it survives the
/// klusterlet's certificate rotation.
pub async fn hub_client(dir: &Path) -> Result<kube::Client> {
    Ok(client_from_kubeconfig(dir.join("kubeconfig"), &ReloadParams::default()).await?)
}

/// The add-on's lease on the managed cluster.
#[derive(Clone)]
pub struct AddonLease {
    api: Api<Lease>,
    name: String,
}

/// The lease duration written, in seconds (the klusterlet's grace period is 5 × 60 s).
pub const LEASE_DURATION_SECONDS: i32 = 60;

impl AddonLease {
    /// The lease `addon` in `namespace` (the install namespace) on the managed cluster.
    pub fn new(managed: kube::Client, namespace: &str, addon: &str) -> Self {
        AddonLease {
            api: Api::namespaced(managed, namespace),
            name: addon.to_string(),
        }
    }

    /// Renews it once (creating it when missing), with server-side apply.
    pub async fn renew(&self) -> Result<()> {
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(self.name.clone()),
                ..Default::default()
            },
            spec: Some(LeaseSpec {
                renew_time: Some(MicroTime(jiff::Timestamp::now())),
                lease_duration_seconds: Some(LEASE_DURATION_SECONDS),
                ..Default::default()
            }),
        };
        let mut value = serde_json::to_value(&lease)?;
        value["apiVersion"] = "coordination.k8s.io/v1".into();
        value["kind"] = "Lease".into();
        self.api
            .patch(
                &self.name,
                &PatchParams::apply(crate::FIELD_MANAGER).force(),
                &Patch::Apply(value),
            )
            .await?;
        Ok(())
    }

    /// Renews it every `every` until cancelled; failures are logged and retried at the next tick.
    pub async fn run(self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = self.renew().await {
                warn!(error = %e, lease = %self.name, "renewing the add-on lease");
            }
        }
    }
}
