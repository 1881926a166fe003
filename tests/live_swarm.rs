//! `mcpstack up/ps/logs/check/down --target swarm` on a single-node swarm of the local engine
//! (initialised here with `--advertise-addr 127.0.0.1` and left again when done, unless it was
//! a swarm already). The gateway is published in host mode; a server runs 2 replicas; the
//! official MCP client calls a tool through the gateway while a replica is killed, and swarm
//! brings the service back to 2. `down` leaves nothing of the project.
//! Built only with `--features live`; run it holding `/tmp/mcpstack-live.lock`.
#![cfg(feature = "live")]

mod common;
use common::registry::Registry;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const PROJECT: &str = "mcpstackswarm";
const HTTP: u16 = 28280;
const HTTPS: u16 = 28643;
const TOKEN: &str = "swarm-token";
const NS: &str = "label=com.docker.stack.namespace=mcpstackswarm";

fn docker(args: &[&str]) -> String {
    let o = Command::new("docker")
        .args(args)
        .output()
        .expect("docker is required by the live suite");
    assert!(o.status.success(), "docker {args:?}: {:?}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A single-node swarm for the test, left when dropped.
struct Swarm;

impl Swarm {
    fn init() -> Swarm {
        docker(&["swarm", "init", "--advertise-addr", "127.0.0.1"]);
        Swarm
    }
}

impl Drop for Swarm {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["swarm", "leave", "--force"])
            .output();
    }
}

struct Project {
    tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Drop for Project {
    fn drop(&mut self) {
        // The swarm may be gone already (its guard drops first): the images are removed
        // through the plain target, which needs no swarm.
        let _ = self.mcpstack(&["down", "--target", "swarm"]);
        let _ = self.mcpstack(&["down", "--remove-images"]);
    }
}

impl Project {
    /// The gateway example with its stateless `pool` (2 replicas) and stateful `stream`
    /// (2 replicas) servers, its images pushed to `registry`.
    fn new(registry: &str) -> Project {
        let (tmp, dir) = example_copy("gateway");
        let cfg = dir.join("mcp-stack.yaml");
        let mut c: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
        c["name"] = PROJECT.into();
        c["gateway"]["http_port"] = HTTP.into();
        c["gateway"]["https_port"] = HTTPS.into();
        c["registry"] = format!("{registry}/team").into();
        let servers = c["servers"].as_mapping_mut().unwrap();
        servers.retain(|k, _| k == "pool" || k == "stream");
        c["servers"]["pool"]["replicas"] = 2.into();
        c["servers"]["stream"]["replicas"] = 2.into();
        pin_test_images(&mut c, &["node", "nginx"]);
        std::fs::write(&cfg, serde_yaml::to_string(&c).unwrap()).unwrap();
        std::fs::create_dir_all(dir.join("deploy")).unwrap();
        std::fs::write(
            dir.join("deploy/.env"),
            format!("COMPOSE_PROJECT_NAME={PROJECT}\nMCP_GATEWAY_TOKENS={TOKEN}\n"),
        )
        .unwrap();
        Project { tmp, dir }
    }

    fn mcpstack(&self, args: &[&str]) -> Output {
        let ca = self.tmp.path().join("caroot");
        let mut all = vec!["--caroot", ca.to_str().unwrap()];
        all.extend_from_slice(args);
        bin()
            .args(&all)
            .env("NO_COLOR", "1")
            .current_dir(&self.dir)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let o = self.mcpstack(args);
        let (out, err) = text(&o);
        assert!(o.status.success(), "mcpstack {args:?}:\n{out}\n{err}");
        out
    }

    /// One `tools/call` of `echo` through the gateway with the official MCP Python SDK client.
    fn call(&self, path: &str) -> Result<Value, String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/live/gateway_client.py");
        let ca = self.tmp.path().join("caroot/rootCA.pem");
        let o = Command::new("python3")
            .args([
                script.to_str().unwrap(),
                "call",
                &format!("https://mcp.local:{HTTPS}"),
                ca.to_str().unwrap(),
                TOKEN,
                path,
                "streamable-http",
                "echo",
                r#"{"text": "through the swarm"}"#,
            ])
            .output()
            .expect("python3 with the mcp package");
        let (out, err) = text(&o);
        if !o.status.success() {
            return Err(err);
        }
        serde_json::from_str(out.trim()).map_err(|e| format!("{e}: {out}"))
    }

