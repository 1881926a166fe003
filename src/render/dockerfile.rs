//! Dockerfiles for python (uv) and node servers, published packages, and bridged stdio images.

use super::{header, health, Templates};
use crate::model::{
    Component, ImageSource, Plan, Role, Runtime, Stack, APP_UID, PACKAGE_ENTRYPOINT,
};

/// Picks the `bin` npx would run (the only one, else the one named after the package without
/// its scope) and links it as the image's entry point. `node -e SCRIPT NAME LINK`.
const PICK_BIN: &str = "const fs = require('fs'), path = require('path');
const [name, link] = process.argv.slice(1);
const pkg = JSON.parse(fs.readFileSync(path.join('/app/node_modules', name, 'package.json'), 'utf8'));
const own = name.split('/').pop();
const bins = typeof pkg.bin === 'string' ? [own] : Object.keys(pkg.bin || {});
const pick = bins.length === 1 ? bins[0] : bins.includes(own) ? own : null;
if (!pick) {
  console.error(name + (bins.length ? ' has several commands (' + bins.join(', ') + ')' : ' has no command (no bin)') + ': pick one with command: [NAME] in mcp-stack.yaml');
  process.exit(1);
}
fs.symlinkSync(path.join('node_modules/.bin', pick), link);
";
use anyhow::Result;
use minijinja::context;

pub fn render(stack: &Stack, comp: &Component, templates: &Templates) -> Result<String> {
    let (template, folder, base, plan) = match &comp.image {
        ImageSource::Rendered {
            runtime: Runtime::Python,
            folder,
            plan: Plan::Python(plan),
            ..
        } => (
            "Dockerfile.python",
            folder.as_str(),
            "",
            minijinja::Value::from_serialize(plan),
        ),
        ImageSource::Rendered {
            runtime: Runtime::Node,
            folder,
            plan: Plan::Node(plan),
            ..
        } => (
            "Dockerfile.node",
            folder.as_str(),
            "",
            minijinja::Value::from_serialize(plan),
        ),
        ImageSource::Package { runtime, plan, .. } => (
            match runtime {
                Runtime::Python => "Dockerfile.pypi",
                Runtime::Node => "Dockerfile.npm",
            },
            "",
            "",
            minijinja::Value::from_serialize(plan),
        ),
        ImageSource::Bridged { base, .. } => (
            "Dockerfile.bridge",
            "",
            base.as_str(),
            minijinja::Value::UNDEFINED,
        ),
        _ => anyhow::bail!("{} has no rendered Dockerfile", comp.name),
    };
    let healthcheck = if comp.health_in_image {
        health::test_command(comp)
    } else {
        None
    };
    templates.render(
        template,
        context! {
            header => header(stack, "#").trim_end(),
            name => &comp.name,
            role => if comp.role == Role::Server { "Server" } else { "Service" },
            folder => folder,
            base => base,
            images => &stack.images,
            uid => APP_UID,
            port => comp.port.unwrap_or(8000),
            plan => plan,
            bridge => &comp.bridge,
            bridge_venv => health::BRIDGE_VENV,
            healthcheck => healthcheck,
            command => &comp.command,
            entrypoint => PACKAGE_ENTRYPOINT,
            pick_bin => PICK_BIN,
        },
    )
}

/// The ignore file read with the Dockerfile (BuildKit reads `<Dockerfile>.dockerignore`).
/// Build output (`build/`, `dist/`) is left out only where the image builds it again: a
/// Node project without a build script runs what it committed there.
pub fn ignore(stack: &Stack, comp: &Component) -> String {
    let rebuilt = match &comp.image {
        ImageSource::Rendered {
            plan: Plan::Node(p),
            ..
        } => p.build,
        _ => true,
    };
    let mut s = header(stack, "#");
    s += "# Kept out of the build context: local environments, secrets, VCS data and tests.\n";
    let mut lines = vec![
        ".venv",
        "**/.venv",
        "**/__pycache__",
        "*.pyc",
        "node_modules",
        "**/node_modules",
        ".git",
        ".gitignore",
        ".env",
        ".env.*",
        "*.pem",
        "*.key",
        "tests",
        "test",
        "**/*.test.js",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
    ];
    if rebuilt {
        lines.extend(["dist", "build"]);
    }
    lines.push("Dockerfile*");
    for line in lines {
        s += line;
        s.push('\n');
    }
    s
}
