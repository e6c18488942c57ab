//! Open data: a JSON file per type with every front-matter field of every
//! item and its URL, and per station its service menu as a CSV that opens in
//! Excel.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;

use serde_json::{Map, Value, json};

use crate::link::{Dep, Reads};
use crate::model::{Data, Item, Kind, Session};
use crate::render::DateWords;

/// The types published as `data/<name>.json`.
pub const DATA_KINDS: [(Kind, &str); 4] = [
    (Kind::Station, "stations"),
    (Kind::Service, "services"),
    (Kind::Organization, "organizations"),
    (Kind::Course, "courses"),
];

/// The name of a kind's data file (`data/<name>.json`), if it has one.
pub fn data_path(kind: Kind) -> Option<String> {
    let &(_, name) = DATA_KINDS.iter().find(|(k, _)| *k == kind)?;
    Some(format!("data/{name}.json"))
}

/// One item's entry in its kind's data file: compact JSON on one line.
fn entry(r: &Reads, i: usize) -> Vec<u8> {
    serde_json::to_vec(&item_json(r, r.item(i))).unwrap_or_default()
}

/// Each item's entry as last made, by uid, with what it read: an edit in
/// `zhan serve` re-encodes only the entries that read something it changed.
#[derive(Default)]
pub struct Entries(HashMap<u32, (Vec<Dep>, Arc<[u8]>)>);

impl Entries {
    /// A kind's data file, from its items' entries in order. An entry is
    /// reused when everything it read still reads the same (`same`). One
    /// item per line: still one JSON document, and a change to one item is
    /// one changed line.
    pub fn data_file(
        &mut self,
        r: &Reads,
        kind: Kind,
        same: &(dyn Fn(&[Dep]) -> bool + Sync),
    ) -> Option<(String, Vec<u8>)> {
        let path = data_path(kind)?;
        let shared = r.shared();
        let cache = &self.0;
        let made: Vec<(u32, Vec<Dep>, Arc<[u8]>)> = r
            .of_kind(kind)
            .par_iter()
            .map(|&i| {
                let own = shared.reads();
                let uid = own.uid(i);
                match cache.get(&uid) {
                    Some((deps, entry)) if same(deps) => (uid, deps.clone(), entry.clone()),
                    _ => {
                        let entry = Arc::from(entry(&own, i));
                        (uid, own.into_deps(), entry)
                    }
                }
            })
            .collect();
        made.iter().for_each(|(_, deps, _)| r.record_all(deps));
        let (_, name) = DATA_KINDS.iter().find(|(k, _)| *k == kind)?;
        let head = json!({
            "type": name,
            "site": r.config().title,
            "count": made.len(),
        })
        .to_string();
        let mut out = Vec::with_capacity(head.len() + made.len() * 700);
        // The header's fields, then the items, in one object.
        out.extend_from_slice(&head.as_bytes()[..head.len() - 1]);
        out.extend_from_slice(b",\"items\":[");
        for (n, (_, _, e)) in made.iter().enumerate() {
            out.extend_from_slice(if n == 0 { b"\n" } else { b",\n" });
            out.extend_from_slice(e);
        }
        out.extend_from_slice(b"\n]}\n");
        // Kept for the next update to reuse; a one-off build has none.
        if r.recording() {
            for (uid, deps, entry) in made {
                self.0.insert(uid, (deps, entry));
            }
        }
        Some((path, out))
    }
}

