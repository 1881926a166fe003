//! The HTTP client every check shares, and the small helpers both transports use to read
//! answers.
//!
//! TLS is rustls with the ring provider. Given a CA, the client trusts that CA and nothing
//! else, so a check proves the gateway serves the stack's own certificate. Without one it
//! trusts the platform's roots (manual and ACME certificates). HTTP/2 is offered through
//! ALPN, HTTP/1.1 otherwise. Proxies from the environment are ignored (the gateway is
//! checked directly). A 307 or 308 on the same origin is followed with its method and body
//! (servers move `/mcp` to `/mcp/`, and clients follow); any other redirect is reported.

use super::error::{describe, snippet, McpError};
use reqwest::header::{HeaderMap, CONTENT_TYPE, LOCATION};
use reqwest::Response;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("mcpstack/", env!("CARGO_PKG_VERSION"));

/// How many characters of a body an error message quotes.
const SNIPPET_CHARS: usize = 200;
/// How long an error message waits for more of the body.
const SNIPPET_WAIT: Duration = Duration::from_secs(1);

/// The TLS configuration: only the CA in `ca_pem` when given, else the platform's verifier.
pub fn tls_config(ca_pem: Option<&[u8]>) -> Result<rustls::ClientConfig, McpError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| McpError::Setup(format!("TLS: {e}")))?;
    let mut config = match ca_pem {
        Some(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert =
                    cert.map_err(|e| McpError::Setup(format!("the CA file does not parse: {e}")))?;
                roots
                    .add(cert)
                    .map_err(|e| McpError::Setup(format!("the CA certificate is refused: {e}")))?;
            }
            if roots.is_empty() {
                return Err(McpError::Setup(
                    "the CA file holds no PEM certificate".into(),
                ));
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        None => {
            let verifier = rustls_platform_verifier::Verifier::new(provider)
                .map_err(|e| McpError::Setup(format!("the platform's certificates: {e}")))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth()
        }
    };
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The client: `ca_pem` as in [`tls_config`]; `connect_timeout` bounds each connection;
/// `resolve` sends one host name to a fixed address (the URL's port wins over the address's,
/// unless the URL has none).
pub fn http_client(
    ca_pem: Option<&[u8]>,
    connect_timeout: Duration,
    resolve: Option<(&str, SocketAddr)>,
) -> Result<reqwest::Client, McpError> {
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls_config(ca_pem)?)
        .no_proxy()
        .redirect(same_origin_redirects())
        .connect_timeout(connect_timeout)
        .user_agent(USER_AGENT);
    if let Some((host, addr)) = resolve {
        builder = builder.resolve(host, addr);
    }
    builder
        .build()
        .map_err(|e| McpError::Setup(format!("HTTP client: {}", describe(&e))))
}

/// At most this many redirects for one request.
const MAX_REDIRECTS: usize = 5;

/// Follows 307 and 308 (which keep a POST a POST) on the same origin: the token and session
/// id never go elsewhere. A 301, 302 or 303 (which would turn the POST into a GET) stops.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let keeps_body = matches!(
            attempt.status(),
            reqwest::StatusCode::TEMPORARY_REDIRECT | reqwest::StatusCode::PERMANENT_REDIRECT
        );
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if !keeps_body || !same_origin {
            attempt.stop()
        } else if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else {
            attempt.follow()
        }
    })
}

/// Runs `step`, failing with [`McpError::Timeout`] once `timeout` has passed.
pub(crate) async fn within<T>(
    timeout: Duration,
    step: impl Future<Output = Result<T, McpError>>,
) -> Result<T, McpError> {
    tokio::time::timeout(timeout, step)
        .await
        .unwrap_or(Err(McpError::Timeout(timeout)))
}

pub(crate) fn transport(e: reqwest::Error) -> McpError {
    McpError::Transport(describe(&e))
}

/// The media type of a response, lower case, without parameters.
pub(crate) fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// An unexpected status, with the start of the body (or where a redirect points).
pub(crate) async fn status_error(resp: Response) -> McpError {
    let status = resp.status();
    let body = if status.is_redirection() {
        let to = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("nowhere");
        format!("redirect to {to}")
    } else {
        body_snippet(resp).await
    };
    McpError::Status {
        status: status.to_string(),
        code: status.as_u16(),
        body,
    }
}

/// The start of a body, for an error message. An endless stream is cut, not waited for.
pub(crate) async fn body_snippet(mut resp: Response) -> String {
    let mut bytes = Vec::new();
    while bytes.len() < 4 * SNIPPET_CHARS {
        match tokio::time::timeout(SNIPPET_WAIT, resp.chunk()).await {
            Ok(Ok(Some(chunk))) => bytes.extend_from_slice(&chunk),
            _ => break,
        }
    }
    snippet(&bytes, SNIPPET_CHARS)
}

/// A body read chunk by chunk, noting when its first byte arrived.
pub(crate) struct Body {
    resp: Response,
    start: Instant,
    first_byte: Option<Duration>,
}

impl Body {
    /// `start` is when the request was sent.
    pub(crate) fn new(resp: Response, start: Instant) -> Body {
        Body {
            resp,
            start,
            first_byte: None,
        }
    }

    /// The next piece of the body; `None` at its end.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Vec<u8>>, McpError> {
        let chunk = self.resp.chunk().await.map_err(transport)?;
        if self.first_byte.is_none() && chunk.as_ref().is_some_and(|c| !c.is_empty()) {
            self.first_byte = Some(self.start.elapsed());
        }
        Ok(chunk.map(|c| c.to_vec()))
    }

    /// The whole body, at most `limit` bytes.
    pub(crate) async fn all(&mut self, limit: usize) -> Result<Vec<u8>, McpError> {
        let mut bytes = Vec::new();
        while let Some(chunk) = self.chunk().await? {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > limit {
                return Err(McpError::Protocol(format!(
                    "the body is larger than {limit} bytes"
                )));
            }
        }
        Ok(bytes)
    }

    /// When the first byte arrived, after the request was sent.
    pub(crate) fn first_byte(&self) -> Option<Duration> {
        self.first_byte
    }
}
