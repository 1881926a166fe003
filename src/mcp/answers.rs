//! What the steps of a session return, whichever the transport.

use super::error::McpError;
use super::jsonrpc::{self, ServerInfo};
use serde_json::{json, Value};
use std::time::Duration;

/// How an answer's body came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// One JSON document.
    Json,
    /// A stream of server-sent events.
    EventStream,
}

/// When the first byte of an answer's body arrived, after its request was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstByte {
    pub kind: BodyKind,
    pub after: Duration,
}

/// The outcome of `initialize`.
#[derive(Debug, Clone, PartialEq)]
pub struct Initialized {
    pub server: ServerInfo,
    /// `Mcp-Session-Id` from the answer (streamable HTTP, stateful servers only).
    pub session_id: Option<String>,
    pub kind: BodyKind,
    pub elapsed: Duration,
}

/// The outcome of `tools/list`, every page of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Tools {
    pub names: Vec<String>,
    /// The first page's first byte (legacy SSE: the event stream's), when measured.
    pub first_byte: Option<FirstByte>,
    pub elapsed: Duration,
}

/// The outcome of ending a streamable HTTP session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// DELETE was accepted.
    Ended,
    /// 405: the server does not let clients end sessions (the specification allows this).
    NotAllowed,
    /// There was no session id to end.
    NoSession,
}

/// The pages of `tools/list`, followed by their cursors.
#[derive(Debug, Default)]
pub(crate) struct ToolPages {
    names: Vec<String>,
    cursor: Option<String>,
    pages: usize,
}

/// More pages than any real server has: a server that keeps giving cursors is broken.
const MAX_PAGES: usize = 100;

impl ToolPages {
    /// The parameters of the next request.
    pub(crate) fn params(&self) -> Value {
        match &self.cursor {
            Some(c) => json!({ "cursor": c }),
            None => json!({}),
        }
    }

    /// Adds one page's result; true when it was the last.
    pub(crate) fn add(&mut self, result: &Value) -> Result<bool, McpError> {
        let (names, next) = jsonrpc::tools_page(result)?;
        self.names.extend(names);
        self.pages += 1;
        match next {
            None => Ok(true),
            Some(_) if self.pages >= MAX_PAGES => Err(McpError::Protocol(format!(
                "tools/list still gives a next cursor after {MAX_PAGES} pages"
            ))),
            Some(c) => {
                self.cursor = Some(c);
                Ok(false)
            }
        }
    }

    pub(crate) fn names(self) -> Vec<String> {
        self.names
    }
}
