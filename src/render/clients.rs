//! Client configuration for the deployed stack: Claude Desktop, VS Code and Cursor, each
//! pointing at `https://<domain>/<path>`. Tokens are placeholders or variables, never values.

use crate::model::Stack;
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;

/// The public URL of every server, by name.
fn urls(stack: &Stack) -> BTreeMap<String, String> {
    stack
        .gateway
        .routes
        .iter()
        .map(|r| (r.server.clone(), stack.public_url(r)))
        .collect()
}

fn json(v: &impl Serialize) -> Result<String> {
    Ok(serde_json::to_string_pretty(v)? + "\n")
}

#[derive(Serialize)]
struct ClaudeDesktop {
    #[serde(rename = "mcpServers")]
    mcp_servers: BTreeMap<String, ClaudeServer>,
}

#[derive(Serialize)]
struct ClaudeServer {
    command: &'static str,
    args: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    env: BTreeMap<&'static str, &'static str>,
}

/// Claude Desktop starts local processes: `mcp-remote` connects it to the HTTPS endpoint.
pub fn claude_desktop(stack: &Stack) -> Result<String> {
    let auth = stack.gateway.auth_tokens_env.is_some();
    let servers = urls(stack)
        .into_iter()
        .map(|(name, url)| {
            let mut args = vec!["-y".to_string(), "mcp-remote".into(), url];
            let mut env = BTreeMap::new();
            if auth {
                // mcp-remote expands ${AUTH_HEADER} from env, which keeps the space out of args.
                args.extend(["--header".into(), "Authorization:${AUTH_HEADER}".into()]);
                env.insert("AUTH_HEADER", "Bearer <your token>");
            }
            (
                name,
                ClaudeServer {
                    command: "npx",
                    args,
                    env,
                },
            )
        })
        .collect();
    json(&ClaudeDesktop {
        mcp_servers: servers,
    })
}

#[derive(Serialize)]
struct VsCode {
    servers: BTreeMap<String, HttpServer>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    inputs: Vec<VsCodeInput>,
}

#[derive(Serialize)]
struct HttpServer {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    url: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    headers: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct VsCodeInput {
    #[serde(rename = "type")]
    kind: &'static str,
    id: String,
    description: String,
    password: bool,
}

/// `.vscode/mcp.json`: the token is asked for once and kept by VS Code.
pub fn vscode(stack: &Stack) -> Result<String> {
    let auth = stack.gateway.auth_tokens_env.is_some();
    let input = format!("{}-token", stack.name);
    let servers = urls(stack)
        .into_iter()
        .map(|(name, url)| {
            let mut headers = BTreeMap::new();
            if auth {
                headers.insert("Authorization", format!("Bearer ${{input:{input}}}"));
            }
            (
                name,
                HttpServer {
                    kind: Some("http"),
                    url,
                    headers,
                },
            )
        })
        .collect();
    let inputs = if auth {
        vec![VsCodeInput {
            kind: "promptString",
            id: input,
            description: format!("Bearer token for the {} MCP gateway", stack.name),
            password: true,
        }]
    } else {
        Vec::new()
    };
    json(&VsCode { servers, inputs })
}

#[derive(Serialize)]
struct Cursor {
    #[serde(rename = "mcpServers")]
    mcp_servers: BTreeMap<String, HttpServer>,
}

/// `.cursor/mcp.json`: the token comes from an environment variable of the user's.
pub fn cursor(stack: &Stack) -> Result<String> {
    let auth = stack.gateway.auth_tokens_env.is_some();
    let servers = urls(stack)
        .into_iter()
        .map(|(name, url)| {
            let mut headers = BTreeMap::new();
            if auth {
                headers.insert(
                    "Authorization",
                    "Bearer ${env:MCP_GATEWAY_TOKEN}".to_string(),
                );
            }
            (
                name,
                HttpServer {
                    kind: None,
                    url,
                    headers,
                },
            )
        })
        .collect();
    json(&Cursor {
        mcp_servers: servers,
    })
}
