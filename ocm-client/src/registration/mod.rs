//! Registration, hub side: pending clusters, accept / deny, CSR checks, taints, claims, cluster
//! sets and bindings.

pub mod csr;

pub use csr::{
    CsrIdentity, CsrPolicy, CsrRejected, CsrRequestKind, CsrRule, check_csr, is_pending,
};
