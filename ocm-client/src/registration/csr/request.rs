//! The PKCS#10 request inside `spec.request`: PEM framing, parsing (x509-parser), signature, key,
//! subject, attributes.

use super::CsrRejected;
use x509_parser::asn1_rs::{FromDer, Tag};
use x509_parser::certification_request::{X509CertificationRequest, X509CertificationRequestInfo};
use x509_parser::cri_attributes::ParsedCriAttribute;
use x509_parser::error::X509Error;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION,
    OID_PKCS1_SHA256WITHRSA, OID_PKCS1_SHA384WITHRSA, OID_PKCS1_SHA512WITHRSA,
    OID_SIG_ECDSA_WITH_SHA256, OID_SIG_ECDSA_WITH_SHA384, OID_SIG_ED25519, OID_X509_COMMON_NAME,
    OID_X509_ORGANIZATION_NAME,
};
use x509_parser::public_key::PublicKey;
use x509_parser::x509::{AttributeTypeAndValue, SubjectPublicKeyInfo, X509Name};

const BEGIN: &str = "-----BEGIN CERTIFICATE REQUEST-----";
const END: &str = "-----END CERTIFICATE REQUEST-----";

/// The smallest RSA modulus accepted, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// The largest RSA modulus accepted, in bits (ring verifies up to 8192).
pub const MAX_RSA_BITS: usize = 8192;

/// The subject as Go's `x509.ParseCertificateRequest` sees it, once the request has passed every
/// structural rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestSubject {
    /// The one common name, when there is one.
    pub common_name: Option<String>,
    /// The organizations, in order, duplicates kept.
    pub organizations: Vec<String>,
}

pub(super) type Subject = RequestSubject;

/// The request rules alone (`pem` through `request-attributes` in the module docs: PEM framing,
/// PKCS#10 parsing, strict DER, version, signature algorithm, key, self-signature, subject
/// attributes, no requested extensions): decodes, parses and verifies `spec.request` and returns
/// its subject. For callers that check the identity themselves (the add-on framework's CSR
/// approver does).
pub fn check_request(request: &[u8]) -> Result<Subject, CsrRejected> {
    check_request_with_dns_name(request, None)
}

/// [`check_request`], except that a subjectAltName extension holding exactly the one DNS name
/// `dns_name` passes the `subject-alt-names` rule. The klusterlet's add-on registration asks for
/// `<addon>.addon.open-cluster-management.io` (ocm v1.2.1 `register/csr/csr.go`).
pub fn check_request_with_dns_name(
    request: &[u8],
    dns_name: Option<&str>,
) -> Result<Subject, CsrRejected> {
    let der = decode_pem(request)?;
    let (rest, req) = X509CertificationRequest::from_der(&der).map_err(|e| parse_error(&e))?;
    if !rest.is_empty() {
        return Err(CsrRejected::Pkcs10 {
            found: format!("{} bytes of trailing data", rest.len()),
        });
    }
    super::der::check_strict_der(&der)?;
    let info = &req.certification_request_info;
    if info.version.0 != 0 {
        return Err(CsrRejected::Version {
            found: info.version.0,
        });
    }
    check_signature_algorithm(&req)?;
    check_public_key(&info.subject_pki)?;
    if req.signature_value.unused_bits != 0 {
        return Err(CsrRejected::Signature {
            found: format!(
                "{} unused bits in the signature",
                req.signature_value.unused_bits
            ),
        });
    }
    req.verify_signature().map_err(|e| CsrRejected::Signature {
        found: e.to_string(),
    })?;
    let subject = read_subject(&info.subject)?;
    check_attributes(info, dns_name)?;
    Ok(subject)
}

