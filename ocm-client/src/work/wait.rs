//! Waiting on a ManifestWork's status, on a watch, with a timeout.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use kube::Api;
use kube::runtime::WatchStreamExt;
use kube::runtime::watcher::{self, watch_object};
use ocm_api::conditions;
use ocm_api::work::v1::ManifestWork;

use crate::Error;

/// What [`ManifestWorks::wait`](super::ManifestWorks::wait) waits for.
///
/// A condition counts only once the agent has seen the work's current spec: its
/// `observedGeneration` is at least the work's `metadata.generation` (a `True` left over from
/// the previous spec does not count). Upstream's agent (v1.2.1) sets `observedGeneration` on
/// the work-level `Applied` and `Available` conditions.
#[derive(Clone)]
pub struct WaitCondition {
    description: String,
    test: Arc<dyn Fn(&ManifestWork) -> bool + Send + Sync>,
}

impl fmt::Debug for WaitCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitCondition")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl WaitCondition {
    /// `Applied=True`: the agent applied every manifest.
    pub fn applied() -> Self {
        Self::condition(conditions::WORK_APPLIED)
    }

    /// `Available=True`: every applied resource exists on the managed cluster.
    pub fn available() -> Self {
        Self::condition(conditions::WORK_AVAILABLE)
    }

    /// Both `Applied=True` and `Available=True`.
    pub fn applied_and_available() -> Self {
        let (applied, available) = (Self::applied(), Self::available());
        Self::predicate("Applied=True and Available=True", move |w| {
            applied.matches(w) && available.matches(w)
        })
    }

    /// The work-level condition `type_` is `True` (e.g. `Complete` from condition rules).
    pub fn condition(type_: impl Into<String>) -> Self {
        let type_ = type_.into();
        Self {
            description: format!("{type_}=True"),
            test: Arc::new(move |w| condition_holds(w, &type_)),
        }
    }

    /// The caller's predicate, described by `description` in timeouts.
    pub fn predicate(
        description: impl Into<String>,
        f: impl Fn(&ManifestWork) -> bool + Send + Sync + 'static,
    ) -> Self {
        Self {
            description: description.into(),
            test: Arc::new(f),
        }
    }

    /// Whether `work` satisfies the condition.
    pub fn matches(&self, work: &ManifestWork) -> bool {
        (self.test)(work)
    }

    /// What is waited for, as shown in errors.
    pub fn description(&self) -> &str {
        &self.description
    }
}

fn condition_holds(work: &ManifestWork, type_: &str) -> bool {
    let status_conditions = work
        .status
        .as_ref()
        .map(|s| s.conditions.as_slice())
        .unwrap_or_default();
    conditions::find(status_conditions, type_).is_some_and(|c| {
        c.status == conditions::status::TRUE
            && match (c.observed_generation, work.metadata.generation) {
                (Some(observed), Some(generation)) => observed >= generation,
                _ => true,
            }
    })
}

/// A one-line summary of a work's state for timeouts: generation and conditions.
pub(crate) fn summary(work: &ManifestWork) -> String {
    let status_conditions = work
        .status
        .as_ref()
        .map(|s| s.conditions.as_slice())
        .unwrap_or_default();
    let generation = work.metadata.generation.unwrap_or_default();
    if status_conditions.is_empty() {
        return format!("generation {generation}, no conditions");
    }
    let list: Vec<String> = status_conditions
        .iter()
        .map(|c| {
            format!(
                "{}={} ({}, generation {}): {}",
                c.type_,
                c.status,
                c.reason,
                c.observed_generation.unwrap_or_default(),
                c.message
            )
        })
        .collect();
    format!("generation {generation}, {}", list.join("; "))
}

