//! Stage 4, link: resolve every reference between items in both directions and
//! check them, with the Markdown links, anchors and files named by pages.
//! Ends with [`Site`]: the typed items, their rendered bodies and the graph
//! the templates walk.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostics::{Diagnostic, Diagnostics, Pos, did_you_mean};
use crate::load::Asset;
use crate::markdown::{Body, Target};
use crate::messages::{field as field_arg, list};
use crate::model::config::Config;
use crate::model::{Item, Kind, Ref};

pub mod privacy;
pub mod reads;
pub mod referrers;
pub use reads::{Dep, Reads, Taxonomy};

/// The relations of one item, as indices into [`Site::items`].
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Links {
    /// The station a service, organization, project or news item belongs to.
    pub station: Option<usize>,
    /// A station's services (menu order); an organization's services.
    pub services: Vec<usize>,
    /// A station's organizations; a service's providers; a project's organizations.
    pub organizations: Vec<usize>,
    /// A station's or organization's projects.
    pub projects: Vec<usize>,
    /// Reports that cover a station; a report's stations are in `stations`.
    pub reports: Vec<usize>,
    pub stations: Vec<usize>,
    /// News about a station.
    pub news: Vec<usize>,
    pub mentor: Option<usize>,
    pub mentees: Vec<usize>,
    /// A course's lessons in order; a lesson's course and neighbours.
    pub lessons: Vec<usize>,
    pub course: Option<usize>,
    pub prev: Option<usize>,
    pub next: Option<usize>,
    pub prerequisites: Vec<usize>,
    pub required_by: Vec<usize>,
}

/// Items by kind and key (the file's id; for services and lessons,
/// `folder/id`).
type KeyIndex = HashMap<Kind, HashMap<String, usize>>;

/// The whole site, checked and linked. The relations are shared (`Arc`), so
/// that a site relinked after an edit that changed no relation reuses them.
pub struct Site {
    pub config: Config,
    pub items: Vec<Arc<Item>>,
    pub bodies: Vec<Arc<Body>>,
    pub links: Arc<Vec<Links>>,
    /// A number for each item that stays the same across rebuilds of a
    /// session (for incremental rebuilds), parallel to `items`.
    pub uids: Vec<u32>,
    pub assets: Vec<Asset>,
    /// Items of each kind, in display order.
    pub by_kind: Arc<BTreeMap<Kind, Vec<usize>>>,
    /// Services by category, in vocabulary order; by audience; items by tag.
    pub by_category: Arc<Vec<(String, Vec<usize>)>>,
    pub by_audience: Arc<Vec<(String, Vec<usize>)>>,
    pub by_tag: Arc<Vec<(String, Vec<usize>)>>,
    /// Organizations as their directory lists them: each station's, in
    /// station order, then those of no station.
    pub organizations_by_station: Arc<Vec<usize>>,
    key_index: Arc<KeyIndex>,
    /// For each item, the items whose bodies link to it.
    linked_from: Arc<Vec<Vec<usize>>>,
    draft_keys: Arc<HashSet<(Kind, String)>>,
    draft_paths: Arc<HashSet<String>>,
    unreadable: Arc<Unreadable>,
    /// The problems found resolving each item, and those of the whole site
    /// (duplicate ids, cycles).
    item_problems: Vec<Vec<Diagnostic>>,
    site_problems: Arc<Vec<Diagnostic>>,
    /// Whether outputs record what they read ([`Reads`]), for the updates
    /// to come. A one-off build has none: recording costs it time and memory.
    pub record_reads: bool,
}

impl Site {
    pub fn of_kind(&self, kind: Kind) -> &[usize] {
        self.by_kind.get(&kind).map_or(&[], Vec::as_slice)
    }

    /// The item at a content path.
    pub fn index_of_path(&self, path: &str) -> Option<usize> {
        PageIndex {
            by_key: &self.key_index,
            items: &self.items,
        }
        .get(path)
    }

    /// Adds the site's link problems to `diagnostics`.
    pub fn emit_into(&self, diagnostics: &mut Diagnostics) {
        self.emit(diagnostics);
    }

    fn emit(&self, diagnostics: &mut Diagnostics) {
        self.site_problems
            .iter()
            .for_each(|d| diagnostics.push(d.clone()));
        self.item_problems
            .iter()
            .flatten()
            .for_each(|d| diagnostics.push(d.clone()));
        self.unlinked_assets()
            .into_iter()
            .for_each(|d| diagnostics.push(d));
    }

