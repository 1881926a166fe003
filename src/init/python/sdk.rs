//! Python servers built on the MCP SDKs: the official SDK's `FastMCP` (1.x) and `MCPServer`
//! (2.x), standalone `fastmcp`, and the low-level `Server`. Reads the server object, its
//! `run()` call and `uvicorn.run()`: transport, host, port and endpoint.

use super::super::guess::{transport_named, Guess};
use super::super::scan::{self, env_default, int, string, Call, Lit, Source};
use super::fastmcp;
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
    fn spelled(self) -> &'static str {
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

/// Everything the SDK servers in `files` say. Returns whether any server object was found.
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
        host(files, main, &places, g);
    }
    servers
}

/// Where the server binds: a loopback host is warned about with the fix, a host read from the
/// environment is set to 0.0.0.0, and the class's loopback default is overridden or warned.
fn host(files: &[Source], main: &Server, places: &[(String, &Call)], g: &mut Guess) {
    for (where_, call) in places {
        let Some(expr) = call.arg("host", None) else {
            continue;
        };
        if let Some((var, _)) = env_default(expr) {
            g.env(
                &var,
                "0.0.0.0",
                format!(
                    "the host is read from {var} ({where_}): 0.0.0.0 so the gateway reaches it"
                ),
            );
        } else if let Some(h) = string(expr) {
            if scan::is_loopback(&h) && main.kind == Kind::Standalone {
                // The fastmcp command line sets the host without touching the source.
                let port = g.port.as_ref().map_or(8000, |p| p.value);
                let path = g.endpoint.as_ref().map(|e| e.value.clone());
                let file = &files[main.file].path;
                g.command(
                    fastmcp::run_command(file, &main.var, port, path.as_deref()),
                    format!(
                        "{where_} listens on {h} only: `fastmcp run` serves the same object on 0.0.0.0"
                    ),
                );
            } else if scan::is_loopback(&h) {
                g.warn(format!(
                    "{where_} listens on {h} only: the gateway cannot reach it in a container; \
                     use host=\"0.0.0.0\" (or read it from an environment variable)"
                ));
            }
        }
        return;
    }
    // `mcp.settings.host = ...` after the constructor (a common way around its default).
    for f in files {
        if let Some(i) = f.text.find(&format!("{}.settings.host", main.var)) {
            let rest = f.text[i..].lines().next().unwrap_or("");
            let expr = rest.split_once('=').map_or("", |(_, v)| v.trim());
            if let Some((var, _)) = env_default(expr) {
                g.env(
                    &var,
                    "0.0.0.0",
                    format!("the host is read from {var} ({})", f.at(i)),
                );
            } else if string(expr).is_some_and(|h| scan::is_loopback(&h)) {
                g.warn(format!(
                    "{} sets a loopback host: the gateway cannot reach it; use \"0.0.0.0\"",
                    f.at(i)
                ));
            }
            return;
        }
    }
    let file = places
        .iter()
        .find(|(_, c)| c.offset == main.call.offset)
        .map(|(w, _)| w.clone())
        .unwrap_or_default();
    match main.kind {
        Kind::Standalone => g.env(
            "FASTMCP_HOST",
            "0.0.0.0",
            "standalone FastMCP listens on 127.0.0.1 unless FASTMCP_HOST says otherwise",
        ),
        Kind::SdkFastMcp => {
            g.env(
                "FASTMCP_HOST",
                "0.0.0.0",
                "FastMCP of the mcp SDK listens on 127.0.0.1 by default",
            );
            g.warn(format!(
                "{} listens on 127.0.0.1 by default; recent mcp 1.x versions set that host in \
                 the constructor and ignore FASTMCP_HOST: pass host=\"0.0.0.0\" to \
                 FastMCP(...) in {file}",
                main.kind.spelled()
            ));
        }
        Kind::SdkMcpServer => g.warn(format!(
            "{} listens on 127.0.0.1 unless run() is given a host: pass \
             host=\"0.0.0.0\" to {}.run(...) (server made in {file})",
            main.kind.spelled(),
            main.var
        )),
    }
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

fn lit_text(l: &Lit) -> String {
    match l {
        Lit::Str(s) => s.clone(),
        Lit::Int(n) => n.to_string(),
    }
}

/// `uvicorn.run(app, host=..., port=...)` in a low-level server: port and a loopback host.
pub fn uvicorn(files: &[Source], g: &mut Guess) {
    for f in files {
        for call in scan::calls(&f.text, "uvicorn.run") {
            let where_ = f.at(call.offset);
            if let Some(p) = call.arg("port", None) {
                if let Some(n) = int(p) {
                    g.port(n, format!("uvicorn.run(port={n}) in {where_}"));
                } else if let Some((var, d)) = env_default(p) {
                    match d.map(|d| lit_text(&d)).and_then(|d| d.parse().ok()) {
                        Some(n) => g.port(n, format!("{var}, default {n}, in {where_}")),
                        None => {
                            g.env(
                                &var,
                                "8000",
                                format!("the port is read from {var} ({where_})"),
                            );
                            g.port(8000, format!("{var} set to 8000"));
                        }
                    }
                }
            }
            match call.arg("host", None) {
                Some(h) => {
                    if let Some((var, _)) = env_default(h) {
                        g.env(
                            &var,
                            "0.0.0.0",
                            format!("the host is read from {var} ({where_})"),
                        );
                    } else if string(h).is_some_and(|h| scan::is_loopback(&h)) {
                        g.warn(format!(
                            "{where_} listens on {} only: the gateway cannot reach it in a \
                             container; use host=\"0.0.0.0\"",
                            string(h).unwrap_or_default()
                        ));
                    }
                }
                None if !call.args.iter().any(|a| a.value.starts_with("**")) => g.warn(format!(
                    "{where_}: uvicorn.run() without a host listens on 127.0.0.1 only; pass \
                     host=\"0.0.0.0\""
                )),
                None => {}
            }
        }
    }
}
