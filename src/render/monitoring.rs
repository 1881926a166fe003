//! The monitoring profile's files: Prometheus (scrapes, MCP probes, alerts), the blackbox
//! exporter's modules, and Grafana's provisioning and dashboard. All built from typed data;
//! alert annotations and legends keep their `{{ }}` because no template engine touches them.

use super::{header, health};
use crate::config::{TlsMode, Transport};
use crate::model::{Monitoring, Route, Stack, GATEWAY_HTTPS_PORT, GATEWAY_INTERNAL_PORT};
use anyhow::Result;
use serde::Serialize;
use std::collections::BTreeMap;

/// Grafana's datasource uid: every panel names it.
pub const DATASOURCE_UID: &str = "mcpstack-prometheus";
const BLACKBOX: &str = "blackbox-exporter:9115";
/// MCP probes are less frequent than scrapes: each one opens a session on the server.
const PROBE_INTERVAL: &str = "30s";
/// How the probes name themselves.
const CLIENT: &str = "mcpstack-probe";
/// The recorded series that alerts and panels read: a target answers MCP when the probe of
/// either protocol generation succeeds.
pub const PROBE_SUCCESS: &str = "mcp:probe_success";
/// How long the successful probe of a target took.
pub const PROBE_DURATION: &str = "mcp:probe_duration_seconds";

/// The header, then `v`, written straight after it (no second copy of a large file).
fn yaml(stack: &Stack, v: &impl Serialize) -> Result<String> {
    let mut out = header(stack, "#");
    super::yaml::write(&mut out, v)?;
    Ok(out)
}

// ---------------------------------------------------------------- Prometheus

#[derive(Serialize)]
struct PromConfig {
    global: Global,
    rule_files: Vec<&'static str>,
    scrape_configs: Vec<Scrape>,
}

#[derive(Serialize)]
struct Global {
    scrape_interval: &'static str,
    evaluation_interval: &'static str,
}

#[derive(Serialize, Default)]
struct Scrape {
    job_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    scrape_interval: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metrics_path: Option<&'static str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    params: BTreeMap<&'static str, Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    static_configs: Vec<StaticConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dns_sd_configs: Vec<DnsSd>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    kubernetes_sd_configs: Vec<KubernetesSd>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    relabel_configs: Vec<Relabel>,
}

#[derive(Serialize)]
struct StaticConfig {
    targets: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
struct DnsSd {
    names: Vec<String>,
    #[serde(rename = "type")]
    kind: &'static str,
    port: u16,
    refresh_interval: &'static str,
}

/// Kubernetes: every pod of one namespace, one target per container port.
#[derive(Serialize)]
struct KubernetesSd {
    role: &'static str,
    namespaces: KubernetesNamespaces,
}

#[derive(Serialize)]
struct KubernetesNamespaces {
    names: Vec<String>,
}

#[derive(Serialize)]
struct Relabel {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    source_labels: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    regex: Option<String>,
    #[serde(skip_serializing_if = "str::is_empty")]
    target_label: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    replacement: Option<String>,
}

/// Keeps only targets whose `source` label matches `regex` exactly.
fn keep(source: &'static str, regex: String) -> Relabel {
    Relabel {
        source_labels: vec![source],
        action: Some("keep"),
        regex: Some(regex),
        target_label: "",
        replacement: None,
    }
}

fn relabel(
    source: Option<&'static str>,
    target: &'static str,
    replacement: Option<String>,
) -> Relabel {
    Relabel {
        source_labels: source.into_iter().collect(),
        action: None,
        regex: None,
        target_label: target,
        replacement,
    }
}

fn is_sse(r: &Route) -> bool {
    r.transport == Transport::Sse
}

/// The protocol generations a streamable HTTP server is probed in, each with its own module:
/// a blackbox probe is one request, and a server may speak either generation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Era {
    /// 2026-07-28: `server/discover`, no handshake.
    Modern,
    /// Earlier revisions: `initialize`.
    Legacy,
}

impl Era {
    fn label(self) -> &'static str {
        match self {
            Era::Modern => "modern",
            Era::Legacy => "legacy",
        }
    }
}

