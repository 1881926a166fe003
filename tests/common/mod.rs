#![allow(dead_code)]
//! Helpers shared by the integration tests.

pub mod registry;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mcpstack"))
}

/// mcpstack with `args` in `cwd`, with the local CA kept in a test folder (never the user's).
pub fn command(args: &[&str], cwd: &Path) -> Command {
    let mut c = bin();
    c.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("MCPSTACK_CAROOT", test_caroot());
    c
}

/// Runs mcpstack in `cwd` (see `command`).
pub fn run(args: &[&str], cwd: &Path) -> Output {
    command(args, cwd).output().expect("run mcpstack")
}

/// One CA for the whole test run, in the target folder.
pub fn test_caroot() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("caroot")
}

pub fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Copies a folder tree, leaving out rendered output and local environments.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if ["deploy", ".venv", "node_modules", "__pycache__"].contains(&name.as_ref()) {
            continue;
        }
        let target = to.join(&*name);
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A copy of example `name` in a fresh temporary folder.
pub fn example_copy(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    copy_tree(&examples().join(name), &dir);
    (tmp, dir)
}

/// The generated files below `dir`: certificates and `.env` are the user's secrets, not renders.
pub fn read_generated(dir: &Path) -> Vec<(String, Vec<u8>)> {
    read_tree(dir)
        .into_iter()
        .filter(|(p, _)| !p.starts_with("certs/") && p != ".env")
        .collect()
}

/// Every file below `dir`, path → bytes, sorted.
pub fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

/// Runs a real tool; one that is not installed fails the test (the real-tool suite never skips).
pub fn tool(cmd: &str, args: &[&str], cwd: &Path) -> Output {
    Command::new(cmd)
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| panic!("`{cmd}` is required by the real-tool suite: {e}"))
}

/// Points a config's `images:` at the local test images `.ci/images` makes (public images
/// cannot be pulled there). `keys` picks which images to pin.
pub fn pin_test_images(config: &mut serde_yaml::Value, keys: &[&str]) {
    let all = [
        (
            "python",
            "MCPSTACK_TEST_PYTHON_IMAGE",
            "mcpstack-test/python:3.11",
        ),
        ("uv", "MCPSTACK_TEST_UV_IMAGE", "mcpstack-test/uv:latest"),
        ("node", "MCPSTACK_TEST_NODE_IMAGE", "mcpstack-test/node:20"),
        (
            "nginx",
            "MCPSTACK_TEST_NGINX_IMAGE",
            "mcpstack-test/nginx:1.22",
        ),
        (
            "prometheus",
            "MCPSTACK_TEST_PROMETHEUS_IMAGE",
            "mcpstack-test/prometheus:2.42",
        ),
        (
            "blackbox_exporter",
            "MCPSTACK_TEST_BLACKBOX_IMAGE",
            "mcpstack-test/blackbox-exporter:0.23",
        ),
        (
            "nginx_exporter",
            "MCPSTACK_TEST_NGINX_EXPORTER_IMAGE",
            "mcpstack-test/nginx-exporter:0.11",
        ),
    ];
    let mut images = serde_yaml::Mapping::new();
    for (key, var, default) in all.iter().filter(|(k, _, _)| keys.contains(k)) {
        let image = std::env::var(var).unwrap_or_else(|_| default.to_string());
        images.insert((*key).into(), image.into());
    }
    config["images"] = serde_yaml::Value::Mapping(images);
}

/// An `.env` with a placeholder for every variable `.env.example` lists.
pub fn write_env(deploy: &Path) {
    let example = std::fs::read_to_string(deploy.join(".env.example")).unwrap();
    let env: String = example
        .lines()
        .filter(|l| !l.starts_with('#') && l.contains('='))
        .map(|l| {
            if l.ends_with('=') {
                format!("{l}placeholder\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(deploy.join(".env"), env).unwrap();
}

/// A child process, killed and reaped when dropped.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A TCP port on 127.0.0.1 that is free right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running nginx, stopped as its master expects (SIGTERM) when dropped: SIGKILL would end
/// the master alone and leave its workers running, holding their ports and inherited files.
pub struct Nginx(std::process::Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the pid of a child this guard owns and has not reaped.
        unsafe {
            libc::kill(self.0.id() as libc::pid_t, libc::SIGTERM);
        }
        for _ in 0..100 {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the real nginx on `conf` in the foreground; returns once it accepts on `port`.
pub async fn start_nginx(conf: &Path, prefix: &Path, port: u16) -> Nginx {
    let mut child = std::process::Command::new("nginx")
        .arg("-c")
        .arg(conf)
        .arg("-p")
        .arg(prefix)
        .args(["-g", "daemon off;"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("nginx");
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Nginx(child);
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("nginx did not start");
}
