//! `package:` references: a server run from a published package, pinned to one exact version.
//! `pypi:NAME==VERSION` (PEP 508 name, PEP 440 version) and `npm:NAME@VERSION` or
//! `npm:@scope/name@VERSION` (npm name, semver version).

use std::str::FromStr;

/// Where a package is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Registry {
    Pypi,
    Npm,
}

/// A parsed, pinned package reference.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PackageRef {
    pub registry: Registry,
    /// As written (PyPI names are compared normalised, but installed as written).
    pub name: String,
    pub version: String,
}

impl PackageRef {
    /// The argument the installer takes: `name==version` (uv) or `name@version` (npm).
    pub fn spec(&self) -> String {
        match self.registry {
            Registry::Pypi => format!("{}=={}", self.name, self.version),
            Registry::Npm => format!("{}@{}", self.name, self.version),
        }
    }

    /// The command `uvx`/`npx` would run by default: the package's name (npm: without its
    /// scope). For npm the installed `bin` decides in the image; this is its fallback name.
    pub fn default_command(&self) -> String {
        match self.registry {
            Registry::Pypi => self.name.clone(),
            Registry::Npm => self
                .name
                .rsplit_once('/')
                .map_or(self.name.as_str(), |(_, n)| n)
                .to_string(),
        }
    }
}

impl std::fmt::Display for PackageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let prefix = match self.registry {
            Registry::Pypi => "pypi",
            Registry::Npm => "npm",
        };
        write!(f, "{prefix}:{}", self.spec())
    }
}

/// Why a reference was refused, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageError {
    pub message: String,
    pub help: String,
}

fn refuse(message: String, help: String) -> PackageError {
    PackageError { message, help }
}

const LOOKUP: &str =
    "`mcpstack init --from FILE --resolve` looks the version up, or `--pin NAME=VERSION` sets it";

/// Parses and checks a `package:` value.
pub fn parse(text: &str) -> Result<PackageRef, PackageError> {
    let t = text.trim();
    if t != text || t.is_empty() {
        return Err(refuse(
            format!("`{text}` is not a package reference"),
            "write `pypi:NAME==VERSION` or `npm:NAME@VERSION`".into(),
        ));
    }
    if let Some(rest) = t.strip_prefix("pypi:") {
        return pypi(rest);
    }
    if let Some(rest) = t.strip_prefix("npm:") {
        return npm(rest);
    }
    let guess = if t.contains("==") || !t.contains('@') {
        format!("pypi:{t}")
    } else {
        format!("npm:{t}")
    };
    Err(refuse(
        format!("`{t}` does not name its registry"),
        format!("prefix it with `pypi:` or `npm:`, e.g. `package: {guess}`"),
    ))
}

fn pypi(rest: &str) -> Result<PackageRef, PackageError> {
    // The name runs up to the first character a PEP 508 name cannot hold.
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .unwrap_or(rest.len());
    let (name, spec) = rest.split_at(end);
    if !is_pypi_name(name) {
        return Err(refuse(
            format!("`{name}` is not a PyPI package name"),
            "a name has letters, digits, `-`, `_` and `.`, and starts and ends with a letter or digit, e.g. `pypi:mcp-server-time==2026.10.19`".into(),
        ));
    }
    let pinned = format!("package: pypi:{name}==<version>");
    let Some(version) = spec.strip_prefix("==") else {
        let what = if spec.is_empty() {
            "has no version".to_string()
        } else if spec.starts_with('[') {
            "has extras, which mcpstack does not install".to_string()
        } else {
            format!("is not pinned to one exact version (`{spec}`)")
        };
        return Err(refuse(
            format!("`pypi:{rest}` {what}"),
            format!("pin it: `{pinned}`; {LOOKUP}"),
        ));
    };
    if version.starts_with('=') || version.contains(['*', ',', ' ', ';']) {
        return Err(refuse(
            format!("`pypi:{rest}` is not pinned to one exact version"),
            format!("pin it: `{pinned}`; {LOOKUP}"),
        ));
    }
    match pep440_rs::Version::from_str(version) {
        Ok(_) => Ok(PackageRef {
            registry: Registry::Pypi,
            name: name.to_string(),
            version: version.to_string(),
        }),
        Err(e) => Err(refuse(
            format!("`{version}` is not a PEP 440 version: {e}"),
            format!("e.g. `pypi:{name}==1.2.3`"),
        )),
    }
}

