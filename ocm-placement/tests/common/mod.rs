//! Shared by the differential test and the benches' Go comparison: a seeded scenario
//! generator, the Go program's input format, and locating (building) the Go program.
#![allow(dead_code, clippy::unwrap_used)]

pub mod objects;

use jiff::{SignedDuration, Timestamp};
use ocm_placement::*;
use serde_json::{Value, json};
use std::path::PathBuf;

pub use ocm_test_support::Rng;

const CPU: &[&str] = &["1", "2", "3800m", "4", "1.5", "8", "500m", "16", "2", "4"];
const MEM: &[&str] = &[
    "1Gi", "2Gi", "1.5Gi", "4096Mi", "3G", "8Gi", "100M", "2Gi", "512Mi",
];
const TAINT_KEYS: &[&str] = &["k1", "k2", "cluster.open-cluster-management.io/unreachable"];
const CEL: &[&str] = &[
    r#"managedCluster.metadata.labels["env"] == "prod""#,
    r#""zone" in managedCluster.metadata.labels"#,
    r#"managedCluster.status.clusterClaims.exists(c, c.name == "region" && c.value == "eu")"#,
    r#"managedCluster.metadata.name.startsWith("c1")"#,
    r#"managedCluster.scores("res1").exists(s, s.name == "s1" && s.value > 0)"#,
    r#"managedCluster.scores("res1").all(s, s.value >= -50)"#,
    r#"managedCluster.metadata.name.matches("^c[0-9]+$")"#,
    r#"size(managedCluster.spec.taints) > 0"#,
    r#"managedCluster.metadata.labels.env != "dev""#,
    // More shapes of the native subset (see ocm-placement's cel module).
    r#"has(managedCluster.metadata.labels.zone) && managedCluster.metadata.labels.zone != "b""#,
    r#"!(managedCluster.metadata.labels["env"] in ["prod", "test"]) || managedCluster.metadata.name.endsWith("3")"#,
    r#"managedCluster.status.allocatable["cpu"] == "4" || managedCluster.status.capacity.memory.contains("Gi")"#,
];

fn ago(now: Timestamp, secs: i64) -> Option<Timestamp> {
    now.checked_sub(SignedDuration::from_secs(secs)).ok()
}

fn label_selector(rng: &mut Rng) -> LabelSelector {
    let mut s = LabelSelector::default();
    match rng.below(5) {
        0 => {}
        1 => s = s.with_label("env", *rng.pick(&["prod", "dev", "test"])),
        2 => {
            s = s.with_expression(LabelSelectorRequirement::new(
                "env",
                "In",
                &["prod", "test"],
            ))
        }
        3 => {
            s = s.with_expression(LabelSelectorRequirement::new(
                "zone",
                *rng.pick(&["Exists", "DoesNotExist"]),
                &[],
            ))
        }
        _ => s = s.with_expression(LabelSelectorRequirement::new("env", "NotIn", &["dev"])),
    }
    if rng.pct(3) {
        s = s.with_expression(LabelSelectorRequirement::new(
            "env",
            *rng.pick(&["Gt", "In", "Exists"]),
            &["x", "y"],
        ));
    }
    s
}

