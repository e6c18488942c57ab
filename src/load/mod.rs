//! Stage 1, load: walk the content folder, read each file, split and parse its
//! front matter. Nothing here knows what a station or a service is.

pub mod frontmatter;
mod libyaml;
pub mod node;
pub mod positions;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diagnostics::{Diagnostic, Diagnostics, Pos};
pub use node::{Key, Node, Value};

/// The largest Markdown file we read. A real page is a few kilobytes; a bigger
/// file is a mistake (a pasted export, a binary renamed .md) and is refused with
/// an error instead of slowing every build and every reader's phone.
pub const MAX_PAGE_BYTES: u64 = 2 * 1024 * 1024;

/// Where a site is, and how to show its paths to the user.
#[derive(Debug, Clone)]
pub struct SitePaths {
    pub root: PathBuf,
    /// The root as the user typed it, prefixed to every displayed path.
    pub display_root: String,
}

impl SitePaths {
    pub fn new(root: &Path) -> Self {
        let display = root.to_string_lossy().replace('\\', "/");
        let display_root = match display.trim_end_matches('/') {
            "" | "." => String::new(),
            other => format!("{other}/"),
        };
        SitePaths {
            root: root.to_path_buf(),
            display_root,
        }
    }
    pub fn content_dir(&self) -> PathBuf {
        self.root.join("content")
    }
    /// A path relative to the site root (`content/a.md`) as the user should see it.
    pub fn display(&self, rel_from_root: &str) -> String {
        format!("{}{}", self.display_root, rel_from_root)
    }
    /// A content path (`stations/a.md`) as the user should see it.
    pub fn display_content(&self, rel: &str) -> String {
        self.display(&format!("content/{rel}"))
    }
}

/// One Markdown file, read and split.
#[derive(Debug, Clone)]
pub struct Document {
    /// Path relative to `content/`, `/`-separated: `services/huidong/x.md`.
    pub path: String,
    /// The path shown in messages: `content/services/huidong/x.md`.
    pub display: String,
    /// The whole text, with BOM removed and line ends normalised to `\n`.
    pub text: String,
    /// The parsed front matter; None if the file has none or it is malformed.
    pub front: Option<Node>,
    /// The line of the first front-matter field (where missing fields are reported).
    pub front_line: u32,
    pub body_start: usize,
    pub body_line: u32,
}

impl Document {
    pub fn body(&self) -> &str {
        &self.text[self.body_start..]
    }
}

/// A file that is not Markdown: copied beside its page.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Path relative to `content/`.
    pub path: String,
    pub source: PathBuf,
    pub size: u64,
    /// When it was last modified, to notice a changed file of the same size.
    pub modified: Option<std::time::SystemTime>,
}

impl Asset {
    /// Reads the size and time of `content/<rel>`; None if it is not a file.
    pub fn at(paths: &SitePaths, rel: &str) -> Option<Asset> {
        let source = paths.content_dir().join(rel);
        let meta = std::fs::metadata(&source).ok().filter(|m| m.is_file())?;
        Some(Asset {
            path: rel.to_string(),
            source,
            size: meta.len(),
            modified: meta.modified().ok(),
        })
    }
}

/// Everything read from `content/`.
#[derive(Debug, Default)]
pub struct Loaded {
    pub documents: Vec<Document>,
    pub assets: Vec<Asset>,
}

/// Files an editor leaves beside the ones it edits: never content.
pub fn is_editor_litter(name: &str) -> bool {
    name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".tmp")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
}

/// What a walk of (part of) the content folder found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Markdown files, as paths relative to `content/`, in walk order.
    pub markdown: Vec<String>,
    pub assets: Vec<Asset>,
    /// Problems with files or folders, by the path they concern.
    pub problems: Vec<(String, Diagnostic)>,
}

