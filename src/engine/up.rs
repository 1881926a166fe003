//! `up`: network, volumes, images (built again when their context changed), then containers in
//! dependency order, changing only what changed (by Compose's config hash, which covers the
//! image), a running gateway reloaded when its config changed, and health waited for.

use super::container::{check_often_while_starting, config_hash, Context};
use super::progress::{Progress, Reporter};
use super::reload::{reload, Outcome};
use super::spec::ServiceSpec;
use super::wait::{report as failure_report, wait_healthy, Failure};
use super::Target;
use super::{images, labels};
use anyhow::{anyhow, bail, Context as _, Result};
use bollard::models::{ContainerSummary, NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, ListContainersOptionsBuilder, RemoveContainerOptionsBuilder,
    StopContainerOptionsBuilder,
};
use bollard::Docker;
use futures_util::future::{join_all, try_join_all};
use std::collections::{BTreeSet, HashMap};

pub struct UpOptions {
    pub profiles: Vec<String>,
    /// Build images even if they are current.
    pub build: bool,
    /// Pass build output to the reporter.
    pub verbose: bool,
    /// Wait for every health check (dependencies are always waited for).
    pub wait: bool,
}

#[derive(Default, Debug)]
pub struct UpReport {
    pub created: Vec<String>,
    pub started: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: Vec<String>,
    /// Gateway containers whose nginx loaded a changed config.
    pub reloaded: Vec<String>,
}

impl UpReport {
    pub fn changed(&self) -> bool {
        !(self.created.is_empty()
            && self.started.is_empty()
            && self.removed.is_empty()
            && self.reloaded.is_empty())
    }

    /// Adds what `other` did after what this one did.
    fn merge(&mut self, other: UpReport) {
        self.created.extend(other.created);
        self.started.extend(other.started);
        self.removed.extend(other.removed);
        self.unchanged.extend(other.unchanged);
        self.reloaded.extend(other.reloaded);
    }
}

/// The services of the selected profiles, in start order: each level depends only on earlier ones.
pub(crate) fn levels(t: &Target, selected: &BTreeSet<String>) -> Result<Vec<Vec<String>>> {
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    while done.len() < selected.len() {
        let level: Vec<String> = selected
            .iter()
            .filter(|s| !done.contains(*s))
            .filter(|s| {
                t.file.services[*s]
                    .depends_on
                    .keys()
                    .all(|d| done.contains(d) || !selected.contains(d))
            })
            .cloned()
            .collect();
        if level.is_empty() {
            bail!("depends_on in compose.yaml forms a cycle");
        }
        done.extend(level.iter().cloned());
        out.push(level);
    }
    Ok(out)
}

async fn ensure_network(docker: &Docker, t: &Target, p: &Progress<'_>) -> Result<()> {
    let spec = t.file.networks.get("default");
    let name = spec
        .and_then(|n| n.name.clone())
        .unwrap_or_else(|| format!("{}_default", t.project));
    match docker.inspect_network(&name, None).await {
        Ok(net) => {
            let owner = net.labels.as_ref().and_then(|l| l.get(labels::PROJECT));
            if owner.map(String::as_str) != Some(t.project.as_str()) {
                bail!(
                    "a network named {name} exists but does not belong to project {}\n  = help: remove it (`docker network rm {name}`) or rename the project",
                    t.project
                );
            }
            Ok(())
        }
        Err(_) => {
            let mut l = labels::base(&t.project);
            l.insert(labels::NETWORK.into(), "default".into());
            docker
                .create_network(NetworkCreateRequest {
                    name: name.clone(),
                    driver: Some(
                        spec.and_then(|n| n.driver.clone())
                            .unwrap_or_else(|| "bridge".into()),
                    ),
                    labels: Some(l),
                    ..Default::default()
                })
                .await
                .with_context(|| format!("creating network {name}"))?;
            p.line(format!("Network {name}  Created"));
            Ok(())
        }
    }
}

