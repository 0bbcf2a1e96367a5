//! sdk-go's rollout steps (`progressivePerCluster`, `progressivePerGroup`,
//! `determineRolloutStatus`, `minRecheckAfter`) over the reduced tracker of [`super::groups`].

use std::collections::{HashMap, HashSet};

use jiff::{SignedDuration, Timestamp};

use super::groups::Groups;
use super::parse::{MAX_DURATION, calculate_rollout_size};
use super::types::{ClusterRolloutStatus, RolloutResult, RolloutStatus};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

/// `start + d`, as Go's `Time.Add` (exact; saturated to jiff's range, years -9999..=9999).
fn add(start: Timestamp, d: i64) -> Timestamp {
    let sum = start.as_nanosecond() + i128::from(d);
    Timestamp::from_nanosecond(sum).unwrap_or(if sum > 0 {
        Timestamp::MAX
    } else {
        Timestamp::MIN
    })
}

/// sdk-go's `calculateRecheckTime`: no time for "no duration", else start (or now) plus it.
fn recheck_time(start: Option<Timestamp>, d: i64, now: Timestamp) -> Option<Timestamp> {
    (d != MAX_DURATION).then(|| add(start.unwrap_or(now), d))
}

/// sdk-go's `determineRolloutStatus`: where one existing status goes. Returns the status as
/// updated (recheck time, TimeOut), which the callers count, as Go's loops do.
pub(crate) fn determine_rollout_status(
    mut status: ClusterRolloutStatus,
    min_success_time: i64,
    timeout: i64,
    now: Timestamp,
    rollout: &mut Vec<ClusterRolloutStatus>,
    timed_out: &mut Vec<ClusterRolloutStatus>,
) -> ClusterRolloutStatus {
    match status.status {
        RolloutStatus::ToApply => rollout.push(status.clone()),
        RolloutStatus::Succeeded => {
            let soak_end = recheck_time(status.last_transition_time, min_success_time, now);
            if let Some(end) = soak_end
                && now < end
            {
                status.recheck_time = Some(end);
                rollout.push(status.clone());
            }
        }
        RolloutStatus::TimeOut | RolloutStatus::Skip => {}
        RolloutStatus::Progressing | RolloutStatus::Failed => {
            let deadline = recheck_time(status.last_transition_time, timeout, now);
            status.recheck_time = deadline;
            match deadline {
                Some(end) if now >= end => {
                    status.status = RolloutStatus::TimeOut;
                    timed_out.push(status.clone());
                }
                _ => rollout.push(status.clone()),
            }
        }
    }
    status
}

/// sdk-go's `minRecheckAfter`: the nearest future recheck time, as a duration from now (Go's
/// `Time.Sub`, saturated to a Go duration).
pub(crate) fn min_recheck_after(
    rollout: &[ClusterRolloutStatus],
    now: Timestamp,
) -> Option<SignedDuration> {
    rollout
        .iter()
        .filter_map(|r| r.recheck_time)
        .map(|t| {
            let d = t.as_nanosecond() - now.as_nanosecond();
            i64::try_from(d).unwrap_or(if d > 0 { i64::MAX } else { i64::MIN })
        })
        .filter(|&d| d > 0)
        .min()
        .map(SignedDuration::from_nanos)
}

fn result(
    rollout: Vec<ClusterRolloutStatus>,
    timed_out: Vec<ClusterRolloutStatus>,
    breach: bool,
    now: Timestamp,
) -> RolloutResult {
    let recheck_after = min_recheck_after(&rollout, now);
    RolloutResult {
        clusters_to_rollout: rollout,
        clusters_timeout: timed_out,
        clusters_removed: Vec::new(),
        max_failure_breach: breach,
        recheck_after,
    }
}

/// The timing settings of a step.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timing {
    pub(crate) min_success_time: i64,
    pub(crate) timeout: i64,
    pub(crate) now: Timestamp,
}

