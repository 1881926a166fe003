//! What a `build` folder's files say about how to build it: the lock kind, a build system,
//! the Python version, the npm build script and workspace root. Read once, during validation;
//! the model decides what to do with it.

use super::types::Runtime;
use super::validate::BuildFacts;
use std::path::Path;

/// A problem or a warning about a build folder, reported at its `build` key.
#[derive(Clone)]
pub struct Finding {
    pub error: bool,
    pub message: String,
    pub help: String,
}

/// The facts of the build folder `rel` (relative to `project`, `/`-separated) of a runtime.
pub fn gather(project: &Path, rel: &str, runtime: Runtime) -> (BuildFacts, Vec<Finding>) {
    let dir = project.join(rel);
    let mut findings = Vec::new();
    let mut facts = BuildFacts {
        folder: rel.to_string(),
        runtime,
        src_layout: dir.join("src").is_dir(),
        python: None,
        node: None,
        dockerfile: None,
    };
    match runtime {
        Runtime::Python => {
            facts.python = python(&dir);
            if facts.python.as_ref().map(|p| p.deps) == Some(PythonDeps::Pyproject) {
                findings.push(Finding {
                    error: false,
                    message: format!(
                        "`{rel}` has no uv.lock: its dependencies are resolved when the image is built, so two builds may differ"
                    ),
                    help: format!("run `uv lock` in `{rel}` and commit uv.lock"),
                });
            }
        }
        Runtime::Node => {
            if let Some((node_facts, context)) = node(&dir, project) {
                if node_facts.member.is_none() && !context.join("package-lock.json").is_file() {
                    findings.push(Finding {
                        error: true,
                        message: format!("`{rel}` has package.json but no package-lock.json"),
                        help: "the image installs with `npm ci`: run `npm install` there once (or, for an npm workspace member, at the workspace root)".into(),
                    });
                }
                if node_facts.member.is_some() {
                    let root = context.strip_prefix(project).unwrap_or(&context);
                    let root: Vec<String> = root
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    facts.folder = if root.is_empty() {
                        ".".into()
                    } else {
                        root.join("/")
                    };
                }
                facts.node = Some(node_facts);
            }
        }
        Runtime::Dockerfile => {
            facts.dockerfile = std::fs::read_to_string(dir.join("Dockerfile"))
                .ok()
                .map(|text| super::dockerfile::read(&text));
        }
        Runtime::Auto => {}
    }
    (facts, findings)
}

/// How a Python project pins its dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PythonDeps {
    /// `uv.lock`: `uv sync --locked`.
    UvLock,
    /// `requirements.txt` (and no `uv.lock`): `uv pip install -r`.
    Requirements,
    /// Only `pyproject.toml`: resolved at build time (`uv sync`), not reproducible.
    Pyproject,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonFacts {
    pub deps: PythonDeps,
    /// uv installs the project itself: a `[build-system]` or `tool.uv.package = true`.
    pub package: bool,
    /// The first line of `.python-version`, as written.
    pub python_version: Option<String>,
    /// `[project].requires-python`, as written.
    pub requires_python: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFacts {
    /// `scripts.build` exists: `npm run build` in the build stage.
    pub build_script: bool,
    /// `scripts.prepare` exists: `npm ci` runs it, so it needs development dependencies.
    pub prepare_script: bool,
    /// For a workspace member without its own lock: the member's folder relative to the
    /// workspace root, which becomes the build context.
    pub member: Option<String>,
    /// A package as published: already built (its `main` or a `bin` target exists) and
    /// without the sources its build scripts compile (no `tsconfig.json`).
    pub published: bool,
}

/// Reads a Python project folder. `None` when it has neither `pyproject.toml` nor
/// `requirements.txt`.
pub fn python(dir: &Path) -> Option<PythonFacts> {
    let has = |f: &str| dir.join(f).is_file();
    let deps = if has("uv.lock") && has("pyproject.toml") {
        PythonDeps::UvLock
    } else if has("requirements.txt") {
        PythonDeps::Requirements
    } else if has("pyproject.toml") {
        PythonDeps::Pyproject
    } else {
        return None;
    };
    let pyproject: Option<toml::Table> = std::fs::read_to_string(dir.join("pyproject.toml"))
        .ok()
        .and_then(|t| t.parse().ok());
    let get = |keys: &[&str]| -> Option<toml::Value> {
        let mut v = toml::Value::Table(pyproject.clone()?);
        for k in keys {
            v = v.get(k)?.clone();
        }
        Some(v)
    };
    let package = get(&["build-system"]).is_some()
        || get(&["tool", "uv", "package"]).and_then(|v| v.as_bool()) == Some(true);
    let requires_python =
        get(&["project", "requires-python"]).and_then(|v| v.as_str().map(str::to_string));
    let python_version = std::fs::read_to_string(dir.join(".python-version"))
        .ok()
        .and_then(|t| {
            t.lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_string)
        });
    Some(PythonFacts {
        deps,
        package,
        python_version,
        requires_python,
    })
}

