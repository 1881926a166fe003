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
        // Both files are read inside the output folder and never through a link (a `.env`
        // linked to a file elsewhere is refused, not read into the stack's variables).
        let env = crate::output::read(&dir, ".env")?;
        let text = crate::output::read(&dir, "compose.yaml")?;
        let dir = dir
            .canonicalize()
            .with_context(|| format!("{} does not exist", dir.display()))?;
        let text = text.with_context(|| {
            format!(
                "{} does not exist: run `mcpstack render`",
                dir.join("compose.yaml").display()
            )
        })?;
        let vars = interpolate::variables(env.as_deref());
        let file = spec::parse(&text, &vars)?;
        let project = vars
            .get("COMPOSE_PROJECT_NAME")
            .cloned()
            .unwrap_or_else(|| default_project.to_string());
        Ok(Target { project, dir, file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_linked_env_file_is_refused_not_read_into_the_variables() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("deploy");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("compose.yaml"),
            "name: p\nservices:\n  a:\n    image: x/a:1\n    environment:\n      T: ${T:-none}\n",
        )
        .unwrap();
        std::fs::write(dir.join(".env"), "COMPOSE_PROJECT_NAME=ours\n").unwrap();
        let target = Target::load(dir.clone(), "p").unwrap();
        assert_eq!(target.project, "ours", "a plain .env is read");
        let theirs = tmp.path().join("credentials");
        std::fs::write(&theirs, "COMPOSE_PROJECT_NAME=theirs\n").unwrap();
        std::fs::remove_file(dir.join(".env")).unwrap();
        std::os::unix::fs::symlink(&theirs, dir.join(".env")).unwrap();
        let err = Target::load(dir.clone(), "p").err().expect("refused");
        assert!(format!("{err:#}").contains("symbolic link"), "{err:#}");
        // The compose file a link: refused the same way.
        std::fs::remove_file(dir.join(".env")).unwrap();
        let elsewhere = tmp.path().join("compose.yaml");
        std::fs::rename(dir.join("compose.yaml"), &elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.join("compose.yaml")).unwrap();
        let err = Target::load(dir, "p").err().expect("refused");
        assert!(format!("{err:#}").contains("symbolic link"), "{err:#}");
    }
}
