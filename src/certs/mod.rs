//! Development TLS certificates for mcpstack: a local CA made once per
//! user, server certificates signed by it, checks for user-supplied
//! certificates, and installing the CA into the machine's trust stores.

mod ca;
mod error;
mod files;
mod inspect;
mod install;
mod keys;
mod leaf;
mod manual;
mod sans;
mod x509;

pub use ca::{caroot, Env, LocalCa, CAROOT_ENV, CA_CERT_FILE, CA_KEY_FILE};
pub use error::{CertError, Result};
pub use files::{CERT_MODE, KEY_MODE};
pub use inspect::{inspect, CertInfo};
pub use install::{
    execute, install, nss_databases, plan_install, plan_uninstall, uninstall, Action, Host, Os,
    Plan, Report, Skipped, Step,
};
pub use keys::{KeyAhead, KeyKind};
pub use leaf::{
    ensure_leaf, plan_leaf, IssueReason, LeafAction, LeafOutcome, LeafPlan, NewLeaf,
    FULLCHAIN_FILE, LEAF_DAYS, PRIVKEY_FILE, RENEW_BEFORE_DAYS,
};
pub use manual::check_manual;
pub use sans::{classify, covers, parse_name, Names, SanName};
pub use x509::fmt_utc;
