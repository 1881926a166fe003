//! `mcpstack init --from FILE`: the client files of Claude Desktop, VS Code and Cursor (the
//! fixtures in tests/init_from/), every mapping rule, secrets kept out of every file, the
//! refusal of unpinned packages without a pin or `--resolve`, and the round trip through
//! `render`'s `clients/` files.

mod common;
mod init_fixtures;
use common::*;
use init_fixtures::write;
use mcpstack::init::from::{import, Imported, Lookup, Package};
use mcpstack::init::{From, Options, ServerAnswer};
use std::cell::RefCell;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/init_from")
}

/// Versions from a table; records every package it was asked about.
#[derive(Default)]
struct Fake {
    versions: Vec<(&'static str, &'static str)>,
    asked: RefCell<Vec<String>>,
}

impl Lookup for Fake {
    fn version(&self, p: &Package) -> Result<String, String> {
        self.asked.borrow_mut().push(p.name.clone());
        self.versions
            .iter()
            .find(|(n, _)| *n == p.name)
            .map(|(_, v)| v.to_string())
            .ok_or_else(|| format!("no version of {} (offline)", p.name))
    }
}

/// A Python project run as `uv --directory .../servers/weather run weather.py`.
fn weather_project(root: &Path) {
    write(
        &root.join("servers/weather/requirements.txt"),
        "mcp[cli]==1.20.0\nhttpx==0.28.1\n",
    );
    write(
        &root.join("servers/weather/weather.py"),
        "from mcp.server.fastmcp import FastMCP\n\nmcp = FastMCP(\"weather\")\n\n\n@mcp.tool()\ndef forecast(city: str) -> str:\n    return f\"sunny in {city}\"\n\n\nif __name__ == \"__main__\":\n    mcp.run()\n",
    );
}

/// A TypeScript project compiled to build/index.js, run as `node .../build/index.js`.
fn notes_project(root: &Path) {
    let dir = root.join("servers/notes");
    write(
        &dir.join("package.json"),
        r#"{"name": "notes", "version": "1.0.0", "type": "module", "main": "build/index.js", "dependencies": {"@modelcontextprotocol/sdk": "^1.20.0"}}"#,
    );
    write(
        &dir.join("package-lock.json"),
        r#"{"name": "notes", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {"": {"name": "notes", "version": "1.0.0"}}}"#,
    );
    write(
        &dir.join("build/index.js"),
        "import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';\n",
    );
}

/// The Claude Desktop fixture with `${PROJECT}` set to `root`, written at `root/<name>`.
fn claude_file(root: &Path, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(fixtures().join("claude_desktop_config.json")).unwrap();
    let abs = std::fs::canonicalize(root).unwrap();
    let path = root.join(name);
    write(&path, &text.replace("${PROJECT}", &abs.to_string_lossy()));
    path
}

fn opts(files: &[&Path]) -> Options {
    Options {
        from: files.iter().map(|p| p.to_path_buf()).collect(),
        ..Options::default()
    }
}

fn server<'a>(got: &'a Imported, name: &str) -> &'a ServerAnswer {
    got.servers
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no server `{name}` in {:#?}", got.summary))
}

