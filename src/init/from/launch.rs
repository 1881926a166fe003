//! What a client's `command` + `args` start: a package from PyPI or npm (`uvx`, `pipx run`,
//! `npx`), an image (`docker run -i`), or a script of a local project (`python`, `node`,
//! `uv run`). Options that change what runs and cannot be carried over stop the entry, named.

/// Where a package comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registry {
    Pypi,
    Npm,
}

impl Registry {
    pub fn title(self) -> &'static str {
        match self {
            Registry::Pypi => "PyPI",
            Registry::Npm => "npm",
        }
    }
}

/// A package as the client names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub registry: Registry,
    /// `mcp-server-time`, `@modelcontextprotocol/server-memory`; PyPI extras kept (`x[cli]`).
    pub name: String,
    /// An exact version, when the spec pins one.
    pub version: Option<String>,
    /// What the spec says when it is not exact (`>=1.2`, `^1`, `latest`), for messages.
    pub range: Option<String>,
}

/// What an entry starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    Package {
        package: Package,
        /// A console script or bin other than the package's own name.
        command: Option<String>,
        args: Vec<String>,
        /// The launcher, for notes (`uvx`, `npx -y`).
        via: String,
    },
    Image {
        image: String,
        /// `-e NAME=VALUE` (`Some`) and `-e NAME` (the value from the entry's `env`).
        env: Vec<(String, Option<String>)>,
        entrypoint: Option<String>,
        args: Vec<String>,
    },
    Script {
        python: bool,
        /// The program and its arguments as the client runs them (paths as written).
        program: Vec<String>,
        /// The file it runs (`server.py`, `build/index.js`), as written.
        file: Option<String>,
        /// `uv --directory D` / `--project D`.
        dir: Option<String>,
    },
    /// Not carried over, and why.
    Unsupported(String),
}

/// Reads `command` + `args`.
pub fn launch(command: &str, args: &[String]) -> Launch {
    let base = command.rsplit(['/', '\\']).next().unwrap_or(command);
    let base = base.strip_suffix(".exe").unwrap_or(base);
    let base = base.strip_suffix(".cmd").unwrap_or(base);
    match base {
        "uvx" => uvx(args, "uvx"),
        "pipx" if args.first().map(String::as_str) == Some("run") => pipx(&args[1..]),
        "npx" => npx(args),
        "npm" if args.first().map(String::as_str) == Some("exec") => npx(&args[1..]),
        "docker" | "podman" if args.first().map(String::as_str) == Some("run") => {
            docker(&args[1..])
        }
        "uv" => uv(args),
        b if is_python(b) => python(command, args, None),
        "node" => node(command, args),
        _ => Launch::Unsupported(format!(
            "`{base}` is not a launcher init knows (uvx, pipx run, npx, docker run, uv run, python, node)"
        )),
    }
}

fn is_python(b: &str) -> bool {
    b == "python"
        || b.strip_prefix("python")
            .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Splits `--opt=value` into `--opt`, `value`.
fn split_eq(arg: &str) -> (&str, Option<&str>) {
    match arg.split_once('=') {
        Some((o, v)) if o.starts_with("--") => (o, Some(v)),
        _ => (arg, None),
    }
}

/// Walks options: `value_opts` take a value, `flags` take none, `refused` stop with the reason.
struct Walk<'a> {
    args: &'a [String],
    i: usize,
}

impl<'a> Walk<'a> {
    fn new(args: &'a [String]) -> Self {
        Walk { args, i: 0 }
    }

    /// The next option and its value (if it takes one), or `None` at the first positional.
    fn option(&mut self, value_opts: &[&str]) -> Option<Result<(String, Option<String>), String>> {
        let a = self.args.get(self.i)?;
        if a == "--" {
            self.i += 1;
            return None;
        }
        if !a.starts_with('-') || a == "-" {
            return None;
        }
        self.i += 1;
        let (opt, inline) = split_eq(a);
        if value_opts.contains(&opt) {
            let v = match inline {
                Some(v) => v.to_string(),
                None => match self.args.get(self.i) {
                    Some(v) => {
                        self.i += 1;
                        v.clone()
                    }
                    None => return Some(Err(format!("`{opt}` has no value"))),
                },
            };
            return Some(Ok((opt.to_string(), Some(v))));
        }
        Some(Ok((opt.to_string(), inline.map(str::to_string))))
    }

