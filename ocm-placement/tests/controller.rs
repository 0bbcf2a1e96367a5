//! The placement controller against a real kube-apiserver with the upstream OCM CRDs
//! (`ocm-testenv` with `ocm(false)`: no Go OCM controller runs, so this controller is the only
//! writer of PlacementDecisions and placement status).
//!
//! Run with `cargo test -p ocm-placement --features controller --test controller`. One
//! environment for the whole binary (the machine has two cores).

#![cfg(feature = "controller")]

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::api::events::v1::Event;
use kube::Client;
use kube::api::{
    Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams, PostParams,
};
use ocm_api::cluster::v1::{ManagedCluster, ManagedClusterSpec, Taint, TaintEffect};
use ocm_api::cluster::v1alpha1::{
    AddOnPlacementScore, AddOnPlacementScoreItem, AddOnPlacementScoreStatus,
};
use ocm_api::cluster::v1beta1::{Placement, PlacementDecision};
use ocm_api::cluster::v1beta2::{
    ManagedClusterSet, ManagedClusterSetBinding, ManagedClusterSetBindingSpec,
    ManagedClusterSetSpec,
};
use ocm_api::{conditions, labels};
use ocm_placement::controller::{self, Config};
use ocm_test_support::CheckError;
use ocm_testenv::TestEnv;
use serde_json::json;

type TestResult = Result<(), CheckError>;

const NS: &str = "apps";
const SET: &str = "prod";
/// Generous: the machine running the tests is shared, and one run under heavy load timed out
/// at 60 s (the cause was not captured).
const TIMEOUT: Duration = Duration::from_secs(120);

/// Polls `check` until it returns `Ok(Ok(()))`; fails with the last observation on timeout.
async fn eventually<F, Fut>(what: &str, check: F) -> TestResult
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Result<(), String>, CheckError>>,
{
    ocm_test_support::eventually(what, TIMEOUT, check).await?;
    Ok(())
}

/// Creates the exclusive cluster set `name` and its binding in `NS`.
async fn create_bound_set(
    client: &Client,
    name: &str,
) -> Result<(Api<ManagedClusterSet>, Api<ManagedClusterSetBinding>), CheckError> {
    let sets: Api<ManagedClusterSet> = Api::all(client.clone());
    sets.create(
        &PostParams::default(),
        &ManagedClusterSet::new(name, ManagedClusterSetSpec::default()),
    )
    .await?;
    let bindings: Api<ManagedClusterSetBinding> = Api::namespaced(client.clone(), NS);
    let mut binding = ManagedClusterSetBinding::new(
        name,
        ManagedClusterSetBindingSpec {
            cluster_set: name.into(),
        },
    );
    binding.metadata.namespace = Some(NS.into());
    bindings.create(&PostParams::default(), &binding).await?;
    Ok((sets, bindings))
}

fn cluster(name: &str, set: &str) -> ManagedCluster {
    let mut c = ManagedCluster::new(name, ManagedClusterSpec::default());
    c.metadata.labels = Some([(labels::CLUSTER_SET.to_owned(), set.to_owned())].into());
    c
}

fn placement(name: &str, spec: serde_json::Value) -> Result<Placement, ocm_api::Error> {
    ocm_api::from_value(json!({
        "apiVersion": "cluster.open-cluster-management.io/v1beta1",
        "kind": "Placement",
        "metadata": {"name": name, "namespace": NS},
        "spec": spec,
    }))
}

/// The pages of a placement, by name, with their cluster names.
async fn pages(
    client: &Client,
    placement: &str,
) -> Result<BTreeMap<String, Vec<String>>, kube::Error> {
    let api: Api<PlacementDecision> = Api::namespaced(client.clone(), NS);
    let list = api
        .list(&ListParams::default().labels(&format!("{}={placement}", labels::PLACEMENT)))
        .await?;
    Ok(list
        .items
        .into_iter()
        .map(|d| {
            let clusters = d
                .status
                .map(|s| s.decisions.into_iter().map(|c| c.cluster_name).collect())
                .unwrap_or_default();
            (d.metadata.name.unwrap_or_default(), clusters)
        })
        .collect())
}

