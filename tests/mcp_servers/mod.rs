#![allow(dead_code)]
//! Small MCP servers, in process, for the client's tests: a streamable HTTP server (event
//! streams or JSON, with or without sessions, several DELETE behaviours), a legacy SSE server,
//! servers that answer garbage, 500 or nothing, and a TLS listener for any of them.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, StatusCode, Uri, Version};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

/// What a DELETE of a session does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delete {
    /// Ends the session: its id then gets 404.
    Ends,
    /// 405.
    NotAllowed,
    /// Says 200 but keeps serving the id (a bug the check must catch).
    Ignored,
}

/// Which protocol generations the streamable HTTP server speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    /// 2025-06-18: `initialize`, maybe a session.
    Legacy,
    /// 2026-07-28 only: `server/discover`, `_meta` and headers on every request, no session;
    /// `initialize` gets 400 with a modern error, as the revision says.
    Modern,
    /// Both, chosen per request by the `MCP-Protocol-Version` header (the Python SDK 2.x way).
    Dual,
}

/// The 2026-07-28 revision's version string.
pub const MODERN: &str = "2026-07-28";

/// How the streamable HTTP server behaves.
#[derive(Clone, Debug)]
pub struct Behaviour {
    /// Answer with JSON instead of an event stream.
    pub json: bool,
    /// Assign session ids at initialize and require them after.
    pub sessions: bool,
    pub delete: Delete,
    /// Refuse every session id after initialize (404), as if it had been lost.
    pub forget_sessions: bool,
    /// Require `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Give tools/list in two pages.
    pub paged: bool,
    pub era: Era,
    /// POST to the endpoint gets 307 to the endpoint with a trailing slash, as an absolute
    /// URL built from the Host header (what Starlette does for a mounted app).
    pub redirect: bool,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            json: false,
            sessions: true,
            delete: Delete::Ends,
            forget_sessions: false,
            token: None,
            paged: false,
            era: Era::Legacy,
            redirect: false,
        }
    }
}

/// One request as the server saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// `DELETE`, `GET`, or the JSON-RPC method of a POST.
    pub what: String,
    pub session: Option<String>,
    pub protocol: Option<String>,
    pub auth: Option<String>,
    pub status: u16,
    /// `HTTP/1.1`, `HTTP/2.0`.
    pub version: String,
}

#[derive(Default)]
struct State {
    sessions: HashSet<String>,
    next: u32,
    seen: Vec<Seen>,
}

/// A running server: its address and what it saw.
pub struct Server {
    pub addr: SocketAddr,
    seen: Arc<Mutex<State>>,
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().seen.clone()
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(String::from)
}

fn record(state: &Mutex<State>, what: &str, headers: &HeaderMap, status: StatusCode) {
    record_version(state, what, headers, status, Version::HTTP_11)
}

fn record_version(
    state: &Mutex<State>,
    what: &str,
    headers: &HeaderMap,
    status: StatusCode,
    version: Version,
) {
    state.lock().unwrap().seen.push(Seen {
        version: format!("{version:?}"),
        what: what.into(),
        session: header(headers, "mcp-session-id"),
        protocol: header(headers, "mcp-protocol-version"),
        auth: header(headers, "authorization"),
        status: status.as_u16(),
    });
}

fn text(status: StatusCode, body: &str) -> Response {
    (status, body.to_string()).into_response()
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        "401 Authorization Required",
    )
        .into_response()
}

fn authorized(b: &Behaviour, headers: &HeaderMap) -> bool {
    match &b.token {
        None => true,
        Some(t) => header(headers, "authorization").as_deref() == Some(&format!("Bearer {t}")),
    }
}

