//! The output folder and how a build replaces it.
//!
//! A full build writes into a staging folder beside the output, and changes
//! the output only when the whole build succeeded: a failed build leaves the
//! last good output exactly as it was, a good one is never a mix of two.
//!
//! Each output zhan makes holds a manifest ([`MANIFEST`]): every file's path,
//! size and content hash, and its modification time and inode as the file
//! system reported them after writing. The next build into the same folder
//! reads it, and a file whose bytes would be the same is not written again
//! (not even into the staging folder). At the end, the files that were
//! written are moved over the old ones and the files the new output does not
//! have are removed, each old file kept aside until every move succeeded, so
//! that an error undoes them all; unchanged files are never touched. When
//! every file is the same and none came or went, nothing at all is written.
//! An output without a manifest (made by an older zhan) is replaced whole.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use rayon::prelude::*;

/// A file in every output folder zhan makes. An existing folder without it is
/// not replaced, so `--output` pointed at the wrong folder cannot wipe it.
pub const MARKER: &str = ".zhan-output";

/// The list of the output's files (see [`Manifest`]), beside the marker.
pub const MANIFEST: &str = ".zhan-manifest";

/// What the build that made the output read (written by `build`, which
/// decides from it whether a build can be skipped).
pub const INPUTS: &str = ".zhan-inputs";

/// The text of the marker file.
const MARKER_TEXT: &[u8] = b"This folder is made by zhan; it is replaced on each build.\n";

/// The first word of a manifest and the version of its format.
const MANIFEST_HEADER: &str = "zhan-manifest 1";

/// The hash of a file's bytes: XXH3 (64 bits), which runs at memory speed,
/// so hashing every output file costs next to nothing beside making it. It
/// guards against accidents, not attacks: a match also needs the same size,
/// and nobody gains from forging an output file. The manifest records the
/// hash of a probe and is ignored when that differs: a changed algorithm
/// costs one full write, never a wrong reuse.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

fn probe() -> u64 {
    hash_bytes(b"zhan output manifest probe")
}

/// What the file system says about a file, to tell later whether anyone
/// touched it: size, modification time (nanoseconds since 1970) and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub size: u64,
    pub mtime: i128,
    pub inode: u64,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            size: meta.len(),
            mtime: nanos(meta.modified().ok()),
            inode: inode(meta),
        }
    }

    /// The stamp of the file at `path` (not following a symbolic link), if
    /// it is a regular file.
    pub fn at(path: &Path) -> Option<Stamp> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        meta.file_type().is_file().then(|| Stamp::of(&meta))
    }
}

fn nanos(time: Option<SystemTime>) -> i128 {
    match time.map(|t| t.duration_since(UNIX_EPOCH)) {
        Some(Ok(after)) => i128::try_from(after.as_nanos()).unwrap_or(i128::MAX),
        Some(Err(before)) => -i128::try_from(before.duration().as_nanos()).unwrap_or(i128::MAX),
        // No modification time at all: a value no real file has, so the
        // entry never matches and the file is never trusted.
        None => i128::MIN,
    }
}

#[cfg(unix)]
fn inode(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.ino()
}

#[cfg(not(unix))]
fn inode(_meta: &std::fs::Metadata) -> u64 {
    0
}

/// One file of an output as its manifest records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub hash: u64,
    pub stamp: Stamp,
}

/// The files of an output folder as the build that made it left them.
#[derive(Debug, Clone, Default)]
pub struct Manifest {
    /// By `/`-separated path inside the output.
    pub files: HashMap<String, Entry>,
    /// When the manifest itself was written (its modification time). A file
    /// changed within the same clock tick as its own write keeps its time,
    /// so an entry as late as the manifest proves nothing by its stamp alone
    /// (git's "racily clean" files): such a file is checked by its bytes.
    written: i128,
    /// The hash of the manifest's text, to tie [`INPUTS`] to this manifest.
    pub digest: u64,
}

impl Manifest {
    /// The manifest of the output folder `dir`, if it has a readable one.
    /// A missing, unreadable or corrupt manifest is None: reuse nothing.
    pub fn read(dir: &Path) -> Option<Manifest> {
        let path = dir.join(MANIFEST);
        let meta = std::fs::symlink_metadata(&path).ok()?;
        let bytes = std::fs::read(&path).ok()?;
        let mut manifest = Manifest::parse(std::str::from_utf8(&bytes).ok()?)?;
        manifest.written = nanos(meta.modified().ok());
        manifest.digest = hash_bytes(&bytes);
        Some(manifest)
    }

    /// The [`Manifest::digest`] of the manifest of `dir`, without reading
    /// its entries (a build records it beside its inputs; at 3,000 stations
    /// the entries are some 80,000 lines). None where there is no manifest
    /// of this version.
    pub fn digest_of(dir: &Path) -> Option<u64> {
        let bytes = std::fs::read(dir.join(MANIFEST)).ok()?;
        let header = bytes.split(|&b| b == b'\n').next()?;
        current_header(std::str::from_utf8(header).ok()?).then(|| hash_bytes(&bytes))
    }

