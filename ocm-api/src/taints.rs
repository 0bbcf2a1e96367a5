//! Well-known `ManagedCluster` taint keys set by the hub.
//!
//! Both are set with effect `NoSelect`: placements that do not tolerate them stop selecting the
//! cluster.

/// The cluster's `ManagedClusterConditionAvailable` condition is `False`.
/// Go: `ManagedClusterTaintUnavailable`.
pub const UNAVAILABLE: &str = "cluster.open-cluster-management.io/unavailable";

/// The cluster's `ManagedClusterConditionAvailable` condition is `Unknown` (lease expired).
/// Go: `ManagedClusterTaintUnreachable`.
pub const UNREACHABLE: &str = "cluster.open-cluster-management.io/unreachable";
