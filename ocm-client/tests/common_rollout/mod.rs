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
use std::path::PathBuf;

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

/// The Go reference program, built into `target/go-rollout/` if missing or stale. `None` (with a
/// notice) when Go is unavailable and `OCM_CLIENT_REQUIRE_GO` is not `1`.
pub fn go_rollout() -> Option<PathBuf> {
    ocm_testenv::GoProgram::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/go-rollout"))
        .require_var("OCM_CLIENT_REQUIRE_GO")
        .build()
        .expect("the Go reference rollout must build when OCM_CLIENT_REQUIRE_GO is set")
}
