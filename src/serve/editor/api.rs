//! The editor's JSON API, under `/_zhan/api/`. Every call has passed
//! [`super::guard`] (host, origin, token) before it reaches here.
//!
//! - `GET index`: the content files by type, with titles and addresses.
//! - `GET form?path=P`: the form of `content/P`: its fields from the schema,
//!   its values, its body, its text and hash as opened.
//! - `POST save`: `{path, hash, base, changes: [{field, value} | {field,
//!   remove: true}], body}` applies the changed fields to `base` (the text
//!   as opened) and replaces the body if it changed; or `{path, hash, text}`
//!   writes a whole text (keeping one's own version after a conflict).
//!   409 with both versions if the file changed on disk since.
//! - `GET history?path=P`, `GET version?path=P&id=V`, `POST restore`
//!   `{path, id, hash}`: the kept versions of a file.
//! - `POST propose` `{kind, title, parent}`: the id proposed for a new item
//!   (its title in pinyin, [`crate::edit::id`]), free of clashes, and its file.
//! - `POST create` `{kind, title, parent, id}`: a new item from the template
//!   of `zhan new` with the title written in; refused if the id is taken.
//! - `POST delete` `{path, hash, confirm}`: without `confirm`, refused
//!   (409) with the places that still point at the file (references by id,
//!   `.md` links, a station's services); with it, the file is deleted, its
//!   last version kept in the history folder.
//! - `POST rename` `{path, hash, id, update, confirm}`: a new id (file
//!   name) for an item. Without `confirm`, refused (409) with the new file,
//!   the folders that move with it (a course's, a station's services') and
//!   the places that point at the item or into those folders; with it, the
//!   file is moved (the old one kept in the history), the folders renamed
//!   whole and, with `update`, every reference by id and link to what
//!   moved is changed in the files that hold them; with `keep`, each page
//!   that moved keeps its old address in its `aliases`
//!   ([`crate::edit::rename`]).
//! - `POST check`: a save's request, not written: the draft is read and
//!   typed by the same code as `zhan check` (its fields, values and
//!   vocabularies), and its references and `.md` links are resolved by the
//!   link stage against the last built site; its diagnostics come back as
//!   JSON, each with the field it is on (`body` for the body's).
//! - `POST preview`: a save's request, not written: the page of the draft
//!   as the theme renders it (`{html}`, with a `<base>` at the page's own
//!   address), from the last built site with the draft in place of the
//!   saved item ([`crate::pipeline::Workspace::preview`]). With errors, the
//!   draft's diagnostics (422); a file with no page in the last build (new,
//!   a draft) previews once saved (409, `editor.preview-needs-save`).

use serde_json::{Value as J, json};

use super::super::http::{Request, Response};
use super::{Editor, SiteView, error_json, form, json_response};
use crate::diagnostics::Diagnostic;
use crate::edit::store::{self, ContentHash, PathProblem, SaveError};
use crate::edit::{self, Change, EditError, FieldPath, Val, body_start};
use crate::link::referrers::{self, How};
use crate::load;
use crate::messages::{self, Arg};
use crate::model::{self, Date, Kind, schema};
use crate::pipeline::PreviewError;
use crate::scaffold;

/// The types the editor lists, in the order of the content model.
const KINDS: [Kind; 9] = Kind::AUTHORED;

/// Answers an API call.
pub fn route(editor: &Editor, req: &Request) -> Response {
    let name = req.path().trim_start_matches("/_zhan/api/");
    match (req.method, name) {
        ("GET" | "HEAD", "index") => index(&editor.site()),
        ("GET" | "HEAD", "form") => with_path(req, |path| open_form(editor, &path)),
        ("GET" | "HEAD", "history") => with_path(req, |path| history(editor, &path)),
        ("GET" | "HEAD", "version") => with_path(req, |path| {
            let id = req.query("id").unwrap_or_default();
            match store::read_version(editor.root(), &path, &id) {
                Ok(text) => json_response("200 OK", &json!({ "text": text })),
                Err(e) => save_error(e),
            }
        }),
        ("POST", "save") => with_body(req, |body| save(editor, body)),
        ("POST", "restore") => with_body(req, |body| restore(editor, body)),
        ("POST", "check") => with_body(req, |body| check(editor, body)),
        ("POST", "preview") => with_body(req, |body| preview(editor, body)),
        ("POST", "propose") => with_body(req, |body| propose(editor, body)),
        ("POST", "create") => with_body(req, |body| create(editor, body)),
        ("POST", "delete") => with_body(req, |body| delete(editor, body)),
        ("POST", "rename") => with_body(req, |body| rename(editor, body)),
        _ => error_json("404 Not Found", "editor.not-found", &[]),
    }
}

fn with_path(req: &Request, then: impl FnOnce(String) -> Response) -> Response {
    match req.query("path") {
        Some(path) => then(path),
        None => error_json("400 Bad Request", "editor.bad-request", &[]),
    }
}

