//! Stage 3, markdown: each body to HTML with pulldown-cmark, plus what later
//! stages need from it: heading ids and the table of contents, the links the
//! body makes (checked by the link stage), and a plain-text summary.

pub mod highlight;

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use serde::Serialize;

use crate::diagnostics::{Diagnostic, Pos, Problem};
use crate::escape;
use crate::model::values::resolve_relative;

/// A heading in the table of contents, with the headings under it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TocEntry {
    pub level: u8,
    pub id: String,
    pub title: String,
    pub children: Vec<TocEntry>,
}

/// What a link in a body points to, for the link stage to check.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// Another content file (`../stations/huidong.md#服务`), by content path.
    Page {
        path: String,
        anchor: Option<String>,
    },
    /// A heading of this same page.
    Anchor(String),
    /// A non-Markdown file in content/ (a PDF, an image), by content path.
    File { path: String, image: bool },
}

#[derive(Debug, Clone, PartialEq)]
pub struct LinkUse {
    pub target: Target,
    pub written: String,
    pub pos: Pos,
    pub len: u32,
}

/// A rendered body.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub html: String,
    pub toc: Vec<TocEntry>,
    pub heading_ids: HashSet<String>,
    pub links: Vec<LinkUse>,
    /// The first paragraph as plain text (for summaries and descriptions).
    pub first_paragraph: String,
    /// All the text, blocks on lines of their own (for the search index,
    /// which shares it).
    pub text: std::sync::Arc<str>,
    pub diagnostics: Vec<Diagnostic>,
    /// Where each image of the body starts and its destination as written,
    /// in order (while rendering).
    image_places: Vec<(Pos, String)>,
}

/// What the renderer needs to know about the site.
pub struct Context<'a> {
    /// Content path of each published Markdown file → its site path.
    pub pages: &'a HashMap<String, String>,
    /// Prefix of every internal link (`/` or `/sub/`).
    pub base_path: &'a str,
    /// The files beside the pages, by content path: a photo among them is
    /// shown through its processed variants.
    pub assets: &'a HashMap<String, crate::load::Asset>,
}

/// Where the body sits in its file, to turn byte offsets into lines and columns.
pub struct Source<'a> {
    pub path: &'a str,
    pub display: &'a str,
    pub body: &'a str,
    pub first_line: u32,
}

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Heading id for a heading text: letters (Chinese included) and digits kept,
/// ASCII lowercased, spaces and dashes to one dash, punctuation dropped.
pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    let mut pending_dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() || c == '-' || c == '_' {
            pending_dash = true;
        }
    }
    if out.is_empty() {
        "section".to_string()
    } else {
        out
    }
}

/// Line starts of the body, for offset → position.
struct Lines<'a> {
    body: &'a str,
    /// Where each line starts, found when a place is first asked for: most
    /// bodies never need one.
    starts: std::cell::OnceCell<Vec<usize>>,
    first_line: u32,
    /// The last place asked for (byte offset, its line, its column): places
    /// come in order, so counting the characters of a long line goes on from
    /// there instead of from the line's start (30,000 links on one line of a
    /// megabyte read it 30,000 times).
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> Lines<'a> {
    fn new(body: &'a str, first_line: u32) -> Self {
        Lines {
            body,
            starts: std::cell::OnceCell::new(),
            first_line,
            last: std::cell::Cell::new((0, 0, 0)),
        }
    }
    fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.body.len());
        let starts = self.starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', self.body.as_bytes()).map(|i| i + 1))
                .collect()
        });
        let line = starts.partition_point(|s| *s <= offset).saturating_sub(1);
        let (last_offset, last_line, last_chars) = self.last.get();
        let (from, before) = if last_line == line && last_offset <= offset {
            (last_offset, last_chars)
        } else {
            (starts[line], 0)
        };
        let chars = before + self.body.get(from..offset).map_or(0, |s| s.chars().count());
        self.last.set((offset, line, chars));
        let col = chars + 1;
        Pos::new(
            self.first_line + u32::try_from(line).unwrap_or(0),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }
}

enum Dest {
    Keep(String),
    Rewrite(String, Target),
    Refuse(Problem),
}

