//! The bootstrap kubeconfig, and the hub kubeconfig directory the agent writes.

use std::path::{Path, PathBuf};

use kube::config::{Cluster, KubeConfigOptions, Kubeconfig};

use super::AgentError;

/// File name of the hub kubeconfig in the directory (Go's `KubeconfigFile`).
pub const KUBECONFIG_FILE: &str = "kubeconfig";
/// File name of the client certificate (Go's `TLSCertFile`).
pub const TLS_CERT_FILE: &str = "tls.crt";
/// File name of the client key (Go's `TLSKeyFile`).
pub const TLS_KEY_FILE: &str = "tls.key";
/// File name holding the cluster name (Go's `ClusterNameFile`).
pub const CLUSTER_NAME_FILE: &str = "cluster-name";
/// File name holding the agent name (Go's `AgentNameFile`).
pub const AGENT_NAME_FILE: &str = "agent-name";
/// The context of the hub kubeconfig (Go's `DefaultKubeConfigContext`).
pub const CONTEXT: &str = "default-context";
/// The user of the hub kubeconfig (Go's `DefaultKubeConfigAuth`).
pub const AUTH_INFO: &str = "default-auth";
/// The namespace of the hub kubeconfig's context, as Go writes it.
pub const CONTEXT_NAMESPACE: &str = "configuration";

/// A bootstrap kubeconfig, read and checked.
#[derive(Debug, Clone)]
pub struct Bootstrap {
    /// Where it was read from.
    pub path: PathBuf,
    /// The kubeconfig.
    pub kubeconfig: Kubeconfig,
    /// The name of its current context's cluster.
    pub cluster_name: String,
    /// That cluster.
    pub cluster: Cluster,
}

impl Bootstrap {
    /// Reads a bootstrap kubeconfig; fails when it is missing, unreadable or has no current
    /// context with a cluster and a server.
    pub fn read(path: impl AsRef<Path>) -> Result<Self, AgentError> {
        let path = path.as_ref().to_path_buf();
        let fail = |reason: String| AgentError::BootstrapKubeconfig {
            path: path.clone(),
            reason,
        };
        if !path.exists() {
            return Err(fail("expected a kubeconfig file, found none".into()));
        }
        let kubeconfig = Kubeconfig::read_from(&path).map_err(|e| fail(e.to_string()))?;
        let (cluster_name, cluster) = current_cluster(&kubeconfig).map_err(fail)?;
        if cluster.server.as_deref().unwrap_or_default().is_empty() {
            return Err(fail(format!(
                "expected a server for cluster {cluster_name:?}, found none"
            )));
        }
        Ok(Self {
            path,
            kubeconfig,
            cluster_name,
            cluster,
        })
    }

    /// A `kube::Client` with the bootstrap credentials.
    pub async fn client(&self) -> Result<kube::Client, AgentError> {
        let fail = |reason: String| AgentError::BootstrapKubeconfig {
            path: self.path.clone(),
            reason,
        };
        let config = kube::Config::from_custom_kubeconfig(
            self.kubeconfig.clone(),
            &KubeConfigOptions::default(),
        )
        .await
        .map_err(|e| fail(e.to_string()))?;
        kube::Client::try_from(config).map_err(|e| fail(e.to_string()))
    }

    /// The hub server URL.
    pub fn server(&self) -> &str {
        self.cluster.server.as_deref().unwrap_or_default()
    }
}

fn current_cluster(k: &Kubeconfig) -> Result<(String, Cluster), String> {
    let current = k.current_context.as_deref().unwrap_or_default();
    let context = k
        .contexts
        .iter()
        .find(|c| c.name == current)
        .and_then(|c| c.context.as_ref())
        .ok_or_else(|| format!("expected current context {current:?}, found no such context"))?;
    let cluster = k
        .clusters
        .iter()
        .find(|c| c.name == context.cluster)
        .and_then(|c| c.cluster.clone())
        .ok_or_else(|| {
            format!(
                "expected cluster {:?}, found no such cluster",
                context.cluster
            )
        })?;
    Ok((context.cluster.clone(), cluster))
}

/// The hub kubeconfig as Go's `BaseKubeConfigFromBootStrap` and the CSR driver build it: the
/// bootstrap cluster (server, CA, proxy) under its name, context `default-context` (namespace
/// `configuration`), user `default-auth` with `tls.crt` and `tls.key` relative to the
/// kubeconfig's directory. JSON, which every kubeconfig reader reads as YAML.
pub fn hub_kubeconfig(bootstrap: &Bootstrap) -> serde_json::Value {
    let c = &bootstrap.cluster;
    let mut cluster = serde_json::json!({ "server": bootstrap.server() });
    if let Some(ca) = &c.certificate_authority {
        cluster["certificate-authority"] = ca.clone().into();
    }
    if let Some(data) = &c.certificate_authority_data {
        cluster["certificate-authority-data"] = data.clone().into();
    }
    if let Some(proxy) = &c.proxy_url {
        cluster["proxy-url"] = proxy.clone().into();
    }
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{ "name": bootstrap.cluster_name, "cluster": cluster }],
        "users": [{ "name": AUTH_INFO, "user": {
            "client-certificate": TLS_CERT_FILE,
            "client-key": TLS_KEY_FILE,
        }}],
        "contexts": [{ "name": CONTEXT, "context": {
            "cluster": bootstrap.cluster_name,
            "user": AUTH_INFO,
            "namespace": CONTEXT_NAMESPACE,
        }}],
        "current-context": CONTEXT,
    })
}

