//! What a failed step says: which server, which step, what was seen, and what to look at.

use super::error::McpError;
use super::options::CheckOptions;
use std::fmt;

/// A step of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Building the client, parsing the URL.
    Setup,
    /// Legacy SSE: opening the event stream and reading its `endpoint` event.
    Stream,
    Initialize,
    Initialized,
    ToolsList,
    /// `tools/list` again, by hand, to time its first byte.
    FirstByte,
    /// The session id from `initialize` on the next requests.
    Session,
    Delete,
    /// The request with the ended session's id, which must get 404.
    AfterDelete,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Step::Setup => "setup",
            Step::Stream => "event stream",
            Step::Initialize => "initialize",
            Step::Initialized => "notifications/initialized",
            Step::ToolsList => "tools/list",
            Step::FirstByte => "tools/list (first byte)",
            Step::Session => "session",
            Step::Delete => "DELETE",
            Step::AfterDelete => "after DELETE",
        })
    }
}

/// The table column a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Initialize,
    Tools,
    Session,
}

impl Step {
    pub fn column(self) -> Column {
        match self {
            Step::Setup | Step::Stream | Step::Initialize | Step::Initialized => Column::Initialize,
            Step::ToolsList | Step::FirstByte => Column::Tools,
            Step::Session | Step::Delete | Step::AfterDelete => Column::Session,
        }
    }
}

/// A failed step: the server, the step, what was seen, and a hint where one helps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub server: String,
    pub step: Step,
    pub error: McpError,
    pub hint: Option<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.server, self.step, self.error)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// What to look at, for the failures where that is clear.
pub(crate) fn hint(e: &McpError, opts: &CheckOptions) -> Option<String> {
    match e {
        McpError::Status { code: 401, .. } => Some(match opts.token {
            None => "auth is on and no token was given".into(),
            Some(_) => "the token was refused".into(),
        }),
        // BadSignature: a CA of the same name but another key (a CA made anew).
        McpError::Transport(text)
            if text.contains("UnknownIssuer") || text.contains("BadSignature") =>
        {
            Some(match opts.ca_pem {
                Some(_) => "the certificate is not signed by the stack's CA".into(),
                None => "the certificate is not signed by a CA this machine trusts".into(),
            })
        }
        McpError::Transport(text) if text.contains("dns error") => {
            Some("the name does not resolve: add it to DNS or /etc/hosts".into())
        }
        McpError::Transport(text) if text.contains("onnection refused") => {
            Some("is the gateway running?".into())
        }
        _ => None,
    }
}
