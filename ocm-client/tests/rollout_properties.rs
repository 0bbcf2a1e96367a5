//! Properties of `ocm_client::rollout` that hold for every input (proptest): the bounds sdk-go
//! guarantees (maxConcurrency), mandatory groups first, a maxFailures breach stops new clusters,
//! statuses are read by name (Progressive), the dry-run plan, and the gates.
#![allow(clippy::unwrap_used, missing_docs)]

use jiff::{SignedDuration, Timestamp};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use ocm_api::cluster::v1alpha1::{
    MandatoryDecisionGroup, MandatoryDecisionGroups, RolloutAll, RolloutConfig, RolloutProgressive,
    RolloutProgressivePerGroup, RolloutStrategy, RolloutType,
};
use ocm_client::rollout::{
    ClusterRolloutStatus, DecisionGroup, GateDecision, GateSubject, RolloutGate, RolloutStatus,
    apply_gates, get_rollout_clusters, plan_rollout,
};
use proptest::prelude::*;
use std::collections::BTreeSet;

fn now() -> Timestamp {
    "2026-01-01T12:00:00Z".parse().unwrap()
}

/// Decision groups `g0..gk` (indexes `0..k`) of the given sizes; cluster names are shuffled
/// against the group order by the seed.
fn groups(sizes: &[usize], seed: u64) -> Vec<DecisionGroup> {
    let total: usize = sizes.iter().sum();
    let mut names: Vec<usize> = (0..total).collect();
    let mut s = seed | 1;
    for i in (1..names.len()).rev() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        names.swap(i, (s % (i as u64 + 1)) as usize);
    }
    let mut it = names.into_iter();
    sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| {
            let clusters: Vec<String> = (0..n)
                .map(|_| format!("c{:02}", it.next().unwrap()))
                .collect();
            DecisionGroup::new(format!("g{i}"), i as i32, clusters)
        })
        .collect()
}

/// A status per cluster (or none), from generated codes.
fn statuses(groups: &[DecisionGroup], codes: &[(u8, i64)]) -> Vec<ClusterRolloutStatus> {
    let all = groups.iter().flat_map(|g| g.clusters.iter());
    all.zip(codes.iter().cycle())
        .filter_map(|(c, &(code, mins))| {
            let status = match code % 8 {
                0 | 6 | 7 => return None,
                1 => RolloutStatus::Progressing,
                2 => RolloutStatus::Succeeded,
                3 => RolloutStatus::Failed,
                4 => RolloutStatus::TimeOut,
                _ => RolloutStatus::Skip,
            };
            Some(
                ClusterRolloutStatus::new(c.clone(), status)
                    .last_transition_time(now() - SignedDuration::from_mins(mins)),
            )
        })
        .collect()
}

fn config(max_failures: i32) -> RolloutConfig {
    RolloutConfig {
        min_success_time: Some("30m".into()),
        progress_deadline: Some("1h".into()),
        max_failures: Some(IntOrString::Int(max_failures)),
    }
}

fn mandatory(names: &[&str]) -> MandatoryDecisionGroups {
    MandatoryDecisionGroups {
        mandatory_decision_groups: Some(
            names
                .iter()
                .map(|n| MandatoryDecisionGroup {
                    group_name: Some((*n).to_owned()),
                    group_index: None,
                })
                .collect(),
        ),
    }
}

fn progressive(
    max_concurrency: IntOrString,
    max_failures: i32,
    mandatory_groups: &[&str],
) -> RolloutStrategy {
    RolloutStrategy {
        type_: Some(RolloutType::Progressive),
        progressive: Some(RolloutProgressive {
            rollout_config: config(max_failures),
            mandatory_decision_groups: mandatory(mandatory_groups),
            max_concurrency: Some(max_concurrency),
        }),
        ..Default::default()
    }
}

fn per_group(max_failures: i32, mandatory_groups: &[&str]) -> RolloutStrategy {
    RolloutStrategy {
        type_: Some(RolloutType::ProgressivePerGroup),
        progressive_per_group: Some(RolloutProgressivePerGroup {
            rollout_config: config(max_failures),
            mandatory_decision_groups: mandatory(mandatory_groups),
        }),
        ..Default::default()
    }
}

fn inputs() -> impl Strategy<Value = (Vec<usize>, u64, Vec<(u8, i64)>)> {
    (
        prop::collection::vec(0usize..6, 1..5),
        any::<u64>(),
        prop::collection::vec((any::<u8>(), 0i64..120), 1..20),
    )
}

fn new_clusters(r: &[ClusterRolloutStatus], given: &[ClusterRolloutStatus]) -> Vec<String> {
    r.iter()
        .filter(|s| s.status == RolloutStatus::ToApply)
        .filter(|s| !given.iter().any(|g| g.cluster_name == s.cluster_name))
        .map(|s| s.cluster_name.clone())
        .collect()
}

