//! Semantic rules: everything the types alone cannot say. Each problem names its key path.
//! File system facts the model needs (runtime, layout) are gathered here once.

use super::load::Source;
use super::location::KeyPath;
use super::types::*;
use crate::error::{Diagnostic, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component as PathPart, Path};

/// Names the stack itself uses for its own containers.
pub const RESERVED: &[&str] = &[
    "gateway",
    "prometheus",
    "grafana",
    "blackbox-exporter",
    "nginx-exporter",
    "cadvisor",
    "certbot",
    "cloudflared",
];

/// What the file system says about one `build` folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildFacts {
    /// The folder relative to the config file, with `/` separators.
    pub folder: String,
    pub runtime: Runtime,
    /// Python package below `src/` (affects the dev source mount).
    pub src_layout: bool,
    pub python: Option<super::build_facts::PythonFacts>,
    pub node: Option<super::build_facts::NodeFacts>,
}

/// Facts found while validating, and warnings worth printing.
#[derive(Debug, Default)]
pub struct Facts {
    pub builds: BTreeMap<String, BuildFacts>,
    pub warnings: Vec<Diagnostic>,
}

struct Check<'a> {
    source: &'a Source,
    errors: Vec<Diagnostic>,
    facts: Facts,
}

impl Check<'_> {
    fn err(&mut self, path: KeyPath, msg: impl Into<String>) -> &mut Diagnostic {
        self.errors.push(Diagnostic::new(path, msg));
        self.errors.last_mut().expect("just pushed")
    }

    fn warn(&mut self, path: KeyPath, msg: impl Into<String>, help: impl Into<String>) {
        let mut d = Diagnostic::new(path, msg).help(help);
        d.pos = self.source.locations.find(&d.path);
        self.facts.warnings.push(d);
    }
}

/// Checks every rule and returns the file system facts, or every problem at once.
pub fn validate(c: &Config, source: &Source) -> Result<Facts> {
    let mut ck = Check {
        source,
        errors: Vec::new(),
        facts: Facts::default(),
    };
    top_level(&mut ck, c);
    gateway(&mut ck, &c.gateway, &c.domain);
    let mut routes: BTreeMap<String, String> = BTreeMap::new();
    for (name, s) in &c.servers {
        let p = KeyPath::of(&["servers", name]);
        component_name(&mut ck, &p, name);
        server(&mut ck, &p, name, s, &mut routes);
    }
    for (name, s) in &c.services {
        let p = KeyPath::of(&["services", name]);
        component_name(&mut ck, &p, name);
        if c.servers.contains_key(name) {
            ck.err(
                p.clone(),
                format!("`{name}` is both a server and a service"),
            )
            .help = Some("names share one network: rename one of them".into());
        }
        service(&mut ck, &p, name, s);
    }
    dependencies(&mut ck, c);
    dev_names(&mut ck, c);
    monitoring(&mut ck, c);
    images(&mut ck, &c.images);
    if c.gateway.nginx_version.is_none()
        && crate::model::nginx_version_of_image(&c.images.nginx).is_none()
    {
        ck.err(
            KeyPath::of(&["images", "nginx"]),
            format!(
                "the tag of `{}` does not tell the nginx version",
                c.images.nginx
            ),
        )
        .help = Some(
            "set `gateway.nginx_version` (e.g. `1.27.3`): the gateway's syntax depends on it"
                .into(),
        );
    }
    if ck.errors.is_empty() {
        Ok(ck.facts)
    } else {
        Err(source.error(ck.errors))
    }
}

