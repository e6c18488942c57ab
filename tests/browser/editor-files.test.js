// The browser editor's files and body tools, as a station worker uses
// them: a photo from the phone uploaded as a service's cover (the file
// lands beside the page, the field is filled, the page shows it); a photo
// put into the body with its description; a link to another page inserted
// with the picker, by keyboard, written as the relative `.md` link; a
// deleted page brought back from the home page; the boxes pass axe on a
// phone.
"use strict";
const { describe, test } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { axe, describeViolations } = require("./helpers");
const { editorSession, until } = require("./editor-session");

/* A real JPEG, as a phone would send one: drawn by the browser itself. */
async function jpeg(page) {
  const base64 = await page.evaluate(() => {
    const c = document.createElement("canvas");
    c.width = 64; c.height = 48;
    const g = c.getContext("2d");
    g.fillStyle = "#3a7"; g.fillRect(0, 0, 64, 48);
    return c.toDataURL("image/jpeg", 0.8).split(",")[1];
  });
  return Buffer.from(base64, "base64");
}

let site;
let server;
let browser;
editorSession((s) => { ({ site, server, browser } = s); });

const SERVICE = "services/huidong/kongchao-tanfang.md";

describe("files and the body's tools in the editor", () => {
  test("a photo uploaded as a service's cover lands beside the page and fills the field", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.origin}/_zhan/edit?path=${SERVICE}`);
    await page.locator("#editor-form").waitFor();
    const photo = await jpeg(page);
    const cover = page.locator('[data-field="cover"]');
    const [chooser] = await Promise.all([
      page.waitForEvent("filechooser"),
      cover.getByRole("button", { name: "上传照片" }).click(),
    ]);
    // What a phone calls it: the editor names it in pinyin, lower case.
    await chooser.setFiles({ name: "活动照片.JPG", mimeType: "image/jpeg", buffer: photo });
    const field = cover.getByRole("textbox");
    await until(async () => (await field.inputValue()) === "huodong-zhaopian.jpg", "the field is filled");
    const beside = path.join(site, "content/services/huidong/huodong-zhaopian.jpg");
    assert.deepEqual(fs.readFileSync(beside), photo, "the file is beside the page, byte for byte");
    assert.match(await page.locator("#status").textContent(), /huodong-zhaopian\.jpg/);
    // The choice of files beside the page now has it.
    await until(async () => (await cover.locator("select option").allTextContents()).includes("huodong-zhaopian.jpg"), "listed");

    // Into the body too, with its description, from the toolbar.
    const body = page.getByLabel("正文（Markdown）");
    await body.focus();
    await body.press("Control+End");
    await page.getByRole("toolbar", { name: "正文格式" }).getByRole("button", { name: "图片" }).click();
    const box = page.locator(".tool-box");
    await box.getByLabel("选择本页旁边的照片").selectOption("huodong-zhaopian.jpg");
    await box.getByRole("button", { name: "插入图片" }).click();
    assert.match(await box.locator(".problem").textContent(), /请填写图片说明/, "a description is asked for");
    await box.getByLabel("图片说明").fill("志愿者陪老人聊天");
    await box.getByRole("button", { name: "插入图片" }).click();
    assert.ok((await body.inputValue()).endsWith("![志愿者陪老人聊天](huodong-zhaopian.jpg)"), await body.inputValue());

    await page.getByRole("button", { name: "保存" }).click();
    await until(async () => (await page.locator("#status").textContent()).includes("已保存"), "the save");
    const text = fs.readFileSync(path.join(site, "content", SERVICE), "utf8");
    assert.match(text, /^cover: huodong-zhaopian\.jpg$/m);
    // The site finds it as it finds a photo put there by hand, and shows
    // it as every photo: re-encoded, `huodong-zhaopian-64-<hash>.jpg`.
    const shown = 'img[src*="huodong-zhaopian-64-"]';
    await until(async () => {
      await page.goto(`${server.origin}/services/huidong/kongchao-tanfang/`);
      return (await page.locator(shown).count()) >= 2;
    }, "the page shows the cover and the photo");
    // Loaded (a srcset image's natural width follows its `sizes`, not its pixels).
    const loaded = await page.locator(shown).first().evaluate((img) => img.complete && img.naturalWidth > 0);
    assert.equal(loaded, true, "the photo is served");
    await context.close();
  });

  test("a course's new attachment: a document uploaded from its entry, beside the course", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const course = "training/xiangmuhua-yunzuo/_index.md";
    await page.goto(`${server.origin}/_zhan/edit?path=${course}`);
    await page.locator("#editor-form").waitFor();
    const attachments = page.locator('[data-field="attachments"]');
    // The files already beside the course are offered in each entry.
    const first = attachments.locator(".entry").first();
    await until(async () => (await first.locator("select.choose-file option").allTextContents()).includes("yusuan-moban.xlsx"), "listed");
    await attachments.getByRole("button", { name: /添加一项/ }).click();
    const entry = attachments.locator(".entry").last();
    await entry.locator('[data-field="title"] input').fill("签到表");
    const [chooser] = await Promise.all([
      page.waitForEvent("filechooser"),
      entry.getByRole("button", { name: "上传文件" }).click(),
    ]);
    const pdf = Buffer.from("%PDF-1.4\n% 签到表\n");
    await chooser.setFiles({ name: "签到表.pdf", mimeType: "application/pdf", buffer: pdf });
    const field = entry.locator('[data-field="file"] input[type="text"]');
    await until(async () => (await field.inputValue()) === "qiandao-biao.pdf", "the entry's file is filled");
    assert.deepEqual(fs.readFileSync(path.join(site, "content/training/xiangmuhua-yunzuo/qiandao-biao.pdf")), pdf);
    await page.getByRole("button", { name: "保存" }).click();
    await until(async () => (await page.locator("#status").textContent()).includes("已保存"), "the save");
    assert.match(fs.readFileSync(path.join(site, "content", course), "utf8"), /- title: 签到表\n {4}file: qiandao-biao\.pdf\n/);
    // A course can be renamed here: its id is its folder's.
    assert.equal(await page.getByLabel("新的编号").inputValue(), "xiangmuhua-yunzuo");
    await context.close();
  });

  test("a link to another page is inserted with the picker, by keyboard, as a relative .md link", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const news = "news/sanzhan-qiyong.md";
    await page.goto(`${server.origin}/_zhan/edit?path=${news}`);
    await page.locator("#editor-form").waitFor();
    const body = page.getByLabel("正文（Markdown）");
    await body.focus();
    await body.press("Control+End");
    await body.type("\n详见");
    // Shift+Tab goes back to the toolbar (one stop); arrows move in it.
    await page.keyboard.press("Shift+Tab");
    assert.equal(await page.evaluate(() => document.activeElement.dataset.tool), "bold");
    await page.keyboard.press("End");
    await page.keyboard.press("ArrowLeft");
    assert.equal(await page.evaluate(() => document.activeElement.dataset.tool), "link");
    await page.keyboard.press("Enter");
    const filter = page.getByLabel("查找页面");
    await filter.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.type), "search", "the filter has the focus");
    await page.keyboard.type("惠东社区社工站");
    const choice = page.locator(".link-choice", { hasText: "惠东社区社工站" }).first();
    await choice.waitFor();
    assert.equal(await choice.getAttribute("data-link"), "../stations/huidong.md");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await until(async () => (await body.inputValue()).endsWith("详见[惠东社区社工站](../stations/huidong.md)"), "the link is in the body");
    assert.equal(await page.evaluate(() => document.activeElement.tagName), "TEXTAREA", "back in the body");

    await page.getByRole("button", { name: "保存" }).click();
    await until(async () => (await page.locator("#status").textContent()).includes("已保存"), "the save");
    // The build resolves the link to the station's page.
    await until(async () => {
      await page.goto(`${server.origin}/news/sanzhan-qiyong/`);
      const hrefs = await page.locator("main a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      return hrefs.some((h) => /stations\/huidong\/$/.test(h));
    }, "the news page links to the station");
    await context.close();
  });

  test("a deleted page is listed on the editor's home and 恢复 brings it back", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, bypassCSP: true });
    const page = await context.newPage();
    const rel = "news/xiaohui-shangxian.md";
    const file = path.join(site, "content", rel);
    const text = fs.readFileSync(file, "utf8");
    await page.goto(`${server.origin}/_zhan/edit?path=${rel}`);
    await page.locator("#editor-form").waitFor();
    await page.getByRole("button", { name: "删除此页" }).click();
    await page.getByRole("button", { name: "确定删除" }).click();
    await until(() => !fs.existsSync(file), "the file is deleted");

    await page.goto(`${server.origin}/_zhan/`);
    const deleted = page.locator("#deleted");
    await deleted.waitFor();
    const row = deleted.locator("li", { hasText: "content/" + rel });
    await row.waitFor();
    const violations = await axe(page);
    assert.deepEqual(violations, [], describeViolations("/_zhan/ with a deleted page", violations));
    await row.getByRole("button", { name: /^恢复/ }).click();
    await until(() => fs.existsSync(file), "the file is back");
    assert.equal(fs.readFileSync(file, "utf8"), text, "as it was");
    await until(async () => (await page.locator("#status").textContent()).includes("已恢复"), "said so");
    await context.close();
  });

  test("the toolbar and its boxes have no axe violations on a phone", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${server.origin}/_zhan/edit?path=${SERVICE}`);
    await page.locator("#editor-form").waitFor();
    const toolbar = page.getByRole("toolbar", { name: "正文格式" });
    for (const tool of ["链接", "图片"]) {
      await toolbar.getByRole("button", { name: tool }).click();
      await page.locator(".tool-box").waitFor();
      if (tool === "链接") { await page.locator(".link-choice").first().waitFor(); }
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `${tool}: no sideways scrolling (${width} px)`);
      const violations = await axe(page);
      assert.deepEqual(violations, [], describeViolations(tool, violations));
    }
    await context.close();
  });
});
