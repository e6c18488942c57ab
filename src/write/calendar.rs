//! iCalendar files (RFC 5545) of stations and services, for residents to add
//! to the calendar on their phone or to subscribe to.
//!
//! * `services/<station>/<id>/calendar.ics`: the sessions of one service.
//! * `stations/<id>/calendar.ics`: the station's opening hours and the
//!   sessions of all its services.
//!
//! Only active services have a calendar: paused and ended ones (`status`)
//! have none and are left out of their station's, so that a subscribed
//! calendar drops their sessions.
//!
//! Every choice below keeps the bytes the same from one build to the next,
//! whatever day the build runs (nothing is read from the clock):
//!
//! * **When a weekly session starts.** The content says on which days a
//!   session is held, not since when. Its DTSTART is the first matching day
//!   on or after an anchor date taken from the content: the service's
//!   `updated` or `date`, else its station's `updated` or `date`, else the
//!   station's `established`, else [`PILOT_START`]. The schedule has no end
//!   date in the content model, so there is no UNTIL: a service that stops is
//!   marked `ended`, which removes its events.
//! * **Monthly sessions.** Stations often meet "on the first and third
//!   Thursday of the month" and say so in the session's `note`
//!   (`每月第一、第三个周四`, `每月最后一个周二`). When the note names exactly
//!   the session's one weekday, the event repeats monthly on those weeks
//!   (`FREQ=MONTHLY;BYDAY=1TH,3TH`) instead of every week, so that no one
//!   comes to an empty room. Any other note is kept as text only.
//! * **One-off sessions** (`date`) are single events on that date. A session
//!   with both `date` and `days` is one event on the date, as the theme shows
//!   it.
//! * **Holidays and make-up working days** (`site.yaml › holidays`, see
//!   [`recurrence`]): a weekly session that is not held on statutory
//!   holidays gets an EXDATE for each declared holiday its rule falls on; a
//!   make-up working day that follows another weekday's schedule
//!   (`makeup_days`) is an EXDATE of the sessions of its own weekday and an
//!   RDATE of the weekly sessions of that weekday. Only declared days from
//!   the event's DTSTART on are listed.
//! * **Replacing sessions.** A one-off session with `replaces: true` is
//!   written as an override of the regular event's instance on its day:
//!   the regular event's UID with RECURRENCE-ID, so a calendar shows one
//!   event that day, not two.
//! * **Opening hours** of the station become recurring events named
//!   `<station>开放时间` in the station's calendar (not in the services'),
//!   marked TRANSP:TRANSPARENT so that they never show the reader as busy.
//! * **DTSTAMP** is the anchor date at midnight UTC.
//! * **UIDs** name the session, not its place in the list:
//!   `<station>/<service>/<days or date>@<host of base_url>`, e.g.
//!   `huidong/kongchao-tanfang/tue-thu@example.org`, and
//!   `<station>/_hours/<days>@<host>` for opening hours (`_` never appears in
//!   an id). Reordering the schedule or changing a time keeps the UID, so a
//!   phone updates the event instead of adding a second one. Two sessions on
//!   the same days are told apart by their start time (`mon-fri-0700`).
//!
//! Times are local to Asia/Shanghai (UTC+8 all year), with its VTIMEZONE.
//! The files stay minimal: only the properties calendar apps commonly read.

use std::collections::{BTreeMap, HashMap};

use crate::link::Reads;
use crate::model::recurrence::{self, Repeat, Replaced, Rules, days_of, first_on_or_after, repeat};
use crate::model::{Date, Item, Kind, Service, Session, TimeRange};

/// The file name of a calendar, beside the page it belongs to.
pub const FILE: &str = "calendar.ics";

/// The time zone of every station.
pub const TZID: &str = "Asia/Shanghai";

/// The anchor of recurring events when the content gives no date at all: the
/// year the Guanzhuang pilot opened its first stations.
pub const PILOT_START: Date = Date {
    year: 2019,
    month: 1,
    day: 1,
};

/// The longest content line, in octets, without its CRLF (RFC 5545 3.1).
const LINE_OCTETS: usize = 75;

/// RRULE codes of the weekdays, Monday first (the order of [`Weekday::ALL`]).
const BYDAY: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// Labels in the event descriptions: the theme's interface strings of the
/// same keys, so a site that translates its theme translates its calendars.
pub struct Labels<'a> {
    apply: &'a str,
    contact: &'a str,
    address: &'a str,
    phone: &'a str,
    opening_hours: &'a str,
}

