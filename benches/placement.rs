//! ocm-placement benchmarks, with the Go OCM scheduler on the same inputs.
//!
//! `cargo bench -p ocm-benches --bench placement` runs criterion over
//! - one placement over 1k, 10k and 100k clusters with every built-in prioritizer (Balance,
//!   Steady, ResourceAllocatableCPU/Memory, an AddOn score) and a CEL predicate;
//! - the same placement on an index built once (`reused_index`);
//! - one pass reading, from the same 1k, 10k and 100k clusters, only the fields that placement
//!   needs (`read_floor`: how the memory hierarchy alone scales, the scheduler's lower bound);
//! - 1,000 placements over 1,000 clusters;
//!
//! then runs the Go scheduler (ocm v1.2.1, `ocm-placement/tests/go-scheduler`, built into
//! `target/go-scheduler/` if needed) on the same generated inputs and prints the ratio.
//!
//! What is timed on each side: Rust `SnapshotIndex::new` (once per op: per placement in the
//! single-placement cases, once per batch of 1,000) and `Scheduler::schedule_indexed`
//! (candidates, filters, prioritizers, sort, decision groups, PlacementDecision pages,
//! conditions, explanation); Go candidate selection plus `pluginScheduler.Schedule` (no
//! decision groups, pages or conditions). Neither side times decoding its input: Go's objects
//! hold parsed quantities, and Rust's `Quantity` remembers its value after the first read.
//!
//! Environment: `OCM_BENCH_SIZES` (default `1000,10000,100000`), `OCM_BENCH_GO=0` to skip Go,
//! `OCM_BENCH_BUDGET_MS` (default 3000) per Go/Rust ratio measurement.
#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{BenchmarkId, Criterion, Throughput};
use jiff::Timestamp;
use ocm_placement::*;
use serde_json::{Value, json};
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn now() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

const CPU: &[&str] = &["2", "4", "3800m", "8", "16", "1500m", "32"];
const MEM: &[&str] = &["4Gi", "8Gi", "16Gi", "3G", "12Gi", "64Gi", "1536Mi"];

/// A hub with `n` clusters in the bound set `bench`, scores, and decisions of 20 other
/// placements.
fn hub(n: usize, placements_with_decisions: usize) -> Snapshot {
    let mut s = Snapshot::new()
        .with_cluster_set(ManagedClusterSet::exclusive("bench"))
        .with_binding(ManagedClusterSetBinding::new("bench", "bench"));
    for i in 0..n {
        let c = ManagedCluster::new(format!("cluster-{i:06}"))
            .with_label(labels::CLUSTER_SET, "bench")
            .with_label("env", ["prod", "dev", "test"][i % 3])
            .with_label("zone", format!("z{}", i % 5))
            .with_claim("region", ["us", "eu", "ap"][i % 3])
            .with_resource("cpu", CPU[i % CPU.len()], "32")
            .with_resource("memory", MEM[(i / 3) % MEM.len()], "64Gi")
            .with_score(
                AddOnPlacementScore::new("res1").with_item("s1", ((i * 37) % 201) as i32 - 100),
            );
        s = s.with_cluster(c);
    }
    for k in 0..placements_with_decisions {
        let clusters: Vec<String> = (0..50)
            .map(|j| format!("cluster-{:06}", (k * 131 + j * 17) % n.max(1)))
            .collect();
        let refs: Vec<&str> = clusters.iter().map(String::as_str).collect();
        s = s.with_placement_decision(PlacementDecision::for_placement(
            "bench",
            format!("other{k}-decision-1"),
            &format!("other{k}"),
            &refs,
        ));
    }
    s
}

