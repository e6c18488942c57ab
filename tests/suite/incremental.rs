//! Incremental rebuilds give the same bytes as a clean full build, after each
//! edit of a sequence, while rendering only the pages an edit touches.

use crate::common;

use std::path::{Path, PathBuf};

use zhan::pipeline::{self, Options, Report, Workspace};

struct Session {
    dir: tempfile::TempDir,
    ws: Workspace,
}

impl Session {
    fn new() -> Session {
        let dir = tempfile::tempdir().expect("temp");
        zhan::scaffold::init(&dir.path().join("site")).expect("init");
        let mut ws = Workspace::open(Options {
            output: Some(dir.path().join("live")),
            ..Options::new(dir.path().join("site"))
        });
        let report = ws.build();
        assert!(report.succeeded(), "{:?}", report.diagnostics);
        Session { dir, ws }
    }

    fn site(&self, rel: &str) -> PathBuf {
        self.dir.path().join("site").join(rel)
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.site(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, text).expect("write");
        path
    }

    fn edit(&self, rel: &str, from: &str, to: &str) -> PathBuf {
        let text = std::fs::read_to_string(self.site(rel)).expect("read");
        assert!(text.contains(from), "{rel} does not contain {from}");
        self.write(rel, &text.replacen(from, to, 1))
    }

    fn html_pages(&self) -> usize {
        common::snapshot(&self.dir.path().join("live"))
            .keys()
            .filter(|k| k.ends_with(".html"))
            .count()
    }

    fn redirect_pages(&self) -> usize {
        common::snapshot(&self.dir.path().join("live"))
            .iter()
            .filter(|(k, v)| {
                k.ends_with(".html")
                    && String::from_utf8_lossy(v).contains("http-equiv=\"refresh\"")
            })
            .count()
    }

    fn update(&mut self, changed: &[PathBuf]) -> Report {
        self.ws.update(changed)
    }

    /// [`Session::edit`] then [`Session::update`], which must succeed.
    fn edit_and_update(&mut self, rel: &str, from: &str, to: &str) -> Report {
        let path = self.edit(rel, from, to);
        let report = self.update(&[path]);
        assert!(report.succeeded(), "{:?}", report.diagnostics);
        report
    }

    /// The incremental output equals a clean build of the same files.
    fn assert_same_as_full_build(&self, step: &str) {
        let full = self
            .dir
            .path()
            .join(format!("full-{}", step.replace(' ', "-")));
        let report = pipeline::run(&Options {
            output: Some(full.clone()),
            ..Options::new(self.dir.path().join("site"))
        });
        assert!(
            report.succeeded(),
            "{step}: full build failed: {:?}",
            report.diagnostics
        );
        compare(&self.dir.path().join("live"), &full, step);
    }
}

fn compare(live: &Path, full: &Path, step: &str) {
    let a = common::snapshot(live);
    let b = common::snapshot(full);
    let only_live: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
    let only_full: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).collect();
    assert!(
        only_live.is_empty() && only_full.is_empty(),
        "{step}: files only in the incremental output {only_live:?}, only in the full build {only_full:?}"
    );
    for (path, bytes) in &a {
        assert!(
            bytes == &b[path],
            "{step}: {path} differs from a full build"
        );
    }
}

