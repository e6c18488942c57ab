//! The iCalendar files of the demo site: every one read back with a real
//! iCalendar parser, one service's events checked in detail, paused and ended
//! services left out, and two builds compared byte for byte.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use icalendar::parser::{Component, read_calendar, unfold};
use icalendar::{CalendarDateTime, Component as _, DatePerhapsTime, Event, EventLike as _};

/// The demo site built into `name` under the test folder.
fn build(name: &str) -> PathBuf {
    common::build_demo(name).0
}

/// The demo site built twice, into two folders.
fn builds() -> &'static (PathBuf, PathBuf) {
    static BUILDS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    BUILDS.get_or_init(|| (build("calendar-first"), build("calendar-second")))
}

fn output() -> &'static Path {
    &builds().0
}

/// Every `.ics` file of a build, by path in the output.
fn calendars(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    common::snapshot(dir)
        .into_iter()
        .filter(|(path, _)| path.ends_with(".ics"))
        .collect()
}

fn text(path: &str) -> String {
    let file = output().join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// The demo content's services, as (station/id, status).
fn demo_services() -> Vec<(String, String)> {
    let root = common::repo_root().join("content/services");
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(&root).sort_by_file_name() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let key = path
            .strip_prefix(&root)
            .unwrap()
            .with_extension("")
            .to_string_lossy()
            .replace('\\', "/");
        let source = std::fs::read_to_string(path).unwrap();
        let status = source
            .lines()
            .find_map(|l| l.strip_prefix("status:"))
            .map_or("active", str::trim)
            .to_string();
        out.push((key, status));
    }
    out
}

/// The events of a calendar, read with the typed API.
fn events(ics: &str) -> Vec<Event> {
    let calendar: icalendar::Calendar = ics.parse().expect("calendar parses");
    calendar
        .components
        .iter()
        .filter_map(|c| c.as_event().cloned())
        .collect()
}

/// `(date-time as 2026-12-05 14:00:00, TZID)` of DTSTART or DTEND.
fn local_time(value: Option<DatePerhapsTime>) -> (String, String) {
    match value {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid })) => {
            (date_time.to_string(), tzid)
        }
        other => panic!("expected a date-time with TZID, got {other:?}"),
    }
}

fn prop<'a>(component: &'a Component, name: &str) -> Option<&'a str> {
    component.find_prop(name).map(|p| p.val.as_str())
}

