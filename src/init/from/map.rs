//! Each entry of the client files as a server of the stack, or left out with the reason.

use super::formats::{Client, ClientFile, Entry, EntryKind};
use super::launch::{launch, Launch, Package, Registry};
use super::lookup::Lookup;
use super::secrets::why_secret;
use super::Imported;
use crate::config::validate::{is_env_name, secret_looking, RESERVED};
use crate::config::{Runtime, Transport};
use crate::init::answers::{From, ServerAnswer};
use crate::init::defaults::{build_problem, from_found};
use crate::init::detect::inspect_in;
use crate::init::names;
use crate::init::options::{Options, Stop};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// An entry already made a server: what it starts, its env, and the server's name.
type Seen = (Launch, Vec<(String, String)>, String);

/// A package no file, `--pin` or lookup gave a version.
struct Unpinned {
    server: String,
    package: Package,
    shown: String,
}

pub fn servers(
    dir: &Path,
    files: &[ClientFile],
    opts: &Options,
    lookup: &dyn Lookup,
) -> Result<Imported, Stop> {
    let mut out = Imported::default();
    let mut taken: BTreeSet<String> = RESERVED.iter().map(|s| s.to_string()).collect();
    // The same server in two clients' files is one server.
    let mut seen: Vec<Seen> = Vec::new();
    let mut unpinned = Vec::new();
    let mut failed = Vec::new();
    for file in files {
        if !out.clients.contains(&file.client) {
            out.clients.push(file.client);
        }
        let fname = file
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for e in &file.entries {
            let from = format!("{} `{}`", file.client.title(), e.name);
            let (command, args) = match &e.kind {
                EntryKind::Stdio { command, args } => (command, args),
                EntryKind::Remote { url } => {
                    out.summary.push(format!(
                        "left out {from}: already remote at {url}; a client reaches it as it is"
                    ));
                    continue;
                }
                EntryKind::Unusable(why) => {
                    out.summary
                        .push(format!("left out {from}: {why}, nothing to start"));
                    continue;
                }
            };
            let l = launch(command, args);
            if let Some(why) = secret_in_args(args, &l) {
                out.summary.push(format!(
                    "left out {from}: an argument {why}; mcpstack passes secrets only as environment variables: have the server read it from one, then add it by hand"
                ));
                continue;
            }
            if let Some((_, _, name)) = seen.iter().find(|(sl, senv, _)| *sl == l && *senv == e.env)
            {
                out.summary
                    .push(format!("{from}: the same as server `{name}`"));
                continue;
            }
            let name = names::unique(&names::label_from(&e.name, "server"), &mut taken);
            let shown = shell_words::join(std::iter::once(command.clone()).chain(redacted(args)));
            let made = match &l {
                Launch::Unsupported(why) => Err(why.clone()),
                // `mcp-remote` is a stdio proxy to a server that is already remote.
                Launch::Package { package, args, .. } if package.name == "mcp-remote" => {
                    Err(format!(
                        "already remote at {} (through mcp-remote); a client reaches it as it is",
                        args.first().map(String::as_str).unwrap_or("its URL")
                    ))
                }
                Launch::Package {
                    package,
                    command,
                    args,
                    via,
                } => {
                    let version = package
                        .version
                        .clone()
                        .or_else(|| pinned(opts, &package.name));
                    let version = match version {
                        Some(v) => Some(v),
                        None if opts.resolve => match lookup.version(package) {
                            Ok(v) => Some(v),
                            Err(err) => {
                                failed.push(format!(
                                    "{} ({}): {err}",
                                    package.name,
                                    package.registry.title()
                                ));
                                None
                            }
                        },
                        None => None,
                    };
                    if version.is_none() {
                        unpinned.push(Unpinned {
                            server: name.clone(),
                            package: package.clone(),
                            shown: shown.clone(),
                        });
                    }
                    let v = version.unwrap_or_else(|| "0".into());
                    let mut s = ServerAnswer::new(
                        &name,
                        From::Package(spec(package, &v)),
                        Transport::Stdio,
                    );
                    s.command = command.clone().map(|c| vec![c]);
                    s.args = args.clone();
                    if package.version.is_none() {
                        s.notes.push(format!(
                            "`{via}` would run the newest {}; pinned to {v}",
                            package.name
                        ));
                    }
                    Ok(s)
                }
                Launch::Image {
                    image,
                    env,
                    entrypoint,
                    args,
                } => image_server(&name, image, env, entrypoint.as_deref(), args, e, opts),
                Launch::Script {
                    python,
                    program,
                    file: script,
                    dir: launch_dir,
                } => script_server(
                    dir,
                    file,
                    e,
                    &name,
                    *python,
                    program,
                    script.as_deref(),
                    launch_dir.as_deref(),
                ),
            };
            let mut s = match made {
                Ok(s) => s,
                Err(why) => {
                    taken.remove(&name);
                    out.summary.push(format!("left out {from}: {why}"));
                    continue;
                }
            };
            s.notes
                .insert(0, format!("from {fname} `{}`: {shown}", e.name));
            if !matches!(l, Launch::Image { .. }) {
                split_env(&mut s, &e.env);
            }
            for a in host_paths(&l) {
                s.notes.push(format!(
                    "warning: `{a}` is a path on this machine; the container has its own files, so give the server a path inside it"
                ));
            }
            if let Some(f) = &e.env_file {
                s.notes.push(format!(
                    "warning: the client also reads variables from {f}, which init does not read; add the ones the server needs under env or secrets"
                ));
            }
            // Its notes are printed with the server list that follows.
            out.summary
                .push(format!("{from} → server `{name}` ({})", what(&s)));
            seen.push((l, e.env.clone(), name));
            out.servers.push(s);
        }
    }
    if !failed.is_empty() {
        return Err(Stop::usage(
            format!(
                "--resolve could not find the version of:\n  {}",
                failed.join("\n  ")
            ),
            "check the name and the network, or pin it with `--pin NAME=VERSION`",
        ));
    }
    if !unpinned.is_empty() {
        let list: Vec<String> = unpinned
            .iter()
            .map(|u| {
                format!(
                    "\n  {} ({}): `{}`",
                    u.server,
                    u.package.registry.title(),
                    u.shown
                )
            })
            .collect();
        let example = &unpinned[0].package.name;
        return Err(Stop::usage(
            format!(
                "{} package(s) name no exact version, so the stack would not run what the client runs:{}",
                unpinned.len(),
                list.concat()
            ),
            format!(
                "pin each with `--pin NAME=VERSION` (e.g. `--pin {example}=1.2.3`), or pass `--resolve` to ask the registry for the version this machine would run today (needs the network and npm, uv or pip)"
            ),
        ));
    }
    Ok(out)
}