/// Writes the hub kubeconfig directory: `kubeconfig`, `tls.crt`, `tls.key`, `cluster-name`,
/// `agent-name` (upstream's hub secret keys, as the Go agent dumps them to files). Each file is
/// written to a temporary name and renamed into place, the key before the certificate, so a
/// reader (such as [`hubs::client_from_kubeconfig`](crate::hubs::client_from_kubeconfig)) never
/// sees a half-written file and at worst sees a new key with the old certificate for an instant
/// (it then keeps its previous connection until the certificate follows).
pub fn write_hub_kubeconfig(
    dir: impl AsRef<Path>,
    bootstrap: &Bootstrap,
    cluster: &str,
    agent: &str,
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Result<(), AgentError> {
    let dir = dir.as_ref();
    let io = |what: &str, e: std::io::Error| AgentError::Io {
        action: format!("{what} in {}", dir.display()),
        source: e,
    };
    std::fs::create_dir_all(dir).map_err(|e| io("creating the hub kubeconfig directory", e))?;
    let kubeconfig = serde_json::to_vec_pretty(&hub_kubeconfig(bootstrap)).unwrap_or_default();
    for (name, data) in [
        (CLUSTER_NAME_FILE, cluster.as_bytes()),
        (AGENT_NAME_FILE, agent.as_bytes()),
        (TLS_KEY_FILE, key_pem),
        (TLS_CERT_FILE, cert_pem),
        (KUBECONFIG_FILE, kubeconfig.as_slice()),
    ] {
        write_atomically(&dir.join(name), data).map_err(|e| io(&format!("writing {name}"), e))?;
    }
    Ok(())
}

fn write_atomically(path: &Path, data: &[u8]) -> std::io::Result<()> {
    if std::fs::read(path).is_ok_and(|old| old == data) {
        return Ok(());
    }
    let tmp = path.with_extension(format!("tmp-{}", fastrand::u32(..)));
    std::fs::write(&tmp, data)?;
    #[cfg(unix)]
    if path.file_name().is_some_and(|n| n == TLS_KEY_FILE) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600))?;
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// What a hub kubeconfig directory holds, when it is usable for `bootstrap`, `cluster` (Go's
/// `IsHubKubeconfigValid` and the CSR driver's check): same server, proxy, CA and cluster name as
/// the bootstrap kubeconfig, a certificate and a key, the certificate issued to this cluster
/// (and to `agent`, when given) and not expired.
#[derive(Debug, Clone)]
pub struct HubFiles {
    /// The agent name the certificate was issued to.
    pub agent: String,
    /// The certificate PEM.
    pub cert_pem: Vec<u8>,
}

/// Reads the hub kubeconfig directory and says whether it is usable (see [`HubFiles`]); `None`
/// when it is not (then the agent bootstraps), with the reason logged.
pub fn read_hub_files(
    dir: &Path,
    bootstrap: &Bootstrap,
    cluster: &str,
    now: i64,
) -> Option<HubFiles> {
    let why = |reason: &str| {
        tracing::info!(dir = %dir.display(), reason, "hub kubeconfig is not usable: bootstrapping");
    };
    let Ok(hub) = Kubeconfig::read_from(dir.join(KUBECONFIG_FILE)) else {
        why("no readable kubeconfig");
        return None;
    };
    let Ok((name, c)) = current_cluster(&hub) else {
        why("no current cluster");
        return None;
    };
    let b = &bootstrap.cluster;
    if name != bootstrap.cluster_name
        || c.server != b.server
        || c.proxy_url != b.proxy_url
        || c.certificate_authority_data != b.certificate_authority_data
        || c.certificate_authority.is_some() != b.certificate_authority.is_some()
    {
        why("server, proxy, CA or cluster name differ from the bootstrap kubeconfig");
        return None;
    }
    let (Ok(cert_pem), true) = (
        std::fs::read(dir.join(TLS_CERT_FILE)),
        dir.join(TLS_KEY_FILE).exists(),
    ) else {
        why("no certificate or key");
        return None;
    };
    let Some((cert_cluster, agent)) = super::csr::cluster_and_agent(&cert_pem) else {
        why("the certificate is not an agent's");
        return None;
    };
    let agent_file = std::fs::read_to_string(dir.join(AGENT_NAME_FILE)).unwrap_or_default();
    if cert_cluster != cluster || (!agent_file.is_empty() && agent_file.trim() != agent) {
        why("the certificate was issued to another cluster or agent");
        return None;
    }
    match super::csr::Validity::from_pem(&cert_pem) {
        Ok(v) if !v.is_expired(now) => Some(HubFiles { agent, cert_pem }),
        _ => {
            why("the certificate is expired or unreadable");
            None
        }
    }
}

#[cfg(test)]
#[path = "kubeconfig_tests.rs"]
mod tests;
