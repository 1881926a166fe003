//! `mcpstack init --from FILE`: the stdio servers of Claude Desktop, VS Code and Cursor
//! configuration files as servers of the stack.
//!
//! formats (the files) → launch (what each command starts) → map (a server, or left out and
//! why; secrets apart) → pins (exact versions from `--pin`, or the registry with `--resolve`).
//! Nothing here writes: `init` writes the config the servers make, as for detected ones.

mod formats;
mod launch;
mod lookup;
mod map;
pub use map::round_trip;
mod secrets;

pub use formats::{parse, Client, ClientFile, Entry, EntryKind, Input};
pub use launch::{launch, Launch, Package, Registry};
pub use lookup::{Lookup, Tools};
pub use secrets::why_secret;

use super::answers::ServerAnswer;
use super::options::{Options, Stop};
use std::path::Path;

/// The largest client file read (they are a few KiB).
const MAX_FILE: u64 = 1 << 20;

/// What the files gave.
#[derive(Debug, Default)]
pub struct Imported {
    pub servers: Vec<ServerAnswer>,
    /// One line per entry: the server it became, or why it was left out.
    pub summary: Vec<String>,
    /// The clients the files belong to, in order, once each.
    pub clients: Vec<Client>,
}

/// Reads every `--from` file of `opts` for the config in `dir`.
pub fn import(dir: &Path, opts: &Options, lookup: &dyn Lookup) -> Result<Imported, Stop> {
    let mut files = Vec::new();
    for path in &opts.from {
        files.push(read(path)?);
    }
    let got = map::servers(dir, &files, opts, lookup)?;
    if got.servers.is_empty() && !opts.has_servers() {
        let list: Vec<String> = got.summary.iter().map(|l| format!("\n  {l}")).collect();
        return Err(Stop::usage(
            format!(
                "no entry of the `--from` file(s) can run in the stack:{}",
                list.concat()
            ),
            "do what a line says, or pass `--server NAME=PATH` or `--image NAME=IMAGE`",
        ));
    }
    Ok(got)
}

fn read(path: &Path) -> Result<ClientFile, Stop> {
    use std::io::Read;
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| {
        Stop::usage(
            format!("{shown}: cannot be read ({e})"),
            "pass the client's file: claude_desktop_config.json, .vscode/mcp.json or .cursor/mcp.json",
        )
    })?;
    let mut text = String::new();
    file.take(MAX_FILE + 1)
        .read_to_string(&mut text)
        .map_err(|e| Stop::usage(format!("{shown}: not UTF-8 text ({e})"), "pass a JSON file"))?;
    if text.len() as u64 > MAX_FILE {
        return Err(Stop::usage(
            format!("{shown}: larger than 1 MiB, which no client configuration is"),
            "pass the client's MCP configuration file",
        ));
    }
    parse(path, &text).map_err(|e| {
        let at = e.line.map(|l| format!(":{l}")).unwrap_or_default();
        Stop::usage(format!("{shown}{at}: {}", e.message), e.help)
    })
}
