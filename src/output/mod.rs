//! Writes rendered files into the output folder: a manifest of hashes, drift checks,
//! refusal to overwrite hand edits, removal of files no longer produced.
//!
//! Everything stays inside the output folder: manifest paths are normalised and confined
//! (`manifest`), and no link is followed for reads, writes or deletes (`tree`). A render is a
//! transaction: it records the hashes it is about to write in the manifest (`pending`), writes
//! every file to a temporary name, syncs once, renames, removes orphans, then commits the
//! manifest. A run that fails or is killed leaves each file old or new, both known to the
//! manifest, so the next render completes it instead of calling it a hand edit.

mod atomic;
mod manifest;
mod tree;

pub use atomic::write_atomic;
pub use manifest::{sha256, Manifest, MANIFEST};
pub use tree::{check as refuse_links, on_wait, read};

use crate::error::{Error, Result};
use crate::render::{File, Target};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// What one path needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    UpToDate,
    Missing,
    /// The config now renders something else; the file is as mcpstack left it.
    Stale,
    /// Someone changed the file since mcpstack wrote it (or it was never ours).
    HandEdited,
    /// mcpstack wrote it earlier; the config no longer produces it.
    Orphan,
    /// An orphan that was edited by hand.
    OrphanEdited,
}

/// `old` is read only for paths that change (a diff shows it), and `new` borrows the rendered
/// text of a file that changes (`write_parts`, which has written it already, keeps none): an
/// up-to-date file costs no memory beyond its path.
#[derive(Debug)]
pub struct Entry<'a> {
    pub path: String,
    pub state: State,
    pub old: Option<String>,
    pub new: Option<&'a str>,
}

impl Entry<'_> {
    /// A file the render no longer makes (edited by hand or not).
    pub fn is_orphan(&self) -> bool {
        matches!(self.state, State::Orphan | State::OrphanEdited)
    }
}

/// Compares the rendered Compose files with the output folder. Reads only.
pub fn plan<'a>(dir: &Path, files: &'a [File]) -> Result<Vec<Entry<'a>>> {
    plan_for(dir, files, Target::Compose)
}

/// Writes a file that is no render (`push`'s Kubernetes overlay) into the output folder, under
/// the writer's rules: inside the folder, no link followed, atomic. `render` never removes it.
pub fn write_unrendered(dir: &Path, rel: &str, contents: &str) -> Result<()> {
    write_group(
        tree::Tree::new(dir),
        &[(rel.to_string(), contents.as_bytes(), 0o644)],
    )
}

/// Writes `files` into `folder` of the output folder as one group (see `write_group`); folders
/// it makes are 0700. For the local certificate: its key, then its chain.
pub fn write_private(dir: &Path, folder: &str, files: &[(&str, &[u8], u32)]) -> Result<()> {
    let files: Vec<(String, &[u8], u32)> = files
        .iter()
        .map(|(name, bytes, mode)| (format!("{folder}/{name}"), *bytes, *mode))
        .collect();
    write_group(tree::Tree::private(dir), &files)
}

/// Writes files that are not a render under the writer's rules (inside the output folder, no
/// link followed or replaced, modes from creation): each under a temporary name, one sync,
/// each moved into place in the order given, one more sync.
fn write_group(mut tree: tree::Tree, files: &[(String, &[u8], u32)]) -> Result<()> {
    tree.lock()?;
    write_all(&mut tree, files)
}

/// `write_group`'s writes, under a lock the caller holds.
fn write_all(tree: &mut tree::Tree, files: &[(String, &[u8], u32)]) -> Result<()> {
    // A link (or anything but a file) at a name is refused before anything is written.
    for (rel, _, _) in files {
        tree.refuse_unsafe(rel)?;
    }
    let temps = tree.stage(files.iter().map(|(rel, b, m)| (rel.as_str(), *b, *m)))?;
    tree.persist_all(&temps)?;
    tree.sync()
}

/// Whether the output folder holds the file `rel` (read without following links).
pub fn holds(dir: &Path, rel: &str) -> Result<bool> {
    Ok(read(dir, rel)?.is_some())
}

