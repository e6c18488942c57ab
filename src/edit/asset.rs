//! Files uploaded from the editor (a cover photo, a course's slides, an
//! image for the body): written beside their page, where a hand-placed file
//! would be, so that `cover: photo.jpg` and `![说明](photo.jpg)` find them the
//! same way (a path relative to the page's folder, resolved by
//! [`crate::model::values::resolve_relative`]).
//!
//! - Only the types a page may use: photos (jpg, jpeg, png, webp) and
//!   documents (pdf, docx, xlsx, pptx); the bytes must be what the name says
//!   (a program renamed `photo.jpg` is refused). No SVG: it can hold scripts.
//! - At most [`MAX_UPLOAD_BYTES`]: a phone photo is 3–8 MB.
//! - The name is one file name in the page's folder, written as content
//!   names are (`[a-z0-9-]` and the extension in lower case): no folder, no
//!   `..`, not hidden, not absolute. [`propose_name`] makes such a name of
//!   what a phone calls its file (`IMG_1234.JPG` → `img-1234.jpg`,
//!   `活动照片.jpg` → `huodong-zhaopian.jpg`).
//! - An existing file is never replaced: the upload is refused with a free
//!   name to use instead (`photo-2.jpg`), unless it holds the same bytes.
//! - The file is written to a hidden temporary file and linked to its name
//!   in one step that fails if the name was taken meanwhile.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::id;
use super::store::{self, SaveError};
use crate::model::values::is_valid_id;

/// The largest file taken: 20 MB.
pub const MAX_UPLOAD_BYTES: u64 = 20 * 1024 * 1024;

/// What an uploaded file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// jpg, jpeg, png, webp: a cover, a photo in the body.
    Photo,
    /// pdf, docx, xlsx, pptx: an attachment.
    Document,
}

impl FileKind {
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Photo => "photo",
            FileKind::Document => "document",
        }
    }
}

/// The extensions that may be uploaded, with what they are.
pub const ALLOWED: &[(&str, FileKind)] = &[
    ("jpg", FileKind::Photo),
    ("jpeg", FileKind::Photo),
    ("png", FileKind::Photo),
    ("webp", FileKind::Photo),
    ("pdf", FileKind::Document),
    ("docx", FileKind::Document),
    ("xlsx", FileKind::Document),
    ("pptx", FileKind::Document),
];

/// The kind of a file by its extension (any case), if it may be uploaded.
pub fn kind_of(name: &str) -> Option<FileKind> {
    let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
    ALLOWED.iter().find(|(e, _)| *e == ext).map(|(_, k)| *k)
}

/// What is wrong with an upload's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameProblem {
    Empty,
    /// Has a `/` or `\`: names a folder, or leaves this one.
    Folder,
    /// Starts with `.`: hidden (and `..`).
    Hidden,
    /// Absolute (`C:`) or with a `:`.
    Absolute,
    /// An extension that may not be uploaded (or none).
    Type {
        ext: String,
    },
    /// The part before the extension is not written as content names are.
    NotAnId,
}

/// Why an upload was not written. Nothing was written in every case.
#[derive(Debug)]
pub enum UploadError {
    /// The page is not a content file the editor may write beside.
    Page(SaveError),
    /// The page does not exist (yet).
    NoPage {
        page: String,
    },
    BadName {
        name: String,
        problem: NameProblem,
    },
    /// The bytes are not a file of the type the name says.
    WrongContent {
        name: String,
        ext: String,
    },
    Empty,
    TooLarge {
        size: u64,
        limit: u64,
    },
    /// A different file of that name is there: use `suggestion`.
    Exists {
        name: String,
        suggestion: String,
    },
    Io {
        file: PathBuf,
        error: std::io::Error,
    },
}

/// What an upload wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    /// The file name, as a field or a link beside the page writes it.
    pub name: String,
    /// Relative to `content/`.
    pub path: String,
    pub size: u64,
    pub kind: FileKind,
    /// The same bytes were there already under this name: nothing written.
    pub existed: bool,
}

