//! Finding MCP servers below a folder: Python projects that depend on `mcp` or `fastmcp`, Node
//! projects that depend on the TypeScript SDK (v1 or v2), and folders with their own Dockerfile;
//! then what their source says (see `python`, `node`, `dockerfile`, `transport`).

use super::guess::Guess;
use super::{dockerfile, lock, names, node, python, transport};
use crate::config::validate::RESERVED;
use crate::config::{Runtime, Transport};
use std::collections::BTreeSet;
use std::path::Path;

/// How deep below the project folder `init` looks (`servers/weather` is depth 2).
const MAX_DEPTH: usize = 3;

/// A folder `init` offers as a server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// A server name made from the folder's name (a DNS label, unique).
    pub name: String,
    /// The folder, relative to the project folder, `/`-separated.
    pub folder: String,
    pub found: Found,
}

/// What one folder holds, whether or not it is an MCP server.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub runtime: Option<Runtime>,
    /// Why it is an MCP server, e.g. `pyproject.toml depends on fastmcp`; None if nothing says so.
    pub reason: Option<String>,
    pub transport: Transport,
    /// The start command read from the project's scripts, entry points or source.
    pub command: Option<Vec<String>>,
    /// The port it listens on, when the source or Dockerfile says one.
    pub port: Option<i64>,
    /// Its own MCP endpoint, when the source sets one that is not the default.
    pub endpoint: Option<String>,
    /// Environment values it needs in a container.
    pub env: Vec<(String, String)>,
    /// What was guessed and why (written as comments, shown in the summary).
    pub notes: Vec<String>,
    /// What will not work in a container as it is, with the fix.
    pub warnings: Vec<String>,
    /// The lock file it lacks, and the command that makes it.
    pub lock: Option<String>,
}

/// Every MCP server below `root`, sorted by folder. `output` (the folder `render` owns) and
/// hidden, dependency and cache folders are not searched; a project's own sub-folders neither.
pub fn detect(root: &Path, output: &str) -> Vec<Candidate> {
    let mut folders = Vec::new();
    // The folder itself may be the server (`init` run in the server's own project); its
    // sub-folders then belong to it.
    let own = is_project(root).then(|| inspect_in(root, root));
    match own.filter(|f| f.reason.is_some()) {
        Some(found) => folders.push((".".to_string(), found)),
        None => walk(root, root, 1, output, &mut folders),
    }
    folders.sort_by(|a: &(String, Found), b| a.0.cmp(&b.0));
    let mut taken: BTreeSet<String> = RESERVED.iter().map(|s| s.to_string()).collect();
    let own_name = std::fs::canonicalize(root)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    folders
        .into_iter()
        .map(|(folder, found)| {
            let base = if folder == "." {
                own_name.as_str()
            } else {
                folder.rsplit('/').next().unwrap_or(&folder)
            };
            let name = names::unique(&names::label_from(base, "server"), &mut taken);
            Candidate {
                name,
                folder,
                found,
            }
        })
        .collect()
}

fn walk(root: &Path, dir: &Path, depth: usize, output: &str, out: &mut Vec<(String, Found)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name().to_string_lossy().into_owned();
        // Symbolic links are not followed: they may lead outside the project.
        if !e.file_type().is_ok_and(|t| t.is_dir())
            || name.starts_with('.')
            || super::scan::SKIPPED_DIRS.contains(&name.as_str())
            || (depth == 1 && name == output.trim_matches('/'))
        {
            continue;
        }
        let path = e.path();
        let Ok(rel) = path.strip_prefix(root) else {
            continue;
        };
        let rel: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if is_project(&path) {
            let found = inspect_in(&path, root);
            if found.reason.is_some() {
                out.push((rel.join("/"), found));
            }
        } else if depth < MAX_DEPTH {
            walk(root, &path, depth + 1, output, out);
        }
    }
}

/// A folder that is a project of its own: its sub-folders belong to it.
fn is_project(dir: &Path) -> bool {
    [
        "pyproject.toml",
        "package.json",
        "Dockerfile",
        "requirements.txt",
    ]
    .iter()
    .any(|f| dir.join(f).is_file())
}

/// What `dir` holds: runtime, whether it is an MCP server, transport, command, port, host and
/// endpoint. npm workspaces are looked for up to `dir` itself.
pub fn inspect(dir: &Path) -> Found {
    inspect_in(dir, dir)
}

