//! The rendered blackbox modules, run by the real blackbox exporter against small MCP servers
//! in this process: a server of either protocol generation passes one of its two probes, a 307
//! is followed, and a dead or non-MCP server passes none.
#![cfg(feature = "real-tools")]

mod common;
#[path = "mcp_servers/mod.rs"]
mod servers;

use common::*;
use servers::{Behaviour, Era};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The blackbox exporter with the `spike` example's rendered modules, on a free port.
struct Exporter {
    child: Child,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

async fn exporter() -> Exporter {
    let (tmp, dir) = example_copy("spike");
    let cfg = dir.join("mcp-stack.yaml");
    let yaml = std::fs::read_to_string(&cfg).unwrap();
    let mut c: serde_yaml::Value = serde_yaml::from_str(&yaml).unwrap();
    c["monitoring"]["enabled"] = true.into();
    std::fs::write(&cfg, serde_yaml::to_string(&c).unwrap()).unwrap();
    let o = run(&["render"], &dir);
    assert!(o.status.success(), "{:?}", text(&o));
    let addr = free_addr();
    let mut child = Command::new("prometheus-blackbox-exporter")
        .arg(format!(
            "--config.file={}",
            dir.join("deploy/prometheus/blackbox.yml").display()
        ))
        .arg(format!("--web.listen-address={addr}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("prometheus-blackbox-exporter");
    // Ready once it accepts connections (bounded: 200 tries).
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Exporter {
                child,
                addr,
                _dir: tmp,
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the blackbox exporter did not start");
}

impl Exporter {
    /// Whether module `module` succeeds on `target`.
    async fn probe(&self, module: &str, target: &str) -> bool {
        let http = mcpstack::mcp::http_client(None, Duration::from_secs(5), None).unwrap();
        let url = format!("http://{}/probe?module={module}&target={target}", self.addr);
        let text = http.get(url).send().await.unwrap().text().await.unwrap();
        assert!(text.contains("probe_success"), "{text}");
        text.lines().any(|l| l == "probe_success 1")
    }

    /// Which of the two streamable HTTP modules succeed on `target`.
    async fn eras(&self, target: &str) -> (bool, bool) {
        (
            self.probe("mcp_discover", target).await,
            self.probe("mcp_initialize", target).await,
        )
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_generation_passes_its_probe_through_a_redirect_too() {
    let bb = exporter().await;
    let cases = [
        ("2025", Era::Legacy, false, (false, true)),
        ("2026", Era::Modern, false, (true, false)),
        ("both", Era::Dual, false, (true, true)),
        ("2025 behind a 307", Era::Legacy, true, (false, true)),
        ("2026 behind a 307", Era::Modern, true, (true, false)),
    ];
    for (what, era, redirect, want) in cases {
        let server = servers::streamable(Behaviour {
            era,
            redirect,
            ..Behaviour::default()
        })
        .await;
        let got = bb.eras(&server.url("/mcp")).await;
        assert_eq!(got, want, "{what}: {:?}", server.seen());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dead_and_non_mcp_servers_pass_no_probe() {
    let bb = exporter().await;
    let dead = free_addr();
    assert_eq!(bb.eras(&format!("http://{dead}/mcp")).await, (false, false));
    let garbage = servers::garbage().await;
    for path in ["/mcp", "/broken", "/nothing"] {
        let got = bb.eras(&format!("http://{garbage}{path}")).await;
        assert_eq!(got, (false, false), "{path}");
    }
}
