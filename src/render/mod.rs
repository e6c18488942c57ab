//! Stage 5, render: pages through the theme's tera templates.
//!
//! [`plan`] lists every file the site will have (so clashes are found before
//! anything is written); [`Engine::render`] renders one planned page.

mod chart;
mod jsonld;
mod plan;
mod qr;
pub mod theme;
pub mod views;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use tera::{Context, Kwargs, State, Tera};

use crate::config::Config;
use crate::diagnostics::{Diagnostic, Diagnostics, Pos};
pub use crate::link::{Dep, Taxonomy};
use crate::link::{Reads, Site};
use crate::model::{Date, Kind, Num, Service};
use plan::page_count;
pub use plan::{Job, PER_PAGE, Planned, Section, page_path, plan};
pub use theme::{Bytes, Theme};
pub use views::CardCache;
use views::{Group, LinkGroup, LinkView, Views, term_slug};

/// The tera engine with the theme's templates, filters and site-wide values.
pub struct Engine {
    tera: Tera,
    origins: HashMap<String, String>,
    sources: BTreeMap<String, String>,
    strings: BTreeMap<String, String>,
    pub static_files: BTreeMap<String, Bytes>,
    /// What the values every page sees were made from (see [`Engine::set_site`]).
    global_deps: Vec<Dep>,
}

#[derive(Serialize)]
struct NavEntry {
    key: &'static str,
    title: String,
    url: String,
}

/// The interface string `key`, or the key itself if the theme lacks it.
fn string<'s>(strings: &'s BTreeMap<String, String>, key: &'s str) -> &'s str {
    strings.get(key).map_or(key, String::as_str)
}

/// `[mon, tue, wed, thu, fri]` → 周一至周五; `[tue, thu]` → 周二、周四.
pub fn days_text(days: &[String], strings: &BTreeMap<String, String>) -> String {
    let codes = crate::model::Weekday::CODES;
    let mut indices: Vec<usize> = days
        .iter()
        .filter_map(|d| codes.iter().position(|c| c == d))
        .collect();
    indices.sort_unstable();
    indices.dedup();
    let name = |i: usize| string(strings, &format!("weekday_{}", codes[i])).to_string();
    if indices.len() == 7 {
        return string(strings, "every_day").to_string();
    }
    let consecutive = indices.windows(2).all(|w| w[1] == w[0] + 1);
    if indices.len() >= 3 && consecutive {
        return format!(
            "{}{}{}",
            name(indices[0]),
            string(strings, "range_to"),
            name(indices[indices.len() - 1])
        );
    }
    indices
        .into_iter()
        .map(name)
        .collect::<Vec<_>>()
        .join(string(strings, "list_separator"))
}

/// `2026-11-28` → 2026年11月28日 (the format is an interface string).
pub fn date_text(date: &str, strings: &BTreeMap<String, String>) -> String {
    match crate::model::Date::parse(date) {
        Some(d) => string(strings, "date_format")
            .replace("{year}", &d.year.to_string())
            .replace("{month}", &d.month.to_string())
            .replace("{day}", &d.day.to_string()),
        None => date.to_string(),
    }
}

