//! The placement controller at scale: `ocm_placement::controller::run` against the Go placement
//! controller (ocm v1.2.1) on the same ocm-testenv hub, with the same objects.
//!
//! `cargo bench -p ocm-benches --bench placement_controller` starts one ocm-testenv hub (no
//! managed cluster agents), creates `N` ManagedClusters (labels `zone`, `tier`, `env` varied by
//! index, all in the `global` set, with a one-hour lease so that the hub does not mark them
//! unknown mid-run) and 4 namespaces bound to `global`, then for each controller, Go's first (the
//! hub's own `placement-controller` process), ours second:
//!
//! 0. **settle**: waits until no `ManagedCluster` changed for 5 s (the hub's registration
//!    controllers update each new cluster about six times, rate-limited, for over a minute; a
//!    placement controller measured meanwhile re-schedules on every update), printing how many
//!    cluster updates it waited for and how many happened during each phase;
//! 1. **converge**: creates `P` placements (label selectors and expressions of four kinds; a
//!    third with `numberOfClusters`; tolerating the `unreachable`/`unavailable` taints the hub
//!    puts on clusters without an agent) and times until every placement's decisions are
//!    converged (below);
//! 2. **relabel**: changes the labels of every cluster (each placement's feasible set moves to a
//!    disjoint one, or for the `NotIn` kind to a different one) and times until every placement
//!    has converged again;
//! 3. reads the controller process's `VmRSS` and `VmHWM` from `/proc`, and counts the
//!    `events.k8s.io/v1` events about placements recorded during the run (with the probe's).
//!
//! Then it SIGKILLs the Go controller, deletes the placements and their decisions, puts the
//! round-0 labels back, and starts ours as a separate process (this binary re-executed with
//! `OCM_BENCH_CONTROLLER_KUBECONFIG`, `Config::default()`: concurrency 4, events recorded), so
//! its memory is its own. Both controllers are warmed up first (a probe placement, waited on
//! until its `PlacementSatisfied` condition is written), so the times exclude their start.
//!
//! **Converged**, for a placement: the clusters of its `PlacementDecision`s (by the placement
//! label) are distinct, all in its feasible set, and as many as `min(numberOfClusters,
//! feasible)` (all of the feasible set without `numberOfClusters`). The feasible sets are
//! computed by `ocm_placement`'s [`Scheduler`] over the hub's objects as listed after each
//! change (`Snapshot::from_objects`, the placement without `numberOfClusters`). Which clusters a
//! `numberOfClusters` placement picks depends on the order placements are scheduled (the
//! `Balance` prioritizer counts other placements' decisions), so that part is not compared.
//! Progress is observed with a watch on `PlacementDecision`s, checked every 50 ms.
//!
//! Environment: `OCM_BENCH_CLUSTERS` (default 2000), `OCM_BENCH_PLACEMENTS` (default 200),
//! `OCM_BENCH_CONCURRENCY` (the bench's own writes, default 16), `OCM_BENCH_TIMEOUT_SECS`
//! (per phase, default 900), `OCM_BENCH_SKIP_GO` (set: measure ours only, for profiling),
//! `OCM_BENCH_CONTROLLER_CONCURRENCY` (our controller's, default `Config::default()`'s 4),
//! `OCM_BENCH_CHILD_WRAPPER` (a command that runs our controller, e.g. `heaptrack -o FILE`: for
//! profiling; the memory figures are then the wrapper's).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt, stream};
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, ListParams, ObjectMeta, Patch, PatchParams, PostParams};
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Client, ResourceExt};
use ocm_api::cluster::v1::{ManagedCluster, ManagedClusterSpec};
use ocm_api::cluster::v1beta1::{Placement, PlacementDecision};
use ocm_api::cluster::v1beta2::{
    ManagedClusterSet, ManagedClusterSetBinding, ManagedClusterSetBindingSpec,
};
use ocm_placement::hub::HubObject;
use ocm_placement::{Scheduler, Snapshot};
use serde_json::json;

const CHILD_ENV: &str = "OCM_BENCH_CONTROLLER_KUBECONFIG";
const NAMESPACES: usize = 4;
const SET: &str = "global";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ns(k: usize) -> String {
    format!("pctl-{k}")
}

