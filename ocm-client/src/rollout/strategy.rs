//! sdk-go's `GetRolloutCluster` and its three strategies.

use jiff::Timestamp;
use ocm_api::cluster::v1alpha1::{
    MandatoryDecisionGroups, RolloutAll, RolloutConfig, RolloutProgressive,
    RolloutProgressivePerGroup, RolloutStrategy, RolloutType,
};

use super::RolloutError;
use super::compute::{Timing, progressive_per_cluster, progressive_per_group};
use super::groups::{Groups, Tracker, mandatory_group_keys};
use super::parse::{
    calculate_rollout_size, check_rollout_size, go_parse_duration, int_or_string_text,
    parse_timeout,
};
use super::types::{ClusterRolloutStatus, DecisionGroup, GroupKey, RolloutResult};

/// Go cannot even decode a strategy whose `minSuccessTime` (a `metav1.Duration`) does not parse,
/// whichever rollout type uses it: check all three as decoding would.
fn min_success_times(strategy: &RolloutStrategy) -> Result<[i64; 3], RolloutError> {
    let check = |field: &'static str, config: Option<&RolloutConfig>| match config
        .and_then(|c| c.min_success_time.as_deref())
    {
        None => Ok(0),
        Some(v) => go_parse_duration(v).map_err(|reason| RolloutError::MinSuccessTime {
            field,
            value: v.to_owned(),
            reason,
        }),
    };
    Ok([
        check(
            "all.minSuccessTime",
            strategy.all.as_ref().map(|a| &a.rollout_config),
        )?,
        check(
            "progressive.minSuccessTime",
            strategy.progressive.as_ref().map(|p| &p.rollout_config),
        )?,
        check(
            "progressivePerGroup.minSuccessTime",
            strategy
                .progressive_per_group
                .as_ref()
                .map(|p| &p.rollout_config),
        )?,
    ])
}

fn timeout(field: &'static str, config: &RolloutConfig) -> Result<i64, RolloutError> {
    let value = config.progress_deadline.as_deref().unwrap_or_default();
    parse_timeout(value).map_err(|reason| RolloutError::ProgressDeadline {
        field,
        value: value.to_owned(),
        reason,
    })
}

/// One evaluation's soak time and deadline, the deadline parsed from `field` of `config`.
fn timing(
    field: &'static str,
    config: &RolloutConfig,
    min_success_time: i64,
    now: Timestamp,
) -> Result<Timing, RolloutError> {
    Ok(Timing {
        min_success_time,
        timeout: timeout(field, config)?,
        now,
    })
}

/// sdk-go rolls the mandatory decision groups out first: while any of their clusters is to roll
/// out or has timed out, that is the whole result. Also returns the groups' keys.
fn mandatory_first(
    tracker: &Tracker,
    groups: &MandatoryDecisionGroups,
    timing: Timing,
    current: &[ClusterRolloutStatus],
) -> (Vec<GroupKey>, Option<RolloutResult>) {
    let keys = mandatory_group_keys(groups.mandatory_decision_groups.as_ref());
    let mandatory = tracker.existing(&keys);
    if !mandatory.is_empty() {
        let result = progressive_per_group(&mandatory, None, timing, current);
        if !result.clusters_to_rollout.is_empty() || !result.clusters_timeout.is_empty() {
            return (keys, Some(result));
        }
    }
    (keys, None)
}

/// sdk-go's `getRemovedClusters`: statuses of clusters in `groups`, and the others, in input order.
fn split_removed(
    groups: &Groups<'_>,
    statuses: &[ClusterRolloutStatus],
) -> (Vec<ClusterRolloutStatus>, Vec<ClusterRolloutStatus>) {
    let clusters = groups.clusters();
    statuses
        .iter()
        .cloned()
        .partition(|s| clusters.contains(s.cluster_name.as_str()))
}

