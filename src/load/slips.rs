//! The everyday slips of typing YAML with a Chinese input method.
//!
//! A station worker types front matter in Notepad with a Chinese keyboard
//! layout on: the colon after a key comes out full-width (`title：`), an
//! indent is a tab or a full-width space, the commas of a list are Chinese
//! (`[老年人，儿童]`), quotes are curly (`“010-…”`). The YAML parser reports
//! these, when it notices them at all, as "mapping values are not allowed
//! here" somewhere after the slip. This module finds the slip itself, so the
//! message can say what was typed and what to type instead.

/// One slip, at a place in the front matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slip {
    pub kind: SlipKind,
    /// 1-based line within the text given, and column in characters.
    pub line: u32,
    pub col: u32,
    /// How many characters the slip spans.
    pub len: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlipKind {
    /// `title：惠东` — a full-width colon where the key ends. Holds the key.
    FullWidthColon { key: String },
    /// A line indented with a tab.
    TabIndent,
    /// A line indented with full-width spaces (U+3000).
    FullWidthSpaceIndent,
    /// `[老年人，儿童]` — Chinese commas (or 、) between the items of a list.
    ChineseCommaInList,
    /// `“010-…”` — a value in curly quotes.
    CurlyQuotes,
    /// `【a, b】` or `［a, b］` — a list in full-width brackets.
    FullWidthBrackets,
}

/// The characters the slips are made of; [`may_hold_slips`] looks for the
/// same ones.
const FULL_WIDTH_COLON: char = '：';
const FULL_WIDTH_SPACE: char = '\u{3000}';
const CURLY_QUOTES: [char; 4] = ['“', '”', '‘', '’'];
const FULL_WIDTH_BRACKETS: [char; 2] = ['【', '［'];
const LIST_COMMAS: [char; 2] = ['，', '、'];

/// The slips of `text` (the front matter, without its `---` lines), in the
/// order they appear. Lines inside block scalars (`|`, `>`) are text and are
/// left alone; so are comments.
pub fn find(text: &str) -> Vec<Slip> {
    let mut slips = Vec::new();
    if !may_hold_slips(text) {
        return slips;
    }
    // The indentation of a block scalar's key while we are inside it.
    let mut block: Option<usize> = None;
    for (index, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(key_indent) = block {
            if line.trim().is_empty() || indent > key_indent {
                continue;
            }
            block = None;
        }
        let content = strip_comment(line);
        if content.trim().is_empty() {
            continue;
        }
        // Indentation: spaces, then maybe a tab or full-width spaces.
        let after_spaces = &line[indent..];
        if after_spaces.starts_with('\t') {
            slips.push(at(SlipKind::TabIndent, line_no, line, indent, 1));
        } else if after_spaces.starts_with(FULL_WIDTH_SPACE) {
            let n = after_spaces
                .chars()
                .take_while(|c| *c == FULL_WIDTH_SPACE)
                .count();
            slips.push(at(SlipKind::FullWidthSpaceIndent, line_no, line, indent, n));
        }
        let body = content.trim_start_matches([' ', '\t', FULL_WIDTH_SPACE]);
        let start = content.len() - body.len();
        // A list entry's content starts after `- `.
        let (body, start) = match body.strip_prefix("- ") {
            Some(rest) => (
                rest.trim_start(),
                start + (body.len() - rest.trim_start().len()),
            ),
            None => (body, start),
        };
        let value_start = match key_end(body) {
            KeyEnd::Ascii(colon) => start + colon + 1,
            KeyEnd::FullWidth(colon) => {
                let key = body[..colon].trim_end().to_string();
                slips.push(at(
                    SlipKind::FullWidthColon { key },
                    line_no,
                    line,
                    start + colon,
                    1,
                ));
                start + colon + FULL_WIDTH_COLON.len_utf8()
            }
            KeyEnd::None => start,
        };
        let value = content[value_start..].trim();
        if value.is_empty() {
            continue;
        }
        let value_at = value_start
            + (content[value_start..].len() - content[value_start..].trim_start().len());
        if value.starts_with('|') || value.starts_with('>') {
            block = Some(indent);
            continue;
        }
        value_slips(value, value_at, line_no, line, &mut slips);
    }
    slips
}

