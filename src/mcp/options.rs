//! How `check` reaches the servers.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// How to reach the servers.
#[derive(Clone)]
pub struct CheckOptions {
    /// The only CA trusted (the stack's local CA); `None`: the platform's roots.
    pub ca_pem: Option<Vec<u8>>,
    /// Sent as `Authorization: Bearer` when the gateway has auth on.
    pub token: Option<String>,
    /// Bounds the connection and each step.
    pub timeout: Duration,
    /// Sends this host name to this address instead of asking DNS (the URL's port wins
    /// unless it has none).
    pub resolve: Option<(String, SocketAddr)>,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            ca_pem: None,
            token: None,
            timeout: Duration::from_secs(10),
            resolve: None,
        }
    }
}

impl fmt::Debug for CheckOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckOptions")
            .field("ca_pem", &self.ca_pem.as_ref().map(|p| p.len()))
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("timeout", &self.timeout)
            .field("resolve", &self.resolve)
            .finish()
    }
}
