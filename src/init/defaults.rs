//! Answers without asking: flags first, then what the folder shows, then defaults. A required
//! answer that none of these gives stops `init` with an error naming the flag that gives it.

use super::answers::{Answers, From, ServerAnswer, TlsAnswer};
use super::check::{self, Scope};
use super::detect::{self, Candidate, Found};
use super::names;
use super::options::{Options, Stop};
use crate::config::location::{KeyPath, Seg};
use crate::config::{Runtime, TlsMode, Transport};
use crate::error::Diagnostic;
use std::path::Path;

/// The project name the folder suggests, if it makes a DNS label.
pub fn folder_name(dir: &Path) -> Option<String> {
    let abs = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let base = abs.file_name()?.to_string_lossy().into_owned();
    Some(names::label(&base)).filter(|n| !n.is_empty())
}

/// Every answer from flags, detection and defaults. `warnings` receives what was left out.
pub fn answers(
    dir: &Path,
    opts: &Options,
    candidates: &[Candidate],
    given: Option<Vec<ServerAnswer>>,
    warnings: &mut Vec<String>,
) -> Result<Answers, Stop> {
    let name = match opts.name.clone().or_else(|| folder_name(dir)) {
        Some(n) => n,
        None => {
            return Err(Stop::usage(
                "the folder's name makes no project name",
                "pass `--name NAME` (lowercase letters, digits and `-`)",
            ))
        }
    };
    let mut a = Answers::new(&name);
    flag_ok(&a, dir, &[Scope::at(&["name"])])?;
    if let Some(d) = &opts.domain {
        a.domain = d.clone();
        flag_ok(&a, dir, &[Scope::at(&["domain"])])?;
    }
    a.servers = if let Some(mut servers) = given {
        // `--from`, and any `--server` or `--image` beside it.
        for s in flagged_servers(dir, opts)? {
            if servers.iter().any(|o| o.name == s.name) {
                return Err(Stop::usage(
                    format!("the server name `{}` is given twice", s.name),
                    "a `--from` entry already has it: give `--server` or `--image` another NAME",
                ));
            }
            servers.push(s);
        }
        servers
    } else if opts.has_servers() {
        flagged_servers(dir, opts)?
    } else {
        detected_servers(dir, candidates, opts, warnings)
    };
    apply_overrides(&mut a, opts)?;
    if a.servers.is_empty() {
        let left: Vec<&String> = warnings
            .iter()
            .filter(|w| w.starts_with("left out "))
            .collect();
        if !left.is_empty() {
            let list: Vec<String> = left.iter().map(|w| format!("\n  {w}")).collect();
            return Err(Stop::usage(
                format!(
                    "{} MCP server(s) found in {}, none can be offered as it is:{}",
                    left.len(),
                    shown(dir),
                    list.concat()
                ),
                "do what each line says, or pass `--server NAME=PATH` or `--image NAME=IMAGE`",
            ));
        }
        return Err(Stop::usage(
            format!(
                "no MCP server was found in {}, and no `--server` or `--image` was given",
                shown(dir)
            ),
            "pass `--server NAME=PATH` (a folder to build) or `--image NAME=IMAGE`",
        ));
    }
    for s in &a.servers {
        let scope = Scope::below(&["servers", &s.name]);
        flag_ok(&a, dir, &[scope])?;
    }
    a.tls = tls(opts)?;
    flag_ok(
        &a,
        dir,
        &[Scope::below(&["gateway", "tls"]), Scope::at(&["domain"])],
    )?;
    a.auth = opts.auth.unwrap_or_default();
    a.monitoring = opts.monitoring.unwrap_or(false);
    flag_ok(&a, dir, &[Scope::below(&[])])?;
    Ok(a)
}

