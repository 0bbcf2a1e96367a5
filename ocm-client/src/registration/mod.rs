//! Registration, hub side: pending clusters, accept / deny, CSR checks, taints, claims, cluster
//! sets and bindings.

mod csr;

pub use csr::{CsrIdentity, CsrRejected, check_csr};
