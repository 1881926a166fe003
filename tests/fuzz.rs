//! Bounded mutation fuzz of the loader and of load→render, on stable Rust.
//!
//! `cargo test --features fuzz --test fuzz` (CI runs it). Mutations of the examples and of the
//! hostile corpus (`FUZZ_CASES`, default 10,000; `FUZZ_SEED` changes the sequence) go through
//! `Project::load` and `render` in-process; every 25th also runs the built binary's `render` in
//! a project folder. Asserted: no panic, no hang (a generous per-case bound), exit statuses 0
//! to 3 only, nothing written outside the project. A failing input is saved under
//! `target/fuzz-found/` with a `case.toml`, ready to become a case in `tests/hostile/`.
#![cfg(feature = "fuzz")]

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// Not a timing assertion: a case takes milliseconds; this only tells a hang from slowness.
const HANG: Duration = Duration::from_secs(20);

/// xorshift64*: deterministic, so a failure can be replayed with the same seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Tokens that mean something to YAML, to mcpstack or to the formats it writes.
const TOKENS: &[&str] = &[
    ":",
    ": ",
    "- ",
    "\n",
    "  ",
    "    ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "!!str ",
    "!x ",
    "'",
    "\"",
    "$",
    "${X}",
    "$$",
    "..",
    "../",
    "/",
    "//",
    "0",
    "-1",
    "4294967296",
    "1e-300",
    "0x1F",
    "é",
    "\t",
    "~",
    "null",
    "yes",
    "off",
    "<<: ",
    "---\n",
    "%YAML 1.1\n",
    "#",
    "|\n",
    ">-\n",
    "?",
    "@",
    "`",
    ";",
    "\\",
    "\u{0}",
    "\r\n",
    "\u{feff}",
    "/.well-known/",
    "*.",
    "127.0.0.1",
    "::1",
    "9999999999999999999999",
    "1.27.3",
    "secrets: [A]\n",
    "env: {A: b}\n",
    "depends_on: [x]\n",
    "replicas: 0\n",
    "path: /\n",
    "build: ../\n",
    "output: ./.\n",
    "volumes: [\"./:/host\"]\n",
    "image: ''\n",
    "supergateway: é\n",
];

fn mutate(rng: &mut Rng, seeds: &[Vec<u8>], input: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(b.len() + 1);
        match rng.below(9) {
            // Flip a byte.
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] ^= 1 << rng.below(8);
            }
            // Insert a token.
            1..=3 => {
                let t = rng.pick(TOKENS).as_bytes();
                b.splice(at..at, t.iter().copied());
            }
            // Delete a range.
            4 if !b.is_empty() => {
                let end = (at + 1 + rng.below(16)).min(b.len());
                let start = at.min(end.saturating_sub(1));
                b.drain(start..end);
            }
            // Duplicate a line (duplicate keys, repeated items).
            5 => {
                let lines: Vec<&[u8]> = b.split_inclusive(|c| *c == b'\n').collect();
                if !lines.is_empty() {
                    let line = lines[rng.below(lines.len())].to_vec();
                    b.splice(at..at, line);
                }
            }
            // Splice a line from another seed.
            6 => {
                let other = rng.pick(seeds);
                let lines: Vec<&[u8]> = other.split_inclusive(|c| *c == b'\n').collect();
                if !lines.is_empty() {
                    let line = lines[rng.below(lines.len())].to_vec();
                    let start = b[..at]
                        .iter()
                        .rposition(|c| *c == b'\n')
                        .map_or(0, |i| i + 1);
                    b.splice(start..start, line);
                }
            }
            // Change a line's indentation.
            7 => {
                let start = b[..at]
                    .iter()
                    .rposition(|c| *c == b'\n')
                    .map_or(0, |i| i + 1);
                if rng.below(2) == 0 {
                    b.splice(start..start, *b"  ");
                } else if b[start..].starts_with(b"  ") {
                    b.drain(start..start + 2);
                }
            }
            // Repeat a chunk (long values, deep nesting).
            _ => {
                let t = rng.pick(&["[", "{a: ", "a", "- ", "x.", "&a [*a, *a] "]);
                let n = 1 + rng.below(200);
                let chunk = t.repeat(n).into_bytes();
                b.splice(at..at, chunk);
            }
        }
    }
    b
}

/// The example folders and the corpus's configs, copied once into `base`.
fn seeds(base: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for name in ["gateway", "spike", "todo"] {
        let dir = base.join(name);
        copy_plain(&examples().join(name), &dir);
        out.push((
            dir.clone(),
            std::fs::read(dir.join("mcp-stack.yaml")).unwrap(),
        ));
    }
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile");
    let mut cases: Vec<_> = std::fs::read_dir(corpus).unwrap().flatten().collect();
    cases.sort_by_key(|e| e.file_name());
    for e in cases {
        let file = e.path().join("mcp-stack.yaml");
        let is_file = std::fs::symlink_metadata(&file).is_ok_and(|m| m.is_file());
        if is_file {
            let dir = base.join(e.file_name());
            copy_plain(&e.path(), &dir);
            out.push((dir, std::fs::read(&file).unwrap()));
        }
    }
    out
}

