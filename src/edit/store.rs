//! Saving a content file so that no work is lost.
//!
//! - Only Markdown files inside `content/`, named as content paths are
//!   (the checks of [`content_path`]), never through a symlink out of the site.
//! - The editor says which version it opened ([`ContentHash`]); if the file
//!   on disk is no longer that version, the save is refused and both texts
//!   are handed back.
//! - The previous version is copied to `<site>/.zhan/history/<path>/` before
//!   it is replaced (a dot folder: not built, not watched); the last
//!   [`KEEP_VERSIONS`] are kept.
//! - The new text is written to a temporary file beside the target and
//!   renamed over it, so a reader sees the old file or the new, never half.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::load::MAX_PAGE_BYTES;
use crate::model::Date;
use crate::model::values::is_valid_id;

/// Versions of one file kept in the history folder.
pub const KEEP_VERSIONS: usize = 50;

/// The history folder, relative to the site root.
pub const HISTORY_DIR: &str = ".zhan/history";

/// The XXH3 hash of a file's bytes, as the editor opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentHash(pub u64);

impl ContentHash {
    pub fn of(bytes: &[u8]) -> ContentHash {
        ContentHash(xxhash_rust::xxh3::xxh3_64(bytes))
    }
}

/// What is wrong with a path the editor wants to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathProblem {
    Empty,
    /// Starts with `/` or a drive (`C:`).
    Absolute,
    /// Written with `\`.
    Backslash,
    /// A `.`, `..` or empty part.
    DotOrEmptyPart,
    /// Not a `.md` file.
    NotMarkdown,
    /// A folder or file name that is not an id (`segment`).
    BadName {
        segment: String,
    },
    /// The file, or a folder on the way, is a symbolic link out of the site.
    OutsideSite,
    /// The file itself is a symbolic link.
    Symlink,
}

/// Why a save (or a history read) did not happen. The file on disk is
/// unchanged in every case.
#[derive(Debug)]
pub enum SaveError {
    /// `path` (relative to `content/`) may not be written.
    BadPath { path: String, problem: PathProblem },
    /// The file changed since the editor opened it: what is on disk now
    /// (None: it was deleted) and the draft that was not saved.
    Conflict {
        path: String,
        disk: Option<String>,
        draft: String,
    },
    /// The text is larger than a page may be.
    TooLarge { path: String, size: u64, limit: u64 },
    /// A history version that does not exist.
    NoSuchVersion { path: String, version: String },
    /// The file system refused `op` on `file`.
    Io {
        op: IoOp,
        file: PathBuf,
        error: std::io::Error,
    },
}

/// What the file system was asked to do when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoOp {
    Read,
    CreateFolder,
    WriteTemporary,
    /// Replacing the file by the temporary one.
    Replace,
    KeepHistory,
    ReadHistory,
    Remove,
}

fn io(op: IoOp, file: &Path) -> impl FnOnce(std::io::Error) -> SaveError + '_ {
    move |error| SaveError::Io {
        op,
        file: file.to_path_buf(),
        error,
    }
}

/// A file as the editor opens it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub text: String,
    /// Pass it back to [`save`].
    pub hash: ContentHash,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The hash of the text now on disk (the next save's `expected`).
    pub hash: ContentHash,
    /// The history version holding what the file was before, if it existed.
    pub previous: Option<Version>,
}

/// One kept version of a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version {
    /// When it was replaced, UTC: `20261205T093000123Z`, with `-N` added
    /// when several were kept in the same millisecond. Sorts by time.
    pub id: String,
    pub size: u64,
}