    /// `spread` of the client script in the background: `calls` sessions one after another,
    /// each calling `whoami`; failed calls are counted, not fatal.
    fn spread(&self, path: &str, calls: u32) -> std::process::Child {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/live/gateway_client.py");
        let ca = self.tmp.path().join("caroot/rootCA.pem");
        Command::new("python3")
            .args([
                script.to_str().unwrap(),
                "spread",
                &format!("https://mcp.local:{HTTPS}"),
                ca.to_str().unwrap(),
                TOKEN,
                path,
                &calls.to_string(),
                "tolerate",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("python3 with the mcp package")
    }

    fn running(&self, service: &str) -> usize {
        let rows: Value =
            serde_json::from_str(&self.ok(&["ps", "--target", "swarm", "--json"])).unwrap();
        rows.as_array()
            .unwrap()
            .iter()
            // A stateful server's replicas are services of their own (`stream-1`, …).
            .filter(|r| r["service"] == service || r["replica_of"] == service)
            .filter(|r| r["state"] == "running")
            .count()
    }
}

/// `mcp.local` resolves nowhere here: the client reaches the gateway on 127.0.0.1.
fn resolve_mcp_local() {
    let hosts = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
    assert!(
        hosts
            .lines()
            .any(|l| l.split_whitespace().skip(1).any(|h| h == "mcp.local")),
        "the live suite needs `127.0.0.1 mcp.local` in /etc/hosts (live_gateway's setup)"
    );
}

#[test]
fn a_stack_on_a_single_node_swarm_survives_a_killed_replica_and_down_leaves_nothing() {
    resolve_mcp_local();
    let state = docker(&["info", "-f", "{{.Swarm.LocalNodeState}}"]);
    assert_eq!(
        state.trim(),
        "inactive",
        "the live suite starts with the engine outside swarm mode (`docker swarm leave --force`)"
    );
    let registry = Registry::start();
    let p = Project::new(&registry.addr);
    // Outside swarm mode, `up --target swarm` says how to start one, and makes nothing.
    let o = p.mcpstack(&["up", "--target", "swarm", "--detach"]);
    assert_eq!(o.status.code(), Some(3), "{:?}", text(&o));
    assert!(text(&o).1.contains("docker swarm init"), "{:?}", text(&o));

    let _swarm = Swarm::init();

    let out = p.ok(&["up", "--target", "swarm", "--detach"]);
    assert!(out.contains("all 2 server(s) answer MCP"), "{out}");
    assert_eq!(p.running("pool"), 2);
    assert_eq!(p.running("stream"), 2);
    assert_eq!(p.running("gateway"), 1);
    // The gateway is published in host mode, the servers resolve to every replica.
    let gateway = docker(&["service", "inspect", &format!("{PROJECT}_gateway")]);
    assert!(gateway.contains("\"PublishMode\": \"host\""), "{gateway}");
    let pool = docker(&["service", "inspect", &format!("{PROJECT}_pool")]);
    assert!(pool.contains("\"Mode\": \"dnsrr\""), "{pool}");
    // The token is a swarm secret: in no service spec.
    assert!(!gateway.contains(TOKEN));
    // The servers run what was pushed to the registry, by content hash.
    for (server, service) in [
        ("pool", "pool"),
        ("stream", "stream-1"),
        ("stream", "stream-2"),
    ] {
        let image = docker(&[
            "service",
            "inspect",
            "-f",
            "{{.Spec.TaskTemplate.ContainerSpec.Image}}",
            &format!("{PROJECT}_{service}"),
        ]);
        let tags = registry.tags(&format!("team/{PROJECT}-{server}"));
        assert_eq!(tags.len(), 1, "{server}: {tags:?}");
        let want = format!("{}/team/{PROJECT}-{server}:{}", registry.addr, tags[0]);
        // The engine pins the tag to the digest it resolved: `<ref>@sha256:...`.
        assert!(
            image.trim().starts_with(&want),
            "{server}: {image} is not {want}"
        );
    }

    for path in ["/pool/", "/stream/"] {
        let r = p.call(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(r["text"], "through the swarm", "{r}");
        assert_eq!(r["is_error"], false);
    }

    // A second `up` changes nothing (pool, stream-1, stream-2, gateway).
    let again = p.ok(&["up", "--target", "swarm", "--detach", "--no-check"]);
    assert!(
        again.contains("0 service(s) created, 0 updated, 0 removed, 4 unchanged"),
        "{again}"
    );

    // Kill one replica's container: swarm replaces it, and calls keep succeeding meanwhile.
    let ids = docker(&[
        "ps",
        "-q",
        "--filter",
        NS,
        "--filter",
        &format!("label=com.docker.swarm.service.name={PROJECT}_pool"),
    ]);
    let victim = ids.lines().next().expect("a pool container").to_string();
    // Calls in the background across the kill, besides the ones below.
    let spread = p.spread("/pool/", 60);
    std::thread::sleep(Duration::from_secs(5));
    docker(&["kill", &victim]);
    let start = Instant::now();
    let mut calls = 0;
    let mut back = None;
    loop {
        for path in ["/pool/", "/stream/"] {
            let r = p.call(path).unwrap_or_else(|e| {
                panic!("{path} failed {:?} after the kill: {e}", start.elapsed())
            });
            assert_eq!(r["text"], "through the swarm", "{r}");
            calls += 1;
        }
        if back.is_none() && p.running("pool") == 2 {
            let ids = docker(&[
                "ps",
                "-q",
                "--filter",
                NS,
                "--filter",
                &format!("label=com.docker.swarm.service.name={PROJECT}_pool"),
            ]);
            if !ids.lines().any(|i| i == victim) && ids.lines().count() == 2 {
                back = Some(calls);
            }
        }
        // A few rounds more once the service is back, through the new replica's address too.
        if back.is_some_and(|b| calls >= b + 6) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(180),
            "pool did not return to 2 running replicas: {}",
            p.ok(&["ps", "--target", "swarm"])
        );
    }

    let spread = spread.wait_with_output().unwrap();
    let (out, err) = text(&spread);
    assert!(
        spread.status.success(),
        "a call across the kill failed:\n{err}"
    );
    let seen: Value = serde_json::from_str(out.trim()).unwrap();
    // At most the one call in flight on the killed replica fails: nothing is left to answer
    // it (POSTs are not retried on another replica once sent). Every other call succeeds.
    let failed = seen["failed"].as_array().unwrap();
    assert!(failed.len() <= 1, "calls across the kill failed: {seen}");
    let counts: Vec<u64> = seen["replicas"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert_eq!(
        counts.iter().sum::<u64>() + failed.len() as u64,
        60,
        "{seen}"
    );
    eprintln!(
        "after the kill: {calls} calls succeeded; pool was back to 2 replicas after call {} ({:?}); 60 background calls answered by {seen}",
        back.unwrap(),
        start.elapsed()
    );
    let ps = p.ok(&["ps", "--target", "swarm"]);
    assert!(
        ps.contains(&format!("{PROJECT}_pool.1")) && ps.contains(&format!("{PROJECT}_pool.2")),
        "{ps}"
    );
    assert!(ps.contains("*:28643->8443 (host)"), "{ps}");
    let logs = p.ok(&["logs", "--target", "swarm", "--tail", "50", "gateway"]);
    assert!(
        logs.lines()
            .any(|l| l.starts_with(&format!("{PROJECT}_gateway.1 | ")) && l.contains("/pool/")),
        "{logs}"
    );
    let check = p.mcpstack(&["check", "--target", "swarm"]);
    assert!(check.status.success(), "{:?}", text(&check));

    // A broken update of a server is rolled back: `up` says so with the server's own error,
    // and the previous version keeps answering.
    let cfg = p.dir.join("mcp-stack.yaml");
    let mut c: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
    c["servers"]["pool"]["command"] = serde_yaml::from_str("[node, missing.js]").unwrap();
    std::fs::write(&cfg, serde_yaml::to_string(&c).unwrap()).unwrap();
    let broken = p.mcpstack(&["up", "--target", "swarm", "--detach", "--no-check"]);
    let (out, err) = text(&broken);
    assert_eq!(broken.status.code(), Some(3), "{out}\n{err}");
    eprintln!("the broken update said:\n{err}");
    assert!(
        err.contains("rolled back: the previous version runs"),
        "{err}"
    );
    assert!(
        err.contains("missing.js"),
        "the server's own error is shown: {err}"
    );
    let r = p.call("/pool/").expect("the previous version answers");
    assert_eq!(r["text"], "through the swarm", "{r}");
    assert_eq!(p.running("pool"), 2);

    let down = p.ok(&["down", "--target", "swarm"]);
    assert!(
        down.contains("service mcpstackswarm_gateway  Removed"),
        "{down}"
    );
    for what in [
        &["service", "ls", "-q", "--filter", NS][..],
        &["network", "ls", "-q", "--filter", NS],
        &["secret", "ls", "-q", "--filter", NS],
        &["config", "ls", "-q", "--filter", NS],
        &["ps", "-aq", "--filter", NS],
    ] {
        assert_eq!(docker(what).trim(), "", "left after down: docker {what:?}");
    }
    // `check --target swarm` now says the stack is not there.
    let gone = p.mcpstack(&["check", "--target", "swarm"]);
    assert_eq!(gone.status.code(), Some(3));
    assert!(
        text(&gone).1.contains("mcpstack up --target swarm"),
        "{:?}",
        text(&gone)
    );
}
