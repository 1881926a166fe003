//! Lock files: what a folder lacks, and the command that makes it. A Python project without
//! `uv.lock` or a Node project without `package-lock.json` (and not an npm workspace member
//! whose lock is at the workspace root) is named with `uv lock` / `npm install`.

use super::detect::Found;
use super::node;
use std::path::Path;

/// A Python project: `uv.lock`, else (with `pyproject.toml`) `uv lock` to run, else
/// `requirements.txt` only.
pub fn python(dir: &Path, has_pyproject: bool, found: &mut Found) {
    if dir.join("uv.lock").is_file() {
        return;
    }
    if has_pyproject {
        found.lock = Some("no uv.lock: run `uv lock` in that folder".into());
    } else {
        found.notes.push(
            "no pyproject.toml: dependencies from requirements.txt (`uv pip install -r`)".into(),
        );
    }
}

/// A Node project: its own `package-lock.json`, or the workspace root's.
pub fn node(dir: &Path, root: &Path, found: &mut Found) {
    if dir.join("package-lock.json").is_file() {
        return;
    }
    match node::workspace::root_of(dir, root) {
        Some(ws) => {
            let shown = ws
                .strip_prefix(std::fs::canonicalize(root).unwrap_or_default())
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            let shown = if shown.is_empty() { ".".into() } else { shown };
            found.notes.push(format!(
                "an npm workspace member: the lock file is {shown}/package-lock.json"
            ));
        }
        None => {
            found.lock = Some("no package-lock.json: run `npm install` in that folder".into());
        }
    }
}
