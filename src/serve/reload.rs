//! Live reload: telling open tabs that their page changed, and showing build
//! errors over every page while they stand.
//!
//! Tabs listen on a Server-Sent Events stream (`/__zhan/events`): plain
//! HTTP, no WebSocket needed. The small script that listens, and the error
//! overlay, are added to HTML responses by the preview server only; the files
//! in the output folder never contain them.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Mutex, RwLock};

use crate::diagnostics::Diagnostic;
use crate::escape;
use crate::messages::{self, Arg};

/// Where tabs listen for changes.
pub const EVENTS_PATH: &str = "/__zhan/events";
/// Where the listening script is served.
pub const SCRIPT_PATH: &str = "/__zhan/reload.js";

/// Makes the error panel's 「关闭」 button work and remembers, for the tab's
/// session, that the worker closed these errors (new errors open it again);
/// then reloads the tab when its page is among the changed ones, when
/// everything changed, when errors appear, and when they clear (the overlay
/// goes). It never moves the focus unless the worker closes the panel with
/// the button or Escape (the focus goes to the badge that reopens it).
pub const SCRIPT: &str = r#"(function () {
  "use strict";
  var panel = document.getElementById("zhan-overlay");
  var details = panel && panel.querySelector("details");
  if (details) {
    var KEY = "zhan-overlay-closed";
    var errors = panel.getAttribute("data-errors");
    var summary = details.querySelector("summary");
    var store = null;
    try { store = window.sessionStorage; } catch (e) { store = null; }
    try { if (store && store.getItem(KEY) === errors) { details.open = false; } } catch (e) { /* no storage */ }
    var remember = function () {
      try {
        if (!store) { return; }
        if (details.open) { store.removeItem(KEY); } else { store.setItem(KEY, errors); }
      } catch (e) { /* no storage */ }
    };
    details.addEventListener("toggle", remember);
    var close = function () { details.open = false; remember(); summary.focus(); };
    var button = panel.querySelector("[data-zhan-close]");
    if (button) {
      button.hidden = false;
      button.addEventListener("click", close);
    }
    details.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && details.open) { close(); }
    });
  }
  if (!window.EventSource) { return; }
  var here = decodeURI(location.pathname).replace(/index\.html$/, "");
  var source = new EventSource("/__zhan/events");
  source.addEventListener("reload", function (event) {
    var change = JSON.parse(event.data);
    var overlay = document.getElementById("zhan-overlay");
    if (change.all || overlay || change.paths.indexOf(here) >= 0) { location.reload(); }
  });
  source.addEventListener("errors", function () { location.reload(); });
})();
"#;

/// The events sent to tabs, and the errors of the last build while they stand.
#[derive(Default)]
pub struct Hub {
    listeners: Mutex<Vec<Sender<String>>>,
    errors: RwLock<Option<String>>,
    /// The first build is running: the server already serves the output
    /// folder as the last build left it.
    building: AtomicBool,
    /// The site folder, whose files the overlay quotes (none when unset).
    site: Option<PathBuf>,
}

/// Shown for a page the output folder does not have yet while the first
/// build runs; the reload script brings the real page when it is done.
pub const BUILDING_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>正在生成网站</title></head>\
<body><main><h1>正在生成网站</h1><p>网站正在生成，完成后本页会自动刷新。</p></main></body></html>\n";

impl Hub {
    pub fn new() -> Self {
        Self::default()
    }

    /// A hub for the site in `root`: its overlay quotes the lines in error.
    pub fn for_site(root: &Path) -> Self {
        Hub {
            site: Some(root.to_path_buf()),
            ..Self::default()
        }
    }

    /// A new listener: it receives every event from now on.
    pub fn subscribe(&self) -> Receiver<String> {
        let (tx, rx) = mpsc::channel();
        if let Ok(mut listeners) = self.listeners.lock() {
            listeners.push(tx);
        }
        rx
    }

    /// How many tabs are listening.
    pub fn listeners(&self) -> usize {
        self.listeners.lock().map_or(0, |l| l.len())
    }

    fn send(&self, event: &str, data: &str) {
        let message = format!("event: {event}\ndata: {data}\n\n");
        if let Ok(mut listeners) = self.listeners.lock() {
            listeners.retain(|l| l.send(message.clone()).is_ok());
        }
    }

