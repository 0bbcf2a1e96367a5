use crate::model::{ManagedCluster, Taint, TaintEffect, Toleration, TolerationOperator};
use crate::plugin::{Filter, Filtered, PluginError, ScheduleContext};
use jiff::Timestamp;

/// `TaintToleration`: a cluster passes only if the placement tolerates every taint.
///
/// - `PreferNoSelect` taints are always tolerated (upstream has no score penalty either);
/// - `NoSelectIfNew` taints are tolerated on clusters already in the placement's decisions;
/// - otherwise the first toleration that matches (effect and key empty or equal; operator
///   `Exists`, or `Equal`/empty with an equal value) decides; with `tolerationSeconds` it holds
///   while `now < timeAdded + tolerationSeconds` (Go `Duration` arithmetic, nanoseconds in an
///   `int64`, wrapping), and the expiry becomes the placement's requeue time.
///
/// Misconfigured when a toleration has an empty key without `Exists`, or `Exists` with a value
/// (checked only when there are clusters to filter, as upstream).
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct TaintToleration;

impl TaintToleration {
    /// The plugin.
    pub fn new() -> Self {
        TaintToleration
    }
}

/// `Some(requeue)` when tolerated (`requeue` is the expiry, if any); `None` when not.
fn taint_tolerated(
    taint: &Taint,
    tolerations: &[Toleration],
    in_decision: bool,
    now: Timestamp,
) -> Option<Option<i128>> {
    if taint.effect == TaintEffect::PreferNoSelect {
        return Some(None);
    }
    if taint.effect == TaintEffect::NoSelectIfNew && in_decision {
        return Some(None);
    }
    tolerations.iter().find_map(|t| tolerated_by(taint, t, now))
}

fn tolerated_by(taint: &Taint, t: &Toleration, now: Timestamp) -> Option<Option<i128>> {
    if let Some(effect) = &t.effect
        && !effect.as_str().is_empty()
        && *effect != taint.effect
    {
        return None;
    }
    if !t.key.is_empty() && t.key != taint.key {
        return None;
    }
    let matched = match t.operator {
        TolerationOperator::Empty | TolerationOperator::Equal => t.value == taint.value,
        TolerationOperator::Exists => true,
        TolerationOperator::Other(_) => false,
    };
    if !matched {
        return None;
    }
    let Some(secs) = t.toleration_seconds else {
        return Some(None);
    };
    // Go: taint.TimeAdded.Add(time.Duration(secs) * time.Second); a null time is year 1.
    const GO_ZERO_TIME_SECS: i128 = -62_135_596_800;
    let added = taint
        .time_added
        .map_or(GO_ZERO_TIME_SECS * 1_000_000_000, |t| t.as_nanosecond());
    let expiry = added + i128::from(secs.wrapping_mul(1_000_000_000));
    if now.as_nanosecond() < expiry {
        Some(Some(expiry))
    } else {
        None
    }
}

