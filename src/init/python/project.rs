//! What a `pyproject.toml` says: whether the project depends on the MCP SDK, and how it starts.

use std::path::Path;

/// The MCP packages whose presence makes a Python project an MCP server.
const MCP_PACKAGES: &[&str] = &["mcp", "fastmcp"];

/// The parts of a `pyproject.toml` that `init` uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pyproject {
    /// `[project].name`, normalised.
    pub name: Option<String>,
    /// The MCP package among `[project].dependencies` (`mcp` or `fastmcp`), if any.
    pub mcp_dependency: Option<String>,
    /// `[project.scripts]` names, sorted.
    pub scripts: Vec<String>,
    /// Whether uv installs the project itself (and so its scripts) into the environment.
    pub packaged: bool,
}

/// Reads `pyproject.toml` text. A file that is not valid TOML is not a project `init` offers.
pub fn parse(text: &str) -> Option<Pyproject> {
    let doc: toml::Table = toml::from_str(text).ok()?;
    let project = doc.get("project").and_then(|p| p.as_table());
    let deps = project
        .and_then(|p| p.get("dependencies"))
        .and_then(|d| d.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>())
        .unwrap_or_default();
    let mcp_dependency = deps
        .iter()
        .map(|d| requirement_name(d))
        .find(|n| MCP_PACKAGES.contains(&n.as_str()));
    let mut scripts: Vec<String> = project
        .and_then(|p| p.get("scripts"))
        .and_then(|s| s.as_table())
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default();
    scripts.sort();
    let uv_package = doc
        .get("tool")
        .and_then(|t| t.get("uv"))
        .and_then(|u| u.get("package"))
        .and_then(|p| p.as_bool());
    let packaged = uv_package.unwrap_or(doc.contains_key("build-system"));
    Some(Pyproject {
        name: project
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .map(normalise),
        mcp_dependency,
        scripts,
        packaged,
    })
}

/// The distribution name of a PEP 508 requirement, normalised: `mcp[cli]>=1.2` → `mcp`.
pub fn requirement_name(requirement: &str) -> String {
    let name: String = requirement
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
        .collect();
    normalise(&name)
}

/// PEP 503 normalisation: lowercase, runs of `-`, `_` and `.` become one `-`.
fn normalise(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if "._-".contains(c) {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The start command: a console script when uv installs the project, else `python -m <pkg>`
/// for a package with `__main__.py`, else `python <file>` for a lone top-level script.
pub fn command(py: &Pyproject, dir: &Path) -> Option<Vec<String>> {
    if py.packaged {
        if let Some(script) = pick_script(py) {
            return Some(vec![script]);
        }
    }
    if let Some(module) = main_module(dir) {
        return Some(vec!["python".into(), "-m".into(), module]);
    }
    if let Some(f) = ["server.py", "main.py", "app.py"]
        .iter()
        .find(|f| dir.join(f).is_file())
    {
        return Some(vec!["python".into(), f.to_string()]);
    }
    main_script(dir).map(|f| vec!["python".into(), f])
}

/// The one top-level `.py` file with an `if __name__ == "__main__":` block (the quickstart's
/// `weather.py`).
pub fn main_script(dir: &Path) -> Option<String> {
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|n| {
            n.ends_with(".py")
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        })
        .filter(|n| std::fs::read_to_string(dir.join(n)).is_ok_and(|t| t.contains("__name__ == ")))
        .collect();
    found.sort();
    (found.len() == 1).then(|| found.remove(0))
}

/// One script out of several: the one named after the project, else one that says `server` or
/// `mcp`, else the first.
fn pick_script(py: &Pyproject) -> Option<String> {
    let scripts = &py.scripts;
    let named = py
        .name
        .as_ref()
        .and_then(|n| scripts.iter().find(|s| normalise(s) == *n));
    named
        .or_else(|| scripts.iter().find(|s| s.contains("server")))
        .or_else(|| scripts.iter().find(|s| s.contains("mcp")))
        .or_else(|| scripts.first())
        .cloned()
}

/// A package with `__main__.py`, below `src/` or at the top.
fn main_module(dir: &Path) -> Option<String> {
    for base in [dir.join("src"), dir.to_path_buf()] {
        let Ok(entries) = std::fs::read_dir(&base) else {
            continue;
        };
        let mut found: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("__main__.py").is_file())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .collect();
        found.sort();
        if let Some(first) = found.into_iter().next() {
            return Some(first);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_names() {
        assert_eq!(requirement_name("mcp[cli]>=1.2"), "mcp");
        assert_eq!(requirement_name("mcp>=1.23,<2"), "mcp");
        assert_eq!(requirement_name("FastMCP == 2.3"), "fastmcp");
        assert_eq!(requirement_name("mcp ; python_version>'3.9'"), "mcp");
        assert_eq!(requirement_name("mcp-proxy==0.13.0"), "mcp-proxy");
        assert_eq!(requirement_name("Fast_MCP.x"), "fast-mcp-x");
    }

    #[test]
    fn reads_dependencies_and_scripts() {
        let py = parse(
            "[project]\nname = \"Weather_Server\"\ndependencies = [\"httpx\", \"mcp[cli]>=1.2\"]\n\
             [project.scripts]\nweather-server = \"w:main\"\nzz = \"w:other\"\n\
             [build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n",
        )
        .unwrap();
        assert_eq!(py.mcp_dependency.as_deref(), Some("mcp"));
        assert_eq!(py.name.as_deref(), Some("weather-server"));
        assert!(py.packaged);
        assert_eq!(pick_script(&py).as_deref(), Some("weather-server"));
        let plain = parse("[project]\nname = \"x\"\ndependencies = [\"mcp-proxy\"]\n").unwrap();
        assert_eq!(plain.mcp_dependency, None);
        assert!(!plain.packaged);
        assert!(parse("not toml [").is_none());
    }

    #[test]
    fn uv_package_setting_wins() {
        let py = parse("[project]\nname = \"x\"\n[tool.uv]\npackage = true\n").unwrap();
        assert!(py.packaged);
        let py = parse(
            "[project]\nname = \"x\"\n[tool.uv]\npackage = false\n[build-system]\nrequires = []\n",
        )
        .unwrap();
        assert!(!py.packaged);
    }
}
