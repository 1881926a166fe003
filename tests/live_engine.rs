//! `mcpstack up/down/ps` on a real engine, side by side with docker-compose (v1): the same
//! containers, managed by either tool. Built only with `--features live`.
#![cfg(feature = "live")]

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

const PROJECT: &str = "mcpstackengine";

struct Project {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    ca: PathBuf,
    name: String,
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = self.mcpstack(&["down", "--volumes"]);
    }
}

impl Project {
    fn new() -> Project {
        Project::of("gateway", PROJECT, 28080)
    }

    /// Example `example` as project `name`, its gateway on 127.0.0.1:`http` and `http + 363`.
    fn of(example: &str, name: &str, http: u16) -> Project {
        let (tmp, dir) = example_copy(example);
        let cfg = dir.join("mcp-stack.yaml");
        let mut c: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
        c["name"] = name.into();
        c["gateway"]["bind"] = "127.0.0.1".into();
        c["gateway"]["http_port"] = http.into();
        c["gateway"]["https_port"] = (http + 363).into();
        pin_test_images(&mut c, &["python", "uv", "node", "nginx"]);
        std::fs::write(&cfg, serde_yaml::to_string(&c).unwrap()).unwrap();
        std::fs::create_dir_all(dir.join("deploy")).unwrap();
        std::fs::write(
            dir.join("deploy/.env"),
            format!("COMPOSE_PROJECT_NAME={name}\nMCP_GATEWAY_TOKENS=engine-token\n"),
        )
        .unwrap();
        let ca = tmp.path().join("caroot");
        Project {
            _tmp: tmp,
            dir,
            ca,
            name: name.to_string(),
        }
    }

    fn mcpstack(&self, args: &[&str]) -> Output {
        let mut all = vec!["--caroot", self.ca.to_str().unwrap()];
        all.extend_from_slice(args);
        bin().args(&all).current_dir(&self.dir).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.mcpstack(args);
        assert!(o.status.success(), "mcpstack {args:?}: {:?}", text(&o));
        text(&o).0
    }

    fn compose(&self, args: &[&str]) -> String {
        let mut all = vec!["-p", PROJECT, "--compatibility", "--profile", "production"];
        all.extend_from_slice(args);
        let o = Command::new("docker-compose")
            .args(&all)
            .current_dir(self.dir.join("deploy"))
            .output()
            .expect("docker-compose is required by the live suite");
        assert!(
            o.status.success(),
            "docker-compose {args:?}: {:?}",
            text(&o)
        );
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
    }

    /// Container name → id of every container of the project.
    fn containers(&self) -> Vec<(String, String)> {
        let o = Command::new("docker")
            .args([
                "ps",
                "-a",
                "--filter",
                &format!("label=com.docker.compose.project={}", self.name),
                "--format",
                "{{.Names}} {{.ID}}",
            ])
            .output()
            .unwrap();
        let mut v: Vec<(String, String)> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(n, i)| (n.to_string(), i.to_string()))
            .collect();
        v.sort();
        v
    }
}

fn set_env(dir: &Path, server: &str, key: &str, value: &str) {
    let cfg = dir.join("mcp-stack.yaml");
    let mut c: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    c["servers"][server]["env"][key] = value.into();
    std::fs::write(&cfg, serde_yaml::to_string(&c).unwrap()).unwrap();
}

