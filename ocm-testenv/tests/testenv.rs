//! Integration tests: a real hub and managed clusters, built from Go module source.
//!
//! The first run builds every program (tens of minutes on two cores); prebuild
//! with `cargo run -p ocm-testenv -- build`. To keep the load small on two cores,
//! one test starts the two environments in sequence and runs every check
//! against them; the other tests start nothing.

use ocm_test_support::eventually_some;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, ApiResource, DynamicObject, PostParams};
use ocm_testenv::{
    Build, BuildOutcome, Error, ProgressEvent, StartupPhase, TestEnv, process_alive,
};
use serde_json::{Value, json};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn resource(group: &str, version: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: group.to_string(),
        version: version.to_string(),
        api_version: if group.is_empty() {
            version.to_string()
        } else {
            format!("{group}/{version}")
        },
        kind: kind.to_string(),
        plural: plural.to_string(),
    }
}

fn conditions(obj: &DynamicObject) -> BTreeMap<String, String> {
    obj.data
        .get("status")
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| {
                    Some((
                        c.get("type")?.as_str()?.to_string(),
                        c.get("status")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Every process of the environment is gone, and nothing still runs with the
/// environment's directory on its command line.
fn assert_no_children(pids: &[(String, u32)], dir: &std::path::Path) {
    for (component, pid) in pids {
        assert!(
            !process_alive(*pid),
            "{component} (pid {pid}) survived stop"
        );
    }
    let needle = dir.to_string_lossy().to_string();
    let me = std::process::id();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if pid == me || !process_alive(pid) {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        assert!(
            !cmdline.contains(&needle),
            "process {pid} still runs from the environment: {cmdline}"
        );
    }
}

/// A cached build, then the start-up phases in order, then ready.
fn assert_startup_events(events: &[ProgressEvent]) {
    for e in events {
        eprintln!("event: {e}");
    }
    let phases: Vec<StartupPhase> = events
        .iter()
        .filter_map(|e| match e {
            ProgressEvent::StartupPhase { phase, .. } => Some(phase.clone()),
            _ => None,
        })
        .collect();
    assert!(
        matches!(events.first(), Some(ProgressEvent::Cached { .. })),
        "{events:#?}"
    );
    assert!(
        matches!(events.last(), Some(ProgressEvent::Ready { .. })),
        "{events:#?}"
    );
    let join = |c: &str| StartupPhase::Joining {
        cluster: c.to_string(),
    };
    // A start retried on other ports (a port taken meanwhile) repeats the phases.
    let last_attempt = phases
        .iter()
        .rposition(|p| *p == StartupPhase::Certificates)
        .unwrap_or(0);
    assert_eq!(
        phases[last_attempt..],
        [
            StartupPhase::Certificates,
            StartupPhase::Etcd,
            StartupPhase::Apiservers { count: 3 },
            StartupPhase::ControllerManagers,
            StartupPhase::Crds,
            StartupPhase::OcmHub,
            StartupPhase::Klusterlets { count: 2 },
            join("cluster1"),
            join("cluster2"),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_with_two_managed_clusters_then_a_self_managed_hub() -> TestResult {
    // Build (or reuse) first, so that the starts below must find everything cached.
    let first = Build::new().progress(true).ensure().await?;
    eprintln!("build: {:?}", first.outcome);

    // ---- environment 1: hub + cluster1 + cluster2 ---------------------------------
    let started = Instant::now();
    let events: Arc<Mutex<Vec<ProgressEvent>>> = Arc::default();
    let sink = events.clone();
    let env = TestEnv::builder()
        .managed_clusters(2)
        .on_event(move |e| sink.lock().expect("not poisoned").push(e.clone()))
        .start()
        .await?;
    eprintln!(
        "hub + 2 clusters Available after {:.1?} (start-up {:.1?})",
        started.elapsed(),
        env.startup_time()
    );
    assert_eq!(
        env.build_outcome(),
        &BuildOutcome::Reused,
        "the start must reuse the cache"
    );
    assert_startup_events(&events.lock().expect("not poisoned"));
    let hub = env.hub().client();
    let names: Vec<&str> = env.managed_clusters().iter().map(|c| c.name()).collect();
    assert_eq!(names, ["cluster1", "cluster2"]);

    // Both clusters joined through the real flow and are available.
    let mcs: Api<DynamicObject> = Api::all_with(
        hub.clone(),
        &resource(
            "cluster.open-cluster-management.io",
            "v1",
            "ManagedCluster",
            "managedclusters",
        ),
    );
    for name in ["cluster1", "cluster2"] {
        let mc = mcs.get(name).await?;
        let conds = conditions(&mc);
        for c in [
            "HubAcceptedManagedCluster",
            "ManagedClusterJoined",
            "ManagedClusterConditionAvailable",
        ] {
            assert_eq!(
                conds.get(c).map(String::as_str),
                Some("True"),
                "{name}: {conds:?}"
            );
        }
        assert_eq!(mc.data["spec"]["hubAcceptsClient"], json!(true));
        let server = env.managed_cluster(name).map(|c| c.server().to_string());
        assert_eq!(
            mc.data["spec"]["managedClusterClientConfigs"][0]["url"].as_str(),
            server.as_deref(),
            "{name} reports its own apiserver URL"
        );
    }
    // The bootstrap CSRs were approved by the OCM hub and signed by the real signer.
    let csrs: Api<DynamicObject> = Api::all_with(
        hub.clone(),
        &resource(
            "certificates.k8s.io",
            "v1",
            "CertificateSigningRequest",
            "certificatesigningrequests",
        ),
    );
    for name in ["cluster1", "cluster2"] {
        let list = csrs
            .list(
                &kube::api::ListParams::default()
                    .labels(&format!("open-cluster-management.io/cluster-name={name}")),
            )
            .await?;
        let signed = list.items.iter().any(|csr| {
            csr.data["spec"]["signerName"] == "kubernetes.io/kube-apiserver-client"
                && csr.data["spec"]["username"] == ocm_testenv::BOOTSTRAP_USER
                && conditions(csr).get("Approved").map(String::as_str) == Some("True")
                && csr.data["status"]["certificate"]
                    .as_str()
                    .is_some_and(|c| !c.is_empty())
        });
        assert!(
            signed,
            "no approved and signed bootstrap CSR for {name}: {:?}",
            list.items
        );
    }

    // The upstream OCM CRDs are served by the hub (and the agent CRDs by cluster1).
    let served = [
        (
            "cluster.open-cluster-management.io",
            "v1",
            "ManagedCluster",
            "managedclusters",
            false,
        ),
        (
            "cluster.open-cluster-management.io",
            "v1beta2",
            "ManagedClusterSet",
            "managedclustersets",
            false,
        ),
        (
            "cluster.open-cluster-management.io",
            "v1beta2",
            "ManagedClusterSetBinding",
            "managedclustersetbindings",
            true,
        ),
        (
            "cluster.open-cluster-management.io",
            "v1beta1",
            "Placement",
            "placements",
            true,
        ),
        (
            "cluster.open-cluster-management.io",
            "v1beta1",
            "PlacementDecision",
            "placementdecisions",
            true,
        ),
        (
            "cluster.open-cluster-management.io",
            "v1alpha1",
            "AddOnPlacementScore",
            "addonplacementscores",
            true,
        ),
        (
            "work.open-cluster-management.io",
            "v1",
            "ManifestWork",
            "manifestworks",
            true,
        ),
        (
            "work.open-cluster-management.io",
            "v1alpha1",
            "ManifestWorkReplicaSet",
            "manifestworkreplicasets",
            true,
        ),
        (
            "addon.open-cluster-management.io",
            "v1alpha1",
            "ClusterManagementAddOn",
            "clustermanagementaddons",
            false,
        ),
        (
            "addon.open-cluster-management.io",
            "v1beta1",
            "ClusterManagementAddOn",
            "clustermanagementaddons",
            false,
        ),
        (
            "addon.open-cluster-management.io",
            "v1alpha1",
            "ManagedClusterAddOn",
            "managedclusteraddons",
            true,
        ),
        (
            "addon.open-cluster-management.io",
            "v1beta1",
            "ManagedClusterAddOn",
            "managedclusteraddons",
            true,
        ),
        (
            "addon.open-cluster-management.io",
            "v1alpha1",
            "AddOnDeploymentConfig",
            "addondeploymentconfigs",
            true,
        ),
        (
            "addon.open-cluster-management.io",
            "v1beta1",
            "AddOnDeploymentConfig",
            "addondeploymentconfigs",
            true,
        ),
        (
            "addon.open-cluster-management.io",
            "v1alpha1",
            "AddOnTemplate",
            "addontemplates",
            false,
        ),
        (
            "multicluster.x-k8s.io",
            "v1alpha1",
            "ClusterProfile",
            "clusterprofiles",
            true,
        ),
    ];
    for (group, version, kind, plural, _namespaced) in served {
        let api: Api<DynamicObject> =
            Api::all_with(hub.clone(), &resource(group, version, kind, plural));
        api.list(&Default::default())
            .await
            .map_err(|e| format!("hub does not serve {plural}.{group}/{version}: {e}"))?;
    }
    let cluster1 = env
        .managed_cluster("cluster1")
        .ok_or("cluster1 missing")?
        .client();
    for (group, version, kind, plural) in [
        (
            "work.open-cluster-management.io",
            "v1",
            "AppliedManifestWork",
            "appliedmanifestworks",
        ),
        (
            "cluster.open-cluster-management.io",
            "v1alpha1",
            "ClusterClaim",
            "clusterclaims",
        ),
    ] {
        let api: Api<DynamicObject> =
            Api::all_with(cluster1.clone(), &resource(group, version, kind, plural));
        api.list(&Default::default())
            .await
            .map_err(|e| format!("cluster1 does not serve {plural}.{group}/{version}: {e}"))?;
    }
    // They are the v1.3.0 api-module CRDs: ManifestWork has the v1.3 `jsonPointers`.
    let crds: Api<CustomResourceDefinition> = Api::all(hub.clone());
    let mw_crd = serde_json::to_string(
        &crds
            .get("manifestworks.work.open-cluster-management.io")
            .await?,
    )?;
    assert!(
        mw_crd.contains("jsonPointers"),
        "ManifestWork CRD is not the v1.3.0 one"
    );

    // Addon objects stored as v1alpha1 are served as v1beta1 through OCM's conversion webhook.
    let cma_alpha: Api<DynamicObject> = Api::all_with(
        hub.clone(),
        &resource(
            "addon.open-cluster-management.io",
            "v1alpha1",
            "ClusterManagementAddOn",
            "clustermanagementaddons",
        ),
    );
    let cma_beta: Api<DynamicObject> = Api::all_with(
        hub.clone(),
        &resource(
            "addon.open-cluster-management.io",
            "v1beta1",
            "ClusterManagementAddOn",
            "clustermanagementaddons",
        ),
    );
    let cma: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "addon.open-cluster-management.io/v1alpha1",
        "kind": "ClusterManagementAddOn",
        "metadata": {"name": "testenv-conversion"},
        "spec": {"addOnMeta": {"displayName": "converted"}},
    }))?;
    cma_alpha.create(&PostParams::default(), &cma).await?;
    let converted = cma_beta.get("testenv-conversion").await?;
    assert_eq!(
        converted.types.as_ref().map(|t| t.api_version.as_str()),
        Some("addon.open-cluster-management.io/v1beta1")
    );
    assert_eq!(
        converted.data["spec"]["addOnMeta"]["displayName"],
        "converted"
    );

    // A ManifestWork for cluster1 puts a ConfigMap on cluster1's apiserver and reports
    // Applied and Available.
    let works: Api<DynamicObject> = Api::namespaced_with(
        hub.clone(),
        "cluster1",
        &resource(
            "work.open-cluster-management.io",
            "v1",
            "ManifestWork",
            "manifestworks",
        ),
    );
    let work: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "work.open-cluster-management.io/v1",
        "kind": "ManifestWork",
        "metadata": {"name": "testenv-configmap", "namespace": "cluster1"},
        "spec": {"workload": {"manifests": [{
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "from-the-hub", "namespace": "default"},
            "data": {"hello": "world"},
        }]}},
    }))?;
    works.create(&PostParams::default(), &work).await?;
    let cms1: Api<ConfigMap> = Api::namespaced(cluster1.clone(), "default");
    eventually_some(
        "the ConfigMap on cluster1",
        Duration::from_secs(120),
        || {
            let cms1 = cms1.clone();
            async move {
                Ok((cms1
                    .get_opt("from-the-hub")
                    .await?
                    .and_then(|cm| cm.data)
                    .and_then(|d| d.get("hello").cloned())
                    .as_deref()
                    == Some("world"))
                .then_some(()))
            }
        },
    )
    .await?;
    eventually_some(
        "ManifestWork Applied and Available",
        Duration::from_secs(120),
        || {
            let works = works.clone();
            async move {
                let conds = conditions(&works.get("testenv-configmap").await?);
                Ok((conds.get("Applied").map(String::as_str) == Some("True")
                    && conds.get("Available").map(String::as_str) == Some("True"))
                .then_some(()))
            }
        },
    )
    .await?;
    let cluster2 = env
        .managed_cluster("cluster2")
        .ok_or("cluster2 missing")?
        .client();
    let cms2: Api<ConfigMap> = Api::namespaced(cluster2, "default");
    assert!(
        cms2.get_opt("from-the-hub").await?.is_none(),
        "a ManifestWork in namespace cluster1 must not reach cluster2"
    );

    // Stopping leaves no child processes behind.
    env.check()?;
    let pids: Vec<(String, u32)> = env
        .processes()
        .into_iter()
        .map(|p| (p.component, p.pid))
        .collect();
    assert!(
        pids.len() >= 14,
        "expected etcd, 3 apiservers, 3 KCMs, 5 hub components, 2 agents: {pids:?}"
    );
    let dir = env.dir().to_path_buf();
    env.stop()?;
    assert_no_children(&pids, &dir);
    assert!(!dir.exists(), "the temporary directory is removed on stop");

    // ---- environment 2: a hub that is its own managed cluster -----------------------
    let env = TestEnv::builder()
        .hub_as_managed_cluster(true)
        .start()
        .await?;
    assert_eq!(
        env.build_outcome(),
        &BuildOutcome::Reused,
        "the second start must reuse the cache"
    );
    let local = env
        .managed_cluster(ocm_testenv::LOCAL_CLUSTER)
        .ok_or("local-cluster missing")?;
    assert_eq!(local.server(), env.hub().server());
    let mcs: Api<DynamicObject> = Api::all_with(
        env.hub().client(),
        &resource(
            "cluster.open-cluster-management.io",
            "v1",
            "ManagedCluster",
            "managedclusters",
        ),
    );
    let conds = conditions(&mcs.get(ocm_testenv::LOCAL_CLUSTER).await?);
    assert_eq!(
        conds
            .get("ManagedClusterConditionAvailable")
            .map(String::as_str),
        Some("True")
    );

    // A crashed child is reported with its log, and not restarted.
    let victim = env
        .processes()
        .into_iter()
        .find(|p| p.component == "placement-controller")
        .ok_or("no placement-controller")?;
    let status = std::process::Command::new("kill")
        .args(["-9", &victim.pid.to_string()])
        .status()?;
    assert!(status.success());
    let mut reported = None;
    for _ in 0..50 {
        if let Err(e) = env.check() {
            reported = Some(e);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    match reported {
        Some(Error::ChildExited { component, log, .. }) => {
            assert_eq!(component, "placement-controller");
            assert_eq!(log, victim.log);
        }
        other => panic!("expected the crash to be reported, got {other:?}"),
    }
    let again = env
        .processes()
        .into_iter()
        .find(|p| p.component == "placement-controller")
        .ok_or("no placement-controller")?;
    assert_eq!(again.pid, victim.pid, "a crashed child is not restarted");
    assert!(!process_alive(victim.pid));
    let pids: Vec<(String, u32)> = env
        .processes()
        .into_iter()
        .map(|p| (p.component, p.pid))
        .collect();
    let dir = env.dir().to_path_buf();
    assert!(
        matches!(env.stop(), Err(Error::ChildExited { .. })),
        "stop reports the crash"
    );
    assert_no_children(&pids, &dir);
    Ok(())
}

#[tokio::test]
async fn a_missing_go_toolchain_is_named() {
    let cache = tempfile::tempdir().map_err(|e| e.to_string());
    let Ok(cache) = cache else { return };
    let err = Build::new()
        .go("/nonexistent/bin/go")
        .cache_dir(cache.path())
        .ensure()
        .await;
    match err {
        Err(e @ Error::GoNotFound { .. }) => {
            assert!(e.to_string().contains("/nonexistent/bin/go"), "{e}");
        }
        other => panic!("expected GoNotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn kubebuilder_assets_without_the_programs_are_named() -> TestResult {
    let cache = tempfile::tempdir()?;
    let assets = tempfile::tempdir()?;
    let err = Build::new()
        .cache_dir(cache.path())
        .kubebuilder_assets(Some(assets.path().to_path_buf()))
        .ensure()
        .await;
    match err {
        Err(Error::AssetMissing { program, dir, .. }) => {
            assert_eq!(program, "kube-apiserver");
            assert_eq!(dir, assets.path());
        }
        other => panic!("expected AssetMissing, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn a_module_the_proxy_does_not_serve_is_named() -> TestResult {
    let cache = tempfile::tempdir()?;
    let err = Build::new()
        .cache_dir(cache.path())
        .module_dir("k8s.io/api@v9.9.9")
        .await;
    match err {
        Err(Error::ModuleNotServed { module, log, .. }) => {
            assert_eq!(module, "k8s.io/api@v9.9.9");
            assert!(log.is_file(), "the log {} exists", log.display());
        }
        other => panic!("expected ModuleNotServed, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn kubebuilder_assets_replace_the_built_apiserver_and_etcd() -> TestResult {
    let cached = Build::new().ensure().await?;
    let assets = tempfile::tempdir()?;
    for program in ["kube-apiserver", "etcd"] {
        let from = match program {
            "etcd" => cached.binaries.etcd(),
            _ => cached.binaries.kube_apiserver(),
        };
        std::os::unix::fs::symlink(from, assets.path().join(program))?;
    }
    let report = Build::new()
        .kubebuilder_assets(Some(assets.path().to_path_buf()))
        .ensure()
        .await?;
    assert_eq!(
        report.binaries.kube_apiserver(),
        assets.path().join("kube-apiserver")
    );
    assert_eq!(report.binaries.etcd(), assets.path().join("etcd"));
    // kube-controller-manager is not in the assets, so the cached one is used.
    assert_eq!(
        report.binaries.kube_controller_manager(),
        cached.binaries.kube_controller_manager()
    );
    assert_eq!(report.outcome, BuildOutcome::Reused);
    Ok(())
}

#[tokio::test]
async fn a_failed_start_names_the_log_keeps_it_and_stops_everything() -> TestResult {
    let err = TestEnv::builder()
        .ocm(false)
        .timeout(Duration::from_millis(1))
        .start()
        .await;
    match err {
        Err(Error::Timeout { what, logs, .. }) => {
            assert!(what.contains("etcd"), "{what}");
            let log = logs.first().ok_or("no log named")?;
            assert!(log.is_file(), "{} is kept", log.display());
            let dir = log.parent().and_then(|l| l.parent()).ok_or("no env dir")?;
            assert_no_children(&[], dir);
            std::fs::remove_dir_all(dir)?;
        }
        other => panic!("expected a Timeout naming etcd's log, got {other:?}"),
    }
    Ok(())
}