    fn parse(text: &str) -> Option<Manifest> {
        let mut lines = text.lines();
        if !current_header(lines.next()?) {
            return None;
        }
        let mut files = HashMap::new();
        for line in lines {
            let mut fields = line.splitn(5, ' ');
            let hash = u64::from_str_radix(fields.next()?, 16).ok()?;
            let size = fields.next()?.parse().ok()?;
            let mtime = fields.next()?.parse().ok()?;
            let inode = fields.next()?.parse().ok()?;
            let path = fields.next()?;
            if !safe_path(path) {
                return None;
            }
            let stamp = Stamp { size, mtime, inode };
            files.insert(path.to_string(), Entry { hash, stamp });
        }
        Some(Manifest {
            files,
            written: i128::MIN,
            digest: 0,
        })
    }

    fn text(files: &HashMap<String, Entry>) -> String {
        use std::fmt::Write as _;
        let mut sorted: Vec<(&String, &Entry)> = files.iter().collect();
        sorted.par_sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut text = String::with_capacity(64 * sorted.len() + 32);
        let _ = writeln!(text, "{MANIFEST_HEADER} {:016x}", probe());
        // Each line by hand: `writeln!` of its four numbers was most of the
        // write stage, which runs alone (100 ms at 3,000 stations).
        let mut numbers = itoa::Buffer::new();
        for (path, e) in sorted {
            let s = e.stamp;
            push_hex(&mut text, e.hash);
            text.push(' ');
            text.push_str(numbers.format(s.size));
            text.push(' ');
            text.push_str(numbers.format(s.mtime));
            text.push(' ');
            text.push_str(numbers.format(s.inode));
            text.push(' ');
            text.push_str(path);
            text.push('\n');
        }
        text
    }

    /// Whether `stamp` (of the file now) shows the file as the entry
    /// recorded it, without reading it.
    fn trusts(&self, entry: &Entry, stamp: Stamp) -> bool {
        entry.stamp == stamp && entry.stamp.mtime < self.written
    }

    /// Whether the file at `path` still holds what `entry` records: by its
    /// stamp, or by its bytes when the stamp cannot tell.
    fn holds(&self, entry: &Entry, path: &Path) -> bool {
        match Stamp::at(path) {
            Some(stamp) if self.trusts(entry, stamp) => true,
            Some(stamp) if stamp.size == entry.stamp.size => {
                std::fs::read(path).is_ok_and(|b| hash_bytes(&b) == entry.hash)
            }
            _ => false,
        }
    }
}

/// A manifest path must stay inside the output: no `..`, no absolute path,
/// nothing a line cannot hold.
fn safe_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains(['\n', '\r'])
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// Whether the output folder `dir` holds exactly what its manifest records:
/// every file there with its recorded bytes, and nothing else (no other file,
/// folder or link; only zhan's own hidden files beside them). Otherwise why not.
pub fn check(dir: &Path, manifest: &Manifest) -> Result<(), String> {
    let changed = manifest
        .files
        .par_iter()
        .find_any(|(rel, entry)| !manifest.holds(entry, &dir.join(rel)));
    if let Some((rel, _)) = changed {
        return Err(format!("`{rel}` was changed or removed"));
    }
    only_listed(dir, manifest)
}

/// Whether the output folder holds no file or folder its manifest does not list.
fn only_listed(dir: &Path, manifest: &Manifest) -> Result<(), String> {
    let mut folders: HashSet<&str> = HashSet::new();
    for rel in manifest.files.keys() {
        let mut rest = rel.as_str();
        while let Some((parent, _)) = rest.rsplit_once('/') {
            if !folders.insert(parent) {
                break;
            }
            rest = parent;
        }
    }
    let mut found = 0usize;
    for entry in walkdir::WalkDir::new(dir).min_depth(1) {
        let entry = entry.map_err(|e| format!("cannot list the output: {e}"))?;
        let rel = entry
            .path()
            .strip_prefix(dir)
            .ok()
            .and_then(Path::to_str)
            .map(|r| r.replace('\\', "/"))
            .ok_or_else(|| format!("`{}` is not a file zhan made", entry.path().display()))?;
        let kind = entry.file_type();
        let listed = if kind.is_dir() {
            folders.contains(rel.as_str())
        } else if kind.is_file() && manifest.files.contains_key(&rel) {
            found += 1;
            true
        } else {
            kind.is_file() && [MANIFEST, INPUTS].contains(&rel.as_str())
        };
        if !listed {
            return Err(format!("`{rel}` is not a file of the last build"));
        }
    }
    if found != manifest.files.len() {
        return Err("a file of the last build is missing".to_string());
    }
    Ok(())
}

/// The output folder being built.
pub struct Output {
    target: PathBuf,
    staging: PathBuf,
    /// The manifest of the output being replaced, if it has a usable one.
    old: Option<Manifest>,
    /// Boxed: an [`Output`] is moved around inside a [`Target`].
    state: Box<Mutex<State>>,
    /// Called before each file is moved at commit (tests make it fail).
    before_move: fn(&str) -> io::Result<()>,
}

