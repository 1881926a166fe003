//! What `init` reads from the source of each project shape it understands (the table in the
//! README's `init` section): transport, command, port, host and endpoint, each with its reason.

mod init_fixtures;
use init_fixtures::shapes::*;
use init_fixtures::*;
use mcpstack::config::{Runtime, Transport};
use mcpstack::init::{detect, inspect, Found};

fn words(w: &[&str]) -> Option<Vec<String>> {
    Some(w.iter().map(|s| s.to_string()).collect())
}

fn env(f: &Found, key: &str) -> Option<String> {
    f.env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

fn noted(f: &Found, text: &str) -> bool {
    f.notes.iter().any(|n| n.contains(text))
}

fn warned(f: &Found, text: &str) -> bool {
    f.warnings.iter().any(|w| w.contains(text))
}

fn app(source: &str) -> (tempfile::TempDir, Found) {
    let tmp = tempfile::tempdir().unwrap();
    py_app(tmp.path(), "\"mcp[cli]>=1.2\"", "server.py", source);
    let f = inspect(tmp.path());
    (tmp, f)
}

fn standalone(source: &str) -> (tempfile::TempDir, Found) {
    let tmp = tempfile::tempdir().unwrap();
    py_app(tmp.path(), "\"fastmcp>=2.10\"", "server.py", source);
    let f = inspect(tmp.path());
    (tmp, f)
}

// --- the official Python SDK -------------------------------------------------------------

#[test]
fn sdk_fastmcp_quickstart_app_with_a_flat_module() {
    let tmp = tempfile::tempdir().unwrap();
    py_app(
        tmp.path(),
        "\"httpx\", \"mcp[cli]>=1.2\"",
        "weather.py",
        SDK1_STDIO,
    );
    let f = inspect(tmp.path());
    assert_eq!(f.runtime, Some(Runtime::Python));
    assert_eq!(f.transport, Transport::Stdio);
    assert_eq!(f.command, words(&["python", "weather.py"]));
    assert!(
        noted(&f, "transport stdio: mcp.run(...) in weather.py:12"),
        "{f:#?}"
    );
    assert!(f.warnings.is_empty(), "{f:#?}");
}

#[test]
fn sdk_fastmcp_run_without_arguments_is_stdio() {
    let (_t, f) = app("from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('x')\nmcp.run()\n");
    assert_eq!(f.transport, Transport::Stdio);
    assert!(noted(&f, "run() with no transport serves stdio"), "{f:#?}");
}

#[test]
fn sdk_fastmcp_http_without_a_host_binds_loopback() {
    let (_t, f) = app(
        "from mcp.server.fastmcp import FastMCP\n\nmcp = FastMCP(\"x\")\n\nif __name__ == \"__main__\":\n    mcp.run(transport=\"streamable-http\")\n",
    );
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert_eq!(env(&f, "FASTMCP_HOST").as_deref(), Some("0.0.0.0"));
    assert!(
        warned(&f, "pass host=\"0.0.0.0\" to FastMCP(...) in server.py:3"),
        "{f:#?}"
    );
    assert_eq!(f.port, None, "the default 8000");
}

#[test]
fn sdk_fastmcp_constructor_host_port_and_path() {
    let (_t, f) = app(
        "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP(\"x\", host=\"0.0.0.0\", port=9000, streamable_http_path=\"/api/mcp\")\nmcp.run(transport=\"streamable-http\")\n",
    );
    assert_eq!(f.port, Some(9000));
    assert_eq!(f.endpoint.as_deref(), Some("/api/mcp"));
    assert!(f.warnings.is_empty(), "{f:#?}");
    assert!(f.env.is_empty());
    assert!(noted(&f, "port 9000: port=9000 in server.py:2"), "{f:#?}");
}

#[test]
fn sdk_fastmcp_loopback_literal_is_warned_with_file_and_line() {
    let (_t, f) = app(
        "from mcp.server.fastmcp import FastMCP\n\nmcp = FastMCP(\"x\", host=\"127.0.0.1\")\nmcp.run(transport=\"sse\")\n",
    );
    assert_eq!(f.transport, Transport::Sse);
    assert!(
        warned(&f, "server.py:3 listens on 127.0.0.1 only") && warned(&f, "host=\"0.0.0.0\""),
        "{f:#?}"
    );
}

#[test]
fn sdk2_mcpserver_run_arguments() {
    let (_t, f) = app(
        "from mcp.server.mcpserver import MCPServer\nserver = MCPServer(\"x\")\nserver.run(\"streamable-http\", host=\"0.0.0.0\", port=8123, streamable_http_path=\"/api/mcp\")\n",
    );
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert_eq!(f.port, Some(8123));
    assert_eq!(f.endpoint.as_deref(), Some("/api/mcp"));
    assert!(f.warnings.is_empty(), "{f:#?}");
}

#[test]
fn sdk2_mcpserver_without_a_host_is_warned() {
    let (_t, f) = app(
        "from mcp.server.mcpserver import MCPServer\nserver = MCPServer(\"x\")\nserver.run(\"streamable-http\")\n",
    );
    assert!(
        warned(&f, "pass host=\"0.0.0.0\" to server.run(...)"),
        "{f:#?}"
    );
    assert!(f.env.is_empty(), "no variable sets MCPServer's host");
}

#[test]
fn sdk_low_level_stdio_and_http() {
    let (_t, f) = app(
        "from mcp.server.lowlevel import Server\nfrom mcp.server.stdio import stdio_server\nserver = Server(\"x\")\nasync def main():\n    async with stdio_server() as (r, w):\n        await server.run(r, w, server.create_initialization_options())\n",
    );
    assert_eq!(f.transport, Transport::Stdio);
    assert!(noted(&f, "the source uses stdio_server"), "{f:#?}");
    let (_t, f) = app(
        "import uvicorn\nfrom mcp.server.lowlevel import Server\nfrom mcp.server.streamable_http_manager import StreamableHTTPSessionManager\napp = None\nuvicorn.run(app, host=\"127.0.0.1\", port=3000)\n",
    );
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert_eq!(f.port, Some(3000));
    assert!(
        warned(&f, "server.py:5 listens on 127.0.0.1 only"),
        "{f:#?}"
    );
    let (_t, f) = app(
        "import uvicorn, os\nfrom mcp.server.streamable_http_manager import StreamableHTTPSessionManager\nuvicorn.run(app, host=os.getenv(\"BIND\", \"127.0.0.1\"), port=int(os.getenv(\"PORT\", \"8081\")))\n",
    );
    assert_eq!(f.port, Some(8081));
    assert_eq!(env(&f, "BIND").as_deref(), Some("0.0.0.0"));
    assert!(f.warnings.is_empty(), "{f:#?}");
}

#[test]
fn sdk_low_level_http_with_a_click_port_and_no_transport_option() {
    let tmp = tempfile::tempdir().unwrap();
    py_packaged(
        tmp.path(),
        "\"mcp\", \"click\", \"uvicorn\"",
        r#"import click
import uvicorn
from mcp.server import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager


@click.command()
@click.option("--port", default=3000, help="Port to listen on for HTTP")
def main(port: int) -> int:
    app = Server("demo")
    manager = StreamableHTTPSessionManager(app=app)
    uvicorn.run(starlette_app, host="127.0.0.1", port=port)
    return 0
"#,
    );
    let f = inspect(tmp.path());
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert_eq!(f.command, words(&["srv"]));
    assert_eq!(f.port, Some(3000));
    assert!(
        noted(
            &f,
            "port 3000: --port at src/srv/server.py:8 (default 3000)"
        ),
        "{f:#?}"
    );
    assert!(
        warned(&f, "src/srv/server.py:12 listens on 127.0.0.1 only"),
        "{f:#?}"
    );
}

// --- standalone FastMCP ------------------------------------------------------------------

#[test]
fn standalone_module_with_no_run_uses_fastmcp_run() {
    let (_t, f) = standalone("from fastmcp import FastMCP\n\napp = FastMCP(\"x\")\n\n@app.tool\ndef hi() -> str:\n    return \"hi\"\n");
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert_eq!(
        f.command,
        words(&[
            "fastmcp",
            "run",
            "server.py:app",
            "--transport",
            "http",
            "--host",
            "0.0.0.0",
            "--port",
            "8000"
        ])
    );
    assert!(noted(&f, "never runs it"), "{f:#?}");
}

#[test]
fn standalone_http_without_host_gets_fastmcp_host() {
    let (_t, f) = standalone(
        "from fastmcp import FastMCP\nmcp = FastMCP(\"x\")\nif __name__ == \"__main__\":\n    mcp.run(transport=\"http\", port=8200)\n",
    );
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert_eq!(f.port, Some(8200));
    assert_eq!(env(&f, "FASTMCP_HOST").as_deref(), Some("0.0.0.0"));
    assert_eq!(f.command, words(&["python", "server.py"]));
    assert!(f.warnings.is_empty(), "{f:#?}");
}

#[test]
fn standalone_loopback_host_is_served_by_fastmcp_run_instead() {
    let (_t, f) = standalone(
        "from fastmcp import FastMCP\nmcp = FastMCP(\"x\")\nmcp.run(transport=\"http\", host=\"127.0.0.1\", port=9001, path=\"/mcp/\")\n",
    );
    assert_eq!(
        f.command,
        words(&[
            "fastmcp",
            "run",
            "server.py:mcp",
            "--transport",
            "http",
            "--host",
            "0.0.0.0",
            "--port",
            "9001",
            "--path",
            "/mcp/"
        ])
    );
    assert_eq!(f.endpoint.as_deref(), Some("/mcp/"));
    assert!(noted(&f, "server.py:3 listens on 127.0.0.1 only"), "{f:#?}");
}

#[test]
fn environment_reads_are_set_for_a_container() {
    let (_t, f) = standalone(
        "import os\nfrom fastmcp import FastMCP\nmcp = FastMCP(\"x\")\nmcp.run(transport=os.getenv(\"MCP_TRANSPORT\", \"stdio\"), host=os.getenv(\"HOST\", \"127.0.0.1\"), port=int(os.getenv(\"PORT\", \"8080\")))\n",
    );
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert_eq!(env(&f, "MCP_TRANSPORT").as_deref(), Some("streamable-http"));
    assert_eq!(env(&f, "HOST").as_deref(), Some("0.0.0.0"));
    assert_eq!(f.port, Some(8080));
    assert!(f.warnings.is_empty(), "{f:#?}");
}

#[test]
fn fastmcp_json_project_file() {
    let tmp = tempfile::tempdir().unwrap();
    py_app(
        tmp.path(),
        "\"fastmcp\"",
        "app/main.py",
        "from fastmcp import FastMCP\nserver = FastMCP(\"x\")\n",
    );
    write(
        &tmp.path().join("fastmcp.json"),
        r#"{"source": {"path": "app/main.py", "entrypoint": "server"}, "deployment": {"transport": "http", "port": 8100, "path": "/x/"}}"#,
    );
    let f = inspect(tmp.path());
    assert_eq!(
        f.command,
        words(&[
            "fastmcp",
            "run",
            "app/main.py:server",
            "--transport",
            "http",
            "--host",
            "0.0.0.0",
            "--port",
            "8100",
            "--path",
            "/x/"
        ])
    );
    assert_eq!(f.port, Some(8100));
    assert_eq!(f.endpoint.as_deref(), Some("/x/"));
    assert!(noted(&f, "fastmcp.json"), "{f:#?}");
}

// --- command lines -----------------------------------------------------------------------

#[test]
fn click_transport_port_and_host_options() {
    let tmp = tempfile::tempdir().unwrap();
    py_packaged(
        tmp.path(),
        "\"mcp\", \"click\"",
        r#"import click
import uvicorn
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager


@click.command()
@click.option("--port", default=8765, help="HTTP port")
@click.option("--host", default="127.0.0.1")
@click.option(
    "--transport",
    type=click.Choice(["stdio", "streamable-http"]),
    default="stdio",
)
def main(port: int, host: str, transport: str) -> int:
    if transport == "streamable-http":
        uvicorn.run(app, host=host, port=port)
    return 0
"#,
    );
    let f = inspect(tmp.path());
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert_eq!(
        f.command,
        words(&[
            "srv",
            "--transport",
            "streamable-http",
            "--port",
            "8765",
            "--host",
            "0.0.0.0"
        ])
    );
    assert_eq!(f.port, Some(8765));
    assert!(
        noted(&f, "--transport (default stdio) at src/srv/server.py:11"),
        "{f:#?}"
    );
}

#[test]
fn typer_options_with_and_without_annotated() {
    let (_t, f) = app(r#"from typing import Annotated
import typer
from mcp.server.fastmcp import FastMCP

mcp = FastMCP("x", host="0.0.0.0")
cli = typer.Typer()


@cli.command()
def main(
    transport: str = typer.Option("stdio", "--transport", help="stdio or streamable-http"),
    port: Annotated[int, typer.Option(help="port")] = 9100,
):
    mcp.settings.port = port
    mcp.run(transport=transport)
"#);
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert_eq!(
        f.command,
        words(&[
            "python",
            "server.py",
            "--transport",
            "streamable-http",
            "--port",
            "9100"
        ])
    );
    assert_eq!(f.port, Some(9100));
    assert!(f.warnings.is_empty(), "{f:#?}");
}

#[test]
fn typer_subcommand_with_plain_parameters() {
    let (_t, f) = app(r#"import typer
from mcp.server.fastmcp import FastMCP

app = typer.Typer()
server = FastMCP("x")


@app.command()
def stdio() -> None:
    server.run("stdio")


@app.command("streamable-http")
def streamable_http(host: str = "127.0.0.1", port: int = 8765) -> None:
    server.settings.host = host
    server.settings.port = port
    server.run("streamable-http")
"#);
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert_eq!(
        f.command,
        words(&[
            "python",
            "server.py",
            "streamable-http",
            "--port",
            "8765",
            "--host",
            "0.0.0.0"
        ])
    );
    assert_eq!(f.port, Some(8765));
}

#[test]
fn a_host_set_after_an_sdk_fastmcp_is_made_is_warned_about_421() {
    let (_t, f) = app(r#"from mcp.server.fastmcp import FastMCP
server = FastMCP("x")
server.settings.host = "0.0.0.0"
server.run("streamable-http")
"#);
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert!(
        f.warnings.iter().any(|w| w.contains("421")
            && w.contains("server.py:3")
            && w.contains("host=\"0.0.0.0\"")),
        "{f:#?}"
    );
}

#[test]
fn argparse_choices_and_a_transport_subcommand() {
    let (_t, f) = app(r#"import argparse
import uvicorn
from mcp.server.lowlevel import Server
parser = argparse.ArgumentParser()
parser.add_argument("--transport", choices=["stdio", "sse"], default="stdio")
parser.add_argument("--port", type=int, default=3001)
args = parser.parse_args()
uvicorn.run(app, host="0.0.0.0", port=args.port)
"#);
    assert_eq!(f.transport, Transport::Sse);
    assert_eq!(
        f.command,
        words(&[
            "python",
            "server.py",
            "--transport",
            "sse",
            "--port",
            "3001"
        ])
    );
    assert!(f.warnings.is_empty(), "uvicorn binds 0.0.0.0: {f:#?}");
    let (_t, f) = app(r#"import argparse
from mcp.server.fastmcp import FastMCP
mcp = FastMCP("x", host="0.0.0.0")
parser = argparse.ArgumentParser()
sub = parser.add_subparsers(dest="cmd")
sub.add_parser("stdio")
sub.add_parser("streamable-http")
"#);
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert_eq!(
        f.command,
        words(&["python", "server.py", "streamable-http"])
    );
    assert!(
        noted(&f, "the `streamable-http` subcommand at server.py:7"),
        "{f:#?}"
    );
}

#[test]
fn a_command_line_that_only_offers_stdio_stays_stdio() {
    let (_t, f) = app(
        "import argparse\nfrom mcp.server.fastmcp import FastMCP\nmcp = FastMCP('x')\np = argparse.ArgumentParser()\np.add_argument('--transport', choices=['stdio'], default='stdio')\nmcp.run(transport=p.parse_args().transport)\n",
    );
    assert_eq!(f.transport, Transport::Stdio);
    assert_eq!(f.command, words(&["python", "server.py"]));
}

// --- TypeScript --------------------------------------------------------------------------

#[test]
fn typescript_sdk_v2_quickstart_runs_the_compiled_entry() {
    let tmp = tempfile::tempdir().unwrap();
    node(
        tmp.path(),
        r#"{"name": "weather", "type": "module", "scripts": {"build": "tsc"}, "dependencies": {"@modelcontextprotocol/server": "^2.0.0", "zod": "^4"}, "devDependencies": {"typescript": "^5"}}"#,
        &[
            ("src/index.ts", TS_V2_STDIO),
            (
                "tsconfig.json",
                "{\n  // compiled into build/\n  \"compilerOptions\": {\"outDir\": \"./build\", \"rootDir\": \"./src\"}\n}\n",
            ),
        ],
    );
    let c = detect(tmp.path(), "deploy");
    assert_eq!(c.len(), 1, "the v2 package makes it an MCP server");
    let f = &c[0].found;
    assert_eq!(
        f.reason.as_deref(),
        Some("package.json depends on @modelcontextprotocol/server (TypeScript SDK v2)")
    );
    assert_eq!(f.runtime, Some(Runtime::Node));
    assert_eq!(f.transport, Transport::Stdio);
    assert_eq!(f.command, words(&["node", "build/index.js"]));
}

#[test]
fn typescript_sdk_v1_express_port_endpoint_and_loopback() {
    let tmp = tempfile::tempdir().unwrap();
    node(
        tmp.path(),
        r#"{"name": "notes", "bin": {"notes": "./build/index.js"}, "dependencies": {"@modelcontextprotocol/sdk": "^1.20", "express": "^5"}}"#,
        &[
            ("src/index.ts", TS_V1_HTTP),
            (
                "build/index.js",
                "// stale output: not read\napp.listen(1);\n",
            ),
        ],
    );
    let f = inspect(tmp.path());
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert_eq!(f.command, words(&["node", "./build/index.js"]));
    assert_eq!(f.port, Some(3000));
    assert_eq!(f.endpoint, None, "/mcp is the default");
    assert!(
        warned(&f, "src/index.ts:16 listens on 127.0.0.1 only"),
        "{f:#?}"
    );
}

#[test]
fn a_node_script_named_after_the_http_transport_is_the_command() {
    let tmp = tempfile::tempdir().unwrap();
    node(
        tmp.path(),
        r#"{"bin": {"everything": "dist/index.js"}, "scripts": {"start:stdio": "node dist/index.js stdio", "start:streamableHttp": "node dist/index.js streamableHttp", "test:http": "node t.js"}, "dependencies": {"@modelcontextprotocol/sdk": "^1"}}"#,
        &[
            ("dist/index.js", "new StdioServerTransport();\n"),
            ("dist/transports/sse.js", "new SSEServerTransport('/m', r);\napp.listen(process.env.PORT || 3002);\n"),
            (
                "dist/transports/streamableHttp.js",
                "new StreamableHTTPServerTransport({});\nconst PORT = process.env.PORT || 3001;\napp.listen(PORT);\n",
            ),
        ],
    );
    let f = inspect(tmp.path());
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert_eq!(
        f.command,
        words(&["node", "dist/index.js", "streamableHttp"])
    );
    assert!(
        noted(&f, "scripts.start:streamableHttp serves HTTP"),
        "{f:#?}"
    );
    assert_eq!(f.port, Some(3001), "the port of the HTTP transport's file");
}

#[test]
fn typescript_sse_route_is_the_endpoint() {
    let tmp = tempfile::tempdir().unwrap();
    node(
        tmp.path(),
        r#"{"main": "server.js", "dependencies": {"@modelcontextprotocol/sdk": "^1"}}"#,
        &[(
            "server.js",
            "const t = (res) => new SSEServerTransport('/messages', res);\napp.get('/events/sse', h);\napp.listen(process.env.PORT ?? 3005);\n",
        )],
    );
    let f = inspect(tmp.path());
    assert_eq!(f.transport, Transport::Sse);
    assert_eq!(f.endpoint.as_deref(), Some("/events/sse"));
    assert_eq!(f.port, Some(3005));
}

// --- Dockerfiles ---------------------------------------------------------------------------

#[test]
fn a_stdio_server_with_a_dockerfile_and_a_python_project_is_built_by_mcpstack() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    py_packaged(
        d,
        "\"mcp\"",
        "from mcp.server.lowlevel import Server\nfrom mcp.server.stdio import stdio_server\nasync def main():\n    async with stdio_server() as (r, w):\n        pass\n",
    );
    write(
        &d.join("Dockerfile"),
        "FROM python:3.12\nENTRYPOINT [\"srv\"]\n",
    );
    let f = inspect(d);
    assert_eq!(f.runtime, Some(Runtime::Python));
    assert_eq!(f.transport, Transport::Stdio);
    assert_eq!(f.command, words(&["srv"]));
    assert!(noted(&f, "its own Dockerfile serves stdio"), "{f:#?}");
    // An HTTP server keeps its own Dockerfile.
    write(
        &d.join("src/srv/server.py"),
        "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('x', host='0.0.0.0')\nmcp.run(transport='streamable-http')\n",
    );
    let f = inspect(d);
    assert_eq!(f.runtime, Some(Runtime::Dockerfile));
    assert_eq!(f.transport, Transport::StreamableHttp);
}

#[test]
fn a_dockerfile_command_gets_the_options_that_serve_http() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    py_packaged(
        d,
        "\"fastmcp\"",
        r#"import argparse, os
from fastmcp import FastMCP
mcp = FastMCP("x")
p = argparse.ArgumentParser()
p.add_argument("--transport", default=os.getenv("MCP_TRANSPORT", "stdio"), choices=["stdio", "http"])
p.add_argument("--host", default=os.getenv("MCP_HOST", "localhost"))
p.add_argument("--port", type=int, default=int(os.getenv("MCP_PORT", "8001")))
args = p.parse_args()
if args.transport == "http":
    mcp.run(transport="http", host=args.host, port=args.port)
else:
    mcp.run()
"#,
    );
    write(
        &d.join("Dockerfile"),
        "FROM python:3.11-slim\nEXPOSE 8001\nCMD [\"python\", \"-m\", \"srv\"]\n",
    );
    let f = inspect(d);
    assert_eq!(f.runtime, Some(Runtime::Dockerfile));
    assert_eq!(f.transport, Transport::StreamableHttp);
    assert_eq!(
        f.command,
        words(&[
            "python",
            "-m",
            "srv",
            "--transport",
            "http",
            "--port",
            "8001",
            "--host",
            "0.0.0.0"
        ])
    );
    assert_eq!(f.port, Some(8001));
    assert!(noted(&f, "--transport (default stdio)"), "{f:#?}");
}

#[test]
fn a_dockerfile_run_with_docker_run_i_is_stdio() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        &d.join("Dockerfile"),
        "FROM node:20 AS build\nRUN npm ci\nFROM node:20-slim\nENTRYPOINT [\"node\", \"dist/index.js\"]\n",
    );
    write(
        &d.join("README.md"),
        "Run it:\n\n    docker run -i --rm acme/files\n",
    );
    let f = inspect(d);
    assert_eq!(f.runtime, Some(Runtime::Dockerfile));
    assert_eq!(f.transport, Transport::Stdio);
    assert_eq!(f.command, words(&["node", "dist/index.js"]));
    assert!(noted(&f, "docker run -i"), "{f:#?}");
    // The source saying stdio only is enough, too.
    write(&d.join("README.md"), "");
    write(&d.join("src/index.ts"), TS_V2_STDIO);
    let f = inspect(d);
    assert_eq!(f.transport, Transport::Stdio);
    assert!(noted(&f, "the source serves stdio only"), "{f:#?}");
}

// --- lock files and other project layouts ----------------------------------------------------

#[test]
fn requirements_txt_only_python_project() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("srv");
    write(
        &d.join("requirements.txt"),
        "# deps\nhttpx\nmcp[cli]>=1.2\n",
    );
    write(&d.join("server.py"), SDK1_STDIO);
    let c = detect(tmp.path(), "deploy");
    assert_eq!(c.len(), 1);
    let f = &c[0].found;
    assert_eq!(f.reason.as_deref(), Some("requirements.txt names mcp"));
    assert_eq!(f.runtime, Some(Runtime::Python));
    assert_eq!(f.command, words(&["python", "server.py"]));
    assert_eq!(f.lock, None);
    assert!(noted(f, "uv pip install -r"), "{f:#?}");
}

#[test]
fn missing_lock_files_are_named_with_their_command() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    py_app(&d.join("py"), "\"mcp\"", "server.py", SDK1_STDIO);
    std::fs::remove_file(d.join("py/uv.lock")).unwrap();
    write(
        &d.join("js/package.json"),
        r#"{"main": "index.js", "dependencies": {"@modelcontextprotocol/sdk": "^1"}}"#,
    );
    let c = detect(d, "deploy");
    assert_eq!(c.len(), 2);
    assert!(c[0].found.lock.as_deref().unwrap().contains("npm install"));
    assert!(c[1].found.lock.as_deref().unwrap().contains("uv lock"));
}

