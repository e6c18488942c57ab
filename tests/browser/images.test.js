// Page weight: a news page with ten 12-megapixel phone photos (3–5 MB
// each, made by the `phone_photos` example that `cargo test` builds) must
// transfer at most 600 KB on a 360 px phone, scrolled from top to bottom so
// every lazily loaded photo loads. zhan publishes the photos resized; the
// browser picks the variant `srcset` and `sizes` make right for the screen.
"use strict";
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { start, zhanBinary, axe, describeViolations, visit } = require("./helpers");

const PHOTOS = 10;
const BUDGET = 600 * 1000;

let env;
let site;
before(async () => {
  site = fs.mkdtempSync(path.join(os.tmpdir(), "zhan-photos-"));
  fs.rmSync(site, { recursive: true });
  execFileSync(zhanBinary(), ["init", site, "--empty"], { stdio: "pipe" });
  const photos = path.join(path.dirname(zhanBinary()), "examples", "phone_photos");
  if (!fs.existsSync(photos)) { throw new Error(`${photos} missing: run \`cargo test\` (it builds the examples) first`); }
  const news = path.join(site, "content", "news");
  execFileSync(photos, [news, String(PHOTOS)], { stdio: "pipe" });
  const names = fs.readdirSync(news).filter((f) => f.endsWith(".jpg")).sort();
  assert.equal(names.length, PHOTOS);
  for (const name of names) {
    const size = fs.statSync(path.join(news, name)).size;
    assert.ok(size > 2.5e6, `${name} is phone-sized: ${size} bytes`);
  }
  const body = names.map((n, i) => `第${i + 1}张照片前的一段文字，讲活动的经过。\n\n![活动照片${i + 1}](${n})\n`).join("\n");
  fs.writeFileSync(path.join(news, "huodong.md"),
    `---\ntitle: 重阳节活动\ndate: 2026-10-29\n---\n\n${body}`);
  const gallery = names.slice(0, 3).map((n, i) => `  - file: ${n}\n    caption: 重阳节活动照片${i + 1}\n`).join("");
  fs.writeFileSync(path.join(news, "xiangce.md"),
    `---\ntitle: 活动相册\ndate: 2026-10-30\ncover: ${names[3]}\ncover_alt: 活动现场\ngallery:\n${gallery}---\n\n活动的照片。\n`);
  env = await start(site);
});
after(async () => {
  if (env) { await env.close(); }
  if (site) { fs.rmSync(site, { recursive: true, force: true }); }
});

/* Opens the page at `width` CSS px and `scale`, scrolls to the bottom a
   screen at a time, and returns the bytes transferred (bodies and headers)
   and what each image loaded. */
async function transferred(width, scale) {
  const context = await env.browser.newContext({ viewport: { width, height: 640 }, deviceScaleFactor: scale });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
  let bytes = 0;
  cdp.on("Network.loadingFinished", (e) => { bytes += e.encodedDataLength; });
  await page.goto(env.url("/news/huodong/"), { waitUntil: "load" });
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  for (let y = 0; y <= height; y += 400) {
    await page.evaluate((top) => window.scrollTo(0, top), y);
    await page.waitForTimeout(60);
  }
  await page.waitForLoadState("networkidle");
  await page.waitForFunction(() => [...document.images].every((i) => i.complete));
  const images = await page.evaluate(() => [...document.querySelectorAll(".prose img")].map((i) => ({
    src: i.currentSrc, loaded: i.naturalWidth > 0, lazy: i.loading,
  })));
  await context.close();
  return { bytes, images };
}

describe("page weight of photos", () => {
  test(`ten 12-megapixel photos transfer at most ${BUDGET / 1000} KB at 360 px`, async () => {
    const { bytes, images } = await transferred(360, 1);
    assert.equal(images.length, PHOTOS);
    for (const image of images) {
      assert.ok(image.loaded, `${image.src} loaded`);
      assert.equal(image.lazy, "lazy");
      assert.match(image.src, /-360-[0-9a-f]{8}\.jpg$/, "the 360 px variant");
      assert.doesNotMatch(image.src, /photo-\d{3}\.jpg$/, "never the original");
    }
    console.log(`360 px, 1x: ${bytes} bytes for the page with ${PHOTOS} photos`);
    assert.ok(bytes <= BUDGET, `${bytes} bytes transferred, budget ${BUDGET}`);
  });

  test("a 2x phone gets sharper photos, still a fraction of the originals", async () => {
    const { bytes, images } = await transferred(360, 2);
    for (const image of images) { assert.match(image.src, /-720-[0-9a-f]{8}\.jpg$/); }
    console.log(`360 px, 2x: ${bytes} bytes`);
    assert.ok(bytes <= 3 * BUDGET, `${bytes} bytes`);
  });
});

describe("a gallery", () => {
  test("is figures with captions, lazily loaded, and passes axe at 360 px", async () => {
    const context = await env.browser.newContext({ viewport: { width: 360, height: 640 } });
    const page = await context.newPage();
    await visit(page, env, "/news/xiangce/");
    const figures = await page.evaluate(() => [...document.querySelectorAll(".gallery figure")].map((f) => ({
      caption: f.querySelector("figcaption")?.textContent, alt: f.querySelector("img")?.alt,
      lazy: f.querySelector("img")?.loading, srcset: f.querySelector("img")?.srcset,
    })));
    assert.equal(figures.length, 3);
    for (const [i, f] of figures.entries()) {
      assert.equal(f.caption, `重阳节活动照片${i + 1}`);
      assert.ok(f.alt, "a text alternative");
      assert.equal(f.lazy, "lazy");
      assert.match(f.srcset, / 360w, .* 1440w$/);
    }
    assert.equal(await page.evaluate(() => document.querySelector("img.cover").alt), "活动现场");
    const violations = await axe(page);
    assert.deepEqual(violations, [], describeViolations("/news/xiangce/", violations));
    await context.close();
  });
});
