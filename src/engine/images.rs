//! The images `up` needs: built when what they are built from changed, pulled when missing.
//!
//! An image mcpstack builds carries the hash of its build context (the folder as filtered by
//! the Dockerfile's ignore file, plus the Dockerfile itself) in a label. `up` hashes the
//! context again and builds when the label differs, as `docker compose up --build` would, but
//! only when something changed. `--build` builds regardless.

use super::build::{build, context_hash, context_tar};
use super::labels;
use super::progress::Progress;
use super::up::UpOptions;
use super::Target;
use anyhow::{bail, Context as _, Result};
use bollard::query_parameters::CreateImageOptionsBuilder;
use bollard::Docker;
use futures_util::StreamExt;
use std::collections::{BTreeMap, BTreeSet};

/// Why an image is built, or `None` when the one there is current.
fn build_reason(present: Option<&str>, wanted: &str, forced: bool) -> Option<&'static str> {
    match present {
        _ if forced => Some("Building"),
        None => Some("Building"),
        Some(h) if h == wanted => None,
        Some("") => Some("Building (not built by mcpstack)"),
        Some(_) => Some("Rebuilding (build context changed)"),
    }
}

/// Builds or pulls what is missing or stale, in `order` (dependencies first, so a base image
/// is built before what is built `FROM` it); returns image ids by service.
pub async fn ensure(
    docker: &Docker,
    t: &Target,
    order: &[String],
    opts: &UpOptions,
    p: &Progress<'_>,
) -> Result<BTreeMap<String, String>> {
    let mut ids = BTreeMap::new();
    // Contexts already looked at in this run (a server and its dev copy share one image).
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for name in order {
        let spec = &t.file.services[name];
        let present = docker.inspect_image(&spec.image).await.ok();
        let mut changed = false;
        if let Some(b) = &spec.build {
            if seen.insert((b.context.clone(), b.dockerfile.clone())) {
                let folder = t.dir.join(&b.context);
                let dockerfile = folder.join(&b.dockerfile);
                let body = context_tar(&folder, &dockerfile)?;
                // A build-only dependency (no replicas: the base image of a bridge layer) is
                // part of what this image is built from: a new base rebuilds it.
                let bases: Vec<&str> = spec
                    .depends_on
                    .keys()
                    .filter(|d| t.file.services.get(*d).is_some_and(|s| s.replicas() == 0))
                    .filter_map(|d| ids.get(d).map(String::as_str))
                    .collect();
                let hash = context_hash(&body, &bases);
                let label = present.as_ref().map(|i| {
                    i.config
                        .as_ref()
                        .and_then(|c| c.labels.as_ref())
                        .and_then(|l| l.get(labels::BUILD_HASH))
                        .map(String::as_str)
                        .unwrap_or("")
                });
                if let Some(reason) = build_reason(label, &hash, opts.build) {
                    let step = p.start(format!("Image {}", spec.image), reason);
                    let mut l = labels::base(&t.project);
                    l.insert(labels::SERVICE.into(), name.clone());
                    l.insert(labels::BUILT_FOR.into(), t.project.clone());
                    l.insert(labels::BUILD_HASH.into(), hash);
                    let verbose = opts.verbose;
                    changed = true;
                    let result = build(docker, &spec.image, body, l, |line| {
                        if verbose {
                            p.detail(format!("   {name} | {line}"));
                        }
                    })
                    .await;
                    match result {
                        Ok(()) if reason.starts_with("Rebuilding") => {
                            step.done("Rebuilt (build context changed)")
                        }
                        Ok(()) => step.done("Built"),
                        Err(e) => {
                            step.failed("Build failed");
                            return Err(e);
                        }
                    }
                }
            }
        } else if present.is_none() {
            pull(docker, &spec.image, p).await?;
            changed = true;
        }
        // The image looked at above, unless it was just built or pulled.
        let id = match present.filter(|_| !changed) {
            Some(image) => image.id,
            None => {
                docker
                    .inspect_image(&spec.image)
                    .await
                    .with_context(|| format!("image {} of {name}", spec.image))?
                    .id
            }
        }
        .unwrap_or_default();
        ids.insert(name.clone(), id);
    }
    Ok(ids)
}

pub(crate) async fn pull(docker: &Docker, image: &str, p: &Progress<'_>) -> Result<()> {
    let step = p.start(format!("Image {image}"), "Pulling");
    let (name, tag) = match image.rsplit_once(':').filter(|(_, t)| !t.contains('/')) {
        Some((n, t)) => (n, t),
        None => (image, "latest"),
    };
    let opts = CreateImageOptionsBuilder::default()
        .from_image(name)
        .tag(tag)
        .build();
    let mut stream = docker.create_image(Some(opts), None, None);
    while let Some(item) = stream.next().await {
        if let Err(e) = item {
            step.failed("Pull failed");
            bail!(
                "pulling {image} failed: {e}\n  = help: if this registry cannot be reached, point `images:` in mcp-stack.yaml at a mirror"
            );
        }
    }
    step.done("Pulled");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::build_reason;

    #[test]
    fn an_image_is_built_when_missing_stale_foreign_or_forced() {
        assert_eq!(build_reason(None, "h", false), Some("Building"));
        assert_eq!(build_reason(Some("h"), "h", false), None);
        assert_eq!(build_reason(Some("h"), "h", true), Some("Building"));
        assert_eq!(
            build_reason(Some("old"), "h", false),
            Some("Rebuilding (build context changed)")
        );
        assert_eq!(
            build_reason(Some(""), "h", false),
            Some("Building (not built by mcpstack)")
        );
    }
}
