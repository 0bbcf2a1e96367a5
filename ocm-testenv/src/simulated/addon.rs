//! Add-on registration of a simulated cluster, as the klusterlet's add-on registration
//! controller does it (ocm v1.2.1 `pkg/registration/spoke/addon`), for `kubeClient`
//! registrations: for each ManagedClusterAddOn in the cluster's namespace whose
//! `status.registrations` has the signer `kubernetes.io/kube-apiserver-client`, a CSR with the
//! cluster's own hub identity (subject from the registration, DNS name
//! `<addon>.addon.open-cluster-management.io`, labels `cluster-name` and `addon-name`), then,
//! once the add-on manager approved it and the hub signed it, a hub kubeconfig for the add-on's
//! agent — kept in memory (Go writes the secret `<addon>-hub-kubeconfig` on the managed
//! cluster, which a simulated cluster does not have) — and the add-on condition
//! `ClusterCertificateRotated`. Not done: custom signers, certificate rotation, the add-on
//! lease (an add-on with `HealthProber::Lease` never becomes Available on a simulated cluster;
//! use the work prober).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::runtime::watcher;
use ocm_api::addon::v1alpha1::{ManagedClusterAddOn, RegistrationConfig, Subject};
use ocm_api::addon::v1beta1::KUBE_API_SERVER_CLIENT_SIGNER_NAME;
use ocm_api::conditions;
use ocm_client::agent::Agent;
use ocm_client::hubs::{ReloadParams, client_from_kubeconfig};
use serde_json::{Value, json};
use tokio::task::JoinHandle;

use super::{addon_csr, lock};

/// The add-on agents' hub kubeconfigs of one simulated cluster, by add-on name, with the
/// registration they were issued for.
pub(crate) type Credentials =
    Arc<Mutex<BTreeMap<String, (RegistrationConfig, kube::config::Kubeconfig)>>>;

/// The condition the registration sets on the add-on (Go: `ClusterCertificateRotated`).
const ROTATED: &str = "ClusterCertificateRotated";

