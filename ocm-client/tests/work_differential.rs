//! The work size budget against upstream's own code (`tests/go-workbuilder`, built with the
//! local Go toolchain into `target/go-workbuilder/`):
//!
//! - `budget::manifest_size` equals `Manifest.Size()` of the manifest as upstream's webhook
//!   receives it (the ManifestWork through a JSON round trip), and the sum equals the total the
//!   api module's `workvalidator` reports;
//! - `budget::split` groups manifests as sdk-go's `WorkBuilder.Build` (v1.3.0) does, given the
//!   sizes that builder measures (its encoder adds a newline: one byte more per manifest) and
//!   its budget (`WithManifestsLimit(limit)` keeps 80 %), with names `split-<i>`.
//!
//! Skipped with a notice when Go is not available, unless `OCM_CLIENT_REQUIRE_GO=1`.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use ocm_api::work::v1::Manifest;
use ocm_client::work::budget;
use ocm_test_support::Rng;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GoOutput {
    webhook_sizes: Vec<usize>,
    webhook_total: usize,
    builder_sizes: Vec<usize>,
    works: Vec<GoWork>,
}

#[derive(Deserialize)]
struct GoWork {
    name: String,
    manifests: Vec<usize>,
}

const CHARS: &[&str] = &[
    "a", "b", "z", "0", " ", "-", "<", ">", "&", "\"", "\\", "\n", "\t", "\u{1}", "\u{8}", "\u{c}",
    "é", "✓", "\u{2028}", "😀", "/",
];
const NUMBERS: &[f64] = &[1.5, 100.0, 1e21, 1e-7, 2.5e-8, 123_456.789, -0.25, 3e25];

fn text(rng: &mut Rng, len: usize) -> String {
    (0..len).map(|_| CHARS[rng.below(CHARS.len())]).collect()
}

fn manifest(rng: &mut Rng, i: usize) -> Value {
    let len = 10 + rng.below(3000);
    let mut data = serde_json::Map::new();
    data.insert("payload".into(), Value::String(text(rng, len)));
    data.insert("key-<&>".into(), Value::String(text(rng, 5)));
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": format!("m{i}"), "namespace": "default",
            "labels": {"index": i.to_string()}},
        "data": data,
        "numbers": {"int": rng.u64() % 100_000, "neg": -(rng.below(1000) as i64),
            "float": NUMBERS[rng.below(NUMBERS.len())], "list": [1, 2.0, null, true, false]},
    })
}

fn go_workbuilder() -> Option<PathBuf> {
    ocm_testenv::GoProgram::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/go-workbuilder"))
        .require_var("OCM_CLIENT_REQUIRE_GO")
        .build()
        .expect("the Go reference work builder must build when OCM_CLIENT_REQUIRE_GO is set")
}

fn run_go(bin: &PathBuf, input: &Value) -> GoOutput {
    let mut child = Command::new(bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "go-workbuilder failed on {input}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn sizes_and_splits_match_upstream() {
    let Some(bin) = go_workbuilder() else { return };
    let mut rng = Rng::new(7);
    let mut compared_splits = 0;
    let mut compared_edges = 0;
    let cases = 60;
    for case in 0..cases {
        let n = 2 + rng.below(25);
        let manifests: Vec<Value> = (0..n).map(|i| manifest(&mut rng, i)).collect();
        let ours: Vec<usize> = manifests
            .iter()
            .map(|m| budget::manifest_size(&Manifest::new(m.clone())))
            .collect();
        let largest = ours.iter().max().copied().unwrap_or_default();
        let total: usize = ours.iter().sum();
        // A limit whose 80 % holds the largest manifest, from "one per work" to "all in one".
        let limit = (largest + 2) * 5 / 4 + 2 + rng.below(total + 1);
        let go = run_go(&bin, &json!({"limit": limit, "manifests": manifests}));

        assert_eq!(
            ours, go.webhook_sizes,
            "case {case}: sizes as the webhook measures"
        );
        assert_eq!(total, go.webhook_total, "case {case}: total");

        // Ties in size make upstream's order random (it iterates a map): compare only without.
        let mut distinct = go.builder_sizes.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() < n {
            continue;
        }
        compared_splits += 1;
        let budget = (limit as f64 * 0.8) as usize;
        let groups = budget::split(&go.builder_sizes, budget).unwrap();
        let go_groups: Vec<Vec<usize>> = go
            .works
            .iter()
            .map(|w| {
                let mut m = w.manifests.clone();
                m.sort_unstable();
                m
            })
            .collect();
        assert_eq!(groups, go_groups, "case {case}: split with budget {budget}");
        // The boundary: a budget exactly the two largest manifests together (strictly below
        // is required, so they go to different works), when such a limit exists.
        let mut sorted = go.builder_sizes.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let exact = sorted[0] + sorted[1];
        let edge_limit = (exact as f64 / 0.8).ceil() as usize;
        if (edge_limit as f64 * 0.8) as usize == exact {
            let edge = run_go(&bin, &json!({"limit": edge_limit, "manifests": manifests}));
            let ours = budget::split(&edge.builder_sizes, exact).unwrap();
            let theirs: Vec<Vec<usize>> = edge
                .works
                .iter()
                .map(|w| {
                    let mut m = w.manifests.clone();
                    m.sort_unstable();
                    m
                })
                .collect();
            assert_eq!(
                ours, theirs,
                "case {case}: split at the exact boundary {exact}"
            );
            compared_edges += 1;
        }
        let names: Vec<String> = go.works.iter().map(|w| w.name.clone()).collect();
        let expected: Vec<String> = (0..groups.len()).map(|i| format!("split-{i}")).collect();
        assert_eq!(names, expected);
    }
    assert!(
        compared_splits >= cases / 2,
        "only {compared_splits} of {cases} cases had distinct sizes"
    );
    assert!(
        compared_edges >= 5,
        "only {compared_edges} exact-boundary cases"
    );
    eprintln!(
        "{cases} cases: {compared_splits} splits and {compared_edges} exact boundaries compared"
    );
}
