//! Stage 5, render: pages through the theme's tera templates.
//!
//! [`plan`] lists every file the site will have (so clashes are found before
//! anything is written); [`Engine::render`] renders one planned page.
//!
//! - `plan.rs`: the page plan ([`Job`], [`Planned`], [`Section`], paging).
//! - `context.rs`: what each kind of page gives its template.
//! - [`views`]: items as templates see them, every read recorded.
//! - `chart.rs`, `jsonld.rs`, `qr.rs`: report charts, structured data and QR
//!   codes, drawn as text.
//! - this file: the tera [`Engine`], its filters and its error messages.

mod chart;
mod context;
mod jsonld;
mod opening;
mod plan;
pub mod qr;
pub mod theme;
pub mod urls;
pub mod views;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Serialize;
use tera::{Context, Kwargs, State, Tera};

use crate::diagnostics::{Diagnostic, Diagnostics, Pos};
pub use crate::link::Dep;
use crate::link::{Reads, Site};
use crate::model::Kind;
use crate::model::config::Config;
pub use plan::{Job, Planned, Section, plan};
pub use theme::{Bytes, Theme};
pub use views::CardCache;
use views::{LinkView, Views, term_slug};

/// The tera engine with the theme's templates, filters and site-wide values.
pub struct Engine {
    tera: Tera,
    origins: HashMap<String, String>,
    sources: BTreeMap<String, String>,
    strings: BTreeMap<String, String>,
    pub static_files: BTreeMap<String, Bytes>,
    /// What the values every page sees were made from (see [`Engine::set_site`]).
    global_deps: Vec<Dep>,
    /// The values every page sees (`site`, `strings`, `nav`, `footer_pages`),
    /// put into each page's context rather than tera's global one: a name
    /// tera does not find in the context costs a search of the whole
    /// context before the globals are looked at, on every use.
    shared: Vec<(&'static str, tera::Value)>,
}

#[derive(Serialize)]
struct NavEntry {
    key: &'static str,
    title: String,
    url: String,
}

/// The interface string `key`, or the key itself if the theme lacks it.
fn string<'s>(strings: &'s BTreeMap<String, String>, key: &'s str) -> &'s str {
    strings.get(key).map_or(key, String::as_str)
}

/// The interface strings days and dates are written with, looked up once.
/// A build writes tens of thousands of days and dates (every session of
/// every service, on its page and in its station's CSV menu); finding each
/// word among the theme's strings again cost more than the writing itself.
pub struct DateWords {
    weekdays: [String; 7],
    every_day: String,
    range_to: String,
    list_separator: String,
    /// `date_format`, cut at its placeholders.
    date_format: Vec<DatePiece>,
}

enum DatePiece {
    Text(String),
    Year,
    Month,
    Day,
}

impl DateWords {
    /// The words of `strings`; a word the theme lacks is written as its key.
    pub fn new(strings: &BTreeMap<String, String>) -> DateWords {
        let word = |key: &str| string(strings, key).to_string();
        let mut date_format = Vec::new();
        let mut text = String::new();
        let mut rest = string(strings, "date_format");
        while let Some(c) = rest.chars().next() {
            let placeholder = [
                ("{year}", DatePiece::Year),
                ("{month}", DatePiece::Month),
                ("{day}", DatePiece::Day),
            ]
            .into_iter()
            .find(|(name, _)| rest.starts_with(name));
            match placeholder {
                Some((name, piece)) => {
                    if !text.is_empty() {
                        date_format.push(DatePiece::Text(std::mem::take(&mut text)));
                    }
                    date_format.push(piece);
                    rest = &rest[name.len()..];
                }
                None => {
                    text.push(c);
                    rest = &rest[c.len_utf8()..];
                }
            }
        }
        if !text.is_empty() {
            date_format.push(DatePiece::Text(text));
        }
        DateWords {
            weekdays: crate::model::Weekday::CODES.map(|code| word(&format!("weekday_{code}"))),
            every_day: word("every_day"),
            range_to: word("range_to"),
            list_separator: word("list_separator"),
            date_format,
        }
    }

    /// `[mon, tue, wed, thu, fri]` → 周一至周五; `[tue, thu]` → 周二、周四.
    /// Unknown codes are left out, repeated ones written once, in week order.
    pub fn days<S: AsRef<str>>(&self, days: &[S]) -> String {
        let codes = crate::model::Weekday::CODES;
        let mut named = [false; 7];
        for day in days {
            if let Some(i) = codes.iter().position(|c| *c == day.as_ref()) {
                named[i] = true;
            }
        }
        self.named_days(named)
    }

