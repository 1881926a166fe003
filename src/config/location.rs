//! Where each key sits in the source text, so every error can name a line.

use std::collections::HashMap;
use std::fmt;
use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::Marker;

/// One step of a key path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seg {
    Key(String),
    Index(usize),
}

/// A key path such as `servers.main.depends_on[0]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    pub fn root() -> Self {
        KeyPath(Vec::new())
    }

    /// Builds a path from dotted keys: `KeyPath::of(&["servers", "main"])`.
    pub fn of(keys: &[&str]) -> Self {
        KeyPath(keys.iter().map(|k| Seg::Key(k.to_string())).collect())
    }

    pub fn key(&self, k: &str) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Key(k.to_string()));
        p
    }

    pub fn index(&self, i: usize) -> Self {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }

    pub fn parent(&self) -> Self {
        let mut p = self.clone();
        p.0.pop();
        p
    }

    pub fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Seg::Key(k)) => Some(k),
            _ => None,
        }
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(top level)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A position in the file, 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// Key path → position of the key (for mapping entries) or of the item (for sequences).
/// Stored as a tree: each node is a step from its parent, so indexing copies no paths.
#[derive(Debug, Default)]
pub struct Locations {
    /// (parent node, step) → node; node 0 is the whole document.
    nodes: HashMap<(usize, Seg), usize>,
    /// The position of each node, by number (the document's is never read).
    positions: Vec<Pos>,
}

/// Limits on the shape of a configuration, checked while indexing (in linear time) before
/// the deserializer sees the text.
pub const MAX_DEPTH: usize = 64;
/// Alias uses (`*name`) in one file.
pub const MAX_ALIASES: usize = 100;
/// Nodes after expanding every alias: stops "billion laughs" files.
pub const MAX_EXPANDED_NODES: usize = 100_000;

impl Locations {
    /// Indexes `text`, refusing what the deserializer would accept silently or expensively:
    /// nesting deeper than [`MAX_DEPTH`], more than [`MAX_ALIASES`] aliases or
    /// [`MAX_EXPANDED_NODES`] nodes once expanded, a key twice in one mapping, tags other
    /// than YAML's own, a second document, and YAML syntax errors. Each event the index accepts is handed on to
    /// `then` (the tree is built from the same pass).
    pub fn index_with(text: &str, then: &mut dyn FnMut(Event, Marker)) -> Result<Self, Diagnostic> {
        let mut recv = Recv::default();
        let mut parser = Parser::new_from_str(text);
        loop {
            match parser.next_token() {
                Ok((Event::StreamEnd, _)) => break,
                // The scanner's own nesting limit: the same problem as ours, found earlier.
                Err(e) if e.info().contains("recursion limit") => {
                    let mark = *e.marker();
                    return recv
                        .fail(&mark, too_deep(), DEPTH_HELP)
                        .map(|_| Locations::default());
                }
                Err(e) => {
                    let (message, help) = syntax(e.info());
                    return recv
                        .fail(e.marker(), message, help)
                        .map(|_| Locations::default());
                }
                Ok((ev, mark)) => {
                    recv.on(&ev, mark)?;
                    then(ev, mark);
                }
            }
        }
        Ok(recv.locations)
    }

    /// The position of `path`, or of its nearest ancestor that is in the file.
    pub fn find(&self, path: &KeyPath) -> Option<Pos> {
        let (found, steps) = self.walk(path);
        (steps > 0).then(|| self.positions[found])
    }

    /// The position of exactly `path`, if the file has it.
    pub fn exact(&self, path: &KeyPath) -> Option<Pos> {
        let (found, steps) = self.walk(path);
        (steps > 0 && steps == path.0.len()).then(|| self.positions[found])
    }

    /// The deepest node along `path` and how many of its steps lead there.
    fn walk(&self, path: &KeyPath) -> (usize, usize) {
        let mut node = 0;
        for (steps, seg) in path.0.iter().enumerate() {
            match self.nodes.get(&(node, seg.clone())) {
                Some(&next) => node = next,
                None => return (node, steps),
            }
        }
        (node, path.0.len())
    }