async fn chosen(client: &Client, placement: &str) -> Result<Vec<String>, kube::Error> {
    let mut all: Vec<String> = pages(client, placement)
        .await?
        .into_values()
        .flatten()
        .collect();
    all.sort();
    Ok(all)
}

/// Waits until `placement`'s decisions name exactly `want` (sorted).
async fn eventually_chosen(
    client: &Client,
    what: &str,
    placement: &str,
    want: &[&str],
) -> TestResult {
    eventually(what, || async {
        let got = chosen(client, placement).await?;
        Ok(if got == want {
            Ok(())
        } else {
            Err(format!("{got:?}"))
        })
    })
    .await
}

/// The events of `reason` about placement `placement`, related to the decision `decision`.
async fn events(
    client: &Client,
    placement: &str,
    reason: &str,
    decision: &str,
) -> Result<Vec<Event>, kube::Error> {
    let api: Api<Event> = Api::namespaced(client.clone(), NS);
    Ok(api
        .list(&ListParams::default())
        .await?
        .items
        .into_iter()
        .filter(|e| {
            e.reason.as_deref() == Some(reason)
                && e.regarding.as_ref().and_then(|r| r.name.as_deref()) == Some(placement)
                && e.related.as_ref().and_then(|r| r.name.as_deref()) == Some(decision)
        })
        .collect())
}

/// Waits for an event and checks its type, action, involved objects and reporter; returns it.
async fn expect_event(
    client: &Client,
    placement: &Placement,
    (reason, action, type_): (&str, &str, &str),
    decision: &str,
    reporter: &str,
) -> Result<Event, CheckError> {
    let name = placement.metadata.name.as_deref().unwrap_or_default();
    eventually(
        &format!("{reason} event of {name} for {decision}"),
        || async {
            let got = events(client, name, reason, decision).await?;
            Ok(if got.is_empty() {
                Err("none".to_owned())
            } else {
                Ok(())
            })
        },
    )
    .await?;
    let e = events(client, name, reason, decision)
        .await?
        .into_iter()
        .next()
        .ok_or("no event")?;
    assert_eq!(e.type_.as_deref(), Some(type_), "{e:?}");
    assert_eq!(e.action.as_deref(), Some(action), "{e:?}");
    assert_eq!(e.reporting_controller.as_deref(), Some(reporter), "{e:?}");
    let regarding = e.regarding.clone().ok_or("no regarding")?;
    assert_eq!(
        (
            regarding.api_version.as_deref(),
            regarding.kind.as_deref(),
            regarding.namespace.as_deref(),
            regarding.uid.as_ref(),
        ),
        (
            Some("cluster.open-cluster-management.io/v1beta1"),
            Some("Placement"),
            Some(NS),
            placement.metadata.uid.as_ref(),
        ),
        "{e:?}"
    );
    let related = e.related.clone().ok_or("no related")?;
    assert_eq!(related.kind.as_deref(), Some("PlacementDecision"), "{e:?}");
    Ok(e)
}

