//! Where a Python server listens: a loopback host is warned about with the file, line and fix;
//! a host read from the environment gets the variable set to 0.0.0.0; a class's loopback
//! default is overridden (standalone FastMCP's `FASTMCP_HOST`, `fastmcp run`) or warned.

use super::super::guess::Guess;
use super::super::scan::{self, env_default, int, string, Call, Source};
use super::fastmcp;
use super::sdk::{lit_text, Kind, Server};

/// Where the server binds: a loopback host is warned about with the fix, a host read from the
/// environment is set to 0.0.0.0, and the class's loopback default is overridden or warned.
pub fn server(files: &[Source], main: &Server, places: &[(String, &Call)], g: &mut Guess) {
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
            if main.kind == Kind::SdkFastMcp {
                g.warn(format!(
                    "{} made without host= guards against DNS rebinding for localhost only \
                     (recent mcp 1.x), and setting the host at {} does not lift it: requests \
                     through the gateway get 421; pass host=\"0.0.0.0\" to FastMCP(...)",
                    main.kind.spelled(),
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
