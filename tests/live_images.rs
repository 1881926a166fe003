//! The project fixtures, live: each built from its rendered Dockerfile on the local test
//! images, started hardened as the production profile runs it (read-only root unless the
//! config says otherwise, UID 10001, no capabilities), and called: `initialize`, `tools/list`
//! and `tools/call add`. Built only with `--features live`; needs `.ci/setup` and `.ci/images`,
//! and fails (never skips) without them. Run it holding `/tmp/mcpstack-live.lock`.
#![cfg(feature = "live")]

mod common;
mod projects_common;
use common::*;
use projects_common::*;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn docker(args: &[&str], cwd: &Path) -> Output {
    Command::new("docker")
        .args(args)
        .current_dir(cwd)
        .env("DOCKER_BUILDKIT", "1")
        .output()
        .expect("docker is required by the live suite")
}

/// Removes the container when the test ends, whatever happened.
struct Container(String);

impl Drop for Container {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rm", "-f", &self.0]).output();
    }
}

/// JSON-RPC over streamable HTTP with the standard library only: initialize, initialized,
/// tools/list, tools/call add(2, 3). Prints the tool's text.
const CLIENT: &str = r#"
import http.client, json, sys
port = int(sys.argv[1])
session = None
def call(method, params, id=None):
    global session
    body = {"jsonrpc": "2.0", "method": method, "params": params}
    if id is not None:
        body["id"] = id
    h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
         "MCP-Protocol-Version": "2025-06-18"}
    if session:
        h["Mcp-Session-Id"] = session
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/mcp", json.dumps(body), h)
    r = c.getresponse()
    session = r.getheader("mcp-session-id") or session
    text = r.read().decode()
    if id is None:
        return None
    assert r.status == 200, (r.status, text)
    for line in text.splitlines():
        if line.startswith("data:"):
            text = line[5:]
            msg = json.loads(text)
            if msg.get("id") == id:
                return msg
    return json.loads(text)
init = call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "live-images", "version": "1"}}, 1)
assert "result" in init, init
call("notifications/initialized", {})
tools = call("tools/list", {}, 2)
assert any(t["name"] == "add" for t in tools["result"]["tools"]), tools
res = call("tools/call", {"name": "add", "arguments": {"a": 2, "b": 3}}, 3)
print(res["result"]["content"][0]["text"])
"#;

