//! Reading `mcp-stack.yaml`: syntax, types and unknown keys, each error with its key path and line.

use super::location::{KeyPath, Locations, Seg};
use super::schema::{closest, json_schema, keys_at};
use super::types::Config;
use crate::error::{Diagnostic, Error, Result};
use std::path::{Path, PathBuf};

/// A parsed configuration and what is needed to point at its lines.
#[derive(Debug)]
pub struct Source {
    /// The file as the user named it.
    pub file: PathBuf,
    /// The folder holding it: build paths are relative to this.
    pub dir: PathBuf,
    pub text: String,
    pub locations: Locations,
}

impl Source {
    /// A configuration error for this file; positions are filled in from the index.
    pub fn error(&self, mut diagnostics: Vec<Diagnostic>) -> Error {
        for d in &mut diagnostics {
            if d.pos.is_none() {
                d.pos = self.locations.find(&d.path);
            }
        }
        diagnostics.sort_by_key(|d| d.pos.map(|p| (p.line, p.col)).unwrap_or((0, 0)));
        Error::Config {
            file: self.file.clone(),
            text: self.text.clone(),
            diagnostics,
        }
    }

    /// The file name used in generated headers: the base name, never an absolute path.
    pub fn file_name(&self) -> String {
        self.file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "mcp-stack.yaml".into())
    }
}

/// Reads and parses the file at `file`.
pub fn load(file: &Path) -> Result<(Config, Source)> {
    let text = std::fs::read_to_string(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Error::NoConfig(format!("{} does not exist", file.display()))
        }
        _ => Error::io(file, e),
    })?;
    let dir = file
        .parent()
        .map(|p| {
            if p.as_os_str().is_empty() {
                Path::new(".")
            } else {
                p
            }
        })
        .unwrap_or(Path::new("."))
        .to_path_buf();
    parse(file.to_path_buf(), dir, text)
}

/// Parses `text` as the configuration named `file` in folder `dir`.
pub fn parse(file: PathBuf, dir: PathBuf, text: String) -> Result<(Config, Source)> {
    let source = Source {
        locations: Locations::index(&text),
        file,
        dir,
        text,
    };
    if source.text.trim().is_empty() {
        return Err(
            source.error(vec![Diagnostic::new(KeyPath::root(), "the file is empty")
                .help("run `mcpstack init` to write a starting configuration")]),
        );
    }
    let mut unknown = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let de = serde_yaml::Deserializer::from_str(&source.text);
    let de = serde_path_to_error::Deserializer::new(de, &mut track);
    let parsed: Result<Config, serde_yaml::Error> =
        serde_ignored::deserialize(de, |p| unknown.push(ignored_path(&p)));
    let config = match parsed {
        Ok(c) => c,
        Err(e) => return Err(source.error(vec![type_error(&e, track.path())])),
    };
    if !unknown.is_empty() {
        let schema = json_schema();
        let diags = unknown
            .into_iter()
            .map(|path| unknown_key(&schema, path))
            .collect();
        return Err(source.error(diags));
    }
    Ok((config, source))
}

fn unknown_key(schema: &serde_json::Value, path: KeyPath) -> Diagnostic {
    let word = path.last_key().unwrap_or_default().to_string();
    let valid = keys_at(schema, &path.parent());
    let mut d = Diagnostic::new(path.clone(), format!("unknown key `{word}`"));
    d = match closest(&word, &valid) {
        Some(c) => d.help(format!("did you mean `{c}`?")),
        None if !valid.is_empty() => d.help(format!("valid keys here: {}", valid.join(", "))),
        None => d,
    };
    d
}

fn type_error(e: &serde_yaml::Error, path: serde_path_to_error::Path) -> Diagnostic {
    let key = KeyPath(
        path.iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
                serde_path_to_error::Segment::Seq { index } => Some(Seg::Index(*index)),
                _ => None,
            })
            .collect(),
    );
    let mut message = e.to_string();
    // serde_yaml adds positions and prefixes the path; we print both ourselves.
    let context = message
        .split_once(", while ")
        .map(|(_, rest)| rest.split(" at line ").next().unwrap_or(rest).to_string());
    if let Some(i) = message.find(" at line ") {
        message.truncate(i);
    }
    if let Some(ctx) = context {
        message = format!("{message} (while {ctx})");
    }
    let prefix = format!("{key}: ");
    if let Some(rest) = message.strip_prefix(&prefix) {
        message = rest.to_string();
    }
    let mut d = Diagnostic::new(key, message.clone());
    if let Some(loc) = e.location() {
        d.pos = Some(super::location::Pos {
            line: loc.line(),
            col: loc.column(),
        });
    }
    if message.contains("missing field") {
        d = d.help("add the key; see the configuration reference in the README");
    } else if message.contains("did not find expected") || message.contains("mapping values") {
        d = d.help("check the indentation and the `key: value` form of this line");
    }
    d
}

fn ignored_path(p: &serde_ignored::Path) -> KeyPath {
    fn walk(p: &serde_ignored::Path, out: &mut Vec<Seg>) {
        use serde_ignored::Path as P;
        match p {
            P::Root => {}
            P::Seq { parent, index } => {
                walk(parent, out);
                out.push(Seg::Index(*index));
            }
            P::Map { parent, key } => {
                walk(parent, out);
                out.push(Seg::Key(key.clone()));
            }
            P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
                walk(parent, out)
            }
        }
    }
    let mut segs = Vec::new();
    walk(p, &mut segs);
    KeyPath(segs)
}
