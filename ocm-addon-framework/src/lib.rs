//! Add-on lifecycle for OCM, in Rust.
//!
//! **Status: skeleton.** This crate will hold the add-on lifecycle traits (register, install,
//! upgrade) and the manager that drives them through ManifestWorks, CSRs, health and configs, in
//! the manner of the Go `open-cluster-management.io/addon-framework`. The typed add-on objects it
//! will build on are already in [`ocm-api`](https://docs.rs/ocm-api) (`ocm_api::addon`).
