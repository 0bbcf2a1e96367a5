//! CustomResourceDefinitions generated from this crate's Rust types.
//!
//! [`all`] returns one CRD per OCM kind (16 CRDs, 19 served kind/versions), the same set the Go
//! module `open-cluster-management.io/api@v1.3.0` ships as YAML. Each is built from the Rust type's
//! schema ([`CustomResourceExt::crd`]), so the CRDs and the types cannot drift apart; the
//! conformance tests in `ocm-api/tests/` compare them property by property with upstream's.
//!
//! Print them as YAML, e.g. to install them on a test cluster (`kubectl apply -f -`):
//!
//! ```
//! for crd in ocm_api::crds::all() {
//!     println!("---\n{}", serde_saphyr::to_string(&crd).unwrap());
//! }
//! ```
//!
//! # Multi-version addon kinds
//!
//! `ClusterManagementAddOn`, `ManagedClusterAddOn` and `AddOnDeploymentConfig` exist in
//! `addon.open-cluster-management.io/v1alpha1` and `/v1beta1`. Like upstream's two-version CRD files
//! (`addon/v1beta1/*.crd.yaml`), [`addon()`] merges each pair into one CRD with both versions served
//! and **v1alpha1 as the storage version**.
//!
//! The OCM hub (cluster-manager) installs the ClusterManagementAddOn and ManagedClusterAddOn CRDs
//! with a conversion webhook (`spec.conversion.strategy: Webhook`, service
//! `cluster-manager-addon-webhook`, path `/convert`) because their two versions differ in shape
//! (e.g. ClusterManagementAddOn v1alpha1 `spec.supportedConfigs` vs v1beta1 `spec.defaultConfigs`;
//! ManagedClusterAddOn v1alpha1 `spec.installNamespace`, which v1beta1 lacks). The CRDs here,
//! like the YAML files of the `api` module, declare **no conversion** (strategy `None`): on a
//! cluster where only these CRDs are installed, the apiserver serves v1alpha1-stored objects as
//! v1beta1 by rewriting only `apiVersion`, which is not a faithful conversion. Read and write the
//! v1beta1 ClusterManagementAddOn and ManagedClusterAddOn only against a hub that runs the
//! conversion webhook; on a bare apiserver use v1alpha1. (AddOnDeploymentConfig has the same
//! schema in both versions, and the hub declares no conversion for it either.)

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;

use crate::{addon, cluster, operator, work};

/// Every OCM CRD: those of [`cluster()`], then [`work()`], [`addon()`] and [`operator()`].
pub fn all() -> Vec<CustomResourceDefinition> {
    let mut crds = cluster();
    crds.extend(work());
    crds.extend(addon());
    crds.extend(operator());
    crds
}

/// The CRDs of `cluster.open-cluster-management.io`: ManagedCluster (v1), ClusterClaim and
/// AddOnPlacementScore (v1alpha1), Placement and PlacementDecision (v1beta1), ManagedClusterSet and
/// ManagedClusterSetBinding (v1beta2).
pub fn cluster() -> Vec<CustomResourceDefinition> {
    vec![
        cluster::v1::ManagedCluster::crd(),
        cluster::v1alpha1::ClusterClaim::crd(),
        cluster::v1alpha1::AddOnPlacementScore::crd(),
        cluster::v1beta1::Placement::crd(),
        cluster::v1beta1::PlacementDecision::crd(),
        cluster::v1beta2::ManagedClusterSet::crd(),
        cluster::v1beta2::ManagedClusterSetBinding::crd(),
    ]
}

/// The CRDs of `work.open-cluster-management.io`: ManifestWork and AppliedManifestWork (v1),
/// ManifestWorkReplicaSet (v1alpha1).
pub fn work() -> Vec<CustomResourceDefinition> {
    vec![
        work::v1::ManifestWork::crd(),
        work::v1::AppliedManifestWork::crd(),
        work::v1alpha1::ManifestWorkReplicaSet::crd(),
    ]
}

