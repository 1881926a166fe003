//! Durability for groups of files: one sync of a file system instead of one per file.

use std::io;
use std::path::Path;

/// Writes everything of the file system holding `dir` to disk: the data of files written so
/// far and the folder entries of renames and links made so far.
pub fn sync_filesystem(dir: &Path) -> io::Result<()> {
    let dir = std::fs::File::open(dir)?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: `dir` is an open file descriptor for the whole call.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        // SAFETY: `sync` takes no arguments and cannot fail.
        unsafe { libc::sync() };
        drop(dir);
    }
    Ok(())
}
