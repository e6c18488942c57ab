// The browser editor for the people who use it (issue 12, point 7): on a
// 360 px phone the form and the preview take turns (two buttons), every
// button is on the screen and does its job; everything works by keyboard
// alone with a visible focus; and the home and a form of every type are
// axe-clean at WCAG 2.1 AA, on a phone and on a wide screen, with problems
// shown. And the live check's reference and link problems show beside
// their field while typing.
"use strict";
const { describe, test } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { axe, describeViolations } = require("./helpers");
const { editorSession, until } = require("./editor-session");

const PHONE = { width: 360, height: 740 };
const WIDE = { width: 1280, height: 900 };

/* One file of every type of the demo site. */
const FORMS = [
  "stations/huidong.md",
  "services/huidong/kongchao-tanfang.md",
  "organizations/tongxin-weilao.md",
  "training/dudao-xiaozu/_index.md",
  "training/dudao-xiaozu/shegong-jianya.md",
  "projects/mulin-dian.md",
  "reports/shidian-yinian.md",
  "news/xiaohui-shangxian.md",
  "about.md",
];

let site;
let server;
let browser;
editorSession((s) => { ({ site, server, browser } = s); });

/* Opens the form of `rel` and waits for its first check and preview. */
async function openForm(page, rel) {
  await page.goto(`${server.origin}/_zhan/edit?path=${rel}`);
  await page.locator("#editor-form").waitFor();
  await page.waitForFunction(() => Number(document.getElementById("preview-frame").getAttribute("data-updates")) >= 1,
    null, { timeout: 20000 });
}

/* The buttons that show, each with its box: none may stick out of the page. */
async function visibleButtons(page) {
  return page.locator("button:visible").evaluateAll((buttons) => buttons.map((b) => {
    const r = b.getBoundingClientRect();
    return { text: b.textContent.trim(), left: r.left, right: r.right, width: r.width, height: r.height };
  }));
}

