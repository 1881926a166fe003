//! The hostile corpus: every folder below `tests/hostile/` is one case (see its README).
//! Each case runs the built binary on a copy of its project and must give the exit status and
//! messages it names, never panic, and change nothing outside the project folder.

mod common;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    about: String,
    args: Vec<String>,
    exit: i32,
    #[serde(default)]
    stderr: Vec<String>,
    #[serde(default)]
    stderr_lacks: Vec<String>,
    config_name: Option<String>,
    generate: Option<String>,
    #[serde(default)]
    before: Vec<Vec<String>>,
    #[serde(default)]
    write: Vec<WriteFile>,
    #[serde(default)]
    link: Vec<Link>,
    #[serde(default)]
    file: Vec<FileCheck>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WriteFile {
    path: String,
    contents: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Link {
    path: String,
    target: String,
}

/// A check on a file in the project after the run.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileCheck {
    path: String,
    #[serde(default)]
    exists: Option<bool>,
    #[serde(default)]
    contains: Vec<String>,
    #[serde(default)]
    lacks: Vec<String>,
}

/// How long one command may run before the case counts as a hang. Not a timing assertion:
/// every case takes well under a second; this only stops a runaway process.
const HANG: Duration = Duration::from_secs(120);

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

#[test]
fn hostile_corpus() {
    let mut names: Vec<String> = std::fs::read_dir(corpus())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("case.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no cases in {}", corpus().display());
    // `HOSTILE_CASE=name` runs one case.
    if let Ok(only) = std::env::var("HOSTILE_CASE") {
        names.retain(|n| *n == only);
    }
    let mut failures = Vec::new();
    for name in &names {
        if let Err(why) = run_case(name) {
            failures.push(format!("--- {name}\n{why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} hostile cases failed:\n{}",
        failures.len(),
        names.len(),
        failures.join("\n")
    );
}

fn run_case(name: &str) -> Result<(), String> {
    let dir = corpus().join(name);
    let text = std::fs::read_to_string(dir.join("case.toml")).map_err(|e| e.to_string())?;
    let case: Case = toml::from_str(&text).map_err(|e| format!("case.toml: {e}"))?;
    if case.about.trim().is_empty() {
        return Err("case.toml: `about` is empty".into());
    }
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let project = tmp.path().join("project");
    let outside = tmp.path().join("outside");
    copy_case(&dir, &project, true);
    make_outside(&outside);

    let config_name = case.config_name.as_deref().unwrap_or("mcp-stack.yaml");
    let config = project.join(config_name);
    if config_name != "mcp-stack.yaml" && project.join("mcp-stack.yaml").is_file() {
        std::fs::rename(project.join("mcp-stack.yaml"), &config).map_err(|e| e.to_string())?;
    }
    if let Some(g) = &case.generate {
        let bytes = generate(g).ok_or_else(|| format!("unknown generator `{g}`"))?;
        std::fs::write(&config, bytes).map_err(|e| e.to_string())?;
    }
    let before_outside = snapshot(tmp.path(), &project);

    for cmd in &case.before {
        let (code, err) = run(cmd, &project, &config)?;
        if code != 0 {
            return Err(format!("before {cmd:?} exited {code}:\n{err}"));
        }
    }
    for w in &case.write {
        let path = project.join(&w.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&path, &w.contents).map_err(|e| format!("write {}: {e}", w.path))?;
    }
    for l in &case.link {
        let path = project.join(&l.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        let _ = std::fs::remove_file(&path);
        if path.is_dir() {
            let _ = std::fs::remove_dir_all(&path);
        }
        std::os::unix::fs::symlink(&l.target, &path)
            .map_err(|e| format!("link {}: {e}", l.path))?;
    }

    let (code, err) = run(&case.args, &project, &config)?;
    let mut problems = Vec::new();
    if code != case.exit {
        problems.push(format!("exit {code}, expected {}", case.exit));
    }
    if err.contains("panicked at") || code == 101 {
        problems.push("panicked".into());
    }
    for s in &case.stderr {
        if !err.contains(s.as_str()) {
            problems.push(format!("stderr lacks {s:?}"));
        }
    }
    for s in &case.stderr_lacks {
        if err.contains(s.as_str()) {
            problems.push(format!("stderr has {s:?}"));
        }
    }
    for f in &case.file {
        let path = project.join(&f.path);
        if let Some(want) = f.exists {
            if path.exists() != want {
                problems.push(format!("{} exists: {}, expected {want}", f.path, !want));
            }
        }
        if f.contains.is_empty() && f.lacks.is_empty() {
            continue;
        }
        let body = match std::fs::read(&path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                problems.push(format!("read {}: {e}", f.path));
                continue;
            }
        };
        for s in &f.contains {
            if !body.contains(s.as_str()) {
                problems.push(format!("{} lacks {s:?}", f.path));
            }
        }
        for s in &f.lacks {
            if body.contains(s.as_str()) {
                problems.push(format!("{} has {s:?}", f.path));
            }
        }
    }
    let after_outside = snapshot(tmp.path(), &project);
    if before_outside != after_outside {
        problems.push(format!(
            "changed outside the project: {:?}",
            diff(&before_outside, &after_outside)
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n  {}\nstderr:\n{}",
            case.about,
            problems.join("\n  "),
            tail(&err)
        ))
    }
}

/// Runs mcpstack with `args` and `--config <config>` in `project`; returns exit status and stderr.
fn run(args: &[String], project: &Path, config: &Path) -> Result<(i32, String), String> {
    let err_file = tempfile::NamedTempFile::new().map_err(|e| e.to_string())?;
    // `HOSTILE_BIN=<path>` runs the corpus against another build (e.g. an older main).
    let bin = std::env::var_os("HOSTILE_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_mcpstack")));
    let mut child = Command::new(bin)
        .args(args)
        .arg("--config")
        .arg(config)
        .current_dir(project)
        .env("NO_COLOR", "1")
        .env("MCPSTACK_CAROOT", common::test_caroot())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err_file.reopen().map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("spawn: {e}"))?;
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| e.to_string())? {
            break s;
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{args:?} hung (killed after {HANG:?})"));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let err =
        String::from_utf8_lossy(&std::fs::read(err_file.path()).unwrap_or_default()).into_owned();
    let code = match status.code() {
        Some(c) => c,
        None => return Err(format!("{args:?} killed by a signal:\n{}", tail(&err))),
    };
    if !(0..=3).contains(&code) {
        return Err(format!("{args:?} exited {code}:\n{}", tail(&err)));
    }
    Ok((code, err))
}

