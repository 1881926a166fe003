//! `compose.yaml`, built from typed structs and serialized by serde: no hand escaping.
//! Profiles: `production` (hardened, only the gateway publishes ports), `dev` (a `<name>-dev`
//! copy of each container with ports on 127.0.0.1 and source mounts), `monitoring`.

use super::{header, health};
use crate::config::TlsMode;
use crate::model::{
    Component, ImageSource, Stack, Tunnel, DOCKER_SOCKET, DOCKER_SOCKET_GID, GATEWAY_HTTPS_PORT,
    GATEWAY_HTTP_PORT,
};
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;

/// No top-level `name`: Compose v1 rejects it. The project name comes from
/// `COMPOSE_PROJECT_NAME` in `.env` (see `.env.example`) or `-p`.
#[derive(Serialize)]
struct Compose {
    services: Services,
    networks: BTreeMap<String, Network>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    volumes: BTreeMap<String, Volume>,
}

/// The services by name, written in name order as a map. Gathered in a list and sorted once:
/// a map of services this large spends its time moving and freeing its nodes.
#[derive(Default)]
struct Services(Vec<(String, Service)>);

impl Services {
    /// Adds a service; one added again under the same name replaces it (validation keeps
    /// names apart).
    fn insert(&mut self, name: String, service: Service) {
        self.0.push((name, service));
    }

    fn sorted(mut self) -> Self {
        // Stable: of two under one name, the later comes second and is kept.
        self.0.sort_by(|(a, _), (b, _)| a.cmp(b));
        let mut kept: Vec<(String, Service)> = Vec::with_capacity(self.0.len());
        for (name, service) in self.0 {
            match kept.last_mut() {
                Some(last) if last.0 == name => last.1 = service,
                _ => kept.push((name, service)),
            }
        }
        Services(kept)
    }
}

impl Serialize for Services {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(name, service)| (name, service)))
    }
}

#[derive(Serialize)]
struct Network {
    name: String,
    driver: &'static str,
}

#[derive(Serialize)]
struct Volume {
    name: String,
}

