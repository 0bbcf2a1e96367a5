//! `addon.open-cluster-management.io`: add-on registration, installation and configuration.
//!
//! Upstream serves two versions. `v1alpha1` is the storage version; `v1beta1` is served through the
//! hub's conversion webhook, and its JSON keys differ (see each module).

pub mod v1alpha1;
pub mod v1beta1;

/// The API group of this module's kinds.
pub const GROUP: &str = "addon.open-cluster-management.io";
