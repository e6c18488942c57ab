//! One fixture per class of content error: each asserts the message code, the
//! file, the line and the column the author is pointed to, the exit status,
//! and that what the author reads is Chinese (the default language).

use crate::common;

use common::{Printed, TestSite};

const SERVICE: &str = "content/services/huidong/tanfang.md";
const STATION: &str = "content/stations/huidong.md";
const COURSE: &str = "content/training/jichu/_index.md";

/// The one error printed for `file`, checked for its position.
fn only_error<'a>(errors: &'a [Printed], file: &str, line: u32, col: u32) -> &'a Printed {
    let found: Vec<&Printed> = errors.iter().filter(|e| e.severity == "error").collect();
    assert_eq!(
        found.len(),
        1,
        "expected exactly one error, got {errors:#?}"
    );
    let e = found[0];
    assert!(e.file.ends_with(file), "file: {} vs {file}", e.file);
    assert_eq!((e.line, e.col), (line, col), "position of {e:#?}");
    assert!(common::has_chinese(&e.message), "not Chinese: {e:#?}");
    e
}

#[test]
fn malformed_yaml_names_the_line_in_the_file() {
    let site = TestSite::new();
    site.write(
        SERVICE,
        "---\ntitle: 探访\ncategory: 助老服务\n  audience: [老年人]\n---\n\n正文\n",
    );
    let (errors, _) = site.errors();
    let e = only_error(&errors, SERVICE, 4, 11);
    assert_eq!(e.code, "E-YAML-SYNTAX");
    // The parser's own sentence is said in Chinese too.
    assert!(!e.message.contains("mapping values"), "{}", e.message);
    assert!(e.message.contains("名称: 值"), "{}", e.message);
    assert!(e.hint.contains("名称: 值"), "{}", e.hint);
}

#[test]
fn unclosed_front_matter_is_reported() {
    let site = TestSite::new();
    site.write(SERVICE, "---\ntitle: 探访\ncategory: 助老服务\n\n正文\n");
    let (errors, _) = site.errors();
    let e = only_error(&errors, SERVICE, 1, 1);
    assert_eq!(e.code, "E-FRONT-UNCLOSED");
    assert!(e.hint.contains("`---`"), "{}", e.hint);
}

#[test]
fn missing_required_field() {
    let site = TestSite::new();
    site.write(
        SERVICE,
        "---\ntitle: 探访\naudience: [老年人]\n---\n\n正文\n",
    );
    let (errors, _) = site.errors();
    let e = only_error(&errors, SERVICE, 2, 1);
    assert_eq!(e.code, "E-FIELD-MISSING");
    assert_eq!(e.message, "缺少必填字段 服务类别（`category`）");
    assert!(e.hint.contains("category: 助老服务"), "{}", e.hint);
}

#[test]
fn missing_title() {
    let site = TestSite::new();
    site.write("content/news/a.md", "---\ndate: 2026-01-01\n---\n\n正文\n");
    let (errors, _) = site.errors();
    let e = only_error(&errors, "content/news/a.md", 2, 1);
    assert_eq!(e.code, "E-FIELD-MISSING");
    assert!(e.message.contains("标题（`title`）"), "{}", e.message);
}

#[test]
fn wrong_type() {
    let site = TestSite::new();
    site.write(
        "content/training/jichu/l1.md",
        "---\ntitle: 第一讲\nweight: 第一\n---\n\n内容。\n",
    );
    let (errors, _) = site.errors();
    let e = only_error(&errors, "content/training/jichu/l1.md", 3, 9);
    assert_eq!(e.code, "E-WRONG-TYPE");
    assert_eq!(e.message, "排序（`weight`） 应该是整数，现在是文字 `第一`");
}

#[test]
fn wrong_type_inside_a_list_item() {
    let site = TestSite::new();
    site.write(STATION, "---\ntitle: 惠东\nspaces:\n  - name: 个案工作室\n    kind: casework\n    capacity: 四人\n---\n\n## 站点简介\n");
    let (errors, _) = site.errors();
    let e = only_error(&errors, STATION, 6, 15);
    assert_eq!(e.code, "E-WRONG-TYPE");
    assert!(
        e.message.starts_with("容纳人数（`spaces[1].capacity`）"),
        "{}",
        e.message
    );
}

