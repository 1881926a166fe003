//! What a folder's own Dockerfile says that mcpstack needs: the command of its final stage and
//! which interpreter that stage's image carries (for the stdio bridge layered on it).

use super::types::Runtime;

/// What an own Dockerfile says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerfileFacts {
    /// The final stage's base image as written (`FROM <image>`), following stage names.
    pub from: Option<String>,
    /// `python` or `node` when the final base image names one of them.
    pub runtime: Option<Runtime>,
    /// The exec-form ENTRYPOINT + CMD of the final stage.
    pub command: Option<Vec<String>>,
}

pub fn read(text: &str) -> DockerfileFacts {
    let from = final_image(text);
    DockerfileFacts {
        runtime: from.as_deref().and_then(runtime_of_image),
        from,
        command: exec_command(text),
    }
}

/// ENTRYPOINT and CMD of the last stage, in exec form, joined as Docker does.
pub fn exec_command(text: &str) -> Option<Vec<String>> {
    let mut entry: Option<Vec<String>> = None;
    let mut cmd: Option<Vec<String>> = None;
    for l in text.lines().map(str::trim) {
        let upper = l.to_ascii_uppercase();
        if upper.starts_with("FROM ") {
            entry = None;
            cmd = None;
        } else if let Some(rest) = upper.strip_prefix("ENTRYPOINT ").map(|_| &l[11..]) {
            entry = serde_json::from_str(rest.trim()).ok();
        } else if let Some(rest) = upper.strip_prefix("CMD ").map(|_| &l[4..]) {
            cmd = serde_json::from_str(rest.trim()).ok();
        }
    }
    let mut out = entry.unwrap_or_default();
    out.extend(cmd.unwrap_or_default());
    (!out.is_empty()).then_some(out)
}

/// The image the final stage is built on: `FROM [--platform=...] image [AS name]`, where an
/// image naming an earlier stage is that stage's image.
fn final_image(text: &str) -> Option<String> {
    let mut stages: Vec<(String, Option<String>)> = Vec::new();
    for l in text.lines().map(str::trim) {
        let mut words = l.split_whitespace();
        if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("FROM")) {
            continue;
        }
        let words: Vec<&str> = words.filter(|w| !w.starts_with("--")).collect();
        let Some(image) = words.first() else { continue };
        let alias = match words.get(1..3) {
            Some([as_, name]) if as_.eq_ignore_ascii_case("AS") => Some(name.to_lowercase()),
            _ => None,
        };
        let image = stages
            .iter()
            .find(|(_, a)| a.as_deref() == Some(&image.to_lowercase()))
            .map(|(i, _)| i.clone())
            .unwrap_or_else(|| image.to_string());
        stages.push((image, alias));
    }
    stages.pop().map(|(image, _)| image)
}

/// `python` or `node` from an image reference's name or tag (`python:3.12-slim`,
/// `node:20-alpine`, `ghcr.io/astral-sh/uv:python3.12-bookworm-slim`). An image built from a
/// variable (`$BASE`) or naming neither is unknown.
pub fn runtime_of_image(image: &str) -> Option<Runtime> {
    if image.contains('$') {
        return None;
    }
    let image = image.split('@').next().unwrap_or(image).to_lowercase();
    let last = image.rsplit('/').next().unwrap_or(&image);
    let has = |w: &str| last.contains(w);
    match (has("python"), has("node")) {
        (true, false) => Some(Runtime::Python),
        (false, true) => Some(Runtime::Node),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_stage_decides_the_runtime() {
        let d = "FROM node:20 AS build\nRUN npm ci\nFROM python:3.12-slim\nCMD [\"python\", \"s.py\"]\n";
        assert_eq!(read(d).runtime, Some(Runtime::Python));
        assert_eq!(read(d).from.as_deref(), Some("python:3.12-slim"));
        let d = "FROM --platform=$BUILDPLATFORM node:20-alpine AS base\nFROM base\n";
        assert_eq!(read(d).runtime, Some(Runtime::Node));
        assert_eq!(read(d).from.as_deref(), Some("node:20-alpine"));
        assert_eq!(
            read("FROM mcpstack-test/python:3.11\n").runtime,
            Some(Runtime::Python)
        );
        assert_eq!(
            read("FROM ghcr.io/astral-sh/uv:python3.12-bookworm-slim\n").runtime,
            Some(Runtime::Python)
        );
    }

    #[test]
    fn an_image_naming_neither_or_both_or_a_variable_is_unknown() {
        assert_eq!(read("FROM debian:12\n").runtime, None);
        assert_eq!(read("FROM ${BASE}\n").runtime, None);
        assert_eq!(read("FROM nikolaik/python-nodejs:3.12\n").runtime, None);
        assert_eq!(read("# no image\n").runtime, None);
        assert_eq!(read("# no image\n").from, None);
    }

    #[test]
    fn exec_commands() {
        let d = "FROM a AS build\nCMD [\"no\"]\nFROM b\nENTRYPOINT [\"node\", \"dist/index.js\"]\nCMD [\"--stdio\"]\n";
        assert_eq!(
            exec_command(d),
            Some(vec![
                "node".into(),
                "dist/index.js".into(),
                "--stdio".into()
            ])
        );
        assert_eq!(exec_command("FROM b\nCMD node index.js\n"), None);
    }
}
