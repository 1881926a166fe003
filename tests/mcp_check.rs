//! The MCP client behind `mcpstack check`, against small servers in this process: what it
//! finds, and what it says when something is wrong.

#[path = "mcp_servers/mod.rs"]
mod servers;

use mcpstack::certs::{ensure_leaf, Env, KeyKind, LocalCa};
use mcpstack::config::Transport;
use mcpstack::mcp::{
    all_ok, check, table, BodyKind, CheckOptions, CheckResult, CheckTarget, Column, McpError,
    SessionCheck, Step,
};
use servers::{Behaviour, Delete, Era};
use std::path::Path;
use std::time::Duration;

fn target(server: &str, url: String, transport: Transport) -> CheckTarget {
    CheckTarget {
        server: server.into(),
        url,
        transport,
    }
}

fn opts() -> CheckOptions {
    CheckOptions {
        timeout: Duration::from_secs(5),
        ..CheckOptions::default()
    }
}

async fn one(t: CheckTarget, opts: &CheckOptions) -> CheckResult {
    let mut results = check(&[t], opts).await;
    assert_eq!(results.len(), 1);
    results.remove(0)
}

fn failures(r: &CheckResult) -> Vec<String> {
    r.failures.iter().map(|f| f.to_string()).collect()
}

#[tokio::test]
async fn stateful_event_stream_server_round_trips_its_session() {
    let server = servers::streamable(Behaviour {
        token: Some("tok".into()),
        ..Behaviour::default()
    })
    .await;
    let o = CheckOptions {
        token: Some("tok".into()),
        ..opts()
    };
    let r = one(
        target("main", server.url("/mcp"), Transport::StreamableHttp),
        &o,
    )
    .await;
    assert!(r.ok(), "{:?}", failures(&r));

    let init = r.initialize.as_ref().unwrap();
    assert_eq!(init.server.name, "emu");
    assert_eq!(init.server.protocol_version, "2025-06-18");
    // The SDK's session was sess-1; the round trip is checked on a session of its own.
    assert_eq!(init.session_id.as_deref(), Some("sess-2"));
    assert_eq!(init.kind, BodyKind::EventStream);
    assert!(init.server.capabilities["tools"].is_object());
    assert_eq!(r.tools.as_ref().unwrap().names, ["echo", "add"]);
    // The response came in two pieces 20 ms apart: the first byte is the first piece.
    let fb = r.first_byte.unwrap();
    assert_eq!(fb.kind, BodyKind::EventStream);
    assert!(fb.after >= Duration::from_millis(15), "{fb:?}");
    assert_eq!(r.session, Some(SessionCheck::Ended));

    // What the server saw: the token everywhere. The SDK asks server/discover first, falls
    // back to initialize on this server of an earlier revision, lists the tools and ends its
    // session. Then, by hand: the id and the negotiated version on every request after
    // initialize, and the ended id refused with 404.
    let seen = server.seen();
    let what: Vec<(&str, u16)> = seen.iter().map(|s| (s.what.as_str(), s.status)).collect();
    assert_eq!(
        what,
        [
            ("server/discover", 400),
            ("initialize", 200),
            ("notifications/initialized", 202),
            ("tools/list", 200),
            ("DELETE", 200),
            ("initialize", 200),
            ("notifications/initialized", 202),
            ("tools/list", 200),
            ("DELETE", 200),
            ("ping", 404),
        ]
    );
    assert!(seen.iter().all(|s| s.auth.as_deref() == Some("Bearer tok")));
    let hand = &seen[5..];
    assert_eq!(hand[0].session, None);
    assert_eq!(hand[0].protocol, None);
    for s in &hand[1..] {
        assert_eq!(s.session.as_deref(), Some("sess-2"));
        assert_eq!(s.protocol.as_deref(), Some("2025-06-18"));
    }

    let shown = table(&[r]);
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 2, "{shown}");
    assert!(lines[0].starts_with("server  url"), "{shown}");
    assert!(lines[0].ends_with("first byte ms  session"), "{shown}");
    assert!(lines[1].starts_with("main    http://127.0.0.1:"), "{shown}");
    assert!(
        lines[1].contains("ok, ") && lines[1].contains("2, "),
        "{shown}"
    );
    assert!(lines[1].ends_with("  ok"), "{shown}");
}