#[test]
fn value_outside_the_vocabulary() {
    let site = TestSite::new();
    site.write(SERVICE, "---\ntitle: 探访\ncategory: 助老\n---\n\n正文\n");
    let (errors, _) = site.errors();
    let e = only_error(&errors, SERVICE, 3, 11);
    assert_eq!(e.code, "E-NOT-ALLOWED");
    assert!(e.message.contains("服务类别"), "{}", e.message);
    assert!(e.hint.starts_with("是不是想写 `助老服务`？"), "{}", e.hint);
}

#[test]
fn a_wrong_item_of_a_list_over_several_lines_is_pointed_at() {
    let site = TestSite::new();
    site.write(
        SERVICE,
        "---\ntitle: 探访\ncategory: 助老服务\naudience: [老年人,\n  全体居民, 老人家]\n---\n\n正文\n",
    );
    let (errors, _) = site.errors();
    let e = only_error(&errors, SERVICE, 5, 9);
    assert_eq!(e.code, "E-NOT-ALLOWED");
    assert!(e.message.starts_with("`老人家` "), "{}", e.message);
}

#[test]
fn a_wrong_day_inside_an_inline_group_in_a_list_is_pointed_at() {
    let site = TestSite::new();
    site.write(
        SERVICE,
        "---\ntitle: 探访\ncategory: 助老服务\nschedule:\n  - {days: [tue, thx], time: \"09:00-11:30\"}\n---\n\n正文\n",
    );
    let (errors, _) = site.errors();
    let e = only_error(&errors, SERVICE, 5, 18);
    assert_eq!(e.code, "E-NOT-WEEKDAY");
    assert!(e.message.contains("`thx`"), "{}", e.message);
}

#[test]
fn a_wrong_value_reached_through_an_alias_is_pointed_at_the_alias() {
    let site = TestSite::new();
    site.write(
        SERVICE,
        "---\ntitle: 探访\ncategory: 助老服务\nnote: &days [tue, thx]\nschedule:\n  - days: *days\n    time: \"09:00-11:30\"\n---\n\n正文\n",
    );
    let (errors, _) = site.errors();
    let e = only_error(&errors, SERVICE, 6, 11);
    assert_eq!(e.code, "E-NOT-WEEKDAY");
    assert!(e.message.contains("`thx`"), "{}", e.message);
}

#[test]
fn positions_stay_right_with_a_bom_and_crlf_in_a_flow_list() {
    let site = TestSite::new();
    site.write(
        SERVICE,
        "\u{feff}---\r\ntitle: 探访\r\ncategory: 助老服务\r\naudience: [老年人,\r\n  全体居民, 老人家]\r\n---\r\n\r\n正文\r\n",
    );
    let (errors, _) = site.errors();
    only_error(&errors, SERVICE, 5, 9);
}

#[test]
fn fixed_choices_are_checked() {
    let site = TestSite::new();
    site.write(SERVICE, "---\ntitle: 探访\ncategory: 助老服务\nstatus: activ\nschedule:\n  - days: [tue, thur]\n    time: \"9:00-11:30\"\n---\n");
    let (errors, _) = site.errors();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!((errors[0].line, errors[0].col), (4, 9));
    assert_eq!(errors[0].code, "E-NOT-ALLOWED");
    assert!(errors[0].hint.contains("`active`"), "{}", errors[0].hint);
    assert_eq!((errors[1].line, errors[1].col), (6, 17));
    assert_eq!(errors[1].code, "E-NOT-WEEKDAY");
    assert!(
        errors[1].message.contains("`thur`"),
        "{}",
        errors[1].message
    );
    assert!(
        errors[1].hint.contains("是不是想写 `thu`"),
        "{}",
        errors[1].hint
    );
}

#[test]
fn unknown_reference_suggests_the_closest_id() {
    let site = TestSite::new();
    site.write(
        SERVICE,
        "---\ntitle: 探访\ncategory: 助老服务\nproviders: [tongxn]\n---\n",
    );
    let (errors, _) = site.errors();
    let e = only_error(&errors, SERVICE, 4, 13);
    assert_eq!(e.code, "E-REF-UNKNOWN");
    assert_eq!(
        e.message,
        "提供服务的组织（`providers`） 里的社区组织 `tongxn` 不存在"
    );
    assert!(e.hint.starts_with("是不是想写 `tongxin`？"), "{}", e.hint);
}

