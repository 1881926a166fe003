//! One server or service: how it runs, where it is routed, what it needs.

use super::*;

pub(super) fn server(
    ck: &mut Check,
    p: &KeyPath,
    name: &str,
    s: &Server,
    routes: &mut servers::Routes,
) {
    match s.package.as_deref() {
        Some(reference) => package_source(ck, p, s, reference),
        None => source(
            ck,
            p,
            name,
            s.build.as_deref(),
            s.image.as_deref(),
            s.runtime,
        ),
    }
    args(ck, p, s);
    server_build_rules(ck, p, name, s);
    // An own Dockerfile's ENTRYPOINT + CMD can stand in (checked by `own_dockerfile_bridge`).
    let own_dockerfile = ck
        .facts
        .builds
        .get(name)
        .is_some_and(|b| b.runtime == Runtime::Dockerfile);
    // A package's command is its own (npx, uvx), unless `command` picks another.
    if s.transport == Transport::Stdio
        && !own_dockerfile
        && s.package.is_none()
        && s.command.as_ref().is_none_or(|c| c.is_empty())
    {
        ck.err(p.key("transport"), "a stdio server needs `command`")
            .help =
            Some("the bridge starts this command and speaks MCP to it over stdin/stdout".into());
    }
    command(ck, p, s.command.as_ref());
    port(ck, p.key("port"), s.port.unwrap_or(8000));
    let path = s.path.clone().unwrap_or_else(|| format!("/{name}/"));
    if !(path.starts_with('/') && path.ends_with('/')) {
        ck.err(
            p.key("path"),
            format!("path `{path}` must start and end with `/`"),
        )
        .help = Some(format!("e.g. `/{name}/`"));
    } else if path == "/" {
        ck.err(
            p.key("path"),
            "path `/` would take over /health and /.well-known",
        )
        .help = Some(format!("give the server a prefix, e.g. `/{name}/`"));
    } else if !is_url_path(&path) {
        ck.err(
            p.key("path"),
            format!("path `{path}` has characters that are not allowed"),
        )
        .help = Some(PATH_HELP.into());
    } else if has_dot_segment(&path) {
        ck.err(
            p.key("path"),
            format!("path `{path}` has a `.` or `..` segment"),
        )
        .help = Some("proxies and browsers rewrite such paths: use plain segments".into());
    } else if is_well_known(&path) {
        ck.err(
            p.key("path"),
            format!(
                "path `{path}` would take over /.well-known/ (ACME challenges, OAuth metadata)"
            ),
        )
        .help = Some(format!("give the server its own prefix, e.g. `/{name}/`"));
    } else if let Some(other) = routes.claim(&path, name, ck.errors.len()) {
        ck.errors.push(servers::route_taken(p, &path, &other));
    }
    if let Some(e) = &s.endpoint {
        if !e.starts_with('/') || !is_url_path(e) || has_dot_segment(e) {
            ck.err(
                p.key("endpoint"),
                format!("endpoint `{e}` must be a path such as `/mcp`"),
            )
            .help = Some(PATH_HELP.into());
        }
    }
    env_and_secrets(ck, p, &s.env, &s.secrets);
    if !(1..=100).contains(&s.replicas) {
        ck.err(
            p.key("replicas"),
            format!("replicas must be 1 to 100, not {}", s.replicas),
        );
    }
    if s.transport == Transport::Sse && s.replicas > 1 {
        ck.err(p.key("replicas"), "an SSE server cannot run in more than one replica").help = Some(
            "legacy SSE carries its session in the `endpoint` URL, not in `Mcp-Session-Id`, so the gateway cannot keep its stream and its POSTs on one replica; set `replicas: 1`, or serve streamable HTTP".into(),
        );
    }
    if let Some(a) = &s.autoscale {
        autoscale(ck, p, s, a);
    }
    match crate::units::parse_duration(&s.timeout) {
        Some(d) if (1..=86_400).contains(&d) => {}
        Some(_) => {
            ck.err(p.key("timeout"), "timeout must be between 1s and 24h");
        }
        None => {
            ck.err(
                p.key("timeout"),
                format!("`{}` is not a duration", s.timeout),
            )
            .help = Some("use e.g. `300s`, `5m` or `1h`".into());
        }
    }
    match s.health.as_str() {
        "mcp" | "none" => {}
        h => match h.strip_prefix("http:") {
            Some(path) if path.starts_with('/') && is_url_path(path) && !has_dot_segment(path) => {}
            _ => {
                ck.err(p.key("health"), format!("`{h}` is not a health check"))
                    .help = Some("use `mcp`, `none`, or `http:/some/path`".into());
            }
        },
    }
    resources(ck, p, s.resources.as_ref());
    dev(ck, p, &s.dev);
    hardening(ck, p, &s.cap_add, &s.tmpfs, s.user.as_deref());
    docker_socket(ck, p, s);
    docker_host(ck, p, &s.env, s.docker_socket);
}

