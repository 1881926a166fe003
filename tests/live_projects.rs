//! Real MCP server projects, as their authors publish or write them, from `mcpstack init --yes`
//! to a tool call with no edit: sdists and npm tarballs fetched from the package registries at
//! test time (exact versions, pinned in `PROJECTS`), and fixtures from `tests/projects/` for
//! shapes the registries do not ship as source. All of them go into one workspace folder:
//! `init --yes` → `validate` → `render` → `up --profile production` on the local test images →
//! the official MCP Python client's `tools/list` and one `tools/call` per server through
//! `https://mcp.local/<name>/`, trusting only the stack's CA. The config stays as `init`
//! wrote it but for `images.nginx` (see `pin_gateway_image`): the other images are the local
//! ones tagged under the upstream names the rendered files use.
//!
//! When the joint `up` fails, every project is run again alone, so each failure names its
//! project, its step and the server's last log lines. Built only with `--features live`.
#![cfg(feature = "live")]

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

/// Where a project comes from.
enum Source {
    /// An sdist: `pip download --no-deps --no-binary NAME NAME==VERSION`.
    Pypi(&'static str, &'static str),
    /// An npm tarball: `npm pack NAME@VERSION`.
    Npm(&'static str, &'static str),
    /// A folder under `tests/projects/`.
    Fixture(&'static str),
}

struct Project {
    /// The project's folder in the workspace (and so its server name).
    dir: &'static str,
    shape: &'static str,
    source: Source,
    /// The tool called, its JSON arguments, and text its result must contain.
    tool: &'static str,
    args: &'static str,
    expect: &'static str,
}

/// npm tarballs carry no lock file (npm leaves it out of every package); a user makes one, as
/// `init` says, with `npm install --package-lock-only`. Resolved as of this date, so the suite
/// builds the same dependency set every time.
const NPM_BEFORE: &str = "2026-12-01";

const PROJECTS: &[Project] = &[
    Project {
        dir: "time",
        shape: "reference server: uv package (uv_build/hatchling), console script, stdio, mcp 2.x, `.python-version` 3.10, ships its own Dockerfile",
        source: Source::Pypi("mcp-server-time", "2026.10.19"),
        tool: "get_current_time",
        args: r#"{"timezone": "UTC"}"#,
        expect: "UTC",
    },
    Project {
        dir: "calculator",
        shape: "community package: SDK 1.x FastMCP, console script calling `mcp.run()`, stdio, ships its own Dockerfile",
        source: Source::Pypi("mcp-server-calculator", "0.2.1"),
        tool: "calculate",
        args: r#"{"expression": "6*7"}"#,
        expect: "42",
    },
    Project {
        dir: "timeserver",
        shape: "community package: standalone FastMCP 3, setuptools, no lock file (pyproject only), `app.run()` stdio",
        source: Source::Pypi("mcp-simple-timeserver", "3.3.2"),
        tool: "get_local_time",
        args: "{}",
        expect: "",
    },
    Project {
        dir: "everything",
        shape: "npm package: compiled `dist/` only, `bin`, SDK v1, transport chosen by argv (stdio default), `prepare` runs tsc",
        source: Source::Npm("@modelcontextprotocol/server-everything", "2026.8.31"),
        tool: "echo",
        args: r#"{"message": "hello"}"#,
        expect: "hello",
    },
    Project {
        dir: "memory",
        shape: "npm package: `bin`, SDK v1, stdio, writes its memory file beside its own module",
        source: Source::Npm("@modelcontextprotocol/server-memory", "2026.8.31"),
        tool: "read_graph",
        args: "{}",
        expect: "entities",
    },
    Project {
        dir: "sequential-thinking",
        shape: "npm package: `bin`, SDK v1, stdio, dependencies beyond the SDK",
        source: Source::Npm(
            "@modelcontextprotocol/server-sequential-thinking",
            "2026.8.31",
        ),
        tool: "sequentialthinking",
        args: r#"{"thought": "one step", "nextThoughtNeeded": false, "thoughtNumber": 1, "totalThoughts": 1}"#,
        expect: "thoughtNumber",
    },
    Project {
        dir: "click-cli",
        shape: "fixture: package whose console script is a click command, `--transport` defaulting to stdio, `--port` 8931",
        source: Source::Fixture("click-cli"),
        tool: "add_note",
        args: r#"{"text": "hello"}"#,
        expect: "hello",
    },
    Project {
        dir: "typer-cli",
        shape: "fixture: `uv init` app (flat `main.py`), typer command line with `stdio` and `streamable-http` subcommands, no default",
        source: Source::Fixture("typer-cli"),
        tool: "reverse",
        args: r#"{"text": "stressed"}"#,
        expect: "desserts",
    },
    Project {
        dir: "fastmcp-no-run",
        shape: "fixture: `uv init` app, standalone FastMCP module with no `run()` (`fastmcp run server.py`)",
        source: Source::Fixture("fastmcp-no-run"),
        tool: "shout",
        args: r#"{"text": "hey"}"#,
        expect: "HEY!",
    },
    Project {
        dir: "lowlevel-http",
        shape: "fixture: low-level SDK server, streamable HTTP mounted at `/mcp` by Starlette (307 to `/mcp/`), uvicorn on 0.0.0.0:8000",
        source: Source::Fixture("lowlevel-http"),
        tool: "multiply",
        args: r#"{"a": 6, "b": 7}"#,
        expect: "42",
    },
    Project {
        dir: "ts-sdk-v2",
        shape: "fixture: TypeScript on the SDK v2 package `@modelcontextprotocol/server`, compiled by `tsc` into `build/`, stdio",
        source: Source::Fixture("ts-sdk-v2"),
        tool: "greet",
        args: r#"{"name": "Ada"}"#,
        expect: "Hello, Ada!",
    },
    Project {
        dir: "py-requirements",
        shape: "fixture: a requirements.txt app (no pyproject.toml), flat `server.py`, stdio",
        source: Source::Fixture("py-requirements"),
        tool: "add",
        args: r#"{"a": 2, "b": 3}"#,
        expect: "5",
    },
    Project {
        dir: "py-mcp2",
        shape: "fixture: a server on the Python SDK 2.x (`MCPServer`), locked, stdio: the bridge must not downgrade `mcp`",
        source: Source::Fixture("py-mcp2"),
        tool: "add",
        args: r#"{"a": 2, "b": 3}"#,
        expect: "5",
    },
    Project {
        dir: "node-tsc",
        shape: "fixture: TypeScript on the SDK v1 compiled by `tsc` (`scripts.build`, `bin` in `build/`), stdio",
        source: Source::Fixture("node-tsc"),
        tool: "add",
        args: r#"{"a": 2, "b": 3}"#,
        expect: "5",
    },
    Project {
        dir: "own-dockerfile-stdio",
        shape: "fixture: a stdio server with only its own Dockerfile (`docker run -i`), built as it is and bridged",
        source: Source::Fixture("own-dockerfile-stdio"),
        tool: "add",
        args: r#"{"a": 2, "b": 3}"#,
        expect: "5",
    },
];

/// One failed step of one project.
#[derive(Debug, Clone)]
struct Failure {
    step: &'static str,
    message: String,
}

fn ci_env() -> Vec<(String, String)> {
    // `. .ci/env` put the CI venv first on PATH; nothing else is needed here.
    vec![("NO_COLOR".into(), "1".into())]
}

fn run_in(cmd: &str, args: &[&str], cwd: &Path) -> Result<Output, String> {
    Command::new(cmd)
        .args(args)
        .current_dir(cwd)
        .envs(ci_env())
        .output()
        .map_err(|e| format!("`{cmd}` is required by the live suite: {e}"))
}

fn ok_in(cmd: &str, args: &[&str], cwd: &Path) -> Result<String, String> {
    let o = run_in(cmd, args, cwd)?;
    let (out, err) = text(&o);
    if o.status.success() {
        Ok(out + &err)
    } else {
        Err(format!(
            "`{cmd} {}` exited {}:\n{}{}",
            args.join(" "),
            o.status,
            tail(&out, 30),
            tail(&err, 30)
        ))
    }
}

fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].iter().map(|l| format!("  {l}\n")).collect()
}

