//! The driver: runs the stages in order, keeps what each stage produced, and
//! decides what reaches the disk.
//!
//! A [`Workspace`] holds the site in memory: every content file read and typed,
//! every body rendered, and, for each output written, what it read (see
//! [`deps`]). A full build fills it and writes through a staging folder; an
//! incremental update ([`Workspace::update`]) re-reads only the files that
//! changed, links the whole site again (cheap), and makes again only the
//! outputs that read something whose fingerprint changed, writing in place
//! the files whose bytes changed. Both end in the same bytes.

pub mod deps;
mod draft;
mod fingerprint;
mod in_step;
mod outputs;
mod pack;
mod pass;
mod skip;
mod timer;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Diagnostics, Pos};
use crate::images;
use crate::link::privacy::{self, Accepted};
use crate::link::{self, Site};
use crate::link::{Dep, Reads};
use crate::load::{self, Asset, SitePaths};
use crate::markdown::{self, Body, Target as LinkTarget};
use crate::messages::Arg;
use crate::model::config::{self, Config};
use crate::model::{self, Draft, Item, Kind, Read};
use crate::render::{self, Engine, Job, Planned, theme};
use crate::write::search::SearchIndex;
use crate::write::{self, Output, Target};
use deps::{DepIndex, OutputKey, Record};
use fingerprint::{Fingerprints, Whole, hash_bytes};
pub use pack::{DISK_README, Packed, pack, pack_folder};
pub use timer::StageTime;
use timer::Timer;

/// A content path ordered as a walk of its folders finds it (`a/b.md` before
/// `a-b.md`), so items come in the same order however they were read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct WalkKey(String);

impl Ord for WalkKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        walk_order(&self.0, &other.0)
    }
}

impl PartialOrd for WalkKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// What to build and where.
#[derive(Debug, Clone)]
pub struct Options {
    /// The site folder (with site.yaml and content/).
    pub root: PathBuf,
    /// Where to write; None means `<root>/output`.
    pub output: Option<PathBuf>,
    /// Include drafts.
    pub drafts: bool,
    /// Overrides site.yaml's base_url.
    pub base_url: Option<String>,
    /// False for `zhan check`: everything is checked and rendered, nothing written.
    pub write: bool,
    /// Build to be opened from disk (see [`Config::for_disk`]).
    pub for_disk: bool,
}

impl Options {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Options {
            root: root.into(),
            output: None,
            drafts: false,
            base_url: None,
            write: true,
            for_disk: false,
        }
    }
    pub fn output_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.root.join("output"))
    }
}

/// The result of a build or an update.
#[derive(Debug, Default)]
pub struct Report {
    pub diagnostics: Diagnostics,
    /// Pages rendered (HTML files, redirects included).
    pub pages: usize,
    /// Files copied (assets and static files).
    pub copied: usize,
    /// Where the output went, if anything was written.
    pub written_to: Option<PathBuf>,
    /// The site paths (`/stations/huidong/`) of pages rendered or removed.
    pub changed: Vec<String>,
    /// Whether every page may have changed (styles, templates, settings).
    pub everything: bool,
    /// The site paths of `changed` already announced to the
    /// [`Workspace::on_pages_written`] callback, before the other files
    /// were written.
    pub announced: Vec<String>,
    /// Time spent in each stage.
    pub timings: Vec<StageTime>,
    /// Whether nothing changed since the last build into the output, which
    /// was therefore left as it was without rendering anything.
    pub up_to_date: bool,
    /// The privacy check's findings that pages accepted (`privacy_ok`),
    /// in file order, for the summary.
    pub accepted: Vec<Accepted>,
    /// Photos encoded in this pass (the others came from the image cache).
    pub images_encoded: usize,
}

impl Report {
    pub fn succeeded(&self) -> bool {
        !self.diagnostics.has_errors()
    }
}

/// How much of the site a pass makes again, and where it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// A build: every output, into a staging folder that replaces the
    /// output folder only when the whole build succeeded.
    Clean,
    /// In place, every output made again (after the watcher lost track of
    /// events); only files whose bytes changed are written.
    Everything,
    /// In place, only the outputs that read something that changed since the
    /// output was written, and outputs that are new.
    Changed,
}

/// One content file as the stages left it.
struct Source {
    uid: u32,
    /// Problems found reading, typing and checking it.
    problems: Vec<Diagnostic>,
    /// Privacy findings its `privacy_ok` accepts.
    accepted: Vec<Accepted>,
    item: Option<Arc<Item>>,
    draft: Option<Draft>,
    body: Option<Arc<Body>>,
    /// Of what the item looks like on a page: its text, address and body HTML.
    fingerprint: u64,
    /// Of what the site's relations read of the item (see [`link::shape`]).
    shape: Option<u64>,
}

/// The last linked site and its plan, kept to relink after edits that
/// change no relation.
struct Linked {
    site: Site,
    planned: Vec<Planned>,
    plan_problems: Vec<Diagnostic>,
}

