//! Making the CA once, keeping and reissuing leaves, refusing bad CA files,
//! file modes.

#[path = "certs_common/mod.rs"]
mod common;

use std::fs;
use std::path::Path;

use common::{env, mode, names, now, Fixture};
use mcpstack::certs::{
    ensure_leaf, CertError, IssueReason, KeyKind, LeafAction, LocalCa, CA_CERT_FILE, CA_KEY_FILE,
    FULLCHAIN_FILE, PRIVKEY_FILE,
};
use time::Duration;

fn bytes(p: &Path) -> Vec<u8> {
    fs::read(p).unwrap()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn ca_is_made_once_and_reused() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let dir = fx.ca.dir().to_path_buf();
    let cert = bytes(&dir.join(CA_CERT_FILE));
    let key = bytes(&dir.join(CA_KEY_FILE));
    let (again, created) = LocalCa::load_or_create_with(&dir, KeyKind::Rsa, &env(), now()).unwrap();
    assert!(!created);
    assert_eq!(again.cert_der(), fx.ca.cert_der());
    assert_eq!(
        again.key_algorithm(),
        "ECDSA P-256",
        "kind only applies when creating"
    );
    assert_eq!(bytes(&dir.join(CA_CERT_FILE)), cert);
    assert_eq!(bytes(&dir.join(CA_KEY_FILE)), key);
    assert_eq!(
        listing(&dir),
        [CA_KEY_FILE, CA_CERT_FILE],
        "no temporary files left"
    );
}

#[test]
fn modes() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    assert_eq!(mode(fx.ca.dir()), 0o700);
    assert_eq!(mode(&fx.ca.key_path()), 0o600);
    assert_eq!(mode(&fx.ca.cert_path()), 0o644);
    let out = fx.leaf(&["mcp.local"]);
    assert_eq!(mode(&out.privkey), 0o600);
    assert_eq!(mode(&out.fullchain), 0o644);
    assert_eq!(listing(&fx.out()), [FULLCHAIN_FILE, PRIVKEY_FILE]);
    // Still so after a reissue.
    let out = ensure_leaf(
        &fx.ca,
        &fx.out(),
        &names(&["mcp.local"]),
        fx.kind,
        true,
        now(),
    )
    .unwrap();
    assert_eq!(mode(&out.privkey), 0o600);
    assert_eq!(mode(&out.fullchain), 0o644);
    assert_eq!(listing(&fx.out()), [FULLCHAIN_FILE, PRIVKEY_FILE]);
}

#[test]
fn leaf_is_kept_then_reissued_when_needed() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let first = fx.leaf(&["mcp.local", "127.0.0.1"]);
    assert_eq!(first.action, LeafAction::Issued(IssueReason::Missing));
    let chain = bytes(&first.fullchain);
    let key = bytes(&first.privkey);

    // Same names, any order or spelling: kept, files untouched.
    let again = fx.leaf(&["127.0.0.1", "MCP.local"]);
    assert_eq!(again.action, LeafAction::Kept);
    assert_eq!(again.not_after, first.not_after);
    assert_eq!(bytes(&first.fullchain), chain);
    assert_eq!(bytes(&first.privkey), key);

    // Names changed.
    let changed = fx.leaf(&["mcp.local", "127.0.0.1", "::1"]);
    match &changed.action {
        LeafAction::Issued(IssueReason::NamesChanged { was }) => assert_eq!(was.len(), 2),
        other => panic!("{other:?}"),
    }
    assert_ne!(bytes(&first.fullchain), chain);
    assert_ne!(bytes(&first.privkey), key);

    // Forced renewal.
    let chain = bytes(&first.fullchain);
    let renewed = ensure_leaf(
        &fx.ca,
        &fx.out(),
        &names(&["mcp.local", "127.0.0.1", "::1"]),
        fx.kind,
        true,
        now(),
    )
    .unwrap();
    assert_eq!(renewed.action, LeafAction::Issued(IssueReason::Forced));
    assert_ne!(bytes(&first.fullchain), chain);
}

