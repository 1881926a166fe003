//! The rendered `compose.yaml` (production profile) → swarm objects: one service per Compose
//! service, an overlay network, swarm secrets for secret variables and key files, swarm configs
//! for the rendered files the gateway mounts. Pure: files are read, nothing is sent.

use super::{object_name, NAMESPACE};
use crate::engine::labels;
use crate::engine::spec::{ComposeFile, ServiceSpec as Compose};
use anyhow::{bail, Context, Result};
use bollard::models::{
    EndpointPortConfig, EndpointPortConfigPublishModeEnum, EndpointSpec, EndpointSpecModeEnum,
    HealthConfig, Limit, Mount, MountType, MountVolumeOptions, NetworkAttachmentConfig,
    ResourceObject, ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicated,
    ServiceSpecRollbackConfig, ServiceSpecRollbackConfigFailureActionEnum,
    ServiceSpecRollbackConfigOrderEnum, ServiceSpecUpdateConfig,
    ServiceSpecUpdateConfigFailureActionEnum, ServiceSpecUpdateConfigOrderEnum, TaskSpec,
    TaskSpecContainerSpec, TaskSpecContainerSpecConfigs, TaskSpecContainerSpecFile,
    TaskSpecContainerSpecFile1, TaskSpecContainerSpecSecrets, TaskSpecLogDriver, TaskSpecResources,
    TaskSpecRestartPolicy, TaskSpecRestartPolicyConditionEnum,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

/// Where a secret variable's value is mounted; the wrapper exports it before the command.
pub const SECRETS_DIR: &str = "/run/secrets";

/// What the planner reads.
pub struct Inputs<'a> {
    pub project: &'a str,
    /// The output folder (holds compose.yaml), canonical.
    pub dir: &'a Path,
    pub file: &'a ComposeFile,
    /// The Compose services to deploy.
    pub services: &'a [String],
    /// Image reference by service (built images by content hash, others as written).
    pub images: &'a BTreeMap<String, String>,
    /// Variables each service reads that are secrets (passed as swarm secrets, not env).
    pub secret_vars: &'a BTreeMap<String, BTreeSet<String>>,
    /// The image's own (entrypoint, cmd), for services whose command the secrets wrapper wraps.
    pub image_argv: &'a BTreeMap<String, (Vec<String>, Vec<String>)>,
}

/// A swarm secret or config: immutable, so its name carries its content hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub name: String,
    pub data: Vec<u8>,
}

/// Everything `up --target swarm` creates.
#[derive(Debug)]
pub struct Plan {
    pub network: String,
    /// (Compose service name, swarm service spec).
    pub services: Vec<(String, ServiceSpec)>,
    pub secrets: Vec<Object>,
    pub configs: Vec<Object>,
    pub warnings: Vec<String>,
}

fn hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A valid swarm object name (at most 64 characters of `[A-Za-z0-9_.-]`, alphanumeric ends)
/// naming the project, what it is, and its content.
fn versioned(project: &str, what: &str, data: &[u8]) -> String {
    let clean = |s: &str, max: usize| -> String {
        let s: String = s
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .take(max)
            .collect();
        s.trim_matches(|c: char| !c.is_ascii_alphanumeric())
            .to_string()
    };
    format!("{}_{}_{}", clean(project, 24), clean(what, 24), hex(data))
}

