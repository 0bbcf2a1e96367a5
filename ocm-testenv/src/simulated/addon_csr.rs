//! The add-on CSR the klusterlet's add-on registration builds (ocm v1.2.1
//! `register/csr/csr.go`, `NewCSRDriverForAddOn`): subject from the registration, one DNS name
//! `<addon>.addon.open-cluster-management.io`, ECDSA P-256.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestSpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use ocm_api::addon::v1alpha1::Subject;
use ocm_client::agent::{RequestName, request_der_for};
use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256};

/// The usages Go's CSR driver asks for.
const USAGES: [&str; 3] = ["digital signature", "key encipherment", "client auth"];

/// The CSR for `addon` of `cluster` with `subject` and `signer`, and its key's PEM.
pub(crate) fn build(
    cluster: &str,
    addon: &str,
    subject: &Subject,
    signer: &str,
) -> Result<(CertificateSigningRequest, String), String> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
        .map_err(|e| format!("generating an ECDSA P-256 key: {e}"))?;
    let der = request_der(
        subject,
        &format!("{addon}.addon.open-cluster-management.io"),
        &key,
    )?;
    let csr = CertificateSigningRequest {
        metadata: ObjectMeta {
            generate_name: Some(format!("addon-{cluster}-{addon}-")),
            labels: Some(BTreeMap::from([
                (
                    ocm_api::labels::CLUSTER_NAME.to_string(),
                    cluster.to_string(),
                ),
                (
                    "open-cluster-management.io/addon-name".to_string(),
                    addon.to_string(),
                ),
            ])),
            ..Default::default()
        },
        spec: CertificateSigningRequestSpec {
            request: ByteString(
                pem::encode(&pem::Pem::new("CERTIFICATE REQUEST", der)).into_bytes(),
            ),
            signer_name: signer.to_string(),
            usages: Some(USAGES.iter().map(|u| u.to_string()).collect()),
            ..Default::default()
        },
        status: None,
    };
    Ok((csr, key.serialize_pem()))
}

/// Go's `pkix.Name` for the registration's subject: groups as `O`, organization units as `OU`,
/// the user as `CN`, encoded by ocm-client's agent.
fn request_der(subject: &Subject, dns_name: &str, key: &KeyPair) -> Result<Vec<u8>, String> {
    let name = RequestName {
        organizations: &subject.groups,
        organizational_units: &subject.organization_units,
        common_name: &subject.user,
    };
    request_der_for(&name, &[dns_name], key).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_framework_check_accepts_it() {
        let subject = Subject {
            user: "system:open-cluster-management:cluster:c1:addon:a:agent:agent".into(),
            groups: vec![
                "system:open-cluster-management:cluster:c1:addon:a".into(),
                "system:open-cluster-management:addon:a".into(),
            ],
            organization_units: vec![],
        };
        let (csr, _) =
            build("c1", "a", &subject, "kubernetes.io/kube-apiserver-client").expect("built");
        let found = ocm_client::registration::csr::check_request_with_dns_name(
            &csr.spec.request.0,
            Some("a.addon.open-cluster-management.io"),
        )
        .expect("accepted");
        assert_eq!(found.common_name.as_deref(), Some(subject.user.as_str()));
        assert_eq!(found.organizations.len(), 2);
        // Without the DNS name allowed, the SAN is refused: it is really there.
        assert!(ocm_client::registration::csr::check_request(&csr.spec.request.0).is_err());
    }
}