/// The TLS answer from flags; the mode's required file or address must be given.
pub fn tls(opts: &Options) -> Result<TlsAnswer, Stop> {
    let mode = opts.tls.unwrap_or_default();
    let need = |v: &Option<String>, flag: &str, example: &str| {
        v.clone().ok_or_else(|| {
            Stop::usage(
                format!("`--tls {}` needs `{flag}`", names::spelled(&mode)),
                format!("pass `{flag} {example}`"),
            )
        })
    };
    Ok(match mode {
        TlsMode::Local => TlsAnswer {
            mode,
            // Given anyway: `validate` says why it does not fit.
            email: opts.email.clone(),
            cert: opts.cert.clone(),
            key: opts.key.clone(),
        },
        TlsMode::Acme => TlsAnswer {
            mode,
            email: Some(need(&opts.email, "--email", "ops@example.com")?),
            cert: opts.cert.clone(),
            key: opts.key.clone(),
        },
        TlsMode::Manual => TlsAnswer {
            mode,
            email: opts.email.clone(),
            cert: Some(need(&opts.cert, "--cert", "certs/fullchain.pem")?),
            key: Some(need(&opts.key, "--key", "certs/privkey.pem")?),
        },
    })
}

/// A detected folder as a server, with where it was found as its first note.
pub fn from_candidate(c: &Candidate) -> ServerAnswer {
    let mut s = from_found(&c.name, &c.folder, &c.found);
    if let Some(reason) = &c.found.reason {
        s.notes
            .insert(0, format!("found in {}: {reason}", c.folder));
    }
    s
}

/// A server built from `folder`, with what the folder shows.
pub fn from_found(name: &str, folder: &str, found: &Found) -> ServerAnswer {
    let from = From::Build {
        folder: folder.to_string(),
        runtime: found.runtime.unwrap_or(Runtime::Auto),
    };
    let mut s = ServerAnswer::new(name, from, found.transport);
    s.command = found.command.clone();
    s.port = found.port;
    s.endpoint = found.endpoint.clone();
    s.env = found.env.clone();
    s.notes = found.notes.clone();
    s.notes
        .extend(found.warnings.iter().map(|w| format!("warning: {w}")));
    if let Some(l) = &found.lock {
        s.notes.push(format!("warning: {l}"));
    }
    s
}

/// Detected servers whose folders build; the others are left out with a warning.
fn detected_servers(
    dir: &Path,
    candidates: &[Candidate],
    opts: &Options,
    warnings: &mut Vec<String>,
) -> Vec<ServerAnswer> {
    let mut out = Vec::new();
    for c in candidates {
        let mut s = from_candidate(c);
        override_one(&mut s, opts);
        if let Some(why) = left_out(dir, c, &s) {
            warnings.push(why);
            continue;
        }
        for w in &c.found.warnings {
            warnings.push(format!("{}: {w}", c.folder));
        }
        out.push(s);
    }
    out
}

/// Why a found server cannot be offered as it is: its lock file, then anything `validate`
/// says about it, with what was found and the command to run.
fn left_out(dir: &Path, c: &Candidate, s: &ServerAnswer) -> Option<String> {
    let then = "then run `mcpstack init --force`";
    let reason = c.found.reason.as_deref().unwrap_or("an MCP server");
    let problem = build_problem(dir, s).or_else(|| {
        let mut a = Answers::new("init");
        a.servers.push(s.clone());
        check::problems(&a, dir, &[Scope::below(&["servers", &s.name])])
            .into_iter()
            .next()
    })?;
    let folder = if c.folder == "." {
        "this folder"
    } else {
        c.folder.as_str()
    };
    let what = match (&c.found.lock, c.found.runtime) {
        (Some(_), Some(Runtime::Python)) => {
            format!("no uv.lock; run `uv lock` in {folder}")
        }
        (Some(_), Some(Runtime::Node)) => {
            format!("no package-lock.json; run `npm install` in {folder}")
        }
        _ => check::line(&problem),
    };
    Some(format!("left out {folder} ({reason}): {what}; {then}"))
}

/// A problem with the folder itself (no lock file, no runtime), which no answer can fix.
pub fn build_problem(dir: &Path, s: &ServerAnswer) -> Option<Diagnostic> {
    let mut a = Answers::new("init");
    a.servers.push(s.clone());
    check::problems(
        &a,
        dir,
        &[
            Scope::at(&["servers", &s.name, "build"]),
            Scope::at(&["servers", &s.name, "runtime"]),
        ],
    )
    .into_iter()
    .next()
}

