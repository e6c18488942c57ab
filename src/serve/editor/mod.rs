//! The browser editor of `zhan serve`, at `/_zhan/`: station workers change
//! their pages in forms instead of YAML.
//!
//! Only the preview server has it; `zhan build` never writes any of it. The
//! parts:
//!
//! - [`guard`]: who may use it. Only when the server listens on a loopback
//!   address, or on the network with `--edit` and the secret key of
//!   [`lan`]; every request must name the server itself in `Host` (no DNS
//!   rebinding); every API call carries the session's secret token (in the
//!   editor's page only, never printed), an `Origin`, when sent, that is the
//!   server's own, and a JSON body (no cross-site form posts).
//! - [`api`]: the JSON API: the content list, the form of a file (built from
//!   [`crate::model::schema`] and the site's vocabularies and items), save
//!   with conflict detection, history and restore. Writes go through
//!   [`crate::edit`], which checks every path like a content path.
//! - [`form`]: the schema as JSON, and form values back into [`crate::edit::Val`].
//! - `assets/`: the page's script and styles, our own, embedded in the binary.
//! - [`upload`]: files uploaded beside a page (their own body limit and
//!   content type, the same guard); [`links`]: the body's link picker;
//!   [`trash`]: deleted pages, listed on the home page to bring back.
//!
//! The editor learns about the site after each build ([`Editor::site_changed`]);
//! a save is a file change like any other, which the watcher rebuilds.

pub mod api;
pub mod form;
pub mod guard;
pub mod lan;
pub mod links;
pub mod trash;
pub mod upload;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use super::http::{Request, Response};
use crate::escape;
use crate::messages::{self, Arg};
use crate::model::config::Config;
use crate::pipeline::{ContentFile, Workspace};

/// Where the editor lives.
pub const PREFIX: &str = "/_zhan";

/// The largest request body taken: the size limit of a content file.
pub const MAX_BODY: u64 = crate::load::MAX_PAGE_BYTES;

const SCRIPT: &str = include_str!("assets/editor.js");
const STYLE: &str = include_str!("assets/editor.css");

/// Whether a request path is the editor's.
pub fn owns(path: &str) -> bool {
    path == PREFIX || path.starts_with("/_zhan/")
}

/// The site as the last build left it, as the editor needs it.
#[derive(Default)]
pub struct SiteView {
    pub files: Vec<ContentFile>,
    pub config: Config,
    /// Site path (`stations/huidong/`) → content path.
    by_site_path: HashMap<String, String>,
}

impl SiteView {
    pub fn new(files: Vec<ContentFile>, config: Config) -> SiteView {
        let by_site_path = files
            .iter()
            .filter_map(|f| Some((f.site_path.clone()?, f.path.clone())))
            .collect();
        SiteView {
            files,
            config,
            by_site_path,
        }
    }

    /// The content file of the page a browser asked for (`/stations/huidong/`).
    pub fn file_of_page(&self, request_path: &str) -> Option<&str> {
        let decoded = super::http::percent_decode(request_path)?;
        let base = self.config.base_path.as_str();
        let rel = decoded
            .strip_prefix(base)
            .or_else(|| decoded.strip_prefix('/'))?;
        let rel = rel.strip_suffix("index.html").unwrap_or(rel);
        self.by_site_path.get(rel).map(String::as_str)
    }

    /// The entry of a content file.
    pub fn file(&self, path: &str) -> Option<&ContentFile> {
        self.files.iter().find(|f| f.path == path)
    }
}

/// The editor of one `zhan serve` session.
pub struct Editor {
    /// The site folder, canonical.
    root: PathBuf,
    /// Where the server listens; None if it could not tell.
    addr: Option<SocketAddr>,
    /// Whether editing is on: on a loopback address, or with `--edit`.
    enabled: bool,
    /// On the network with `--edit`: the key every request must carry.
    network_key: Option<lan::NetworkKey>,
    /// The session's secret, in the editor's pages only.
    token: String,
    site: RwLock<Arc<SiteView>>,
    /// The site in memory, once built: previews of drafts render from it.
    workspace: RwLock<Option<Arc<RwLock<Workspace>>>>,
}

impl Editor {
    /// The editor of the site at `root`, served at `addr`.
    pub fn new(root: &Path, addr: Option<SocketAddr>) -> Editor {
        let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        Editor {
            root,
            addr,
            enabled: addr.is_some_and(|a| a.ip().is_loopback()),
            network_key: None,
            token: guard::new_token(),
            site: RwLock::new(Arc::new(SiteView::default())),
            workspace: RwLock::new(None),
        }
    }

    /// Whether editing is on (the server listens on 127.0.0.1 only, or
    /// [`Editor::on_network`]).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Turns editing on for a server that listens on the network
    /// (`--edit`), behind a new secret key ([`lan`]). On loopback, editing
    /// is on already and needs no key.
    pub fn on_network(mut self) -> Editor {
        if let Some(addr) = self.addr.filter(|a| !a.ip().is_loopback()) {
            self.enabled = true;
            self.network_key = Some(lan::NetworkKey::new(addr.port()));
        }
        self
    }

