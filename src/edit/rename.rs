//! Renaming an item (its id, which is its file name, or for a course its
//! folder's name): where its files go, and how the files that point at
//! them change.
//!
//! Most items are one file (`organizations/tongxin.md`). Two are folders
//! (CONTENT-MODEL.md): a course is `training/<id>/` (its `_index.md`, its
//! lessons and attachments), and a station's services live in
//! `services/<id>/`, named after the station. A [`Plan`] says what moves:
//! the item's file and, for those two, the folder with everything in it.
//!
//! A referring file changes only where it names what moved: a reference by
//! id in its front matter is changed through [`super::apply`] (only those
//! lines change; comments and layout stay), and a Markdown link or image
//! whose target moved (or that was written from a file that moved, and no
//! longer reaches its target from there) has its target rewritten (only
//! inside the link's target, or its reference definition), the rest of the
//! body byte for byte.

use pulldown_cmark::{Event, Options, Parser, Tag};

use super::{Change, EditError, FieldPath, Val, apply, body_start, relpath};
use crate::link::referrers::{How, Referrer};
use crate::load::{self, Node, Value};
use crate::model::values::resolve_relative;
use crate::model::{Kind, classify};

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

/// What a rename moves, as paths relative to `content/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The item's file, and where it goes.
    pub file: (String, String),
    /// Folders that move whole (`training/jichu` → `training/jichu-2`).
    pub folders: Vec<(String, String)>,
}

impl Plan {
    /// Where the content file or asset `path` is after the rename; None if
    /// it does not move.
    pub fn map(&self, path: &str) -> Option<String> {
        if path == self.file.0 {
            return Some(self.file.1.clone());
        }
        self.folders.iter().find_map(|(from, to)| {
            let rest = path.strip_prefix(from.as_str())?.strip_prefix('/')?;
            Some(format!("{to}/{rest}"))
        })
    }

    /// Whether `path` is inside a folder that moves.
    pub fn in_folder(&self, path: &str) -> bool {
        self.folders.iter().any(|(from, _)| {
            path.strip_prefix(from.as_str())
                .is_some_and(|r| r.starts_with('/'))
        })
    }
}

/// What renaming the item of `kind` at `path` to `new_id` moves; None for
/// what has no id of its own to change (the home page, a section's
/// `_index.md`). `is_folder` says whether a folder of `content/` exists.
pub fn plan(
    kind: Kind,
    path: &str,
    new_id: &str,
    is_folder: impl Fn(&str) -> bool,
) -> Option<Plan> {
    match kind {
        Kind::Course => {
            let folder = path.strip_suffix("/_index.md")?;
            let parent = folder.rsplit_once('/').map_or("", |(p, _)| p);
            let to = if parent.is_empty() {
                new_id.to_string()
            } else {
                format!("{parent}/{new_id}")
            };
            Some(Plan {
                file: (path.to_string(), format!("{to}/_index.md")),
                folders: vec![(folder.to_string(), to)],
            })
        }
        Kind::Home | Kind::Section => None,
        _ => {
            let file = (path.to_string(), new_path(path, new_id)?);
            let mut folders = Vec::new();
            if kind == Kind::Station {
                let old_id = path.rsplit('/').next()?.strip_suffix(".md")?;
                let services = format!("services/{old_id}");
                if is_folder(&services) {
                    folders.push((services, format!("services/{new_id}")));
                }
            }
            Some(Plan { file, folders })
        }
    }
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
    ids: (&str, &str),
    (target, new_target): (&str, &str),
) -> Result<String, EditError> {
    let plan = Plan {
        file: (target.to_string(), new_target.to_string()),
        folders: Vec::new(),
    };
    update_moved(text, from, refs, ids, &plan)
}

/// `text`, the file that was at `from` before the rename `plan` (it may
/// move too), with the references by id `refs` names (those of this file)
/// changed from `old_id` to `new_id`, and every link and image whose target
/// moved, or which no longer reaches it from where the file now is,
/// pointing at the target's new place.
pub fn update_moved(
    text: &str,
    from: &str,
    refs: &[Referrer],
    (old_id, new_id): (&str, &str),
    plan: &Plan,
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
    Ok(rewrite_links(&text, from, plan))
}

