#!/usr/bin/env python3
"""Expands zhan's calendars with an independent library and checks the dates.

Builds the fixture site beside this file (holidays, make-up working days, a
replacing session) and the demo site with the zhan binary ($ZHAN, else
target/debug/zhan), then reads every .ics with the `icalendar` package and
expands it with `recurring-ical-events` (pip install recurring-ical-events):

* the fixture's calendars must give exactly the starts in expected.json;
* every demo calendar must parse and expand over 2026-2027, with no event
  on a day its own calendar excludes, and no two events of one UID on the
  same day (a replacing session overrides, it does not double).

Run by .ci/run after `cargo test`; alone: python3 tests/calendar-fixture/check.py
"""

import datetime
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import icalendar
import recurring_ical_events

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
CHINA = datetime.timezone(datetime.timedelta(hours=8))


def zhan():
    for candidate in (os.environ.get("ZHAN"), REPO / "target/debug/zhan", REPO / "target/release/zhan"):
        if candidate and pathlib.Path(candidate).exists():
            return str(candidate)
    sys.exit("no zhan binary: run `cargo build` first, or set ZHAN")


def build(root, out):
    subprocess.run([zhan(), "--root", str(root), "build", "--output", str(out)],
                   check=True, capture_output=True)


def day(text):
    return datetime.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=CHINA)


def starts(path, start, end, uid_prefix=""):
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    out = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        if not str(event["UID"]).startswith(uid_prefix):
            continue
        out.append(event["DTSTART"].dt.astimezone(CHINA).strftime("%Y-%m-%d %H:%M"))
    return sorted(out)


def check_fixture(out):
    expected = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
    start, end = day(expected["from"]), day(expected["to"])
    failures = 0
    for case in expected["calendars"]:
        got = starts(out / case["file"], start, end, case.get("uid_prefix", ""))
        if got != case["starts"]:
            failures += 1
            missing = sorted(set(case["starts"]) - set(got))
            extra = sorted(set(got) - set(case["starts"]))
            print(f"FAIL {case['file']}: missing {missing}, unexpected {extra}")
        else:
            print(f"ok   {case['file']}: {len(got)} events")
    return failures


def check_demo(out):
    failures = 0
    files = sorted(out.rglob("*.ics"))
    for path in files:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        excluded = set()
        for event in calendar.walk("VEVENT"):
            exdates = event.get("EXDATE")
            for group in exdates if isinstance(exdates, list) else [exdates] if exdates else []:
                excluded.update((str(event["UID"]), d.dt.astimezone(CHINA).date()) for d in group.dts)
        seen = set()
        for event in recurring_ical_events.of(calendar).between(day("2026-01-01"), day("2028-01-01")):
            key = (str(event["UID"]), event["DTSTART"].dt.astimezone(CHINA).date())
            if key in excluded:
                failures += 1
                print(f"FAIL {path.relative_to(out)}: {key[0]} held on {key[1]}, an EXDATE")
            if key in seen:
                failures += 1
                print(f"FAIL {path.relative_to(out)}: {key[0]} twice on {key[1]}")
            seen.add(key)
    print(f"{'ok  ' if not failures else 'FAIL'} demo: {len(files)} calendars expanded")
    return failures


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        build(HERE, tmp / "fixture")
        build(REPO, tmp / "demo")
        failures = check_fixture(tmp / "fixture") + check_demo(tmp / "demo")
    if failures:
        sys.exit(f"{failures} calendar check(s) failed")


if __name__ == "__main__":
    main()
