//! The interactive `init` through a real (pseudo-)terminal: a bad answer gets `validate`'s
//! message and the question again, found servers are offered, and the finished file validates
//! and renders. Needs no program but mcpstack itself.
#![cfg(unix)]

mod common;
mod init_fixtures;
use common::*;
use rexpect::session::{spawn_command, PtySession};
use std::path::Path;

const TIMEOUT_MS: u64 = 30_000;

fn start(dir: &Path, args: &[&str]) -> PtySession {
    let mut cmd = bin();
    cmd.arg("init")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm")
        .env("MCPSTACK_CAROOT", test_caroot());
    spawn_command(cmd, Some(TIMEOUT_MS)).expect("start mcpstack in a pseudo-terminal")
}

/// Sends keys without a newline (a key press such as `y`, or Enter as `\r`).
fn press(p: &mut PtySession, keys: &str) {
    p.send(keys).unwrap();
    p.flush().unwrap();
}

#[test]
fn asks_again_after_a_bad_answer_and_writes_a_valid_config() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("stack");
    init_fixtures::two_servers(&dir);
    let mut p = start(&dir, &[]);

    p.exp_string("Project name").unwrap();
    p.send_line("Bad_Name").unwrap();
    // validate's own message and hint, then the same question again.
    p.exp_string("`Bad_Name` is not a DNS label").unwrap();
    p.exp_string("use lowercase letters, digits and `-`")
        .unwrap();
    p.exp_string("Project name").unwrap();
    p.send_line("demo").unwrap();

    p.exp_string("Domain the gateway serves").unwrap();
    p.send_line("not a host!").unwrap();
    p.exp_string("`not a host!` is not a host name").unwrap();
    p.send_line("").unwrap(); // the default, mcp.local

    p.exp_string("Servers found here").unwrap();
    p.exp_string("notes").unwrap();
    p.exp_string("weather").unwrap();
    press(&mut p, "\r"); // both, as offered

    p.exp_string("Use `notes` as shown?").unwrap();
    press(&mut p, "n"); // change it: every field has its default
    p.exp_string("Server name").unwrap();
    p.send_line("gateway").unwrap();
    p.exp_string("is a name mcpstack uses for its own container")
        .unwrap();
    p.send_line("").unwrap(); // back to the default, notes
    p.exp_string("Transport").unwrap();
    press(&mut p, "\r"); // stdio, as found
    p.exp_string("Start command").unwrap();
    p.send_line("").unwrap(); // node index.js, as found
    p.exp_string("Path on the gateway").unwrap();
    p.send_line("/notes").unwrap();
    p.exp_string("must start and end with `/`").unwrap();
    p.send_line("/my-notes/").unwrap();

    p.exp_string("Use `weather` as shown?").unwrap();
    press(&mut p, "y");
    p.exp_string("Add another server?").unwrap();
    press(&mut p, "n");
    p.exp_string("TLS certificate").unwrap();
    press(&mut p, "\r"); // local
    p.exp_string("Who may use the servers").unwrap();
    press(&mut p, "\x1b[B\r"); // down to bearer
    p.exp_string("Add monitoring").unwrap();
    press(&mut p, "n");
    p.exp_string("Write mcp-stack.yaml?").unwrap();
    press(&mut p, "y");
    p.exp_string("wrote mcp-stack.yaml").unwrap();
    p.exp_eof().unwrap();

    let written = std::fs::read_to_string(dir.join("mcp-stack.yaml")).unwrap();
    let c: serde_yaml::Value = serde_yaml::from_str(&written).unwrap();
    assert_eq!(c["name"].as_str(), Some("demo"));
    assert_eq!(c["gateway"]["auth"]["type"].as_str(), Some("bearer"));
    assert_eq!(c["servers"]["notes"]["path"].as_str(), Some("/my-notes/"));
    assert_eq!(
        c["servers"]["weather"]["transport"].as_str(),
        Some("streamable-http")
    );
    let v = run(&["validate"], &dir);
    assert!(v.status.success(), "{:?}", text(&v));
    let r = run(&["render"], &dir);
    assert!(r.status.success(), "{:?}", text(&r));
}

#[test]
fn answering_no_at_the_end_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Flags answer every question but the servers' and the last one.
    let mut p = start(
        dir,
        &[
            "--name",
            "x",
            "--domain",
            "mcp.local",
            "--tls",
            "local",
            "--auth",
            "none",
            "--no-monitoring",
        ],
    );
    p.exp_string("no MCP server was found in this folder")
        .unwrap();
    p.exp_string("Add a server?").unwrap();
    press(&mut p, "y");
    p.exp_string("Where does it come from").unwrap();
    press(&mut p, "\x1b[B\r"); // a prebuilt image
    p.exp_string("Image").unwrap();
    p.send_line("Not An Image").unwrap();
    p.exp_string("is not an image reference").unwrap();
    p.send_line("mcp/time:latest").unwrap();
    p.exp_string("Server name").unwrap();
    p.send_line("").unwrap(); // time
    p.exp_string("Transport").unwrap();
    press(&mut p, "\x1b[B\x1b[B\r"); // stdio
    p.exp_string("Start command").unwrap();
    p.send_line("").unwrap();
    p.exp_string("a stdio server needs `command`").unwrap();
    p.send_line("mcp-server-time").unwrap();
    p.exp_string("Path on the gateway").unwrap();
    p.send_line("").unwrap();
    p.exp_string("Add another server?").unwrap();
    press(&mut p, "n");
    p.exp_string("Write mcp-stack.yaml?").unwrap();
    press(&mut p, "n");
    p.exp_string("nothing was written").unwrap();
    p.exp_eof().unwrap();
    assert!(!dir.join("mcp-stack.yaml").exists());
    assert!(!dir.join("mcp-stack.schema.json").exists());
}

/// Ctrl-C at a prompt ends init with nothing written: exit 130 when the prompt reads the key
/// itself, or SIGINT when the terminal delivers it between two reads.
#[test]
fn ctrl_c_cancels_and_writes_nothing() {
    use rexpect::process::{Signal, WaitStatus};
    let tmp = tempfile::tempdir().unwrap();
    let mut p = start(tmp.path(), &[]);
    p.exp_string("Project name").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_control('c').unwrap();
    let rest = p.exp_eof().unwrap();
    let status = p.process().wait().unwrap();
    match status {
        WaitStatus::Exited(_, 130) => {
            assert!(rest.contains("cancelled; nothing was written"), "{rest}")
        }
        WaitStatus::Signaled(_, Signal::SIGINT, _) => {}
        other => panic!("{other:?}: {rest}"),
    }
    assert!(!tmp.path().join("mcp-stack.yaml").exists());
    assert!(!tmp.path().join("mcp-stack.schema.json").exists());
}
