//! Health checks that speak MCP, using only the interpreter the image already has.
//! The same scripts serve the Dockerfile HEALTHCHECK and the Compose healthcheck.

use crate::config::Transport;
use crate::model::{Component, Health, ImageSource, Runtime};

/// The protocol generations a check must accept: the 2026-07-28 revision (no handshake, no
/// session; `server/discover` is the first request a client may send) and the earlier ones
/// (`initialize`, maybe an `Mcp-Session-Id`). A check asks `server/discover` first, as the
/// specification tells a client of both generations to, and falls back to `initialize`.
pub const MODERN_VERSION: &str = "2026-07-28";
/// The newest version that still has the `initialize` handshake.
pub const LEGACY_VERSION: &str = "2025-11-25";

/// `server/discover` as a 2026 client sends it: the version, who asks, and what it can do, in
/// `_meta` (the headers must mirror the version and the method).
pub fn discover_body(client: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{{"_meta":{{"io.modelcontextprotocol/protocolVersion":"{MODERN_VERSION}","io.modelcontextprotocol/clientInfo":{{"name":"{client}","version":"1"}},"io.modelcontextprotocol/clientCapabilities":{{}}}}}}}}"#
    )
}

/// `initialize` as a client of the earlier generations sends it.
pub fn initialize_body(client: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"protocolVersion":"{LEGACY_VERSION}","capabilities":{{}},"clientInfo":{{"name":"{client}","version":"1"}}}}}}"#
    )
}

/// How the health checks name themselves.
const CLIENT: &str = "mcpstack-health";

pub use crate::model::BRIDGE_VENV;

/// The exec-form test command for a component's health check, if it has one.
pub fn test_command(comp: &Component) -> Option<Vec<String>> {
    match &comp.health {
        Health::None => None,
        Health::Command { test } => Some(test.clone()),
        Health::Mcp {
            runtime,
            port,
            endpoint,
            transport,
        } => {
            let script = mcp_script(*runtime, *transport, *port, endpoint);
            Some(program(comp, *runtime, script))
        }
        Health::Http {
            runtime,
            port,
            path,
        } => {
            let url = format!("http://127.0.0.1:{port}{path}");
            let script = match runtime {
                Runtime::Python => format!(
                    "import urllib.request\nurllib.request.urlopen({}, timeout=5)",
                    quoted(&url)
                ),
                Runtime::Node => format!(
                    "fetch({}, {{signal: AbortSignal.timeout(5000)}}).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))",
                    quoted(&url)
                ),
            };
            Some(program(comp, *runtime, script))
        }
    }
}

/// The script (`python -c`, `node -e`) that checks an MCP server on `127.0.0.1:port`.
pub fn mcp_script(runtime: Runtime, transport: Transport, port: u16, endpoint: &str) -> String {
    match (runtime, transport) {
        (Runtime::Python, Transport::Sse) => python_sse(port, endpoint),
        (Runtime::Python, _) => python_streamable(port, endpoint),
        (Runtime::Node, Transport::Sse) => node_sse(port, endpoint),
        (Runtime::Node, _) => node_streamable(port, endpoint),
    }
}

fn program(comp: &Component, runtime: Runtime, script: String) -> Vec<String> {
    let interpreter = match (runtime, &comp.image) {
        (Runtime::Python, ImageSource::Bridged { .. }) => format!("{BRIDGE_VENV}/bin/python"),
        (Runtime::Python, _) => "python".into(),
        (Runtime::Node, _) => "node".into(),
    };
    let flag = if runtime == Runtime::Python {
        "-c"
    } else {
        "-e"
    };
    vec![interpreter, flag.into(), script]
}

/// A single-quoted literal, valid in Python and JavaScript. Every value quoted here is a
/// validated path or our own JSON, which holds no quote or backslash.
fn quoted(s: &str) -> String {
    debug_assert!(!s.contains(['\'', '\\']));
    format!("'{s}'")
}

/// Healthy when the server answers `server/discover` (2026-07-28) or, failing that,
/// `initialize` (earlier revisions) with a result. A 307/308 (a server that moves `/mcp` to
/// `/mcp/`) is followed on the same address, keeping the POST. The session `initialize`
/// opened is closed.
fn python_streamable(port: u16, endpoint: &str) -> String {
    format!(
        r#"import http.client, re, sys, urllib.parse
def post(path, body, headers):
    for _ in range(5):
        c = http.client.HTTPConnection('127.0.0.1', {port}, timeout=5)
        c.request('POST', path, body, {{'Content-Type': 'application/json', 'Accept': 'application/json, text/event-stream', **headers}})
        r = c.getresponse()
        b = r.read()
        to = r.getheader('location')
        if r.status not in (307, 308) or not to:
            return r, b, path
        u = urllib.parse.urlsplit(urllib.parse.urljoin(path, to))
        path = u.path + ('?' + u.query if u.query else '')
    sys.exit(1)
r, b, p = post({ep}, {discover}, {{'MCP-Protocol-Version': '{modern}', 'Mcp-Method': 'server/discover'}})
if r.status == 200 and b'"supportedVersions"' in b or re.search(rb'"code": ?-32022', b):
    sys.exit(0)
r, b, p = post({ep}, {init}, {{}})
ok = r.status == 200 and b'"protocolVersion"' in b
s = r.getheader('mcp-session-id')
if s:
    try:
        d = http.client.HTTPConnection('127.0.0.1', {port}, timeout=5)
        d.request('DELETE', p, headers={{'Mcp-Session-Id': s}})
        d.getresponse().read()
    except OSError:
        pass
sys.exit(0 if ok else 1)"#,
        ep = quoted(endpoint),
        discover = quoted(&discover_body(CLIENT)),
        init = quoted(&initialize_body(CLIENT)),
        modern = MODERN_VERSION,
    )
}

