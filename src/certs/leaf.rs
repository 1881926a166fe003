//! Server (leaf) certificates signed by the local CA: issue, or keep the
//! existing one while it is still right.

use std::fmt;
use std::path::{Path, PathBuf};

use rcgen::string::Ia5String;
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use time::{Duration, OffsetDateTime};

use super::ca::{random_serial, LocalCa, CLOCK_SKEW};
use super::error::{CertError, Result};
use super::files::{self, CERT_MODE, KEY_MODE};
use super::inspect::{parse, sans_of};
use super::keys::{self, KeyAhead, KeyKind, LEAF_RSA_BITS};
use super::sans::{self, SanName};
use super::x509::{fmt_utc, signed_by};

/// Certificate followed by the CA certificate.
pub const FULLCHAIN_FILE: &str = "fullchain.pem";
/// The leaf's private key (mode 0600).
pub const PRIVKEY_FILE: &str = "privkey.pem";
/// Organisation of leaf subjects.
pub const LEAF_ORGANIZATION: &str = "mcpstack development certificate";
/// Maximum lifetime (notAfter - notBefore) of a leaf: Apple platforms
/// reject TLS server certificates valid for longer.
pub const LEAF_DAYS: i64 = 825;
/// A kept leaf must stay valid at least this long.
pub const RENEW_BEFORE_DAYS: i64 = 30;

/// Why a leaf was (re)issued.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssueReason {
    /// No certificate or key file yet.
    Missing,
    /// Renewal was asked for.
    Forced,
    /// The existing files could not be read or parsed.
    Unreadable(String),
    /// The existing certificate is not signed by this CA.
    OtherCa,
    /// The requested names differ from the certificate's.
    NamesChanged { was: Vec<SanName> },
    /// The certificate expires within [`RENEW_BEFORE_DAYS`] (or has).
    ExpiresSoon { not_after: OffsetDateTime },
    /// The certificate's validity starts in the future.
    NotYetValid,
    /// privkey.pem does not belong to fullchain.pem.
    KeyMismatch,
    /// A different key type was requested.
    KeyKindChanged { was: String },
}

impl fmt::Display for IssueReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IssueReason::Missing => f.write_str("no certificate yet"),
            IssueReason::Forced => f.write_str("renewal requested"),
            IssueReason::Unreadable(why) => write!(f, "the existing one is unreadable ({why})"),
            IssueReason::OtherCa => f.write_str("the existing one is not signed by the local CA"),
            IssueReason::NamesChanged { was } => {
                let was: Vec<String> = was.iter().map(ToString::to_string).collect();
                write!(f, "the names changed (was: {})", was.join(", "))
            }
            IssueReason::ExpiresSoon { not_after } => {
                write!(f, "the existing one expires on {}", fmt_utc(*not_after))
            }
            IssueReason::NotYetValid => {
                f.write_str("the existing one is not valid yet (clock change?)")
            }
            IssueReason::KeyMismatch => f.write_str("the key file does not match the certificate"),
            IssueReason::KeyKindChanged { was } => write!(f, "the key type changed (was {was})"),
        }
    }
}

/// What [`ensure_leaf`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeafAction {
    Kept,
    Issued(IssueReason),
}

/// The result of [`ensure_leaf`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeafOutcome {
    pub action: LeafAction,
    pub fullchain: PathBuf,
    pub privkey: PathBuf,
    /// The certificate's names.
    pub names: Vec<SanName>,
    pub not_after: OffsetDateTime,
    /// Things worth telling the user (e.g. a wildcard browsers ignore).
    pub warnings: Vec<String>,
}

impl fmt::Display for LeafOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.names.iter().map(SanName::name).collect();
        match &self.action {
            LeafAction::Kept => write!(f, "kept {}", self.fullchain.display())?,
            LeafAction::Issued(why) => write!(f, "issued {} ({why})", self.fullchain.display())?,
        }
        write!(
            f,
            " for {}, valid until {}",
            names.join(", "),
            fmt_utc(self.not_after)
        )
    }
}