/// sdk-go's `progressivePerCluster`: existing statuses by cluster name, then new clusters by
/// name, until `rollout_size` clusters are rolling out or `max_failures` is exceeded.
pub(crate) fn progressive_per_cluster(
    groups: &Groups<'_>,
    rollout_size: usize,
    max_failures: usize,
    timing: Timing,
    mut existing: Vec<ClusterRolloutStatus>,
) -> RolloutResult {
    let (mut rollout, mut timed_out) = (Vec::new(), Vec::new());
    let mut seen: HashSet<String> = HashSet::new();
    let mut failures = 0usize;
    let mut breach = false;
    // Go's sort.Slice is not stable; it matches a stable sort when names are unique or there are
    // at most 12 statuses (Go sorts those by insertion).
    existing.sort_by(|a, b| a.cluster_name.cmp(&b.cluster_name));
    for status in existing {
        if status.cluster_name.is_empty() {
            continue;
        }
        seen.insert(status.cluster_name.clone());
        let status = if !breach || status.status != RolloutStatus::ToApply {
            determine_rollout_status(
                status,
                timing.min_success_time,
                timing.timeout,
                timing.now,
                &mut rollout,
                &mut timed_out,
            )
        } else {
            status
        };
        if status.status.is_failure() {
            failures += 1;
            breach = failures > max_failures;
        }
        if rollout.len() >= rollout_size {
            return result(rollout, timed_out, breach, timing.now);
        }
    }
    if breach {
        return result(rollout, timed_out, breach, timing.now);
    }
    let to_group = groups.cluster_to_group_key();
    for cluster in groups.clusters() {
        if seen.contains(cluster) {
            continue;
        }
        rollout.push(ClusterRolloutStatus {
            cluster_name: cluster.to_owned(),
            group_key: to_group
                .get(cluster)
                .map(|k| (*k).clone())
                .unwrap_or_default(),
            status: RolloutStatus::ToApply,
            last_transition_time: None,
            recheck_time: None,
        });
        if rollout.len() >= rollout_size {
            break;
        }
    }
    result(rollout, timed_out, false, timing.now)
}

/// sdk-go's `progressivePerGroup`: every existing applied status first (in input order), then the
/// groups in index order, stopping at the first group with clusters still to roll out or with
/// more failures than its `max_failures`.
pub(crate) fn progressive_per_group(
    groups: &Groups<'_>,
    max_failures: Option<&IntOrString>,
    timing: Timing,
    existing: &[ClusterRolloutStatus],
) -> RolloutResult {
    let (mut rollout, mut timed_out) = (Vec::new(), Vec::new());
    let mut applied: HashMap<String, RolloutStatus> = HashMap::new();
    for status in existing {
        if status.cluster_name.is_empty() || status.status == RolloutStatus::ToApply {
            continue;
        }
        let status = determine_rollout_status(
            status.clone(),
            timing.min_success_time,
            timing.timeout,
            timing.now,
            &mut rollout,
            &mut timed_out,
        );
        applied.insert(status.cluster_name, status.status);
    }
    let mut total_failures = 0usize;
    let mut breach = false;
    for (key, clusters) in &groups.groups {
        let mut group_failures = 0usize;
        // The format was checked before; Go ignores the error here.
        let max_group_failures =
            calculate_rollout_size(max_failures, clusters.len(), 0).unwrap_or(0);
        for cluster in clusters.iter() {
            if let Some(status) = applied.get(cluster) {
                if status.is_failure() {
                    group_failures += 1;
                    breach = group_failures > max_group_failures;
                }
                continue;
            }
            rollout.push(ClusterRolloutStatus {
                cluster_name: cluster.clone(),
                group_key: key.clone(),
                status: RolloutStatus::ToApply,
                last_transition_time: None,
                recheck_time: None,
            });
        }
        total_failures += group_failures;
        // Go: len(rolloutClusters)-totalFailureCount > 0, in ints.
        if rollout.len() > total_failures || breach {
            return result(rollout, timed_out, breach, timing.now);
        }
    }
    result(rollout, timed_out, breach, timing.now)
}
