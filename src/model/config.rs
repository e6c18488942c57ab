//! `site.yaml`: the site's settings and controlled vocabularies.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use super::fields::{Cx, Fields, NonEmpty};
use super::values::Date;
use crate::diagnostics::{Diagnostic, Diagnostics, Pos, Problem};
use crate::load::{self, SitePaths, Value};

/// The values an author may choose from for the fields of the same name.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Vocabularies {
    pub service_category: Vec<String>,
    pub audience: Vec<String>,
    pub org_kind: Vec<String>,
    pub training_level: Vec<String>,
    pub qualification: Vec<String>,
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

impl Default for Vocabularies {
    /// The vocabularies of the content model, used when site.yaml leaves one out.
    fn default() -> Self {
        Vocabularies {
            service_category: words(&[
                "助老服务",
                "议事协商",
                "矛盾调解",
                "便民服务",
                "环境治理",
                "文明实践",
                "心理支持",
                "儿童青少年",
            ]),
            audience: words(&["老年人", "残障人士", "儿童", "青少年", "中青年", "全体居民"]),
            org_kind: words(&[
                "志愿服务类",
                "公益慈善类",
                "文体活动类",
                "生活服务类",
                "社区事务类",
            ]),
            training_level: words(&["督导", "中级社工师", "助理社工师", "居民骨干"]),
            qualification: words(&["督导", "中级社工师", "助理社工师", "无证从业者"]),
        }
    }
}

/// The settings of a site.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub title: String,
    pub description: String,
    /// The full address the site is published at, ending in `/`.
    pub base_url: String,
    /// The path part of `base_url` (`/` or `/guanzhuang/`): prefixed to every link.
    pub base_path: String,
    pub language: String,
    pub theme: String,
    pub vocabularies: Vocabularies,
    /// Overrides of the theme's interface strings, by key.
    pub strings: BTreeMap<String, String>,
    /// Whether to write the search index and page (on unless `search: false`).
    pub search: bool,
    /// The statutory holidays and make-up working days (调休) of each year.
    pub holidays: Holidays,
    /// Built to be opened from disk (`zhan build --for-disk`, `zhan pack`):
    /// links to folders end in `index.html`, the search index is loaded as
    /// scripts (browsers refuse `fetch` on `file://`), and `说明.html` is
    /// written. Not a site.yaml setting: the same site is built both ways.
    pub for_disk: bool,
    /// Mobile numbers the site publishes on purpose (a station's duty
    /// phone): the privacy check does not report them on any page.
    pub public_phones: Vec<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "社区社工站".to_string(),
            description: String::new(),
            base_url: "/".to_string(),
            base_path: "/".to_string(),
            language: "zh-CN".to_string(),
            theme: "default".to_string(),
            vocabularies: Vocabularies::default(),
            strings: BTreeMap::new(),
            search: true,
            holidays: Holidays::default(),
            for_disk: false,
            public_phones: Vec::new(),
        }
    }
}

pub const FILE: &str = "site.yaml";

impl Config {
    /// Reads `site.yaml` of the site. Problems become diagnostics; the returned
    /// config then holds defaults for what could not be read.
    pub fn load(paths: &SitePaths, diagnostics: &mut Diagnostics) -> (Config, Option<String>) {
        let path = paths.root.join(FILE);
        let display = paths.display(FILE);
        if !path.is_file() {
            diagnostics.push(
                Diagnostic::warning(&display, Pos::START, "W-SITE-YAML-MISSING")
                    .with_hint("H-SITE-YAML-MISSING"),
            );
            return (Config::default(), None);
        }
        let text = match std::fs::read(&path)
            .map_err(|e| {
                (
                    Pos::START,
                    Problem::new("E-READ-FILE")
                        .arg("detail", e.to_string())
                        .with_hint("H-READ-FILE"),
                )
            })
            .and_then(|b| load::decode(&b))
        {
            Ok(text) => text,
            Err((pos, problem)) => {
                diagnostics.push(problem.error_at(&display, pos));
                return (Config::default(), None);
            }
        };
        let config = Self::parse(&text, &display, diagnostics);
        (config, Some(text))
    }