/// PEP 508: `^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`, case-insensitive.
fn is_pypi_name(name: &str) -> bool {
    let edge = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    edge(name.chars().next())
        && edge(name.chars().last())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

fn npm(rest: &str) -> Result<PackageRef, PackageError> {
    // The version follows the last `@` that is not the scope's.
    let (name, version) = match rest.rfind('@').filter(|&i| i > 0) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    if !is_npm_name(name) {
        return Err(refuse(
            format!("`{name}` is not an npm package name"),
            "a name is lowercase letters, digits, `-`, `_` and `.`, maybe under a scope, e.g. `npm:@modelcontextprotocol/server-memory@2026.8.31`".into(),
        ));
    }
    let pinned = format!("package: npm:{name}@<version>");
    let Some(version) = version.filter(|v| !v.is_empty()) else {
        return Err(refuse(
            format!("`npm:{rest}` has no version"),
            format!("pin it: `{pinned}`; {LOOKUP}"),
        ));
    };
    match semver::Version::parse(version) {
        Ok(v) if v.build.is_empty() => Ok(PackageRef {
            registry: Registry::Npm,
            name: name.to_string(),
            version: version.to_string(),
        }),
        _ => {
            let what = if version.starts_with(['^', '~', '>', '<', '=', '*'])
                || version.contains(['x', ' ', '|'])
                || version
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic())
            {
                format!("is not pinned to one exact version (`{version}`)")
            } else {
                format!("has `{version}`, which is not an exact semver version")
            };
            Err(refuse(
                format!("`npm:{rest}` {what}"),
                format!("pin it: `{pinned}`; {LOOKUP}"),
            ))
        }
    }
}

/// npm's rules for new packages: at most 214 characters, lowercase, URL-safe, no leading `.`
/// or `_`, and `@scope/name` for a scoped one.
fn is_npm_name(name: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && !p.starts_with(['.', '_'])
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.~".contains(c))
    };
    let ok = match name.strip_prefix('@') {
        Some(scoped) => match scoped.split_once('/') {
            Some((scope, n)) => part(scope) && part(n),
            None => false,
        },
        None => part(name),
    };
    ok && name.len() <= 214
}