#[test]
fn unknown_station_folder_of_a_service() {
    let site = TestSite::new();
    site.write(
        "content/services/huidng/a.md",
        "---\ntitle: 探访\ncategory: 助老服务\n---\n",
    );
    let (errors, _) = site.errors();
    let e = only_error(&errors, "content/services/huidng/a.md", 2, 1);
    assert_eq!(e.code, "E-REF-UNKNOWN");
    assert!(e.message.contains("社工站 `huidng`"), "{}", e.message);
    assert!(e.hint.starts_with("是不是想写 `huidong`？"), "{}", e.hint);
}

#[test]
fn reference_to_an_item_of_the_wrong_type() {
    let site = TestSite::new();
    site.write(
        SERVICE,
        "---\ntitle: 探访\ncategory: 助老服务\nproviders: [huidong]\n---\n",
    );
    let (errors, _) = site.errors();
    let e = only_error(&errors, SERVICE, 4, 13);
    assert_eq!(e.code, "E-REF-UNKNOWN");
    assert!(
        e.hint.starts_with("`huidong` 是一个社工站（") && e.hint.contains("不是一个社区组织"),
        "{}",
        e.hint
    );
}

#[test]
fn duplicate_id() {
    let site = TestSite::new();
    site.write(
        "content/organizations/2020/tongxin.md",
        "---\ntitle: 另一个同心\nkind: 生活服务类\n---\n",
    );
    let (errors, _) = site.errors();
    let e = only_error(&errors, "content/organizations/tongxin.md", 1, 1);
    assert_eq!(e.code, "E-ID-TWICE");
    assert!(e.message.contains("`tongxin`"), "{}", e.message);
    assert!(
        e.hint.contains("content/organizations/2020/tongxin.md"),
        "{}",
        e.hint
    );
}

#[test]
fn link_to_a_missing_file() {
    let site = TestSite::new();
    site.write(
        SERVICE,
        "---\ntitle: 探访\ncategory: 助老服务\n---\n\n见[惠东社工站](../../stations/huidng.md)。\n",
    );
    let (errors, _) = site.errors();
    let e = only_error(&errors, SERVICE, 6, 10);
    assert_eq!(e.code, "E-LINK-MISSING");
    assert!(e.hint.contains("content/stations/huidong.md"), "{}", e.hint);
}

#[test]
fn link_to_a_missing_anchor() {
    let site = TestSite::new();
    site.write(SERVICE, "---\ntitle: 探访\ncategory: 助老服务\n---\n\n## 流程\n\n见[惠东](../../stations/huidong.md#站点介绍)和[下文](#流城)。\n");
    let (errors, _) = site.errors();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!((errors[0].line, errors[0].col), (8, 7));
    assert_eq!(errors[0].code, "E-ANCHOR-MISSING");
    assert_eq!(
        errors[0].message,
        "content/stations/huidong.md 里没有标题 `#站点介绍`"
    );
    assert!(
        errors[0].hint.contains("是不是想写 `#站点简介`"),
        "{}",
        errors[0].hint
    );
    assert_eq!((errors[1].line, errors[1].col), (8, 44));
    assert_eq!(errors[1].code, "E-ANCHOR-MISSING-HERE");
    assert!(
        errors[1].hint.contains("是不是想写 `#流程`"),
        "{}",
        errors[1].hint
    );
}

#[test]
fn missing_attachment() {
    let site = TestSite::new();
    site.write(COURSE, "---\ntitle: 社工基础\nlevel: 助理社工师\nattachments:\n  - title: 讲义\n    file: note.pdf\n---\n");
    let (errors, _) = site.errors();
    let e = only_error(&errors, COURSE, 6, 11);
    assert_eq!(e.code, "E-ATTACHMENT-MISSING");
    assert_eq!(e.message, "找不到附件：`note.pdf`");
    assert!(e.hint.contains("`notes.pdf`"), "{}", e.hint);
}