impl<'a> Labels<'a> {
    pub fn new(strings: &'a BTreeMap<String, String>) -> Self {
        let get = |key: &str, default: &'static str| -> &'a str {
            strings.get(key).map_or(default, String::as_str)
        };
        Labels {
            apply: get("how_to_apply", "办理流程"),
            contact: get("contact", "咨询电话"),
            address: get("address", "地址"),
            phone: get("phone", "电话"),
            opening_hours: get("opening_hours", "开放时间"),
        }
    }
}

/// Whether an item gets a calendar of its own: a station, or an active service.
pub fn has_calendar(item: &Item) -> bool {
    match item.kind {
        Kind::Station => true,
        Kind::Service => item.service().is_some_and(Service::is_active),
        _ => false,
    }
}

/// The calendar of station `s` and those of its active services: each
/// service's events are written once, for its own calendar, and again, as
/// they are, in its station's. They change together, so a rebuild remakes
/// them together.
pub fn station_files(r: &Reads, s: usize) -> Vec<(String, Vec<u8>)> {
    let labels = &Labels::new(r.strings());
    let host = host_of(&r.config().base_url);
    let events: Vec<(usize, String)> = r
        .links_of(s)
        .services
        .iter()
        .filter(|&&i| has_calendar(r.item(i)))
        .map(|&i| (i, service_events(r, i, &host, labels)))
        .collect();
    let station = r.item(s);
    let hours = opening_hours_events(r, s, &host, labels);
    let mut bodies: Vec<&str> = vec![&hours];
    bodies.extend(events.iter().map(|(_, e)| e.as_str()));
    let mut files = vec![(
        format!("{}{FILE}", station.site_path),
        calendar(&station.meta.title, &bodies),
    )];
    files.extend(events.iter().map(|(i, body)| {
        let item = r.item(*i);
        (
            format!("{}{FILE}", item.site_path),
            calendar(&item.meta.title, &[body]),
        )
    }));
    files
}

/// A whole calendar named `name` around the events in `bodies`.
fn calendar(name: &str, bodies: &[&str]) -> Vec<u8> {
    let mut ics = Ics::with_capacity(1024 + bodies.iter().map(|b| b.len()).sum::<usize>());
    ics.line("BEGIN:VCALENDAR");
    ics.line("VERSION:2.0");
    ics.line("PRODID:-//zhan//zhan static-site generator//ZH-CN");
    ics.line("CALSCALE:GREGORIAN");
    ics.line("METHOD:PUBLISH");
    ics.text("X-WR-CALNAME", name);
    ics.line(&format!("X-WR-TIMEZONE:{TZID}"));
    ics.line("BEGIN:VTIMEZONE");
    ics.line(&format!("TZID:{TZID}"));
    ics.line("BEGIN:STANDARD");
    ics.line("TZOFFSETFROM:+0800");
    ics.line("TZOFFSETTO:+0800");
    ics.line("TZNAME:CST");
    ics.line("DTSTART:19700101T000000");
    ics.line("END:STANDARD");
    ics.line("END:VTIMEZONE");
    for body in bodies {
        ics.out.push_str(body);
    }
    ics.line("END:VCALENDAR");
    ics.out.into_bytes()
}

/// The host part of the base URL, the right-hand side of every UID.
fn host_of(base_url: &str) -> String {
    let rest = base_url
        .strip_prefix("https://")
        .or_else(|| base_url.strip_prefix("http://"));
    match rest.map(|r| r.split('/').next().unwrap_or_default()) {
        Some(host) if !host.is_empty() => host.to_ascii_lowercase(),
        // A site published at a bare path: a reserved name (RFC 2606).
        _ => "zhan.invalid".to_string(),
    }
}

/// The public address of a page, when the site has one.
fn page_url(r: &Reads, item: &Item) -> Option<String> {
    r.config().base_url.starts_with("http").then(|| {
        r.config()
            .absolute_url(&crate::escape::url_path(&item.site_path))
    })
}