/// The eras route `r` is probed in (an SSE server has only its own).
fn eras(r: &Route) -> Vec<Option<Era>> {
    if is_sse(r) {
        vec![None]
    } else {
        vec![Some(Era::Modern), Some(Era::Legacy)]
    }
}

/// The blackbox module that probes route `r` in `era`, directly or through the gateway.
fn module(r: &Route, era: Option<Era>, through_gateway: bool) -> String {
    match (era, through_gateway) {
        (Some(Era::Modern), _) => "mcp_discover".into(),
        (Some(Era::Legacy), _) => "mcp_initialize".into(),
        (None, false) => format!("mcp_sse_{}", r.server),
        (None, true) => format!("mcp_sse_gateway_{}", r.server),
    }
}

/// Every replica of a server, found in Docker's DNS (or, in Kubernetes, `namespace`'s pods),
/// probed by the blackbox exporter in one era.
fn direct_job(r: &Route, era: Option<Era>, namespace: Option<&str>) -> Scrape {
    let target = if is_sse(r) {
        "${1}".to_string()
    } else {
        format!("http://${{1}}{}", r.endpoint)
    };
    let job_name = match era {
        Some(Era::Legacy) => format!("mcp-direct-{}-legacy", r.server),
        _ => format!("mcp-direct-{}", r.server),
    };
    let mut relabel_configs = Vec::new();
    if namespace.is_some() {
        // The server's pods, on its port (labels as the Kubernetes render sets them).
        relabel_configs.push(keep(
            "__meta_kubernetes_pod_label_app_kubernetes_io_name",
            // A DNS label: letters, digits and `-` match only themselves.
            r.server.clone(),
        ));
        relabel_configs.push(keep(
            "__meta_kubernetes_pod_container_port_number",
            r.port.to_string(),
        ));
    }
    relabel_configs.extend([
        relabel(Some("__address__"), "__param_target", Some(target)),
        relabel(Some("__address__"), "instance", None),
        relabel(None, "server", Some(r.server.clone())),
        relabel(None, "probe", Some("direct".into())),
    ]);
    if let Some(era) = era {
        relabel_configs.push(relabel(None, "era", Some(era.label().into())));
    }
    relabel_configs.push(relabel(None, "__address__", Some(BLACKBOX.into())));
    Scrape {
        job_name,
        scrape_interval: Some(PROBE_INTERVAL),
        metrics_path: Some("/probe"),
        params: BTreeMap::from([("module", vec![module(r, era, false)])]),
        dns_sd_configs: match namespace {
            Some(_) => Vec::new(),
            None => vec![DnsSd {
                names: vec![r.host.clone()],
                kind: "A",
                port: r.port,
                refresh_interval: "15s",
            }],
        },
        kubernetes_sd_configs: namespace
            .map(|ns| KubernetesSd {
                role: "pod",
                namespaces: KubernetesNamespaces {
                    names: vec![ns.to_string()],
                },
            })
            .into_iter()
            .collect(),
        relabel_configs,
        ..Scrape::default()
    }
}

/// Every server through the gateway's internal listener.
fn gateway_job(routes: &[Route]) -> Scrape {
    let static_configs = routes
        .iter()
        .flat_map(|r| eras(r).into_iter().map(move |era| (r, era)))
        .map(|(r, era)| {
            let mut labels = BTreeMap::from([
                ("server", r.server.clone()),
                ("__param_module", module(r, era, true)),
            ]);
            if let Some(era) = era {
                labels.insert("era", era.label().into());
            }
            StaticConfig {
                targets: vec![if is_sse(r) {
                    format!("gateway:{GATEWAY_INTERNAL_PORT}")
                } else {
                    format!("http://gateway:{GATEWAY_INTERNAL_PORT}{}", r.path)
                }],
                labels,
            }
        })
        .collect();
    Scrape {
        job_name: "mcp-gateway".into(),
        scrape_interval: Some(PROBE_INTERVAL),
        metrics_path: Some("/probe"),
        static_configs,
        relabel_configs: vec![
            relabel(Some("__address__"), "__param_target", None),
            relabel(Some("__address__"), "instance", None),
            relabel(None, "probe", Some("gateway".into())),
            relabel(None, "__address__", Some(BLACKBOX.into())),
        ],
        ..Scrape::default()
    }
}

