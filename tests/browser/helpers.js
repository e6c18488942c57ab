// Shared by the browser tests: builds the demo site with the zhan binary,
// serves it on 127.0.0.1 with a small static server, and drives Debian's
// Chromium through playwright-core (which never downloads a browser).
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const http = require("node:http");
const { execFileSync } = require("node:child_process");
const { chromium } = require("playwright-core");

const repo = path.resolve(__dirname, "..", "..");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SCREENSHOTS = path.join(__dirname, "screenshots");

/* One page of every kind the theme renders, with the status it must answer.
   `menu` is the printable service menu of a station. */
const PAGES = [
  { kind: "home", path: "/" },
  { kind: "station", path: "/stations/huidong/" },
  { kind: "menu", path: "/stations/huidong/menu/" },
  { kind: "service", path: "/services/huidong/kongchao-tanfang/" },
  { kind: "organization", path: "/organizations/tongxin-weilao/" },
  { kind: "course", path: "/training/xiangmuhua-yunzuo/" },
  { kind: "lesson", path: "/training/xiangmuhua-yunzuo/shuju-pinggu/" },
  { kind: "project", path: "/projects/mulin-dian/" },
  { kind: "report", path: "/reports/shidian-yinian/" },
  { kind: "news", path: "/news/xiaohui-shangxian/" },
  { kind: "search", path: "/search/" },
  { kind: "directory", path: "/services/" },
  { kind: "404", path: "/no-such-page/", status: 404 },
  // Less common layouts that share the same risks (tables, long lists).
  { kind: "page", path: "/about/" },
  { kind: "category", path: "/categories/助老服务/" },
  { kind: "station-services", path: "/services/huidong/" },
  { kind: "lesson-table", path: "/training/xiangmuhua-yunzuo/yusuan-zhixing/" },
];

/* The demo stations, read from content/stations/*.md. */
function stations() {
  return fs.readdirSync(path.join(repo, "content/stations"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => f.slice(0, -3))
    .sort();
}

/* The zhan binary: $ZHAN, or the debug build `cargo test` leaves, or a release build. */
function zhanBinary() {
  const candidates = [process.env.ZHAN, path.join(repo, "target/debug/zhan"), path.join(repo, "target/release/zhan")];
  const found = candidates.find((p) => p && fs.existsSync(p));
  if (!found) { throw new Error("no zhan binary: run `cargo build` first, or set ZHAN"); }
  return found;
}

/* Builds the site at `root` (the demo site) into a new temporary folder;
   returns it. */
function buildSite(root = repo) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "zhan-browser-"));
  fs.rmSync(out, { recursive: true });
  try {
    execFileSync(zhanBinary(), ["--root", root, "build", "--output", out], { stdio: "pipe" });
  } catch (e) {
    throw new Error(`zhan build failed:\n${e.stderr ? e.stderr.toString() : e.message}`);
  }
  return out;
}

const TYPES = {
  ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8", ".json": "application/json",
  ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
  ".ics": "text/calendar; charset=utf-8", ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
  ".pdf": "application/pdf",
};

/* Serves `root` on 127.0.0.1 at a free port: folders answer with their
   index.html, anything missing with 404.html and status 404, like a host. */
function serve(root) {
  const server = http.createServer((req, res) => {
    let rel;
    try { rel = decodeURIComponent(new URL(req.url, "http://x").pathname); } catch { rel = "/"; }
    let file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root)) { file = ""; }
    if (file && fs.existsSync(file) && fs.statSync(file).isDirectory()) { file = path.join(file, "index.html"); }
    let status = 200;
    if (!file || !fs.existsSync(file)) { status = 404; file = path.join(root, "404.html"); }
    const type = TYPES[path.extname(file).toLowerCase()] || "application/octet-stream";
    res.writeHead(status, { "content-type": type });
    res.end(req.method === "HEAD" ? undefined : fs.readFileSync(file));
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve({ server, origin: `http://127.0.0.1:${server.address().port}` }));
  });
}

/* Everything a test file needs: the built site, its server, a browser.
   Call in `before`, and `close()` in `after`. */
async function start(root = repo) {
  const out = buildSite(root);
  const { server, origin } = await serve(out);
  const browser = await chromium.launch({ executablePath: CHROMIUM });
  return {
    out, origin, browser,
    url: (p) => origin + encodeURI(p),
    async close() {
      await browser.close();
      await new Promise((r) => server.close(r));
      fs.rmSync(out, { recursive: true, force: true });
    },
  };
}

/* Opens `p` in `page` and checks the answer's status. */
async function visit(page, env, p, status = 200) {
  const res = await page.goto(env.url(p), { waitUntil: "load" });
  if (!res || res.status() !== status) {
    throw new Error(`${p}: status ${res && res.status()}, expected ${status}`);
  }
  return res;
}

/* Turns the elderly (large-text, high-contrast) mode on or off for the next
   pages of `context`, as the header button leaves it in localStorage. */
async function setElderly(context, on) {
  await context.addInitScript((v) => {
    try { if (v) { localStorage.setItem("zhan-elderly", "1"); } else { localStorage.removeItem("zhan-elderly"); } } catch { /* no storage */ }
  }, on);
}

const axePath = require.resolve("axe-core/axe.min.js");

/* Runs axe-core in `page` with the given tags; returns its violations. */
async function axe(page, tags = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"], rules) {
  await page.addScriptTag({ path: axePath });
  const options = rules ? { runOnly: { type: "rule", values: rules } } : { runOnly: { type: "tag", values: tags } };
  return page.evaluate((opts) => window.axe.run(document, opts).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary })),
  }))), options);
}

/* A readable account of axe violations, for assertion messages. */
function describeViolations(where, violations) {
  const lines = [];
  for (const v of violations) {
    lines.push(`${where}: [${v.id}] (${v.impact}) ${v.help}`);
    for (const n of v.nodes.slice(0, 8)) {
      lines.push(`    at ${n.target}`);
      for (const s of (n.summary || "").split("\n")) { lines.push(`      ${s}`); }
    }
    if (v.nodes.length > 8) { lines.push(`    … and ${v.nodes.length - 8} more`); }
  }
  return lines.join("\n");
}

/* Counts the pages of a PDF: its `/Type /Page` objects (not `/Pages`). */
function pdfPages(bytes) {
  const text = Buffer.from(bytes).toString("latin1");
  return (text.match(/\/Type\s*\/Page(?![a-zA-Z])/g) || []).length;
}

module.exports = {
  repo, PAGES, SCREENSHOTS, stations, zhanBinary, buildSite, serve, start, visit,
  setElderly, axe, describeViolations, pdfPages,
};
