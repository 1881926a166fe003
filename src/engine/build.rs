//! Image builds through the Engine API with BuildKit (a BuildKit session, as buildx opens one),
//! so the rendered Dockerfiles' cache and bind mounts work without a buildx client.

use anyhow::{anyhow, bail, Context, Result};
use bollard::models::BuildInfoAux;
use bollard::query_parameters::{BuildImageOptionsBuilder, BuilderVersion};
use bollard::Docker;
use futures_util::StreamExt;
use globset::{Glob, GlobMatcher};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Where the Dockerfile goes inside the uploaded context.
const DOCKERFILE_IN_CONTEXT: &str = ".mcpstack.Dockerfile";

/// `.dockerignore` rules: later lines win, `!` re-includes.
struct Ignore {
    rules: Vec<(GlobMatcher, bool)>,
}

impl Ignore {
    fn load(dockerfile: &Path) -> Result<Ignore> {
        let own = PathBuf::from(format!("{}.dockerignore", dockerfile.display()));
        let text = std::fs::read_to_string(&own).unwrap_or_default();
        let mut rules = Vec::new();
        for line in text.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (pattern, include) = match line.strip_prefix('!') {
                Some(p) => (p, true),
                None => (line, false),
            };
            let pattern = pattern.trim_start_matches('/');
            let glob =
                Glob::new(pattern).with_context(|| format!("{}: `{line}`", own.display()))?;
            rules.push((glob.compile_matcher(), include));
        }
        Ok(Ignore { rules })
    }

    /// A path is left out when the last rule matching it, or one of its parents, excludes it.
    fn excludes(&self, rel: &Path) -> bool {
        let mut out = false;
        for (m, include) in &self.rules {
            if rel
                .ancestors()
                .filter(|a| !a.as_os_str().is_empty())
                .any(|a| m.is_match(a))
            {
                out = !include;
            }
        }
        out
    }
}

/// The build context: the folder's files less the ignored ones, plus the Dockerfile. The
/// archive is deterministic (sorted names, fixed times and owners), so its hash changes exactly
/// when a file, a name, an executable bit, the ignore file's effect or the Dockerfile changes.
pub fn context_tar(folder: &Path, dockerfile: &Path) -> Result<Vec<u8>> {
    let ignore = Ignore::load(dockerfile)?;
    let mut tar = tar::Builder::new(Vec::new());
    tar.mode(tar::HeaderMode::Deterministic);
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .collect::<std::io::Result<_>>()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let rel = path.strip_prefix(folder).expect("below the folder");
            if ignore.excludes(rel) {
                continue;
            }
            let kind = e.file_type()?;
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_file() {
                tar.append_path_with_name(&path, rel)?;
            }
        }
    }
    let text =
        std::fs::read(dockerfile).with_context(|| format!("reading {}", dockerfile.display()))?;
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, DOCKERFILE_IN_CONTEXT, text.as_slice())?;
    Ok(tar.into_inner()?)
}

