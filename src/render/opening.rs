//! The data behind a station page's "open today / next opening" line: the
//! station's opening hours with the days the site's holidays and make-up
//! working days change, written at build time for `js/opening.js`, which
//! works out today's answer in the reader's browser (the build reads no
//! clock, and a page built last month must still be right today).
//!
//! Each session is its pattern (weekdays, and weeks of the month for a
//! monthly one) or its date, its time in minutes, and two lists of dates
//! from [`Rules::exceptions`]: the days the pattern falls on that it is not
//! held (holidays, make-up days that follow another weekday, days a one-off
//! session replaces) and the days it is held on beyond it. The calendars are
//! made from the same rules, so the page and the `.ics` agree.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::model::config::Holidays;
use crate::model::recurrence::{self, Repeat, Replaced, Rules};
use crate::model::{Date, Station};

/// Before every declared day: the lists hold all of them.
const EARLIEST: Date = Date {
    year: 1000,
    month: 1,
    day: 1,
};

/// The strings the script shows, from the theme's strings (`opening_*` and
/// the weekday names).
const STRINGS: [&str; 8] = [
    "opening_open_until",
    "opening_later_today",
    "opening_closed_today",
    "opening_holiday_today",
    "opening_over_today",
    "opening_next",
    "opening_none",
    "opening_date",
];

/// The JSON for `js/opening.js`, safe inside a `<script>` element; None when
/// the station has no timed opening hours.
pub fn data(
    station: &Station,
    holidays: &Holidays,
    strings: &BTreeMap<String, String>,
) -> Option<String> {
    let hours = &station.opening_hours;
    if !hours.iter().any(|s| s.time.is_some()) {
        return None;
    }
    let rules = Rules {
        holidays,
        makeup: station.makeup_days,
    };
    let mut except: Vec<Vec<Date>> = vec![Vec::new(); hours.len()];
    let mut extra: Vec<Vec<Date>> = vec![Vec::new(); hours.len()];
    for (k, session) in hours.iter().enumerate() {
        if let Some(r) = recurrence::repeat(session) {
            (except[k], extra[k]) = rules.exceptions(session, &r, EARLIEST);
        }
    }
    // The day a one-off session replaces is not a day of the regular one.
    for k in 0..hours.len() {
        if let (Some(Replaced::Session(j)), Some(date)) =
            (recurrence::replaced(hours, k, rules), hours[k].date)
        {
            except[j].push(date);
            extra[j].retain(|&d| d != date);
        }
    }
    let dates = |list: &[Date]| list.iter().map(Date::to_string).collect::<Vec<_>>();
    let sessions: Vec<Value> = hours
        .iter()
        .enumerate()
        .filter_map(|(k, s)| {
            let time = s.time?;
            let mut o = json!({ "start": time.start.0, "end": time.end.0 });
            match (recurrence::repeat(s), s.date) {
                (_, Some(date)) => o["date"] = json!(date.to_string()),
                (Some(Repeat::Weekly(days)), None) => {
                    o["days"] = json!(days.iter().map(|d| d.index()).collect::<Vec<_>>());
                }
                (Some(Repeat::Monthly(day, weeks)), None) => {
                    o["days"] = json!([day.index()]);
                    o["weeks"] = json!(weeks);
                }
                (None, None) => return None,
            }
            o["except"] = json!(dates(&except[k]));
            o["extra"] = json!(dates(&extra[k]));
            Some(o)
        })
        .collect();
    let text = |key: &str| strings.get(key).cloned().unwrap_or_default();
    let shown: serde_json::Map<String, Value> = STRINGS
        .iter()
        .map(|key| (key.to_string(), json!(text(key))))
        .collect();
    let weekdays: Vec<String> = crate::model::Weekday::CODES
        .iter()
        .map(|code| text(&format!("weekday_{code}")))
        .collect();
    let closed: Vec<String> = holidays.closed.iter().map(Date::to_string).collect();
    let value = json!({
        "sessions": sessions,
        "holidays": closed,
        "strings": shown,
        "weekdays": weekdays,
    });
    let json = serde_json::to_string(&value).ok()?;
    Some(crate::escape::script_json(&json))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::values::Clock;
    use crate::model::{Session, TimeRange, Weekday};

    fn hours(days: &[Weekday], date: Option<&str>, from: u16, to: u16) -> Session {
        Session {
            days: days.to_vec(),
            date: date.and_then(Date::parse),
            time: Some(TimeRange {
                start: Clock(from),
                end: Clock(to),
            }),
            ..Session::default()
        }
    }

    #[test]
    fn the_data_holds_the_days_that_differ() {
        let mut weekdays = hours(&Weekday::ALL[..5], None, 540, 1050);
        weekdays.holidays = Some("closed".into());
        let saturday = hours(&[Weekday::Sat], None, 540, 720);
        let mut special = hours(&[], Some("2026-12-05"), 600, 660);
        special.replaces = true;
        let station = Station {
            street: None,
            community: None,
            address: None,
            phone: None,
            email: None,
            established: None,
            pilot: false,
            mascot: None,
            opening_hours: vec![weekdays, saturday, special],
            makeup_days: Some(Weekday::Mon),
            spaces: Vec::new(),
            staff: Vec::new(),
        };
        let mut h = Holidays::default();
        h.years.insert(2026);
        h.closed
            .insert(Date::parse("2026-10-01").unwrap_or(EARLIEST));
        h.workdays
            .insert(Date::parse("2026-10-10").unwrap_or(EARLIEST));
        let mut strings = BTreeMap::new();
        strings.insert("opening_next".to_string(), "下次开放：{date} {time}".into());
        strings.insert("weekday_mon".to_string(), "周一".into());
        let json = data(&station, &h, &strings).expect("data");
        let v: Value = serde_json::from_str(&json).expect("JSON");
        let s = &v["sessions"];
        assert_eq!(s[0]["days"], json!([0, 1, 2, 3, 4]));
        assert_eq!(s[0]["except"], json!(["2026-10-01"]));
        assert_eq!(s[0]["extra"], json!(["2026-10-10"]));
        assert_eq!(s[1]["except"], json!(["2026-10-10", "2026-12-05"]));
        assert_eq!(s[2]["date"], "2026-12-05");
        assert_eq!(s[2]["start"], 600);
        assert_eq!(v["holidays"], json!(["2026-10-01"]));
        assert_eq!(v["strings"]["opening_next"], "下次开放：{date} {time}");
        assert_eq!(v["weekdays"][0], "周一");
        // No timed hours, no line.
        let none = Station {
            opening_hours: Vec::new(),
            ..station
        };
        assert!(data(&none, &h, &strings).is_none());
    }
}
