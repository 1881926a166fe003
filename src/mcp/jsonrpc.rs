//! The JSON-RPC messages of a check: what is sent, and how answers are read.

use super::error::{snippet, McpError};
use super::events::Event;
use serde_json::{json, Value};

/// The protocol version the client asks for (the health checks ask for the same).
pub const PROTOCOL_VERSION: &str = "2025-06-18";

/// The revision without a handshake: every request names it in `_meta`.
pub const MODERN_VERSION: &str = "2026-07-28";

/// `params` with the `_meta` a 2026-07-28 request carries: version, client, capabilities.
pub fn with_meta(mut params: Value) -> Value {
    if !params.is_object() {
        params = json!({});
    }
    params["_meta"] = json!({
        "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
        "io.modelcontextprotocol/clientInfo": {"name": "mcpstack", "version": env!("CARGO_PKG_VERSION")},
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    params
}

/// A request with a numeric id.
pub fn request(id: u64, method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params})
}

/// A notification (no id, no answer).
pub fn notification(method: &str) -> Value {
    json!({"jsonrpc": "2.0", "method": method})
}

/// The parameters of `initialize`.
pub fn initialize_params() -> Value {
    json!({
        "protocolVersion": PROTOCOL_VERSION,
        "capabilities": {},
        "clientInfo": {"name": "mcpstack", "version": env!("CARGO_PKG_VERSION")},
    })
}

/// Parses one message (or batch) of JSON text.
pub fn parse(text: &[u8]) -> Result<Value, McpError> {
    serde_json::from_slice(text)
        .map_err(|e| McpError::Protocol(format!("not JSON ({e}): {}", snippet(text, 200))))
}

/// The answer to request `id` carried by an event of a stream, if this event carries it.
pub fn response_in_event(event: &Event, id: u64) -> Option<Result<Value, McpError>> {
    if event.event != "message" || event.data.is_empty() {
        return None;
    }
    match parse(event.data.as_bytes()) {
        Ok(message) => response_for(&message, id),
        Err(e) => Some(Err(e)),
    }
}

/// The answer to request `id` in `message`, which may be a batch: `None` when it holds
/// something else (a notification, a request from the server, another id).
pub fn response_for(message: &Value, id: u64) -> Option<Result<Value, McpError>> {
    if let Some(batch) = message.as_array() {
        return batch.iter().find_map(|m| response_for(m, id));
    }
    if message.get("id") != Some(&json!(id)) || message.get("method").is_some() {
        return None;
    }
    if let Some(result) = message.get("result") {
        return Some(Ok(result.clone()));
    }
    if let Some(error) = message.get("error") {
        return Some(Err(McpError::Rpc {
            code: error.get("code").and_then(Value::as_i64).unwrap_or(0),
            message: error
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("(no message)")
                .to_string(),
        }));
    }
    Some(Err(McpError::Protocol(format!(
        "the response to request {id} has neither result nor error: {}",
        snippet(message.to_string().as_bytes(), 200)
    ))))
}

/// What `initialize` tells about the server.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerInfo {
    pub name: String,
    pub version: String,
    /// The version the server chose.
    pub protocol_version: String,
    pub capabilities: Value,
}

pub fn server_info(result: &Value) -> Result<ServerInfo, McpError> {
    let protocol_version = result
        .get("protocolVersion")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            McpError::Protocol(format!(
                "the initialize result has no protocolVersion: {}",
                snippet(result.to_string().as_bytes(), 200)
            ))
        })?
        .to_string();
    let info = result.get("serverInfo");
    let text = |key: &str| {
        info.and_then(|i| i.get(key))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    Ok(ServerInfo {
        name: text("name"),
        version: text("version"),
        protocol_version,
        capabilities: result.get("capabilities").cloned().unwrap_or(Value::Null),
    })
}

/// One page of `tools/list`: the tools' names and the cursor of the next page.
pub fn tools_page(result: &Value) -> Result<(Vec<String>, Option<String>), McpError> {
    let tools = result
        .get("tools")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            McpError::Protocol(format!(
                "the tools/list result has no tools array: {}",
                snippet(result.to_string().as_bytes(), 200)
            ))
        })?;
    let names = tools
        .iter()
        .map(|t| {
            t.get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| McpError::Protocol("a tool has no name".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let next = result
        .get("nextCursor")
        .and_then(Value::as_str)
        .map(str::to_string);
    Ok((names, next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_answer_among_other_messages() {
        let note = json!({"jsonrpc": "2.0", "method": "notifications/message", "params": {}});
        assert!(response_for(&note, 1).is_none());
        // A request from the server that happens to reuse our id is not our answer.
        let req = json!({"jsonrpc": "2.0", "id": 1, "method": "ping"});
        assert!(response_for(&req, 1).is_none());
        let other = json!({"jsonrpc": "2.0", "id": 2, "result": {}});
        assert!(response_for(&other, 1).is_none());
        let batch = json!([note, other, {"jsonrpc": "2.0", "id": 1, "result": {"x": 1}}]);
        assert_eq!(response_for(&batch, 1).unwrap().unwrap(), json!({"x": 1}));
    }

    #[test]
    fn errors_and_malformed_answers() {
        let err = json!({"jsonrpc": "2.0", "id": 3, "error": {"code": -32601, "message": "nope"}});
        assert_eq!(
            response_for(&err, 3).unwrap().unwrap_err().to_string(),
            "JSON-RPC error -32601: nope"
        );
        let empty = json!({"jsonrpc": "2.0", "id": 3});
        assert!(response_for(&empty, 3)
            .unwrap()
            .unwrap_err()
            .to_string()
            .contains("neither result nor error"));
        assert!(parse(b"<html>")
            .unwrap_err()
            .to_string()
            .ends_with(": <html>"));
    }

    #[test]
    fn reads_initialize_and_tools() {
        let info = server_info(&json!({
            "protocolVersion": "2025-03-26",
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "main", "version": "1.2"},
        }))
        .unwrap();
        assert_eq!((info.name.as_str(), info.version.as_str()), ("main", "1.2"));
        assert_eq!(info.protocol_version, "2025-03-26");
        assert!(server_info(&json!({"capabilities": {}})).is_err());
        let (names, next) =
            tools_page(&json!({"tools": [{"name": "a"}, {"name": "b"}], "nextCursor": "c"}))
                .unwrap();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(next.as_deref(), Some("c"));
        assert!(tools_page(&json!({})).is_err());
    }
}
