//! The health checks and `check` against real MCP servers of both protocol generations: the
//! official Python SDK 1.x (initialize, sessions) and 2.x (2026-07-28 and earlier), each
//! served as its authors serve it and once at `/mcp/`, so that `POST /mcp` gets Starlette's
//! 307. Each SDK is installed from the package registry into a scratch environment.
#![cfg(feature = "live")]

mod common;
use common::{free_port, KillOnDrop};
use mcpstack::config::Transport;
use mcpstack::mcp::{check, table, CheckOptions, CheckTarget, SessionCheck};
use mcpstack::model::Runtime;
use mcpstack::render::health::mcp_script;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A server written for this test with each SDK's own API.
const SERVER_1: &str = r#"
import sys
from mcp.server.fastmcp import FastMCP
port, path = int(sys.argv[1]), sys.argv[2]
mcp = FastMCP("sdk1", host="0.0.0.0", port=port, streamable_http_path=path)

@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b

mcp.run(transport="streamable-http")
"#;

const SERVER_2: &str = r#"
import sys
from mcp.server.mcpserver import MCPServer
port, path = int(sys.argv[1]), sys.argv[2]
mcp = MCPServer("sdk2")

@mcp.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b

mcp.run(transport="streamable-http", host="0.0.0.0", port=port, streamable_http_path=path)
"#;

/// A venv with `mcp==version` in `dir`.
fn venv(dir: &Path, version: &str) -> PathBuf {
    let env = dir.join(format!("mcp-{version}"));
    let ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&env)
        .status()
        .unwrap()
        .success();
    assert!(ok, "python3 -m venv");
    let out = Command::new(env.join("bin/pip"))
        .args(["install", "-q", &format!("mcp=={version}")])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env
}

async fn start(env: &Path, script: &Path, port: u16, path: &str) -> KillOnDrop {
    let mut child = Command::new(env.join("bin/python"))
        .arg(script)
        .arg(port.to_string())
        .arg(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..300 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return KillOnDrop(child);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("{} did not listen on {port}", script.display());
}

async fn healthy(runtime: Runtime, port: u16) -> bool {
    let script = mcp_script(runtime, Transport::StreamableHttp, port, "/mcp");
    let (program, flag) = match runtime {
        Runtime::Python => ("python3", "-c"),
        Runtime::Node => ("node", "-e"),
    };
    tokio::task::spawn_blocking(move || {
        Command::new(program)
            .args([flag, &script])
            .stderr(Stdio::null())
            .status()
            .unwrap()
            .success()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn python_sdk_1_and_2_are_healthy_and_checked_plain_and_behind_a_307() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        ("1.26.0", SERVER_1, "2025-11-25"),
        ("2.3.0", SERVER_2, "2026-07-28"),
    ];
    let opts = CheckOptions {
        timeout: Duration::from_secs(10),
        ..CheckOptions::default()
    };
    for (version, source, protocol) in cases {
        let env = venv(tmp.path(), version);
        let script = tmp.path().join(format!("server-{version}.py"));
        std::fs::write(&script, source).unwrap();
        // As served by default, and at /mcp/ (POST /mcp gets 307).
        for path in ["/mcp", "/mcp/"] {
            let what = format!("mcp {version} at {path}");
            let port = free_port();
            let server = start(&env, &script, port, path).await;
            for runtime in [Runtime::Python, Runtime::Node] {
                assert!(
                    healthy(runtime, port).await,
                    "{what}: {runtime:?} health check"
                );
            }
            let target = CheckTarget {
                server: "sdk".into(),
                url: format!("http://127.0.0.1:{port}/mcp"),
                transport: Transport::StreamableHttp,
            };
            let results = check(std::slice::from_ref(&target), &opts).await;
            let r = &results[0];
            assert!(r.ok(), "{what}:\n{}", table(&results));
            println!("{what}:\n{}", table(&results));
            let init = r.initialize.as_ref().unwrap();
            assert_eq!(init.server.protocol_version, protocol, "{what}");
            assert_eq!(r.tools.as_ref().unwrap().names, ["add"], "{what}");
            let want = if protocol == "2026-07-28" {
                SessionCheck::Sessionless
            } else {
                SessionCheck::Ended
            };
            assert_eq!(r.session, Some(want), "{what}");
            // Dead: both unhealthy and failed.
            drop(server);
            for runtime in [Runtime::Python, Runtime::Node] {
                assert!(
                    !healthy(runtime, port).await,
                    "{what}: {runtime:?} after stop"
                );
            }
            let results = check(&[target], &opts).await;
            assert!(!results[0].ok(), "{what}: check after stop");
        }
    }
}
