//! `mcpstack init` without a terminal, and the rest of the command line: the round trip
//! init → validate → render, no overwrite without --force, errors that name the flag, and
//! help, completions, man page and colour.

mod common;
mod init_fixtures;
use common::*;
use init_fixtures::*;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn yes(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["init", "--yes"];
    args.extend_from_slice(extra);
    run(&args, dir)
}

fn config(dir: &Path) -> serde_yaml::Value {
    serde_yaml::from_str(&std::fs::read_to_string(dir.join("mcp-stack.yaml")).unwrap()).unwrap()
}

#[test]
fn init_yes_detects_both_servers_and_round_trips() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("Weather_Stack");
    two_servers(&dir);
    let o = yes(&dir, &[]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("2 server(s)"), "{out}");
    let written = std::fs::read_to_string(dir.join("mcp-stack.yaml")).unwrap();
    assert!(
        written.starts_with("# yaml-language-server: $schema=mcp-stack.schema.json\n"),
        "{written}"
    );
    assert!(written.contains("# found in servers/weather: pyproject.toml depends on fastmcp"));
    let c = config(&dir);
    assert_eq!(c["name"].as_str(), Some("weather-stack"));
    assert_eq!(c["domain"].as_str(), Some("mcp.local"));
    let w = &c["servers"]["weather"];
    assert_eq!(w["build"].as_str(), Some("./servers/weather"));
    assert_eq!(w["runtime"].as_str(), Some("python"));
    assert_eq!(w["transport"].as_str(), Some("streamable-http"));
    assert_eq!(w["command"][0].as_str(), Some("weather-server"));
    assert_eq!(w["path"].as_str(), Some("/weather/"));
    let n = &c["servers"]["notes"];
    assert_eq!(n["runtime"].as_str(), Some("node"));
    assert_eq!(n["transport"].as_str(), Some("stdio"));
    assert_eq!(n["command"].as_sequence().unwrap().len(), 2);
    assert!(c["servers"]["api"].is_null(), "not an MCP server");
    // The schema beside it is the one `mcpstack schema` prints.
    let schema = run(&["schema"], &dir);
    assert_eq!(
        std::fs::read(dir.join("mcp-stack.schema.json")).unwrap(),
        schema.stdout
    );
    // No edit between init, validate and render.
    let v = run(&["validate"], &dir);
    assert!(v.status.success(), "{:?}", text(&v));
    assert!(text(&v).1.is_empty(), "no warnings: {:?}", text(&v));
    let r = run(&["render"], &dir);
    assert!(r.status.success(), "{:?}", text(&r));
    for f in [
        "compose.yaml",
        "build/weather/Dockerfile",
        "build/notes/Dockerfile",
        "nginx/nginx.conf",
    ] {
        assert!(dir.join("deploy").join(f).is_file(), "{f}");
    }
    let check = run(&["render", "--check"], &dir);
    assert!(check.status.success(), "{:?}", text(&check));
}

#[test]
fn every_flag_sets_its_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_servers(dir);
    let o = yes(
        dir,
        &[
            "--name",
            "shop",
            "--domain",
            "mcp.example.com",
            "--server",
            "forecast=./servers/weather",
            "--image",
            "time=mcp/time:latest",
            "--transport",
            "time=stdio",
            "--command",
            "time=mcp-server-time --local-timezone 'Europe/Paris'",
            "--transport",
            "forecast=sse",
            "--tls",
            "acme",
            "--email",
            "ops@example.com",
            "--auth",
            "--monitoring",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let c = config(dir);
    assert_eq!(c["name"].as_str(), Some("shop"));
    assert_eq!(c["domain"].as_str(), Some("mcp.example.com"));
    assert_eq!(c["gateway"]["tls"]["mode"].as_str(), Some("acme"));
    assert_eq!(
        c["gateway"]["tls"]["email"].as_str(),
        Some("ops@example.com")
    );
    assert_eq!(c["gateway"]["auth"]["type"].as_str(), Some("bearer"));
    assert_eq!(c["monitoring"]["enabled"].as_bool(), Some(true));
    let servers = c["servers"].as_mapping().unwrap();
    assert_eq!(servers.len(), 2, "flags replace the servers found");
    assert_eq!(c["servers"]["forecast"]["transport"].as_str(), Some("sse"));
    assert_eq!(
        c["servers"]["time"]["image"].as_str(),
        Some("mcp/time:latest")
    );
    let cmd: Vec<&str> = c["servers"]["time"]["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(cmd, ["mcp-server-time", "--local-timezone", "Europe/Paris"]);
    assert!(run(&["validate"], dir).status.success());
}

/// Without a terminal, a missing answer stops init at once (exit 2) and names the flag: the
/// test keeps standard input open and never writes to it, so waiting would hang.
#[test]
fn no_terminal_and_a_missing_answer_exits_2_naming_the_flag() {
    let cases: [(&[&str], &str); 4] = [
        (&[], "--server NAME=PATH"),
        (
            &[
                "--image",
                "time=mcp/time:latest",
                "--transport",
                "time=stdio",
            ],
            "--command time=",
        ),
        (
            &[
                "--image",
                "t=mcp/time",
                "--tls",
                "acme",
                "--domain",
                "mcp.example.com",
            ],
            "--email",
        ),
        (&["--image", "t=mcp/time", "--tls", "manual"], "--cert"),
    ];
    for (args, flag) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = bin()
            .arg("init")
            .args(args)
            .current_dir(tmp.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let _stdin = child.stdin.take();
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("init {args:?} waited for input without a terminal");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert_eq!(status.code(), Some(2), "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(err.contains(flag), "{args:?} should name {flag}: {err}");
        assert!(!tmp.path().join("mcp-stack.yaml").exists());
    }
}

#[test]
fn a_bad_flag_value_gets_validates_message_and_names_the_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let o = yes(tmp.path(), &["--name", "Bad_Name", "--image", "t=mcp/time"]);
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("`Bad_Name` is not a DNS label"), "{err}");
    assert!(err.contains("--name NAME"), "{err}");
    let o = yes(tmp.path(), &["--image", "gateway=mcp/time"]);
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("is a name mcpstack uses for its own container"),
        "{err}"
    );
    let o = yes(
        tmp.path(),
        &["--image", "t=mcp/time", "--transport", "other=stdio"],
    );
    assert!(text(&o).1.contains("the servers are: t"), "{:?}", text(&o));
    // clap's own usage errors exit 2 too.
    let o = yes(tmp.path(), &["--transport", "t=carrier-pigeon"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("not a transport"));
}

#[test]
fn never_overwrites_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_servers(dir);
    std::fs::write(dir.join("mcp-stack.yaml"), "# mine\n").unwrap();
    let o = yes(dir, &[]);
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("mcp-stack.yaml")).unwrap(),
        "# mine\n"
    );
    assert!(
        !dir.join("mcp-stack.schema.json").exists(),
        "nothing written"
    );
    let o = yes(dir, &["--force"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(config(dir)["servers"]["weather"].is_mapping());
    // --config chooses the file (and the folder it looks at).
    let o = run(
        &[
            "-c",
            "servers/weather/mcp-stack.yaml",
            "init",
            "--yes",
            "--image",
            "w=mcp/w",
        ],
        dir,
    );
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(dir.join("servers/weather/mcp-stack.schema.json").is_file());
}

/// A server that validate would refuse (no lock file) is left out with a warning, not written.
#[test]
fn a_server_that_cannot_build_is_left_out_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    two_servers(dir);
    std::fs::remove_file(dir.join("servers/notes/package-lock.json")).unwrap();
    let o = yes(dir, &[]);
    let err = text(&o).1;
    assert!(o.status.success(), "{err}");
    assert!(err.contains("warning: left out servers/notes"), "{err}");
    assert!(err.contains("npm install"), "{err}");
    assert!(config(dir)["servers"]["notes"].is_null());
    assert!(run(&["validate"], dir).status.success());
}