/// Puts `p` into `dir` as its author published it.
fn fetch(p: &Project, downloads: &Path, dir: &Path) -> Result<(), String> {
    let dl = downloads.join("archives").join(p.dir);
    std::fs::create_dir_all(&dl).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let unpack = |archive: &Path| {
        ok_in(
            "tar",
            &[
                "-xzf",
                archive.to_str().unwrap(),
                "--strip-components=1",
                "-C",
                dir.to_str().unwrap(),
            ],
            &dl,
        )
    };
    let only_archive = |ext: &str| -> Result<PathBuf, String> {
        std::fs::read_dir(&dl)
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.to_string_lossy().ends_with(ext))
            .ok_or_else(|| format!("no {ext} in {}", dl.display()))
    };
    match p.source {
        Source::Pypi(name, version) => {
            // Only the project itself from source: build backends come as wheels.
            ok_in(
                "pip",
                &[
                    "download",
                    "-q",
                    "--no-deps",
                    "--no-binary",
                    name,
                    &format!("{name}=={version}"),
                    "-d",
                    dl.to_str().unwrap(),
                ],
                &dl,
            )?;
            unpack(&only_archive(".tar.gz")?)?;
            // Some sdists ship a uv.lock older than their own pyproject.toml: the image's
            // `uv sync --locked` then stops and names `uv lock`, which a user runs once. So does
            // the suite. (Not with `--exclude-newer`: uv records it in the lock, and a
            // `uv sync --locked` without it then calls the lock stale again.)
            if dir.join("uv.lock").is_file()
                && ok_in("uv", &["lock", "--check", "-q"], dir).is_err()
            {
                eprintln!("{}: the sdist's uv.lock is stale; running `uv lock`", p.dir);
                ok_in("uv", &["lock", "-q"], dir)?;
            }
        }
        Source::Npm(name, version) => {
            ok_in("npm", &["pack", "-q", &format!("{name}@{version}")], &dl)?;
            unpack(&only_archive(".tgz")?)?;
            ok_in(
                "npm",
                &[
                    "install",
                    "--package-lock-only",
                    "--ignore-scripts",
                    "--no-audit",
                    "--no-fund",
                    &format!("--before={NPM_BEFORE}"),
                ],
                dir,
            )?;
        }
        Source::Fixture(name) => {
            let from = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/projects")
                .join(name);
            copy_tree(&from, dir);
        }
    }
    Ok(())
}

