//! The tree: nodes with positions, built in the one pass over the parser's events that also
//! enforces the limits on a configuration's shape.

use super::super::location::{KeyPath, Pos, Seg};
use super::Locations;
use crate::error::Diagnostic;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// Limits on the shape of a configuration, checked while parsing (in linear time) before any
/// value is read.
const MAX_DEPTH: usize = 64;
/// Alias uses (`*name`) in one file.
const MAX_ALIASES: usize = 100;
/// Nodes after expanding every alias: stops "billion laughs" files.
const MAX_EXPANDED_NODES: usize = 100_000;

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

impl Node {
    /// The text a key is looked up and compared by: a scalar's, `?` for a complex key.
    pub fn key_text(&self) -> &str {
        match &self.kind {
            Kind::Scalar { text, .. } => text,
            _ => "?",
        }
    }
}

/// How a scalar is written: only plain ones are read as null, booleans or numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    Literal,
    Folded,
}

/// The YAML core tags a configuration may carry (every other tag is refused).
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

/// Parses `text` into its tree (none when it holds only comments), refusing what the
/// deserializer would accept silently or expensively: nesting deeper than [`MAX_DEPTH`], more
/// than [`MAX_ALIASES`] aliases or [`MAX_EXPANDED_NODES`] nodes once expanded, a key twice in
/// one mapping, tags other than YAML's own, a second document, and YAML syntax errors.
pub fn read(text: &str) -> Result<Locations, Diagnostic> {
    let mut build = Build::default();
    let mut parser = Parser::new_from_str(text);
    loop {
        match parser.next_token() {
            Ok((Event::StreamEnd, _)) => break,
            // The scanner's own nesting limit: the same problem as ours, found earlier.
            Err(e) if e.info().contains("recursion limit") => {
                return Err(build.fail(e.marker(), too_deep(), DEPTH_HELP));
            }
            Err(e) => {
                let (message, help) = syntax(e.info());
                return Err(build.fail(e.marker(), message, help));
            }
            Ok((ev, mark)) => build.on(ev, mark)?,
        }
    }
    let mut root = build.root;
    if let Some(node) = root.as_mut() {
        mend_last(node, text);
    }
    Ok(Locations { root })
}

/// Mends the node written last in the file (see [`end_of_file_block`]).
fn mend_last(node: &mut Node, source: &str) {
    match &mut node.kind {
        Kind::Map(entries) => {
            if let Some((_, value)) = entries.last_mut() {
                mend_last(value, source);
            }
        }
        Kind::Seq(items) => {
            if let Some(item) = items.last_mut() {
                mend_last(item, source);
            }
        }
        Kind::Scalar { .. } => end_of_file_block(node, source),
    }
}

/// Mends the line breaks at the end of a block scalar (`|`, `>`) that runs to the end of the
/// file, where yaml-rust2 adds one that is not there: with no final line break (`x` at the
/// end is `x`, not `x\n`), and with no content at all (`key: |` is empty; `|+` keeps only the
/// empty lines written after it).
fn end_of_file_block(node: &mut Node, source: &str) {
    let Kind::Scalar {
        text,
        style: Style::Literal | Style::Folded,
        ..
    } = &mut node.kind
    else {
        return;
    };
    if !text.ends_with('\n') {
        return;
    }
    if text.bytes().all(|b| b == b'\n') {
        // No content: the node stands at its indicator (`|+2`), the rest of the file after
        // that line is empty lines.
        let Some(line) = source.split('\n').nth(node.pos.line.saturating_sub(1)) else {
            return;
        };
        let header: String = line.chars().skip(node.pos.col - 1).collect();
        if !header.starts_with(['|', '>']) {
            return;
        }
        let after: usize = source
            .split_inclusive('\n')
            .skip(node.pos.line)
            .filter(|l| l.ends_with('\n'))
            .count();
        let keep = header
            .split_whitespace()
            .next()
            .is_some_and(|h| h.contains('+'));
        *text = if keep {
            "\n".repeat(after)
        } else {
            String::new()
        };
        return;
    }
    // Content whose last line is the file's last and has no line break after it.
    let Some((_, last)) = source.rsplit_once('\n') else {
        return;
    };
    let last = last.trim_start();
    if !last.is_empty() && text[..text.len() - 1].ends_with(last) {
        text.pop();
    }
}

