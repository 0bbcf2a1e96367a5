//! ManifestWorkReplicaSet helpers: create one from a `ManifestWork` template and placement
//! references, read its summary, and read the per-cluster state from the works it owns.
//!
//! The hub's work manager (Go OCM v1.2.1, `pkg/work/hub`) runs the ManifestWorkReplicaSet
//! controller only with the `ManifestWorkReplicaSet` feature gate (alpha, off by default):
//! `--feature-gates=ManifestWorkReplicaSet=true`. For each cluster a referenced Placement
//! selects, the controller creates a `ManifestWork` named like the replica set in the cluster's
//! namespace, labelled [`labels::MANIFEST_WORK_REPLICA_SET`] = `<namespace>.<name>` and
//! [`labels::MANIFEST_WORK_REPLICA_SET_PLACEMENT_NAME`] = the Placement's name;
//! [`ReplicaSets::cluster_states`] reads exactly those works.
//!
//! ```no_run
//! use ocm_api::cluster::v1alpha1::{RolloutStrategy, RolloutType};
//! use ocm_api::work::v1::ManifestWorkSpec;
//! use ocm_api::work::v1alpha1::LocalPlacementReference;
//! use ocm_client::replicaset::ReplicaSets;
//! # async fn doc(client: kube::Client, template: ManifestWorkSpec) -> ocm_client::Result<()> {
//! let sets = ReplicaSets::new(client, "apps");
//! // Group by group, in the order of the placement's decision groups.
//! let mut placement = LocalPlacementReference::new("canary-first");
//! placement.rollout_strategy = RolloutStrategy {
//!     type_: Some(RolloutType::ProgressivePerGroup),
//!     ..Default::default()
//! };
//! sets.create("nginx", template, [placement]).await?;
//! let summary = sets.summary("nginx").await?;
//! println!("{} of {} available", summary.counts.available, summary.counts.total);
//! for state in sets.cluster_states("nginx").await? {
//!     println!("{}: available={:?} up to date={}", state.cluster, state.available, state.up_to_date);
//! }
//! # Ok(()) }
//! ```

mod state;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use kube::Api;
use kube::api::{ListParams, PostParams};
use ocm_api::conditions;
use ocm_api::labels;
use ocm_api::work::v1::{ManifestWork, ManifestWorkSpec};
use ocm_api::work::v1alpha1::{
    LocalPlacementReference, ManifestWorkReplicaSet, ManifestWorkReplicaSetSpec,
    ManifestWorkReplicaSetSummary, PlacementSummary,
};

pub use state::{ClusterWorkState, cluster_state};

use crate::error::Context;
use crate::{Error, Result};

/// The value of [`labels::MANIFEST_WORK_REPLICA_SET`] on the works of replica set
/// `namespace/name`: `<namespace>.<name>` (Go: `manifestWorkReplicaSetKey`).
pub fn owner_label_value(namespace: &str, name: &str) -> String {
    format!("{namespace}.{name}")
}

/// Builds a ManifestWorkReplicaSet (no I/O): `template` for every cluster the `placements`
/// select, each with its rollout strategy.
pub fn build_replica_set(
    namespace: &str,
    name: &str,
    template: ManifestWorkSpec,
    placements: impl IntoIterator<Item = LocalPlacementReference>,
) -> ManifestWorkReplicaSet {
    let mut mwrs = ManifestWorkReplicaSet::new(
        name,
        ManifestWorkReplicaSetSpec {
            manifest_work_template: template,
            placement_refs: placements.into_iter().collect(),
            cascade_deletion_policy: None,
        },
    );
    mwrs.metadata.namespace = Some(namespace.to_owned());
    mwrs
}

/// The status of a ManifestWorkReplicaSet, as its controller last wrote it.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct ReplicaSetSummary {
    /// Whether the controller wrote a status at all (false: not reconciled yet, or no
    /// controller runs).
    pub reported: bool,
    /// Counts over all placements. `desired_total` and `updated` are API v1.3 fields that the
    /// Go OCM v1.2.1 controller never writes (they read 0).
    pub counts: ManifestWorkReplicaSetSummary,
    /// Counts per placement.
    pub placements: Vec<PlacementSummary>,
    /// The conditions (`PlacementVerified`, `PlacementRolledOut`, `ManifestworkApplied`).
    pub conditions: Vec<Condition>,
}

