//! `down --target swarm`: the project's services, then (once their containers are gone) its
//! network, secrets and configs: exactly what carries the project's namespace label.

use super::{namespace_filter, NAMESPACE};
use anyhow::{bail, Context, Result};
use bollard::query_parameters::{
    ListConfigsOptionsBuilder, ListContainersOptionsBuilder, ListNetworksOptionsBuilder,
    ListSecretsOptionsBuilder, ListServicesOptionsBuilder,
};
use bollard::Docker;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long `down` waits for the services' containers to stop.
const LIMIT: Duration = Duration::from_secs(120);

/// Removes the project's swarm objects (and with `volumes`, its named volumes on this node).
pub async fn remove(docker: &Docker, project: &str, volumes: bool) -> Result<Vec<String>> {
    super::require_manager(docker).await?;
    let filter = namespace_filter(project);
    let mut removed = Vec::new();
    let services = docker
        .list_services(Some(
            ListServicesOptionsBuilder::default()
                .filters(&filter)
                .build(),
        ))
        .await?;
    for s in services {
        let name = s.spec.and_then(|s| s.name).unwrap_or_default();
        let id = s.id.unwrap_or_else(|| name.clone());
        docker
            .delete_service(&id)
            .await
            .with_context(|| format!("removing service {name}"))?;
        removed.push(format!("service {name}"));
    }
    // Tasks stop after their service is gone; the network, secrets and configs are in use
    // until then.
    let containers = HashMap::from([("label".to_string(), vec![format!("{NAMESPACE}={project}")])]);
    let start = Instant::now();
    loop {
        let left = docker
            .list_containers(Some(
                ListContainersOptionsBuilder::default()
                    .all(true)
                    .filters(&containers)
                    .build(),
            ))
            .await?;
        if left.is_empty() {
            break;
        }
        if start.elapsed() > LIMIT {
            bail!(
                "{} container(s) of {project} still exist {}s after their services were removed\n  = help: run `mcpstack down --target swarm` again",
                left.len(),
                LIMIT.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    for n in docker
        .list_networks(Some(
            ListNetworksOptionsBuilder::default()
                .filters(&filter)
                .build(),
        ))
        .await?
    {
        let name = n.name.unwrap_or_default();
        let id = n.id.unwrap_or_else(|| name.clone());
        // The network's last endpoints detach a moment after the containers go.
        let start = Instant::now();
        loop {
            match docker.remove_network(&id).await {
                Ok(()) => break,
                Err(e) if start.elapsed() > LIMIT => {
                    return Err(anyhow::anyhow!("removing network {name}: {e}"))
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(500)).await,
            }
        }
        removed.push(format!("network {name}"));
    }
    for s in docker
        .list_secrets(Some(
            ListSecretsOptionsBuilder::default()
                .filters(&filter)
                .build(),
        ))
        .await?
    {
        let name = s.spec.and_then(|s| s.name).unwrap_or_default();
        docker
            .delete_secret(&s.id.unwrap_or_else(|| name.clone()))
            .await
            .with_context(|| format!("removing secret {name}"))?;
        removed.push(format!("secret {name}"));
    }
    for c in docker
        .list_configs(Some(
            ListConfigsOptionsBuilder::default()
                .filters(&filter)
                .build(),
        ))
        .await?
    {
        let name = c.spec.and_then(|s| s.name).unwrap_or_default();
        docker
            .delete_config(&c.id.unwrap_or_else(|| name.clone()))
            .await
            .with_context(|| format!("removing config {name}"))?;
        removed.push(format!("config {name}"));
    }
    if volumes {
        removed.extend(crate::engine::ops::remove_volumes(docker, &filter).await?);
    }
    Ok(removed)
}
