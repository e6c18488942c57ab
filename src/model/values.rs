//! Small value types of the content model: dates, times, weekdays, numbers,
//! references to other items and to files.

use std::fmt;

use serde::{Serialize, Serializer};

use super::fields::{Cx, FromNode, leaf_name};
use crate::diagnostics::{Pos, did_you_mean};
use crate::load::{Node, Value};
use crate::messages::field;

/// A calendar date (no time zone: all dates are local to the station).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn parse(text: &str) -> Option<Date> {
        // Accept a date-time too and keep its date: `2026-11-28T15:08:00+08:00`.
        let date_part = text.trim().split(['T', ' ']).next()?;
        let mut parts = date_part.split('-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u8 = parts.next()?.parse().ok()?;
        let day: u8 = parts.next()?.parse().ok()?;
        if parts.next().is_some() || !(1000..=9999).contains(&year) {
            return None;
        }
        let date = Date { year, month, day };
        ((1..=12).contains(&month) && day >= 1 && day <= date.days_in_month()).then_some(date)
    }

    fn days_in_month(&self) -> u8 {
        match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            _ if (self.year % 4 == 0 && self.year % 100 != 0) || self.year % 400 == 0 => 29,
            _ => 28,
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian calendar).
    pub fn day_number(self) -> i64 {
        let (m, d) = (i64::from(self.month), i64::from(self.day));
        let y = i64::from(self.year) - i64::from(m <= 2);
        let era = y.div_euclid(400);
        let year_of_era = y - era * 400;
        let day_of_year = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
        let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
        era * 146_097 + day_of_era - 719_468
    }

    /// The date `n` days after 1970-01-01 (Howard Hinnant's civil-from-days).
    pub fn from_day_number(n: i64) -> Date {
        let z = n + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        Date {
            year: year as i32,
            month: month as u8,
            day: day as u8,
        }
    }

    pub fn add_days(self, n: i64) -> Date {
        Date::from_day_number(self.day_number() + n)
    }

    pub fn weekday(self) -> Weekday {
        // 1970-01-01 was a Thursday.
        Weekday::ALL[(self.day_number() + 3).rem_euclid(7) as usize]
    }

    /// Today in China (UTC+8, no daylight saving), from the system clock.
    pub fn today_in_china() -> Date {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
            + 8 * 3600;
        Date::from_day_number((seconds / 86_400) as i64)
    }

    /// 2026年11月28日
    pub fn chinese(&self) -> String {
        format!("{}年{}月{}日", self.year, self.month, self.day)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromNode for Date {
    fn from_node(node: &Node, name: &str, cx: &mut Cx) -> Option<Self> {
        let parsed = match &node.value {
            Value::Str(s) => Date::parse(s),
            _ => None,
        };
        if parsed.is_none() {
            cx.push(
                cx.at(node, "E-NOT-DATE")
                    .arg("field", field(name))
                    .arg("value", node.shown())
                    .arg("key", leaf_name(name))
                    .with_hint("H-DATE"),
            );
        }
        parsed
    }
}

/// A time of day, minutes since midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Clock(pub u16);

impl Clock {
    fn parse(text: &str) -> Option<Clock> {
        let (h, m) = text.trim().split_once(':')?;
        let digits = |s: &str, lengths: std::ops::RangeInclusive<usize>| {
            lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(h, 1..=2) || !digits(m, 2..=2) {
            return None;
        }
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(Clock(h * 60 + m))
    }
    pub fn hour(self) -> u16 {
        self.0 / 60
    }
    pub fn minute(self) -> u16 {
        self.0 % 60
    }
}

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.hour(), self.minute())
    }
}

/// `09:00-11:30`: a session's start and end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeRange {
    pub start: Clock,
    pub end: Clock,
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