/// Checks `name` as the name of an uploaded file; returns its kind.
pub fn check_name(name: &str) -> Result<FileKind, NameProblem> {
    if name.is_empty() {
        return Err(NameProblem::Empty);
    }
    if name.contains(['/', '\\']) {
        return Err(NameProblem::Folder);
    }
    if name.starts_with('.') {
        return Err(NameProblem::Hidden);
    }
    if name.contains(':') {
        return Err(NameProblem::Absolute);
    }
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return Err(NameProblem::Type { ext: String::new() });
    };
    let kind = ALLOWED
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, k)| *k)
        .ok_or_else(|| NameProblem::Type {
            ext: ext.to_string(),
        })?;
    if !is_valid_id(stem) {
        return Err(NameProblem::NotAnId);
    }
    Ok(kind)
}

/// Whether `bytes` begin as a file of extension `ext` does.
pub fn looks_like(bytes: &[u8], ext: &str) -> bool {
    match ext {
        "jpg" | "jpeg" => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        "png" => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "webp" => bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        "pdf" => bytes.starts_with(b"%PDF-"),
        // Office files are zip archives.
        "docx" | "xlsx" | "pptx" => bytes.starts_with(b"PK\x03\x04"),
        _ => false,
    }
}

/// The folder of the page `page` (relative to `content/`): `""` at the top.
pub fn folder_of(page: &str) -> &str {
    page.rsplit_once('/').map_or("", |(folder, _)| folder)
}

/// `name` in the folder of `page`, relative to `content/`.
pub fn beside(page: &str, name: &str) -> String {
    match folder_of(page) {
        "" => name.to_string(),
        folder => format!("{folder}/{name}"),
    }
}

/// Checks that `page` is a content file that exists; returns its folder on disk.
fn page_folder(site: &Path, page: &str) -> Result<PathBuf, UploadError> {
    let file = store::content_path(site, page).map_err(UploadError::Page)?;
    if !file.is_file() {
        return Err(UploadError::NoPage {
            page: page.to_string(),
        });
    }
    Ok(file.parent().map(Path::to_path_buf).unwrap_or_default())
}

/// A name for `original` (what the worker's computer calls the file) that
/// [`check_name`] takes and that is free beside `page`: its stem in pinyin
/// or lower case, its extension in lower case, `-2`, `-3`… added while
/// `taken` says the name is in use. None for a type that may not be
/// uploaded.
pub fn propose_name(original: &str, taken: impl Fn(&str) -> bool) -> Option<String> {
    // A browser may send the whole path (old Windows browsers did).
    let base = original.rsplit(['/', '\\']).next().unwrap_or(original);
    let (stem, ext) = base.rsplit_once('.')?;
    let mut ext = ext.to_ascii_lowercase();
    kind_of(base)?;
    if ext == "jpeg" {
        ext = "jpg".into();
    }
    let stem = id::from_title(stem).unwrap_or_else(|| "file".to_string());
    let free = id::unclash(&stem, |s| taken(&format!("{s}.{ext}")));
    Some(format!("{free}.{ext}"))
}

/// Whether a file or folder of `name` is in `folder` (any case: Windows
/// and macOS do not tell `Photo.jpg` from `photo.jpg`).
pub fn name_taken(folder: &Path, name: &str) -> bool {
    if folder.join(name).exists() {
        return true;
    }
    std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().eq_ignore_ascii_case(name))
}

/// Writes `bytes` as `name` beside `page`, never over another file.
pub fn upload(site: &Path, page: &str, name: &str, bytes: &[u8]) -> Result<Uploaded, UploadError> {
    let folder = page_folder(site, page)?;
    let kind = check_name(name).map_err(|problem| UploadError::BadName {
        name: name.to_string(),
        problem,
    })?;
    let size = bytes.len() as u64;
    if size == 0 {
        return Err(UploadError::Empty);
    }
    if size > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge {
            size,
            limit: MAX_UPLOAD_BYTES,
        });
    }
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    if !looks_like(bytes, ext) {
        return Err(UploadError::WrongContent {
            name: name.to_string(),
            ext: ext.to_string(),
        });
    }
    let target = folder.join(name);
    let uploaded = Uploaded {
        name: name.to_string(),
        path: beside(page, name),
        size,
        kind,
        existed: false,
    };
    if name_taken(&folder, name) {
        // The same file sent again (a second click): nothing to do.
        if std::fs::symlink_metadata(&target).is_ok_and(|m| m.is_file())
            && std::fs::read(&target).is_ok_and(|b| b == bytes)
        {
            return Ok(Uploaded {
                existed: true,
                ..uploaded
            });
        }
        return Err(exists(&folder, name));
    }
    let io = |file: &Path| {
        let file = file.to_path_buf();
        move |error| UploadError::Io { file, error }
    };
    // A dot name: the build and the watcher ignore it while it exists.
    let temp = folder.join(format!(".{name}.{}.zhan-upload", std::process::id()));
    let written = std::fs::File::create(&temp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temp);
        return Err(io(&temp)(e));
    }
    // A hard link fails if the name was taken since the check; where the
    // file system has none (FAT on a USB stick), a rename after a last look.
    let linked = match std::fs::hard_link(&temp, &target) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let _ = std::fs::remove_file(&temp);
            return Err(exists(&folder, name));
        }
        Err(_) if !target.exists() => std::fs::rename(&temp, &target),
        Err(e) => Err(e),
    };
    let _ = std::fs::remove_file(&temp);
    linked.map_err(io(&target))?;
    Ok(uploaded)
}

