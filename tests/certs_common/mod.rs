#![allow(dead_code)]

use std::path::{Path, PathBuf};

use mcpstack::certs::{Env, KeyKind, LeafOutcome, LocalCa};
use tempfile::TempDir;
use time::OffsetDateTime;

pub fn env() -> Env {
    Env::new()
        .with_var("USER", "tester")
        .with_hostname("testhost")
}

pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

pub fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// A temporary directory with a CA in `<tmp>/ca`.
pub struct Fixture {
    pub tmp: TempDir,
    pub ca: LocalCa,
    pub kind: KeyKind,
}

impl Fixture {
    pub fn new(kind: KeyKind) -> Fixture {
        let tmp = tempfile::tempdir().unwrap();
        let (ca, created) =
            LocalCa::load_or_create_with(&tmp.path().join("ca"), kind, &env(), now()).unwrap();
        assert!(created);
        Fixture { tmp, ca, kind }
    }

    pub fn out(&self) -> PathBuf {
        self.tmp.path().join("out")
    }

    pub fn leaf(&self, list: &[&str]) -> LeafOutcome {
        mcpstack::certs::ensure_leaf(&self.ca, &self.out(), &names(list), self.kind, false, now())
            .unwrap()
    }
}

/// The DER certificates of a PEM file, parsed by rustls-pki-types.
pub fn pem_certs(path: &Path) -> Vec<Vec<u8>> {
    use rustls_pki_types::pem::PemObject;
    rustls_pki_types::CertificateDer::pem_file_iter(path)
        .unwrap()
        .map(|c| c.unwrap().to_vec())
        .collect()
}

pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}