proptest! {
    /// Progressive without mandatory groups never has more than maxConcurrency clusters rolling
    /// out (Go returns as soon as the count reaches it).
    #[test]
    fn progressive_respects_max_concurrency((sizes, seed, codes) in inputs(), m in 1i32..8, f in 0i32..3) {
        let groups = groups(&sizes, seed);
        let total = groups.iter().map(|g| g.clusters.len()).sum::<usize>() as i32;
        let st = statuses(&groups, &codes);
        let (_, r) = get_rollout_clusters(&progressive(IntOrString::Int(m), f, &[]), &groups, &st, now()).unwrap();
        let limit = if m > total { total } else { m };
        prop_assert!(r.clusters_to_rollout.len() <= limit.max(0) as usize,
            "{} rolling out, maxConcurrency {m} of {total}", r.clusters_to_rollout.len());
    }

    /// While a mandatory group has a cluster without a status, no cluster outside the mandatory
    /// groups is started.
    #[test]
    fn mandatory_groups_first((sizes, seed, codes) in inputs(), per_group_type: bool) {
        let groups = groups(&sizes, seed);
        prop_assume!(!groups[0].clusters.is_empty());
        let mut st = statuses(&groups, &codes);
        st.retain(|s| s.cluster_name != groups[0].clusters[0]);
        let strategy = if per_group_type { per_group(0, &["g0"]) } else { progressive(IntOrString::Int(2), 0, &["g0"]) };
        let (_, r) = get_rollout_clusters(&strategy, &groups, &st, now()).unwrap();
        for s in r.clusters_to_rollout.iter().filter(|s| s.status == RolloutStatus::ToApply) {
            prop_assert!(groups[0].clusters.contains(&s.cluster_name), "{} started before g0", s.cluster_name);
        }
    }

    /// A maxFailures breach stops new clusters: Progressive starts none; ProgressivePerGroup
    /// starts no group after the first one with more failures than it tolerates (it may still
    /// start the rest of that group, and sdk-go's stop rule `to roll out - failures > 0` may let
    /// it walk past a group with as many new clusters as failures: both are sdk-go's behaviour).
    #[test]
    fn breach_stops_the_rollout((sizes, seed, codes) in inputs(), f in 0i32..2, m in 1i32..6) {
        let groups = groups(&sizes, seed);
        let st = statuses(&groups, &codes);
        let (_, r) = get_rollout_clusters(&progressive(IntOrString::Int(m), f, &[]), &groups, &st, now()).unwrap();
        if r.max_failure_breach {
            prop_assert!(new_clusters(&r.clusters_to_rollout, &st).is_empty());
        }
        let (_, r) = get_rollout_clusters(&per_group(f, &[]), &groups, &st, now()).unwrap();
        // Failures per group: Failed, TimeOut, or timed out now (the deadline is 1h).
        let timed_out = |s: &ClusterRolloutStatus| {
            s.last_transition_time.is_some_and(|t| now() >= t + SignedDuration::from_hours(1))
        };
        let first_breached = groups.iter().position(|g| {
            let failures = st.iter()
                .filter(|s| g.clusters.contains(&s.cluster_name))
                .filter(|s| match s.status {
                    RolloutStatus::Failed | RolloutStatus::TimeOut => true,
                    RolloutStatus::Progressing => timed_out(s),
                    _ => false,
                })
                .count() as i32;
            let n = g.clusters.len() as i32;
            let tolerated = if f <= 0 || f > n { 0 } else { f };
            failures > tolerated
        });
        if r.max_failure_breach {
            let first = first_breached.expect("a breach needs a group with too many failures") as i32;
            for s in r.clusters_to_rollout.iter().filter(|s| s.status == RolloutStatus::ToApply) {
                prop_assert!(s.group_key.group_index <= first,
                    "{} of group {} started after group {first} breached", s.cluster_name, s.group_key.group_index);
            }
        }
    }

    /// Progressive and All read statuses by cluster name: their order does not matter.
    #[test]
    fn status_order_does_not_matter_per_cluster((sizes, seed, codes) in inputs(), m in 1i32..6, all: bool) {
        let groups = groups(&sizes, seed);
        let st = statuses(&groups, &codes);
        let mut rev = st.clone();
        rev.reverse();
        let strategy = if all {
            RolloutStrategy { type_: Some(RolloutType::All), all: Some(RolloutAll::default()), ..Default::default() }
        } else {
            progressive(IntOrString::Int(m), 1, &[])
        };
        let a = get_rollout_clusters(&strategy, &groups, &st, now()).unwrap();
        let b = get_rollout_clusters(&strategy, &groups, &rev, now()).unwrap();
        prop_assert_eq!(a.1.clusters_to_rollout, b.1.clusters_to_rollout);
        prop_assert_eq!(a.1.clusters_timeout, b.1.clusters_timeout);
    }

    /// The dry run reaches every cluster exactly once, in batches no larger than maxConcurrency.
    #[test]
    fn plan_covers_every_cluster_once((sizes, seed, _codes) in inputs(), m in 1i32..6, which in 0u8..3) {
        let groups = groups(&sizes, seed);
        let strategy = match which {
            0 => progressive(IntOrString::Int(m), 0, &[]),
            1 => per_group(0, &["g1"]),
            _ => RolloutStrategy { type_: Some(RolloutType::All), ..Default::default() },
        };
        let plan = plan_rollout(&strategy, &groups).unwrap();
        let mut seen = BTreeSet::new();
        for batch in &plan.batches {
            prop_assert!(!batch.is_empty());
            if which == 0 {
                prop_assert!(batch.len() <= m as usize);
            }
            for s in batch {
                prop_assert!(seen.insert(s.cluster_name.clone()), "{} twice", s.cluster_name);
            }
        }
        let all: BTreeSet<String> = groups.iter().flat_map(|g| g.clusters.clone()).collect();
        prop_assert_eq!(seen, all);
        prop_assert!(plan.unreached.is_empty());
    }

    /// A waiting gate holds every new cluster and nothing else; a passing gate changes nothing.
    #[test]
    fn gates_hold_new_clusters((sizes, seed, codes) in inputs(), m in 1i32..6) {
        struct Fixed(GateDecision);
        impl RolloutGate for Fixed {
            fn name(&self) -> &str { "fixed" }
            fn check(&self, _: &GateSubject<'_>) -> GateDecision { self.0.clone() }
        }
        let groups = groups(&sizes, seed);
        let st = statuses(&groups, &codes);
        let (_, r) = get_rollout_clusters(&progressive(IntOrString::Int(m), 5, &[]), &groups, &st, now()).unwrap();
        let pass = apply_gates(r.clone(), &groups, &st, &[&Fixed(GateDecision::Pass)]);
        prop_assert_eq!(&pass.result, &r);
        prop_assert!(pass.held.is_empty());
        let wait = Fixed(GateDecision::Wait { reason: "metrics".into() });
        let gated = apply_gates(r.clone(), &groups, &st, &[&wait]);
        let finished = st.iter().any(|s| s.status == RolloutStatus::Succeeded
            && !r.clusters_to_rollout.iter().any(|x| x.cluster_name == s.cluster_name));
        let starts = r.clusters_to_rollout.iter().any(|s| s.status == RolloutStatus::ToApply);
        if finished && starts {
            prop_assert!(gated.result.clusters_to_rollout.iter().all(|s| s.status != RolloutStatus::ToApply));
            prop_assert_eq!(gated.held.len() + gated.result.clusters_to_rollout.len(), r.clusters_to_rollout.len());
            prop_assert!(!gated.verdicts.is_empty());
        } else {
            prop_assert_eq!(&gated.result, &r);
        }
    }
}

#[test]
fn bad_input_is_a_typed_error_naming_the_field() {
    let groups = groups(&[2, 2], 1);
    let mut s = progressive(IntOrString::String("ten".into()), 0, &[]);
    let e = get_rollout_clusters(&s, &groups, &[], now()).unwrap_err();
    assert!(
        e.to_string().starts_with("progressive.maxConcurrency:"),
        "{e}"
    );
    assert_eq!(
        e.go_message(),
        "failed to parse the provided maxConcurrency: 'ten' is an invalid maximum threshold value: string is not a percentage"
    );
    s.progressive.as_mut().unwrap().rollout_config.max_failures =
        Some(IntOrString::String("x%".into()));
    let e = get_rollout_clusters(&s, &groups, &[], now()).unwrap_err();
    assert!(e.to_string().starts_with("progressive.maxFailures:"), "{e}");
    assert_eq!(
        e.go_message(),
        "failed to parse the provided maxFailures: strconv.ParseFloat: parsing \"x\": invalid syntax"
    );
    let mut s = per_group(0, &[]);
    s.progressive_per_group
        .as_mut()
        .unwrap()
        .rollout_config
        .progress_deadline = Some("1.5h".into());
    let e = get_rollout_clusters(&s, &groups, &[], now()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("progressivePerGroup.progressDeadline:"),
        "{e}"
    );
    assert_eq!(e.go_message(), "invalid timeout format");
    s.all = Some(RolloutAll {
        rollout_config: RolloutConfig {
            min_success_time: Some("soon".into()),
            ..Default::default()
        },
    });
    let e = get_rollout_clusters(&s, &groups, &[], now()).unwrap_err();
    assert!(e.to_string().starts_with("all.minSuccessTime:"), "{e}");
    let e = get_rollout_clusters(&RolloutStrategy::default(), &groups, &[], now()).unwrap_err();
    assert_eq!(e.go_message(), "incorrect rollout strategy type ");
}
