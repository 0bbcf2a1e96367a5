//! Invariants of the scheduler over generated scenarios (the generator of the differential
//! test, driven by proptest seeds).
#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use common::{Rng, scenario};
use jiff::Timestamp;
use ocm_placement::*;
use proptest::prelude::*;

fn now() -> Timestamp {
    "2026-01-01T00:00:00Z".parse().unwrap()
}

fn run(p: &Placement, s: &Snapshot) -> Option<ScheduleOutcome> {
    Scheduler::default().explain(p, s, now()).ok()
}

fn misconfigured(o: &ScheduleOutcome) -> bool {
    o.status
        .condition(conditions::PLACEMENT_MISCONFIGURED)
        .is_some_and(|c| c.status == "True")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The order of the clusters in the snapshot does not matter.
    #[test]
    fn permutation_invariant(seed in any::<u64>(), shuffle in any::<u64>()) {
        let (p, s) = scenario(&mut Rng::new(seed), now());
        let mut shuffled = s.clone();
        let mut rng = Rng::new(shuffle);
        for i in (1..shuffled.clusters.len()).rev() {
            let j = rng.below(i + 1);
            shuffled.clusters.swap(i, j);
        }
        shuffled.placement_decisions.reverse();
        prop_assert_eq!(run(&p, &s), run(&p, &shuffled));
    }

    /// With equal scores, the smallest names win.
    #[test]
    fn ties_break_by_name(seed in any::<u64>(), n in 0i32..8) {
        let (mut p, s) = scenario(&mut Rng::new(seed), now());
        p.spec.prioritizer_policy = PrioritizerPolicy::default();
        p.spec.prioritizer_policy.mode = "Exact".into();
        p.spec.number_of_clusters = Some(n);
        let Some(o) = run(&p, &s) else { return Ok(()) };
        if misconfigured(&o) { return Ok(()) }
        let mut feasible: Vec<&str> = o.explanation.clusters.iter()
            .filter(|c| c.total.is_some())
            .map(|c| c.name.as_str())
            .collect();
        feasible.sort_unstable();
        feasible.truncate(n as usize);
        prop_assert_eq!(o.decisions.iter().map(String::as_str).collect::<Vec<_>>(), feasible);
    }

    /// A prioritizer with weight 0 is the same as no prioritizer.
    #[test]
    fn weight_zero_equals_absent(seed in any::<u64>(), which in 0usize..6) {
        let (mut p, s) = scenario(&mut Rng::new(seed), now());
        let extra = match which {
            0 => PrioritizerConfig::builtin("Balance", 0),
            1 => PrioritizerConfig::builtin("Steady", 0),
            2 => PrioritizerConfig::builtin("ResourceAllocatableCPU", 0),
            3 => PrioritizerConfig::builtin("ResourceAllocatableMemory", 0),
            4 => PrioritizerConfig::builtin("NoSuchPrioritizer", 0),
            _ => PrioritizerConfig::addon("res1", "s1", 0),
        };
        p.spec.prioritizer_policy.mode = "Exact".into();
        // A weight-0 entry for a coordinate already configured would override that entry.
        prop_assume!(!p.spec.prioritizer_policy.configurations.iter().any(|c| {
            c.score_coordinate == extra.score_coordinate && extra.score_coordinate.as_ref().is_some_and(|sc| sc.add_on.is_none())
        }));
        let without = run(&p, &s).map(|o| (o.decisions, o.status));
        p.spec.prioritizer_policy.configurations.push(extra);
        let with = run(&p, &s).map(|o| (o.decisions, o.status));
        prop_assert_eq!(without, with);
    }

    /// |decisions| = min(numberOfClusters, feasible).
    #[test]
    fn decision_count(seed in any::<u64>()) {
        let (p, s) = scenario(&mut Rng::new(seed), now());
        let Some(o) = run(&p, &s) else { return Ok(()) };
        if misconfigured(&o) || o.explanation.filters.is_empty() { return Ok(()) }
        let feasible = o.explanation.filters.last().map_or(0, |f| f.output);
        let want = p.spec.number_of_clusters.map_or(feasible, |n| (n as usize).min(feasible));
        prop_assert_eq!(o.decisions.len(), want);
        prop_assert_eq!(o.status.number_of_selected_clusters as usize, want);
        let paged: usize = o.placement_decisions.iter().map(|pd| pd.decisions.len()).sum();
        prop_assert_eq!(paged, want);
        prop_assert!(o.placement_decisions.iter().all(|pd| pd.decisions.len() <= MAX_DECISIONS_PER_PAGE));
        // One total per decision, best first, equal to the explanation's total.
        prop_assert_eq!(o.scores.len(), want);
        prop_assert!(o.scores.windows(2).all(|w| w[0] >= w[1]));
        let ex = Scheduler::default().explain(&p, &s, now()).unwrap();
        for (name, score) in o.decisions.iter().zip(&o.scores) {
            let c = ex.explanation.clusters.iter().find(|c| &c.name == name).unwrap();
            prop_assert_eq!(c.total, Some(*score));
        }
    }

    /// Scheduling again with the previous run's decisions, nothing else changed, keeps them.
    #[test]
    fn steady_keeps_previous_decisions(seed in any::<u64>()) {
        let (mut p, mut s) = scenario(&mut Rng::new(seed), now());
        p.spec.prioritizer_policy = PrioritizerPolicy::default();
        let Some(first) = run(&p, &s) else { return Ok(()) };
        if misconfigured(&first) { return Ok(()) }
        s.placement_decisions.retain(|pd| !is_own_decision(&p, pd));
        s.placement_decisions.extend(first.placement_decisions.iter().cloned());
        let second = run(&p, &s).unwrap();
        let mut a = first.decisions.clone();
        let mut b = second.decisions.clone();
        a.sort();
        b.sort();
        prop_assert_eq!(a, b);
    }

    /// `schedule` is `explain` without the per-cluster detail.
    #[test]
    fn schedule_is_explain_without_detail(seed in any::<u64>()) {
        let (p, s) = scenario(&mut Rng::new(seed), now());
        let fast = Scheduler::default().schedule(&p, &s, now());
        let slow = Scheduler::default().explain(&p, &s, now()).map(|mut o| {
            let ex = &mut o.explanation;
            ex.clusters.clear();
            ex.candidate_clusters.clear();
            ex.filters.iter_mut().for_each(|f| f.survivors.clear());
            ex.prioritizers.iter_mut().for_each(|p| p.scores.clear());
            o
        });
        prop_assert_eq!(fast, slow);
    }

    /// One index serves every placement of a snapshot with the outcomes of fresh runs.
    #[test]
    fn shared_index_schedules_like_fresh_runs(seed in any::<u64>()) {
        let (p, s) = scenario(&mut Rng::new(seed), now());
        let index = SnapshotIndex::new(&s);
        let scheduler = Scheduler::default();
        let mut placements = vec![p.clone()];
        for pd in &s.placement_decisions {
            if let Some(name) = pd.placement_label() {
                let mut q = p.clone();
                q.namespace = pd.namespace.clone();
                q.name = name.to_owned();
                placements.push(q);
            }
        }
        for q in &placements {
            prop_assert_eq!(scheduler.schedule_indexed(q, &index, now()), scheduler.schedule(q, &s, now()));
            prop_assert_eq!(scheduler.explain_indexed(q, &index, now()), scheduler.explain(q, &s, now()));
        }
    }

    /// Earlier clusters of the same name are ignored (the last wins, like an informer store),
    /// whatever they hold.
    #[test]
    fn shadowed_duplicates_change_nothing(seed in any::<u64>()) {
        let (p, s) = scenario(&mut Rng::new(seed), now());
        let mut shadowed = s.clone();
        let decoys: Vec<ManagedCluster> = s
            .clusters
            .iter()
            .map(|c| {
                let mut d = ManagedCluster::new(c.name.clone())
                    .with_label("env", "decoy")
                    .with_resource("cpu", "999", "999")
                    .with_resource("memory", "1Ti", "1Ti");
                d.labels.extend(c.labels.clone());
                d.deleting = !c.deleting;
                d
            })
            .collect();
        shadowed.clusters = decoys.into_iter().chain(s.clusters.iter().cloned()).collect();
        prop_assert_eq!(run(&p, &shadowed), run(&p, &s));
    }

    /// Snapshots round-trip through JSON and schedule the same (what-if replay).
    #[test]
    fn snapshot_round_trip(seed in any::<u64>()) {
        let (p, s) = scenario(&mut Rng::new(seed), now());
        let s2: Snapshot = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        let p2: Placement = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        prop_assert_eq!(&s, &s2);
        prop_assert_eq!(run(&p, &s), run(&p2, &s2));
    }
}