/// The date recurring events start from and DTSTAMP is taken from (see the
/// module documentation).
fn anchor(own: Option<&Item>, station: Option<&Item>) -> Date {
    let dated = |item: &Item| item.meta.updated.or(item.meta.date);
    own.and_then(dated)
        .or_else(|| station.and_then(dated))
        .or_else(|| {
            station
                .and_then(|s| s.station())
                .and_then(|s| s.established)
        })
        .unwrap_or(PILOT_START)
}

/// When one session's event is held, as the calendar writes it.
struct Timing {
    /// The part of the UID after the item (see [`session_keys`]).
    key: String,
    /// The first day: the session's date, or the first day its pattern holds.
    start: Date,
    rule: Option<String>,
    /// Days its pattern falls on that it is not held (holidays, make-up days).
    except: Vec<Date>,
    /// Days it is held on beyond its pattern (make-up days).
    extra: Vec<Date>,
    /// For a session held instead of a regular one: the local start of the
    /// regular instance it overrides.
    overrides: Option<String>,
}

/// How session `k` of `sessions` is written: its own recurring or single
/// event, or an override (RECURRENCE-ID) of the regular session it replaces.
fn timing(sessions: &[Session], keys: &[String], k: usize, anchor: Date, rules: Rules) -> Timing {
    let session = &sessions[k];
    let pattern_start = |r: &Repeat| first_on_or_after(r, anchor);
    if let Some(r) = repeat(session) {
        let start = pattern_start(&r);
        let (except, extra) = rules.exceptions(session, &r, start);
        return Timing {
            key: keys[k].clone(),
            start,
            rule: Some(rrule(&r)),
            except,
            extra,
            overrides: None,
        };
    }
    let date = session.date.unwrap_or(anchor);
    // Only an instance the regular event has (on or after its start) can be
    // overridden; otherwise the session stands as an event of its own.
    let target = match recurrence::replaced(sessions, k, rules) {
        Some(Replaced::Session(j)) => sessions[j]
            .time
            .zip(repeat(&sessions[j]))
            .filter(|(_, r)| pattern_start(r) <= date)
            .map(|(time, _)| (j, time)),
        _ => None,
    };
    Timing {
        key: keys[target.map_or(k, |(j, _)| j)].clone(),
        start: date,
        rule: None,
        except: Vec::new(),
        extra: Vec::new(),
        overrides: target.map(|(_, time)| local(date, time.start.0)),
    }
}

/// One event, ready to be written.
struct Event<'a> {
    uid: String,
    stamp: Date,
    timing: Timing,
    time: TimeRange,
    summary: &'a str,
    location: &'a str,
    description: String,
    url: Option<&'a str>,
    transparent: bool,
}

impl Event<'_> {
    fn write(&self, ics: &mut Ics) {
        let t = &self.timing;
        let at = |dates: &[Date]| {
            dates
                .iter()
                .map(|&d| local(d, self.time.start.0))
                .collect::<Vec<_>>()
                .join(",")
        };
        ics.line("BEGIN:VEVENT");
        ics.text("UID", &self.uid);
        ics.line(&format!("DTSTAMP:{}", utc_midnight(self.stamp)));
        if let Some(instance) = &t.overrides {
            ics.line(&format!("RECURRENCE-ID;TZID={TZID}:{instance}"));
        }
        ics.line(&format!(
            "DTSTART;TZID={TZID}:{}",
            local(t.start, self.time.start.0)
        ));
        ics.line(&format!(
            "DTEND;TZID={TZID}:{}",
            local(t.start, self.time.end.0)
        ));
        if let Some(rule) = &t.rule {
            ics.line(&format!("RRULE:{rule}"));
        }
        if !t.except.is_empty() {
            ics.line(&format!("EXDATE;TZID={TZID}:{}", at(&t.except)));
        }
        if !t.extra.is_empty() {
            ics.line(&format!("RDATE;TZID={TZID}:{}", at(&t.extra)));
        }
        ics.text("SUMMARY", self.summary);
        if !self.location.is_empty() {
            ics.text("LOCATION", self.location);
        }
        if !self.description.is_empty() {
            ics.text("DESCRIPTION", &self.description);
        }
        if let Some(url) = self.url {
            ics.line(&format!("URL:{url}"));
        }
        if self.transparent {
            ics.line("TRANSP:TRANSPARENT");
        }
        ics.line("END:VEVENT");
    }
}

