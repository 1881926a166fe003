//! `mcpstack push` against a real registry: Debian's `docker-registry` (the CNCF distribution
//! registry) started on a free port with its own storage. The images are tagged by content
//! hash, land in the registry, and the pushed image, pulled back, runs and gets healthy.
//! Built only with `--features live`; run it holding `/tmp/mcpstack-live.lock`.
#![cfg(feature = "live")]

mod common;
use common::registry::Registry;
use common::*;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const PROJECT: &str = "mcpstackpush";

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .output()
        .expect("docker is required by the live suite")
}

struct Project {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = self.mcpstack(&["down", "--remove-images"]);
    }
}

impl Project {
    fn new(registry: &str) -> Project {
        let (tmp, dir) = example_copy("spike");
        let cfg = dir.join("mcp-stack.yaml");
        let mut c: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(&cfg).unwrap()).unwrap();
        c["name"] = PROJECT.into();
        c["registry"] = format!("{registry}/team").into();
        pin_test_images(&mut c, &["python", "uv", "nginx"]);
        std::fs::write(&cfg, serde_yaml::to_string(&c).unwrap()).unwrap();
        Project { _tmp: tmp, dir }
    }

    fn mcpstack(&self, args: &[&str]) -> Output {
        let ca = self._tmp.path().join("caroot");
        let mut all = vec!["--caroot", ca.to_str().unwrap()];
        all.extend_from_slice(args);
        bin()
            .args(&all)
            .env("NO_COLOR", "1")
            .current_dir(&self.dir)
            .output()
            .unwrap()
    }

    /// `push`, returning the reference it reports for `main`.
    fn push(&self) -> String {
        let o = self.mcpstack(&["push"]);
        let (out, err) = text(&o);
        assert!(o.status.success(), "push failed:\n{out}\n{err}");
        out.lines()
            .find_map(|l| l.strip_prefix("main: "))
            .unwrap_or_else(|| panic!("push names no image for main:\n{out}"))
            .trim()
            .to_string()
    }
}

fn wait_healthy(container: &str) {
    let start = Instant::now();
    loop {
        let o = docker(&["inspect", "-f", "{{.State.Health.Status}}", container]);
        let status = String::from_utf8_lossy(&o.stdout).trim().to_string();
        if status == "healthy" {
            return;
        }
        if start.elapsed() > Duration::from_secs(240) {
            let logs = docker(&["logs", "--tail", "30", container]);
            panic!(
                "the pulled image did not get healthy ({status}):\n{}",
                String::from_utf8_lossy(&logs.stderr)
            );
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}

#[test]
fn push_tags_by_content_hash_and_the_pushed_image_runs() {
    let registry = Registry::start();
    let p = Project::new(&registry.addr);
    let repo = format!("team/{PROJECT}-main");

    // With a Kubernetes base rendered, `push` leaves the overlay that runs what it pushed.
    let o = p.mcpstack(&["render", "--target", "kubernetes"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let first = p.push();
    let overlay = p.dir.join("deploy/k8s-pushed");
    let built = std::process::Command::new("kubectl")
        .args(["kustomize"])
        .arg(&overlay)
        .output()
        .expect("kubectl (.ci/setup)");
    let (manifests, err) = text(&built);
    assert!(
        built.status.success(),
        "kubectl kustomize {overlay:?}: {err}"
    );
    assert!(
        manifests.contains(&format!("image: {first}")),
        "the overlay does not run {first}:\n{manifests}"
    );
    assert!(
        !manifests.contains(&format!("image: {PROJECT}-main:")),
        "{manifests}"
    );
    let (name, tag) = first.rsplit_once(':').unwrap();
    assert_eq!(name, format!("{}/{repo}", registry.addr));
    assert_eq!(tag.len(), 12, "{first}");
    assert!(tag.bytes().all(|b| b.is_ascii_hexdigit()), "{first}");
    assert_eq!(registry.tags(&repo), [tag.to_string()]);

    // Nothing changed: the same tag, nothing new in the registry.
    assert_eq!(p.push(), first);
    assert_eq!(registry.tags(&repo), [tag.to_string()]);

    // A changed source is a new image with a new tag; the old one stays where it was.
    let server = p.dir.join("servers/main/src/main_server/__main__.py");
    let mut text_of = std::fs::read_to_string(&server).unwrap();
    text_of.push_str("\n# changed by live_push\n");
    std::fs::write(&server, text_of).unwrap();
    let second = p.push();
    assert_ne!(second, first);
    let mut tags = registry.tags(&repo);
    tags.sort();
    let mut want = vec![
        tag.to_string(),
        second.rsplit_once(':').unwrap().1.to_string(),
    ];
    want.sort();
    assert_eq!(tags, want);

    // The pushed image, removed here and pulled back from the registry, runs and gets healthy
    // (its health check is an MCP handshake).
    assert!(docker(&["rmi", &second]).status.success());
    let pull = docker(&["pull", &second]);
    assert!(
        pull.status.success(),
        "{}",
        String::from_utf8_lossy(&pull.stderr)
    );
    let cname = format!("{PROJECT}-pulled");
    let _ = docker(&["rm", "-f", &cname]);
    let run = docker(&["run", "-d", "--name", &cname, &second]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let guard = scopeguard(cname.clone());
    wait_healthy(&cname);
    drop(guard);
}

/// Removes the container when dropped.
fn scopeguard(name: String) -> impl Drop {
    struct Rm(String);
    impl Drop for Rm {
        fn drop(&mut self) {
            let _ = docker(&["rm", "-f", &self.0]);
        }
    }
    Rm(name)
}

#[test]
fn push_to_a_registry_that_is_not_there_says_so() {
    let port = free_port();
    let p = Project::new(&format!("127.0.0.1:{port}"));
    let o = p.mcpstack(&["push"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(3), "{out}\n{err}");
    assert!(
        err.contains(&format!("is the registry running at 127.0.0.1:{port}")),
        "{err}"
    );
}