fn with_body(req: &Request, then: impl FnOnce(&J) -> Response) -> Response {
    match serde_json::from_slice::<J>(req.body) {
        Ok(body) if body.is_object() => then(&body),
        _ => error_json("400 Bad Request", "editor.bad-request", &[]),
    }
}

/// The kind of a content file: as the last build read it, else by its place.
/// Whether `file` is listed under `kind` in the editor's lists (the home
/// and the link picker): the home page and sections go with the pages.
pub(super) fn listed_as(file: &crate::pipeline::ContentFile, kind: Kind) -> bool {
    let k = file.kind.unwrap_or(Kind::Page);
    k == kind || (kind == Kind::Page && matches!(k, Kind::Home | Kind::Section))
}

fn kind_of(site: &SiteView, path: &str) -> Kind {
    site.file(path)
        .and_then(|f| f.kind)
        .or_else(|| model::classify(path).ok().map(|p| p.kind))
        .unwrap_or(Kind::Page)
}

fn kind_name(kind: Kind) -> String {
    messages::tr(&format!("kind.{}", kind.name()))
}

fn hash_text(hash: ContentHash) -> String {
    format!("{:016x}", hash.0)
}

fn parse_hash(value: &J) -> Option<ContentHash> {
    u64::from_str_radix(value.as_str()?, 16)
        .ok()
        .map(ContentHash)
}

fn index(site: &SiteView) -> Response {
    let base = site.config.base_path.as_str();
    let groups: Vec<J> = KINDS
        .iter()
        .map(|&kind| {
            let items: Vec<J> = site
                .files
                .iter()
                .filter(|f| listed_as(f, kind))
                .map(|f| {
                    json!({
                        "path": f.path,
                        "id": f.id,
                        "title": f.title,
                        "url": f.site_path.as_ref().map(|p| format!("{base}{p}")),
                    })
                })
                .collect();
            json!({ "kind": kind.name(), "name": kind_name(kind), "items": items })
        })
        .collect();
    json_response("200 OK", &json!({ "kinds": groups }))
}

/// What a 「新建」 request names: the kind, the title, the parent item (the
/// station of a service, the course of a lesson), checked.
struct NewItem<'a> {
    kind: Kind,
    title: &'a str,
    parent: Option<&'a str>,
}

fn new_item<'a>(editor: &Editor, sent: &'a J) -> Result<NewItem<'a>, Response> {
    let bad = || error_json("400 Bad Request", "editor.bad-request", &[]);
    let name = sent["kind"].as_str().ok_or_else(bad)?;
    let kind = KINDS
        .iter()
        .copied()
        .find(|k| k.name() == name)
        .ok_or_else(bad)?;
    let title = sent["title"].as_str().map(str::trim).unwrap_or_default();
    if title.is_empty() {
        return Err(error_json(
            "422 Unprocessable Content",
            "editor.new-no-title",
            &[],
        ));
    }
    let parent_kind = match kind {
        Kind::Service => Some(Kind::Station),
        Kind::Lesson => Some(Kind::Course),
        _ => None,
    };
    let parent = match parent_kind {
        None => None,
        Some(parent_kind) => {
            let id = sent["parent"].as_str().unwrap_or_default();
            let rel = scaffold::rel_path(parent_kind.name(), &[id]);
            let known = model::values::is_valid_id(id)
                && (editor
                    .site()
                    .files
                    .iter()
                    .any(|f| f.kind == Some(parent_kind) && f.id == id)
                    || editor.root().join("content").join(rel).is_file());
            if !known {
                return Err(error_json(
                    "422 Unprocessable Content",
                    "editor.new-no-parent",
                    &[("kind", Arg::from(kind_name(parent_kind)))],
                ));
            }
            Some(id)
        }
    };
    Ok(NewItem {
        kind,
        title,
        parent,
    })
}

impl NewItem<'_> {
    /// The id path `zhan new` takes: `parent/id` or `id`.
    fn parts<'b>(&'b self, id: &'b str) -> Vec<&'b str> {
        self.parent.into_iter().chain([id]).collect()
    }

    /// The new file of `id`, relative to `content/`.
    fn rel(&self, id: &str) -> String {
        scaffold::rel_path(self.kind.name(), &self.parts(id))
    }

    /// Whether `id` is in use: by an item of the same kind, or a file.
    fn taken(&self, editor: &Editor, site: &SiteView, id: &str) -> bool {
        let content = editor.root().join("content");
        site.files
            .iter()
            .any(|f| f.kind == Some(self.kind) && f.id == id)
            || content.join(self.rel(id)).exists()
            || (self.kind == Kind::Page && content.join(id).exists())
    }
}

fn propose(editor: &Editor, sent: &J) -> Response {
    let item = match new_item(editor, sent) {
        Ok(item) => item,
        Err(r) => return r,
    };
    let site = editor.site();
    let id = edit::id::propose(item.title, item.kind.name(), |id| {
        item.taken(editor, &site, id)
    });
    json_response(
        "200 OK",
        &json!({ "id": id, "path": item.rel(&id), "display": format!("content/{}", item.rel(&id)) }),
    )
}

