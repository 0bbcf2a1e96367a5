//! `work.open-cluster-management.io`: ManifestWork, AppliedManifestWork and ManifestWorkReplicaSet.

pub mod v1;
pub mod v1alpha1;

/// The API group of this module's kinds.
pub const GROUP: &str = "work.open-cluster-management.io";
