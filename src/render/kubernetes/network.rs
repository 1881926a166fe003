//! NetworkPolicies: everything denied, then exactly the paths the stack declares: anyone to
//! the gateway, the gateway to each server it routes, each component to what it
//! `depends_on`, monitoring to what it probes, and every pod to the cluster's DNS.

use super::{gateway, monitoring, value};
use crate::model::{cluster, Stack, GATEWAY_HTTPS_PORT, GATEWAY_HTTP_PORT};
use anyhow::Result;
use k8s_openapi::api::networking::v1::{
    NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use std::collections::{BTreeMap, BTreeSet};

/// A permitted connection: `from` (a workload, or `None` for anywhere) to `to` on `port`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Path {
    pub from: Option<String>,
    pub to: String,
    pub port: u16,
}

/// Every path the stack needs, sorted.
pub fn paths(stack: &Stack) -> Vec<Path> {
    let mut paths = BTreeSet::new();
    let mut add = |from: Option<&str>, to: &str, port: u16| {
        paths.insert(Path {
            from: from.map(String::from),
            to: to.to_string(),
            port,
        });
    };
    for port in [GATEWAY_HTTP_PORT, GATEWAY_HTTPS_PORT] {
        add(None, gateway::NAME, port);
    }
    for r in &stack.gateway.routes {
        add(Some(gateway::NAME), &r.server, r.port);
    }
    for comp in &stack.components {
        for dep in &comp.depends_on {
            if let Some(port) = stack.component(&dep.name).and_then(|c| c.port) {
                add(Some(&comp.name), &dep.name, port);
            }
        }
    }
    if stack.monitoring.is_some() {
        for (from, to, port) in monitoring::paths(stack) {
            add(Some(from), &to, port);
        }
    }
    paths.into_iter().collect()
}

pub(super) fn policies(stack: &Stack) -> Result<Vec<serde_yaml::Value>> {
    let labels = |name: &str| cluster::labels(stack, name, "network-policy");
    let meta = |name: &str| ObjectMeta {
        name: Some(name.to_string()),
        labels: Some(labels(name)),
        ..Default::default()
    };
    let mut out = vec![
        value(&NetworkPolicy {
            metadata: meta("default-deny"),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector::default()),
                policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
                ..Default::default()
            }),
        })?,
        value(&NetworkPolicy {
            metadata: meta("cluster-dns"),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector::default()),
                policy_types: Some(vec!["Egress".into()]),
                egress: Some(vec![NetworkPolicyEgressRule {
                    to: Some(vec![NetworkPolicyPeer {
                        namespace_selector: Some(select([(
                            "kubernetes.io/metadata.name",
                            "kube-system",
                        )])),
                        pod_selector: Some(select([("k8s-app", "kube-dns")])),
                        ..Default::default()
                    }]),
                    ports: Some(vec![port_of("UDP", 53), port_of("TCP", 53)]),
                }]),
                ..Default::default()
            }),
        })?,
    ];
    let all = paths(stack);
    let mut workloads: BTreeMap<&str, (Vec<&Path>, Vec<&Path>)> = BTreeMap::new();
    for p in &all {
        workloads.entry(&p.to).or_default().0.push(p);
        if let Some(from) = &p.from {
            workloads.entry(from).or_default().1.push(p);
        }
    }
    let peer = |name: &str| NetworkPolicyPeer {
        pod_selector: Some(LabelSelector {
            match_labels: Some(cluster::selector(stack, name)),
            ..Default::default()
        }),
        ..Default::default()
    };
    for (name, (incoming, outgoing)) in workloads {
        let ingress: Vec<NetworkPolicyIngressRule> = incoming
            .iter()
            .map(|p| NetworkPolicyIngressRule {
                from: p.from.as_deref().map(|f| vec![peer(f)]),
                ports: Some(vec![port_of("TCP", p.port)]),
            })
            .collect();
        let egress: Vec<NetworkPolicyEgressRule> = outgoing
            .iter()
            .map(|p| NetworkPolicyEgressRule {
                to: Some(vec![peer(&p.to)]),
                ports: Some(vec![port_of("TCP", p.port)]),
            })
            .collect();
        let mut types = Vec::new();
        if !ingress.is_empty() {
            types.push("Ingress".to_string());
        }
        if !egress.is_empty() {
            types.push("Egress".to_string());
        }
        out.push(value(&NetworkPolicy {
            metadata: meta(&format!("allow-{name}")),
            spec: Some(NetworkPolicySpec {
                pod_selector: Some(LabelSelector {
                    match_labels: Some(cluster::selector(stack, name)),
                    ..Default::default()
                }),
                policy_types: Some(types),
                ingress: (!ingress.is_empty()).then_some(ingress),
                egress: (!egress.is_empty()).then_some(egress),
            }),
        })?);
    }
    if let Some(api) = monitoring::api_egress(stack) {
        out.push(value(&api)?);
    }
    Ok(out)
}

fn select<const N: usize>(pairs: [(&str, &str); N]) -> LabelSelector {
    LabelSelector {
        match_labels: Some(
            pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
        ..Default::default()
    }
}

fn port_of(protocol: &str, port: u16) -> NetworkPolicyPort {
    NetworkPolicyPort {
        protocol: Some(protocol.into()),
        port: Some(IntOrString::Int(port.into())),
        ..Default::default()
    }
}
