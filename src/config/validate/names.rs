//! Names: the project, its domain and aliases, components and dev names.

use super::*;

pub(super) fn top_level(ck: &mut Check, c: &Config) {
    if c.version != 1 {
        ck.err(
            KeyPath::of(&["version"]),
            format!("version {} is not supported", c.version),
        )
        .help = Some("this mcpstack reads version 1".into());
    }
    if !is_dns_label(&c.name) {
        ck.err(
            KeyPath::of(&["name"]),
            format!("`{}` is not a DNS label", c.name),
        )
        .help = Some(DNS_HELP.into());
    }
    if !is_host(&c.domain) {
        ck.err(
            KeyPath::of(&["domain"]),
            format!("`{}` is not a host name", c.domain),
        )
        .help = Some("use letters, digits, `-` and `.`, e.g. `mcp.example.com`".into());
    }
    let mut seen = BTreeSet::from([c.domain.to_ascii_lowercase()]);
    for (i, a) in c.aliases.iter().enumerate() {
        let p = KeyPath::of(&["aliases"]).index(i);
        let name = a.strip_prefix("*.").unwrap_or(a);
        if !is_host(name) && a.parse::<std::net::IpAddr>().is_err() {
            ck.err(p.clone(), format!("`{a}` is not a host name or IP address"));
        } else if !seen.insert(a.to_ascii_lowercase()) {
            ck.err(p, format!("`{a}` is listed twice"));
        }
    }
    relative_folder(ck, KeyPath::of(&["output"]), &c.output, false);
    if c.output.trim_matches('/') == "." || c.output.is_empty() {
        ck.err(
            KeyPath::of(&["output"]),
            "the output folder cannot be the project folder",
        )
        .help =
            Some("render owns its folder and removes stale files there; use e.g. `deploy`".into());
    }
    if let Some(t) = &c.templates {
        relative_folder(ck, KeyPath::of(&["templates"]), t, true);
    }
    if c.servers.is_empty() {
        ck.err(KeyPath::of(&["servers"]), "no servers are configured")
            .help = Some("add at least one MCP server under `servers:`".into());
    }
}

pub(super) fn component_name(ck: &mut Check, p: &KeyPath, name: &str) {
    if !is_dns_label(name) {
        ck.err(p.clone(), format!("`{name}` is not a DNS label"))
            .help = Some(DNS_HELP.into());
    } else if RESERVED.contains(&name) {
        ck.err(
            p.clone(),
            format!("`{name}` is a name mcpstack uses for its own container"),
        )
        .help = Some("choose another name".into());
    }
}

/// The dev profile adds `<name>-dev` containers; they must not clash with real names.
pub(super) fn dev_names(ck: &mut Check, c: &Config) {
    let names: BTreeSet<&String> = c.servers.keys().chain(c.services.keys()).collect();
    for (section, map_names) in [
        ("servers", c.servers.keys().collect::<Vec<_>>()),
        ("services", c.services.keys().collect()),
    ] {
        for n in map_names {
            if let Some(base) = n.strip_suffix("-dev") {
                if names.iter().any(|m| m.as_str() == base) {
                    ck.err(
                        KeyPath::of(&[section, n]),
                        format!("`{n}` clashes with the dev profile's copy of `{base}`"),
                    )
                    .help =
                        Some("names ending in -dev are used by the dev profile; rename it".into());
                }
            }
        }
    }
}

/// A stdio server with its own Dockerfile gets a `<name>-base` service that builds its image.
pub(super) fn base_names(ck: &mut Check, c: &Config) {
    let names: BTreeSet<&String> = c.servers.keys().chain(c.services.keys()).collect();
    for (name, s) in &c.servers {
        let own = ck
            .facts
            .builds
            .get(name)
            .is_some_and(|b| b.runtime == crate::config::Runtime::Dockerfile);
        let base = format!("{name}-base");
        if own && s.transport == crate::config::Transport::Stdio && names.contains(&base) {
            ck.err(
                KeyPath::of(&["servers", name]),
                format!("`{base}` clashes with the service that builds `{name}`'s own Dockerfile"),
            )
            .help = Some(format!("rename `{base}` or `{name}`"));
        }
    }
}
