//! The add-on manager at fleet scale, ours against Go's, on one `ocm-testenv` hub:
//! addon-framework v1.3.0's `helloworld` example manager (`go-addon-helloworld/`, built from the
//! Go module) and an `ocm-addon-framework` manager of the same add-on shape (a ServiceAccount,
//! a ClusterRoleBinding and a Deployment per cluster; kubeClient registration with a hub
//! permission; DeploymentAvailability health; AddOnDeploymentConfig supported), each in its own
//! process.
//!
//! N ManagedClusters (objects without agents; `OCM_BENCH_ADDON_CLUSTERS`, default 300: at 1,000 the Go manager
//! takes far longer than this benchmark waits) and the
//! ClusterManagementAddOn exist first. For each manager in turn: start it, let it sync (5 s),
//! create a ManagedClusterAddOn in every cluster namespace, and time until every cluster has its
//! deploy ManifestWork (`addon-helloworld-deploy-0`); then read the manager's resident memory
//! (current and peak, from /proc), uninstall, and stop it. Prints both and the ratios; targets:
//! at most a quarter of Go's memory, at least Go's throughput.
//!
//! ```sh
//! cargo bench -p ocm-benches --bench addon_manager
//! ```
//!
//! `OCM_BENCH_SKIP_GO=1` measures only ours (to profile it); `OCM_BENCH_ADDON_CONCURRENCY`
//! sets ours' [`AddonManager::concurrency`](ocm_addon_framework::AddonManager::concurrency).
//! Each manager's resident memory after its first sync is printed too.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt, stream};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, PostParams};
use ocm_api::addon::v1alpha1::{ClusterManagementAddOn, ManagedClusterAddOn};
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::work::v1::ManifestWork;
use ocm_testenv::{GoProgram, TestEnv};
use serde_json::json;

mod addon_manager_rust;

const ADDON: &str = "helloworld";
const RUST_MANAGER_VAR: &str = "OCM_BENCH_RUST_ADDON_MANAGER_KUBECONFIG";

fn main() {
    if let Ok(kubeconfig) = std::env::var(RUST_MANAGER_VAR) {
        addon_manager_rust::run(&kubeconfig);
        return;
    }
    let n: usize = std::env::var("OCM_BENCH_ADDON_CLUSTERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300);
    let go = GoProgram::new(concat!(env!("CARGO_MANIFEST_DIR"), "/go-addon-helloworld"))
        .require_var("OCM_BENCH_REQUIRE_GO")
        .build()
        .expect("the Go helloworld manager builds");
    let Some(go) = go else {
        eprintln!("no Go toolchain: the add-on manager benchmark needs it");
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let env = TestEnv::builder()
            .managed_clusters(0)
            .progress(true)
            .start()
            .await
            .unwrap();
        let hub = env.hub().client();
        let kubeconfig = env.hub().kubeconfig_path().to_path_buf();
        let t = Instant::now();
        create_clusters(&hub, n).await;
        eprintln!("{n} ManagedClusters and namespaces in {:.1?}", t.elapsed());
        let cma: ClusterManagementAddOn = serde_json::from_value(json!({
            "apiVersion": "addon.open-cluster-management.io/v1alpha1",
            "kind": "ClusterManagementAddOn",
            "metadata": {"name": ADDON},
            "spec": {"installStrategy": {"type": "Manual"}},
        }))
        .unwrap();
        Api::<ClusterManagementAddOn>::all(hub.clone())
            .create(&PostParams::default(), &cma)
            .await
            .unwrap();

        let mut go_cmd = Command::new(go);
        go_cmd.arg("-kubeconfig").arg(&kubeconfig).arg("-v=1");
        let mut rust_cmd = Command::new(std::env::current_exe().unwrap());
        rust_cmd.env(RUST_MANAGER_VAR, &kubeconfig);
        let skip_go = std::env::var_os("OCM_BENCH_SKIP_GO").is_some();
        let go = if skip_go {
            None
        } else {
            Some(measure(&hub, n, "Go addon-framework v1.3.0 helloworld", go_cmd).await)
        };
        let rust = measure(&hub, n, "ocm-addon-framework", rust_cmd).await;
        println!("\nadd-on manager, {n} clusters (one ocm-testenv hub, 2-core machine)");
        println!(
            "{:38} {:>12} {:>14} {:>12} {:>12}",
            "manager", "seconds", "clusters/s", "RSS MiB", "peak MiB"
        );
        for m in go.iter().chain([&rust]) {
            println!(
                "{:38} {:>12.1} {:>14.0} {:>12.1} {:>12.1}",
                m.name,
                m.seconds,
                n as f64 / m.seconds,
                m.rss_mib,
                m.peak_mib
            );
        }
        if let Some(go) = go {
            println!(
                "ours / Go: memory (peak) {:.2} (target <= 0.25), throughput {:.2} (target >= 1)",
                rust.peak_mib / go.peak_mib,
                go.seconds / rust.seconds
            );
        }
        env.stop().unwrap();
    });
}

