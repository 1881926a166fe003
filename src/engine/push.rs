//! `push`: builds what the stack builds (as `up` does, only what changed), tags each image by
//! its content hash (`model::cluster::pushed_image`) and pushes it to `registry:` through the Engine
//! API, with credentials from the Docker client's config. A cluster then runs exactly what was
//! pushed: the tag changes exactly when what the image is built from changes.

use super::credentials;
use super::images;
use super::labels;
use super::progress::{Progress, Reporter};
use super::up::{levels, UpOptions};
use super::Target;
use crate::model::{cluster, Stack};
use anyhow::{anyhow, Context, Result};
use bollard::query_parameters::{PushImageOptionsBuilder, TagImageOptionsBuilder};
use bollard::Docker;
use futures_util::StreamExt;
use std::collections::{BTreeMap, BTreeSet};

/// The production services, in build order (a base image before what is built from it).
pub fn production_order(t: &Target) -> Result<Vec<String>> {
    let selected: BTreeSet<String> = t
        .file
        .services
        .iter()
        .filter(|(_, s)| s.profiles.iter().any(|p| p == "production"))
        .map(|(n, _)| n.clone())
        .collect();
    Ok(levels(t, &selected)?.into_iter().flatten().collect())
}

/// Builds what is stale and tags every built image of a running service with its cluster
/// reference; with `push`, pushes them. Returns the image reference of every production
/// service (built ones by content hash, prebuilt ones as written).
pub async fn cluster_images(
    docker: &Docker,
    t: &Target,
    stack: &Stack,
    opts: &UpOptions,
    push: bool,
    p: &Progress<'_>,
) -> Result<BTreeMap<String, String>> {
    let order = production_order(t)?;
    // Only what mcpstack builds: prebuilt images are pulled by whoever runs them.
    let built: Vec<String> = order
        .iter()
        .filter(|s| t.file.services[*s].build.is_some())
        .cloned()
        .collect();
    images::ensure(docker, t, &built, opts, p).await?;
    let mut refs = BTreeMap::new();
    for name in &order {
        let spec = &t.file.services[name];
        // A base image only built FROM (no replicas) is part of the image built on it.
        if spec.replicas() == 0 {
            continue;
        }
        if spec.build.is_none() {
            refs.insert(name.clone(), spec.image.clone());
            continue;
        }
        let image = docker
            .inspect_image(&spec.image)
            .await
            .with_context(|| format!("image {} of {name}", spec.image))?;
        let hash = image
            .config
            .as_ref()
            .and_then(|c| c.labels.as_ref())
            .and_then(|l| l.get(labels::BUILD_HASH))
            .cloned()
            .ok_or_else(|| anyhow!("image {} of {name} carries no build hash", spec.image))?;
        // The replicas of a stateful server (`<name>-1`, …) run one image: pushed once, as
        // the server's.
        let image_name = spec.labels.get(labels::REPLICA_OF).unwrap_or(name);
        let reference = cluster::pushed_image(stack, image_name, &hash);
        let (repo, tag) = cluster::split_tag(&reference);
        docker
            .tag_image(
                &spec.image,
                Some(
                    TagImageOptionsBuilder::default()
                        .repo(repo)
                        .tag(tag)
                        .build(),
                ),
            )
            .await
            .with_context(|| format!("tagging {} as {reference}", spec.image))?;
        if push {
            push_one(docker, &reference, p).await?;
        }
        refs.insert(name.clone(), reference);
    }
    Ok(refs)
}

async fn push_one(docker: &Docker, reference: &str, p: &Progress<'_>) -> Result<()> {
    let (repo, tag) = cluster::split_tag(reference);
    let host = credentials::registry_host(repo);
    let step = p.start(format!("Image {reference}"), "Pushing");
    let opts = PushImageOptionsBuilder::default().tag(tag).build();
    let mut stream = docker.push_image(repo, Some(opts), credentials::for_host(host));
    while let Some(item) = stream.next().await {
        let failure = match item {
            Err(e) => Some(e.to_string()),
            Ok(info) => info.error_detail.and_then(|d| d.message),
        };
        if let Some(text) = failure {
            step.failed("Push failed");
            return Err(push_error(reference, host, &text));
        }
    }
    step.done("Pushed");
    Ok(())
}

/// What went wrong, and what to do about it.
fn push_error(reference: &str, host: &str, text: &str) -> anyhow::Error {
    let lower = text.to_ascii_lowercase();
    let help = if lower.contains("unauthorized")
        || lower.contains("authentication required")
        || lower.contains("denied")
    {
        format!("log in first: `docker login {host}` (mcpstack reads the credentials it saves)")
    } else if lower.contains("connection refused")
        || lower.contains("no such host")
        || lower.contains("i/o timeout")
        || lower.contains("dial tcp")
    {
        format!("is the registry running at {host}? Check `registry:` in mcp-stack.yaml")
    } else if lower.contains("http response to https client") || lower.contains("x509") {
        format!(
            "the engine speaks HTTPS to {host}: give the registry a trusted certificate, or list it under `insecure-registries` in the engine's daemon.json (localhost registries are insecure by default)"
        )
    } else {
        "see the engine's message above".to_string()
    };
    anyhow!("pushing {reference} failed: {text}\n  = help: {help}")
}

/// Everything `mcpstack push` pushed: (service, image reference).
pub async fn push(
    docker: &Docker,
    t: &Target,
    stack: &Stack,
    opts: &UpOptions,
    reporter: &dyn Reporter,
) -> Result<Vec<(String, String)>> {
    let p = Progress::new(reporter);
    let refs = cluster_images(docker, t, stack, opts, true, &p).await?;
    Ok(refs
        .into_iter()
        .filter(|(name, _)| t.file.services[name].build.is_some())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::push_error;

    #[test]
    fn push_errors_say_what_to_do() {
        let e = push_error(
            "r:5000/p-a:1",
            "r:5000",
            "unauthorized: authentication required",
        );
        assert!(e.to_string().contains("docker login r:5000"), "{e}");
        let e = push_error(
            "r:5000/p-a:1",
            "r:5000",
            "Get \"https://r:5000/v2/\": dial tcp 127.0.0.1:5000: connect: connection refused",
        );
        assert!(
            e.to_string().contains("is the registry running at r:5000"),
            "{e}"
        );
        let e = push_error(
            "r:5000/p-a:1",
            "r:5000",
            "http: server gave HTTP response to HTTPS client",
        );
        assert!(e.to_string().contains("insecure-registries"), "{e}");
    }
}