/// Decides what a link or image destination is and what to write in the page.
fn resolve_dest(dest: &str, source: &Source, cx: &Context, image: bool) -> Dest {
    let dest = dest.trim();
    if let Some(anchor) = dest.strip_prefix('#') {
        let anchor = escape::percent_decode(anchor);
        return Dest::Rewrite(dest.to_string(), Target::Anchor(anchor));
    }
    let scheme = dest.split_once(':').map(|(s, _)| s).filter(|s| {
        !s.is_empty()
            && !s.contains('/')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    if let Some(scheme) = scheme {
        return match scheme.to_ascii_lowercase().as_str() {
            "javascript" | "vbscript" | "data" | "file" => Dest::Refuse(
                Problem::new("E-LINK-SCHEME")
                    .arg("scheme", scheme)
                    .with_hint("H-LINK-SCHEME"),
            ),
            _ if image => {
                Dest::Refuse(Problem::new("E-IMAGE-EXTERNAL").with_hint("H-IMAGE-EXTERNAL"))
            }
            _ => Dest::Keep(dest.to_string()),
        };
    }
    if dest.starts_with("//") {
        return if image {
            Dest::Refuse(Problem::new("E-IMAGE-EXTERNAL").with_hint("H-IMAGE-EXTERNAL"))
        } else {
            Dest::Keep(dest.to_string())
        };
    }
    if let Some(site_path) = dest.strip_prefix('/') {
        return Dest::Keep(format!("{}{}", cx.base_path, site_path));
    }
    let (path_part, anchor) = match dest.split_once('#') {
        Some((p, a)) => (p, Some(escape::percent_decode(a))),
        None => (dest, None),
    };
    let path_part = path_part.split('?').next().unwrap_or(path_part);
    let decoded = escape::percent_decode(path_part);
    let Some(resolved) = resolve_relative(source.path, &decoded) else {
        return Dest::Refuse(
            Problem::new("E-LINK-OUTSIDE-CONTENT")
                .arg("written", dest)
                .with_hint("H-LINK-OUTSIDE-CONTENT"),
        );
    };
    if resolved.ends_with(".md") {
        let href = match cx.pages.get(&resolved) {
            Some(site_path) => format!("{}{}", cx.base_path, site_path),
            None => dest.to_string(),
        };
        let href = match &anchor {
            Some(a) => format!("{href}#{a}"),
            None => href,
        };
        return Dest::Rewrite(
            href,
            Target::Page {
                path: resolved,
                anchor,
            },
        );
    }
    let last = resolved.rsplit('/').next().unwrap_or_default();
    if last.contains('.') {
        // A photo is published only as its processed variants: a link to
        // it opens the largest.
        let photo = cx.assets.get(&resolved).and_then(|a| a.image.as_ref());
        let published = match photo.filter(|_| !image) {
            Some(info) => info.largest(&resolved),
            // An image's own `<img>` is written once the body is rendered.
            None => resolved.clone(),
        };
        let href = format!("{}{}", cx.base_path, published);
        return Dest::Rewrite(
            href,
            Target::File {
                path: resolved,
                image,
            },
        );
    }
    Dest::Keep(dest.to_string())
}

/// Renders one body.
pub fn render(source: &Source, cx: &Context) -> Body {
    let lines = Lines::new(source.body, source.first_line);
    let events: Vec<(Event, std::ops::Range<usize>)> = Parser::new_ext(source.body, options())
        .into_offset_iter()
        .collect();
    // Templates show the title as the page's one h1; body headings start at h2.
    let shift = usize::from(events.iter().any(|(e, _)| {
        matches!(
            e,
            Event::Start(Tag::Heading {
                level: HeadingLevel::H1,
                ..
            })
        )
    }));
    let mut body = Body {
        text: plain_text(&events).into(),
        ..Body::default()
    };
    let mut out: Vec<Event> = Vec::with_capacity(events.len());
    let mut headings: Vec<(u8, String, String)> = Vec::new();
    let mut next_suffix: HashMap<String, usize> = HashMap::new();
    let mut i = 0;
    let mut in_first_paragraph = false;
    let mut first_paragraph_done = false;
    while i < events.len() {
        let (event, range) = &events[i];
        match event {
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => {
                let end = events[i..]
                    .iter()
                    .position(|(e, _)| matches!(e, Event::End(TagEnd::Heading(_))))
                    .map_or(events.len(), |p| i + p);
                let text: String = events[i + 1..end]
                    .iter()
                    .filter_map(|(e, _)| match e {
                        Event::Text(t) | Event::Code(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                let base = id
                    .as_ref()
                    .map_or_else(|| slugify(&text), |i| i.to_string());
                let unique = unique_id(base, &mut body.heading_ids, &mut next_suffix);
                let new_level = shift_level(*level, shift);
                headings.push((new_level as u8, unique.clone(), text.trim().to_string()));
                out.push(Event::Start(Tag::Heading {
                    level: new_level,
                    id: Some(CowStr::from(unique)),
                    classes: classes.clone(),
                    attrs: attrs.clone(),
                }));
                for (inner, inner_range) in &events[i + 1..end] {
                    push_inline(
                        inner.clone(),
                        inner_range,
                        source,
                        cx,
                        &lines,
                        &mut body,
                        &mut out,
                    );
                }
                out.push(Event::End(TagEnd::Heading(new_level)));
                i = end + 1;
                continue;
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                let end = events[i..]
                    .iter()
                    .position(|(e, _)| matches!(e, Event::End(TagEnd::CodeBlock)))
                    .map_or(events.len(), |p| i + p);
                let code: String = events[i + 1..end]
                    .iter()
                    .filter_map(|(e, _)| match e {
                        Event::Text(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                let language = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split([' ', ',', '{'])
                        .next()
                        .unwrap_or_default()
                        .to_string(),
                    CodeBlockKind::Indented => String::new(),
                };
                out.push(Event::Html(CowStr::from(code_block(&code, &language))));
                i = end + 1;
                continue;
            }
            Event::Start(Tag::Paragraph) if !first_paragraph_done => in_first_paragraph = true,
            Event::End(TagEnd::Paragraph) if in_first_paragraph => {
                in_first_paragraph = false;
                first_paragraph_done = true;
            }
            Event::Text(t) | Event::Code(t) if in_first_paragraph => {
                body.first_paragraph.push_str(t)
            }
            Event::Start(Tag::Table(_)) => {
                out.push(Event::Html(CowStr::from("<div class=\"table-wrap\">")))
            }
            _ => {}
        }
        let is_table_end = matches!(event, Event::End(TagEnd::Table));
        push_inline(
            event.clone(),
            range,
            source,
            cx,
            &lines,
            &mut body,
            &mut out,
        );
        if is_table_end {
            out.push(Event::Html(CowStr::from("</div>")));
        }
        i += 1;
    }
    body.toc = build_toc(&headings);
    let out = images_to_html(out, source, cx, &mut body);
    let mut html = String::with_capacity(source.body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, out.into_iter());
    // Every body stays in memory for the whole build (and a whole `zhan
    // serve` session): give back what the growing strings over-allocated.
    html.shrink_to_fit();
    body.html = html;
    body.first_paragraph.shrink_to_fit();
    body.links.shrink_to_fit();
    body
}

/// `base`, or the first of `base-1`, `base-2`, … not yet in `taken`; added to
/// `taken`. `next_suffix` remembers, per base, the suffix after the last one
/// given: every suffix below it is taken (ids are only ever added), so 40,000
/// headings `# a` cost 40,000 steps rather than 800 million.
fn unique_id(
    base: String,
    taken: &mut HashSet<String>,
    next_suffix: &mut HashMap<String, usize>,
) -> String {
    if !taken.contains(&base) {
        taken.insert(base.clone());
        return base;
    }
    let n = next_suffix.entry(base.clone()).or_insert(1);
    loop {
        let candidate = format!("{base}-{n}");
        *n += 1;
        if !taken.contains(&candidate) {
            taken.insert(candidate.clone());
            return candidate;
        }
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x3040..=0x30FF | 0xAC00..=0xD7AF | 0x20000..=0x2FFFF)
}

/// The text of a body: words and sentences as written, each block on a line
/// of its own. A soft line break inside a paragraph joins Chinese text (an
/// author's editor wrapped it) and separates other words.
fn plain_text(events: &[(Event, std::ops::Range<usize>)]) -> String {
    let mut text = String::new();
    let mut soft_break = false;
    for (event, _) in events {
        match event {
            Event::Text(t) | Event::Code(t) => {
                if soft_break {
                    let wide = |c: char| {
                        is_cjk(c) || matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFFEF)
                    };
                    let joined =
                        text.chars().last().is_some_and(wide) && t.chars().next().is_some_and(wide);
                    if !joined {
                        text.push(' ');
                    }
                    soft_break = false;
                }
                text.push_str(t);
            }
            Event::SoftBreak => soft_break = true,
            Event::HardBreak => text.push('\n'),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::TableRow
                | TagEnd::TableHead
                | TagEnd::FootnoteDefinition,
            ) => {
                soft_break = false;
                if !text.ends_with('\n') && !text.is_empty() {
                    text.push('\n');
                }
            }
            _ => {}
        }
    }
    text
}

fn shift_level(level: HeadingLevel, shift: usize) -> HeadingLevel {
    let n = (level as usize + shift).min(6);
    HeadingLevel::try_from(n).unwrap_or(HeadingLevel::H6)
}

/// Passes an event on, rewriting links and refusing raw HTML.
fn push_inline<'e>(
    event: Event<'e>,
    range: &std::ops::Range<usize>,
    source: &Source,
    cx: &Context,
    lines: &Lines,
    body: &mut Body,
    out: &mut Vec<Event<'e>>,
) {
    match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let href = link_href(&dest_url, range, source, cx, lines, body, false);
            out.push(Event::Start(Tag::Link {
                link_type,
                dest_url: CowStr::from(href),
                title,
                id,
            }));
        }
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            body.image_places
                .push((lines.pos(range.start), dest_url.trim().to_string()));
            let src = link_href(&dest_url, range, source, cx, lines, body, true);
            out.push(Event::Start(Tag::Image {
                link_type,
                dest_url: CowStr::from(src),
                title,
                id,
            }));
        }
        Event::Html(html) | Event::InlineHtml(html) => {
            // Content is untrusted: raw HTML is shown as text, never run.
            // Comments are an author's notes and are dropped silently.
            let trimmed = html.trim();
            if !(trimmed.is_empty() || trimmed.starts_with("<!--") && trimmed.ends_with("-->")) {
                body.diagnostics.push(
                    Diagnostic::warning(source.display, lines.pos(range.start), "W-RAW-HTML")
                        .with_len(trimmed.chars().count().min(40))
                        .with_hint("H-RAW-HTML"),
                );
                out.push(Event::Text(html));
            }
        }
        other => out.push(other),
    }
}

fn link_href(
    dest: &str,
    range: &std::ops::Range<usize>,
    source: &Source,
    cx: &Context,
    lines: &Lines,
    body: &mut Body,
    image: bool,
) -> String {
    // Point at the destination inside `[text](dest)` when we can find it.
    let span = &source.body[range.clone()];
    let at = span.rfind(dest).map_or(range.start, |i| range.start + i);
    let pos = lines.pos(at);
    let len = u32::try_from(dest.chars().count().max(1)).unwrap_or(1);
    match resolve_dest(dest, source, cx, image) {
        Dest::Keep(href) => href,
        Dest::Rewrite(href, target) => {
            body.links.push(LinkUse {
                target,
                written: dest.to_string(),
                pos,
                len,
            });
            href
        }
        Dest::Refuse(problem) => {
            body.diagnostics
                .push(problem.error_at(source.display, pos).with_len(len as usize));
            "#".to_string()
        }
    }
}

/// Writes each image of `events` (links already rewritten) as an `<img>`
/// of our own: a processed photo with its `srcset`, `sizes`, size and lazy
/// loading; any other image lazily loaded too. An image without a text
/// alternative is a warning: a reader who cannot see it learns nothing.
fn images_to_html<'e>(
    events: Vec<Event<'e>>,
    source: &Source,
    cx: &Context,
    body: &mut Body,
) -> Vec<Event<'e>> {
    let places = std::mem::take(&mut body.image_places);
    if places.is_empty() {
        return events;
    }
    let mut out = Vec::with_capacity(events.len());
    let mut events = events.into_iter();
    let mut nth = 0;
    while let Some(event) = events.next() {
        let Event::Start(Tag::Image {
            dest_url, title, ..
        }) = event
        else {
            out.push(event);
            continue;
        };
        // The alternative text is the image's content, up to its end (an
        // image inside it counts as its own text).
        let mut alt = String::new();
        let mut depth = 1;
        for inner in events.by_ref() {
            match inner {
                Event::Start(Tag::Image { .. }) => depth += 1,
                Event::End(TagEnd::Image) => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                Event::SoftBreak | Event::HardBreak => alt.push(' '),
                _ => {}
            }
        }
        let (pos, written) = places
            .get(nth)
            .map_or((Pos::START, dest_url.as_ref()), |(p, w)| (*p, w.as_str()));
        nth += 1;
        let alt = alt.trim();
        if alt.is_empty() {
            body.diagnostics.push(
                Diagnostic::warning(source.display, pos, "W-IMAGE-ALT")
                    .with_len(2)
                    .arg("written", written)
                    .with_hint("H-IMAGE-ALT"),
            );
        }
        let content_path = dest_url
            .strip_prefix(cx.base_path)
            .and_then(|p| cx.assets.get(p))
            .and_then(|a| Some((a.path.as_str(), a.image.as_ref()?)));
        let html = match content_path {
            Some((path, info)) => info.view(path, |p| format!("{}{p}", cx.base_path)).html(
                alt,
                Some(&title),
                crate::images::SIZES_COLUMN,
            ),
            None => {
                let title = if title.is_empty() {
                    String::new()
                } else {
                    format!(" title=\"{}\"", escape::html(&title))
                };
                format!(
                    "<img src=\"{}\" alt=\"{}\"{title} loading=\"lazy\" decoding=\"async\">",
                    escape::html(&dest_url),
                    escape::html(alt)
                )
            }
        };
        out.push(Event::InlineHtml(CowStr::from(html)));
    }
    out
}

