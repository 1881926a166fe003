//! The gateway: the same nginx.conf as Compose (upstreams named by their Services, the
//! cluster's DNS as resolver) from a ConfigMap, in its own Deployment behind a LoadBalancer
//! Service, with its certificate from a Secret (a cert-manager `Certificate` with ACME).

use super::{hardened, pod_security, tls_name, value, Generator, DIR};
use crate::config::TlsMode;
use crate::model::{cluster, Stack, GATEWAY_HTTPS_PORT, GATEWAY_HTTP_PORT, GATEWAY_INTERNAL_PORT};
use crate::render::{nginx, File, Templates};
use anyhow::Result;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    ConfigMapVolumeSource, Container, ContainerPort, EmptyDirVolumeSource, EnvVar, EnvVarSource,
    HTTPGetAction, KeyToPath, PodSpec, PodTemplateSpec, Probe, SecretKeySelector,
    SecretVolumeSource, Service, ServicePort, ServiceSpec, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Serialize;

pub const NAME: &str = "gateway";
/// The LoadBalancer Service that publishes the gateway (absent with `publish: false`).
pub const PUBLIC: &str = "gateway-public";
/// The ConfigMap kustomize makes from the gateway's files.
const CONFIG: &str = "gateway-config";
/// The nginx user of the official images (Debian and Alpine): the gateway runs as it.
const NGINX_UID: i64 = 101;

/// `gateway/nginx.conf` and `gateway/entrypoint.sh`, rendered for the cluster.
pub(super) fn config_files(stack: &Stack, templates: &Templates) -> Result<Vec<File>> {
    let view = cluster::kubernetes_view(stack);
    Ok(vec![
        File::new(
            format!("{DIR}/gateway/nginx.conf"),
            nginx::render(&view, templates)?,
        ),
        File::new(
            format!("{DIR}/gateway/entrypoint.sh"),
            nginx::entrypoint(&view, templates)?,
        ),
    ])
}

pub(super) fn generator(_stack: &Stack) -> Generator {
    Generator {
        name: CONFIG.into(),
        files: vec!["gateway/entrypoint.sh".into(), "gateway/nginx.conf".into()],
    }
}

