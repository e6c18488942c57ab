//! What each kind of page gives its template: [`fill_context`] picks the
//! page's builder below, and each builder inserts that page's values and
//! names its template.
//!
//! Every read of the site goes through the [`Views`], which record what the
//! page depends on, so a builder must not reach around them.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use tera::{Context, Value};

use crate::link::Taxonomy;
use crate::model::config::Config;
use crate::model::{Date, Kind, Num, Service};

use super::plan::{Job, PER_PAGE, Section, page_count, page_path};
use super::views::{Group, LinkGroup, LinkView, Qr, Views, term_slug};
use super::{chart, jsonld, qr, string};

/// Fills the context for a job and returns the template to use.
pub(super) fn fill_context<'a>(
    v: &Views<'a>,
    job: Job,
    cx: &mut Context,
    strings: &'a BTreeMap<String, String>,
) -> &'static str {
    let mut page_cx = PageContext::new(v, cx, strings);
    let template = match job {
        Job::Item(i) => page_cx.item(i),
        Job::List(section, page) => page_cx.section_list(section, page),
        Job::StationServices(s) => page_cx.station_services(s),
        Job::StationMenu(s) => page_cx.station_menu(s),
        Job::CoursePrint(c) => page_cx.course_print(c),
        Job::OrganizationTree => page_cx.organization_tree(),
        Job::Terms(taxonomy) => page_cx.term_directory(taxonomy),
        Job::Term(taxonomy, term, page) => page_cx.term(taxonomy, term, page),
        Job::NotFound => "404.html",
        Job::Search => page_cx.search(),
        // The engine writes alias redirects without a template.
        Job::Alias(..) => "",
    };
    page_cx.finish();
    template
}

/// One page's context being filled, with what every kind of page shares:
/// the views, the settings, the interface strings and the breadcrumbs.
struct PageContext<'p, 'a> {
    v: &'p Views<'a>,
    config: &'a Config,
    strings: &'a BTreeMap<String, String>,
    cx: &'p mut Context,
    /// The trail of links above the page, outermost first; inserted last.
    crumbs: Vec<LinkView<'a>>,
}

impl<'p, 'a> PageContext<'p, 'a> {
    /// A context with the values every template may use, at their defaults.
    fn new(v: &'p Views<'a>, cx: &'p mut Context, strings: &'a BTreeMap<String, String>) -> Self {
        cx.insert("section", "");
        cx.insert("json_ld", &None::<String>);
        PageContext {
            v,
            config: v.settings(),
            strings,
            cx,
            crumbs: Vec::new(),
        }
    }

    /// Inserts the breadcrumbs gathered while filling.
    fn finish(self) {
        self.cx.insert("breadcrumbs", &self.crumbs);
    }

