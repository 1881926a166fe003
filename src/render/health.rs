//! Health checks that speak MCP, using only the interpreter the image already has.
//! The same scripts serve the Dockerfile HEALTHCHECK and the Compose healthcheck.

use crate::config::Transport;
use crate::model::{Component, Health, ImageSource, Runtime};

/// The `initialize` request every MCP check sends.
const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"mcpstack-health","version":"1"}}}"#;

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
            let script = match (runtime, transport) {
                (Runtime::Python, Transport::Sse) => python_sse(*port, endpoint),
                (Runtime::Python, _) => python_streamable(*port, endpoint),
                (Runtime::Node, Transport::Sse) => node_sse(*port, endpoint),
                (Runtime::Node, _) => node_streamable(*port, endpoint),
            };
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

/// POST initialize; healthy when the result names a protocol version. The session is closed.
fn python_streamable(port: u16, endpoint: &str) -> String {
    format!(
        r#"import http.client, sys
c = http.client.HTTPConnection('127.0.0.1', {port}, timeout=5)
c.request('POST', {ep}, {init}, {{'Content-Type': 'application/json', 'Accept': 'application/json, text/event-stream'}})
r = c.getresponse()
ok = r.status == 200 and b'protocolVersion' in r.read()
s = r.getheader('mcp-session-id')
if s:
    try:
        d = http.client.HTTPConnection('127.0.0.1', {port}, timeout=5)
        d.request('DELETE', {ep}, headers={{'Mcp-Session-Id': s}})
        d.getresponse().read()
    except OSError:
        pass
sys.exit(0 if ok else 1)"#,
        ep = quoted(endpoint),
        init = quoted(INIT),
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
        init = quoted(INIT),
    )
}

fn node_streamable(port: u16, endpoint: &str) -> String {
    format!(
        r#"const u = 'http://127.0.0.1:{port}' + {ep};
(async () => {{
  const r = await fetch(u, {{method: 'POST', body: {init}, signal: AbortSignal.timeout(5000),
    headers: {{'content-type': 'application/json', accept: 'application/json, text/event-stream'}}}});
  const ok = r.ok && (await r.text()).includes('protocolVersion');
  const s = r.headers.get('mcp-session-id');
  if (s) await fetch(u, {{method: 'DELETE', headers: {{'mcp-session-id': s}}}}).catch(() => {{}});
  process.exit(ok ? 0 : 1);
}})().catch(() => process.exit(1));"#,
        ep = quoted(endpoint),
        init = quoted(INIT),
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
        init = quoted(INIT),
    )
}
