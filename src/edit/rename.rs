//! Renaming an item (its id, which is its file name): where the file goes,
//! and how the files that point at it change.
//!
//! A referring file changes only where it names the item: a reference by id
//! in its front matter is changed through [`super::apply`] (only those
//! lines change; comments and layout stay), and a Markdown link to the
//! file has the file name in its target replaced (only inside the link's
//! target, or its reference definition), the rest of the body byte for byte.

use pulldown_cmark::{Event, Options, Parser, Tag};

use super::{Change, EditError, FieldPath, Val, apply, body_start};
use crate::link::referrers::{How, Referrer, link_target};
use crate::load::{self, Node, Value};

/// The path of `rel` (relative to `content/`) with its id `new_id`: the
/// same folder, the new file name. None for a folder's `_index.md`, whose
/// id is the folder's name.
pub fn new_path(rel: &str, new_id: &str) -> Option<String> {
    let (folder, file) = match rel.rsplit_once('/') {
        Some((folder, file)) => (Some(folder), file),
        None => (None, rel),
    };
    if file == "_index.md" || !file.ends_with(".md") {
        return None;
    }
    Some(match folder {
        Some(folder) => format!("{folder}/{new_id}.md"),
        None => format!("{new_id}.md"),
    })
}

/// The node at a referrer's field path (`providers`, `metrics[1].station`).
fn node_at<'a>(front: &'a Node, path: &str) -> Option<&'a Node> {
    let mut at = front;
    for part in path.split('.') {
        let (key, index) = match part.split_once('[') {
            Some((key, rest)) => (key, Some(rest.strip_suffix(']')?.parse::<usize>().ok()?)),
            None => (part, None),
        };
        at = at.get(key)?;
        if let Some(i) = index {
            match &at.value {
                Value::Seq(items) => at = items.get(i)?,
                _ => return None,
            }
        }
    }
    Some(at)
}

/// `text`, the file at `from` (relative to `content/`), with the places
/// `refs` names (those of this file) pointing at the item renamed: id
/// `old_id` → `new_id`, file `target` → `new_target`.
pub fn update_references(
    text: &str,
    from: &str,
    refs: &[Referrer],
    (old_id, new_id): (&str, &str),
    (target, new_target): (&str, &str),
) -> Result<String, EditError> {
    let mut fields: Vec<&str> = refs
        .iter()
        .filter(|r| r.path == from)
        .filter_map(|r| match &r.how {
            How::Field(f) => Some(f.as_str()),
            _ => None,
        })
        .collect();
    fields.dedup();
    let mut text = text.to_string();
    if !fields.is_empty() {
        let doc = load::document_from_bytes(from, format!("content/{from}"), text.as_bytes())
            .map_err(|_| EditError::NotAMapping)?;
        let front = doc.front.as_ref().ok_or(EditError::NotAMapping)?;
        let mut changes = Vec::new();
        for field in fields {
            let bad = || EditError::BadValue {
                path: field.to_string(),
            };
            let node = node_at(front, field).ok_or_else(bad)?;
            let renamed = |node: &Node| match &node.value {
                Value::Str(s) if s == old_id => Ok(Val::text(new_id)),
                Value::Str(s) => Ok(Val::text(s.as_str())),
                Value::Int(i) => Ok(Val::Int(*i)),
                _ => Err(bad()),
            };
            let value = match &node.value {
                Value::Seq(items) => {
                    Val::List(items.iter().map(renamed).collect::<Result<_, _>>()?)
                }
                _ => renamed(node)?,
            };
            changes.push(Change::Set(FieldPath::parse(field)?, value));
        }
        text = apply(&text, &changes)?;
    }
    let new_name = new_target.rsplit('/').next().unwrap_or(new_target);
    Ok(rewrite_links(&text, from, target, new_name))
}

/// `written` (a link target) with its file name replaced by `new_name`,
/// its folders, anchor and query kept.
fn renamed_target(written: &str, new_name: &str) -> String {
    let end = written.find(['#', '?']).unwrap_or(written.len());
    let (path, rest) = written.split_at(end);
    let start = path.rfind('/').map_or(0, |i| i + 1);
    format!("{}{new_name}{rest}", &path[..start])
}