/// A workspace with some projects, as one stack; taken down when dropped.
struct Stack {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    ca: PathBuf,
    name: String,
    aliases: Vec<String>,
    upped: bool,
}

impl Drop for Stack {
    fn drop(&mut self) {
        if self.upped {
            let _ = self.mcpstack(&["down", "--volumes", "--remove-images"]);
        }
        for a in &self.aliases {
            let _ = Command::new("docker").args(["rmi", a]).output();
        }
    }
}

impl Stack {
    fn mcpstack(&self, args: &[&str]) -> Result<String, String> {
        let mut all = vec!["--caroot", self.ca.to_str().unwrap()];
        all.extend_from_slice(args);
        ok_in(env!("CARGO_BIN_EXE_mcpstack"), &all, &self.root)
            .map_err(|e| e.replacen(env!("CARGO_BIN_EXE_mcpstack"), "mcpstack", 1))
    }

    /// The local test image to stand in for `reference`, an upstream image a rendered
    /// Dockerfile or the Compose file names (public images cannot be pulled here).
    fn local_for(reference: &str) -> Option<String> {
        let var = |v: &str, d: &str| std::env::var(v).unwrap_or_else(|_| d.to_string());
        let name = reference.rsplit('/').next().unwrap_or(reference);
        if reference.contains("astral-sh/uv") {
            if name.contains(":python") {
                return Some("mcpstack-test/uv-python:latest".into());
            }
            return Some(var("MCPSTACK_TEST_UV_IMAGE", "mcpstack-test/uv:latest"));
        }
        let repo = name.split(':').next().unwrap_or(name);
        match repo {
            "python" => Some(var(
                "MCPSTACK_TEST_PYTHON_IMAGE",
                "mcpstack-test/python:3.11",
            )),
            "node" => Some(var("MCPSTACK_TEST_NODE_IMAGE", "mcpstack-test/node:20")),
            "nginx" => Some(var("MCPSTACK_TEST_NGINX_IMAGE", "mcpstack-test/nginx:1.22")),
            _ => None,
        }
    }

