// The elderly mode (长辈模式): one click from every page, remembered across
// pages, on before the first paint; large text and 7:1 contrast; and no page
// scrolls sideways on a 360 px phone or at 200% zoom, in either mode.
"use strict";
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { PAGES, start, visit, setElderly } = require("./helpers");
const { textContrast, sideways } = require("./probes");

let env;
before(async () => { env = await start(); });
after(async () => { if (env) { await env.close(); } });

const pressed = (page) => page.evaluate(() => ({
  on: document.documentElement.classList.contains("elderly"),
  buttons: [...document.querySelectorAll("[data-elderly-toggle]")].map((b) => b.getAttribute("aria-pressed")),
}));

describe("the switch", () => {
  let context;
  let page;
  before(async () => {
    context = await env.browser.newContext({ viewport: { width: 360, height: 800 } });
    page = await context.newPage();
  });
  after(async () => { await context.close(); });

  test("every page has the button in its header, visible, not pressed", async () => {
    for (const p of PAGES) {
      await visit(page, env, p.path, p.status);
      const button = page.locator("header [data-elderly-toggle]");
      assert.equal(await button.count(), 1, p.path);
      assert.ok(await button.isVisible(), `${p.path}: the button shows`);
      assert.equal(await button.getAttribute("aria-pressed"), "false", p.path);
      assert.equal(await button.getAttribute("type"), "button", p.path);
      assert.equal((await button.textContent()).trim(), "长辈模式", p.path);
      const box = await button.boundingBox();
      assert.ok(box.height >= 44 && box.y < 200, `${p.path}: a large button near the top (${JSON.stringify(box)})`);
    }
  });

  test("one click turns it on, it stays on across pages, another click turns it off", async () => {
    await visit(page, env, "/");
    await page.click("[data-elderly-toggle]");
    assert.deepEqual(await pressed(page), { on: true, buttons: ["true"] });
    for (const p of ["/stations/huidong/", "/services/huidong/kongchao-tanfang/", "/search/"]) {
      await visit(page, env, p);
      assert.deepEqual(await pressed(page), { on: true, buttons: ["true"] }, p);
    }
    // A link followed in the page keeps it too.
    await page.click(".site-nav a[href='../stations/']");
    await page.waitForURL(/\/stations\/$/);
    assert.deepEqual(await pressed(page), { on: true, buttons: ["true"] });
    await page.click("[data-elderly-toggle]");
    assert.deepEqual(await pressed(page), { on: false, buttons: ["false"] });
    await visit(page, env, "/");
    assert.deepEqual(await pressed(page), { on: false, buttons: ["false"] });
  });

  test("the keyboard works it: Tab to the button, Space or Enter", async () => {
    await visit(page, env, "/");
    await page.keyboard.press("Tab"); // skip link
    await page.keyboard.press("Tab"); // site title
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.hasAttribute("data-elderly-toggle")), true);
    await page.keyboard.press("Space");
    assert.deepEqual(await pressed(page), { on: true, buttons: ["true"] });
    await page.keyboard.press("Enter");
    assert.deepEqual(await pressed(page), { on: false, buttons: ["false"] });
  });

  test("the mode is on before the page is first painted (no flash)", async () => {
    const c = await env.browser.newContext({ viewport: { width: 360, height: 800 } });
    await setElderly(c, true);
    // Record the class of <html> when <body> first enters the document.
    await c.addInitScript(() => {
      new MutationObserver((changes, observer) => {
        if (document.body) {
          window.__elderlyAtBody = document.documentElement.classList.contains("elderly");
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true });
    });
    const p = await c.newPage();
    await visit(p, env, "/stations/huixi/");
    assert.equal(await p.evaluate(() => window.__elderlyAtBody), true);
    await c.close();
  });

  test("without storage (private mode, blocked cookies) the button still works on the page", async () => {
    const c = await env.browser.newContext({ viewport: { width: 360, height: 800 } });
    await c.addInitScript(() => {
      Object.defineProperty(window, "localStorage", { get() { throw new Error("blocked"); } });
    });
    const p = await c.newPage();
    await visit(p, env, "/");
    await p.click("[data-elderly-toggle]");
    assert.deepEqual(await pressed(p), { on: true, buttons: ["true"] });
    await c.close();
  });
});

