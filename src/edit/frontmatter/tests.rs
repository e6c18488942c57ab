use super::*;
use crate::model::Date;

fn set(path: &str, value: Val) -> Change {
    Change::set(path, value).expect("a valid path")
}

fn edit(text: &str, changes: &[Change]) -> String {
    match apply(text, changes) {
        Ok(out) => out,
        Err(err) => panic!("{err:?} editing\n{text}"),
    }
}

/// The lines of `after` that are not in `before`, and those gone, by a
/// line-by-line walk (edits here never reorder lines).
fn changed_lines(before: &str, after: &str) -> (Vec<String>, Vec<String>) {
    let a: Vec<&str> = before.split_inclusive('\n').collect();
    let b: Vec<&str> = after.split_inclusive('\n').collect();
    let mut start = 0;
    while start < a.len() && start < b.len() && a[start] == b[start] {
        start += 1;
    }
    let mut end = 0;
    while end < a.len() - start
        && end < b.len() - start
        && a[a.len() - 1 - end] == b[b.len() - 1 - end]
    {
        end += 1;
    }
    (
        a[start..a.len() - end]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        b[start..b.len() - end]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    )
}

const SERVICE: &str = "---
title: 空巢独居老人探访
category: 助老服务          # 必须是 site.yaml 词表里的一个
audience: [老年人]
providers: [tongxin-weilao] # 提供服务的组织
location: 文明大客厅
schedule:
  - days: [tue, thu]        # 每周
    time: \"09:00-11:30\"
  - date: 2026-12-05        # 单次活动
    time: \"14:00-16:00\"

how_to_apply: [电话预约, 到站登记]
contact: \"010-65571201\"
status: active
---

## 服务内容

正文。
";

#[test]
fn a_scalar_change_touches_one_line() {
    let out = edit(SERVICE, &[set("location", Val::text("社区活动室"))]);
    let (gone, added) = changed_lines(SERVICE, &out);
    assert_eq!(gone, ["location: 文明大客厅\n"]);
    assert_eq!(added, ["location: 社区活动室\n"]);
}

#[test]
fn a_trailing_comment_is_kept_in_its_column() {
    let out = edit(SERVICE, &[set("category", Val::text("便民服务"))]);
    assert!(
        out.contains("category: 便民服务          # 必须是 site.yaml 词表里的一个\n"),
        "{out}"
    );
    let out = edit(
        SERVICE,
        &[set(
            "providers",
            Val::texts(["tongxin-weilao", "yimin-she"]),
        )],
    );
    assert!(
        out.contains("providers: [tongxin-weilao, yimin-she] # 提供服务的组织\n"),
        "{out}"
    );
}

#[test]
fn a_quoted_value_stays_quoted_and_text_that_needs_quotes_gets_them() {
    let out = edit(SERVICE, &[set("contact", Val::text("010-65571202"))]);
    assert!(out.contains("contact: \"010-65571202\"\n"), "{out}");
    let out = edit(SERVICE, &[set("location", Val::text("大厅: 二层 #3"))]);
    assert!(out.contains("location: \"大厅: 二层 #3\"\n"), "{out}");
    let out = edit(SERVICE, &[set("location", Val::text("true"))]);
    assert!(out.contains("location: \"true\"\n"), "{out}");
    let out = edit(
        "---\nfee: '免费'\n---\n",
        &[set("fee", Val::text("每次 5 元"))],
    );
    assert_eq!(out, "---\nfee: '每次 5 元'\n---\n");
    let out = edit(SERVICE, &[set("audience", Val::texts(["老年人", "a, b"]))]);
    assert!(out.contains("audience: [老年人, \"a, b\"]\n"), "{out}");
}

#[test]
fn crlf_and_bom_are_kept() {
    let text = format!("\u{FEFF}{}", SERVICE.replace('\n', "\r\n"));
    let out = edit(
        &text,
        &[
            set("location", Val::text("活动室")),
            set("fee", Val::text("免费")),
            set("schedule[0].note", Val::text("节假日除外")),
        ],
    );
    assert!(out.starts_with("\u{FEFF}---\r\n"));
    assert!(
        !out.replace("\r\n", "").contains('\n'),
        "a bare LF: {out:?}"
    );
    assert!(out.contains("location: 活动室\r\n"));
    assert!(
        out.contains("status: active\r\nfee: 免费\r\n---\r\n"),
        "{out:?}"
    );
    assert!(
        out.contains("    time: \"09:00-11:30\"\r\n    note: 节假日除外\r\n"),
        "{out:?}"
    );
    assert!(out.ends_with("\r\n## 服务内容\r\n\r\n正文。\r\n"));
}

