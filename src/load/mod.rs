//! Stage 1, load: walk the content folder, read each file, split and parse its
//! front matter. Nothing here knows what a station or a service is.

pub mod frontmatter;
mod libyaml;
pub mod node;
pub mod positions;
pub mod slips;

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use walkdir::WalkDir;

use crate::diagnostics::{Diagnostic, Diagnostics, Pos, Problem};
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
    /// Warnings about how the file is written (slips the reading got past),
    /// reported with the item's own.
    pub warnings: Vec<Diagnostic>,
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
    /// The path shown in messages: `content/news/photo.jpg`.
    pub display: String,
    pub source: PathBuf,
    pub size: u64,
    /// When it was last modified, to notice a changed file of the same size.
    pub modified: Option<std::time::SystemTime>,
    /// A photo's upright size and cache key, once the pipeline probed it
    /// (see `crate::images`); None for other files and unreadable images.
    pub image: Option<std::sync::Arc<crate::images::ImageInfo>>,
}

impl Asset {
    /// Reads the size and time of `content/<rel>`; None if it is not a file.
    pub fn at(paths: &SitePaths, rel: &str) -> Option<Asset> {
        let source = paths.content_dir().join(rel);
        let meta = std::fs::metadata(&source).ok().filter(|m| m.is_file())?;
        Some(Asset {
            path: rel.to_string(),
            display: paths.display_content(rel),
            source,
            size: meta.len(),
            modified: meta.modified().ok(),
            image: None,
        })
    }
}

/// Everything read from `content/`.
#[derive(Debug, Default)]
pub struct Loaded {
    pub documents: Vec<Document>,
    pub assets: Vec<Asset>,
}

/// Files editors and the operating system leave beside the ones a person
/// edits: never content, never published. Windows writes `Thumbs.db` and
/// `desktop.ini` into folders of photos, Office a `~$name.docx` lock file
/// while a document is open, macOS `.DS_Store` (hidden, as all dot files).
pub fn is_editor_litter(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.ends_with('~')
        || name.starts_with("~$")
        || lower.ends_with(".swp")
        || lower.ends_with(".swx")
        || lower.ends_with(".tmp")
        || lower.ends_with(".bak")
        || (name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || matches!(lower.as_str(), "thumbs.db" | "ehthumbs.db" | "desktop.ini")
}

/// The name a Markdown file should have, when `name` is one written as
/// Markdown that zhan does not read as content: `.MD` or `.Md` (Windows
/// does not tell the cases apart, the web does), `.markdown`, and Notepad's
/// `name.md.txt` (saved as a text document, with Windows hiding the `.txt`).
/// Such a file was copied into the site raw, front matter and drafts
/// included; it is refused with this name to rename it to, rather than read
/// as content: the file name is the page's id and address, and links written
/// to `name.md` would not find it under another name.
pub fn misnamed_markdown(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let stem_len = if lower.ends_with(".md.txt") {
        name.len() - ".md.txt".len()
    } else if lower.ends_with(".markdown") {
        name.len() - ".markdown".len()
    } else if lower.ends_with(".md") && !name.ends_with(".md") {
        name.len() - ".md".len()
    } else {
        return None;
    };
    let stem = &name[..stem_len];
    (!stem.is_empty()).then(|| format!("{stem}.md"))
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
                Diagnostic::error(paths.display_content(&shown), Pos::START, "E-NAME-NOT-UTF8")
                    .with_hint("H-NAME-NOT-UTF8"),
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
                    Diagnostic::error(paths.display_content(&rel), Pos::START, "E-LINK-OUTSIDE")
                        .with_hint("H-LINK-OUTSIDE"),
                ));
                continue;
            }
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let name = rel.rsplit('/').next().unwrap_or_default();
        if let Some(wanted) = misnamed_markdown(name) {
            walked.problems.push((
                rel.clone(),
                Diagnostic::error(paths.display_content(&rel), Pos::START, "E-NAME-NOT-MD")
                    .arg("name", name)
                    .arg("wanted", wanted)
                    .with_hint("H-NAME-NOT-MD"),
            ));
            continue;
        }
        if rel.ends_with(".md") {
            walked.markdown.push(rel);
        } else {
            let meta = entry.metadata().ok();
            walked.assets.push(Asset {
                display: paths.display_content(&rel),
                path: rel,
                source: entry.path().to_path_buf(),
                size: meta.as_ref().map_or(0, |m| m.len()),
                modified: meta.and_then(|m| m.modified().ok()),
                image: None,
            });
        }
    }
    walked
}

