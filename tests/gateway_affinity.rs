//! Session affinity, run by the real nginx against three replicas in this process: a request
//! without a session reaches some replica and gets back its session id tagged with that
//! replica; later requests reach that replica by the tag, which nginx removes again; a tag
//! that names no replica gets 404 without reaching any; an unknown session gets the
//! replica's own 404; and a second gateway (a restart) routes the same sessions alike.
//!
//! nginx runs on this machine, not in its container: the rendered `nginx.conf` is used as it
//! is, except for what only the container has (the `nginx` user, Docker's DNS names for the
//! replicas, the certificate and temporary folders, the listening ports).
#![cfg(feature = "real-tools")]

mod common;
#[path = "mcp_servers/mod.rs"]
mod servers;

use axum::http::{HeaderMap, StatusCode};
use common::*;
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// What one replica has issued and seen.
#[derive(Default)]
struct Replica {
    /// Session ids it issued (`s1`, `s2`, …: every replica issues the same ones, so only the
    /// tag can tell them apart).
    sessions: BTreeSet<String>,
    /// Every `Mcp-Session-Id` it received.
    seen: Vec<String>,
}

/// A stateful replica: a POST without a session starts one; a POST with one it knows is
/// answered (with the id again, as some servers do); any other session gets 404.
async fn replica(name: &'static str) -> (SocketAddr, Arc<Mutex<Replica>>) {
    let state = Arc::new(Mutex::new(Replica::default()));
    let s = state.clone();
    let router = axum::Router::new().fallback(move |headers: HeaderMap| {
        let s = s.clone();
        async move {
            let mut r = s.lock().unwrap();
            let answer = |id: &str| {
                (
                    StatusCode::OK,
                    [("mcp-session-id", id.to_string())],
                    format!("{{\"replica\":\"{name}\",\"session\":\"{id}\"}}"),
                )
            };
            match headers.get("mcp-session-id").and_then(|v| v.to_str().ok()) {
                None => {
                    let id = format!("s{}", r.sessions.len() + 1);
                    r.sessions.insert(id.clone());
                    answer(&id)
                }
                Some(id) => {
                    r.seen.push(id.to_string());
                    if r.sessions.contains(id) {
                        answer(id)
                    } else {
                        (
                            StatusCode::NOT_FOUND,
                            [("mcp-session-id", String::new())],
                            format!("{{\"replica\":\"{name}\",\"error\":\"no such session\"}}"),
                        )
                    }
                }
            }
        }
    });
    (servers::serve(router).await, state)
}

/// The rendered config, made to run here: listening on `https`, the replicas at `ports`.
fn host_conf(rendered: &str, run: &Path, deploy: &Path, https: u16, ports: &[u16]) -> String {
    let mut conf = rendered
        .replace("user nginx;\n", "")
        .replace(
            "pid /tmp/nginx.pid;",
            &format!("pid {}/nginx.pid;", run.display()),
        )
        .replace("/tmp/nginx-", &format!("{}/nginx-", run.display()))
        .replace(
            "/etc/nginx/certs",
            &deploy.join("certs").display().to_string(),
        )
        .replace("listen 8443 ", &format!("listen 127.0.0.1:{https} "))
        .replace(
            "listen 8080;",
            &format!("listen 127.0.0.1:{};", free_port()),
        );
    // What the entrypoint writes in the container, with the replicas' addresses here.
    let upstreams: String = ports
        .iter()
        .enumerate()
        .map(|(i, port)| {
            format!(
                "upstream stream_r{} {{ server 127.0.0.1:{port}; keepalive 32; }}\n",
                i + 1
            )
        })
        .collect();
    let include = "include /tmp/mcpstack/upstreams.conf;";
    assert!(conf.contains(include), "{include} is not in the config");
    conf = conf.replace(include, &upstreams);
    conf
}

struct Answer {
    status: u16,
    session: Option<String>,
    content_type: String,
    body: serde_json::Value,
}

