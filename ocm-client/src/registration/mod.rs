//! Registration, hub side: pending clusters, accept / deny with safe CSR approval, taints,
//! claims, cluster sets and bindings.
//!
//! [`ManagedClusters::accept`] is the hub's half of OCM's double opt-in, as `clusteradm accept`
//! does it (approve the cluster's pending bootstrap CSRs, set `hubAcceptsClient`), except that it
//! approves only a CSR that passes [`check_csr`] under the given [`CsrPolicy`] *and* is a
//! bootstrap request for the cluster being accepted: a CSR labelled for one cluster that asks
//! for another's identity is refused with the rule that caught it. See [`csr`] for every rule.

mod accept;
mod clusters;
pub mod csr;
mod sets;

pub use accept::{
    APPROVE_REASON, AcceptOutcome, AcceptParams, DENY_REASON, DenyParams, PendingCluster, Refusal,
};
pub use clusters::ManagedClusters;
pub use csr::{
    CsrIdentity, CsrPolicy, CsrRejected, CsrRequestKind, CsrRule, check_csr, is_pending,
};
pub use sets::{ClusterSetSelector, ClusterSets};
