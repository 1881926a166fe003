//! `up --target swarm`: images (built, tagged by content hash, pushed with `registry:`), the
//! overlay network, secrets and configs (created once per content), then every service created
//! or updated (a rolling update), services no longer in the stack removed, and the stack
//! waited for until every replica runs (a task with a health check runs once healthy).

use super::spec::{self, Inputs, Object, Plan};
use super::{namespace_filter, object_name, require_manager, NAMESPACE};
use crate::engine::progress::{Progress, Reporter};
use crate::engine::push::{cluster_images, production_order};
use crate::engine::Target;
use crate::engine::{credentials, UpOptions};
use crate::model::Stack;
use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use bollard::models::{ConfigSpec, NetworkCreateRequest, SecretSpec, ServiceSpec, TaskState};
use bollard::query_parameters::{
    ListConfigsOptionsBuilder, ListSecretsOptionsBuilder, ListServicesOptionsBuilder,
    ListTasksOptionsBuilder, LogsOptionsBuilder, UpdateServiceOptionsBuilder,
};
use bollard::Docker;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

/// The longest `up` waits for the services to converge.
const LIMIT: Duration = Duration::from_secs(300);
/// On a service: the hash of the spec mcpstack sent, so an unchanged service is left alone.
const SPEC_HASH: &str = "dev.mcpstack.spec-hash";

pub struct DeployOptions {
    pub build: bool,
    pub verbose: bool,
    /// Wait until every replica runs (and is healthy).
    pub wait: bool,
}

#[derive(Debug, Default)]
pub struct DeployReport {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    pub removed: Vec<String>,
    pub warnings: Vec<String>,
}

fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// A hash of the spec that does not depend on the order of its maps (labels are hash maps).
fn spec_hash(spec: &ServiceSpec) -> String {
    fn sorted(v: serde_json::Value) -> serde_json::Value {
        use serde_json::Value as V;
        match v {
            V::Object(map) => {
                let ordered: BTreeMap<String, V> =
                    map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
                V::Object(ordered.into_iter().collect())
            }
            V::Array(items) => V::Array(items.into_iter().map(sorted).collect()),
            other => other,
        }
    }
    let value = sorted(serde_json::to_value(spec).expect("serializable"));
    let json = value.to_string();
    Sha256::digest(json.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub async fn deploy(
    docker: &Docker,
    t: &Target,
    stack: &Stack,
    opts: &DeployOptions,
    reporter: &dyn Reporter,
) -> Result<DeployReport> {
    require_manager(docker).await?;
    let p = Progress::new(reporter);
    let up = UpOptions {
        profiles: vec!["production".into()],
        build: opts.build,
        verbose: opts.verbose,
        wait: opts.wait,
    };
    let images = cluster_images(docker, t, stack, &up, stack.registry.is_some(), &p).await?;
    let services: Vec<String> = production_order(t)?
        .into_iter()
        .filter(|s| t.file.services[s].replicas() > 0)
        .collect();
    // Secret variables, by the services that read them.
    let mut secret_vars: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (var, v) in stack.variables.iter().filter(|(_, v)| v.secret) {
        for reader in &v.readers {
            if services.contains(reader) {
                secret_vars
                    .entry(reader.clone())
                    .or_default()
                    .insert(var.clone());
            }
        }
    }
    let mut image_argv = BTreeMap::new();
    for name in secret_vars.keys() {
        // The wrapper runs the image's own command: a prebuilt image is pulled to read it.
        if docker.inspect_image(&images[name]).await.is_err() {
            crate::engine::images::pull(docker, &images[name], &p).await?;
        }
        let image = docker
            .inspect_image(&images[name])
            .await
            .with_context(|| format!("image {} of {name}", images[name]))?;
        let config = image.config.unwrap_or_default();
        image_argv.insert(
            name.clone(),
            (
                config.entrypoint.unwrap_or_default(),
                config.cmd.unwrap_or_default(),
            ),
        );
    }
    let plan = spec::plan(&Inputs {
        project: &t.project,
        dir: &t.dir,
        file: &t.file,
        services: &services,
        images: &images,
        secret_vars: &secret_vars,
        image_argv: &image_argv,
    })?;
    let mut report = DeployReport {
        warnings: plan.warnings.clone(),
        ..Default::default()
    };
    ensure_network(docker, t, &plan, &p).await?;
    let ids = ensure_objects(docker, &t.project, &plan, &p).await?;
    let creds = stack
        .registry
        .as_deref()
        .and_then(|r| credentials::for_host(credentials::registry_host(r)));
    let existing = existing_services(docker, &t.project).await?;
    // Level by level, as Compose's depends_on orders them: a gateway whose nginx resolves its
    // upstreams only at start finds every server's replicas.
    let selected: BTreeSet<String> = services.iter().cloned().collect();
    for level in crate::engine::up::levels(t, &selected)? {
        let specs: Vec<&ServiceSpec> = plan
            .services
            .iter()
            .filter(|(n, _)| level.contains(n))
            .map(|(_, s)| s)
            .collect();
        for spec in &specs {
            apply_service(
                docker,
                spec,
                &ids,
                existing.get(spec.name.as_deref().unwrap_or_default()),
                creds.clone(),
                &mut report,
                &p,
            )
            .await?;
        }
        if opts.wait {
            for spec in specs {
                converge(docker, spec, &p).await?;
            }
        }
    }
    let wanted: BTreeSet<String> = plan
        .services
        .iter()
        .map(|(n, _)| object_name(&t.project, n))
        .collect();
    for (name, s) in &existing {
        if !wanted.contains(name) {
            let id = s.id.clone().unwrap_or_else(|| name.clone());
            docker
                .delete_service(&id)
                .await
                .with_context(|| format!("removing service {name}"))?;
            p.line(format!("Service {name}  Removed (no longer in the stack)"));
            report.removed.push(name.clone());
        }
    }
    prune_objects(docker, &t.project, &plan).await;
    Ok(report)
}

async fn ensure_network(docker: &Docker, t: &Target, plan: &Plan, p: &Progress<'_>) -> Result<()> {
    let name = &plan.network;
    if let Ok(net) = docker.inspect_network(name, None).await {
        let owner = net.labels.as_ref().and_then(|l| l.get(NAMESPACE));
        if owner.map(String::as_str) != Some(t.project.as_str())
            || net.driver.as_deref() != Some("overlay")
        {
            bail!(
                "a network named {name} exists but is not this stack's overlay network\n  = help: remove it (`docker network rm {name}`) or rename the project"
            );
        }
        return Ok(());
    }
    docker
        .create_network(NetworkCreateRequest {
            name: name.clone(),
            driver: Some("overlay".into()),
            attachable: Some(true),
            labels: Some(spec::labels_of(&t.project)),
            ..Default::default()
        })
        .await
        .with_context(|| format!("creating overlay network {name}"))?;
    p.line(format!("Network {name}  Created"));
    Ok(())
}

/// Ids of the secrets and configs, by name.
#[derive(Default)]
struct Ids {
    secrets: HashMap<String, String>,
    configs: HashMap<String, String>,
}

/// Creates the secrets and configs the plan names that do not exist yet (they are immutable
/// and named by content, so an existing one is the same); returns the ids of all of them.
async fn ensure_objects(
    docker: &Docker,
    project: &str,
    plan: &Plan,
    p: &Progress<'_>,
) -> Result<Ids> {
    let filter = namespace_filter(project);
    let mut ids = Ids::default();
    let secrets: HashMap<String, String> = docker
        .list_secrets(Some(
            ListSecretsOptionsBuilder::default()
                .filters(&filter)
                .build(),
        ))
        .await?
        .into_iter()
        .filter_map(|s| Some((s.spec?.name?, s.id?)))
        .collect();
    ids.secrets = ensure_each(
        &plan.secrets,
        secrets,
        "Secret",
        p,
        |name, data| async move {
            let created = docker
                .create_secret(SecretSpec {
                    name: Some(name.clone()),
                    labels: Some(spec::labels_of(project)),
                    data: Some(data),
                    ..Default::default()
                })
                .await
                .with_context(|| format!("creating secret {name}"))?;
            Ok(created.id)
        },
    )
    .await?;
    let configs: HashMap<String, String> = docker
        .list_configs(Some(
            ListConfigsOptionsBuilder::default()
                .filters(&filter)
                .build(),
        ))
        .await?
        .into_iter()
        .filter_map(|s| Some((s.spec?.name?, s.id?)))
        .collect();
    ids.configs = ensure_each(
        &plan.configs,
        configs,
        "Config",
        p,
        |name, data| async move {
            let created = docker
                .create_config(ConfigSpec {
                    name: Some(name.clone()),
                    labels: Some(spec::labels_of(project)),
                    data: Some(data),
                    ..Default::default()
                })
                .await
                .with_context(|| format!("creating config {name}"))?;
            Ok(created.id)
        },
    )
    .await?;
    Ok(ids)
}

/// The id of every object in `wanted`: the existing one of that name (content-named, so the
/// same), else one made by `create` from its name and base64 data.
async fn ensure_each<F, Fut>(
    wanted: &[Object],
    existing: HashMap<String, String>,
    kind: &str,
    p: &Progress<'_>,
    create: F,
) -> Result<HashMap<String, String>>
where
    F: Fn(String, String) -> Fut,
    Fut: std::future::Future<Output = Result<String>>,
{
    let mut ids = HashMap::new();
    for Object { name, data } in wanted {
        let id = match existing.get(name) {
            Some(id) => id.clone(),
            None => {
                let id = create(name.clone(), b64(data)).await?;
                p.line(format!("{kind} {name}  Created"));
                id
            }
        };
        ids.insert(name.clone(), id);
    }
    Ok(ids)
}

/// The engine wants each secret and config by id as well as by name.
fn with_ids(spec: &mut ServiceSpec, ids: &Ids) {
    let Some(c) = spec
        .task_template
        .as_mut()
        .and_then(|t| t.container_spec.as_mut())
    else {
        return;
    };
    for s in c.secrets.iter_mut().flatten() {
        s.secret_id = s
            .secret_name
            .as_ref()
            .and_then(|n| ids.secrets.get(n))
            .cloned();
    }
    for s in c.configs.iter_mut().flatten() {
        s.config_id = s
            .config_name
            .as_ref()
            .and_then(|n| ids.configs.get(n))
            .cloned();
    }
}

async fn existing_services(
    docker: &Docker,
    project: &str,
) -> Result<HashMap<String, bollard::models::Service>> {
    Ok(docker
        .list_services(Some(
            ListServicesOptionsBuilder::default()
                .filters(&namespace_filter(project))
                .build(),
        ))
        .await?
        .into_iter()
        .filter_map(|s| Some((s.spec.as_ref()?.name.clone()?, s)))
        .collect())
}

/// Creates the service, or updates it (a rolling update) when its spec changed.
async fn apply_service(
    docker: &Docker,
    spec: &ServiceSpec,
    ids: &Ids,
    current: Option<&bollard::models::Service>,
    creds: Option<bollard::auth::DockerCredentials>,
    report: &mut DeployReport,
    p: &Progress<'_>,
) -> Result<()> {
    let mut spec = spec.clone();
    let name = spec.name.clone().unwrap_or_default();
    let hash = spec_hash(&spec);
    with_ids(&mut spec, ids);
    spec.labels
        .get_or_insert_with(HashMap::new)
        .insert(SPEC_HASH.into(), hash.clone());
    let Some(current) = current else {
        let step = p.start(format!("Service {name}"), "Creating");
        if let Err(e) = docker.create_service(spec, creds).await {
            step.failed("Create failed");
            return Err(anyhow!("creating service {name}: {e}"));
        }
        step.done("Created");
        report.created.push(name);
        return Ok(());
    };
    let same = current
        .spec
        .as_ref()
        .and_then(|s| s.labels.as_ref())
        .and_then(|l| l.get(SPEC_HASH))
        == Some(&hash);
    if same {
        report.unchanged.push(name);
        return Ok(());
    }
    let version = current
        .version
        .as_ref()
        .and_then(|v| v.index)
        .ok_or_else(|| anyhow!("service {name} has no version"))?;
    let step = p.start(format!("Service {name}"), "Updating");
    let opts = UpdateServiceOptionsBuilder::default()
        .version(version as i32)
        .build();
    let id = current.id.clone().unwrap_or_else(|| name.clone());
    if let Err(e) = docker.update_service(&id, spec, opts, creds).await {
        step.failed("Update failed");
        return Err(anyhow!("updating service {name}: {e}"));
    }
    step.done("Updated (rolling)");
    report.updated.push(name);
    Ok(())
}

/// Tasks that failed (exited, turned unhealthy, or could not start) this many times since the
/// wait began mean the service will not come up: say so instead of waiting for [`LIMIT`].
const FAILED_TASKS: usize = 3;

async fn all_tasks(docker: &Docker, service: &str) -> Result<Vec<bollard::models::Task>> {
    let filters = HashMap::from([("service".to_string(), vec![service.to_string()])]);
    Ok(docker
        .list_tasks(Some(
            ListTasksOptionsBuilder::default().filters(&filters).build(),
        ))
        .await?)
}

fn failed(t: &bollard::models::Task) -> bool {
    matches!(
        t.status.as_ref().and_then(|s| s.state),
        Some(TaskState::FAILED | TaskState::REJECTED)
    )
}

/// What the failed tasks said, and the last log lines of the latest one.
async fn failure_detail(docker: &Docker, tasks: &[&bollard::models::Task]) -> String {
    let errors: BTreeSet<String> = tasks
        .iter()
        .filter_map(|t| {
            let s = t.status.as_ref()?;
            s.err.clone().or(s.message.clone())
        })
        .collect();
    let mut text = format!(
        "the tasks said: {}",
        errors.into_iter().collect::<Vec<_>>().join("; ")
    );
    let latest = tasks
        .iter()
        .max_by_key(|t| t.version.as_ref().and_then(|v| v.index).unwrap_or_default());
    if let Some(id) = latest.and_then(|t| t.id.clone()) {
        let opts = LogsOptionsBuilder::default()
            .stdout(true)
            .stderr(true)
            .tail("20")
            .build();
        let lines: Vec<String> = docker
            .task_logs(&id, Some(opts))
            .filter_map(|l| async move { l.ok().map(|l| l.to_string()) })
            .collect()
            .await;
        if !lines.is_empty() {
            text += "\n  its last log lines:\n";
            for l in lines.concat().lines() {
                text += &format!("  | {l}\n");
            }
        }
    }
    text
}

/// Waits until `replicas` tasks of the service run and its update (if any) completed. Fails
/// with the tasks' errors and last log lines when tasks keep failing, when an update was
/// rolled back (once the rollback is done: the previous version runs again), or after
/// [`LIMIT`].
async fn converge(docker: &Docker, spec: &ServiceSpec, p: &Progress<'_>) -> Result<()> {
    let service = spec.name.as_deref().unwrap_or_default();
    let replicas = spec
        .mode
        .as_ref()
        .and_then(|m| m.replicated.as_ref())
        .and_then(|r| r.replicas)
        .unwrap_or(1);
    let step = p.start(format!("Service {service}"), "Waiting");
    let start = Instant::now();
    let earlier: BTreeSet<String> = all_tasks(docker, service)
        .await?
        .iter()
        .filter(|t| failed(t))
        .filter_map(|t| t.id.clone())
        .collect();
    loop {
        let tasks = all_tasks(docker, service).await?;
        let running = tasks
            .iter()
            .filter(|t| t.desired_state == Some(TaskState::RUNNING))
            .filter(|t| t.status.as_ref().and_then(|s| s.state) == Some(TaskState::RUNNING))
            .count() as i64;
        let new_failures: Vec<&bollard::models::Task> = tasks
            .iter()
            .filter(|t| failed(t) && !t.id.as_ref().is_some_and(|id| earlier.contains(id)))
            .collect();
        let inspect = docker.inspect_service(service, None).await?;
        let update = inspect
            .update_status
            .as_ref()
            .and_then(|u| u.state)
            .map(|s| s.to_string())
            .unwrap_or_default();
        if update == "rollback_completed" || update == "paused" || update == "rollback_paused" {
            step.failed("Update rolled back");
            let why = inspect
                .update_status
                .and_then(|u| u.message)
                .unwrap_or_default();
            let detail = failure_detail(docker, &new_failures).await;
            bail!(
                "the update of {service} failed and was {} ({why}); {detail}\n  = help: fix it and run `mcpstack up --target swarm` again",
                if update == "rollback_completed" {
                    "rolled back: the previous version runs"
                } else {
                    "paused"
                }
            );
        }
        if running == replicas && (update.is_empty() || update == "completed") {
            step.done(&format!("Running ({running}/{replicas})"));
            return Ok(());
        }
        let updating = update == "updating" || update.starts_with("rollback");
        if !updating && new_failures.len() >= FAILED_TASKS {
            step.failed("Failing");
            let detail = failure_detail(docker, &new_failures).await;
            bail!(
                "{service}: {} of its tasks failed, {running} of {replicas} replica(s) run; {detail}  = help: `mcpstack logs --target swarm` and `mcpstack ps --target swarm` show each replica",
                new_failures.len()
            );
        }
        if start.elapsed() > LIMIT {
            step.failed("Not running");
            let detail = failure_detail(docker, &new_failures).await;
            bail!(
                "{service}: {running} of {replicas} replica(s) running after {}s; {detail}\n  = help: `mcpstack ps --target swarm` and `mcpstack logs --target swarm` show each replica",
                LIMIT.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Removes the project's secrets and configs the stack no longer uses (older contents).
async fn prune_objects(docker: &Docker, project: &str, plan: &Plan) {
    let filter = namespace_filter(project);
    let keep_secrets: BTreeSet<&str> = plan.secrets.iter().map(|o| o.name.as_str()).collect();
    let keep_configs: BTreeSet<&str> = plan.configs.iter().map(|o| o.name.as_str()).collect();
    if let Ok(list) = docker
        .list_secrets(Some(
            ListSecretsOptionsBuilder::default()
                .filters(&filter)
                .build(),
        ))
        .await
    {
        for s in list {
            let name = s.spec.and_then(|s| s.name).unwrap_or_default();
            if !keep_secrets.contains(name.as_str()) {
                // Still in use by a task being replaced: left for the next run.
                let _ = docker.delete_secret(&s.id.unwrap_or(name)).await;
            }
        }
    }
    if let Ok(list) = docker
        .list_configs(Some(
            ListConfigsOptionsBuilder::default()
                .filters(&filter)
                .build(),
        ))
        .await
    {
        for c in list {
            let name = c.spec.and_then(|s| s.name).unwrap_or_default();
            if !keep_configs.contains(name.as_str()) {
                let _ = docker.delete_config(&c.id.unwrap_or(name)).await;
            }
        }
    }
}
