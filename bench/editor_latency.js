#!/usr/bin/env node
// Editor latency benchmark: keystroke to updated preview, in a real browser,
// on the 600-station corpus.
//
//   node bench/editor_latency.js [--corpus DIR] [--keys N] [--rounds R]
//                                [--zhan PATH] [--stations N] [--json FILE]
//
// Generates the corpus when DIR has none (python3 ../shared/bench/gencorpus.py
// DIR --stations N), copies it into a temporary folder (the corpus itself is
// never written), builds zhan --release (unless --zhan), starts `zhan serve
// --port 0` on the copy and waits for its first build. Then, in headless
// Chromium (Debian's, driven by the playwright-core of tests/browser/), it
// opens the editor on one service at 1280 × 900 (form and preview side by
// side) and types N keys into the title field, then N keys at the end of the
// body, one key at a time: each key is pressed only after the preview showed
// the one before (or 3 s passed), then a pause of 100 ms.
//
// One sample is the time from the key's `keydown` event (page clock) to the
// paint after the page with that key in it is in the preview frame (the
// editor counts each page it puts there in the frame's `data-updates`: a
// MutationObserver sees it, and the frame's document is read for the key;
// the paint is taken as done when a task queued from the next animation
// frame runs): the preview request, the page put in the frame (its body
// replaced, or a new document loaded), laid out and painted. Also printed:
// the p50 of the parts, keydown to the preview request's answer and keydown
// to the page in the frame. A key whose preview never came (3 s) counts as
// missed. Prints p50, p95 (nearest rank) and max per field and round, then
// min / median / max of each over the rounds, and whether the p95 of every
// round is under 150 ms (issue 12's goal; reported, never failing).
// Exit status: 0 when it ran; 2 when a setup step failed.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawn, execFileSync } = require("node:child_process");

const REPO = path.resolve(__dirname, "..");
const GOAL_P95_MS = 150;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

function fail(message) {
  console.error(message);
  process.exit(2);
}

function options() {
  const o = {
    corpus: path.join(REPO, "target", "bench", "c600"),
    stations: 600,
    keys: 40,
    rounds: 3,
    zhan: null,
    json: null,
    gencorpus: path.resolve(REPO, "..", "shared", "bench", "gencorpus.py"),
  };
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i += 1) {
    const name = args[i].replace(/^--/, "");
    if (!(name in o)) { fail(`unknown option ${args[i]}`); }
    const value = args[i + 1];
    i += 1;
    o[name] = ["keys", "rounds", "stations"].includes(name) ? Number(value) : value;
  }
  if (!(o.keys >= 1 && o.rounds >= 1)) { fail("--keys and --rounds must be at least 1"); }
  return o;
}

function playwright() {
  try {
    return require(path.join(REPO, "tests", "browser", "node_modules", "playwright-core"));
  } catch (e) {
    return fail("playwright-core is not installed: npm ci --prefix tests/browser");
  }
}

function nearestRank(sorted, p) {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/* The corpus at `dir`, generated when missing. */
function corpus(o) {
  if (fs.existsSync(path.join(o.corpus, "content"))) { return o.corpus; }
  if (!fs.existsSync(o.gencorpus)) { fail(`no corpus at ${o.corpus} and no generator at ${o.gencorpus}`); }
  console.error(`generating the ${o.stations}-station corpus in ${o.corpus} ...`);
  fs.mkdirSync(path.dirname(o.corpus), { recursive: true });
  execFileSync("python3", [o.gencorpus, o.corpus, "--stations", String(o.stations)], { stdio: "inherit" });
  return o.corpus;
}

function zhanBinary(o) {
  if (o.zhan) { return o.zhan; }
  execFileSync("cargo", ["build", "--release", "--quiet"], { cwd: REPO, stdio: "inherit" });
  const target = process.env.CARGO_TARGET_DIR || path.join(REPO, "target");
  return path.join(target, "release", "zhan");
}

/* Starts `zhan serve` on `site`; resolves with its origin after the first build. */
function serve(zhan, site) {
  const child = spawn(zhan, ["--root", site, "serve", "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let log = "";
    let port = 0;
    const started = Date.now();
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      log += chunk;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
      if (m) { port = Number(m[1]); }
      if (port && /已生成 |错误\[/.test(log)) {
        console.error(`first build: ${((Date.now() - started) / 1000).toFixed(1)} s`);
        resolve({ child, origin: `http://127.0.0.1:${port}` });
        log = "";
      }
    });
    child.on("exit", (code) => reject(new Error(`zhan serve ended (${code}):\n${log}`)));
  });
}