    /// The interface string `key`, or nothing if the theme lacks it.
    fn label(&self, key: &str) -> &'a str {
        self.strings.get(key).map_or("", String::as_str)
    }

    /// A link to a section's list page, titled as in the navigation.
    fn section_link(&self, section: Section) -> LinkView<'a> {
        LinkView {
            title: self.label(&format!("nav_{}", section.folder())),
            url: self.config.link(&format!("{}/", section.folder())),
        }
    }

    /// Marks the page as part of `section` (for the navigation) and puts the
    /// section's list first in the breadcrumbs.
    fn enter(&mut self, section: Section) {
        self.cx.insert("section", section.folder());
        self.crumbs.push(self.section_link(section));
    }

    /// The introduction written for a list page: the section file at `key`.
    fn intro(&self, key: &str) -> Option<Value> {
        let v = self.v;
        v.of_kind(Kind::Section)
            .iter()
            .copied()
            .find(|&i| v.item(i).key == key)
            .map(|i| v.page_value(i, Qr::Shown))
    }

    /// The page of a content item: its own view, then what its kind shows.
    fn item(&mut self, i: usize) -> &'static str {
        let v = self.v;
        let item = v.item(i);
        self.cx.insert_value("page", v.page_value(i, Qr::Shown));
        self.cx.insert("json_ld", &jsonld::of_item(v, i));
        if let Some(section) = Section::of_kind(item.kind) {
            self.enter(section);
        }
        match item.kind {
            Kind::Home => self.home(),
            Kind::Station => self.station(i),
            Kind::Service => self.service(i),
            Kind::Organization => self.organization(i),
            Kind::Course => self.course(i),
            Kind::Lesson => self.lesson(i),
            Kind::Project => self.project(i),
            Kind::Report => self.report(i),
            Kind::News => self.news(i),
            Kind::Page | Kind::Section => "page.html",
        }
    }

    fn home(&mut self) -> &'static str {
        let v = self.v;
        // A dozen stations on the home page; the list has them all.
        let stations = v.of_kind(Kind::Station);
        self.cx
            .insert("stations", &v.cards(&stations[..stations.len().min(12)]));
        let news: Vec<usize> = v.of_kind(Kind::News).iter().copied().take(5).collect();
        self.cx.insert("latest_news", &v.cards(&news));
        self.cx.insert(
            "latest_report",
            &v.of_kind(Kind::Report).first().map(|&r| v.card_value(r)),
        );
        self.cx.insert(
            "counts",
            &Counts {
                stations: v.kind_count(Kind::Station),
                services: v.kind_count(Kind::Service),
                organizations: v.kind_count(Kind::Organization),
                projects: v.kind_count(Kind::Project),
                courses: v.kind_count(Kind::Course),
            },
        );
        self.cx
            .insert("categories", &terms(v, Taxonomy::Categories));
        self.cx.insert("served", &people_served(v));
        "index.html"
    }

    fn station(&mut self, i: usize) -> &'static str {
        let v = self.v;
        let l = v.links_of(i);
        self.cx
            .insert("services_by_category", &v.by_category(&l.services));
        self.cx.insert("organizations", &v.cards(&l.organizations));
        self.cx.insert("projects", &v.cards(&l.projects));
        self.cx.insert("reports", &v.cards(&l.reports));
        self.cx.insert("news", &v.cards(&l.news));
        self.cx.insert(
            "services_url",
            &self.config.link(&format!("services/{}/", v.item(i).id)),
        );
        let opening = v
            .item(i)
            .station()
            .and_then(|st| super::opening::data(st, &self.config.holidays, self.strings));
        self.cx.insert("opening_data", &opening);
        "station.html"
    }

    fn service(&mut self, i: usize) -> &'static str {
        let v = self.v;
        let item = v.item(i);
        let l = v.links_of(i);
        let station = l.station.map(|s| v.link(s));
        if let Some(s) = &station {
            // The station's own service list sits between the section and the service.
            let folder = item.key.split('/').next().unwrap_or_default();
            self.crumbs.push(LinkView {
                title: s.title,
                url: self.config.link(&format!("services/{folder}/")),
            });
        }
        self.cx.insert("station", &station);
        self.cx.insert("providers", &v.cards(&l.organizations));
        if let Some(s) = item.service() {
            self.cx.insert(
                "category_url",
                &self
                    .config
                    .link(&format!("categories/{}/", term_slug(&s.category))),
            );
            self.cx.insert("audience", &audience(self.config, s));
        }
        "service.html"
    }

    fn organization(&mut self, i: usize) -> &'static str {
        let v = self.v;
        let l = v.links_of(i);
        self.cx.insert("station", &l.station.map(|s| v.link(s)));
        self.cx.insert("mentor", &l.mentor.map(|m| v.card_value(m)));
        self.cx.insert("mentees", &v.cards(&l.mentees));
        self.cx.insert("services", &v.cards(&l.services));
        self.cx.insert("projects", &v.cards(&l.projects));
        "organization.html"
    }

    fn course(&mut self, i: usize) -> &'static str {
        let v = self.v;
        let l = v.links_of(i);
        self.cx.insert("lessons", &v.cards(&l.lessons));
        self.cx.insert("prerequisites", &v.links(&l.prerequisites));
        self.cx.insert("required_by", &v.links(&l.required_by));
        self.cx.insert("attachments", &attachments(v, i));
        self.cx.insert(
            "print_url",
            &self.config.link(&format!("{}print/", v.item(i).site_path)),
        );
        "course.html"
    }

    fn lesson(&mut self, i: usize) -> &'static str {
        let v = self.v;
        let l = v.links_of(i);
        if let Some(c) = l.course {
            self.crumbs.push(v.link(c));
            self.cx.insert("course", &v.link(c));
            let siblings = &v.links_of(c).lessons;
            self.cx.insert("lessons", &v.cards(siblings));
            // 1-based, as readers count lessons.
            let position = siblings.iter().position(|&x| x == i).map_or(0, |p| p + 1);
            self.cx.insert("lesson_number", &position);
        }
        self.cx.insert("prev", &l.prev.map(|p| v.link(p)));
        self.cx.insert("next", &l.next.map(|p| v.link(p)));
        "lesson.html"
    }

    fn project(&mut self, i: usize) -> &'static str {
        let v = self.v;
        let l = v.links_of(i);
        self.cx.insert("station", &l.station.map(|s| v.link(s)));
        self.cx.insert("organizations", &v.cards(&l.organizations));
        "project.html"
    }

    fn report(&mut self, i: usize) -> &'static str {
        let v = self.v;
        self.cx
            .insert("stations", &v.links(&v.links_of(i).stations));
        self.cx
            .insert("charts", &chart::of_report(v, i, self.strings));
        "report.html"
    }

    fn news(&mut self, i: usize) -> &'static str {
        let v = self.v;
        let l = v.links_of(i);
        self.cx.insert("station", &l.station.map(|s| v.link(s)));
        "news.html"
    }

    /// Page `page` (0-based) of a section's list, under its introduction.
    fn section_list(&mut self, section: Section, page: usize) -> &'static str {
        let v = self.v;
        self.cx.insert("section", section.folder());
        self.cx.insert("intro", &self.intro(section.folder()));
        let template = match section {
            Section::Stations => self.paged_cards(Kind::Station, page, "list_stations.html"),
            Section::Services => self.services_list(),
            Section::Organizations => self.organizations_list(page),
            Section::Training => self.training_list(),
            Section::Projects => self.paged_cards(Kind::Project, page, "list_projects.html"),
            Section::Reports => self.paged_cards(Kind::Report, page, "list_reports.html"),
            Section::News => self.paged_cards(Kind::News, page, "list_news.html"),
        };
        let listed = section.listed_kind().map_or(0, |k| v.of_kind(k).len());
        self.cx.insert(
            "pagination",
            &pagination(self.config, section.folder(), page, listed),
        );
        template
    }

    /// A list that shows the cards of one kind, a page at a time.
    fn paged_cards(&mut self, kind: Kind, page: usize, template: &'static str) -> &'static str {
        let v = self.v;
        self.cx
            .insert("items", &v.cards(page_slice(v.of_kind(kind), page)));
        template
    }

    fn services_list(&mut self) -> &'static str {
        let v = self.v;
        // Every service's title on a small site; counts on a big one.
        let stations = v.of_kind(Kind::Station);
        let total: usize = stations.iter().map(|&s| v.links_of(s).services.len()).sum();
        let groups: Vec<LinkGroup> = stations
            .iter()
            .map(|&s| LinkGroup {
                name: &v.item(s).meta.title,
                url: self.config.link(&format!("services/{}/", v.item(s).id)),
                count: v.links_of(s).services.len(),
                items: if total <= SMALL_SITE {
                    v.links(&v.links_of(s).services)
                } else {
                    Vec::new()
                },
            })
            .collect();
        self.cx.insert("stations", &groups);
        self.cx
            .insert("categories", &terms(v, Taxonomy::Categories));
        self.cx.insert("audiences", &terms(v, Taxonomy::Audiences));
        "list_services.html"
    }

    fn organizations_list(&mut self, page: usize) -> &'static str {
        let v = self.v;
        // Grouped by station, in station order, a page at a time;
        // organizations of no station last (see `link::link`).
        let ordered = v.organizations_by_station();
        self.cx
            .insert("groups", &station_groups(v, page_slice(ordered, page)));
        "list_organizations.html"
    }

    /// Courses grouped by training level, in the order the settings list the levels.
    fn training_list(&mut self) -> &'static str {
        let v = self.v;
        let courses = v.of_kind(Kind::Course);
        let levels: Vec<Group> = self
            .config
            .vocabularies
            .training_level
            .iter()
            .map(|level| Group {
                name: level.clone(),
                url: None,
                items: courses
                    .iter()
                    .filter(|&&c| v.item(c).course().is_some_and(|x| &x.level == level))
                    .map(|&c| v.card_value(c))
                    .collect(),
            })
            .collect();
        self.cx.insert("levels", &levels);
        "list_training.html"
    }

    /// All the services of one station, by category.
    fn station_services(&mut self, s: usize) -> &'static str {
        let v = self.v;
        self.enter(Section::Services);
        self.cx.insert("station", &v.card_value(s));
        self.cx.insert(
            "services_by_category",
            &v.by_category(&v.links_of(s).services),
        );
        self.cx
            .insert("intro", &self.intro(&format!("services/{}", v.item(s).id)));
        "station_services.html"
    }

    /// A station's printable service menu: its active services only.
    fn station_menu(&mut self, s: usize) -> &'static str {
        let v = self.v;
        self.enter(Section::Stations);
        self.crumbs.push(v.link(s));
        // The menu has a code of its own (`menu_qr`), not the station page's.
        self.cx.insert_value("station", v.page_value(s, Qr::Left));
        let active: Vec<usize> = v
            .links_of(s)
            .services
            .iter()
            .copied()
            .filter(|&x| v.item(x).service().is_some_and(Service::is_active))
            .collect();
        self.cx
            .insert("services_by_category", &v.by_category(&active));
        self.cx.insert("service_count", &active.len());
        let menu_url = self
            .config
            .absolute_url(&format!("{}menu/", v.item(s).site_path));
        // The printed sheet leads back to its own page online.
        let label = format!(
            "{} {}",
            v.item(s).meta.title,
            string(self.strings, "service_menu")
        );
        self.cx.insert("menu_qr", &qr::svg(&menu_url, &label));
        self.cx.insert("menu_url", &menu_url);
        "station_menu.html"
    }

    /// A course with all its lessons on one page, to print.
    fn course_print(&mut self, c: usize) -> &'static str {
        let v = self.v;
        self.enter(Section::Training);
        self.crumbs.push(v.link(c));
        self.cx.insert_value("page", v.page_value(c, Qr::Shown));
        let l = v.links_of(c);
        self.cx.insert("lessons", &lessons_to_print(v, &l.lessons));
        self.cx.insert("prerequisites", &v.links(&l.prerequisites));
        self.cx.insert("attachments", &attachments(v, c));
        "course_print.html"
    }

    fn organization_tree(&mut self) -> &'static str {
        self.enter(Section::Organizations);
        self.cx.insert("tree", &mentoring_tree(self.v));
        "organization_tree.html"
    }

    /// The terms of a taxonomy, each with how many items it has.
    fn term_directory(&mut self, taxonomy: Taxonomy) -> &'static str {
        self.cx.insert("section", "services");
        self.cx.insert("taxonomy", taxonomy.folder());
        self.cx.insert("terms", &terms(self.v, taxonomy));
        "taxonomy.html"
    }

    /// Page `page` (0-based) of the items of term number `number` of a taxonomy.
    fn term(&mut self, taxonomy: Taxonomy, number: usize, page: usize) -> &'static str {
        let v = self.v;
        let (term, list) = &v.terms(taxonomy)[number];
        self.cx.insert("section", "services");
        self.crumbs.push(LinkView {
            title: self.label(&format!("taxonomy_{}", taxonomy.folder())),
            url: self.config.link(&format!("{}/", taxonomy.folder())),
        });
        self.cx.insert("taxonomy", taxonomy.folder());
        self.cx.insert("term", term);
        self.cx.insert("count", &list.len());
        let folder = format!("{}/{}", taxonomy.folder(), term_slug(term));
        if taxonomy == Taxonomy::Tags {
            let shown = page_slice(list, page);
            self.cx.insert("items", &v.cards(shown));
        } else {
            // Services grouped by station: the list is in station order
            // (see `link::link`).
            self.cx
                .insert("groups", &station_groups(v, page_slice(list, page)));
        }
        self.cx.insert(
            "pagination",
            &pagination(self.config, &folder, page, list.len()),
        );
        "taxonomy_term.html"
    }

    fn search(&mut self) -> &'static str {
        self.cx.insert("section", "search");
        // Without JavaScript the page offers browsing instead.
        self.cx
            .insert("categories", &terms(self.v, Taxonomy::Categories));
        self.cx
            .insert("audiences", &terms(self.v, Taxonomy::Audiences));
        "search.html"
    }
}

