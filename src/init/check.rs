//! Checking one answer with the rules and messages of `mcpstack validate`: the answers so far
//! become a configuration, `validate` runs on it, and the problems at that answer's key are kept.

use super::answers::Answers;
use crate::config::location::KeyPath;
use crate::config::yaml::Locations;
use crate::config::{self, Source};
use crate::error::{Diagnostic, Error};
use std::path::Path;

/// Which diagnostics belong to an answer.
#[derive(Debug, Clone)]
pub enum Scope {
    /// Exactly this key.
    At(KeyPath),
    /// This key and every key below it.
    Below(KeyPath),
}

impl Scope {
    pub fn at(keys: &[&str]) -> Self {
        Scope::At(KeyPath::of(keys))
    }

    pub fn below(keys: &[&str]) -> Self {
        Scope::Below(KeyPath::of(keys))
    }

    fn holds(&self, path: &KeyPath) -> bool {
        match self {
            Scope::At(p) => p == path,
            Scope::Below(p) => path.0.starts_with(&p.0),
        }
    }
}

/// The errors `validate` finds in `scopes` of the configuration `answers` make in `dir`.
pub fn problems(answers: &Answers, dir: &Path, scopes: &[Scope]) -> Vec<Diagnostic> {
    let config = answers.to_config();
    let source = Source {
        file: dir.join("mcp-stack.yaml"),
        dir: dir.to_path_buf(),
        text: String::new(),
        locations: Locations::default(),
    };
    match config::validate(&config, &source) {
        Ok(_) => Vec::new(),
        Err(Error::Config { diagnostics, .. }) => diagnostics
            .into_iter()
            .filter(|d| scopes.iter().any(|s| s.holds(&d.path)))
            .collect(),
        Err(e) => vec![Diagnostic::new(KeyPath::root(), e.to_string())],
    }
}

/// The first problem as one line (for a prompt), or nothing.
pub fn first(answers: &Answers, dir: &Path, scopes: &[Scope]) -> Result<(), String> {
    match problems(answers, dir, scopes).first() {
        None => Ok(()),
        Some(d) => Err(line(d)),
    }
}

/// `validate`'s message and its hint on one line.
pub fn line(d: &Diagnostic) -> String {
    match &d.help {
        Some(h) => format!("{} ({h})", d.message),
        None => d.message.clone(),
    }
}
