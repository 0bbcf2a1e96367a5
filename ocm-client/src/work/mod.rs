//! ManifestWork: the builder, size budget and splitting, apply / delete / wait, typed status
//! feedback.

/// Why a ManifestWork could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// Placeholder.
    #[error("not implemented")]
    NotImplemented,
}

/// Why a feedback value could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FeedbackError {
    /// Placeholder.
    #[error("not implemented")]
    NotImplemented,
}
