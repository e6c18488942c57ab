//! The output folder: replaced only by a successful build, never damaged by a
//! failed one, and never a folder zhan did not make.

use crate::common;

use common::TestSite;

#[test]
fn a_failed_build_leaves_the_previous_output_byte_for_byte() {
    let site = TestSite::new();
    site.build().expect("first build");
    let output = site.path().join("output");
    let before = common::snapshot(&output);
    assert!(before.contains_key("stations/huidong/index.html"));

    // A good edit and a broken file in the same save: nothing may change.
    site.write(
        "content/stations/huidong.md",
        "---\ntitle: 改过的标题\n---\n\n## 站点简介\n",
    );
    site.write(
        "content/services/huidong/tanfang.md",
        "---\ntitle: 探访\ncategory: 不存在的类别\n---\n",
    );
    site.errors();
    assert_eq!(
        common::snapshot(&output),
        before,
        "the output changed after a failed build"
    );

    // A template error fails the build too, after the content was fine.
    site.write(
        "content/services/huidong/tanfang.md",
        "---\ntitle: 探访\ncategory: 助老服务\n---\n",
    );
    site.write(
        "templates/station.html",
        "{% extends \"base.html\" %}{% block content %}{{ page.nope.x }}{% endblock content %}",
    );
    site.errors();
    assert_eq!(
        common::snapshot(&output),
        before,
        "the output changed after a template error"
    );

    // No staging folders are left behind.
    let names: Vec<String> = std::fs::read_dir(site.path())
        .expect("list")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names
            .iter()
            .all(|n| !n.contains("staging") && !n.contains(".old-")),
        "{names:?}"
    );

    // Once fixed, the next build replaces the output.
    site.remove("templates/station.html");
    site.build().expect("fixed build");
    assert!(
        site.read("output/stations/huidong/index.html")
            .contains("改过的标题")
    );
    assert!(
        !site
            .path()
            .join("output/services/huidong/gone/index.html")
            .exists()
    );
}

#[test]
fn removed_pages_disappear_from_the_output() {
    let site = TestSite::new();
    site.write("content/news/old.md", "---\ntitle: 旧闻\n---\n");
    site.build().expect("build");
    assert!(site.path().join("output/news/old/index.html").exists());
    site.remove("content/news/old.md");
    site.build().expect("build");
    assert!(!site.path().join("output/news/old").exists());
}

#[test]
fn a_folder_not_made_by_zhan_is_not_replaced() {
    let site = TestSite::new();
    let precious = site.path().join("documents");
    std::fs::create_dir(&precious).expect("mkdir");
    std::fs::write(precious.join("letter.txt"), "keep me").expect("write");
    let out = site.run(&["build", "--output", &precious.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("错误[E-OUTPUT-NOT-OURS]"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(precious.join("letter.txt")).expect("read"),
        "keep me"
    );
    assert_eq!(std::fs::read_dir(&precious).expect("list").count(), 1);
}

#[test]
fn output_inside_content_is_refused() {
    let site = TestSite::new();
    let out = site.run(&[
        "build",
        "--output",
        &site.path().join("content/out").to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("错误[E-OUTPUT-INSIDE-SOURCE]"));
    assert!(!site.path().join("content/out").exists());
}

#[test]
fn base_url_option_changes_absolute_links_and_404_links() {
    let site = TestSite::new();
    site.run(&["build", "--base-url", "https://jiedao.example.cn/gz"]);
    let html = site.read("output/stations/huidong/index.html");
    // Links inside the site are relative: the same under /gz/ as at a root.
    assert!(
        html.contains("href=\"../../services/huidong/tanfang/\""),
        "{html}"
    );
    assert!(html.contains("href=\"../../css/style.css\""));
    // What leaves the site stays absolute: JSON-LD, here.
    assert!(html.contains("\"url\":\"https://jiedao.example.cn/gz/stations/huidong/\""));
    // A server shows 404.html at any address: its links keep the sub-folder.
    let missing = site.read("output/404.html");
    assert!(missing.contains("href=\"/gz/css/style.css\""), "{missing}");
    assert!(
        site.read("output/sitemap.xml")
            .contains("<loc>https://jiedao.example.cn/gz/stations/huidong/</loc>")
    );
}

#[test]
fn what_windows_office_and_editors_leave_behind_is_never_published() {
    let site = TestSite::new();
    let litter = [
        "content/stations/Thumbs.db",
        "content/stations/desktop.ini",
        "content/news/~$活动方案.docx",
        "content/news/活动方案.docx.bak",
        "content/news/.DS_Store",
        "content/news/photo.TMP",
    ];
    for rel in litter {
        site.write_bytes(rel, b"not for the public");
    }
    site.write_bytes("content/news/kept.pdf", b"%PDF-1.4 kept");
    site.build().expect("build");
    let out = site.path().join("output");
    let published: Vec<String> = walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for rel in litter {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        assert!(!published.iter().any(|p| p == name), "{name} was published");
    }
    assert!(
        published.iter().any(|p| p == "kept.pdf"),
        "a real attachment is"
    );
}