/// A `packages.resolved_before` value: an RFC 3339 date (`2026-12-01`) or date and time
/// (`2026-12-01T00:00:00Z`). Both uv (`--exclude-newer`) and npm (`--before`) take either.
pub fn is_cutoff(text: &str) -> bool {
    use time::format_description::well_known::Rfc3339;
    let date = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &date).is_ok() || time::OffsetDateTime::parse(text, &Rfc3339).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> PackageRef {
        parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
    }
    fn err(s: &str) -> PackageError {
        parse(s).expect_err(s)
    }

    #[test]
    fn pypi_references_pinned_exactly_parse() {
        let p = ok("pypi:mcp-server-time==2026.10.19");
        assert_eq!(p.registry, Registry::Pypi);
        assert_eq!(p.name, "mcp-server-time");
        assert_eq!(p.version, "2026.10.19");
        assert_eq!(p.spec(), "mcp-server-time==2026.10.19");
        assert_eq!(p.default_command(), "mcp-server-time");
        assert_eq!(p.to_string(), "pypi:mcp-server-time==2026.10.19");
        assert_eq!(ok("pypi:Foo.Bar_baz==1.0rc1").version, "1.0rc1");
        assert_eq!(ok("pypi:x==1!2.0.post1").version, "1!2.0.post1");
    }

    #[test]
    fn npm_references_pinned_exactly_parse() {
        let p = ok("npm:@modelcontextprotocol/server-memory@2026.8.31");
        assert_eq!(p.registry, Registry::Npm);
        assert_eq!(p.name, "@modelcontextprotocol/server-memory");
        assert_eq!(p.version, "2026.8.31");
        assert_eq!(p.spec(), "@modelcontextprotocol/server-memory@2026.8.31");
        assert_eq!(p.default_command(), "server-memory");
        let p = ok("npm:supergateway@4.0.0-beta.1");
        assert_eq!(
            (p.name.as_str(), p.version.as_str()),
            ("supergateway", "4.0.0-beta.1")
        );
        assert_eq!(p.default_command(), "supergateway");
    }

    #[test]
    fn unpinned_pypi_references_are_refused_with_the_pinned_form() {
        for s in [
            "pypi:mcp-server-time",
            "pypi:mcp-server-time>=1.0",
            "pypi:mcp-server-time~=1.0",
            "pypi:mcp-server-time==1.*",
            "pypi:mcp-server-time===1.0",
            "pypi:mcp-server-time==1.0,<2",
            "pypi:mcp-server-time[cli]==1.0",
        ] {
            let e = err(s);
            assert!(
                e.help.contains("package: pypi:mcp-server-time==<version>"),
                "{s}: {e:?}"
            );
            assert!(
                e.help.contains("--resolve") && e.help.contains("--pin"),
                "{s}"
            );
        }
        assert!(err("pypi:mcp-server-time")
            .message
            .contains("has no version"));
        assert!(err("pypi:x>=1").message.contains("not pinned"));
    }

    #[test]
    fn unpinned_npm_references_are_refused_with_the_pinned_form() {
        for s in [
            "npm:@modelcontextprotocol/server-memory",
            "npm:@modelcontextprotocol/server-memory@latest",
            "npm:@modelcontextprotocol/server-memory@^1.0.0",
            "npm:@modelcontextprotocol/server-memory@~1.2.0",
            "npm:@modelcontextprotocol/server-memory@1.x",
            "npm:@modelcontextprotocol/server-memory@1",
            "npm:@modelcontextprotocol/server-memory@>=1.0.0",
            "npm:@modelcontextprotocol/server-memory@",
        ] {
            let e = err(s);
            assert!(
                e.help
                    .contains("package: npm:@modelcontextprotocol/server-memory@<version>"),
                "{s}: {e:?}"
            );
        }
        assert!(err("npm:x@latest").message.contains("not pinned"));
        assert!(err("npm:x@1").message.contains("not an exact semver"));
    }

    #[test]
    fn malformed_references_are_refused() {
        assert!(err("mcp-server-time==1.0")
            .help
            .contains("package: pypi:mcp-server-time==1.0"));
        assert!(err("@scope/x@1.0.0")
            .help
            .contains("package: npm:@scope/x@1.0.0"));
        assert!(err("pip:x==1")
            .message
            .contains("does not name its registry"));
        assert!(err("").message.contains("not a package reference"));
        assert!(err(" pypi:x==1")
            .message
            .contains("not a package reference"));
        assert!(err("pypi:-x==1")
            .message
            .contains("not a PyPI package name"));
        assert!(err("pypi:==1").message.contains("not a PyPI package name"));
        assert!(err("pypi:x==banana")
            .message
            .contains("not a PEP 440 version"));
        assert!(err("npm:Upper@1.0.0")
            .message
            .contains("not an npm package name"));
        assert!(err("npm:@scope@1.0.0")
            .message
            .contains("not an npm package name"));
        assert!(err("npm:.hidden@1.0.0")
            .message
            .contains("not an npm package name"));
        assert!(err("npm:x@1.0.0+build")
            .message
            .contains("not an exact semver"));
        assert!(err("npm:x y@1.0.0")
            .message
            .contains("not an npm package name"));
        assert!(parse("npm:x@1.0.0\nRUN id").is_err());
        assert!(parse("pypi:x==1.0\nRUN id").is_err());
    }

    #[test]
    fn cutoffs_are_dates_or_rfc3339_times() {
        assert!(is_cutoff("2026-12-01"));
        assert!(is_cutoff("2026-12-01T00:00:00Z"));
        assert!(is_cutoff("2026-12-01T10:30:00+02:00"));
        assert!(!is_cutoff("2026-13-01"));
        assert!(!is_cutoff("yesterday"));
        assert!(!is_cutoff("2026-12-01 00:00"));
        assert!(!is_cutoff(""));
    }
}
