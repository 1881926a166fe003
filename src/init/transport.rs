//! A guess of a server's transport from its source: what the code passes to the SDK.

use super::scan;
use crate::config::Transport;
use std::path::Path;

const SOURCE_EXTENSIONS: &[&str] = &["py", "js", "mjs", "cjs", "ts", "mts", "cts"];

/// What the source says, if anything, and the marker that says it. HTTP wins over SSE over
/// stdio: a server that can do several is best run over HTTP in a container.
pub fn guess(dir: &Path) -> Option<(Transport, String)> {
    let mut found = Found::default();
    for f in scan::sources(dir, SOURCE_EXTENSIONS) {
        markers(&f.text, &mut found);
    }
    found.best()
}

#[derive(Default)]
struct Found {
    http: Option<String>,
    sse: Option<String>,
    stdio: Option<String>,
}

impl Found {
    fn best(&self) -> Option<(Transport, String)> {
        [
            (Transport::StreamableHttp, &self.http),
            (Transport::Sse, &self.sse),
            (Transport::Stdio, &self.stdio),
        ]
        .into_iter()
        .find_map(|(t, m)| m.clone().map(|m| (t, m)))
    }

    fn add(&mut self, t: Transport, marker: &str) {
        let slot = match t {
            Transport::StreamableHttp => &mut self.http,
            Transport::Sse => &mut self.sse,
            Transport::Stdio => &mut self.stdio,
        };
        if slot.is_none() {
            *slot = Some(marker.to_string());
        }
    }
}

/// Class names of the TypeScript SDK, helpers of the Python SDK, and `transport="..."` values
/// (FastMCP's `run`, and `transportType` of the TypeScript FastMCP).
fn markers(text: &str, found: &mut Found) {
    const NAMES: &[(&str, Transport)] = &[
        ("StreamableHTTPServerTransport", Transport::StreamableHttp),
        ("streamable_http_app(", Transport::StreamableHttp),
        ("StreamableHTTPSessionManager", Transport::StreamableHttp),
        // TypeScript SDK v2: @modelcontextprotocol/express and /hono.
        ("createMcpExpressApp(", Transport::StreamableHttp),
        ("createMcpHonoApp(", Transport::StreamableHttp),
        ("SSEServerTransport", Transport::Sse),
        ("SseServerTransport", Transport::Sse),
        ("sse_app(", Transport::Sse),
        ("StdioServerTransport", Transport::Stdio),
        ("stdio_server(", Transport::Stdio),
        // FastMCP and MCPServer (SDK 1.x and 2.x) serving stdio from async code.
        ("run_stdio_async(", Transport::Stdio),
        // FastMCP's `mcp.run()` with no argument serves stdio.
        ("mcp.run()", Transport::Stdio),
    ];
    for (name, t) in NAMES {
        if text.contains(name) {
            found.add(*t, name.trim_end_matches('('));
        }
    }
    for key in ["transport", "transportType"] {
        for value in assigned_values(text, key) {
            let t = match value.as_str() {
                "streamable-http" | "streamable_http" | "http" | "httpStream" => {
                    Transport::StreamableHttp
                }
                "sse" => Transport::Sse,
                "stdio" => Transport::Stdio,
                _ => continue,
            };
            found.add(t, &format!("{key}={value:?}"));
        }
    }
}

/// Quoted values in `key="value"`, `key = 'value'` or `key: "value"`.
fn assigned_values(text: &str, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(key) {
        let before = rest[..i].chars().next_back();
        rest = &rest[i + key.len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let after = rest.trim_start();
        let Some(after) = after
            .strip_prefix('=')
            .or_else(|| after.strip_prefix(':'))
            .map(str::trim_start)
        else {
            continue;
        };
        let Some(quote) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            continue;
        };
        if let Some(end) = after[1..].find(quote) {
            out.push(after[1..1 + end].to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(text: &str) -> Option<Transport> {
        let mut f = Found::default();
        markers(text, &mut f);
        f.best().map(|(t, _)| t)
    }

    #[test]
    fn python_markers() {
        assert_eq!(
            of("mcp.run(transport=\"streamable-http\")"),
            Some(Transport::StreamableHttp)
        );
        assert_eq!(
            of("mcp.run(transport = 'http')"),
            Some(Transport::StreamableHttp)
        );
        assert_eq!(
            of("mcp.run(transport=\"sse\", mount_path=x)"),
            Some(Transport::Sse)
        );
        assert_eq!(of("    mcp.run()  # stdio"), Some(Transport::Stdio));
        assert_eq!(
            of("async with stdio_server() as (r, w):"),
            Some(Transport::Stdio)
        );
        assert_eq!(
            of("    await server.run_stdio_async()"),
            Some(Transport::Stdio)
        );
        assert_eq!(of("\"\"\"A server over Streamable HTTP.\"\"\""), None);
        assert_eq!(of("my_transport=\"sse\""), None);
    }

    #[test]
    fn node_markers() {
        assert_eq!(
            of("import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';"),
            Some(Transport::Stdio)
        );
        assert_eq!(
            of("new StreamableHTTPServerTransport({}); new StdioServerTransport()"),
            Some(Transport::StreamableHttp)
        );
        assert_eq!(
            of("server.start({ transportType: \"httpStream\" })"),
            Some(Transport::StreamableHttp)
        );
        assert_eq!(
            of("new SSEServerTransport('/messages', res)"),
            Some(Transport::Sse)
        );
    }
}
