//! How a rendered image installs and builds its project: decided here from the folder's
//! facts, so templates only print it.

use crate::config::build_facts::{minor_of, minor_satisfies, NodeFacts, PythonDeps, PythonFacts};
use crate::config::package::{PackageRef, Registry};

/// The build steps of a rendered Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Plan {
    Python(PythonPlan),
    Node(NodePlan),
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PythonPlan {
    /// The base image of both stages.
    pub image: String,
    pub deps: PythonDeps,
    /// uv installs the project itself (it has a build system).
    pub package: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NodePlan {
    /// `npm run build` in the build stage.
    pub build: bool,
    /// The build stage installs development dependencies (for `build` or `prepare`) and
    /// prunes them after.
    pub dev_deps: bool,
    /// The workspace member's folder inside the build context (the workspace root).
    pub member: Option<String>,
    /// A published package keeps its built files: its `prepare` script (which would build
    /// from sources the package does not ship) is dropped before `npm ci`.
    pub skip_prepare: bool,
}

/// How a published package (`package:`) is installed: uv into its own environment (PyPI), or
/// npm into a prefix (npm), then run like `uvx` / `npx` would.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PackagePlan {
    pub registry: Registry,
    pub name: String,
    pub version: String,
    /// What the installer is given: `name==version` or `name@version`.
    pub spec: String,
    /// The base image of both stages (`images.python` or `images.node`).
    pub image: String,
    /// Dependencies resolved as the registry stood then (uv `--exclude-newer`, npm `--before`).
    pub resolved_before: Option<String>,
    /// The command `command` picks (a console script or `bin` of the package), or none: then
    /// the package's own, as uvx/npx choose it (PyPI: the script named after the package;
    /// npm: the only `bin`, else the one named after the package), which the image resolves.
    pub chosen: Option<String>,
}

/// Where a package image keeps the command it resolved (npm: a link to the chosen `bin`).
pub const PACKAGE_ENTRYPOINT: &str = "/app/entrypoint";

/// The package plan and the command that starts the server (before any bridge).
pub fn package(
    reference: &PackageRef,
    image: &str,
    resolved_before: Option<&str>,
    command: Option<&[String]>,
    args: &[String],
) -> (PackagePlan, Vec<String>) {
    let chosen = command.and_then(|c| c.first()).cloned();
    let mut run: Vec<String> = match (command, reference.registry) {
        (Some(c), _) => c.to_vec(),
        (None, Registry::Pypi) => vec![reference.default_command()],
        (None, Registry::Npm) => vec![PACKAGE_ENTRYPOINT.to_string()],
    };
    run.extend(args.iter().cloned());
    let plan = PackagePlan {
        registry: reference.registry,
        name: reference.name.clone(),
        version: reference.version.clone(),
        spec: reference.spec(),
        image: image.to_string(),
        resolved_before: resolved_before.map(str::to_string),
        chosen: match reference.registry {
            Registry::Pypi => Some(chosen.unwrap_or_else(|| reference.default_command())),
            Registry::Npm => chosen,
        },
    };
    (plan, run)
}

/// Minor versions a `python:3.X-slim` image exists for, newest last.
const PYTHON_MINORS: std::ops::RangeInclusive<u32> = 9..=14;

/// The Python plan. `configured` is `images.python` when the config sets it; otherwise the
/// image follows the project: `.python-version` when `requires-python` allows it, else the
/// default image when it does, else the newest minor that does.
pub fn python(facts: Option<&PythonFacts>, configured: Option<&str>, default: &str) -> PythonPlan {
    let deps = facts.map_or(PythonDeps::UvLock, |f| f.deps);
    let package = facts.is_some_and(|f| f.package);
    let image = match configured {
        Some(img) => img.to_string(),
        None => choose_python_image(facts, default),
    };
    PythonPlan {
        image,
        deps,
        package,
    }
}

fn choose_python_image(facts: Option<&PythonFacts>, default: &str) -> String {
    let Some(f) = facts else {
        return default.to_string();
    };
    let allowed = |m: (u32, u32)| {
        f.requires_python
            .as_deref()
            .is_none_or(|spec| minor_satisfies(spec, m))
    };
    let tag = |(major, minor): (u32, u32)| format!("python:{major}.{minor}-slim");
    if let Some(m) = f.python_version.as_deref().and_then(minor_of) {
        if m.0 == 3 && allowed(m) {
            return tag(m);
        }
    }
    let default_minor = default.rsplit_once(':').and_then(|(_, t)| minor_of(t));
    if default_minor.is_none_or(allowed) {
        return default.to_string();
    }
    PYTHON_MINORS
        .rev()
        .map(|m| (3, m))
        .find(|m| allowed(*m))
        .map_or_else(|| default.to_string(), tag)
}