impl Serialize for TimeRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromNode for TimeRange {
    fn from_node(node: &Node, name: &str, cx: &mut Cx) -> Option<Self> {
        let text = match &node.value {
            Value::Str(s) => s.as_str(),
            _ => "",
        };
        let normalised = text
            .replace(['：'], ":")
            .replace(['－', '—', '–', '~', '～', '至'], "-");
        let parsed = normalised.split_once('-').and_then(|(a, b)| {
            Some(TimeRange {
                start: Clock::parse(a)?,
                end: Clock::parse(b)?,
            })
        });
        match parsed {
            Some(range) if range.end > range.start => Some(range),
            Some(_) => {
                cx.push(
                    cx.at(node, "E-TIME-BACKWARDS")
                        .arg("field", field(name))
                        .arg("value", node.shown())
                        .with_hint("H-TIME-BACKWARDS"),
                );
                None
            }
            None => {
                cx.push(
                    cx.at(node, "E-NOT-TIME")
                        .arg("field", field(name))
                        .arg("value", node.shown())
                        .arg("key", leaf_name(name))
                        .with_hint("H-TIME"),
                );
                None
            }
        }
    }
}

/// A day of the week, written `mon` … `sun`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    pub const CODES: [&'static str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    pub fn code(self) -> &'static str {
        Self::CODES[self as usize]
    }
    pub fn index(self) -> usize {
        self as usize
    }
}

impl Serialize for Weekday {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl FromNode for Weekday {
    fn from_node(node: &Node, name: &str, cx: &mut Cx) -> Option<Self> {
        let text = match &node.value {
            Value::Str(s) => s.trim().to_lowercase(),
            _ => String::new(),
        };
        if let Some(i) = Self::CODES.iter().position(|c| *c == text) {
            return Some(Self::ALL[i]);
        }
        let chinese = ["一", "二", "三", "四", "五", "六", "日"];
        let from_chinese = chinese
            .iter()
            .position(|c| text.ends_with(c) || (text.ends_with('天') && *c == "日"));
        let d = cx
            .at(node, "E-NOT-WEEKDAY")
            .arg("value", node.shown())
            .arg("field", field(name));
        cx.push(match (from_chinese, did_you_mean(&text, Self::CODES)) {
            (Some(i), _) if text.starts_with('周') || text.starts_with("星期") => d
                .arg("close", Self::CODES[i])
                .with_hint("H-WEEKDAY-CHINESE"),
            (_, Some(close)) => d.arg("close", close).with_hint("H-WEEKDAY-CLOSE"),
            _ => d.with_hint("H-WEEKDAY"),
        });
        None
    }
}

/// A number as written: whole numbers stay whole (3650, not 3650.0).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.fract() == 0.0 && self.0.abs() < 9.0e15 {
            s.serialize_i64(self.0 as i64)
        } else {
            s.serialize_f64(self.0)
        }
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        if self.0.fract() == 0.0 && self.0.abs() < 9.0e15 {
            write!(f, "{}", self.0 as i64)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl FromNode for Num {
    fn from_node(node: &Node, name: &str, cx: &mut Cx) -> Option<Self> {
        f64::from_node(node, name, cx).map(Num)
    }
}

/// Whether `id` is a valid item id: lowercase ASCII letters, digits and dashes.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

/// A reference to another item by id, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    pub id: String,
    pub pos: Pos,
    pub len: u32,
}

impl Serialize for Ref {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.id)
    }
}

impl FromNode for Ref {
    fn from_node(node: &Node, name: &str, cx: &mut Cx) -> Option<Self> {
        let id = match &node.value {
            Value::Str(s) => s.trim().to_string(),
            Value::Int(_) => node.shown(),
            _ => String::new(),
        };
        if !is_valid_id(&id) {
            cx.push(
                cx.at(node, "E-NOT-ID")
                    .arg("field", field(name))
                    .arg("value", node.shown())
                    .with_hint("H-NOT-ID"),
            );
            return None;
        }
        Some(Ref {
            id,
            pos: node.pos,
            len: node.len,
        })
    }
}

