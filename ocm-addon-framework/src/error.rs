//! The crate's errors: one enum for the manager and agent helpers, one for an add-on's
//! manifests. A failure that comes from one add-on's input (a manifest, a config, a CSR) is
//! reported on that ManagedClusterAddOn as a condition with the reason, never as a crash.

use thiserror::Error;

/// What an add-on's [`manifests`](crate::AgentAddon::manifests) returns when it cannot render:
/// the manager reports it on the ManagedClusterAddOn's `ManifestApplied` condition (reason
/// `WorkApplyFailed`, as Go's framework) and touches no work of that cluster.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// A manifest could not be serialized.
    #[error("manifest {index} cannot be serialized: {source}")]
    Serialize {
        /// Its index among the add-on's manifests.
        index: usize,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A config the add-on needs is missing or has a wrong shape.
    #[error("config: {0}")]
    Config(String),
    /// Anything else the add-on wants to say.
    #[error("{0}")]
    Other(String),
}

impl ManifestError {
    /// A free-form error.
    pub fn other(message: impl Into<String>) -> Self {
        ManifestError::Other(message.into())
    }
}

/// Errors of the manager and the agent-side helpers.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A call to an API server failed.
    #[error("kube api: {0}")]
    Kube(#[from] kube::Error),
    /// An `ocm-client` operation failed.
    #[error(transparent)]
    Client(#[from] Box<ocm_client::Error>),
    /// Works could not be built from the add-on's manifests.
    #[error("building the add-on's works: {0}")]
    Build(#[from] ocm_client::work::BuildError),
    /// An add-on could not render its manifests.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A config referenced by `status.configReferences` cannot be used.
    #[error("config {reference}: {reason}")]
    Config {
        /// `<resource>.<group>/<namespace>/<name>`.
        reference: String,
        /// What is wrong.
        reason: String,
    },
    /// A secret, kubeconfig or file the agent-side helpers need is missing or malformed.
    #[error("hub kubeconfig: {0}")]
    HubKubeconfig(String),
    /// Reading or writing a local file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// JSON (de)serialization failed.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<ocm_client::Error> for Error {
    fn from(e: ocm_client::Error) -> Self {
        Error::Client(Box::new(e))
    }
}

/// `Result` with this crate's [`Error`](enum@Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;
