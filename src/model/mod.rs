//! The resolved stack: every default, route, port and profile decided once, from the
//! validated config and the file system facts. Renderers read only this. Nothing here is
//! specific to Compose: the same model can feed Kubernetes or Swarm renderers.

pub mod build;
pub mod cluster;
pub mod ports;
mod resolve;

pub use crate::units::{
    nginx_version_of_image, parse_bytes, parse_duration, parse_duration_ms, parse_version,
};
pub use build::{NodePlan, PackagePlan, Plan, PythonPlan, PACKAGE_ENTRYPOINT};
pub use resolve::resolve;

use crate::config::{Images, TlsMode, Transport};
use std::collections::BTreeMap;

/// Inside the gateway container nginx listens on unprivileged ports.
pub const GATEWAY_HTTP_PORT: u16 = 8080;
pub const GATEWAY_HTTPS_PORT: u16 = 8443;
/// The gateway's internal listener (monitoring only, never published).
pub const GATEWAY_INTERNAL_PORT: u16 = 8081;
/// Where the bridge gets its own virtual environment in a bridged Python image.
pub const BRIDGE_VENV: &str = "/opt/mcp-bridge";
/// Docker's embedded DNS server, which the gateway asks for servers' addresses.
pub const DOCKER_RESOLVER: &str = "127.0.0.11";
/// Fixed UID/GID of the non-root user in rendered images.
pub const APP_UID: u32 = 10001;
/// The Docker engine's socket, on the host and in a container that has `docker_socket: true`.
pub const DOCKER_SOCKET: &str = "/var/run/docker.sock";
/// The variable holding the socket's group id on the host, added to that container's process.
pub const DOCKER_SOCKET_GID: &str = "DOCKER_SOCKET_GID";

#[derive(Debug, Clone, serde::Serialize)]
pub struct Stack {
    pub name: String,
    /// Base name of the config file, for headers.
    pub config_file: String,
    /// Output folder relative to the config file.
    pub output: String,
    pub domain: String,
    pub aliases: Vec<String>,
    pub gateway: Gateway,
    /// Servers and services, sorted by name (`component` searches them).
    pub components: Vec<Component>,
    /// Named volumes.
    pub volumes: Vec<String>,
    pub images: Images,
    pub monitoring: Option<Monitoring>,
    pub tunnel: Option<Tunnel>,
    /// `host[:port]/path` that `push` sends built images to and a cluster pulls them from.
    pub registry: Option<String>,
    /// Every variable the stack reads at run time, by name.
    pub variables: BTreeMap<String, Variable>,
}

impl Stack {
    /// The replicas of server `name` when each has a name of its own (session affinity).
    /// A binary search: renderers ask this once per server, so a scan would make them
    /// quadratic.
    pub fn named_replicas(&self, name: &str) -> Option<&[Replica]> {
        let routes = &self.gateway.routes;
        let at = routes
            .binary_search_by(|r| r.server.as_str().cmp(name))
            .ok()?;
        let r = &routes[at];
        (r.balance == Balance::SessionAffinity).then_some(r.replica_hosts.as_slice())
    }

    /// The server or service called `name` (a binary search, see `components`).
    pub fn component(&self, name: &str) -> Option<&Component> {
        self.components
            .binary_search_by(|c| c.name.as_str().cmp(name))
            .ok()
            .map(|at| &self.components[at])
    }