fn top_level(ck: &mut Check, c: &Config) {
    if c.version != 1 {
        ck.err(
            KeyPath::of(&["version"]),
            format!("version {} is not supported", c.version),
        )
        .help = Some("this mcpstack reads version 1".into());
    }
    if !is_dns_label(&c.name) {
        ck.err(
            KeyPath::of(&["name"]),
            format!("`{}` is not a DNS label", c.name),
        )
        .help = Some(DNS_HELP.into());
    }
    if !is_host(&c.domain) {
        ck.err(
            KeyPath::of(&["domain"]),
            format!("`{}` is not a host name", c.domain),
        )
        .help = Some("use letters, digits, `-` and `.`, e.g. `mcp.example.com`".into());
    }
    let mut seen = BTreeSet::from([c.domain.to_ascii_lowercase()]);
    for (i, a) in c.aliases.iter().enumerate() {
        let p = KeyPath::of(&["aliases"]).index(i);
        let name = a.strip_prefix("*.").unwrap_or(a);
        if !is_host(name) && a.parse::<std::net::IpAddr>().is_err() {
            ck.err(p.clone(), format!("`{a}` is not a host name or IP address"));
        } else if !seen.insert(a.to_ascii_lowercase()) {
            ck.err(p, format!("`{a}` is listed twice"));
        }
    }
    relative_folder(ck, KeyPath::of(&["output"]), &c.output, false);
    if c.output.trim_matches('/') == "." || c.output.is_empty() {
        ck.err(
            KeyPath::of(&["output"]),
            "the output folder cannot be the project folder",
        )
        .help =
            Some("render owns its folder and removes stale files there; use e.g. `deploy`".into());
    }
    if let Some(t) = &c.templates {
        relative_folder(ck, KeyPath::of(&["templates"]), t, true);
    }
    if c.servers.is_empty() {
        ck.err(KeyPath::of(&["servers"]), "no servers are configured")
            .help = Some("add at least one MCP server under `servers:`".into());
    }
}

fn gateway(ck: &mut Check, g: &Gateway, domain: &str) {
    let p = KeyPath::of(&["gateway"]);
    if g.bind.parse::<std::net::IpAddr>().is_err() {
        ck.err(p.key("bind"), format!("`{}` is not an IP address", g.bind))
            .help =
            Some("use 0.0.0.0 for every interface or 127.0.0.1 for this machine only".into());
    }
    port(ck, p.key("http_port"), g.http_port);
    port(ck, p.key("https_port"), g.https_port);
    if g.http_port == g.https_port {
        ck.err(p.key("https_port"), "http_port and https_port are the same");
    }
    let tls = p.key("tls");
    match g.tls.mode {
        TlsMode::Manual => {
            for (key, v) in [("cert", &g.tls.cert), ("key", &g.tls.key)] {
                match v {
                    None => {
                        ck.err(tls.key(key), format!("tls mode `manual` needs `{key}`"))
                            .help = Some(
                            "give the path of your PEM file, relative to mcp-stack.yaml".into(),
                        )
                    }
                    Some(f) => relative_file(ck, tls.key(key), f),
                }
            }
        }
        TlsMode::Acme if is_private_name(domain) => {
            ck.err(
                KeyPath::of(&["domain"]),
                format!("Let's Encrypt cannot certify `{domain}`"),
            )
            .help = Some(
                "tls mode `acme` needs a public DNS name as `domain`; use `local` for local names"
                    .into(),
            );
        }
        TlsMode::Acme => match &g.tls.email {
            None => {
                ck.err(tls.key("email"), "tls mode `acme` needs `email`")
                    .help = Some("Let's Encrypt sends expiry notices there".into())
            }
            Some(e) if !is_email(e) => {
                ck.err(tls.key("email"), format!("`{e}` is not an e-mail address"));
            }
            _ => {}
        },
        TlsMode::Local => {}
    }
    if let (TlsMode::Manual, Some(cert), Some(key)) = (g.tls.mode, &g.tls.cert, &g.tls.key) {
        let dir = &ck.source.dir;
        let (cert_file, key_file) = (dir.join(cert), dir.join(key));
        if cert_file.is_file() && key_file.is_file() {
            if let Err(e) = crate::certs::check_manual(&cert_file, &key_file, domain) {
                use crate::certs::CertError as C;
                let at = match e {
                    C::BadKey { .. } | C::KeyMismatch { .. } => "key",
                    _ => "cert",
                };
                let help = e.help();
                ck.err(tls.key(at), e.to_string()).help = help;
            }
        }
    }
    if g.tls.mode != TlsMode::Manual {
        for (key, v) in [("cert", &g.tls.cert), ("key", &g.tls.key)] {
            if v.is_some() {
                ck.err(
                    tls.key(key),
                    format!("`{key}` is only used with `mode: manual`"),
                );
            }
        }
    }
    if g.tls.mode != TlsMode::Acme && g.tls.email.is_some() {
        ck.err(tls.key("email"), "`email` is only used with `mode: acme`");
    }
    env_name(ck, p.key("auth").key("tokens_env"), &g.auth.tokens_env);
    let rl = p.key("rate_limit");
    if g.rate_limit.requests_per_second < 0 {
        ck.err(rl.key("requests_per_second"), "must be 0 (off) or more");
    }
    match g.rate_limit.burst {
        Some(b) if b < 0 => {
            ck.err(rl.key("burst"), "must be 0 or more");
        }
        Some(_) if g.rate_limit.requests_per_second == 0 => ck.warn(
            rl.key("burst"),
            "burst has no effect while requests_per_second is 0",
            "set requests_per_second to turn rate limiting on",
        ),
        _ => {}
    }
    for (i, o) in g.cors.allow_origins.iter().enumerate() {
        if !is_origin(o) {
            ck.err(
                p.key("cors").key("allow_origins").index(i),
                format!("`{o}` is not an origin"),
            )
            .help =
                Some("an origin is `scheme://host[:port]`, e.g. `https://app.example.com`".into());
        }
    }
    if !is_size(&g.max_body) {
        ck.err(p.key("max_body"), format!("`{}` is not a size", g.max_body))
            .help = Some("use a number with an optional k, m or g suffix, e.g. `10m`".into());
    }
    if let Some(v) = &g.nginx_version {
        if crate::model::parse_version(v).is_none() {
            ck.err(
                p.key("nginx_version"),
                format!("`{v}` is not a version like 1.27.0"),
            );
        }
    }
}