/// How many of each kind the site has, for the home page.
#[derive(Serialize)]
struct Counts {
    stations: usize,
    services: usize,
    organizations: usize,
    projects: usize,
    courses: usize,
}

/// A vocabulary term or tag, linked to its directory page.
#[derive(Serialize)]
struct TermView {
    name: String,
    url: String,
    count: usize,
}

/// A service's audiences, each linked to its directory page.
fn audience(config: &Config, service: &Service) -> Vec<TermView> {
    service
        .audience
        .iter()
        .map(|a| TermView {
            name: a.clone(),
            url: config.link(&format!("audiences/{}/", term_slug(a))),
            // The service page shows no counts; only directories do.
            count: 0,
        })
        .collect()
}

/// The people served, as the latest report counts them: the sum of its
/// metrics counted in 人次 (visits) over its stations.
#[derive(Serialize)]
struct Served<'a> {
    total: Num,
    unit: &'a str,
    report: LinkView<'a>,
    date: Option<Date>,
}

/// `None` when the latest report counts no visits.
fn people_served<'a>(v: &Views<'a>) -> Option<Served<'a>> {
    const UNIT: &str = "人次";
    let &r = v.of_kind(Kind::Report).first()?;
    let metrics = &v.item(r).report()?.metrics;
    let counted: Vec<f64> = metrics
        .iter()
        .filter(|m| m.unit.as_deref() == Some(UNIT))
        .map(|m| m.value.0)
        .collect();
    (!counted.is_empty()).then(|| Served {
        total: Num(counted.iter().sum()),
        unit: UNIT,
        report: v.link(r),
        date: v.item(r).meta.date,
    })
}

