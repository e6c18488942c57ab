//! Deleted files, and bringing them back.
//!
//! A delete keeps the file's last version in the history folder
//! ([`super::store::delete`]), so a file whose history is there but which is
//! no longer in `content/` was deleted, and its newest version is what it
//! said then. A file that moved (renamed from the editor) is not deleted:
//! the move leaves a mark ([`mark_moved`]) in its history folder, newer
//! than its versions.

use std::path::Path;
use std::time::SystemTime;

use super::store::{self, SaveError, Saved, Version};

/// The mark a move leaves in the history folder of the old name: the time
/// of the move (not a `.md` file, so never read as a version).
const MOVED: &str = "moved";

/// How many deleted files are listed, newest first.
pub const LIST_AT_MOST: usize = 30;

/// A deleted file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    /// Relative to `content/`.
    pub path: String,
    /// Its last version: what it said when it was deleted.
    pub version: Version,
}

/// Notes that `content/<rel>` moved to another name: it is not listed as
/// deleted (until it is made and deleted again).
pub fn mark_moved(site: &Path, rel: &str) -> std::io::Result<()> {
    let dir = store::history_dir(site, rel);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(MOVED), store::stamp(SystemTime::now()))
}

/// The files deleted from `content/` whose last version is kept, newest
/// first, at most [`LIST_AT_MOST`].
pub fn deleted(site: &Path) -> Vec<Deleted> {
    let root = site.join(store::HISTORY_DIR);
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(&root)
        .min_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_dir() && e.file_name().to_string_lossy().ends_with(".md"))
    {
        let Ok(rel) = entry.path().strip_prefix(&root) else {
            continue;
        };
        let Some(rel) = rel
            .components()
            .map(|c| c.as_os_str().to_str())
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join("/"))
        else {
            continue;
        };
        let Ok(file) = store::content_path(site, &rel) else {
            continue;
        };
        if file.exists() {
            continue;
        }
        let Some(newest) = store::history(site, &rel)
            .ok()
            .and_then(|v| v.into_iter().next())
        else {
            continue;
        };
        let moved = std::fs::read_to_string(entry.path().join(MOVED)).ok();
        if moved.is_some_and(|m| store::version_key(m.trim()) >= store::version_key(&newest.id)) {
            continue;
        }
        found.push(Deleted {
            path: rel,
            version: newest,
        });
    }
    found.sort_by(|a, b| {
        store::version_key(&b.version.id)
            .cmp(&store::version_key(&a.version.id))
            .then_with(|| a.path.cmp(&b.path))
    });
    found.truncate(LIST_AT_MOST);
    found
}

/// Puts the deleted file `content/<rel>` back as its version `version` said;
/// refused ([`SaveError::Conflict`]) if a file of that name was made since.
pub fn undelete(site: &Path, rel: &str, version: &str) -> Result<Saved, SaveError> {
    store::restore(site, rel, version, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::store::{ContentHash, delete, open, save};

    #[test]
    fn deleted_files_are_listed_and_come_back_unless_the_name_is_taken() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let site = dir.path();
        std::fs::create_dir_all(site.join("content")).expect("folder");
        for rel in ["news/a.md", "news/b.md", "training/jichu/_index.md"] {
            save(site, rel, &format!("---\ntitle: {rel}\n---\n"), None).expect("saved");
        }
        // A saved file has history but is not deleted.
        let hash = open(site, "news/b.md").expect("open").hash;
        save(site, "news/b.md", "---\ntitle: 新\n---\n", Some(hash)).expect("saved");
        assert!(deleted(site).is_empty());
        let gone = |rel: &str| {
            let hash = open(site, rel).expect("open").hash;
            delete(site, rel, hash).expect("deleted")
        };
        let a = gone("news/a.md");
        std::thread::sleep(std::time::Duration::from_millis(3));
        let course = gone("training/jichu/_index.md");
        let list = deleted(site);
        let paths: Vec<&str> = list.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["training/jichu/_index.md", "news/a.md"]);
        assert_eq!(list[1].version, a);
        assert_eq!(list[0].version, course);
        // A move is not a delete.
        let b = open(site, "news/b.md").expect("open").hash;
        delete(site, "news/b.md", b).expect("moved away");
        mark_moved(site, "news/b.md").expect("marked");
        assert_eq!(deleted(site).len(), 2);
        // Back, as it was; then no longer listed.
        undelete(site, "news/a.md", &a.id).expect("undeleted");
        assert_eq!(
            std::fs::read_to_string(site.join("content/news/a.md")).expect("read"),
            "---\ntitle: news/a.md\n---\n"
        );
        assert_eq!(deleted(site).len(), 1);
        // The name taken again meanwhile: refused, the new file kept.
        save(site, "training/jichu/_index.md", "新的", None).expect("a new one");
        assert!(deleted(site).is_empty());
        assert!(matches!(
            undelete(site, "training/jichu/_index.md", &course.id),
            Err(SaveError::Conflict { .. })
        ));
        assert_eq!(
            open(site, "training/jichu/_index.md").expect("open").hash,
            ContentHash::of("新的".as_bytes())
        );
    }
}
