//! Project shapes as people write them, one small fixture each (written for these tests).

use super::{write, UV_LOCK};
use std::path::Path;

/// A `uv init` app (no build system) with a flat module, as the Python quickstart makes.
pub fn py_app(dir: &Path, deps: &str, file: &str, source: &str) {
    write(
        &dir.join("pyproject.toml"),
        &format!(
            "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.11\"\ndependencies = [{deps}]\n"
        ),
    );
    write(&dir.join("uv.lock"), UV_LOCK);
    write(&dir.join(file), source);
}

/// A packaged project with a console script `srv` and its module.
pub fn py_packaged(dir: &Path, deps: &str, source: &str) {
    write(
        &dir.join("pyproject.toml"),
        &format!(
            "[project]\nname = \"srv\"\nversion = \"0.1.0\"\ndependencies = [{deps}]\n\n[project.scripts]\nsrv = \"srv.server:main\"\n\n[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n"
        ),
    );
    write(&dir.join("uv.lock"), UV_LOCK);
    write(&dir.join("src/srv/__init__.py"), "");
    write(&dir.join("src/srv/server.py"), source);
}

/// A Node project: `package.json` text, a lock, and source files.
pub fn node(dir: &Path, package: &str, files: &[(&str, &str)]) {
    write(&dir.join("package.json"), package);
    write(&dir.join("package-lock.json"), "{\"lockfileVersion\": 3}\n");
    for (f, text) in files {
        write(&dir.join(f), text);
    }
}

pub const SDK1_STDIO: &str = r#"from mcp.server.fastmcp import FastMCP

mcp = FastMCP("weather")


@mcp.tool()
async def forecast(city: str) -> str:
    return "sunny"


if __name__ == "__main__":
    mcp.run(transport="stdio")
"#;

pub const TS_V2_STDIO: &str = r#"import { McpServer, StdioServerTransport } from "@modelcontextprotocol/server";

const server = new McpServer({ name: "weather", version: "1.0.0" });

async function main() {
  await server.connect(new StdioServerTransport());
}
main();
"#;

pub const TS_V1_HTTP: &str = r#"import express from "express";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

const PORT = parseInt(process.env.PORT || "3000", 10);
const app = express();
app.use(express.json());

app.post("/mcp", async (req, res) => {
  const server = new McpServer({ name: "notes", version: "1.0.0" });
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  await server.connect(transport);
  await transport.handleRequest(req, res, req.body);
});

app.listen(PORT, "127.0.0.1", () => console.error(`listening on ${PORT}`));
"#;