/// A lesson in a course's print view.
#[derive(Serialize)]
struct LessonPrint<'a> {
    title: &'a str,
    url: String,
    anchor: String,
    duration: Option<u32>,
    content: String,
}

/// A course's lessons in order, made to share one page.
fn lessons_to_print<'a>(v: &Views<'a>, lessons: &[usize]) -> Vec<LessonPrint<'a>> {
    lessons
        .iter()
        .enumerate()
        .map(|(n, &x)| {
            let page = v.page(x);
            // Lessons share a page: their heading ids must not clash.
            let anchor = format!("lesson-{}", n + 1);
            let content = page
                .own
                .content
                .replace(" id=\"", &format!(" id=\"{anchor}-"))
                .replace(" href=\"#", &format!(" href=\"#{anchor}-"));
            LessonPrint {
                title: page.card.title,
                url: page.card.url,
                duration: v.item(x).lesson().and_then(|l| l.duration),
                anchor,
                content,
            }
        })
        .collect()
}

/// A course attachment as its download link shows it.
#[derive(Serialize)]
struct AttachmentView<'a> {
    title: &'a str,
    url: String,
    file: &'a str,
    extension: String,
    size: u64,
}

/// A course's attachments, with the type and size of each file.
fn attachments<'a>(v: &Views<'a>, c: usize) -> Vec<AttachmentView<'a>> {
    let config = v.settings();
    v.item(c)
        .course()
        .map(|c| c.attachments.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(|a| {
            let path = a.file.path.as_deref()?;
            Some(AttachmentView {
                title: &a.title,
                url: config.link(path),
                file: &a.file.written,
                extension: path
                    .rsplit_once('.')
                    .map(|(_, e)| e.to_uppercase())
                    .unwrap_or_default(),
                size: v.asset_size(path),
            })
        })
        .collect()
}

