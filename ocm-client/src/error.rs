//! The crate's error type for operations that talk to a hub.

use std::time::Duration;

/// A `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong while talking to a hub.
///
/// Every variant says what was being done (`action`), so a log line reads like
/// `accepting cluster "cluster1": approving CSR "cluster1-abcde": …`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The apiserver (or the connection to it) failed.
    #[error("{action}: {source}")]
    Kube {
        /// What was being done.
        action: String,
        /// The kube error.
        #[source]
        source: Box<kube::Error>,
    },
    /// A wait did not see what it waited for in time.
    #[error("{action}: timed out after {timeout:?}{}", last_seen.as_deref().map(|s| format!(" (last seen: {s})")).unwrap_or_default())]
    Timeout {
        /// What was being waited for.
        action: String,
        /// How long it waited.
        timeout: Duration,
        /// The last state seen, when there was one.
        last_seen: Option<String>,
    },
    /// An object was not found where the operation needs it.
    #[error("{action}: {kind} {name:?} not found")]
    NotFound {
        /// What was being done.
        action: String,
        /// The kind looked for.
        kind: &'static str,
        /// Its name (`namespace/name` for namespaced objects).
        name: String,
    },
    /// The caller's input (or an object read from the hub) cannot be used for this operation.
    #[error("{action}: {reason}")]
    Invalid {
        /// What was being done.
        action: String,
        /// Why the input was refused.
        reason: String,
    },
    /// A ManifestWork could not be built.
    #[error(transparent)]
    Build(#[from] crate::work::BuildError),
    /// The status feedback of a ManifestWork did not decode into the caller's type.
    #[error("{action}: {source}")]
    Feedback {
        /// What was being done.
        action: String,
        /// Which value did not fit.
        #[source]
        source: Box<crate::work::FeedbackError>,
    },
    /// A certificate signing request was refused by [`registration::check_csr`](crate::registration::check_csr).
    #[error("{action}: {source}")]
    CsrRejected {
        /// What was being done.
        action: String,
        /// The rule that refused it.
        #[source]
        source: Box<crate::registration::CsrRejected>,
    },
    /// A kubeconfig could not be read or used.
    #[error("{action}: {reason}")]
    Kubeconfig {
        /// What was being done.
        action: String,
        /// Why it failed.
        reason: String,
    },
}

impl Error {
    /// Whether the underlying apiserver answer was 404 Not Found.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound { .. })
            || matches!(self, Error::Kube { source, .. } if matches!(source.as_ref(), kube::Error::Api(s) if s.code == 404))
    }

    /// Whether the underlying apiserver answer was 409 with reason `AlreadyExists` (a create
    /// of an object that exists).
    pub fn is_already_exists(&self) -> bool {
        matches!(self, Error::Kube { source, .. } if matches!(source.as_ref(), kube::Error::Api(s) if s.code == 409 && s.reason == "AlreadyExists"))
    }

    /// Whether the underlying apiserver answer was 409 Conflict (also true for
    /// [`AlreadyExists`](Self::is_already_exists)).
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::Kube { source, .. } if matches!(source.as_ref(), kube::Error::Api(s) if s.code == 409))
    }
}

/// Adds what was being done to a `kube` result.
pub(crate) trait Context<T> {
    /// Wraps the error in [`Error::Kube`] with the action `f` describes.
    fn context<S: Into<String>>(self, f: impl FnOnce() -> S) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, kube::Error> {
    fn context<S: Into<String>>(self, f: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|source| Error::Kube {
            action: f().into(),
            source: Box::new(source),
        })
    }
}
