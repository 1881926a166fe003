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

impl Failure {
    /// Whether the gateway was not answering yet: a connection refused, reset or closed before
    /// the first step had an answer. A gateway that has just started does that until nginx
    /// listens (a published port may accept before the container does); a wrong certificate,
    /// a name that does not resolve or any HTTP answer is not this.
    pub fn not_listening_yet(&self) -> bool {
        let McpError::Transport(text) = &self.error else {
            return false;
        };
        matches!(self.step, Step::Initialize | Step::Stream)
            && [
                "onnection refused",
                "onnection reset",
                "handshake eof",
                "connection closed",
            ]
            .iter()
            .any(|t| text.contains(t))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(step: Step, error: McpError) -> Failure {
        Failure {
            server: "s".into(),
            step,
            error,
            hint: None,
        }
    }

    #[test]
    fn only_a_gateway_that_does_not_answer_yet_is_not_listening_yet() {
        let transport = |t: &str| McpError::Transport(t.into());
        for text in [
            "could not connect: tcp connect error: Connection refused (os error 111)",
            "could not connect: Connection reset by peer (os error 104)",
            "could not connect: tls handshake eof",
            "connection closed before message completed",
        ] {
            assert!(failure(Step::Initialize, transport(text)).not_listening_yet());
            assert!(failure(Step::Stream, transport(text)).not_listening_yet());
            // Past the first step the gateway did answer: something else broke.
            assert!(!failure(Step::ToolsList, transport(text)).not_listening_yet());
        }
        for text in [
            "could not connect: invalid peer certificate: UnknownIssuer",
            "could not connect: dns error: failed to lookup address information",
        ] {
            assert!(!failure(Step::Initialize, transport(text)).not_listening_yet());
        }
        let bad_gateway = McpError::Status {
            status: "502 Bad Gateway".into(),
            code: 502,
            body: String::new(),
        };
        assert!(!failure(Step::Initialize, bad_gateway).not_listening_yet());
        let late = McpError::Timeout(std::time::Duration::from_secs(1));
        assert!(!failure(Step::Initialize, late).not_listening_yet());
    }
}