/// Legacy SSE: open the stream, POST initialize to the announced endpoint, read the result.
fn python_sse(port: u16, endpoint: &str) -> String {
    format!(
        r#"import http.client, sys
c = http.client.HTTPConnection('127.0.0.1', {port}, timeout=5)
c.request('GET', {ep}, headers={{'Accept': 'text/event-stream'}})
r = c.getresponse()
data = (l[5:].strip().decode() for l in iter(r.readline, b'') if l.startswith(b'data:'))
post = http.client.HTTPConnection('127.0.0.1', {port}, timeout=5)
post.request('POST', next(data), {init}, {{'Content-Type': 'application/json'}})
post.getresponse().read()
sys.exit(0 if any('protocolVersion' in d for d in data) else 1)"#,
        ep = quoted(endpoint),
        init = quoted(&initialize_body(CLIENT)),
    )
}

/// As [`python_streamable`]; fetch follows a 307/308 with the same method and body.
fn node_streamable(port: u16, endpoint: &str) -> String {
    format!(
        r#"const u = 'http://127.0.0.1:{port}' + {ep};
const post = (body, h) => fetch(u, {{method: 'POST', body, signal: AbortSignal.timeout(5000),
  headers: {{'content-type': 'application/json', accept: 'application/json, text/event-stream', ...h}}}});
(async () => {{
  let r = await post({discover}, {{'mcp-protocol-version': '{modern}', 'mcp-method': 'server/discover'}});
  let t = await r.text();
  if (r.status === 200 && t.includes('"supportedVersions"') || /"code": ?-32022/.test(t)) process.exit(0);
  r = await post({init}, {{}});
  const ok = r.status === 200 && (await r.text()).includes('"protocolVersion"');
  const s = r.headers.get('mcp-session-id');
  if (s) await fetch(r.url, {{method: 'DELETE', headers: {{'mcp-session-id': s}}}}).catch(() => {{}});
  process.exit(ok ? 0 : 1);
}})().catch(() => process.exit(1));"#,
        ep = quoted(endpoint),
        discover = quoted(&discover_body(CLIENT)),
        init = quoted(&initialize_body(CLIENT)),
        modern = MODERN_VERSION,
    )
}

fn node_sse(port: u16, endpoint: &str) -> String {
    format!(
        r#"const base = 'http://127.0.0.1:{port}';
setTimeout(() => process.exit(1), 5000);
(async () => {{
  const r = await fetch(base + {ep}, {{headers: {{accept: 'text/event-stream'}}}});
  const rd = r.body.getReader(), dec = new TextDecoder();
  let buf = '', posted = false;
  for (;;) {{
    const {{value, done}} = await rd.read();
    if (done) process.exit(1);
    buf += dec.decode(value);
    const m = !posted && buf.match(/event: endpoint\r?\ndata: (.+)\r?\n/);
    if (m) {{
      posted = true;
      await fetch(new URL(m[1], base), {{method: 'POST', body: {init}, headers: {{'content-type': 'application/json'}}}});
    }} else if (posted && buf.includes('protocolVersion')) process.exit(0);
  }}
}})().catch(() => process.exit(1));"#,
        ep = quoted(endpoint),
        init = quoted(&initialize_body(CLIENT)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn both_first_requests_are_json_rpc_of_their_generation() {
        let d: Value = serde_json::from_str(&discover_body("t")).unwrap();
        assert_eq!(d["method"], "server/discover");
        let meta = &d["params"]["_meta"];
        assert_eq!(
            meta["io.modelcontextprotocol/protocolVersion"],
            MODERN_VERSION
        );
        assert_eq!(meta["io.modelcontextprotocol/clientInfo"]["name"], "t");
        assert!(meta["io.modelcontextprotocol/clientCapabilities"].is_object());
        let i: Value = serde_json::from_str(&initialize_body("t")).unwrap();
        assert_eq!(i["method"], "initialize");
        assert_eq!(i["params"]["protocolVersion"], LEGACY_VERSION);
        assert_eq!(i["params"]["clientInfo"]["name"], "t");
    }

    #[test]
    fn scripts_ask_discover_first_and_follow_redirects() {
        for runtime in [Runtime::Python, Runtime::Node] {
            let s = mcp_script(runtime, Transport::StreamableHttp, 8000, "/mcp");
            let discover = s.find("server/discover").unwrap();
            let initialize = s.find("\"initialize\"").unwrap();
            assert!(discover < initialize, "{s}");
            assert!(
                s.contains("2026-07-28") && s.contains("mcp-session-id"),
                "{s}"
            );
        }
        assert!(
            mcp_script(Runtime::Python, Transport::StreamableHttp, 8000, "/mcp")
                .contains("(307, 308)")
        );
    }
}
