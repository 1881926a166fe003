//! File operations confined to the output folder: paths are relative to it, and no symbolic
//! link is ever followed, for reads, writes or deletes.

use crate::error::{Error, Result};
use std::fs;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

/// Prefix and suffix of the temporary files a render writes before renaming them.
pub const TEMP_PREFIX: &str = ".mcpstack-";
pub const TEMP_SUFFIX: &str = ".tmp";

fn link_error(link: &Path, root: &Path) -> Error {
    Error::Unsafe {
        what: format!(
            "{} is a symbolic link; mcpstack never follows links in its output folder {}",
            link.display(),
            root.display()
        ),
        help: format!(
            "remove the link (`rm {}`) and run `mcpstack render` again; nothing was written",
            link.display()
        ),
    }
}

/// Refuses an output folder that is itself a link.
pub fn check_root(root: &Path) -> Result<()> {
    match fs::symlink_metadata(root) {
        Ok(m) if m.file_type().is_symlink() => Err(link_error(root, root)),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(root, e)),
    }
}

/// Refuses `rel` if the output folder, or any part of `rel` that exists, is a link.
pub fn check(root: &Path, rel: &str) -> Result<()> {
    check_root(root)?;
    let mut path = root.to_path_buf();
    for part in rel.split('/') {
        path.push(part);
        match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => return Err(link_error(&path, root)),
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            // A file where a folder should be: the write reports it.
            Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => return Ok(()),
            Err(e) => return Err(Error::io(&path, e)),
        }
    }
    Ok(())
}

/// Opens `rel` for reading, or `None` if it does not exist. Never follows a link; refuses
/// anything but a plain file.
fn open(root: &Path, rel: &str) -> Result<Option<(fs::File, PathBuf, u64)>> {
    check(root, rel)?;
    let path = root.join(rel);
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let file = match options.open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        // A file where a folder should be: nothing is there yet; the write reports it.
        Err(e) if e.raw_os_error() == Some(libc::ENOTDIR) => return Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => return Err(link_error(&path, root)),
        Err(e) => return Err(Error::io(&path, e)),
    };
    let meta = file.metadata().map_err(|e| Error::io(&path, e))?;
    if !meta.is_file() {
        return Err(Error::Unsafe {
            what: format!(
                "{} is not a plain file; mcpstack only reads, writes and removes files in its output folder",
                path.display()
            ),
            help: "move it away (or drop it from the manifest) and run `mcpstack render` again; nothing was written".into(),
        });
    }
    Ok(Some((file, path, meta.len())))
}

/// The text of `rel`, or `None` if it does not exist. Never follows a link.
pub fn read(root: &Path, rel: &str) -> Result<Option<String>> {
    let Some((mut file, path, len)) = open(root, rel)? else {
        return Ok(None);
    };
    // Sized from the start: growing by doubling would hold a large file twice while it copies.
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.read_to_end(&mut bytes)
        .map_err(|e| Error::io(&path, e))?;
    // Valid UTF-8 (every file mcpstack writes) becomes the text without a copy.
    Ok(Some(String::from_utf8(bytes).unwrap_or_else(|e| {
        String::from_utf8_lossy(e.as_bytes()).into_owned()
    })))
}

/// Whether `rel` exists and holds exactly `contents`: `None` if it does not exist. Compares
/// in small blocks, so that checking an up-to-date folder holds no file in memory.
pub fn same(root: &Path, rel: &str, contents: &[u8]) -> Result<Option<bool>> {
    let Some((mut file, path, len)) = open(root, rel)? else {
        return Ok(None);
    };
    if len != contents.len() as u64 {
        return Ok(Some(false));
    }
    let mut block = [0u8; 64 * 1024];
    let mut rest = contents;
    loop {
        let n = match file.read(&mut block) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(&path, e)),
        };
        if n == 0 {
            return Ok(Some(rest.is_empty()));
        }
        if n > rest.len() || block[..n] != rest[..n] {
            return Ok(Some(false));
        }
        rest = &rest[n..];
    }
}

/// Creates the output folder and `rel_dir` inside it, one real folder at a time.
pub fn ensure_dir(root: &Path, rel_dir: &str) -> Result<PathBuf> {
    check_root(root)?;
    fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
    check_root(root)?;
    let mut path = root.to_path_buf();
    for part in rel_dir.split('/').filter(|p| !p.is_empty()) {
        path.push(part);
        match fs::create_dir(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                let m = fs::symlink_metadata(&path).map_err(|e| Error::io(&path, e))?;
                if m.file_type().is_symlink() {
                    return Err(link_error(&path, root));
                }
                if !m.is_dir() {
                    return Err(Error::io(
                        &path,
                        std::io::Error::other("a file is where mcpstack needs a folder"),
                    ));
                }
            }
            Err(e) => return Err(Error::io(&path, e)),
        }
    }
    Ok(path)
}

/// Removes the file `rel` and the folders it leaves empty, up to (not including) the output
/// folder.
pub fn remove(root: &Path, rel: &str) -> Result<()> {
    check(root, rel)?;
    let path = root.join(rel);
    match fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&path, e)),
    }
    let mut parts: Vec<&str> = rel.split('/').collect();
    parts.pop();
    while !parts.is_empty() {
        // `remove_dir` fails on a link and on a folder that is not empty: either ends the walk.
        if fs::remove_dir(root.join(parts.join("/"))).is_err() {
            break;
        }
        parts.pop();
    }
    Ok(())
}

/// Removes temporary files an interrupted render left behind. Does not enter links.
pub fn clean_temps(root: &Path) {
    let Ok(entries) = fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if kind.is_dir() {
            clean_temps(&entry.path());
        } else if kind.is_file() && name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Makes everything written so far durable: one sync of the file system holding `root`, not
/// one per file.
pub fn sync(root: &Path) -> Result<()> {
    crate::durable::sync_filesystem(root).map_err(|e| Error::io(root, e))
}
