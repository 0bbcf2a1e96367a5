//! One CSR per way of breaking each rule, with the rule that must refuse it.

use super::*;
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use ocm_api::labels;
use ocm_client::registration::CsrRule;

fn valid(key: &Key, request: Request) -> CertificateSigningRequest {
    agent_csr("c1", request.pem(key))
}

/// Every case: a name, the CSR, the rule that must refuse it.
pub fn cases() -> Vec<(&'static str, CertificateSigningRequest, CsrRule)> {
    let key = Key::p256();
    let other = Key::p256();
    let ok = || Request::agent("c1", "a");
    let base = |r: Request| valid(&key, r);
    let with = |f: &dyn Fn(&mut CertificateSigningRequest)| {
        let mut csr = base(ok());
        f(&mut csr);
        csr
    };
    let good_pem = ok().pem(&key);
    let text = String::from_utf8(good_pem.clone()).unwrap();
    let der = ok().der(&key);
    let o = |c: &str| format!("{PREFIX}{c}");
    let mut c = vec![
        (
            "no cluster label",
            with(&|c| c.metadata.labels = None),
            CsrRule::ClusterLabel,
        ),
        (
            "empty cluster label",
            with(&|c| {
                c.metadata.labels = Some([(labels::CLUSTER_NAME.into(), String::new())].into())
            }),
            CsrRule::ClusterLabel,
        ),
        (
            "addon label",
            with(&|c| {
                c.metadata
                    .labels
                    .as_mut()
                    .unwrap()
                    .insert(labels::ADDON_NAME.into(), "my-addon".into());
            }),
            CsrRule::AddonLabel,
        ),
        (
            "kubelet serving signer",
            with(&|c| c.spec.signer_name = "kubernetes.io/kubelet-serving".into()),
            CsrRule::Signer,
        ),
        (
            "approved",
            with(&|c| c.status = Some(condition("Approved", "True"))),
            CsrRule::Terminal,
        ),
        (
            "denied false",
            with(&|c| c.status = Some(condition("Denied", "False"))),
            CsrRule::Terminal,
        ),
        (
            "failed only",
            with(&|c| c.status = Some(condition("Failed", "True"))),
            CsrRule::Failed,
        ),
        (
            "certificate issued",
            with(&|c| {
                let mut s = condition("Other", "True");
                s.certificate = Some(ByteString(b"cert".to_vec()));
                c.status = Some(s);
            }),
            CsrRule::CertificateIssued,
        ),
        (
            "no client auth usage",
            with(&|c| {
                c.spec.usages = Some(vec!["digital signature".into(), "key encipherment".into()])
            }),
            CsrRule::Usages,
        ),
        (
            "no usages",
            with(&|c| c.spec.usages = None),
            CsrRule::Usages,
        ),
        (
            "server auth usage",
            with(&|c| c.spec.usages = Some(vec!["client auth".into(), "server auth".into()])),
            CsrRule::Usages,
        ),
        (
            "duplicate usage",
            with(&|c| c.spec.usages = Some(vec!["client auth".into(), "client auth".into()])),
            CsrRule::Usages,
        ),
        (
            "expiration 600",
            with(&|c| c.spec.expiration_seconds = Some(600)),
            CsrRule::ExpirationSeconds,
        ),
        (
            "expiration two years",
            with(&|c| c.spec.expiration_seconds = Some(2 * 365 * 24 * 3600)),
            CsrRule::ExpirationSeconds,
        ),
        (
            "empty request",
            with(&|c| c.spec.request = ByteString(vec![])),
            CsrRule::Pem,
        ),
        (
            "DER, not PEM",
            with(&|c| c.spec.request = ByteString(der.clone())),
            CsrRule::Pem,
        ),
        (
            "a CERTIFICATE block",
            with(&|c| c.spec.request = ByteString(pem_block("CERTIFICATE", &der))),
            CsrRule::Pem,
        ),
        (
            "a second block (another cluster's request)",
            with(&|c| {
                let mut two = good_pem.clone();
                two.extend(Request::agent("c2", "a").pem(&other));
                c.spec.request = ByteString(two);
            }),
            CsrRule::PemStrict,
        ),
        (
            "text before the block",
            with(&|c| c.spec.request = ByteString(format!("hello\n{text}").into_bytes())),
            CsrRule::PemStrict,
        ),
        (
            "a dash too many on the BEGIN line",
            with(&|c| {
                let t = text.replacen("REQUEST-----", "REQUEST------", 1);
                c.spec.request = ByteString(t.into_bytes());
            }),
            CsrRule::PemStrict,
        ),
        (
            "text after the block",
            with(&|c| c.spec.request = ByteString(format!("{text}trailer\n").into_bytes())),
            CsrRule::PemStrict,
        ),
        (
            "PEM headers",
            with(&|c| {
                let h = text.replacen("-----\n", "-----\nProc-Type: 4,ENCRYPTED\n\n", 1);
                c.spec.request = ByteString(h.into_bytes());
            }),
            CsrRule::PemStrict,
        ),
        (
            "PEM of garbage",
            with(&|c| c.spec.request = ByteString(pem_block("CERTIFICATE REQUEST", b"not der"))),
            CsrRule::Pkcs10,
        ),
        (
            "trailing DER data",
            with(&|c| {
                let mut d = der.clone();
                d.extend([0, 0]);
                c.spec.request = ByteString(pem_block("CERTIFICATE REQUEST", &d));
            }),
            CsrRule::Pkcs10,
        ),
        (
            "an APPLICATION-class tag where the signature algorithm's OID goes",
            with(&|c| {
                // x509-parser reads [APPLICATION 6] as an OID; Go's encoding/asn1 does not.
                let alg = [
                    0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
                ];
                let mut d = der.clone();
                let at = d.windows(alg.len()).rposition(|w| w == alg).unwrap();
                d[at + 2] = 0x46;
                c.spec.request = ByteString(pem_block("CERTIFICATE REQUEST", &d));
            }),
            CsrRule::DerStrict,
        ),
        (
            "the common name's type tagged as an ObjectDescriptor, signed",
            base(ok().patch(CN_TYPE_DER, CN_TYPE_AS_OBJECT_DESCRIPTOR)),
            CsrRule::DerStrict,
        ),
        (
            "the common name's type tagged [APPLICATION 6], signed",
            base(ok().patch(CN_TYPE_DER, CN_TYPE_AS_APPLICATION_6)),
            CsrRule::DerStrict,
        ),
        (
            "version 1",
            base(Request { version: 1, ..ok() }),
            CsrRule::Version,
        ),
        (
            "ecdsa-with-SHA512",
            base(Request {
                signature_oid: Some(keys::OID_ECDSA_SHA512),
                ..ok()
            }),
            CsrRule::SignatureAlgorithm,
        ),
        (
            "sha1WithRSA",
            agent_csr(
                "c1",
                Request {
                    signature_oid: Some(keys::OID_SHA1_RSA),
                    ..ok()
                }
                .pem(Key::rsa2048()),
            ),
            CsrRule::SignatureAlgorithm,
        ),
        (
            "RSA 1024",
            agent_csr("c1", ok().pem(Key::rsa1024())),
            CsrRule::PublicKey,
        ),
        (
            "a flipped signature byte",
            with(&|c| {
                let mut d = der.clone();
                let n = d.len();
                d[n - 5] ^= 0x01;
                c.spec.request = ByteString(pem_block("CERTIFICATE REQUEST", &d));
            }),
            CsrRule::Signature,
        ),
        (
            "signed for another subject",
            with(&|c| {
                let d = ok().der_signed_over(&key, &Request::agent("c2", "a"));
                c.spec.request = ByteString(pem_block("CERTIFICATE REQUEST", &d));
            }),
            CsrRule::Signature,
        ),
        (
            "an organizational unit",
            base(ok().push_rdn(vec![atv(OID_OU, "ops")])),
            CsrRule::SubjectAttributes,
        ),
        (
            "two common names (Go keeps the last)",
            base(ok().push_rdn(vec![atv(OID_CN, o("c1:b"))])),
            CsrRule::SubjectAttributes,
        ),
        (
            "an IA5String organization",
            {
                let mut r = ok();
                r.subject[0][0].enc = Str::Ia5;
                base(r)
            },
            CsrRule::SubjectAttributes,
        ),
        (
            "a DNS SAN",
            base(ok().extension(ext_san_dns("c1.example.com"))),
            CsrRule::SubjectAltNames,
        ),
        (
            "basicConstraints CA",
            base(ok().extension(ext_basic_constraints(true))),
            CsrRule::CaRequested,
        ),
        (
            "basicConstraints not CA",
            base(ok().extension(ext_basic_constraints(false))),
            CsrRule::RequestedExtension,
        ),
        (
            "client auth EKU",
            base(ok().extension(ext_client_auth_eku())),
            CsrRule::RequestedExtension,
        ),
        (
            "challengePassword",
            base(Request {
                challenge_password: Some("secret".into()),
                ..ok()
            }),
            CsrRule::RequestAttribute,
        ),
        (
            "no common name",
            base(ok().organizations(&[&o("c1")]).common_name_removed()),
            CsrRule::CommonName,
        ),
        (
            "common name without agent",
            base(ok().common_name(&o("c1"))),
            CsrRule::CommonName,
        ),
        (
            "empty agent",
            base(ok().common_name(&o("c1:"))),
            CsrRule::CommonName,
        ),
        (
            "extra colon",
            base(ok().common_name(&o("c1:a:b"))),
            CsrRule::CommonName,
        ),
        (
            "no prefix",
            base(ok().common_name("c1:a")),
            CsrRule::CommonName,
        ),
        (
            "a CSR for cluster A labelled B",
            agent_csr("c2", ok().pem(&key)),
            CsrRule::ClusterName,
        ),
        (
            "an extra organization",
            base(ok().organizations(&[&o("c1"), MANAGED_CLUSTERS, "system:masters"])),
            CsrRule::Organizations,
        ),
        (
            "another cluster's organization",
            base(ok().organizations(&[&o("c2"), MANAGED_CLUSTERS])),
            CsrRule::Organizations,
        ),
        (
            "only the common group",
            base(ok().organizations(&[MANAGED_CLUSTERS])),
            CsrRule::Organizations,
        ),
        (
            "a repeated organization",
            base(ok().organizations(&[&o("c1"), &o("c1"), MANAGED_CLUSTERS])),
            CsrRule::DuplicateOrganization,
        ),
        (
            "requested by someone else",
            with(&|c| c.spec.username = Some("system:serviceaccount:default:builder".into())),
            CsrRule::Requester,
        ),
        (
            "renewal by another agent of the cluster",
            with(&|c| c.spec.username = Some(o("c1:b"))),
            CsrRule::Requester,
        ),
        (
            "no requester",
            with(&|c| c.spec.username = None),
            CsrRule::Requester,
        ),
    ];
    c.sort_by_key(|(_, _, rule)| *rule);
    c
}
