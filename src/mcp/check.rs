//! `mcpstack check`: every server of a stack, through the gateway, as a client sees it.
//!
//! The protocol goes through the official SDK ([`sdk`]): the generation the server speaks
//! (`server/discover`, else `initialize`) and `tools/list`. What an SDK hides is measured by
//! hand ([`Session`]): the first byte of a `tools/list` answer and, on servers of the
//! revisions with sessions, the `Mcp-Session-Id` round trip. The legacy HTTP+SSE transport,
//! which the SDK does not speak, is checked by hand ([`SseSession`]).

use super::answers::{BodyKind, Closed, FirstByte, Initialized, Tools};
use super::client::Session;
use super::error::McpError;
use super::failure::{hint, Column, Failure, Step};
use super::http::http_client;
use super::options::CheckOptions;
use super::sdk;
use super::sse::SseSession;
use super::target::CheckTarget;
use crate::config::Transport;
use reqwest::Url;
use std::time::{Duration, Instant};

/// What the session check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionCheck {
    /// The id from `initialize` was accepted, DELETE ended it, and it then got 404.
    Ended,
    /// The id was accepted; the server answers DELETE with 405 (allowed by the specification).
    NoDelete,
    /// The server assigned no session id.
    Stateless,
    /// Legacy SSE: the session lives in the endpoint URL, which accepted the messages.
    Legacy,
    /// The server speaks the 2026-07-28 revision, which has no sessions.
    Sessionless,
}

/// The outcome of checking one server.
#[derive(Debug, Clone)]
pub struct CheckResult {
    pub server: String,
    pub url: String,
    pub transport: Transport,
    pub initialize: Option<Initialized>,
    pub tools: Option<Tools>,
    /// `tools/list`'s answer (streamable HTTP) or the event stream's (legacy SSE).
    pub first_byte: Option<FirstByte>,
    pub session: Option<SessionCheck>,
    pub failures: Vec<Failure>,
    pub elapsed: Duration,
}

impl CheckResult {
    fn new(target: &CheckTarget) -> CheckResult {
        CheckResult {
            server: target.server.clone(),
            url: target.url.clone(),
            transport: target.transport,
            initialize: None,
            tools: None,
            first_byte: None,
            session: None,
            failures: Vec::new(),
            elapsed: Duration::ZERO,
        }
    }

    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }

    /// Whether a step of this column failed.
    pub fn failed(&self, column: Column) -> bool {
        self.failures.iter().any(|f| f.step.column() == column)
    }

    fn fail(&mut self, step: Step, error: McpError, opts: &CheckOptions) {
        let hint = hint(&error, opts);
        self.failures.push(Failure {
            server: self.server.clone(),
            step,
            error,
            hint,
        });
    }
}

/// Whether every check passed.
pub fn all_ok(results: &[CheckResult]) -> bool {
    results.iter().all(CheckResult::ok)
}

/// Checks every target, all at once; the results are in the targets' order.
pub async fn check(targets: &[CheckTarget], opts: &CheckOptions) -> Vec<CheckResult> {
    let resolve = opts.resolve.as_ref().map(|(h, a)| (h.as_str(), *a));
    let http = match http_client(opts.ca_pem.as_deref(), opts.timeout, resolve) {
        Ok(http) => http,
        Err(e) => {
            return targets
                .iter()
                .map(|t| {
                    let mut r = CheckResult::new(t);
                    r.fail(Step::Setup, e.clone(), opts);
                    r
                })
                .collect()
        }
    };
    let mut set = tokio::task::JoinSet::new();
    for (i, target) in targets.iter().cloned().enumerate() {
        let (http, opts) = (http.clone(), opts.clone());
        set.spawn(async move { (i, check_one(http, target, &opts).await) });
    }
    let mut results: Vec<Option<CheckResult>> = targets.iter().map(|_| None).collect();
    while let Some(joined) = set.join_next().await {
        match joined {
            Ok((i, result)) => results[i] = Some(result),
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        }
    }
    results.into_iter().flatten().collect()
}

