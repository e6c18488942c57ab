//! Atom feeds (RFC 4287) of news: the whole site's at `atom.xml`, and each
//! station's at `stations/<id>/atom.xml`.

use crate::link::Reads;
use crate::markdown::escape_html;
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
        xml_text(&config.language),
        xml_text(&config.base_url)
    ));
    out.push_str(&format!("  <title>{}</title>\n", xml_text(title)));
    if !config.description.is_empty() && page_path.is_empty() {
        out.push_str(&format!(
            "  <subtitle>{}</subtitle>\n",
            xml_text(&config.description)
        ));
    }
    let self_url = config.absolute_url(path);
    out.push_str(&format!(
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        xml_text(&self_url)
    ));
    out.push_str(&format!(
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        xml_text(&config.absolute_url(page_path))
    ));
    out.push_str(&format!("  <id>{}</id>\n", xml_text(&self_url)));
    out.push_str(&format!("  <updated>{updated}</updated>\n"));
    out.push_str(&format!(
        "  <author><name>{}</name></author>\n",
        xml_text(&config.title)
    ));
    out.push_str("  <generator>zhan</generator>\n");
    for i in entries {
        let item = r.item(i);
        let url = config.absolute_url(&item.site_path);
        out.push_str("  <entry>\n");
        out.push_str(&format!(
            "    <title>{}</title>\n",
            xml_text(&item.meta.title)
        ));
        out.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            xml_text(&url)
        ));
        out.push_str(&format!("    <id>{}</id>\n", xml_text(&url)));
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
                xml_text(&r.item(s).id),
                xml_text(&r.item(s).meta.title)
            ));
        }
        let summary = item
            .meta
            .summary
            .as_deref()
            .unwrap_or(&r.body(i).first_paragraph);
        if !summary.is_empty() {
            out.push_str(&format!("    <summary>{}</summary>\n", xml_text(summary)));
        }
        out.push_str(&format!(
            "    <content type=\"html\">{}</content>\n",
            xml_text(&r.body(i).html)
        ));
        out.push_str("  </entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

/// Text escaped for XML, without the control characters XML 1.0 forbids
/// (content is untrusted: one stray character would make the feed unreadable).
fn xml_text(text: &str) -> String {
    let allowed = |c: &char| !matches!(*c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    if text.chars().all(|c| allowed(&c)) {
        escape_html(text)
    } else {
        escape_html(&text.chars().filter(allowed).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forbidden_control_characters_are_dropped() {
        assert_eq!(xml_text("a\u{0}b\u{c}<c>\n"), "ab&lt;c&gt;\n");
    }
}