/// Makes sure `out_dir` holds `fullchain.pem` and `privkey.pem` for
/// `names`, signed by `ca`. An existing pair is kept when it parses, chains
/// to `ca`, has exactly the requested names and key type, its key matches,
/// and it is valid for at least [`RENEW_BEFORE_DAYS`] more days; otherwise
/// (or with `renew`) a new pair is issued.
pub fn ensure_leaf(
    ca: &LocalCa,
    out_dir: &Path,
    names: &[String],
    kind: KeyKind,
    renew: bool,
    now: OffsetDateTime,
) -> Result<LeafOutcome> {
    match plan_leaf(ca, out_dir, names, kind, renew, now, None)? {
        LeafPlan::Kept(outcome) => Ok(outcome),
        LeafPlan::Issue(new) => {
            write_pair(out_dir, &new)?;
            Ok(new.outcome)
        }
    }
}

/// What [`plan_leaf`] decided: keep the pair in `out_dir`, or write a new one.
pub enum LeafPlan {
    Kept(LeafOutcome),
    Issue(NewLeaf),
}

/// A leaf issued and not written yet: its key and chain (the leaf, then the CA) as PEM, and
/// what to report once both are in place. Write both under temporary names, sync, move the
/// key into place first, then the chain, and sync again (as [`ensure_leaf`] does): stopped in
/// between, the next run finds a key that does not match and issues again.
pub struct NewLeaf {
    pub key_pem: String,
    pub chain_pem: String,
    pub outcome: LeafOutcome,
}

/// [`ensure_leaf`] without the writing: reads the pair in `out_dir`, decides, and issues a new
/// leaf if one is needed (with the key `ahead` makes, of `kind`, if given). The caller writes
/// it; `render`, `certs` and `up` write it through the output writer's folder handles.
pub fn plan_leaf(
    ca: &LocalCa,
    out_dir: &Path,
    names: &[String],
    kind: KeyKind,
    renew: bool,
    now: OffsetDateTime,
    ahead: Option<KeyAhead>,
) -> Result<LeafPlan> {
    let wanted = sans::classify(names)?;
    let mut warnings = wanted.warnings.clone();
    if ca.not_after() - now < Duration::days(RENEW_BEFORE_DAYS) {
        warnings.push(format!(
            "the local CA expires on {}: move {} away and install a new one",
            fmt_utc(ca.not_after()),
            ca.dir().display()
        ));
    }
    let fullchain = out_dir.join(FULLCHAIN_FILE);
    let privkey = out_dir.join(PRIVKEY_FILE);

    let reason = if renew {
        IssueReason::Forced
    } else {
        match check_existing(ca, &fullchain, &privkey, &wanted.names, kind, now) {
            Ok(not_after) => {
                return Ok(LeafPlan::Kept(LeafOutcome {
                    action: LeafAction::Kept,
                    fullchain,
                    privkey,
                    names: wanted.names,
                    not_after,
                    warnings,
                }))
            }
            Err(reason) => reason,
        }
    };

    let key = match ahead {
        Some(ahead) => ahead.take(kind)?,
        None => kind.generate(LEAF_RSA_BITS)?,
    };
    let (cert_pem, key_pem, not_after) = issue(ca, &wanted.names, key, kind, now)?;
    Ok(LeafPlan::Issue(NewLeaf {
        key_pem,
        chain_pem: format!("{cert_pem}{}", ca.cert_pem()),
        outcome: LeafOutcome {
            action: LeafAction::Issued(reason),
            fullchain,
            privkey,
            names: wanted.names,
            not_after,
            warnings,
        },
    }))
}

/// Writes a new pair by path into `out_dir` (made 0700 if missing).
fn write_pair(out_dir: &Path, new: &NewLeaf) -> Result<()> {
    files::create_private_dir(out_dir)?;
    // Both written and synced under temporary names, moved, synced again.
    // Key first: if we stop in between, the next run sees a key that does
    // not match the certificate and issues again.
    let staged_key = files::stage(&new.outcome.privkey, new.key_pem.as_bytes(), KEY_MODE)?;
    let staged_chain = files::stage(&new.outcome.fullchain, new.chain_pem.as_bytes(), CERT_MODE)?;
    files::sync(out_dir)?;
    staged_key.replace()?;
    staged_chain.replace()?;
    files::sync(out_dir)
}

