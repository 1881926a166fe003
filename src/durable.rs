//! Durability for groups of files: one sync of a file system instead of one per file.

use std::io;
use std::os::fd::AsFd;
use std::path::Path;

/// Writes everything of the file system holding `dir` to disk: the data of files written so
/// far and the folder entries of renames and links made so far.
pub fn sync_filesystem(dir: &Path) -> io::Result<()> {
    sync_filesystem_of(std::fs::File::open(dir)?)
}

/// The same for the file system holding the open file or folder `fd` (a folder already opened
/// without following links).
pub fn sync_filesystem_of(fd: impl AsFd) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        rustix::fs::syncfs(fd).map_err(io::Error::from)
    }
    #[cfg(not(target_os = "linux"))]
    {
        drop(fd);
        // SAFETY: `sync` takes no arguments and cannot fail.
        unsafe { libc::sync() };
        Ok(())
    }
}