    /// A warning for each file of `content/` that no page links to: it is
    /// published, but no reader finds it (often a photo meant for a page, or
    /// an old version left beside the new one). Files beside a draft are its
    /// own, not yet linked from a published page. Found again on every build
    /// from every page's links: an edit anywhere can link or unlink a file.
    fn unlinked_assets(&self) -> Vec<Diagnostic> {
        let mut linked: HashSet<&str> = HashSet::new();
        for item in &self.items {
            if let Some(path) = item.meta.cover.as_ref().and_then(|c| c.path.as_deref()) {
                linked.insert(path);
            }
            linked.extend(
                item.meta
                    .gallery
                    .iter()
                    .filter_map(|p| p.file.path.as_deref()),
            );
            if let Some(course) = item.course() {
                linked.extend(
                    course
                        .attachments
                        .iter()
                        .filter_map(|a| a.file.path.as_deref()),
                );
            }
        }
        for body in &self.bodies {
            for link in &body.links {
                if let Target::File { path, .. } = &link.target {
                    linked.insert(path);
                }
            }
        }
        let draft_folders: HashSet<&str> = self
            .draft_paths
            .iter()
            .map(|p| p.rsplit_once('/').map_or("", |(folder, _)| folder))
            .collect();
        self.assets
            .iter()
            .filter(|a| !linked.contains(a.path.as_str()))
            .filter(|a| {
                let folder = a.path.rsplit_once('/').map_or("", |(folder, _)| folder);
                !draft_folders.contains(folder)
            })
            .map(|a| {
                Diagnostic::warning(a.display.as_str(), Pos::START, "W-ASSET-UNLINKED")
                    .with_hint("H-ASSET-UNLINKED")
            })
            .collect()
    }
}

/// What in an item the relations of the site depend on: its kind and id,
/// the ids it refers to, and what orders and groups it. An edit that leaves
/// this alone changes no relation, so the site can be relinked cheaply.
pub fn shape(item: &Item) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    let ids =
        |refs: &[Ref], h: &mut std::hash::DefaultHasher| refs.iter().for_each(|r| r.id.hash(h));
    (
        item.kind,
        &item.key,
        item.meta.weight,
        item.meta.date,
        &item.meta.tags,
    )
        .hash(&mut h);
    item.meta.aliases.iter().for_each(|a| a.path.hash(&mut h));
    if let Some(s) = item.service() {
        (&s.station.id, &s.category, &s.audience).hash(&mut h);
        ids(&s.providers, &mut h);
    }
    if let Some(o) = item.organization() {
        (
            o.station.as_ref().map(|r| &r.id),
            o.mentor.as_ref().map(|r| &r.id),
        )
            .hash(&mut h);
    }
    if let Some(c) = item.course() {
        c.level.hash(&mut h);
        ids(&c.prerequisites, &mut h);
    }
    if let Some(l) = item.lesson() {
        l.course.hash(&mut h);
    }
    if let Some(p) = item.project() {
        (p.station.as_ref().map(|r| &r.id), p.start).hash(&mut h);
        ids(&p.organizations, &mut h);
    }
    if let Some(r) = item.report() {
        ids(&r.stations, &mut h);
        r.metrics.iter().for_each(|m| m.station.id.hash(&mut h));
    }
    if let Some(n) = item.news() {
        n.station.as_ref().map(|r| &r.id).hash(&mut h);
    }
    h.finish()
}

/// Finds the item of a content path through the id index (a path decides
/// the kind and key), instead of a map of every path.
struct PageIndex<'a> {
    by_key: &'a KeyIndex,
    items: &'a [Arc<Item>],
}

impl PageIndex<'_> {
    fn get(&self, path: &str) -> Option<usize> {
        let placement = crate::model::classify(path).ok()?;
        match self
            .by_key
            .get(&placement.kind)
            .and_then(|m| m.get(&placement.key))
        {
            Some(&i) if self.items[i].doc.path == path => Some(i),
            // Two files with one id: the later one is not in the index.
            _ => self.items.iter().position(|item| item.doc.path == path),
        }
    }

    fn paths(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|item| item.doc.path.as_str())
    }
}

struct Index<'a> {
    items: &'a [Arc<Item>],
    by_key: &'a KeyIndex,
    drafts: &'a HashSet<(Kind, String)>,
    unreadable: &'a Unreadable,
}