/// Built from a python or node folder with a Dockerfile mcpstack renders.
pub(super) fn needs_command(ck: &Check, name: &str) -> bool {
    ck.facts
        .builds
        .get(name)
        .is_some_and(|b| matches!(b.runtime, Runtime::Python | Runtime::Node))
}

pub(super) fn server_build_rules(ck: &mut Check, p: &KeyPath, name: &str, s: &Server) {
    let own_dockerfile = ck
        .facts
        .builds
        .get(name)
        .is_some_and(|b| b.runtime == Runtime::Dockerfile);
    if needs_command(ck, name) && s.command.is_none() {
        ck.err(
            p.key("command"),
            format!("`{name}` is built by mcpstack and needs `command`"),
        )
        .help = Some(
            "the server's start command, e.g. `[python, -m, main_server]` or `[node, server.js]`"
                .into(),
        );
    }
    if own_dockerfile && s.transport == Transport::Stdio {
        own_dockerfile_bridge(ck, p, name, s);
    }
    if s.transport == Transport::Stdio && s.endpoint.is_some() {
        ck.warn(
            p.key("endpoint"),
            "`endpoint` is ignored for stdio servers",
            "the bridge always serves /mcp",
        );
    }
    let health_needs_runtime = s.health == "mcp" || s.health.starts_with("http:");
    let runtime_known = matches!(s.runtime, Runtime::Python | Runtime::Node)
        || s.transport == Transport::Stdio
        || needs_command(ck, name);
    if health_needs_runtime && !runtime_known && (s.image.is_some() || own_dockerfile) {
        ck.warn(
            p.key("health"),
            "mcpstack cannot tell which interpreter the image has, so it adds no health check",
            "set `runtime: python` or `runtime: node` for an image that has one, or `health: none` to silence this",
        );
    }
    if s.dev.mount_source && !needs_command(ck, name) {
        ck.warn(
            p.key("dev").key("mount_source"),
            "mount_source only applies to python and node builds",
            "remove it, or build from a python or node folder",
        );
    }
}

/// A stdio server built from its own Dockerfile is bridged in a layer on its image: that
/// image must carry python or node (told by its final `FROM`), and the bridge must know the
/// command to start (`command`, else the Dockerfile's exec-form ENTRYPOINT + CMD).
fn own_dockerfile_bridge(ck: &mut Check, p: &KeyPath, name: &str, s: &Server) {
    let Some(facts) = ck.facts.builds.get(name).and_then(|b| b.dockerfile.clone()) else {
        return;
    };
    let folder = ck.facts.builds[name].folder.clone();
    if facts.runtime.is_none() {
        let from = match &facts.from {
            Some(f) => format!("its final stage is `FROM {f}`"),
            None => "it has no `FROM`".to_string(),
        };
        ck.err(
            p.key("build"),
            format!(
                "the stdio bridge needs python or node in the image of `{folder}/Dockerfile`, and mcpstack cannot tell which it has: {from}"
            ),
        )
        .help = Some(
            "base the final stage on an image whose name says python or node (`python:3.12-slim`, `node:20-slim`), or build the image yourself and set `image:` with `runtime: python` or `runtime: node`".into(),
        );
    }
    if s.command.is_none() && facts.command.is_none() {
        ck.err(
            p.key("command"),
            format!(
                "`{name}` is a stdio server and `{folder}/Dockerfile` has no exec-form ENTRYPOINT or CMD for the bridge to start"
            ),
        )
        .help = Some(
            "set `command` to the server's start command, e.g. `[python, server.py]`, or write `CMD [\"python\", \"server.py\"]` in the Dockerfile".into(),
        );
    }
}