/// What has gone into the staging folder so far.
#[derive(Default)]
struct State {
    /// Files written into the staging folder.
    written: HashMap<String, Entry>,
    /// Folders of the staging folder made so far (`/`-separated): each is
    /// made once, not once per file written into it.
    folders: HashSet<String>,
    /// Files of the old output that are the same as the new ones: left
    /// where they are.
    reused: HashMap<String, Entry>,
}

/// Why an output folder cannot be used: a message code and its arguments.
pub type Refused = crate::diagnostics::Problem;

pub(crate) fn absolute(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    // A folder that does not exist yet: resolve its parent.
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let parent = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
    match path.file_name() {
        Some(name) => parent.join(name),
        None => parent,
    }
}

/// The folder that holds the output folder `target` (absolute), and the
/// output folder's name.
fn beside(target: &Path) -> (PathBuf, String) {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    let parent = target
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    (parent, name)
}

/// Where this process stages a build of the output folder `target`
/// (absolute): a hidden folder beside it.
pub(crate) fn staging_folder(target: &Path) -> PathBuf {
    let (parent, name) = beside(target);
    parent.join(format!(".{name}.staging-{}", std::process::id()))
}

/// Whether `line` is the first line of a manifest this version of zhan
/// wrote and can read.
fn current_header(line: &str) -> bool {
    line.strip_prefix(MANIFEST_HEADER)
        .and_then(|rest| rest.strip_prefix(' '))
        .and_then(|hex| u64::from_str_radix(hex, 16).ok())
        == Some(probe())
}

/// Appends `n` as 16 lower-case hexadecimal digits (`{:016x}`).
fn push_hex(out: &mut String, n: u64) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        out.push(char::from(DIGITS[(n >> (4 * shift) & 0xF) as usize]));
    }
}

fn create_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(parent) => std::fs::create_dir_all(parent),
        None => Ok(()),
    }
}