fn simple_job(name: &str, target: &str) -> Scrape {
    Scrape {
        job_name: name.into(),
        static_configs: vec![StaticConfig {
            targets: vec![target.into()],
            labels: BTreeMap::new(),
        }],
        ..Scrape::default()
    }
}

pub fn prometheus(stack: &Stack) -> Result<String> {
    let routes = &stack.gateway.routes;
    let namespace = stack
        .monitoring
        .as_ref()
        .and_then(|m| m.kubernetes_namespace.as_deref());
    let mut jobs = vec![simple_job("prometheus", "localhost:9090")];
    jobs.extend(routes.iter().flat_map(|r| {
        eras(r)
            .into_iter()
            .map(move |era| direct_job(r, era, namespace))
    }));
    jobs.push(gateway_job(routes));
    jobs.push(Scrape {
        job_name: "gateway-tls".into(),
        metrics_path: Some("/probe"),
        params: BTreeMap::from([("module", vec!["gateway_tls".to_string()])]),
        static_configs: vec![StaticConfig {
            targets: vec![format!("gateway:{GATEWAY_HTTPS_PORT}")],
            labels: BTreeMap::new(),
        }],
        relabel_configs: vec![
            relabel(Some("__address__"), "__param_target", None),
            relabel(Some("__address__"), "instance", None),
            relabel(None, "__address__", Some(BLACKBOX.into())),
        ],
        ..Scrape::default()
    });
    jobs.push(simple_job("nginx", "nginx-exporter:9113"));
    // Kubernetes has no cAdvisor of the stack's own (the kubelet's is the cluster's).
    if namespace.is_none() {
        jobs.push(simple_job("cadvisor", "cadvisor:8080"));
    }
    jobs.push(simple_job("blackbox", BLACKBOX));
    yaml(
        stack,
        &PromConfig {
            global: Global {
                scrape_interval: "15s",
                evaluation_interval: "15s",
            },
            rule_files: vec!["alerts.yml"],
            scrape_configs: jobs,
        },
    )
}

// ---------------------------------------------------------------- blackbox

#[derive(Serialize)]
struct Blackbox {
    modules: BTreeMap<String, Module>,
}

#[derive(Serialize)]
struct Module {
    prober: &'static str,
    timeout: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    http: Option<HttpProbe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tcp: Option<TcpProbe>,
}

#[derive(Serialize)]
struct HttpProbe {
    method: &'static str,
    headers: BTreeMap<&'static str, &'static str>,
    body: String,
    valid_status_codes: Vec<u16>,
    fail_if_body_not_matches_regexp: Vec<&'static str>,
    preferred_ip_protocol: &'static str,
}

#[derive(Serialize, Default)]
struct TcpProbe {
    preferred_ip_protocol: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    query_response: Vec<QueryResponse>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    tls: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    tls_config: Option<TlsConfig>,
}

#[derive(Serialize)]
struct QueryResponse {
    #[serde(skip_serializing_if = "Option::is_none")]
    send: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expect: Option<String>,
}

#[derive(Serialize)]
struct TlsConfig {
    server_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    ca_file: Option<&'static str>,
}

/// Where the blackbox exporter finds the local CA (local TLS mode only).
pub const BLACKBOX_CA: &str = "/etc/blackbox/ca.pem";

/// A legacy SSE server answers a GET with a stream whose first event names the endpoint;
/// the TCP prober reads lines only until it sees it.
fn sse_module(host: &str, path: &str, expect: String) -> Module {
    tcp_module(TcpProbe {
        preferred_ip_protocol: "ip4",
        // The prober adds the final "\n".
        query_response: vec![
            QueryResponse {
                send: Some(format!(
                    "GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r"
                )),
                expect: None,
            },
            QueryResponse {
                send: None,
                expect: Some(expect),
            },
        ],
        ..TcpProbe::default()
    })
}

