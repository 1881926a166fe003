//! Writes rendered files into the output folder: a manifest of hashes, drift checks,
//! refusal to overwrite hand edits, removal of files no longer produced, atomic writes.

mod atomic;

pub use atomic::write_atomic;

use crate::error::{Error, Result};
use crate::render::File;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The manifest's name inside the output folder.
pub const MANIFEST: &str = ".mcpstack-manifest.json";

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Manifest {
    pub generator: String,
    pub config: String,
    /// Output-relative path → sha256 of the contents mcpstack wrote.
    pub files: BTreeMap<String, String>,
}

pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// What one path needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    UpToDate,
    Missing,
    /// The config now renders something else; the file is as mcpstack left it.
    Stale,
    /// Someone changed the file since mcpstack wrote it (or it was never ours).
    HandEdited,
    /// mcpstack wrote it earlier; the config no longer produces it.
    Orphan,
    /// An orphan that was edited by hand.
    OrphanEdited,
}

#[derive(Debug)]
pub struct Entry {
    pub path: String,
    pub state: State,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Compares the rendered files with the output folder. Reads only.
pub fn plan(dir: &Path, files: &[File]) -> Result<Vec<Entry>> {
    let manifest = read_manifest(dir)?;
    let mut entries = Vec::new();
    for f in files {
        let path = dir.join(&f.path);
        let old = read_text(&path)?;
        let state = match &old {
            None => State::Missing,
            Some(text) if *text == f.contents => State::UpToDate,
            Some(text) => match manifest.files.get(&f.path) {
                Some(hash) if *hash == sha256(text.as_bytes()) => State::Stale,
                _ => State::HandEdited,
            },
        };
        entries.push(Entry {
            path: f.path.clone(),
            state,
            old,
            new: Some(f.contents.clone()),
        });
    }
    for (path, hash) in &manifest.files {
        if files.iter().any(|f| &f.path == path) {
            continue;
        }
        if let Some(text) = read_text(&dir.join(path))? {
            let state = if sha256(text.as_bytes()) == *hash {
                State::Orphan
            } else {
                State::OrphanEdited
            };
            entries.push(Entry {
                path: path.clone(),
                state,
                old: Some(text),
                new: None,
            });
        }
    }
    Ok(entries)
}

/// A unified diff from what is on disk to what render would write.
pub fn diff(e: &Entry) -> String {
    let old = e.old.as_deref().unwrap_or("");
    let new = e.new.as_deref().unwrap_or("");
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{}", e.path), &format!("b/{}", e.path))
        .to_string()
}

pub fn describe(e: &Entry) -> &'static str {
    match e.state {
        State::UpToDate => "up to date",
        State::Missing => "missing",
        State::Stale => "stale",
        State::HandEdited => "edited by hand",
        State::Orphan => "no longer generated",
        State::OrphanEdited => "no longer generated, edited by hand",
    }
}

/// What `render` did.
#[derive(Debug, Default)]
pub struct Report {
    pub written: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: usize,
}

/// Writes every file that changed, removes orphans, then the manifest. Refuses hand-edited
/// files unless `force`; in that case nothing at all is written.
pub fn write(dir: &Path, config_name: &str, files: &[File], force: bool) -> Result<Report> {
    let entries = plan(dir, files)?;
    let edited: Vec<String> = entries
        .iter()
        .filter(|e| matches!(e.state, State::HandEdited | State::OrphanEdited))
        .map(|e| dir.join(&e.path).display().to_string())
        .collect();
    if !edited.is_empty() && !force {
        return Err(Error::HandEdited { files: edited });
    }
    let mut report = Report::default();
    for e in &entries {
        let path = dir.join(&e.path);
        match (&e.state, &e.new) {
            (State::UpToDate, _) => report.unchanged += 1,
            (_, Some(contents)) => {
                write_atomic(&path, contents.as_bytes(), mode_for(&e.path))?;
                report.written.push(e.path.clone());
            }
            (_, None) => {
                std::fs::remove_file(&path).map_err(|err| Error::io(&path, err))?;
                remove_empty_parents(dir, &path);
                report.removed.push(e.path.clone());
            }
        }
    }
    let manifest = Manifest {
        generator: format!("mcpstack {}", env!("CARGO_PKG_VERSION")),
        config: config_name.to_string(),
        files: files
            .iter()
            .map(|f| (f.path.clone(), sha256(f.contents.as_bytes())))
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&manifest).map_err(anyhow::Error::from)?;
    text.push('\n');
    let mpath = dir.join(MANIFEST);
    if read_text(&mpath)?.as_deref() != Some(text.as_str()) {
        write_atomic(&mpath, text.as_bytes(), 0o644)?;
    }
    Ok(report)
}

fn mode_for(path: &str) -> u32 {
    if path.ends_with(".sh") {
        0o755
    } else {
        0o644
    }
}

fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir: Option<PathBuf> = file.parent().map(Path::to_path_buf);
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) || std::fs::remove_dir(&d).is_err() {
            break;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
}

fn read_manifest(dir: &Path) -> Result<Manifest> {
    let path = dir.join(MANIFEST);
    match read_text(&path)? {
        None => Ok(Manifest::default()),
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            Error::Other(anyhow::anyhow!(
                "{} is not a valid manifest ({e}); delete it and run `mcpstack render --force`",
                path.display()
            ))
        }),
    }
}

fn read_text(path: &Path) -> Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}