/// `text`, the content file that was at `old` and is at `new` after a
/// rename, with the address its page had added to its `aliases`, so that
/// old links, bookmarks and the QR codes on printed posters lead to the
/// page at its new address. Unchanged when the address stays the same or
/// is already an alias; None for a file that has no page of its own.
pub fn keep_address(text: &str, old: &str, new: &str) -> Option<Result<String, EditError>> {
    let (was, now) = (classify(old).ok()?, classify(new).ok()?);
    if matches!(was.kind, Kind::Home | Kind::Section) || was.site_path == now.site_path {
        return None;
    }
    let address = format!("/{}", was.site_path);
    let doc = load::document_from_bytes(new, format!("content/{new}"), text.as_bytes()).ok()?;
    let mut aliases: Vec<Val> = Vec::new();
    if let Some(node) = doc.front.as_ref().and_then(|f| f.get("aliases")) {
        let written: Vec<&Node> = match &node.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![node],
        };
        for item in written {
            match &item.value {
                Value::Str(s) if s.trim_matches('/') == address.trim_matches('/') => return None,
                Value::Str(s) => aliases.push(Val::text(s.as_str())),
                _ => {
                    return Some(Err(EditError::BadValue {
                        path: "aliases".into(),
                    }));
                }
            }
        }
    }
    aliases.push(Val::text(address));
    let change = Change::Set(FieldPath::parse("aliases").ok()?, Val::List(aliases));
    Some(super::apply_in_order(
        text,
        &[change],
        &super::frontmatter::schema_order(now.kind),
    ))
}

/// The content path (a page or a file) a link written in `from` points
/// at, if it points inside the site: `../stations/huidong.md#服务` →
/// `stations/huidong.md`, `photo.jpg` → `news/photo.jpg`.
fn target_of(from: &str, written: &str) -> Option<String> {
    let dest = written.trim();
    if dest.is_empty() || dest.starts_with('#') || dest.starts_with('/') || dest.contains(':') {
        return None;
    }
    let path = dest.split(['#', '?']).next().unwrap_or(dest);
    resolve_relative(from, &crate::escape::percent_decode(path))
}

/// `written` (a link target) with its file name replaced by `new_name`,
/// its folders, anchor and query kept.
fn renamed_target(written: &str, new_name: &str) -> String {
    let end = written.find(['#', '?']).unwrap_or(written.len());
    let (path, rest) = written.split_at(end);
    let start = path.rfind('/').map_or(0, |i| i + 1);
    format!("{}{new_name}{rest}", &path[..start])
}

/// The new target of a link `written` in the file at `from` after `plan`,
/// if it has to change.
fn moved_target(from: &str, written: &str, plan: &Plan) -> Option<String> {
    let target = target_of(from, written)?;
    let new_from = plan.map(from);
    let new_target = plan.map(&target);
    if new_from.is_none() && new_target.is_none() {
        return None;
    }
    let new_from = new_from.unwrap_or_else(|| from.to_string());
    let new_target = new_target.unwrap_or(target.clone());
    if target_of(&new_from, written).as_deref() == Some(new_target.as_str()) {
        return None;
    }
    let folder = |p: &str| p.rsplit_once('/').map_or("", |(f, _)| f).to_string();
    // Only the file name changed: the rest stays as the author wrote it.
    if new_from == from && folder(&target) == folder(&new_target) {
        let name = new_target.rsplit('/').next().unwrap_or(&new_target);
        return Some(renamed_target(written, name));
    }
    let end = written.find(['#', '?']).unwrap_or(written.len());
    Some(format!(
        "{}{}",
        relpath::link(&new_from, &new_target),
        &written[end..]
    ))
}