#[test]
fn every_calendar_is_valid_icalendar() {
    let files = calendars(output());
    assert!(files.len() >= 20, "too few calendars: {:?}", files.keys());
    for (path, bytes) in &files {
        let ics = std::str::from_utf8(bytes).unwrap_or_else(|_| panic!("{path} is not UTF-8"));
        // CRLF everywhere, content lines at most 75 octets, continuations
        // starting with a space.
        assert!(ics.ends_with("\r\n"), "{path} must end with CRLF");
        assert_eq!(
            ics.matches('\n').count(),
            ics.matches("\r\n").count(),
            "{path} has a bare LF"
        );
        assert_eq!(
            ics.matches('\r').count(),
            ics.matches("\r\n").count(),
            "{path} has a bare CR"
        );
        for (n, line) in ics.trim_end_matches("\r\n").split("\r\n").enumerate() {
            assert!(
                line.len() <= 75,
                "{path}:{}: {} octets: {line}",
                n + 1,
                line.len()
            );
            assert!(!line.is_empty(), "{path}:{}: empty line", n + 1);
        }

        let unfolded = unfold(ics);
        let calendar =
            read_calendar(&unfolded).unwrap_or_else(|e| panic!("{path} does not parse: {e}"));
        let root: BTreeMap<&str, &str> = calendar
            .properties
            .iter()
            .map(|p| (p.name.as_str(), p.val.as_str()))
            .collect();
        assert_eq!(root.get("VERSION"), Some(&"2.0"), "{path}");
        assert_eq!(root.get("CALSCALE"), Some(&"GREGORIAN"), "{path}");
        assert_eq!(root.get("METHOD"), Some(&"PUBLISH"), "{path}");
        assert_eq!(root.get("X-WR-TIMEZONE"), Some(&"Asia/Shanghai"), "{path}");
        assert!(root.get("PRODID").is_some_and(|p| !p.is_empty()), "{path}");
        assert!(
            root.get("X-WR-CALNAME").is_some_and(|p| !p.is_empty()),
            "{path}"
        );

        let zones: Vec<&Component> = calendar
            .components
            .iter()
            .filter(|c| c.name.as_str() == "VTIMEZONE")
            .collect();
        assert_eq!(zones.len(), 1, "{path}: one VTIMEZONE");
        assert_eq!(prop(zones[0], "TZID"), Some("Asia/Shanghai"));
        let standard = &zones[0].components;
        assert_eq!(standard.len(), 1, "{path}: one STANDARD, no DAYLIGHT");
        assert_eq!(standard[0].name.as_str(), "STANDARD");
        for (name, value) in [
            ("TZOFFSETFROM", "+0800"),
            ("TZOFFSETTO", "+0800"),
            ("TZNAME", "CST"),
            ("DTSTART", "19700101T000000"),
        ] {
            assert_eq!(prop(&standard[0], name), Some(value), "{path}: {name}");
        }

        let raw_events: Vec<&Component> = calendar
            .components
            .iter()
            .filter(|c| c.name.as_str() == "VEVENT")
            .collect();
        for event in &raw_events {
            for name in ["DTSTART", "DTEND"] {
                let p = event.find_prop(name).expect(name);
                let tzid: Vec<_> = p
                    .params
                    .iter()
                    .filter(|a| a.key.as_str() == "TZID")
                    .filter_map(|a| a.val.as_ref().map(|v| v.as_str()))
                    .collect();
                assert_eq!(tzid, ["Asia/Shanghai"], "{path}: {name} needs its TZID");
            }
        }
        let typed = events(ics);
        assert_eq!(typed.len(), raw_events.len(), "{path}");
        for event in &typed {
            let uid = event.get_uid().expect("UID");
            assert!(uid.ends_with("@example.org"), "{path}: UID {uid}");
            assert!(event.get_timestamp().is_some(), "{path}: DTSTAMP of {uid}");
            assert!(event.get_summary().is_some_and(|s| !s.is_empty()));
            let (start, _) = local_time(event.get_start());
            let (end, _) = local_time(event.get_end());
            assert!(start < end, "{path}: {uid} ends before it starts");
            assert!(
                event
                    .get_url()
                    .is_some_and(|u| u.starts_with("https://example.org/")),
                "{path}: URL of {uid}"
            );
        }
        // An event is its UID and, for an override of one instance of a
        // recurring event (a replacing session), its RECURRENCE-ID.
        let mut ids: Vec<(&str, Option<&str>)> = raw_events
            .iter()
            .map(|e| (prop(e, "UID").unwrap_or(""), prop(e, "RECURRENCE-ID")))
            .collect();
        for (uid, instance) in &ids {
            if instance.is_some() {
                assert!(
                    ids.contains(&(uid, None)),
                    "{path}: the override of {uid} has no recurring event"
                );
            }
        }
        ids.sort();
        let count = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), count, "{path}: UIDs must be unique");
    }
}

#[test]
fn every_station_and_active_service_has_a_calendar() {
    let files = calendars(output());
    for station in ["huidong", "huixi", "lijingyuan"] {
        assert!(
            files.contains_key(&format!("stations/{station}/calendar.ics")),
            "{station}"
        );
    }
    let services = demo_services();
    assert!(services.iter().any(|(_, s)| s == "paused"));
    assert!(services.iter().any(|(_, s)| s == "ended"));
    for (key, status) in &services {
        let path = format!("services/{key}/calendar.ics");
        assert_eq!(
            files.contains_key(&path),
            status == "active",
            "{path} (status {status})"
        );
    }
    let stations = files.keys().filter(|p| p.starts_with("stations/")).count();
    let active = services.iter().filter(|(_, s)| s == "active").count();
    assert_eq!(files.len(), stations + active, "{:?}", files.keys());
}

