// Screenshots of every page kind on a 360 px phone and a 1280 px desktop,
// and on the phone in the elderly mode, saved to tests/browser/screenshots/
// (git-ignored) for a person to look at. Two of them, cut to the window,
// are the pictures in the README (docs/screenshots/).
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const { describe, test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { PAGES, SCREENSHOTS, start, visit, setElderly } = require("./helpers");

let env;
before(async () => {
  env = await start();
  fs.rmSync(SCREENSHOTS, { recursive: true, force: true });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
});
after(async () => { if (env) { await env.close(); } });

const SHOTS = [
  { suffix: "360", viewport: { width: 360, height: 760 }, elderly: false },
  { suffix: "360-elderly", viewport: { width: 360, height: 760 }, elderly: true },
  { suffix: "1280", viewport: { width: 1280, height: 800 }, elderly: false },
];

for (const shot of SHOTS) {
  describe(`screenshots at ${shot.suffix}`, () => {
    let context;
    let page;
    before(async () => {
      context = await env.browser.newContext({ viewport: shot.viewport });
      await setElderly(context, shot.elderly);
      page = await context.newPage();
    });
    after(async () => { await context.close(); });

    for (const p of PAGES) {
      test(`${p.kind}`, async () => {
        await visit(page, env, p.path, p.status);
        const file = path.join(SCREENSHOTS, `${p.kind}-${shot.suffix}.png`);
        await page.screenshot({ path: file, fullPage: true });
        assert.ok(fs.statSync(file).size > 1000);
      });
    }
  });
}

describe("the README's pictures", () => {
  test("a station on a phone in the elderly mode, and the home page on a desktop", async () => {
    const pictures = [
      { name: "readme-station-phone-elderly.png", path: "/stations/huidong/", viewport: { width: 360, height: 720 }, elderly: true },
      { name: "readme-home-desktop.png", path: "/", viewport: { width: 1280, height: 800 }, elderly: false },
    ];
    for (const pic of pictures) {
      const context = await env.browser.newContext({ viewport: pic.viewport });
      await setElderly(context, pic.elderly);
      const page = await context.newPage();
      await visit(page, env, pic.path);
      await page.screenshot({ path: path.join(SCREENSHOTS, pic.name) });
      await context.close();
    }
  });
});
