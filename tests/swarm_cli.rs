//! `registry:`, `push` and `--target swarm` without an engine: what is refused before anything
//! is built or deployed (exit 2, with the fix), and the key's validation.

mod common;
use common::*;
use std::path::Path;

/// Runs with no reachable engine: nothing here may need one.
fn offline(args: &[&str], cwd: &Path) -> std::process::Output {
    bin()
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("MCPSTACK_CAROOT", test_caroot())
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap()
}

fn spike_with(extra: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, dir) = example_copy("spike");
    let cfg = dir.join("mcp-stack.yaml");
    let text = std::fs::read_to_string(&cfg).unwrap() + extra;
    std::fs::write(&cfg, text).unwrap();
    (tmp, dir)
}

#[test]
fn push_without_a_registry_says_which_key_to_add() {
    let (_tmp, dir) = spike_with("");
    let o = offline(&["push"], &dir);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("`push` needs `registry:`"), "{err}");
    assert!(err.contains("registry: localhost:5000/team"), "{err}");
    assert!(!dir.join("deploy").exists(), "nothing is written");
}

#[test]
fn a_bad_registry_is_a_configuration_error_with_its_line() {
    for (value, why) in [
        ("https://ghcr.io/acme", "scheme"),
        ("ghcr.io/acme:v1", "tag"),
        ("ghcr.io/Acme", "lowercase"),
    ] {
        let (_tmp, dir) = spike_with(&format!("registry: {value}\n"));
        let o = offline(&["validate"], &dir);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{value}: {err}");
        assert!(
            err.contains("registry") && err.contains(why),
            "{value}: {err}"
        );
        let line = std::fs::read_to_string(dir.join("mcp-stack.yaml"))
            .unwrap()
            .lines()
            .count();
        assert!(
            err.contains(&format!(":{line}")),
            "{value}: no line {line} in {err}"
        );
    }
    let (_tmp, dir) = spike_with("registry: localhost:5000/team\n");
    let o = offline(&["validate"], &dir);
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn swarm_refuses_what_it_does_not_run_before_touching_the_engine() {
    let (_tmp, dir) = spike_with("");
    for (args, says) in [
        (
            &["up", "--target", "swarm", "--profile", "dev"][..],
            "production profile only",
        ),
        (
            &["up", "--target", "swarm", "--profile", "monitoring"][..],
            "monitoring profile is not deployed",
        ),
    ] {
        let o = offline(args, &dir);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let (_tmp, dir) = spike_with("tunnel:\n  cloudflare: {}\n");
    let o = offline(&["up", "--target", "swarm"], &dir);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("Cloudflare tunnel"), "{err}");
}

#[test]
fn the_schema_knows_the_registry_key() {
    let (_tmp, dir) = spike_with("");
    let o = offline(&["schema"], &dir);
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        schema["properties"]["registry"]["type"],
        serde_json::json!(["string", "null"])
    );
}
