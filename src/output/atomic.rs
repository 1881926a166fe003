//! Atomic file writes: a temporary file in the same folder, created with its final mode, then renamed.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` so that readers see the old file or the new one, never a part.
/// The file has `mode` from the moment it exists (0600 for keys and secrets).
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = write_temp(dir, bytes, mode)?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(path, e))?;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Writes `bytes` to a new temporary file in `dir` (which must exist), with `mode` from
/// creation and without syncing. The file is removed if the returned path is dropped.
fn write_temp(dir: &Path, bytes: &[u8], mode: u32) -> Result<tempfile::TempPath> {
    let mut builder = tempfile::Builder::new();
    builder
        .prefix(super::tree::TEMP_PREFIX)
        .suffix(super::tree::TEMP_SUFFIX);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(mode));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(|e| Error::io(dir, e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(tmp.path(), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(tmp.path(), e))?;
    }
    Ok(tmp.into_temp_path())
}