    /// Parses the text of a site.yaml named `display` in messages.
    pub fn parse(text: &str, display: &str, diagnostics: &mut Diagnostics) -> Config {
        let mut config = Config::default();
        let node = match load::frontmatter::parse(text, 1, display) {
            Ok(node) => node,
            Err(d) => {
                diagnostics.push(d);
                return config;
            }
        };
        if matches!(node.value, Value::Null) {
            return config;
        }
        let mut out = Vec::new();
        let cx = &mut Cx {
            file: display,
            out: &mut out,
        };
        if let Some(mut f) = Fields::of(&node, "", cx) {
            if let Some(NonEmpty(title)) = f.req("title", "title: 管庄地区社区社工站", cx)
            {
                config.title = title;
            }
            config.description = f.opt("description", cx).unwrap_or_default();
            if let Some(node) = f.node("base_url") {
                let written: Option<String> =
                    super::fields::FromNode::from_node(node, "base_url", cx);
                if let Some(url) = written {
                    match normalise_base_url(&url) {
                        Some((base_url, base_path)) => {
                            config.base_url = base_url;
                            config.base_path = base_path;
                        }
                        None => cx.push(
                            cx.at(node, "E-BASE-URL")
                                .arg("value", url)
                                .with_hint("H-BASE-URL"),
                        ),
                    }
                }
            }
            config.language = f.opt("language", cx).unwrap_or(config.language);
            config.theme = f.opt("theme", cx).unwrap_or(config.theme);
            if !super::values::is_valid_id(&config.theme) {
                cx.push(
                    cx.at_pos(f.pos(), "E-THEME-NAME")
                        .arg("value", config.theme.as_str())
                        .with_hint("H-THEME-NAME"),
                );
                config.theme = "default".to_string();
            }
            if let Some(node) = f.node("vocabularies") {
                if let Some(mut v) = Fields::of(node, "vocabularies", cx) {
                    let read =
                        |key: &str, target: &mut Vec<String>, v: &mut Fields, cx: &mut Cx| {
                            if v.node(key).is_some() {
                                let list: Vec<String> = v.list(key, cx);
                                *target = list.into_iter().filter(|s| !s.is_empty()).collect();
                            }
                        };
                    let voc = &mut config.vocabularies;
                    read("service_category", &mut voc.service_category, &mut v, cx);
                    read("audience", &mut voc.audience, &mut v, cx);
                    read("org_kind", &mut voc.org_kind, &mut v, cx);
                    read("training_level", &mut voc.training_level, &mut v, cx);
                    read("qualification", &mut voc.qualification, &mut v, cx);
                    v.finish(
                        &[
                            "service_category",
                            "audience",
                            "org_kind",
                            "training_level",
                            "qualification",
                        ],
                        cx,
                    );
                }
            }
            if let Some(node) = f.node("strings") {
                if let Some(map) = node.as_map() {
                    for (key, value) in map {
                        let text: Option<String> = super::fields::FromNode::from_node(
                            value,
                            &format!("strings.{}", key.name),
                            cx,
                        );
                        if let Some(text) = text {
                            config.strings.insert(key.name.clone(), text);
                        }
                    }
                } else {
                    cx.push(
                        cx.at(node, "E-STRINGS-NOT-MAP")
                            .with_hint("H-STRINGS-NOT-MAP"),
                    );
                }
            }
            config.search = f.opt("search", cx).unwrap_or(true);
            if let Some(node) = f.node("holidays") {
                config.holidays = Holidays::read(node, cx);
            }
            config.public_phones = f.list("public_phones", cx);
            f.finish(
                &[
                    "title",
                    "description",
                    "base_url",
                    "language",
                    "theme",
                    "vocabularies",
                    "strings",
                    "search",
                    "holidays",
                    "public_phones",
                ],
                cx,
            );
        }
        out.into_iter().for_each(|d| diagnostics.push(d));
        config
    }

    /// The public address of a site path such as `stations/huidong/`.
    pub fn absolute_url(&self, site_path: &str) -> String {
        if self.base_url.starts_with("http") {
            format!("{}{}", self.base_url, site_path)
        } else {
            format!("{}{}", self.base_path, site_path)
        }
    }

    /// The link to a site path, as used inside pages: `/stations/huidong/`.
    pub fn link(&self, site_path: &str) -> String {
        format!("{}{}", self.base_path, site_path)
    }
}

/// The days the site declares in `site.yaml › holidays`, year by year:
///
/// ```yaml
/// holidays:
///   2026:
///     closed: [2026-10-01..2026-10-07]     # 放假的日子，可以写一段
///     workdays: [2026-09-20, 2026-10-10]  # 调休上班的周末
/// ```
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Holidays {
    /// The years declared: outside them nothing is known, so nothing is changed.
    pub years: BTreeSet<i32>,
    /// Days off (法定节假日和调休放假的日子).
    pub closed: BTreeSet<Date>,
    /// Weekend days that are working days (调休上班日).
    pub workdays: BTreeSet<Date>,
}

/// The longest run of days one range may close: the longest holiday, the
/// Spring Festival's, is 9 days; a month-long range is a typing slip.
const LONGEST_RANGE: i64 = 31;

impl Holidays {
    pub fn is_closed(&self, date: Date) -> bool {
        self.closed.contains(&date)
    }