/// What an image built from `context` (from [`context_tar`]) is: stored on the image as a label,
/// compared by `up` to decide whether to build again. Build arguments would go in here too;
/// mcpstack renders none.
/// `bases` are the ids of images it is built `FROM` that mcpstack builds too.
pub fn context_hash(context: &[u8], bases: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(b"mcpstack build context v1\0");
    h.update(context);
    for b in bases {
        h.update(b"\0base\0");
        h.update(b.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Builds `tag` from the build context `body`. `on_line` receives build output lines.
pub async fn build(
    docker: &Docker,
    tag: &str,
    body: Vec<u8>,
    labels: HashMap<String, String>,
    mut on_line: impl FnMut(&str),
) -> Result<()> {
    let session = format!(
        "mcpstack-{}-{}",
        std::process::id(),
        tag.replace([':', '/'], "-")
    );
    let options = BuildImageOptionsBuilder::default()
        .dockerfile(DOCKERFILE_IN_CONTEXT)
        .t(tag)
        .labels(&labels)
        .version(BuilderVersion::BuilderBuildKit)
        .session(&session)
        .rm(true)
        .build();
    let mut stream = docker.build_image(options, None, Some(bollard::body_full(body.into())));
    // Each step's name and its output, to show the failing one.
    let mut steps: HashMap<String, (String, Vec<String>)> = HashMap::new();
    let mut failed: Option<String> = None;
    let mut image_id: Option<String> = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(BuildInfoAux::Default(id)) = &info.aux {
                    image_id = id.id.clone();
                }
                if let Some(BuildInfoAux::BuildKit(status)) = info.aux {
                    for v in status.vertexes {
                        let entry = steps
                            .entry(v.digest.clone())
                            .or_insert_with(|| (v.name.clone(), Vec::new()));
                        if !v.error.is_empty() {
                            failed = Some(v.digest.clone());
                            entry.1.push(v.error.clone());
                        }
                    }
                    for log in status.logs {
                        let text = String::from_utf8_lossy(&log.msg).into_owned();
                        for line in text.lines() {
                            on_line(line);
                        }
                        if let Some(step) = steps.get_mut(&log.vertex) {
                            step.1.extend(text.lines().map(String::from));
                        }
                    }
                }
            }
            // The engine reported the image before the stream ended untidily: the build is done.
            Err(e)
                if image_id.is_some()
                    && failed.is_none()
                    && e.to_string().contains("bytes remaining") =>
            {
                break
            }
            Err(e) => {
                let detail = failed
                    .as_ref()
                    .and_then(|d| steps.get(d))
                    .map(|(name, lines)| {
                        let tail: Vec<&String> = lines
                            .iter()
                            .rev()
                            .take(25)
                            .collect::<Vec<_>>()
                            .into_iter()
                            .rev()
                            .collect();
                        format!(
                            "\nfailing step: {name}\n{}",
                            tail.iter()
                                .map(|l| format!("  | {l}"))
                                .collect::<Vec<_>>()
                                .join("\n")
                        )
                    })
                    .unwrap_or_default();
                bail!("building {tag} failed: {e}{detail}");
            }
        }
    }
    if let Some(d) = failed {
        let (name, lines) = steps.get(&d).cloned().unwrap_or_default();
        return Err(anyhow!(
            "building {tag} failed at {name}:\n{}",
            lines.join("\n")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignore_rules_follow_dockerignore() {
        let dir = tempfile::tempdir().unwrap();
        let df = dir.path().join("Dockerfile");
        std::fs::write(
            format!("{}.dockerignore", df.display()),
            ".venv\n**/__pycache__\n*.pem\n!keep.pem\ntests\n",
        )
        .unwrap();
        let ig = Ignore::load(&df).unwrap();
        assert!(ig.excludes(Path::new(".venv/bin/python")));
        assert!(ig.excludes(Path::new("src/pkg/__pycache__/x.pyc")));
        assert!(ig.excludes(Path::new("secret.pem")));
        assert!(!ig.excludes(Path::new("keep.pem")));
        assert!(ig.excludes(Path::new("tests/test_a.py")));
        assert!(!ig.excludes(Path::new("src/pkg/server.py")));
    }

    #[test]
    fn the_context_hash_follows_content_the_dockerfile_and_the_ignore_file_only() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        std::fs::create_dir(&src).unwrap();
        let df = dir.path().join("Dockerfile");
        std::fs::write(&df, "FROM scratch\n").unwrap();
        std::fs::write(format!("{}.dockerignore", df.display()), "*.log\n").unwrap();
        std::fs::write(src.join("server.py"), "print(1)\n").unwrap();
        let hash = || context_hash(&context_tar(&src, &df).unwrap(), &[]);
        let first = hash();
        // Times do not count: the same content is the same image.
        let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30);
        std::fs::File::options()
            .write(true)
            .open(src.join("server.py"))
            .unwrap()
            .set_modified(old)
            .unwrap();
        assert_eq!(hash(), first);
        // An ignored file does not count.
        std::fs::write(src.join("debug.log"), "noise").unwrap();
        assert_eq!(hash(), first);
        // A source change, a new file and a Dockerfile change each do.
        std::fs::write(src.join("server.py"), "print(2)\n").unwrap();
        let edited = hash();
        assert_ne!(edited, first);
        std::fs::write(src.join("extra.py"), "").unwrap();
        let added = hash();
        assert_ne!(added, edited);
        std::fs::write(&df, "FROM scratch\nCMD [\"x\"]\n").unwrap();
        assert_ne!(hash(), added);
    }

    #[test]
    fn a_new_base_image_changes_the_hash() {
        let body = b"context".to_vec();
        let plain = context_hash(&body, &[]);
        let on_a = context_hash(&body, &["sha256:a"]);
        assert_ne!(plain, on_a);
        assert_ne!(on_a, context_hash(&body, &["sha256:b"]));
        assert_eq!(on_a, context_hash(&body, &["sha256:a"]));
    }
}