impl Index<'_> {
    /// Resolves `r` to an item of `kind`, or reports why it cannot.
    fn resolve(
        &self,
        r: &Ref,
        kind: Kind,
        field: &str,
        file: &str,
        out: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        if let Some(i) = self.by_key.get(&kind).and_then(|m| m.get(r.id.as_str())) {
            return Some(*i);
        }
        let error = |code: &'static str| {
            Diagnostic::error(file, r.pos, code)
                .with_len(r.len as usize)
                .arg("id", r.id.as_str())
                .arg("field", field_arg(field))
                .arg("kind", kind.noun())
        };
        if self.drafts.contains(&(kind, r.id.clone())) {
            out.push(error("E-REF-DRAFT").with_hint("H-REF-DRAFT"));
            return None;
        }
        if self.unreadable.keys.contains(&(kind, r.id.clone())) {
            // The item's own file is in error; saying it is unknown too
            // would send the author looking for the wrong mistake.
            return None;
        }
        let mut sorted: Vec<&str> = self
            .by_key
            .get(&kind)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default();
        sorted.sort_unstable();
        let other = self
            .by_key
            .iter()
            .filter(|(k, m)| **k != kind && **k != Kind::Section && m.contains_key(r.id.as_str()))
            .map(|(k, _)| *k)
            .min();
        let d = error("E-REF-UNKNOWN")
            .arg("folder", kind.folder())
            .arg("known", list(sorted.iter().copied()));
        let d = match (other, did_you_mean(&r.id, sorted.iter().copied())) {
            (_, Some(close)) => d.arg("close", close).with_hint("H-REF-CLOSE"),
            (Some(other), None) => d
                .arg("other_kind", other.a_noun())
                .arg("a_kind", kind.a_noun())
                .arg(
                    "other_file",
                    self.items
                        .iter()
                        .find(|i| i.kind == other && i.id == r.id)
                        .map_or("", |i| i.doc.display.as_str()),
                )
                .with_hint("H-REF-WRONG-KIND"),
            (None, None) if sorted.is_empty() => d.with_hint("H-REF-NONE-YET"),
            (None, None) => d.with_hint("H-REF-KNOWN"),
        };
        out.push(d);
        None
    }
}

/// What the link stage works on: the typed items with their bodies, and what
/// was left out (drafts) so references to them get a precise message.
pub struct Parts {
    pub config: Config,
    pub items: Vec<Arc<Item>>,
    pub bodies: Vec<Arc<Body>>,
    /// Session-stable numbers of the items (see [`Site::uids`]).
    pub uids: Vec<u32>,
    pub assets: Vec<Asset>,
    pub draft_keys: HashSet<(Kind, String)>,
    pub draft_paths: HashSet<String>,
    pub unreadable: Unreadable,
}

/// Content files that exist but could not be read (their front matter is
/// in error): references and links to them are not reported again as
/// missing, since the one mistake is in the file itself.
#[derive(Debug, Default, Clone)]
pub struct Unreadable {
    /// Their content paths (`services/huidong/x.md`).
    pub paths: HashSet<String>,
    /// Their kinds and keys, as their paths place them.
    pub keys: HashSet<(Kind, String)>,
}

/// What resolving one item needs to read.
struct Resolver<'a> {
    index: Index<'a>,
    pages: PageIndex<'a>,
    bodies: &'a [Arc<Body>],
    assets: HashMap<&'a str, u64>,
    draft_paths: &'a HashSet<String>,
}

