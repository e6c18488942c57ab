// Recall over a generated site: for random pieces of 2 to 6 characters cut
// from page texts, every page whose text contains the piece is found, as
// `text.includes(piece)` would find it.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { build, searcher, urls } = require("./helpers");

/* A small deterministic random generator (mulberry32). */
function random(seed) {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SUBJECTS = ["社工站", "楼门长", "居民骨干", "志愿者", "社区社会组织", "督导老师", "物业公司", "党群服务促进会"];
const VERBS = ["组织开展", "持续跟进", "共同策划", "定期回访", "积极推动", "精心设计"];
const OBJECTS = ["议事协商", "独居老人探访", "楼道环境整治", "小微项目申报", "垃圾分类宣传", "矛盾纠纷化解", "365在线服务", "A4纸张回收"];
const TAILS = ["，服务覆盖多个楼栋", "，居民参与度明显提升", "，形成了可复制的方法", "，回应了居民的急难愁盼"];

function generate(root, stations, rand) {
  const pick = (list) => list[Math.floor(rand() * list.length)];
  const sentence = () => pick(SUBJECTS) + pick(VERBS) + pick(OBJECTS) + pick(TAILS) + "。";
  const paragraph = () => Array.from({ length: 2 + Math.floor(rand() * 4) }, sentence).join("");
  const pages = [];
  const write = (rel, url, front, text) => {
    const file = path.join(root, "content", rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `---\n${front}---\n\n${text}\n`);
    pages.push({ url, text });
  };
  fs.writeFileSync(path.join(root, "site.yaml"), "title: 召回测试\nbase_url: https://example.org/\n");
  for (let s = 0; s < stations; s++) {
    const id = `s${String(s).padStart(3, "0")}`;
    write(`stations/${id}.md`, `stations/${id}/`, `title: 第${s}站\n`, paragraph());
    for (let v = 0; v < 6; v++) {
      write(`services/${id}/v${v}.md`, `services/${id}/v${v}/`, `title: 服务${s}-${v}\ncategory: 助老服务\n`, paragraph() + "\n\n" + paragraph());
    }
    write(`news/${id}-n.md`, `news/${id}-n/`, `title: 消息${s}\n`, paragraph());
  }
  return pages;
}

test("every page containing a random piece of text is found", async () => {
  const rand = random(20261129);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "zhan-recall-"));
  const pages = generate(root, 20, rand);
  const out = build(root);
  const indexUrls = urls(out);
  const { search } = searcher(out);
  let checked = 0;
  for (let n = 0; n < 300; n++) {
    // A piece of one paragraph: what a reader could copy or remember.
    const page = pages[Math.floor(rand() * pages.length)];
    const paragraphs = page.text.split("\n\n");
    const chars = Array.from(paragraphs[Math.floor(rand() * paragraphs.length)]);
    const length = 2 + Math.floor(rand() * 5);
    const start = Math.floor(rand() * (chars.length - length));
    const piece = chars.slice(start, start + length).join("");
    if (!/[\u4e00-\u9fffA-Za-z0-9]/.test(piece)) { continue; }
    const expected = pages.filter((p) => p.text.includes(piece)).map((p) => p.url);
    const found = await search.search(piece);
    const got = new Set(found.results.map((r) => indexUrls[r.doc]));
    const missing = expected.filter((u) => !got.has(u));
    assert.deepEqual(missing, [], `"${piece}": ${missing.length} of ${expected.length} pages not found`);
    checked += 1;
  }
  assert.ok(checked >= 250, `${checked} pieces checked`);
});