    /// Tags the local test images under every upstream name the rendered files (and the
    /// projects' own Dockerfiles) use, so the config stays as `init` wrote it.
    fn alias_images(&mut self) -> Result<(), String> {
        let mut refs = Vec::new();
        let mut files = vec![self.root.join("deploy/compose.yaml")];
        for entry in walk(&self.root) {
            let n = entry.file_name().unwrap().to_string_lossy().into_owned();
            if n == "Dockerfile" || n.ends_with(".Dockerfile") {
                files.push(entry);
            }
        }
        for f in files {
            let body = std::fs::read_to_string(&f).unwrap_or_default();
            let mut stages = Vec::new();
            for line in body.lines() {
                let words: Vec<&str> = line.split_whitespace().collect();
                let image = match words.as_slice() {
                    [from, rest @ ..] if from.eq_ignore_ascii_case("FROM") => {
                        let image = rest.iter().find(|w| !w.starts_with("--"));
                        if let Some(i) = rest.iter().position(|w| w.eq_ignore_ascii_case("AS")) {
                            if let Some(s) = rest.get(i + 1) {
                                stages.push(s.to_lowercase());
                            }
                        }
                        image.map(|s| s.to_string())
                    }
                    ["image:", image] => Some(image.trim_matches('"').to_string()),
                    _ => None,
                };
                if let Some(i) = image {
                    if !i.contains('$') && !stages.contains(&i.to_lowercase()) {
                        refs.push(i);
                    }
                }
                // `COPY --from=IMAGE` names an image too.
                for w in &words {
                    if let Some(i) = w.strip_prefix("--from=") {
                        if i.contains(':') || i.contains('/') {
                            refs.push(i.to_string());
                        }
                    }
                }
            }
        }
        refs.sort();
        refs.dedup();
        for r in refs {
            if docker_has(&r) {
                continue;
            }
            let Some(local) = Self::local_for(&r) else {
                continue;
            };
            if local == "mcpstack-test/uv-python:latest" && !docker_has(&local) {
                build_uv_python()?;
                self.aliases.push(local.clone());
            }
            ok_in("docker", &["tag", &local, &r], &self.root)?;
            self.aliases.push(r);
        }
        Ok(())
    }

    /// The last log lines of `server`'s containers.
    fn logs(&self, server: &str) -> String {
        let o = Command::new("docker")
            .args([
                "ps",
                "-a",
                "-q",
                "--filter",
                &format!("label=com.docker.compose.project={}", self.name),
                "--filter",
                &format!("label=com.docker.compose.service={server}"),
            ])
            .output();
        let ids = o
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let mut out = String::new();
        for id in ids.split_whitespace() {
            if let Ok(o) = Command::new("docker")
                .args(["logs", "--tail", "25", id])
                .output()
            {
                let (a, b) = text(&o);
                out += &format!("  container {id}:\n{}{}", tail(&a, 25), tail(&b, 25));
            }
        }
        if out.is_empty() {
            out = "  (no container)\n".into();
        }
        out
    }
}

