//! When the sessions of a schedule are held: their weekly or monthly
//! pattern, the site's statutory holidays and make-up working days (调休),
//! and one-off sessions that replace a regular one. The calendars, the
//! station page's "open today" data and the checks of a schedule all ask
//! here, so that they agree.
//!
//! * **Holidays.** A session that is not held on statutory holidays
//!   ([`Session::closed_on_holidays`]) is not held on a day that
//!   `site.yaml › holidays` lists as `closed`.
//! * **Make-up working days.** With `makeup_days: mon` on the station or the
//!   service, a make-up working day (a weekend day listed as `workdays`)
//!   follows Monday's schedule: the weekly sessions held on Mondays are held
//!   that day, and the sessions of the day's own weekday are not. Without
//!   it, a make-up working day is like any other day.
//! * **Replacing sessions.** A one-off session with `replaces: true` is held
//!   instead of the regular session of its day (see [`replaced`]).

use super::config::Holidays;
use super::fields::Cx;
use super::{Date, Session, Weekday};
use crate::diagnostics::Diagnostic;

/// How a regular session repeats.
#[derive(Debug, Clone, PartialEq)]
pub enum Repeat {
    /// Every week on these days.
    Weekly(Vec<Weekday>),
    /// Every month on this weekday of these weeks (1..=5, or -1 for the last).
    Monthly(Weekday, Vec<i8>),
}

impl Repeat {
    /// Whether the pattern alone falls on `date`.
    pub fn matches(&self, date: Date) -> bool {
        let day = date.weekday();
        match self {
            Repeat::Weekly(days) => days.contains(&day),
            Repeat::Monthly(wanted, weeks) => {
                let from_start = (date.day as i8 - 1) / 7 + 1;
                let last = date.add_days(7).month != date.month;
                *wanted == day && weeks.iter().any(|&w| w == from_start || (w == -1 && last))
            }
        }
    }
}

/// The days of a session, in week order, each once.
pub fn days_of(days: &[Weekday]) -> Vec<Weekday> {
    let mut days = days.to_vec();
    days.sort();
    days.dedup();
    days
}

/// How `session` repeats; None for a one-off session.
pub fn repeat(session: &Session) -> Option<Repeat> {
    if session.date.is_some() || session.days.is_empty() {
        return None;
    }
    let days = days_of(&session.days);
    let monthly = session
        .note
        .as_deref()
        .and_then(|note| monthly_weeks(note, &days));
    Some(match monthly {
        Some(weeks) => Repeat::Monthly(days[0], weeks),
        None => Repeat::Weekly(days),
    })
}

/// The weeks of the month named by a note such as `每月第一、第三个周四` or
/// `每月最后一个周二`, when its weekday is the session's only day.
fn monthly_weeks(note: &str, days: &[Weekday]) -> Option<Vec<i8>> {
    let [day] = days else { return None };
    let start = note.find("每月")? + "每月".len();
    let mut rest = &note[start..];
    let mut weeks: Vec<i8> = Vec::new();
    loop {
        let week = if eat(&mut rest, "最后") {
            eat(&mut rest, "一");
            -1
        } else {
            eat(&mut rest, "第");
            let c = rest.chars().next()?;
            let n = match "一二三四五".chars().position(|x| x == c) {
                Some(p) => p as i8 + 1,
                None => c.to_digit(10).filter(|d| (1..=5).contains(d))? as i8,
            };
            rest = &rest[c.len_utf8()..];
            n
        };
        if !weeks.contains(&week) {
            weeks.push(week);
        }
        eat(&mut rest, "个");
        if !["、", "和", "及", "与", ",", "，"]
            .iter()
            .any(|sep| eat(&mut rest, sep))
        {
            break;
        }
    }
    if !(eat(&mut rest, "周") || eat(&mut rest, "星期") || eat(&mut rest, "礼拜")) {
        return None;
    }
    let c = rest.chars().next()?;
    let named = match c {
        '天' => Weekday::Sun,
        _ => Weekday::ALL["一二三四五六日".chars().position(|x| x == c)?],
    };
    weeks.sort_by_key(|&w| if w < 0 { i8::MAX } else { w });
    (named == *day).then_some(weeks)
}