/// One item: its id and URL, the common fields, then those of its type, as
/// they were written (references by id), with file fields as URLs.
pub fn item_json(r: &Reads, item: &Item) -> Value {
    let config = &r.config();
    let mut object = Map::new();
    object.insert("id".into(), json!(item.id));
    object.insert("url".into(), json!(config.absolute_url(&item.site_path)));
    let meta = &item.meta;
    object.insert("title".into(), json!(meta.title));
    let optional = [
        ("summary", json!(meta.summary)),
        ("date", json!(meta.date)),
        ("updated", json!(meta.updated)),
        ("weight", json!(meta.weight)),
        (
            "cover",
            json!(
                meta.cover
                    .as_ref()
                    .and_then(|c| c.path.as_deref())
                    .map(|p| config.absolute_url(&r.published_file(p)))
            ),
        ),
        ("cover_alt", json!(meta.cover_alt)),
    ];
    for (key, value) in optional {
        if !value.is_null() {
            object.insert(key.into(), value);
        }
    }
    object.insert("tags".into(), json!(meta.tags));
    if !meta.aliases.is_empty() {
        let aliases: Vec<String> = meta
            .aliases
            .iter()
            .map(|a| config.absolute_url(&a.path))
            .collect();
        object.insert("aliases".into(), json!(aliases));
    }
    if let Ok(Value::Object(fields)) = serde_json::to_value(&item.data) {
        for (key, value) in fields {
            object.insert(key, value);
        }
    }
    if !meta.gallery.is_empty() {
        let photos: Vec<Value> = meta
            .gallery
            .iter()
            .map(|p| {
                json!({
                    "file": p.file.written,
                    "url": p.file.path.as_deref().map(|path| config.absolute_url(&r.published_file(path))),
                    "caption": p.caption,
                    "alt": p.alt,
                })
            })
            .collect();
        object.insert("gallery".into(), json!(photos));
    }
    if let Data::Course(course) = &item.data {
        let attachments: Vec<Value> = course
            .attachments
            .iter()
            .map(|a| {
                json!({
                    "title": a.title,
                    "file": a.file.written,
                    "url": a.file.path.as_deref().map(|p| config.absolute_url(p)),
                })
            })
            .collect();
        object.insert("attachments".into(), json!(attachments));
    }
    Value::Object(object)
}

/// A station's active services, one row each, in menu order. UTF-8 with a
/// byte-order mark and CRLF line ends, so Excel opens the Chinese text
/// correctly with a double click.
pub fn menu_csv(r: &Reads, station: usize) -> Vec<u8> {
    let strings = r.strings();
    fn text<'a>(strings: &'a BTreeMap<String, String>, key: &'a str) -> &'a str {
        strings.get(key).map_or(key, String::as_str)
    }
    let label = |key: &'static str| text(strings, key);
    let mut out = String::from("\u{feff}");
    let header = [
        label("category"),
        label("service"),
        label("schedule"),
        label("location"),
        label("audience"),
        label("fee"),
        label("how_to_apply"),
        label("contact"),
        label("online"),
        label("url"),
    ];
    push_row(&mut out, header.iter().copied());
    let separator = label("list_separator");
    let words = DateWords::new(strings);
    for &i in &r.links_of(station).services {
        let item = r.item(i);
        let Some(service) = item.service().filter(|s| s.is_active()) else {
            continue;
        };
        let schedule = sessions_text(&service.schedule, &words);
        let audience = service.audience.join(separator);
        let apply = service.how_to_apply.join(" → ");
        let url = r.config().absolute_url(&item.site_path);
        let online = if service.online { label("csv_yes") } else { "" };
        push_row(
            &mut out,
            [
                service.category.as_str(),
                item.meta.title.as_str(),
                schedule.as_str(),
                service.location.as_deref().unwrap_or_default(),
                audience.as_str(),
                service.fee.as_deref().unwrap_or_default(),
                apply.as_str(),
                service.contact.as_deref().unwrap_or_default(),
                online,
                url.as_str(),
            ],
        );
    }
    out.into_bytes()
}

/// Sessions as one line of text: `周二、周四 09:00-11:30；2026年12月5日 14:00-16:00`.
fn sessions_text(sessions: &[Session], words: &DateWords) -> String {
    sessions
        .iter()
        .map(|s| {
            let mut text = match s.date {
                Some(d) => words.date_of(d),
                None => words.weekdays(&s.days),
            };
            if let Some(t) = &s.time {
                text.push(' ');
                text.push_str(&t.to_string());
            }
            if let Some(note) = &s.note {
                text.push_str(&format!("（{note}）"));
            }
            text
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// One CSV record (RFC 4180): fields quoted when they hold a comma, quote or
/// line break; a field that a spreadsheet would run as a formula is prefixed
/// with `'` (content is untrusted).
fn push_row<'a>(out: &mut String, fields: impl IntoIterator<Item = &'a str>) {
    for (n, field) in fields.into_iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        let guarded;
        let field = if field.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            guarded = format!("'{field}");
            guarded.as_str()
        } else {
            field
        };
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(field);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        let mut out = String::new();
        push_row(
            &mut out,
            ["a,b", "say \"hi\"", "=SUM(A1)", "两行\n文字", "普通"],
        );
        assert_eq!(
            out,
            "\"a,b\",\"say \"\"hi\"\"\",'=SUM(A1),\"两行\n文字\",普通\r\n"
        );
    }

    #[test]
    fn phone_numbers_with_a_dash_inside_are_left_alone() {
        let mut out = String::new();
        push_row(&mut out, ["010-6557xxxx", "-5"]);
        assert_eq!(out, "010-6557xxxx,'-5\r\n");
    }
}