/// Waits on a watch of `api`/`name` until `test` holds for the object (or its absence).
pub(crate) async fn wait_until(
    api: Api<ManifestWork>,
    name: &str,
    timeout: Duration,
    action: String,
    test: impl Fn(Option<&ManifestWork>) -> bool,
) -> Result<Option<ManifestWork>, Error> {
    let mut last_seen: Option<String> = None;
    let mut stream = std::pin::pin!(watch_object(api, name).default_backoff());
    let waited = tokio::time::timeout(timeout, async {
        while let Some(event) = stream.next().await {
            match event {
                Ok(object) => {
                    if test(object.as_ref()) {
                        return Ok(object);
                    }
                    last_seen = Some(object.as_ref().map_or("not found".into(), summary));
                }
                Err(e) if is_permanent(&e) => return Err(watch_error(&action, e)),
                Err(e) => last_seen = Some(format!("watch error: {e}")),
            }
        }
        Err(Error::Invalid {
            action: action.clone(),
            reason: "the watch ended".into(),
        })
    })
    .await;
    match waited {
        Ok(result) => result,
        Err(_) => Err(Error::Timeout {
            action,
            timeout,
            last_seen,
        }),
    }
}

/// An apiserver refusal a retry will not fix (bad request, unauthorized, forbidden).
fn is_permanent(e: &watcher::Error) -> bool {
    let code = match e {
        watcher::Error::InitialListFailed(kube::Error::Api(s))
        | watcher::Error::WatchStartFailed(kube::Error::Api(s))
        | watcher::Error::WatchFailed(kube::Error::Api(s)) => s.code,
        watcher::Error::WatchError(s) => s.code,
        _ => return false,
    };
    matches!(code, 400 | 401 | 403 | 404)
}

/// A watcher error as this crate's error.
pub(crate) fn watch_error(action: &str, e: watcher::Error) -> Error {
    let source = match e {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => e,
        watcher::Error::WatchError(status) => kube::Error::Api(status),
        watcher::Error::NoResourceVersion => {
            return Error::Invalid {
                action: action.to_owned(),
                reason: "the watch returned no resourceVersion".into(),
            };
        }
    };
    Error::Kube {
        action: action.to_owned(),
        source: Box::new(source),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
    use ocm_api::work::v1::{ManifestWorkSpec, ManifestWorkStatus};

    fn work(generation: i64, conds: &[(&str, &str, i64)]) -> ManifestWork {
        let mut w = ManifestWork::new("w", ManifestWorkSpec::default());
        w.metadata.generation = Some(generation);
        w.status = Some(ManifestWorkStatus {
            conditions: conds
                .iter()
                .map(|(t, s, g)| Condition {
                    type_: (*t).into(),
                    status: (*s).into(),
                    observed_generation: Some(*g),
                    reason: "R".into(),
                    message: String::new(),
                    last_transition_time: k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(
                        jiff::Timestamp::UNIX_EPOCH,
                    ),
                })
                .collect(),
            ..Default::default()
        });
        w
    }

    #[test]
    fn conditions_count_only_for_the_current_generation() {
        let applied = WaitCondition::applied();
        assert!(applied.matches(&work(2, &[("Applied", "True", 2)])));
        assert!(!applied.matches(&work(2, &[("Applied", "True", 1)])));
        assert!(!applied.matches(&work(2, &[("Applied", "False", 2)])));
        assert!(!applied.matches(&work(2, &[])));
        let both = WaitCondition::applied_and_available();
        assert!(!both.matches(&work(1, &[("Applied", "True", 1)])));
        assert!(both.matches(&work(
            1,
            &[("Applied", "True", 1), ("Available", "True", 1)]
        )));
        assert!(WaitCondition::condition("Complete").matches(&work(1, &[("Complete", "True", 1)])));
        let named = WaitCondition::predicate("has a name", |w| w.metadata.name.is_some());
        assert!(named.matches(&work(1, &[])));
        assert_eq!(named.description(), "has a name");
    }

    #[test]
    fn summary_lists_conditions() {
        let s = summary(&work(3, &[("Applied", "False", 3)]));
        assert_eq!(s, "generation 3, Applied=False (R, generation 3): ");
        assert_eq!(summary(&work(1, &[])), "generation 1, no conditions");
    }
}
