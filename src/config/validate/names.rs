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
    let names: BTreeSet<&str> = c
        .servers
        .keys()
        .chain(c.services.keys())
        .map(String::as_str)
        .collect();
    for (section, map_names) in [
        ("servers", c.servers.keys().collect::<Vec<_>>()),
        ("services", c.services.keys().collect()),
    ] {
        for n in map_names {
            if let Some(base) = n.strip_suffix("-dev") {
                if names.contains(base) {
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

/// A stateful server with replicas runs them as `<name>-1`, `<name>-2`, …: names of their own,
/// which must not clash with another component's.
pub(super) fn replica_names(ck: &mut Check, c: &Config) {
    let names: BTreeSet<&String> = c.servers.keys().chain(c.services.keys()).collect();
    for (name, s) in &c.servers {
        if s.stateless || s.replicas < 2 || s.replicas > 100 {
            continue;
        }
        for n in 1..=s.replicas {
            let replica = format!("{name}-{n}");
            for taken in [replica.clone(), format!("{replica}-dev")] {
                if names.contains(&taken) {
                    ck.err(
                        KeyPath::of(&["servers", name, "replicas"]),
                        format!("replica {n} of `{name}` runs as `{replica}`, which clashes with `{taken}`"),
                    )
                    .help = Some(format!("rename `{taken}` or `{name}`"));
                }
            }
        }
    }
}

/// Kubernetes gives a stateful server's replicas a headless Service `<name>-headless`: no
/// other server or service may have that name (whatever the replicas now: they change).
pub(super) fn headless_names(ck: &mut Check, c: &Config) {
    for (section, names) in [
        ("servers", c.servers.keys().collect::<Vec<_>>()),
        ("services", c.services.keys().collect()),
    ] {
        for n in names {
            if let Some(base) = n.strip_suffix("-headless") {
                if c.servers.contains_key(base) {
                    ck.err(
                        KeyPath::of(&[section, n]),
                        format!("`{n}` clashes with the Kubernetes headless Service of server `{base}`"),
                    )
                    .help = Some("names ending in -headless name the Service that reaches a stateful server's replicas one by one; rename it".into());
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
