//! ManifestWork creation through the SDK against raw `kube::Api` calls, on a real apiserver.
//!
//! `cargo bench -p ocm-benches --bench manifestworks` starts ocm-testenv (hub only: apiserver,
//! etcd and the OCM CRDs, no controllers), creates `N` cluster namespaces, then for each of
//! `ROUNDS` rounds creates one ManifestWork in every namespace four ways, with the same
//! concurrency (`buffer_unordered(CONCURRENCY)`), the order rotating each round:
//!
//! - **sdk apply**: `ManifestWorkBuilder` (build + checks + size) and `ManifestWorks::apply`
//!   (server-side apply with a field manager);
//! - **sdk create**: the same builder and `ManifestWorks::create` (a create with a field
//!   manager);
//! - **raw create**: the same object written by hand with `ocm_api` types, `Api::create`;
//! - **raw apply**: that object through `Api::patch(Patch::Apply)`.
//!
//! It prints each path's best and median round (works/s), the ratios of each SDK path to the
//! raw call it makes (the target: at least 0.9), the ratio of the SDK's apply to a raw create
//! (server-side apply's cost on the apiserver), and the client-side cost of building a work.
//!
//! Environment: `OCM_BENCH_WORKS` (default 1000), `OCM_BENCH_ROUNDS` (default 5),
//! `OCM_BENCH_CONCURRENCY` (default 16).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use futures::{StreamExt, TryStreamExt, stream};
use k8s_openapi::api::core::v1::Namespace;
use kube::Client;
use kube::api::{Api, ObjectMeta, Patch, PatchParams, PostParams};
use ocm_api::work::v1::{
    FeedBackType, FeedbackRule, JsonPath, Manifest, ManifestConfigOption, ManifestWork,
    ManifestWorkSpec, ManifestsTemplate, ResourceIdentifier,
};
use ocm_client::work::{ApplyParams, CreateParams, ManifestWorkBuilder, ManifestWorks, rules};
use serde_json::{Value, json};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn cluster(i: usize) -> String {
    format!("cluster-{i:04}")
}

/// The payload of every work: a namespace, a deployment and a config map (~1.4 KB of JSON).
fn manifests(i: usize) -> Vec<Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "app"}}),
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "app", "labels": {"app": "web"}},
            "spec": {
                "replicas": 3,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{
                        "name": "web", "image": "registry.example/web:1.2.3",
                        "ports": [{"containerPort": 8080}],
                        "env": [{"name": "CLUSTER", "value": cluster(i)}],
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                    }]},
                },
            },
        }),
        json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "web-config", "namespace": "app"},
            "data": {"cluster": cluster(i), "mode": "production", "log": "info"},
        }),
    ]
}

fn deployment_id() -> ResourceIdentifier {
    ResourceIdentifier {
        group: "apps".into(),
        resource: "deployments".into(),
        name: "web".into(),
        namespace: "app".into(),
    }
}

fn sdk_work(name: &str, i: usize) -> ManifestWork {
    let mut b = ManifestWorkBuilder::new(name);
    b.manifests(&manifests(i)).feedback(
        deployment_id(),
        rules::json_paths([("replicas", ".spec.replicas")]),
    );
    b.build().expect("valid work")
}

async fn sdk_apply(client: &Client, name: &str, i: usize) {
    ManifestWorks::new(client.clone(), &cluster(i))
        .apply(&sdk_work(name, i), &ApplyParams::default())
        .await
        .expect("sdk apply");
}

async fn sdk_create(client: &Client, name: &str, i: usize) {
    ManifestWorks::new(client.clone(), &cluster(i))
        .create(&sdk_work(name, i), &CreateParams::default())
        .await
        .expect("sdk create");
}

fn raw_work(name: &str, i: usize) -> ManifestWork {
    ManifestWork {
        metadata: ObjectMeta {
            name: Some(name.into()),
            namespace: Some(cluster(i)),
            ..ObjectMeta::default()
        },
        spec: ManifestWorkSpec {
            workload: ManifestsTemplate {
                manifests: manifests(i).into_iter().map(Manifest::new).collect(),
            },
            manifest_configs: vec![ManifestConfigOption {
                feedback_rules: vec![FeedbackRule {
                    type_: FeedBackType::JsonPaths,
                    json_paths: vec![JsonPath {
                        name: "replicas".into(),
                        version: None,
                        path: ".spec.replicas".into(),
                    }],
                }],
                ..ManifestConfigOption::new(deployment_id())
            }],
            ..ManifestWorkSpec::default()
        },
        status: None,
    }
}

async fn raw_create(client: &Client, name: &str, i: usize) {
    let api: Api<ManifestWork> = Api::namespaced(client.clone(), &cluster(i));
    api.create(&PostParams::default(), &raw_work(name, i))
        .await
        .expect("raw create");
}

