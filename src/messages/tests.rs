use super::*;
use std::collections::BTreeSet;
use std::path::Path;

fn keys(lang: Lang) -> BTreeSet<&'static str> {
    catalog(lang).keys().map(String::as_str).collect()
}

#[test]
fn catalogs_parse_and_are_not_empty() {
    for (name, text) in [("zh-CN", ZH_CN), ("en", EN)] {
        let parsed: Result<Catalog, _> = crate::load::frontmatter::yaml::from_str(text);
        let parsed = parsed.unwrap_or_else(|e| panic!("{name}.yaml: {e}"));
        assert!(parsed.len() > 50, "{name}.yaml has {} keys", parsed.len());
    }
}

#[test]
fn both_catalogs_have_the_same_keys_and_placeholders() {
    let zh = keys(Lang::ZhCn);
    let en = keys(Lang::En);
    let only_zh: Vec<_> = zh.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&zh).collect();
    assert!(only_zh.is_empty(), "only in zh-CN.yaml: {only_zh:?}");
    assert!(only_en.is_empty(), "only in en.yaml: {only_en:?}");
    let mut differ = Vec::new();
    for key in &zh {
        let a = placeholders(raw(Lang::ZhCn, key));
        let b = placeholders(raw(Lang::En, key));
        if a != b {
            differ.push(format!("{key}: zh-CN {a:?}, en {b:?}"));
        }
    }
    assert!(
        differ.is_empty(),
        "placeholders differ:\n{}",
        differ.join("\n")
    );
}

/// Chinese sentences use full-width punctuation: no ASCII `,` `:` `;` `?`
/// right after a Chinese character (outside `code`, which is typed as shown).
#[test]
fn chinese_texts_use_full_width_punctuation() {
    let mut bad = Vec::new();
    for key in keys(Lang::ZhCn) {
        let text = raw(Lang::ZhCn, key);
        let prose: String = text.split('`').step_by(2).collect::<Vec<_>>().join(" ");
        let chars: Vec<char> = prose.chars().collect();
        for pair in chars.windows(2) {
            let cjk = ('\u{4e00}'..='\u{9fff}').contains(&pair[0]);
            if cjk && matches!(pair[1], ',' | ':' | ';' | '?' | '!' | '(') {
                bad.push(format!("{key}: {text}"));
                break;
            }
        }
    }
    assert!(
        bad.is_empty(),
        "half-width punctuation:\n{}",
        bad.join("\n")
    );
}

/// Every catalog key written in the source as a string literal exists.
#[test]
fn every_key_used_in_the_source_exists() {
    let known = keys(Lang::En);
    let mut used = BTreeSet::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![src];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read");
                collect_keys(&text, &mut used);
            }
        }
    }
    assert!(
        used.len() > 50,
        "found only {} keys in the source",
        used.len()
    );
    let missing: Vec<_> = used
        .iter()
        .filter(|k| !known.contains(k.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "keys used but not in the catalogs: {missing:?}"
    );
}

/// String literals that look like catalog keys: `"E-…"`, `"W-…"`, `"H-…"`,
/// `"ui.…"`, `"cli.…"` and so on.
fn collect_keys(text: &str, out: &mut BTreeSet<String>) {
    const PREFIXES: [&str; 11] = [
        "E-",
        "editor.",
        "W-",
        "H-",
        "ui.",
        "cli.",
        "overlay.",
        "serve.",
        "scaffold.",
        "field.",
        "kind.",
    ];
    for (i, _) in text.match_indices('"') {
        let rest = &text[i + 1..];
        let Some(end) = rest.find('"') else { continue };
        let literal = &rest[..end];
        let looks_like_key = PREFIXES.iter().any(|p| literal.starts_with(p))
            && literal.len() > 3
            && literal
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
            && !literal.ends_with('.')
            && !literal.ends_with('-');
        if looks_like_key {
            out.insert(literal.to_string());
        }
    }
}

#[test]
fn every_kind_has_a_name() {
    for kind in crate::model::Kind::ALL {
        for prefix in ["kind.", "kind-a."] {
            let key = format!("{prefix}{}", kind.key());
            assert!(keys(Lang::En).contains(key.as_str()), "{key}");
        }
    }
}

#[test]
fn placeholders_are_filled_and_other_braces_kept() {
    assert_eq!(placeholders("a {x} {y_1} {% b %} {Z}"), vec!["x", "y_1"]);
    let text = fill_raw(Lang::En, "E-REF-UNKNOWN", &[]);
    assert!(text.contains('{'), "{text}");
    let field_zh = field("category").render(Lang::ZhCn);
    assert_eq!(field_zh, "服务类别（`category`）");
    assert_eq!(field("category").render(Lang::En), "`category`");
    let many: Vec<String> = (0..15).map(|i| i.to_string()).collect();
    let shown = Arg::List(many).render(Lang::ZhCn);
    assert!(shown.starts_with("`0`、`1`"), "{shown}");
    assert!(shown.ends_with("等 3 个"), "{shown}");
}

#[test]
fn languages_are_parsed_from_flags() {
    assert_eq!(Lang::parse("en"), Some(Lang::En));
    assert_eq!(Lang::parse("zh-CN"), Some(Lang::ZhCn));
    assert_eq!(Lang::parse("fr"), None);
}
