// Print: each demo station's service menu, printed to PDF by the browser,
// fits on one A4 sheet for the notice board, with or without backgrounds,
// and in the elderly mode too (print sizes do not grow with it).
"use strict";
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { start, visit, setElderly, stations, pdfPages } = require("./helpers");

let env;
before(async () => { env = await start(); });
after(async () => { if (env) { await env.close(); } });

describe("printed service menus", () => {
  let context;
  let page;
  before(async () => {
    context = await env.browser.newContext();
    page = await context.newPage();
  });
  after(async () => { await context.close(); });

  test("the demo has stations", () => { assert.ok(stations().length >= 3, stations().join(", ")); });

  for (const id of stations()) {
    for (const printBackground of [false, true]) {
      test(`${id}: /stations/${id}/menu/ is one A4 page${printBackground ? " with backgrounds" : ""}`, async () => {
        await visit(page, env, `/stations/${id}/menu/`);
        const pdf = await page.pdf({ format: "A4", printBackground });
        assert.equal(pdfPages(pdf), 1, `${id}: ${pdfPages(pdf)} pages`);
        const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(pdf.toString("latin1"));
        assert.ok(box && Math.abs(box[1] - 595) < 2 && Math.abs(box[2] - 842) < 2, `A4 is 595 × 842 pt: ${box && box[0]}`);
      });
    }
  }

  test("printed in the elderly mode, a menu is still one page", async () => {
    const c = await env.browser.newContext();
    await setElderly(c, true);
    const p = await c.newPage();
    for (const id of stations()) {
      await visit(p, env, `/stations/${id}/menu/`);
      assert.equal(await p.evaluate(() => document.documentElement.classList.contains("elderly")), true);
      assert.equal(pdfPages(await p.pdf({ format: "A4" })), 1, id);
    }
    await c.close();
  });

  test("the page counter counts pages", async () => {
    await page.setContent("<p style='break-after: page'>一</p><p style='break-after: page'>二</p><p>三</p>");
    assert.equal(pdfPages(await page.pdf({ format: "A4" })), 3);
  });
});
