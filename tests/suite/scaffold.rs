//! `zhan init` and `zhan new`.

use crate::common;

use common::zhan;

#[test]
fn init_then_build_in_an_empty_folder() {
    let dir = tempfile::tempdir().expect("temp");
    let site = dir.path().join("my-site");
    let out = zhan()
        .arg("init")
        .arg(&site)
        .current_dir(dir.path())
        .output()
        .expect("init");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(site.join("site.yaml").is_file());
    assert!(site.join("content/stations/huixi.md").is_file());
    assert!(site.join("themes/default/templates/base.html").is_file());
    let built = zhan()
        .arg("--root")
        .arg(&site)
        .arg("build")
        .output()
        .expect("build");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let html =
        std::fs::read_to_string(site.join("output/stations/huixi/index.html")).expect("page");
    assert!(html.contains("物业连桥社"));
}

#[test]
fn init_refuses_a_folder_that_is_not_empty() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
    let out = zhan().arg("init").arg(dir.path()).output().expect("init");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("错误[E-INIT-NOT-EMPTY]"));
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
}

#[test]
fn a_bare_folder_of_content_builds_with_the_built_in_theme() {
    let site = common::TestSite::new();
    assert!(!site.path().join("themes").exists());
    site.build().expect("build with the embedded theme");
    assert!(site.path().join("output/css/style.css").is_file());
}

#[test]
fn site_templates_override_single_theme_templates() {
    let site = common::TestSite::new();
    site.write("templates/news.html", "{% extends \"base.html\" %}{% block content %}<h1 class=\"mine\">{{ page.title }}</h1>{% endblock content %}");
    site.write("content/news/a.md", "---\ntitle: 消息\n---\n");
    site.build().expect("build");
    assert!(
        site.read("output/news/a/index.html")
            .contains("<h1 class=\"mine\">消息</h1>")
    );
    assert!(
        site.read("output/stations/huidong/index.html")
            .contains("服务清单"),
        "other templates still from the theme"
    );
}

#[test]
fn new_makes_each_kind_of_file_and_the_site_still_builds() {
    let dir = tempfile::tempdir().expect("temp");
    let site = dir.path().join("s");
    assert!(
        zhan()
            .arg("init")
            .arg(&site)
            .output()
            .expect("init")
            .status
            .success()
    );
    let made = [
        ("station", "xinzhan", "content/stations/xinzhan.md"),
        (
            "service",
            "huidong/laoren-tanfang",
            "content/services/huidong/laoren-tanfang.md",
        ),
        (
            "organization",
            "xin-zuzhi",
            "content/organizations/xin-zuzhi.md",
        ),
        (
            "course",
            "xin-kecheng",
            "content/training/xin-kecheng/_index.md",
        ),
        (
            "lesson",
            "xin-kecheng/di-yi-jiang",
            "content/training/xin-kecheng/di-yi-jiang.md",
        ),
        ("project", "xin-xiangmu", "content/projects/xin-xiangmu.md"),
        ("report", "xin-baogao", "content/reports/xin-baogao.md"),
        ("news", "xin-xiaoxi", "content/news/xin-xiaoxi.md"),
        ("page", "guide/contact", "content/guide/contact.md"),
    ];
    for (kind, path, file) in made {
        let out = zhan()
            .arg("--root")
            .arg(&site)
            .args(["new", kind, path])
            .output()
            .expect("new");
        assert!(
            out.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(site.join(file).is_file(), "{file}");
    }
    let built = zhan()
        .arg("--root")
        .arg(&site)
        .arg("build")
        .output()
        .expect("build");
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert!(
        built.status.success(),
        "files made by `new` must build as they are:\n{stderr}"
    );
    // The only warnings: the placeholders still to fill in, in every file.
    let printed = common::diagnostics(&stderr);
    assert!(
        printed.iter().all(|d| d.code.starts_with("W-PLACEHOLDER")),
        "{printed:#?}"
    );
    for (_, _, file) in made {
        assert!(
            printed
                .iter()
                .any(|d| d.file.ends_with(file) && d.code == "W-PLACEHOLDER" && d.line == 2),
            "no title placeholder warning for {file}"
        );
        assert!(
            printed
                .iter()
                .any(|d| d.file.ends_with(file) && d.code == "W-PLACEHOLDER-BODY"),
            "{file}"
        );
    }
    // Refuses to overwrite.
    let again = zhan()
        .arg("--root")
        .arg(&site)
        .args(["new", "service", "huidong/laoren-tanfang"])
        .output()
        .expect("new");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("错误[E-NEW-EXISTS]"));
    // Refuses bad ids and unknown kinds with a hint.
    let bad = zhan()
        .arg("--root")
        .arg(&site)
        .args(["new", "servise", "huidong/x"])
        .output()
        .expect("new");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("是不是想写 `service`？"));
    let bad = zhan()
        .arg("--root")
        .arg(&site)
        .args(["new", "news", "../escape"])
        .output()
        .expect("new");
    assert_eq!(bad.status.code(), Some(2));
    assert!(!dir.path().join("escape.md").exists());
    // A service of a station that does not exist, a lesson of no course.
    for (kind, path, file) in [
        ("service", "huidng/x", "content/services/huidng/x.md"),
        ("lesson", "no-course/x", "content/training/no-course/x.md"),
    ] {
        let bad = zhan()
            .arg("--root")
            .arg(&site)
            .args(["new", kind, path])
            .output()
            .expect("new");
        assert_eq!(bad.status.code(), Some(2), "{kind}");
        assert!(!site.join(file).exists(), "{file}");
        if kind == "service" {
            assert!(String::from_utf8_lossy(&bad.stderr).contains("`huidong`"));
        }
    }
}

