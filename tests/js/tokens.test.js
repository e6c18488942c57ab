// The browser's tokenizer agrees with the one that built the index.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { repo, search } = require("./helpers");

const cases = JSON.parse(fs.readFileSync(path.join(repo, "tests/search/tokens.json"), "utf8"));

test("token keys are those of the Rust tokenizer", () => {
  for (const c of cases.keys) {
    const k = search.key(c.units);
    const hex = k.h1.toString(16).padStart(8, "0") + k.h2.toString(16).padStart(8, "0");
    assert.equal(hex, c.key, JSON.stringify(c.units));
  }
});

test("queries become the same phrases and tokens", () => {
  for (const c of cases.queries) {
    const got = search.query(c.query).map((p) => p.tokens.map((t) => t.join("|")));
    assert.deepEqual(got, c.tokens, c.query);
  }
});

test("highlighting marks every occurrence, whatever the width of the characters", () => {
  const phrases = search.query("Ａ４纸");
  assert.equal(search.highlight("用A4纸，不用a4纸袋", phrases), "用<mark>A4纸</mark>，不用<mark>a4纸</mark>袋");
  assert.equal(search.highlight("<b>老人</b>", search.query("老人")), "&lt;b&gt;<mark>老人</mark>&lt;/b&gt;");
});
