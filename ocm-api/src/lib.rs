//! Typed, wire-exact objects for every Open Cluster Management (OCM) API group.
//!
//! (crate docs are being written)

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