async fn raw_apply(client: &Client, name: &str, i: usize) {
    let api: Api<ManifestWork> = Api::namespaced(client.clone(), &cluster(i));
    api.patch(
        name,
        &PatchParams::apply("raw"),
        &Patch::Apply(&raw_work(name, i)),
    )
    .await
    .expect("raw apply");
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Path {
    SdkApply,
    SdkCreate,
    RawCreate,
    RawApply,
}

const PATHS: [Path; 4] = [
    Path::SdkApply,
    Path::SdkCreate,
    Path::RawCreate,
    Path::RawApply,
];

async fn run(client: &Client, path: Path, round: usize, n: usize, concurrency: usize) -> Duration {
    let name = format!("{path:?}-{round}").to_lowercase();
    let start = Instant::now();
    stream::iter(0..n)
        .map(|i| {
            let (client, name) = (client.clone(), name.clone());
            async move {
                match path {
                    Path::SdkApply => sdk_apply(&client, &name, i).await,
                    Path::SdkCreate => sdk_create(&client, &name, i).await,
                    Path::RawCreate => raw_create(&client, &name, i).await,
                    Path::RawApply => raw_apply(&client, &name, i).await,
                }
            }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<()>>()
        .await;
    start.elapsed()
}

#[tokio::main]
async fn main() {
    let n = env_usize("OCM_BENCH_WORKS", 1000);
    let rounds = env_usize("OCM_BENCH_ROUNDS", 5);
    let concurrency = env_usize("OCM_BENCH_CONCURRENCY", 16);
    let started = Instant::now();
    let env = ocm_testenv::TestEnv::builder()
        .ocm(false)
        .start()
        .await
        .expect("ocm-testenv starts");
    let client = env.hub().client();
    println!("testenv (hub only) started in {:.1?}", started.elapsed());

    let namespaces: Api<Namespace> = Api::all(client.clone());
    stream::iter(0..n)
        .map(|i| {
            let namespaces = namespaces.clone();
            async move {
                let mut ns = Namespace::default();
                ns.metadata.name = Some(cluster(i));
                namespaces.create(&PostParams::default(), &ns).await
            }
        })
        .buffer_unordered(concurrency)
        .try_collect::<Vec<_>>()
        .await
        .expect("cluster namespaces");
    println!("{n} cluster namespaces created; {rounds} rounds, concurrency {concurrency}");

    // Warm-up (connections, apiserver caches), not counted.
    for path in PATHS {
        run(&client, path, 99, n.min(100), concurrency).await;
    }

    let mut times: [Vec<Duration>; 4] = Default::default();
    for round in 0..rounds {
        for k in 0..PATHS.len() {
            let p = (round + k) % PATHS.len();
            let took = run(&client, PATHS[p], round, n, concurrency).await;
            println!(
                "round {round}: {:<9} {n} works in {:>7.3?} ({:>6.0} works/s)",
                format!("{:?}", PATHS[p]),
                took,
                n as f64 / took.as_secs_f64()
            );
            times[p].push(took);
        }
    }
    let rate = |d: Duration| n as f64 / d.as_secs_f64();
    let best = |t: &[Duration]| rate(t.iter().copied().min().unwrap_or(Duration::MAX));
    let median = |t: &[Duration]| {
        let mut t = t.to_vec();
        t.sort();
        rate(t[t.len() / 2])
    };
    println!("{n} ManifestWorks per round, {rounds} rounds (works/s):      best   median");
    for (label, t) in [
        ("sdk (builder + server-side apply)", &times[0]),
        ("sdk (builder + create)", &times[1]),
        ("raw kube::Api create", &times[2]),
        ("raw kube::Api server-side apply", &times[3]),
    ] {
        println!("  {label:<36} {:>7.0} {:>7.0}", best(t), median(t));
    }
    let ratio = |label: &str, sdk: &[Duration], raw: &[Duration]| {
        println!(
            "  ratio {label}: best {:.3}, median {:.3} (target >= 0.9)",
            best(sdk) / best(raw),
            median(sdk) / median(raw)
        );
    };
    ratio("sdk create/raw create", &times[1], &times[2]);
    ratio("sdk apply/raw apply  ", &times[0], &times[3]);
    println!(
        "  ratio sdk apply/raw create: best {:.3}, median {:.3} (server-side apply's cost on the apiserver)",
        best(&times[0]) / best(&times[2]),
        median(&times[0]) / median(&times[2])
    );

    // The SDK's own client-side cost: building (checks, sizes) versus writing the struct.
    let start = Instant::now();
    for i in 0..n {
        let mut b = ManifestWorkBuilder::new("local");
        b.manifests(&manifests(i)).feedback(
            deployment_id(),
            rules::json_paths([("replicas", ".spec.replicas")]),
        );
        std::hint::black_box(b.build().expect("valid work"));
    }
    let built = start.elapsed();
    let start = Instant::now();
    for i in 0..n {
        std::hint::black_box(raw_work("local", i));
    }
    let raw = start.elapsed();
    println!(
        "  client side, per work: builder {:.1?}, hand-written struct {:.1?}",
        built / n as u32,
        raw / n as u32
    );
    drop(env);
}