#[tokio::test]
async fn json_server_is_reported_as_json_and_delete_405_is_fine() {
    let server = servers::streamable(Behaviour {
        json: true,
        delete: Delete::NotAllowed,
        paged: true,
        ..Behaviour::default()
    })
    .await;
    let r = one(
        target("js", server.url("/mcp"), Transport::StreamableHttp),
        &opts(),
    )
    .await;
    assert!(r.ok(), "{:?}", failures(&r));
    assert_eq!(r.initialize.as_ref().unwrap().kind, BodyKind::Json);
    assert_eq!(r.first_byte.unwrap().kind, BodyKind::Json);
    // Both pages.
    assert_eq!(r.tools.as_ref().unwrap().names, ["echo", "add"]);
    assert_eq!(r.session, Some(SessionCheck::NoDelete));
    let what: Vec<String> = server.seen().into_iter().map(|s| s.what).collect();
    assert_eq!(
        what,
        [
            "server/discover",
            "initialize",
            "notifications/initialized",
            "tools/list",
            "tools/list",
            "DELETE",
            "initialize",
            "notifications/initialized",
            "tools/list",
            "tools/list",
            "DELETE"
        ]
    );
    let shown = table(&[r]);
    let row = shown.lines().nth(1).unwrap();
    assert!(
        row.contains("  json  ") && row.ends_with("ok, no DELETE"),
        "{shown}"
    );
}

#[tokio::test]
async fn stateless_server_has_no_session_to_check() {
    let server = servers::streamable(Behaviour {
        sessions: false,
        ..Behaviour::default()
    })
    .await;
    let r = one(
        target("pool", server.url("/mcp"), Transport::StreamableHttp),
        &opts(),
    )
    .await;
    assert!(r.ok(), "{:?}", failures(&r));
    assert_eq!(r.initialize.as_ref().unwrap().session_id, None);
    assert_eq!(r.session, Some(SessionCheck::Stateless));
    // No DELETE without a session.
    assert!(server.seen().iter().all(|s| s.what != "DELETE"));
    assert!(table(&[r]).contains("none (stateless)"));
}

#[tokio::test]
async fn a_session_still_served_after_delete_fails() {
    let server = servers::streamable(Behaviour {
        delete: Delete::Ignored,
        ..Behaviour::default()
    })
    .await;
    let r = one(
        target("main", server.url("/mcp"), Transport::StreamableHttp),
        &opts(),
    )
    .await;
    assert!(!r.ok());
    assert_eq!(r.failures.len(), 1);
    assert_eq!(r.failures[0].step, Step::AfterDelete);
    let f = r.failures[0].to_string();
    // The body's start shows what the server said instead.
    assert!(
        f.starts_with(
            "main: after DELETE: the session id is still answered after DELETE, with HTTP \
             200 OK instead of 404: event: message data: {\"jsonrpc\":\"2.0\""
        ),
        "{f}"
    );
    // Everything before it passed.
    assert!(r.initialize.is_some() && r.tools.is_some());
    let shown = table(&[r]);
    assert!(shown.lines().nth(1).unwrap().ends_with("FAILED"), "{shown}");
}

#[tokio::test]
async fn a_session_id_that_does_not_round_trip_fails() {
    let server = servers::streamable(Behaviour {
        forget_sessions: true,
        ..Behaviour::default()
    })
    .await;
    let r = one(
        target("main", server.url("/mcp"), Transport::StreamableHttp),
        &opts(),
    )
    .await;
    let f = failures(&r);
    assert_eq!(
        f,
        [
            "main: notifications/initialized: HTTP 404 Not Found: session not found",
            "main: session: the session id from initialize was refused by the next request \
             (HTTP 404 Not Found: session not found)",
        ]
    );
    // initialize itself answered; the handshake as a whole failed.
    assert!(r.initialize.is_some());
    assert!(r.failed(Column::Session) && r.failed(Column::Initialize));
    assert!(r.tools.is_none());
    let shown = table(&[r]);
    let cells: Vec<&str> = shown.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(cells[2..], ["FAILED", "-", "-", "FAILED"], "{shown}");
    assert!(
        shown.ends_with(&format!("\n\n{}\n{}\n", f[0], f[1])),
        "{shown}"
    );
}

