//! The `images` section: pinned references and package specs.

use super::*;

pub(super) fn images(ck: &mut Check, i: &Images) {
    let p = KeyPath::of(&["images"]);
    let refs = [
        ("python", &i.python),
        ("uv", &i.uv),
        ("node", &i.node),
        ("nginx", &i.nginx),
        ("prometheus", &i.prometheus),
        ("grafana", &i.grafana),
        ("blackbox_exporter", &i.blackbox_exporter),
        ("nginx_exporter", &i.nginx_exporter),
        ("cadvisor", &i.cadvisor),
        ("certbot", &i.certbot),
        ("cloudflared", &i.cloudflared),
    ];
    for (k, v) in refs {
        if !is_image(v) {
            ck.err(p.key(k), format!("`{v}` is not an image reference"))
                .help =
                Some("e.g. `python:3.12-slim` or `registry.example.com/team/python:3.12`".into());
        }
    }
    let pkg = |s: &str, sep: &str| {
        let (name, version) = s.split_once(sep).unwrap_or((s, ""));
        let name_ok = !name.is_empty()
            && name
                .trim_start_matches('@')
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
        name_ok
            && version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".+-".contains(c))
    };
    if !pkg(&i.mcp_proxy, "==") {
        ck.err(
            p.key("mcp_proxy"),
            format!(
                "`{}` is not a package spec like `mcp-proxy==0.13.0`",
                i.mcp_proxy
            ),
        );
    }
    let node_spec = i
        .supergateway
        .strip_prefix('@')
        .map(|s| format!("@{s}"))
        .unwrap_or(i.supergateway.clone());
    let at = node_spec[1..].find('@').map(|x| x + 1);
    let ok = match at {
        Some(x) => pkg(
            &format!("{}=={}", &node_spec[..x], &node_spec[x + 1..]),
            "==",
        ),
        None => pkg(&node_spec, "=="),
    };
    if !ok {
        ck.err(
            p.key("supergateway"),
            format!(
                "`{}` is not a package spec like `supergateway@4.0.0`",
                i.supergateway
            ),
        );
    }
}