async fn check_one(http: reqwest::Client, target: CheckTarget, opts: &CheckOptions) -> CheckResult {
    let start = Instant::now();
    let mut r = CheckResult::new(&target);
    match Url::parse(&target.url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => match target.transport {
            Transport::Sse => legacy(&mut r, http, url, opts).await,
            Transport::StreamableHttp | Transport::Stdio => {
                streamable(&mut r, http, url, opts).await
            }
        },
        Ok(_) => r.fail(
            Step::Setup,
            McpError::Setup(format!("{} is not an http(s) URL", target.url)),
            opts,
        ),
        Err(e) => r.fail(
            Step::Setup,
            McpError::Setup(format!("{} is not a URL: {e}", target.url)),
            opts,
        ),
    }
    r.elapsed = start.elapsed();
    r
}

async fn streamable(r: &mut CheckResult, http: reqwest::Client, url: Url, opts: &CheckOptions) {
    // The protocol, through the SDK.
    let token = opts.token.as_deref();
    let (client, init) = match sdk::connect(http.clone(), &url, token, opts.timeout).await {
        Ok(connected) => connected,
        Err(e @ McpError::Timeout(_)) => return r.fail(Step::Initialize, e, opts),
        Err(e) => {
            // The SDK says that it failed; the hand-written client, which sees every HTTP
            // exchange, says where (the status, the body, the step).
            let s = Session::new(http, url, opts.token.clone(), opts.timeout);
            session_round_trip(r, s, opts).await;
            if r.ok() {
                r.fail(Step::Initialize, e, opts);
            }
            r.session = None;
            r.first_byte = None;
            return;
        }
    };
    let modern = sdk::is_modern(&init);
    r.initialize = Some(init);
    let start = Instant::now();
    match sdk::tool_names(&client, opts.timeout).await {
        Ok(names) => {
            r.tools = Some(Tools {
                names,
                first_byte: None,
                elapsed: start.elapsed(),
            })
        }
        Err(e) => r.fail(Step::ToolsList, e, opts),
    }
    let _ = client.cancel().await;
    // What the SDK hides, by hand.
    if modern {
        let mut s = Session::modern(http, url, opts.token.clone(), opts.timeout);
        match s.list_tools().await {
            Ok(tools) => {
                r.first_byte = tools.first_byte;
                if let (Some(init), Some(fb)) = (&mut r.initialize, tools.first_byte) {
                    init.kind = fb.kind;
                }
            }
            Err(e) => r.fail(Step::FirstByte, e, opts),
        }
        r.session = Some(SessionCheck::Sessionless);
    } else {
        session_round_trip(
            r,
            Session::new(http, url, opts.token.clone(), opts.timeout),
            opts,
        )
        .await;
    }
}

/// A session of the revisions before 2026-07-28: the id from `initialize` carried by the next
/// requests (the first byte of `tools/list` is measured on the way), DELETE, then 404.
async fn session_round_trip(r: &mut CheckResult, mut s: Session, opts: &CheckOptions) {
    let init = match s.initialize().await {
        Ok(init) => init,
        Err(e) => return r.fail(Step::Initialize, e, opts),
    };
    let has_id = init.session_id.is_some();
    match &mut r.initialize {
        Some(sdk) => sdk.session_id = init.session_id,
        None => r.initialize = Some(init),
    }
    if let Err(e) = s.initialized().await {
        r.fail(Step::Initialized, e.clone(), opts);
        session_refused(r, &e, has_id, opts);
        let _ = s.close().await;
        return;
    }
    match s.list_tools().await {
        Ok(tools) => {
            r.first_byte = tools.first_byte;
            if let (Some(init), Some(fb)) = (&mut r.initialize, tools.first_byte) {
                init.kind = fb.kind;
            }
        }
        Err(e) => {
            r.fail(Step::FirstByte, e.clone(), opts);
            session_refused(r, &e, has_id, opts);
        }
    }
    if !has_id {
        r.session = Some(SessionCheck::Stateless);
        return;
    }
    if r.failed(Column::Session) {
        let _ = s.close().await;
        return;
    }
    match s.close().await {
        Ok(Closed::Ended) => match s.expect_expired().await {
            Ok(()) => r.session = Some(SessionCheck::Ended),
            Err(e) => r.fail(Step::AfterDelete, e, opts),
        },
        Ok(Closed::NotAllowed) => r.session = Some(SessionCheck::NoDelete),
        Ok(Closed::NoSession) => r.session = Some(SessionCheck::Stateless),
        Err(e) => r.fail(Step::Delete, e, opts),
    }
}

