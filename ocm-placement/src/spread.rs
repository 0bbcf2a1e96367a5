//! `spreadPolicy` (an extension: the field is in the API since 2022, upstream never
//! implemented it). Enabled with [`RegistryBuilder::spread`](crate::RegistryBuilder::spread).
//!
//! Semantics, after Kubernetes' pod topology spread:
//! - each constraint names a topology key, read from a cluster **label** (`topologyKeyType:
//!   Label`) or **claim** (`Claim`); its distinct values among the feasible clusters are the
//!   domains;
//! - clusters are taken in score order; a cluster may be taken if, for every constraint, its
//!   domain's count after taking it minus the smallest count over all domains is at most
//!   `maxSkew` (default 1 when ≤ 0);
//! - `whenUnsatisfiable: DoNotSchedule` (the default) makes a constraint hard: clusters
//!   without the key are never taken, and selection stops when no cluster fits, so fewer than
//!   `numberOfClusters` may be chosen; `ScheduleAnyway` makes it soft: a cluster that fits is
//!   preferred, the best remaining one is taken otherwise.

use crate::model::{ManagedCluster, SpreadConstraintsTerm, SpreadPolicy};
use std::collections::HashMap;

struct Constraint<'a> {
    term: &'a SpreadConstraintsTerm,
    hard: bool,
    max_skew: i64,
    counts: HashMap<String, i64>,
}

fn domain(term: &SpreadConstraintsTerm, c: &ManagedCluster) -> Option<String> {
    if term.topology_key_type == "Claim" {
        c.claims
            .iter()
            .rev()
            .find(|cl| cl.name == term.topology_key)
            .map(|cl| cl.value.clone())
    } else {
        crate::model::lookup(&c.labels, &term.topology_key).cloned()
    }
}

impl Constraint<'_> {
    fn fits(&self, c: &ManagedCluster) -> bool {
        let Some(d) = domain(self.term, c) else {
            return !self.hard;
        };
        let after = self.counts.get(&d).copied().unwrap_or(0) + 1;
        let min = self
            .counts
            .iter()
            .map(|(k, v)| if *k == d { after } else { *v })
            .min()
            .unwrap_or(after);
        after - min <= self.max_skew
    }

    fn take(&mut self, c: &ManagedCluster) {
        if let Some(d) = domain(self.term, c) {
            *self.counts.entry(d).or_insert(0) += 1;
        }
    }
}

/// Picks up to `want` clusters from `sorted` (best first). Returns the chosen clusters and,
/// for feasible clusters held back, the topology key that held them back.
pub(crate) fn select<'a>(
    policy: &SpreadPolicy,
    sorted: &[&'a ManagedCluster],
    want: usize,
) -> (Vec<&'a ManagedCluster>, HashMap<&'a str, String>) {
    let mut cs: Vec<Constraint<'_>> = policy
        .spread_constraints
        .iter()
        .map(|t| {
            let mut counts = HashMap::new();
            for c in sorted {
                if let Some(d) = domain(t, c) {
                    counts.insert(d, 0);
                }
            }
            Constraint {
                term: t,
                hard: t.when_unsatisfiable != "ScheduleAnyway",
                max_skew: if t.max_skew <= 0 {
                    1
                } else {
                    i64::from(t.max_skew)
                },
                counts,
            }
        })
        .collect();
    let mut taken = vec![false; sorted.len()];
    let mut chosen = Vec::with_capacity(want.min(sorted.len()));
    while chosen.len() < want {
        let all_fit =
            (0..sorted.len()).find(|&i| !taken[i] && cs.iter().all(|k| k.fits(sorted[i])));
        let pick = all_fit.or_else(|| {
            (0..sorted.len())
                .find(|&i| !taken[i] && cs.iter().filter(|k| k.hard).all(|k| k.fits(sorted[i])))
        });
        let Some(i) = pick else { break };
        taken[i] = true;
        for k in &mut cs {
            k.take(sorted[i]);
        }
        chosen.push(sorted[i]);
    }
    let mut rejects = HashMap::new();
    if chosen.len() < want {
        for (i, c) in sorted.iter().enumerate() {
            if !taken[i] {
                let key = cs
                    .iter()
                    .find(|k| k.hard && !k.fits(c))
                    .map_or_else(String::new, |k| k.term.topology_key.clone());
                rejects.insert(c.name.as_str(), key);
            }
        }
    }
    (chosen, rejects)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clusters() -> Vec<ManagedCluster> {
        // Score order a1, a2, a3, b1, c1.
        vec![
            ManagedCluster::new("a1").with_label("zone", "a"),
            ManagedCluster::new("a2").with_label("zone", "a"),
            ManagedCluster::new("a3").with_label("zone", "a"),
            ManagedCluster::new("b1").with_label("zone", "b"),
            ManagedCluster::new("c1").with_claim("zone", "c"),
        ]
    }

    fn policy(key_type: &str, when: &str) -> SpreadPolicy {
        let mut p = SpreadPolicy::default();
        p.spread_constraints
            .push(SpreadConstraintsTerm::new("zone", key_type, 1, when));
        p
    }

    #[test]
    fn hard_constraint_spreads_and_stops() {
        let cs = clusters();
        let refs: Vec<&ManagedCluster> = cs.iter().collect();
        let (chosen, rejects) = select(&policy("Label", "DoNotSchedule"), &refs, 4);
        let names: Vec<&str> = chosen.iter().map(|c| c.name.as_str()).collect();
        // a1, b1, a2 (a=2,b=1), then a3 would make skew 2: stop.
        assert_eq!(names, vec!["a1", "b1", "a2"]);
        assert_eq!(rejects.get("a3").map(String::as_str), Some("zone"));
    }

    #[test]
    fn soft_constraint_fills_up() {
        let cs = clusters();
        let refs: Vec<&ManagedCluster> = cs.iter().collect();
        let (chosen, _) = select(&policy("Label", "ScheduleAnyway"), &refs, 4);
        let names: Vec<&str> = chosen.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["a1", "b1", "a2", "c1"]);
    }
}
