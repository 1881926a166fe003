//! `mcpstack init`: its flags, and the choice between asking and taking defaults.

use super::{color, Cli, Out};
use crate::config::{AuthType, TlsMode, Transport};
use crate::init::{self, Mode, Options};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Without --yes, init asks on the terminal; every flag answers its question. Without a terminal on standard input it asks nothing: it takes defaults as --yes does, or stops (exit 2) naming the flag it needs.\n\nExamples:\n  mcpstack init                     ask, offering the MCP servers found below this folder\n  mcpstack init --yes               every default and every server found\n  mcpstack init --yes --auth --tls acme --domain mcp.example.com --email ops@example.com\n  mcpstack init --yes --server weather=./servers/weather --transport weather=stdio\n  mcpstack init --yes --image time=mcp/time --transport time=stdio --command time=mcp-server-time\n  mcpstack -c infra/mcp-stack.yaml init --force\n  mcpstack init --from ~/.config/Claude/claude_desktop_config.json --from .vscode/mcp.json\n  mcpstack init --from .cursor/mcp.json --pin @modelcontextprotocol/server-memory=2025.9.25\n  mcpstack init --from claude_desktop_config.json --resolve     ask the registry for unpinned versions"
)]
pub struct Args {
    /// Ask nothing: take every default and every server found
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Replace an existing config
    #[arg(long)]
    pub force: bool,
    /// Project name, a DNS label [default: from the folder's name]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Host name the gateway serves [default: mcp.local]
    #[arg(long, value_name = "HOST")]
    pub domain: Option<String>,
    /// A server built from a folder (repeatable); servers given as flags replace the ones found
    #[arg(long = "server", value_name = "NAME=PATH", value_parser = name_value)]
    pub servers: Vec<(String, String)>,
    /// A server run from a prebuilt image (repeatable)
    #[arg(long = "image", value_name = "NAME=IMAGE", value_parser = name_value)]
    pub images: Vec<(String, String)>,
    /// A server's transport: streamable-http, sse or stdio (repeatable)
    #[arg(long = "transport", value_name = "NAME=KIND", value_parser = name_transport)]
    pub transports: Vec<(String, Transport)>,
    /// A server's start command, quoted as one argument (repeatable)
    #[arg(long = "command", value_name = "NAME=COMMAND", value_parser = name_command)]
    pub commands: Vec<(String, Vec<String>)>,
    /// TLS certificate: local (mcpstack's local CA), manual (your files) or acme (Let's Encrypt) [default: local]
    #[arg(long, value_name = "MODE", value_parser = tls_mode())]
    pub tls: Option<TlsMode>,
    /// acme: the e-mail address for Let's Encrypt
    #[arg(long, value_name = "ADDRESS")]
    pub email: Option<String>,
    /// manual: the certificate chain file
    #[arg(long, value_name = "FILE")]
    pub cert: Option<String>,
    /// manual: the private key file
    #[arg(long, value_name = "FILE")]
    pub key: Option<String>,
    /// Gateway auth: none or bearer; `--auth` alone means bearer [default: none]
    #[arg(long, value_name = "TYPE", num_args = 0..=1, default_missing_value = "bearer", value_parser = auth_type())]
    pub auth: Option<AuthType>,
    /// Add the monitoring profile (Prometheus and Grafana)
    #[arg(long, overrides_with = "no_monitoring")]
    pub monitoring: bool,
    /// No monitoring profile (the default; answers the question)
    #[arg(long, overrides_with = "monitoring")]
    pub no_monitoring: bool,
    /// A Claude Desktop, VS Code or Cursor MCP configuration file whose stdio servers become the servers (repeatable); asks nothing
    #[arg(long = "from", value_name = "FILE")]
    pub from: Vec<PathBuf>,
    /// The exact version of a package a --from entry runs unpinned (repeatable)
    #[arg(long = "pin", value_name = "NAME=VERSION", value_parser = name_value, requires = "from")]
    pub pins: Vec<(String, String)>,
    /// Ask the registry (npm, or uv/pip for PyPI) for the version of each unpinned package: the version this machine would run today. Needs the network
    #[arg(long, requires = "from")]
    pub resolve: bool,
}

