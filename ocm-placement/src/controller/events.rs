//! Kubernetes events about a placement's decisions (upstream `createOrUpdatePlacementDecision`,
//! `recordDecisionEvents` and `bind`, read from ocm v1.3.1).
//!
//! Every event is about (`regarding`) the placement and related to one of its
//! `PlacementDecision`s, as upstream's `Eventf(placement, decision, …)`. Publishing never fails a
//! reconcile: a failure is logged.

use crate::{RunStatus, ScheduleOutcome};
use k8s_openapi::api::core::v1::ObjectReference;
use kube::Resource;
use kube::runtime::events::{Event, EventType, Recorder};
use ocm_api::cluster::v1beta1;

/// Upstream's bound on the `ScoreUpdate` message (`maxEventMessageLength`): 1000 bytes, leaving
/// room under the apiserver's 1024.
pub(crate) const MAX_SCORE_MESSAGE: usize = 1000;
/// The apiserver's limit on an event's `note` (`NoteLengthLimit`), in bytes.
pub(crate) const MAX_NOTE: usize = 1024;

/// The reasons (and actions) upstream records.
pub(crate) mod reasons {
    /// A `PlacementDecision` was created.
    pub(crate) const DECISION_CREATE: (&str, &str) = ("DecisionCreate", "DecisionCreated");
    /// A `PlacementDecision`'s decisions were updated.
    pub(crate) const DECISION_UPDATE: (&str, &str) = ("DecisionUpdate", "DecisionUpdated");
    /// The scores behind an update.
    pub(crate) const SCORE_UPDATE: (&str, &str) = ("ScoreUpdate", "ScoreUpdated");
    /// A stale `PlacementDecision` was deleted.
    pub(crate) const DECISION_DELETE: (&str, &str) = ("DecisionDelete", "DecisionDeleted");
}

/// The placement an event is about and the decision it relates to.
pub(crate) struct Subject<'a> {
    pub(crate) placement: &'a v1beta1::Placement,
    pub(crate) decision: &'a v1beta1::PlacementDecision,
}

impl Subject<'_> {
    fn names(&self) -> (&str, &str, &str) {
        (
            self.decision.metadata.name.as_deref().unwrap_or_default(),
            self.placement.metadata.name.as_deref().unwrap_or_default(),
            self.placement
                .metadata
                .namespace
                .as_deref()
                .unwrap_or_default(),
        )
    }
}

/// `DecisionCreate`'s message.
pub(crate) fn created_message(s: &Subject<'_>) -> String {
    let (d, p, ns) = s.names();
    format!("Decision {d} is created with placement {p} in namespace {ns}")
}

/// `DecisionDelete`'s message.
pub(crate) fn deleted_message(s: &Subject<'_>) -> String {
    let (d, p, ns) = s.names();
    format!("Decision {d} is deleted with placement {p} in namespace {ns}")
}

/// `DecisionUpdate`'s type and message: a warning naming the plugin when the run warned
/// (upstream `status.Code() == framework.Warning`), normal otherwise.
pub(crate) fn updated_message(s: &Subject<'_>, run: &RunStatus) -> (EventType, String) {
    let (d, p, ns) = s.names();
    let base = format!("Decision {d} is updated with placement {p} in namespace {ns}");
    match run {
        RunStatus::Warning { plugin, message } => (
            EventType::Warning,
            format!("{base}: {message} in plugin {plugin}"),
        ),
        _ => (EventType::Normal, base),
    }
}

/// `ScoreUpdate`'s message: `name:score ` for each cluster, sorted by name, stopping with
/// `......` before the message would pass [`MAX_SCORE_MESSAGE`] bytes (as upstream v1.3).
/// `None` when there are no scores (upstream records no event then).
///
/// Upstream lists every feasible cluster; the outcome carries the scores of the chosen ones
/// only, so those are listed.
pub(crate) fn score_message(outcome: &ScheduleOutcome) -> Option<String> {
    let mut pairs: Vec<(&str, i64)> = outcome
        .decisions
        .iter()
        .map(String::as_str)
        .zip(outcome.scores.iter().copied())
        .collect();
    if pairs.is_empty() {
        return None;
    }
    pairs.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut out = String::new();
    for (name, score) in pairs {
        let item = format!("{name}:{score} ");
        if out.len() + item.len() > MAX_SCORE_MESSAGE {
            out.push_str("......");
            break;
        }
        out.push_str(&item);
    }
    Some(out)
}

