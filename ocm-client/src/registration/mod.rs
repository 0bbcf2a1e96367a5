//! Registration, hub side: pending clusters, accept / deny with safe CSR approval, taints,
//! claims, cluster sets and bindings.

mod clusters;
mod csr;
mod sets;

pub use clusters::{
    APPROVE_REASON, AcceptOutcome, AcceptParams, DENY_REASON, DenyParams, ManagedClusters,
    PendingCluster, Refusal,
};
pub use csr::{CsrIdentity, CsrRejected, check_csr};
pub use sets::{ClusterSetSelector, ClusterSets};