#[test]
fn many_clusters_paginate_and_group() {
    let mut s = Snapshot::new()
        .with_cluster_set(ManagedClusterSet::exclusive("all"))
        .with_binding(ManagedClusterSetBinding::new("ns", "all"));
    for i in 0..250 {
        s = s.with_cluster(
            ManagedCluster::new(format!("c{i:03}"))
                .with_label(labels::CLUSTER_SET, "all")
                .with_label("canary", if i < 10 { "true" } else { "false" }),
        );
    }
    let mut spec = PlacementSpec::default();
    spec.decision_strategy
        .group_strategy
        .decision_groups
        .push(DecisionGroup::new(
            "canary",
            GroupClusterSelector::labels(LabelSelector::default().with_label("canary", "true")),
        ));
    spec.decision_strategy
        .group_strategy
        .clusters_per_decision_group = IntOrString::String("50%".into());
    let p = Placement::new("ns", "web").with_spec(spec);
    let o = Scheduler::default().schedule(&p, &s, now()).unwrap();
    let groups: Vec<(&str, i32, usize)> = o
        .status
        .decision_groups
        .iter()
        .map(|g| {
            (
                g.decision_group_name.as_str(),
                g.clusters_count,
                g.decisions.len(),
            )
        })
        .collect();
    // 50% of 250 = 125 per group: canary (10), then 240 others in 125 + 115, each > 100 split
    // into two pages.
    assert_eq!(groups, vec![("canary", 10, 1), ("", 125, 2), ("", 115, 2)]);
    let names: Vec<&str> = o
        .placement_decisions
        .iter()
        .map(|pd| pd.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "web-decision-1",
            "web-decision-2",
            "web-decision-3",
            "web-decision-4",
            "web-decision-5"
        ]
    );
    assert_eq!(o.placement_decisions[2].decisions.len(), 25);
    assert_eq!(
        o.placement_decisions[3]
            .labels
            .get(labels::DECISION_GROUP_INDEX)
            .map(String::as_str),
        Some("2")
    );
}