impl Args {
    fn options(&self) -> Options {
        Options {
            name: self.name.clone(),
            domain: self.domain.clone(),
            servers: self.servers.clone(),
            images: self.images.clone(),
            transports: self.transports.clone(),
            commands: self.commands.clone(),
            tls: self.tls,
            email: self.email.clone(),
            cert: self.cert.clone(),
            key: self.key.clone(),
            auth: self.auth,
            monitoring: match (self.monitoring, self.no_monitoring) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            },
            force: self.force,
            from: self.from.clone(),
            pins: self.pins.clone(),
            resolve: self.resolve,
        }
    }
}

pub fn run(cli: &Cli, args: &Args, out: &Out) -> i32 {
    let file = cli
        .config
        .clone()
        .unwrap_or_else(|| PathBuf::from("mcp-stack.yaml"));
    let terminal = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if !args.yes && !terminal && out.verbose {
        out.info("no terminal to ask on: taking defaults and every server found, as --yes does");
    }
    let theme = dialoguer::theme::ColorfulTheme::default();
    let mode = if args.yes || !terminal || !args.from.is_empty() {
        Mode::Defaults
    } else {
        Mode::Ask(&theme)
    };
    let asked = matches!(mode, Mode::Ask(_));
    let done = match init::run(&file, &args.options(), mode) {
        Ok(d) => d,
        Err(stop) => {
            if asked {
                // A prompt interrupted by Ctrl-C leaves the cursor hidden.
                let _ = dialoguer::console::Term::stderr().show_cursor();
            }
            color::error(&stop.message, stop.help.as_deref());
            return stop.code;
        }
    };
    for w in &done.warnings {
        color::warning(w);
    }
    for line in &done.imported {
        out.info(line);
    }
    if !done.written {
        out.info("nothing was written");
        return 0;
    }
    if !out.quiet {
        for w in &done.config_warnings {
            color::warning(w);
        }
    }
    if !asked {
        out.info(format!("{} server(s):", done.answers.servers.len()));
        for s in &done.answers.servers {
            out.info(format!("  {}", init::describe(s)));
            // What was guessed and why; warnings were printed above.
            for n in s.notes.iter().filter(|n| !n.starts_with("warning: ")) {
                out.info(format!("      {n}"));
            }
        }
    }
    let schema = if done.schema_written {
        format!(" and {}", done.schema.display())
    } else {
        format!(" ({} is up to date)", done.schema.display())
    };
    out.info(format!("wrote {}{schema}", done.config.display()));
    let c = match &cli.config {
        Some(f) => format!("mcpstack -c {} ", f.display()),
        None => "mcpstack ".into(),
    };
    out.info(format!(
        "next: `{c}validate`, then `{c}render` writes the deployment"
    ));
    0
}

/// `NAME=VALUE`, both non-empty.
fn name_value(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((n, v)) if !n.is_empty() && !v.is_empty() => Ok((n.to_string(), v.to_string())),
        _ => Err(format!(
            "`{s}` is not NAME=VALUE, e.g. `weather=./servers/weather`"
        )),
    }
}

fn name_transport(s: &str) -> Result<(String, Transport), String> {
    let (n, v) = name_value(s)?;
    let t = serde_json::from_value(serde_json::Value::from(v.clone()))
        .map_err(|_| format!("`{v}` is not a transport: use streamable-http, sse or stdio"))?;
    Ok((n, t))
}

fn name_command(s: &str) -> Result<(String, Vec<String>), String> {
    let (n, v) = name_value(s)?;
    let words = shell_words::split(&v).map_err(|e| format!("`{v}`: {e}"))?;
    if words.is_empty() {
        return Err(format!("the command for `{n}` is empty"));
    }
    Ok((n, words))
}

fn tls_mode() -> impl TypedValueParser<Value = TlsMode> {
    PossibleValuesParser::new(["local", "manual", "acme"])
        .map(|s| serde_json::from_value(serde_json::Value::from(s)).expect("a listed TLS mode"))
}

fn auth_type() -> impl TypedValueParser<Value = AuthType> {
    PossibleValuesParser::new(["none", "bearer"])
        .map(|s| serde_json::from_value(serde_json::Value::from(s)).expect("a listed auth type"))
}
