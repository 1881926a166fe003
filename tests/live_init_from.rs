//! The round trip, live: a Claude Desktop config whose server is a Python script of the
//! project (`python3 /abs/servers/adder/server.py`) and a remote URL entry → `mcpstack init
//! --from` (the config untouched but for the local test images) → `render` → `up --profile
//! production` → the official MCP Python client calls the tool through
//! `https://mcp.local/adder/`, the URL that the rendered `clients/claude_desktop_config.json`
//! gives Claude Desktop. Built only with `--features live`.
//!
//! Package entries (`uvx`, `npx`) need the `package:` servers of the package work; they are
//! proven hermetically in `tests/init_from.rs` until then.
#![cfg(feature = "live")]

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Brings the stack down (and removes the images it built) however the test ends.
struct Down {
    root: PathBuf,
    ca: PathBuf,
}

impl Drop for Down {
    fn drop(&mut self) {
        let _ = mcpstack(
            &self.root,
            &self.ca,
            &["down", "--volumes", "--remove-images"],
        );
    }
}

fn mcpstack(root: &Path, ca: &Path, args: &[&str]) -> (bool, String) {
    let o = bin()
        .arg("--caroot")
        .arg(ca)
        .args(args)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .output()
        .expect("run mcpstack");
    let (out, err) = text(&o);
    (o.status.success(), format!("{out}{err}"))
}

fn local_image(var: &str) -> String {
    std::env::var(var)
        .unwrap_or_else(|_| panic!("{var} is not set: run `. .ci/env` after `bash .ci/images`"))
}

#[test]
fn a_claude_desktop_config_goes_from_init_from_to_a_tool_call_through_the_gateway() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("fromproof");
    let ca = tmp.path().join("caroot");
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/projects/py-requirements"),
        &root.join("servers/adder"),
    );
    let script = std::fs::canonicalize(root.join("servers/adder/server.py")).unwrap();
    let claude = serde_json::json!({"mcpServers": {
        "adder": {"command": "python3", "args": [script]},
        "docs": {"url": "https://mcp.example.com/mcp"},
    }});
    std::fs::write(
        root.join("claude_desktop_config.json"),
        serde_json::to_string_pretty(&claude).unwrap(),
    )
    .unwrap();

    let (ok, out) = mcpstack(
        &root,
        &ca,
        &["init", "--from", "claude_desktop_config.json"],
    );
    assert!(ok, "{out}");
    assert!(
        out.contains("Claude Desktop `adder` → server `adder`"),
        "{out}"
    );
    assert!(
        out.contains("left out Claude Desktop `docs`: already remote"),
        "{out}"
    );

    // Public images cannot be pulled here: the local ones stand in (as in every live suite).
    let cfg = root.join("mcp-stack.yaml");
    let mut text_cfg = std::fs::read_to_string(&cfg).unwrap();
    text_cfg += &format!(
        "\nimages:\n  python: {}\n  uv: {}\n  nginx: {}\n",
        local_image("MCPSTACK_TEST_PYTHON_IMAGE"),
        local_image("MCPSTACK_TEST_UV_IMAGE"),
        local_image("MCPSTACK_TEST_NGINX_IMAGE"),
    );
    std::fs::write(&cfg, text_cfg).unwrap();
    let (ok, out) = mcpstack(&root, &ca, &["validate"]);
    assert!(ok, "{out}");
    let (ok, out) = mcpstack(&root, &ca, &["render"]);
    assert!(ok, "{out}");

    // The round trip: the same client, the same name, the stack's URL.
    let clients: serde_json::Value = serde_json::from_slice(
        &std::fs::read(root.join("deploy/clients/claude_desktop_config.json")).unwrap(),
    )
    .unwrap();
    let url = clients["mcpServers"]["adder"]["args"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a.as_str())
        .find(|a| a.starts_with("https://"))
        .unwrap()
        .to_string();
    assert_eq!(url, "https://mcp.local/adder/");

    let _down = Down {
        root: root.clone(),
        ca: ca.clone(),
    };
    let (ok, out) = mcpstack(&root, &ca, &["up", "--profile", "production", "--detach"]);
    assert!(ok, "{out}");
    assert!(
        out.contains("all 1 server(s) answer MCP through the gateway"),
        "{out}"
    );

    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/live/gateway_client.py");
    let o = Command::new("python3")
        .arg(&client)
        .args(["call", "https://mcp.local"])
        .arg(ca.join("rootCA.pem"))
        .args([
            "",
            "/adder/",
            "streamable-http",
            "add",
            r#"{"a": 2, "b": 40}"#,
        ])
        .output()
        .expect("python3 with the mcp package (. .ci/env)");
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["tools"], serde_json::json!(["add"]), "{out}");
    assert_eq!(v["is_error"], false, "{out}");
    assert_eq!(v["text"], "42", "{out}");
}