/// Cuts `note` to at most [`MAX_NOTE`] bytes (on a character boundary) so that the apiserver
/// accepts it; upstream's other messages are unbounded and a long plugin warning would be
/// rejected there.
pub(crate) fn bounded(mut note: String) -> String {
    if note.len() > MAX_NOTE {
        let mut end = MAX_NOTE;
        while !note.is_char_boundary(end) {
            end -= 1;
        }
        note.truncate(end);
    }
    note
}

/// A reference to a `PlacementDecision` (the `related` object).
fn decision_ref(d: &v1beta1::PlacementDecision) -> ObjectReference {
    d.object_ref(&())
}

/// How many events may wait to be published; more are dropped with a warning (client-go's
/// broadcaster queues 1000 and drops too).
const QUEUE: usize = 1000;

/// One event to publish: the event and the object it is about.
type Queued = (Event, ObjectReference);

/// Publishes events when a recorder is configured, in the background and in order (a
/// reconcile never waits for them, as upstream's recorder); failures are logged, never
/// returned.
#[derive(Clone)]
pub(crate) struct Events {
    queue: Option<tokio::sync::mpsc::Sender<Queued>>,
}

impl Events {
    /// The events handle and the future that publishes what it queues (it ends when every
    /// handle is dropped).
    pub(crate) fn new(recorder: Option<Recorder>) -> (Self, impl Future<Output = ()> + Send) {
        let (queue, mut rx) = match recorder {
            Some(_) => {
                let (tx, rx) = tokio::sync::mpsc::channel::<Queued>(QUEUE);
                (Some(tx), Some(rx))
            }
            None => (None, None),
        };
        let publisher = async move {
            let (Some(recorder), Some(rx)) = (recorder, rx.as_mut()) else {
                return;
            };
            while let Some((event, regarding)) = rx.recv().await {
                if let Err(e) = recorder.publish(&event, &regarding).await {
                    tracing::warn!(
                        reason = event.reason,
                        decision = event
                            .secondary
                            .as_ref()
                            .and_then(|d| d.name.as_deref())
                            .unwrap_or_default(),
                        error = %e,
                        "failed to record event"
                    );
                }
            }
        };
        (Events { queue }, publisher)
    }

    /// Whether events are recorded at all.
    pub(crate) fn enabled(&self) -> bool {
        self.queue.is_some()
    }