impl Resolver<'_> {
    /// The forward relations of item `i` and the problems with it.
    fn resolve(&self, i: usize) -> (Links, Vec<Diagnostic>) {
        let (index, bodies, items) = (&self.index, self.bodies, self.index.items);
        let asset_set = &self.assets;
        let item = &items[i];
        let mut l = Links::default();
        let mut found = Vec::new();
        let file = item.doc.display.as_str();
        let o = &mut found;
        if let Some(cover) = &item.meta.cover {
            check_file(
                cover.path.as_deref(),
                &cover.written,
                cover.pos,
                cover.len,
                "E-COVER-MISSING",
                file,
                asset_set,
                o,
            );
        }
        for photo in &item.meta.gallery {
            check_file(
                photo.file.path.as_deref(),
                &photo.file.written,
                photo.file.pos,
                photo.file.len,
                "E-IMAGE-MISSING",
                file,
                asset_set,
                o,
            );
            if let Some(path) = photo.file.path.as_deref() {
                if asset_set.contains_key(path) && !crate::images::is_image(path) {
                    o.push(
                        Diagnostic::error(file, photo.file.pos, "E-GALLERY-NOT-PHOTO")
                            .with_len(photo.file.len as usize)
                            .arg("written", photo.file.written.as_str())
                            .with_hint("H-GALLERY-NOT-PHOTO"),
                    );
                }
            }
        }
        if let Some(s) = item.service() {
            l.station = index.resolve(&s.station, Kind::Station, "station", file, o);
            l.organizations = s
                .providers
                .iter()
                .filter_map(|r| index.resolve(r, Kind::Organization, "providers", file, o))
                .collect();
        }
        if let Some(org) = item.organization() {
            l.station = org
                .station
                .as_ref()
                .and_then(|r| index.resolve(r, Kind::Station, "station", file, o));
            if let Some(m) = &org.mentor {
                if m.id == item.id {
                    o.push(
                        Diagnostic::error(file, m.pos, "E-MENTOR-SELF")
                            .with_len(m.len as usize)
                            .with_hint("H-MENTOR-SELF"),
                    );
                } else {
                    l.mentor = index.resolve(m, Kind::Organization, "mentor", file, o);
                }
            }
        }
        if let Some(course) = item.course() {
            let mut prerequisites = Vec::new();
            for r in &course.prerequisites {
                if r.id == item.id {
                    o.push(
                        Diagnostic::error(file, r.pos, "E-PREREQUISITE-SELF")
                            .with_len(r.len as usize)
                            .with_hint("H-PREREQUISITE-SELF"),
                    );
                } else if let Some(p) = index.resolve(r, Kind::Course, "prerequisites", file, o) {
                    prerequisites.push(p);
                }
            }
            l.prerequisites = prerequisites;
            for a in &course.attachments {
                check_file(
                    a.file.path.as_deref(),
                    &a.file.written,
                    a.file.pos,
                    a.file.len,
                    "E-ATTACHMENT-MISSING",
                    file,
                    asset_set,
                    o,
                );
            }
        }
        if let Some(lesson) = item.lesson() {
            match index
                .by_key
                .get(&Kind::Course)
                .and_then(|m| m.get(lesson.course.as_str()))
            {
                Some(c) => l.course = Some(*c),
                None => o.push(
                    Diagnostic::error(file, Pos::START, "E-LESSON-NO-COURSE")
                        .arg("course", lesson.course.as_str())
                        .with_hint("H-LESSON-NO-COURSE"),
                ),
            }
        }
        if let Some(p) = item.project() {
            l.station = p
                .station
                .as_ref()
                .and_then(|r| index.resolve(r, Kind::Station, "station", file, o));
            l.organizations = p
                .organizations
                .iter()
                .filter_map(|r| index.resolve(r, Kind::Organization, "organizations", file, o))
                .collect();
        }
        if let Some(r) = item.report() {
            l.stations = r
                .stations
                .iter()
                .filter_map(|s| index.resolve(s, Kind::Station, "stations", file, o))
                .collect();
            for m in &r.metrics {
                if let Some(s) =
                    index.resolve(&m.station, Kind::Station, "metrics.station", file, o)
                {
                    if !r.stations.is_empty() && !l.stations.contains(&s) {
                        o.push(
                            Diagnostic::warning(file, m.station.pos, "W-METRIC-STATION")
                                .with_len(m.station.len as usize)
                                .arg("id", m.station.id.as_str())
                                .with_hint("H-METRIC-STATION"),
                        );
                    }
                    if r.stations.is_empty() && !l.stations.contains(&s) {
                        l.stations.push(s);
                    }
                }
            }
        }
        if let Some(n) = item.news() {
            l.station = n
                .station
                .as_ref()
                .and_then(|r| index.resolve(r, Kind::Station, "station", file, o));
        }
        check_body_links(
            item,
            &bodies[i],
            items,
            bodies,
            &self.pages,
            asset_set,
            self.draft_paths,
            &self.index.unreadable.paths,
            o,
        );
        found.extend(bodies[i].diagnostics.iter().cloned());
        (l, found)
    }
}