/// Reads a Node project folder. `root` is the project folder (the config's): a workspace
/// root is looked for between `dir` and `root`, never above. Returns the facts and the build
/// context folder (`dir`, or the workspace root).
pub fn node(dir: &Path, root: &Path) -> Option<(NodeFacts, std::path::PathBuf)> {
    let pkg = read_json(&dir.join("package.json"))?;
    let script = |name: &str| pkg["scripts"][name].is_string();
    let mut facts = NodeFacts {
        build_script: script("build"),
        prepare_script: script("prepare"),
        member: None,
        published: published(dir, &pkg),
    };
    if dir.join("package-lock.json").is_file() {
        return Some((facts, dir.to_path_buf()));
    }
    let mut up = dir.parent();
    while let Some(candidate) = up {
        if !candidate.starts_with(root) {
            break;
        }
        if let Some(member) = workspace_member(candidate, dir) {
            facts.member = Some(member);
            return Some((facts, candidate.to_path_buf()));
        }
        up = candidate.parent();
    }
    Some((facts, dir.to_path_buf()))
}

/// Already built and without sources to build: no `tsconfig.json`, and the file `main` names
/// or one that `bin` names exists.
fn published(dir: &Path, pkg: &serde_json::Value) -> bool {
    if dir.join("tsconfig.json").is_file() {
        return false;
    }
    let mut entries: Vec<&str> = pkg["main"].as_str().into_iter().collect();
    match &pkg["bin"] {
        serde_json::Value::String(s) => entries.push(s),
        serde_json::Value::Object(o) => entries.extend(o.values().filter_map(|v| v.as_str())),
        _ => {}
    }
    entries.iter().any(|e| {
        let e = e.trim_start_matches("./");
        !e.is_empty() && !e.contains("..") && dir.join(e).is_file()
    })
}

/// `dir` relative to `candidate`, when `candidate` is an npm workspace root with a lock whose
/// `workspaces` patterns match `dir`.
fn workspace_member(candidate: &Path, dir: &Path) -> Option<String> {
    if !candidate.join("package-lock.json").is_file() {
        return None;
    }
    let pkg = read_json(&candidate.join("package.json"))?;
    let patterns = match &pkg["workspaces"] {
        serde_json::Value::Array(a) => a.clone(),
        serde_json::Value::Object(o) => o.get("packages")?.as_array()?.clone(),
        _ => return None,
    };
    let rel = dir.strip_prefix(candidate).ok()?;
    let rel: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let rel = rel.join("/");
    let matches = patterns.iter().filter_map(|p| p.as_str()).any(|p| {
        let p = p.trim_start_matches("./").trim_end_matches('/');
        globset::Glob::new(p)
            .map(|g| g.compile_matcher().is_match(&rel))
            .unwrap_or(false)
    });
    matches.then_some(rel)
}

fn read_json(path: &Path) -> Option<serde_json::Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// `3.11` from `3.11`, `3.11.4`, `cpython-3.11`, `3.11t`, `>=3.11`: the first major.minor.
pub fn minor_of(text: &str) -> Option<(u32, u32)> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let mut parts = text[start..].split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    Some((major, minor.parse().ok()?))
}

/// Whether some release of Python `major.minor` satisfies a PEP 440 specifier set such as
/// `>=3.10,<3.13` or `~=3.11` or `==3.12.*`. Unparseable clauses are ignored.
pub fn minor_satisfies(spec: &str, (major, minor): (u32, u32)) -> bool {
    (0..100).any(|patch| {
        spec.split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .all(|clause| clause_holds(clause, [major, minor, patch]))
    })
}

