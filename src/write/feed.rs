//! Atom feeds (RFC 4287) of news: the whole site's at `atom.xml`, and each
//! station's at `stations/<id>/atom.xml`.

use crate::escape;
use crate::link::Reads;
use crate::model::{Date, Kind};

/// The newest entries a feed carries; readers keep older ones themselves.
pub const FEED_ENTRIES: usize = 50;

/// The whole site's feed, as (path in the output, bytes).
pub fn site_feed(r: &Reads) -> (String, Vec<u8>) {
    let text = feed(
        r,
        &r.config().title,
        "atom.xml",
        "",
        r.of_kind(Kind::News),
        None,
    );
    ("atom.xml".to_string(), text.into_bytes())
}

/// A station's feed, as (path in the output, bytes).
pub fn station_feed(r: &Reads, s: usize) -> (String, Vec<u8>) {
    let station = r.item(s);
    let path = format!("{}atom.xml", station.site_path);
    let text = feed(
        r,
        &format!("{} - {}", station.meta.title, r.config().title),
        &path,
        &station.site_path,
        &r.links_of(s).news,
        station.last_changed(),
    );
    (path, text.into_bytes())
}

/// `2026-03-01` → `2026-03-01T00:00:00+08:00`: news carry dates, not times,
/// and the stations are in China.
fn timestamp(date: Date) -> String {
    format!("{date}T00:00:00+08:00")
}

/// A feed of `news` (newest first) published at `path`, about the page at
/// `page_path`. Its date is that of its newest entry; without entries,
/// `fallback` (the station's own date), else a fixed one: the feed reads
/// nothing else, so an edit elsewhere never changes it.
fn feed(
    r: &Reads,
    title: &str,
    path: &str,
    page_path: &str,
    news: &[usize],
    fallback: Option<Date>,
) -> String {
    let config = &r.config();
    let mut entries: Vec<usize> = news.to_vec();
    entries.sort_by(|&a, &b| {
        let key = |i: usize| r.item(i).meta.date;
        key(b).cmp(&key(a)).then(a.cmp(&b))
    });
    entries.truncate(FEED_ENTRIES);
    let updated = entries
        .iter()
        .filter_map(|&i| r.item(i).last_changed())
        .max()
        .or(fallback)
        .map_or_else(|| "2000-01-01T00:00:00+08:00".to_string(), timestamp);
    let mut out = String::with_capacity(4096 + entries.len() * 2048);
    out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    out.push_str(&format!(
        "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"{}\" xml:base=\"{}\">\n",
        escape::xml(&config.language),
        escape::xml(&config.base_url)
    ));
    out.push_str(&format!("  <title>{}</title>\n", escape::xml(title)));
    if !config.description.is_empty() && page_path.is_empty() {
        out.push_str(&format!(
            "  <subtitle>{}</subtitle>\n",
            escape::xml(&config.description)
        ));
    }
    let self_url = config.absolute_url(path);
    out.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        escape::xml(&self_url)
    ));
    out.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        escape::xml(&config.absolute_url(page_path))
    ));
    out.push_str(&format!("  <id>{}</id>\n", escape::xml(&self_url)));
    out.push_str(&format!("  <updated>{updated}</updated>\n"));
    out.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        escape::xml(&config.title)
    ));
    out.push_str("  <generator>zhan</generator>\n");
    for i in entries {
        let item = r.item(i);
        let url = config.absolute_url(&item.site_path);
        out.push_str("  <entry>\n");
        out.push_str(&format!(
            "    <title>{}</title>\n",
            escape::xml(&item.meta.title)
        ));
        out.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            escape::xml(&url)
        ));
        out.push_str(&format!("    <id>{}</id>\n", escape::xml(&url)));
        if let Some(date) = item.meta.date {
            out.push_str(&format!("    <published>{}</published>\n", timestamp(date)));
        }
        let entry_updated = item
            .last_changed()
            .map_or_else(|| updated.clone(), timestamp);
        out.push_str(&format!("    <updated>{entry_updated}</updated>\n"));
        if let Some(s) = r.links_of(i).station {
            out.push_str(&format!(
                "    <category term=\"{}\" label=\"{}\"/>\n",
                escape::xml(&r.item(s).id),
                escape::xml(&r.item(s).meta.title)
            ));
        }
        let summary = item
            .meta
            .summary
            .as_deref()
            .unwrap_or(&r.body(i).first_paragraph);
        if !summary.is_empty() {
            out.push_str(&format!(
                "    <summary>{}</summary>\n",
                escape::xml(summary)
            ));
        }
        out.push_str(&format!(
            "    <content type=\"html\">{}</content>\n",
            escape::xml(&r.body(i).html)
        ));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}