/// Computes the next step of a rollout: sdk-go v1.3.0's `RolloutHandler.GetRolloutCluster`, with
/// the handler's decision tracker given as `groups` (see [`DecisionGroup::from_decisions`]) and
/// the rollout clock as `now`.
///
/// `statuses` are what the workload applier observed, in the order it lists them (Go's output
/// order depends on it). Returns the effective strategy (the input reduced to its type's settings,
/// as Go returns it) and the result. See the [module docs](super) for the semantics.
pub fn get_rollout_clusters(
    strategy: &RolloutStrategy,
    groups: &[DecisionGroup],
    statuses: &[ClusterRolloutStatus],
    now: Timestamp,
) -> Result<(RolloutStrategy, RolloutResult), RolloutError> {
    let [_, progressive_soak, per_group_soak] = min_success_times(strategy)?;
    let tracker = Tracker::new(groups);
    match strategy.type_ {
        Some(RolloutType::All) => {
            let all = strategy.all.clone().unwrap_or_default();
            let effective = RolloutStrategy {
                type_: Some(RolloutType::All),
                all: Some(all.clone()),
                ..RolloutStrategy::default()
            };
            let result = rollout_all(&tracker, &all, statuses, now)?;
            Ok((effective, result))
        }
        Some(RolloutType::Progressive) => {
            let progressive = strategy.progressive.clone().unwrap_or_default();
            let effective = RolloutStrategy {
                type_: Some(RolloutType::Progressive),
                progressive: Some(progressive.clone()),
                ..RolloutStrategy::default()
            };
            let result =
                rollout_progressive(&tracker, &progressive, progressive_soak, statuses, now)?;
            Ok((effective, result))
        }
        Some(RolloutType::ProgressivePerGroup) => {
            let per_group = strategy.progressive_per_group.clone().unwrap_or_default();
            let effective = RolloutStrategy {
                type_: Some(RolloutType::ProgressivePerGroup),
                progressive_per_group: Some(per_group.clone()),
                ..RolloutStrategy::default()
            };
            let result = rollout_per_group(&tracker, &per_group, per_group_soak, statuses, now)?;
            Ok((effective, result))
        }
        other => Err(RolloutError::StrategyType {
            found: other.map(|t| format!("{t:?}")).unwrap_or_default(),
        }),
    }
}

fn rollout_all(
    tracker: &Tracker,
    all: &RolloutAll,
    statuses: &[ClusterRolloutStatus],
    now: Timestamp,
) -> Result<RolloutResult, RolloutError> {
    let timing = timing("all.progressDeadline", &all.rollout_config, 0, now)?;
    let groups = tracker.existing_besides(&[]);
    let n = groups.clusters().len();
    let (current, removed) = split_removed(&groups, statuses);
    let mut result = progressive_per_cluster(&groups, n, n, timing, current);
    result.clusters_removed = removed;
    Ok(result)
}

fn rollout_progressive(
    tracker: &Tracker,
    progressive: &RolloutProgressive,
    min_success_time: i64,
    statuses: &[ClusterRolloutStatus],
    now: Timestamp,
) -> Result<RolloutResult, RolloutError> {
    let config = &progressive.rollout_config;
    let timing = timing(
        "progressive.progressDeadline",
        config,
        min_success_time,
        now,
    )?;
    let all_groups = tracker.existing_besides(&[]);
    let (current, removed) = split_removed(&all_groups, statuses);
    let max_failures = config.max_failures.as_ref();
    let max_failures = calculate_rollout_size(max_failures, all_groups.clusters().len(), 0)
        .map_err(|reason| RolloutError::MaxFailures {
            field: "progressive.maxFailures",
            value: max_failures.map(int_or_string_text).unwrap_or_default(),
            reason,
        })?;

    let (keys, first) = mandatory_first(
        tracker,
        &progressive.mandatory_decision_groups,
        timing,
        &current,
    );
    if let Some(mut result) = first {
        result.clusters_removed = removed;
        return Ok(result);
    }

    let rest = tracker.existing_besides(&keys);
    let n = rest.clusters().len();
    let max_concurrency = progressive.max_concurrency.as_ref();
    let size = calculate_rollout_size(max_concurrency, n, n).map_err(|reason| {
        RolloutError::MaxConcurrency {
            value: max_concurrency.map(int_or_string_text).unwrap_or_default(),
            reason,
        }
    })?;
    let mut result = progressive_per_cluster(&rest, size, max_failures, timing, current);
    result.clusters_removed = removed;
    Ok(result)
}

fn rollout_per_group(
    tracker: &Tracker,
    per_group: &RolloutProgressivePerGroup,
    min_success_time: i64,
    statuses: &[ClusterRolloutStatus],
    now: Timestamp,
) -> Result<RolloutResult, RolloutError> {
    let config = &per_group.rollout_config;
    let timing = timing(
        "progressivePerGroup.progressDeadline",
        config,
        min_success_time,
        now,
    )?;
    let max_failures = config.max_failures.as_ref();
    check_rollout_size(max_failures).map_err(|reason| RolloutError::MaxFailures {
        field: "progressivePerGroup.maxFailures",
        value: max_failures.map(int_or_string_text).unwrap_or_default(),
        reason,
    })?;
    let all_groups = tracker.existing_besides(&[]);
    let (current, removed) = split_removed(&all_groups, statuses);

    let (keys, first) = mandatory_first(
        tracker,
        &per_group.mandatory_decision_groups,
        timing,
        &current,
    );
    if let Some(mut result) = first {
        result.clusters_removed = removed;
        return Ok(result);
    }

    let rest = tracker.existing_besides(&keys);
    let mut result = progressive_per_group(&rest, max_failures, timing, &current);
    result.clusters_removed = removed;
    Ok(result)
}
