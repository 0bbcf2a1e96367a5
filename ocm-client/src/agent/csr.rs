//! The agent's key, CSR and certificate checks, as the Go CSR driver does them.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256, PublicKeyData};

use super::AgentError;
use super::request::{RequestName, request_der_for};
use crate::registration::csr::{MANAGED_CLUSTERS_GROUP, SUBJECT_PREFIX};

/// The signer the agent asks for (`kubernetes.io/kube-apiserver-client`).
pub const SIGNER_NAME: &str = "kubernetes.io/kube-apiserver-client";

/// The usages the Go agent requests, in its order.
pub const USAGES: [&str; 3] = ["digital signature", "key encipherment", "client auth"];

/// A CertificateSigningRequest for the agent `agent` of `cluster`, and the PEM of its new private
/// key (ECDSA P-256, PKCS#8), as the Go agent's CSR driver builds them: `generateName:
/// <cluster>-`, label `open-cluster-management.io/cluster-name`, signer
/// `kubernetes.io/kube-apiserver-client`, usages `digital signature`, `key encipherment`,
/// `client auth`, subject `O=system:open-cluster-management:<cluster>+O=system:open-cluster-management:managed-clusters,
/// CN=system:open-cluster-management:<cluster>:<agent>` (both organizations in one multi-valued
/// RDN, as Go's `pkix.Name` encodes them). `expiration_seconds` is sent only when given: the Go
/// agent sends none unless the Klusterlet sets `clientCertExpirationSeconds`, and the hub's
/// signer then uses its `--cluster-signing-duration`.
///
/// Differs from Go on purpose: the key PEM is PKCS#8 (`PRIVATE KEY`); Go writes SEC1 (`EC
/// PRIVATE KEY`). Both load in Go and Rust clients.
pub fn build_csr(
    cluster: &str,
    agent: &str,
    expiration_seconds: Option<i32>,
) -> Result<(CertificateSigningRequest, String), AgentError> {
    validate_cluster_name(cluster)?;
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|e| AgentError::Crypto {
        reason: format!("generating an ECDSA P-256 key: {e}"),
    })?;
    let request = request_der(cluster, agent, &key)?;
    let request_pem = pem::encode(&pem::Pem::new("CERTIFICATE REQUEST", request));
    let csr = CertificateSigningRequest {
        metadata: ObjectMeta {
            generate_name: Some(format!("{cluster}-")),
            labels: Some(BTreeMap::from([(
                ocm_api::labels::CLUSTER_NAME.to_string(),
                cluster.to_string(),
            )])),
            ..Default::default()
        },
        spec: CertificateSigningRequestSpec {
            request: ByteString(request_pem.into_bytes()),
            signer_name: SIGNER_NAME.to_string(),
            usages: Some(USAGES.iter().map(|u| u.to_string()).collect()),
            expiration_seconds,
            ..Default::default()
        },
        status: None,
    };
    Ok((csr, key.serialize_pem()))
}

/// The common name the agent asks for: `system:open-cluster-management:<cluster>:<agent>`.
pub fn common_name(cluster: &str, agent: &str) -> String {
    format!("{SUBJECT_PREFIX}{cluster}:{agent}")
}

fn request_der(cluster: &str, agent: &str, key: &KeyPair) -> Result<Vec<u8>, AgentError> {
    let organizations = [
        format!("{SUBJECT_PREFIX}{cluster}"),
        MANAGED_CLUSTERS_GROUP.to_string(),
    ];
    let name = RequestName {
        organizations: &organizations,
        organizational_units: &[],
        common_name: &common_name(cluster, agent),
    };
    request_der_for(&name, &[], key)
}

