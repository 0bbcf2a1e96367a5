//! Consistent decision reads against the real Go placement controller (ocm-testenv hub, no
//! managed-cluster agents): 160 ManagedClusters, a Placement whose decisions span several
//! pages and groups, and rescheduling that rewrites more than 100 decisions at a time while
//! our consistent reader runs in a loop and our watch stream is consumed. Every set they report
//! must be a state the controller converged to (computed by a model of Go's grouping).
//!
//! Two control readers show what they avoid: one lists the pages at one instant (as sdk-go's
//! tracker does), the other applies only the structural half of the rule to true snapshots of
//! placement and pages (no settle window).
//!
//! Run with `cargo test -p ocm-client --test decisions -- --nocapture`.

use ocm_test_support::eventually;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use ocm_api::cluster::v1::{ManagedCluster, ManagedClusterSpec};
use ocm_api::cluster::v1beta1::{Placement, PlacementDecision};
use ocm_api::cluster::v1beta2::{
    ManagedClusterSet, ManagedClusterSetBinding, ManagedClusterSetBindingSpec,
    ManagedClusterSetSpec,
};
use ocm_api::labels;
use ocm_client::decisions::{GetParams, GroupKey, PlacementDecisions, check_consistent};
use ocm_testenv::TestEnv;
use serde_json::{Value, json};

mod decisions_model;

use decisions_model::{Control, Model, State, Step, steps};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const NS: &str = "decisions";
const SET: &str = "fleet";
const PLACEMENT: &str = "p";
const CLUSTERS: usize = 160;
const ROUNDS: usize = 2;

fn placement_spec(group_strategy: &Value, half: bool) -> Value {
    let mut labels = json!({"join": "yes"});
    if half {
        labels["half"] = json!("a");
    }
    let mut spec = json!({
        "clusterSets": [SET],
        "predicates": [{"requiredClusterSelector": {"labelSelector": {"matchLabels": labels}}}],
        "tolerations": [
            {"key": ocm_api::taints::UNREACHABLE, "operator": "Exists"},
            {"key": ocm_api::taints::UNAVAILABLE, "operator": "Exists"},
        ],
    });
    if !group_strategy.is_null() {
        spec["decisionStrategy"] = json!({"groupStrategy": group_strategy});
    }
    spec
}

async fn apply_placement(client: &kube::Client, spec: Value) -> TestResult {
    let api: Api<Placement> = Api::namespaced(client.clone(), NS);
    let obj = json!({
        "apiVersion": "cluster.open-cluster-management.io/v1beta1",
        "kind": "Placement",
        "metadata": {"name": PLACEMENT, "namespace": NS},
        "spec": spec,
    });
    api.patch(
        PLACEMENT,
        &PatchParams::apply("decisions-test").force(),
        &Patch::Apply(obj),
    )
    .await?;
    Ok(())
}

async fn set_join(client: &kube::Client, join: bool) -> TestResult {
    let api: Api<ManagedCluster> = Api::all(client.clone());
    let value = if join { "yes" } else { "no" };
    api.patch(
        "c000",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {"join": value}}})),
    )
    .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consistent_reads_while_the_go_controller_rewrites_pages() -> TestResult {
    init_tracing();
    let env = TestEnv::builder().start().await?;
    let client = env.hub().client();
    let mut result = run(&client).await;
    if result.is_ok() {
        result = not_found_timeout_and_scheduling_disabled(&client).await;
    }
    if result.is_err() {
        print_log(&env, "placement-controller");
    }
    result
}