fn left_out(got: &Imported, entry: &str) -> String {
    got.summary
        .iter()
        .find(|l| l.starts_with("left out ") && l.contains(&format!("`{entry}`")))
        .cloned()
        .unwrap_or_else(|| panic!("`{entry}` is not left out: {:#?}", got.summary))
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn claude_desktop_entries_map_rule_by_rule() {
    let tmp = tempfile::tempdir().unwrap();
    weather_project(tmp.path());
    let file = claude_file(tmp.path(), "claude_desktop_config.json");
    let got = import(tmp.path(), &opts(&[&file]), &Fake::default()).unwrap();

    // uvx PKG==V ARGS: a PyPI package at that version, its arguments kept.
    let time = server(&got, "time");
    assert_eq!(
        time.from,
        From::Package("pypi:mcp-server-time==2025.9.25".into())
    );
    assert_eq!(time.args, strings(&["--local-timezone", "UTC"]));
    assert_eq!(time.command, None, "the package's own script");
    assert_eq!(time.transport, mcpstack::config::Transport::Stdio);
    // uvx --from SPEC CMD: CMD is the package's own script, so no command.
    let fetch = server(&got, "fetch");
    assert_eq!(
        fetch.from,
        From::Package("pypi:mcp-server-fetch==2025.4.7".into())
    );
    assert_eq!(fetch.command, None);
    assert_eq!(fetch.args, strings(&["--ignore-robots-txt"]));
    // npx -y @scope/name@V: an npm package; a plain env value stays env.
    let memory = server(&got, "memory");
    assert_eq!(
        memory.from,
        From::Package("npm:@modelcontextprotocol/server-memory@2025.9.25".into())
    );
    assert_eq!(
        memory.env,
        vec![("MEMORY_FILE_PATH".into(), "/tmp/memory.json".into())]
    );
    assert!(memory.secrets.is_empty());
    // A key by its name becomes a secret's name; its value is nowhere.
    let brave = server(&got, "brave-search");
    assert_eq!(brave.secrets, strings(&["BRAVE_API_KEY"]));
    assert!(brave.env.is_empty());
    // docker run -i IMAGE with no entrypoint given: left out, naming the flag that gives it.
    let github = left_out(&got, "github");
    assert!(github.contains("--command github="), "{github}");
    assert!(
        github.contains("docker image inspect ghcr.io/github/github-mcp-server:v0.13.0"),
        "{github}"
    );
    // uv --directory DIR run weather.py: a build server of that folder, run as the image sees it.
    let weather = server(&got, "weather");
    assert_eq!(
        weather.from,
        From::Build {
            folder: "servers/weather".into(),
            runtime: mcpstack::config::Runtime::Python
        }
    );
    assert_eq!(weather.command, Some(strings(&["python", "weather.py"])));
    // npx mcp-remote URL is already remote.
    let linear = left_out(&got, "linear");
    assert!(
        linear.contains("already remote at https://mcp.linear.app/sse"),
        "{linear}"
    );
    // A host path as an argument is kept, with a warning.
    let fs = server(&got, "filesystem");
    assert!(
        fs.notes
            .iter()
            .any(|n| n.starts_with("warning: `/Users/me/Desktop` is a path on this machine")),
        "{:?}",
        fs.notes
    );
    assert_eq!(
        got.clients,
        vec![mcpstack::init::from::Client::ClaudeDesktop]
    );
    // Where each server came from is its first note (a comment in mcp-stack.yaml).
    assert_eq!(
        time.notes[0],
        "from claude_desktop_config.json `time`: uvx 'mcp-server-time==2025.9.25' --local-timezone UTC"
    );
}

#[test]
fn docker_entries_with_a_command_are_bridged_image_servers_with_their_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    weather_project(tmp.path());
    let file = claude_file(tmp.path(), "claude_desktop_config.json");
    let mut o = opts(&[&file]);
    o.commands = vec![(
        "github".into(),
        strings(&["/server/github-mcp-server", "stdio"]),
    )];
    let got = import(tmp.path(), &o, &Fake::default()).unwrap();
    let github = server(&got, "github");
    assert_eq!(
        github.from,
        From::Image("ghcr.io/github/github-mcp-server:v0.13.0".into())
    );
    assert_eq!(github.transport, mcpstack::config::Transport::Stdio);
    // Only the variables `-e` passes into the container; the token's value came from `env`.
    assert_eq!(github.secrets, strings(&["GITHUB_PERSONAL_ACCESS_TOKEN"]));
    assert_eq!(
        github.env,
        vec![("GITHUB_TOOLSETS".into(), "repos,issues".into())]
    );
    // A secret given inline (`-e NAME=VALUE`) is a secret too, and the comment hides it.
    let text = r#"{"mcpServers": {"gh": {"command": "docker", "args": ["run", "-i", "-e", "GITHUB_TOKEN=ghp_0123456789abcdefABCDEF0123456789abcd", "--entrypoint", "srv", "img:1"]}}}"#;
    let f = tmp.path().join("inline.json");
    write(&f, text);
    let got = import(tmp.path(), &opts(&[&f]), &Fake::default()).unwrap();
    let gh = server(&got, "gh");
    assert_eq!(gh.secrets, strings(&["GITHUB_TOKEN"]));
    assert_eq!(
        gh.notes[0],
        "from inline.json `gh`: docker run -i -e 'GITHUB_TOKEN=...' --entrypoint srv img:1"
    );
    assert!(!format!("{:?}{:?}", got.summary, gh).contains("ghp_0123"));
    // --entrypoint gives the command itself.
    let text = r#"{"mcpServers": {"x": {"command": "docker", "args": ["run", "-i", "--entrypoint", "mcp-server-time", "mcp/time", "--local-timezone", "UTC"]}}}"#;
    let f = tmp.path().join("ep.json");
    write(&f, text);
    let got = import(tmp.path(), &opts(&[&f]), &Fake::default()).unwrap();
    assert_eq!(
        server(&got, "x").command,
        Some(strings(&["mcp-server-time", "--local-timezone", "UTC"]))
    );
}

