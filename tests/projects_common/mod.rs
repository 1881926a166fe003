#![allow(dead_code)]
//! The project fixtures in `tests/projects/`, each as one server of a config.

use std::path::{Path, PathBuf};

pub struct Case {
    /// Folder below `tests/projects/`.
    pub shape: &'static str,
    /// The build folder inside it (a workspace member), or "".
    pub member: &'static str,
    pub transport: &'static str,
    /// Empty: the config sets no `command` (the image's own is used).
    pub command: &'static [&'static str],
    pub read_only: bool,
}

pub const CASES: &[Case] = &[
    Case {
        shape: "py-uv-app",
        member: "",
        transport: "streamable-http",
        command: &["python", "server.py"],
        read_only: true,
    },
    Case {
        shape: "py-pyproject-only",
        member: "",
        transport: "stdio",
        command: &["python", "weather.py"],
        read_only: true,
    },
    Case {
        shape: "py-requirements",
        member: "",
        transport: "stdio",
        command: &["python", "server.py"],
        read_only: true,
    },
    Case {
        shape: "py-package",
        member: "",
        transport: "stdio",
        command: &["adder-server"],
        read_only: true,
    },
    Case {
        shape: "py-pinned",
        member: "",
        transport: "stdio",
        command: &["python", "server.py"],
        read_only: true,
    },
    Case {
        shape: "py-mcp2",
        member: "",
        transport: "stdio",
        command: &["python", "server.py"],
        read_only: true,
    },
    Case {
        shape: "py-writes-log",
        member: "",
        transport: "stdio",
        command: &["python", "server.py"],
        read_only: false,
    },
    Case {
        // Its own Dockerfile: the bridge starts the image's CMD (no `command`).
        shape: "own-dockerfile-stdio",
        member: "",
        transport: "stdio",
        command: &[],
        read_only: true,
    },
    Case {
        shape: "node-tsc",
        member: "",
        transport: "stdio",
        command: &["node", "build/index.js"],
        read_only: true,
    },
    Case {
        shape: "node-workspace",
        member: "packages/echo",
        transport: "stdio",
        command: &["node", "index.js"],
        read_only: true,
    },
];

pub fn projects() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/projects")
}

/// The server's name in the config: the shape without dashes' trouble.
pub fn server_name(case: &Case) -> String {
    case.shape.to_string()
}

/// Every fixture copied below `dir`, with a config that has one server per case.
pub fn workspace(dir: &Path) {
    for case in CASES {
        super::common::copy_tree(&projects().join(case.shape), &dir.join(case.shape));
    }
    let cases: Vec<&Case> = CASES.iter().collect();
    std::fs::write(
        dir.join("mcp-stack.yaml"),
        serde_yaml::to_string(&config(&cases)).unwrap(),
    )
    .unwrap();
}

/// A config with one server per case (`cases`), its build folders below `dir`.
pub fn config(cases: &[&Case]) -> serde_yaml::Value {
    let mut servers = serde_yaml::Mapping::new();
    for case in cases {
        let build = if case.member.is_empty() {
            format!("./{}", case.shape)
        } else {
            format!("./{}/{}", case.shape, case.member)
        };
        let mut s = serde_yaml::Mapping::new();
        s.insert("build".into(), build.into());
        s.insert("transport".into(), case.transport.into());
        if !case.command.is_empty() {
            s.insert(
                "command".into(),
                serde_yaml::Value::Sequence(case.command.iter().map(|c| (*c).into()).collect()),
            );
        }
        if !case.read_only {
            s.insert("read_only".into(), false.into());
        }
        servers.insert(server_name(case).into(), s.into());
    }
    let mut root = serde_yaml::Mapping::new();
    root.insert("version".into(), 1.into());
    root.insert("name".into(), "fixtures".into());
    root.insert("servers".into(), servers.into());
    serde_yaml::Value::Mapping(root)
}
