//! Uploads from the editor: a cover, an attachment, a photo for the body,
//! written beside the page ([`crate::edit::asset`]).
//!
//! - `POST upload?page=P&name=N`: the body is the file's bytes, sent as
//!   `application/octet-stream` (a cross-site form cannot send that type
//!   either), at most [`MAX_UPLOAD_BYTES`]; every other check of
//!   [`guard::check_api`] (token, `Host`, `Origin`) applies as to any write,
//!   and before the body is read ([`refuse_before_body`]). 201 with the name
//!   written; 409 with a free name when another file has that name.
//! - `POST upload-name` `{page, name}`: the name to upload a file the
//!   worker's computer calls `name` under (pinyin, lower case, free).
//! - `GET files?path=P`: the photos and documents beside the page, for the
//!   file fields' choices and the body's image button.

use serde_json::{Value as J, json};

use super::super::http::{Request, Response};
use super::{Editor, error_json, guard, json_response};
use crate::edit::asset::{self, MAX_UPLOAD_BYTES, NameProblem, UploadError};
use crate::edit::store::{PathProblem, SaveError};
use crate::messages::Arg;

/// Where uploads are sent.
pub const PATH: &str = "/_zhan/api/upload";

/// The largest request body taken at `path`.
pub fn body_limit(path: &str) -> u64 {
    if path == PATH {
        MAX_UPLOAD_BYTES
    } else {
        super::MAX_BODY
    }
}

/// The limit in whole MB, as messages say it.
fn limit_mb() -> Arg {
    Arg::from(MAX_UPLOAD_BYTES / (1024 * 1024))
}

/// The answer to a body larger than [`body_limit`] allows.
pub fn too_large(path: &str) -> Response {
    if path == PATH {
        error_json(
            "413 Content Too Large",
            "editor.upload-too-large",
            &[("mb", limit_mb())],
        )
    } else {
        error_json("413 Content Too Large", "editor.too-large", &[])
    }
}

/// The refusal of an upload by its headers alone, so that a request that
/// would be refused is not read into memory first.
pub fn refuse_before_body(editor: &Editor, req: &Request) -> Option<Response> {
    if req.path() != PATH || !editor.enabled() {
        return None;
    }
    guard::check_host(req, editor.addr)
        .and_then(|()| check(editor, req))
        .err()
}

/// The guard of an upload: [`guard::check_api`], with the file's bytes in
/// place of JSON.
fn check(editor: &Editor, req: &Request) -> Result<(), Response> {
    let binary = req
        .header("content-type")
        .is_some_and(|t| t.eq_ignore_ascii_case("application/octet-stream"));
    if req.method != "POST" || !binary {
        return Err(error_json(
            "403 Forbidden",
            "editor.upload-bad-request",
            &[],
        ));
    }
    // Every other check unchanged: the same request, as if it were JSON.
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .filter(|(n, _)| n != "content-type")
        .cloned()
        .chain([("content-type".to_string(), "application/json".to_string())])
        .collect();
    guard::check_api(
        &Request {
            headers: &headers,
            ..*req
        },
        editor.addr,
        &editor.token,
    )
}

/// Answers `POST upload`, after [`super::guard::check_host`].
pub fn upload(editor: &Editor, req: &Request) -> Response {
    if let Err(refusal) = check(editor, req) {
        return refusal;
    }
    let (Some(page), Some(name)) = (req.query("page"), req.query("name")) else {
        return error_json("400 Bad Request", "editor.bad-request", &[]);
    };
    match asset::upload(editor.root(), &page, &name, req.body) {
        Ok(done) => json_response(
            if done.existed {
                "200 OK"
            } else {
                "201 Created"
            },
            &json!({
                "name": done.name,
                "path": done.path,
                "size": done.size,
                "kind": done.kind.name(),
                "existed": done.existed,
            }),
        ),
        Err(e) => upload_error(e),
    }
}