/// The suite's own gateway image: the local nginx with one label, so that whatever `down
/// --remove-images` removes is never the shared base image other suites use.
const GATEWAY_IMAGE: &str = "mcpstack-test/realprojects-nginx:1.22";

fn pin_gateway_image(root: &Path) -> Result<(), String> {
    let base = std::env::var("MCPSTACK_TEST_NGINX_IMAGE")
        .unwrap_or_else(|_| "mcpstack-test/nginx:1.22".into());
    docker_build(
        GATEWAY_IMAGE,
        &format!("FROM {base}\nLABEL org.mcpstack.test=realprojects\n"),
    )?;
    let cfg = root.join("mcp-stack.yaml");
    let mut c: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&cfg).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    c["images"]["nginx"] = GATEWAY_IMAGE.into();
    std::fs::write(&cfg, serde_yaml::to_string(&c).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())
}

fn gateway_healthy(ca: &Path) -> bool {
    Command::new("curl")
        .args(["-sf", "-o", "/dev/null", "--cacert", ca.to_str().unwrap()])
        .arg("https://mcp.local/health")
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// `down --remove-images` must leave the shared local base images alone.
fn assert_base_images_kept() {
    for (var, default) in [
        ("MCPSTACK_TEST_PYTHON_IMAGE", "mcpstack-test/python:3.11"),
        ("MCPSTACK_TEST_UV_IMAGE", "mcpstack-test/uv:latest"),
        ("MCPSTACK_TEST_NODE_IMAGE", "mcpstack-test/node:20"),
        ("MCPSTACK_TEST_NGINX_IMAGE", "mcpstack-test/nginx:1.22"),
    ] {
        let image = std::env::var(var).unwrap_or_else(|_| default.to_string());
        assert!(
            docker_has(&image),
            "`mcpstack down --remove-images` removed the base image {image}, which the project \
             did not build (run `bash .ci/images` to make it again)"
        );
    }
}

fn docker_has(image: &str) -> bool {
    Command::new("docker")
        .args(["image", "inspect", image])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// The upstream uv images with Python (`ghcr.io/astral-sh/uv:python3.12-...`), which projects'
/// own Dockerfiles build FROM: the local Python image with the local uv binaries.
fn build_uv_python() -> Result<(), String> {
    let py = std::env::var("MCPSTACK_TEST_PYTHON_IMAGE")
        .unwrap_or_else(|_| "mcpstack-test/python:3.11".into());
    let uv = std::env::var("MCPSTACK_TEST_UV_IMAGE")
        .unwrap_or_else(|_| "mcpstack-test/uv:latest".into());
    // The upstream image would download the interpreter a project pins (`.python-version`)
    // from outside the package registries, which this machine cannot reach: the stand-in
    // offers its own interpreter instead.
    docker_build(
        "mcpstack-test/uv-python:latest",
        &format!(
            "FROM {py}\nCOPY --from={uv} /uv /uvx /bin/\nENV UV_PYTHON=/usr/bin/python3 UV_PYTHON_DOWNLOADS=never\nRUN mkdir -p /root/.local\n"
        ),
    )
}

fn docker_build(tag: &str, dockerfile: &str) -> Result<(), String> {
    let mut child = Command::new("docker")
        .args(["build", "-q", "-t", tag, "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dockerfile.as_bytes())
        .map_err(|e| e.to_string())?;
    let o = child.wait_with_output().map_err(|e| e.to_string())?;
    if o.status.success() {
        Ok(())
    } else {
        Err(format!("building {tag}: {:?}", text(&o)))
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            let name = e.file_name();
            if name == "node_modules" || name == ".venv" {
                continue;
            }
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// The server `init` made of a project folder: (name, transport, path), from the config.
fn servers_by_folder(root: &Path) -> Result<BTreeMap<String, (String, String, String)>, String> {
    let cfg = std::fs::read_to_string(root.join("mcp-stack.yaml")).map_err(|e| e.to_string())?;
    let c: serde_yaml::Value = serde_yaml::from_str(&cfg).map_err(|e| e.to_string())?;
    let mut out = BTreeMap::new();
    if let Some(servers) = c["servers"].as_mapping() {
        for (name, s) in servers {
            let name = name.as_str().unwrap_or_default().to_string();
            let build = s["build"].as_str().unwrap_or_default();
            let folder = build
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_string();
            let transport = s["transport"]
                .as_str()
                .unwrap_or("streamable-http")
                .to_string();
            let path = s["path"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| format!("/{name}/"));
            out.insert(folder, (name, transport, path));
        }
    }
    Ok(out)
}

/// Runs `projects` as one stack named `name`; the outcome of each project.
fn run_stack(
    name: &str,
    projects: &[&Project],
    downloads: &Path,
    fetched: &BTreeMap<&'static str, Result<(), String>>,
    timings: &mut Vec<(String, f64)>,
) -> BTreeMap<&'static str, Result<String, Failure>> {
    let mut results: BTreeMap<&'static str, Result<String, Failure>> = BTreeMap::new();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join(name);
    std::fs::create_dir_all(&root).unwrap();
    let ca = tmp.path().join("caroot");
    let mut stack = Stack {
        _tmp: tmp,
        root: root.clone(),
        ca,
        name: name.to_string(),
        aliases: Vec::new(),
        upped: false,
    };
    let fail_all = |results: &mut BTreeMap<_, _>, step, message: String| {
        for p in projects {
            results.entry(p.dir).or_insert_with(|| {
                Err(Failure {
                    step,
                    message: message.clone(),
                })
            });
        }
    };
    let timed = |timings: &mut Vec<(String, f64)>, what: &str, start: Instant| {
        timings.push((format!("{name}: {what}"), start.elapsed().as_secs_f64()));
    };

    for p in projects {
        match fetched.get(p.dir) {
            Some(Ok(())) => copy_tree(&downloads.join("projects").join(p.dir), &root.join(p.dir)),
            Some(Err(e)) => {
                results.insert(
                    p.dir,
                    Err(Failure {
                        step: "fetch",
                        message: e.clone(),
                    }),
                );
            }
            None => unreachable!("every project is fetched first"),
        }
    }

    let start = Instant::now();
    let init = match stack.mcpstack(&["init", "--yes"]) {
        Ok(out) => out,
        Err(e) => {
            fail_all(&mut results, "init", e);
            return results;
        }
    };
    timed(timings, "init", start);
    let servers = match servers_by_folder(&root) {
        Ok(s) => s,
        Err(e) => {
            fail_all(&mut results, "init", format!("reading mcp-stack.yaml: {e}"));
            return results;
        }
    };
    for p in projects {
        if results.contains_key(p.dir) {
            continue;
        }
        if !servers.contains_key(p.dir) {
            let said: String = init
                .lines()
                .filter(|l| l.contains(p.dir))
                .map(|l| format!("  {l}\n"))
                .collect();
            results.insert(
                p.dir,
                Err(Failure {
                    step: "init",
                    message: format!(
                        "`init --yes` offered no server for ./{}; what it said about it:\n{}",
                        p.dir,
                        if said.is_empty() {
                            "  (nothing)\n".into()
                        } else {
                            said
                        }
                    ),
                }),
            );
        }
    }
    // The one edit: the gateway image. The rendered nginx.conf suits the nginx version of
    // `images.nginx` (default 1.27, whose features 1.22 lacks), and the only nginx here is the
    // local 1.22 image, so the config names it and the gateway is rendered for it.
    if let Err(e) = pin_gateway_image(&root) {
        fail_all(&mut results, "init", e);
        return results;
    }
    if let Err(e) = stack.mcpstack(&["validate"]) {
        fail_all(&mut results, "validate", e);
        return results;
    }
    if let Err(e) = stack.mcpstack(&["render"]) {
        fail_all(&mut results, "render", e);
        return results;
    }
    if let Err(e) = stack.alias_images() {
        fail_all(&mut results, "local images", e);
        return results;
    }

    let start = Instant::now();
    stack.upped = true;
    let up = stack.mcpstack(&["up", "--profile", "production", "--detach", "--no-check"]);
    timed(timings, "up", start);
    if let Err(e) = up {
        let mut message = e;
        for p in projects {
            if let Some((server, _, _)) = servers.get(p.dir) {
                message += &format!("last log lines of {server}:\n{}", stack.logs(server));
            }
        }
        fail_all(&mut results, "up", message);
        return results;
    }

    // The gateway answers /health once nginx runs.
    let ca_file = stack.ca.join("rootCA.pem");
    let start = Instant::now();
    while !gateway_healthy(&ca_file) {
        if start.elapsed().as_secs() > 120 {
            let message = format!(
                "https://mcp.local/health never answered 200\nlast log lines of gateway:\n{}",
                stack.logs("gateway")
            );
            fail_all(&mut results, "gateway", message);
            return results;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }

    // tools/list and one tools/call per server, all at once.
    let start = Instant::now();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/live/gateway_client.py");
    let calls: Vec<(&Project, String, Result<serde_json::Value, String>)> =
        std::thread::scope(|s| {
            let handles: Vec<_> = projects
                .iter()
                .filter(|p| !results.contains_key(p.dir))
                .map(|p| {
                    let (server, transport, path) = servers[p.dir].clone();
                    let (script, ca_file) = (&script, &ca_file);
                    s.spawn(move || {
                        let o = Command::new("python3")
                            .args([
                                script.to_str().unwrap(),
                                "call",
                                "https://mcp.local",
                                ca_file.to_str().unwrap(),
                                "",
                                &path,
                                &transport,
                                p.tool,
                                p.args,
                            ])
                            .output();
                        let r = match o {
                            Err(e) => Err(format!("python3 with the mcp package: {e}")),
                            Ok(o) if !o.status.success() => {
                                let (a, b) = text(&o);
                                Err(format!(
                                    "the MCP client failed on https://mcp.local{path}:\n{}{}",
                                    tail(&a, 10),
                                    tail(&b, 15)
                                ))
                            }
                            Ok(o) => serde_json::from_slice(&o.stdout)
                                .map_err(|e| format!("client output: {e}: {:?}", text(&o))),
                        };
                        (*p, server, r)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
    timed(timings, "clients", start);
    for (p, server, r) in calls {
        let outcome = match r {
            Err(e) => Err(Failure {
                step: "tools/list",
                message: format!(
                    "{e}last log lines of {server}:\n{}last log lines of gateway:\n{}",
                    stack.logs(&server),
                    stack.logs("gateway")
                ),
            }),
            Ok(v) => {
                let tools: Vec<String> = v["tools"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|t| t.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let text = v["text"].as_str().unwrap_or_default();
                if !tools.iter().any(|t| t == p.tool) {
                    Err(Failure {
                        step: "tools/list",
                        message: format!("no tool {} among {tools:?}", p.tool),
                    })
                } else if v["is_error"] == true || !text.contains(p.expect) {
                    Err(Failure {
                        step: "tools/call",
                        message: format!(
                            "{}({}) answered (is_error: {}) {text:?}, expected it to contain {:?}\nlast log lines of {server}:\n{}",
                            p.tool,
                            p.args,
                            v["is_error"],
                            p.expect,
                            stack.logs(&server)
                        ),
                    })
                } else {
                    Ok(format!(
                        "{} tool(s); {} → {}",
                        tools.len(),
                        p.tool,
                        text.chars().take(60).collect::<String>().replace('\n', " ")
                    ))
                }
            }
        };
        results.insert(p.dir, outcome);
    }
    // What `mcpstack check` says of the same stack, for the record.
    match stack.mcpstack(&["check"]) {
        Ok(out) | Err(out) => eprintln!("[{name}] mcpstack check:\n{}", tail(&out, 40)),
    }
    let start = Instant::now();
    drop(stack);
    timed(timings, "down", start);
    assert_base_images_kept();
    results
}

#[test]
fn real_projects_go_from_init_to_a_tool_call_untouched() {
    let shapes: std::collections::BTreeSet<&str> = PROJECTS.iter().map(|p| p.shape).collect();
    assert!(
        PROJECTS.len() >= 12 && shapes.len() >= 8,
        "the suite proves at least 12 projects of 8 shapes"
    );
    let started = Instant::now();
    let downloads = tempfile::tempdir().unwrap();
    let mut timings = Vec::new();

    // Every project fetched once, in parallel.
    let start = Instant::now();
    let fetched: BTreeMap<&'static str, Result<(), String>> = std::thread::scope(|s| {
        let handles: Vec<_> = PROJECTS
            .iter()
            .map(|p| {
                let dir = downloads.path().join("projects").join(p.dir);
                let downloads = downloads.path();
                s.spawn(move || (p.dir, fetch(p, downloads, &dir)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    timings.push((
        "fetch (all, in parallel)".to_string(),
        start.elapsed().as_secs_f64(),
    ));

    let all: Vec<&Project> = PROJECTS.iter().collect();
    let mut results = run_stack(
        "realprojects",
        &all,
        downloads.path(),
        &fetched,
        &mut timings,
    );

    // A joint `up` that failed says little about each project: run each one alone.
    if results
        .values()
        .any(|r| matches!(r, Err(f) if f.step == "up"))
    {
        let joint = results
            .values()
            .find_map(|r| r.as_ref().err().filter(|f| f.step == "up"))
            .map(|f| f.message.clone())
            .unwrap_or_default();
        let head: String = joint.lines().take(30).collect::<Vec<_>>().join("\n");
        eprintln!("the joint up failed:\n{head}");
        eprintln!("running every project alone to tell which fail and why");
        for p in PROJECTS {
            if matches!(results.get(p.dir), Some(Err(f)) if f.step == "up") {
                let alone = run_stack(
                    &format!("rp-{}", p.dir),
                    &[p],
                    downloads.path(),
                    &fetched,
                    &mut timings,
                );
                results.insert(p.dir, alone.into_values().next().unwrap());
            }
        }
    }

    let _ = Command::new("docker").args(["rmi", GATEWAY_IMAGE]).output();

    let mut report = String::from("\nreal projects:\n");
    let mut failures = 0;
    for p in PROJECTS {
        match &results[p.dir] {
            Ok(s) => report += &format!("  ok    {:<20} {s}\n", p.dir),
            Err(f) => {
                failures += 1;
                report += &format!("  FAIL  {:<20} at {}\n", p.dir, f.step);
            }
        }
    }
    for p in PROJECTS {
        if let Err(f) = &results[p.dir] {
            report += &format!(
                "\n--- {} ({}) failed at `{}`:\n{}\n",
                p.dir, p.shape, f.step, f.message
            );
        }
    }
    report += "\ntimings:\n";
    for (what, secs) in &timings {
        report += &format!("  {what:<40} {secs:>7.1} s\n");
    }
    report += &format!("  total {:.1} s\n", started.elapsed().as_secs_f64());
    eprintln!("{report}");
    assert_eq!(
        failures,
        0,
        "{failures} of {} real projects failed (details above)",
        PROJECTS.len()
    );
}
