//! Builds the demo site of the repository and checks real pages: relations
//! shown both ways, ordering, directories, site files, determinism.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The demo site built once for all tests of this file.
fn built() -> &'static PathBuf {
    static OUTPUT: OnceLock<PathBuf> = OnceLock::new();
    OUTPUT.get_or_init(|| {
        let (out, stderr) = common::build_demo("demo-site");
        assert!(
            stderr.contains("（0 个警告）"),
            "the demo site must build without warnings:\n{stderr}"
        );
        out
    })
}

fn page(path: &str) -> String {
    let file = built().join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// The text between the first `start` and the next `end` after it.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` not found"));
    let rest = &html[from + start.len()..];
    let to = rest.find(end).unwrap_or(rest.len());
    &rest[..to]
}

#[test]
fn huixi_station_lists_its_organizations_and_its_services_by_category() {
    let html = page("stations/huixi/index.html");
    assert!(html.contains("<h1>惠西社区社工站</h1>"));
    let orgs = between(&html, "id=\"station-orgs\"", "</section>");
    for org in ["物业连桥社", "青萌社", "益民社", "社区矛盾调解队"] {
        assert!(
            orgs.contains(org),
            "{org} missing from the organizations of Huixi"
        );
    }
    assert!(orgs.contains("href=\"../../organizations/wuye-lianqiao/\""));
    let menu = between(&html, "id=\"service-menu\"", "id=\"station-orgs\"");
    let deliberation = between(
        menu,
        "../../categories/议事协商/\">议事协商</a></h3>",
        "</section>",
    );
    assert!(
        deliberation.contains("物业协商议事会"),
        "物业协商议事会 under 议事协商:\n{deliberation}"
    );
    let environment = between(
        menu,
        "../../categories/环境治理/\">环境治理</a></h3>",
        "</section>",
    );
    assert!(
        environment.contains("垃圾分类指导") && environment.contains("文明养犬"),
        "{environment}"
    );
    assert!(!environment.contains("物业协商议事会"));
    // Categories appear in the vocabulary's order: 议事协商 before 矛盾调解 before 环境治理.
    let order: Vec<usize> = [
        "议事协商</a></h3>",
        "矛盾调解</a></h3>",
        "环境治理</a></h3>",
    ]
    .iter()
    .map(|c| html.find(c).expect(c))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(html.contains("周一至周五"), "opening hours in words");
}

#[test]
fn lesson_two_links_to_lessons_one_and_three() {
    let html = page("training/xiangmuhua-yunzuo/yusuan-zhixing/index.html");
    let pager = between(&html, "<nav class=\"pager\"", "</nav>");
    assert!(
        pager.contains("rel=\"prev\" href=\"../xuqiu-sheji/\""),
        "{pager}"
    );
    assert!(pager.contains("从居民需求到项目设计"));
    assert!(
        pager.contains("rel=\"next\" href=\"../shuju-pinggu/\""),
        "{pager}"
    );
    assert!(html.contains("第 2 讲，共 3 讲"), "lesson position");
    let first = page("training/xiangmuhua-yunzuo/xuqiu-sheji/index.html");
    assert!(!between(&first, "<nav class=\"pager\"", "</nav>").contains("rel=\"prev\""));
}

#[test]
fn course_lists_lessons_in_order_with_attachments_and_prerequisites() {
    let html = page("training/xiangmuhua-yunzuo/index.html");
    let lessons = between(&html, "<ol class=\"lessons\">", "</ol>");
    let order: Vec<usize> = ["xuqiu-sheji", "yusuan-zhixing", "shuju-pinggu"]
        .iter()
        .map(|l| lessons.find(l).expect(l))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{lessons}");
    let attachments = between(&html, "<ul class=\"attachments\">", "</ul>");
    assert!(attachments.contains("href=\"kejian.pdf\""), "{attachments}");
    assert!(
        attachments.contains("PDF，") && attachments.contains(" B）")
            || attachments.contains(" KB）"),
        "{attachments}"
    );
    assert!(
        built()
            .join("training/xiangmuhua-yunzuo/kejian.pdf")
            .is_file(),
        "assets are copied beside their page"
    );
    assert!(
        html.contains("href=\"../shegong-jichu/\""),
        "prerequisite linked"
    );
    let basics = page("training/shegong-jichu/index.html");
    assert!(
        between(&basics, "后续课程", "</dd>").contains("href=\"../xiangmuhua-yunzuo/\""),
        "required-by shown on the prerequisite"
    );
}

