//! The servers of a stack at their public URLs, as `check` reaches them.

use crate::config::Transport;
use crate::model::Stack;

/// One server to check at its public URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckTarget {
    pub server: String,
    pub url: String,
    /// What the server speaks at that URL (stdio servers are bridged to streamable HTTP).
    pub transport: Transport,
}

impl CheckTarget {
    /// One target per route: `https://<domain>[:<https_port>]<path>`.
    pub fn from_stack(stack: &Stack) -> Vec<CheckTarget> {
        stack
            .gateway
            .routes
            .iter()
            .map(|route| CheckTarget {
                server: route.server.clone(),
                url: stack.public_url(route),
                transport: match route.transport {
                    Transport::Sse => Transport::Sse,
                    Transport::StreamableHttp | Transport::Stdio => Transport::StreamableHttp,
                },
            })
            .collect()
    }
}