#[derive(Serialize, Default)]
struct Service {
    image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    build: Option<Build>,
    profiles: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entrypoint: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    group_add: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    environment: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ports: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    volumes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    networks: Option<BTreeMap<String, NetworkAttach>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    depends_on: BTreeMap<String, DependsOn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    healthcheck: Option<Healthcheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    restart: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    init: Option<bool>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    read_only: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tmpfs: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    privileged: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    devices: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cap_drop: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cap_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    security_opt: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deploy: Option<Deploy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logging: Option<Logging>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct Build {
    context: String,
    dockerfile: String,
}

#[derive(Serialize)]
struct NetworkAttach {
    aliases: Vec<String>,
}

#[derive(Serialize)]
struct DependsOn {
    condition: &'static str,
}

#[derive(Serialize)]
struct Healthcheck {
    test: Vec<String>,
    interval: &'static str,
    timeout: &'static str,
    retries: u32,
    start_period: &'static str,
}

#[derive(Serialize, Default)]
struct Deploy {
    #[serde(skip_serializing_if = "Option::is_none")]
    replicas: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<DeployResources>,
}

#[derive(Serialize)]
struct DeployResources {
    limits: Limits,
    reservations: Limits,
}

#[derive(Serialize)]
struct Limits {
    #[serde(skip_serializing_if = "Option::is_none")]
    cpus: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    memory: Option<String>,
}

#[derive(Serialize)]
struct Logging {
    driver: &'static str,
    options: BTreeMap<&'static str, &'static str>,
}

const PRODUCTION: &str = "production";
/// Volumes of `tls.mode: acme`: certbot's state and the challenge files nginx serves.
const ACME_CERTS: &str = "letsencrypt";
const ACME_WEBROOT: &str = "acme-webroot";
const MONITORING: &str = "monitoring";
const PROMETHEUS_DATA: &str = "prometheus-data";
const GRAFANA_DATA: &str = "grafana-data";
const DEV: &str = "dev";

pub fn render(stack: &Stack) -> Result<String> {
    let mut services = Services(Vec::with_capacity(3 * stack.components.len() + 8));
    for comp in &stack.components {
        match stack.named_replicas(&comp.name) {
            // Stateful replicas: one service each, so each has a DNS name of its own that the
            // gateway routes a session back to. All of them also answer to the server's name.
            Some(replicas) => {
                for r in replicas {
                    let mut svc = production(stack, comp);
                    svc.networks = Some(alias(&comp.name));
                    svc.labels.insert(REPLICA_OF, comp.name.clone());
                    services.insert(r.compose_host.clone(), svc);
                }
            }
            None => {
                services.insert(comp.name.clone(), production(stack, comp));
            }
        }
        services.insert(format!("{}-dev", comp.name), dev(stack, comp));
        if let Some((name, svc)) = own_base(stack, comp) {
            services.insert(name, svc);
        }
    }
    services.insert("gateway".into(), gateway(stack, PRODUCTION));
    services.insert("gateway-dev".into(), gateway(stack, DEV));
    let mut volumes: BTreeMap<String, Volume> = stack
        .volumes
        .iter()
        .map(|v| {
            (
                v.clone(),
                Volume {
                    name: format!("{}_{v}", stack.name),
                },
            )
        })
        .collect();
    if let Some(m) = &stack.monitoring {
        for (name, svc) in monitoring(stack, m) {
            services.insert(name.into(), svc);
        }
        for v in [PROMETHEUS_DATA, GRAFANA_DATA] {
            volumes.insert(
                v.into(),
                Volume {
                    name: format!("{}_{v}", stack.name),
                },
            );
        }
    }
    if let Some(t) = &stack.tunnel {
        services.insert("cloudflared".into(), cloudflared(stack, t));
    }
    if stack.gateway.tls.mode == TlsMode::Acme {
        services.insert("certbot".into(), certbot(stack));
        for v in [ACME_CERTS, ACME_WEBROOT] {
            volumes.insert(
                v.into(),
                Volume {
                    name: format!("{}_{v}", stack.name),
                },
            );
        }
    }
    let compose = Compose {
        services: services.sorted(),
        networks: BTreeMap::from([(
            "default".to_string(),
            Network {
                name: stack.name.clone(),
                driver: "bridge",
            },
        )]),
        volumes,
    };
    let mut out = format!(
        "{}# Project `{name}`: docker compose -p {name} --profile production up -d\n# (or `--profile dev`; add `--profile monitoring` for dashboards). Copy .env.example to .env\n# beside this file first: it names the project and holds the secrets, none of which is written here.\n",
        header(stack, "#"),
        name = stack.name
    );
    super::yaml::write_yaml11(&mut out, &compose)?;
    Ok(out)
}

/// The way from the output folder (where compose.yaml is) back to the project folder.
fn to_project(stack: &Stack) -> String {
    "../".repeat(stack.output.split('/').count())
}

/// `$` is Compose's interpolation sign: literal values escape it.
fn literal(v: &str) -> String {
    v.replace('$', "$$")
}

/// A secret: read from the environment at `up`, refused when unset.
fn from_env(name: &str) -> String {
    format!("${{{name}:?{name} is not set: copy .env.example to .env and fill it in}}")
}

fn environment(comp: &Component, extra: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = comp
        .env
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.clone(), literal(v)))
        .collect();
    for s in &comp.secrets {
        env.insert(s.clone(), from_env(s));
    }
    env
}

