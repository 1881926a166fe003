//! What Node source says: the listen port and host of an `express`/`http` server, and the
//! route of the MCP endpoint. (The transport classes are read by `transport.rs`.)

use super::super::guess::Guess;
use super::super::scan::{self, env_default, int, string, Lit, Source};
use crate::config::Transport;
use std::path::Path;

const EXTS: &[&str] = &["js", "mjs", "cjs", "ts", "mts", "cts"];

/// Port, host and endpoint from `.listen(...)` and route calls. Compiled output folders are
/// read only when there is no TypeScript source.
pub fn guess(dir: &Path, transport: Option<Transport>, g: &mut Guess) {
    let mut files = scan::sources(dir, EXTS);
    if files.iter().any(|f| f.path.ends_with(".ts")) {
        files.retain(|f| !is_output(&f.path));
    }
    if !matches!(transport, Some(Transport::StreamableHttp | Transport::Sse)) {
        return;
    }
    // Files named after the transport first (`transports/streamableHttp.ts` before `sse.ts`).
    let named = |f: &&Source| {
        let p = f.path.to_ascii_lowercase();
        match transport {
            Some(Transport::Sse) => p.contains("sse"),
            _ => p.contains("http") || p.contains("streamable"),
        }
    };
    for f in files
        .iter()
        .filter(named)
        .chain(files.iter().filter(|f| !named(f)))
    {
        listen(f, g);
    }
    let (method, want) = match transport {
        Some(Transport::Sse) => (".get", "sse"),
        _ => (".post", "mcp"),
    };
    for f in &files {
        for m in [method, ".all"] {
            for c in scan::calls(&f.text, m) {
                if let Some(route) = c.positional().next().and_then(string) {
                    if route.starts_with('/') && route.contains(want) {
                        g.endpoint(&route, format!("route {route:?} at {}", f.at(c.offset)));
                    }
                }
            }
        }
    }
}

fn is_output(path: &str) -> bool {
    ["build/", "dist/", "lib/", "out/"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// `app.listen(PORT, "127.0.0.1")`, with `PORT` a literal, a constant or an environment read.
fn listen(f: &Source, g: &mut Guess) {
    for c in scan::calls(&f.text, ".listen") {
        let at = f.at(c.offset);
        let mut args = c.positional();
        let Some(port) = args.next() else { continue };
        match resolve(&f.text, port) {
            Some((Some(n), None)) => g.port(n, format!(".listen({port}) at {at}")),
            Some((Some(n), Some(var))) => g.port(n, format!("{var}, default {n}, read at {at}")),
            Some((None, Some(var))) => {
                g.env(&var, "8000", format!("the port is read from {var} ({at})"));
                g.port(8000, format!("{var} set to 8000"));
            }
            _ => {}
        }
        if let Some(host) = args.next() {
            match resolve_str(&f.text, host) {
                Some((Some(h), _)) if scan::is_loopback(&h) => g.warn(format!(
                    "{at} listens on {h} only: the gateway cannot reach it in a container; \
                     listen on 0.0.0.0 (or leave the host out)"
                )),
                Some((_, Some(var))) => g.env(
                    &var,
                    "0.0.0.0",
                    format!(
                        "the host is read from {var} ({at}): 0.0.0.0 so the gateway reaches it"
                    ),
                ),
                _ => {}
            }
        }
    }
}

/// A port expression: a literal, an environment read, or a `const NAME = ...` holding one.
fn resolve(text: &str, expr: &str) -> Option<(Option<i64>, Option<String>)> {
    if let Some(n) = int(expr) {
        return Some((Some(n), None));
    }
    if let Some((var, d)) = env_default(expr) {
        let n = d.and_then(|d| match d {
            Lit::Int(n) => Some(n),
            Lit::Str(s) => s.parse().ok(),
        });
        return Some((n, Some(var)));
    }
    resolve(text, &constant(text, expr)?)
}

fn resolve_str(text: &str, expr: &str) -> Option<(Option<String>, Option<String>)> {
    if let Some(s) = string(expr) {
        return Some((Some(s), None));
    }
    if let Some((var, d)) = env_default(expr) {
        let s = d.and_then(|d| match d {
            Lit::Str(s) => Some(s),
            Lit::Int(_) => None,
        });
        return Some((s, Some(var)));
    }
    resolve_str(text, &constant(text, expr)?)
}

/// The expression a `const NAME =` (or `let`/`var`) declaration gives `name`.
fn constant(text: &str, name: &str) -> Option<String> {
    let name = name.trim();
    if !name.chars().all(|c| c.is_alphanumeric() || c == '_') || name.is_empty() {
        return None;
    }
    for kw in ["const ", "let ", "var "] {
        let pat = format!("{kw}{name}");
        let mut from = 0;
        while let Some(i) = text[from..].find(&pat) {
            let rest = &text[from + i + pat.len()..];
            from += i + pat.len();
            let rest = rest.trim_start();
            let rest = match rest.strip_prefix(':') {
                Some(r) => r
                    .trim_start()
                    .trim_start_matches(|c: char| c.is_alphanumeric())
                    .trim_start(),
                None => rest,
            };
            if let Some(v) = rest.strip_prefix('=') {
                let expr: String = v.chars().take_while(|c| *c != ';' && *c != '\n').collect();
                return Some(expr.trim().to_string());
            }
        }
    }
    None
}
