//! The one error type of the certificates module.

use std::io;
use std::path::{Path, PathBuf};

/// Result alias used throughout the certificates module.
pub type Result<T, E = CertError> = std::result::Result<T, E>;

/// Everything that can go wrong while making, loading, checking or
/// installing certificates. Variants that concern a file carry its path.
#[derive(Debug, thiserror::Error)]
pub enum CertError {
    #[error("cannot find a place for the local CA: none of --caroot, MCPSTACK_CAROOT, XDG_DATA_HOME or HOME is set")]
    NoCaRoot,

    #[error("{}: file not found", path.display())]
    NotFound { path: PathBuf },

    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{}: not a usable PEM certificate: {reason}", path.display())]
    BadCert { path: PathBuf, reason: String },

    #[error("{}: not a usable private key: {reason}", path.display())]
    BadKey { path: PathBuf, reason: String },

    #[error("{}: not a CA certificate mcpstack can sign with: {reason}", path.display())]
    NotCa { path: PathBuf, reason: String },

    #[error("{}: the CA certificate expired on {not_after}", path.display())]
    CaExpired { path: PathBuf, not_after: String },

    #[error("local CA in {} is incomplete: {} exists but {} is missing", dir.display(), present.display(), missing.display())]
    CaIncomplete {
        dir: PathBuf,
        present: PathBuf,
        missing: PathBuf,
    },

    #[error("{}: private key does not match the certificate in {}", key.display(), cert.display())]
    KeyMismatch { cert: PathBuf, key: PathBuf },

    #[error("{}: the private key in {} belongs to certificate #{position} of the chain, but the server certificate must come first", cert.display(), key.display())]
    ChainOrder {
        cert: PathBuf,
        key: PathBuf,
        position: usize,
    },

    #[error("{}: certificate does not cover {domain:?} (it covers: {covered})", path.display())]
    NameNotCovered {
        path: PathBuf,
        domain: String,
        covered: String,
    },

    #[error("no certificate names given")]
    NoNames,

    #[error("invalid certificate name {name:?}: {reason}")]
    InvalidName { name: String, reason: String },

    #[error("key generation failed: {0}")]
    KeyGen(String),

    #[error("certificate signing failed: {0}")]
    Sign(String),
}

impl CertError {
    /// A hint for the user on how to get out of this error, where one helps.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            CertError::NoCaRoot => {
                "pass --caroot DIR or set MCPSTACK_CAROOT to choose where the local CA lives".into()
            }
            CertError::NotFound { .. } => "check the path in mcp-stack.yaml".into(),
            CertError::Read { source, .. } | CertError::Write { source, .. }
                if source.kind() == io::ErrorKind::PermissionDenied =>
            {
                "check the file's owner and permissions".into()
            }
            CertError::Read { .. } | CertError::Write { .. } => return None,
            CertError::BadCert { .. } => {
                "expected a PEM file with one or more '-----BEGIN CERTIFICATE-----' blocks, server certificate first".into()
            }
            CertError::BadKey { .. } => {
                "expected an unencrypted PEM private key (PKCS#8 'PRIVATE KEY', 'RSA PRIVATE KEY' or 'EC PRIVATE KEY'); convert with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8".into()
            }
            CertError::NotCa { path, .. } | CertError::CaExpired { path, .. } => format!(
                "this is not (or no longer) a usable mcpstack CA; move {} away to have a new CA created, and run the uninstall command for the old one",
                parent_or_self(path).display()
            ),
            CertError::CaIncomplete { dir, .. } => format!(
                "restore the missing file, or move {} away to have a new CA created",
                dir.display()
            ),
            CertError::KeyMismatch { .. } => {
                "the certificate and key files are from different certificates; check both paths".into()
            }
            CertError::ChainOrder { .. } => {
                "put the server certificate first in the file, followed by its intermediates".into()
            }
            CertError::NameNotCovered { .. } => {
                "use a certificate issued for this name (a wildcard *.example.com covers exactly one extra label)".into()
            }
            CertError::NoNames => "give at least one host name or IP address".into(),
            CertError::InvalidName { .. } => {
                "names are host names (letters, digits, '-', '.'), a wildcard '*.' followed by a name with at least two labels, or IPv4/IPv6 addresses".into()
            }
            CertError::KeyGen(_) | CertError::Sign(_) => return None,
        })
    }

    pub(super) fn read(path: &Path, source: io::Error) -> CertError {
        if source.kind() == io::ErrorKind::NotFound {
            CertError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            CertError::Read {
                path: path.to_path_buf(),
                source,
            }
        }
    }

    pub(super) fn write(path: &Path, source: io::Error) -> CertError {
        CertError::Write {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(super) fn bad_cert(path: &Path, reason: impl Into<String>) -> CertError {
        CertError::BadCert {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    pub(super) fn bad_key(path: &Path, reason: impl Into<String>) -> CertError {
        CertError::BadKey {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    pub(super) fn invalid_name(name: &str, reason: impl Into<String>) -> CertError {
        CertError::InvalidName {
            name: name.to_string(),
            reason: reason.into(),
        }
    }
}

fn parent_or_self(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => path,
    }
}