pub(super) fn service(ck: &mut Check, p: &KeyPath, name: &str, s: &Service) {
    source(
        ck,
        p,
        name,
        s.build.as_deref(),
        s.image.as_deref(),
        s.runtime,
    );
    if needs_command(ck, name) && s.command.is_none() {
        ck.err(
            p.key("command"),
            format!("`{name}` is built by mcpstack and needs `command`"),
        )
        .help =
            Some("the image's CMD: e.g. `[python, -m, my_service]` or `[node, server.js]`".into());
    }
    command(ck, p, s.command.as_ref());
    if let Some(port_no) = s.port {
        port(ck, p.key("port"), port_no);
    }
    env_and_secrets(ck, p, &s.env, &s.secrets);
    docker_host(ck, p, &s.env, false);
    if let Some(hc) = &s.healthcheck {
        match hc.first().map(String::as_str) {
            Some("CMD") | Some("CMD-SHELL") if hc.len() > 1 => {}
            Some("NONE") if hc.len() == 1 => {}
            _ => {
                ck.err(
                    p.key("healthcheck"),
                    "healthcheck must start with CMD or CMD-SHELL and a command",
                )
                .help = Some("e.g. `[CMD, pg_isready, -U, app]`".into());
            }
        }
    }
    for (i, v) in s.volumes.iter().enumerate() {
        volume(ck, p.key("volumes").index(i), v);
    }
    resources(ck, p, s.resources.as_ref());
    dev(ck, p, &s.dev);
    hardening(ck, p, &s.cap_add, &s.tmpfs, s.user.as_deref());
}

/// `autoscale`: stateless servers only (the autoscaler adds and removes pods at any time, so
/// a session held in one pod's memory would be lost), `1 <= min <= max <= 100`, CPU 1–100 %.
fn autoscale(ck: &mut Check, p: &KeyPath, s: &Server, a: &Autoscale) {
    let p = p.key("autoscale");
    if !s.stateless {
        ck.err(
            p.clone(),
            "autoscale needs a stateless server: this one keeps each client's session on one replica",
        )
        .help = Some(
            "the autoscaler removes pods at any time, and a session held in a removed pod's memory is lost; set `stateless: true` if any replica may serve any request, or use a fixed `replicas`".into(),
        );
    }
    for (key, value) in [("min", a.min), ("max", a.max)] {
        if !(1..=100).contains(&value) {
            ck.err(
                p.key(key),
                format!("autoscale.{key} must be 1 to 100, not {value}"),
            );
        }
    }
    if a.min > a.max {
        ck.err(
            p.key("min"),
            format!(
                "autoscale.min ({}) is above autoscale.max ({})",
                a.min, a.max
            ),
        )
        .help = Some("min is the fewest replicas, max the most".into());
    }
    if s.resources.as_ref().and_then(|r| r.cpus.as_ref()).is_none() {
        ck.err(p.clone(), "autoscale needs `resources.cpus`")
            .help = Some(
            "the autoscaler measures CPU use as a percentage of the CPU request, which `resources.cpus` sets (at half the limit)".into(),
        );
    }
    if !(1..=100).contains(&a.cpu_percent) {
        ck.err(
            p.key("cpu_percent"),
            format!(
                "autoscale.cpu_percent must be 1 to 100, not {}",
                a.cpu_percent
            ),
        )
        .help = Some("the average CPU use, in percent of the CPU request, to aim at".into());
    }
}
