//! Typed status feedback: the values the work agent reports for a manifest, read into the
//! caller's type.
//!
//! The agent reports, per manifest, `status.resourceStatus.manifests[*].statusFeedback.values`:
//! a list of `{name, fieldValue: {type, integer | string | boolean | jsonRaw}}`. [`feedback`]
//! turns that list into a JSON object `name → value` (an `Integer` becomes a number, a `String`
//! a string, a `Boolean` a boolean, and a `JsonRaw` the JSON it encodes) and deserializes it
//! with serde, so the caller's struct maps names as serde does (`#[serde(rename_all =
//! "camelCase")]`, `#[serde(rename = "ReadyReplicas")]`, `Option` for values that may be
//! absent, …).
//!
//! # Which manifest
//!
//! The [`ResourceIdentifier`] selects the manifest as the agent selects a manifest config
//! (ocm's `resourceMatch`): group and resource (plural) equal, namespace and name equal or
//! matching `*` wildcards; see [`resource_matches`]. Exactly one reported manifest must
//! match. Upstream has no such reader: this fills a gap.

use std::future;

use futures::{Stream, StreamExt};
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::watch_object;
use kube::{Api, Client};
use ocm_api::work::v1::{FeedbackValue, ManifestWork, ResourceIdentifier, ValueType};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::FeedbackError;
use super::identify::resource_matches;
use super::wait::watch_error;
use crate::Error;

/// Decodes the feedback values reported for the manifest `id` of `work` into `T`.
///
/// # Errors
///
/// [`FeedbackError::NotReported`] when no reported manifest matches `id` (or
/// [`Ambiguous`](FeedbackError::Ambiguous) when several do); [`Missing`](FeedbackError::Missing)
/// or [`Mistyped`](FeedbackError::Mistyped) naming the value `T` cannot take.
///
/// ```
/// use ocm_api::work::v1::{FieldValue, FeedbackValue, ManifestWork, ResourceIdentifier};
/// # use ocm_api::work::v1::*;
/// #[derive(serde::Deserialize)]
/// #[serde(rename_all = "camelCase")]
/// struct Replicas { ready_replicas: i64, paused: bool }
///
/// # let id = ResourceIdentifier { group: "apps".into(), resource: "deployments".into(),
/// #     name: "web".into(), namespace: "default".into() };
/// # let mut work = ManifestWork::new("w", ManifestWorkSpec::default());
/// # work.status = Some(ManifestWorkStatus { conditions: vec![], resource_status: ManifestResourceStatus {
/// #     manifests: vec![ManifestCondition { resource_meta: ManifestResourceMeta { group: "apps".into(),
/// #       resource: "deployments".into(), name: "web".into(), namespace: "default".into(), ..Default::default() },
/// #       status_feedbacks: StatusFeedbackResult { values: vec![
/// #         FeedbackValue { name: "readyReplicas".into(), value: FieldValue::integer(3) },
/// #         FeedbackValue { name: "paused".into(), value: FieldValue::boolean(false) }] },
/// #       conditions: vec![] }] } });
/// let r: Replicas = ocm_client::work::feedback(&work, &id)?;
/// assert_eq!((r.ready_replicas, r.paused), (3, false));
/// # Ok::<(), ocm_client::work::FeedbackError>(())
/// ```
pub fn feedback<T: DeserializeOwned>(
    work: &ManifestWork,
    id: &ResourceIdentifier,
) -> Result<T, FeedbackError> {
    decode(feedback_values(work, id)?)
}

/// The feedback values reported for the manifest `id` of `work`, as a JSON object
/// `name → value` (see the [module docs](self)).
///
/// # Errors
///
/// As [`feedback`], but for decoding into `T`; [`FeedbackError::InvalidValue`] for a value
/// whose member is missing or whose `jsonRaw` is not JSON.
pub fn feedback_values(
    work: &ManifestWork,
    id: &ResourceIdentifier,
) -> Result<Map<String, Value>, FeedbackError> {
    let manifests = work
        .status
        .as_ref()
        .map(|s| s.resource_status.manifests.as_slice())
        .unwrap_or_default();
    let mut found = manifests
        .iter()
        .filter(|m| resource_matches(&m.resource_meta, id));
    let Some(manifest) = found.next() else {
        return Err(FeedbackError::NotReported {
            identifier: id.clone(),
        });
    };
    let others = found.count();
    if others > 0 {
        return Err(FeedbackError::Ambiguous {
            identifier: id.clone(),
            count: others + 1,
        });
    }
    value_map(&manifest.status_feedbacks.values)
}

