// Search quality on the demo site: what residents, trainers and officials
// type, and the pages they must find in the first five results (and a few
// they must not), through the real index and the real browser script.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { repo, build, searcher, urls } = require("./helpers");

const out = build(repo);
const pages = urls(out);

// [query, pages that must be in the top 5, pages that must not be in it]
const CASES = [
  ["老人", ["services/huidong/kongchao-tanfang/"], ["organizations/qingmeng-she/"]],
  ["调解", ["services/huixi/maodun-tiaojie/", "organizations/tiaojie-dui/"], ["services/huixi/laji-fenlei/"]],
  ["垃圾分类", ["services/huixi/laji-fenlei/"], ["services/huidong/365-zaixian/"]],
  ["365在线", ["services/huidong/365-zaixian/", "news/xiaohui-shangxian/"], []],
  ["３６５在线", ["services/huidong/365-zaixian/"], []],
  ["物业", ["services/huixi/wuye-xieshang/", "organizations/wuye-lianqiao/"], []],
  ["养犬", ["services/huixi/wenming-yangquan/", "projects/wenming-yangquan-xingdong/"], ["stations/lijingyuan/"]],
  ["小惠", ["news/xiaohui-shangxian/", "stations/huidong/", "services/huidong/365-zaixian/"], []],
  ["议事", ["services/lijingyuan/yishi-pingtai/", "services/huidong/wenming-keting-yishi/"], []],
  ["心理", ["services/huixi/xinli-jianya/", "services/lijingyuan/xinli-zixun/"], ["services/huixi/laji-fenlei/"]],
  ["楼门", ["services/huixi/loumen-gaizao/", "services/lijingyuan/loumen-zizhi/"], []],
  ["同心为老", ["organizations/tongxin-weilao/", "services/lijingyuan/tongxin-tanfang/"], []],
  ["党群服务", ["organizations/dangqun-cujinhui/"], []],
  ["青萌", ["organizations/qingmeng-she/"], []],
  ["督导", ["training/dudao-xiaozu/", "training/dudao-xiaozu/tuanti-dudao-liucheng/"], []],
  ["项目化", ["training/xiangmuhua-yunzuo/"], []],
  ["预算", ["training/xiangmuhua-yunzuo/yusuan-zhixing/"], []],
  ["python", ["training/xiangmuhua-yunzuo/shuju-pinggu/"], ["news/xiaohui-shangxian/"]],
  ["Python", ["training/xiangmuhua-yunzuo/shuju-pinggu/"], []],
  ["试点", ["reports/shidian-yinian/", "about/"], []],
  ["成效", ["reports/shidian-yinian/"], []],
  ["丽景苑", ["stations/lijingyuan/"], []],
  ["惠西", ["stations/huixi/"], []],
  ["睦邻", ["services/lijingyuan/mulin-huzhu/", "projects/mulin-dian/"], []],
  ["便民", ["services/huixi/bianmin-ri/"], []],
  ["暑期", ["services/huidong/shuqi-ketang/"], []],
  ["健康", ["services/lijingyuan/yinling-jiankang/"], []],
  ["居民骨干", ["training/jumin-gugan/"], []],
  ["以老带新", ["projects/yilao-daixin/"], []],
  ["微空间", ["services/huixi/loumen-gaizao/", "projects/loumen-weikongjian/"], []],
  // Across word boundaries: "老人" and "志愿" are two words of the title.
  ["老人志愿", ["services/huidong/kongchao-tanfang/"], ["services/lijingyuan/tongxin-tanfang/"]],
  ["探访", ["services/huidong/kongchao-tanfang/", "services/lijingyuan/tongxin-tanfang/"], []],
  ["青少年", ["services/huidong/shuqi-ketang/"], []],
  // Two words: both must be found, anywhere.
  ["惠西 调解", ["services/huixi/maodun-tiaojie/"], ["services/lijingyuan/xinli-zixun/"]],
  // One character: titles and summaries.
  ["老", ["services/huidong/kongchao-tanfang/"], []],
];

test(`at least 30 queries find their pages in the top five (${CASES.length} queries)`, async () => {
  assert.ok(CASES.length >= 30);
  const { search } = searcher(out);
  for (const [q, wanted, unwanted] of CASES) {
    const found = await search.search(q);
    const top = found.results.slice(0, 5).map((r) => pages[r.doc]);
    for (const page of wanted) { assert.ok(top.includes(page), `${q}: ${page} not in the top five ${JSON.stringify(top)}`); }
    for (const page of unwanted) { assert.ok(!top.includes(page), `${q}: ${page} should not be in the top five`); }
  }
});

test("titles rank before bodies", async () => {
  const { search } = searcher(out);
  const found = await search.search("预算");
  assert.equal(pages[found.results[0].doc], "training/xiangmuhua-yunzuo/yusuan-zhixing/", "the lesson titled 预算… comes first");
  const bodyOnly = found.results.filter((r) => r.score === 1).map((r) => r.doc);
  const titled = found.results.filter((r) => r.score >= 8).map((r) => r.doc);
  assert.ok(titled.length && bodyOnly.length);
  assert.ok(Math.max(...titled.map((d) => found.results.findIndex((r) => r.doc === d))) < Math.min(...bodyOnly.map((d) => found.results.findIndex((r) => r.doc === d))));
});

test("nothing is found for text that is not there", async () => {
  const { search } = searcher(out);
  for (const q of ["量子计算机", "zzqx", "简一"]) {
    assert.equal((await search.search(q)).total, 0, q);
  }
});

test("filters by kind and by service category", async () => {
  const { search } = searcher(out);
  const all = await search.search("调解");
  const table = all.table;
  const serviceKind = table.kinds.indexOf("服务");
  const services = await search.search("调解", { kind: serviceKind });
  assert.ok(services.total > 0 && services.total < all.total);
  assert.ok(services.results.every((r) => r.kind === serviceKind));
  assert.equal(all.kinds[serviceKind], services.total, "the kind counts are those of the filtered results");
  const category = table.categories.indexOf("矛盾调解") + 1;
  const inCategory = await search.search("调解", { category });
  assert.deepEqual(inCategory.results.map((r) => pages[r.doc]), ["services/huixi/maodun-tiaojie/"]);
});

test("results show title, kind, station and a highlighted snippet", async () => {
  const { search } = searcher(out);
  const found = await search.search("文明养犬");
  const first = await search.fragment(found.results[0].doc);
  assert.equal(first.t, "文明养犬");
  assert.equal(found.table.kinds[first.k], "服务");
  assert.equal(first.s, "惠西社区社工站");
  assert.ok(require("./helpers").search.highlight(first.x, found.phrases, 40).includes("<mark>"));
});

test("a query reads little: the index is split", async () => {
  const { search, stats } = searcher(out);
  const found = await search.search("社区社工站");
  await Promise.all(found.results.slice(0, 10).map((r) => search.fragment(r.doc)));
  assert.ok(stats.bytes < 150 * 1024, `${stats.bytes} bytes`);
});