/// Checks that `name` is a DNS-1123 label (what a cluster name must be to name its hub
/// namespace): 1 to 63 lower-case alphanumerics or `-`, starting and ending alphanumeric.
pub fn validate_cluster_name(name: &str) -> Result<(), AgentError> {
    let invalid = |reason: &str| {
        Err(AgentError::InvalidClusterName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if name.is_empty() {
        return invalid("expected 1 to 63 characters, found none");
    }
    if name.len() > 63 {
        return invalid(&format!(
            "expected at most 63 characters, found {}",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return invalid(&format!(
            "expected lower-case alphanumerics and '-', found {c:?}"
        ));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return invalid("expected to start and end with an alphanumeric, found '-'");
    }
    Ok(())
}

/// A certificate's validity, read from the first certificate of a PEM bundle together with the
/// narrowest window of the whole chain (as Go's `getCertValidityPeriod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Start of validity (Unix seconds).
    pub not_before: i64,
    /// End of validity (Unix seconds).
    pub not_after: i64,
}

impl Validity {
    /// Reads the validity from a PEM certificate bundle.
    pub fn from_pem(pem_bundle: &[u8]) -> Result<Self, AgentError> {
        let bad = |reason: String| AgentError::Certificate { reason };
        let blocks = pem::parse_many(pem_bundle).map_err(|e| bad(e.to_string()))?;
        let mut validity: Option<Validity> = None;
        for block in blocks.iter().filter(|b| b.tag() == "CERTIFICATE") {
            let (_, cert) = x509_parser::parse_x509_certificate(block.contents())
                .map_err(|e| bad(format!("parsing a certificate: {e}")))?;
            let v = cert.validity();
            let (nb, na) = (v.not_before.timestamp(), v.not_after.timestamp());
            validity = Some(match validity {
                None => Validity {
                    not_before: nb,
                    not_after: na,
                },
                Some(w) => Validity {
                    not_before: w.not_before.max(nb),
                    not_after: w.not_after.min(na),
                },
            });
        }
        validity.ok_or_else(|| bad("expected a CERTIFICATE PEM block, found none".into()))
    }

    /// Whether `now` (Unix seconds) is past the end of validity.
    pub fn is_expired(&self, now: i64) -> bool {
        now > self.not_after
    }

    /// Whether the certificate should be renewed at `now` with this `threshold` (Go's rule:
    /// renew when remaining / total lifetime is at most the threshold, which the agent draws at
    /// random in 0.20..0.25 with [`rotation_threshold`]).
    pub fn needs_rotation(&self, now: i64, threshold: f64) -> bool {
        let total = (self.not_after - self.not_before) as f64;
        if total <= 0.0 {
            return true;
        }
        let remaining = (self.not_after - now) as f64;
        remaining / total <= threshold
    }
}

/// Go's `jitter(0.2, 0.25)`: a random threshold in `0.20..0.25`.
pub fn rotation_threshold() -> f64 {
    0.2 + 0.2 * fastrand::f64() * 0.25
}

/// The subject common name of the first certificate of a PEM bundle that is an agent's
/// (`system:open-cluster-management:<cluster>:<agent>`), split into `(cluster, agent)`.
pub fn cluster_and_agent(pem_bundle: &[u8]) -> Option<(String, String)> {
    let blocks = pem::parse_many(pem_bundle).ok()?;
    blocks.iter().find_map(|b| {
        let (_, cert) = x509_parser::parse_x509_certificate(b.contents()).ok()?;
        let cn = cert.subject().iter_common_name().next()?.as_str().ok()?;
        let rest = cn.strip_prefix(SUBJECT_PREFIX)?;
        let (cluster, agent) = rest.split_once(':')?;
        (!agent.contains(':')).then(|| (cluster.to_string(), agent.to_string()))
    })
}

/// Whether the certificate (first PEM block) carries the public key of `key_pem`.
pub fn certificate_matches_key(cert_pem: &[u8], key_pem: &str) -> bool {
    let Ok(key) = KeyPair::from_pem(key_pem) else {
        return false;
    };
    let Ok(blocks) = pem::parse_many(cert_pem) else {
        return false;
    };
    let Some(block) = blocks.iter().find(|b| b.tag() == "CERTIFICATE") else {
        return false;
    };
    let Ok((_, cert)) = x509_parser::parse_x509_certificate(block.contents()) else {
        return false;
    };
    cert.public_key().raw == key.subject_public_key_info().as_slice()
}

#[cfg(test)]
#[path = "csr_tests.rs"]
mod tests;
