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
mod fingerprint;
mod skip;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::{self, Config};
use crate::diagnostics::{Diagnostic, Diagnostics, Pos};
use crate::link::{self, Site};
use crate::link::{Dep, Reads};
use crate::load::{self, Asset, SitePaths};
use crate::markdown::{self, Body, Target as LinkTarget};
use crate::model::{self, Draft, Item, Kind, Read};
use crate::render::{self, Engine, Job, Planned, theme};
use crate::write::search::SearchIndex;
use crate::write::{self, Output, Target};
use deps::{DepIndex, OutputKey, Record};
use fingerprint::{Fingerprints, Whole, hash_bytes};

/// A content path ordered as a walk of its folders finds it (`a/b.md` before
/// `a-b.md`), so items come in the same order however they were read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct WalkKey(String);

impl Ord for WalkKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.split('/').cmp(other.0.split('/'))
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
}

impl Options {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Options {
            root: root.into(),
            output: None,
            drafts: false,
            base_url: None,
            write: true,
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
    pub timings: Vec<(&'static str, Duration)>,
    /// Whether nothing changed since the last build into the output, which
    /// was therefore left as it was without rendering anything.
    pub up_to_date: bool,
}

impl Report {
    pub fn succeeded(&self) -> bool {
        !self.diagnostics.has_errors()
    }
}

/// A page rendered (with its bytes when they are kept to write later), or
/// why it failed (and for which item).
type RenderOutcome = Result<(Made, Job, Option<Vec<u8>>), (Diagnostic, Option<usize>)>;

/// How many bytes of changed pages an update in place keeps in memory until
/// it knows every page rendered; changed pages beyond it are rendered again
/// to be written (a template edit on a large site).
const KEPT_PAGES_BUDGET: usize = 256 << 20;

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
    /// Problems found reading and typing it.
    problems: Vec<Diagnostic>,
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
}

/// A callback told the site paths of the pages an update wrote in place, as
/// soon as they are written (the preview server reloads them while the
/// calendars, open data and search index are still being written).
pub type PagesWritten = Box<dyn FnMut(&[String]) + Send + Sync>;

struct Timer {
    started: Instant,
    timings: Vec<(&'static str, Duration)>,
}

impl Timer {
    fn new() -> Self {
        Timer {
            started: Instant::now(),
            timings: Vec::new(),
        }
    }
    fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.timings.push((stage, now - self.started));
        self.started = now;
    }
}

fn walk_order(a: &str, b: &str) -> std::cmp::Ordering {
    a.split('/').cmp(b.split('/'))
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
            uids: HashMap::new(),
            written: None,
            linked: None,
            data_entries: Mutex::default(),
            keep_records: true,
            on_pages: None,
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

    fn read_settings(&mut self) {
        let mut found = Diagnostics::new();
        if !self.options.root.is_dir() {
            found.push(
                Diagnostic::error(self.paths.display(""), Pos::START, "the site folder does not exist")
                    .with_hint("give the folder that holds site.yaml and content/ with --root, or make one with `zhan init DIR`"),
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
                    Diagnostic::error("--base-url", Pos::START, format!("`{url}` is not a site address"))
                        .with_hint("write the full address, like https://example.org/ or http://127.0.0.1:1111/"),
                ),
            }
        }
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
        if let Some(d) = load::check_content_dir(&self.paths) {
            self.walk_problems.push((String::new(), d));
            return;
        }
        self.add_walk("");
    }