/// One random scenario: a placement `ns/p` and a hub snapshot.
pub fn scenario(rng: &mut Rng, now: Timestamp) -> (Placement, Snapshot) {
    let mut snap = Snapshot::new();
    let nsets = 1 + rng.below(3);
    for i in 0..nsets {
        let name = format!("set{i}");
        let set = match rng.below(10) {
            0..=5 => ManagedClusterSet::exclusive(name),
            6 => ManagedClusterSet::with_label_selector(name, Some(LabelSelector::default())),
            7 => ManagedClusterSet::with_label_selector(
                name,
                Some(LabelSelector::default().with_label("env", "prod")),
            ),
            8 => ManagedClusterSet::with_label_selector(name, None),
            _ => {
                if rng.pct(20) {
                    let mut s = ManagedClusterSet::exclusive(name);
                    s.cluster_selector.selector_type = "Bogus".into();
                    s
                } else {
                    ManagedClusterSet::exclusive(name)
                }
            }
        };
        snap = snap.with_cluster_set(set);
    }
    let nclusters = rng.below(26);
    let mut names = Vec::new();
    for i in 0..nclusters {
        let name = if rng.pct(80) {
            format!("c{i}")
        } else {
            format!("cluster-{}", rng.below(1000))
        };
        if names.contains(&name) {
            continue;
        }
        names.push(name.clone());
        let mut c = ManagedCluster::new(&name);
        if rng.pct(85) {
            c = c.with_label(labels::CLUSTER_SET, format!("set{}", rng.below(nsets + 1)));
        }
        if rng.pct(80) {
            c = c.with_label("env", *rng.pick(&["prod", "dev", "test"]));
        }
        if rng.pct(50) {
            c = c.with_label("zone", *rng.pick(&["a", "b", "c"]));
        }
        if rng.pct(70) {
            c = c.with_claim("region", *rng.pick(&["us", "eu", "ap"]));
        }
        for _ in 0..rng.below(3).saturating_sub(rng.below(2)) {
            let effect = match rng.below(3) {
                0 => TaintEffect::NoSelect,
                1 => TaintEffect::PreferNoSelect,
                _ => TaintEffect::NoSelectIfNew,
            };
            let added = if rng.pct(5) {
                None
            } else {
                ago(now, rng.range(0, 400))
            };
            c = c.with_taint(Taint::new(
                *rng.pick(TAINT_KEYS),
                *rng.pick(&["", "v1"]),
                effect,
                added,
            ));
        }
        if rng.pct(90) {
            let a = *rng.pick(CPU);
            c = c.with_resource("cpu", a, "16");
            if rng.pct(10) {
                c.capacity.remove("cpu");
            }
        }
        if rng.pct(85) {
            c = c.with_resource("memory", *rng.pick(MEM), "16Gi");
        }
        if rng.pct(60) {
            let mut s = AddOnPlacementScore::new("res1")
                .with_item("s1", rng.range(-100, 100) as i32)
                .with_item("s2", rng.range(-100, 100) as i32);
            s = s.valid_until(match rng.below(3) {
                0 => None,
                1 => now.checked_add(SignedDuration::from_secs(600)).ok(),
                _ => ago(now, 600),
            });
            c = c.with_score(s);
        }
        if rng.pct(5) {
            c = c.deleting(true);
        }
        snap = snap.with_cluster(c);
    }
    for i in 0..=nsets {
        if rng.pct(75) {
            snap = snap.with_binding(ManagedClusterSetBinding::new("ns", format!("set{i}")));
        }
        if rng.pct(20) {
            snap = snap.with_binding(ManagedClusterSetBinding::new("other", format!("set{i}")));
        }
    }
    // Existing decisions.
    let pick_clusters =
        |rng: &mut Rng| -> Vec<String> { names.iter().filter(|_| rng.pct(30)).cloned().collect() };
    if rng.pct(60) {
        let cs = pick_clusters(rng);
        let refs: Vec<&str> = cs.iter().map(String::as_str).collect();
        snap = snap.with_placement_decision(PlacementDecision::for_placement(
            "ns",
            "p-decision-1",
            "p",
            &refs,
        ));
        if rng.pct(20) {
            snap = snap.with_placement_decision(PlacementDecision::for_placement(
                "ns",
                "p-decision-7",
                "p",
                &[],
            ));
        }
    }
    for (ns, pl) in [("ns", "q"), ("other", "p"), ("other", "r")] {
        for k in 0..rng.below(3) {
            let cs = pick_clusters(rng);
            let refs: Vec<&str> = cs.iter().map(String::as_str).collect();
            snap = snap.with_placement_decision(PlacementDecision::for_placement(
                ns,
                format!("{pl}-decision-{}", k + 1),
                pl,
                &refs,
            ));
        }
    }

    // The placement.
    let mut spec = PlacementSpec::default();
    if rng.pct(35) {
        for i in 0..=nsets + 1 {
            if rng.pct(50) {
                spec.cluster_sets.push(format!("set{i}"));
            }
        }
    }
    if rng.pct(70) {
        spec.number_of_clusters = Some(rng.range(0, 10) as i32);
    }
    for _ in 0..rng.below(3) {
        let mut sel = ClusterSelector::default().with_labels(label_selector(rng));
        if rng.pct(30) {
            sel = sel.with_claim(LabelSelectorRequirement::new(
                "region",
                *rng.pick(&["In", "NotIn"]),
                &["eu", "us"],
            ));
        }
        if rng.pct(30) {
            sel = sel.with_cel(*rng.pick(CEL));
            if rng.pct(30) {
                sel = sel.with_cel(*rng.pick(CEL));
            }
        }
        if rng.pct(2) {
            sel = sel.with_cel("managedCluster.metadata.name ==");
        }
        spec.predicates.push(ClusterPredicate::new(sel));
    }
    spec.prioritizer_policy.mode = match rng.below(20) {
        0..=7 => "",
        8..=13 => "Additive",
        14..=18 => "Exact",
        _ => "Bogus",
    }
    .into();
    for _ in 0..rng.below(4) {
        let w = rng.range(-3, 3) as i32;
        let cfg = match rng.below(12) {
            0 => PrioritizerConfig::builtin("Balance", w),
            1 => PrioritizerConfig::builtin("Steady", w),
            2 | 3 => PrioritizerConfig::builtin("ResourceAllocatableCPU", w),
            4 | 5 => PrioritizerConfig::builtin("ResourceAllocatableMemory", w),
            6 | 7 => PrioritizerConfig::addon("res1", "s1", w),
            8 => PrioritizerConfig::addon("res1", "s2", w),
            9 => PrioritizerConfig::addon("res2", "s1", w),
            10 => {
                if rng.pct(20) {
                    PrioritizerConfig::builtin("Spread", w)
                } else {
                    PrioritizerConfig::builtin("Balance", w)
                }
            }
            _ => {
                if rng.pct(10) {
                    let mut c = PrioritizerConfig::builtin("Balance", w);
                    c.score_coordinate = None;
                    c
                } else {
                    let mut c = PrioritizerConfig::builtin("Steady", w);
                    if let Some(sc) = c.score_coordinate.as_mut() {
                        // A stray addOn makes a distinct map key upstream.
                        sc.add_on = ScoreCoordinate::addon("res1", "s1").add_on;
                    }
                    c
                }
            }
        };
        spec.prioritizer_policy.configurations.push(cfg);
    }
    for _ in 0..rng.below(3) {
        let key = if rng.pct(15) {
            ""
        } else {
            *rng.pick(TAINT_KEYS)
        };
        let op = match rng.below(3) {
            0 => TolerationOperator::Equal,
            1 => TolerationOperator::Exists,
            _ => TolerationOperator::Empty,
        };
        let op = if key.is_empty() && !rng.pct(5) {
            TolerationOperator::Exists
        } else {
            op
        };
        let value = if op == TolerationOperator::Exists && !rng.pct(3) {
            ""
        } else {
            *rng.pick(&["", "v1"])
        };
        let effect = match rng.below(4) {
            0 => Some(TaintEffect::NoSelect),
            1 => Some(TaintEffect::NoSelectIfNew),
            2 => Some(TaintEffect::PreferNoSelect),
            _ => None,
        };
        let secs = if rng.pct(40) {
            Some(rng.range(0, 500))
        } else {
            None
        };
        spec.tolerations
            .push(Toleration::new(key, op, value, effect).for_seconds(secs));
    }
    let gs = &mut spec.decision_strategy.group_strategy;
    gs.clusters_per_decision_group = match rng.below(8) {
        0..=2 => IntOrString::Int(0),
        3 => IntOrString::Int(rng.range(1, 5) as i32),
        4 => IntOrString::String("25%".into()),
        5 => IntOrString::String("33.3%".into()),
        6 => IntOrString::String("50%".into()),
        _ => IntOrString::String(match rng.below(6) {
            0 => "bad".into(),
            1 => "2".into(),
            _ => "100%".into(),
        }),
    };
    for g in 0..rng.below(3) {
        let sel = GroupClusterSelector::labels(label_selector(rng));
        gs.decision_groups
            .push(DecisionGroup::new(format!("g{g}"), sel));
    }
    (Placement::new("ns", "p").with_spec(spec), snap)
}