#[test]
fn leaf_close_to_expiry_is_reissued() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let list = names(&["mcp.local"]);
    let t0 = now();
    let first = ensure_leaf(&fx.ca, &fx.out(), &list, fx.kind, false, t0).unwrap();
    let chain = bytes(&first.fullchain);

    // 31 days before expiry: kept.
    let later = first.not_after - Duration::days(31);
    let kept = ensure_leaf(&fx.ca, &fx.out(), &list, fx.kind, false, later).unwrap();
    assert_eq!(kept.action, LeafAction::Kept);
    assert_eq!(bytes(&first.fullchain), chain);

    // 29 days before expiry: reissued, valid from then on.
    let later = first.not_after - Duration::days(29);
    let re = ensure_leaf(&fx.ca, &fx.out(), &list, fx.kind, false, later).unwrap();
    assert_eq!(
        re.action,
        LeafAction::Issued(IssueReason::ExpiresSoon {
            not_after: first.not_after
        })
    );
    assert!(re.not_after > first.not_after);
    assert_ne!(bytes(&first.fullchain), chain);
    let info = mcpstack::certs::inspect(&re.fullchain, Some(&fx.ca), later).unwrap();
    assert!(info.days_left >= 824);
}

#[test]
fn leaf_from_another_ca_or_with_a_foreign_key_is_reissued() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    fx.leaf(&["mcp.local"]);

    let other = Fixture::new(KeyKind::Ecdsa);
    let out = ensure_leaf(
        &other.ca,
        &fx.out(),
        &names(&["mcp.local"]),
        fx.kind,
        false,
        now(),
    )
    .unwrap();
    assert_eq!(out.action, LeafAction::Issued(IssueReason::OtherCa));

    // privkey.pem replaced by some other key.
    let stray = other.leaf(&["mcp.local"]);
    fs::copy(&stray.privkey, fx.out().join(PRIVKEY_FILE)).unwrap();
    let out = ensure_leaf(
        &other.ca,
        &fx.out(),
        &names(&["mcp.local"]),
        fx.kind,
        false,
        now(),
    )
    .unwrap();
    assert_eq!(out.action, LeafAction::Issued(IssueReason::KeyMismatch));

    // Garbage certificate.
    fs::write(fx.out().join(FULLCHAIN_FILE), "garbage").unwrap();
    let out = ensure_leaf(
        &other.ca,
        &fx.out(),
        &names(&["mcp.local"]),
        fx.kind,
        false,
        now(),
    )
    .unwrap();
    assert!(matches!(
        out.action,
        LeafAction::Issued(IssueReason::Unreadable(_))
    ));

    // Key type changed.
    let out = ensure_leaf(
        &other.ca,
        &fx.out(),
        &names(&["mcp.local"]),
        KeyKind::Rsa,
        false,
        now(),
    )
    .unwrap();
    assert!(matches!(
        out.action,
        LeafAction::Issued(IssueReason::KeyKindChanged { .. })
    ));
    let info = mcpstack::certs::inspect(&out.fullchain, Some(&other.ca), now()).unwrap();
    assert_eq!(info.key_algorithm, "RSA 2048");
}

#[test]
fn wildcard_under_tld_warns_and_bad_names_fail() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let out = fx.leaf(&["*.local", "mcp.local"]);
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    let out = fx.leaf(&["*.mcp.local"]);
    assert!(out.warnings.is_empty());
    let err =
        ensure_leaf(&fx.ca, &fx.out(), &names(&["a.*.b"]), fx.kind, false, now()).unwrap_err();
    assert!(matches!(err, CertError::InvalidName { .. }), "{err}");
    assert!(err.help().is_some());
    let err = ensure_leaf(&fx.ca, &fx.out(), &[], fx.kind, false, now()).unwrap_err();
    assert!(matches!(err, CertError::NoNames));
}

#[test]
fn corrupt_ca_key_is_an_error_naming_the_file_and_nothing_is_overwritten() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let dir = fx.ca.dir().to_path_buf();
    let key_path = dir.join(CA_KEY_FILE);
    let cert = bytes(&dir.join(CA_CERT_FILE));
    fs::write(
        &key_path,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let garbage = bytes(&key_path);

    let err = LocalCa::load_or_create_with(&dir, KeyKind::Ecdsa, &env(), now()).unwrap_err();
    assert!(
        matches!(&err, CertError::BadKey { path, .. } if path == &key_path),
        "{err}"
    );
    assert!(
        err.to_string().contains(&key_path.display().to_string()),
        "{err}"
    );
    assert!(err.help().is_some());
    assert_eq!(bytes(&key_path), garbage);
    assert_eq!(bytes(&dir.join(CA_CERT_FILE)), cert);

    // Not PEM at all.
    fs::write(&key_path, "not a key").unwrap();
    let err = LocalCa::load_or_create_with(&dir, KeyKind::Ecdsa, &env(), now()).unwrap_err();
    assert!(
        matches!(&err, CertError::BadKey { path, .. } if path == &key_path),
        "{err}"
    );
    assert_eq!(bytes(&key_path), b"not a key");
}

