//! Connecting to the Docker Engine: `DOCKER_HOST` or the default socket, API version negotiated.

use anyhow::{anyhow, Result};
use bollard::Docker;

pub async fn connect() -> Result<Docker> {
    let host =
        std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let hint = |e: &dyn std::fmt::Display| {
        anyhow!(
            "no Docker engine answers at {host}: {e}\n  = help: start the engine (e.g. `sudo systemctl start docker` or `dockerd &`), or set DOCKER_HOST"
        )
    };
    let docker = Docker::connect_with_defaults().map_err(|e| hint(&e))?;
    docker.ping().await.map_err(|e| hint(&e))?;
    docker.negotiate_version().await.map_err(|e| hint(&e))
}