fn exists(folder: &Path, name: &str) -> UploadError {
    UploadError::Exists {
        name: name.to_string(),
        suggestion: propose_name(name, |n| name_taken(folder, n)).unwrap_or_default(),
    }
}

/// A file beside a page that a field or the body may name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beside {
    pub name: String,
    pub size: u64,
    pub kind: FileKind,
}

/// The photos and documents in the folder of `page`, by name. (SVG
/// drawings placed by hand count as photos here: a cover may be one.)
pub fn files_beside(site: &Path, page: &str) -> Result<Vec<Beside>, UploadError> {
    let folder = page_folder(site, page)?;
    let mut found: Vec<Beside> = std::fs::read_dir(&folder)
        .map_err(|error| UploadError::Io {
            file: folder.clone(),
            error,
        })?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            if crate::load::is_editor_litter(&name) {
                return None;
            }
            let kind = if name.to_ascii_lowercase().ends_with(".svg") {
                FileKind::Photo
            } else {
                kind_of(&name)?
            };
            let size = e.metadata().map(|m| m.len()).unwrap_or(0);
            Some(Beside { name, size, kind })
        })
        .collect();
    found.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\0\x10JFIF\0photo";

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a temporary folder");
        std::fs::create_dir_all(dir.path().join("content/services/huidong")).expect("folders");
        std::fs::write(
            dir.path().join("content/services/huidong/tanfang.md"),
            "---\ntitle: 探访\n---\n",
        )
        .expect("a page");
        dir
    }

    #[test]
    fn names_are_checked_like_content_names() {
        assert_eq!(check_name("photo.jpg"), Ok(FileKind::Photo));
        assert_eq!(check_name("kejian-2.pptx"), Ok(FileKind::Document));
        for (name, problem) in [
            ("", NameProblem::Empty),
            ("../site.jpg", NameProblem::Folder),
            ("a/b.jpg", NameProblem::Folder),
            ("..\\b.jpg", NameProblem::Folder),
            (".hidden.jpg", NameProblem::Hidden),
            ("..", NameProblem::Hidden),
            ("C:x.jpg", NameProblem::Absolute),
            ("photo", NameProblem::Type { ext: String::new() }),
            ("page.svg", NameProblem::Type { ext: "svg".into() }),
            ("run.exe", NameProblem::Type { ext: "exe".into() }),
            ("x.md", NameProblem::Type { ext: "md".into() }),
            ("Photo.JPG", NameProblem::Type { ext: "JPG".into() }),
            ("Photo.jpg", NameProblem::NotAnId),
            ("活动.jpg", NameProblem::NotAnId),
            ("-a.jpg", NameProblem::NotAnId),
        ] {
            assert_eq!(check_name(name), Err(problem), "{name:?}");
        }
    }

    #[test]
    fn names_are_proposed_from_what_a_phone_calls_its_file() {
        let none = |_: &str| false;
        assert_eq!(
            propose_name("IMG_20261205_0930.JPG", none).as_deref(),
            Some("img-20261205-0930.jpg")
        );
        assert_eq!(
            propose_name("活动照片.jpeg", none).as_deref(),
            Some("huodong-zhaopian.jpg")
        );
        assert_eq!(
            propose_name("C:\\Users\\wang\\课件.PPTX", none).as_deref(),
            Some("kejian.pptx")
        );
        assert_eq!(propose_name("★.png", none).as_deref(), Some("file.png"));
        assert_eq!(propose_name("run.exe", none), None);
        assert_eq!(
            propose_name("photo.jpg", |n| n == "photo.jpg" || n == "photo-2.jpg").as_deref(),
            Some("photo-3.jpg")
        );
        for name in ["IMG_1.JPG", "活动照片.jpeg", "a b.pdf"] {
            let proposed = propose_name(name, none).expect("a name");
            assert!(check_name(&proposed).is_ok(), "{proposed}");
        }
    }

    #[test]
    fn bytes_must_be_what_the_name_says() {
        assert!(looks_like(JPEG, "jpg"));
        assert!(looks_like(b"\x89PNG\r\n\x1a\nrest", "png"));
        assert!(looks_like(b"RIFF\0\0\0\0WEBPVP8 ", "webp"));
        assert!(looks_like(b"%PDF-1.7", "pdf"));
        assert!(looks_like(b"PK\x03\x04zip", "docx"));
        assert!(!looks_like(b"MZ\x90\0program", "jpg"));
        assert!(!looks_like(b"<svg onload=alert(1)>", "png"));
        assert!(!looks_like(JPEG, "pdf"));
    }

    #[test]
    fn an_upload_goes_beside_its_page_and_never_over_a_file() {
        let dir = site();
        let page = "services/huidong/tanfang.md";
        let done = upload(dir.path(), page, "photo.jpg", JPEG).expect("uploaded");
        assert_eq!(done.path, "services/huidong/photo.jpg");
        assert!(!done.existed);
        let file = dir.path().join("content/services/huidong/photo.jpg");
        assert_eq!(std::fs::read(&file).expect("written"), JPEG);
        // The same bytes again: nothing to do.
        assert!(
            upload(dir.path(), page, "photo.jpg", JPEG)
                .expect("same")
                .existed
        );
        // Other bytes under the name: refused, with a free name.
        let other = [JPEG, b"other"].concat();
        match upload(dir.path(), page, "photo.jpg", &other) {
            Err(UploadError::Exists { suggestion, .. }) => assert_eq!(suggestion, "photo-2.jpg"),
            got => panic!("{got:?}"),
        }
        assert_eq!(std::fs::read(&file).expect("kept"), JPEG);
        // Another case of the name is the same name on Windows.
        std::fs::write(dir.path().join("content/services/huidong/Big.png"), "x").expect("w");
        assert!(matches!(
            upload(dir.path(), page, "big.png", b"\x89PNG\r\n\x1a\n"),
            Err(UploadError::Exists { .. })
        ));
        // No temporary file is left; the listing has what a field may name.
        let listed = files_beside(dir.path(), page).expect("listed");
        let names: Vec<&str> = listed.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["Big.png", "photo.jpg"]);
    }

    #[test]
    fn refused_uploads_write_nothing() {
        let dir = site();
        let page = "services/huidong/tanfang.md";
        let folder = dir.path().join("content/services/huidong");
        let before = std::fs::read_dir(&folder).expect("list").count();
        assert!(matches!(
            upload(dir.path(), page, "a.jpg", b"MZ\x90\0"),
            Err(UploadError::WrongContent { .. })
        ));
        assert!(matches!(
            upload(dir.path(), page, "a.jpg", b""),
            Err(UploadError::Empty)
        ));
        assert!(matches!(
            upload(dir.path(), page, "../a.jpg", JPEG),
            Err(UploadError::BadName { .. })
        ));
        assert!(matches!(
            upload(dir.path(), "../site.md", "a.jpg", JPEG),
            Err(UploadError::Page(_))
        ));
        assert!(matches!(
            upload(dir.path(), "services/huidong/none.md", "a.jpg", JPEG),
            Err(UploadError::NoPage { .. })
        ));
        let big = [JPEG, &vec![0u8; MAX_UPLOAD_BYTES as usize]].concat();
        assert!(matches!(
            upload(dir.path(), page, "big.jpg", &big),
            Err(UploadError::TooLarge { .. })
        ));
        assert_eq!(std::fs::read_dir(&folder).expect("list").count(), before);
    }
}