/// 1536 → 1.5 KB.
pub fn size_text(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

impl Engine {
    /// Compiles the theme's templates; errors name the template, line and column.
    pub fn new(theme: Theme, config: &Config, diagnostics: &mut Diagnostics) -> Option<Engine> {
        let mut tera = Tera::new();
        tera.autoescape_on([".html", ".htm", ".xml"]);
        let strings = theme.strings.clone();
        let days_strings = strings.clone();
        tera.register_filter("days", move |days: Vec<String>, _: Kwargs, _: &State| {
            days_text(&days, &days_strings)
        });
        let date_strings = strings.clone();
        tera.register_filter("date_text", move |date: &str, _: Kwargs, _: &State| {
            date_text(date, &date_strings)
        });
        tera.register_filter("size_text", |bytes: u64, _: Kwargs, _: &State| {
            size_text(bytes)
        });
        // The URL segment of a vocabulary term or tag, as the directory pages use.
        tera.register_filter("slug", |term: &str, _: Kwargs, _: &State| term_slug(term));
        let origins: HashMap<String, String> = theme
            .templates
            .iter()
            .map(|t| (t.name.clone(), t.origin.clone()))
            .collect();
        let sources: Vec<(String, String)> = theme
            .templates
            .iter()
            .map(|t| (t.name.clone(), t.source.clone()))
            .collect();
        if let Err(err) = tera.add_raw_templates(sources) {
            diagnostics.push(template_error(&err, &origins, None));
            return None;
        }
        let globals = tera.global_context();
        globals.insert("site", config);
        globals.insert("strings", &strings);
        let sources = theme
            .templates
            .iter()
            .map(|t| (t.name.clone(), t.source.clone()))
            .collect();
        Some(Engine {
            tera,
            origins,
            sources,
            strings,
            static_files: theme.static_files,
            global_deps: vec![Dep::Templates, Dep::Settings, Dep::Strings],
        })
    }

    /// Sets the values every page sees that depend on the content (the
    /// navigation and the footer's pages), recording what they read: every
    /// page rendered through the templates reads them too.
    pub fn set_site(&mut self, site: &Site) {
        let reads = Reads::new(site, &self.strings);
        let strings = reads.strings();
        let config = reads.config();
        let base = |p: &str| config.link(p);
        let mut nav = vec![NavEntry {
            key: "home",
            title: string(strings, "nav_home").to_string(),
            url: base(""),
        }];
        for section in Section::ALL {
            let key = section.folder();
            nav.push(NavEntry {
                key,
                title: string(strings, &format!("nav_{key}")).to_string(),
                url: base(&format!("{key}/")),
            });
        }
        let pages: Vec<LinkView> = reads
            .of_kind(Kind::Page)
            .iter()
            .map(|&i| reads.item(i))
            .filter(|item| !item.key.contains('/'))
            .map(|item| LinkView {
                title: &item.meta.title,
                url: config.link(&item.site_path),
            })
            .collect();
        let globals = self.tera.global_context();
        globals.insert("nav", &nav);
        globals.insert("footer_pages", &pages);
        drop(pages);
        let mut deps = reads.into_deps();
        // The templates themselves, and `site` and `strings` in the globals.
        deps.extend([Dep::Templates, Dep::Settings, Dep::Strings]);
        deps.sort_unstable();
        deps.dedup();
        self.global_deps = deps;
    }

    pub fn has_template(&self, name: &str) -> bool {
        self.tera.contains_template(name)
    }

    /// Renders one planned page.
    pub fn render(&self, site: &Site, job: Job) -> Result<String, Diagnostic> {
        let mut out = Vec::new();
        self.render_to(site, job, &CardCache::new(site.items.len()), &mut out)?;
        String::from_utf8(out).map_err(|_| {
            Diagnostic::error("templates", Pos::START, "a template produced invalid UTF-8")
        })
    }

    /// Renders one planned page into `out` (cleared first, so a caller can
    /// reuse one buffer), returning what the page was made from. `cards`
    /// holds the cards of items already listed on other pages of the pass.
    pub fn render_to(
        &self,
        site: &Site,
        job: Job,
        cards: &CardCache,
        out: &mut Vec<u8>,
    ) -> Result<Rendered, Diagnostic> {
        out.clear();
        let views = Views::with_cards(site, &self.strings, cards);
        if let Job::Alias(i, _) = job {
            out.extend_from_slice(alias_page(&views.url(i), &views.item(i).meta.title).as_bytes());
            return Ok(Rendered {
                deps: views.into_deps(),
            });
        }
        let mut cx = Context::new();
        views.record_all(&self.global_deps);
        let template = fill_context(&views, job, &mut cx, &self.strings);
        // The driver adds which pages hit the error, once per template mistake.
        self.tera
            .render_to(template, &cx, &mut *out)
            .map_err(|err| template_error(&err, &self.origins, None))?;
        Ok(Rendered {
            deps: views.into_deps(),
        })
    }

    /// The source of each template, by name.
    pub fn sources(&self) -> &BTreeMap<String, String> {
        &self.sources
    }

    /// The interface strings.
    pub fn strings(&self) -> &BTreeMap<String, String> {
        &self.strings
    }
}

/// What rendering a page read.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub deps: Vec<Dep>,
}

/// A redirect page for an old address: works without JavaScript.
fn alias_page(url: &str, title: &str) -> String {
    let url = crate::markdown::escape_html(url);
    let title = crate::markdown::escape_html(title);
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <link rel=\"canonical\" href=\"{url}\"><meta http-equiv=\"refresh\" content=\"0; url={url}\">\
         <meta name=\"robots\" content=\"noindex\"></head>\
         <body><p><a href=\"{url}\">{title}</a></p></body></html>\n"
    )
}