pub fn node(facts: Option<&NodeFacts>) -> NodePlan {
    let builds = facts.is_some_and(|f| !f.published);
    NodePlan {
        build: builds && facts.is_some_and(|f| f.build_script),
        dev_deps: builds && facts.is_some_and(|f| f.build_script || f.prepare_script),
        member: facts.and_then(|f| f.member.clone()),
        skip_prepare: !builds && facts.is_some_and(|f| f.prepare_script),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(version: Option<&str>, requires: Option<&str>) -> PythonFacts {
        PythonFacts {
            deps: PythonDeps::UvLock,
            package: false,
            python_version: version.map(String::from),
            requires_python: requires.map(String::from),
        }
    }

    const DEFAULT: &str = "python:3.12-slim";

    #[test]
    fn python_version_file_picks_the_tag() {
        let f = facts(Some("3.11"), Some(">=3.10"));
        assert_eq!(python(Some(&f), None, DEFAULT).image, "python:3.11-slim");
        let f = facts(Some("3.10.4"), None);
        assert_eq!(python(Some(&f), None, DEFAULT).image, "python:3.10-slim");
    }

    #[test]
    fn requires_python_overrules_a_version_file_it_excludes() {
        let f = facts(Some("3.9"), Some(">=3.10"));
        assert_eq!(python(Some(&f), None, DEFAULT).image, DEFAULT);
        let f = facts(None, Some(">=3.10,<3.12"));
        assert_eq!(python(Some(&f), None, DEFAULT).image, "python:3.11-slim");
        let f = facts(None, Some(">=3.13"));
        assert_eq!(python(Some(&f), None, DEFAULT).image, "python:3.14-slim");
    }

    #[test]
    fn a_configured_image_wins() {
        let f = facts(Some("3.10"), Some("==3.10.*"));
        assert_eq!(
            python(Some(&f), Some("mirror/python:3.11"), DEFAULT).image,
            "mirror/python:3.11"
        );
    }

    #[test]
    fn node_builds_with_dev_dependencies_only_when_a_script_needs_them() {
        let mut f = NodeFacts {
            build_script: false,
            prepare_script: false,
            member: None,
            published: false,
        };
        assert!(!node(Some(&f)).dev_deps);
        f.prepare_script = true;
        assert!(node(Some(&f)).dev_deps && !node(Some(&f)).build);
        f.build_script = true;
        assert!(node(Some(&f)).build && !node(Some(&f)).skip_prepare);
    }

    #[test]
    fn a_published_package_is_installed_as_built_without_its_prepare_script() {
        let f = NodeFacts {
            build_script: true,
            prepare_script: true,
            member: None,
            published: true,
        };
        let plan = node(Some(&f));
        assert!(!plan.build && !plan.dev_deps && plan.skip_prepare);
    }

    fn pkg(s: &str) -> PackageRef {
        crate::config::package::parse(s).unwrap()
    }

    #[test]
    fn a_pypi_package_runs_the_script_named_after_it_or_the_one_chosen() {
        let time = pkg("pypi:mcp-server-time==2026.10.19");
        let (plan, run) = package(&time, "python:3.12-slim", None, None, &[]);
        assert_eq!(run, ["mcp-server-time"]);
        assert_eq!(plan.chosen.as_deref(), Some("mcp-server-time"));
        assert_eq!(plan.spec, "mcp-server-time==2026.10.19");
        assert_eq!(plan.image, "python:3.12-slim");
        let args = ["--local-timezone".to_string(), "UTC".to_string()];
        let (_, run) = package(&time, "python:3.12-slim", None, None, &args);
        assert_eq!(run, ["mcp-server-time", "--local-timezone", "UTC"]);
        let cmd = ["other-script".to_string(), "-v".to_string()];
        let (plan, run) = package(
            &time,
            "python:3.12-slim",
            Some("2026-12-01"),
            Some(&cmd),
            &args,
        );
        assert_eq!(run, ["other-script", "-v", "--local-timezone", "UTC"]);
        assert_eq!(plan.chosen.as_deref(), Some("other-script"));
        assert_eq!(plan.resolved_before.as_deref(), Some("2026-12-01"));
    }

    #[test]
    fn an_npm_package_runs_its_bin_as_npx_picks_it_unless_a_command_is_chosen() {
        let memory = pkg("npm:@modelcontextprotocol/server-memory@2026.8.31");
        let (plan, run) = package(&memory, "node:22-slim", None, None, &["x".to_string()]);
        assert_eq!(run, [PACKAGE_ENTRYPOINT, "x"]);
        assert_eq!(plan.chosen, None);
        assert_eq!(plan.spec, "@modelcontextprotocol/server-memory@2026.8.31");
        let cmd = ["mcp-server-memory".to_string()];
        let (plan, run) = package(&memory, "node:22-slim", None, Some(&cmd), &[]);
        assert_eq!(run, ["mcp-server-memory"]);
        assert_eq!(plan.chosen.as_deref(), Some("mcp-server-memory"));
    }
}
