//! Certificate names: classify user input into DNS or IP subject
//! alternative names, validate them, and match a name against a
//! certificate's SANs.

use std::fmt;
use std::net::IpAddr;

use super::error::{CertError, Result};

/// One subject alternative name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SanName {
    /// A DNS name in its ASCII (punycode) form, lower case, no trailing dot;
    /// may start with the wildcard label `*.`.
    Dns(String),
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
}

impl SanName {
    /// The bare name, as a client would type it.
    pub fn name(&self) -> String {
        match self {
            SanName::Dns(d) => d.clone(),
            SanName::Ip(ip) => ip.to_string(),
        }
    }

    pub fn is_wildcard(&self) -> bool {
        matches!(self, SanName::Dns(d) if d.starts_with("*."))
    }
}

/// `DNS:mcp.local`, `IP:127.0.0.1`, like `openssl x509 -text`.
impl fmt::Display for SanName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SanName::Dns(d) => write!(f, "DNS:{d}"),
            SanName::Ip(ip) => write!(f, "IP:{ip}"),
        }
    }
}

/// The result of classifying a list of requested names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    /// In the order given, duplicates removed.
    pub names: Vec<SanName>,
    /// Things that are allowed but probably not what the user wants.
    pub warnings: Vec<String>,
}

/// Classifies and validates the requested names. Errors on the first bad
/// name; an empty list is an error.
pub fn classify(input: &[String]) -> Result<Names> {
    let mut names = Vec::new();
    let mut warnings = Vec::new();
    for raw in input {
        let (name, warning) = parse_name(raw)?;
        if !names.contains(&name) {
            names.push(name);
            warnings.extend(warning);
        }
    }
    if names.is_empty() {
        return Err(CertError::NoNames);
    }
    Ok(Names { names, warnings })
}

/// Classifies one name: an IP address (IPv6 may be bracketed) or a DNS
/// name, with an optional warning.
pub fn parse_name(raw: &str) -> Result<(SanName, Option<String>)> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(CertError::invalid_name(raw, "empty name"));
    }
    let unbracketed = s
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(s);
    if let Ok(ip) = unbracketed.parse::<IpAddr>() {
        return Ok((SanName::Ip(ip), None));
    }
    if s.contains('%') && unbracketed.contains(':') {
        return Err(CertError::invalid_name(
            raw,
            "IPv6 zone identifiers (%eth0) cannot appear in a certificate",
        ));
    }

    let s = s.strip_suffix('.').unwrap_or(s);
    let (wildcard, base) = match s.strip_prefix("*.") {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if base.contains('*') || (!wildcard && s.contains('*')) {
        return Err(CertError::invalid_name(
            raw,
            "a wildcard '*' is only allowed as the whole leftmost label, as in *.mcp.local",
        ));
    }
    let ascii = if base.is_ascii() {
        base.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(base).map_err(|_| {
            CertError::invalid_name(raw, "not a valid internationalised domain name")
        })?
    };
    validate_dns(raw, &ascii)?;

    let labels = ascii.split('.').count();
    let warning = if wildcard && labels < 2 {
        Some(format!(
            "{raw}: browsers ignore wildcards directly under a top-level domain; use a name like *.mcp.{ascii}"
        ))
    } else {
        None
    };
    let name = if wildcard {
        format!("*.{ascii}")
    } else {
        ascii
    };
    Ok((SanName::Dns(name), warning))
}

