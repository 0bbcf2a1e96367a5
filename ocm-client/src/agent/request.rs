//! The PKCS#10 request DER, encoded as Go's `x509.CreateCertificateRequest` encodes the
//! klusterlet's requests (the cluster's and its add-ons').

use rcgen::{KeyPair, PublicKeyData, SigningKey};
use yasna::models::ObjectIdentifier;

use super::AgentError;

const OID_ORGANIZATION: &[u64] = &[2, 5, 4, 10];
const OID_ORGANIZATIONAL_UNIT: &[u64] = &[2, 5, 4, 11];
const OID_COMMON_NAME: &[u64] = &[2, 5, 4, 3];
const OID_ECDSA_WITH_SHA256: &[u64] = &[1, 2, 840, 10045, 4, 3, 2];
const OID_EXTENSION_REQUEST: &[u64] = &[1, 2, 840, 113549, 1, 9, 14];
const OID_SUBJECT_ALT_NAME: &[u64] = &[2, 5, 29, 17];

/// The subject of a request, as Go's `pkix.Name` holds it.
#[derive(Debug, Clone, Copy)]
pub struct RequestName<'a> {
    /// `O`: one multi-valued RDN holding them all (omitted when empty).
    pub organizations: &'a [String],
    /// `OU`: one multi-valued RDN after the organizations (omitted when empty).
    pub organizational_units: &'a [String],
    /// `CN`, the last RDN.
    pub common_name: &'a str,
}

/// The DER of a certificate request for `name`, signed with `key` (ECDSA P-256, SHA-256), as Go
/// writes it: `O`, `OU` and `CN` RDNs in that order, each kind in one multi-valued RDN; the
/// `dns_names`, when any, in a subjectAltName of an extensionRequest attribute, else an empty
/// attribute set. Values are PrintableStrings when they allow it, else UTF8Strings, as Go's
/// `encoding/asn1` chooses.
///
/// # Errors
///
/// [`AgentError::Crypto`] when signing fails.
pub fn request_der_for(
    name: &RequestName<'_>,
    dns_names: &[&str],
    key: &KeyPair,
) -> Result<Vec<u8>, AgentError> {
    let rdns: Vec<Vec<Vec<u8>>> = [
        name.organizations
            .iter()
            .map(|o| attribute(OID_ORGANIZATION, o))
            .collect::<Vec<_>>(),
        name.organizational_units
            .iter()
            .map(|u| attribute(OID_ORGANIZATIONAL_UNIT, u))
            .collect(),
        vec![attribute(OID_COMMON_NAME, name.common_name)],
    ]
    .into_iter()
    .filter(|rdn| !rdn.is_empty())
    .collect();
    let spki = key.subject_public_key_info();
    let info = yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_u8(0);
            w.next().write_sequence(|w| {
                for rdn in &rdns {
                    // A SET OF, sorted as DER wants.
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
                    if !dns_names.is_empty() {
                        w.next().write_der(&extension_request(dns_names));
                    }
                })
            });
        })
    });
    let signature = key.sign(&info).map_err(|e| AgentError::Crypto {
        reason: format!("signing the certificate request: {e}"),
    })?;
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

/// The extensionRequest attribute with a subjectAltName of `dns_names`.
fn extension_request(dns_names: &[&str]) -> Vec<u8> {
    let san = yasna::construct_der(|w| {
        w.write_sequence(|w| {
            for dns in dns_names {
                w.next()
                    .write_tagged_implicit(yasna::Tag::context(2), |w| w.write_ia5_string(dns));
            }
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
    yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next()
                .write_oid(&ObjectIdentifier::from_slice(OID_EXTENSION_REQUEST));
            w.next().write_set_of(|w| w.next().write_der(&extensions));
        })
    })
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
