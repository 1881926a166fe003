//! `init --yes` on folders whose servers lack a lock file: the message says what was found,
//! why it cannot be offered, and the command to run, whether or not another server was found.

mod common;
mod init_fixtures;
use common::*;
use init_fixtures::shapes::*;
use init_fixtures::*;

#[test]
fn a_lone_server_without_uv_lock_is_named_with_the_command() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    py_app(&d.join("weather"), "\"mcp[cli]\"", "weather.py", SDK1_STDIO);
    std::fs::remove_file(d.join("weather/uv.lock")).unwrap();
    let o = run(&["init", "--yes"], d);
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(!err.contains("no MCP server was found"), "{err}");
    assert!(
        err.contains("1 MCP server(s) found in")
            && err.contains("left out weather (pyproject.toml depends on mcp): no uv.lock; run `uv lock` in weather"),
        "{err}"
    );
    assert!(!d.join("mcp-stack.yaml").exists());
}

#[test]
fn a_node_server_without_a_lock_beside_another_server() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    py_app(&d.join("weather"), "\"mcp[cli]\"", "weather.py", SDK1_STDIO);
    write(
        &d.join("notes/package.json"),
        r#"{"main": "index.js", "dependencies": {"@modelcontextprotocol/sdk": "^1"}}"#,
    );
    write(&d.join("notes/index.js"), "new StdioServerTransport()\n");
    let o = run(&["init", "--yes"], d);
    let err = text(&o).1;
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains("left out notes (package.json depends on @modelcontextprotocol/sdk (TypeScript SDK v1)): no package-lock.json; run `npm install` in notes"),
        "{err}"
    );
}