/// Changes a file of secrets that is no render (`token`'s `.env`) under the output folder's
/// lock: `change` gets the text now there (`None` if there is none), and what it returns is
/// written 0600 from creation under the writer's rules. A second run waits, then reads what
/// this one wrote.
pub fn update_secret<T>(
    dir: &Path,
    rel: &str,
    change: impl FnOnce(Option<String>) -> Result<(String, T)>,
) -> Result<T> {
    let mut tree = tree::Tree::new(dir);
    tree.lock()?;
    let (text, out) = change(tree.read(rel)?)?;
    write_all(&mut tree, &[(rel.to_string(), text.as_bytes(), 0o600)])?;
    Ok(out)
}

/// Compares one target's rendered files with the output folder; the other target's files are
/// neither checked nor orphans. Reads only.
pub fn plan_for<'a>(dir: &Path, files: &'a [File], target: Target) -> Result<Vec<Entry<'a>>> {
    // The tree refuses an output folder that is a link before it reads anything.
    let mut tree = tree::Tree::new(dir);
    let (manifest, _) = manifest::read(&mut tree)?;
    plan_with(&mut tree, files, &manifest, target)
}

fn plan_with<'a>(
    tree: &mut tree::Tree,
    files: &'a [File],
    manifest: &Manifest,
    target: Target,
) -> Result<Vec<Entry<'a>>> {
    let mut entries = Vec::new();
    for f in files {
        entries.push(plan_file(tree, f, manifest)?);
    }
    let rendered: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    entries.extend(plan_orphans(tree, manifest, &rendered, target)?);
    Ok(entries)
}

/// What `check_parts` found: an entry for every rendered file (in path order, then the
/// orphans), holding the rendered text only of the files that differ.
pub struct Checked {
    rows: Vec<(String, State, Option<String>, Option<String>)>,
}

impl Checked {
    /// The entries, as `plan_for` gives them.
    pub fn entries(&self) -> Vec<Entry<'_>> {
        self.rows
            .iter()
            .map(|(path, state, old, new)| Entry {
                path: path.clone(),
                state: state.clone(),
                old: old.clone(),
                new: new.as_deref(),
            })
            .collect()
    }
}

/// `plan_for`, part by part as `render` hands them over, on whichever thread made each: a file
/// found up to date is dropped at once, so a check holds the texts of the files that differ,
/// not the whole render. Reads only.
pub fn check_parts(
    dir: &Path,
    target: Target,
    render: impl FnOnce(&(dyn Fn(Vec<File>) -> Result<()> + Sync)) -> Result<()>,
) -> Result<Checked> {
    // The tree refuses an output folder that is a link before it reads anything.
    let mut tree = tree::Tree::new(dir);
    let (manifest, _) = manifest::read(&mut tree)?;
    let found = std::sync::Mutex::new(Vec::new());
    render(&|files| {
        let mut part = tree::Tree::new(dir);
        let mut rows = Vec::with_capacity(files.len());
        for f in files {
            let Entry {
                path,
                state,
                old,
                new,
            } = plan_file(&mut part, &f, &manifest)?;
            let differs = new.is_some();
            rows.push((path, state, old, differs.then_some(f.contents)));
        }
        lock(&found).extend(rows);
        Ok(())
    })?;
    let mut rows = into_inner(found);
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let rendered: HashSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let orphans = plan_orphans(&mut tree, &manifest, &rendered, target)?;
    rows.extend(orphans.into_iter().map(|e| (e.path, e.state, e.old, None)));
    Ok(Checked { rows })
}

/// What the rendered file `f` needs.
fn plan_file<'a>(tree: &mut tree::Tree, f: &'a File, manifest: &Manifest) -> Result<Entry<'a>> {
    let rel = manifest::normalise(&f.path)
        .filter(|rel| *rel == f.path)
        .ok_or_else(|| anyhow::anyhow!("renderer produced an unsafe path `{}`", f.path))?;
    // The whole old text is read only for a file that changes (its hash and diff need it).
    let old = match tree.same(&rel, f.contents.as_bytes())? {
        Some(true) => {
            return Ok(Entry {
                path: rel,
                state: State::UpToDate,
                old: None,
                new: None,
            })
        }
        Some(false) => tree.read(&rel)?,
        None => None,
    };
    let state = match &old {
        None => State::Missing,
        Some(text) if manifest.is_ours(&rel, text) => State::Stale,
        Some(_) => State::HandEdited,
    };
    Ok(Entry {
        path: rel,
        state,
        old,
        new: Some(f.contents.as_str()),
    })
}