/// What the output folder holds, for the next update to compare with.
#[derive(Default)]
struct Written {
    /// Every output made from the content: what it read and wrote.
    index: DepIndex,
    /// Of everything an output can read, as it was when they were made.
    fingerprints: Fingerprints,
    /// Files copied as they are (static files, assets) and a fingerprint of each.
    copies: BTreeMap<String, u64>,
    /// The search index the output holds, and the uids of its pages in order.
    search: Option<SearchIndex>,
    search_uids: Vec<u32>,
    /// Where each page is in the plan, by path.
    plan_positions: HashMap<String, usize>,
}

/// The site in memory, kept up to date between builds.
pub struct Workspace {
    options: Options,
    paths: SitePaths,
    config: Config,
    /// Problems with settings and theme (site.yaml, templates, --base-url).
    setup: Vec<Diagnostic>,
    engine: Option<Engine>,
    sources: BTreeMap<WalkKey, Source>,
    /// Content path → site path of every published page (for link rewriting).
    pages: HashMap<String, String>,
    assets: HashMap<String, Asset>,
    /// Problems with entries of content/ found while walking, by path.
    walk_problems: Vec<(String, Diagnostic)>,
    /// Personal metadata found in the assets, by path (checked when the
    /// walk finds an asset, so again whenever it changes).
    asset_metadata: HashMap<String, Diagnostic>,
    uids: HashMap<String, u32>,
    written: Option<Written>,
    linked: Option<Linked>,
    /// The open-data files' entries as last made.
    data_entries: Mutex<write::data::Entries>,
    /// Whether to keep what each output read, for updates to come (not for
    /// a one-off build).
    keep_records: bool,
    /// Told which pages changed as soon as they are written in place.
    on_pages: Option<PagesWritten>,
    /// Processed photos, kept between builds in the site's hidden folder.
    images: images::Cache,
    /// Time spent reading photos (from the cache, or decoding and encoding
    /// new ones) since it was last taken.
    images_read: Duration,
    /// What a one-off build is done with but need not free: freed with the
    /// workspace, which [`run`] does on a worker thread and
    /// [`run_then_exit`] not at all (the template cards alone took 26–37 ms
    /// to free at 600 stations).
    freed_with_workspace: Vec<Box<dyn std::any::Any + Send + Sync>>,
}

/// A content file as the preview's editor lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentFile {
    /// Relative to `content/`, `/`-separated.
    pub path: String,
    /// What its place makes it; None when the place is not one of the model.
    pub kind: Option<Kind>,
    pub id: String,
    /// None for drafts and files that could not be read.
    pub title: Option<String>,
    /// Where it is published (`stations/huidong/`); None when it is not.
    pub site_path: Option<String>,
}

/// A callback told the site paths of the pages an update wrote in place, as
/// soon as they are written (the preview server reloads them while the
/// calendars, open data and search index are still being written).
pub type PagesWritten = Box<dyn FnMut(&[String]) + Send + Sync>;

/// Orders paths as their lists of folder names would be ordered: as bytes,
/// with `/` below every other byte. (Comparing `split('/')` lists said the
/// same at some 150 instructions a comparison, 2.7% of a build's, in the
/// map of sources.)
fn walk_order(a: &str, b: &str) -> std::cmp::Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let rank = |byte: u8| if byte == b'/' { 0 } else { u16::from(byte) + 1 };
    match a.iter().zip(b).position(|(x, y)| x != y) {
        Some(at) => rank(a[at]).cmp(&rank(b[at])),
        None => a.len().cmp(&b.len()),
    }
}

/// Whether `path` is `rel` or inside the folder `rel` (`""` is everything).
fn inside(rel: &str, path: &str) -> bool {
    rel.is_empty() || path == rel || path.strip_prefix(rel).is_some_and(|r| r.starts_with('/'))
}

/// The address of an output file, as a browser asks for it: `/stations/huidong/`.
fn url_of(base_path: &str, output_path: &str) -> String {
    format!(
        "{base_path}{}",
        output_path
            .strip_suffix("index.html")
            .unwrap_or(output_path)
    )
}

impl Workspace {
    /// Reads the settings, the theme and every content file.
    pub fn open(options: Options) -> Workspace {
        let paths = SitePaths::new(&options.root);
        let (options_root, write) = (options.root.clone(), options.write);
        let mut ws = Workspace {
            options,
            paths,
            config: Config::default(),
            setup: Vec::new(),
            engine: None,
            sources: BTreeMap::new(),
            pages: HashMap::new(),
            assets: HashMap::new(),
            walk_problems: Vec::new(),
            asset_metadata: HashMap::new(),
            uids: HashMap::new(),
            written: None,
            linked: None,
            data_entries: Mutex::default(),
            keep_records: true,
            on_pages: None,
            images: images::Cache::open(&options_root, write),
            images_read: Duration::ZERO,
            freed_with_workspace: Vec::new(),
        };
        ws.read_settings();
        ws.read_all_content();
        ws
    }

