//! The legacy HTTP+SSE transport (protocol 2024-11-05): a GET opens an event stream whose
//! first event, `endpoint`, names the URL to POST messages to; every response comes back on
//! the stream, not in the POST's answer. The session lives in that URL.

use super::answers::{BodyKind, FirstByte, Initialized, ToolPages, Tools};
use super::error::McpError;
use super::events::{Event, EventParser};
use super::http::{body_snippet, media_type, status_error, transport, within, Body};
use super::jsonrpc::{self, initialize_params, notification, server_info};
use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE};
use reqwest::{RequestBuilder, Url};
use serde_json::Value;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// One open event stream and the endpoint it announced.
pub struct SseSession {
    http: reqwest::Client,
    token: Option<String>,
    /// Bounds each step.
    timeout: Duration,
    stream: Body,
    parser: EventParser,
    pending: VecDeque<Event>,
    endpoint: Url,
    first_byte: Duration,
    next_id: u64,
}

impl SseSession {
    /// Opens the stream at `url` and waits for its `endpoint` event. The endpoint must be on
    /// the stream's origin (the token is sent there).
    pub async fn connect(
        http: reqwest::Client,
        url: Url,
        token: Option<String>,
        timeout: Duration,
    ) -> Result<SseSession, McpError> {
        within(timeout, async {
            let start = Instant::now();
            let mut rb = http
                .get(url.clone())
                .header(ACCEPT, "text/event-stream")
                .header(CACHE_CONTROL, "no-cache");
            if let Some(token) = &token {
                rb = rb.bearer_auth(token);
            }
            let resp = rb.send().await.map_err(transport)?;
            if !resp.status().is_success() {
                return Err(status_error(resp).await);
            }
            let kind = media_type(resp.headers());
            if kind != "text/event-stream" {
                let shown = if kind.is_empty() {
                    "no Content-Type"
                } else {
                    &kind
                };
                return Err(McpError::Protocol(format!(
                    "HTTP {} with {shown}, not an event stream: {}",
                    resp.status(),
                    body_snippet(resp).await
                )));
            }
            let mut session = SseSession {
                http: http.clone(),
                token: token.clone(),
                timeout,
                stream: Body::new(resp, start),
                parser: EventParser::new(),
                pending: VecDeque::new(),
                endpoint: url.clone(),
                first_byte: Duration::ZERO,
                next_id: 1,
            };
            let event = loop {
                match session.next_event().await? {
                    Some(e) if e.event == "endpoint" => break e,
                    Some(_) => continue,
                    None => {
                        return Err(McpError::Protocol(
                            "the event stream ended before its endpoint event".into(),
                        ))
                    }
                }
            };
            let endpoint = url.join(event.data.trim()).map_err(|e| {
                McpError::Protocol(format!(
                    "the endpoint event names no URL ({e}): {:?}",
                    event.data
                ))
            })?;
            if endpoint.origin() != url.origin() {
                return Err(McpError::Protocol(format!(
                    "the endpoint event names another origin: {endpoint}"
                )));
            }
            session.endpoint = endpoint;
            session.first_byte = session.stream.first_byte().unwrap_or_default();
            Ok(session)
        })
        .await
    }

    /// Where messages are posted.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// When the stream's first byte arrived, after the GET was sent.
    pub fn first_byte(&self) -> Duration {
        self.first_byte
    }

    pub async fn initialize(&mut self) -> Result<Initialized, McpError> {
        let timeout = self.timeout;
        within(timeout, async {
            let start = Instant::now();
            let result = self.call("initialize", initialize_params()).await?;
            Ok(Initialized {
                server: server_info(&result)?,
                session_id: None,
                kind: BodyKind::EventStream,
                elapsed: start.elapsed(),
            })
        })
        .await
    }

    pub async fn initialized(&mut self) -> Result<(), McpError> {
        let timeout = self.timeout;
        within(
            timeout,
            self.post(&notification("notifications/initialized")),
        )
        .await
    }

    /// `tools/list`, every page; the first byte is the event stream's.
    pub async fn list_tools(&mut self) -> Result<Tools, McpError> {
        let timeout = self.timeout;
        within(timeout, async {
            let start = Instant::now();
            let mut pages = ToolPages::default();
            loop {
                let result = self.call("tools/list", pages.params()).await?;
                if pages.add(&result)? {
                    break;
                }
            }
            Ok(Tools {
                names: pages.names(),
                first_byte: Some(FirstByte {
                    kind: BodyKind::EventStream,
                    after: self.first_byte,
                }),
                elapsed: start.elapsed(),
            })
        })
        .await
    }

    fn request(&self) -> RequestBuilder {
        let rb = self.http.post(self.endpoint.clone());
        match &self.token {
            Some(token) => rb.bearer_auth(token),
            None => rb,
        }
    }

    /// POSTs one message; the server acknowledges it (202), the answer comes on the stream.
    async fn post(&self, message: &Value) -> Result<(), McpError> {
        let resp = self
            .request()
            .header(CONTENT_TYPE, "application/json")
            .body(message.to_string())
            .send()
            .await
            .map_err(transport)?;
        if !resp.status().is_success() {
            return Err(status_error(resp).await);
        }
        Ok(())
    }

    async fn call(&mut self, method: &str, params: Value) -> Result<Value, McpError> {
        let id = self.next_id;
        self.next_id += 1;
        self.post(&jsonrpc::request(id, method, params)).await?;
        while let Some(event) = self.next_event().await? {
            if let Some(result) = jsonrpc::response_in_event(&event, id) {
                return result;
            }
        }
        Err(McpError::Protocol(format!(
            "the event stream ended before the response to {method}"
        )))
    }

    /// The next event of the stream; `None` when it ends.
    async fn next_event(&mut self) -> Result<Option<Event>, McpError> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Ok(Some(event));
            }
            match self.stream.chunk().await? {
                Some(chunk) => self.pending.extend(self.parser.feed(&chunk)),
                None => return Ok(None),
            }
        }
    }
}
