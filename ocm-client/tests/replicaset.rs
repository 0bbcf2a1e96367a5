//! ManifestWorkReplicaSet helpers against the real Go controller.
//!
//! The ocm-testenv hub runs the Go work manager without the `ManifestWorkReplicaSet` feature
//! gate (alpha, off by default), so this test starts a second work manager from the same
//! testenv binary with `--feature-gates=ManifestWorkReplicaSet=true`: the real controller, fed
//! by the testenv's real placement controller. There are no managed-cluster agents; the test
//! writes the work conditions an agent would and watches the controller's summary follow.
//!
//! Run with `cargo test -p ocm-client --test replicaset -- --nocapture`.

use ocm_test_support::eventually;
use std::process::Stdio;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, Patch, PatchParams, PostParams};
use ocm_api::cluster::v1::{ManagedCluster, ManagedClusterSpec};
use ocm_api::cluster::v1beta1::Placement;
use ocm_api::cluster::v1beta2::{
    ManagedClusterSet, ManagedClusterSetBinding, ManagedClusterSetBindingSpec,
    ManagedClusterSetSpec,
};
use ocm_api::work::v1::{ManifestWork, ManifestWorkSpec};
use ocm_api::work::v1alpha1::LocalPlacementReference;
use ocm_api::{conditions, labels};
use ocm_client::Error;
use ocm_client::replicaset::{ClusterWorkState, ReplicaSets, owner_label_value};
use ocm_testenv::{Build, HUB_NAMESPACE, TestEnv};
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const NS: &str = "apps";
const SET: &str = "fleet";
const CLUSTERS: [&str; 3] = ["cluster1", "cluster2", "cluster3"];
const TIMEOUT: Duration = Duration::from_secs(120);

fn template(data: &str) -> Result<ManifestWorkSpec, serde_json::Error> {
    serde_json::from_value(json!({"workload": {"manifests": [{
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "web", "namespace": "default"},
        "data": {"v": data},
    }]}}))
}

async fn namespace(client: &kube::Client, name: &str) -> TestResult {
    let api: Api<Namespace> = Api::all(client.clone());
    let mut ns = Namespace::default();
    ns.metadata.name = Some(name.into());
    api.create(&PostParams::default(), &ns).await?;
    Ok(())
}

/// The hub objects: a bound cluster set with three clusters (and their namespaces), and a
/// placement selecting them (tolerating the taints the hub puts on clusters with no agent).
async fn hub_objects(client: &kube::Client) -> TestResult {
    for ns in std::iter::once(NS).chain(CLUSTERS) {
        namespace(client, ns).await?;
    }
    Api::<ManagedClusterSet>::all(client.clone())
        .create(
            &PostParams::default(),
            &ManagedClusterSet::new(SET, ManagedClusterSetSpec::default()),
        )
        .await?;
    let mut binding = ManagedClusterSetBinding::new(
        SET,
        ManagedClusterSetBindingSpec {
            cluster_set: SET.into(),
        },
    );
    binding.metadata.namespace = Some(NS.into());
    Api::<ManagedClusterSetBinding>::namespaced(client.clone(), NS)
        .create(&PostParams::default(), &binding)
        .await?;
    for name in CLUSTERS {
        let mut c = ManagedCluster::new(name, ManagedClusterSpec::default());
        c.metadata.labels = Some([(labels::CLUSTER_SET.to_owned(), SET.to_owned())].into());
        Api::<ManagedCluster>::all(client.clone())
            .create(&PostParams::default(), &c)
            .await?;
    }
    let placement: Placement = ocm_api::from_value(json!({
        "apiVersion": "cluster.open-cluster-management.io/v1beta1",
        "kind": "Placement",
        "metadata": {"name": "canary", "namespace": NS},
        "spec": {"clusterSets": [SET], "tolerations": [
            {"key": ocm_api::taints::UNREACHABLE, "operator": "Exists"},
            {"key": ocm_api::taints::UNAVAILABLE, "operator": "Exists"},
        ]},
    }))?;
    Api::<Placement>::namespaced(client.clone(), NS)
        .create(&PostParams::default(), &placement)
        .await?;
    Ok(())
}

