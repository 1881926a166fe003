//! The tree: nodes with positions, built from the same events the index reads.

use super::super::location::{Diagnostic, Locations, Pos};
use std::collections::HashMap;
use yaml_rust2::parser::Event;
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// One value of the file and where it starts.
#[derive(Debug, Clone)]
pub struct Node {
    pub pos: Pos,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Scalar {
        text: String,
        style: Style,
        tag: Option<Tag>,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// How a scalar is written: only plain ones are read as null, booleans or numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    Literal,
    Folded,
}

/// The YAML core tags the index lets through (it refuses every other tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    Str,
    Int,
    Float,
    Bool,
    Null,
    /// `!!map` or `!!seq` written on a scalar: read as a string, as serde_yaml does.
    Other,
}

/// A parsed file: its document (none when it holds only comments) and the index of its keys.
#[derive(Debug)]
pub struct Document {
    pub root: Option<Node>,
    pub locations: Locations,
}

/// Parses `text` once into its tree and its index; the index's limits and syntax errors come
/// back as a located problem.
pub fn read(text: &str) -> Result<Document, Diagnostic> {
    let mut build = Build::default();
    let locations = Locations::index_with(text, &mut |ev, mark| build.on(ev, mark))?;
    Ok(Document {
        root: build.root,
        locations,
    })
}

/// A container being built.
enum Open {
    Map {
        pos: Pos,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
    Seq {
        pos: Pos,
        anchor: usize,
        items: Vec<Node>,
    },
}

#[derive(Default)]
struct Build {
    open: Vec<Open>,
    /// Finished anchored nodes, by the parser's anchor number: an alias is a copy of one
    /// (the index has already bounded how much aliases expand to).
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
}

impl Build {
    fn on(&mut self, ev: Event, mark: Marker) {
        let pos = Pos {
            line: mark.line(),
            col: mark.col() + 1,
        };
        match ev {
            Event::Scalar(text, style, anchor, tag) => {
                let style = match style {
                    TScalarStyle::Plain => Style::Plain,
                    TScalarStyle::Literal => Style::Literal,
                    TScalarStyle::Folded => Style::Folded,
                    _ => Style::Quoted,
                };
                let tag = tag.map(|t| match t.suffix.as_str() {
                    "str" => Tag::Str,
                    "int" => Tag::Int,
                    "float" => Tag::Float,
                    "bool" => Tag::Bool,
                    "null" => Tag::Null,
                    _ => Tag::Other,
                });
                let node = Node {
                    pos,
                    kind: Kind::Scalar { text, style, tag },
                };
                self.done(node, anchor);
            }
            Event::Alias(id) => {
                if let Some(node) = self.anchors.get(&id).cloned() {
                    self.done(node, 0);
                }
            }
            Event::MappingStart(anchor, _) => self.open.push(Open::Map {
                pos,
                anchor,
                entries: Vec::new(),
                key: None,
            }),
            Event::SequenceStart(anchor, _) => self.open.push(Open::Seq {
                pos,
                anchor,
                items: Vec::new(),
            }),
            Event::MappingEnd | Event::SequenceEnd => {
                let (node, anchor) = match self.open.pop() {
                    Some(Open::Map {
                        pos,
                        anchor,
                        entries,
                        ..
                    }) => (
                        Node {
                            pos,
                            kind: Kind::Map(entries),
                        },
                        anchor,
                    ),
                    Some(Open::Seq { pos, anchor, items }) => (
                        Node {
                            pos,
                            kind: Kind::Seq(items),
                        },
                        anchor,
                    ),
                    None => return,
                };
                self.done(node, anchor);
            }
            _ => {}
        }
    }

    /// A finished node goes to its container, or becomes the document's root.
    fn done(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.open.last_mut() {
            Some(Open::Map { entries, key, .. }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => *key = Some(node),
            },
            Some(Open::Seq { items, .. }) => items.push(node),
            // The index refuses a second document.
            None => self.root = Some(node),
        }
    }
}