#[test]
fn explanation_says_why() {
    let s = Snapshot::new()
        .with_cluster_set(ManagedClusterSet::exclusive("all"))
        .with_binding(ManagedClusterSetBinding::new("ns", "all"))
        .with_cluster(
            ManagedCluster::new("a")
                .with_label(labels::CLUSTER_SET, "all")
                .with_label("env", "prod"),
        )
        .with_cluster(
            ManagedCluster::new("b")
                .with_label(labels::CLUSTER_SET, "all")
                .with_label("env", "dev"),
        )
        .with_cluster(ManagedCluster::new("c").with_label("env", "prod"));
    let mut spec = PlacementSpec::default();
    spec.number_of_clusters = Some(2);
    spec.predicates.push(ClusterPredicate::new(
        ClusterSelector::default().with_labels(LabelSelector::default().with_label("env", "prod")),
    ));
    let p = Placement::new("ns", "p").with_spec(spec);
    let o = Scheduler::default().explain(&p, &s, now()).unwrap();
    let ex = &o.explanation;
    assert_eq!(
        ex.cluster("a").map(|c| &c.verdict),
        Some(&Verdict::Selected)
    );
    assert_eq!(
        ex.cluster("b").map(|c| &c.verdict),
        Some(&Verdict::Filtered {
            filter: "Predicate".into()
        })
    );
    assert_eq!(
        ex.cluster("c").map(|c| &c.verdict),
        Some(&Verdict::NotInEligibleClusterSet)
    );
    let a = ex.cluster("a").unwrap();
    assert_eq!(a.total, Some(100));
    assert!(a.scores.iter().any(|t| t.prioritizer == "Balance"
        && t.score == Some(100)
        && t.weight == 1
        && t.product == 100));
    let shortfall = ex.shortfall.as_deref().unwrap_or("");
    assert!(
        shortfall.contains("1 of 2") && shortfall.contains("Predicate removed 1"),
        "{shortfall}"
    );
    let sat = o.status.condition(conditions::PLACEMENT_SATISFIED).unwrap();
    assert_eq!(
        (sat.reason.as_str(), sat.message.as_str()),
        (
            "NotAllDecisionsScheduled",
            "1 cluster decisions unscheduled"
        )
    );
}