/// Whether `text` holds a character some slip is made of: a tab, a
/// full-width colon, space, quote or bracket, or a Chinese comma where
/// there is a `[`. Most front matter holds none and is not read line by
/// line; Chinese text is full of other punctuation, so each lead byte of a
/// three-byte character that could be one is looked at.
fn may_hold_slips(text: &str) -> bool {
    let bytes = text.as_bytes();
    if memchr::memchr(b'\t', bytes).is_some() {
        return true;
    }
    let has_bracket = memchr::memchr(b'[', bytes).is_some();
    memchr::memchr3_iter(0xE2, 0xE3, 0xEF, bytes).any(|i| {
        // A lead byte starts a character.
        match text.get(i..).and_then(|rest| rest.chars().next()) {
            Some(c) if LIST_COMMAS.contains(&c) => has_bracket,
            Some(c) => {
                c == FULL_WIDTH_COLON
                    || c == FULL_WIDTH_SPACE
                    || CURLY_QUOTES.contains(&c)
                    || FULL_WIDTH_BRACKETS.contains(&c)
            }
            None => false,
        }
    })
}

/// Slips within a value that starts at byte `at` of `line`.
fn value_slips(value: &str, at_byte: usize, line_no: u32, line: &str, slips: &mut Vec<Slip>) {
    let first = value.chars().next().unwrap_or(' ');
    // A whole value in curly quotes; a value that starts by quoting a name
    // (“同心为老”品牌的……) is Chinese punctuation.
    let curly = |c: char| CURLY_QUOTES.contains(&c);
    if curly(first) {
        let last = value.chars().last().unwrap_or(' ');
        let inner = value.chars().count().saturating_sub(2);
        if curly(last) && value.chars().skip(1).take(inner).all(|c| !curly(c)) {
            let len = value.chars().count();
            slips.push(at(SlipKind::CurlyQuotes, line_no, line, at_byte, len));
        }
        return;
    }
    if FULL_WIDTH_BRACKETS.contains(&first) {
        let len = value.chars().count();
        slips.push(at(SlipKind::FullWidthBrackets, line_no, line, at_byte, len));
        return;
    }
    if first == '[' {
        // Inside the brackets, outside quotes. A list whose items are cut
        // with ASCII commas may hold Chinese ones in an item's text
        // (`[身份证, 照片、票据]`): only a list with no ASCII comma is a slip.
        let mut quote: Option<char> = None;
        let mut chinese: Option<usize> = None;
        for (i, c) in value.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, ',') => return,
                (None, c) if LIST_COMMAS.contains(&c) => {
                    chinese.get_or_insert(i);
                }
                (None, ']') => break,
                _ => {}
            }
        }
        if let Some(i) = chinese {
            slips.push(at(
                SlipKind::ChineseCommaInList,
                line_no,
                line,
                at_byte + i,
                1,
            ));
        }
    }
}

enum KeyEnd {
    /// The byte of the ASCII colon that ends the key.
    Ascii(usize),
    /// The byte of a full-width colon where a key would end.
    FullWidth(usize),
    None,
}

/// Where the key of a `key: value` line ends. A key is a plain word (ASCII
/// letters, digits, `_`, `-`): front-matter keys are such words, so a
/// full-width colon after one is a slip, and one inside a sentence is not.
fn key_end(body: &str) -> KeyEnd {
    let word = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(body.len());
    if word == 0 {
        return KeyEnd::None;
    }
    let rest = &body[word..];
    let gap = rest.len() - rest.trim_start_matches(' ').len();
    let after = &rest[gap..];
    if after.starts_with(':') && (after.len() == 1 || after[1..].starts_with([' ', '\t'])) {
        KeyEnd::Ascii(word + gap)
    } else if after.starts_with(FULL_WIDTH_COLON) {
        KeyEnd::FullWidth(word + gap)
    } else {
        KeyEnd::None
    }
}

/// The line without a trailing comment (`#` after a space, outside quotes).
fn strip_comment(line: &str) -> &str {
    // Most lines have no `#` at all: no need to walk their characters.
    if !line.contains('#') {
        return line;
    }
    let mut quote: Option<char> = None;
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') if previous == ' ' || previous == '[' || previous == ',' => {
                quote = Some(c)
            }
            (None, '#') if previous == ' ' || previous == '\t' || i == 0 => return &line[..i],
            _ => {}
        }
        previous = c;
    }
    line
}