#[test]
fn fields_are_added_last_or_in_schema_order() {
    let out = edit(SERVICE, &[set("fee", Val::text("免费"))]);
    assert!(out.contains("status: active\nfee: 免费\n---\n"), "{out}");
    let order = schema_order(crate::model::Kind::Service);
    let out = apply_in_order(SERVICE, &[set("fee", Val::text("免费"))], &order).expect("edit");
    assert!(
        out.contains("providers: [tongxin-weilao] # 提供服务的组织\nfee: 免费\nlocation:"),
        "{out}"
    );
    let out = apply_in_order(SERVICE, &[set("summary", Val::text("探访"))], &order).expect("edit");
    assert!(
        out.contains("title: 空巢独居老人探访\nsummary: 探访\ncategory:"),
        "{out}"
    );
    let (gone, _) = changed_lines(SERVICE, &out);
    assert!(gone.is_empty());
}

#[test]
fn a_file_without_front_matter_gets_one() {
    let out = edit(
        "# 关于我们\n\n正文\n",
        &[set("title", Val::text("关于我们"))],
    );
    assert_eq!(out, "---\ntitle: 关于我们\n---\n# 关于我们\n\n正文\n");
    let out = edit("---\n---\n正文\n", &[set("title", Val::text("关于"))]);
    assert_eq!(out, "---\ntitle: 关于\n---\n正文\n");
}

#[test]
fn fields_are_removed_with_their_lines_only() {
    let out = edit(SERVICE, &[Change::remove("schedule").expect("path")]);
    let (gone, added) = changed_lines(SERVICE, &out);
    assert!(added.is_empty());
    assert_eq!(gone.len(), 5, "{gone:?}");
    assert!(
        out.contains("location: 文明大客厅\n\nhow_to_apply"),
        "{out}"
    );
    // Removing what is not there changes nothing.
    assert_eq!(
        edit(SERVICE, &[Change::remove("fee").expect("path")]),
        SERVICE
    );
}

#[test]
fn one_field_of_a_group_entry_is_one_line() {
    let out = edit(
        SERVICE,
        &[set("schedule[1].time", Val::text("15:00-17:00"))],
    );
    let (gone, added) = changed_lines(SERVICE, &out);
    assert_eq!(gone, ["    time: \"14:00-16:00\"\n"]);
    assert_eq!(added, ["    time: \"15:00-17:00\"\n"]);
    let out = edit(SERVICE, &[set("schedule[0].days", Val::texts(["mon"]))]);
    assert!(
        out.contains("  - days: [mon]             # 每周\n"),
        "{out}"
    );
}

fn session(days: &[&str], time: &str) -> Val {
    Val::map([
        ("days", Val::texts(days.iter().copied())),
        ("time", Val::text(time)),
    ])
}

fn once(date: &str, time: &str) -> Val {
    Val::map([
        ("date", Val::Date(Date::parse(date).expect("date"))),
        ("time", Val::text(time)),
    ])
}

#[test]
fn a_group_replaced_as_a_unit_changes_only_what_differs() {
    // The form sends the whole schedule with the second session's time changed.
    let schedule = Val::List(vec![
        session(&["tue", "thu"], "09:00-11:30"),
        once("2026-12-05", "14:30-16:00"),
    ]);
    let out = edit(SERVICE, &[set("schedule", schedule)]);
    let (gone, added) = changed_lines(SERVICE, &out);
    assert_eq!(gone, ["    time: \"14:00-16:00\"\n"]);
    assert_eq!(added, ["    time: \"14:30-16:00\"\n"]);

    // A session added at the end, the first one removed.
    let schedule = Val::List(vec![
        once("2026-12-05", "14:00-16:00"),
        session(&["sat"], "10:00-11:00"),
    ]);
    let out = edit(SERVICE, &[set("schedule", schedule)]);
    assert!(
        out.contains(
            "schedule:\n  - date: 2026-12-05        # 单次活动\n    time: \"14:00-16:00\"\n  - days: [sat]\n    time: \"10:00-11:00\"\n\nhow_to_apply"
        ),
        "{out}"
    );

    // A new group is written in block style.
    let out = edit(
        "---\ntitle: 站\nstaff: []\n---\n",
        &[set(
            "staff",
            Val::List(vec![Val::map([
                ("name", Val::text("王某")),
                ("role", Val::text("站长")),
            ])]),
        )],
    );
    assert_eq!(
        out,
        "---\ntitle: 站\nstaff:\n  - name: 王某\n    role: 站长\n---\n"
    );
    let out = edit(&out, &[set("staff", Val::List(vec![]))]);
    assert_eq!(out, "---\ntitle: 站\nstaff: []\n---\n");
}

