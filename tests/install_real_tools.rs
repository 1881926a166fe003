//! Installability with the real tools (`--features real-tools`; `.ci/run` installs them):
//! `cargo package` and `cargo publish --dry-run`, `cargo install --locked --path .` into an
//! empty root and a render with the installed binary, both pre-commit hooks in a scratch
//! repository, `dist plan` and `dist generate --check`, hadolint on the image's Dockerfile,
//! the CI files against their schemas, and the dependencies' minimum Rust.
//!
//! One release build in all: the installed binary (static on Linux) is kept at
//! `target/tmp/install-root/bin/mcpstack` for the other tests and for `live_install_image`.
#![cfg(feature = "real-tools")]

mod common;

use common::{copy_tree, examples, test_caroot, text};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A tool the suite needs: missing means a failed test, never a skipped one.
fn tool(name: &str) -> Command {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        found,
        "`{name}` is not on PATH: run `bash .ci/setup` and `. .ci/env`"
    );
    Command::new(name)
}

/// Cargo as the test's own cargo runs it, without the variables a parent build sets.
fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    for v in [
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "MCPSTACK_COMMIT",
    ] {
        c.env_remove(v);
    }
    c.current_dir(root());
    c
}

fn ok(o: &Output, what: &str) {
    assert!(o.status.success(), "{what}: {:?}", text(o));
}

fn host_triple() -> String {
    let o = Command::new("rustc").arg("-vV").output().unwrap();
    String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
        .unwrap()
}

/// `cargo install --locked --path .` into an empty root, once per run; the binary.
/// On Linux with glibc it links the C runtime statically (`+crt-static`) so that the same
/// binary runs in the `scratch` image; the target dir is the work tree's, so a second run
/// only relinks.
fn installed() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let install_root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("install-root");
        let _ = fs::remove_dir_all(&install_root);
        fs::create_dir_all(&install_root).unwrap();
        assert_eq!(fs::read_dir(&install_root).unwrap().count(), 0);
        let host = host_triple();
        let mut c = cargo();
        c.args(["install", "--locked", "--path", "."])
            .arg("--root")
            .arg(&install_root)
            .args(["--target", &host])
            .arg("--target-dir")
            .arg(root().join("target"));
        if host.ends_with("-linux-gnu") {
            c.env("RUSTFLAGS", "-C target-feature=+crt-static");
        }
        let o = c.output().unwrap();
        ok(&o, "cargo install --locked --path .");
        let bin = install_root.join("bin/mcpstack");
        assert!(bin.is_file(), "{} was not installed", bin.display());
        bin
    })
}

fn run_installed(args: &[&str], cwd: &Path) -> Output {
    Command::new(installed())
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("MCPSTACK_CAROOT", test_caroot())
        .output()
        .unwrap()
}

