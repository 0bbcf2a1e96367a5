//! Shared by the rollout tests: a seeded scenario generator (strategy JSON, PlacementDecision
//! pages, statuses, now), the conversion of a scenario to the Rust inputs, and locating
//! (building) the Go reference program of `tests/go-rollout/`.
#![allow(dead_code, clippy::unwrap_used)]

use jiff::{SignedDuration, Timestamp};
use ocm_api::cluster::v1alpha1::RolloutStrategy;
use ocm_api::cluster::v1beta1::PlacementDecision;
use ocm_client::rollout::{ClusterRolloutStatus, GroupKey, RolloutStatus};
use serde_json::{Value, json};
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

const DURATIONS: &[&str] = &[
    "0s", "30m", "1h", "90s", "10m", "2h", "1h30m", "45s", "10ms", "0", "-5m", "1.5h",
];
const BAD_DURATIONS: &[&str] = &["abc", "1x", "", "5", "1h-1s", "1d"];
const DEADLINES: &[&str] = &[
    "None", "", "1h", "30m", "2h", "10m", "90s", "1h30m", "10ms", "0s", "45s", "3h",
];
const BAD_DEADLINES: &[&str] = &[
    "1.5h",
    "xNone",
    "5m ",
    "1|",
    "-1h",
    "abc",
    "1hNone",
    "1d",
    "2562047h47m16.854775807s",
];
const PERCENTS: &[&str] = &[
    "0%", "10%", "20%", "25%", "33.3%", "50%", "66.7%", "99%", "100%", "150%", "12.5%", "1e1%",
    "0.1%", "-10%", "1_0%", "0x1p4%", "Inf%", "NaN%", "+50%", "05%",
];
const BAD_PERCENTS: &[&str] = &["abc", "5", "%", "1e400%", "x%", "", "10 %", "1_%", "infx%"];
const GROUP_NAMES: &[&str] = &["", "canary", "wave", "prod", "dev"];

/// The Unix time of the scenarios' "now" (2026-01-01T00:00:00Z), plus a random offset.
const BASE_SECONDS: i64 = 1_767_225_600;

pub fn stamp(t: Timestamp) -> Value {
    let ns = t.as_nanosecond();
    json!({"sec": ns.div_euclid(1_000_000_000), "nsec": ns.rem_euclid(1_000_000_000)})
}

pub fn from_stamp(v: &Value) -> Option<Timestamp> {
    let sec = v.get("sec")?.as_i64()?;
    let nsec = v.get("nsec")?.as_i64()?;
    Timestamp::from_nanosecond(i128::from(sec) * 1_000_000_000 + i128::from(nsec)).ok()
}

fn int_or_percent(rng: &mut Rng, total: usize) -> Value {
    match rng.below(10) {
        0 => Value::Null,
        1..=3 => json!(rng.range(-1, total as i64 + 2)),
        4..=8 => json!(rng.pick(PERCENTS)),
        _ => json!(rng.pick(BAD_PERCENTS)),
    }
}

fn duration(rng: &mut Rng, bad: u64) -> Value {
    if rng.pct(bad) {
        json!(rng.pick(BAD_DURATIONS))
    } else if rng.pct(20) {
        Value::Null
    } else {
        json!(rng.pick(DURATIONS))
    }
}

fn deadline(rng: &mut Rng, bad: u64) -> Value {
    if rng.pct(bad) {
        json!(rng.pick(BAD_DEADLINES))
    } else if rng.pct(15) {
        Value::Null
    } else {
        json!(rng.pick(DEADLINES))
    }
}

fn insert(obj: &mut serde_json::Map<String, Value>, key: &str, v: Value) {
    if !v.is_null() {
        obj.insert(key.to_owned(), v);
    }
}

fn config(rng: &mut Rng, total: usize, bad: u64) -> serde_json::Map<String, Value> {
    let mut c = serde_json::Map::new();
    insert(&mut c, "minSuccessTime", duration(rng, bad));
    insert(&mut c, "progressDeadline", deadline(rng, bad));
    let mf = if rng.pct(100 - bad) {
        match rng.below(4) {
            0 => Value::Null,
            1 => json!(rng.range(0, 3)),
            _ => json!(rng.pick(&PERCENTS[..12])),
        }
    } else {
        int_or_percent(rng, total)
    };
    insert(&mut c, "maxFailures", mf);
    c
}