    /// [`DateWords::days`] of the model's weekdays.
    pub fn weekdays(&self, days: &[crate::model::Weekday]) -> String {
        let mut named = [false; 7];
        for day in days {
            named[day.index()] = true;
        }
        self.named_days(named)
    }

    /// The days whose flag is set, by their index in the week.
    fn named_days(&self, named: [bool; 7]) -> String {
        let count = named.iter().filter(|&&n| n).count();
        if count == 7 {
            return self.every_day.clone();
        }
        let first = named.iter().position(|&n| n).unwrap_or(0);
        let last = named.iter().rposition(|&n| n).unwrap_or(0);
        if count >= 3 && last - first + 1 == count {
            return [
                self.weekdays[first].as_str(),
                &self.range_to,
                &self.weekdays[last],
            ]
            .concat();
        }
        let mut out = String::new();
        for (i, name) in self.weekdays.iter().enumerate().filter(|&(i, _)| named[i]) {
            if i != first {
                out.push_str(&self.list_separator);
            }
            out.push_str(name);
        }
        out
    }

    /// `2026-11-28` → 2026年11月28日 (the format is an interface string);
    /// text that is not a date is returned as it is.
    pub fn date(&self, date: &str) -> String {
        match crate::model::Date::parse(date) {
            Some(d) => self.date_of(d),
            None => date.to_string(),
        }
    }

    pub fn date_of(&self, date: crate::model::Date) -> String {
        use std::fmt::Write;
        let mut out = String::with_capacity(24);
        for piece in &self.date_format {
            let _ = match piece {
                DatePiece::Text(text) => out.write_str(text),
                DatePiece::Year => write!(out, "{}", date.year),
                DatePiece::Month => write!(out, "{}", date.month),
                DatePiece::Day => write!(out, "{}", date.day),
            };
        }
        out
    }
}

/// 1536 → 1.5 KB.
pub fn size_text(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MB", bytes as f64 / 1_048_576.0),
    }
}

impl Engine {
    /// Compiles the theme's templates; errors name the template, line and column.
    pub fn new(theme: Theme, config: &Config, diagnostics: &mut Diagnostics) -> Option<Engine> {
        let mut tera = Tera::new();
        tera.autoescape_on([".html", ".htm", ".xml"]);
        let strings = theme.strings.clone();
        let words = Arc::new(DateWords::new(&strings));
        let days_words = Arc::clone(&words);
        tera.register_filter("days", move |days: Vec<String>, _: Kwargs, _: &State| {
            days_words.days(&days)
        });
        tera.register_filter("date_text", move |date: &str, _: Kwargs, _: &State| {
            words.date(date)
        });
        tera.register_filter("size_text", |bytes: u64, _: Kwargs, _: &State| {
            size_text(bytes)
        });
        // The URL segment of a vocabulary term or tag, as the directory pages use.
        tera.register_filter("slug", |term: &str, _: Kwargs, _: &State| term_slug(term));
        let origins: HashMap<String, String> = theme
            .templates
            .iter()
            .map(|t| (t.name.clone(), t.origin.clone()))
            .collect();
        let sources: Vec<(String, String)> = theme
            .templates
            .iter()
            .map(|t| (t.name.clone(), t.source.clone()))
            .collect();
        if let Err(err) = tera.add_raw_templates(sources) {
            diagnostics.push(template_error(&err, &origins));
            return None;
        }
        let shared = vec![
            ("site", tera::Value::from_serializable(config)),
            ("strings", tera::Value::from_serializable(&strings)),
        ];
        let sources = theme
            .templates
            .iter()
            .map(|t| (t.name.clone(), t.source.clone()))
            .collect();
        Some(Engine {
            tera,
            origins,
            sources,
            strings,
            static_files: theme.static_files,
            global_deps: vec![Dep::Templates, Dep::Settings, Dep::Strings],
            shared,
        })
    }

