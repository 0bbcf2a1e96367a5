//! The hub side of the demo: cluster labels and scores, the Placement, its decisions, and the
//! explanation of the choice from `ocm-placement` on the objects the Go hub scheduled.

use std::collections::BTreeSet;
use std::time::Duration;

use anyhow::{Context, ensure};
use jiff::Timestamp;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams, Patch, PatchParams};
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::cluster::v1alpha1::AddOnPlacementScore;
use ocm_api::cluster::v1beta1::{Placement, PlacementDecision};
use ocm_api::cluster::v1beta2::{ManagedClusterSet, ManagedClusterSetBinding};
use ocm_api::labels;
use ocm_client::decisions::{DecisionSet, GetParams, PlacementDecisions};
use ocm_placement::hub::HubObject;
use ocm_placement::{Scheduler, Snapshot, Verdict};
use serde_json::json;

use crate::report::Reporter;

/// The namespace of the demo's Placement and ManifestWork names.
pub const NAMESPACE: &str = "fleet-demo";
/// The Placement.
pub const PLACEMENT: &str = "web";
/// The AddOnPlacementScore resource and score the add-on publishes and the Placement ranks by.
pub const SCORE: (&str, &str) = ("fleet-score", "headroom");

const APPLY: &str = "ocm-fleet-demo";

/// One cluster of the demo fleet: its ring label and the headroom its add-on agent reports.
pub struct Member {
    pub name: String,
    pub ring: &'static str,
    pub headroom: i32,
}