/// Runs the registration of `agent`'s cluster's add-ons until cancelled (the caller drops it).
pub(crate) async fn run(agent: Agent, creds: Credentials) {
    let path = agent.hub_kubeconfig();
    let cluster = agent.cluster_name().to_string();
    let hub = loop {
        if path.exists() {
            match client_from_kubeconfig(&path, &ReloadParams::default()).await {
                Ok(hub) => break hub,
                Err(e) => {
                    tracing::debug!(%cluster, error = %e, "add-on registration: no hub client yet")
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let addons: Api<ManagedClusterAddOn> = Api::namespaced(hub.clone(), &cluster);
    let mut tasks: HashMap<String, (RegistrationConfig, JoinHandle<()>)> = HashMap::new();
    let mut stream = std::pin::pin!(watcher(addons.clone(), watcher::Config::default()));
    while let Some(event) = stream.next().await {
        let (name, wanted) = match event {
            Ok(watcher::Event::Apply(a) | watcher::Event::InitApply(a)) => {
                let wanted = a.status.as_ref().and_then(|s| {
                    s.registrations
                        .iter()
                        .find(|r| r.signer_name == KUBE_API_SERVER_CLIENT_SIGNER_NAME)
                        .cloned()
                });
                (a.metadata.name.unwrap_or_default(), wanted)
            }
            Ok(watcher::Event::Delete(a)) => (a.metadata.name.unwrap_or_default(), None),
            Ok(_) => continue,
            Err(e) => {
                tracing::debug!(%cluster, error = %e, "watching add-ons: retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if tasks.get(&name).map(|t| &t.0) == wanted.as_ref() {
            continue;
        }
        // Started again: the certificate issued before is kept (as Go keeps its secret).
        if !tasks.contains_key(&name)
            && let Some(reg) = &wanted
            && lock(&creds).get(&name).is_some_and(|(r, _)| r == reg)
        {
            tasks.insert(name, (reg.clone(), tokio::spawn(async {})));
            continue;
        }
        if let Some((_, task)) = tasks.remove(&name) {
            task.abort();
        }
        lock(&creds).remove(&name);
        if let Some(reg) = wanted {
            let job = Registering {
                hub: hub.clone(),
                cluster: cluster.clone(),
                addon: name.clone(),
                agent: std::fs::read_to_string(path.with_file_name("agent-name"))
                    .unwrap_or_else(|_| "agent".into()),
                kubeconfig: path.clone(),
            };
            let task = tokio::spawn(job.run(reg.clone(), creds.clone()));
            tasks.insert(name, (reg, task));
        }
    }
}

/// The registration of one add-on of one cluster.
struct Registering {
    hub: kube::Client,
    cluster: String,
    addon: String,
    agent: String,
    kubeconfig: std::path::PathBuf,
}

impl Registering {
    async fn run(self, reg: RegistrationConfig, creds: Credentials) {
        let subject = self.subject(&reg);
        let mut delay = Duration::from_secs(2);
        loop {
            match self.attempt(&subject, &reg.signer_name).await {
                Ok((cert, key)) => match self.kubeconfig_for(&cert, &key) {
                    Ok(kc) => {
                        lock(&creds).insert(self.addon.clone(), (reg.clone(), kc));
                        let cond = conditions::new(
                            ROTATED,
                            "True",
                            "ClientCertificateUpdated",
                            "client certificate issued to the simulated cluster's add-on agent",
                        );
                        self.set_condition(cond).await;
                        tracing::info!(cluster = %self.cluster, addon = %self.addon, "add-on registered");
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(cluster = %self.cluster, addon = %self.addon, error = %e, "add-on kubeconfig")
                    }
                },
                Err(e) => {
                    tracing::warn!(cluster = %self.cluster, addon = %self.addon, error = %e, "add-on registration: retrying");
                    let cond = conditions::new(
                        ROTATED,
                        "False",
                        "ClientCertificateUpdateFailed",
                        format!("Failed to rotated client certificate {e}"),
                    );
                    self.set_condition(cond).await;
                }
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(30));
        }
    }

    /// The registration's subject with Go's defaults (`x509Subject`).
    fn subject(&self, reg: &RegistrationConfig) -> Subject {
        let mut s = reg.subject.clone().unwrap_or_default();
        let (c, a) = (&self.cluster, &self.addon);
        if s.user.is_empty() {
            s.user = format!(
                "system:open-cluster-management:cluster:{c}:addon:{a}:agent:{}",
                self.agent
            );
        }
        if s.groups.is_empty() {
            s.groups = vec![format!(
                "system:open-cluster-management:cluster:{c}:addon:{a}"
            )];
        }
        s
    }

    /// One CSR, waited on until the hub signs it (or denies it).
    async fn attempt(&self, subject: &Subject, signer: &str) -> Result<(Vec<u8>, String), String> {
        let (csr, key) = addon_csr::build(&self.cluster, &self.addon, subject, signer)?;
        let csrs: Api<CertificateSigningRequest> = Api::all(self.hub.clone());
        let created = csrs
            .create(&PostParams::default(), &csr)
            .await
            .map_err(|e| format!("creating the CSR: {e}"))?;
        let name = created.metadata.name.unwrap_or_default();
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let Some(csr) = csrs.get_opt(&name).await.map_err(|e| e.to_string())? else {
                return Err(format!("CSR {name} was deleted"));
            };
            let status = csr.status.unwrap_or_default();
            let conds = status.conditions.unwrap_or_default();
            if let Some(c) = conds
                .iter()
                .find(|c| c.type_ == "Denied" || c.type_ == "Failed")
            {
                return Err(format!(
                    "CSR {name} {}: {}",
                    c.type_,
                    c.message.clone().unwrap_or_default()
                ));
            }
            if let Some(cert) = status.certificate.filter(|c| !c.0.is_empty()) {
                return Ok((cert.0, key));
            }
        }
    }

    /// The cluster's hub kubeconfig (server, CA) with the add-on's certificate and key inline.
    fn kubeconfig_for(&self, cert: &[u8], key: &str) -> Result<kube::config::Kubeconfig, String> {
        let raw = std::fs::read(&self.kubeconfig).map_err(|e| e.to_string())?;
        let base: Value = serde_json::from_slice(&raw).map_err(|e| e.to_string())?;
        let entry = base["clusters"][0].clone();
        let mut cluster = entry["cluster"].clone();
        if let Some(ca) = cluster["certificate-authority"].as_str().map(str::to_owned) {
            let dir = self.kubeconfig.parent().unwrap_or(Path::new("."));
            let pem = std::fs::read(dir.join(&ca)).map_err(|e| format!("{ca}: {e}"))?;
            cluster["certificate-authority-data"] = b64(&pem);
            if let Some(o) = cluster.as_object_mut() {
                o.remove("certificate-authority");
            }
        }
        let kc = json!({
            "apiVersion": "v1", "kind": "Config",
            "clusters": [{"name": "hub", "cluster": cluster}],
            "users": [{"name": "addon", "user": {
                "client-certificate-data": b64(cert),
                "client-key-data": b64(key.as_bytes()),
            }}],
            "contexts": [{"name": "addon", "context": {"cluster": "hub", "user": "addon"}}],
            "current-context": "addon",
        });
        serde_json::from_value(kc).map_err(|e| e.to_string())
    }

    /// Sets `cond` (and `kubeClientDriver: csr`, as Go's `ensureDriver`) on the add-on's status,
    /// with the resourceVersion read, retried on conflict.
    async fn set_condition(&self, cond: k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition) {
        let api: Api<ManagedClusterAddOn> = Api::namespaced(self.hub.clone(), &self.cluster);
        for _ in 0..5 {
            let Ok(Some(a)) = api.get_opt(&self.addon).await else {
                return;
            };
            let mut conds = a.status.map(|s| s.conditions).unwrap_or_default();
            conditions::set(&mut conds, cond.clone());
            let patch = json!({
                "metadata": {"resourceVersion": a.metadata.resource_version},
                "status": {"conditions": conds, "kubeClientDriver": "csr"},
            });
            match api
                .patch_status(&self.addon, &PatchParams::default(), &Patch::Merge(&patch))
                .await
            {
                Ok(_) => return,
                Err(kube::Error::Api(e)) if e.code == 409 => continue,
                Err(e) => {
                    tracing::debug!(addon = %self.addon, error = %e, "add-on status");
                    return;
                }
            }
        }
    }
}

fn b64(data: &[u8]) -> Value {
    serde_json::to_value(k8s_openapi::ByteString(data.to_vec())).unwrap_or_default()
}