fn component_name(ck: &mut Check, p: &KeyPath, name: &str) {
    if !is_dns_label(name) {
        ck.err(p.clone(), format!("`{name}` is not a DNS label"))
            .help = Some(DNS_HELP.into());
    } else if RESERVED.contains(&name) {
        ck.err(
            p.clone(),
            format!("`{name}` is a name mcpstack uses for its own container"),
        )
        .help = Some("choose another name".into());
    }
}

fn server(
    ck: &mut Check,
    p: &KeyPath,
    name: &str,
    s: &Server,
    routes: &mut BTreeMap<String, String>,
) {
    source(
        ck,
        p,
        name,
        s.build.as_deref(),
        s.image.as_deref(),
        s.runtime,
    );
    server_build_rules(ck, p, name, s);
    if s.transport == Transport::Stdio && s.command.as_ref().is_none_or(|c| c.is_empty()) {
        ck.err(p.key("transport"), "a stdio server needs `command`")
            .help =
            Some("the bridge starts this command and speaks MCP to it over stdin/stdout".into());
    }
    command(ck, p, s.command.as_ref());
    port(ck, p.key("port"), s.port.unwrap_or(8000));
    let path = s.path.clone().unwrap_or_else(|| format!("/{name}/"));
    if !(path.starts_with('/') && path.ends_with('/')) {
        ck.err(
            p.key("path"),
            format!("path `{path}` must start and end with `/`"),
        )
        .help = Some(format!("e.g. `/{name}/`"));
    } else if path == "/" {
        ck.err(
            p.key("path"),
            "path `/` would take over /health and /.well-known",
        )
        .help = Some(format!("give the server a prefix, e.g. `/{name}/`"));
    } else if !is_url_path(&path) {
        ck.err(
            p.key("path"),
            format!("path `{path}` has characters that are not allowed"),
        )
        .help = Some(PATH_HELP.into());
    } else if let Some(other) = routes.insert(path.clone(), name.to_string()) {
        ck.err(
            p.key("path"),
            format!("path `{path}` is already the route of server `{other}`"),
        )
        .help = Some("each server needs its own path on the gateway".into());
    }
    if let Some(e) = &s.endpoint {
        if !e.starts_with('/') || !is_url_path(e) {
            ck.err(
                p.key("endpoint"),
                format!("endpoint `{e}` must be a path such as `/mcp`"),
            )
            .help = Some(PATH_HELP.into());
        }
    }
    env_and_secrets(ck, p, &s.env, &s.secrets);
    if !(1..=100).contains(&s.replicas) {
        ck.err(
            p.key("replicas"),
            format!("replicas must be 1 to 100, not {}", s.replicas),
        );
    }
    if s.transport == Transport::Sse && s.stateless && s.replicas > 1 {
        ck.err(p.key("stateless"), "an SSE server cannot be stateless across replicas").help = Some(
            "the SSE stream and its POSTed messages must reach the same process; set `stateless: false` (client affinity) or `replicas: 1`".into(),
        );
    }
    match crate::model::parse_duration(&s.timeout) {
        Some(d) if (1..=86_400).contains(&d) => {}
        Some(_) => {
            ck.err(p.key("timeout"), "timeout must be between 1s and 24h");
        }
        None => {
            ck.err(
                p.key("timeout"),
                format!("`{}` is not a duration", s.timeout),
            )
            .help = Some("use e.g. `300s`, `5m` or `1h`".into());
        }
    }
    match s.health.as_str() {
        "mcp" | "none" => {}
        h => match h.strip_prefix("http:") {
            Some(path) if path.starts_with('/') && is_url_path(path) => {}
            _ => {
                ck.err(p.key("health"), format!("`{h}` is not a health check"))
                    .help = Some("use `mcp`, `none`, or `http:/some/path`".into());
            }
        },
    }
    resources(ck, p, s.resources.as_ref());
    dev(ck, p, &s.dev);
    hardening(ck, p, &s.cap_add, &s.tmpfs, s.user.as_deref());
}