/* Visible text that fails: below `minRatio` contrast, or below `minSize` px
   (labels in a chart drawn as an image with a text alternative, whose
   numbers are also in a table beside it, are held to contrast only). */
function failures(texts, minRatio, minSize) {
  const bad = texts.filter((t) => t.ratio < minRatio || (t.size < minSize && !t.graphic));
  return [...new Set(bad.map((t) => `${t.el} "${t.text}": ${t.color} on ${t.background} = ${t.ratio}:1, ${t.size}px`))];
}

const SIZES = [
  { name: "elderly", elderly: true, body: 20, prose: 20, any: 18, contrast: 7 },
  { name: "ordinary", elderly: false, body: 16, prose: 16, any: 14, contrast: 4.5 },
];

for (const m of SIZES) {
  describe(`text in the ${m.name} mode, 360 px`, () => {
    let context;
    let page;
    before(async () => {
      context = await env.browser.newContext({ viewport: { width: 360, height: 800 } });
      await setElderly(context, m.elderly);
      page = await context.newPage();
    });
    after(async () => { await context.close(); });

    for (const p of PAGES) {
      test(`${p.kind} ${p.path}: body ≥ ${m.body} px, all text ≥ ${m.any} px and ${m.contrast}:1`, async () => {
        await visit(page, env, p.path, p.status);
        const sizes = await page.evaluate(() => ({
          body: parseFloat(getComputedStyle(document.body).fontSize),
          lineHeight: parseFloat(getComputedStyle(document.body).lineHeight) / parseFloat(getComputedStyle(document.body).fontSize),
          prose: [...document.querySelectorAll("main .prose p, main .prose li, main .lead, main .card-summary, main .facts dd")]
            .map((e) => parseFloat(getComputedStyle(e).fontSize)),
        }));
        assert.ok(sizes.body >= m.body, `body text ${sizes.body}px`);
        assert.ok(sizes.lineHeight >= 1.3, `line height ${sizes.lineHeight}`);
        const small = sizes.prose.filter((s) => s < m.prose);
        assert.deepEqual(small, [], `running text below ${m.prose}px`);
        const texts = await page.evaluate(textContrast);
        assert.ok(texts.length > 10, "text found");
        assert.deepEqual(failures(texts, m.contrast, m.any), []);
      });
    }
  });
}

// 200% zoom of a 1280 px window is what the browser lays out at 640 CSS px,
// drawn with two device pixels for each CSS pixel.
const WIDTHS = [
  { name: "a 360 px phone", viewport: { width: 360, height: 760 }, deviceScaleFactor: 1 },
  { name: "200% zoom", viewport: { width: 640, height: 450 }, deviceScaleFactor: 2 },
];

for (const w of WIDTHS) {
  for (const elderly of [false, true]) {
    describe(`no sideways scroll: ${w.name}, ${elderly ? "elderly" : "ordinary"} mode`, () => {
      let context;
      let page;
      before(async () => {
        context = await env.browser.newContext({ viewport: w.viewport, deviceScaleFactor: w.deviceScaleFactor });
        await setElderly(context, elderly);
        page = await context.newPage();
      });
      after(async () => { await context.close(); });

      for (const p of PAGES) {
        test(`${p.kind} ${p.path}`, async () => {
          await visit(page, env, p.path, p.status);
          const s = await page.evaluate(sideways);
          assert.ok(s.scrollWidth <= s.clientWidth, `page is ${s.scrollWidth}px wide in a ${s.clientWidth}px window; too wide: ${s.wide.join(", ")}`);
        });
      }
    });
  }
}
