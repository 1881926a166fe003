//! The gateway example, live: built and started with plain docker-compose from the rendered
//! files on local test images, then exercised through https://mcp.local with the official MCP
//! Python SDK client, trusting only the stack's CA. Built only with `--features live`; needs
//! what `.ci/setup` and `.ci/images` provide, and fails (never skips) without it.
#![cfg(feature = "live")]

mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const PROJECT: &str = "mcpstacklive";
const HTTP: u16 = 18080;
const HTTPS: u16 = 18443;
const TOKEN: &str = "live-token-7f3a9c";
const PROMETHEUS: u16 = 19090;
/// The containers the live suite starts: everything but Grafana and cAdvisor, whose images
/// cannot be had here (their files are checked by the real-tool suite).
const SERVICES: [&str; 10] = [
    "gateway",
    "stream-1",
    "stream-2",
    "stream-3",
    "pool",
    "legacy",
    "local",
    "prometheus",
    "blackbox-exporter",
    "nginx-exporter",
];

fn must(cmd: &str, args: &[&str], cwd: &Path) -> Output {
    let o = Command::new(cmd)
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("`{cmd}` is required by the live suite: {e}"));
    assert!(o.status.success(), "{cmd} {args:?} failed: {:?}", text(&o));
    o
}

/// The running stack; taken down when the test ends, whatever happened.
struct Stack {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    deploy: PathBuf,
    ca: PathBuf,
}

impl Drop for Stack {
    fn drop(&mut self) {
        let _ = Command::new("docker-compose")
            .args([
                "-p",
                PROJECT,
                "--profile",
                "production",
                "down",
                "-v",
                "--remove-orphans",
            ])
            .current_dir(&self.deploy)
            .output();
    }
}