/// `text` with every Markdown link and image of its body (the file was at
/// `from`) whose target moved in `plan` pointing at its new place.
fn rewrite_links(text: &str, from: &str, plan: &Plan) -> String {
    let Some(at) = body_start(text) else {
        return text.to_string();
    };
    let body = &text[at..];
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for (event, range) in Parser::new_ext(body, Options::empty()).into_offset_iter() {
        let written = match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                dest_url.to_string()
            }
            _ => continue,
        };
        let Some(replacement) = moved_target(from, &written, plan) else {
            continue;
        };
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
    fn folders_move_with_their_items() {
        let no = |_: &str| false;
        let course = plan(Kind::Course, "training/jichu/_index.md", "jichu-2", no).expect("a plan");
        assert_eq!(course.file.1, "training/jichu-2/_index.md");
        assert_eq!(
            course.map("training/jichu/l1.md").as_deref(),
            Some("training/jichu-2/l1.md")
        );
        assert_eq!(
            course.map("training/jichu/notes.pdf").as_deref(),
            Some("training/jichu-2/notes.pdf")
        );
        assert_eq!(course.map("training/jichu-3/l1.md"), None);
        let station = plan(Kind::Station, "stations/huidong.md", "huidong-2", |f| {
            f == "services/huidong"
        })
        .expect("a plan");
        assert_eq!(station.file.1, "stations/huidong-2.md");
        assert_eq!(
            station.folders,
            [(
                "services/huidong".to_string(),
                "services/huidong-2".to_string()
            )]
        );
        let alone = plan(Kind::Station, "stations/huixi.md", "huixi-2", no).expect("a plan");
        assert!(alone.folders.is_empty());
        assert_eq!(plan(Kind::Section, "news/_index.md", "x", no), None);
    }

    #[test]
    fn links_into_a_moved_folder_and_out_of_it_keep_reaching_their_targets() {
        let course = plan(Kind::Course, "training/jichu/_index.md", "jichu-2", |_| {
            false
        })
        .expect("plan");
        let none: &[Referrer] = &[];
        let ids = ("jichu", "jichu-2");
        // From outside: into the folder, to a lesson with an anchor and to a file.
        let news = "---\ntitle: 消息\n---\n\n见[第一讲](../training/jichu/l1.md#要点)和[讲义](../training/jichu/notes.pdf)，\n[别的](../stations/huidong.md)。\n";
        let after = update_moved(news, "news/a.md", none, ids, &course).expect("updated");
        assert_eq!(
            after,
            "---\ntitle: 消息\n---\n\n见[第一讲](../training/jichu-2/l1.md#要点)和[讲义](../training/jichu-2/notes.pdf)，\n[别的](../stations/huidong.md)。\n"
        );
        // From inside: links that still reach their targets stay as written.
        let lesson = "---\ntitle: 第二讲\n---\n\n[上一讲](l1.md) [站](../../stations/huidong.md) [图](tu.png) [绕路](../jichu/l1.md)\n";
        let after =
            update_moved(lesson, "training/jichu/l2.md", none, ids, &course).expect("updated");
        assert_eq!(
            after,
            "---\ntitle: 第二讲\n---\n\n[上一讲](l1.md) [站](../../stations/huidong.md) [图](tu.png) [绕路](l1.md)\n"
        );
        // A reference by id in another course's prerequisites.
        let other = "---\ntitle: 进阶\nprerequisites: [jichu]  # 先修\n---\n";
        let refs = crate::link::referrers::referrers(
            "training/jichu/_index.md",
            [("training/jinjie/_index.md", other)],
        );
        let after =
            update_moved(other, "training/jinjie/_index.md", &refs, ids, &course).expect("updated");
        assert_eq!(
            after,
            "---\ntitle: 进阶\nprerequisites: [jichu-2] # 先修\n---\n"
        );
    }

    #[test]
    fn old_addresses_are_kept_as_aliases() {
        let station = "---\ntitle: 惠东\nweight: 1\n---\n\n正文\n";
        let after = keep_address(station, "stations/huidong.md", "stations/huidong-zhan.md")
            .expect("a page that moved")
            .expect("edited");
        assert_eq!(
            after,
            "---\ntitle: 惠东\nweight: 1\naliases: [/stations/huidong/]\n---\n\n正文\n"
        );
        // Kept beside the aliases it had; once only.
        let had = "---\ntitle: 惠东\naliases: [/old/]\n---\n";
        let after = keep_address(had, "stations/huidong.md", "stations/huidong-zhan.md")
            .expect("moved")
            .expect("edited");
        assert_eq!(
            after,
            "---\ntitle: 惠东\naliases: [/old/, /stations/huidong/]\n---\n"
        );
        assert!(keep_address(&after, "stations/huidong.md", "stations/huidong-zhan.md").is_none());
        // A lesson of a renamed course; a section's page has no address of its own.
        assert!(
            keep_address(
                "---\ntitle: 一\n---\n",
                "training/a/l1.md",
                "training/b/l1.md"
            )
            .is_some()
        );
        assert!(
            keep_address(
                "---\ntitle: 服务\n---\n",
                "services/a/_index.md",
                "services/b/_index.md"
            )
            .is_none()
        );
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
