//! `addon.open-cluster-management.io`: add-on registration, installation and configuration.
//!
//! Upstream serves two versions. `v1alpha1` is the storage version; `v1beta1` is served through the
//! hub's conversion webhook, and its JSON keys differ (see each module).
//!
//! | kind | scope | [`v1alpha1`] | [`v1beta1`] |
//! |---|---|---|---|
//! | `ClusterManagementAddOn` (`cma`) | cluster | yes | yes |
//! | `ManagedClusterAddOn` (`mca`) | namespaced | yes | yes |
//! | `AddOnDeploymentConfig` | namespaced | yes | yes |
//! | `AddOnTemplate` | cluster | yes | no |
//!
//! The two versions convert into each other with [`From`], with the hub's semantics (fields only
//! one version has are dropped or kept in an annotation exactly as the hub's webhook does):
//!
//! ```
//! use ocm_api::addon::{v1alpha1, v1beta1};
//!
//! let mut alpha = v1alpha1::ManagedClusterAddOn::new("helloworld", Default::default());
//! alpha.spec.install_namespace = Some("helloworld-agent".into());
//! let beta = v1beta1::ManagedClusterAddOn::from(alpha.clone());
//! // v1beta1 has no installNamespace: the conversion keeps it in an annotation ...
//! assert!(beta.metadata.annotations.is_some());
//! // ... and restores it on the way back.
//! assert_eq!(v1alpha1::ManagedClusterAddOn::from(beta), alpha);
//! ```
//!
//! Note for servers without the hub's conversion webhook (plain kube-apiservers with upstream's
//! two-version CRDs, which have no `conversion` stanza): the API server then only rewrites
//! `apiVersion`, so v1beta1-only fields (`defaultConfigs`, typed `registrations`) are pruned
//! against the v1alpha1 storage schema. Convert on the client side with these `From` impls and
//! talk v1alpha1 to such servers.

pub mod v1alpha1;
pub mod v1beta1;

#[cfg(test)]
mod testing;

/// The API group of this module's kinds.
pub const GROUP: &str = "addon.open-cluster-management.io";
