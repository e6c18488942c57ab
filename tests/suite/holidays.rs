//! Holidays, make-up working days and replacing sessions: the calendar
//! fixture (tests/calendar-fixture/) built and its EXDATE, RDATE and
//! RECURRENCE-ID lines checked after a real iCalendar parser read them; the
//! warning about overlapping sessions; the station page's opening data.
//! (tests/calendar-fixture/check.py expands the same calendars with Python's
//! recurring-ical-events and checks the dates.)

use crate::common;

use std::path::PathBuf;
use std::sync::OnceLock;

use icalendar::parser::{Component, read_calendar, unfold};

fn fixture() -> &'static PathBuf {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("holidays-fixture");
        let stderr = common::build_site(&common::repo_root().join("tests/calendar-fixture"), &out);
        assert!(
            common::diagnostics(&stderr).is_empty(),
            "the fixture builds clean:\n{stderr}"
        );
        out
    })
}

/// The VEVENTs of a calendar of the fixture, each as its properties with
/// parameters (`DTSTART;TZID=Asia/Shanghai` → value), read by the
/// `icalendar` crate's parser.
fn events(path: &str) -> Vec<Vec<(String, String)>> {
    let text = std::fs::read_to_string(fixture().join(path)).expect("calendar");
    let unfolded = unfold(&text);
    let calendar = read_calendar(&unfolded).expect("parses");
    let props = |c: &Component| {
        c.properties
            .iter()
            .map(|p| {
                let mut name = p.name.as_str().to_string();
                for param in &p.params {
                    name.push_str(&format!(
                        ";{}={}",
                        param.key.as_str(),
                        param.val.as_ref().map_or("", |v| v.as_str())
                    ));
                }
                (name, p.val.as_str().to_string())
            })
            .collect::<Vec<_>>()
    };
    calendar
        .components
        .iter()
        .filter(|c| c.name.as_str() == "VEVENT")
        .map(props)
        .collect()
}

fn get<'a>(event: &'a [(String, String)], name: &str) -> Option<&'a str> {
    event
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

const TZ: &str = ";TZID=Asia/Shanghai";

#[test]
fn holidays_are_exdates_and_make_up_days_are_rdates() {
    let list = events("services/ceshi/tanfang/calendar.ics");
    assert_eq!(list.len(), 2, "{list:?}");
    let weekly = &list[0];
    assert_eq!(
        get(weekly, "UID"),
        Some("ceshi/tanfang/tue-thu@example.org")
    );
    assert_eq!(get(weekly, "RRULE"), Some("FREQ=WEEKLY;BYDAY=TU,TH"));
    // 节假日除外: the Tuesday and Thursday of the National Day holiday.
    assert_eq!(
        get(weekly, &format!("EXDATE{TZ}")),
        Some("20261001T090000,20261006T090000")
    );
    // makeup_days: thu: both make-up working days hold Thursday's visit.
    assert_eq!(
        get(weekly, &format!("RDATE{TZ}")),
        Some("20260920T090000,20261010T090000")
    );

    // A session without a holiday rule keeps its holidays; a make-up
    // Saturday that follows Monday does not hold it.
    let saturday = &events("services/ceshi/yizhou/calendar.ics")[0];
    assert_eq!(
        get(saturday, &format!("EXDATE{TZ}")),
        Some("20261010T090000")
    );
    assert_eq!(get(saturday, &format!("RDATE{TZ}")), None);

    // The station's hours: every holiday on a weekday, both make-up days.
    let station = events("stations/ceshi/calendar.ics");
    let hours = station
        .iter()
        .find(|e| get(e, "UID") == Some("ceshi/_hours/mon-tue-wed-thu-fri@example.org"))
        .expect("opening hours");
    assert_eq!(
        get(hours, &format!("EXDATE{TZ}")),
        Some(
            "20260925T090000,20261001T090000,20261002T090000,20261005T090000,20261006T090000,20261007T090000"
        )
    );
    assert_eq!(
        get(hours, &format!("RDATE{TZ}")),
        Some("20260920T090000,20261010T090000")
    );
}