/// Labels the clusters and binds `global` to the demo namespace.
pub async fn prepare(
    hub: &kube::Client,
    members: &[Member],
    undo: &crate::undo::Shared,
    report: &Reporter,
) -> anyhow::Result<()> {
    let ns = Namespace {
        metadata: kube::api::ObjectMeta {
            name: Some(NAMESPACE.into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let namespaces: Api<Namespace> = Api::all(hub.clone());
    let created = namespaces.get_opt(NAMESPACE).await?.is_none();
    undo.lock()
        .unwrap_or_else(|p| p.into_inner())
        .created_namespace |= created;
    namespaces
        .patch(NAMESPACE, &PatchParams::apply(APPLY), &Patch::Apply(&ns))
        .await?;
    let binding: ManagedClusterSetBinding = serde_json::from_value(json!({
        "apiVersion": "cluster.open-cluster-management.io/v1beta2",
        "kind": "ManagedClusterSetBinding",
        "metadata": {"name": "global", "namespace": NAMESPACE},
        "spec": {"clusterSet": "global"},
    }))?;
    let bindings: Api<ManagedClusterSetBinding> = Api::namespaced(hub.clone(), NAMESPACE);
    let created = bindings.get_opt("global").await?.is_none();
    undo.lock()
        .unwrap_or_else(|p| p.into_inner())
        .created_binding |= created;
    bindings
        .patch(
            "global",
            &PatchParams::apply(APPLY),
            &Patch::Apply(&binding),
        )
        .await?;
    let clusters: Api<ManagedCluster> = Api::all(hub.clone());
    for m in members {
        let before = clusters
            .get(&m.name)
            .await?
            .metadata
            .labels
            .unwrap_or_default();
        undo.lock().unwrap_or_else(|p| p.into_inner()).labels.push((
            m.name.clone(),
            crate::undo::LABELS.map(|k| before.get(k).cloned()),
        ));
        let patch = json!({"metadata": {"labels": {"fleet-demo": "yes", "ring": m.ring}}});
        clusters
            .patch(&m.name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .with_context(|| format!("labelling cluster {}", m.name))?;
        report.say(format!("{:10} ring={}", m.name, m.ring));
    }
    Ok(())
}

/// Creates the Placement: `number_of_clusters` of the demo's clusters, ranked by headroom, the
/// canary ring first, then groups of a third.
pub async fn create_placement(hub: &kube::Client, number_of_clusters: usize) -> anyhow::Result<()> {
    let placement: Placement = serde_json::from_value(json!({
        "apiVersion": "cluster.open-cluster-management.io/v1beta1",
        "kind": "Placement",
        "metadata": {"name": PLACEMENT, "namespace": NAMESPACE},
        "spec": {
            "numberOfClusters": number_of_clusters,
            "predicates": [{"requiredClusterSelector": {
                "labelSelector": {"matchLabels": {"fleet-demo": "yes"}}}}],
            "prioritizerPolicy": {"mode": "Additive", "configurations": [{
                "scoreCoordinate": {"type": "AddOn",
                    "addOn": {"resourceName": SCORE.0, "scoreName": SCORE.1}},
                "weight": 2}]},
            "decisionStrategy": {"groupStrategy": {
                "decisionGroups": [{"groupName": "canary", "groupClusterSelector": {
                    "labelSelector": {"matchLabels": {"ring": "canary"}}}}],
                "clustersPerDecisionGroup": "34%"}},
        },
    }))?;
    Api::<Placement>::namespaced(hub.clone(), NAMESPACE)
        .patch(
            PLACEMENT,
            &PatchParams::apply(APPLY),
            &Patch::Apply(&placement),
        )
        .await?;
    Ok(())
}

/// The Go placement controller's decisions, read as one consistent set.
pub async fn decisions(hub: &kube::Client) -> anyhow::Result<DecisionSet> {
    let params = GetParams::default().timeout(Duration::from_secs(120));
    Ok(PlacementDecisions::new(hub.clone(), NAMESPACE, PLACEMENT)
        .get_consistent(&params)
        .await?)
}

/// Explains the choice with `ocm-placement` on the hub's own objects, and checks that it picks
/// what the Go controller picked.
pub async fn explain(
    hub: &kube::Client,
    chosen: &DecisionSet,
    report: &Reporter,
) -> anyhow::Result<()> {
    let lp = ListParams::default();
    let clusters = Api::<ManagedCluster>::all(hub.clone())
        .list(&lp)
        .await?
        .items;
    let sets = Api::<ManagedClusterSet>::all(hub.clone())
        .list(&lp)
        .await?
        .items;
    let bindings = Api::<ManagedClusterSetBinding>::all(hub.clone())
        .list(&lp)
        .await?
        .items;
    let scores = Api::<AddOnPlacementScore>::all(hub.clone())
        .list(&lp)
        .await?
        .items;
    let placement = Api::<Placement>::namespaced(hub.clone(), NAMESPACE)
        .get(PLACEMENT)
        .await?;
    let selector = format!("{}={PLACEMENT}", labels::PLACEMENT);
    let pages = Api::<PlacementDecision>::namespaced(hub.clone(), NAMESPACE)
        .list(&lp.clone().labels(&selector))
        .await?
        .items;
    // The same objects the Go controller read, in one list.
    let mut objects: Vec<HubObject> = Vec::new();
    for c in &clusters {
        objects.push(c.try_into()?);
    }
    for s in &sets {
        objects.push(s.try_into()?);
    }
    for b in &bindings {
        objects.push(b.try_into()?);
    }
    for s in &scores {
        objects.push(s.try_into()?);
    }
    for p in &pages {
        objects.push(p.try_into()?);
    }
    let snapshot = Snapshot::from_objects(objects);
    let outcome =
        Scheduler::default().explain(&(&placement).try_into()?, &snapshot, Timestamp::now())?;
    let explanation = &outcome.explanation;
    for step in &explanation.filters {
        report.say(format!(
            "filter {:16} {} → {} clusters",
            step.name, step.input, step.output
        ));
    }
    for c in &explanation.clusters {
        let terms: Vec<String> = c
            .scores
            .iter()
            .map(|t| format!("{} {}×{}", t.prioritizer, t.weight, t.score.unwrap_or(0)))
            .collect();
        let verdict = match &c.verdict {
            Verdict::Selected => "selected".to_owned(),
            Verdict::Filtered { filter } => format!("filtered by {filter}"),
            other => format!("{other:?}"),
        };
        report.result(
            "explanation",
            format!(
                "{:10} {verdict:20} total {:>4}  {}",
                c.name,
                c.total.unwrap_or(0),
                terms.join(", ")
            ),
            serde_json::to_value(c)?,
        );
    }
    // The score prioritizer ranks by what the add-on's agents published.
    let published: std::collections::BTreeMap<String, i64> = scores
        .iter()
        .filter(|s| s.metadata.name.as_deref() == Some(SCORE.0))
        .filter_map(|s| {
            let value = s
                .status
                .as_ref()?
                .scores
                .iter()
                .flatten()
                .find(|x| x.name == SCORE.1)?;
            Some((s.metadata.namespace.clone()?, i64::from(value.value)))
        })
        .collect();
    let prioritizer = format!("AddOn/{}/{}", SCORE.0, SCORE.1);
    for c in explanation
        .clusters
        .iter()
        .filter(|c| !c.scores.is_empty() && !published.is_empty())
    {
        let term = c.scores.iter().find(|t| t.prioritizer == prioritizer);
        ensure!(
            term.and_then(|t| t.score).is_some()
                && term.and_then(|t| t.score) == published.get(&c.name).copied(),
            "{}: the placement's {prioritizer} score is {:?}, the add-on published {:?}",
            c.name,
            term.and_then(|t| t.score),
            published.get(&c.name)
        );
    }
    let go: BTreeSet<String> = chosen.clusters().into_iter().collect();
    let ours: BTreeSet<String> = outcome.decisions.iter().cloned().collect();
    ensure!(
        ours == go,
        "ocm-placement picks {:?}, the Go controller {:?}",
        ours,
        go
    );
    report.say("ocm-placement picks the same clusters as the Go placement controller");
    Ok(())
}