fn check_existing(
    ca: &LocalCa,
    fullchain: &Path,
    privkey: &Path,
    wanted: &[SanName],
    kind: KeyKind,
    now: OffsetDateTime,
) -> std::result::Result<OffsetDateTime, IssueReason> {
    if fullchain.symlink_metadata().is_err() || privkey.symlink_metadata().is_err() {
        return Err(IssueReason::Missing);
    }
    let unreadable = |e: CertError| IssueReason::Unreadable(e.to_string());
    let chain = files::read_cert_chain(fullchain).map_err(unreadable)?;
    let leaf = parse(fullchain, &chain[0]).map_err(unreadable)?;
    let ca_x509 = parse(&ca.cert_path(), ca.cert_der()).map_err(unreadable)?;
    if !signed_by(&leaf, &ca_x509) {
        return Err(IssueReason::OtherCa);
    }
    let (mut have, _) = sans_of(&leaf);
    have.sort();
    have.dedup();
    let mut want = wanted.to_vec();
    want.sort();
    if have != want {
        return Err(IssueReason::NamesChanged { was: have });
    }
    let not_before = leaf.validity().not_before.to_datetime();
    let not_after = leaf.validity().not_after.to_datetime();
    if not_before > now {
        return Err(IssueReason::NotYetValid);
    }
    if not_after - now < Duration::days(RENEW_BEFORE_DAYS) {
        return Err(IssueReason::ExpiresSoon { not_after });
    }
    if keys::kind_of(leaf.public_key()) != Some(kind) {
        return Err(IssueReason::KeyKindChanged {
            was: keys::describe(leaf.public_key()),
        });
    }
    let key = keys::load_private_key(privkey).map_err(unreadable)?;
    if !keys::key_matches(&key, leaf.public_key()) {
        return Err(IssueReason::KeyMismatch);
    }
    Ok(not_after)
}

/// Signs a new leaf for `key` (of `kind`): (certificate PEM, key PEM, notAfter).
fn issue(
    ca: &LocalCa,
    names: &[SanName],
    key: KeyPair,
    kind: KeyKind,
    now: OffsetDateTime,
) -> Result<(String, String, OffsetDateTime)> {
    let mut params = CertificateParams::default();

    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, LEAF_ORGANIZATION);
    if let Some(ou) = ca.organizational_unit() {
        dn.push(DnType::OrganizationalUnitName, ou);
    }
    let first = names[0].name();
    if first.len() <= 64 {
        dn.push(DnType::CommonName, first);
    }
    params.distinguished_name = dn;

    params.subject_alt_names = names
        .iter()
        .map(|n| match n {
            SanName::Dns(d) => Ia5String::try_from(d.as_str())
                .map(SanType::DnsName)
                .map_err(|_| CertError::invalid_name(d, "not an ASCII name")),
            SanName::Ip(ip) => Ok(SanType::IpAddress(*ip)),
        })
        .collect::<Result<_>>()?;

    params.not_before = now - CLOCK_SKEW;
    params.not_after = (params.not_before + Duration::days(LEAF_DAYS)).min(ca.not_after());
    params.serial_number = Some(random_serial()?);
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = match kind {
        KeyKind::Ecdsa => vec![KeyUsagePurpose::DigitalSignature],
        KeyKind::Rsa => vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ],
    };
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;

    let cert = params
        .signed_by(&key, ca.issuer())
        .map_err(|e| CertError::Sign(e.to_string()))?;
    // rcgen encodes times with whole seconds.
    let not_after = params
        .not_after
        .replace_nanosecond(0)
        .unwrap_or(params.not_after);
    Ok((cert.pem(), key.serialize_pem(), not_after))
}