/// Built from a python or node folder with a Dockerfile mcpstack renders.
fn needs_command(ck: &Check, name: &str) -> bool {
    ck.facts
        .builds
        .get(name)
        .is_some_and(|b| matches!(b.runtime, Runtime::Python | Runtime::Node))
}

fn server_build_rules(ck: &mut Check, p: &KeyPath, name: &str, s: &Server) {
    let own_dockerfile = ck
        .facts
        .builds
        .get(name)
        .is_some_and(|b| b.runtime == Runtime::Dockerfile);
    if needs_command(ck, name) && s.command.is_none() {
        ck.err(
            p.key("command"),
            format!("`{name}` is built by mcpstack and needs `command`"),
        )
        .help = Some(
            "the server's start command, e.g. `[python, -m, main_server]` or `[node, server.js]`"
                .into(),
        );
    }
    if own_dockerfile && s.transport == Transport::Stdio {
        ck.err(p.key("transport"), "a stdio server with its own Dockerfile cannot be bridged").help = Some(
            "set `runtime: python` or `runtime: node` so mcpstack renders the image with the bridge, or serve HTTP from your image".into(),
        );
    }
    if s.transport == Transport::Stdio && s.endpoint.is_some() {
        ck.warn(
            p.key("endpoint"),
            "`endpoint` is ignored for stdio servers",
            "the bridge always serves /mcp",
        );
    }
    let health_needs_runtime = s.health == "mcp" || s.health.starts_with("http:");
    let runtime_known = matches!(s.runtime, Runtime::Python | Runtime::Node)
        || s.transport == Transport::Stdio
        || needs_command(ck, name);
    if health_needs_runtime && !runtime_known && (s.image.is_some() || own_dockerfile) {
        ck.warn(
            p.key("health"),
            "mcpstack cannot tell which interpreter the image has, so it adds no health check",
            "set `runtime: python` or `runtime: node` for an image that has one, or `health: none` to silence this",
        );
    }
    if s.dev.mount_source && !needs_command(ck, name) {
        ck.warn(
            p.key("dev").key("mount_source"),
            "mount_source only applies to python and node builds",
            "remove it, or build from a python or node folder",
        );
    }
}

fn service(ck: &mut Check, p: &KeyPath, name: &str, s: &Service) {
    source(
        ck,
        p,
        name,
        s.build.as_deref(),
        s.image.as_deref(),
        s.runtime,
    );
    if needs_command(ck, name) && s.command.is_none() {
        ck.err(
            p.key("command"),
            format!("`{name}` is built by mcpstack and needs `command`"),
        )
        .help =
            Some("the image's CMD: e.g. `[python, -m, my_service]` or `[node, server.js]`".into());
    }
    command(ck, p, s.command.as_ref());
    if let Some(port_no) = s.port {
        port(ck, p.key("port"), port_no);
    }
    env_and_secrets(ck, p, &s.env, &s.secrets);
    if let Some(hc) = &s.healthcheck {
        match hc.first().map(String::as_str) {
            Some("CMD") | Some("CMD-SHELL") if hc.len() > 1 => {}
            Some("NONE") if hc.len() == 1 => {}
            _ => {
                ck.err(
                    p.key("healthcheck"),
                    "healthcheck must start with CMD or CMD-SHELL and a command",
                )
                .help = Some("e.g. `[CMD, pg_isready, -U, app]`".into());
            }
        }
    }
    for (i, v) in s.volumes.iter().enumerate() {
        volume(ck, p.key("volumes").index(i), v);
    }
    resources(ck, p, s.resources.as_ref());
    dev(ck, p, &s.dev);
    hardening(ck, p, &s.cap_add, &s.tmpfs, s.user.as_deref());
}