/// One organization in the mentoring tree, in depth-first order. A flat list
/// lets templates nest `<ul>`s without recursion: `open` starts a list of
/// mentees before the entry, `leaf` closes its `<li>`, and each element of
/// `close` closes one finished list of mentees (`</ul></li>`) after it.
#[derive(Serialize)]
struct TreeRow {
    card: tera::Value,
    depth: usize,
    open: bool,
    leaf: bool,
    close: Vec<u8>,
}

/// The organizations that have no mentor, each followed by those it brings
/// up, transitively; trees with mentees first. An organization in a mentor
/// cycle (an error the link stage reports) is shown once.
fn mentoring_tree(v: &Views) -> Vec<TreeRow> {
    fn walk(
        v: &Views,
        o: usize,
        depth: usize,
        seen: &mut HashSet<usize>,
        out: &mut Vec<(usize, usize)>,
    ) {
        seen.insert(o);
        out.push((o, depth));
        for &m in &v.links_of(o).mentees {
            if !seen.contains(&m) {
                walk(v, m, depth + 1, seen, out);
            }
        }
    }
    let orgs = v.of_kind(Kind::Organization);
    let mut roots: Vec<usize> = orgs
        .iter()
        .copied()
        .filter(|&o| v.links_of(o).mentor.is_none())
        .collect();
    roots.sort_by_key(|&o| v.links_of(o).mentees.is_empty());
    let mut seen = HashSet::new();
    let mut order = Vec::new();
    for o in roots {
        walk(v, o, 0, &mut seen, &mut order);
    }
    for &o in orgs {
        if !seen.contains(&o) {
            walk(v, o, 0, &mut seen, &mut order);
        }
    }
    (0..order.len())
        .map(|n| {
            let (o, depth) = order[n];
            let before = if n == 0 { 0 } else { order[n - 1].1 };
            let after = order.get(n + 1).map_or(0, |x| x.1);
            TreeRow {
                card: v.card_value(o),
                depth,
                open: n > 0 && depth > before,
                leaf: after <= depth,
                close: vec![0; depth.saturating_sub(after)],
            }
        })
        .collect()
}

