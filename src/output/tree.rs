//! File operations confined to the output folder: paths are relative to it, and no symbolic
//! link is ever followed, for reads, writes or deletes.
//!
//! Every folder is opened from its parent's handle, one name at a time, refusing links
//! (`O_NOFOLLOW`), and files are opened, created, renamed and removed relative to the handle of
//! the folder that holds them. A link swapped in while a render runs is therefore refused, never
//! followed: no path is checked first and used later.

use crate::error::{Error, Result};
use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;
use std::fs;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::OnceLock;

/// Called with the output folder when a write has to wait for another mcpstack run holding it.
static ON_WAIT: OnceLock<fn(&Path)> = OnceLock::new();

/// Sets what a write says before it waits for another run (the command line prints a line, as
/// cargo does for its locks); the first call wins. Without it, writes wait silently.
pub fn on_wait(notice: fn(&Path)) {
    let _ = ON_WAIT.set(notice);
}

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
            "remove the link (`rm {}`) and run the command again; nothing was written",
            link.display()
        ),
    }
}

fn not_plain(path: &Path) -> Error {
    Error::Unsafe {
        what: format!(
            "{} is not a plain file; mcpstack only reads, writes and removes files in its output folder",
            path.display()
        ),
        help: "move it away (or drop it from the manifest) and run the command again; nothing was written".into(),
    }
}

fn io(path: &Path, e: Errno) -> Error {
    Error::io(path, std::io::Error::from(e))
}

/// Refuses an output folder that is itself a link.
fn check_root(root: &Path) -> Result<()> {
    match fs::symlink_metadata(root) {
        Ok(m) if m.file_type().is_symlink() => Err(link_error(root, root)),
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(root, e)),
    }
}

/// Refuses `rel` if the output folder, or any part of `rel` that exists, is a link. For callers
/// outside the writer, which hand the path to another tool.
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

/// A folder inside the output folder (or the output folder itself), held open.
struct Folder {
    fd: OwnedFd,
    path: PathBuf,
    /// Made by a tree of a render's part (see `Share::part`) in this run: until the render
    /// commits, nothing but temporary files are in it.
    fresh: bool,
}

/// What `Tree::folder` is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// The folder, made if missing.
    Create,
    /// The folder if it exists.
    Existing,
    /// The folder if it exists, to read a file in it. In a part's tree, a folder in a fresh
    /// one is `None` unless the tree made it: below a fresh folder, nothing has its final
    /// name yet.
    Read,
}

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// The output folder, reached through open folder handles. Keeps the folders along the last
/// path it opened: files come in path order, so the next file's folder is usually the same one
/// or a sibling, and only the names that differ are opened (few handles are open at once,
/// however many folders a render has).
pub struct Tree<'a> {
    root: &'a Path,
    /// The output folder, then each folder of the last path, with its name.
    chain: Vec<(String, Rc<Folder>)>,
    /// A folder found missing (or a file) on a read: it and what is inside it are not looked
    /// for again until something is written ("" for a missing output folder).
    absent: Option<String>,
    /// The output folder was made (or found) for writing.
    made: bool,
    /// The mode folders are made with (0755 unless `private`).
    dir_mode: u32,
    /// Temporary names: a random prefix for this render (drawn on the first write) and a counter.
    seed: Option<u64>,
    count: u64,
    /// The folders inside the output folder this tree made, in the order made.
    made_dirs: Vec<String>,
    /// Whether the folders this tree makes are `fresh`, and those it made (when they are).
    fresh: Option<std::collections::HashSet<String>>,
}

/// The output folder as another thread reaches it: a handle of the folder a tree holds, from
/// which that thread makes trees of its own (never through the folder's path again).
pub struct Share<'a> {
    root: &'a Path,
    fd: OwnedFd,
    path: PathBuf,
    dir_mode: u32,
}

impl<'a> Share<'a> {
    /// A tree that writes one part of a render (`output::write_parts`): until the render
    /// commits, and this tree is dropped before it does, no file has its final name in a folder
    /// the render made, so a file looked for in a folder this tree made is not there, and is
    /// not looked for (a thousand servers' folders are looked into without a system call).
    pub fn part(&self) -> Result<Tree<'a>> {
        let mut tree = self.tree()?;
        tree.fresh = Some(Default::default());
        Ok(tree)
    }

    /// A tree of the same output folder, through a copy of the shared handle.
    pub fn tree(&self) -> Result<Tree<'a>> {
        let fd = self.fd.try_clone().map_err(|e| Error::io(self.root, e))?;
        Ok(Share {
            fd,
            path: self.path.clone(),
            ..*self
        }
        .into_tree())
    }

    /// A tree of the same output folder, through the shared handle itself.
    fn into_tree(self) -> Tree<'a> {
        Tree {
            chain: vec![(
                String::new(),
                Rc::new(Folder {
                    fd: self.fd,
                    path: self.path,
                    fresh: false,
                }),
            )],
            dir_mode: self.dir_mode,
            made: true,
            ..Tree::new(self.root)
        }
    }
}

/// A file written under a temporary name in its final folder, waiting for its rename.
#[derive(Debug)]
pub struct Temp {
    name: String,
    rel: String,
    /// Nothing was at `rel` when the render was planned.
    absent: bool,
}