    pub fn is_workday(&self, date: Date) -> bool {
        self.workdays.contains(&date)
    }

    /// Every declared date, in order: the days on which a schedule can
    /// differ from its weekly pattern.
    pub fn dates(&self) -> impl Iterator<Item = Date> + '_ {
        let mut all: Vec<Date> = self.closed.iter().chain(&self.workdays).copied().collect();
        all.sort_unstable();
        all.into_iter()
    }

    fn read(node: &load::Node, cx: &mut Cx) -> Holidays {
        let mut out = Holidays::default();
        let Some(years) = node.as_map() else {
            cx.push(
                cx.at(node, "E-HOLIDAYS-NOT-MAP")
                    .arg("found", crate::messages::key(node.kind_name()))
                    .with_hint("H-HOLIDAYS-SHAPE"),
            );
            return out;
        };
        for (key, value) in years {
            let year = key
                .name
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|y| (2000..=2100).contains(y));
            let Some(year) = year else {
                cx.push(
                    cx.at_pos(key.pos, "E-HOLIDAYS-YEAR")
                        .with_len(key.name.chars().count())
                        .arg("value", key.name.as_str())
                        .with_hint("H-HOLIDAYS-SHAPE"),
                );
                continue;
            };
            out.years.insert(year);
            let prefix = format!("holidays.{year}");
            let Some(mut f) = Fields::of(value, &prefix, cx) else {
                continue;
            };
            for (list, closed) in [("closed", true), ("workdays", false)] {
                let Some(entries) = f.node(list) else {
                    continue;
                };
                let entries: Vec<&load::Node> = match &entries.value {
                    Value::Seq(items) => items.iter().collect(),
                    _ => vec![entries],
                };
                for entry in entries {
                    let Some((first, last)) = date_range(entry, year, cx) else {
                        continue;
                    };
                    let (mine, other) = if closed {
                        (&mut out.closed, &out.workdays)
                    } else {
                        (&mut out.workdays, &out.closed)
                    };
                    for n in first.day_number()..=last.day_number() {
                        let date = Date::from_day_number(n);
                        if !closed && date.weekday().index() < 5 {
                            // A make-up working day is a weekend day; a
                            // weekday here is a slip of the pen.
                            cx.push(
                                Diagnostic::warning(
                                    cx.file,
                                    entry.pos,
                                    "W-HOLIDAYS-WORKDAY-WEEKDAY",
                                )
                                .with_len(entry.len as usize)
                                .arg("date", date.to_string())
                                .with_hint("H-HOLIDAYS-WORKDAY-WEEKDAY"),
                            );
                        }
                        if other.contains(&date) {
                            cx.push(
                                cx.at(entry, "E-HOLIDAYS-BOTH")
                                    .arg("date", date.to_string())
                                    .with_hint("H-HOLIDAYS-BOTH"),
                            );
                        } else {
                            mine.insert(date);
                        }
                    }
                }
            }
            f.finish(&["closed", "workdays"], cx);
        }
        out
    }
}

/// One entry of a `closed` or `workdays` list: a date, or a range of dates
/// `2026-10-01..2026-10-07` (also written with `~`, `～` or `至`) that starts
/// in `year`.
fn date_range(node: &load::Node, year: i32, cx: &mut Cx) -> Option<(Date, Date)> {
    let text = match &node.value {
        Value::Str(s) => s.trim().to_string(),
        _ => node.shown(),
    };
    let ends: Vec<&str> = ["..", "~", "～", "至", "到"]
        .iter()
        .find_map(|sep| text.split_once(sep))
        .map_or(vec![text.as_str()], |(a, b)| vec![a, b]);
    let dates: Option<Vec<Date>> = ends.iter().map(|e| Date::parse(e.trim())).collect();
    let Some(dates) = dates else {
        cx.push(
            cx.at(node, "E-HOLIDAYS-DATE")
                .arg("value", node.shown())
                .with_hint("H-HOLIDAYS-DATE"),
        );
        return None;
    };
    let (first, last) = (dates[0], *dates.last().unwrap_or(&dates[0]));
    if first.year != year {
        cx.push(
            cx.at(node, "E-HOLIDAYS-OTHER-YEAR")
                .arg("value", node.shown())
                .arg("year", year.to_string())
                .arg("actual", first.year.to_string())
                .with_hint("H-HOLIDAYS-OTHER-YEAR"),
        );
        return None;
    }
    let span = last.day_number() - first.day_number();
    if !(0..LONGEST_RANGE).contains(&span) {
        cx.push(
            cx.at(node, "E-HOLIDAYS-RANGE")
                .arg("value", node.shown())
                .with_hint("H-HOLIDAYS-RANGE"),
        );
        return None;
    }
    Some((first, last))
}