    /// The key of a server editing on the network.
    pub fn network_key(&self) -> Option<&lan::NetworkKey> {
        self.network_key.as_ref()
    }

    /// Whether a request with `headers` may see the editor's link on the
    /// site's pages: always on loopback; on the network, with the key.
    pub fn admits(&self, headers: &[(String, String)]) -> bool {
        self.enabled && self.network_key.as_ref().is_none_or(|k| k.admits(headers))
    }

    /// The site folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Takes in the site after a build.
    pub fn site_changed(&self, ws: &Workspace) {
        let view = Arc::new(SiteView::new(ws.content_files(), ws.config().clone()));
        if let Ok(mut site) = self.site.write() {
            *site = view;
        }
    }

    /// Takes the workspace the server rebuilds, to preview drafts from.
    pub fn attach(&self, workspace: Arc<RwLock<Workspace>>) {
        if let Ok(mut slot) = self.workspace.write() {
            *slot = Some(workspace);
        }
    }

    /// The workspace, once the site was first built.
    pub fn workspace(&self) -> Option<Arc<RwLock<Workspace>>> {
        self.workspace.read().ok().and_then(|w| w.clone())
    }

    /// The site as last built.
    pub fn site(&self) -> Arc<SiteView> {
        self.site.read().map(|s| Arc::clone(&s)).unwrap_or_default()
    }

    /// Adds the 「编辑此页」 link to a page served at `request_path`, when
    /// editing is on and the page has a content file.
    pub fn inject(&self, html: Vec<u8>, request_path: &str) -> Vec<u8> {
        if !self.enabled {
            return html;
        }
        let site = self.site();
        let Some(file) = site.file_of_page(request_path) else {
            return html;
        };
        let link = format!(
            "<a id=\"zhan-edit-link\" href=\"{PREFIX}/edit?path={}\" style=\"position:fixed;right:1rem;bottom:1rem;\
             z-index:2147483646;background:#0b5394;color:#fff;padding:.6rem 1rem;border-radius:.4rem;\
             font:600 16px/1.4 -apple-system,'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;\
             text-decoration:none;box-shadow:0 2px 6px rgba(0,0,0,.3)\">{}</a>",
            escape::html(&query_escape(file)),
            escape::html(&messages::tr("editor.edit-this-page"))
        );
        let mut text = String::from_utf8_lossy(&html).into_owned();
        let at = text.rfind("</body>").unwrap_or(text.len());
        text.insert_str(at, &link);
        text.into_bytes()
    }

    /// Answers a request under `/_zhan/`.
    pub fn handle(&self, req: &Request) -> Response {
        if !self.enabled {
            return page_response(
                "403 Forbidden",
                &messages::tr("editor.off-title"),
                &format!("<p>{}</p>", escape::html(&messages::tr("editor.off"))),
            );
        }
        if let Err(refusal) = guard::check_host(req, self.addr) {
            return refusal;
        }
        if let Some(key) = &self.network_key {
            if let Err(answer) = key.check(req) {
                return answer;
            }
        }
        let path = req.path();
        let get = matches!(req.method, "GET" | "HEAD");
        match path {
            PREFIX if get => Response {
                status: "301 Moved Permanently",
                headers: vec![("Location", format!("{PREFIX}/"))],
                body: Vec::new(),
            },
            "/_zhan/" if get => self.shell("home", &messages::tr("editor.home-title")),
            "/_zhan/edit" if get => self.shell("edit", &messages::tr("editor.edit-title")),
            "/_zhan/editor.js" if get => asset("text/javascript; charset=utf-8", SCRIPT.as_bytes()),
            "/_zhan/editor.css" if get => asset("text/css; charset=utf-8", STYLE.as_bytes()),
            upload::PATH => upload::upload(self, req),
            p if p.starts_with("/_zhan/api/") => {
                if let Err(refusal) = guard::check_api(req, self.addr, &self.token) {
                    return refusal;
                }
                upload::route(self, req)
                    .or_else(|| links::route(self, req))
                    .or_else(|| trash::route(self, req))
                    .unwrap_or_else(|| api::route(self, req))
            }
            _ if !get && req.method != "POST" => Response {
                status: "405 Method Not Allowed",
                headers: vec![
                    ("Allow", "GET, HEAD, POST".into()),
                    ("Content-Type", "text/plain; charset=utf-8".into()),
                ],
                body: b"405 Method Not Allowed\n".to_vec(),
            },
            _ => page_response(
                "404 Not Found",
                &messages::tr("editor.not-found-title"),
                &format!(
                    "<p>{}</p><p><a href=\"{PREFIX}/\">{}</a></p>",
                    escape::html(&messages::tr("editor.not-found")),
                    escape::html(&messages::tr("editor.home-link"))
                ),
            ),
        }
    }

