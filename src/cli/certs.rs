//! `mcpstack certs`: the local CA and the stack's leaf certificate.

use super::{Cli, Out};
use crate::certs::{self, LocalCa, CA_CERT_FILE};
use crate::error::Result;
use crate::pipeline::{ca_dir, CertOptions, Project};

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  mcpstack certs                 make the local CA (once) and this stack's certificate\n  mcpstack certs --renew         issue a new certificate now\n  mcpstack certs inspect         show the certificate and whether it chains to the local CA\n  mcpstack certs install         trust the local CA on this machine (system store needs sudo)\n  mcpstack certs ca-path         print the CA folder"
)]
pub struct Args {
    #[command(subcommand)]
    pub action: Option<Action>,
    /// Issue a new certificate even if the current one is still good
    #[arg(long)]
    pub renew: bool,
    /// Use RSA keys (3072-bit CA, 2048-bit leaf) instead of ECDSA P-256
    #[arg(long)]
    pub rsa: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum Action {
    /// Print the folder that holds the local CA
    CaPath,
    /// Show subject, names, issuer, expiry and whether the certificate chains to the local CA
    Inspect,
    /// Add the local CA to this machine's trust stores
    Install,
    /// Remove the local CA from this machine's trust stores
    Uninstall,
}

pub fn run(cli: &Cli, args: &Args, out: &Out) -> Result<i32> {
    let opts = CertOptions {
        caroot: cli.caroot.clone(),
        renew: args.renew,
        rsa: args.rsa,
    };
    match &args.action {
        None => {
            let project = super::load(cli, out)?;
            ensure(&project, &opts, out)?;
            Ok(0)
        }
        Some(Action::CaPath) => {
            super::say(&format!("{}\n", ca_dir(&opts)?.display()));
            Ok(0)
        }
        Some(Action::Inspect) => {
            let project = super::load(cli, out)?;
            let dir = ca_dir(&opts)?;
            let ca = LocalCa::load(&dir).ok();
            let info = certs::inspect(
                &project.certs_dir().join(certs::FULLCHAIN_FILE),
                ca.as_ref(),
                time::OffsetDateTime::now_utc(),
            )?;
            super::say(&format!("{info}\n"));
            Ok(0)
        }
        Some(Action::Install) | Some(Action::Uninstall) => {
            let dir = ca_dir(&opts)?;
            let cert = dir.join(CA_CERT_FILE);
            let report = if matches!(args.action, Some(Action::Install)) {
                LocalCa::load_or_create(&dir, certs::KeyKind::default())?;
                certs::install(&cert)?
            } else {
                certs::uninstall(&cert)?
            };
            super::say(&report.to_string());
            Ok(if report.is_ok() { 0 } else { 3 })
        }
    }
}

/// Ensures CA and leaf and says what happened.
pub fn ensure(project: &Project, opts: &CertOptions, out: &Out) -> Result<()> {
    let done = project.ensure_certs(opts)?;
    if done.ca_created {
        out.info(format!(
            "created the local CA in {} (trust it with `mcpstack certs install`)",
            done.ca_dir.display()
        ));
    }
    for w in &done.leaf.warnings {
        eprintln!("warning: {w}");
    }
    out.info(format!("certificate: {}", done.leaf));
    Ok(())
}
