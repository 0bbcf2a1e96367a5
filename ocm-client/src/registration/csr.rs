//! TODO(csr helper): `check_csr`.

/// The identity a valid registration CSR asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CsrIdentity {
    /// The managed cluster's name.
    pub cluster_name: String,
    /// The agent's name.
    pub agent_name: String,
}

/// Why a CSR was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsrRejected {
    /// Placeholder.
    #[error("not implemented")]
    NotImplemented,
}

/// Checks a registration CSR.
pub fn check_csr(
    _csr: &k8s_openapi::api::certificates::v1::CertificateSigningRequest,
) -> Result<CsrIdentity, CsrRejected> {
    Err(CsrRejected::NotImplemented)
}