async fn run(client: &kube::Client) -> TestResult {
    let namespaces: Api<Namespace> = Api::all(client.clone());
    let mut ns = Namespace::default();
    ns.metadata.name = Some(NS.into());
    namespaces.create(&PostParams::default(), &ns).await?;
    create_bound_set(client, SET, NS).await?;
    let clusters: Api<ManagedCluster> = Api::all(client.clone());
    let mut model = Model::default();
    for i in 0..CLUSTERS {
        let name = format!("c{i:03}");
        let labels: BTreeMap<String, String> = [
            (labels::CLUSTER_SET, SET.to_owned()),
            ("mod3", (i % 3).to_string()),
            ("half", if i < CLUSTERS / 2 { "a" } else { "b" }.to_owned()),
            ("join", "yes".to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let mut c = ManagedCluster::new(&name, ManagedClusterSpec::default());
        c.metadata.labels = Some(labels.clone());
        clusters.create(&PostParams::default(), &c).await?;
        model.clusters.insert(name, labels);
    }

    // Every state the controller converges to, as the model computes it.
    let converged: Arc<Mutex<Vec<State>>> = Arc::default();
    let watched: Arc<Mutex<Vec<State>>> = Arc::default();
    let read: Arc<Mutex<Vec<State>>> = Arc::default();
    let control: Arc<Mutex<Control>> = Arc::default();
    let sequential = Arc::new(AtomicBool::new(true));

    let first = steps()[0].clone();
    let Step::Spec(strategy, half) = &first else {
        return Err("the first step must be a spec".into());
    };
    model.apply(&first);
    converged
        .lock()
        .map_err(|e| e.to_string())?
        .push(model.state());
    apply_placement(client, placement_spec(strategy, *half)).await?;

    let decisions = PlacementDecisions::new(client.clone(), NS, PLACEMENT);
    let watcher = {
        let watched = watched.clone();
        let mut stream = Box::pin(decisions.watch());
        tokio::spawn(async move {
            while let Some(update) = stream.next().await {
                match update {
                    Ok(u) => {
                        let state = u.set.cluster_groups();
                        if let Ok(mut w) = watched.lock() {
                            w.push(state);
                        }
                    }
                    Err(e) => eprintln!("watch error: {e}"),
                }
            }
        })
    };
    let reader = {
        let read = read.clone();
        let decisions = decisions.clone();
        tokio::spawn(async move {
            loop {
                match decisions.get_consistent(&GetParams::default()).await {
                    Ok(set) => {
                        if let Ok(mut r) = read.lock() {
                            r.push(set.cluster_groups());
                        }
                    }
                    Err(e) => eprintln!("consistent read: {e}"),
                }
            }
        })
    };
    let control_task = {
        let control = control.clone();
        let converged = converged.clone();
        let sequential = sequential.clone();
        let pages: Api<PlacementDecision> = Api::namespaced(client.clone(), NS);
        let placements: Api<Placement> = Api::namespaced(client.clone(), NS);
        let selector = format!("{}={PLACEMENT}", labels::PLACEMENT);
        tokio::spawn(async move {
            loop {
                let before = placements.get(PLACEMENT).await;
                let Ok(list) = pages.list(&ListParams::default().labels(&selector)).await else {
                    continue;
                };
                let after = placements.get(PLACEMENT).await;
                let Ok(converged) = converged.lock().map(|c| c.clone()) else {
                    return;
                };
                let Ok(mut c) = control.lock() else { return };
                c.record(&list.items, &converged, sequential.load(Ordering::SeqCst));
                if let (Ok(before), Ok(after)) = (before, after)
                    && before.metadata.resource_version == after.metadata.resource_version
                {
                    c.snapshots += 1;
                    if let Ok(set) = check_consistent(Some(&after), &list.items)
                        && !converged.contains(&set.cluster_groups())
                    {
                        c.structural_only_wrong += 1;
                    }
                }
            }
        })
    };
    let wait_watched = |state: State, what: String| {
        let watched = watched.clone();
        async move {
            eventually(&what, Duration::from_secs(120), || {
                let last = watched.lock().ok().and_then(|w| w.last().cloned());
                let reached = last.as_ref() == Some(&state);
                async move {
                    Ok(match last {
                        Some(_) if reached => Ok(()),
                        Some(l) => Err(format!("last watched state has {} clusters", l.len())),
                        None => Err("nothing watched yet".into()),
                    })
                }
            })
            .await
        }
    };
    let started = Instant::now();
    wait_watched(model.state(), "the first consistent set".into()).await?;
    eprintln!("first consistent set after {:.1?}", started.elapsed());

    // Sequential steps: each one is reported before the next.
    let mut latencies = Vec::new();
    let all: Vec<Step> = (0..ROUNDS).flat_map(|_| steps()).skip(1).collect();
    for (i, step) in all.iter().enumerate() {
        model.apply(step);
        let state = model.state();
        converged
            .lock()
            .map_err(|e| e.to_string())?
            .push(state.clone());
        let t = Instant::now();
        write(client, step).await?;
        wait_watched(state, format!("step {i}: {step:?}")).await?;
        latencies.push(t.elapsed());
    }
    // Bursts: steps 200 ms apart, then the final state. The control reader below must have seen
    // a partial set (the race this test is about); the window between two page writes is
    // milliseconds, so bursts repeat (at most 5) until it has.
    sequential.store(false, Ordering::SeqCst);
    for burst in 0..5 {
        for step in steps() {
            model.apply(&step);
            converged
                .lock()
                .map_err(|e| e.to_string())?
                .push(model.state());
            write(client, &step).await?;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        wait_watched(model.state(), format!("the state after burst {burst}")).await?;
        if control.lock().map_err(|e| e.to_string())?.partial > 0 {
            break;
        }
    }
    // The reader loop reads the final state too.
    let last = model.state();
    eventually(
        "a consistent read of the final state",
        Duration::from_secs(60),
        || {
            let reached = read.lock().ok().and_then(|r| r.last().cloned()) == Some(last.clone());
            async move {
                Ok(if reached {
                    Ok(())
                } else {
                    Err("not yet".to_owned())
                })
            }
        },
    )
    .await?;
    watcher.abort();
    reader.abort();
    control_task.abort();

    let converged = converged.lock().map_err(|e| e.to_string())?.clone();
    let watched = watched.lock().map_err(|e| e.to_string())?.clone();
    let read = read.lock().map_err(|e| e.to_string())?.clone();
    latencies.sort();
    eprintln!(
        "{} steps; watch reported {} sets, consistent reads {}; step-to-report latency min {:.1?} median {:.1?} max {:.1?}",
        all.len() + steps().len(),
        watched.len(),
        read.len(),
        latencies.first().copied().unwrap_or_default(),
        latencies
            .get(latencies.len() / 2)
            .copied()
            .unwrap_or_default(),
        latencies.last().copied().unwrap_or_default(),
    );
    for (who, states) in [("watch", &watched), ("consistent read", &read)] {
        for (i, s) in states.iter().enumerate() {
            assert!(
                converged.contains(s),
                "{who} #{i} reported {} clusters, a set the controller never converged to",
                s.len()
            );
        }
    }
    assert!(read.len() >= 5, "the reader loop read {} sets", read.len());
    let control = control.lock().map_err(|e| e.to_string())?;
    eprintln!(
        "control, pages listed at one instant (sdk-go's way): {} lists, {} a set the controller never converged to, {} with a duplicate, {} missing a cluster selected before and after the step; e.g. {:?}",
        control.reads, control.partial, control.duplicates, control.missing, control.examples
    );
    eprintln!(
        "control, structural rule alone on {} true snapshots of placement + pages: {} passed with a set the controller never converged to",
        control.snapshots, control.structural_only_wrong
    );
    // The control shows the readers above ran while partial sets were there to be seen.
    assert!(
        control.partial > 0,
        "the control reader never saw a partial set: the test did not exercise the race"
    );
    Ok(())
}

/// A missing placement, a read that cannot become consistent, and a placement whose pages an
/// external scheduler writes (scheduling disabled: grouped by the page labels).
async fn not_found_timeout_and_scheduling_disabled(client: &kube::Client) -> TestResult {
    let missing = PlacementDecisions::new(client.clone(), NS, "nope")
        .get_consistent(&GetParams::default())
        .await;
    assert!(
        matches!(&missing, Err(e) if e.is_not_found()),
        "{missing:?}"
    );

    let placement: Placement = ocm_api::from_value(json!({
        "apiVersion": "cluster.open-cluster-management.io/v1beta1",
        "kind": "Placement",
        "metadata": {"name": "manual", "namespace": NS, "annotations": {
            ocm_api::annotations::EXPERIMENTAL_SCHEDULING_DISABLE: "true"}},
        "spec": {},
    }))?;
    Api::<Placement>::namespaced(client.clone(), NS)
        .create(&PostParams::default(), &placement)
        .await?;
    let pages: Api<PlacementDecision> = Api::namespaced(client.clone(), NS);
    let mut page = PlacementDecision::default();
    page.metadata.name = Some("manual-decision-1".into());
    page.metadata.labels = Some(
        [
            (labels::PLACEMENT.to_owned(), "manual".to_owned()),
            (labels::DECISION_GROUP_INDEX.to_owned(), "first".to_owned()),
        ]
        .into(),
    );
    pages.create(&PostParams::default(), &page).await?;
    pages
        .patch_status(
            "manual-decision-1",
            &PatchParams::default(),
            &Patch::Merge(
                json!({"status": {"decisions": [{"clusterName": "c001", "reason": ""}]}}),
            ),
        )
        .await?;
    let manual = PlacementDecisions::new(client.clone(), NS, "manual");
    let timeout = Duration::from_secs(3);
    match manual
        .get_consistent(&GetParams::default().timeout(timeout))
        .await
    {
        Err(ocm_client::Error::Timeout { last_seen, .. }) => {
            let last_seen = last_seen.unwrap_or_default();
            assert!(last_seen.contains("is not a number"), "{last_seen}");
        }
        other => return Err(format!("expected a timeout, got {other:?}").into()),
    }
    pages
        .patch(
            "manual-decision-1",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {
                labels::DECISION_GROUP_INDEX: "0", labels::DECISION_GROUP_NAME: "ext"}}})),
        )
        .await?;
    let set = manual.get_consistent(&GetParams::default()).await?;
    assert_eq!(
        set.cluster_groups(),
        State::from([("c001".to_owned(), GroupKey::new("ext", 0))])
    );
    Ok(())
}