/// Copies regular files and folders, leaving out links (a case may link to /dev/zero) and
/// rendered output.
fn copy_plain(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let kind = entry.file_type().unwrap();
        let name = entry.file_name();
        if name == "deploy" || name == ".venv" || name == "node_modules" {
            continue;
        }
        if kind.is_dir() {
            copy_plain(&entry.path(), &to.join(&name));
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

/// Saves a failing input as a ready-to-edit hostile case and returns where.
fn save(input: &[u8], why: &str) -> PathBuf {
    let hash = &mcpstack::output::sha256(input)[..12];
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("fuzz-found")
        .join(format!("fuzz-{hash}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("mcp-stack.yaml"), input).unwrap();
    let about = why.lines().next().unwrap_or("").replace(['"', '\\'], "'");
    std::fs::write(
        dir.join("case.toml"),
        format!("about = \"found by the fuzz test: {about}\"\nargs = [\"render\"]\nexit = 2\nstderr = []\n"),
    )
    .unwrap();
    dir
}

/// Loads and renders `file` in-process; returns the exit status the CLI would give.
fn load_and_render(file: &Path) -> i32 {
    match mcpstack::pipeline::Project::load(file).and_then(|p| p.render()) {
        Ok(_) => 0,
        Err(e) => e.exit_code(),
    }
}

#[test]
fn fuzz_loader_and_render() {
    let cases: usize = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let seed: u64 = std::env::var("FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED_CAFE);
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("seeds");
    let seeds = seeds(&base);
    let bytes: Vec<Vec<u8>> = seeds.iter().map(|(_, b)| b.clone()).collect();
    // Quiet panics: a panic is reported below with its input.
    std::panic::set_hook(Box::new(|_| {}));

    // One worker runs the in-process cases, so a hang can be told from a slow case.
    let (jobs, job_rx) = mpsc::channel::<PathBuf>();
    let (done, results) = mpsc::channel::<Result<i32, String>>();
    std::thread::spawn(move || {
        for file in job_rx {
            let r = std::panic::catch_unwind(|| load_and_render(&file)).map_err(|p| {
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "panic".into())
            });
            if done.send(r).is_err() {
                break;
            }
        }
    });

    let mut rng = Rng(seed | 1);
    let mut statuses = [0usize; 4];
    let mut found = Vec::new();
    for i in 0..cases {
        let (dir, input) = {
            // Half the time an example, whose mutations often still render.
            let k = if rng.below(2) == 0 {
                rng.below(3)
            } else {
                rng.below(seeds.len())
            };
            (&seeds[k].0, &bytes[k])
        };
        let mutated = mutate(&mut rng, &bytes, input);
        let file = dir.join("fuzz.yaml");
        std::fs::write(&file, &mutated).unwrap();
        jobs.send(file.clone()).unwrap();
        match results.recv_timeout(HANG) {
            Ok(Ok(code)) if (0..=3).contains(&code) => statuses[code as usize] += 1,
            Ok(Ok(code)) => found.push(save(&mutated, &format!("exit status {code}"))),
            Ok(Err(panic)) => found.push(save(&mutated, &format!("panic: {panic}"))),
            Err(_) => {
                found.push(save(&mutated, "hang"));
                break;
            }
        }
        // Every 25th case also through the binary, writing files.
        if i % 25 == 0 {
            if let Some(why) = run_binary(&mutated, dir) {
                found.push(save(&mutated, &why));
            }
        }
        if found.len() >= 10 {
            break;
        }
    }
    let _ = std::panic::take_hook();
    eprintln!("fuzz: {cases} cases, exit statuses 0/1/2/3: {statuses:?}");
    assert!(
        found.is_empty(),
        "the fuzz test found {} failing input(s), saved as hostile cases in:\n{}",
        found.len(),
        found
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The mutations must reach past the parser: some configs still render.
    assert!(statuses[0] > 0 && statuses[2] > 0, "{statuses:?}");
}

/// Runs `mcpstack render` on `input` in a copy of the seed's project; a problem, if any.
fn run_binary(input: &[u8], seed_dir: &Path) -> Option<String> {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    copy_plain(seed_dir, &project);
    let _ = std::fs::remove_file(project.join("fuzz.yaml"));
    std::fs::write(project.join("mcp-stack.yaml"), input).unwrap();
    std::fs::create_dir_all(tmp.path().join("outside")).unwrap();
    std::fs::write(tmp.path().join("outside/sentinel"), "x").unwrap();
    let before = read_tree(tmp.path());
    let mut child = command(&["render"], &project)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > HANG {
            let _ = child.kill();
            return Some("binary hang".into());
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let mut err = String::new();
    use std::io::Read;
    child.stderr.take().unwrap().read_to_string(&mut err).ok();
    if err.contains("panicked at") {
        return Some(format!(
            "binary panic: {}",
            err.lines().next().unwrap_or("")
        ));
    }
    match status.code() {
        Some(0..=3) => {}
        other => return Some(format!("binary exit status {other:?}")),
    }
    let after = read_tree(tmp.path());
    let outside = |t: &[(String, Vec<u8>)]| -> Vec<(String, Vec<u8>)> {
        t.iter()
            .filter(|(p, _)| !p.starts_with("project/"))
            .cloned()
            .collect()
    };
    if outside(&before) != outside(&after) {
        return Some("binary wrote outside the project".into());
    }
    None
}
