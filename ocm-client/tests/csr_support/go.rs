//! The Go reference program (`tests/go-csr`, built against open-cluster-management.io/ocm v1.2.1)
//! and a seeded random generator.

use std::path::PathBuf;

/// SplitMix64.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// 0..n
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    /// true with probability pct/100
    pub fn pct(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// Builds (when its sources are newer) and returns the Go program, or `None` with a notice when
/// Go is unavailable and `OCM_CLIENT_REQUIRE_GO` is unset.
pub fn go_csr() -> Option<PathBuf> {
    ocm_testenv::GoProgram::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/go-csr"))
        .require_var("OCM_CLIENT_REQUIRE_GO")
        .build()
        .expect("the Go reference CSR approver must build when OCM_CLIENT_REQUIRE_GO is set")
}
