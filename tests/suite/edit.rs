//! The line-preserving editor on the real demo content: every field of every
//! demo file is changed (and removed) one at a time; the result must read
//! back with that field's new value and all others unchanged, and differ
//! from the original only in that field's lines.

use serde_yaml::Value as Y;
use zhan::edit::{Change, FieldPath, Segment, Val, apply};
use zhan::model::Date;

use crate::common::repo_root;

/// The demo's Markdown files, relative to the repository, sorted.
fn demo_files() -> Vec<(String, String)> {
    let content = repo_root().join("content");
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&content).sort_by_file_name() {
        let entry = entry.expect("readable content folder");
        if entry.path().extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(entry.path()).expect("UTF-8 file");
            let rel = entry.path().strip_prefix(&content).expect("inside content");
            files.push((rel.to_string_lossy().into_owned(), text));
        }
    }
    files
}

/// The front matter's fields, read as the loader splits them.
fn fields(text: &str) -> serde_yaml::Mapping {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let split = zhan::load::frontmatter::split(text).expect("closed front matter");
    let yaml = split.yaml.unwrap_or("");
    match serde_yaml::from_str::<Y>(yaml).expect("valid YAML") {
        Y::Mapping(map) => map,
        Y::Null => serde_yaml::Mapping::new(),
        other => panic!("front matter is {other:?}"),
    }
}

/// A different value of the same kind as `value`.
fn different(value: &Y) -> Val {
    match value {
        Y::Null => Val::text("新内容"),
        Y::Bool(b) => Val::Bool(!b),
        Y::Number(n) => match n.as_i64() {
            Some(i) => Val::Int(i + 1),
            None => Val::Float(n.as_f64().unwrap_or(0.0) + 0.5),
        },
        Y::String(s) => match Date::parse(s) {
            Some(d) if s.len() == 10 => Val::Date(d.add_days(1)),
            _ if s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') => {
                Val::text(format!("{s}-x"))
            }
            _ => Val::text(format!("{s}（改）")),
        },
        Y::Sequence(items) => {
            // A group: the first entry's first field changed, the last
            // entry repeated at the end. A list: the last item changed and
            // one added.
            let mut items: Vec<Val> = items
                .iter()
                .map(|v| Val::from_yaml(v).expect("plain value"))
                .collect();
            match items.first_mut() {
                Some(Val::Map(entries)) => {
                    if let Some((_, first)) = entries.first_mut() {
                        *first = different(&first.to_yaml());
                    }
                    let last = items.last().cloned().expect("an entry");
                    items.push(last);
                }
                Some(_) => {
                    let last = items.len() - 1;
                    items[last] = different(&items[last].to_yaml());
                    items.push(Val::text("新"));
                }
                None => items.push(Val::text("新")),
            }
            Val::List(items)
        }
        other => panic!("unexpected value {other:?}"),
    }
}

/// The lines `key` occupies in `text`'s front matter: its line up to the
/// next line that starts a top-level field or ends the front matter (blank
/// and comment lines right before that are not its own).
fn field_lines(text: &str, key: &str) -> std::ops::Range<usize> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines
        .iter()
        .position(|l| l.starts_with(&format!("{key}:")))
        .expect("the field's line");
    let mut end = start + 1;
    let mut last = start;
    while end < lines.len() {
        let l = lines[end].trim_end();
        if l == "---" || (!l.is_empty() && !l.starts_with([' ', '#'])) {
            break;
        }
        if !l.trim().is_empty() && !l.trim_start().starts_with('#') {
            last = end;
        }
        end += 1;
    }
    start..last + 1
}

/// The range of `before`'s lines that differ from `after`'s, once the common
/// first and last lines are taken away.
fn differing(before: &str, after: &str) -> std::ops::Range<usize> {
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
    start..a.len() - end
}

fn check(file: &str, key: &str, original: &str, out: &str, expected: Option<&Y>) {
    let before = fields(original);
    let after = fields(out);
    assert_eq!(
        after.get(key),
        expected,
        "{file}: `{key}` after the edit:\n{out}"
    );
    for (k, v) in &before {
        if k.as_str() != Some(key) {
            assert_eq!(
                after.get(k),
                Some(v),
                "{file}: `{k:?}` changed when `{key}` was edited"
            );
        }
    }
    assert_eq!(
        after.len(),
        before.len() + usize::from(expected.is_some()) - 1,
        "{file}"
    );
    let changed = differing(original, out);
    let own = field_lines(original, key);
    assert!(
        changed.start >= own.start && changed.end <= own.end,
        "{file}: editing `{key}` (lines {own:?}) changed lines {changed:?}:\n{out}"
    );
}

