//! The built-in plugins: upstream's filters and prioritizers, plus the spread extension.
//!
//! | Plugin | Kind | Upstream |
//! |---|---|---|
//! | [`Predicate`] | filter | `pkg/placement/plugins/predicate` |
//! | [`TaintToleration`] | filter | `pkg/placement/plugins/tainttoleration` |
//! | [`Balance`] | prioritizer | `pkg/placement/plugins/balance` |
//! | [`Steady`] | prioritizer | `pkg/placement/plugins/steady` |
//! | [`ResourceAllocatable`] | prioritizer | `pkg/placement/plugins/resource` |
//! | [`AddOnScore`] | prioritizer | `pkg/placement/plugins/addon` |

mod addon;
mod balance;
pub(crate) mod predicate;
mod resource;
mod steady;
mod taint_toleration;

pub use addon::AddOnScore;
pub use balance::Balance;
pub use predicate::Predicate;
pub use resource::ResourceAllocatable;
pub use steady::Steady;
pub use taint_toleration::TaintToleration;

/// Go's `int64(f)` on amd64: truncation toward zero; NaN and out-of-range values become
/// `math.MinInt64` (the CPU's "integer indefinite"), where Rust's `as` would saturate.
pub(crate) fn go_f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    use crate::model::{ManagedCluster, Placement, Snapshot};
    use crate::plugin::ScheduleContext;
    use jiff::Timestamp;

    pub(crate) fn now() -> Timestamp {
        "2026-01-01T00:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    pub(crate) fn cx<'a>(p: &'a Placement, s: &'a Snapshot) -> ScheduleContext<'a> {
        ScheduleContext::new(p, s, now())
    }

    pub(crate) fn refs(s: &Snapshot) -> Vec<&ManagedCluster> {
        s.clusters.iter().collect()
    }
}