#[test]
fn every_subcommand_has_help_with_examples() {
    let tmp = tempfile::tempdir().unwrap();
    for sub in [
        "init",
        "validate",
        "render",
        "certs",
        "token",
        "schema",
        "completions",
        "man",
    ] {
        let o = run(&[sub, "--help"], tmp.path());
        let out = text(&o).0;
        assert!(o.status.success(), "{sub}");
        assert!(out.contains("Examples:"), "{sub} --help:\n{out}");
    }
    let top = text(&run(&["--help"], tmp.path())).0;
    assert!(
        top.contains("Examples:") && top.contains("Exit status"),
        "{top}"
    );
}

#[test]
fn completions_for_every_shell() {
    let tmp = tempfile::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef mcpstack"),
        ("fish", "complete -c mcpstack"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let o = run(&["completions", shell], tmp.path());
        let out = text(&o).0;
        assert!(o.status.success(), "{shell}");
        assert!(out.contains(marker), "{shell}: {out}");
        assert!(out.contains("init") && out.contains("transport"), "{shell}");
    }
    let o = run(&["completions", "tcsh"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn man_page() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(&["man"], tmp.path());
    let out = text(&o).0;
    assert!(o.status.success());
    assert!(
        out.starts_with(".ie") || out.contains(".TH mcpstack 1"),
        "{out}"
    );
    assert!(out.contains("init") && out.contains("render"), "{out}");
    let o = run(&["man", "--dir", "pages"], tmp.path());
    assert!(o.status.success(), "{:?}", text(&o));
    for page in [
        "mcpstack.1",
        "mcpstack-init.1",
        "mcpstack-render.1",
        "mcpstack-certs-install.1",
    ] {
        assert!(tmp.path().join("pages").join(page).is_file(), "{page}");
    }
}

fn with_env(args: &[&str], cwd: &Path, no_color: bool) -> std::process::Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mcpstack"));
    c.args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    if no_color {
        c.env("NO_COLOR", "1");
    }
    c.output().unwrap()
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("mcp-stack.yaml"), "version: 1\nname: Bad\n").unwrap();
    let esc = |o: &std::process::Output| o.stderr.contains(&0x1b);
    // Not a terminal: no colour unless asked for.
    let plain = with_env(&["validate"], tmp.path(), false);
    assert_eq!(plain.status.code(), Some(2));
    assert!(!esc(&plain), "{:?}", text(&plain));
    let forced = with_env(&["--color", "always", "validate"], tmp.path(), true);
    assert_eq!(forced.status.code(), Some(2));
    assert!(esc(&forced), "--color always wins over NO_COLOR");
    let never = with_env(&["validate", "--color=never"], tmp.path(), false);
    assert!(!esc(&never));
    // The words are the same with and without colour.
    let stripped: Vec<u8> = strip_ansi(&forced.stderr);
    assert_eq!(String::from_utf8_lossy(&stripped), text(&plain).1);
    assert!(text(&plain)
        .1
        .contains("error: name: `Bad` is not a DNS label"));
    // clap's usage errors follow --color too, and exit 2.
    let usage = with_env(
        &["--color", "always", "render", "--bogus"],
        tmp.path(),
        false,
    );
    assert_eq!(usage.status.code(), Some(2));
    assert!(esc(&usage));
    let usage = with_env(
        &["--color", "never", "render", "--bogus"],
        tmp.path(),
        false,
    );
    assert!(!esc(&usage));
}

fn strip_ansi(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            i += 2;
            while i < bytes.len() && !bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            i += 1;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}