#[test]
fn missing_cover_and_image() {
    let site = TestSite::new();
    site.write(
        STATION,
        "---\ntitle: 惠东\ncover: huidong.jpg\ncover_alt: 站点门口\n---\n\n![站点照片](img/zhan.png)\n\n## 站点简介\n",
    );
    let (errors, _) = site.errors();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(
        (errors[0].line, errors[0].col, errors[0].code.as_str()),
        (3, 8, "E-COVER-MISSING")
    );
    assert_eq!(
        (errors[1].line, errors[1].col, errors[1].code.as_str()),
        (7, 9, "E-IMAGE-MISSING")
    );
    assert!(errors[1].message.contains("`img/zhan.png`"));
}

#[test]
fn unknown_field_is_a_warning_with_a_suggestion() {
    let site = TestSite::new();
    site.write(
        STATION,
        "---\ntitle: 惠东\nadress: 北京\n---\n\n## 站点简介\n",
    );
    let stderr = site.build().expect("warnings do not fail the build");
    let printed = common::diagnostics(&stderr);
    assert_eq!(printed.len(), 1, "{stderr}");
    let w = &printed[0];
    assert_eq!((w.severity.as_str(), w.line, w.col), ("warning", 3, 1));
    assert_eq!(w.code, "W-FIELD-UNKNOWN");
    assert_eq!(w.message, "不认识的字段 `adress`");
    assert!(w.hint.starts_with("是不是想写 `address`？"), "{}", w.hint);
    assert!(stderr.contains(": 警告[W-FIELD-UNKNOWN]："), "{stderr}");
}

#[test]
fn all_errors_of_a_build_are_reported_together() {
    let site = TestSite::new();
    site.write(
        SERVICE,
        "---\ntitle: 探访\ncategory: 助老\nproviders: [tongxn]\n---\n",
    );
    site.write(
        "content/training/jichu/l1.md",
        "---\ntitle: 第一讲\nweight: 第一\n---\n",
    );
    site.write("content/news/a.md", "---\ntitle: [未闭合\n---\n");
    let (errors, stderr) = site.errors();
    let files: Vec<&str> = errors
        .iter()
        .map(|e| e.file.rsplit("content/").next().unwrap_or(""))
        .collect();
    assert_eq!(
        files,
        [
            "news/a.md",
            "services/huidong/tanfang.md",
            "services/huidong/tanfang.md",
            "training/jichu/l1.md"
        ],
        "{stderr}"
    );
    assert!(stderr.contains("生成失败：4 个错误，0 个警告"), "{stderr}");
}

