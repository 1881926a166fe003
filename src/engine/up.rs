//! `up`: network, volumes, images, then containers in dependency order, changing only what
//! changed (by Compose's config hash), waiting for health where the file says so.

use super::build::build;
use super::container::{config_hash, Context};
use super::labels;
use super::progress::Progress;
use super::spec::ServiceSpec;
use super::Target;
use anyhow::{anyhow, bail, Context as _, Result};
use bollard::models::{ContainerSummary, NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, ListContainersOptionsBuilder,
    LogsOptionsBuilder, RemoveContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use bollard::Docker;
use futures_util::{future::try_join_all, StreamExt};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

pub struct UpOptions {
    pub profiles: Vec<String>,
    /// Build images even if they exist.
    pub build: bool,
    pub verbose: bool,
    /// Wait for every health check (dependencies are always waited for).
    pub wait: bool,
    /// No progress output (errors are still returned).
    pub quiet: bool,
}

#[derive(Default, Debug)]
pub struct UpReport {
    pub created: Vec<String>,
    pub started: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: Vec<String>,
}

impl UpReport {
    pub fn changed(&self) -> bool {
        !(self.created.is_empty() && self.started.is_empty() && self.removed.is_empty())
    }
}

/// The services of the selected profiles, in start order: each level depends only on earlier ones.
fn levels(t: &Target, selected: &BTreeSet<String>) -> Result<Vec<Vec<String>>> {
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

async fn ensure_network(docker: &Docker, t: &Target, p: &Progress) -> Result<()> {
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
    p: &Progress,
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

/// Builds or pulls what is missing; returns image ids by service.
async fn ensure_images(
    docker: &Docker,
    t: &Target,
    selected: &BTreeSet<String>,
    opts: &UpOptions,
    p: &Progress,
) -> Result<BTreeMap<String, String>> {
    let mut ids = BTreeMap::new();
    let mut built: BTreeMap<String, String> = BTreeMap::new();
    for name in selected {
        let spec = &t.file.services[name];
        let present = docker.inspect_image(&spec.image).await.ok();
        if let Some(b) = &spec.build {
            let key = format!("{}|{}", b.context, b.dockerfile);
            if built.contains_key(&key) || (present.is_some() && !opts.build) {
                // Already built in this run, or present and no --build asked.
            } else {
                let folder = t.dir.join(&b.context);
                let dockerfile = folder.join(&b.dockerfile);
                let step = p.start(format!("Image {}", spec.image), "Building");
                let mut l = labels::base(&t.project);
                l.insert(labels::SERVICE.into(), name.clone());
                let verbose = opts.verbose;
                let built_ok = build(docker, &spec.image, &folder, &dockerfile, l, |line| {
                    if verbose {
                        p.detail(format!("   {name} | {line}"));
                    }
                })
                .await;
                match built_ok {
                    Ok(()) => step.done("Built"),
                    Err(e) => {
                        step.failed("Build failed");
                        return Err(e);
                    }
                }
                built.insert(key, spec.image.clone());
            }
        } else if present.is_none() {
            pull(docker, &spec.image, p).await?;
        }
        let id = docker
            .inspect_image(&spec.image)
            .await
            .with_context(|| format!("image {} of {name}", spec.image))?
            .id
            .unwrap_or_default();
        ids.insert(name.clone(), id);
    }
    Ok(ids)
}

async fn pull(docker: &Docker, image: &str, p: &Progress) -> Result<()> {
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
    p: &Progress,
) -> Result<UpReport> {
    let ctx = Context {
        project: &t.project,
        dir: &t.dir,
        file: &t.file,
    };
    let hash = config_hash(spec, image_id);
    let replicas = spec.replicas();
    let mut report = UpReport::default();
    let by_number: HashMap<u32, &ContainerSummary> = existing
        .iter()
        .filter_map(|c| {
            label(c, labels::NUMBER)
                .and_then(|n| n.parse().ok())
                .map(|n| (n, c))
        })
        .collect();
    for n in 1..=replicas {
        let cname = labels::container_name(&t.project, name, n);
        let current = by_number.get(&n);
        let fresh = current.is_some_and(|c| label(c, labels::CONFIG_HASH) == Some(hash.as_str()));
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
            let body = ctx.create_body(name, spec, n, image_id, &hash)?;
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
            continue;
        }
        let step = p.start(format!("Container {cname}"), "Starting");
        if let Err(e) = docker.start_container(&cname, None).await {
            step.failed("Start failed");
            return Err(start_error(&cname, spec, e));
        }
        report.started.push(cname.clone());
        step.done(if fresh { "Started" } else { "Created, started" });
    }
    for (n, c) in by_number {
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

/// Waits until every container of `name` is healthy; shows the last log lines if not.
async fn wait_healthy(
    docker: &Docker,
    t: &Target,
    name: &str,
    replicas: u32,
    p: &Progress,
) -> Result<()> {
    let limit = Duration::from_secs(300);
    let mut step = None;
    for n in 1..=replicas {
        let cname = labels::container_name(&t.project, name, n);
        loop {
            let c = docker.inspect_container(&cname, None).await?;
            let state = c.state.unwrap_or_default();
            let health = state.health.and_then(|h| h.status).map(|s| s.to_string());
            let Some(health) = health.filter(|h| h != "none") else {
                break;
            };
            if health == "healthy" {
                break;
            }
            let waiting = step
                .get_or_insert_with(|| p.start(format!("Service {name}"), "Waiting for health"));
            let failure = if health == "unhealthy" {
                Some(format!("{cname} is unhealthy"))
            } else if state.running != Some(true) {
                Some(format!("{cname} stopped while starting"))
            } else if waiting.elapsed() > limit {
                Some(format!("{cname} did not become healthy in {limit:?}"))
            } else {
                None
            };
            if let Some(f) = failure {
                if let Some(s) = step.take() {
                    s.failed("Unhealthy");
                }
                bail!("{f}\n{}", last_logs(docker, &cname).await);
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    if let Some(s) = step {
        s.done("Healthy");
    }
    Ok(())
}

async fn last_logs(docker: &Docker, cname: &str) -> String {
    let opts = LogsOptionsBuilder::default()
        .stdout(true)
        .stderr(true)
        .tail("20")
        .build();
    let mut s = docker.logs(cname, Some(opts));
    let mut out = format!("  last log lines of {cname}:\n");
    while let Some(Ok(line)) = s.next().await {
        for l in line.to_string().lines() {
            out += &format!("  | {l}\n");
        }
    }
    out
}

pub async fn up(docker: &Docker, t: &Target, opts: &UpOptions) -> Result<UpReport> {
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
    let p = Progress::new(opts.quiet);
    let p = &p;
    ensure_network(docker, t, p).await?;
    ensure_volumes(docker, t, &selected, p).await?;
    let images = ensure_images(docker, t, &selected, opts, p).await?;
    let list = ListContainersOptionsBuilder::default()
        .all(true)
        .filters(&labels::project_filter(&t.project))
        .build();
    let existing = docker.list_containers(Some(list)).await?;
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
    let all: Vec<String> = levels.iter().flatten().cloned().collect();
    for level in levels {
        let jobs = level.iter().map(|name| {
            let spec = &t.file.services[name];
            let existing = by_service.remove(name).unwrap_or_default();
            let image = images[name].clone();
            let wait = awaited.contains(name.as_str());
            async move {
                let r = apply_service(docker, t, name, spec, &image, existing, p).await?;
                if wait {
                    wait_healthy(docker, t, name, spec.replicas(), p).await?;
                }
                Ok::<_, anyhow::Error>(r)
            }
        });
        for r in try_join_all(jobs).await? {
            report.created.extend(r.created);
            report.started.extend(r.started);
            report.removed.extend(r.removed);
            report.unchanged.extend(r.unchanged);
        }
    }
    // Everything with a health check, healthy: the stack is up only when its servers answer.
    let rest = all
        .iter()
        .filter(|n| opts.wait && !awaited.contains(n.as_str()))
        .map(|name| {
            let replicas = t.file.services[name].replicas();
            async move { wait_healthy(docker, t, name, replicas, p).await }
        });
    try_join_all(rest).await?;
    Ok(report)
}