describe("the editor on a phone and by keyboard", () => {
  test("at 360 px the form and the preview take turns, and every button is on screen and works", async () => {
    const context = await browser.newContext({ viewport: PHONE, hasTouch: true, isMobile: true });
    const page = await context.newPage();
    await openForm(page, "services/huidong/kongchao-tanfang.md");
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `no sideways scrolling (${width} px)`);

    const showForm = page.getByRole("button", { name: "填写", exact: true });
    const showPreview = page.getByRole("button", { name: "预览", exact: true });
    assert.equal(await showForm.getAttribute("aria-pressed"), "true");
    assert.equal(await page.locator("#preview").isVisible(), false, "the preview waits for its button");
    await page.getByLabel(/^标题/).fill("手机上改的标题");
    await showPreview.tap();
    assert.equal(await showPreview.getAttribute("aria-pressed"), "true");
    assert.equal(await page.locator("#editor-form").isVisible(), false);
    await page.locator("#preview-frame").waitFor({ state: "visible" });
    const frame = page.frameLocator("#preview-frame");
    await until(async () => (await frame.locator("h1").textContent()) === "手机上改的标题", "the preview shows the new title");
    const frameBox = await page.locator("#preview-frame").boundingBox();
    assert.ok(frameBox.x >= 0 && frameBox.x + frameBox.width <= PHONE.width, "the preview fits the screen");
    // The switch stays in reach at the top while scrolling.
    await page.mouse.wheel(0, 2000);
    assert.ok((await showForm.boundingBox()).y >= 0);
    await showForm.tap();
    assert.equal(await page.locator("#editor-form").isVisible(), true);
    assert.equal(await page.locator("#preview").isVisible(), false);

    // Every button that shows fits the screen and is big enough to tap.
    const buttons = await visibleButtons(page);
    assert.ok(buttons.length >= 8, buttons.map((b) => b.text).join(", "));
    for (const b of buttons) {
      assert.ok(b.left >= 0 && b.right <= PHONE.width, `「${b.text}」 fits (${b.left}–${b.right})`);
      assert.ok(b.width >= 24 && b.height >= 24, `「${b.text}」 can be tapped (${b.width}×${b.height})`);
    }
    // And each kind of button does its job: a schedule entry added, moved and removed.
    const schedule = page.locator('[data-field="schedule"]');
    const entries = schedule.locator("li");
    const count = await entries.count();
    await schedule.getByRole("button", { name: "添加一项" }).tap();
    assert.equal(await entries.count(), count + 1);
    assert.equal(await entries.last().locator("input, select, textarea").first().evaluate((e) => e === document.activeElement), true,
      "the new entry takes the focus");
    await entries.last().getByRole("checkbox").first().check();
    assert.ok(count > 0, "the demo service has a schedule");
    await entries.last().getByRole("button", { name: "上移" }).tap();
    assert.equal(await entries.nth(count - 1).getByRole("checkbox").first().isChecked(), true, "moved up");
    assert.equal(await entries.last().getByRole("button", { name: "下移" }).isDisabled(), true);
    await entries.nth(count - 1).getByRole("button", { name: /^删除/ }).tap();
    assert.equal(await entries.count(), count);
    await page.getByRole("button", { name: "显示历史版本" }).tap();
    await until(async () => /历史版本|还没有/.test(await page.locator(".history").textContent()), "the history");
    await page.getByRole("button", { name: "保存" }).tap();
    await until(async () => /已保存/.test(await page.locator("#status").textContent()), "the save");
    assert.match(fs.readFileSync(path.join(site, "content/services/huidong/kongchao-tanfang.md"), "utf8"), /^title: 手机上改的标题/m);
    await context.close();
  });

  test("a mistyped reference or a broken link is flagged beside its field while typing", async () => {
    const context = await browser.newContext({ viewport: PHONE, bypassCSP: true });
    const page = await context.newPage();
    await openForm(page, "services/huidong/kongchao-tanfang.md");
    const body = page.locator("textarea.body");
    await body.focus();
    await page.keyboard.press("Control+End");
    await page.keyboard.type("\n\n见[惠东社工站](../../stations/huidng.md)。");
    const problem = page.locator('[data-field="body"] .problem');
    await problem.waitFor({ state: "visible" });
    const text = await problem.textContent();
    assert.match(text, /huidng/, text);
    assert.match(text, /content\/stations\/huidong\.md/, "the page meant is suggested");
    const described = (await body.getAttribute("aria-describedby")).split(" ");
    assert.ok(described.includes(await problem.getAttribute("id")), "the text area names its problem");
    const violations = await axe(page);
    assert.deepEqual(violations, [], describeViolations("a form with a problem", violations));
    await context.close();
  });

  test("by keyboard alone: from the home to a form, typed, switched to the preview and saved, the focus always shows", async () => {
    const context = await browser.newContext({ viewport: PHONE });
    const page = await context.newPage();
    await page.goto(`${server.origin}/_zhan/`);
    await page.locator("section.kind").first().waitFor();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.className), "skip");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement.id), "main");
    // Tab to the filter, narrow the list, then on to the first item's link.
    let guard = 0;
    while (!(await page.evaluate(() => document.activeElement.type === "search" || /filter/.test(document.activeElement.id || ""))) && guard < 20) {
      await page.keyboard.press("Tab");
      guard += 1;
    }
    assert.ok(guard < 20, "the filter is reached by Tab");
    await page.keyboard.type("同心为老");
    const shown = await page.locator(".items li:visible").count();
    assert.ok(shown >= 1 && shown <= 3, `the filter hides the other items (${shown} show)`);
    // Only what the filter kept takes the focus, on to the organization.
    const passed = [];
    for (guard = 0; guard < 40 && !/organizations%2Ftongxin-weilao/.test(passed[passed.length - 1]); guard += 1) {
      await page.keyboard.press("Tab");
      passed.push(await page.evaluate(() => {
        const a = document.activeElement;
        return a.tagName === "A" && /\/_zhan\/edit\?/.test(a.getAttribute("href")) ? a.getAttribute("href") : "";
      }));
    }
    const links = passed.filter((l) => l);
    assert.ok(/tongxin-weilao/.test(links[links.length - 1]), `the organization's link is reached by Tab (${links})`);
    assert.ok(links.length <= 3, `only the items the filter kept: ${links}`);
    await page.keyboard.press("Enter");
    await page.locator("#editor-form").waitFor();

    // Every stop on the way to 保存 shows where the focus is.
    const unmarked = [];
    let reached = false;
    for (guard = 0; guard < 400 && !reached; guard += 1) {
      await page.keyboard.press("Tab");
      const stop = await page.evaluate(() => {
        const a = document.activeElement;
        const s = getComputedStyle(a);
        return {
          what: `${a.tagName.toLowerCase()}${a.id ? "#" + a.id : ""} ${(a.textContent || a.getAttribute("aria-label") || "").trim().slice(0, 20)}`,
          // The calendar button inside a date field is a stop of its own;
          // Chromium rings it itself (the field then does not match :focus).
          ring: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2)
            || (/^(date|time)$/.test(a.type) && !a.matches(":focus")),
          save: a.id === "save",
          title: a.labels && a.labels[0] ? /^标题/.test(a.labels[0].textContent) : false,
          view: a.getAttribute("data-view"),
        };
      });
      if (!stop.ring) { unmarked.push(stop.what); }
      if (stop.view === "preview") {
        // Switch to the preview with the keyboard, and back.
        await page.keyboard.press("Enter");
        assert.equal(await page.locator("#preview").isVisible(), true);
        await page.keyboard.press("Shift+Tab");
        await page.keyboard.press("Space");
        assert.equal(await page.locator("#editor-form").isVisible(), true);
        await page.keyboard.press("Tab");
      }
      if (stop.title) { await page.keyboard.type("（键盘）"); }
      reached = stop.save;
    }
    assert.ok(reached, "保存 is reached by Tab");
    assert.deepEqual(unmarked, [], "every focused element has a visible focus ring");
    await page.keyboard.press("Enter");
    await until(async () => /已保存/.test(await page.locator("#status").textContent()), "the save");
    assert.match(fs.readFileSync(path.join(site, "content/organizations/tongxin-weilao.md"), "utf8"), /^title: .*（键盘）/m);
    await context.close();
  });

  for (const [name, viewport] of [["a phone", PHONE], ["a wide screen", WIDE]]) {
    test(`the home and a form of every type are axe-clean at WCAG 2.1 AA on ${name}`, async () => {
      // The editor's CSP forbids inline scripts; axe is injected as one.
      const context = await browser.newContext({ viewport, bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${server.origin}/_zhan/`);
      await page.locator("section.kind").first().waitFor();
      let violations = await axe(page);
      assert.deepEqual(violations, [], describeViolations("home", violations));
      for (const rel of FORMS) {
        await openForm(page, rel);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(width <= viewport.width, `${rel}: no sideways scrolling (${width} px)`);
        violations = await axe(page);
        assert.deepEqual(violations, [], describeViolations(rel, violations));
        if (viewport === PHONE) {
          await page.getByRole("button", { name: "预览", exact: true }).click();
          violations = await axe(page);
          assert.deepEqual(violations, [], describeViolations(`${rel}, preview`, violations));
        }
      }
      await context.close();
    });
  }
});