fn image_and_build(stack: &Stack, comp: &Component) -> (String, Option<Build>) {
    // Paths in compose.yaml are relative to the output folder.
    let up = to_project(stack);
    match &comp.image {
        ImageSource::Prebuilt { image } => (image.clone(), None),
        ImageSource::Rendered {
            folder, dockerfile, ..
        } => {
            let back = if folder == "." {
                String::new()
            } else {
                "../".repeat(folder.split('/').count())
            };
            (
                comp.built_tag.clone().unwrap_or_default(),
                Some(Build {
                    context: format!("{up}{folder}"),
                    dockerfile: format!("{back}{}/{dockerfile}", stack.output),
                }),
            )
        }
        ImageSource::OwnDockerfile { folder } => (
            comp.built_tag.clone().unwrap_or_default(),
            Some(Build {
                context: format!("{up}{folder}"),
                dockerfile: "Dockerfile".into(),
            }),
        ),
        ImageSource::Bridged { dockerfile, .. } | ImageSource::Package { dockerfile, .. } => {
            let (dir, file) = dockerfile.rsplit_once('/').unwrap_or((".", dockerfile));
            (
                comp.built_tag.clone().unwrap_or_default(),
                Some(Build {
                    context: format!("./{dir}"),
                    dockerfile: file.into(),
                }),
            )
        }
    }
}

/// The service that builds a bridged server's own Dockerfile into the base image its bridge
/// layer is built `FROM`. It runs nothing (no replicas); both profiles' copies of the server
/// depend on it, so `docker compose build` builds it first and `up` starts nothing for it.
fn own_base(stack: &Stack, comp: &Component) -> Option<(String, Service)> {
    let ImageSource::Bridged {
        base,
        own: Some(folder),
        ..
    } = &comp.image
    else {
        return None;
    };
    Some((
        base_service(&comp.name),
        Service {
            image: base.clone(),
            build: Some(Build {
                context: format!("{}{folder}", to_project(stack)),
                dockerfile: "Dockerfile".into(),
            }),
            profiles: vec![DEV, PRODUCTION],
            deploy: Some(Deploy {
                replicas: Some(0),
                resources: None,
            }),
            ..Service::default()
        },
    ))
}

/// The name of the service that builds `server`'s own Dockerfile as a base image.
pub fn base_service(server: &str) -> String {
    format!("{server}-base")
}

fn mounts(stack: &Stack, comp: &Component) -> Vec<String> {
    let up = to_project(stack);
    let mut v: Vec<String> = comp
        .mounts
        .iter()
        .map(|m| {
            let src = if m.named {
                m.source.clone()
            } else {
                format!("{up}{}", m.source.trim_start_matches("./"))
            };
            let ro = if m.read_only { ":ro" } else { "" };
            format!("{src}:{}{ro}", m.target)
        })
        .collect();
    // `:ro` keeps the socket file from being replaced; it does not limit the API behind it.
    if comp.docker_socket {
        v.push(format!("{DOCKER_SOCKET}:{DOCKER_SOCKET}:ro"));
    }
    v
}

/// The socket's group on the host, so a process that is not root may use it. The host decides
/// the number, so it comes from `.env`.
fn socket_group(comp: &Component) -> Vec<String> {
    if comp.docker_socket {
        vec![from_env(DOCKER_SOCKET_GID)]
    } else {
        Vec::new()
    }
}

fn healthcheck(comp: &Component) -> Option<Healthcheck> {
    if comp.health_in_image {
        return None;
    }
    health::test_command(comp).map(|mut test| {
        if !matches!(test.first().map(String::as_str), Some("CMD" | "CMD-SHELL")) {
            test.insert(0, "CMD".into());
        }
        Healthcheck {
            test: test.iter().map(|t| literal(t)).collect(),
            interval: "10s",
            timeout: "10s",
            retries: 3,
            start_period: "30s",
        }
    })
}

/// The network aliases of a production replica: the server's own name.
fn alias(name: &str) -> BTreeMap<String, NetworkAttach> {
    BTreeMap::from([(
        "default".to_string(),
        NetworkAttach {
            aliases: vec![name.to_string()],
        },
    )])
}

/// The dev copy answers to the production names. Dev runs one copy of a stateful server, so
/// it also answers to every replica's name: every session the gateway tags lands on it.
fn dev_aliases(stack: &Stack, comp: &Component) -> BTreeMap<String, NetworkAttach> {
    let mut aliases = vec![comp.name.clone()];
    if let Some(replicas) = stack.named_replicas(&comp.name) {
        aliases.extend(replicas.iter().map(|r| r.compose_host.clone()));
    }
    BTreeMap::from([("default".to_string(), NetworkAttach { aliases })])
}