/// `https://example.org/sub` → (`https://example.org/sub/`, `/sub/`).
pub fn normalise_base_url(url: &str) -> Option<(String, String)> {
    let url = url.trim();
    if url == "/" {
        return Some(("/".to_string(), "/".to_string()));
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if host.is_empty() || host.contains(char::is_whitespace) || path.contains(['?', '#', ' ']) {
        return None;
    }
    let path = format!("/{}/", path.trim_matches('/')).replace("//", "/");
    let base = format!("{}{}{}", &url[..url.len() - rest.len()], host, path);
    Some((base, path))
}

/// Whether a folder looks like a zhan site (for friendlier messages).
pub fn looks_like_site(root: &Path) -> bool {
    root.join(FILE).is_file() || root.join("content").is_dir()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_gets_a_trailing_slash_and_a_path() {
        assert_eq!(
            normalise_base_url("https://example.org"),
            Some(("https://example.org/".into(), "/".into()))
        );
        assert_eq!(
            normalise_base_url("http://x.cn/gz"),
            Some(("http://x.cn/gz/".into(), "/gz/".into()))
        );
        assert_eq!(normalise_base_url("example.org"), None);
    }

    #[test]
    fn vocabularies_and_unknown_keys() {
        let mut d = Diagnostics::new();
        let c = Config::parse(
            "title: 站\nbase_url: https://a.org/\nvocabularies:\n  audience: [老人]\ntheem: x\n",
            "site.yaml",
            &mut d,
        );
        assert_eq!(c.vocabularies.audience, vec!["老人".to_string()]);
        assert_eq!(c.vocabularies.service_category.len(), 8);
        let w: Vec<_> = d.iter().collect();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].pos, Pos::new(5, 1));
        assert!(
            w[0].hint == Some("H-FIELD-UNKNOWN-CLOSE")
                && w[0]
                    .args
                    .iter()
                    .any(|(n, v)| *n == "close" && *v == "theme".into())
        );
    }

    #[test]
    fn holidays_are_read_year_by_year_with_ranges() {
        let mut d = Diagnostics::new();
        let c = Config::parse(
            "title: 站\nholidays:\n  2026:\n    closed: [2026-10-01..2026-10-07, 2026-06-19 ~ 2026-06-21]\n    workdays: [2026-09-20, 2026-10-10]\n",
            "site.yaml",
            &mut d,
        );
        assert_eq!(d.iter().count(), 0, "{:?}", d.iter().collect::<Vec<_>>());
        let h = &c.holidays;
        assert_eq!(h.years.iter().copied().collect::<Vec<_>>(), [2026]);
        assert_eq!(h.closed.len(), 10);
        assert!(h.is_closed(Date::parse("2026-10-07").unwrap()));
        assert!(!h.is_closed(Date::parse("2026-10-08").unwrap()));
        assert!(h.is_workday(Date::parse("2026-10-10").unwrap()));
        assert_eq!(h.dates().count(), 12);
    }

    #[test]
    fn holiday_mistakes_are_found_where_they_are() {
        let mut d = Diagnostics::new();
        let text = "title: 站\nholidays:\n  二〇二六:\n    closed: [2026-10-01]\n  2026:\n    closed: [2026-10-01, 2026-10-1x, 2027-01-01, 2026-10-07..2026-10-01]\n    workdays: [2026-10-01, 2026-10-09]\n    wokdays: []\n";
        let c = Config::parse(text, "site.yaml", &mut d);
        let found: Vec<(&str, Pos)> = d.iter().map(|x| (x.code, x.pos)).collect();
        assert_eq!(
            found,
            [
                ("E-HOLIDAYS-YEAR", Pos::new(3, 3)),
                ("E-HOLIDAYS-DATE", Pos::new(6, 26)),
                ("E-HOLIDAYS-OTHER-YEAR", Pos::new(6, 38)),
                ("E-HOLIDAYS-RANGE", Pos::new(6, 50)),
                ("W-HOLIDAYS-WORKDAY-WEEKDAY", Pos::new(7, 16)),
                ("E-HOLIDAYS-BOTH", Pos::new(7, 16)),
                ("W-HOLIDAYS-WORKDAY-WEEKDAY", Pos::new(7, 28)),
                ("W-FIELD-UNKNOWN-IN", Pos::new(8, 5)),
            ]
        );
        // What could be read is kept.
        assert_eq!(c.holidays.closed.len(), 1);
        assert_eq!(c.holidays.workdays.len(), 1);
        let mut d = Diagnostics::new();
        Config::parse("holidays: [2026-10-01]\n", "site.yaml", &mut d);
        assert!(d.iter().any(|x| x.code == "E-HOLIDAYS-NOT-MAP"));
    }
}
