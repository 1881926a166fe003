//! The writer stays in its output folder and is a transaction: escaping manifest entries and
//! links are refused before anything is written; a failed or interrupted render leaves the old
//! files or the new ones, and the next render completes it instead of calling it a hand edit.

mod common;
use common::*;
use std::fs;
use std::path::Path;

const BASE: &str = "version: 1\nname: demo\nservers:\n  main:\n    image: example/main:1\n    transport: streamable-http\n    port: 8000\n    health: none\n";
const MONITORED: &str = "monitoring:\n  enabled: true\n";

fn project(config: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("project");
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("mcp-stack.yaml"), config).unwrap();
    (tmp, dir)
}

fn render(dir: &Path, args: &[&str]) -> (i32, String) {
    let mut all = vec!["render"];
    all.extend_from_slice(args);
    let o = run(&all, dir);
    let (out, err) = text(&o);
    (o.status.code().unwrap_or(-1), format!("{out}{err}"))
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("deploy/.mcpstack-manifest.json")).unwrap())
        .unwrap()
}

#[test]
fn an_absolute_manifest_path_is_refused_even_with_force() {
    let (tmp, dir) = project(BASE);
    assert_eq!(render(&dir, &[]).0, 0);
    let victim = tmp.path().join("victim");
    fs::create_dir_all(&victim).unwrap();
    fs::write(victim.join("file"), "victim file\n").unwrap();
    let mut m = manifest(&dir);
    m["files"][victim.join("file").to_str().unwrap()] = serde_json::Value::String(
        "c53e0379e4ed1a773ef06a3da7a85c65e44de49af9a95942137e69a71d542bd7".into(),
    );
    fs::write(dir.join("deploy/.mcpstack-manifest.json"), m.to_string()).unwrap();
    let (code, out) = render(&dir, &["--force"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("outside the output folder"), "{out}");
    assert_eq!(
        fs::read_to_string(victim.join("file")).unwrap(),
        "victim file\n"
    );
}

#[test]
fn a_render_killed_between_renames_is_completed_by_the_next_in_either_direction() {
    // Two finished renders, of the old config and of the new one.
    let (_a, old) = project(BASE);
    let (_b, new) = project(&format!("{BASE}{MONITORED}"));
    assert_eq!(render(&old, &[]).0, 0);
    assert_eq!(render(&new, &[]).0, 0);
    let old_files = read_generated(&old.join("deploy"));
    let new_files = read_generated(&new.join("deploy"));
    // What a render from old to new leaves when killed after some renames: its intent in the
    // manifest (the old hashes, the new ones pending), some files new, the rest old.
    let mut intent = manifest(&old);
    intent["pending"] = manifest(&new)["files"].clone();
    for revert in [false, true] {
        let (_c, mixed) = project(&format!("{BASE}{MONITORED}"));
        assert_eq!(render(&mixed, &[]).0, 0);
        fs::remove_dir_all(mixed.join("deploy")).unwrap();
        copy_tree(&old.join("deploy"), &mixed.join("deploy"));
        for (path, bytes) in new_files
            .iter()
            .filter(|(p, _)| p.starts_with("prometheus/"))
        {
            let to = mixed.join("deploy").join(path);
            fs::create_dir_all(to.parent().unwrap()).unwrap();
            fs::write(to, bytes).unwrap();
        }
        fs::write(
            mixed.join("deploy/compose.yaml"),
            &new_files
                .iter()
                .find(|(p, _)| p == "compose.yaml")
                .unwrap()
                .1,
        )
        .unwrap();
        fs::write(
            mixed.join("deploy/.mcpstack-manifest.json"),
            intent.to_string(),
        )
        .unwrap();
        let (config, want) = if revert {
            (BASE.to_string(), &old_files)
        } else {
            (format!("{BASE}{MONITORED}"), &new_files)
        };
        fs::write(mixed.join("mcp-stack.yaml"), config).unwrap();
        let (code, out) = render(&mixed, &[]);
        assert_eq!(code, 0, "revert={revert}: {out}");
        assert!(!out.contains("edited by hand"), "{out}");
        assert_eq!(
            &read_generated(&mixed.join("deploy")),
            want,
            "revert={revert}"
        );
        let (code, out) = render(&mixed, &["--check"]);
        assert_eq!(code, 0, "revert={revert}: {out}");
        assert!(manifest(&mixed).get("pending").is_none());
    }
}

#[test]
fn a_render_that_fails_midway_replaces_nothing_and_the_next_one_finishes() {
    let (_t, dir) = project(BASE);
    assert_eq!(render(&dir, &[]).0, 0);
    let before = read_tree(&dir.join("deploy"));
    // The new config adds files under prometheus/, where a plain file stands in the way.
    fs::write(dir.join("mcp-stack.yaml"), format!("{BASE}{MONITORED}")).unwrap();
    fs::write(dir.join("deploy/prometheus"), "in the way\n").unwrap();
    let (code, out) = render(&dir, &[]);
    assert_eq!(code, 3, "{out}");
    let mut after = read_tree(&dir.join("deploy"));
    after.retain(|(p, _)| p != "prometheus");
    assert_eq!(after, before, "a failed render changed files");
    fs::remove_file(dir.join("deploy/prometheus")).unwrap();
    let (code, out) = render(&dir, &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(render(&dir, &["--check"]).0, 0);
}

#[test]
fn written_files_keep_their_modes_and_no_temporary_file_is_left() {
    let (_t, dir) = project(BASE);
    fs::create_dir_all(dir.join("deploy/nginx")).unwrap();
    fs::write(dir.join("deploy/nginx/.mcpstack-leftover.tmp"), "half\n").unwrap();
    assert_eq!(render(&dir, &[]).0, 0);
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &str| {
        fs::metadata(dir.join("deploy").join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("nginx/entrypoint.sh"), 0o755);
    assert_eq!(mode("compose.yaml"), 0o644);
    assert_eq!(mode("certs/privkey.pem"), 0o600);
    let temps: Vec<_> = read_tree(&dir.join("deploy"))
        .into_iter()
        .filter(|(p, _)| p.ends_with(".tmp"))
        .collect();
    assert!(temps.is_empty(), "{temps:?}");
}

/// A stack large enough that a render takes a while: many servers, monitoring on.
fn large(servers: usize, monitored: bool) -> String {
    let mut s = String::from("version: 1\nname: demo\nservers:\n");
    for i in 0..servers {
        s.push_str(&format!(
            "  s{i}:\n    image: example/s{i}:1\n    transport: streamable-http\n    port: 8000\n    health: none\n"
        ));
    }
    if monitored {
        s.push_str(MONITORED);
    }
    s
}

#[test]
fn renders_killed_at_any_moment_are_completed_by_the_next_render_of_either_config() {
    // Real kills (SIGKILL) of running renders, spread over the whole length of a render,
    // alternating between two configs that write different sets of files. After every kill, the
    // next render of either config must succeed without calling anything a hand edit, and
    // `render --check` must then find the folder exactly as rendered.
    let (_tmp, dir) = project(&large(150, false));
    let configs = [large(150, false), large(150, true)];
    let started = std::time::Instant::now();
    assert_eq!(render(&dir, &[]).0, 0);
    let length = started.elapsed();
    let rounds = 40u32;
    for i in 0..rounds {
        fs::write(dir.join("mcp-stack.yaml"), &configs[(i % 2) as usize]).unwrap();
        let mut child = command(&["render"], &dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(length * i / rounds);
        let _ = child.kill();
        let _ = child.wait();
        let next = &configs[((i / 2) % 2) as usize];
        fs::write(dir.join("mcp-stack.yaml"), next).unwrap();
        let (code, out) = render(&dir, &[]);
        assert_eq!(code, 0, "round {i}: {out}");
        assert!(!out.contains("by hand"), "round {i}: {out}");
        let (code, out) = render(&dir, &["--check"]);
        assert_eq!(code, 0, "round {i}: {out}");
        let leftovers = temporary_files(&dir.join("deploy"));
        assert!(leftovers.is_empty(), "round {i}: {leftovers:?}");
    }
}

/// Temporary files of the writer anywhere below `dir`.
fn temporary_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for e in fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
        let path = e.path();
        if e.file_type().unwrap().is_dir() {
            found.extend(temporary_files(&path));
        } else if e.file_name().to_string_lossy().ends_with(".tmp") {
            found.push(path);
        }
    }
    found
}

#[test]
fn a_pipe_where_a_rendered_file_goes_is_refused_not_waited_on() {
    let (_t, dir) = project(BASE);
    assert_eq!(render(&dir, &[]).0, 0);
    let pipe = dir.join("deploy/compose.yaml");
    fs::remove_file(&pipe).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .expect("mkfifo");
    assert!(status.success());
    let mut child = command(&["render"], &dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A guard against hanging the suite, not a measurement: an open that waits for a writer
    // would never return.
    let mut waited = 0;
    while child.try_wait().unwrap().is_none() {
        if waited == 1200 {
            child.kill().unwrap();
            panic!("render waited on the pipe");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        waited += 1;
    }
    let out = child.wait_with_output().unwrap();
    let (_, err) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("compose.yaml is not a plain file"), "{err}");
    use std::os::unix::fs::FileTypeExt;
    assert!(fs::symlink_metadata(&pipe).unwrap().file_type().is_fifo());
}