#[tokio::test]
async fn legacy_sse_server_behind_a_prefix() {
    // As the gateway serves it: stream at /legacy/, endpoint rewritten into the prefix.
    let server = servers::legacy("/legacy/", "/legacy", "/legacy", Some("tok")).await;
    let o = CheckOptions {
        token: Some("tok".into()),
        ..opts()
    };
    let r = one(target("legacy", server.url("/legacy/"), Transport::Sse), &o).await;
    assert!(r.ok(), "{:?}", failures(&r));
    let init = r.initialize.as_ref().unwrap();
    assert_eq!(init.server.name, "legacy-emu");
    assert_eq!(init.server.protocol_version, "2024-11-05");
    assert_eq!(r.tools.as_ref().unwrap().names, ["echo", "add"]);
    assert_eq!(r.first_byte.unwrap().kind, BodyKind::EventStream);
    assert_eq!(r.session, Some(SessionCheck::Legacy));
    let seen = server.seen();
    let what: Vec<&str> = seen.iter().map(|s| s.what.as_str()).collect();
    assert_eq!(
        what,
        [
            "GET",
            "initialize",
            "notifications/initialized",
            "tools/list"
        ]
    );
    assert!(seen.iter().all(|s| s.auth.as_deref() == Some("Bearer tok")));
    let shown = table(&[r]);
    assert!(shown.contains("n/a (sse)"), "{shown}");
}

#[tokio::test]
async fn legacy_endpoint_outside_the_prefix_is_named() {
    // A gateway that did not rewrite the endpoint event.
    let server = servers::legacy("/legacy/", "", "/legacy", None).await;
    let r = one(
        target("legacy", server.url("/legacy/"), Transport::Sse),
        &opts(),
    )
    .await;
    assert_eq!(
        failures(&r),
        [
            "legacy: event stream: the endpoint event names /messages/, outside /legacy/ \
          (the gateway did not rewrite it)"
        ]
    );
    // Directly on a server (no prefix), the root-relative endpoint is right.
    let direct = servers::legacy("/sse", "", "", None).await;
    let r = one(
        target("legacy", direct.url("/sse"), Transport::Sse),
        &opts(),
    )
    .await;
    assert!(r.ok(), "{:?}", failures(&r));
}

#[tokio::test]
async fn garbage_500_and_silence_are_failures_with_their_text() {
    let addr = servers::garbage().await;
    let url = |p: &str| format!("http://{addr}{p}");
    let o = CheckOptions {
        timeout: Duration::from_millis(500),
        ..opts()
    };
    let targets = [
        target("web", url("/mcp"), Transport::StreamableHttp),
        target("broken", url("/broken"), Transport::StreamableHttp),
        target("slow", url("/slow"), Transport::StreamableHttp),
        target("silent", url("/silent"), Transport::Sse),
        target("gone", url("/nothing"), Transport::Sse),
    ];
    let results = check(&targets, &o).await;
    assert!(!all_ok(&results));
    let order: Vec<&str> = results.iter().map(|r| r.server.as_str()).collect();
    assert_eq!(order, ["web", "broken", "slow", "silent", "gone"]);
    let f: Vec<String> = results.iter().flat_map(failures).collect();
    assert_eq!(
        f,
        [
            "web: initialize: HTTP 200 OK with text/html, neither JSON nor an event stream: \
             <html> <body>Welcome to nginx!</body> </html>",
            "broken: initialize: HTTP 500 Internal Server Error: boom: upstream exploded",
            "slow: initialize: no answer within 500 ms",
            "silent: event stream: no answer within 500 ms",
            "gone: event stream: HTTP 404 Not Found (empty body)",
        ]
    );
    for r in &results {
        assert!(r.initialize.is_none() && r.tools.is_none() && r.session.is_none());
    }
    let shown = table(&results);
    for line in shown.lines().skip(1).take(5) {
        assert!(line.contains("FAILED"), "{shown}");
    }
}

