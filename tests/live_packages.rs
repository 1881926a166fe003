//! Servers from published packages, live: `examples/packages` (time and fetch from PyPI,
//! memory and GitLab from npm, GitLab with a required token) rendered, built from the
//! registries at test time by the images `package:` renders, brought up with `mcpstack up
//! --profile production` (which waits for every health check and then runs `check` through
//! the gateway), and driven with the official MCP Python client through
//! `https://mcp.local/<name>/` with a bearer token: `tools/list` and one `tools/call` each.
//!
//! The config is the example's but for what this machine needs: the local test images (public
//! images cannot be pulled here), one test service `upstream` that stands in for the
//! internet (a page for fetch, a GitLab API that accepts only the token from `.env`), the
//! GitLab server pointed at it and fetch allowed to reach it (`--allow-private-ips`).
//! Built only with `--features live`.
#![cfg(feature = "live")]

mod common;
use common::*;
use std::path::Path;
use std::process::Command;

/// The fake upstream: `/page` for fetch, `/api/v4/projects?search=` for GitLab (401 unless the
/// request carries the token the stack was given).
const UPSTREAM: &str = r#"
import json, os, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit, parse_qs
TOKEN = os.environ['GITLAB_PERSONAL_ACCESS_TOKEN']
class H(BaseHTTPRequestHandler):
    def reply(self, status, body, kind):
        data = body.encode()
        self.send_response(status)
        self.send_header('Content-Type', kind)
        self.send_header('Content-Length', str(len(data)))
        self.send_header('X-Total', '1')
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        u = urlsplit(self.path)
        if u.path == '/page':
            return self.reply(200, '<html><body><h1>Served by upstream</h1><p>mcpstack packages page</p></body></html>', 'text/html')
        if u.path == '/api/v4/projects':
            if self.headers.get('Authorization') != 'Bearer ' + TOKEN:
                return self.reply(401, '{"message": "401 Unauthorized"}', 'application/json')
            q = parse_qs(u.query).get('search', [''])[0]
            p = {'id': 7, 'name': 'fake-' + q, 'path_with_namespace': 'team/fake-' + q,
                 'visibility': 'private', 'web_url': 'http://upstream/team/fake-' + q,
                 'description': None, 'ssh_url_to_repo': 'git@upstream:team/x.git',
                 'http_url_to_repo': 'http://upstream/team/x.git',
                 'created_at': '2026-01-01T00:00:00Z', 'last_activity_at': '2026-01-01T00:00:00Z',
                 'default_branch': 'main'}
            return self.reply(200, json.dumps([p]), 'application/json')
        self.reply(404, 'not found', 'text/plain')
    def log_message(self, *a):
        sys.stderr.write((a[0] % a[1:]) + '\n')
ThreadingHTTPServer(('0.0.0.0', 8080), H).serve_forever()
"#;

const GATEWAY_TOKEN: &str = "packages-live-gateway-token";
const GITLAB_TOKEN: &str = "glpat-packages-live-test";

/// The server, its tool, the JSON arguments, and text the result must contain.
const CALLS: &[(&str, &str, &str, &str)] = &[
    ("time", "get_current_time", r#"{"timezone": "UTC"}"#, "UTC"),
    (
        "fetch",
        "fetch",
        r#"{"url": "http://upstream:8080/page"}"#,
        "mcpstack packages page",
    ),
    (
        "memory",
        "create_entities",
        r#"{"entities": [{"name": "mcpstack", "entityType": "tool", "observations": ["deploys MCP servers"]}]}"#,
        "deploys MCP servers",
    ),
    (
        "gitlab",
        "search_repositories",
        r#"{"search": "stack"}"#,
        "team/fake-stack",
    ),
];

fn var(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// The example's config, adapted to this machine as the module comment says.
fn adapt(dir: &Path) {
    let file = dir.join("mcp-stack.yaml");
    let mut c: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let python = var("MCPSTACK_TEST_PYTHON_IMAGE", "mcpstack-test/python:3.11");
    c["images"]["python"] = python.clone().into();
    c["images"]["uv"] = var("MCPSTACK_TEST_UV_IMAGE", "mcpstack-test/uv:latest").into();
    c["images"]["node"] = var("MCPSTACK_TEST_NODE_IMAGE", "mcpstack-test/node:20").into();
    c["images"]["nginx"] = var("MCPSTACK_TEST_NGINX_IMAGE", "mcpstack-test/nginx:1.22").into();
    let fetch_args: serde_yaml::Value = serde_yaml::from_str("[--allow-private-ips]").unwrap();
    c["servers"]["fetch"]["args"] = fetch_args;
    c["servers"]["gitlab"]["env"]["GITLAB_API_URL"] = "http://upstream:8080/api/v4".into();
    let upstream: serde_yaml::Value = serde_yaml::from_str(&format!(
        "image: {python}\ncommand: [python3, -c, {}]\nport: 8080\nsecrets: [GITLAB_PERSONAL_ACCESS_TOKEN]\n",
        serde_json::to_string(UPSTREAM).unwrap()
    ))
    .unwrap();
    c["services"]["upstream"] = upstream;
    std::fs::write(&file, serde_yaml::to_string(&c).unwrap()).unwrap();
}

struct Stack {
    _tmp: tempfile::TempDir,
    dir: std::path::PathBuf,
    ca: std::path::PathBuf,
    upped: bool,
}

impl Stack {
    fn mcpstack(&self, args: &[&str]) -> (bool, String) {
        let o = bin()
            .arg("--caroot")
            .arg(&self.ca)
            .args(args)
            .current_dir(&self.dir)
            .env("NO_COLOR", "1")
            .output()
            .expect("run mcpstack");
        let (out, err) = text(&o);
        (o.status.success(), out + &err)
    }

    fn must(&self, args: &[&str]) -> String {
        let (ok, out) = self.mcpstack(args);
        assert!(ok, "mcpstack {args:?} failed:\n{out}");
        out
    }
}

impl Drop for Stack {
    fn drop(&mut self) {
        if self.upped {
            let (ok, out) = self.mcpstack(&["down", "--volumes", "--remove-images"]);
            if !ok {
                eprintln!("mcpstack down failed:\n{out}");
            }
        }
    }
}

#[test]
fn four_published_packages_answer_the_official_client_through_the_gateway() {
    let (tmp, dir) = example_copy("packages");
    let ca = tmp.path().join("caroot");
    let stack = Stack {
        _tmp: tmp,
        dir,
        ca,
        upped: false,
    };
    up_and_call(stack);
}

/// The same four servers as a Claude Desktop user has them (`uvx`/`npx -y` entries, the token
/// in `env`): `init --from` that file, untouched, gives the example's servers; the stack it
/// describes answers the same calls. (The machine's own edits follow, as for the example.)
#[test]
fn a_claude_desktop_config_through_init_from_answers_the_same_calls() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("packages");
    std::fs::create_dir(&dir).unwrap();
    let client = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/init_from/packages/claude_desktop_config.json");
    let ca = tmp.path().join("caroot");
    let stack = Stack {
        _tmp: tmp,
        dir,
        ca,
        upped: false,
    };
    let said = stack.must(&["init", "--from", client.to_str().unwrap()]);
    // The user's token is a secret: named, never written.
    let written = std::fs::read_to_string(stack.dir.join("mcp-stack.yaml")).unwrap();
    assert!(!written.contains("glpat-"), "{written}");
    assert!(said.contains("GITLAB_PERSONAL_ACCESS_TOKEN"), "{said}");
    // Every server is the example's package, pinned to the same version.
    let ours: serde_yaml::Value = serde_yaml::from_str(&written).unwrap();
    let example: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(examples().join("packages/mcp-stack.yaml")).unwrap(),
    )
    .unwrap();
    for (server, _, _, _) in CALLS {
        assert_eq!(
            ours["servers"][server]["package"], example["servers"][server]["package"],
            "{server}"
        );
    }
    assert_eq!(
        ours["servers"]["gitlab"]["secrets"][0],
        "GITLAB_PERSONAL_ACCESS_TOKEN"
    );
    up_and_call(stack);
}

