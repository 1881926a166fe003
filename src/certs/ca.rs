//! The local development CA: where it lives, creating it once, loading it.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use time::{Duration, OffsetDateTime};
use x509_parser::prelude::{FromDer, X509Certificate};

use super::error::{CertError, Result};
use super::files::{self, CERT_MODE, KEY_MODE};
use super::keys::{self, KeyKind, CA_RSA_BITS};
use super::x509::{fmt_utc, hex, signed_by};

/// Environment variable naming the CA directory.
pub const CAROOT_ENV: &str = "MCPSTACK_CAROOT";
/// File name of the CA certificate inside the CA directory.
pub const CA_CERT_FILE: &str = "rootCA.pem";
/// File name of the CA private key inside the CA directory.
pub const CA_KEY_FILE: &str = "rootCA-key.pem";
/// Organisation of the CA subject.
pub const CA_ORGANIZATION: &str = "mcpstack development CA";
/// How far certificates are back-dated, for clocks that are a little off.
pub const CLOCK_SKEW: Duration = Duration::hours(1);
/// Lifetime of the CA.
pub const CA_YEARS: i32 = 10;

/// The few environment values this module reads, captured once so that
/// tests never touch the process environment.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Env {
    vars: HashMap<String, String>,
    hostname: Option<String>,
    account: Option<String>,
}

impl Env {
    /// An empty environment (for tests): add values with [`Env::with_var`].
    pub fn new() -> Env {
        Env::default()
    }

    /// The process environment, plus the host name from `/etc/hostname`
    /// and, when USER and LOGNAME are unset (containers, CI), the account
    /// name of our uid from `/etc/passwd`.
    pub fn from_process() -> Env {
        let vars = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let hostname = std::fs::read_to_string("/etc/hostname")
            .ok()
            .and_then(|s| s.lines().next().map(|l| l.trim().to_string()))
            .filter(|s| !s.is_empty());
        let mut env = Env {
            vars,
            hostname,
            account: None,
        };
        if env.var("USER").is_none() && env.var("LOGNAME").is_none() {
            env.account = account_from_passwd();
        }
        env
    }

    pub fn with_var(mut self, key: &str, value: &str) -> Env {
        self.vars.insert(key.to_string(), value.to_string());
        self
    }

    /// The account name used when USER and LOGNAME are unset.
    pub fn with_account(mut self, account: &str) -> Env {
        self.account = Some(account.to_string());
        self
    }

    pub fn with_hostname(mut self, hostname: &str) -> Env {
        self.hostname = Some(hostname.to_string());
        self
    }

    /// A variable's value; set-but-empty counts as unset.
    pub fn var(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// `user@host`, for the CA subject: user from USER or LOGNAME, host from
    /// `/etc/hostname` or HOSTNAME, each falling back to "unknown".
    pub fn identity(&self) -> String {
        let user = self
            .var("USER")
            .or_else(|| self.var("LOGNAME"))
            .or(self.account.as_deref())
            .unwrap_or("unknown");
        let host = self
            .hostname
            .as_deref()
            .or_else(|| self.var("HOSTNAME"))
            .unwrap_or("unknown");
        // Keep "mcpstack " + identity within the 64-character limit of a CN.
        format!("{user}@{host}").chars().take(55).collect()
    }
}

fn account_from_passwd() -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let uid = std::fs::metadata("/proc/self").ok()?.uid().to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let mut fields = line.split(':');
        let name = fields.next()?;
        (fields.nth(1)? == uid && !name.is_empty()).then(|| name.to_string())
    })
}

/// The CA directory: the flag, else `MCPSTACK_CAROOT`, else
/// `$XDG_DATA_HOME/mcpstack`, else `$HOME/.local/share/mcpstack`.
/// A relative XDG_DATA_HOME is ignored, as the XDG spec asks.
pub fn caroot(flag: Option<&Path>, env: &Env) -> Result<PathBuf> {
    if let Some(dir) = flag {
        return Ok(dir.to_path_buf());
    }
    if let Some(dir) = env.var(CAROOT_ENV) {
        return Ok(PathBuf::from(dir));
    }
    if let Some(data) = env
        .var("XDG_DATA_HOME")
        .filter(|d| Path::new(d).is_absolute())
    {
        return Ok(Path::new(data).join("mcpstack"));
    }
    if let Some(home) = env.var("HOME") {
        return Ok(Path::new(home).join(".local/share/mcpstack"));
    }
    Err(CertError::NoCaRoot)
}

