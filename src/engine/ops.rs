//! `down`, `ps` and `logs`: they act on what carries the project's labels, whoever made it.

use super::labels;
use anyhow::{Context, Result};
use bollard::container::LogOutput;
use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListImagesOptionsBuilder, ListNetworksOptionsBuilder,
    ListVolumesOptionsBuilder, LogsOptionsBuilder, RemoveContainerOptionsBuilder,
    RemoveImageOptionsBuilder,
};
use bollard::Docker;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use std::collections::HashMap;

fn project_label(project: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([(
        "label".to_string(),
        vec![format!("{}={project}", labels::PROJECT)],
    )])
}

pub struct DownOptions {
    pub volumes: bool,
    pub remove_images: bool,
}

/// Removes exactly the containers, networks (and volumes, images it built) of the project.
pub async fn down(docker: &Docker, project: &str, opts: &DownOptions) -> Result<Vec<String>> {
    let mut removed = Vec::new();
    let list = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&labels::project_filter(project))
        .build();
    for c in docker.list_containers(Some(list)).await? {
        let id = c.id.clone().unwrap_or_default();
        let name = c
            .names
            .as_ref()
            .and_then(|n| n.first())
            .map(|n| n.trim_start_matches('/').to_string())
            .unwrap_or(id.clone());
        docker
            .remove_container(
                &id,
                Some(
                    RemoveContainerOptionsBuilder::default()
                        .force(true)
                        .v(false)
                        .build(),
                ),
            )
            .await
            .with_context(|| format!("removing {name}"))?;
        removed.push(format!("container {name}"));
    }
    let nets = docker
        .list_networks(Some(
            ListNetworksOptionsBuilder::default()
                .filters(&project_label(project))
                .build(),
        ))
        .await?;
    for n in nets {
        if let Some(name) = n.name {
            docker
                .remove_network(&name)
                .await
                .with_context(|| format!("removing network {name}"))?;
            removed.push(format!("network {name}"));
        }
    }
    if opts.volumes {
        removed.extend(remove_volumes(docker, &project_label(project)).await?);
    }
    if opts.remove_images {
        removed.extend(remove_built_images(docker, project).await?);
    }
    Ok(removed)
}

/// Removes the images mcpstack built for `project` (by their label), older builds included;
/// never an image it did not build, such as a base image or a pulled one. An image still used
/// by another container is kept.
pub async fn remove_built_images(docker: &Docker, project: &str) -> Result<Vec<String>> {
    let filter = HashMap::from([(
        "label".to_string(),
        vec![format!("{}={project}", labels::BUILT_FOR)],
    )]);
    let images = docker
        .list_images(Some(
            ListImagesOptionsBuilder::default()
                .all(false)
                .filters(&filter)
                .build(),
        ))
        .await?;
    let mut removed = Vec::new();
    for img in images {
        let tags: Vec<&String> = img
            .repo_tags
            .iter()
            .filter(|t| t.as_str() != "<none>:<none>")
            .collect();
        let names: Vec<&str> = if tags.is_empty() {
            vec![img.id.as_str()]
        } else {
            tags.iter().map(|t| t.as_str()).collect()
        };
        for name in names {
            let gone = docker
                .remove_image(
                    name,
                    Some(RemoveImageOptionsBuilder::default().build()),
                    None,
                )
                .await
                .is_ok();
            if gone {
                let shown = name.strip_prefix("sha256:").map_or(name, |id| &id[..12]);
                removed.push(format!("image {shown}"));
            }
        }
    }
    Ok(removed)
}

#[derive(Debug, serde::Serialize)]
pub struct PsRow {
    pub service: String,
    /// The stateful server this service is one replica of.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_of: Option<String>,
    pub container: String,
    pub state: String,
    pub health: String,
    pub ports: String,
}