    /// After a good build: these site paths changed (or everything did).
    pub fn changed(&self, paths: &[String], all: bool) {
        if let Ok(mut errors) = self.errors.write() {
            *errors = None;
        }
        let list: Vec<String> = paths.iter().map(|p| json_string(p)).collect();
        self.send(
            "reload",
            &format!("{{\"paths\": [{}], \"all\": {all}}}", list.join(", ")),
        );
    }

    /// After a failed build: show these errors on every page.
    pub fn failed(&self, diagnostics: &[Diagnostic]) {
        // Each file read once, however many of its lines are in error.
        let read = RefCell::new(HashMap::<String, Option<String>>::new());
        let source_of = |file: &str| -> Option<String> {
            let root = self.site.as_deref()?;
            read.borrow_mut()
                .entry(file.to_string())
                .or_insert_with(|| site_source(root, file))
                .clone()
        };
        let html = overlay(diagnostics, &source_of);
        if let Ok(mut errors) = self.errors.write() {
            *errors = Some(html);
        }
        let count = diagnostics.iter().filter(|d| d.is_error()).count();
        self.send("errors", &format!("{{\"errors\": {count}}}"));
    }

    /// Marks the first build as running or done.
    pub fn set_building(&self, building: bool) {
        self.building.store(building, Ordering::Release);
    }

    /// Whether the first build is still running.
    pub fn building(&self) -> bool {
        self.building.load(Ordering::Acquire)
    }

    /// The overlay to show while errors stand.
    pub fn overlay(&self) -> Option<String> {
        self.errors.read().ok().and_then(|e| e.clone())
    }
}

/// A JSON string literal.
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// At most this many errors are shown in the panel (the terminal has all).
const SHOWN_ERRORS: usize = 50;
/// At most this many characters of a source line are quoted.
const QUOTED_CHARS: usize = 160;

/// The panel's styles. Every rule is under `#zhan-overlay`, so that the
/// page's own styles hardly reach it; sizes are in rem, so that the elderly
/// mode (a larger root font) makes it larger too. Open, the panel is docked
/// at the bottom, at most 45% of the viewport high, and scrolls; closed, it is
/// a small badge in the corner. The strip it sits in lets clicks through.
const OVERLAY_STYLE: &str = "<style>\
#zhan-overlay{position:fixed;left:0;right:0;bottom:0;z-index:2147483647;display:flex;justify-content:flex-end;\
pointer-events:none;margin:0;padding:0;font:1rem/1.6 -apple-system,'Helvetica Neue','PingFang SC','Microsoft YaHei',\
'Noto Sans CJK SC',sans-serif;color:#1b1b1b;text-align:left}\
#zhan-overlay *{box-sizing:border-box}\
#zhan-overlay [hidden]{display:none!important}\
#zhan-overlay>details{pointer-events:auto;flex:0 1 auto;max-width:100%;margin:0 .75rem .75rem;background:#fff;\
border:2px solid #9b1c1c;border-radius:.5rem;box-shadow:0 2px 12px rgba(0,0,0,.3)}\
#zhan-overlay>details[open]{flex:1 1 auto;margin:0;max-height:45vh;overflow:auto;border-width:4px 0 0;border-radius:0;\
box-shadow:0 -2px 12px rgba(0,0,0,.3)}\
#zhan-overlay summary{display:block;cursor:pointer;min-height:2.75rem;padding:.5rem 1rem;font-weight:700;color:#fff;\
background:#9b1c1c;list-style:none}\
#zhan-overlay summary::-webkit-details-marker{display:none}\
#zhan-overlay summary::before{content:'\\25B8\\00A0'}\
#zhan-overlay details[open]>summary{position:sticky;top:0;z-index:1}\
#zhan-overlay details[open]>summary::before{content:'\\25BE\\00A0'}\
#zhan-overlay summary:focus-visible{outline:3px solid #fff;outline-offset:-6px}\
#zhan-overlay button:focus-visible{outline:3px solid #1b1b1b;outline-offset:2px}\
#zhan-overlay .zhan-body{padding:.75rem 1rem 1rem;overflow-wrap:anywhere}\
#zhan-overlay .zhan-head{display:flex;flex-wrap:wrap;align-items:flex-start;gap:.5rem 1rem}\
#zhan-overlay h2{flex:1 1 14rem;margin:0;padding:0;border:0;color:#9b1c1c;font-size:1.25rem;line-height:1.4}\
#zhan-overlay button{flex:0 0 auto;min-height:2.75rem;min-width:4rem;padding:.4rem 1rem;font:inherit;font-weight:700;\
color:#1b1b1b;background:#fff;border:2px solid #1b1b1b;border-radius:.3rem;cursor:pointer}\
#zhan-overlay button:hover{background:#f0f0f0}\
#zhan-overlay p{margin:.25rem 0}\
#zhan-overlay ol{margin:.5rem 0 0;padding-left:1.5rem}\
#zhan-overlay li{margin:0 0 1rem}\
#zhan-overlay code,#zhan-overlay pre{font-family:ui-monospace,Menlo,Consolas,'Noto Sans Mono CJK SC',monospace;font-size:.95rem}\
#zhan-overlay code{background:#f4f6f8;padding:.1rem .3rem}\
#zhan-overlay small{color:#4f4f4f;font-size:.85rem}\
#zhan-overlay pre{margin:.4rem 0;padding:.5rem .75rem;overflow-x:auto;white-space:pre;line-height:1.5;color:#1b1b1b;\
background:#f4f6f8;border-left:3px solid #9b1c1c}\
#zhan-overlay .zhan-gutter{color:#4f4f4f}\
#zhan-overlay mark{margin:0;padding:0;border:0;color:#1b1b1b;background:#fde2e2}\
#zhan-overlay .zhan-at{position:relative;display:inline-block}\
#zhan-overlay .zhan-hide{visibility:hidden}\
#zhan-overlay .zhan-caret{position:absolute;left:0;top:0;width:100%;overflow:hidden;color:#9b1c1c;font-weight:700}\
#zhan-overlay .zhan-caret-alone{color:#9b1c1c;font-weight:700}\
#zhan-overlay .zhan-hint{color:#4f4f4f}\
</style>";

