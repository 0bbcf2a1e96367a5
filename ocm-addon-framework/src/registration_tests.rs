//! The default approve check: upstream's holes closed, ocm-client's request rules applied.

use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestSpec,
};
use ocm_api::addon::v1alpha1::{ManagedClusterAddOn, ManagedClusterAddOnSpec};
use ocm_api::cluster::v1::ManagedCluster;
use rcgen::KeyPair;

use crate::registration::{AddonCsr, CsrApprover, CsrRefused, DefaultCsrApprover, Registration};

/// A PKCS#10 request as the klusterlet's registration agent writes one: the organizations in one
/// multi-valued RDN, then the common name; ECDSA P-256 with SHA-256.
fn request(cn: &str, orgs: &[&str]) -> Vec<u8> {
    use rcgen::{PublicKeyData, SigningKey};
    use yasna::models::ObjectIdentifier;
    let attribute = |oid: &[u64], value: &str| {
        yasna::construct_der(|w| {
            w.write_sequence(|w| {
                w.next().write_oid(&ObjectIdentifier::from_slice(oid));
                w.next().write_utf8_string(value);
            })
        })
    };
    let key = KeyPair::generate().expect("key");
    let spki = key.subject_public_key_info();
    let info = yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_u8(0);
            w.next().write_sequence(|w| {
                w.next().write_set_of(|w| {
                    for o in orgs {
                        w.next().write_der(&attribute(&[2, 5, 4, 10], o));
                    }
                });
                w.next()
                    .write_set_of(|w| w.next().write_der(&attribute(&[2, 5, 4, 3], cn)));
            });
            w.next().write_der(&spki);
            w.next()
                .write_tagged_implicit(yasna::Tag::context(0), |w| w.write_set_of(|_| {}));
        })
    });
    let signature = key.sign(&info).expect("sign");
    let der = yasna::construct_der(|w| {
        w.write_sequence(|w| {
            w.next().write_der(&info);
            w.next().write_sequence(|w| {
                w.next()
                    .write_oid(&ObjectIdentifier::from_slice(&[1, 2, 840, 10045, 4, 3, 2]));
            });
            w.next().write_bitvec_bytes(&signature, signature.len() * 8);
        })
    });
    ::pem::encode(&::pem::Pem::new("CERTIFICATE REQUEST", der)).into_bytes()
}

fn csr(request: Vec<u8>, username: &str) -> CertificateSigningRequest {
    CertificateSigningRequest {
        spec: CertificateSigningRequestSpec {
            request: ByteString(request),
            signer_name: "kubernetes.io/kube-apiserver-client".into(),
            username: Some(username.into()),
            usages: Some(vec![
                "digital signature".into(),
                "key encipherment".into(),
                "client auth".into(),
            ]),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn check(cluster: &str, csr: &CertificateSigningRequest) -> Result<(), CsrRefused> {
    let mut mc = ManagedCluster::default();
    mc.metadata.name = Some(cluster.into());
    let mut addon = ManagedClusterAddOn::new("hello", ManagedClusterAddOnSpec::default());
    addon.metadata.namespace = Some(cluster.into());
    let expected = Registration::kube_client("agent").config_for(cluster, "hello");
    DefaultCsrApprover.check(&AddonCsr {
        cluster: &mc,
        addon: &addon,
        csr,
        expected: &expected,
    })
}

const USER1: &str = "system:open-cluster-management:cluster:cluster1:addon:hello:agent:agent";
const G1: &str = "system:open-cluster-management:cluster:cluster1:addon:hello";
const G2: &str = "system:open-cluster-management:addon:hello";
const AGENT1: &str = "system:open-cluster-management:cluster1:abcde";

#[test]
fn the_klusterlets_request_passes() {
    assert_eq!(
        check("cluster1", &csr(request(USER1, &[G1, G2]), AGENT1)),
        Ok(())
    );
}

#[test]
fn another_clusters_agent_is_refused_even_with_a_common_prefix() {
    // Upstream's bare prefix test lets cluster10's agent ask for cluster1's identity.
    let r = check(
        "cluster1",
        &csr(
            request(USER1, &[G1, G2]),
            "system:open-cluster-management:cluster10:abcde",
        ),
    );
    assert!(matches!(r, Err(CsrRefused::Requester { .. })), "{r:?}");
    let r = check(
        "cluster1",
        &csr(
            request(USER1, &[G1, G2]),
            "system:open-cluster-management:cluster1",
        ),
    );
    assert!(matches!(r, Err(CsrRefused::Requester { .. })), "{r:?}");
    let r = check(
        "cluster1",
        &csr(
            request(USER1, &[G1, G2]),
            "system:open-cluster-management:cluster1:a:b",
        ),
    );
    assert!(matches!(r, Err(CsrRefused::Requester { .. })), "{r:?}");
}

#[test]
fn a_third_organization_is_refused() {
    // Upstream accepts a third organization of any value, another cluster's group included.
    let other = "system:open-cluster-management:cluster2";
    let r = check("cluster1", &csr(request(USER1, &[G1, G2, other]), AGENT1));
    assert!(matches!(r, Err(CsrRefused::Organizations { .. })), "{r:?}");
    let r = check("cluster1", &csr(request(USER1, &[G1, G2, G2]), AGENT1));
    assert!(matches!(r, Err(CsrRefused::Organizations { .. })), "{r:?}");
    let r = check("cluster1", &csr(request(USER1, &[G1]), AGENT1));
    assert!(matches!(r, Err(CsrRefused::Organizations { .. })), "{r:?}");
}

#[test]
fn another_identity_signer_usage_or_garbage_is_refused() {
    let user2 = USER1.replace("cluster1", "cluster2");
    let r = check("cluster1", &csr(request(&user2, &[G1, G2]), AGENT1));
    assert!(matches!(r, Err(CsrRefused::CommonName { .. })), "{r:?}");

    let mut bad_signer = csr(request(USER1, &[G1, G2]), AGENT1);
    bad_signer.spec.signer_name = "example.com/other".into();
    assert!(matches!(
        check("cluster1", &bad_signer),
        Err(CsrRefused::Signer { .. })
    ));

    let mut server = csr(request(USER1, &[G1, G2]), AGENT1);
    server.spec.usages = Some(vec!["server auth".into()]);
    assert!(matches!(
        check("cluster1", &server),
        Err(CsrRefused::Rule(_))
    ));

    let garbage = csr(b"not a csr".to_vec(), AGENT1);
    assert!(matches!(
        check("cluster1", &garbage),
        Err(CsrRefused::Rule(_))
    ));

    // A request whose signature does not verify: flip a byte of the signature.
    let pem = String::from_utf8(request(USER1, &[G1, G2])).expect("utf8");
    let der = ::pem::parse(&pem).expect("pem");
    let mut bytes = der.contents().to_vec();
    let last = bytes.len() - 2;
    bytes[last] ^= 0x01;
    let tampered = ::pem::encode(&::pem::Pem::new("CERTIFICATE REQUEST", bytes));
    let r = check("cluster1", &csr(tampered.into_bytes(), AGENT1));
    assert!(matches!(r, Err(CsrRefused::Rule(_))), "{r:?}");
}