/// A loaded local CA, ready to sign leaves.
#[derive(Debug)]
pub struct LocalCa {
    dir: PathBuf,
    cert_pem: String,
    cert_der: Vec<u8>,
    subject: String,
    organizational_unit: Option<String>,
    not_after: OffsetDateTime,
    key_algorithm: String,
    issuer: Issuer<'static, KeyPair>,
}

impl LocalCa {
    /// Loads the CA from `dir`, creating it (with a `kind` key) if the
    /// directory has neither file. Returns whether it was created now.
    /// An existing CA is never overwritten; `kind` only applies when
    /// creating.
    pub fn load_or_create(dir: &Path, kind: KeyKind) -> Result<(LocalCa, bool)> {
        LocalCa::load_or_create_with(dir, kind, &Env::from_process(), OffsetDateTime::now_utc())
    }

    /// Whether `dir` holds neither the CA's certificate nor its key (so
    /// [`LocalCa::load_or_create`] would create one).
    pub fn absent(dir: &Path) -> bool {
        !exists(&dir.join(CA_CERT_FILE)) && !exists(&dir.join(CA_KEY_FILE))
    }

    /// [`LocalCa::load_or_create`] with the environment (for the subject)
    /// and the current time given.
    pub fn load_or_create_with(
        dir: &Path,
        kind: KeyKind,
        env: &Env,
        now: OffsetDateTime,
    ) -> Result<(LocalCa, bool)> {
        let cert_path = dir.join(CA_CERT_FILE);
        let key_path = dir.join(CA_KEY_FILE);
        let (ca, created) = match (exists(&cert_path), exists(&key_path)) {
            (true, true) => (LocalCa::load(dir)?, false),
            (false, false) => match create(dir, kind, env, now)? {
                true => (LocalCa::load(dir)?, true),
                // Another process created it at the same moment: use theirs.
                false => (wait_and_load(dir)?, false),
            },
            (true, false) => return Err(incomplete(dir, cert_path, key_path)),
            // A key written seconds ago is most likely another process
            // creating the CA right now; an old one is a leftover.
            (false, true) if modified_within(&key_path, StdDuration::from_secs(10)) => {
                (wait_and_load(dir)?, false)
            }
            (false, true) => return Err(incomplete(dir, key_path, cert_path)),
        };
        if ca.not_after <= now {
            return Err(CertError::CaExpired {
                path: ca.cert_path(),
                not_after: fmt_utc(ca.not_after),
            });
        }
        Ok((ca, created))
    }