#[tokio::test]
async fn missing_token_and_refused_connection_have_hints() {
    let server = servers::streamable(Behaviour {
        token: Some("tok".into()),
        ..Behaviour::default()
    })
    .await;
    let t = target("main", server.url("/mcp"), Transport::StreamableHttp);
    let r = one(t.clone(), &opts()).await;
    assert_eq!(
        failures(&r),
        [
            "main: initialize: HTTP 401 Unauthorized: 401 Authorization Required \
          (auth is on and no token was given)"
        ]
    );
    let wrong = CheckOptions {
        token: Some("nope".into()),
        ..opts()
    };
    let r = one(t, &wrong).await;
    assert!(
        failures(&r)[0].ends_with("(the token was refused)"),
        "{:?}",
        failures(&r)
    );

    // A port nobody listens on.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let r = one(
        target(
            "down",
            format!("http://127.0.0.1:{port}/mcp"),
            Transport::StreamableHttp,
        ),
        &opts(),
    )
    .await;
    let f = failures(&r);
    assert!(
        f[0].starts_with("down: initialize: could not connect"),
        "{f:?}"
    );
    assert!(f[0].ends_with("(is the gateway running?)"), "{f:?}");
}

#[tokio::test]
async fn bad_urls_and_bad_ca_files_fail_at_setup() {
    let r = one(target("x", "ftp://h/".into(), Transport::Sse), &opts()).await;
    assert_eq!(failures(&r), ["x: setup: ftp://h/ is not an http(s) URL"]);
    let o = CheckOptions {
        ca_pem: Some(b"not a certificate".to_vec()),
        ..opts()
    };
    let results = check(
        &[
            target("a", "https://h/a/".into(), Transport::StreamableHttp),
            target("b", "https://h/b/".into(), Transport::Sse),
        ],
        &o,
    )
    .await;
    let f: Vec<String> = results.iter().flat_map(failures).collect();
    assert_eq!(
        f,
        [
            "a: setup: the CA file holds no PEM certificate",
            "b: setup: the CA file holds no PEM certificate",
        ]
    );
}

/// A new CA in `dir/<name>`, named after `user` (CAs of one user share their name).
fn ca(dir: &Path, name: &str, user: &str) -> LocalCa {
    let env = Env::new().with_var("USER", user).with_hostname("testhost");
    let now = time::OffsetDateTime::now_utc();
    LocalCa::load_or_create_with(&dir.join(name), KeyKind::Ecdsa, &env, now)
        .unwrap()
        .0
}

