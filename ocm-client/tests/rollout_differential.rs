//! Differential test: sdk-go v1.3.0's `RolloutHandler.GetRolloutCluster` (run by the program in
//! `tests/go-rollout/`, decisions fed through its PlacementDecision tracker, its clock set to the
//! scenario's "now") and `ocm_client::rollout` compute the same generated scenarios; every
//! difference is reported: clusters and their order, statuses, times, breach, recheck-after,
//! the effective strategy, and errors (presence and Go's message).
//!
//! The Go program is built once into `target/go-rollout/` (rebuilt when its sources are newer).
//! Without a Go toolchain the test is skipped with a notice, unless `OCM_CLIENT_REQUIRE_GO=1`.
//! `OCM_CLIENT_ROLLOUT_SCENARIOS` sets the number of scenarios (default 5000),
//! `OCM_CLIENT_ROLLOUT_SEED` the seed.
#![allow(clippy::unwrap_used, missing_docs)]

mod common_rollout;

use common_rollout::{Rng, go_rollout, inputs, scenario, status_from_json, status_to_json};
use ocm_api::cluster::v1alpha1::{RolloutConfig, RolloutStrategy};
use ocm_client::rollout::{DecisionGroup, RolloutError, RolloutResult, get_rollout_clusters};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs the Go program on the scenarios, one JSON line each way.
fn run_go(bin: &std::path::Path, scenarios: &[Value]) -> Vec<Value> {
    let mut child = Command::new(bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run go-rollout");
    let mut stdin = child.stdin.take().unwrap();
    let lines: Vec<String> = scenarios.iter().map(Value::to_string).collect();
    let writer = std::thread::spawn(move || {
        for line in lines {
            stdin.write_all(line.as_bytes()).unwrap();
            stdin.write_all(b"\n").unwrap();
        }
    });
    let outputs: Vec<Value> = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    writer.join().unwrap();
    assert!(child.wait().unwrap().success());
    outputs
}

/// A duration setting by value (Go writes `30m0s` for `30m`, `0s` for absent).
fn norm_duration(v: Option<&str>) -> Value {
    match v {
        None | Some("") => json!("0"),
        Some(s) => match s.parse::<jiff::SignedDuration>() {
            Ok(d) => json!(d.as_nanos().to_string()),
            Err(_) => json!(s),
        },
    }
}

fn norm_config(c: &RolloutConfig) -> Value {
    let int_or = |v: Option<&k8s_openapi::apimachinery::pkg::util::intstr::IntOrString>| {
        use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
        match v {
            None | Some(IntOrString::Int(0)) => json!(0),
            Some(v) => serde_json::to_value(v).unwrap(),
        }
    };
    json!({
        "minSuccessTime": norm_duration(c.min_success_time.as_deref()),
        "progressDeadline": c.progress_deadline.clone().unwrap_or_default(),
        "maxFailures": int_or(c.max_failures.as_ref()),
    })
}

/// The effective strategy by value: Go's zero values equal absent fields.
fn norm_strategy(s: &RolloutStrategy) -> Value {
    let mandatory = |m: &ocm_api::cluster::v1alpha1::MandatoryDecisionGroups| {
        let list: Vec<Value> = m
            .mandatory_decision_groups
            .iter()
            .flatten()
            .map(|g| {
                json!([
                    g.group_name.clone().unwrap_or_default(),
                    g.group_index.unwrap_or_default()
                ])
            })
            .collect();
        json!(list)
    };
    json!({
        "type": s.type_.map(|t| format!("{t:?}")),
        "all": s.all.as_ref().map(|a| norm_config(&a.rollout_config)),
        "progressive": s.progressive.as_ref().map(|p| json!({
            "config": norm_config(&p.rollout_config),
            "mandatory": mandatory(&p.mandatory_decision_groups),
            "maxConcurrency": match &p.max_concurrency {
                None | Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(0)) => json!(0),
                Some(v) => serde_json::to_value(v).unwrap(),
            },
        })),
        "progressivePerGroup": s.progressive_per_group.as_ref().map(|p| json!({
            "config": norm_config(&p.rollout_config),
            "mandatory": mandatory(&p.mandatory_decision_groups),
        })),
    })
}

fn result_json(r: &RolloutResult) -> Value {
    let list = |l: &[ocm_client::rollout::ClusterRolloutStatus]| {
        Value::Array(l.iter().map(status_to_json).collect())
    };
    json!({
        "clustersToRollout": list(&r.clusters_to_rollout),
        "clustersTimeout": list(&r.clusters_timeout),
        "clustersRemoved": list(&r.clusters_removed),
        "maxFailureBreach": r.max_failure_breach,
        "recheckAfter": r.recheck_after.map(|d| d.as_nanos() as i64),
    })
}