async fn ensure_volumes(
    docker: &Docker,
    t: &Target,
    selected: &BTreeSet<String>,
    p: &Progress<'_>,
) -> Result<()> {
    let used: BTreeSet<&str> = selected
        .iter()
        .flat_map(|s| t.file.services[s].volumes.iter())
        .filter_map(|v| v.split(':').next())
        .filter(|src| !src.starts_with('.') && !src.starts_with('/'))
        .collect();
    for key in used {
        let name = t
            .file
            .volumes
            .get(key)
            .and_then(|v| v.name.clone())
            .unwrap_or_else(|| format!("{}_{key}", t.project));
        if docker.inspect_volume(&name).await.is_ok() {
            continue;
        }
        let mut l = labels::base(&t.project);
        l.insert(labels::VOLUME.into(), key.into());
        docker
            .create_volume(VolumeCreateRequest {
                name: Some(name.clone()),
                labels: Some(l),
                ..Default::default()
            })
            .await
            .with_context(|| format!("creating volume {name}"))?;
        p.line(format!("Volume {name}  Created"));
    }
    Ok(())
}

fn label<'a>(c: &'a ContainerSummary, key: &str) -> Option<&'a str> {
    c.labels
        .as_ref()
        .and_then(|l| l.get(key))
        .map(String::as_str)
}

/// Creates, recreates, starts or removes the containers of one service.
async fn apply_service(
    docker: &Docker,
    t: &Target,
    name: &str,
    spec: &ServiceSpec,
    image_id: &str,
    existing: Vec<ContainerSummary>,
    p: &Progress<'_>,
) -> Result<UpReport> {
    let ctx = Context {
        project: &t.project,
        dir: &t.dir,
        file: &t.file,
    };
    let hash = config_hash(spec, image_id);
    let replicas = spec.replicas();
    let by_number: HashMap<u32, &ContainerSummary> = existing
        .iter()
        .filter_map(|c| {
            label(c, labels::NUMBER)
                .and_then(|n| n.parse().ok())
                .map(|n| (n, c))
        })
        .collect();
    // Replicas are independent: created and started at once, reported in order.
    let ctx = &ctx;
    let hash = hash.as_str();
    let by_number = &by_number;
    let jobs = (1..=replicas).map(|n| async move {
        let mut report = UpReport::default();
        let cname = labels::container_name(&t.project, name, n);
        let current = by_number.get(&n);
        let fresh = current.is_some_and(|c| label(c, labels::CONFIG_HASH) == Some(hash));
        if let (Some(c), false) = (current, fresh) {
            let id = c.id.clone().unwrap_or_default();
            let _ = docker
                .stop_container(
                    &id,
                    Some(StopContainerOptionsBuilder::default().t(10).build()),
                )
                .await;
            docker
                .remove_container(
                    &id,
                    Some(RemoveContainerOptionsBuilder::default().force(true).build()),
                )
                .await
                .with_context(|| format!("removing {cname}"))?;
        }
        if !fresh {
            let mut body = ctx.create_body(name, spec, n, image_id, hash)?;
            let api = docker.client_version();
            check_often_while_starting(
                &mut body,
                spec.build.is_some(),
                (api.major_version, api.minor_version),
            );
            docker
                .create_container(
                    Some(
                        CreateContainerOptionsBuilder::default()
                            .name(&cname)
                            .build(),
                    ),
                    body,
                )
                .await
                .with_context(|| format!("creating {cname}"))?;
            report.created.push(cname.clone());
        }
        let running = fresh
            && current
                .is_some_and(|c| c.state.as_ref().map(|s| s.to_string()) == Some("running".into()));
        if running {
            report.unchanged.push(cname.clone());
            return Ok(report);
        }
        let step = p.start(format!("Container {cname}"), "Starting");
        if let Err(e) = docker.start_container(&cname, None).await {
            step.failed("Start failed");
            return Err(start_error(&cname, spec, e));
        }
        report.started.push(cname.clone());
        step.done(if fresh { "Started" } else { "Created, started" });
        Ok::<_, anyhow::Error>(report)
    });
    let mut report = UpReport::default();
    for r in try_join_all(jobs).await? {
        report.merge(r);
    }
    for (&n, c) in by_number {
        if n > replicas {
            let id = c.id.clone().unwrap_or_default();
            docker
                .remove_container(
                    &id,
                    Some(RemoveContainerOptionsBuilder::default().force(true).build()),
                )
                .await?;
            let cname = labels::container_name(&t.project, name, n);
            p.line(format!("Container {cname}  Removed (scaled to {replicas})"));
            report.removed.push(cname);
        }
    }
    Ok(report)
}

