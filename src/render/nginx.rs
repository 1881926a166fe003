//! The gateway: `nginx/nginx.conf` and the entrypoint that loads tokens from the environment.

use super::{header, Templates};
use crate::config::TlsMode;
use crate::model::{Balance, Stack, GATEWAY_HTTPS_PORT, GATEWAY_HTTP_PORT};
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
            auth => g.auth_tokens_env.is_some(),
            rate_limit => &g.rate_limit,
            origins => &g.allow_origins,
            max_body => &g.max_body,
            routes => routes,
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

/// Starts nginx after writing the bearer tokens from the environment into memory (tmpfs).
pub fn entrypoint(stack: &Stack) -> String {
    let mut s = String::from("#!/bin/sh\n");
    s += &header(stack, "#");
    s += "set -eu\n";
    s += "mkdir -p /tmp/mcpstack\n";
    if let Some(env) = &stack.gateway.auth_tokens_env {
        s += &format!(
            r#"# Bearer tokens come only from ${env} (commas or spaces between them). They are kept in
# memory, never in a generated file: change .env and recreate the gateway to add or revoke one.
umask 077
: > /tmp/mcpstack/tokens.map
count=0
for token in $(printf '%s' "${{{env}:-}}" | tr ',' ' '); do
  case "$token" in
    *[!A-Za-z0-9._~+/=-]*) echo "mcpstack: ignoring a token with characters outside A-Z a-z 0-9 . _ ~ + / = -" >&2 ;;
    *) printf '"Bearer %s" 1;\n' "$token" >> /tmp/mcpstack/tokens.map; count=$((count + 1)) ;;
  esac
done
[ "$count" -gt 0 ] || echo "mcpstack: {env} holds no token: every request will get 401" >&2
"#
        );
    }
    let hosts = static_hosts(stack);
    if !hosts.is_empty() {
        s += &format!(
            r#"# This nginx resolves upstream names only when it loads its config. Watch the replicas'
# addresses and reload when they change (a container replaced or scaled).
addresses() {{
  for h in {}; do
    {{ getent ahostsv4 "$h" 2>/dev/null || getent hosts "$h"; }} | awk '{{print $1}}' | sort -u
  done | tr '\n' ' '
}}
(
  last=$(addresses)
  while sleep 10; do
    now=$(addresses)
    if [ -n "$now" ] && [ "$now" != "$last" ]; then
      echo "mcpstack: replica addresses changed, reloading nginx" >&2
      nginx -s reload || true
      last=$now
    fi
  done
) &
"#,
            hosts.join(" ")
        );
    }
    s += "exec nginx -g 'daemon off;'\n";
    s
}