fn source(
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
            ck.err(p.clone(), "neither `build` nor `image` is set").help =
                Some("add `build: ./folder` or `image: name:tag`".into());
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

fn build_folder(ck: &mut Check, p: &KeyPath, folder: &str, runtime: Runtime) -> Option<BuildFacts> {
    let key = p.key("build");
    let rel = relative_folder(ck, key.clone(), folder, true)?;
    let dir = ck.source.dir.join(&rel);
    let has = |f: &str| dir.join(f).is_file();
    let detected = if has("Dockerfile") {
        Some(Runtime::Dockerfile)
    } else if has("pyproject.toml") || has("requirements.txt") {
        Some(Runtime::Python)
    } else if has("package.json") {
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
            if !has("pyproject.toml") && !has("requirements.txt") {
                ck.err(
                    p.key("runtime"),
                    format!("runtime python needs `{folder}/pyproject.toml` or `{folder}/requirements.txt`"),
                )
                .help = Some("python servers are built with uv: `uv init` makes a pyproject.toml, `uv lock` pins it".into());
            }
            Runtime::Python
        }
        Runtime::Node => {
            if !has("package.json") {
                ck.err(
                    p.key("runtime"),
                    format!("runtime node needs `{folder}/package.json`"),
                );
            }
            Runtime::Node
        }
        Runtime::Dockerfile => {
            if !has("Dockerfile") {
                ck.err(p.key("runtime"), format!("`{folder}` has no Dockerfile"));
            }
            Runtime::Dockerfile
        }
    };
    let (facts, findings) = super::build_facts::gather(&ck.source.dir, &rel, resolved);
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
fn relative_folder(ck: &mut Check, key: KeyPath, folder: &str, must_exist: bool) -> Option<String> {
    let path = Path::new(folder);
    if !is_file_path(folder) {
        ck.err(
            key,
            format!("`{folder}` has characters that are not allowed in a path"),
        )
        .help = Some(PATH_HELP.into());
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
        let full = ck.source.dir.join(&rel);
        if !full.is_dir() {
            ck.err(key, format!("folder `{folder}` does not exist"))
                .help = Some(format!("paths are relative to {}", ck.source.file_name()));
            return None;
        }
        // A symlink may still lead outside the project.
        if let (Ok(real), Ok(root)) = (full.canonicalize(), ck.source.dir.canonicalize()) {
            if !real.starts_with(&root) {
                ck.err(
                    key,
                    format!("`{folder}` leads outside the project through a link"),
                );
                return None;
            }
        }
    }
    Some(rel)
}

fn relative_file(ck: &mut Check, key: KeyPath, file: &str) {
    let path = Path::new(file);
    if !is_file_path(file)
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

fn command(ck: &mut Check, p: &KeyPath, cmd: Option<&Vec<String>>) {
    if let Some(cmd) = cmd {
        if cmd.is_empty() {
            ck.err(p.key("command"), "command is empty");
        }
        for (i, arg) in cmd.iter().enumerate() {
            if arg.contains('\0') {
                ck.err(
                    p.key("command").index(i),
                    "an argument contains a NUL character",
                );
            }
        }
    }
}

fn env_and_secrets(
    ck: &mut Check,
    p: &KeyPath,
    env: &BTreeMap<String, Scalar>,
    secrets: &[String],
) {
    for k in env.keys() {
        env_name(ck, p.key("env").key(k), k);
    }
    let mut seen = BTreeSet::new();
    for (i, s) in secrets.iter().enumerate() {
        let key = p.key("secrets").index(i);
        env_name(ck, key.clone(), s);
        if env.contains_key(s) {
            ck.err(key.clone(), format!("`{s}` is both in env and in secrets"))
                .help = Some(
                "a secret's value comes from the environment at run time; remove it from env"
                    .into(),
            );
        }
        if !seen.insert(s) {
            ck.err(key, format!("`{s}` is listed twice"));
        }
    }
}

fn env_name(ck: &mut Check, key: KeyPath, name: &str) {
    if !is_env_name(name) {
        ck.err(key, format!("`{name}` is not a valid variable name"))
            .help =
            Some("use letters, digits and `_`, not starting with a digit, e.g. `API_TOKEN`".into());
    }
}

fn port(ck: &mut Check, key: KeyPath, n: i64) {
    if !(1..=65535).contains(&n) {
        ck.err(key, format!("port {n} is out of range")).help = Some("ports are 1 to 65535".into());
    }
}

fn resources(ck: &mut Check, p: &KeyPath, r: Option<&Resources>) {
    let Some(r) = r else { return };
    if let Some(cpus) = &r.cpus {
        let ok = cpus
            .to_string()
            .parse::<f64>()
            .is_ok_and(|v| v > 0.0 && v <= 1024.0);
        if !ok {
            ck.err(
                p.key("resources").key("cpus"),
                format!("`{cpus}` is not a CPU count"),
            )
            .help = Some("use a positive number such as \"0.5\" or \"2\"".into());
        }
    }
    if let Some(m) = &r.memory {
        if crate::model::parse_bytes(m).is_none() {
            ck.err(
                p.key("resources").key("memory"),
                format!("`{m}` is not a memory size"),
            )
            .help = Some("use a number with b, k, m or g, e.g. `512M`".into());
        }
    }
}

fn dev(ck: &mut Check, p: &KeyPath, d: &Dev) {
    if let Some(n) = d.port {
        port(ck, p.key("dev").key("port"), n);
    }
}

fn hardening(
    ck: &mut Check,
    p: &KeyPath,
    cap_add: &[String],
    tmpfs: &[String],
    user: Option<&str>,
) {
    for (i, c) in cap_add.iter().enumerate() {
        let ok = !c.is_empty() && c.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_');
        if !ok {
            ck.err(
                p.key("cap_add").index(i),
                format!("`{c}` is not a capability name"),
            )
            .help = Some("e.g. `NET_BIND_SERVICE` (without the CAP_ prefix)".into());
        }
    }
    for (i, t) in tmpfs.iter().enumerate() {
        if !t.starts_with('/') || !is_file_path(t) {
            ck.err(
                p.key("tmpfs").index(i),
                format!("`{t}` is not an absolute path"),
            );
        }
    }
    if let Some(u) = user {
        let ok = u.split(':').count() <= 2
            && u.split(':').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            });
        if !ok {
            ck.err(p.key("user"), format!("`{u}` is not a user")).help =
                Some("use `uid`, `uid:gid` or a user name".into());
        }
    }
}

