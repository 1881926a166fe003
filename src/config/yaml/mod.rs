//! The configuration's YAML, parsed once: a tree whose every node keeps its place in the
//! file, read into the typed configuration by a serde deserializer of its own.
//!
//! One pass over the parser's events builds the tree and enforces the limits on depth,
//! aliases, duplicate keys and tags; the tree is also the index every error's line is looked
//! up in ([`Locations`]). Plain scalars are resolved as serde_yaml resolves them (YAML 1.2's
//! core schema), so a file reads as it did when serde_yaml read it in a second pass; the
//! tests compare the two on every kind of value in every type the configuration has.

mod de;
mod resolve;
mod tree;

pub use de::{Error, Value};
pub use tree::{read, Node};

use tree::Kind;

use super::location::{KeyPath, Pos, Seg};

/// A parsed file: its tree, which is also where each key path's line is looked up.
#[derive(Debug, Default)]
pub struct Locations {
    /// None for a file of comments alone.
    root: Option<Node>,
}

impl Locations {
    /// The document, to read values from.
    pub fn root(&self) -> Option<&Node> {
        self.root.as_ref()
    }

    /// The position of `path` (of its key, or of its item in a sequence), or of its nearest
    /// ancestor that is in the file.
    pub fn find(&self, path: &KeyPath) -> Option<Pos> {
        self.walk(path).0
    }

    /// The position of exactly `path`, if the file has it.
    pub fn exact(&self, path: &KeyPath) -> Option<Pos> {
        let (pos, steps) = self.walk(path);
        pos.filter(|_| steps == path.0.len())
    }

    /// The position of the deepest step along `path` that is in the file, and how many steps
    /// lead there. A mapping is searched key by key: lookups are for messages and a few keys.
    fn walk(&self, path: &KeyPath) -> (Option<Pos>, usize) {
        let (mut node, mut pos) = match &self.root {
            Some(n) => (n, None),
            None => return (None, 0),
        };
        for (steps, seg) in path.0.iter().enumerate() {
            let next = match (seg, &node.kind) {
                (Seg::Key(k), Kind::Map(entries)) => entries
                    .iter()
                    .find(|(key, _)| key.key_text() == k)
                    .map(|(key, value)| (key.pos, value)),
                (Seg::Index(i), Kind::Seq(items)) => items.get(*i).map(|item| (item.pos, item)),
                _ => None,
            };
            match next {
                Some((p, n)) => (pos, node) = (Some(p), n),
                None => return (pos, steps),
            }
        }
        (pos, path.0.len())
    }
}

#[cfg(test)]
mod tests;
