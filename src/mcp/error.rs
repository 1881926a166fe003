//! What can go wrong talking MCP to one endpoint.
//!
//! The messages carry what was seen on the wire (the HTTP status, the start of the body, the
//! TLS reason); the caller adds which server and which step.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum McpError {
    /// The client could not be set up (a CA file without a certificate, a bad URL...).
    #[error("{0}")]
    Setup(String),
    /// No HTTP answer: name resolution, connection, TLS, or a connection closed midway.
    #[error("{0}")]
    Transport(String),
    /// Nothing (or not all of it) arrived in time.
    #[error("no answer within {} ms", .0.as_millis())]
    Timeout(Duration),
    /// An HTTP status the protocol does not allow at this point.
    #[error("HTTP {status}{}", body_suffix(.body))]
    Status {
        /// The code and its reason phrase, `404 Not Found`.
        status: String,
        code: u16,
        /// The start of the body (or where a redirect points), on one line.
        body: String,
    },
    /// An answer MCP does not allow: not JSON, no result, a wrong content type...
    #[error("{0}")]
    Protocol(String),
    /// The server answered with a JSON-RPC error object.
    #[error("JSON-RPC error {code}: {message}")]
    Rpc { code: i64, message: String },
}

impl McpError {
    /// The HTTP status code, when the error is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            McpError::Status { code, .. } => Some(*code),
            _ => None,
        }
    }
}

fn body_suffix(body: &str) -> String {
    if body.is_empty() {
        " (empty body)".into()
    } else {
        format!(": {body}")
    }
}

/// The start of a body as one readable line: whitespace collapsed, at most `max` characters.
pub fn snippet(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let words: Vec<&str> = text.split_whitespace().collect();
    let line = words.join(" ");
    if line.chars().count() > max {
        let cut: String = line.chars().take(max).collect();
        format!("{cut}…")
    } else {
        line
    }
}

/// A reqwest error with its causes, which hold the useful part ("invalid peer certificate:
/// UnknownIssuer", "Connection refused").
pub fn describe(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let top = if e.is_connect() {
        "could not connect".to_string()
    } else if e.is_body() || e.is_decode() {
        "the connection broke while reading the body".to_string()
    } else if e.is_request() {
        "could not send the request".to_string()
    } else {
        // Without the URL: the caller names the server and the URL.
        let text = e.to_string();
        match e.url() {
            Some(url) => text.replace(&format!(" for url ({url})"), ""),
            None => text,
        }
    };
    parts.push(top);
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        // Wrappers often repeat their cause's text; keep each piece once.
        if !text.is_empty()
            && !parts.iter().any(|p| p.contains(&text) || text.contains(p))
            && text != "client error (Connect)"
        {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_one_short_line() {
        assert_eq!(snippet(b"  a\n\n b\tc ", 10), "a b c");
        assert_eq!(snippet("éééé".as_bytes(), 2), "éé…");
        assert_eq!(snippet(&[0xff, b'x'], 10), "\u{fffd}x");
    }

    #[test]
    fn status_errors_show_code_and_body() {
        let e = McpError::Status {
            status: "500 Internal Server Error".into(),
            code: 500,
            body: "boom".into(),
        };
        assert_eq!(e.to_string(), "HTTP 500 Internal Server Error: boom");
        assert_eq!(e.status(), Some(500));
        let e = McpError::Status {
            status: "404 Not Found".into(),
            code: 404,
            body: String::new(),
        };
        assert_eq!(e.to_string(), "HTTP 404 Not Found (empty body)");
        assert_eq!(
            McpError::Timeout(Duration::from_millis(1500)).to_string(),
            "no answer within 1500 ms"
        );
    }
}