#[test]
fn the_first_field_of_an_entry_can_go() {
    let text = "---\nstaff:\n  - name: 王某\n    role: 站长\n  - name: 李某\n---\n";
    let out = edit(text, &[Change::remove("staff[0].name").expect("path")]);
    assert_eq!(out, "---\nstaff:\n  - role: 站长\n  - name: 李某\n---\n");
    let out = edit(text, &[set("staff[1].role", Val::text("社工"))]);
    assert_eq!(
        out,
        "---\nstaff:\n  - name: 王某\n    role: 站长\n  - name: 李某\n    role: 社工\n---\n"
    );
    let out = edit(text, &[Change::remove("staff[0]").expect("path")]);
    assert_eq!(out, "---\nstaff:\n  - name: 李某\n---\n");
}

#[test]
fn a_block_list_stays_a_block_list() {
    let text = "---\ntags:\n- 助老\n- \"365\"   # 品牌\n- 探访\nweight: 1\n---\n";
    let out = edit(
        text,
        &[set("tags", Val::texts(["助老", "366", "探访", "新"]))],
    );
    assert_eq!(
        out,
        "---\ntags:\n- 助老\n- \"366\"   # 品牌\n- 探访\n- 新\nweight: 1\n---\n"
    );
}

#[test]
fn a_template_from_zhan_new_fills_in() {
    let text = "---\ntitle: 服务名称             # 标题：页面的标题。\ndate:                       # 日期：如 2026-12-05。\nweight:                     # 排序\n---\n";
    let out = edit(
        text,
        &[
            set("date", Val::Date(Date::parse("2026-12-05").expect("date"))),
            set("weight", Val::Int(3)),
            set("title", Val::text("空巢老人探访")),
        ],
    );
    assert_eq!(
        out,
        "---\ntitle: 空巢老人探访         # 标题：页面的标题。\ndate: 2026-12-05            # 日期：如 2026-12-05。\nweight: 3                   # 排序\n---\n"
    );
    let back = edit(&out, &[set("weight", Val::Null)]);
    assert!(
        back.contains("\nweight:                     # 排序\n"),
        "{back}"
    );
}

#[test]
fn multi_line_values_are_replaced_whole() {
    let text = "---\nsummary: |\n  第一行\n\n  # 不是注释\ntitle: 站\nlong: 一段\n  接着写\n---\n";
    let out = edit(text, &[set("summary", Val::text("一\n二\n"))]);
    assert_eq!(
        out,
        "---\nsummary: |\n  一\n  二\ntitle: 站\nlong: 一段\n  接着写\n---\n"
    );
    let out = edit(text, &[set("long", Val::text("短"))]);
    assert!(out.ends_with("title: 站\nlong: 短\n---\n"), "{out}");
}

#[test]
fn what_cannot_be_edited_safely_is_refused() {
    let anchors = "---\nbase: &b 1\ncopy: *b\ntitle: x\n---\n";
    assert!(matches!(
        apply(anchors, &[set("title", Val::text("y"))]),
        Err(EditError::Unsupported {
            line: 2,
            construct: Construct::AnchorOrAlias
        })
    ));
    let tagged = "---\ntitle: !str x\n---\n";
    assert!(matches!(
        apply(tagged, &[set("title", Val::text("y"))]),
        Err(EditError::Unsupported {
            construct: Construct::Tag,
            ..
        })
    ));
    assert!(matches!(
        apply("---\ntitle: [a\n---\n", &[set("title", Val::text("y"))]),
        Err(EditError::Yaml { line: 2.., .. })
    ));
    assert_eq!(
        apply("---\ntitle: x\n", &[set("title", Val::text("y"))]),
        Err(EditError::UnclosedFrontMatter)
    );
    assert!(matches!(
        apply(SERVICE, &[set("staff[0].name", Val::text("y"))]),
        Err(EditError::NoSuchField { .. })
    ));
    assert!(matches!(
        apply(SERVICE, &[set("title[0]", Val::text("y"))]),
        Err(EditError::NotAGroup { .. })
    ));
    assert!(matches!(
        apply(SERVICE, &[set("budget", Val::Float(f64::INFINITY))]),
        Err(EditError::BadValue { .. })
    ));
}

#[test]
fn paths_are_read() {
    assert_eq!(
        FieldPath::parse("staff[1].role").expect("path").0,
        vec![
            Segment::Key("staff".into()),
            Segment::Index(1),
            Segment::Key("role".into())
        ]
    );
    assert_eq!(
        FieldPath::parse("staff[1].role").expect("path").to_string(),
        "staff[1].role"
    );
    for bad in [
        "", "[0]", "a..b", "a[x]", "a[1", "a]1", "标题", "a b", "a[0]b",
    ] {
        assert!(FieldPath::parse(bad).is_err(), "{bad}");
    }
}