fn at(kind: SlipKind, line_no: u32, line: &str, byte: usize, len: usize) -> Slip {
    let col = line[..byte.min(line.len())].chars().count() + 1;
    Slip {
        kind,
        line: line_no,
        col: u32::try_from(col).unwrap_or(u32::MAX),
        len: u32::try_from(len.max(1)).unwrap_or(u32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(SlipKind, u32, u32)> {
        find(text)
            .into_iter()
            .map(|s| (s.kind, s.line, s.col))
            .collect()
    }

    #[test]
    fn a_full_width_colon_after_a_key_is_found_at_the_colon() {
        assert_eq!(
            kinds("title: 惠东\ncategory：助老服务\n"),
            [(
                SlipKind::FullWidthColon {
                    key: "category".to_string()
                },
                2,
                9
            )]
        );
        // In a list entry, and before a space.
        assert_eq!(
            kinds("staff:\n  - name：王某\n")[0],
            (
                SlipKind::FullWidthColon {
                    key: "name".to_string()
                },
                2,
                9
            )
        );
        // A full-width colon inside a value is just text.
        assert!(kinds("summary: 时间：每周二\nnote: \"地点：站内\"\n").is_empty());
    }

    #[test]
    fn tabs_and_full_width_spaces_used_to_indent_are_found() {
        assert_eq!(
            kinds("staff:\n\t- name: 王某\n"),
            [(SlipKind::TabIndent, 2, 1)]
        );
        let slips = find("spaces:\n  - name: 个案室\n\u{3000}\u{3000}kind: casework\n");
        assert_eq!(slips[0].kind, SlipKind::FullWidthSpaceIndent);
        assert_eq!((slips[0].line, slips[0].col, slips[0].len), (3, 1, 2));
    }

    #[test]
    fn chinese_commas_in_a_list_are_found_at_the_first_one() {
        assert_eq!(
            kinds("audience: [老年人，儿童]\n"),
            [(SlipKind::ChineseCommaInList, 1, 15)]
        );
        assert_eq!(
            kinds("materials: [身份证、户口本]\n")[0].0,
            SlipKind::ChineseCommaInList
        );
        // Quoted text may hold them; so may a plain value.
        assert!(kinds("tags: [\"老年人，儿童\"]\nsummary: 老人，儿童\n").is_empty());
        assert!(kinds("materials: [身份证, 与纠纷有关的照片、票据等材料]\n").is_empty());
    }

    #[test]
    fn curly_quotes_and_full_width_brackets_are_found() {
        assert_eq!(
            kinds("contact: “010-65571234”\n"),
            [(SlipKind::CurlyQuotes, 1, 10)]
        );
        assert_eq!(
            kinds("audience: 【老年人, 儿童】\n"),
            [(SlipKind::FullWidthBrackets, 1, 11)]
        );
        // Curly quotes inside a sentence are Chinese punctuation.
        assert!(kinds("summary: 开展“楼门文化”活动\n").is_empty());
        assert!(kinds("summary: “同心为老”品牌的核心服务\n").is_empty());
    }

    #[test]
    fn block_text_and_comments_are_left_alone() {
        let text = "description: |\n  时间：每周二\n  \t缩进的一行\nnote: 好 # 注释：没事\ntags: [a, b] # [老年人，儿童]\n";
        assert!(kinds(text).is_empty(), "{:?}", kinds(text));
    }

    #[test]
    fn front_matter_without_the_characters_of_a_slip_is_not_read_line_by_line() {
        let plain = "title: \"睦邻点茶话会\"\nsummary: 社工站统筹协调，服务流程更加规范。老人、儿童——均可参加……\naudience:\n  - \"青少年\"\n";
        assert!(!may_hold_slips(plain));
        // Each slip's character, alone in that text, is enough to read it.
        for slip in ["\t", "：", "\u{3000}", "“", "”", "‘", "’", "【", "［"] {
            assert!(
                may_hold_slips(&format!("{plain}note: {slip}\n")),
                "{slip:?}"
            );
        }
        assert!(may_hold_slips(&format!("{plain}tags: [a]\n")));
        // The slips found past the check are those of every test above.
        assert_eq!(
            kinds(&format!("{plain}audience: [老年人，儿童]\n"))[0].0,
            SlipKind::ChineseCommaInList
        );
    }

    #[test]
    fn crlf_lines_count_like_lf() {
        assert_eq!(kinds("title: a\r\ncategory：b\r\n")[0].1, 2);
    }
}
