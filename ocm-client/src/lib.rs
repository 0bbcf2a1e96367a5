//! The Open Cluster Management hub client, on top of [`kube::Client`].
//!
//! **Status: being built** (issues #9, #10). `ocm-client` adds OCM's hub-side verbs to any
//! `kube::Client` — there is no parallel client type: the helpers are small handle types and
//! extension traits that take the client you already have.
//!
//! | module | what it does |
//! |---|---|
//! | [`registration`] | pending clusters, accept / deny (with safe CSR approval: [`registration::check_csr`]), taints, claims, cluster sets and bindings |
//! | [`work`] | the ManifestWork builder, size budget and splitting, apply / delete / wait, typed status feedback |
//! | [`decisions`] | a placement's decisions read as one consistent set, and a stream of changes |
//! | [`replicaset`] | ManifestWorkReplicaSet helpers |
//! | [`rollout`] | OCM's progressive rollout (sdk-go's `RolloutHandler`) as a pure library, with user gates |
//! | [`hubs`] | several hubs in one process; a client that follows a rotated hub kubeconfig |
//!
//! Every I/O operation returns this crate's [`Error`], which keeps the kube error and says what
//! was being done. Pure functions have their own error types ([`registration::CsrRejected`],
//! [`work::FeedbackError`], [`rollout::RolloutError`], …).
//!
//! # Kubernetes version
//!
//! Like every library on `k8s-openapi`, this crate enables no `k8s-openapi` version feature: your
//! binary picks one (for example `k8s-openapi = { version = "0.29", features = ["v1_35"] }`).

pub mod decisions;
pub mod error;
pub mod hubs;
pub mod registration;
pub mod replicaset;
pub mod rollout;
pub mod work;

pub use error::{Error, Result};