/// Go's result in the same shape (`null` lists as empty).
fn go_json(go: &Value) -> Value {
    // Through the Rust status type: Go omits an empty group name and a zero index.
    let list = |k: &str| match &go[k] {
        Value::Null => json!([]),
        v => Value::Array(
            v.as_array()
                .unwrap()
                .iter()
                .map(|s| status_to_json(&status_from_json(s)))
                .collect(),
        ),
    };
    json!({
        "clustersToRollout": list("clustersToRollout"),
        "clustersTimeout": list("clustersTimeout"),
        "clustersRemoved": list("clustersRemoved"),
        "maxFailureBreach": go["maxFailureBreach"],
        "recheckAfter": go["recheckAfter"],
    })
}

/// The differences between the Rust and Go answers of one scenario, and a label for statistics.
fn compare(sc: &Value, go: &Value) -> (Vec<String>, String) {
    let inp = inputs(sc);
    let go_err = go["error"].as_str();
    let strategy = match inp.strategy {
        Ok(s) => s,
        Err(e) => {
            return match go_err {
                Some(_) => (vec![], "error: strategy does not decode".into()),
                None => (
                    vec![format!("rust cannot decode the strategy ({e}), go can")],
                    String::new(),
                ),
            };
        }
    };
    // Go decodes the strategy (and so its minSuccessTime durations) before it reads the
    // decisions; in Rust the durations are parsed by get_rollout_clusters, so a decoding error
    // comes first here too.
    let rust = match DecisionGroup::from_decisions(&inp.decisions) {
        Ok(groups) => get_rollout_clusters(&strategy, &groups, &inp.statuses, inp.now),
        Err(e) => match get_rollout_clusters(&strategy, &[], &[], inp.now) {
            Err(m @ RolloutError::MinSuccessTime { .. }) => Err(m),
            _ => Err(e),
        },
    };
    match (rust, go_err) {
        (Err(e), Some(g)) => {
            let diffs = if e.go_message() == g {
                vec![]
            } else {
                vec![format!(
                    "error messages differ: rust {:?}, go {g:?}",
                    e.go_message()
                )]
            };
            let kind = format!("{e:?}");
            (
                diffs,
                format!("error: {}", kind.split([' ', '{']).next().unwrap_or("")),
            )
        }
        (Err(e), None) => (vec![format!("rust error {e}, go none")], String::new()),
        (Ok(_), Some(g)) => (vec![format!("go error {g:?}, rust none")], String::new()),
        (Ok((effective, result)), None) => {
            let mut diffs = Vec::new();
            let go_strategy: RolloutStrategy =
                serde_json::from_value(go["strategy"].clone()).unwrap();
            if norm_strategy(&effective) != norm_strategy(&go_strategy) {
                diffs.push(format!(
                    "effective strategy: rust {}, go {}",
                    norm_strategy(&effective),
                    norm_strategy(&go_strategy)
                ));
            }
            let (r, g) = (result_json(&result), go_json(go));
            for key in [
                "clustersToRollout",
                "clustersTimeout",
                "clustersRemoved",
                "maxFailureBreach",
                "recheckAfter",
            ] {
                if r[key] != g[key] {
                    diffs.push(format!("{key}: rust {}, go {}", r[key], g[key]));
                }
            }
            let label = format!(
                "{:?}: {} to roll out{}{}",
                effective.type_.unwrap(),
                match result.clusters_to_rollout.len() {
                    0 => "none",
                    1..=3 => "1-3",
                    _ => "4+",
                },
                if result.max_failure_breach {
                    ", breach"
                } else {
                    ""
                },
                if result.clusters_timeout.is_empty() {
                    ""
                } else {
                    ", timeouts"
                },
            );
            (diffs, label)
        }
    }
}

#[test]
fn rust_and_go_rollouts_agree() {
    let Some(bin) = go_rollout() else {
        return;
    };
    let n = env_u64("OCM_CLIENT_ROLLOUT_SCENARIOS", 5000) as usize;
    let seed = env_u64("OCM_CLIENT_ROLLOUT_SEED", 0x0c_7011);
    let mut rng = Rng::new(seed);
    let scenarios: Vec<Value> = (0..n).map(|_| scenario(&mut rng)).collect();
    let outputs = run_go(&bin, &scenarios);
    assert_eq!(
        outputs.len(),
        n,
        "go-rollout answered {} of {n} scenarios",
        outputs.len()
    );

    let mut failures = Vec::new();
    let mut stats = BTreeMap::<String, usize>::new();
    for (i, (sc, go)) in scenarios.iter().zip(&outputs).enumerate() {
        let (diffs, label) = compare(sc, go);
        if diffs.is_empty() {
            *stats.entry(label).or_default() += 1;
        } else {
            let input = if failures.is_empty() {
                format!("\n  input: {sc}")
            } else {
                String::new()
            };
            failures.push(format!(
                "scenario {i} (seed {seed}):\n  {}{input}",
                diffs.join("\n  ")
            ));
        }
    }
    eprintln!("{n} scenarios (seed {seed}), agreed:");
    for (label, count) in &stats {
        eprintln!("  {count:5}  {label}");
    }
    if !failures.is_empty() {
        let shown: Vec<&String> = failures.iter().take(5).collect();
        panic!(
            "{} of {n} scenarios differ; the first:\n{}",
            failures.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
