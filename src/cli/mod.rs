//! The command line: parsing and dispatch. Each command is a few lines over the pipeline.

mod certs;
mod check;
pub mod color;
mod completions;
mod engine;
mod init;
mod man;
mod render;
mod token;

use crate::error::{Error, Result};
use crate::pipeline::{find_config, Project};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "mcpstack",
    version = env!("MCPSTACK_LONG_VERSION"),
    about = "Render and run a production-grade stack for MCP servers from one mcp-stack.yaml",
    after_help = "Examples:\n  mcpstack init              write mcp-stack.yaml for the MCP servers in this folder\n  mcpstack validate\n  mcpstack render\n  mcpstack render --check\n  mcpstack --config examples/spike/mcp-stack.yaml render\n\nExit status: 0 success, 1 a check failed, 2 bad configuration or usage, 3 a runtime failure."
)]
pub struct Cli {
    /// The configuration file [default: mcp-stack.yaml here or in a parent folder]
    #[arg(long, short = 'c', global = true, value_name = "PATH", help_heading = GLOBAL)]
    pub config: Option<PathBuf>,
    /// Print only errors
    #[arg(long, short, global = true, conflicts_with = "verbose", help_heading = GLOBAL)]
    pub quiet: bool,
    /// Print more detail
    #[arg(long, short, global = true, help_heading = GLOBAL)]
    pub verbose: bool,
    /// Folder of the local CA [default: $MCPSTACK_CAROOT, else $XDG_DATA_HOME/mcpstack or ~/.local/share/mcpstack]
    #[arg(long, global = true, value_name = "DIR", help_heading = GLOBAL)]
    pub caroot: Option<PathBuf>,
    /// When to use colour; `auto` honours NO_COLOR and colours only a terminal
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto, value_name = "WHEN", help_heading = GLOBAL)]
    pub color: Color,
    #[command(subcommand)]
    pub command: Command,
}

/// The heading of the options every command takes.
const GLOBAL: &str = "Global options";

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write a commented mcp-stack.yaml for the MCP servers in this folder
    Init(Box<init::Args>),
    /// Check the configuration without writing anything
    #[command(
        after_help = "Examples:\n  mcpstack validate\n  mcpstack -c path/to/mcp-stack.yaml validate"
    )]
    Validate,
    /// Write every generated file into the output folder
    #[command(
        after_help = "Examples:\n  mcpstack render            write what changed\n  mcpstack render --check    exit 1 if any file is missing, stale or edited (for CI)\n  mcpstack render --diff     show what render would change\n  mcpstack render --force    overwrite files edited by hand\n  mcpstack render --target kubernetes   write the kustomize base k8s/"
    )]
    Render(render::Args),
    /// Make or inspect the local CA and the stack's TLS certificate, or trust the CA
    Certs(certs::Args),
    /// Make or revoke a bearer token for the gateway (kept in the output folder's .env)
    Token(token::Args),
    /// Build, create and start the stack on the Docker Engine (renders first if needed)
    Up(engine::UpArgs),
    /// Remove the stack's containers and network (and, if asked, volumes and images)
    Down(engine::DownArgs),
    /// List the stack's containers with their state and health
    Ps(engine::PsArgs),
    /// Show the stack's logs, each line prefixed with its container
    Logs(engine::LogsArgs),
    /// Build the stack's images and push them to `registry:`, tagged by content hash
    Push(engine::PushArgs),
    /// Check every server through the gateway with a real MCP handshake (exit 1 on failure)
    Check(check::Args),
    /// Print the JSON Schema of mcp-stack.yaml
    #[command(after_help = "Examples:\n  mcpstack schema > mcp-stack.schema.json")]
    Schema,
    /// Print the shell completion script for bash, zsh, fish, powershell or elvish
    Completions(completions::Args),
    /// Print the manual page (or write one per command)
    Man(man::Args),
}

/// Output settings shared by the commands.
pub struct Out {
    pub quiet: bool,
    pub verbose: bool,
}

impl Out {
    pub fn info(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            say(&format!("{}\n", msg.as_ref()));
        }
    }
}

/// Writes to standard output. A reader that went away (`mcpstack ... | head`) is not an
/// error worth a panic: the rest of the output is dropped.
pub fn say(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
}

pub fn run(cli: Cli) -> Result<i32> {
    color::setup(cli.color);
    let out = Out {
        quiet: cli.quiet,
        verbose: cli.verbose,
    };
    if !cli.quiet {
        crate::output::on_wait(|dir| {
            anstream::eprintln!(
                "waiting for another mcpstack run to finish writing {} (it holds the folder's lock)",
                dir.display()
            )
        });
    }
    match &cli.command {
        Command::Init(args) => Ok(init::run(&cli, args, &out)),
        Command::Completions(args) => Ok(completions::run(args)),
        Command::Man(args) => man::run(args, &out),
        Command::Schema => {
            // The same text `init` writes into mcp-stack.schema.json.
            say(&crate::init::schema_text());
            Ok(0)
        }
        Command::Validate => {
            let project = load(&cli, &out)?;
            out.info(format!(
                "{} is valid: {} server(s), {} service(s)",
                project.source.file.display(),
                project.config.servers.len(),
                project.config.services.len()
            ));
            leave(project);
            Ok(0)
        }
        Command::Render(args) => {
            let project = load(&cli, &out)?;
            let code = render::run(&project, args, &out)?;
            if !args.check && !args.diff {
                let opts = crate::pipeline::CertOptions {
                    caroot: cli.caroot.clone(),
                    ..Default::default()
                };
                certs::ensure(&project, &opts, &out)?;
            }
            leave(project);
            Ok(code)
        }
        Command::Certs(args) => certs::run(&cli, args, &out),
        Command::Up(args) => {
            let project = load(&cli, &out)?;
            engine::up(&project, args, cli.caroot.clone(), &out)
        }
        Command::Down(args) => engine::down(&load(&cli, &out)?, args, &out),
        Command::Ps(args) => engine::ps(&load(&cli, &out)?, args),
        Command::Logs(args) => engine::logs(&load(&cli, &out)?, args),
        Command::Push(args) => engine::push(&load(&cli, &out)?, args, &out),
        Command::Check(args) => check::run(&load(&cli, &out)?, args, cli.caroot.clone(), &out),
        Command::Token(args) => {
            let project = load(&cli, &out)?;
            token::run(&project, args, &out)
        }
    }
}

/// Leaves what `value` holds to the system, which takes it back when the process ends, next:
/// freeing a large project piece by piece takes milliseconds (BENCHMARKS.md).
pub(crate) fn leave<T>(value: T) {
    std::mem::forget(value);
}

/// Finds, loads and validates the configuration, printing its warnings.
pub fn load(cli: &Cli, out: &Out) -> Result<Project> {
    let file = match &cli.config {
        Some(f) => f.clone(),
        None => {
            let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
            find_config(&cwd).ok_or_else(|| {
                Error::NoConfig(format!(
                    "no mcp-stack.yaml in {} or its parent folders",
                    cwd.display()
                ))
            })?
        }
    };
    let project = Project::load(&file)?;
    if !out.quiet {
        for w in project.warning_text() {
            color::warning(&w);
        }
    }
    Ok(project)
}