/// A YAML syntax error's message, with the parser's context after it in brackets
/// ("did not find expected key (while parsing a block mapping)"), and a hint for the usual
/// causes.
fn syntax(info: &str) -> (String, &'static str) {
    let message = match info.split_once(", ") {
        Some((context, problem)) if context.starts_with("while ") => {
            format!("{problem} ({context})")
        }
        _ => info.to_string(),
    };
    let help = if message.contains("did not find expected") || message.contains("mapping values") {
        "check the indentation and the `key: value` form of this line"
    } else {
        "check the YAML syntax of this line"
    };
    (message, help)
}

fn too_deep() -> String {
    format!("the file nests deeper than {MAX_DEPTH} levels")
}

const DEPTH_HELP: &str = "mcp-stack.yaml needs a handful of levels: flatten this value";

/// From this many keys a mapping finds duplicates through a table of their hashes.
const HASHED_FROM: usize = 16;

/// A container being built.
struct Open {
    pos: Pos,
    anchor: usize,
    /// Expanded node count when it started (for the size of its anchor).
    start: usize,
    body: Body,
}

enum Body {
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        /// Key hash → the first entry with it, for large mappings.
        hashed: HashMap<u64, usize>,
    },
    Seq(Vec<Node>),
}

#[derive(Default)]
struct Build {
    open: Vec<Open>,
    /// Finished anchored nodes and their expanded sizes, by the parser's anchor number: an
    /// alias is a copy of one.
    anchors: HashMap<usize, (Node, usize)>,
    root: Option<Node>,
    /// Nodes so far, aliases expanded.
    nodes: usize,
    aliases: usize,
    documents: usize,
}

fn pos(mark: &Marker) -> Pos {
    Pos {
        line: mark.line(),
        col: mark.col() + 1,
    }
}

impl Build {
    /// The key path of the value being read: for error messages only.
    fn path(&self) -> KeyPath {
        let mut segs = Vec::new();
        for open in &self.open {
            match &open.body {
                Body::Map { key: Some(k), .. } => segs.push(Seg::Key(k.key_text().into())),
                Body::Map { key: None, .. } => break,
                Body::Seq(items) => segs.push(Seg::Index(items.len())),
            }
        }
        KeyPath(segs)
    }

    fn fail(&self, mark: &Marker, message: String, help: &str) -> Diagnostic {
        let mut d = Diagnostic::new(self.path(), message).help(help);
        d.pos = Some(pos(mark));
        d
    }

    fn on(&mut self, ev: Event, mark: Marker) -> Result<(), Diagnostic> {
        match ev {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(self.fail(
                        &mark,
                        "the file holds more than one YAML document".into(),
                        "keep one document: mcp-stack.yaml is a single mapping, with no second `---`",
                    ));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.tag(&mark, tag.as_ref())?;
                self.count(&mark, 1)?;
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
                    pos: pos(&mark),
                    kind: Kind::Scalar { text, style, tag },
                };
                self.done(node, anchor, 1)?;
            }
            Event::Alias(id) => {
                self.aliases += 1;
                if self.aliases > MAX_ALIASES {
                    return Err(self.fail(
                        &mark,
                        format!("more than {MAX_ALIASES} aliases"),
                        "write the values out, or use fewer `*name` references",
                    ));
                }
                // The parser refuses an alias to an unknown anchor.
                if let Some((node, size)) = self.anchors.get(&id) {
                    let (mut node, size) = (node.clone(), *size);
                    self.count(&mark, size)?;
                    // The copy stands where the alias is written.
                    node.pos = pos(&mark);
                    self.done(node, 0, size)?;
                }
            }
            Event::MappingStart(anchor, ref tag) | Event::SequenceStart(anchor, ref tag) => {
                let is_map = matches!(ev, Event::MappingStart(..));
                self.tag(&mark, tag.as_ref())?;
                if self.open.len() >= MAX_DEPTH {
                    return Err(self.fail(&mark, too_deep(), DEPTH_HELP));
                }
                self.count(&mark, 1)?;
                let body = if is_map {
                    Body::Map {
                        entries: Vec::new(),
                        key: None,
                        hashed: HashMap::new(),
                    }
                } else {
                    Body::Seq(Vec::new())
                };
                self.open.push(Open {
                    pos: pos(&mark),
                    anchor,
                    start: self.nodes,
                    body,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let Some(open) = self.open.pop() else {
                    return Ok(());
                };
                let kind = match open.body {
                    Body::Map { entries, .. } => Kind::Map(entries),
                    Body::Seq(items) => Kind::Seq(items),
                };
                let node = Node {
                    pos: open.pos,
                    kind,
                };
                self.done(node, open.anchor, self.nodes - open.start + 1)?;
            }
            _ => {}
        }
        Ok(())
    }

