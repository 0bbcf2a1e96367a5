//! A thousand simulated managed clusters joining the real Go hub from one process, against the
//! memory of one Go klusterlet agent.
//!
//! `cargo bench -p ocm-benches --bench simulated` starts ocm-testenv with one real managed
//! cluster (its own kube-apiserver and the Go v1.2.1 klusterlet agent), then adds `N`
//! simulated clusters ([`ocm_testenv::TestEnv::add_simulated_clusters`]: one Rust registration
//! agent each, on one tokio runtime, joining through real CSRs, approval and signing) and
//! prints:
//!
//! - the time from adding them until all `N` are `ManagedClusterConditionAvailable=True`
//!   on the hub (target: under 2 minutes on two cores);
//! - this process's RSS growth (`VmRSS` of `/proc/self/status`, before adding them and once
//!   all are Available) per simulated cluster, next to the RSS of the Go klusterlet
//!   (`/proc/<pid>/status`, measured at the same moment), and the ratio (target: at most 1/50).
//!
//! Environment: `OCM_BENCH_SIMULATED` (default 1000).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ocm_testenv::{SimulatedCluster, TestEnv};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `VmRSS` of a process, in KiB.
fn rss_kib(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::main]
async fn main() {
    let n = env_usize("OCM_BENCH_SIMULATED", 1000);
    let started = Instant::now();
    let mut env = TestEnv::builder()
        .managed_clusters(1)
        .start()
        .await
        .expect("ocm-testenv starts");
    println!(
        "testenv (hub + cluster1 with the Go klusterlet) started in {:.1?}; load {}",
        started.elapsed(),
        load()
    );
    let klusterlet = env
        .processes()
        .into_iter()
        .find(|p| p.component == "klusterlet[cluster1]")
        .expect("the Go klusterlet runs");

    let before = rss_kib("self");
    let joined = Instant::now();
    env.add_simulated_clusters((1..=n).map(|i| SimulatedCluster::new(format!("sim-{i}"))))
        .expect("simulated clusters start");
    env.wait_simulated_available(Duration::from_secs(600))
        .await
        .expect("every simulated cluster becomes Available");
    let took = joined.elapsed();
    let after = rss_kib("self");
    let go = rss_kib(&klusterlet.pid.to_string());
    env.check().expect("every process still runs");

    let per_cluster = (after.saturating_sub(before)) as f64 / n as f64;
    println!(
        "{n} simulated clusters Available in {took:.1?} (load {})",
        load()
    );
    println!(
        "RSS of this process: {before} KiB before, {after} KiB with {n} agents: {per_cluster:.0} KiB per simulated cluster"
    );
    println!(
        "RSS of one Go klusterlet agent (pid {}): {go} KiB",
        klusterlet.pid
    );
    println!(
        "ratio (simulated cluster / Go agent): 1/{:.0}",
        go as f64 / per_cluster.max(1.0)
    );
    env.stop().expect("clean stop");
}