/// Lists the files of `content/<under>` (`""` for all of it). Problems with
/// single entries (symlinks out of the site or in a loop, unreadable names)
/// become diagnostics; the rest is still listed.
pub fn walk(paths: &SitePaths, under: &str) -> Walked {
    let content = paths.content_dir();
    let mut walked = Walked::default();
    let start = if under.is_empty() {
        content.clone()
    } else {
        content.join(under)
    };
    let canonical_root = std::fs::canonicalize(&paths.root).unwrap_or_else(|_| paths.root.clone());
    let walker = WalkDir::new(&start)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_editor_litter(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let rel = err
                    .path()
                    .and_then(|p| p.strip_prefix(&content).ok())
                    .map(|r| r.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default();
                walked
                    .problems
                    .push((rel, walk_error(paths, &content, &err)));
                continue;
            }
        };
        if entry.depth() == 0 && entry.file_type().is_dir() {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(&content) else {
            continue;
        };
        let Some(rel) = rel.to_str().map(|s| s.replace('\\', "/")) else {
            let shown = rel.to_string_lossy().replace('\\', "/");
            walked.problems.push((
                shown.clone(),
                Diagnostic::error(
                    paths.display_content(&shown),
                    Pos::START,
                    "this file name is not valid UTF-8",
                )
                .with_hint("rename the file using letters, digits and dashes"),
            ));
            continue;
        };
        if entry.path_is_symlink() {
            let inside = std::fs::canonicalize(entry.path())
                .map(|target| target.starts_with(&canonical_root))
                .unwrap_or(false);
            if !inside {
                walked.problems.push((
                    rel.clone(),
                    Diagnostic::error(
                        paths.display_content(&rel),
                        Pos::START,
                        "this symbolic link points outside the site folder",
                    )
                    .with_hint("copy the file into the site folder instead of linking to it"),
                ));
                continue;
            }
        }
        if !entry.file_type().is_file() {
            continue;
        }
        if rel.ends_with(".md") {
            walked.markdown.push(rel);
        } else {
            let meta = entry.metadata().ok();
            walked.assets.push(Asset {
                path: rel,
                source: entry.path().to_path_buf(),
                size: meta.as_ref().map_or(0, |m| m.len()),
                modified: meta.and_then(|m| m.modified().ok()),
            });
        }
    }
    walked
}

/// The problem of a missing content folder, if it is missing.
pub fn check_content_dir(paths: &SitePaths) -> Option<Diagnostic> {
    (!paths.content_dir().is_dir()).then(|| {
        Diagnostic::error(paths.display("content"), Pos::START, "there is no `content` folder").with_hint(
            "a site is a folder with `site.yaml` and a `content/` folder of Markdown files; `zhan init DIR` makes one",
        )
    })
}

/// Reads a whole content folder: the files a walk finds, read in parallel.
pub fn load(paths: &SitePaths, diagnostics: &mut Diagnostics) -> Loaded {
    let mut loaded = Loaded::default();
    if let Some(d) = check_content_dir(paths) {
        diagnostics.push(d);
        return loaded;
    }
    let walked = walk(paths, "");
    walked
        .problems
        .into_iter()
        .for_each(|(_, d)| diagnostics.push(d));
    loaded.assets = walked.assets;
    let results: Vec<Result<Document, Vec<Diagnostic>>> = walked
        .markdown
        .par_iter()
        .map(|rel| read_document(paths, rel))
        .collect();
    for result in results {
        match result {
            Ok(doc) => loaded.documents.push(doc),
            Err(found) => found.into_iter().for_each(|d| diagnostics.push(d)),
        }
    }
    loaded
}
fn walk_error(paths: &SitePaths, content: &Path, err: &walkdir::Error) -> Diagnostic {
    let rel = |p: &Path| {
        p.strip_prefix(content)
            .map(|r| paths.display_content(&r.to_string_lossy()))
            .unwrap_or_else(|_| p.to_string_lossy().into_owned())
    };
    let file = err
        .path()
        .map(rel)
        .unwrap_or_else(|| paths.display("content"));
    if let Some(ancestor) = err.loop_ancestor() {
        return Diagnostic::error(
            file,
            Pos::START,
            format!(
                "symbolic link loop: this link leads back to `{}`",
                rel(ancestor)
            ),
        )
        .with_hint(
            "remove the link; a folder may not contain a link to itself or to a folder above it",
        );
    }
    Diagnostic::error(
        file,
        Pos::START,
        format!("cannot read this file or folder: {err}"),
    )
    .with_hint("check that it exists and that you may read it")
}

