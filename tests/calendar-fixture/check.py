#!/usr/bin/env python3
"""Expands zhan's calendars with an independent library and checks the dates.

Builds the fixture site beside this file (holidays, make-up working days, a
replacing session) and the demo site with the zhan binary ($ZHAN, else
target/debug/zhan), then reads every .ics with the `icalendar` package and
expands it with `recurring-ical-events` (pip install recurring-ical-events):

* the fixture's calendars must give exactly the starts in expected.json;
* every calendar of the demo (built for a server and for disk) and of a
  generated corpus of 20 stations (../shared/bench/gencorpus.py, left out
  when missing) must parse, hold events, and expand to at least one date over
  the two years from its first event, with no event on a day its own
  calendar excludes, and no two events of one UID on the same day (a
  replacing session overrides, it does not double);
* every calendar a page links to exists, and every calendar written is
  linked from some page, so that none is left unchecked or unreachable.

Run by .ci/run after `cargo test`; alone: python3 tests/calendar-fixture/check.py
"""

import datetime
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import urllib.parse

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


def build(root, out, *options):
    subprocess.run([zhan(), "--root", str(root), "build", "--output", str(out), *options],
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


def check_site(out, label):
    failures = 0
    files = sorted(out.rglob("*.ics"))
    occurrences = 0
    for path in files:
        name = path.relative_to(out)
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        events = list(calendar.walk("VEVENT"))
        if not events:
            failures += 1
            print(f"FAIL {label} {name}: no event")
            continue
        excluded = set()
        for event in events:
            exdates = event.get("EXDATE")
            for group in exdates if isinstance(exdates, list) else [exdates] if exdates else []:
                excluded.update((str(event["UID"]), d.dt.astimezone(CHINA).date()) for d in group.dts)
        first = min(e["DTSTART"].dt.astimezone(CHINA) for e in events)
        seen = set()
        expanded = recurring_ical_events.of(calendar).between(first, first + datetime.timedelta(days=731))
        if not expanded:
            failures += 1
            print(f"FAIL {label} {name}: expands to no date")
        occurrences += len(expanded)
        for event in expanded:
            key = (str(event["UID"]), event["DTSTART"].dt.astimezone(CHINA).date())
            if key in excluded:
                failures += 1
                print(f"FAIL {label} {name}: {key[0]} held on {key[1]}, an EXDATE")
            if key in seen:
                failures += 1
                print(f"FAIL {label} {name}: {key[0]} twice on {key[1]}")
            seen.add(key)
    failures += check_links(out, label, files)
    print(f"{'ok  ' if not failures else 'FAIL'} {label}: {len(files)} calendars, {occurrences} dates")
    return failures


def check_links(out, label, files):
    """Every .ics a page links to exists; every .ics written is linked."""
    failures = 0
    linked = set()
    for page in out.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        for href in re.findall(r'href="([^"#?]*\.ics)(?:[?#][^"]*)?"', html):
            if "://" in href:
                continue
            rel = urllib.parse.unquote(href)
            target = (out / rel.lstrip("/")) if rel.startswith("/") else (page.parent / rel)
            target = pathlib.Path(os.path.normpath(target))
            if not target.is_file():
                failures += 1
                print(f"FAIL {label} {page.relative_to(out)}: links to {href}, which is missing")
            linked.add(target)
    for path in files:
        if pathlib.Path(os.path.normpath(path)) not in linked:
            failures += 1
            print(f"FAIL {label} {path.relative_to(out)}: no page links to it")
    return failures


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        build(HERE, tmp / "fixture")
        build(REPO, tmp / "demo")
        build(REPO, tmp / "demo-disk", "--for-disk")
        failures = check_fixture(tmp / "fixture")
        failures += check_site(tmp / "demo", "demo")
        failures += check_site(tmp / "demo-disk", "demo for disk")
        gencorpus = REPO.parent / "shared/bench/gencorpus.py"
        if gencorpus.exists():
            subprocess.run([sys.executable, str(gencorpus), str(tmp / "corpus"), "--stations", "20"],
                           check=True, capture_output=True)
            build(tmp / "corpus", tmp / "corpus-out")
            failures += check_site(tmp / "corpus-out", "corpus")
        else:
            print(f"skip corpus: {gencorpus} is missing")
    if failures:
        sys.exit(f"{failures} calendar check(s) failed")


if __name__ == "__main__":
    main()
