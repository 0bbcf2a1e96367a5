//! The Go reference program (`tests/go-csr`, built against open-cluster-management.io/ocm v1.2.1)
//! and a seeded random generator.

use std::path::PathBuf;

pub use ocm_test_support::Rng;

/// Builds (when its sources are newer) and returns the Go program, or `None` with a notice when
/// Go is unavailable and `OCM_CLIENT_REQUIRE_GO` is unset.
pub fn go_csr() -> Option<PathBuf> {
    ocm_testenv::GoProgram::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/go-csr"))
        .require_var("OCM_CLIENT_REQUIRE_GO")
        .build()
        .expect("the Go reference CSR approver must build when OCM_CLIENT_REQUIRE_GO is set")
}