fn create(editor: &Editor, sent: &J) -> Response {
    let item = match new_item(editor, sent) {
        Ok(item) => item,
        Err(r) => return r,
    };
    let id = sent["id"].as_str().map(str::trim).unwrap_or_default();
    if !model::values::is_valid_id(id) {
        return error_json(
            "422 Unprocessable Content",
            "editor.new-bad-id",
            &[("id", Arg::from(id))],
        );
    }
    let site = editor.site();
    let exists = |id: &str| {
        let suggestion = edit::id::unclash(id, |id| item.taken(editor, &site, id));
        error_json(
            "409 Conflict",
            "editor.new-exists",
            &[("id", Arg::from(id)), ("suggestion", Arg::from(suggestion))],
        )
    };
    if item.taken(editor, &site, id) {
        return exists(id);
    }
    let rel = item.rel(id);
    let text = match scaffold::new_text_titled(
        editor.root(),
        item.kind.name(),
        &item.parts(id),
        item.title,
    ) {
        Ok(text) => text,
        Err(e) => return edit_error(&e),
    };
    match store::save(editor.root(), &rel, &text, None) {
        Ok(saved) => json_response(
            "201 Created",
            &json!({ "path": rel, "id": id, "hash": hash_text(saved.hash) }),
        ),
        Err(SaveError::Conflict { .. }) => exists(id),
        Err(e) => save_error(e),
    }
}

/// Every Markdown file of `content/` (relative path, text), as on disk now:
/// what is looked through for references.
fn content_texts(root: &std::path::Path) -> Vec<(String, String)> {
    let content = root.join("content");
    walkdir::WalkDir::new(&content)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .filter(|e| e.metadata().is_ok_and(|m| m.len() <= load::MAX_PAGE_BYTES))
        .filter_map(|e| {
            let rel = e.path().strip_prefix(&content).ok()?;
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_str().map(str::to_string))
                .collect::<Option<_>>()?;
            let text = std::fs::read(e.path()).ok()?;
            Some((rel.join("/"), String::from_utf8_lossy(&text).into_owned()))
        })
        .collect()
}

/// The places that point at `path`, as the editor lists them.
fn referrers_json(editor: &Editor, path: &str) -> Vec<J> {
    let texts = content_texts(editor.root());
    referrers::referrers(path, texts.iter().map(|(p, t)| (p.as_str(), t.as_str())))
        .iter()
        .map(referrer_json)
        .collect()
}

/// One place that points at an item, as the editor lists it.
fn referrer_json(r: &referrers::Referrer) -> J {
    let file = format!("content/{}", r.path);
    let line = Arg::from(u64::from(r.line));
    let (how, text) = match &r.how {
        How::Field(field) => (
            "field",
            messages::text(
                "editor.ref-field",
                &[
                    ("file", Arg::from(file.as_str())),
                    ("line", line),
                    ("field", Arg::from(field.as_str())),
                ],
            ),
        ),
        How::Link(link) => (
            "link",
            messages::text(
                "editor.ref-link",
                &[
                    ("file", Arg::from(file.as_str())),
                    ("line", line),
                    ("link", Arg::from(link.as_str())),
                ],
            ),
        ),
        How::Folder => (
            "folder",
            messages::text("editor.ref-folder", &[("file", Arg::from(file.as_str()))]),
        ),
    };
    json!({ "path": r.path, "line": r.line, "how": how, "text": text })
}

fn delete(editor: &Editor, sent: &J) -> Response {
    let (Some(path), Some(expected)) = (sent["path"].as_str(), parse_hash(&sent["hash"])) else {
        return error_json("400 Bad Request", "editor.bad-request", &[]);
    };
    if let Err(e) = store::content_path(editor.root(), path) {
        return save_error(e);
    }
    if sent["confirm"].as_bool() != Some(true) {
        let list = referrers_json(editor, path);
        let error = if list.is_empty() {
            messages::tr("editor.delete-ask")
        } else {
            messages::text(
                "editor.delete-referred",
                &[("n", Arg::from(list.len() as u64))],
            )
        };
        return json_response(
            "409 Conflict",
            &json!({ "error": error, "code": "editor.delete-ask", "referrers": list }),
        );
    }
    match store::delete(editor.root(), path, expected) {
        Ok(version) => json_response("200 OK", &json!({ "deleted": path, "version": version.id })),
        Err(e) => save_error(e),
    }
}

