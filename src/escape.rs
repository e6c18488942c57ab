//! Escaping, one home for every format zhan writes text into: HTML and XML
//! text, JSON inside a `<script>` element, and paths in URLs (and back).
//! Content is untrusted input: whatever it says, it must stay text.

/// Escapes text for HTML (or XML) element content and attribute values.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text escaped for XML, without the control characters XML 1.0 forbids:
/// one stray character would make a whole feed unreadable.
pub fn xml(text: &str) -> String {
    let allowed = |c: &char| {
        !matches!(
            *c,
            '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}'
        )
    };
    if text.chars().all(|c| allowed(&c)) {
        html(text)
    } else {
        html(&text.chars().filter(allowed).collect::<String>())
    }
}

/// JSON made safe inside a `<script>` element: `<`, `>` and `&` only occur
/// inside JSON strings, and as `\u003c`… they cannot end the element
/// (`</script>`) or open a comment, whatever the content says.
pub fn script_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    // All three are ASCII, so every cut is at a character boundary; memchr
    // looks for them 16 or 32 bytes at a time (a `str` pattern of three
    // chars went through the slow generic searcher, a byte loop through
    // every byte).
    let mut clean_from = 0;
    for at in memchr::memchr3_iter(b'<', b'>', b'&', json.as_bytes()) {
        let escaped = match json.as_bytes()[at] {
            b'<' => "\\u003c",
            b'>' => "\\u003e",
            _ => "\\u0026",
        };
        out.push_str(&json[clean_from..at]);
        out.push_str(escaped);
        clean_from = at + 1;
    }
    out.push_str(&json[clean_from..]);
    out
}

/// Appends `text` to `out` as the inside of a JSON string (no quotes),
/// escaped byte for byte as `serde_json` escapes it: `"` and `\\`, and the
/// control characters below U+0020 (`\n`, `\t`… by name, the others as
/// `\u00XX`). The search index writes some 13 MB of page text this way, most
/// of it Chinese, which needs no escape: eight bytes are checked at a time.
pub fn push_json_text(out: &mut Vec<u8>, text: &str) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Whether any byte of `word` is below 0x20, `"` or `\`: the usual
    // tests for a zero or a small byte, exact as to whether one exists.
    let needs_escape = |word: u64| {
        let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
        let quote = word ^ (ONES * u64::from(b'"'));
        let backslash = word ^ (ONES * u64::from(b'\\'));
        let zero_in = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
        below_space | zero_in(quote) | zero_in(backslash) != 0
    };
    let bytes = text.as_bytes();
    let mut clean_from = 0;
    let mut at = 0;
    while at < bytes.len() {
        if let Some(&word) = bytes.get(at..at + 8).and_then(|w| w.first_chunk::<8>()) {
            if !needs_escape(u64::from_le_bytes(word)) {
                at += 8;
                continue;
            }
        }
        let byte = bytes[at];
        let escaped: &[u8] = match byte {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0C => b"\\f",
            0..=0x1F => b"",
            _ => {
                at += 1;
                continue;
            }
        };
        out.extend_from_slice(&bytes[clean_from..at]);
        if escaped.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0x0F)]);
        } else {
            out.extend_from_slice(escaped);
        }
        at += 1;
        clean_from = at;
    }
    out.extend_from_slice(&bytes[clean_from..]);
}

/// Appends `text` to `out` as a JSON string, quotes and all (see
/// [`push_json_text`]).
pub fn push_json_string(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    push_json_text(out, text);
    out.push(b'"');
}

/// Appends `path` percent-encoded for a URL (Chinese folder names); the
/// result needs no HTML or XML escaping.
pub fn push_url_path(out: &mut String, path: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 15)] as char);
        }
    }
}

/// `path` percent-encoded for a URL (see [`push_url_path`]).
pub fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    push_url_path(&mut out, path);
    out
}

/// Decodes `%E6%9C%8D` sequences (editors write anchors and names that
/// way). A `%` not followed by two hex digits stays as it is; bytes that do
/// not decode to UTF-8 leave the whole text as it was.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(high), Some(low)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(high << 4 | low);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped_as_serde_json_escapes_them() {
        // Every ASCII byte, alone and inside runs long enough for the
        // eight-byte check, and Chinese and emoji around them.
        let mut cases: Vec<String> = (0u8..0x80).map(|b| char::from(b).to_string()).collect();
        for b in 0u8..0x80 {
            let c = char::from(b);
            cases.push(format!("社区社工站{c}服务a"));
            cases.push(format!("abcdefgh{c}ijklmnopq{c}"));
            cases.push(format!("{c}一二三四五六七八九十😀"));
        }
        cases.push(String::new());
        cases.push("\"\\\n\t\u{7f}\u{1f}\u{0}".repeat(5));
        for case in &cases {
            let mut ours = Vec::new();
            push_json_string(&mut ours, case);
            let theirs = serde_json::to_vec(case).unwrap_or_default();
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "{case:?}"
            );
        }
    }

    #[test]
    fn html_escapes_markup_and_quotes() {
        assert_eq!(
            html(r#"<a href="x">'服务' & </a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;服务&#39; &amp; &lt;/a&gt;"
        );
    }

    #[test]
    fn xml_drops_forbidden_control_characters() {
        assert_eq!(xml("a\u{0}b\u{c}<c>\n"), "ab&lt;c&gt;\n");
    }

    #[test]
    fn script_json_cannot_end_the_script_element() {
        let json = r#"{"name":"</script><!-- & -->"}"#;
        let safe = script_json(json);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        assert_eq!(
            safe,
            r#"{"name":"\u003c/script\u003e\u003c!-- \u0026 --\u003e"}"#
        );
        // Long text, as JSON-LD is: the three found past the first 32 bytes
        // too, between Chinese characters, and at the very end.
        let long = format!(
            "{{\"d\":\"{}<b>社区&居民{}\"}}>",
            "社工站".repeat(20),
            "服务".repeat(30)
        );
        let safe = script_json(&long);
        assert_eq!(
            safe,
            long.replace('<', "\\u003c")
                .replace('>', "\\u003e")
                .replace('&', "\\u0026")
        );
    }

    #[test]
    fn url_paths_are_percent_encoded_and_decode_back() {
        let encoded = url_path("services/惠东/a b.html");
        assert_eq!(encoded, "services/%E6%83%A0%E4%B8%9C/a%20b.html");
        assert_eq!(percent_decode(&encoded), "services/惠东/a b.html");
    }

    #[test]
    fn percent_decode_keeps_what_is_not_an_escape() {
        assert_eq!(percent_decode("%E6%9C%8D%E5%8A%A1"), "服务");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        // A `%` before a multi-byte character: no slicing inside it.
        assert_eq!(percent_decode("#%服"), "#%服");
        assert_eq!(percent_decode("%服务"), "%服务");
        // Not UTF-8 once decoded: the text as written.
        assert_eq!(percent_decode("%FF"), "%FF");
    }
}
