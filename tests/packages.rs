//! Servers from published packages (`package:`): every validation rule with its key path,
//! line and hint, and how such a server renders (image, bridge, command, health, clients).

mod common;
use common::*;
use std::fs;

fn project(yaml: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("mcp-stack.yaml"), yaml).unwrap();
    tmp
}

/// Asserts that validate and render both fail with `key` at `line`, `message` and `help`.
fn rejects(yaml: &str, key: &str, line: usize, message: &str, help: &str) {
    let tmp = project(yaml);
    for cmd in ["validate", "render"] {
        let o = run(&[cmd], tmp.path());
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert!(
            err.contains(&format!("error: {key}: ")),
            "no key path `{key}` in:\n{err}"
        );
        assert!(
            err.contains(&format!("mcp-stack.yaml:{line}:")),
            "no line {line} in:\n{err}"
        );
        assert!(err.contains(message), "no `{message}` in:\n{err}");
        assert!(err.contains(help), "no hint `{help}` in:\n{err}");
        assert!(!tmp.path().join("deploy").exists(), "{cmd} wrote files");
    }
}

fn stack(servers: &str) -> String {
    format!("version: 1\nname: demo\nservers:\n{servers}")
}

const TIME: &str = "  time:\n    package: pypi:mcp-server-time==2026.10.19\n";
const MEMORY: &str = "  memory:\n    package: npm:@modelcontextprotocol/server-memory@2026.8.31\n";