/// A manager process, killed when the measurement ends or fails.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Measured {
    name: &'static str,
    seconds: f64,
    rss_mib: f64,
    peak_mib: f64,
}

fn cluster_name(i: usize) -> String {
    format!("cluster-{i:04}")
}

async fn create_clusters(hub: &kube::Client, n: usize) {
    let clusters: Api<ManagedCluster> = Api::all(hub.clone());
    let namespaces: Api<Namespace> = Api::all(hub.clone());
    stream::iter(0..n)
        .map(|i| {
            let (clusters, namespaces) = (clusters.clone(), namespaces.clone());
            async move {
                let name = cluster_name(i);
                let cluster: ManagedCluster = serde_json::from_value(json!({
                    "apiVersion": "cluster.open-cluster-management.io/v1",
                    "kind": "ManagedCluster",
                    "metadata": {"name": name, "labels": {"bench": "addon"}},
                    "spec": {"hubAcceptsClient": true},
                }))
                .expect("a ManagedCluster");
                clusters.create(&PostParams::default(), &cluster).await?;
                let ns = Namespace {
                    metadata: ObjectMeta {
                        name: Some(name),
                        ..Default::default()
                    },
                    ..Default::default()
                };
                match namespaces.create(&PostParams::default(), &ns).await {
                    // The registration controller may have created it already.
                    Err(kube::Error::Api(e)) if e.code == 409 => Ok(()),
                    other => other.map(|_| ()),
                }
            }
        })
        .buffer_unordered(32)
        .try_collect::<Vec<()>>()
        .await
        .unwrap();
}

/// Resident and peak resident memory of `pid`, MiB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (kib("VmRSS:") / 1024.0, kib("VmHWM:") / 1024.0)
}

async fn measure(hub: &kube::Client, n: usize, name: &'static str, mut cmd: Command) -> Measured {
    eprintln!("\n{name}: starting");
    let mut child = KillOnDrop(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    // Its informers list the hub before any ManagedClusterAddOn exists.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (base_mib, _) = memory(child.0.id());
    eprintln!("{name}: {base_mib:.1} MiB resident after its first sync");
    let t = Instant::now();
    stream::iter(0..n)
        .map(|i| {
            let hub = hub.clone();
            async move {
                let ns = cluster_name(i);
                let mca: ManagedClusterAddOn = serde_json::from_value(json!({
                    "apiVersion": "addon.open-cluster-management.io/v1alpha1",
                    "kind": "ManagedClusterAddOn",
                    "metadata": {"name": ADDON, "namespace": ns},
                    "spec": {},
                }))
                .expect("a ManagedClusterAddOn");
                Api::<ManagedClusterAddOn>::namespaced(hub, &ns)
                    .create(&PostParams::default(), &mca)
                    .await
                    .map(|_| ())
            }
        })
        .buffer_unordered(32)
        .try_collect::<Vec<()>>()
        .await
        .unwrap();
    eprintln!(
        "{name}: {n} ManagedClusterAddOns created in {:.1?}",
        t.elapsed()
    );
    let works: Api<ManifestWork> = Api::all(hub.clone());
    let lp = ListParams::default().labels(&format!("{}={ADDON}", ocm_api::labels::ADDON_NAME));
    let mut last = 0;
    let seconds = loop {
        let count = works.list_metadata(&lp).await.unwrap().items.len();
        if count != last {
            eprintln!("{name}: {count}/{n} deploy works after {:.1?}", t.elapsed());
            last = count;
        }
        if count >= n {
            break t.elapsed().as_secs_f64();
        }
        assert!(child.0.try_wait().unwrap().is_none(), "{name} exited");
        assert!(
            t.elapsed() < Duration::from_secs(900),
            "{name}: {count}/{n} works after 15 min"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let (rss_mib, peak_mib) = memory(child.0.id());
    // Uninstall while the manager runs (it owns the finalizers), then stop it.
    let mcas: Api<ManagedClusterAddOn> = Api::all(hub.clone());
    for mca in mcas.list_metadata(&ListParams::default()).await.unwrap() {
        let ns = mca.metadata.namespace.unwrap_or_default();
        let _ = Api::<ManagedClusterAddOn>::namespaced(hub.clone(), &ns)
            .delete(ADDON, &DeleteParams::default())
            .await;
    }
    let t_clean = Instant::now();
    while !works.list_metadata(&lp).await.unwrap().items.is_empty()
        || !mcas
            .list_metadata(&ListParams::default())
            .await
            .unwrap()
            .items
            .is_empty()
    {
        assert!(
            t_clean.elapsed() < Duration::from_secs(600),
            "{name}: uninstall did not finish"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    drop(child);
    Measured {
        name,
        seconds,
        rss_mib,
        peak_mib,
    }
}
