//! Dockerfiles for python (uv) and node servers, and for bridged stdio images.

use super::{header, health, Templates};
use crate::model::{Component, ImageSource, Role, Runtime, Stack, APP_UID};
use anyhow::Result;
use minijinja::context;

pub fn render(stack: &Stack, comp: &Component, templates: &Templates) -> Result<String> {
    let (template, folder, base) = match &comp.image {
        ImageSource::Rendered {
            runtime: Runtime::Python,
            folder,
            ..
        } => ("Dockerfile.python", folder.as_str(), ""),
        ImageSource::Rendered {
            runtime: Runtime::Node,
            folder,
            ..
        } => ("Dockerfile.node", folder.as_str(), ""),
        ImageSource::Bridged { base, .. } => ("Dockerfile.bridge", "", base.as_str()),
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
            bridge => &comp.bridge,
            bridge_venv => health::BRIDGE_VENV,
            healthcheck => healthcheck,
            command => &comp.command,
        },
    )
}

/// The ignore file read with the Dockerfile (BuildKit reads `<Dockerfile>.dockerignore`).
pub fn ignore(stack: &Stack) -> String {
    let mut s = header(stack, "#");
    s += "# Kept out of the build context: local environments, secrets, VCS data and tests.\n";
    for line in [
        ".venv",
        "**/__pycache__",
        "*.pyc",
        "node_modules",
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
        "dist",
        "build",
        "Dockerfile*",
    ] {
        s += line;
        s.push('\n');
    }
    s
}
