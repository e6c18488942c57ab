//! Stage 6, write: the output folder. Everything is written to a staging folder
//! beside it, which replaces the output only when the whole build succeeded;
//! a failed build leaves the last good output exactly as it was.

pub mod calendar;
pub mod data;
pub mod feed;
pub mod search;

use std::io;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::link::{Dep, Reads, Site};
use crate::markdown::escape_html;
use crate::model::Kind;
use crate::render::{Job, Planned};

/// A file in every output folder zhan makes. An existing folder without it is
/// not replaced, so `--output` pointed at the wrong folder cannot wipe it.
pub const MARKER: &str = ".zhan-output";

/// The output folder being built.
pub struct Output {
    target: PathBuf,
    staging: PathBuf,
}

/// Why an output folder cannot be used.
#[derive(Debug)]
pub struct Refused {
    pub message: String,
    pub hint: String,
}

fn absolute(path: &Path) -> PathBuf {
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

impl Output {
    /// Checks that `target` may be (re)placed by a build of the site at `root`,
    /// and makes an empty staging folder beside it.
    pub fn prepare(target: &Path, root: &Path) -> Result<Output, Refused> {
        let target_abs = absolute(target);
        let root_abs = absolute(root);
        let shown = target.display();
        if root_abs.starts_with(&target_abs) {
            return Err(Refused {
                message: format!("the output folder `{shown}` contains the site itself"),
                hint: "choose a folder inside or beside the site, such as `output`".to_string(),
            });
        }
        for protected in ["content", "themes", "templates", "static"] {
            if target_abs.starts_with(root_abs.join(protected)) {
                return Err(Refused {
                    message: format!("the output folder `{shown}` is inside the site's `{protected}/` folder"),
                    hint: "choose a folder outside content/, themes/, templates/ and static/, such as `output`".to_string(),
                });
            }
        }
        if target_abs.is_file() {
            return Err(Refused {
                message: format!("the output `{shown}` is a file, not a folder"),
                hint: "choose a folder name, such as `output`".to_string(),
            });
        }
        if target_abs.is_dir() {
            let empty = std::fs::read_dir(&target_abs)
                .map(|mut d| d.next().is_none())
                .unwrap_or(false);
            if !empty && !target_abs.join(MARKER).is_file() {
                return Err(Refused {
                    message: format!("the folder `{shown}` was not made by zhan, so it will not be replaced"),
                    hint: "choose another --output folder, or empty this one if you are sure it may be deleted".to_string(),
                });
            }
        }
        let name = target_abs
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let parent = target_abs
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let staging = parent.join(format!(".{name}.staging-{}", std::process::id()));
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
            return Err(Refused {
                message: format!("cannot create a folder beside `{shown}`: {err}"),
                hint: "check that the folder exists and that you may write to it".to_string(),
            });
        }
        Ok(Output {
            target: target_abs,
            staging,
        })
    }

    /// Writes a file, `rel` being `/`-separated inside the output.
    pub fn write(&self, rel: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.staging.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)
    }

    pub fn copy(&self, rel: &str, from: &Path) -> io::Result<()> {
        let path = self.staging.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from, path).map(|_| ())
    }

    /// Replaces the output folder with the staging folder.
    pub fn commit(self) -> io::Result<PathBuf> {
        std::fs::write(
            self.staging.join(MARKER),
            b"This folder is made by zhan; it is replaced on each build.\n",
        )?;
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
        match self {
            Target::Staging(out) => out.write(rel, bytes),
            Target::InPlace(dir) => replace_file(&dir.join(rel), |tmp| std::fs::write(tmp, bytes)),
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
fn replace_file(path: &Path, fill: impl FnOnce(&Path) -> io::Result<()>) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.zhan-tmp"));
    fill(&tmp)?;
    std::fs::rename(&tmp, path)
}

/// `sitemap.xml`: every page with its last change date.
pub fn sitemap(r: &Reads, planned: &[Planned]) -> String {
    use std::fmt::Write as _;
    r.record(Dep::Plan);
    let mut xml = String::with_capacity(planned.len() * 96 + 128);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let base = escape_html(&r.config().absolute_url(""));
    for p in planned {
        let lastmod = match p.job {
            Job::Alias(..) | Job::NotFound => continue,
            Job::Item(i) => r.item(i).last_changed(),
            _ => None,
        };
        let path = p.path.strip_suffix("index.html").unwrap_or(&p.path);
        xml.push_str("  <url><loc>");
        xml.push_str(&base);
        push_encoded(&mut xml, path);
        xml.push_str("</loc>");
        if let Some(date) = lastmod {
            let _ = write!(xml, "<lastmod>{date}</lastmod>");
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

/// Appends `path` percent-encoded (its characters need no XML escaping then).
fn push_encoded(out: &mut String, path: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

/// The kinds of pages the search index distinguishes, in code order.
pub const SEARCH_KINDS: [Kind; 9] = [
    Kind::Station,
    Kind::Service,
    Kind::Organization,
    Kind::Course,
    Kind::Lesson,
    Kind::Project,
    Kind::Report,
    Kind::News,
    Kind::Page,
];

/// Whether an item of `kind` is a page the search index lists.
pub fn searchable(kind: Kind) -> bool {
    SEARCH_KINDS.contains(&kind)
}

/// The search index's view of item `i`: its title; its summary with the
/// words that name it (tags, category, audience, station); its text.
pub fn search_doc(r: &Reads, i: usize) -> search::SearchDoc {
    let item = r.item(i);
    let station = r
        .links_of(i)
        .station
        .map(|s| r.item(s).meta.title.clone())
        .unwrap_or_default();
    let category = item
        .service()
        .map(|s| s.category.clone())
        .unwrap_or_default();
    let summary = item
        .meta
        .summary
        .clone()
        .unwrap_or_else(|| r.body(i).first_paragraph.clone());
    let mut names: Vec<&str> = item.meta.tags.iter().map(String::as_str).collect();
    if let Some(s) = item.service() {
        names.push(&s.category);
        names.extend(s.audience.iter().map(String::as_str));
    }
    if !station.is_empty() {
        names.push(&station);
    }
    search::SearchDoc {
        url: r.config().link(&item.site_path),
        title: item.meta.title.clone(),
        kind: SEARCH_KINDS
            .iter()
            .position(|k| *k == item.kind)
            .map_or(0, |p| p as u8),
        summary: format!("{summary}\n{}", names.join(" ")),
        body: r.body(i).text.clone(),
        station,
        category,
    }
}

/// Percent-encodes a site path for an absolute URL (Chinese directory names).
pub fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    push_encoded(&mut out, path);
    out
}

/// A file made from the content beside its pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentJob {
    /// `data/<kind>.json`.
    Data(Kind),
    /// A station's service menu as CSV.
    MenuCsv(usize),
    /// The site's news feed.
    SiteFeed,
    /// A station's news feed.
    StationFeed(usize),
    /// A station's calendar and those of its services.
    Calendars(usize),
}

/// What a content job is about, in terms that stay the same when items
/// come and go: the kind of job and the uid of its station (0 for jobs of
/// the whole site).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContentKey {
    Data(Kind),
    SiteFeed,
    MenuCsv(u32),
    StationFeed(u32),
    Calendars(u32),
}

impl ContentJob {
    pub fn key(self, site: &Site) -> ContentKey {
        match self {
            ContentJob::Data(kind) => ContentKey::Data(kind),
            ContentJob::SiteFeed => ContentKey::SiteFeed,
            ContentJob::MenuCsv(s) => ContentKey::MenuCsv(site.uids[s]),
            ContentJob::StationFeed(s) => ContentKey::StationFeed(site.uids[s]),
            ContentJob::Calendars(s) => ContentKey::Calendars(site.uids[s]),
        }
    }
}

/// Every content job of the site.
pub fn content_plan(site: &Site) -> Vec<ContentJob> {
    let mut plan: Vec<ContentJob> = data::DATA_KINDS
        .iter()
        .map(|&(kind, _)| ContentJob::Data(kind))
        .collect();
    plan.push(ContentJob::SiteFeed);
    for &s in site.of_kind(Kind::Station) {
        plan.extend([
            ContentJob::MenuCsv(s),
            ContentJob::Calendars(s),
            ContentJob::StationFeed(s),
        ]);
    }
    plan
}

/// The files of one content job, as (path in the output, bytes), read
/// through `r`. Data files reuse the entries of items that read the same as
/// when they were made (`same`).
pub fn make_content(
    r: &Reads,
    job: ContentJob,
    entries: &std::sync::Mutex<data::Entries>,
    same: &(dyn Fn(&[Dep]) -> bool + Sync),
) -> Vec<(String, Vec<u8>)> {
    match job {
        ContentJob::Data(kind) => entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .data_file(r, kind, same)
            .into_iter()
            .collect(),
        ContentJob::MenuCsv(s) => vec![(
            format!("{}menu.csv", r.item(s).site_path),
            data::menu_csv(r, s),
        )],
        ContentJob::SiteFeed => vec![feed::site_feed(r)],
        ContentJob::StationFeed(s) => vec![feed::station_feed(r, s)],
        ContentJob::Calendars(s) => calendar::station_files(r, s),
    }
}

/// `robots.txt`: everything may be indexed; where the sitemap is.
pub fn robots(config: &Config) -> String {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        config.absolute_url("sitemap.xml")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(
            encode_path("categories/助老/"),
            "categories/%E5%8A%A9%E8%80%81/"
        );
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
        assert!(refused.message.contains("not made by zhan"));
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
}