fn code_block(code: &str, language: &str) -> String {
    let language = language.trim();
    let safe_language: String = language
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+-_#.".contains(*c))
        .collect();
    let highlighted = if safe_language.is_empty() {
        None
    } else {
        highlight::highlight(code, &safe_language)
    };
    let mut html = String::with_capacity(code.len() * 2 + 64);
    if safe_language.is_empty() {
        html.push_str("<pre class=\"code\"><code>");
    } else {
        html.push_str(&format!(
            "<pre class=\"code\" data-lang=\"{safe_language}\"><code class=\"language-{safe_language}\">"
        ));
    }
    match highlighted {
        Some(spans) => html.push_str(&spans),
        None => html.push_str(&escape::html(code)),
    }
    html.push_str("</code></pre>\n");
    html
}

/// Nests h2…h4 headings under each other; deeper ones stay out of the TOC.
fn build_toc(headings: &[(u8, String, String)]) -> Vec<TocEntry> {
    fn insert(list: &mut Vec<TocEntry>, entry: TocEntry) {
        if let Some(last) = list.last_mut() {
            if entry.level > last.level {
                insert(&mut last.children, entry);
                return;
            }
        }
        list.push(entry);
    }
    let mut toc = Vec::new();
    for (level, id, title) in headings.iter().filter(|(l, _, _)| (2..=4).contains(l)) {
        insert(
            &mut toc,
            TocEntry {
                level: *level,
                id: id.clone(),
                title: title.clone(),
                children: Vec::new(),
            },
        );
    }
    toc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_body(text: &str) -> Body {
        let mut pages = HashMap::new();
        pages.insert(
            "stations/huidong.md".to_string(),
            "stations/huidong/".to_string(),
        );
        let source = Source {
            path: "services/huidong/a.md",
            display: "content/services/huidong/a.md",
            body: text,
            first_line: 5,
        };
        render(
            &source,
            &Context {
                pages: &pages,
                base_path: "/",
                assets: &HashMap::new(),
            },
        )
    }

    #[test]
    fn chinese_heading_ids_are_readable_and_unique() {
        assert_eq!(slugify("服务流程"), "服务流程");
        assert_eq!(slugify("第一步：登记（必填）"), "第一步登记必填");
        assert_eq!(slugify("Step 1: Sign up"), "step-1-sign-up");
        let body = render_body("## 注意事项\n\n## 注意事项\n\n### Step 2\n");
        assert!(body.html.contains("<h2 id=\"注意事项\">"));
        assert!(body.html.contains("<h2 id=\"注意事项-1\">"));
        assert_eq!(body.toc.len(), 2);
        assert_eq!(body.toc[1].children[0].id, "step-2");
    }

    #[test]
    fn heading_ids_skip_suffixes_already_taken() {
        let body = render_body("## a\n\n## a-1\n\n## a\n\n## a\n\n## a-2 {#a-3}\n\n## a\n");
        let ids: Vec<&str> = body.toc.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["a", "a-1", "a-2", "a-3", "a-3-1", "a-4"]);
    }

    #[test]
    fn many_identical_headings_take_linear_time() {
        let text = "## a\n\n".repeat(40_000);
        let started = std::time::Instant::now();
        let body = render_body(&text);
        assert_eq!(body.heading_ids.len(), 40_000);
        assert!(body.heading_ids.contains("a-39999"));
        // Quadratic suffix search took 74 s (release); linear is well under
        // a second in release and a few in debug.
        let limit = if cfg!(debug_assertions) { 20 } else { 2 };
        assert!(
            started.elapsed().as_secs() < limit,
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn h1_in_the_body_is_shifted_below_the_title() {
        let body = render_body("# 一\n\n## 二\n");
        assert!(body.html.contains("<h2 id=\"一\">"));
        assert!(body.html.contains("<h3 id=\"二\">"));
    }

    #[test]
    fn md_links_are_rewritten_and_recorded_with_positions() {
        let body = render_body(
            "见[惠东](../../stations/huidong.md#站点简介)和[缺失](../../stations/nope.md)。\n",
        );
        // Browsers match a percent-encoded fragment against the decoded id.
        assert!(
            body.html
                .contains("href=\"/stations/huidong/#%E7%AB%99%E7%82%B9%E7%AE%80%E4%BB%8B\""),
            "{}",
            body.html
        );
        assert_eq!(body.links.len(), 2);
        assert_eq!(
            body.links[0].target,
            Target::Page {
                path: "stations/huidong.md".into(),
                anchor: Some("站点简介".into())
            }
        );
        assert_eq!(body.links[1].pos, Pos::new(5, 44));
    }

    #[test]
    fn raw_html_and_script_links_are_neutralised() {
        let body = render_body("<script>alert(1)</script>\n\n[x](javascript:alert(1))\n");
        assert!(!body.html.contains("<script>"));
        assert!(body.html.contains("&lt;script&gt;"));
        assert!(!body.html.contains("javascript:"));
        assert_eq!(body.diagnostics.iter().filter(|d| d.is_error()).count(), 1);
    }

    #[test]
    fn code_is_highlighted_with_classes_and_tables_wrapped() {
        let body = render_body("```python\nprint('x')\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(body.html.contains("class=\"language-python\""));
        assert!(body.html.contains("hl-"));
        assert!(body.html.contains("<div class=\"table-wrap\"><table>"));
    }

    #[test]
    fn images_are_lazy_and_need_a_text_alternative() {
        let body = render_body("段落。\n\n![](a.svg)\n\n![站点 *门口*](b.svg \"门\")\n");
        let warnings: Vec<&Diagnostic> = body
            .diagnostics
            .iter()
            .filter(|d| d.code == "W-IMAGE-ALT")
            .collect();
        assert_eq!(warnings.len(), 1, "{:?}", body.diagnostics);
        assert_eq!(warnings[0].pos, Pos::new(7, 1));
        assert!(
            warnings[0]
                .hint_in(crate::messages::Lang::ZhCn)
                .is_some_and(|h| h.contains("](a.svg)")),
            "the hint shows the file as written"
        );
        assert!(body.html.contains(
            "<img src=\"/services/huidong/b.svg\" alt=\"站点 门口\" title=\"门\" loading=\"lazy\" decoding=\"async\">"
        ), "{}", body.html);
        assert_eq!(body.html.matches("loading=\"lazy\"").count(), 2);
    }

    #[test]
    fn first_paragraph_is_plain_text() {
        let body = render_body("## 标题\n\n这是**第一段**，有`代码`。\n\n第二段。\n");
        assert_eq!(body.first_paragraph, "这是第一段，有代码。");
    }

    #[test]
    fn plain_text_keeps_sentences_and_separates_blocks() {
        let body = render_body("## 标题\n\n这是**第一段**，\n接着写。\n\n- 一项\n- two\n  words\n");
        assert_eq!(&*body.text, "标题\n这是第一段，接着写。\n一项\ntwo words\n");
        let joined = render_body("社区社\n工站\n");
        assert_eq!(&*joined.text, "社区社工站\n");
    }
}
