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

pub use ocm_test_support::Rng;

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