    fn rest(&self) -> &'a [String] {
        &self.args[self.i.min(self.args.len())..]
    }
}

const UV_VALUE: &[&str] = &[
    "--from",
    "--with",
    "--with-editable",
    "--with-requirements",
    "--python",
    "-p",
    "--index",
    "--index-url",
    "--default-index",
    "--extra-index-url",
    "--directory",
    "--project",
    "--cache-dir",
    "--config-file",
    "--env-file",
    "--python-preference",
    "--color",
];

/// `uvx [options] PACKAGE[@V|==V] [args]`, `uvx --from SPEC COMMAND [args]`.
fn uvx(args: &[String], via: &str) -> Launch {
    let mut w = Walk::new(args);
    let mut from = None;
    while let Some(o) = w.option(UV_VALUE) {
        match o {
            Err(e) => return Launch::Unsupported(e),
            Ok((o, v)) => match o.as_str() {
                "--from" => from = v,
                "--with" | "--with-editable" | "--with-requirements" => {
                    return Launch::Unsupported(format!(
                        "`{via} {o}` adds packages beside the server, which a `package:` server cannot hold"
                    ))
                }
                "--index" | "--index-url" | "--default-index" | "--extra-index-url" => {
                    return Launch::Unsupported(format!(
                        "`{via} {o}` installs from another index than PyPI"
                    ))
                }
                _ => {}
            },
        }
    }
    pypi_launch(w.rest(), from.as_deref(), true, via)
}

/// A PyPI launch once its options are read: `rest` is `APP [args]`, and `spec` the package
/// when an option named it apart from the command (`--from`, `--spec`).
fn pypi_launch(rest: &[String], spec: Option<&str>, at: bool, via: &str) -> Launch {
    let Some(first) = rest.first() else {
        return Launch::Unsupported(format!("`{via}` names no package"));
    };
    let package = match pypi(spec.unwrap_or(first), at) {
        Ok(p) => p,
        Err(e) => return Launch::Unsupported(e),
    };
    let command = spec
        .is_some()
        .then(|| first.clone())
        .filter(|c| !same_name(c, &package.name));
    Launch::Package {
        package,
        command,
        args: rest[1..].to_vec(),
        via: via.to_string(),
    }
}

/// `pipx run [--spec SPEC] APP[==V] [args]`.
fn pipx(args: &[String]) -> Launch {
    let mut w = Walk::new(args);
    let mut spec = None;
    while let Some(o) = w.option(&["--spec", "--python", "--pip-args", "--index-url"]) {
        match o {
            Err(e) => return Launch::Unsupported(e),
            Ok((o, v)) => match o.as_str() {
                "--spec" => spec = v,
                "--pip-args" | "--index-url" => {
                    return Launch::Unsupported(format!(
                        "`pipx run {o}` changes how the package is installed"
                    ))
                }
                _ => {}
            },
        }
    }
    pypi_launch(w.rest(), spec.as_deref(), false, "pipx run")
}

/// `npx [-y] [-p PACKAGE] [--] PACKAGE[@V] [args]`.
fn npx(args: &[String]) -> Launch {
    let mut w = Walk::new(args);
    let mut packages = Vec::new();
    while let Some(o) = w.option(&["-p", "--package", "--registry", "-c", "--call"]) {
        match o {
            Err(e) => return Launch::Unsupported(e),
            Ok((o, v)) => match o.as_str() {
                "-p" | "--package" => packages.extend(v),
                "--registry" => {
                    return Launch::Unsupported(
                        "`npx --registry` installs from another registry than npm".into(),
                    )
                }
                "-c" | "--call" => {
                    return Launch::Unsupported("`npx -c` runs a shell command line".into())
                }
                _ => {}
            },
        }
    }
    if packages.len() > 1 {
        return Launch::Unsupported(
            "`npx -p` names more than one package, which a `package:` server cannot hold".into(),
        );
    }
    let rest = w.rest();
    let Some(first) = rest.first() else {
        return Launch::Unsupported("`npx` names no package".into());
    };
    let spec = packages.first().unwrap_or(first);
    let package = match npm(spec) {
        Ok(p) => p,
        Err(e) => return Launch::Unsupported(e),
    };
    let command = (!packages.is_empty())
        .then(|| first.clone())
        .filter(|c| *c != package.name && Some(c.as_str()) != package.name.rsplit('/').next());
    Launch::Package {
        package,
        command,
        args: rest[1..].to_vec(),
        via: "npx".into(),
    }
}

