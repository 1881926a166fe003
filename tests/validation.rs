//! One test per validation rule: exit 2, the key path, the line, and nothing written.

mod common;
use common::*;
use std::fs;

/// A project folder with a python server at servers/main and `yaml` as its config.
fn project(yaml: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let main = tmp.path().join("servers/main");
    fs::create_dir_all(&main).unwrap();
    fs::write(main.join("pyproject.toml"), "[project]\nname = \"main\"\n").unwrap();
    fs::write(main.join("uv.lock"), "version = 1\n").unwrap();
    fs::write(tmp.path().join("mcp-stack.yaml"), yaml).unwrap();
    tmp
}

/// Asserts that validate and render both fail with `key` at `line` and `message`.
fn rejects(yaml: &str, key: &str, line: usize, message: &str) -> String {
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
        assert!(!tmp.path().join("deploy").exists(), "{cmd} wrote files");
    }
    text(&run(&["validate"], tmp.path())).1
}

const BASE: &str = "version: 1\nname: demo\nservers:\n  main:\n    build: ./servers/main\n    command: [python, -m, main]\n";

#[test]
fn the_base_config_is_valid() {
    let tmp = project(BASE);
    let o = run(&["validate"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    assert!(!tmp.path().join("deploy").exists(), "validate wrote files");
}

#[test]
fn malformed_yaml() {
    let yaml =
        "version: 1\nname: demo\nservers:\n  main:\n    build: ./servers/main\n   command: x\n";
    let err = rejects(
        yaml,
        "servers",
        6,
        "did not find expected key (while parsing a block mapping)",
    );
    assert!(err.contains("check the indentation"), "{err}");
}

#[test]
fn unknown_key_with_suggestion() {
    let err = rejects(
        &format!("{BASE}    trasport: stdio\n"),
        "servers.main.trasport",
        7,
        "unknown key `trasport`",
    );
    assert!(err.contains("did you mean `transport`?"), "{err}");
}

#[test]
fn wrong_type() {
    rejects(
        &BASE.replace(
            "command: [python, -m, main]",
            "command: [python, -m, main]\n    replicas: many",
        ),
        "servers.main.replicas",
        7,
        "invalid type",
    );
}

/// Errors far down a long file are reported at their own key and line: a wrong type (whose key
/// path a second, tracking read finds, the first read not tracking it), an unknown key and a
/// syntax error.
#[test]
fn errors_far_down_a_long_file_keep_their_key_and_line() {
    let pad: String = (0..400)
        .map(|i| format!("# padding line {i:03}\n"))
        .collect();
    let wrong = BASE.replace(
        "command: [python, -m, main]",
        "command: [python, -m, main]\n    replicas: many",
    );
    rejects(
        &format!("{pad}{wrong}"),
        "servers.main.replicas",
        407,
        "invalid type",
    );
    rejects(
        &format!("{pad}{BASE}    trasport: stdio\n"),
        "servers.main.trasport",
        407,
        "unknown key `trasport`",
    );
    let malformed =
        "version: 1\nname: demo\nservers:\n  main:\n    build: ./servers/main\n   command: x\n";
    rejects(
        &format!("{pad}{malformed}"),
        "servers",
        406,
        "did not find expected key",
    );
}

#[test]
fn unsupported_version() {
    rejects(
        &BASE.replace("version: 1", "version: 2"),
        "version",
        1,
        "version 2 is not supported",
    );
}

#[test]
fn name_not_a_dns_label() {
    rejects(
        &BASE.replace("name: demo", "name: Demo_App"),
        "name",
        2,
        "is not a DNS label",
    );
    rejects(
        &BASE.replace("  main:", "  Main:"),
        "servers.Main",
        4,
        "is not a DNS label",
    );
}

#[test]
fn duplicate_gateway_path() {
    let yaml =
        format!("{BASE}    path: /x/\n  other:\n    image: example/other:1\n    path: /x/\n");
    rejects(
        &yaml,
        "servers.other.path",
        10,
        "already the route of server `main`",
    );
}

#[test]
fn path_must_start_and_end_with_slash() {
    rejects(
        &format!("{BASE}    path: /main\n"),
        "servers.main.path",
        7,
        "must start and end with `/`",
    );
    rejects(
        &format!("{BASE}    path: main/\n"),
        "servers.main.path",
        7,
        "must start and end with `/`",
    );
}

#[test]
fn port_out_of_range() {
    rejects(
        &format!("{BASE}    port: 70000\n"),
        "servers.main.port",
        7,
        "port 70000 is out of range",
    );
    rejects(
        &format!("{BASE}gateway:\n  https_port: 0\n"),
        "gateway.https_port",
        8,
        "port 0 is out of range",
    );
}

#[test]
fn build_and_image_both_or_neither() {
    rejects(
        &format!("{BASE}    image: example/main:1\n"),
        "servers.main.image",
        7,
        "`build` and `image` are both set",
    );
    rejects(
        &BASE.replace("    build: ./servers/main\n", ""),
        "servers.main",
        4,
        "neither `build` nor `image`",
    );
}

#[test]
fn build_folder_missing_or_outside() {
    rejects(
        &BASE.replace("./servers/main", "./servers/nope"),
        "servers.main.build",
        5,
        "does not exist",
    );
    rejects(
        &BASE.replace("./servers/main", "../elsewhere"),
        "servers.main.build",
        5,
        "is outside the project",
    );
    rejects(
        &BASE.replace("./servers/main", "/etc"),
        "servers.main.build",
        5,
        "is outside the project",
    );
}

#[test]
fn depends_on_unknown_or_cycle() {
    let err = rejects(
        &format!("{BASE}    depends_on: [mian]\n"),
        "servers.main.depends_on[0]",
        7,
        "`mian` is not a server or service",
    );
    assert!(
        err.contains("did you mean `main`?") || err.contains("known servers"),
        "{err}"
    );
    let yaml = format!("{BASE}    depends_on: [db]\nservices:\n  db:\n    image: example/db:1\n    depends_on: [main]\n");
    rejects(
        &yaml,
        "services.db.depends_on",
        11,
        "depends_on forms a cycle: db → main → db",
    );
}

#[test]
fn stdio_needs_command() {
    let yaml = "version: 1\nname: demo\nservers:\n  time:\n    image: example/time:1\n    transport: stdio\n";
    rejects(
        yaml,
        "servers.time.transport",
        6,
        "a stdio server needs `command`",
    );
}

#[test]
fn manual_tls_needs_cert_and_key() {
    let err = rejects(
        &format!("{BASE}gateway:\n  tls:\n    mode: manual\n"),
        "gateway.tls.cert",
        8,
        "tls mode `manual` needs `cert`",
    );
    assert!(err.contains("gateway.tls.key"), "{err}");
}

#[test]
fn env_and_secret_names() {
    rejects(
        &format!("{BASE}    env:\n      1BAD: x\n"),
        "servers.main.env.1BAD",
        8,
        "is not a valid variable name",
    );
    rejects(
        &format!("{BASE}    secrets: [API-TOKEN]\n"),
        "servers.main.secrets[0]",
        7,
        "is not a valid variable name",
    );
}

#[test]
fn values_that_would_break_out_of_their_file() {
    rejects(
        &format!("{BASE}domain: \"mcp.local; return 200\"\n"),
        "domain",
        7,
        "is not a host name",
    );
    rejects(
        &format!("{BASE}    path: \"/a{{b}}/\"\n"),
        "servers.main.path",
        7,
        "characters that are not allowed",
    );
    rejects(
        &format!("{BASE}    endpoint: \"/mcp\\\"x\"\n"),
        "servers.main.endpoint",
        7,
        "must be a path",
    );
    rejects(
        &format!("{BASE}images:\n  python: \"python:3\\nRUN x\"\n"),
        "images.python",
        8,
        "is not an image reference",
    );
    rejects(
        &format!("{BASE}gateway:\n  max_body: \"10m; x\"\n"),
        "gateway.max_body",
        8,
        "is not a size",
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let yaml = format!("{BASE}    port: 0\n    replicas: 0\n");
    let err = rejects(&yaml, "servers.main.port", 7, "out of range");
    assert!(err.contains("servers.main.replicas"), "{err}");
    assert!(err.contains("2 problems"), "{err}");
}

#[test]
fn missing_config_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(&["validate"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("mcpstack init"));
}

/// A project whose server `own` has its own Dockerfile (`dockerfile`), stdio, and `extra` config.
fn own_dockerfile(dockerfile: &str, extra: &str) -> (tempfile::TempDir, std::process::Output) {
    let tmp = tempfile::tempdir().unwrap();
    let own = tmp.path().join("own");
    fs::create_dir_all(&own).unwrap();
    fs::write(own.join("Dockerfile"), dockerfile).unwrap();
    fs::write(
        tmp.path().join("mcp-stack.yaml"),
        format!("version: 1\nname: demo\nservers:\n  own:\n    build: ./own\n    transport: stdio\n{extra}"),
    )
    .unwrap();
    let o = run(&["validate"], tmp.path());
    (tmp, o)
}

#[test]
fn a_stdio_server_with_its_own_dockerfile_is_bridged() {
    let (_t, o) = own_dockerfile("FROM python:3.12-slim\nCMD [\"python\", \"s.py\"]\n", "");
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    let (_t, o) = own_dockerfile(
        "FROM node:20-slim\nCMD node index.js\n",
        "    command: [node, index.js]\n",
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
}

#[test]
fn own_dockerfile_bridge_needs_an_interpreter_and_a_command() {
    let (t, o) = own_dockerfile("FROM debian:12\nCMD [\"/srv/server\"]\n", "");
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("error: servers.own.build: "), "{err}");
    assert!(err.contains("its final stage is `FROM debian:12`"), "{err}");
    assert!(err.contains("runtime: python"), "{err}");
    assert!(!t.path().join("deploy").exists());

    let (_t, o) = own_dockerfile("FROM python:3.12\nCMD python server.py\n", "");
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("error: servers.own.command: "), "{err}");
    assert!(err.contains("no exec-form ENTRYPOINT or CMD"), "{err}");

    let (_t, o) = own_dockerfile(
        "FROM python:3.12\nCMD [\"python\", \"s.py\"]\n",
        "services:\n  own-base:\n    image: example/x:1\n",
    );
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("`own-base` clashes"), "{err}");
}

/// Validates `yaml` (which must pass) and returns its standard error.
fn accepted(yaml: &str) -> String {
    let tmp = project(yaml);
    let o = run(&["validate"], tmp.path());
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    err
}

#[test]
fn docker_socket_is_accepted_with_a_warning_at_its_line() {
    let err = accepted(&format!("{BASE}    docker_socket: true\n"));
    assert!(
        err.contains("warning: servers.main.docker_socket: `docker_socket: true` gives this container control of the host"),
        "{err}"
    );
    assert!(err.contains("mcp-stack.yaml:7:"), "{err}");
    // Without the key, no warning: it is never a default.
    assert!(!accepted(BASE).contains("docker_socket"));
}

#[test]
fn docker_host_may_name_only_the_mounted_socket() {
    let with = format!("{BASE}    docker_socket: true\n    env:\n");
    let err = accepted(&format!(
        "{with}      DOCKER_HOST: unix:///var/run/docker.sock\n"
    ));
    assert!(!err.contains("DOCKER_HOST"), "{err}");
    rejects(
        &format!("{with}      DOCKER_HOST: unix:///run/docker.sock\n"),
        "servers.main.env.DOCKER_HOST",
        9,
        "but the socket is mounted at /var/run/docker.sock",
    );
    let err = rejects(
        &format!("{BASE}    env:\n      DOCKER_HOST: unix:///var/run/docker.sock\n"),
        "servers.main.env.DOCKER_HOST",
        8,
        "points at the unix socket `/var/run/docker.sock`",
    );
    assert!(err.contains("`docker_socket: true`"), "{err}");
    // A remote engine over TCP is not the host's socket.
    accepted(&format!(
        "{BASE}    env:\n      DOCKER_HOST: tcp://builder.internal:2376\n"
    ));
}

#[test]
fn a_service_cannot_mount_the_socket_by_its_host_path() {
    for (source, shown) in [
        ("/var/run/docker.sock", "`/var/run/docker.sock` would give"),
        ("/run", "`/run` would give"),
        ("/run/user/1000", "`/run/user/1000` would give"),
        ("/", "`/` would give"),
    ] {
        let err = rejects(
            &format!("{BASE}services:\n  db:\n    image: postgres:16\n    volumes: [\"{source}:/host\"]\n"),
            "services.db.volumes[0]",
            10,
            shown,
        );
        assert!(err.contains("`docker_socket: true`"), "{err}");
    }
}

#[test]
fn publishing_nothing_without_a_tunnel_warns() {
    let err = accepted(&format!("{BASE}gateway:\n  publish: false\n"));
    assert!(
        err.contains("warning: gateway.publish: the production gateway publishes no port and there is no tunnel"),
        "{err}"
    );
    let err = accepted(&format!(
        "{BASE}gateway:\n  publish: false\ntunnel:\n  cloudflare: {{}}\n"
    ));
    assert!(!err.contains("gateway.publish"), "{err}");
}

/// A build folder is read once however many servers share it, and what it says is still
/// reported at every server that builds from it.
#[test]
fn servers_sharing_a_build_folder_each_get_its_findings() {
    let shared = "version: 1\nname: demo\nservers:\n  one:\n    build: ./servers/FOLDER\n    command: [x]\n  two:\n    build: ./servers/FOLDER\n    command: [y]\n";
    let tmp = project(&shared.replace("FOLDER", "main"));
    let node = tmp.path().join("servers/node");
    fs::create_dir_all(&node).unwrap();
    fs::write(node.join("package.json"), "{\"name\": \"node\"}\n").unwrap();
    let bare = tmp.path().join("servers/bare");
    fs::create_dir_all(&bare).unwrap();
    fs::write(bare.join("pyproject.toml"), "[project]\nname = \"bare\"\n").unwrap();

    let o = run(&["validate"], tmp.path());
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));

    let cases = [
        ("node", "has package.json but no package-lock.json", 2),
        ("nope", "does not exist", 2),
        ("bare", "has no uv.lock", 0),
    ];
    for (folder, message, code) in cases {
        fs::write(
            tmp.path().join("mcp-stack.yaml"),
            shared.replace("FOLDER", folder),
        )
        .unwrap();
        let o = run(&["validate"], tmp.path());
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(code), "{folder}: {err}");
        for (server, line) in [("one", 5), ("two", 8)] {
            let at = err
                .find(&format!("servers.{server}.build: "))
                .unwrap_or_else(|| {
                    panic!("{folder}: nothing at servers.{server}.build in:\n{err}")
                });
            let report = &err[at..];
            let report = &report[..report[1..].find("servers.").map_or(report.len(), |n| n + 1)];
            assert!(
                report.contains(message),
                "{folder}, {server}: no `{message}` in:\n{report}"
            );
            assert!(
                err.contains(&format!("mcp-stack.yaml:{line}:")),
                "{folder}: no line {line} in:\n{err}"
            );
        }
    }
}