#[test]
fn npm_workspace_members_use_the_root_lock() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        &d.join("package.json"),
        r#"{"private": true, "workspaces": ["packages/*"]}"#,
    );
    write(&d.join("package-lock.json"), "{}");
    write(
        &d.join("packages/files/package.json"),
        r#"{"name": "@acme/files", "bin": {"files": "dist/index.js"}, "dependencies": {"@modelcontextprotocol/sdk": "^1"}}"#,
    );
    let c = detect(d, "deploy");
    let member = c
        .iter()
        .find(|c| c.folder == "packages/files")
        .expect("offered");
    assert_eq!(member.found.lock, None);
    assert!(
        noted(
            &member.found,
            "an npm workspace member: the lock file is ./package-lock.json"
        ),
        "{:#?}",
        member.found
    );
    // Without the lock at the root, the member lacks one.
    std::fs::remove_file(d.join("package-lock.json")).unwrap();
    let c = detect(d, "deploy");
    let member = c.iter().find(|c| c.folder == "packages/files").unwrap();
    assert!(member.found.lock.is_some());
}

#[test]
fn every_guess_has_a_note_and_stdio_by_default_says_so() {
    let (_t, f) = app("from mcp.server.lowlevel import Server\nserver = Server('x')\n");
    assert_eq!(f.transport, Transport::Stdio);
    assert!(noted(&f, "nothing in the source says otherwise"), "{f:#?}");
    assert!(noted(&f, "command `python server.py`"), "{f:#?}");
}

#[test]
fn tests_and_docs_are_not_read_for_guesses() {
    let (t, _) = app(
        "from mcp.server.lowlevel import Server\nfrom mcp.server.stdio import stdio_server\nasync def main():\n    async with stdio_server() as (r, w):\n        pass\n",
    );
    write(
        &t.path().join("tests/test_http.py"),
        "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP('t')\nmcp.run(transport='sse')\n",
    );
    let f = inspect(t.path());
    assert_eq!(f.transport, Transport::Stdio, "{f:#?}");
}
