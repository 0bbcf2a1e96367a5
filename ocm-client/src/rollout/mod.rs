//! OCM's progressive rollout (sdk-go v1.3.0 `RolloutHandler`) as a pure library.

/// Why a rollout could not be computed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RolloutError {
    /// Placeholder.
    #[error("not implemented")]
    NotImplemented,
}