    /// Sets the values every page sees that depend on the content (the
    /// navigation and the footer's pages), recording what they read: every
    /// page rendered through the templates reads them too.
    pub fn set_site(&mut self, site: &Site) {
        let reads = Reads::new(site, &self.strings);
        let strings = reads.strings();
        let config = reads.config();
        let base = |p: &str| config.link(p);
        let mut nav = vec![NavEntry {
            key: "home",
            title: string(strings, "nav_home").to_string(),
            url: base(""),
        }];
        for section in Section::ALL {
            let key = section.folder();
            nav.push(NavEntry {
                key,
                title: string(strings, &format!("nav_{key}")).to_string(),
                url: base(&format!("{key}/")),
            });
        }
        let pages: Vec<LinkView> = reads
            .of_kind(Kind::Page)
            .iter()
            .map(|&i| reads.item(i))
            .filter(|item| !item.key.contains('/'))
            .map(|item| LinkView {
                title: &item.meta.title,
                url: config.link(&item.site_path),
            })
            .collect();
        let nav = tera::Value::from_serializable(&nav);
        let pages = tera::Value::from_serializable(&pages);
        self.shared
            .retain(|(name, _)| !matches!(*name, "nav" | "footer_pages"));
        self.shared.extend([("nav", nav), ("footer_pages", pages)]);
        let mut deps = reads.into_deps();
        // The templates themselves, and `site` and `strings` in every page's context.
        deps.extend([Dep::Templates, Dep::Settings, Dep::Strings]);
        deps.sort_unstable();
        deps.dedup();
        self.global_deps = deps;
    }

    /// Renders one planned page into `out` (cleared first, so a caller can
    /// reuse one buffer), returning what the page was made from. `cards`
    /// holds the cards of items already listed on other pages of the pass.
    /// `page` is the output path the page is written at: its links are made
    /// relative to it (see [`urls`]); without it (the editor's preview, shown
    /// under a `<base>` of the page's address) they stay as rendered.
    pub fn render_to(
        &self,
        site: &Site,
        job: Job,
        cards: &CardCache,
        out: &mut Vec<u8>,
        page: Option<&str>,
    ) -> Result<Rendered, Diagnostic> {
        out.clear();
        let views = Views::with_cards(site, &self.strings, cards);
        if let Job::Alias(i, _) = job {
            let url = match page {
                Some(page) => urls::relative(page, &views.item(i).site_path, site.config.for_disk),
                None => views.url(i),
            };
            let item = views.item(i);
            let canonical = site.config.absolute_url(&item.site_path);
            out.extend_from_slice(alias_page(&url, &canonical, &item.meta.title).as_bytes());
            return Ok(Rendered {
                deps: views.into_deps(),
            });
        }
        let mut cx = Context::new();
        for (name, value) in &self.shared {
            cx.insert_value(*name, value.clone());
        }
        views.record_all(&self.global_deps);
        let template = context::fill_context(&views, job, &mut cx, &self.strings);
        // The driver adds which pages hit the error, once per template mistake.
        let mut rendered = Vec::with_capacity(out.capacity());
        self.tera
            .render_to(template, &cx, &mut rendered)
            .map_err(|err| template_error(&err, &self.origins))?;
        // A server shows 404.html at any address, so its links cannot be
        // relative to where it is; on disk there is no server to do that.
        let config = &site.config;
        match page {
            Some(page) if job != Job::NotFound || config.for_disk => {
                urls::relativize(&rendered, page, &config.base_path, config.for_disk, out);
            }
            _ => *out = rendered,
        }
        Ok(Rendered {
            deps: views.into_deps(),
        })
    }

    /// The source of each template, by name.
    pub fn sources(&self) -> &BTreeMap<String, String> {
        &self.sources
    }

    /// The interface strings.
    pub fn strings(&self) -> &BTreeMap<String, String> {
        &self.strings
    }
}

/// What rendering a page read.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub deps: Vec<Dep>,
}

/// A redirect page for an old address: works without JavaScript. `url` is
/// where to go from here; `canonical` the page's public address.
fn alias_page(url: &str, canonical: &str, title: &str) -> String {
    let url = crate::escape::html(url);
    let canonical = crate::escape::html(canonical);
    let title = crate::escape::html(title);
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <link rel=\"canonical\" href=\"{canonical}\"><meta http-equiv=\"refresh\" content=\"0; url={url}\">\
         <meta name=\"robots\" content=\"noindex\"></head>\
         <body><p><a href=\"{url}\">{title}</a></p></body></html>\n"
    )
}

