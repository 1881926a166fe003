//! Python projects: what `pyproject.toml` (or `requirements.txt`) says, and what the source
//! says about transport, command, port, host and endpoint.

pub mod cli;
pub mod fastmcp;
pub mod host;
pub mod project;
pub mod sdk;

pub use project::{parse, requirement_name};

use super::guess::Guess;
use super::scan;
use std::path::Path;

/// The source's guesses, most certain first: `fastmcp.json`, the command line's options, the
/// SDK objects and their `run()` calls, `uvicorn.run()`.
pub fn guess(dir: &Path, base: Option<&[String]>) -> Guess {
    let files = scan::sources(dir, &["py"]);
    let mut g = Guess::default();
    fastmcp::project_file(dir, &mut g);
    let cli = cli::read(&files);
    let cli_args = cli::http_args(&cli, &files, &mut g);
    if let (Some(args), Some(base)) = (&cli_args, base) {
        let mut c = base.to_vec();
        c.extend(args.iter().cloned());
        let why = g
            .transport
            .as_ref()
            .map(|t| t.reason.clone())
            .unwrap_or_default();
        g.command(c, why);
    }
    let servers = sdk::read(&files, &mut g);
    let has_run = !sdk::runs(&files, &servers).is_empty();
    fastmcp::unrun(&servers, &files, has_run, &mut g);
    host::uvicorn(&files, &mut g);
    // A port passed on from a `--port` option: its default.
    if let Some(p) = &cli.port {
        if let Some(n) = p.default.as_deref().and_then(|d| d.parse().ok()) {
            g.port(n, format!("--port at {} (default {n})", p.at));
        }
    }
    let binds_itself = files.iter().any(|f| f.text.contains("uvicorn.run("));
    if cli_args.is_some() && cli.host.is_none() && servers.is_empty() && !binds_itself {
        g.warn(
            "the command line has no --host option: if the server listens on 127.0.0.1 only, \
             the gateway cannot reach it; bind 0.0.0.0",
        );
    }
    g
}

/// Whether `requirements.txt` names an MCP package, and which.
pub fn requirements_dependency(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("requirements.txt")).ok()?;
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty() && !l.starts_with('-'))
        .map(requirement_name)
        .find(|n| n == "mcp" || n == "fastmcp")
}

/// The start command of a project with no `pyproject.toml`: a lone top-level script.
pub fn script_command(dir: &Path) -> Option<Vec<String>> {
    ["server.py", "main.py", "app.py"]
        .iter()
        .find(|f| dir.join(f).is_file())
        .map(|f| f.to_string())
        .or_else(|| project::main_script(dir))
        .map(|f| vec!["python".into(), f])
}
