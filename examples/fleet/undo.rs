//! What the demo changes on a hub it did not start (`--kubeconfig`), and putting it back — on
//! success, on failure and on Ctrl-C.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kube::api::{Api, DeleteParams, Patch, PatchParams};
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::cluster::v1alpha1::AddOnPlacementScore;
use ocm_api::cluster::v1beta1::Placement;
use ocm_api::cluster::v1beta2::ManagedClusterSetBinding;
use ocm_api::work::v1::ManifestWork;
use ocm_client::registration::ManagedClusters;
use serde_json::json;

use crate::hub::{NAMESPACE, PLACEMENT, SCORE};
use crate::report::Reporter;
use crate::{addon, rollout};

/// The taint the demo puts on its canary.
pub const TAINT_KEY: &str = "fleet-demo/maintenance";
/// The labels the demo sets on each cluster.
pub const LABELS: [&str; 2] = ["fleet-demo", "ring"];

/// What to put back.
#[derive(Default, Debug)]
pub struct Undo {
    /// The demo namespace did not exist before.
    pub created_namespace: bool,
    /// The binding of `global` to it did not exist before.
    pub created_binding: bool,
    /// Each labelled cluster with the values its [`LABELS`] had before.
    pub labels: Vec<(String, [Option<String>; 2])>,
    /// The cluster the demo tainted.
    pub tainted: Option<String>,
    /// The add-on manager, while it runs.
    pub manager: Option<tokio::task::JoinHandle<()>>,
}

/// Shared between the demo's steps and the revert that runs after them.
pub type Shared = Arc<Mutex<Undo>>;

fn ignore_missing(r: kube::Result<impl Sized>) -> anyhow::Result<()> {
    match r {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Puts the hub back as it was: taint, works, add-on, scores, placement, binding, labels,
/// namespace. Goes on after a failure and returns the first one.
pub async fn revert(hub: &kube::Client, undo: &Shared, report: &Reporter) -> anyhow::Result<()> {
    let undo = std::mem::take(&mut *undo.lock().unwrap_or_else(|p| p.into_inner()));
    let mut first: Option<anyhow::Error> = None;
    let mut note = |r: anyhow::Result<()>| {
        if let Err(e) = r {
            report.say(format!("reverting: {e:#}"));
            first.get_or_insert(e);
        }
    };
    if let Some(c) = &undo.tainted {
        let r = ManagedClusters::new(hub.clone())
            .remove_taint(c, TAINT_KEY, None)
            .await;
        note(r.map(|_| ()).map_err(anyhow::Error::from));
    }
    let timeout = Duration::from_secs(60);
    for (c, _) in &undo.labels {
        let works: Api<ManifestWork> = Api::namespaced(hub.clone(), c);
        if matches!(works.get_opt(rollout::WORK).await, Ok(Some(_))) {
            note(rollout::remove(hub, c, timeout).await);
        }
    }
    note(addon::uninstall(hub, undo.manager, timeout).await);
    for (c, _) in &undo.labels {
        let scores: Api<AddOnPlacementScore> = Api::namespaced(hub.clone(), c);
        if let Ok(Some(s)) = scores.get_opt(SCORE.0).await {
            let ours = s
                .metadata
                .managed_fields
                .iter()
                .flatten()
                .any(|f| f.manager.as_deref() == Some(addon::AGENT_MANAGER));
            if ours {
                note(ignore_missing(
                    scores.delete(SCORE.0, &DeleteParams::default()).await,
                ));
            }
        }
    }
    let dp = DeleteParams::default();
    note(ignore_missing(
        Api::<Placement>::namespaced(hub.clone(), NAMESPACE)
            .delete(PLACEMENT, &dp)
            .await,
    ));
    if undo.created_binding {
        note(ignore_missing(
            Api::<ManagedClusterSetBinding>::namespaced(hub.clone(), NAMESPACE)
                .delete("global", &dp)
                .await,
        ));
    }
    let clusters: Api<ManagedCluster> = Api::all(hub.clone());
    for (c, before) in &undo.labels {
        let labels: serde_json::Map<String, serde_json::Value> = LABELS
            .iter()
            .zip(before)
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        let patch = json!({"metadata": {"labels": labels}});
        note(ignore_missing(
            clusters
                .patch(c, &PatchParams::default(), &Patch::Merge(&patch))
                .await,
        ));
    }
    if undo.created_namespace {
        let namespaces: Api<k8s_openapi::api::core::v1::Namespace> = Api::all(hub.clone());
        note(ignore_missing(namespaces.delete(NAMESPACE, &dp).await));
        // Gone, not terminating, so that the next run can create it again.
        let deadline = std::time::Instant::now() + timeout;
        loop {
            match namespaces.get_opt(NAMESPACE).await {
                Ok(None) => break,
                Ok(Some(_)) if std::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Ok(Some(_)) => {
                    note(Err(anyhow::anyhow!(
                        "namespace {NAMESPACE} still terminating after {timeout:?}"
                    )));
                    break;
                }
                Err(e) => {
                    note(Err(e.into()));
                    break;
                }
            }
        }
    }
    match first {
        None => {
            report.say(
                "the hub is as it was: labels, taint, placements, works and the add-on reverted",
            );
            Ok(())
        }
        Some(e) => Err(e),
    }
}