fn volume(ck: &mut Check, key: KeyPath, v: &str) {
    let parts: Vec<&str> = v.split(':').collect();
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
    if !target.starts_with('/') || !is_file_path(target) {
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

fn relative_folder_or_file(ck: &mut Check, key: KeyPath, src: &str) {
    let path = Path::new(src);
    if !is_file_path(src) || path.components().any(|c| matches!(c, PathPart::ParentDir)) {
        ck.err(key, format!("`{src}` must stay inside the project"));
    } else if !ck.source.dir.join(path).exists() {
        ck.err(key, format!("`{src}` does not exist")).help =
            Some(format!("paths are relative to {}", ck.source.file_name()));
    }
}

/// Unknown names and cycles in `depends_on`.
fn dependencies(ck: &mut Check, c: &Config) {
    let mut graph: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let all: Vec<(&str, &str, &Vec<String>)> = c
        .servers
        .iter()
        .map(|(n, s)| ("servers", n.as_str(), &s.depends_on))
        .chain(
            c.services
                .iter()
                .map(|(n, s)| ("services", n.as_str(), &s.depends_on)),
        )
        .collect();
    for (section, name, deps) in &all {
        for (i, d) in deps.iter().enumerate() {
            let key = KeyPath::of(&[section, name, "depends_on"]).index(i);
            if d == name {
                ck.err(key, format!("`{name}` depends on itself"));
            } else if !c.servers.contains_key(d) && !c.services.contains_key(d) {
                let names: Vec<String> =
                    c.servers.keys().chain(c.services.keys()).cloned().collect();
                let help = match super::schema::closest(d, &names) {
                    Some(n) => format!("did you mean `{n}`?"),
                    None => format!("known servers and services: {}", names.join(", ")),
                };
                ck.err(key, format!("`{d}` is not a server or service"))
                    .help = Some(help);
            } else {
                graph.entry(name).or_default().push(d.as_str());
            }
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        let first = cycle[0];
        let section = if c.servers.contains_key(first) {
            "servers"
        } else {
            "services"
        };
        ck.err(
            KeyPath::of(&[section, first, "depends_on"]),
            format!("depends_on forms a cycle: {}", cycle.join(" → ")),
        )
        .help = Some(
            "containers start in dependency order, so one of these must not depend on the next"
                .into(),
        );
    }
}

fn find_cycle<'a>(graph: &BTreeMap<&'a str, Vec<&'a str>>) -> Option<Vec<&'a str>> {
    fn visit<'a>(
        n: &'a str,
        graph: &BTreeMap<&'a str, Vec<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<&'a str>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let start = stack.iter().position(|s| *s == n).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(n);
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(n, 1);
        stack.push(n);
        for d in graph.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, graph, state, stack) {
                return Some(c);
            }
        }
        stack.pop();
        state.insert(n, 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in graph.keys() {
        if let Some(c) = visit(n, graph, &mut state, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

/// The dev profile adds `<name>-dev` containers; they must not clash with real names.
fn dev_names(ck: &mut Check, c: &Config) {
    let names: BTreeSet<&String> = c.servers.keys().chain(c.services.keys()).collect();
    for (section, map_names) in [
        ("servers", c.servers.keys().collect::<Vec<_>>()),
        ("services", c.services.keys().collect()),
    ] {
        for n in map_names {
            if let Some(base) = n.strip_suffix("-dev") {
                if names.iter().any(|m| m.as_str() == base) {
                    ck.err(
                        KeyPath::of(&[section, n]),
                        format!("`{n}` clashes with the dev profile's copy of `{base}`"),
                    )
                    .help =
                        Some("names ending in -dev are used by the dev profile; rename it".into());
                }
            }
        }
    }
}

fn monitoring(ck: &mut Check, c: &Config) {
    let m = &c.monitoring;
    let p = KeyPath::of(&["monitoring"]);
    port(ck, p.key("prometheus").key("port"), m.prometheus.port);
    port(ck, p.key("grafana").key("port"), m.grafana.port);
    let r = &m.prometheus.retention;
    let ok = r.len() > 1
        && r[..r.len() - 1].chars().all(|c| c.is_ascii_digit())
        && matches!(r.chars().last(), Some('s' | 'm' | 'h' | 'd' | 'w' | 'y'));
    if !ok {
        ck.err(
            p.key("prometheus").key("retention"),
            format!("`{r}` is not a retention time"),
        )
        .help = Some("use a number and a unit from s, m, h, d, w, y, e.g. `15d`".into());
    }
    env_name(
        ck,
        p.key("grafana").key("admin_password_env"),
        &m.grafana.admin_password_env,
    );
    if let Some(cf) = c.tunnel.as_ref().and_then(|t| t.cloudflare.as_ref()) {
        env_name(
            ck,
            KeyPath::of(&["tunnel", "cloudflare", "token_env"]),
            &cf.token_env,
        );
    }
}

fn images(ck: &mut Check, i: &Images) {
    let p = KeyPath::of(&["images"]);
    let refs = [
        ("python", &i.python),
        ("uv", &i.uv),
        ("node", &i.node),
        ("nginx", &i.nginx),
        ("prometheus", &i.prometheus),
        ("grafana", &i.grafana),
        ("blackbox_exporter", &i.blackbox_exporter),
        ("nginx_exporter", &i.nginx_exporter),
        ("cadvisor", &i.cadvisor),
        ("certbot", &i.certbot),
        ("cloudflared", &i.cloudflared),
    ];
    for (k, v) in refs {
        if !is_image(v) {
            ck.err(p.key(k), format!("`{v}` is not an image reference"))
                .help =
                Some("e.g. `python:3.12-slim` or `registry.example.com/team/python:3.12`".into());
        }
    }
    let pkg = |s: &str, sep: &str| {
        let (name, version) = s.split_once(sep).unwrap_or((s, ""));
        let name_ok = !name.is_empty()
            && name
                .trim_start_matches('@')
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
        name_ok
            && version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".+-".contains(c))
    };
    if !pkg(&i.mcp_proxy, "==") {
        ck.err(
            p.key("mcp_proxy"),
            format!(
                "`{}` is not a package spec like `mcp-proxy==0.13.0`",
                i.mcp_proxy
            ),
        );
    }
    let node_spec = i
        .supergateway
        .strip_prefix('@')
        .map(|s| format!("@{s}"))
        .unwrap_or(i.supergateway.clone());
    let at = node_spec[1..].find('@').map(|x| x + 1);
    let ok = match at {
        Some(x) => pkg(
            &format!("{}=={}", &node_spec[..x], &node_spec[x + 1..]),
            "==",
        ),
        None => pkg(&node_spec, "=="),
    };
    if !ok {
        ck.err(
            p.key("supergateway"),
            format!(
                "`{}` is not a package spec like `supergateway@4.0.0`",
                i.supergateway
            ),
        );
    }
}

fn is_private_name(n: &str) -> bool {
    let n = n.to_ascii_lowercase();
    n.parse::<std::net::IpAddr>().is_ok()
        || n == "localhost"
        || n.ends_with(".local")
        || n.ends_with(".localhost")
        || !n.contains('.')
}

const DNS_HELP: &str =
    "use lowercase letters, digits and `-`, at most 63, not starting or ending with `-`";
const PATH_HELP: &str = "use letters, digits and `-._~/` only";

pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

pub fn is_host(s: &str) -> bool {
    if s.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

pub fn is_env_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_url_path(s: &str) -> bool {
    !s.contains("//")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~/".contains(c))
}

fn is_file_path(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~/@+".contains(c))
}

fn is_volume_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

fn is_size(s: &str) -> bool {
    let digits = s.trim_end_matches(['k', 'K', 'm', 'M', 'g', 'G']);
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) && s.len() - digits.len() <= 1
}

fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((user, host)) => {
            !user.is_empty()
                && user
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c))
                && host.contains('.')
                && is_host(host)
        }
        None => false,
    }
}

