//! `mcpstack init`: look at the folder for MCP servers, take the answers (from flags, defaults
//! or questions), and write a commented `mcp-stack.yaml` that validates and renders as it is,
//! with the JSON Schema beside it for editors.
//!
//! detect (what the folder holds) → answers (typed) → write (YAML text) → the whole pipeline on
//! that text → atomic writes. Nothing is written unless the text loads, validates, reads back
//! as the answers, and renders.

mod answers;
mod check;
mod defaults;
mod detect;
mod dockerfile;
pub mod from;
mod guess;
mod lock;
mod names;
mod node;
mod options;
mod prompt;
mod python;
mod scan;
mod transport;
mod write;

pub use answers::{Answers, From, ServerAnswer, TlsAnswer};
pub use detect::{detect, inspect, inspect_in, Candidate, Found};
pub use options::{Options, Stop};
pub use prompt::describe;
pub use write::{config_text, scalar, schema_text, SCHEMA_FILE};

use crate::config;
use crate::error::Error;
use crate::output::write_atomic;
use crate::pipeline::Project;
use std::path::{Path, PathBuf};

/// The output folder a new config uses (the config's default), which detection skips.
const OUTPUT: &str = "deploy";

/// How `init` gets the answers that flags do not give.
pub enum Mode<'a> {
    /// Defaults and every detected server (`--yes`, or no terminal).
    Defaults,
    /// Questions on the terminal, drawn with this theme.
    Ask(&'a dyn dialoguer::theme::Theme),
}

/// What `init` did.
#[derive(Debug)]
pub struct Outcome {
    pub config: PathBuf,
    pub schema: PathBuf,
    pub answers: Answers,
    /// False when the user declined at the last question: nothing was written.
    pub written: bool,
    /// Whether the schema file was written (it is left alone when it is already current).
    pub schema_written: bool,
    /// What was left out, for standard error.
    pub warnings: Vec<String>,
    /// `validate`'s warnings about the new config, formatted.
    pub config_warnings: Vec<String>,
    /// `--from`: what became of each client entry, and the round trip through `clients/`.
    pub imported: Vec<String>,
}

/// Writes the config at `file` (and the schema beside it) from `opts` and `mode`.
pub fn run(file: &Path, opts: &Options, mode: Mode) -> Result<Outcome, Stop> {
    run_with(file, opts, mode, &from::Tools)
}

/// As `run`, with `lookup` asked for the versions `--resolve` needs.
pub fn run_with(
    file: &Path,
    opts: &Options,
    mode: Mode,
    lookup: &dyn from::Lookup,
) -> Result<Outcome, Stop> {
    refuse_overwrite(file, opts.force)?;
    let dir = folder_of(file);
    let mut warnings = Vec::new();
    let mut imported = Vec::new();
    // `--from` names the servers: nothing is detected, and nothing about them is asked.
    let (candidates, given, mode) = if opts.from.is_empty() {
        (detect(&dir, OUTPUT), None, mode)
    } else {
        let got = from::import(&dir, opts, lookup)?;
        imported = got.summary;
        for c in &got.clients {
            imported.push(from::round_trip(*c, OUTPUT));
        }
        (Vec::new(), Some(got.servers), Mode::Defaults)
    };
    let asker = match mode {
        Mode::Ask(theme) => Some(prompt::Asker::new(theme, &dir)),
        Mode::Defaults => None,
    };
    let answers = match &asker {
        Some(k) => k.ask(opts, &candidates)?,
        None => defaults::answers(&dir, opts, &candidates, given, &mut warnings)?,
    };
    let text = config_text(&answers, OUTPUT);
    let project = verify(file, &dir, &text, &answers)?;
    let schema = if dir == Path::new(".") {
        PathBuf::from(SCHEMA_FILE)
    } else {
        dir.join(SCHEMA_FILE)
    };
    let mut outcome = Outcome {
        config: file.to_path_buf(),
        schema: schema.clone(),
        answers,
        written: false,
        schema_written: false,
        warnings,
        config_warnings: project.warning_text(),
        imported,
    };
    if let Some(k) = &asker {
        if !k.confirm_write(file)? {
            return Ok(outcome);
        }
    }
    refuse_overwrite(file, opts.force)?;
    let schema_text = schema_text();
    if std::fs::read_to_string(&schema).ok().as_deref() != Some(schema_text.as_str()) {
        write_atomic(&schema, schema_text.as_bytes(), 0o644)?;
        outcome.schema_written = true;
    }
    write_atomic(file, text.as_bytes(), 0o644)?;
    outcome.written = true;
    Ok(outcome)
}

/// The folder that holds `file` (`.` for a bare file name).
pub fn folder_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn refuse_overwrite(file: &Path, force: bool) -> Result<(), Stop> {
    if !force && std::fs::symlink_metadata(file).is_ok() {
        return Err(Stop::usage(
            format!(
                "{} already exists; init does not replace it",
                file.display()
            ),
            "pass `--force` to replace it, or edit it and run `mcpstack validate`",
        ));
    }
    Ok(())
}

/// The text goes through what `validate` and `render` do, and must read back as the answers.
fn verify(file: &Path, dir: &Path, text: &str, answers: &Answers) -> Result<Project, Stop> {
    let (parsed, source) = config::parse(file.to_path_buf(), dir.to_path_buf(), text.to_string())?;
    let want = serde_json::to_value(answers.to_config()).map_err(anyhow::Error::from);
    let got = serde_json::to_value(&parsed).map_err(anyhow::Error::from);
    match (want, got) {
        (Ok(w), Ok(g)) if w == g => {}
        _ => {
            return Err(Error::Other(anyhow::anyhow!(
                "the config init made does not read back as the answers (a bug in mcpstack); nothing was written"
            ))
            .into())
        }
    }
    let project = Project::from_parts(parsed, source)?;
    project.render()?;
    Ok(project)
}