#[test]
fn training_page_lays_out_the_ladder() {
    let html = page("training/index.html");
    let levels: Vec<usize> = [
        "<h3>督导",
        "<h3>中级社工师",
        "<h3>助理社工师",
        "<h3>居民骨干",
    ]
    .iter()
    .map(|l| html.find(l).expect(l))
    .collect();
    assert!(levels.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn organizations_show_mentor_and_mentees_both_ways() {
    let newer = page("organizations/tongxin-weilao/index.html");
    assert!(between(&newer, "带教组织（以老带新）", "</dd>").contains("党群服务促进会"));
    let older = page("organizations/dangqun-cujinhui/index.html");
    assert!(between(&older, "id=\"mentees\"", "</section>").contains("同心为老服务社"));
    let provider = page("organizations/wuye-lianqiao/index.html");
    assert!(between(&provider, "id=\"org-services\"", "</section>").contains("物业协商议事会"));
}

#[test]
fn service_shows_station_providers_schedule_and_guide() {
    let html = page("services/huidong/365-zaixian/index.html");
    assert!(html.contains("href=\"../../../stations/huidong/\">惠东社区社工站</a>"));
    let schedule = between(&html, "id=\"schedule\"", "</section>");
    assert!(
        schedule.contains("周一至周五") && schedule.contains("09:00-17:30"),
        "{schedule}"
    );
    assert!(schedule.contains("周六、周日"), "{schedule}");
    let guide = between(&html, "id=\"service-guide\"", "</section>");
    assert!(
        guide.contains("受理条件") && guide.contains("所需材料") && guide.contains("监督投诉电话"),
        "{guide}"
    );
    // Relative .md links in the body point at built URLs; anchors are kept.
    assert!(html.contains("href=\"../../../stations/huidong/\""));
    let wuye = page("services/huixi/wuye-xieshang/index.html");
    assert!(between(&wuye, "id=\"providers\"", "</section>").contains("物业连桥社"));
}

#[test]
fn report_shows_metrics_per_station_with_change() {
    let html = page("reports/shidian-yinian/index.html");
    // One chart and table per metric; each station heads a row of its table.
    for station in ["惠东社区社工站", "惠西社区社工站", "丽景苑社区社工站"] {
        assert!(
            html.contains(&format!("\">{station}</a></th>")),
            "{station}"
        );
    }
    assert!(html.contains("服务人次"));
    assert!(html.contains("%</td>"), "change in percent");
}

#[test]
fn directories_by_category_audience_and_tag() {
    let category = page("categories/助老服务/index.html");
    assert!(
        category.contains("同心为老居家探访"),
        "elderly care service listed by category"
    );
    assert!(!category.contains("文明养犬"));
    let audience = page("audiences/老年人/index.html");
    assert!(audience.contains("空巢独居老人志愿探访"));
    let tags = page("tags/index.html");
    assert!(tags.contains("<a href=\"以老带新/\""), "{tags}");
    assert!(page("categories/index.html").contains("href=\"议事协商/\""));
}

#[test]
fn markdown_features_render() {
    let code = page("training/xiangmuhua-yunzuo/shuju-pinggu/index.html");
    assert!(
        code.contains("<code class=\"language-python\">"),
        "fenced code with a language"
    );
    assert!(
        code.contains("<span class=\"hl-"),
        "highlighted with classes"
    );
    assert!(!code.contains("style=\"color"), "no inline colours");
    let table = page("training/xiangmuhua-yunzuo/xuqiu-sheji/index.html");
    assert!(table.contains("<div class=\"table-wrap\"><table>"));
    let css = std::fs::read_to_string(built().join("css/highlight.css")).expect("highlight.css");
    assert!(css.contains(".hl-"));
    let about = page("about/index.html");
    assert!(
        about.contains("href=\"../reports/shidian-yinian/#"),
        "anchor link rewritten: {}",
        between(&about, "shidian-yinian", "\"")
    );
}

#[test]
fn site_files_sitemap_robots_404_and_aliases() {
    let sitemap = page("sitemap.xml");
    assert!(sitemap.contains("<loc>https://example.org/stations/huixi/</loc>"));
    assert!(sitemap.contains("<lastmod>"));
    assert!(
        sitemap.contains("https://example.org/categories/%E5%8A%A9%E8%80%81%E6%9C%8D%E5%8A%A1/")
    );
    assert!(!sitemap.contains("404"));
    assert!(page("robots.txt").contains("Sitemap: https://example.org/sitemap.xml"));
    assert!(page("404.html").contains("没有找到这个页面"));
    let alias = page("news/2019/shidian-qidong/index.html");
    assert!(alias.contains("http-equiv=\"refresh\" content=\"0; url=../../sanzhan-qiyong/\""));
    assert!(alias.contains("rel=\"canonical\" href=\"https://example.org/news/sanzhan-qiyong/\""));
}

#[test]
fn drafts_are_left_out() {
    assert!(!built().join("news/jumin-gugan-zhaosheng-2027").exists());
    assert!(!page("news/index.html").contains("jumin-gugan-zhaosheng-2027"));
}

#[test]
fn every_page_is_complete_and_offline() {
    for entry in walkdir::WalkDir::new(built()) {
        let entry = entry.expect("walk");
        if entry.path().extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(entry.path()).expect("read");
            if html.contains("http-equiv=\"refresh\"") {
                continue;
            }
            let name = entry.path().display();
            assert!(html.starts_with("<!DOCTYPE html>"), "{name}");
            assert!(html.contains("<html lang=\"zh-CN\">"), "{name}");
            assert_eq!(html.matches("<h1").count(), 1, "one h1 in {name}");
            assert!(html.contains("href=\"#main\""), "skip link in {name}");
            // Our own scripts only, from our own site: the elderly-mode
            // switch in <head> on every page, search on the search page and
            // the open-today line on station pages. JSON-LD and the
            // station's opening data are data, not scripts that run.
            let scripts = html.matches("<script").count()
                - html
                    .matches("<script type=\"application/ld+json\">")
                    .count()
                - html
                    .matches("<script type=\"application/json\" id=\"opening-data\">")
                    .count();
            // Links are relative to the page (they work from disk and under
            // a sub-folder), but for 404.html, which a server shows at any
            // address.
            let relative = entry.path().strip_prefix(built()).expect("inside");
            let up = if relative == Path::new("404.html") {
                "/".to_string()
            } else {
                for root_relative in ["href=\"/", "src=\"/", "action=\"/"] {
                    assert!(!html.contains(root_relative), "{root_relative} in {name}");
                }
                "../".repeat(relative.components().count() - 1)
            };
            let head = &html[..html.find("</head>").expect("head")];
            assert!(
                head.contains(&format!("<script src=\"{up}js/elderly.js\"></script>")),
                "{name}"
            );
            if entry.path().ends_with("search/index.html") {
                assert_eq!(scripts, 2, "{name}");
                assert!(
                    html.contains("<script src=\"../js/search.js\" defer></script>"),
                    "{name}"
                );
            } else if html.contains("id=\"opening-data\"") {
                assert!(
                    entry
                        .path()
                        .parent()
                        .and_then(|p| p.parent())
                        .is_some_and(|p| p.ends_with("stations")),
                    "opening data only on station pages: {name}"
                );
                assert_eq!(scripts, 2, "{name}");
                assert!(
                    html.contains("<script src=\"../../js/opening.js\" defer></script>"),
                    "{name}"
                );
            } else {
                assert_eq!(scripts, 1, "only the elderly-mode script in {name}");
            }
            for outside in ["src=\"http", "href=\"//", "@import", "fonts.googleapis"] {
                assert!(!html.contains(outside), "{outside} in {name}");
            }
        }
    }
}

#[test]
fn two_builds_are_identical() {
    let (again, _) = common::build_demo("demo-site-again");
    let first = common::snapshot(built());
    let second = common::snapshot(&again);
    assert_eq!(
        first.keys().collect::<Vec<_>>(),
        second.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &first {
        assert!(bytes == &second[path], "{path} differs between two builds");
    }
}