/// `text` with every Markdown link of its body that points at `target`
/// (from the file `from`) pointing at the file `new_name` beside it instead.
fn rewrite_links(text: &str, from: &str, target: &str, new_name: &str) -> String {
    let Some(at) = body_start(text) else {
        return text.to_string();
    };
    let body = &text[at..];
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for (event, range) in Parser::new_ext(body, Options::empty()).into_offset_iter() {
        let Event::Start(Tag::Link { dest_url, .. }) = event else {
            continue;
        };
        let written = dest_url.to_string();
        if written.is_empty() || link_target(from, &written).as_deref() != Some(target) {
            continue;
        }
        let replacement = renamed_target(&written, new_name);
        // An inline link: the target follows the last `](`.
        let inline = body[range.clone()].rfind("](").and_then(|p| {
            let start = range.start + p + 2;
            let q = body[start..range.end].find(&written)?;
            Some(start + q)
        });
        // A reference link: its definition line, `[name]: target`.
        let place = inline.or_else(|| {
            let mut offset = 0;
            body.split_inclusive('\n').find_map(|line| {
                let here = offset;
                offset += line.len();
                let trimmed = line.trim_start();
                let def = trimmed.starts_with('[') && trimmed.contains("]:");
                let after = line.find("]:")? + 2;
                let q = line[after..].find(&written)?;
                def.then_some(here + after + q)
            })
        });
        if let Some(start) = place {
            edits.push((start, start + written.len(), replacement));
        }
    }
    edits.sort_by_key(|e| e.0);
    edits.dedup_by_key(|e| e.0);
    let mut out = body.to_string();
    for (start, end, replacement) in edits.into_iter().rev() {
        out.replace_range(start..end, &replacement);
    }
    format!("{}{out}", &text[..at])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::referrers::referrers;

    #[test]
    fn new_paths_keep_the_folder() {
        assert_eq!(
            new_path("services/huidong/tanfang.md", "fangwen").as_deref(),
            Some("services/huidong/fangwen.md")
        );
        assert_eq!(new_path("guide.md", "zhinan").as_deref(), Some("zhinan.md"));
        assert_eq!(new_path("training/jichu/_index.md", "x"), None);
    }

    #[test]
    fn only_the_lines_that_name_the_item_change() {
        let service = "---\r\ntitle: 探访   # 名称\r\nproviders: [leling, tongxin]  # 提供者\r\nmentor: tongxin\r\n---\r\n\r\n见[同心](../../organizations/tongxin.md#服务)，\
                       和[同心][t]，不是 `../../organizations/tongxin.md`。\r\n\r\n[t]: ../../organizations/tongxin.md\r\n";
        let files = [("services/huidong/tanfang.md", service)];
        let refs = referrers("organizations/tongxin.md", files);
        assert!(refs.len() >= 3, "{refs:?}");
        let after = update_references(
            service,
            "services/huidong/tanfang.md",
            &refs,
            ("tongxin", "tongxin-she"),
            ("organizations/tongxin.md", "organizations/tongxin-she.md"),
        )
        .expect("updated");
        let changed: Vec<(&str, &str)> = service
            .split("\r\n")
            .zip(after.split("\r\n"))
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(
            changed,
            [
                (
                    "providers: [leling, tongxin]  # 提供者",
                    // edit::apply keeps a changed line's comment, one space away.
                    "providers: [leling, tongxin-she] # 提供者"
                ),
                (
                    "见[同心](../../organizations/tongxin.md#服务)，和[同心][t]，不是 `../../organizations/tongxin.md`。",
                    "见[同心](../../organizations/tongxin-she.md#服务)，和[同心][t]，不是 `../../organizations/tongxin.md`。"
                ),
                (
                    "[t]: ../../organizations/tongxin.md",
                    "[t]: ../../organizations/tongxin-she.md"
                ),
            ]
        );
        assert_eq!(service.split("\r\n").count(), after.split("\r\n").count());
    }
}