/// Names the port and who holds it when a start fails on a published port.
fn start_error(cname: &str, spec: &ServiceSpec, e: bollard::errors::Error) -> anyhow::Error {
    let text = e.to_string();
    if text.contains("port is already allocated") || text.contains("address already in use") {
        let held: Vec<String> = spec
            .ports
            .iter()
            .filter_map(|p| {
                p.split(':')
                    .rev()
                    .nth(1)
                    .and_then(|h| h.parse::<u16>().ok())
            })
            .filter(|port| text.contains(&format!(":{port}")))
            .map(|port| match super::ports::owner(port) {
                Some(who) => format!("port {port} is held by {who}"),
                None => format!("port {port} is in use"),
            })
            .collect();
        let what = if held.is_empty() {
            format!("one of {}", spec.ports.join(", "))
        } else {
            held.join("; ")
        };
        return anyhow!(
            "starting {cname} failed: {what}\n  ({text})\n  = help: stop what holds the port, or change the port in mcp-stack.yaml"
        );
    }
    anyhow!("starting {cname} failed: {text}")
}

/// Applies the selected profiles of `t`; progress goes to `reporter`. Fails, after reporting
/// every service's state, when a service does not become healthy.
pub async fn up(
    docker: &Docker,
    t: &Target,
    opts: &UpOptions,
    reporter: &dyn Reporter,
) -> Result<UpReport> {
    let selected: BTreeSet<String> = t
        .file
        .services
        .iter()
        .filter(|(_, s)| s.profiles.iter().any(|p| opts.profiles.contains(p)))
        .map(|(n, _)| n.clone())
        .collect();
    if selected.is_empty() {
        bail!("no service is in the profiles {:?}", opts.profiles);
    }
    let levels = levels(t, &selected)?;
    let p = Progress::new(reporter);
    let p = &p;
    ensure_network(docker, t, p).await?;
    ensure_volumes(docker, t, &selected, p).await?;
    let all: Vec<String> = levels.iter().flatten().cloned().collect();
    let images = images::ensure(docker, t, &all, opts, p).await?;
    let list = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&labels::project_filter(&t.project))
        .build();
    let existing = docker.list_containers(Some(list)).await?;
    // When each existing container was created (whole seconds), by name.
    let created: HashMap<String, i64> = existing
        .iter()
        .filter_map(|c| {
            let name = c.names.as_ref()?.first()?.trim_start_matches('/');
            Some((name.to_string(), c.created?))
        })
        .collect();
    let mut by_service: HashMap<String, Vec<ContainerSummary>> = HashMap::new();
    for c in existing {
        if let Some(s) = label(&c, labels::SERVICE) {
            by_service.entry(s.to_string()).or_default().push(c);
        }
    }
    // Services some other selected service waits on until healthy.
    let awaited: BTreeSet<&str> = selected
        .iter()
        .flat_map(|s| t.file.services[s].depends_on.iter())
        .filter(|(_, d)| d.condition == "service_healthy")
        .map(|(n, _)| n.as_str())
        .collect();
    let mut report = UpReport::default();
    for level in levels {
        let jobs = level.iter().map(|name| {
            let spec = &t.file.services[name];
            let existing = by_service.remove(name).unwrap_or_default();
            let image = images[name].clone();
            let wait = awaited.contains(name.as_str());
            async move {
                let r = apply_service(docker, t, name, spec, &image, existing, p).await?;
                let failed = if wait {
                    wait_healthy(docker, t, name, spec.replicas(), p).await
                } else {
                    Vec::new()
                };
                Ok::<_, anyhow::Error>((r, failed))
            }
        });
        let mut failures: Vec<Failure> = Vec::new();
        for (r, failed) in try_join_all(jobs).await? {
            report.merge(r);
            failures.extend(failed);
        }
        // What depends on a failed service cannot start: say where everything stands.
        if !failures.is_empty() {
            return Err(failure_report(docker, t, &selected, &failures).await);
        }
    }
    reload_gateways(docker, t, &selected, &created, &mut report, p).await?;
    // Everything with a health check, healthy: the stack is up only when its servers answer.
    let rest = all
        .iter()
        .filter(|n| opts.wait && !awaited.contains(n.as_str()))
        .map(|name| {
            let replicas = t.file.services[name].replicas();
            async move { wait_healthy(docker, t, name, replicas, p).await }
        });
    let failures: Vec<Failure> = join_all(rest).await.into_iter().flatten().collect();
    if !failures.is_empty() {
        return Err(failure_report(docker, t, &selected, &failures).await);
    }
    Ok(report)
}