/// The target's files the manifest lists that were not `rendered` and are still there.
fn plan_orphans(
    tree: &mut tree::Tree,
    manifest: &Manifest,
    rendered: &HashSet<&str>,
    target: Target,
) -> Result<Vec<Entry<'static>>> {
    let mut entries = Vec::new();
    for path in manifest.paths() {
        if !target.owns(path) || rendered.contains(path.as_str()) {
            continue;
        }
        if let Some(text) = tree.read(path)? {
            let state = if manifest.is_ours(path, &text) {
                State::Orphan
            } else {
                State::OrphanEdited
            };
            entries.push(Entry {
                path: path.clone(),
                state,
                old: Some(text),
                new: None,
            });
        }
    }
    Ok(entries)
}

/// A unified diff from what is on disk to what render would write.
/// A unified diff of one entry. `shown` is the output folder as the user should read it
/// (relative to the current folder where it can be): the headers name `a/<shown>/<path>`, so a
/// CI log points at the file in the repository.
pub fn diff(e: &Entry, shown: &str) -> String {
    let old = e.old.as_deref().unwrap_or("");
    let new = e.new.unwrap_or("");
    let path = match shown {
        "" | "." => e.path.clone(),
        dir => format!("{}/{}", dir.trim_end_matches('/'), e.path),
    };
    // `a/`/`b/` only for a path inside the current folder (as git writes them).
    let (a, b) = if Path::new(&path).is_absolute() || path.starts_with("..") {
        (path.clone(), path)
    } else {
        (format!("a/{path}"), format!("b/{path}"))
    };
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string()
}

pub fn describe(e: &Entry) -> &'static str {
    match e.state {
        State::UpToDate => "up to date",
        State::Missing => "missing",
        State::Stale => "stale",
        State::HandEdited => "edited by hand",
        State::Orphan => "no longer generated",
        State::OrphanEdited => "no longer generated, edited by hand",
    }
}

/// What `render` did.
#[derive(Debug, Default)]
pub struct Report {
    pub written: Vec<String>,
    pub removed: Vec<String>,
    pub unchanged: usize,
}

/// Writes every Compose file that changed (see `write_for`).
pub fn write(dir: &Path, config_name: &str, files: &[File], force: bool) -> Result<Report> {
    write_for(dir, config_name, files, force, Target::Compose)
}

/// Writes every file of `target` that changed, removes that target's orphans, then the
/// manifest (which keeps the other target's entries as they were). Refuses hand-edited files
/// unless `force`, and any link or escaping manifest entry; then nothing at all is written.
pub fn write_for(
    dir: &Path,
    config_name: &str,
    files: &[File],
    force: bool,
    target: Target,
) -> Result<Report> {
    // The hashes the manifest records are made on a second thread (for a large render), beside
    // the plan and the writes of the temporary files, which do not need them.
    let bytes: usize = files.iter().map(|f| f.contents.len()).sum();
    let (hashes, staged) = crate::parallel::join(
        bytes > PARALLEL_BYTES,
        || {
            files
                .iter()
                .map(|f| sha256(f.contents.as_bytes()))
                .collect::<Vec<_>>()
        },
        || stage(dir, files, force, target),
    );
    commit(staged?, config_name, hashes, target)
}

/// Hashing more than this many bytes is worth a second thread (about 0.1 ms of work).
const PARALLEL_BYTES: usize = 256 * 1024;

/// A render planned and written to temporary names, under the output folder's lock.
struct Staged<'a> {
    tree: tree::Tree<'a>,
    old: Manifest,
    old_text: Option<String>,
    entries: Vec<Entry<'a>>,
    temps: Vec<tree::Temp>,
}

