// The "open today / next opening" line of a station page, worked out in the
// browser by js/opening.js from the data the build wrote, at fixed clocks:
// a weekday, a Saturday afternoon, a statutory holiday and a make-up working
// day (调休) of the demo's 2026 schedule, read in China time even when the
// reader's computer is in another time zone. Without JavaScript the line
// stays hidden and the table of opening hours is there.
"use strict";
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { start, visit } = require("./helpers");

let env;
before(async () => { env = await start(); });
after(async () => { if (env) { await env.close(); } });

/* 惠东: Monday to Friday 09:00-17:30 (holidays: closed), Saturday
   09:00-12:00 (法定节假日休息), makeup_days: mon. */
const STATION = "/stations/huidong/";

const CASES = [
  { at: "2026-12-07T10:00:00+08:00", open: true, text: "正在开放，今天开到 17:30", why: "a Monday morning" },
  { at: "2026-12-07T08:00:00+08:00", open: false, text: "今天 09:00 开门", why: "before opening on a Monday" },
  { at: "2026-12-05T13:00:00+08:00", open: false, text: "今天已经关门，下次开放：12月7日（周一） 09:00", why: "a Saturday afternoon" },
  { at: "2026-10-01T10:00:00+08:00", open: false, text: "今天是法定节假日，不开放，下次开放：10月8日（周四） 09:00", why: "National Day, closed to 10-07" },
  { at: "2026-10-10T13:00:00+08:00", open: true, text: "正在开放，今天开到 17:30", why: "a make-up Saturday with Monday's hours" },
  { at: "2026-12-07T00:30:00+08:00", open: false, text: "今天 09:00 开门", why: "just after midnight in China, still Sunday in New York" },
];

/* The line as a reader sees it, after the script ran. */
async function line(page) {
  const el = page.locator("[data-opening-now]");
  await el.waitFor({ state: "visible" });
  return { text: (await el.textContent()).trim(), open: await el.evaluate((e) => e.classList.contains("is-open")) };
}

describe("open today / next opening", () => {
  for (const timezoneId of ["America/New_York", "Asia/Shanghai"]) {
    for (const c of CASES) {
      test(`${c.why} (${c.at}), computer in ${timezoneId}`, async () => {
        const context = await env.browser.newContext({ timezoneId });
        try {
          const page = await context.newPage();
          await page.clock.setFixedTime(new Date(c.at));
          await visit(page, env, STATION);
          assert.deepEqual(await line(page), { text: c.text, open: c.open });
        } finally {
          await context.close();
        }
      });
    }
  }

  test("without JavaScript the line stays hidden and the table is there", async () => {
    const context = await env.browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      await visit(page, env, STATION);
      assert.equal(await page.locator("[data-opening-now]").isVisible(), false);
      const rows = await page.locator("section[aria-labelledby=opening-hours] table.sessions tbody tr").count();
      assert.equal(rows, 2, "both rows of the opening hours");
    } finally {
      await context.close();
    }
  });
});
