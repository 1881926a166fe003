//! Reading certificates back: what a fullchain.pem says and whether it
//! really chains to the local CA.

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use super::ca::LocalCa;
use super::error::{CertError, Result};
use super::files;
use super::keys;
use super::sans::SanName;
use super::x509::{fmt_utc, hex, signed_by};

/// What a certificate file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CertInfo {
    pub path: PathBuf,
    pub subject: String,
    pub issuer: String,
    /// DNS and IP subject alternative names of the first certificate.
    pub sans: Vec<SanName>,
    /// Any other kinds of SAN (URI, e-mail, ...), as text.
    pub other_sans: Vec<String>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Whole days until `not_after`; negative once expired.
    pub days_left: i64,
    /// Serial number, hex.
    pub serial: String,
    /// "ECDSA P-256", "RSA 2048", ...
    pub key_algorithm: String,
    pub is_ca: bool,
    /// Number of certificates in the file.
    pub chain_len: usize,
    /// The first certificate's signature verifies with the local CA's key
    /// (and its issuer name is the CA's subject).
    pub chains_to_local_ca: bool,
    /// SHA-256 of the first certificate, hex.
    pub sha256: String,
}

impl CertInfo {
    pub fn is_expired(&self) -> bool {
        self.days_left < 0
    }
}

/// Reads the first certificate of a PEM file (a fullchain.pem, a CA
/// certificate, a manual certificate) and describes it.
pub fn inspect(fullchain: &Path, ca: Option<&LocalCa>, now: OffsetDateTime) -> Result<CertInfo> {
    let chain = files::read_cert_chain(fullchain)?;
    let x509 = parse(fullchain, &chain[0])?;
    let (sans, other_sans) = sans_of(&x509);
    let not_before = x509.validity().not_before.to_datetime();
    let not_after = x509.validity().not_after.to_datetime();
    let chains_to_local_ca = match ca {
        Some(ca) => {
            let ca_x509 = parse(&ca.cert_path(), ca.cert_der())?;
            signed_by(&x509, &ca_x509)
        }
        None => false,
    };
    Ok(CertInfo {
        path: fullchain.to_path_buf(),
        subject: x509.subject().to_string(),
        issuer: x509.issuer().to_string(),
        sans,
        other_sans,
        not_before,
        not_after,
        days_left: (not_after - now).whole_days(),
        serial: hex(x509.raw_serial()),
        key_algorithm: keys::describe(x509.public_key()),
        is_ca: matches!(x509.basic_constraints(), Ok(Some(bc)) if bc.value.ca),
        chain_len: chain.len(),
        chains_to_local_ca,
        sha256: hex(ring::digest::digest(&ring::digest::SHA256, &chain[0]).as_ref()),
    })
}

impl fmt::Display for CertInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self
            .sans
            .iter()
            .map(ToString::to_string)
            .chain(self.other_sans.iter().cloned())
            .collect();
        let left = match self.days_left {
            d if d < 0 => format!("EXPIRED {} days ago", -d),
            1 => "1 day left".to_string(),
            d => format!("{d} days left"),
        };
        writeln!(f, "certificate: {}", self.path.display())?;
        writeln!(f, "subject:     {}", self.subject)?;
        if names.is_empty() {
            writeln!(f, "names:       (none: clients will reject it)")?;
        } else {
            writeln!(f, "names:       {}", names.join(", "))?;
        }
        writeln!(f, "issuer:      {}", self.issuer)?;
        writeln!(
            f,
            "valid:       {} to {} ({left})",
            fmt_utc(self.not_before),
            fmt_utc(self.not_after)
        )?;
        writeln!(f, "key:         {}", self.key_algorithm)?;
        writeln!(f, "serial:      {}", self.serial)?;
        writeln!(f, "sha256:      {}", self.sha256)?;
        writeln!(f, "chain:       {} certificate(s)", self.chain_len)?;
        write!(
            f,
            "local CA:    {}",
            if self.chains_to_local_ca {
                "yes (signature verified)"
            } else {
                "no"
            }
        )
    }
}

pub(super) fn parse<'a>(path: &Path, der: &'a [u8]) -> Result<X509Certificate<'a>> {
    let (_, x509) = X509Certificate::from_der(der)
        .map_err(|e| CertError::bad_cert(path, format!("cannot parse: {e}")))?;
    Ok(x509)
}

/// The DNS/IP SANs (DNS lower-cased) and the others as text.
pub(super) fn sans_of(x509: &X509Certificate<'_>) -> (Vec<SanName>, Vec<String>) {
    let mut sans = Vec::new();
    let mut other = Vec::new();
    if let Ok(Some(ext)) = x509.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(d) => sans.push(SanName::Dns(d.to_ascii_lowercase())),
                GeneralName::IPAddress(bytes) => match ip_from_bytes(bytes) {
                    Some(ip) => sans.push(SanName::Ip(ip)),
                    None => other.push(format!("IP:<{} bytes>", bytes.len())),
                },
                GeneralName::URI(u) => other.push(format!("URI:{u}")),
                GeneralName::RFC822Name(e) => other.push(format!("email:{e}")),
                other_kind => other.push(format!("{other_kind:?}")),
            }
        }
    }
    (sans, other)
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes).ok().map(IpAddr::from),
        16 => <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from),
        _ => None,
    }
}
