// Shared by the search tests: the browser script, a zhan binary, and an
// index read from a built site's files instead of over HTTP.
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFileSync } = require("node:child_process");

const repo = path.resolve(__dirname, "..", "..");
const search = require(path.join(repo, "themes/default/static/js/search.js"));

/* The zhan binary: $ZHAN, or the release build, or the debug build. */
function zhanBinary() {
  const candidates = [process.env.ZHAN, path.join(repo, "target/release/zhan"), path.join(repo, "target/debug/zhan")];
  const found = candidates.find((p) => p && fs.existsSync(p));
  if (!found) { throw new Error("no zhan binary: run `cargo build --release` first, or set ZHAN"); }
  return found;
}

/* Builds the site at `root` into a new temporary folder; returns it. */
function build(root) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "zhan-search-"));
  fs.rmSync(out, { recursive: true });
  execFileSync(zhanBinary(), ["--root", root, "build", "--output", out], { stdio: "pipe" });
  return out;
}

/* Counts what the searcher reads, like a browser's network panel would. */
function searcher(out) {
  const stats = { requests: 0, bytes: 0 };
  const file = (url) => {
    const bytes = fs.readFileSync(path.join(out, url.replace(/\?.*$/, "")));
    stats.requests += 1;
    stats.bytes += bytes.length;
    return bytes;
  };
  const s = search.createSearch({
    base: "/",
    fetchJson: async (url) => JSON.parse(file(url).toString("utf8")),
    fetchBytes: async (url) => { const b = file(url); return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength); },
  });
  return { search: s, stats };
}

/* Every page's address by its number in the index, relative to the site's
   folder (`services/huidong/x/`): the search page puts its own address of
   that folder in front. */
function urls(out) {
  const manifest = JSON.parse(fs.readFileSync(path.join(out, "search/index.json"), "utf8"));
  const list = [];
  for (let chunk = 0; chunk * manifest.chunk < manifest.docs; chunk++) {
    for (const f of JSON.parse(fs.readFileSync(path.join(out, `search/f/${chunk}.json`), "utf8"))) { list.push(f.u); }
  }
  return list;
}

module.exports = { repo, search, build, searcher, urls, zhanBinary };
