//! The hub kubeconfig as upstream's Secret `hub-kubeconfig-secret` on the managed cluster.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ObjectMeta, PostParams};

use super::AgentError;
use super::kubeconfig::{self, Bootstrap};
use super::run::Backoff;

/// The Secret's name (Go's default `--hub-kubeconfig-secret`).
pub const HUB_KUBECONFIG_SECRET: &str = "hub-kubeconfig-secret";

/// The Secret the Go agent saves: keys `kubeconfig` (certificate and key as the relative files
/// `tls.crt`/`tls.key`, as the Go agent writes it; it dumps the keys to files next to each
/// other), `tls.crt`, `tls.key`, `cluster-name`, `agent-name`.
pub fn hub_kubeconfig_secret(
    namespace: &str,
    bootstrap: &Bootstrap,
    cluster: &str,
    agent: &str,
    cert_pem: &[u8],
    key_pem: &[u8],
) -> Secret {
    let kubeconfig =
        serde_json::to_vec_pretty(&kubeconfig::hub_kubeconfig(bootstrap)).unwrap_or_default();
    let data = BTreeMap::from([
        (
            kubeconfig::KUBECONFIG_FILE.to_string(),
            ByteString(kubeconfig),
        ),
        (
            kubeconfig::TLS_CERT_FILE.to_string(),
            ByteString(cert_pem.to_vec()),
        ),
        (
            kubeconfig::TLS_KEY_FILE.to_string(),
            ByteString(key_pem.to_vec()),
        ),
        (
            kubeconfig::CLUSTER_NAME_FILE.to_string(),
            ByteString(cluster.as_bytes().to_vec()),
        ),
        (
            kubeconfig::AGENT_NAME_FILE.to_string(),
            ByteString(agent.as_bytes().to_vec()),
        ),
    ]);
    Secret {
        metadata: ObjectMeta {
            name: Some(HUB_KUBECONFIG_SECRET.to_string()),
            namespace: Some(namespace.to_string()),
            ..Default::default()
        },
        data: Some(data),
        ..Default::default()
    }
}

/// Creates or updates the Secret as Go's `saveSecret` does (other keys of an existing Secret are
/// kept); retries with backoff, logging each failure.
pub(crate) async fn save_secret(
    client: &kube::Client,
    mut secret: Secret,
) -> Result<(), AgentError> {
    let namespace = secret.metadata.namespace.clone().unwrap_or_default();
    let api: Api<Secret> = Api::namespaced(client.clone(), &namespace);
    let mut backoff = Backoff::new();
    loop {
        let result = match api.get_opt(HUB_KUBECONFIG_SECRET).await {
            Ok(None) => api.create(&PostParams::default(), &secret).await.map(drop),
            Ok(Some(existing)) => {
                let mut data = existing.data.unwrap_or_default();
                data.extend(secret.data.take().unwrap_or_default());
                secret.data = Some(data.clone());
                secret.metadata.resource_version = existing.metadata.resource_version;
                api.replace(HUB_KUBECONFIG_SECRET, &PostParams::default(), &secret)
                    .await
                    .map(drop)
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => return Ok(()),
            Err(e) => {
                let delay = backoff.next_delay();
                tracing::warn!(error = %e, namespace, retry_in = ?delay, "saving the hub kubeconfig secret failed: retrying");
                tokio::time::sleep(delay).await;
            }
        }
    }
}
