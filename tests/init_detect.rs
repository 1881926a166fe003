//! What `init` finds in a folder: MCP servers by their dependencies or Dockerfile, with runtime,
//! transport, command and port read from the project; and what it does not offer.

mod init_fixtures;
use init_fixtures::*;
use mcpstack::config::{Runtime, Transport};
use mcpstack::init::{detect, inspect, Candidate};
use std::path::Path;

fn found(root: &Path) -> Vec<Candidate> {
    detect(root, "deploy")
}

fn folders(root: &Path) -> Vec<String> {
    found(root).into_iter().map(|c| c.folder).collect()
}

fn words(w: &[&str]) -> Option<Vec<String>> {
    Some(w.iter().map(|s| s.to_string()).collect())
}

fn pyproject(dir: &Path, deps: &str, extra: &str) {
    write(
        &dir.join("pyproject.toml"),
        &format!(
            "[project]\nname = \"{}\"\ndependencies = [{deps}]\n{extra}",
            dir.file_name().unwrap().to_string_lossy()
        ),
    );
    write(&dir.join("uv.lock"), UV_LOCK);
}

#[test]
fn python_dependency_forms() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    pyproject(&r.join("a"), "\"mcp[cli]>=1.2\"", "");
    pyproject(&r.join("b"), "\"httpx\", \"FastMCP==2.10.6\"", "");
    pyproject(
        &r.join("c"),
        "\"mcp>=1.23,<2 ; python_version >= '3.11'\"",
        "",
    );
    pyproject(&r.join("d"), "\"mcp\"", "");
    // Not MCP servers: a package whose name only starts with mcp, no dependency at all, an
    // optional or dev-only dependency (the image installs neither), a broken file.
    pyproject(&r.join("e"), "\"mcp-proxy==0.13.0\", \"mcpx\"", "");
    pyproject(&r.join("f"), "", "");
    pyproject(
        &r.join("g"),
        "\"httpx\"",
        "[project.optional-dependencies]\nserver = [\"mcp\"]\n[dependency-groups]\ndev = [\"mcp\"]\n",
    );
    write(&r.join("h/pyproject.toml"), "[project\nname = ");
    assert_eq!(folders(r), ["a", "b", "c", "d"]);
    let b = &found(r)[1];
    assert_eq!(b.found.runtime, Some(Runtime::Python));
    assert_eq!(
        b.found.reason.as_deref(),
        Some("pyproject.toml depends on fastmcp")
    );
}

#[test]
fn python_command_from_scripts_and_entry_points() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    let build = "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n";
    // A console script, installed because the project is packaged.
    pyproject(
        &r.join("scripts"),
        "\"mcp\"",
        &format!("[project.scripts]\nhelper = \"x:h\"\nscripts-server = \"x:main\"\n{build}"),
    );
    // The same script in an unpackaged project is never installed: `python -m` instead.
    pyproject(
        &r.join("unpackaged"),
        "\"mcp\"",
        "[project.scripts]\nrun-me = \"pkg.server:main\"\n",
    );
    write(&r.join("unpackaged/src/pkg/__main__.py"), "");
    // A lone server.py (the FastMCP quick start).
    pyproject(&r.join("quick"), "\"fastmcp\"", "");
    write(&r.join("quick/server.py"), "mcp.run()\n");
    // Nothing says how it starts.
    pyproject(&r.join("unknown"), "\"mcp\"", "");
    let by_folder = |f: &str| {
        found(r)
            .into_iter()
            .find(|c| c.folder == f)
            .unwrap_or_else(|| panic!("{f} not found"))
            .found
    };
    assert_eq!(by_folder("scripts").command, words(&["scripts-server"]));
    assert_eq!(
        by_folder("unpackaged").command,
        words(&["python", "-m", "pkg"])
    );
    assert_eq!(by_folder("quick").command, words(&["python", "server.py"]));
    assert_eq!(by_folder("quick").transport, Transport::Stdio);
    assert_eq!(by_folder("unknown").command, None);
}

