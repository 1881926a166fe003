//! One Compose service → the Engine API's container create request.

use super::labels;
use super::spec::{ComposeFile, ServiceSpec};
use anyhow::Result;
use bollard::models::{
    ContainerCreateBody, DeviceMapping, EndpointSettings, HealthConfig, HostConfig,
    HostConfigLogConfig, NetworkingConfig, PortBinding, RestartPolicy, RestartPolicyNameEnum,
};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// The first Docker API whose engines run health checks every `start_interval` during the
/// start period (engine 25).
pub const START_INTERVAL_API: (usize, usize) = (1, 44);

/// On an engine that has it, checks health every second while a container starts (instead of
/// every `interval`), so a server is reported healthy about a second after it is ready. A
/// health check of the image is kept (Docker fills in what the container leaves empty).
pub fn check_often_while_starting(
    body: &mut ContainerCreateBody,
    builds: bool,
    api: (usize, usize),
) {
    if api < START_INTERVAL_API || !(builds || body.healthcheck.is_some()) {
        return;
    }
    let h = body.healthcheck.get_or_insert_with(HealthConfig::default);
    if h.test.as_ref().and_then(|t| t.first()).map(String::as_str) == Some("NONE") {
        return;
    }
    h.start_interval = Some(1_000_000_000);
}

