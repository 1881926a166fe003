#![allow(dead_code)]
//! Small MCP projects for the `init` tests, made inside the test's own folder.

use std::path::Path;

pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A minimal, syntactically valid uv.lock (nothing here installs from it).
pub const UV_LOCK: &str = "version = 1\nrevision = 2\nrequires-python = \">=3.11\"\n\n[[package]]\nname = \"weather\"\nversion = \"0.1.0\"\nsource = { editable = \".\" }\n";

/// A FastMCP server over streamable HTTP: `fastmcp` dependency, a console script, a uv.lock.
pub fn fastmcp_project(dir: &Path) {
    write(
        &dir.join("pyproject.toml"),
        r#"[project]
name = "weather"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["fastmcp>=2.3", "httpx>=0.27"]

[project.scripts]
weather-server = "weather.server:main"

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.hatch.build.targets.wheel]
packages = ["src/weather"]
"#,
    );
    write(&dir.join("uv.lock"), UV_LOCK);
    write(&dir.join("src/weather/__init__.py"), "");
    write(
        &dir.join("src/weather/server.py"),
        r#"from fastmcp import FastMCP

mcp = FastMCP("weather")


@mcp.tool
def forecast(city: str) -> str:
    return f"sunny in {city}"


def main():
    mcp.run(transport="streamable-http", host="0.0.0.0", port=8000)
"#,
    );
}

/// A Node MCP server over stdio: the SDK in `dependencies`, a `start` script, a lock file.
pub fn node_project(dir: &Path) {
    write(
        &dir.join("package.json"),
        r#"{
  "name": "notes",
  "version": "1.0.0",
  "private": true,
  "type": "module",
  "scripts": { "start": "node index.js" },
  "dependencies": { "@modelcontextprotocol/sdk": "^1.20.0", "zod": "^3.25.0" }
}
"#,
    );
    write(
        &dir.join("package-lock.json"),
        r#"{"name": "notes", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "notes", "version": "1.0.0"}}}
"#,
    );
    write(
        &dir.join("index.js"),
        r#"import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

const server = new McpServer({ name: 'notes', version: '1.0.0' });
await server.connect(new StdioServerTransport());
"#,
    );
}

/// A project folder holding both servers, and a Python API that is not an MCP server.
pub fn two_servers(root: &Path) {
    fastmcp_project(&root.join("servers/weather"));
    node_project(&root.join("servers/notes"));
    write(
        &root.join("api/pyproject.toml"),
        "[project]\nname = \"api\"\ndependencies = [\"flask\"]\n",
    );
    write(&root.join("api/uv.lock"), UV_LOCK);
}

pub mod shapes;
