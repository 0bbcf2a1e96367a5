//! `addon.open-cluster-management.io/v1alpha1`: the storage version of the add-on API.
//!
//! Kinds: [`ClusterManagementAddOn`] (cluster-scoped), [`ManagedClusterAddOn`] (namespaced),
//! [`AddOnDeploymentConfig`] (namespaced) and [`AddOnTemplate`] (cluster-scoped).
//! Types and JSON keys follow the Go types of `open-cluster-management.io/api@v1.3.0`
//! `addon/v1alpha1`. Where Go always writes a field (no `omitempty`), it is always serialized here
//! too; optional struct fields Go writes as `{}` are `Option`s (absent and `{}` mean the same).

mod addon_deployment_config;
mod addon_template;
mod cluster_management_addon;
mod managed_cluster_addon;

pub use addon_deployment_config::*;
pub use addon_template::*;
pub use cluster_management_addon::*;
pub use managed_cluster_addon::*;

#[cfg(test)]
mod tests;