/// A 404 (or a 400 about the session) on a request that carried the id from `initialize`
/// means the id did not round-trip.
fn session_refused(r: &mut CheckResult, e: &McpError, has_id: bool, opts: &CheckOptions) {
    let about_session = match e {
        McpError::Status { code: 404, .. } => true,
        McpError::Status {
            code: 400, body, ..
        } => body.to_ascii_lowercase().contains("session"),
        _ => false,
    };
    if has_id && about_session {
        r.fail(
            Step::Session,
            McpError::Protocol(format!(
                "the session id from initialize was refused by the next request ({e})"
            )),
            opts,
        );
    }
}

async fn legacy(r: &mut CheckResult, http: reqwest::Client, url: Url, opts: &CheckOptions) {
    let mut s = match SseSession::connect(http, url.clone(), opts.token.clone(), opts.timeout).await
    {
        Ok(s) => s,
        Err(e) => return r.fail(Step::Stream, e, opts),
    };
    r.first_byte = Some(FirstByte {
        kind: BodyKind::EventStream,
        after: s.first_byte(),
    });
    // Behind the gateway the URL is a prefix, and the endpoint must be rewritten into it.
    if url.path().ends_with('/') && !s.endpoint().path().starts_with(url.path()) {
        let e = McpError::Protocol(format!(
            "the endpoint event names {}, outside {} (the gateway did not rewrite it)",
            s.endpoint().path(),
            url.path()
        ));
        return r.fail(Step::Stream, e, opts);
    }
    match s.initialize().await {
        Ok(init) => r.initialize = Some(init),
        Err(e) => return r.fail(Step::Initialize, e, opts),
    }
    if let Err(e) = s.initialized().await {
        return r.fail(Step::Initialized, e, opts);
    }
    r.session = Some(SessionCheck::Legacy);
    match s.list_tools().await {
        Ok(tools) => r.tools = Some(tools),
        Err(e) => r.fail(Step::ToolsList, e, opts),
    }
}

/// Milliseconds, for tables.
pub(crate) fn ms(d: Duration) -> u128 {
    d.as_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_never_show_the_token() {
        let opts = CheckOptions {
            token: Some("s3cret".into()),
            ..CheckOptions::default()
        };
        let shown = format!("{opts:?}");
        assert!(
            !shown.contains("s3cret") && shown.contains("<redacted>"),
            "{shown}"
        );
    }

    #[test]
    fn failures_name_server_step_and_status() {
        let opts = CheckOptions::default();
        let mut r = CheckResult::new(&CheckTarget {
            server: "main".into(),
            url: "https://mcp.local/main/".into(),
            transport: Transport::StreamableHttp,
        });
        r.fail(
            Step::ToolsList,
            McpError::Status {
                status: "401 Unauthorized".into(),
                code: 401,
                body: "401 Authorization Required".into(),
            },
            &opts,
        );
        assert_eq!(
            r.failures[0].to_string(),
            "main: tools/list: HTTP 401 Unauthorized: 401 Authorization Required \
             (auth is on and no token was given)"
        );
        assert!(r.failed(Column::Tools) && !r.failed(Column::Session) && !r.ok());
    }
}