/// Turns a tera error into a diagnostic at the template's line and column.
fn template_error(
    err: &tera::Error,
    origins: &HashMap<String, String>,
    page: Option<&str>,
) -> Diagnostic {
    let while_rendering = page
        .map(|p| format!(" (while rendering {p})"))
        .unwrap_or_default();
    let origin = |name: &str| {
        origins
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("templates/{name}"))
    };
    let hint = "fix the template; if it is a copy of a theme template in templates/, compare it with the theme's version";
    match err.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            let span = report.span();
            Diagnostic::error(
                origin(report.filename()),
                Pos::new(
                    u32::try_from(span.start_line).unwrap_or(1),
                    u32::try_from(span.start_col + 1).unwrap_or(1),
                ),
                format!("template error: {}{while_rendering}", report.message()),
            )
            .with_len(if span.end_line == span.start_line {
                span.end_col.saturating_sub(span.start_col)
            } else {
                1
            })
            .with_hint(hint)
        }
        tera::ErrorKind::MissingParent { current, parent } => Diagnostic::error(
            origin(current),
            Pos::START,
            format!("template `{current}` extends `{parent}`, which does not exist"),
        )
        .with_hint("check the name in `{% extends %}`"),
        tera::ErrorKind::TemplateNotFound(name) => Diagnostic::error(
            origin(name),
            Pos::START,
            format!("the theme has no template `{name}`{while_rendering}"),
        )
        .with_hint(format!(
            "add templates/{name} to the site, or use a theme that has it"
        )),
        other => Diagnostic::error(
            "templates",
            Pos::START,
            format!("template error: {other}{while_rendering}"),
        )
        .with_hint(hint),
    }
}

#[derive(Serialize)]
struct AttachmentView<'a> {
    title: &'a str,
    url: String,
    file: &'a str,
    extension: String,
    size: u64,
}

#[derive(Serialize)]
struct TermView {
    name: String,
    url: String,
    count: usize,
}

#[derive(Serialize)]
struct Counts {
    stations: usize,
    services: usize,
    organizations: usize,
    projects: usize,
    courses: usize,
}

