//! The rendered gateway, run by the real nginx, in front of small servers in this process:
//! every `Location` a server sends comes back inside its route's prefix with the client's
//! scheme and address, and `check` passes through a server that moves `/mcp` to `/mcp/`.
//!
//! nginx runs on this machine, not in its container: the rendered `nginx.conf` is used as it
//! is, except for what only the container has (the `nginx` user, Docker's DNS names for the
//! servers, the certificate and temporary folders, the listening port).
#![cfg(feature = "real-tools")]

mod common;
#[path = "mcp_servers/mod.rs"]
mod servers;

use common::*;
use mcpstack::config::Transport;
use mcpstack::mcp::{check, table, CheckOptions, CheckTarget, SessionCheck};
use servers::{Behaviour, Era};
use std::net::SocketAddr;
use std::time::Duration;

/// A server that answers every POST with a 307 whose Location is of the kind its path names.
async fn locations() -> SocketAddr {
    use axum::http::{HeaderMap, StatusCode, Uri};
    let router = axum::Router::new().fallback(|uri: Uri, headers: HeaderMap| async move {
        let host = headers
            .get("host")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let location = match uri.path() {
            // Built from the Host header, as Starlette does.
            "/absolute" => format!("http://{host}/mcp/"),
            "/relative" => "/mcp/".to_string(),
            // The server's own name on the project network.
            "/own-name" => "http://zoo:8000/mcp/".to_string(),
            _ => "https://auth.example.com/login".to_string(),
        };
        (StatusCode::TEMPORARY_REDIRECT, [("location", location)])
    });
    servers::serve(router).await
}

#[tokio::test(flavor = "multi_thread")]
async fn locations_come_back_inside_the_prefix_and_check_follows_them() {
    let old = servers::streamable(Behaviour {
        redirect: true,
        ..Behaviour::default()
    })
    .await;
    let new = servers::streamable(Behaviour {
        era: Era::Modern,
        redirect: true,
        ..Behaviour::default()
    })
    .await;
    let zoo = locations().await;
    let https = free_port();

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let config = format!(
        "version: 1\nname: redirects\ndomain: mcp.local\ngateway:\n  https_port: {https}\n\
         images:\n  nginx: nginx:1.22\nservers:\n\
         \x20 old: {{ image: example/old:1, port: {}, health: none }}\n\
         \x20 new: {{ image: example/new:1, port: {}, health: none }}\n\
         \x20 zoo: {{ image: example/zoo:1, port: {}, health: none }}\n",
        old.addr.port(),
        new.addr.port(),
        zoo.port()
    );
    std::fs::write(dir.join("mcp-stack.yaml"), config).unwrap();
    let o = run(&["render"], dir);
    assert!(o.status.success(), "{:?}", text(&o));
    let deploy = dir.join("deploy");
    let rendered = std::fs::read_to_string(deploy.join("nginx/nginx.conf")).unwrap();
    let mut conf = rendered
        .replace("user nginx;\n", "")
        .replace(
            "pid /tmp/nginx.pid;",
            &format!("pid {}/nginx.pid;", dir.display()),
        )
        .replace("/tmp/nginx-", &format!("{}/nginx-", dir.display()))
        .replace(
            "/etc/nginx/certs",
            &deploy.join("certs").display().to_string(),
        )
        .replace("listen 8443 ", &format!("listen 127.0.0.1:{https} "))
        .replace(
            "listen 8080;",
            &format!("listen 127.0.0.1:{};", free_port()),
        );
    // What the entrypoint writes in the container, with the servers' addresses here.
    let upstreams = format!(
        "upstream old_upstream {{ server 127.0.0.1:{}; keepalive 32; }}\n\
         upstream new_upstream {{ server 127.0.0.1:{}; keepalive 32; }}\n\
         upstream zoo_upstream {{ server 127.0.0.1:{}; keepalive 32; }}\n",
        old.addr.port(),
        new.addr.port(),
        zoo.port()
    );
    conf = conf.replace("include /tmp/mcpstack/upstreams.conf;", &upstreams);
    assert_ne!(conf, rendered);
    let conf_file = dir.join("host-nginx.conf");
    std::fs::write(&conf_file, conf).unwrap();
    let _nginx = start_nginx(&conf_file, dir, https).await;

    let ca = std::fs::read(test_caroot().join("rootCA.pem")).unwrap();
    let gateway = SocketAddr::from(([127, 0, 0, 1], https));
    let plain = reqwest::Client::builder()
        .tls_backend_preconfigured(mcpstack::mcp::http::tls_config(Some(&ca)).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .resolve("mcp.local", gateway)
        .build()
        .unwrap();
    let public = format!("https://mcp.local:{https}");
    for (kind, want) in [
        ("absolute", format!("{public}/zoo/mcp/")),
        ("relative", format!("{public}/zoo/mcp/")),
        ("own-name", format!("{public}/zoo/mcp/")),
        ("elsewhere", "https://auth.example.com/login".to_string()),
    ] {
        let resp = plain
            .post(format!("{public}/zoo/{kind}"))
            .body("{}")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 307, "{kind}");
        assert_eq!(resp.headers()["location"].to_str().unwrap(), want, "{kind}");
    }

    // Both generations through the gateway, each behind its server's 307.
    let opts = CheckOptions {
        ca_pem: Some(ca),
        resolve: Some(("mcp.local".into(), gateway)),
        timeout: Duration::from_secs(5),
        ..CheckOptions::default()
    };
    let targets: Vec<CheckTarget> = ["old", "new"]
        .iter()
        .map(|s| CheckTarget {
            server: s.to_string(),
            url: format!("{public}/{s}/"),
            transport: Transport::StreamableHttp,
        })
        .collect();
    let results = check(&targets, &opts).await;
    assert!(results.iter().all(|r| r.ok()), "{}", table(&results));
    assert_eq!(results[0].session, Some(SessionCheck::Ended));
    assert_eq!(results[1].session, Some(SessionCheck::Sessionless));
    for server in [&old, &new] {
        let seen = server.seen();
        assert!(seen.iter().any(|s| s.what == "307"), "{seen:?}");
        assert!(
            seen.iter()
                .any(|s| s.what == "tools/list" && s.status == 200),
            "{seen:?}"
        );
    }
}
