//! Hostile and odd input: an error (or, for BOM and CRLF, a normal build),
//! never a crash or a hang.

use crate::common;

use std::time::{Duration, Instant};

use common::TestSite;

const STATION: &str = "content/stations/huidong.md";

/// Builds with a time limit, so a hang fails the test instead of blocking it.
fn build_within(site: &TestSite, limit: Duration) -> (i32, String) {
    let started = Instant::now();
    let result = site.build();
    assert!(
        started.elapsed() < limit,
        "the build took {:?}",
        started.elapsed()
    );
    match result {
        Ok(stderr) => (0, stderr),
        Err(failed) => failed,
    }
}

#[test]
fn invalid_utf8_is_an_error_at_the_first_bad_byte() {
    let site = TestSite::new();
    // "管庄" in GBK, the old Chinese Windows encoding.
    site.write_bytes(
        "content/news/gbk.md",
        b"---\ntitle: \xb9\xdc\xd7\xaf\n---\n",
    );
    let (errors, _) = site.errors();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].file.ends_with("content/news/gbk.md"));
    assert_eq!((errors[0].line, errors[0].col), (2, 8));
    assert!(
        errors[0].code == "E-NOT-UTF8-GBK" && errors[0].message.contains("GBK"),
        "{}",
        errors[0].message
    );
    assert!(errors[0].hint.contains("UTF-8"));
}

#[test]
fn bom_and_crlf_are_accepted_and_positions_stay_right() {
    let site = TestSite::new();
    let crlf = "\u{feff}---\r\ntitle: 探访\r\ncategory: 助老服务\r\n---\r\n\r\n## 服务流程\r\n\r\n正文。\r\n";
    site.write("content/services/huidong/crlf.md", crlf);
    let stderr = site.build().expect("BOM and CRLF build");
    assert!(stderr.contains("0 个警告"), "{stderr}");
    let html = site.read("output/services/huidong/crlf/index.html");
    assert!(html.contains("<h2 id=\"服务流程\">服务流程</h2>"), "{html}");
    assert!(!html.contains('\r'));
    // A mistake in such a file is reported at the line an editor shows.
    site.write(
        "content/services/huidong/crlf.md",
        &crlf.replace("助老服务", "助老"),
    );
    let (errors, _) = site.errors();
    assert_eq!((errors[0].line, errors[0].col), (3, 11));
}

#[test]
fn yaml_alias_bomb_is_refused_quickly() {
    let site = TestSite::new();
    let mut yaml = String::from(
        "---\ntitle: 炸弹\na: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
    );
    let names = ["b", "c", "d", "e", "f", "g", "h", "i"];
    let mut previous = "a";
    for name in names {
        let refs = vec![format!("*{previous}"); 9].join(", ");
        yaml.push_str(&format!("{name}: &{name} [{refs}]\n"));
        previous = name;
    }
    yaml.push_str("---\n");
    site.write("content/news/bomb.md", &yaml);
    let (code, stderr) = build_within(&site, Duration::from_secs(20));
    assert_eq!(code, 1, "{stderr}");
    let errors = common::diagnostics(&stderr);
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].code == "E-YAML-TOO-MANY", "{}", errors[0].message);
    assert!(errors[0].hint.contains("`*名称`"), "{}", errors[0].hint);
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_an_error_not_a_hang() {
    let site = TestSite::new();
    std::os::unix::fs::symlink("..", site.path().join("content/stations/loop")).expect("symlink");
    let (code, stderr) = build_within(&site, Duration::from_secs(20));
    assert_eq!(code, 1, "{stderr}");
    let errors = common::diagnostics(&stderr);
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].file.ends_with("content/stations/loop"),
        "{}",
        errors[0].file
    );
    assert!(errors[0].code == "E-LINK-LOOP", "{}", errors[0].message);
}

#[cfg(unix)]
#[test]
fn symlink_to_a_file_outside_the_site_is_refused() {
    let site = TestSite::new();
    let outside = tempfile::tempdir().expect("temp");
    std::fs::write(
        outside.path().join("secret.md"),
        "---\ntitle: 机密\n---\n机密内容\n",
    )
    .expect("write");
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        site.path().join("content/secret.md"),
    )
    .expect("symlink");
    let (errors, _) = site.errors();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].code, "E-LINK-OUTSIDE");
    assert!(!site.path().join("output/secret/index.html").exists());
}

#[test]
fn a_ten_megabyte_file_is_refused_quickly() {
    let site = TestSite::new();
    let mut big = String::from("---\ntitle: 大文件\n---\n");
    let line = "社工站组织开展居民议事协商，服务覆盖辖区多个楼栋。\n";
    while big.len() < 10 * 1024 * 1024 {
        big.push_str(line);
    }
    site.write("content/news/big.md", &big);
    let (code, stderr) = build_within(&site, Duration::from_secs(20));
    assert_eq!(code, 1, "{stderr}");
    let errors = common::diagnostics(&stderr);
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].code == "E-PAGE-TOO-BIG" && errors[0].message.contains("最多 2 MB"),
        "{}",
        errors[0].message
    );
}

