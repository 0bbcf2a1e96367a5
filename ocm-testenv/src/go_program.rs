//! [`GoProgram`]: a small Go program of a test (a differential test's reference that runs the
//! upstream Go function on the same inputs), built once from its module directory and rebuilt
//! when its sources change.
//!
//! ```no_run
//! use ocm_testenv::GoProgram;
//!
//! // In a test: tests/go-reference/ holds main.go, go.mod and go.sum.
//! let program = GoProgram::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/go-reference"))
//!     .require_var("MY_CRATE_REQUIRE_GO")
//!     .build()
//!     .expect("the Go reference program builds");
//! let Some(bin) = program else {
//!     return; // no Go here, and not required: the test is skipped with a notice
//! };
//! # let _ = bin;
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::binaries::GO_ENV;
use crate::error::{Error, Result};

/// A Go program built from a module directory into the Cargo target directory.
///
/// The binary is `<target>/<dir name>/<dir name>`, where `<target>` is `CARGO_TARGET_DIR` or the
/// `target` directory next to the nearest `Cargo.lock` above the sources. It is rebuilt when a
/// file in the source directory (not below it) is newer than the binary. The build runs
/// `go build` (`OCM_TESTENV_GO` or `go` on `PATH`) with `GOFLAGS=-mod=mod` and
/// `GONOSUMDB=open-cluster-management.io`, as the Go module proxy here needs.
#[derive(Debug, Clone)]
pub struct GoProgram {
    src: PathBuf,
    out_dir: Option<PathBuf>,
    require_var: Option<String>,
}

impl GoProgram {
    /// The program whose module (main package, `go.mod`, `go.sum`) is in `src`.
    pub fn new(src: impl Into<PathBuf>) -> Self {
        Self {
            src: src.into(),
            out_dir: None,
            require_var: None,
        }
    }

    /// Build into this directory instead of the target directory's.
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The environment variable that makes the program required: when it is set (to anything
    /// but `0` or nothing), a failed build is an error; otherwise it is a notice on stderr and
    /// [`build`](Self::build) returns `Ok(None)`, so that a machine without Go skips the test.
    pub fn require_var(mut self, var: impl Into<String>) -> Self {
        self.require_var = Some(var.into());
        self
    }

    /// The path of the binary (which may not exist yet).
    pub fn binary(&self) -> PathBuf {
        let name = self
            .src
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "go-program".into());
        let dir = self
            .out_dir
            .clone()
            .unwrap_or_else(|| target_dir(&self.src).join(&name));
        dir.join(name)
    }

    /// Builds the program if it is missing or stale; returns its path, or `None` when it cannot
    /// be built and is not required (see [`require_var`](Self::require_var)).
    pub fn build(&self) -> Result<Option<PathBuf>> {
        let bin = self.binary();
        let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
        if let (Some(b), Some(s)) = (built, newest_mtime(&self.src))
            && b >= s
        {
            return Ok(Some(bin));
        }
        let go = std::env::var_os(GO_ENV)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("go"));
        eprintln!(
            "ocm-testenv: building the Go program {} into {} ...",
            self.src.display(),
            bin.display()
        );
        let output = Command::new(&go)
            .args(["build", "-o"])
            .arg(&bin)
            .arg(".")
            .current_dir(&self.src)
            .env("GOFLAGS", "-mod=mod")
            .env("GONOSUMDB", "open-cluster-management.io")
            .output();
        let failure = match output {
            Ok(o) if o.status.success() => return Ok(Some(bin)),
            Ok(o) => Error::BuildFailed {
                command: format!("{} build -o {} .", go.display(), bin.display()),
                status: format!(
                    "{}: {}",
                    o.status,
                    String::from_utf8_lossy(&o.stderr).trim()
                ),
                log: self.src.clone(),
            },
            Err(source) => Error::GoNotFound { go, source },
        };
        let required = self
            .require_var
            .as_ref()
            .and_then(std::env::var_os)
            .is_some_and(|v| !v.is_empty() && v != "0");
        if required {
            return Err(failure);
        }
        eprintln!(
            "SKIPPED: cannot build the Go program {}: {failure}{}",
            self.src.display(),
            self.require_var
                .as_ref()
                .map(|v| format!("; set {v}=1 to fail instead"))
                .unwrap_or_default()
        );
        Ok(None)
    }
}

fn newest_mtime(dir: &Path) -> Option<SystemTime> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.metadata().ok()?.modified().ok())
        .max()
}

fn target_dir(src: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(dir);
    }
    src.ancestors()
        .find(|d| d.join("Cargo.lock").is_file())
        .unwrap_or(src)
        .join("target")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_lands_in_the_workspace_target_dir() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go-example");
        let bin = GoProgram::new(&src).binary();
        assert!(bin.ends_with("go-example/go-example"), "{}", bin.display());
        let out = GoProgram::new(&src).out_dir("/tmp/x").binary();
        assert_eq!(out, Path::new("/tmp/x/go-example"));
    }

    #[test]
    fn an_unbuildable_program_is_skipped_unless_required() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("main.go"), "package main\nthis is not go\n")
            .expect("write");
        let program = GoProgram::new(dir.path()).out_dir(dir.path().join("out"));
        assert!(matches!(program.build(), Ok(None)));
        // A variable that is not set does not make it required.
        let required = program.require_var("OCM_TESTENV_TEST_REQUIRE_GO_PROGRAM_UNSET_VAR");
        assert!(matches!(required.build(), Ok(None)));
    }
}