/// x509-parser's parse errors: those inside the attributes (where Go parses less) name our
/// stricter rule, the rest Go's.
fn parse_error(e: &x509_parser::nom::Err<X509Error>) -> CsrRejected {
    let inner = match e {
        x509_parser::nom::Err::Error(e) | x509_parser::nom::Err::Failure(e) => Some(e),
        x509_parser::nom::Err::Incomplete(_) => None,
    };
    match inner {
        Some(
            X509Error::InvalidAttributes
            | X509Error::InvalidExtensions
            | X509Error::DuplicateAttributes
            | X509Error::DuplicateExtensions,
        ) => CsrRejected::RequestAttribute {
            found: e.to_string(),
        },
        _ => CsrRejected::Pkcs10 {
            found: e.to_string(),
        },
    }
}

/// The PEM framing. Go (`pem.Decode`) takes the first well-formed block anywhere in the text and
/// ignores the rest; we want the text to be that one block, with only whitespace around it.
fn decode_pem(request: &[u8]) -> Result<Vec<u8>, CsrRejected> {
    let contains = |needle: &str| {
        request
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    };
    if !contains(BEGIN) {
        // No block of that type anywhere: Go's pem.Decode cannot find one either.
        let found = if request.is_empty() {
            "an empty request".to_string()
        } else if contains("-----BEGIN ") {
            "only PEM blocks of other types".to_string()
        } else {
            format!("{} bytes of non-PEM data", request.len())
        };
        return Err(CsrRejected::Pem { found });
    }
    let strict = |found: String| CsrRejected::PemStrict { found };
    let text = std::str::from_utf8(request).map_err(|_| strict("non-UTF-8 text".into()))?;
    let trimmed = text.trim_matches(|c: char| c.is_ascii_whitespace());
    let lines: Vec<&str> = trimmed.lines().map(|l| l.trim_end_matches('\r')).collect();
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else {
        return Err(strict("no lines".into()));
    };
    if *first != BEGIN {
        return Err(strict(format!("first line {first:?}")));
    }
    if *last != END || lines.len() < 3 {
        return Err(strict(format!("last line {last:?}")));
    }
    let body = &lines[1..lines.len() - 1];
    if let Some(bad) = body.iter().find(|l| {
        l.is_empty()
            || !l
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
    }) {
        return Err(strict(format!(
            "body line {bad:?} (another block, a header or not base64)"
        )));
    }
    let (rest, pem) = x509_parser::pem::parse_x509_pem(trimmed.as_bytes())
        .map_err(|e| strict(format!("a malformed block ({e})")))?;
    if pem.label != "CERTIFICATE REQUEST" || !rest.iter().all(u8::is_ascii_whitespace) {
        return Err(strict(format!("a block labelled {:?}", pem.label)));
    }
    if pem.contents.is_empty() {
        return Err(CsrRejected::Pkcs10 {
            found: "an empty block".into(),
        });
    }
    Ok(pem.contents)
}

fn check_signature_algorithm(req: &X509CertificationRequest<'_>) -> Result<(), CsrRejected> {
    let alg = &req.signature_algorithm.algorithm;
    let allowed = [
        &OID_PKCS1_SHA256WITHRSA,
        &OID_PKCS1_SHA384WITHRSA,
        &OID_PKCS1_SHA512WITHRSA,
        &OID_SIG_ECDSA_WITH_SHA256,
        &OID_SIG_ECDSA_WITH_SHA384,
        &OID_SIG_ED25519,
    ];
    if allowed.contains(&alg) {
        Ok(())
    } else {
        Err(CsrRejected::SignatureAlgorithm {
            found: alg.to_id_string(),
        })
    }
}

fn check_public_key(spki: &SubjectPublicKeyInfo<'_>) -> Result<(), CsrRejected> {
    let alg = &spki.algorithm.algorithm;
    let refuse = |found: String| Err(CsrRejected::PublicKey { found });
    if *alg == OID_PKCS1_RSAENCRYPTION {
        return match spki.parsed() {
            Ok(PublicKey::RSA(rsa)) => {
                let bits = rsa.key_size();
                if (MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
                    Ok(())
                } else {
                    refuse(format!("an RSA key of {bits} bits"))
                }
            }
            Ok(_) | Err(_) => refuse("a malformed RSA key".into()),
        };
    }
    if *alg == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        return match curve {
            Some(c) if c == OID_EC_P256 || c == OID_NIST_EC_P384 => Ok(()),
            Some(c) => refuse(format!("an EC key on curve {}", c.to_id_string())),
            None => refuse("an EC key without a named curve".into()),
        };
    }
    if *alg == OID_SIG_ED25519 {
        return Ok(());
    }
    refuse(format!("key algorithm {}", alg.to_id_string()))
}

