//! The project fixtures of every shape render Dockerfiles that build them as their authors
//! run them (hermetic: what the live suite then builds and starts).

mod common;
mod projects_common;
use common::*;
use projects_common::*;

/// Renders every fixture in one config; returns the rendered files by server.
fn render_all() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    workspace(&dir);
    let out = run(&["validate"], &dir);
    let (_, err) = text(&out);
    assert!(out.status.success(), "validate: {err}");
    let out = run(&["render"], &dir);
    assert!(out.status.success(), "render: {:?}", text(&out));
    (tmp, dir, err)
}

fn dockerfile(dir: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(format!("deploy/build/{name}/Dockerfile"))).unwrap()
}

fn ignore(dir: &std::path::Path, name: &str) -> Vec<String> {
    std::fs::read_to_string(dir.join(format!("deploy/build/{name}/Dockerfile.dockerignore")))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn every_shape_renders_its_own_build() {
    let (_tmp, dir, warnings) = render_all();

    // Python: the source is in the image, uv uses the image's interpreter.
    let app = dockerfile(&dir, "py-uv-app");
    assert!(app.contains("COPY --from=builder --chown=10001:10001 /app /app"));
    assert!(app.contains("UV_PYTHON=python3"));
    assert!(app.contains("uv sync --locked --no-dev --no-editable"));
    // `.python-version` says 3.12, which requires-python allows.
    assert!(app.contains("FROM python:3.12-slim AS builder"));
    let pinned = dockerfile(&dir, "py-pinned");
    assert!(pinned.contains("FROM python:3.11-slim AS builder"));
    assert!(pinned.contains("\nFROM python:3.11-slim\n"));

    // Each dependency file has its path.
    let req = dockerfile(&dir, "py-requirements");
    assert!(req.contains("uv pip install --python /app/.venv/bin/python -r requirements.txt"));
    assert!(!req.contains("uv sync"));
    let only = dockerfile(&dir, "py-pyproject-only");
    assert!(only.contains("uv sync --no-dev --no-editable"));
    assert!(!only.contains("--locked"));
    assert!(
        warnings.contains("py-pyproject-only` has no uv.lock"),
        "{warnings}"
    );

    // The bridge has its own environment, never the project's.
    let two = dockerfile(&dir, "py-mcp2");
    assert!(two.contains("uv venv /opt/mcp-bridge"));
    assert!(two.contains("uv pip install --python /opt/mcp-bridge/bin/python"));
    assert!(!two.contains("--python /app/.venv/bin/python \"mcp-proxy"));
    assert!(two.contains("CMD [\"/opt/mcp-bridge/bin/python\""));

    // TypeScript: dev dependencies in the build stage, built, pruned; build/ is rebuilt.
    let tsc = dockerfile(&dir, "node-tsc");
    assert!(tsc.contains(
        "npm ci --no-fund --no-audit \\\n    && npm run build \\\n    && npm prune --omit=dev"
    ));
    assert!(ignore(&dir, "node-tsc").contains(&"build".to_string()));
    assert!(ignore(&dir, "node-tsc").contains(&"**/node_modules".to_string()));
    // The server's stderr reaches `docker logs` past supergateway's silence.
    assert!(tsc.contains("2>/proc/1/fd/2; kill -TERM 1"));

    // A workspace member: the root is the context, the member the working folder; its
    // committed files are kept (no build script).
    let ws = dockerfile(&dir, "node-workspace");
    assert!(ws.contains("npm ci --omit=dev"));
    assert!(ws.contains("WORKDIR /app/packages/echo\n"));
    assert!(!ignore(&dir, "node-workspace").contains(&"build".to_string()));
    let compose = std::fs::read_to_string(dir.join("deploy/compose.yaml")).unwrap();
    assert!(
        compose.contains("context: ../node-workspace\n"),
        "{compose}"
    );
}

#[test]
fn a_configured_python_image_wins_over_the_version_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let case = CASES.iter().find(|c| c.shape == "py-pinned").unwrap();
    copy_tree(&projects().join(case.shape), &dir.join(case.shape));
    let mut cfg = config(&[case]);
    cfg["images"]["python"] = "mirror.example/python:3.13".into();
    std::fs::write(
        dir.join("mcp-stack.yaml"),
        serde_yaml::to_string(&cfg).unwrap(),
    )
    .unwrap();
    let out = run(&["render"], dir);
    assert!(out.status.success(), "{:?}", text(&out));
    let d = dockerfile(dir, "py-pinned");
    assert!(
        d.contains("FROM mirror.example/python:3.13 AS builder"),
        "{d}"
    );
}