/// Everything that decides a container's identity: a change recreates it.
pub fn config_hash(spec: &ServiceSpec, image_id: &str) -> String {
    let json = serde_json::to_string(&(spec, image_id)).expect("serializable");
    Sha256::digest(json.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn duration_ns(s: &str) -> Option<i64> {
    crate::model::parse_duration_ms(s).map(|ms| ms as i64 * 1_000_000)
}

pub struct Context<'a> {
    pub project: &'a str,
    pub dir: &'a Path,
    pub file: &'a ComposeFile,
}

impl Context<'_> {
    fn network_name(&self) -> String {
        self.file
            .networks
            .get("default")
            .and_then(|n| n.name.clone())
            .unwrap_or_else(|| format!("{}_default", self.project))
    }

    fn volume_name(&self, key: &str) -> String {
        self.file
            .volumes
            .get(key)
            .and_then(|v| v.name.clone())
            .unwrap_or_else(|| format!("{}_{key}", self.project))
    }

    /// `src:dst[:mode]` with named volumes resolved and relative paths made absolute.
    fn bind(&self, v: &str) -> String {
        let mut parts: Vec<String> = v.split(':').map(String::from).collect();
        if parts.len() == 1 {
            return v.to_string();
        }
        let src = &parts[0];
        parts[0] = if src.starts_with('.') {
            self.dir.join(src).to_string_lossy().into_owned()
        } else if src.starts_with('/') {
            src.clone()
        } else {
            self.volume_name(src)
        };
        parts.join(":")
    }

    pub fn create_body(
        &self,
        name: &str,
        spec: &ServiceSpec,
        n: u32,
        image_id: &str,
        hash: &str,
    ) -> Result<ContainerCreateBody> {
        let mut labels = labels::base(self.project);
        labels.extend(spec.labels.clone());
        labels.insert(labels::SERVICE.into(), name.into());
        labels.insert(labels::NUMBER.into(), n.to_string());
        labels.insert(labels::ONEOFF.into(), "False".into());
        labels.insert(labels::CONFIG_HASH.into(), hash.into());
        labels.insert(labels::IMAGE.into(), image_id.into());
        labels.insert(
            labels::WORKING_DIR.into(),
            self.dir.to_string_lossy().into_owned(),
        );
        labels.insert(
            labels::CONFIG_FILES.into(),
            self.dir.join("compose.yaml").to_string_lossy().into_owned(),
        );
        let deps: Vec<String> = spec
            .depends_on
            .iter()
            .map(|(d, c)| format!("{d}:{}:false", c.condition))
            .collect();
        labels.insert(labels::DEPENDS_ON.into(), deps.join(","));

        let mut exposed: Vec<String> = Vec::new();
        let mut bindings: HashMap<String, Option<Vec<PortBinding>>> = HashMap::new();
        for p in &spec.ports {
            let parts: Vec<&str> = p.split(':').collect();
            let (ip, host, container) = match parts.as_slice() {
                [ip, h, c] => (Some(ip.to_string()), h.to_string(), c.to_string()),
                [h, c] => (None, h.to_string(), c.to_string()),
                _ => anyhow::bail!("port `{p}` of {name} is not host:container"),
            };
            let key = format!("{container}/tcp");
            exposed.push(key.clone());
            bindings
                .entry(key)
                .or_insert_with(|| Some(Vec::new()))
                .as_mut()
                .unwrap()
                .push(PortBinding {
                    host_ip: ip,
                    host_port: Some(host),
                });
        }

        let resources = spec.resources();

        let restart = spec.restart.as_deref().map(|r| RestartPolicy {
            name: Some(match r {
                "always" => RestartPolicyNameEnum::ALWAYS,
                "unless-stopped" => RestartPolicyNameEnum::UNLESS_STOPPED,
                "on-failure" => RestartPolicyNameEnum::ON_FAILURE,
                _ => RestartPolicyNameEnum::NO,
            }),
            maximum_retry_count: None,
        });

        let network = self.network_name();
        let mut aliases = vec![name.to_string()];
        if let Some(nets) = &spec.networks {
            for attach in nets.values() {
                aliases.extend(attach.aliases.iter().cloned());
            }
        }
        let endpoints = HashMap::from([(
            network.clone(),
            EndpointSettings {
                aliases: Some(aliases),
                ..Default::default()
            },
        )]);

        let healthcheck = spec.healthcheck.as_ref().map(|h| HealthConfig {
            test: Some(h.test.clone()),
            interval: duration_ns(&h.interval),
            timeout: duration_ns(&h.timeout),
            retries: Some(h.retries),
            start_period: duration_ns(&h.start_period),
            ..Default::default()
        });

        Ok(ContainerCreateBody {
            image: Some(spec.image.clone()),
            cmd: spec.command.clone(),
            entrypoint: spec.entrypoint.clone(),
            user: spec.user.clone(),
            env: Some(
                spec.environment
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect(),
            ),
            labels: Some(labels),
            exposed_ports: (!exposed.is_empty()).then_some(exposed),
            healthcheck,
            host_config: Some(HostConfig {
                binds: Some(
                    spec.volumes
                        .iter()
                        .filter(|v| v.contains(':'))
                        .map(|v| self.bind(v))
                        .collect(),
                ),
                tmpfs: (!spec.tmpfs.is_empty()).then(|| {
                    spec.tmpfs
                        .iter()
                        .map(|t| (t.clone(), String::new()))
                        .collect()
                }),
                readonly_rootfs: Some(spec.read_only),
                group_add: (!spec.group_add.is_empty()).then(|| spec.group_add.clone()),
                cap_drop: Some(spec.cap_drop.clone()),
                cap_add: Some(spec.cap_add.clone()),
                security_opt: Some(spec.security_opt.clone()),
                privileged: Some(spec.privileged),
                devices: Some(
                    spec.devices
                        .iter()
                        .map(|d| DeviceMapping {
                            path_on_host: Some(d.clone()),
                            path_in_container: Some(d.clone()),
                            cgroup_permissions: Some("rwm".into()),
                        })
                        .collect(),
                ),
                port_bindings: (!bindings.is_empty()).then_some(bindings),
                restart_policy: restart,
                init: spec.init,
                nano_cpus: resources.nano_cpus,
                memory: resources.memory,
                memory_reservation: resources.memory_reservation,
                network_mode: Some(network),
                log_config: spec.logging.as_ref().map(|l| HostConfigLogConfig {
                    typ: Some(l.driver.clone()),
                    config: Some(l.options.clone().into_iter().collect()),
                }),
                ..Default::default()
            }),
            networking_config: Some(NetworkingConfig {
                endpoints_config: Some(endpoints),
            }),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_is_checked_every_second_while_starting_only_where_the_engine_can() {
        let file = super::super::spec::parse(
            "services:\n  checked:\n    image: x\n    healthcheck:\n      test: [CMD, 'true']\n      interval: 10s\n      timeout: 10s\n      retries: 3\n      start_period: 30s\n  plain:\n    image: nginx:1.27-alpine\n",
            &Default::default(),
        )
        .unwrap();
        let ctx = Context {
            project: "p",
            dir: Path::new("/srv/deploy"),
            file: &file,
        };
        let body = |name: &str| {
            ctx.create_body(name, &file.services[name], 1, "sha256:x", "h")
                .unwrap()
        };
        let start_interval =
            |b: &ContainerCreateBody| b.healthcheck.as_ref().and_then(|h| h.start_interval);
        // Engine 20.10 (API 1.41): the body is what Compose would send.
        let mut old = body("checked");
        check_often_while_starting(&mut old, false, (1, 41));
        assert_eq!(start_interval(&old), None);
        assert_eq!(
            old.healthcheck.as_ref().unwrap().interval,
            Some(10_000_000_000)
        );
        // API 1.44: every second during the start period; the rest is unchanged.
        let mut new = body("checked");
        check_often_while_starting(&mut new, false, (1, 44));
        assert_eq!(start_interval(&new), Some(1_000_000_000));
        assert_eq!(
            new.healthcheck.as_ref().unwrap().interval,
            Some(10_000_000_000)
        );
        assert_eq!(
            new.healthcheck.as_ref().unwrap().start_period,
            Some(30_000_000_000)
        );
        // An image we build carries its health check: only the start interval is set.
        let mut built = body("plain");
        check_often_while_starting(&mut built, true, (1, 45));
        let h = built.healthcheck.unwrap();
        assert_eq!((h.test, h.start_interval), (None, Some(1_000_000_000)));
        // A prebuilt image without a health check in the stack gets none.
        let mut plain = body("plain");
        check_often_while_starting(&mut plain, false, (1, 45));
        assert!(plain.healthcheck.is_none());
    }

    const COMPOSE: &str = "services:\n  docker:\n    image: docker/mcp-gateway:v0.43.3\n    group_add:\n    - '${DOCKER_SOCKET_GID:?set it}'\n    volumes:\n    - /var/run/docker.sock:/var/run/docker.sock:ro\n  plain:\n    image: nginx:1.27-alpine\n";

    #[test]
    fn the_socket_is_bound_as_written_with_the_group_from_the_environment() {
        let vars = std::collections::BTreeMap::from([(
            "DOCKER_SOCKET_GID".to_string(),
            "998".to_string(),
        )]);
        let file = super::super::spec::parse(COMPOSE, &vars).unwrap();
        let ctx = Context {
            project: "p",
            dir: Path::new("/srv/deploy"),
            file: &file,
        };
        let body = ctx
            .create_body("docker", &file.services["docker"], 1, "sha256:x", "h")
            .unwrap();
        let host = body.host_config.unwrap();
        assert_eq!(
            host.binds.unwrap(),
            ["/var/run/docker.sock:/var/run/docker.sock:ro"]
        );
        assert_eq!(host.group_add.unwrap(), ["998"]);
        let plain = ctx
            .create_body("plain", &file.services["plain"], 1, "sha256:x", "h")
            .unwrap();
        assert_eq!(plain.host_config.unwrap().group_add, None);
        // Containers made before `group_add` existed keep their config hash.
        let json = serde_json::to_string(&file.services["plain"]).unwrap();
        assert!(!json.contains("group_add"), "{json}");
    }
}