#[test]
fn pinned_packages_validate_with_nothing_else() {
    let tmp = project(&stack(&format!("{TIME}{MEMORY}")));
    let o = run(&["validate"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
}

#[test]
fn unpinned_packages_are_refused_with_the_pinned_form() {
    rejects(
        &stack("  time:\n    package: pypi:mcp-server-time\n"),
        "servers.time.package",
        5,
        "`pypi:mcp-server-time` has no version",
        "package: pypi:mcp-server-time==<version>",
    );
    rejects(
        &stack("  time:\n    package: pypi:mcp-server-time>=2026.1\n"),
        "servers.time.package",
        5,
        "is not pinned to one exact version",
        "--resolve",
    );
    rejects(
        &stack("  memory:\n    package: npm:@modelcontextprotocol/server-memory@latest\n"),
        "servers.memory.package",
        5,
        "is not pinned to one exact version (`latest`)",
        "package: npm:@modelcontextprotocol/server-memory@<version>",
    );
    rejects(
        &stack("  memory:\n    package: npm:@modelcontextprotocol/server-memory@^1.0.0\n"),
        "servers.memory.package",
        5,
        "is not pinned",
        "--pin NAME=VERSION",
    );
}

#[test]
fn malformed_packages_are_refused() {
    rejects(
        &stack("  time:\n    package: mcp-server-time==2026.10.19\n"),
        "servers.time.package",
        5,
        "does not name its registry",
        "package: pypi:mcp-server-time==2026.10.19",
    );
    rejects(
        &stack("  time:\n    package: pypi:mcp-server-time==next\n"),
        "servers.time.package",
        5,
        "is not a PEP 440 version",
        "pypi:mcp-server-time==1.2.3",
    );
    rejects(
        &stack("  m:\n    package: npm:Server-Memory@1.0.0\n"),
        "servers.m.package",
        5,
        "is not an npm package name",
        "lowercase",
    );
}

#[test]
fn a_package_is_the_only_source() {
    rejects(
        &stack(&format!("{TIME}    image: example/time:1\n")),
        "servers.time.image",
        6,
        "`package` and `image` are both set",
        "one source",
    );
    rejects(
        &stack(&format!("{TIME}    build: ./time\n")),
        "servers.time.build",
        6,
        "`package` and `build` are both set",
        "one source",
    );
}

#[test]
fn the_runtime_must_fit_the_registry() {
    rejects(
        &stack(&format!("{TIME}    runtime: node\n")),
        "servers.time.runtime",
        6,
        "a PyPI package runs on python",
        "remove `runtime`",
    );
    rejects(
        &stack(&format!("{MEMORY}    runtime: dockerfile\n")),
        "servers.memory.runtime",
        6,
        "not built from a Dockerfile",
        "remove `runtime`",
    );
    let tmp = project(&stack(&format!("{TIME}    runtime: python\n")));
    assert_eq!(run(&["validate"], tmp.path()).status.code(), Some(0));
}

#[test]
fn args_belong_to_package_servers() {
    rejects(
        &stack("  x:\n    image: example/x:1\n    args: [--verbose]\n"),
        "servers.x.args",
        6,
        "`args` only applies to `package` servers",
        "put the arguments in `command`",
    );
}

#[test]
fn resolved_before_is_a_date() {
    rejects(
        &format!("{}packages:\n  resolved_before: last week\n", stack(TIME)),
        "packages.resolved_before",
        7,
        "`last week` is not a date or an RFC 3339 time",
        "2026-12-01",
    );
    for ok in ["2026-12-01", "2026-12-01T00:00:00Z"] {
        let tmp = project(&format!(
            "{}packages:\n  resolved_before: {ok}\n",
            stack(TIME)
        ));
        assert_eq!(
            run(&["validate"], tmp.path()).status.code(),
            Some(0),
            "{ok}"
        );
    }
}

#[test]
fn a_server_with_no_source_names_package_in_the_hint() {
    rejects(
        &stack("  x:\n    command: [x]\n"),
        "servers.x",
        4,
        "neither `build` nor `image` is set",
        "package: pypi:NAME==VERSION",
    );
}

/// Renders `yaml` and returns the output folder's files by path.
fn render(
    yaml: &str,
) -> (
    tempfile::TempDir,
    std::collections::BTreeMap<String, String>,
) {
    let tmp = project(yaml);
    let o = run(&["render"], tmp.path());
    assert!(o.status.success(), "{:?}", text(&o));
    let mut files = std::collections::BTreeMap::new();
    for name in [
        "compose.yaml",
        "nginx/nginx.conf",
        "clients/vscode-mcp.json",
    ] {
        files.insert(
            name.to_string(),
            fs::read_to_string(tmp.path().join("deploy").join(name)).unwrap(),
        );
    }
    for server in ["time", "memory", "clock", "clock2"] {
        let p = tmp.path().join(format!("deploy/build/{server}/Dockerfile"));
        if let Ok(body) = fs::read_to_string(p) {
            files.insert(server.to_string(), body);
        }
    }
    (tmp, files)
}

#[test]
fn a_package_server_is_stdio_and_bridged_by_default() {
    let (_t, f) = render(&stack(&format!(
        "{TIME}    args: [--local-timezone, UTC]\n{MEMORY}"
    )));
    let time = &f["time"];
    assert!(
        time.contains(
            r#"uv pip install --python /app/.venv/bin/python "mcp-server-time==2026.10.19""#
        ),
        "{time}"
    );
    assert!(time.contains(r#""mcp-proxy==0.13.0""#), "{time}");
    assert!(time.contains(r#""--","sh","-c","\"$0\" \"$@\"; kill -TERM 1","mcp-server-time","--local-timezone","UTC"]"#), "{time}");
    assert!(
        time.contains("USER 10001") && time.contains("HEALTHCHECK"),
        "{time}"
    );
    assert!(!time.contains("--exclude-newer"), "{time}");
    let memory = &f["memory"];
    assert!(memory.contains(r#"npm install --prefix /app --omit=dev --no-fund --no-audit "@modelcontextprotocol/server-memory@2026.8.31""#), "{memory}");
    assert!(memory.contains(r#""supergateway@4.0.0""#), "{memory}");
    assert!(
        memory.contains(
            r#"CMD ["supergateway","--stdio","/app/entrypoint 2>/proc/1/fd/2; kill -TERM 1""#
        ),
        "{memory}"
    );
    // Routed, built from its own folder in the output, and in the client files like any server.
    assert!(
        f["compose.yaml"].contains("context: ./build/memory"),
        "{}",
        f["compose.yaml"]
    );
    assert!(
        f["nginx/nginx.conf"].contains("location ^~ /time/ {"),
        "{}",
        f["nginx/nginx.conf"]
    );
    assert!(f["clients/vscode-mcp.json"].contains("https://mcp.local/memory/"));
}

#[test]
fn a_package_server_with_another_transport_runs_unbridged() {
    let (_t, f) = render(&stack(&format!(
        "{TIME}    transport: streamable-http\n    command: [mcp-server-time-http]\n    args: [--port, '8000']\n"
    )));
    let time = &f["time"];
    assert!(!time.contains("mcp-proxy"), "{time}");
    assert!(
        time.contains(r#"CMD ["mcp-server-time-http","--port","8000"]"#),
        "{time}"
    );
    assert!(
        time.contains(r#""check", "mcp-server-time-http"]"#),
        "{time}"
    );
}

/// A `transport` written in an anchor counts as written for every alias of it: the second
/// server is no more bridged than the first.
#[test]
fn a_transport_from_an_alias_counts_as_written() {
    let (_t, f) = render(&stack(
        "  time:\n    package: pypi:mcp-server-time==2026.10.19\n    transport: streamable-http\n    command: &cmd [mcp-server-time-http]\n  clock: &clock\n    package: pypi:mcp-server-time==2026.10.19\n    transport: streamable-http\n    command: *cmd\n  clock2: *clock\n",
    ));
    for name in ["time", "clock", "clock2"] {
        let file = &f[name];
        assert!(!file.contains("mcp-proxy"), "{name}: {file}");
    }
}

#[test]
fn resolved_before_pins_dependency_resolution_in_both_installers() {
    let (_t, f) = render(&format!(
        "{}packages:\n  resolved_before: 2026-12-01\n",
        stack(&format!("{TIME}{MEMORY}"))
    ));
    assert!(f["time"].contains(r#"--exclude-newer "2026-12-01" "mcp-server-time==2026.10.19""#));
    assert!(f["memory"]
        .contains(r#"--before="2026-12-01" "@modelcontextprotocol/server-memory@2026.8.31""#));
}

#[test]
fn a_chosen_command_reaches_the_dockerfile_only_as_a_json_string() {
    let evil = r#"x\"; touch /pwned; echo \""#;
    let (_t, f) = render(&stack(&format!("{MEMORY}    command: [\"{evil}\"]\n")));
    let memory = &f["memory"];
    assert!(
        memory.contains(r#""check", "x\"; touch /pwned; echo \""]"#),
        "{memory}"
    );
    assert!(
        !memory.contains("/app/entrypoint\""),
        "no npx pick when a command is chosen"
    );
    for line in memory.lines().filter(|l| l.contains("touch /pwned")) {
        assert!(
            line.starts_with("RUN [") || line.starts_with("CMD ["),
            "{line}"
        );
    }
}