/// Adapts the stack in `stack.dir` to this machine, renders it, brings it up and drives every
/// server with the official client through the gateway; `down` when dropped.
fn up_and_call(mut stack: Stack) {
    let started = std::time::Instant::now();
    adapt(&stack.dir);
    stack.must(&["validate"]);
    stack.must(&["render"]);
    // Every server comes from a package: no source folder, a rendered Dockerfile each.
    for (server, _, _, _) in CALLS {
        let df =
            std::fs::read_to_string(stack.dir.join(format!("deploy/build/{server}/Dockerfile")))
                .unwrap();
        assert!(
            df.contains("USER 10001") && df.contains("HEALTHCHECK"),
            "{server}: {df}"
        );
    }
    std::fs::write(
        stack.dir.join("deploy/.env"),
        format!(
            "GITLAB_PERSONAL_ACCESS_TOKEN={GITLAB_TOKEN}\nMCP_GATEWAY_TOKENS={GATEWAY_TOKEN}\n"
        ),
    )
    .unwrap();

    stack.upped = true;
    let up_start = std::time::Instant::now();
    let up = stack.must(&["up", "--profile", "production", "--detach"]);
    let up_secs = up_start.elapsed().as_secs_f64();
    eprintln!("mcpstack up (builds from the registries, health checks, check):\n{up}");

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/live/gateway_client.py");
    let ca_file = stack.ca.join("rootCA.pem");
    let mut failures = Vec::new();
    for (server, tool, args, expect) in CALLS {
        let o = Command::new("python3")
            .arg(&script)
            .args(["call", "https://mcp.local"])
            .arg(&ca_file)
            .args([
                GATEWAY_TOKEN,
                &format!("/{server}/"),
                "streamable-http",
                tool,
                args,
            ])
            // The GitLab server's tool list lacks `type: object` in its input schemas (its
            // MCP SDK is old); the client sends the same requests without the SDK's models.
            .args(if *server == "gitlab" {
                &["raw"][..]
            } else {
                &[]
            })
            .output()
            .expect("python3 with the mcp package (. .ci/env)");
        let (out, err) = text(&o);
        if !o.status.success() {
            failures.push(format!("{server}: the MCP client failed:\n{out}{err}"));
            continue;
        }
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let tools: Vec<&str> = v["tools"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|t| t.as_str())
            .collect();
        let said = v["text"].as_str().unwrap_or_default();
        eprintln!(
            "{server}: {} tools; {tool} -> {}",
            tools.len(),
            said.chars().take(80).collect::<String>()
        );
        if !tools.contains(tool) {
            failures.push(format!("{server}: no tool {tool} among {tools:?}"));
        } else if v["is_error"] == true || !said.contains(expect) {
            failures.push(format!(
                "{server}: {tool} answered (is_error {}) {said:?}, expected {expect:?}",
                v["is_error"]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // The token only reaches GitLab from .env: a wrong one is refused by the fake upstream.
    let (ok, check) = stack.mcpstack(&["check", "--token", GATEWAY_TOKEN]);
    assert!(ok, "mcpstack check:\n{check}");
    drop(stack);
    eprintln!(
        "timings: up {up_secs:.1} s, total {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
