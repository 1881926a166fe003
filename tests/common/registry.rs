//! A local registry for the live suite: Debian's `docker-registry` (the CNCF distribution
//! registry) on a free port of 127.0.0.1 (insecure by default for the engine), with its own
//! storage.

use super::{free_port, KillOnDrop};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The registry, stopped when dropped.
pub struct Registry {
    _proc: KillOnDrop,
    _data: tempfile::TempDir,
    pub addr: String,
}

impl Registry {
    pub fn start() -> Registry {
        let data = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = data.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
                data.path().join("storage").display()
            ),
        )
        .unwrap();
        let child = Command::new("docker-registry")
            .args(["serve", config.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "Debian's docker-registry is required by the live suite (.ci/setup installs it)",
            );
        let addr = format!("127.0.0.1:{port}");
        let start = Instant::now();
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the registry did not start"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        Registry {
            _proc: KillOnDrop(child),
            _data: data,
            addr,
        }
    }

    /// The tags the registry holds for `repo`, through its HTTP API.
    pub fn tags(&self, repo: &str) -> Vec<String> {
        let o = Command::new("curl")
            .args(["-sf", &format!("http://{}/v2/{repo}/tags/list", self.addr)])
            .output()
            .expect("curl");
        if !o.status.success() {
            return Vec::new();
        }
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["tags"]
            .as_array()
            .map(|t| t.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    }
}
