//! `cluster.open-cluster-management.io`: managed clusters, claims, scores, placements and cluster sets.

pub mod v1;
pub mod v1alpha1;
pub mod v1beta1;
pub mod v1beta2;

/// The API group of this module's kinds.
pub const GROUP: &str = "cluster.open-cluster-management.io";
