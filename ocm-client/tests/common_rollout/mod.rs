//! Shared by the rollout tests: a seeded scenario generator (strategy JSON, PlacementDecision
//! pages, statuses, now), the conversion of a scenario to the Rust inputs, and locating
//! (building) the Go reference program of `tests/go-rollout/`.
#![allow(dead_code, clippy::unwrap_used)]

use jiff::Timestamp;
use ocm_api::cluster::v1alpha1::RolloutStrategy;
use ocm_api::cluster::v1beta1::PlacementDecision;
use ocm_client::rollout::{ClusterRolloutStatus, GroupKey, RolloutStatus};
use serde_json::{Value, json};

mod scenario;
pub use scenario::scenario;
use std::path::{Path, PathBuf};
use std::process::Command;

/// SplitMix64.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// 0..n
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// true with probability pct/100
    pub fn pct(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }

    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }
}

pub fn stamp(t: Timestamp) -> Value {
    let ns = t.as_nanosecond();
    json!({"sec": ns.div_euclid(1_000_000_000), "nsec": ns.rem_euclid(1_000_000_000)})
}

pub fn from_stamp(v: &Value) -> Option<Timestamp> {
    let sec = v.get("sec")?.as_i64()?;
    let nsec = v.get("nsec")?.as_i64()?;
    Timestamp::from_nanosecond(i128::from(sec) * 1_000_000_000 + i128::from(nsec)).ok()
}
/// A status of the scenario format.
pub fn status_from_json(v: &Value) -> ClusterRolloutStatus {
    let status = match v["status"].as_i64().unwrap() {
        0 => RolloutStatus::ToApply,
        1 => RolloutStatus::Progressing,
        2 => RolloutStatus::Succeeded,
        3 => RolloutStatus::Failed,
        4 => RolloutStatus::TimeOut,
        _ => RolloutStatus::Skip,
    };
    ClusterRolloutStatus {
        cluster_name: v["clusterName"].as_str().unwrap().to_owned(),
        group_key: GroupKey {
            group_name: v["groupKey"]["groupName"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            group_index: v["groupKey"]["groupIndex"].as_i64().unwrap_or_default() as i32,
        },
        status,
        last_transition_time: from_stamp(&v["lastTransitionTime"]),
        recheck_time: from_stamp(&v["recheckTime"]),
    }
}

/// A status in the scenario format.
pub fn status_to_json(s: &ClusterRolloutStatus) -> Value {
    let gk = &s.group_key;
    json!({
        "clusterName": s.cluster_name,
        "groupKey": {"groupName": gk.group_name, "groupIndex": gk.group_index},
        "status": s.status as i64,
        "lastTransitionTime": s.last_transition_time.map(stamp),
        "recheckTime": s.recheck_time.map(stamp),
    })
}

/// The Rust inputs of a scenario. The strategy is `Err` when it does not deserialize.
pub struct Inputs {
    pub strategy: Result<RolloutStrategy, String>,
    pub decisions: Vec<PlacementDecision>,
    pub statuses: Vec<ClusterRolloutStatus>,
    pub now: Timestamp,
}

pub fn inputs(sc: &Value) -> Inputs {
    Inputs {
        strategy: serde_json::from_value(sc["strategy"].clone()).map_err(|e| e.to_string()),
        decisions: serde_json::from_value(sc["decisions"].clone()).unwrap(),
        statuses: sc["statuses"]
            .as_array()
            .unwrap()
            .iter()
            .map(status_from_json)
            .collect(),
        now: from_stamp(&sc["now"]).unwrap(),
    }
}

fn newest_mtime(dir: &Path) -> Option<std::time::SystemTime> {
    ["main.go", "go.mod", "go.sum"]
        .iter()
        .filter_map(|f| std::fs::metadata(dir.join(f)).ok()?.modified().ok())
        .max()
}

/// The Go reference program, built into `target/go-rollout/` if missing or stale. `None` (with a
/// notice) when Go is unavailable and `OCM_CLIENT_REQUIRE_GO` is not `1`.
pub fn go_rollout() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let src = manifest.join("tests/go-rollout");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../target"));
    let bin = target.join("go-rollout/go-rollout");
    let fresh = match (
        std::fs::metadata(&bin).and_then(|m| m.modified()).ok(),
        newest_mtime(&src),
    ) {
        (Some(b), Some(s)) => b >= s,
        _ => false,
    };
    if fresh {
        return Some(bin);
    }
    let require = std::env::var("OCM_CLIENT_REQUIRE_GO").is_ok_and(|v| v == "1");
    eprintln!(
        "building the Go reference rollout (sdk-go v1.3.0) into {} ...",
        bin.display()
    );
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&src)
        .env("GOFLAGS", "-mod=mod")
        .env("GONOSUMDB", "open-cluster-management.io")
        .status();
    match status {
        Ok(s) if s.success() => Some(bin),
        other => {
            assert!(!require, "cannot build the Go reference rollout: {other:?}");
            eprintln!(
                "SKIPPED: cannot build the Go reference rollout ({other:?}); set OCM_CLIENT_REQUIRE_GO=1 to fail instead"
            );
            None
        }
    }
}
