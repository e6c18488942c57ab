// The browser editor of `zhan serve`, as a station worker uses it: from a
// service's page, 编辑此页 opens its form; the schedule's time and a
// provider are changed with the widgets and saved; the file on disk
// changed in those lines only, and the page shows the change. And the
// conflict case: the file changed on disk after the form was opened; a
// wrong value flagged beside its field as it is typed.
"use strict";
const { describe, test } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { axe, describeViolations } = require("./helpers");
const { editorSession, until } = require("./editor-session");

/* The lines of two texts that differ, as [before, after]. */
function changedLines(a, b) {
  const x = a.split("\n");
  const y = b.split("\n");
  assert.equal(x.length, y.length, "no line added or removed");
  return x.map((line, i) => [line, y[i]]).filter(([p, q]) => p !== q);
}

let site;
let server;
let browser;
editorSession((s) => { ({ site, server, browser } = s); });

const SERVICE = "content/services/huidong/kongchao-tanfang.md";

describe("the browser editor", () => {
  test("edit a service's schedule and providers from its page, and see the page change", async () => {
    const file = path.join(site, SERVICE);
    const before = fs.readFileSync(file, "utf8");
    assert.match(before, /providers: \[huidong-zhiyuan, leling-wenti\]/);
    assert.match(before, / {4}time: "09:00-11:30"/);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.origin}/services/huidong/kongchao-tanfang/`);
    await page.getByRole("link", { name: "编辑此页" }).click();
    await page.waitForURL(/\/_zhan\/edit\?path=services%2Fhuidong%2Fkongchao-tanfang\.md|\/_zhan\/edit\?path=services\/huidong\/kongchao-tanfang\.md/);
    await page.locator("#editor-form").waitFor();
    assert.match(await page.locator("h1").textContent(), /空巢独居老人志愿探访/);

    // The schedule: a group with weekday checkboxes and a time range.
    const schedule = page.locator('[data-field="schedule"]');
    await assert.doesNotReject(schedule.getByRole("checkbox", { name: "周二" }).isChecked());
    assert.equal(await schedule.getByRole("checkbox", { name: "周二" }).isChecked(), true);
    assert.equal(await schedule.getByRole("checkbox", { name: "周一" }).isChecked(), false);
    await schedule.getByLabel("开始时间").fill("14:00");
    await schedule.getByLabel("结束时间").fill("16:30");
    // Providers: the site's organizations by title; add one.
    const providers = page.locator('[data-field="providers"]');
    assert.equal(await providers.getByRole("checkbox", { name: /惠东志愿服务队/ }).isChecked(), true);
    await providers.getByRole("checkbox", { name: /tongxin-weilao/ }).check();

    await page.getByRole("button", { name: "保存" }).click();
    await until(async () => (await page.locator("#status").textContent()).includes("已保存"), "the save");

    const after = fs.readFileSync(file, "utf8");
    assert.deepEqual(changedLines(before, after), [
      ["providers: [huidong-zhiyuan, leling-wenti]", "providers: [huidong-zhiyuan, leling-wenti, tongxin-weilao]"],
      ['    time: "09:00-11:30"', '    time: "14:00-16:30"'],
    ]);

    // The served page shows the change once the watcher rebuilt it.
    await until(async () => {
      await page.goto(`${server.origin}/services/huidong/kongchao-tanfang/`);
      return (await page.locator("main").textContent()).includes("14:00");
    }, "the page shows the new time");
    await context.close();
  });

  test("the preview beside the form shows the page as the theme renders it, as the title is typed", async () => {
    const file = path.join(site, "content/services/huidong/shuqi-ketang.md");
    const before = fs.readFileSync(file, "utf8");
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.origin}/_zhan/edit?path=services/huidong/shuqi-ketang.md`);
    await page.locator("#editor-form").waitFor();
    const frame = page.frameLocator("#preview-frame");
    await frame.locator("header.site-header").waitFor();
    assert.equal(await page.locator("#preview-frame").getAttribute("sandbox"), "allow-same-origin", "no scripts in the preview");
    await page.getByLabel(/^标题/).fill("预览里的新标题");
    await until(async () => (await frame.locator("h1").textContent()) === "预览里的新标题", "the preview shows the new title");
    // The theme's styles apply inside the frame (its addresses resolve).
    const header = await frame.locator("header.site-header").evaluate((h) => getComputedStyle(h).backgroundColor);
    assert.notEqual(header, "rgba(0, 0, 0, 0)", "the theme's stylesheet is loaded");
    // Previewing wrote nothing.
    assert.equal(fs.readFileSync(file, "utf8"), before);
    await context.close();
  });

  test("a file changed on disk after opening: both versions are offered, and mine can be kept", async () => {
    const rel = "content/organizations/yimin-she.md";
    const file = path.join(site, rel);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.origin}/_zhan/edit?path=organizations/yimin-she.md`);
    await page.locator("#editor-form").waitFor();
    const title = page.getByLabel(/^标题/);
    // Someone else changes the file meanwhile (Notepad, another tab).
    const onDisk = fs.readFileSync(file, "utf8").replace(/^members: .*$/m, "members: 99");
    assert.notEqual(onDisk, fs.readFileSync(file, "utf8"));
    fs.writeFileSync(file, onDisk);
    await title.fill("我的新标题");
    await page.getByRole("button", { name: "保存" }).click();
    const conflict = page.locator("#conflict");
    await conflict.waitFor({ state: "visible" });
    assert.equal(fs.readFileSync(file, "utf8"), onDisk, "nothing was written");
    const mine = await conflict.getByLabel("我的修改").inputValue();
    const disk = await conflict.getByLabel("磁盘上的版本").inputValue();
    assert.match(mine, /title: 我的新标题/);
    assert.equal(disk, onDisk);
    await until(async () => /别处被改动/.test(await page.locator("#status").textContent()), "the conflict is announced");
    await conflict.getByRole("button", { name: "保留我的修改" }).click();
    await until(() => fs.readFileSync(file, "utf8") === mine, "my version is written");
    // The disk's version is in the history, and can be restored.
    await page.locator("#editor-form").waitFor();
    await page.getByRole("button", { name: "显示历史版本" }).click();
    const restore = page.locator(".versions-list li").first().getByRole("button", { name: /恢复/ });
    await restore.click();
    await until(() => fs.readFileSync(file, "utf8") === onDisk, "the version on disk is restored");
    await context.close();
  });

  test("a wrong value is flagged beside its field in Chinese as it is typed, and can still be saved", async () => {
    const rel = "content/organizations/qingmeng-she.md";
    const file = path.join(site, rel);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.origin}/_zhan/edit?path=organizations/qingmeng-she.md`);
    await page.locator("#editor-form").waitFor();
    const members = page.locator('[data-field="members"]');
    await members.getByRole("textbox").fill("很多");
    const problem = members.locator(".problem");
    await problem.waitFor({ state: "visible" });
    const text = await problem.textContent();
    assert.match(text, /[\u4e00-\u9fff]/, "in Chinese");
    assert.match(text, /members|成员/, text);
    // The input names its problem to screen readers.
    const described = await members.getByRole("textbox").getAttribute("aria-describedby");
    assert.ok(described.split(" ").includes(await problem.getAttribute("id")));
    await until(async () => /问题/.test(await page.locator("#check-summary").textContent()), "the summary");
    // A draft with errors is saved all the same: the worker's text is kept.
    await page.getByRole("button", { name: "保存" }).click();
    await until(() => /^members: 很多$/m.test(fs.readFileSync(file, "utf8")), "the draft is saved");
    // Put right, the problem goes.
    await members.getByRole("textbox").fill("30");
    await problem.waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "保存" }).click();
    await until(() => /^members: 30$/m.test(fs.readFileSync(file, "utf8")), "the fix is saved");
    await context.close();
  });

  test("the editor works on a 360 px phone and has no axe violations", async () => {
    // The editor's CSP forbids inline scripts; axe is injected as one.
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, bypassCSP: true });
    const page = await context.newPage();
    for (const p of ["/_zhan/", "/_zhan/edit?path=stations/huidong.md"]) {
      await page.goto(server.origin + p);
      await page.locator(p === "/_zhan/" ? "section.kind" : "#editor-form").first().waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `${p}: no sideways scrolling (${width} px)`);
      const violations = await axe(page);
      assert.deepEqual(violations, [], describeViolations(p, violations));
    }
    // The home lists every type, and the filter narrows it.
    await page.goto(`${server.origin}/_zhan/`);
    await page.locator("section.kind").first().waitFor();
    const headings = await page.locator("section.kind h2").allTextContents();
    assert.deepEqual(headings.map((h) => h.replace(/\s*\(\d+\)$/, "")),
      ["社工站", "服务", "社区组织", "培训课程", "课程章节", "小微项目", "试点成效", "动态", "页面"]);
    await page.getByLabel("筛选").fill("惠东");
    const shown = await page.locator(".items li:not([hidden])").count();
    const all = await page.locator(".items li").count();
    assert.ok(shown > 0 && shown < all, `the filter narrows the list (${shown} of ${all})`);
    await context.close();
  });

  test("a new service is created from its title, with its id proposed in pinyin", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.origin}/_zhan/`);
    const services = page.locator('section.kind[data-kind="service"]');
    await services.getByRole("button", { name: "新建服务" }).click();
    const form = services.locator("form.new-item");
    await form.getByLabel("所属社工站").selectOption("huidong");
    await form.getByLabel(/^标题/).fill("老人助餐配送");
    const id = form.getByLabel(/^编号/);
    await until(async () => (await id.inputValue()) === "laoren-zhucan-peisong", "the id is proposed");
    assert.match(await form.locator("code").textContent(), /content\/services\/huidong\/laoren-zhucan-peisong\.md/);
    await form.getByRole("button", { name: "创建" }).click();
    await page.waitForURL(/\/_zhan\/edit\?path=services%2Fhuidong%2Flaoren-zhucan-peisong\.md/);
    await page.locator("#editor-form").waitFor();
    const file = path.join(site, "content/services/huidong/laoren-zhucan-peisong.md");
    const text = fs.readFileSync(file, "utf8");
    assert.match(text, /^---\ntitle: 老人助餐配送 /);
    assert.match(text, /\nstation: huidong /);
    assert.equal(await page.getByLabel(/^标题/).inputValue(), "老人助餐配送");
    await context.close();
  });

  test("delete lists what points at the page and deletes only when confirmed", async () => {
    const rel = "content/organizations/tiaojie-dui.md";
    const file = path.join(site, rel);
    const before = fs.readFileSync(file, "utf8");
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.origin}/_zhan/edit?path=organizations/tiaojie-dui.md`);
    await page.locator("#editor-form").waitFor();
    await page.getByRole("button", { name: "删除此页" }).click();
    await page.locator("#delete-question").waitFor();
    const referrers = await page.locator("#delete-referrers li").allTextContents();
    assert.ok(referrers.length > 0, "something points at it");
    assert.ok(referrers.every((r) => /content\/.+第 \d+ 行|文件夹/.test(r)), referrers.join("\n"));
    assert.equal(fs.readFileSync(file, "utf8"), before, "not deleted before confirming");
    await page.getByRole("button", { name: "确定删除" }).click();
    await until(() => !fs.existsSync(file), "the file is deleted");
    const kept = fs.readdirSync(path.join(site, ".zhan/history/organizations/tiaojie-dui.md"));
    assert.equal(kept.length, 1);
    assert.equal(fs.readFileSync(path.join(site, ".zhan/history/organizations/tiaojie-dui.md", kept[0]), "utf8"), before);
    await context.close();
  });

  test("rename an organization: its file moves and every reference and link to it is updated", async () => {
    const files = ["content/projects/mulin-dian.md", "content/services/lijingyuan/mulin-huzhu.md"];
    const before = files.map((f) => fs.readFileSync(path.join(site, f), "utf8"));
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${server.origin}/_zhan/edit?path=organizations/dangqun-cujinhui.md`);
    await page.locator("#editor-form").waitFor();
    await page.getByLabel("新的编号").fill("dangqun-hui");
    await page.getByRole("button", { name: "改编号……" }).click();
    await page.locator("#rename-question").waitFor();
    assert.ok(await page.locator("#rename-referrers li").count() >= 6);
    assert.equal(await page.getByLabel("同时改好这些引用和链接").isChecked(), true);
    await page.getByRole("button", { name: "确定改编号" }).click();
    await page.waitForURL(/path=organizations%2Fdangqun-hui\.md/);
    await page.locator("#editor-form").waitFor();
    await until(async () => /编号已改好/.test(await page.locator("#status").textContent()), "the rename is announced");
    assert.ok(!fs.existsSync(path.join(site, "content/organizations/dangqun-cujinhui.md")));
    assert.ok(fs.existsSync(path.join(site, "content/organizations/dangqun-hui.md")));
    const after = files.map((f) => fs.readFileSync(path.join(site, f), "utf8"));
    assert.deepEqual(changedLines(before[0], after[0]), [
      ["organizations: [dangqun-cujinhui, tongxin-weilao]", "organizations: [dangqun-hui, tongxin-weilao]"],
      [before[0].split("\n")[27], before[0].split("\n")[27].replace("dangqun-cujinhui.md", "dangqun-hui.md")],
    ]);
    assert.equal(changedLines(before[1], after[1]).length, 2);
    assert.ok(!/dangqun-cujinhui/.test(after.join("")));
    await context.close();
  });

  test("the 新建, 改编号 and 删除 boxes have no axe violations on a phone", async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${server.origin}/_zhan/`);
    const services = page.locator('section.kind[data-kind="service"]');
    await services.getByRole("button", { name: "新建服务" }).click();
    await services.locator("form.new-item").getByLabel(/^标题/).fill("社区议事");
    await until(async () => (await services.locator('input[name="id"]').inputValue()) !== "", "an id is proposed");
    let violations = await axe(page);
    assert.deepEqual(violations, [], describeViolations("new", violations));
    await page.goto(`${server.origin}/_zhan/edit?path=organizations/leling-wenti.md`);
    await page.locator("#editor-form").waitFor();
    // The same id: said beside the button.
    await page.getByRole("button", { name: "改编号……" }).click();
    await until(async () => /一样/.test(await page.locator("#rename-box").textContent()), "the same id is refused");
    await page.getByLabel("新的编号").fill("leling-wenti-dui");
    await page.getByRole("button", { name: "改编号……" }).click();
    await page.locator("#rename-question").waitFor();
    await page.getByRole("button", { name: "删除此页" }).click();
    await page.locator("#delete-question").waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `no sideways scrolling (${width} px)`);
    violations = await axe(page);
    assert.deepEqual(violations, [], describeViolations("rename and delete", violations));
    await context.close();
  });
});