async fn post(client: &reqwest::Client, url: &str, session: Option<&str>) -> Answer {
    let mut req = client.post(url).body("{}");
    if let Some(s) = session {
        req = req.header("mcp-session-id", s);
    }
    let resp = req.send().await.unwrap();
    let header = |n: &str| {
        resp.headers()
            .get(n)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (session, content_type) = (header("mcp-session-id"), header("content-type"));
    Answer {
        status: resp.status().as_u16(),
        session,
        content_type: content_type.unwrap_or_default(),
        body: resp.json().await.unwrap_or(serde_json::Value::Null),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_stay_on_their_replica_by_tag_not_by_address() {
    let replicas = [
        replica("one").await,
        replica("two").await,
        replica("three").await,
    ];
    let names = ["one", "two", "three"];
    let https = [free_port(), free_port()];

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = format!(
        "version: 1\nname: affinity\ndomain: mcp.local\ngateway:\n  https_port: {}\n\
         images:\n  nginx: nginx:1.22\nservers:\n\
         \x20 stream: {{ image: example/stream:1, port: 8000, replicas: 3, health: none }}\n",
        https[0]
    );
    std::fs::write(dir.join("mcp-stack.yaml"), config).unwrap();
    let o = run(&["render"], dir);
    assert!(o.status.success(), "{:?}", text(&o));
    let deploy = dir.join("deploy");
    let rendered = std::fs::read_to_string(deploy.join("nginx/nginx.conf")).unwrap();
    let ports: Vec<u16> = replicas.iter().map(|(a, _)| a.port()).collect();

    // Two gateways from the same file, as after a restart or beside a second replica.
    let mut gateways = Vec::new();
    for (i, port) in https.iter().enumerate() {
        let run_dir = dir.join(format!("gateway-{i}"));
        std::fs::create_dir_all(&run_dir).unwrap();
        let conf = host_conf(&rendered, &run_dir, &deploy, *port, &ports);
        let file = run_dir.join("nginx.conf");
        std::fs::write(&file, conf).unwrap();
        gateways.push(start_nginx(&file, &run_dir, *port).await);
    }

    let ca = std::fs::read(test_caroot().join("rootCA.pem")).unwrap();
    let client = |port: u16| {
        reqwest::Client::builder()
            .tls_backend_preconfigured(mcpstack::mcp::http::tls_config(Some(&ca)).unwrap())
            .resolve("mcp.local", SocketAddr::from(([127, 0, 0, 1], port)))
            .build()
            .unwrap()
    };
    let (first, second) = (client(https[0]), client(https[1]));
    let url = |port: u16| format!("https://mcp.local:{port}/stream/");

    // New sessions, all from one address, spread over the replicas; each id names its replica.
    let mut sessions: Vec<(String, &str)> = Vec::new();
    for _ in 0..30 {
        let a = post(&first, &url(https[0]), None).await;
        assert_eq!(a.status, 200);
        let replica = a.body["replica"].as_str().unwrap().to_string();
        let n = names.iter().position(|x| *x == replica).unwrap() + 1;
        let original = a.body["session"].as_str().unwrap();
        assert_eq!(a.session, Some(format!("r{n}.{original}")));
        sessions.push((a.session.unwrap(), names[n - 1]));
    }
    let spread: BTreeSet<&str> = sessions.iter().map(|(_, r)| *r).collect();
    assert!(spread.len() >= 2, "every new session went to {spread:?}");

    // Every later request, through either gateway, reaches the replica that made the session,
    // which sees its own id; the client keeps seeing the tagged one.
    for (client, port) in [(&first, https[0]), (&second, https[1])] {
        for (id, replica) in &sessions {
            let a = post(client, &url(port), Some(id)).await;
            assert_eq!(a.status, 200, "{id}");
            assert_eq!(a.body["replica"], *replica, "{id}");
            assert_eq!(a.session.as_deref(), Some(id.as_str()));
        }
    }
    for (i, (_, state)) in replicas.iter().enumerate() {
        let s = state.lock().unwrap();
        let mine: Vec<&String> = sessions
            .iter()
            .filter(|(_, r)| *r == names[i])
            .map(|(id, _)| id)
            .collect();
        assert_eq!(s.seen.len(), 2 * mine.len(), "{}", names[i]);
        assert!(
            s.seen.iter().all(|id| s.sessions.contains(id)),
            "{:?}",
            s.seen
        );
    }

    // Tags that name no replica, and ids without a tag, never reach one: 404 in JSON-RPC.
    let before: usize = replicas
        .iter()
        .map(|(_, s)| s.lock().unwrap().seen.len())
        .sum();
    for forged in [
        "r4.s1", "r0.s1", "r01.s1", "s1", "r1", "r1.", "x.r1.s1", "r1s1",
    ] {
        let a = post(&first, &url(https[0]), Some(forged)).await;
        assert_eq!(a.status, 404, "{forged}");
        assert_eq!(a.content_type, "application/json", "{forged}");
        assert_eq!(a.body["error"]["code"], -32001, "{forged}");
        assert_eq!(a.session, None, "{forged}");
    }
    let after: usize = replicas
        .iter()
        .map(|(_, s)| s.lock().unwrap().seen.len())
        .sum();
    assert_eq!(before, after, "a forged tag reached a replica");

    // A known tag with a session its replica does not have: the replica's own 404.
    let a = post(&second, &url(https[1]), Some("r2.gone")).await;
    assert_eq!(a.status, 404);
    assert_eq!(a.body["replica"], "two");
    assert_eq!(a.session, None);
    assert_eq!(
        replicas[1]
            .1
            .lock()
            .unwrap()
            .seen
            .last()
            .map(String::as_str),
        Some("gone")
    );

    drop(gateways);
}
