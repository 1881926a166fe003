//! Semantic rules: everything the types alone cannot say. Each problem names its key path.
//! File system facts the model needs (runtime, layout) are gathered here once.

use super::load::Source;
use super::location::KeyPath;
use super::types::*;
use crate::error::{Diagnostic, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component as PathPart, Path};

mod fields;
mod gateway;
mod graph;
mod images;
mod monitoring;
mod names;
mod package;
mod paths;
mod registry;
mod server;
mod servers;
mod socket;
mod syntax;

pub use fields::secret_looking;
use fields::*;
use gateway::*;
use graph::*;
use images::*;
use monitoring::*;
use names::*;
use package::*;
use paths::*;
use registry::*;
use server::*;
pub use socket::is_socket_path;
use socket::*;
pub use syntax::*;

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
    // The Kubernetes render's LoadBalancer Service.
    "gateway-public",
];

/// What the file system says about one `build` folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildFacts {
    /// The folder relative to the config file, with `/` separators.
    pub folder: String,
    pub runtime: Runtime,
    /// Python package below `src/` (affects the dev source mount).
    pub src_layout: bool,
    pub python: Option<crate::config::build_facts::PythonFacts>,
    pub node: Option<crate::config::build_facts::NodeFacts>,
    /// The folder's own Dockerfile (runtime dockerfile).
    pub dockerfile: Option<crate::config::dockerfile::DockerfileFacts>,
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
    /// What the file system said about each folder, read once however many servers share it.
    folders: paths::Folders,
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
    validate_with(c, source, servers::SPLIT_FROM)
}

/// `validate`, with the servers checked on two threads from `split_from` servers.
fn validate_with(c: &Config, source: &Source, split_from: usize) -> Result<Facts> {
    let mut ck = Check {
        source,
        errors: Vec::new(),
        facts: Facts::default(),
        folders: paths::Folders::default(),
    };
    top_level(&mut ck, c);
    gateway(&mut ck, &c.gateway, &c.domain);
    servers::all(&mut ck, c, split_from);
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
    replica_names(&mut ck, c);
    headless_names(&mut ck, c);
    base_names(&mut ck, c);
    monitoring(&mut ck, c);
    images(&mut ck, &c.images);
    packages(&mut ck, c);
    if let Some(r) = &c.registry {
        registry(&mut ck, r);
    }
    if c.gateway.nginx_version.is_none()
        && crate::units::nginx_version_of_image(&c.images.nginx).is_none()
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