/// 垃圾分类指导 (Huixi): two daily sessions and a one-off class.
#[test]
fn a_service_calendar_holds_its_weekly_and_one_off_sessions() {
    let ics = text("services/huixi/laji-fenlei/calendar.ics");
    let calendar: icalendar::Calendar = ics.parse().unwrap();
    assert_eq!(calendar.get_name(), Some("垃圾分类指导"));
    let events = events(&ics);
    assert_eq!(events.len(), 3, "{ics}");
    let all_days = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU";
    let weekly: Vec<&Event> = events
        .iter()
        .filter(|e| e.property_value("RRULE").is_some())
        .collect();
    assert_eq!(weekly.len(), 2);
    let times: Vec<(String, String, String)> = weekly
        .iter()
        .map(|e| {
            assert_eq!(e.property_value("RRULE"), Some(all_days));
            let (start, tz) = local_time(e.get_start());
            let (end, _) = local_time(e.get_end());
            assert_eq!(tz, "Asia/Shanghai");
            // Same day, given times.
            assert_eq!(start[..10], end[..10]);
            (start[11..].to_string(), end[11..].to_string(), tz)
        })
        .collect();
    assert_eq!(
        times
            .iter()
            .map(|(s, e, _)| (s.as_str(), e.as_str()))
            .collect::<Vec<_>>(),
        [("07:00:00", "09:00:00"), ("18:30:00", "20:00:00")]
    );
    let once: Vec<&Event> = events
        .iter()
        .filter(|e| e.property_value("RRULE").is_none())
        .collect();
    assert_eq!(once.len(), 1);
    assert_eq!(
        local_time(once[0].get_start()),
        (
            "2027-01-09 10:00:00".to_string(),
            "Asia/Shanghai".to_string()
        )
    );
    assert_eq!(local_time(once[0].get_end()).0, "2027-01-09 11:30:00");
    assert!(
        once[0]
            .get_description()
            .is_some_and(|d| d.starts_with("春节前大件垃圾")),
        "the session's note comes first: {:?}",
        once[0].get_description()
    );
    for e in &events {
        assert_eq!(e.get_summary(), Some("垃圾分类指导"));
        assert_eq!(e.get_location(), Some("各楼门分类驿站，惠西社区"));
        assert_eq!(
            e.get_url(),
            Some("https://example.org/services/huixi/laji-fenlei/")
        );
        let description = e.get_description().unwrap();
        assert!(description.contains("办理流程：到桶前直接咨询值守志愿者 → "));
        assert!(description.contains("咨询电话：010-65572302"));
    }
    let mut uids: Vec<&str> = events.iter().filter_map(|e| e.get_uid()).collect();
    uids.sort();
    assert_eq!(
        uids,
        [
            "huixi/laji-fenlei/2027-01-09@example.org",
            "huixi/laji-fenlei/mon-tue-wed-thu-fri-sat-sun-0700@example.org",
            "huixi/laji-fenlei/mon-tue-wed-thu-fri-sat-sun-1830@example.org",
        ]
    );
}

/// A note such as `每月第一、第三个周四` makes the event monthly.
#[test]
fn monthly_notes_give_monthly_events() {
    let ics = text("services/huidong/wenming-keting-yishi/calendar.ics");
    let events = events(&ics);
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].property_value("RRULE"),
        Some("FREQ=MONTHLY;BYDAY=1TH,3TH")
    );
    let (start, _) = local_time(events[0].get_start());
    assert_eq!(&start[11..], "19:00:00");
    // The first event is on a first or third Thursday.
    let day: u32 = start[8..10].parse().unwrap();
    assert!(
        (1..=7).contains(&day) || (15..=21).contains(&day),
        "{start}"
    );
}