/// Links and checks the site.
pub fn link(parts: Parts, diagnostics: &mut Diagnostics) -> Site {
    let Parts {
        config,
        items,
        bodies,
        uids,
        assets,
        draft_keys,
        draft_paths,
        unreadable,
    } = parts;
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut by_key: KeyIndex = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let of_kind = by_key.entry(item.kind).or_default();
        if let Some(&first) = of_kind.get(item.key.as_str()) {
            // Keep the first (in path order) and report the later one.
            out.push(
                Diagnostic::error(&item.doc.display, Pos::START, "E-ID-TWICE")
                    .arg("kind", item.kind.noun())
                    .arg("id", item.id.as_str())
                    .arg("other_file", items[first].doc.display.as_str())
                    .with_hint("H-ID-TWICE"),
            );
        } else {
            of_kind.insert(item.key.clone(), i);
        }
    }
    let resolver = Resolver {
        index: Index {
            items: &items,
            by_key: &by_key,
            drafts: &draft_keys,
            unreadable: &unreadable,
        },
        pages: PageIndex {
            by_key: &by_key,
            items: &items,
        },
        bodies: &bodies,
        assets: assets.iter().map(|a| (a.path.as_str(), a.size)).collect(),
        draft_paths: &draft_paths,
    };
    // Each item's references resolved, in parallel: they only read the index.
    let resolved: Vec<(Links, Vec<Diagnostic>)> = (0..items.len())
        .into_par_iter()
        .map(|i| resolver.resolve(i))
        .collect();
    let mut linked_from: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    for (i, body) in bodies.iter().enumerate() {
        for link in &body.links {
            if let Target::Page { path, .. } = &link.target {
                if let Some(target) = resolver.pages.get(path) {
                    if linked_from[target].last() != Some(&i) {
                        linked_from[target].push(i);
                    }
                }
            }
        }
    }
    drop(resolver);
    let mut links = Vec::with_capacity(items.len());
    let mut item_problems = Vec::with_capacity(items.len());
    for (l, found) in resolved {
        links.push(l);
        item_problems.push(found);
    }

    check_cycles(
        &items,
        &links,
        |l| l.mentor.into_iter().collect(),
        "mentor",
        "E-MENTOR-CYCLE",
        &mut out,
    );
    check_cycles(
        &items,
        &links,
        |l| l.prerequisites.clone(),
        "prerequisites",
        "E-PREREQUISITE-CYCLE",
        &mut out,
    );

    let by_kind = order_items(&items, &config);
    // Back-references, in display order.
    #[derive(Clone, Copy)]
    enum Back {
        Services,
        Organizations,
        Mentees,
        Projects,
        Reports,
        News,
        Lessons,
        RequiredBy,
    }
    let mut edges: Vec<(usize, Back, usize)> = Vec::new();
    for &i in by_kind.values().flatten() {
        let l = &links[i];
        let mut add = |target: usize, back: Back| edges.push((target, back, i));
        match items[i].kind {
            Kind::Service => {
                l.station.into_iter().for_each(|s| add(s, Back::Services));
                l.organizations.iter().for_each(|&o| add(o, Back::Services));
            }
            Kind::Organization => {
                l.station
                    .into_iter()
                    .for_each(|s| add(s, Back::Organizations));
                l.mentor.into_iter().for_each(|m| add(m, Back::Mentees));
            }
            Kind::Project => {
                l.station.into_iter().for_each(|s| add(s, Back::Projects));
                l.organizations.iter().for_each(|&o| add(o, Back::Projects));
            }
            Kind::Report => l.stations.iter().for_each(|&s| add(s, Back::Reports)),
            Kind::News => l.station.into_iter().for_each(|s| add(s, Back::News)),
            Kind::Lesson => l.course.into_iter().for_each(|c| add(c, Back::Lessons)),
            Kind::Course => l
                .prerequisites
                .iter()
                .for_each(|&p| add(p, Back::RequiredBy)),
            _ => {}
        }
    }
    // Back-references, in display order (edges were collected in that order).
    for (target, back, i) in edges {
        let t = &mut links[target];
        match back {
            Back::Services => t.services.push(i),
            Back::Organizations => t.organizations.push(i),
            Back::Mentees => t.mentees.push(i),
            Back::Projects => t.projects.push(i),
            Back::Reports => t.reports.push(i),
            Back::News => t.news.push(i),
            Back::Lessons => t.lessons.push(i),
            Back::RequiredBy => t.required_by.push(i),
        }
    }
    // Each service's category and audiences as vocabulary positions, read once.
    let services = by_kind.get(&Kind::Service).cloned().unwrap_or_default();
    let vocab = &config.vocabularies;
    let mut category_rank = vec![usize::MAX; items.len()];
    let mut by_category: Vec<(String, Vec<usize>)> = vocab
        .service_category
        .iter()
        .map(|c| (c.clone(), Vec::new()))
        .collect();
    let mut by_audience: Vec<(String, Vec<usize>)> = vocab
        .audience
        .iter()
        .map(|a| (a.clone(), Vec::new()))
        .collect();
    for &i in &services {
        let Some(s) = items[i].service() else {
            continue;
        };
        if let Some(rank) = vocab.service_category.iter().position(|v| *v == s.category) {
            category_rank[i] = rank;
            by_category[rank].1.push(i);
        }
        for (n, a) in vocab.audience.iter().enumerate() {
            if s.audience.contains(a) {
                by_audience[n].1.push(i);
            }
        }
    }
    // Category and audience pages list their services by station, in
    // station order (those of no station last), a page at a time: ordered
    // once here rather than on each page of a term, which made a city's
    // directories cost the square of its services.
    let mut station_rank = vec![usize::MAX; items.len()];
    let stations = by_kind.get(&Kind::Station).map_or(&[][..], Vec::as_slice);
    for (rank, &s) in stations.iter().enumerate() {
        station_rank[s] = rank;
    }
    for (_, list) in by_category.iter_mut().chain(by_audience.iter_mut()) {
        list.sort_by_key(|&i| links[i].station.map_or(usize::MAX, |s| station_rank[s]));
    }
    // The organizations' directory, likewise ordered once rather than on
    // each of its pages.
    let mut organizations_by_station: Vec<usize> = stations
        .iter()
        .flat_map(|&s| links[s].organizations.iter().copied())
        .collect();
    organizations_by_station.extend(
        by_kind
            .get(&Kind::Organization)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .copied()
            .filter(|&o| links[o].station.is_none()),
    );
    // A station's menu: by category in vocabulary order (stable within a category).
    for &s in stations {
        links[s].services.sort_by_key(|&i| category_rank[i]);
    }
    for &c in by_kind.get(&Kind::Course).map_or(&[][..], Vec::as_slice) {
        let lessons = std::mem::take(&mut links[c].lessons);
        for (n, &lesson) in lessons.iter().enumerate() {
            links[lesson].prev = n.checked_sub(1).map(|p| lessons[p]);
            links[lesson].next = lessons.get(n + 1).copied();
        }
        links[c].lessons = lessons;
    }
    let mut tags: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for &i in by_kind.values().flatten() {
        for tag in &items[i].meta.tags {
            let list = tags.entry(tag.clone()).or_default();
            // Items come in order, so a repeated tag of one item is the last entry.
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }

    let site = Site {
        config,
        items,
        bodies,
        links: Arc::new(links),
        uids,
        assets,
        by_kind: Arc::new(by_kind),
        by_category: Arc::new(by_category),
        by_audience: Arc::new(by_audience),
        by_tag: Arc::new(tags.into_iter().collect()),
        organizations_by_station: Arc::new(organizations_by_station),
        key_index: Arc::new(by_key),
        linked_from: Arc::new(linked_from),
        draft_keys: Arc::new(draft_keys),
        draft_paths: Arc::new(draft_paths),
        unreadable: Arc::new(unreadable),
        item_problems,
        site_problems: Arc::new(out),
        record_reads: true,
    };
    site.emit(diagnostics);
    site
}

