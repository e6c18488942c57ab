//! What still points at an item: before the editor deletes (or renames) a
//! file, it lists the other files that name it.
//!
//! Read from the files' texts (the drafts on disk), not from the last build,
//! so that a file the build could not read is still looked at:
//!
//! - a front-matter reference by id, in a field the content model types as a
//!   reference to the item's kind (`providers: [tongxin]`, `metrics[0].station`);
//! - a Markdown link in a body whose target resolves to the item's file
//!   (`[同心](../organizations/tongxin.md#服务)`);
//! - for a station, the services in its folder (`services/huidong/`); for a
//!   course, the lessons in its folder.

use pulldown_cmark::{Event, Options, Parser, Tag};

use crate::load::{self, Node, Value};
use crate::model::schema::{self, Field, Shape};
use crate::model::values::resolve_relative;
use crate::model::{Kind, classify};

/// How a file points at the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum How {
    /// A reference by id in this field (`providers`, `metrics[1].station`).
    Field(String),
    /// A Markdown link, as written.
    Link(String),
    /// The file is in the item's folder (a station's service, a course's lesson).
    Folder,
}

/// One place that points at the item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referrer {
    /// Relative to `content/`.
    pub path: String,
    /// The line of the reference in the file (1-based; 0 when not known).
    pub line: u32,
    pub how: How,
}

/// The places in `files` (content path and text) that point at the item of
/// the content file `target`, in the order of `files`, then of the text.
pub fn referrers<'a>(
    target: &str,
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<Referrer> {
    let Ok(place) = classify(target) else {
        return Vec::new();
    };
    let folder = match place.kind {
        Kind::Station => Some(format!("services/{}/", place.id)),
        Kind::Course => target.strip_suffix("_index.md").map(str::to_string),
        _ => None,
    };
    let mut found = Vec::new();
    for (path, text) in files {
        if path == target {
            continue;
        }
        if folder.as_deref().is_some_and(|f| path.starts_with(f)) {
            found.push(Referrer {
                path: path.to_string(),
                line: 0,
                how: How::Folder,
            });
        }
        let Ok(doc) = load::document_from_bytes(path, format!("content/{path}"), text.as_bytes())
        else {
            continue;
        };
        if let (Some(front), Ok(from)) = (&doc.front, classify(path)) {
            if let Some(entries) = front.as_map() {
                let place = (place.kind, place.id.clone());
                for (key, node) in entries {
                    if let Some(field) = schema::find(from.kind, None, &key.name) {
                        field_refs(path, &key.name, field, node, &place, &mut found);
                    }
                }
            }
        }
        for (written, offset) in body_links(doc.body()) {
            if link_target(path, &written).as_deref() == Some(target) {
                let before = &doc.text[..doc.body_start + offset];
                let line = u32::try_from(before.matches('\n').count() + 1).unwrap_or(0);
                found.push(Referrer {
                    path: path.to_string(),
                    line,
                    how: How::Link(written),
                });
            }
        }
    }
    found
}

/// The references to `place` in the value `node` of `field` (named `name`).
fn field_refs(
    path: &str,
    name: &str,
    field: &Field,
    node: &Node,
    place: &(Kind, String),
    found: &mut Vec<Referrer>,
) {
    let hit = |node: &Node, found: &mut Vec<Referrer>| {
        if matches!(&node.value, Value::Str(s) if *s == place.1) {
            found.push(Referrer {
                path: path.to_string(),
                line: node.pos.line,
                how: How::Field(name.to_string()),
            });
        }
    };
    match (field.shape, &node.value) {
        (Shape::Ref(kind), _) if kind == place.0 => hit(node, found),
        (Shape::RefList(kind), Value::Seq(items)) if kind == place.0 => {
            items.iter().for_each(|n| hit(n, found));
        }
        (Shape::RefList(kind), Value::Str(_)) if kind == place.0 => hit(node, found),
        (Shape::Group(members), Value::Seq(entries)) => {
            for (i, entry) in entries.iter().enumerate() {
                for (key, value) in entry.as_map().unwrap_or_default() {
                    if let Some(member) = members.iter().find(|m| m.key == key.name) {
                        let name = format!("{name}[{i}].{}", key.name);
                        field_refs(path, &name, member, value, place, found);
                    }
                }
            }
        }
        _ => {}
    }
}

/// The link targets of a Markdown body, as written, with the offset of the
/// link in the body.
pub fn body_links(body: &str) -> Vec<(String, usize)> {
    Parser::new_ext(body, Options::empty())
        .into_offset_iter()
        .filter_map(|(event, range)| match event {
            Event::Start(Tag::Link { dest_url, .. }) => Some((dest_url.to_string(), range.start)),
            _ => None,
        })
        .collect()
}

/// The content file a link written in `from` points at, if it is a page
/// (`../stations/huidong.md#服务` → `stations/huidong.md`).
pub fn link_target(from: &str, written: &str) -> Option<String> {
    let dest = written.trim();
    if dest.starts_with('#') || dest.starts_with('/') || dest.contains(':') {
        return None;
    }
    let path = dest.split(['#', '?']).next().unwrap_or(dest);
    let decoded = crate::escape::percent_decode(path);
    resolve_relative(from, &decoded).filter(|p| p.ends_with(".md"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_links_and_folders_are_found() {
        let files = [
            (
                "services/huidong/tanfang.md",
                "---\ntitle: 探访\nproviders: [leling, tongxin]\n---\n\n见[同心](../../organizations/tongxin.md#服务)。\n",
            ),
            (
                "projects/loumen.md",
                "---\ntitle: 楼门\norganizations:\n  - tongxin\n---\n\n[别的](../organizations/leling.md)\n",
            ),
            (
                "reports/yinian.md",
                "---\ntitle: 一年\nmetrics:\n  - station: huidong\n    name: 人次\n    value: 3\n---\n",
            ),
            ("organizations/tongxin.md", "---\ntitle: 同心\n---\n"),
            (
                "news/a.md",
                "---\ntitle: 消息\n---\n\n`tongxin` 和 [代码](tongxin.md) 都不是。\n",
            ),
        ];
        let found = referrers("organizations/tongxin.md", files);
        assert_eq!(
            found,
            [
                Referrer {
                    path: "services/huidong/tanfang.md".into(),
                    line: 3,
                    how: How::Field("providers".into()),
                },
                Referrer {
                    path: "services/huidong/tanfang.md".into(),
                    line: 6,
                    how: How::Link("../../organizations/tongxin.md#服务".into()),
                },
                Referrer {
                    path: "projects/loumen.md".into(),
                    line: 4,
                    how: How::Field("organizations".into()),
                },
            ]
        );
        let station = referrers("stations/huidong.md", files);
        assert_eq!(
            station
                .iter()
                .map(|r| (r.path.as_str(), r.how.clone()))
                .collect::<Vec<_>>(),
            [
                ("services/huidong/tanfang.md", How::Folder),
                ("reports/yinian.md", How::Field("metrics[0].station".into())),
            ]
        );
    }
}