    /// Queues one event about `s.placement`, related to `s.decision`.
    pub(crate) async fn publish(
        &self,
        s: &Subject<'_>,
        type_: EventType,
        (reason, action): (&str, &str),
        note: String,
    ) {
        let Some(queue) = &self.queue else {
            return;
        };
        let event = Event {
            type_,
            reason: reason.to_owned(),
            note: Some(bounded(note)),
            action: action.to_owned(),
            secondary: Some(decision_ref(s.decision)),
        };
        if let Err(e) = queue.try_send((event, s.placement.object_ref(&()))) {
            tracing::warn!(
                reason,
                decision = s.decision.metadata.name.as_deref().unwrap_or_default(),
                error = %e,
                "event dropped"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn subject_objects() -> (v1beta1::Placement, v1beta1::PlacementDecision) {
        let p: v1beta1::Placement = ocm_api::from_value(json!({
            "apiVersion": "cluster.open-cluster-management.io/v1beta1",
            "kind": "Placement",
            "metadata": {"name": "web", "namespace": "apps", "uid": "u-1"},
            "spec": {},
        }))
        .unwrap();
        let mut d = v1beta1::PlacementDecision::new("web-decision-1");
        d.metadata.namespace = Some("apps".into());
        (p, d)
    }

    fn outcome(pairs: &[(&str, i64)]) -> ScheduleOutcome {
        serde_json::from_value(json!({
            "decisions": pairs.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            "scores": pairs.iter().map(|(_, s)| s).collect::<Vec<_>>(),
            "placementDecisions": [],
            "status": {"numberOfSelectedClusters": 0, "decisionGroups": [], "conditions": []},
            "explanation": {"bindings": [], "eligibleClusterSets": [], "candidates": 0,
                "filters": [], "prioritizers": [], "clusters": []},
        }))
        .unwrap()
    }

    #[test]
    fn messages_are_upstreams() {
        let (p, d) = subject_objects();
        let s = Subject {
            placement: &p,
            decision: &d,
        };
        assert_eq!(
            created_message(&s),
            "Decision web-decision-1 is created with placement web in namespace apps"
        );
        assert_eq!(
            deleted_message(&s),
            "Decision web-decision-1 is deleted with placement web in namespace apps"
        );
        assert_eq!(
            updated_message(&s, &RunStatus::Success),
            (
                EventType::Normal,
                "Decision web-decision-1 is updated with placement web in namespace apps".into()
            )
        );
        let warning: RunStatus = serde_json::from_value(
            json!({"code": "Warning", "plugin": "AddOn", "message": "score expired"}),
        )
        .unwrap();
        assert_eq!(
            updated_message(&s, &warning),
            (
                EventType::Warning,
                "Decision web-decision-1 is updated with placement web in namespace apps: \
                 score expired in plugin AddOn"
                    .into()
            )
        );
    }

    #[test]
    fn score_message_is_sorted_by_name() {
        assert_eq!(score_message(&outcome(&[])), None);
        assert_eq!(
            score_message(&outcome(&[("c2", 200), ("c10", -3), ("a", 0)])).as_deref(),
            Some("a:0 c10:-3 c2:200 ")
        );
    }

    #[test]
    fn score_message_is_truncated_as_upstream() {
        // "cluster-NNN:100 " is 16 bytes: 62 fit in 1000 (992 bytes), the 63rd would not.
        let names: Vec<String> = (0..200).map(|i| format!("cluster-{i:03}")).collect();
        let pairs: Vec<(&str, i64)> = names.iter().map(|n| (n.as_str(), 100)).collect();
        let m = score_message(&outcome(&pairs)).unwrap();
        assert!(m.ends_with("cluster-061:100 ......"), "{m}");
        assert_eq!(m.len(), 62 * 16 + 6);
        assert!(m.len() <= MAX_NOTE);
        // Exactly at the bound: no ellipsis.
        let exact: Vec<String> = (0..100).map(|i| format!("c{i:012}")).collect();
        // "cNNNNNNNNNNNN:1 " is 16 bytes; 1000 / 16 = 62.5, so 62 fit, then "......".
        let pairs: Vec<(&str, i64)> = exact.iter().map(|n| (n.as_str(), 1)).collect();
        let m = score_message(&outcome(&pairs)).unwrap();
        assert_eq!(m.len(), 62 * 16 + 6);
        let few: Vec<(&str, i64)> = exact.iter().take(62).map(|n| (n.as_str(), 1)).collect();
        let m = score_message(&outcome(&few)).unwrap();
        assert!(!m.contains("..."), "{m}");
    }

    #[test]
    fn notes_are_bounded_on_char_boundaries() {
        assert_eq!(bounded("short".into()), "short");
        let long = "é".repeat(MAX_NOTE); // 2 bytes each
        let b = bounded(long);
        assert_eq!(b.len(), MAX_NOTE);
        let odd = format!("x{}", "é".repeat(MAX_NOTE));
        let b = bounded(odd);
        assert_eq!(b.len(), MAX_NOTE - 1);
        assert!(b.is_char_boundary(b.len()));
    }
}