/// Up to this many services, the services page lists every title.
const SMALL_SITE: usize = 200;

/// The items of page `page` (0-based) of a list.
fn page_slice(list: &[usize], page: usize) -> &[usize] {
    let start = (page * PER_PAGE).min(list.len());
    &list[start..(start + PER_PAGE).min(list.len())]
}

/// One entry in a list's row of page numbers.
#[derive(Serialize)]
struct PageLink {
    /// 1-based; 0 stands for a gap ("…") in the row of page numbers.
    number: usize,
    url: String,
    current: bool,
}

/// Where a page of a list is among its pages, and the links to the others.
#[derive(Serialize)]
struct Pagination {
    /// 1-based.
    page: usize,
    pages: usize,
    prev: Option<String>,
    next: Option<String>,
    /// First, last, and the pages near the current one, with gaps.
    links: Vec<PageLink>,
}

/// The pagination of page `page` (0-based) of a list of `items` at `folder`.
fn pagination(config: &Config, folder: &str, page: usize, items: usize) -> Pagination {
    let pages = page_count(items);
    let url = |p: usize| config.link(&page_path(folder, p));
    let links = page_numbers(page, pages)
        .into_iter()
        .map(|number| PageLink {
            number,
            url: number.checked_sub(1).map(url).unwrap_or_default(),
            current: number == page + 1,
        })
        .collect();
    Pagination {
        page: page + 1,
        pages,
        prev: page.checked_sub(1).map(url),
        next: (page + 1 < pages).then(|| url(page + 1)),
        links,
    }
}

