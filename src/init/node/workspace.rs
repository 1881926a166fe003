//! npm workspaces: a member folder has no lock file of its own; the lock is at the workspace
//! root, a parent folder whose `package.json` lists `workspaces`.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// The workspace root above `dir` (within `root`) that holds `package-lock.json`.
pub fn root_of(dir: &Path, root: &Path) -> Option<PathBuf> {
    let root = std::fs::canonicalize(root).ok()?;
    let mut at = std::fs::canonicalize(dir).ok()?.parent()?.to_path_buf();
    loop {
        if !at.starts_with(&root) {
            return None;
        }
        let pkg = std::fs::read_to_string(at.join("package.json")).ok();
        let doc = pkg.and_then(|t| serde_json::from_str::<Value>(&t).ok());
        if doc.as_ref().and_then(|d| d.get("workspaces")).is_some() {
            return at.join("package-lock.json").is_file().then_some(at);
        }
        at = at.parent()?.to_path_buf();
    }
}
