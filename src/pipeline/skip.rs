//! The no-change shortcut of `zhan build`.
//!
//! Even when every output file turns out the same, a build has read, linked
//! and rendered the whole site to know it. So a successful build also records,
//! in the output folder ([`INPUTS`]), everything it read: every file of the
//! site that zhan may read (settings, content, themes, the site's templates
//! and static files) by path, size and stamp, the options, and zhan itself
//! (its version and the stamp of its executable, which holds the code and
//! the built-in theme). A stamp is the file's modification and status-change
//! times and inode, as make, cargo and git compare files, so checking costs
//! a `stat` per file, not a read. A file modified within the last few
//! seconds could change again within the same tick of the file system's
//! clock (2 s on a FAT-formatted USB stick) and keep its times, so its stamp
//! is a hash of its bytes instead (git's "racily clean" files); the next
//! build then builds again rather than trust it. The next build compares the
//! inputs as they are now; when they are all the same and the output folder still holds
//! exactly what its manifest records, the output is what a full build would
//! write (builds are deterministic), and nothing is rendered or written.
//! Whenever anything cannot be read or compared, the full build runs.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;
use serde_json::{Value, json};

use super::fingerprint::combine;
use super::{Options, Report};
use crate::diagnostics::{Diagnostic, Diagnostics, Pos, Severity};
use crate::link::privacy::Accepted;
use crate::link::privacy::numbers::NumberKind;
use crate::load::is_editor_litter;
use crate::model::config;
use crate::write::output::{self, INPUTS, Manifest, hash_bytes};

/// The format of the record; another number is ignored.
const RECORD_VERSION: u64 = 4;

/// The folders of the site a build reads (beside `site.yaml`).
const FOLDERS: [&str; 4] = ["content", "themes", "templates", "static"];

/// Everything a build reads, taken before the build reads it (an edit during
/// the build then shows as a change next time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
    /// zhan's version and the stamp of its executable.
    pub zhan: String,
    /// The options that decide what is written and what is said.
    pub options: String,
    /// Every file (and folder, with a trailing `/`) of the site zhan may
    /// read, relative to the site folder, in walk order: (path, size, stamp).
    pub files: Vec<(String, u64, u64)>,
}

/// What the last successful build into an output folder recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub inputs: Inputs,
    /// The digest of the manifest the build left ([`Manifest::digest`]).
    pub manifest: u64,
    /// What its report said, to say it again.
    pub pages: usize,
    pub copied: usize,
    pub warnings: Vec<Diagnostic>,
    /// The privacy findings pages accepted, to list them again.
    pub accepted: Vec<Accepted>,
}

/// Whether a build may be skipped.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    /// Every input is the same and the output holds what the last build wrote.
    Skip,
    /// Build, for this reason.
    Build(String),
}

/// Decides whether a build with inputs `now` would write exactly the output
/// folder there is: the last build's `record` names the same inputs, the
/// folder's manifest (its digest, `manifest`) is the one that build left, and
/// `output` (run last, being the costliest) finds every file as the manifest
/// records it and nothing else.
pub fn decide(
    now: &Inputs,
    record: Option<&Record>,
    manifest: Option<u64>,
    output: impl FnOnce() -> Result<(), String>,
) -> Decision {
    let Some(record) = record else {
        return Decision::Build("no record of an earlier build".to_string());
    };
    let was = &record.inputs;
    if was.zhan != now.zhan {
        return Decision::Build("zhan itself changed".to_string());
    }
    if was.options != now.options {
        return Decision::Build("the options changed".to_string());
    }
    if was.files != now.files {
        let mut old = was.files.iter();
        let mut new = now.files.iter();
        let reason = loop {
            match (old.next(), new.next()) {
                (Some(a), Some(b)) if a == b => continue,
                (Some(a), Some(b)) if a.0 == b.0 => break format!("`{}` changed", a.0),
                (Some(a), None) => break format!("`{}` was removed", a.0),
                (None, Some(b)) => break format!("`{}` was added", b.0),
                (Some(a), Some(b)) => break format!("`{}` or `{}` came or went", a.0, b.0),
                (None, None) => break "the inputs changed".to_string(),
            }
        };
        return Decision::Build(reason);
    }
    if manifest != Some(record.manifest) {
        return Decision::Build("the output folder is not the one recorded".to_string());
    }
    match output() {
        Ok(()) => Decision::Skip,
        Err(why) => Decision::Build(why),
    }
}