/// The problem of a missing content folder, if it is missing.
pub fn check_content_dir(paths: &SitePaths) -> Option<Diagnostic> {
    (!paths.content_dir().is_dir()).then(|| {
        Diagnostic::error(paths.display("content"), Pos::START, "E-NO-CONTENT")
            .with_hint("H-NO-CONTENT")
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
        return Diagnostic::error(file, Pos::START, "E-LINK-LOOP")
            .arg("target", rel(ancestor))
            .with_hint("H-LINK-LOOP");
    }
    Diagnostic::error(file, Pos::START, "E-READ-FILE")
        .arg("detail", err.to_string())
        .with_hint("H-READ-FILE")
}

/// Reads one Markdown file: size limit, UTF-8, BOM and CRLF, front matter.
/// A document with malformed front matter is still returned (with `front` None)
/// when possible, but its diagnostics make the build fail.
pub fn read_document(paths: &SitePaths, rel: &str) -> Result<Document, Vec<Diagnostic>> {
    let display = paths.display_content(rel);
    let path = paths.content_dir().join(rel);
    let path = path.as_path();
    // One look at the file gives its size too, unless it is a link (a
    // site of 13,000 pages spent 5% of its system time on these looks).
    let size = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let root = std::fs::canonicalize(&paths.root).unwrap_or_else(|_| paths.root.clone());
            if !std::fs::canonicalize(path).is_ok_and(|t| t.starts_with(&root)) {
                return Err(vec![
                    Diagnostic::error(&display, Pos::START, "E-LINK-OUTSIDE")
                        .with_hint("H-LINK-OUTSIDE"),
                ]);
            }
            std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
        }
        Ok(meta) => meta.len(),
        Err(_) => 0,
    };
    let too_big = |size: u64| {
        vec![
            Diagnostic::error(&display, Pos::START, "E-PAGE-TOO-BIG")
                .arg("size", megabytes_rounded_up(size))
                .arg("limit", MAX_PAGE_BYTES / 1_048_576)
                .with_hint("H-PAGE-TOO-BIG"),
        ]
    };
    if size > MAX_PAGE_BYTES {
        return Err(too_big(size));
    }
    let bytes = match read_at_most(path, size, MAX_PAGE_BYTES + 1) {
        // It grew since it was looked at: say how big it is now, not how
        // much of it was read.
        Ok(bytes) if bytes.len() as u64 > MAX_PAGE_BYTES => {
            let now = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
            return Err(too_big(now));
        }
        Ok(bytes) => bytes,
        Err(err) => {
            return Err(vec![
                Diagnostic::error(&display, Pos::START, "E-READ-FILE")
                    .arg("detail", err.to_string())
                    .with_hint("H-READ-FILE"),
            ]);
        }
    };
    document_from_bytes(rel, display, &bytes)
}

/// `bytes` in megabytes with one decimal, rounded up: a file just over the
/// 2 MB limit is "2.1 MB", never "2.0 MB" beside "at most 2 MB".
fn megabytes_rounded_up(bytes: u64) -> String {
    let tenths = bytes.saturating_mul(10).div_ceil(1_048_576);
    format!("{}.{}", tenths / 10, tenths % 10)
}

/// The first `limit` bytes of the file at `path`, which held `size` bytes
/// when it was looked at: unlike `std::fs::read`, without asking the
/// system for its size again.
fn read_at_most(path: &Path, size: u64, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    // One byte more than expected, so that the read finding the end needs
    // no larger buffer.
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(limit)).unwrap_or(0) + 1);
    (&file).take(limit).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A content file's document from its bytes, as [`read_document`] reads it
/// from disk: also what the editor checks a draft with, so a draft gets
/// exactly the problems a build would find.
pub fn document_from_bytes(
    rel: &str,
    display: String,
    bytes: &[u8],
) -> Result<Document, Vec<Diagnostic>> {
    let text = match decode(bytes) {
        Ok(text) => text,
        Err((pos, problem)) => return Err(vec![problem.error_at(&display, pos)]),
    };
    let split = match frontmatter::split(&text) {
        Ok(split) => split,
        Err(problem) => return Err(vec![problem.error_at(&display, Pos::START)]),
    };
    let mut warnings = Vec::new();
    if split.blank_lines_before > 0 {
        warnings.push(
            Diagnostic::warning(&display, Pos::START, "W-FRONT-BLANK-BEFORE")
                .arg("count", split.blank_lines_before)
                .with_hint("H-FRONT-BLANK-BEFORE"),
        );
    }
    let front = match split.yaml {
        None => None,
        Some(yaml) => match frontmatter::parse_checked(yaml, split.yaml_line, &display) {
            Ok((node, slips)) => {
                warnings.extend(slips);
                Some(node)
            }
            Err(mut errors) => {
                errors.extend(warnings);
                return Err(errors);
            }
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
        warnings,
    })
}

