//! ManifestWorkReplicaSet helpers against a real hub apiserver with the upstream CRDs.
//!
//! The ocm-testenv hub runs the Go work manager without the `ManifestWorkReplicaSet` feature
//! gate, so no ManifestWorkReplicaSet controller runs: this test creates the works the
//! controller would create (named like the replica set, in the cluster namespaces, with its
//! labels) and checks that the helpers read them. When the testenv enables the gate, the test
//! fails on purpose at the first assertion, to be replaced by one against the controller.
//!
//! Run with `cargo test -p ocm-client --test replicaset`.

use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, Patch, PatchParams, PostParams};
use ocm_api::work::v1::{ManifestWork, ManifestWorkSpec};
use ocm_api::work::v1alpha1::LocalPlacementReference;
use ocm_api::{conditions, labels};
use ocm_client::Error;
use ocm_client::replicaset::{ReplicaSets, owner_label_value};
use ocm_testenv::TestEnv;
use serde_json::json;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const NS: &str = "apps";

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

/// A work as the controller creates it for `cluster`, owned by `owner` (`<ns>.<name>`).
fn owned_work(cluster: &str, owner: &str, spec: ManifestWorkSpec) -> ManifestWork {
    let mut w = ManifestWork::new("web", spec);
    w.metadata.namespace = Some(cluster.into());
    w.metadata.labels = Some(
        [
            (
                labels::MANIFEST_WORK_REPLICA_SET.to_owned(),
                owner.to_owned(),
            ),
            (
                labels::MANIFEST_WORK_REPLICA_SET_PLACEMENT_NAME.to_owned(),
                "canary".to_owned(),
            ),
        ]
        .into(),
    );
    w
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_summary_and_cluster_states() -> TestResult {
    let env = TestEnv::builder().start().await?;
    let client = env.hub().client();
    for ns in [NS, "cluster1", "cluster2", "cluster3"] {
        namespace(&client, ns).await?;
    }
    let sets = ReplicaSets::new(client.clone(), NS);

    let none = sets.create("empty", template("1")?, []).await;
    assert!(matches!(none, Err(Error::Invalid { .. })), "{none:?}");

    let created = sets
        .create(
            "web",
            template("1")?,
            [LocalPlacementReference::new("canary")],
        )
        .await?;
    assert_eq!(created.spec.placement_refs[0].name, "canary");
    // The CRD defaults what the builder leaves unset.
    assert!(created.spec.cascade_deletion_policy.is_some());

    // No controller: no status, even after a while.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let summary = sets.summary("web").await?;
    assert!(
        !summary.reported,
        "a ManifestWorkReplicaSet controller wrote a status: {summary:?}"
    );
    assert!(!summary.applied() && !summary.placements_verified());

    let owner = owner_label_value(NS, "web");
    assert_eq!(owner, "apps.web");
    let works1: Api<ManifestWork> = Api::namespaced(client.clone(), "cluster1");
    works1
        .create(
            &PostParams::default(),
            &owned_work("cluster1", &owner, template("1")?),
        )
        .await?;
    works1
        .patch_status(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"conditions": [
                conditions::new(conditions::WORK_APPLIED, conditions::status::TRUE, "AppliedManifestWorkComplete", ""),
                conditions::new(conditions::WORK_AVAILABLE, conditions::status::TRUE, "ResourcesAvailable", ""),
            ]}})),
        )
        .await?;
    // An outdated work, and a work of another replica set.
    Api::<ManifestWork>::namespaced(client.clone(), "cluster2")
        .create(
            &PostParams::default(),
            &owned_work("cluster2", &owner, template("0")?),
        )
        .await?;
    Api::<ManifestWork>::namespaced(client.clone(), "cluster3")
        .create(
            &PostParams::default(),
            &owned_work("cluster3", &owner_label_value(NS, "other"), template("1")?),
        )
        .await?;

    let states = sets.cluster_states("web").await?;
    let clusters: Vec<&str> = states.iter().map(|s| s.cluster.as_str()).collect();
    assert_eq!(clusters, ["cluster1", "cluster2"]);
    let (one, two) = (&states[0], &states[1]);
    assert_eq!(one.placement.as_deref(), Some("canary"));
    assert_eq!((one.applied, one.available), (Some(true), Some(true)));
    assert!(one.up_to_date && one.is_available(), "{one:?}");
    assert!(!two.up_to_date && two.available.is_none(), "{two:?}");

    let missing = sets.cluster_states("nope").await;
    assert!(
        matches!(&missing, Err(e) if e.is_not_found()),
        "{missing:?}"
    );
    Ok(())
}
