//! A small static file server for previewing the built site: GET and HEAD only,
//! nothing outside the output folder, correct content types. Requests under
//! `/_zhan/` go to the browser editor ([`super::editor`]), the only place
//! that takes a POST (with a body size limit).

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::RecvTimeoutError;
use std::time::Duration;

use super::editor::{self, Editor};
use super::reload::{self, Hub};

/// A request as the editor sees it: header names in lower case.
pub struct Request<'a> {
    pub method: &'a str,
    pub target: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Request<'_> {
    /// The value of header `name` (lower case), if sent once. A header sent
    /// twice counts as not sent, which the editor's checks refuse.
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut found = self.headers.iter().filter(|(n, _)| n == name);
        match (found.next(), found.next()) {
            (Some((_, v)), None) => Some(v.as_str()),
            _ => None,
        }
    }

    /// Whether header `name` was sent at all.
    pub fn has_header(&self, name: &str) -> bool {
        self.headers.iter().any(|(n, _)| n == name)
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split(['?', '#']).next().unwrap_or("")
    }

    /// The decoded value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        let query = query.split('#').next().unwrap_or("");
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k)? == name)
                .then(|| percent_decode(v))
                .flatten()
        })
    }
}

/// What a handler answers.
pub struct Response {
    pub status: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: &'static str, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body: body.into(),
        }
    }
}

/// Decodes `%XX` escapes and `+` (a space in a query); None if malformed.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                decoded.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                decoded.push(b' ');
                i += 1;
            }
            b => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(decoded).ok()
}

/// The content type for a file name.
pub fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("xml") => "application/xml; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("ics") => "text/calendar; charset=utf-8",
        Some("csv") => "text/csv; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("pdf") => "application/pdf",
        Some("woff2") => "font/woff2",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("pptx") => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        _ => "application/octet-stream",
    }
}

/// Decodes a request path; None if it is malformed or tries to leave the root.
pub fn safe_relative_path(target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    let decoded = String::from_utf8(decoded).ok()?;
    if !decoded.starts_with('/') || decoded.contains(['\0', '\\']) {
        return None;
    }
    let mut out = PathBuf::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            // Also refuses hidden files such as the output marker.
            s if s.starts_with('.') => return None,
            s => out.push(s),
        }
    }
    Some(out)
}

/// What a request resolved to.
pub enum Resolved {
    File(PathBuf),
    /// A folder asked for without its trailing slash: redirect there.
    Redirect(String),
    NotFound,
}

/// Finds the file for a request path inside `root` (canonical), refusing
/// symlinks that lead outside it.
pub fn resolve(root: &Path, target: &str) -> Resolved {
    let Some(rel) = safe_relative_path(target) else {
        return Resolved::NotFound;
    };
    let mut path = root.join(&rel);
    if path.is_dir() {
        let raw = target.split(['?', '#']).next().unwrap_or("/");
        if !raw.ends_with('/') {
            return Resolved::Redirect(format!("{raw}/"));
        }
        path.push("index.html");
    }
    match std::fs::canonicalize(&path) {
        Ok(real) if real.starts_with(root) && real.is_file() => Resolved::File(real),
        _ => Resolved::NotFound,
    }
}

/// Serves `root` until the listener fails. Each connection gets a thread.
/// With a `hub` (watch mode), HTML gets the reload script and, while a build
/// has errors, the error overlay; `/__zhan/events` streams reload events.
/// With an `editor`, `/_zhan/` is the browser editor and pages get its link.
pub fn serve(
    listener: TcpListener,
    root: PathBuf,
    hub: Option<Arc<Hub>>,
    editor: Option<Arc<Editor>>,
) -> io::Result<()> {
    std::fs::create_dir_all(&root)?;
    let root = std::fs::canonicalize(&root)?;
    let folders = Arc::new(Folders {
        staging: crate::write::output::staging_folder(&root),
        output: root,
    });
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let folders = Arc::clone(&folders);
        let hub = hub.clone();
        let editor = editor.clone();
        std::thread::spawn(move || {
            let _ = handle(stream, &folders, hub.as_deref(), editor.as_deref());
        });
    }
    Ok(())
}

