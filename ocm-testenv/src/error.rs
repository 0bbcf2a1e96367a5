//! The one error type of this crate.

use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong while building or running a test environment.
///
/// Every variant that involves a program names the program and the log file to
/// read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The Go toolchain could not be run.
    #[error(
        "the Go toolchain is needed to build the control plane but `{go} version` failed: {source} \
         (install Go 1.25 or newer, set OCM_TESTENV_GO to its `go` binary, or set KUBEBUILDER_ASSETS \
         and OCM_TESTENV_BIN_DIR to prebuilt programs)"
    )]
    GoNotFound {
        /// The `go` command that was tried.
        go: PathBuf,
        /// Why it could not be run.
        #[source]
        source: std::io::Error,
    },

    /// The Go module proxy refused a module version that the build needs.
    #[error("the Go module proxy does not serve {module} (while {step}): {detail}; see {log}")]
    ModuleNotServed {
        /// `path@version` of the module, or the module path when the version is unknown.
        module: String,
        /// What the build was doing.
        step: String,
        /// The line of Go's output that says so.
        detail: String,
        /// The build log.
        log: PathBuf,
    },

    /// A `go` command failed for another reason.
    #[error("`{command}` failed ({status}); see {log}")]
    BuildFailed {
        /// The command line that failed.
        command: String,
        /// Its exit status.
        status: String,
        /// The build log.
        log: PathBuf,
    },

    /// `KUBEBUILDER_ASSETS` (or another prebuilt-programs directory) lacks a program.
    #[error("{var} is set to {dir} but {program} is not there")]
    AssetMissing {
        /// The environment variable that named the directory.
        var: &'static str,
        /// The directory.
        dir: PathBuf,
        /// The program that was expected in it.
        program: &'static str,
    },

    /// A file-system operation failed.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done, e.g. "writing".
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A program could not be started at all.
    #[error("could not start {component} ({program}): {source}")]
    Spawn {
        /// The component, e.g. `kube-apiserver[hub]`.
        component: String,
        /// The binary.
        program: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A program could not bind its port because something else uses it.
    #[error("{component} could not listen on 127.0.0.1:{port}: the port is in use; see {log}")]
    PortInUse {
        /// The component.
        component: String,
        /// The port it tried.
        port: u16,
        /// Its log file.
        log: PathBuf,
    },

    /// A program of the environment exited. It is not restarted.
    #[error("{component} exited unexpectedly ({status}); see {log}{}", last_line(.last_lines))]
    ChildExited {
        /// The component.
        component: String,
        /// Its exit status.
        status: String,
        /// Its log file.
        log: PathBuf,
        /// The last lines of the log.
        last_lines: String,
    },

    /// Something did not become ready in time.
    #[error("timed out after {after:?} waiting for {what}; logs: {}", display_paths(.logs))]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long it waited.
        after: Duration,
        /// The logs that are most likely to explain it.
        logs: Vec<PathBuf>,
    },

    /// A request to one of the environment's apiservers failed.
    #[error("{action} on {cluster}: {source}")]
    Kube {
        /// What was being done.
        action: String,
        /// The cluster (`hub` or a managed-cluster name).
        cluster: String,
        /// The underlying error.
        #[source]
        source: Box<kube::Error>,
    },

    /// A kubeconfig could not be turned into a client.
    #[error("kubeconfig {path}: {detail}")]
    Kubeconfig {
        /// The kubeconfig file.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },

    /// A CRD manifest could not be read.
    #[error("CRD manifest {path}: {detail}")]
    Crd {
        /// The manifest.
        path: PathBuf,
        /// What was wrong.
        detail: String,
    },

    /// The builder was given options that do not fit together.
    #[error("invalid test environment options: {0}")]
    InvalidOptions(String),
}

impl Error {
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn kube(action: impl Into<String>, cluster: &str, source: kube::Error) -> Self {
        Error::Kube {
            action: action.into(),
            cluster: cluster.to_string(),
            source: Box::new(source),
        }
    }
}

fn last_line(lines: &str) -> String {
    if lines.trim().is_empty() {
        String::new()
    } else {
        format!("; last log lines:\n{lines}")
    }
}

fn display_paths(paths: &[PathBuf]) -> String {
    if paths.is_empty() {
        return "none".to_string();
    }
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