/// The last lines of `s`, each cut to 300 characters.
fn tail(s: &str) -> String {
    let lines: Vec<String> = s.lines().map(|l| l.chars().take(300).collect()).collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// Copies the case folder (all but case.toml), keeping symlinks as links.
fn copy_case(from: &Path, to: &Path, top: bool) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if top && name == "case.toml" {
            continue;
        }
        let target = to.join(&name);
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            let link = std::fs::read_link(entry.path()).unwrap();
            std::os::unix::fs::symlink(link, target).unwrap();
        } else if kind.is_dir() {
            copy_case(&entry.path(), &target, false);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The folder beside the project that nothing may touch.
fn make_outside(dir: &Path) {
    std::fs::create_dir_all(dir.join("victim")).unwrap();
    std::fs::write(dir.join("sentinel.txt"), "sentinel\n").unwrap();
    std::fs::write(dir.join("victim/file"), "victim file\n").unwrap();
    std::fs::write(dir.join("victim/.env"), "SECRET=outside\n").unwrap();
}

#[derive(Debug, PartialEq)]
enum Entry {
    Dir,
    File(Vec<u8>, u32),
    Link(PathBuf),
}

/// Everything below `root` except the project folder: path → entry.
fn snapshot(root: &Path, project: &Path) -> BTreeMap<PathBuf, Entry> {
    fn walk(dir: &Path, skip: &Path, out: &mut BTreeMap<PathBuf, Entry>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in rd.flatten() {
            let path = entry.path();
            if path == skip {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                out.insert(
                    path.clone(),
                    Entry::Link(std::fs::read_link(&path).unwrap()),
                );
            } else if meta.is_dir() {
                out.insert(path.clone(), Entry::Dir);
                walk(&path, skip, out);
            } else {
                use std::os::unix::fs::PermissionsExt;
                let bytes = std::fs::read(&path).unwrap_or_default();
                out.insert(path.clone(), Entry::File(bytes, meta.permissions().mode()));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, project, &mut out);
    out
}

fn diff(a: &BTreeMap<PathBuf, Entry>, b: &BTreeMap<PathBuf, Entry>) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in a {
        match b.get(k) {
            None => out.push(format!("removed {}", k.display())),
            Some(w) if w != v => out.push(format!("changed {}", k.display())),
            _ => {}
        }
    }
    for k in b.keys() {
        if !a.contains_key(k) {
            out.push(format!("added {}", k.display()));
        }
    }
    out
}

/// A valid start for generated configs.
const HEAD: &str = "version: 1\nname: demo\nservers:\n  main:\n    image: example/main:1\n    transport: streamable-http\n    port: 8000\n";

/// Large or binary configs made at run time, so the repository stays small.
fn generate(name: &str) -> Option<Vec<u8>> {
    let text = match name {
        // 100,000 nested flow sequences: must be refused quickly, not in quadratic time.
        "deep-flow" => format!("{HEAD}    command: {}\n", "[".repeat(100_000)),
        // 100,000 nested flow mappings.
        "deep-flow-map" => format!("{HEAD}    env: {}\n", "{a: ".repeat(100_000)),
        // 1,000 nested block mappings (2 MB of indentation would be too large; 1,000 levels is not).
        "deep-block" => {
            let mut s = format!("{HEAD}    env:\n");
            for i in 0..1_000 {
                s.push_str(&" ".repeat(6 + i));
                s.push_str("k:\n");
            }
            s
        }
        // A file larger than the size limit (a valid config followed by comments).
        "huge-file" => {
            let mut s = String::from(HEAD);
            let line = format!("# {}\n", "x".repeat(1020));
            while s.len() <= 2 << 20 {
                s.push_str(&line);
            }
            s
        }
        // An `output` value of one million characters: validate and render must agree.
        "long-output" => format!("{HEAD}output: ./{}\n", "a".repeat(1_000_000)),
        // A long single-component output path.
        "long-output-name" => format!("{HEAD}output: ./{}\n", "a".repeat(300)),
        // The "billion laughs": aliases expanding to 10^9 elements.
        "alias-bomb" => {
            let mut s = String::from("x-laughs:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
            for i in 1..10 {
                let prev = format!("*a{}", i - 1);
                let items = [prev.as_str(); 10].join(", ");
                s.push_str(&format!("  a{i}: &a{i} [{items}]\n"));
            }
            format!("{s}{HEAD}    command: *a9\n")
        }
        // Many aliases of a small anchor: fine in count, but past the alias limit.
        "many-aliases" => {
            let mut s = String::from(HEAD);
            s.push_str("    env:\n      A: &v hello\n");
            for i in 0..20_000 {
                s.push_str(&format!("      K{i}: *v\n"));
            }
            s
        }
        // UTF-16 with a byte-order mark.
        "utf16le" => {
            let mut b = vec![0xFF, 0xFE];
            for u in HEAD.encode_utf16() {
                b.extend_from_slice(&u.to_le_bytes());
            }
            return Some(b);
        }
        "utf16be" => {
            let mut b = vec![0xFE, 0xFF];
            for u in HEAD.encode_utf16() {
                b.extend_from_slice(&u.to_be_bytes());
            }
            return Some(b);
        }
        // Latin-1 bytes in a value.
        "latin1" => {
            let mut b = HEAD.as_bytes().to_vec();
            b.extend_from_slice(b"    env:\n      NAME: caf\xe9\n");
            return Some(b);
        }
        // Binary data: a pseudo-random byte stream (fixed seed).
        "binary" => {
            let mut x: u32 = 0x1234_5678;
            let b = (0..4096)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    (x >> 24) as u8
                })
                .collect();
            return Some(b);
        }
        // A NUL byte in the middle of the file.
        "nul-byte" => {
            let mut b = HEAD.as_bytes().to_vec();
            b.extend_from_slice(b"    env:\n      NAME: a\0b\n");
            return Some(b);
        }
        _ => return None,
    };
    Some(text.into_bytes())
}
