//! Steps 3 and 4: the prioritizer weights (upstream `getWeights`), the prioritizers they
//! select, and every feasible cluster's weighted total.

use super::{Scheduler, Status};
use crate::explain::{Explanation, PrioritizerStep, ScoreTerm};
use crate::model::{ManagedCluster, Placement, ScoreCoordinate};
use crate::plugin::{Prioritizer, ScheduleContext};
use crate::plugins::AddOnScore;
use std::sync::Arc;

/// The outcome of scoring.
pub(super) struct Scored {
    /// The prioritizers that ran and their weights.
    pub prioritizers: Vec<(Arc<dyn Prioritizer>, i32)>,
    /// Σ weight × score per feasible cluster (Go `int64`, wrapping).
    pub totals: Vec<i64>,
    /// Each cluster's terms (only for `explain`).
    pub per_cluster: Vec<Vec<ScoreTerm>>,
}

impl Scheduler {
    /// Scores the feasible clusters; `detailed` keeps every cluster's terms.
    pub(super) fn score<'a>(
        &self,
        cx: &ScheduleContext<'a>,
        filtered: &[&'a ManagedCluster],
        ex: &mut Explanation,
        detailed: bool,
        warning: &mut Option<(String, String)>,
    ) -> Result<Scored, Status> {
        let placement = cx.placement();
        // Weights.
        let weights = self.weights(placement)?;
        // Prioritizers, in a deterministic order (upstream iterates a map).
        let mut prioritizers: Vec<(Arc<dyn Prioritizer>, i32)> = Vec::new();
        for (coord, weight) in &weights {
            if *weight == 0 {
                continue;
            }
            prioritizers.push((self.prioritizer_for(coord)?, *weight));
        }

        let n = filtered.len();
        let mut totals = vec![0i64; n];
        let mut per_cluster: Vec<Vec<ScoreTerm>> = if detailed {
            vec![Vec::with_capacity(prioritizers.len()); n]
        } else {
            Vec::new()
        };
        for (p, weight) in &prioritizers {
            let scores = match p.score(cx, filtered) {
                Ok(s) => s,
                Err(e) => return Err(Status::from_plugin(p.name(), e)),
            };
            if let Some(w) = scores.warning {
                ex.warnings.push(format!("{}: {w}", p.name()));
                *warning = Some((p.name().to_owned(), w));
            }
            let by_cluster = if detailed {
                filtered
                    .iter()
                    .enumerate()
                    .map(|(i, c)| (c.name.clone(), scores.values.get(i).copied().flatten()))
                    .collect()
            } else {
                Default::default()
            };
            ex.prioritizers.push(PrioritizerStep {
                name: p.name().to_owned(),
                weight: *weight,
                scores: by_cluster,
            });
            for (i, total) in totals.iter_mut().enumerate() {
                let s = scores.values.get(i).copied().flatten();
                let product = s.unwrap_or(0).wrapping_mul(i64::from(*weight));
                *total = total.wrapping_add(product);
                if let Some(terms) = per_cluster.get_mut(i) {
                    terms.push(ScoreTerm {
                        prioritizer: p.name().to_owned(),
                        score: s,
                        weight: *weight,
                        product,
                    });
                }
            }
        }
        Ok(Scored {
            prioritizers,
            totals,
            per_cluster,
        })
    }

    /// Upstream `getWeights` / `mergeWeights`.
    ///
    /// Upstream keys the weights by the `ScoreCoordinate` struct, whose `addOn` is a pointer:
    /// coordinates without `addOn` compare by value (a later configuration overrides an
    /// earlier one or a default), while every coordinate with `addOn` is a key of its own (two
    /// configurations of the same AddOn score both apply).
    fn weights(&self, placement: &Placement) -> Result<Vec<(ScoreCoordinate, i32)>, Status> {
        let policy = &placement.spec.prioritizer_policy;
        let mut weights: Vec<(ScoreCoordinate, i32)> = match policy.mode.as_str() {
            "Exact" => Vec::new(),
            "Additive" | "" => self
                .registry
                .default_weights
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            other => {
                return Err(Status::misconfigured(format!(
                    "incorrect prioritizer policy mode: {other}"
                )));
            }
        };
        for c in &policy.configurations {
            let Some(coord) = &c.score_coordinate else {
                return Err(Status::misconfigured(
                    "scoreCoordinate field is required".into(),
                ));
            };
            if self.registry.check_weight_range && !(-10..=10).contains(&c.weight) {
                return Err(Status::misconfigured(format!(
                    "weight of prioritizer {} must be in [-10, 10], found {}",
                    coordinate_name(coord),
                    c.weight
                )));
            }
            let existing = if coord.add_on.is_none() {
                weights.iter_mut().find(|(k, _)| k == coord)
            } else {
                None
            };
            match existing {
                Some((_, w)) => *w = c.weight,
                None => weights.push((coord.clone(), c.weight)),
            }
        }
        Ok(weights)
    }

    /// Upstream `getPrioritizers` for one coordinate.
    fn prioritizer_for(&self, coord: &ScoreCoordinate) -> Result<Arc<dyn Prioritizer>, Status> {
        if coord.type_ == "BuiltIn" {
            return self
                .registry
                .prioritizers
                .get(&coord.built_in)
                .cloned()
                .ok_or_else(|| {
                    Status::misconfigured(format!(
                        "incorrect builtin prioritizer: {}",
                        coord.built_in
                    ))
                });
        }
        let Some(addon) = &coord.add_on else {
            return Err(Status::misconfigured("addOn should not be empty".into()));
        };
        if !self.registry.addon_scores {
            return Err(Status::misconfigured(format!(
                "addOn prioritizers are not enabled in this scheduler: {}/{}",
                addon.resource_name, addon.score_name
            )));
        }
        Ok(Arc::new(AddOnScore::new(
            &addon.resource_name,
            &addon.score_name,
        )))
    }
}

pub(super) fn coordinate_name(c: &ScoreCoordinate) -> String {
    match (&c.type_[..], &c.add_on) {
        ("BuiltIn", _) => c.built_in.clone(),
        (_, Some(a)) => format!("AddOn/{}/{}", a.resource_name, a.score_name),
        (_, None) => c.type_.clone(),
    }
}
