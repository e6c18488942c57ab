//! What a station worker's folder really holds (issue 11, point 6): files
//! named as Windows and Notepad name them, litter, slips that must not
//! cascade into more errors, placeholders left unfilled.

use crate::common;

use common::TestSite;

#[test]
fn markdown_under_another_name_is_refused_with_the_name_to_give_it() {
    let site = TestSite::new();
    let text = "---\ntitle: 秘密草稿\ndraft: true\ndate: 2026-01-01\n---\n\n不该发布。\n";
    let misnamed = [
        ("content/news/huodong.md.txt", "huodong.md"),
        ("content/news/kaimu.MD", "kaimu.md"),
        ("content/guide.markdown", "guide.md"),
    ];
    for (rel, _) in misnamed {
        site.write(rel, text);
    }
    let (errors, _) = site.errors();
    for (rel, wanted) in misnamed {
        let e = errors
            .iter()
            .find(|e| e.file.ends_with(rel))
            .unwrap_or_else(|| panic!("no error for {rel}: {errors:#?}"));
        assert_eq!(e.code, "E-NAME-NOT-MD");
        assert_eq!((e.line, e.col), (1, 1));
        assert!(common::has_chinese(&e.message));
        assert!(e.hint.contains(&format!("`{wanted}`")), "{}", e.hint);
    }
    // Renamed, the pages build; nothing of the raw files was ever published.
    for (rel, wanted) in misnamed {
        site.remove(rel);
        let folder = rel.rsplit_once('/').map_or("", |(f, _)| f);
        site.write(
            &format!("{folder}/{wanted}"),
            &text.replace("draft: true\n", ""),
        );
    }
    site.build().expect("renamed files build");
    let out = site.path().join("output");
    assert!(out.join("news/huodong/index.html").is_file());
    assert!(out.join("guide/index.html").is_file());
    for (rel, _) in misnamed {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        assert!(
            !walkdir::WalkDir::new(&out)
                .into_iter()
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy() == name),
            "{name} published"
        );
    }
}

#[test]
fn one_mistake_is_one_error_not_a_cascade() {
    let site = TestSite::new();
    // A number written with a thousands comma: the metric's other fields
    // are not "unknown".
    site.write(
        "content/reports/yinian.md",
        "---\ntitle: 一年成效\ndate: 2026-01-01\nstations: [huidong]\nmetrics:\n  - station: huidong\n    name: 服务人次\n    value: \"3,650\"\n    unit: 人次\n    baseline: 1200\n---\n",
    );
    // A session with a date that is not one: not also "needs days or date".
    site.write(
        "content/services/huidong/tanfang.md",
        "---\ntitle: 探访\ncategory: 助老服务\nschedule:\n  - date: 2026-02-30\n    time: \"09:00-11:00\"\n---\n",
    );
    let (printed, _) = site.errors();
    let report: Vec<_> = printed
        .iter()
        .filter(|e| e.file.ends_with("reports/yinian.md"))
        .collect();
    assert_eq!(report.len(), 1, "{report:#?}");
    assert_eq!((report[0].line, report[0].col), (8, 12));
    let service: Vec<_> = printed
        .iter()
        .filter(|e| e.file.ends_with("services/huidong/tanfang.md"))
        .collect();
    assert_eq!(service.len(), 1, "{service:#?}");
    assert_eq!(service[0].line, 5);
    assert_ne!(service[0].code, "E-SESSION-WHEN");
}

#[test]
fn a_file_no_page_links_to_is_named_in_a_warning() {
    let site = TestSite::new();
    site.write_bytes("content/news/IMG_2041.jpg", b"\xff\xd8\xff\xe0 photo");
    site.write_bytes("content/news/linked.pdf", b"%PDF-1.4");
    site.write(
        "content/news/kaimu.md",
        "---\ntitle: 开幕\ndate: 2026-01-01\n---\n\n[活动方案](linked.pdf)\n",
    );
    let out = site.run(&["check"]);
    let printed = common::diagnostics(&String::from_utf8_lossy(&out.stderr));
    let unlinked: Vec<_> = printed
        .iter()
        .filter(|d| d.code == "W-ASSET-UNLINKED")
        .collect();
    assert_eq!(unlinked.len(), 1, "{printed:#?}");
    assert!(unlinked[0].file.ends_with("content/news/IMG_2041.jpg"));
    assert_eq!(unlinked[0].severity, "warning");
    assert!(common::has_chinese(&unlinked[0].message));
    // Linked from a page, the warning goes.
    site.write(
        "content/news/kaimu.md",
        "---\ntitle: 开幕\ndate: 2026-01-01\n---\n\n[活动方案](linked.pdf)\n\n![开幕现场](IMG_2041.jpg)\n",
    );
    let out = site.run(&["check"]);
    let printed = common::diagnostics(&String::from_utf8_lossy(&out.stderr));
    assert!(
        !printed.iter().any(|d| d.code == "W-ASSET-UNLINKED"),
        "{printed:#?}"
    );
}

#[test]
fn a_mistyped_command_is_answered_in_chinese_with_the_fix() {
    let cases: [(&[&str], &str, &str); 4] = [
        (&["biuld"], "E-CLI-COMMAND", "`zhan build`"),
        (&["build", "--drafs"], "E-CLI-OPTION", "`--drafts`"),
        (&["--lang", "de", "build"], "E-CLI-VALUE", "zh-CN"),
        (&["new"], "E-CLI-MISSING", "--help"),
    ];
    for (args, code, fix) in cases {
        let out = common::zhan().args(args).output().expect("zhan");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("错误[{code}]")),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains(fix), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("error:"),
            "clap's English leaked: {stderr}"
        );
    }
    // `zhan help` is the help, as in git and cargo.
    let out = common::zhan().arg("help").output().expect("zhan");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("用法"));
}
