//! Test keys: ECDSA and Ed25519 from rcgen (ring), RSA from the `rsa` crate (ring cannot
//! generate RSA keys, nor sign with ones under 2048 bits). RSA keys are generated once per test
//! binary: generating them is slow in debug builds.

use rcgen::{PublicKeyData, SigningKey};
use rsa::pkcs1v15;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey};
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer};
use std::sync::OnceLock;

pub enum Key {
    Rcgen(Box<rcgen::KeyPair>, &'static [u64]),
    Rsa(Box<pkcs1v15::SigningKey<Sha256>>, Vec<u8>),
}

pub const OID_ECDSA_SHA256: &[u64] = &[1, 2, 840, 10045, 4, 3, 2];
pub const OID_ECDSA_SHA384: &[u64] = &[1, 2, 840, 10045, 4, 3, 3];
pub const OID_ECDSA_SHA512: &[u64] = &[1, 2, 840, 10045, 4, 3, 4];
pub const OID_ED25519: &[u64] = &[1, 3, 101, 112];
pub const OID_SHA256_RSA: &[u64] = &[1, 2, 840, 113549, 1, 1, 11];
pub const OID_SHA1_RSA: &[u64] = &[1, 2, 840, 113549, 1, 1, 5];

impl Key {
    pub fn p256() -> Key {
        Key::Rcgen(
            Box::new(rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap()),
            OID_ECDSA_SHA256,
        )
    }

    pub fn p384() -> Key {
        Key::Rcgen(
            Box::new(rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap()),
            OID_ECDSA_SHA384,
        )
    }

    pub fn ed25519() -> Key {
        Key::Rcgen(
            Box::new(rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap()),
            OID_ED25519,
        )
    }

    pub fn rsa(bits: usize) -> Key {
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, bits).unwrap();
        let spki = private
            .to_public_key()
            .to_public_key_der()
            .unwrap()
            .as_bytes()
            .to_vec();
        Key::Rsa(Box::new(pkcs1v15::SigningKey::<Sha256>::new(private)), spki)
    }

    /// RSA 2048, generated once per test binary by the `rsa` crate, signing with ring through
    /// rcgen (much faster than the `rsa` crate in debug builds).
    pub fn rsa2048() -> &'static Key {
        static K: OnceLock<Key> = OnceLock::new();
        K.get_or_init(|| {
            let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
            let pkcs8 = private.to_pkcs8_der().unwrap();
            let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", pkcs8.as_bytes()));
            let pair =
                rcgen::KeyPair::from_pem_and_sign_algo(&pem, &rcgen::PKCS_RSA_SHA256).unwrap();
            Key::Rcgen(Box::new(pair), OID_SHA256_RSA)
        })
    }

    /// RSA 1024 (too small), generated once per test binary.
    pub fn rsa1024() -> &'static Key {
        static K: OnceLock<Key> = OnceLock::new();
        K.get_or_init(|| Key::rsa(1024))
    }

    pub fn spki(&self) -> Vec<u8> {
        match self {
            Key::Rcgen(k, _) => k.subject_public_key_info(),
            Key::Rsa(_, spki) => spki.clone(),
        }
    }

    pub fn signature_oid(&self) -> &'static [u64] {
        match self {
            Key::Rcgen(_, oid) => oid,
            Key::Rsa(..) => OID_SHA256_RSA,
        }
    }

    pub fn is_rsa(&self) -> bool {
        matches!(self, Key::Rsa(..) | Key::Rcgen(_, OID_SHA256_RSA))
    }

    pub fn sign(&self, msg: &[u8]) -> Vec<u8> {
        match self {
            Key::Rcgen(k, _) => k.sign(msg).unwrap(),
            Key::Rsa(k, _) => k.sign(msg).to_vec(),
        }
    }
}