    /// Adds a node under `parent`; `Err` with the existing node when the step is taken.
    fn add(&mut self, parent: usize, seg: Seg, pos: Pos) -> Result<usize, usize> {
        use std::collections::hash_map::Entry;
        if self.positions.is_empty() {
            self.positions.push(pos); // node 0, the document
        }
        let next = self.positions.len();
        match self.nodes.entry((parent, seg)) {
            Entry::Occupied(e) => Err(*e.get()),
            Entry::Vacant(e) => {
                e.insert(next);
                self.positions.push(pos);
                Ok(next)
            }
        }
    }

    /// The path of a node: a scan of the whole index, for error messages only.
    fn path_of(&self, node: usize) -> KeyPath {
        let parents: HashMap<usize, (usize, &Seg)> = self
            .nodes
            .iter()
            .map(|((parent, seg), &n)| (n, (*parent, seg)))
            .collect();
        let mut segs = Vec::new();
        let mut at = node;
        while let Some(&(parent, seg)) = parents.get(&at) {
            segs.push(seg.clone());
            at = parent;
        }
        segs.reverse();
        KeyPath(segs)
    }
}

/// A problem found while indexing, with its place.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub path: KeyPath,
    pub pos: Pos,
    pub message: String,
    pub help: String,
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

enum Frame {
    /// A mapping, with the node of the key whose value comes next.
    Map {
        key: Option<usize>,
    },
    Seq {
        next: usize,
    },
}

#[derive(Default)]
struct Recv {
    stack: Vec<Frame>,
    /// The nodes from the document down to the current one.
    path: Vec<usize>,
    locations: Locations,
    /// Open containers: (anchor id, expanded node count at the start).
    open: Vec<(usize, usize)>,
    /// Expanded size of each anchored node.
    anchors: HashMap<usize, usize>,
    nodes: usize,
    aliases: usize,
    documents: usize,
}

impl Recv {
    fn pos(mark: &Marker) -> Pos {
        Pos {
            line: mark.line(),
            col: mark.col() + 1,
        }
    }

    fn here(&self) -> usize {
        self.path.last().copied().unwrap_or(0)
    }

    fn fail(&self, mark: &Marker, message: String, help: &str) -> Result<(), Diagnostic> {
        Err(Diagnostic {
            path: self.locations.path_of(self.here()),
            pos: Self::pos(mark),
            message,
            help: help.into(),
        })
    }

    /// Called before a value node (scalar, alias or container) starts.
    /// Returns true when the node is a mapping key rather than a value.
    fn enter_node(&mut self, mark: &Marker, scalar: Option<&str>) -> Result<bool, Diagnostic> {
        let parent = self.here();
        match self.stack.last_mut() {
            Some(Frame::Map { key }) if key.is_none() => {
                let k = scalar.unwrap_or("?");
                let added = self
                    .locations
                    .add(parent, Seg::Key(k.to_string()), Self::pos(mark));
                match added {
                    Ok(node) => *key = Some(node),
                    Err(first) => {
                        let line = self.locations.positions[first].line;
                        let mut path = self.locations.path_of(parent);
                        path.0.push(Seg::Key(k.to_string()));
                        return Err(Diagnostic {
                            path,
                            pos: Self::pos(mark),
                            message: format!("duplicate key `{k}`"),
                            help: format!("the first `{k}` is on line {line}; keep one of them"),
                        });
                    }
                }
                Ok(true)
            }
            Some(Frame::Map { key }) => {
                let node = key.take().unwrap_or(parent);
                self.path.push(node);
                Ok(false)
            }
            Some(Frame::Seq { next }) => {
                let i = *next;
                *next += 1;
                let node = self
                    .locations
                    .add(parent, Seg::Index(i), Self::pos(mark))
                    .unwrap_or_else(|n| n);
                self.path.push(node);
                Ok(false)
            }
            None => Ok(false),
        }
    }

    fn leave_node(&mut self) {
        if !self.stack.is_empty() || !self.path.is_empty() {
            self.path.pop();
        }
    }

    fn tag(&self, mark: &Marker, tag: Option<&Tag>) -> Result<(), Diagnostic> {
        let Some(t) = tag else { return Ok(()) };
        let core = ["str", "int", "float", "bool", "null", "map", "seq"];
        if (t.handle == "!!" || t.handle == "tag:yaml.org,2002:") && core.contains(&&*t.suffix) {
            return Ok(());
        }
        // Point at the key the tagged value belongs to.
        let pos = match self.here() {
            0 => Self::pos(mark),
            node => self.locations.positions[node],
        };
        Err(Diagnostic {
            path: self.locations.path_of(self.here()),
            pos,
            message: format!("the YAML tag `{}{}` is not supported", t.handle, t.suffix),
            help: "remove the tag: mcp-stack.yaml uses plain values".into(),
        })
    }

