//! Stage 6, write: the output folder. Everything is written to a staging folder
//! beside it, which replaces the output only when the whole build succeeded;
//! a failed build leaves the last good output exactly as it was.

pub mod calendar;
pub mod data;
pub mod feed;
pub mod output;
pub mod search;
pub mod zip;

pub use output::{Output, Target};

use crate::escape;
use crate::link::{Dep, Reads, Site};
use crate::model::Kind;
use crate::model::config::Config;
use crate::render::{Job, Planned};

/// `sitemap.xml`: every page with its last change date.
pub fn sitemap(r: &Reads, planned: &[Planned]) -> String {
    use std::fmt::Write as _;
    r.record(Dep::Plan);
    let mut xml = String::with_capacity(planned.len() * 96 + 128);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let base = escape::html(&r.config().absolute_url(""));
    for p in planned {
        let lastmod = match p.job {
            Job::Alias(..) | Job::NotFound => continue,
            Job::Item(i) => r.item(i).last_changed(),
            _ => None,
        };
        let path = p.path.strip_suffix("index.html").unwrap_or(&p.path);
        xml.push_str("  <url><loc>");
        xml.push_str(&base);
        escape::push_url_path(&mut xml, path);
        xml.push_str("</loc>");
        if let Some(date) = lastmod {
            let _ = write!(xml, "<lastmod>{date}</lastmod>");
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

/// The kinds of pages the search index distinguishes, in code order (the
/// browser script reads kinds by these numbers).
pub const SEARCH_KINDS: [Kind; 9] = Kind::AUTHORED;

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
        // From the site's root folder: the search page puts its own address
        // of that folder before it, on a server and on disk alike.
        url: crate::render::urls::relative("index.html", &item.site_path, r.config().for_disk),
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
    /// `说明.html`, how to open a site built for disk.
    DiskReadme,
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
    DiskReadme,
}

impl ContentJob {
    pub fn key(self, site: &Site) -> ContentKey {
        match self {
            ContentJob::Data(kind) => ContentKey::Data(kind),
            ContentJob::SiteFeed => ContentKey::SiteFeed,
            ContentJob::MenuCsv(s) => ContentKey::MenuCsv(site.uids[s]),
            ContentJob::StationFeed(s) => ContentKey::StationFeed(site.uids[s]),
            ContentJob::Calendars(s) => ContentKey::Calendars(site.uids[s]),
            ContentJob::DiskReadme => ContentKey::DiskReadme,
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
    if site.config.for_disk {
        plan.push(ContentJob::DiskReadme);
    }
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
        ContentJob::DiskReadme => vec![(DISK_README.to_string(), disk_readme(r).into_bytes())],
    }
}

/// The page at the root of a site built for disk that says how to open it.
pub const DISK_README: &str = "说明.html";

/// `说明.html`: one page with its own style, since it may be opened from
/// inside the zip, where nothing beside it is (the first thing it says).
pub fn disk_readme(r: &Reads) -> String {
    let strings = r.strings();
    let text = |key: &str| escape::html(strings.get(key).map_or(key, String::as_str));
    let config = r.config();
    let title = escape::html(&config.title);
    let mut paragraphs = vec![
        text("offline_unzip"),
        text("offline_open"),
        format!(
            "<a class=\"open\" href=\"index.html\">{}</a>",
            text("offline_button")
        ),
        text("offline_works"),
    ];
    if config.base_url.starts_with("http") {
        paragraphs.push(text("offline_online").replace("{url}", &escape::html(&config.base_url)));
    }
    paragraphs.push(text("offline_copy"));
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} - {heading}</title><style>\
         body{{font:20px/1.7 sans-serif;max-width:40em;margin:2em auto;padding:0 1em;color:#1a1a1a}}\
         .open{{display:inline-block;padding:.5em 1.2em;background:#0b5394;color:#fff;border-radius:6px;text-decoration:none}}\
         </style></head>\n<body><main><h1>{title}<br>{heading}</h1>\n{body}</main></body></html>\n",
        heading = text("offline_title"),
    )
}

/// `robots.txt`: everything may be indexed; where the sitemap is.
pub fn robots(config: &Config) -> String {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        config.absolute_url("sitemap.xml")
    )
}
