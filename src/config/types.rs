//! The shape of `mcp-stack.yaml`, version 1. Defaults that depend on nothing else live here;
//! everything that depends on other keys or on the file system is decided in `model`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The whole configuration file.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Config {
    /// Format version; only `1` exists.
    pub version: u32,
    /// Project name: Compose project, network, image and label prefix. A DNS label.
    pub name: String,
    /// Host name the gateway serves (server_name, certificate SAN).
    #[serde(default = "default_domain")]
    pub domain: String,
    /// Extra names or IP addresses: server_name entries and certificate SANs.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Folder, relative to this file, that `render` owns.
    #[serde(default = "default_output")]
    pub output: String,
    /// Folder, relative to this file, whose files override the built-in templates by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub templates: Option<String>,
    #[serde(default)]
    pub gateway: Gateway,
    /// MCP servers; each is routed by the gateway at its path.
    #[serde(default)]
    pub servers: BTreeMap<String, Server>,
    /// Supporting containers that are not MCP servers (APIs, databases, caches).
    #[serde(default)]
    pub services: BTreeMap<String, Service>,
    #[serde(default)]
    pub monitoring: Monitoring,
    /// Remote access without opening ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tunnel: Option<Tunnel>,
    /// Every image the stack uses, pinned or mirrored.
    #[serde(default)]
    pub images: Images,
    /// How servers from published packages (`package:`) are installed.
    #[serde(default)]
    pub packages: Packages,
    /// Where `mcpstack push` sends the images mcpstack builds, and where a cluster pulls them
    /// from: `host[:port]/path`, no scheme, no tag (e.g. `localhost:5000/team`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
}

/// Settings for servers run from published packages.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Packages {
    /// Dependencies are resolved as the registries stood at this date (`2026-12-01`) or RFC 3339
    /// time: uv `--exclude-newer`, npm `--before`. Absent: as they stand at build time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_before: Option<String>,
}