/* A service of the corpus: the first of the middle station's folder. */
function pickService(site) {
  const folders = fs.readdirSync(path.join(site, "content", "services")).sort();
  const folder = folders[Math.floor(folders.length / 2)];
  const names = fs.readdirSync(path.join(site, "content", "services", folder))
    .filter((n) => n.endsWith(".md") && n !== "_index.md").sort();
  return `services/${folder}/${names[0]}`;
}

/* In the page: times each key to the preview that shows it. */
function installProbe() {
  const frame = document.getElementById("preview-frame");
  window.__probe = { t0: 0, expect: null, done: null, input: null, set: null };
  document.addEventListener("keydown", () => { window.__probe.t0 = performance.now(); window.__probe.input = null; }, true);
  document.addEventListener("input", () => {
    if (window.__probe.input === null) { window.__probe.input = performance.now() - window.__probe.t0; }
  }, true);
  // When the answer arrived: the editor's request for the preview answered.
  const fetchBefore = window.fetch;
  window.fetch = (...args) => fetchBefore(...args).then((r) => {
    if (/\/api\/preview$/.test(String(args[0])) && window.__probe.set === null) {
      window.__probe.set = performance.now() - window.__probe.t0;
    }
    return r;
  });
  // The editor counts each new page in the frame in data-updates, once it
  // is there (its body replaced, or a new document loaded).
  new MutationObserver(() => {
    const p = window.__probe;
    if (p.expect === null || p.done !== null) { return; }
    const shown = performance.now();
    const doc = frame.contentDocument;
    if (!doc || !doc.documentElement.outerHTML.includes(p.expect)) { return; }
    // The frame after the change is painted once its animation-frame
    // callbacks ran; a task queued from one runs after that paint.
    requestAnimationFrame(() => setTimeout(() => {
      p.done = { total: performance.now() - p.t0, loaded: shown - p.t0, set: p.set, input: p.input };
    }, 0));
  }).observe(frame, { attributes: true, attributeFilter: ["data-updates"] });
}

/* Types `keys` one at a time into the focused field; returns the samples.
   `shows(typed)` is the text the preview holds once `typed` is in. */
async function typeAndTime(page, shows, keys) {
  const samples = [];
  let missed = 0;
  let typed = "";
  for (const key of keys) {
    typed += key;
    await page.evaluate((expect) => { Object.assign(window.__probe, { expect, done: null, set: null }); }, shows(typed));
    await page.keyboard.press(key);
    try {
      await page.waitForFunction(() => window.__probe.done !== null, null, { timeout: 3000, polling: 5 });
      samples.push(await page.evaluate(() => window.__probe.done));
    } catch (e) {
      missed += 1;
    }
    await page.waitForTimeout(100);
  }
  return { samples, missed };
}

function summary(result) {
  const totals = result.samples.map((s) => s.total).sort((a, b) => a - b);
  if (!totals.length) { return { n: 0, missed: result.missed }; }
  return {
    n: totals.length,
    missed: result.missed,
    p50: nearestRank(totals, 50),
    p95: nearestRank(totals, 95),
    max: totals[totals.length - 1],
    loadedP50: nearestRank(result.samples.map((s) => s.loaded).sort((a, b) => a - b), 50),
    setP50: nearestRank(result.samples.map((s) => s.set).sort((a, b) => a - b), 50),
  };
}

