//! The fleet demo pointed at a hub it did not start (`--kubeconfig`): a testenv hub started by
//! this test, with simulated clusters (and their simulated work agent) in this process. The
//! demo runs its steps on the hub's clusters and, at the end and on Ctrl-C, puts the hub back:
//! no label, taint, placement, work or add-on of its own is left.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{events_until, fleet};

use std::process::Command;

use kube::api::{Api, ListParams};
use ocm_api::addon::v1alpha1::{ClusterManagementAddOn, ManagedClusterAddOn};
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::cluster::v1beta1::Placement;
use ocm_api::work::v1::ManifestWork;
use ocm_testenv::{SimulatedCluster, TestEnv};

/// Checks that nothing of the demo is left on the hub; the clusters keep the label the test
/// gave them before.
async fn assert_reverted(hub: &kube::Client) {
    let lp = ListParams::default();
    for c in Api::<ManagedCluster>::all(hub.clone())
        .list(&lp)
        .await
        .unwrap()
    {
        let labels = c.metadata.labels.clone().unwrap_or_default();
        assert!(!labels.contains_key("fleet-demo"), "{labels:?}");
        assert_eq!(
            labels.get("ring").map(String::as_str),
            Some("mine"),
            "{labels:?}"
        );
        let taints = c.spec.taints.clone().unwrap_or_default();
        assert!(
            taints.iter().all(|t| t.key != "fleet-demo/maintenance"),
            "{taints:?}"
        );
    }
    let ns = Api::<k8s_openapi::api::core::v1::Namespace>::all(hub.clone())
        .get_opt("fleet-demo")
        .await
        .unwrap();
    assert!(ns.is_none(), "the demo's namespace is left");
    let placements = Api::<Placement>::all(hub.clone()).list(&lp).await.unwrap();
    assert!(
        placements
            .items
            .iter()
            .all(|p| p.metadata.deletion_timestamp.is_some()),
        "placements left: {:?}",
        placements
            .items
            .iter()
            .map(|p| &p.metadata.name)
            .collect::<Vec<_>>()
    );
    let works = Api::<ManifestWork>::all(hub.clone())
        .list(&lp)
        .await
        .unwrap();
    assert!(
        works.items.is_empty(),
        "{:?}",
        works
            .items
            .iter()
            .map(|w| (
                &w.metadata.name,
                &w.metadata.labels,
                &w.metadata.deletion_timestamp
            ))
            .collect::<Vec<_>>()
    );
    assert!(
        Api::<ClusterManagementAddOn>::all(hub.clone())
            .list(&lp)
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        Api::<ManagedClusterAddOn>::all(hub.clone())
            .list(&lp)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[test]
fn on_a_hub_it_did_not_start_the_demo_reverts_what_it_set() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let env = rt.block_on(async {
        TestEnv::builder()
            .simulated_clusters(3)
            .simulated_cluster_template(|i| {
                SimulatedCluster::new(format!("own-{i}")).label("ring", "mine")
            })
            .simulated_work_agent(true)
            .start()
            .await
            .unwrap()
    });
    let hub = env.hub().client();
    let path = env.hub().kubeconfig_path().to_path_buf();

    // To the end: every step met its expectation, then the hub is put back.
    let mut child = fleet(&["--kubeconfig".as_ref(), path.as_os_str()])
        .spawn()
        .unwrap();
    let events = events_until(&mut child, |e| e["event"] == "done");
    assert!(child.wait().unwrap().success());
    assert_eq!(events.last().unwrap()["ok"], true, "{:?}", events.last());
    let first = events.iter().find(|e| e["event"] == "step").unwrap();
    assert!(
        first["title"]
            .as_str()
            .unwrap()
            .contains("ocm-testenv is not started"),
        "{first}"
    );
    assert!(events.iter().any(|e| e["event"] == "feedback"));
    rt.block_on(assert_reverted(&hub));

    // Interrupted in the middle of the rollout: put back too.
    let mut child = fleet(&["--kubeconfig".as_ref(), path.as_os_str()])
        .spawn()
        .unwrap();
    events_until(&mut child, |e| e["event"] == "step" && e["step"] == 4);
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let events = events_until(&mut child, |e| e["event"] == "done");
    assert!(
        !child.wait().unwrap().success(),
        "an interrupted demo fails"
    );
    assert!(events.iter().any(|e| {
        e["message"]
            .as_str()
            .is_some_and(|m| m.contains("the hub is as it was"))
    }));
    rt.block_on(assert_reverted(&hub));
    env.stop().unwrap();
}
