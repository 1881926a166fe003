//! `up`, `down`, `ps`, `logs`: the rendered stack on the Docker Engine.

mod progress;
mod swarm;

pub use swarm::{push, require_swarm_gateway, up_swarm};

use super::{say, Out};
use crate::engine::{self, DownOptions, LogsOptions, Reporter, Silent, Target, UpOptions};
use crate::error::{Error, Result};
use crate::output::{self, State};
use crate::pipeline::{CertOptions, Project};

/// Where the stack runs.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum DeployTarget {
    /// Containers on this engine, as Docker Compose runs them
    #[default]
    Compose,
    /// Services of the Docker Swarm this engine manages (production profile)
    Swarm,
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Builds, creates and starts the stack, waits for its health checks, then checks every server through the gateway.\n\nImages mcpstack builds are built again when their build context (the server's folder as the Dockerfile's ignore file filters it, and the Dockerfile) changed; containers whose configuration or image changed are recreated; a running gateway reloads a changed nginx config. When a service does not become healthy, up shows every service's state and the failing containers' last log lines, and exits 3.\n\nWithout --detach, up then follows the stack's logs, as docker compose up does; Ctrl-C stops following and leaves the stack running (unlike docker compose, which stops it): `mcpstack down` stops it. With --detach, up returns after the check.\n\nWith --target swarm, up deploys the production profile as swarm services: an overlay network, secrets as swarm secrets, the rendered nginx config and certificates as swarm configs, replicas with rolling updates and a restart policy, and the gateway published in host mode. Built images are tagged by content hash (and pushed first when `registry:` is set).\n\nExamples:\n  mcpstack up --detach                         production profile\n  mcpstack up --profile production --profile monitoring --detach\n  mcpstack up --profile dev --build\n  mcpstack up --target swarm --detach          on the swarm this engine manages"
)]
pub struct UpArgs {
    /// Profiles to start [default: production]
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Build images even if they are current
    #[arg(long)]
    pub build: bool,
    /// Return after the check instead of following the logs (Ctrl-C leaves the stack running)
    #[arg(long, short)]
    pub detach: bool,
    /// Skip the final check of every server through the gateway
    #[arg(long)]
    pub no_check: bool,
    /// Return once containers are started, without waiting for health checks nothing depends on
    #[arg(long)]
    pub no_wait: bool,
    /// Where to run the stack
    #[arg(long, value_enum, default_value_t)]
    pub target: DeployTarget,
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  mcpstack down\n  mcpstack down --volumes\n  mcpstack down --target swarm"
)]
pub struct DownArgs {
    /// Where the stack runs
    #[arg(long, value_enum, default_value_t)]
    pub target: DeployTarget,
    /// Also remove the project's named volumes (their data is lost)
    #[arg(long)]
    pub volumes: bool,
    /// Also remove the images mcpstack built for this project (never base or pulled images)
    #[arg(long)]
    pub remove_images: bool,
}

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  mcpstack ps\n  mcpstack ps --json")]
pub struct PsArgs {
    /// Where the stack runs (swarm: one row per replica)
    #[arg(long, value_enum, default_value_t)]
    pub target: DeployTarget,
    /// JSON instead of a table
    #[arg(long)]
    pub json: bool,
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  mcpstack logs\n  mcpstack logs gateway -f\n  mcpstack logs main --tail 50"
)]
pub struct LogsArgs {
    /// Where the stack runs
    #[arg(long, value_enum, default_value_t)]
    pub target: DeployTarget,
    /// Services to show [default: all]
    pub services: Vec<String>,
    /// Keep following new lines
    #[arg(long, short)]
    pub follow: bool,
    /// Lines from the end of each log
    #[arg(long, value_name = "N")]
    pub tail: Option<u64>,
}

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Builds what the stack builds (only what changed, as up does), tags each image `<registry>/<project>-<name>:<hash>` (the hash of what it is built from) and pushes it through the Docker engine. Credentials come from the Docker client's config (`docker login <host>`).\n\nExamples:\n  mcpstack push\n  mcpstack push --build"
)]
pub struct PushArgs {
    /// Build images even if they are current
    #[arg(long)]
    pub build: bool,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new().map_err(|e| Error::Other(e.into()))
}

/// Renders when files are missing or stale (refusing hand edits, as `render` does).
fn render_if_needed(project: &Project, out: &Out) -> Result<()> {
    let files = project.render()?;
    let dir = project.output_dir();
    let stale = output::plan(&dir, &files)?
        .iter()
        .any(|e| e.state != State::UpToDate);
    if stale {
        let report = output::write(&dir, &project.stack.config_file, &files, false)?;
        out.info(format!(
            "rendered {} file(s) into {}",
            report.written.len() + report.removed.len(),
            dir.display()
        ));
    }
    Ok(())
}

fn target(project: &Project) -> Result<Target> {
    // The output folder's own refusals (a link where `.env` or `compose.yaml` is) keep their
    // exit status and hint.
    Target::load(project.output_dir(), &project.stack.name)
        .map_err(|e| e.downcast::<Error>().unwrap_or_else(Error::Other))
}

