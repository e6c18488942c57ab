//! One fixture per class of content error: each asserts the message, the file,
//! the line and the column the author is pointed to, and the exit status.

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
    assert!(
        e.message.starts_with("the front matter is not valid YAML"),
        "{}",
        e.message
    );
    assert!(e.hint.contains("name: value"), "{}", e.hint);
}

#[test]
fn unclosed_front_matter_is_reported() {
    let site = TestSite::new();
    site.write(SERVICE, "---\ntitle: 探访\ncategory: 助老服务\n\n正文\n");
    let (errors, _) = site.errors();
    let e = only_error(&errors, SERVICE, 1, 1);
    assert!(e.message.contains("no closing `---`"), "{}", e.message);
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
    assert_eq!(e.message, "the required field `category` is missing");
    assert!(e.hint.contains("category: 助老服务"), "{}", e.hint);
}

#[test]
fn missing_title() {
    let site = TestSite::new();
    site.write("content/news/a.md", "---\ndate: 2026-01-01\n---\n\n正文\n");
    let (errors, _) = site.errors();
    let e = only_error(&errors, "content/news/a.md", 2, 1);
    assert_eq!(e.message, "the required field `title` is missing");
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
    assert_eq!(
        e.message,
        "`weight` should be a whole number, but is text `第一`"
    );
}

#[test]
fn wrong_type_inside_a_list_item() {
    let site = TestSite::new();
    site.write(STATION, "---\ntitle: 惠东\nspaces:\n  - name: 个案工作室\n    kind: casework\n    capacity: 四人\n---\n\n## 站点简介\n");
    let (errors, _) = site.errors();
    let e = only_error(&errors, STATION, 6, 15);
    assert!(
        e.message
            .starts_with("`spaces[1].capacity` should be a whole number"),
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
    assert!(
        e.message
            .starts_with("`助老` is not a valid service category"),
        "{}",
        e.message
    );
    assert!(e.hint.starts_with("did you mean `助老服务`?"), "{}", e.hint);
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
    assert!(
        e.message.starts_with("`老人家` is not a valid"),
        "{}",
        e.message
    );
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
    assert!(
        e.message.contains("`thx` is not a day of the week"),
        "{}",
        e.message
    );
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
    assert!(
        e.message.contains("`thx` is not a day of the week"),
        "{}",
        e.message
    );
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
    assert!(errors[0].hint.contains("did you mean `active`"));
    assert_eq!((errors[1].line, errors[1].col), (6, 17));
    assert!(
        errors[1]
            .message
            .contains("`thur` is not a day of the week"),
        "{}",
        errors[1].message
    );
    assert!(
        errors[1].hint.contains("did you mean `thu`"),
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
    assert_eq!(e.message, "unknown organization `tongxn` in `providers`");
    assert!(e.hint.starts_with("did you mean `tongxin`?"), "{}", e.hint);
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
    assert_eq!(e.message, "unknown station `huidng` in `station`");
    assert!(e.hint.starts_with("did you mean `huidong`?"), "{}", e.hint);
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
    assert_eq!(e.message, "unknown organization `huidong` in `providers`");
    assert!(
        e.hint.starts_with("`huidong` is a station (") && e.hint.contains("not an organization"),
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
    assert_eq!(e.message, "duplicate organization id `tongxin`");
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
    assert!(
        e.message
            .starts_with("this link goes to a page that does not exist"),
        "{}",
        e.message
    );
    assert!(
        e.hint.contains("did you mean content/stations/huidong.md"),
        "{}",
        e.hint
    );
}

#[test]
fn link_to_a_missing_anchor() {
    let site = TestSite::new();
    site.write(SERVICE, "---\ntitle: 探访\ncategory: 助老服务\n---\n\n## 流程\n\n见[惠东](../../stations/huidong.md#站点介绍)和[下文](#流城)。\n");
    let (errors, _) = site.errors();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!((errors[0].line, errors[0].col), (8, 7));
    assert_eq!(
        errors[0].message,
        "no heading `#站点介绍` in content/stations/huidong.md"
    );
    assert!(
        errors[0].hint.contains("did you mean `#站点简介`"),
        "{}",
        errors[0].hint
    );
    assert_eq!((errors[1].line, errors[1].col), (8, 44));
    assert!(
        errors[1].hint.contains("did you mean `#流程`"),
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
    assert_eq!(e.message, "attachment not found: `note.pdf`");
    assert!(e.hint.contains("did you mean `notes.pdf`"), "{}", e.hint);
}

#[test]
fn missing_cover_and_image() {
    let site = TestSite::new();
    site.write(
        STATION,
        "---\ntitle: 惠东\ncover: huidong.jpg\n---\n\n![站点照片](img/zhan.png)\n\n## 站点简介\n",
    );
    let (errors, _) = site.errors();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(
        (errors[0].line, errors[0].col, errors[0].message.as_str()),
        (3, 8, "cover image not found: `huidong.jpg`")
    );
    assert_eq!(
        (errors[1].line, errors[1].col, errors[1].message.as_str()),
        (6, 9, "image not found: `img/zhan.png`")
    );
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
    assert_eq!(w.message, "unknown field `adress`");
    assert!(w.hint.starts_with("did you mean `address`?"), "{}", w.hint);
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
    assert!(
        stderr.contains("build failed: 4 errors and 0 warnings"),
        "{stderr}"
    );
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
    assert!(e.message.starts_with("template error:"), "{}", e.message);
    assert!(e.message.contains("`no_such_field`"), "{}", e.message);
    assert!(e.message.ends_with("content/news/a.md)"), "{}", e.message);
    assert_eq!(
        e.message.matches("while rendering").count(),
        1,
        "{}",
        e.message
    );
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
    assert!(e.message.starts_with("template error:"), "{}", e.message);
}