    /// Sets the callback told which pages an update wrote, before the
    /// other files are written.
    pub fn on_pages_written(&mut self, callback: PagesWritten) {
        self.on_pages = Some(callback);
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The theme the settings name.
    pub fn theme_name(&self) -> &str {
        &self.config.theme
    }

    /// Reads everything again and renders every page, in place (after the
    /// watcher lost track of events, say).
    pub fn rebuild_everything(&mut self) -> Report {
        self.reread(Pass::Everything, Timer::new())
    }

    /// Reads the settings, the theme and every content file again, then
    /// makes the outputs `pass` says.
    fn reread(&mut self, pass: Pass, mut timer: Timer) -> Report {
        self.read_settings();
        self.read_all_content();
        self.render_bodies(true, &HashSet::new(), &HashSet::new());
        timer.lap("reload");
        self.render_site(pass, None, timer)
    }

    pub fn paths(&self) -> &SitePaths {
        &self.paths
    }

    /// The settings as last read.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Every Markdown file of `content/` as last read, in walk order.
    pub fn content_files(&self) -> Vec<ContentFile> {
        self.sources
            .iter()
            .map(|(path, source)| {
                let placed = model::classify(&path.0).ok();
                match &source.item {
                    Some(item) => ContentFile {
                        path: path.0.clone(),
                        kind: Some(item.kind),
                        id: item.id.clone(),
                        title: Some(item.meta.title.clone()),
                        site_path: (item.kind != Kind::Section).then(|| item.site_path.clone()),
                    },
                    None => ContentFile {
                        path: path.0.clone(),
                        kind: source
                            .draft
                            .as_ref()
                            .map(|d| d.kind)
                            .or(placed.as_ref().map(|p| p.kind)),
                        id: placed.map(|p| p.id).unwrap_or_default(),
                        title: None,
                        site_path: None,
                    },
                }
            })
            .collect()
    }

    fn read_settings(&mut self) {
        let mut found = Diagnostics::new();
        if !self.options.root.is_dir() {
            found.push(
                Diagnostic::error(self.paths.display(""), Pos::START, "E-NO-SITE-FOLDER")
                    .with_hint("H-NO-SITE-FOLDER"),
            );
        }
        let (mut config, _) = Config::load(&self.paths, &mut found);
        if let Some(url) = &self.options.base_url {
            match config::normalise_base_url(url) {
                Some((base_url, base_path)) => {
                    config.base_url = base_url;
                    config.base_path = base_path;
                }
                None => found.push(
                    Diagnostic::error("--base-url", Pos::START, "E-BASE-URL-FLAG")
                        .arg("value", url.as_str())
                        .with_hint("H-BASE-URL-FLAG"),
                ),
            }
        }
        config.for_disk = self.options.for_disk;
        self.config = config;
        self.setup = found.into_vec();
        self.read_theme();
    }

    fn read_theme(&mut self) {
        let mut found = Diagnostics::new();
        let theme = theme::load(&self.paths, &self.config, &mut found);
        self.engine = theme.and_then(|t| Engine::new(t, &self.config, &mut found));
        self.setup
            .retain(|d| d.file == self.paths.display(config::FILE) || d.file == "--base-url");
        self.setup.extend(found.into_vec());
    }

    fn uid(&mut self, path: &str) -> u32 {
        let next = u32::try_from(self.uids.len()).unwrap_or(u32::MAX);
        *self.uids.entry(path.to_string()).or_insert(next)
    }

    fn read_all_content(&mut self) {
        self.sources.clear();
        self.pages.clear();
        self.assets.clear();
        self.walk_problems.clear();
        self.asset_metadata.clear();
        if let Some(d) = load::check_content_dir(&self.paths) {
            self.walk_problems.push((String::new(), d));
            return;
        }
        self.add_walk("");
    }

    /// Walks `content/<under>` and reads what it finds (in parallel).
    fn add_walk(&mut self, under: &str) {
        let mut walked = load::walk(&self.paths, under);
        self.walk_problems.extend(walked.problems);
        self.probe_images(&mut walked.assets);
        // Photos are re-encoded from their pixels (src/images/): nothing of
        // their metadata is published, so only the other files are checked.
        let metadata: Vec<(String, Diagnostic)> = walked
            .assets
            .par_iter()
            .filter(|a| !images::is_image(&a.path))
            .filter_map(|a| Some((a.path.clone(), privacy::files::check_asset(a)?)))
            .collect();
        self.asset_metadata.extend(metadata);
        for asset in walked.assets {
            self.assets.insert(asset.path.clone(), asset);
        }
        self.read_sources(walked.markdown);
    }

    /// Reads the size of each photo among `assets` (from the image cache
    /// when the file is unchanged), in parallel. A file that is not the
    /// image its name says is an error: it cannot be published as a photo,
    /// and publishing it as it is could publish what a photo's metadata
    /// holds.
    fn probe_images(&mut self, assets: &mut [Asset]) {
        let started = Instant::now();
        let cache = &self.images;
        let problems: Vec<(String, Diagnostic)> = assets
            .par_iter_mut()
            .filter(|a| images::is_image(&a.path))
            .filter_map(
                |a| match cache.probe(&a.path, &a.source, a.size, a.modified) {
                    Ok(info) => {
                        a.image = Some(Arc::new(info));
                        None
                    }
                    Err(detail) => Some((
                        a.path.clone(),
                        Diagnostic::error(a.display.as_str(), Pos::START, "E-IMAGE-UNREADABLE")
                            .arg("detail", detail)
                            .with_hint("H-IMAGE-UNREADABLE"),
                    )),
                },
            )
            .collect();
        self.walk_problems.extend(problems);
        cache.save();
        self.images_read += started.elapsed();
    }

    fn read_sources(&mut self, paths: Vec<String>) {
        let uids: Vec<u32> = paths.iter().map(|p| self.uid(p)).collect();
        let (site_paths, config, drafts) = (&self.paths, &self.config, self.options.drafts);
        let read: Vec<(String, Source)> = paths
            .into_par_iter()
            .zip(uids)
            .map(|(rel, uid)| {
                let source = read_source(site_paths, config, drafts, &rel, uid);
                (rel, source)
            })
            .collect();
        for (rel, source) in read {
            match source.item.as_ref().filter(|i| i.kind != Kind::Section) {
                Some(item) => self.pages.insert(rel.clone(), item.site_path.clone()),
                None => self.pages.remove(&rel),
            };
            self.sources.insert(WalkKey(rel), source);
        }
    }

    /// Forgets every file at or under `rel` (a file or a folder of content/).
    fn forget(&mut self, rel: &str) {
        self.sources.retain(|p, _| !inside(rel, &p.0));
        self.pages.retain(|p, _| !inside(rel, p));
        self.assets.retain(|p, _| !inside(rel, p));
        self.asset_metadata.retain(|p, _| !inside(rel, p));
        self.walk_problems.retain(|(p, _)| !inside(rel, p));
    }

    /// The published pages at or under `rel`.
    fn published_under(&self, rel: &str) -> HashSet<String> {
        self.pages
            .keys()
            .filter(|p| inside(rel, p))
            .cloned()
            .collect()
    }

    /// The content files whose bodies show an image at or under one of
    /// `files` (content paths of files or folders).
    fn bodies_showing(&self, files: &[String]) -> Vec<String> {
        if files.is_empty() {
            return Vec::new();
        }
        self.sources
            .iter()
            .filter(|(_, s)| {
                s.body.as_ref().is_some_and(|b| {
                    b.links.iter().any(|l| match &l.target {
                        LinkTarget::File { path, .. } => files.iter().any(|f| inside(f, path)),
                        _ => false,
                    })
                })
            })
            .map(|(p, _)| p.0.clone())
            .collect()
    }

    /// Renders the bodies that need it: all of them (`all`), or those of
    /// `dirty` files and those that link to a page that appeared or
    /// disappeared (their links change).
    fn render_bodies(
        &mut self,
        all: bool,
        dirty: &HashSet<String>,
        appeared_or_gone: &HashSet<String>,
    ) {
        let mut todo: Vec<WalkKey> = if all {
            self.sources.keys().cloned().collect()
        } else {
            dirty.iter().map(|p| WalkKey(p.clone())).collect()
        };
        if !all && !appeared_or_gone.is_empty() {
            todo.extend(
                self.sources
                    .iter()
                    .filter(|(_, s)| {
                        s.body.as_ref().is_some_and(|b| {
                            b.links.iter().any(|l| matches!(&l.target, LinkTarget::Page { path, .. } if appeared_or_gone.contains(path)))
                        })
                    })
                    .map(|(p, _)| p.clone()),
            );
        }
        let context = markdown::Context {
            pages: &self.pages,
            base_path: &self.config.base_path,
            assets: &self.assets,
        };
        let sources = &self.sources;
        // Each body with its item's fingerprint, hashed on the worker that
        // rendered it (the text and the HTML are some 70 MB at 600 stations).
        let rendered: Vec<(WalkKey, Body, u64)> = todo
            .par_iter()
            .filter_map(|p| {
                let item = sources.get(p)?.item.as_ref()?;
                let source = markdown::Source {
                    path: &item.doc.path,
                    display: &item.doc.display,
                    body: item.doc.body(),
                    first_line: item.doc.body_line,
                };
                let body = markdown::render(&source, &context);
                let fingerprint = fingerprint::combine(&[
                    hash_bytes(item.doc.text.as_bytes()),
                    hash_bytes(item.site_path.as_bytes()),
                    hash_bytes(body.html.as_bytes()),
                ]);
                Some((p.clone(), body, fingerprint))
            })
            .collect();
        for (path, body, fingerprint) in rendered {
            if let Some(source) = self.sources.get_mut(&path) {
                source.fingerprint = fingerprint;
                source.body = Some(Arc::new(body));
            }
        }
    }

    /// Links the items into a site, in walk order. Also returns each item's
    /// fingerprint, in the site's order. With `edited` (files edited without
    /// changing any relation) and a previous site, relinks cheaply instead.
    fn assemble(
        &self,
        edited: Option<&HashSet<String>>,
        diagnostics: &mut Diagnostics,
    ) -> (Site, Vec<u64>) {
        let count = self.sources.len();
        let mut items = Vec::with_capacity(count);
        let mut bodies = Vec::with_capacity(count);
        let mut uids = Vec::with_capacity(count);
        let mut fingerprints = Vec::with_capacity(count);
        let mut draft_keys = HashSet::new();
        let mut draft_paths = HashSet::new();
        let mut unreadable = link::Unreadable::default();
        for (path, source) in &self.sources {
            source
                .problems
                .iter()
                .for_each(|d| diagnostics.push(d.clone()));
            if let (Some(item), Some(body)) = (&source.item, &source.body) {
                items.push(Arc::clone(item));
                bodies.push(Arc::clone(body));
                uids.push(source.uid);
                fingerprints.push(source.fingerprint);
            }
            if let Some(d) = &source.draft {
                draft_keys.insert((d.kind, d.key.clone()));
                draft_paths.insert(d.path.clone());
            }
            if source.item.is_none()
                && source.draft.is_none()
                && source.problems.iter().any(Diagnostic::is_error)
            {
                if let Ok(placement) = crate::model::classify(&path.0) {
                    unreadable.keys.insert((placement.kind, placement.key));
                    unreadable.paths.insert(path.0.clone());
                }
            }
        }
        let mut assets: Vec<Asset> = self.assets.values().cloned().collect();
        assets.sort_by(|a, b| walk_order(&a.path, &b.path));
        if let (Some(edited), Some(previous)) = (edited, &self.linked) {
            let changed: Option<Vec<usize>> = edited
                .iter()
                .map(|p| previous.site.index_of_path(p))
                .collect();
            if let Some(changed) = changed.filter(|_| previous.site.items.len() == items.len()) {
                let relinked = link::relink(&previous.site, items, bodies, &changed, diagnostics);
                // Debug builds (the tests) check the shortcut against a full link.
                #[cfg(debug_assertions)]
                {
                    let mut expected = Diagnostics::new();
                    let parts = link::Parts {
                        config: self.config.clone(),
                        items: relinked.items.clone(),
                        bodies: relinked.bodies.clone(),
                        uids,
                        assets,
                        draft_keys,
                        draft_paths,
                        unreadable,
                    };
                    let full = link::link(parts, &mut expected);
                    link::assert_same_relations(&relinked, &full);
                    let mut got = Diagnostics::new();
                    relinked.emit_into(&mut got);
                    got.sort();
                    expected.sort();
                    assert_eq!(
                        got.into_vec(),
                        expected.into_vec(),
                        "relinking found other problems than linking"
                    );
                }
                return (relinked, fingerprints);
            }
        }
        let parts = link::Parts {
            config: self.config.clone(),
            items,
            bodies,
            uids,
            assets,
            draft_keys,
            draft_paths,
            unreadable,
        };
        (link::link(parts, diagnostics), fingerprints)
    }

    /// A full build: renders every page and, when writing, replaces the output
    /// folder through a staging folder.
    pub fn build(&mut self) -> Report {
        let mut timer = Timer::new();
        self.render_bodies(true, &HashSet::new(), &HashSet::new());
        if !self.keep_records {
            self.forget_texts();
        }
        timer.lap("markdown");
        self.render_site(Pass::Clean, None, timer)
    }

    /// A one-off build reads a file's text only to render its body (the
    /// front matter is typed by then): once every body is rendered the texts
    /// can go, a tenth of a big site's memory. Updates render bodies again,
    /// so a workspace that keeps records keeps them.
    fn forget_texts(&mut self) {
        for source in self.sources.values_mut() {
            if let Some(item) = source.item.as_mut().and_then(Arc::get_mut) {
                item.doc.text = String::new();
                item.doc.body_start = 0;
            }
        }
    }

    /// Brings the site up to date after `changed` files or folders (absolute
    /// or relative to the current folder) were created, modified or deleted.
    /// Writes only what changed, in place; with errors, writes nothing.
    pub fn update(&mut self, changed: &[PathBuf]) -> Report {
        let mut timer = Timer::new();
        let root = &self.options.root;
        let within = |p: &Path, dir: &Path| {
            p.strip_prefix(dir)
                .ok()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
        };
        let absolute = |p: &Path| {
            std::fs::canonicalize(p).ok().or_else(|| {
                // A deleted path: resolve its parent.
                let parent = std::fs::canonicalize(p.parent()?).ok()?;
                Some(parent.join(p.file_name()?))
            })
        };
        let root_abs = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        let content_abs = root_abs.join("content");
        let theme_dir = root_abs.join("themes").join(&self.config.theme);
        let mut settings = false;
        let mut theme_changed = false;
        let mut content: BTreeSet<String> = BTreeSet::new();
        for path in changed {
            let Some(abs) = absolute(path) else { continue };
            if abs == root_abs.join(config::FILE) {
                settings = true;
            } else if let Some(rel) = within(&abs, &content_abs) {
                let name = rel.rsplit('/').next().unwrap_or_default();
                if !rel.split('/').any(load::is_editor_litter) || name.is_empty() {
                    content.insert(rel);
                }
            } else if abs.starts_with(&theme_dir)
                || abs.starts_with(root_abs.join("templates"))
                || abs.starts_with(root_abs.join("static"))
            {
                theme_changed = true;
            }
        }
        if settings {
            // The settings decide the vocabularies, the theme and the address
            // of every page: read everything again, then make the outputs
            // whose inputs changed (with the settings, nearly all).
            return self.reread(Pass::Changed, timer);
        }
        if theme_changed {
            self.read_theme();
        }
        let mut appeared_or_gone: HashSet<String> = HashSet::new();
        let mut dirty: HashSet<String> = HashSet::new();
        // Files (or folders) other than Markdown that changed: a body that
        // shows a photo among them is rendered again (it has its size).
        let mut files_changed: Vec<String> = Vec::new();
        // Whether the edits can change how items relate: files or folders
        // added or removed, assets, or an item whose shape changed.
        let mut relations_may_change = false;
        for rel in &content {
            let before = self.published_under(rel);
            let old_shape = self
                .sources
                .get(&WalkKey(rel.clone()))
                .and_then(|s| s.shape);
            let had_walk_problem = self.walk_problems.iter().any(|(p, _)| inside(rel, p));
            self.forget(rel);
            let abs = self.paths.content_dir().join(rel);
            if abs.is_dir() {
                relations_may_change = true;
                files_changed.push(rel.clone());
                self.add_walk(rel);
                dirty.extend(
                    self.sources
                        .keys()
                        .filter(|p| inside(rel, &p.0))
                        .map(|p| p.0.clone()),
                );
            } else if abs.is_file() && rel.ends_with(".md") {
                self.read_sources(vec![rel.clone()]);
                dirty.insert(rel.clone());
                let new_shape = self
                    .sources
                    .get(&WalkKey(rel.clone()))
                    .and_then(|s| s.shape);
                relations_may_change |= old_shape.is_none() || old_shape != new_shape;
            } else if abs.is_file() {
                // Classified as the first walk does: an asset, or a problem
                // (a Markdown file under another name).
                relations_may_change = true;
                self.add_walk(rel);
                files_changed.push(rel.clone());
            } else {
                relations_may_change = true;
                files_changed.push(rel.clone());
            }
            relations_may_change |= had_walk_problem;
            let after = self.published_under(rel);
            appeared_or_gone.extend(before.symmetric_difference(&after).cloned());
        }
        relations_may_change |= !appeared_or_gone.is_empty();
        timer.lap("load");
        dirty.extend(self.bodies_showing(&files_changed));
        self.render_bodies(false, &dirty, &appeared_or_gone);
        timer.lap("markdown");
        let edited = (!relations_may_change).then_some(dirty);
        self.render_site(Pass::Changed, edited, timer)
    }

    /// Links, checks, renders and writes, as much as `pass` says.
    fn render_site(
        &mut self,
        pass: Pass,
        edited: Option<HashSet<String>>,
        mut timer: Timer,
    ) -> Report {
        let mut diagnostics = Diagnostics::new();
        self.setup.iter().for_each(|d| diagnostics.push(d.clone()));
        self.walk_problems
            .iter()
            .for_each(|(_, d)| diagnostics.push(d.clone()));
        // Every asset but a photo is published as it is, metadata and all.
        self.asset_metadata
            .values()
            .for_each(|d| diagnostics.push(d.clone()));
        let accepted = self.accepted();
        let (mut site, item_fps) = self.assemble(edited.as_ref(), &mut diagnostics);
        site.record_reads = self.keep_records;
        timer.lap("link");
        let Some(mut engine) = self.engine.take() else {
            diagnostics.sort();
            return Report {
                diagnostics,
                timings: timer.timings,
                accepted,
                ..Report::default()
            };
        };
        // The same pages as before when no relation changed.
        let (planned, plan_problems) = match (&edited, &self.linked) {
            (Some(_), Some(previous)) => (previous.planned.clone(), previous.plan_problems.clone()),
            _ => {
                let mut found = Diagnostics::new();
                let planned = render::plan(&site, &mut found);
                (planned, found.into_vec())
            }
        };
        plan_problems
            .iter()
            .for_each(|d| diagnostics.push(d.clone()));
        let mut report = self.render_with(
            &mut engine,
            &site,
            &planned,
            &item_fps,
            pass,
            diagnostics,
            timer,
        );
        report.accepted = accepted;
        self.engine = Some(engine);
        self.linked = Some(Linked {
            site,
            planned,
            plan_problems,
        });
        report
    }

    /// The privacy findings the published pages accept, in file order.
    fn accepted(&self) -> Vec<Accepted> {
        let mut all: Vec<Accepted> = self
            .sources
            .values()
            .flat_map(|s| s.accepted.iter().cloned())
            .collect();
        all.sort();
        all
    }

    /// The fingerprints of what every output reads as a whole.
    fn whole(&self, engine: &Engine, planned: &[Planned]) -> Whole {
        let mut plan = std::hash::DefaultHasher::new();
        for p in planned {
            std::hash::Hash::hash(&p.path, &mut plan);
        }
        let of_map = |map: &BTreeMap<String, String>| {
            let mut h = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(map, &mut h);
            std::hash::Hasher::finish(&h)
        };
        Whole {
            settings: hash_bytes(format!("{:?}", self.config).as_bytes()),
            strings: of_map(engine.strings()),
            templates: of_map(engine.sources()),
            plan: std::hash::Hasher::finish(&plan),
        }
    }
}

/// Reads and types one content file.
fn read_source(paths: &SitePaths, config: &Config, drafts: bool, rel: &str, uid: u32) -> Source {
    let mut source = Source {
        uid,
        problems: Vec::new(),
        accepted: Vec::new(),
        item: None,
        draft: None,
        body: None,
        fingerprint: 0,
        shape: None,
    };
    match load::read_document(paths, rel) {
        Ok(doc) => match model::read_document(doc, config, drafts, &mut source.problems) {
            Read::Item(item) => {
                let check = privacy::check_page(&item, config);
                source.problems.extend(check.problems);
                source.accepted = check.accepted;
                source.shape = Some(link::shape(&item));
                source.item = Some(Arc::from(item));
            }
            Read::Draft(d) => source.draft = Some(d),
            Read::Failed => {}
        },
        Err(found) => source.problems = found,
    }
    source
}

fn write_error(path: &str, err: &std::io::Error) -> Diagnostic {
    Diagnostic::error(path, Pos::START, "E-WRITE-OUTPUT")
        .arg("detail", err.to_string())
        .with_hint("H-WRITE-OUTPUT")
}

/// One diagnostic per template mistake, however many pages hit it.
fn merge_render_errors(
    failures: Vec<(Diagnostic, Option<usize>)>,
    site: &Site,
    diagnostics: &mut Diagnostics,
) {
    // One template mistake: where, the code and its arguments.
    type Mistake = (String, Pos, &'static str, Vec<(&'static str, Arg)>);
    let mut grouped: BTreeMap<Mistake, (Diagnostic, Vec<usize>)> = BTreeMap::new();
    for (d, page) in failures {
        let entry = grouped
            .entry((d.file.clone(), d.pos, d.code, d.args.clone()))
            .or_insert_with(|| (d, Vec::new()));
        entry.1.extend(page);
    }
    for (_, (mut d, pages)) in grouped {
        if let Some(&first) = pages.iter().min_by_key(|&&p| &site.items[p].doc.path) {
            let others = pages.len() - 1;
            let (one, many) = match d.code {
                "E-TEMPLATE-MISSING" => ("E-TEMPLATE-MISSING-PAGE", "E-TEMPLATE-MISSING-PAGES"),
                _ => ("E-TEMPLATE-PAGE", "E-TEMPLATE-PAGES"),
            };
            d.code = if others > 0 { many } else { one };
            d = d
                .arg("page", site.items[first].doc.display.as_str())
                .arg("others", others);
        }
        diagnostics.push(d);
    }
}