/// How recent a modification makes a file's times untrustworthy: the
/// coarsest clock of a file system zhan may meet (FAT's 2 s), and some.
const RACY: std::time::Duration = std::time::Duration::from_secs(3);

/// The stamp of the file with metadata `meta` (see the module's comment);
/// `bytes` reads the file when its times cannot be trusted.
fn stamp(
    meta: &std::fs::Metadata,
    now: SystemTime,
    bytes: impl FnOnce() -> Option<Vec<u8>>,
) -> Option<u64> {
    let modified = meta.modified().ok()?;
    let racy = now.duration_since(modified).map_or(true, |age| age < RACY);
    if racy {
        return Some(combine(&[1, hash_bytes(&bytes()?)]));
    }
    // The output manifest's stamp, and the status-change time beside it
    // (which moving a file changes, so the manifest leaves it out).
    let file = output::Stamp::of(meta);
    Some(combine(&[
        0,
        file.mtime as u64,
        status_change(meta),
        file.inode,
    ]))
}

#[cfg(unix)]
fn status_change(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    (meta.ctime() as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(meta.ctime_nsec() as u64)
}

// Elsewhere the size and modification time must do.
#[cfg(not(unix))]
fn status_change(_meta: &std::fs::Metadata) -> u64 {
    0
}

/// The stamp of the running executable, or None if it cannot be read.
fn executable_stamp(now: SystemTime) -> Option<u64> {
    // On Linux /proc/self/exe is the file this process runs, even when a
    // newer build has replaced it on disk since.
    let path = PathBuf::from("/proc/self/exe");
    let path = if path.exists() {
        path
    } else {
        std::env::current_exe().ok()?
    };
    let meta = std::fs::metadata(&path).ok()?;
    stamp(&meta, now, || std::fs::read(&path).ok())
}

/// Lists the files under `root/top` a build may read (skipping editor litter,
/// as the loaders do), with their stamps; None when anything cannot be read.
fn walk_inputs(
    root: &Path,
    top: &str,
    now: SystemTime,
    out: &mut Vec<(String, u64, u64)>,
) -> Option<()> {
    let start = root.join(top);
    if std::fs::symlink_metadata(&start).is_err() {
        return Some(());
    }
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    let walker = walkdir::WalkDir::new(&start)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_editor_litter(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = entry.ok()?;
        let rel = entry
            .path()
            .strip_prefix(root)
            .ok()?
            .to_str()?
            .replace('\\', "/");
        if entry.file_type().is_dir() {
            out.push((format!("{rel}/"), 0, 0));
        } else {
            files.push((rel, entry.path().to_path_buf()));
        }
    }
    let hashed: Option<Vec<(String, u64, u64)>> = files
        .into_par_iter()
        .map(|(rel, path)| {
            let meta = std::fs::metadata(&path).ok()?;
            let stamp = stamp(&meta, now, || std::fs::read(&path).ok())?;
            Some((rel, meta.len(), stamp))
        })
        .collect();
    out.extend(hashed?);
    Some(())
}

impl Inputs {
    /// The inputs of a build with `options`, as they are now; None when
    /// something cannot be read (then the build runs).
    pub fn read(options: &Options) -> Option<Inputs> {
        let root = &options.root;
        let canonical = |p: &Path| std::fs::canonicalize(p).ok();
        let now = SystemTime::now();
        let zhan = format!(
            "{} {:016x}",
            env!("CARGO_PKG_VERSION"),
            executable_stamp(now)?
        );
        let options_text = format!(
            "root={:?} ({:?}) output={:?} drafts={} base_url={:?} for_disk={}",
            root,
            canonical(root)?,
            output::absolute(&options.output_dir()),
            options.drafts,
            options.base_url,
            options.for_disk,
        );
        let mut files = Vec::new();
        walk_inputs(root, config::FILE, now, &mut files)?;
        for folder in FOLDERS {
            walk_inputs(root, folder, now, &mut files)?;
        }
        Some(Inputs {
            zhan,
            options: options_text,
            files,
        })
    }
}

fn diagnostic_json(d: &Diagnostic) -> Value {
    json!({
        "error": d.is_error(),
        "file": d.file,
        "line": d.pos.line,
        "col": d.pos.col,
        "len": d.len,
        "code": d.code,
        "args": d.args.iter().map(|(name, value)| json!([name, value])).collect::<Vec<_>>(),
        "hint": d.hint,
    })
}

fn diagnostic_of(v: &Value) -> Option<Diagnostic> {
    let number = |key: &str| v.get(key)?.as_u64().and_then(|n| u32::try_from(n).ok());
    Some(Diagnostic {
        severity: if v.get("error")?.as_bool()? {
            Severity::Error
        } else {
            Severity::Warning
        },
        file: v.get("file")?.as_str()?.to_string(),
        pos: Pos::new(number("line")?, number("col")?),
        len: number("len")?,
        code: crate::messages::intern(v.get("code")?.as_str()?)?,
        // A name no message uses any more is dropped: it would not be shown.
        args: v
            .get("args")?
            .as_array()?
            .iter()
            .filter_map(|pair| {
                let name = crate::messages::intern_placeholder(pair.get(0)?.as_str()?)?;
                let value = serde_json::from_value(pair.get(1)?.clone()).ok()?;
                Some((name, value))
            })
            .collect(),
        hint: match v.get("hint")? {
            Value::Null => None,
            hint => Some(crate::messages::intern(hint.as_str()?)?),
        },
    })
}

fn accepted_json(a: &Accepted) -> Value {
    json!([a.file, a.pos.line, a.pos.col, a.kind.key(), a.masked, a.why])
}

fn accepted_of(v: &Value) -> Option<Accepted> {
    let number = |i: usize| v.get(i)?.as_u64().and_then(|n| u32::try_from(n).ok());
    let text = |i: usize| Some(v.get(i)?.as_str()?.to_string());
    Some(Accepted {
        file: text(0)?,
        pos: Pos::new(number(1)?, number(2)?),
        kind: NumberKind::from_key(v.get(3)?.as_str()?)?,
        masked: text(4)?,
        why: text(5)?,
    })
}

impl Record {
    fn to_json(&self) -> String {
        let i = &self.inputs;
        let files: Vec<Value> = i
            .files
            .iter()
            .map(|(path, size, hash)| json!([path, size, format!("{hash:016x}")]))
            .collect();
        let value = json!({
            "version": RECORD_VERSION,
            "zhan": i.zhan,
            "options": i.options,
            "manifest": format!("{:016x}", self.manifest),
            "pages": self.pages,
            "copied": self.copied,
            "warnings": self.warnings.iter().map(diagnostic_json).collect::<Vec<_>>(),
            "accepted": self.accepted.iter().map(accepted_json).collect::<Vec<_>>(),
            "files": files,
        });
        serde_json::to_string(&value).unwrap_or_default()
    }

    fn from_json(text: &str) -> Option<Record> {
        let v: Value = serde_json::from_str(text).ok()?;
        if v.get("version")?.as_u64()? != RECORD_VERSION {
            return None;
        }
        let hex = |v: &Value| u64::from_str_radix(v.as_str()?, 16).ok();
        let text = |key: &str| Some(v.get(key)?.as_str()?.to_string());
        let count = |key: &str| v.get(key)?.as_u64().and_then(|n| usize::try_from(n).ok());
        let files = v
            .get("files")?
            .as_array()?
            .iter()
            .map(|f| {
                Some((
                    f.get(0)?.as_str()?.to_string(),
                    f.get(1)?.as_u64()?,
                    hex(f.get(2)?)?,
                ))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Record {
            inputs: Inputs {
                zhan: text("zhan")?,
                options: text("options")?,
                files,
            },
            manifest: hex(v.get("manifest")?)?,
            pages: count("pages")?,
            copied: count("copied")?,
            warnings: v
                .get("warnings")?
                .as_array()?
                .iter()
                .map(diagnostic_of)
                .collect::<Option<Vec<_>>>()?,
            accepted: v
                .get("accepted")?
                .as_array()?
                .iter()
                .map(accepted_of)
                .collect::<Option<Vec<_>>>()?,
        })
    }

    fn read(dir: &Path) -> Option<Record> {
        Record::from_json(&std::fs::read_to_string(dir.join(INPUTS)).ok()?)
    }
}

/// The report of a build that can be skipped, or None: build.
pub fn up_to_date(options: &Options, inputs: &Inputs) -> Option<Report> {
    let dir = std::fs::canonicalize(options.output_dir()).ok()?;
    let record = Record::read(&dir);
    let manifest = Manifest::read(&dir);
    let decision = decide(
        inputs,
        record.as_ref(),
        manifest.as_ref().map(|m| m.digest),
        || match &manifest {
            Some(m) => output::check(&dir, m),
            None => Err("the output has no manifest".to_string()),
        },
    );
    if decision != Decision::Skip {
        return None;
    }
    let record = record?;
    let mut diagnostics = Diagnostics::new();
    record
        .warnings
        .into_iter()
        .for_each(|d| diagnostics.push(d));
    Some(Report {
        diagnostics,
        pages: record.pages,
        copied: record.copied,
        written_to: Some(dir),
        up_to_date: true,
        accepted: record.accepted,
        ..Report::default()
    })
}

/// After a build: records its inputs in the output folder, if it succeeded
/// and wrote the output. Writes nothing when the same record is there; a
/// record that cannot be written only costs the next build its shortcut.
pub fn record(inputs: Inputs, report: &Report) {
    if !report.succeeded() {
        return;
    }
    let Some(dir) = &report.written_to else {
        return;
    };
    let Some(digest) = Manifest::digest_of(dir) else {
        return;
    };
    let record = Record {
        inputs,
        manifest: digest,
        pages: report.pages,
        copied: report.copied,
        warnings: report.diagnostics.iter().cloned().collect(),
        accepted: report.accepted.clone(),
    };
    let text = record.to_json();
    let path = dir.join(INPUTS);
    if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
        return;
    }
    let _ = output::replace_file(&path, |tmp| std::fs::write(tmp, text.as_bytes()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs() -> Inputs {
        Inputs {
            zhan: "0.1.0 00000000000000aa".to_string(),
            options: "root=\".\" drafts=false base_url=None".to_string(),
            files: vec![
                ("content/".to_string(), 0, 0),
                ("content/a.md".to_string(), 10, 1),
                ("content/b.md".to_string(), 20, 2),
                ("site.yaml".to_string(), 30, 3),
            ],
        }
    }

    fn record() -> Record {
        Record {
            inputs: inputs(),
            manifest: 7,
            pages: 2,
            copied: 1,
            warnings: vec![
                Diagnostic::warning("content/a.md", Pos::new(3, 4), "W-FIELD-UNKNOWN")
                    .arg("field", crate::messages::field("adress"))
                    .arg("close", "address")
                    .with_hint("H-FIELD-UNKNOWN-CLOSE"),
            ],
            accepted: vec![Accepted {
                file: "content/news/a.md".to_string(),
                pos: Pos::new(9, 3),
                kind: NumberKind::Phone,
                masked: "138****8000".to_string(),
                why: "站里的值班手机".to_string(),
            }],
        }
    }

    fn ok() -> Result<(), String> {
        Ok(())
    }

    fn decide_with(now: &Inputs) -> Decision {
        decide(now, Some(&record()), Some(7), ok)
    }

    fn builds(d: Decision) -> bool {
        matches!(d, Decision::Build(_))
    }

    #[test]
    fn the_same_inputs_and_output_skip_the_build() {
        assert_eq!(decide_with(&inputs()), Decision::Skip);
    }

    #[test]
    fn any_input_added_removed_or_changed_builds() {
        let mut added = inputs();
        added.files.insert(2, ("content/ab.md".to_string(), 1, 9));
        assert_eq!(
            decide_with(&added),
            Decision::Build("`content/b.md` or `content/ab.md` came or went".to_string())
        );
        let mut removed = inputs();
        removed.files.pop();
        assert_eq!(
            decide_with(&removed),
            Decision::Build("`site.yaml` was removed".to_string())
        );
        let mut changed = inputs();
        changed.files[1].2 = 5;
        assert_eq!(
            decide_with(&changed),
            Decision::Build("`content/a.md` changed".to_string())
        );
        let mut resized = inputs();
        resized.files[2].1 = 21;
        assert!(builds(decide_with(&resized)));
        let mut at_end = inputs();
        at_end.files.push(("static/x.css".to_string(), 1, 1));
        assert!(builds(decide_with(&at_end)));
    }

    #[test]
    fn other_options_or_another_zhan_build() {
        let mut drafts = inputs();
        drafts.options = "root=\".\" drafts=true base_url=None".to_string();
        assert!(builds(decide_with(&drafts)));
        let mut zhan = inputs();
        zhan.zhan = "0.1.0 00000000000000ab".to_string();
        assert!(builds(decide_with(&zhan)));
    }

    #[test]
    fn an_edited_or_missing_output_builds() {
        let now = inputs();
        assert!(builds(decide(&now, None, Some(7), ok)));
        assert!(builds(decide(&now, Some(&record()), None, ok)));
        assert!(builds(decide(&now, Some(&record()), Some(8), ok)));
        let edited = || Err("`index.html` was changed or removed".to_string());
        assert_eq!(
            decide(&now, Some(&record()), Some(7), edited),
            Decision::Build("`index.html` was changed or removed".to_string())
        );
    }

    #[test]
    fn the_output_is_checked_only_when_the_inputs_are_the_same() {
        let mut changed = inputs();
        changed.files[0].0 = "content2/".to_string();
        let checked = std::cell::Cell::new(false);
        let check = || {
            checked.set(true);
            Ok(())
        };
        assert!(builds(decide(&changed, Some(&record()), Some(7), check)));
        assert!(!checked.get());
    }

    #[test]
    fn a_record_reads_back_as_written() {
        let record = record();
        assert_eq!(Record::from_json(&record.to_json()), Some(record));
        assert_eq!(Record::from_json("{\"version\": 1}"), None);
        assert_eq!(Record::from_json("not json"), None);
    }

    fn stamp_of(path: &Path, now: SystemTime) -> u64 {
        let meta = std::fs::metadata(path).expect("metadata");
        stamp(&meta, now, || std::fs::read(path).ok()).expect("stamp")
    }

    #[test]
    fn a_same_size_rewrite_with_its_old_time_still_changes_the_stamp() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.md");
        std::fs::write(&path, "标题一").expect("write");
        let old_time = SystemTime::now() - std::time::Duration::from_secs(3600);
        let set_time = |t| {
            std::fs::File::options()
                .write(true)
                .open(&path)
                .and_then(|f| f.set_modified(t))
                .expect("set time")
        };
        set_time(old_time);
        let now = SystemTime::now();
        let before = stamp_of(&path, now);
        assert_eq!(before, stamp_of(&path, now), "a stamp is stable");
        // What an editor that keeps the modification time would do: same
        // size, time set back. The status-change time still moves.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&path, "标题二").expect("write");
        set_time(old_time);
        assert_ne!(before, stamp_of(&path, SystemTime::now()));
    }

    #[test]
    fn a_file_modified_just_now_is_stamped_by_its_bytes() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a.md");
        let now = SystemTime::now();
        std::fs::write(&path, "first").expect("write");
        let first = stamp_of(&path, now);
        // Rewritten within the same clock tick: times may be equal, the
        // bytes are not.
        let time = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .expect("time");
        std::fs::write(&path, "other").expect("write");
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(time))
            .expect("set time");
        assert_ne!(first, stamp_of(&path, now));
        // Once old enough, its times are trusted and its bytes not read.
        let later = now + RACY + std::time::Duration::from_secs(1);
        let meta = std::fs::metadata(&path).expect("metadata");
        assert!(
            stamp(&meta, later, || panic!(
                "read a file whose times are trusted"
            ))
            .is_some()
        );
    }
}
