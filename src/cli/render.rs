//! `mcpstack render`: write, check or diff the generated files.

use super::Out;
use crate::error::{Error, Result};
use crate::output::{self, State};
use crate::pipeline::Project;
use crate::render::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Write nothing; exit 1 and list every file that is missing, stale or edited by hand
    #[arg(long, conflicts_with = "diff")]
    pub check: bool,
    /// Write nothing; print a unified diff of what render would change
    #[arg(long)]
    pub diff: bool,
    /// Overwrite or remove generated files even if they were edited by hand
    #[arg(long, conflicts_with_all = ["check", "diff"])]
    pub force: bool,
    /// What to render: Compose (the default) or a Kubernetes kustomize base in `k8s/`. Each
    /// target's files are its own: rendering, checking or diffing one leaves the other's alone
    #[arg(long, value_enum, default_value_t = Target::Compose)]
    pub target: Target,
}

pub fn run(project: &Project, args: &Args, out: &Out) -> Result<i32> {
    if args.target == Target::Kubernetes && !out.quiet {
        for note in crate::render::kubernetes::notes(&project.stack) {
            super::color::warning(&note);
        }
    }
    let dir = project.output_dir();
    let shown = display_dir(project);
    if args.check || args.diff {
        // Part by part: the texts of files found up to date are dropped as they are checked.
        let checked = output::check_parts(&dir, args.target, |each| {
            project.render_into(args.target, each)
        })?;
        let entries = checked.entries();
        let changed: Vec<_> = entries
            .iter()
            .filter(|e| e.state != State::UpToDate)
            .collect();
        for e in &changed {
            if args.diff || out.verbose || args.check {
                super::say(&output::diff(e, &shown));
            }
        }
        if args.check {
            if changed.is_empty() {
                out.info(format!("{shown}: {} file(s) up to date", entries.len()));
                return Ok(0);
            }
            return Err(Error::Drift {
                dir: shown,
                files: changed
                    .iter()
                    .map(|e| format!("{} ({})", e.path, output::describe(e)))
                    .collect(),
            });
        }
        return Ok(0);
    }
    // The certificate is made after the files: refuse a link there before writing anything.
    project.refuse_cert_links()?;
    let report = output::write_parts(
        &dir,
        &project.stack.config_file,
        args.force,
        args.target,
        |each| project.render_into(args.target, each),
    )?;
    for f in &report.written {
        if out.verbose {
            out.info(format!("  wrote   {shown}/{f}"));
        }
    }
    for f in &report.removed {
        out.info(format!("  removed {shown}/{f} (no longer generated)"));
    }
    out.info(format!(
        "{shown}: {} written, {} removed, {} unchanged",
        report.written.len(),
        report.removed.len(),
        report.unchanged
    ));
    Ok(0)
}

/// The output folder as messages name it: relative to the current folder where it can be
/// (`deploy`, `examples/spike/deploy`, `../deploy`), so CI logs show repository paths.
fn display_dir(project: &Project) -> String {
    let dir = project.output_dir();
    let relative = match std::env::current_dir() {
        Ok(cwd) if dir.is_absolute() => pathdiff::diff_paths(&dir, &cwd).unwrap_or(dir),
        _ => dir,
    };
    let text = relative.display().to_string();
    match text.strip_prefix("./").unwrap_or(&text) {
        "" => ".".to_string(),
        t => t.to_string(),
    }
}
