//! Shared by the CSR tests: keys (rcgen for ECDSA/Ed25519, the `rsa` crate for RSA, which ring
//! cannot generate), a PKCS#10 builder that can write any subject layout and attribute, and CSR
//! objects shaped like the ones the Go agent creates.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod cases;
pub mod generate;
pub mod go;
pub mod keys;

use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition, CertificateSigningRequestSpec,
    CertificateSigningRequestStatus,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
pub use keys::Key;
use yasna::models::ObjectIdentifier;
use yasna::{DERWriter, Tag};

pub const PREFIX: &str = "system:open-cluster-management:";
pub const MANAGED_CLUSTERS: &str = "system:open-cluster-management:managed-clusters";
pub const BOOTSTRAP_USER: &str = "system:serviceaccount:open-cluster-management:cluster-bootstrap";
pub const AGENT_USAGES: &[&str] = &["digital signature", "key encipherment", "client auth"];
pub const SIGNER: &str = "kubernetes.io/kube-apiserver-client";

pub const OID_CN: &[u64] = &[2, 5, 4, 3];
/// The DER of the commonName attribute type, and the same with other tags.
pub const CN_TYPE_DER: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
pub const CN_TYPE_AS_OBJECT_DESCRIPTOR: &[u8] = &[0x07, 0x03, 0x55, 0x04, 0x03];
pub const CN_TYPE_AS_APPLICATION_6: &[u8] = &[0x46, 0x03, 0x55, 0x04, 0x03];
pub const OID_O: &[u64] = &[2, 5, 4, 10];
pub const OID_OU: &[u64] = &[2, 5, 4, 11];
pub const OID_EXTENSION_REQUEST: &[u64] = &[1, 2, 840, 113549, 1, 9, 14];
pub const OID_CHALLENGE_PASSWORD: &[u64] = &[1, 2, 840, 113549, 1, 9, 7];
pub const OID_SAN: &[u64] = &[2, 5, 29, 17];
pub const OID_BASIC_CONSTRAINTS: &[u64] = &[2, 5, 29, 19];
pub const OID_EXT_KEY_USAGE: &[u64] = &[2, 5, 29, 37];
pub const OID_CLIENT_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 2];

/// How a subject string is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Str {
    Printable,
    Utf8,
    Ia5,
}

/// One attribute of a subject RDN.
#[derive(Debug, Clone)]
pub struct Atv {
    pub oid: &'static [u64],
    pub enc: Str,
    pub value: String,
}

pub fn atv(oid: &'static [u64], value: impl Into<String>) -> Atv {
    Atv {
        oid,
        enc: Str::Printable,
        value: value.into(),
    }
}

/// A requested extension: OID, critical, DER value.
#[derive(Debug, Clone)]
pub struct Ext {
    pub oid: &'static [u64],
    pub critical: bool,
    pub value: Vec<u8>,
}