/// Builds (or, with `write: false`, checks) a site once.
pub fn run(options: &Options) -> Report {
    run_once(options, false)
}

/// [`run`] for a process that ends right after it (`zhan build`, `zhan
/// check`): the site in memory is left for the system to take back at exit
/// rather than freed piece by piece. Freed on a worker thread, it still took
/// about 1.5% of a 600-station build's CPU, since the process goes on to
/// print and record what it built.
pub fn run_then_exit(options: &Options) -> Report {
    run_once(options, true)
}

fn run_once(options: &Options, exiting: bool) -> Report {
    let mut timer = Timer::new();
    // What the build reads, taken before it reads it (see skip.rs).
    let inputs = options.write.then(|| skip::Inputs::read(options)).flatten();
    if let Some(mut report) = inputs.as_ref().and_then(|i| skip::up_to_date(options, i)) {
        timer.lap("check");
        report.timings = timer.timings;
        return report;
    }
    let mut ws = Workspace::open(options.clone());
    ws.keep_records = false;
    timer.lap("load");
    let photos = std::mem::take(&mut ws.images_read);
    let mut report = ws.build();
    if exiting {
        std::mem::forget(ws);
    } else {
        // Freeing the site costs a one-off build about 3% of its time: on a
        // worker thread, the caller need not wait for it.
        rayon::spawn(move || drop(ws));
    }
    report.timings.splice(0..0, timer.timings);
    // Part of the load: photos read from the cache (or encoded when new).
    report
        .timings
        .insert(1, StageTime::new("of which photos", photos, None));
    if let Some(inputs) = inputs {
        skip::record(inputs, &report);
    }
    report
}

