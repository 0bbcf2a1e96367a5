//! Bad input never panics and a tampered request is never approved: random bytes, random PEM
//! bodies, and every kind of single-byte damage to a valid request's DER.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod csr_support;

use csr_support::*;
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::CertificateSigningRequest;
use ocm_client::registration::check_csr;
use proptest::prelude::*;
use std::sync::OnceLock;

/// Valid requests (DER) with different keys and subject layouts, made once.
fn valid_ders() -> &'static [Vec<u8>] {
    static D: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    D.get_or_init(|| {
        let mut ders = vec![
            Request::agent("c1", "a").der(&Key::p256()),
            Request::separate_rdns("c1", "a").der(&Key::ed25519()),
            Request::agent("c1", "a").der(&Key::p384()),
        ];
        if std::env::var_os("OCM_CLIENT_CSR_PROPTEST_RSA").is_some() {
            ders.push(Request::agent("c1", "a").der(&Key::rsa(2048)));
        }
        for d in &ders {
            check_csr(&with_request(pem_block("CERTIFICATE REQUEST", d))).unwrap();
        }
        ders
    })
}

fn with_request(request: Vec<u8>) -> CertificateSigningRequest {
    let mut csr = agent_csr("c1", Vec::new());
    csr.spec.request = ByteString(request);
    csr
}

#[derive(Debug, Clone)]
enum Damage {
    Xor(usize, u8),
    Delete(usize),
    Insert(usize, u8),
    Truncate(usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        4 => (any::<usize>(), 1..=255u8).prop_map(|(i, x)| Damage::Xor(i, x)),
        1 => any::<usize>().prop_map(Damage::Delete),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Damage::Insert(i, b)),
        1 => any::<usize>().prop_map(Damage::Truncate),
    ]
}

fn apply(der: &[u8], d: &Damage) -> Vec<u8> {
    let mut out = der.to_vec();
    let n = der.len();
    match *d {
        Damage::Xor(i, x) => out[i % n] ^= x,
        Damage::Delete(i) => {
            out.remove(i % n);
        }
        Damage::Insert(i, b) => out.insert(i % (n + 1), b),
        Damage::Truncate(i) => out.truncate(i % n),
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(check_csr(&with_request(bytes)).is_err());
    }

    #[test]
    fn random_pem_bodies_are_refused(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        prop_assert!(check_csr(&with_request(pem_block("CERTIFICATE REQUEST", &bytes))).is_err());
    }

    /// Any change to the signed request (content, signature, algorithm, framing) is refused.
    #[test]
    fn damaged_requests_are_refused(which in 0..3usize, d in damage()) {
        let ders = valid_ders();
        let der = &ders[which % ders.len()];
        let bad = apply(der, &d);
        prop_assume!(&bad != der);
        let result = check_csr(&with_request(pem_block("CERTIFICATE REQUEST", &bad)));
        prop_assert!(result.is_err(), "{d:?} was approved: {result:?}");
    }

    /// Damage to the PEM text is refused unless it leaves the same DER (whitespace only).
    #[test]
    fn damaged_pem_text_is_refused_or_harmless(
        pos in any::<usize>(),
        c in prop::sample::select(vec![' ', '\n', '\r', '\t', 'A', '/', '+', '=', '-', 'x', '\0']),
        replace in any::<bool>(),
    ) {
        let der = &valid_ders()[0];
        let mut text: Vec<char> = String::from_utf8(pem_block("CERTIFICATE REQUEST", der)).unwrap().chars().collect();
        let i = pos % text.len();
        if replace { text[i] = c } else { text.insert(i, c) }
        let text: String = text.into_iter().collect();
        if check_csr(&with_request(text.clone().into_bytes())).is_ok() {
            let squash = |s: &str| s.chars().filter(|c| !c.is_ascii_whitespace()).collect::<String>();
            let original = String::from_utf8(pem_block("CERTIFICATE REQUEST", der)).unwrap();
            prop_assert_eq!(squash(&text), squash(&original));
        }
    }

    /// Arbitrary object fields around a valid request never panic, and whatever passes names
    /// the label's cluster.
    #[test]
    fn arbitrary_object_fields_never_panic(
        label in proptest::option::of("[a-z0-9:-]{0,12}"),
        user in proptest::option::of(".{0,40}"),
        signer in ".{0,40}",
        usages in proptest::option::of(proptest::collection::vec(".{0,20}", 0..4)),
        expiration in proptest::option::of(any::<i32>()),
        cond in proptest::option::of(("[A-Za-z]{0,10}", "[A-Za-z]{0,6}")),
    ) {
        let der = &valid_ders()[0];
        let mut csr = with_request(pem_block("CERTIFICATE REQUEST", der));
        csr.metadata.labels = label.clone().map(|l| [(ocm_api::labels::CLUSTER_NAME.to_string(), l)].into());
        csr.spec.username = user;
        csr.spec.signer_name = signer;
        csr.spec.usages = usages;
        csr.spec.expiration_seconds = expiration;
        csr.status = cond.map(|(t, s)| condition(&t, &s));
        if let Ok(id) = check_csr(&csr) {
            prop_assert_eq!(Some(id.cluster_name), label);
        }
    }
}
