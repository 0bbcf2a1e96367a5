//! `cluster.open-cluster-management.io`: managed clusters, claims, scores, placements and cluster sets.
//!
//! | Version | Kinds | Scope |
//! |---|---|---|
//! | [`v1`] | [`ManagedCluster`](v1::ManagedCluster) | cluster |
//! | [`v1alpha1`] | [`ClusterClaim`](v1alpha1::ClusterClaim) | cluster |
//! | | [`AddOnPlacementScore`](v1alpha1::AddOnPlacementScore) (no spec, status only) | namespaced |
//! | [`v1beta1`] | [`Placement`](v1beta1::Placement) | namespaced |
//! | | [`PlacementDecision`](v1beta1::PlacementDecision) (no spec, status only) | namespaced |
//! | [`v1beta2`] | [`ManagedClusterSet`](v1beta2::ManagedClusterSet) | cluster |
//! | | [`ManagedClusterSetBinding`](v1beta2::ManagedClusterSetBinding) | namespaced |
//!
//! [`v1alpha1`] also holds the rollout strategy types ([`RolloutStrategy`](v1alpha1::RolloutStrategy)
//! and friends) that the `work` and `addon` groups embed.
//!
//! # Wire format
//!
//! The types encode and decode exactly what Go's `encoding/json` does with upstream's
//! `open-cluster-management.io/api` v1.3.0 types:
//!
//! - Go fields with `omitempty` are `Option`s and are left out when `None`. This includes struct
//!   fields that Go's encoder writes anyway (`omitempty` does not apply to structs, e.g.
//!   `spec.decisionStrategy`, `status.version`, rollout `minSuccessTime`/`maxFailures`): reading
//!   what the hub wrote and writing it back gives the same JSON, and an object built here claims
//!   only the fields it sets. `None` means the same as Go's zero value.
//! - Go fields without `omitempty` are always written: plain `bool`/`i32`/`String`, `Vec`s as
//!   `[]` (Go writes `null` for a nil slice; both read as empty), and pointers such as
//!   `Taint::time_added` as `null`.
//! - `ClusterDecision::score` is `omitzero`: left out when 0.
//! - `PlacementDecision` and `AddOnPlacementScore` have no `spec` on the wire; they are written by
//!   hand (not with `#[derive(CustomResource)]`) and still serialize `apiVersion` and `kind`.
//!
//! Each kind's [`crd()`](kube::CustomResourceExt::crd) schema matches upstream's CRD (property names,
//! types, enums, formats, patterns, bounds, defaults). Known differences: the root `spec` is listed
//! as required for the derived kinds (upstream requires it only for Placement, so an object stored
//! without `spec` does not decode), and ManagedClusterSet's schema lacks upstream's default for the
//! whole `spec`.
//!
//! # Example
//!
//! ```
//! use ocm_api::cluster::v1beta1::{
//!     ClusterPredicate, ClusterSelector, Placement, PlacementSpec, Toleration,
//! };
//! use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
//!
//! let mut placement = Placement::new(
//!     "prod-aws",
//!     PlacementSpec {
//!         cluster_sets: Some(vec!["prod".into()]),
//!         number_of_clusters: Some(3),
//!         predicates: Some(vec![ClusterPredicate {
//!             required_cluster_selector: Some(ClusterSelector {
//!                 label_selector: Some(LabelSelector {
//!                     match_labels: Some([("cloud".to_owned(), "aws".to_owned())].into()),
//!                     ..Default::default()
//!                 }),
//!                 ..Default::default()
//!             }),
//!         }]),
//!         tolerations: Some(vec![Toleration {
//!             key: Some("cluster.open-cluster-management.io/unreachable".into()),
//!             operator: Some(Toleration::OPERATOR_EXISTS.into()),
//!             toleration_seconds: Some(300),
//!             ..Default::default()
//!         }]),
//!         ..Default::default()
//!     },
//! );
//! placement.metadata.namespace = Some("default".into());
//!
//! let json = serde_json::to_value(&placement)?;
//! assert_eq!(json["apiVersion"], "cluster.open-cluster-management.io/v1beta1");
//! assert_eq!(json["spec"]["predicates"][0]["requiredClusterSelector"]["labelSelector"]
//!     ["matchLabels"]["cloud"], "aws");
//! // Go has no `omitempty` on prioritizerPolicy, so it is always written.
//! assert_eq!(json["spec"]["prioritizerPolicy"], serde_json::json!({}));
//! # Ok::<(), serde_json::Error>(())
//! ```

pub mod v1;
pub mod v1alpha1;
pub mod v1beta1;
pub mod v1beta2;

mod support;

/// The API group of this module's kinds.
pub const GROUP: &str = "cluster.open-cluster-management.io";