/// The decisions of a page as the apiserver stores them (raw JSON, to see absent fields).
async fn raw_decisions(client: &Client, page: &str) -> Result<Vec<serde_json::Value>, CheckError> {
    let api: Api<DynamicObject> = Api::namespaced_with(
        client.clone(),
        NS,
        &ApiResource::erase::<PlacementDecision>(&()),
    );
    let d = api.get(page).await?;
    Ok(d.data["status"]["decisions"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// `(status, reason)` of a placement condition.
fn condition(p: &Placement, type_: &str) -> Option<(String, String)> {
    let status = p.status.as_ref()?;
    conditions::find(&status.conditions, type_).map(|c| (c.status.clone(), c.reason.clone()))
}

fn pair(status: &str, reason: &str) -> Option<(String, String)> {
    Some((status.to_owned(), reason.to_owned()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_schedules_and_reschedules_on_hub_changes() -> TestResult {
    // The controller's logs (watch errors, retries) are shown when the test fails.
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "ocm_placement=debug,kube_runtime=info".into()),
        )
        .try_init();
    let env = TestEnv::builder().ocm(false).start().await?;
    let client = env.hub().client();

    // ---- the hub: a set bound to `apps`, clusters inside and outside it ----------------------
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let mut ns = Namespace::default();
    ns.metadata.name = Some(NS.into());
    namespaces.create(&PostParams::default(), &ns).await?;
    let (sets, bindings) = create_bound_set(&client, SET).await?;
    let clusters: Api<ManagedCluster> = Api::all(client.clone());
    for (name, set) in [("c1", SET), ("c2", SET), ("c3", SET), ("x1", "other")] {
        clusters
            .create(&PostParams::default(), &cluster(name, set))
            .await?;
    }

    // A second set with a freshly tainted cluster, for a placement tolerating the taint for a
    // few seconds: nothing changes on the hub when the toleration expires, only the requeue
    // time brings the controller back.
    sets.create(
        &PostParams::default(),
        &ManagedClusterSet::new("tol", ManagedClusterSetSpec::default()),
    )
    .await?;
    let mut tol_binding = ManagedClusterSetBinding::new(
        "tol",
        ManagedClusterSetBindingSpec {
            cluster_set: "tol".into(),
        },
    );
    tol_binding.metadata.namespace = Some(NS.into());
    bindings
        .create(&PostParams::default(), &tol_binding)
        .await?;
    let mut tainted = cluster("t1", "tol");
    tainted.spec.taints = Some(vec![Taint {
        key: "maintenance".into(),
        value: None,
        effect: TaintEffect::NoSelect,
        time_added: Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
            jiff::Timestamp::now(),
        )),
    }]);
    clusters.create(&PostParams::default(), &tainted).await?;

    let placements: Api<Placement> = Api::namespaced(client.clone(), NS);
    placements
        .create(
            &PostParams::default(),
            &placement(
                "tolerant",
                json!({"clusterSets": ["tol"], "tolerations": [
                    {"key": "maintenance", "operator": "Exists", "tolerationSeconds": 8}]}),
            )?,
        )
        .await?;
    placements
        .create(
            &PostParams::default(),
            &placement("web", json!({"numberOfClusters": 2}))?,
        )
        .await?;
    // A placement the controller must leave alone.
    let mut off = placement("off", json!({}))?;
    off.metadata.annotations = Some(
        [(
            ocm_api::annotations::EXPERIMENTAL_SCHEDULING_DISABLE.to_owned(),
            "true".to_owned(),
        )]
        .into(),
    );
    placements.create(&PostParams::default(), &off).await?;
    // A misconfigured one (invalid CEL): status says so, with upstream's reason.
    placements
        .create(
            &PostParams::default(),
            &placement(
                "broken",
                json!({"predicates": [{"requiredClusterSelector": {
                    "celSelector": {"celExpressions": ["managedCluster.metadata.name =="]}}}]}),
            )?,
        )
        .await?;

    // CEL over fields only the whole object has: the uid and the managed fields (which the
    // controller's cache keeps as text and expands for CEL).
    placements
        .create(
            &PostParams::default(),
            &placement(
                "cel",
                json!({"clusterSets": ["tol"],
                       "tolerations": [{"key": "maintenance", "operator": "Exists"}],
                       "predicates": [{"requiredClusterSelector": {"celSelector": {"celExpressions": [
                    r#"managedCluster.metadata.uid != "" && managedCluster.metadata.managedFields.exists(f, "f:spec" in f.fieldsV1)"#
                ]}}}]}),
            )?,
        )
        .await?;

    // ---- run the controller ------------------------------------------------------------------
    let controller = tokio::spawn(controller::run(
        client.clone(),
        Config::default().field_manager("ocm-placement-test"),
    ));

    // Two of three feasible clusters, ties broken by name; one page, upstream's name and labels.
    eventually_chosen(&client, "web to choose c1 and c2", "web", &["c1", "c2"]).await?;
    let web = placements.get("web").await?;
    eventually_chosen(&client, "cel to choose t1", "cel", &["t1"]).await?;

    // Upstream's events, about the placement and related to the page; the reporter defaults
    // to the field manager.
    const REPORTER: &str = "ocm-placement-test";
    let created = expect_event(
        &client,
        &web,
        ("DecisionCreate", "DecisionCreated", "Normal"),
        "web-decision-1",
        REPORTER,
    )
    .await?;
    assert_eq!(
        created.note.as_deref(),
        Some("Decision web-decision-1 is created with placement web in namespace apps")
    );
    let updated = expect_event(
        &client,
        &web,
        ("DecisionUpdate", "DecisionUpdated", "Normal"),
        "web-decision-1",
        REPORTER,
    )
    .await?;
    assert_eq!(
        updated.note.as_deref(),
        Some("Decision web-decision-1 is updated with placement web in namespace apps")
    );
    let scored = expect_event(
        &client,
        &web,
        ("ScoreUpdate", "ScoreUpdated", "Normal"),
        "web-decision-1",
        REPORTER,
    )
    .await?;
    // `name:score ` for the chosen clusters, sorted by name.
    let note = scored.note.unwrap_or_default();
    let names: Vec<&str> = note
        .split_whitespace()
        .filter_map(|item| item.split_once(':').map(|(n, _)| n))
        .collect();
    assert_eq!(names, ["c1", "c2"], "{note:?}");
    assert!(note.ends_with(' '), "{note:?}");
    // Scores are not written by default: the decisions are upstream's.
    let raw = raw_decisions(&client, "web-decision-1").await?;
    assert_eq!(raw.len(), 2, "{raw:?}");
    assert!(raw.iter().all(|d| d.get("score").is_none()), "{raw:?}");

    let pd = Api::<PlacementDecision>::namespaced(client.clone(), NS)
        .get("web-decision-1")
        .await?;
    let pd_labels = pd.metadata.labels.clone().unwrap_or_default();
    assert_eq!(
        pd_labels.get(labels::PLACEMENT).map(String::as_str),
        Some("web")
    );
    assert_eq!(
        pd_labels
            .get(labels::DECISION_GROUP_INDEX)
            .map(String::as_str),
        Some("0")
    );
    assert_eq!(
        pd_labels
            .get(labels::DECISION_GROUP_NAME)
            .map(String::as_str),
        Some("")
    );
    let owner = pd
        .metadata
        .owner_references
        .clone()
        .unwrap_or_default()
        .into_iter()
        .next()
        .ok_or("no owner reference")?;
    assert_eq!(Some(owner.uid), web.metadata.uid.clone());
    assert_eq!(
        (owner.kind.as_str(), owner.controller),
        ("Placement", Some(true))
    );
    let managers: Vec<String> = pd
        .metadata
        .managed_fields
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.manager)
        .collect();
    assert!(
        managers.iter().all(|m| m == "ocm-placement-test"),
        "{managers:?}"
    );

    // The status follows.
    eventually("web's status", || async {
        let p = placements.get("web").await?;
        let status = p.status.clone().unwrap_or_default();
        let ok = status.number_of_selected_clusters == 2
            && status.decision_groups.len() == 1
            && status.decision_groups[0].decisions == ["web-decision-1"]
            && status.decision_groups[0].clusters_count == 2
            && condition(&p, conditions::PLACEMENT_SATISFIED)
                == pair("True", "AllDecisionsScheduled")
            && condition(&p, conditions::PLACEMENT_MISCONFIGURED)
                == pair("False", "Succeedconfigured");
        Ok(if ok {
            Ok(())
        } else {
            Err(format!("{status:?}"))
        })
    })
    .await?;
    let satisfied_since = placements
        .get("web")
        .await?
        .status
        .and_then(|s| {
            conditions::find(&s.conditions, conditions::PLACEMENT_SATISFIED)
                .map(|c| c.last_transition_time.clone())
        })
        .ok_or("no PlacementSatisfied")?;

    eventually("broken to be misconfigured", || async {
        let p = placements.get("broken").await?;
        let got = condition(&p, conditions::PLACEMENT_MISCONFIGURED);
        Ok(if got == pair("True", "Misconfigured") {
            Ok(())
        } else {
            Err(format!("{got:?}"))
        })
    })
    .await?;

    eventually_chosen(
        &client,
        "tolerant to choose t1 while the toleration holds",
        "tolerant",
        &["t1"],
    )
    .await?;

    // ---- a cluster leaves the set (cluster trigger): Steady keeps c2, c3 comes in ------------
    clusters
        .patch(
            "c1",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {labels::CLUSTER_SET: "other"}}})),
        )
        .await?;
    eventually_chosen(&client, "web to move from c1 to c3", "web", &["c2", "c3"]).await?;
    // Still satisfied: the transition time did not move.
    let p = placements.get("web").await?;
    let since = p
        .status
        .as_ref()
        .and_then(|s| conditions::find(&s.conditions, conditions::PLACEMENT_SATISFIED))
        .map(|c| c.last_transition_time.clone());
    assert_eq!(since, Some(satisfied_since));

    // ---- a NoSelect taint (cluster spec trigger) ---------------------------------------------
    clusters
        .patch(
            "c2",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"taints": [Taint {
                key: "maintenance".into(),
                value: None,
                effect: TaintEffect::NoSelect,
                time_added: None,
            }]}})),
        )
        .await?;
    eventually("web to drop the tainted c2 and fall short", || async {
        let got = chosen(&client, "web").await?;
        let p = placements.get("web").await?;
        let satisfied = condition(&p, conditions::PLACEMENT_SATISFIED);
        Ok(
            if got == ["c3"] && satisfied == pair("False", "NotAllDecisionsScheduled") {
                Ok(())
            } else {
                Err(format!("{got:?} {satisfied:?}"))
            },
        )
    })
    .await?;

    // ---- many clusters: pages of 100, then stale pages deleted -------------------------------
    placements
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"numberOfClusters": null}})),
        )
        .await?;
    for i in 0..120 {
        clusters
            .create(
                &PostParams::default(),
                &cluster(&format!("bulk-{i:03}"), SET),
            )
            .await?;
    }
    eventually("web to spread 121 clusters over two pages", || async {
        let got = pages(&client, "web").await?;
        let sizes: Vec<(String, usize)> = got.iter().map(|(k, v)| (k.clone(), v.len())).collect();
        Ok(
            if sizes
                == [
                    ("web-decision-1".to_owned(), 100),
                    ("web-decision-2".to_owned(), 21),
                ]
            {
                Ok(())
            } else {
                Err(format!("{sizes:?}"))
            },
        )
    })
    .await?;
    eventually("web's status to count 121", || async {
        let p = placements.get("web").await?;
        let status = p.status.clone().unwrap_or_default();
        let ok = status.number_of_selected_clusters == 121
            && status.decision_groups.len() == 1
            && status.decision_groups[0].decisions == ["web-decision-1", "web-decision-2"];
        Ok(if ok {
            Ok(())
        } else {
            Err(format!("{status:?}"))
        })
    })
    .await?;

    // By now the toleration has expired (8 s after t1 was tainted) and the requeue dropped t1.
    eventually_chosen(
        &client,
        "tolerant to drop t1 when the toleration expires",
        "tolerant",
        &[],
    )
    .await?;

    // ---- the bindings go (binding trigger) --------------------------------------------------
    // Without `prod`, only the tainted t1 of `tol` is left: nothing passes the filters.
    bindings.delete(SET, &DeleteParams::default()).await?;
    eventually("web to lose every cluster", || async {
        let got = pages(&client, "web").await?;
        let p = placements.get("web").await?;
        let satisfied = condition(&p, conditions::PLACEMENT_SATISFIED);
        let want: BTreeMap<String, Vec<String>> =
            [("web-decision-1".to_owned(), Vec::new())].into();
        Ok(
            if got == want && satisfied == pair("False", "NoManagedClusterMatched") {
                Ok(())
            } else {
                Err(format!("{got:?} {satisfied:?}"))
            },
        )
    })
    .await?;
    let deleted = expect_event(
        &client,
        &web,
        ("DecisionDelete", "DecisionDeleted", "Normal"),
        "web-decision-2",
        REPORTER,
    )
    .await?;
    assert_eq!(
        deleted.note.as_deref(),
        Some("Decision web-decision-2 is deleted with placement web in namespace apps")
    );
    // Without any binding: one empty page, upstream's reason.
    bindings.delete("tol", &DeleteParams::default()).await?;
    eventually("web to have no binding", || async {
        let got = pages(&client, "web").await?;
        let p = placements.get("web").await?;
        let satisfied = condition(&p, conditions::PLACEMENT_SATISFIED);
        let want: BTreeMap<String, Vec<String>> =
            [("web-decision-1".to_owned(), Vec::new())].into();
        Ok(
            if got == want && satisfied == pair("False", "NoManagedClusterSetBindings") {
                Ok(())
            } else {
                Err(format!("{got:?} {satisfied:?}"))
            },
        )
    })
    .await?;

    // The disabled placement was never touched.
    let off = placements.get("off").await?;
    assert!(
        off.status.is_none_or(|s| s.conditions.is_empty()),
        "off has a status"
    );
    assert!(pages(&client, "off").await?.is_empty());

    controller.abort();
    let _ = controller.await;

    scores_are_written_when_asked(&client).await?;

    env.stop()?;
    Ok(())
}