/// `uv [--directory D] run [--with ...] (FILE.py | python FILE.py | COMMAND) [args]`, and
/// `uv tool run`, which is `uvx`.
fn uv(args: &[String]) -> Launch {
    let mut w = Walk::new(args);
    let mut dir = None;
    loop {
        match w.option(UV_VALUE) {
            Some(Err(e)) => return Launch::Unsupported(e),
            Some(Ok((o, v))) if o == "--directory" || o == "--project" => dir = v,
            Some(Ok(_)) => {}
            None => break,
        }
    }
    let rest = w.rest();
    match rest.first().map(String::as_str) {
        Some("tool") if rest.get(1).map(String::as_str) == Some("run") => {
            return uvx(&rest[2..], "uv tool run")
        }
        Some("run") => {}
        _ => return Launch::Unsupported("`uv` without `run` starts no server".into()),
    }
    let mut w = Walk::new(&rest[1..]);
    loop {
        match w.option(UV_VALUE) {
            Some(Err(e)) => return Launch::Unsupported(e),
            Some(Ok((o, v))) => match o.as_str() {
                "--directory" | "--project" => dir = v,
                "--with" | "--with-editable" | "--with-requirements" => {
                    return Launch::Unsupported(format!(
                        "`uv run {o}` adds packages the project does not declare"
                    ))
                }
                _ => {}
            },
            None => break,
        }
    }
    let rest = w.rest();
    let Some(first) = rest.first() else {
        return Launch::Unsupported("`uv run` names nothing to run".into());
    };
    if is_python(first) {
        return python(first, &rest[1..], dir);
    }
    if first.ends_with(".py") {
        let mut program = vec!["python".to_string()];
        program.extend(rest.iter().cloned());
        return Launch::Script {
            python: true,
            program,
            file: Some(first.clone()),
            dir,
        };
    }
    Launch::Script {
        python: true,
        program: rest.to_vec(),
        file: None,
        dir,
    }
}

/// `python FILE.py [args]`, `python -m MODULE [args]`.
fn python(command: &str, args: &[String], dir: Option<String>) -> Launch {
    let mut program = vec!["python".to_string()];
    let _ = command;
    let mut i = 0;
    // Interpreter flags before the script (`-u`, `-X utf8`) are kept as they are.
    while let Some(a) = args.get(i) {
        if a == "-m" || !a.starts_with('-') {
            break;
        }
        i += 1;
    }
    match args.get(i).map(String::as_str) {
        Some("-m") if args.get(i + 1).is_some() => {
            program.extend(args.iter().cloned());
            Launch::Script {
                python: true,
                program,
                file: None,
                dir,
            }
        }
        Some(f) => {
            program.extend(args.iter().cloned());
            Launch::Script {
                python: true,
                program,
                file: Some(f.to_string()),
                dir,
            }
        }
        None => Launch::Unsupported("`python` names no script or module".into()),
    }
}

/// `node FILE.js [args]`.
fn node(_command: &str, args: &[String]) -> Launch {
    let file = args.iter().find(|a| !a.starts_with('-'));
    match file {
        Some(f) => {
            let mut program = vec!["node".to_string()];
            program.extend(args.iter().cloned());
            Launch::Script {
                python: false,
                program,
                file: Some(f.clone()),
                dir: None,
            }
        }
        None => Launch::Unsupported("`node` names no script".into()),
    }
}