/// Gateways that kept running load a changed nginx config, and new server addresses when this
/// `up` created, started or removed anything; fresh ones note what they loaded. A gateway
/// created after its config file was last written read that file when it started (and any
/// reload since read it again): when nothing else changed either, it is left alone without
/// asking it, which spares a warm `up` an exec into the container.
async fn reload_gateways(
    docker: &Docker,
    t: &Target,
    selected: &BTreeSet<String>,
    created: &HashMap<String, i64>,
    report: &mut UpReport,
    p: &Progress<'_>,
) -> Result<()> {
    let moved = report.changed();
    for name in selected {
        let spec = &t.file.services[name];
        let Some(config) = spec.labels.get(labels::NGINX_CONFIG) else {
            continue;
        };
        for n in 1..=spec.replicas() {
            let cname = labels::container_name(&t.project, name, n);
            if !report.unchanged.contains(&cname) {
                // Just started: nginx read the current file; note it (a gateway that died at
                // start is reported by the health wait, not here).
                let _ = reload(docker, &cname, config, true).await;
                continue;
            }
            let written = host_path(t, spec, config).and_then(|f| modified_secs(&f));
            if let (false, Some(written), Some(&created)) = (moved, written, created.get(&cname)) {
                // `created` is rounded down to the second: strictly before it is before it.
                if written < created as f64 {
                    continue;
                }
            }
            let why = match reload(docker, &cname, config, false).await? {
                Outcome::Unchanged => continue,
                Outcome::Reloaded => "nginx config changed",
                Outcome::Readdressed => "a server's address changed",
            };
            p.line(format!("Container {cname}  Reloaded ({why})"));
            report.reloaded.push(cname);
        }
    }
    Ok(())
}

/// Where `path` inside the container is on this machine: through a bind mount of a folder of
/// the project (`./nginx:/etc/nginx/mcpstack:ro`).
fn host_path(t: &Target, spec: &ServiceSpec, path: &str) -> Option<std::path::PathBuf> {
    spec.volumes.iter().find_map(|v| {
        let mut parts = v.split(':');
        let (src, dst) = (parts.next()?, parts.next()?);
        let rest = path.strip_prefix(dst)?.strip_prefix('/')?;
        src.starts_with("./").then(|| t.dir.join(src).join(rest))
    })
}

/// A file's modification time in seconds since the epoch.
fn modified_secs(path: &std::path::Path) -> Option<f64> {
    let m = std::fs::metadata(path).ok()?.modified().ok()?;
    Some(m.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs_f64())
}