/// The folders a request may be answered from.
struct Folders {
    /// The output folder (canonical).
    output: PathBuf,
    /// Where this process stages a full build of the output folder: while
    /// the first build runs, a page the output folder does not have yet is
    /// answered from there as soon as it is written, so a site without
    /// output shows its first pages in a moment rather than after the
    /// whole build (on a slow disk, many seconds).
    staging: PathBuf,
}

impl Folders {
    fn resolve(&self, target: &str, building: bool) -> Resolved {
        if !building {
            return resolve(&self.output, target);
        }
        // The build ends by moving the staging folder into place (the output
        // folder aside, then the staging folder in its stead): a file may be
        // missed in the output before the move and in the staging folder
        // after it, or in both during it. A miss is looked up again.
        let look = || match resolve(&self.output, target) {
            Resolved::NotFound => match std::fs::canonicalize(&self.staging) {
                Ok(staging) => match resolve(&staging, target) {
                    Resolved::File(path) if !written_whole(&path) => Resolved::NotFound,
                    found => found,
                },
                Err(_) => Resolved::NotFound,
            },
            found => found,
        };
        let mut found = look();
        for _ in 0..2 {
            if !matches!(found, Resolved::NotFound) {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
            found = look();
        }
        found
    }
}

/// Whether a file of the staging folder looks written to its end: the
/// build writes into it while it is served, so a file may be there but
/// empty, or (a page) without its end yet.
fn written_whole(path: &Path) -> bool {
    use std::io::{Seek, SeekFrom};
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let Ok(size) = file.metadata().map(|m| m.len()) else {
        return false;
    };
    if size == 0 {
        return false;
    }
    if path.extension().is_none_or(|e| e != "html") {
        return true;
    }
    let mut tail = Vec::new();
    let read = file
        .seek(SeekFrom::Start(size.saturating_sub(32)))
        .and_then(|_| file.read_to_end(&mut tail));
    read.is_ok() && tail.trim_ascii_end().ends_with(b"</html>")
}

/// Streams events to one tab until it goes away; a comment every 15 s
/// keeps the connection open and notices when it closed.
fn events(mut stream: TcpStream, hub: &Hub) -> io::Result<()> {
    let listener = hub.subscribe();
    stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n\
          Connection: keep-alive\r\nX-Content-Type-Options: nosniff\r\n\r\nretry: 1000\n: connected\n\n",
    )?;
    stream.flush()?;
    loop {
        match listener.recv_timeout(Duration::from_secs(15)) {
            Ok(message) => stream.write_all(message.as_bytes())?,
            Err(RecvTimeoutError::Timeout) => stream.write_all(b": keep-alive\n\n")?,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        }
        stream.flush()?;
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    headers: &[(&str, String)],
    body: &[u8],
    head_only: bool,
) -> io::Result<()> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n",
        body.len()
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    stream.write_all(out.as_bytes())?;
    if !head_only {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// At most this many header lines are read.
const MAX_HEADERS: usize = 100;

fn handle(
    mut stream: TcpStream,
    folders: &Folders,
    hub: Option<&Hub>,
    editor: Option<&Editor>,
) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.by_ref().take(8192).read_line(&mut request_line)?;
    let mut headers: Vec<(String, String)> = Vec::new();
    loop {
        let mut line = String::new();
        if reader.by_ref().take(8192).read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if headers.len() < MAX_HEADERS {
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let head_only = method == "HEAD";
    let path_only = target.split(['?', '#']).next().unwrap_or("");
    if let Some(editor) = editor.filter(|_| editor::owns(path_only)) {
        let limit = editor::upload::body_limit(path_only);
        let head = Request {
            method,
            target,
            headers: &headers,
            body: &[],
        };
        let asks = headers
            .iter()
            .any(|(n, v)| n == "expect" && v.eq_ignore_ascii_case("100-continue"));
        if let Some(refusal) = editor::upload::refuse_before_body(editor, &head) {
            // Read and drop what was sent, so the refusal is not lost to a
            // connection reset by unread data (a client that asked first
            // has sent nothing).
            if !asks {
                let _ = discard_body(&mut reader, &headers, limit);
            }
            return write_response(&mut stream, &refusal, head_only);
        }
        // A client that asked before sending a large body (`Expect:
        // 100-continue`, as curl does) is told to go on when it may.
        let fits = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .is_some_and(|length| length <= limit);
        if method == "POST" && asks && fits {
            stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        let body = match read_body(&mut reader, method, &headers, limit, path_only) {
            Ok(body) => body,
            Err(refusal) => return write_response(&mut stream, &refusal, head_only),
        };
        drop(reader);
        let request = Request {
            method,
            target,
            headers: &headers,
            body: &body,
        };
        let response = editor.handle(&request);
        return write_response(&mut stream, &response, head_only);
    }
    if method != "GET" && !head_only {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            &[
                ("Allow", "GET, HEAD".into()),
                ("Content-Type", "text/plain; charset=utf-8".into()),
            ],
            b"405 Method Not Allowed\n",
            false,
        );
    }
    if let Some(hub) = hub {
        if path_only == reload::EVENTS_PATH && !head_only {
            drop(reader);
            return events(stream, hub);
        }
        if path_only == reload::SCRIPT_PATH {
            let kind = ("Content-Type", "text/javascript; charset=utf-8".to_string());
            return respond(
                &mut stream,
                "200 OK",
                &[kind],
                reload::SCRIPT.as_bytes(),
                head_only,
            );
        }
    }
    // In watch mode, pages carry the reload script and any error overlay.
    let page = |bytes: Vec<u8>| {
        let bytes = match hub {
            Some(hub) => reload::inject(&bytes, hub.overlay().as_deref()),
            None => bytes,
        };
        match editor {
            Some(editor) if editor.admits(&headers) => editor.inject(bytes, path_only),
            _ => bytes,
        }
    };
    let building = hub.is_some_and(Hub::building);
    match folders.resolve(target, building) {
        Resolved::File(path) => {
            let kind = content_type(&path);
            let body = std::fs::read(&path)?;
            let body = if kind.starts_with("text/html") {
                page(body)
            } else {
                body
            };
            respond(
                &mut stream,
                "200 OK",
                &[("Content-Type", kind.into())],
                &body,
                head_only,
            )
        }
        Resolved::Redirect(to) => respond(
            &mut stream,
            "301 Moved Permanently",
            &[("Location", to)],
            b"",
            head_only,
        ),
        Resolved::NotFound if building => {
            let html = ("Content-Type", "text/html; charset=utf-8".to_string());
            let retry = ("Retry-After", "1".to_string());
            respond(
                &mut stream,
                "503 Service Unavailable",
                &[html, retry],
                &page(reload::BUILDING_PAGE.as_bytes().to_vec()),
                head_only,
            )
        }
        Resolved::NotFound => {
            let body = std::fs::read(folders.output.join("404.html")).unwrap_or_else(|_| {
                b"<!DOCTYPE html><html><body><h1>404</h1></body></html>\n".to_vec()
            });
            let html = ("Content-Type", "text/html; charset=utf-8".to_string());
            respond(
                &mut stream,
                "404 Not Found",
                &[html],
                &page(body),
                head_only,
            )
        }
    }
}

/// Reads the body of an editor request: only a POST has one, announced by
/// `Content-Length` and no larger than `limit` ([`editor::MAX_BODY`], or
/// an upload's); else the refusal to send.
fn read_body(
    reader: &mut impl Read,
    method: &str,
    headers: &[(String, String)],
    limit: u64,
    path: &str,
) -> Result<Vec<u8>, Response> {
    let text = |status, key: &str| {
        Response::new(
            status,
            "text/plain; charset=utf-8",
            format!("{}\n", crate::messages::tr(key)),
        )
    };
    if method != "POST" {
        return Ok(Vec::new());
    }
    if headers.iter().any(|(n, _)| n == "transfer-encoding") {
        return Err(text("411 Length Required", "editor.need-length"));
    }
    let lengths: Vec<&str> = headers
        .iter()
        .filter(|(n, _)| n == "content-length")
        .map(|(_, v)| v.as_str())
        .collect();
    let length = match lengths.as_slice() {
        [one] => one
            .parse::<u64>()
            .map_err(|_| text("400 Bad Request", "editor.need-length"))?,
        _ => return Err(text("411 Length Required", "editor.need-length")),
    };
    if length > limit {
        return Err(editor::upload::too_large(path));
    }
    let mut body = Vec::with_capacity(usize::try_from(length).unwrap_or(0));
    reader
        .take(length)
        .read_to_end(&mut body)
        .map_err(|_| text("400 Bad Request", "editor.need-length"))?;
    if body.len() as u64 != length {
        return Err(text("400 Bad Request", "editor.need-length"));
    }
    Ok(body)
}

/// Reads and drops a request's body of at most `limit` bytes.
fn discard_body(
    reader: &mut impl Read,
    headers: &[(String, String)],
    limit: u64,
) -> io::Result<u64> {
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<u64>().ok())
        .unwrap_or(0);
    io::copy(&mut reader.take(length.min(limit)), &mut io::sink())
}

fn write_response(stream: &mut TcpStream, response: &Response, head_only: bool) -> io::Result<()> {
    let headers: Vec<(&str, String)> = response
        .headers
        .iter()
        .map(|(n, v)| (*n, v.clone()))
        .collect();
    respond(stream, response.status, &headers, &response.body, head_only)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_and_hidden_files_are_refused() {
        assert_eq!(
            safe_relative_path("/stations/huidong/"),
            Some(PathBuf::from("stations/huidong"))
        );
        assert_eq!(
            safe_relative_path("/categories/%E5%8A%A9%E8%80%81/"),
            Some(PathBuf::from("categories/助老"))
        );
        for bad in [
            "/../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/a/%2E%2E/%2e%2e/x",
            "/.zhan-output",
            "/a%00b",
            "/a\\..\\b",
            "relative",
            "/%zz",
        ] {
            assert_eq!(safe_relative_path(bad), None, "{bad}");
        }
    }

    fn found(resolved: Resolved) -> Option<PathBuf> {
        match resolved {
            Resolved::File(path) => Some(path),
            _ => None,
        }
    }

    #[test]
    fn the_staging_folder_answers_only_while_building_and_only_what_output_lacks() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("output");
        std::fs::create_dir_all(output.join("old")).unwrap();
        std::fs::write(output.join("old/index.html"), "old").unwrap();
        let output = std::fs::canonicalize(&output).unwrap();
        let folders = Folders {
            staging: crate::write::output::staging_folder(&output),
            output: output.clone(),
        };
        // No staging folder yet: nothing more than the output.
        assert!(found(folders.resolve("/new/", true)).is_none());
        let new_page = "<html><body>new</body></html>\n";
        for page in ["new", "old", "empty", "half"] {
            std::fs::create_dir_all(folders.staging.join(page)).unwrap();
            std::fs::write(folders.staging.join(page).join("index.html"), new_page).unwrap();
        }
        let staged = found(folders.resolve("/new/", true)).unwrap();
        assert_eq!(std::fs::read_to_string(staged).unwrap(), new_page);
        // A file still being written is not served from there: empty, or a
        // page without its end.
        std::fs::write(folders.staging.join("empty/index.html"), "").unwrap();
        std::fs::write(folders.staging.join("half/index.html"), "<html><bo").unwrap();
        assert!(found(folders.resolve("/empty/", true)).is_none());
        assert!(found(folders.resolve("/half/", true)).is_none());
        std::fs::write(folders.staging.join("style.css"), "a{}").unwrap();
        assert!(found(folders.resolve("/style.css", true)).is_some());
        // The output folder goes first; after the build, only it answers.
        let old = found(folders.resolve("/old/", true)).unwrap();
        assert_eq!(std::fs::read_to_string(old).unwrap(), "old");
        assert!(found(folders.resolve("/new/", false)).is_none());
        // Nothing outside the staging folder through it either.
        std::fs::write(dir.path().join("secret.html"), "secret").unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(
                dir.path().join("secret.html"),
                folders.staging.join("leak.html"),
            )
            .unwrap();
            assert!(found(folders.resolve("/leak.html", true)).is_none());
        }
        assert!(found(folders.resolve("/../secret.html", true)).is_none());
    }

    #[test]
    fn content_types_carry_utf8() {
        assert_eq!(
            content_type(Path::new("a/index.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("x.ics")),
            "text/calendar; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("x.svg")), "image/svg+xml");
    }
}