/// Arguments of a package or image that name places on the client's machine.
fn host_paths(l: &Launch) -> Vec<String> {
    let args = match l {
        Launch::Package { args, .. } | Launch::Image { args, .. } => args,
        _ => return Vec::new(),
    };
    args.iter()
        .filter(|a| {
            a.starts_with('/')
                || a.starts_with("~/")
                || a.contains("${workspaceFolder}")
                || a.contains("${userHome}")
                || (a.len() > 2 && a.as_bytes()[1] == b':' && a.as_bytes()[2] == b'\\')
        })
        .cloned()
        .collect()
}

/// `pypi:NAME==V`, `npm:NAME@V`.
fn spec(p: &Package, v: &str) -> String {
    match p.registry {
        Registry::Pypi => format!("pypi:{}=={v}", p.name),
        Registry::Npm => format!("npm:{}@{v}", p.name),
    }
}

/// `--pin NAME=VERSION` for `name` (PyPI extras aside).
fn pinned(opts: &Options, name: &str) -> Option<String> {
    let bare = name.split('[').next().unwrap_or(name);
    opts.pins
        .iter()
        .find(|(n, _)| n == name || n == bare)
        .map(|(_, v)| v.clone())
}

/// `docker run -e NAME=VALUE` with a secret value, shown as `NAME=...` (it goes to `secrets:`).
fn redacted(args: &[String]) -> Vec<String> {
    args.iter()
        .map(|a| match a.split_once('=') {
            Some((k, v)) if is_env_name(k) && why_secret(k, v).is_some() => format!("{k}=..."),
            _ => a.clone(),
        })
        .collect()
}