    /// Walks `content/<under>` and reads what it finds (in parallel).
    fn add_walk(&mut self, under: &str) {
        let walked = load::walk(&self.paths, under);
        self.walk_problems.extend(walked.problems);
        for asset in walked.assets {
            self.assets.insert(asset.path.clone(), asset);
        }
        self.read_sources(walked.markdown);
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
        };
        let sources = &self.sources;
        let rendered: Vec<(WalkKey, Body)> = todo
            .par_iter()
            .filter_map(|p| {
                let item = sources.get(p)?.item.as_ref()?;
                let source = markdown::Source {
                    path: &item.doc.path,
                    display: &item.doc.display,
                    body: item.doc.body(),
                    first_line: item.doc.body_line,
                };
                Some((p.clone(), markdown::render(&source, &context)))
            })
            .collect();
        for (path, body) in rendered {
            if let Some(source) = self.sources.get_mut(&path) {
                source.fingerprint = source.item.as_ref().map_or(0, |item| {
                    fingerprint::combine(&[
                        hash_bytes(item.doc.text.as_bytes()),
                        hash_bytes(item.site_path.as_bytes()),
                        hash_bytes(body.html.as_bytes()),
                    ])
                });
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
        for source in self.sources.values() {
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
        };
        (link::link(parts, diagnostics), fingerprints)
    }

    /// A full build: renders every page and, when writing, replaces the output
    /// folder through a staging folder.
    pub fn build(&mut self) -> Report {
        let mut timer = Timer::new();
        self.render_bodies(true, &HashSet::new(), &HashSet::new());
        timer.lap("markdown");
        self.render_site(Pass::Clean, None, timer)
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
            } else {
                relations_may_change = true;
                if let Some(asset) = Asset::at(&self.paths, rel) {
                    self.assets.insert(rel.clone(), asset);
                }
            }
            relations_may_change |= had_walk_problem;
            let after = self.published_under(rel);
            appeared_or_gone.extend(before.symmetric_difference(&after).cloned());
        }
        relations_may_change |= !appeared_or_gone.is_empty();
        timer.lap("load");
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
        let (site, item_fps) = self.assemble(edited.as_ref(), &mut diagnostics);
        timer.lap("link");
        let Some(mut engine) = self.engine.take() else {
            diagnostics.sort();
            return Report {
                diagnostics,
                timings: timer.timings,
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
        let report = self.render_with(
            &mut engine,
            &site,
            &planned,
            &item_fps,
            pass,
            diagnostics,
            timer,
        );
        self.engine = Some(engine);
        self.linked = Some(Linked {
            site,
            planned,
            plan_problems,
        });
        report
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

    #[allow(clippy::too_many_arguments)]
    fn render_with(
        &mut self,
        engine: &mut Engine,
        site: &Site,
        planned: &[Planned],
        item_fps: &[u64],
        pass: Pass,
        mut diagnostics: Diagnostics,
        mut timer: Timer,
    ) -> Report {
        let mut report = Report::default();
        engine.set_site(site);
        let engine = &*engine;
        let fingerprints = Fingerprints::of(site, item_fps, self.whole(engine, planned));
        timer.lap("fingerprints");

        // In place after the first good build; otherwise through a staging folder.
        let in_place = pass != Pass::Clean && self.written.is_some();
        // Brought up to date in place (it is large), or put back on failure.
        let mut previous_search = self
            .written
            .as_mut()
            .filter(|_| in_place)
            .and_then(|w| w.search.take());
        let previous = self.written.as_ref().filter(|_| in_place);
        let changes = match (pass, previous) {
            (Pass::Changed, Some(w)) => Some(fingerprints.diff(&w.fingerprints)),
            _ => None,
        };
        // The outputs to make: with changes, those that read something that
        // changed and those never made; otherwise all of them.
        let selected: Option<HashSet<OutputKey>> = changes.as_ref().zip(previous).map(|(c, w)| {
            deps::select(&w.index, &c.deps())
                .into_iter()
                .cloned()
                .collect()
        });
        let wanted = |key: &OutputKey| match (&selected, previous) {
            (Some(selected), Some(w)) => selected.contains(key) || !w.index.contains(key),
            _ => true,
        };
        // The hash of the file at `path` as `key` last wrote it.
        let old_hash = |key: &OutputKey, path: &str| {
            previous
                .and_then(|w| w.index.get(key))
                .and_then(|r| r.files.iter().find(|(p, _)| p == path))
                .map(|(_, h)| *h)
        };
        timer.lap("select");
        // Pages by path, without making a key for each of the site's pages.
        let selected_pages: Option<HashSet<&str>> = selected.as_ref().map(|selected| {
            selected
                .iter()
                .filter_map(|k| match k {
                    OutputKey::Page(path) => Some(path.as_str()),
                    _ => None,
                })
                .collect()
        });
        let page_wanted = |path: &str| match (&selected_pages, previous) {
            (Some(selected), Some(w)) => selected.contains(path) || !w.index.has_page(path),
            _ => true,
        };
        // With the same plan as before no page is new: the selected pages'
        // places in the plan are known, and the plan need not be scanned.
        let same_plan = changes.as_ref().is_some_and(|c| !c.contains(Dep::Plan))
            && previous.is_some_and(|w| w.plan_positions.len() == planned.len());
        let todo_keys: Vec<(&Planned, OutputKey)> = match (&selected_pages, previous) {
            (Some(selected), Some(w)) if same_plan => {
                let mut at: Vec<usize> = selected
                    .iter()
                    .filter_map(|path| w.plan_positions.get(*path).copied())
                    .filter(|&n| n < planned.len())
                    .collect();
                at.sort_unstable();
                at.into_iter()
                    .map(|n| (&planned[n], OutputKey::Page(planned[n].path.clone())))
                    .collect()
            }
            _ => planned
                .iter()
                .filter(|p| page_wanted(&p.path))
                .map(|p| (p, OutputKey::Page(p.path.clone())))
                .collect(),
        };
        let todo: Vec<(&Planned, &OutputKey)> = todo_keys.iter().map(|(p, k)| (*p, k)).collect();
        timer.lap("plan");

        // Write only when everything so far is good; otherwise render in
        // memory to find template errors too, and leave the output alone.
        let target = if self.options.write && !diagnostics.has_errors() {
            if in_place {
                Some(Target::InPlace(self.options.output_dir()))
            } else {
                match Output::prepare(&self.options.output_dir(), &self.options.root) {
                    Ok(output) => Some(Target::Staging(output)),
                    Err(refused) => {
                        diagnostics.push(
                            Diagnostic::error(
                                self.options.output_dir().display().to_string(),
                                Pos::START,
                                refused.message,
                            )
                            .with_hint(refused.hint),
                        );
                        None
                    }
                }
            }
        } else {
            None
        };
        // A file is written when it is new or its bytes changed (in place),
        // or always (a staging folder starts empty).
        let must_write = |old: Option<u64>, new: u64| !in_place || old != Some(new);
        let cards = render::CardCache::new(site.items.len());
        // Into a staging folder pages are written as they are rendered (a
        // failed build throws the folder away). In place, nothing is written
        // before every page rendered without error: changed pages are kept
        // in memory up to a budget, and the rest rendered again to write.
        let kept = std::sync::atomic::AtomicUsize::new(0);
        let results: Vec<RenderOutcome> = todo
            .par_iter()
            .map_init(Vec::new, |buffer, (p, key)| {
                let page = match p.job {
                    Job::Item(i) => Some(i),
                    _ => None,
                };
                let rendered = engine
                    .render_to(site, p.job, &cards, buffer)
                    .map_err(|d| (d, page))?;
                let hash = hash_bytes(buffer);
                let changed = must_write(old_hash(key, &p.path), hash);
                let mut bytes = None;
                match &target {
                    Some(Target::Staging(_)) | None => {}
                    Some(Target::InPlace(_)) if changed => {
                        let total = kept.fetch_add(buffer.len(), Ordering::Relaxed);
                        if total + buffer.len() <= KEPT_PAGES_BUDGET {
                            bytes = Some(buffer.clone());
                        }
                    }
                    Some(Target::InPlace(_)) => {}
                }
                if let Some(target @ Target::Staging(_)) = target.as_ref().filter(|_| changed) {
                    target
                        .write_hashed(&p.path, buffer, hash)
                        .map_err(|e| (write_error(&p.path, &e), None))?;
                }
                Ok((
                    Made {
                        key: (*key).clone(),
                        record: Record {
                            deps: rendered.deps,
                            files: vec![(p.path.clone(), hash)],
                        },
                        changed: if changed {
                            vec![p.path.clone()]
                        } else {
                            Vec::new()
                        },
                    },
                    p.job,
                    bytes,
                ))
            })
            .collect();
        let mut made: Vec<Made> = Vec::with_capacity(results.len() + 64);
        let mut unwritten: Vec<(String, Job, Option<Vec<u8>>)> = Vec::new();
        let mut failures = Vec::new();
        for result in results {
            match result {
                Ok((done, job, bytes)) => {
                    if in_place && !done.changed.is_empty() {
                        unwritten.push((done.record.files[0].0.clone(), job, bytes));
                    }
                    made.push(done);
                }
                Err(failure) => failures.push(failure),
            }
        }
        report.pages = made.len();
        merge_render_errors(failures, site, &mut diagnostics);
        timer.lap("render");
        if let Some(target @ Target::InPlace(_)) = &target {
            if !diagnostics.has_errors() {
                let failed: Vec<Diagnostic> = unwritten
                    .into_par_iter()
                    .map_init(Vec::new, |buffer, (path, job, bytes)| {
                        let bytes = match bytes {
                            Some(bytes) => bytes,
                            None => {
                                engine.render_to(site, job, &cards, buffer)?;
                                std::mem::take(buffer)
                            }
                        };
                        target
                            .write(&path, &bytes)
                            .map_err(|e| write_error(&path, &e))
                    })
                    .filter_map(Result::err)
                    .collect();
                failed.into_iter().for_each(|d| diagnostics.push(d));
            }
        }
        drop(cards);

        let Some(target) = target else {
            self.keep_after_failure(Vec::new(), previous_search);
            diagnostics.sort();
            report.diagnostics = diagnostics;
            report.timings = timer.timings;
            return report;
        };
        let pages_made = made.len();
        // Pages written in place can be shown now: the files still to come
        // are not what the page in front of the author reads.
        if in_place && !diagnostics.has_errors() {
            if let Some(callback) = self.on_pages.as_mut() {
                let base_path = &site.config.base_path;
                let mut urls: Vec<String> = made
                    .iter()
                    .flat_map(|m| m.changed.iter().map(|p| url_of(base_path, p)))
                    .collect();
                urls.sort();
                if !urls.is_empty() {
                    callback(&urls);
                    report.announced = urls;
                }
            }
        }
        let mut search = None;
        let mut search_uids = Vec::new();
        if !diagnostics.has_errors() {
            let (index, uids) = self.write_search(
                &target,
                site,
                engine,
                previous_search.take(),
                previous.map(|w| w.search_uids.as_slice()),
                &wanted,
                &mut made,
                &mut diagnostics,
            );
            // A one-off build has no next update to bring the index up to
            // date for: let it go before the files are made.
            search = index.filter(|_| self.keep_records);
            search_uids = uids;
            timer.lap("search");
        }
        let mut copies = None;
        if !diagnostics.has_errors() {
            let same = |deps: &[Dep]| changes.as_ref().is_some_and(|c| c.none_of(deps));
            // Each file is written as soon as it is made, so a big site's
            // calendars and open data are never all in memory at once.
            let write_file = |key: &OutputKey, path: &str, data: &[u8], hash: u64| {
                if !must_write(old_hash(key, path), hash) {
                    return Ok(false);
                }
                target
                    .write_hashed(path, data, hash)
                    .map(|()| true)
                    .map_err(|e| write_error(path, &e))
            };
            for (done, errors) in
                self.make_files(site, engine, planned, &wanted, &same, &write_file)
            {
                report.copied += done.changed.len();
                errors.into_iter().for_each(|d| diagnostics.push(d));
                made.push(done);
            }
            copies = self.copy_files(&target, site, engine, &mut report, &mut diagnostics);
        }
        timer.lap("files");

        // The outputs that are no longer part of the site, and their files.
        // When every output made now was made before and there are as many
        // as before, none went.
        let content_keys: Vec<OutputKey> = write::content_plan(site)
            .into_iter()
            .map(|job| OutputKey::Content(job.key(site)))
            .collect();
        let mut current: Vec<OutputKey> = vec![OutputKey::Sitemap, OutputKey::Robots];
        if search.is_some() {
            current.push(OutputKey::SearchIndex);
            current.extend(search_uids.iter().map(|&u| OutputKey::Search(u)));
        }
        current.extend(content_keys);
        let count = planned.len() + current.len();
        let anything_new = previous.is_some_and(|w| made.iter().any(|m| !w.index.contains(&m.key)));
        let gone: Vec<(OutputKey, Vec<String>)> = match previous {
            Some(w) if anything_new || count != w.index.len() => {
                let page_keys: Vec<OutputKey> = planned
                    .iter()
                    .map(|p| OutputKey::Page(p.path.clone()))
                    .collect();
                let mut keys: HashSet<&OutputKey> = page_keys.iter().collect();
                keys.extend(current.iter());
                w.index
                    .keys()
                    .filter(|k| !keys.contains(k))
                    .map(|k| {
                        let files = w.index.get(k).map_or_else(Vec::new, |r| {
                            r.files.iter().map(|(p, _)| p.clone()).collect()
                        });
                        (k.clone(), files)
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        // Files an output made again no longer writes.
        let mut stale: Vec<String> = gone.iter().flat_map(|(_, f)| f.iter().cloned()).collect();
        if let Some(w) = previous {
            for m in &made {
                if let Some(old) = w.index.get(&m.key) {
                    stale.extend(
                        old.files
                            .iter()
                            .filter(|(p, _)| !m.record.files.iter().any(|(q, _)| q == p))
                            .map(|(p, _)| p.clone()),
                    );
                }
            }
        }
        if !stale.is_empty() {
            let written_now: HashSet<&str> = made
                .iter()
                .flat_map(|m| m.record.files.iter().map(|(p, _)| p.as_str()))
                .collect();
            stale.retain(|p| !written_now.contains(p.as_str()));
        }

        if diagnostics.has_errors() {
            match target {
                Target::Staging(output) => {
                    output.abandon();
                    self.keep_after_failure(Vec::new(), previous_search);
                }
                // Pages written in place stay as written: their records must
                // say so. The fingerprints stay as they were, so the next
                // update selects again everything this one was about.
                Target::InPlace(_) => {
                    made.truncate(pages_made);
                    self.keep_after_failure(made, previous_search.or(search));
                }
            }
            diagnostics.sort();
            report.diagnostics = diagnostics;
            report.timings = timer.timings;
            return report;
        }
        for path in &stale {
            if let Err(e) = target.remove(path) {
                diagnostics.push(write_error(path, &e));
            }
        }
        let base_path = site.config.base_path.clone();
        let committed = match target {
            Target::Staging(output) => match output.commit() {
                Ok(path) => Some(path),
                Err(e) => {
                    diagnostics.push(write_error(
                        &self.options.output_dir().display().to_string(),
                        &e,
                    ));
                    None
                }
            },
            Target::InPlace(dir) => Some(dir),
        };
        if let Some(path) = committed {
            report.written_to = Some(path);
            for m in made.iter().take(pages_made) {
                report
                    .changed
                    .extend(m.changed.iter().map(|p| url_of(&base_path, p)));
            }
            report.changed.extend(
                stale
                    .iter()
                    .filter(|p| p.ends_with(".html"))
                    .map(|p| url_of(&base_path, p)),
            );
            report.everything |= pass == Pass::Everything;
            self.remember(
                in_place,
                planned,
                made,
                gone,
                fingerprints,
                copies,
                search,
                search_uids,
            );
        }
        timer.lap("write");
        report.changed.sort();
        report.changed.dedup();
        diagnostics.sort();
        report.diagnostics = diagnostics;
        report.timings = timer.timings;
        report
    }

    /// After a failed pass: records what was written in place anyway, and
    /// puts back the search index taken out for updating.
    fn keep_after_failure(&mut self, made: Vec<Made>, search: Option<SearchIndex>) {
        if let Some(written) = self.written.as_mut() {
            for m in made {
                written.index.set(m.key, m.record);
            }
            if search.is_some() {
                written.search = search;
            }
        }
    }

    /// Keeps what the output now holds, for the next update to compare with
    /// (not for a one-off build, which has no next update).
    #[allow(clippy::too_many_arguments)]
    fn remember(
        &mut self,
        in_place: bool,
        planned: &[Planned],
        made: Vec<Made>,
        gone: Vec<(OutputKey, Vec<String>)>,
        fingerprints: Fingerprints,
        copies: Option<BTreeMap<String, u64>>,
        search: Option<SearchIndex>,
        search_uids: Vec<u32>,
    ) {
        if !self.keep_records {
            self.written = None;
            return;
        }
        let mut written = match self.written.take() {
            Some(w) if in_place => w,
            _ => Written::default(),
        };
        for (key, _) in gone {
            written.index.remove(&key);
        }
        for m in made {
            written.index.set(m.key, m.record);
        }
        let same_plan = written.plan_positions.len() == planned.len()
            && written.fingerprints.plan() == fingerprints.plan();
        if !same_plan {
            written.plan_positions = planned
                .iter()
                .enumerate()
                .map(|(n, p)| (p.path.clone(), n))
                .collect();
        }
        written.fingerprints = fingerprints;
        written.copies = copies.unwrap_or_default();
        written.search = search;
        written.search_uids = search_uids;
        self.written = Some(written);
    }

    /// The search index: made afresh when what it reads as a whole changed
    /// (its list of pages, kind names, categories), else brought up to date
    /// by the entries an edit touched; only the files that changed are
    /// written. Returns the index and the uids of its pages, in order.
    #[allow(clippy::too_many_arguments)]
    fn write_search(
        &self,
        target: &Target,
        site: &Site,
        engine: &Engine,
        previous: Option<SearchIndex>,
        previous_uids: Option<&[u32]>,
        wanted: &(dyn Fn(&OutputKey) -> bool + Sync),
        made: &mut Vec<Made>,
        diagnostics: &mut Diagnostics,
    ) -> (Option<SearchIndex>, Vec<u32>) {
        let whole = Reads::new(site, engine.strings());
        let searchable: Vec<usize> = write::SEARCH_KINDS
            .iter()
            .flat_map(|&k| whole.of_kind(k).iter().copied())
            .collect::<BTreeSet<usize>>()
            .into_iter()
            .collect();
        let uids: Vec<u32> = searchable.iter().map(|&i| site.uids[i]).collect();
        if !whole.config().search {
            // Turned off: an index left in place from before goes.
            if let (Some(index), Target::InPlace(_)) = (previous, target) {
                for (path, _) in index.files() {
                    if let Err(e) = target.remove(&path) {
                        diagnostics.push(write_error(&path, &e));
                    }
                }
            }
            return (None, Vec::new());
        }
        let kinds: Vec<String> = write::SEARCH_KINDS
            .iter()
            .map(|k| {
                whole
                    .strings()
                    .get(&format!("kind_{}", k.name()))
                    .cloned()
                    .unwrap_or_default()
            })
            .collect();
        let categories = whole.config().vocabularies.service_category.clone();
        let shared = whole.shared();
        let entry = |d: usize, i: usize| {
            let r = shared.reads();
            let doc = write::search_doc(&r, i);
            (d, doc, r.into_deps())
        };
        let whole_key = OutputKey::SearchIndex;
        let remake =
            previous.is_none() || previous_uids != Some(uids.as_slice()) || wanted(&whole_key);
        // Each entry's deps, by its page number; the docs go to the index.
        let mut entry_deps: Vec<(usize, Vec<Dep>)> = Vec::new();
        let (index, changed) = match previous {
            Some(mut index) if !remake => {
                let entries: Vec<(usize, write::search::SearchDoc, Vec<Dep>)> = searchable
                    .par_iter()
                    .enumerate()
                    .filter(|(d, _)| wanted(&OutputKey::Search(uids[*d])))
                    .map(|(d, &i)| entry(d, i))
                    .collect();
                let mut edits = Vec::with_capacity(entries.len());
                for (d, doc, deps) in entries {
                    edits.push((d, doc));
                    entry_deps.push((d, deps));
                }
                let changed = index.update_docs(edits);
                (index, changed)
            }
            previous => {
                let entries: Vec<(usize, write::search::SearchDoc, Vec<Dep>)> = searchable
                    .par_iter()
                    .enumerate()
                    .map(|(d, &i)| entry(d, i))
                    .collect();
                let mut docs = Vec::with_capacity(entries.len());
                for (d, doc, deps) in entries {
                    docs.push(doc);
                    entry_deps.push((d, deps));
                }
                let index = SearchIndex::new(kinds, categories, docs);
                let changed = match (previous, target) {
                    (Some(old), Target::InPlace(_)) => old.changes_to(&index),
                    _ => write::search::Changed {
                        write: index.files(),
                        remove: Vec::new(),
                    },
                };
                (index, changed)
            }
        };
        made.extend(entry_deps.into_iter().map(|(d, deps)| Made {
            key: OutputKey::Search(uids[d]),
            record: Record {
                deps,
                files: Vec::new(),
            },
            changed: Vec::new(),
        }));
        made.push(Made {
            key: whole_key,
            record: Record {
                deps: whole.into_deps(),
                files: Vec::new(),
            },
            changed: Vec::new(),
        });
        let failures: Vec<Diagnostic> = changed
            .write
            .par_iter()
            .filter_map(|(path, bytes)| {
                target
                    .write(path, bytes)
                    .err()
                    .map(|e| write_error(path, &e))
            })
            .chain(
                changed
                    .remove
                    .par_iter()
                    .filter_map(|path| target.remove(path).err().map(|e| write_error(path, &e))),
            )
            .collect();
        failures.into_iter().for_each(|d| diagnostics.push(d));
        (Some(index), uids)
    }

    /// The files made from the content: calendars, menus, open data, feeds,
    /// the sitemap and robots.txt — those `wanted`, each with what it read
    /// and its bytes.
    fn make_files(
        &self,
        site: &Site,
        engine: &Engine,
        planned: &[Planned],
        wanted: &(dyn Fn(&OutputKey) -> bool + Sync),
        same: &(dyn Fn(&[Dep]) -> bool + Sync),
        write_file: &WriteFile<'_>,
    ) -> Vec<(Made, Vec<Diagnostic>)> {
        let strings = engine.strings();
        let finish = |key: OutputKey, r: Reads, files: Vec<(String, Vec<u8>)>| {
            let mut names = Vec::with_capacity(files.len());
            let mut changed = Vec::new();
            let mut errors = Vec::new();
            for (path, data) in files {
                let hash = hash_bytes(&data);
                match write_file(&key, &path, &data, hash) {
                    Ok(true) => changed.push(path.clone()),
                    Ok(false) => {}
                    Err(d) => errors.push(d),
                }
                names.push((path, hash));
            }
            let record = Record {
                deps: r.into_deps(),
                files: names,
            };
            (
                Made {
                    key,
                    record,
                    changed,
                },
                errors,
            )
        };
        let jobs: Vec<(OutputKey, write::ContentJob)> = write::content_plan(site)
            .into_iter()
            .map(|job| (OutputKey::Content(job.key(site)), job))
            .filter(|(key, _)| wanted(key))
            .collect();
        let mut outputs: Vec<(Made, Vec<Diagnostic>)> = jobs
            .into_par_iter()
            .map(|(key, job)| {
                let r = Reads::new(site, strings);
                let files = write::make_content(&r, job, &self.data_entries, same);
                finish(key, r, files)
            })
            .collect();
        if wanted(&OutputKey::Sitemap) {
            let r = Reads::new(site, strings);
            let xml = write::sitemap(&r, planned).into_bytes();
            outputs.push(finish(
                OutputKey::Sitemap,
                r,
                vec![("sitemap.xml".to_string(), xml)],
            ));
        }
        if wanted(&OutputKey::Robots) {
            let r = Reads::new(site, strings);
            let text = write::robots(r.config()).into_bytes();
            outputs.push(finish(
                OutputKey::Robots,
                r,
                vec![("robots.txt".to_string(), text)],
            ));
        }
        outputs
    }

    /// Static files, the highlight stylesheet and the assets beside the
    /// pages: copied when new or changed (all, into a staging folder).
    /// Returns the fingerprint of each, or None after an error.
    fn copy_files(
        &self,
        target: &Target,
        site: &Site,
        engine: &Engine,
        report: &mut Report,
        diagnostics: &mut Diagnostics,
    ) -> Option<BTreeMap<String, u64>> {
        let before = match target {
            Target::InPlace(_) => self.written.as_ref().map(|w| &w.copies),
            Target::Staging(_) => None,
        };
        let mut files: BTreeMap<String, u64> = BTreeMap::new();
        let mut generated: Vec<(String, Vec<u8>)> = Vec::new();
        if !engine.static_files.contains_key("css/highlight.css") {
            generated.push((
                "css/highlight.css".to_string(),
                markdown::highlight::stylesheet().as_bytes().to_vec(),
            ));
        }
        for (rel, bytes) in &engine.static_files {
            match theme::read_bytes(bytes) {
                Ok(data) => generated.push((rel.clone(), data)),
                Err(e) => diagnostics.push(write_error(rel, &e)),
            }
        }
        // (path, fingerprint, whether it was written, the error if any)
        let results: Vec<(String, u64, bool, Option<Diagnostic>)> = generated
            .into_par_iter()
            .map(|(rel, data)| {
                let fp = hash_bytes(&data);
                if before.and_then(|b| b.get(&rel)) == Some(&fp) {
                    return (rel, fp, false, None);
                }
                let error = target
                    .write(&rel, &data)
                    .err()
                    .map(|e| write_error(&rel, &e));
                (rel, fp, true, error)
            })
            .collect();
        let mut ok = true;
        for (rel, fp, written, error) in results {
            if let Some(d) = error {
                diagnostics.push(d);
                ok = false;
            }
            if written {
                report.copied += 1;
                if rel.ends_with(".css") || rel.ends_with(".js") {
                    report.everything = true;
                }
            }
            files.insert(rel, fp);
        }
        let assets: Vec<(&Asset, u64)> = site
            .assets
            .iter()
            .map(|a| (a, fingerprint::of_asset(a)))
            .collect();
        let copies: Vec<Result<(), Diagnostic>> = assets
            .par_iter()
            .filter(|(a, fp)| before.and_then(|b| b.get(&a.path)) != Some(fp))
            .map(|(a, _)| {
                target
                    .copy(&a.path, &a.source)
                    .map_err(|e| write_error(&a.path, &e))
            })
            .collect();
        for result in copies {
            match result {
                Ok(()) => report.copied += 1,
                Err(d) => {
                    diagnostics.push(d);
                    ok = false;
                }
            }
        }
        for (a, fp) in assets {
            files.insert(a.path.clone(), fp);
        }
        if let Some(before) = before {
            for gone in before.keys().filter(|k| !files.contains_key(*k)) {
                if let Err(e) = target.remove(gone) {
                    diagnostics.push(write_error(gone, &e));
                }
            }
        }
        ok.then_some(files)
    }
}

/// Writes one file of an output (its key, path, bytes and their hash) if it
/// must be; says whether it did.
type WriteFile<'a> = dyn Fn(&OutputKey, &str, &[u8], u64) -> Result<bool, Diagnostic> + Sync + 'a;

/// An output made in this pass: what it read, what it wrote, and the files
/// whose bytes changed.
struct Made {
    key: OutputKey,
    record: Record,
    changed: Vec<String>,
}

/// Reads and types one content file.
fn read_source(paths: &SitePaths, config: &Config, drafts: bool, rel: &str, uid: u32) -> Source {
    let mut source = Source {
        uid,
        problems: Vec::new(),
        item: None,
        draft: None,
        body: None,
        fingerprint: 0,
        shape: None,
    };
    match load::read_document(paths, rel) {
        Ok(doc) => match model::read_document(doc, config, drafts, &mut source.problems) {
            Read::Item(item) => {
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
    Diagnostic::error(path, Pos::START, format!("cannot write the output: {err}"))
        .with_hint("check the free disk space and that you may write to the output folder")
}

/// One diagnostic per template mistake, however many pages hit it.
fn merge_render_errors(
    failures: Vec<(Diagnostic, Option<usize>)>,
    site: &Site,
    diagnostics: &mut Diagnostics,
) {
    let mut grouped: BTreeMap<(String, Pos, String), (Diagnostic, Vec<usize>)> = BTreeMap::new();
    for (d, page) in failures {
        let entry = grouped
            .entry((d.file.clone(), d.pos, d.message.clone()))
            .or_insert_with(|| (d, Vec::new()));
        entry.1.extend(page);
    }
    for (_, (mut d, pages)) in grouped {
        if let Some(&first) = pages.iter().min_by_key(|&&p| &site.items[p].doc.path) {
            let others = pages.len() - 1;
            let more = if others > 0 {
                format!(" and {others} other pages")
            } else {
                String::new()
            };
            d.message = format!(
                "{} (while rendering {}{more})",
                d.message, site.items[first].doc.display
            );
        }
        diagnostics.push(d);
    }
}

/// Builds (or, with `write: false`, checks) a site once.
pub fn run(options: &Options) -> Report {
    let started = Instant::now();
    // What the build reads, taken before it reads it (see skip.rs).
    let inputs = options.write.then(|| skip::Inputs::read(options)).flatten();
    if let Some(report) = inputs
        .as_ref()
        .and_then(|i| skip::up_to_date(options, i, started))
    {
        return report;
    }
    let mut ws = Workspace::open(options.clone());
    ws.keep_records = false;
    let opened = started.elapsed();
    let mut report = ws.build();
    report.timings.insert(0, ("load", opened));
    if let Some(inputs) = inputs {
        skip::record(inputs, &report);
    }
    report
}

/// Whether a folder is (probably) a site, for the CLI's messages.
pub fn looks_like_site(root: &Path) -> bool {
    config::looks_like_site(root)
}
