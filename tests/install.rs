//! Installability, hermetic part: the package metadata, the README's install commands, the
//! pre-commit hooks, the cargo-dist config, the image's Dockerfile, `--version`, and what
//! `render --check` prints in a CI log (the CI examples run as written, with the binary of
//! this build on PATH). The real tools (cargo package, cargo install, pre-commit, dist,
//! hadolint) are in `install_real_tools.rs`, the image in `live_install_image.rs`.

mod common;

use common::{copy_tree, examples, test_caroot, text};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn manifest() -> toml::Table {
    toml::from_str(&read("Cargo.toml")).unwrap()
}

fn package() -> toml::Table {
    manifest()["package"].as_table().unwrap().clone()
}

/// The README's section with this heading, up to the next `## `.
fn readme_section(heading: &str) -> String {
    let readme = read("README.md");
    let start = readme
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("README has no `## {heading}`"));
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    rest[..end].to_string()
}

/// The commands of the `sh` code blocks of a README section.
fn sh_commands(section: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in section.lines() {
        let t = line.trim();
        if t.starts_with("```") {
            inside = !inside && t == "```sh";
            continue;
        }
        if inside && !t.is_empty() {
            out.push(t.to_string());
        }
    }
    out
}

#[test]
fn package_metadata_is_complete_for_publishing() {
    let p = package();
    assert_eq!(p["name"].as_str(), Some("mcp-stack"));
    for key in [
        "version",
        "description",
        "license",
        "readme",
        "rust-version",
        "edition",
    ] {
        let v = p
            .get(key)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("Cargo.toml [package] has no {key}"));
        assert!(!v.trim().is_empty(), "{key} is empty");
    }
    assert_eq!(p["license"].as_str(), Some("MIT OR Apache-2.0"));
    assert!(root().join("README.md").is_file(), "README.md missing");
    let keywords = p["keywords"].as_array().unwrap();
    assert!(
        (1..=5).contains(&keywords.len()),
        "the registry takes 1 to 5 keywords"
    );
    assert!(!p["categories"].as_array().unwrap().is_empty());
    // The library and the command keep the name `mcpstack`.
    let m = manifest();
    assert_eq!(m["lib"]["name"].as_str(), Some("mcpstack"));
    let bins = m["bin"].as_array().unwrap();
    assert_eq!(bins.len(), 1);
    assert_eq!(bins[0]["name"].as_str(), Some("mcpstack"));
    // The package holds the embedded templates and build.rs, and no tests or examples.
    let include: Vec<&str> = p["include"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for want in ["/src/**/*", "/templates/*.j2", "/build.rs", "/README.md"] {
        assert!(include.contains(&want), "include lacks {want}: {include:?}");
    }
    assert!(!include
        .iter()
        .any(|i| i.contains("tests") || i.contains("examples")));
}

#[test]
fn readme_install_section_names_the_package_and_the_minimum_rust() {
    let p = package();
    let name = p["name"].as_str().unwrap();
    let msrv = p["rust-version"].as_str().unwrap();
    let section = readme_section("Install");
    let commands = sh_commands(&section);
    assert!(
        commands.contains(&format!("cargo install --locked {name}")),
        "{commands:?}"
    );
    assert!(commands.contains(&"cargo install --locked --path .".to_string()));
    assert!(
        section.contains(&format!("Rust {msrv} or newer")),
        "the README states another minimum Rust than rust-version = {msrv}"
    );
    // Every command there is one the suite runs (install_real_tools, live_install_image) or
    // the registry install, which needs the published crate (its package is checked instead).
    let known = [
        format!("cargo install --locked {name}"),
        "cargo install --locked --path .".to_string(),
        "docker build -t mcpstack .".to_string(),
        "docker run --rm -v \"$PWD:/work:ro\" mcpstack render --check".to_string(),
    ];
    for c in &commands {
        assert!(known.contains(c), "README install command not covered: {c}");
    }
    // The CI workflows name the same minimum Rust.
    assert!(read("examples/ci/gitlab-ci.yml").contains(&format!("image: rust:{msrv}")));
    assert!(read("Dockerfile").contains(&format!("rust:{msrv}-alpine")));
    assert!(read(".github/workflows/msrv.yml").contains(&format!("toolchain: \"{msrv}\"")));
}