    /// The page the script fills: the session token and the interface's
    /// words, as JSON the script reads.
    fn shell(&self, which: &str, title: &str) -> Response {
        let lang = messages::lang();
        let strings: serde_json::Map<String, serde_json::Value> = ["editor.", "kind."]
            .iter()
            .flat_map(|p| messages::with_prefix(lang, p))
            .map(|(k, v)| (k.to_string(), serde_json::Value::from(v)))
            .collect();
        let data = serde_json::json!({
            "token": self.token,
            "page": which,
            "strings": strings,
        });
        // Inside <script>, `<` must not start a tag: JSON allows \u003c.
        let data = data.to_string().replace('<', "\\u003c");
        let html = format!(
            "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <meta name=\"robots\" content=\"noindex\"><title>{}</title>\
             <link rel=\"stylesheet\" href=\"{PREFIX}/editor.css\"></head>\
             <body data-page=\"{which}\"><a class=\"skip\" href=\"#main\">{}</a>\
             <header class=\"bar\"><a href=\"{PREFIX}/\">{}</a> <a href=\"/\">{}</a></header>\
             <main id=\"main\" tabindex=\"-1\"><h1 id=\"title\">{}</h1>\
             <noscript><p>{}</p></noscript><div id=\"app\"></div></main>\
             <div id=\"status\" role=\"status\" aria-live=\"polite\"></div>\
             <script type=\"application/json\" id=\"zhan-data\">{data}</script>\
             <script src=\"{PREFIX}/editor.js\"></script></body></html>\n",
            lang.code(),
            escape::html(title),
            escape::html(&messages::tr("editor.skip")),
            escape::html(&messages::tr("editor.home-link")),
            escape::html(&messages::tr("editor.site-link")),
            escape::html(title),
            escape::html(&messages::tr("editor.needs-script")),
        );
        let mut response = Response::new("200 OK", "text/html; charset=utf-8", html);
        response.headers.extend(guard::page_headers());
        response
    }
}

/// A path as a query value: letters, digits and `/._-` as they are.
pub fn query_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'.' | b'_' | b'-') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn asset(kind: &str, bytes: &[u8]) -> Response {
    let mut response = Response::new("200 OK", kind, bytes);
    response.headers.extend(guard::page_headers());
    response
}

/// A plain page of the editor (off, not found), in the author's language.
fn page_response(status: &'static str, title: &str, content: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title></head>\
         <body style=\"font:16px/1.6 sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b\">\
         <main><h1>{}</h1>{content}</main></body></html>\n",
        messages::lang().code(),
        escape::html(title),
        escape::html(title),
    );
    let mut response = Response::new(status, "text/html; charset=utf-8", html);
    response.headers.extend(guard::page_headers());
    response
}

/// A text message from the catalogs, as the API's JSON error.
pub fn error_json(status: &'static str, key: &str, args: &[(&str, Arg)]) -> Response {
    json_response(
        status,
        &serde_json::json!({ "error": messages::text(key, args), "code": key }),
    )
}

/// A JSON answer.
pub fn json_response(status: &'static str, value: &serde_json::Value) -> Response {
    let mut response = Response::new(status, "application/json", value.to_string());
    response.headers.extend(guard::page_headers());
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;

    fn view() -> SiteView {
        SiteView::new(
            vec![ContentFile {
                path: "services/huidong/kongchao-tanfang.md".into(),
                kind: Some(Kind::Service),
                id: "kongchao-tanfang".into(),
                title: Some("空巢老人探访".into()),
                site_path: Some("services/huidong/kongchao-tanfang/".into()),
            }],
            Config::default(),
        )
    }

    #[test]
    fn pages_map_to_their_files() {
        let v = view();
        for asked in [
            "/services/huidong/kongchao-tanfang/",
            "/services/huidong/kongchao-tanfang/index.html",
        ] {
            assert_eq!(
                v.file_of_page(asked),
                Some("services/huidong/kongchao-tanfang.md"),
                "{asked}"
            );
        }
        assert_eq!(v.file_of_page("/services/"), None);
        assert_eq!(v.file_of_page("/%zz"), None);
    }

    #[test]
    fn the_link_is_added_only_when_editing_is_on() {
        let dir = tempfile::tempdir().expect("dir");
        let on = Editor::new(dir.path(), Some("127.0.0.1:1111".parse().expect("addr")));
        *on.site.write().expect("lock") = Arc::new(view());
        let page = b"<html><body><p>x</p></body></html>".to_vec();
        let with =
            String::from_utf8(on.inject(page.clone(), "/services/huidong/kongchao-tanfang/"))
                .expect("utf-8");
        assert!(
            with.contains("/_zhan/edit?path=services/huidong/kongchao-tanfang.md"),
            "{with}"
        );
        assert!(with.contains("编辑此页"), "{with}");
        assert!(with.ends_with("</a></body></html>"), "{with}");
        let off = Editor::new(dir.path(), Some("0.0.0.0:1111".parse().expect("addr")));
        *off.site.write().expect("lock") = Arc::new(view());
        assert!(!off.enabled());
        assert_eq!(
            off.inject(page.clone(), "/services/huidong/kongchao-tanfang/"),
            page
        );
    }

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(query_escape("a b/c.md"), "a%20b/c.md");
        assert_eq!(query_escape("助"), "%E5%8A%A9");
    }
}
