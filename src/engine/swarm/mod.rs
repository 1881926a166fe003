//! The stack as Docker Swarm services, through the Engine API: `up`, `down`, `ps`, `logs` with
//! `--target swarm`. What it makes carries `com.docker.stack.namespace`, so `docker stack ps`
//! and `docker stack rm <project>` see it too, and `down` removes exactly the project's objects.

mod deploy;
mod remove;
pub mod spec;
mod status;

pub use deploy::{deploy, DeployOptions};
pub use remove::remove;
pub use status::{logs, ps};

use anyhow::{bail, Result};
use bollard::Docker;
use std::collections::HashMap;

/// The label Docker's own `docker stack` puts on a stack's objects.
pub const NAMESPACE: &str = "com.docker.stack.namespace";

/// A project's swarm object name: `<project>_<name>`, as `docker stack deploy` names them.
pub fn object_name(project: &str, name: &str) -> String {
    format!("{project}_{name}")
}

/// The filter that selects the project's services, networks, secrets and configs.
pub fn namespace_filter(project: &str) -> HashMap<String, Vec<String>> {
    HashMap::from([("label".to_string(), vec![format!("{NAMESPACE}={project}")])])
}

/// Fails with the fix when the engine is not a swarm manager.
pub async fn require_manager(docker: &Docker) -> Result<()> {
    let info = docker.info().await?;
    let swarm = info.swarm.unwrap_or_default();
    let state = swarm
        .local_node_state
        .map(|s| s.to_string())
        .unwrap_or_default();
    if state != "active" {
        bail!(
            "this Docker engine is not in swarm mode (state: {})\n  = help: run `docker swarm init` (on a laptop: `docker swarm init --advertise-addr 127.0.0.1`), or use the default `--target compose`",
            if state.is_empty() { "inactive" } else { &state }
        );
    }
    if swarm.control_available != Some(true) {
        bail!("this Docker engine is a swarm worker, not a manager\n  = help: run mcpstack against a manager node (set DOCKER_HOST)");
    }
    Ok(())
}
