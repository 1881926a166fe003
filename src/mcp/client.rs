//! A streamable HTTP session: every message is a POST to one URL, answered with JSON or with
//! an event stream that carries the response (and maybe notifications before it).
//! `initialize` may assign an `Mcp-Session-Id`, which every later request carries, with the
//! negotiated `MCP-Protocol-Version`; DELETE ends the session, after which the server must
//! answer its id with 404.

use super::answers::{BodyKind, Closed, FirstByte, Initialized, ToolPages, Tools};
use super::error::McpError;
use super::events::EventParser;
use super::http::{body_snippet, media_type, status_error, transport, within, Body};
use super::jsonrpc::{self, initialize_params, notification, response_for, server_info};
use reqwest::header::{HeaderMap, ACCEPT, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

pub const SESSION_HEADER: &str = "mcp-session-id";
pub const PROTOCOL_HEADER: &str = "mcp-protocol-version";
/// 2026-07-28: the JSON-RPC method, mirrored for intermediaries.
pub const METHOD_HEADER: &str = "mcp-method";
/// What a client must accept on a POST.
pub const ACCEPT_BOTH: &str = "application/json, text/event-stream";

/// The most a JSON answer may weigh.
const JSON_LIMIT: usize = 8 << 20;

/// One session with one streamable HTTP endpoint.
pub struct Session {
    http: reqwest::Client,
    url: Url,
    token: Option<String>,
    /// Bounds each step, from sending to the last byte needed.
    timeout: Duration,
    session_id: Option<String>,
    protocol_version: Option<String>,
    /// The 2026-07-28 revision: no handshake; every request carries its version and method
    /// in headers and `_meta`.
    modern: bool,
    next_id: u64,
}

/// A response to a request, and how it came.
struct Answer {
    result: Value,
    headers: HeaderMap,
    kind: BodyKind,
    first_byte: Duration,
    elapsed: Duration,
}

impl Session {
    /// `token` is sent as `Authorization: Bearer` on every request.
    pub fn new(
        http: reqwest::Client,
        url: Url,
        token: Option<String>,
        timeout: Duration,
    ) -> Session {
        Session {
            http,
            url,
            token,
            timeout,
            session_id: None,
            protocol_version: None,
            modern: false,
            next_id: 1,
        }
    }

    /// A session with a server of the 2026-07-28 revision: no `initialize`, no session id.
    pub fn modern(
        http: reqwest::Client,
        url: Url,
        token: Option<String>,
        timeout: Duration,
    ) -> Session {
        Session {
            protocol_version: Some(jsonrpc::MODERN_VERSION.into()),
            modern: true,
            ..Session::new(http, url, token, timeout)
        }
    }

    /// The session id `initialize` assigned, if any (kept after [`Session::close`]).
    pub fn session_id(&self) -> Option<&str> {
        self.session_id.as_deref()
    }

    /// `initialize`: the server's name, version, protocol version and capabilities, and the
    /// session id, which later requests carry.
    pub async fn initialize(&mut self) -> Result<Initialized, McpError> {
        let timeout = self.timeout;
        within(timeout, async {
            let answer = self.call("initialize", initialize_params()).await?;
            let server = server_info(&answer.result)?;
            let session_id = match answer.headers.get(SESSION_HEADER) {
                None => None,
                Some(v) => Some(valid_session_id(v.as_bytes())?),
            };
            self.session_id = session_id.clone();
            self.protocol_version = Some(server.protocol_version.clone());
            Ok(Initialized {
                server,
                session_id,
                kind: answer.kind,
                elapsed: answer.elapsed,
            })
        })
        .await
    }

    /// The `notifications/initialized` notification (202 expected, any 2xx accepted).
    pub async fn initialized(&mut self) -> Result<(), McpError> {
        let timeout = self.timeout;
        within(timeout, async {
            let (resp, _) = self
                .post(&notification("notifications/initialized"))
                .await?;
            if resp.status().is_success() {
                Ok(())
            } else {
                Err(status_error(resp).await)
            }
        })
        .await
    }

    /// `tools/list`, every page; the first byte is the first page's.
    pub async fn list_tools(&mut self) -> Result<Tools, McpError> {
        let timeout = self.timeout;
        within(timeout, async {
            let start = Instant::now();
            let mut pages = ToolPages::default();
            let mut first_byte = None;
            loop {
                let answer = self.call("tools/list", pages.params()).await?;
                first_byte.get_or_insert(FirstByte {
                    kind: answer.kind,
                    after: answer.first_byte,
                });
                if pages.add(&answer.result)? {
                    break;
                }
            }
            Ok(Tools {
                names: pages.names(),
                first_byte,
                elapsed: start.elapsed(),
            })
        })
        .await
    }

    /// `ping`.
    pub async fn ping(&mut self) -> Result<(), McpError> {
        let timeout = self.timeout;
        within(timeout, async {
            self.call("ping", json!({})).await?;
            Ok(())
        })
        .await
    }

    /// Ends the session with DELETE. 405 means the server does not allow it, which the
    /// specification permits.
    pub async fn close(&mut self) -> Result<Closed, McpError> {
        if self.session_id.is_none() {
            return Ok(Closed::NoSession);
        }
        let timeout = self.timeout;
        within(timeout, async {
            let resp = self
                .request(Method::DELETE)
                .send()
                .await
                .map_err(transport)?;
            match resp.status() {
                s if s.is_success() => Ok(Closed::Ended),
                StatusCode::METHOD_NOT_ALLOWED => Ok(Closed::NotAllowed),
                _ => Err(status_error(resp).await),
            }
        })
        .await
    }

    /// After [`Session::close`] ended the session: a request with its id must get 404.
    pub async fn expect_expired(&mut self) -> Result<(), McpError> {
        let timeout = self.timeout;
        within(timeout, async {
            let id = self.take_id();
            let (resp, _) = self.post(&jsonrpc::request(id, "ping", json!({}))).await?;
            match resp.status() {
                StatusCode::NOT_FOUND => Ok(()),
                status => Err(McpError::Protocol(format!(
                    "the session id is still answered after DELETE, with HTTP {status} \
                     instead of 404: {}",
                    body_snippet(resp).await
                ))),
            }
        })
        .await
    }

    fn take_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id - 1
    }

    /// A request with the headers every message carries.
    fn request(&self, method: Method) -> RequestBuilder {
        let mut rb = self.http.request(method, self.url.clone());
        if let Some(token) = &self.token {
            rb = rb.bearer_auth(token);
        }
        if let Some(id) = &self.session_id {
            rb = rb.header(SESSION_HEADER, id);
        }
        if let Some(version) = &self.protocol_version {
            rb = rb.header(PROTOCOL_HEADER, version);
        }
        rb
    }

    async fn post(&self, message: &Value) -> Result<(Response, Instant), McpError> {
        let start = Instant::now();
        let mut rb = self.request(Method::POST);
        if self.modern {
            if let Some(method) = message.get("method").and_then(Value::as_str) {
                rb = rb.header(METHOD_HEADER, method);
            }
        }
        let resp = rb
            .header(ACCEPT, ACCEPT_BOTH)
            .header(CONTENT_TYPE, "application/json")
            .body(message.to_string())
            .send()
            .await
            .map_err(transport)?;
        Ok((resp, start))
    }

    /// Sends request `method` and reads its response, from JSON or from an event stream.
    async fn call(&mut self, method: &str, params: Value) -> Result<Answer, McpError> {
        let id = self.take_id();
        let params = if self.modern {
            jsonrpc::with_meta(params)
        } else {
            params
        };
        let (resp, start) = self.post(&jsonrpc::request(id, method, params)).await?;
        let status = resp.status();
        if !status.is_success() {
            return Err(status_error(resp).await);
        }
        if status == StatusCode::ACCEPTED || status == StatusCode::NO_CONTENT {
            return Err(McpError::Protocol(format!(
                "HTTP {status} without a response to a request"
            )));
        }
        let headers = resp.headers().clone();
        let kind = match media_type(&headers).as_str() {
            "application/json" => BodyKind::Json,
            "text/event-stream" => BodyKind::EventStream,
            other => {
                let shown = if other.is_empty() {
                    "no Content-Type"
                } else {
                    other
                };
                return Err(McpError::Protocol(format!(
                    "HTTP {status} with {shown}, neither JSON nor an event stream: {}",
                    body_snippet(resp).await
                )));
            }
        };
        let mut body = Body::new(resp, start);
        let result = match kind {
            BodyKind::Json => {
                let message = jsonrpc::parse(&body.all(JSON_LIMIT).await?)?;
                response_for(&message, id).unwrap_or_else(|| {
                    Err(McpError::Protocol(format!(
                        "the JSON answer holds no response to {method}"
                    )))
                })?
            }
            BodyKind::EventStream => read_stream(&mut body, id, method).await?,
        };
        Ok(Answer {
            result,
            headers,
            kind,
            first_byte: body.first_byte().unwrap_or_else(|| start.elapsed()),
            elapsed: start.elapsed(),
        })
    }
}