/// The CRDs of `addon.open-cluster-management.io`: ClusterManagementAddOn, ManagedClusterAddOn and
/// AddOnDeploymentConfig (v1alpha1 storage + v1beta1 served, see the [module docs](self)) and
/// AddOnTemplate (v1alpha1).
pub fn addon() -> Vec<CustomResourceDefinition> {
    vec![
        merge_versions(
            addon::v1alpha1::ClusterManagementAddOn::crd(),
            addon::v1beta1::ClusterManagementAddOn::crd(),
        ),
        merge_versions(
            addon::v1alpha1::ManagedClusterAddOn::crd(),
            addon::v1beta1::ManagedClusterAddOn::crd(),
        ),
        merge_versions(
            addon::v1alpha1::AddOnDeploymentConfig::crd(),
            addon::v1beta1::AddOnDeploymentConfig::crd(),
        ),
        addon::v1alpha1::AddOnTemplate::crd(),
    ]
}

/// The CRDs of `operator.open-cluster-management.io`: ClusterManager and Klusterlet (v1).
pub fn operator() -> Vec<CustomResourceDefinition> {
    vec![
        operator::v1::ClusterManager::crd(),
        operator::v1::Klusterlet::crd(),
    ]
}

/// Appends `served`'s versions to `storage`'s, keeping `storage`'s names, scope and metadata:
/// `storage`'s versions are marked storage, `served`'s are served only.
///
/// This is what `kube::core::crd::merge_crds(vec![storage, served], storage_version)` returns for
/// two single-version CRDs of one kind, without its error path (the inputs are this crate's own
/// CRDs; a unit test checks both agree).
fn merge_versions(
    mut storage: CustomResourceDefinition,
    served: CustomResourceDefinition,
) -> CustomResourceDefinition {
    for version in &mut storage.spec.versions {
        version.storage = true;
    }
    storage
        .spec
        .versions
        .extend(served.spec.versions.into_iter().map(|mut version| {
            version.storage = false;
            version
        }));
    storage
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn merge_agrees_with_kube() {
        let pairs = [
            (
                addon::v1alpha1::ClusterManagementAddOn::crd(),
                addon::v1beta1::ClusterManagementAddOn::crd(),
            ),
            (
                addon::v1alpha1::ManagedClusterAddOn::crd(),
                addon::v1beta1::ManagedClusterAddOn::crd(),
            ),
            (
                addon::v1alpha1::AddOnDeploymentConfig::crd(),
                addon::v1beta1::AddOnDeploymentConfig::crd(),
            ),
        ];
        for (alpha, beta) in pairs {
            let ours = merge_versions(alpha.clone(), beta.clone());
            let kube = kube::core::crd::merge_crds(vec![alpha, beta], "v1alpha1").unwrap();
            assert_eq!(ours, kube);
            let versions: Vec<_> = ours
                .spec
                .versions
                .iter()
                .map(|v| (v.name.as_str(), v.served, v.storage))
                .collect();
            assert_eq!(
                versions,
                [("v1alpha1", true, true), ("v1beta1", true, false)]
            );
        }
    }

    #[test]
    fn one_crd_per_kind_with_unique_names() {
        let crds = all();
        assert_eq!(crds.len(), 16);
        let mut names: Vec<_> = crds
            .iter()
            .filter_map(|c| c.metadata.name.clone())
            .collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 16);
        let served: usize = crds.iter().map(|c| c.spec.versions.len()).sum();
        assert_eq!(served, 19);
        for crd in &crds {
            assert_eq!(
                crd.spec.versions.iter().filter(|v| v.storage).count(),
                1,
                "{:?}",
                crd.metadata.name
            );
            assert!(crd.spec.versions.iter().all(|v| v.served));
            assert!(crd.spec.conversion.is_none());
        }
    }
}
