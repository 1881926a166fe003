//! File plumbing: atomic writes with the right modes from the first byte,
//! private directories, reading PEM files.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::error::{CertError, Result};

/// Mode of private key files.
pub const KEY_MODE: u32 = 0o600;
/// Mode of certificate files.
pub const CERT_MODE: u32 = 0o644;
/// Mode of directories we create for keys.
pub const DIR_MODE: u32 = 0o700;

/// Creates `dir` (and missing parents) with mode 0700. An existing
/// directory is left as it is.
pub fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(|e| CertError::write(dir, e))
}

/// Replaces `path` atomically: the bytes go to a temporary file in the same
/// directory, created with `mode` (so a key is never readable by others, not
/// even for a moment), flushed to disk, then renamed over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let staged = stage(path, bytes, mode)?;
    staged
        .tmp
        .file
        .sync_all()
        .map_err(|e| CertError::write(path, e))?;
    staged.replace()?;
    sync_parent(path);
    Ok(())
}

/// Writes `bytes` to a temporary sibling of `target`, created with `mode`, without syncing:
/// stage every file of a group, [`sync`] once, then move each into place and [`sync`] again.
/// The temporary file is removed if the result is dropped before it is moved.
pub fn stage(target: &Path, bytes: &[u8], mode: u32) -> Result<Staged> {
    let tmp = TempFile::write(target, bytes, mode)?;
    Ok(Staged {
        tmp,
        target: target.to_path_buf(),
    })
}

/// Makes every file staged and every move made so far durable: one sync of the file system
/// holding `dir`.
pub fn sync(dir: &Path) -> Result<()> {
    crate::durable::sync_filesystem(dir).map_err(|e| CertError::write(dir, e))
}

/// A file written to a temporary name, waiting to be moved into place.
pub struct Staged {
    tmp: TempFile,
    target: PathBuf,
}

impl Staged {
    /// Renames the file over its target.
    pub fn replace(self) -> Result<()> {
        fs::rename(&self.tmp.path, &self.target).map_err(|e| CertError::write(&self.target, e))?;
        self.tmp.persisted();
        Ok(())
    }

    /// Moves the file to its target unless the target exists: `Ok(false)` (and nothing
    /// moved) when it does, so two processes racing to create the same file cannot
    /// overwrite each other.
    pub fn create(self) -> Result<bool> {
        match fs::hard_link(&self.tmp.path, &self.target) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(_) => {
                // Some file systems have no hard links: fall back to a
                // check-then-rename, which is only racy against ourselves.
                if self.target.exists() {
                    return Ok(false);
                }
                self.replace()?;
                Ok(true)
            }
        }
    }
}

/// Reads a whole file; a missing file is [`CertError::NotFound`].
pub fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).map_err(|e| CertError::read(path, e))
}

/// The DER bodies of all `CERTIFICATE` blocks of a PEM file, in order.
pub fn read_cert_chain(path: &Path) -> Result<Vec<Vec<u8>>> {
    let bytes = read(path)?;
    let mut certs = Vec::new();
    for pem in pem_blocks(&bytes, |p| CertError::bad_cert(path, p))? {
        if pem.0 == "CERTIFICATE" {
            certs.push(pem.1);
        }
    }
    if certs.is_empty() {
        return Err(CertError::bad_cert(
            path,
            "no '-----BEGIN CERTIFICATE-----' block found",
        ));
    }
    Ok(certs)
}

/// The first private-key PEM block of a file: `(label, der)`.
pub fn read_private_key(path: &Path) -> Result<(String, Vec<u8>)> {
    let bytes = read(path)?;
    let blocks = pem_blocks(&bytes, |p| CertError::bad_key(path, p))?;
    if blocks.iter().any(|b| b.0 == "ENCRYPTED PRIVATE KEY") {
        return Err(CertError::bad_key(
            path,
            "the key is encrypted; nginx needs an unencrypted key",
        ));
    }
    blocks
        .into_iter()
        .find(|b| b.0.ends_with("PRIVATE KEY"))
        .ok_or_else(|| CertError::bad_key(path, "no '-----BEGIN ... PRIVATE KEY-----' block found"))
}

fn pem_blocks(bytes: &[u8], err: impl Fn(String) -> CertError) -> Result<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for pem in x509_parser::pem::Pem::iter_from_buffer(bytes) {
        match pem {
            Ok(p) => out.push((p.label, p.contents)),
            Err(e) => return Err(err(format!("malformed PEM: {e}"))),
        }
    }
    if out.is_empty() {
        return Err(err("not a PEM file".into()));
    }
    Ok(out)
}

/// A temporary sibling of the target file, removed on drop unless it was
/// renamed into place.
struct TempFile {
    path: PathBuf,
    file: File,
    keep: bool,
}

impl TempFile {
    fn write(target: &Path, bytes: &[u8], mode: u32) -> Result<TempFile> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "file".into());
        let mut attempt = 0;
        let (path, mut file) = loop {
            let candidate = dir.join(format!(
                ".{name}.tmp-{}-{:08x}",
                std::process::id(),
                random_u32()
            ));
            match OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&candidate)
            {
                Ok(f) => break (candidate, f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 8 => attempt += 1,
                Err(e) => return Err(CertError::write(target, e)),
            }
        };
        // The umask may have removed bits (0644 -> 0600); set exactly `mode`.
        let result = file
            .set_permissions(fs::Permissions::from_mode(mode))
            .and_then(|()| file.write_all(bytes));
        let tmp = TempFile {
            path,
            file,
            keep: false,
        };
        result.map_err(|e| CertError::write(target, e))?;
        Ok(tmp)
    }

    fn persisted(mut self) {
        self.keep = true;
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn sync_parent(path: &Path) {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

/// Random bytes from the operating system.
pub fn random_bytes(buf: &mut [u8]) -> Result<()> {
    use ring::rand::SecureRandom;
    ring::rand::SystemRandom::new()
        .fill(buf)
        .map_err(|_| CertError::KeyGen("the system random number generator failed".into()))
}

fn random_u32() -> u32 {
    let mut b = [0u8; 4];
    if random_bytes(&mut b).is_err() {
        // Only used to name temporary files, which are created with
        // create_new anyway; any varying value will do.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        return t;
    }
    u32::from_le_bytes(b)
}