fn rename(editor: &Editor, sent: &J) -> Response {
    let (Some(path), Some(expected)) = (sent["path"].as_str(), parse_hash(&sent["hash"])) else {
        return error_json("400 Bad Request", "editor.bad-request", &[]);
    };
    if let Err(e) = store::content_path(editor.root(), path) {
        return save_error(e);
    }
    let id = sent["id"].as_str().map(str::trim).unwrap_or_default();
    if !model::values::is_valid_id(id) {
        return error_json(
            "422 Unprocessable Content",
            "editor.new-bad-id",
            &[("id", Arg::from(id))],
        );
    }
    let site = editor.site();
    let kind = kind_of(&site, path);
    let Ok(place) = model::classify(path) else {
        return error_json("400 Bad Request", "editor.bad-request", &[]);
    };
    let content = editor.root().join("content");
    let is_folder = |f: &str| content.join(f).is_dir();
    // A course is its folder; a station's services are in a folder of its
    // id: those folders move with the item ([`edit::rename::plan`]).
    let Some(plan) = edit::rename::plan(kind, path, id, is_folder) else {
        return error_json("422 Unprocessable Content", "editor.rename-not-here", &[]);
    };
    if id == place.id {
        return error_json("422 Unprocessable Content", "editor.rename-same", &[]);
    }
    if let Err(e) = store::content_path(editor.root(), &plan.file.1) {
        return save_error(e);
    }
    let taken = |id: &str| {
        site.files
            .iter()
            .any(|f| f.kind == Some(kind) && f.id == id)
            || (kind == Kind::Station && content.join("services").join(id).exists())
            || edit::rename::plan(kind, path, id, is_folder).is_some_and(|p| {
                content.join(&p.file.1).exists()
                    || p.folders.iter().any(|(_, to)| content.join(to).exists())
            })
    };
    if taken(id) {
        return error_json(
            "409 Conflict",
            "editor.new-exists",
            &[
                ("id", Arg::from(id)),
                ("suggestion", Arg::from(edit::id::unclash(id, taken))),
            ],
        );
    }
    let texts = content_texts(editor.root());
    let all = || texts.iter().map(|(p, t)| (p.as_str(), t.as_str()));
    let mut refs = referrers::referrers(path, all());
    // Links from files that stay to the pages inside a folder that moves.
    for (child, _) in texts.iter().filter(|(p, _)| p != path && plan.in_folder(p)) {
        refs.extend(
            referrers::referrers(child, all())
                .into_iter()
                .filter(|r| matches!(r.how, How::Link(_)) && !plan.in_folder(&r.path)),
        );
    }
    if sent["confirm"].as_bool() != Some(true) {
        let list: Vec<J> = refs.iter().map(referrer_json).collect();
        let file = Arg::from(format!("content/{}", plan.file.1));
        let n = Arg::from(list.len() as u64);
        let error = match (plan.folders.is_empty(), list.is_empty()) {
            (true, true) => messages::text(
                "editor.rename-ask",
                &[("id", Arg::from(id)), ("file", file)],
            ),
            (true, false) => messages::text(
                "editor.rename-referred",
                &[("id", Arg::from(id)), ("file", file), ("n", n)],
            ),
            (false, _) => {
                let folders: Vec<String> = plan
                    .folders
                    .iter()
                    .map(|(from, to)| {
                        messages::text(
                            "editor.rename-folder-move",
                            &[
                                ("from", Arg::from(format!("content/{from}/"))),
                                ("to", Arg::from(format!("content/{to}/"))),
                            ],
                        )
                    })
                    .collect();
                let moved = texts.iter().filter(|(p, _)| plan.in_folder(p)).count();
                messages::text(
                    "editor.rename-folder-ask",
                    &[
                        ("id", Arg::from(id)),
                        ("folders", Arg::from(folders.join("、"))),
                        ("pages", Arg::from(moved as u64)),
                        ("n", n),
                    ],
                )
            }
        };
        let folders: Vec<J> = plan
            .folders
            .iter()
            .map(|(from, to)| json!({ "from": from, "to": to }))
            .collect();
        return json_response(
            "409 Conflict",
            &json!({ "error": error, "code": "editor.rename-ask", "referrers": list, "path": plan.file.1, "folders": folders }),
        );
    }
    let opened = match store::open(editor.root(), path) {
        Ok(o) if o.hash == expected => o,
        Ok(o) => {
            return save_error(SaveError::Conflict {
                path: path.to_string(),
                disk: Some(o.text),
                draft: String::new(),
            });
        }
        Err(e) => return save_error(e),
    };
    if let Err(response) = move_files(editor, &plan, &opened.text, expected) {
        return response;
    }
    // What moved is not listed among the deleted pages.
    for (old, _) in texts
        .iter()
        .filter(|(p, _)| *p == path || plan.in_folder(p))
    {
        if store::history(editor.root(), old).is_ok_and(|v| !v.is_empty()) {
            let _ = edit::trash::mark_moved(editor.root(), old);
        }
    }
    let update = sent["update"].as_bool() == Some(true);
    let keep = sent["keep"].as_bool() == Some(true);
    let mut files: Vec<&str> = Vec::new();
    if update {
        files.extend(refs.iter().map(|r| r.path.as_str()));
    }
    if update || keep {
        files.push(path);
        files.extend(
            texts
                .iter()
                .filter(|(p, _)| plan.in_folder(p))
                .map(|(p, _)| p.as_str()),
        );
    }
    files.sort_unstable();
    files.dedup();
    let mut updated = Vec::new();
    let mut failed = Vec::new();
    for file in files {
        let Some((_, text)) = texts.iter().find(|(p, _)| p == file) else {
            continue;
        };
        let now = plan.map(file).unwrap_or_else(|| file.to_string());
        let mut new = Ok(text.clone());
        if update {
            new = new
                .and_then(|t| edit::rename::update_moved(&t, file, &refs, (&place.id, id), &plan));
        }
        if keep {
            new = new.and_then(|t| edit::rename::keep_address(&t, file, &now).unwrap_or(Ok(t)));
        }
        let saved = match new {
            Ok(new) if new == *text => continue,
            Ok(new) => store::save(
                editor.root(),
                &now,
                &new,
                Some(ContentHash::of(text.as_bytes())),
            )
            .is_ok(),
            Err(_) => false,
        };
        if saved {
            updated.push(now);
        } else {
            failed.push(now);
        }
    }
    json_response(
        "200 OK",
        &json!({
            "path": plan.file.1,
            "updated": updated,
            "failed": failed,
            "message": messages::text("editor.renamed", &[("n", Arg::from(updated.len() as u64))]),
        }),
    )
}