impl Temp {
    /// The output-relative path it will be renamed to.
    pub fn rel(&self) -> &str {
        &self.rel
    }

    /// Marks the final name as found free by the plan: the rename then takes it only if it
    /// still is, and looks again (for a link) if not.
    pub fn was_free(mut self) -> Temp {
        self.absent = true;
        self
    }
}

impl<'a> Tree<'a> {
    pub fn new(root: &'a Path) -> Self {
        Tree {
            root,
            chain: Vec::new(),
            absent: None,
            made: false,
            dir_mode: 0o755,
            seed: None,
            count: 0,
            made_dirs: Vec::new(),
            fresh: None,
        }
    }

    /// The folders this tree made inside the output folder (see `unmake`).
    pub fn made_dirs(&mut self) -> Vec<String> {
        std::mem::take(&mut self.made_dirs)
    }

    /// Removes the folders in `dirs` that are empty, the deepest first, through their parents'
    /// handles: for a write given up, the folders it made for files it did not keep.
    pub fn unmake(&mut self, dirs: &[String]) {
        let mut dirs: Vec<&String> = dirs.iter().collect();
        dirs.sort_by(|a, b| b.cmp(a));
        for rel in dirs {
            let (parent, name) = split(rel);
            if let Ok(Some(folder)) = self.folder(parent, Reach::Existing) {
                let _ = rustix::fs::unlinkat(&folder.fd, name, AtFlags::REMOVEDIR);
            }
        }
        self.chain.truncate(1);
    }