/// `docker run [options] IMAGE [args]`.
fn docker(args: &[String]) -> Launch {
    const VALUE: &[&str] = &[
        "-e",
        "--env",
        "--env-file",
        "-v",
        "--volume",
        "--mount",
        "--name",
        "--network",
        "--net",
        "-p",
        "--publish",
        "-w",
        "--workdir",
        "-u",
        "--user",
        "--pull",
        "--platform",
        "--entrypoint",
        "-m",
        "--memory",
        "--cpus",
        "-l",
        "--label",
        "--add-host",
        "--cap-add",
        "--cap-drop",
        "--security-opt",
        "-h",
        "--hostname",
        "--log-driver",
        "--stop-timeout",
    ];
    const FLAGS: &[&str] = &[
        "-i",
        "--interactive",
        "-t",
        "--tty",
        "--rm",
        "--init",
        "--read-only",
        "-it",
        "-ti",
        "-q",
        "--quiet",
    ];
    let mut w = Walk::new(args);
    let mut env = Vec::new();
    let mut entrypoint = None;
    while let Some(o) = w.option(VALUE) {
        let (o, v) = match o {
            Err(e) => return Launch::Unsupported(e),
            Ok(x) => x,
        };
        match o.as_str() {
            "-e" | "--env" => {
                let v = v.unwrap_or_default();
                match v.split_once('=') {
                    Some((k, val)) => env.push((k.to_string(), Some(val.to_string()))),
                    None => env.push((v, None)),
                }
            }
            "--entrypoint" => entrypoint = v,
            "--env-file" => {
                return Launch::Unsupported(
                    "`docker run --env-file` reads variables from a file init does not read: put them in the client entry's `env` and `-e NAME`".into(),
                )
            }
            "-v" | "--volume" | "--mount" => {
                return Launch::Unsupported(format!(
                    "`docker run {o} {}` mounts a host path, which the stack does not have",
                    v.unwrap_or_default()
                ))
            }
            "--cap-add" | "--security-opt" | "-u" | "--user" => {
                return Launch::Unsupported(format!(
                    "`docker run {o}` changes how the container runs; set it in mcp-stack.yaml by hand"
                ))
            }
            _ if VALUE.contains(&o.as_str()) || FLAGS.contains(&o.as_str()) => {}
            _ => {
                return Launch::Unsupported(format!(
                    "`docker run {o}` is an option init does not carry over"
                ))
            }
        }
    }
    let rest = w.rest();
    let Some(image) = rest.first() else {
        return Launch::Unsupported("`docker run` names no image".into());
    };
    Launch::Image {
        image: image.clone(),
        env,
        entrypoint,
        args: rest[1..].to_vec(),
    }
}

/// A PyPI requirement: `name`, `name==1.2`, `name[extra]==1.2`, and with `at`, uvx's
/// `name@1.2` and `name@latest`. URLs and paths are not PyPI.
fn pypi(spec: &str, at: bool) -> Result<Package, String> {
    let s = spec.trim();
    if s.contains("://") || s.starts_with("git+") || s.starts_with('.') || s.starts_with('/') {
        return Err(format!("`{s}` is not a package from PyPI"));
    }
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.[],".contains(c)))
        .unwrap_or(s.len());
    let (name, rest) = s.split_at(end);
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!("`{s}` is not a package name"));
    }
    let rest = rest.trim();
    let exact = |v: &str| {
        !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "._+!-".contains(c))
    };
    let (version, range) = if rest.is_empty() {
        (None, None)
    } else if let Some(v) = rest.strip_prefix("==").filter(|v| exact(v)) {
        (Some(v.to_string()), None)
    } else if let Some(v) = rest.strip_prefix('@').filter(|_| at) {
        if v == "latest" || !exact(v) {
            (None, Some(v.to_string()))
        } else {
            (Some(v.to_string()), None)
        }
    } else {
        (None, Some(rest.to_string()))
    };
    Ok(Package {
        registry: Registry::Pypi,
        name: name.to_string(),
        version,
        range,
    })
}

/// An npm spec: `name`, `name@1.2.3`, `@scope/name@1.2.3`; tags and ranges are not exact.
fn npm(spec: &str) -> Result<Package, String> {
    let s = spec.trim();
    if s.contains("://") || s.contains(':') || s.starts_with('.') || s.starts_with('/') {
        return Err(format!("`{s}` is not a package from npm"));
    }
    let at = if let Some(rest) = s.strip_prefix('@') {
        rest.find('@').map(|i| i + 1)
    } else {
        s.find('@')
    };
    let (name, v) = match at {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./@~".contains(c))
        && (!name.starts_with('@') || name.contains('/'));
    if !valid_name {
        return Err(format!("`{s}` is not an npm package name"));
    }
    let exact = v.is_some_and(is_semver);
    Ok(Package {
        registry: Registry::Npm,
        name: name.to_string(),
        version: v.filter(|_| exact).map(str::to_string),
        range: v.filter(|_| !exact).map(str::to_string),
    })
}

/// `1.2.3`, `1.2.3-beta.1`, `1.2.3+build`: one version, not a range or a tag.
fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or("");
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c))
}