/// Checks `rel` (relative to `content/`, `/`-separated) as a path the
/// editor may write, and returns the file's full path.
pub fn content_path(site: &Path, rel: &str) -> Result<PathBuf, SaveError> {
    let refuse = |problem| SaveError::BadPath {
        path: rel.to_string(),
        problem,
    };
    if rel.is_empty() {
        return Err(refuse(PathProblem::Empty));
    }
    if rel.contains('\\') {
        return Err(refuse(PathProblem::Backslash));
    }
    if rel.starts_with('/') || rel.contains(':') {
        return Err(refuse(PathProblem::Absolute));
    }
    let parts: Vec<&str> = rel.split('/').collect();
    if parts.iter().any(|p| matches!(*p, "" | "." | "..")) {
        return Err(refuse(PathProblem::DotOrEmptyPart));
    }
    let Some((file, folders)) = parts.split_last() else {
        return Err(refuse(PathProblem::Empty));
    };
    let Some(stem) = file.strip_suffix(".md") else {
        return Err(refuse(PathProblem::NotMarkdown));
    };
    for name in folders.iter().chain([&stem]) {
        if !(is_valid_id(name) || *name == "_index") {
            return Err(refuse(PathProblem::BadName {
                segment: name.to_string(),
            }));
        }
    }
    // No symbolic link may lead out of the site; the file itself may not
    // be one (the rename would replace the link, not what it points to).
    let root = std::fs::canonicalize(site).map_err(io(IoOp::Read, site))?;
    let mut at = site.join("content");
    let check = |path: &Path| -> Result<bool, SaveError> {
        match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::canonicalize(path).map_err(io(IoOp::Read, path))?;
                if target.starts_with(&root) {
                    Ok(true)
                } else {
                    Err(refuse(PathProblem::OutsideSite))
                }
            }
            Ok(_) => Ok(false),
            Err(_) => Ok(false),
        }
    };
    check(&at)?;
    for folder in folders {
        at.push(folder);
        check(&at)?;
    }
    at.push(file);
    if check(&at)? {
        return Err(refuse(PathProblem::Symlink));
    }
    Ok(at)
}

/// Reads a content file for editing.
pub fn open(site: &Path, rel: &str) -> Result<Opened, SaveError> {
    let file = content_path(site, rel)?;
    let bytes = std::fs::read(&file).map_err(io(IoOp::Read, &file))?;
    Ok(Opened {
        hash: ContentHash::of(&bytes),
        text: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// Writes `text` to `content/<rel>` if the file is still the version the
/// editor opened (`expected`; None: the file must not exist yet), keeping the
/// old version in the history folder first.
pub fn save(
    site: &Path,
    rel: &str,
    text: &str,
    expected: Option<ContentHash>,
) -> Result<Saved, SaveError> {
    let file = content_path(site, rel)?;
    let size = text.len() as u64;
    if size > MAX_PAGE_BYTES {
        return Err(SaveError::TooLarge {
            path: rel.to_string(),
            size,
            limit: MAX_PAGE_BYTES,
        });
    }
    let disk = match std::fs::read(&file) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(IoOp::Read, &file)(e)),
    };
    if disk.as_deref().map(ContentHash::of) != expected {
        return Err(SaveError::Conflict {
            path: rel.to_string(),
            disk: disk.map(|b| String::from_utf8_lossy(&b).into_owned()),
            draft: text.to_string(),
        });
    }
    let previous = match &disk {
        Some(old) if old.as_slice() != text.as_bytes() => Some(keep(site, rel, old)?),
        _ => None,
    };
    let folder = file.parent().unwrap_or(site);
    std::fs::create_dir_all(folder).map_err(io(IoOp::CreateFolder, folder))?;
    replace(&file, text.as_bytes())?;
    Ok(Saved {
        hash: ContentHash::of(text.as_bytes()),
        previous,
    })
}

/// Deletes `content/<rel>` if it is still the version the editor opened
/// (`expected`), keeping it in the history folder first (from which
/// [`restore`] with no expected hash puts it back). Returns the kept version.
pub fn delete(site: &Path, rel: &str, expected: ContentHash) -> Result<Version, SaveError> {
    let file = content_path(site, rel)?;
    let disk = match std::fs::read(&file) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(IoOp::Read, &file)(e)),
    };
    let Some(old) = disk.filter(|d| ContentHash::of(d) == expected) else {
        return Err(SaveError::Conflict {
            path: rel.to_string(),
            disk: std::fs::read(&file)
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
            draft: String::new(),
        });
    };
    let version = keep(site, rel, &old)?;
    std::fs::remove_file(&file).map_err(io(IoOp::Remove, &file))?;
    Ok(version)
}

