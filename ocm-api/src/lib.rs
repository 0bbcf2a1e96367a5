//! Typed, wire-exact objects for every Open Cluster Management (OCM) API group.
//!
//! `ocm-api` is to OCM what `kube-core` is to Kubernetes: types without I/O. Every kind
//! implements [`kube::Resource`] (and [`kube::CustomResourceExt`]), so [`kube::Api`](https://docs.rs/kube/5/kube/struct.Api.html) works with it
//! directly:
//!
//! ```no_run
//! use kube::{Api, Client, api::{ListParams, PostParams}};
//! use ocm_api::cluster::v1::ManagedCluster;
//! use ocm_api::conditions;
//! use ocm_api::work::v1::{Manifest, ManifestWork, ManifestWorkSpec, ManifestsTemplate};
//! use serde_json::json;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::try_default().await?;
//!
//! // List the managed clusters and whether they are available.
//! let clusters: Api<ManagedCluster> = Api::all(client.clone());
//! for cluster in clusters.list(&ListParams::default()).await? {
//!     let available = cluster.status.as_ref().is_some_and(|s| {
//!         conditions::is_true(&s.conditions, conditions::MANAGED_CLUSTER_AVAILABLE)
//!     });
//!     println!("{} available={available}", cluster.metadata.name.unwrap_or_default());
//! }
//!
//! // Put a ConfigMap on cluster1: a ManifestWork lives in the cluster's namespace on the hub.
//! let work = ManifestWork::new("hello", ManifestWorkSpec {
//!     workload: ManifestsTemplate {
//!         manifests: vec![Manifest::new(json!({
//!             "apiVersion": "v1", "kind": "ConfigMap",
//!             "metadata": {"name": "hello", "namespace": "default"},
//!             "data": {"greeting": "hi"},
//!         }))],
//!     },
//!     ..Default::default()
//! });
//! Api::<ManifestWork>::namespaced(client, "cluster1").create(&PostParams::default(), &work).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Modules
//!
//! | module | kinds |
//! |---|---|
//! | [`cluster::v1`] | `ManagedCluster` |
//! | [`cluster::v1alpha1`] | `ClusterClaim`, `AddOnPlacementScore`, rollout strategy types |
//! | [`cluster::v1beta1`] | `Placement`, `PlacementDecision` |
//! | [`cluster::v1beta2`] | `ManagedClusterSet`, `ManagedClusterSetBinding` |
//! | [`work::v1`] | `ManifestWork`, `AppliedManifestWork` |
//! | [`work::v1alpha1`] | `ManifestWorkReplicaSet` |
//! | [`addon::v1alpha1`] | `ClusterManagementAddOn`, `ManagedClusterAddOn`, `AddOnDeploymentConfig`, `AddOnTemplate` (storage version) |
//! | [`addon::v1beta1`] | `ClusterManagementAddOn`, `ManagedClusterAddOn`, `AddOnDeploymentConfig` (served through the hub's conversion webhook) |
//! | [`operator::v1`] | `ClusterManager`, `Klusterlet` |
//!
//! Well-known strings live in modules named for what they are: [`labels`], [`annotations`],
//! [`finalizers`], [`taints`], [`conditions`] (types, reasons and the condition helpers) and
//! [`feature_gates`]. [`crds`] returns the CustomResourceDefinitions generated from these types.
//! The decoding functions ([`from_value`], [`from_object`], [`from_dynamic`], …) return an
//! [`Error`] that names the field path of a malformed object; nothing here panics on bad input.
//!
//! # Wire exactness
//!
//! The types follow upstream's Go types in `open-cluster-management.io/api` v1.3.0 field for
//! field, and their JSON follows Go's `encoding/json` tags:
//!
//! - a Go field without `omitempty` is always written (`hubAcceptsClient`,
//!   `ClusterDecision.reason`, `Taint.timeAdded` as `null` when unset, …); a slice or map among
//!   them is written as `[]`/`{}` where Go would write `null` for a nil one, and `null` is read as
//!   empty. Exception: a pointer that Go marshals as `null` into a field whose schema is not
//!   nullable (`AddOnPlacementScore.status.validUntil`, the add-on `desiredConfig`,
//!   `lastAppliedConfig` and `lastKnownGoodConfig`) is omitted when unset: the apiserver
//!   prunes that `null` on create and update, and server-side apply rejects it;
//! - a field with `omitempty` is an `Option` (or an empty collection) and is omitted when unset;
//! - enums that the CRDs restrict are Rust enums with upstream's exact strings;
//! - int-or-string values and quantities keep their form; free-form content (ManifestWork
//!   manifests, raw feedback, preserve-unknown-fields) is kept as JSON, losslessly.
//!
//! The conformance tests in `tests/` prove it against the upstream CRDs taken from the Go module
//! at test time: every property of every served version exists here with the same name and a
//! compatible type and nothing more, fixtures setting every property round-trip to identical
//! JSON, and they validate against the upstream schemas.
//!
//! ## Deliberate differences from upstream
//!
//! Listed here and in the `EXCEPTIONS` table of `tests/schema.rs`, which the schema test keeps
//! honest (an unused entry fails it):
//!
//! - The generated CRDs leave the root `apiVersion`, `kind` and `metadata` out of the schema
//!   (kube-derive does; the apiserver validates them itself).
//! - Where a kind's conditions use k8s-openapi's `Condition`, the schema has no `enum` for
//!   `status` (upstream: `True`/`False`/`Unknown`) and decoding accepts any string.
//!
//! Not schema mismatches, but worth knowing:
//!
//! - Reading never fails where Go reads: whatever upstream's CRD does not require may be absent.
//!   `spec` is required when reading only where the CRD requires it (Placement and the add-on
//!   kinds, built with `#[derive(CustomResource)]`); the other kinds (declared by a crate-private
//!   macro) read an absent or `null` `spec` as the default, Go's zero value, and their generated
//!   root schema does not require it either. `spec` is always written, as Go writes it.
//!   PlacementDecision and AddOnPlacementScore have no `spec`, as upstream.
//! - `status` is written only when set (kube-derive's `Option`), where Go always writes it;
//!   ManagedClusterAddOn writes `{}` for an unset status, as Go does.
//! - Reading is slightly more lenient than Go: a serde struct also accepts a JSON array, filled
//!   field by field.
//! - v1beta1 add-on objects are stored as v1alpha1: reading or writing them needs a hub that
//!   runs the add-on conversion webhook (the Go hub does). The CRDs from [`crds`] declare no
//!   conversion, like the files in the api module.
//!
//! # Kubernetes version
//!
//! Like every library on `k8s-openapi`, this crate enables no `k8s-openapi` version feature: your
//! binary picks one (for example `k8s-openapi = { version = "0.29", features = ["v1_35"] }`).

pub mod addon;
pub mod cluster;
pub mod operator;
pub mod work;

pub mod annotations;
pub mod conditions;
pub mod crds;
pub mod error;
pub mod feature_gates;
pub mod finalizers;
pub mod labels;
pub mod taints;

mod kind;
mod schema;
mod serde_util;

pub use error::{
    Error, check_type_meta, from_dynamic, from_object, from_slice, from_str, from_value, to_dynamic,
};
