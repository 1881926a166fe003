//! Checks for certificates the user brings (tls: manual).

use std::path::Path;

use super::error::{CertError, Result};
use super::files;
use super::inspect::{parse, sans_of};
use super::keys;
use super::sans::{self, SanName};

/// Checks a user-supplied certificate chain and key before they are handed
/// to nginx: both files exist and parse, the key belongs to the first
/// certificate, and that certificate covers `domain` (exactly, or through a
/// `*.` wildcard that stands for one leftmost label). Every error names the
/// file at fault.
pub fn check_manual(cert_path: &Path, key_path: &Path, domain: &str) -> Result<()> {
    sans::parse_name(domain)?;
    let chain = files::read_cert_chain(cert_path)?;
    let parsed = chain
        .iter()
        .enumerate()
        .map(|(i, der)| {
            parse(cert_path, der).map_err(|_| {
                CertError::bad_cert(
                    cert_path,
                    format!("certificate #{} cannot be parsed", i + 1),
                )
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let key = keys::load_private_key(key_path)?;

    let leaf = &parsed[0];
    if !keys::key_matches(&key, leaf.public_key()) {
        if let Some(i) = parsed
            .iter()
            .position(|c| keys::key_matches(&key, c.public_key()))
        {
            return Err(CertError::ChainOrder {
                cert: cert_path.to_path_buf(),
                key: key_path.to_path_buf(),
                position: i + 1,
            });
        }
        return Err(CertError::KeyMismatch {
            cert: cert_path.to_path_buf(),
            key: key_path.to_path_buf(),
        });
    }

    let (names, _) = sans_of(leaf);
    if !sans::covers(&names, domain) {
        let covered = if names.is_empty() {
            "no DNS or IP subjectAltName; clients ignore the subject CN".to_string()
        } else {
            names
                .iter()
                .map(SanName::name)
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(CertError::NameNotCovered {
            path: cert_path.to_path_buf(),
            domain: domain.to_string(),
            covered,
        });
    }
    Ok(())
}