#[test]
fn vscode_inputs_are_secrets_and_workspace_paths_resolve() {
    let tmp = tempfile::tempdir().unwrap();
    notes_project(tmp.path());
    let file = tmp.path().join(".vscode/mcp.json");
    write(
        &file,
        &std::fs::read_to_string(fixtures().join("vscode/.vscode/mcp.json")).unwrap(),
    );
    let got = import(tmp.path(), &opts(&[&file]), &Fake::default()).unwrap();
    let p = server(&got, "perplexity");
    assert_eq!(
        p.from,
        From::Package("npm:server-perplexity-ask@0.1.3".into())
    );
    // Any value fed through an input is a secret, a password input or not.
    assert_eq!(p.secrets, strings(&["PERPLEXITY_API_KEY", "REGION"]));
    assert_eq!(p.env, vec![("LOG_LEVEL".into(), "info".into())]);
    let notes = server(&got, "notes");
    assert_eq!(
        notes.from,
        From::Build {
            folder: "servers/notes".into(),
            runtime: mcpstack::config::Runtime::Node
        }
    );
    assert_eq!(notes.command, Some(strings(&["node", "build/index.js"])));
    let gh = left_out(&got, "github");
    assert!(
        gh.contains("already remote at https://api.githubcopilot.com/mcp/"),
        "{gh}"
    );
    assert_eq!(got.clients, vec![mcpstack::init::from::Client::VsCode]);
}

#[test]
fn cursor_unpinned_packages_stop_init_without_a_pin_and_never_ask_the_registry() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join(".cursor/mcp.json");
    write(
        &file,
        &std::fs::read_to_string(fixtures().join("cursor/.cursor/mcp.json")).unwrap(),
    );
    let fake = Fake {
        versions: vec![("mcp-server-time", "2025.9.25")],
        ..Fake::default()
    };
    let stop = import(tmp.path(), &opts(&[&file]), &fake).unwrap_err();
    assert_eq!(stop.code, 2);
    assert!(
        stop.message.contains("1 package(s) name no exact version"),
        "{}",
        stop.message
    );
    assert!(
        stop.message.contains("time (PyPI): `uvx mcp-server-time`"),
        "{}",
        stop.message
    );
    let help = stop.help.unwrap();
    assert!(
        help.contains("--pin mcp-server-time=") && help.contains("--resolve"),
        "{help}"
    );
    assert!(
        fake.asked.borrow().is_empty(),
        "no lookup without --resolve"
    );

    // --pin NAME=VERSION pins it.
    let mut o = opts(&[&file]);
    o.pins = vec![("mcp-server-time".into(), "2025.9.25".into())];
    let got = import(tmp.path(), &o, &fake).unwrap();
    assert_eq!(
        server(&got, "time").from,
        From::Package("pypi:mcp-server-time==2025.9.25".into())
    );
    assert!(fake.asked.borrow().is_empty());
    // --resolve asks the lookup, once per unpinned package.
    let mut o = opts(&[&file]);
    o.resolve = true;
    let got = import(tmp.path(), &o, &fake).unwrap();
    assert_eq!(
        server(&got, "time").from,
        From::Package("pypi:mcp-server-time==2025.9.25".into())
    );
    assert_eq!(*fake.asked.borrow(), vec!["mcp-server-time".to_string()]);
    assert!(server(&got, "time")
        .notes
        .iter()
        .any(|n| n.contains("pinned to 2025.9.25")));
    // A lookup that fails (offline) stops init, naming the package and --pin.
    let offline = Fake::default();
    let stop = import(tmp.path(), &o, &offline).unwrap_err();
    assert!(
        stop.message
            .contains("mcp-server-time (PyPI): no version of mcp-server-time (offline)"),
        "{}",
        stop.message
    );
    assert!(stop.help.unwrap().contains("--pin NAME=VERSION"));

    // The rest of the file, once pinned.
    let mut o = opts(&[&file]);
    o.pins = vec![("mcp-server-time".into(), "1".into())];
    let got = import(tmp.path(), &o, &fake).unwrap();
    let pg = left_out(&got, "postgres");
    assert!(
        pg.contains("looks like a secret (a password in a URL)"),
        "{pg}"
    );
    assert!(!pg.contains("s3cretpw"), "the secret is not repeated: {pg}");
    let st = server(&got, "sequential-thinking");
    assert_eq!(
        st.env,
        vec![("DISABLE_THOUGHT_LOGGING".into(), "true".into())]
    );
    left_out(&got, "context7");
    assert_eq!(got.clients, vec![mcpstack::init::from::Client::Cursor]);
}