/// The production services that run component `name` (dev: its one `-dev` copy).
fn services_of(stack: &Stack, name: &str, suffix: &str) -> Vec<String> {
    match stack.named_replicas(name) {
        Some(replicas) if suffix.is_empty() => {
            replicas.iter().map(|r| r.compose_host.clone()).collect()
        }
        _ => vec![format!("{name}{suffix}")],
    }
}

fn depends_on(stack: &Stack, comp: &Component, suffix: &str) -> BTreeMap<String, DependsOn> {
    let mut deps: BTreeMap<String, DependsOn> = comp
        .depends_on
        .iter()
        .flat_map(|d| {
            let condition = if d.healthy {
                "service_healthy"
            } else {
                "service_started"
            };
            services_of(stack, &d.name, suffix)
                .into_iter()
                .map(move |s| (s, DependsOn { condition }))
        })
        .collect();
    // Built first: the bridge layer is built FROM its image.
    if let ImageSource::Bridged { own: Some(_), .. } = comp.image {
        deps.insert(
            base_service(&comp.name),
            DependsOn {
                condition: "service_started",
            },
        );
    }
    deps
}

/// The command Compose must pass: only where no rendered Dockerfile carries it.
fn command(comp: &Component) -> Option<Vec<String>> {
    match comp.image {
        ImageSource::Prebuilt { .. } | ImageSource::OwnDockerfile { .. } => comp
            .command
            .as_ref()
            .map(|c| c.iter().map(|a| literal(a)).collect()),
        _ => None,
    }
}

fn production(stack: &Stack, comp: &Component) -> Service {
    let (image, build) = image_and_build(stack, comp);
    let ours = comp.health_in_image || comp.rendered_dockerfile().is_some();
    Service {
        image,
        build,
        profiles: vec![PRODUCTION],
        command: command(comp),
        user: comp.hardening.user.clone(),
        group_add: socket_group(comp),
        environment: environment(comp, &BTreeMap::new()),
        volumes: mounts(stack, comp),
        depends_on: depends_on(stack, comp, ""),
        healthcheck: healthcheck(comp),
        restart: Some("unless-stopped"),
        init: ours.then_some(true),
        read_only: comp.hardening.read_only,
        tmpfs: comp.hardening.tmpfs.clone(),
        cap_drop: vec!["ALL"],
        cap_add: comp.hardening.cap_add.clone(),
        security_opt: vec!["no-new-privileges:true"],
        deploy: deploy(stack, comp),
        logging: Some(logging()),
        ..Service::default()
    }
}

fn dev(stack: &Stack, comp: &Component) -> Service {
    let (image, build) = image_and_build(stack, comp);
    let mut volumes = mounts(stack, comp);
    if let Some(src) = &comp.dev.source {
        let up = to_project(stack);
        volumes.push(format!("{up}{}:{}", src.folder, src.target));
        volumes.extend(src.keep.iter().cloned());
    }
    Service {
        image,
        build,
        profiles: vec![DEV],
        command: command(comp),
        user: comp.hardening.user.clone(),
        group_add: socket_group(comp),
        environment: environment(comp, &comp.dev.env),
        ports: match (comp.dev.host_port, comp.port) {
            (Some(h), Some(c)) => vec![format!("127.0.0.1:{h}:{c}")],
            _ => Vec::new(),
        },
        volumes,
        networks: Some(dev_aliases(stack, comp)),
        depends_on: depends_on(stack, comp, "-dev"),
        healthcheck: healthcheck(comp),
        init: comp.rendered_dockerfile().is_some().then_some(true),
        cap_add: comp.hardening.cap_add.clone(),
        ..Service::default()
    }
}