pub async fn ps(docker: &Docker, project: &str) -> Result<Vec<PsRow>> {
    let list = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&labels::project_filter(project))
        .build();
    let mut rows: Vec<PsRow> = Vec::new();
    for c in docker.list_containers(Some(list)).await? {
        let service = c
            .labels
            .as_ref()
            .and_then(|l| l.get(labels::SERVICE))
            .cloned()
            .unwrap_or_default();
        let replica_of = c
            .labels
            .as_ref()
            .and_then(|l| l.get(labels::REPLICA_OF))
            .cloned();
        let container = c
            .names
            .as_ref()
            .and_then(|n| n.first())
            .map(|n| n.trim_start_matches('/').to_string())
            .unwrap_or_default();
        let status = c.status.clone().unwrap_or_default();
        let health = ["healthy", "unhealthy", "health: starting"]
            .iter()
            .find(|h| status.contains(&format!("({h})")))
            .map(|h| h.trim_start_matches("health: ").to_string())
            .unwrap_or_else(|| "-".into());
        let mut ports: Vec<String> = c
            .ports
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| {
                p.public_port
                    .map(|pub_| format!("{}:{pub_}->{}", p.ip.unwrap_or_default(), p.private_port))
            })
            .collect();
        ports.sort();
        ports.dedup();
        rows.push(PsRow {
            service,
            replica_of,
            container,
            state: c.state.map(|s| s.to_string()).unwrap_or_default(),
            health,
            ports: ports.join(", "),
        });
    }
    rows.sort_by(|a, b| a.container.cmp(&b.container));
    Ok(rows)
}

pub struct LogsOptions {
    pub services: Vec<String>,
    pub follow: bool,
    pub tail: Option<String>,
}

/// Service-prefixed log lines of the project's containers, followed if asked.
pub async fn logs(
    docker: &Docker,
    project: &str,
    opts: &LogsOptions,
    emit: impl FnMut(String),
) -> Result<()> {
    let rows = ps(docker, project).await?;
    let width = rows.iter().map(|r| r.container.len()).max().unwrap_or(0);
    let mut streams = Vec::new();
    for r in rows.into_iter().filter(|r| {
        opts.services.is_empty()
            || opts.services.contains(&r.service)
            || r.replica_of
                .as_ref()
                .is_some_and(|s| opts.services.contains(s))
    }) {
        let o = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .follow(opts.follow)
            .tail(opts.tail.as_deref().unwrap_or("all"))
            .build();
        let name = r.container.clone();
        streams.push(
            docker
                .logs(&r.container, Some(o))
                .map(move |item| (name.clone(), item))
                .boxed(),
        );
    }
    emit_lines(streams, width, emit).await
}

/// Log streams, each labelled with where it comes from.
pub(crate) type Labelled<'a> = BoxStream<'a, (String, Result<LogOutput, bollard::errors::Error>)>;

/// Passes every line of `streams` to `emit` as it arrives, as `<label padded to width> | line`.
pub(crate) async fn emit_lines(
    streams: Vec<Labelled<'_>>,
    width: usize,
    mut emit: impl FnMut(String),
) -> Result<()> {
    let mut all = futures_util::stream::select_all(streams);
    while let Some((name, item)) = all.next().await {
        let text = item?.to_string();
        for line in text.lines() {
            emit(format!("{name:<width$} | {line}"));
        }
    }
    Ok(())
}

/// Removes every volume `filter` selects; names what it removed.
pub(crate) async fn remove_volumes(
    docker: &Docker,
    filter: &HashMap<String, Vec<String>>,
) -> Result<Vec<String>> {
    let mut removed = Vec::new();
    let vols = docker
        .list_volumes(Some(
            ListVolumesOptionsBuilder::default().filters(filter).build(),
        ))
        .await?;
    for v in vols.volumes.unwrap_or_default() {
        docker
            .remove_volume(
                &v.name,
                None::<bollard::query_parameters::RemoveVolumeOptions>,
            )
            .await
            .with_context(|| format!("removing volume {}", v.name))?;
        removed.push(format!("volume {}", v.name));
    }
    Ok(removed)
}