/// Locks the output folder, plans, refuses hand edits (unless `force`), and writes each new
/// text to a temporary name: nothing the user sees has changed yet.
fn stage<'a>(dir: &'a Path, files: &'a [File], force: bool, target: Target) -> Result<Staged<'a>> {
    // One tree for the whole render: the output folder is opened once (refused if it is a
    // link), and the plan, the files, the removals and the manifest all go through its handle.
    let mut tree = tree::Tree::new(dir);
    tree.lock()?;
    let (old, old_text) = manifest::read(&mut tree)?;
    let entries = plan_with(&mut tree, files, &old, target)?;
    refuse_hand_edits(dir, &entries, force)?;
    tree.clean_temps();
    let written: Vec<_> = entries
        .iter()
        .filter(|e| e.state != State::UpToDate)
        .filter_map(|e| {
            let contents = e.new?;
            Some((e.path.as_str(), contents.as_bytes(), mode_for(&e.path)))
        })
        .collect();
    let temps = tree.write_temps_shared(&written)?;
    Ok(Staged {
        tree,
        old,
        old_text,
        entries,
        temps,
    })
}

/// Refuses files edited by hand (unless `force`), naming each.
fn refuse_hand_edits(dir: &Path, entries: &[Entry], force: bool) -> Result<()> {
    let edited: Vec<String> = entries
        .iter()
        .filter(|e| matches!(e.state, State::HandEdited | State::OrphanEdited))
        .map(|e| dir.join(&e.path).display().to_string())
        .collect();
    if !edited.is_empty() && !force {
        return Err(Error::HandEdited { files: edited });
    }
    Ok(())
}

/// Writes a render as its parts come, under the rules of `write_for`, whose result it gives.
/// The output folder is locked and its manifest read first; `render` hands each part to the
/// function it is given, on whichever thread made it, and the part is planned, hashed and
/// written to temporary names at once, while the next is rendered; its texts are dropped then
/// (the commit needs the paths and hashes). When every part is in, orphans and hand edits are
/// found and the whole is committed as `write_for` commits it: until then nothing the user
/// sees has changed. On an error before the commit (the render's, a write's, a hand edit) the
/// temporary files are removed, and so are the folders this run made for them, the output
/// folder included (a run waiting for the lock makes it again). A panic leaves its temporary
/// files to the next run, which removes them.
pub fn write_parts(
    dir: &Path,
    config_name: &str,
    force: bool,
    target: Target,
    render: impl FnOnce(&(dyn Fn(Vec<File>) -> Result<()> + Sync)) -> Result<()>,
) -> Result<Report> {
    let missing = missing_folders(dir);
    let mut tree = tree::Tree::new(dir);
    let opened = (|| {
        tree.lock()?;
        let (old, old_text) = manifest::read(&mut tree)?;
        tree.clean_temps();
        let share = tree.share()?;
        Ok::<_, Error>((old, old_text, share))
    })();
    let (old, old_text, share) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            give_up(&mut tree, &[], &[], &missing);
            return Err(e);
        }
    };
    let taken = std::sync::Mutex::new(Vec::new());
    let made = std::sync::Mutex::new(Vec::new());
    let rendered = render(&|files| {
        let mut part = share.part()?;
        let result = take(&mut part, &old, force, files);
        lock(&made).extend(part.made_dirs());
        lock(&taken).push(result?);
        Ok(())
    });
    let (taken, made) = (into_inner(taken), into_inner(made));
    // Every file in path order, as `write_for` has them.
    let mut temps = Vec::new();
    let mut rows = Vec::new();
    for t in taken {
        temps.extend(t.temps);
        rows.extend(t.planned.into_iter().zip(t.hashes));
    }
    if let Err(e) = rendered {
        give_up(&mut tree, &temps, &made, &missing);
        return Err(e);
    }
    rows.sort_by(|(a, _), (b, _)| a.path.cmp(&b.path));
    temps.sort_by(|a, b| a.rel().cmp(b.rel()));
    let (mut entries, hashes): (Vec<Entry>, Vec<_>) = rows.into_iter().unzip();
    let rendered: HashSet<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    let checked = plan_orphans(&mut tree, &old, &rendered, target).and_then(|orphans| {
        entries.extend(orphans);
        refuse_hand_edits(dir, &entries, force)
    });
    if let Err(e) = checked {
        give_up(&mut tree, &temps, &made, &missing);
        return Err(e);
    }
    let staged = Staged {
        tree,
        old,
        old_text,
        entries,
        temps,
    };
    commit(staged, config_name, hashes, target)
}

