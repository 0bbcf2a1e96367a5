//! The Open Cluster Management hub client, on top of [`kube::Client`].
//!
//! `ocm-client` adds OCM's hub-side verbs to any `kube::Client`. There is no parallel client
//! type: the helpers are small handle types (`ManagedClusters::new(client)`,
//! `ManifestWorks::new(client, cluster)`, …) over the client you already have, and every
//! `ocm-api` kind still works with plain `kube::Api`.
//!
//! Accept a cluster that asks to join (approving only a CSR that is valid *for that
//! cluster*), put a Deployment on it, and read its status back as your own type:
//!
//! ```no_run
//! use std::time::Duration;
//! use k8s_openapi::api::apps::v1::Deployment;
//! use ocm_client::registration::{AcceptParams, ManagedClusters};
//! use ocm_client::work::{self, ApplyParams, ManifestWorkBuilder, ManifestWorks, WaitCondition, rules};
//!
//! #[derive(serde::Deserialize)]
//! #[serde(rename_all = "camelCase")]
//! struct Replicas {
//!     spec_replicas: i64,
//! }
//!
//! # async fn run(deployment: Deployment) -> Result<(), Box<dyn std::error::Error>> {
//! let client = kube::Client::try_default().await?;
//!
//! // The hub's half of the double opt-in, as `clusteradm accept` does it, but safely.
//! let clusters = ManagedClusters::new(client.clone());
//! let outcome = clusters
//!     .accept("cluster1", &AcceptParams::default().wait(Duration::from_secs(60)))
//!     .await?;
//! println!("approved {:?}; refused {:?}", outcome.approved, outcome.refused);
//!
//! // A ManifestWork with a feedback rule, applied with server-side apply.
//! let id = work::resource_identifier(&deployment);
//! let manifest_work = ManifestWorkBuilder::new("web")
//!     .manifest(&deployment)
//!     .feedback(id.clone(), rules::json_paths([("specReplicas", ".spec.replicas")]))
//!     .build()?;
//! let works = ManifestWorks::new(client, "cluster1");
//! works.apply(&manifest_work, &ApplyParams::default()).await?;
//! let applied = works
//!     .wait("web", &WaitCondition::available(), Duration::from_secs(120))
//!     .await?;
//!
//! // Typed status feedback from the klusterlet's work agent.
//! let replicas: Replicas = work::feedback(&applied, &id)?;
//! println!("cluster1 runs web with {} replicas", replicas.spec_replicas);
//! # Ok(()) }
//! ```
//!
//! | module | what it does |
//! |---|---|
//! | [`registration`] | pending clusters, accept / deny with safe CSR approval ([`registration::check_csr`]: the Go hub's rules, and stricter ones where Go is lenient), taints, claims, cluster sets and bindings |
//! | [`work`] | the ManifestWork builder, upstream's size limit and splitting, apply / create / delete / wait, typed status feedback |
//! | [`decisions`] | a placement's decisions read as one consistent set (never a partial one while the scheduler rewrites pages), and a stream of changes |
//! | [`replicaset`] | ManifestWorkReplicaSet: create from a template, summary, per-cluster state |
//! | [`rollout`] | OCM's progressive rollout (sdk-go's `RolloutHandler`) as a pure library, decision-identical to Go, with user gates and a dry run |
//! | `agent` (feature `agent`) | the klusterlet registration agent: join a hub from a bootstrap kubeconfig, lease, status, claims, certificate rotation |
//! | [`hubs`] | several hubs in one process; a client that follows a rotated hub kubeconfig |
//!
//! Every operation that talks to a hub returns this crate's [`Error`], which keeps the kube
//! error and says what was being done. Pure functions have their own error types
//! ([`registration::CsrRejected`], [`work::BuildError`], [`work::FeedbackError`],
//! [`rollout::RolloutError`]).
//!
//! # Tested against the real Go hub
//!
//! The integration tests in `tests/` run on `ocm-testenv`: a real kube-apiserver with the
//! Go OCM v1.2.1 hub controllers and klusterlets. The CSR rules, the rollout computation and
//! the ManifestWork size measure are also checked by differential tests that run the upstream
//! Go functions on the same generated inputs.
//!
//! # Kubernetes version
//!
//! Like every library on `k8s-openapi`, this crate enables no `k8s-openapi` version feature: your
//! binary picks one (for example `k8s-openapi = { version = "0.29", features = ["v1_35"] }`).

#[cfg(feature = "agent")]
pub mod agent;
pub mod decisions;
pub mod error;
pub mod hubs;
pub mod registration;
pub mod replicaset;
pub mod rollout;
pub mod work;

pub use error::{Error, Result};
