//! Key types: generation, loading PEM private keys, matching a key to a
//! certificate, naming a certificate's key algorithm.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256};
use x509_parser::x509::SubjectPublicKeyInfo;

use super::error::{CertError, Result};
use super::files;

/// RSA modulus size for the local CA.
pub const CA_RSA_BITS: usize = 3072;
/// RSA modulus size for leaf certificates.
pub const LEAF_RSA_BITS: usize = 2048;

/// The kind of key to generate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// ECDSA on P-256 with SHA-256 (the default: small and fast).
    #[default]
    Ecdsa,
    /// RSA: 3072 bits for the CA, 2048 bits for leaves.
    Rsa,
}

impl KeyKind {
    /// Generates a key; `rsa_bits` only matters for [`KeyKind::Rsa`].
    pub(super) fn generate(self, rsa_bits: usize) -> Result<KeyPair> {
        match self {
            KeyKind::Ecdsa => KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
                .map_err(|e| CertError::KeyGen(e.to_string())),
            KeyKind::Rsa => {
                use aws_lc_rs::encoding::AsDer;
                use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
                let size = match rsa_bits {
                    LEAF_RSA_BITS => KeySize::Rsa2048,
                    CA_RSA_BITS => KeySize::Rsa3072,
                    other => return Err(CertError::KeyGen(format!("no {other}-bit RSA keys"))),
                };
                let keygen = |_| CertError::KeyGen("RSA key generation failed".into());
                let der = RsaKeyPair::generate(size)
                    .and_then(|key| key.as_der())
                    .map_err(keygen)?;
                let der = rustls_pki_types::PrivatePkcs8KeyDer::from(der.as_ref());
                KeyPair::from_pkcs8_der_and_sign_algo(&der, &PKCS_RSA_SHA256)
                    .map_err(|e| CertError::KeyGen(e.to_string()))
            }
        }
    }
}

/// A leaf key made on another thread while the CA's key is made: a new RSA CA
/// and its first leaf are two independent key generations of hundreds of
/// milliseconds each, and the machine has more than one core.
pub struct KeyAhead {
    kind: KeyKind,
    key: std::thread::JoinHandle<Result<KeyPair>>,
}

impl KeyAhead {
    /// Starts generating a leaf key of `kind`.
    pub fn leaf(kind: KeyKind) -> KeyAhead {
        let key = std::thread::spawn(move || kind.generate(LEAF_RSA_BITS));
        KeyAhead { kind, key }
    }

    /// Waits for the key, if it is of `kind`; otherwise makes one now.
    pub(super) fn take(self, kind: KeyKind) -> Result<KeyPair> {
        if self.kind != kind {
            return kind.generate(LEAF_RSA_BITS);
        }
        self.key
            .join()
            .unwrap_or_else(|_| Err(CertError::KeyGen("key generation panicked".into())))
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::Ecdsa => "ecdsa",
            KeyKind::Rsa => "rsa",
        })
    }
}

impl FromStr for KeyKind {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "ecdsa" | "ec" | "p256" | "p-256" => Ok(KeyKind::Ecdsa),
            "rsa" => Ok(KeyKind::Rsa),
            other => Err(format!(
                "unknown key type {other:?} (expected ecdsa or rsa)"
            )),
        }
    }
}

/// Loads an unencrypted private key from a PEM file: PKCS#8
/// (`PRIVATE KEY`), PKCS#1 (`RSA PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`,
/// P-256 or P-384). Errors name the file.
pub(super) fn load_private_key(path: &Path) -> Result<KeyPair> {
    let (label, der) = files::read_private_key(path)?;
    let bad = |reason: &str| CertError::bad_key(path, reason);
    match label.as_str() {
        "PRIVATE KEY" => KeyPair::try_from(der.as_slice()).map_err(|_| {
            bad("unsupported or corrupt PKCS#8 key (supported: RSA, ECDSA P-256/P-384, Ed25519)")
        }),
        "RSA PRIVATE KEY" => {
            let pkcs8 = pkcs8_wrap(&[OID_RSA_ENCRYPTION, &[0x05, 0x00]], &der);
            KeyPair::try_from(pkcs8.as_slice()).map_err(|_| bad("corrupt RSA key"))
        }
        "EC PRIVATE KEY" => [OID_P256, OID_P384]
            .iter()
            .find_map(|curve| {
                let pkcs8 = pkcs8_wrap(&[OID_EC_PUBLIC_KEY, curve], &der);
                KeyPair::try_from(pkcs8.as_slice()).ok()
            })
            .ok_or_else(|| bad("unsupported or corrupt EC key (supported: P-256, P-384)")),
        other => Err(bad(&format!("unsupported key type '{other}'"))),
    }
}