fn ns(project: &str) -> HashMap<String, String> {
    HashMap::from([
        (NAMESPACE.to_string(), project.to_string()),
        (
            labels::MADE_BY.to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
    ])
}

pub fn labels_of(project: &str) -> HashMap<String, String> {
    ns(project)
}

fn duration_ns(s: &str) -> Option<i64> {
    crate::model::parse_duration_ms(s).map(|ms| ms as i64 * 1_000_000)
}

/// `export NAME="$(cat /run/secrets/NAME)"` for each, then the command.
fn wrapper(vars: &BTreeSet<String>) -> Result<String> {
    let mut script = String::from("set -e; ");
    for v in vars {
        if !v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            || v.as_bytes()[0].is_ascii_digit()
        {
            bail!("`{v}` is not a variable name a shell can export");
        }
        script += &format!("export {v}=\"$(cat {SECRETS_DIR}/{v})\"; ");
    }
    script += "exec \"$@\"";
    Ok(script)
}

/// The command line the container runs: Compose's entrypoint and command over the image's.
fn argv(c: &Compose, image: Option<&(Vec<String>, Vec<String>)>) -> Vec<String> {
    let (img_entry, img_cmd) = image.cloned().unwrap_or_default();
    let entry = c.entrypoint.clone().unwrap_or(img_entry);
    // A Compose entrypoint drops the image's CMD, as Docker does.
    let cmd = match (&c.command, &c.entrypoint) {
        (Some(cmd), _) => cmd.clone(),
        (None, Some(_)) => Vec::new(),
        (None, None) => img_cmd,
    };
    entry.into_iter().chain(cmd).collect()
}

struct Mounts {
    mounts: Vec<Mount>,
    configs: Vec<TaskSpecContainerSpecConfigs>,
    secrets: Vec<TaskSpecContainerSpecSecrets>,
}

/// A file the stack renders or generates that holds a private key: a swarm secret, not a config.
fn is_key_file(name: &str) -> bool {
    name.ends_with(".key") || name.ends_with("-key.pem") || name.ends_with("key.pem")
}

impl Inputs<'_> {
    fn volume_name(&self, key: &str) -> String {
        self.file
            .volumes
            .get(key)
            .and_then(|v| v.name.clone())
            .unwrap_or_else(|| object_name(self.project, key))
    }

    /// Compose volumes → mounts. A folder inside the output folder (the rendered nginx config,
    /// the certificates) becomes swarm configs (key files: secrets), so the service runs on any
    /// node; named volumes stay volumes; any other path is bound as it is on the node.
    fn mounts(&self, name: &str, c: &Compose, plan: &mut Plan) -> Result<Mounts> {
        let mut out = Mounts {
            mounts: Vec::new(),
            configs: Vec::new(),
            secrets: Vec::new(),
        };
        for v in &c.volumes {
            let parts: Vec<&str> = v.split(':').collect();
            let (src, dst, ro) = match parts.as_slice() {
                [s, d] => (*s, *d, false),
                [s, d, m] => (*s, *d, m.split(',').any(|m| m == "ro")),
                _ => bail!("volume `{v}` of {name} is not source:target[:mode]"),
            };
            if src.starts_with('.') {
                let path = self.dir.join(src);
                let abs = path
                    .canonicalize()
                    .with_context(|| format!("{} (mounted into {name})", path.display()))?;
                if abs.starts_with(self.dir) && abs.is_dir() {
                    self.folder_objects(name, &abs, dst, &mut out, plan)?;
                    continue;
                }
                plan.warnings.push(format!(
                    "{name}: {} is bound from this node's file system; on a cluster of several nodes it must exist on each",
                    abs.display()
                ));
                out.mounts.push(bind(&abs.to_string_lossy(), dst, ro));
            } else if src.starts_with('/') {
                out.mounts.push(bind(src, dst, ro));
            } else {
                out.mounts.push(Mount {
                    target: Some(dst.into()),
                    source: Some(self.volume_name(src)),
                    typ: Some(MountType::VOLUME),
                    read_only: Some(ro),
                    // Created on first use; the label lets `down --volumes` find it.
                    volume_options: Some(MountVolumeOptions {
                        labels: Some(ns(self.project)),
                        ..Default::default()
                    }),
                    ..Default::default()
                });
            }
        }
        for t in &c.tmpfs {
            out.mounts.push(Mount {
                target: Some(t.clone()),
                typ: Some(MountType::TMPFS),
                ..Default::default()
            });
        }
        Ok(out)
    }

    /// Every file below `folder` as a config (or a secret, for a private key) at `dst`.
    fn folder_objects(
        &self,
        name: &str,
        folder: &Path,
        dst: &str,
        out: &mut Mounts,
        plan: &mut Plan,
    ) -> Result<()> {
        let mut files = Vec::new();
        let mut stack = vec![folder.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).with_context(|| format!("reading {}", d.display()))? {
                let e = e?;
                let kind = e.file_type()?;
                if kind.is_dir() {
                    stack.push(e.path());
                } else if kind.is_file() {
                    files.push(e.path());
                }
            }
        }
        files.sort();
        for path in files {
            let rel = path.strip_prefix(folder).expect("below the folder");
            let rel_text = rel.to_string_lossy().replace('\\', "/");
            let target = format!("{}/{rel_text}", dst.trim_end_matches('/'));
            let data =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let what = format!(
                "{name}-{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            let object_name = versioned(self.project, &what, &data);
            let secret = is_key_file(&rel_text);
            if secret {
                out.secrets.push(TaskSpecContainerSpecSecrets {
                    file: Some(TaskSpecContainerSpecFile {
                        name: Some(target),
                        uid: Some("0".into()),
                        gid: Some("0".into()),
                        mode: Some(0o400),
                    }),
                    secret_name: Some(object_name.clone()),
                    ..Default::default()
                });
            } else {
                out.configs.push(TaskSpecContainerSpecConfigs {
                    file: Some(TaskSpecContainerSpecFile1 {
                        name: Some(target),
                        uid: Some("0".into()),
                        gid: Some("0".into()),
                        mode: Some(0o444),
                    }),
                    config_name: Some(object_name.clone()),
                    ..Default::default()
                });
            }
            let objects = if secret {
                &mut plan.secrets
            } else {
                &mut plan.configs
            };
            push_unique(
                objects,
                Object {
                    name: object_name,
                    data,
                },
            );
        }
        Ok(())
    }

    fn service(&self, name: &str, c: &Compose, plan: &mut Plan) -> Result<ServiceSpec> {
        if c.privileged || !c.devices.is_empty() {
            bail!(
                "{name} needs a privileged container or devices, which swarm services cannot have"
            );
        }
        let mut env = c.environment.clone();
        let secret_vars = self.secret_vars.get(name).cloned().unwrap_or_default();
        let mut mounts = self.mounts(name, c, plan)?;
        for var in &secret_vars {
            let value = env.remove(var).unwrap_or_default();
            let object_name = versioned(self.project, var, value.as_bytes());
            mounts.secrets.push(TaskSpecContainerSpecSecrets {
                file: Some(TaskSpecContainerSpecFile {
                    name: Some(var.clone()),
                    uid: Some("0".into()),
                    gid: Some("0".into()),
                    mode: Some(0o444),
                }),
                secret_name: Some(object_name.clone()),
                ..Default::default()
            });
            push_unique(
                &mut plan.secrets,
                Object {
                    name: object_name,
                    data: value.into_bytes(),
                },
            );
        }
        let full = argv(c, self.image_argv.get(name));
        let (command, args) = if secret_vars.is_empty() {
            (c.entrypoint.clone(), c.command.clone())
        } else {
            if full.is_empty() {
                bail!("{name}: its image names no command to start after reading its secrets");
            }
            let mut command = vec![
                "/bin/sh".to_string(),
                "-c".to_string(),
                wrapper(&secret_vars)?,
                "mcpstack-secrets".to_string(),
            ];
            command.extend(full);
            (Some(command), Some(Vec::new()))
        };
        let mut ports = Vec::new();
        for p in &c.ports {
            let parts: Vec<&str> = p.split(':').collect();
            let (ip, published, target) = match parts.as_slice() {
                [ip, h, t] => (Some(*ip), *h, *t),
                [h, t] => (None, *h, *t),
                _ => bail!("port `{p}` of {name} is not host:container"),
            };
            if let Some(ip) = ip.filter(|ip| *ip != "0.0.0.0") {
                plan.warnings.push(format!(
                    "{name}: swarm publishes port {published} on every address of the node, not only on {ip}"
                ));
            }
            ports.push(EndpointPortConfig {
                target_port: Some(target.parse().with_context(|| format!("port `{p}`"))?),
                published_port: Some(published.parse().with_context(|| format!("port `{p}`"))?),
                publish_mode: Some(EndpointPortConfigPublishModeEnum::HOST),
                ..Default::default()
            });
        }
        let published = !ports.is_empty();
        let resources = c.resources();
        let mut service_labels = ns(self.project);
        service_labels.extend(c.labels.clone());
        service_labels.insert(labels::SERVICE.into(), name.into());
        // A gateway publishing in host mode holds its ports: the old task stops first.
        // Servers start the new replica first, so the route never loses every replica.
        let order_first = !published;
        let image = self
            .images
            .get(name)
            .cloned()
            .unwrap_or_else(|| c.image.clone());
        let mut container_labels = ns(self.project);
        container_labels.insert(labels::SERVICE.into(), name.into());
        Ok(ServiceSpec {
            name: Some(object_name(self.project, name)),
            labels: Some(service_labels),
            task_template: Some(TaskSpec {
                container_spec: Some(TaskSpecContainerSpec {
                    image: Some(image),
                    labels: Some(container_labels),
                    command,
                    args,
                    env: Some(env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
                    user: c.user.clone(),
                    groups: (!c.group_add.is_empty()).then(|| c.group_add.clone()),
                    read_only: Some(c.read_only),
                    mounts: Some(mounts.mounts),
                    health_check: c.healthcheck.as_ref().map(|h| HealthConfig {
                        test: Some(h.test.clone()),
                        interval: duration_ns(&h.interval),
                        timeout: duration_ns(&h.timeout),
                        retries: Some(h.retries),
                        start_period: duration_ns(&h.start_period),
                        ..Default::default()
                    }),
                    secrets: Some(mounts.secrets),
                    configs: Some(mounts.configs),
                    init: c.init,
                    capability_add: (!c.cap_add.is_empty()).then(|| c.cap_add.clone()),
                    capability_drop: (!c.cap_drop.is_empty()).then(|| c.cap_drop.clone()),
                    stop_grace_period: Some(10_000_000_000),
                    ..Default::default()
                }),
                resources: Some(TaskSpecResources {
                    limits: (resources.nano_cpus.is_some() || resources.memory.is_some())
                        .then_some(Limit {
                            nano_cpus: resources.nano_cpus,
                            memory_bytes: resources.memory,
                            ..Default::default()
                        }),
                    reservations: resources.memory_reservation.map(|m| ResourceObject {
                        memory_bytes: Some(m),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                restart_policy: Some(TaskSpecRestartPolicy {
                    condition: Some(TaskSpecRestartPolicyConditionEnum::ANY),
                    delay: Some(2_000_000_000),
                    max_attempts: Some(0),
                    window: Some(0),
                }),
                networks: Some(vec![NetworkAttachmentConfig {
                    target: Some(plan.network.clone()),
                    aliases: Some(vec![name.to_string()]),
                    ..Default::default()
                }]),
                log_driver: c.logging.as_ref().map(|l| TaskSpecLogDriver {
                    name: Some(l.driver.clone()),
                    options: Some(l.options.clone().into_iter().collect()),
                }),
                ..Default::default()
            }),
            mode: Some(ServiceSpecMode {
                replicated: Some(ServiceSpecModeReplicated {
                    replicas: Some(c.replicas() as i64),
                }),
                ..Default::default()
            }),
            update_config: Some(ServiceSpecUpdateConfig {
                parallelism: Some(1),
                delay: Some(0),
                failure_action: Some(ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK),
                monitor: Some(15_000_000_000),
                max_failure_ratio: Some(0.0),
                order: Some(if order_first {
                    ServiceSpecUpdateConfigOrderEnum::START_FIRST
                } else {
                    ServiceSpecUpdateConfigOrderEnum::STOP_FIRST
                }),
            }),
            rollback_config: Some(ServiceSpecRollbackConfig {
                parallelism: Some(1),
                failure_action: Some(ServiceSpecRollbackConfigFailureActionEnum::PAUSE),
                order: Some(if order_first {
                    ServiceSpecRollbackConfigOrderEnum::START_FIRST
                } else {
                    ServiceSpecRollbackConfigOrderEnum::STOP_FIRST
                }),
                ..Default::default()
            }),
            // Unpublished services resolve to every replica's address (DNS round robin), so
            // the gateway balances and keeps affinity itself, as it does under Compose.
            endpoint_spec: Some(EndpointSpec {
                mode: Some(if published {
                    EndpointSpecModeEnum::VIP
                } else {
                    EndpointSpecModeEnum::DNSRR
                }),
                ports: published.then_some(ports),
            }),
            ..Default::default()
        })
    }
}

fn bind(src: &str, dst: &str, ro: bool) -> Mount {
    Mount {
        target: Some(dst.into()),
        source: Some(src.into()),
        typ: Some(MountType::BIND),
        read_only: Some(ro),
        ..Default::default()
    }
}

fn push_unique(list: &mut Vec<Object>, o: Object) {
    if !list.iter().any(|x| x.name == o.name) {
        list.push(o);
    }
}

/// Every swarm object of the stack.
pub fn plan(i: &Inputs) -> Result<Plan> {
    let mut plan = Plan {
        network: object_name(i.project, "default"),
        services: Vec::new(),
        secrets: Vec::new(),
        configs: Vec::new(),
        warnings: Vec::new(),
    };
    for name in i.services {
        let c = i
            .file
            .services
            .get(name)
            .with_context(|| format!("compose.yaml has no service {name}"))?;
        let spec = i.service(name, c, &mut plan)?;
        plan.services.push((name.clone(), spec));
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::spec::parse;

    const COMPOSE: &str = r#"
services:
  gateway:
    image: nginx:1.27-alpine
    profiles: [production]
    entrypoint: [/bin/sh, /etc/nginx/mcpstack/entrypoint.sh]
    environment:
      MCP_GATEWAY_TOKENS: '${MCP_GATEWAY_TOKENS}'
    ports: ['127.0.0.1:8080:8080', '0.0.0.0:8443:8443']
    volumes: ['./nginx:/etc/nginx/mcpstack:ro', './certs:/etc/nginx/certs:ro']
    depends_on: { main: { condition: service_started } }
    read_only: true
    tmpfs: [/run, /tmp]
    cap_drop: [ALL]
    cap_add: [CHOWN, SETUID]
    labels: { dev.mcpstack.nginx-config: /etc/nginx/mcpstack/nginx.conf }
  main:
    image: team-main:latest
    build: { context: ../main, dockerfile: ../deploy/build/main/Dockerfile }
    profiles: [production]
    environment: { LOG_LEVEL: INFO, API_KEY: '${API_KEY}' }
    init: true
    read_only: true
    tmpfs: [/tmp]
    volumes: ['data:/var/lib/main']
    healthcheck: { test: [CMD, /healthcheck], interval: 10s, timeout: 5s, retries: 3, start_period: 20s }
    deploy:
      replicas: 2
      resources: { limits: { cpus: '0.5', memory: 256M } }
    logging: { driver: json-file, options: { max-size: 10m } }
  root:
    image: busybox
    privileged: true
"#;

    struct Fixture {
        dir: tempfile::TempDir,
        file: ComposeFile,
    }

    fn fixture(token: &str) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("nginx")).unwrap();
        std::fs::create_dir_all(d.join("certs")).unwrap();
        std::fs::write(d.join("nginx/nginx.conf"), "events {}\n").unwrap();
        std::fs::write(d.join("nginx/entrypoint.sh"), "exec nginx\n").unwrap();
        std::fs::write(d.join("certs/fullchain.pem"), "CERT\n").unwrap();
        std::fs::write(d.join("certs/privkey.pem"), "KEY\n").unwrap();
        let vars = BTreeMap::from([
            ("MCP_GATEWAY_TOKENS".to_string(), token.to_string()),
            ("API_KEY".to_string(), "api-key-value".to_string()),
        ]);
        let file = parse(COMPOSE, &vars).unwrap();
        Fixture { dir, file }
    }

    fn plan_of(f: &Fixture, services: &[&str]) -> Result<Plan> {
        let services: Vec<String> = services.iter().map(|s| s.to_string()).collect();
        let images = BTreeMap::from([(
            "main".to_string(),
            "r:5000/t/team-main:0123456789ab".to_string(),
        )]);
        let secret_vars = BTreeMap::from([
            (
                "gateway".to_string(),
                BTreeSet::from(["MCP_GATEWAY_TOKENS".to_string()]),
            ),
            ("main".to_string(), BTreeSet::from(["API_KEY".to_string()])),
        ]);
        let image_argv = BTreeMap::from([(
            "main".to_string(),
            (
                vec!["/entry".to_string()],
                vec![
                    "serve".to_string(),
                    "--port".to_string(),
                    "8000".to_string(),
                ],
            ),
        )]);
        let dir = f.dir.path().canonicalize().unwrap();
        plan(&Inputs {
            project: "team",
            dir: &dir,
            file: &f.file,
            services: &services,
            images: &images,
            secret_vars: &secret_vars,
            image_argv: &image_argv,
        })
    }

    fn service<'a>(p: &'a Plan, name: &str) -> &'a ServiceSpec {
        &p.services.iter().find(|(n, _)| n == name).unwrap().1
    }

    fn container(s: &ServiceSpec) -> &TaskSpecContainerSpec {
        s.task_template
            .as_ref()
            .unwrap()
            .container_spec
            .as_ref()
            .unwrap()
    }

    #[test]
    fn the_gateway_is_published_in_host_mode_with_its_files_as_configs_and_its_key_as_a_secret() {
        let f = fixture("tok-1");
        let p = plan_of(&f, &["main", "gateway"]).unwrap();
        let g = service(&p, "gateway");
        assert_eq!(g.name.as_deref(), Some("team_gateway"));
        let endpoint = g.endpoint_spec.as_ref().unwrap();
        let ports = endpoint.ports.as_ref().unwrap();
        assert_eq!(ports.len(), 2);
        assert!(ports
            .iter()
            .all(|p| p.publish_mode == Some(EndpointPortConfigPublishModeEnum::HOST)));
        assert_eq!(
            (ports[0].published_port, ports[0].target_port),
            (Some(8080), Some(8080))
        );
        // Host-mode ports are held by the running task: the old one stops first.
        assert_eq!(
            g.update_config.as_ref().unwrap().order,
            Some(ServiceSpecUpdateConfigOrderEnum::STOP_FIRST)
        );
        // A bind address other than 0.0.0.0 cannot be honoured, and the user is told.
        assert!(
            p.warnings.iter().any(|w| w.contains("127.0.0.1")),
            "{:?}",
            p.warnings
        );
        let c = container(g);
        let configs: Vec<&str> = c
            .configs
            .as_ref()
            .unwrap()
            .iter()
            .map(|c| c.file.as_ref().unwrap().name.as_deref().unwrap())
            .collect();
        assert_eq!(
            configs,
            [
                "/etc/nginx/mcpstack/entrypoint.sh",
                "/etc/nginx/mcpstack/nginx.conf",
                "/etc/nginx/certs/fullchain.pem"
            ]
        );
        let key = c
            .secrets
            .as_ref()
            .unwrap()
            .iter()
            .find(|s| {
                s.file.as_ref().unwrap().name.as_deref() == Some("/etc/nginx/certs/privkey.pem")
            })
            .expect("the key is a secret");
        assert_eq!(key.file.as_ref().unwrap().mode, Some(0o400));
        assert!(p.secrets.iter().any(|s| s.data == b"KEY\n"));
        assert!(!p.configs.iter().any(|s| s.data == b"KEY\n"));
        assert!(c
            .mounts
            .as_ref()
            .unwrap()
            .iter()
            .all(|m| m.typ == Some(MountType::TMPFS)));
        assert_eq!(
            c.capability_add.as_deref(),
            Some(&["CHOWN".to_string(), "SETUID".to_string()][..])
        );
        assert_eq!(c.read_only, Some(true));
        assert_eq!(
            g.labels
                .as_ref()
                .unwrap()
                .get(labels::NGINX_CONFIG)
                .map(String::as_str),
            Some("/etc/nginx/mcpstack/nginx.conf")
        );
    }

    #[test]
    fn secrets_become_swarm_secrets_read_by_a_wrapper_and_never_reach_the_spec() {
        let f = fixture("tok-1");
        let p = plan_of(&f, &["main", "gateway"]).unwrap();
        let json = serde_json::to_string(&p.services).unwrap();
        assert!(
            !json.contains("tok-1") && !json.contains("api-key-value"),
            "{json}"
        );
        assert!(p.secrets.iter().any(|s| s.data == b"tok-1"));
        let main = container(service(&p, "main"));
        assert_eq!(main.env.as_ref().unwrap(), &["LOG_LEVEL=INFO".to_string()]);
        let cmd = main.command.as_ref().unwrap();
        assert_eq!(&cmd[..2], ["/bin/sh", "-c"]);
        assert!(
            cmd[2].contains("export API_KEY=\"$(cat /run/secrets/API_KEY)\""),
            "{}",
            cmd[2]
        );
        assert!(cmd[2].ends_with("exec \"$@\""));
        // The image's own entrypoint and command follow, unchanged.
        assert_eq!(&cmd[4..], ["/entry", "serve", "--port", "8000"]);
        // The gateway's Compose entrypoint replaces the image's, and the image's CMD with it.
        let g = container(service(&p, "gateway"));
        assert_eq!(
            &g.command.as_ref().unwrap()[4..],
            ["/bin/sh", "/etc/nginx/mcpstack/entrypoint.sh"]
        );
    }

    #[test]
    fn objects_are_named_by_content_so_a_change_makes_a_new_one() {
        let one = plan_of(&fixture("tok-1"), &["gateway"]).unwrap();
        let again = plan_of(&fixture("tok-1"), &["gateway"]).unwrap();
        let two = plan_of(&fixture("tok-2"), &["gateway"]).unwrap();
        let names = |p: &Plan| p.secrets.iter().map(|s| s.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&one), names(&again));
        assert_ne!(names(&one), names(&two));
        assert_eq!(one.configs, two.configs);
        for o in one.secrets.iter().chain(&one.configs) {
            assert!(
                o.name.len() <= 64 && o.name.starts_with("team_"),
                "{}",
                o.name
            );
            assert!(
                o.name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b)),
                "{}",
                o.name
            );
        }
    }

    #[test]
    fn a_server_is_replicated_round_robin_with_rolling_start_first_updates() {
        let f = fixture("tok-1");
        let p = plan_of(&f, &["main"]).unwrap();
        let s = service(&p, "main");
        assert_eq!(
            s.mode
                .as_ref()
                .unwrap()
                .replicated
                .as_ref()
                .unwrap()
                .replicas,
            Some(2)
        );
        let e = s.endpoint_spec.as_ref().unwrap();
        assert_eq!(e.mode, Some(EndpointSpecModeEnum::DNSRR));
        assert!(e.ports.is_none());
        let u = s.update_config.as_ref().unwrap();
        assert_eq!(u.order, Some(ServiceSpecUpdateConfigOrderEnum::START_FIRST));
        assert_eq!(u.parallelism, Some(1));
        assert_eq!(
            u.failure_action,
            Some(ServiceSpecUpdateConfigFailureActionEnum::ROLLBACK)
        );
        let t = s.task_template.as_ref().unwrap();
        assert_eq!(
            t.restart_policy.as_ref().unwrap().condition,
            Some(TaskSpecRestartPolicyConditionEnum::ANY)
        );
        let limits = t.resources.as_ref().unwrap().limits.as_ref().unwrap();
        assert_eq!(limits.nano_cpus, Some(500_000_000));
        assert_eq!(limits.memory_bytes, Some(256 * 1024 * 1024));
        let net = &t.networks.as_ref().unwrap()[0];
        assert_eq!(net.target.as_deref(), Some("team_default"));
        assert_eq!(net.aliases.as_deref(), Some(&["main".to_string()][..]));
        let c = container(s);
        assert_eq!(c.image.as_deref(), Some("r:5000/t/team-main:0123456789ab"));
        let h = c.health_check.as_ref().unwrap();
        assert_eq!(
            h.test.as_deref(),
            Some(&["CMD".to_string(), "/healthcheck".to_string()][..])
        );
        assert_eq!(h.interval, Some(10_000_000_000));
        assert_eq!(h.start_period, Some(20_000_000_000));
        let volume = c
            .mounts
            .as_ref()
            .unwrap()
            .iter()
            .find(|m| m.typ == Some(MountType::VOLUME))
            .unwrap();
        assert_eq!(volume.source.as_deref(), Some("team_data"));
        assert_eq!(
            volume
                .volume_options
                .as_ref()
                .unwrap()
                .labels
                .as_ref()
                .unwrap()[NAMESPACE],
            "team"
        );
        assert_eq!(c.labels.as_ref().unwrap()[NAMESPACE], "team");
        assert_eq!(c.init, Some(true));
    }

    #[test]
    fn a_privileged_service_is_refused_with_its_name() {
        let f = fixture("tok-1");
        let e = plan_of(&f, &["root"]).unwrap_err().to_string();
        assert!(e.contains("root") && e.contains("privileged"), "{e}");
    }
}
