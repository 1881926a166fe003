//! Generated stacks of any size for the benchmarks and the scale tests: every kind of server
//! mcpstack renders (built Python with three stateful replicas and Node, bridged stdio,
//! prebuilt SSE), a secret shared by all and one of each server's own, monitoring on.
//! `bench/gen-stack.py` writes the same shape for the shell benchmarks.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

const LOCK: &str = r#"{"name": "app", "version": "0.1.0", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "app", "version": "0.1.0", "dependencies": {"@modelcontextprotocol/sdk": "^1.32.2"}}}}
"#;

/// The configuration text of a stack with `n` servers.
pub fn stack_yaml(n: usize) -> String {
    let mut y = String::from(
        "version: 1\nname: scale\ndomain: mcp.example.com\n\
         gateway:\n  auth: { type: bearer, tokens_env: MCP_GATEWAY_TOKENS }\n\
         monitoring:\n  enabled: true\nservers:\n",
    );
    for i in 0..n {
        let name = server_name(i);
        writeln!(y, "  {name}:").unwrap();
        let kind = match i % 4 {
            0 => "    build: ./apps/py\n    runtime: python\n    command: [python, -m, app]\n    health: mcp\n    replicas: 3\n".to_string(),
            1 => "    build: ./apps/node\n    runtime: node\n    command: [node, server.js]\n    replicas: 2\n    stateless: true\n".to_string(),
            2 => format!("    image: registry.example.com/tools/{name}:1.0\n    runtime: python\n    transport: stdio\n    command: [python, -m, tool]\n"),
            _ => format!("    image: registry.example.com/tools/{name}:1.0\n    runtime: python\n    transport: sse\n    endpoint: /sse\n    port: 9000\n"),
        };
        y.push_str(&kind);
        writeln!(
            y,
            "    secrets: [SHARED_API_KEY, KEY_{}]\n    env: {{ LOG_LEVEL: INFO }}\n    timeout: 120s",
            name.to_ascii_uppercase()
        )
        .unwrap();
    }
    y
}

pub fn server_name(i: usize) -> String {
    format!("s{i:04}")
}

/// Writes `mcp-stack.yaml` and the two project folders it builds into `dir`.
pub fn write_stack(dir: &Path, n: usize) {
    let py = dir.join("apps/py");
    let node = dir.join("apps/node");
    std::fs::create_dir_all(&py).unwrap();
    std::fs::create_dir_all(&node).unwrap();
    std::fs::write(
        py.join("pyproject.toml"),
        "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = [\"mcp>=1.23,<2\"]\n",
    )
    .unwrap();
    std::fs::write(
        py.join("uv.lock"),
        "version = 1\nrequires-python = \">=3.11\"\n",
    )
    .unwrap();
    std::fs::write(
        node.join("package.json"),
        "{\"name\": \"app\", \"version\": \"0.1.0\", \"type\": \"module\", \"dependencies\": {\"@modelcontextprotocol/sdk\": \"^1.32.2\"}}\n",
    )
    .unwrap();
    std::fs::write(node.join("package-lock.json"), LOCK).unwrap();
    std::fs::write(node.join("server.js"), "// a server\n").unwrap();
    std::fs::write(dir.join("mcp-stack.yaml"), stack_yaml(n)).unwrap();
}
