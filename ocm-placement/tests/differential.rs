//! Differential test: the Go OCM placement controller (ocm v1.2.1 `pkg/placement`, run by the
//! program in `tests/go-scheduler/` with fake clients) and this crate schedule the same
//! generated scenarios; every difference is reported.
//!
//! The Go program is built once into `target/go-scheduler/` (rebuilt when its sources are
//! newer). Without a Go toolchain the test is skipped with a notice, unless
//! `OCM_PLACEMENT_REQUIRE_GO=1`.
//!
//! The clusters are full objects (`common::objects`): the Go program decodes their JSON into
//! its typed objects, this crate converts the same JSON through the public `ocm-api` path
//! (`ManagedCluster::try_from(&serde_json::Value)`), and the placements carry CEL
//! expressions over every field, some misconfigured. `OCM_PLACEMENT_DIFF_SCENARIOS` sets the number of scenarios
//! (default 600), `OCM_PLACEMENT_DIFF_SEED` the seed.
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::{Rng, go_scheduler, scenario};
use ocm_placement::Scheduler;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn rust_and_go_schedulers_agree() {
    let Some(bin) = go_scheduler() else {
        return;
    };
    let n = env_usize("OCM_PLACEMENT_DIFF_SCENARIOS", 600);
    let seed = env_usize("OCM_PLACEMENT_DIFF_SEED", 0x0c_a11) as u64;
    let now: jiff::Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();

    let mut rng = Rng::new(seed);
    let scenarios: Vec<_> = (0..n)
        .map(|_| {
            let (mut p, mut s) = scenario(&mut rng, now);
            let objects = common::objects::with_full_objects(&mut rng, &mut p, &mut s, now);
            (p, s, objects)
        })
        .collect();

    let mut child = Command::new(&bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run go-scheduler");
    let mut stdin = child.stdin.take().unwrap();
    let inputs: Vec<String> = scenarios
        .iter()
        .map(|(p, s, objects)| go_input(p, s, objects, now).to_string())
        .collect();
    let writer = std::thread::spawn(move || {
        for line in inputs {
            stdin.write_all(line.as_bytes()).unwrap();
            stdin.write_all(b"\n").unwrap();
        }
    });
    let reader = BufReader::new(child.stdout.take().unwrap());
    let outputs: Vec<Value> = reader
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    writer.join().unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(
        outputs.len(),
        n,
        "go-scheduler answered {} of {n} scenarios",
        outputs.len()
    );

    let scheduler = Scheduler::default();
    let mut failures = Vec::new();
    let mut stats = std::collections::BTreeMap::<String, usize>::new();
    for (i, ((placement, snapshot, objects), go)) in scenarios.iter().zip(&outputs).enumerate() {
        if let Some(e) = go.get("error").and_then(Value::as_str) {
            failures.push(format!("scenario {i}: go-scheduler error: {e}"));
            continue;
        }
        let rust = scheduler.explain(placement, snapshot, now);
        let diffs = compare(&rust, go);
        let reason = match &rust {
            Ok(o) => o
                .status
                .conditions
                .iter()
                .map(|c| format!("{}={}", c.reason, c.status))
                .collect::<Vec<_>>()
                .join(","),
            Err(_) => "error".into(),
        };
        *stats.entry(reason).or_default() += 1;
        if let Ok(o) = &rust {
            if o.requeue_at.is_some() {
                *stats.entry("with requeue time".into()).or_default() += 1;
            }
            if o.decisions.len() > 1 {
                *stats.entry("with >1 decision".into()).or_default() += 1;
            }
            if o.status.decision_groups.len() > 1 {
                *stats.entry("with >1 decision group".into()).or_default() += 1;
            }
        }
        if !diffs.is_empty() {
            let verbose = std::env::var_os("OCM_PLACEMENT_DIFF_VERBOSE").is_some();
            let input = go_input(placement, snapshot, objects, now);
            failures.push(format!(
                "scenario {i}:\n  {}\n  spec: {}\n  go status: {}{}",
                diffs.join("\n  "),
                input["placement"]["spec"],
                go["status"],
                if verbose {
                    format!("\n  input: {input}\n  go: {go}")
                } else {
                    String::new()
                }
            ));
        }
    }
    eprintln!(
        "differential: {n} scenarios, {} with differences; outcomes: {stats:?}",
        failures.len()
    );
    if !failures.is_empty() {
        let shown: Vec<_> = failures.iter().take(5).cloned().collect();
        panic!(
            "{} of {n} scenarios differ; first ones:\n{}",
            failures.len(),
            shown.join("\n\n")
        );
    }
}

/// The Go program's input: the scenario with the full cluster objects.
fn go_input(
    p: &ocm_placement::Placement,
    s: &ocm_placement::Snapshot,
    objects: &[Value],
    now: jiff::Timestamp,
) -> Value {
    let mut input = common::go_input(p, s, now);
    input["clusters"] = Value::Array(objects.to_vec());
    input
}

fn compare(
    rust: &Result<ocm_placement::ScheduleOutcome, ocm_placement::ScheduleError>,
    go: &Value,
) -> Vec<String> {
    let mut d = Vec::new();
    let go_conditions = go
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let outcome = match rust {
        Err(e) => {
            let sync = go.get("syncError").and_then(Value::as_str).unwrap_or("");
            if !go_conditions.is_empty()
                || !sync.to_ascii_lowercase().contains("failed to get clusters")
            {
                d.push(format!(
                    "rust failed ({e}) but go did not: syncError={sync:?}"
                ));
            }
            return d;
        }
        Ok(o) => o,
    };
    if go_conditions.is_empty() {
        d.push(format!(
            "go wrote no status (syncError={:?})",
            go.get("syncError")
        ));
        return d;
    }

    // Conditions.
    for want in &go_conditions {
        let ty = want["type"].as_str().unwrap_or("");
        let Some(got) = outcome.status.condition(ty) else {
            d.push(format!("missing condition {ty}"));
            continue;
        };
        let (gs, gr, gm) = (
            want["status"].as_str(),
            want["reason"].as_str(),
            want["message"].as_str().unwrap_or(""),
        );
        if Some(got.status.as_str()) != gs || Some(got.reason.as_str()) != gr {
            d.push(format!(
                "{ty}: rust {}/{} ({}) vs go {gs:?}/{gr:?} ({gm})",
                got.status, got.reason, got.message
            ));
        } else if got.reason == "Misconfigured" {
            // Same plugin; messages of selector/CEL validation are worded by different libraries.
            // The checker's errors (not the parser's) are cel-go's text.
            let checked = [
                "undeclared reference",
                "no matching overload",
                "expected type",
            ]
            .iter()
            .any(|k| gm.contains(k));
            let plugin = |m: &str| m.split(':').next().unwrap_or("").to_owned();
            if plugin(&got.message) != plugin(gm) || (checked && got.message != gm) {
                d.push(format!("{ty}: message rust {:?} vs go {gm:?}", got.message));
            }
        } else if got.message != gm {
            d.push(format!("{ty}: message rust {:?} vs go {gm:?}", got.message));
        }
    }
    // Status counts and groups.
    let status = serde_json::to_value(&outcome.status).unwrap();
    for key in ["numberOfSelectedClusters", "decisionGroups"] {
        let g = go
            .pointer(&format!("/status/{key}"))
            .cloned()
            .unwrap_or(Value::Null);
        let g = if g.is_null() { json!([]) } else { g };
        if status[key] != g {
            d.push(format!("status.{key}: rust {} vs go {g}", status[key]));
        }
    }

    // Decisions (the scheduler's order) and total scores.
    let go_decisions: Vec<String> =
        serde_json::from_value(go["decisions"].clone()).unwrap_or_default();
    if outcome.decisions != go_decisions {
        d.push(format!(
            "decisions: rust {:?} vs go {go_decisions:?}",
            outcome.decisions
        ));
    }
    // The run's status: upstream `Schedule`'s code, replaced after it by a misconfigured
    // decision strategy; upstream's sync returns an error for every status but success.
    let go_code = go["scheduleCode"].as_i64();
    let rust_code = i64::from(outcome.run_status.code());
    let go_misconfigured = go_conditions
        .iter()
        .any(|c| c["type"] == "PlacementMisconfigured" && c["status"] == "True");
    let strategy_misconfigured =
        rust_code == 3 && go_code.is_some_and(|c| c < 2) && go_misconfigured;
    if Some(rust_code) != go_code && !strategy_misconfigured {
        d.push(format!(
            "run status: rust {:?} vs go code {go_code:?}",
            outcome.run_status
        ));
    }
    let sync = go.get("syncError").and_then(Value::as_str).unwrap_or("");
    if outcome.run_status.is_success() != sync.is_empty() {
        d.push(format!(
            "run status: rust {:?} vs go syncError {sync:?}",
            outcome.run_status
        ));
    }
    if go["scheduleCode"].as_i64() == Some(0) {
        let go_scores = go["scores"].as_object().cloned().unwrap_or_default();
        let rust_scores: serde_json::Map<String, Value> = outcome
            .explanation
            .clusters
            .iter()
            .filter_map(|c| c.total.map(|t| (c.name.clone(), json!(t))))
            .collect();
        if go_scores != rust_scores {
            d.push(format!("scores: rust {rust_scores:?} vs go {go_scores:?}"));
        }
        // Requeue time.
        let go_requeue = go
            .get("requeueTime")
            .and_then(Value::as_str)
            .map(|s| s.parse::<jiff::Timestamp>().unwrap());
        if go_requeue != outcome.requeue_at {
            d.push(format!(
                "requeue: rust {:?} vs go {go_requeue:?}",
                outcome.requeue_at
            ));
        }
    }

    // PlacementDecision pages.
    let go_pds = go["placementDecisions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut rust_pds = outcome.placement_decisions.clone();
    rust_pds.sort_by(|a, b| a.name.cmp(&b.name));
    if go_pds.len() != rust_pds.len() {
        d.push(format!(
            "placement decisions: rust {:?} vs go {:?}",
            rust_pds.iter().map(|p| &p.name).collect::<Vec<_>>(),
            go_pds.iter().map(|p| &p["name"]).collect::<Vec<_>>()
        ));
    } else {
        for (r, g) in rust_pds.iter().zip(&go_pds) {
            let clusters: Vec<&str> = r
                .decisions
                .iter()
                .map(|d| d.cluster_name.as_str())
                .collect();
            let gc: Vec<&str> = g["clusters"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            if g["name"] != json!(r.name) || clusters != gc {
                d.push(format!(
                    "page {}: rust {clusters:?} vs go {} {gc:?}",
                    r.name, g["name"]
                ));
            }
            if g["preexisting"] == json!(false) && g["labels"] != json!(r.labels) {
                d.push(format!(
                    "page {} labels: rust {:?} vs go {}",
                    r.name, r.labels, g["labels"]
                ));
            }
        }
    }
    d
}