/// The VEVENTs of active service `i`, one per session with a time.
fn service_events(r: &Reads, i: usize, host: &str, labels: &Labels) -> String {
    let item = r.item(i);
    let Some(service) = item.service() else {
        return String::new();
    };
    let station = r.links_of(i).station.map(|s| r.item(s));
    let anchor = anchor(Some(item), station);
    let url = page_url(r, item);
    let location = service_location(service.location.as_deref(), station);
    let summary = item
        .meta
        .summary
        .as_deref()
        .unwrap_or(&r.body(i).first_paragraph);
    let mut about: Vec<String> = Vec::new();
    if !summary.trim().is_empty() {
        about.push(summary.trim().to_string());
    }
    if !service.how_to_apply.is_empty() {
        about.push(format!(
            "{}：{}",
            labels.apply,
            service.how_to_apply.join(" → ")
        ));
    }
    if let Some(contact) = &service.contact {
        about.push(format!("{}：{contact}", labels.contact));
    }
    let keys = session_keys(&service.schedule);
    let rules = Rules {
        holidays: &r.config().holidays,
        makeup: service.makeup_days,
    };
    let mut ics = Ics::with_capacity(service.schedule.len() * 1024);
    for (k, session) in service.schedule.iter().enumerate() {
        let Some(time) = session.time else { continue };
        let timing = timing(&service.schedule, &keys, k, anchor, rules);
        Event {
            uid: format!("{}/{}@{host}", item.key, timing.key),
            stamp: anchor,
            timing,
            time,
            summary: &item.meta.title,
            location: &location,
            description: describe(session, &about),
            url: url.as_deref(),
            transparent: false,
        }
        .write(&mut ics);
    }
    ics.out
}

/// The VEVENTs of station `s`'s opening hours.
fn opening_hours_events(r: &Reads, s: usize, host: &str, labels: &Labels) -> String {
    let item = r.item(s);
    let Some(station) = item.station() else {
        return String::new();
    };
    let anchor = anchor(None, Some(item));
    let url = page_url(r, item);
    let summary = format!("{}{}", item.meta.title, labels.opening_hours);
    let location = match &station.address {
        Some(address) => format!("{}，{address}", item.meta.title),
        None => item.meta.title.clone(),
    };
    let mut about: Vec<String> = Vec::new();
    if let Some(address) = &station.address {
        about.push(format!("{}：{address}", labels.address));
    }
    if let Some(phone) = &station.phone {
        about.push(format!("{}：{phone}", labels.phone));
    }
    let keys = session_keys(&station.opening_hours);
    let rules = Rules {
        holidays: &r.config().holidays,
        makeup: station.makeup_days,
    };
    let mut ics = Ics::with_capacity(station.opening_hours.len() * 768);
    for (k, session) in station.opening_hours.iter().enumerate() {
        let Some(time) = session.time else { continue };
        let timing = timing(&station.opening_hours, &keys, k, anchor, rules);
        Event {
            uid: format!("{}/_hours/{}@{host}", item.id, timing.key),
            stamp: anchor,
            timing,
            time,
            summary: &summary,
            location: &location,
            description: describe(session, &about),
            url: url.as_deref(),
            transparent: true,
        }
        .write(&mut ics);
    }
    ics.out
}

/// The session's note first (it says what is special about it), then what is
/// true of every session.
fn describe(session: &Session, about: &[String]) -> String {
    let mut parts: Vec<&str> = Vec::with_capacity(about.len() + 1);
    if let Some(note) = session.note.as_deref().filter(|n| !n.trim().is_empty()) {
        parts.push(note.trim());
    }
    parts.extend(about.iter().map(String::as_str));
    parts.join("\n")
}

/// Where a service is held: the place as written; with the station and its
/// address when the place is one of the station's rooms, with the community
/// otherwise (`老人家中，惠东社区`, the elderly person's own home).
fn service_location(place: Option<&str>, station: Option<&Item>) -> String {
    let place = place.map(str::trim).filter(|p| !p.is_empty());
    let Some(item) = station else {
        return place.unwrap_or_default().to_string();
    };
    let fields = item.station();
    let address = fields.and_then(|s| s.address.as_deref());
    let mut parts: Vec<&str> = Vec::with_capacity(3);
    match place {
        Some(place)
            if fields.is_some_and(|s| s.spaces.iter().any(|space| space.name.trim() == place)) =>
        {
            parts.extend([place, item.meta.title.as_str()]);
            parts.extend(address);
        }
        Some(place) => {
            parts.push(place);
            parts.push(
                fields
                    .and_then(|s| s.community.as_deref())
                    .unwrap_or(&item.meta.title),
            );
        }
        None => {
            parts.push(&item.meta.title);
            parts.extend(address);
        }
    }
    parts.join("，")
}

