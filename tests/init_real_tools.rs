//! `init --yes` in a folder holding a FastMCP project and a Node MCP project: both are found,
//! and what renders from the config, unedited, passes the real tools. Built only with
//! `--features real-tools` (`. .ci/env` puts the tools on PATH); a missing tool fails the test.
#![cfg(feature = "real-tools")]

mod common;
mod init_fixtures;
use common::*;

#[test]
fn init_yes_renders_files_that_pass_the_real_tools() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("tools-stack");
    init_fixtures::two_servers(&dir);
    let o = run(&["init", "--yes"], &dir);
    assert!(o.status.success(), "{:?}", text(&o));
    let config: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("mcp-stack.yaml")).unwrap())
            .unwrap();
    let servers = config["servers"].as_mapping().unwrap();
    assert_eq!(servers.len(), 2, "{config:?}");
    assert_eq!(
        config["servers"]["weather"]["runtime"].as_str(),
        Some("python")
    );
    assert_eq!(config["servers"]["notes"]["runtime"].as_str(), Some("node"));

    let o = run(&["validate"], &dir);
    assert!(o.status.success(), "{:?}", text(&o));
    let o = run(&["render"], &dir);
    assert!(o.status.success(), "{:?}", text(&o));
    let deploy = dir.join("deploy");

    for df in ["build/weather/Dockerfile", "build/notes/Dockerfile"] {
        let o = tool("hadolint", &["--format", "json", "--no-fail", df], &deploy);
        let findings: serde_json::Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("hadolint output for {df}: {e}: {:?}", text(&o)));
        let bad: Vec<_> = findings
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["level"] == "error" || f["level"] == "warning")
            .collect();
        assert!(bad.is_empty(), "{df}: {bad:#?}");
    }

    let o = tool(
        "check-jsonschema",
        &["--builtin-schema", "vendor.compose-spec", "compose.yaml"],
        &deploy,
    );
    assert!(o.status.success(), "{:?}", text(&o));

    // Placeholders for every variable the stack reads.
    write_env(&deploy);
    for profile in ["dev", "production", "monitoring"] {
        let o = tool("docker-compose", &["--profile", profile, "config"], &deploy);
        let (out, err) = text(&o);
        assert!(o.status.success(), "--profile {profile}: {err}");
        let resolved: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
        let services = resolved["services"].as_mapping().unwrap();
        for s in ["gateway", "weather", "notes", "weather-dev", "notes-dev"] {
            assert!(services.contains_key(s), "--profile {profile}: no {s}");
        }
    }
}
