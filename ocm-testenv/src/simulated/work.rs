//! The simulated work agent: the status the Go work agent (OCM v1.2.1 `pkg/work/spoke`) writes
//! on the ManifestWorks of a cluster, computed from the works themselves and a per-cluster fake
//! state instead of a managed apiserver.
//!
//! For each work in a simulated cluster's namespace, as Go:
//!
//! * the finalizer `cluster.open-cluster-management.io/manifest-work-cleanup` is added; a
//!   deleted work has it removed at once (nothing was applied anywhere);
//! * every manifest gets `resourceMeta` (ordinal, group, version, kind, resource, name,
//!   namespace) and the conditions `Applied` (`AppliedManifestComplete`, with the work's
//!   generation), `Available` (`ResourceAvailable`) and `StatusFeedbackSynced`
//!   (`NoStatusFeedbackSynced`, `StatusFeedbackSynced`, or `StatusFeedbackSyncFailed` with
//!   the error);
//! * the work gets `Applied` (`AppliedManifestWorkComplete`) and `Available`
//!   (`ResourcesAvailable`), with `observedGeneration`;
//! * feedback rules (`WellKnownStatus`, `JSONPaths`) are evaluated against the manifest with
//!   its `status` replaced by the fake state's (see
//!   [`SimulatedClusterHandle::set_status`](super::SimulatedClusterHandle::set_status)).
//!
//! Differences: the plural resource name is guessed from the kind (Go asks discovery), the
//! namespace of a few well-known cluster-scoped kinds is dropped (Go asks the REST mapper), a
//! JSON path supports `.field`, `[n]` and `[?(@.field=="value")]` (Go's `k8s.io/client-go`
//! jsonpath supports more), and values that are objects or lists are an error (as Go without
//! its `RawFeedbackJsonString` feature gate).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use futures::StreamExt;
use kube::api::{Api, Patch, PatchParams};
use kube::runtime::watcher;
use ocm_api::conditions::{self, status};
use ocm_api::work::v1::{
    Manifest, ManifestCondition, ManifestResourceMeta, ManifestWork, ManifestWorkStatus,
    ResourceIdentifier,
};
use ocm_client::work::{manifest_identifier, resource_matches};

use super::feedback::feedback;
#[cfg(test)]
use super::feedback::{field_value, value_at};
use serde_json::{Value, json};

/// The simulated clusters whose works the work agent handles.
pub(crate) type Names = Arc<Mutex<std::collections::HashSet<String>>>;

/// The fake state of the simulated clusters: per cluster, the `status` of each resource.
#[derive(Default)]
pub(crate) struct FakeState {
    statuses: Mutex<HashMap<String, Vec<(ResourceIdentifier, Value)>>>,
    pub(crate) changed: tokio::sync::Notify,
}

impl FakeState {
    pub(crate) fn set(&self, cluster: &str, id: ResourceIdentifier, status: Value) {
        let mut all = super::lock(&self.statuses);
        let list = all.entry(cluster.to_string()).or_default();
        list.retain(|(k, _)| *k != id);
        list.push((id, status));
        drop(all);
        self.changed.notify_one();
    }

    fn get(&self, cluster: &str, id: &ResourceIdentifier) -> Option<Value> {
        super::lock(&self.statuses)
            .get(cluster)?
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, v)| v.clone())
    }
}

/// Watches every ManifestWork on the hub and writes the status of those in `clusters`'
/// namespaces; re-syncs all of them when the fake state changes.
pub(crate) async fn run(hub: kube::Client, clusters: Names, state: Arc<FakeState>) {
    let api: Api<ManifestWork> = Api::all(hub.clone());
    let mut stream = std::pin::pin!(watcher(api, watcher::Config::default()));
    let mut works: BTreeMap<(String, String), ManifestWork> = BTreeMap::new();
    loop {
        let todo: Vec<ManifestWork> = tokio::select! {
            event = stream.next() => match event {
                Some(Ok(watcher::Event::Apply(w) | watcher::Event::InitApply(w))) => {
                    let ns = w.metadata.namespace.clone().unwrap_or_default();
                    if !super::lock(&clusters).contains(&ns) {
                        continue;
                    }
                    let key = (ns, w.metadata.name.clone().unwrap_or_default());
                    works.insert(key, w.clone());
                    vec![w]
                }
                Some(Ok(watcher::Event::Delete(w))) => {
                    let key = (
                        w.metadata.namespace.clone().unwrap_or_default(),
                        w.metadata.name.clone().unwrap_or_default(),
                    );
                    works.remove(&key);
                    continue;
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "simulated work agent: watching ManifestWorks: retrying");
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    continue;
                }
                None => return,
            },
            _ = state.changed.notified() => works.values().cloned().collect(),
        };
        for work in todo {
            if let Err(e) = reconcile(&hub, &work, &state).await {
                tracing::debug!(work = ?work.metadata.name, error = %e, "simulated work agent: status update failed (retried on the next event)");
            }
        }
    }
}