/// The content of a PKCS#10 request, before signing.
#[derive(Debug, Clone)]
pub struct Request {
    pub version: i64,
    /// RDNs, each a set of attributes.
    pub subject: Vec<Vec<Atv>>,
    /// Written as one extensionRequest attribute when `Some` (even if empty).
    pub extensions: Option<Vec<Ext>>,
    pub challenge_password: Option<String>,
    /// Overrides the signature algorithm OID written (the signature stays the key's own).
    pub signature_oid: Option<&'static [u64]>,
    /// Byte replacements applied to the encoded request info before signing (first match each).
    pub tbs_patches: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Request {
    /// The subject exactly as the Go agent writes it: both organizations in one multi-valued
    /// RDN, then the common name (Go's `pkix.Name.ToRDNSequence`).
    pub fn agent(cluster: &str, agent: &str) -> Request {
        Request {
            version: 0,
            subject: vec![
                vec![
                    atv(OID_O, format!("{PREFIX}{cluster}")),
                    atv(OID_O, MANAGED_CLUSTERS),
                ],
                vec![atv(OID_CN, format!("{PREFIX}{cluster}:{agent}"))],
            ],
            extensions: None,
            challenge_password: None,
            signature_oid: None,
            tbs_patches: vec![],
        }
    }

    /// The same subject with one RDN per attribute, as UTF8Strings.
    pub fn separate_rdns(cluster: &str, agent: &str) -> Request {
        let mut r = Request::agent(cluster, agent);
        r.subject = r
            .subject
            .into_iter()
            .flatten()
            .map(|mut a| {
                a.enc = Str::Utf8;
                vec![a]
            })
            .collect();
        r
    }

    pub fn organizations(mut self, orgs: &[&str]) -> Request {
        let cn: Vec<Atv> = self.attrs(OID_CN);
        self.subject = vec![orgs.iter().map(|o| atv(OID_O, *o)).collect(), cn];
        self.subject.retain(|rdn| !rdn.is_empty());
        self
    }

    pub fn common_name(mut self, cn: &str) -> Request {
        for rdn in &mut self.subject {
            rdn.retain(|a| a.oid != OID_CN);
        }
        self.subject.retain(|rdn| !rdn.is_empty());
        self.subject.push(vec![atv(OID_CN, cn)]);
        self
    }

    pub fn common_name_removed(mut self) -> Request {
        for rdn in &mut self.subject {
            rdn.retain(|a| a.oid != OID_CN);
        }
        self.subject.retain(|rdn| !rdn.is_empty());
        self
    }

    pub fn push_rdn(mut self, rdn: Vec<Atv>) -> Request {
        self.subject.push(rdn);
        self
    }

    pub fn extension(mut self, ext: Ext) -> Request {
        self.extensions.get_or_insert_with(Vec::new).push(ext);
        self
    }

    fn attrs(&self, oid: &[u64]) -> Vec<Atv> {
        self.subject
            .iter()
            .flatten()
            .filter(|a| a.oid == oid)
            .cloned()
            .collect()
    }

    /// Replaces the first `from` in the encoded request info by `to`, before signing.
    pub fn patch(mut self, from: &[u8], to: &[u8]) -> Request {
        self.tbs_patches.push((from.to_vec(), to.to_vec()));
        self
    }

    fn tbs(&self, key: &Key) -> Vec<u8> {
        let mut tbs = yasna::construct_der(|w| self.write_tbs(key, w));
        for (from, to) in &self.tbs_patches {
            if let Some(at) = tbs.windows(from.len()).position(|w| w == from.as_slice()) {
                tbs.splice(at..at + from.len(), to.iter().copied());
            }
        }
        tbs
    }

    fn write_tbs(&self, key: &Key, w: DERWriter) {
        w.write_sequence(|w| {
            w.next().write_i64(self.version);
            w.next().write_sequence_of(|w| {
                for rdn in &self.subject {
                    w.next().write_set_of(|w| {
                        for a in rdn {
                            w.next().write_sequence(|w| {
                                w.next().write_oid(&ObjectIdentifier::from_slice(a.oid));
                                match a.enc {
                                    Str::Printable => w.next().write_printable_string(&a.value),
                                    Str::Utf8 => w.next().write_utf8_string(&a.value),
                                    Str::Ia5 => w.next().write_ia5_string(&a.value),
                                }
                            });
                        }
                    });
                }
            });
            w.next().write_der(&key.spki());
            w.next().write_tagged_implicit(Tag::context(0), |w| {
                w.write_set_of(|w| {
                    if let Some(exts) = &self.extensions {
                        w.next().write_sequence(|w| {
                            w.next()
                                .write_oid(&ObjectIdentifier::from_slice(OID_EXTENSION_REQUEST));
                            w.next().write_set(|w| {
                                w.next().write_sequence(|w| {
                                    for e in exts {
                                        w.next().write_sequence(|w| {
                                            w.next()
                                                .write_oid(&ObjectIdentifier::from_slice(e.oid));
                                            if e.critical {
                                                w.next().write_bool(true);
                                            }
                                            w.next().write_bytes(&e.value);
                                        });
                                    }
                                });
                            });
                        });
                    }
                    if let Some(pw) = &self.challenge_password {
                        w.next().write_sequence(|w| {
                            w.next()
                                .write_oid(&ObjectIdentifier::from_slice(OID_CHALLENGE_PASSWORD));
                            w.next().write_set(|w| w.next().write_utf8_string(pw));
                        });
                    }
                });
            });
        });
    }

    /// The signed request, DER.
    pub fn der(&self, key: &Key) -> Vec<u8> {
        let tbs = self.tbs(key);
        let sig = key.sign(&tbs);
        self.assemble(key, &tbs, &sig)
    }

    /// This request's content carrying the signature `key` made over `other`'s content.
    pub fn der_signed_over(&self, key: &Key, other: &Request) -> Vec<u8> {
        let tbs = self.tbs(key);
        let sig = key.sign(&other.tbs(key));
        self.assemble(key, &tbs, &sig)
    }

    fn assemble(&self, key: &Key, tbs: &[u8], sig: &[u8]) -> Vec<u8> {
        yasna::construct_der(|w| {
            w.write_sequence(|w| {
                w.next().write_der(tbs);
                w.next().write_sequence(|w| {
                    let oid = self.signature_oid.unwrap_or(key.signature_oid());
                    w.next().write_oid(&ObjectIdentifier::from_slice(oid));
                    if key.is_rsa() {
                        w.next().write_null();
                    }
                });
                w.next().write_bitvec_bytes(sig, sig.len() * 8);
            })
        })
    }

    /// The signed request, PEM (as Go's `pem.EncodeToMemory` writes it).
    pub fn pem(&self, key: &Key) -> Vec<u8> {
        pem_block("CERTIFICATE REQUEST", &self.der(key))
    }
}

pub fn pem_block(label: &str, der: &[u8]) -> Vec<u8> {
    let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
    pem::encode_config(&pem::Pem::new(label, der), config).into_bytes()
}

pub fn ext_san_dns(name: &str) -> Ext {
    Ext {
        oid: OID_SAN,
        critical: false,
        value: yasna::construct_der(|w| {
            w.write_sequence(|w| {
                w.next()
                    .write_tagged_implicit(Tag::context(2), |w| w.write_ia5_string(name))
            })
        }),
    }
}

pub fn ext_basic_constraints(ca: bool) -> Ext {
    Ext {
        oid: OID_BASIC_CONSTRAINTS,
        critical: true,
        value: yasna::construct_der(|w| {
            w.write_sequence(|w| {
                if ca {
                    w.next().write_bool(true);
                }
            })
        }),
    }
}

pub fn ext_client_auth_eku() -> Ext {
    Ext {
        oid: OID_EXT_KEY_USAGE,
        critical: false,
        value: yasna::construct_der(|w| {
            w.write_sequence(|w| {
                w.next()
                    .write_oid(&ObjectIdentifier::from_slice(OID_CLIENT_AUTH))
            })
        }),
    }
}

/// A CSR object as the Go agent creates it (csr.NewCSRDriver, v1CSRControl.Create), after the
/// apiserver filled in the name and the requester: label, signer, the agent's three usages, no
/// expirationSeconds, requested by the bootstrap service account.
pub fn agent_csr(cluster: &str, request_pem: Vec<u8>) -> CertificateSigningRequest {
    CertificateSigningRequest {
        metadata: ObjectMeta {
            name: Some(format!("{cluster}-7xk2p")),
            generate_name: Some(format!("{cluster}-")),
            labels: Some(
                [(
                    ocm_api::labels::CLUSTER_NAME.to_string(),
                    cluster.to_string(),
                )]
                .into(),
            ),
            ..Default::default()
        },
        spec: CertificateSigningRequestSpec {
            request: ByteString(request_pem),
            signer_name: SIGNER.into(),
            usages: Some(AGENT_USAGES.iter().map(|u| u.to_string()).collect()),
            username: Some(BOOTSTRAP_USER.into()),
            groups: Some(vec![
                "system:serviceaccounts".into(),
                "system:serviceaccounts:open-cluster-management".into(),
                "system:authenticated".into(),
            ]),
            ..Default::default()
        },
        status: None,
    }
}

pub fn condition(type_: &str, status: &str) -> CertificateSigningRequestStatus {
    CertificateSigningRequestStatus {
        conditions: Some(vec![CertificateSigningRequestCondition {
            type_: type_.into(),
            status: status.into(),
            reason: Some("Test".into()),
            ..Default::default()
        }]),
        certificate: None,
    }
}
