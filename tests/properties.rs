//! Properties of `render` over generated valid configurations: the same input gives the same
//! files, every YAML and JSON file parses, nothing is written outside the output folder, and
//! no secret value reaches any file. Bounded (`PROPTEST_CASES`, default 24) and hermetic.

mod common;
use common::*;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Printable text with the characters that break formats: quotes, `$`, `#`, `:`, braces,
/// backslashes, non-ASCII.
fn free_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            8 => prop::char::range('a', 'z'),
            4 => prop::sample::select(vec![
                ' ', '$', '"', '\'', '#', ':', '{', '}', '[', ']', '\\', '%', '&', '*', '!',
                '|', '>', '-', '?', ',', '@', '`', '=', '~', '\t', 'é', '日', '€',
            ]),
            2 => prop::char::range('0', '9'),
        ],
        0..24,
    )
    .prop_map(|cs| cs.into_iter().collect())
}

/// Env values: free text, or strings YAML readers like to turn into something else.
fn env_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => free_text(),
        1 => prop::sample::select(vec![
            "yes", "no", "on", "off", "Y", "1.10", "0x1F", "1:20", "1_000", "007", "null", "~",
            "true", "1e3", "", " lead", "trail ",
        ])
        .prop_map(String::from),
    ]
}

fn name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,7}".prop_filter("reserved", |n| {
        !mcpstack::config::validate::RESERVED.contains(&n.as_str())
    })
}

fn env_name() -> impl Strategy<Value = String> {
    "[A-Z][A-Z0-9_]{0,7}"
}

#[derive(Debug, Clone)]
struct Generated {
    config: Value,
    /// Secret names, with the values the environment holds for them during render.
    secrets: BTreeMap<String, String>,
}

fn server() -> impl Strategy<Value = (Value, Vec<String>)> {
    (
        prop::sample::select(vec!["streamable-http", "sse", "stdio"]),
        prop::collection::vec(free_text(), 1..4),
        1024i64..65535,
        prop::collection::btree_map(env_name(), env_value(), 0..4),
        prop::collection::btree_set(env_name(), 0..3),
        1i64..4,
        prop::option::of(prop::sample::select(vec!["0.5", "1", "2"])),
        prop::option::of(prop::sample::select(vec!["256M", "1G"])),
        prop::bool::ANY,
    )
        .prop_map(
            |(transport, command, port, env, secrets, replicas, cpus, memory, mcp_health)| {
                let env: Map<String, Value> = env
                    .into_iter()
                    .filter(|(k, _)| !secrets.contains(k))
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect();
                let mut s = json!({
                    "image": "example/server:1",
                    "runtime": "python",
                    "transport": transport,
                    "command": command,
                    "port": port,
                    "env": env,
                    "secrets": secrets,
                    "replicas": if transport == "sse" { 1 } else { replicas },
                    "health": if mcp_health { "mcp" } else { "none" },
                });
                let mut resources = Map::new();
                if let Some(c) = cpus {
                    resources.insert("cpus".into(), json!(c));
                }
                if let Some(m) = memory {
                    resources.insert("memory".into(), json!(m));
                }
                if !resources.is_empty() {
                    s["resources"] = Value::Object(resources);
                }
                (s, secrets.into_iter().collect())
            },
        )
}

fn service() -> impl Strategy<Value = (Value, Vec<String>)> {
    (
        free_text(),
        prop::collection::btree_map(env_name(), env_value(), 0..3),
        prop::collection::btree_set(env_name(), 0..2),
    )
        .prop_map(|(check, env, secrets)| {
            let env: Map<String, Value> = env
                .into_iter()
                .filter(|(k, _)| !secrets.contains(k))
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            (
                json!({
                    "image": "postgres:16-alpine",
                    "env": env,
                    "secrets": secrets,
                    "healthcheck": ["CMD-SHELL", check],
                }),
                secrets.into_iter().collect(),
            )
        })
}