async fn reconcile(
    hub: &kube::Client,
    work: &ManifestWork,
    state: &FakeState,
) -> Result<(), kube::Error> {
    let ns = work.metadata.namespace.clone().unwrap_or_default();
    let name = work.metadata.name.clone().unwrap_or_default();
    let api: Api<ManifestWork> = Api::namespaced(hub.clone(), &ns);
    let finalizer = ocm_api::finalizers::MANIFEST_WORK_CLEANUP;
    let finalizers = work.metadata.finalizers.clone().unwrap_or_default();
    let has = finalizers.iter().any(|f| f == finalizer);
    if work.metadata.deletion_timestamp.is_some() {
        if has {
            let rest: Vec<&String> = finalizers.iter().filter(|f| *f != finalizer).collect();
            let patch = json!({"metadata": {
                "finalizers": rest,
                "resourceVersion": work.metadata.resource_version,
            }});
            api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
                .await?;
        }
        return Ok(());
    }
    if !has {
        let mut all = finalizers.clone();
        all.push(finalizer.to_string());
        let patch = json!({"metadata": {
            "finalizers": all,
            "resourceVersion": work.metadata.resource_version,
        }});
        api.patch(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await?;
    }
    let old = work.status.clone().unwrap_or_default();
    let new = desired_status(work, &old, |id| state.get(&ns, id));
    if new != old {
        let patch = json!({ "status": new });
        api.patch_status(&name, &PatchParams::default(), &Patch::Merge(&patch))
            .await?;
    }
    Ok(())
}

/// Kinds whose objects have no namespace (Go's REST mapper says so from discovery).
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "APIService",
    "ClusterClaim",
];

fn resource_meta(
    ordinal: usize,
    manifest: &Manifest,
) -> (ManifestResourceMeta, ResourceIdentifier) {
    let m = &manifest.0;
    let mut id = manifest_identifier(m).unwrap_or_default();
    let kind = m.get("kind").and_then(Value::as_str).unwrap_or_default();
    if CLUSTER_SCOPED.contains(&kind) {
        id.namespace.clear();
    }
    let version = m
        .get("apiVersion")
        .and_then(Value::as_str)
        .map(|v| v.rsplit_once('/').map_or(v, |(_, v)| v))
        .unwrap_or_default();
    let meta = ManifestResourceMeta {
        ordinal: i32::try_from(ordinal).unwrap_or(i32::MAX),
        group: id.group.clone(),
        version: version.to_string(),
        kind: kind.to_string(),
        resource: id.resource.clone(),
        name: id.name.clone(),
        namespace: id.namespace.clone(),
    };
    (meta, id)
}

/// The status the Go work agent's manifest and available-status controllers would write.
pub(crate) fn desired_status(
    work: &ManifestWork,
    old: &ManifestWorkStatus,
    fake: impl Fn(&ResourceIdentifier) -> Option<Value>,
) -> ManifestWorkStatus {
    let generation = work.metadata.generation;
    let mut new = old.clone();
    let mut manifests = Vec::new();
    for (i, manifest) in work.spec.workload.manifests.iter().enumerate() {
        let (meta, id) = resource_meta(i, manifest);
        let mut mc = old
            .resource_status
            .manifests
            .iter()
            .find(|c| c.resource_meta == meta)
            .cloned()
            .unwrap_or_else(|| ManifestCondition {
                resource_meta: meta.clone(),
                ..Default::default()
            });
        let mut applied = conditions::new(
            conditions::WORK_APPLIED,
            status::TRUE,
            "AppliedManifestComplete",
            "Apply manifest complete",
        );
        applied.observed_generation = generation;
        conditions::set(&mut mc.conditions, applied);
        conditions::set(
            &mut mc.conditions,
            conditions::new(
                conditions::WORK_AVAILABLE,
                status::TRUE,
                "ResourceAvailable",
                "Resource is available",
            ),
        );
        let mut live = manifest.0.clone();
        if let Some(s) = fake(&id) {
            live["status"] = s;
        }
        let option = work
            .spec
            .manifest_configs
            .iter()
            .find(|c| resource_matches(&meta, &c.resource_identifier));
        let (values, synced) = feedback(&live, &meta, option.map(|o| o.feedback_rules.as_slice()));
        if mc.status_feedbacks.values != values {
            conditions::remove(
                &mut mc.conditions,
                conditions::MANIFEST_STATUS_FEEDBACK_SYNCED,
            );
        }
        conditions::set(&mut mc.conditions, synced);
        mc.status_feedbacks.values = values;
        manifests.push(mc);
    }
    new.resource_status.manifests = manifests;
    if !work.spec.workload.manifests.is_empty() {
        let mut applied = conditions::new(
            conditions::WORK_APPLIED,
            status::TRUE,
            "AppliedManifestWorkComplete",
            "Apply manifest work complete",
        );
        applied.observed_generation = generation;
        conditions::set(&mut new.conditions, applied);
    }
    let mut available = if work.spec.workload.manifests.is_empty() {
        conditions::new(
            conditions::WORK_AVAILABLE,
            status::UNKNOWN,
            "ResourcesStatusUnknown",
            "cannot get any available resource ",
        )
    } else {
        conditions::new(
            conditions::WORK_AVAILABLE,
            status::TRUE,
            "ResourcesAvailable",
            "All resources are available",
        )
    };
    available.observed_generation = generation;
    conditions::set(&mut new.conditions, available);
    new
}

#[cfg(test)]
#[path = "work_tests.rs"]
mod tests;
