//! Running the rendered stack through the Docker Engine API (bollard): `up`, `down`, `ps`,
//! `logs`. What it makes carries Docker Compose's names and labels, so Compose manages it too.

mod build;
mod connect;
mod container;
mod credentials;
mod exec;
pub(crate) mod images;
pub mod interpolate;
mod labels;
mod ops;
mod ports;
mod progress;
mod push;
mod reload;
pub mod spec;
pub mod swarm;
pub(crate) mod up;
mod wait;

pub use connect::connect;
pub use ops::{down, logs, ps, remove_built_images, DownOptions, LogsOptions, PsRow};
pub use progress::{Reporter, Silent};
pub use push::push;
pub use up::{up, UpOptions, UpReport};

use std::path::PathBuf;

/// The rendered project as the engine sees it.
pub struct Target {
    /// Compose project name.
    pub project: String,
    /// The output folder (holds compose.yaml).
    pub dir: PathBuf,
    /// The folder of mcp-stack.yaml (build contexts are relative to the output folder).
    pub file: spec::ComposeFile,
}

impl Target {
    /// Reads `compose.yaml` in `dir` with the variables Compose would use.
    pub fn load(dir: PathBuf, default_project: &str) -> anyhow::Result<Target> {
        use anyhow::Context;
        let dir = dir
            .canonicalize()
            .with_context(|| format!("{} does not exist", dir.display()))?;
        let vars = interpolate::variables(&dir);
        let text = std::fs::read_to_string(dir.join("compose.yaml"))
            .with_context(|| format!("reading {}", dir.join("compose.yaml").display()))?;
        let file = spec::parse(&text, &vars)?;
        let project = vars
            .get("COMPOSE_PROJECT_NAME")
            .cloned()
            .unwrap_or_else(|| default_project.to_string());
        Ok(Target { project, dir, file })
    }
}
