// For the browser tests of the editor: a copy of the demo site in a
// temporary folder, `zhan serve` on it, and waiting for what the page does
// in its own time.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { spawn } = require("node:child_process");
const { before, after } = require("node:test");
const { chromium } = require("playwright-core");
const { repo, zhanBinary } = require("./helpers");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

/* A copy of the demo site in a temporary folder. */
function copySite() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zhan-editor-"));
  fs.cpSync(path.join(repo, "content"), path.join(dir, "content"), { recursive: true });
  fs.copyFileSync(path.join(repo, "site.yaml"), path.join(dir, "site.yaml"));
  return dir;
}

/* Starts `zhan serve` on `root` on a free port; resolves with the child and
   the origin when its first build ended. */
function serveEditor(root) {
  const child = spawn(zhanBinary(), ["--root", root, "serve", "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let port = 0;
    let log = "";
    const timer = setTimeout(() => reject(new Error(`zhan serve did not start:\n${log}`)), 60000);
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      log += chunk;
      const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(log);
      if (m) { port = Number(m[1]); }
      if (port && /已生成 /.test(log)) {
        clearTimeout(timer);
        resolve({ child, origin: `http://127.0.0.1:${port}` });
      }
    });
    child.on("exit", (code) => reject(new Error(`zhan serve ended (${code}):\n${log}`)));
  });
}

/* Waits until `check()` is true, polling. */
async function until(check, what, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) { return; }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out: ${what}`);
}

/* The editor tests' shared setup: before their tests, a copy of the demo
   site, `zhan serve` on it and Chromium, handed to `take({ site, server,
   browser })`; after them, all three go. */
function editorSession(take) {
  const session = { site: null, server: null, browser: null };
  before(async () => {
    session.site = copySite();
    session.server = await serveEditor(session.site);
    session.browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    take(session);
  });
  after(async () => {
    if (session.browser) { await session.browser.close(); }
    if (session.server) { session.server.child.kill(); }
    if (session.site) { fs.rmSync(session.site, { recursive: true, force: true }); }
  });
}

module.exports = { copySite, serveEditor, until, editorSession };
