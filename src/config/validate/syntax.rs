//! Syntax of single values: names, hosts, paths, sizes, origins, image references.

pub(super) fn is_private_name(n: &str) -> bool {
    let n = n.to_ascii_lowercase();
    n.parse::<std::net::IpAddr>().is_ok()
        || n == "localhost"
        || n.ends_with(".local")
        || n.ends_with(".localhost")
        || !n.contains('.')
}

pub(super) const DNS_HELP: &str =
    "use lowercase letters, digits and `-`, at most 63, not starting or ending with `-`";
pub(super) const PATH_HELP: &str = "use letters, digits and `-._~/` only";

/// Plain digits (no sign, no spaces) naming a number in `range`.
pub(super) fn whole_number_in(s: &str, range: std::ops::RangeInclusive<u64>) -> bool {
    !s.is_empty()
        && s.len() <= 20
        && s.bytes().all(|b| b.is_ascii_digit())
        && s.parse::<u64>().is_ok_and(|n| range.contains(&n))
}

/// A URL path with a `.` or `..` segment, which clients and proxies normalise away.
pub(super) fn has_dot_segment(path: &str) -> bool {
    path.split('/').any(|seg| seg == "." || seg == "..")
}

/// A path inside `/.well-known/`, which the gateway keeps for ACME and OAuth metadata.
pub(super) fn is_well_known(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower == "/.well-known" || lower.starts_with("/.well-known/")
}

pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

pub fn is_host(s: &str) -> bool {
    if s.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    // An all-digit last label is neither a name (no such top-level domain) nor an address.
    let last = s.rsplit('.').next().unwrap_or_default();
    s.len() <= 253
        && !last.chars().all(|c| c.is_ascii_digit())
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

pub fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub(super) fn is_url_path(s: &str) -> bool {
    s.len() <= 1024
        && !s.contains("//")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~/".contains(c))
}

pub(super) fn is_file_path(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~/@+".contains(c))
}

pub(super) fn is_volume_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

pub(super) fn is_size(s: &str) -> bool {
    let digits = s.trim_end_matches(['k', 'K', 'm', 'M', 'g', 'G']);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) && s.len() - digits.len() <= 1
}

pub(super) fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((user, host)) => {
            !user.is_empty()
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c))
                && host.contains('.')
                && is_host(host)
        }
        None => false,
    }
}

pub(super) fn is_origin(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    if scheme != "http" && scheme != "https" {
        return false;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => (h, Some(p)),
        _ => (rest, None),
    };
    let host_ok = is_host(host)
        || (host.starts_with('[')
            && host.ends_with(']')
            && host[1..host.len() - 1]
                .parse::<std::net::Ipv6Addr>()
                .is_ok());
    host_ok && port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0))
}

/// `[registry[:port]/]repo[:tag][@digest]`, lowercase repository, no spaces or quotes.
pub fn is_image(s: &str) -> bool {
    let (name, digest) = match s.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        let ok = d.split_once(':').is_some_and(|(alg, hex)| {
            !alg.is_empty() && hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
        });
        if !ok {
            return false;
        }
    }
    let last_slash = name.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (repo, tag) = match name[last_slash..].rsplit_once(':') {
        Some((_, t)) => (&name[..name.len() - t.len() - 1], Some(t)),
        None => (name, None),
    };
    if let Some(t) = tag {
        if t.is_empty()
            || t.len() > 128
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        {
            return false;
        }
    }
    let mut parts = repo.split('/').peekable();
    let mut first = true;
    while let Some(part) = parts.next() {
        let is_registry = first
            && parts.peek().is_some()
            && (part.contains('.') || part.contains(':') || part == "localhost");
        first = false;
        let ok = if is_registry {
            let (h, p) = part.split_once(':').unwrap_or((part, "0"));
            is_host(h) && p.parse::<u16>().is_ok()
        } else {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
                && part.starts_with(|c: char| c.is_ascii_alphanumeric())
        };
        if !ok {
            return false;
        }
    }
    !repo.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        for ok in [
            "python:3.12-slim",
            "ghcr.io/astral-sh/uv:0.9",
            "local/nginx",
            "localhost:5000/a/b:1",
            "mcp/time:latest",
        ] {
            assert!(is_image(ok), "{ok}");
        }
        for bad in ["Python:3", "a b", "x:\"y", "x;y", "", "a/:1", "x:{y}"] {
            assert!(!is_image(bad), "{bad}");
        }
    }

    #[test]
    fn names() {
        assert!(is_dns_label("main-1"));
        assert!(!is_dns_label("Main"));
        assert!(!is_dns_label("-a"));
        assert!(is_host("mcp.local"));
        assert!(!is_host("mcp.local;"));
        assert!(!is_host("1.27.3") && !is_host("10") && is_host("10.x"));
        assert!(is_env_name("_A1"));
        assert!(!is_env_name("1A"));
        assert!(is_origin("https://app.example.com"));
        assert!(is_origin("http://localhost:5173"));
        assert!(!is_origin("app.example.com"));
        assert!(is_size("10m") && is_size("512") && !is_size("10mb"));
    }
}