#[test]
fn up_is_compose_compatible_idempotent_and_recreates_only_what_changed() {
    let p = Project::new();
    let out = p.ok(&["up", "--detach", "--build"]);
    assert!(out.contains("9 created, 9 started"), "{out}");
    assert!(
        out.contains("all 4 server(s) answer MCP through the gateway"),
        "{out}"
    );
    let first = p.containers();
    assert_eq!(first.len(), 9, "{first:?}");
    assert!(
        first
            .iter()
            // A stateful replica is a service of its own: `stream-3`, container 1.
            .any(|(n, _)| n == &format!("{PROJECT}-stream-3-1")),
        "{first:?}"
    );

    // ps: every server healthy (the Dockerfiles' MCP health checks).
    let start = Instant::now();
    loop {
        let ps = p.ok(&["ps", "--json"]);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&ps).unwrap();
        let servers: Vec<_> = rows.iter().filter(|r| r["service"] != "gateway").collect();
        if servers.len() == 8 && servers.iter().all(|r| r["health"] == "healthy") {
            break;
        }
        assert!(start.elapsed().as_secs() < 180, "not healthy: {ps}");
        std::thread::sleep(std::time::Duration::from_secs(3));
    }

    // up ended with our own check through the gateway; the official SDK client agrees.
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/live/gateway_client.py");
    let ca = p.ca.join("rootCA.pem");
    let o = Command::new("python3")
        .args([
            script.to_str().unwrap(),
            "basic",
            "https://mcp.local:28443",
            ca.to_str().unwrap(),
            "engine-token",
            "/stream/",
            "streamable-http",
        ])
        .output()
        .expect("python3 with the mcp package");
    assert!(o.status.success(), "{:?}", text(&o));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["echo"], "hello", "{r}");

    // Docker Compose sees the same containers.
    let ps = p.compose(&["ps"]);
    for (name, _) in &first {
        assert!(
            ps.contains(name.as_str()),
            "docker-compose ps lacks {name}:\n{ps}"
        );
    }

    // A second up changes nothing, quickly.
    let start = Instant::now();
    let out = p.ok(&["up", "--detach", "--no-check"]);
    let took = start.elapsed();
    assert!(
        out.contains("0 created, 0 started, 0 removed, 9 unchanged"),
        "{out}"
    );
    assert_eq!(p.containers(), first, "container ids changed");
    eprintln!("second up took {took:?}");

    // One server's env changed: that server alone is recreated.
    set_env(&p.dir, "legacy", "EXTRA", "1");
    let out = p.ok(&["up", "--detach"]);
    assert!(out.contains("1 created, 1 started"), "{out}");
    let after = p.containers();
    for ((n1, id1), (n2, id2)) in first.iter().zip(&after) {
        assert_eq!(n1, n2);
        assert_eq!(id1 != id2, n1.contains("-legacy-"), "{n1}: {id1} → {id2}");
    }
    // The running gateway (nginx 1.22 here: upstream blocks written from the servers'
    // addresses) has the replaced server's new address as soon as `up` returns, not on its own
    // next lookup: the check above went through it.
    let legacy_ip = docker_out(&[
        "inspect",
        "-f",
        "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
        &format!("{PROJECT}-legacy-1"),
    ]);
    let upstreams = docker_out(&[
        "exec",
        &format!("{PROJECT}-gateway-1"),
        "cat",
        "/tmp/mcpstack/upstreams.conf",
    ]);
    assert!(
        upstreams.contains(&format!("server {}:", legacy_ip.trim())),
        "{legacy_ip} not in:\n{upstreams}\n{out}"
    );

    // Replicas follow the config: scaling pool to 2 removes the third.
    set(&p.dir, &["servers", "pool", "replicas"], 2.into());
    let out = p.ok(&["up", "--detach", "--no-check"]);
    assert!(
        out.contains(&format!(
            "Container {PROJECT}-pool-3  Removed (scaled to 2)"
        )),
        "{out}"
    );
    assert_eq!(p.containers().len(), 8);

    // logs: each line prefixed with its container.
    let logs = p.ok(&["logs", "stream", "--tail", "3"]);
    assert!(!logs.is_empty());
    assert!(
        logs.lines()
            .all(|l| l.starts_with(&format!("{PROJECT}-stream-"))),
        "{logs}"
    );

    // docker-compose down removes what mcpstack up made...
    p.compose(&["down"]);
    assert!(p.containers().is_empty(), "{:?}", p.containers());
    // ...and mcpstack down removes what docker-compose up made.
    p.compose(&["up", "-d"]);
    assert_eq!(p.containers().len(), 8);
    p.ok(&["down"]);
    assert!(p.containers().is_empty(), "{:?}", p.containers());
}

