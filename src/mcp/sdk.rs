//! The protocol half of a check, through the official Rust SDK (rmcp): it chooses the
//! protocol generation as the specification tells a client of both to (`server/discover`
//! with the 2026-07-28 revision, falling back to `initialize` on a server of an earlier one)
//! and lists the tools. The SDK rides on our HTTP client, so TLS stays pinned to the stack's
//! CA and redirects follow our policy.

use super::answers::{BodyKind, Initialized};
use super::error::{describe, McpError};
use super::jsonrpc::ServerInfo;
use reqwest::Url;
use rmcp::model::ProtocolVersion;
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RoleClient, RunningService};
use rmcp::transport::streamable_http_client::{
    StreamableHttpClientTransportConfig, StreamableHttpError,
};
use rmcp::transport::StreamableHttpClientTransport;
use std::time::{Duration, Instant};

/// The revision without a handshake.
pub const MODERN: ProtocolVersion = ProtocolVersion::V_2026_07_28;

/// A connected SDK client.
pub type Client = RunningService<RoleClient, ()>;

/// Connects to the streamable HTTP endpoint `url`: `server/discover`, else `initialize`.
pub async fn connect(
    http: reqwest::Client,
    url: &Url,
    token: Option<&str>,
    timeout: Duration,
) -> Result<(Client, Initialized), McpError> {
    let start = Instant::now();
    let mut config = StreamableHttpClientTransportConfig::with_uri(url.as_str());
    if let Some(token) = token {
        config = config.auth_header(token);
    }
    let transport = StreamableHttpClientTransport::with_client(http, config);
    let lifecycle = ClientLifecycleMode::Auto {
        preferred_versions: vec![MODERN],
        legacy_version: Some(ProtocolVersion::LATEST_WITH_INITIALIZE),
    };
    let client = tokio::time::timeout(timeout, ().serve_with_lifecycle(transport, lifecycle))
        .await
        .map_err(|_| McpError::Timeout(timeout))?
        .map_err(|e| mcp_error(&e))?;
    let info = client
        .peer_info()
        .ok_or_else(|| McpError::Protocol("the server did not say who it is".into()))?;
    let (name, version) = match &info.server_info {
        Some(i) => (i.name.clone(), i.version.clone()),
        None => ("?".into(), "?".into()),
    };
    let server = ServerInfo {
        name,
        version,
        protocol_version: info.protocol_version.to_string(),
        capabilities: serde_json::to_value(&info.capabilities).unwrap_or_default(),
    };
    let init = Initialized {
        server,
        session_id: None,
        kind: BodyKind::Json,
        elapsed: start.elapsed(),
    };
    Ok((client, init))
}

/// Whether the server chose the revision without sessions.
pub fn is_modern(init: &Initialized) -> bool {
    init.server.protocol_version == MODERN.to_string()
}

/// Every tool's name, all pages.
pub async fn tool_names(client: &Client, timeout: Duration) -> Result<Vec<String>, McpError> {
    let tools = tokio::time::timeout(timeout, client.list_all_tools())
        .await
        .map_err(|_| McpError::Timeout(timeout))?
        .map_err(|e| mcp_error(&e))?;
    Ok(tools.into_iter().map(|t| t.name.to_string()).collect())
}

/// What an SDK error says, in our terms: the connection's own reason (TLS, refused), the
/// HTTP status, the server's JSON-RPC error, or the SDK's words.
pub fn mcp_error(e: &(dyn std::error::Error + 'static)) -> McpError {
    let mut source = Some(e);
    let mut words: Vec<String> = Vec::new();
    while let Some(err) = source {
        if let Some(r) = err.downcast_ref::<reqwest::Error>() {
            return McpError::Transport(describe(r));
        }
        if let Some(s) = err.downcast_ref::<StreamableHttpError<reqwest::Error>>() {
            match s {
                StreamableHttpError::Client(r) => return McpError::Transport(describe(r)),
                StreamableHttpError::AuthRequired(_) => {
                    return McpError::Status {
                        status: "401 Unauthorized".into(),
                        code: 401,
                        body: String::new(),
                    }
                }
                StreamableHttpError::HttpStatus(h) => {
                    let status = reqwest::StatusCode::from_u16(h.status)
                        .map(|s| s.to_string())
                        .unwrap_or_else(|_| h.status.to_string());
                    return McpError::Status {
                        status,
                        code: h.status,
                        body: String::new(),
                    };
                }
                _ => {}
            }
        }
        if let Some(rmcp::service::ClientInitializeError::LegacyFallbackFailed {
            fallback, ..
        }) = err.downcast_ref::<rmcp::service::ClientInitializeError>()
        {
            // Neither generation answered: what `initialize` got is the telling part.
            return mcp_error(fallback.as_ref());
        }
        if let Some(rmcp::service::ClientInitializeError::TransportError { error, .. }) =
            err.downcast_ref::<rmcp::service::ClientInitializeError>()
        {
            return mcp_error(error.error.as_ref());
        }
        if let Some(rmcp::ServiceError::TransportSend(error)) =
            err.downcast_ref::<rmcp::ServiceError>()
        {
            return mcp_error(error.error.as_ref());
        }
        if let Some(rmcp::service::ClientInitializeError::JsonRpcError(data)) =
            err.downcast_ref::<rmcp::service::ClientInitializeError>()
        {
            return McpError::Rpc {
                code: data.code.0.into(),
                message: data.message.to_string(),
            };
        }
        if let Some(rmcp::ServiceError::McpError(data)) = err.downcast_ref::<rmcp::ServiceError>() {
            return McpError::Rpc {
                code: data.code.0.into(),
                message: data.message.to_string(),
            };
        }
        let text = err.to_string();
        if !text.is_empty() && !words.iter().any(|w| w.contains(&text)) {
            words.push(text);
        }
        source = err.source();
    }
    McpError::Protocol(words.join(": "))
}
