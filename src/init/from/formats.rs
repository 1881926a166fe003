//! The MCP configuration files of Claude Desktop, VS Code and Cursor, read into one shape.
//!
//! Claude Desktop (`claude_desktop_config.json`) and Cursor (`.cursor/mcp.json`) keep servers
//! under `mcpServers`; VS Code (`.vscode/mcp.json`) under `servers`, beside `inputs` (values it
//! asks for, `${input:id}`), or under `mcp` in `settings.json`. VS Code's files are JSONC
//! (comments, trailing commas), so every file is read as JSONC.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The client a file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    ClaudeDesktop,
    VsCode,
    Cursor,
}

impl Client {
    pub fn title(self) -> &'static str {
        match self {
            Client::ClaudeDesktop => "Claude Desktop",
            Client::VsCode => "VS Code",
            Client::Cursor => "Cursor",
        }
    }

    /// The file `render` writes for this client in the output folder.
    pub fn rendered_file(self) -> &'static str {
        match self {
            Client::ClaudeDesktop => "clients/claude_desktop_config.json",
            Client::VsCode => "clients/vscode-mcp.json",
            Client::Cursor => "clients/cursor-mcp.json",
        }
    }
}

/// One file, read.
#[derive(Debug, Clone)]
pub struct ClientFile {
    pub path: PathBuf,
    pub client: Client,
    /// In the file's order.
    pub entries: Vec<Entry>,
    /// VS Code's `inputs`, by id.
    pub inputs: BTreeMap<String, Input>,
    /// What `${workspaceFolder}` stands for: the folder that holds `.vscode/` or `.cursor/`.
    pub workspace: Option<PathBuf>,
}

/// One server entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub name: String,
    pub kind: EntryKind,
    /// `env`, in the file's order.
    pub env: Vec<(String, String)>,
    /// `cwd`, when given.
    pub cwd: Option<String>,
    /// `envFile` (VS Code), when given.
    pub env_file: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum EntryKind {
    /// A process the client starts and speaks to over stdin/stdout.
    Stdio { command: String, args: Vec<String> },
    /// A server the client reaches over HTTP: already remote.
    Remote { url: String },
    /// Neither a command nor a URL.
    Unusable(String),
}

/// A VS Code input: a value the editor asks for when the server starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub description: Option<String>,
    /// `password: true`: typed hidden, a secret.
    pub password: bool,
}

#[derive(Deserialize)]
struct RawServer {
    #[serde(rename = "type")]
    kind: Option<String>,
    command: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, serde_json::Value>,
    url: Option<String>,
    #[serde(rename = "serverUrl")]
    server_url: Option<String>,
    cwd: Option<String>,
    #[serde(rename = "envFile")]
    env_file: Option<String>,
}

#[derive(Deserialize)]
struct RawInput {
    id: String,
    description: Option<String>,
    #[serde(default)]
    password: bool,
}

/// Why a file could not be read.
#[derive(Debug)]
pub struct FormatError {
    pub message: String,
    pub line: Option<usize>,
    pub help: String,
}

/// Reads `text`, the content of `path`.
pub fn parse(path: &Path, text: &str) -> Result<ClientFile, FormatError> {
    let opts = jsonc_parser::ParseOptions::default();
    let value: serde_json::Value =
        jsonc_parser::parse_to_serde_value(text, &opts).map_err(|e| FormatError {
            message: format!(
                "not JSON (comments and trailing commas allowed): {}",
                e.kind()
            ),
            line: Some(e.line_display()),
            help: "fix the file so its client reads it, then run init again".into(),
        })?;
    let root = value.as_object().ok_or_else(|| FormatError {
        message: "the file is not a JSON object".into(),
        line: None,
        help: HELP.into(),
    })?;
    // `mcp` in VS Code's settings.json holds what `.vscode/mcp.json` holds at the top.
    let (client, servers_key, holder) = if root.contains_key("mcpServers") {
        (by_path(path), "mcpServers", root)
    } else if root.contains_key("servers") {
        (Client::VsCode, "servers", root)
    } else if let Some(mcp) = root.get("mcp").and_then(|m| m.as_object()) {
        (Client::VsCode, "servers", mcp)
    } else {
        return Err(FormatError {
            message: "no `mcpServers` (Claude Desktop, Cursor) or `servers` (VS Code) in it".into(),
            line: None,
            help: HELP.into(),
        });
    };
    let servers = holder
        .get(servers_key)
        .cloned()
        .unwrap_or(serde_json::Value::Null);
    let servers: BTreeMap<String, serde_json::Value> = match servers {
        serde_json::Value::Null => BTreeMap::new(),
        v => serde_json::from_value(v).map_err(|_| FormatError {
            message: format!("`{servers_key}` is not an object of servers by name"),
            line: line_of(text, &format!("\"{servers_key}\"")),
            help: HELP.into(),
        })?,
    };
    // The file's order, not the map's: what the user sees in it.
    let mut names: Vec<&String> = servers.keys().collect();
    names.sort_by_key(|n| text.find(&format!("\"{n}\"")).unwrap_or(usize::MAX));
    let mut entries = Vec::new();
    for name in names {
        let raw: RawServer =
            serde_path_to_error::deserialize(servers[name].clone()).map_err(|e| FormatError {
                message: format!(
                    "`{servers_key}.{name}{}`: {}",
                    shown_path(&e.path().to_string()),
                    e.inner()
                ),
                line: line_of(text, &format!("\"{name}\"")),
                help: "`command` is a string, `args` a list of strings, `env` an object".into(),
            })?;
        entries.push(entry(name, raw));
    }
    let mut inputs = BTreeMap::new();
    if let Some(list) = holder.get("inputs") {
        let list: Vec<RawInput> =
            serde_json::from_value(list.clone()).map_err(|e| FormatError {
                message: format!("`inputs` is not a list of inputs with an `id`: {e}"),
                line: line_of(text, "\"inputs\""),
                help: HELP.into(),
            })?;
        for i in list {
            inputs.insert(
                i.id,
                Input {
                    description: i.description,
                    password: i.password,
                },
            );
        }
    }
    Ok(ClientFile {
        path: path.to_path_buf(),
        client,
        entries,
        inputs,
        workspace: workspace(path),
    })
}