/// Starts a second hub work manager with the ManifestWorkReplicaSet controller on.
async fn start_mwrs_controller(
    env: &TestEnv,
) -> Result<tokio::process::Child, Box<dyn std::error::Error>> {
    let report = Build::new().ensure().await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let kubeconfig = env.hub().kubeconfig_path().display().to_string();
    let log = std::fs::File::create(env.log_dir().join("work-manager-mwrs.log"))?;
    let child = tokio::process::Command::new(report.binaries.ocm())
        .args([
            "work".to_owned(),
            "manager".to_owned(),
            "--feature-gates=ManifestWorkReplicaSet=true".to_owned(),
            "--work-driver=kube".to_owned(),
            format!("--work-driver-config={kubeconfig}"),
            format!("--kubeconfig={kubeconfig}"),
            format!("--namespace={HUB_NAMESPACE}"),
            "--disable-leader-election".to_owned(),
            format!("--listen=127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()?;
    Ok(child)
}

fn print_log(env: &TestEnv) {
    let path = env.log_dir().join("work-manager-mwrs.log");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    eprintln!("---- last lines of {} ----", path.display());
    for line in &lines[lines.len().saturating_sub(60)..] {
        eprintln!("{line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_summary_and_cluster_states_with_the_go_controller() -> TestResult {
    let env = TestEnv::builder().start().await?;
    let client = env.hub().client();
    hub_objects(&client).await?;
    let mut controller = start_mwrs_controller(&env).await?;
    let result = run(&client).await;
    if result.is_err() {
        print_log(&env);
    }
    controller.kill().await?;
    result
}

async fn run(client: &kube::Client) -> TestResult {
    let sets = ReplicaSets::new(client.clone(), NS);
    let none = sets.create("empty", template("1")?, []).await;
    assert!(matches!(none, Err(Error::Invalid { .. })), "{none:?}");
    let missing = sets.cluster_states("nope").await;
    assert!(
        matches!(&missing, Err(e) if e.is_not_found()),
        "{missing:?}"
    );

    let created = sets
        .create(
            "web",
            template("1")?,
            [LocalPlacementReference::new("canary")],
        )
        .await?;
    assert_eq!(created.spec.placement_refs[0].name, "canary");
    assert!(
        created.spec.cascade_deletion_policy.is_some(),
        "the CRD defaults what the builder leaves unset"
    );

    // The controller creates one work per selected cluster, labelled for the replica set.
    let started = Instant::now();
    eventually("a work per cluster", TIMEOUT, || async {
        let states = sets.cluster_states("web").await?;
        let clusters: Vec<&str> = states.iter().map(|s| s.cluster.as_str()).collect();
        Ok(if clusters == CLUSTERS {
            Ok(())
        } else {
            Err(format!("{states:?}"))
        })
    })
    .await?;
    eprintln!("works created after {:.1?}", started.elapsed());
    let owner = owner_label_value(NS, "web");
    for state in sets.cluster_states("web").await? {
        assert_eq!(state.work, "web");
        assert_eq!(state.placement.as_deref(), Some("canary"));
        assert!(state.up_to_date && !state.deleting, "{state:?}");
        assert_eq!(state.available, None, "no agent reported yet: {state:?}");
        let work = Api::<ManifestWork>::namespaced(client.clone(), &state.cluster)
            .get("web")
            .await?;
        let label = work
            .metadata
            .labels
            .as_ref()
            .and_then(|l| l.get(labels::MANIFEST_WORK_REPLICA_SET));
        assert_eq!(
            label,
            Some(&owner),
            "Go's label value is <namespace>.<name>"
        );
    }
    eventually("the summary counting three works", TIMEOUT, || async {
        let s = sets.summary("web").await?;
        Ok(
            if s.reported && s.counts.total == 3 && s.placements_verified() {
                Ok(())
            } else {
                Err(format!("{s:?}"))
            },
        )
    })
    .await?;
    assert!(!sets.summary("web").await?.applied());

    // Play the agents: every work applied and available.
    for cluster in CLUSTERS {
        Api::<ManifestWork>::namespaced(client.clone(), cluster)
            .patch_status(
                "web",
                &PatchParams::default(),
                &Patch::Merge(json!({"status": {"conditions": [
                    conditions::new(conditions::WORK_APPLIED, conditions::status::TRUE, "AppliedManifestWorkComplete", "applied"),
                    conditions::new(conditions::WORK_AVAILABLE, conditions::status::TRUE, "ResourcesAvailable", "available"),
                ]}})),
            )
            .await?;
    }
    let states = sets.cluster_states("web").await?;
    assert!(
        states.iter().all(ClusterWorkState::is_available),
        "{states:?}"
    );
    eventually(
        "the summary counting three available works",
        TIMEOUT,
        || async {
            let s = sets.summary("web").await?;
            Ok(
                if s.counts.available == 3 && s.counts.applied == 3 && s.applied() {
                    Ok(())
                } else {
                    Err(format!("{s:?}"))
                },
            )
        },
    )
    .await?;
    let summary = sets.summary("web").await?;
    assert_eq!(summary.placements.len(), 1);
    assert_eq!(summary.placements[0].name, "canary");
    eprintln!("summary: {:?}", summary.counts);
    Ok(())
}