fn mandatory(rng: &mut Rng, names: &[String], indexes: &[i32]) -> Value {
    let n = rng.below(4);
    let list: Vec<Value> = (0..n)
        .map(|_| match rng.below(6) {
            0 | 1 if !names.is_empty() => json!({"groupName": rng.pick(names)}),
            2 | 3 if !indexes.is_empty() => json!({"groupIndex": rng.pick(indexes)}),
            0 => json!({"groupName": "missing"}),
            2 => json!({"groupIndex": 7}),
            4 => json!({"groupName": rng.pick(GROUP_NAMES), "groupIndex": rng.range(0, 3)}),
            _ => json!({}),
        })
        .collect();
    if list.is_empty() && rng.pct(50) {
        Value::Null
    } else {
        json!(list)
    }
}

/// One generated scenario, in the Go program's input format.
pub fn scenario(rng: &mut Rng) -> Value {
    let now = Timestamp::from_second(BASE_SECONDS + rng.range(0, 86_400)).unwrap()
        + SignedDuration::from_nanos(rng.range(0, 999_999_999));

    // Decision groups: index -> (name, clusters). Indexes are mostly 0..k; sometimes with a gap,
    // a negative one, or one large group. One name per index (Go picks at random otherwise).
    let k = if rng.pct(5) {
        0
    } else {
        rng.range(1, 5) as usize
    };
    let large = rng.pct(8);
    let mut cluster_no: Vec<usize> = (0..400).collect();
    rng.shuffle(&mut cluster_no);
    let mut next_cluster = cluster_no.into_iter();
    let mut groups: Vec<(i32, String, Vec<String>)> = Vec::new();
    for i in 0..k {
        let mut index = i as i32;
        if rng.pct(6) {
            index += rng.range(1, 3) as i32;
        }
        if rng.pct(2) {
            index = -1;
        }
        if groups.iter().any(|g| g.0 == index) {
            continue;
        }
        let name = if rng.pct(30) {
            String::new()
        } else if rng.pct(30) {
            "wave".to_owned()
        } else {
            format!("{}-{i}", rng.pick(&GROUP_NAMES[1..]))
        };
        let size = if large && i == 0 {
            rng.range(20, 80) as usize
        } else {
            rng.below(6)
        };
        let clusters = (0..size)
            .map(|_| format!("c{:03}", next_cluster.next().unwrap()))
            .collect();
        groups.push((index, name, clusters));
    }
    let all: Vec<String> = groups.iter().flat_map(|g| g.2.clone()).collect();
    let total = all.len();

    // PlacementDecision pages: each group in one or two pages, sometimes an empty page.
    let mut pages = Vec::new();
    for (n, (index, name, clusters)) in groups.iter().enumerate() {
        let split = if clusters.len() > 1 && rng.pct(30) {
            rng.below(clusters.len())
        } else {
            clusters.len()
        };
        for (p, part) in [&clusters[..split], &clusters[split..]].iter().enumerate() {
            if part.is_empty() && p == 1 {
                continue;
            }
            let mut labels = serde_json::Map::new();
            labels.insert(
                "cluster.open-cluster-management.io/placement".into(),
                json!("placement"),
            );
            let index_label = match rng.below(100) {
                0 => "x".to_owned(),
                1 => format!("+{index}"),
                2 => format!("0{index}"),
                3 if *index == 1 => "4294967297".to_owned(),
                _ => index.to_string(),
            };
            if !rng.pct(1) {
                labels.insert(
                    "cluster.open-cluster-management.io/decision-group-index".into(),
                    json!(index_label),
                );
            }
            if !name.is_empty() {
                labels.insert(
                    "cluster.open-cluster-management.io/decision-group-name".into(),
                    json!(name),
                );
            }
            let decisions: Vec<Value> = part
                .iter()
                .map(|c| json!({"clusterName": c, "reason": ""}))
                .collect();
            pages.push(json!({
                "apiVersion": "cluster.open-cluster-management.io/v1beta1",
                "kind": "PlacementDecision",
                "metadata": {"name": format!("placement-decision-{n}-{p}"), "namespace": "default", "labels": labels},
                "status": {"decisions": decisions},
            }));
        }
    }
    rng.shuffle(&mut pages);

    // Statuses: a random subset of the clusters, some removed ones, rarely an empty name or a
    // duplicate (duplicates only with at most 12 statuses: Go's sort is unstable beyond).
    let mut names: Vec<String> = all.iter().filter(|_| rng.pct(60)).cloned().collect();
    for _ in 0..rng.below(3) {
        if rng.pct(40) {
            names.push(format!("gone{}", rng.below(5)));
        }
    }
    if rng.pct(3) {
        names.push(String::new());
    }
    let dup = rng.pct(10) && !names.is_empty() && names.len() < 12;
    if dup {
        let d = rng.pick(&names).clone();
        names.push(d);
    }
    rng.shuffle(&mut names);
    let soak_like = [0i64, 1, 30 * 60, 60 * 60, 90, 2 * 3600, 600, 45];
    let statuses: Vec<Value> = names
        .iter()
        .map(|name| {
            let status = *rng.pick(&[0, 1, 1, 2, 2, 2, 3, 3, 4, 5]);
            let ltt = match rng.below(10) {
                0 => Value::Null,
                1 => stamp(now + SignedDuration::from_secs(rng.range(1, 600))),
                // Exactly at a soak or deadline boundary.
                2 | 3 => stamp(now - SignedDuration::from_secs(*rng.pick(&soak_like))),
                4 => stamp(now - SignedDuration::from_millis(10)),
                _ => stamp(
                    now - SignedDuration::from_secs(rng.range(0, 4 * 3600))
                        - SignedDuration::from_nanos(rng.range(0, 999_999_999)),
                ),
            };
            let recheck = if rng.pct(15) {
                stamp(now + SignedDuration::from_secs(rng.range(-600, 3600)))
            } else {
                Value::Null
            };
            let gk = if rng.pct(20) {
                json!({"groupName": rng.pick(GROUP_NAMES), "groupIndex": rng.range(0, 3)})
            } else {
                json!({})
            };
            json!({"clusterName": name, "groupKey": gk, "status": status,
                   "lastTransitionTime": ltt, "recheckTime": recheck})
        })
        .collect();

    // The strategy, with the settings of other types sometimes present too.
    let bad = if rng.pct(20) { 30 } else { 0 };
    let group_names: Vec<String> = groups
        .iter()
        .map(|g| g.1.clone())
        .filter(|n| !n.is_empty())
        .collect();
    let indexes: Vec<i32> = groups.iter().map(|g| g.0).collect();
    let type_ = match rng.below(100) {
        0 => None,
        1 => Some("Bogus"),
        2..=21 => Some("All"),
        22..=60 => Some("Progressive"),
        _ => Some("ProgressivePerGroup"),
    };
    let mut strategy = serde_json::Map::new();
    if let Some(t) = type_ {
        strategy.insert("type".into(), json!(t));
    }
    let wants = |t: &str| type_ == Some(t);
    if wants("All") || rng.pct(10) {
        strategy.insert("all".into(), Value::Object(config(rng, total, bad)));
    }
    if wants("Progressive") && !rng.pct(5) || rng.pct(10) {
        let mut c = config(rng, total, bad);
        insert(
            &mut c,
            "mandatoryDecisionGroups",
            mandatory(rng, &group_names, &indexes),
        );
        insert(&mut c, "maxConcurrency", int_or_percent(rng, total));
        strategy.insert("progressive".into(), Value::Object(c));
    }
    if wants("ProgressivePerGroup") && !rng.pct(5) || rng.pct(10) {
        let mut c = config(rng, total, bad);
        insert(
            &mut c,
            "mandatoryDecisionGroups",
            mandatory(rng, &group_names, &indexes),
        );
        strategy.insert("progressivePerGroup".into(), Value::Object(c));
    }

    json!({"strategy": strategy, "decisions": pages, "statuses": statuses, "now": stamp(now)})
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
