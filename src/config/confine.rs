//! Path keys stay inside the project: `output`, `templates` (and the files in it), host paths of
//! `volumes` and the manual TLS files are checked after resolving symbolic links. Lexical rules
//! (no `..`, no absolute paths, allowed characters) are validation's; this adds what only the
//! file system can tell. [`validate`] runs validation's rules and these together.

use super::load::Source;
use super::location::KeyPath;
use super::types::{Config, TlsMode};
use super::validate::{is_socket_path, Facts};
use crate::error::{Diagnostic, Error, Result};
use std::path::{Path, PathBuf};

/// A relative path with `.` and empty segments dropped (`./deploy/./x/` → `deploy/x`);
/// empty for the project folder itself.
pub fn normalise(path: &str) -> String {
    path.split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `path` names the project folder itself (`.`, `./.`, `./`, …).
pub fn is_project_root(path: &str) -> bool {
    normalise(path).is_empty()
}

const HELP: &str = "mcpstack reads and writes only inside the folder that holds its config: replace the link with a real folder or file";
const SOCKET_HELP: &str = "only a server's `docker_socket: true` gives a container the engine's socket (with a warning); set it on the one server that must manage containers";

/// Checks every rule of validation and of confinement; every problem at once, sorted by line.
pub fn validate(c: &Config, source: &Source) -> Result<Facts> {
    let mut extra = check(c, source);
    let mut all = match super::validate::validate(c, source) {
        Ok(facts) if extra.is_empty() => return Ok(facts),
        Ok(_) => Vec::new(),
        Err(Error::Config { diagnostics, .. }) => diagnostics,
        Err(e) => return Err(e),
    };
    extra.retain(|d| {
        !all.iter()
            .any(|a| a.path == d.path && a.message == d.message)
    });
    all.extend(extra);
    Err(source.error(all))
}

/// Every path key that leads outside the project through a link, and an output folder that is
/// the project folder however it is spelled (`.`, `./.`, `./`).
pub fn check(c: &Config, source: &Source) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let at_root = is_project_root(&c.output);
    if at_root {
        errors.push(
            Diagnostic::new(
                KeyPath::of(&["output"]),
                "the output folder cannot be the project folder",
            )
            .help("render owns its folder and removes stale files there; use e.g. `deploy`"),
        );
    }
    let Ok(root) = source.dir.canonicalize() else {
        return errors;
    };
    let mut socket = Vec::new();
    let mut confine = |key: KeyPath, rel: &str| {
        // Absolute paths and `..` are validation's errors already.
        if rel.starts_with('/') || rel.split('/').any(|p| p == "..") {
            return;
        }
        if let Some(msg) = escape(&root, &source.dir, rel) {
            errors.push(Diagnostic::new(key, msg).help(HELP));
        }
    };
    confine(KeyPath::of(&["output"]), &c.output);
    if let Some(t) = &c.templates {
        confine(KeyPath::of(&["templates"]), t);
        let inside = !t.starts_with('/') && !t.split('/').any(|p| p == "..");
        let listed = inside
            .then(|| std::fs::read_dir(source.dir.join(t)).ok())
            .flatten();
        for entry in listed.into_iter().flatten() {
            let Ok(entry) = entry else { continue };
            let rel = format!("{t}/{}", entry.file_name().to_string_lossy());
            confine(KeyPath::of(&["templates"]), &rel);
        }
    }
    for (name, s) in &c.services {
        for (i, v) in s.volumes.iter().enumerate() {
            let Some(host) = v.split(':').next().filter(|h| h.starts_with("./")) else {
                continue;
            };
            let key = KeyPath::of(&["services", name, "volumes"]).index(i);
            match follow(&root, host).filter(|real| is_socket_path(real)) {
                Some(real) if !host.split('/').any(|p| p == "..") => socket.push(
                    Diagnostic::new(
                        key,
                        format!(
                            "`{host}` leads outside the project through a link (to {}), which would give the container the Docker engine's socket",
                            real.display()
                        ),
                    )
                    .help(SOCKET_HELP),
                ),
                _ => confine(key, host),
            }
        }
    }
    if c.gateway.tls.mode == TlsMode::Manual {
        for (key, v) in [("cert", &c.gateway.tls.cert), ("key", &c.gateway.tls.key)] {
            if let Some(f) = v {
                confine(KeyPath::of(&["gateway", "tls", key]), f);
            }
        }
    }
    errors.append(&mut socket);
    let out = source.dir.join(normalise(&c.output));
    if !at_root && std::fs::symlink_metadata(&out).is_ok_and(|m| m.file_type().is_symlink()) {
        errors.push(
            Diagnostic::new(
                KeyPath::of(&["output"]),
                format!("the output folder `{}` is a symbolic link", c.output),
            )
            .help("render never writes through a link: remove it and let render make the folder"),
        );
    }
    errors
}

