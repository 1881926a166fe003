//! A guess of a server's transport from its source: what the code passes to the SDK.

use crate::config::Transport;
use std::path::Path;

/// Folders never read: installed packages, caches, build output of other tools.
pub const SKIPPED_DIRS: &[&str] = &["node_modules", "__pycache__", "venv", "site-packages"];

const SOURCE_EXTENSIONS: &[&str] = &["py", "js", "mjs", "cjs", "ts", "mts", "cts"];
const MAX_FILES: usize = 400;
const MAX_BYTES: u64 = 512 * 1024;

/// What the source says, if anything. HTTP wins over SSE over stdio: a server that can do
/// several is best run over HTTP in a container.
pub fn guess(dir: &Path) -> Option<Transport> {
    let mut found = Found::default();
    let mut budget = MAX_FILES;
    scan(dir, 0, &mut budget, &mut found);
    found.best()
}

#[derive(Default)]
struct Found {
    http: bool,
    sse: bool,
    stdio: bool,
}

impl Found {
    fn best(&self) -> Option<Transport> {
        if self.http {
            Some(Transport::StreamableHttp)
        } else if self.sse {
            Some(Transport::Sse)
        } else if self.stdio {
            Some(Transport::Stdio)
        } else {
            None
        }
    }

    fn add(&mut self, t: Transport) {
        match t {
            Transport::StreamableHttp => self.http = true,
            Transport::Sse => self.sse = true,
            Transport::Stdio => self.stdio = true,
        }
    }
}

fn scan(dir: &Path, depth: usize, budget: &mut usize, found: &mut Found) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if *budget == 0 {
            return;
        }
        let name = e.file_name().to_string_lossy().into_owned();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            if depth < 6 && !name.starts_with('.') && !SKIPPED_DIRS.contains(&name.as_str()) {
                scan(&e.path(), depth + 1, budget, found);
            }
        } else if kind.is_file()
            && SOURCE_EXTENSIONS
                .iter()
                .any(|x| name.ends_with(&format!(".{x}")))
            && e.metadata().is_ok_and(|m| m.len() <= MAX_BYTES)
        {
            *budget -= 1;
            if let Ok(text) = std::fs::read_to_string(e.path()) {
                markers(&text, found);
            }
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
        ("SSEServerTransport", Transport::Sse),
        ("SseServerTransport", Transport::Sse),
        ("sse_app(", Transport::Sse),
        ("StdioServerTransport", Transport::Stdio),
        ("stdio_server(", Transport::Stdio),
        // FastMCP's `mcp.run()` with no argument serves stdio.
        ("mcp.run()", Transport::Stdio),
    ];
    for (name, t) in NAMES {
        if text.contains(name) {
            found.add(*t);
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
            found.add(t);
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
        f.best()
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
