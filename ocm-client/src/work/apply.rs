//! [`ManifestWorks`]: apply, delete and wait on the works of one managed cluster.

use std::time::Duration;

use futures::Stream;
use kube::api::{Api, ObjectMeta, Patch, PatchParams};
use kube::{Client, Resource};
use ocm_api::work::v1::{
    DeleteOption, DeletePropagationPolicyType, ManifestWork, ManifestWorkSpec, ResourceIdentifier,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::feedback::feedback_stream;
use super::params::{ApplyParams, DeleteParams};
use super::wait::{WaitCondition, summary, wait_until};
use crate::error::{Context, Error, Result};

/// The ManifestWorks of one managed cluster (the hub namespace named after it).
///
/// A thin handle over [`Api<ManifestWork>`]: cheap to clone, every call says what it was
/// doing in its [`Error`].
#[derive(Clone)]
pub struct ManifestWorks {
    api: Api<ManifestWork>,
    namespace: String,
}

impl std::fmt::Debug for ManifestWorks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManifestWorks")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

/// What server-side apply sends: identity, labels, annotations, owners and the spec (never the
/// status or server-set metadata).
#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
struct ApplyBody<'a> {
    api_version: &'a str,
    kind: &'a str,
    metadata: ObjectMeta,
    spec: &'a ManifestWorkSpec,
}

impl ManifestWorks {
    /// The works in the namespace of managed cluster `cluster`.
    pub fn new(client: Client, cluster: &str) -> Self {
        Self {
            api: Api::namespaced(client, cluster),
            namespace: cluster.to_owned(),
        }
    }

    /// The underlying kube API.
    pub fn api(&self) -> &Api<ManifestWork> {
        &self.api
    }

    /// The hub namespace of these works (the managed cluster's name).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Reads a work.
    ///
    /// # Errors
    ///
    /// [`Error::Kube`] (404 when missing: [`Error::is_not_found`]).
    pub async fn get(&self, name: &str) -> Result<ManifestWork> {
        self.api
            .get(name)
            .await
            .context(|| format!("reading ManifestWork {}/{name}", self.namespace))
    }

    /// Server-side applies `work` (its namespace filled in when unset) and returns it as stored.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`] when the work has no name or another namespace; [`Error::Kube`] when
    /// the apiserver refuses (409 on a conflict without [`ApplyParams::force`]).
    #[tracing::instrument(skip_all, fields(work = work.metadata.name.as_deref().unwrap_or_default(), cluster = %self.namespace))]
    pub async fn apply(&self, work: &ManifestWork, params: &ApplyParams) -> Result<ManifestWork> {
        let action = || self.action("applying", work);
        let (name, metadata) = self.written_metadata(work, action)?;
        let body = ApplyBody {
            api_version: &ManifestWork::api_version(&()),
            kind: &ManifestWork::kind(&()),
            metadata,
            spec: &work.spec,
        };
        self.api
            .patch(&name, &params.patch_params(), &Patch::Apply(&body))
            .await
            .context(action)
    }

    /// "`verb` ManifestWork <namespace>/<name>", for errors.
    pub(super) fn action(&self, verb: &str, work: &ManifestWork) -> String {
        let name = work.metadata.name.as_deref().unwrap_or_default();
        format!("{verb} ManifestWork {}/{name}", self.namespace)
    }

    /// The metadata the SDK writes for `work` (identity, labels, annotations, owners; never
    /// server-set fields), after checking its name and namespace.
    pub(super) fn written_metadata(
        &self,
        work: &ManifestWork,
        action: impl Fn() -> String,
    ) -> Result<(String, ObjectMeta)> {
        let meta = &work.metadata;
        let Some(name) = meta.name.as_deref().filter(|n| !n.is_empty()) else {
            return Err(Error::Invalid {
                action: action(),
                reason: "expected metadata.name, found none".into(),
            });
        };
        if let Some(ns) = meta.namespace.as_deref().filter(|ns| *ns != self.namespace) {
            return Err(Error::Invalid {
                action: action(),
                reason: format!("expected namespace {:?}, found {ns:?}", self.namespace),
            });
        }
        let written = ObjectMeta {
            name: Some(name.to_owned()),
            namespace: Some(self.namespace.clone()),
            labels: meta.labels.clone(),
            annotations: meta.annotations.clone(),
            owner_references: meta.owner_references.clone(),
            ..ObjectMeta::default()
        };
        Ok((name.to_owned(), written))
    }

    /// Applies several works (e.g. from [`build_split`](super::ManifestWorkBuilder::build_split))
    /// one after the other; stops at the first failure.
    ///
    /// # Errors
    ///
    /// As [`apply`](Self::apply).
    pub async fn apply_all(
        &self,
        works: &[ManifestWork],
        params: &ApplyParams,
    ) -> Result<Vec<ManifestWork>> {
        let mut applied = Vec::with_capacity(works.len());
        for work in works {
            applied.push(self.apply(work, params).await?);
        }
        Ok(applied)
    }