#[test]
fn node_dependencies_scripts_and_bin() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    let pkg = |dir: &str, json: &str| {
        write(&r.join(dir).join("package.json"), json);
        write(&r.join(dir).join("package-lock.json"), "{}");
    };
    pkg(
        "start",
        r#"{"scripts": {"start": "node dist/server.js --stdio"}, "dependencies": {"@modelcontextprotocol/sdk": "^1"}}"#,
    );
    pkg(
        "bin",
        r#"{"name": "@acme/files", "bin": {"files": "build/index.js"}, "scripts": {"start": "tsx src/index.ts"}, "dependencies": {"@modelcontextprotocol/sdk": "^1"}}"#,
    );
    pkg(
        "main",
        r#"{"main": "lib/main.js", "dependencies": {"@modelcontextprotocol/sdk": "^1"}}"#,
    );
    // Not servers: the SDK only as a dev dependency (e.g. a client's tests), or not at all.
    pkg(
        "dev-only",
        r#"{"devDependencies": {"@modelcontextprotocol/sdk": "^1"}}"#,
    );
    pkg("web", r#"{"dependencies": {"react": "^19"}}"#);
    write(&r.join("broken/package.json"), "{ not json");
    assert_eq!(folders(r), ["bin", "main", "start"]);
    let c = found(r);
    assert_eq!(c[0].found.command, words(&["node", "build/index.js"]));
    assert_eq!(c[1].found.command, words(&["node", "lib/main.js"]));
    assert_eq!(
        c[2].found.command,
        words(&["node", "dist/server.js", "--stdio"])
    );
    assert!(c.iter().all(|c| c.found.runtime == Some(Runtime::Node)));
}

#[test]
fn dockerfile_folders_with_their_port() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(
        &r.join("go-server/Dockerfile"),
        "FROM golang:1.24\nEXPOSE 3000\nCMD [\"/server\"]\n",
    );
    write(&r.join("go-server/main.go"), "package main\n");
    let c = found(r);
    assert_eq!(c.len(), 1);
    let f = &c[0].found;
    assert_eq!(f.runtime, Some(Runtime::Dockerfile));
    assert_eq!(f.reason.as_deref(), Some("has its own Dockerfile"));
    assert_eq!(f.port, Some(3000));
    assert_eq!(f.command, None, "the image's own CMD");
    assert_eq!(f.transport, Transport::StreamableHttp);
}

#[test]
fn folders_that_are_not_searched() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    for skipped in [
        "node_modules/some-server",
        ".hidden/server",
        "deploy/build/x",
        "servers/a/node_modules/dep",
        "a/b/c/too-deep",
    ] {
        fastmcp_project(&r.join(skipped));
    }
    // A project's own sub-folders belong to it: a Dockerfile inside a package is not a server.
    fastmcp_project(&r.join("servers/a"));
    write(&r.join("servers/a/docker/Dockerfile"), "FROM scratch\n");
    // A plain folder, and a non-MCP project.
    std::fs::create_dir_all(r.join("docs")).unwrap();
    write(
        &r.join("api/pyproject.toml"),
        "[project]\ndependencies = [\"flask\"]\n",
    );
    assert_eq!(folders(r), ["servers/a"]);
}

#[test]
fn names_are_dns_labels_and_unique() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    fastmcp_project(&r.join("one/My_Server"));
    fastmcp_project(&r.join("two/my-server"));
    fastmcp_project(&r.join("gateway"));
    let names: Vec<String> = found(r).into_iter().map(|c| c.name).collect();
    assert_eq!(names, ["gateway-mcp", "my-server", "my-server-2"]);
}

#[test]
fn transports_from_the_source() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    fastmcp_project(&r.join("http"));
    node_project(&r.join("stdio"));
    pyproject(&r.join("sse"), "\"mcp\"", "");
    write(
        &r.join("sse/src/s/server.py"),
        "mcp.run(transport='sse', mount_path='/')\n",
    );
    let t: Vec<(String, Transport)> = found(r)
        .into_iter()
        .map(|c| (c.folder, c.found.transport))
        .collect();
    assert_eq!(
        t,
        [
            ("http".to_string(), Transport::StreamableHttp),
            ("sse".to_string(), Transport::Sse),
            ("stdio".to_string(), Transport::Stdio),
        ]
    );
}

/// Each example's servers are found with the runtime and transport its config gives them.
#[test]
fn the_examples_servers_are_found_as_configured() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let expect = [
        (
            "spike/servers/main",
            Runtime::Python,
            Transport::StreamableHttp,
        ),
        (
            "todo/servers/todo",
            Runtime::Python,
            Transport::StreamableHttp,
        ),
        (
            "gateway/servers/stream",
            Runtime::Node,
            Transport::StreamableHttp,
        ),
        ("gateway/servers/legacy", Runtime::Python, Transport::Sse),
        ("gateway/servers/local", Runtime::Python, Transport::Stdio),
    ];
    for (folder, runtime, transport) in expect {
        let f = inspect(&examples.join(folder));
        assert!(f.reason.is_some(), "{folder}");
        assert_eq!(f.runtime, Some(runtime), "{folder}");
        assert_eq!(f.transport, transport, "{folder}");
        assert!(f.command.is_some(), "{folder}");
    }
    // The todo backend is a Python API, not an MCP server.
    assert!(inspect(&examples.join("todo/backend")).reason.is_none());
}