    fn tag(&self, mark: &Marker, tag: Option<&yaml_rust2::parser::Tag>) -> Result<(), Diagnostic> {
        let Some(t) = tag else { return Ok(()) };
        let core = ["str", "int", "float", "bool", "null", "map", "seq"];
        if (t.handle == "!!" || t.handle == "tag:yaml.org,2002:") && core.contains(&&*t.suffix) {
            return Ok(());
        }
        let mut d = self.fail(
            mark,
            format!("the YAML tag `{}{}` is not supported", t.handle, t.suffix),
            "remove the tag: mcp-stack.yaml uses plain values",
        );
        // Point at the key the tagged value belongs to.
        if let Some(Open {
            body: Body::Map { key: Some(k), .. },
            ..
        }) = self.open.last()
        {
            d.pos = Some(k.pos);
        }
        Err(d)
    }

    /// Counts `size` more nodes (what an alias expands to, or one) against the limit.
    fn count(&mut self, mark: &Marker, size: usize) -> Result<(), Diagnostic> {
        self.nodes = self.nodes.saturating_add(size);
        if self.nodes > MAX_EXPANDED_NODES {
            return Err(self.fail(
                mark,
                format!("the file expands to more than {MAX_EXPANDED_NODES} values"),
                "aliases (`*name`) repeat what their anchor holds: use fewer of them",
            ));
        }
        Ok(())
    }

    /// A finished node goes to its container (as a key, refused if the mapping has it
    /// already, or as a value), or becomes the document's root.
    fn done(&mut self, node: Node, anchor: usize, size: usize) -> Result<(), Diagnostic> {
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        let first = match self.open.last_mut().map(|o| &mut o.body) {
            Some(Body::Map {
                entries,
                key,
                hashed,
            }) => match key.take() {
                Some(k) => {
                    entries.push((k, node));
                    return Ok(());
                }
                None => match duplicate(entries, hashed, &node) {
                    Some(first) => first,
                    None => {
                        *key = Some(node);
                        return Ok(());
                    }
                },
            },
            Some(Body::Seq(items)) => {
                items.push(node);
                return Ok(());
            }
            None => {
                self.root = Some(node);
                return Ok(());
            }
        };
        // The path is made only for the error: the mapping awaits a key, so it ends there.
        let name = node.key_text().to_string();
        let mut path = self.path();
        path.0.push(Seg::Key(name.clone()));
        let mut d = Diagnostic::new(path, format!("duplicate key `{name}`")).help(format!(
            "the first `{name}` is on line {}; keep one of them",
            first.line
        ));
        d.pos = Some(node.pos);
        Err(d)
    }
}

/// The position of an earlier key of `entries` with `key`'s text. A small mapping is
/// searched; a large one keeps a table of its keys' hashes (checked against the text, so a
/// collision is never taken for a duplicate).
fn duplicate(
    entries: &[(Node, Node)],
    hashed: &mut HashMap<u64, usize>,
    key: &Node,
) -> Option<Pos> {
    let text = key.key_text();
    let same = |i: &usize| entries[*i].0.key_text() == text;
    if entries.len() < HASHED_FROM {
        return (0..entries.len()).find(same).map(|i| entries[i].0.pos);
    }
    if hashed.is_empty() {
        for (i, (k, _)) in entries.iter().enumerate() {
            hashed.entry(hash(k.key_text())).or_insert(i);
        }
    }
    let h = hash(text);
    let found = match hashed.get(&h) {
        None => None,
        Some(i) if same(i) => Some(*i),
        // Two keys with one hash: look through them all.
        Some(_) => (0..entries.len()).find(same),
    };
    hashed.entry(h).or_insert(entries.len());
    found.map(|i| entries[i].0.pos)
}

fn hash(text: &str) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}
