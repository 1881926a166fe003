//! The manifest: which files in the output folder are mcpstack's, by hash. It is committed with
//! the output, so it is untrusted input: every path in it is normalised and must stay inside the
//! output folder.

use super::tree;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The manifest's name inside the output folder.
pub const MANIFEST: &str = ".mcpstack-manifest.json";

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub generator: String,
    pub config: String,
    /// Output-relative path → sha256 of the contents mcpstack wrote.
    pub files: BTreeMap<String, String>,
    /// Written only while a render is under way: output-relative path → sha256 of the contents
    /// that render is writing. A file matching either map is mcpstack's, so an interrupted
    /// render is completed by the next one instead of being taken for a hand edit.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: BTreeMap<String, String>,
}

impl Manifest {
    /// Whether `text` at `path` is something mcpstack wrote (before or during a render).
    pub fn is_ours(&self, path: &str, text: &str) -> bool {
        let hash = sha256(text.as_bytes());
        self.files.get(path) == Some(&hash) || self.pending.get(path) == Some(&hash)
    }

    /// Every path the manifest claims, once.
    pub fn paths(&self) -> impl Iterator<Item = &String> {
        let pending = self
            .pending
            .keys()
            .filter(|p| !self.files.contains_key(p.as_str()));
        self.files.keys().chain(pending)
    }

    pub fn to_text(&self) -> Result<String> {
        let mut text = serde_json::to_string_pretty(self).map_err(anyhow::Error::from)?;
        text.push('\n');
        Ok(text)
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push(HEX[usize::from(b >> 4)] as char);
        hex.push(HEX[usize::from(b & 15)] as char);
    }
    hex
}

/// `path` with `.` and empty segments dropped, or `None` if it is absolute, climbs with `..`,
/// holds a NUL or names nothing (or the manifest itself).
pub fn normalise(path: &str) -> Option<String> {
    if path.starts_with('/') || path.contains('\0') {
        return None;
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    let rel = parts.join("/");
    (!rel.is_empty() && rel != MANIFEST).then_some(rel)
}

/// Reads the manifest of `tree`'s output folder (an empty one if there is none), with its text
/// as found. Refuses a manifest that names a path outside the output folder: nothing is
/// written then.
pub fn read(tree: &mut tree::Tree) -> Result<(Manifest, Option<String>)> {
    let path = tree.root().join(MANIFEST);
    let Some(text) = tree.read(MANIFEST)? else {
        return Ok((Manifest::default(), None));
    };
    let raw: Manifest = serde_json::from_str(&text).map_err(|e| Error::Unsafe {
        what: format!("{} is not a valid manifest ({e})", path.display()),
        help: "restore it from git, or delete it and run `mcpstack render --force`".into(),
    })?;
    let mut clean = Manifest {
        generator: raw.generator,
        config: raw.config,
        ..Manifest::default()
    };
    for (map, out) in [
        (raw.files, &mut clean.files),
        (raw.pending, &mut clean.pending),
    ] {
        for (p, hash) in map {
            match normalise(&p) {
                Some(rel) => {
                    out.insert(rel, hash);
                }
                None => {
                    return Err(Error::Unsafe {
                        what: format!(
                            "{} lists `{}`, which is outside the output folder; mcpstack never writes or deletes files outside {}",
                            path.display(),
                            p.escape_debug(),
                            tree.root().display()
                        ),
                        help: "remove that entry (or restore the manifest from git) and run `mcpstack render` again; nothing was written".into(),
                    });
                }
            }
        }
    }
    Ok((clean, Some(text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_lowercase_hex_sha256() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn normalise_keeps_inside_paths_and_refuses_escapes() {
        assert_eq!(
            normalise("nginx/nginx.conf").as_deref(),
            Some("nginx/nginx.conf")
        );
        assert_eq!(
            normalise("./nginx//x.conf").as_deref(),
            Some("nginx/x.conf")
        );
        for bad in [
            "../../victim/file",
            "/etc/passwd",
            "nginx/../../x",
            "",
            ".",
            "./",
            "a\0b",
            MANIFEST,
            "./.mcpstack-manifest.json",
        ] {
            assert_eq!(normalise(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_file_is_ours_under_either_hash() {
        let mut m = Manifest::default();
        m.files.insert("a".into(), sha256(b"old"));
        m.pending.insert("a".into(), sha256(b"new"));
        assert!(m.is_ours("a", "old"));
        assert!(m.is_ours("a", "new"));
        assert!(!m.is_ours("a", "edited"));
        assert!(!m.is_ours("b", "old"));
    }
}