fn deploy(stack: &Stack, comp: &Component) -> Option<Deploy> {
    let resources = comp.resources.as_ref().map(|r| DeployResources {
        limits: Limits {
            cpus: r.cpus.clone(),
            memory: r.memory.clone(),
        },
        // Reservations are half the limits: room to burst, a floor to schedule on.
        reservations: Limits {
            cpus: r
                .cpus
                .as_ref()
                .and_then(|c| c.parse::<f64>().ok())
                .map(|c| trim_float(c / 2.0)),
            memory: r
                .memory
                .as_deref()
                .and_then(crate::model::parse_bytes)
                .map(|b| format!("{}M", (b / 2).div_ceil(1 << 20))),
        },
    });
    // Stateful replicas are services of their own, each with one container.
    let replicas =
        (comp.replicas > 1 && stack.named_replicas(&comp.name).is_none()).then_some(comp.replicas);
    (replicas.is_some() || resources.is_some()).then_some(Deploy {
        replicas,
        resources,
    })
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn logging() -> Logging {
    Logging {
        driver: "json-file",
        options: BTreeMap::from([("max-file", "3"), ("max-size", "10m")]),
    }
}

fn gateway(stack: &Stack, profile: &'static str) -> Service {
    let g = &stack.gateway;
    let production = profile == PRODUCTION;
    let bind = if production {
        g.bind.as_str()
    } else {
        "127.0.0.1"
    };
    let suffix = if production { "" } else { "-dev" };
    let mut environment = BTreeMap::new();
    if let Some(env) = &g.auth_tokens_env {
        environment.insert(env.clone(), from_env(env));
    }
    // Started, not healthy: the gateway finds servers through DNS at request time, so it
    // serves /health and the other routes while one server is still starting.
    let depends_on = g
        .routes
        .iter()
        .flat_map(|r| services_of(stack, &r.server, suffix))
        .map(|s| {
            (
                s,
                DependsOn {
                    condition: "service_started",
                },
            )
        })
        .collect();
    Service {
        image: stack.images.nginx.clone(),
        profiles: vec![profile],
        entrypoint: Some(vec![
            "/bin/sh".into(),
            "/etc/nginx/mcpstack/entrypoint.sh".into(),
        ]),
        environment,
        ports: if production && !g.publish {
            Vec::new()
        } else {
            vec![
                format!("{bind}:{}:{GATEWAY_HTTP_PORT}", g.http_port),
                format!("{bind}:{}:{GATEWAY_HTTPS_PORT}", g.https_port),
            ]
        },
        volumes: gateway_volumes(stack, production),
        depends_on,
        restart: Some("unless-stopped"),
        read_only: production,
        tmpfs: if production {
            vec![
                "/run".into(),
                "/tmp".into(),
                "/var/cache/nginx".into(),
                "/var/lib/nginx".into(),
            ]
        } else {
            Vec::new()
        },
        cap_drop: if production { vec!["ALL"] } else { Vec::new() },
        // nginx's master reads the key and switches its workers to an unprivileged user.
        cap_add: if production {
            ["CHOWN", "DAC_OVERRIDE", "SETGID", "SETUID"]
                .map(String::from)
                .to_vec()
        } else {
            Vec::new()
        },
        security_opt: if production {
            vec!["no-new-privileges:true"]
        } else {
            Vec::new()
        },
        logging: production.then(logging),
        // `mcpstack up` reloads this file in a running gateway when it changed.
        labels: BTreeMap::from([(NGINX_CONFIG, GATEWAY_CONFIG.to_string())]),
        ..Service::default()
    }
}

/// The gateway's config, in its folder mounted whole: a file mount would keep the old file
/// after `render` replaces it.
const GATEWAY_CONFIG: &str = "/etc/nginx/mcpstack/nginx.conf";
/// `up` reloads this file in a running gateway when it changed.
const NGINX_CONFIG: &str = "dev.mcpstack.nginx-config";
/// On each service that runs one replica of a stateful server: the server's name.
pub const REPLICA_OF: &str = "dev.mcpstack.replica-of";

/// The gateway's files. Dev always uses the local certificate; production uses the
/// certificate of `tls.mode`.
fn gateway_volumes(stack: &Stack, production: bool) -> Vec<String> {
    let tls = &stack.gateway.tls;
    let mut v: Vec<String> = vec!["./nginx:/etc/nginx/mcpstack:ro".into()];
    match (production, tls.mode, &tls.manual_cert, &tls.manual_key) {
        (true, TlsMode::Manual, Some(cert), Some(key)) => {
            let up = to_project(stack);
            let rel = |p: &str| format!("{up}{}", p.trim_start_matches("./"));
            v.push(format!("{}:/etc/nginx/certs/fullchain.pem:ro", rel(cert)));
            v.push(format!("{}:/etc/nginx/certs/privkey.pem:ro", rel(key)));
        }
        (true, TlsMode::Acme, ..) => {
            v.push("./certs:/etc/nginx/certs:ro".into());
            v.push(format!("{ACME_CERTS}:/etc/letsencrypt:ro"));
            v.push(format!("{ACME_WEBROOT}:/var/www/certbot:ro"));
        }
        _ => v.push("./certs:/etc/nginx/certs:ro".into()),
    }
    v
}

/// Obtains and renews the Let's Encrypt certificate (webroot challenge through the gateway);
/// the gateway notices a new certificate and reloads.
fn certbot(stack: &Stack) -> Service {
    let tls = &stack.gateway.tls;
    let mut cmd = String::from(
        "trap exit TERM; while :; do certbot certonly --webroot -w /var/www/certbot --cert-name mcpstack",
    );
    for n in &tls.acme_names {
        cmd += &format!(" -d {n}");
    }
    cmd += &format!(
        " --email {} --agree-tos --non-interactive --keep-until-expiring; sleep 12h & wait; done",
        tls.acme_email.as_deref().unwrap_or_default()
    );
    Service {
        entrypoint: Some(vec!["/bin/sh".into(), "-c".into()]),
        command: Some(vec![cmd]),
        volumes: vec![
            format!("{ACME_CERTS}:/etc/letsencrypt"),
            format!("{ACME_WEBROOT}:/var/www/certbot"),
        ],
        depends_on: after_gateway(),
        ..helper(&stack.images.certbot, PRODUCTION)
    }
}

/// A container of the stack's own (not a server): restarted, no capabilities, no privilege
/// gain, rotated logs.
fn helper(image: &str, profile: &'static str) -> Service {
    Service {
        image: image.into(),
        profiles: vec![profile],
        restart: Some("unless-stopped"),
        cap_drop: vec!["ALL"],
        security_opt: vec!["no-new-privileges:true"],
        logging: Some(logging()),
        ..Service::default()
    }
}

/// Started once the gateway has started (it needs the gateway, not its health).
fn after_gateway() -> BTreeMap<String, DependsOn> {
    BTreeMap::from([(
        "gateway".to_string(),
        DependsOn {
            condition: "service_started",
        },
    )])
}

/// The Cloudflare tunnel: an outbound connection from cloudflared to Cloudflare, which brings
/// requests for the tunnel's public host names to the gateway (`https://gateway:8443` as the
/// tunnel's service, set where the tunnel is made). It listens on no port.
fn cloudflared(stack: &Stack, t: &Tunnel) -> Service {
    Service {
        command: Some(vec!["tunnel".into(), "run".into()]),
        environment: BTreeMap::from([("TUNNEL_TOKEN".to_string(), from_env(&t.token_env))]),
        depends_on: after_gateway(),
        read_only: true,
        ..helper(&stack.images.cloudflared, PRODUCTION)
    }
}

/// Hardening shared by the monitoring containers (cAdvisor aside, which reads the host).
fn monitoring_service(image: &str, entrypoint: &str, command: Vec<String>) -> Service {
    Service {
        entrypoint: Some(vec![entrypoint.into()]),
        command: Some(command),
        read_only: true,
        ..helper(image, MONITORING)
    }
}

/// Prometheus, the exporters and Grafana. They join the production containers' network;
/// Prometheus and Grafana are published on 127.0.0.1 only.
fn monitoring(stack: &Stack, m: &crate::model::Monitoring) -> Vec<(&'static str, Service)> {
    use super::monitoring::{BLACKBOX_CA, DASHBOARDS_DIR};
    let mut prometheus = monitoring_service(
        &stack.images.prometheus,
        "prometheus",
        vec![
            "--config.file=/etc/prometheus/prometheus.yml".into(),
            "--storage.tsdb.path=/prometheus".into(),
            format!("--storage.tsdb.retention.time={}", m.retention),
            "--web.listen-address=:9090".into(),
        ],
    );
    prometheus.ports = vec![format!("127.0.0.1:{}:9090", m.prometheus_port)];
    prometheus.volumes = vec![
        "./prometheus:/etc/prometheus:ro".into(),
        format!("{PROMETHEUS_DATA}:/prometheus"),
    ];

    let mut blackbox = monitoring_service(
        &stack.images.blackbox_exporter,
        "blackbox_exporter",
        vec!["--config.file=/etc/blackbox/blackbox.yml".into()],
    );
    blackbox.volumes = vec!["./prometheus/blackbox.yml:/etc/blackbox/blackbox.yml:ro".into()];
    if stack.gateway.tls.mode == TlsMode::Local {
        blackbox
            .volumes
            .push(format!("./certs/fullchain.pem:{BLACKBOX_CA}:ro"));
    }

    let nginx = monitoring_service(
        &stack.images.nginx_exporter,
        "nginx-prometheus-exporter",
        vec![format!(
            "--nginx.scrape-uri=http://gateway:{}/stub_status",
            crate::model::GATEWAY_INTERNAL_PORT
        )],
    );

    // cAdvisor reads the host's cgroups and Docker's state: it needs these mounts and privileges.
    let cadvisor = Service {
        image: stack.images.cadvisor.clone(),
        profiles: vec![MONITORING],
        command: Some(vec![
            "--docker_only=true".into(),
            "--housekeeping_interval=15s".into(),
            "--store_container_labels=false".into(),
            "--whitelisted_container_labels=com.docker.compose.project,com.docker.compose.service"
                .into(),
        ]),
        volumes: [
            "/:/rootfs:ro",
            "/var/run:/var/run:ro",
            "/sys:/sys:ro",
            "/var/lib/docker/:/var/lib/docker:ro",
            "/dev/disk/:/dev/disk:ro",
        ]
        .map(String::from)
        .to_vec(),
        devices: vec!["/dev/kmsg"],
        privileged: true,
        restart: Some("unless-stopped"),
        logging: Some(logging()),
        ..Service::default()
    };

    let mut grafana = Service {
        ports: vec![format!("127.0.0.1:{}:3000", m.grafana_port)],
        volumes: vec![
            "./grafana/provisioning:/etc/grafana/provisioning:ro".into(),
            format!("./grafana/dashboards:{DASHBOARDS_DIR}:ro"),
            format!("{GRAFANA_DATA}:/var/lib/grafana"),
        ],
        ..helper(&stack.images.grafana, MONITORING)
    };
    grafana.environment = BTreeMap::from([
        (
            "GF_SECURITY_ADMIN_PASSWORD".to_string(),
            from_env(&m.grafana_password_env),
        ),
        ("GF_AUTH_ANONYMOUS_ENABLED".to_string(), "false".to_string()),
        ("GF_USERS_ALLOW_SIGN_UP".to_string(), "false".to_string()),
        (
            "GF_ANALYTICS_REPORTING_ENABLED".to_string(),
            "false".to_string(),
        ),
        (
            "GF_ANALYTICS_CHECK_FOR_UPDATES".to_string(),
            "false".to_string(),
        ),
    ]);
    vec![
        ("blackbox-exporter", blackbox),
        ("cadvisor", cadvisor),
        ("grafana", grafana),
        ("nginx-exporter", nginx),
        ("prometheus", prometheus),
    ]
}
