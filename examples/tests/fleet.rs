//! The fleet demo in CI: it runs to the end with `--quick --json` and says every step met its
//! expectation (among them: the add-on's agents published every cluster's score with their own
//! hub identity); Ctrl-C in the middle stops it and every process it started.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::{events_until, fleet};

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The processes whose parent is `pid`, recursively (from /proc).
fn descendants(pid: u32) -> Vec<u32> {
    let mut parents = vec![pid];
    let mut found = Vec::new();
    while let Some(p) = parents.pop() {
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
                continue;
            };
            // pid (comm) state ppid …; comm may hold spaces, so read after the last ')'.
            let ppid = stat
                .rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().nth(1))
                .and_then(|s| s.parse::<u32>().ok());
            if ppid == Some(p) {
                found.push(child);
                parents.push(child);
            }
        }
    }
    found
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !matches!(
            s.rsplit(')')
                .next()
                .and_then(|r| r.split_whitespace().next()),
            Some("Z")
        )
    })
}

#[test]
fn the_demo_meets_every_expectation() {
    let mut child = fleet(&[]).spawn().unwrap();
    let events = events_until(&mut child, |e| e["event"] == "done");
    let status = child.wait().unwrap();
    let done = events.last().unwrap();
    assert_eq!(done["ok"], true, "{done}");
    assert!(status.success());
    let steps: Vec<i64> = events
        .iter()
        .filter(|e| e["event"] == "step")
        .filter_map(|e| e["step"].as_i64())
        .collect();
    assert_eq!(steps, [1, 2, 3, 4, 6, 7], "--quick skips the upgrade");
    // The add-on step: each of the 8 clusters (2 real, 6 simulated) has its score published by
    // its own add-on agent, with the hub identity its registration produced.
    let scores: Vec<&Value> = events
        .iter()
        .filter(|e| e["event"] == "addon-score")
        .map(|e| &e["data"])
        .collect();
    assert_eq!(scores.len(), 8, "{scores:?}");
    for s in &scores {
        let cluster = s["cluster"].as_str().unwrap();
        assert_eq!(
            s["user"],
            format!(
                "system:open-cluster-management:cluster:{cluster}:addon:fleet-score:agent:agent"
            ),
            "{s}"
        );
    }
    assert!(scores.iter().any(|s| s["cluster"] == "cluster1"));
    assert!(scores.iter().any(|s| s["cluster"] == "edge-01"));
    assert!(
        events.iter().any(|e| e["event"] == "feedback"),
        "status feedback was reported"
    );
}

#[test]
fn ctrl_c_leaves_no_process_behind() {
    let mut child = fleet(&[]).spawn().unwrap();
    // Once the placement step starts, the whole control plane runs.
    events_until(&mut child, |e| e["event"] == "step" && e["step"] == 2);
    let processes = descendants(child.id());
    assert!(
        processes.len() >= 5,
        "the control plane's processes: {processes:?}"
    );
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    events_until(&mut child, |e| e["event"] == "done");
    let status = child.wait().unwrap();
    assert!(!status.success(), "an interrupted demo fails");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let left: Vec<u32> = processes.iter().copied().filter(|p| alive(*p)).collect();
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "processes left behind: {left:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}