/// An event stream sent in pieces, some time apart, with a notification and a comment before
/// the response and CRLF line ends, as a picky reader must handle.
fn event_stream(response: &Value) -> Response {
    let note = json!({"jsonrpc": "2.0", "method": "notifications/message",
        "params": {"level": "info", "data": "working"}});
    let text = format!(
        "event: message\r\ndata: {note}\r\n\r\n: keep-alive\r\nid: 1\r\nevent: message\r\ndata: {response}\r\n\r\n"
    );
    let cut = text.len() - 7;
    let pieces = vec![text[..cut].to_string(), text[cut..].to_string()];
    let stream = futures_util::stream::unfold(pieces.into_iter(), |mut it| async move {
        let piece = it.next()?;
        tokio::time::sleep(Duration::from_millis(20)).await;
        Some((Ok::<_, Infallible>(piece), it))
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(stream))
        .unwrap()
}

fn result_for(method: &str, params: &Value, b: &Behaviour, legacy: bool) -> Value {
    match method {
        "initialize" => json!({
            "protocolVersion": if legacy { "2024-11-05" } else { "2025-06-18" },
            "capabilities": {"tools": {"listChanged": false}},
            "serverInfo": {"name": if legacy { "legacy-emu" } else { "emu" }, "version": "0.1"},
        }),
        "tools/list" if b.paged && params.get("cursor").is_none() => {
            json!({"tools": [{"name": "echo", "inputSchema": {}}], "nextCursor": "page2"})
        }
        "tools/list" if b.paged => json!({"tools": [{"name": "add", "inputSchema": {}}]}),
        "tools/list" => json!({"tools": [
            {"name": "echo", "inputSchema": {}},
            {"name": "add", "inputSchema": {}},
        ]}),
        _ => json!({}),
    }
}

async fn streamable_post(
    b: Behaviour,
    state: Arc<Mutex<State>>,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let message: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let method = message["method"].as_str().unwrap_or("?").to_string();
    let respond = |status: StatusCode, response: Response| {
        record_version(&state, &method, &headers, status, version);
        response
    };
    if !authorized(&b, &headers) {
        return respond(StatusCode::UNAUTHORIZED, unauthorized());
    }
    let accept = header(&headers, "accept").unwrap_or_default();
    if !(accept.contains("application/json") && accept.contains("text/event-stream")) {
        return respond(
            StatusCode::NOT_ACCEPTABLE,
            text(StatusCode::NOT_ACCEPTABLE, "accept both"),
        );
    }
    let modern = match b.era {
        Era::Legacy => false,
        Era::Modern => true,
        Era::Dual => header(&headers, "mcp-protocol-version").as_deref() == Some(MODERN),
    };
    if modern {
        let (status, answer) = modern_answer(&b, &headers, &message, &method);
        let answer = if status != StatusCode::OK || b.json {
            (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                answer.to_string(),
            )
                .into_response()
        } else {
            event_stream(&answer)
        };
        return respond(status, answer);
    }
    let mut session = None;
    if method == "initialize" {
        if b.sessions {
            let mut s = state.lock().unwrap();
            s.next += 1;
            let id = format!("sess-{}", s.next);
            s.sessions.insert(id.clone());
            session = Some(id);
        }
    } else {
        if b.sessions {
            let Some(id) = header(&headers, "mcp-session-id") else {
                let r = text(StatusCode::BAD_REQUEST, "Bad Request: missing session id");
                return respond(StatusCode::BAD_REQUEST, r);
            };
            let known = state.lock().unwrap().sessions.contains(&id);
            if !known || b.forget_sessions {
                return respond(
                    StatusCode::NOT_FOUND,
                    text(StatusCode::NOT_FOUND, "session not found"),
                );
            }
        }
        if header(&headers, "mcp-protocol-version").as_deref() != Some("2025-06-18") {
            let r = text(StatusCode::BAD_REQUEST, "unsupported protocol version");
            return respond(StatusCode::BAD_REQUEST, r);
        }
    }
    let Some(id) = message.get("id").cloned() else {
        return respond(StatusCode::ACCEPTED, StatusCode::ACCEPTED.into_response());
    };
    let result = result_for(&method, &message["params"], &b, false);
    let response = json!({"jsonrpc": "2.0", "id": id, "result": result});
    let mut answer = if b.json {
        (
            [(header::CONTENT_TYPE, "application/json")],
            response.to_string(),
        )
            .into_response()
    } else {
        event_stream(&response)
    };
    if let Some(id) = session {
        answer
            .headers_mut()
            .insert("mcp-session-id", id.parse().unwrap());
    }
    respond(StatusCode::OK, answer)
}

/// A 2026-07-28 answer: the headers must mirror the body, the version must be ours.
fn modern_answer(
    b: &Behaviour,
    headers: &HeaderMap,
    message: &Value,
    method: &str,
) -> (StatusCode, Value) {
    let id = message.get("id").cloned().unwrap_or(Value::Null);
    let error = |status: StatusCode, code: i64, text: &str, data: Value| {
        let error = json!({"code": code, "message": text, "data": data});
        (status, json!({"jsonrpc": "2.0", "id": id, "error": error}))
    };
    let version = header(headers, "mcp-protocol-version");
    let meta = &message["params"]["_meta"];
    let body_version = meta["io.modelcontextprotocol/protocolVersion"].as_str();
    if version.is_none() || header(headers, "mcp-method").as_deref() != Some(method) {
        return error(
            StatusCode::BAD_REQUEST,
            -32020,
            "Header mismatch: MCP-Protocol-Version and Mcp-Method are required",
            Value::Null,
        );
    }
    if version.as_deref() != body_version {
        return error(
            StatusCode::BAD_REQUEST,
            -32020,
            "Header mismatch: protocol version",
            Value::Null,
        );
    }
    if version.as_deref() != Some(MODERN) {
        let data = json!({"supported": [MODERN], "requested": version});
        return error(
            StatusCode::BAD_REQUEST,
            -32022,
            "Unsupported protocol version",
            data,
        );
    }
    let info =
        json!({"io.modelcontextprotocol/serverInfo": {"name": "modern-emu", "version": "0.2"}});
    let result = match method {
        "server/discover" => json!({
            "resultType": "complete",
            "supportedVersions": [MODERN],
            "capabilities": {"tools": {}},
            "_meta": info,
            "ttlMs": 60000,
            "cacheScope": "public",
        }),
        "tools/list" => {
            let mut r = result_for(method, &message["params"], b, false);
            r["resultType"] = json!("complete");
            r["ttlMs"] = json!(60000);
            r["cacheScope"] = json!("public");
            r
        }
        _ => {
            return error(
                StatusCode::NOT_FOUND,
                -32601,
                "Method not found",
                Value::Null,
            )
        }
    };
    (
        StatusCode::OK,
        json!({"jsonrpc": "2.0", "id": id, "result": result}),
    )
}

async fn streamable_delete(
    b: Behaviour,
    state: Arc<Mutex<State>>,
    version: Version,
    headers: HeaderMap,
) -> Response {
    let status = if !authorized(&b, &headers) {
        StatusCode::UNAUTHORIZED
    } else if b.era == Era::Modern {
        StatusCode::METHOD_NOT_ALLOWED
    } else {
        let id = header(&headers, "mcp-session-id").unwrap_or_default();
        let mut s = state.lock().unwrap();
        match b.delete {
            Delete::NotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            _ if !s.sessions.contains(&id) => StatusCode::NOT_FOUND,
            Delete::Ends => {
                s.sessions.remove(&id);
                StatusCode::OK
            }
            Delete::Ignored => StatusCode::OK,
        }
    };
    record_version(&state, "DELETE", &headers, status, version);
    status.into_response()
}

/// Serves `router` on 127.0.0.1 (plain HTTP).
pub async fn serve(router: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    addr
}

/// The streamable HTTP server's routes, at `path` (and, when it redirects, the 307 there to
/// `path/`).
fn streamable_router(path: &str, b: Behaviour, state: Arc<Mutex<State>>) -> Router {
    let (b2, s2) = (b.clone(), state.clone());
    let (served, redirect) = if b.redirect {
        (
            format!("{}/", path.trim_end_matches('/')),
            Some(path.to_string()),
        )
    } else {
        (path.to_string(), None)
    };
    let state3 = state.clone();
    let router = Router::new().route(
        &served,
        post(move |version: Version, headers: HeaderMap, body: Bytes| {
            streamable_post(b.clone(), state.clone(), version, headers, body)
        })
        .delete(move |version: Version, headers: HeaderMap| {
            streamable_delete(b2.clone(), s2.clone(), version, headers)
        })
        .get(|| async { StatusCode::METHOD_NOT_ALLOWED }),
    );
    match redirect {
        None => router,
        Some(from) => {
            let to = served.clone();
            router.route(
                &from,
                axum::routing::any(move |headers: HeaderMap| {
                    let (state, to) = (state3.clone(), to.clone());
                    async move {
                        record(&state, "307", &headers, StatusCode::TEMPORARY_REDIRECT);
                        let host = header(&headers, "host").unwrap_or_default();
                        let location = format!("http://{host}{to}");
                        (
                            StatusCode::TEMPORARY_REDIRECT,
                            [(header::LOCATION, location)],
                        )
                            .into_response()
                    }
                }),
            )
        }
    }
}

/// A streamable HTTP server at `/mcp`.
pub async fn streamable(b: Behaviour) -> Server {
    let state = Arc::new(Mutex::new(State::default()));
    let addr = serve(streamable_router("/mcp", b, state.clone())).await;
    Server { addr, seen: state }
}

/// The same over TLS with the given certificate chain and key, at `/main/` (the gateway's
/// prefix form), offering HTTP/2 and HTTP/1.1.
pub async fn streamable_tls(b: Behaviour, fullchain: &Path, privkey: &Path) -> Server {
    let state = Arc::new(Mutex::new(State::default()));
    let router = streamable_router("/main/", b, state.clone());
    let listener = TlsListener::bind(fullchain, privkey).await;
    let addr = listener.tcp.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Server { addr, seen: state }
}

/// A legacy SSE server: GET `get_path` opens the stream, whose endpoint event names
/// `<announce>/messages/?session_id=...`; POSTs go to `<post_prefix>/messages/`.
/// A gateway serves both under its prefix and rewrites the event; without it, `announce` and
/// `post_prefix` are both empty.
pub async fn legacy(
    get_path: &str,
    announce: &str,
    post_prefix: &str,
    token: Option<&str>,
) -> Server {
    type Streams = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<String>>>>;
    let streams: Streams = Arc::default();
    let state = Arc::new(Mutex::new(State::default()));
    let b = Behaviour {
        token: token.map(String::from),
        ..Behaviour::default()
    };
    let (streams2, state2, b2) = (streams.clone(), state.clone(), b.clone());
    let state1 = state.clone();
    let announce = announce.to_string();
    let open = move |headers: HeaderMap| {
        let (streams, state, b, announce) =
            (streams.clone(), state1.clone(), b.clone(), announce.clone());
        async move {
            if !authorized(&b, &headers) {
                record(&state, "GET", &headers, StatusCode::UNAUTHORIZED);
                return unauthorized();
            }
            record(&state, "GET", &headers, StatusCode::OK);
            let id = {
                let mut s = state.lock().unwrap();
                s.next += 1;
                format!("{:032x}", s.next)
            };
            let (tx, rx) = mpsc::unbounded_channel();
            tx.send(format!(
                "event: endpoint\ndata: {announce}/messages/?session_id={id}\n\n"
            ))
            .unwrap();
            streams.lock().unwrap().insert(id, tx);
            let stream = futures_util::stream::unfold(rx, |mut rx| async move {
                let item = rx.recv().await?;
                Some((Ok::<_, Infallible>(item), rx))
            });
            Response::builder()
                .header(header::CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .body(Body::from_stream(stream))
                .unwrap()
        }
    };
    let message = move |uri: Uri, headers: HeaderMap, body: Bytes| {
        let (streams, state, b) = (streams2.clone(), state2.clone(), b2.clone());
        async move {
            let msg: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            let method = msg["method"].as_str().unwrap_or("?").to_string();
            if !authorized(&b, &headers) {
                record(&state, &method, &headers, StatusCode::UNAUTHORIZED);
                return unauthorized();
            }
            let id = uri
                .query()
                .and_then(|q| q.strip_prefix("session_id="))
                .unwrap_or("")
                .to_string();
            let Some(tx) = streams.lock().unwrap().get(&id).cloned() else {
                record(&state, &method, &headers, StatusCode::NOT_FOUND);
                return text(StatusCode::NOT_FOUND, "Could not find session");
            };
            if let Some(rid) = msg.get("id") {
                let result = result_for(&method, &msg["params"], &b, true);
                let response = json!({"jsonrpc": "2.0", "id": rid, "result": result});
                tx.send(format!("event: message\ndata: {response}\n\n"))
                    .ok();
            }
            record(&state, &method, &headers, StatusCode::ACCEPTED);
            text(StatusCode::ACCEPTED, "Accepted")
        }
    };
    let router = Router::new()
        .route(get_path, get(open))
        .route(&format!("{post_prefix}/messages/"), post(message));
    let addr = serve(router).await;
    Server { addr, seen: state }
}

/// Answers every POST to `/mcp` with a web page, `/broken` with 500, `/slow` never, and GET
/// `/silent` with an event stream that says nothing.
pub async fn garbage() -> SocketAddr {
    let router = Router::new()
        .route(
            "/mcp",
            post(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    "<html>\n<body>Welcome to nginx!</body>\n</html>",
                )
            }),
        )
        .route(
            "/broken",
            post(|| async { text(StatusCode::INTERNAL_SERVER_ERROR, "boom: upstream exploded") }),
        )
        .route(
            "/slow",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                StatusCode::OK
            }),
        )
        .route(
            "/silent",
            get(|| async {
                let stream = futures_util::stream::unfold(0, |n| async move {
                    if n > 0 {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                    }
                    Some((Ok::<_, Infallible>(": hello\n\n"), n + 1))
                });
                Response::builder()
                    .header(header::CONTENT_TYPE, "text/event-stream")
                    .body(Body::from_stream(stream))
                    .unwrap()
            }),
        );
    serve(router).await
}

/// A TLS listener for axum: handshakes as it accepts, dropping clients that fail them.
pub struct TlsListener {
    tcp: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
}

impl TlsListener {
    pub async fn bind(fullchain: &Path, privkey: &Path) -> TlsListener {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(fullchain)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let key = PrivateKeyDer::from_pem_file(privkey).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        TlsListener {
            tcp: TcpListener::bind("127.0.0.1:0").await.unwrap(),
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        }
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            let handshake = self.acceptor.accept(tcp);
            if let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(5), handshake).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
