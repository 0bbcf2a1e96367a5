//! The Go reference program (`tests/go-csr`, built against open-cluster-management.io/ocm v1.2.1)
//! and a seeded random generator.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

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

fn newest_mtime(dir: &Path) -> Option<std::time::SystemTime> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()
}

/// Builds (when its sources are newer) and returns the Go program, or `None` with a notice when
/// Go is unavailable and `OCM_CLIENT_REQUIRE_GO` is unset. Built once per test binary.
pub fn go_csr() -> Option<PathBuf> {
    static BIN: OnceLock<Option<PathBuf>> = OnceLock::new();
    BIN.get_or_init(build).clone()
}

fn build() -> Option<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let src = manifest.join("tests/go-csr");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../target"));
    let bin = target.join("go-csr/go-csr");
    let fresh = match (
        std::fs::metadata(&bin).and_then(|m| m.modified()).ok(),
        newest_mtime(&src),
    ) {
        (Some(b), Some(s)) => b >= s,
        _ => false,
    };
    if fresh {
        return Some(bin);
    }
    let require = std::env::var_os("OCM_CLIENT_REQUIRE_GO").is_some_and(|v| v == "1");
    eprintln!(
        "building the Go reference CSR approver (ocm v1.2.1) into {} ...",
        bin.display()
    );
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(".")
        .current_dir(&src)
        .env("GOFLAGS", "-mod=mod")
        .env("GONOSUMDB", "open-cluster-management.io")
        .status();
    match status {
        Ok(s) if s.success() => Some(bin),
        other => {
            assert!(
                !require,
                "cannot build the Go reference CSR approver: {other:?}"
            );
            eprintln!(
                "SKIPPED: cannot build the Go reference CSR approver ({other:?}); set OCM_CLIENT_REQUIRE_GO=1 to fail instead"
            );
            None
        }
    }
}