/// Reads events until the response to request `id`; other messages are passed over.
async fn read_stream(body: &mut Body, id: u64, method: &str) -> Result<Value, McpError> {
    let mut parser = EventParser::new();
    while let Some(chunk) = body.chunk().await? {
        for event in parser.feed(&chunk) {
            if let Some(result) = jsonrpc::response_in_event(&event, id) {
                return result;
            }
        }
    }
    Err(McpError::Protocol(format!(
        "the event stream ended before the response to {method}"
    )))
}

/// A session id must be visible ASCII (0x21 to 0x7E).
fn valid_session_id(raw: &[u8]) -> Result<String, McpError> {
    if raw.is_empty() || !raw.iter().all(|b| (0x21..=0x7e).contains(b)) {
        return Err(McpError::Protocol(format!(
            "the {SESSION_HEADER} header is not visible ASCII: {:?}",
            String::from_utf8_lossy(raw)
        )));
    }
    Ok(String::from_utf8_lossy(raw).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_visible_ascii() {
        assert_eq!(valid_session_id(b"a1-B_~").unwrap(), "a1-B_~");
        assert!(valid_session_id(b"").is_err());
        assert!(valid_session_id(b"a b").is_err());
        assert!(valid_session_id("é".as_bytes()).is_err());
    }
}