/// UTF-8 text with a leading BOM removed and `\r\n` (and lone `\r`) turned into `\n`.
/// On invalid UTF-8, the position of the first bad byte and the problem.
pub fn decode(bytes: &[u8]) -> Result<String, (Pos, Problem)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // The fast check says only whether the bytes are UTF-8; std's says
    // where they stop being so.
    let checked = simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes));
    let text = match checked {
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
            let code = if looks_like_gbk(&bytes[err.valid_up_to()..]) {
                "E-NOT-UTF8-GBK"
            } else {
                "E-NOT-UTF8"
            };
            return Err((pos, Problem::new(code).with_hint("H-SAVE-UTF8")));
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
    fn sizes_over_the_limit_never_read_as_the_limit() {
        assert_eq!(megabytes_rounded_up(MAX_PAGE_BYTES + 1), "2.1");
        assert_eq!(megabytes_rounded_up(MAX_PAGE_BYTES), "2.0");
        assert_eq!(megabytes_rounded_up(10 * 1_048_576 + 5), "10.1");
        assert_eq!(megabytes_rounded_up(1), "0.1");
        assert_eq!(megabytes_rounded_up(0), "0.0");
    }

    #[test]
    fn a_file_is_read_whole_or_up_to_the_limit_whatever_size_was_seen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.md");
        std::fs::write(&path, "x".repeat(1000)).unwrap();
        // The size seen before may be wrong: the file changed since.
        for seen in [0, 10, 1000, 5000] {
            assert_eq!(
                read_at_most(&path, seen, 4096).unwrap().len(),
                1000,
                "{seen}"
            );
        }
        assert_eq!(read_at_most(&path, 1000, 100).unwrap().len(), 100);
        assert!(read_at_most(&dir.path().join("missing.md"), 0, 100).is_err());
    }

    #[test]
    fn bom_and_crlf_are_normalised() {
        assert_eq!(
            decode(b"\xEF\xBB\xBF---\r\ntitle: a\r\n").unwrap(),
            "---\ntitle: a\n"
        );
    }

    #[test]
    fn invalid_utf8_names_line_and_column() {
        let (pos, problem) = decode(b"---\ntitle: \xB9\xDC\xD7\xAF\n").unwrap_err();
        assert_eq!(pos, Pos::new(2, 8));
        assert_eq!(problem.code, "E-NOT-UTF8-GBK");
        // Past long Chinese text, where the fast check works in blocks:
        // the place is still the byte's own.
        let mut text = "---\ntitle: 关庄社工站\n".repeat(40).into_bytes();
        let lines = 81;
        text.extend_from_slice("note: 长者".as_bytes());
        text.push(0xFF);
        let (pos, problem) = decode(&text).unwrap_err();
        assert_eq!(pos, Pos::new(lines, 9));
        assert_eq!(problem.code, "E-NOT-UTF8");
        let valid = "---\ntitle: 关庄社工站 🏠\n".repeat(40);
        assert_eq!(decode(valid.as_bytes()).unwrap(), valid);
    }

    #[test]
    fn editor_litter_is_recognised() {
        for name in [
            ".#a.md",
            "a.md~",
            ".a.md.swp",
            "4913",
            "#a.md#",
            "Thumbs.db",
            "desktop.ini",
            "Desktop.ini",
            ".DS_Store",
            "~$活动方案.docx",
            "报告.docx.bak",
            "photo.TMP",
        ] {
            assert!(is_editor_litter(name), "{name}");
        }
        assert!(!is_editor_litter("a.md"));
    }

    #[test]
    fn markdown_under_other_names_is_recognised() {
        assert_eq!(misnamed_markdown("探访.md.txt").as_deref(), Some("探访.md"));
        assert_eq!(misnamed_markdown("a.MD.TXT").as_deref(), Some("a.md"));
        assert_eq!(
            misnamed_markdown("huidong.MD").as_deref(),
            Some("huidong.md")
        );
        assert_eq!(
            misnamed_markdown("huidong.Md").as_deref(),
            Some("huidong.md")
        );
        assert_eq!(
            misnamed_markdown("guide.markdown").as_deref(),
            Some("guide.md")
        );
        for fine in ["a.md", "a.txt", "a.pdf", ".md", "notes.md.bak"] {
            assert_eq!(misnamed_markdown(fine), None, "{fine}");
        }
    }
}