/// One part of a render, planned, hashed and written to temporary names by `write_parts`.
struct Taken {
    /// Each file's entry; the texts are written already, so the entries hold none.
    planned: Vec<Entry<'static>>,
    hashes: Vec<String>,
    temps: Vec<tree::Temp>,
}

/// Plans `files`, writes those that change to temporary names (not a file edited by hand,
/// unless `force`: the render is refused then) and hashes them all; their texts are dropped
/// then. On an error, the temporary files written are removed.
fn take(tree: &mut tree::Tree, old: &Manifest, force: bool, files: Vec<File>) -> Result<Taken> {
    let mut planned = Vec::with_capacity(files.len());
    let mut hashes = Vec::with_capacity(files.len());
    let mut temps = Vec::new();
    for f in &files {
        let step = plan_file(tree, f, old).and_then(|e| {
            if e.new.is_some() && (force || e.state != State::HandEdited) {
                let temp = tree.write_temp(&e.path, f.contents.as_bytes(), mode_for(&e.path))?;
                temps.push(match e.state {
                    State::Missing => temp.was_free(),
                    _ => temp,
                });
            }
            Ok(Entry {
                path: e.path,
                state: e.state,
                old: e.old,
                new: None,
            })
        });
        match step {
            Ok(plan) => planned.push(plan),
            Err(e) => {
                tree.discard(&temps);
                return Err(e);
            }
        }
        hashes.push(sha256(f.contents.as_bytes()));
    }
    Ok(Taken {
        planned,
        hashes,
        temps,
    })
}

/// Undoes a `write_parts` that will not commit: its temporary files, the folders it made for
/// them, and the output folder and its parents if it made them (each only if empty).
fn give_up(tree: &mut tree::Tree, temps: &[tree::Temp], made: &[String], missing: &[PathBuf]) {
    tree.discard(temps);
    tree.unmake(made);
    for folder in missing {
        let _ = std::fs::remove_dir(folder);
    }
}