/// The upload calls that are JSON: None for other API calls.
pub fn route(editor: &Editor, req: &Request) -> Option<Response> {
    let name = req.path().trim_start_matches("/_zhan/api/");
    Some(match (req.method, name) {
        ("GET" | "HEAD", "files") => match req.query("path") {
            Some(page) => files(editor, &page),
            None => error_json("400 Bad Request", "editor.bad-request", &[]),
        },
        ("POST", "upload-name") => match serde_json::from_slice::<J>(req.body) {
            Ok(sent) => propose(editor, &sent),
            Err(_) => error_json("400 Bad Request", "editor.bad-request", &[]),
        },
        _ => return None,
    })
}

fn files(editor: &Editor, page: &str) -> Response {
    match asset::files_beside(editor.root(), page) {
        Ok(list) => {
            let list: Vec<J> = list
                .iter()
                .map(|f| json!({ "name": f.name, "size": f.size, "kind": f.kind.name() }))
                .collect();
            json_response("200 OK", &json!({ "files": list }))
        }
        Err(e) => upload_error(e),
    }
}

fn propose(editor: &Editor, sent: &J) -> Response {
    let (Some(page), Some(original)) = (sent["page"].as_str(), sent["name"].as_str()) else {
        return error_json("400 Bad Request", "editor.bad-request", &[]);
    };
    let folder = match crate::edit::store::content_path(editor.root(), page) {
        Ok(file) => file.parent().map(std::path::Path::to_path_buf),
        Err(e) => return upload_error(UploadError::Page(e)),
    };
    let taken = |n: &str| folder.as_deref().is_some_and(|f| asset::name_taken(f, n));
    match asset::propose_name(original, taken) {
        Some(name) => json_response("200 OK", &json!({ "name": name })),
        None => bad_type(original),
    }
}

fn bad_type(name: &str) -> Response {
    error_json(
        "415 Unsupported Media Type",
        "editor.upload-bad-type",
        &[("name", Arg::from(name))],
    )
}

fn upload_error(e: UploadError) -> Response {
    match e {
        UploadError::Page(SaveError::BadPath { path, problem }) => {
            let key = match problem {
                PathProblem::OutsideSite | PathProblem::Symlink => "editor.path-outside",
                _ => "editor.path-bad",
            };
            error_json("403 Forbidden", key, &[("path", Arg::from(path.as_str()))])
        }
        UploadError::Page(_) | UploadError::NoPage { .. } => {
            error_json("404 Not Found", "editor.upload-no-page", &[])
        }
        UploadError::BadName {
            name,
            problem: NameProblem::Type { .. },
        } => bad_type(&name),
        UploadError::BadName { name, .. } => error_json(
            "403 Forbidden",
            "editor.upload-bad-name",
            &[("name", Arg::from(name.as_str()))],
        ),
        UploadError::WrongContent { name, ext } => error_json(
            "415 Unsupported Media Type",
            "editor.upload-wrong-content",
            &[("name", Arg::from(name.as_str())), ("ext", Arg::from(ext))],
        ),
        UploadError::Empty => error_json("422 Unprocessable Content", "editor.upload-empty", &[]),
        UploadError::TooLarge { .. } => too_large(PATH),
        UploadError::Exists { name, suggestion } => {
            let mut response = error_json(
                "409 Conflict",
                "editor.upload-exists",
                &[
                    ("name", Arg::from(name.as_str())),
                    ("suggestion", Arg::from(suggestion.as_str())),
                ],
            );
            // The free name, for the page to offer.
            if let Ok(mut body) = serde_json::from_slice::<J>(&response.body) {
                body["suggestion"] = json!(suggestion);
                response.body = body.to_string().into_bytes();
            }
            response
        }
        UploadError::Io { file, error } => error_json(
            "500 Internal Server Error",
            "editor.io",
            &[
                ("file", Arg::from(file.display().to_string())),
                ("detail", Arg::from(error.to_string())),
            ],
        ),
    }
}