    /// A handle of the output folder (made if missing) for trees on other threads.
    pub fn share(&mut self) -> Result<Share<'a>> {
        let Some(root) = self.folder("", Reach::Create)? else {
            return Err(Error::io(
                self.root,
                std::io::Error::from(ErrorKind::NotFound),
            ));
        };
        let fd = root.fd.try_clone().map_err(|e| Error::io(self.root, e))?;
        Ok(Share {
            root: self.root,
            fd,
            path: root.path.clone(),
            dir_mode: self.dir_mode,
        })
    }

    /// The output folder, as named.
    pub fn root(&self) -> &'a Path {
        self.root
    }

    /// Makes everything written so far durable: one sync of the file system holding the output
    /// folder, through its handle (never a link put at its name since).
    pub fn sync(&mut self) -> Result<()> {
        match self.folder("", Reach::Existing)? {
            Some(root) => {
                crate::durable::sync_filesystem_of(&root.fd).map_err(|e| Error::io(self.root, e))
            }
            // No output folder: nothing was written.
            None => Ok(()),
        }
    }

    /// Holds the output folder (made if missing) for this tree's writes: another mcpstack
    /// writing it (`render`, `up`, `certs`, `token`) waits until this tree is dropped.
    /// Where the file system has no locks for folders (NFS), writes go on without one: each
    /// file is still replaced at once.
    /// Before waiting, the notice given to `on_wait` (if any) is told which folder is held.
    pub fn lock(&mut self) -> Result<()> {
        // A folder removed while this run waited (by a run that made it and then failed) is
        // made again, and locked again.
        while !self.lock_once()? {
            self.chain.clear();
            self.made = false;
        }
        Ok(())
    }

    /// `lock`, once: `false` if the folder was removed while this run waited for it.
    fn lock_once(&mut self) -> Result<bool> {
        use rustix::fs::FlockOperation::{LockExclusive, NonBlockingLockExclusive};
        let Some(root) = self.folder("", Reach::Create)? else {
            return Err(Error::io(
                self.root,
                std::io::Error::from(ErrorKind::NotFound),
            ));
        };
        let mut operation = NonBlockingLockExclusive;
        loop {
            match rustix::fs::flock(&root.fd, operation) {
                Err(Errno::INTR) => continue,
                Err(Errno::WOULDBLOCK) if operation == NonBlockingLockExclusive => {
                    if let Some(notice) = ON_WAIT.get() {
                        notice(self.root);
                    }
                    operation = LockExclusive;
                }
                Ok(()) => return Ok(rustix::fs::fstat(&root.fd).map_or(true, |st| st.st_nlink > 0)),
                Err(Errno::NOLCK | Errno::OPNOTSUPP | Errno::BADF | Errno::INVAL) => {
                    return Ok(true)
                }
                Err(e) => return Err(io(self.root, e)),
            }
        }
    }

    /// Removes temporary files an interrupted write left behind, through the output folder's
    /// handle; never enters a link. Under `lock`, no other run's files are in flight.
    pub fn clean_temps(&mut self) {
        if let Ok(Some(root)) = self.folder("", Reach::Existing) {
            clean_in(&root.fd, 0);
        }
    }

    /// The same, making the folders it needs inside the output folder 0700 (for keys).
    pub fn private(root: &'a Path) -> Self {
        Tree {
            dir_mode: 0o700,
            ..Tree::new(root)
        }
    }

    /// Opens `rel_dir` one name at a time without following links; with `Reach::Create`, makes
    /// the folders that are missing (and never returns `None`). Else `None` when a part does
    /// not exist or is a file.
    fn folder(&mut self, rel_dir: &str, reach: Reach) -> Result<Option<Rc<Folder>>> {
        let root = self.root;
        let create = reach == Reach::Create;
        if create {
            self.absent = None;
            if !self.made {
                check_root(root)?;
                fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
                self.made = true;
            }
        } else if let Some(absent) = &self.absent {
            // Inside a missing folder (or the missing folder itself).
            let under = absent.is_empty()
                || rel_dir
                    .strip_prefix(absent.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
            if under {
                return Ok(None);
            }
        }
        if self.chain.is_empty() {
            let fd = match rustix::fs::open(root, DIR_FLAGS, Mode::empty()) {
                Ok(fd) => fd,
                Err(e @ (Errno::LOOP | Errno::NOTDIR)) => {
                    check_root(root)?;
                    return if create { Err(io(root, e)) } else { Ok(None) };
                }
                Err(Errno::NOENT) if !create => {
                    self.absent = Some(String::new());
                    return Ok(None);
                }
                Err(e) => return Err(io(root, e)),
            };
            let path = root.to_path_buf();
            self.chain.push((
                String::new(),
                Rc::new(Folder {
                    fd,
                    path,
                    fresh: false,
                }),
            ));
        }
        let parts: Vec<&str> = rel_dir.split('/').filter(|p| !p.is_empty()).collect();
        // Callers pass normalised paths; a `.` or `..` here is a bug, never a step out.
        if parts.iter().any(|p| *p == "." || *p == "..") {
            return Err(anyhow::anyhow!("unsafe output path `{rel_dir}`").into());
        }
        // Keep the folders this path shares with the last one.
        let mut keep = 1;
        while keep < self.chain.len()
            && keep <= parts.len()
            && self.chain[keep].0 == parts[keep - 1]
        {
            keep += 1;
        }
        self.chain.truncate(keep);
        for (i, part) in parts.iter().enumerate().skip(keep - 1) {
            let parent = Rc::clone(&self.chain[self.chain.len() - 1].1);
            let path = parent.path.join(part);
            if create {
                let mode = Mode::from_raw_mode(self.dir_mode as rustix::fs::RawMode);
                match rustix::fs::mkdirat(&parent.fd, *part, mode) {
                    Ok(()) => {
                        let rel = parts[..=i].join("/");
                        if let Some(made) = &mut self.fresh {
                            made.insert(rel.clone());
                        }
                        self.made_dirs.push(rel);
                    }
                    Err(Errno::EXIST) => {}
                    Err(e) => return Err(io(&path, e)),
                }
            }
            // Whether this tree made the folder (a part's tree knows; others never say so).
            let fresh = self
                .fresh
                .as_ref()
                .is_some_and(|made| made.contains(&parts[..=i].join("/")));
            // In a fresh folder, only the folders this tree made there exist yet. Not kept as
            // `absent`: the folder may be another tree's, and this one's temporary files in it
            // are still to be found (to remove them).
            if reach == Reach::Read && parent.fresh && !fresh {
                return Ok(None);
            }
            let fd = match rustix::fs::openat(&parent.fd, *part, DIR_FLAGS, Mode::empty()) {
                Ok(fd) => fd,
                // A link opened with O_NOFOLLOW and O_DIRECTORY fails either way.
                Err(Errno::LOOP | Errno::NOTDIR) if is_link(&parent.fd, part) => {
                    return Err(link_error(&path, root))
                }
                Err(Errno::NOTDIR) if create => {
                    return Err(Error::io(
                        &path,
                        std::io::Error::other("a file is where mcpstack needs a folder"),
                    ));
                }
                // Made a moment ago and gone again: something else is changing the folder.
                Err(e) if create => return Err(io(&path, e)),
                // Not there, or a file where a folder should be: nothing to read yet; the
                // write reports it.
                Err(Errno::NOENT | Errno::NOTDIR) => {
                    self.absent = Some(rel_dir.to_string());
                    return Ok(None);
                }
                Err(e) => return Err(io(&path, e)),
            };
            self.chain
                .push((part.to_string(), Rc::new(Folder { fd, path, fresh })));
        }
        Ok(Some(Rc::clone(&self.chain[self.chain.len() - 1].1)))
    }

    /// Opens `rel` for reading, or `None` if it does not exist. Never follows a link, never
    /// waits on a pipe or device; refuses anything but a plain file.
    fn open(&mut self, rel: &str) -> Result<Option<(fs::File, PathBuf, u64)>> {
        let (dir, name) = split(rel);
        let Some(folder) = self.folder(dir, Reach::Read)? else {
            return Ok(None);
        };
        if folder.fresh {
            return Ok(None);
        }
        let path = folder.path.join(name);
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let fd = match rustix::fs::openat(&folder.fd, name, flags, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(None),
            Err(Errno::LOOP) => return Err(link_error(&path, self.root)),
            Err(e) => return Err(io(&path, e)),
        };
        let file = fs::File::from(fd);
        let meta = file.metadata().map_err(|e| Error::io(&path, e))?;
        if !meta.is_file() {
            return Err(not_plain(&path));
        }
        Ok(Some((file, path, meta.len())))
    }

    /// Refuses `rel` if it is a link or anything but a plain file; reads nothing.
    pub fn refuse_unsafe(&mut self, rel: &str) -> Result<()> {
        self.open(rel).map(|_| ())
    }

    /// The text of `rel`, or `None` if it does not exist. Never follows a link.
    pub fn read(&mut self, rel: &str) -> Result<Option<String>> {
        let Some((mut file, path, len)) = self.open(rel)? else {
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
    pub fn same(&mut self, rel: &str, contents: &[u8]) -> Result<Option<bool>> {
        let Some((mut file, path, len)) = self.open(rel)? else {
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

    /// Writes `bytes` to a new temporary file in the folder of `rel` (made if missing), with
    /// `mode` from creation and without syncing: the caller syncs once, then renames.
    pub fn write_temp(&mut self, rel: &str, bytes: &[u8], mode: u32) -> Result<Temp> {
        self.write_temp_with(rel, bytes, mode, false)
    }

    /// Replaces `rel` at once: a temporary file, synced, then renamed over it. For one file
    /// whose content must be on disk before anything after it (the manifest).
    pub fn put(&mut self, rel: &str, bytes: &[u8], mode: u32) -> Result<()> {
        let temp = self.write_temp_with(rel, bytes, mode, true)?;
        self.persist(&temp)
            .inspect_err(|_| self.discard(std::slice::from_ref(&temp)))
    }

    fn write_temp_with(&mut self, rel: &str, bytes: &[u8], mode: u32, sync: bool) -> Result<Temp> {
        let (dir, _) = split(rel);
        let Some(folder) = self.folder(dir, Reach::Create)? else {
            let path = self.root.join(dir);
            return Err(Error::io(&path, std::io::Error::from(ErrorKind::NotFound)));
        };
        let seed = *self.seed.get_or_insert_with(|| {
            use ring::rand::SecureRandom;
            let mut b = [0u8; 8];
            // Any varying value does: names are created exclusively, never reused.
            let _ = ring::rand::SystemRandom::new().fill(&mut b);
            u64::from_le_bytes(b)
        });
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let mut tries = 0;
        let (fd, name) = loop {
            self.count += 1;
            tries += 1;
            let name = format!("{TEMP_PREFIX}{seed:016x}{}{TEMP_SUFFIX}", self.count);
            match rustix::fs::openat(
                &folder.fd,
                &name,
                flags,
                Mode::from_raw_mode(mode as rustix::fs::RawMode),
            ) {
                Ok(fd) => break (fd, name),
                // Names are never reused; a thousand taken in a row is not chance.
                Err(Errno::EXIST) if tries < 1000 => continue,
                Err(e) => return Err(io(&folder.path, e)),
            }
        };
        let path = folder.path.join(&name);
        let temp = Temp {
            name,
            rel: rel.to_string(),
            absent: false,
        };
        let written = (|| {
            // The mode exactly, whatever the umask.
            rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode as rustix::fs::RawMode))
                .map_err(|e| io(&path, e))?;
            let mut file = fs::File::from(fd);
            file.write_all(bytes).map_err(|e| Error::io(&path, e))?;
            if sync {
                file.sync_all().map_err(|e| Error::io(&path, e))?;
            }
            Ok(())
        })();
        match written {
            Ok(()) => Ok(temp),
            Err(e) => {
                self.discard(std::slice::from_ref(&temp));
                Err(e)
            }
        }
    }

    /// Writes each file under a temporary name and makes them all durable with one sync, ready
    /// to be moved into place; on an error, removes those written and returns it.
    pub fn stage<'f>(
        &mut self,
        files: impl IntoIterator<Item = (&'f str, &'f [u8], u32)>,
    ) -> Result<Vec<Temp>> {
        let temps = self.write_temps(files)?;
        if let Err(e) = self.sync() {
            self.discard(&temps);
            return Err(e);
        }
        Ok(temps)
    }

    /// Writes each file under a temporary name (see `write_temp`); on an error, removes those
    /// written so far and returns it.
    pub fn write_temps<'f>(
        &mut self,
        files: impl IntoIterator<Item = (&'f str, &'f [u8], u32)>,
    ) -> Result<Vec<Temp>> {
        let mut temps = Vec::new();
        for (rel, bytes, mode) in files {
            match self.write_temp(rel, bytes, mode) {
                Ok(temp) => temps.push(temp),
                Err(e) => {
                    self.discard(&temps);
                    return Err(e);
                }
            }
        }
        Ok(temps)
    }

    /// `write_temps`, shared with a second thread when there is much to write: the files are
    /// cut in two runs in path order of about equal cost, and the second run is written
    /// through a copy of this tree's handle of the output folder (never the folder's path
    /// again). On an error, every file written is removed.
    pub fn write_temps_shared(&mut self, files: &[(&str, &[u8], u32)]) -> Result<Vec<Temp>> {
        let cost = |(_, bytes, _): &(&str, &[u8], u32)| bytes.len() + PER_FILE;
        let Some(at) = halfway(files, cost) else {
            return self.write_temps(files.iter().copied());
        };
        let (first, second) = files.split_at(at);
        let (theirs, mine) = self.with_twin(
            |twin| twin.write_temps(second.iter().copied()),
            |tree| tree.write_temps(first.iter().copied()),
        )?;
        match (mine, theirs) {
            (Ok(mut temps), Ok(more)) => {
                temps.extend(more);
                Ok(temps)
            }
            (Ok(temps), Err(e)) | (Err(e), Ok(temps)) => {
                self.discard(&temps);
                Err(e)
            }
            (Err(e), Err(_)) => Err(e),
        }
    }

    /// `persist_all`, shared with a second thread as `write_temps_shared` shares the writes.
    pub fn persist_all_shared(&mut self, temps: &[Temp]) -> Result<()> {
        let Some(at) = halfway(temps, |_| PER_FILE) else {
            return self.persist_all(temps);
        };
        let (first, second) = temps.split_at(at);
        let (theirs, mine) = self.with_twin(
            |twin| twin.persist_all(second),
            |tree| tree.persist_all(first),
        )?;
        mine.and(theirs)
    }

    /// Runs `theirs` on a second thread with a twin of this tree (the same output folder,
    /// through a copy of its handle), beside `mine` on this one.
    fn with_twin<A: Send, B>(
        &mut self,
        theirs: impl FnOnce(&mut Tree) -> A + Send,
        mine: impl FnOnce(&mut Tree) -> B,
    ) -> Result<(A, B)> {
        let share = self.share()?;
        Ok(crate::parallel::join(
            true,
            move || theirs(&mut share.into_tree()),
            || mine(self),
        ))
    }

    /// Moves each temporary file into place, in order; on an error, removes those not moved yet
    /// and returns it.
    pub fn persist_all(&mut self, temps: &[Temp]) -> Result<()> {
        for (i, temp) in temps.iter().enumerate() {
            if let Err(e) = self.persist(temp) {
                self.discard(&temps[i..]);
                return Err(e);
            }
        }
        Ok(())
    }

    /// Renames a temporary file to its final name, in the folder it was written in.
    pub fn persist(&mut self, temp: &Temp) -> Result<()> {
        let (dir, name) = split(&temp.rel);
        let path = self.root.join(&temp.rel);
        let Some(folder) = self.folder(dir, Reach::Existing)? else {
            return Err(Error::io(&path, std::io::Error::from(ErrorKind::NotFound)));
        };
        let from = temp.name.as_str();
        // A name the plan found free is taken only if nothing was put there since (one
        // system call instead of a look and a rename); otherwise it is looked at below.
        if temp.absent && rename_if_free(&folder.fd, from, name).map_err(|e| io(&path, e))? {
            return Ok(());
        }
        // The plan refused a link here; one put here since is refused too, not replaced.
        if is_link(&folder.fd, name) {
            return Err(link_error(&path, self.root));
        }
        rustix::fs::renameat(&folder.fd, from, &folder.fd, name).map_err(|e| io(&path, e))
    }

    /// Removes temporary files that will not be renamed (best effort: the next render's
    /// `clean_temps` removes what is left).
    pub fn discard(&mut self, temps: &[Temp]) {
        for t in temps {
            let (dir, _) = split(&t.rel);
            if let Ok(Some(folder)) = self.folder(dir, Reach::Existing) {
                let _ = rustix::fs::unlinkat(&folder.fd, t.name.as_str(), AtFlags::empty());
            }
        }
    }

    /// Removes the file `rel` and the folders it leaves empty, up to (not including) the output
    /// folder.
    pub fn remove(&mut self, rel: &str) -> Result<()> {
        let (dir, name) = split(rel);
        let Some(folder) = self.folder(dir, Reach::Existing)? else {
            return Ok(());
        };
        let path = folder.path.join(name);
        if is_link(&folder.fd, name) {
            return Err(link_error(&path, self.root));
        }
        match rustix::fs::unlinkat(&folder.fd, name, AtFlags::empty()) {
            Ok(()) | Err(Errno::NOENT) => {}
            Err(e) => return Err(io(&path, e)),
        }
        // Each emptied folder is removed from its parent's handle; `AT_REMOVEDIR` fails on a
        // folder that is not empty, which ends the walk.
        let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
        while let Some(last) = parts.pop() {
            let parent = parts.join("/");
            let Ok(Some(up)) = self.folder(&parent, Reach::Existing) else {
                break;
            };
            if rustix::fs::unlinkat(&up.fd, last, AtFlags::REMOVEDIR).is_err() {
                break;
            }
        }
        // The folders kept above may be gone now; the output folder stays.
        self.chain.truncate(1);
        Ok(())
    }
}

