//! Standalone FastMCP's own ways to run a server: the `fastmcp run` command line, for a module
//! with no `run()` (or one that binds a loopback host), and a `fastmcp.json` project file.

use super::super::guess::{transport_named, Guess};
use super::sdk::{Kind, Server};
use crate::config::Transport;
use serde_json::Value;
use std::path::Path;

/// `fastmcp run FILE:OBJ --transport http --host 0.0.0.0 --port N [--path P]`.
pub fn run_command(file: &str, var: &str, port: i64, path: Option<&str>) -> Vec<String> {
    let mut c: Vec<String> = [
        "fastmcp",
        "run",
        &format!("{file}:{var}"),
        "--transport",
        "http",
        "--host",
        "0.0.0.0",
        "--port",
        &port.to_string(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(p) = path {
        c.extend(["--path".to_string(), p.to_string()]);
    }
    c
}

/// A standalone FastMCP object that nothing runs: `fastmcp run` serves it over HTTP.
pub fn unrun(
    servers: &[Server],
    files: &[super::super::scan::Source],
    has_run: bool,
    g: &mut Guess,
) {
    if has_run {
        return;
    }
    let Some(s) = servers.iter().find(|s| s.kind == Kind::Standalone) else {
        return;
    };
    let file = &files[s.file].path;
    let port = g.port.as_ref().map_or(8000, |p| p.value);
    let path = g.endpoint.as_ref().map(|e| e.value.clone());
    g.command(
        run_command(file, &s.var, port, path.as_deref()),
        format!(
            "{file} makes a FastMCP object `{}` and never runs it: `fastmcp run` serves it",
            s.var
        ),
    );
    g.transport(
        Transport::StreamableHttp,
        "served over HTTP by `fastmcp run`",
    );
}

/// What `fastmcp.json` says: the source file and object, and the deployment's transport,
/// port and path. The command serves the source over HTTP with the deployment's settings.
pub fn project_file(dir: &Path, g: &mut Guess) {
    let Ok(text) = std::fs::read_to_string(dir.join("fastmcp.json")) else {
        return;
    };
    let Ok(doc) = serde_json::from_str::<Value>(&text) else {
        g.warn("fastmcp.json is not valid JSON: it was not read");
        return;
    };
    let deploy = doc.get("deployment");
    let get = |k: &str| deploy.and_then(|d| d.get(k));
    if let Some(p) = get("port").and_then(Value::as_i64) {
        g.port(p, format!("fastmcp.json deployment.port = {p}"));
    }
    if let Some(p) = get("path").and_then(Value::as_str) {
        g.endpoint(p, format!("fastmcp.json deployment.path = {p:?}"));
    }
    let declared = get("transport").and_then(Value::as_str);
    let source = doc.get("source");
    let path = source
        .and_then(|s| s.get("path"))
        .and_then(Value::as_str)
        .filter(|p| is_plain(p));
    let Some(path) = path else {
        return;
    };
    let entry = source
        .and_then(|s| s.get("entrypoint"))
        .and_then(Value::as_str)
        .filter(|e| is_plain(e))
        .unwrap_or("mcp");
    let port = g.port.as_ref().map_or(8000, |p| p.value);
    let endpoint = g.endpoint.as_ref().map(|e| e.value.clone());
    let why = match declared {
        Some(t) if transport_named(t) != Some(Transport::Stdio) => {
            format!("fastmcp.json: {path}:{entry} over {t}")
        }
        _ => format!("fastmcp.json: {path}:{entry}, served over HTTP in a container"),
    };
    g.command(
        run_command(path, entry, port, endpoint.as_deref()),
        why.clone(),
    );
    g.transport(Transport::StreamableHttp, why);
}

fn is_plain(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('/')
        && !s.contains("..")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._/".contains(c))
}