#[test]
fn names_are_labels_unique_across_files_and_the_same_server_twice_is_one() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("claude_desktop_config.json");
    write(
        &a,
        r#"{"mcpServers": {
            "My Server": {"command": "uvx", "args": ["a==1"]},
            "my_server": {"command": "uvx", "args": ["b==1"]},
            "gateway": {"command": "uvx", "args": ["c==1"]},
            "___": {"command": "uvx", "args": ["d==1"]}
        }}"#,
    );
    let b = tmp.path().join(".cursor/mcp.json");
    write(
        &b,
        r#"{"mcpServers": {"mine": {"command": "uvx", "args": ["a==1"]}, "e": {"command": "uvx", "args": ["e==1"]}}}"#,
    );
    let got = import(tmp.path(), &opts(&[&a, &b]), &Fake::default()).unwrap();
    let names: Vec<&str> = got.servers.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["my-server", "my-server-2", "gateway-mcp", "server", "e"]
    );
    assert!(
        got.summary
            .iter()
            .any(|l| l == "Cursor `mine`: the same as server `my-server`"),
        "{:#?}",
        got.summary
    );
    // Same again: the result does not depend on anything but the files.
    let again = import(tmp.path(), &opts(&[&a, &b]), &Fake::default()).unwrap();
    assert_eq!(got.servers, again.servers);
    assert_eq!(got.summary, again.summary);
}

#[test]
fn entries_that_cannot_run_in_the_stack_are_left_out_with_the_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(&outside.path().join("srv/requirements.txt"), "mcp\n");
    write(&outside.path().join("srv/server.py"), "print()\n");
    let out_script = outside.path().join("srv/server.py");
    let f = tmp.path().join("claude_desktop_config.json");
    let text = serde_json::json!({"mcpServers": {
        "outside": {"command": "python", "args": [out_script]},
        "missing": {"command": "node", "args": ["/nowhere/build/index.js"]},
        "bun": {"command": "bunx", "args": ["x"]},
        "with": {"command": "uvx", "args": ["--with", "extra", "pkg==1"]},
        "git": {"command": "uvx", "args": ["git+https://example.com/x.git"]},
        "mount": {"command": "docker", "args": ["run", "-i", "-v", "/data:/data", "img"]},
        "token-arg": {"command": "npx", "args": ["-y", "x@1.0.0", "--token", "${input:tok}"]},
        "ghp-arg": {"command": "npx", "args": ["-y", "x@1.0.0", "ghp_0123456789abcdefABCDEF0123456789abcd"]},
        "key-arg": {"command": "uvx", "args": ["x==1", "--api-key=q8Zr2Lw9XkP4vN7mT1sB6yH3"]},
        "empty": {},
    }});
    write(&f, &text.to_string());
    let stop = import(tmp.path(), &opts(&[&f]), &Fake::default()).unwrap_err();
    // Nothing can run, so init stops, listing every entry with its reason.
    assert_eq!(stop.code, 2);
    let m = &stop.message;
    for (entry, why) in [
        ("outside", "is outside this project"),
        ("missing", "does not exist on this machine"),
        ("bun", "`bunx` is not a launcher init knows"),
        ("with", "`uvx --with` adds packages"),
        ("git", "is not a package from PyPI"),
        ("mount", "mounts a host path"),
        ("token-arg", "a value the client asks the user for"),
        ("ghp-arg", "looks like a secret (a token format)"),
        ("key-arg", "`api-key=...` is a secret"),
        ("empty", "neither `command` nor `url`"),
    ] {
        let line = m
            .lines()
            .find(|l| l.contains(&format!("`{entry}`")))
            .unwrap_or_else(|| panic!("{entry} not listed: {m}"));
        assert!(line.contains(why), "{entry}: {line}");
    }
    assert!(
        !m.contains("ghp_0123") && !m.contains("q8Zr2"),
        "a secret is never repeated: {m}"
    );
}