/// A secret in the command line cannot be moved to `secrets:`: the entry is left out. The
/// values of `docker run -e NAME=VALUE` are variables, which become secrets by their name.
fn secret_in_args(args: &[String], l: &Launch) -> Option<String> {
    let env_values: Vec<&String> = match l {
        Launch::Image { .. } => args
            .iter()
            .zip(args.iter().skip(1))
            .filter(|(o, _)| *o == "-e" || *o == "--env")
            .map(|(_, v)| v)
            .collect(),
        _ => Vec::new(),
    };
    args.iter()
        .filter(|a| !env_values.contains(a))
        .find_map(|a| {
            if let Some((k, v)) = a.split_once('=') {
                let k = k.trim_start_matches('-');
                if let Some(why) = why_secret(k, v) {
                    return Some(format!("`{k}=...` is a secret ({why})"));
                }
            }
            if a.contains("${input:") {
                Some("is a value the client asks the user for".to_string())
            } else if a.contains("${env:") {
                Some("is read from the user's environment".to_string())
            } else {
                secret_looking("", a).map(|why| format!("looks like a secret ({why})"))
            }
        })
}

/// The entry's `env`: secrets by name under `secrets:`, the rest as they are.
fn split_env(s: &mut ServerAnswer, env: &[(String, String)]) {
    for (k, v) in env {
        if let Some(why) = why_secret(k, v) {
            s.secrets.push(k.clone());
            s.notes.push(format!(
                "secret {k} ({why}): put its value in deploy/.env; it is not written here"
            ));
        } else {
            s.env.push((k.clone(), v.clone()));
        }
    }
    if let Some(bad) = s
        .secrets
        .iter()
        .chain(s.env.iter().map(|(k, _)| k))
        .find(|k| !is_env_name(k))
    {
        s.notes.push(format!(
            "warning: `{bad}` is not a variable name a container can hold; rename it"
        ));
    }
}

fn image_server(
    name: &str,
    image: &str,
    env: &[(String, Option<String>)],
    entrypoint: Option<&str>,
    args: &[String],
    e: &Entry,
    opts: &Options,
) -> Result<ServerAnswer, String> {
    let mut s = ServerAnswer::new(name, From::Image(image.to_string()), Transport::Stdio);
    let given = opts.commands.iter().any(|(n, _)| n == name);
    s.command = match entrypoint {
        Some(ep) => Some(std::iter::once(ep.to_string()).chain(args.iter().cloned()).collect()),
        None if given => None,
        None => {
            return Err(format!(
                "`docker run` starts the image's own ENTRYPOINT, which the bridge must be told: pass `--command {name}='ENTRYPOINT{}'` (`docker image inspect {image} --format '{{{{json .Config.Entrypoint}}}}'` shows it)",
                args.iter().map(|a| format!(" {a}")).collect::<String>()
            ))
        }
    };
    s.notes.push(
        "the stdio bridge is mcp-proxy, which needs python in the image; set `runtime: node` for a node image".into(),
    );
    let pairs: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| {
            let v = v.clone().unwrap_or_else(|| {
                e.env
                    .iter()
                    .find(|(ek, _)| ek == k)
                    .map(|(_, v)| v.clone())
                    // `-e NAME` without a value in the entry comes from the user's environment.
                    .unwrap_or_else(|| format!("${{env:{k}}}"))
            });
            (k.clone(), v)
        })
        .collect();
    split_env(&mut s, &pairs);
    Ok(s)
}

