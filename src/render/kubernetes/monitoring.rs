//! Monitoring in the cluster: the same Prometheus configuration, rules and blackbox modules as
//! Compose, except that Prometheus finds each server's pods through the Kubernetes API (pod
//! discovery in the stack's namespace, kept by the app.kubernetes.io labels). Not
//! ServiceMonitors: those need the Prometheus Operator's custom resources in the cluster, and
//! this base needs nothing installed. Grafana is provisioned as in Compose.

use super::{hardened, pod_security, secrets_name, tls_name, value, Generator, DIR};
use crate::config::TlsMode;
use crate::model::{cluster, Monitoring, Stack, GATEWAY_HTTPS_PORT, GATEWAY_INTERNAL_PORT};
use crate::render::monitoring as files;
use crate::render::File;
use anyhow::Result;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, EnvVarSource,
    HTTPGetAction, KeyToPath, PersistentVolumeClaim, PersistentVolumeClaimSpec,
    PersistentVolumeClaimVolumeSource, PodSpec, PodTemplateSpec, Probe, SecretKeySelector,
    SecretVolumeSource, Service, ServiceAccount, ServicePort, ServiceSpec, Volume, VolumeMount,
    VolumeResourceRequirements,
};
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

const PROMETHEUS: &str = "prometheus";
const BLACKBOX: &str = "blackbox-exporter";
const NGINX_EXPORTER: &str = "nginx-exporter";
const GRAFANA: &str = "grafana";
/// The images' own unprivileged users.
const NOBODY: i64 = 65534;
const GRAFANA_UID: i64 = 472;

/// The connections monitoring makes: (from, to, port).
pub(super) fn paths(stack: &Stack) -> Vec<(&'static str, String, u16)> {
    let mut paths = vec![
        (PROMETHEUS, BLACKBOX.to_string(), 9115),
        (PROMETHEUS, NGINX_EXPORTER.to_string(), 9113),
        (GRAFANA, PROMETHEUS.to_string(), 9090),
        (
            NGINX_EXPORTER,
            super::gateway::NAME.to_string(),
            GATEWAY_INTERNAL_PORT,
        ),
        (
            BLACKBOX,
            super::gateway::NAME.to_string(),
            GATEWAY_INTERNAL_PORT,
        ),
        (
            BLACKBOX,
            super::gateway::NAME.to_string(),
            GATEWAY_HTTPS_PORT,
        ),
    ];
    for r in &stack.gateway.routes {
        paths.push((BLACKBOX, r.server.clone(), r.port));
    }
    paths
}

/// Prometheus reaches the Kubernetes API (pod discovery): the API server's address is the
/// cluster's, so the rule allows its usual ports anywhere.
pub(super) fn api_egress(stack: &Stack) -> Option<NetworkPolicy> {
    stack.monitoring.as_ref()?;
    let port = |p: i32| NetworkPolicyPort {
        protocol: Some("TCP".into()),
        port: Some(IntOrString::Int(p)),
        ..Default::default()
    };
    Some(NetworkPolicy {
        metadata: ObjectMeta {
            name: Some("prometheus-kubernetes-api".into()),
            labels: Some(cluster::labels(stack, PROMETHEUS, "network-policy")),
            ..Default::default()
        },
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(LabelSelector {
                match_labels: Some(cluster::selector(stack, PROMETHEUS)),
                ..Default::default()
            }),
            policy_types: Some(vec!["Egress".into()]),
            egress: Some(vec![NetworkPolicyEgressRule {
                to: None,
                ports: Some(vec![port(443), port(6443)]),
            }]),
            ..Default::default()
        }),
    })
}

/// The configuration files, rendered from the cluster's view of the stack.
pub(super) fn config_files(stack: &Stack, m: &Monitoring) -> Result<Vec<File>> {
    let view = cluster::kubernetes_view(stack);
    let m = view.monitoring.as_ref().unwrap_or(m);
    Ok(vec![
        File::new(
            format!("{DIR}/prometheus/prometheus.yml"),
            files::prometheus(&view)?,
        ),
        File::new(
            format!("{DIR}/prometheus/alerts.yml"),
            files::alerts(&view, m)?,
        ),
        File::new(
            format!("{DIR}/prometheus/blackbox.yml"),
            files::blackbox(&view)?,
        ),
        File::new(
            format!("{DIR}/grafana/datasources/prometheus.yml"),
            files::grafana_datasource(&view)?,
        ),
        File::new(
            format!("{DIR}/grafana/providers/mcpstack.yml"),
            files::grafana_provider(&view)?,
        ),
        File::new(
            format!("{DIR}/grafana/dashboards/mcp-stack.json"),
            files::grafana_dashboard(&view)?,
        ),
    ])
}

