//! Asking a registry which version of a package a machine would run today. Only with
//! `init --resolve`: `init` and `render` never reach the network otherwise.
//!
//! The lookup runs the tools the user already has: `npm view NAME version` for npm, and for
//! PyPI `uv pip compile` (the resolver `uvx` uses), else `pip index versions`.

use super::launch::{Package, Registry};
use std::process::{Command, Stdio};

/// Finds the version a package resolves to. Tests pass a fake.
pub trait Lookup {
    /// The exact version, or why there is none (offline, unknown package, no tool).
    fn version(&self, package: &Package) -> Result<String, String>;
}

/// The tools on `PATH`.
pub struct Tools;

impl Lookup for Tools {
    fn version(&self, p: &Package) -> Result<String, String> {
        match p.registry {
            Registry::Npm => npm(p),
            Registry::Pypi => {
                uv(p).or_else(|uv_err| pip(p).map_err(|pip_err| format!("{uv_err}; {pip_err}")))
            }
        }
    }
}

/// `NAME` or `NAME@RANGE` as npm reads it.
fn npm(p: &Package) -> Result<String, String> {
    let spec = match &p.range {
        Some(r) => format!("{}@{r}", p.name),
        None => p.name.clone(),
    };
    let out = run("npm", &["view", &spec, "version", "--json"])?;
    // One version is a JSON string; a range that matches several gives a list, oldest first.
    let v: serde_json::Value =
        serde_json::from_str(out.trim()).map_err(|_| format!("npm view printed {out:?}"))?;
    let version = match v {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Array(list) => list.last().and_then(|v| v.as_str()).map(String::from),
        _ => None,
    };
    version.ok_or_else(|| format!("npm knows no version of `{spec}`"))
}

/// `uv pip compile` of the one requirement: the version uvx would install.
fn uv(p: &Package) -> Result<String, String> {
    let req = requirement(p);
    let out = run_with_input(
        "uv",
        &[
            "pip",
            "compile",
            "-",
            "--no-header",
            "--no-annotate",
            "--quiet",
        ],
        &req,
    )?;
    let bare = bare_name(&p.name);
    out.lines()
        .filter_map(|l| l.split_once("=="))
        .find(|(n, _)| normalized(n) == normalized(&bare))
        .map(|(_, v)| v.trim().to_string())
        .ok_or_else(|| format!("uv pip compile did not resolve `{req}`"))
}

/// `pip index versions NAME`: its first line is `NAME (VERSION)`, the newest.
fn pip(p: &Package) -> Result<String, String> {
    let bare = bare_name(&p.name);
    let out = run("python3", &["-m", "pip", "index", "versions", &bare])?;
    let first = out.lines().next().unwrap_or("");
    first
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(v, _)| v.trim().to_string())
        .ok_or_else(|| format!("pip index versions printed {first:?}"))
}

fn requirement(p: &Package) -> String {
    match p.range.as_deref() {
        Some("latest") | None => p.name.clone(),
        Some(r) => format!("{}{r}", p.name),
    }
}

fn bare_name(name: &str) -> String {
    name.split('[').next().unwrap_or(name).to_string()
}

fn normalized(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace(['_', '.'], "-")
}

fn run(tool: &str, args: &[&str]) -> Result<String, String> {
    run_with_input(tool, args, "")
}

fn run_with_input(tool: &str, args: &[&str], input: &str) -> Result<String, String> {
    use std::io::Write;
    let shown = format!("`{tool} {}`", args.join(" "));
    let mut child = Command::new(tool)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{shown} could not start: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{shown}: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(format!("{shown} failed: {}", last.trim()));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}