#[test]
fn a_replacing_session_overrides_the_regular_instance() {
    for path in [
        "services/ceshi/tanfang/calendar.ics",
        "stations/ceshi/calendar.ics",
    ] {
        let list = events(path);
        let of_tanfang: Vec<_> = list
            .iter()
            .filter(|e| get(e, "UID") == Some("ceshi/tanfang/tue-thu@example.org"))
            .collect();
        assert_eq!(of_tanfang.len(), 2, "{path}: the series and its override");
        let over = of_tanfang[1];
        assert_eq!(
            get(over, &format!("RECURRENCE-ID{TZ}")),
            Some("20261015T090000"),
            "{path}"
        );
        assert_eq!(get(over, &format!("DTSTART{TZ}")), Some("20261015T140000"));
        assert_eq!(get(over, &format!("DTEND{TZ}")), Some("20261015T160000"));
        assert_eq!(get(over, "RRULE"), None);
        // No second event of its own that day.
        assert!(
            !list
                .iter()
                .any(|e| get(e, "UID").is_some_and(|u| u.contains("2026-10-15"))),
            "{path}"
        );
    }
}

#[test]
fn overlapping_sessions_get_a_warning_where_they_are_written() {
    let site = common::TestSite::new();
    site.write(
        "content/services/huidong/tanfang.md",
        "---\ntitle: 空巢老人探访\ncategory: 助老服务\nschedule:\n  - days: [tue, thu]\n    time: \"09:00-11:30\"\n  - date: 2026-12-03\n    time: \"10:00-12:00\"\n  - date: 2026-12-08\n    time: \"14:00-15:00\"\n    replaces: true\n---\n\n正文。\n",
    );
    let stderr = site.build().expect("warnings do not fail the build");
    let found = common::diagnostics(&stderr);
    let codes: Vec<(&str, u32, u32)> = found
        .iter()
        .map(|d| (d.code.as_str(), d.line, d.col))
        .collect();
    assert_eq!(
        codes,
        [("W-SESSION-OVERLAP", 7, 5)],
        "the replacing session on 12-08 is no overlap:\n{stderr}"
    );
    let warning = &found[0];
    assert!(
        warning
            .file
            .ends_with("content/services/huidong/tanfang.md"),
        "{}",
        warning.file
    );
    assert_eq!(warning.severity, "warning");
    assert!(common::has_chinese(&warning.message), "{}", warning.message);
    assert!(warning.message.contains("第 5 行"), "{}", warning.message);
    assert!(warning.hint.contains("replaces: true"), "{}", warning.hint);
}

#[test]
fn the_station_page_carries_its_opening_data_and_the_table() {
    let page = std::fs::read_to_string(fixture().join("stations/ceshi/index.html")).expect("page");
    // The table is the answer without JavaScript; the line starts hidden.
    assert!(page.contains("<table class=\"sessions\">"));
    assert!(page.contains("data-opening-now hidden"));
    assert!(page.contains("js/opening.js"));
    let start = page
        .find("<script type=\"application/json\" id=\"opening-data\">")
        .expect("opening data");
    let rest = &page[start..];
    let json = &rest[rest.find('>').expect(">") + 1..rest.find("</script>").expect("end")];
    let data: serde_json::Value = serde_json::from_str(json).expect("JSON");
    let hours = &data["sessions"][0];
    assert_eq!(hours["days"], serde_json::json!([0, 1, 2, 3, 4]));
    assert_eq!(hours["start"], 540);
    assert_eq!(
        hours["extra"],
        serde_json::json!(["2026-09-20", "2026-10-10"])
    );
    assert_eq!(hours["except"][0], "2026-09-25");
    assert_eq!(data["holidays"].as_array().map(Vec::len), Some(10));
}
