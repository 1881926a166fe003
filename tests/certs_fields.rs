//! The CA and leaf carry the fields we promise, read back with x509-parser.

#[path = "certs_common/mod.rs"]
mod common;

use common::{now, pem_certs, Fixture};
use mcpstack::certs::KeyKind;
use time::Duration;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

fn ski<'a>(c: &'a X509Certificate<'_>) -> Option<&'a [u8]> {
    c.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0),
            _ => None,
        })
}

fn aki<'a>(c: &'a X509Certificate<'_>) -> Option<&'a [u8]> {
    c.extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => a.key_identifier.as_ref().map(|k| k.0),
            _ => None,
        })
}

fn attr(name: &x509_parser::x509::X509Name<'_>, which: &str) -> Vec<String> {
    let it: Box<dyn Iterator<Item = _>> = match which {
        "CN" => Box::new(name.iter_common_name()),
        "O" => Box::new(name.iter_organization()),
        "OU" => Box::new(name.iter_organizational_unit()),
        _ => unreachable!(),
    };
    it.map(|a| a.as_str().unwrap().to_string()).collect()
}

/// Serial: positive, non-zero, at least 64 bits (we use 128 random bits).
fn check_serial(c: &X509Certificate<'_>) {
    let raw = c.raw_serial();
    let digits: Vec<u8> = raw.iter().copied().skip_while(|b| *b == 0).collect();
    assert!(!digits.is_empty(), "serial is zero");
    assert!(raw[0] & 0x80 == 0, "serial is negative");
    let bits = digits.len() * 8 - digits[0].leading_zeros() as usize;
    assert!(bits >= 121, "serial has only {bits} bits");
    assert!(raw.len() <= 20);
}

fn check(kind: KeyKind) {
    let t0 = now();
    let fx = Fixture::new(kind);
    let out = fx.leaf(&["mcp.local", "*.apps.mcp.local", "127.0.0.1", "::1"]);
    let chain = pem_certs(&out.fullchain);
    let (_, ca) = X509Certificate::from_der(fx.ca.cert_der()).unwrap();
    let (_, leaf) = X509Certificate::from_der(&chain[0]).unwrap();

    // --- CA ---
    assert_eq!(ca.version().0, 2, "v3");
    let bc = ca
        .basic_constraints()
        .unwrap()
        .expect("CA has basic constraints");
    assert!(bc.critical);
    assert!(bc.value.ca);
    assert_eq!(bc.value.path_len_constraint, Some(0));
    let ku = ca.key_usage().unwrap().expect("CA has key usage");
    assert!(ku.critical);
    assert!(ku.value.key_cert_sign());
    assert!(ku.value.crl_sign());
    assert!(!ku.value.key_encipherment());
    assert!(ca.extended_key_usage().unwrap().is_none(), "CA has no EKU");
    let ca_ski = ski(&ca).expect("CA has a subject key identifier");
    assert!(ca_ski.len() >= 8);
    assert_eq!(ca.subject().as_raw(), ca.issuer().as_raw(), "self-issued");
    ca.verify_signature(None).expect("self-signed");
    assert_eq!(attr(ca.subject(), "O"), ["mcpstack development CA"]);
    assert_eq!(attr(ca.subject(), "OU"), ["tester@testhost"]);
    assert_eq!(attr(ca.subject(), "CN"), ["mcpstack tester@testhost"]);
    let nb = ca.validity().not_before.to_datetime();
    let na = ca.validity().not_after.to_datetime();
    assert!(nb <= t0 - Duration::minutes(59) && nb >= t0 - Duration::minutes(61));
    let life = na - nb;
    assert!(
        life >= Duration::days(3651) && life <= Duration::days(3654),
        "CA lifetime {life}"
    );
    check_serial(&ca);

    // --- leaf ---
    assert_eq!(leaf.version().0, 2);
    assert_eq!(leaf.issuer().as_raw(), ca.subject().as_raw());
    leaf.verify_signature(Some(ca.public_key()))
        .expect("signed by the CA");
    let bc = leaf
        .basic_constraints()
        .unwrap()
        .expect("leaf says CA:FALSE");
    assert!(!bc.value.ca);
    let ku = leaf.key_usage().unwrap().expect("leaf has key usage");
    assert!(ku.critical);
    assert!(ku.value.digital_signature());
    assert!(!ku.value.key_cert_sign());
    assert!(!ku.value.crl_sign());
    assert_eq!(ku.value.key_encipherment(), kind == KeyKind::Rsa);
    let eku = leaf.extended_key_usage().unwrap().expect("leaf has EKU");
    assert!(eku.value.server_auth);
    assert!(!eku.value.client_auth && !eku.value.any && eku.value.other.is_empty());
    assert!(ski(&leaf).is_some(), "leaf has a subject key identifier");
    assert_eq!(aki(&leaf), Some(ca_ski), "leaf AKI == CA SKI");
    assert_eq!(attr(leaf.subject(), "CN"), ["mcp.local"]);
    assert_eq!(
        attr(leaf.subject(), "O"),
        ["mcpstack development certificate"]
    );
    assert_eq!(attr(leaf.subject(), "OU"), ["tester@testhost"]);
    let nb = leaf.validity().not_before.to_datetime();
    let na = leaf.validity().not_after.to_datetime();
    assert!(nb <= t0 - Duration::minutes(59));
    assert!(na - nb <= Duration::days(825), "leaf lifetime {}", na - nb);
    assert!(na - nb >= Duration::days(824));
    assert_eq!(na, out.not_after);
    check_serial(&leaf);
    assert_ne!(leaf.raw_serial(), ca.raw_serial());

    let sans = &leaf
        .subject_alternative_name()
        .unwrap()
        .unwrap()
        .value
        .general_names;
    let want: Vec<GeneralName<'_>> = vec![
        GeneralName::DNSName("mcp.local"),
        GeneralName::DNSName("*.apps.mcp.local"),
        GeneralName::IPAddress(&[127, 0, 0, 1]),
        GeneralName::IPAddress(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    ];
    assert_eq!(sans, &want);

    // Keys and signature algorithms.
    let (ca_key, leaf_key, sig) = match kind {
        KeyKind::Ecdsa => ("ECDSA P-256", "ECDSA P-256", "1.2.840.10045.4.3.2"),
        KeyKind::Rsa => ("RSA 3072", "RSA 2048", "1.2.840.113549.1.1.11"),
    };
    assert_eq!(fx.ca.key_algorithm(), ca_key);
    let info = mcpstack::certs::inspect(&out.fullchain, Some(&fx.ca), now()).unwrap();
    assert_eq!(info.key_algorithm, leaf_key);
    assert_eq!(leaf.signature_algorithm.algorithm.to_id_string(), sig);
    assert_eq!(ca.signature_algorithm.algorithm.to_id_string(), sig);
}

#[test]
fn ecdsa_fields() {
    check(KeyKind::Ecdsa);
}

#[test]
fn rsa_fields() {
    check(KeyKind::Rsa);
}

#[test]
fn serials_differ_between_cas() {
    let a = Fixture::new(KeyKind::Ecdsa);
    let b = Fixture::new(KeyKind::Ecdsa);
    let (_, a) = X509Certificate::from_der(a.ca.cert_der()).unwrap();
    let (_, b) = X509Certificate::from_der(b.ca.cert_der()).unwrap();
    assert_ne!(a.raw_serial(), b.raw_serial());
}