    /// Counts one node (and what an alias expands to) against the limits.
    fn count(&mut self, mark: &Marker, alias: Option<usize>) -> Result<(), Diagnostic> {
        let size = match alias {
            Some(id) => {
                self.aliases += 1;
                if self.aliases > MAX_ALIASES {
                    return self.fail(
                        mark,
                        format!("more than {MAX_ALIASES} aliases"),
                        "write the values out, or use fewer `*name` references",
                    );
                }
                self.anchors.get(&id).copied().unwrap_or(1)
            }
            None => 1,
        };
        self.nodes = self.nodes.saturating_add(size);
        if self.nodes > MAX_EXPANDED_NODES {
            return self.fail(
                mark,
                format!("the file expands to more than {MAX_EXPANDED_NODES} values"),
                "aliases (`*name`) repeat what their anchor holds: use fewer of them",
            );
        }
        Ok(())
    }

    fn on(&mut self, ev: &Event, mark: Marker) -> Result<(), Diagnostic> {
        match ev {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    return self.fail(
                        &mark,
                        "the file holds more than one YAML document".into(),
                        "keep one document: mcp-stack.yaml is a single mapping, with no second `---`",
                    );
                }
            }
            Event::Scalar(value, _, anchor, tag) => {
                let is_key = self.enter_node(&mark, Some(value))?;
                self.tag(&mark, tag.as_ref())?;
                self.count(&mark, None)?;
                if *anchor > 0 {
                    self.anchors.insert(*anchor, 1);
                }
                if !is_key && !self.stack.is_empty() {
                    self.leave_node();
                }
            }
            Event::Alias(id) => {
                let is_key = self.enter_node(&mark, None)?;
                self.count(&mark, Some(*id))?;
                if !is_key && !self.stack.is_empty() {
                    self.leave_node();
                }
            }
            Event::MappingStart(anchor, tag) | Event::SequenceStart(anchor, tag) => {
                if !self.stack.is_empty() {
                    self.enter_node(&mark, None)?;
                }
                self.tag(&mark, tag.as_ref())?;
                if self.stack.len() >= MAX_DEPTH {
                    return self.fail(&mark, too_deep(), DEPTH_HELP);
                }
                self.count(&mark, None)?;
                self.open.push((*anchor, self.nodes));
                self.stack.push(match ev {
                    Event::MappingStart(..) => Frame::Map { key: None },
                    _ => Frame::Seq { next: 0 },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                if let Some((anchor, start)) = self.open.pop() {
                    if anchor > 0 {
                        self.anchors.insert(anchor, self.nodes - start + 1);
                    }
                }
                if !self.stack.is_empty() {
                    self.leave_node();
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_items() {
        let text = "version: 1\nservers:\n  main:\n    port: 8000\n    depends_on: [a, b]\n    env:\n      X: y\n";
        let loc = Locations::index_with(text, &mut |_, _| {}).unwrap();
        let at = |p: KeyPath| loc.exact(&p).map(|p| (p.line, p.col));
        assert_eq!(at(KeyPath::of(&["version"])), Some((1, 1)));
        assert_eq!(at(KeyPath::of(&["servers", "main"])), Some((3, 3)));
        assert_eq!(at(KeyPath::of(&["servers", "main", "port"])), Some((4, 5)));
        assert_eq!(
            at(KeyPath::of(&["servers", "main", "depends_on"]).index(1)),
            Some((5, 21))
        );
        assert_eq!(
            at(KeyPath::of(&["servers", "main", "env", "X"])),
            Some((7, 7))
        );
        let missing = KeyPath::of(&["servers", "main", "path"]);
        assert_eq!(loc.find(&missing).map(|p| p.line), Some(3));
    }

    #[test]
    fn displays_paths() {
        let p = KeyPath::of(&["servers", "main", "depends_on"]).index(2);
        assert_eq!(p.to_string(), "servers.main.depends_on[2]");
    }
}