impl Stack {
    fn up() -> Stack {
        let (tmp, dir) = example_copy("gateway");
        let cfg = dir.join("mcp-stack.yaml");
        let mut c: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
        c["gateway"]["bind"] = "127.0.0.1".into();
        c["gateway"]["http_port"] = HTTP.into();
        c["gateway"]["https_port"] = HTTPS.into();
        c["gateway"]["cors"]["allow_origins"] = vec!["https://app.example.com"].into();
        c["monitoring"]["enabled"] = true.into();
        c["monitoring"]["prometheus"] =
            serde_yaml::from_str(&format!("{{port: {PROMETHEUS}}}")).unwrap();
        pin_test_images(
            &mut c,
            &[
                "python",
                "uv",
                "node",
                "nginx",
                "prometheus",
                "blackbox_exporter",
                "nginx_exporter",
            ],
        );
        std::fs::write(&cfg, serde_yaml::to_string(&c).unwrap()).unwrap();

        let ca = tmp.path().join("caroot");
        let o = bin()
            .args(["--caroot", ca.to_str().unwrap(), "render"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "render: {:?}", text(&o));
        let deploy = dir.join("deploy");
        std::fs::write(
            deploy.join(".env"),
            format!("COMPOSE_PROJECT_NAME={PROJECT}\nMCP_GATEWAY_TOKENS={TOKEN},second-token\nGRAFANA_ADMIN_PASSWORD=unused-here\n"),
        )
        .unwrap();
        let stack = Stack {
            _tmp: tmp,
            dir,
            deploy,
            ca,
        };
        let compose = |args: &[&str]| {
            let mut all = vec![
                "-p",
                PROJECT,
                "--compatibility",
                "--profile",
                "production",
                "--profile",
                "monitoring",
            ];
            all.extend_from_slice(args);
            must("docker-compose", &all, &stack.deploy)
        };
        compose(&["down", "-v", "--remove-orphans"]);
        let mut build = vec!["build"];
        // The three replicas of `stream` share one image.
        build.extend(["stream-1", "pool", "legacy", "local"]);
        compose(&build);
        let mut up = vec!["up", "-d"];
        up.extend(SERVICES);
        compose(&up);
        stack.wait_healthy(Duration::from_secs(240));
        stack
    }

    fn containers(&self) -> Vec<(String, String)> {
        let o = must(
            "docker",
            &[
                "ps",
                "-a",
                "--filter",
                &format!("label=com.docker.compose.project={PROJECT}"),
                "--format",
                "{{.Names}}\t{{.Status}}",
            ],
            &self.dir,
        );
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect()
    }

    /// Every container with a health check healthy, and the gateway up.
    fn wait_healthy(&self, limit: Duration) {
        let start = Instant::now();
        loop {
            let all = self.containers();
            let server = |n: &str| {
                ["_stream-", "_pool_", "_legacy_", "_local_"]
                    .iter()
                    .any(|s| n.contains(s))
            };
            let servers = all.iter().filter(|(n, _)| server(n)).count();
            let ready = servers == 3 + 3 + 1 + 1
                && all.len() == servers + 4
                && all
                    .iter()
                    .all(|(n, s)| s.starts_with("Up") && (!server(n) || s.contains("(healthy)")));
            if ready {
                return;
            }
            if start.elapsed() > limit {
                for (n, _) in &all {
                    let logs = Command::new("docker")
                        .args(["logs", "--tail", "20", n])
                        .output()
                        .unwrap();
                    eprintln!(
                        "--- {n}\n{}{}",
                        String::from_utf8_lossy(&logs.stdout),
                        String::from_utf8_lossy(&logs.stderr)
                    );
                }
                panic!("stack not healthy after {limit:?}: {all:#?}");
            }
            std::thread::sleep(Duration::from_secs(3));
        }
    }

    /// Runs a scenario of the official-SDK client script; returns its JSON.
    fn client(&self, scenario: &str, args: &[&str]) -> Value {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/live/gateway_client.py");
        let base = format!("https://mcp.local:{HTTPS}");
        let ca_file = self.ca_file();
        let mut all = vec![script.to_str().unwrap(), scenario, &base, &ca_file, TOKEN];
        all.extend_from_slice(args);
        let o = Command::new("python3")
            .args(&all)
            .output()
            .expect("python3 with the mcp package");
        let (out, err) = text(&o);
        assert!(
            o.status.success(),
            "client {scenario} {args:?} failed:\n{err}"
        );
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{scenario}: {e}: {out}"))
    }

    fn ca_file(&self) -> String {
        self.ca.join("rootCA.pem").to_string_lossy().into_owned()
    }

    /// An instant query to Prometheus.
    fn query(&self, promql: &str) -> Vec<Value> {
        let url = format!("http://127.0.0.1:{PROMETHEUS}/api/v1/query");
        let o = Command::new("curl")
            .args([
                "-sf",
                "--get",
                &url,
                "--data-urlencode",
                &format!("query={promql}"),
            ])
            .output()
            .expect("curl");
        if !o.status.success() {
            return Vec::new();
        }
        let v: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
        v["data"]["result"].as_array().cloned().unwrap_or_default()
    }

    /// Polls until `ok` holds for the query's result, or fails after `limit`.
    fn wait_query(&self, promql: &str, limit: Duration, ok: impl Fn(&[Value]) -> bool) -> Duration {
        let start = Instant::now();
        loop {
            let r = self.query(promql);
            if ok(&r) {
                return start.elapsed();
            }
            assert!(
                start.elapsed() < limit,
                "`{promql}` not as expected after {limit:?}: {r:?}"
            );
            std::thread::sleep(Duration::from_secs(5));
        }
    }

    fn gateway_container(&self) -> String {
        format!("{PROJECT}_gateway_1")
    }
}

#[test]
fn gateway_carries_every_transport_correctly() {
    use std::net::ToSocketAddrs;
    assert!(
        ("mcp.local", HTTPS)
            .to_socket_addrs()
            .is_ok_and(|mut a| a.any(|a| a.ip().is_loopback())),
        "mcp.local must resolve to 127.0.0.1 (.ci/setup adds it to /etc/hosts)"
    );
    let stack = Stack::up();

    // initialize, tools/list and tools/call on a server of each transport.
    for (path, transport, server) in [
        ("/stream/", "streamable-http", "stream"),
        ("/pool/", "streamable-http", "stream"),
        ("/legacy/", "sse", "legacy"),
        ("/local/", "streamable-http", "local"),
    ] {
        let r = stack.client("basic", &[path, transport]);
        assert_eq!(r["server"], server, "{path}: {r}");
        assert_eq!(r["echo"], "hello", "{path}: {r}");
        assert!(
            r["tools"].as_array().unwrap().iter().any(|t| t == "echo"),
            "{path}: {r}"
        );
    }

    // The legacy SSE endpoint event points inside the public prefix, unbuffered.
    let r = stack.client("sse_endpoint", &["/legacy/"]);
    assert_eq!(r["status"], 200, "{r}");
    assert_eq!(r["buffering"], "no", "{r}");
    let data = r["lines"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    assert!(data.starts_with("data: /legacy/messages/"), "{r}");

    // Progress of a stdio server through the bridge arrives as it is sent.
    // Ten notifications a second apart: buffered, the first would arrive with the result.
    let r = stack.client("progress", &["/local/", "10"]);
    let arrivals = r["arrivals"].as_array().unwrap();
    assert_eq!(arrivals.len(), 10, "{r}");
    assert!(
        arrivals[0]["at"].as_f64().unwrap() < 5.0,
        "first progress late: {r}"
    );

    // HTTP: 308 keeps the POST; tokens; Origin; headers; DELETE ends the session.
    let r = stack.client("http", &["/stream/", &format!("http://mcp.local:{HTTP}")]);
    assert_eq!(r["http_post"]["status"], 308, "{r}");
    assert_eq!(
        r["http_post"]["location"],
        format!("https://mcp.local:{HTTPS}/stream/")
    );
    assert_eq!(r["after_redirect"]["status"], 200, "{r}");
    assert_eq!(r["after_redirect"]["initialized"], true, "{r}");
    assert_eq!(
        r["session_id"], true,
        "Mcp-Session-Id did not come back: {r}"
    );
    assert_eq!(r["no_token"]["status"], 401, "{r}");
    assert!(
        r["no_token"]["www_authenticate"]
            .as_str()
            .unwrap()
            .starts_with("Bearer"),
        "{r}"
    );
    assert_eq!(r["bad_token"], 401, "{r}");
    assert_eq!(r["foreign_origin"], 403, "{r}");
    assert_eq!(r["foreign_preflight"], 403, "{r}");
    let pre = &r["allowed_preflight"];
    assert_eq!(pre["status"], 204, "{r}");
    assert_eq!(
        pre["headers"]["access-control-allow-origin"],
        "https://app.example.com"
    );
    for h in [
        "Mcp-Session-Id",
        "Mcp-Protocol-Version",
        "Last-Event-ID",
        "Authorization",
        "Content-Type",
    ] {
        assert!(
            pre["headers"]["access-control-allow-headers"]
                .as_str()
                .unwrap()
                .contains(h),
            "{h}: {r}"
        );
    }
    assert!(pre["headers"]["access-control-expose-headers"]
        .as_str()
        .unwrap()
        .contains("Mcp-Session-Id"));
    assert_eq!(r["allowed_origin"]["status"], 200, "{r}");
    assert_eq!(
        r["allowed_origin"]["allow_origin"], "https://app.example.com",
        "{r}"
    );
    // The metadata path reaches the server that owns the prefix, without the prefix.
    let meta = r["oauth_metadata"]["body"].as_str().unwrap();
    assert!(
        meta.contains("Cannot GET /.well-known/oauth-protected-resource/mcp"),
        "{r}"
    );
    let h = &r["health"]["headers"];
    assert_eq!(r["health"]["status"], 200);
    assert_eq!(h["strict-transport-security"], "max-age=63072000", "{r}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(
        h["server"], "nginx",
        "server_tokens must hide the version: {r}"
    );
    assert_eq!(r["delete"], 200, "{r}");
    assert_eq!(r["after_delete"], 404, "{r}");

    // Stateful replicas: 20 concurrent sessions, 10 calls each, all from this one address,
    // every call on its session's replica and the sessions over at least two replicas. Then
    // the gateway restarts, and the same sessions make 10 calls each again, on the same
    // replicas: the replica is in the session id, not in the gateway's memory.
    let gateway = stack.gateway_container();
    let r = stack.client(
        "sessions",
        &["/stream/", "20", "10", "docker", "restart", &gateway],
    );
    assert_eq!(r["restart"]["code"], 0, "{r}");
    assert_eq!(r["restart"]["up"], true, "{r}");
    let mut spread = std::collections::BTreeSet::new();
    for s in r["sessions"].as_array().unwrap() {
        assert!(s["errors"].as_array().unwrap().is_empty(), "{s}");
        let replicas = s["replicas"].as_array().unwrap();
        assert_eq!(replicas.len(), 1, "a session moved: {s}");
        spread.insert(replicas[0].as_str().unwrap().to_string());
        // One session id, tagged with one of the three replicas.
        let ids = s["ids"].as_array().unwrap();
        assert_eq!(ids.len(), 1, "{s}");
        let id = ids[0].as_str().unwrap();
        assert!(
            ["r1.", "r2.", "r3."].iter().any(|t| id.starts_with(t)),
            "{s}"
        );
    }
    assert!(
        spread.len() >= 2,
        "every session on one replica: {spread:?}"
    );
    eprintln!("20 sessions over replicas {spread:?}, kept across a gateway restart");

    // Stateless replicas: calls spread over all three.
    let r = stack.client("spread", &["/pool/", "30"]);
    assert_eq!(r["replicas"].as_object().unwrap().len(), 3, "{r}");

    // A burst beyond the rate limit gets 429, not 503.
    let r = stack.client("burst", &["/pool/", "150"]);
    let codes = r["codes"].as_object().unwrap();
    assert!(
        codes.get("429").is_some_and(|n| n.as_u64().unwrap() > 0),
        "{r}"
    );
    assert!(codes.keys().all(|k| k == "200" || k == "429"), "{r}");

    // Keep-alive to the servers: 100 more calls reuse a few connections (without it, each
    // call leaves one in TIME-WAIT for a minute in the gateway's network namespace).
    let r = stack.client("spread", &["/pool/", "100"]);
    assert_eq!(r["replicas"].as_object().unwrap().len(), 3, "{r}");
    let tcp = must(
        "docker",
        &["exec", &stack.gateway_container(), "cat", "/proc/net/tcp"],
        &stack.dir,
    );
    let to_servers = String::from_utf8_lossy(&tcp.stdout)
        .lines()
        .filter(|l| {
            l.split_whitespace()
                .nth(2)
                .is_some_and(|a| a.ends_with(":1F40"))
        })
        .count();
    eprintln!("gateway: {to_servers} connections to port 8000 after the calls");
    assert!(to_servers < 60, "{to_servers} connections to port 8000");

    // nginx -t in the gateway image, and the TLS settings under a scan.
    must(
        "docker",
        &[
            "exec",
            &stack.gateway_container(),
            "nginx",
            "-t",
            "-c",
            "/etc/nginx/mcpstack/nginx.conf",
        ],
        &stack.dir,
    );
    let scan = must(
        "sslscan",
        &["--no-colour", &format!("127.0.0.1:{HTTPS}")],
        &stack.dir,
    );
    let scan = String::from_utf8_lossy(&scan.stdout).into_owned();
    for old in ["SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"] {
        assert!(
            scan.lines()
                .any(|l| l.starts_with(old) && l.contains("disabled")),
            "{old}:\n{scan}"
        );
    }
    let allowed = [
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-RSA-CHACHA20-POLY1305",
    ];
    let ciphers: Vec<&str> = scan
        .lines()
        .filter(|l| l.starts_with("Preferred") || l.starts_with("Accepted"))
        .filter_map(|l| l.split_whitespace().nth(4))
        .collect();
    assert!(!ciphers.is_empty(), "{scan}");
    for c in &ciphers {
        assert!(
            allowed.contains(c),
            "cipher {c} is outside the list:\n{scan}"
        );
    }

    // A tool call streaming progress for 90 s, above nginx's default 60 s timeout: it completes,
    // and every notification arrives within a few seconds of being sent (buffered, they
    // would arrive together at the end; the slack is for a loaded machine).
    let r = stack.client("progress", &["/stream/", "90"]);
    let arrivals = r["arrivals"].as_array().unwrap();
    assert_eq!(arrivals.len(), 90, "{r}");
    assert!(
        r["result"].as_str().unwrap().starts_with("done after 90s"),
        "{r}"
    );
    for (i, a) in arrivals.iter().enumerate() {
        let at = a["at"].as_f64().unwrap();
        let sent = (i + 1) as f64;
        assert!(
            at - sent < 5.0,
            "progress {} arrived at {at}s, sent at about {sent}s",
            i + 1
        );
    }

    // Monitoring: every server's MCP probe is up, directly and through the gateway; the
    // gateway's counters and certificate are scraped.
    let value = |r: &Value| r["value"][1].as_str().unwrap_or("").to_string();
    for probe in ["direct", "gateway"] {
        stack.wait_query(
            // A server answers in one protocol generation or both: the recorded series
            // is the better of its two probes.
            &format!(r#"min by (server) (mcp:probe_success{{probe="{probe}"}})"#),
            Duration::from_secs(180),
            |r| r.len() == 4 && r.iter().all(|x| value(x) == "1"),
        );
    }
    stack.wait_query("nginx_up", Duration::from_secs(60), |r| {
        r.len() == 1 && value(&r[0]) == "1"
    });
    stack.wait_query(
        r#"(probe_ssl_earliest_cert_expiry{job="gateway-tls"} - time()) / 86400"#,
        Duration::from_secs(60),
        |r| {
            r.len() == 1
                && value(&r[0])
                    .parse::<f64>()
                    .is_ok_and(|d| d > 800.0 && d <= 825.0)
        },
    );
    // Every replica of `stream` is probed on its own.
    let replicas = stack.query(r#"mcp:probe_success{probe="direct", server="stream"}"#);
    assert_eq!(replicas.len(), 3, "{replicas:?}");

    // A server stopped: reported down, and its alert fires. The worst case adds the
    // container's stop grace, a probe interval, the probe's timeout, the rule's `for: 1m`
    // and two evaluations; a loaded machine stretches each, so allow four minutes.
    must(
        "docker",
        &["stop", &format!("{PROJECT}_legacy_1")],
        &stack.dir,
    );
    let took = stack.wait_query(
        r#"ALERTS{alertname="McpServerDown", server="legacy", alertstate="firing"}"#,
        Duration::from_secs(240),
        |r| r.len() == 1,
    );
    eprintln!("McpServerDown fired {took:?} after the server stopped");
    let others = stack.query(r#"ALERTS{alertname="McpServerDown", alertstate="firing"}"#);
    assert_eq!(others.len(), 1, "only legacy is down: {others:?}");
}
