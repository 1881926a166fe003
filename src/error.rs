//! One error type for the whole tool, with a help text per kind and an exit status.

use crate::config::location::{KeyPath, Pos};
use std::fmt;
use std::path::PathBuf;

/// Something wrong at one key of the configuration.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub path: KeyPath,
    pub pos: Option<Pos>,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(path: KeyPath, message: impl Into<String>) -> Self {
        Diagnostic {
            path,
            pos: None,
            message: message.into(),
            help: None,
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Formats the diagnostic the way compilers do: message, location, the line, a hint.
    pub fn render(&self, level: &str, file: &str, text: &str) -> String {
        let mut out = format!("{level}: {}: {}\n", self.path, self.message);
        if let Some(pos) = self.pos {
            let width = pos.line.to_string().len();
            let pad = " ".repeat(width);
            out += &format!("{pad}--> {file}:{}:{}\n", pos.line, pos.col);
            if let Some(line) = text.lines().nth(pos.line.saturating_sub(1)) {
                let line = shown(line);
                out += &format!("{pad} |\n{} | {line}\n", pos.line);
                out += &format!("{pad} | {}^\n", " ".repeat(pos.col.saturating_sub(1)));
            }
        } else {
            out += &format!(" --> {file}\n");
        }
        if let Some(help) = &self.help {
            out += &format!("  = help: {help}\n");
        }
        out
    }
}

/// A source line as shown under an error: at most 200 characters, control characters as `?`.
fn shown(line: &str) -> String {
    let mut out: String = line
        .chars()
        .take(200)
        .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
        .collect();
    if line.chars().nth(200).is_some() {
        out.push('…');
    }
    out
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is invalid. Exit 2.
    #[error("{}", render_config(file, text, diagnostics))]
    Config {
        file: PathBuf,
        text: String,
        diagnostics: Vec<Diagnostic>,
    },
    /// The configuration file could not be found.
    #[error("no configuration found: {0}")]
    NoConfig(String),
    /// A command-line argument is wrong. Exit 2.
    #[error("{0}")]
    Usage(String),
    /// Generated files differ from what the config renders. Exit 1.
    #[error("{} generated file(s) are out of date in {dir}:\n{}", files.len(), list(files))]
    Drift { dir: String, files: Vec<String> },
    /// Generated files were edited by hand; render refuses to overwrite them. Exit 1.
    #[error("refusing to overwrite {} file(s) edited by hand:\n{}", files.len(), list(files))]
    HandEdited { files: Vec<String> },
    /// The output folder or its manifest would lead mcpstack outside the output folder (a
    /// link, or a manifest entry that escapes). Nothing was written. Exit 2.
    #[error("{what}")]
    Unsafe { what: String, help: String },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A certificate or key problem; the message names the file.
    #[error(transparent)]
    Cert(#[from] crate::certs::CertError),
    /// Anything else that went wrong at run time.
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

fn list(files: &[String]) -> String {
    files
        .iter()
        .map(|f| format!("  {f}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn render_config(file: &std::path::Path, text: &str, diagnostics: &[Diagnostic]) -> String {
    let name = file.display().to_string();
    let mut out: Vec<String> = diagnostics
        .iter()
        .map(|d| d.render("error", &name, text))
        .collect();
    if diagnostics.len() > 1 {
        out.push(format!(
            "{} problems in {name}; nothing was written.",
            diagnostics.len()
        ));
    } else {
        out.push("nothing was written.".into());
    }
    out.join("\n")
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The process exit status for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Config { .. } | Error::NoConfig(_) | Error::Usage(_) | Error::Unsafe { .. } => 2,
            Error::Drift { .. } | Error::HandEdited { .. } => 1,
            Error::Io { .. } | Error::Cert(_) | Error::Other(_) => 3,
        }
    }

    /// A hint printed under the error, where one helps.
    pub fn help(&self) -> Option<String> {
        match self {
            Error::Config { .. } => None,
            Error::NoConfig(_) => Some(
                "run `mcpstack init` to write one, or pass `--config PATH`".into(),
            ),
            Error::Usage(_) => Some("see `mcpstack --help`".into()),
            Error::Drift { .. } => Some(
                "run `mcpstack render` to update them, or `mcpstack render --diff` to see the changes"
                    .into(),
            ),
            Error::HandEdited { .. } => Some(
                "move your change into mcp-stack.yaml (or a template override), or run `mcpstack render --force` to discard it"
                    .into(),
            ),
            Error::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied => {
                Some("check the folder's owner and permissions".into())
            }
            Error::Unsafe { help, .. } => Some(help.clone()),
            Error::Cert(e) => e.help(),
            Error::Io { .. } | Error::Other(_) => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}
