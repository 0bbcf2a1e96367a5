//! [`ClusterSets`]: ManagedClusterSets, their bindings, and moving clusters between sets.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::api::{DeleteParams, ListParams, Patch, PatchParams};
use kube::core::Selector;
use kube::{Api, Client};
use ocm_api::cluster::v1::ManagedCluster;
use ocm_api::cluster::v1beta2::{
    ManagedClusterSelector, ManagedClusterSet, ManagedClusterSetBinding,
    ManagedClusterSetBindingSpec, ManagedClusterSetSpec, SelectorType,
};
use ocm_api::labels;
use serde_json::json;

use crate::error::{Context, Error, Result};

/// The field manager of this module's server-side applies.
pub const FIELD_MANAGER: &str = "ocm-rs";

/// How a set selects its clusters.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClusterSetSelector {
    /// Clusters labelled `cluster.open-cluster-management.io/clusterset=<set>` (upstream's
    /// default); a cluster is in at most one such set.
    Exclusive,
    /// Clusters matching a label selector; an empty selector selects every cluster (like
    /// upstream's `global` set).
    Labels(LabelSelector),
}

/// ManagedClusterSets and ManagedClusterSetBindings: a small handle over a [`kube::Client`].
///
/// ```no_run
/// use ocm_client::registration::{ClusterSetSelector, ClusterSets};
/// # async fn run(client: kube::Client) -> ocm_client::Result<()> {
/// let sets = ClusterSets::new(client);
/// sets.create("prod", ClusterSetSelector::Exclusive).await?;
/// sets.move_cluster("cluster1", Some("prod")).await?;
/// sets.bind("default", "prod").await?; // Placements in `default` may now use `prod`
/// assert_eq!(sets.members("prod").await?, vec!["cluster1".to_string()]);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClusterSets {
    client: Client,
    sets: Api<ManagedClusterSet>,
    clusters: Api<ManagedCluster>,
}

impl ClusterSets {
    /// A handle over `client`.
    pub fn new(client: Client) -> Self {
        Self {
            sets: Api::all(client.clone()),
            clusters: Api::all(client.clone()),
            client,
        }
    }

    /// Creates the set, or updates its selector (server-side apply).
    pub async fn create(
        &self,
        name: &str,
        selector: ClusterSetSelector,
    ) -> Result<ManagedClusterSet> {
        let cluster_selector = match selector {
            ClusterSetSelector::Exclusive => ManagedClusterSelector {
                selector_type: Some(SelectorType::ExclusiveClusterSetLabel),
                label_selector: None,
            },
            ClusterSetSelector::Labels(l) => ManagedClusterSelector {
                selector_type: Some(SelectorType::LabelSelector),
                label_selector: Some(l),
            },
        };
        let set = ManagedClusterSet::new(
            name,
            ManagedClusterSetSpec {
                cluster_selector: Some(cluster_selector),
                ..Default::default()
            },
        );
        self.sets
            .patch(name, &apply_params(), &Patch::Apply(&set))
            .await
            .context(|| format!("applying ManagedClusterSet {name:?}"))
    }

    /// Deletes the set (its clusters keep their label, as upstream does).
    pub async fn delete(&self, name: &str) -> Result<()> {
        self.sets
            .delete(name, &DeleteParams::default())
            .await
            .context(|| format!("deleting ManagedClusterSet {name:?}"))?;
        Ok(())
    }

    /// Binds the set to a namespace, so that Placements there may select its clusters. The
    /// binding is named after the set, as upstream requires.
    pub async fn bind(&self, namespace: &str, set: &str) -> Result<ManagedClusterSetBinding> {
        let binding = ManagedClusterSetBinding::new(
            set,
            ManagedClusterSetBindingSpec {
                cluster_set: set.to_string(),
            },
        );
        Api::<ManagedClusterSetBinding>::namespaced(self.client.clone(), namespace)
            .patch(set, &apply_params(), &Patch::Apply(&binding))
            .await
            .context(|| format!("binding ManagedClusterSet {set:?} to namespace {namespace:?}"))
    }

    /// Removes the binding of the set from a namespace.
    pub async fn unbind(&self, namespace: &str, set: &str) -> Result<()> {
        Api::<ManagedClusterSetBinding>::namespaced(self.client.clone(), namespace)
            .delete(set, &DeleteParams::default())
            .await
            .context(|| format!("unbinding ManagedClusterSet {set:?} from {namespace:?}"))?;
        Ok(())
    }

    /// Moves a cluster into an exclusive set (`Some`), or out of any (`None`), by setting or
    /// removing its `cluster.open-cluster-management.io/clusterset` label. Upstream's webhook
    /// checks the caller's `managedclustersets/join` permission on both sets; the apiserver
    /// applies the move atomically.
    pub async fn move_cluster(&self, cluster: &str, to: Option<&str>) -> Result<ManagedCluster> {
        self.clusters
            .patch(
                cluster,
                &PatchParams::default(),
                &Patch::Merge(json!({"metadata": {"labels": {labels::CLUSTER_SET: to}}})),
            )
            .await
            .context(|| format!("moving ManagedCluster {cluster:?} to cluster set {to:?}"))
    }

    /// The names of the set's clusters, sorted, by the set's selector.
    pub async fn members(&self, set: &str) -> Result<Vec<String>> {
        let action = || format!("listing the clusters of ManagedClusterSet {set:?}");
        let found = self.sets.get(set).await.context(action)?;
        let selector = found.spec.cluster_selector.unwrap_or_default();
        let params = match selector.selector_type.unwrap_or_default() {
            SelectorType::LabelSelector => {
                let selector: Selector = selector
                    .label_selector
                    .unwrap_or_default()
                    .try_into()
                    .map_err(|e| Error::Invalid {
                        action: action(),
                        reason: format!("bad label selector: {e}"),
                    })?;
                ListParams::default().labels_from(&selector)
            }
            _ => ListParams::default().labels(&format!("{}={set}", labels::CLUSTER_SET)),
        };
        let mut names: Vec<String> = self
            .clusters
            .list(&params)
            .await
            .context(action)?
            .items
            .into_iter()
            .filter_map(|c| c.metadata.name)
            .collect();
        names.sort();
        Ok(names)
    }
}

fn apply_params() -> PatchParams {
    PatchParams::apply(FIELD_MANAGER).force()
}