fn tcp_module(tcp: TcpProbe) -> Module {
    Module {
        prober: "tcp",
        timeout: "10s",
        http: None,
        tcp: Some(tcp),
    }
}

pub fn blackbox(stack: &Stack) -> Result<String> {
    let mut modules = BTreeMap::new();
    // A POST that must get a result; redirects (a 307 to `/mcp/`) are followed with the body.
    let post = |headers: &[(&'static str, &'static str)], body: String, expect: &'static str| {
        let mut all = BTreeMap::from([
            ("Accept", "application/json, text/event-stream"),
            ("Content-Type", "application/json"),
        ]);
        all.extend(headers.iter().copied());
        Module {
            prober: "http",
            timeout: "10s",
            http: Some(HttpProbe {
                method: "POST",
                headers: all,
                body,
                valid_status_codes: vec![200],
                fail_if_body_not_matches_regexp: vec![expect],
                preferred_ip_protocol: "ip4",
            }),
            tcp: None,
        }
    };
    modules.insert(
        "mcp_discover".to_string(),
        post(
            &[
                ("MCP-Protocol-Version", health::MODERN_VERSION),
                ("Mcp-Method", "server/discover"),
            ],
            health::discover_body(CLIENT),
            r#""supportedVersions""#,
        ),
    );
    modules.insert(
        "mcp_initialize".to_string(),
        post(&[], health::initialize_body(CLIENT), r#""protocolVersion""#),
    );
    for r in stack.gateway.routes.iter().filter(|r| is_sse(r)) {
        modules.insert(
            module(r, None, false),
            sse_module(&r.host, &r.endpoint, "^event: endpoint".into()),
        );
        // Through the gateway the announced endpoint must carry the public prefix.
        modules.insert(
            module(r, None, true),
            sse_module("gateway", &r.path, format!("^data: {}", r.path)),
        );
    }
    modules.insert(
        "gateway_tls".into(),
        tcp_module(TcpProbe {
            preferred_ip_protocol: "ip4",
            tls: true,
            tls_config: Some(TlsConfig {
                server_name: stack.domain.clone(),
                ca_file: (stack.gateway.tls.mode == TlsMode::Local).then_some(BLACKBOX_CA),
            }),
            ..TcpProbe::default()
        }),
    );
    yaml(stack, &Blackbox { modules })
}

// ---------------------------------------------------------------- alerts

#[derive(Serialize)]
struct Rules {
    groups: Vec<Group>,
}

