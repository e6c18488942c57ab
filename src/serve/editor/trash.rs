//! Deleted pages, on the editor's home: `GET deleted` lists the files
//! deleted from `content/` whose last version the history keeps
//! ([`crate::edit::trash`]), with their titles then; `POST undelete`
//! `{path, id}` puts one back, refused (409) if a file of that name was
//! made since.

use serde_json::{Value as J, json};

use super::super::http::{Request, Response};
use super::{Editor, error_json, json_response};
use crate::edit::store::{self, SaveError};
use crate::edit::trash;
use crate::messages::Arg;

/// The calls of deleted pages: None for other API calls.
pub fn route(editor: &Editor, req: &Request) -> Option<Response> {
    let name = req.path().trim_start_matches("/_zhan/api/");
    Some(match (req.method, name) {
        ("GET" | "HEAD", "deleted") => deleted(editor),
        ("POST", "undelete") => match serde_json::from_slice::<J>(req.body) {
            Ok(sent) => undelete(editor, &sent),
            Err(_) => error_json("400 Bad Request", "editor.bad-request", &[]),
        },
        _ => return None,
    })
}

/// The title a kept version gives itself, if its front matter has one.
fn title_of(text: &str) -> Option<String> {
    let doc = crate::load::document_from_bytes("x.md", String::new(), text.as_bytes()).ok()?;
    match &doc.front.as_ref()?.get("title")?.value {
        crate::load::Value::Str(s) => Some(s.clone()),
        _ => None,
    }
}

fn deleted(editor: &Editor) -> Response {
    let list: Vec<J> = trash::deleted(editor.root())
        .into_iter()
        .map(|d| {
            let text =
                store::read_version(editor.root(), &d.path, &d.version.id).unwrap_or_default();
            json!({
                "path": d.path,
                "display": format!("content/{}", d.path),
                "id": d.version.id,
                "title": title_of(&text),
                "when": super::api::when(&d.version.id).unwrap_or_else(|| d.version.id.clone()),
            })
        })
        .collect();
    json_response("200 OK", &json!({ "items": list }))
}

fn undelete(editor: &Editor, sent: &J) -> Response {
    let (Some(path), Some(id)) = (sent["path"].as_str(), sent["id"].as_str()) else {
        return error_json("400 Bad Request", "editor.bad-request", &[]);
    };
    match trash::undelete(editor.root(), path, id) {
        Ok(_) => json_response("200 OK", &json!({ "path": path })),
        Err(SaveError::Conflict { .. }) => error_json(
            "409 Conflict",
            "editor.undelete-taken",
            &[("file", Arg::from(format!("content/{path}")))],
        ),
        Err(SaveError::BadPath { path, .. }) => error_json(
            "403 Forbidden",
            "editor.path-bad",
            &[("path", Arg::from(path.as_str()))],
        ),
        Err(SaveError::NoSuchVersion { .. }) => {
            error_json("404 Not Found", "editor.no-version", &[])
        }
        Err(_) => error_json("500 Internal Server Error", "editor.undelete-failed", &[]),
    }
}