fn config() -> impl Strategy<Value = Generated> {
    (
        name(),
        prop::sample::select(vec!["mcp.local", "example.com", "mcp.example.org"]),
        prop::collection::btree_map(name(), server(), 1..4),
        prop::collection::btree_map(name(), service(), 0..3),
        0i64..1000,
        prop::bool::ANY,
        prop::bool::ANY,
        prop::collection::vec("[a-z0-9]{12,20}", 8),
    )
        .prop_map(
            |(project, domain, servers, services, rps, bearer, monitoring, values)| {
                let mut secrets = BTreeMap::new();
                let mut next = values.into_iter().cycle().enumerate();
                let mut secret_value = |name: &str| {
                    let (i, v) = next.next().unwrap();
                    secrets.insert(name.to_string(), format!("S3CRET{i}{v}"));
                };
                let mut server_map = Map::new();
                for (n, (s, names)) in servers {
                    names.iter().for_each(|s| secret_value(s));
                    server_map.insert(n, s);
                }
                let mut service_map = Map::new();
                for (n, (s, names)) in services {
                    if server_map.contains_key(&n) {
                        continue;
                    }
                    names.iter().for_each(|s| secret_value(s));
                    service_map.insert(n, s);
                }
                let mut gateway = json!({ "rate_limit": { "requests_per_second": rps } });
                if bearer {
                    gateway["auth"] = json!({ "type": "bearer", "tokens_env": "MCP_TOKENS" });
                    secret_value("MCP_TOKENS");
                }
                let mut config = json!({
                    "version": 1,
                    "name": project,
                    "domain": domain,
                    "gateway": gateway,
                    "servers": server_map,
                });
                if !service_map.is_empty() {
                    config["services"] = Value::Object(service_map);
                }
                if monitoring {
                    config["monitoring"] = json!({ "enabled": true });
                    secret_value("GRAFANA_ADMIN_PASSWORD");
                }
                Generated { config, secrets }
            },
        )
}

/// Every file below `dir` except the output folder: path → bytes.
fn outside_output(root: &Path) -> Vec<(String, Vec<u8>)> {
    read_tree(root)
        .into_iter()
        .filter(|(p, _)| !p.starts_with("project/deploy/"))
        .collect()
}

/// Renders `yaml` in a fresh project; returns the generated files and everything else.
fn render(g: &Generated, yaml: &str) -> Result<Vec<(String, Vec<u8>)>, TestCaseError> {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(tmp.path().join("outside")).unwrap();
    std::fs::write(tmp.path().join("outside/sentinel"), "sentinel\n").unwrap();
    std::fs::write(project.join("mcp-stack.yaml"), yaml).unwrap();
    let before = outside_output(tmp.path());
    // Both targets, into the same output folder.
    for target in ["compose", "kubernetes"] {
        let mut cmd = bin();
        cmd.args(["render", "--target", target])
            .current_dir(&project)
            .env("NO_COLOR", "1")
            .env("MCPSTACK_CAROOT", test_caroot());
        for (k, v) in &g.secrets {
            cmd.env(k, v);
        }
        let o = cmd.output().unwrap();
        let (_, err) = text(&o);
        prop_assert_eq!(
            o.status.code(),
            Some(0),
            "render --target {} failed:\n{}\n{}",
            target,
            err,
            yaml
        );
    }
    prop_assert_eq!(
        &before,
        &outside_output(tmp.path()),
        "wrote outside deploy/"
    );
    let files = read_tree(&project.join("deploy"));
    for (path, bytes) in &files {
        let body = String::from_utf8_lossy(bytes);
        if path.ends_with(".yaml") || path.ends_with(".yml") {
            // Every document (the Kubernetes files hold several).
            for doc in serde_yaml::Deserializer::from_str(&body) {
                let parsed: Result<serde_yaml::Value, _> = serde::Deserialize::deserialize(doc);
                prop_assert!(
                    parsed.is_ok(),
                    "{} does not parse: {:?}",
                    path,
                    parsed.err()
                );
            }
        }
        if path.ends_with(".json") {
            let parsed: Result<serde_json::Value, _> = serde_json::from_str(&body);
            prop_assert!(
                parsed.is_ok(),
                "{} does not parse: {:?}",
                path,
                parsed.err()
            );
        }
        for (name, value) in &g.secrets {
            prop_assert!(
                !body.contains(value.as_str()),
                "secret {} is in {}",
                name,
                path
            );
        }
    }
    // Certificates and keys are new on every render; `.env` is the user's.
    Ok(files
        .into_iter()
        .filter(|(p, _)| !p.starts_with("certs/") && p != ".env")
        .collect())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(24),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn valid_configs_render_safely_and_deterministically(g in config()) {
        let yaml = serde_yaml::to_string(&g.config).unwrap();
        let first = render(&g, &yaml)?;
        let second = render(&g, &yaml)?;
        prop_assert!(!first.is_empty());
        let names: BTreeSet<&String> = first.iter().map(|(p, _)| p).collect();
        prop_assert!(names.iter().any(|p| p.as_str() == "compose.yaml"));
        prop_assert!(names.iter().any(|p| p.as_str() == "k8s/kustomization.yaml"));
        prop_assert_eq!(first, second, "two renders of the same config differ");
    }
}