/// Panics unless two sites relate their items the same way (a check of
/// [`relink`] against [`link`] in debug builds).
#[cfg(debug_assertions)]
pub fn assert_same_relations(a: &Site, b: &Site) {
    assert!(*a.links == *b.links, "relinked relations differ");
    assert!(*a.by_kind == *b.by_kind, "relinked order differs");
    assert!(
        *a.by_category == *b.by_category
            && *a.by_audience == *b.by_audience
            && *a.by_tag == *b.by_tag
            && *a.organizations_by_station == *b.organizations_by_station,
        "relinked directories differ"
    );
}

/// Links `items` from scratch, with the assets, drafts and unreadable files
/// of `previous` (whose items they are, some edited, in the same order):
/// for an edit that may change how items relate.
pub fn link_again(
    previous: &Site,
    items: Vec<Arc<Item>>,
    bodies: Vec<Arc<Body>>,
    diagnostics: &mut Diagnostics,
) -> Site {
    let parts = Parts {
        config: previous.config.clone(),
        items,
        bodies,
        uids: previous.uids.clone(),
        assets: previous.assets.clone(),
        draft_keys: (*previous.draft_keys).clone(),
        draft_paths: (*previous.draft_paths).clone(),
        unreadable: (*previous.unreadable).clone(),
    };
    link(parts, diagnostics)
}

impl<'a> Resolver<'a> {
    /// A resolver over `items` and `bodies`, with the relations, drafts and
    /// assets of the site `previous` (whose items these are, some edited).
    fn over(previous: &'a Site, items: &'a [Arc<Item>], bodies: &'a [Arc<Body>]) -> Self {
        Resolver {
            index: Index {
                items,
                by_key: &previous.key_index,
                drafts: &previous.draft_keys,
                unreadable: &previous.unreadable,
            },
            pages: PageIndex {
                by_key: &previous.key_index,
                items,
            },
            bodies,
            assets: previous
                .assets
                .iter()
                .map(|a| (a.path.as_str(), a.size))
                .collect(),
            draft_paths: &previous.draft_paths,
        }
    }
}

/// The problems `zhan check` would find resolving `item` (an unsaved draft
/// of the file at its path, with its rendered `body`) against the site
/// `previous`: unknown or draft references with their "did you mean", a
/// missing cover or attachment, broken `.md` links and anchors in the body.
/// The same [`Resolver`] as a build, over the last build's items with the
/// draft in its file's place (or added, for a file the build left out).
/// Problems of the whole site (an id twice, cycles) are not looked for.
pub fn check_draft(previous: &Site, item: Arc<Item>, body: Arc<Body>) -> Vec<Diagnostic> {
    let mut items = previous.items.clone();
    let mut bodies = previous.bodies.clone();
    let at = match previous.index_of_path(&item.doc.path) {
        Some(at) => {
            items[at] = item;
            bodies[at] = body;
            at
        }
        None => {
            items.push(item);
            bodies.push(body);
            items.len() - 1
        }
    };
    let resolver = Resolver::over(previous, &items, &bodies);
    resolver.resolve(at).1
}

