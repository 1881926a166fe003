//! `ps` and `logs` with `--target swarm`: the project's services and their tasks (replicas).

use super::namespace_filter;
use crate::engine::labels;
use crate::engine::{LogsOptions, PsRow};
use anyhow::Result;
use bollard::models::{Service, Task, TaskState};
use bollard::query_parameters::{
    ListServicesOptionsBuilder, ListTasksOptionsBuilder, LogsOptionsBuilder,
};
use bollard::Docker;
use futures_util::StreamExt;
use std::collections::HashMap;

/// The project's services by their Compose name.
async fn services(docker: &Docker, project: &str) -> Result<Vec<(String, Service)>> {
    let mut out: Vec<(String, Service)> = docker
        .list_services(Some(
            ListServicesOptionsBuilder::default()
                .filters(&namespace_filter(project))
                .build(),
        ))
        .await?
        .into_iter()
        .map(|s| {
            let name = s
                .spec
                .as_ref()
                .and_then(|sp| sp.labels.as_ref())
                .and_then(|l| l.get(labels::SERVICE))
                .cloned()
                .unwrap_or_default();
            (name, s)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The service's current tasks: those meant to run, slot by slot.
async fn tasks(docker: &Docker, service_id: &str) -> Result<Vec<Task>> {
    let filters = HashMap::from([
        ("service".to_string(), vec![service_id.to_string()]),
        ("desired-state".to_string(), vec!["running".to_string()]),
    ]);
    let mut tasks = docker
        .list_tasks(Some(
            ListTasksOptionsBuilder::default().filters(&filters).build(),
        ))
        .await?;
    tasks.sort_by_key(|t| t.slot.unwrap_or_default());
    Ok(tasks)
}

fn task_name(service: &Service, t: &Task) -> String {
    let name = service
        .spec
        .as_ref()
        .and_then(|s| s.name.clone())
        .unwrap_or_default();
    format!("{name}.{}", t.slot.unwrap_or_default())
}

/// One row per replica: service, `<service>.<slot>`, task state, health, published ports.
pub async fn ps(docker: &Docker, project: &str) -> Result<Vec<PsRow>> {
    super::require_manager(docker).await?;
    let mut rows = Vec::new();
    for (name, s) in services(docker, project).await? {
        let ports: Vec<String> = s
            .spec
            .as_ref()
            .and_then(|sp| sp.endpoint_spec.as_ref())
            .and_then(|e| e.ports.as_ref())
            .map(|ports| {
                ports
                    .iter()
                    .map(|p| {
                        format!(
                            "*:{}->{} ({})",
                            p.published_port.unwrap_or_default(),
                            p.target_port.unwrap_or_default(),
                            p.publish_mode.map(|m| m.to_string()).unwrap_or_default()
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        for t in tasks(docker, s.id.as_deref().unwrap_or_default()).await? {
            let status = t.status.clone().unwrap_or_default();
            let state = status.state.map(|s| s.to_string()).unwrap_or_default();
            // A task with a health check is `starting` until healthy, then `running`.
            let health = match status.container_status.and_then(|c| c.container_id) {
                Some(id) => docker
                    .inspect_container(&id, None)
                    .await
                    .ok()
                    .and_then(|c| c.state?.health?.status)
                    .map(|h| h.to_string())
                    .filter(|h| !h.is_empty() && h != "none")
                    .unwrap_or_else(|| "-".into()),
                None => "-".into(),
            };
            rows.push(PsRow {
                service: name.clone(),
                replica_of: s
                    .spec
                    .as_ref()
                    .and_then(|sp| sp.labels.as_ref())
                    .and_then(|l| l.get(crate::engine::labels::REPLICA_OF))
                    .cloned(),
                container: task_name(&s, &t),
                state,
                health,
                ports: ports.join(", "),
            });
        }
    }
    Ok(rows)
}

/// Each running replica's log lines, prefixed with `<service>.<slot>`, followed if asked.
pub async fn logs(
    docker: &Docker,
    project: &str,
    opts: &LogsOptions,
    emit: impl FnMut(String),
) -> Result<()> {
    super::require_manager(docker).await?;
    let mut streams = Vec::new();
    let mut width = 0;
    for (name, s) in services(docker, project).await? {
        if !opts.services.is_empty() && !opts.services.contains(&name) {
            continue;
        }
        for t in tasks(docker, s.id.as_deref().unwrap_or_default()).await? {
            if t.status.as_ref().and_then(|s| s.state) != Some(TaskState::RUNNING) {
                continue;
            }
            let label = task_name(&s, &t);
            width = width.max(label.len());
            let o = LogsOptionsBuilder::default()
                .stdout(true)
                .stderr(true)
                .follow(opts.follow)
                .tail(opts.tail.as_deref().unwrap_or("all"))
                .build();
            let id = t.id.clone().unwrap_or_default();
            streams.push(
                docker
                    .task_logs(&id, Some(o))
                    .map(move |item| (label.clone(), item))
                    .boxed(),
            );
        }
    }
    crate::engine::ops::emit_lines(streams, width, emit).await
}
