//! `up`, `down`, `check` with `--target swarm`, and `push`.

use super::{
    check_after_up, render_if_needed, reporter, runtime, target, DownArgs, PushArgs, UpArgs,
};
use crate::cli::{color, say, Out};
use crate::config::TlsMode;
use crate::engine::{self, LogsOptions, UpOptions};
use crate::error::{Error, Result};
use crate::pipeline::{CertOptions, Project};

/// What a swarm deployment leaves out, refused before anything is made.
fn refuse_unsupported(project: &Project, args: &UpArgs) -> Result<()> {
    if args.profiles.iter().any(|p| p != "production") {
        return Err(Error::Usage(
            "--target swarm deploys the production profile only: the dev profile is for one machine (`--target compose --profile dev`), and the monitoring profile is not deployed to a swarm"
                .into(),
        ));
    }
    if project.stack.gateway.tls.mode == TlsMode::Acme {
        return Err(Error::Usage(
            "--target swarm does not run certbot (`gateway.tls.mode: acme`): use `tls.mode: manual` with a certificate you renew, or `--target compose`"
                .into(),
        ));
    }
    if project.stack.tunnel.is_some() {
        return Err(Error::Usage(
            "--target swarm does not run the Cloudflare tunnel (`tunnel.cloudflare`): use `--target compose`, or run cloudflared beside the swarm"
                .into(),
        ));
    }
    Ok(())
}

pub fn up_swarm(
    project: &Project,
    args: &UpArgs,
    caroot: Option<std::path::PathBuf>,
    out: &Out,
) -> Result<i32> {
    refuse_unsupported(project, args)?;
    render_if_needed(project, out)?;
    crate::cli::certs::ensure(
        project,
        &CertOptions {
            caroot: caroot.clone(),
            ..Default::default()
        },
        out,
    )?;
    let t = target(project)?;
    let rt = runtime()?;
    rt.block_on(async {
        let docker = engine::connect().await?;
        let start = std::time::Instant::now();
        let opts = engine::swarm::DeployOptions {
            build: args.build,
            verbose: out.verbose,
            wait: !args.no_wait,
        };
        let reporter = reporter(out);
        let report = tokio::select! {
            r = engine::swarm::deploy(&docker, &t, &project.stack, &opts, reporter.as_ref()) => r?,
            _ = tokio::signal::ctrl_c() => {
                eprintln!("interrupted: the swarm keeps converging to what was sent; run `mcpstack up --target swarm` again to finish it");
                std::process::exit(130);
            }
        };
        if !out.quiet {
            for w in &report.warnings {
                color::warning(&format!("{w}\n"));
            }
        }
        out.info(format!(
            "project {} on the swarm: {} service(s) created, {} updated, {} removed, {} unchanged ({:.2}s)",
            t.project,
            report.created.len(),
            report.updated.len(),
            report.removed.len(),
            report.unchanged.len(),
            start.elapsed().as_secs_f64()
        ));
        Ok::<_, anyhow::Error>(())
    })?;
    if !args.no_check && project.stack.gateway.publish {
        let code = check_after_up(project, caroot, out)?;
        if code != 0 {
            return Ok(code);
        }
    }
    if !args.detach {
        rt.block_on(async {
            let docker = engine::connect().await?;
            let opts = LogsOptions {
                services: Vec::new(),
                follow: true,
                tail: Some("0".into()),
            };
            tokio::select! {
                r = engine::swarm::logs(&docker, &t.project, &opts, |l| say(&format!("{l}\n"))) => r?,
                _ = tokio::signal::ctrl_c() => {
                    out.info("stopped following the logs; the stack keeps running (`mcpstack down --target swarm` removes it)");
                }
            }
            Ok::<_, anyhow::Error>(())
        })?;
    }
    Ok(0)
}

pub fn down(project: &Project, args: &DownArgs, out: &Out) -> Result<i32> {
    let t = target(project)?;
    runtime()?.block_on(async {
        let docker = engine::connect().await?;
        for r in engine::swarm::remove(&docker, &t.project, args.volumes).await? {
            out.info(format!(" ✔ {r}  Removed"));
        }
        if args.remove_images {
            for r in engine::remove_built_images(&docker, &t.project).await? {
                out.info(format!(" ✔ {r}  Removed"));
            }
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(0)
}

/// `check --target swarm`: the stack must be deployed there.
pub fn require_swarm_gateway(project: &Project) -> Result<()> {
    let t = target(project)?;
    let rows = runtime()?.block_on(async {
        let docker = engine::connect().await?;
        engine::swarm::ps(&docker, &t.project).await
    })?;
    if !rows
        .iter()
        .any(|r| r.service == "gateway" && r.state == "running")
    {
        return Err(Error::Other(anyhow::anyhow!(
            "no gateway of project {} runs on the swarm\n  = help: deploy it with `mcpstack up --target swarm`",
            t.project
        )));
    }
    Ok(())
}

pub fn push(project: &Project, args: &PushArgs, out: &Out) -> Result<i32> {
    let Some(registry) = project.stack.registry.clone() else {
        return Err(Error::Usage(format!(
            "`push` needs `registry:` in {}: the registry to push to, e.g. `registry: localhost:5000/team`",
            project.source.file.display()
        )));
    };
    render_if_needed(project, out)?;
    let t = target(project)?;
    let pushed = runtime()?.block_on(async {
        let docker = engine::connect().await?;
        let opts = UpOptions {
            profiles: vec!["production".into()],
            build: args.build,
            verbose: out.verbose,
            wait: false,
        };
        let reporter = reporter(out);
        engine::push(&docker, &t, &project.stack, &opts, reporter.as_ref()).await
    })?;
    if pushed.is_empty() {
        out.info("nothing to push: the stack builds no image (prebuilt images are pulled from where they are)");
        return Ok(0);
    }
    for (service, reference) in &pushed {
        out.info(format!("{service}: {reference}"));
    }
    out.info(format!("pushed {} image(s) to {registry}", pushed.len()));
    // Outside the engine's errors: a link refused in the output folder keeps its exit status.
    write_pushed_overlay(&t, &pushed, out)?;
    Ok(0)
}

/// With a Kubernetes base rendered (`render --target kubernetes`), writes the overlay that
/// runs what was just pushed: `<output>/k8s-pushed/kustomization.yaml`.
fn write_pushed_overlay(t: &engine::Target, pushed: &[(String, String)], out: &Out) -> Result<()> {
    use crate::render::kubernetes::pushed;
    if !crate::output::holds(&t.dir, "k8s/kustomization.yaml")? {
        return Ok(());
    }
    let built: Vec<(String, String)> = pushed
        .iter()
        .map(|(service, reference)| (t.file.services[service].image.clone(), reference.clone()))
        .collect();
    crate::output::write_unrendered(
        &t.dir,
        &format!("{}/kustomization.yaml", pushed::FOLDER),
        &pushed::overlay(&built)?,
    )?;
    out.info(format!(
        "{}/{}/: the Kubernetes base with these images (`kubectl apply -k` it)",
        t.dir.display(),
        pushed::FOLDER
    ));
    Ok(())
}
