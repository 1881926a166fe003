//! Our MCP client, for `mcpstack check`: the same handshakes the container health checks
//! and the monitoring probes make, in Rust.
//!
//! - [`sdk`]: the protocol through the official Rust SDK (rmcp): both generations.
//! - [`http`]: the HTTP client (rustls; only the stack's CA, or the platform's roots).
//! - [`client`]: a streamable HTTP session (JSON or event-stream answers, `Mcp-Session-Id`,
//!   `MCP-Protocol-Version`, DELETE).
//! - [`sse`]: the legacy HTTP+SSE transport (GET stream, `endpoint` event, POSTs).
//! - [`check`]: every server of a stack ([`target`]) at once; [`failure`] says what failed
//!   where; [`table`] shows the results.

pub mod answers;
pub mod check;
pub mod client;
pub mod error;
pub mod events;
pub mod failure;
pub mod http;
pub mod jsonrpc;
pub mod options;
pub mod sdk;
pub mod sse;
mod table;
pub mod target;

pub use answers::{BodyKind, Closed, FirstByte, Initialized, Tools};
pub use check::{all_ok, check, CheckResult, SessionCheck};
pub use client::Session;
pub use error::McpError;
pub use failure::{Column, Failure, Step};
pub use http::http_client;
pub use jsonrpc::{ServerInfo, PROTOCOL_VERSION};
pub use options::CheckOptions;
pub use sse::SseSession;
pub use table::table;
pub use target::CheckTarget;