/// Moves `rest` past `prefix` if it starts with it.
fn eat(rest: &mut &str, prefix: &str) -> bool {
    match rest.strip_prefix(prefix) {
        Some(after) => {
            *rest = after;
            true
        }
        None => false,
    }
}

/// The first day on or after `from` on which `repeat` holds (within a year,
/// which always finds one for the weeks `monthly_weeks` accepts).
pub fn first_on_or_after(repeat: &Repeat, from: Date) -> Date {
    (0..366)
        .map(|n| from.add_days(n))
        .find(|&d| repeat.matches(d))
        .unwrap_or(from)
}

/// What, beyond its pattern, decides the days a schedule is held on.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    pub holidays: &'a Holidays,
    /// The weekday whose sessions a make-up working day holds (`makeup_days`).
    pub makeup: Option<Weekday>,
}

impl Rules<'_> {
    /// Whether regular `session`, repeating as `repeat`, is held on `date`.
    pub fn held_on(&self, session: &Session, repeat: &Repeat, date: Date) -> bool {
        if session.closed_on_holidays() && self.holidays.is_closed(date) {
            return false;
        }
        match self.makeup {
            Some(day) if self.holidays.is_workday(date) && date.weekday() != day => {
                matches!(repeat, Repeat::Weekly(days) if days.contains(&day))
            }
            _ => repeat.matches(date),
        }
    }

    /// The declared days on or after `from` on which regular `session` is
    /// not held although its pattern falls on them (EXDATEs), and those it
    /// is held on although its pattern does not (RDATEs).
    pub fn exceptions(
        &self,
        session: &Session,
        repeat: &Repeat,
        from: Date,
    ) -> (Vec<Date>, Vec<Date>) {
        let mut except = Vec::new();
        let mut extra = Vec::new();
        for date in self.holidays.dates().filter(|&d| d >= from) {
            match (repeat.matches(date), self.held_on(session, repeat, date)) {
                (true, false) => except.push(date),
                (false, true) => extra.push(date),
                _ => {}
            }
        }
        (except, extra)
    }
}

/// What a one-off session with `replaces: true` is held instead of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replaced {
    /// The regular session at this index of the schedule, on the same day.
    Session(usize),
    /// No regular session is held that day.
    Nothing,
    /// Several are, and the time does not tell which.
    Several,
}

/// What session `i` of `sessions` replaces, if it says it replaces one: the
/// regular session held on its day, or, when several are, the one whose
/// time overlaps its own.
pub fn replaced(sessions: &[Session], i: usize, rules: Rules) -> Option<Replaced> {
    let once = &sessions[i];
    let date = once.date.filter(|_| once.replaces)?;
    let held: Vec<usize> = sessions
        .iter()
        .enumerate()
        .filter(|&(j, s)| {
            j != i && s.time.is_some() && repeat(s).is_some_and(|r| rules.held_on(s, &r, date))
        })
        .map(|(j, _)| j)
        .collect();
    Some(match held[..] {
        [] => Replaced::Nothing,
        [j] => Replaced::Session(j),
        _ => {
            let overlapping: Vec<usize> = held
                .into_iter()
                .filter(|&j| overlap(&sessions[j], once))
                .collect();
            match overlapping[..] {
                [j] => Replaced::Session(j),
                _ => Replaced::Several,
            }
        }
    })
}

/// Whether two sessions' times overlap (on a day both are held).
fn overlap(a: &Session, b: &Session) -> bool {
    match (a.time, b.time) {
        (Some(x), Some(y)) => x.start < y.end && y.start < x.end,
        _ => false,
    }
}