#[test]
fn written_config_holds_secret_names_never_their_values() {
    let tmp = tempfile::tempdir().unwrap();
    weather_project(tmp.path());
    notes_project(tmp.path());
    let claude = claude_file(tmp.path(), "claude_desktop_config.json");
    let vscode = tmp.path().join(".vscode/mcp.json");
    write(
        &vscode,
        &std::fs::read_to_string(fixtures().join("vscode/.vscode/mcp.json")).unwrap(),
    );
    let mut o = opts(&[&claude, &vscode]);
    o.commands = vec![(
        "github".into(),
        strings(&["/server/github-mcp-server", "stdio"]),
    )];
    let got = import(tmp.path(), &o, &Fake::default()).unwrap();
    let mut a = mcpstack::init::Answers::new("imported");
    a.servers = got.servers.clone();
    let text = mcpstack::init::config_text(&a, "deploy");
    for secret in [
        "BSAq8Zr2Lw9XkP4vN7mT1sB6yH3",
        "ghp_FAKE0123456789abcdefghijklmnopqrstuv",
        "perplexity-key",
        "${input",
    ] {
        assert!(!text.contains(secret), "{secret} in:\n{text}");
    }
    for want in [
        "    package: \"pypi:mcp-server-time==2025.9.25\"\n",
        "    args: [--local-timezone, UTC]\n",
        "    package: npm:@modelcontextprotocol/server-memory@2025.9.25\n",
        "    secrets: [BRAVE_API_KEY]\n",
        "    secrets: [PERPLEXITY_API_KEY, REGION]\n",
        "    secrets: [GITHUB_PERSONAL_ACCESS_TOKEN]\n",
        "  # secret BRAVE_API_KEY (its name): put its value in deploy/.env; it is not written here\n",
        "  # from mcp.json `notes`: node ",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
    // The text reads back as the answers, as `init` checks before writing.
    let back: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(
        back["servers"]["brave-search"]["package"].as_str(),
        Some("npm:@modelcontextprotocol/server-brave-search@0.6.2")
    );
}

#[test]
fn init_from_renders_clients_files_that_point_the_same_client_at_the_stack() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("team");
    weather_project(&dir);
    let abs = std::fs::canonicalize(&dir).unwrap();
    let file = dir.join("claude_desktop_config.json");
    let text = serde_json::json!({"mcpServers": {
        "weather": {"command": "uv", "args": ["--directory", abs.join("servers/weather"), "run", "weather.py"]},
        "remote": {"url": "https://mcp.example.com/mcp"},
    }});
    write(&file, &serde_json::to_string_pretty(&text).unwrap());
    let o = run(&["init", "--from", "claude_desktop_config.json"], &dir);
    let (out, err) = text_of(&o);
    assert!(o.status.success(), "{out}\n{err}");
    assert!(out.contains("Claude Desktop `weather` → server `weather` (built from ./servers/weather (python), stdio)"), "{out}");
    assert!(
        out.contains(
            "left out Claude Desktop `remote`: already remote at https://mcp.example.com/mcp"
        ),
        "{out}"
    );
    assert!(out.contains("after `mcpstack render`, deploy/clients/claude_desktop_config.json points Claude Desktop at these servers"), "{out}");
    let v = run(&["validate"], &dir);
    assert!(v.status.success(), "{}", text_of(&v).1);
    let r = run(&["render"], &dir);
    assert!(r.status.success(), "{}", text_of(&r).1);
    let clients: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("deploy/clients/claude_desktop_config.json")).unwrap(),
    )
    .unwrap();
    let servers = clients["mcpServers"].as_object().unwrap();
    assert_eq!(
        servers.keys().collect::<Vec<_>>(),
        ["weather"],
        "the same names"
    );
    let args: Vec<&str> = servers["weather"]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(args.contains(&"https://mcp.local/weather/"), "{args:?}");
}