fn validate_dns(raw: &str, ascii: &str) -> Result<()> {
    if ascii.is_empty() {
        return Err(CertError::invalid_name(raw, "empty name"));
    }
    if ascii.len() > 253 {
        return Err(CertError::invalid_name(raw, "longer than 253 characters"));
    }
    for label in ascii.split('.') {
        if label.is_empty() {
            return Err(CertError::invalid_name(
                raw,
                "empty label (two dots in a row?)",
            ));
        }
        if label.len() > 63 {
            return Err(CertError::invalid_name(
                raw,
                "a label is longer than 63 characters",
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(CertError::invalid_name(
                raw,
                format!("character {c:?} is not allowed in a host name"),
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(CertError::invalid_name(
                raw,
                "a label cannot start or end with '-'",
            ));
        }
    }
    let last = ascii.rsplit('.').next().unwrap_or_default();
    if last.chars().all(|c| c.is_ascii_digit()) {
        return Err(CertError::invalid_name(
            raw,
            "looks like an IP address but is not a valid one",
        ));
    }
    Ok(())
}

/// Whether a certificate with these SANs is valid for `domain` (a host name
/// or IP address). A wildcard SAN `*.example.com` matches exactly one
/// extra leftmost label (RFC 6125 section 6.4.3, as browsers apply it):
/// `a.example.com`, but neither `example.com` nor `a.b.example.com`.
pub fn covers(sans: &[SanName], domain: &str) -> bool {
    let Ok((wanted, _)) = parse_name(domain) else {
        return false;
    };
    sans.iter().any(|san| match (san, &wanted) {
        (SanName::Ip(a), SanName::Ip(b)) => a == b,
        (SanName::Dns(pattern), SanName::Dns(name)) => dns_matches(pattern, name),
        _ => false,
    })
}

fn dns_matches(pattern: &str, name: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    if pattern == name {
        return true;
    }
    let Some(suffix) = pattern.strip_prefix("*.") else {
        return false;
    };
    match name.split_once('.') {
        Some((first, rest)) => !first.is_empty() && first != "*" && rest == suffix,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Result<(SanName, Option<String>)> {
        parse_name(s)
    }

    #[test]
    fn ips() {
        assert_eq!(
            one("127.0.0.1").unwrap().0,
            SanName::Ip("127.0.0.1".parse().unwrap())
        );
        assert_eq!(one("::1").unwrap().0, SanName::Ip("::1".parse().unwrap()));
        assert_eq!(one("[::1]").unwrap().0, SanName::Ip("::1".parse().unwrap()));
        assert!(one("fe80::1%eth0").is_err());
        assert!(one("127.1").is_err());
        assert!(one("1.2.3.999").is_err());
    }

    #[test]
    fn dns_names() {
        assert_eq!(
            one("MCP.Local.").unwrap().0,
            SanName::Dns("mcp.local".into())
        );
        assert_eq!(
            one("localhost").unwrap().0,
            SanName::Dns("localhost".into())
        );
        assert_eq!(
            one("my_svc.local").unwrap().0,
            SanName::Dns("my_svc.local".into())
        );
        assert!(one("").is_err());
        assert!(one("a..b").is_err());
        assert!(one("-a.b").is_err());
        assert!(one("a b.c").is_err());
        assert!(one(&"a".repeat(64)).is_err());
        assert!(one("a/b").is_err());
    }

    #[test]
    fn punycode() {
        assert_eq!(
            one("Bücher.example").unwrap().0,
            SanName::Dns("xn--bcher-kva.example".into())
        );
        assert_eq!(
            one("*.bücher.example").unwrap().0,
            SanName::Dns("*.xn--bcher-kva.example".into())
        );
    }

    #[test]
    fn wildcards() {
        let (n, w) = one("*.mcp.local").unwrap();
        assert_eq!(n, SanName::Dns("*.mcp.local".into()));
        assert!(w.is_none());
        let (n, w) = one("*.local").unwrap();
        assert_eq!(n, SanName::Dns("*.local".into()));
        assert!(w.unwrap().contains("top-level"));
        for bad in [
            "a.*.b",
            "*",
            "*.",
            "f*.mcp.local",
            "*.*.mcp.local",
            "*mcp.local",
        ] {
            let e = one(bad).unwrap_err();
            assert!(matches!(e, CertError::InvalidName { .. }), "{bad}: {e}");
        }
    }

    #[test]
    fn classify_dedups_and_rejects_empty() {
        let names: Vec<String> = ["mcp.local", "MCP.LOCAL", "::1", "0:0::1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let got = classify(&names).unwrap();
        assert_eq!(got.names.len(), 2);
        assert!(matches!(classify(&[]), Err(CertError::NoNames)));
    }

    #[test]
    fn matching() {
        let sans = vec![
            SanName::Dns("*.mcp.local".into()),
            SanName::Dns("api.example.com".into()),
            SanName::Ip("::1".parse().unwrap()),
        ];
        assert!(covers(&sans, "a.mcp.local"));
        assert!(covers(&sans, "A.MCP.local."));
        assert!(!covers(&sans, "mcp.local"));
        assert!(!covers(&sans, "a.b.mcp.local"));
        assert!(covers(&sans, "api.example.com"));
        assert!(!covers(&sans, "www.example.com"));
        assert!(covers(&sans, "[::1]"));
        assert!(!covers(&sans, "127.0.0.1"));
        assert!(covers(&sans, "*.mcp.local"));
    }
}