/// Whether every taint of the cluster is tolerated, and the earliest expiry.
fn cluster_tolerated(
    c: &ManagedCluster,
    tolerations: &[Toleration],
    in_decision: bool,
    now: Timestamp,
) -> Option<Option<i128>> {
    let mut min: Option<i128> = None;
    for taint in &c.taints {
        let requeue = taint_tolerated(taint, tolerations, in_decision, now)?;
        min = match (min, requeue) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
    Some(min)
}

impl Filter for TaintToleration {
    fn name(&self) -> &str {
        crate::filters::TAINT_TOLERATION
    }

    fn filter(
        &self,
        cx: &ScheduleContext<'_>,
        clusters: &[&ManagedCluster],
    ) -> Result<Filtered, PluginError> {
        if clusters.is_empty() {
            return Ok(Filtered::all(0));
        }
        let tolerations = &cx.placement().spec.tolerations;
        for t in tolerations {
            if t.key.is_empty() && t.operator != TolerationOperator::Exists {
                return Err(PluginError::Misconfigured(
                    "If the key is empty, operator must be Exists.".into(),
                ));
            }
            if t.operator == TolerationOperator::Exists && !t.value.is_empty() {
                return Err(PluginError::Misconfigured(
                    "If the operator is Exists, the value should be empty.".into(),
                ));
            }
        }
        let now = cx.now();
        let keep = clusters
            .iter()
            .map(|c| {
                c.taints.is_empty()
                    || cluster_tolerated(c, tolerations, cx.is_decided(&c.name), now).is_some()
            })
            .collect();
        Ok(Filtered::new(keep))
    }

    fn requeue_at(&self, cx: &ScheduleContext<'_>) -> Option<Timestamp> {
        if cx.own_decision_count() == 0 {
            return None;
        }
        let tolerations = &cx.placement().spec.tolerations;
        let now = cx.now();
        let mut seen = rustc_hash::FxHashSet::default();
        let mut min: Option<i128> = None;
        // Every cluster of the hub named in the decisions (the lister's Get), last one wins.
        for c in cx.snapshot().clusters.iter().rev() {
            if !cx.is_decided(&c.name) || !seen.insert(c.name.as_str()) {
                continue;
            }
            if let Some(Some(r)) = cluster_tolerated(c, tolerations, true, now) {
                min = Some(min.map_or(r, |m| m.min(r)));
            }
        }
        min.and_then(|ns| Timestamp::from_nanosecond(ns).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Placement, PlacementDecision, PlacementSpec, Snapshot};
    use crate::plugins::testutil::{cx, now, refs};
    use jiff::SignedDuration;

    fn ago(secs: i64) -> Option<Timestamp> {
        now().checked_sub(SignedDuration::from_secs(secs)).ok()
    }

    fn placement(tolerations: Vec<Toleration>) -> Placement {
        let spec = PlacementSpec {
            tolerations,
            ..Default::default()
        };
        Placement::new("ns", "p").with_spec(spec)
    }

    #[test]
    fn effects_and_matching() {
        let p = placement(vec![Toleration::new(
            "k",
            TolerationOperator::Equal,
            "v",
            Some(TaintEffect::NoSelect),
        )]);
        let s = Snapshot::new()
            .with_cluster(ManagedCluster::new("a").with_taint(Taint::new(
                "k",
                "v",
                TaintEffect::NoSelect,
                ago(1),
            )))
            .with_cluster(ManagedCluster::new("b").with_taint(Taint::new(
                "k",
                "w",
                TaintEffect::NoSelect,
                ago(1),
            )))
            .with_cluster(ManagedCluster::new("c").with_taint(Taint::new(
                "x",
                "",
                TaintEffect::PreferNoSelect,
                ago(1),
            )))
            .with_cluster(ManagedCluster::new("d").with_taint(Taint::new(
                "x",
                "",
                TaintEffect::NoSelectIfNew,
                ago(1),
            )))
            .with_cluster(ManagedCluster::new("e").with_taint(Taint::new(
                "x",
                "",
                TaintEffect::NoSelectIfNew,
                ago(1),
            )))
            .with_placement_decision(PlacementDecision::for_placement(
                "ns",
                "p-decision-1",
                "p",
                &["e"],
            ));
        let got = TaintToleration
            .filter(&cx(&p, &s), &refs(&s))
            .map(|f| f.keep);
        assert_eq!(got, Ok(vec![true, false, true, false, true]));
    }

    #[test]
    fn toleration_seconds_expire_and_requeue() {
        let p = placement(vec![
            Toleration::new("k", TolerationOperator::Exists, "", None).for_seconds(Some(100)),
        ]);
        let s = Snapshot::new()
            .with_cluster(ManagedCluster::new("fresh").with_taint(Taint::new(
                "k",
                "",
                TaintEffect::NoSelect,
                ago(10),
            )))
            .with_cluster(ManagedCluster::new("old").with_taint(Taint::new(
                "k",
                "",
                TaintEffect::NoSelect,
                ago(100),
            )))
            .with_cluster(ManagedCluster::new("null").with_taint(Taint::new(
                "k",
                "",
                TaintEffect::NoSelect,
                None,
            )))
            .with_placement_decision(PlacementDecision::for_placement(
                "ns",
                "p-decision-1",
                "p",
                &["fresh", "old"],
            ));
        let c = cx(&p, &s);
        assert_eq!(
            TaintToleration.filter(&c, &refs(&s)).map(|f| f.keep),
            Ok(vec![true, false, false])
        );
        assert_eq!(
            TaintToleration.requeue_at(&c),
            now().checked_add(SignedDuration::from_secs(90)).ok()
        );
    }

    #[test]
    fn misconfigurations() {
        let s = Snapshot::new().with_cluster(ManagedCluster::new("a"));
        let p = placement(vec![Toleration::new(
            "",
            TolerationOperator::Equal,
            "",
            None,
        )]);
        assert!(matches!(
            TaintToleration.filter(&cx(&p, &s), &refs(&s)),
            Err(PluginError::Misconfigured(_))
        ));
        let p = placement(vec![Toleration::new(
            "k",
            TolerationOperator::Exists,
            "v",
            None,
        )]);
        assert!(matches!(
            TaintToleration.filter(&cx(&p, &s), &refs(&s)),
            Err(PluginError::Misconfigured(_))
        ));
        // No clusters: upstream does not validate.
        assert!(TaintToleration.filter(&cx(&p, &s), &[]).is_ok());
    }
}