fn set(dir: &Path, path: &[&str], value: serde_yaml::Value) {
    let cfg = dir.join("mcp-stack.yaml");
    let mut c: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    let mut node = &mut c;
    for key in &path[..path.len() - 1] {
        node = &mut node[*key];
    }
    node[path[path.len() - 1]] = value;
    std::fs::write(&cfg, serde_yaml::to_string(&c).unwrap()).unwrap();
}

#[test]
fn a_port_in_use_is_named_with_its_process_and_the_next_up_repairs() {
    let p = Project::of("spike", "mcpstackport", 29080);
    let holder =
        std::net::TcpListener::bind("127.0.0.1:29443").expect("port 29443 free for the test");
    let o = p.mcpstack(&["up", "--detach"]);
    let err = text(&o).1;
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains(&format!("port 29443 is held by pid {}", std::process::id())),
        "{err}"
    );
    drop(holder);
    let out = p.ok(&["up", "--detach"]);
    assert!(out.contains("Started") || out.contains("started"), "{out}");
}

#[test]
fn a_failing_build_shows_the_failing_step_and_its_output() {
    let p = Project::of("spike", "mcpstackbuild", 29180);
    // A dependency the lock file does not have: `uv sync --locked` refuses.
    let pyproject = p.dir.join("servers/main/pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).unwrap();
    let broken = text.replacen("dependencies = [", "dependencies = [\"six>=1.16\", ", 1);
    assert_ne!(text, broken);
    std::fs::write(&pyproject, broken).unwrap();
    let o = p.mcpstack(&["up", "--detach", "--build"]);
    let err = text_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains("building mcpstackbuild-main:latest failed"),
        "{err}"
    );
    assert!(
        err.contains("uv sync --locked"),
        "the failing step is named: {err}"
    );
    assert!(
        err.contains("lockfile") || err.contains("uv.lock"),
        "uv's own message is shown: {err}"
    );
}

fn text_of(o: &Output) -> String {
    let (a, b) = text(o);
    a + &b
}

#[test]
fn a_server_that_never_gets_healthy_shows_its_last_log_lines() {
    let p = Project::of("spike", "mcpstackhealth", 29280);
    set(
        &p.dir,
        &["servers", "main", "health"],
        "http:/no-such-path".into(),
    );
    let o = p.mcpstack(&["up", "--detach"]);
    let err = text_of(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("mcpstackhealth-main-1 is unhealthy"), "{err}");
    assert!(
        err.contains("last log lines of mcpstackhealth-main-1"),
        "{err}"
    );
    assert!(
        err.contains("no-such-path"),
        "the server's own log shows the probe: {err}"
    );
}

