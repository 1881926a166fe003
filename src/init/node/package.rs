//! What a `package.json` says: whether the project depends on the MCP SDK, and how it starts.

use serde_json::Value;
use std::path::Path;

/// Dependencies that make a Node project an MCP server.
/// `@modelcontextprotocol/sdk` is the TypeScript SDK v1; v2 is split into
/// `@modelcontextprotocol/server` (and `/node`, `/express` beside it).
const MCP_PACKAGES: &[&str] = &[
    "@modelcontextprotocol/sdk",
    "@modelcontextprotocol/server",
    "fastmcp",
];

/// The parts of a `package.json` that `init` uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Package {
    /// The MCP package among `dependencies` (the image installs no dev dependencies).
    pub mcp_dependency: Option<String>,
    pub command: Option<Vec<String>>,
    /// Plain `node ...` scripts by name (`start:http`, `start:sse`...), sorted by name.
    pub scripts: Vec<(String, Vec<String>)>,
}

/// Reads `package.json` text; `dir` is its folder (to find an `index.js`).
pub fn parse(text: &str, dir: &Path) -> Option<Package> {
    let doc: Value = serde_json::from_str(text).ok()?;
    let doc = doc.as_object()?;
    let mcp_dependency = ["dependencies", "optionalDependencies"]
        .iter()
        .filter_map(|k| doc.get(*k).and_then(Value::as_object))
        .flat_map(|deps| deps.keys())
        .find(|k| MCP_PACKAGES.contains(&k.as_str()))
        .cloned();
    let name = doc.get("name").and_then(Value::as_str);
    let command = start_script(doc.get("scripts"))
        .or_else(|| bin(doc.get("bin"), name))
        .or_else(|| {
            doc.get("main")
                .and_then(Value::as_str)
                .filter(|m| is_plain_path(m))
                .map(node)
        })
        .or_else(|| {
            ["index.js", "server.js", "index.mjs", "server.mjs"]
                .iter()
                .find(|f| dir.join(f).is_file())
                .map(|f| node(f))
        })
        .or_else(|| compiled_entry(dir));
    let mut scripts: Vec<(String, Vec<String>)> = doc
        .get("scripts")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), plain_node(v.as_str()?)?)))
                .collect()
        })
        .unwrap_or_default();
    scripts.sort();
    Some(Package {
        mcp_dependency,
        command,
        scripts,
    })
}

/// The compiled entry of a TypeScript project: `src/index.ts` → `<outDir>/index.js`, with
/// `outDir` from `tsconfig.json` (the image runs `npm run build` first).
fn compiled_entry(dir: &Path) -> Option<Vec<String>> {
    let text = std::fs::read_to_string(dir.join("tsconfig.json")).ok()?;
    // tsconfig allows comments: drop whole-line ones before parsing.
    let text: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let doc: Value = serde_json::from_str(&text).ok()?;
    let opts = doc.get("compilerOptions");
    let get = |k: &str| opts.and_then(|o| o.get(k)).and_then(Value::as_str);
    let clean = |p: &str| p.trim_start_matches("./").trim_end_matches('/').to_string();
    let out_dir = clean(get("outDir")?);
    let root = get("rootDir").map(clean).unwrap_or_else(|| "src".into());
    let stem = ["index", "server", "main"]
        .iter()
        .find(|s| dir.join(&root).join(format!("{s}.ts")).is_file())?;
    let file = format!("{out_dir}/{stem}.js");
    is_plain_path(&file).then(|| node(&file))
}

/// The script that serves `transport` over HTTP, by its name (`start:streamableHttp`,
/// `start:http`, `serve:sse`...), when the project has one.
pub fn script_for(
    pkg: &Package,
    transport: crate::config::Transport,
) -> Option<(String, Vec<String>)> {
    use crate::config::Transport;
    let words: &[&str] = match transport {
        Transport::StreamableHttp => &["streamable", "http"],
        Transport::Sse => &["sse"],
        Transport::Stdio => return None,
    };
    pkg.scripts
        .iter()
        .find(|(name, _)| {
            let n = name.to_ascii_lowercase();
            words.iter().any(|w| n.contains(w)) && !n.contains("test") && !n.contains("dev")
        })
        .cloned()
}

