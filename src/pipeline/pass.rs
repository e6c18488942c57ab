//! One pass over a linked site: choose the outputs to make, render the
//! pages, make the other outputs, then commit them to the output folder, or
//! leave the output as it was when the pass found errors.
//!
//! [`Workspace::render_with`] runs the steps in order; each step below does
//! one thing and says what it needs.

use super::fingerprint::Changes;
use super::outputs::Made;
use super::*;
use crate::render::CardCache;

/// How many bytes of changed pages an update in place keeps in memory until
/// it knows every page rendered; changed pages beyond it are rendered again
/// to be written (a template edit on a large site).
const KEPT_PAGES_BUDGET: usize = 256 << 20;

/// What a pass makes again, decided once, from what changed since the
/// output was written.
struct Selection<'w> {
    /// Writing into the existing output, not a staging folder.
    in_place: bool,
    /// What the output holds, when writing in place.
    previous: Option<&'w Written>,
    /// What changed since then (an update in place).
    changes: Option<Changes>,
    /// The outputs that read something that changed.
    selected: Option<HashSet<OutputKey>>,
}

impl<'w> Selection<'w> {
    /// `in_place`: writing into the existing output (see `render_with`).
    fn new(
        pass: Pass,
        in_place: bool,
        written: Option<&'w Written>,
        fingerprints: &Fingerprints,
    ) -> Self {
        let previous = written.filter(|_| in_place);
        let changes = match (pass, previous) {
            (Pass::Changed, Some(w)) => Some(fingerprints.diff(&w.fingerprints)),
            _ => None,
        };
        let selected = changes.as_ref().zip(previous).map(|(c, w)| {
            deps::select(&w.index, &c.deps())
                .into_iter()
                .cloned()
                .collect()
        });
        Selection {
            in_place,
            previous,
            changes,
            selected,
        }
    }

    /// Whether to make `key`: with changes, when it read something that
    /// changed or was never made; otherwise always.
    fn wanted(&self, key: &OutputKey) -> bool {
        match (&self.selected, self.previous) {
            (Some(selected), Some(w)) => selected.contains(key) || !w.index.contains(key),
            _ => true,
        }
    }

    /// The hash of the file at `path` as `key` last wrote it.
    fn old_hash(&self, key: &OutputKey, path: &str) -> Option<u64> {
        self.previous
            .and_then(|w| w.index.get(key))
            .and_then(|r| r.files.iter().find(|(p, _)| p == path))
            .map(|(_, h)| *h)
    }

    /// Whether `key`'s file at `path`, now of hash `new`, must be written:
    /// in place when it is new or its bytes changed; into a staging folder
    /// (which starts empty) always.
    fn must_write(&self, key: &OutputKey, path: &str, new: u64) -> bool {
        !self.in_place || self.old_hash(key, path) != Some(new)
    }

    /// Whether none of `deps` changed (an update may then keep what an
    /// output made from them).
    fn unchanged(&self, deps: &[Dep]) -> bool {
        self.changes.as_ref().is_some_and(|c| c.none_of(deps))
    }

    /// The pages to render, in plan order, with their keys.
    fn pages<'p>(&self, planned: &'p [Planned]) -> Vec<(&'p Planned, OutputKey)> {
        let keyed = |p: &'p Planned| (p, OutputKey::Page(p.path.clone()));
        let (Some(selected), Some(previous)) = (&self.selected, self.previous) else {
            return planned.iter().map(keyed).collect();
        };
        // Pages by path, without making a key for each of the site's pages.
        let selected_pages: HashSet<&str> = selected
            .iter()
            .filter_map(|k| match k {
                OutputKey::Page(path) => Some(path.as_str()),
                _ => None,
            })
            .collect();
        // With the same plan as before no page is new: the selected pages'
        // places in the plan are known, and the plan need not be scanned.
        let same_plan = self
            .changes
            .as_ref()
            .is_some_and(|c| !c.contains(Dep::Plan))
            && previous.plan_positions.len() == planned.len();
        if same_plan {
            let mut at: Vec<usize> = selected_pages
                .iter()
                .filter_map(|path| previous.plan_positions.get(*path).copied())
                .filter(|&n| n < planned.len())
                .collect();
            at.sort_unstable();
            return at.into_iter().map(|n| keyed(&planned[n])).collect();
        }
        planned
            .iter()
            .filter(|p| {
                selected_pages.contains(p.path.as_str()) || !previous.index.has_page(&p.path)
            })
            .map(keyed)
            .collect()
    }
}

/// The pages a pass rendered.
#[derive(Default)]
struct RenderedPages {
    made: Vec<Made>,
    /// Changed pages not yet written (in place): their path, job, and bytes
    /// when they were kept.
    unwritten: Vec<(String, Job, Option<Vec<u8>>)>,
    /// Template errors, with the item whose page hit them.
    failures: Vec<(Diagnostic, Option<usize>)>,
}