#[test]
fn pre_commit_hooks_offer_validate_and_render_check() {
    let hooks: Vec<serde_yaml::Mapping> =
        serde_yaml::from_str(&read(".pre-commit-hooks.yaml")).unwrap();
    let get = |h: &serde_yaml::Mapping, k: &str| {
        h.get(k)
            .unwrap_or_else(|| panic!("hook {h:?} has no {k}"))
            .clone()
    };
    let ids: Vec<String> = hooks
        .iter()
        .map(|h| get(h, "id").as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "mcpstack-validate",
            "mcpstack-render-check",
            "mcpstack-validate-system",
            "mcpstack-render-check-system"
        ]
    );
    for h in &hooks {
        let id = get(h, "id").as_str().unwrap().to_string();
        let entry = get(h, "entry").as_str().unwrap().to_string();
        let want = if id.contains("render-check") {
            "mcpstack render --check"
        } else {
            "mcpstack validate"
        };
        assert_eq!(entry, want, "{id}");
        let lang = if id.ends_with("-system") {
            "system"
        } else {
            "rust"
        };
        assert_eq!(get(h, "language").as_str(), Some(lang), "{id}");
        // mcpstack finds its config itself; file names would be taken as arguments.
        assert_eq!(get(h, "pass_filenames").as_bool(), Some(false), "{id}");
        assert_eq!(get(h, "always_run").as_bool(), Some(true), "{id}");
    }
}

#[test]
fn dist_config_covers_the_release_targets_and_installers() {
    let dist: toml::Table = toml::from_str(&read("dist-workspace.toml")).unwrap();
    let d = dist["dist"].as_table().unwrap();
    let targets: Vec<&str> = d["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    for t in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "x86_64-apple-darwin",
        "aarch64-apple-darwin",
    ] {
        assert!(targets.contains(&t), "dist targets lack {t}");
    }
    // mcpstack uses Unix file APIs throughout (`std::os::unix`, rustix): a Windows target
    // would be a release job that cannot build.
    assert!(
        targets.iter().all(|t| !t.contains("windows")),
        "{targets:?}"
    );
    let installers: Vec<&str> = d["installers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(installers, ["shell"]);
    let version = d["cargo-dist-version"].as_str().unwrap();
    // The dist profile the workflow builds with exists.
    assert!(manifest()["profile"]["dist"]["inherits"].as_str() == Some("release"));
    // And the version CI installs to run dist here is the same.
    assert!(read(".ci/requirements.txt").contains(&format!("cargo-dist=={version}")));
}

#[test]
fn image_dockerfile_is_multi_stage_static_non_root_and_shell_free() {
    let text = read("Dockerfile");
    let froms: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert!(froms.len() >= 2, "not multi-stage: {froms:?}");
    assert_eq!(
        froms.last(),
        Some(&"FROM scratch"),
        "the final stage is not scratch"
    );
    let last = &text[text.rfind("\nFROM ").unwrap()..];
    let user = last
        .lines()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("the final stage sets no USER");
    assert!(
        !user.starts_with('0') && !user.starts_with("root"),
        "runs as {user}"
    );
    // Exec form: no shell is needed to start it.
    assert!(last.contains("ENTRYPOINT [\"/usr/local/bin/mcpstack\"]"));
    assert!(!last.contains("RUN "), "the final stage runs a command");
    // The context the image compiles is the crate, not the whole checkout.
    let ignore = read(".dockerignore");
    assert!(ignore.lines().next().is_some_and(|l| l.starts_with('#')));
    assert!(ignore.lines().any(|l| l == "*"));
    assert!(ignore.lines().any(|l| l == "!templates/"));
}

#[test]
fn version_names_the_version_and_the_commit() {
    let o = common::bin().arg("--version").output().unwrap();
    assert!(o.status.success());
    let out = String::from_utf8(o.stdout).unwrap();
    let want = format!("mcpstack {}", env!("CARGO_PKG_VERSION"));
    assert!(out.starts_with(&want), "{out}");
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(root())
        .output();
    match std::env::var("MCPSTACK_COMMIT") {
        Ok(c) if !c.is_empty() => assert_eq!(out.trim(), format!("{want} (commit {c})")),
        _ => match head {
            Ok(h) if h.status.success() => {
                let commit = String::from_utf8(h.stdout).unwrap();
                assert_eq!(out.trim(), format!("{want} (commit {})", commit.trim()));
            }
            // No git here: only the version.
            _ => assert_eq!(out.trim(), want),
        },
    }
}

/// A scratch repository with a rendered copy of the spike example at `app/`.
fn rendered_repo() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    copy_tree(&examples().join("spike"), &app);
    let o = common::run(&["render", "-q"], &app);
    assert!(o.status.success(), "{:?}", text(&o));
    (tmp, app)
}

