//! `tls.mode: manual` and `acme`: validation and what they render.

mod common;
use common::*;
use std::fs;
use std::path::Path;

const MANUAL: &str = "version: 1\nname: demo\ndomain: mcp.example.com\ngateway:\n  tls:\n    mode: manual\n    cert: ./tls/fullchain.pem\n    key: ./tls/privkey.pem\nservers:\n  main:\n    image: example/main:1\n";

/// A certificate for `names` from a throwaway CA, written to `<dir>/<out>`.
fn issue(dir: &Path, out: &str, names: &[&str]) {
    use mcpstack::certs::{ensure_leaf, KeyKind, LocalCa};
    let (ca, _) = LocalCa::load_or_create(&dir.join(format!("ca-{out}")), KeyKind::Ecdsa).unwrap();
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    ensure_leaf(
        &ca,
        &dir.join(out),
        &names,
        KeyKind::Ecdsa,
        false,
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
}

#[test]
fn manual_pair_is_checked_and_mounted_in_production() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("mcp-stack.yaml"), MANUAL).unwrap();
    issue(dir, "tls", &["mcp.example.com"]);
    let o = run(&["render"], dir);
    assert!(o.status.success(), "{:?}", text(&o));
    let compose = fs::read_to_string(dir.join("deploy/compose.yaml")).unwrap();
    assert!(
        compose.contains("- ../tls/fullchain.pem:/etc/nginx/certs/fullchain.pem:ro"),
        "{compose}"
    );
    assert!(compose.contains("- ../tls/privkey.pem:/etc/nginx/certs/privkey.pem:ro"));
    // dev keeps the local certificate.
    let dev = &compose[compose.find("  gateway-dev:").unwrap()..];
    assert!(dev.contains("- ./certs:/etc/nginx/certs:ro"));
}

#[test]
fn manual_key_that_does_not_match_is_a_config_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("mcp-stack.yaml"), MANUAL).unwrap();
    issue(dir, "tls", &["mcp.example.com"]);
    issue(dir, "other", &["mcp.example.com"]);
    fs::copy(dir.join("other/privkey.pem"), dir.join("tls/privkey.pem")).unwrap();
    let o = run(&["validate"], dir);
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("gateway.tls.key") && err.contains("does not match"),
        "{err}"
    );
    assert!(err.contains("mcp-stack.yaml:8:"), "{err}");
}

#[test]
fn manual_certificate_must_cover_the_domain() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("mcp-stack.yaml"), MANUAL).unwrap();
    issue(dir, "tls", &["other.example.com"]);
    let o = run(&["validate"], dir);
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("gateway.tls.cert") && err.contains("does not cover"),
        "{err}"
    );
}

#[test]
fn acme_renders_certbot_the_challenge_and_the_reload() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("acme");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/acme"),
        &dir,
    );
    let o = run(&["render"], &dir);
    assert!(o.status.success(), "{:?}", text(&o));
    let compose = fs::read_to_string(dir.join("deploy/compose.yaml")).unwrap();
    let certbot = &compose[compose.find("  certbot:").expect("certbot service")..];
    assert!(
        certbot.contains("--webroot -w /var/www/certbot"),
        "{certbot}"
    );
    assert!(certbot.contains("-d mcp.example.com -d api.example.com --email ops@example.com"));
    assert!(!certbot.contains("-d localhost") && !certbot.contains("-d 127.0.0.1"));
    assert!(compose.contains("- letsencrypt:/etc/letsencrypt:ro"));
    let nginx = fs::read_to_string(dir.join("deploy/nginx/nginx.conf")).unwrap();
    assert!(nginx.contains("location ^~ /.well-known/acme-challenge/"));
    assert!(nginx.contains("ssl_certificate /tmp/mcpstack/tls/fullchain.pem;"));
    let entry = fs::read_to_string(dir.join("deploy/nginx/entrypoint.sh")).unwrap();
    assert!(entry.contains("pick_tls") && entry.contains("nginx -s reload"));
    // Local development still gets the local certificate.
    assert!(dir.join("deploy/certs/fullchain.pem").is_file());
}

#[test]
fn acme_needs_a_public_domain_and_an_email() {
    let tmp = tempfile::tempdir().unwrap();
    let yaml = "version: 1\nname: demo\ndomain: mcp.local\ngateway:\n  tls:\n    mode: acme\nservers:\n  main:\n    image: example/main:1\n";
    fs::write(tmp.path().join("mcp-stack.yaml"), yaml).unwrap();
    let o = run(&["validate"], tmp.path());
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("error: domain: Let's Encrypt cannot certify `mcp.local`"),
        "{err}"
    );
    let yaml = yaml.replace("mcp.local", "mcp.example.com");
    fs::write(tmp.path().join("mcp-stack.yaml"), yaml).unwrap();
    let err = text(&run(&["validate"], tmp.path())).1;
    assert!(
        err.contains("gateway.tls.email: tls mode `acme` needs `email`"),
        "{err}"
    );
}