#[test]
fn the_package_holds_the_sources_templates_and_readme_only() {
    let o = cargo()
        .args(["package", "--list", "--locked", "--allow-dirty"])
        .output()
        .unwrap();
    ok(&o, "cargo package --list");
    let listed: Vec<String> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let fixed = [
        "Cargo.toml",
        "Cargo.toml.orig",
        "Cargo.lock",
        ".cargo_vcs_info.json",
        "build.rs",
        "README.md",
    ];
    for f in &listed {
        let allowed = fixed.contains(&f.as_str())
            || f.starts_with("src/")
            || (f.starts_with("templates/") && f.ends_with(".j2"));
        assert!(allowed, "the package holds {f}, which it should not");
    }
    // Everything the build embeds is in it: every tracked file of src/ and templates/.
    let o = Command::new("git")
        .args(["ls-files", "src", "templates"])
        .current_dir(root())
        .output()
        .unwrap();
    ok(&o, "git ls-files");
    let tracked = String::from_utf8(o.stdout).unwrap();
    assert!(tracked.lines().any(|l| l.starts_with("templates/")));
    for f in tracked.lines() {
        assert!(listed.iter().any(|l| l == f), "the package lacks {f}");
    }

    // The .crate itself holds the templates.
    let o = cargo()
        .args(["package", "--no-verify", "--locked", "--allow-dirty"])
        .output()
        .unwrap();
    ok(&o, "cargo package");
    let version = env!("CARGO_PKG_VERSION");
    let krate = root().join(format!("target/package/mcp-stack-{version}.crate"));
    let o = Command::new("tar").arg("tzf").arg(&krate).output().unwrap();
    ok(&o, "tar tzf");
    let inside = String::from_utf8(o.stdout).unwrap();
    for t in fs::read_dir(root().join("templates")).unwrap() {
        let name = t.unwrap().file_name().into_string().unwrap();
        let want = format!("mcp-stack-{version}/templates/{name}");
        assert!(inside.lines().any(|l| l == want), "{want} not in the crate");
    }
    assert!(inside
        .lines()
        .any(|l| l == format!("mcp-stack-{version}/src/init/mcp-stack.yaml.j2")));

    // And the registry would take it (the index is read; nothing is uploaded). Not verified
    // by a second build: the install test builds the same sources.
    let o = cargo()
        .args([
            "publish",
            "--dry-run",
            "--no-verify",
            "--locked",
            "--allow-dirty",
        ])
        .output()
        .unwrap();
    ok(&o, "cargo publish --dry-run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("Uploading mcp-stack"), "{err}");
    assert!(err.contains("aborting upload due to dry run"), "{err}");
}

#[test]
fn cargo_install_into_an_empty_root_renders_an_example() {
    let bin = installed();
    let v = run_installed(&["--version"], &root());
    ok(&v, "--version");
    assert!(String::from_utf8_lossy(&v.stdout)
        .starts_with(&format!("mcpstack {}", env!("CARGO_PKG_VERSION"))));
    // Static where the platform allows: no program interpreter to load.
    if host_triple().ends_with("-linux-gnu") {
        let o = Command::new("ldd").arg(bin).output().unwrap();
        let said = format!("{}{}", text(&o).0, text(&o).1);
        assert!(
            said.contains("not a dynamic executable") || said.contains("statically linked"),
            "{said}"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("spike");
    copy_tree(&examples().join("spike"), &app);
    ok(&run_installed(&["validate"], &app), "validate");
    ok(&run_installed(&["render"], &app), "render");
    assert!(app.join("deploy/compose.yaml").is_file());
    assert!(app.join("deploy/build/main/Dockerfile").is_file());
    let o = run_installed(&["render", "--check"], &app);
    ok(&o, "render --check");
    // What it rendered is what this build renders.
    let o = common::run(&["render", "--check"], &app);
    ok(&o, "render --check by the test build");
}

/// A scratch git repository holding the spike example at its root, rendered and committed.
fn scratch_repo() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&examples().join("spike"), tmp.path());
    ok(&run_installed(&["render", "-q"], tmp.path()), "render");
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        ok(&o, &format!("git {args:?}"));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "rendered"]);
    tmp
}