    /// The public URL of a route: `https://<domain>[:<https_port>]<path>`.
    pub fn public_url(&self, route: &Route) -> String {
        let host = if self.domain.contains(':') {
            format!("[{}]", self.domain)
        } else {
            self.domain.clone()
        };
        let port = match self.gateway.https_port {
            443 => String::new(),
            p => format!(":{p}"),
        };
        format!("https://{host}{port}{}", route.path)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Gateway {
    pub bind: String,
    /// production: ports published on `bind`; false publishes none.
    pub publish: bool,
    pub http_port: u16,
    pub https_port: u16,
    pub tls: Tls,
    /// Variable holding bearer tokens, when auth is on.
    pub auth_tokens_env: Option<String>,
    pub rate_limit: Option<RateLimit>,
    pub allow_origins: Vec<String>,
    pub max_body: String,
    /// nginx version the config is written for.
    pub nginx_version: (u32, u32, u32),
    /// The suffix for redirects to HTTPS: empty for 443, `:8443` otherwise.
    pub https_suffix: String,
    /// The DNS server nginx asks for upstream addresses at request time (Docker's by default).
    pub resolver: String,
    /// One per server, sorted by server name (`Stack::named_replicas` searches them).
    pub routes: Vec<Route>,
    pub access_log: crate::config::AccessLog,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Tls {
    pub mode: TlsMode,
    /// Project-relative files for manual mode.
    pub manual_cert: Option<String>,
    pub manual_key: Option<String>,
    pub acme_email: Option<String>,
    /// Names Let's Encrypt can certify: the domain and public DNS aliases.
    pub acme_names: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RateLimit {
    pub per_second: u32,
    pub burst: u32,
}

/// How requests are spread over replicas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Balance {
    /// One replica.
    Single,
    /// Stateless: the least busy replica.
    LeastConn,
    /// Stateful: a session stays on the replica that created it. The gateway tags the
    /// session id with that replica (see [`Replica`]), so no client address is involved.
    SessionAffinity,
}

/// One replica of a stateful server, under a name of its own so the gateway can send every
/// request of a session back to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Replica {
    /// Prefixed to the session ids this replica creates: `r1`, `r2`, … Stable for a given
    /// position, whatever the target.
    pub tag: String,
    /// Its service name in Compose: `<server>-<n>`, from 1.
    pub compose_host: String,
    /// Its pod's DNS name in Kubernetes (a StatefulSet, 0-based ordinals):
    /// `<server>-<n-1>.<server>-headless`.
    pub kubernetes_host: String,
}

impl Replica {
    /// The replicas of server `name`, in order.
    pub fn all(name: &str, count: u32) -> Vec<Replica> {
        (1..=count)
            .map(|n| Replica {
                tag: format!("r{n}"),
                compose_host: format!("{name}-{n}"),
                kubernetes_host: format!("{name}-{}.{name}-headless", n - 1),
            })
            .collect()
    }
}

/// One MCP server as the gateway routes it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Route {
    pub server: String,
    /// Public prefix, `/main/`.
    pub path: String,
    /// Upstream host name on the project network.
    pub host: String,
    pub port: u16,
    /// The server's endpoint, `/mcp` or `/sse`.
    pub endpoint: String,
    /// What the server speaks behind the gateway (stdio servers are bridged to streamable HTTP).
    pub transport: Transport,
    pub timeout_secs: u64,
    pub replicas: u32,
    pub balance: Balance,
    /// The replicas by name (session affinity only; empty otherwise).
    pub replica_hosts: Vec<Replica>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Server,
    Service,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Runtime {
    Python,
    Node,
}

/// Where a component's image comes from.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImageSource {
    /// A prebuilt image, used as it is.
    Prebuilt { image: String },
    /// Built from the project's folder with a Dockerfile mcpstack renders.
    Rendered {
        folder: String,
        runtime: Runtime,
        dockerfile: String,
        plan: Plan,
    },
    /// Built from the project's folder with its own Dockerfile.
    OwnDockerfile { folder: String },
    /// A published package installed by a Dockerfile mcpstack renders (no build context).
    Package {
        runtime: Runtime,
        dockerfile: String,
        plan: PackagePlan,
    },
    /// An image wrapped with the stdio bridge by a rendered Dockerfile: a prebuilt one, or
    /// (`own`) the image of the project's own Dockerfile in `own`'s folder, built first and
    /// tagged `base`.
    Bridged {
        base: String,
        runtime: Runtime,
        dockerfile: String,
        own: Option<String>,
    },
}

/// How a stdio server is served over HTTP.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Bridge {
    pub runtime: Runtime,
    /// The package installed into the image.
    pub package: String,
    /// The server's own command, started by the bridge.
    pub child: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Health {
    /// An MCP `initialize` handshake against the endpoint.
    Mcp {
        runtime: Runtime,
        port: u16,
        endpoint: String,
        transport: Transport,
    },
    /// An HTTP GET that must answer 2xx.
    Http {
        runtime: Runtime,
        port: u16,
        path: String,
    },
    /// A command given in the config (Compose-style test).
    Command {
        test: Vec<String>,
    },
    None,
}

impl Health {
    pub fn is_some(&self) -> bool {
        !matches!(self, Health::None)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Dependency {
    pub name: String,
    /// Wait until it reports healthy (it has a health check), else until it started.
    pub healthy: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Resources {
    pub cpus: Option<String>,
    pub memory: Option<String>,
}

/// Replicas between `min` and `max`, aiming at `cpu_percent` of the CPU request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Autoscale {
    pub min: u32,
    pub max: u32,
    pub cpu_percent: u32,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Mount {
    /// A named volume or a path relative to the config file (`./x`).
    pub source: String,
    pub target: String,
    pub read_only: bool,
    pub named: bool,
}

/// Production hardening.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hardening {
    pub read_only: bool,
    pub cap_add: Vec<String>,
    pub tmpfs: Vec<String>,
    pub user: Option<String>,
}

/// The dev profile's differences.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Dev {
    /// Published on 127.0.0.1.
    pub host_port: Option<u16>,
    /// Source folder (config-relative) mounted over the app folder.
    pub source: Option<SourceMount>,
    /// Extra environment in dev (debug logging).
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SourceMount {
    pub folder: String,
    pub target: String,
    /// Folders of the image kept over the mount (dependencies).
    pub keep: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Component {
    pub name: String,
    pub role: Role,
    pub image: ImageSource,
    /// Tag given to built images.
    pub built_tag: Option<String>,
    /// The process started in the container (for stdio servers: the bridge).
    pub command: Option<Vec<String>>,
    pub bridge: Option<Bridge>,
    /// Port it listens on in the container.
    pub port: Option<u16>,
    pub env: BTreeMap<String, String>,
    pub secrets: Vec<String>,
    pub depends_on: Vec<Dependency>,
    pub replicas: u32,
    pub resources: Option<Resources>,
    pub health: Health,
    /// The health check is part of the image (a rendered Dockerfile's HEALTHCHECK).
    pub health_in_image: bool,
    pub mounts: Vec<Mount>,
    /// The Docker engine's socket is mounted (`docker_socket: true`), read-only, with the
    /// socket's group (`DOCKER_SOCKET_GID`) added to the process.
    pub docker_socket: bool,
    /// Kubernetes: scaled by a HorizontalPodAutoscaler (stateless servers only).
    pub autoscale: Option<Autoscale>,
    pub hardening: Hardening,
    pub dev: Dev,
}

impl Component {
    /// The Dockerfile mcpstack renders for it, if any (output-relative).
    pub fn rendered_dockerfile(&self) -> Option<&str> {
        match &self.image {
            ImageSource::Rendered { dockerfile, .. }
            | ImageSource::Bridged { dockerfile, .. }
            | ImageSource::Package { dockerfile, .. } => Some(dockerfile),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Monitoring {
    /// Seconds an MCP probe may take before the latency alert.
    pub latency_threshold_secs: f64,
    pub prometheus_port: u16,
    pub retention: String,
    pub grafana_port: u16,
    pub grafana_password_env: String,
    /// Kubernetes: Prometheus finds the replicas through the API in this namespace (pod
    /// discovery) instead of Docker's DNS.
    pub kubernetes_namespace: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Tunnel {
    pub token_env: String,
}

/// A variable read from the environment at run time.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Variable {
    /// Components that read it.
    pub readers: Vec<String>,
    pub secret: bool,
    pub purpose: String,
}