#[test]
fn corrupt_ca_cert_is_an_error_naming_the_file() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let cert_path = fx.ca.cert_path();
    fs::write(
        &cert_path,
        "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let err = LocalCa::load_or_create_with(fx.ca.dir(), KeyKind::Ecdsa, &env(), now()).unwrap_err();
    assert!(
        matches!(&err, CertError::BadCert { path, .. } if path == &cert_path),
        "{err}"
    );
    assert!(err.to_string().contains(&cert_path.display().to_string()));
}

#[test]
fn ca_cert_with_another_cas_key_does_not_match() {
    let a = Fixture::new(KeyKind::Ecdsa);
    let b = Fixture::new(KeyKind::Ecdsa);
    fs::copy(b.ca.key_path(), a.ca.key_path()).unwrap();
    let err = LocalCa::load_or_create_with(a.ca.dir(), KeyKind::Ecdsa, &env(), now()).unwrap_err();
    assert!(matches!(err, CertError::KeyMismatch { .. }), "{err}");
    assert!(err.to_string().contains("does not match"), "{err}");
    assert!(err.to_string().contains(CA_KEY_FILE));
    assert_eq!(
        bytes(&a.ca.key_path()),
        bytes(&b.ca.key_path()),
        "left as it was"
    );
}

#[test]
fn a_leaf_is_not_accepted_as_ca() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let out = fx.leaf(&["mcp.local"]);
    let dir = fx.tmp.path().join("fake-ca");
    fs::create_dir(&dir).unwrap();
    fs::copy(&out.fullchain, dir.join(CA_CERT_FILE)).unwrap();
    fs::copy(&out.privkey, dir.join(CA_KEY_FILE)).unwrap();
    let err = LocalCa::load_or_create_with(&dir, KeyKind::Ecdsa, &env(), now()).unwrap_err();
    assert!(matches!(err, CertError::NotCa { .. }), "{err}");
    assert!(err.to_string().contains(CA_CERT_FILE));
}

#[test]
fn half_a_ca_is_an_error_and_nothing_is_created() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let dir = fx.tmp.path().join("half");
    fs::create_dir(&dir).unwrap();
    fs::copy(fx.ca.cert_path(), dir.join(CA_CERT_FILE)).unwrap();
    let err = LocalCa::load_or_create_with(&dir, KeyKind::Ecdsa, &env(), now()).unwrap_err();
    assert!(matches!(err, CertError::CaIncomplete { .. }), "{err}");
    assert_eq!(listing(&dir), [CA_CERT_FILE]);
}

#[test]
fn an_old_key_without_certificate_is_an_error() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let dir = fx.tmp.path().join("keyonly");
    fs::create_dir(&dir).unwrap();
    let key = dir.join(CA_KEY_FILE);
    fs::copy(fx.ca.key_path(), &key).unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(&key)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let err = LocalCa::load_or_create_with(&dir, KeyKind::Ecdsa, &env(), now()).unwrap_err();
    assert!(matches!(err, CertError::CaIncomplete { .. }), "{err}");
    assert_eq!(listing(&dir), [CA_KEY_FILE]);
}

#[test]
fn expired_ca_is_refused() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let err = LocalCa::load_or_create_with(
        fx.ca.dir(),
        KeyKind::Ecdsa,
        &env(),
        now() + Duration::days(3700),
    )
    .unwrap_err();
    assert!(matches!(err, CertError::CaExpired { .. }), "{err}");
}

