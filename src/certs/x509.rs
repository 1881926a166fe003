//! Small helpers the CA, inspection and installation share: hex digests, UTC times and
//! signature checks. Depends on no other part of `certs`.

use time::OffsetDateTime;
use x509_parser::prelude::X509Certificate;

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `2025-06-01 12:00:00 UTC`.
pub fn fmt_utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Whether `child` names `issuer` as its issuer and its signature verifies
/// with `issuer`'s public key.
pub fn signed_by(child: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    child.issuer().as_raw() == issuer.subject().as_raw()
        && child.verify_signature(Some(issuer.public_key())).is_ok()
}
