//! Command lines written with click, typer or argparse: a `--transport` option (its choices
//! and default), `--port` and `--host` options, and transport subcommands. From these, the
//! arguments that make the program serve HTTP on 0.0.0.0.

use super::super::guess::{transport_named, Guess};
use super::super::scan::{self, int, string, Call, Source};
use crate::config::Transport;

/// One option: where it is, its default and its choices as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opt {
    pub flag: String,
    pub default: Option<String>,
    pub choices: Vec<String>,
    /// The option's help text, which often lists the values it takes.
    pub help: String,
    pub at: String,
}

/// The command line a program declares.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cli {
    pub transport: Option<Opt>,
    pub port: Option<Opt>,
    pub host: Option<Opt>,
    /// Subcommands named after a transport (`streamable-http`, `http`, `sse`).
    pub subcommands: Vec<(String, String)>,
}

/// Reads the options of every file.
pub fn read(files: &[Source]) -> Cli {
    let mut cli = Cli::default();
    for f in files {
        let t = &f.text;
        let mut found: Vec<Opt> = Vec::new();
        for c in scan::calls(t, ".add_argument") {
            found.extend(argparse(f, &c));
        }
        for name in ["click.option", "option"] {
            for c in scan::calls(t, name) {
                if name == "option" && !c.before.trim_end().ends_with('@') {
                    continue;
                }
                found.extend(click(f, &c));
            }
        }
        for name in ["typer.Option", "Option"] {
            for c in scan::calls(t, name) {
                if name == "Option" && !t.contains("from typer import") {
                    continue;
                }
                found.extend(typer(f, &c));
            }
        }
        if t.contains("import typer") || t.contains("from typer import") {
            found.extend(typer_parameters(f));
        }
        for o in found {
            let slot = match o.flag.as_str() {
                "--transport" => &mut cli.transport,
                "--port" => &mut cli.port,
                "--host" => &mut cli.host,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(o);
            }
        }
        subcommands(f, &mut cli.subcommands);
    }
    cli
}

fn flags(c: &Call) -> Vec<String> {
    c.positional()
        .filter_map(string)
        .filter(|s| s.starts_with("--"))
        .collect()
}

fn choices(expr: &str) -> Vec<String> {
    scan::split_args(expr.trim().trim_start_matches('[').trim_end_matches(']'))
        .into_iter()
        .filter_map(|a| string(&a.value))
        .collect()
}

/// A literal, or the default of an environment read (`os.getenv("MCP_PORT", "8000")`).
fn value(expr: &str) -> Option<String> {
    if let Some(s) = string(expr) {
        return Some(s);
    }
    if let Some(n) = int(expr) {
        return Some(n.to_string());
    }
    match scan::env_default(expr)?.1? {
        scan::Lit::Str(s) => Some(s),
        scan::Lit::Int(n) => Some(n.to_string()),
    }
}

fn one(f: &Source, c: &Call, flag: String, default: Option<String>, choices: Vec<String>) -> Opt {
    Opt {
        flag,
        default,
        choices,
        help: c.arg("help", None).and_then(string).unwrap_or_default(),
        at: f.at(c.offset),
    }
}

/// `parser.add_argument("--transport", default="stdio", choices=[...])`.
fn argparse(f: &Source, c: &Call) -> Vec<Opt> {
    let default = c.arg("default", None).and_then(value);
    let ch = c.arg("choices", None).map(choices).unwrap_or_default();
    flags(c)
        .into_iter()
        .map(|fl| one(f, c, fl, default.clone(), ch.clone()))
        .collect()
}

/// `@click.option("--transport", type=click.Choice([...]), default="stdio")`.
fn click(f: &Source, c: &Call) -> Vec<Opt> {
    let default = c.arg("default", None).and_then(value);
    let ch = c
        .arg("type", None)
        .and_then(|t| scan::calls(t, "Choice").into_iter().next())
        .and_then(|ch| ch.positional().next().map(choices))
        .unwrap_or_default();
    flags(c)
        .into_iter()
        .map(|fl| one(f, c, fl, default.clone(), ch.clone()))
        .collect()
}

/// `port: int = typer.Option(8000, "--port")`, or
/// `port: Annotated[int, typer.Option(help=...)] = 8000` (the flag from the parameter's name).
fn typer(f: &Source, c: &Call) -> Vec<Opt> {
    let mut fl = flags(c);
    if fl.is_empty() {
        let param: String = c
            .before
            .trim_start()
            .chars()
            .take_while(|ch| ch.is_alphanumeric() || *ch == '_')
            .collect();
        if param.is_empty() {
            return Vec::new();
        }
        fl.push(format!("--{}", param.replace('_', "-")));
    }
    let mut default = c
        .arg("default", None)
        .or_else(|| c.positional().find(|p| !p.trim_start().starts_with("\"-")))
        .and_then(value);
    if default.is_none() && c.before.contains("Annotated[") {
        let after = &f.text[c.end..];
        let after = after
            .trim_start()
            .strip_prefix(']')
            .unwrap_or(after)
            .trim_start();
        if let Some(rest) = after.strip_prefix('=') {
            let expr: String = rest
                .trim_start()
                .chars()
                .take_while(|ch| !",)\n".contains(*ch))
                .collect();
            default = value(&expr);
        }
    }
    fl.into_iter()
        .map(|flag| one(f, c, flag, default.clone(), Vec::new()))
        .collect()
}