/// The Go program's input for one scenario.
pub fn go_input(p: &Placement, s: &Snapshot, now: Timestamp) -> Value {
    let scores: Vec<Value> = s
        .clusters
        .iter()
        .flat_map(|c| {
            c.scores
                .iter()
                .map(|sc| wire::addon_placement_score(&c.name, sc))
        })
        .collect();
    json!({
        "now": now.to_string(),
        "placement": wire::placement(p),
        "clusters": s.clusters.iter().map(wire::managed_cluster_object).collect::<Vec<_>>(),
        "clusterSets": s.cluster_sets.iter().map(wire::managed_cluster_set).collect::<Vec<_>>(),
        "bindings": s.bindings.iter().map(wire::managed_cluster_set_binding).collect::<Vec<_>>(),
        "decisions": s.placement_decisions.iter().map(wire::placement_decision).collect::<Vec<_>>(),
        "scores": scores,
    })
}

/// The Go reference program, built into `target/go-scheduler/` if missing or stale.
/// `None` (with a notice) when Go is unavailable and `OCM_PLACEMENT_REQUIRE_GO` is unset.
pub fn go_scheduler() -> Option<PathBuf> {
    ocm_testenv::GoProgram::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/go-scheduler"))
        .require_var("OCM_PLACEMENT_REQUIRE_GO")
        .build()
        .expect("the Go reference scheduler must build when OCM_PLACEMENT_REQUIRE_GO is set")
}