/// Writes `bytes` to a temporary file beside `file` and renames it over.
fn replace(file: &Path, bytes: &[u8]) -> Result<(), SaveError> {
    let folder = file.parent().unwrap_or(Path::new("."));
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A dot name: the build and the watcher ignore it while it exists.
    let temp = folder.join(format!(".{name}.{}.zhan-save", std::process::id()));
    let written = std::fs::File::create(&temp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io(IoOp::WriteTemporary, &temp)(e));
    }
    // On Windows a file another program holds open cannot be replaced for a
    // moment (an antivirus scan, a preview); try again briefly.
    let mut tries = 0;
    loop {
        match std::fs::rename(&temp, file) {
            Ok(()) => return Ok(()),
            Err(e) if tries < 5 && e.kind() == std::io::ErrorKind::PermissionDenied => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(50 * tries));
            }
            Err(e) => {
                let _ = std::fs::remove_file(&temp);
                return Err(io(IoOp::Replace, file)(e));
            }
        }
    }
}

/// The history folder of `rel`.
pub(super) fn history_dir(site: &Path, rel: &str) -> PathBuf {
    let mut dir = site.join(HISTORY_DIR);
    dir.extend(rel.split('/'));
    dir
}

/// `20261205T093000123Z` for `time`.
pub(super) fn stamp(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let date = Date::from_day_number(i64::try_from(secs / 86_400).unwrap_or(0));
    let day = secs % 86_400;
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}{:03}Z",
        date.year,
        date.month,
        date.day,
        day / 3600,
        day / 60 % 60,
        day % 60,
        since.subsec_millis()
    )
}

/// Copies `old` into the history of `rel`, then drops the oldest versions
/// beyond [`KEEP_VERSIONS`].
fn keep(site: &Path, rel: &str, old: &[u8]) -> Result<Version, SaveError> {
    let dir = history_dir(site, rel);
    std::fs::create_dir_all(&dir).map_err(io(IoOp::KeepHistory, &dir))?;
    let base = stamp(SystemTime::now());
    let mut id = base.clone();
    let mut n = 1;
    loop {
        let path = dir.join(format!("{id}.md"));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(old)
                    .and_then(|()| f.sync_all())
                    .map_err(io(IoOp::KeepHistory, &path))?;
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => {
                n += 1;
                id = format!("{base}-{n}");
            }
            Err(e) => return Err(io(IoOp::KeepHistory, &path)(e)),
        }
    }
    let versions = history(site, rel)?;
    for old in versions.iter().skip(KEEP_VERSIONS) {
        // Pruning is tidying: a version that cannot be removed stays.
        let _ = std::fs::remove_file(dir.join(format!("{}.md", old.id)));
    }
    Ok(Version {
        id,
        size: old.len() as u64,
    })
}

/// Orders version ids by time, then by their `-N`.
pub(super) fn version_key(id: &str) -> (&str, u32) {
    match id.split_once('-') {
        Some((time, n)) => (time, n.parse().unwrap_or(0)),
        None => (id, 1),
    }
}

fn is_version_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'T' | b'Z' | b'-'))
}

/// The kept versions of `content/<rel>`, newest first.
pub fn history(site: &Path, rel: &str) -> Result<Vec<Version>, SaveError> {
    content_path(site, rel)?;
    let dir = history_dir(site, rel);
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(IoOp::ReadHistory, &dir)(e)),
    };
    let mut versions = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(id) = name.strip_suffix(".md").filter(|id| is_version_id(id)) else {
            continue;
        };
        let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
        versions.push(Version {
            id: id.to_string(),
            size,
        });
    }
    versions.sort_by(|a, b| version_key(&b.id).cmp(&version_key(&a.id)));
    Ok(versions)
}

/// The text of one kept version.
pub fn read_version(site: &Path, rel: &str, version: &str) -> Result<String, SaveError> {
    content_path(site, rel)?;
    let missing = || SaveError::NoSuchVersion {
        path: rel.to_string(),
        version: version.to_string(),
    };
    if !is_version_id(version) {
        return Err(missing());
    }
    let path = history_dir(site, rel).join(format!("{version}.md"));
    match std::fs::read(&path) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(missing()),
        Err(e) => Err(io(IoOp::ReadHistory, &path)(e)),
    }
}