/// Whether `key` is the private half of the public key in `spki`.
pub(super) fn key_matches(key: &KeyPair, spki: &SubjectPublicKeyInfo<'_>) -> bool {
    key.public_key_raw() == spki.subject_public_key.data.as_ref()
}

/// The [`KeyKind`] of a certificate's public key, if it is one we make.
pub(super) fn kind_of(spki: &SubjectPublicKeyInfo<'_>) -> Option<KeyKind> {
    match spki.algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.1" => Some(KeyKind::Rsa),
        "1.2.840.10045.2.1" if curve_of(spki) == Some("P-256") => Some(KeyKind::Ecdsa),
        _ => None,
    }
}

/// A human name for a certificate's key: "ECDSA P-256", "RSA 3072", ...
pub(super) fn describe(spki: &SubjectPublicKeyInfo<'_>) -> String {
    let oid = spki.algorithm.algorithm.to_id_string();
    match oid.as_str() {
        "1.2.840.113549.1.1.1" => match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
                format!("RSA {}", bit_length(rsa.modulus))
            }
            _ => "RSA (unreadable)".into(),
        },
        "1.2.840.10045.2.1" => match curve_of(spki) {
            Some(curve) => format!("ECDSA {curve}"),
            None => "ECDSA (unknown curve)".into(),
        },
        "1.3.101.112" => "Ed25519".into(),
        _ => format!("unknown ({oid})"),
    }
}

fn curve_of(spki: &SubjectPublicKeyInfo<'_>) -> Option<&'static str> {
    let params = spki.algorithm.parameters.as_ref()?;
    match params.data {
        d if d == &OID_P256[2..] => Some("P-256"),
        d if d == &OID_P384[2..] => Some("P-384"),
        d if d == &OID_P521[2..] => Some("P-521"),
        _ => None,
    }
}

fn bit_length(unsigned_be: &[u8]) -> usize {
    let digits: Vec<u8> = unsigned_be
        .iter()
        .copied()
        .skip_while(|b| *b == 0)
        .collect();
    match digits.first() {
        Some(first) => digits.len() * 8 - first.leading_zeros() as usize,
        None => 0,
    }
}

// DER encodings (tag, length, value) of the object identifiers we need.
const OID_RSA_ENCRYPTION: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];
const OID_EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23];

/// PrivateKeyInfo ::= SEQUENCE { version 0, AlgorithmIdentifier, OCTET STRING key }
fn pkcs8_wrap(alg_id_parts: &[&[u8]], inner_key: &[u8]) -> Vec<u8> {
    let alg_id = der_tlv(0x30, &alg_id_parts.concat());
    let body = [&[0x02, 0x01, 0x00][..], &alg_id, &der_tlv(0x04, inner_key)].concat();
    der_tlv(0x30, &body)
}

fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend_from_slice(&bytes);
    }
    out.extend_from_slice(content);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths() {
        assert_eq!(der_tlv(0x04, &[1, 2]), vec![0x04, 2, 1, 2]);
        let long = der_tlv(0x04, &[0u8; 300]);
        assert_eq!(&long[..4], &[0x04, 0x82, 0x01, 0x2c]);
        assert_eq!(long.len(), 304);
    }

    #[test]
    fn bit_lengths() {
        assert_eq!(bit_length(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(bit_length(&[0x01]), 1);
        assert_eq!(bit_length(&[]), 0);
    }

    #[test]
    fn key_kind_parses() {
        assert_eq!("ECDSA".parse::<KeyKind>(), Ok(KeyKind::Ecdsa));
        assert_eq!("rsa".parse::<KeyKind>(), Ok(KeyKind::Rsa));
        assert!("dsa".parse::<KeyKind>().is_err());
        assert_eq!(KeyKind::default(), KeyKind::Ecdsa);
    }
}
