//! The driver: runs the stages in order, keeps what each stage produced, and
//! decides what reaches the disk.
//!
//! A [`Workspace`] holds the site in memory: every content file read and typed,
//! every body rendered, and, for each page written, what it was made from. A
//! full build fills it and writes through a staging folder; an incremental
//! update ([`Workspace::update`]) re-reads only the files that changed, links
//! the whole site again (cheap), and re-renders only the pages that read
//! something that changed, writing them in place. Both end in the same bytes.

mod fingerprint;
mod pages;
mod skip;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::{self, Config};
use crate::diagnostics::{Diagnostic, Diagnostics, Pos};
use crate::link::{self, Site};
use crate::load::{self, Asset, SitePaths};
use crate::markdown::{self, Body, Target as LinkTarget};
use crate::model::{self, Draft, Item, Kind, Read};
use crate::render::{self, Engine, Job, Planned, theme};
use crate::write::search::SearchIndex;
use crate::write::{self, Output, Target};
use fingerprint::{Fingerprints, hash_bytes};
use pages::{PageIndex, PageRecord};

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

/// A page rendered (its output path and what it read), or why it failed.
type RenderOutcome = Result<(String, render::Rendered), (Diagnostic, Option<usize>)>;

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
struct Written {
    pages: PageIndex,
    fingerprints: Fingerprints,
    templates: BTreeMap<String, String>,
    strings: BTreeMap<String, String>,
    globals: u64,
    /// Other files written (sitemap, styles, static files, assets) and a
    /// fingerprint of each.
    files: BTreeMap<String, u64>,
    /// The search index the output holds.
    search: Option<SearchIndex>,
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
}

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
        };
        ws.read_settings();
        ws.read_all_content();
        ws
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
        let mut timer = Timer::new();
        self.read_settings();
        self.read_all_content();
        self.render_bodies(true, &HashSet::new(), &HashSet::new());
        timer.lap("reload");
        self.render_site(Some(true), None, timer)
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
        self.render_site(None, None, timer)
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
            // of every page: read everything again.
            return self.rebuild_everything();
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
        self.render_site(Some(false), edited, timer)
    }

    /// Links, checks, renders and writes. `incremental`: None for a full build
    /// through a staging folder; Some(everything) to write in place, every page
    /// (`true`) or only the pages whose inputs changed.
    fn render_site(
        &mut self,
        incremental: Option<bool>,
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
            incremental,
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

    #[allow(clippy::too_many_arguments)]
    fn render_with(
        &mut self,
        engine: &mut Engine,
        site: &Site,
        planned: &[Planned],
        item_fps: &[u64],
        incremental: Option<bool>,
        mut diagnostics: Diagnostics,
        mut timer: Timer,
    ) -> Report {
        let mut report = Report::default();
        let globals = engine.set_site(site);
        let engine = &*engine;

        let fingerprints = Fingerprints::of(site, item_fps);

        // Which pages to render: all of them, or those that read something
        // that changed since the output was written.
        let previous = self.written.as_ref().filter(|_| incremental.is_some());
        let render_all = match previous {
            None => true,
            Some(w) => {
                incremental == Some(true) || w.globals != globals || w.strings != *engine.strings()
            }
        };
        let changed_templates: HashSet<&str> = match previous {
            Some(w) if !render_all => {
                let now = engine.sources();
                now.iter()
                    .filter(|(n, s)| w.templates.get(*n) != Some(s))
                    .map(|(n, _)| n.as_str())
                    .chain(
                        w.templates
                            .keys()
                            .filter(|n| !now.contains_key(*n))
                            .map(String::as_str),
                    )
                    .collect()
            }
            _ => HashSet::new(),
        };
        let mut closures: HashMap<&str, bool> = HashMap::new();
        let mut template_touched = |template: &'static str| -> bool {
            if changed_templates.is_empty() {
                return false;
            }
            *closures.entry(template).or_insert_with(|| {
                engine
                    .template_closure(template)
                    .iter()
                    .any(|t| changed_templates.contains(t.as_str()))
            })
        };
        let same_plan =
            previous.is_some_and(|w| w.pages.same_plan(planned.iter().map(|p| p.path.as_str())));
        let changes = previous
            .filter(|_| !render_all)
            .map(|w| fingerprints.diff(&w.fingerprints));
        let todo: Vec<&Planned> = match (previous, &changes) {
            (Some(w), Some(changes)) => {
                // The pages that read what changed, those whose template
                // changed, and new pages.
                let mut touched = w.pages.touched(changes);
                if !changed_templates.is_empty() {
                    touched.extend(w.pages.using_templates(&mut template_touched));
                }
                if same_plan {
                    let mut positions: Vec<usize> =
                        touched.iter().filter_map(|p| w.pages.position(p)).collect();
                    positions.sort_unstable();
                    positions.into_iter().map(|n| &planned[n]).collect()
                } else {
                    planned
                        .iter()
                        .filter(|p| touched.contains(p.path.as_str()) || !w.pages.contains(&p.path))
                        .collect()
                }
            }
            _ => planned.iter().collect(),
        };
        timer.lap("plan");

        // Write only when everything so far is good; otherwise render in
        // memory to find template errors too, and leave the output alone.
        let target = if self.options.write && !diagnostics.has_errors() {
            match incremental {
                Some(_) if self.written.is_some() => {
                    Some(Target::InPlace(self.options.output_dir()))
                }
                _ => match Output::prepare(&self.options.output_dir(), &self.options.root) {
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
                },
            }
        } else {
            None
        };
        let results: Vec<RenderOutcome> = todo
            .par_iter()
            .map_init(Vec::new, |buffer, p| {
                let page = match p.job {
                    Job::Item(i) => Some(i),
                    _ => None,
                };
                let rendered = engine
                    .render_to(site, p.job, buffer)
                    .map_err(|d| (d, page))?;
                if let Some(target) = &target {
                    target
                        .write(&p.path, buffer)
                        .map_err(|e| (write_error(&p.path, &e), None))?;
                }
                Ok((p.path.clone(), rendered))
            })
            .collect();
        let mut records = Vec::with_capacity(results.len());
        let mut failures = Vec::new();
        for result in results {
            match result {
                Ok(done) => records.push(done),
                Err(failure) => failures.push(failure),
            }
        }
        report.pages = records.len();
        merge_render_errors(failures, site, &mut diagnostics);
        timer.lap("render");

        let base_path = site.config.base_path.clone();
        if let Some(target) = target {
            let search = if diagnostics.has_errors() {
                None
            } else if !site.config.search {
                // Turned off: an index left in place from before goes.
                let previous_index = self.written.as_mut().and_then(|w| w.search.take());
                if let (Some(index), Target::InPlace(_)) = (previous_index, &target) {
                    for (path, _) in index.files() {
                        if let Err(e) = target.remove(&path) {
                            diagnostics.push(write_error(&path, &e));
                        }
                    }
                }
                None
            } else {
                let previous_index = self.written.as_mut().and_then(|w| w.search.take());
                let index = self.write_search(
                    &target,
                    site,
                    engine,
                    previous_index,
                    changes.as_ref().filter(|_| same_plan),
                    &mut diagnostics,
                );
                timer.lap("search");
                Some(index)
            };
            let files = if diagnostics.has_errors() {
                None
            } else {
                self.write_files(
                    &target,
                    site,
                    engine,
                    planned,
                    item_fps,
                    changes.as_ref().filter(|_| same_plan),
                    &mut report,
                    &mut diagnostics,
                )
            };
            timer.lap("files");
            match (target, files) {
                (Target::Staging(output), Some(files)) => match output.commit() {
                    Ok(path) => {
                        report.written_to = Some(path);
                        self.written = Some(Written {
                            pages: PageIndex::default(),
                            fingerprints: Fingerprints::default(),
                            templates: engine.sources().clone(),
                            strings: engine.strings().clone(),
                            globals,
                            files,
                            search,
                        });
                    }
                    Err(e) => diagnostics.push(write_error(
                        &self.options.output_dir().display().to_string(),
                        &e,
                    )),
                },
                (Target::Staging(output), None) => output.abandon(),
                (Target::InPlace(dir), Some(files)) => {
                    report.written_to = Some(dir);
                    if let Some(w) = self.written.as_mut() {
                        w.files = files;
                        w.search = search;
                        w.templates = engine.sources().clone();
                        w.strings = engine.strings().clone();
                        w.globals = globals;
                    }
                }
                (Target::InPlace(_), None) => {}
            }
            if report.written_to.is_some() {
                let written = self.written.as_mut().expect("set above");
                let removed: Vec<String> = if same_plan {
                    Vec::new()
                } else {
                    let planned_paths: HashSet<&str> =
                        planned.iter().map(|p| p.path.as_str()).collect();
                    written
                        .pages
                        .paths()
                        .filter(|p| !planned_paths.contains(p.as_str()))
                        .cloned()
                        .collect()
                };
                let dir = self.options.output_dir();
                for path in &removed {
                    written.pages.remove(path);
                    if let Err(e) = Target::InPlace(dir.clone()).remove(path) {
                        diagnostics.push(write_error(path, &e));
                    }
                    report.changed.push(url_of(&base_path, path));
                }
                for (path, rendered) in records {
                    report.changed.push(url_of(&base_path, &path));
                    written.pages.set(
                        path,
                        PageRecord {
                            deps: rendered.deps,
                            template: rendered.template,
                        },
                    );
                }
                if !same_plan {
                    written
                        .pages
                        .set_plan(planned.iter().map(|p| p.path.clone()).collect());
                }
                written.fingerprints = fingerprints;
                report.everything = render_all || report.everything;
            }
            timer.lap("write");
        }
        report.changed.sort();
        diagnostics.sort();
        report.diagnostics = diagnostics;
        report.timings = timer.timings;
        report
    }

    /// The search index: built afresh, or brought up to date by the pages an
    /// edit touched (`changes`, when no page came or went); only the files
    /// that changed are written.
    fn write_search(
        &self,
        target: &Target,
        site: &Site,
        engine: &Engine,
        previous: Option<SearchIndex>,
        changes: Option<&fingerprint::Changes>,
        diagnostics: &mut Diagnostics,
    ) -> SearchIndex {
        let searchable: Vec<usize> = (0..site.items.len())
            .filter(|&i| write::searchable(site, i))
            .collect();
        let (index, changed) = match (previous, changes) {
            (Some(mut index), Some(changes)) if index.docs().len() == searchable.len() => {
                // A page's entry reads the page and the title of its station.
                let touched = |i: usize| {
                    let uid = site.uids[i];
                    changes.item(uid)
                        || changes.links(uid)
                        || site.links[i]
                            .station
                            .is_some_and(|s| changes.item(site.uids[s]))
                };
                let edits = searchable
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| touched(**i))
                    .map(|(d, &i)| (d, write::search_doc(site, i)))
                    .collect();
                let changed = index.update_docs(edits);
                (index, changed)
            }
            (previous, _) => {
                let docs: Vec<_> = searchable
                    .par_iter()
                    .map(|&i| write::search_doc(site, i))
                    .collect();
                match (previous, target) {
                    (Some(mut index), Target::InPlace(_)) => {
                        let changed = index.update(docs);
                        (index, changed)
                    }
                    _ => {
                        let kinds = write::SEARCH_KINDS
                            .iter()
                            .map(|k| {
                                engine
                                    .strings()
                                    .get(&format!("kind_{}", k.name()))
                                    .cloned()
                                    .unwrap_or_default()
                            })
                            .collect();
                        let index = SearchIndex::new(
                            kinds,
                            site.config.vocabularies.service_category.clone(),
                            docs,
                        );
                        let write = index.files();
                        (
                            index,
                            write::search::Changed {
                                write,
                                remove: Vec::new(),
                            },
                        )
                    }
                }
            }
        };
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
        index
    }

    /// Assets, static files, the highlight stylesheet, sitemap, robots.txt
    /// and the content files (calendars, open data, feeds): those that changed
    /// since the output was written (all, into a staging folder). A content
    /// file none of whose inputs changed (`changes`) is not even made again.
    /// Returns the fingerprint of each, or None after an error.
    #[allow(clippy::too_many_arguments)]
    fn write_files(
        &self,
        target: &Target,
        site: &Site,
        engine: &Engine,
        planned: &[Planned],
        item_fps: &[u64],
        changes: Option<&fingerprint::Changes>,
        report: &mut Report,
        diagnostics: &mut Diagnostics,
    ) -> Option<BTreeMap<String, u64>> {
        let before = match target {
            Target::InPlace(_) => self.written.as_ref().map(|w| &w.files),
            Target::Staging(_) => None,
        };
        let mut files: BTreeMap<String, u64> = BTreeMap::new();
        let mut generated: Vec<(String, Vec<u8>)> = vec![
            (
                "sitemap.xml".to_string(),
                write::sitemap(site, planned).into_bytes(),
            ),
            (
                "robots.txt".to_string(),
                write::robots(&site.config).into_bytes(),
            ),
        ];
        // Content files none of whose inputs changed are kept as they are.
        let unchanged = |job: write::ContentJob| {
            changes.is_some_and(|c| {
                let same = |i: usize| !c.item(site.uids[i]) && !c.links(site.uids[i]);
                job.unchanged(site, same, |k| !c.kind(k))
            })
        };
        let mut todo = Vec::new();
        for job in write::content_plan(site) {
            let kept: Option<Vec<(String, u64)>> =
                before.filter(|_| unchanged(job)).and_then(|b| {
                    write::content_paths(site, job)
                        .into_iter()
                        .map(|p| b.get(&p).map(|&fp| (p, fp)))
                        .collect()
                });
            match kept {
                Some(kept) => files.extend(kept),
                None => todo.push(job),
            }
        }
        // Data-file entries read assets (covers) and the settings too.
        if changes.is_none_or(|c| c.assets()) {
            self.data_entries
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .clear();
        }
        generated.par_extend(todo.par_iter().flat_map_iter(|&job| {
            write::make_content(site, engine.strings(), job, &self.data_entries, item_fps)
        }));
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
