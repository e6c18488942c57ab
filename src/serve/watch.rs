//! Watching the site folder: which paths changed, in batches.
//!
//! Editors save in many ways: writing in place, writing a temporary file and
//! renaming it over the original, keeping swap and backup files (`.swp`,
//! `~`, `4913`, `.#file`), or saving many files at once. The watcher reports
//! the paths that changed, leaves out editor litter, hidden folders and the
//! output folder, and gathers a burst of events into one batch once the
//! folder has been quiet for a moment.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher as _};

use crate::load::is_editor_litter;

/// How long the folder must be quiet before a batch is handed over. Short,
/// because it adds to every save's delay; long enough to gather one editor's
/// write-rename-delete sequence and most "save all" bursts.
pub const QUIET: Duration = Duration::from_millis(8);
/// A batch is handed over after this long even if events keep coming.
pub const LONGEST: Duration = Duration::from_millis(250);

/// What changed in one batch.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Batch {
    pub paths: Vec<PathBuf>,
    /// Events were lost (the system's queue overflowed): read everything again.
    pub rescan: bool,
}

/// Watches a site; batches arrive on `batches`.
pub struct SiteWatcher {
    // Kept alive: dropping it stops the watching.
    watcher: notify::RecommendedWatcher,
    /// The folders watched recursively.
    watched: BTreeSet<PathBuf>,
    folders: Vec<PathBuf>,
    pub batches: Receiver<Batch>,
}

impl SiteWatcher {
    /// Starts watching the site's folders that exist now and were not
    /// watched yet (a `templates/` folder made while serving, say).
    pub fn watch_new_folders(&mut self) {
        for dir in &self.folders {
            if dir.is_dir()
                && !self.watched.contains(dir)
                && self.watcher.watch(dir, RecursiveMode::Recursive).is_ok()
            {
                self.watched.insert(dir.clone());
            }
        }
        // A folder deleted and made again needs a new watch.
        self.watched.retain(|d| d.is_dir());
    }
}

/// Whether a changed path concerns the site: not the output, not hidden, not
/// an editor's temporary file.
pub fn relevant(path: &Path, root: &Path, output: &Path) -> bool {
    if path.starts_with(output) {
        return false;
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    !rel.components()
        .any(|c| is_editor_litter(&c.as_os_str().to_string_lossy()))
}

/// Starts watching `content/`, `site.yaml`, the theme, `templates/` and
/// `static/` of the site at `root` (absolute), never `output`.
pub fn watch(root: &Path, output: &Path, theme: &str) -> notify::Result<SiteWatcher> {
    let (raw_tx, raw_rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(raw_tx)?;
    // The root itself only shallowly: site.yaml, and folders appearing.
    watcher.watch(root, RecursiveMode::NonRecursive)?;
    let folders = vec![
        root.join("content"),
        root.join("themes").join(theme),
        root.join("templates"),
        root.join("static"),
    ];
    let (batch_tx, batch_rx) = mpsc::channel();
    let (root, output) = (root.to_path_buf(), output.to_path_buf());
    std::thread::spawn(move || gather(raw_rx, batch_tx, &root, &output));
    let mut site_watcher = SiteWatcher {
        watcher,
        watched: BTreeSet::new(),
        folders,
        batches: batch_rx,
    };
    site_watcher.watch_new_folders();
    Ok(site_watcher)
}

/// Turns raw events into batches: waits for the first event, then for quiet.
fn gather(
    raw: Receiver<notify::Result<notify::Event>>,
    out: Sender<Batch>,
    root: &Path,
    output: &Path,
) {
    loop {
        let mut paths: BTreeSet<PathBuf> = BTreeSet::new();
        let mut rescan = false;
        let Ok(first) = raw.recv() else { return };
        let started = Instant::now();
        let mut take = |event: notify::Result<notify::Event>, paths: &mut BTreeSet<PathBuf>| {
            match event {
                Ok(e) => {
                    rescan |= e.need_rescan();
                    // Reads (our own included) are not changes; a finished write is.
                    let is_read = matches!(e.kind, EventKind::Access(a) if a != notify::event::AccessKind::Close(notify::event::AccessMode::Write));
                    if !is_read {
                        paths.extend(e.paths.into_iter().filter(|p| relevant(p, root, output)));
                    }
                }
                Err(_) => rescan = true,
            }
        };
        take(first, &mut paths);
        loop {
            let wait = QUIET.min(LONGEST.saturating_sub(started.elapsed()));
            match raw.recv_timeout(wait) {
                Ok(event) => take(event, &mut paths),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
            if started.elapsed() >= LONGEST {
                break;
            }
        }
        if paths.is_empty() && !rescan {
            continue;
        }
        if out
            .send(Batch {
                paths: paths.into_iter().collect(),
                rescan,
            })
            .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_hidden_and_litter_are_not_relevant() {
        let root = Path::new("/site");
        let output = Path::new("/site/output");
        assert!(relevant(Path::new("/site/content/a.md"), root, output));
        assert!(relevant(Path::new("/site/site.yaml"), root, output));
        assert!(!relevant(
            Path::new("/site/output/a/index.html"),
            root,
            output
        ));
        assert!(!relevant(Path::new("/site/.git/index"), root, output));
        // The image cache (and the editor's history) in the site's `.zhan/`.
        assert!(!relevant(
            Path::new("/site/.zhan/cache/images/index.json"),
            root,
            output
        ));
        assert!(!relevant(
            Path::new("/site/content/.a.md.swp"),
            root,
            output
        ));
        assert!(!relevant(Path::new("/site/content/a.md~"), root, output));
        assert!(!relevant(Path::new("/site/content/4913"), root, output));
        assert!(!relevant(
            Path::new("/site/.output.staging-12/x"),
            root,
            output
        ));
    }
}
