// Lighthouse (npm lighthouse, pinned in tests/checkers/package.json) on one
// page of each kind of a built demo site, served on 127.0.0.1 by a small
// static server that compresses text as any web host does. Debian's Chromium,
// headless. Fails unless every page scores at least 95 for performance and
// 100 for accessibility, best practices and SEO, and the browser console
// stays clean (Lighthouse's errors-in-console audit, which also catches a
// missing favicon).
//
//   node tests/checkers/lighthouse.mjs SITE_DIR           # every kind of page
//   node tests/checkers/lighthouse.mjs SITE_DIR --quick   # the subset CI runs
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import zlib from "node:zlib";
import * as chromeLauncher from "chrome-launcher";
import lighthouse from "lighthouse";

/* One page of each kind the theme renders. `quick` is the subset CI runs;
   the full set is a documented command. */
const PAGES = [
  { kind: "home", path: "/", quick: true },
  { kind: "station", path: "/stations/huidong/", quick: true },
  { kind: "service", path: "/services/huidong/kongchao-tanfang/", quick: true },
  { kind: "organization", path: "/organizations/tongxin-weilao/" },
  { kind: "course", path: "/training/xiangmuhua-yunzuo/", quick: true },
  { kind: "lesson", path: "/training/xiangmuhua-yunzuo/shuju-pinggu/" },
  { kind: "project", path: "/projects/mulin-dian/" },
  { kind: "report", path: "/reports/shidian-yinian/", quick: true },
  { kind: "news", path: "/news/xiaohui-shangxian/" },
  { kind: "page", path: "/about/" },
  { kind: "list: stations", path: "/stations/" },
  { kind: "list: services", path: "/services/" },
  { kind: "list: organizations", path: "/organizations/" },
  { kind: "list: projects", path: "/projects/" },
  { kind: "list: reports", path: "/reports/" },
  { kind: "list: news", path: "/news/", quick: true },
  { kind: "list: training", path: "/training/" },
  { kind: "station services", path: "/services/huidong/" },
  { kind: "category", path: "/categories/%E5%8A%A9%E8%80%81%E6%9C%8D%E5%8A%A1/" },
  { kind: "tag", path: "/tags/%E8%80%81%E5%B9%B4%E4%BA%BA/" },
  { kind: "search", path: "/search/" },
  { kind: "search results", path: "/search/?q=%E5%8A%A9%E8%80%81", quick: true },
  { kind: "menu (print)", path: "/stations/huidong/menu/", quick: true },
  { kind: "course (print)", path: "/training/xiangmuhua-yunzuo/print/" },
];
const MINIMUM = { performance: 95, accessibility: 100, "best-practices": 100, seo: 100 };

const args = process.argv.slice(2);
const root = args.find((a) => !a.startsWith("--"));
const quick = args.includes("--quick");
if (!root) {
  console.error("usage: node tests/checkers/lighthouse.mjs SITE_DIR [--quick]");
  process.exit(2);
}

const TYPES = {
  ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8", ".json": "application/json",
  ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
  ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon",
  ".ics": "text/calendar; charset=utf-8", ".xml": "application/xml",
  ".txt": "text/plain; charset=utf-8", ".pdf": "application/pdf",
};
const COMPRESSIBLE = /^(text\/|application\/(json|xml)|image\/svg)/;

/* Folders answer with their index.html, anything missing with 404.html and
   status 404; text is gzipped when the browser accepts it. */
function serve(dir, listenPort) {
  const base = path.resolve(dir);
  const server = http.createServer((req, res) => {
    let rel;
    try { rel = decodeURIComponent(new URL(req.url, "http://x").pathname); } catch { rel = "/"; }
    let file = path.join(base, path.normalize(rel));
    if (!file.startsWith(base)) file = "";
    if (file && fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    let status = 200;
    if (!file || !fs.existsSync(file)) { status = 404; file = path.join(base, "404.html"); }
    const type = TYPES[path.extname(file).toLowerCase()] || "application/octet-stream";
    let body = fs.readFileSync(file);
    const headers = { "content-type": type, "cache-control": "max-age=3600" };
    if (COMPRESSIBLE.test(type) && /\bgzip\b/.test(req.headers["accept-encoding"] || "")) {
      body = zlib.gzipSync(body);
      headers["content-encoding"] = "gzip";
    }
    res.writeHead(status, headers);
    res.end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((resolve) => {
    server.listen(listenPort, "127.0.0.1", () => resolve(server));
  });
}

const server = await serve(root, 0);
const origin = `http://127.0.0.1:${server.address().port}`;
const chrome = await chromeLauncher.launch({
  chromePath: process.env.CHROMIUM || "/usr/bin/chromium",
  chromeFlags: ["--headless", "--no-sandbox"],
});
const failures = [];
const rows = [];
try {
  for (const page of PAGES.filter((p) => !quick || p.quick)) {
    const url = origin + page.path;
    const result = await lighthouse(url, {
      port: chrome.port,
      output: "json",
      logLevel: "error",
      onlyCategories: Object.keys(MINIMUM),
    });
    const { lhr } = result;
    if (lhr.runtimeError) {
      failures.push(`${page.kind} ${page.path}: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
      continue;
    }
    const scores = {};
    for (const [id, min] of Object.entries(MINIMUM)) {
      const category = lhr.categories[id];
      const score = Math.round((category.score ?? 0) * 100);
      scores[id] = score;
      if (score < min) {
        // Name the audits that cost points, with their details.
        const lost = category.auditRefs
          .filter((ref) => ref.weight > 0)
          .map((ref) => lhr.audits[ref.id])
          .filter((a) => a.score !== null && a.score < 1)
          .map((a) => `    ${a.id} (${a.score}): ${a.title}${a.displayValue ? ` — ${a.displayValue}` : ""}${detailItems(a)}`);
        failures.push(`${page.kind} ${page.path}: ${id} ${score} < ${min}\n${lost.join("\n")}`);
      }
    }
    const consoleErrors = lhr.audits["errors-in-console"];
    if (consoleErrors && consoleErrors.score !== 1) {
      failures.push(`${page.kind} ${page.path}: console not clean${detailItems(consoleErrors)}`);
    }
    rows.push(`${page.kind.padEnd(20)} ${Object.values(scores).map((s) => String(s).padStart(4)).join(" ")}  ${page.path}`);
  }
} finally {
  await chrome.kill();
  await new Promise((r) => server.close(r));
}

function detailItems(audit) {
  const items = audit.details?.items ?? [];
  return items
    .slice(0, 5)
    .map((item) => `\n      ${JSON.stringify(item.node?.snippet ?? item.url ?? item.source ?? item.description ?? item).slice(0, 300)}`)
    .join("");
}

console.log(`Lighthouse ${lighthouseVersion()}: ${rows.length} pages (perf, a11y, best practices, SEO)`);
for (const row of rows) console.log(`  ${row}`);
if (failures.length > 0) {
  for (const f of failures) console.error(f);
  process.exit(1);
}

function lighthouseVersion() {
  const pkg = new URL("./node_modules/lighthouse/package.json", import.meta.url);
  return JSON.parse(fs.readFileSync(pkg, "utf8")).version;
}