#[test]
fn init_from_refuses_unpinned_packages_offline_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join(".cursor/mcp.json");
    write(
        &file,
        &std::fs::read_to_string(fixtures().join("cursor/.cursor/mcp.json")).unwrap(),
    );
    let o = run(&["init", "--from", ".cursor/mcp.json"], tmp.path());
    let (out, err) = text_of(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    assert!(err.contains("time (PyPI): `uvx mcp-server-time`"), "{err}");
    assert!(
        err.contains("--pin mcp-server-time=1.2.3") && err.contains("--resolve"),
        "{err}"
    );
    assert!(!tmp.path().join("mcp-stack.yaml").exists());
    assert!(!tmp.path().join("mcp-stack.schema.json").exists());
}

#[test]
fn resolve_asks_the_tools_on_path_and_offline_they_fail_with_the_flag_to_pin() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("claude_desktop_config.json");
    write(
        &file,
        r#"{"mcpServers": {"time": {"command": "uvx", "args": ["mcp-server-time"]}, "mem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"]}}}"#,
    );
    // Tools that fail as they do offline.
    let bin_dir = tmp.path().join("bin");
    for tool in ["npm", "uv", "python3"] {
        write(
            &bin_dir.join(tool),
            &format!(
                "#!/bin/sh\necho \"{tool} $*\" >> '{}'\necho 'error: network unreachable' >&2\nexit 1\n",
                bin_dir.join("calls").display()
            ),
        );
        make_executable(&bin_dir.join(tool));
    }
    let o = bin()
        .args(["init", "--from", "claude_desktop_config.json", "--resolve"])
        .current_dir(tmp.path())
        .env("NO_COLOR", "1")
        .env("PATH", &bin_dir)
        .output()
        .unwrap();
    let (out, err) = text_of(&o);
    assert_eq!(o.status.code(), Some(2), "{out}\n{err}");
    assert!(
        err.contains("--resolve could not find the version of"),
        "{err}"
    );
    assert!(err.contains("mcp-server-time (PyPI): `uv pip compile - --no-header --no-annotate --quiet` failed: error: network unreachable"), "{err}");
    assert!(err.contains("@modelcontextprotocol/server-memory (npm): `npm view @modelcontextprotocol/server-memory version --json` failed"), "{err}");
    assert!(err.contains("--pin NAME=VERSION"), "{err}");
    let calls = std::fs::read_to_string(bin_dir.join("calls")).unwrap();
    assert!(
        calls.contains("python3 -m pip index versions mcp-server-time"),
        "{calls}"
    );
    assert!(!tmp.path().join("mcp-stack.yaml").exists());
}

#[test]
fn bad_client_files_name_the_file_and_line_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    write(
        &tmp.path().join("c.json"),
        "{\n  \"mcpServers\": {\n    \"x\": {\"command\": [\"uvx\"]}\n  }\n}\n",
    );
    let o = run(&["init", "--from", "c.json"], tmp.path());
    let (_, err) = text_of(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("c.json:3: `mcpServers.x.command`"), "{err}");
    write(&tmp.path().join("d.json"), "{ \"mcpServers\": { \"x\": ");
    let o = run(&["init", "--from", "d.json"], tmp.path());
    let (_, err) = text_of(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("d.json:1: not JSON"), "{err}");
    let o = run(&["init", "--from", "nope.json"], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(text_of(&o).1.contains("nope.json: cannot be read"));
    let o = run(&["init", "--pin", "a=1"], tmp.path());
    assert_eq!(o.status.code(), Some(2), "--pin needs --from");
    assert!(!tmp.path().join("mcp-stack.yaml").exists());
}

fn text_of(o: &std::process::Output) -> (String, String) {
    text(o)
}

fn make_executable(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}
