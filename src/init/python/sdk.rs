//! Python servers built on the MCP SDKs: the official SDK's `FastMCP` (1.x) and `MCPServer`
//! (2.x), standalone `fastmcp`, and the low-level `Server`. Reads the server object and its
//! `run()` call: transport, port and endpoint (the host is `host.rs`).

use super::super::guess::{transport_named, Guess};
use super::super::scan::{self, env_default, string, Call, Lit, Source};
use super::host;
use crate::config::Transport;

/// Which server class a module uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `from mcp.server.fastmcp import FastMCP` (SDK 1.x).
    SdkFastMcp,
    /// `from mcp.server.mcpserver import MCPServer` (SDK 2.x).
    SdkMcpServer,
    /// `from fastmcp import FastMCP` (standalone fastmcp 2.x/3.x).
    Standalone,
}

impl Kind {
    pub fn spelled(self) -> &'static str {
        match self {
            Kind::SdkFastMcp => "FastMCP of the mcp SDK",
            Kind::SdkMcpServer => "MCPServer of the mcp SDK 2.x",
            Kind::Standalone => "standalone FastMCP",
        }
    }
}

/// A server object: `mcp = FastMCP(...)`.
#[derive(Debug, Clone)]
pub struct Server {
    pub kind: Kind,
    pub var: String,
    pub file: usize,
    pub call: Call,
}

/// The server objects made in `files`, by import and assignment.
pub fn servers(files: &[Source]) -> Vec<Server> {
    let mut out = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let t = &f.text;
        let kinds = [
            (
                Kind::SdkFastMcp,
                "FastMCP",
                t.contains("mcp.server.fastmcp import") || t.contains("import mcp.server.fastmcp"),
            ),
            (
                Kind::SdkMcpServer,
                "MCPServer",
                t.contains("mcp.server.mcpserver import")
                    || t.contains("from mcp.server import MCPServer"),
            ),
            (
                Kind::Standalone,
                "FastMCP",
                t.contains("from fastmcp import") || t.contains("import fastmcp"),
            ),
        ];
        for (kind, class, imported) in kinds {
            if !imported {
                continue;
            }
            for call in scan::calls(t, class)
                .into_iter()
                .chain(scan::calls(t, &format!("fastmcp.{class}")))
            {
                if let Some(var) = assigned(&call.before) {
                    out.push(Server {
                        kind,
                        var,
                        file: i,
                        call,
                    });
                }
            }
        }
    }
    out
}

/// `mcp = ` or `mcp: FastMCP = ` → `mcp`.
fn assigned(before: &str) -> Option<String> {
    let b = before.trim().strip_suffix('=')?.trim_end();
    let name = b.split(':').next()?.trim();
    let name = name.strip_prefix("self.").unwrap_or(name);
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .then(|| name.to_string())
}

/// The `run` calls on a server object, with the method called.
pub fn runs(files: &[Source], servers: &[Server]) -> Vec<(usize, &'static str, Call)> {
    const METHODS: &[&str] = &[
        ".run",
        ".run_async",
        ".run_http_async",
        ".run_streamable_http_async",
        ".run_sse_async",
        ".run_stdio_async",
    ];
    let mut out = Vec::new();
    for (i, f) in files.iter().enumerate() {
        for m in METHODS {
            for call in scan::calls(&f.text, m) {
                let receiver: String = call
                    .before
                    .chars()
                    .rev()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                if servers.iter().any(|s| s.var == receiver) {
                    out.push((i, *m, call));
                }
            }
        }
    }
    out
}

/// Everything the SDK servers in `files` say; returns the server objects found.
pub fn read(files: &[Source], g: &mut Guess) -> Vec<Server> {
    let servers = servers(files);
    let Some(main) = servers.first() else {
        return servers;
    };
    let runs = runs(files, &servers);
    let at = |file: usize, call: &Call| files[file].at(call.offset);
    for (file, method, call) in &runs {
        let where_ = at(*file, call);
        let t = match *method {
            ".run_http_async" | ".run_streamable_http_async" => Some(Transport::StreamableHttp),
            ".run_sse_async" => Some(Transport::Sse),
            ".run_stdio_async" => Some(Transport::Stdio),
            _ => match call.arg("transport", Some(0)) {
                None => Some(Transport::Stdio),
                Some(expr) => {
                    value_of(expr, "transport", &where_, g).and_then(|v| transport_named(&v))
                }
            },
        };
        if let Some(t) = t {
            let how = if call.arg("transport", Some(0)).is_none() && *method == ".run" {
                "run() with no transport serves stdio".to_string()
            } else {
                format!("{}{}(...)", main.var, method)
            };
            g.transport(t, format!("{how} in {where_}"));
        }
    }
    let serves_http = matches!(
        g.transport_value(),
        Some(Transport::StreamableHttp | Transport::Sse)
    );
    // The run() call wins over the constructor, which wins over the class's defaults.
    let mut places: Vec<(String, &Call)> = runs.iter().map(|(f, _, c)| (at(*f, c), c)).collect();
    for s in &servers {
        places.push((at(s.file, &s.call), &s.call));
    }
    for (where_, call) in &places {
        if let Some(p) = call.arg("port", None) {
            if let Some(v) = value_of(p, "port", where_, g) {
                if let Ok(n) = v.parse() {
                    g.port(n, format!("port={p} in {where_}"));
                }
            }
        }
        for key in ["path", "streamable_http_path", "sse_path"] {
            if let Some(e) = call.arg(key, None).and_then(string) {
                if key != "sse_path" || g.transport_value() == Some(Transport::Sse) {
                    g.endpoint(&e, format!("{key}={e:?} in {where_}"));
                }
            }
        }
    }
    if serves_http {
        host::server(files, main, &places, g);
    }
    servers
}

/// A literal, or the default of an environment read (which is noted: the variable may be
/// set to something else at run time). None when the value is computed.
fn value_of(expr: &str, what: &str, where_: &str, g: &mut Guess) -> Option<String> {
    if let Some(l) = scan::literal(expr) {
        return Some(lit_text(&l));
    }
    let (var, default) = env_default(expr)?;
    match (what, default) {
        ("transport", d) => {
            let want = "streamable-http";
            if d.as_ref().map(lit_text).and_then(|d| transport_named(&d))
                != Some(Transport::StreamableHttp)
            {
                g.env(
                    &var,
                    want,
                    format!("the transport is read from {var} ({where_}): HTTP in a container"),
                );
            }
            Some(want.to_string())
        }
        (_, Some(d)) => Some(lit_text(&d)),
        ("port", None) => {
            g.env(
                &var,
                "8000",
                format!("the port is read from {var} ({where_})"),
            );
            Some("8000".into())
        }
        _ => None,
    }
}

pub(super) fn lit_text(l: &Lit) -> String {
    match l {
        Lit::Str(s) => s.clone(),
        Lit::Int(n) => n.to_string(),
    }
}