/// Fills the context for a job and returns the template to use. Every read of
/// the site goes through `v`, which records what the page depends on.
fn fill_context<'a>(
    v: &Views<'a>,
    job: Job,
    cx: &mut Context,
    strings: &'a BTreeMap<String, String>,
) -> &'static str {
    let config = v.settings();
    let mut crumbs: Vec<LinkView> = Vec::new();
    let nav_title = |key: &str| {
        strings
            .get(&format!("nav_{key}"))
            .map_or("", String::as_str)
    };
    let section_link = |section: Section| LinkView {
        title: nav_title(section.folder()),
        url: config.link(&format!("{}/", section.folder())),
    };
    let intro = |key: &str| {
        v.of_kind(Kind::Section)
            .iter()
            .copied()
            .find(|&i| v.item(i).key == key)
            .map(|i| v.page(i))
    };
    cx.insert("section", "");
    cx.insert("json_ld", &None::<String>);
    let template = match job {
        Job::Item(i) => {
            let item = v.item(i);
            cx.insert("page", &v.page(i));
            cx.insert("json_ld", &jsonld::of_item(v, i));
            if let Some(section) = Section::of_kind(item.kind) {
                cx.insert("section", section.folder());
                crumbs.push(section_link(section));
            }
            match item.kind {
                Kind::Home => {
                    // A dozen stations on the home page; the list has them all.
                    let stations = v.of_kind(Kind::Station);
                    cx.insert("stations", &v.cards(&stations[..stations.len().min(12)]));
                    let news: Vec<usize> = v.of_kind(Kind::News).iter().copied().take(5).collect();
                    cx.insert("latest_news", &v.cards(&news));
                    cx.insert(
                        "latest_report",
                        &v.of_kind(Kind::Report).first().map(|&r| v.card_value(r)),
                    );
                    cx.insert(
                        "counts",
                        &Counts {
                            stations: v.kind_count(Kind::Station),
                            services: v.kind_count(Kind::Service),
                            organizations: v.kind_count(Kind::Organization),
                            projects: v.kind_count(Kind::Project),
                            courses: v.kind_count(Kind::Course),
                        },
                    );
                    cx.insert("categories", &terms(v, Taxonomy::Categories));
                    cx.insert("served", &people_served(v));
                    "index.html"
                }
                Kind::Station => {
                    let l = v.links_of(i);
                    cx.insert("services_by_category", &v.by_category(&l.services));
                    cx.insert("organizations", &v.cards(&l.organizations));
                    cx.insert("projects", &v.cards(&l.projects));
                    cx.insert("reports", &v.cards(&l.reports));
                    cx.insert("news", &v.cards(&l.news));
                    cx.insert(
                        "services_url",
                        &config.link(&format!("services/{}/", item.id)),
                    );
                    "station.html"
                }
                Kind::Service => {
                    let l = v.links_of(i);
                    let station = l.station.map(|s| v.link(s));
                    if let Some(s) = &station {
                        let folder = item.key.split('/').next().unwrap_or_default();
                        crumbs.push(LinkView {
                            title: s.title,
                            url: config.link(&format!("services/{folder}/")),
                        });
                    }
                    cx.insert("station", &station);
                    cx.insert("providers", &v.cards(&l.organizations));
                    if let Some(s) = item.service() {
                        cx.insert(
                            "category_url",
                            &config.link(&format!("categories/{}/", term_slug(&s.category))),
                        );
                        let audience: Vec<TermView> = s
                            .audience
                            .iter()
                            .map(|a| TermView {
                                name: a.clone(),
                                url: config.link(&format!("audiences/{}/", term_slug(a))),
                                count: 0,
                            })
                            .collect();
                        cx.insert("audience", &audience);
                    }
                    "service.html"
                }
                Kind::Organization => {
                    let l = v.links_of(i);
                    cx.insert("station", &l.station.map(|s| v.link(s)));
                    cx.insert("mentor", &l.mentor.map(|m| v.card_value(m)));
                    cx.insert("mentees", &v.cards(&l.mentees));
                    cx.insert("services", &v.cards(&l.services));
                    cx.insert("projects", &v.cards(&l.projects));
                    "organization.html"
                }
                Kind::Course => {
                    let l = v.links_of(i);
                    cx.insert("lessons", &v.cards(&l.lessons));
                    cx.insert("prerequisites", &v.links(&l.prerequisites));
                    cx.insert("required_by", &v.links(&l.required_by));
                    cx.insert("attachments", &attachments(v, i));
                    cx.insert(
                        "print_url",
                        &config.link(&format!("{}print/", item.site_path)),
                    );
                    "course.html"
                }
                Kind::Lesson => {
                    let l = v.links_of(i);
                    if let Some(c) = l.course {
                        crumbs.push(v.link(c));
                        cx.insert("course", &v.link(c));
                        let siblings = &v.links_of(c).lessons;
                        cx.insert("lessons", &v.cards(siblings));
                        let position = siblings.iter().position(|&x| x == i).map_or(0, |p| p + 1);
                        cx.insert("lesson_number", &position);
                    }
                    cx.insert("prev", &l.prev.map(|p| v.link(p)));
                    cx.insert("next", &l.next.map(|p| v.link(p)));
                    "lesson.html"
                }
                Kind::Project => {
                    let l = v.links_of(i);
                    cx.insert("station", &l.station.map(|s| v.link(s)));
                    cx.insert("organizations", &v.cards(&l.organizations));
                    "project.html"
                }
                Kind::Report => {
                    cx.insert("stations", &v.links(&v.links_of(i).stations));
                    cx.insert("charts", &chart::of_report(v, i, strings));
                    "report.html"
                }
                Kind::News => {
                    let l = v.links_of(i);
                    cx.insert("station", &l.station.map(|s| v.link(s)));
                    "news.html"
                }
                Kind::Page | Kind::Section => "page.html",
            }
        }
        Job::List(section, page) => {
            cx.insert("section", section.folder());
            cx.insert("intro", &intro(section.folder()));
            let paged_cards = |kind: Kind| v.cards(page_slice(v.of_kind(kind), page));
            let template = match section {
                Section::Stations => {
                    cx.insert("items", &paged_cards(Kind::Station));
                    "list_stations.html"
                }
                Section::Services => {
                    // Every service's title on a small site; counts on a big one.
                    let stations = v.of_kind(Kind::Station);
                    let total: usize = stations.iter().map(|&s| v.links_of(s).services.len()).sum();
                    let groups: Vec<LinkGroup> = stations
                        .iter()
                        .map(|&s| LinkGroup {
                            name: &v.item(s).meta.title,
                            url: config.link(&format!("services/{}/", v.item(s).id)),
                            count: v.links_of(s).services.len(),
                            items: if total <= SMALL_SITE {
                                v.links(&v.links_of(s).services)
                            } else {
                                Vec::new()
                            },
                        })
                        .collect();
                    cx.insert("stations", &groups);
                    cx.insert("categories", &terms(v, Taxonomy::Categories));
                    cx.insert("audiences", &terms(v, Taxonomy::Audiences));
                    "list_services.html"
                }
                Section::Organizations => {
                    // Grouped by station, in station order, a page at a time;
                    // organizations of no station last.
                    let mut ordered: Vec<usize> = v
                        .of_kind(Kind::Station)
                        .iter()
                        .flat_map(|&s| v.links_of(s).organizations.iter().copied())
                        .collect();
                    ordered.extend(
                        v.of_kind(Kind::Organization)
                            .iter()
                            .copied()
                            .filter(|&o| v.links_of(o).station.is_none()),
                    );
                    cx.insert("groups", &station_groups(v, page_slice(&ordered, page)));
                    "list_organizations.html"
                }
                Section::Training => {
                    let courses = v.of_kind(Kind::Course);
                    let levels: Vec<Group> = config
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
                    cx.insert("levels", &levels);
                    "list_training.html"
                }
                Section::Projects => {
                    cx.insert("items", &paged_cards(Kind::Project));
                    "list_projects.html"
                }
                Section::Reports => {
                    cx.insert("items", &paged_cards(Kind::Report));
                    "list_reports.html"
                }
                Section::News => {
                    cx.insert("items", &paged_cards(Kind::News));
                    "list_news.html"
                }
            };
            let listed = section.listed_kind().map_or(0, |k| v.of_kind(k).len());
            cx.insert(
                "pagination",
                &pagination(config, section.folder(), page, listed),
            );
            template
        }
        Job::StationServices(s) => {
            cx.insert("section", "services");
            crumbs.push(section_link(Section::Services));
            cx.insert("station", &v.card_value(s));
            cx.insert(
                "services_by_category",
                &v.by_category(&v.links_of(s).services),
            );
            cx.insert("intro", &intro(&format!("services/{}", v.item(s).id)));
            "station_services.html"
        }
        Job::StationMenu(s) => {
            cx.insert("section", "stations");
            crumbs.push(section_link(Section::Stations));
            crumbs.push(v.link(s));
            cx.insert("station", &v.page(s));
            let active: Vec<usize> = v
                .links_of(s)
                .services
                .iter()
                .copied()
                .filter(|&x| v.item(x).service().is_some_and(Service::is_active))
                .collect();
            cx.insert("services_by_category", &v.by_category(&active));
            cx.insert("service_count", &active.len());
            let menu_url = config.absolute_url(&format!("{}menu/", v.item(s).site_path));
            // The printed sheet leads back to its own page online.
            let label = format!(
                "{} {}",
                v.item(s).meta.title,
                string(strings, "service_menu")
            );
            cx.insert("menu_qr", &qr::svg(&menu_url, &label));
            cx.insert("menu_url", &menu_url);
            "station_menu.html"
        }
        Job::CoursePrint(c) => {
            cx.insert("section", "training");
            crumbs.push(section_link(Section::Training));
            crumbs.push(v.link(c));
            cx.insert("page", &v.page(c));
            let l = v.links_of(c);
            let lessons: Vec<LessonPrint> = l
                .lessons
                .iter()
                .enumerate()
                .map(|(n, &x)| {
                    let page = v.page(x);
                    // Lessons share a page: their heading ids must not clash.
                    let anchor = format!("lesson-{}", n + 1);
                    let content = page
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
                .collect();
            cx.insert("lessons", &lessons);
            cx.insert("prerequisites", &v.links(&l.prerequisites));
            cx.insert("attachments", &attachments(v, c));
            "course_print.html"
        }
        Job::OrganizationTree => {
            cx.insert("section", "organizations");
            crumbs.push(section_link(Section::Organizations));
            cx.insert("tree", &mentoring_tree(v));
            "organization_tree.html"
        }
        Job::Terms(taxonomy) => {
            cx.insert("section", "services");
            cx.insert("taxonomy", taxonomy.folder());
            cx.insert("terms", &terms(v, taxonomy));
            "taxonomy.html"
        }
        Job::Term(taxonomy, n, page) => {
            let (term, list) = &v.terms(taxonomy)[n];
            cx.insert("section", "services");
            crumbs.push(LinkView {
                title: strings
                    .get(&format!("taxonomy_{}", taxonomy.folder()))
                    .map_or("", String::as_str),
                url: config.link(&format!("{}/", taxonomy.folder())),
            });
            cx.insert("taxonomy", taxonomy.folder());
            cx.insert("term", term);
            cx.insert("count", &list.len());
            let folder = format!("{}/{}", taxonomy.folder(), term_slug(term));
            if taxonomy == Taxonomy::Tags {
                let shown = page_slice(list, page);
                cx.insert("items", &v.cards(shown));
            } else {
                // Services grouped by station, in station order, a page at a time.
                let ordered = by_station_order(v, list);
                cx.insert("groups", &station_groups(v, page_slice(&ordered, page)));
            }
            cx.insert("pagination", &pagination(config, &folder, page, list.len()));
            "taxonomy_term.html"
        }
        Job::NotFound => "404.html",
        Job::Search => {
            cx.insert("section", "search");
            // Without JavaScript the page offers browsing instead.
            cx.insert("categories", &terms(v, Taxonomy::Categories));
            cx.insert("audiences", &terms(v, Taxonomy::Audiences));
            "search.html"
        }
        Job::Alias(..) => "",
    };
    cx.insert("breadcrumbs", &crumbs);
    template
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

#[derive(Serialize)]
struct PageLink {
    /// 1-based; 0 stands for a gap ("…") in the row of page numbers.
    number: usize,
    url: String,
    current: bool,
}

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

fn pagination(
    config: &crate::config::Config,
    folder: &str,
    page: usize,
    items: usize,
) -> Pagination {
    let pages = page_count(items);
    let url = |p: usize| config.link(&page_path(folder, p));
    let mut links = Vec::new();
    for p in 0..pages {
        if p == 0 || p + 1 == pages || p.abs_diff(page) <= 2 {
            links.push(PageLink {
                number: p + 1,
                url: url(p),
                current: p == page,
            });
        } else if links.last().is_some_and(|l: &PageLink| l.number != 0) {
            links.push(PageLink {
                number: 0,
                url: String::new(),
                current: false,
            });
        }
    }
    Pagination {
        page: page + 1,
        pages,
        prev: page.checked_sub(1).map(url),
        next: (page + 1 < pages).then(|| url(page + 1)),
        links,
    }
}

/// Members of a directory ordered by their station (in station order), then
/// as listed; members of no station last.
fn by_station_order(v: &Views, list: &[usize]) -> Vec<usize> {
    let stations = v.of_kind(Kind::Station);
    let position: HashMap<usize, usize> =
        stations.iter().enumerate().map(|(n, &s)| (s, n)).collect();
    let mut ordered: Vec<(usize, usize)> = list
        .iter()
        .map(|&x| {
            (
                v.links_of(x)
                    .station
                    .and_then(|s| position.get(&s).copied())
                    .unwrap_or(usize::MAX),
                x,
            )
        })
        .collect();
    ordered.sort_by_key(|(station, _)| *station);
    ordered.into_iter().map(|(_, x)| x).collect()
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
    use super::*;

    fn strings() -> BTreeMap<String, String> {
        let mut s = BTreeMap::new();
        for (code, name) in crate::model::Weekday::CODES
            .iter()
            .zip(["周一", "周二", "周三", "周四", "周五", "周六", "周日"])
        {
            s.insert(format!("weekday_{code}"), name.to_string());
        }
        s.insert("range_to".into(), "至".into());
        s.insert("list_separator".into(), "、".into());
        s.insert("every_day".into(), "每天".into());
        s.insert("date_format".into(), "{year}年{month}月{day}日".into());
        s
    }

    #[test]
    fn days_are_written_as_readers_expect() {
        let d = |list: &[&str]| {
            days_text(
                &list.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                &strings(),
            )
        };
        assert_eq!(d(&["mon", "tue", "wed", "thu", "fri"]), "周一至周五");
        assert_eq!(d(&["thu", "tue"]), "周二、周四");
        assert_eq!(
            d(&["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
            "每天"
        );
    }

    #[test]
    fn dates_in_chinese() {
        assert_eq!(date_text("2026-11-08", &strings()), "2026年11月8日");
    }
}