pub(super) fn objects(stack: &Stack) -> Result<Vec<serde_yaml::Value>> {
    let g = &stack.gateway;
    let labels = cluster::labels(stack, NAME, "gateway");
    let meta = |name: &str| ObjectMeta {
        name: Some(name.to_string()),
        labels: Some(labels.clone()),
        ..Default::default()
    };
    let mut out = Vec::new();
    if g.tls.mode == TlsMode::Acme {
        out.push(value(&Certificate {
            api_version: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: meta(&tls_name(stack)),
            spec: CertificateSpec {
                secret_name: tls_name(stack),
                dns_names: g.tls.acme_names.clone(),
                issuer_ref: IssuerRef {
                    kind: "ClusterIssuer",
                    name: ISSUER.into(),
                },
            },
        })?);
    }
    let env = g.auth_tokens_env.as_ref().map(|var| {
        vec![EnvVar {
            name: var.clone(),
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: super::secrets_name(stack),
                    key: var.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        }]
    });
    let mut volumes = vec![
        Volume {
            name: "config".into(),
            config_map: Some(ConfigMapVolumeSource {
                name: CONFIG.into(),
                ..Default::default()
            }),
            ..Default::default()
        },
        Volume {
            name: "certs".into(),
            secret: Some(SecretVolumeSource {
                secret_name: Some(tls_name(stack)),
                // The key is readable by the nginx group only.
                default_mode: Some(0o440),
                items: Some(vec![
                    KeyToPath {
                        key: "tls.crt".into(),
                        path: "fullchain.pem".into(),
                        ..Default::default()
                    },
                    KeyToPath {
                        key: "tls.key".into(),
                        path: "privkey.pem".into(),
                        ..Default::default()
                    },
                ]),
                ..Default::default()
            }),
            ..Default::default()
        },
    ];
    let mut mounts = vec![
        VolumeMount {
            name: "config".into(),
            mount_path: "/etc/nginx/mcpstack".into(),
            read_only: Some(true),
            ..Default::default()
        },
        VolumeMount {
            name: "certs".into(),
            mount_path: "/etc/nginx/certs".into(),
            read_only: Some(true),
            ..Default::default()
        },
    ];
    for (i, dir) in ["/tmp", "/run", "/var/cache/nginx", "/var/lib/nginx"]
        .into_iter()
        .enumerate()
    {
        volumes.push(Volume {
            name: format!("tmp-{i}"),
            empty_dir: Some(EmptyDirVolumeSource {
                medium: Some("Memory".into()),
                ..Default::default()
            }),
            ..Default::default()
        });
        mounts.push(VolumeMount {
            name: format!("tmp-{i}"),
            mount_path: dir.into(),
            ..Default::default()
        });
    }
    let health = |period: i32| Probe {
        http_get: Some(HTTPGetAction {
            path: Some("/health".into()),
            port: IntOrString::String("http".into()),
            ..Default::default()
        }),
        period_seconds: Some(period),
        timeout_seconds: Some(5),
        failure_threshold: Some(3),
        ..Default::default()
    };
    out.push(value(&Deployment {
        metadata: meta(NAME),
        spec: Some(DeploymentSpec {
            replicas: Some(1),
            selector: LabelSelector {
                match_labels: Some(cluster::selector(stack, NAME)),
                ..Default::default()
            },
            template: PodTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels.clone()),
                    ..Default::default()
                }),
                spec: Some(PodSpec {
                    automount_service_account_token: Some(false),
                    security_context: Some(pod_security(NGINX_UID)),
                    containers: vec![Container {
                        name: NAME.into(),
                        image: Some(stack.images.nginx.clone()),
                        image_pull_policy: Some("IfNotPresent".into()),
                        command: Some(vec![
                            "/bin/sh".into(),
                            "/etc/nginx/mcpstack/entrypoint.sh".into(),
                        ]),
                        env,
                        ports: Some(ports(stack)),
                        readiness_probe: Some(health(10)),
                        liveness_probe: Some(health(30)),
                        // Unprivileged ports and temp paths under /tmp: nginx needs no root.
                        security_context: Some(hardened(NGINX_UID)),
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
    })?);
    // Inside the cluster (monitoring's probes too): the container's own ports.
    let mut inside = vec![
        service_port("http", GATEWAY_HTTP_PORT, "http"),
        service_port("https", GATEWAY_HTTPS_PORT, "https"),
    ];
    if stack.monitoring.is_some() {
        inside.push(service_port("internal", GATEWAY_INTERNAL_PORT, "internal"));
    }
    out.push(value(&Service {
        metadata: meta(NAME),
        spec: Some(ServiceSpec {
            selector: Some(cluster::selector(stack, NAME)),
            ports: Some(inside),
            ..Default::default()
        }),
        ..Default::default()
    })?);
    // Outside: the load balancer on `http_port` and `https_port` (never the internal port).
    if g.publish {
        out.push(value(&Service {
            metadata: meta(PUBLIC),
            spec: Some(ServiceSpec {
                type_: Some("LoadBalancer".into()),
                // Keep the client's address: rate limits and client affinity key on it.
                external_traffic_policy: Some("Local".into()),
                selector: Some(cluster::selector(stack, NAME)),
                ports: Some(vec![
                    service_port("http", g.http_port, "http"),
                    service_port("https", g.https_port, "https"),
                ]),
                ..Default::default()
            }),
            ..Default::default()
        })?);
    }
    Ok(out)
}

/// The cert-manager issuer an ACME Certificate names; the team creates it (README).
pub const ISSUER: &str = "letsencrypt";

fn ports(stack: &Stack) -> Vec<ContainerPort> {
    let mut ports = vec![
        port("http", GATEWAY_HTTP_PORT),
        port("https", GATEWAY_HTTPS_PORT),
    ];
    if stack.monitoring.is_some() {
        ports.push(port("internal", GATEWAY_INTERNAL_PORT));
    }
    ports
}

fn port(name: &str, port: u16) -> ContainerPort {
    ContainerPort {
        name: Some(name.into()),
        container_port: port.into(),
        ..Default::default()
    }
}

fn service_port(name: &str, port: u16, target: &str) -> ServicePort {
    ServicePort {
        name: Some(name.into()),
        port: port.into(),
        target_port: Some(IntOrString::String(target.into())),
        ..Default::default()
    }
}

/// cert-manager's Certificate (a custom resource, so not in k8s-openapi).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Certificate {
    api_version: &'static str,
    kind: &'static str,
    metadata: ObjectMeta,
    spec: CertificateSpec,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CertificateSpec {
    secret_name: String,
    dns_names: Vec<String>,
    issuer_ref: IssuerRef,
}

#[derive(Serialize)]
struct IssuerRef {
    kind: &'static str,
    name: String,
}
