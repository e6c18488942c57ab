//! The page plan: every file the site will have, listed before anything is
//! rendered so two things at one address are found (and reported) first.

use std::collections::{HashMap, HashSet};

use crate::diagnostics::{Diagnostic, Diagnostics, Pos};
use crate::link::{Site, Taxonomy};
use crate::model::Kind;

use super::views::term_slug;

/// The section list pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Section {
    Stations,
    Services,
    Organizations,
    Training,
    Projects,
    Reports,
    News,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Stations,
        Section::Services,
        Section::Organizations,
        Section::Training,
        Section::Projects,
        Section::Reports,
        Section::News,
    ];

    /// The folder of its list, and the key of its navigation title.
    pub fn folder(self) -> &'static str {
        match self {
            Section::Stations => "stations",
            Section::Services => "services",
            Section::Organizations => "organizations",
            Section::Training => "training",
            Section::Projects => "projects",
            Section::Reports => "reports",
            Section::News => "news",
        }
    }

    /// The section an item of `kind` belongs to, if any.
    pub(super) fn of_kind(kind: Kind) -> Option<Section> {
        Some(match kind {
            Kind::Station => Section::Stations,
            Kind::Service => Section::Services,
            Kind::Organization => Section::Organizations,
            Kind::Course | Kind::Lesson => Section::Training,
            Kind::Project => Section::Projects,
            Kind::Report => Section::Reports,
            Kind::News => Section::News,
            _ => return None,
        })
    }

    /// How many items its list shows (paginated), or None if it is one page.
    fn listed(self, site: &Site) -> Option<usize> {
        self.listed_kind().map(|kind| site.of_kind(kind).len())
    }

    /// The kind its list shows a page at a time, if it is paginated.
    pub(super) fn listed_kind(self) -> Option<Kind> {
        match self {
            Section::Stations => Some(Kind::Station),
            Section::Organizations => Some(Kind::Organization),
            Section::Projects => Some(Kind::Project),
            Section::Reports => Some(Kind::Report),
            Section::News => Some(Kind::News),
            Section::Services | Section::Training => None,
        }
    }
}

/// One page to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Item(usize),
    /// A page (0-based) of a section's list.
    List(Section, usize),
    StationServices(usize),
    /// A station's printable service menu (active services only).
    StationMenu(usize),
    /// A course with all its lessons on one page, to print.
    CoursePrint(usize),
    /// The mentoring tree of organizations (以老带新).
    OrganizationTree,
    Terms(Taxonomy),
    /// A page (0-based) of the items of one term (by its number).
    Term(Taxonomy, usize, usize),
    NotFound,
    /// The search page.
    Search,
    /// A redirect from an item's alias (item, alias number).
    Alias(usize, usize),
}

/// A planned output file: its path in the output folder and how to make it.
#[derive(Debug, Clone)]
pub struct Planned {
    pub path: String,
    pub job: Job,
}

/// The file that serves a folder address.
fn index_of(site_path: &str) -> String {
    format!("{site_path}index.html")
}

/// Items per page of a long list: small enough for a phone on a slow
/// connection, and an edit re-renders one page of a list, not all of it.
pub const PER_PAGE: usize = 50;

/// How many pages a list of `items` takes; an empty list still has its page.
pub(super) fn page_count(items: usize) -> usize {
    items.div_ceil(PER_PAGE).max(1)
}

/// The site path of page `page` (0-based) of a list at `folder`.
pub fn page_path(folder: &str, page: usize) -> String {
    if page == 0 {
        format!("{folder}/")
    } else {
        format!("{folder}/page/{}/", page + 1)
    }
}

/// Every page of the site, with clashes (two things at one address) reported.
/// Where two pages clash, the first one planned is kept.
pub fn plan(site: &Site, diagnostics: &mut Diagnostics) -> Vec<Planned> {
    let mut planned = every_page(site);
    if report_clashes(site, &planned, diagnostics) {
        let mut kept = HashSet::new();
        planned.retain(|p| kept.insert(p.path.clone()));
    }
    planned
}