#[test]
fn new_files_hold_every_field_of_their_type_explained() {
    let dir = tempfile::tempdir().expect("temp");
    let site = dir.path().join("s");
    assert!(
        zhan()
            .arg("init")
            .arg(&site)
            .status()
            .expect("init")
            .success()
    );
    let kinds = [
        ("station", "xinzhan", "content/stations/xinzhan.md"),
        ("service", "huidong/x", "content/services/huidong/x.md"),
        ("organization", "x", "content/organizations/x.md"),
        ("course", "x", "content/training/x/_index.md"),
        ("lesson", "x/y", "content/training/x/y.md"),
        ("project", "x", "content/projects/x.md"),
        ("report", "x", "content/reports/x.md"),
        ("news", "x", "content/news/x.md"),
    ];
    let mut texts = std::collections::HashMap::new();
    for (kind, path, file) in kinds {
        assert!(
            zhan()
                .arg("--root")
                .arg(&site)
                .args(["new", kind, path])
                .status()
                .expect("new")
                .success()
        );
        let text = std::fs::read_to_string(site.join(file)).expect("file");
        let front = text.split("---").nth(1).expect("front matter").to_string();
        texts.insert(kind, front);
    }
    // A line of the field, also in a list entry or a commented example.
    let has = |kind: &str, line_start: &str| {
        texts[kind].lines().any(|l| {
            l.trim_start_matches([' ', '#', '-'])
                .starts_with(line_start)
        })
    };
    // The fields the old templates left out, and a few of every type.
    for key in [
        "tags:",
        "eligibility:",
        "materials:",
        "complaint_phone:",
        "note:",
        "cover:",
    ] {
        assert!(has("service", key), "service {key}");
    }
    for key in ["mascot:", "cover:", "opening_hours:", "qualification:"] {
        assert!(has("station", key), "station {key}");
    }
    assert!(has("course", "file:") && has("lesson", "duration:") && has("report", "baseline:"));
    // Coded values are explained in Chinese, vocabularies listed.
    let status = texts["service"]
        .lines()
        .find(|l| l.starts_with("status:"))
        .expect("status");
    assert!(
        status.contains("active 正常开展、paused 暂停、ended 已结束"),
        "{status}"
    );
    assert!(texts["service"].contains("可选：助老服务、议事协商"));
    assert!(texts["project"].contains("planned 筹备中"));
}

