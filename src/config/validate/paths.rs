//! Paths in the project: build folders, files and volumes.

use super::*;
use crate::config::build_facts::Finding;
use std::collections::HashMap;
use std::path::PathBuf;

/// What the file system says about the project's folders, each asked once: servers often
/// share a build folder (one package with several entry points).
#[derive(Default)]
pub(super) struct Folders {
    /// The project folder with its links resolved (`None` if it could not be).
    root: std::cell::OnceCell<Option<PathBuf>>,
    /// Whether a folder exists and stays inside the project, by relative path.
    places: HashMap<String, Place>,
    /// Which files that tell a runtime a build folder holds.
    markers: HashMap<String, Markers>,
    /// A build folder's facts and findings, by folder and runtime.
    gathered: HashMap<(String, Runtime), (BuildFacts, Vec<Finding>)>,
}

#[derive(Clone, Copy)]
enum Place {
    Missing,
    Outside,
    Inside,
}

#[derive(Clone, Copy)]
struct Markers {
    dockerfile: bool,
    pyproject: bool,
    requirements: bool,
    package_json: bool,
}

impl Folders {
    fn place(&mut self, project: &Path, rel: &str) -> Place {
        if let Some(place) = self.places.get(rel) {
            return *place;
        }
        let full = project.join(rel);
        let place = if !full.is_dir() {
            Place::Missing
        } else {
            let root = self
                .root
                .get_or_init(|| project.canonicalize().ok())
                .as_deref();
            match (full.canonicalize(), root) {
                (Ok(real), Some(root)) if !real.starts_with(root) => Place::Outside,
                _ => Place::Inside,
            }
        };
        self.places.insert(rel.to_string(), place);
        place
    }

    fn markers(&mut self, project: &Path, rel: &str) -> Markers {
        *self.markers.entry(rel.to_string()).or_insert_with(|| {
            let dir = project.join(rel);
            let has = |f: &str| dir.join(f).is_file();
            Markers {
                dockerfile: has("Dockerfile"),
                pyproject: has("pyproject.toml"),
                requirements: has("requirements.txt"),
                package_json: has("package.json"),
            }
        })
    }

    fn gather(
        &mut self,
        project: &Path,
        rel: &str,
        runtime: Runtime,
    ) -> &(BuildFacts, Vec<Finding>) {
        self.gathered
            .entry((rel.to_string(), runtime))
            .or_insert_with(|| crate::config::build_facts::gather(project, rel, runtime))
    }
}

/// The longest path key, and the longest name in it: file systems refuse more
/// (255 bytes a name), and the project's own folder comes on top of it.
const MAX_PATH: usize = 1024;
const MAX_NAME: usize = 255;

/// Whether a relative path is short enough to be created on any common file system.
pub(super) fn path_fits(path: &str) -> bool {
    path.len() <= MAX_PATH && path.split('/').all(|name| name.len() <= MAX_NAME)
}

pub(super) fn source(
    ck: &mut Check,
    p: &KeyPath,
    name: &str,
    build: Option<&str>,
    image: Option<&str>,
    runtime: Runtime,
) {
    match (build, image) {
        (Some(_), Some(_)) => {
            ck.err(p.key("image"), "`build` and `image` are both set")
                .help = Some(
                "keep `build` to build from source, or `image` to run a prebuilt image".into(),
            );
        }
        (None, None) => {
            let help = if matches!(p.0.first(), Some(crate::config::location::Seg::Key(k)) if k == "servers")
            {
                "add `build: ./folder`, `image: name:tag` or `package: pypi:NAME==VERSION` (or `npm:NAME@VERSION`)"
            } else {
                "add `build: ./folder` or `image: name:tag`"
            };
            ck.err(p.clone(), "neither `build` nor `image` is set").help = Some(help.into());
        }
        (None, Some(img)) => {
            if !is_image(img) {
                ck.err(p.key("image"), format!("`{img}` is not an image reference"));
            }
            if runtime == Runtime::Dockerfile {
                ck.err(p.key("runtime"), "`runtime: dockerfile` needs `build`");
            }
        }
        (Some(folder), None) => {
            if let Some(facts) = build_folder(ck, p, folder, runtime) {
                ck.facts.builds.insert(name.to_string(), facts);
            }
        }
    }
}