/// Why `rel` (relative to `dir`, whose real path is `root`) leaves the project, if it does:
/// the deepest part of it that exists is resolved, links included.
fn escape(root: &Path, dir: &Path, rel: &str) -> Option<String> {
    let mut path: PathBuf = dir.join(normalise(rel));
    loop {
        if std::fs::symlink_metadata(&path).is_ok() {
            // A link to nothing yet (a socket on another machine, a folder Docker would make)
            // is followed by name.
            let real = match path.canonicalize() {
                Ok(real) => real,
                Err(_) => follow(root, rel)?,
            };
            return (!real.starts_with(root)).then(|| {
                format!(
                    "`{rel}` leads outside the project through a link (to {})",
                    real.display()
                )
            });
        }
        if !path.pop() {
            return None;
        }
    }
}

/// Where `rel` leads from the folder `root`, following every link by name, whether or not
/// what it names exists. `None` for a loop of links.
fn follow(root: &Path, rel: &str) -> Option<PathBuf> {
    use std::path::Component;
    let mut todo: Vec<std::ffi::OsString> =
        rel.split('/').rev().map(std::ffi::OsString::from).collect();
    let mut at = root.to_path_buf();
    let mut links = 0;
    while let Some(part) = todo.pop() {
        if part.is_empty() || part == "." {
            continue;
        }
        if part == ".." {
            at.pop();
            continue;
        }
        let next = at.join(&part);
        let Ok(target) = std::fs::read_link(&next) else {
            at = next;
            continue;
        };
        links += 1;
        if links > 40 {
            return None;
        }
        if target.is_absolute() {
            at = PathBuf::from("/");
        }
        for c in target.components().rev() {
            match c {
                Component::Normal(p) => todo.push(p.to_os_string()),
                Component::ParentDir => todo.push("..".into()),
                _ => {}
            }
        }
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_drops_dots_and_empty_segments() {
        assert_eq!(normalise("./deploy/./x/"), "deploy/x");
        assert_eq!(normalise("deploy"), "deploy");
        for root in [".", "./.", "./", "", ".//./"] {
            assert!(is_project_root(root), "{root:?}");
        }
        assert!(!is_project_root("./deploy"));
    }

    #[test]
    fn a_link_out_of_the_project_is_an_escape_and_one_inside_is_not() {
        let tmp = tempfile::tempdir().unwrap();
        let project = tmp.path().join("project");
        std::fs::create_dir_all(project.join("real")).unwrap();
        std::os::unix::fs::symlink(tmp.path(), project.join("out")).unwrap();
        std::os::unix::fs::symlink("real", project.join("in")).unwrap();
        let root = project.canonicalize().unwrap();
        assert!(escape(&root, &project, "./out").is_some());
        assert!(escape(&root, &project, "./out/not/yet/made").is_some());
        assert!(escape(&root, &project, "./in/x").is_none());
        assert!(escape(&root, &project, "./missing/deploy").is_none());
    }

    #[test]
    fn links_are_followed_by_name_even_to_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let project = tmp.path().join("project");
        std::fs::create_dir_all(&project).unwrap();
        let nowhere = tmp.path().join("gone/engine.sock");
        std::os::unix::fs::symlink(&nowhere, project.join("sock")).unwrap();
        std::os::unix::fs::symlink("/run", project.join("run")).unwrap();
        std::os::unix::fs::symlink("loop", project.join("loop")).unwrap();
        let root = project.canonicalize().unwrap();
        assert_eq!(follow(&root, "./sock"), Some(nowhere));
        assert_eq!(
            follow(&root, "./run/./docker.sock"),
            Some(PathBuf::from("/run/docker.sock"))
        );
        assert_eq!(follow(&root, "./loop"), None);
        assert!(escape(&root, &project, "./sock").is_some());
    }
}
