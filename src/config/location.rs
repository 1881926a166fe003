//! Where each key sits in the source text, so every error can name a line.

use std::collections::HashMap;
use std::fmt;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
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
#[derive(Debug, Default)]
pub struct Locations {
    map: HashMap<KeyPath, Pos>,
}

impl Locations {
    /// Indexes `text`. A text the YAML parser rejects yields an empty index: the
    /// deserializer reports the syntax error itself.
    pub fn index(text: &str) -> Self {
        let mut recv = Recv::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut recv, false).is_err() {
            return Locations::default();
        }
        Locations { map: recv.map }
    }

    /// The position of `path`, or of its nearest ancestor that is in the file.
    pub fn find(&self, path: &KeyPath) -> Option<Pos> {
        let mut p = path.clone();
        loop {
            if let Some(pos) = self.map.get(&p) {
                return Some(*pos);
            }
            if p.0.is_empty() {
                return None;
            }
            p.0.pop();
        }
    }

    /// The position of exactly `path`, if the file has it.
    pub fn exact(&self, path: &KeyPath) -> Option<Pos> {
        self.map.get(path).copied()
    }
}

enum Frame {
    Map { key: Option<String> },
    Seq { next: usize },
}

#[derive(Default)]
struct Recv {
    stack: Vec<Frame>,
    path: Vec<Seg>,
    map: HashMap<KeyPath, Pos>,
}

impl Recv {
    fn pos(mark: &Marker) -> Pos {
        Pos {
            line: mark.line(),
            col: mark.col() + 1,
        }
    }

    /// Called before a value node (scalar, alias or container) starts.
    /// Returns true when the node is a mapping key rather than a value.
    fn enter_node(&mut self, mark: &Marker, scalar: Option<&str>) -> bool {
        match self.stack.last_mut() {
            Some(Frame::Map { key }) if key.is_none() => {
                let k = scalar.unwrap_or("?").to_string();
                *key = Some(k.clone());
                let mut p = self.path.clone();
                p.push(Seg::Key(k));
                self.map.insert(KeyPath(p), Self::pos(mark));
                true
            }
            Some(Frame::Map { key }) => {
                self.path.push(Seg::Key(key.take().unwrap_or_default()));
                false
            }
            Some(Frame::Seq { next }) => {
                let i = *next;
                *next += 1;
                self.path.push(Seg::Index(i));
                self.map.insert(KeyPath(self.path.clone()), Self::pos(mark));
                false
            }
            None => false,
        }
    }

    fn leave_node(&mut self) {
        if !self.stack.is_empty() || !self.path.is_empty() {
            self.path.pop();
        }
    }
}

impl MarkedEventReceiver for Recv {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(value, ..) => {
                let is_key = self.enter_node(&mark, Some(&value));
                if !is_key && !self.stack.is_empty() {
                    self.leave_node();
                }
            }
            Event::Alias(_) => {
                let is_key = self.enter_node(&mark, None);
                if !is_key && !self.stack.is_empty() {
                    self.leave_node();
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let nested = !self.stack.is_empty();
                if nested {
                    self.enter_node(&mark, None);
                }
                self.stack.push(match ev {
                    Event::MappingStart(..) => Frame::Map { key: None },
                    _ => Frame::Seq { next: 0 },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
                if !self.stack.is_empty() {
                    self.leave_node();
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_keys_and_items() {
        let text = "version: 1\nservers:\n  main:\n    port: 8000\n    depends_on: [a, b]\n    env:\n      X: y\n";
        let loc = Locations::index(text);
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