fn node(file: &str) -> Vec<String> {
    vec!["node".into(), file.to_string()]
}

/// `scripts.start` when it is a plain `node ...` command: no shell syntax, no variables, nothing
/// that needs `node_modules/.bin` (the image runs the command itself, not through npm).
fn start_script(scripts: Option<&Value>) -> Option<Vec<String>> {
    plain_node(scripts?.get("start")?.as_str()?)
}

/// A script that is a plain `node ...` command.
fn plain_node(start: &str) -> Option<Vec<String>> {
    if start.contains(['&', '|', ';', '$', '`', '>', '<', '(', ')', '\n']) {
        return None;
    }
    let words = shell_words::split(start).ok()?;
    if words.first().map(String::as_str) != Some("node") || words.iter().any(|w| w.contains('=')) {
        return None;
    }
    Some(words)
}

/// `bin` as a path, or the entry named after the package, or the only entry.
fn bin(bin: Option<&Value>, name: Option<&str>) -> Option<Vec<String>> {
    let path = match bin? {
        Value::String(s) => s.as_str(),
        Value::Object(map) => {
            let short = name.map(|n| n.rsplit('/').next().unwrap_or(n));
            let entry = short
                .and_then(|n| map.get(n))
                .or_else(|| (map.len() == 1).then(|| map.values().next()).flatten())?;
            entry.as_str()?
        }
        _ => return None,
    };
    is_plain_path(path).then(|| node(path))
}

fn is_plain_path(p: &str) -> bool {
    !p.is_empty()
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._/@+".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(text: &str) -> Package {
        parse(text, Path::new("/nonexistent")).unwrap()
    }

    #[test]
    fn dependencies() {
        let p = pkg(r#"{"dependencies": {"@modelcontextprotocol/sdk": "^1.2", "zod": "^3"}}"#);
        assert_eq!(
            p.mcp_dependency.as_deref(),
            Some("@modelcontextprotocol/sdk")
        );
        let dev = pkg(r#"{"devDependencies": {"@modelcontextprotocol/sdk": "^1.2"}}"#);
        assert_eq!(dev.mcp_dependency, None);
        assert!(parse("{not json", Path::new(".")).is_none());
    }

    #[test]
    fn start_command() {
        let p = pkg(r#"{"scripts": {"start": "node server.js --port 8000"}}"#);
        assert_eq!(
            p.command,
            Some(vec![
                "node".into(),
                "server.js".into(),
                "--port".into(),
                "8000".into()
            ])
        );
        // Shell syntax and tools from node_modules/.bin are not commands the image can run.
        for start in [
            "tsc && node build/index.js",
            "tsx src/index.ts",
            "PORT=1 node a.js",
        ] {
            let text = format!(r#"{{"scripts": {{"start": "{start}"}}, "main": "dist/main.js"}}"#);
            assert_eq!(
                pkg(&text).command,
                Some(vec!["node".into(), "dist/main.js".into()]),
                "{start}"
            );
        }
    }

    #[test]
    fn bin_entries() {
        let p = pkg(
            r#"{"name": "@acme/weather", "bin": {"other": "o.js", "weather": "build/index.js"}}"#,
        );
        assert_eq!(
            p.command,
            Some(vec!["node".into(), "build/index.js".into()])
        );
        let p = pkg(r#"{"bin": {"only": "cli.js"}}"#);
        assert_eq!(p.command, Some(vec!["node".into(), "cli.js".into()]));
        let p = pkg(r#"{"bin": "./cli.js"}"#);
        assert_eq!(p.command, Some(vec!["node".into(), "./cli.js".into()]));
        let p = pkg(r#"{"bin": {"a": "a.js", "b": "b.js"}}"#);
        assert_eq!(p.command, None);
    }
}