pub(super) fn build_folder(
    ck: &mut Check,
    p: &KeyPath,
    folder: &str,
    runtime: Runtime,
) -> Option<BuildFacts> {
    let key = p.key("build");
    let rel = relative_folder(ck, key.clone(), folder, true)?;
    let markers = ck.folders.markers(&ck.source.dir, &rel);
    let python = markers.pyproject || markers.requirements;
    let detected = if markers.dockerfile {
        Some(Runtime::Dockerfile)
    } else if python {
        Some(Runtime::Python)
    } else if markers.package_json {
        Some(Runtime::Node)
    } else {
        None
    };
    let resolved = match runtime {
        Runtime::Auto => match detected {
            Some(r) => r,
            None => {
                let hint = "add a Dockerfile, a pyproject.toml (with uv.lock) or requirements.txt, or a package.json, or set `runtime`";
                ck.err(key, format!("cannot tell the runtime of `{folder}`"))
                    .help = Some(hint.into());
                return None;
            }
        },
        Runtime::Python => {
            if !python {
                ck.err(
                    p.key("runtime"),
                    format!("runtime python needs `{folder}/pyproject.toml` or `{folder}/requirements.txt`"),
                )
                .help = Some("python servers are built with uv: `uv init` makes a pyproject.toml, `uv lock` pins it".into());
            }
            Runtime::Python
        }
        Runtime::Node => {
            if !markers.package_json {
                ck.err(
                    p.key("runtime"),
                    format!("runtime node needs `{folder}/package.json`"),
                );
            }
            Runtime::Node
        }
        Runtime::Dockerfile => {
            if !markers.dockerfile {
                ck.err(p.key("runtime"), format!("`{folder}` has no Dockerfile"));
            }
            Runtime::Dockerfile
        }
    };
    let (facts, findings) = ck.folders.gather(&ck.source.dir, &rel, resolved).clone();
    for f in findings {
        if f.error {
            ck.err(key.clone(), f.message).help = Some(f.help);
        } else {
            ck.warn(key.clone(), f.message, f.help);
        }
    }
    Some(facts)
}

/// Checks a folder path relative to the config: no escape, safe characters, and (if `must_exist`)
/// present. Returns it normalised with `/` separators.
pub(super) fn relative_folder(
    ck: &mut Check,
    key: KeyPath,
    folder: &str,
    must_exist: bool,
) -> Option<String> {
    let path = Path::new(folder);
    if !is_file_path(folder) {
        ck.err(
            key,
            format!("`{folder}` has characters that are not allowed in a path"),
        )
        .help = Some(PATH_HELP.into());
        return None;
    }
    if !path_fits(folder) {
        ck.err(
            key,
            format!(
                "the path is {} characters long; paths stop at {MAX_PATH} characters and {MAX_NAME} per name",
                folder.len()
            ),
        );
        return None;
    }
    if path.is_absolute() || path.components().any(|c| matches!(c, PathPart::ParentDir)) {
        ck.err(key, format!("`{folder}` is outside the project"))
            .help = Some("use a path inside the folder that holds mcp-stack.yaml".into());
        return None;
    }
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            PathPart::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let rel = if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    };
    if must_exist {
        // A symlink may still lead outside the project.
        match ck.folders.place(&ck.source.dir, &rel) {
            Place::Missing => {
                ck.err(key, format!("folder `{folder}` does not exist"))
                    .help = Some(format!("paths are relative to {}", ck.source.file_name()));
                return None;
            }
            Place::Outside => {
                ck.err(
                    key,
                    format!("`{folder}` leads outside the project through a link"),
                );
                return None;
            }
            Place::Inside => {}
        }
    }
    Some(rel)
}

pub(super) fn relative_file(ck: &mut Check, key: KeyPath, file: &str) {
    let path = Path::new(file);
    if !is_file_path(file)
        || !path_fits(file)
        || path.is_absolute()
        || path.components().any(|c| matches!(c, PathPart::ParentDir))
    {
        ck.err(key, format!("`{file}` must be a path inside the project"))
            .help = Some(
            "keep the file beside mcp-stack.yaml, e.g. `./certs/fullchain.pem` (and out of git)"
                .into(),
        );
    } else if !ck.source.dir.join(path).is_file() {
        ck.err(key, format!("file `{file}` does not exist")).help =
            Some(format!("paths are relative to {}", ck.source.file_name()));
    }
}

pub(super) fn volume(ck: &mut Check, key: KeyPath, v: &str) {
    let parts: Vec<&str> = v.split(':').collect();
    if socket_volume(ck, key.clone(), parts[0]) {
        return;
    }
    let (src, target, mode) = match parts.as_slice() {
        [s, t] => (*s, *t, None),
        [s, t, m] => (*s, *t, Some(*m)),
        _ => {
            ck.err(
                key,
                format!("`{v}` is not `name:/path` or `./folder:/path`"),
            );
            return;
        }
    };
    if !target.starts_with('/') || !is_file_path(target) || !path_fits(target) {
        ck.err(
            key.clone(),
            format!("`{target}` is not an absolute path in the container"),
        );
    }
    if let Some(m) = mode {
        if m != "ro" && m != "rw" {
            ck.err(key.clone(), format!("`{m}` is not a mount mode"))
                .help = Some("use `ro` or `rw`".into());
        }
    }
    if src.starts_with("./") {
        relative_folder_or_file(ck, key, src);
    } else if !is_volume_name(src) {
        ck.err(
            key,
            format!("`{src}` is not a volume name or a ./relative path"),
        )
        .help = Some(
            "named volumes use letters, digits, `_`, `.` and `-`; host paths start with `./`"
                .into(),
        );
    }
}

pub(super) fn relative_folder_or_file(ck: &mut Check, key: KeyPath, src: &str) {
    let path = Path::new(src);
    if !is_file_path(src) || path.components().any(|c| matches!(c, PathPart::ParentDir)) {
        ck.err(key, format!("`{src}` must stay inside the project"));
    } else if !ck.source.dir.join(path).exists() {
        ck.err(key, format!("`{src}` does not exist")).help =
            Some(format!("paths are relative to {}", ck.source.file_name()));
    }
}