/// The 1-based numbers of the pages a list's page `page` (0-based) of
/// `pages` links to: the first, the last and those within two of it, with a
/// 0 for each gap. Only those are looked at, so a list of many pages costs
/// no more a page than a short one.
fn page_numbers(page: usize, pages: usize) -> Vec<usize> {
    let last = pages.saturating_sub(1);
    let near = page.saturating_sub(2)..=(page + 2).min(last);
    let mut shown: Vec<usize> = std::iter::once(0).chain(near).chain([last]).collect();
    shown.sort_unstable();
    shown.dedup();
    let mut numbers = Vec::with_capacity(shown.len() + 2);
    for (i, &p) in shown.iter().enumerate() {
        if i > 0 && p > shown[i - 1] + 1 {
            numbers.push(0);
        }
        numbers.push(p + 1);
    }
    numbers
}

/// Cards grouped under their station's name, in the order given.
fn station_groups(v: &Views, members: &[usize]) -> Vec<Group> {
    let mut groups: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
    for &x in members {
        let station = v.links_of(x).station;
        match groups.last_mut() {
            Some((s, list)) if *s == station => list.push(x),
            _ => groups.push((station, vec![x])),
        }
    }
    groups
        .into_iter()
        .map(|(station, list)| Group {
            name: station
                .map(|s| v.item(s).meta.title.clone())
                .unwrap_or_default(),
            url: station.map(|s| v.url(s)),
            items: v.cards(&list),
        })
        .collect()
}

/// The terms of a taxonomy, each linked to its page and counted.
fn terms(v: &Views, taxonomy: Taxonomy) -> Vec<TermView> {
    v.terms(taxonomy)
        .iter()
        .map(|(name, list)| TermView {
            name: name.clone(),
            url: v
                .settings()
                .link(&format!("{}/{}/", taxonomy.folder(), term_slug(name))),
            count: list.len(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::page_numbers;

    #[test]
    fn page_numbers_show_the_ends_and_the_neighbours_with_gaps() {
        assert_eq!(page_numbers(0, 1), [1]);
        assert_eq!(page_numbers(0, 2), [1, 2]);
        assert_eq!(page_numbers(0, 9), [1, 2, 3, 0, 9]);
        assert_eq!(page_numbers(4, 9), [1, 0, 3, 4, 5, 6, 7, 0, 9]);
        assert_eq!(page_numbers(3, 9), [1, 2, 3, 4, 5, 6, 0, 9]);
        assert_eq!(page_numbers(8, 9), [1, 0, 7, 8, 9]);
        // Against the rule read straight: every page, shown or one gap.
        for pages in 1..40usize {
            for page in 0..pages {
                let mut expected: Vec<usize> = Vec::new();
                for p in 0..pages {
                    if p == 0 || p + 1 == pages || p.abs_diff(page) <= 2 {
                        expected.push(p + 1);
                    } else if expected.last().is_some_and(|&n: &usize| n != 0) {
                        expected.push(0);
                    }
                }
                assert_eq!(
                    page_numbers(page, pages),
                    expected,
                    "page {page} of {pages}"
                );
            }
        }
    }
}
