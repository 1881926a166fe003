//! `render --target kubernetes`: a kustomize base in `k8s/`, built from k8s-openapi's typed
//! objects (Kubernetes 1.33), one file per workload. Nothing secret is written: workloads name
//! the Secrets the team creates (see the README's Kubernetes section).

mod gateway;
mod monitoring;
mod network;
pub mod pushed;
mod workloads;

use super::{header, File, Templates};
use crate::model::{cluster, Stack};
use anyhow::Result;
use k8s_openapi::api::core::v1::{
    Capabilities, PodSecurityContext, SeccompProfile, SecurityContext,
};
use serde::Serialize;
use std::collections::HashMap;

/// The folder of the Kubernetes target inside the output folder.
pub const DIR: &str = "k8s";

/// The Secret holding every variable the stack reads (`kubectl create secret generic
/// <project>-secrets --from-env-file=.env`).
pub fn secrets_name(stack: &Stack) -> String {
    format!("{}-secrets", stack.name)
}

/// The Secret holding the gateway's certificate (`kubernetes.io/tls`).
pub fn tls_name(stack: &Stack) -> String {
    format!("{}-tls", stack.name)
}

/// Every file of the kustomize base, sorted by path.
pub fn render(stack: &Stack, templates: &Templates) -> Result<Vec<File>> {
    let mut docs: Vec<(String, Vec<serde_yaml::Value>)> = Vec::new();
    docs.push(("namespace.yaml".into(), vec![value(&namespace(stack))?]));
    for comp in &stack.components {
        let folder = match comp.role {
            crate::model::Role::Server => "servers",
            crate::model::Role::Service => "services",
        };
        docs.push((
            format!("{folder}/{}.yaml", comp.name),
            workloads::component(stack, comp)?,
        ));
    }
    let volumes = workloads::volumes(stack)?;
    if !volumes.is_empty() {
        docs.push(("volumes.yaml".into(), volumes));
    }
    docs.push(("gateway.yaml".into(), gateway::objects(stack)?));
    docs.push(("network-policies.yaml".into(), network::policies(stack)?));
    let mut files: Vec<File> = gateway::config_files(stack, templates)?;
    let mut generators = vec![gateway::generator(stack)];
    if let Some(m) = &stack.monitoring {
        docs.push(("monitoring.yaml".into(), monitoring::objects(stack)?));
        files.extend(monitoring::config_files(stack, m)?);
        generators.extend(monitoring::generators(stack));
    }
    let head = header(stack, "#");
    let mut resources = Vec::new();
    for (path, objects) in docs {
        let mut text = head.clone();
        for o in &objects {
            text.push_str("---\n");
            text.push_str(&serde_yaml::to_string(o)?);
        }
        resources.push(path.clone());
        files.push(File::new(format!("{DIR}/{path}"), text));
    }
    resources.sort();
    let k = Kustomization {
        api_version: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        namespace: cluster::namespace(stack).to_string(),
        resources,
        config_map_generator: generators,
    };
    files.push(File::new(
        format!("{DIR}/kustomization.yaml"),
        format!(
            "{head}# kubectl apply -k {DIR}/ after creating the Secrets {} and {} (see the README).\n{}",
            secrets_name(stack),
            tls_name(stack),
            serde_yaml::to_string(&k)?
        ),
    ));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// What the base cannot do for this config, for the command to say: a component others
/// `depends_on` without a `port` gets no Service, and no NetworkPolicy lets them reach it.
pub fn notes(stack: &Stack) -> Vec<String> {
    // Who depends on each component, gathered once (components are in name order).
    let mut users: HashMap<&str, Vec<&str>> = HashMap::new();
    for c in &stack.components {
        for d in &c.depends_on {
            let list = users.entry(d.name.as_str()).or_default();
            if list.last() != Some(&c.name.as_str()) {
                list.push(&c.name);
            }
        }
    }
    let mut notes = Vec::new();
    for target in stack.components.iter().filter(|c| c.port.is_none()) {
        if let Some(users) = users.get(target.name.as_str()) {
            let section = match target.role {
                crate::model::Role::Server => "servers",
                crate::model::Role::Service => "services",
            };
            notes.push(format!(
                "{section}.{name} has no `port`: in Kubernetes it gets no Service, and {users} (depends_on) cannot reach it; set the port it listens on\n",
                name = target.name,
                users = users.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    notes
}

/// The seccomp profile every pod and container runs with.
fn runtime_default() -> SeccompProfile {
    SeccompProfile {
        type_: "RuntimeDefault".into(),
        ..Default::default()
    }
}

/// The pod security context of a workload whose files belong to `group`.
fn pod_security(group: i64) -> PodSecurityContext {
    PodSecurityContext {
        run_as_non_root: Some(true),
        fs_group: Some(group),
        seccomp_profile: Some(runtime_default()),
        ..Default::default()
    }
}

/// The production container security context, run as `uid`: non-root, read-only root file
/// system, every capability dropped, no privilege escalation, seccomp RuntimeDefault.
fn hardened(uid: i64) -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: Some(false),
        privileged: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        run_as_user: Some(uid),
        run_as_group: Some(uid),
        capabilities: Some(Capabilities {
            drop: Some(vec!["ALL".into()]),
            ..Default::default()
        }),
        seccomp_profile: Some(runtime_default()),
        ..Default::default()
    }
}

fn value<T: Serialize>(object: &T) -> Result<serde_yaml::Value> {
    Ok(serde_yaml::to_value(object)?)
}

fn namespace(stack: &Stack) -> k8s_openapi::api::core::v1::Namespace {
    k8s_openapi::api::core::v1::Namespace {
        metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
            name: Some(cluster::namespace(stack).to_string()),
            labels: Some({
                let mut labels = cluster::labels(stack, &stack.name, "namespace");
                // Warns (never blocks) when a workload falls short of the restricted profile:
                // a `cap_add`, a root user or the Docker socket does.
                labels.insert(
                    "pod-security.kubernetes.io/warn".into(),
                    "restricted".into(),
                );
                labels
            }),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Kustomization {
    api_version: &'static str,
    kind: &'static str,
    namespace: String,
    resources: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    config_map_generator: Vec<Generator>,
}

/// A ConfigMap kustomize makes from rendered files; its name gets a hash of their contents,
/// so a changed file rolls the workloads that mount it.
#[derive(Serialize)]
pub(super) struct Generator {
    pub name: String,
    pub files: Vec<String>,
}