/// A page rendered (with its bytes when they are kept to write later), or
/// why it failed (and for which item).
type RenderOutcome = Result<(Made, Job, Option<Vec<u8>>), (Diagnostic, Option<usize>)>;

/// What every step of a pass reads of the site.
#[derive(Clone, Copy)]
struct Stage<'a> {
    site: &'a Site,
    engine: &'a Engine,
}

/// Renders the pages `todo` lists. Into a staging folder each page is
/// written as it is rendered (a failed build throws the folder away). In
/// place, nothing is written before every page rendered without error:
/// changed pages are kept in memory up to a budget, and the rest rendered
/// again to write ([`write_kept_pages`]).
fn render_pages(
    stage: Stage,
    todo: &[(&Planned, OutputKey)],
    selection: &Selection,
    target: Option<&Target>,
    cards: &CardCache,
) -> RenderedPages {
    let kept = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<RenderOutcome> =
        in_step::map_in_step(todo, Vec::new, |buffer, _, (p, key)| {
            let page = match p.job {
                Job::Item(i) => Some(i),
                _ => None,
            };
            let rendered = stage
                .engine
                .render_to(stage.site, p.job, cards, buffer, Some(&p.path))
                .map_err(|d| (d, page))?;
            let hash = hash_bytes(buffer);
            let changed = selection.must_write(key, &p.path, hash);
            let mut bytes = None;
            match target {
                Some(Target::InPlace(_)) if changed => {
                    let total = kept.fetch_add(buffer.len(), Ordering::Relaxed);
                    if total + buffer.len() <= KEPT_PAGES_BUDGET {
                        bytes = Some(buffer.clone());
                    }
                }
                Some(staging @ Target::Staging(_)) if changed => {
                    staging
                        .write_hashed(&p.path, buffer, hash)
                        .map_err(|e| (write_error(&p.path, &e), None))?;
                }
                _ => {}
            }
            let made = Made {
                key: key.clone(),
                record: Record {
                    deps: rendered.deps,
                    files: vec![(p.path.clone(), hash)],
                },
                changed: if changed {
                    vec![p.path.clone()]
                } else {
                    Vec::new()
                },
            };
            Ok((made, p.job, bytes))
        });
    let mut pages = RenderedPages {
        made: Vec::with_capacity(results.len() + 64),
        ..RenderedPages::default()
    };
    for result in results {
        match result {
            Ok((done, job, bytes)) => {
                if selection.in_place && !done.changed.is_empty() {
                    pages
                        .unwritten
                        .push((done.record.files[0].0.clone(), job, bytes));
                }
                pages.made.push(done);
            }
            Err(failure) => pages.failures.push(failure),
        }
    }
    pages
}

/// Writes in place the changed pages of a pass in which every page
/// rendered: the kept bytes, or the page rendered again.
fn write_kept_pages(
    stage: Stage,
    cards: &CardCache,
    target: &Target,
    unwritten: Vec<(String, Job, Option<Vec<u8>>)>,
) -> Vec<Diagnostic> {
    unwritten
        .into_par_iter()
        .map_init(Vec::new, |buffer, (path, job, bytes)| {
            let bytes = match bytes {
                Some(bytes) => bytes,
                None => {
                    stage
                        .engine
                        .render_to(stage.site, job, cards, buffer, Some(&path))?;
                    std::mem::take(buffer)
                }
            };
            target
                .write(&path, &bytes)
                .map_err(|e| write_error(&path, &e))
        })
        .filter_map(Result::err)
        .collect()
}

/// Tells the preview the addresses of the pages written in place, and
/// returns them: the files still to come are not what the page in front of
/// the author reads.
fn announce(on_pages: Option<&mut PagesWritten>, made: &[Made], base_path: &str) -> Vec<String> {
    let Some(callback) = on_pages else {
        return Vec::new();
    };
    let mut urls: Vec<String> = made
        .iter()
        .flat_map(|m| m.changed.iter().map(|p| url_of(base_path, p)))
        .collect();
    urls.sort();
    if !urls.is_empty() {
        callback(&urls);
    }
    urls
}

/// The outputs of the site other than its pages.
fn current_outputs(site: &Site, search_uids: Option<&[u32]>) -> Vec<OutputKey> {
    let mut current: Vec<OutputKey> = vec![OutputKey::Sitemap, OutputKey::Robots];
    if let Some(uids) = search_uids {
        current.push(OutputKey::SearchIndex);
        current.extend(uids.iter().map(|&u| OutputKey::Search(u)));
    }
    current.extend(
        write::content_plan(site)
            .into_iter()
            .map(|job| OutputKey::Content(job.key(site))),
    );
    current
}

