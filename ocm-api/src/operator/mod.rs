//! `operator.open-cluster-management.io`: the ClusterManager and Klusterlet operator APIs.

pub mod v1;

/// The API group of this module's kinds.
pub const GROUP: &str = "operator.open-cluster-management.io";