/// Whether a folder is (probably) a site, for the CLI's messages.
pub fn looks_like_site(root: &Path) -> bool {
    config::looks_like_site(root)
}

/// Why a draft could not be previewed.
#[derive(Debug)]
pub enum PreviewError {
    /// The draft has errors (reading or typing it); the last good preview stands.
    Problems(Vec<Diagnostic>),
    /// The file has no page in the last build (new, a draft, a section's
    /// intro): it shows once saved and built.
    NeedsSave,
    /// The site has not been built yet, or its theme has errors.
    NotReady,
}

impl Workspace {
    /// The body of an unsaved draft, rendered as a build renders it (the
    /// preview and the editor's live check both need it).
    fn render_draft_body(&self, item: &Item) -> Body {
        let context = markdown::Context {
            pages: &self.pages,
            base_path: &self.config.base_path,
            assets: &self.assets,
        };
        markdown::render(
            &markdown::Source {
                path: &item.doc.path,
                display: &item.doc.display,
                body: item.doc.body(),
                first_line: item.doc.body_line,
            },
            &context,
        )
    }
    /// The page of `content/<rel>` as the theme renders it if the file said
    /// `text`, rendered in memory against the last linked site: nothing is
    /// written and the workspace is left as it was. An edit that keeps the
    /// item's [`link::shape`] is relinked cheaply; one that changes how the
    /// site relates (station, category, order) is linked and planned again.
    pub fn preview(&self, rel: &str, text: &str) -> Result<Vec<u8>, PreviewError> {
        let (Some(engine), Some(linked)) = (&self.engine, &self.linked) else {
            return Err(PreviewError::NotReady);
        };
        let display = self.paths.display(&format!("content/{rel}"));
        let doc = load::document_from_bytes(rel, display, text.as_bytes())
            .map_err(PreviewError::Problems)?;
        let mut problems = Vec::new();
        // Drafts are read like published items: the worker is writing one.
        let item = match model::read_document(doc, &self.config, true, &mut problems) {
            Read::Item(item) if !problems.iter().any(Diagnostic::is_error) => item,
            _ if problems.iter().any(Diagnostic::is_error) => {
                problems.retain(Diagnostic::is_error);
                return Err(PreviewError::Problems(problems));
            }
            _ => return Err(PreviewError::NeedsSave),
        };
        let previous = &linked.site;
        let at = previous.index_of_path(rel).ok_or(PreviewError::NeedsSave)?;
        let saved_shape = self
            .sources
            .get(&WalkKey(rel.to_string()))
            .and_then(|s| s.shape);
        let same_shape = saved_shape == Some(link::shape(&item));
        let body = self.render_draft_body(&item);
        let mut items = previous.items.clone();
        let mut bodies = previous.bodies.clone();
        items[at] = Arc::from(item);
        bodies[at] = Arc::new(body);
        // Problems of references show in the overlay once saved; the page
        // renders with them all the same.
        let mut ignored = Diagnostics::new();
        let (mut site, job) = if same_shape {
            // The relations and the plan of the last build still hold.
            let site = link::relink(previous, items, bodies, &[at], &mut ignored);
            let job = find_item_job(&linked.planned, at);
            (site, job)
        } else {
            // Another station, category, order…: link and plan again (tens
            // of milliseconds on a large site).
            let site = link::link_again(previous, items, bodies, &mut ignored);
            let job = site
                .index_of_path(rel)
                .and_then(|i| find_item_job(&render::plan(&site, &mut ignored), i));
            (site, job)
        };
        let job = job.ok_or(PreviewError::NeedsSave)?;
        site.record_reads = false;
        let cards = render::CardCache::new(site.items.len());
        let mut out = Vec::new();
        engine
            .render_to(&site, job, &cards, &mut out, None)
            .map_err(|d| PreviewError::Problems(vec![d]))?;
        Ok(out)
    }
}