#[test]
fn concurrent_creation_yields_one_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ca");
    let results: Vec<(Vec<u8>, bool)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                let dir = dir.clone();
                s.spawn(move || {
                    let (ca, created) =
                        LocalCa::load_or_create_with(&dir, KeyKind::Ecdsa, &env(), now()).unwrap();
                    (ca.cert_der().to_vec(), created)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(
        results.iter().all(|r| r.0 == results[0].0),
        "all use the same CA"
    );
    assert_eq!(
        results.iter().filter(|r| r.1).count(),
        1,
        "exactly one created it"
    );
    assert_eq!(listing(&dir), [CA_KEY_FILE, CA_CERT_FILE]);
}

#[test]
fn inspect_verifies_the_signature_not_just_the_name() {
    let fx = Fixture::new(KeyKind::Ecdsa);
    let out = fx.leaf(&["mcp.local", "::1"]);
    let info = mcpstack::certs::inspect(&out.fullchain, Some(&fx.ca), now()).unwrap();
    assert!(info.chains_to_local_ca);
    assert_eq!(info.chain_len, 2);
    assert!(!info.is_ca);
    assert!(
        info.days_left >= 823 && info.days_left <= 825,
        "{}",
        info.days_left
    );
    assert_eq!(info.sans.len(), 2);
    let text = info.to_string();
    assert!(text.contains("DNS:mcp.local, IP:::1"), "{text}");
    assert!(text.contains("local CA:    yes"), "{text}");

    // Another CA with the very same subject: names match, signature does not.
    let other = Fixture::new(KeyKind::Ecdsa);
    assert_eq!(other.ca.subject(), fx.ca.subject());
    let info = mcpstack::certs::inspect(&out.fullchain, Some(&other.ca), now()).unwrap();
    assert!(!info.chains_to_local_ca);
    let info = mcpstack::certs::inspect(&out.fullchain, None, now()).unwrap();
    assert!(!info.chains_to_local_ca);

    // Expired view.
    let info = mcpstack::certs::inspect(&out.fullchain, Some(&fx.ca), now() + Duration::days(900))
        .unwrap();
    assert!(info.is_expired());
    assert!(info.to_string().contains("EXPIRED"));

    // The CA file itself.
    let info = mcpstack::certs::inspect(&fx.ca.cert_path(), Some(&fx.ca), now()).unwrap();
    assert!(info.is_ca && info.chains_to_local_ca);
}

#[test]
fn caroot_defaults_to_xdg_and_home() {
    let e = mcpstack::certs::Env::new().with_var("HOME", "/home/x");
    assert_eq!(
        mcpstack::certs::caroot(None, &e).unwrap(),
        Path::new("/home/x/.local/share/mcpstack")
    );
}

/// `certs --rsa` with no CA yet makes the CA's key and the leaf's at once (the leaf's on
/// another thread): an RSA 3072 CA, and an RSA 2048 leaf it signed whose key file holds the
/// leaf's key, 0600; a second run keeps both.
#[test]
fn rsa_ca_and_leaf_from_the_command() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("mcp-stack.yaml"),
        "version: 1\nname: rsa\ndomain: mcp.local\nservers:\n  tools: { image: example/tools:1, health: none }\n",
    )
    .unwrap();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_mcpstack"))
            .args(["--quiet", "--caroot"])
            .arg(tmp.path().join("ca"))
            .args(["certs", "--rsa"])
            .current_dir(tmp.path())
            .env_remove("MCPSTACK_CAROOT")
            .output()
            .unwrap()
    };
    let out = run();
    assert!(out.status.success(), "{out:?}");

    let ca = LocalCa::load(&tmp.path().join("ca")).unwrap();
    assert_eq!(ca.key_algorithm(), "RSA 3072");
    assert_eq!(mode(&ca.key_path()), 0o600);
    let certs = tmp.path().join("deploy/certs");
    let info = mcpstack::certs::inspect(&certs.join(FULLCHAIN_FILE), Some(&ca), now()).unwrap();
    assert_eq!(info.key_algorithm, "RSA 2048");
    assert!(info.chains_to_local_ca);
    assert_eq!(mode(&certs.join(PRIVKEY_FILE)), 0o600);
    // The key file matches the certificate: ensure_leaf keeps the pair.
    let names: Vec<String> = info.sans.iter().map(|n| n.name()).collect();
    let kept = ensure_leaf(&ca, &certs, &names, KeyKind::Rsa, false, now()).unwrap();
    assert_eq!(kept.action, LeafAction::Kept);

    let before = bytes(&certs.join(FULLCHAIN_FILE));
    assert!(run().status.success());
    assert_eq!(bytes(&certs.join(FULLCHAIN_FILE)), before);
}