/// Changes and removes each field of `original` one at a time, and each
/// field of a group's last entry; returns how many edits were checked.
fn edit_every_field(file: &str, original: &str) -> (usize, usize) {
    let (mut edits, mut nested) = (0, 0);
    for (key, value) in &fields(original) {
        let key = key.as_str().expect("text keys");
        let path = FieldPath(vec![Segment::Key(key.to_string())]);

        let new = different(value);
        let out = apply(original, &[Change::Set(path.clone(), new.clone())])
            .unwrap_or_else(|e| panic!("{file}: setting `{key}`: {e:?}"));
        assert_ne!(out, original, "{file}: `{key}` did not change");
        check(file, key, original, &out, Some(&new.to_yaml()));

        let out = apply(original, &[Change::Remove(path)])
            .unwrap_or_else(|e| panic!("{file}: removing `{key}`: {e:?}"));
        check(file, key, original, &out, None);
        edits += 2;

        // One field of a group's entry, by its path.
        if let Some(Y::Mapping(entry)) = value.as_sequence().and_then(|s| s.last()) {
            let last = value.as_sequence().map_or(0, Vec::len) - 1;
            for (field, old) in entry {
                let field = field.as_str().expect("text keys");
                let path = format!("{key}[{last}].{field}");
                let new = different(old);
                let change = Change::set(&path, new.clone()).expect("a valid path");
                let out = apply(original, &[change])
                    .unwrap_or_else(|e| panic!("{file}: setting `{path}`: {e:?}"));
                let mut expected = Val::from_yaml(value).expect("plain value");
                if let Val::List(items) = &mut expected {
                    if let Some(Val::Map(fields)) = items.last_mut() {
                        for (k, v) in fields.iter_mut() {
                            if k == field {
                                *v = new.clone();
                            }
                        }
                    }
                }
                check(file, key, original, &out, Some(&expected.to_yaml()));
                // Exactly one line: the field's own.
                let changed = differing(original, &out);
                assert_eq!(
                    changed.len(),
                    1,
                    "{file}: `{path}` changed {changed:?}:\n{out}"
                );
                nested += 1;
            }
        }
    }
    (edits, nested)
}

#[test]
fn every_field_of_every_demo_file_is_edited_in_its_own_lines() {
    let files = demo_files();
    assert!(files.len() >= 60, "{} demo files", files.len());
    let (mut edits, mut nested) = (0, 0);
    for (file, original) in &files {
        let (e, n) = edit_every_field(file, original);
        edits += e;
        nested += n;
    }
    eprintln!(
        "{} files, {edits} whole-field edits, {nested} group-entry edits",
        files.len()
    );
    assert!(edits > 800 && nested > 50, "{edits} {nested}");
}

/// The files `zhan new` writes: every field, most with a trailing comment,
/// some empty, an example group in comments.
#[test]
fn every_field_of_every_new_file_template_is_edited_in_its_own_lines() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let root = dir.path().join("site");
    zhan::scaffold::init(&root).expect("a new site");
    let mut edits = 0;
    for (kind, path) in [
        ("station", "xinzhan"),
        ("service", "huidong/ceshi"),
        ("organization", "xin-zuzhi"),
        ("course", "xin-kecheng"),
        ("lesson", "shegong-jichu/xin-zhangjie"),
        ("project", "xin-xiangmu"),
        ("report", "xin-baogao"),
        ("news", "xin-dongtai"),
        ("page", "guanyu-xin"),
    ] {
        let file = zhan::scaffold::new_item(&root, kind, path).expect("a new file");
        let text = std::fs::read_to_string(&file).expect("UTF-8 file");
        assert!(text.contains("  # "), "{kind}: the template has comments");
        edits += edit_every_field(kind, &text).0;
    }
    assert!(edits > 150, "{edits}");
}

#[test]
fn a_demo_file_saved_with_windows_line_ends_and_a_bom_keeps_them() {
    for (file, original) in demo_files() {
        let windows = format!("\u{FEFF}{}", original.replace('\n', "\r\n"));
        for key in fields(&original).keys() {
            let key = key.as_str().expect("text keys");
            let value = fields(&original).get(key).cloned().expect("the field");
            let change = Change::Set(FieldPath(vec![Segment::Key(key.into())]), different(&value));
            let out = apply(&windows, &[change]).unwrap_or_else(|e| panic!("{file} {key}: {e:?}"));
            assert!(out.starts_with("\u{FEFF}---\r\n"), "{file}");
            assert!(
                !out.replace("\r\n", "").contains('\n'),
                "{file}: `{key}` wrote a bare LF"
            );
        }
    }
}
