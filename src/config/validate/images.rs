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
        let bare = name.strip_prefix('@').unwrap_or(name);
        let name_ok = !bare.is_empty()
            && bare
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
    // `name@version` or `@scope/name@version`: the version follows the last `@` after the first character.
    let spec = &i.supergateway;
    let (scope, rest) = match spec.strip_prefix('@') {
        Some(rest) => ("@", rest),
        None => ("", spec.as_str()),
    };
    let ok = match rest.rsplit_once('@') {
        Some((name, version)) => pkg(&format!("{scope}{name}=={version}"), "=="),
        None => pkg(spec, "=="),
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