/// Turns a tera error into a diagnostic at the template's line and column.
/// The driver adds which pages hit it (`E-TEMPLATE` → `E-TEMPLATE-PAGE`).
fn template_error(err: &tera::Error, origins: &HashMap<String, String>) -> Diagnostic {
    let origin = |name: &str| {
        origins
            .get(name)
            .cloned()
            .unwrap_or_else(|| format!("templates/{name}"))
    };
    match err.kind() {
        tera::ErrorKind::SyntaxError(report) | tera::ErrorKind::RenderingError(report) => {
            let span = report.span();
            Diagnostic::error(
                origin(report.filename()),
                Pos::new(
                    u32::try_from(span.start_line).unwrap_or(1),
                    u32::try_from(span.start_col + 1).unwrap_or(1),
                ),
                "E-TEMPLATE",
            )
            .arg("detail", report.message())
            .with_len(if span.end_line == span.start_line {
                span.end_col.saturating_sub(span.start_col)
            } else {
                1
            })
            .with_hint("H-TEMPLATE")
        }
        tera::ErrorKind::MissingParent { current, parent } => {
            Diagnostic::error(origin(current), Pos::START, "E-TEMPLATE-PARENT")
                .arg("name", current.as_str())
                .arg("parent", parent.as_str())
                .with_hint("H-TEMPLATE-PARENT")
        }
        tera::ErrorKind::TemplateNotFound(name) => {
            Diagnostic::error(origin(name), Pos::START, "E-TEMPLATE-MISSING")
                .arg("name", name.as_str())
                .with_hint("H-TEMPLATE-MISSING")
        }
        other => Diagnostic::error("templates", Pos::START, "E-TEMPLATE")
            .arg("detail", other.to_string())
            .with_hint("H-TEMPLATE"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings() -> BTreeMap<String, String> {
        let mut s = BTreeMap::new();
        for (code, name) in crate::model::Weekday::CODES
            .iter()
            .zip(["周一", "周二", "周三", "周四", "周五", "周六", "周日"])
        {
            s.insert(format!("weekday_{code}"), name.to_string());
        }
        s.insert("range_to".into(), "至".into());
        s.insert("list_separator".into(), "、".into());
        s.insert("every_day".into(), "每天".into());
        s.insert("date_format".into(), "{year}年{month}月{day}日".into());
        s
    }

    #[test]
    fn days_are_written_as_readers_expect() {
        let words = DateWords::new(&strings());
        assert_eq!(
            words.days(&["mon", "tue", "wed", "thu", "fri"]),
            "周一至周五"
        );
        assert_eq!(words.days(&["thu", "tue"]), "周二、周四");
        assert_eq!(
            words.days(&["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
            "每天"
        );
        assert_eq!(words.days(&["sat", "xyz", "sat"]), "周六");
        assert_eq!(words.days::<&str>(&[]), "");
    }

    /// Every set of days, in a scrambled order with a repeat and an unknown
    /// code, against the plain way of writing them: sort, name, then a range
    /// for three or more days in a row.
    #[test]
    fn every_set_of_days_is_written_the_plain_way() {
        let strings = strings();
        let words = DateWords::new(&strings);
        let codes = crate::model::Weekday::CODES;
        for set in 0u32..128 {
            let chosen: Vec<usize> = (0..7).filter(|i| set >> i & 1 == 1).collect();
            let mut written: Vec<&str> = chosen.iter().rev().map(|&i| codes[i]).collect();
            if let Some(&first) = chosen.first() {
                written.push(codes[first]);
            }
            written.insert(written.len() / 2, "holiday");
            let name = |i: usize| strings[&format!("weekday_{}", codes[i])].clone();
            let plain = if chosen.len() == 7 {
                "每天".to_string()
            } else if chosen.len() >= 3 && chosen.windows(2).all(|w| w[1] == w[0] + 1) {
                format!("{}至{}", name(chosen[0]), name(chosen[chosen.len() - 1]))
            } else {
                chosen
                    .iter()
                    .map(|&i| name(i))
                    .collect::<Vec<_>>()
                    .join("、")
            };
            assert_eq!(words.days(&written), plain, "{written:?}");
            let weekdays: Vec<crate::model::Weekday> = written
                .iter()
                .filter_map(|w| codes.iter().position(|c| c == w))
                .map(|i| crate::model::Weekday::ALL[i])
                .collect();
            assert_eq!(words.weekdays(&weekdays), plain, "{weekdays:?}");
        }
    }

    #[test]
    fn dates_in_chinese() {
        let words = DateWords::new(&strings());
        assert_eq!(words.date("2026-11-08"), "2026年11月8日");
        assert_eq!(words.date("明天"), "明天");
        let mut other = strings();
        other.insert("date_format".into(), "{day}/{month}/{year} ({year})".into());
        assert_eq!(
            DateWords::new(&other).date("2026-11-08"),
            "8/11/2026 (2026)"
        );
        other.insert("date_format".into(), "{yea{year}r}{days}".into());
        assert_eq!(
            DateWords::new(&other).date("2026-11-08"),
            "{yea2026r}{days}"
        );
        // A theme without the string shows its key, as for any string.
        other.remove("date_format");
        assert_eq!(DateWords::new(&other).date("2026-11-08"), "date_format");
    }
}
