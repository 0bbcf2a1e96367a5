//! The ocm-rs demo: a real OCM hub with two managed clusters, driven from Rust.
//!
//! It starts `ocm-testenv` (a kube-apiserver per cluster, etcd, the CSR signer, the Go OCM hub
//! controllers and a Go klusterlet agent per cluster, all built from Go module source on the first
//! run), then, with the typed objects of `ocm-api` and plain `kube::Api`:
//!
//! 1. lists the ManagedClusters the Go hub registered, with their conditions;
//! 2. creates a ManifestWork that puts a ConfigMap on `cluster1`, waits for the Go work agent to
//!    report it Applied and Available, and reads the ConfigMap back from cluster1's apiserver;
//! 3. binds the `global` ManagedClusterSet (every cluster) to a namespace, creates a Placement
//!    for one cluster, and prints the PlacementDecision the Go placement controller writes.
//!
//! ```sh
//! cargo run -p ocm-examples --example demo
//! ```

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use kube::api::{Api, ListParams, ObjectMeta, PostParams};
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::cluster::v1beta1::{Placement, PlacementDecision, PlacementSpec};
use ocm_api::cluster::v1beta2::{ManagedClusterSetBinding, ManagedClusterSetBindingSpec};
use ocm_api::work::v1::{Manifest, ManifestWork, ManifestWorkSpec, ManifestsTemplate};
use ocm_api::{conditions, labels};
use ocm_testenv::TestEnv;
use serde_json::json;

const TIMEOUT: Duration = Duration::from_secs(180);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,kube_client=off".into()),
        )
        .init();

    println!("starting a hub and two managed clusters (the first run builds the Go programs)…");
    let started = Instant::now();
    // `progress(true)`: print the build (which program, how far, where the cache is) and the
    // start-up phases to stderr as they happen.
    let env = TestEnv::builder()
        .managed_clusters(2)
        .progress(true)
        .start()
        .await?;
    println!(
        "  up in {:.0?}; kubeconfigs and logs in {}",
        started.elapsed(),
        env.dir().display()
    );
    let hub = env.hub().client();

    // 1. The clusters the Go registration controller accepted.
    println!("\nManagedClusters on the hub:");
    let clusters: Api<ManagedCluster> = Api::all(hub.clone());
    for cluster in clusters.list(&ListParams::default()).await? {
        let conds = cluster.status.map(|s| s.conditions).unwrap_or_default();
        println!(
            "  {:10} accepted={} joined={} available={}",
            cluster.metadata.name.unwrap_or_default(),
            cluster.spec.hub_accepts_client,
            conditions::is_true(&conds, conditions::MANAGED_CLUSTER_JOINED),
            conditions::is_true(&conds, conditions::MANAGED_CLUSTER_AVAILABLE),
        );
    }

    // 2. A ManifestWork for cluster1, applied by the Go work agent.
    let work = ManifestWork::new(
        "demo-hello",
        ManifestWorkSpec {
            workload: ManifestsTemplate {
                manifests: vec![Manifest::new(json!({
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": "hello", "namespace": "default"},
                    "data": {"greeting": "hello from ocm-rs"},
                }))],
            },
            ..Default::default()
        },
    );
    let works: Api<ManifestWork> = Api::namespaced(hub.clone(), "cluster1");
    works.create(&PostParams::default(), &work).await?;
    println!("\ncreated ManifestWork cluster1/demo-hello; waiting for the work agent…");
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let work = works.get("demo-hello").await?;
        let conds = work.status.map(|s| s.conditions).unwrap_or_default();
        if conditions::is_true(&conds, conditions::WORK_APPLIED)
            && conditions::is_true(&conds, conditions::WORK_AVAILABLE)
        {
            println!("  Applied=True, Available=True");
            break;
        }
        if Instant::now() > deadline {
            bail!("ManifestWork not applied within {TIMEOUT:?}; conditions: {conds:?}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let cluster1 = env
        .managed_cluster("cluster1")
        .context("cluster1 is part of the env")?;
    let cm: ConfigMap = Api::namespaced(cluster1.client(), "default")
        .get("hello")
        .await?;
    println!(
        "  on cluster1's apiserver: ConfigMap default/hello data={:?}",
        cm.data.unwrap_or_default()
    );

    // 3. A Placement, scheduled by the Go placement controller.
    let ns = "demo";
    Api::<Namespace>::all(hub.clone())
        .create(
            &PostParams::default(),
            &Namespace {
                metadata: ObjectMeta {
                    name: Some(ns.into()),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .await?;
    // `global` selects every cluster (a LabelSelector set that the Go hub creates).
    let binding = ManagedClusterSetBinding::new(
        "global",
        ManagedClusterSetBindingSpec {
            cluster_set: "global".into(),
        },
    );
    Api::<ManagedClusterSetBinding>::namespaced(hub.clone(), ns)
        .create(&PostParams::default(), &binding)
        .await?;
    let placement = Placement::new(
        "one-cluster",
        PlacementSpec {
            number_of_clusters: Some(1),
            ..Default::default()
        },
    );
    Api::<Placement>::namespaced(hub.clone(), ns)
        .create(&PostParams::default(), &placement)
        .await?;
    println!("\ncreated Placement demo/one-cluster (numberOfClusters: 1); waiting for a decision…");
    let decisions: Api<PlacementDecision> = Api::namespaced(hub.clone(), ns);
    let selector = format!("{}=one-cluster", labels::PLACEMENT);
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let list = decisions
            .list(&ListParams::default().labels(&selector))
            .await?;
        let chosen: Vec<String> = list
            .items
            .iter()
            .flat_map(|d| d.status.iter().flat_map(|s| s.decisions.iter()))
            .map(|d| d.cluster_name.clone())
            .collect();
        if !chosen.is_empty() {
            for d in &list.items {
                println!(
                    "  PlacementDecision {}: {chosen:?}",
                    d.metadata.name.clone().unwrap_or_default()
                );
            }
            break;
        }
        if Instant::now() > deadline {
            bail!("no PlacementDecision within {TIMEOUT:?}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let placement = Api::<Placement>::namespaced(hub, ns)
        .get("one-cluster")
        .await?;
    if let Some(status) = placement.status {
        for c in &status.conditions {
            println!(
                "  Placement condition {}={} ({})",
                c.type_, c.status, c.reason
            );
        }
    }

    env.stop()?;
    println!("\nstopped every process; done.");
    Ok(())
}