#[test]
fn an_interrupted_up_is_finished_by_the_next() {
    let p = Project::of("gateway", "mcpstackintr", 29380);
    p.ok(&["render"]);
    let child = bin()
        .args(["--caroot", p.ca.to_str().unwrap(), "up", "--detach"])
        .current_dir(&p.dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once the network and some containers exist.
    let start = Instant::now();
    while p.containers().len() < 3 {
        assert!(start.elapsed().as_secs() < 300, "up made no containers");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let pid = child.id().to_string();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(130), "{:?}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("run `mcpstack up` again"));
    let partial = p.containers().len();
    assert!(partial < 9, "interrupted too late: {partial} containers");
    let out = p.ok(&["up", "--detach"]);
    assert!(out.contains("Healthy"), "{out}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&p.ok(&["ps", "--json"])).unwrap();
    assert_eq!(rows.len(), 9);
    assert!(rows.iter().all(|r| r["state"] == "running"), "{rows:?}");
}

/// `docker ARGS`' standard output; fails the test when docker does.
fn docker_out(args: &[&str]) -> String {
    let o = Command::new("docker").args(args).output().unwrap();
    assert!(o.status.success(), "docker {args:?}: {o:?}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn image_exists(image: &str) -> bool {
    Command::new("docker")
        .args(["image", "inspect", image])
        .output()
        .unwrap()
        .status
        .success()
}

fn container_id(p: &Project, name: &str) -> String {
    p.containers()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, id)| id)
        .unwrap_or_else(|| panic!("no container {name}"))
}

/// One stack through a day of edits: a changed command is built and started without
/// `--build`; a server that dies at start is shown with its own error; a changed route reaches
/// the running gateway; `down --remove-images` keeps the base images.
#[test]
fn up_picks_up_changes_shows_a_dying_server_and_down_keeps_base_images() {
    let name = "mcpstackchange";
    let p = Project::of("spike", name, 29480);
    let main = format!("{name}-main:latest");
    let gateway = format!("{name}-gateway-1");
    let out = p.ok(&["up", "--detach"]);
    assert!(
        out.contains("all 1 server(s) answer MCP through the gateway"),
        "{out}"
    );
    let gateway_id = container_id(&p, &gateway);

    // A changed command, no --build: the image is built again and the container recreated.
    // This command dies at start; `up` says so with the server's own words.
    set(
        &p.dir,
        &["servers", "main", "command"],
        serde_yaml::from_str("[python, -m, mcpstack_no_such_module]").unwrap(),
    );
    let o = p.mcpstack(&["up", "--detach"]);
    let all = text_of(&o);
    eprintln!("up with a dying server:\n{all}");
    assert_eq!(o.status.code(), Some(3), "{all}");
    assert!(
        all.contains(&format!("Image {main}  Rebuilt (build context changed)")),
        "{all}"
    );
    assert!(
        all.contains("1 of 2 service(s) did not become healthy: main"),
        "{all}"
    );
    assert!(all.contains(&format!("{name}-main-1 exited")), "{all}");
    assert!(
        all.contains(&format!("last log lines of {name}-main-1")),
        "{all}"
    );
    assert!(
        all.contains("No module named mcpstack_no_such_module"),
        "the server's own error: {all}"
    );
    // Every service's state, the healthy gateway included.
    let states = &all[all.find("every service:").expect("a state list")..];
    assert!(
        states.contains(&gateway) && states.contains("running"),
        "{all}"
    );

    // The command fixed and the route renamed, still no --build: the server is rebuilt (from
    // the cache) and the running gateway, not recreated, serves the new path.
    set(
        &p.dir,
        &["servers", "main", "command"],
        serde_yaml::from_str("[python, -m, main_server]").unwrap(),
    );
    set(&p.dir, &["servers", "main", "path"], "/renamed/".into());
    let out = p.ok(&["up", "--detach"]);
    assert!(
        out.contains(&format!(
            "Container {gateway}  Reloaded (nginx config changed)"
        )),
        "{out}"
    );
    assert!(out.contains("1 reloaded"), "{out}");
    assert!(
        out.contains("all 1 server(s) answer MCP through the gateway"),
        "the check reached /renamed/: {out}"
    );
    assert_eq!(
        container_id(&p, &gateway),
        gateway_id,
        "the gateway was recreated"
    );
    // ...and no longer the old one.
    let code = Command::new("curl")
        .args([
            "-sk",
            "--resolve",
            "mcp.local:29843:127.0.0.1",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "POST",
            "https://mcp.local:29843/main/",
        ])
        .output()
        .expect("curl");
    assert_eq!(String::from_utf8_lossy(&code.stdout), "404");

    // Nothing changed: nothing is built, reloaded or recreated.
    let out = p.ok(&["up", "--detach", "--no-check"]);
    assert!(
        out.contains("0 created, 0 started, 0 removed, 2 unchanged ("),
        "{out}"
    );
    assert!(!out.contains("Built"), "{out}");

    // down --remove-images: the image built here goes, the base images stay.
    let out = p.ok(&["down", "--remove-images"]);
    assert!(out.contains(&format!("image {main}  Removed")), "{out}");
    assert!(!image_exists(&main));
    for (var, default) in [
        ("MCPSTACK_TEST_NGINX_IMAGE", "mcpstack-test/nginx:1.22"),
        ("MCPSTACK_TEST_PYTHON_IMAGE", "mcpstack-test/python:3.11"),
    ] {
        let image = std::env::var(var).unwrap_or_else(|_| default.to_string());
        assert!(image_exists(&image), "down --remove-images removed {image}");
    }
}