/// As `inspect`, with `root` the project folder (an npm workspace root may be above `dir`).
pub fn inspect_in(dir: &Path, root: &Path) -> Found {
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
    let py = read("pyproject.toml").and_then(|t| python::parse(&t));
    let requirements = python::requirements_dependency(dir);
    let js = read("package.json").and_then(|t| node::parse(&t, dir));
    let dockerfile = read("Dockerfile");
    let mut found = Found::default();
    let mut reasons = Vec::new();
    if dockerfile.is_some() {
        reasons.push("has its own Dockerfile".to_string());
    }
    if let Some(dep) = py.as_ref().and_then(|p| p.mcp_dependency.as_ref()) {
        reasons.push(format!("pyproject.toml depends on {dep}"));
    } else if let Some(dep) = requirements.as_ref().filter(|_| py.is_none()) {
        reasons.push(format!("requirements.txt names {dep}"));
    }
    if let Some(dep) = js.as_ref().and_then(|p| p.mcp_dependency.as_ref()) {
        let generation = match dep.as_str() {
            "@modelcontextprotocol/server" => " (TypeScript SDK v2)",
            "@modelcontextprotocol/sdk" => " (TypeScript SDK v1)",
            _ => "",
        };
        reasons.push(format!("package.json depends on {dep}{generation}"));
    }
    found.reason = (!reasons.is_empty()).then(|| reasons.join("; "));
    let markers = transport::guess(dir);
    let marker_transport = markers.as_ref().map(|m| m.0);
    let mut g = Guess::default();
    let buildable = py.is_some() || requirements.is_some() || js.is_some();
    // A stdio server with its own Dockerfile that mcpstack can build itself is built by
    // mcpstack, so that its image carries the stdio bridge.
    let docker = dockerfile.as_ref().map(|text| {
        let mut d = Guess::default();
        dockerfile::read(dir, text, marker_transport, &mut d);
        d
    });
    let docker = match docker {
        Some(d) if buildable && d.transport_value() == Some(Transport::Stdio) => {
            let why = d.transport.map(|t| t.reason).unwrap_or_default();
            let from = if js.is_some() && py.is_none() && requirements.is_none() {
                "package.json"
            } else {
                "its Python project"
            };
            found.notes.push(format!(
                "its own Dockerfile serves stdio ({why}): mcpstack builds the image from \
                 {from} instead, with the stdio bridge"
            ));
            None
        }
        d => d,
    };
    found.runtime = if let Some(d) = docker {
        g = d;
        // The image's own command may take the options that make it serve HTTP.
        let base = dockerfile.as_deref().and_then(dockerfile::exec_command);
        if let (Some(base), true) = (base, py.is_some() || requirements.is_some()) {
            let mut p = python::guess(dir, Some(&base));
            if p.command.is_some() {
                if let Some(port) = g.port.take() {
                    p.port(port.value, port.reason);
                }
                g = p;
            }
        }
        Some(Runtime::Dockerfile)
    } else if py.is_some() || requirements.is_some() {
        let base = match &py {
            Some(p) => python::project::command(p, dir),
            None => python::script_command(dir),
        };
        g = python::guess(dir, base.as_deref());
        if let Some(c) = base {
            g.command(c, "the project's start script or module");
        }
        lock::python(dir, py.is_some(), &mut found);
        Some(Runtime::Python)
    } else if let Some(p) = &js {
        let t = marker_transport;
        if let Some((name, c)) = t.and_then(|t| node::package::script_for(p, t)) {
            g.command(c, format!("scripts.{name} serves HTTP"));
        }
        node::source::guess(dir, t, &mut g);
        if let Some(c) = &p.command {
            g.command(
                c.clone(),
                "package.json (start, bin or main) or the compiled entry",
            );
        }
        lock::node(dir, root, &mut found);
        Some(Runtime::Node)
    } else {
        None
    };
    if let Some((t, marker)) = &markers {
        g.transport(*t, format!("the source uses {marker}"));
    }
    settle(&mut found, g);
    found
}

/// The guesses as the found server: values, and a note for each with its reason.
fn settle(found: &mut Found, g: Guess) {
    match g.transport {
        Some(t) => {
            found.transport = t.value;
            found.notes.push(format!(
                "transport {}: {}",
                names::spelled(&t.value),
                t.reason
            ));
        }
        None => {
            found.transport = Transport::Stdio;
            found.notes.push(
                "transport stdio: nothing in the source says otherwise (the SDKs' default)".into(),
            );
        }
    }
    if let Some(c) = g.command {
        found.notes.push(format!(
            "command `{}`: {}",
            shell_words::join(&c.value),
            c.reason
        ));
        found.command = Some(c.value);
    }
    let http = found.transport != Transport::Stdio;
    if http {
        match g.port {
            Some(p) => {
                found.notes.push(format!("port {}: {}", p.value, p.reason));
                found.port = Some(p.value);
            }
            None => found
                .notes
                .push("port 8000: the source names no port (the SDKs' default)".into()),
        }
        let default = if found.transport == Transport::Sse {
            "/sse"
        } else {
            "/mcp"
        };
        if let Some(e) = g.endpoint.filter(|e| e.value != default) {
            found
                .notes
                .push(format!("endpoint {}: {}", e.value, e.reason));
            found.endpoint = Some(e.value);
        }
    }
    for (k, v, why) in g.env {
        found.notes.push(format!("env {k}={v}: {why}"));
        found.env.push((k, v));
    }
    found.warnings.extend(g.warnings);
}
