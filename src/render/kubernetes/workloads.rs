//! One server or service: its ConfigMap of plain values, its Deployment (a StatefulSet when
//! its replicas must be told apart), its Services, and a PodDisruptionBudget and a
//! HorizontalPodAutoscaler where they apply.

use super::{runtime_default, secrets_name, value};
use crate::model::{cluster, Component, Health, ImageSource, Stack, APP_UID, DOCKER_SOCKET};
use crate::render::health;
use anyhow::Result;
use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::autoscaling::v2::{
    CrossVersionObjectReference, HorizontalPodAutoscaler, HorizontalPodAutoscalerSpec, MetricSpec,
    MetricTarget, ResourceMetricSource,
};
use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMap, ConfigMapEnvSource, Container, ContainerPort, EmptyDirVolumeSource,
    EnvFromSource, EnvVar, EnvVarSource, ExecAction, HostPathVolumeSource, PersistentVolumeClaim,
    PersistentVolumeClaimSpec, PersistentVolumeClaimVolumeSource, PodSecurityContext, PodSpec,
    PodTemplateSpec, Probe, ResourceRequirements, SecretKeySelector, SecurityContext, Service,
    ServicePort, ServiceSpec, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::BTreeMap;

/// Every object of one component, in a fixed order.
pub(super) fn component(stack: &Stack, comp: &Component) -> Result<Vec<serde_yaml::Value>> {
    let mut out = Vec::new();
    if !comp.env.is_empty() {
        out.push(value(&ConfigMap {
            metadata: meta(stack, &env_name(&comp.name), comp),
            data: Some(comp.env.clone()),
            ..Default::default()
        })?);
    }
    let template = pod_template(stack, comp);
    let selector = LabelSelector {
        match_labels: Some(cluster::selector(stack, &comp.name)),
        ..Default::default()
    };
    let replicas = comp.autoscale.is_none().then_some(comp.replicas as i32);
    if cluster::needs_stable_names(comp, stack) {
        out.push(value(&StatefulSet {
            metadata: meta(stack, &comp.name, comp),
            spec: Some(StatefulSetSpec {
                replicas,
                selector,
                service_name: Some(cluster::headless(&comp.name)),
                // Replicas are independent: start and replace them all at once.
                pod_management_policy: Some("Parallel".into()),
                template,
                ..Default::default()
            }),
            ..Default::default()
        })?);
    } else {
        out.push(value(&Deployment {
            metadata: meta(stack, &comp.name, comp),
            spec: Some(DeploymentSpec {
                replicas,
                selector,
                template,
                ..Default::default()
            }),
            ..Default::default()
        })?);
    }
    if let Some(port) = comp.port {
        out.push(value(&service(stack, comp, &comp.name, port, false))?);
        if cluster::needs_stable_names(comp, stack) {
            out.push(value(&service(
                stack,
                comp,
                &cluster::headless(&comp.name),
                port,
                true,
            ))?);
        }
    }
    let most = comp.autoscale.map_or(comp.replicas, |a| a.min);
    if most > 1 {
        out.push(value(&PodDisruptionBudget {
            metadata: meta(stack, &comp.name, comp),
            spec: Some(PodDisruptionBudgetSpec {
                max_unavailable: Some(IntOrString::Int(1)),
                selector: Some(LabelSelector {
                    match_labels: Some(cluster::selector(stack, &comp.name)),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        })?);
    }
    if let Some(a) = comp.autoscale {
        out.push(value(&HorizontalPodAutoscaler {
            metadata: meta(stack, &comp.name, comp),
            spec: Some(HorizontalPodAutoscalerSpec {
                scale_target_ref: CrossVersionObjectReference {
                    api_version: Some("apps/v1".into()),
                    kind: "Deployment".into(),
                    name: comp.name.clone(),
                },
                min_replicas: Some(a.min as i32),
                max_replicas: a.max as i32,
                metrics: Some(vec![MetricSpec {
                    type_: "Resource".into(),
                    resource: Some(ResourceMetricSource {
                        name: "cpu".into(),
                        target: MetricTarget {
                            type_: "Utilization".into(),
                            average_utilization: Some(a.cpu_percent as i32),
                            ..Default::default()
                        },
                    }),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        })?);
    }
    Ok(out)
}

/// The ConfigMap of a component's plain `env` values.
pub(super) fn env_name(name: &str) -> String {
    format!("{name}-env")
}

/// A PersistentVolumeClaim per named volume (shared by the workloads that mount it, as in
/// Compose) and per host folder (which a cluster cannot mount: it starts empty).
pub(super) fn volumes(stack: &Stack) -> Result<Vec<serde_yaml::Value>> {
    let mut claims = BTreeMap::new();
    for comp in &stack.components {
        for (i, m) in comp.mounts.iter().enumerate() {
            let name = claim_name(comp, i);
            claims
                .entry(name.clone())
                .or_insert_with(|| PersistentVolumeClaim {
                    metadata: ObjectMeta {
                        name: Some(name),
                        labels: Some(cluster::labels(
                            stack,
                            if m.named { &m.source } else { &comp.name },
                            "storage",
                        )),
                        ..Default::default()
                    },
                    spec: Some(PersistentVolumeClaimSpec {
                        access_modes: Some(vec!["ReadWriteOnce".into()]),
                        resources: Some(VolumeResourceRequirements {
                            requests: Some(BTreeMap::from([(
                                "storage".to_string(),
                                Quantity("1Gi".into()),
                            )])),
                            ..Default::default()
                        }),
                        ..Default::default()
                    }),
                    ..Default::default()
                });
        }
    }
    claims.into_values().map(|c| value(&c)).collect()
}

/// A named volume keeps its name; a host folder gets `<component>-data-<n>`.
fn claim_name(comp: &Component, index: usize) -> String {
    let m = &comp.mounts[index];
    if m.named {
        m.source.clone()
    } else {
        format!("{}-data-{index}", comp.name)
    }
}

fn meta(stack: &Stack, name: &str, comp: &Component) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        labels: Some(cluster::labels(stack, &comp.name, role(comp))),
        ..Default::default()
    }
}

fn role(comp: &Component) -> &'static str {
    match comp.role {
        crate::model::Role::Server => "server",
        crate::model::Role::Service => "service",
    }
}

fn service(stack: &Stack, comp: &Component, name: &str, port: u16, headless: bool) -> Service {
    Service {
        metadata: meta(stack, name, comp),
        spec: Some(ServiceSpec {
            selector: Some(cluster::selector(stack, &comp.name)),
            ports: Some(vec![ServicePort {
                name: Some("http".into()),
                port: port.into(),
                target_port: Some(IntOrString::String("http".into())),
                ..Default::default()
            }]),
            // Headless: DNS answers with every pod, ready or not, so the gateway can hash
            // clients over the replicas from the start.
            cluster_ip: headless.then(|| "None".into()),
            publish_not_ready_addresses: headless.then_some(true),
            ..Default::default()
        }),
        ..Default::default()
    }
}

fn pod_template(stack: &Stack, comp: &Component) -> PodTemplateSpec {
    let mut volumes = Vec::new();
    let mut mounts = Vec::new();
    for (i, dir) in comp.hardening.tmpfs.iter().enumerate() {
        let name = format!("tmp-{i}");
        volumes.push(Volume {
            name: name.clone(),
            empty_dir: Some(EmptyDirVolumeSource {
                medium: Some("Memory".into()),
                ..Default::default()
            }),
            ..Default::default()
        });
        mounts.push(VolumeMount {
            name,
            mount_path: dir.split(':').next().unwrap_or(dir).to_string(),
            ..Default::default()
        });
    }
    for (i, m) in comp.mounts.iter().enumerate() {
        let name = format!("data-{i}");
        volumes.push(Volume {
            name: name.clone(),
            persistent_volume_claim: Some(PersistentVolumeClaimVolumeSource {
                claim_name: claim_name(comp, i),
                read_only: m.read_only.then_some(true),
            }),
            ..Default::default()
        });
        mounts.push(VolumeMount {
            name,
            mount_path: m.target.clone(),
            read_only: m.read_only.then_some(true),
            ..Default::default()
        });
    }
    if comp.docker_socket {
        volumes.push(Volume {
            name: "docker-socket".into(),
            host_path: Some(HostPathVolumeSource {
                path: DOCKER_SOCKET.into(),
                type_: Some("Socket".into()),
            }),
            ..Default::default()
        });
        mounts.push(VolumeMount {
            name: "docker-socket".into(),
            mount_path: DOCKER_SOCKET.into(),
            read_only: Some(true),
            ..Default::default()
        });
    }
    let (uid, gid) = run_as(comp);
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(cluster::labels(stack, &comp.name, role(comp))),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            automount_service_account_token: Some(false),
            security_context: Some(PodSecurityContext {
                run_as_non_root: Some(uid != Some(0)),
                fs_group: gid,
                seccomp_profile: Some(runtime_default()),
                ..Default::default()
            }),
            containers: vec![container(stack, comp, mounts, uid, gid)],
            volumes: (!volumes.is_empty()).then_some(volumes),
            ..Default::default()
        }),
    }
}

/// The user a container runs as: `user:` if set, else UID 10001 in images mcpstack builds,
/// else the image's own (then only `runAsNonRoot` holds it to a non-root user).
fn run_as(comp: &Component) -> (Option<i64>, Option<i64>) {
    if let Some(user) = &comp.hardening.user {
        let mut parts = user.splitn(2, ':');
        let uid = parts.next().and_then(|u| u.parse().ok());
        let gid = parts.next().and_then(|g| g.parse().ok()).or(uid);
        return (uid, gid);
    }
    match comp.image {
        ImageSource::Prebuilt { .. } | ImageSource::OwnDockerfile { .. } => (None, None),
        _ => (Some(APP_UID as i64), Some(APP_UID as i64)),
    }
}

fn container(
    stack: &Stack,
    comp: &Component,
    mounts: Vec<VolumeMount>,
    uid: Option<i64>,
    gid: Option<i64>,
) -> Container {
    let secrets = secrets_name(stack);
    let env: Vec<EnvVar> = comp
        .secrets
        .iter()
        .map(|s| EnvVar {
            name: s.clone(),
            value_from: Some(EnvVarSource {
                secret_key_ref: Some(SecretKeySelector {
                    name: secrets.clone(),
                    key: s.clone(),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        })
        .collect();
    let probe = |period: i32| {
        exec_probe(comp).map(|command| Probe {
            exec: Some(ExecAction {
                command: Some(command),
            }),
            period_seconds: Some(period),
            timeout_seconds: Some(10),
            failure_threshold: Some(3),
            ..Default::default()
        })
    };
    Container {
        name: comp.name.clone(),
        image: Some(cluster::image(comp)),
        image_pull_policy: Some("IfNotPresent".into()),
        // The command replaces the image's CMD, as in Compose; images mcpstack renders carry
        // theirs.
        args: match comp.image {
            ImageSource::Prebuilt { .. } | ImageSource::OwnDockerfile { .. } => {
                comp.command.clone()
            }
            _ => None,
        },
        ports: comp.port.map(|p| {
            vec![ContainerPort {
                name: Some("http".into()),
                container_port: p.into(),
                ..Default::default()
            }]
        }),
        env_from: (!comp.env.is_empty()).then(|| {
            vec![EnvFromSource {
                config_map_ref: Some(ConfigMapEnvSource {
                    name: env_name(&comp.name),
                    ..Default::default()
                }),
                ..Default::default()
            }]
        }),
        env: (!env.is_empty()).then_some(env),
        resources: resources(comp),
        // Ready once it answers; restarted when it stops answering for 3 checks in a row.
        readiness_probe: probe(10),
        liveness_probe: probe(30).map(|p| Probe {
            initial_delay_seconds: Some(30),
            ..p
        }),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            privileged: Some(false),
            read_only_root_filesystem: Some(comp.hardening.read_only),
            run_as_non_root: Some(uid != Some(0)),
            run_as_user: uid,
            run_as_group: gid,
            capabilities: Some(Capabilities {
                drop: Some(vec!["ALL".into()]),
                add: (!comp.hardening.cap_add.is_empty()).then(|| comp.hardening.cap_add.clone()),
            }),
            seccomp_profile: Some(runtime_default()),
            ..Default::default()
        }),
        volume_mounts: (!mounts.is_empty()).then_some(mounts),
        ..Default::default()
    }
}

/// The health check as an exec probe: the same MCP handshake as the image's health check
/// (an `httpGet` probe cannot POST), the HTTP check, or the service's own command.
fn exec_probe(comp: &Component) -> Option<Vec<String>> {
    if comp.health == Health::None {
        return None;
    }
    let test = health::test_command(comp)?;
    match test.first().map(String::as_str) {
        Some("NONE") => None,
        Some("CMD") => Some(test[1..].to_vec()),
        Some("CMD-SHELL") => Some(vec!["/bin/sh".into(), "-c".into(), test[1..].join(" ")]),
        _ => Some(test),
    }
}

/// Limits as configured, requests at half of them (Compose's reservations).
fn resources(comp: &Component) -> Option<ResourceRequirements> {
    let r = comp.resources.as_ref()?;
    let mut limits = BTreeMap::new();
    let mut requests = BTreeMap::new();
    if let Some(cpus) = r.cpus.as_deref().and_then(|c| c.parse::<f64>().ok()) {
        let milli = (cpus * 1000.0).round() as u64;
        limits.insert("cpu".to_string(), Quantity(format!("{milli}m")));
        requests.insert(
            "cpu".to_string(),
            Quantity(format!("{}m", (milli / 2).max(1))),
        );
    }
    if let Some(bytes) = r.memory.as_deref().and_then(crate::model::parse_bytes) {
        limits.insert("memory".to_string(), bytes_quantity(bytes));
        requests.insert("memory".to_string(), bytes_quantity(bytes / 2));
    }
    (!limits.is_empty()).then_some(ResourceRequirements {
        limits: Some(limits),
        requests: Some(requests),
        ..Default::default()
    })
}

/// Bytes in mebibytes where they divide evenly (`512M` in Compose is `512Mi` here).
fn bytes_quantity(bytes: u64) -> Quantity {
    if bytes.is_multiple_of(1 << 20) {
        Quantity(format!("{}Mi", bytes >> 20))
    } else {
        Quantity(bytes.to_string())
    }
}