fn is_origin(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    if scheme != "http" && scheme != "https" {
        return false;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => (h, Some(p)),
        _ => (rest, None),
    };
    let host_ok = is_host(host)
        || (host.starts_with('[')
            && host.ends_with(']')
            && host[1..host.len() - 1]
                .parse::<std::net::Ipv6Addr>()
                .is_ok());
    host_ok && port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0))
}

/// `[registry[:port]/]repo[:tag][@digest]`, lowercase repository, no spaces or quotes.
pub fn is_image(s: &str) -> bool {
    let (name, digest) = match s.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        let ok = d.split_once(':').is_some_and(|(alg, hex)| {
            !alg.is_empty() && hex.len() >= 32 && hex.chars().all(|c| c.is_ascii_hexdigit())
        });
        if !ok {
            return false;
        }
    }
    let last_slash = name.rfind('/').map(|i| i + 1).unwrap_or(0);
    let (repo, tag) = match name[last_slash..].rsplit_once(':') {
        Some((_, t)) => (&name[..name.len() - t.len() - 1], Some(t)),
        None => (name, None),
    };
    if let Some(t) = tag {
        if t.is_empty()
            || t.len() > 128
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        {
            return false;
        }
    }
    let mut parts = repo.split('/').peekable();
    let mut first = true;
    while let Some(part) = parts.next() {
        let is_registry = first
            && parts.peek().is_some()
            && (part.contains('.') || part.contains(':') || part == "localhost");
        first = false;
        let ok = if is_registry {
            let (h, p) = part.split_once(':').unwrap_or((part, "0"));
            is_host(h) && p.parse::<u16>().is_ok()
        } else {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
                && part.starts_with(|c: char| c.is_ascii_alphanumeric())
        };
        if !ok {
            return false;
        }
    }
    !repo.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        for ok in [
            "python:3.12-slim",
            "ghcr.io/astral-sh/uv:0.9",
            "local/nginx",
            "localhost:5000/a/b:1",
            "mcp/time:latest",
        ] {
            assert!(is_image(ok), "{ok}");
        }
        for bad in ["Python:3", "a b", "x:\"y", "x;y", "", "a/:1", "x:{y}"] {
            assert!(!is_image(bad), "{bad}");
        }
    }

    #[test]
    fn names() {
        assert!(is_dns_label("main-1"));
        assert!(!is_dns_label("Main"));
        assert!(!is_dns_label("-a"));
        assert!(is_host("mcp.local"));
        assert!(!is_host("mcp.local;"));
        assert!(is_env_name("_A1"));
        assert!(!is_env_name("1A"));
        assert!(is_origin("https://app.example.com"));
        assert!(is_origin("http://localhost:5173"));
        assert!(!is_origin("app.example.com"));
        assert!(is_size("10m") && is_size("512") && !is_size("10mb"));
    }
}
