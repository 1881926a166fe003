//! The container health checks, run with the real interpreters (python3, node) against small
//! MCP servers in this process: healthy on both protocol generations and through a 307,
//! unhealthy on a dead port or a server that does not answer MCP.
#![cfg(feature = "real-tools")]

#[path = "mcp_servers/mod.rs"]
mod servers;

use mcpstack::config::Transport;
use mcpstack::model::Runtime;
use mcpstack::render::health::mcp_script;
use servers::{Behaviour, Era};
use std::net::SocketAddr;
use std::process::Command;

/// Runs the health check of `runtime` against `addr`; true when it says healthy.
async fn healthy(runtime: Runtime, transport: Transport, addr: SocketAddr, endpoint: &str) -> bool {
    let script = mcp_script(runtime, transport, addr.port(), endpoint);
    let (program, flag) = match runtime {
        Runtime::Python => ("python3", "-c"),
        Runtime::Node => ("node", "-e"),
    };
    let out = tokio::task::spawn_blocking(move || {
        Command::new(program)
            .args([flag, &script])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    out.status.success()
}

const RUNTIMES: [Runtime; 2] = [Runtime::Python, Runtime::Node];

fn behaviours() -> Vec<(&'static str, Behaviour)> {
    let b = |era, json, sessions, redirect| Behaviour {
        era,
        json,
        sessions,
        redirect,
        ..Behaviour::default()
    };
    vec![
        (
            "2025, sessions, event stream",
            b(Era::Legacy, false, true, false),
        ),
        ("2025, stateless, JSON", b(Era::Legacy, true, false, false)),
        ("2026 only", b(Era::Modern, false, false, false)),
        ("2026 only, JSON", b(Era::Modern, true, false, false)),
        ("both generations", b(Era::Dual, false, true, false)),
        ("2025 behind a 307", b(Era::Legacy, false, true, true)),
        ("2026 behind a 307", b(Era::Modern, true, false, true)),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn healthy_on_both_generations_and_through_a_redirect() {
    for (what, behaviour) in behaviours() {
        let server = servers::streamable(behaviour.clone()).await;
        for runtime in RUNTIMES {
            assert!(
                healthy(runtime, Transport::StreamableHttp, server.addr, "/mcp").await,
                "{runtime:?} health check on {what}: {:?}",
                server.seen()
            );
        }
        let seen = server.seen();
        if behaviour.era == Era::Legacy {
            // The session initialize opened is closed.
            assert!(
                seen.iter().any(|s| s.what == "DELETE") || !behaviour.sessions,
                "{what}: {seen:?}"
            );
        } else {
            // A 2026 server is asked server/discover and nothing else.
            assert!(
                seen.iter()
                    .all(|s| s.what == "server/discover" || s.what == "307"),
                "{what}: {seen:?}"
            );
        }
        if behaviour.redirect {
            assert!(seen.iter().any(|s| s.what == "307"), "{what}: {seen:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn unhealthy_on_a_dead_port_and_on_a_server_that_does_not_answer_mcp() {
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let garbage = servers::garbage().await;
    for runtime in RUNTIMES {
        assert!(
            !healthy(runtime, Transport::StreamableHttp, dead, "/mcp").await,
            "{runtime:?} dead"
        );
        for endpoint in ["/mcp", "/broken", "/nothing-here"] {
            assert!(
                !healthy(runtime, Transport::StreamableHttp, garbage, endpoint).await,
                "{runtime:?} {endpoint}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn legacy_sse_servers_stay_healthy() {
    let server = servers::legacy("/sse", "", "", None).await;
    for runtime in RUNTIMES {
        assert!(
            healthy(runtime, Transport::Sse, server.addr, "/sse").await,
            "{runtime:?}"
        );
    }
}
