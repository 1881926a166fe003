//! The answers given on the command line, and why `init` stopped.

use crate::config::{AuthType, TlsMode, Transport};
use std::fmt;

/// Answers given as flags; every one is optional.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--name`
    pub name: Option<String>,
    /// `--domain`
    pub domain: Option<String>,
    /// `--server NAME=PATH`, in order.
    pub servers: Vec<(String, String)>,
    /// `--image NAME=IMAGE`, in order.
    pub images: Vec<(String, String)>,
    /// `--transport NAME=KIND`
    pub transports: Vec<(String, Transport)>,
    /// `--command NAME=COMMAND`, already split into words.
    pub commands: Vec<(String, Vec<String>)>,
    /// `--tls`
    pub tls: Option<TlsMode>,
    /// `--email` (acme)
    pub email: Option<String>,
    /// `--cert` (manual)
    pub cert: Option<String>,
    /// `--key` (manual)
    pub key: Option<String>,
    /// `--auth`
    pub auth: Option<AuthType>,
    /// `--monitoring`
    pub monitoring: Option<bool>,
    /// `--force`: replace an existing config.
    pub force: bool,
    /// `--from FILE`: client configuration files whose stdio servers become servers.
    pub from: Vec<std::path::PathBuf>,
    /// `--pin NAME=VERSION`: the version of an unpinned package in a `--from` file.
    pub pins: Vec<(String, String)>,
    /// `--resolve`: ask the registry for the version of an unpinned package.
    pub resolve: bool,
}

impl Options {
    /// Whether the servers were given as flags (then they are the whole list).
    pub fn has_servers(&self) -> bool {
        !self.servers.is_empty() || !self.images.is_empty()
    }
}

/// Why `init` stopped without writing: a message, a hint, and the exit status.
#[derive(Debug)]
pub struct Stop {
    pub message: String,
    pub help: Option<String>,
    pub code: i32,
}

impl Stop {
    /// A missing or wrong answer: exit 2, like every usage error.
    pub fn usage(message: impl Into<String>, help: impl Into<String>) -> Self {
        Stop {
            message: message.into(),
            help: Some(help.into()),
            code: 2,
        }
    }
}

impl From<crate::Error> for Stop {
    fn from(e: crate::Error) -> Self {
        Stop {
            message: e.to_string(),
            help: e.help(),
            code: e.exit_code(),
        }
    }
}

impl From<dialoguer::Error> for Stop {
    fn from(e: dialoguer::Error) -> Self {
        let dialoguer::Error::IO(io) = e;
        if io.kind() == std::io::ErrorKind::Interrupted {
            Stop {
                message: "cancelled; nothing was written".into(),
                help: None,
                code: 130,
            }
        } else {
            crate::Error::io("the terminal", io).into()
        }
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(h) = &self.help {
            write!(f, " (help: {h})")?;
        }
        Ok(())
    }
}