#[test]
fn paths_in_front_matter_cannot_leave_the_site() {
    let site = TestSite::new();
    site.write(STATION, "---\ntitle: 惠东\ncover: ../../../../../../etc/passwd\naliases: [\"../../../etc/cron.d/x\"]\n---\n\n## 站点简介\n");
    site.write(
        "content/training/jichu/_index.md",
        "---\ntitle: 社工基础\nlevel: 助理社工师\nattachments:\n  - title: 密码\n    file: /etc/passwd\n  - title: 网络\n    file: https://cdn.example.com/x.pdf\n---\n",
    );
    let (errors, _) = site.errors();
    // (The files the page linked before are now unlinked: warnings.)
    let summary: Vec<(u32, u32, &str)> = errors
        .iter()
        .filter(|e| e.severity == "error")
        .map(|e| (e.line, e.col, e.code.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (3, 8, "E-FILE-OUTSIDE"),
            (4, 11, "E-ALIAS-BAD"),
            (6, 11, "E-FILE-OUTSIDE"),
            (8, 11, "E-FILE-EXTERNAL"),
        ]
    );
    assert!(!site.path().join("output").exists());
}

#[test]
fn links_and_raw_html_cannot_inject_script() {
    let site = TestSite::new();
    site.write(
        "content/news/xss.md",
        "---\ntitle: \"<script>alert(1)</script>\"\nsummary: \"\\\" onmouseover=\\\"alert(1)\"\n---\n\n<script>alert(2)</script>\n\n<img src=x onerror=alert(3)>\n",
    );
    let stderr = site.build().expect("raw HTML is a warning, not an error");
    assert!(stderr.contains("警告[W-RAW-HTML]"), "{stderr}");
    let html = site.read("output/news/xss/index.html");
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;")
            || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("\" onmouseover=\"alert(1)"), "{html}");
    site.write(
        "content/news/xss.md",
        "---\ntitle: 链接\n---\n\n[点我](javascript:alert(1))\n",
    );
    let (errors, _) = site.errors();
    assert_eq!((errors[0].line, errors[0].col), (5, 6));
    assert_eq!(errors[0].code, "E-LINK-SCHEME");
    assert!(errors[0].message.contains("`javascript:`"));
}

#[test]
fn odd_tags_cannot_make_paths() {
    let site = TestSite::new();
    site.write(
        "content/news/tags.md",
        "---\ntitle: 标签\ntags: [\"../../escape\", \"a/b\", \"..\"]\n---\n",
    );
    site.build().expect("odd tags build");
    assert!(site.path().join("output/tags/escape/index.html").exists());
    assert!(site.path().join("output/tags/a-b/index.html").exists());
    assert!(site.path().join("output/tags/term/index.html").exists());
    assert!(!site.path().join("escape").exists());
}