function show(label, s) {
  if (!s.n) { return `${label}: no preview came (${s.missed} missed)`; }
  return `${label}: ${s.n} keys, ${s.missed} missed; p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, `
    + `max ${s.max.toFixed(1)} ms (p50 of the parts: answer in ${s.setP50.toFixed(1)} ms, in the frame `
    + `${s.loadedP50.toFixed(1)} ms)`;
}

async function main() {
  const o = options();
  const { chromium } = playwright();
  const source = corpus(o);
  const zhan = zhanBinary(o);
  const work = fs.mkdtempSync(path.join(fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir(), "zhan-latency-"));
  const site = path.join(work, "site");
  fs.cpSync(source, site, { recursive: true, filter: (p) => path.basename(p) !== "output" || path.dirname(p) !== source });
  const files = fs.readdirSync(path.join(site, "content", "stations")).filter((n) => n.endsWith(".md")).length;
  let server = null;
  let browser = null;
  const rounds = [];
  try {
    server = await serve(zhan, site);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    const service = pickService(site);
    console.log(`corpus: ${source} (${files} stations)  file: ${service}`);
    // ASCII keys: each is a real key event (keydown, input), like typing.
    const letters = "abcdefghijklmnopqrstuvwxyz";
    const keys = Array.from({ length: o.keys }, (_, i) => letters[i % letters.length]);
    for (let r = 0; r < o.rounds; r += 1) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await page.goto(`${server.origin}/_zhan/edit?path=${encodeURIComponent(service)}`);
      await page.locator("#editor-form").waitFor();
      // The first preview, of the file as it is.
      await page.waitForFunction(() => Number(document.getElementById("preview-frame").getAttribute("data-updates")) >= 1,
        null, { timeout: 30000 });
      await page.evaluate(installProbe);
      const title = page.getByLabel(/^标题/);
      await title.click();
      await page.keyboard.press("End");
      // What the preview must contain once a key is in: the title as typed
      // so far; in the body, a new last paragraph of the keys so far.
      const before = await title.inputValue();
      const inTitle = await typeAndTime(page, (typed) => before + typed, keys);
      const body = page.locator("textarea.body");
      await body.click();
      await page.keyboard.press("Control+End");
      await page.keyboard.press("Enter");
      await page.keyboard.press("Enter");
      await page.waitForTimeout(500);
      const inBody = await typeAndTime(page, (typed) => `<p>${typed}</p>`, keys);
      rounds.push({ title: summary(inTitle), body: summary(inBody) });
      console.log(`round ${r + 1}`);
      console.log(`  ${show("title", rounds[r].title)}`);
      console.log(`  ${show("body ", rounds[r].body)}`);
      await context.close();
    }
  } finally {
    if (browser) { await browser.close(); }
    if (server) { server.child.kill(); }
    fs.rmSync(work, { recursive: true, force: true });
  }
  const over = {};
  let met = true;
  for (const field of ["title", "body"]) {
    const done = rounds.map((r) => r[field]).filter((s) => s.n);
    if (!done.length) { met = false; continue; }
    over[field] = {};
    for (const stat of ["p50", "p95", "max"]) {
      const values = done.map((s) => s[stat]);
      over[field][stat] = { min: Math.min(...values), median: median(values), max: Math.max(...values) };
    }
    const s = over[field];
    console.log(`${field}: p50 ${s.p50.min.toFixed(1)} / ${s.p50.median.toFixed(1)} / ${s.p50.max.toFixed(1)} ms, `
      + `p95 ${s.p95.min.toFixed(1)} / ${s.p95.median.toFixed(1)} / ${s.p95.max.toFixed(1)} ms `
      + `(min / median / max of ${done.length} rounds)`);
    met = met && s.p95.max < GOAL_P95_MS && done.every((d) => d.missed === 0);
  }
  console.log(`p95 under ${GOAL_P95_MS} ms in every round: ${met ? "yes" : "no"}`);
  if (o.json) { fs.writeFileSync(o.json, JSON.stringify({ rounds, over }, null, 2)); }
}

main().catch((e) => fail(e.stack || String(e)));
