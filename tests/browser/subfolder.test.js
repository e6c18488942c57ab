// The demo built for a sub-folder (base_url https://example.org/guanzhuang/)
// and served at /guanzhuang/ by a small static server, as a street office
// hosts it under an existing government domain. A crawl from the home page
// follows every link, asset and fragment of every page; the addresses that
// leave the site (sitemap, feeds, calendars, open data) are checked against
// the same server; search results open pages under the sub-folder.
"use strict";
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const http = require("node:http");
const { execFileSync } = require("node:child_process");
const { chromium } = require("playwright-core");
const { repo, zhanBinary } = require("./helpers");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const PUBLIC = "https://example.org/guanzhuang/";
const PREFIX = "/guanzhuang/";
let out, server, origin;

/* Serves `root` at PREFIX only: anything else, and anything missing, is a
   404 with the site's 404.html, as a host would answer. */
function serveAt(root) {
  const srv = http.createServer((req, res) => {
    let pathname;
    try { pathname = decodeURIComponent(new URL(req.url, "http://x").pathname); } catch { pathname = "/"; }
    let file = "";
    if (pathname.startsWith(PREFIX)) {
      file = path.join(root, path.normalize(pathname.slice(PREFIX.length)));
      if (!file.startsWith(root)) { file = ""; }
    }
    if (file && fs.existsSync(file) && fs.statSync(file).isDirectory()) { file = path.join(file, "index.html"); }
    let status = 200;
    if (!file || !fs.existsSync(file)) { status = 404; file = path.join(root, "404.html"); }
    const types = { ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript" };
    const type = types[path.extname(file)] || "application/octet-stream";
    res.writeHead(status, { "content-type": type });
    res.end(fs.readFileSync(file));
  });
  return new Promise((resolve) => srv.listen(0, "127.0.0.1", () => resolve(srv)));
}

before(async () => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), "zhan-sub-"));
  fs.rmSync(out, { recursive: true });
  execFileSync(zhanBinary(), ["--root", repo, "build", "--base-url", PUBLIC, "--output", out], { stdio: "pipe" });
  server = await serveAt(out);
  origin = `http://127.0.0.1:${server.address().port}`;
});

after(async () => {
  if (server) { await new Promise((r) => server.close(r)); }
  if (out) { fs.rmSync(out, { recursive: true, force: true }); }
});

/* The URL attributes of an HTML page (href, src, action, srcset). */
function links(html) {
  const found = [];
  const attr = /\s(href|src|action|srcset)="([^"]*)"/g;
  let m;
  while ((m = attr.exec(html))) {
    const value = m[2].replace(/&amp;/g, "&");
    if (m[1] === "srcset") {
      for (const candidate of value.split(",")) { found.push(candidate.trim().split(/\s+/)[0]); }
    } else {
      found.push(value);
    }
  }
  return found;
}

/* The ids a page can be scrolled to. */
function ids(html) {
  const set = new Set();
  const re = /\s(?:id|name)="([^"]*)"/g;
  let m;
  while ((m = re.exec(html))) { set.add(m[1].replace(/&amp;/g, "&")); }
  return set;
}

