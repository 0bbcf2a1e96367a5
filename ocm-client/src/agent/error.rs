//! The agent's errors.

use std::path::PathBuf;

/// Why the agent stopped, or could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The bootstrap kubeconfig is missing, unreadable or unusable.
    #[error("bootstrap kubeconfig {}: {reason}", path.display())]
    BootstrapKubeconfig {
        /// Its path.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The bootstrap kubeconfig's server does not serve the ManagedCluster API.
    #[error("server {server} is not an OCM hub: expected the ManagedCluster API, found {found}")]
    NotAHub {
        /// The server.
        server: String,
        /// What the server answered.
        found: String,
    },
    /// The cluster name is not a DNS-1123 label.
    #[error("cluster name {name:?} is not a DNS-1123 label: {reason}")]
    InvalidClusterName {
        /// The name.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The agent name cannot be part of a common name.
    #[error("agent name {name:?}: expected a non-empty name without ':'")]
    InvalidAgentName {
        /// The name.
        name: String,
    },
    /// The hub denied the agent's CSR.
    #[error("CSR {name:?} was denied: expected approval, found Denied ({reason}: {message})")]
    CsrDenied {
        /// The CSR's name.
        name: String,
        /// The Denied condition's reason.
        reason: String,
        /// The Denied condition's message.
        message: String,
    },
    /// The CSR was neither approved nor denied in time.
    #[error("CSR {name:?}: no signed certificate after {waited:?}")]
    CsrTimeout {
        /// The CSR's name.
        name: String,
        /// How long the agent waited.
        waited: std::time::Duration,
    },
    /// Generating a key or signing a request failed.
    #[error("{reason}")]
    Crypto {
        /// What failed.
        reason: String,
    },
    /// A certificate could not be read.
    #[error("certificate: {reason}")]
    Certificate {
        /// What is wrong with it.
        reason: String,
    },
    /// A file could not be read or written.
    #[error("{action}: {source}")]
    Io {
        /// What was being done.
        action: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A request to the hub failed in a way retrying does not fix.
    #[error(transparent)]
    Hub(#[from] crate::Error),
}
