// The error panel of `zhan serve`: a save that breaks the site shows the
// errors in a panel docked at the bottom, over the last good site, which
// stays readable; the worker closes it to a badge and opens it again, with
// or without JavaScript, on a phone and in the elderly mode.
"use strict";
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawn, execFileSync } = require("node:child_process");
const { chromium } = require("playwright-core");
const { zhanBinary, setElderly } = require("./helpers");
const { textContrast, sideways } = require("./probes");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const BROKEN = "content/services/huidong/kongchao-tanfang.md";
const PAGE = "/stations/huidong/";

let dir;
let site;
let serve;
let origin;
let browser;
let log = "";
let good;

/* Resolves when the server's output has a line matching `re` (after `from`). */
function waitFor(re, from, within = 60000) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      const m = re.exec(log.slice(from));
      if (m) { resolve(m); return; }
      if (Date.now() - started > within) { reject(new Error(`waited for ${re}; zhan said:\n${log}`)); return; }
      setTimeout(poll, 50);
    };
    poll();
  });
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "zhan-overlay-"));
  site = path.join(dir, "site");
  execFileSync(zhanBinary(), ["init", site], { stdio: "pipe" });
  serve = spawn(zhanBinary(), ["--root", site, "serve", "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
  serve.stderr.on("data", (chunk) => { log += chunk.toString(); });
  const m = await waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//, 0);
  origin = `http://127.0.0.1:${m[1]}`;
  await waitFor(/已生成 /, 0);
  // Break one service: a category that is not in the vocabulary.
  good = fs.readFileSync(path.join(site, BROKEN), "utf8");
  assert.ok(good.includes("category: 助老服务\n"));
  const mark = log.length;
  fs.writeFileSync(path.join(site, BROKEN), good.replace("category: 助老服务\n", "category: 助老\n"));
  await waitFor(/错误\[E-NOT-ALLOWED\]/, mark);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});

after(async () => {
  if (browser) { await browser.close(); }
  if (serve) { serve.kill(); }
  if (dir) { fs.rmSync(dir, { recursive: true, force: true }); }
});

/* What the page shows: whether the h1 is on top where it is drawn, the
   panel's box, its state, the focused element. */
function look() {
  const h1 = document.querySelector("main h1");
  const r = h1.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + Math.min(r.width, 40) / 2, r.top + r.height / 2);
  const panel = document.getElementById("zhan-overlay");
  const details = panel.querySelector("details");
  const shown = details.open ? details : details.querySelector("summary");
  const box = shown.getBoundingClientRect();
  const button = panel.querySelector("button[data-zhan-close]");
  return {
    h1: h1.textContent.trim(),
    h1OnTop: Boolean(hit && (hit === h1 || h1.contains(hit))),
    open: details.open,
    top: box.top, height: box.height, width: box.width,
    viewport: { width: innerWidth, height: innerHeight },
    summary: details.querySelector("summary").textContent.trim(),
    button: button && button.checkVisibility() ? { text: button.textContent.trim(), type: button.type } : null,
    focused: document.activeElement === document.body ? "body" : document.activeElement.tagName.toLowerCase(),
    source: [...panel.querySelectorAll("pre")].map((p) => p.innerText),
    fontSize: parseFloat(getComputedStyle(panel.querySelector("h2") || panel).fontSize),
    landmark: panel.tagName.toLowerCase() === "section" && Boolean(panel.getAttribute("aria-labelledby")),
  };
}