/// A second controller run, with `write_decision_scores`: each decision carries its cluster's
/// total score, as `Scheduler::schedule` computes it on the same hub state.
async fn scores_are_written_when_asked(client: &Client) -> TestResult {
    const SCORED: &str = "scored";
    const REPORTER: &str = "scores-test";
    let (sets, _) = create_bound_set(client, SCORED).await?;
    let clusters: Api<ManagedCluster> = Api::all(client.clone());
    let namespaces: Api<Namespace> = Api::all(client.clone());
    // An AddOn score per cluster, in the cluster's namespace.
    for (name, cpu) in [("s1", 10), ("s2", 50), ("s3", 30)] {
        clusters
            .create(&PostParams::default(), &cluster(name, SCORED))
            .await?;
        let mut ns = Namespace::default();
        ns.metadata.name = Some(name.into());
        namespaces.create(&PostParams::default(), &ns).await?;
        let scores: Api<AddOnPlacementScore> = Api::namespaced(client.clone(), name);
        let mut score = AddOnPlacementScore::new("load");
        score.metadata.namespace = Some(name.into());
        scores.create(&PostParams::default(), &score).await?;
        score.status = Some(AddOnPlacementScoreStatus {
            scores: Some(vec![AddOnPlacementScoreItem {
                name: "cpu".into(),
                value: cpu,
            }]),
            valid_until: Some(k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1),
            )),
            ..Default::default()
        });
        scores
            .patch_status(
                "load",
                &PatchParams::apply("test").force(),
                &Patch::Apply(&score),
            )
            .await?;
    }
    let placements: Api<Placement> = Api::namespaced(client.clone(), NS);
    placements
        .create(
            &PostParams::default(),
            &placement(
                "ranked",
                json!({"clusterSets": [SCORED], "numberOfClusters": 2,
                    "prioritizerPolicy": {"mode": "Exact", "configurations": [
                        {"scoreCoordinate": {"type": "AddOn",
                            "addOn": {"resourceName": "load", "scoreName": "cpu"}},
                         "weight": 2}]}}),
            )?,
        )
        .await?;
    // The default prioritizers (Balance and Steady) on the same clusters: scores that depend
    // on `ranked`'s decisions and on its own.
    placements
        .create(
            &PostParams::default(),
            &placement(
                "spread",
                json!({"clusterSets": [SCORED], "numberOfClusters": 2}),
            )?,
        )
        .await?;

    let controller = tokio::spawn(controller::run(
        client.clone(),
        Config::default()
            .field_manager("ocm-placement-test")
            .reporting_controller(REPORTER)
            .write_decision_scores(true),
    ));

    // cpu × 2: s2 100, s3 60 (s1's 20 is not chosen).
    eventually("ranked to carry its scores", || async {
        let raw = raw_decisions(client, "ranked-decision-1").await?;
        let mut got: Vec<(String, i64)> = raw
            .iter()
            .map(|d| {
                (
                    d["clusterName"].as_str().unwrap_or_default().to_owned(),
                    d["score"].as_i64().unwrap_or(i64::MIN),
                )
            })
            .collect();
        got.sort();
        Ok(if got == [("s2".to_owned(), 100), ("s3".to_owned(), 60)] {
            Ok(())
        } else {
            Err(format!("{raw:?}"))
        })
    })
    .await?;

    // The same as the scheduler on the hub's state, for every placement (the default
    // prioritizers of `web` and `tolerant` included).
    //
    // Balance reads the other placements' decisions, and (as upstream) a placement is not
    // reconciled again when another placement's decisions change: `web`'s scores written before
    // `ranked` and `spread` chose theirs stay as written. A placement whose scores are not the
    // scheduler's is therefore touched (an annotation), so it is reconciled on the hub as it is
    // now; a wrong score from the controller's own state still never converges.
    let touches = std::sync::atomic::AtomicU32::new(0);
    eventually("every decision's score to be the scheduler's", || async {
        let mut mismatches = Vec::new();
        let mut lagging = Vec::new();
        let ps = placements.list(&ListParams::default()).await?.items;
        let hub_clusters = clusters.list(&ListParams::default()).await?.items;
        let hub_sets = sets.list(&ListParams::default()).await?.items;
        let hub_bindings = Api::<ManagedClusterSetBinding>::all(client.clone())
            .list(&ListParams::default())
            .await?
            .items;
        let hub_scores = Api::<AddOnPlacementScore>::all(client.clone())
            .list(&ListParams::default())
            .await?
            .items;
        let hub_decisions = Api::<PlacementDecision>::all(client.clone())
            .list(&ListParams::default())
            .await?
            .items;
        let snapshot = ocm_placement::adapter::build_snapshot(
            &hub_clusters,
            &hub_sets,
            &hub_bindings,
            &hub_scores,
            &hub_decisions,
        )?;
        for p in ps.iter().filter(|p| {
            p.metadata.name.as_deref() != Some("off")
                && p.metadata.name.as_deref() != Some("broken")
        }) {
            let name = p.metadata.name.clone().unwrap_or_default();
            let outcome = ocm_placement::Scheduler::default().schedule(
                &p.try_into()?,
                &snapshot,
                jiff::Timestamp::now(),
            )?;
            let mut want: Vec<(String, i64)> = outcome
                .decisions
                .iter()
                .cloned()
                .zip(outcome.scores.iter().copied())
                .collect();
            want.sort();
            let mut got: Vec<(String, i64)> = hub_decisions
                .iter()
                .filter(|d| {
                    d.metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get(labels::PLACEMENT))
                        == Some(&name)
                })
                .flat_map(|d| d.status.clone().unwrap_or_default().decisions)
                .map(|c| (c.cluster_name, c.score))
                .collect();
            got.sort();
            if got != want {
                mismatches.push(format!("{name}: got {got:?}, scheduler {want:?}"));
                lagging.push(name.clone());
            }
            if name == "spread" && (got.len() != 2 || got.iter().all(|(_, s)| *s == 0)) {
                mismatches.push(format!("spread: expected two scored clusters, got {got:?}"));
            }
        }
        for name in lagging {
            let n = touches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let touch =
                json!({"metadata": {"annotations": {"ocm-placement-test/touch": n.to_string()}}});
            placements
                .patch(&name, &PatchParams::default(), &Patch::Merge(&touch))
                .await?;
        }
        Ok(if mismatches.is_empty() {
            Ok(())
        } else {
            Err(mismatches.join("; "))
        })
    })
    .await?;

    // The score event lists the chosen clusters by name, under the configured reporter.
    let ranked = placements.get("ranked").await?;
    let e = expect_event(
        client,
        &ranked,
        ("ScoreUpdate", "ScoreUpdated", "Normal"),
        "ranked-decision-1",
        REPORTER,
    )
    .await?;
    assert_eq!(e.note.as_deref(), Some("s2:100 s3:60 "));

    // Writing the scores settled: the page is not rewritten again and again. A reconcile is
    // forced by taking `numberOfSelectedClusters` from the status; once the controller has put
    // it back, that reconcile has passed the pages (written before the status).
    let decisions: Api<PlacementDecision> = Api::namespaced(client.clone(), NS);
    let version = decisions
        .get("ranked-decision-1")
        .await?
        .metadata
        .resource_version;
    placements
        .patch_status(
            "ranked",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"numberOfSelectedClusters": 0}})),
        )
        .await?;
    eventually("ranked's status to be written again", || async {
        let n = placements
            .get_status("ranked")
            .await?
            .status
            .map(|s| s.number_of_selected_clusters);
        Ok(if n == Some(2) {
            Ok(())
        } else {
            Err(format!("numberOfSelectedClusters {n:?}"))
        })
    })
    .await?;
    assert_eq!(
        decisions
            .get("ranked-decision-1")
            .await?
            .metadata
            .resource_version,
        version
    );

    controller.abort();
    let _ = controller.await;
    Ok(())
}