#[derive(Serialize)]
struct Group {
    name: &'static str,
    rules: Vec<AnyRule>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum AnyRule {
    Record(Record),
    Alert(Rule),
}

/// A recording rule: a series computed from others.
#[derive(Serialize)]
struct Record {
    record: &'static str,
    expr: String,
}

/// A target answers MCP when either era's probe succeeds; its latency is that probe's.
fn probe_records() -> Vec<AnyRule> {
    let targets = r#"{probe=~"direct|gateway"}"#;
    vec![
        AnyRule::Record(Record {
            record: PROBE_SUCCESS,
            expr: format!("max without (era, job) (probe_success{targets})"),
        }),
        AnyRule::Record(Record {
            record: PROBE_DURATION,
            expr: format!(
                "min without (era, job) (probe_duration_seconds{targets} and probe_success{targets} == 1)"
            ),
        }),
    ]
}

#[derive(Serialize)]
struct Rule {
    alert: String,
    expr: String,
    #[serde(rename = "for")]
    for_: &'static str,
    labels: BTreeMap<&'static str, String>,
    annotations: BTreeMap<&'static str, String>,
}

fn rule(
    alert: &str,
    expr: String,
    for_: &'static str,
    severity: &str,
    summary: &str,
    description: String,
) -> Rule {
    Rule {
        alert: alert.into(),
        expr,
        for_,
        labels: BTreeMap::from([("severity", severity.to_string())]),
        annotations: BTreeMap::from([
            ("summary", summary.to_string()),
            ("description", description),
        ]),
    }
}

/// Healthy replicas of a server (0 when none is left in DNS).
fn healthy(server: &str) -> String {
    format!(r#"(count({PROBE_SUCCESS}{{probe="direct", server="{server}"}} == 1) or vector(0))"#)
}

pub fn alerts(stack: &Stack, m: &Monitoring) -> Result<String> {
    let mut rules = Vec::new();
    for r in &stack.gateway.routes {
        let mut down = rule(
            "McpServerDown",
            format!("{} == 0", healthy(&r.server)),
            "1m",
            "critical",
            "An MCP server does not answer",
            format!(
                "No replica of `{}` has answered an MCP handshake for a minute.",
                r.server
            ),
        );
        down.labels.insert("server", r.server.clone());
        rules.push(down);
        if r.replicas > 1 {
            let mut degraded = rule(
                "McpServerDegraded",
                format!("{} < {}", healthy(&r.server), r.replicas),
                "2m",
                "warning",
                "An MCP server has lost replicas",
                format!(
                    "Fewer than {} replicas of `{}` answer MCP.",
                    r.replicas, r.server
                ),
            );
            degraded.labels.insert("server", r.server.clone());
            rules.push(degraded);
        }
    }
    rules.push(rule(
        "McpRouteDown",
        format!(r#"{PROBE_SUCCESS}{{probe="gateway"}} == 0"#),
        "1m",
        "critical",
        "An MCP route of the gateway fails",
        "The gateway's route to {{ $labels.server }} has failed its MCP probe for a minute.".into(),
    ));
    rules.push(rule(
        "GatewayDown",
        r#"up{job="nginx"} == 0 or nginx_up == 0 or probe_success{job="gateway-tls"} == 0"#.into(),
        "1m",
        "critical",
        "The gateway is down",
        "nginx or its TLS listener has not answered for a minute.".into(),
    ));
    rules.push(rule(
        "CertificateExpiresSoon",
        r#"(probe_ssl_earliest_cert_expiry{job="gateway-tls"} - time()) / 86400 < 14"#.into(),
        "10m",
        "warning",
        "The gateway's certificate expires soon",
        "The certificate expires in {{ $value | humanize }} days; run `mcpstack certs` (local) or check certbot (acme).".into(),
    ));
    rules.push(rule(
        "ContainerRestarting",
        format!(
            r#"changes(container_start_time_seconds{{container_label_com_docker_compose_project="{}"}}[15m]) > 2"#,
            stack.name
        ),
        "0m",
        "warning",
        "A container keeps restarting",
        "{{ $labels.container_label_com_docker_compose_service }} restarted more than twice in 15 minutes.".into(),
    ));
    rules.push(rule(
        "McpProbeSlow",
        format!(
            r#"{PROBE_DURATION}{{probe=~"direct|gateway"}} > {}"#,
            m.latency_threshold_secs
        ),
        "5m",
        "warning",
        "MCP handshakes are slow",
        format!(
            "The MCP probe of {{{{ $labels.server }}}} ({{{{ $labels.probe }}}}) has taken over {}s for 5 minutes.",
            m.latency_threshold_secs
        ),
    ));
    yaml(
        stack,
        &Rules {
            groups: vec![
                Group {
                    name: "mcpstack-probes",
                    rules: probe_records(),
                },
                Group {
                    name: "mcpstack",
                    rules: rules.into_iter().map(AnyRule::Alert).collect(),
                },
            ],
        },
    )
}

// ---------------------------------------------------------------- Grafana

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Datasources {
    api_version: u8,
    datasources: Vec<Datasource>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Datasource {
    name: &'static str,
    uid: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    access: &'static str,
    url: &'static str,
    is_default: bool,
    editable: bool,
}

pub fn grafana_datasource(stack: &Stack) -> Result<String> {
    yaml(
        stack,
        &Datasources {
            api_version: 1,
            datasources: vec![Datasource {
                name: "Prometheus",
                uid: DATASOURCE_UID,
                kind: "prometheus",
                access: "proxy",
                url: "http://prometheus:9090",
                is_default: true,
                editable: false,
            }],
        },
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Providers {
    api_version: u8,
    providers: Vec<Provider>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Provider {
    name: &'static str,
    folder: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    disable_deletion: bool,
    allow_ui_updates: bool,
    options: BTreeMap<&'static str, &'static str>,
}

/// Where Grafana's container sees the dashboards folder.
pub const DASHBOARDS_DIR: &str = "/etc/grafana/dashboards";

pub fn grafana_provider(stack: &Stack) -> Result<String> {
    yaml(
        stack,
        &Providers {
            api_version: 1,
            providers: vec![Provider {
                name: "mcpstack",
                folder: "MCP",
                kind: "file",
                disable_deletion: true,
                allow_ui_updates: false,
                options: BTreeMap::from([("path", DASHBOARDS_DIR)]),
            }],
        },
    )
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dashboard {
    uid: String,
    title: &'static str,
    description: String,
    tags: Vec<&'static str>,
    editable: bool,
    refresh: &'static str,
    schema_version: u32,
    version: u32,
    time: BTreeMap<&'static str, &'static str>,
    panels: Vec<Panel>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Panel {
    id: u32,
    #[serde(rename = "type")]
    kind: &'static str,
    title: String,
    grid_pos: GridPos,
    #[serde(skip_serializing_if = "Option::is_none")]
    datasource: Option<DatasourceRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    targets: Vec<Target>,
    #[serde(skip_serializing_if = "Option::is_none")]
    field_config: Option<FieldConfig>,
}

#[derive(Serialize)]
struct GridPos {
    h: u32,
    w: u32,
    x: u32,
    y: u32,
}

#[derive(Serialize, Clone)]
struct DatasourceRef {
    #[serde(rename = "type")]
    kind: &'static str,
    uid: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Target {
    datasource: DatasourceRef,
    expr: String,
    legend_format: String,
    ref_id: String,
}

#[derive(Serialize)]
struct FieldConfig {
    defaults: FieldDefaults,
}

#[derive(Serialize)]
struct FieldDefaults {
    unit: &'static str,
}

fn datasource() -> DatasourceRef {
    DatasourceRef {
        kind: "prometheus",
        uid: DATASOURCE_UID,
    }
}

/// A panel with queries; laid out by `Layout`.
struct Spec {
    kind: &'static str,
    title: String,
    unit: &'static str,
    width: u32,
    queries: Vec<(String, String)>,
}

fn spec(
    kind: &'static str,
    title: impl Into<String>,
    unit: &'static str,
    width: u32,
    queries: Vec<(String, String)>,
) -> Spec {
    Spec {
        kind,
        title: title.into(),
        unit,
        width,
        queries,
    }
}

#[derive(Default)]
struct Layout {
    panels: Vec<Panel>,
    x: u32,
    y: u32,
}

impl Layout {
    fn row(&mut self, title: String) {
        if self.x > 0 {
            self.y += 8;
            self.x = 0;
        }
        let id = self.panels.len() as u32 + 1;
        self.panels.push(Panel {
            id,
            kind: "row",
            title,
            grid_pos: GridPos {
                h: 1,
                w: 24,
                x: 0,
                y: self.y,
            },
            datasource: None,
            targets: Vec::new(),
            field_config: None,
        });
        self.y += 1;
    }

    fn add(&mut self, s: Spec) {
        if self.x + s.width > 24 {
            self.y += 8;
            self.x = 0;
        }
        let id = self.panels.len() as u32 + 1;
        let targets = s
            .queries
            .into_iter()
            .enumerate()
            .map(|(i, (expr, legend))| Target {
                datasource: datasource(),
                expr,
                legend_format: legend,
                ref_id: ((b'A' + i as u8) as char).to_string(),
            })
            .collect();
        self.panels.push(Panel {
            id,
            kind: s.kind,
            title: s.title,
            grid_pos: GridPos {
                h: 8,
                w: s.width,
                x: self.x,
                y: self.y,
            },
            datasource: Some(datasource()),
            targets,
            field_config: Some(FieldConfig {
                defaults: FieldDefaults { unit: s.unit },
            }),
        });
        self.x += s.width;
    }
}

fn q(expr: String, legend: &str) -> (String, String) {
    (expr, legend.to_string())
}

/// Every PromQL expression of the dashboard (checked with promtool by the real-tool suite).
pub fn dashboard_queries(stack: &Stack) -> Vec<String> {
    dashboard(stack)
        .panels
        .into_iter()
        .flat_map(|p| p.targets.into_iter().map(|t| t.expr))
        .collect()
}

fn dashboard(stack: &Stack) -> Dashboard {
    let project = &stack.name;
    let mut l = Layout::default();
    l.row("Gateway".into());
    l.add(spec(
        "stat",
        "Certificate: days left",
        "d",
        6,
        vec![q(
            r#"(probe_ssl_earliest_cert_expiry{job="gateway-tls"} - time()) / 86400"#.into(),
            "days",
        )],
    ));
    l.add(spec(
        "timeseries",
        "Requests (all servers)",
        "reqps",
        9,
        vec![q(
            "rate(nginx_http_requests_total[5m])".into(),
            "requests/s",
        )],
    ));
    l.add(spec(
        "timeseries",
        "Connections",
        "short",
        9,
        vec![
            q("nginx_connections_active".into(), "active"),
            q("nginx_connections_waiting".into(), "waiting"),
        ],
    ));
    for r in &stack.gateway.routes {
        let s = &r.server;
        let svc = format!(
            r#"container_label_com_docker_compose_project="{project}", container_label_com_docker_compose_service="{s}""#
        );
        l.row(format!("Server {s} ({})", r.path));
        l.add(spec(
            "stat",
            "Replicas answering MCP",
            "short",
            4,
            vec![q(healthy(s), "healthy")],
        ));
        l.add(spec(
            "stat",
            "Through the gateway",
            "bool_on_off",
            4,
            vec![q(
                format!(r#"{PROBE_SUCCESS}{{probe="gateway", server="{s}"}}"#),
                "route",
            )],
        ));
        l.add(spec(
            "timeseries",
            "MCP handshake latency",
            "s",
            8,
            vec![
                q(
                    format!(r#"{PROBE_DURATION}{{probe="direct", server="{s}"}}"#),
                    "{{instance}}",
                ),
                q(
                    format!(r#"{PROBE_DURATION}{{probe="gateway", server="{s}"}}"#),
                    "through the gateway",
                ),
            ],
        ));
        l.add(spec(
            "timeseries",
            "Network (bytes/s)",
            "Bps",
            8,
            vec![
                q(
                    format!("sum(rate(container_network_receive_bytes_total{{{svc}}}[5m]))"),
                    "in",
                ),
                q(
                    format!("sum(rate(container_network_transmit_bytes_total{{{svc}}}[5m]))"),
                    "out",
                ),
            ],
        ));
        l.add(spec(
            "timeseries",
            "CPU (cores)",
            "short",
            12,
            vec![q(
                format!("sum by (name) (rate(container_cpu_usage_seconds_total{{{svc}}}[5m]))"),
                "{{name}}",
            )],
        ));
        l.add(spec(
            "timeseries",
            "Memory",
            "bytes",
            12,
            vec![q(
                format!("sum by (name) (container_memory_working_set_bytes{{{svc}}})"),
                "{{name}}",
            )],
        ));
    }
    Dashboard {
        uid: format!("mcpstack-{project}"),
        title: "MCP stack",
        description: format!("Generated by mcpstack from {}", stack.config_file),
        tags: vec!["mcp", "mcpstack"],
        editable: false,
        refresh: "30s",
        schema_version: 39,
        version: 1,
        time: BTreeMap::from([("from", "now-6h"), ("to", "now")]),
        panels: l.panels,
    }
}

pub fn grafana_dashboard(stack: &Stack) -> Result<String> {
    Ok(serde_json::to_string_pretty(&dashboard(stack))? + "\n")
}
