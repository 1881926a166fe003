//! The chain verifies with an independent verifier (rustls-webpki), with
//! the generated CA as the only trust anchor.

#[path = "certs_common/mod.rs"]
mod common;

use std::time::Duration;

use common::{now, pem_certs, Fixture};
use mcpstack::certs::KeyKind;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use webpki::{anchor_from_trusted_cert, EndEntityCert, KeyUsage};

const SANS: &[&str] = &[
    "mcp.local",
    "localhost",
    "*.apps.mcp.local",
    "127.0.0.1",
    "::1",
];

fn unix_now() -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(now().unix_timestamp() as u64))
}

fn check(kind: KeyKind) {
    let fx = Fixture::new(kind);
    let out = fx.leaf(SANS);
    let chain = pem_certs(&out.fullchain);
    assert_eq!(chain.len(), 2, "fullchain = leaf + CA");
    assert_eq!(chain[1], fx.ca.cert_der(), "second certificate is the CA");

    let ca_der = CertificateDer::from(fx.ca.cert_der().to_vec());
    let anchors = [anchor_from_trusted_cert(&ca_der).unwrap()];
    let leaf_der = CertificateDer::from(chain[0].clone());
    let leaf = EndEntityCert::try_from(&leaf_der).unwrap();
    leaf.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &[],
        unix_now(),
        KeyUsage::server_auth(),
        None,
        None,
    )
    .expect("chain verifies for serverAuth");

    // Not for client authentication: the EKU says serverAuth only.
    assert!(leaf
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &anchors,
            &[],
            unix_now(),
            KeyUsage::client_auth(),
            None,
            None,
        )
        .is_err());

    for name in [
        "mcp.local",
        "localhost",
        "x.apps.mcp.local",
        "127.0.0.1",
        "::1",
    ] {
        let sn = ServerName::try_from(name).unwrap();
        leaf.verify_is_valid_for_subject_name(&sn)
            .unwrap_or_else(|e| panic!("{kind:?}: {name} should be valid: {e:?}"));
    }
    for name in [
        "other.local",
        "mcp.local.evil.com",
        "apps.mcp.local",
        "a.b.apps.mcp.local",
        "127.0.0.2",
        "::2",
    ] {
        let sn = ServerName::try_from(name).unwrap();
        assert!(
            leaf.verify_is_valid_for_subject_name(&sn).is_err(),
            "{kind:?}: {name} must not be valid"
        );
    }

    // A different CA (even with the same subject) is not a trust anchor for it.
    let other = Fixture::new(kind);
    let other_der = CertificateDer::from(other.ca.cert_der().to_vec());
    let other_anchor = [anchor_from_trusted_cert(&other_der).unwrap()];
    assert!(leaf
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &other_anchor,
            &[],
            unix_now(),
            KeyUsage::server_auth(),
            None,
            None,
        )
        .is_err());
}

#[test]
fn ecdsa_chain_verifies_with_webpki() {
    check(KeyKind::Ecdsa);
}

#[test]
fn rsa_chain_verifies_with_webpki() {
    check(KeyKind::Rsa);
}