/// Every page the site's content calls for, in the order they are planned:
/// the home page, the other items, section lists, per-station and
/// per-course pages, directories, the fixed pages, then the redirects of
/// aliases.
fn every_page(site: &Site) -> Vec<Planned> {
    let mut planned = Vec::with_capacity(site.items.len() + 64);
    let mut add = |path: String, job: Job| planned.push(Planned { path, job });
    // Pages are rendered and written in about this order, and the first
    // build of `zhan serve` shows them as they are written: the home page
    // comes first.
    let home = site.items.iter().position(|item| item.kind == Kind::Home);
    let others = (0..site.items.len()).filter(|&i| Some(i) != home);
    for i in home.into_iter().chain(others) {
        let item = &site.items[i];
        // A section file only introduces its list page; it has no page of its own.
        if item.kind != Kind::Section {
            add(index_of(&item.site_path), Job::Item(i));
        }
    }
    for section in Section::ALL {
        let pages = section.listed(site).map_or(1, page_count);
        for page in 0..pages {
            add(
                index_of(&page_path(section.folder(), page)),
                Job::List(section, page),
            );
        }
    }
    for &s in site.of_kind(Kind::Station) {
        add(
            format!("services/{}/index.html", site.items[s].id),
            Job::StationServices(s),
        );
        add(
            format!("{}menu/index.html", site.items[s].site_path),
            Job::StationMenu(s),
        );
    }
    for &c in site.of_kind(Kind::Course) {
        add(
            format!("{}print/index.html", site.items[c].site_path),
            Job::CoursePrint(c),
        );
    }
    add(
        "organizations/tree/index.html".to_string(),
        Job::OrganizationTree,
    );
    for taxonomy in Taxonomy::ALL {
        add(
            format!("{}/index.html", taxonomy.folder()),
            Job::Terms(taxonomy),
        );
        for (n, (term, members)) in taxonomy.terms(site).iter().enumerate() {
            let folder = format!("{}/{}", taxonomy.folder(), term_slug(term));
            for page in 0..page_count(members.len()) {
                add(
                    index_of(&page_path(&folder, page)),
                    Job::Term(taxonomy, n, page),
                );
            }
        }
    }
    add("404.html".to_string(), Job::NotFound);
    if site.config.search {
        add("search/index.html".to_string(), Job::Search);
    }
    for (i, item) in site.items.iter().enumerate() {
        for (n, alias) in item.meta.aliases.iter().enumerate() {
            let path = if alias.path.ends_with('/') {
                index_of(&alias.path)
            } else {
                alias.path.clone()
            };
            add(path, Job::Alias(i, n));
        }
    }
    planned
}

/// Reports each path planned twice, except where the link stage has already
/// reported the cause. Returns whether any path repeats at all.
fn report_clashes(site: &Site, planned: &[Planned], diagnostics: &mut Diagnostics) -> bool {
    let mut seen: HashMap<&str, Job> = HashMap::with_capacity(planned.len());
    let mut clashes = Vec::new();
    let mut any_repeat = false;
    for p in planned {
        if let Some(first) = seen.insert(p.path.as_str(), p.job) {
            any_repeat = true;
            if !same_item_twice(site, first, p.job) {
                clashes.push((p.path.as_str(), first, p.job));
            }
        }
    }
    for (path, first, second) in clashes {
        let (file, pos) = clash_position(site, first, second);
        diagnostics.push(
            Diagnostic::error(file, pos, "E-PATH-CLASH")
                .arg("path", format!("/{}", path.trim_end_matches("index.html")))
                .arg("first", describe(site, first))
                .arg("second", describe(site, second))
                .with_hint("H-PATH-CLASH"),
        );
    }
    any_repeat
}

/// Two items of one kind with one id: the link stage reported it already.
fn same_item_twice(site: &Site, first: Job, second: Job) -> bool {
    match (first, second) {
        (Job::Item(a), Job::Item(b)) => {
            site.items[a].kind == site.items[b].kind && site.items[a].key == site.items[b].key
        }
        _ => false,
    }
}

/// A job as a clash message names it.
/// A page of the plan in words, for a clash; the generated pages are named
/// in the process's language.
fn describe(site: &Site, job: Job) -> String {
    use crate::messages::{Arg, text};
    match job {
        Job::Item(i) | Job::Alias(i, _) => site.items[i].doc.display.clone(),
        Job::List(s, _) => text("ui.page-list", &[("folder", Arg::from(s.folder()))]),
        Job::StationServices(s) => text(
            "ui.page-station-services",
            &[("id", Arg::from(&site.items[s].id))],
        ),
        Job::StationMenu(s) => text(
            "ui.page-station-menu",
            &[("id", Arg::from(&site.items[s].id))],
        ),
        Job::CoursePrint(c) => text(
            "ui.page-course-print",
            &[("id", Arg::from(&site.items[c].id))],
        ),
        Job::OrganizationTree => text("ui.page-org-tree", &[]),
        Job::Terms(t) | Job::Term(t, ..) => {
            text("ui.page-terms", &[("folder", Arg::from(t.folder()))])
        }
        Job::NotFound => text("ui.page-404", &[]),
        Job::Search => text("ui.page-search", &[]),
    }
}

/// Where to point a clash: at the second page's source if it has one (the
/// alias line for an alias), else at the first's, else at the settings.
fn clash_position(site: &Site, first: Job, second: Job) -> (String, Pos) {
    match second {
        Job::Item(i) => (site.items[i].doc.display.clone(), Pos::START),
        Job::Alias(i, n) => (
            site.items[i].doc.display.clone(),
            site.items[i].meta.aliases[n].pos,
        ),
        _ => match first {
            Job::Item(i) | Job::Alias(i, _) => (site.items[i].doc.display.clone(), Pos::START),
            _ => ("site.yaml".to_string(), Pos::START),
        },
    }
}