    /// Loads an existing CA; never creates anything. Checks that the
    /// certificate is a self-signed CA and that the key belongs to it.
    pub fn load(dir: &Path) -> Result<LocalCa> {
        let cert_path = dir.join(CA_CERT_FILE);
        let key_path = dir.join(CA_KEY_FILE);
        let der = files::read_cert_chain(&cert_path)?.swap_remove(0);
        let (_, x509) = X509Certificate::from_der(&der)
            .map_err(|e| CertError::bad_cert(&cert_path, format!("cannot parse: {e}")))?;
        let not_ca = |reason: &str| CertError::NotCa {
            path: cert_path.clone(),
            reason: reason.to_string(),
        };
        match x509.basic_constraints() {
            Ok(Some(bc)) if bc.value.ca => {}
            Ok(Some(_)) => return Err(not_ca("its basic constraints say it is not a CA")),
            Ok(None) => return Err(not_ca("it has no basic constraints extension")),
            Err(_) => return Err(not_ca("its basic constraints extension is malformed")),
        }
        if let Ok(Some(ku)) = x509.key_usage() {
            if !ku.value.key_cert_sign() {
                return Err(not_ca("its key usage does not allow signing certificates"));
            }
        }
        if !signed_by(&x509, &x509) {
            return Err(not_ca("it is not a self-signed root"));
        }

        let key = keys::load_private_key(&key_path)?;
        if !keys::key_matches(&key, x509.public_key()) {
            return Err(CertError::KeyMismatch {
                cert: cert_path,
                key: key_path,
            });
        }
        let subject = x509.subject().to_string();
        let organizational_unit = x509
            .subject()
            .iter_organizational_unit()
            .next()
            .and_then(|ou| ou.as_str().ok())
            .map(str::to_string);
        let not_after = x509.validity().not_after.to_datetime();
        let key_algorithm = keys::describe(x509.public_key());
        let issuer = Issuer::from_ca_cert_der(&der.clone().into(), key)
            .map_err(|e| CertError::bad_cert(&cert_path, e.to_string()))?;
        let cert_pem = pem_encode("CERTIFICATE", &der);
        Ok(LocalCa {
            dir: dir.to_path_buf(),
            cert_pem,
            cert_der: der,
            subject,
            organizational_unit,
            not_after,
            key_algorithm,
            issuer,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn cert_path(&self) -> PathBuf {
        self.dir.join(CA_CERT_FILE)
    }

    pub fn key_path(&self) -> PathBuf {
        self.dir.join(CA_KEY_FILE)
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The subject, as `CN=..., O=..., OU=...`.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// "ECDSA P-256", "RSA 3072", ...
    pub fn key_algorithm(&self) -> &str {
        &self.key_algorithm
    }

    /// Hex SHA-256 of the certificate.
    pub fn fingerprint(&self) -> String {
        hex(ring::digest::digest(&ring::digest::SHA256, &self.cert_der).as_ref())
    }

    pub(super) fn issuer(&self) -> &Issuer<'static, KeyPair> {
        &self.issuer
    }

    pub(super) fn organizational_unit(&self) -> Option<&str> {
        self.organizational_unit.as_deref()
    }
}

impl fmt::Display for LocalCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "local CA:    {}", self.cert_path().display())?;
        writeln!(f, "subject:     {}", self.subject)?;
        writeln!(f, "key:         {}", self.key_algorithm)?;
        writeln!(f, "not after:   {}", fmt_utc(self.not_after))?;
        write!(f, "sha256:      {}", self.fingerprint())
    }
}

/// Creates the key and certificate. Returns `false` (having written
/// nothing) when another process created the key first.
fn create(dir: &Path, kind: KeyKind, env: &Env, now: OffsetDateTime) -> Result<bool> {
    files::create_private_dir(dir)?;
    let cert_path = dir.join(CA_CERT_FILE);
    let key_path = dir.join(CA_KEY_FILE);

    let key = kind.generate(CA_RSA_BITS)?;
    let identity = env.identity();
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, CA_ORGANIZATION);
    dn.push(DnType::OrganizationalUnitName, identity.as_str());
    dn.push(DnType::CommonName, format!("mcpstack {identity}"));
    params.distinguished_name = dn;
    params.not_before = now - CLOCK_SKEW;
    params.not_after = add_years(now, CA_YEARS);
    params.serial_number = Some(random_serial()?);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let cert = params
        .self_signed(&key)
        .map_err(|e| CertError::Sign(e.to_string()))?;

    // Both files are written and synced under temporary names, then moved
    // into place, then synced again: two syncs instead of one per file and
    // folder. Key first: a crash between the two moves leaves a key without
    // a certificate, which load_or_create reports instead of overwriting.
    let staged_key = files::stage(&key_path, key.serialize_pem().as_bytes(), KEY_MODE)?;
    let staged_cert = files::stage(&cert_path, cert.pem().as_bytes(), CERT_MODE)?;
    files::sync(dir)?;
    if !staged_key.create()? {
        return Ok(false);
    }
    match staged_cert.create() {
        // Both in place: a failed sync leaves them there, whole.
        Ok(true) => files::sync(dir).map(|()| true),
        Ok(false) => {
            let _ = std::fs::remove_file(&key_path);
            Err(incomplete(dir, cert_path, key_path))
        }
        Err(e) => {
            let _ = std::fs::remove_file(&key_path);
            Err(e)
        }
    }
}