fn hand_edit(app: &Path) {
    let compose = app.join("deploy/compose.yaml");
    let mut s = fs::read_to_string(&compose).unwrap();
    s.push_str("# a hand edit\n");
    fs::write(&compose, s).unwrap();
}

/// mcpstack as a CI job runs it: no terminal, no colour settings.
fn ci_run(args: &[&str], cwd: &Path) -> Output {
    common::bin()
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env("MCPSTACK_CAROOT", test_caroot())
        .output()
        .unwrap()
}

#[test]
fn render_check_in_a_ci_log_is_plain_text_with_repository_paths() {
    let (tmp, app) = rendered_repo();
    let o = ci_run(
        &["-c", "app/mcp-stack.yaml", "render", "--check"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(0), "{:?}", text(&o));
    hand_edit(&app);

    // From the repository's root, with the config named.
    let o = ci_run(
        &["-c", "app/mcp-stack.yaml", "render", "--check"],
        tmp.path(),
    );
    assert_eq!(o.status.code(), Some(1));
    let (out, err) = text(&o);
    assert!(out.contains("--- a/app/deploy/compose.yaml\n"), "{out}");
    assert!(out.contains("+++ b/app/deploy/compose.yaml\n"), "{out}");
    assert!(out.contains("\n-# a hand edit\n"), "{out}");
    assert!(err.contains("out of date in app/deploy:"), "{err}");
    assert!(err.contains("compose.yaml (edited by hand)"), "{err}");
    assert!(
        !out.contains('\u{1b}') && !err.contains('\u{1b}'),
        "colour in a CI log: {err}"
    );
    assert!(
        !out.contains(tmp.path().to_str().unwrap()) && !err.contains(tmp.path().to_str().unwrap()),
        "an absolute path in a CI log"
    );

    // The config found from a folder below it: paths still relative to where it runs.
    let sub = app.join("sub");
    fs::create_dir(&sub).unwrap();
    let (out, err) = text(&ci_run(&["render", "--check"], &sub));
    assert!(out.contains("--- ../deploy/compose.yaml\n"), "{out}");
    assert!(err.contains("out of date in ../deploy:"), "{err}");

    // Found from its own folder.
    let (out, err) = text(&ci_run(&["render", "--check"], &app));
    assert!(out.contains("--- a/deploy/compose.yaml\n"), "{out}");
    assert!(err.contains("out of date in deploy:"), "{err}");

    // Colour only when asked for (the check above can fail).
    let o = ci_run(&["--color", "always", "render", "--check"], &app);
    assert!(String::from_utf8_lossy(&o.stderr).contains('\u{1b}'));
}

/// The values of `key:` (a string or a list of strings) in a YAML tree, in document order.
fn collect_scripts(v: &serde_yaml::Value, key: &str, out: &mut Vec<(String, String)>) {
    match v {
        serde_yaml::Value::Mapping(m) => {
            let name = m
                .get("name")
                .and_then(|n| n.as_str())
                .unwrap_or("")
                .to_string();
            for (k, val) in m {
                if k.as_str() == Some(key) {
                    match val {
                        serde_yaml::Value::String(s) => out.push((name.clone(), s.clone())),
                        serde_yaml::Value::Sequence(items) => {
                            for i in items {
                                out.push((name.clone(), i.as_str().unwrap().to_string()));
                            }
                        }
                        _ => {}
                    }
                } else {
                    collect_scripts(val, key, out);
                }
            }
        }
        serde_yaml::Value::Sequence(items) => {
            for i in items {
                collect_scripts(i, key, out);
            }
        }
        _ => {}
    }
}

/// Runs the example's shell lines, as the CI system would, in `repo` with this build's
/// mcpstack on PATH.
fn run_lines(lines: &[String], repo: &Path, env: &[(&str, &str)]) -> Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_mcpstack")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("sh");
    cmd.arg("-ec")
        .arg(lines.join("\n"))
        .current_dir(repo)
        .env("PATH", path)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env("MCPSTACK_CAROOT", test_caroot());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn assert_green_then_red(lines: &[String], env: &[(&str, &str)]) {
    let (_tmp, app) = rendered_repo();
    let o = run_lines(lines, &app, env);
    assert_eq!(o.status.code(), Some(0), "fresh render: {:?}", text(&o));
    hand_edit(&app);
    let o = run_lines(lines, &app, env);
    assert_ne!(o.status.code(), Some(0), "hand edit passed: {:?}", text(&o));
    let (out, err) = text(&o);
    assert!(out.contains("--- a/deploy/compose.yaml\n"), "{out}");
    assert!(
        out.contains("\n-# a hand edit\n"),
        "no diff in the log: {out}"
    );
    assert!(err.contains("compose.yaml (edited by hand)"), "{err}");
}

#[test]
fn github_actions_example_fails_on_a_hand_edit_with_the_diff() {
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&read("examples/ci/github-actions.yml")).unwrap();
    let on = &doc["on"];
    assert!(on.get("pull_request").is_some(), "not run on pull requests");
    let mut steps = Vec::new();
    collect_scripts(&doc, "run", &mut steps);
    let version = doc["env"]["MCPSTACK_VERSION"].as_str().unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    let (install, rest): (Vec<_>, Vec<_>) = steps
        .into_iter()
        .partition(|(name, _)| name == "Install mcpstack");
    assert_eq!(
        install[0].1,
        "cargo install --locked mcp-stack --version \"$MCPSTACK_VERSION\""
    );
    let lines: Vec<String> = rest.into_iter().map(|(_, l)| l).collect();
    assert_eq!(lines, ["mcpstack validate", "mcpstack render --check"]);
    assert_green_then_red(&lines, &[("MCPSTACK_VERSION", version)]);
}

#[test]
fn gitlab_ci_example_fails_on_a_hand_edit_with_the_diff() {
    let doc: serde_yaml::Value = serde_yaml::from_str(&read("examples/ci/gitlab-ci.yml")).unwrap();
    let job = &doc["mcpstack"];
    let rules = serde_yaml::to_string(&job["rules"]).unwrap();
    assert!(rules.contains("merge_request_event"), "{rules}");
    let version = job["variables"]["MCPSTACK_VERSION"].as_str().unwrap();
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    let mut lines = Vec::new();
    collect_scripts(job, "script", &mut lines);
    let lines: Vec<String> = lines.into_iter().map(|(_, l)| l).collect();
    assert!(lines.contains(
        &"command -v mcpstack || cargo install --locked mcp-stack --version \"$MCPSTACK_VERSION\""
            .to_string()
    ));
    // Every line as written: mcpstack is on PATH, so the install is skipped.
    let root = tempfile::tempdir().unwrap();
    let install_root = root.path().to_str().unwrap();
    assert_green_then_red(
        &lines,
        &[
            ("MCPSTACK_VERSION", version),
            ("CARGO_INSTALL_ROOT", install_root),
        ],
    );
}