/// Warns about a one-off session held at the same time as a regular session
/// of its day that it does not say it replaces (a calendar would show two
/// events where there is one), and about `replaces: true` that replaces
/// nothing or cannot tell what. Two weekly sessions at the same time are
/// left alone: a service may run two groups at once, and neither could be
/// declared a replacement.
pub fn check(sessions: &[Session], rules: Rules, cx: &mut Cx) {
    for (i, s) in sessions.iter().enumerate() {
        if s.replaces && s.date.is_none() {
            cx.push(
                Diagnostic::warning(cx.file, s.pos, "W-REPLACES-WEEKLY")
                    .with_hint("H-REPLACES-WEEKLY"),
            );
        }
        let Some(date) = s.date else { continue };
        let replaced = replaced(sessions, i, rules);
        match replaced {
            Some(Replaced::Nothing) => cx.push(
                Diagnostic::warning(cx.file, s.pos, "W-REPLACES-NOTHING")
                    .arg("date", date.to_string())
                    .with_hint("H-REPLACES-NOTHING"),
            ),
            Some(Replaced::Several) => cx.push(
                Diagnostic::warning(cx.file, s.pos, "W-REPLACES-SEVERAL")
                    .arg("date", date.to_string())
                    .with_hint("H-REPLACES-SEVERAL"),
            ),
            _ => {}
        }
        for (j, regular) in sessions.iter().enumerate() {
            let Some(r) = repeat(regular) else { continue };
            if replaced == Some(Replaced::Session(j))
                || !overlap(regular, s)
                || !rules.held_on(regular, &r, date)
            {
                continue;
            }
            cx.push(
                Diagnostic::warning(cx.file, s.pos, "W-SESSION-OVERLAP")
                    .arg("line", regular.pos.line)
                    .with_hint("H-SESSION-OVERLAP"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TimeRange;
    use crate::model::values::Clock;

    fn date(text: &str) -> Date {
        Date::parse(text).unwrap()
    }

    fn at(days: &[Weekday], once: Option<&str>, from: u16, to: u16) -> Session {
        Session {
            days: days.to_vec(),
            date: once.map(date),
            time: Some(TimeRange {
                start: Clock(from * 60),
                end: Clock(to * 60),
            }),
            ..Session::default()
        }
    }

    /// 2026's National Day: closed 10-01..10-07, working Sunday 09-20 and
    /// Saturday 10-10.
    fn national_day() -> Holidays {
        let mut h = Holidays::default();
        h.years.insert(2026);
        for d in 1..=7 {
            h.closed.insert(Date {
                year: 2026,
                month: 10,
                day: d,
            });
        }
        h.workdays.insert(date("2026-09-20"));
        h.workdays.insert(date("2026-10-10"));
        h
    }

    #[test]
    fn holidays_close_only_sessions_that_say_so() {
        let h = national_day();
        let rules = Rules {
            holidays: &h,
            makeup: None,
        };
        let mut s = at(&[Weekday::Thu], None, 9, 11);
        let r = repeat(&s).unwrap();
        assert!(rules.held_on(&s, &r, date("2026-10-01")));
        s.note = Some("节假日除外，雨天改电话".into());
        assert!(!rules.held_on(&s, &r, date("2026-10-01")));
        assert!(rules.held_on(&s, &r, date("2026-10-08")));
        s.holidays = Some("open".into());
        assert!(rules.held_on(&s, &r, date("2026-10-01")));
        s.note = Some("节假日前一天增加一次电话问候".into());
        s.holidays = None;
        assert!(!s.closed_on_holidays());
        s.holidays = Some("closed".into());
        let (except, extra) = rules.exceptions(&s, &r, date("2026-01-01"));
        assert_eq!(except, [date("2026-10-01")]);
        assert!(extra.is_empty());
    }

    #[test]
    fn make_up_days_follow_the_named_weekday() {
        let h = national_day();
        let none = Rules {
            holidays: &h,
            makeup: None,
        };
        let monday = Rules {
            holidays: &h,
            makeup: Some(Weekday::Mon),
        };
        let weekdays = at(&Weekday::ALL[..5], None, 9, 17);
        let r = repeat(&weekdays).unwrap();
        let saturday = at(&[Weekday::Sat], None, 9, 12);
        let rs = repeat(&saturday).unwrap();
        // Without a rule, nothing changes.
        assert!(!none.held_on(&weekdays, &r, date("2026-10-10")));
        assert!(none.held_on(&saturday, &rs, date("2026-10-10")));
        // With one, Saturday 10-10 and Sunday 09-20 hold Monday's sessions.
        assert!(monday.held_on(&weekdays, &r, date("2026-10-10")));
        assert!(!monday.held_on(&saturday, &rs, date("2026-10-10")));
        assert_eq!(
            monday.exceptions(&weekdays, &r, date("2026-09-01")),
            (vec![], vec![date("2026-09-20"), date("2026-10-10")])
        );
        assert_eq!(
            monday.exceptions(&saturday, &rs, date("2026-09-01")),
            (vec![date("2026-10-10")], vec![])
        );
        // Only days on or after the start count.
        assert_eq!(
            monday.exceptions(&weekdays, &r, date("2026-09-21")),
            (vec![], vec![date("2026-10-10")])
        );
    }

    #[test]
    fn a_replacing_session_finds_the_session_of_its_day() {
        let h = national_day();
        let rules = Rules {
            holidays: &h,
            makeup: None,
        };
        let mut once = at(&[], Some("2026-12-03"), 14, 16);
        once.replaces = true;
        let weekly = at(&[Weekday::Thu], None, 9, 11);
        let list = [weekly.clone(), once.clone()];
        assert_eq!(replaced(&list, 1, rules), Some(Replaced::Session(0)));
        assert_eq!(replaced(&list, 0, rules), None);
        // Two sessions that day: the one whose time overlaps.
        let evening = at(&[Weekday::Thu], None, 15, 17);
        let list = [weekly.clone(), evening, once.clone()];
        assert_eq!(replaced(&list, 2, rules), Some(Replaced::Session(1)));
        let mut early = once.clone();
        early.time = Some(TimeRange {
            start: Clock(12 * 60),
            end: Clock(13 * 60),
        });
        let list = [weekly.clone(), at(&[Weekday::Thu], None, 15, 17), early];
        assert_eq!(replaced(&list, 2, rules), Some(Replaced::Several));
        // On a holiday a session closed on holidays is not held: nothing to replace.
        let mut closed = weekly;
        closed.holidays = Some("closed".into());
        let mut on_holiday = once;
        on_holiday.date = Some(date("2026-10-01"));
        assert_eq!(
            replaced(&[closed, on_holiday], 1, rules),
            Some(Replaced::Nothing)
        );
    }

    #[test]
    fn overlapping_sessions_are_warned_about() {
        let h = Holidays::default();
        let rules = Rules {
            holidays: &h,
            makeup: None,
        };
        let codes = |list: &[Session]| {
            let mut out = Vec::new();
            check(
                list,
                rules,
                &mut Cx {
                    file: "x.md",
                    out: &mut out,
                },
            );
            out.iter().map(|d| d.code).collect::<Vec<_>>()
        };
        let weekly = at(&[Weekday::Sat], None, 9, 11);
        let once = at(&[], Some("2026-12-05"), 10, 12);
        assert_eq!(
            codes(&[weekly.clone(), once.clone()]),
            ["W-SESSION-OVERLAP"]
        );
        let mut replacing = once.clone();
        replacing.replaces = true;
        assert!(codes(&[weekly.clone(), replacing.clone()]).is_empty());
        // Not the same time, or not the same day: no warning.
        assert!(codes(&[weekly.clone(), at(&[], Some("2026-12-05"), 14, 16)]).is_empty());
        assert!(codes(&[weekly.clone(), at(&[], Some("2026-12-06"), 9, 11)]).is_empty());
        // A monthly session is met only in its weeks.
        let mut first = at(&[Weekday::Sat], None, 9, 11);
        first.note = Some("每月第一个周六".into());
        assert!(codes(&[first.clone(), at(&[], Some("2026-12-12"), 10, 12)]).is_empty());
        assert_eq!(
            codes(&[first, at(&[], Some("2026-12-05"), 10, 12)]),
            ["W-SESSION-OVERLAP"]
        );
        // Two weekly sessions at once may be two groups: no warning.
        assert!(codes(&[weekly.clone(), at(&[Weekday::Sat], None, 10, 12)]).is_empty());
        // On a holiday the regular session is not held: no overlap.
        let mut h = Holidays::default();
        h.closed.insert(date("2026-12-05"));
        let mut closed = weekly.clone();
        closed.holidays = Some("closed".into());
        let mut out = Vec::new();
        check(
            &[closed, once.clone()],
            Rules {
                holidays: &h,
                makeup: None,
            },
            &mut Cx {
                file: "x.md",
                out: &mut out,
            },
        );
        assert!(out.is_empty());
        // `replaces` on a weekly session, or with nothing to replace.
        let mut wrong = weekly.clone();
        wrong.replaces = true;
        assert_eq!(codes(&[wrong]), ["W-REPLACES-WEEKLY"]);
        let mut lonely = at(&[], Some("2026-12-07"), 9, 10);
        lonely.replaces = true;
        assert_eq!(codes(&[weekly, lonely]), ["W-REPLACES-NOTHING"]);
    }
}