for (const width of [360, 1280]) {
  describe(`the panel at ${width} px`, () => {
    let context;
    let page;
    before(async () => {
      context = await browser.newContext({ viewport: { width, height: 800 } });
      page = await context.newPage();
    });
    after(async () => { await context.close(); });

    test("shows the errors without hiding the last good page", async () => {
      await page.goto(origin + PAGE, { waitUntil: "load" });
      const s = await page.evaluate(look);
      assert.equal(s.h1, "惠东社区社工站");
      assert.ok(s.h1OnTop, `the h1 is not covered: ${JSON.stringify(s)}`);
      assert.equal(s.open, true);
      assert.ok(s.height <= 0.46 * s.viewport.height, `at most 45% high: ${s.height}`);
      assert.ok(s.top >= 0.5 * s.viewport.height, `docked at the bottom: ${s.top}`);
      assert.equal(s.summary, "有 1 个错误");
      assert.deepEqual(s.button, { text: "关闭", type: "button" });
      assert.equal(s.focused, "body", "the focus is not stolen");
      assert.ok(s.landmark, "a labelled region");
      // The line in error and a caret under the value, as in the terminal.
      assert.equal(s.source.length, 1);
      const [line] = s.source[0].split("\n");
      assert.equal(line, "6 | category: 助老");
      assert.match(s.source[0], /\^\^/);
      const at = await page.evaluate(() => {
        const mark = document.querySelector("#zhan-overlay pre mark").getBoundingClientRect();
        const caret = document.querySelector("#zhan-overlay pre .zhan-caret").getBoundingClientRect();
        return { mark: [mark.left, mark.right], caret: [caret.left, caret.right] };
      });
      assert.ok(Math.abs(at.mark[0] - at.caret[0]) < 1, `the caret starts under the value: ${JSON.stringify(at)}`);
      assert.ok(Math.abs(at.mark[1] - at.caret[1]) < 1, `and ends under its end: ${JSON.stringify(at)}`);
      const low = (await page.evaluate(textContrast, "#zhan-overlay")).filter((t) => t.ratio < 4.5);
      assert.deepEqual(low, [], "contrast of 4.5:1 at least");
      assert.deepEqual((await page.evaluate(sideways)).wide, [], "no sideways scrolling");
      await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
      const violations = await page.evaluate(() => window.axe.run(
        { include: [["#zhan-overlay"]] },
        { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } },
      ).then((r) => r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)));
      assert.deepEqual(violations, [], "axe finds nothing in the panel");
    });

    test("closes to a badge, stays closed on reload, opens again", async () => {
      await page.goto(origin + PAGE, { waitUntil: "load" });
      await page.getByRole("button", { name: "关闭" }).click();
      let s = await page.evaluate(look);
      assert.equal(s.open, false);
      assert.equal(s.summary, "有 1 个错误");
      assert.equal(s.focused, "summary", "the focus goes to the badge");
      assert.ok(s.width < s.viewport.width / 2 && s.height < 80, `a small badge: ${JSON.stringify(s)}`);
      assert.ok(s.h1OnTop);
      // A reload during the same errors keeps it closed; another page too.
      await page.reload({ waitUntil: "load" });
      assert.equal((await page.evaluate(look)).open, false, "closed after a reload");
      await page.goto(origin + "/services/huidong/kongchao-tanfang/", { waitUntil: "load" });
      s = await page.evaluate(look);
      assert.equal(s.open, false, "closed on another page");
      assert.equal(s.h1, "空巢独居老人志愿探访", "the last good version of the broken page");
      // The badge opens it again, and the keyboard's Escape closes it.
      await page.locator("#zhan-overlay summary").click();
      s = await page.evaluate(look);
      assert.equal(s.open, true);
      assert.deepEqual(s.button, { text: "关闭", type: "button" });
      await page.keyboard.press("Escape");
      assert.equal((await page.evaluate(look)).open, false);
      await page.keyboard.press("Enter");
      assert.equal((await page.evaluate(look)).open, true, "Enter on the badge opens it");
      // (The state is saved on the details' toggle event, which comes a moment later.)
      await page.waitForFunction(() => sessionStorage.getItem("zhan-overlay-closed") === null);
      await page.reload({ waitUntil: "load" });
      assert.equal((await page.evaluate(look)).open, true, "open after a reload");
    });
  });
}

describe("the panel in the elderly mode at 360 px", () => {
  test("is larger, still at most 45% high, the h1 uncovered", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 800 } });
    await setElderly(context, true);
    const page = await context.newPage();
    await page.goto(origin + PAGE, { waitUntil: "load" });
    const s = await page.evaluate(look);
    assert.ok(s.fontSize >= 24, `the title grows with the root font: ${s.fontSize}`);
    assert.ok(s.height <= 0.46 * s.viewport.height, `at most 45% high: ${s.height}`);
    assert.deepEqual((await page.evaluate(sideways)).wide, [], "no sideways scrolling");
    // The large header pushes the h1 low: scrolling a little brings it
    // above the panel.
    await page.evaluate(() => window.scrollBy(0, document.querySelector("main h1").getBoundingClientRect().top - 120));
    const scrolled = await page.evaluate(look);
    assert.ok(scrolled.h1OnTop, JSON.stringify(scrolled));
    await context.close();
  });
});

describe("the panel without JavaScript", () => {
  test("shows, does not cover the page, and its badge closes and opens it", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    await page.goto(origin + PAGE, { waitUntil: "load" });
    let s = await page.evaluate(look);
    assert.equal(s.open, true);
    assert.ok(s.h1OnTop, JSON.stringify(s));
    assert.ok(s.height <= 0.46 * s.viewport.height);
    assert.equal(s.button, null, "no button that would do nothing");
    await page.locator("#zhan-overlay summary").click();
    s = await page.evaluate(look);
    assert.equal(s.open, false);
    await page.locator("#zhan-overlay summary").click();
    assert.equal((await page.evaluate(look)).open, true);
    await context.close();
  });
});

describe("the fix", () => {
  test("removes the panel", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // The tab listens for the fix before it is saved.
    const listening = page.waitForResponse((r) => r.url().endsWith("/__zhan/events"));
    await page.goto(origin + PAGE, { waitUntil: "load" });
    await listening;
    const reloaded = page.waitForEvent("load");
    fs.writeFileSync(path.join(site, BROKEN), good);
    await reloaded;
    assert.equal(await page.locator("#zhan-overlay").count(), 0);
    assert.equal((await page.locator("main h1").textContent()).trim(), "惠东社区社工站");
    await context.close();
  });
});
