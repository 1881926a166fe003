//! The mcpstack image (`--features live`, on the local engine): built from the repository's
//! Dockerfile with the static binary that `install_real_tools` installed (`BINARY_FROM=
//! prebuilt`: no Rust compiled inside Docker, no public image pulled), then `render --check`
//! on an example mounted read-only: green on a fresh render, red with the diff after a hand
//! edit. Also what the image is: non-root, no shell, small.
#![cfg(feature = "live")]

mod common;

use common::{copy_tree, examples, text};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .env("DOCKER_BUILDKIT", "1")
        .output()
        .expect("docker: run `bash .ci/setup` and `. .ci/env`")
}

fn ok(o: &Output, what: &str) {
    assert!(o.status.success(), "{what}: {:?}", text(o));
}

/// The static binary `cargo install --locked --path .` left in install_real_tools; built the
/// same way here if that test has not run.
fn static_binary() -> PathBuf {
    let install_root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("install-root");
    let bin = install_root.join("bin/mcpstack");
    if !bin.is_file() {
        let host = Command::new("rustc").arg("-vV").output().unwrap();
        let host = String::from_utf8(host.stdout).unwrap();
        let host = host
            .lines()
            .find_map(|l| l.strip_prefix("host: "))
            .unwrap()
            .to_string();
        let o = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["install", "--locked", "--path", "."])
            .arg("--root")
            .arg(&install_root)
            .args(["--target", &host])
            .arg("--target-dir")
            .arg(root().join("target"))
            .env("RUSTFLAGS", "-C target-feature=+crt-static")
            .env_remove("CARGO_TARGET_DIR")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .current_dir(root())
            .output()
            .unwrap();
        ok(&o, "cargo install");
    }
    bin
}

/// Removes the test image however the test ends.
struct Image(String);
impl Drop for Image {
    fn drop(&mut self) {
        let _ = docker(&["rmi", "-f", &self.0]);
    }
}

/// Makes a tree readable by the image's user (65532), as a checkout with the usual modes is.
fn readable(dir: &Path) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let meta = fs::symlink_metadata(&p).unwrap();
        let mode = meta.permissions().mode();
        if meta.is_dir() {
            fs::set_permissions(&p, fs::Permissions::from_mode(mode | 0o005)).unwrap();
            readable(&p);
        } else if meta.is_file() {
            fs::set_permissions(&p, fs::Permissions::from_mode(mode | 0o004)).unwrap();
        }
    }
}

#[test]
fn the_image_runs_render_check_on_a_read_only_mount() {
    let ctx = tempfile::tempdir().unwrap();
    fs::copy(root().join("Dockerfile"), ctx.path().join("Dockerfile")).unwrap();
    fs::copy(static_binary(), ctx.path().join("mcpstack")).unwrap();
    let tag = format!("mcpstack-install-test:{}", std::process::id());
    let image = Image(tag.clone());
    let ctx_dir = ctx.path().to_str().unwrap();
    ok(
        &docker(&[
            "build",
            "-q",
            "--build-arg",
            "BINARY_FROM=prebuilt",
            "-t",
            &image.0,
            ctx_dir,
        ]),
        "docker build",
    );

    // Non-root, exec-form entrypoint, small.
    let o = docker(&[
        "image",
        "inspect",
        "-f",
        "{{.Config.User}}|{{json .Config.Entrypoint}}|{{.Size}}",
        &tag,
    ]);
    ok(&o, "inspect");
    let info = text(&o).0;
    let parts: Vec<&str> = info.trim().split('|').collect();
    assert_eq!(parts[0], "65532:65532");
    assert_eq!(parts[1], "[\"/usr/local/bin/mcpstack\"]");
    let size: u64 = parts[2].parse().unwrap();
    assert!(size < 64 << 20, "image of {size} bytes");
    // No shell in it.
    let o = docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "/bin/sh",
        &tag,
        "-c",
        "true",
    ]);
    assert!(!o.status.success(), "the image has a shell");
    let o = docker(&["run", "--rm", "--network", "none", &tag, "--version"]);
    ok(&o, "--version");
    assert!(text(&o)
        .0
        .starts_with(&format!("mcpstack {}", env!("CARGO_PKG_VERSION"))));

    // A rendered example, mounted read-only as a CI job would.
    let work = tempfile::tempdir().unwrap();
    let app = work.path().join("app");
    copy_tree(&examples().join("spike"), &app);
    ok(&common::run(&["render", "-q"], &app), "render");
    readable(work.path());
    fs::set_permissions(work.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let mount = format!("{}:/work:ro", app.display());
    let check = || {
        docker(&[
            "run",
            "--rm",
            "--network",
            "none",
            "--read-only",
            "-v",
            &mount,
            &tag,
            "render",
            "--check",
        ])
    };
    let o = check();
    ok(&o, "render --check in the image");
    assert!(text(&o).0.contains("up to date"), "{:?}", text(&o));

    // Edited by hand: red, with the diff in the log (no colour: no terminal).
    let compose = app.join("deploy/compose.yaml");
    let mut s = fs::read_to_string(&compose).unwrap();
    s.push_str("# a hand edit\n");
    fs::write(&compose, s).unwrap();
    let o = check();
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let (out, err) = text(&o);
    assert!(out.contains("--- a/deploy/compose.yaml"), "{out}");
    assert!(out.contains("-# a hand edit"), "{out}");
    assert!(err.contains("compose.yaml (edited by hand)"), "{err}");
    assert!(!out.contains('\u{1b}') && !err.contains('\u{1b}'));
}