/// The error overlay: a panel over the bottom of the page (the last good
/// site stays visible above it) that the worker can close to a badge and
/// open again. It is a `<details open>`, so closing and opening work without
/// the script; the script adds the 「关闭」 button and remembers, for the
/// tab's session, that these errors were closed. Each error shows its place,
/// message and hint and, when `source_of` gives the text of its file, the
/// line with a caret under the column, as the terminal does.
pub fn overlay(diagnostics: &[Diagnostic], source_of: &dyn Fn(&str) -> Option<String>) -> String {
    let errors: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.is_error()).collect();
    let lang = crate::messages::lang();
    let say = |key: &str, args: &[(&str, Arg)]| escape::html(&messages::fill_raw(lang, key, args));
    let count = || [("count", Arg::from(errors.len()))];
    let mut html = String::from(OVERLAY_STYLE);
    html.push_str(&format!(
        "<section id=\"zhan-overlay\" aria-labelledby=\"zhan-overlay-title\" data-errors=\"{:016x}\">\
         <details open><summary>{}</summary><div class=\"zhan-body\">\
         <div class=\"zhan-head\"><h2 id=\"zhan-overlay-title\">{}</h2>\
         <button type=\"button\" data-zhan-close hidden>{}</button></div>\
         <p>{}</p><ol>",
        signature(&errors),
        say("overlay.badge", &count()),
        say("overlay.title", &count()),
        say("overlay.close", &[]),
        say("overlay.lead", &[]),
    ));
    for d in errors.iter().take(SHOWN_ERRORS) {
        html.push_str(&format!(
            "<li><p><code>{}:{}:{}</code> <small>{}</small></p><p><strong>{}</strong></p>",
            escape::html(&d.file),
            d.pos.line,
            d.pos.col,
            escape::html(d.code),
            escape::html(&d.message_in(lang))
        ));
        if let Some(line) = source_of(&d.file)
            .as_deref()
            .and_then(|text| text.lines().nth(d.pos.line.saturating_sub(1) as usize))
        {
            html.push_str(&quote(line, d));
        }
        if let Some(hint) = d.hint_in(lang) {
            html.push_str(&format!(
                "<p class=\"zhan-hint\">{}{}</p>",
                say("overlay.hint", &[]),
                escape::html(&hint)
            ));
        }
        html.push_str("</li>");
    }
    html.push_str("</ol>");
    if errors.len() > SHOWN_ERRORS {
        html.push_str(&format!(
            "<p>{}</p>",
            say(
                "overlay.more",
                &[("n", Arg::from(errors.len() - SHOWN_ERRORS))]
            )
        ));
    }
    html.push_str("</div></details></section>");
    html
}