async function get(url) {
  const res = await fetch(url);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

test("every link, asset and fragment of every page resolves under /guanzhuang/", async () => {
  const start = `${origin}${PREFIX}`;
  const pages = new Map(); // page URL (no fragment) → its ids
  const queue = [start];
  const fragments = []; // [from, target URL with #]
  const checked = new Map(); // non-page URL → status
  const broken = [];
  while (queue.length) {
    const url = queue.shift();
    if (pages.has(url)) { continue; }
    const { status, body } = await get(url);
    if (status !== 200) { broken.push(`${url}: ${status}`); pages.set(url, new Set()); continue; }
    const html = body.toString("utf8");
    pages.set(url, ids(html));
    for (const value of links(html)) {
      if (/^(mailto|tel|data):/.test(value)) { continue; }
      let target = new URL(value, url);
      if (target.href.startsWith(PUBLIC)) { target = new URL(target.href.slice(PUBLIC.length), start); }
      if (target.origin !== origin) { continue; }
      assert.ok(target.pathname.startsWith(PREFIX), `${url} links outside the sub-folder: ${value}`);
      const bare = target.href.replace(/#.*$/, "");
      if (target.hash) { fragments.push([url, target.href]); }
      const isPage = bare.endsWith("/") || bare.endsWith(".html") || target.search;
      if (isPage) {
        queue.push(bare);
      } else if (!checked.has(bare)) {
        const res = await get(bare);
        checked.set(bare, res.status);
        if (res.status !== 200) { broken.push(`${bare} (from ${url}): ${res.status}`); }
      }
    }
  }
  assert.deepEqual(broken, []);
  for (const [from, target] of fragments) {
    const bare = target.replace(/#.*$/, "");
    const id = decodeURIComponent(new URL(target).hash.slice(1));
    assert.ok(pages.has(bare), `${from} → ${target}: page not crawled`);
    assert.ok(pages.get(bare).has(id), `${from} → ${target}: no element with id "${id}"`);
  }
  assert.ok(pages.size > 100, `${pages.size} pages crawled`);
  assert.ok(checked.size > 20, `${checked.size} assets and files checked`);
});

test("addresses that leave the site (sitemap, feeds, calendars, open data) are under the sub-folder", async () => {
  const read = (rel) => fs.readFileSync(path.join(out, rel), "utf8");
  const addresses = [];
  for (const m of read("sitemap.xml").matchAll(/<loc>([^<]*)<\/loc>/g)) { addresses.push(m[1]); }
  for (const m of read("robots.txt").matchAll(/^Sitemap: (\S+)/gm)) { addresses.push(m[1]); }
  for (const m of read("atom.xml").matchAll(/href="([^"]*)"/g)) { addresses.push(m[1]); }
  for (const m of read("stations/huidong/calendar.ics").replace(/\r\n /g, "").matchAll(/^URL:(\S+)/gm)) { addresses.push(m[1]); }
  for (const station of JSON.parse(read("data/stations.json")).items || JSON.parse(read("data/stations.json"))) {
    if (station && station.url) { addresses.push(station.url); }
  }
  assert.ok(addresses.length > 150, `${addresses.length} addresses`);
  for (const address of addresses) {
    assert.ok(address.startsWith(PUBLIC), address);
    const local = `${origin}${PREFIX}${address.slice(PUBLIC.length)}`;
    const { status } = await get(local);
    assert.equal(status, 200, `${address} (served as ${local})`);
  }
});

test("the 404 page, shown at any address, is styled and links into the sub-folder", async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  try {
    const page = await browser.newPage();
    const res = await page.goto(`${origin}${PREFIX}no/such/page/`);
    assert.equal(res.status(), 404);
    assert.equal(await page.evaluate(() => getComputedStyle(document.body).marginTop), "0px");
    const home = await page.$eval(".site-title", (a) => a.href);
    assert.equal(home, `${origin}${PREFIX}`);
  } finally {
    await browser.close();
  }
});

test("search results served under /guanzhuang/ open pages there", async () => {
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  try {
    const page = await browser.newPage();
    const failed = [];
    page.on("requestfailed", (r) => failed.push(r.url()));
    page.on("response", (r) => { if (r.status() >= 400) { failed.push(`${r.url()} ${r.status()}`); } });
    await page.goto(`${origin}${PREFIX}search/?q=${encodeURIComponent("老人")}`);
    await page.waitForSelector("#search-results ol li a", { timeout: 10000 });
    const hrefs = await page.$$eval("#search-results ol li a", (as) => as.map((a) => a.href));
    assert.ok(hrefs.length > 0);
    for (const href of hrefs) {
      assert.ok(href.startsWith(`${origin}${PREFIX}`), href);
      assert.equal((await get(href)).status, 200, href);
    }
    assert.deepEqual(failed, []);
  } finally {
    await browser.close();
  }
});