pub fn up(
    project: &Project,
    args: &UpArgs,
    caroot: Option<std::path::PathBuf>,
    out: &Out,
) -> Result<i32> {
    if args.target == DeployTarget::Swarm {
        return up_swarm(project, args, caroot, out);
    }
    render_if_needed(project, out)?;
    super::certs::ensure(
        project,
        &CertOptions {
            caroot: caroot.clone(),
            ..Default::default()
        },
        out,
    )?;
    let t = target(project)?;
    let profiles = if args.profiles.is_empty() {
        vec!["production".to_string()]
    } else {
        args.profiles.clone()
    };
    let rt = runtime()?;
    rt.block_on(async {
        let docker = engine::connect().await?;
        let start = std::time::Instant::now();
        let opts = UpOptions {
            profiles,
            build: args.build,
            verbose: out.verbose,
            wait: !args.no_wait,
        };
        let reporter = reporter(out);
        // Ctrl-C stops here; what exists is left for the next `up` to finish.
        let report = tokio::select! {
            r = engine::up(&docker, &t, &opts, reporter.as_ref()) => r?,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("interrupted: the stack is partly started; run `mcpstack up` again to finish it");
                std::process::exit(130);
            }
        };
        let reloaded = if report.reloaded.is_empty() {
            String::new()
        } else {
            format!(", {} reloaded", report.reloaded.len())
        };
        out.info(format!(
            "project {}: {} created, {} started, {} removed, {} unchanged{reloaded} ({:.2}s)",
            t.project,
            report.created.len(),
            report.started.len(),
            report.removed.len(),
            report.unchanged.len(),
            start.elapsed().as_secs_f64()
        ));
        Ok::<_, anyhow::Error>(())
    })?;
    let unpublished = !project.stack.gateway.publish
        && (args.profiles.is_empty() || args.profiles.iter().any(|p| p == "production"));
    if unpublished && !args.no_check {
        out.info(
            "the gateway publishes no port (`gateway.publish: false`): not checked from here; run `mcpstack check` where the domain reaches it",
        );
    }
    if !args.no_check && !unpublished {
        let code = check_after_up(project, caroot, out)?;
        if code != 0 {
            return Ok(code);
        }
    }
    rt.block_on(async {
        let docker = engine::connect().await?;
        if !args.detach {
            let opts = LogsOptions {
                services: Vec::new(),
                follow: true,
                tail: Some("0".into()),
            };
            // Ctrl-C ends following; the stack keeps running.
            tokio::select! {
                r = engine::logs(&docker, &t.project, &opts, |l| say(&format!("{l}\n"))) => r?,
                _ = tokio::signal::ctrl_c() => {
                    out.info("stopped following the logs; the stack keeps running (`mcpstack down` stops it)");
                }
            }
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(0)
}

/// Where the engine's progress goes: the terminal, or nowhere with `--quiet`.
fn reporter(out: &Out) -> Box<dyn Reporter> {
    if out.quiet {
        Box::new(Silent)
    } else {
        Box::new(progress::Terminal::new())
    }
}

/// `check` through the gateway once `up` is done, with a shorter timeout than by hand.
fn check_after_up(project: &Project, caroot: Option<std::path::PathBuf>, out: &Out) -> Result<i32> {
    super::check::run(
        project,
        &super::check::Args {
            timeout: 10,
            // The gateway may have started a moment ago: nginx may not listen yet.
            settle: std::time::Duration::from_secs(20),
            ..Default::default()
        },
        caroot,
        out,
    )
}

pub fn down(project: &Project, args: &DownArgs, out: &Out) -> Result<i32> {
    if args.target == DeployTarget::Swarm {
        return swarm::down(project, args, out);
    }
    let t = target(project)?;
    runtime()?.block_on(async {
        let docker = engine::connect().await?;
        let opts = DownOptions {
            volumes: args.volumes,
            remove_images: args.remove_images,
        };
        for r in engine::down(&docker, &t.project, &opts).await? {
            out.info(format!(" ✔ {r}  Removed"));
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(0)
}

pub fn ps(project: &Project, args: &PsArgs) -> Result<i32> {
    let t = target(project)?;
    let rows = runtime()?.block_on(async {
        let docker = engine::connect().await?;
        match args.target {
            DeployTarget::Compose => engine::ps(&docker, &t.project).await,
            DeployTarget::Swarm => engine::swarm::ps(&docker, &t.project).await,
        }
    })?;
    if args.json {
        say(&(serde_json::to_string_pretty(&rows).map_err(anyhow::Error::from)? + "\n"));
        return Ok(0);
    }
    let header = ["SERVICE", "CONTAINER", "STATE", "HEALTH", "PORTS"];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                r.service.clone(),
                r.container.clone(),
                r.state.clone(),
                r.health.clone(),
                r.ports.clone(),
            ]
        })
        .collect();
    let width = |i: usize| {
        cells
            .iter()
            .map(|c| c[i].len())
            .chain([header[i].len()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..5).map(width).collect();
    let line = |c: [&str; 5]| {
        let mut s = String::new();
        for (i, cell) in c.iter().enumerate() {
            s += &format!("{cell:<w$}  ", w = widths[i]);
        }
        s.trim_end().to_string() + "\n"
    };
    say(&line(header));
    for c in &cells {
        say(&line([&c[0], &c[1], &c[2], &c[3], &c[4]]));
    }
    Ok(0)
}

pub fn logs(project: &Project, args: &LogsArgs) -> Result<i32> {
    let t = target(project)?;
    runtime()?.block_on(async {
        let docker = engine::connect().await?;
        let opts = LogsOptions {
            services: args.services.clone(),
            follow: args.follow,
            tail: args.tail.map(|n| n.to_string()),
        };
        match args.target {
            DeployTarget::Compose => {
                engine::logs(&docker, &t.project, &opts, |l| say(&format!("{l}\n"))).await
            }
            DeployTarget::Swarm => {
                engine::swarm::logs(&docker, &t.project, &opts, |l| say(&format!("{l}\n"))).await
            }
        }
    })?;
    Ok(0)
}