#[test]
fn spread_extension_is_opt_in() {
    let mut s = Snapshot::new()
        .with_cluster_set(ManagedClusterSet::exclusive("all"))
        .with_binding(ManagedClusterSetBinding::new("ns", "all"));
    for (name, zone) in [("a1", "a"), ("a2", "a"), ("a3", "a"), ("b1", "b")] {
        s = s.with_cluster(
            ManagedCluster::new(name)
                .with_label(labels::CLUSTER_SET, "all")
                .with_label("zone", zone),
        );
    }
    let mut spec = PlacementSpec::default();
    spec.number_of_clusters = Some(2);
    spec.spread_policy
        .spread_constraints
        .push(SpreadConstraintsTerm::new(
            "zone",
            "Label",
            1,
            "DoNotSchedule",
        ));
    let p = Placement::new("ns", "p").with_spec(spec);
    let upstream = Scheduler::default().schedule(&p, &s, now()).unwrap();
    assert_eq!(upstream.decisions, ["a1", "a2"]);
    let spread = Scheduler::new(default_plugins().spread(true).build())
        .explain(&p, &s, now())
        .unwrap();
    assert_eq!(spread.decisions, ["a1", "b1"]);
    assert_eq!(
        spread.explanation.cluster("a2").map(|c| &c.verdict),
        Some(&Verdict::NotSelected)
    );
}

#[test]
fn bad_input_is_a_condition_not_a_panic() {
    let s = Snapshot::new()
        .with_cluster_set(ManagedClusterSet::exclusive("all"))
        .with_binding(ManagedClusterSetBinding::new("ns", "all"))
        .with_cluster(ManagedCluster::new("a").with_label(labels::CLUSTER_SET, "all"));
    let cases: Vec<(PlacementSpec, &str)> = {
        let mut v = Vec::new();
        let mut spec = PlacementSpec::default();
        spec.prioritizer_policy.mode = "Sometimes".into();
        v.push((spec, ":incorrect prioritizer policy mode: Sometimes"));
        let mut spec = PlacementSpec::default();
        spec.prioritizer_policy
            .configurations
            .push(PrioritizerConfig::builtin("Spread", 1));
        v.push((spec, ":incorrect builtin prioritizer: Spread"));
        let mut spec = PlacementSpec::default();
        spec.prioritizer_policy
            .configurations
            .push(PrioritizerConfig::builtin("Steady", 11));
        v.push((
            spec,
            ":weight of prioritizer Steady must be in [-10, 10], found 11",
        ));
        let mut spec = PlacementSpec::default();
        spec.predicates.push(ClusterPredicate::new(
            ClusterSelector::default().with_cel("managedCluster.("),
        ));
        v.push((spec, "Predicate:"));
        let mut spec = PlacementSpec::default();
        spec.tolerations
            .push(Toleration::new("", TolerationOperator::Equal, "", None));
        v.push((
            spec,
            "TaintToleration:If the key is empty, operator must be Exists.",
        ));
        let mut spec = PlacementSpec::default();
        spec.decision_strategy
            .group_strategy
            .clusters_per_decision_group = IntOrString::String("half".into());
        v.push((spec, ":half invalid type: string is not a percentage"));
        let mut spec = PlacementSpec::default();
        spec.number_of_clusters = Some(-1);
        v.push((spec, ":numberOfClusters must be at least 0, found -1"));
        v
    };
    for (spec, want) in cases {
        let p = Placement::new("ns", "p").with_spec(spec);
        let o = Scheduler::default().schedule(&p, &s, now()).unwrap();
        let c = o
            .status
            .condition(conditions::PLACEMENT_MISCONFIGURED)
            .unwrap();
        assert_eq!(c.status, "True");
        assert_eq!(c.reason, "Misconfigured");
        assert!(
            c.message.starts_with(want),
            "{} does not start with {want}",
            c.message
        );
    }
}