#[test]
fn deep_nesting_and_odd_yaml_do_not_crash() {
    let site = TestSite::new();
    let deep = format!(
        "---\ntitle: 深\nx: {}{}\n---\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    site.write("content/news/deep.md", &deep);
    site.write("content/news/tagged.md", "---\ntitle: !custom 标签\n---\n");
    site.write("content/news/list.md", "---\n- 不是\n- 字段\n---\n");
    site.write("content/news/empty.md", "");
    let (code, stderr) = build_within(&site, Duration::from_secs(20));
    assert_eq!(code, 1, "{stderr}");
    let errors = common::diagnostics(&stderr);
    let files: Vec<&str> = errors
        .iter()
        .map(|e| e.file.rsplit('/').next().unwrap_or(""))
        .collect();
    assert_eq!(
        files,
        ["deep.md", "empty.md", "list.md", "tagged.md"],
        "{stderr}"
    );
}

/// The largest page zhan reads (`load::MAX_PAGE_BYTES`), less a little room.
const AT_THE_LIMIT: usize = 2 * 1024 * 1024 - 64;

/// `head`, then `unit` repeated while the whole stays under the size limit
/// with `tail` after it.
fn fill(head: &str, unit: &str, tail: &str) -> String {
    let room = AT_THE_LIMIT.saturating_sub(head.len() + tail.len());
    let mut text = String::with_capacity(AT_THE_LIMIT);
    text.push_str(head);
    text.push_str(&unit.repeat(room / unit.len()));
    text.push_str(tail);
    text
}

/// Every hostile class of this file, and the inputs that took time growing
/// with the square of their size (deep nesting, identical headings, many
/// fields), at the size limit: each build ends in under 2 s. A debug build
/// (what `cargo test` runs) is several times slower, so it gets 20 s: still
/// far below what the quadratic cases took (minutes to an hour and a half).
#[test]
fn every_hostile_class_at_the_size_limit_ends_quickly() {
    let limit = Duration::from_secs(if cfg!(debug_assertions) { 20 } else { 2 });
    let nested = |open: &str, close: &str| {
        let head = "---\ntitle: 深\nx: ";
        let pairs = (AT_THE_LIMIT - head.len() - 10) / (open.len() + close.len());
        format!("{head}{}{}\n---\n", open.repeat(pairs), close.repeat(pairs))
    };
    let staircase = {
        let mut text = String::from("---\ntitle: 深\n");
        let mut depth = 0;
        while text.len() + depth + 8 < AT_THE_LIMIT {
            text.push_str(&format!("{}k:\n", " ".repeat(depth)));
            depth += 1;
        }
        text.push_str("---\n");
        text
    };
    let many_keys: String = {
        let mut text = String::from("---\ntitle: 字段\n");
        (0..24_000).for_each(|i| text.push_str(&format!("k{i}: v\n")));
        text.push_str("---\n");
        text
    };
    let mut gbk = fill(
        "---\ntitle: 编码\n---\n",
        "社工站组织开展居民议事协商。\n",
        "",
    )
    .into_bytes();
    gbk.extend_from_slice(b"\xb9\xdc\xd7\xaf\n");
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("invalid UTF-8 at the end", "content/news/gbk.md", gbk),
        (
            "BOM and CRLF",
            "content/news/crlf.md",
            fill(
                "\u{feff}---\r\ntitle: 探访\r\n---\r\n",
                "正文，服务流程。\r\n",
                "",
            )
            .into_bytes(),
        ),
        (
            "alias bomb",
            "content/news/bomb.md",
            fill(
                "---\ntitle: 炸弹\na: &a [lol, lol, lol, lol, lol, lol, lol, lol]\nb: [",
                "*a, ",
                "*a]\n---\n",
            )
            .into_bytes(),
        ),
        (
            "a page of plain text",
            "content/news/big.md",
            fill(
                "---\ntitle: 大文件\n---\n",
                "社工站组织开展居民议事协商，服务覆盖辖区多个楼栋。\n",
                "",
            )
            .into_bytes(),
        ),
        (
            "one long line",
            "content/news/line.md",
            fill("---\ntitle: 长行\n---\n", "议事协商", "\n").into_bytes(),
        ),
        (
            "paths out of the site",
            STATION,
            fill(
                "---\ntitle: 惠东\naliases: [",
                "\"../../../etc/x\", ",
                "x]\n---\n",
            )
            .into_bytes(),
        ),
        (
            "raw HTML",
            "content/news/xss.md",
            fill(
                "---\ntitle: 脚本\n---\n\n",
                "<script>alert(1)</script>\n\n",
                "",
            )
            .into_bytes(),
        ),
        (
            "script links",
            "content/news/links.md",
            fill(
                "---\ntitle: 链接\n---\n\n",
                "[点我](javascript:alert(1)) ",
                "\n",
            )
            .into_bytes(),
        ),
        (
            "odd tags",
            "content/news/tags.md",
            fill(
                "---\ntitle: 标签\ntags: [",
                "\"../../escape\", \"a/b\", \"..\", ",
                "x]\n---\n",
            )
            .into_bytes(),
        ),
        (
            "odd YAML: tags",
            "content/news/tagged.md",
            fill("---\ntitle: 标签\nx: [", "!custom a, ", "a]\n---\n").into_bytes(),
        ),
        (
            "odd YAML: a list",
            "content/news/list.md",
            fill("---\n", "- 不是字段\n", "---\n").into_bytes(),
        ),
        (
            "nested [",
            "content/news/deep.md",
            nested("[", "]").into_bytes(),
        ),
        (
            "nested {",
            "content/news/deep.md",
            nested("{a: ", "}").into_bytes(),
        ),
        (
            "nested - ",
            "content/news/deep.md",
            nested("- ", "").into_bytes(),
        ),
        (
            "nested by indenting",
            "content/news/deep.md",
            staircase.into_bytes(),
        ),
        (
            "24,000 fields",
            "content/news/keys.md",
            many_keys.into_bytes(),
        ),
        (
            "identical headings",
            "content/news/headings.md",
            fill("---\ntitle: 标题\n---\n\n", "## a\n\n", "").into_bytes(),
        ),
    ];
    for (class, rel, bytes) in cases {
        assert!(
            bytes.len() <= 2 * 1024 * 1024,
            "{class}: {} bytes",
            bytes.len()
        );
        let site = TestSite::new();
        site.write_bytes(rel, &bytes);
        let started = Instant::now();
        let result = site.build();
        let took = started.elapsed();
        eprintln!("{class}: {took:?}");
        assert!(took < limit, "{class}: the build took {took:?}");
        // Each either builds or fails with a diagnostic, never a crash.
        if let Err((code, stderr)) = result {
            assert_eq!(code, 1, "{class}: {}", &stderr[..stderr.len().min(2000)]);
        }
    }
}
