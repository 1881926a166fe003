//! The `gateway` section: TLS, auth, limits, origins.

use super::*;

/// The largest rate (requests per second) and burst nginx is given.
const MAX_RATE: i64 = 1_000_000;

pub(super) fn gateway(ck: &mut Check, g: &Gateway, domain: &str) {
    let p = KeyPath::of(&["gateway"]);
    if g.bind.parse::<std::net::IpAddr>().is_err() {
        ck.err(p.key("bind"), format!("`{}` is not an IP address", g.bind))
            .help =
            Some("use 0.0.0.0 for every interface or 127.0.0.1 for this machine only".into());
    }
    port(ck, p.key("http_port"), g.http_port);
    port(ck, p.key("https_port"), g.https_port);
    if g.http_port == g.https_port {
        ck.err(p.key("https_port"), "http_port and https_port are the same");
    }
    let tls = p.key("tls");
    match g.tls.mode {
        TlsMode::Manual => {
            for (key, v) in [("cert", &g.tls.cert), ("key", &g.tls.key)] {
                match v {
                    None => {
                        ck.err(tls.key(key), format!("tls mode `manual` needs `{key}`"))
                            .help = Some(
                            "give the path of your PEM file, relative to mcp-stack.yaml".into(),
                        )
                    }
                    Some(f) => relative_file(ck, tls.key(key), f),
                }
            }
        }
        TlsMode::Acme if is_private_name(domain) => {
            ck.err(
                KeyPath::of(&["domain"]),
                format!("Let's Encrypt cannot certify `{domain}`"),
            )
            .help = Some(
                "tls mode `acme` needs a public DNS name as `domain`; use `local` for local names"
                    .into(),
            );
        }
        TlsMode::Acme => match &g.tls.email {
            None => {
                ck.err(tls.key("email"), "tls mode `acme` needs `email`")
                    .help = Some("Let's Encrypt sends expiry notices there".into())
            }
            Some(e) if !is_email(e) => {
                ck.err(tls.key("email"), format!("`{e}` is not an e-mail address"));
            }
            _ => {}
        },
        TlsMode::Local => {}
    }
    if let (TlsMode::Manual, Some(cert), Some(key)) = (g.tls.mode, &g.tls.cert, &g.tls.key) {
        let dir = &ck.source.dir;
        let (cert_file, key_file) = (dir.join(cert), dir.join(key));
        if cert_file.is_file() && key_file.is_file() {
            if let Err(e) = crate::certs::check_manual(&cert_file, &key_file, domain) {
                use crate::certs::CertError as C;
                let at = match e {
                    C::BadKey { .. } | C::KeyMismatch { .. } => "key",
                    _ => "cert",
                };
                let help = e.help();
                ck.err(tls.key(at), e.to_string()).help = help;
            }
        }
    }
    if g.tls.mode != TlsMode::Manual {
        for (key, v) in [("cert", &g.tls.cert), ("key", &g.tls.key)] {
            if v.is_some() {
                ck.err(
                    tls.key(key),
                    format!("`{key}` is only used with `mode: manual`"),
                );
            }
        }
    }
    if g.tls.mode != TlsMode::Acme && g.tls.email.is_some() {
        ck.err(tls.key("email"), "`email` is only used with `mode: acme`");
    }
    env_name(ck, p.key("auth").key("tokens_env"), &g.auth.tokens_env);
    let rl = p.key("rate_limit");
    if !(0..=MAX_RATE).contains(&g.rate_limit.requests_per_second) {
        ck.err(
            rl.key("requests_per_second"),
            format!("must be 0 (off) to {MAX_RATE}"),
        );
    }
    match g.rate_limit.burst {
        Some(b) if !(0..=MAX_RATE).contains(&b) => {
            ck.err(rl.key("burst"), format!("must be 0 to {MAX_RATE}"));
        }
        Some(_) if g.rate_limit.requests_per_second == 0 => ck.warn(
            rl.key("burst"),
            "burst has no effect while requests_per_second is 0",
            "set requests_per_second to turn rate limiting on",
        ),
        _ => {}
    }
    for (i, o) in g.cors.allow_origins.iter().enumerate() {
        if !is_origin(o) {
            ck.err(
                p.key("cors").key("allow_origins").index(i),
                format!("`{o}` is not an origin"),
            )
            .help =
                Some("an origin is `scheme://host[:port]`, e.g. `https://app.example.com`".into());
        }
    }
    if !is_size(&g.max_body) {
        ck.err(p.key("max_body"), format!("`{}` is not a size", g.max_body))
            .help = Some("use a number with an optional k, m or g suffix, e.g. `10m`".into());
    }
    if let Some(v) = &g.nginx_version {
        if crate::units::parse_version(v).is_none() {
            ck.err(
                p.key("nginx_version"),
                format!("`{v}` is not a version like 1.27.0"),
            );
        }
    }
}
