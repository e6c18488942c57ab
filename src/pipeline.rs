//! The driver: runs the stages in order and decides what reaches the disk.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::config::{self, Config};
use crate::diagnostics::{Diagnostic, Diagnostics, Pos};
use crate::link::{self, Site};
use crate::load::{self, SitePaths};
use crate::markdown::{self, Body};
use crate::model::{self, Kind};
use crate::render::{self, Engine, Job, Planned, theme};
use crate::write::{self, Output};

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

/// The result of a build.
#[derive(Debug)]
pub struct Report {
    pub diagnostics: Diagnostics,
    /// Pages rendered (HTML files, redirects included).
    pub pages: usize,
    /// Files copied (assets and static files).
    pub copied: usize,
    /// Where the output went, if it was written.
    pub written_to: Option<PathBuf>,
    /// Time spent in each stage.
    pub timings: Vec<(&'static str, Duration)>,
}

impl Report {
    pub fn succeeded(&self) -> bool {
        !self.diagnostics.has_errors()
    }
}

struct Timer {
    started: Instant,
    timings: Vec<(&'static str, Duration)>,
}

impl Timer {
    fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.timings.push((stage, now - self.started));
        self.started = now;
    }
}

/// Loads, checks and links the site; returns the engine and the planned pages.
/// Used by `build` and `check` alike.
fn prepare(
    options: &Options,
    diagnostics: &mut Diagnostics,
    timer: &mut Timer,
) -> Option<(Site, Engine, Vec<Planned>)> {
    let paths = SitePaths::new(&options.root);
    if !options.root.is_dir() {
        diagnostics.push(
            Diagnostic::error(paths.display(""), Pos::START, "the site folder does not exist")
                .with_hint("give the folder that holds site.yaml and content/ with --root, or make one with `zhan init DIR`"),
        );
        return None;
    }
    let (mut config, _) = Config::load(&paths, diagnostics);
    if let Some(url) = &options.base_url {
        match config::normalise_base_url(url) {
            Some((base_url, base_path)) => {
                config.base_url = base_url;
                config.base_path = base_path;
            }
            None => diagnostics.push(
                Diagnostic::error(
                    "--base-url",
                    Pos::START,
                    format!("`{url}` is not a site address"),
                )
                .with_hint(
                    "write the full address, like https://example.org/ or http://127.0.0.1:1111/",
                ),
            ),
        }
    }
    let theme = theme::load(&paths, &config, diagnostics);
    let loaded = load::load(&paths, diagnostics);
    timer.lap("load");

    let (items, drafts) =
        model::build_items(loaded.documents, &config, options.drafts, diagnostics);
    timer.lap("model");

    let pages: HashMap<String, String> = items
        .iter()
        .filter(|i| i.kind != Kind::Section)
        .map(|i| (i.doc.path.clone(), i.site_path.clone()))
        .collect();
    let context = markdown::Context {
        pages: &pages,
        base_path: &config.base_path,
    };
    let bodies: Vec<Body> = items
        .par_iter()
        .map(|item| {
            let source = markdown::Source {
                path: &item.doc.path,
                display: &item.doc.display,
                body: item.doc.body(),
                first_line: item.doc.body_line,
            };
            markdown::render(&source, &context)
        })
        .collect();
    timer.lap("markdown");

    let draft_keys: HashSet<(Kind, String)> =
        drafts.iter().map(|d| (d.kind, d.key.clone())).collect();
    let draft_paths: HashSet<String> = drafts.iter().map(|d| d.path.clone()).collect();
    let site = link::link(
        config.clone(),
        items,
        bodies,
        loaded.assets,
        &draft_keys,
        &draft_paths,
        diagnostics,
    );
    timer.lap("link");

    let mut engine = Engine::new(theme?, &site.config, diagnostics)?;
    engine.set_site(&site);
    let planned = render::plan(&site, diagnostics);
    Some((site, engine, planned))
}

/// Builds (or, with `write: false`, checks) a site.
pub fn run(options: &Options) -> Report {
    let mut diagnostics = Diagnostics::new();
    let mut timer = Timer {
        started: Instant::now(),
        timings: Vec::new(),
    };
    let mut report = Report {
        diagnostics: Diagnostics::new(),
        pages: 0,
        copied: 0,
        written_to: None,
        timings: Vec::new(),
    };
    let Some((site, engine, planned)) = prepare(options, &mut diagnostics, &mut timer) else {
        diagnostics.sort();
        report.diagnostics = diagnostics;
        return report;
    };

    // Write only when the content is good; otherwise render in memory to find
    // template errors too, and leave the last good output alone.
    let output = if options.write && !diagnostics.has_errors() {
        match Output::prepare(&options.output_dir(), &options.root) {
            Ok(output) => Some(output),
            Err(refused) => {
                diagnostics.push(
                    Diagnostic::error(
                        options.output_dir().display().to_string(),
                        Pos::START,
                        refused.message,
                    )
                    .with_hint(refused.hint),
                );
                None
            }
        }
    } else {
        None
    };

    // One output buffer per worker thread, reused page after page.
    let failures: Vec<(Diagnostic, Option<usize>)> = planned
        .par_iter()
        .map_init(Vec::new, |buffer, p| {
            let page = match p.job {
                Job::Item(i) => Some(i),
                _ => None,
            };
            match engine.render_to(&site, p.job, buffer) {
                Ok(()) => match &output {
                    Some(out) => out
                        .write(&p.path, buffer)
                        .err()
                        .map(|e| (write_error(&p.path, &e), None)),
                    None => None,
                },
                Err(d) => Some((d, page)),
            }
        })
        .flatten()
        .collect();
    report.pages = planned.len() - failures.len();
    merge_render_errors(failures, &site, &mut diagnostics);
    timer.lap("render");

    if let Some(out) = output {
        if diagnostics.has_errors() {
            out.abandon();
        } else {
            match write_site_files(&out, &site, &engine, &planned) {
                Ok(copied) => {
                    report.copied = copied;
                    match out.commit() {
                        Ok(path) => report.written_to = Some(path),
                        Err(e) => diagnostics
                            .push(write_error(&options.output_dir().display().to_string(), &e)),
                    }
                }
                Err(d) => {
                    diagnostics.push(d);
                    out.abandon();
                }
            }
        }
        timer.lap("write");
    }
    diagnostics.sort();
    report.diagnostics = diagnostics;
    report.timings = timer.timings;
    report
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

/// Assets, static files, the highlight stylesheet, sitemap and robots.txt.
fn write_site_files(
    out: &Output,
    site: &Site,
    engine: &Engine,
    planned: &[Planned],
) -> Result<usize, Diagnostic> {
    let fail = |path: &str, e: std::io::Error| write_error(path, &e);
    let copied: Result<Vec<()>, Diagnostic> = site
        .assets
        .par_iter()
        .map(|a| out.copy(&a.path, &a.source).map_err(|e| fail(&a.path, e)))
        .collect();
    let mut count = copied?.len();
    if !engine.static_files.contains_key("css/highlight.css") {
        out.write(
            "css/highlight.css",
            markdown::highlight::stylesheet().as_bytes(),
        )
        .map_err(|e| fail("css/highlight.css", e))?;
    }
    for (rel, bytes) in &engine.static_files {
        let data = theme::read_bytes(bytes).map_err(|e| fail(rel, e))?;
        out.write(rel, &data).map_err(|e| fail(rel, e))?;
        count += 1;
    }
    out.write("sitemap.xml", write::sitemap(site, planned).as_bytes())
        .map_err(|e| fail("sitemap.xml", e))?;
    out.write("robots.txt", write::robots(&site.config).as_bytes())
        .map_err(|e| fail("robots.txt", e))?;
    Ok(count)
}

/// Whether a folder is (probably) a site, for the CLI's messages.
pub fn looks_like_site(root: &Path) -> bool {
    config::looks_like_site(root)
}
