//! The OCM hub client, on top of [`kube::Client`](https://docs.rs/kube).
//!
//! **Status: skeleton.** This crate will hold the hub-side helpers: cluster registration (accept,
//! CSR approval, join), cluster sets, ManifestWork build/apply/status/feedback,
//! ManifestWorkReplicaSet, placement decision tracking and rollout. Until it lands, use
//! [`kube::Api`](https://docs.rs/kube) directly with the typed objects of
//! [`ocm-api`](https://docs.rs/ocm-api); every `ocm-api` kind implements `kube::Resource`.
