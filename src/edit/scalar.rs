//! Writing one YAML scalar: plain when that reads back as the same text,
//! double-quoted otherwise, and in the quoting style the file already used
//! where that is still valid.

use super::Val;

/// How a scalar was written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Double,
    Single,
}

/// Whether `text`, written plain, would not read back as that same text
/// (in block context, or inside `[...]` when `flow`). Conservative: quoting
/// a value that did not need it is harmless, the reverse is not.
pub fn needs_quotes(text: &str, flow: bool) -> bool {
    let Some(first) = text.chars().next() else {
        return true;
    };
    if text.trim() != text
        || text.chars().any(|c| c.is_control())
        || "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || text.contains(": ")
        || text.ends_with(':')
        || text.contains(" #")
        || (flow && text.contains([',', '[', ']', '{', '}', ':']))
    {
        return true;
    }
    if looks_like_number_or_date(text) {
        return true;
    }
    let lower = text.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "~" | "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
    ) || lower.starts_with(".inf")
        || lower.starts_with("-.inf")
        || lower.starts_with("+.inf")
        || lower == ".nan"
    {
        return true;
    }
    // The parser has the last word on what a plain scalar means.
    let doc = if flow {
        format!("[{text}]")
    } else {
        format!("k: {text}")
    };
    let back: Result<crate::load::frontmatter::yaml::Value, _> =
        crate::load::frontmatter::yaml::from_str(&doc);
    let same = match back {
        Ok(crate::load::frontmatter::yaml::Value::Sequence(items)) if flow => {
            items.len() == 1 && items[0].as_str() == Some(text)
        }
        Ok(crate::load::frontmatter::yaml::Value::Mapping(map)) if !flow => {
            map.get("k").and_then(|v| v.as_str()) == Some(text)
        }
        _ => false,
    };
    !same
}

/// Text a reader could take for a number, a date or a time (YAML 1.1 read
/// `09:00` as a number; Notepad users should see a phone number in quotes).
fn looks_like_number_or_date(text: &str) -> bool {
    let starts_with_digit = text
        .trim_start_matches(['+', '-', '.'])
        .starts_with(|c: char| c.is_ascii_digit());
    starts_with_digit
        && text
            .chars()
            .all(|c| c.is_ascii_hexdigit() || "+-.:_xXoO ".contains(c) || c == 'T' || c == 'Z')
}

/// `text` in double quotes, with the escapes YAML needs.
pub fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() || c == '\u{FEFF}' => {
                let code = c as u32;
                if code <= 0xFF {
                    out.push_str(&format!("\\x{code:02X}"));
                } else {
                    out.push_str(&format!("\\u{code:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `text` in single quotes, or None when single quotes cannot hold it.
fn single_quoted(text: &str) -> Option<String> {
    if text.chars().any(|c| c.is_control()) {
        return None;
    }
    Some(format!("'{}'", text.replace('\'', "''")))
}

/// A number as YAML reads it back as the same number; None for infinities
/// and NaN, which a form never means.
pub fn float(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let s = format!("{f}");
    Some(if s.contains(['.', 'e', 'E']) {
        s
    } else {
        format!("{s}.0")
    })
}

/// The text of scalar `value`, in the style `was` the old value's when that
/// is still valid. None for a value that is not a scalar or not finite.
pub fn emit(value: &Val, was: Option<Style>, flow: bool) -> Option<String> {
    let quoted_like = |text: &str| match was {
        Some(Style::Double) => Some(double_quoted(text)),
        Some(Style::Single) => single_quoted(text).or_else(|| Some(double_quoted(text))),
        _ => None,
    };
    Some(match value {
        Val::Null => "null".to_string(),
        Val::Bool(b) => b.to_string(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => float(*f)?,
        Val::Date(d) => {
            let text = d.to_string();
            quoted_like(&text).unwrap_or(text)
        }
        Val::Text(text) => match quoted_like(text) {
            Some(quoted) => quoted,
            None if needs_quotes(text, flow) => double_quoted(text),
            None => text.clone(),
        },
        Val::List(_) | Val::Map(_) => return None,
    })
}

/// `[a, b]`; None if an item is not a scalar.
pub fn flow_list(items: &[Val]) -> Option<String> {
    let parts: Option<Vec<String>> = items.iter().map(|v| emit(v, None, true)).collect();
    Some(format!("[{}]", parts?.join(", ")))
}

/// How wide `text` looks in a fixed-width editor: CJK characters take two
/// columns (as `zhan new` counts when it lines comments up).
pub fn width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_stays_plain() {
        for text in [
            "惠东社区社工站",
            "免费",
            "a b",
            "社工，负责为老服务",
            "9号楼",
            "x-y",
        ] {
            assert!(!needs_quotes(text, false), "{text}");
        }
        assert!(!needs_quotes("老年人", true));
    }

    #[test]
    fn text_that_yaml_would_misread_is_quoted() {
        for text in [
            "",
            " a",
            "a ",
            "true",
            "No",
            "null",
            "~",
            "12",
            "3.5",
            "-1",
            "2026-12-05",
            "010-65571201",
            "09:00-11:30",
            "a: b",
            "a #b",
            "#a",
            "[a]",
            "{a}",
            "*a",
            "&a",
            "!a",
            "|",
            ">",
            "'a",
            "\"a",
            "@a",
            "%a",
            "a:",
            "- a",
            "?",
            "a\nb",
            ".inf",
            "0x1F",
        ] {
            assert!(needs_quotes(text, false), "{text:?}");
        }
        for text in ["a,b", "a]", "a:b"] {
            assert!(needs_quotes(text, true), "{text}");
            assert!(!needs_quotes(text, false), "{text}");
        }
    }

    #[test]
    fn quoted_text_reads_back() {
        for text in ["a \"b\" \\c", "行一\n行二\t", "\u{1}", "'", "010-1"] {
            let yaml = format!("k: {}", double_quoted(text));
            let back: crate::load::frontmatter::yaml::Value =
                crate::load::frontmatter::yaml::from_str(&yaml).expect("valid");
            assert_eq!(back["k"].as_str(), Some(text), "{yaml}");
        }
        let yaml = format!("k: {}", single_quoted("it's").expect("quotable"));
        let back: crate::load::frontmatter::yaml::Value =
            crate::load::frontmatter::yaml::from_str(&yaml).expect("valid");
        assert_eq!(back["k"].as_str(), Some("it's"));
    }

    #[test]
    fn the_old_quoting_is_kept() {
        let phone = Val::text("010-1234");
        assert_eq!(
            emit(&phone, Some(Style::Double), false).as_deref(),
            Some("\"010-1234\"")
        );
        assert_eq!(
            emit(&phone, Some(Style::Single), false).as_deref(),
            Some("'010-1234'")
        );
        assert_eq!(
            emit(&phone, Some(Style::Plain), false).as_deref(),
            Some("\"010-1234\"")
        );
        assert_eq!(
            emit(&Val::text("站"), Some(Style::Double), false).as_deref(),
            Some("\"站\"")
        );
        assert_eq!(emit(&Val::Float(8.0), None, false).as_deref(), Some("8.0"));
        assert_eq!(emit(&Val::Float(8.5), None, false).as_deref(), Some("8.5"));
        assert_eq!(emit(&Val::Float(f64::NAN), None, false), None);
        assert_eq!(
            flow_list(&[Val::text("a,b"), Val::text("老年人")]).as_deref(),
            Some("[\"a,b\", 老年人]")
        );
    }
}