/// PyPI names compare with `-`, `_` and `.` alike, case-insensitively.
fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split('[')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
            .replace(['_', '.'], "-")
    };
    norm(a) == norm(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(cmd: &str, args: &[&str]) -> Launch {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        launch(cmd, &args)
    }

    fn pkg(l: Launch) -> (Package, Option<String>, Vec<String>) {
        match l {
            Launch::Package {
                package,
                command,
                args,
                ..
            } => (package, command, args),
            other => panic!("not a package: {other:?}"),
        }
    }

    #[test]
    fn uvx_forms() {
        let (p, c, a) = pkg(l(
            "uvx",
            &["mcp-server-time==2025.9.25", "--local-timezone", "UTC"],
        ));
        assert_eq!(
            (p.name.as_str(), p.version.as_deref()),
            ("mcp-server-time", Some("2025.9.25"))
        );
        assert_eq!(
            (c, a),
            (None, vec!["--local-timezone".to_string(), "UTC".into()])
        );
        let (p, c, _) = pkg(l(
            "uvx",
            &["--from", "mcp-server-fetch==2025.4.7", "mcp-server-fetch"],
        ));
        assert_eq!((p.version.as_deref(), c), (Some("2025.4.7"), None));
        let (p, c, _) = pkg(l("/usr/bin/uvx", &["--from=pkg==1.0", "other-cmd"]));
        assert_eq!((p.name.as_str(), c.as_deref()), ("pkg", Some("other-cmd")));
        let (p, _, _) = pkg(l("uvx", &["pkg@1.2"]));
        assert_eq!(p.version.as_deref(), Some("1.2"));
        let (p, _, _) = pkg(l("uvx", &["pkg@latest"]));
        assert_eq!((p.version, p.range.as_deref()), (None, Some("latest")));
        let (p, _, _) = pkg(l("uvx", &["--python", "3.12", "pkg>=1.2"]));
        assert_eq!((p.version, p.range.as_deref()), (None, Some(">=1.2")));
        let (p, _, _) = pkg(l("uvx", &["pkg[cli]==3"]));
        assert_eq!(
            (p.name.as_str(), p.version.as_deref()),
            ("pkg[cli]", Some("3"))
        );
        let (p, c, _) = pkg(l("uv", &["tool", "run", "Mcp_Server.Time==1"]));
        assert_eq!((p.name.as_str(), c), ("Mcp_Server.Time", None));
        assert!(matches!(
            l("uvx", &["--with", "x", "pkg==1"]),
            Launch::Unsupported(_)
        ));
        assert!(matches!(
            l("uvx", &["git+https://x/y"]),
            Launch::Unsupported(_)
        ));
        assert!(matches!(l("uvx", &[]), Launch::Unsupported(_)));
    }

    #[test]
    fn pipx_forms() {
        let (p, c, a) = pkg(l("pipx", &["run", "mcp-server-time==1", "--x"]));
        assert_eq!(
            (p.version.as_deref(), c, a),
            (Some("1"), None, vec!["--x".to_string()])
        );
        let (p, c, _) = pkg(l("pipx", &["run", "--spec", "pkg==2", "cmd"]));
        assert_eq!((p.name.as_str(), c.as_deref()), ("pkg", Some("cmd")));
        // pipx does not read uvx's `@` form: it is not a pin there.
        let (p, _, _) = pkg(l("pipx", &["run", "pkg"]));
        assert_eq!(p.version, None);
    }

    #[test]
    fn npx_forms() {
        let (p, c, a) = pkg(l(
            "npx",
            &["-y", "@modelcontextprotocol/server-memory@2025.9.25"],
        ));
        assert_eq!(p.name, "@modelcontextprotocol/server-memory");
        assert_eq!(
            (p.version.as_deref(), c, a),
            (Some("2025.9.25"), None, vec![])
        );
        let (p, _, a) = pkg(l("npx", &["--yes", "pkg@1.0.0", "/data"]));
        assert_eq!(
            (p.version.as_deref(), a),
            (Some("1.0.0"), vec!["/data".to_string()])
        );
        let (p, c, _) = pkg(l("npx", &["-y", "-p", "@s/pkg@1.2.3", "pkg-bin"]));
        assert_eq!((p.name.as_str(), c.as_deref()), ("@s/pkg", Some("pkg-bin")));
        let (p, c, _) = pkg(l("npx", &["-y", "--package=@s/pkg@1.2.3", "pkg"]));
        assert_eq!(
            c, None,
            "the bin named like the package is its default: {p:?}"
        );
        for unpinned in ["pkg", "pkg@latest", "pkg@^1.2.0", "@s/pkg", "@s/pkg@~1"] {
            let (p, _, _) = pkg(l("npx", &["-y", unpinned]));
            assert_eq!(p.version, None, "{unpinned}");
        }
        let (p, _, _) = pkg(l("npm", &["exec", "--yes", "--", "pkg@1.0.0"]));
        assert_eq!(p.version.as_deref(), Some("1.0.0"));
        assert!(matches!(
            l("npx", &["-y", "github:user/repo"]),
            Launch::Unsupported(_)
        ));
        assert!(matches!(
            l("npx", &["-p", "a@1.0.0", "-p", "b@1.0.0", "a"]),
            Launch::Unsupported(_)
        ));
    }

    #[test]
    fn docker_forms() {
        let got = l(
            "docker",
            &[
                "run",
                "-i",
                "--rm",
                "-e",
                "GITHUB_TOKEN",
                "-e",
                "LOG=debug",
                "ghcr.io/github/github-mcp-server:v1",
                "stdio",
            ],
        );
        assert_eq!(
            got,
            Launch::Image {
                image: "ghcr.io/github/github-mcp-server:v1".into(),
                env: vec![
                    ("GITHUB_TOKEN".into(), None),
                    ("LOG".into(), Some("debug".into()))
                ],
                entrypoint: None,
                args: vec!["stdio".into()],
            }
        );
        let got = l(
            "docker",
            &["run", "-it", "--init", "--entrypoint=/bin/srv", "img"],
        );
        assert!(matches!(got, Launch::Image { entrypoint: Some(e), .. } if e == "/bin/srv"));
        assert!(
            matches!(l("docker", &["run", "-i", "-v", "/h:/d", "img"]), Launch::Unsupported(m) if m.contains("/h:/d"))
        );
        assert!(matches!(
            l("docker", &["run", "--privileged", "img"]),
            Launch::Unsupported(_)
        ));
        assert!(matches!(l("docker", &["ps"]), Launch::Unsupported(_)));
    }

    #[test]
    fn script_forms() {
        let got = l("uv", &["--directory", "/abs/weather", "run", "weather.py"]);
        assert_eq!(
            got,
            Launch::Script {
                python: true,
                program: vec!["python".into(), "weather.py".into()],
                file: Some("weather.py".into()),
                dir: Some("/abs/weather".into()),
            }
        );
        let got = l("/usr/bin/python3.12", &["-u", "servers/a/server.py", "--x"]);
        assert!(
            matches!(got, Launch::Script { python: true, file: Some(f), program, .. } if f == "servers/a/server.py" && program[0] == "python" && program[1] == "-u")
        );
        let got = l("python", &["-m", "my_server"]);
        assert!(matches!(got, Launch::Script { file: None, .. }));
        let got = l("node", &["servers/b/build/index.js"]);
        assert!(
            matches!(got, Launch::Script { python: false, file: Some(f), .. } if f == "servers/b/build/index.js")
        );
        let got = l("uv", &["run", "--project", "p", "my-server"]);
        assert!(
            matches!(got, Launch::Script { file: None, dir: Some(d), program, .. } if d == "p" && program == vec!["my-server".to_string()])
        );
        assert!(matches!(l("bunx", &["x"]), Launch::Unsupported(_)));
        assert!(matches!(
            l("uv", &["run", "--with", "x", "a.py"]),
            Launch::Unsupported(_)
        ));
    }
}
