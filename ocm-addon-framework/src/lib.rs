//! Add-ons for Open Cluster Management, in Rust, run by the real Go hub.
//!
//! An add-on supplies its agent's manifests for each managed cluster ([`AgentAddon`]) and its
//! options ([`AddonOptions`]: registration, health prober, configs, install namespace). The
//! [`AddonManager`] runs it on the hub, cooperating with the Go hub's addon-manager as a Go
//! add-on manager (addon-framework v1.3.0) does: the hub installs ManagedClusterAddOns through
//! the ClusterManagementAddOn's install strategy and resolves configs and rollouts; this crate
//! renders the manifests into ManifestWorks, registers the agent (approves its CSRs, grants its
//! RBAC), reports health and marks which configs the works carry so the hub's rollout proceeds.
//!
//! ```no_run
//! use ocm_addon_framework::{
//!     AddonContext, AddonManager, AddonOptions, AgentAddon, ConfigKind, HealthProber,
//!     ManifestError, Registration, manifest,
//! };
//! use k8s_openapi::api::core::v1::ConfigMap;
//!
//! struct Hello;
//!
//! impl AgentAddon for Hello {
//!     fn manifests(&self, ctx: &AddonContext<'_>) -> Result<Vec<serde_json::Value>, ManifestError> {
//!         let mut cm = ConfigMap::default();
//!         cm.metadata.name = Some("hello".into());
//!         cm.metadata.namespace = Some(ctx.install_namespace.to_string());
//!         let greeting = ctx.configs.variable("greeting").unwrap_or("hello");
//!         cm.data = Some([("greeting".to_string(), greeting.to_string())].into());
//!         Ok(vec![manifest(&cm)?])
//!     }
//! }
//!
//! # async fn run(hub: kube::Client) -> Result<(), ocm_addon_framework::Error> {
//! let options = AddonOptions::new("hello")
//!     .registration(Registration::kube_client("agent"))
//!     .health_prober(HealthProber::Work(Default::default()))
//!     .supported_config(ConfigKind::addon_deployment_config());
//! AddonManager::new(hub).addon(Hello, options).run().await
//! # }
//! ```
//!
//! The runnable version of this add-on (with a Deployment, health from the Deployment's
//! availability and an AddOnDeploymentConfig) is `examples/addon_hello.rs`:
//! `cargo run -p ocm-examples --example addon_hello` starts a local hub with two clusters and
//! runs it.
//!
//! # What the manager does, per ManagedClusterAddOn of a registered add-on
//!
//! | step | upstream (addon-framework v1.3.0) | here |
//! |---|---|---|
//! | supported configs, registrations, install namespace, health-check mode in `status` | `addonconfig`, `registration`, `agentdeploy` controllers | [`AddonManager`] |
//! | desired configs (`status.configReferences[].desiredConfig`) | the hub's addon-manager | fetched; rendered only when their [`spec_hash()`] equals the desired hash (the manager waits otherwise) |
//! | deploy works `addon-<name>-deploy-<i>`, label `open-cluster-management.io/addon-name`, annotation `open-cluster-management.io/config-spec-hash`, owner the ManagedClusterAddOn, 80 % of 500 KiB per work | `agentdeploy` | [`render::build_works`] with `ocm-client`'s builder |
//! | `ManifestApplied` condition | `agentdeploy` | same reasons |
//! | `lastAppliedConfig`, `Progressing` | the hub's addon-manager (from the works' annotation and conditions) | not duplicated |
//! | `Available` | `healthcheck_sync.go` | [`health::probe`] |
//! | CSR approval / signing | `certificate` controllers, `DefaultCSRApprover` | [`DefaultCsrApprover`], stricter (see there) |
//! | RBAC for the agent on the hub | `PermissionConfig` function | [`Permission`] (data: a Role and RoleBinding) |
//! | pre-delete hook work `addon-<name>-pre-delete` | `agentdeploy` hook syncer | [`AgentAddon::pre_delete`] and annotated manifests |
//!
//! Not done: hosted mode (`hosting-cluster-name` is ignored), rollout strategies under
//! `lifecycle: self` (see [`AddonManager`]), `ConfigCheckEnabled`, the pre-delete hook tested end
//! to end (testenv runs no kubelet, so no Job completes there).
//!
//! # Agent side
//!
//! [`agent`] reads the hub kubeconfig secret the klusterlet writes for the add-on, builds a hub
//! client that survives certificate rotation and renews the add-on's lease.
//!
//! # Config spec hash
//!
//! [`spec_hash()`] is the hash the Go add-on manager records in
//! `status.configReferences[].desiredConfig.specHash`, byte for byte equal to Go's
//! `pkg/utils.GetSpecHash` (checked against it by a differential test); see
//! [`spec_hash`](mod@spec_hash) for the rules and for what a `serde_json::Value` cannot carry.

mod addon;
pub mod agent;
mod error;
pub mod health;
mod manager;
mod options;
pub mod registration;
pub mod render;
pub mod spec_hash;

pub use addon::{AddonContext, AgentAddon, ResolvedConfig, ResolvedConfigs, manifest};
pub use error::{Error, ManifestError, Result};
pub use health::{HealthProber, ProbeField, WorkProber};
pub use manager::{AddonManager, CSR_APPROVAL, DEFAULT_CONCURRENCY, FIELD_MANAGER};
pub use options::{AddonOptions, ConfigKind, DEFAULT_INSTALL_NAMESPACE, InstallNamespace};
pub use registration::{
    AddonCsr, CsrApprover, CsrRefused, CsrSigner, DefaultCsrApprover, Permission, Registration,
};
pub use spec_hash::{SpecHashError, spec_hash};

#[cfg(test)]
mod registration_tests;
#[cfg(test)]
mod render_tests;