fn default_domain() -> String {
    "mcp.local".into()
}
fn default_output() -> String {
    "deploy".into()
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Gateway {
    /// Host address the gateway ports are published on (127.0.0.1 = local only).
    #[serde(default = "default_bind")]
    pub bind: String,
    /// Plain HTTP: only redirects to HTTPS (308) and serves /health.
    #[serde(default = "default_http_port")]
    #[schemars(range(min = 1, max = 65535))]
    pub http_port: i64,
    #[serde(default = "default_https_port")]
    #[schemars(range(min = 1, max = 65535))]
    pub https_port: i64,
    #[serde(default)]
    pub tls: Tls,
    #[serde(default)]
    pub auth: Auth,
    #[serde(default)]
    pub rate_limit: RateLimit,
    #[serde(default)]
    pub cors: Cors,
    /// Largest request body, in nginx size syntax (`10m`, `512k`).
    #[serde(default = "default_max_body")]
    pub max_body: String,
    /// nginx version of `images.nginx`, when its tag does not tell (a mirror such as `local/nginx`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nginx_version: Option<String>,
    /// production: publish the gateway's ports on `bind`; false publishes nothing (a tunnel
    /// or another container on the network reaches it).
    #[serde(default = "yes")]
    pub publish: bool,
    /// The access log: `buffered` (written in 64 KiB blocks, at least every second),
    /// `unbuffered` (a write per request) or `off`.
    #[serde(default)]
    pub access_log: AccessLog,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AccessLog {
    /// Lines collected in memory and written in blocks (at most 1 s late).
    #[default]
    Buffered,
    /// One write per request, as it ends.
    Unbuffered,
    /// No access log.
    Off,
}

impl Default for Gateway {
    fn default() -> Self {
        Gateway {
            bind: default_bind(),
            http_port: default_http_port(),
            https_port: default_https_port(),
            tls: Tls::default(),
            auth: Auth::default(),
            rate_limit: RateLimit::default(),
            cors: Cors::default(),
            max_body: default_max_body(),
            nginx_version: None,
            publish: true,
            access_log: AccessLog::default(),
        }
    }
}

fn yes() -> bool {
    true
}
fn default_bind() -> String {
    "0.0.0.0".into()
}
fn default_http_port() -> i64 {
    80
}
fn default_https_port() -> i64 {
    443
}
fn default_max_body() -> String {
    "10m".into()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Tls {
    #[serde(default)]
    pub mode: TlsMode,
    /// manual only: certificate chain file, relative to this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert: Option<String>,
    /// manual only: private key file, relative to this file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// acme only: account e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// mkcert-style CA and leaf made by mcpstack.
    #[default]
    Local,
    /// Certificate and key files you provide.
    Manual,
    /// Let's Encrypt through a certbot service in the production profile.
    Acme,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Auth {
    #[serde(default, rename = "type")]
    pub kind: AuthType,
    /// Variable holding the accepted tokens at runtime; never written to a file.
    #[serde(default = "default_tokens_env")]
    pub tokens_env: String,
}

impl Default for Auth {
    fn default() -> Self {
        Auth {
            kind: AuthType::None,
            tokens_env: default_tokens_env(),
        }
    }
}

fn default_tokens_env() -> String {
    "MCP_GATEWAY_TOKENS".into()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum AuthType {
    #[default]
    None,
    Bearer,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct RateLimit {
    /// Per client address; 0 or absent turns it off.
    #[serde(default)]
    #[schemars(range(min = 0, max = 1_000_000))]
    pub requests_per_second: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 1_000_000))]
    pub burst: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Cors {
    /// Browser origins allowed; also the Origin allow-list (others get 403).
    #[serde(default)]
    pub allow_origins: Vec<String>,
}

/// A scalar value in `env`: written as text, exactly as the file spells it (`1.10` stays
/// `1.10`, `0x1F` stays `0x1F`, `yes` stays `yes`).
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl serde::de::Visitor<'_> for Visit {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, number or boolean")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Float(v))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
        }
        // YAML hands a scalar over as written when asked for a string; other formats may
        // give a number or a boolean, which the visitor also takes.
        d.deserialize_str(Visit)
    }
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Text(s) => f.write_str(s),
            Scalar::Int(n) => write!(f, "{n}"),
            Scalar::Float(n) => write!(f, "{n}"),
            Scalar::Bool(b) => write!(f, "{b}"),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Runtime {
    /// Detected from the build folder.
    #[default]
    Auto,
    Python,
    Node,
    Dockerfile,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    #[default]
    StreamableHttp,
    Sse,
    /// Bridged to streamable HTTP.
    Stdio,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Resources {
    /// CPU limit, e.g. "0.5".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpus: Option<Scalar>,
    /// Memory limit, e.g. 512M.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Dev {
    /// dev profile: bind-mount the source for live reload.
    #[serde(default)]
    pub mount_source: bool,
    /// dev profile: host port on 127.0.0.1 (default: the container port, or the next free one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i64>,
}

/// An MCP server.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Server {
    /// A folder: pyproject.toml + uv.lock (python), package.json (node), or its own Dockerfile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    /// A prebuilt image instead of build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// A published package instead of build or image, pinned to one version:
    /// `pypi:NAME==VERSION` (run like uvx) or `npm:NAME@VERSION` (run like npx). Stdio unless
    /// `transport` says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(default)]
    pub runtime: Runtime,
    #[serde(default)]
    pub transport: Transport,
    /// The start command; for a `package` server, the package's command to run (default: the
    /// one named after the package).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// `package` servers: arguments added after the command.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Port the server listens on inside its container (default 8000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i64>,
    /// Route prefix on the gateway; default `/<name>/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The server's own MCP endpoint; default /mcp (streamable-http), /sse (sse).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub env: BTreeMap<String, Scalar>,
    /// Names only; values come from the environment or .env at runtime.
    #[serde(default)]
    pub secrets: Vec<String>,
    #[serde(default = "one")]
    #[schemars(range(min = 1, max = 100))]
    pub replicas: i64,
    /// true: any replica may serve any request.
    #[serde(default)]
    pub stateless: bool,
    /// Longest tool call or idle stream (`300s`, `5m`).
    #[serde(default = "default_timeout")]
    pub timeout: String,
    /// `mcp` (JSON-RPC handshake), `http:/some/path` or `none`.
    #[serde(default = "default_health")]
    pub health: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    #[serde(default)]
    pub depends_on: Vec<String>,
    #[serde(default)]
    pub dev: Dev,
    /// production: root file system read-only (default true for built images).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// production: capabilities kept after dropping all.
    #[serde(default)]
    pub cap_add: Vec<String>,
    /// Writable in-memory folders when read-only.
    #[serde(default)]
    pub tmpfs: Vec<String>,
    /// User to run as (`uid[:gid]`); built images already run as a non-root user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Mounts the Docker engine's socket into the container: it then controls the host.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub docker_socket: bool,
    /// Kubernetes: a HorizontalPodAutoscaler instead of fixed `replicas` (stateless servers only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscale: Option<Autoscale>,
}

/// `render --target kubernetes`: scale between `min` and `max` replicas on CPU use.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Autoscale {
    /// Fewest replicas.
    #[schemars(range(min = 1, max = 100))]
    pub min: i64,
    /// Most replicas.
    #[schemars(range(min = 1, max = 100))]
    pub max: i64,
    /// Average CPU use, in percent of the CPU request, that the autoscaler aims at.
    #[schemars(range(min = 1, max = 100))]
    pub cpu_percent: i64,
}

fn one() -> i64 {
    1
}
fn default_timeout() -> String {
    "300s".into()
}
fn default_health() -> String {
    "mcp".into()
}

/// A supporting container.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Service {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default)]
    pub runtime: Runtime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// Port the service listens on inside the project network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i64>,
    #[serde(default)]
    pub env: BTreeMap<String, Scalar>,
    #[serde(default)]
    pub secrets: Vec<String>,
    #[serde(default)]
    pub depends_on: Vec<String>,
    /// Compose-style test, e.g. `[CMD, pg_isready, -U, app]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Vec<String>>,
    /// `name:/path` (a named volume) entries.
    #[serde(default)]
    pub volumes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    #[serde(default)]
    pub dev: Dev,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    #[serde(default)]
    pub cap_add: Vec<String>,
    #[serde(default)]
    pub tmpfs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Monitoring {
    /// Renders the monitoring profile.
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub prometheus: Prometheus,
    #[serde(default)]
    pub grafana: Grafana,
    /// An MCP probe slower than this for 5 minutes raises an alert.
    #[serde(default = "default_latency_threshold")]
    pub probe_latency_threshold: String,
}

fn default_latency_threshold() -> String {
    "2s".into()
}

impl Default for Monitoring {
    fn default() -> Self {
        Monitoring {
            enabled: false,
            prometheus: Prometheus::default(),
            grafana: Grafana::default(),
            probe_latency_threshold: default_latency_threshold(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Prometheus {
    #[serde(default = "default_prometheus_port")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: i64,
    #[serde(default = "default_retention")]
    pub retention: String,
}

impl Default for Prometheus {
    fn default() -> Self {
        Prometheus {
            port: default_prometheus_port(),
            retention: default_retention(),
        }
    }
}

fn default_prometheus_port() -> i64 {
    9090
}
fn default_retention() -> String {
    "15d".into()
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Grafana {
    #[serde(default = "default_grafana_port")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: i64,
    #[serde(default = "default_grafana_password_env")]
    pub admin_password_env: String,
}

impl Default for Grafana {
    fn default() -> Self {
        Grafana {
            port: default_grafana_port(),
            admin_password_env: default_grafana_password_env(),
        }
    }
}

fn default_grafana_port() -> i64 {
    3000
}
fn default_grafana_password_env() -> String {
    "GRAFANA_ADMIN_PASSWORD".into()
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Tunnel {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudflare: Option<Cloudflare>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Cloudflare {
    /// Variable holding the tunnel token at runtime.
    #[serde(default = "default_cloudflare_env")]
    pub token_env: String,
}

fn default_cloudflare_env() -> String {
    "CLOUDFLARE_TUNNEL_TOKEN".into()
}

/// Every image the stack uses.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Images {
    /// Runtime base for python servers.
    #[serde(default = "image_python")]
    pub python: String,
    /// Where the uv binary is copied from.
    #[serde(default = "image_uv")]
    pub uv: String,
    #[serde(default = "image_node")]
    pub node: String,
    #[serde(default = "image_nginx")]
    pub nginx: String,
    #[serde(default = "image_prometheus")]
    pub prometheus: String,
    #[serde(default = "image_grafana")]
    pub grafana: String,
    #[serde(default = "image_blackbox")]
    pub blackbox_exporter: String,
    #[serde(default = "image_nginx_exporter")]
    pub nginx_exporter: String,
    #[serde(default = "image_cadvisor")]
    pub cadvisor: String,
    #[serde(default = "image_certbot")]
    pub certbot: String,
    #[serde(default = "image_cloudflared")]
    pub cloudflared: String,
    /// Python package spec of the stdio bridge for python images.
    #[serde(default = "bridge_python")]
    pub mcp_proxy: String,
    /// npm package spec of the stdio bridge for node images.
    #[serde(default = "bridge_node")]
    pub supergateway: String,
}

impl Default for Images {
    fn default() -> Self {
        Images {
            python: image_python(),
            uv: image_uv(),
            node: image_node(),
            nginx: image_nginx(),
            prometheus: image_prometheus(),
            grafana: image_grafana(),
            blackbox_exporter: image_blackbox(),
            nginx_exporter: image_nginx_exporter(),
            cadvisor: image_cadvisor(),
            certbot: image_certbot(),
            cloudflared: image_cloudflared(),
            mcp_proxy: bridge_python(),
            supergateway: bridge_node(),
        }
    }
}

fn image_python() -> String {
    "python:3.12-slim".into()
}
fn image_uv() -> String {
    "ghcr.io/astral-sh/uv:0.9".into()
}
fn image_node() -> String {
    "node:22-slim".into()
}
fn image_nginx() -> String {
    "nginx:1.27-alpine".into()
}
fn image_prometheus() -> String {
    "prom/prometheus:v3.5.0".into()
}
fn image_grafana() -> String {
    "grafana/grafana:12.1.0".into()
}
fn image_blackbox() -> String {
    "prom/blackbox-exporter:v0.27.0".into()
}
fn image_nginx_exporter() -> String {
    "nginx/nginx-prometheus-exporter:1.4.2".into()
}
fn image_cadvisor() -> String {
    "gcr.io/cadvisor/cadvisor:v0.52.1".into()
}
fn image_certbot() -> String {
    "certbot/certbot:v4.1.1".into()
}
fn image_cloudflared() -> String {
    "cloudflare/cloudflared:2025.8.0".into()
}
fn bridge_python() -> String {
    "mcp-proxy==0.13.0".into()
}
fn bridge_node() -> String {
    "supergateway@4.0.0".into()
}
