//! Add-on lifecycle for OCM, in Rust.
//!
//! **Status: skeleton.** This crate will hold the add-on lifecycle traits (register, install,
//! upgrade) and the manager that drives them through ManifestWorks, CSRs, health and configs, in
//! the manner of the Go `open-cluster-management.io/addon-framework`. The typed add-on objects it
//! will build on are already in [`ocm-api`](https://docs.rs/ocm-api) (`ocm_api::addon`).
//!
//! Available now: [`spec_hash()`], the config spec hash the Go add-on manager records in
//! `status.configReferences[].desiredConfig.specHash`, byte for byte equal to Go's
//! `pkg/utils.GetSpecHash` (checked against it by a differential test); see [`spec_hash`](mod@spec_hash)
//! for the rules and for what a `serde_json::Value` cannot carry.

pub mod spec_hash;

pub use spec_hash::{SpecHashError, spec_hash};