/// Reads one Markdown file: size limit, UTF-8, BOM and CRLF, front matter.
/// A document with malformed front matter is still returned (with `front` None)
/// when possible, but its diagnostics make the build fail.
pub fn read_document(paths: &SitePaths, rel: &str) -> Result<Document, Vec<Diagnostic>> {
    let display = paths.display_content(rel);
    let path = paths.content_dir().join(rel);
    let path = path.as_path();
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        let root = std::fs::canonicalize(&paths.root).unwrap_or_else(|_| paths.root.clone());
        if !std::fs::canonicalize(path).is_ok_and(|t| t.starts_with(&root)) {
            return Err(vec![
                Diagnostic::error(
                    &display,
                    Pos::START,
                    "this symbolic link points outside the site folder",
                )
                .with_hint("copy the file into the site folder instead of linking to it"),
            ]);
        }
    }
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    if size > MAX_PAGE_BYTES {
        return Err(vec![Diagnostic::error(
            &display,
            Pos::START,
            format!(
                "this file is {:.1} MB; a page may be at most {} MB",
                size as f64 / 1_048_576.0,
                MAX_PAGE_BYTES / 1_048_576
            ),
        )
        .with_hint("split it into several pages, or put large material in an attachment (PDF, spreadsheet) and link to it")]);
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) => {
            return Err(vec![
                Diagnostic::error(
                    &display,
                    Pos::START,
                    format!("cannot read this file: {err}"),
                )
                .with_hint("check that it exists and that you may read it"),
            ]);
        }
    };
    let text = match decode(&bytes) {
        Ok(text) => text,
        Err((pos, what)) => {
            return Err(vec![Diagnostic::error(&display, pos, what).with_hint(
                "save the file as UTF-8 (in Notepad: File › Save As › Encoding: UTF-8)",
            )]);
        }
    };
    let split = match frontmatter::split(&text) {
        Ok(split) => split,
        Err(what) => {
            return Err(vec![
                Diagnostic::error(&display, Pos::START, what).with_hint(
                    "add a line containing only `---` after the last front-matter field",
                ),
            ]);
        }
    };
    let front = match split.yaml {
        None => None,
        Some(yaml) => match frontmatter::parse(yaml, split.yaml_line, &display) {
            Ok(node) => Some(node),
            Err(d) => return Err(vec![d]),
        },
    };
    Ok(Document {
        path: rel.to_string(),
        display,
        front_line: split.yaml_line,
        body_start: split.body_start,
        body_line: split.body_line,
        front,
        text,
    })
}

/// UTF-8 text with a leading BOM removed and `\r\n` (and lone `\r`) turned into `\n`.
/// On invalid UTF-8, the position of the first bad byte.
pub fn decode(bytes: &[u8]) -> Result<String, (Pos, String)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let good = &bytes[..err.valid_up_to()];
            // The valid prefix is UTF-8 by definition.
            let good = std::str::from_utf8(good).unwrap_or_default();
            let line = good.matches('\n').count() + 1;
            let col = good.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let pos = Pos::new(
                u32::try_from(line).unwrap_or(u32::MAX),
                u32::try_from(col).unwrap_or(u32::MAX),
            );
            let hint = if looks_like_gbk(&bytes[err.valid_up_to()..]) {
                " (it looks like GBK/GB2312, the old Chinese Windows encoding)"
            } else {
                ""
            };
            return Err((pos, format!("this file is not valid UTF-8 text{hint}")));
        }
    };
    if text.contains('\r') {
        Ok(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Ok(text.to_string())
    }
}

/// GBK encodes a Chinese character as a lead byte 0x81–0xFE and a trail byte 0x40–0xFE.
fn looks_like_gbk(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && (0x81..=0xFE).contains(&bytes[0]) && (0x40..=0xFE).contains(&bytes[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_and_crlf_are_normalised() {
        assert_eq!(
            decode(b"\xEF\xBB\xBF---\r\ntitle: a\r\n").unwrap(),
            "---\ntitle: a\n"
        );
    }

    #[test]
    fn invalid_utf8_names_line_and_column() {
        let (pos, message) = decode(b"---\ntitle: \xB9\xDC\xD7\xAF\n").unwrap_err();
        assert_eq!(pos, Pos::new(2, 8));
        assert!(message.contains("GBK"));
    }

    #[test]
    fn editor_litter_is_recognised() {
        for name in [".#a.md", "a.md~", ".a.md.swp", "4913", "#a.md#"] {
            assert!(is_editor_litter(name), "{name}");
        }
        assert!(!is_editor_litter("a.md"));
    }
}