impl Output {
    /// Checks that `target` may be (re)placed by a build of the site at `root`,
    /// and makes an empty staging folder beside it.
    pub fn prepare(target: &Path, root: &Path) -> Result<Output, Refused> {
        let target_abs = absolute(target);
        let root_abs = absolute(root);
        let shown = target.display();
        if root_abs.starts_with(&target_abs) {
            return Err(Refused::new("E-OUTPUT-CONTAINS-SITE")
                .arg("folder", shown.to_string())
                .with_hint("H-OUTPUT-CONTAINS-SITE"));
        }
        for protected in ["content", "themes", "templates", "static"] {
            if target_abs.starts_with(root_abs.join(protected)) {
                return Err(Refused::new("E-OUTPUT-INSIDE-SOURCE")
                    .arg("folder", shown.to_string())
                    .arg("protected", protected)
                    .with_hint("H-OUTPUT-INSIDE-SOURCE"));
            }
        }
        if target_abs.is_file() {
            return Err(Refused::new("E-OUTPUT-IS-FILE")
                .arg("folder", shown.to_string())
                .with_hint("H-OUTPUT-IS-FILE"));
        }
        let mut old = None;
        if target_abs.is_dir() {
            let empty = std::fs::read_dir(&target_abs)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            let made_by_zhan = target_abs.join(MARKER).is_file();
            if !empty && !made_by_zhan {
                return Err(Refused::new("E-OUTPUT-NOT-OURS")
                    .arg("folder", shown.to_string())
                    .with_hint("H-OUTPUT-NOT-OURS"));
            }
            if made_by_zhan {
                old = Manifest::read(&target_abs);
            }
        }
        let (parent, name) = beside(&target_abs);
        let staging = staging_folder(&target_abs);
        // Staging and old folders left by a build that was stopped midway.
        if let Ok(entries) = std::fs::read_dir(&parent) {
            for entry in entries.flatten() {
                let file = entry.file_name().to_string_lossy().into_owned();
                let leftover = file
                    .strip_prefix(&format!(".{name}."))
                    .is_some_and(|rest| rest.starts_with("staging-") || rest.starts_with("old-"));
                if leftover && entry.path() != staging {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        if let Err(err) = std::fs::create_dir_all(&parent).and_then(|()| {
            if staging.exists() {
                std::fs::remove_dir_all(&staging)?;
            }
            std::fs::create_dir(&staging)
        }) {
            return Err(Refused::new("E-OUTPUT-STAGING")
                .arg("folder", shown.to_string())
                .arg("detail", err.to_string())
                .with_hint("H-OUTPUT-STAGING"));
        }
        Ok(Output {
            target: target_abs,
            staging,
            old,
            state: Box::default(),
            before_move: |_| Ok(()),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The old output's entry for `rel` if its file holds exactly `bytes`.
    fn reusable(&self, rel: &str, bytes: &[u8], hash: u64) -> Option<Entry> {
        let old = self.old.as_ref()?;
        let entry = old.files.get(rel)?;
        if entry.hash != hash || entry.stamp.size != bytes.len() as u64 {
            return None;
        }
        let path = self.target.join(rel);
        let stamp = Stamp::at(&path)?;
        if old.trusts(entry, stamp) {
            return Some(*entry);
        }
        // The stamp cannot tell (written in the manifest's clock tick):
        // compare the bytes themselves.
        (stamp == entry.stamp && std::fs::read(&path).is_ok_and(|b| b == bytes)).then_some(*entry)
    }

    /// Writes a file, `rel` being `/`-separated inside the output; a file
    /// the old output has with the same bytes is reused instead.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        self.write_hashed(rel, bytes, hash_bytes(bytes))
    }

    /// [`Output::write`] of bytes whose [`hash_bytes`] the caller has.
    pub fn write_hashed(&self, rel: &str, bytes: &[u8], hash: u64) -> io::Result<()> {
        if !self.state().written.contains_key(rel) {
            if let Some(entry) = self.reusable(rel, bytes, hash) {
                self.state().reused.insert(rel.to_string(), entry);
                return Ok(());
            }
        }
        let path = self.staging.join(rel);
        if let Some((folder, _)) = rel.rsplit_once('/') {
            self.make_folder(folder)?;
        }
        // The stamp from the open file: no second lookup of the path.
        let mut file = std::fs::File::create(&path)?;
        file.write_all(bytes)?;
        let stamp = Stamp::of(&file.metadata()?);
        drop(file);
        let mut state = self.state();
        state.reused.remove(rel);
        state.written.insert(rel.to_string(), Entry { hash, stamp });
        Ok(())
    }

    /// Makes the staging folder's `folder` (`/`-separated) and those above
    /// it that are not made yet, outermost first: one `mkdir` a folder, none
    /// that fails for want of its parent. Two threads may still race to the
    /// same new folder; the loser's "already exists" is success.
    fn make_folder(&self, folder: &str) -> io::Result<()> {
        let missing: Vec<&str> = {
            let state = self.state();
            if state.folders.contains(folder) {
                return Ok(());
            }
            folder
                .match_indices('/')
                .map(|(at, _)| &folder[..at])
                .chain(std::iter::once(folder))
                .filter(|above| !state.folders.contains(*above))
                .collect()
        };
        for above in missing {
            match std::fs::create_dir(self.staging.join(above)) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
                Err(err) => return Err(err),
            }
            self.state().folders.insert(above.to_string());
        }
        Ok(())
    }

    /// Reuses the old output's file at `rel` when it holds `size` bytes of
    /// hash `hash`, as its stamp shows without reading it; says whether it
    /// did. (The caller knows the bytes' hash without having them.)
    pub fn reuse_known(&self, rel: &str, size: u64, hash: u64) -> bool {
        if self.state().written.contains_key(rel) {
            return false;
        }
        let Some(old) = self.old.as_ref() else {
            return false;
        };
        let Some(entry) = old
            .files
            .get(rel)
            .filter(|e| e.hash == hash && e.stamp.size == size)
        else {
            return false;
        };
        match Stamp::at(&self.target.join(rel)) {
            Some(stamp) if old.trusts(entry, stamp) => {
                self.state().reused.insert(rel.to_string(), *entry);
                true
            }
            _ => false,
        }
    }

    /// Copies the file `from` into the output (see [`Output::write`]).
    pub fn copy(&self, rel: &str, from: &Path) -> io::Result<()> {
        let bytes = std::fs::read(from)?;
        self.write(rel, &bytes)
    }

    /// Replaces the output folder with the staging folder, or, when the
    /// build made exactly the old output, keeps that and touches nothing.
    pub fn commit(self) -> io::Result<PathBuf> {
        // The marker is a file of the output like the others (and reused).
        if let Err(err) = self.write(MARKER, MARKER_TEXT) {
            let _ = std::fs::remove_dir_all(&self.staging);
            return Err(err);
        }
        let state = std::mem::take(&mut *self.state());
        if let Some(old) = &self.old {
            // Bring the old output to the new one in place: far fewer
            // folders to make and delete than a new tree (on some disks
            // deleting a tree costs more than building the site).
            return match self.apply_in_place(old, &state) {
                Ok(()) => Ok(self.target.clone()),
                Err(err) => {
                    let _ = std::fs::remove_dir_all(&self.staging);
                    Err(err)
                }
            };
        }
        // No usable manifest: nothing was reused, the staging folder holds
        // the whole new output.
        let manifest = Manifest::text(&state.written);
        if let Err(err) = std::fs::write(self.staging.join(MANIFEST), manifest) {
            let _ = std::fs::remove_dir_all(&self.staging);
            return Err(err);
        }
        if self.target.exists() {
            let old = self.staging.with_file_name(format!(
                ".{}.old-{}",
                self.target
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                std::process::id()
            ));
            std::fs::rename(&self.target, &old)?;
            if let Err(err) = std::fs::rename(&self.staging, &self.target) {
                // Put the previous output back before reporting.
                let _ = std::fs::rename(&old, &self.target);
                let _ = std::fs::remove_dir_all(&self.staging);
                return Err(err);
            }
            std::fs::remove_dir_all(&old)?;
        } else {
            std::fs::rename(&self.staging, &self.target)?;
        }
        Ok(self.target.clone())
    }

    /// Moves the files written into the staging folder over the old
    /// output's, and removes the old files the new output does not have,
    /// keeping each replaced or removed file in a backup folder until all
    /// moves succeeded: on an error every move is undone, so the old output
    /// is left as it was. Reused files are not touched at all.
    fn apply_in_place(&self, old: &Manifest, state: &State) -> io::Result<()> {
        let backup = self.staging.join(".zhan-replaced");
        let keep: HashSet<&str> = state
            .written
            .keys()
            .chain(state.reused.keys())
            .map(String::as_str)
            .collect();
        // Every file of the output not in the new one goes, whether the old
        // manifest lists it or not (pages an earlier `zhan serve` wrote).
        let needed: HashSet<&Path> = keep
            .iter()
            .flat_map(|rel| Path::new(*rel).ancestors().skip(1))
            .collect();
        let mut gone: Vec<String> = Vec::new();
        let mut stray_folders: Vec<PathBuf> = Vec::new();
        for entry in walkdir::WalkDir::new(&self.target).min_depth(1) {
            let entry = entry.map_err(io::Error::other)?;
            let Some(rel) = entry
                .path()
                .strip_prefix(&self.target)
                .ok()
                .and_then(Path::to_str)
                .map(|r| r.replace('\\', "/"))
            else {
                continue;
            };
            if entry.file_type().is_dir() {
                if !needed.contains(Path::new(&rel)) {
                    stray_folders.push(entry.path().to_path_buf());
                }
            } else if !keep.contains(rel.as_str()) && rel != MANIFEST && rel != INPUTS {
                gone.push(rel);
            }
        }
        // Exactly the old output: touch nothing, not even the manifest.
        if state.written.is_empty()
            && gone.is_empty()
            && stray_folders.is_empty()
            && state.reused.len() == old.files.len()
        {
            return std::fs::remove_dir_all(&self.staging);
        }
        // (path inside the output, whether an old file was put aside)
        let mut done: Vec<(String, bool)> = Vec::new();
        let undo = |done: &[(String, bool)]| {
            for (rel, had_old) in done.iter().rev() {
                let at = self.target.join(rel);
                if keep.contains(rel.as_str()) {
                    let _ = std::fs::rename(&at, self.staging.join(rel));
                }
                if *had_old {
                    let _ = create_parent(&at);
                    let _ = std::fs::rename(backup.join(rel), &at);
                }
            }
        };
        let mut step = |rel: &str, replace: bool| -> io::Result<()> {
            (self.before_move)(rel)?;
            let at = self.target.join(rel);
            let had_old = at.symlink_metadata().is_ok_and(|m| !m.is_dir());
            if had_old {
                let aside = backup.join(rel);
                create_parent(&aside)?;
                std::fs::rename(&at, &aside)?;
            }
            done.push((rel.to_string(), had_old));
            if replace {
                // A folder of the old output where a file goes now: its
                // files went first, so it is empty.
                if at.is_dir() {
                    std::fs::remove_dir(&at)?;
                }
                create_parent(&at)?;
                std::fs::rename(self.staging.join(rel), &at)?;
            }
            Ok(())
        };
        let mut written: Vec<&String> = state.written.keys().collect();
        written.sort();
        // Removals first: a file may go where a folder was, and the reverse.
        let result = gone
            .iter()
            .try_for_each(|rel| step(rel, false))
            .and_then(|()| written.iter().try_for_each(|rel| step(rel, true)));
        if let Err(err) = result {
            undo(&done);
            return Err(err);
        }
        let mut files = state.written.clone();
        files.extend(state.reused.iter().map(|(k, v)| (k.clone(), *v)));
        let manifest = self.target.join(MANIFEST);
        let fresh = manifest.with_file_name(format!("{MANIFEST}.new"));
        if let Err(err) = std::fs::write(&fresh, Manifest::text(&files))
            .and_then(|()| std::fs::rename(&fresh, &manifest))
        {
            undo(&done);
            return Err(err);
        }
        // Folders the removed files leave empty, deepest first.
        let mut folders: Vec<PathBuf> = gone
            .iter()
            .flat_map(|rel| Path::new(rel).ancestors().skip(1))
            .filter(|f| !f.as_os_str().is_empty())
            .map(|f| self.target.join(f))
            .chain(stray_folders)
            .collect::<HashSet<PathBuf>>()
            .into_iter()
            .collect();
        folders.sort_by_key(|f| std::cmp::Reverse(f.components().count()));
        for folder in folders {
            let _ = std::fs::remove_dir(folder);
        }
        std::fs::remove_dir_all(&self.staging)
    }

    /// Throws the staging folder away; the output is untouched.
    pub fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.staging);
    }
}

/// Where a build writes: a staging folder swapped in at the end (a full
/// build), or the output folder itself, file by file (an incremental rebuild,
/// whose changes are few and each written atomically).
pub enum Target {
    Staging(Output),
    InPlace(PathBuf),
}

impl Target {
    pub fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        self.write_hashed(rel, bytes, hash_bytes(bytes))
    }

    /// [`Target::write`] of bytes whose [`hash_bytes`] the caller has.
    pub fn write_hashed(&self, rel: &str, bytes: &[u8], hash: u64) -> io::Result<()> {
        match self {
            Target::Staging(out) => out.write_hashed(rel, bytes, hash),
            Target::InPlace(dir) => replace_file(&dir.join(rel), |tmp| std::fs::write(tmp, bytes)),
        }
    }

    /// Reuses the file the old output has at `rel`, of `size` bytes and
    /// hash `hash`, into a staging folder ([`Output::reuse_known`]). In
    /// place there is nothing to reuse: false.
    pub fn reuse_known(&self, rel: &str, size: u64, hash: u64) -> bool {
        match self {
            Target::Staging(out) => out.reuse_known(rel, size, hash),
            Target::InPlace(_) => false,
        }
    }

    pub fn copy(&self, rel: &str, from: &Path) -> io::Result<()> {
        match self {
            Target::Staging(out) => out.copy(rel, from),
            Target::InPlace(dir) => {
                replace_file(&dir.join(rel), |tmp| std::fs::copy(from, tmp).map(|_| ()))
            }
        }
    }

    /// Removes a file that is no longer part of the site, and the folders it
    /// leaves empty. Only in place: a staging folder starts empty.
    pub fn remove(&self, rel: &str) -> io::Result<()> {
        let Target::InPlace(dir) = self else {
            return Ok(());
        };
        let path = dir.join(rel);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut parent = path.parent();
        while let Some(folder) = parent.filter(|p| p.starts_with(dir) && *p != dir.as_path()) {
            if std::fs::remove_dir(folder).is_err() {
                break;
            }
            parent = folder.parent();
        }
        Ok(())
    }
}

/// Writes `path` through a temporary file beside it and a rename, so that a
/// browser reading the page never sees half of it.
pub(crate) fn replace_file(
    path: &Path,
    fill: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<()> {
    create_parent(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.zhan-tmp"));
    fill(&tmp)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_s_digest_is_had_without_reading_its_entries() {
        let dir = tempfile::tempdir().unwrap();
        let mut files = HashMap::new();
        let stamp = Stamp {
            size: 3,
            mtime: 7,
            inode: 9,
        };
        files.insert("a/index.html".to_string(), Entry { hash: 1, stamp });
        std::fs::write(dir.path().join(MANIFEST), Manifest::text(&files)).unwrap();
        let read = Manifest::read(dir.path()).expect("a manifest");
        assert_eq!(Manifest::digest_of(dir.path()), Some(read.digest));
        // Another version's manifest has none, as it is not read either.
        std::fs::write(dir.path().join(MANIFEST), "zhan-manifest 1 0\n").unwrap();
        assert!(Manifest::read(dir.path()).is_none());
        assert_eq!(Manifest::digest_of(dir.path()), None);
    }

    #[test]
    fn manifest_lines_are_what_format_wrote_and_read_back() {
        let mut files = HashMap::new();
        let entries = [
            (
                "b/index.html",
                0xdead_beef,
                10,
                1_733_000_000_123_456_789,
                42,
            ),
            ("a/惠东/x.ics", u64::MAX, 0, -5, 0),
            ("a-b.json", 0, u64::MAX, i128::MIN, u64::MAX),
        ];
        for (path, hash, size, mtime, inode) in entries {
            let stamp = Stamp { size, mtime, inode };
            files.insert(path.to_string(), Entry { hash, stamp });
        }
        let text = Manifest::text(&files);
        let mut expected = format!("{MANIFEST_HEADER} {:016x}\n", probe());
        let mut sorted = entries;
        sorted.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for (path, hash, size, mtime, inode) in sorted {
            expected.push_str(&format!("{hash:016x} {size} {mtime} {inode} {path}\n"));
        }
        assert_eq!(text, expected);
        let back = Manifest::parse(&text).expect("parses");
        assert_eq!(back.files.len(), 3);
        assert_eq!(back.files["a/惠东/x.ics"].stamp.mtime, -5);
        assert_eq!(back.files["a-b.json"].stamp.mtime, i128::MIN);
    }

    #[test]
    fn refuses_to_replace_a_folder_not_made_by_zhan() {
        let dir = tempfile::tempdir().unwrap();
        let precious = dir.path().join("documents");
        std::fs::create_dir(&precious).unwrap();
        std::fs::write(precious.join("letter.txt"), "keep me").unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir(&site).unwrap();
        let refused = Output::prepare(&precious, &site).err().unwrap();
        assert_eq!(refused.code, "E-OUTPUT-NOT-OURS");
        assert!(Output::prepare(&site, &site).is_err());
        assert!(Output::prepare(&site.join("content/out"), &site).is_err());
        assert!(Output::prepare(dir.path(), &site).is_err());
    }

    #[test]
    fn leftovers_of_a_stopped_build_are_cleaned_up() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".output.staging-999999")).unwrap();
        std::fs::create_dir(dir.path().join(".output.old-999999")).unwrap();
        std::fs::create_dir(dir.path().join(".other.staging-1")).unwrap();
        let out = Output::prepare(
            &dir.path().join("output"),
            dir.path().join("site").as_path(),
        )
        .unwrap();
        out.commit().unwrap();
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".other.staging-1", "output"]);
    }

    #[test]
    fn commit_replaces_and_abandon_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("output");
        let first = Output::prepare(&target, dir.path().join("site").as_path()).unwrap();
        first.write("a/index.html", b"one").unwrap();
        first.commit().unwrap();
        let second = Output::prepare(&target, dir.path().join("site").as_path()).unwrap();
        second.write("a/index.html", b"two").unwrap();
        second.abandon();
        assert_eq!(std::fs::read(target.join("a/index.html")).unwrap(), b"one");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    }

    #[test]
    fn files_land_in_their_folders_whatever_the_order_and_the_threads() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("output");
        let out = Output::prepare(&target, dir.path().join("site").as_path()).unwrap();
        // Deepest first, then a file beside a folder made on the way down.
        out.write("a/b/c/index.html", b"deep").unwrap();
        out.write("a/index.html", b"top").unwrap();
        out.write("a/b/index.html", b"middle").unwrap();
        // Threads racing to make the same new folders, as render threads do:
        // eight each write the same 8 files under 4 new folders.
        let paths: Vec<String> = (0..8)
            .map(|i| format!("s/{}/{}/index.html", i % 4, i))
            .collect();
        std::thread::scope(|scope| {
            for _ in 0..8 {
                let (out, paths) = (&out, &paths);
                scope.spawn(move || {
                    for rel in paths.iter().rev() {
                        out.write(rel, rel.as_bytes()).unwrap();
                    }
                });
            }
        });
        out.commit().unwrap();
        assert_eq!(
            std::fs::read(target.join("a/b/c/index.html")).unwrap(),
            b"deep"
        );
        assert_eq!(
            std::fs::read(target.join("a/b/index.html")).unwrap(),
            b"middle"
        );
        assert_eq!(std::fs::read(target.join("a/index.html")).unwrap(), b"top");
        for rel in &paths {
            assert_eq!(std::fs::read(target.join(rel)).unwrap(), rel.as_bytes());
        }
    }

    /// (inode, modification time) of every file under `dir`, by path.
    fn stamps(dir: &Path) -> std::collections::BTreeMap<String, (u64, i128)> {
        walkdir::WalkDir::new(dir)
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e
                    .path()
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                let s = Stamp::at(e.path()).unwrap();
                (rel, (s.inode, s.mtime))
            })
            .collect()
    }

    fn build(target: &Path, files: &[(&str, &str)]) -> Output {
        let out = Output::prepare(target, Path::new("/nonexistent/site")).unwrap();
        for (rel, text) in files {
            out.write(rel, text.as_bytes()).unwrap();
        }
        out
    }

    /// Moves the manifest's time forward, so that the files written just
    /// before it count as older (as they do a clock tick later).
    fn age(target: &Path) {
        let later = SystemTime::now() + std::time::Duration::from_secs(5);
        let file = std::fs::File::options()
            .append(true)
            .open(target.join(MANIFEST))
            .unwrap();
        file.set_modified(later).unwrap();
    }

    const FILES: [(&str, &str); 3] = [
        ("index.html", "home"),
        ("a/index.html", "page a"),
        ("css/site.css", "body{}"),
    ];

    #[test]
    fn an_identical_build_keeps_the_old_folder_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("output");
        build(&target, &FILES).commit().unwrap();
        age(&target);
        let before = stamps(&target);
        let out = build(&target, &FILES);
        out.commit().unwrap();
        assert_eq!(stamps(&target), before);
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "the staging folder is removed");
    }

    #[test]
    fn a_changed_build_leaves_the_files_that_stayed_the_same_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("output");
        build(&target, &FILES).commit().unwrap();
        age(&target);
        let before = stamps(&target);
        let out = build(
            &target,
            &[
                ("index.html", "home"),
                ("a/index.html", "page A"),
                ("b/index.html", "new"),
            ],
        );
        out.commit().unwrap();
        let after = stamps(&target);
        assert_eq!(after["index.html"], before["index.html"]);
        assert_ne!(after["a/index.html"].0, before["a/index.html"].0);
        assert!(!after.contains_key("css/site.css"));
        assert_eq!(
            std::fs::read(target.join("a/index.html")).unwrap(),
            b"page A"
        );
        let manifest = Manifest::read(&target).unwrap();
        assert_eq!(manifest.files.len(), 4, "three pages and the marker");
        assert_eq!(check(&target, &manifest), Ok(()));
    }

    #[test]
    fn a_file_edited_by_hand_is_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("output");
        build(&target, &FILES).commit().unwrap();
        age(&target);
        let edited = target.join("a/index.html");
        std::fs::write(&edited, "PAGE A").unwrap();
        let manifest = Manifest::read(&target).unwrap();
        assert!(check(&target, &manifest).is_err());
        build(&target, &FILES).commit().unwrap();
        assert_eq!(std::fs::read(&edited).unwrap(), b"page a");
    }

    #[test]
    fn a_file_as_recent_as_the_manifest_is_checked_by_its_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("output");
        build(&target, &FILES).commit().unwrap();
        // Edited in the manifest's clock tick: same size, same time.
        let edited = target.join("a/index.html");
        let time = std::fs::metadata(&edited).unwrap().modified().unwrap();
        std::fs::write(&edited, "PAGE A").unwrap();
        let file = std::fs::File::options().append(true).open(&edited).unwrap();
        file.set_modified(time).unwrap();
        let manifest_file = std::fs::File::options()
            .append(true)
            .open(target.join(MANIFEST))
            .unwrap();
        manifest_file.set_modified(time).unwrap();
        let manifest = Manifest::read(&target).unwrap();
        assert!(check(&target, &manifest).is_err());
        build(&target, &FILES).commit().unwrap();
        assert_eq!(std::fs::read(&edited).unwrap(), b"page a");
    }

    #[test]
    fn a_file_added_by_hand_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("output");
        build(&target, &FILES).commit().unwrap();
        age(&target);
        std::fs::write(target.join("a/notes.txt"), "mine").unwrap();
        std::fs::create_dir(target.join("empty")).unwrap();
        let manifest = Manifest::read(&target).unwrap();
        assert!(check(&target, &manifest).is_err());
        let before = stamps(&target);
        build(&target, &FILES).commit().unwrap();
        let after = stamps(&target);
        assert!(!target.join("a/notes.txt").exists() && !target.join("empty").exists());
        assert_eq!(
            after["a/index.html"], before["a/index.html"],
            "still reused"
        );
    }

    /// Every file of an output and its bytes, in path order.
    fn contents(target: &Path) -> Vec<(String, Vec<u8>)> {
        walkdir::WalkDir::new(target)
            .sort_by_file_name()
            .into_iter()
            .map(|e| e.unwrap())
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                let rel = e.path().strip_prefix(target).unwrap();
                (
                    rel.to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn an_error_while_moving_the_new_files_in_puts_every_old_file_back() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("output");
        build(&target, &FILES).commit().unwrap();
        age(&target);
        let before = contents(&target);
        // A changed page, a new page, a page gone; the new page's move fails
        // after the others were done.
        let mut out = build(
            &target,
            &[("index.html", "home, changed"), ("c/index.html", "new")],
        );
        out.before_move = |rel| {
            if rel == "index.html" {
                Err(io::Error::other("the disk is full"))
            } else {
                Ok(())
            }
        };
        assert!(out.commit().is_err());
        let after = contents(&target);
        assert_eq!(after, before, "the old output was not put back");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "the staging folder is removed");
    }

    #[test]
    fn a_file_may_replace_a_folder_and_a_folder_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("output");
        build(&target, &[("x", "a file"), ("y/index.html", "in a folder")])
            .commit()
            .unwrap();
        age(&target);
        build(
            &target,
            &[("x/index.html", "now a folder"), ("y", "now a file")],
        )
        .commit()
        .unwrap();
        assert_eq!(
            std::fs::read(target.join("x/index.html")).unwrap(),
            b"now a folder"
        );
        assert_eq!(std::fs::read(target.join("y")).unwrap(), b"now a file");
        let manifest = Manifest::read(&target).unwrap();
        assert_eq!(check(&target, &manifest), Ok(()));
    }

    #[test]
    fn a_corrupt_manifest_means_reuse_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("output");
        build(&target, &FILES).commit().unwrap();
        age(&target);
        let before = stamps(&target);
        std::fs::write(target.join(MANIFEST), "zhan-manifest 1 nonsense\n").unwrap();
        assert!(Manifest::read(&target).is_none());
        std::fs::write(target.join(MANIFEST), "garbage").unwrap();
        build(&target, &FILES).commit().unwrap();
        let after = stamps(&target);
        assert_ne!(after["index.html"].0, before["index.html"].0);
        assert!(Manifest::read(&target).is_some());
    }

    #[test]
    fn manifest_paths_stay_inside_the_output() {
        for bad in ["../x", "/etc/passwd", "a//b", "a/./b", ""] {
            assert!(!safe_path(bad), "{bad}");
        }
        assert!(safe_path("stations/惠东/index.html"));
        let text = format!(
            "{MANIFEST_HEADER} {:016x}\n0000000000000001 1 2 3 ../up\n",
            probe()
        );
        assert!(Manifest::parse(&text).is_none());
    }
}
