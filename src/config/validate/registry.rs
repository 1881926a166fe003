//! `registry:`: where `push` sends built images and a cluster pulls them from.

use super::*;

/// `host[:port]/path` as an image reference prefix: no scheme, no tag, no digest.
pub(super) fn registry(ck: &mut Check, r: &str) {
    let p = KeyPath::of(&["registry"]);
    let help = "write `host[:port]/path`, e.g. `localhost:5000/team` or `ghcr.io/acme`";
    if let Some(problem) = registry_problem(r) {
        ck.err(p, format!("`{r}` is not a registry: {problem}"))
            .help = Some(help.into());
    }
}

/// Why `r` is not a registry prefix, or `None`.
pub fn registry_problem(r: &str) -> Option<&'static str> {
    if r.contains("://") {
        return Some("it has a scheme (the engine chooses https, or http for a local registry)");
    }
    if r.contains('@') {
        return Some("it has a digest");
    }
    let (host, path) = match r.split_once('/') {
        Some((h, p)) => (h, Some(p)),
        None => (r, None),
    };
    let (name, port) = match host.rsplit_once(':') {
        Some((n, port)) => (n, Some(port)),
        None => (host, None),
    };
    if name.is_empty() || !name.split('.').all(is_dns_label_loose) {
        return Some("its host is not a host name");
    }
    if port.is_some_and(|p| p.parse::<u16>().map_or(true, |p| p == 0)) {
        return Some("its port is not a number from 1 to 65535");
    }
    // A repository path: lowercase components of [a-z0-9] joined by `.`, `_`, `__` or `-`.
    if let Some(path) = path {
        if path.contains(':') {
            return Some("it has a tag (mcpstack tags each image with its content hash)");
        }
        let ok = path.split('/').all(|c| {
            !c.is_empty()
                && c.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
                })
                && c.as_bytes()[0].is_ascii_alphanumeric()
                && c.as_bytes()[c.len() - 1].is_ascii_alphanumeric()
        });
        if !ok {
            return Some("its path must be lowercase letters, digits, `.`, `_`, `-` between `/`");
        }
    }
    if r.len() > 200 {
        return Some("it is longer than 200 characters");
    }
    None
}

fn is_dns_label_loose(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !l.starts_with('-')
        && !l.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::registry_problem;

    #[test]
    fn a_registry_is_a_host_with_an_optional_port_and_path() {
        for ok in [
            "localhost:5000",
            "localhost:5000/team",
            "ghcr.io/acme/mcp",
            "registry.example.com/a_b/c-d.e",
            "127.0.0.1:5000/x",
        ] {
            assert_eq!(registry_problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("https://ghcr.io/acme", "scheme"),
            ("ghcr.io/acme:v1", "tag"),
            ("ghcr.io/acme@sha256:00", "digest"),
            ("localhost:0/x", "port"),
            ("localhost:http/x", "port"),
            ("ghcr.io/Acme", "lowercase"),
            ("ghcr.io//x", "lowercase"),
            ("-bad.io/x", "host"),
            ("", "host"),
        ] {
            let got = registry_problem(bad).unwrap_or_else(|| panic!("{bad} accepted"));
            assert!(got.contains(why), "{bad}: {got}");
        }
    }
}