/// Moves what `plan` moves: the item's file (when it is not in a moving
/// folder) is written under its new name, never over a file, and the old
/// one goes to the history; then each folder is renamed whole. A step that
/// fails puts the earlier ones back.
fn move_files(
    editor: &Editor,
    plan: &edit::rename::Plan,
    text: &str,
    expected: ContentHash,
) -> Result<(), Response> {
    let root = editor.root();
    let (old, new) = (&plan.file.0, &plan.file.1);
    let file_moves = !plan.in_folder(old);
    if file_moves {
        store::save(root, new, text, None).map_err(save_error)?;
        if let Err(e) = store::delete(root, old, expected) {
            let _ = store::delete(root, new, ContentHash::of(text.as_bytes()));
            return Err(save_error(e));
        }
    }
    let content = root.join("content");
    let mut done: Vec<(&str, &str)> = Vec::new();
    for (from, to) in &plan.folders {
        let target = content.join(to);
        let moved = if target.exists() {
            Err(std::io::Error::from(std::io::ErrorKind::AlreadyExists))
        } else {
            std::fs::rename(content.join(from), &target)
        };
        if let Err(error) = moved {
            for (from, to) in done.iter().rev() {
                let _ = std::fs::rename(content.join(to), content.join(from));
            }
            if file_moves {
                let _ = store::save(root, old, text, None);
                let _ = store::delete(root, new, ContentHash::of(text.as_bytes()));
            }
            return Err(save_error(SaveError::Io {
                op: store::IoOp::Replace,
                file: target,
                error,
            }));
        }
        done.push((from, to));
    }
    Ok(())
}

/// The front matter's fields, as the form shows them.
fn values(text: &str) -> Result<serde_json::Map<String, J>, ()> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let end = body_start(text).ok_or(())?;
    let front = &text[start..end];
    let yaml: String = front
        .split_inclusive('\n')
        .skip(1)
        .filter(|l| !matches!(l.trim_end(), "---" | "..."))
        .collect();
    if front.is_empty() || yaml.trim().is_empty() {
        return Ok(serde_json::Map::new());
    }
    let parsed: crate::load::frontmatter::yaml::Value =
        crate::load::frontmatter::yaml::from_str(&yaml).map_err(|_| ())?;
    let Some(Val::Map(entries)) = Val::from_yaml(&parsed) else {
        return Err(());
    };
    Ok(entries
        .iter()
        .map(|(k, v)| (k.clone(), form::to_json(v)))
        .collect())
}

fn open_form(editor: &Editor, path: &str) -> Response {
    let opened = match store::open(editor.root(), path) {
        Ok(o) => o,
        Err(e) => return save_error(e),
    };
    let site = editor.site();
    let kind = kind_of(&site, path);
    let text = &opened.text;
    let body = body_start(text).map(|at| text[at..].replace("\r\n", "\n"));
    let (values, problem) = match values(text) {
        Ok(v) => (v, None),
        Err(()) => (
            serde_json::Map::new(),
            Some(messages::tr("editor.front-unreadable")),
        ),
    };
    let known: Vec<&str> = schema::fields(kind).map(|f| f.key).collect();
    let unknown: Vec<&String> = values
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .collect();
    let entry = site.file(path);
    let url = entry
        .and_then(|f| f.site_path.as_ref())
        .map(|p| format!("{}{p}", site.config.base_path));
    json_response(
        "200 OK",
        &json!({
            "path": path,
            "display": format!("content/{path}"),
            "kind": kind.name(),
            "kindName": kind_name(kind),
            "title": entry.and_then(|f| f.title.clone()),
            "url": url,
            "hash": hash_text(opened.hash),
            "text": opened.text,
            "fields": form::fields(&site, kind),
            "values": values,
            "unknown": unknown,
            "body": body,
            "problem": problem,
        }),
    )
}