#[test]
fn paused_and_ended_services_are_left_out() {
    for (service, station, id) in [
        ("huixi/xinli-jianya", "huixi", "xinli-jianya"),
        ("huidong/shuqi-ketang", "huidong", "shuqi-ketang"),
    ] {
        assert!(
            !output()
                .join(format!("services/{service}/calendar.ics"))
                .exists(),
            "{service} must have no calendar"
        );
        let ics = text(&format!("stations/{station}/calendar.ics"));
        assert!(
            !unfold(&ics).contains(&format!("/{id}/")),
            "{service} must not be in its station's calendar"
        );
        let page = text(&format!("services/{service}/index.html"));
        assert!(
            !page.contains("calendar.ics"),
            "{service}'s page must not link to a calendar"
        );
    }
    let page = text("services/huixi/laji-fenlei/index.html");
    assert!(page.contains("href=\"calendar.ics\""));
    let page = text("stations/huixi/index.html");
    assert!(page.contains("href=\"calendar.ics\""));
}

#[test]
fn a_station_calendar_has_its_opening_hours_and_all_its_services() {
    let ics = text("stations/huidong/calendar.ics");
    let events = events(&ics);
    let hours: Vec<&Event> = events
        .iter()
        .filter(|e| e.get_summary() == Some("惠东社区社工站开放时间"))
        .collect();
    assert_eq!(hours.len(), 2, "weekdays and Saturday");
    assert_eq!(
        hours[0].property_value("RRULE"),
        Some("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")
    );
    let (start, _) = local_time(hours[0].get_start());
    let (end, _) = local_time(hours[0].get_end());
    assert_eq!((&start[11..], &end[11..]), ("09:00:00", "17:30:00"));
    assert_eq!(hours[0].property_value("TRANSP"), Some("TRANSPARENT"));
    assert_eq!(
        hours[0].get_uid(),
        Some("huidong/_hours/mon-tue-wed-thu-fri@example.org")
    );
    let station_uids: Vec<&str> = events.iter().filter_map(|e| e.get_uid()).collect();
    let files = calendars(output());
    let mut services = 0;
    for (path, bytes) in files.range("services/huidong/".to_string()..) {
        if !path.starts_with("services/huidong/") {
            break;
        }
        services += 1;
        for event in self::events(std::str::from_utf8(bytes).unwrap()) {
            let uid = event.get_uid().unwrap();
            assert!(
                station_uids.contains(&uid),
                "{uid} of {path} is missing from the station's calendar"
            );
        }
    }
    assert_eq!(services, 5, "huidong's active services");
}

#[test]
fn two_builds_give_the_same_calendars_and_uids() {
    let (first, second) = builds();
    let a = calendars(first);
    let b = calendars(second);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        let uids = |bytes: &[u8]| -> Vec<String> {
            events(std::str::from_utf8(bytes).unwrap())
                .iter()
                .filter_map(|e| e.get_uid().map(str::to_string))
                .collect()
        };
        assert_eq!(uids(bytes), uids(&b[path]), "{path}: UIDs differ");
        assert!(bytes == &b[path], "{path} differs between two builds");
    }
}

#[test]
fn descriptions_use_the_sites_interface_strings() {
    let dir = tempfile::tempdir().expect("temp");
    let site = dir.path().join("site");
    zhan::scaffold::init(&site).expect("init");
    let settings = std::fs::read_to_string(site.join("site.yaml")).expect("site.yaml");
    let settings = if settings.contains("\nstrings:") {
        settings.replacen("\nstrings:", "\nstrings:\n  contact: 联系电话", 1)
    } else {
        format!("{settings}\nstrings:\n  contact: 联系电话\n")
    };
    std::fs::write(site.join("site.yaml"), settings).expect("write");
    let out = dir.path().join("out");
    common::build_site(&site, &out);
    let ics = std::fs::read_to_string(out.join("services/huixi/laji-fenlei/calendar.ics"))
        .expect("calendar");
    let unfolded = ics.replace("\r\n ", "");
    assert!(unfolded.contains("联系电话："), "{unfolded}");
    assert!(!unfolded.contains("咨询电话："));
}
