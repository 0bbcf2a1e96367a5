//! The seeded scenario generator: strategy JSON (all types, int/percent edge values, malformed
//! ones, mandatory groups), PlacementDecision pages (split, shuffled, odd index labels), statuses
//! (soak and deadline boundaries, removed clusters, duplicates) and "now".

use super::{Rng, stamp};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

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
