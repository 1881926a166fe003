//! What the source says about how a server runs, each value with the reason it was chosen.
//! The first rule to give a value wins: callers apply rules from the most to the least certain.

use crate::config::Transport;

/// One guessed value and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Why<T> {
    pub value: T,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Guess {
    pub transport: Option<Why<Transport>>,
    pub command: Option<Why<Vec<String>>>,
    pub port: Option<Why<i64>>,
    /// The server's own MCP endpoint, when the source sets one.
    pub endpoint: Option<Why<String>>,
    /// Environment values the server needs in a container (e.g. a host to bind).
    pub env: Vec<(String, String, String)>,
    /// What will not work as it is, with the fix.
    pub warnings: Vec<String>,
}

impl Guess {
    pub fn transport(&mut self, t: Transport, reason: impl Into<String>) {
        if self.transport.is_none() {
            self.transport = Some(Why {
                value: t,
                reason: reason.into(),
            });
        }
    }

    pub fn command(&mut self, c: Vec<String>, reason: impl Into<String>) {
        if self.command.is_none() {
            self.command = Some(Why {
                value: c,
                reason: reason.into(),
            });
        }
    }

    pub fn port(&mut self, p: i64, reason: impl Into<String>) {
        if self.port.is_none() && (1..=65535).contains(&p) {
            self.port = Some(Why {
                value: p,
                reason: reason.into(),
            });
        }
    }

    pub fn endpoint(&mut self, e: &str, reason: impl Into<String>) {
        if self.endpoint.is_none() && e.starts_with('/') {
            self.endpoint = Some(Why {
                value: e.to_string(),
                reason: reason.into(),
            });
        }
    }

    pub fn env(&mut self, key: &str, value: &str, reason: impl Into<String>) {
        if !self.env.iter().any(|(k, _, _)| k == key) {
            self.env
                .push((key.to_string(), value.to_string(), reason.into()));
        }
    }

    pub fn warn(&mut self, w: impl Into<String>) {
        let w = w.into();
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }

    pub fn transport_value(&self) -> Option<Transport> {
        self.transport.as_ref().map(|t| t.value)
    }
}

/// A transport name as the SDKs and command lines spell it.
pub fn transport_named(name: &str) -> Option<Transport> {
    match name {
        "streamable-http" | "streamable_http" | "streamableHttp" | "http" | "httpStream" => {
            Some(Transport::StreamableHttp)
        }
        "sse" => Some(Transport::Sse),
        "stdio" => Some(Transport::Stdio),
        _ => None,
    }
}
