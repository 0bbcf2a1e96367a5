//! `work.open-cluster-management.io`: ManifestWork, AppliedManifestWork and ManifestWorkReplicaSet.
//!
//! - [`v1::ManifestWork`] (namespaced, on the hub in a managed cluster's namespace): Kubernetes
//!   objects for the work agent of that cluster to apply, with per-manifest options
//!   ([`v1::ManifestConfigOption`]) and the agent's report in [`v1::ManifestWorkStatus`].
//! - [`v1::AppliedManifestWork`] (cluster-scoped, on the managed cluster): the agent's record of
//!   what it applied for one `ManifestWork`.
//! - [`v1alpha1::ManifestWorkReplicaSet`] (namespaced, short name `mwrs`): one `ManifestWork` per
//!   cluster selected by Placements, rolled out with a
//!   [`RolloutStrategy`](crate::cluster::v1alpha1::RolloutStrategy).
//!
//! ```
//! use ocm_api::work::v1::{
//!     FeedbackRule, FeedBackType, Manifest, ManifestConfigOption, ManifestWork,
//!     ManifestWorkSpec, ManifestsTemplate, ResourceIdentifier,
//! };
//! use serde_json::json;
//!
//! let mut work = ManifestWork::new(
//!     "hello",
//!     ManifestWorkSpec {
//!         workload: ManifestsTemplate {
//!             manifests: vec![Manifest::new(json!({
//!                 "apiVersion": "v1",
//!                 "kind": "ConfigMap",
//!                 "metadata": {"name": "hello", "namespace": "default"},
//!                 "data": {"greeting": "hi"},
//!             }))],
//!         },
//!         manifest_configs: vec![ManifestConfigOption {
//!             feedback_rules: vec![FeedbackRule {
//!                 type_: FeedBackType::WellKnownStatus,
//!                 json_paths: Vec::new(),
//!             }],
//!             ..ManifestConfigOption::new(ResourceIdentifier {
//!                 resource: "configmaps".into(),
//!                 name: "hello".into(),
//!                 namespace: "default".into(),
//!                 ..Default::default()
//!             })
//!         }],
//!         ..Default::default()
//!     },
//! );
//! // A ManifestWork goes in the namespace of the managed cluster it targets.
//! work.metadata.namespace = Some("cluster1".into());
//!
//! let wire = serde_json::to_value(&work)?;
//! assert_eq!(wire["spec"]["manifestConfigs"][0]["resourceIdentifier"]["group"], "");
//! # Ok::<(), serde_json::Error>(())
//! ```

pub mod v1;
pub mod v1alpha1;

/// The API group of this module's kinds.
pub const GROUP: &str = "work.open-cluster-management.io";
