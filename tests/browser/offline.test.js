// The site opened from disk, as street offices hand it around on a USB
// stick: `zhan build --for-disk`, then file:// in Chromium, no server. A
// reader walks home → station → service → the station's printable menu →
// search with results, with styles applied, elderly mode remembered, and no
// request failing on the way.
"use strict";
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const { execFileSync } = require("node:child_process");
const { chromium } = require("playwright-core");
const { repo, zhanBinary } = require("./helpers");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
let out, browser;

before(async () => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), "zhan-disk-"));
  fs.rmSync(out, { recursive: true });
  execFileSync(zhanBinary(), ["--root", repo, "build", "--for-disk", "--output", out], { stdio: "pipe" });
  browser = await chromium.launch({ executablePath: CHROMIUM });
});

after(async () => {
  if (browser) { await browser.close(); }
  if (out) { fs.rmSync(out, { recursive: true, force: true }); }
});

/* A page that records every request that failed and every script error. */
async function watchedPage() {
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = [];
  page.on("requestfailed", (r) => problems.push(`failed: ${r.url()} (${r.failure() && r.failure().errorText})`));
  page.on("pageerror", (e) => problems.push(`script error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") { problems.push(`console: ${m.text()}`); } });
  return { context, page, problems };
}

/* The page is a file of the built folder, styled by the theme's CSS. */
async function assertStyledFile(page, problems, what) {
  await page.waitForLoadState("load");
  const url = page.url();
  assert.ok(url.startsWith(pathToFileURL(out).href + "/"), `${what}: left the folder: ${url}`);
  assert.ok(fs.existsSync(decodeURIComponent(new URL(url).pathname)), `${what}: no such file: ${url}`);
  const style = await page.evaluate(() => {
    const s = getComputedStyle(document.body);
    return { margin: s.marginTop, fontSize: s.fontSize, elderly: document.documentElement.classList.contains("elderly") };
  });
  // style.css: body { margin: 0; font-size: 1.0625rem } (17px; 125% of it in elderly mode).
  assert.equal(style.margin, "0px", `${what}: style.css not applied (body margin ${style.margin})`);
  assert.equal(style.fontSize, style.elderly ? "21.25px" : "17px", `${what}: style.css not applied (font size ${style.fontSize})`);
  assert.deepEqual(problems, [], `${what}: requests failed or scripts broke`);
}

/* Follows the first link matching `selector` and checks where it led. */
async function follow(page, problems, selector, what) {
  const link = page.locator(selector).first();
  assert.ok(await link.count(), `${what}: no link ${selector} on ${page.url()}`);
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), link.click()]);
  await assertStyledFile(page, problems, what);
}

test("from file://, a reader walks home → station → service → menu → search", async () => {
  const { context, page, problems } = await watchedPage();
  await page.goto(pathToFileURL(path.join(out, "index.html")).href);
  await assertStyledFile(page, problems, "home");

  await follow(page, problems, 'main a[href="stations/huidong/index.html"]', "station");
  assert.match(page.url(), /\/stations\/huidong\/index\.html$/);
  assert.equal(await page.locator("h1").first().textContent(), "惠东社区社工站");

  await follow(page, problems, 'main a[href^="../../services/huidong/"][href$="/index.html"]:not([href="../../services/huidong/index.html"])', "service");
  assert.match(page.url(), /\/services\/huidong\/[a-z0-9-]+\/index\.html$/);

  // Back to its station through the breadcrumbs, then the printable menu.
  await follow(page, problems, 'nav a[href="../../../stations/huidong/index.html"], main a[href="../../../stations/huidong/index.html"]', "station again");
  await follow(page, problems, 'a[href="menu/index.html"]', "menu");
  assert.match(page.url(), /\/stations\/huidong\/menu\/index\.html$/);

  // The header's search box: a form submitted to search/index.html?q=…
  await page.fill(".site-search input[name=q]", "老人");
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.press(".site-search input[name=q]", "Enter")]);
  await assertStyledFile(page, problems, "search");
  assert.match(page.url(), /\/search\/index\.html\?q=/);
  await page.waitForSelector("#search-results ol li a", { timeout: 10000 });
  const status = await page.textContent("#search-status");
  assert.doesNotMatch(status, /失败|出错/, `search says: ${status}`);
  const results = await page.$$eval("#search-results ol li a", (as) => as.map((a) => a.href));
  assert.ok(results.length >= 1, "no results for 老人");
  for (const href of results) {
    assert.ok(href.startsWith("file://") && href.endsWith("index.html"), `result ${href}`);
    assert.ok(fs.existsSync(decodeURIComponent(new URL(href).pathname)), `result points nowhere: ${href}`);
  }
  // A result opens its page.
  await follow(page, problems, "#search-results ol li a", "a result");
  assert.deepEqual(problems, []);
  await context.close();
});

test("from file://, elderly mode switches on and stays on the next page", async () => {
  const { context, page, problems } = await watchedPage();
  await page.goto(pathToFileURL(path.join(out, "stations/huidong/index.html")).href);
  await assertStyledFile(page, problems, "station");
  await page.click("[data-elderly-toggle]");
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains("elderly")), true);
  assert.equal(await page.evaluate(() => getComputedStyle(document.body).fontSize), "21.25px");
  await follow(page, problems, 'a[href="../../index.html"]', "home");
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains("elderly")), true,
    "elderly mode forgotten from one file:// page to the next");
  await context.close();
});

test("说明.html at the root says how to open the site and links to it", async () => {
  const { context, page, problems } = await watchedPage();
  await page.goto(pathToFileURL(path.join(out, "说明.html")).href);
  const text = await page.textContent("body");
  assert.match(text, /解压/);
  assert.match(text, /index\.html/);
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), page.click('a[href="index.html"]')]);
  await assertStyledFile(page, problems, "home from 说明");
  await context.close();
});