#[tokio::test]
async fn tls_trusts_only_the_given_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let stack_ca = ca(tmp.path(), "stack", "tester");
    // Made anew by the same user: the same name, another key.
    let renewed_ca = ca(tmp.path(), "renewed", "tester");
    let other_ca = ca(tmp.path(), "other", "someone");
    let leaf = ensure_leaf(
        &stack_ca,
        &tmp.path().join("certs"),
        &["mcp.test".to_string()],
        KeyKind::Ecdsa,
        false,
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let server =
        servers::streamable_tls(Behaviour::default(), &leaf.fullchain, &leaf.privkey).await;
    // The public URL, as `check` builds it for port 443; the name goes to the local server
    // (whose port replaces 443, the URL having none).
    let t = target(
        "main",
        "https://mcp.test/main/".into(),
        Transport::StreamableHttp,
    );
    let with = |pem: Option<&str>| CheckOptions {
        ca_pem: pem.map(|p| p.as_bytes().to_vec()),
        resolve: Some(("mcp.test".into(), server.addr)),
        ..opts()
    };

    let r = one(t.clone(), &with(Some(stack_ca.cert_pem()))).await;
    assert!(r.ok(), "{:?}", failures(&r));
    assert_eq!(r.session, Some(SessionCheck::Ended));
    assert_eq!(r.first_byte.unwrap().kind, BodyKind::EventStream);

    for (ca, reason) in [(&other_ca, "UnknownIssuer"), (&renewed_ca, "BadSignature")] {
        let r = one(t.clone(), &with(Some(ca.cert_pem()))).await;
        assert_eq!(r.failures.len(), 1, "{:?}", failures(&r));
        assert_eq!(r.failures[0].step, Step::Initialize);
        assert!(matches!(r.failures[0].error, McpError::Transport(_)));
        assert_eq!(
            r.failures[0].to_string(),
            format!(
                "main: initialize: could not connect: invalid peer certificate: {reason} \
                 (the certificate is not signed by the stack's CA)"
            )
        );
    }

    // The platform's roots do not hold a CA made a moment ago (a machine with no roots at
    // all fails here too, with another reason).
    let r = one(t, &with(None)).await;
    assert_eq!(r.failures.len(), 1, "{:?}", failures(&r));
    assert_eq!(r.failures[0].step, Step::Initialize);
    assert!(matches!(r.failures[0].error, McpError::Transport(_)));
    let f = r.failures[0].to_string();
    assert!(
        !f.contains("UnknownIssuer")
            || f.ends_with("(the certificate is not signed by a CA this machine trusts)"),
        "{f}"
    );

    // The right CA for another name.
    let wrong_name = CheckOptions {
        resolve: Some(("other.test".into(), server.addr)),
        ..with(Some(stack_ca.cert_pem()))
    };
    let r = one(
        target(
            "main",
            "https://other.test/main/".into(),
            Transport::StreamableHttp,
        ),
        &wrong_name,
    )
    .await;
    assert_eq!(
        failures(&r),
        [
            "main: initialize: could not connect: invalid peer certificate: certificate not \
          valid for name \"other.test\"; certificate is only valid for DnsName(\"mcp.test\")"
        ]
    );
    // Only the successful run got past the handshake, and it spoke HTTP/2, as through the
    // gateway: event streams included.
    let seen = server.seen();
    // (The SDK's session and the hand-made one.)
    assert_eq!(seen.iter().filter(|s| s.what == "initialize").count(), 2);
    assert!(seen.iter().all(|s| s.version == "HTTP/2.0"), "{seen:?}");
}

#[tokio::test]
async fn servers_are_checked_at_once() {
    let slow = servers::garbage().await;
    let fine = servers::streamable(Behaviour::default()).await;
    let o = CheckOptions {
        timeout: Duration::from_millis(800),
        ..opts()
    };
    let mut targets = vec![target("fine", fine.url("/mcp"), Transport::StreamableHttp)];
    for i in 0..4 {
        targets.push(target(
            &format!("slow{i}"),
            format!("http://{slow}/slow"),
            Transport::StreamableHttp,
        ));
    }
    let start = std::time::Instant::now();
    let results = check(&targets, &o).await;
    // Four timeouts of 0.8 s one after the other would take 3.2 s.
    assert!(
        start.elapsed() < Duration::from_millis(2500),
        "{:?}",
        start.elapsed()
    );
    assert!(results[0].ok());
    assert!(results[1..].iter().all(|r| !r.ok()));
}

#[test]
fn targets_come_from_the_stack() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/gateway/mcp-stack.yaml");
    let project = mcpstack::pipeline::Project::load(&file).unwrap();
    let mut stack = project.stack;
    let t = CheckTarget::from_stack(&stack);
    let pairs: Vec<(&str, &str, Transport)> = t
        .iter()
        .map(|t| (t.server.as_str(), t.url.as_str(), t.transport))
        .collect();
    assert_eq!(
        pairs,
        [
            ("legacy", "https://mcp.local/legacy/", Transport::Sse),
            // A stdio server, bridged.
            (
                "local",
                "https://mcp.local/local/",
                Transport::StreamableHttp
            ),
            ("pool", "https://mcp.local/pool/", Transport::StreamableHttp),
            (
                "stream",
                "https://mcp.local/stream/",
                Transport::StreamableHttp
            ),
        ]
    );
    stack.gateway.https_port = 8443;
    assert_eq!(
        CheckTarget::from_stack(&stack)[0].url,
        "https://mcp.local:8443/legacy/"
    );
}