/// `--server NAME=PATH` and `--image NAME=IMAGE`, in that order.
pub fn flagged_servers(dir: &Path, opts: &Options) -> Result<Vec<ServerAnswer>, Stop> {
    let mut out: Vec<ServerAnswer> = Vec::new();
    for (name, path) in &opts.servers {
        let folder = path.trim_end_matches('/');
        let folder = folder.strip_prefix("./").unwrap_or(folder);
        let found = detect::inspect_in(&dir.join(folder), dir);
        out.push(from_found(
            name,
            if folder.is_empty() { "." } else { folder },
            &found,
        ));
    }
    for (name, image) in &opts.images {
        out.push(ServerAnswer::new(
            name,
            From::Image(image.clone()),
            Transport::StreamableHttp,
        ));
    }
    for (i, s) in out.iter().enumerate() {
        if out[..i].iter().any(|o| o.name == s.name) {
            return Err(Stop::usage(
                format!("the server name `{}` is given twice", s.name),
                "each `--server` and `--image` needs its own NAME",
            ));
        }
    }
    Ok(out)
}

fn override_one(s: &mut ServerAnswer, opts: &Options) {
    for (n, t) in &opts.transports {
        if *n == s.name {
            s.transport = *t;
            if *t == Transport::Stdio {
                // The bridge serves the endpoint; the server's own is not used.
                s.endpoint = None;
            }
        }
    }
    for (n, c) in &opts.commands {
        if *n == s.name {
            s.command = Some(c.clone());
        }
    }
}

/// `--transport NAME=KIND` and `--command NAME=COMMAND` for the servers they name.
pub fn apply_overrides(a: &mut Answers, opts: &Options) -> Result<(), Stop> {
    let names: Vec<String> = a.servers.iter().map(|s| s.name.clone()).collect();
    let flagged = opts
        .transports
        .iter()
        .map(|(n, _)| ("--transport", n))
        .chain(opts.commands.iter().map(|(n, _)| ("--command", n)));
    for (flag, n) in flagged {
        if !names.contains(n) {
            let known = if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            };
            return Err(Stop::usage(
                format!("`{flag} {n}=...` names no server"),
                format!("the servers are: {known}"),
            ));
        }
    }
    for s in &mut a.servers {
        override_one(s, opts);
    }
    Ok(())
}

/// Stops at the first problem `validate` finds in `scopes`, naming the flag that sets it.
fn flag_ok(a: &Answers, dir: &Path, scopes: &[Scope]) -> Result<(), Stop> {
    match check::problems(a, dir, scopes).into_iter().next() {
        None => Ok(()),
        Some(d) => Err(flag_problem(&d)),
    }
}

/// A `validate` problem as a usage error that names the flag for its key.
pub fn flag_problem(d: &Diagnostic) -> Stop {
    let keys: Vec<&str> = d
        .path
        .0
        .iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect();
    let flag = match keys.as_slice() {
        ["name"] => "`--name NAME`".to_string(),
        ["domain"] => "`--domain HOST`".to_string(),
        ["gateway", "tls", "mode"] => "`--tls MODE`".to_string(),
        ["gateway", "tls", "email"] => "`--email ADDRESS`".to_string(),
        ["gateway", "tls", "cert"] => "`--cert FILE`".to_string(),
        ["gateway", "tls", "key"] => "`--key FILE`".to_string(),
        ["servers", n, "command"] => format!("`--command {n}='COMMAND ARGS...'`"),
        ["servers", n, "transport"] if d.message.contains("needs `command`") => {
            format!("`--command {n}='COMMAND ARGS...'`")
        }
        ["servers", n, "transport"] => format!("`--transport {n}=KIND`"),
        ["servers", n, "image"] => format!("`--image {n}=IMAGE`"),
        ["servers", n, ..] => format!("`--server {n}=PATH` or `--image {n}=IMAGE`"),
        _ => "the flags".to_string(),
    };
    let mut help = format!("set it with {flag}");
    if d.message.contains("is only used with") {
        help = format!("leave out {flag}, or pass the `--tls` mode it belongs to");
    } else if let Some(h) = &d.help {
        help = format!("{h}; {help}");
    }
    Stop::usage(format!("{}: {}", shown_key(&d.path), d.message), help)
}

fn shown_key(p: &KeyPath) -> String {
    if p.0.is_empty() {
        "mcp-stack.yaml".into()
    } else {
        p.to_string()
    }
}

fn shown(dir: &Path) -> String {
    let t = dir.display().to_string();
    if t.is_empty() || t == "." {
        "this folder".into()
    } else {
        t
    }
}
