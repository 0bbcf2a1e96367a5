//! [`ManifestWorks::create`]: the cheaper first write of a work that does not exist yet.

use kube::api::PostParams;
use ocm_api::work::v1::ManifestWork;

use super::apply::ManifestWorks;
use super::params::CreateParams;
use crate::error::{Context, Result};

impl ManifestWorks {
    /// Creates `work` (its namespace filled in when unset) and returns it as stored.
    ///
    /// The first write of a work that does not exist yet, for fleet controllers that create
    /// many: the apiserver spends less on a create than on a server-side apply of the same
    /// object (`cargo bench -p ocm-benches --bench manifestworks` measures both; about a
    /// quarter less on a 2-core testenv hub). Like [`apply`](Self::apply) it sends only the
    /// name, labels, annotations, owners and spec, and records
    /// [`CreateParams::field_manager`] as the owner of those fields, with the operation
    /// `Update`.
    ///
    /// Later changes go through [`apply`](Self::apply) with the same field manager: server-side
    /// apply counts `Update` and `Apply` entries as different managers, so the first apply
    /// after a create needs [`ApplyParams::force`](super::ApplyParams::force) when it changes a
    /// field the create set; from then on the fields are the apply's.
    ///
    /// # Errors
    ///
    /// [`Error::Invalid`](crate::Error::Invalid) when the work has no name or another
    /// namespace; [`Error::Kube`](crate::Error::Kube) when the apiserver refuses, 409
    /// `AlreadyExists` when the work exists
    /// ([`Error::is_already_exists`](crate::Error::is_already_exists)).
    #[tracing::instrument(skip_all, fields(work = work.metadata.name.as_deref().unwrap_or_default(), cluster = %self.namespace()))]
    pub async fn create(&self, work: &ManifestWork, params: &CreateParams) -> Result<ManifestWork> {
        let action = || self.action("creating", work);
        let (_, metadata) = self.written_metadata(work, action)?;
        let body = ManifestWork {
            metadata,
            spec: work.spec.clone(),
            status: None,
        };
        let pp: PostParams = params.post_params();
        self.api().create(&pp, &body).await.context(action)
    }

    /// Creates several works (e.g. from
    /// [`build_split`](super::ManifestWorkBuilder::build_split)) one after the other; stops at
    /// the first failure.
    ///
    /// # Errors
    ///
    /// As [`create`](Self::create).
    pub async fn create_all(
        &self,
        works: &[ManifestWork],
        params: &CreateParams,
    ) -> Result<Vec<ManifestWork>> {
        let mut created = Vec::with_capacity(works.len());
        for work in works {
            created.push(self.create(work, params).await?);
        }
        Ok(created)
    }
}