fn clause_holds(clause: &str, v: [u32; 3]) -> bool {
    let ops = ["~=", "==", "!=", "<=", ">=", "<", ">"];
    let Some(op) = ops.iter().find(|o| clause.starts_with(**o)) else {
        return true;
    };
    let rest = clause[op.len()..].trim();
    let wildcard = rest.ends_with(".*");
    let nums: Vec<u32> = rest
        .trim_end_matches(".*")
        .split('.')
        .map_while(|p| p.parse().ok())
        .collect();
    if nums.is_empty() {
        return true;
    }
    let padded = |n: &[u32]| [0, 1, 2].map(|i| n.get(i).copied().unwrap_or(0));
    let target = padded(&nums);
    let prefix_eq = v[..nums.len().min(3)] == nums[..nums.len().min(3)];
    match *op {
        "==" if wildcard => prefix_eq,
        "!=" if wildcard => !prefix_eq,
        "==" => v == target,
        "!=" => v != target,
        "<=" => v <= target,
        ">=" => v >= target,
        "<" => v < target,
        ">" => v > target,
        _ => {
            // ~=X.Y[.Z]: >= X.Y[.Z] and the same release up to the last given part.
            let keep = nums.len().saturating_sub(1).max(1);
            v >= target && v[..keep.min(3)] == nums[..keep.min(3)]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_major_minor() {
        assert_eq!(minor_of("3.11"), Some((3, 11)));
        assert_eq!(minor_of("3.10.4\n"), Some((3, 10)));
        assert_eq!(minor_of("cpython-3.12"), Some((3, 12)));
        assert_eq!(minor_of("3.13t"), Some((3, 13)));
        assert_eq!(minor_of("pypy"), None);
    }

    #[test]
    fn evaluates_requires_python() {
        assert!(minor_satisfies(">=3.10", (3, 11)));
        assert!(!minor_satisfies(">=3.12", (3, 11)));
        assert!(minor_satisfies(">=3.10,<3.13", (3, 12)));
        assert!(!minor_satisfies(">=3.10,<3.13", (3, 13)));
        assert!(minor_satisfies(">=3.10.4", (3, 10)));
        assert!(minor_satisfies("==3.11.*", (3, 11)));
        assert!(!minor_satisfies("==3.11.*", (3, 12)));
        assert!(minor_satisfies("~=3.11", (3, 13)));
        assert!(!minor_satisfies("~=3.11.2", (3, 12)));
        assert!(minor_satisfies("~=3.11.2", (3, 11)));
        assert!(!minor_satisfies("<3.11", (3, 11)));
        assert!(minor_satisfies("!=3.11.0", (3, 11)));
    }

    #[test]
    fn a_package_is_published_when_built_and_without_sources_to_build() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        let pkg = r#"{"bin": {"srv": "dist/index.js"}, "scripts": {"prepare": "npm run build", "build": "tsc"}}"#;
        std::fs::write(d.join("package.json"), pkg).unwrap();
        // Not built yet: the build must run.
        assert!(!node(d, d).unwrap().0.published);
        std::fs::create_dir_all(d.join("dist")).unwrap();
        std::fs::write(d.join("dist/index.js"), "").unwrap();
        assert!(node(d, d).unwrap().0.published);
        // Sources beside the built files: built again from them.
        std::fs::write(d.join("tsconfig.json"), "{}").unwrap();
        assert!(!node(d, d).unwrap().0.published);
    }

    #[test]
    fn finds_a_workspace_root_within_the_project() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        std::fs::write(
            root.join("package.json"),
            r#"{"workspaces": ["packages/*"]}"#,
        )
        .unwrap();
        std::fs::write(root.join("package-lock.json"), "{}").unwrap();
        let member = root.join("packages/weather");
        std::fs::create_dir_all(&member).unwrap();
        std::fs::write(
            member.join("package.json"),
            r#"{"scripts": {"build": "tsc"}}"#,
        )
        .unwrap();
        let (facts, context) = node(&member, root).unwrap();
        assert_eq!(facts.member.as_deref(), Some("packages/weather"));
        assert!(facts.build_script);
        assert_eq!(context, root);
        // Not above the project folder.
        let (facts, context) = node(&member, &root.join("packages")).unwrap();
        assert_eq!(facts.member, None);
        assert_eq!(context, member);
    }

    #[test]
    fn reads_the_python_shape() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        std::fs::write(
            d.join("pyproject.toml"),
            "[project]\nname='a'\nrequires-python='>=3.10'\n",
        )
        .unwrap();
        std::fs::write(d.join(".python-version"), "3.11\n").unwrap();
        let f = python(d).unwrap();
        assert_eq!(f.deps, PythonDeps::Pyproject);
        assert!(!f.package);
        assert_eq!(f.python_version.as_deref(), Some("3.11"));
        assert_eq!(f.requires_python.as_deref(), Some(">=3.10"));
        std::fs::write(d.join("requirements.txt"), "mcp\n").unwrap();
        assert_eq!(python(d).unwrap().deps, PythonDeps::Requirements);
        std::fs::write(d.join("uv.lock"), "").unwrap();
        std::fs::write(
            d.join("pyproject.toml"),
            "[project]\nname='a'\n[build-system]\nrequires=['hatchling']\n",
        )
        .unwrap();
        let f = python(d).unwrap();
        assert_eq!(f.deps, PythonDeps::UvLock);
        assert!(f.package);
    }
}