/// Links the site again after the items at `changed` were edited without
/// changing their [`shape`] (same kind, id, references, order and groups):
/// the relations of `previous` still hold, only the problems of the edited
/// items, and of the items that link to them, are found again.
pub fn relink(
    previous: &Site,
    items: Vec<Arc<Item>>,
    bodies: Vec<Arc<Body>>,
    changed: &[usize],
    diagnostics: &mut Diagnostics,
) -> Site {
    let mut again: Vec<usize> = changed.to_vec();
    for &c in changed {
        again.extend(previous.linked_from.get(c).into_iter().flatten().copied());
    }
    again.sort_unstable();
    again.dedup();
    let resolver = Resolver::over(previous, &items, &bodies);
    let found: Vec<(usize, Vec<Diagnostic>)> =
        again.iter().map(|&i| (i, resolver.resolve(i).1)).collect();
    drop(resolver);
    let mut item_problems = previous.item_problems.clone();
    for (i, problems) in found {
        item_problems[i] = problems;
    }
    let site = Site {
        config: previous.config.clone(),
        items,
        bodies,
        links: Arc::clone(&previous.links),
        uids: previous.uids.clone(),
        assets: previous.assets.clone(),
        by_kind: Arc::clone(&previous.by_kind),
        by_category: Arc::clone(&previous.by_category),
        by_audience: Arc::clone(&previous.by_audience),
        by_tag: Arc::clone(&previous.by_tag),
        organizations_by_station: Arc::clone(&previous.organizations_by_station),
        key_index: Arc::clone(&previous.key_index),
        linked_from: Arc::clone(&previous.linked_from),
        draft_keys: Arc::clone(&previous.draft_keys),
        draft_paths: Arc::clone(&previous.draft_paths),
        unreadable: Arc::clone(&previous.unreadable),
        item_problems,
        site_problems: Arc::clone(&previous.site_problems),
        record_reads: previous.record_reads,
    };
    site.emit(diagnostics);
    site
}

#[allow(clippy::too_many_arguments)]
fn check_file(
    path: Option<&str>,
    written: &str,
    pos: Pos,
    len: u32,
    what: &'static str,
    file: &str,
    assets: &HashMap<&str, u64>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(path) = path else { return };
    if assets.contains_key(path) {
        return;
    }
    let folder = path.rsplit_once('/').map_or("", |(f, _)| f);
    let siblings: Vec<&str> = assets
        .keys()
        .filter(|a| a.rsplit_once('/').map_or("", |(f, _)| f) == folder)
        .map(|a| a.rsplit('/').next().unwrap_or(a))
        .collect();
    let name = written.rsplit('/').next().unwrap_or(written);
    let d = Diagnostic::error(file, pos, what)
        .with_len(len as usize)
        .arg("written", written)
        .arg("path", path);
    out.push(match did_you_mean(name, siblings.iter().copied()) {
        Some(close) => d.arg("close", close).with_hint("H-FILE-MISSING-CLOSE"),
        None => d.with_hint("H-FILE-MISSING"),
    });
}

#[allow(clippy::too_many_arguments)]
fn check_body_links(
    item: &Item,
    body: &Body,
    items: &[Arc<Item>],
    bodies: &[Arc<Body>],
    page_of_path: &PageIndex,
    assets: &HashMap<&str, u64>,
    draft_paths: &HashSet<String>,
    unreadable_paths: &HashSet<String>,
    out: &mut Vec<Diagnostic>,
) {
    let file = item.doc.display.as_str();
    // `page` is None for this page, else the other page's file.
    let anchor_error =
        |anchor: &str, ids: &HashSet<String>, page: Option<String>, pos: Pos, len: u32| {
            let mut sorted: Vec<&str> = ids.iter().map(String::as_str).collect();
            sorted.sort_unstable();
            let d = match page {
                None => Diagnostic::error(file, pos, "E-ANCHOR-MISSING-HERE"),
                Some(page) => Diagnostic::error(file, pos, "E-ANCHOR-MISSING").arg("page", page),
            }
            .with_len(len as usize)
            .arg("anchor", anchor)
            .arg("known", list(sorted.iter().copied()));
            match did_you_mean(anchor, sorted.iter().copied()) {
                Some(close) => d.arg("close", close).with_hint("H-ANCHOR-CLOSE"),
                None if sorted.is_empty() => d.with_hint("H-ANCHOR-NO-HEADINGS"),
                None => d.with_hint("H-ANCHOR-KNOWN"),
            }
        };
    for link in &body.links {
        match &link.target {
            Target::Anchor(anchor) => {
                if !body.heading_ids.contains(anchor) {
                    out.push(anchor_error(
                        anchor,
                        &body.heading_ids,
                        None,
                        link.pos,
                        link.len,
                    ));
                }
            }
            Target::Page { path, anchor } => match page_of_path.get(path.as_str()) {
                Some(target) => {
                    if let Some(anchor) = anchor {
                        if !bodies[target].heading_ids.contains(anchor) {
                            out.push(anchor_error(
                                anchor,
                                &bodies[target].heading_ids,
                                Some(format!("content/{}", items[target].doc.path)),
                                link.pos,
                                link.len,
                            ));
                        }
                    }
                }
                None if unreadable_paths.contains(path) => {}
                None if draft_paths.contains(path) => out.push(
                    Diagnostic::error(file, link.pos, "E-LINK-DRAFT")
                        .with_len(link.len as usize)
                        .arg("written", link.written.as_str())
                        .with_hint("H-LINK-DRAFT"),
                ),
                None => {
                    let known: Vec<&str> = page_of_path.paths().collect();
                    let d = Diagnostic::error(file, link.pos, "E-LINK-MISSING")
                        .with_len(link.len as usize)
                        .arg("written", link.written.as_str())
                        .arg("path", path.as_str());
                    out.push(match did_you_mean(path, known.iter().copied()) {
                        Some(close) => d.arg("close", close).with_hint("H-LINK-MISSING-CLOSE"),
                        None => d.with_hint("H-LINK-MISSING"),
                    });
                }
            },
            Target::File { path, image } => {
                let what = if *image {
                    "E-IMAGE-MISSING"
                } else {
                    "E-LINKED-FILE-MISSING"
                };
                check_file(
                    Some(path),
                    &link.written,
                    link.pos,
                    link.len,
                    what,
                    file,
                    assets,
                    out,
                );
            }
        }
    }
}