/// The changes a save asks for, against the schema of `kind`.
fn changes(kind: Kind, sent: &J) -> Result<Vec<Change>, Response> {
    let bad = || error_json("400 Bad Request", "editor.bad-request", &[]);
    let Some(list) = sent.as_array() else {
        return Ok(Vec::new());
    };
    let mut out = Vec::with_capacity(list.len());
    for change in list {
        let key = change["field"].as_str().ok_or_else(bad)?;
        let path = FieldPath::parse(key).map_err(|_| bad())?;
        if change["remove"].as_bool() == Some(true) {
            out.push(Change::Remove(path));
            continue;
        }
        let shape = schema::find(kind, None, key).map(|f| f.shape);
        let value = form::to_val(shape, &change["value"]).ok_or_else(bad)?;
        out.push(Change::Set(path, value));
    }
    Ok(out)
}

/// `text` with its body replaced by `body` (written with `\n`), in the
/// file's line ends; unchanged if the body is the same.
fn with_body_text(text: &str, body: &str) -> Result<String, EditError> {
    let at = body_start(text).ok_or(EditError::UnclosedFrontMatter)?;
    let body = body.replace("\r\n", "\n");
    if text[at..].replace("\r\n", "\n") == body {
        return Ok(text.to_string());
    }
    let crlf = text[..at].contains("\r\n") || (at == 0 && text.contains("\r\n"));
    let body = if crlf {
        body.replace('\n', "\r\n")
    } else {
        body
    };
    Ok(format!("{}{body}", &text[..at]))
}

fn save(editor: &Editor, sent: &J) -> Response {
    let bad = || error_json("400 Bad Request", "editor.bad-request", &[]);
    let Some(path) = sent["path"].as_str() else {
        return bad();
    };
    // Checked before anything else, so that a path outside content/ is
    // refused as such.
    if let Err(e) = store::content_path(editor.root(), path) {
        return save_error(e);
    }
    // No hash: the file must not exist yet (it was deleted meanwhile).
    let expected = match &sent["hash"] {
        J::Null => None,
        sent => match parse_hash(sent) {
            Some(h) => Some(h),
            None => return bad(),
        },
    };
    let draft = match draft(editor, path, expected, sent) {
        Ok(t) => t,
        Err(r) => return r,
    };
    match store::save(editor.root(), path, &draft, expected) {
        Ok(saved) => json_response(
            "200 OK",
            &json!({ "hash": hash_text(saved.hash), "text": draft, "changed": saved.previous.is_some() }),
        ),
        Err(e) => save_error(e),
    }
}

/// The text a save would write: `text`, or `changes` and `body` applied to
/// `base` (which must be the version `expected` names).
fn draft(
    editor: &Editor,
    path: &str,
    expected: Option<ContentHash>,
    sent: &J,
) -> Result<String, Response> {
    let bad = || error_json("400 Bad Request", "editor.bad-request", &[]);
    if let Some(text) = sent["text"].as_str() {
        return Ok(text.to_string());
    }
    let base = sent["base"].as_str().ok_or_else(bad)?;
    if Some(ContentHash::of(base.as_bytes())) != expected {
        return Err(bad());
    }
    let kind = kind_of(&editor.site(), path);
    let changes = changes(kind, &sent["changes"])?;
    let order = edit::frontmatter::schema_order(kind);
    let edited = if changes.is_empty() {
        Ok(base.to_string())
    } else {
        edit::apply_in_order(base, &changes, &order)
    };
    let edited = edited.and_then(|t| match sent["body"].as_str() {
        Some(body) => with_body_text(&t, body),
        None => Ok(t),
    });
    edited.map_err(|e| edit_error(&e))
}

/// The problems of `content/<path>` if it said `text`, as `zhan check`
/// finds them in one file.
pub fn problems(site: &SiteView, path: &str, text: &str) -> Vec<Diagnostic> {
    let display = format!("content/{path}");
    let doc = match load::document_from_bytes(path, display, text.as_bytes()) {
        Ok(doc) => doc,
        Err(problems) => return problems,
    };
    let mut found = Vec::new();
    // Drafts are read like published items: the worker is writing one.
    if let model::Read::Item(item) = model::read_document(doc, &site.config, true, &mut found) {
        found.extend(crate::link::privacy::check_page(&item, &site.config).problems);
    }
    found
}

/// The problems of a draft with the rest of the site, as `zhan check`
/// finds them (references to unknown items, broken `.md` links), once the
/// site was first built: [`crate::pipeline::Workspace::draft_link_problems`].
fn site_problems(editor: &Editor, path: &str, text: &str) -> Vec<Diagnostic> {
    editor
        .workspace()
        .map(|ws| crate::serve::read(&ws).draft_link_problems(path, text))
        .unwrap_or_default()
}

/// The top-level field written on `line` of `text` (its front matter).
fn field_at(text: &str, line: u32) -> Option<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut field = None;
    for (i, l) in text.lines().enumerate().skip(1) {
        if i + 1 > line as usize || matches!(l.trim_end(), "---" | "...") {
            break;
        }
        if let Some((key, _)) = l.split_once(':') {
            if !key.starts_with([' ', '\t', '-', '#']) && !key.is_empty() {
                field = Some(key.trim().to_string());
            }
        }
    }
    field
}