/// What the output holds that this pass no longer makes.
#[derive(Default)]
struct Leftovers {
    /// Outputs that are no longer part of the site, with their files.
    gone: Vec<(OutputKey, Vec<String>)>,
    /// Files to remove: those of gone outputs, and those an output made
    /// again no longer writes.
    stale: Vec<String>,
}

fn leftovers(
    previous: Option<&Written>,
    planned: &[Planned],
    current: &[OutputKey],
    made: &[Made],
) -> Leftovers {
    let Some(w) = previous else {
        return Leftovers::default();
    };
    // When every output made now was made before and there are as many as
    // before, none went.
    let anything_new = made.iter().any(|m| !w.index.contains(&m.key));
    let gone: Vec<(OutputKey, Vec<String>)> =
        if anything_new || planned.len() + current.len() != w.index.len() {
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
        } else {
            Vec::new()
        };
    let mut stale: Vec<String> = gone.iter().flat_map(|(_, f)| f.iter().cloned()).collect();
    for m in made {
        if let Some(old) = w.index.get(&m.key) {
            stale.extend(
                old.files
                    .iter()
                    .filter(|(p, _)| !m.record.files.iter().any(|(q, _)| q == p))
                    .map(|(p, _)| p.clone()),
            );
        }
    }
    if !stale.is_empty() {
        let written_now: HashSet<&str> = made
            .iter()
            .flat_map(|m| m.record.files.iter().map(|(p, _)| p.as_str()))
            .collect();
        stale.retain(|p| !written_now.contains(p.as_str()));
    }
    Leftovers { gone, stale }
}

/// Hands the pass's diagnostics and timings to its report.
fn finish(mut report: Report, mut diagnostics: Diagnostics, timer: Timer) -> Report {
    report.changed.sort();
    report.changed.dedup();
    diagnostics.sort();
    report.diagnostics = diagnostics;
    report.timings = timer.timings;
    report
}

