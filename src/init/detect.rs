//! Finding MCP servers below a folder: Python projects that depend on `mcp` or `fastmcp`, Node
//! projects that depend on `@modelcontextprotocol/sdk`, and folders with their own Dockerfile.

use super::{names, node, python, transport};
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
    /// The start command read from the project's scripts or entry points.
    pub command: Option<Vec<String>>,
    /// The port a Dockerfile exposes, when it exposes exactly one.
    pub port: Option<i64>,
    /// Things worth telling the user (and writing as comments).
    pub notes: Vec<String>,
}

/// Every MCP server below `root`, sorted by folder. `output` (the folder `render` owns) and
/// hidden, dependency and cache folders are not searched; a project's own sub-folders neither.
pub fn detect(root: &Path, output: &str) -> Vec<Candidate> {
    let mut folders = Vec::new();
    walk(root, root, 1, output, &mut folders);
    folders.sort_by(|a: &(String, Found), b| a.0.cmp(&b.0));
    let mut taken: BTreeSet<String> = RESERVED.iter().map(|s| s.to_string()).collect();
    folders
        .into_iter()
        .map(|(folder, found)| {
            let base = folder.rsplit('/').next().unwrap_or(&folder);
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
            || transport::SKIPPED_DIRS.contains(&name.as_str())
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
            let found = inspect(&path);
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
    ["pyproject.toml", "package.json", "Dockerfile"]
        .iter()
        .any(|f| dir.join(f).is_file())
}

/// What `dir` holds: runtime, whether it is an MCP server, transport and command.
pub fn inspect(dir: &Path) -> Found {
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
    let py = read("pyproject.toml").and_then(|t| python::parse(&t));
    let js = read("package.json").and_then(|t| node::parse(&t, dir));
    let dockerfile = read("Dockerfile");
    let mut found = Found::default();
    let mut reasons = Vec::new();
    if dockerfile.is_some() {
        reasons.push("has its own Dockerfile".to_string());
    }
    if let Some(dep) = py.as_ref().and_then(|p| p.mcp_dependency.as_ref()) {
        reasons.push(format!("pyproject.toml depends on {dep}"));
    }
    if let Some(dep) = js.as_ref().and_then(|p| p.mcp_dependency.as_ref()) {
        reasons.push(format!("package.json depends on {dep}"));
    }
    found.reason = (!reasons.is_empty()).then(|| reasons.join("; "));
    let guessed = transport::guess(dir);
    found.runtime = if let Some(text) = &dockerfile {
        found.port = exposed_port(text);
        Some(Runtime::Dockerfile)
    } else if let Some(p) = &py {
        found.command = python::command(p, dir);
        Some(Runtime::Python)
    } else if let Some(p) = &js {
        found.command = p.command.clone();
        Some(Runtime::Node)
    } else {
        None
    };
    found.transport = match (found.runtime, guessed) {
        (Some(Runtime::Dockerfile), Some(Transport::Stdio)) => {
            found.notes.push(
                "the source serves stdio, but an image with its own Dockerfile is not bridged: \
                 serve HTTP from it, or remove the Dockerfile so mcpstack builds the image"
                    .into(),
            );
            Transport::StreamableHttp
        }
        (_, Some(t)) => t,
        (Some(Runtime::Dockerfile), None) => Transport::StreamableHttp,
        (_, None) => {
            found
                .notes
                .push("no transport found in the source: stdio, the SDKs' default".into());
            Transport::Stdio
        }
    };
    if found.runtime == Some(Runtime::Python) && !dir.join("uv.lock").is_file() {
        found
            .notes
            .push("no uv.lock: run `uv lock` in that folder".into());
    }
    if found.runtime == Some(Runtime::Node) && !dir.join("package-lock.json").is_file() {
        found
            .notes
            .push("no package-lock.json: run `npm install` in that folder".into());
    }
    found
}

/// The port of a Dockerfile's `EXPOSE`, when there is exactly one.
fn exposed_port(dockerfile: &str) -> Option<i64> {
    let ports: BTreeSet<i64> = dockerfile
        .lines()
        .map(str::trim)
        .filter(|l| l.len() > 7 && l[..7].eq_ignore_ascii_case("EXPOSE "))
        .flat_map(|l| l[7..].split_whitespace())
        .filter_map(|p| p.split('/').next()?.parse().ok())
        .filter(|p| (1..=65535).contains(p))
        .collect();
    (ports.len() == 1).then(|| *ports.iter().next().expect("one port"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposed_ports() {
        assert_eq!(exposed_port("FROM x\nEXPOSE 3000\n"), Some(3000));
        assert_eq!(exposed_port("expose 8080/tcp\n"), Some(8080));
        assert_eq!(exposed_port("EXPOSE 80 443\n"), None);
        assert_eq!(exposed_port("EXPOSE $PORT\n"), None);
        assert_eq!(exposed_port("FROM x\n"), None);
    }
}
