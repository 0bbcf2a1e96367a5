//! ManifestWork: the builder, size budget and splitting, apply / create / delete / wait, typed
//! status feedback.
//!
//! - [`ManifestWorkBuilder`] builds a [`ManifestWork`](ocm_api::work::v1::ManifestWork) from
//!   typed objects, dynamic objects or JSON, with manifest configs ([`rules`]), delete option
//!   and executor — all upstream's `ocm_api::work::v1` types. Manifests are checked as
//!   upstream's webhook checks them, and refused by index.
//! - [`budget`]: upstream's 500 KiB limit, measured as upstream measures it, and the
//!   add-on framework's 80 % budget; [`ManifestWorkBuilder::build_split`] spreads manifests
//!   over works `<name>-0`, `<name>-1`, … as sdk-go's `WorkBuilder` does.
//! - [`ManifestWorks`] applies (server-side apply with a field manager, [`ApplyParams`]),
//!   creates (the cheaper first write of a new work, [`CreateParams`]), deletes (orphaning or deleting the resources, [`DeleteParams`]) and waits on watches
//!   ([`WaitCondition`]).
//! - [`feedback()`] decodes the agent's status feedback into the caller's type;
//!   [`feedback_stream`] yields it each time it changes (how values map and how the manifest
//!   is chosen: [`mod@feedback`]).
//!
//! ```no_run
//! use std::time::Duration;
//! use k8s_openapi::api::apps::v1::Deployment;
//! use ocm_client::work::{
//!     self, ApplyParams, ManifestWorkBuilder, ManifestWorks, WaitCondition, rules,
//! };
//!
//! #[derive(serde::Deserialize)]
//! #[serde(rename_all = "camelCase")]
//! struct WebFeedback {
//!     spec_replicas: i64,
//!     ready_replicas: Option<i64>,
//! }
//!
//! # async fn demo(client: kube::Client, deployment: Deployment) -> Result<(), Box<dyn std::error::Error>> {
//! let id = work::resource_identifier(&deployment);
//! let manifest_work = ManifestWorkBuilder::new("web")
//!     .manifest(&deployment)
//!     .feedback(id.clone(), rules::json_paths([
//!         ("specReplicas", ".spec.replicas"),
//!         ("readyReplicas", ".status.readyReplicas"),
//!     ]))
//!     .build()?;
//!
//! let works = ManifestWorks::new(client, "cluster1");
//! works.apply(&manifest_work, &ApplyParams::default()).await?;
//! let applied = works
//!     .wait("web", &WaitCondition::available(), Duration::from_secs(120))
//!     .await?;
//! // Feedback comes with the agent's next status sync: read it once reported, or use
//! // `works.feedback_stream::<WebFeedback>("web", id)` to follow it.
//! let fb: WebFeedback = work::feedback(&applied, &id)?;
//! println!("{} replicas wanted, {:?} ready", fb.spec_replicas, fb.ready_replicas);
//! # Ok(()) }
//! ```

mod apply;
mod builder;
mod create;
mod error;
mod identify;
mod params;
mod wait;

pub mod budget;
pub mod feedback;
pub mod rules;

pub use apply::ManifestWorks;
pub use builder::ManifestWorkBuilder;
pub use error::{BuildError, FeedbackError};
pub use feedback::{decode, feedback, feedback_stream, feedback_values, value_map};
pub use identify::{manifest_identifier, resource_identifier, resource_matches};
pub use params::{ApplyParams, CreateParams, DEFAULT_FIELD_MANAGER, DeleteParams};
pub use wait::WaitCondition;

#[cfg(test)]
mod builder_tests;