/// Reports each cycle in a "points to" relation once, at its first member.
fn check_cycles(
    items: &[Arc<Item>],
    links: &[Links],
    next: impl Fn(&Links) -> Vec<usize>,
    field: &str,
    code: &'static str,
    out: &mut Vec<Diagnostic>,
) {
    let mut state = vec![0u8; items.len()]; // 0 new, 1 on the path, 2 done
    fn visit(
        n: usize,
        links: &[Links],
        next: &dyn Fn(&Links) -> Vec<usize>,
        state: &mut [u8],
        path: &mut Vec<usize>,
        found: &mut Vec<Vec<usize>>,
    ) {
        state[n] = 1;
        path.push(n);
        for m in next(&links[n]) {
            if state[m] == 1 {
                let start = path.iter().position(|&p| p == m).unwrap_or(0);
                found.push(path[start..].to_vec());
            } else if state[m] == 0 {
                visit(m, links, next, state, path, found);
            }
        }
        path.pop();
        state[n] = 2;
    }
    let mut found = Vec::new();
    for n in 0..items.len() {
        if state[n] == 0 {
            visit(n, links, &next, &mut state, &mut Vec::new(), &mut found);
        }
    }
    for cycle in found {
        let Some(&first) = cycle.iter().min_by_key(|&&i| &items[i].doc.path) else {
            continue;
        };
        let names: Vec<String> = cycle
            .iter()
            .map(|&i| format!("`{}`", items[i].id))
            .collect();
        out.push(
            Diagnostic::error(&items[first].doc.display, Pos::START, code)
                .arg("cycle", names.join(" → "))
                .arg("field", field_arg(field))
                .with_hint("H-CYCLE"),
        );
    }
}

/// Display order of each kind.
fn order_items(items: &[Arc<Item>], config: &Config) -> BTreeMap<Kind, Vec<usize>> {
    let mut by_kind: BTreeMap<Kind, Vec<usize>> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        by_kind.entry(item.kind).or_default().push(i);
    }
    let level_rank = |i: usize| {
        let level = items[i].course().map_or("", |c| c.level.as_str());
        config
            .vocabularies
            .training_level
            .iter()
            .position(|v| v == level)
            .unwrap_or(usize::MAX)
    };
    let weight = |i: usize| items[i].meta.weight.unwrap_or(i64::MAX);
    for (kind, list) in by_kind.iter_mut() {
        match kind {
            Kind::News | Kind::Report => list.sort_by(|&a, &b| {
                (std::cmp::Reverse(items[a].meta.date), &items[a].key)
                    .cmp(&(std::cmp::Reverse(items[b].meta.date), &items[b].key))
            }),
            Kind::Course => list.sort_by(|&a, &b| {
                (level_rank(a), weight(a), &items[a].key).cmp(&(
                    level_rank(b),
                    weight(b),
                    &items[b].key,
                ))
            }),
            Kind::Project => list.sort_by(|&a, &b| {
                let start = |i: usize| std::cmp::Reverse(items[i].project().and_then(|p| p.start));
                (start(a), &items[a].key).cmp(&(start(b), &items[b].key))
            }),
            _ => list.sort_by(|&a, &b| (weight(a), &items[a].key).cmp(&(weight(b), &items[b].key))),
        }
    }
    by_kind
}
