//! The gateway: `nginx/nginx.conf` and the entrypoint that loads tokens from the environment.

use super::{header, Templates};
use crate::config::TlsMode;
use crate::model::{Balance, Stack, GATEWAY_HTTPS_PORT, GATEWAY_HTTP_PORT, GATEWAY_INTERNAL_PORT};
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
                    Balance::ClientAffinity => "client_affinity",
                },
                replicas => r.replicas,
                var => r.server.replace('-', "_"),
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
            http2_directive => g.nginx_version >= HTTP2_DIRECTIVE,
            upstream_resolve => g.nginx_version >= UPSTREAM_RESOLVE,
            acme => g.tls.mode == TlsMode::Acme,
            tls_dir => if g.tls.mode == TlsMode::Acme { "/tmp/mcpstack/tls" } else { "/etc/nginx/certs" },
            auth => g.auth_tokens_env.is_some(),
            rate_limit => &g.rate_limit,
            origins => &g.allow_origins,
            max_body => &g.max_body,
            routes => routes,
            internal_port => stack.monitoring.as_ref().map(|_| GATEWAY_INTERNAL_PORT),
        },
    )
}

/// Hosts whose addresses nginx fixes at start (stateful replicas on an nginx without `resolve`).
fn static_hosts(stack: &Stack) -> Vec<&str> {
    if stack.gateway.nginx_version >= UPSTREAM_RESOLVE {
        return Vec::new();
    }
    stack
        .gateway
        .routes
        .iter()
        .filter(|r| r.balance == Balance::ClientAffinity)
        .map(|r| r.host.as_str())
        .collect()
}

/// Starts nginx: loads bearer tokens from the environment, picks the TLS files, and
/// reloads nginx when they or the replicas' addresses change.
pub fn entrypoint(stack: &Stack, templates: &Templates) -> Result<String> {
    templates.render(
        "gateway-entrypoint.sh",
        context! {
            header => header(stack, "#").trim_end(),
            tokens_env => &stack.gateway.auth_tokens_env,
            acme => stack.gateway.tls.mode == TlsMode::Acme,
            static_hosts => static_hosts(stack),
        },
    )
}