fn wait_and_load(dir: &Path) -> Result<LocalCa> {
    let cert_path = dir.join(CA_CERT_FILE);
    for _ in 0..50 {
        if exists(&cert_path) {
            return LocalCa::load(dir);
        }
        std::thread::sleep(StdDuration::from_millis(100));
    }
    Err(incomplete(dir, dir.join(CA_KEY_FILE), cert_path))
}

fn incomplete(dir: &Path, present: PathBuf, missing: PathBuf) -> CertError {
    CertError::CaIncomplete {
        dir: dir.to_path_buf(),
        present,
        missing,
    }
}

fn modified_within(path: &Path, window: StdDuration) -> bool {
    path.metadata()
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .is_some_and(|age| age < window)
}

fn exists(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

/// A random positive 128-bit serial number (RFC 5280 allows up to 20 bytes;
/// the CA/Browser Forum asks for at least 64 random bits).
pub(super) fn random_serial() -> Result<SerialNumber> {
    let mut bytes = [0u8; 16];
    loop {
        files::random_bytes(&mut bytes)?;
        if bytes[0] != 0 {
            return Ok(SerialNumber::from_slice(&bytes));
        }
    }
}

fn add_years(t: OffsetDateTime, years: i32) -> OffsetDateTime {
    let year = t.year() + years;
    t.replace_year(year)
        .or_else(|_| (t - Duration::days(1)).replace_year(year)) // 29 February
        .unwrap_or(t + Duration::days(365 * i64::from(years)))
}

pub(super) fn pem_encode(label: &str, der: &[u8]) -> String {
    pem::encode_config(
        &pem::Pem::new(label, der.to_vec()),
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caroot_precedence() {
        let env = Env::new()
            .with_var("HOME", "/home/u")
            .with_var("XDG_DATA_HOME", "/xdg")
            .with_var(CAROOT_ENV, "/ca");
        assert_eq!(
            caroot(Some(Path::new("/flag")), &env).unwrap(),
            PathBuf::from("/flag")
        );
        assert_eq!(caroot(None, &env).unwrap(), PathBuf::from("/ca"));
        let env = env.with_var(CAROOT_ENV, "");
        assert_eq!(caroot(None, &env).unwrap(), PathBuf::from("/xdg/mcpstack"));
        let env = env.with_var("XDG_DATA_HOME", "relative/dir");
        assert_eq!(
            caroot(None, &env).unwrap(),
            PathBuf::from("/home/u/.local/share/mcpstack")
        );
        assert!(matches!(
            caroot(None, &Env::new()),
            Err(CertError::NoCaRoot)
        ));
    }

    #[test]
    fn identity_fallbacks() {
        assert_eq!(Env::new().identity(), "unknown@unknown");
        assert_eq!(Env::new().with_account("acct").identity(), "acct@unknown");
        let env = Env::new()
            .with_account("acct")
            .with_var("LOGNAME", "bob")
            .with_var("HOSTNAME", "box");
        assert_eq!(env.identity(), "bob@box");
        let env = env.with_var("USER", "alice").with_hostname("real");
        assert_eq!(env.identity(), "alice@real");
        let long = Env::new().with_var("USER", &"u".repeat(100));
        assert_eq!(long.identity().chars().count(), 55);
    }

    #[test]
    fn years_and_leap_days() {
        let at = |unix| OffsetDateTime::from_unix_timestamp(unix).unwrap();
        // 2024-02-29 12:00 -> 2034-02-28 12:00
        assert_eq!(add_years(at(1_709_208_000), 10), at(2_024_740_800));
        // 2025-06-01 00:00 -> 2035-06-01 00:00
        assert_eq!(add_years(at(1_748_736_000), 10), at(2_064_268_800));
    }

    #[test]
    fn serials_are_positive_and_long() {
        for _ in 0..32 {
            let s = random_serial().unwrap().to_bytes();
            assert_eq!(s.len(), 16);
            assert_ne!(s[0], 0);
        }
    }
}
