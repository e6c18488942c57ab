//! Live reload: telling open tabs that their page changed, and showing build
//! errors over every page while they stand.
//!
//! Tabs listen on a Server-Sent Events stream (`/__zhan/events`): plain
//! HTTP, no WebSocket needed. The small script that listens, and the error
//! overlay, are added to HTML responses by the preview server only; the files
//! in the output folder never contain them.

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

/// Reloads the tab when its page is among the changed ones, when everything
/// changed, when errors appear, and when they clear (the overlay goes).
pub const SCRIPT: &str = r#"(function () {
  "use strict";
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
        if let Ok(mut errors) = self.errors.write() {
            *errors = Some(overlay(diagnostics));
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

/// The error overlay: plain HTML with its own styles, readable without the
/// script, in the author's language.
pub fn overlay(diagnostics: &[Diagnostic]) -> String {
    let errors: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.is_error()).collect();
    let mut html = String::from(
        "<div id=\"zhan-overlay\" role=\"alert\" style=\"position:fixed;inset:0;z-index:2147483647;overflow:auto;\
         background:rgba(255,255,255,0.97);color:#1b1b1b;padding:1.5rem;font:16px/1.6 -apple-system,'Helvetica Neue',\
         'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif\">",
    );
    let lang = crate::messages::lang();
    let say = |key: &str, args: &[(&str, Arg)]| escape::html(&messages::fill_raw(lang, key, args));
    html.push_str(&format!(
        "<h2 style=\"color:#9b1c1c;margin:0 0 .5rem;font-size:1.4rem\">{}</h2>\
         <p style=\"margin:0 0 1rem\">{}</p><ol style=\"padding-left:1.25rem\">",
        say("overlay.title", &[("count", Arg::from(errors.len()))]),
        say("overlay.lead", &[]),
    ));
    for d in &errors {
        html.push_str(&format!(
            "<li style=\"margin-bottom:1rem\"><code style=\"font-size:1rem;background:#f4f6f8;padding:.1rem .3rem\">{}:{}:{}</code> \
             <small style=\"color:#4f4f4f\">{}</small><br><strong>{}</strong>",
            escape::html(&d.file),
            d.pos.line,
            d.pos.col,
            escape::html(d.code),
            escape::html(&d.message_in(lang))
        ));
        if let Some(hint) = d.hint_in(lang) {
            html.push_str(&format!(
                "<br><span style=\"color:#4f4f4f\">{}{}</span>",
                say("overlay.hint", &[]),
                escape::html(&hint)
            ));
        }
        html.push_str("</li>");
    }
    html.push_str("</ol></div>");
    html
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
        let html = overlay(&[d]);
        assert!(html.contains("content/a.md:3:4"));
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("a &amp; b"), "{html}");
        assert!(html.contains("社区组织"), "{html}");
        assert!(html.contains("提示："), "{html}");
        // Nothing but code, file names and tags in Latin letters.
        let text: String = html
            .split('<')
            .filter_map(|t| t.split_once('>').map(|(_, x)| x))
            .collect();
        assert!(!text.contains("The site"), "{text}");
        assert!(!text.contains("hint"), "{text}");
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