/// Plain parameters of typer commands, which typer makes options: `def serve(port: int =
/// 8765, host: str = "0.0.0.0")` declares `--port` (default 8765) and `--host`.
fn typer_parameters(f: &Source) -> Vec<Opt> {
    let t = &f.text;
    let mut out = Vec::new();
    for c in scan::calls(t, ".command") {
        let Some(def) = t[c.end..].find("def ").map(|i| c.end + i) else {
            continue;
        };
        let Some(open) = t[def..].find('(').map(|i| def + i + 1) else {
            continue;
        };
        let Some(params) = scan::balanced(&t[open..]) else {
            continue;
        };
        for a in scan::split_args(params) {
            let text = a
                .key
                .map_or(a.value.clone(), |k| format!("{k}={}", a.value));
            let Some((head, default)) = text.split_once('=') else {
                continue;
            };
            let name = head.split(':').next().unwrap_or("").trim();
            if !matches!(name, "port" | "host" | "transport") || default.contains("Option(") {
                continue;
            }
            out.push(Opt {
                flag: format!("--{name}"),
                default: value(default.trim()),
                choices: Vec::new(),
                help: String::new(),
                at: f.at(def),
            });
        }
    }
    out
}

/// `@app.command("streamable-http")`, `@cli.command()` over `def sse(...)`,
/// `subparsers.add_parser("sse")`.
fn subcommands(f: &Source, out: &mut Vec<(String, String)>) {
    let t = &f.text;
    let mut names = Vec::new();
    for c in scan::calls(t, ".command")
        .into_iter()
        .chain(scan::calls(t, ".add_parser"))
    {
        let named = c.arg("name", Some(0)).and_then(string);
        let name = named.or_else(|| {
            let rest = &t[c.end..];
            let def = rest.find("def ")?;
            let ident: String = rest[def + 4..]
                .chars()
                .take_while(|ch| ch.is_alphanumeric() || *ch == '_')
                .collect();
            Some(ident.replace('_', "-"))
        });
        if let Some(n) = name {
            names.push((n, f.at(c.offset)));
        }
    }
    for (n, at) in names {
        if matches!(n.as_str(), "streamable-http" | "http" | "sse" | "stdio")
            && !out.iter().any(|(o, _)| *o == n)
        {
            out.push((n, at));
        }
    }
}

/// The HTTP transport a `--transport` option offers: from its choices, else from the strings
/// the program compares it with.
fn http_choice(opt: &Opt, text_has: impl Fn(&str) -> bool) -> Option<String> {
    let pool: Vec<String> = if opt.choices.is_empty() {
        ["streamable-http", "http", "sse"]
            .iter()
            .filter(|s| {
                text_has(&format!("\"{s}\""))
                    || text_has(&format!("'{s}'"))
                    || opt
                        .help
                        .split(|c: char| !(c.is_alphanumeric() || c == '-'))
                        .any(|w| w == **s)
            })
            .map(|s| s.to_string())
            .collect()
    } else {
        opt.choices.clone()
    };
    ["streamable-http", "streamable_http", "http", "sse"]
        .iter()
        .find(|want| pool.iter().any(|c| c == *want))
        .map(|s| s.to_string())
}

/// Arguments that serve HTTP on 0.0.0.0, when the command line can: a `--transport` choice or
/// a transport subcommand, then `--port` and `--host` when the program has them.
pub fn http_args(cli: &Cli, files: &[Source], g: &mut Guess) -> Option<Vec<String>> {
    let text_has = |s: &str| files.iter().any(|f| f.text.contains(s));
    let mut args = Vec::new();
    let (kind, why) = if let Some(opt) = &cli.transport {
        let choice = http_choice(opt, text_has)?;
        let default = opt.default.clone().unwrap_or_else(|| "none".into());
        args.extend(["--transport".to_string(), choice.clone()]);
        (
            choice.clone(),
            format!(
                "--transport (default {default}) at {}: `--transport {choice}` serves HTTP",
                opt.at
            ),
        )
    } else {
        let (sub, at) = ["streamable-http", "http", "sse"]
            .iter()
            .find_map(|want| cli.subcommands.iter().find(|(n, _)| n == want))?;
        args.push(sub.clone());
        (
            sub.clone(),
            format!("the `{sub}` subcommand at {at} serves HTTP"),
        )
    };
    let t = transport_named(&kind)?;
    if t == Transport::Stdio {
        return None;
    }
    g.transport(t, why);
    if let Some(p) = &cli.port {
        let n = p
            .default
            .as_deref()
            .and_then(|d| d.parse().ok())
            .unwrap_or(8000);
        args.extend(["--port".to_string(), n.to_string()]);
        g.port(n, format!("--port at {} (default {n})", p.at));
    }
    if cli
        .host
        .as_ref()
        .is_some_and(|h| h.default.as_deref() != Some("0.0.0.0"))
    {
        args.extend(["--host".to_string(), "0.0.0.0".to_string()]);
    }
    Some(args)
}