/// The source line of `d` and a caret line under its column, as the terminal
/// shows them: `6 | category: 便民` then `  |           ^^^^`. The caret line
/// starts with an invisible copy of the text before the column, so that the
/// carets stand exactly under it whatever the font's widths of Chinese
/// characters and tabs; the carets are cut to the width of the marked text.
fn quote(line: &str, d: &Diagnostic) -> String {
    use crate::diagnostics::QUOTE_MARGIN;
    let chars: Vec<char> = line.chars().collect();
    let col = (d.pos.col.max(1) as usize - 1).min(chars.len());
    // A long line: a window around the column.
    let start = if col >= QUOTED_CHARS {
        col - QUOTED_CHARS / 2
    } else {
        0
    };
    let end = (start + QUOTED_CHARS).min(chars.len());
    // Residents' numbers masked in the window shown (and a margin, for a
    // number the window cuts), not in the whole line: a long line with
    // many diagnostics is not scanned once per diagnostic.
    let mut chars = chars;
    let (from, to) = (
        start.saturating_sub(QUOTE_MARGIN),
        (end + QUOTE_MARGIN).min(chars.len()),
    );
    let window: String = chars[from..to].iter().collect();
    let masked: Vec<char> = crate::diagnostics::quotable_line(&window).chars().collect();
    chars.splice(from..to, masked);
    let marked_end = (col + d.len.max(1) as usize).min(end.max(col));
    let text = |from: usize, to: usize| -> String {
        escape::html(&chars[from.min(to)..to].iter().collect::<String>())
    };
    let lead = if start > 0 { "…" } else { "" };
    let tail = if end < chars.len() { "…" } else { "" };
    let before = format!("{lead}{}", text(start, col));
    let marked = text(col, marked_end);
    let after = format!("{}{tail}", text(marked_end, end));
    let number = d.pos.line.to_string();
    let gutter = " ".repeat(number.len());
    // The carets: more than the marked text is wide (three per character
    // covers Chinese in any font), cut to its width by the style.
    let carets = "^".repeat((3 * (marked_end - col)).max(1));
    let under = if marked.is_empty() {
        format!("<span class=\"zhan-caret-alone\">{carets}</span>")
    } else {
        format!(
            "<span class=\"zhan-at\"><span class=\"zhan-hide\">{marked}</span>\
             <span class=\"zhan-caret\">{carets}</span></span>"
        )
    };
    let shown = if marked.is_empty() {
        String::new()
    } else {
        format!("<mark>{marked}</mark>")
    };
    format!(
        "<pre><span class=\"zhan-gutter\">{number} | </span>{before}{shown}{after}\n\
         <span aria-hidden=\"true\"><span class=\"zhan-gutter\">{gutter} | </span>\
         <span class=\"zhan-hide\">{before}</span>{under}</span></pre>"
    )
}