/// What one file costs to write or rename, beside its bytes, as a number of bytes (a file of
/// 32 KiB takes about twice as long to write as an empty one, on tmpfs).
const PER_FILE: usize = 32 * 1024;

/// Below this cost, a second thread is not worth starting.
const SHARED_COST: usize = 64 * PER_FILE;

/// Where to cut `items` into two runs of about equal cost, or `None` when they cost too little
/// to share.
fn halfway<T>(items: &[T], cost: impl Fn(&T) -> usize) -> Option<usize> {
    let total: usize = items.iter().map(&cost).sum();
    if total < SHARED_COST {
        return None;
    }
    let mut sum = 0;
    let at = items.iter().position(|item| {
        sum += cost(item);
        sum >= total / 2
    })?;
    Some(at + 1).filter(|at| *at < items.len())
}

/// Renames `from` to `to` in `folder` only if nothing is at `to`: `false` when something is,
/// or when the system cannot promise it (another kernel, file system or sandbox), and then the
/// caller looks.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn rename_if_free(folder: &OwnedFd, from: &str, to: &str) -> rustix::io::Result<bool> {
    let free = rustix::fs::RenameFlags::NOREPLACE;
    match rustix::fs::renameat_with(folder, from, folder, to, free) {
        Ok(()) => Ok(true),
        Err(Errno::EXIST | Errno::INVAL | Errno::NOSYS | Errno::PERM | Errno::OPNOTSUPP) => {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn rename_if_free(_: &OwnedFd, _: &str, _: &str) -> rustix::io::Result<bool> {
    Ok(false)
}

/// Whether `name` in `folder` is a symbolic link.
fn is_link(folder: &OwnedFd, name: &str) -> bool {
    rustix::fs::statat(folder, name, AtFlags::SYMLINK_NOFOLLOW)
        .is_ok_and(|s| rustix::fs::FileType::from_raw_mode(s.st_mode).is_symlink())
}

/// `dir/name` → (`dir`, `name`); a file at the top has the folder "".
fn split(rel: &str) -> (&str, &str) {
    rel.rsplit_once('/').unwrap_or(("", rel))
}

/// The text of the output folder's file `rel`, or `None` if it does not exist. Refuses a link
/// (the output folder itself, a folder or the file) and anything but a plain file.
pub fn read(root: &Path, rel: &str) -> Result<Option<String>> {
    Tree::new(root).read(rel)
}

fn clean_in(folder: &OwnedFd, depth: usize) {
    // Deeper than anything mcpstack writes: stop rather than walk a hostile tree.
    if depth > 16 {
        return;
    }
    let Ok(entries) = rustix::fs::Dir::read_from(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let bytes = name.to_bytes();
        if bytes == b"." || bytes == b".." {
            continue;
        }
        let kind = match entry.file_type() {
            rustix::fs::FileType::Unknown => {
                match rustix::fs::statat(folder, name, AtFlags::SYMLINK_NOFOLLOW) {
                    Ok(s) => rustix::fs::FileType::from_raw_mode(s.st_mode),
                    Err(_) => continue,
                }
            }
            kind => kind,
        };
        match kind {
            rustix::fs::FileType::Directory => {
                if let Ok(fd) = rustix::fs::openat(folder, name, DIR_FLAGS, Mode::empty()) {
                    clean_in(&fd, depth + 1);
                }
            }
            rustix::fs::FileType::RegularFile => {
                let text = String::from_utf8_lossy(bytes);
                if text.starts_with(TEMP_PREFIX) && text.ends_with(TEMP_SUFFIX) {
                    let _ = rustix::fs::unlinkat(folder, name, AtFlags::empty());
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// A part's tree does not look for files in the folders it made (nothing but temporary
    /// files is there until the render commits); other trees, and other folders, are read.
    #[test]
    fn a_part_finds_nothing_in_the_folders_it_made() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let share = Tree::new(&root).share().unwrap();
        let mut part = share.part().unwrap();
        part.write_temp("a/b/one", b"1", 0o644).unwrap();
        fs::write(root.join("a/b/two"), "2").unwrap();
        fs::create_dir(root.join("a/c")).unwrap();
        fs::write(root.join("a/c/three"), "3").unwrap();
        fs::create_dir(root.join("d")).unwrap();
        fs::write(root.join("d/four"), "4").unwrap();
        assert_eq!(part.read("a/b/two").unwrap(), None);
        assert_eq!(part.read("a/c/three").unwrap(), None);
        assert_eq!(part.same("a/b/two", b"2").unwrap(), None);
        assert_eq!(part.read("d/four").unwrap().as_deref(), Some("4"));
        let mut plain = share.tree().unwrap();
        assert_eq!(plain.read("a/b/two").unwrap().as_deref(), Some("2"));
        assert_eq!(plain.read("a/c/three").unwrap().as_deref(), Some("3"));
        // What it writes there it still finds to remove, after a read there from elsewhere.
        let temp = part.write_temp("a/c/five", b"5", 0o644).unwrap();
        assert_eq!(part.read("d/four").unwrap().as_deref(), Some("4"));
        assert_eq!(part.read("a/c/three").unwrap(), None);
        part.discard(std::slice::from_ref(&temp));
        assert_eq!(fs::read_dir(root.join("a/c")).unwrap().count(), 1);
    }

    #[test]
    fn a_link_swapped_in_after_a_folder_was_opened_is_never_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let outside = tmp.path().join("outside");
        fs::create_dir_all(&outside).unwrap();
        let mut tree = Tree::new(&root);
        let temp = tree
            .write_temp("nginx/nginx.conf", b"new\n", 0o644)
            .unwrap();
        // Between the write and the rename the folder is moved away and a link to a folder
        // outside put in its place.
        fs::rename(root.join("nginx"), root.join("moved")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("nginx")).unwrap();
        tree.persist(&temp).unwrap();
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
        assert_eq!(fs::read(root.join("moved/nginx.conf")).unwrap(), b"new\n");
        // A fresh walk refuses the link.
        let err = Tree::new(&root).read("nginx/nginx.conf").unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        let err = Tree::new(&root)
            .write_temp("nginx/other.conf", b"x", 0o644)
            .unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
    }

    #[test]
    fn a_file_put_after_the_output_folder_was_swapped_for_a_link_stays_inside() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let outside = tmp.path().join("outside");
        fs::create_dir_all(&outside).unwrap();
        let mut tree = Tree::new(&root);
        tree.put(".mcpstack-manifest.json", b"intent\n", 0o644)
            .unwrap();
        // The output folder itself moved away, a link to a folder outside in its place.
        fs::rename(&root, tmp.path().join("moved")).unwrap();
        std::os::unix::fs::symlink(&outside, &root).unwrap();
        tree.put(".mcpstack-manifest.json", b"done\n", 0o644)
            .unwrap();
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
        let moved = tmp.path().join("moved");
        assert_eq!(
            fs::read(moved.join(".mcpstack-manifest.json")).unwrap(),
            b"done\n"
        );
        // Only the file: no temporary name left beside it.
        assert_eq!(fs::read_dir(&moved).unwrap().count(), 1);
        // A fresh walk refuses the link.
        let err = Tree::new(&root)
            .put(".mcpstack-manifest.json", b"x", 0o644)
            .unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(fs::read_dir(&outside).unwrap().count(), 0);
    }

    #[test]
    fn a_link_put_at_a_file_s_name_before_its_rename_is_refused_and_left() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let victim = tmp.path().join("victim");
        fs::write(&victim, "victim").unwrap();
        // Whether or not the plan found the name free.
        for absent in [false, true] {
            let _ = fs::remove_dir_all(&root);
            let mut tree = Tree::new(&root);
            let temp = tree.write_temp("compose.yaml", b"new\n", 0o644).unwrap();
            let temp = if absent { temp.was_free() } else { temp };
            std::os::unix::fs::symlink(&victim, root.join("compose.yaml")).unwrap();
            let err = tree.persist(&temp).unwrap_err();
            assert!(err.to_string().contains("is a symbolic link"), "{err}");
            assert!(fs::symlink_metadata(root.join("compose.yaml"))
                .unwrap()
                .file_type()
                .is_symlink());
            assert_eq!(fs::read_to_string(&victim).unwrap(), "victim");
            tree.discard(&[temp]);
            let left: Vec<_> = fs::read_dir(&root).unwrap().flatten().collect();
            assert_eq!(left.len(), 1, "{left:?}");
        }
    }

    /// A name found free by the plan is taken; a file put there since is replaced, as any
    /// file of a render is.
    #[test]
    fn a_name_found_free_is_taken_and_a_file_put_there_since_is_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let mut tree = Tree::new(&root);
        let free = tree.write_temp("a/one.yaml", b"1\n", 0o644).unwrap();
        let taken = tree.write_temp("a/two.yaml", b"2\n", 0o644).unwrap();
        fs::write(root.join("a/two.yaml"), "since").unwrap();
        tree.persist(&free.was_free()).unwrap();
        tree.persist(&taken.was_free()).unwrap();
        assert_eq!(fs::read_to_string(root.join("a/one.yaml")).unwrap(), "1\n");
        assert_eq!(fs::read_to_string(root.join("a/two.yaml")).unwrap(), "2\n");
        assert_eq!(fs::read_dir(root.join("a")).unwrap().count(), 2);
    }

    #[test]
    fn a_step_out_of_the_output_folder_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let mut tree = Tree::new(&root);
        assert!(tree.write_temp("../outside.txt", b"x", 0o644).is_err());
        assert!(tree.write_temp("a/../../outside.txt", b"x", 0o644).is_err());
        assert!(!tmp.path().join("outside.txt").exists());
    }

    #[test]
    fn removing_a_file_removes_the_folders_it_empties_and_nothing_through_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let mut tree = Tree::new(&root);
        for rel in ["a/b/c.txt", "a/keep.txt"] {
            let t = tree.write_temp(rel, b"x", 0o644).unwrap();
            tree.persist(&t).unwrap();
        }
        tree.remove("a/b/c.txt").unwrap();
        assert!(!root.join("a/b").exists());
        assert!(root.join("a/keep.txt").exists());
        let outside = tmp.path().join("outside");
        fs::create_dir_all(&outside).unwrap();
        fs::write(outside.join("keep.txt"), "victim").unwrap();
        fs::remove_file(root.join("a/keep.txt")).unwrap();
        fs::remove_dir(root.join("a")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("a")).unwrap();
        tree.remove("a/keep.txt").unwrap_err();
        assert_eq!(
            fs::read_to_string(outside.join("keep.txt")).unwrap(),
            "victim"
        );
    }

    /// Many files, in many folders: enough to be shared between two threads.
    fn many() -> Vec<(String, Vec<u8>, u32)> {
        (0..300)
            .map(|i| {
                let mode = if i % 7 == 0 { 0o755 } else { 0o644 };
                (
                    format!("build/s{i:03}/Dockerfile"),
                    format!("FROM {i}\n").into_bytes(),
                    mode,
                )
            })
            .chain([("nginx/nginx.conf".to_string(), vec![b'x'; 3 << 20], 0o644)])
            .collect()
    }

    #[test]
    fn files_shared_between_two_threads_are_each_written_once_with_their_mode() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let files = many();
        let refs: Vec<_> = files
            .iter()
            .map(|(p, b, m)| (p.as_str(), b.as_slice(), *m))
            .collect();
        assert!(halfway(&refs, |(_, b, _)| b.len() + PER_FILE).is_some());
        let mut tree = Tree::new(&root);
        tree.lock().unwrap();
        let temps = tree.write_temps_shared(&refs).unwrap();
        assert_eq!(temps.len(), files.len());
        // Two threads, two sets of temporary names: none written twice, none lost.
        let names: HashSet<&str> = temps.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names.len(), files.len());
        tree.persist_all_shared(&temps).unwrap();
        for (path, bytes, mode) in &files {
            let meta = fs::metadata(root.join(path)).unwrap();
            assert_eq!(meta.permissions().mode() & 0o7777, *mode, "{path}");
            assert_eq!(&fs::read(root.join(path)).unwrap(), bytes, "{path}");
        }
        let mut left = Vec::new();
        clean_in_list(&root, &mut left);
        assert!(left.is_empty(), "temporary files left: {left:?}");
    }

    #[test]
    fn when_the_second_thread_fails_no_temporary_file_is_left() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let mut files = many();
        // A file where the second half needs a folder (its last file's folder).
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("nginx"), "a file, not a folder").unwrap();
        files.push(("zz/last".to_string(), b"z".to_vec(), 0o644));
        let refs: Vec<_> = files
            .iter()
            .map(|(p, b, m)| (p.as_str(), b.as_slice(), *m))
            .collect();
        let mut tree = Tree::new(&root);
        tree.lock().unwrap();
        let err = tree.write_temps_shared(&refs).unwrap_err();
        assert!(err.to_string().contains("nginx"), "{err}");
        let mut left = Vec::new();
        clean_in_list(&root, &mut left);
        assert!(left.is_empty(), "temporary files left: {left:?}");
    }

    /// Every temporary file under `dir`.
    fn clean_in_list(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                clean_in_list(&path, out);
            } else if entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                out.push(path);
            }
        }
    }

    /// A second writer on another thread: it locks `root` (waiting for the lock), then runs `then`.
    fn after_lock<T: Send + 'static>(
        root: &Path,
        then: impl FnOnce(&mut Tree) -> T + Send + 'static,
    ) -> std::thread::JoinHandle<T> {
        let root = root.to_path_buf();
        std::thread::spawn(move || {
            let mut second = Tree::new(&root);
            second.lock().unwrap();
            then(&mut second)
        })
    }

    /// A run that made the output folder and removes it on a failure does not leave a run
    /// waiting for its lock with a handle of a removed folder: that run makes it again.
    #[test]
    fn a_writer_waiting_on_a_folder_that_is_then_removed_makes_it_again() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let mut first = Tree::new(&root);
        first.lock().unwrap();
        let second = after_lock(&root, |second| {
            second.put("compose.yaml", b"second\n", 0o644)
        });
        // Time for the second writer to open the folder and wait for its lock.
        std::thread::sleep(std::time::Duration::from_millis(300));
        fs::remove_dir(&root).unwrap();
        drop(first);
        second.join().unwrap().unwrap();
        assert_eq!(
            fs::read_to_string(root.join("compose.yaml")).unwrap(),
            "second\n"
        );
    }

    #[test]
    fn a_second_writer_waits_until_the_first_is_done() {
        use std::sync::{Arc, Mutex};
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let mut first = Tree::new(&root);
        first.lock().unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let second = {
            let order = Arc::clone(&order);
            after_lock(&root, move |_| order.lock().unwrap().push("second writes"))
        };
        // Time for the second writer to get past its lock if the lock did not hold it.
        std::thread::sleep(std::time::Duration::from_millis(300));
        first.put("compose.yaml", b"first\n", 0o644).unwrap();
        order.lock().unwrap().push("first done");
        drop(first);
        second.join().unwrap();
        assert_eq!(*order.lock().unwrap(), ["first done", "second writes"]);
    }

    #[test]
    fn leftover_temporary_files_are_removed_without_entering_links() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let outside = tmp.path().join("outside");
        fs::create_dir_all(root.join("x/y")).unwrap();
        fs::create_dir_all(&outside).unwrap();
        let left = ".mcpstack-0123.tmp";
        for dir in [&root, &root.join("x/y"), &outside] {
            fs::write(dir.join(left), "half").unwrap();
        }
        fs::write(root.join("x/keep.txt"), "keep").unwrap();
        std::os::unix::fs::symlink(&outside, root.join("x/link")).unwrap();
        Tree::new(&root).clean_temps();
        assert!(!root.join(left).exists());
        assert!(!root.join("x/y").join(left).exists());
        assert!(root.join("x/keep.txt").exists());
        assert!(outside.join(left).exists());
    }
}