/// The subject's attributes, whatever their RDN grouping: Go's `x509.ParseCertificateRequest`
/// flattens the RDN sequence (`pkix.Name.FillFromRDNSequence`), collecting every organization
/// and keeping the last common name. We accept only organizations and common names, as
/// UTF8String or PrintableString, and at most one common name.
fn read_subject(name: &X509Name<'_>) -> Result<Subject, CsrRejected> {
    let refuse = |found: String| CsrRejected::SubjectAttributes { found };
    let mut common_names = Vec::new();
    let mut organizations = Vec::new();
    for atv in name.iter_attributes() {
        let oid = atv.attr_type();
        let list = if *oid == OID_X509_COMMON_NAME {
            &mut common_names
        } else if *oid == OID_X509_ORGANIZATION_NAME {
            &mut organizations
        } else {
            return Err(refuse(format!("attribute {}", oid.to_id_string())));
        };
        list.push(directory_string(atv).ok_or_else(|| {
            refuse(format!(
                "a {} value encoded as {:?}",
                oid.to_id_string(),
                atv.attr_value().tag()
            ))
        })?);
    }
    if common_names.len() > 1 {
        return Err(refuse(format!("{} common names", common_names.len())));
    }
    Ok(Subject {
        common_name: common_names.pop(),
        organizations,
    })
}

/// A UTF8String, or a PrintableString within its character set.
fn directory_string(atv: &AttributeTypeAndValue<'_>) -> Option<String> {
    let value = atv.attr_value();
    let s = std::str::from_utf8(value.data).ok()?;
    match value.tag() {
        Tag::Utf8String => Some(s.to_owned()),
        Tag::PrintableString if s.chars().all(is_printable) => Some(s.to_owned()),
        _ => None,
    }
}

fn is_printable(c: char) -> bool {
    c.is_ascii_alphanumeric() || " '()+,-./:=?".contains(c)
}

/// Requested extensions and other attributes: none at all (Go's agent sends none).
fn check_attributes(
    info: &X509CertificationRequestInfo<'_>,
    dns_name: Option<&str>,
) -> Result<(), CsrRejected> {
    for attr in info.iter_attributes() {
        let ParsedCriAttribute::ExtensionRequest(request) = attr.parsed_attribute() else {
            return Err(CsrRejected::RequestAttribute {
                found: format!("attribute {}", attr.oid.to_id_string()),
            });
        };
        let allowed = |ext: &x509_parser::extensions::X509Extension<'_>| match (
            ext.parsed_extension(),
            dns_name,
        ) {
            (ParsedExtension::SubjectAlternativeName(san), Some(want)) => {
                matches!(san.general_names.as_slice(), [GeneralName::DNSName(n)] if *n == want)
            }
            _ => false,
        };
        if request.extensions.len() > 1 && dns_name.is_some() {
            return Err(CsrRejected::RequestedExtension {
                found: format!("{} extensions", request.extensions.len()),
            });
        }
        if let Some(ext) = request.extensions.first().filter(|e| !allowed(e)) {
            return Err(match ext.parsed_extension() {
                ParsedExtension::SubjectAlternativeName(san) => CsrRejected::SubjectAltNames {
                    found: san
                        .general_names
                        .iter()
                        .map(general_name)
                        .collect::<Vec<_>>()
                        .join(", "),
                },
                ParsedExtension::BasicConstraints(bc) if bc.ca => CsrRejected::CaRequested,
                _ => CsrRejected::RequestedExtension {
                    found: format!("extension {}", ext.oid.to_id_string()),
                },
            });
        }
    }
    Ok(())
}

fn general_name(name: &GeneralName<'_>) -> String {
    name.to_string()
}