#[test]
fn check_reports_the_same_errors_and_writes_nothing() {
    let site = TestSite::new();
    site.write(SERVICE, "---\ntitle: 探访\ncategory: 助老\n---\n");
    let out = site.run(&["check"]);
    assert_eq!(out.status.code(), Some(1));
    let printed = common::diagnostics(&String::from_utf8_lossy(&out.stderr));
    assert_eq!(printed.len(), 1);
    assert!(!site.path().join("output").exists());
    site.write(SERVICE, "---\ntitle: 探访\ncategory: 助老服务\n---\n");
    let out = site.run(&["check"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!site.path().join("output").exists());
}

#[test]
fn template_errors_name_the_template_and_line() {
    let site = TestSite::new();
    site.write("templates/news.html", "{% extends \"base.html\" %}\n{% block content %}\n<h1>{{ page.title }}</h1>\n{{ page.no_such_field.deeper }}\n{% endblock content %}\n");
    site.write("content/news/a.md", "---\ntitle: 消息\n---\n");
    let (errors, _) = site.errors();
    let e = only_error(&errors, "templates/news.html", 4, 9);
    assert_eq!(e.code, "E-TEMPLATE-PAGE");
    assert!(e.message.starts_with("模板有错误："), "{}", e.message);
    assert!(e.message.contains("`no_such_field`"), "{}", e.message);
    assert!(
        e.message.ends_with("content/news/a.md 时）"),
        "{}",
        e.message
    );
    assert_eq!(e.message.matches("生成 ").count(), 1, "{}", e.message);
}

#[test]
fn template_syntax_errors_name_the_template_and_line() {
    let site = TestSite::new();
    site.write(
        "templates/page.html",
        "{% extends \"base.html\" %}\n{% block content %}\n{% if %}\n{% endblock content %}\n",
    );
    let (errors, _) = site.errors();
    let e = only_error(&errors, "templates/page.html", 3, 7);
    assert_eq!(e.code, "E-TEMPLATE");
    assert!(e.message.starts_with("模板有错误："), "{}", e.message);
}

#[test]
fn english_on_request_with_the_same_codes() {
    let site = TestSite::new();
    site.write(
        SERVICE,
        "---\ntitle: 探访\ncategory: 助老服务\nproviders: [tongxn]\n---\n",
    );
    let default = site.run(&["build"]);
    let chinese = String::from_utf8_lossy(&default.stderr).into_owned();
    assert!(chinese.contains(": 错误[E-REF-UNKNOWN]："), "{chinese}");
    assert!(chinese.contains("= 提示："), "{chinese}");
    assert!(chinese.contains("生成失败"), "{chinese}");
    let flag = site.run(&["build", "--lang", "en"]);
    let env = common::zhan()
        .env("ZHAN_LANG", "en")
        .arg("--root")
        .arg(site.path())
        .arg("build")
        .output()
        .expect("run zhan");
    for out in [flag, env] {
        assert_eq!(out.status.code(), Some(1));
        let english = String::from_utf8_lossy(&out.stderr).into_owned();
        let printed = common::diagnostics(&english);
        assert_eq!(printed.len(), 1, "{english}");
        assert_eq!(printed[0].code, "E-REF-UNKNOWN");
        assert_eq!(
            printed[0].message,
            "unknown organization `tongxn` in `providers`"
        );
        assert!(printed[0].hint.starts_with("did you mean `tongxin`?"));
        assert!(
            english.contains("build failed: 1 error and 0 warnings"),
            "{english}"
        );
        assert!(
            !common::has_chinese(&english.replace("探访", "")),
            "{english}"
        );
    }
    // The language of the site (site.yaml `language`) and LANG change nothing.
    let out = common::zhan()
        .env("LANG", "en_US.UTF-8")
        .arg("--root")
        .arg(site.path())
        .arg("build")
        .output()
        .expect("run zhan");
    assert!(String::from_utf8_lossy(&out.stderr).contains("错误[E-REF-UNKNOWN]"));
}

#[test]
fn json_messages_are_one_object_per_line() {
    let site = TestSite::new();
    site.write(
        SERVICE,
        "---\ntitle: 探访\ncategory: 助老\nproviders: [tongxn]\n---\n",
    );
    site.write(
        STATION,
        "---\ntitle: 惠东\nadress: 北京\n---\n\n## 站点简介\n",
    );
    let out = site.run(&["build", "--message-format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let objects: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(objects.len(), 3, "{stdout}");
    let codes: Vec<&str> = objects.iter().filter_map(|o| o["code"].as_str()).collect();
    assert_eq!(
        codes,
        ["E-NOT-ALLOWED", "E-REF-UNKNOWN", "W-FIELD-UNKNOWN"],
        "{stdout}"
    );
    let r = &objects[1];
    for field in [
        "code", "severity", "file", "line", "column", "length", "message", "hint", "args",
    ] {
        assert!(r.get(field).is_some(), "{field} missing in {r}");
    }
    assert_eq!(r["severity"], "error");
    assert!(
        r["file"].as_str().is_some_and(|f| f.ends_with(SERVICE)),
        "{r}"
    );
    assert_eq!(
        (r["line"].as_u64(), r["column"].as_u64()),
        (Some(4), Some(13))
    );
    assert_eq!(r["length"].as_u64(), Some(6));
    assert_eq!(r["args"]["id"], "tongxn");
    assert_eq!(r["args"]["field"], "providers");
    assert_eq!(r["args"]["close"], "tongxin");
    assert!(
        r["message"].as_str().is_some_and(common::has_chinese),
        "{r}"
    );
    assert!(
        r["hint"].as_str().is_some_and(|h| h.contains("`tongxin`")),
        "{r}"
    );
    assert_eq!(objects[2]["severity"], "warning");
    assert_eq!(objects[2]["args"]["close"], "address");
    // Human diagnostics are not printed beside the JSON.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("E-REF-UNKNOWN"), "{stderr}");
    let en = site.run(&["check", "--message-format", "json", "--lang", "en"]);
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&en.stdout)
            .lines()
            .next()
            .unwrap_or_default(),
    )
    .expect("json");
    assert_eq!(first["code"], "E-NOT-ALLOWED");
    assert!(
        first["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("`助老` is not a valid"))
    );
}

#[test]
fn help_is_chinese_by_default_and_english_on_request() {
    let out = common::zhan().arg("--help").output().expect("run zhan");
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(help.contains("用法："), "{help}");
    assert!(help.contains("为社区社工站生成网站"), "{help}");
    let out = common::zhan()
        .args(["serve", "--help"])
        .output()
        .expect("run zhan");
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(help.contains("预览使用的端口"), "{help}");
    let out = common::zhan()
        .args(["--lang", "en", "new", "--help"])
        .output()
        .expect("run zhan");
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(help.contains("Make a new content file"), "{help}");
    assert!(!help.contains("新建"), "{help}");
}

#[test]
fn refusals_of_the_cli_are_chinese_and_have_codes() {
    let site = TestSite::new();
    let out = site.run(&["new", "servce", "huidong/a"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        stderr.starts_with("错误[E-NEW-KIND]：不认识的类型 `servce`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("= 提示：是不是想写 `service`？"),
        "{stderr}"
    );
    let out = site.run(&["new", "servce", "huidong/a", "--message-format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["code"], "E-NEW-KIND");
    assert_eq!(v["args"]["close"], "service");
}

/// The front matter of a service with `line` in place of its `category` line.
fn service_with(line: &str) -> String {
    format!("---\ntitle: 探访\n{line}\naudience: [老年人]\n---\n\n正文\n")
}

#[test]
fn yaml_slips_of_a_chinese_keyboard_are_named_where_they_were_typed() {
    // (line in the file, the slip, code, line, column)
    let breaking = [
        ("category：助老服务", "E-SLIP-COLON", 3, 9),
        (
            "category: 助老服务\nschedule:\n  - days: [tue]\n\ttime: \"09:00-10:00\"",
            "E-SLIP-TAB",
            6,
            1,
        ),
        (
            "category: 助老服务\nschedule:\n  - days: [tue]\n\u{3000}\u{3000}time: \"09:00-10:00\"",
            "E-SLIP-SPACE",
            6,
            1,
        ),
    ];
    for (line, code, at_line, at_col) in breaking {
        let site = TestSite::new();
        site.write(SERVICE, &service_with(line));
        let (errors, _) = site.errors();
        let e = only_error(&errors, SERVICE, at_line, at_col);
        assert_eq!(e.code, code, "{line}");
        assert!(common::has_chinese(&e.hint), "{}", e.hint);
    }
}

#[test]
fn yaml_slips_that_yaml_accepts_are_read_as_meant_with_a_warning() {
    let site = TestSite::new();
    site.write(
        SERVICE,
        "\n---\ntitle: 探访\ncategory: 助老服务\naudience: [老年人，全体居民]\ncontact: “010-65571234”\nhow_to_apply: 【电话预约, 到站登记】\n---\n\n正文\n",
    );
    let out = site.run(&["build"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let printed = common::diagnostics(&stderr);
    let at = |code: &str| {
        printed
            .iter()
            .find(|d| d.code == code && d.file.ends_with(SERVICE))
            .map(|d| (d.line, d.col, d.severity.as_str()))
    };
    assert_eq!(at("W-FRONT-BLANK-BEFORE"), Some((1, 1, "warning")));
    assert_eq!(at("W-SLIP-COMMA"), Some((5, 15, "warning")));
    assert_eq!(at("W-SLIP-QUOTES"), Some((6, 10, "warning")));
    assert_eq!(at("W-SLIP-BRACKETS"), Some((7, 15, "warning")));
    // Read as the author meant: two audiences, the number without quotes
    // in its tel: link, two steps.
    let page = site.read("output/services/huidong/tanfang/index.html");
    assert!(page.contains("全体居民"), "second audience");
    assert!(
        page.contains("href=\"tel:010-65571234\""),
        "tel link without quotes"
    );
    assert!(!page.contains("“010"), "no curly quote published");
    assert!(page.contains("到站登记"));
}

#[test]
fn a_file_in_error_is_not_reported_again_by_the_pages_that_link_to_it() {
    let site = TestSite::new();
    let station = site.read(STATION);
    site.write(STATION, &station.replacen("title: ", "title：", 1));
    let (errors, _) = site.errors();
    let e = only_error(&errors, STATION, 2, 6);
    assert_eq!(e.code, "E-SLIP-COLON");
}