async fn write(client: &kube::Client, step: &Step) -> TestResult {
    match step {
        Step::Spec(strategy, half) => {
            apply_placement(client, placement_spec(strategy, *half)).await
        }
        Step::Join(join) => set_join(client, *join).await,
    }
}

fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "ocm_client=info,kube_runtime=info".into()),
        )
        .try_init();
}

/// Prints the last lines of a hub component's log.
fn print_log(env: &TestEnv, component: &str) {
    let path = env.log_dir().join(format!("{component}.log"));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    eprintln!("---- last lines of {} ----", path.display());
    for line in &lines[lines.len().saturating_sub(80)..] {
        eprintln!("{line}");
    }
}

/// Creates the exclusive cluster set `name` and its binding in `namespace`.
async fn create_bound_set(client: &kube::Client, name: &str, namespace: &str) -> TestResult {
    let sets: Api<ManagedClusterSet> = Api::all(client.clone());
    sets.create(
        &PostParams::default(),
        &ManagedClusterSet::new(name, ManagedClusterSetSpec::default()),
    )
    .await?;
    let bindings: Api<ManagedClusterSetBinding> = Api::namespaced(client.clone(), namespace);
    let mut binding = ManagedClusterSetBinding::new(
        name,
        ManagedClusterSetBindingSpec {
            cluster_set: name.into(),
        },
    );
    binding.metadata.namespace = Some(namespace.into());
    bindings.create(&PostParams::default(), &binding).await?;
    Ok(())
}
