//! ManifestWork status to rollout status, as Go's ManifestWorkReplicaSet controller computes it
//! (ocm v1.2.1 `manifestworkreplicasetcontroller`, `clusterRolloutStatusFunc`).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use ocm_api::conditions::{self, status};
use ocm_api::work::v1::ManifestWork;

use super::types::{ClusterRolloutStatus, RolloutStatus};

/// The first condition of a type (Go's `meta.FindStatusCondition`).
fn find<'a>(list: &'a [Condition], type_: &str) -> Option<&'a Condition> {
    list.iter().find(|c| c.type_ == type_)
}

/// Whether a condition has observed `generation` (and, if `require_true`, is True).
fn ready(cond: Option<&Condition>, generation: i64, require_true: bool) -> bool {
    cond.is_some_and(|c| {
        c.observed_generation.unwrap_or_default() == generation
            && (!require_true || c.status == status::TRUE)
    })
}

/// The rollout status of the ManifestWork on `cluster_name`, computed as Go's
/// ManifestWorkReplicaSet controller does (ocm v1.2.1):
///
/// - no work yet (`None`), or the work agent has not caught up with the latest spec (`Applied`
///   missing, not True or of an older generation; `Progressing` missing or of an older
///   generation; `Degraded` present but of an older generation): **ToApply**, with no time;
/// - `Progressing=True` and `Degraded=True`: **Failed** since `Degraded`'s transition;
/// - `Progressing=True`: **Progressing** since its transition;
/// - `Progressing=False`: **Succeeded** since its transition;
/// - otherwise (`Unknown`): **Progressing** since its transition.
///
/// The group key is left empty, as Go leaves it. Status feedback values are not read: the Go
/// controller does not use them either. Go only asks this of works whose spec equals the
/// replica set's template; a work with an outdated spec is left out of the statuses (the rollout
/// then treats its cluster as ToApply) — do the same when you build the status list.
pub fn manifest_work_rollout_status(
    cluster_name: &str,
    work: Option<&ManifestWork>,
) -> ClusterRolloutStatus {
    let mut out = ClusterRolloutStatus::new(cluster_name, RolloutStatus::ToApply);
    let Some(work) = work else {
        return out;
    };
    let generation = work.metadata.generation.unwrap_or_default();
    let list = work
        .status
        .as_ref()
        .map(|s| s.conditions.as_slice())
        .unwrap_or_default();
    let progressing = find(list, conditions::WORK_PROGRESSING);
    let degraded = find(list, conditions::WORK_DEGRADED);
    let applied = find(list, conditions::WORK_APPLIED);
    let stale_degraded =
        degraded.is_some_and(|d| d.observed_generation.unwrap_or_default() != generation);
    let Some(progressing) = progressing else {
        return out;
    };
    if !ready(Some(progressing), generation, false)
        || !ready(applied, generation, true)
        || stale_degraded
    {
        return out;
    }
    let (state, since) = match (progressing.status.as_str(), degraded) {
        (status::TRUE, Some(d)) if d.status == status::TRUE => (RolloutStatus::Failed, d),
        (status::TRUE, _) => (RolloutStatus::Progressing, progressing),
        (status::FALSE, _) => (RolloutStatus::Succeeded, progressing),
        _ => (RolloutStatus::Progressing, progressing),
    };
    out.status = state;
    out.last_transition_time = Some(since.last_transition_time.0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
    use ocm_api::work::v1::ManifestWorkStatus;

    fn cond(type_: &str, status: &str, generation: i64, secs: i64) -> Condition {
        Condition {
            type_: type_.to_owned(),
            status: status.to_owned(),
            observed_generation: Some(generation),
            last_transition_time: Time(jiff::Timestamp::from_second(secs).unwrap_or_default()),
            reason: String::new(),
            message: String::new(),
        }
    }

    fn work(generation: i64, conditions: Vec<Condition>) -> ManifestWork {
        let mut w = ManifestWork::new("w", Default::default());
        w.metadata.generation = Some(generation);
        w.status = Some(ManifestWorkStatus {
            conditions,
            ..Default::default()
        });
        w
    }

    #[test]
    fn statuses_follow_the_go_controller() {
        let t = |s| Some(jiff::Timestamp::from_second(s).unwrap_or_default());
        assert_eq!(
            manifest_work_rollout_status("c", None).status,
            RolloutStatus::ToApply
        );
        let applied = cond(conditions::WORK_APPLIED, status::TRUE, 2, 1);
        let cases = [
            (vec![applied.clone()], RolloutStatus::ToApply, None),
            (
                vec![cond(conditions::WORK_PROGRESSING, status::TRUE, 2, 5)],
                RolloutStatus::ToApply,
                None,
            ),
            (
                vec![
                    applied.clone(),
                    cond(conditions::WORK_PROGRESSING, status::TRUE, 1, 5),
                ],
                RolloutStatus::ToApply,
                None,
            ),
            (
                vec![
                    applied.clone(),
                    cond(conditions::WORK_PROGRESSING, status::TRUE, 2, 5),
                ],
                RolloutStatus::Progressing,
                t(5),
            ),
            (
                vec![
                    applied.clone(),
                    cond(conditions::WORK_PROGRESSING, status::TRUE, 2, 5),
                    cond(conditions::WORK_DEGRADED, status::TRUE, 2, 7),
                ],
                RolloutStatus::Failed,
                t(7),
            ),
            (
                vec![
                    applied.clone(),
                    cond(conditions::WORK_PROGRESSING, status::FALSE, 2, 5),
                    cond(conditions::WORK_DEGRADED, status::TRUE, 1, 7),
                ],
                RolloutStatus::ToApply,
                None,
            ),
            (
                vec![
                    applied.clone(),
                    cond(conditions::WORK_PROGRESSING, status::FALSE, 2, 5),
                    cond(conditions::WORK_DEGRADED, status::TRUE, 2, 7),
                ],
                RolloutStatus::Succeeded,
                t(5),
            ),
            (
                vec![
                    applied,
                    cond(conditions::WORK_PROGRESSING, status::UNKNOWN, 2, 9),
                ],
                RolloutStatus::Progressing,
                t(9),
            ),
        ];
        for (i, (conds, want, since)) in cases.into_iter().enumerate() {
            let got = manifest_work_rollout_status("c", Some(&work(2, conds)));
            assert_eq!(
                (got.status, got.last_transition_time),
                (want, since),
                "case {i}"
            );
            assert_eq!(got.cluster_name, "c");
        }
    }
}
