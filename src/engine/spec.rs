//! The rendered `compose.yaml`, read back: the subset of the Compose format mcpstack writes.
//! `up` applies exactly the reviewed file, as Docker Compose would.

use super::interpolate::interpolate;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
pub struct ComposeFile {
    pub services: BTreeMap<String, ServiceSpec>,
    #[serde(default)]
    pub networks: BTreeMap<String, NetworkSpec>,
    #[serde(default)]
    pub volumes: BTreeMap<String, VolumeSpec>,
}

#[derive(Debug, Deserialize)]
pub struct NetworkSpec {
    pub name: Option<String>,
    pub driver: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct VolumeSpec {
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct ServiceSpec {
    pub image: String,
    #[serde(default)]
    pub build: Option<BuildSpec>,
    #[serde(default)]
    pub profiles: Vec<String>,
    #[serde(default)]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default)]
    pub command: Option<Vec<String>>,
    #[serde(default)]
    pub user: Option<String>,
    /// Left out of the config hash when empty, so containers made before it existed stay.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_add: Vec<String>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    #[serde(default)]
    pub ports: Vec<String>,
    #[serde(default)]
    pub volumes: Vec<String>,
    #[serde(default)]
    pub networks: Option<BTreeMap<String, NetworkAttach>>,
    #[serde(default)]
    pub depends_on: BTreeMap<String, DependsOn>,
    #[serde(default)]
    pub healthcheck: Option<HealthSpec>,
    #[serde(default)]
    pub restart: Option<String>,
    #[serde(default)]
    pub init: Option<bool>,
    #[serde(default)]
    pub read_only: bool,
    #[serde(default)]
    pub tmpfs: Vec<String>,
    #[serde(default)]
    pub privileged: bool,
    #[serde(default)]
    pub devices: Vec<String>,
    #[serde(default)]
    pub cap_drop: Vec<String>,
    #[serde(default)]
    pub cap_add: Vec<String>,
    #[serde(default)]
    pub security_opt: Vec<String>,
    #[serde(default)]
    pub deploy: Option<DeploySpec>,
    #[serde(default)]
    pub logging: Option<LoggingSpec>,
    /// Left out of the config hash when empty, so containers made before labels existed stay.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct BuildSpec {
    pub context: String,
    pub dockerfile: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct NetworkAttach {
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct DependsOn {
    pub condition: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct HealthSpec {
    pub test: Vec<String>,
    pub interval: String,
    pub timeout: String,
    pub retries: i64,
    pub start_period: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct DeploySpec {
    pub replicas: Option<u32>,
    pub resources: Option<ResourcesSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct ResourcesSpec {
    pub limits: Option<LimitsSpec>,
    pub reservations: Option<LimitsSpec>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Default)]
pub struct LimitsSpec {
    pub cpus: Option<String>,
    pub memory: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct LoggingSpec {
    pub driver: String,
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

/// A service's resources as the Engine API takes them (CPUs in billionths, bytes).
#[derive(Debug, Default, PartialEq)]
pub struct Resources {
    pub nano_cpus: Option<i64>,
    pub memory: Option<i64>,
    pub memory_reservation: Option<i64>,
}

impl ServiceSpec {
    pub fn replicas(&self) -> u32 {
        self.deploy.as_ref().and_then(|d| d.replicas).unwrap_or(1)
    }

    /// `deploy.resources`, for a container (`up`) or a swarm task (`up --target swarm`).
    pub fn resources(&self) -> Resources {
        let r = self.deploy.as_ref().and_then(|d| d.resources.as_ref());
        let limits = r.and_then(|r| r.limits.as_ref());
        let bytes = |m: Option<&String>| {
            m.and_then(|m| crate::units::parse_bytes(m))
                .map(|b| b as i64)
        };
        Resources {
            nano_cpus: limits
                .and_then(|l| l.cpus.as_ref())
                .and_then(|c| c.parse::<f64>().ok())
                .map(|c| (c * 1e9) as i64),
            memory: bytes(limits.and_then(|l| l.memory.as_ref())),
            memory_reservation: bytes(
                r.and_then(|r| r.reservations.as_ref())
                    .and_then(|l| l.memory.as_ref()),
            ),
        }
    }
}

/// Parses `text` after interpolating `${...}` from `vars`, as Compose does before anything else.
pub fn parse(text: &str, vars: &BTreeMap<String, String>) -> Result<ComposeFile> {
    let raw: serde_yaml::Value = serde_yaml::from_str(text).context("compose.yaml is not YAML")?;
    let value = interpolate_value(raw, vars)?;
    serde_yaml::from_value(value).context("compose.yaml has a shape mcpstack does not write")
}

fn interpolate_value(
    v: serde_yaml::Value,
    vars: &BTreeMap<String, String>,
) -> Result<serde_yaml::Value> {
    use serde_yaml::Value as V;
    Ok(match v {
        V::String(s) => V::String(interpolate(&s, vars)?),
        V::Sequence(items) => V::Sequence(
            items
                .into_iter()
                .map(|i| interpolate_value(i, vars))
                .collect::<Result<_>>()?,
        ),
        V::Mapping(map) => {
            let mut out = serde_yaml::Mapping::new();
            for (k, v) in map {
                out.insert(k, interpolate_value(v, vars)?);
            }
            V::Mapping(out)
        }
        other => other,
    })
}
