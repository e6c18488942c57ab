// "Open today / next opening" on a station page. The build writes the
// station's opening hours as JSON beside this script (#opening-data): each
// session's weekdays (0 = Monday) or date, its time in minutes, and the days
// the site's holidays and make-up working days (调休) change. This script
// answers for today in China time (UTC+8, whatever the reader's own time
// zone), so a page built weeks ago is still right. Without JavaScript the
// line stays hidden and the table of opening hours is the answer.
(function () {
  "use strict";
  var DAY = 86400000;
  var CHINA = 8 * 3600000;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // Day `n` since 1970-01-01, as the parts the sessions are matched on.
  function day(n) {
    var t = new Date(n * DAY);
    var y = t.getUTCFullYear(), m = t.getUTCMonth() + 1, d = t.getUTCDate();
    var monthDays = new Date(Date.UTC(y, m, 0)).getUTCDate();
    return {
      iso: y + "-" + pad(m) + "-" + pad(d),
      month: m,
      day: d,
      weekday: (t.getUTCDay() + 6) % 7,
      week: Math.floor((d - 1) / 7) + 1,
      last: d + 7 > monthDays
    };
  }

  function held(s, d) {
    if (s.date) { return s.date === d.iso; }
    if (s.except.indexOf(d.iso) >= 0) { return false; }
    if (s.extra.indexOf(d.iso) >= 0) { return true; }
    if (s.days.indexOf(d.weekday) < 0) { return false; }
    if (!s.weeks) { return true; }
    for (var i = 0; i < s.weeks.length; i++) {
      if (s.weeks[i] === d.week || (s.weeks[i] === -1 && d.last)) { return true; }
    }
    return false;
  }

  // The [start, end] minutes the station is open on day `d`, in order.
  function hoursOn(sessions, d) {
    var out = [];
    for (var i = 0; i < sessions.length; i++) {
      if (held(sessions[i], d)) { out.push([sessions[i].start, sessions[i].end]); }
    }
    out.sort(function (a, b) { return a[0] - b[0]; });
    return out;
  }

  function clock(minutes) { return pad(Math.floor(minutes / 60) % 24) + ":" + pad(minutes % 60); }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : all;
    });
  }

  // What to say at `now` (milliseconds since 1970, UTC).
  function answer(data, now) {
    var s = data.strings;
    var china = now + CHINA;
    var today = Math.floor(china / DAY);
    var minute = Math.floor((china - today * DAY) / 60000);
    var d = day(today);
    var hours = hoursOn(data.sessions, d);
    var lines = [];
    for (var i = 0; i < hours.length; i++) {
      if (hours[i][0] <= minute && minute < hours[i][1]) {
        // Sessions that follow on without a break keep it open.
        var end = hours[i][1];
        for (var j = i + 1; j < hours.length && hours[j][0] <= end; j++) { end = Math.max(end, hours[j][1]); }
        return { open: true, lines: [fill(s.opening_open_until, { time: clock(end) })] };
      }
      if (minute < hours[i][0]) {
        return { open: false, lines: [fill(s.opening_later_today, { time: clock(hours[i][0]) })] };
      }
    }
    if (hours.length) {
      lines.push(s.opening_over_today);
    } else if (data.holidays.indexOf(d.iso) >= 0) {
      lines.push(s.opening_holiday_today);
    } else {
      lines.push(s.opening_closed_today);
    }
    for (var n = 1; n <= 366; n++) {
      var next = day(today + n);
      var on = hoursOn(data.sessions, next);
      if (on.length) {
        var date = fill(s.opening_date, { month: next.month, day: next.day, weekday: data.weekdays[next.weekday] });
        lines.push(fill(s.opening_next, { date: date, time: clock(on[0][0]) }));
        return { open: false, lines: lines };
      }
    }
    lines.push(s.opening_none);
    return { open: false, lines: lines };
  }

  function show() {
    var source = document.getElementById("opening-data");
    var target = document.querySelector("[data-opening-now]");
    if (!source || !target) { return; }
    var data;
    try { data = JSON.parse(source.textContent); } catch (e) { return; }
    var result = answer(data, Date.now());
    target.textContent = result.lines.join("，");
    target.className = "opening-now " + (result.open ? "is-open" : "is-closed");
    target.hidden = false;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", show);
  } else {
    show();
  }
})();