/// A short fingerprint of the errors shown, so that the script can tell the
/// errors a worker closed from new ones (FNV-1a over place and code).
fn signature(errors: &[&Diagnostic]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for d in errors {
        let key = format!("{}:{}:{}:{};", d.file, d.pos.line, d.pos.col, d.code);
        for byte in key.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// The text of `file`, named as diagnostics name it (the site folder `root`
/// as the user typed it, then the path inside: `SitePaths::display`), for
/// quoting its lines: only a file inside the site (no `..`, no link leading
/// out), of a sensible size, decoded as the loader does.
pub fn site_source(root: &Path, file: &str) -> Option<String> {
    const LARGEST: u64 = 8 * 1024 * 1024;
    let inside = crate::load::SitePaths::new(root);
    let rel_text = file.strip_prefix(inside.display_root.as_str())?;
    let rel = Path::new(rel_text);
    if rel_text.is_empty()
        || !rel
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
    {
        return None;
    }
    let root = std::fs::canonicalize(root).ok()?;
    let path = std::fs::canonicalize(root.join(rel)).ok()?;
    if !path.starts_with(&root) {
        return None;
    }
    let meta = std::fs::metadata(&path).ok()?;
    if !meta.is_file() || meta.len() > LARGEST {
        return None;
    }
    let bytes = std::fs::read(&path).ok()?;
    crate::load::decode(&bytes).ok()
}

/// Adds the overlay (after `<body…>`) and the script tag (before `</body>`).
pub fn inject(html: &[u8], overlay: Option<&str>) -> Vec<u8> {
    let text = String::from_utf8_lossy(html);
    let script = format!("<script src=\"{SCRIPT_PATH}\"></script>");
    let close = text.rfind("</body>").unwrap_or(text.len());
    let (head, tail) = text.split_at(close);
    let mut out = String::with_capacity(text.len() + script.len() + overlay.map_or(0, str::len));
    match overlay {
        Some(overlay) => {
            let open = head
                .find("<body")
                .and_then(|i| head[i..].find('>').map(|j| i + j + 1))
                .unwrap_or(0);
            out.push_str(&head[..open]);
            out.push_str(overlay);
            out.push_str(&head[open..]);
        }
        None => out.push_str(head),
    }
    out.push_str(&script);
    out.push_str(tail);
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Pos;

    #[test]
    fn script_goes_before_the_end_of_body_and_overlay_after_its_start() {
        let page = b"<html><body class=\"x\"><p>hi</p></body></html>";
        let plain = String::from_utf8(inject(page, None)).unwrap();
        assert_eq!(
            plain,
            "<html><body class=\"x\"><p>hi</p><script src=\"/__zhan/reload.js\"></script></body></html>"
        );
        let with = String::from_utf8(inject(page, Some("<div id=\"o\"></div>"))).unwrap();
        assert!(
            with.starts_with("<html><body class=\"x\"><div id=\"o\"></div><p>hi</p><script"),
            "{with}"
        );
    }

    #[test]
    fn overlay_is_chinese_and_escapes_messages() {
        let d = Diagnostic::error("content/a.md", Pos::new(3, 4), "E-REF-UNKNOWN")
            .arg("id", "<script>")
            .arg("field", crate::messages::field("providers"))
            .arg("kind", crate::messages::key("kind.organization"))
            .arg("close", "a & b")
            .with_hint("H-REF-CLOSE");
        let html = overlay(&[d], &|_| None);
        assert!(html.contains("content/a.md:3:4"));
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("a &amp; b"), "{html}");
        assert!(html.contains("社区组织"), "{html}");
        assert!(html.contains("提示："), "{html}");
        // Nothing but code, file names and tags in Latin letters (the
        // style sheet aside).
        let (_, shown) = html.split_once("</style>").unwrap();
        let text: String = shown
            .split('<')
            .filter_map(|t| t.split_once('>').map(|(_, x)| x))
            .collect();
        assert!(!text.contains("The site"), "{text}");
        assert!(!text.contains("hint"), "{text}");
        assert!(!text.contains("Close"), "{text}");
        assert!(text.contains("关闭"), "{text}");
    }

    #[test]
    fn overlay_never_shows_a_number_the_privacy_check_masks() {
        let d = Diagnostic::error("content/a.md", Pos::new(2, 4), "E-PRIVACY-ID")
            .arg("masked", "110105********002X")
            .with_len(18);
        let text = "---\n身份证11010519491231002X\n".to_string();
        let html = overlay(&[d], &|_| Some(text.clone()));
        assert!(!html.contains("11010519491231002X"), "{html}");
        assert!(html.contains("110105********002X"), "{html}");
    }

    #[test]
    fn overlay_quotes_the_line_with_a_caret_under_the_column() {
        let mut d = Diagnostic::error("content/a.md", Pos::new(2, 11), "E-NO-CONTENT");
        d.len = 2;
        let text = "---\ncategory: 助老 <b>\n---\n".to_string();
        let html = overlay(&[d], &|file| (file == "content/a.md").then(|| text.clone()));
        assert!(
            html.contains("<pre><span class=\"zhan-gutter\">2 | </span>category: <mark>助老</mark> &lt;b&gt;\n"),
            "{html}"
        );
        // The caret line: the text before the column, invisible, then carets.
        assert!(
            html.contains(
                "<span class=\"zhan-gutter\">  | </span><span class=\"zhan-hide\">category: </span>\
                 <span class=\"zhan-at\"><span class=\"zhan-hide\">助老</span><span class=\"zhan-caret\">^^^^^^</span>"
            ),
            "{html}"
        );
        // A close button (shown by the script), a badge that reopens, a labelled region.
        assert!(
            html.contains("<details open><summary>有 1 个错误</summary>"),
            "{html}"
        );
        assert!(
            html.contains("<button type=\"button\" data-zhan-close hidden>关闭</button>"),
            "{html}"
        );
        assert!(
            html.contains("<section id=\"zhan-overlay\" aria-labelledby=\"zhan-overlay-title\"")
        );
        assert!(html.contains("<h2 id=\"zhan-overlay-title\">"));
        // Not a full-screen cover: docked, at most 45% of the viewport high.
        assert!(html.contains("max-height:45vh"), "{html}");
        assert!(!html.contains("inset:0"), "{html}");
    }

    #[test]
    fn a_line_past_the_column_or_very_long_is_quoted_sensibly() {
        let mut d = Diagnostic::error("a.md", Pos::new(1, 5), "E-NO-CONTENT");
        d.len = 9;
        // The column at the end of the line: one caret after it.
        let html = overlay(&[d.clone()], &|_| Some("abc".to_string()));
        assert!(
            html.contains(
                "<span class=\"zhan-hide\">abc</span><span class=\"zhan-caret-alone\">^</span>"
            ),
            "{html}"
        );
        // A line of 10,000 characters: a window around the column.
        d.pos = Pos::new(1, 5000);
        d.len = 1;
        let long = "x".repeat(10_000);
        let html = overlay(&[d], &|_| Some(long.clone()));
        assert!(html.len() < 8000, "{}", html.len());
        assert!(html.contains("…"), "{html}");
        // No line: no quote, no failure.
        let missing = Diagnostic::error("a.md", Pos::new(9, 1), "E-NO-CONTENT");
        assert!(!overlay(&[missing], &|_| Some("one line".to_string())).contains("<pre>"));
    }

    #[test]
    fn only_files_inside_the_site_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("content")).unwrap();
        std::fs::write(site.join("content/a.md"), "\u{feff}---\r\ntitle: x\r\n").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        // Files are named as diagnostics name them: the root as typed, then the path.
        let named = |rel: &str| format!("{}/{rel}", site.to_string_lossy());
        let text = site_source(&site, &named("content/a.md")).unwrap();
        assert_eq!(text.lines().nth(1), Some("title: x"));
        assert_eq!(
            site_source(&site, "content/a.md"),
            None,
            "not under the root"
        );
        assert_eq!(site_source(&site, &named("../secret.txt")), None);
        assert_eq!(site_source(&site, &named("content/../../secret.txt")), None);
        let absolute = dir.path().join("secret.txt");
        assert_eq!(site_source(&site, &absolute.to_string_lossy()), None);
        assert_eq!(site_source(&site, &named("")), None);
        assert_eq!(site_source(&site, &named("content")), None, "a folder");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(absolute, site.join("content/link.md")).unwrap();
            assert_eq!(
                site_source(&site, &named("content/link.md")),
                None,
                "a link out of the site"
            );
        }
        // A site in the current folder: names have no prefix.
        assert_eq!(site_source(Path::new("."), "../secret.txt"), None);
        assert_eq!(site_source(Path::new("."), "/etc/passwd"), None);
    }

    #[test]
    fn many_errors_are_cut_short_with_a_note() {
        let many: Vec<Diagnostic> = (1..=60)
            .map(|n| Diagnostic::error("a.md", Pos::new(n, 1), "E-NO-CONTENT"))
            .collect();
        let html = overlay(&many, &|_| None);
        assert_eq!(html.matches("<li>").count(), SHOWN_ERRORS);
        assert!(html.contains("还有 10 个错误没有列出"), "{html}");
        assert!(html.contains("有 60 个错误"), "{html}");
    }

    #[test]
    fn events_reach_listeners() {
        let hub = Hub::new();
        let rx = hub.subscribe();
        hub.changed(&["/stations/huixi/".to_string()], false);
        let message = rx.recv().unwrap();
        assert_eq!(
            message,
            "event: reload\ndata: {\"paths\": [\"/stations/huixi/\"], \"all\": false}\n\n"
        );
        hub.failed(&[Diagnostic::error("a.md", Pos::START, "E-NO-CONTENT")]);
        assert!(rx.recv().unwrap().starts_with("event: errors\n"));
        assert!(hub.overlay().is_some());
        hub.changed(&[], true);
        assert!(hub.overlay().is_none());
    }
}