/// Turns reported values into a JSON object `name → value`.
///
/// # Errors
///
/// [`FeedbackError::InvalidValue`] for a value whose member is missing or whose `jsonRaw` is
/// not JSON.
pub fn value_map(values: &[FeedbackValue]) -> Result<Map<String, Value>, FeedbackError> {
    values
        .iter()
        .map(|v| Ok((v.name.clone(), json_value(v)?)))
        .collect()
}

fn json_value(v: &FeedbackValue) -> Result<Value, FeedbackError> {
    let f = &v.value;
    let invalid = |reason: String| FeedbackError::InvalidValue {
        name: v.name.clone(),
        reason,
    };
    let missing = |member: &str| invalid(format!("type {:?} without {member:?}", f.type_));
    match f.type_ {
        ValueType::Integer => f.integer.map(Value::from).ok_or_else(|| missing("integer")),
        ValueType::String => f
            .string
            .clone()
            .map(Value::from)
            .ok_or_else(|| missing("string")),
        ValueType::Boolean => f.boolean.map(Value::from).ok_or_else(|| missing("boolean")),
        ValueType::JsonRaw => {
            let raw = f.json_raw.as_deref().ok_or_else(|| missing("jsonRaw"))?;
            serde_json::from_str(raw).map_err(|e| invalid(format!("jsonRaw is not JSON: {e}")))
        }
        other => Err(invalid(format!("unknown value type {other:?}"))),
    }
}

/// Deserializes a `name → value` object into `T`, naming the value that does not fit.
///
/// # Errors
///
/// [`FeedbackError::Missing`] or [`FeedbackError::Mistyped`].
pub fn decode<T: DeserializeOwned>(values: Map<String, Value>) -> Result<T, FeedbackError> {
    let reported: Vec<String> = values.keys().cloned().collect();
    serde_path_to_error::deserialize(Value::Object(values)).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let missing = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split_once('`'))
            .map(|(field, _)| field.to_owned());
        match missing {
            Some(field) => FeedbackError::Missing {
                name: if path == "." {
                    field
                } else {
                    format!("{path}.{field}")
                },
                reported,
            },
            None => FeedbackError::Mistyped {
                name: path,
                reason: message,
            },
        }
    })
}

/// A stream of the feedback of manifest `id` of work `namespace/work_name`, decoded into `T`,
/// yielding each time the reported values change (first when they are first reported).
///
/// Built on a watch (it survives `410 Gone` and reconnects with backoff). Nothing is yielded
/// while the agent has reported no value for the manifest; an item is an error when values
/// were reported that do not decode into `T` (the agent may report them one by one), when the
/// work is not found (once, then the stream keeps watching for it), or when the watch fails.
/// The stream never ends on its own; drop it to stop. Dropping it is cancellation-safe.
pub fn feedback_stream<T: DeserializeOwned + Send + 'static>(
    client: Client,
    namespace: &str,
    work_name: &str,
    id: ResourceIdentifier,
) -> impl Stream<Item = Result<T, Error>> + Send + 'static {
    let api: Api<ManifestWork> = Api::namespaced(client, namespace);
    let action = format!("watching the feedback of ManifestWork {namespace}/{work_name}");
    let name = format!("{namespace}/{work_name}");
    watch_object(api, work_name)
        .default_backoff()
        .scan(State::default(), move |state, event| {
            future::ready(Some(state.next::<T>(event, &id, &action, &name)))
        })
        .filter_map(future::ready)
}

#[derive(Default)]
struct State {
    last: Option<Map<String, Value>>,
    missing: bool,
}

impl State {
    fn next<T: DeserializeOwned>(
        &mut self,
        event: Result<Option<ManifestWork>, kube::runtime::watcher::Error>,
        id: &ResourceIdentifier,
        action: &str,
        name: &str,
    ) -> Option<Result<T, Error>> {
        let work = match event {
            Err(e) => return Some(Err(watch_error(action, e))),
            Ok(None) if self.missing => return None,
            Ok(None) => {
                self.missing = true;
                self.last = None;
                return Some(Err(Error::NotFound {
                    action: action.to_owned(),
                    kind: "ManifestWork",
                    name: name.to_owned(),
                }));
            }
            Ok(Some(work)) => work,
        };
        self.missing = false;
        let feedback_error = |e| Error::Feedback {
            action: action.to_owned(),
            source: Box::new(e),
        };
        match feedback_values(&work, id) {
            Err(FeedbackError::NotReported { .. }) => None,
            Err(e) => Some(Err(feedback_error(e))),
            Ok(values) if values.is_empty() || self.last.as_ref() == Some(&values) => None,
            Ok(values) => {
                self.last = Some(values.clone());
                Some(decode(values).map_err(feedback_error))
            }
        }
    }
}

#[cfg(test)]
#[path = "feedback_tests.rs"]
mod tests;
