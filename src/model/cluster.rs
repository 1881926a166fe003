//! What a cluster (Kubernetes, Swarm) needs from the model beyond Compose: the images it
//! runs, the recommended labels, and the gateway's view of a cluster.

use super::{Balance, Component, ImageSource, Stack};
use std::collections::BTreeMap;

/// The image a cluster runs for a component: `image:` as given, else the tag mcpstack builds
/// (`<project>-<name>:<tag>`), which a registry must serve to the cluster's nodes.
pub fn image(comp: &Component) -> String {
    match &comp.image {
        ImageSource::Prebuilt { image } => image.clone(),
        _ => comp.built_tag.clone().unwrap_or_default(),
    }
}

/// The app.kubernetes.io labels that select one workload's pods (stable for a workload's life:
/// a selector cannot change).
pub fn selector(stack: &Stack, name: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("app.kubernetes.io/instance".into(), stack.name.clone()),
        ("app.kubernetes.io/name".into(), name.to_string()),
    ])
}

/// Every recommended app.kubernetes.io label of a workload: the selector, what it is for, and
/// what made it.
pub fn labels(stack: &Stack, name: &str, component: &str) -> BTreeMap<String, String> {
    let mut labels = selector(stack, name);
    labels.insert("app.kubernetes.io/component".into(), component.to_string());
    labels.insert("app.kubernetes.io/part-of".into(), stack.name.clone());
    labels.insert("app.kubernetes.io/managed-by".into(), "mcpstack".into());
    labels
}

/// The namespace the Kubernetes base puts everything in: the project's name. The gateway's
/// nginx resolves servers by their full names in it (nginx's resolver has no search domains).
pub fn namespace(stack: &Stack) -> &str {
    &stack.name
}

/// The cluster DNS the gateway asks, by name (resolved once when nginx starts).
pub const KUBERNETES_RESOLVER: &str = "kube-dns.kube-system.svc.cluster.local";

/// The Service a workload's pods are reached by one by one: stateful servers with more than
/// one replica are a StatefulSet whose pods the gateway must tell apart.
pub fn needs_stable_names(comp: &Component, stack: &Stack) -> bool {
    comp.replicas > 1
        && stack
            .gateway
            .routes
            .iter()
            .any(|r| r.server == comp.name && r.balance == Balance::SessionAffinity)
}

/// The headless Service of a StatefulSet: its DNS name answers with every pod's address.
pub fn headless(name: &str) -> String {
    format!("{name}-headless")
}

/// The stack as the gateway sees it in Kubernetes: upstreams are the Services' full names (the
/// headless one for stateful replicas, whose pods the gateway reaches one by one) and
/// the resolver is the cluster's DNS.
pub fn kubernetes_view(stack: &Stack) -> Stack {
    let mut view = stack.clone();
    let ns = namespace(stack).to_string();
    view.gateway.resolver = KUBERNETES_RESOLVER.into();
    // With ACME, cert-manager keeps the certificate in the gateway's TLS Secret: nginx serves
    // it as it would a local one (no certbot, no webroot).
    if view.gateway.tls.mode == crate::config::TlsMode::Acme {
        view.gateway.tls.mode = crate::config::TlsMode::Local;
    }
    if let Some(m) = &mut view.monitoring {
        m.kubernetes_namespace = Some(ns.clone());
    }
    for r in &mut view.gateway.routes {
        let service = if r.replicas > 1 && r.balance == Balance::SessionAffinity {
            headless(&r.server)
        } else {
            r.server.clone()
        };
        r.host = format!("{service}.{ns}.svc.cluster.local");
        // Session affinity sends each session to its replica's pod by name: the gateway's
        // per-replica host is the pod's full DNS name in the cluster.
        for x in &mut r.replica_hosts {
            x.compose_host = format!("{}.{ns}.svc.cluster.local", x.kubernetes_host);
        }
    }
    view
}

/// How many hex digits of the build hash tag an image: enough to never collide in a project.
pub const HASH_TAG_LEN: usize = 12;

/// The image `mcpstack push` sends and Swarm runs for `component`, built from content hashed
/// `build_hash`:
/// `<registry>/<project>-<component>:<hash>` with `registry:`, else `<project>-<component>:<hash>`
/// (a local image, enough for a single-node cluster). The tag changes exactly when what the
/// image is built from changes, so a new build rolls out and an unchanged one does not.
pub fn pushed_image(stack: &Stack, component: &str, build_hash: &str) -> String {
    let tag = &build_hash[..build_hash.len().min(HASH_TAG_LEN)];
    let repo = format!("{}-{component}", stack.name);
    match &stack.registry {
        Some(r) => format!("{}/{repo}:{tag}", r.trim_end_matches('/')),
        None => format!("{repo}:{tag}"),
    }
}

/// `name:tag` split at the tag (a `:` after the last `/`), as the engine's tag and push calls want.
pub fn split_tag(reference: &str) -> (&str, &str) {
    match reference.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, tag),
        _ => (reference, "latest"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(registry: Option<&str>) -> Stack {
        let yaml = "version: 1\nname: team\nservers:\n  main:\n    image: x/y:1\n";
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("mcp-stack.yaml");
        let mut text = yaml.to_string();
        if let Some(r) = registry {
            text += &format!("registry: {r}\n");
        }
        std::fs::write(&file, text).unwrap();
        crate::pipeline::Project::load(&file).unwrap().stack
    }

    #[test]
    fn the_image_is_named_by_project_component_and_content_hash() {
        let hash = "0123456789abcdef0123";
        assert_eq!(
            pushed_image(&stack(None), "main", hash),
            "team-main:0123456789ab"
        );
        assert_eq!(
            pushed_image(&stack(Some("localhost:5000/acme")), "main", hash),
            "localhost:5000/acme/team-main:0123456789ab"
        );
    }

    #[test]
    fn a_tag_is_split_after_the_last_slash_only() {
        assert_eq!(
            split_tag("localhost:5000/a/b:c1"),
            ("localhost:5000/a/b", "c1")
        );
        assert_eq!(
            split_tag("localhost:5000/a/b"),
            ("localhost:5000/a/b", "latest")
        );
        assert_eq!(split_tag("nginx:1.27"), ("nginx", "1.27"));
    }
}