impl ReplicaSetSummary {
    /// The condition of `type_`, if reported.
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        conditions::find(&self.conditions, type_)
    }

    fn is_true(&self, type_: &str) -> bool {
        conditions::is_true(&self.conditions, type_)
    }

    /// `PlacementVerified` is true: every referenced Placement was found with decisions.
    pub fn placements_verified(&self) -> bool {
        self.is_true(conditions::MANIFEST_WORK_REPLICA_SET_PLACEMENT_VERIFIED)
    }

    /// `PlacementRolledOut` is true: the rollout over every placement is complete.
    pub fn rolled_out(&self) -> bool {
        self.is_true(conditions::MANIFEST_WORK_REPLICA_SET_PLACEMENT_ROLLED_OUT)
    }

    /// `ManifestworkApplied` is true (reason `AsExpected`): every work is available, none
    /// progressing or degraded.
    pub fn applied(&self) -> bool {
        self.is_true(conditions::MANIFEST_WORK_REPLICA_SET_MANIFESTWORK_APPLIED)
    }
}

/// ManifestWorkReplicaSets of one namespace.
#[derive(Clone)]
pub struct ReplicaSets {
    client: kube::Client,
    namespace: String,
}

impl std::fmt::Debug for ReplicaSets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplicaSets")
            .field("namespace", &self.namespace)
            .finish_non_exhaustive()
    }
}

impl ReplicaSets {
    /// The replica sets in `namespace`.
    pub fn new(client: kube::Client, namespace: impl Into<String>) -> Self {
        Self {
            client,
            namespace: namespace.into(),
        }
    }

    fn api(&self) -> Api<ManifestWorkReplicaSet> {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    /// Creates replica set `name` deploying `template` to the clusters the `placements` (in
    /// this namespace) select. Fails with [`Error::Invalid`] when no placement is given (the
    /// CRD requires at least one).
    #[tracing::instrument(skip_all, fields(replicaset = %format!("{}/{name}", self.namespace)))]
    pub async fn create(
        &self,
        name: &str,
        template: ManifestWorkSpec,
        placements: impl IntoIterator<Item = LocalPlacementReference>,
    ) -> Result<ManifestWorkReplicaSet> {
        let action = || format!("creating ManifestWorkReplicaSet {}/{name}", self.namespace);
        let mwrs = build_replica_set(&self.namespace, name, template, placements);
        if mwrs.spec.placement_refs.is_empty() {
            return Err(Error::Invalid {
                action: action(),
                reason: "expected at least one placement reference, found none".into(),
            });
        }
        self.api()
            .create(&PostParams::default(), &mwrs)
            .await
            .context(action)
    }

    /// Reads replica set `name`.
    pub async fn get(&self, name: &str) -> Result<ManifestWorkReplicaSet> {
        let action = || format!("reading ManifestWorkReplicaSet {}/{name}", self.namespace);
        self.api()
            .get_opt(name)
            .await
            .context(action)?
            .ok_or_else(|| Error::NotFound {
                action: action(),
                kind: "ManifestWorkReplicaSet",
                name: format!("{}/{name}", self.namespace),
            })
    }

    /// The summary of replica set `name`, as its controller last wrote it.
    pub async fn summary(&self, name: &str) -> Result<ReplicaSetSummary> {
        let mwrs = self.get(name).await?;
        Ok(match mwrs.status {
            None => ReplicaSetSummary::default(),
            Some(s) => ReplicaSetSummary {
                reported: true,
                counts: s.summary,
                placements: s.placements_summary,
                conditions: s.conditions,
            },
        })
    }

    /// The state of each work replica set `name` owns (in any cluster namespace), sorted by
    /// cluster. `up_to_date` compares each work's spec with the replica set's current template.
    #[tracing::instrument(skip_all, fields(replicaset = %format!("{}/{name}", self.namespace)))]
    pub async fn cluster_states(&self, name: &str) -> Result<Vec<ClusterWorkState>> {
        let mwrs = self.get(name).await?;
        let works: Api<ManifestWork> = Api::all(self.client.clone());
        let selector = format!(
            "{}={}",
            labels::MANIFEST_WORK_REPLICA_SET,
            owner_label_value(&self.namespace, name)
        );
        let list = works
            .list(&ListParams::default().labels(&selector))
            .await
            .context(|| {
                format!(
                    "listing the ManifestWorks of ManifestWorkReplicaSet {}/{name}",
                    self.namespace
                )
            })?;
        let mut states: Vec<ClusterWorkState> = list
            .items
            .iter()
            .map(|w| cluster_state(w, &mwrs.spec.manifest_work_template))
            .collect();
        states.sort_by(|a, b| (&a.cluster, &a.work).cmp(&(&b.cluster, &b.work)));
        Ok(states)
    }
}