fn try_hook(repo: &Path, hook: &str, home: &Path) -> Output {
    let path = format!(
        "{}:{}",
        installed().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    tool("pre-commit")
        .arg("try-repo")
        .arg(root())
        .args([hook, "--all-files", "--color", "never"])
        .current_dir(repo)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", home)
        .env("MCPSTACK_CAROOT", test_caroot())
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

#[test]
fn pre_commit_hooks_pass_a_fresh_render_and_fail_a_hand_edit_with_the_diff() {
    // The manifest as pre-commit reads it (the `language: rust` hooks build mcpstack with
    // cargo install from the repository: not run here, it would be a second release build;
    // the `-system` hooks run the same commands).
    let o = tool("pre-commit")
        .args(["validate-manifest", ".pre-commit-hooks.yaml"])
        .current_dir(root())
        .output()
        .unwrap();
    ok(&o, "pre-commit validate-manifest");

    let repo = scratch_repo();
    let home = tempfile::tempdir().unwrap();
    for hook in ["mcpstack-validate-system", "mcpstack-render-check-system"] {
        let o = try_hook(repo.path(), hook, home.path());
        ok(&o, hook);
        assert!(text(&o).0.contains("Passed"), "{hook}: {:?}", text(&o));
    }

    let compose = repo.path().join("deploy/compose.yaml");
    let mut s = fs::read_to_string(&compose).unwrap();
    s.push_str("# a hand edit\n");
    fs::write(&compose, s).unwrap();
    let o = try_hook(repo.path(), "mcpstack-render-check-system", home.path());
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    let out = text(&o).0;
    assert!(out.contains("Failed"), "{out}");
    assert!(out.contains("--- a/deploy/compose.yaml"), "no diff: {out}");
    assert!(out.contains("-# a hand edit"), "no diff: {out}");
    assert!(out.contains("compose.yaml (edited by hand)"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "colour in the hook's output: {out}"
    );
    // validate still passes: the config is fine.
    ok(
        &try_hook(repo.path(), "mcpstack-validate-system", home.path()),
        "validate after the edit",
    );
}

/// A copy of the crate with a stand-in `repository` (dist needs one for its installers'
/// download address; this repository has none yet, see README "Install").
fn dist_workspace() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for f in ["Cargo.lock", "dist-workspace.toml", "build.rs", "README.md"] {
        fs::copy(root().join(f), tmp.path().join(f)).unwrap();
    }
    for d in ["src", "templates"] {
        copy_tree(&root().join(d), &tmp.path().join(d));
    }
    let manifest = fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(
        !manifest.contains("\nrepository ="),
        "README says there is none"
    );
    let manifest = manifest.replacen(
        "\nlicense = ",
        "\nrepository = \"https://github.com/OWNER/mcp-stack\"\nlicense = ",
        1,
    );
    fs::write(tmp.path().join("Cargo.toml"), manifest).unwrap();
    tmp
}

#[test]
fn dist_plans_every_target_and_installer_and_generates_a_valid_workflow() {
    let ws = dist_workspace();
    // The release workflow this config generates (not committed: it is dist's own text, made
    // by `dist generate`) is a valid GitHub workflow; `dist plan` wants it in place.
    let o = tool("dist")
        .arg("generate")
        .current_dir(ws.path())
        .output()
        .unwrap();
    ok(&o, "dist generate (with a stand-in repository)");
    let o = tool("check-jsonschema")
        .args([
            "--builtin-schema",
            "vendor.github-workflows",
            ".github/workflows/release.yml",
        ])
        .current_dir(ws.path())
        .output()
        .unwrap();
    ok(&o, "the generated release workflow");

    let o = tool("dist")
        .args(["plan", "--output-format=json"])
        .current_dir(ws.path())
        .output()
        .unwrap();
    ok(&o, "dist plan");
    let plan: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let artifacts: Vec<&str> = plan["artifacts"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for want in [
        "mcp-stack-x86_64-unknown-linux-musl.tar.xz",
        "mcp-stack-aarch64-unknown-linux-musl.tar.xz",
        "mcp-stack-x86_64-unknown-linux-gnu.tar.xz",
        "mcp-stack-aarch64-unknown-linux-gnu.tar.xz",
        "mcp-stack-x86_64-apple-darwin.tar.xz",
        "mcp-stack-aarch64-apple-darwin.tar.xz",
        "mcp-stack-installer.sh",
    ] {
        assert!(
            artifacts.contains(&want),
            "dist plan lacks {want}: {artifacts:?}"
        );
    }
    // Each archive carries the `mcpstack` binary.
    let linux = &plan["artifacts"]["mcp-stack-x86_64-unknown-linux-musl.tar.xz"];
    let assets = serde_json::to_string(&linux["assets"]).unwrap();
    assert!(assets.contains("\"mcpstack\""), "{assets}");
    // No Windows build (mcpstack does not build there) and no PowerShell installer.
    assert!(
        artifacts
            .iter()
            .all(|a| !a.contains("windows") && !a.ends_with(".ps1")),
        "{artifacts:?}"
    );
    // The runners the workflow uses: arm64 Linux natively, both macOS.
    let matrix = serde_json::to_string(&plan["ci"]["github"]["artifacts_matrix"]).unwrap();
    for runner in ["ubuntu-22.04-arm", "macos-14"] {
        assert!(matrix.contains(runner), "{runner}: {matrix}");
    }
    assert!(!matrix.contains("windows"), "{matrix}");
}

#[test]
fn hadolint_passes_the_image_dockerfile() {
    let o = tool("hadolint")
        .args(["--no-color", "Dockerfile"])
        .current_dir(root())
        .output()
        .unwrap();
    ok(&o, "hadolint Dockerfile");
    assert_eq!(text(&o).0.trim(), "", "{:?}", text(&o));
}

#[test]
fn ci_files_match_their_schemas() {
    let o = tool("check-jsonschema")
        .args([
            "--builtin-schema",
            "vendor.github-workflows",
            "examples/ci/github-actions.yml",
            ".github/workflows/msrv.yml",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    ok(&o, "GitHub workflows");
    let o = tool("check-jsonschema")
        .args([
            "--builtin-schema",
            "vendor.gitlab-ci",
            "examples/ci/gitlab-ci.yml",
        ])
        .current_dir(root())
        .output()
        .unwrap();
    ok(&o, "GitLab CI");
}

/// `rust-version` is at least what every locked dependency declares it needs.
#[test]
fn no_dependency_needs_a_newer_rust_than_rust_version() {
    let o = cargo()
        .args(["metadata", "--locked", "--format-version", "1"])
        .output()
        .unwrap();
    ok(&o, "cargo metadata");
    let meta: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let parse = |v: &str| -> (u64, u64) {
        let mut it = v.split('.').map(|p| p.parse::<u64>().unwrap());
        (it.next().unwrap(), it.next().unwrap_or(0))
    };
    let ours = parse(env!("CARGO_PKG_RUST_VERSION"));
    let resolved: Vec<&str> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    let mut too_new = Vec::new();
    for p in meta["packages"].as_array().unwrap() {
        if !resolved.contains(&p["id"].as_str().unwrap()) {
            continue;
        }
        if let Some(rv) = p["rust_version"].as_str() {
            if parse(rv) > ours {
                too_new.push(format!("{} {} needs {rv}", p["name"], p["version"]));
            }
        }
    }
    assert!(too_new.is_empty(), "rust-version is too low: {too_new:?}");
}