const HELP: &str = "pass a client's MCP configuration: claude_desktop_config.json, .vscode/mcp.json or .cursor/mcp.json";

/// Claude Desktop and Cursor share a format; Cursor's file lives in `.cursor/`.
fn by_path(path: &Path) -> Client {
    let in_cursor = path
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == ".cursor");
    let named = path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().to_ascii_lowercase().contains("cursor"));
    if in_cursor || named {
        Client::Cursor
    } else {
        Client::ClaudeDesktop
    }
}

/// `.vscode/mcp.json` and `.cursor/mcp.json` belong to the folder above them.
fn workspace(path: &Path) -> Option<PathBuf> {
    let parent = path.parent()?;
    let name = parent.file_name()?;
    (name == ".vscode" || name == ".cursor").then(|| {
        parent
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    })
}

fn entry(name: &str, raw: RawServer) -> Entry {
    let url = raw.url.or(raw.server_url);
    let remote_type = matches!(
        raw.kind.as_deref(),
        Some("http" | "sse" | "streamable-http")
    );
    let kind = match (raw.command, url) {
        (Some(command), _) if !remote_type => EntryKind::Stdio {
            command,
            args: raw.args,
        },
        (_, Some(url)) => EntryKind::Remote { url },
        (Some(_), None) => EntryKind::Unusable(format!(
            "`type: {}` without a `url`",
            raw.kind.unwrap_or_default()
        )),
        (None, None) => EntryKind::Unusable("neither `command` nor `url`".into()),
    };
    Entry {
        name: name.to_string(),
        kind,
        env: raw
            .env
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Null => String::new(),
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect(),
        cwd: raw.cwd,
        env_file: raw.env_file,
    }
}

fn shown_path(p: &str) -> String {
    if p == "." || p.is_empty() {
        String::new()
    } else {
        format!(".{p}")
    }
}

/// The 1-based line of the first `needle` in `text`.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.find(needle)
        .map(|i| text[..i].matches('\n').count() + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claude_desktop_and_cursor_share_a_format_told_apart_by_place() {
        let text = r#"{"mcpServers": {"b": {"command": "npx", "args": ["-y", "x@1"]}, "a": {"url": "https://x/mcp"}}}"#;
        let f = parse(Path::new("/h/claude_desktop_config.json"), text).unwrap();
        assert_eq!(f.client, Client::ClaudeDesktop);
        assert_eq!(f.entries[0].name, "b", "the file's order");
        assert!(matches!(f.entries[1].kind, EntryKind::Remote { .. }));
        let f = parse(Path::new("/p/.cursor/mcp.json"), text).unwrap();
        assert_eq!(f.client, Client::Cursor);
        assert_eq!(f.workspace.as_deref(), Some(Path::new("/p")));
    }

    #[test]
    fn vscode_jsonc_with_inputs_and_settings_form() {
        let text = "{\n // a comment\n \"inputs\": [{\"type\": \"promptString\", \"id\": \"tok\", \"password\": true,},],\n \"servers\": {\"s\": {\"type\": \"stdio\", \"command\": \"uvx\", \"args\": [\"x==1\"], \"env\": {\"T\": \"${input:tok}\", \"N\": 3}},},\n}";
        let f = parse(Path::new(".vscode/mcp.json"), text).unwrap();
        assert_eq!(f.client, Client::VsCode);
        assert!(f.inputs["tok"].password);
        assert_eq!(
            f.entries[0].env,
            vec![
                ("N".into(), "3".into()),
                ("T".into(), "${input:tok}".into())
            ]
        );
        let settings = r#"{"editor.fontSize": 12, "mcp": {"servers": {"s": {"command": "node", "args": ["a.js"]}}}}"#;
        let f = parse(Path::new("settings.json"), settings).unwrap();
        assert_eq!(f.client, Client::VsCode);
        assert_eq!(f.entries.len(), 1);
    }

    #[test]
    fn bad_files_name_the_line_and_the_key() {
        let e = parse(
            Path::new("c.json"),
            "{\n\"mcpServers\": {\n  \"x\": {\"command\": 1}\n}}",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.message.contains("mcpServers.x.command"), "{}", e.message);
        let e = parse(Path::new("c.json"), "{\n\"mcpServers\": {,,\n").unwrap_err();
        assert!(e.line.is_some());
        let e = parse(Path::new("c.json"), "{\"other\": 1}").unwrap_err();
        assert!(e.message.contains("mcpServers"));
    }

    #[test]
    fn typed_remote_entries_and_unusable_ones() {
        let text = r#"{"servers": {"h": {"type": "http", "url": "https://x/mcp"}, "s": {"type": "sse"}, "n": {}}}"#;
        let f = parse(Path::new("mcp.json"), text).unwrap();
        let kinds: Vec<_> = f.entries.iter().map(|e| &e.kind).collect();
        assert!(matches!(kinds[0], EntryKind::Remote { .. }));
        assert!(matches!(kinds[1], EntryKind::Unusable(_)));
        assert!(matches!(kinds[2], EntryKind::Unusable(_)));
    }
}
