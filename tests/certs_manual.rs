//! check_manual: user-supplied certificate + key.

#[path = "certs_common/mod.rs"]
mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::Fixture;
use mcpstack::certs::{check_manual, CertError, KeyKind};

fn write_pem(path: &Path, label: &str, der: &[u8]) {
    fs::write(path, pem::encode(&pem::Pem::new(label, der.to_vec()))).unwrap();
}

fn first_pem_der(path: &Path) -> Vec<u8> {
    pem::parse(fs::read(path).unwrap())
        .unwrap()
        .contents()
        .to_vec()
}

#[test]
fn matching_pair_is_ok() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let out = fx.leaf(&["mcp.example.com", "127.0.0.1"]);
    check_manual(&out.fullchain, &out.privkey, "mcp.example.com").unwrap();
    check_manual(&out.fullchain, &out.privkey, "MCP.Example.com.").unwrap();
    check_manual(&out.fullchain, &out.privkey, "127.0.0.1").unwrap();
}

#[test]
fn mismatched_key_names_the_key_file() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let a = fx.leaf(&["mcp.example.com"]);
    let other_dir = fx.tmp.path().join("other");
    let b = mcpstack::certs::ensure_leaf(
        &fx.ca,
        &other_dir,
        &common::names(&["mcp.example.com"]),
        KeyKind::Ecdsa,
        false,
        common::now(),
    )
    .unwrap();
    let err = check_manual(&a.fullchain, &b.privkey, "mcp.example.com").unwrap_err();
    match &err {
        CertError::KeyMismatch { cert, key } => {
            assert_eq!(cert, &a.fullchain);
            assert_eq!(key, &b.privkey);
        }
        other => panic!("{other}"),
    }
    assert!(err
        .to_string()
        .starts_with(&b.privkey.display().to_string()));
    assert!(err.to_string().contains("does not match"));
}

#[test]
fn domain_not_covered_names_the_cert_file() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let out = fx.leaf(&["mcp.example.com"]);
    let err = check_manual(&out.fullchain, &out.privkey, "www.example.com").unwrap_err();
    match &err {
        CertError::NameNotCovered {
            path,
            domain,
            covered,
        } => {
            assert_eq!(path, &out.fullchain);
            assert_eq!(domain, "www.example.com");
            assert_eq!(covered, "mcp.example.com");
        }
        other => panic!("{other}"),
    }
    assert!(err.help().is_some());
}

#[test]
fn wildcard_coverage() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let out = fx.leaf(&["*.example.com"]);
    check_manual(&out.fullchain, &out.privkey, "mcp.example.com").unwrap();
    check_manual(&out.fullchain, &out.privkey, "api.EXAMPLE.com").unwrap();
    for not in ["example.com", "a.b.example.com", "example.org"] {
        let err = check_manual(&out.fullchain, &out.privkey, not).unwrap_err();
        assert!(
            matches!(err, CertError::NameNotCovered { .. }),
            "{not}: {err}"
        );
    }
}

#[test]
fn missing_and_garbage_files_name_the_file() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let out = fx.leaf(&["mcp.example.com"]);
    let nope = fx.tmp.path().join("nope.pem");
    let err = check_manual(&nope, &out.privkey, "mcp.example.com").unwrap_err();
    assert!(
        matches!(&err, CertError::NotFound { path } if path == &nope),
        "{err}"
    );
    let err = check_manual(&out.fullchain, &nope, "mcp.example.com").unwrap_err();
    assert!(
        matches!(&err, CertError::NotFound { path } if path == &nope),
        "{err}"
    );

    let garbage = fx.tmp.path().join("garbage.pem");
    fs::write(&garbage, "hello").unwrap();
    let err = check_manual(&garbage, &out.privkey, "mcp.example.com").unwrap_err();
    assert!(
        matches!(&err, CertError::BadCert { path, .. } if path == &garbage),
        "{err}"
    );
    let err = check_manual(&out.fullchain, &garbage, "mcp.example.com").unwrap_err();
    assert!(
        matches!(&err, CertError::BadKey { path, .. } if path == &garbage),
        "{err}"
    );

    // A key file given as the certificate, and the other way round.
    let err = check_manual(&out.privkey, &out.privkey, "mcp.example.com").unwrap_err();
    assert!(matches!(err, CertError::BadCert { .. }), "{err}");
    let err = check_manual(&out.fullchain, &out.fullchain, "mcp.example.com").unwrap_err();
    assert!(matches!(err, CertError::BadKey { .. }), "{err}");

    let encrypted = fx.tmp.path().join("enc.pem");
    write_pem(&encrypted, "ENCRYPTED PRIVATE KEY", &[0x30, 0x00]);
    let err = check_manual(&out.fullchain, &encrypted, "mcp.example.com").unwrap_err();
    assert!(err.to_string().contains("encrypted"), "{err}");
}

#[test]
fn key_of_a_later_certificate_means_wrong_order() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let out = fx.leaf(&["mcp.example.com"]);
    let err = check_manual(&out.fullchain, &fx.ca.key_path(), "mcp.example.com").unwrap_err();
    assert!(
        matches!(err, CertError::ChainOrder { position: 2, .. }),
        "{err}"
    );
}

#[test]
fn pkcs1_rsa_and_sec1_ec_keys_are_understood() {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::pkcs8::DecodePrivateKey;

    let rsa_fx = Fixture::new(KeyKind::Rsa);
    let out = rsa_fx.leaf(&["mcp.example.com"]);
    let key =
        rsa::RsaPrivateKey::from_pkcs8_pem(&fs::read_to_string(&out.privkey).unwrap()).unwrap();
    let pkcs1: PathBuf = rsa_fx.tmp.path().join("pkcs1.pem");
    fs::write(
        &pkcs1,
        key.to_pkcs1_pem(rsa::pkcs8::LineEnding::LF)
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    assert!(fs::read_to_string(&pkcs1)
        .unwrap()
        .starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    check_manual(&out.fullchain, &pkcs1, "mcp.example.com").unwrap();

    let ec_fx = Fixture::new(KeyKind::Ecdsa);
    let out = ec_fx.leaf(&["mcp.example.com"]);
    let pkcs8 = first_pem_der(&out.privkey);
    let (_, obj) = x509_parser::der_parser::parse_der(&pkcs8).unwrap();
    let sec1 = obj.as_sequence().unwrap()[2].as_slice().unwrap().to_vec();
    let sec1_path = ec_fx.tmp.path().join("sec1.pem");
    write_pem(&sec1_path, "EC PRIVATE KEY", &sec1);
    check_manual(&out.fullchain, &sec1_path, "mcp.example.com").unwrap();

    // And the RSA key against the EC certificate does not match.
    let err = check_manual(&out.fullchain, &pkcs1, "mcp.example.com").unwrap_err();
    assert!(matches!(err, CertError::KeyMismatch { .. }), "{err}");
}