fn heavy_placement() -> Placement {
    let mut spec = PlacementSpec::default();
    spec.number_of_clusters = Some(10);
    spec.predicates.push(ClusterPredicate::new(
        ClusterSelector::default()
            .with_labels(
                LabelSelector::default().with_expression(LabelSelectorRequirement::new(
                    "env",
                    "In",
                    &["prod", "dev"],
                )),
            )
            .with_cel(r#"managedCluster.metadata.labels["zone"] != "z0""#),
    ));
    spec.prioritizer_policy.configurations = vec![
        PrioritizerConfig::builtin("ResourceAllocatableCPU", 1),
        PrioritizerConfig::builtin("ResourceAllocatableMemory", 1),
        PrioritizerConfig::addon("res1", "s1", 1),
    ];
    Placement::new("bench", "heavy").with_spec(spec)
}

fn many_placements(n: usize) -> Vec<Placement> {
    (0..n)
        .map(|i| {
            let mut spec = PlacementSpec::default();
            spec.number_of_clusters = Some(5 + (i % 6) as i32);
            if i % 2 == 0 {
                spec.predicates.push(ClusterPredicate::new(
                    ClusterSelector::default().with_labels(
                        LabelSelector::default().with_label("env", ["prod", "dev", "test"][i % 3]),
                    ),
                ));
            }
            if i % 4 == 1 {
                spec.prioritizer_policy
                    .configurations
                    .push(PrioritizerConfig::builtin("ResourceAllocatableCPU", 2));
            }
            Placement::new("bench", format!("p{i}")).with_spec(spec)
        })
        .collect()
}

fn go_input(placements: &[Placement], s: &Snapshot) -> Value {
    let scores: Vec<Value> = s
        .clusters
        .iter()
        .flat_map(|c| {
            c.scores
                .iter()
                .map(|sc| wire::addon_placement_score(&c.name, sc))
        })
        .collect();
    json!({
        "now": now().to_string(),
        "placement": wire::placement(&placements[0]),
        "placements": placements.iter().map(wire::placement).collect::<Vec<_>>(),
        "clusters": s.clusters.iter().map(wire::managed_cluster_object).collect::<Vec<_>>(),
        "clusterSets": s.cluster_sets.iter().map(wire::managed_cluster_set).collect::<Vec<_>>(),
        "bindings": s.bindings.iter().map(wire::managed_cluster_set_binding).collect::<Vec<_>>(),
        "decisions": s.placement_decisions.iter().map(wire::placement_decision).collect::<Vec<_>>(),
        "scores": scores,
    })
}

fn sizes() -> Vec<usize> {
    std::env::var("OCM_BENCH_SIZES")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 10_000, 100_000])
}

fn bench_rust(c: &mut Criterion) {
    let scheduler = Scheduler::default();
    // Each hub is built once for the three groups that read it.
    let hubs: Vec<(usize, Snapshot)> = sizes().into_iter().map(|n| (n, hub(n, 20))).collect();
    let p = heavy_placement();
    let mut g = c.benchmark_group("one_placement_all_prioritizers_cel");
    g.sample_size(10);
    for (n, s) in &hubs {
        let n = *n;
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            // `schedule` builds the snapshot index every time.
            b.iter(|| black_box(scheduler.schedule(&p, s, now()).unwrap()))
        });
    }
    g.finish();

    // The same placement on an index built once (as for many placements on one snapshot):
    // no deduplication, no cluster-set membership, and allocatable read once per cluster.
    let mut g = c.benchmark_group("reused_index");
    g.sample_size(10);
    for (n, s) in &hubs {
        let n = *n;
        let index = SnapshotIndex::new(s);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| black_box(scheduler.schedule_indexed(&p, &index, now()).unwrap()))
        });
    }
    g.finish();

    // The floor under a run's scaling: one pass that reads only what the heavy placement
    // needs of each cluster, and no more.
    let mut g = c.benchmark_group("read_floor");
    g.sample_size(10);
    for (n, s) in &hubs {
        let n = *n;
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| black_box(read_floor(s)))
        });
    }
    g.finish();
    drop(hubs);

    let mut g = c.benchmark_group("placements_1000_x_clusters_1000");
    g.sample_size(10);
    let s = hub(1000, 100);
    let ps = many_placements(1000);
    g.bench_function("all", |b| {
        b.iter(|| {
            // One index for the batch, built inside the timed loop.
            let index = SnapshotIndex::new(&s);
            for p in &ps {
                black_box(scheduler.schedule_indexed(p, &index, now()).unwrap());
            }
        })
    });
    g.finish();
}