    /// Deletes a work, first setting its delete option when [`DeleteParams::resources`] asks
    /// for another one.
    ///
    /// The agent decides at *apply* time whether a resource is owned by the work (and so
    /// deleted with it): changing the delete option right before deleting would race with it.
    /// So when the option changes, this patches `spec.deleteOption` and waits (up to the
    /// timeout) for the agent to report `Applied` for the new generation before deleting.
    /// Upstream has no such helper; this fills a gap.
    ///
    /// A missing work is not an error.
    ///
    /// # Errors
    ///
    /// [`Error::Kube`]; [`Error::Timeout`] when the agent does not take in the new delete option
    /// (or, with [`DeleteParams::wait`], the work is not gone) in time.
    #[tracing::instrument(skip_all, fields(work = name, cluster = %self.namespace))]
    pub async fn delete(&self, name: &str, params: &DeleteParams) -> Result<()> {
        let timeout = params.timeout.unwrap_or(Duration::from_secs(60));
        if let Some(policy) = params.resources {
            let Some(work) = self
                .api
                .get_opt(name)
                .await
                .context(|| format!("reading ManifestWork {}/{name}", self.namespace))?
            else {
                return Ok(());
            };
            let current = work
                .spec
                .delete_option
                .as_ref()
                .map(|o| o.propagation_policy);
            if current.unwrap_or_default() != policy {
                self.set_delete_option(name, policy, timeout).await?;
            }
        }
        let dp = kube::api::DeleteParams {
            propagation_policy: params.propagation_policy.clone(),
            ..kube::api::DeleteParams::default()
        };
        let deleted = self
            .api
            .delete(name, &dp)
            .await
            .context(|| format!("deleting ManifestWork {}/{name}", self.namespace));
        match deleted {
            Err(e) if e.is_not_found() => return Ok(()),
            other => drop(other?),
        }
        if params.wait {
            self.wait_deleted(name, timeout).await?;
        }
        Ok(())
    }

    async fn set_delete_option(
        &self,
        name: &str,
        policy: DeletePropagationPolicyType,
        timeout: Duration,
    ) -> Result<()> {
        let option = DeleteOption {
            propagation_policy: policy,
            ..DeleteOption::default()
        };
        // A merge patch: `selectivelyOrphans` is dropped (null) with the new policy.
        let patch = json!({"spec": {"deleteOption": {
            "propagationPolicy": option.propagation_policy, "selectivelyOrphans": null}}});
        let action = || {
            format!(
                "setting the delete option of ManifestWork {}/{name} to {policy:?}",
                self.namespace
            )
        };
        let patched = self
            .api
            .patch(name, &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .context(action)?;
        let generation = patched.metadata.generation.unwrap_or_default();
        let applied = WaitCondition::applied();
        wait_until(self.api.clone(), name, timeout, action(), |w| {
            w.is_none_or(|w| {
                w.metadata.generation.unwrap_or_default() >= generation && applied.matches(w)
            })
        })
        .await
        .map(drop)
    }

    /// Waits until the work satisfies `condition`, on a watch; returns it as last seen.
    ///
    /// Cancellation-safe (dropping the future stops the watch).
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] with the work's last seen generation and conditions (or "not found");
    /// [`Error::Kube`] when the apiserver refuses the watch.
    pub async fn wait(
        &self,
        name: &str,
        condition: &WaitCondition,
        timeout: Duration,
    ) -> Result<ManifestWork> {
        let action = format!(
            "waiting for ManifestWork {}/{name} to be {}",
            self.namespace,
            condition.description()
        );
        let found = wait_until(self.api.clone(), name, timeout, action.clone(), |w| {
            w.is_some_and(|w| condition.matches(w))
        })
        .await?;
        found.ok_or(Error::NotFound {
            action,
            kind: "ManifestWork",
            name: format!("{}/{name}", self.namespace),
        })
    }

    /// Waits until the work is gone.
    ///
    /// # Errors
    ///
    /// [`Error::Timeout`] with the work's last seen state.
    pub async fn wait_deleted(&self, name: &str, timeout: Duration) -> Result<()> {
        let action = format!(
            "waiting for ManifestWork {}/{name} to be deleted",
            self.namespace
        );
        wait_until(self.api.clone(), name, timeout, action, |w| w.is_none())
            .await
            .map(drop)
    }

    /// The decoded status feedback of manifest `id` of work `name`, each time it changes
    /// (see [`feedback_stream`](super::feedback_stream)).
    pub fn feedback_stream<T: DeserializeOwned + Send + 'static>(
        &self,
        name: &str,
        id: ResourceIdentifier,
    ) -> impl Stream<Item = Result<T>> + Send + 'static {
        feedback_stream(self.api.clone().into_client(), &self.namespace, name, id)
    }

    /// A summary of a work's state (generation and conditions), as timeouts report it.
    pub fn describe(work: &ManifestWork) -> String {
        summary(work)
    }
}
