//! The flow every command shares: load, validate, resolve, render.

use crate::config::{self, Config, Source};
use crate::error::{Diagnostic, Error, Result};
use crate::model::{self, Stack};
use crate::render::{self, File, Templates};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The folder of the output folder that holds the stack's certificate and key.
const CERTS_FOLDER: &str = "certs";

/// A loaded, validated and resolved project.
pub struct Project {
    pub config: Config,
    pub source: Source,
    pub stack: Stack,
    pub warnings: Vec<Diagnostic>,
}

impl Project {
    pub fn load(file: &Path) -> Result<Project> {
        let (config, source) = config::load(file)?;
        Self::from_parts(config, source)
    }

    pub fn from_parts(config: Config, source: Source) -> Result<Project> {
        let facts = config::validate(&config, &source)?;
        let stack = model::resolve(&config, &facts, &source);
        Ok(Project {
            config,
            source,
            stack,
            warnings: facts.warnings,
        })
    }

    /// The output folder on disk.
    pub fn output_dir(&self) -> PathBuf {
        self.source.dir.join(&self.stack.output)
    }

    /// Template overrides from the folder the config names (the only I/O of rendering).
    pub fn templates(&self) -> Result<Templates> {
        let mut overrides = BTreeMap::new();
        if let Some(folder) = &self.config.templates {
            let dir = self.source.dir.join(folder);
            for name in Templates::names() {
                let path = dir.join(format!("{name}.j2"));
                match std::fs::read_to_string(&path) {
                    Ok(text) => {
                        overrides.insert(name.to_string(), text);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(Error::io(path, e)),
                }
            }
        }
        Ok(Templates::with_overrides(overrides))
    }

    pub fn render(&self) -> Result<Vec<File>> {
        Ok(render::render(&self.stack, &self.templates()?)?)
    }

    /// The files of one target (`render --target`).
    pub fn render_target(&self, target: render::Target) -> Result<Vec<File>> {
        Ok(render::render_target(
            &self.stack,
            &self.templates()?,
            target,
        )?)
    }

    /// One target's files, part by part, each handed to `each` as soon as it is made (see
    /// `render::render_each`): `render` writes them while the rest is rendered.
    pub fn render_into(
        &self,
        target: render::Target,
        each: &(dyn Fn(Vec<File>) -> Result<()> + Sync),
    ) -> Result<()> {
        render::render_target_each(&self.stack, &self.templates()?, target, each).map(drop)
    }

    /// Warnings formatted for the terminal.
    pub fn warning_text(&self) -> Vec<String> {
        let name = self.source.file.display().to_string();
        self.warnings
            .iter()
            .map(|w| w.render("warning", &name, &self.source.text))
            .collect()
    }
}

/// `mcp-stack.yaml` in `start` or the nearest parent folder that has one.
pub fn find_config(start: &Path) -> Option<PathBuf> {
    let mut dir = Some(start);
    while let Some(d) = dir {
        let candidate = d.join("mcp-stack.yaml");
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// Options for making certificates.
#[derive(Debug, Clone, Default)]
pub struct CertOptions {
    /// `--caroot`; else MCPSTACK_CAROOT, XDG_DATA_HOME or HOME.
    pub caroot: Option<PathBuf>,
    pub renew: bool,
    pub rsa: bool,
}

/// What `ensure_certs` did.
pub struct CertsDone {
    pub ca_dir: PathBuf,
    pub ca_created: bool,
    pub leaf: crate::certs::LeafOutcome,
}

impl Project {
    /// Where the gateway's local certificate lives (git-ignored).
    pub fn certs_dir(&self) -> PathBuf {
        self.output_dir().join(CERTS_FOLDER)
    }

    /// The names on the local leaf: the domain and every alias.
    pub fn cert_names(&self) -> Vec<String> {
        let mut names = vec![self.stack.domain.clone()];
        names.extend(self.stack.aliases.iter().cloned());
        names
    }

    /// The leaf's key goes below the output folder: refuses a link on the way there.
    pub fn refuse_cert_links(&self) -> Result<()> {
        for file in [crate::certs::PRIVKEY_FILE, crate::certs::FULLCHAIN_FILE] {
            crate::output::refuse_links(&self.output_dir(), &format!("certs/{file}"))?;
        }
        Ok(())
    }

    /// Ensures the user's local CA and this stack's leaf (used by the dev profile in every TLS
    /// mode, and by production in `local` mode). `render`, `certs` and `up` share this.
    pub fn ensure_certs(&self, opts: &CertOptions) -> Result<CertsDone> {
        use crate::certs::{caroot, plan_leaf, Env, KeyAhead, KeyKind, LeafPlan, LocalCa};
        let kind = if opts.rsa {
            KeyKind::Rsa
        } else {
            KeyKind::Ecdsa
        };
        self.refuse_cert_links()?;
        // The environment (user, host) and the clock are read once for the CA and the leaf.
        let env = Env::from_process();
        let now = time::OffsetDateTime::now_utc();
        let ca_dir = caroot(opts.caroot.as_deref(), &env)?;
        // A new CA means a new leaf too: with RSA, its key is made on another core meanwhile.
        let ahead =
            (kind == KeyKind::Rsa && LocalCa::absent(&ca_dir)).then(|| KeyAhead::leaf(kind));
        let (ca, ca_created) = LocalCa::load_or_create_with(&ca_dir, kind, &env, now)?;
        let plan = plan_leaf(
            &ca,
            &self.certs_dir(),
            &self.cert_names(),
            kind,
            opts.renew,
            now,
            ahead,
        )?;
        let leaf = match plan {
            LeafPlan::Kept(outcome) => outcome,
            // Written by the output writer, through folder handles: key first, then chain.
            LeafPlan::Issue(new) => {
                use crate::certs::{CERT_MODE, FULLCHAIN_FILE, KEY_MODE, PRIVKEY_FILE};
                crate::output::write_private(
                    &self.output_dir(),
                    CERTS_FOLDER,
                    &[
                        (PRIVKEY_FILE, new.key_pem.as_bytes(), KEY_MODE),
                        (FULLCHAIN_FILE, new.chain_pem.as_bytes(), CERT_MODE),
                    ],
                )?;
                new.outcome
            }
        };
        Ok(CertsDone {
            ca_dir,
            ca_created,
            leaf,
        })
    }
}

/// The CA folder the options point at, without creating anything.
pub fn ca_dir(opts: &CertOptions) -> Result<PathBuf> {
    Ok(crate::certs::caroot(
        opts.caroot.as_deref(),
        &crate::certs::Env::from_process(),
    )?)
}