/// The content path and the draft text of a check or preview request,
/// which write nothing: the path is checked as a save's would be.
fn unsaved_draft<'s>(editor: &Editor, sent: &'s J) -> Result<(&'s str, String), Response> {
    let Some(path) = sent["path"].as_str() else {
        return Err(error_json("400 Bad Request", "editor.bad-request", &[]));
    };
    store::content_path(editor.root(), path).map_err(save_error)?;
    let expected = parse_hash(&sent["hash"]);
    Ok((path, draft(editor, path, expected, sent)?))
}

fn check(editor: &Editor, sent: &J) -> Response {
    let (path, text) = match unsaved_draft(editor, sent) {
        Ok(found) => found,
        Err(r) => return r,
    };
    let site = editor.site();
    let lang = messages::lang();
    let mut found = problems(&site, path, &text);
    found.extend(site_problems(editor, path, &text));
    found.sort_by_key(|d| d.pos.line);
    let body_from = body_line(&text);
    let list: Vec<J> = found
        .iter()
        .map(|d| {
            let mut j = d.to_json(lang);
            let at_field = d.pos.line > 0 && d.pos.line < body_from;
            j["field"] = if at_field {
                json!(field_at(&text, d.pos.line))
            } else if d.pos.line >= body_from && body_from > 1 {
                json!("body")
            } else {
                J::Null
            };
            j
        })
        .collect();
    json_response("200 OK", &json!({ "diagnostics": list }))
}

fn preview(editor: &Editor, sent: &J) -> Response {
    let (path, text) = match unsaved_draft(editor, sent) {
        Ok(found) => found,
        Err(r) => return r,
    };
    let Some(workspace) = editor.workspace() else {
        return error_json("503 Service Unavailable", "editor.preview-not-ready", &[]);
    };
    let rendered = crate::serve::read(&workspace).preview(path, &text);
    match rendered {
        Ok(html) => {
            let url = editor
                .site()
                .file(path)
                .and_then(|f| f.site_path.clone())
                .map(|p| format!("{}{p}", editor.site().config.base_path));
            let html = with_base(&String::from_utf8_lossy(&html), url.as_deref());
            json_response("200 OK", &json!({ "html": html }))
        }
        Err(PreviewError::Problems(found)) => {
            let lang = messages::lang();
            let list: Vec<J> = found.iter().map(|d| d.to_json(lang)).collect();
            json_response(
                "422 Unprocessable Content",
                &json!({ "error": messages::tr("editor.preview-has-errors"), "code": "editor.preview-has-errors", "diagnostics": list }),
            )
        }
        Err(PreviewError::NeedsSave) => {
            error_json("409 Conflict", "editor.preview-needs-save", &[])
        }
        Err(PreviewError::NotReady) => {
            error_json("503 Service Unavailable", "editor.preview-not-ready", &[])
        }
    }
}

/// A page with `<base href=url>` first in its head, so that its relative
/// addresses (styles, images, links) resolve from the page's own address
/// when the editor shows it in a frame.
fn with_base(html: &str, url: Option<&str>) -> String {
    let Some(url) = url else {
        return html.to_string();
    };
    let base = format!("<base href=\"{}\">", crate::escape::html(url));
    match html.find("<head>") {
        Some(at) => format!("{}{base}{}", &html[..at + 6], &html[at + 6..]),
        None => format!("{base}{html}"),
    }
}

/// The file line the body starts on.
fn body_line(text: &str) -> u32 {
    let at = body_start(text).unwrap_or(text.len());
    u32::try_from(text[..at].matches('\n').count() + 1).unwrap_or(u32::MAX)
}

fn restore(editor: &Editor, sent: &J) -> Response {
    let (Some(path), Some(id), Some(expected)) = (
        sent["path"].as_str(),
        sent["id"].as_str(),
        parse_hash(&sent["hash"]),
    ) else {
        return error_json("400 Bad Request", "editor.bad-request", &[]);
    };
    match store::restore(editor.root(), path, id, Some(expected)) {
        Ok(saved) => json_response("200 OK", &json!({ "hash": hash_text(saved.hash) })),
        Err(e) => save_error(e),
    }
}