/// The job that renders item `at`'s own page.
fn find_item_job(planned: &[Planned], at: usize) -> Option<render::Job> {
    planned
        .iter()
        .map(|p| p.job)
        .find(|&job| job == render::Job::Item(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A page's value is built from its card as the lists show it (cached)
    /// and the rest of its view: it must be the same as the whole view made
    /// into a value, for every item of the demo site, whether its card was
    /// made for a list before or not; and without the QR code when asked.
    #[test]
    fn page_values_are_their_views_with_the_cached_card() {
        let mut options = Options::new(env!("CARGO_MANIFEST_DIR"));
        options.write = false;
        let mut ws = Workspace::open(options);
        let report = ws.build();
        assert!(report.pages > 0, "the demo site builds");
        let site = &ws.linked.as_ref().expect("the demo site links").site;
        let strings = ws.engine.as_ref().expect("the theme loads").strings();
        let cards = render::views::CardCache::new(site.items.len());
        let views = render::views::Views::with_cards(site, strings, &cards);
        // Half of the cards made beforehand, as lists would.
        for i in (0..site.items.len()).step_by(2) {
            views.card_value(i);
        }
        let qr_of = |value: &tera::Value| {
            let map = value.as_map().expect("a page value is a map");
            let (_, qr) = map.iter().find(|(k, _)| k.as_str() == Some("qr"))?;
            (!qr.is_none()).then(|| qr.clone())
        };
        let mut with_qr = 0;
        for i in 0..site.items.len() {
            let page = views.page(i);
            with_qr += usize::from(page.own.qr.is_some());
            let value = views.page_value(i, render::views::Qr::Shown);
            let key = &site.items[i].key;
            assert_eq!(value, tera::Value::from_serializable(&page), "{key}");
            assert_eq!(qr_of(&value).is_some(), page.own.qr.is_some(), "{key}");
            // Left out (a station's menu has its own code), and only that.
            let left = views.page_value(i, render::views::Qr::Left);
            assert_eq!(qr_of(&left), None, "{key}");
            assert_eq!(
                left.as_map().map(|m| m.len()),
                value.as_map().map(|m| m.len())
            );
        }
        assert!(with_qr > 0, "some pages carry a QR code");
    }

    #[test]
    fn walk_order_is_the_order_of_folder_name_lists() {
        // Every path of up to four parts made of these pieces, against
        // every other: all the ways two paths can first differ.
        let pieces = ["", "a", "a-b", "ab", "b", "a.md", "惠东"];
        let mut paths = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = paths
                .iter()
                .flat_map(|p| pieces.iter().map(move |piece| format!("{p}/{piece}")))
                .collect();
            paths.extend(longer);
        }
        paths
            .iter_mut()
            .for_each(|p| *p = p.trim_start_matches('/').to_string());
        for a in &paths {
            for b in &paths {
                assert_eq!(
                    walk_order(a, b),
                    a.split('/').cmp(b.split('/')),
                    "{a:?} against {b:?}"
                );
            }
        }
    }
}
