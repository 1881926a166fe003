//! Servers from published packages (`package:`) and the `packages` section.

use super::*;
use crate::config::package::{self, Registry};

/// A `package:` server: one source only, a pinned reference, a runtime that matches it.
pub(super) fn package_source(ck: &mut Check, p: &KeyPath, s: &Server, reference: &str) {
    for (key, set) in [("build", s.build.is_some()), ("image", s.image.is_some())] {
        if set {
            ck.err(p.key(key), format!("`package` and `{key}` are both set"))
                .help = Some(format!(
                "a server comes from one source: keep `package` to run the published package, or `{key}`"
            ));
        }
    }
    let registry = match package::parse(reference) {
        Ok(r) => Some(r.registry),
        Err(e) => {
            ck.err(p.key("package"), e.message).help = Some(e.help);
            None
        }
    };
    let clash = match (s.runtime, registry) {
        (Runtime::Dockerfile, _) => Some("a package is not built from a Dockerfile"),
        (Runtime::Python, Some(Registry::Npm)) => Some("an npm package runs on node"),
        (Runtime::Node, Some(Registry::Pypi)) => Some("a PyPI package runs on python"),
        _ => None,
    };
    if let Some(why) = clash {
        ck.err(
            p.key("runtime"),
            format!(
                "`runtime: {}` does not fit `package: {reference}`: {why}",
                runtime_name(s.runtime)
            ),
        )
        .help = Some("remove `runtime`: the registry decides it".into());
    }
}

fn runtime_name(r: Runtime) -> &'static str {
    match r {
        Runtime::Auto => "auto",
        Runtime::Python => "python",
        Runtime::Node => "node",
        Runtime::Dockerfile => "dockerfile",
    }
}

/// `args` adds to a package's command; elsewhere `command` holds every argument.
pub(super) fn args(ck: &mut Check, p: &KeyPath, s: &Server) {
    if !s.args.is_empty() && s.package.is_none() {
        ck.err(p.key("args"), "`args` only applies to `package` servers")
            .help = Some("put the arguments in `command`".into());
    }
    for (i, a) in s.args.iter().enumerate() {
        if a.contains('\0') {
            ck.err(
                p.key("args").index(i),
                "an argument contains a NUL character",
            );
        }
    }
}

pub(super) fn packages(ck: &mut Check, c: &Config) {
    if let Some(cutoff) = &c.packages.resolved_before {
        if !package::is_cutoff(cutoff) {
            ck.err(
                KeyPath::of(&["packages", "resolved_before"]),
                format!("`{cutoff}` is not a date or an RFC 3339 time"),
            )
            .help = Some("e.g. `2026-12-01` or `2026-12-01T00:00:00Z`".into());
        }
    }
}