/// Reads, in one pass, every field of every cluster that scheduling `heavy_placement` reads
/// (name, the cluster-set, `env` and `zone` labels, allocatable CPU and memory, the AddOn
/// score), with none of the scheduler's work: no index, no filter lists, no sort. Whatever
/// scales worse than linearly here is the memory hierarchy, not the scheduler.
fn read_floor(s: &Snapshot) -> (f64, usize) {
    let (mut sum, mut name_bytes) = (0.0, 0);
    for c in &s.clusters {
        name_bytes += c.name.len();
        let l = &c.labels;
        let picked = l.get(labels::CLUSTER_SET).is_some()
            && l.get("env").is_some_and(|v| v != "test")
            && l.get("zone").is_some_and(|v| v != "z0");
        if !picked {
            continue;
        }
        for r in ["cpu", "memory"] {
            sum += c
                .allocatable
                .get(r)
                .map_or(0.0, |q| q.approximate_f64().unwrap_or(0.0));
        }
        let score = c.scores.iter().find(|x| x.name == "res1");
        let item = score.and_then(|x| x.scores.iter().find(|i| i.name == "s1"));
        sum += f64::from(item.map_or(0, |i| i.value));
    }
    (sum, name_bytes)
}

fn rust_ns_per_op(placements: &[Placement], s: &Snapshot, budget: Duration) -> f64 {
    let scheduler = Scheduler::default();
    let start = Instant::now();
    let mut iters = 0u64;
    loop {
        let index = SnapshotIndex::new(s);
        for p in placements {
            black_box(scheduler.schedule_indexed(p, &index, now()).unwrap());
        }
        iters += 1;
        if start.elapsed() >= budget {
            break;
        }
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

fn go_binary() -> Option<PathBuf> {
    ocm_testenv::GoProgram::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../ocm-placement/tests/go-scheduler"
    ))
    .build()
    .ok()
    .flatten()
}

fn go_ns_per_op(bin: &PathBuf, input: &Value, budget: Duration) -> Option<(f64, u64)> {
    let mut child = Command::new(bin)
        .env("GO_SCHEDULER_BENCH_MS", budget.as_millis().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let line = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(line.as_bytes());
        let _ = stdin.write_all(b"\n");
    });
    let mut out = String::new();
    BufReader::new(child.stdout.take()?)
        .read_line(&mut out)
        .ok()?;
    let _ = writer.join();
    let _ = child.wait();
    let v: Value = serde_json::from_str(&out).ok()?;
    Some((v["nsPerOp"].as_f64()?, v["iterations"].as_u64()?))
}

fn compare_with_go() {
    if std::env::var("OCM_BENCH_GO").as_deref() == Ok("0") {
        return;
    }
    let Some(bin) = go_binary() else { return };
    let budget = Duration::from_millis(
        std::env::var("OCM_BENCH_BUDGET_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3000),
    );
    let mut cases: Vec<(String, Vec<Placement>, Snapshot)> = sizes()
        .into_iter()
        .map(|n| {
            (
                format!("1 placement x {n} clusters"),
                vec![heavy_placement()],
                hub(n, 20),
            )
        })
        .collect();
    cases.push((
        "1000 placements x 1000 clusters".into(),
        many_placements(1000),
        hub(1000, 100),
    ));
    println!(
        "\n{:<36} {:>14} {:>14} {:>8}",
        "scenario", "rust/op", "go/op", "go/rust"
    );
    for (name, ps, s) in cases {
        let rust = rust_ns_per_op(&ps, &s, budget);
        let Some((go, iters)) = go_ns_per_op(&bin, &go_input(&ps, &s), budget) else {
            println!("{name:<36} {:>14} {:>14}", fmt_ns(rust), "go failed");
            continue;
        };
        println!(
            "{name:<36} {:>14} {:>14} {:>7.1}x   (go iterations: {iters})",
            fmt_ns(rust),
            fmt_ns(go),
            go / rust
        );
    }
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.1} us", ns / 1e3)
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_rust(&mut c);
    c.final_summary();
    compare_with_go();
}