/// `20261205T093000123Z` as Beijing time: `2026-12-05 17:30:00`.
pub fn when(id: &str) -> Option<String> {
    let digits = |from: usize, len: usize| id.get(from..from + len)?.parse::<i64>().ok();
    let date = Date::parse(
        id.get(..4)
            .zip(id.get(4..6))
            .zip(id.get(6..8))
            .map(|((y, m), d)| format!("{y}-{m}-{d}"))?
            .as_str(),
    )?;
    if id.get(8..9) != Some("T") {
        return None;
    }
    let seconds = digits(9, 2)? * 3600 + digits(11, 2)? * 60 + digits(13, 2)? + 8 * 3600;
    let day = Date::from_day_number(date.day_number() + seconds / 86_400);
    let s = seconds % 86_400;
    Some(format!(
        "{day} {:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    ))
}

fn history(editor: &Editor, path: &str) -> Response {
    match store::history(editor.root(), path) {
        Ok(versions) => {
            let list: Vec<J> = versions
                .iter()
                .map(|v| json!({ "id": v.id, "size": v.size, "when": when(&v.id).unwrap_or_else(|| v.id.clone()) }))
                .collect();
            json_response("200 OK", &json!({ "versions": list }))
        }
        Err(e) => save_error(e),
    }
}

fn edit_error(e: &EditError) -> Response {
    let (key, args): (&str, Vec<(&str, Arg)>) = match e {
        EditError::UnclosedFrontMatter => ("editor.edit-unclosed", vec![]),
        EditError::Yaml { line, .. } | EditError::Unsupported { line, .. } => (
            "editor.edit-line",
            vec![("line", Arg::from(u64::from(*line)))],
        ),
        EditError::NotAMapping => ("editor.edit-not-fields", vec![]),
        EditError::BadPath { path }
        | EditError::NoSuchField { path }
        | EditError::NotAGroup { path }
        | EditError::BadValue { path } => (
            "editor.edit-field",
            vec![("field", Arg::from(path.as_str()))],
        ),
        EditError::Unverified => ("editor.edit-unverified", vec![]),
    };
    error_json("422 Unprocessable Content", key, &args)
}

fn save_error(e: SaveError) -> Response {
    match e {
        SaveError::BadPath { path, problem } => {
            let key = match problem {
                PathProblem::OutsideSite | PathProblem::Symlink => "editor.path-outside",
                _ => "editor.path-bad",
            };
            error_json("403 Forbidden", key, &[("path", Arg::from(path.as_str()))])
        }
        SaveError::Conflict { disk, draft, .. } => {
            let hash = disk
                .as_ref()
                .map(|d| hash_text(ContentHash::of(d.as_bytes())));
            json_response(
                "409 Conflict",
                &json!({
                    "error": messages::tr("editor.conflict"),
                    "code": "editor.conflict",
                    "conflict": { "disk": disk, "draft": draft, "hash": hash },
                }),
            )
        }
        SaveError::TooLarge { .. } => error_json("413 Content Too Large", "editor.too-large", &[]),
        SaveError::NoSuchVersion { .. } => error_json("404 Not Found", "editor.no-version", &[]),
        SaveError::Io { file, error, .. } => error_json(
            "500 Internal Server Error",
            "editor.io",
            &[
                ("file", Arg::from(file.display().to_string())),
                ("detail", Arg::from(error.to_string())),
            ],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_found_and_replaced_in_the_files_line_ends() {
        let text = "---\r\ntitle: a\r\n---\r\nold\r\n";
        assert_eq!(body_start(text), Some(20));
        assert_eq!(
            with_body_text(text, "new\nlines\n").expect("ok"),
            "---\r\ntitle: a\r\n---\r\nnew\r\nlines\r\n"
        );
        assert_eq!(with_body_text(text, "old\n").expect("ok"), text);
        assert_eq!(body_start("\u{feff}no front"), Some(3));
        assert_eq!(body_start("---\ntitle: a\n"), None);
    }

    #[test]
    fn values_are_read_as_json() {
        let v =
            values("---\ntitle: 惠东\nproviders: [a, b]\ndate: 2026-12-05\n---\nbody").expect("ok");
        assert_eq!(v["title"], json!("惠东"));
        assert_eq!(v["providers"], json!(["a", "b"]));
        assert_eq!(v["date"], json!("2026-12-05"));
        assert!(values("---\n: : :\n---\n").is_err());
    }

    #[test]
    fn a_draft_is_checked_like_a_file_and_problems_point_at_fields() {
        let site = SiteView::default();
        let text = "---\ntitle: 探访\ncategory: 不存在的类别\nschedule:\n  - days: [tue]\n    time: \"9点\"\n---\n正文\n";
        let found = problems(&site, "services/huidong/tanfang.md", text);
        let codes: Vec<&str> = found.iter().map(|d| d.code).collect();
        assert!(found.len() >= 2, "{codes:?}");
        let fields: Vec<Option<String>> =
            found.iter().map(|d| field_at(text, d.pos.line)).collect();
        assert!(fields.contains(&Some("category".into())), "{fields:?}");
        assert!(fields.contains(&Some("schedule".into())), "{fields:?}");
        assert!(
            problems(
                &site,
                "services/huidong/tanfang.md",
                "---\ntitle: 探访\ncategory: 助老服务\n---\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn history_ids_read_as_beijing_time() {
        assert_eq!(
            when("20261205T093000123Z").as_deref(),
            Some("2026-12-05 17:30:00")
        );
        assert_eq!(
            when("20261231T200000000Z-2").as_deref(),
            Some("2027-01-01 04:00:00")
        );
        assert_eq!(when("x"), None);
    }
}