/// The labels of cluster `i` in round `r`: each round shifts zone, tier and env by one.
fn cluster_labels(i: usize, r: usize) -> BTreeMap<String, String> {
    [
        ("zone", format!("z{}", (i + r) % 5)),
        ("tier", format!("t{}", (i * 7 + r) % 3)),
        (
            "env",
            if (i + r).is_multiple_of(2) {
                "prod"
            } else {
                "dev"
            }
            .to_owned(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Placement `j`: four predicate kinds; `numberOfClusters` on every third one of the kinds whose
/// feasible set moves to a disjoint one on relabel.
fn placement(j: usize) -> Placement {
    let kind = j % 4;
    let selector = match kind {
        0 => json!({"matchLabels": {"zone": format!("z{}", j % 5)}}),
        1 => json!({"matchLabels": {"env": "prod"},
            "matchExpressions": [{"key": "tier", "operator": "In", "values": [format!("t{}", j % 3)]}]}),
        2 => json!({"matchExpressions": [{"key": "zone", "operator": "NotIn",
            "values": [format!("z{}", j % 5), format!("z{}", (j + 1) % 5)]}]}),
        _ => json!({"matchLabels": {"env": "dev"}}),
    };
    let mut spec = json!({
        "clusterSets": [SET],
        "predicates": [{"requiredClusterSelector": {"labelSelector": selector}}],
        "tolerations": [
            {"key": "cluster.open-cluster-management.io/unreachable", "operator": "Exists"},
            {"key": "cluster.open-cluster-management.io/unavailable", "operator": "Exists"},
        ],
    });
    if kind != 2 && j.is_multiple_of(3) {
        spec["numberOfClusters"] = json!(5 + j % 40);
    }
    ocm_api::from_value(json!({
        "apiVersion": "cluster.open-cluster-management.io/v1beta1",
        "kind": "Placement",
        "metadata": {"name": format!("p{j}"), "namespace": ns(j % NAMESPACES)},
        "spec": spec,
    }))
    .expect("valid placement")
}

/// What converged means for one placement: the feasible set and how many to pick.
struct Want {
    feasible: BTreeSet<String>,
    count: usize,
}

/// The feasible sets of the placements, by the crate's scheduler over the hub as listed now.
async fn expected(client: &Client, placements: &[Placement]) -> BTreeMap<(String, String), Want> {
    let clusters = Api::<ManagedCluster>::all(client.clone())
        .list(&ListParams::default())
        .await
        .expect("list clusters");
    let sets = Api::<ManagedClusterSet>::all(client.clone())
        .list(&ListParams::default())
        .await
        .expect("list sets");
    let bindings = Api::<ManagedClusterSetBinding>::all(client.clone())
        .list(&ListParams::default())
        .await
        .expect("list bindings");
    let objects = clusters.iter().map(|c| HubObject::try_from(c).unwrap());
    let objects = objects
        .chain(sets.iter().map(|s| HubObject::try_from(s).unwrap()))
        .chain(bindings.iter().map(|b| HubObject::try_from(b).unwrap()));
    let snapshot = Snapshot::from_objects(objects.collect::<Vec<_>>());
    let scheduler = Scheduler::default();
    let now = jiff::Timestamp::now();
    placements
        .iter()
        .map(|p| {
            let mut all = p.clone();
            all.spec.number_of_clusters = None;
            let all = ocm_placement::Placement::try_from(&all).expect("placement converts");
            let outcome = scheduler.schedule(&all, &snapshot, now).expect("schedules");
            let feasible: BTreeSet<String> = outcome.decisions.into_iter().collect();
            let count = p
                .spec
                .number_of_clusters
                .map_or(feasible.len(), |n| feasible.len().min(n as usize));
            let key = (p.namespace().unwrap(), p.name_any());
            (key, Want { feasible, count })
        })
        .collect()
}

/// The (namespace, placement) a decision page belongs to, by its placement label.
fn placement_of(d: &PlacementDecision) -> Option<(&str, &str)> {
    let ns = d.metadata.namespace.as_deref()?;
    let p = d
        .metadata
        .labels
        .as_ref()?
        .get(ocm_api::labels::PLACEMENT)?;
    Some((ns, p.as_str()))
}

/// Whether each placement of `keys` has converged, with the decisions in `store`. Borrows
/// every name (cloning them all each 50 ms took as much CPU as the controller under test).
fn converged<'k>(
    store: &Store<PlacementDecision>,
    want: &BTreeMap<(String, String), Want>,
    keys: impl Iterator<Item = &'k (String, String)>,
) -> Vec<((String, String), bool)> {
    let keys: HashSet<(&str, &str)> = keys.map(|(n, p)| (n.as_str(), p.as_str())).collect();
    let state = store.state();
    let mut got: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    for d in &state {
        let Some(key) = placement_of(d).filter(|k| keys.contains(k)) else {
            continue;
        };
        let clusters = got.entry(key).or_default();
        if let Some(s) = &d.status {
            clusters.extend(s.decisions.iter().map(|c| c.cluster_name.as_str()));
        }
    }
    keys.into_iter()
        .filter_map(|key| {
            let (k, w) = want.get_key_value(&(key.0.to_owned(), key.1.to_owned()))?;
            let mut got = got.remove(&key).unwrap_or_default();
            let all = got.len();
            got.sort_unstable();
            got.dedup();
            let ok =
                got.len() == all && all == w.count && got.iter().all(|c| w.feasible.contains(*c));
            Some((k.clone(), ok))
        })
        .collect()
}

/// Waits until every placement converged, re-checking only the placements whose decisions the
/// watch saw change (a scan of every decision each 50 ms took a core's share from the
/// controllers).
async fn wait_for_convergence(
    what: &str,
    watched: &Watched,
    want: &BTreeMap<(String, String), Want>,
) {
    watched.take_dirty();
    let mut state: HashMap<(String, String), bool> =
        converged(&watched.decisions, want, want.keys())
            .into_iter()
            .collect();
    wait_for(what, || {
        let (all, dirty) = watched.take_dirty();
        let checked = if all {
            converged(&watched.decisions, want, want.keys())
        } else {
            converged(&watched.decisions, want, dirty.iter())
        };
        state.extend(checked);
        let left = state.values().filter(|ok| !**ok).count();
        (left > 0).then(|| format!("{left} placements not converged"))
    })
    .await;
}

/// Waits until `check` is true, checking every 50 ms; panics after the phase timeout.
async fn wait_for(what: &str, mut check: impl FnMut() -> Option<String>) {
    let timeout = Duration::from_secs(env_usize("OCM_BENCH_TIMEOUT_SECS", 900) as u64);
    let start = Instant::now();
    loop {
        let Some(left) = check() else { return };
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}: {left}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn for_all<T, F, Fut>(items: Vec<T>, f: F)
where
    F: Fn(T) -> Fut,
    Fut: Future<Output = Result<(), kube::Error>>,
{
    let concurrency = env_usize("OCM_BENCH_CONCURRENCY", 16);
    stream::iter(items)
        .map(f)
        .buffer_unordered(concurrency)
        .try_collect::<Vec<()>>()
        .await
        .expect("bench writes");
}

async fn relabel(client: &Client, n: usize, round: usize) {
    let api: Api<ManagedCluster> = Api::all(client.clone());
    for_all((0..n).collect(), |i| {
        let api = api.clone();
        async move {
            let patch = json!({"metadata": {"labels": cluster_labels(i, round)}});
            api.patch(
                &format!("c{i:05}"),
                &PatchParams::default(),
                &Patch::Merge(&patch),
            )
            .await
            .map(drop)
        }
    })
    .await;
}

/// Memory of process `pid` in kB: (VmRSS, VmHWM).
fn memory(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[derive(Debug)]
struct Run {
    converge: Duration,
    relabel: Duration,
    rss_kb: u64,
    hwm_kb: u64,
}

/// Creates the probe placement and waits until a controller wrote its status, then deletes it.
async fn warm_up(client: &Client) {
    let mut p = placement(0);
    p.metadata.name = Some("probe".into());
    let api: Api<Placement> = Api::namespaced(client.clone(), &ns(0));
    api.create(&PostParams::default(), &p).await.expect("probe");
    let started = Instant::now();
    loop {
        let got = api.get("probe").await.expect("get probe");
        let satisfied = got.status.as_ref().is_some_and(|s| {
            s.conditions
                .iter()
                .any(|c| c.type_ == ocm_api::conditions::PLACEMENT_SATISFIED)
        });
        if satisfied {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "controller never wrote the probe"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    api.delete("probe", &DeleteParams::default())
        .await
        .expect("delete probe");
}

/// Phases converge and relabel (`round` → `round + 1`) against whichever controller runs.
async fn measure(
    client: &Client,
    watched: &Watched,
    pid: u32,
    n: usize,
    placements: &[Placement],
) -> Run {
    watched.settle().await;
    let events_before = placement_events(client).await;
    warm_up(client).await;
    let want = expected(client, placements).await;
    let start = Instant::now();
    let clusters_before = watched.cluster_events.load(Ordering::Relaxed);
    for_all(placements.to_vec(), |p| {
        let api: Api<Placement> = Api::namespaced(client.clone(), &p.namespace().unwrap());
        async move { api.create(&PostParams::default(), &p).await.map(drop) }
    })
    .await;
    wait_for_convergence("convergence", watched, &want).await;
    let converge = start.elapsed();
    let churn = watched.cluster_events.load(Ordering::Relaxed) - clusters_before;
    println!("  converged in {converge:.2?} ({churn} ManagedCluster watch events meanwhile)");

    let start = Instant::now();
    relabel(client, n, 1).await;
    let patched = start.elapsed();
    let want = expected(client, placements).await;
    wait_for_convergence("convergence after relabel", watched, &want).await;
    let relabel = start.elapsed();
    println!(
        "  relabel converged in {relabel:.2?} (the bench's {n} label patches took {patched:.2?})"
    );
    let (rss_kb, hwm_kb) = memory(pid);
    // Events are published in the background: give the last ones a moment.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (events, occurrences) = placement_events(client).await;
    println!(
        "  {} events about placements recorded ({} occurrences counting series)",
        events - events_before.0,
        occurrences - events_before.1
    );
    Run {
        converge,
        relabel,
        rss_kb,
        hwm_kb,
    }
}

/// Placements (namespace, name) whose decisions changed; `true`: every placement (a re-list).
type Dirty = (bool, HashSet<(String, String)>);

/// The bench's watches: the decisions (to check convergence, marking the placements whose
/// decisions changed) and the clusters (to wait until the hub's own controllers stopped
/// updating them, counting their changes).
struct Watched {
    decisions: Store<PlacementDecision>,
    /// The placements whose decisions changed since the last check (`true`: all, after a
    /// re-list).
    dirty: Arc<Mutex<Dirty>>,
    cluster_events: Arc<AtomicU64>,
}

impl Watched {
    async fn start(client: &Client) -> Watched {
        let (decisions, writer) = reflector::store::<PlacementDecision>();
        let dirty = Arc::new(Mutex::new((false, HashSet::new())));
        let marks = dirty.clone();
        let watch = reflector::reflector(
            writer,
            watcher(
                Api::<PlacementDecision>::all(client.clone()),
                Default::default(),
            ),
        )
        .default_backoff()
        .for_each(move |ev| {
            let mut marks = marks.lock().unwrap();
            match ev {
                Ok(watcher::Event::Apply(d) | watcher::Event::Delete(d)) => {
                    if let Some((ns, p)) = placement_of(&d) {
                        marks.1.insert((ns.to_owned(), p.to_owned()));
                    }
                }
                Ok(_) => marks.0 = true,
                Err(_) => {}
            }
            std::future::ready(())
        });
        tokio::spawn(watch);
        let cluster_events = Arc::new(AtomicU64::new(0));
        let watch = watcher(
            Api::<kube::core::PartialObjectMeta<ManagedCluster>>::all(client.clone()),
            Default::default(),
        )
        .default_backoff()
        .for_each(counting(&cluster_events));
        tokio::spawn(watch);
        decisions.wait_until_ready().await.expect("decision watch");
        Watched {
            decisions,
            dirty,
            cluster_events,
        }
    }

    /// The placements whose decisions changed since the last call.
    fn take_dirty(&self) -> Dirty {
        std::mem::take(&mut *self.dirty.lock().unwrap())
    }

    /// Waits until no cluster changed for 5 s: the hub's registration controllers update every
    /// new or relabelled cluster (finalizer, conditions, set labels), rate-limited, for a minute
    /// or two, and a controller measured meanwhile re-schedules on each update.
    async fn settle(&self) {
        let quiet = Duration::from_secs(5);
        let start = Instant::now();
        let before = self.cluster_events.load(Ordering::Relaxed);
        let (mut last, mut since) = (before, Instant::now());
        wait_for("the hub to stop updating clusters", || {
            let now = self.cluster_events.load(Ordering::Relaxed);
            if now != last {
                (last, since) = (now, Instant::now());
            }
            (since.elapsed() < quiet).then(|| format!("{} cluster events", now - before))
        })
        .await;
        println!(
            "  hub settled in {:.1?} ({} ManagedCluster watch events)",
            start.elapsed() - quiet,
            last - before
        );
    }
}

/// A `for_each` body that counts a watch's changes (not its errors or re-list markers).
fn counting<K>(
    count: &Arc<AtomicU64>,
) -> impl FnMut(Result<watcher::Event<K>, watcher::Error>) -> std::future::Ready<()> + use<K> {
    let count = count.clone();
    move |ev| {
        if let Ok(watcher::Event::Apply(_) | watcher::Event::Delete(_)) = ev {
            count.fetch_add(1, Ordering::Relaxed);
        }
        std::future::ready(())
    }
}

/// The `events.k8s.io/v1` events about placements in the bench's namespaces: how many, and
/// how many occurrences (an event's `series.count`, or 1).
async fn placement_events(client: &Client) -> (u64, u64) {
    let (mut events, mut occurrences) = (0, 0);
    for k in 0..NAMESPACES {
        let api: Api<k8s_openapi::api::events::v1::Event> = Api::namespaced(client.clone(), &ns(k));
        let list = api.list(&ListParams::default()).await.expect("list events");
        for e in list.items {
            if e.regarding.as_ref().and_then(|r| r.kind.as_deref()) == Some("Placement") {
                events += 1;
                occurrences += e.series.map_or(1, |s| u64::try_from(s.count).unwrap_or(1));
            }
        }
    }
    (events, occurrences)
}

/// Deletes the placements and their decisions, and waits until the watch saw them all go.
async fn clean(client: &Client, decisions: &Store<PlacementDecision>, placements: &[Placement]) {
    for_all(placements.to_vec(), |p| {
        let api: Api<Placement> = Api::namespaced(client.clone(), &p.namespace().unwrap());
        async move {
            match api.delete(&p.name_any(), &DeleteParams::default()).await {
                // Never created (`OCM_BENCH_SKIP_GO`).
                Err(kube::Error::Api(s)) if s.is_not_found() => Ok(()),
                r => r.map(drop),
            }
        }
    })
    .await;
    for k in 0..NAMESPACES {
        let api: Api<PlacementDecision> = Api::namespaced(client.clone(), &ns(k));
        api.delete_collection(&DeleteParams::default(), &ListParams::default())
            .await
            .expect("delete decisions");
    }
    wait_for("decisions deleted", || {
        let left = decisions.state().len();
        (left > 0).then(|| format!("{left} decisions left"))
    })
    .await;
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").unwrap_or_default()
}

/// The child: our controller alone in its process, until killed.
async fn child(kubeconfig: &str) {
    let kubeconfig = kube::config::Kubeconfig::read_from(kubeconfig).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("client config");
    let client = Client::try_from(config).expect("client");
    let mut config = ocm_placement::controller::Config::default();
    if let Ok(n) = std::env::var("OCM_BENCH_CONTROLLER_CONCURRENCY") {
        config = config.concurrency(n.parse().expect("OCM_BENCH_CONTROLLER_CONCURRENCY"));
    }
    ocm_placement::controller::run(client, config).await;
}

#[tokio::main]
async fn main() {
    if let Ok(kubeconfig) = std::env::var(CHILD_ENV) {
        return child(&kubeconfig).await;
    }
    let n = env_usize("OCM_BENCH_CLUSTERS", 2000);
    let p = env_usize("OCM_BENCH_PLACEMENTS", 200);
    println!("load average at start: {}", load().trim());
    let started = Instant::now();
    let env = ocm_testenv::TestEnv::builder()
        .managed_clusters(0)
        .start()
        .await
        .expect("ocm-testenv starts");
    let client = env.hub().client();
    println!("testenv hub started in {:.1?}", started.elapsed());
    let go = env
        .processes()
        .into_iter()
        .find(|p| p.component == "placement-controller")
        .expect("the Go placement controller runs");

    let sets: Api<ManagedClusterSet> = Api::all(client.clone());
    let global: ManagedClusterSet = ocm_api::from_value(json!({
        "apiVersion": "cluster.open-cluster-management.io/v1beta2",
        "kind": "ManagedClusterSet",
        "metadata": {"name": SET},
        "spec": {"clusterSelector": {"selectorType": "LabelSelector", "labelSelector": {}}},
    }))
    .unwrap();
    match sets.create(&PostParams::default(), &global).await {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 409 => {}
        Err(e) => panic!("global set: {e}"),
    }
    for k in 0..NAMESPACES {
        let mut namespace = Namespace::default();
        namespace.metadata.name = Some(ns(k));
        Api::<Namespace>::all(client.clone())
            .create(&PostParams::default(), &namespace)
            .await
            .expect("namespace");
        let mut binding = ManagedClusterSetBinding::new(
            SET,
            ManagedClusterSetBindingSpec {
                cluster_set: SET.into(),
            },
        );
        binding.metadata.namespace = Some(ns(k));
        Api::<ManagedClusterSetBinding>::namespaced(client.clone(), &ns(k))
            .create(&PostParams::default(), &binding)
            .await
            .expect("binding");
    }
    let clusters: Api<ManagedCluster> = Api::all(client.clone());
    for_all((0..n).collect(), |i| {
        let clusters = clusters.clone();
        async move {
            // No agent renews the lease the hub creates: a long lease keeps the hub from
            // marking every cluster unknown (and tainting it) five grace periods later, in
            // the middle of a measurement.
            let spec = ManagedClusterSpec {
                lease_duration_seconds: Some(3600),
                ..ManagedClusterSpec::default()
            };
            let mut c = ManagedCluster::new(&format!("c{i:05}"), spec);
            c.metadata = ObjectMeta {
                name: Some(format!("c{i:05}")),
                labels: Some(cluster_labels(i, 0)),
                ..ObjectMeta::default()
            };
            clusters.create(&PostParams::default(), &c).await.map(drop)
        }
    })
    .await;
    println!("{n} clusters, {p} placements in {NAMESPACES} namespaces");

    let watched = Watched::start(&client).await;

    let placements: Vec<Placement> = (0..p).map(placement).collect();
    // For profiling ours alone: `OCM_BENCH_SKIP_GO=1`.
    let go_run = if std::env::var_os("OCM_BENCH_SKIP_GO").is_some() {
        None
    } else {
        println!("Go placement controller (pid {}):", go.pid);
        Some(measure(&client, &watched, go.pid, n, &placements).await)
    };
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &go.pid.to_string()])
        .status()
        .expect("kill");
    assert!(killed.success(), "SIGKILL of the Go placement controller");
    clean(&client, &watched.decisions, &placements).await;
    relabel(&client, n, 0).await;

    let exe = std::env::current_exe().expect("this binary");
    // For profiling: `OCM_BENCH_CHILD_WRAPPER="heaptrack -o /tmp/ours"` (then the memory
    // figures are the wrapper's).
    let wrapper = std::env::var("OCM_BENCH_CHILD_WRAPPER").unwrap_or_default();
    let mut command = match wrapper.split_whitespace().collect::<Vec<_>>().split_first() {
        Some((program, args)) => {
            let mut c = std::process::Command::new(program);
            c.args(args).arg(&exe);
            c
        }
        None => std::process::Command::new(&exe),
    };
    let mut ours = command
        .env(CHILD_ENV, env.hub().kubeconfig_path())
        .spawn()
        .expect("our controller starts");
    println!("ocm-placement controller (pid {}):", ours.id());
    let rust_run = measure(&client, &watched, ours.id(), n, &placements).await;
    ours.kill().expect("stop our controller");
    let _ = ours.wait();

    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mb = |kb: u64| kb as f64 / 1024.0;
    println!(
        "\n{n} clusters, {p} placements; load average now: {}",
        load().trim()
    );
    println!(
        "{:<24} {:>12} {:>12} {:>10} {:>10}",
        "", "converge ms", "relabel ms", "RSS MiB", "peak MiB"
    );
    let runs = go_run
        .iter()
        .map(|r| ("Go (ocm v1.2.1)", r))
        .chain([("ocm-placement", &rust_run)]);
    for (name, r) in runs {
        println!(
            "{name:<24} {:>12.0} {:>12.0} {:>10.1} {:>10.1}",
            ms(r.converge),
            ms(r.relabel),
            mb(r.rss_kb),
            mb(r.hwm_kb)
        );
    }
    let Some(go_run) = go_run else {
        drop(env);
        return;
    };
    println!(
        "{:<24} {:>12.2} {:>12.2} {:>10.2} {:>10.2}",
        "ratio Go / ours",
        ms(go_run.converge) / ms(rust_run.converge),
        ms(go_run.relabel) / ms(rust_run.relabel),
        go_run.rss_kb as f64 / rust_run.rss_kb as f64,
        go_run.hwm_kb as f64 / rust_run.hwm_kb as f64,
    );
    drop(env);
}
