//! Reading `mcp-stack.yaml`: syntax, types and unknown keys, each error with its key path and line.

use super::location::{KeyPath, Pos, Seg};
use super::schema::{closest, json_schema, keys_at};
use super::types::Config;
use super::yaml::{self, Locations};
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

/// The largest configuration mcpstack reads: real ones are a few kilobytes.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// Reads and parses the file at `file`.
pub fn load(file: &Path) -> Result<(Config, Source)> {
    let bytes = read_bounded(file)?;
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
    let text = decode(file, bytes)?;
    parse(file.to_path_buf(), dir, text)
}

/// Reads at most [`MAX_CONFIG_BYTES`] (and one more, to tell that the file is larger).
fn read_bounded(file: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let f = std::fs::File::open(file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            Error::NoConfig(format!("{} does not exist", file.display()))
        }
        _ => Error::io(file, e),
    })?;
    let mut bytes = Vec::new();
    f.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(file, e))?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(whole_file_error(
            file,
            String::new(),
            "the file is larger than 1 MiB, the limit for a configuration",
            "mcp-stack.yaml is a few kilobytes: is --config pointing at the right file?",
        ));
    }
    Ok(bytes)
}

/// The file's text: UTF-8 without control characters, or a configuration error saying why not.
fn decode(file: &Path, bytes: Vec<u8>) -> Result<String> {
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    let utf32 = bytes.starts_with(&[0, 0, 0xFE, 0xFF]) || bytes.starts_with(&[0xFF, 0xFE, 0, 0]);
    if utf16 || utf32 {
        let bits = if utf32 { 32 } else { 16 };
        return Err(whole_file_error(
            file,
            String::new(),
            &format!("the file is UTF-{bits} text; mcpstack reads UTF-8"),
            "save the file as UTF-8",
        ));
    }
    match String::from_utf8(bytes) {
        Ok(text) => {
            let bad = text
                .char_indices()
                .find(|(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{85}'));
            match bad {
                Some((at, c)) => {
                    let pos = pos_of(&text, at);
                    Err(located_error(
                        file,
                        text.clone(),
                        pos,
                        &format!(
                            "the file holds a control character (U+{:04X}): it is not a text configuration",
                            c as u32
                        ),
                        "write special characters in a double-quoted string as escapes, e.g. \"\\t\"",
                    ))
                }
                None => Ok(text),
            }
        }
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let byte = e.as_bytes()[at];
            let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
            let pos = pos_of(&prefix, prefix.len());
            Err(located_error(
                file,
                text,
                pos,
                &format!("the file is not UTF-8 text (byte 0x{byte:02X})"),
                "save the file as UTF-8",
            ))
        }
    }
}

/// Line and column (in characters) of byte `at` of `text`.
fn pos_of(text: &str, at: usize) -> Pos {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    Pos { line, col }
}

fn whole_file_error(file: &Path, text: String, message: &str, help: &str) -> Error {
    Error::Config {
        file: file.to_path_buf(),
        text,
        diagnostics: vec![Diagnostic::new(KeyPath::root(), message).help(help)],
    }
}

fn located_error(file: &Path, text: String, pos: Pos, message: &str, help: &str) -> Error {
    let mut d = Diagnostic::new(KeyPath::root(), message).help(help);
    d.pos = Some(pos);
    Error::Config {
        file: file.to_path_buf(),
        text,
        diagnostics: vec![d],
    }
}

/// Parses `text` as the configuration named `file` in folder `dir`: one pass of the YAML
/// parser builds the tree (which is also the index of key positions), and the tree is read
/// into the typed configuration.
pub fn parse(file: PathBuf, dir: PathBuf, text: String) -> Result<(Config, Source)> {
    let (locations, problem) = match yaml::read(&text) {
        Ok(l) => (l, None),
        Err(e) => (Locations::default(), Some(e)),
    };
    let source = Source {
        locations,
        file,
        dir,
        text,
    };
    if let Some(d) = problem {
        return Err(source.error(vec![d]));
    }
    if source.locations.root().is_none() {
        let message = if source.text.trim().is_empty() {
            "the file is empty"
        } else {
            "the file holds no configuration, only comments"
        };
        return Err(source.error(vec![Diagnostic::new(KeyPath::root(), message)
            .help("run `mcpstack init` to write a starting configuration")]));
    }
    let (parsed, unknown) = typed(source.locations.root());
    let config = match parsed {
        Ok(c) => c,
        Err((e, path)) => return Err(source.error(vec![type_error(e, path)])),
    };
    if !unknown.is_empty() {
        let schema = json_schema();
        let diags = unknown
            .into_iter()
            .map(|path| unknown_key(&schema, path))
            .collect();
        return Err(source.error(diags));
    }
    let mut config = config;
    package_defaults(&mut config, &source);
    Ok((config, source))
}

/// The typed config, with the keys it does not know; on an error, the path of the key it
/// failed at.
type Typed = (
    std::result::Result<Config, (yaml::Error, serde_path_to_error::Path)>,
    Vec<KeyPath>,
);

fn typed(root: Option<&yaml::Node>) -> Typed {
    let mut unknown = Vec::new();
    let de = yaml::Value(root);
    if let Ok(config) = serde_ignored::deserialize(de, |p| unknown.push(ignored_path(&p))) {
        return (Ok(config), unknown);
    }
    // Only a failed read needs the path it failed at: the tree is read again, tracking it.
    let mut unknown = Vec::new();
    let mut track = serde_path_to_error::Track::new();
    let de = serde_path_to_error::Deserializer::new(yaml::Value(root), &mut track);
    let parsed: std::result::Result<Config, yaml::Error> =
        serde_ignored::deserialize(de, |p| unknown.push(ignored_path(&p)));
    (parsed.map_err(|e| (e, track.path())), unknown)
}

/// A `package:` server speaks stdio, as `uvx` and `npx` run it, unless `transport` is written.
fn package_defaults(config: &mut Config, source: &Source) {
    for (name, s) in config.servers.iter_mut() {
        if s.package.is_none() {
            continue;
        }
        let written = source
            .locations
            .exact(&KeyPath::of(&["servers", name, "transport"]))
            .is_some();
        if !written {
            s.transport = super::types::Transport::Stdio;
        }
    }
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

/// A value of the wrong type, pointed at by its key (or item) as every other error is (the
/// source fills that in): the value's own place only for the document itself.
fn type_error(e: yaml::Error, path: serde_path_to_error::Path) -> Diagnostic {
    let key = KeyPath(
        path.iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
                serde_path_to_error::Segment::Seq { index } => Some(Seg::Index(*index)),
                _ => None,
            })
            .collect(),
    );
    let missing = e.message.contains("missing field");
    let mut d = Diagnostic::new(key, e.message);
    if d.path.0.is_empty() {
        d.pos = e.pos;
    }
    if missing {
        d = d.help("add the key; see the configuration reference in the README");
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
