// axe-core on one page of every kind: zero violations at WCAG 2.1 AA in the
// ordinary mode on a desktop and in the elderly mode on a phone, where the
// AAA contrast rule (7:1) must pass too; and the page structure a screen
// reader relies on.
"use strict";
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { PAGES, start, visit, setElderly, axe, describeViolations } = require("./helpers");

let env;
before(async () => { env = await start(); });
after(async () => { if (env) { await env.close(); } });

const MODES = [
  { name: "ordinary, 1280 px", elderly: false, viewport: { width: 1280, height: 900 } },
  { name: "elderly, 360 px", elderly: true, viewport: { width: 360, height: 800 } },
];

for (const mode of MODES) {
  describe(`axe, ${mode.name}`, () => {
    let context;
    let page;
    before(async () => {
      context = await env.browser.newContext({ viewport: mode.viewport });
      await setElderly(context, mode.elderly);
      page = await context.newPage();
    });
    after(async () => { await context.close(); });

    for (const p of PAGES) {
      test(`${p.kind} ${p.path}: no WCAG 2.1 AA violations${mode.elderly ? ", 7:1 contrast" : ""}`, async () => {
        await visit(page, env, p.path, p.status);
        assert.equal(await page.evaluate(() => document.documentElement.classList.contains("elderly")), mode.elderly);
        const found = await axe(page);
        if (mode.elderly) { found.push(...await axe(page, null, ["color-contrast-enhanced"])); }
        assert.equal(found.length, 0, `axe found problems:\n${describeViolations(p.path, found)}`);
      });
    }
  });
}

describe("structure", () => {
  let context;
  let page;
  before(async () => {
    context = await env.browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });
  after(async () => { await context.close(); });

  for (const p of PAGES) {
    test(`${p.kind} ${p.path}: one h1, lang, skip link, landmarks`, async () => {
      await visit(page, env, p.path, p.status);
      const s = await page.evaluate(() => {
        const focusable = document.querySelector("a[href], button:not([hidden]), input, select, textarea, [tabindex]:not([tabindex='-1'])");
        const main = document.querySelectorAll("main");
        return {
          lang: document.documentElement.getAttribute("lang"),
          title: document.title,
          h1: [...document.querySelectorAll("h1")].map((h) => h.textContent.trim()),
          firstFocusable: focusable && focusable.className,
          skipTarget: focusable && focusable.getAttribute("href"),
          mains: main.length,
          mainId: main[0] && main[0].id,
          banner: document.querySelectorAll("body > header").length,
          nav: document.querySelectorAll("header nav[aria-label]").length,
          contentinfo: document.querySelectorAll("body > footer").length,
          search: document.querySelectorAll("[role=search]").length,
        };
      });
      assert.equal(s.lang, "zh-CN");
      assert.ok(s.title.length > 0, "a title");
      assert.equal(s.h1.length, 1, `one h1, found ${JSON.stringify(s.h1)}`);
      assert.ok(s.h1[0].length > 0, "the h1 has text");
      assert.equal(s.firstFocusable, "skip-link", "the skip link comes first");
      assert.equal(s.skipTarget, "#main");
      assert.equal(s.mains, 1, "one main landmark");
      assert.equal(s.mainId, "main");
      assert.equal(s.banner, 1, "a banner (the site header)");
      assert.ok(s.nav >= 1, "a labelled navigation landmark");
      assert.equal(s.contentinfo, 1, "a content info landmark (the footer)");
      assert.ok(s.search >= 1, "a search landmark");
    });
  }
});