impl Workspace {
    /// Makes the outputs `pass` selects from the linked `site` and commits
    /// them, or, with errors, leaves the output as it was.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn render_with(
        &mut self,
        engine: &mut Engine,
        site: &Site,
        planned: &[Planned],
        item_fps: &[u64],
        pass: Pass,
        mut diagnostics: Diagnostics,
        mut timer: Timer,
    ) -> Report {
        let mut report = Report {
            // Photos are encoded when they are first read (see `images`).
            images_encoded: self.images.take_encoded(),
            ..Report::default()
        };
        engine.set_site(site);
        let engine = &*engine;
        let stage = Stage { site, engine };
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
        let selection = Selection::new(pass, in_place, self.written.as_ref(), &fingerprints);
        timer.lap("select");
        let todo = selection.pages(planned);
        timer.lap("plan");

        // Write only when everything so far is good; otherwise render in
        // memory to find template errors too, and leave the output alone.
        let target = (self.options.write && !diagnostics.has_errors())
            .then(|| self.open_target(in_place, &mut diagnostics))
            .flatten();
        // Into a staging folder the theme's files go first: while the first
        // build of `zhan serve` runs, its pages are shown from there as they
        // are written (see `serve::http`), styled from the first one.
        let mut files = BTreeMap::new();
        let theme_written = match &target {
            Some(staging @ Target::Staging(_)) => Some(self.write_theme_files(
                staging,
                engine,
                &mut files,
                &mut report,
                &mut diagnostics,
            )),
            _ => None,
        };
        let cards = CardCache::new(site.items.len());
        let pages = render_pages(stage, &todo, &selection, target.as_ref(), &cards);
        let mut made = pages.made;
        report.pages = made.len();
        merge_render_errors(pages.failures, site, &mut diagnostics);
        timer.lap("render");
        if let Some(target @ Target::InPlace(_)) = &target {
            if !diagnostics.has_errors() {
                for d in write_kept_pages(stage, &cards, target, pages.unwritten) {
                    diagnostics.push(d);
                }
            }
        }
        if self.keep_records {
            drop(cards);
        } else {
            self.freed_with_workspace.push(Box::new(cards));
        }

        let Some(target) = target else {
            self.keep_after_failure(Vec::new(), previous_search);
            return finish(report, diagnostics, timer);
        };
        let pages_made = made.len();
        if in_place && !diagnostics.has_errors() {
            report.announced = announce(self.on_pages.as_mut(), &made, &site.config.base_path);
        }

        let mut search = None;
        let mut search_uids = Vec::new();
        let wanted = |key: &OutputKey| selection.wanted(key);
        if !diagnostics.has_errors() {
            let (index, uids) = self.write_search(
                &target,
                site,
                engine,
                previous_search.take(),
                selection.previous.map(|w| w.search_uids.as_slice()),
                &wanted,
                &mut made,
                &mut diagnostics,
            );
            // A one-off build has no next update to bring the index up to
            // date for: it goes with the workspace (see
            // `freed_with_workspace`).
            search = match index {
                Some(index) if !self.keep_records => {
                    self.freed_with_workspace.push(Box::new(index));
                    None
                }
                kept => kept,
            };
            search_uids = uids;
            timer.lap("search");
        }
        let mut copies = None;
        if !diagnostics.has_errors() {
            let unchanged = |deps: &[Dep]| selection.unchanged(deps);
            // Each file is written as soon as it is made, so a big site's
            // calendars and open data are never all in memory at once.
            let write_file = |key: &OutputKey, path: &str, data: &[u8], hash: u64| {
                if !selection.must_write(key, path, hash) {
                    return Ok(false);
                }
                target
                    .write_hashed(path, data, hash)
                    .map(|()| true)
                    .map_err(|e| write_error(path, &e))
            };
            for (done, errors) in
                self.make_files(site, engine, planned, &wanted, &unchanged, &write_file)
            {
                report.copied += done.changed.len();
                errors.into_iter().for_each(|d| diagnostics.push(d));
                made.push(done);
            }
        }
        timer.lap("files");
        if !diagnostics.has_errors() {
            let images_ok =
                self.write_images(&target, site, &mut files, &mut report, &mut diagnostics);
            timer.lap("images");
            let theme_ok = theme_written.unwrap_or_else(|| {
                self.write_theme_files(&target, engine, &mut files, &mut report, &mut diagnostics)
            });
            let assets_ok =
                self.copy_assets(&target, site, &mut files, &mut report, &mut diagnostics);
            let copied_ok = theme_ok && assets_ok;
            self.remove_gone_copies(&target, &files, &mut diagnostics);
            timer.lap("copy");
            copies = (images_ok && copied_ok).then_some(files);
        }

        let current = current_outputs(site, search.is_some().then_some(search_uids.as_slice()));
        let leftovers = leftovers(selection.previous, planned, &current, &made);
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
            return finish(report, diagnostics, timer);
        }
        let committed = self.commit(target, &leftovers.stale, &mut diagnostics);
        if committed.is_some() && pass == Pass::Clean {
            // A whole build saw every photo: the cache forgets the others.
            let current: HashSet<&str> = site
                .assets
                .iter()
                .filter(|a| a.image.is_some())
                .map(|a| a.path.as_str())
                .collect();
            self.images.prune(&current);
        }
        if let Some(path) = committed {
            let base_path = &site.config.base_path;
            report.written_to = Some(path);
            for m in made.iter().take(pages_made) {
                report
                    .changed
                    .extend(m.changed.iter().map(|p| url_of(base_path, p)));
            }
            report.changed.extend(
                leftovers
                    .stale
                    .iter()
                    .filter(|p| p.ends_with(".html"))
                    .map(|p| url_of(base_path, p)),
            );
            report.everything |= pass == Pass::Everything;
            self.remember(
                in_place,
                planned,
                made,
                leftovers.gone,
                fingerprints,
                copies,
                search,
                search_uids,
            );
        }
        timer.lap("write");
        finish(report, diagnostics, timer)
    }

    /// Where the pass writes: the output folder itself (in place) or a new
    /// staging folder beside it. None when the output folder is refused.
    fn open_target(&self, in_place: bool, diagnostics: &mut Diagnostics) -> Option<Target> {
        if in_place {
            return Some(Target::InPlace(self.options.output_dir()));
        }
        match Output::prepare(&self.options.output_dir(), &self.options.root) {
            Ok(output) => Some(Target::Staging(output)),
            Err(refused) => {
                diagnostics.push(
                    refused.error_at(self.options.output_dir().display().to_string(), Pos::START),
                );
                None
            }
        }
    }

    /// Removes the stale files and makes the written files the output:
    /// a staging folder replaces the output folder. Returns the output
    /// folder, or None when it could not be replaced.
    fn commit(
        &self,
        target: Target,
        stale: &[String],
        diagnostics: &mut Diagnostics,
    ) -> Option<PathBuf> {
        for path in stale {
            if let Err(e) = target.remove(path) {
                diagnostics.push(write_error(path, &e));
            }
        }
        match target {
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
        }
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
            // Nothing to compare the next build with: what was made goes
            // with the workspace (see `freed_with_workspace`), unfreed.
            self.written = None;
            let records = (made, gone, fingerprints, copies, search);
            self.freed_with_workspace.push(Box::new(records));
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
}