/// Runs zhan with `args`, asserting success; returns its stderr.
fn run_ok(args: &[&std::ffi::OsStr]) -> String {
    let out = zhan().args(args).output().expect("zhan");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "zhan {args:?}:\n{stderr}");
    stderr
}

#[test]
fn init_empty_makes_a_site_without_the_demo_that_builds_cleanly() {
    let dir = tempfile::tempdir().expect("temp");
    let site = dir.path().join("x");
    let said = run_ok(&["init".as_ref(), site.as_os_str(), "--empty".as_ref()]);
    assert!(said.contains("zhan new station"), "{said}");
    assert!(site.join("site.yaml").is_file());
    assert!(site.join("themes/default/templates/base.html").is_file());
    assert_eq!(
        std::fs::read_to_string(site.join(".gitignore")).expect(".gitignore"),
        "output/\n"
    );
    // Nothing of the demo: only the home page under content/.
    let content: Vec<_> = walkdir::WalkDir::new(site.join("content"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(&site).expect("inside").to_path_buf())
        .collect();
    assert_eq!(content, [std::path::PathBuf::from("content/_index.md")]);
    assert!(!site.join("content/stations/huidong.md").exists());
    let yaml = std::fs::read_to_string(site.join("site.yaml")).expect("site.yaml");
    assert!(yaml.contains("title: 我们的社工站"), "{yaml}");
    assert!(!yaml.contains("管庄"), "{yaml}");
    let home = std::fs::read_to_string(site.join("content/_index.md")).expect("home");
    assert!(home.contains("zhan new station"), "{home}");
    assert!(home.contains("zhan serve"), "{home}");

    let root = ["--root".as_ref(), site.as_os_str()];
    let built = run_ok(&[root[0], root[1], "build".as_ref()]);
    assert!(built.contains("（0 个警告）"), "{built}");
    assert!(common::diagnostics(&built).is_empty(), "{built}");
    let index = std::fs::read_to_string(site.join("output/index.html")).expect("home page");
    assert!(index.contains("我们的社工站"));
    assert!(!index.contains("惠东"), "no demo content in the home page");

    // The first station and a service of it, as the home page says.
    run_ok(&[
        root[0],
        root[1],
        "new".as_ref(),
        "station".as_ref(),
        "x".as_ref(),
    ]);
    run_ok(&[
        root[0],
        root[1],
        "new".as_ref(),
        "service".as_ref(),
        "x/a".as_ref(),
    ]);
    let built = run_ok(&[root[0], root[1], "build".as_ref()]);
    // Only the placeholders of the two new files are left to fill in.
    assert!(
        common::diagnostics(&built)
            .iter()
            .all(|d| d.code.starts_with("W-PLACEHOLDER")),
        "{built}"
    );
    assert!(site.join("output/stations/x/index.html").is_file());
    assert!(site.join("output/services/x/a/index.html").is_file());
}

#[test]
fn init_without_empty_still_copies_the_demo_and_mentions_empty() {
    let dir = tempfile::tempdir().expect("temp");
    let site = dir.path().join("demo");
    let said = run_ok(&["init".as_ref(), site.as_os_str()]);
    assert!(site.join("content/stations/huidong.md").is_file());
    assert!(said.contains("zhan init --empty"), "{said}");
    let help = zhan().args(["init", "--help"]).output().expect("help");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--empty"), "{help}");
    assert!(help.contains("不要示例内容"), "{help}");
}

#[test]
fn init_empty_refuses_a_folder_that_is_not_empty() {
    let dir = tempfile::tempdir().expect("temp");
    std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
    let out = zhan()
        .arg("init")
        .arg("--empty")
        .arg(dir.path())
        .output()
        .expect("init");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("错误[E-INIT-NOT-EMPTY]"));
    assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
}