/// `python server.py`, `node build/index.js`, `uv --directory D run x.py`: the project folder
/// that holds the script, built by mcpstack, when it is inside the config's folder.
#[allow(clippy::too_many_arguments)]
fn script_server(
    dir: &Path,
    file: &ClientFile,
    e: &Entry,
    name: &str,
    python: bool,
    program: &[String],
    script: Option<&str>,
    launch_dir: Option<&str>,
) -> Result<ServerAnswer, String> {
    let root = std::fs::canonicalize(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    let workspace = file.workspace.clone().unwrap_or_else(|| dir.to_path_buf());
    let expand = |p: &str| expand(p, &workspace);
    let base = match (launch_dir, &e.cwd) {
        (Some(d), _) => workspace.join(expand(d)),
        (None, Some(c)) => workspace.join(expand(c)),
        (None, None) => workspace.clone(),
    };
    let start = match script {
        Some(s) => base.join(expand(s)),
        None => base.clone(),
    };
    let start_abs = std::fs::canonicalize(&start)
        .map_err(|_| format!("{} does not exist on this machine", start.display()))?;
    if !start_abs.starts_with(&root) {
        return Err(format!(
            "{} is outside this project ({}): mcpstack builds folders below mcp-stack.yaml; run `init --from` in a folder that holds it",
            start_abs.display(),
            root.display()
        ));
    }
    let markers: &[&str] = if python {
        &["pyproject.toml", "requirements.txt"]
    } else {
        &["package.json"]
    };
    let mut folder = if start_abs.is_dir() {
        start_abs.clone()
    } else {
        start_abs
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    };
    while !markers.iter().any(|m| folder.join(m).is_file()) {
        match folder.parent() {
            Some(p) if p.starts_with(&root) => folder = p.to_path_buf(),
            _ => {
                return Err(format!(
                    "no {} holds {}: mcpstack builds a {} project",
                    markers.join(" or "),
                    start_abs.display(),
                    if python { "Python" } else { "Node" }
                ))
            }
        }
    }
    let rel = relative(&folder, &root);
    let found = inspect_in(&folder, &root);
    let mut s = from_found(name, &rel, &found);
    s.from = From::Build {
        folder: rel.clone(),
        runtime: if python {
            Runtime::Python
        } else {
            Runtime::Node
        },
    };
    s.transport = Transport::Stdio;
    // The client's command line decides command and transport, not what the source suggests.
    s.notes
        .retain(|n| !n.starts_with("command ") && !n.starts_with("transport "));
    s.port = None;
    s.endpoint = None;
    s.env.clear();
    // The script's path as the image sees it: relative to the project folder (`/app`).
    let mut command = program.to_vec();
    if let (Some(sc), true) = (script, start_abs.is_file()) {
        if let Some(arg) = command.iter_mut().find(|a| a.as_str() == sc) {
            *arg = relative(&start_abs, &folder);
        }
    }
    s.command = Some(command);
    if let Some(problem) = build_problem(dir, &s) {
        return Err(format!("{rel}: {}", crate::init::check::line(&problem)));
    }
    Ok(s)
}

/// `${workspaceFolder}`, `${userHome}` and a leading `~` as the client expands them.
fn expand(p: &str, workspace: &Path) -> PathBuf {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let p = p
        .replace("${workspaceFolder}", &workspace.to_string_lossy())
        .replace("${userHome}", &home.to_string_lossy());
    match p.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => PathBuf::from(p),
    }
}

/// `path` below `root`, `/`-separated, `.` for the root itself.
fn relative(path: &Path, root: &Path) -> String {
    let rel: Vec<String> = path
        .strip_prefix(root)
        .unwrap_or(path)
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if rel.is_empty() {
        ".".into()
    } else {
        rel.join("/")
    }
}

/// `package pypi:x==1, stdio`, for the summary.
fn what(s: &ServerAnswer) -> String {
    let from = match &s.from {
        From::Package(p) => format!("package {p}"),
        From::Image(i) => format!("image {i}, bridged"),
        From::Build { folder, runtime } => format!(
            "built from ./{} ({})",
            folder.trim_start_matches("./"),
            names::spelled(runtime)
        ),
    };
    let secrets = if s.secrets.is_empty() {
        String::new()
    } else {
        format!(", secrets {}", s.secrets.join(", "))
    };
    format!("{from}, stdio{secrets}")
}

/// The client file that `render` writes for `client`, as the summary names it.
pub fn round_trip(client: Client, output: &str) -> String {
    format!(
        "after `mcpstack render`, {output}/{} points {} at these servers through the gateway, by the same names",
        client.rendered_file(),
        client.title()
    )
}
