//! `mcpstack check`: every server through the gateway, with our own MCP client.

use super::{say, Out};
use crate::config::TlsMode;
use crate::engine::interpolate;
use crate::error::{Error, Result};
use crate::mcp::{all_ok, check, table, CheckOptions, CheckResult, CheckTarget, Failure};
use crate::pipeline::{ca_dir, CertOptions, Project};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug, Default)]
#[command(
    after_help = "Examples:\n  mcpstack check\n  MCP_GATEWAY_TOKEN=... mcpstack check\n\nChecks every server through the gateway: initialize, tools/list, the time to the first byte\nof an event stream, and the Mcp-Session-Id round trip. Exit 1 if any fails."
)]
pub struct Args {
    /// Bearer token [default: $MCP_GATEWAY_TOKEN, else the first of the gateway's tokens]
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Seconds each step may take
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
    /// Where the stack runs: with `swarm`, the gateway must be a service of the swarm
    #[arg(long, value_enum, default_value_t)]
    pub target: super::engine::DeployTarget,
    /// How long a gateway that does not listen yet is waited for (`up` has just started it).
    #[arg(skip)]
    pub settle: Duration,
}

/// The token to present: the flag, `MCP_GATEWAY_TOKEN`, else the first token the gateway reads.
fn token(project: &Project, args: &Args) -> Result<Option<String>> {
    let Some(var) = project.stack.gateway.auth_tokens_env.as_ref() else {
        return Ok(None);
    };
    if let Some(t) = &args.token {
        return Ok(Some(t.clone()));
    }
    if let Ok(t) = std::env::var("MCP_GATEWAY_TOKEN") {
        return Ok(Some(t));
    }
    // A `.env` that is a link is refused, never read: its target could be any file of the
    // user's, and what it holds would be sent to the gateway as a token.
    let env = crate::output::read(&project.output_dir(), ".env")?;
    let vars = interpolate::variables(env.as_deref());
    Ok(vars.get(var).and_then(|v| {
        v.split([',', ' '])
            .find(|t| !t.is_empty())
            .map(String::from)
    }))
}

/// When the domain does not resolve here but the gateway listens on this machine, reach it at
/// 127.0.0.1 (the TLS name and Host stay the domain).
fn resolve(project: &Project) -> Option<(String, SocketAddr)> {
    let g = &project.stack.gateway;
    let domain = &project.stack.domain;
    let local = g.bind == "0.0.0.0" || g.bind == "127.0.0.1" || g.bind == "::";
    let resolves = (domain.as_str(), g.https_port)
        .to_socket_addrs()
        .is_ok_and(|mut a| a.next().is_some());
    (local && !resolves).then(|| {
        (
            domain.clone(),
            SocketAddr::from(([127, 0, 0, 1], g.https_port)),
        )
    })
}

/// Whether something failed, and every failure is a gateway that does not listen yet.
fn not_listening_yet(results: &[CheckResult]) -> bool {
    !all_ok(results)
        && results
            .iter()
            .flat_map(|r| &r.failures)
            .all(Failure::not_listening_yet)
}

pub fn run(
    project: &Project,
    args: &Args,
    caroot: Option<std::path::PathBuf>,
    out: &Out,
) -> Result<i32> {
    if args.target == super::engine::DeployTarget::Swarm {
        super::engine::require_swarm_gateway(project)?;
    }
    let ca_pem = if project.stack.gateway.tls.mode == TlsMode::Local {
        let file = ca_dir(&CertOptions {
            caroot,
            ..Default::default()
        })?
        .join(crate::certs::CA_CERT_FILE);
        Some(std::fs::read(&file).map_err(|e| Error::io(&file, e))?)
    } else {
        None
    };
    let opts = CheckOptions {
        ca_pem,
        token: token(project, args)?,
        timeout: Duration::from_secs(args.timeout),
        resolve: resolve(project),
    };
    let targets = CheckTarget::from_stack(&project.stack);
    let rt = tokio::runtime::Runtime::new().map_err(|e| Error::Other(e.into()))?;
    let start = Instant::now();
    let results = loop {
        let results = rt.block_on(check(&targets, &opts));
        if !not_listening_yet(&results) || start.elapsed() >= args.settle {
            break results;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    say(&table(&results));
    if all_ok(&results) {
        out.info(format!(
            "all {} server(s) answer MCP through the gateway",
            results.len()
        ));
        Ok(0)
    } else {
        Ok(1)
    }
}