/// A file named in front matter (a cover, an attachment), relative to the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRef {
    /// As written.
    pub written: String,
    /// Resolved to a path relative to `content/`; None if it leaves the content folder.
    pub path: Option<String>,
    pub pos: Pos,
    pub len: u32,
}

impl Serialize for FileRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.written)
    }
}

impl FromNode for FileRef {
    fn from_node(node: &Node, name: &str, cx: &mut Cx) -> Option<Self> {
        let written = String::from_node(node, name, cx)?;
        if written.is_empty() {
            cx.push(
                cx.at(node, "E-EMPTY")
                    .arg("field", field(name))
                    .with_hint("H-EMPTY-FILE"),
            );
            return None;
        }
        Some(FileRef {
            written,
            path: None,
            pos: node.pos,
            len: node.len,
        })
    }
}

/// Resolves `relative` against the folder of `from` (both inside `content/`).
/// Returns None when the result would leave the content folder or is absolute.
pub fn resolve_relative(from: &str, relative: &str) -> Option<String> {
    if relative.starts_with('/') || relative.starts_with('\\') || relative.contains(':') {
        return None;
    }
    let mut parts: Vec<&str> = from.split('/').collect();
    parts.pop();
    for part in relative.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        Date::parse(text).expect("a date")
    }

    #[test]
    fn dates_count_days_and_weekdays() {
        assert_eq!(date("1970-01-01").day_number(), 0);
        assert_eq!(date("1970-01-01").weekday(), Weekday::Thu);
        assert_eq!(date("2026-11-28").weekday(), Weekday::Sat);
        assert_eq!(date("2024-02-29").weekday(), Weekday::Thu);
        for text in [
            "2019-01-01",
            "2024-02-28",
            "2024-02-29",
            "2026-12-31",
            "2100-03-01",
        ] {
            assert_eq!(Date::from_day_number(date(text).day_number()), date(text));
        }
        assert_eq!(date("2026-12-31").add_days(1), date("2027-01-01"));
        assert_eq!(date("2027-01-01").add_days(-1), date("2026-12-31"));
    }

    #[test]
    fn today_in_china_is_a_real_date() {
        let today = Date::today_in_china();
        assert_eq!(Date::parse(&today.to_string()), Some(today));
    }

    #[test]
    fn dates_are_checked_for_real_days() {
        assert_eq!(
            Date::parse("2024-02-29").map(|d| d.to_string()).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(Date::parse("2023-02-29"), None);
        assert_eq!(Date::parse("2026/12/05"), None);
        assert_eq!(
            Date::parse("2026-11-28T15:08:00+08:00")
                .map(|d| d.chinese())
                .as_deref(),
            Some("2026年11月28日")
        );
    }

    #[test]
    fn relative_paths_stay_inside_content() {
        assert_eq!(
            resolve_relative("stations/huidong.md", "img/a.png").as_deref(),
            Some("stations/img/a.png")
        );
        assert_eq!(
            resolve_relative("stations/huidong.md", "../about.md").as_deref(),
            Some("about.md")
        );
        assert_eq!(
            resolve_relative("stations/huidong.md", "../../site.yaml"),
            None
        );
        assert_eq!(resolve_relative("a.md", "/etc/passwd"), None);
        assert_eq!(resolve_relative("a.md", "C:/x"), None);
    }

    #[test]
    fn numbers_keep_whole_numbers_whole() {
        assert_eq!(Num(3650.0).to_string(), "3650");
        assert_eq!(Num(96.5).to_string(), "96.5");
    }

    #[test]
    fn clock_accepts_one_or_two_digit_hours() {
        assert_eq!(Clock::parse("9:05"), Some(Clock(545)));
        assert_eq!(Clock::parse("09:00"), Some(Clock(540)));
        assert_eq!(Clock::parse("25:00"), None);
        assert_eq!(Clock::parse("09:0"), None);
    }
}