/// The part of each session's UID after the item: its days (`tue-thu`) or its
/// date (`2026-12-05`); where two sessions share those, the start time is
/// added (`mon-fri-0700`), and a number if even that is shared.
fn session_keys(sessions: &[Session]) -> Vec<String> {
    let base = |s: &Session| match s.date {
        Some(date) => date.to_string(),
        None => days_of(&s.days)
            .iter()
            .map(|d| d.code())
            .collect::<Vec<_>>()
            .join("-"),
    };
    let bases: Vec<String> = sessions.iter().map(base).collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    bases
        .iter()
        .for_each(|b| *counts.entry(b).or_default() += 1);
    let timed: Vec<String> = sessions
        .iter()
        .zip(&bases)
        .map(|(s, b)| match (counts[b.as_str()], s.time) {
            (1, _) | (_, None) => b.clone(),
            (_, Some(t)) => format!("{b}-{:02}{:02}", t.start.hour(), t.start.minute()),
        })
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    timed
        .iter()
        .map(|k| {
            let n = seen.entry(k).or_default();
            *n += 1;
            if *n == 1 {
                k.clone()
            } else {
                format!("{k}-{n}")
            }
        })
        .collect()
}

/// The RRULE of a pattern.
fn rrule(repeat: &Repeat) -> String {
    match repeat {
        Repeat::Weekly(days) => format!(
            "FREQ=WEEKLY;BYDAY={}",
            days.iter()
                .map(|d| BYDAY[d.index()])
                .collect::<Vec<_>>()
                .join(",")
        ),
        Repeat::Monthly(day, weeks) => format!(
            "FREQ=MONTHLY;BYDAY={}",
            weeks
                .iter()
                .map(|w| format!("{w}{}", BYDAY[day.index()]))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// A local date-time, `20261205T140000`; 24:00 is midnight of the next day.
fn local(date: Date, minutes: u16) -> String {
    let date = date.add_days(i64::from(minutes / 1440));
    let minutes = minutes % 1440;
    format!(
        "{:04}{:02}{:02}T{:02}{:02}00",
        date.year,
        date.month,
        date.day,
        minutes / 60,
        minutes % 60
    )
}

fn utc_midnight(date: Date) -> String {
    format!("{:04}{:02}{:02}T000000Z", date.year, date.month, date.day)
}

/// A calendar being written: content lines folded, with CRLF.
struct Ics {
    out: String,
    /// A TEXT property's line before folding, kept between properties.
    line: String,
}

impl Ics {
    fn with_capacity(n: usize) -> Ics {
        Ics {
            out: String::with_capacity(n),
            line: String::new(),
        }
    }

    /// A content line whose value needs no escaping.
    fn line(&mut self, line: &str) {
        fold_into(&mut self.out, line);
    }

    /// A property whose value is TEXT.
    fn text(&mut self, name: &str, value: &str) {
        self.line.clear();
        self.line.push_str(name);
        self.line.push(':');
        escape_into(&mut self.line, value);
        fold_into(&mut self.out, &self.line);
    }
}

/// Appends a TEXT value escaped (RFC 5545 3.3.11): backslash, semicolon,
/// comma and newline; carriage returns and other control characters (C0,
/// DEL and C1), which a content line may not hold, are dropped (tabs are
/// kept). Byte by byte, copying the text between such bytes at once: a
/// description is mostly Chinese, none of whose bytes needs a look twice.
fn escape_into(out: &mut String, value: &str) {
    let bytes = value.as_bytes();
    let mut copied = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // The bytes this replaces, and with what; kept bytes go on.
        let (width, replacement) = match b {
            b'\\' => (1, "\\\\"),
            b';' => (1, "\\;"),
            b',' => (1, "\\,"),
            b'\n' => (1, "\\n"),
            0..=0x08 | 0x0A..=0x1F | 0x7F => (1, ""),
            // U+0080 to U+009F, the C1 controls.
            0xC2 if matches!(bytes.get(i + 1), Some(0x80..=0x9F)) => (2, ""),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&value[copied..i]);
        out.push_str(replacement);
        i += width;
        copied = i;
    }
    out.push_str(&value[copied..]);
}

/// Appends `line` folded (RFC 5545 3.1): no line longer than 75 octets
/// without its CRLF, each continuation starting with a space, and never a
/// UTF-8 character cut in two.
fn fold_into(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = LINE_OCTETS;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // The leading space counts toward the next line's 75 octets.
        limit = LINE_OCTETS - 1;
    }
    out.push_str(rest);
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Weekday;
    use crate::model::values::Clock;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn folded(line: &str) -> String {
        let mut out = String::new();
        fold_into(&mut out, line);
        out
    }

    fn weekly(days: &[Weekday], note: Option<&str>) -> Session {
        Session {
            days: days.to_vec(),
            date: None,
            time: Some(TimeRange {
                start: Clock(9 * 60),
                end: Clock(11 * 60 + 30),
            }),
            note: note.map(str::to_string),
            ..Session::default()
        }
    }

    #[test]
    fn lines_fold_at_75_octets_exactly() {
        let line = "X".repeat(75);
        assert_eq!(folded(&line), format!("{line}\r\n"));
        let line = "Y".repeat(76);
        assert_eq!(folded(&line), format!("{}\r\n Y\r\n", "Y".repeat(75)));
        let line = "Z".repeat(75 + 74 + 1);
        let out = folded(&line);
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert_eq!(
            lines.iter().map(|l| l.len()).collect::<Vec<_>>(),
            [75, 75, 2]
        );
    }

    #[test]
    fn folding_never_cuts_a_chinese_character() {
        let line = format!("DESCRIPTION:{}", "空巢独居老人探访，社工上门".repeat(12));
        let out = folded(&line);
        assert!(out.ends_with("\r\n"));
        let lines: Vec<&str> = out.trim_end_matches("\r\n").split("\r\n").collect();
        assert!(lines.len() > 5);
        for (n, l) in lines.iter().enumerate() {
            assert!(l.len() <= 75, "line {n} has {} octets: {l}", l.len());
            // A line may stop short of 75 octets only to keep a character whole.
            if n + 1 < lines.len() {
                assert!(l.len() > 72, "line {n} is cut too early: {}", l.len());
            }
            if n > 0 {
                assert!(
                    l.starts_with(' '),
                    "continuation {n} must start with a space"
                );
                assert!(!l[1..].starts_with(' '));
            }
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, line);
    }

    #[test]
    fn text_values_are_escaped() {
        let mut out = String::new();
        escape_into(&mut out, "a\\b;c,d\ne\r\u{7}f\tg，h");
        assert_eq!(out, "a\\\\b\\;c\\,d\\nef\tg，h");
        let mut ics = Ics::with_capacity(0);
        ics.text("SUMMARY", "议事会; 第一,三周");
        assert_eq!(ics.out, "SUMMARY:议事会\\; 第一\\,三周\r\n");
        // Character by character, as RFC 5545 says, on every kind of byte.
        let plain = |value: &str| {
            let mut out = String::new();
            for c in value.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    ';' => out.push_str("\\;"),
                    ',' => out.push_str("\\,"),
                    '\n' => out.push_str("\\n"),
                    '\t' => out.push('\t'),
                    c if c.is_control() => {}
                    c => out.push(c),
                }
            }
            out
        };
        for value in [
            "",
            "\u{85}下一行\u{9F}\u{A0}不换行\u{80}",
            "末尾,;\\",
            "\u{1}\u{1F}\u{7F}\u{7E}é😀\r\n",
            "社区居委会积极推动垃圾分类宣传，逐步培育出一批本土骨干。",
        ] {
            let mut out = String::new();
            escape_into(&mut out, value);
            assert_eq!(out, plain(value), "{value:?}");
        }
    }

    #[test]
    fn weekly_sessions_repeat_on_their_days() {
        let s = weekly(
            &[Weekday::Thu, Weekday::Tue, Weekday::Tue],
            Some("节假日除外"),
        );
        let r = repeat(&s).unwrap();
        assert_eq!(rrule(&r), "FREQ=WEEKLY;BYDAY=TU,TH");
        // 2026-11-15 is a Sunday: the first Tuesday after it.
        assert_eq!(
            first_on_or_after(&r, date("2026-11-15")),
            date("2026-11-17")
        );
        let all = weekly(&Weekday::ALL, None);
        assert_eq!(
            rrule(&repeat(&all).unwrap()),
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU"
        );
        let once = Session {
            date: Some(date("2026-12-05")),
            ..weekly(&[Weekday::Sat], None)
        };
        assert_eq!(repeat(&once), None);
    }

    #[test]
    fn monthly_notes_become_monthly_rules() {
        let rule =
            |days: &[Weekday], note: &str| rrule(&repeat(&weekly(days, Some(note))).unwrap());
        assert_eq!(
            rule(&[Weekday::Thu], "每月第一、第三个周四"),
            "FREQ=MONTHLY;BYDAY=1TH,3TH"
        );
        assert_eq!(
            rule(&[Weekday::Sun], "每月第二、第四个周日"),
            "FREQ=MONTHLY;BYDAY=2SU,4SU"
        );
        assert_eq!(
            rule(&[Weekday::Sat], "每月第三个周六，雨雪天移至多功能活动室"),
            "FREQ=MONTHLY;BYDAY=3SA"
        );
        assert_eq!(
            rule(&[Weekday::Tue], "每月最后一个周二"),
            "FREQ=MONTHLY;BYDAY=-1TU"
        );
        assert_eq!(
            rule(&[Weekday::Wed], "每月第2个星期三"),
            "FREQ=MONTHLY;BYDAY=2WE"
        );
        // The note names another day, or the session has several: weekly.
        assert_eq!(
            rule(&[Weekday::Fri], "每月第一个周四"),
            "FREQ=WEEKLY;BYDAY=FR"
        );
        assert_eq!(
            rule(&[Weekday::Mon, Weekday::Wed], "每月第一个周一"),
            "FREQ=WEEKLY;BYDAY=MO,WE"
        );
        assert_eq!(
            rule(&[Weekday::Sat], "每月一次，具体时间另行通知"),
            "FREQ=WEEKLY;BYDAY=SA"
        );
    }

    #[test]
    fn monthly_sessions_start_on_a_matching_week() {
        let first_third = repeat(&weekly(&[Weekday::Thu], Some("每月第一、第三个周四"))).unwrap();
        // Thursdays of November 2026: 5, 12, 19, 26; of December: 3.
        assert_eq!(
            first_on_or_after(&first_third, date("2026-11-06")),
            date("2026-11-19")
        );
        assert_eq!(
            first_on_or_after(&first_third, date("2026-11-20")),
            date("2026-12-03")
        );
        let last = repeat(&weekly(&[Weekday::Tue], Some("每月最后一个周二"))).unwrap();
        assert_eq!(
            first_on_or_after(&last, date("2026-11-15")),
            date("2026-11-24")
        );
    }

    #[test]
    fn local_times_roll_over_midnight() {
        assert_eq!(local(date("2026-12-31"), 24 * 60), "20270101T000000");
        assert_eq!(local(date("2026-12-05"), 14 * 60 + 5), "20261205T140500");
    }

    #[test]
    fn session_keys_are_stable_and_unique() {
        let at = |h: u16, days: &[Weekday]| Session {
            time: Some(TimeRange {
                start: Clock(h * 60),
                end: Clock(h * 60 + 60),
            }),
            ..weekly(days, None)
        };
        let once = Session {
            date: Some(date("2027-01-09")),
            ..weekly(&[], None)
        };
        let keys = session_keys(&[
            at(7, &Weekday::ALL),
            at(18, &Weekday::ALL),
            once,
            at(9, &[Weekday::Thu, Weekday::Tue]),
            at(9, &[Weekday::Sat]),
            at(9, &[Weekday::Sat]),
        ]);
        assert_eq!(
            keys,
            [
                "mon-tue-wed-thu-fri-sat-sun-0700",
                "mon-tue-wed-thu-fri-sat-sun-1800",
                "2027-01-09",
                "tue-thu",
                "sat-0900",
                "sat-0900-2",
            ]
        );
    }

    #[test]
    fn hosts_come_from_the_base_url() {
        assert_eq!(host_of("https://Example.org/sub/"), "example.org");
        assert_eq!(host_of("http://x.cn:8080/"), "x.cn:8080");
        assert_eq!(host_of("/"), "zhan.invalid");
    }
}