#[tokio::test]
async fn a_2026_server_is_discovered_and_has_no_session() {
    for json in [false, true] {
        let server = servers::streamable(Behaviour {
            era: Era::Modern,
            json,
            ..Behaviour::default()
        })
        .await;
        let r = one(
            target("new", server.url("/mcp"), Transport::StreamableHttp),
            &opts(),
        )
        .await;
        assert!(r.ok(), "{:?}", failures(&r));
        let init = r.initialize.as_ref().unwrap();
        assert_eq!(init.server.name, "modern-emu");
        assert_eq!(init.server.protocol_version, "2026-07-28");
        assert_eq!(init.session_id, None);
        assert_eq!(r.tools.as_ref().unwrap().names, ["echo", "add"]);
        let want = if json {
            BodyKind::Json
        } else {
            BodyKind::EventStream
        };
        assert_eq!(r.first_byte.unwrap().kind, want);
        assert_eq!(r.session, Some(SessionCheck::Sessionless));
        // No initialize, no DELETE: discover and tools/list, each with the version and the
        // method in headers (the server refuses a request whose headers do not match).
        let seen = server.seen();
        let what: Vec<(&str, u16)> = seen.iter().map(|s| (s.what.as_str(), s.status)).collect();
        assert_eq!(
            what,
            [
                ("server/discover", 200),
                ("tools/list", 200),
                ("tools/list", 200)
            ]
        );
        assert!(seen
            .iter()
            .all(|s| s.protocol.as_deref() == Some("2026-07-28")));
        assert!(seen.iter().all(|s| s.session.is_none()));
        let shown = table(&[r]);
        assert!(
            shown.lines().nth(1).unwrap().ends_with("none (2026-07-28)"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn a_server_of_both_generations_is_spoken_to_in_the_newer() {
    let server = servers::streamable(Behaviour {
        era: Era::Dual,
        ..Behaviour::default()
    })
    .await;
    let r = one(
        target("both", server.url("/mcp"), Transport::StreamableHttp),
        &opts(),
    )
    .await;
    assert!(r.ok(), "{:?}", failures(&r));
    assert_eq!(r.initialize.unwrap().server.protocol_version, "2026-07-28");
    assert_eq!(r.session, Some(SessionCheck::Sessionless));
    assert!(server.seen().iter().all(|s| s.what != "initialize"));
}

#[tokio::test]
async fn a_307_to_the_trailing_slash_is_followed_with_the_post() {
    for era in [Era::Legacy, Era::Modern] {
        let server = servers::streamable(Behaviour {
            era,
            redirect: true,
            ..Behaviour::default()
        })
        .await;
        let r = one(
            target("moved", server.url("/mcp"), Transport::StreamableHttp),
            &opts(),
        )
        .await;
        assert!(r.ok(), "{era:?}: {:?}", failures(&r));
        assert!(r.tools.is_some() && r.first_byte.is_some(), "{era:?}");
        let seen = server.seen();
        // Every POST went to /mcp first and was moved: the method and body arrived intact.
        let moved = seen.iter().filter(|s| s.what == "307").count();
        let served = seen
            .iter()
            .filter(|s| s.what != "307" && s.what != "DELETE")
            .count();
        assert!(moved >= served && served >= 3, "{era:?}: {seen:?}");
    }
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_reported_not_followed() {
    let elsewhere = servers::streamable(Behaviour::default()).await;
    let router = axum::Router::new().route(
        "/mcp",
        axum::routing::post({
            let to = elsewhere.url("/mcp");
            move || {
                let to = to.clone();
                async move {
                    (
                        axum::http::StatusCode::TEMPORARY_REDIRECT,
                        [("location", to)],
                    )
                }
            }
        }),
    );
    let addr = servers::serve(router).await;
    let r = one(
        target(
            "away",
            format!("http://localhost:{}/mcp", addr.port()),
            Transport::StreamableHttp,
        ),
        &opts(),
    )
    .await;
    let f = failures(&r);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with(
            "away: initialize: HTTP 307 Temporary Redirect: redirect to http://127.0.0.1:"
        ),
        "{f:?}"
    );
    assert!(elsewhere.seen().is_empty());
}