fn build_and_call(case: &Case) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_tree(&projects().join(case.shape), &dir.join(case.shape));
    let mut cfg = config(&[case]);
    pin_test_images(&mut cfg, &["python", "uv", "node", "nginx"]);
    std::fs::write(
        dir.join("mcp-stack.yaml"),
        serde_yaml::to_string(&cfg).unwrap(),
    )
    .unwrap();
    let out = run(&["render"], dir);
    assert!(out.status.success(), "render: {:?}", text(&out));

    let name = server_name(case);
    let tag = format!("mcpstack-live-images-{}:test", case.shape);
    let dockerfile = format!("deploy/build/{name}/Dockerfile");
    let mut context = format!("./{}", case.shape);
    if dir.join(case.shape).join("Dockerfile").is_file() {
        // Its own Dockerfile is built first as the base the bridge layer is built FROM.
        let base = format!("fixtures-{name}-base:local");
        let out = docker(&["build", "-q", "-t", &base, &context], dir);
        assert!(
            out.status.success(),
            "{}: base: {:?}",
            case.shape,
            text(&out)
        );
        context = format!("deploy/build/{name}");
    }
    let out = docker(
        &["build", "-q", "-f", &dockerfile, "-t", &tag, &context],
        dir,
    );
    assert!(
        out.status.success(),
        "{}: docker build: {:?}",
        case.shape,
        text(&out)
    );

    let container = Container(format!("mcpstack-live-images-{}", case.shape));
    let _ = docker(&["rm", "-f", &container.0], dir);
    let mut args = vec![
        "run",
        "-d",
        "--name",
        &container.0,
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges",
        "--tmpfs",
        "/tmp",
        "-p",
        "127.0.0.1::8000",
    ];
    if case.read_only {
        args.push("--read-only");
    }
    args.push(&tag);
    let out = docker(&args, dir);
    assert!(
        out.status.success(),
        "{}: docker run: {:?}",
        case.shape,
        text(&out)
    );

    // The image's own health check (an MCP handshake) says when it serves.
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let out = docker(
            &[
                "inspect",
                "-f",
                "{{.State.Status}} {{.State.Health.Status}}",
                &container.0,
            ],
            dir,
        );
        let state = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if state == "running healthy" {
            break;
        }
        let logs = docker(&["logs", &container.0], dir);
        assert!(
            state.starts_with("running") && Instant::now() < deadline,
            "{}: {state}; logs: {:?}",
            case.shape,
            text(&logs)
        );
        std::thread::sleep(Duration::from_secs(1));
    }
    let port = docker(&["port", &container.0, "8000/tcp"], dir);
    let port = String::from_utf8_lossy(&port.stdout);
    let port = port.trim().rsplit(':').next().unwrap().to_string();
    let out = Command::new("python3")
        .args(["-c", CLIENT, &port])
        .output()
        .expect("python3");
    let logs = docker(&["logs", &container.0], dir);
    assert!(
        out.status.success(),
        "{}: client: {:?}; logs: {:?}",
        case.shape,
        text(&out),
        text(&logs)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "5",
        "{}",
        case.shape
    );

    match case.shape {
        "py-mcp2" => {
            // The bridge did not touch the project's locked SDK.
            let v = docker(
                &[
                    "exec",
                    &container.0,
                    "python",
                    "-c",
                    "import importlib.metadata as m; print(m.version('mcp'))",
                ],
                dir,
            );
            assert!(
                String::from_utf8_lossy(&v.stdout).starts_with("2."),
                "{:?}",
                text(&v)
            );
        }
        "py-pinned" | "py-uv-app" => {
            // `.python-version` (3.11, 3.12) is a preference: the image's 3.11 serves.
            let v = docker(&["exec", &container.0, "python", "--version"], dir);
            assert!(String::from_utf8_lossy(&v.stdout).starts_with("Python 3.11"));
        }
        "py-writes-log" => {
            let log = docker(&["exec", &container.0, "cat", "/app/server.log"], dir);
            assert!(
                String::from_utf8_lossy(&log.stdout).contains("add 2 3"),
                "{:?}",
                text(&log)
            );
        }
        "py-requirements" => {
            // The server's own log (FastMCP logs each request) reaches `docker logs` through
            // mcp-proxy.
            let (out, err) = text(&logs);
            assert!(
                (out + &err).contains("Processing request of type CallToolRequest"),
                "{:?}",
                text(&logs)
            );
        }
        "own-dockerfile-stdio" => {
            // The bridge started the Dockerfile's CMD; the server's stderr reaches `docker logs`.
            let (out, err) = text(&logs);
            let all = out + &err;
            assert!(all.contains("own-dockerfile add 2 3"), "{:?}", text(&logs));
            // And so do mcp-proxy's own lines (its default level, INFO).
            assert!(all.contains("mcp_proxy.mcp_server]"), "{:?}", text(&logs));
        }
        "node-tsc" => {
            // The server's stderr reaches `docker logs` through the bridge.
            assert!(
                text(&logs).1.contains("tsc-adder running on stdio")
                    || text(&logs).0.contains("tsc-adder running on stdio"),
                "{:?}",
                text(&logs)
            );
        }
        _ => {}
    }
    let _ = docker(&["rmi", "-f", &tag], dir);
    let _ = docker(&["rmi", "-f", &format!("fixtures-{name}-base:local")], dir);
}

macro_rules! live_case {
    ($test:ident, $shape:literal) => {
        #[test]
        fn $test() {
            build_and_call(CASES.iter().find(|c| c.shape == $shape).unwrap());
        }
    };
}

live_case!(uv_app_with_a_flat_module, "py-uv-app");
live_case!(pyproject_only_app, "py-pyproject-only");
live_case!(requirements_txt_app, "py-requirements");
live_case!(package_with_a_build_system, "py-package");
live_case!(pinned_by_python_version, "py-pinned");
live_case!(sdk_two_is_not_downgraded_by_the_bridge, "py-mcp2");
live_case!(writes_a_log_beside_its_module, "py-writes-log");
live_case!(own_dockerfile_stdio_is_bridged, "own-dockerfile-stdio");
live_case!(typescript_compiled_with_tsc, "node-tsc");
live_case!(npm_workspace_member, "node-workspace");