#[test]
fn a_sequence_of_edits_matches_full_builds() {
    let mut s = Session::new();
    let total_pages = s.html_pages();

    // 1. A service's title: its page, its station's pages and the lists that
    //    show it change; most pages do not.
    let path = s.edit(
        "content/services/huixi/wuye-xieshang.md",
        "title: 物业协商议事会",
        "title: 物业协商议事厅",
    );
    let r = s.update(&[path]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    assert!(
        r.changed
            .contains(&"/services/huixi/wuye-xieshang/".to_string()),
        "{:?}",
        r.changed
    );
    assert!(r.changed.contains(&"/stations/huixi/".to_string()));
    assert!(
        r.pages < total_pages / 3,
        "{} of {total_pages} pages rendered for a title change",
        r.pages
    );
    assert!(
        !r.changed.contains(&"/training/jumin-gugan/".to_string()),
        "an unrelated page was rendered"
    );
    s.assert_same_as_full_build("title");

    // 2. A new service, provided by an organization.
    let path = s.write(
        "content/services/huixi/xin-fuwu.md",
        "---\ntitle: 新的便民服务\ncategory: 便民服务\naudience: [全体居民]\nproviders: [wuye-lianqiao]\n---\n\n## 服务内容\n\n见[物业连桥社](../../organizations/wuye-lianqiao.md)。\n",
    );
    let r = s.update(&[path]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    assert!(
        r.changed
            .contains(&"/organizations/wuye-lianqiao/".to_string()),
        "the provider lists its new service"
    );
    s.assert_same_as_full_build("add service");
    let before_delete = common::snapshot(&s.dir.path().join("live"));

    // 3. Delete an organization others reference: errors, output untouched.
    let org = s.site("content/organizations/wuye-lianqiao.md");
    let saved = std::fs::read(&org).expect("read");
    std::fs::remove_file(&org).expect("remove");
    let r = s.update(std::slice::from_ref(&org));
    assert!(!r.succeeded());
    let found: Vec<String> = r
        .diagnostics
        .iter()
        .map(|d| format!("{} {}", d.code, d.message()))
        .collect();
    assert!(
        found
            .iter()
            .any(|m| m.starts_with("E-REF-UNKNOWN ") && m.contains("`wuye-lianqiao`")),
        "{found:?}"
    );
    assert!(r.written_to.is_none());
    assert_eq!(
        common::snapshot(&s.dir.path().join("live")),
        before_delete,
        "a failed update changed the output"
    );

    // 4. Restore it.
    std::fs::write(&org, saved).expect("restore");
    let r = s.update(&[org]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    s.assert_same_as_full_build("restore");

    // 5. Rename a file (a news item with an alias): old page gone, new one there.
    let old = s.site("content/news/sanzhan-qiyong.md");
    let new = s.site("content/news/sanzhan-kaimu.md");
    std::fs::rename(&old, &new).expect("rename");
    let r = s.update(&[old, new]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    assert!(
        r.changed.contains(&"/news/sanzhan-qiyong/".to_string()),
        "removed page reported: {:?}",
        r.changed
    );
    assert!(!s.dir.path().join("live/news/sanzhan-qiyong").exists());
    s.assert_same_as_full_build("rename");

    // 5b. A news item's title: its page, and the feeds that carry it.
    let feed = s.dir.path().join("live/stations/huixi/atom.xml");
    let path = s.edit(
        "content/news/loumen-gaizao-wangong.md",
        "title: 惠西社区12个楼门完成微空间改造",
        "title: 惠西社区十二个楼门完成微空间改造",
    );
    let r = s.update(&[path]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    let text = std::fs::read_to_string(&feed).expect("station feed");
    assert!(
        text.contains("十二个楼门"),
        "the station's feed was not remade"
    );
    s.assert_same_as_full_build("news title");

    // 6. A template: the pages that use it, not the others.
    let path = s.edit(
        "themes/default/templates/service.html",
        "<article class=\"service\">",
        "<article class=\"service\" data-edited=\"1\">",
    );
    let r = s.update(&[path]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    assert!(
        r.changed.iter().all(|u| u.starts_with("/services/")),
        "only service pages: {:?}",
        r.changed
    );
    assert!(r.pages >= 19, "every service page: {}", r.pages);
    s.assert_same_as_full_build("template");

    // 7. A partial used everywhere, and an interface string.
    let path = s.edit(
        "themes/default/strings.yaml",
        "nav_news: 工作动态",
        "nav_news: 新闻动态",
    );
    let r = s.update(&[path]);
    assert!(r.succeeded());
    // Every page made through the templates reads the strings; a redirect
    // page of an alias reads only its item's title and address.
    assert_eq!(
        r.pages + s.redirect_pages(),
        s.html_pages(),
        "a string change renders every page but the redirects"
    );
    s.assert_same_as_full_build("strings");

    // 8. A folder at once: a new station with its services (a "save all").
    let a = s.write(
        "content/stations/xinzhan.md",
        "---\ntitle: 新站\n---\n\n## 简介\n\n新站。\n",
    );
    let b = s.write(
        "content/services/xinzhan/yi.md",
        "---\ntitle: 服务一\ncategory: 助老服务\n---\n",
    );
    let c = s.write(
        "content/services/xinzhan/er.md",
        "---\ntitle: 服务二\ncategory: 议事协商\n---\n",
    );
    let r = s.update(&[a, b, c, s.site("content/services/xinzhan")]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    s.assert_same_as_full_build("folder added");
    // ... and removed again, folder first.
    std::fs::remove_dir_all(s.site("content/services/xinzhan")).expect("rm");
    std::fs::remove_file(s.site("content/stations/xinzhan.md")).expect("rm");
    let r = s.update(&[
        s.site("content/services/xinzhan"),
        s.site("content/stations/xinzhan.md"),
    ]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    s.assert_same_as_full_build("folder removed");

    // 9. Publishing a draft; an attachment replaced by a bigger file.
    let path = s.edit(
        "content/news/jumin-gugan-zhaosheng-2027.md",
        "draft: true",
        "draft: false",
    );
    let r = s.update(&[path]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    s.assert_same_as_full_build("draft published");
    let pdf = s.site("content/training/xiangmuhua-yunzuo/kejian.pdf");
    let mut bytes = std::fs::read(&pdf).expect("read");
    bytes.extend_from_slice(&[b' '; 4096]);
    std::fs::write(&pdf, bytes).expect("write");
    let r = s.update(&[pdf]);
    assert!(r.succeeded());
    assert!(
        r.changed
            .contains(&"/training/xiangmuhua-yunzuo/".to_string()),
        "the course shows the new size: {:?}",
        r.changed
    );
    s.assert_same_as_full_build("asset");

    // 10. CRLF and BOM, as a Windows editor saves.
    let rel = "content/organizations/yimin-she.md";
    let text = std::fs::read_to_string(s.site(rel))
        .expect("read")
        .replace('\n', "\r\n");
    let path = s.write(rel, &format!("\u{feff}{text}"));
    let r = s.update(&[path]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    s.assert_same_as_full_build("crlf");

    // 11. The settings: everything again.
    let path = s.edit(
        "site.yaml",
        "title: 管庄地区社区社工站",
        "title: 管庄地区社工站",
    );
    let r = s.update(&[path]);
    assert!(r.succeeded());
    assert_eq!(
        r.pages,
        s.html_pages(),
        "a settings change renders every page"
    );
    s.assert_same_as_full_build("settings");

    // Search turned off: the index, the search page and the header's box go;
    // turned on again, they come back.
    let live = s.dir.path().join("live");
    assert!(live.join("search/index.json").is_file());
    let path = s.edit(
        "site.yaml",
        "title: 管庄地区社工站",
        "title: 管庄地区社工站\nsearch: false",
    );
    let r = s.update(&[path]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    assert!(!live.join("search").exists(), "the search files stayed");
    let home = std::fs::read_to_string(live.join("index.html")).expect("home");
    assert!(!home.contains("role=\"search\""), "the search box stayed");
    s.assert_same_as_full_build("search off");
    let path = s.edit("site.yaml", "\nsearch: false", "");
    let r = s.update(&[path]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    assert!(live.join("search/index.json").is_file());
    assert!(live.join("search/index.html").is_file());
    s.assert_same_as_full_build("search on");
}

#[test]
fn moving_an_organization_to_another_station_regroups_the_directory() {
    let mut s = Session::new();
    let directory = s.dir.path().join("live/organizations/index.html");
    let before = std::fs::read_to_string(&directory).expect("directory");
    let r = s.edit_and_update(
        "content/organizations/wuye-lianqiao.md",
        "station: huixi",
        "station: lijingyuan",
    );
    assert!(
        r.changed.contains(&"/organizations/".to_string()),
        "{:?}",
        r.changed
    );
    let after = std::fs::read_to_string(&directory).expect("directory");
    assert!(after != before, "the directory did not change");
    s.assert_same_as_full_build("organization moved");

    // And back: the directory as it was.
    s.edit_and_update(
        "content/organizations/wuye-lianqiao.md",
        "station: lijingyuan",
        "station: huixi",
    );
    assert!(
        std::fs::read_to_string(&directory).expect("directory") == before,
        "the directory differs from before the move"
    );
    s.assert_same_as_full_build("organization moved back");
    // Enough organizations of the last station for three directory pages.
    // One moving from the first page to the end of the third shifts the
    // second by one place: none of its organizations changed, only the
    // list around them.
    let many: Vec<PathBuf> = (0..110)
        .map(|n| {
            s.write(
                &format!("content/organizations/xiaozu-{n:02}.md"),
                &format!("---\ntitle: 兴趣小组{n:02}\nstation: lijingyuan\nkind: 文体活动类\n---\n\n小组。\n"),
            )
        })
        .collect();
    let r = s.update(&many);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    s.assert_same_as_full_build("three directory pages");
    let second = s.dir.path().join("live/organizations/page/2/index.html");
    let second_before = std::fs::read_to_string(&second).expect("second page");
    s.edit_and_update(
        "content/organizations/yimin-she.md",
        "station: huixi",
        "station: lijingyuan",
    );
    assert!(
        std::fs::read_to_string(&second).expect("second page") != second_before,
        "the second page did not change"
    );
    s.assert_same_as_full_build("the second page shifted");
}

#[test]
fn editor_litter_and_unrelated_files_change_nothing() {
    let mut s = Session::new();
    let swap = s.write("content/stations/.huixi.md.swp", "binary junk");
    let backup = s.write("content/stations/huixi.md~", "---\ntitle: old\n---\n");
    let vim_probe = s.write("content/stations/4913", "");
    let outside = s.write("notes.txt", "not part of the site");
    let r = s.update(&[swap, backup, vim_probe, outside]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    assert_eq!(r.pages, 0, "{:?}", r.changed);
    s.assert_same_as_full_build("litter");
}

#[test]
fn renaming_a_heading_breaks_the_links_to_it_and_restoring_it_mends_them() {
    let mut s = Session::new();
    // about.md links to a heading of the report; rename that heading.
    let report = "content/reports/shidian-yinian.md";
    let path = s.edit(report, "## 经验做法", "## 经验与做法");
    let r = s.update(&[path]);
    assert!(!r.succeeded(), "the link from about.md must now fail");
    let errors: Vec<String> = r
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.file, d.message()))
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("content/about.md") && e.contains("#经验做法")),
        "{errors:?}"
    );
    let path = s.edit(report, "## 经验与做法", "## 经验做法");
    let r = s.update(&[path]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    s.assert_same_as_full_build("heading restored");
}

/// A tera component defined in one template and called from another: an
/// edit of the component (a template no page names) re-renders the pages
/// that call it, as a clean build does.
#[test]
fn editing_a_component_used_by_another_template_matches_a_full_build() {
    let mut s = Session::new();
    let components = s.write(
        "templates/components.html",
        "{% component badge(text) %}<b class=\"badge\">{{ text }}</b>{% endcomponent badge %}\n",
    );
    let service = s.edit(
        "themes/default/templates/service.html",
        "{% block content %}",
        "{% block content %}{{ <badge text=\"服务\" /> }}",
    );
    let r = s.update(&[components.clone(), service]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    s.assert_same_as_full_build("component added");

    let path = s.edit(
        "templates/components.html",
        "class=\"badge\"",
        "class=\"tag\"",
    );
    let r = s.update(&[path]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    assert!(
        r.changed
            .contains(&"/services/huixi/wuye-xieshang/".to_string()),
        "a page calling the component was not re-rendered: {:?}",
        r.changed
    );
    s.assert_same_as_full_build("component edited");

    std::fs::remove_file(&components).expect("remove");
    let service = s.edit(
        "themes/default/templates/service.html",
        "{% block content %}{{ <badge text=\"服务\" /> }}",
        "{% block content %}",
    );
    let r = s.update(&[components, service]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    s.assert_same_as_full_build("component removed");
}

/// The pages an edit changed are announced as soon as they are written, and
/// before the bigger files (open data, search index) are: the preview
/// server reloads the page in front of the author sooner.
#[test]
fn changed_pages_are_announced_before_the_other_files_are_written() {
    let mut s = Session::new();
    let live = s.dir.path().join("live");
    // (paths announced, the page, the open data) as they were at the call.
    type Seen = Vec<(Vec<String>, String, String)>;
    let seen: std::sync::Arc<std::sync::Mutex<Seen>> = std::sync::Arc::default();
    let record = std::sync::Arc::clone(&seen);
    let output = live.clone();
    s.ws.on_pages_written(Box::new(move |paths| {
        let read = |rel: &str| std::fs::read_to_string(output.join(rel)).unwrap_or_default();
        record.lock().expect("lock").push((
            paths.to_vec(),
            read("services/huixi/wuye-xieshang/index.html"),
            read("data/services.json"),
        ));
    }));
    let path = s.edit(
        "content/services/huixi/wuye-xieshang.md",
        "title: 物业协商议事会",
        "title: 物业协商议事堂",
    );
    let r = s.update(&[path]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    let seen = seen.lock().expect("lock");
    assert_eq!(seen.len(), 1, "announced once");
    let (paths, page, data) = &seen[0];
    assert!(paths.contains(&"/services/huixi/wuye-xieshang/".to_string()));
    assert!(
        page.contains("物业协商议事堂"),
        "the page was not written yet"
    );
    assert!(
        !data.contains("物业协商议事堂") && data.contains("物业协商议事会"),
        "the open data was written before the pages were announced"
    );
    assert_eq!(r.announced, *paths);
    let data = std::fs::read_to_string(live.join("data/services.json")).expect("data");
    assert!(
        data.contains("物业协商议事堂"),
        "the open data was not written"
    );
    s.assert_same_as_full_build("announced");
}

#[test]
fn a_holiday_edit_in_site_yaml_remakes_what_reads_it() {
    let mut s = Session::new();
    let site_yaml = s.site("site.yaml");
    let before = std::fs::read_to_string(&site_yaml).expect("site.yaml");
    assert!(before.contains("holidays:"), "the demo declares holidays");
    // 2027-01-05 is a Tuesday: 惠东's visits (节假日除外) and its weekday
    // hours (holidays: closed) are not held that day.
    let path = s.write(
        "site.yaml",
        &format!("{before}  2027:\n    closed: [2027-01-05]\n"),
    );
    let r = s.update(&[path]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    assert!(
        r.changed.contains(&"/stations/huidong/".to_string()),
        "the page's opening data reads the holidays: {:?}",
        r.changed
    );
    let calendar = std::fs::read_to_string(
        s.dir
            .path()
            .join("live/services/huidong/kongchao-tanfang/calendar.ics"),
    )
    .expect("calendar");
    assert!(
        calendar.contains("EXDATE;TZID=Asia/Shanghai:20270105T090000"),
        "{calendar}"
    );
    s.assert_same_as_full_build("holiday added");

    let path = s.write("site.yaml", &before);
    let r = s.update(&[path]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    s.assert_same_as_full_build("holiday removed");
}
