//! A real TLS handshake: a rustls server with the files we wrote, a client
//! that trusts only the generated CA, talking over an in-memory pipe.

#[path = "certs_common/mod.rs"]
mod common;

use std::io::{Read, Write};
use std::sync::Arc;

use common::Fixture;
use mcpstack::certs::KeyKind;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};

#[derive(Debug)]
enum Side {
    Client(rustls::Error),
    // Only shown through Debug in failure messages.
    #[allow(dead_code)]
    Server(rustls::Error),
}

fn configs(
    fx: &Fixture,
    out: &mcpstack::certs::LeafOutcome,
) -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&out.fullchain)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(&out.privkey).unwrap();
    let server = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from(fx.ca.cert_der().to_vec()))
        .unwrap();
    let client = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    (Arc::new(server), Arc::new(client))
}

/// Shuttles records both ways until both sides are done handshaking.
fn pump(c: &mut ClientConnection, s: &mut ServerConnection) -> Result<(), Side> {
    for _ in 0..32 {
        let mut buf = Vec::new();
        c.write_tls(&mut buf).unwrap();
        if !buf.is_empty() {
            s.read_tls(&mut buf.as_slice()).unwrap();
            s.process_new_packets().map_err(Side::Server)?;
        }
        buf.clear();
        s.write_tls(&mut buf).unwrap();
        if !buf.is_empty() {
            c.read_tls(&mut buf.as_slice()).unwrap();
            c.process_new_packets().map_err(Side::Client)?;
        }
        if !c.is_handshaking() && !s.is_handshaking() && !c.wants_write() && !s.wants_write() {
            return Ok(());
        }
    }
    panic!("handshake did not finish");
}

fn connect(fx: &Fixture, out: &mcpstack::certs::LeafOutcome, name: &str) -> Result<(), Side> {
    let (server_cfg, client_cfg) = configs(fx, out);
    let sn = ServerName::try_from(name.to_string()).unwrap();
    let mut client = ClientConnection::new(client_cfg, sn).unwrap();
    let mut server = ServerConnection::new(server_cfg).unwrap();
    pump(&mut client, &mut server)?;

    // Application data flows both ways.
    client.writer().write_all(b"ping").unwrap();
    pump(&mut client, &mut server)?;
    let mut got = [0u8; 4];
    server.reader().read_exact(&mut got).unwrap();
    assert_eq!(&got, b"ping");
    server.writer().write_all(b"pong").unwrap();
    pump(&mut client, &mut server)?;
    client.reader().read_exact(&mut got).unwrap();
    assert_eq!(&got, b"pong");
    Ok(())
}

fn check(kind: KeyKind) {
    let fx = Fixture::new(kind);
    let out = fx.leaf(&["mcp.local", "127.0.0.1", "::1"]);
    connect(&fx, &out, "mcp.local").expect("handshake for mcp.local");
    connect(&fx, &out, "127.0.0.1").expect("handshake for the IP SAN");
    connect(&fx, &out, "::1").expect("handshake for the IPv6 SAN");

    match connect(&fx, &out, "not-in-sans.local") {
        Err(Side::Client(rustls::Error::InvalidCertificate(e))) => {
            assert!(format!("{e:?}").contains("NotValidForName"), "{e:?}")
        }
        other => panic!("expected the client to reject the name, got {other:?}"),
    }
    match connect(&fx, &out, "127.0.0.2") {
        Err(Side::Client(rustls::Error::InvalidCertificate(_))) => {}
        other => panic!("expected the client to reject the IP, got {other:?}"),
    }

    // A client trusting a different CA rejects the chain. That CA has the
    // same subject (same user@host), so the verifier finds it by name and
    // then fails on the signature.
    let other = Fixture::new(kind);
    let (server_cfg, _) = configs(&fx, &out);
    let (_, other_client_cfg) = configs(&other, &other.leaf(&["mcp.local"]));
    let mut client =
        ClientConnection::new(other_client_cfg, ServerName::try_from("mcp.local").unwrap())
            .unwrap();
    let mut server = ServerConnection::new(server_cfg).unwrap();
    match pump(&mut client, &mut server) {
        Err(Side::Client(rustls::Error::InvalidCertificate(e))) => {
            let e = format!("{e:?}");
            assert!(
                e.contains("BadSignature") || e.contains("UnknownIssuer"),
                "{e}"
            )
        }
        other => panic!("expected the chain to be rejected, got {other:?}"),
    }
}

#[test]
fn ecdsa_handshake() {
    check(KeyKind::Ecdsa);
}

#[test]
fn rsa_handshake() {
    check(KeyKind::Rsa);
}
