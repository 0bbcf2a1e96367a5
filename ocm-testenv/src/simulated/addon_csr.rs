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
use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256, PublicKeyData, SigningKey};
use yasna::models::ObjectIdentifier;

const OID_ORGANIZATION: &[u64] = &[2, 5, 4, 10];
const OID_ORGANIZATIONAL_UNIT: &[u64] = &[2, 5, 4, 11];
const OID_COMMON_NAME: &[u64] = &[2, 5, 4, 3];
const OID_ECDSA_WITH_SHA256: &[u64] = &[1, 2, 840, 10045, 4, 3, 2];
const OID_EXTENSION_REQUEST: &[u64] = &[1, 2, 840, 113549, 1, 9, 14];
const OID_SUBJECT_ALT_NAME: &[u64] = &[2, 5, 29, 17];

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

fn request_der(subject: &Subject, dns_name: &str, key: &KeyPair) -> Result<Vec<u8>, String> {
    // Go's pkix.Name order: O, OU, then CN, each kind in one multi-valued RDN.
    let rdns: Vec<Vec<Vec<u8>>> = [
        subject
            .groups
            .iter()
            .map(|o| attribute(OID_ORGANIZATION, o))
            .collect::<Vec<_>>(),
        subject
            .organization_units
            .iter()
            .map(|u| attribute(OID_ORGANIZATIONAL_UNIT, u))
            .collect(),
        vec![attribute(OID_COMMON_NAME, &subject.user)],
    ]
    .into_iter()
    .filter(|rdn| !rdn.is_empty())
    .collect();
    let san = yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next()
                .write_tagged_implicit(yasna::Tag::context(2), |w| w.write_ia5_string(dns_name));
        })
    });
    let extensions = yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_sequence(|w| {
                w.next()
                    .write_oid(&ObjectIdentifier::from_slice(OID_SUBJECT_ALT_NAME));
                w.next().write_bytes(&san);
            });
        })
    });
    let spki = key.subject_public_key_info();
    let info = yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_u8(0);
            w.next().write_sequence(|w| {
                for rdn in &rdns {
                    w.next().write_set_of(|w| {
                        for a in rdn {
                            w.next().write_der(a);
                        }
                    });
                }
            });
            w.next().write_der(&spki);
            w.next().write_tagged_implicit(yasna::Tag::context(0), |w| {
                w.write_set_of(|w| {
                    w.next().write_sequence(|w| {
                        w.next()
                            .write_oid(&ObjectIdentifier::from_slice(OID_EXTENSION_REQUEST));
                        w.next().write_set_of(|w| w.next().write_der(&extensions));
                    });
                })
            });
        })
    });
    let signature = key
        .sign(&info)
        .map_err(|e| format!("signing the certificate request: {e}"))?;
    Ok(yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_der(&info);
            w.next().write_sequence(|w| {
                w.next()
                    .write_oid(&ObjectIdentifier::from_slice(OID_ECDSA_WITH_SHA256));
            });
            w.next().write_bitvec_bytes(&signature, signature.len() * 8);
        })
    }))
}

/// An AttributeTypeAndValue; a PrintableString when the value allows it, else a UTF8String.
fn attribute(oid: &[u64], value: &str) -> Vec<u8> {
    yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_oid(&ObjectIdentifier::from_slice(oid));
            if value.chars().all(is_printable) {
                w.next().write_printable_string(value);
            } else {
                w.next().write_utf8_string(value);
            }
        })
    })
}

fn is_printable(c: char) -> bool {
    c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c)
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