/// The output folder and those of its parents that do not exist, the deepest first.
fn missing_folders(dir: &Path) -> Vec<PathBuf> {
    dir.ancestors()
        .filter(|p| !p.as_os_str().is_empty())
        .take_while(|p| {
            matches!(std::fs::symlink_metadata(p), Err(e) if e.kind() == std::io::ErrorKind::NotFound)
        })
        .map(Path::to_path_buf)
        .collect()
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn into_inner<T>(m: std::sync::Mutex<T>) -> T {
    m.into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Records the new hashes, moves the staged files into place, removes the target's orphans,
/// then writes the manifest (which keeps the other target's entries as they were).
fn commit(
    staged: Staged,
    config_name: &str,
    hashes: Vec<String>,
    target: Target,
) -> Result<Report> {
    let Staged {
        mut tree,
        old,
        old_text,
        entries,
        temps,
    } = staged;
    // The other target's files stay the manifest's, exactly as they were.
    let others = |map: &std::collections::BTreeMap<String, String>| {
        map.iter()
            .filter(|(path, _)| !target.owns(path))
            .map(|(p, h)| (p.clone(), h.clone()))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let mut kept = others(&old.files);
    // The rendered files' entries come first, in the order of their hashes; orphans follow.
    let rendered = entries.iter().filter(|e| !e.is_orphan());
    kept.extend(rendered.map(|e| e.path.clone()).zip(hashes));
    let done = Manifest {
        generator: format!("mcpstack {}", env!("CARGO_PKG_VERSION")),
        config: config_name.to_string(),
        files: kept,
        pending: others(&old.pending),
    };
    let mut report = Report::default();
    let changes: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.state != State::UpToDate)
        .collect();
    report.unchanged = entries.len() - changes.len();
    // After a transaction the manifest on disk is its intent, which lists pending files.
    let on_disk = if changes.is_empty() {
        old_text
    } else {
        transaction(
            &mut tree,
            &old,
            old_text.as_deref(),
            &entries,
            &changes,
            &done,
            &temps,
        )?;
        None
    };
    for e in changes {
        match e.state {
            State::Orphan | State::OrphanEdited => report.removed.push(e.path.clone()),
            _ => report.written.push(e.path.clone()),
        }
    }
    let text = done.to_text()?;
    if on_disk.as_deref() != Some(text.as_str()) {
        tree.put(MANIFEST, text.as_bytes(), 0o644)?;
    }
    Ok(report)
}

/// Intent, one sync, renames, removals; the temporary files are written already. The caller
/// commits the manifest. The manifest is written through the same folder handles as the files;
/// `before` is its text as found, put back if the run fails before any file is replaced.
fn transaction(
    tree: &mut tree::Tree,
    old: &Manifest,
    before: Option<&str>,
    entries: &[Entry],
    changes: &[&Entry],
    done: &Manifest,
    temps: &[tree::Temp],
) -> Result<()> {
    // Through folder handles, the manifest too: each folder is opened (or made) once for the
    // files in it, and nothing is reached through a link, even one swapped in while this runs.
    // What is on disk now and ours, and what this run writes: both count as ours until the end.
    let mut ours: std::collections::BTreeMap<String, String> = entries
        .iter()
        .filter_map(|e| {
            if e.state == State::UpToDate {
                // On disk as rendered: its hash is the one about to be recorded.
                return Some((e.path.clone(), done.files.get(&e.path)?.clone()));
            }
            let text = e.old.as_ref()?;
            old.is_ours(&e.path, text)
                .then(|| (e.path.clone(), sha256(text.as_bytes())))
        })
        .collect();
    // The other target's entries (in `done` already) stay as they are.
    let planned: HashSet<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    for (path, hash) in &old.files {
        if done.files.get(path) == Some(hash) && !planned.contains(path.as_str()) {
            ours.insert(path.clone(), hash.clone());
        }
    }
    let mut pending = done.pending.clone();
    pending.extend(done.files.clone());
    let intent = Manifest {
        generator: done.generator.clone(),
        config: done.config.clone(),
        files: ours,
        pending,
    };
    if let Err(err) = intent
        .to_text()
        .and_then(|text| tree.put(MANIFEST, text.as_bytes(), 0o644))
    {
        tree.discard(temps);
        return Err(err);
    }
    // One sync makes the temporary files durable; until a rename, nothing was replaced: on an
    // error the old manifest is put back (best effort; the intent would be recognised too).
    if let Err(err) = tree.sync() {
        tree.discard(temps);
        let _ = match before {
            Some(text) => tree.put(MANIFEST, text.as_bytes(), 0o644),
            None => tree.remove(MANIFEST),
        };
        return Err(err);
    }
    tree.persist_all_shared(temps)?;
    for e in changes.iter().filter(|e| e.is_orphan()) {
        tree.remove(&e.path)?;
    }
    tree.sync()
}

fn mode_for(path: &str) -> u32 {
    if path.ends_with(".sh") {
        0o755
    } else {
        0o644
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_private_group_lands_in_a_0700_folder_with_its_modes_and_never_through_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let files: [(&str, &[u8], u32); 2] = [
            ("privkey.pem", b"key\n", 0o600),
            ("fullchain.pem", b"chain\n", 0o644),
        ];
        write_private(&root, "certs", &files).unwrap();
        assert_eq!(mode(&root.join("certs")), 0o700);
        assert_eq!(mode(&root.join("certs/privkey.pem")), 0o600);
        assert_eq!(mode(&root.join("certs/fullchain.pem")), 0o644);
        assert_eq!(
            std::fs::read(root.join("certs/privkey.pem")).unwrap(),
            b"key\n"
        );
        // The folder replaced by a link to a folder outside: refused, nothing written there.
        let outside = tmp.path().join("outside");
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::remove_dir_all(root.join("certs")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("certs")).unwrap();
        let err = write_private(&root, "certs", &files).unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
        // The key's name made a link: refused before anything is written.
        std::fs::remove_file(root.join("certs")).unwrap();
        std::fs::create_dir(root.join("certs")).unwrap();
        std::os::unix::fs::symlink(outside.join("key"), root.join("certs/privkey.pem")).unwrap();
        let err = write_private(&root, "certs", &files).unwrap_err();
        assert!(err.to_string().contains("is a symbolic link"), "{err}");
        assert!(!outside.join("key").exists());
        assert_eq!(std::fs::read_dir(root.join("certs")).unwrap().count(), 1);
    }

    fn file(path: &str, contents: &str) -> File {
        File {
            path: path.into(),
            contents: contents.into(),
        }
    }

    /// Every path under `dir` (folders too), relative, sorted.
    fn listing(dir: &Path) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                out.push(p.strip_prefix(root).unwrap().display().to_string());
                if p.is_dir() {
                    walk(root, &p, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(dir, dir, &mut out);
        out.sort();
        out
    }

    /// Hands the first part to `each` on a second thread, the others on this one.
    fn two_threads(
        parts: Vec<Vec<File>>,
        each: &(dyn Fn(Vec<File>) -> Result<()> + Sync),
    ) -> Result<()> {
        std::thread::scope(|s| {
            let mut parts = parts.into_iter();
            let first = parts.next().unwrap();
            let other = s.spawn(move || each(first));
            parts.try_for_each(each)?;
            other.join().unwrap()
        })
    }

    /// Parts handed from two threads land as one render: every file, in path order, in the
    /// manifest; and a second render of the same parts changes nothing.
    #[test]
    fn parts_written_as_they_come_make_one_render() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let parts = || {
            vec![
                vec![file("b/two.conf", "2"), file("b/c/three.sh", "3")],
                vec![file("one.yaml", "1")],
            ]
        };
        let render = |each: &(dyn Fn(Vec<File>) -> Result<()> + Sync)| two_threads(parts(), each);
        let report = write_parts(&root, "mcp-stack.yaml", false, Target::Compose, render).unwrap();
        assert_eq!(report.written, ["b/c/three.sh", "b/two.conf", "one.yaml"]);
        assert_eq!(
            std::fs::read_to_string(root.join("b/c/three.sh")).unwrap(),
            "3"
        );
        assert_eq!(mode(&root.join("b/c/three.sh")), 0o755);
        let (manifest, _) = manifest::read(&mut tree::Tree::new(&root)).unwrap();
        assert_eq!(manifest.files.get("one.yaml"), Some(&sha256(b"1")));
        assert!(manifest.pending.is_empty());
        let before = listing(&root);
        let again = write_parts(&root, "mcp-stack.yaml", false, Target::Compose, render).unwrap();
        assert!(again.written.is_empty() && again.removed.is_empty());
        assert_eq!(again.unchanged, 3);
        assert_eq!(listing(&root), before);
    }

    /// A check part by part finds what a check of the whole render finds, in the same order,
    /// and keeps the rendered text only of the files that differ.
    #[test]
    fn a_check_part_by_part_finds_what_a_whole_check_finds() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let first = vec![
            file("a/edited.conf", "1"),
            file("a/b/kept.sh", "2"),
            file("gone.yaml", "3"),
            file("stale.yaml", "4"),
            file("removed.txt", "5"),
        ];
        write_for(&root, "mcp-stack.yaml", &first, false, Target::Compose).unwrap();
        std::fs::write(root.join("a/edited.conf"), "by hand").unwrap();
        std::fs::remove_file(root.join("removed.txt")).unwrap();
        // Now rendered: one file no longer, one changed, one new.
        let parts = || {
            vec![
                vec![file("stale.yaml", "4 then"), file("a/b/kept.sh", "2")],
                vec![
                    file("new/one.yaml", "6"),
                    file("a/edited.conf", "1"),
                    file("removed.txt", "5"),
                ],
            ]
        };
        let mut whole: Vec<File> = parts().into_iter().flatten().collect();
        whole.sort_by(|a, b| a.path.cmp(&b.path));
        let expected = format!("{:?}", plan_for(&root, &whole, Target::Compose).unwrap());
        let checked =
            check_parts(&root, Target::Compose, |each| two_threads(parts(), each)).unwrap();
        let entries = checked.entries();
        assert_eq!(format!("{entries:?}"), expected);
        let states: Vec<(&str, &State)> = entries
            .iter()
            .map(|e| (e.path.as_str(), &e.state))
            .collect();
        assert_eq!(
            states,
            [
                ("a/b/kept.sh", &State::UpToDate),
                ("a/edited.conf", &State::HandEdited),
                ("new/one.yaml", &State::Missing),
                ("removed.txt", &State::Missing),
                ("stale.yaml", &State::Stale),
                ("gone.yaml", &State::Orphan),
            ]
        );
        // Only the texts that differ are kept.
        let kept: Vec<&str> = checked.rows.iter().filter_map(|r| r.3.as_deref()).collect();
        assert_eq!(kept, ["1", "6", "5", "4 then"]);
    }

    /// A render that fails after some parts were written leaves the output folder as it was:
    /// no temporary file, no folder made for one, and no output folder if there was none.
    #[test]
    fn a_render_that_fails_midway_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let failing = |each: &(dyn Fn(Vec<File>) -> Result<()> + Sync)| {
            each(vec![
                file("nginx/nginx.conf", "x"),
                file("build/a/Dockerfile", "y"),
            ])?;
            Err(Error::Other(anyhow::anyhow!("a template failed")))
        };
        let root = tmp.path().join("out/deploy");
        let err =
            write_parts(&root, "mcp-stack.yaml", false, Target::Compose, failing).unwrap_err();
        assert!(err.to_string().contains("a template failed"), "{err}");
        assert!(!tmp.path().join("out").exists());
        // Over an earlier render: exactly what was there stays.
        let root = tmp.path().join("deploy");
        let one = |each: &(dyn Fn(Vec<File>) -> Result<()> + Sync)| each(vec![file("a.yaml", "1")]);
        write_parts(&root, "mcp-stack.yaml", false, Target::Compose, one).unwrap();
        let before = listing(&root);
        assert!(write_parts(&root, "mcp-stack.yaml", false, Target::Compose, failing).is_err());
        assert_eq!(listing(&root), before);
        assert_eq!(std::fs::read_to_string(root.join("a.yaml")).unwrap(), "1");
    }

    /// A file edited by hand refuses the render after the parts were written: the edit stays
    /// and nothing else is left.
    #[test]
    fn a_hand_edit_found_after_the_parts_were_written_refuses_the_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("deploy");
        let render = |text: &'static str| {
            move |each: &(dyn Fn(Vec<File>) -> Result<()> + Sync)| {
                each(vec![file("a.yaml", text), file("sub/b.yaml", text)])
            }
        };
        write_parts(&root, "mcp-stack.yaml", false, Target::Compose, render("1")).unwrap();
        std::fs::write(root.join("sub/b.yaml"), "mine").unwrap();
        let before = listing(&root);
        let err =
            write_parts(&root, "mcp-stack.yaml", false, Target::Compose, render("2")).unwrap_err();
        assert!(matches!(err, Error::HandEdited { .. }), "{err}");
        assert_eq!(listing(&root), before);
        assert_eq!(std::fs::read_to_string(root.join("a.yaml")).unwrap(), "1");
        assert_eq!(
            std::fs::read_to_string(root.join("sub/b.yaml")).unwrap(),
            "mine"
        );
        let report =
            write_parts(&root, "mcp-stack.yaml", true, Target::Compose, render("2")).unwrap();
        assert_eq!(report.written, ["a.yaml", "sub/b.yaml"]);
        assert_eq!(
            std::fs::read_to_string(root.join("sub/b.yaml")).unwrap(),
            "2"
        );
    }
}