pub(super) fn generators(_stack: &Stack) -> Vec<Generator> {
    let g = |name: &str, files: &[&str]| Generator {
        name: name.into(),
        files: files.iter().map(|f| f.to_string()).collect(),
    };
    vec![
        g("blackbox-config", &["prometheus/blackbox.yml"]),
        g("grafana-dashboards", &["grafana/dashboards/mcp-stack.json"]),
        g(
            "grafana-datasources",
            &["grafana/datasources/prometheus.yml"],
        ),
        g("grafana-providers", &["grafana/providers/mcpstack.yml"]),
        g(
            "prometheus-config",
            &["prometheus/alerts.yml", "prometheus/prometheus.yml"],
        ),
    ]
}

/// One monitoring workload: what it runs and mounts.
struct Spec<'a> {
    name: &'static str,
    image: &'a str,
    args: Vec<String>,
    port: u16,
    uid: i64,
    env: Vec<EnvVar>,
    /// (volume, mount path, the one file of it mounted there)
    volumes: Vec<(Volume, String, Option<&'static str>)>,
    service_account: bool,
    /// The path its readiness and liveness probes GET.
    health: &'static str,
}

pub(super) fn objects(stack: &Stack) -> Result<Vec<serde_yaml::Value>> {
    let Some(m) = &stack.monitoring else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    let meta = |name: &str, of: &str| ObjectMeta {
        name: Some(name.to_string()),
        labels: Some(cluster::labels(stack, of, "monitoring")),
        ..Default::default()
    };
    out.push(value(&ServiceAccount {
        metadata: meta(PROMETHEUS, PROMETHEUS),
        automount_service_account_token: Some(true),
        ..Default::default()
    })?);
    out.push(value(&Role {
        metadata: meta(PROMETHEUS, PROMETHEUS),
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec![String::new()]),
            resources: Some(vec!["pods".into()]),
            verbs: vec!["get".into(), "list".into(), "watch".into()],
            ..Default::default()
        }]),
    })?);
    out.push(value(&RoleBinding {
        metadata: meta(PROMETHEUS, PROMETHEUS),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: PROMETHEUS.into(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: PROMETHEUS.into(),
            namespace: Some(cluster::namespace(stack).to_string()),
            ..Default::default()
        }]),
    })?);
    for (name, size) in [("prometheus-data", "10Gi"), ("grafana-data", "1Gi")] {
        out.push(value(&PersistentVolumeClaim {
            metadata: meta(name, name.trim_end_matches("-data")),
            spec: Some(PersistentVolumeClaimSpec {
                access_modes: Some(vec!["ReadWriteOnce".into()]),
                resources: Some(VolumeResourceRequirements {
                    requests: Some(BTreeMap::from([(
                        "storage".to_string(),
                        Quantity(size.into()),
                    )])),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        })?);
    }
    let config = |name: &str| Volume {
        name: name.into(),
        config_map: Some(ConfigMapVolumeSource {
            name: name.into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let claim = |volume: &str, claim: &str| Volume {
        name: volume.into(),
        persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
            claim_name: claim.into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut blackbox_volumes = vec![(
        config("blackbox-config"),
        "/etc/blackbox/blackbox.yml".to_string(),
        Some("blackbox.yml"),
    )];
    if stack.gateway.tls.mode == TlsMode::Local {
        // The local chain ends with the CA: the TLS probe trusts it.
        blackbox_volumes.push((
            Volume {
                name: "ca".into(),
                secret: Some(SecretVolumeSource {
                    secret_name: Some(tls_name(stack)),
                    items: Some(vec![KeyToPath {
                        key: "tls.crt".into(),
                        path: "ca.pem".into(),
                        ..Default::default()
                    }]),
                    ..Default::default()
                }),
                ..Default::default()
            },
            files::BLACKBOX_CA.into(),
            Some("ca.pem"),
        ));
    }
    let specs = [
        Spec {
            name: PROMETHEUS,
            image: &stack.images.prometheus,
            args: vec![
                "--config.file=/etc/prometheus/prometheus.yml".into(),
                "--storage.tsdb.path=/prometheus".into(),
                format!("--storage.tsdb.retention.time={}", m.retention),
                "--web.listen-address=:9090".into(),
            ],
            port: 9090,
            uid: NOBODY,
            env: Vec::new(),
            volumes: vec![
                (config("prometheus-config"), "/etc/prometheus".into(), None),
                (claim("data", "prometheus-data"), "/prometheus".into(), None),
            ],
            service_account: true,
            health: "/-/ready",
        },
        Spec {
            name: BLACKBOX,
            image: &stack.images.blackbox_exporter,
            args: vec!["--config.file=/etc/blackbox/blackbox.yml".into()],
            port: 9115,
            uid: NOBODY,
            env: Vec::new(),
            volumes: blackbox_volumes,
            service_account: false,
            health: "/-/healthy",
        },
        Spec {
            name: NGINX_EXPORTER,
            image: &stack.images.nginx_exporter,
            args: vec![format!(
                "--nginx.scrape-uri=http://gateway:{GATEWAY_INTERNAL_PORT}/stub_status"
            )],
            port: 9113,
            uid: NOBODY,
            env: Vec::new(),
            volumes: Vec::new(),
            service_account: false,
            health: "/metrics",
        },
        Spec {
            name: GRAFANA,
            image: &stack.images.grafana,
            args: Vec::new(),
            port: 3000,
            uid: GRAFANA_UID,
            env: grafana_env(stack, m),
            volumes: vec![
                (
                    config("grafana-datasources"),
                    "/etc/grafana/provisioning/datasources".into(),
                    None,
                ),
                (
                    config("grafana-providers"),
                    "/etc/grafana/provisioning/dashboards".into(),
                    None,
                ),
                (
                    config("grafana-dashboards"),
                    files::DASHBOARDS_DIR.into(),
                    None,
                ),
                (
                    claim("data", "grafana-data"),
                    "/var/lib/grafana".into(),
                    None,
                ),
            ],
            service_account: false,
            health: "/api/health",
        },
    ];
    for spec in specs {
        out.extend(workload(stack, spec)?);
    }
    Ok(out)
}

fn grafana_env(stack: &Stack, m: &Monitoring) -> Vec<EnvVar> {
    let plain = |name: &str, v: &str| EnvVar {
        name: name.into(),
        value: Some(v.into()),
        ..Default::default()
    };
    vec![
        plain("GF_ANALYTICS_CHECK_FOR_UPDATES", "false"),
        plain("GF_ANALYTICS_REPORTING_ENABLED", "false"),
        plain("GF_AUTH_ANONYMOUS_ENABLED", "false"),
        EnvVar {
            name: "GF_SECURITY_ADMIN_PASSWORD".into(),
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: secrets_name(stack),
                    key: m.grafana_password_env.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        },
        plain("GF_USERS_ALLOW_SIGN_UP", "false"),
    ]
}

fn workload(stack: &Stack, spec: Spec) -> Result<Vec<serde_yaml::Value>> {
    let labels = cluster::labels(stack, spec.name, "monitoring");
    let meta = ObjectMeta {
        name: Some(spec.name.into()),
        labels: Some(labels.clone()),
        ..Default::default()
    };
    let probe = |period: i32| Probe {
        http_get: Some(HTTPGetAction {
            path: Some(spec.health.into()),
            port: IntOrString::String("http".into()),
            ..Default::default()
        }),
        period_seconds: Some(period),
        timeout_seconds: Some(5),
        failure_threshold: Some(3),
        ..Default::default()
    };
    let mut volumes = vec![Volume {
        name: "tmp".into(),
        empty_dir: Some(EmptyDirVolumeSource {
            medium: Some("Memory".into()),
            ..Default::default()
        }),
        ..Default::default()
    }];
    let mut mounts = vec![VolumeMount {
        name: "tmp".into(),
        mount_path: "/tmp".into(),
        ..Default::default()
    }];
    for (v, path, file) in spec.volumes {
        mounts.push(VolumeMount {
            name: v.name.clone(),
            mount_path: path,
            sub_path: file.map(String::from),
            read_only: (v.persistent_volume_claim.is_none()).then_some(true),
            ..Default::default()
        });
        volumes.push(v);
    }
    let deployment = Deployment {
        metadata: meta.clone(),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            // Its data volume is ReadWriteOnce: the old pod goes before the new one starts.
            strategy: Some(k8s_openapi::api::apps::v1::DeploymentStrategy {
                type_: Some("Recreate".into()),
                ..Default::default()
            }),
            selector: LabelSelector {
                match_labels: Some(cluster::selector(stack, spec.name)),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    service_account_name: spec.service_account.then(|| PROMETHEUS.into()),
                    automount_service_account_token: Some(spec.service_account),
                    security_context: Some(pod_security(spec.uid)),
                    containers: vec![Container {
                        name: spec.name.into(),
                        image: Some(spec.image.into()),
                        image_pull_policy: Some("IfNotPresent".into()),
                        args: (!spec.args.is_empty()).then_some(spec.args),
                        env: (!spec.env.is_empty()).then_some(spec.env),
                        ports: Some(vec![ContainerPort {
                            name: Some("http".into()),
                            container_port: spec.port.into(),
                            ..Default::default()
                        }]),
                        readiness_probe: Some(probe(10)),
                        liveness_probe: Some(probe(30)),
                        security_context: Some(hardened(spec.uid)),
                        volume_mounts: Some(mounts),
                        ..Default::default()
                    }],
                    volumes: Some(volumes),
                    ..Default::default()
                }),
            },
            ..Default::default()
        }),
        ..Default::default()
    };
    let service = Service {
        metadata: meta,
        spec: Some(ServiceSpec {
            selector: Some(cluster::selector(stack, spec.name)),
            ports: Some(vec![ServicePort {
                name: Some("http".into()),
                port: spec.port.into(),
                target_port: Some(IntOrString::String("http".into())),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    };
    Ok(vec![value(&deployment)?, value(&service)?])
}
