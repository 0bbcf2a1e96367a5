//! `addon.open-cluster-management.io/v1beta1`: the served (non-storage) version of the add-on API.
//!
//! Kinds: [`ClusterManagementAddOn`] (cluster-scoped), [`ManagedClusterAddOn`] (namespaced) and
//! [`AddOnDeploymentConfig`] (namespaced). Types and JSON keys follow the Go types of
//! `open-cluster-management.io/api@v1.3.0` `addon/v1beta1`; they differ from v1alpha1's:
//!
//! | v1alpha1 | v1beta1 |
//! |---|---|
//! | CMA `spec.supportedConfigs[]` (`defaultConfig` optional) | `spec.defaultConfigs[]` (name [`RESERVED_NO_DEFAULT_CONFIG_NAME`] when there is no default) |
//! | CMA `spec.addOnConfiguration`, MCA `status.addOnConfiguration` | removed |
//! | CMA `status.defaultconfigReferences` | `status.defaultConfigReferences` |
//! | MCA `spec.installNamespace` | removed (kept in the [`V1ALPHA1_INSTALL_NAMESPACE`](crate::annotations::V1ALPHA1_INSTALL_NAMESPACE) annotation by conversion) |
//! | MCA `status.registrations[]`: `signerName` + `subject` | a union on `type`: `kubeClient` or `customSigner` |
//! | `subject.organizationUnit` | `subject.organizationUnits` |
//! | MCA `status.kubeClientDriver` | `status.registrations[].kubeClient.driver` |
//! | MCA `status.configReferences[]` `name`/`namespace` | removed (in `desiredConfig`) |
//!
//! The types whose schema is the same in both versions (`AddOnConfig`, `AddOnMeta`,
//! `ConfigGroupResource`, `ConfigReferent`, `ConfigSpecHash`, the install strategy and
//! progression types, `ObjectReference`, `HealthCheck`, `KubeClientDriver` and the
//! `AddOnDeploymentConfig` spec) are v1alpha1's, re-exported here: one Rust type serves both.
//!
//! The hub stores v1alpha1 and converts with a webhook; [`From`] conversions between the two
//! versions of [`ManagedClusterAddOn`] and [`ClusterManagementAddOn`] reproduce it (see the
//! `conversion` section of each kind's docs).

mod addon_deployment_config;
mod cluster_management_addon;
mod conversion;
mod managed_cluster_addon;

pub use addon_deployment_config::*;
pub use cluster_management_addon::*;
pub use conversion::*;
pub use managed_cluster_addon::*;

#[cfg(test)]
mod tests;