/// Puts a kept version back: a [`save`] of its text, so the version it
/// replaces is kept in turn.
pub fn restore(
    site: &Path,
    rel: &str,
    version: &str,
    expected: Option<ContentHash>,
) -> Result<Saved, SaveError> {
    let text = read_version(site, rel, version)?;
    save(site, rel, &text, expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir_all(dir.path().join("content/stations")).expect("folders");
        std::fs::write(
            dir.path().join("content/stations/huidong.md"),
            "---\ntitle: 惠东\n---\n",
        )
        .expect("a file");
        dir
    }

    const REL: &str = "stations/huidong.md";

    #[test]
    fn a_save_replaces_the_file_and_keeps_the_old_version() {
        let dir = site();
        let opened = open(dir.path(), REL).expect("open");
        let saved = save(
            dir.path(),
            REL,
            "---\ntitle: 惠东站\n---\n",
            Some(opened.hash),
        )
        .expect("save");
        let on_disk = std::fs::read_to_string(dir.path().join("content").join(REL)).expect("read");
        assert_eq!(on_disk, "---\ntitle: 惠东站\n---\n");
        assert_eq!(saved.hash, ContentHash::of(on_disk.as_bytes()));
        let versions = history(dir.path(), REL).expect("history");
        assert_eq!(versions.len(), 1);
        assert_eq!(Some(&versions[0]), saved.previous.as_ref());
        assert_eq!(
            read_version(dir.path(), REL, &versions[0].id).expect("version"),
            "---\ntitle: 惠东\n---\n"
        );
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path().join("content/stations"))
            .expect("list")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_file_changed_on_disk_is_not_overwritten() {
        let dir = site();
        let opened = open(dir.path(), REL).expect("open");
        let file = dir.path().join("content").join(REL);
        std::fs::write(&file, "---\ntitle: 记事本改的\n---\n").expect("write");
        match save(dir.path(), REL, "草稿", Some(opened.hash)) {
            Err(SaveError::Conflict { disk, draft, .. }) => {
                assert_eq!(disk.as_deref(), Some("---\ntitle: 记事本改的\n---\n"));
                assert_eq!(draft, "草稿");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            std::fs::read_to_string(&file).expect("read"),
            "---\ntitle: 记事本改的\n---\n"
        );
        std::fs::remove_file(&file).expect("remove");
        assert!(matches!(
            save(dir.path(), REL, "草稿", Some(opened.hash)),
            Err(SaveError::Conflict { disk: None, .. })
        ));
        // A new file: None means it must not exist yet.
        save(dir.path(), REL, "新", None).expect("a new file");
        assert!(matches!(
            save(dir.path(), REL, "又一个", None),
            Err(SaveError::Conflict { disk: Some(_), .. })
        ));
        let new = "services/huidong/tanfang.md";
        save(dir.path(), new, "服务", None).expect("a new folder");
        assert!(history(dir.path(), new).expect("history").is_empty());
    }

    #[test]
    fn restore_is_a_save_and_history_is_capped() {
        let dir = site();
        let mut hash = open(dir.path(), REL).expect("open").hash;
        for i in 0..KEEP_VERSIONS + 5 {
            hash = save(dir.path(), REL, &format!("版本 {i}"), Some(hash))
                .expect("save")
                .hash;
        }
        let versions = history(dir.path(), REL).expect("history");
        assert_eq!(versions.len(), KEEP_VERSIONS);
        let newest = &versions[0];
        assert_eq!(
            read_version(dir.path(), REL, &newest.id).expect("read"),
            format!("版本 {}", KEEP_VERSIONS + 3)
        );
        let oldest = versions.last().expect("a version");
        let saved = restore(dir.path(), REL, &oldest.id, Some(hash)).expect("restore");
        let file = dir.path().join("content").join(REL);
        assert_eq!(std::fs::read_to_string(&file).expect("read"), "版本 4");
        let previous = saved.previous.expect("the replaced version was kept");
        assert_eq!(
            read_version(dir.path(), REL, &previous.id).expect("read"),
            format!("版本 {}", KEEP_VERSIONS + 4)
        );
        assert_eq!(history(dir.path(), REL).expect("history")[0], previous);
        assert!(matches!(
            restore(dir.path(), REL, "../../x", Some(saved.hash)),
            Err(SaveError::NoSuchVersion { .. })
        ));
    }

    #[test]
    fn a_delete_keeps_the_last_version_and_can_be_undone() {
        let dir = site();
        let file = dir.path().join("content").join(REL);
        let opened = open(dir.path(), REL).expect("open");
        // Not the version opened: nothing is deleted.
        assert!(matches!(
            delete(dir.path(), REL, ContentHash(opened.hash.0 ^ 1)),
            Err(SaveError::Conflict { disk: Some(_), .. })
        ));
        assert!(file.exists());
        let kept = delete(dir.path(), REL, opened.hash).expect("delete");
        assert!(!file.exists());
        assert_eq!(
            read_version(dir.path(), REL, &kept.id).expect("kept"),
            "---\ntitle: 惠东\n---\n"
        );
        assert_eq!(
            history(dir.path(), REL).expect("history")[..],
            [kept.clone()][..]
        );
        // Gone: a second delete is a conflict, and the version comes back.
        assert!(matches!(
            delete(dir.path(), REL, opened.hash),
            Err(SaveError::Conflict { disk: None, .. })
        ));
        restore(dir.path(), REL, &kept.id, None).expect("restore");
        assert_eq!(
            std::fs::read_to_string(&file).expect("read"),
            "---\ntitle: 惠东\n---\n"
        );
        assert!(matches!(
            delete(dir.path(), "../x.md", opened.hash),
            Err(SaveError::BadPath { .. })
        ));
    }

    #[test]
    fn only_content_paths_may_be_written() {
        let dir = site();
        for (rel, problem) in [
            ("", PathProblem::Empty),
            ("/etc/passwd.md", PathProblem::Absolute),
            ("C:/x.md", PathProblem::Absolute),
            ("stations\\a.md", PathProblem::Backslash),
            ("../site.md", PathProblem::DotOrEmptyPart),
            ("stations/../../x.md", PathProblem::DotOrEmptyPart),
            ("stations//a.md", PathProblem::DotOrEmptyPart),
            ("stations/a.yaml", PathProblem::NotMarkdown),
            (
                "stations/Huidong.md",
                PathProblem::BadName {
                    segment: "Huidong".into(),
                },
            ),
            (
                ".zhan/a.md",
                PathProblem::BadName {
                    segment: ".zhan".into(),
                },
            ),
            (
                "stations/.a.md",
                PathProblem::BadName {
                    segment: ".a".into(),
                },
            ),
        ] {
            match save(dir.path(), rel, "x", None) {
                Err(SaveError::BadPath { problem: got, .. }) => assert_eq!(got, problem, "{rel}"),
                other => panic!("{rel}: {other:?}"),
            }
        }
        assert!(content_path(dir.path(), "training/a/_index.md").is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_out_of_the_site_are_refused() {
        let dir = site();
        let outside = tempfile::tempdir().expect("a temporary folder");
        std::os::unix::fs::symlink(outside.path(), dir.path().join("content/news"))
            .expect("symlink");
        assert!(matches!(
            save(dir.path(), "news/a.md", "x", None),
            Err(SaveError::BadPath {
                problem: PathProblem::OutsideSite,
                ..
            })
        ));
        assert!(
            std::fs::read_dir(outside.path())
                .expect("list")
                .next()
                .is_none()
        );
        std::os::unix::fs::symlink(
            dir.path().join("content/stations/huidong.md"),
            dir.path().join("content/stations/link.md"),
        )
        .expect("symlink");
        assert!(matches!(
            save(dir.path(), "stations/link.md", "x", None),
            Err(SaveError::BadPath {
                problem: PathProblem::Symlink,
                ..
            })
        ));
    }

    #[test]
    fn stamps_are_utc_and_sort() {
        let t = UNIX_EPOCH + Duration::from_millis(1_796_463_000_123);
        assert_eq!(stamp(t), "20261205T093000123Z");
        assert!(version_key("20261205T093000123Z-2") > version_key("20261205T093000123Z"));
        assert!(version_key("20261205T093001000Z") > version_key("20261205T093000123Z-9"));
    }
}
