// With JavaScript off, every page shows its content and its navigation:
// the same links as with JavaScript on, no dead elderly-mode button, and
// the search page offers browsing by category.
"use strict";
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { PAGES, start, visit } = require("./helpers");

let env;
before(async () => { env = await start(); });
after(async () => { if (env) { await env.close(); } });

/* What a reader can reach: the h1, main's text, every visible link. */
function reachable() {
  const visible = (el) => el.checkVisibility({ visibilityProperty: true }) && el.getBoundingClientRect().width > 0;
  const links = (sel) => [...document.querySelectorAll(sel)].filter(visible).map((a) => a.getAttribute("href"));
  const main = document.querySelector("main");
  const h1 = document.querySelector("h1");
  return {
    h1: h1 && visible(h1) ? h1.textContent.trim() : "",
    mainText: main ? main.innerText.replace(/\s+/g, "").length : 0,
    nav: links("header nav a[href]"),
    main: links("main a[href]"),
    footer: links("footer a[href]"),
    toggle: [...document.querySelectorAll("[data-elderly-toggle]")].some(visible),
    search: links("main #search-browse a[href]"),
  };
}

describe("without JavaScript", () => {
  let off;
  let on;
  let pageOff;
  let pageOn;
  before(async () => {
    off = await env.browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 800 } });
    on = await env.browser.newContext({ viewport: { width: 360, height: 800 } });
    pageOff = await off.newPage();
    pageOn = await on.newPage();
  });
  after(async () => { await off.close(); await on.close(); });

  for (const p of PAGES) {
    test(`${p.kind} ${p.path}: content and navigation are all there`, async () => {
      await visit(pageOff, env, p.path, p.status);
      await visit(pageOn, env, p.path, p.status);
      const without = await pageOff.evaluate(reachable);
      const withJs = await pageOn.evaluate(reachable);
      assert.ok(without.h1.length > 0, "a visible h1");
      assert.ok(without.mainText >= 20, `main has text (${without.mainText} characters)`);
      assert.ok(without.nav.length >= 8, `the site navigation (${without.nav.length} links)`);
      assert.deepEqual(without.nav, withJs.nav, "the same navigation as with JavaScript");
      assert.deepEqual(without.main, withJs.main, "the same links in the content as with JavaScript");
      assert.deepEqual(without.footer, withJs.footer, "the same footer links");
      assert.equal(without.toggle, false, "no elderly-mode button that would do nothing");
      assert.equal(withJs.toggle, true, "the elderly-mode button with JavaScript");
    });
  }

  test("the search page lets you browse by category and by audience", async () => {
    await visit(pageOff, env, "/search/");
    const r = await pageOff.evaluate(reachable);
    assert.ok(r.search.some((h) => h.startsWith("../categories/")), JSON.stringify(r.search));
    assert.ok(r.search.some((h) => h.startsWith("../audiences/")), JSON.stringify(r.search));
    assert.ok(await pageOff.locator("#search-browse .notice").isVisible(), "the note that search needs JavaScript");
    // A category link leads to its services.
    await pageOff.click("#search-browse a[href^='../categories/']");
    await pageOff.waitForLoadState("load");
    assert.ok(await pageOff.locator("main .card a[href^='../../services/']").count() > 0);
  });
});
