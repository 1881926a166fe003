//! The configuration's YAML, parsed once: a tree whose every node keeps its place in the
//! file, read into the typed configuration by a serde deserializer of its own.
//!
//! One pass over the parser's events builds both the tree and the index of key positions
//! ([`super::location::Locations`], which also enforces the limits on depth, aliases and
//! tags). Plain scalars are resolved as serde_yaml resolves them (YAML 1.2's core schema), so
//! a file reads as it did when serde_yaml read it in a second pass; the tests compare the two
//! on every kind of value in every type the configuration has.

mod de;
mod resolve;
mod tree;

pub use de::{Error, Value};
pub use tree::{read, Document, Kind, Node, Style, Tag};

#[cfg(test)]
mod tests;
