//! The gateway: `nginx/nginx.conf` and the entrypoint that loads tokens from the environment.

use super::{header, Templates};
use crate::config::{AccessLog, TlsMode};
use crate::model::{
    Balance, Route, Stack, GATEWAY_HTTPS_PORT, GATEWAY_HTTP_PORT, GATEWAY_INTERNAL_PORT,
};
use anyhow::Result;
use minijinja::context;

/// nginx learned `resolve` on upstream servers (open source) in 1.27.3.
const UPSTREAM_RESOLVE: (u32, u32, u32) = (1, 27, 3);
/// `http2 on;` replaced `listen ... http2` in 1.25.1.
const HTTP2_DIRECTIVE: (u32, u32, u32) = (1, 25, 1);

pub fn render(stack: &Stack, templates: &Templates) -> Result<String> {
    let g = &stack.gateway;
    let mut names = vec![stack.domain.clone()];
    names.extend(stack.aliases.iter().cloned());
    let routes: Vec<_> = g
        .routes
        .iter()
        .map(|r| {
            context! {
                server => &r.server,
                path => &r.path,
                prefix => r.path.trim_end_matches('/'),
                host => &r.host,
                port => r.port,
                endpoint => &r.endpoint,
                sse => r.transport == crate::config::Transport::Sse,
                timeout => r.timeout_secs,
                balance => match r.balance {
                    Balance::Single => "single",
                    Balance::LeastConn => "least_conn",
                    Balance::SessionAffinity => "session_affinity",
                },
                affinity => r.balance == Balance::SessionAffinity,
                host_pattern => if r.balance == Balance::SessionAffinity {
                    format!("{}(?:-[0-9]+)?", r.host)
                } else {
                    r.host.clone()
                },
                split => split(r.replica_hosts.len()),
                picks => picks(r),
                replicas => r.replicas,
                var => var(r),
                upstream => upstream(r),
            }
        })
        .collect();
    templates.render(
        "nginx.conf",
        context! {
            header => header(stack, "#").trim_end(),
            server_names => names.join(" "),
            http_port => GATEWAY_HTTP_PORT,
            https_port => GATEWAY_HTTPS_PORT,
            https_suffix => &g.https_suffix,
            resolver => &g.resolver,
            http2_directive => g.nginx_version >= HTTP2_DIRECTIVE,
            upstream_resolve => g.nginx_version >= UPSTREAM_RESOLVE,
            upstream_lines => entrypoint_upstreams(stack),
            acme => g.tls.mode == TlsMode::Acme,
            tls_dir => if g.tls.mode == TlsMode::Acme { "/tmp/mcpstack/tls" } else { "/etc/nginx/certs" },
            auth => g.auth_tokens_env.is_some(),
            rate_limit => &g.rate_limit,
            origins => &g.allow_origins,
            max_body => &g.max_body,
            routes => routes,
            access_log => match g.access_log {
                AccessLog::Buffered => Some(" buffer=64k flush=1s"),
                AccessLog::Unbuffered => Some(""),
                AccessLog::Off => None,
            },
            internal_port => stack.monitoring.as_ref().map(|_| GATEWAY_INTERNAL_PORT),
        },
    )
}

/// `split_clients` lines that spread new sessions evenly over `n` replicas (`r1` … `rn`).
fn split(n: usize) -> Vec<String> {
    // Percentages with two decimals; the last replica takes the rest.
    let share = 10_000 / n.max(1);
    (1..=n)
        .map(|i| match i == n {
            false => format!("{}.{:02}% r{i}", share / 100, share % 100),
            true => format!("* r{i}"),
        })
        .collect()
}

/// The server's name in nginx variables and upstream names (which take no `-`).
fn var(r: &Route) -> String {
    r.server.replace('-', "_")
}

/// The upstream block of a route's server (all its replicas).
fn upstream(r: &Route) -> String {
    format!("{}_upstream", var(r))
}

/// The upstream block of one replica (by its tag) of a server with session affinity.
fn replica_upstream(r: &Route, tag: &str) -> String {
    format!("{}_{tag}", var(r))
}

/// Where each replica's tag leads: the replica's own upstream block.
fn picks(r: &Route) -> Vec<minijinja::Value> {
    r.replica_hosts
        .iter()
        .map(|x| {
            context! {
                tag => &x.tag,
                host => &x.compose_host,
                target => replica_upstream(r, &x.tag),
            }
        })
        .collect()
}

/// The upstream blocks the entrypoint writes for nginx before 1.27.3 (which cannot re-resolve
/// the names in `upstream` blocks itself), listed in nginx.conf: name, host, port and balancing
/// of each. Newer nginx gets the blocks themselves in nginx.conf, with `resolve`.
fn entrypoint_upstreams(stack: &Stack) -> Vec<minijinja::Value> {
    if stack.gateway.nginx_version >= UPSTREAM_RESOLVE {
        return Vec::new();
    }
    let mut out = Vec::new();
    for r in &stack.gateway.routes {
        let line = |name: String, host: &str, balance: &str| {
            context! { name => name, host => host, port => r.port, balance => balance }
        };
        match r.balance {
            Balance::SessionAffinity => out.extend(
                r.replica_hosts
                    .iter()
                    .map(|x| line(replica_upstream(r, &x.tag), &x.compose_host, "single")),
            ),
            Balance::LeastConn => out.push(line(upstream(r), &r.host, "least_conn")),
            Balance::Single => out.push(line(upstream(r), &r.host, "single")),
        }
    }
    out
}

/// Starts nginx: loads bearer tokens from the environment, picks the TLS files, and
/// reloads nginx when the certificate is renewed.
pub fn entrypoint(stack: &Stack, templates: &Templates) -> Result<String> {
    templates.render(
        "gateway-entrypoint.sh",
        context! {
            header => header(stack, "#").trim_end(),
            tokens_env => &stack.gateway.auth_tokens_env,
            acme => stack.gateway.tls.mode == TlsMode::Acme,
            upstreams => stack.gateway.nginx_version < UPSTREAM_RESOLVE,
        },
    )
}
