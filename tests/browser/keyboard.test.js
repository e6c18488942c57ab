// Keyboard only: the skip link shows itself and moves focus to the main
// content; Tab reaches every control once, each with a visible focus ring
// that stands out from what is around it, and leaves the page at the end
// (no trap).
"use strict";
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { PAGES, start, visit, setElderly } = require("./helpers");
const { focusStyle } = require("./probes");

let env;
before(async () => { env = await start(); });
after(async () => { if (env) { await env.close(); } });

/* Marks every element a keyboard user can reach with Tab; returns how many. */
function markTabbable() {
  const all = document.querySelectorAll("a[href], button, input, select, textarea, [tabindex]");
  let n = 0;
  for (const el of all) {
    if (el.tabIndex < 0 || el.disabled || !el.checkVisibility({ visibilityProperty: true })) { continue; }
    if (el.closest("[hidden]")) { continue; }
    el.setAttribute("data-tab", String(n++));
  }
  return n;
}

// Every kind in the ordinary mode; in the elderly mode, whose rings differ
// only in width and colour, the kinds with the most different controls.
const ELDERLY_KINDS = new Set(["home", "station", "menu", "service", "lesson", "report", "search", "404"]);
const MODES = [
  { name: "ordinary", elderly: false, pages: PAGES },
  { name: "elderly", elderly: true, pages: PAGES.filter((p) => ELDERLY_KINDS.has(p.kind)) },
];

for (const mode of MODES) {
  describe(`keyboard, ${mode.name} mode`, () => {
    let context;
    let page;
    before(async () => {
      context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
      await setElderly(context, mode.elderly);
      page = await context.newPage();
    });
    after(async () => { await context.close(); });

    for (const p of mode.pages) {
      test(`${p.kind} ${p.path}: skip link, visible focus, no trap`, async () => {
        await visit(page, env, p.path, p.status);
        // The skip link: hidden until focused, then on screen; Enter moves focus to main.
        const hidden = await page.locator(".skip-link").boundingBox();
        assert.ok(!hidden || hidden.x + hidden.width <= 0, "the skip link is off screen until focused");
        await page.keyboard.press("Tab");
        const skip = await page.evaluate(focusStyle);
        assert.equal(skip && skip.href, "#main", "Tab first reaches the skip link");
        const box = await page.locator(".skip-link").boundingBox();
        assert.ok(box && box.x >= 0 && box.y >= 0 && box.width > 20, "the focused skip link is on screen");
        await page.keyboard.press("Enter");
        assert.equal(await page.evaluate(() => document.activeElement.id), "main", "Enter moves focus to main");

        // Tab from the top through every control.
        await visit(page, env, p.path, p.status);
        const count = await page.evaluate(markTabbable);
        const seen = new Set();
        const problems = [];
        for (let i = 0; i < count + 20; i++) {
          await page.keyboard.press("Tab");
          // (A control the page shows after loading, like the search filters, is numbered now.)
          const style = await page.evaluate(focusStyle);
          if (style === null) { break; } // left the page, back to the browser
          const f = style.id;
          if (seen.has(f)) {
            // Round again from the top is fine once everything was reached.
            assert.ok(f === "0" && seen.size >= count, `focus came back to control ${f} after ${seen.size} of ${count}: a keyboard trap`);
            break;
          }
          seen.add(f);
          const label = `${style.tag} "${style.text}"`;
          if (!style.focusVisible) { problems.push(`${label}: not :focus-visible`); }
          if (!(style.outline >= 2 || style.shadow)) { problems.push(`${label}: no focus ring (outline ${style.outline}px)`); }
          if (style.contrast < (mode.elderly ? 7 : 3)) { problems.push(`${label}: focus ring contrast ${style.contrast.toFixed(2)}`); }
          if (!style.visible) { problems.push(`${label}: focused but not visible`); }
        }
        assert.deepEqual(problems, []);
        const missed = [...Array(count).keys()].map(String).filter((n) => !seen.has(n));
        assert.deepEqual(missed, [], `Tab reached every control (${count})`);
        // Without focus the same controls have no ring: the ring is the cue.
        const idle = await page.evaluate(() => {
          document.activeElement.blur();
          const a = document.querySelector("main a[href]") || document.querySelector("a[href]");
          const s = getComputedStyle(a);
          return s.outlineStyle === "none" || parseFloat(s.outlineWidth) === 0;
        });
        assert.ok(idle, "links have no outline when not focused");
      });
    }
  });
}
