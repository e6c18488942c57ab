//! Marks without libyaml, for front matter written in the plain block style.
//!
//! Nearly every front matter is written one way: a field per line, lists of
//! `- ` items, values quoted or plain on their line, short lists as `[a, b]`,
//! all indented with spaces. In that style every mark can be read off its
//! line, so [`scan`] finds them in one pass over the bytes, where libyaml's
//! event parser spent 7% of a whole build on them. Anything else (anchors,
//! tags, `|` and `>` text, `{…}` groups, a value going on over several
//! lines, a tab, an empty list item, a line it does not understand) makes it
//! answer None, and [`super::scan`] asks libyaml: the two never have to agree
//! on what this reader is unsure of. Tests check that they agree on every
//! file of the demo site and on thousands of generated front matters.
//!
//! It never judges whether the YAML is valid: serde_yaml still reads every
//! front matter and reports any error in it; the marks are only used when it
//! succeeds.

use super::{Kind, MAX_DEPTH, NodeMark};
use crate::load::libyaml::{Mark, ScalarStyle};

/// The marks of `yaml`, in document order, as libyaml's events give them,
/// or None when `yaml` is not in the plain block style or has more than
/// `max_nodes` nodes. One difference: a block list or group ends where it
/// starts, since no reader of the marks uses where it ends.
pub(super) fn scan(yaml: &str, max_nodes: usize) -> Option<Vec<NodeMark>> {
    if !plain_characters(yaml.as_bytes()) {
        return None;
    }
    let mut reader = Reader {
        // About one node for every 16 bytes of front matter.
        nodes: Vec::with_capacity(yaml.len() / 16 + 8),
        open: Vec::new(),
        pending_key: false,
        max_nodes,
    };
    // The indentation the next line must not pass, after a value written on
    // its line: a line further in would go on with that value.
    let mut value_owner: Option<usize> = None;
    let mut start = 0;
    // The lines, found with memchr: `str::split` looks for a `char`.
    let ends = memchr::memchr_iter(b'\n', yaml.as_bytes()).chain(std::iter::once(yaml.len()));
    for (number, end) in ends.enumerate() {
        let text = &yaml[start..end];
        let line = Line {
            text,
            start,
            number,
        };
        start = end + 1;
        let indent = text.bytes().take_while(|&b| b == b' ').count();
        let rest = &text[indent..];
        if rest.is_empty() {
            continue;
        }
        if value_owner.is_some_and(|owner| indent > owner) {
            return None;
        }
        if rest.starts_with('#') {
            continue;
        }
        value_owner = reader.line(&line, indent)?;
    }
    reader.finish()
}

/// False for text with a character libyaml reads in a way this reader does
/// not: a tab or other control character, the line breaks NEL, LS and PS,
/// and a byte-order mark.
fn plain_characters(bytes: &[u8]) -> bool {
    // Control characters in a loop without branches, which the compiler
    // vectorizes; then the lead bytes of the four sequences, which are rare.
    let control = bytes.iter().fold(false, |found, &b| {
        found | ((b < 0x20) & (b != b'\n')) | (b == 0x7F)
    });
    !control
        && memchr::memchr3_iter(0xC2, 0xE2, 0xEF, bytes).all(|i| {
            let at = &bytes[i..];
            ![
                &[0xC2, 0x85][..],
                &[0xE2, 0x80, 0xA8],
                &[0xE2, 0x80, 0xA9],
                &[0xEF, 0xBB, 0xBF],
            ]
            .iter()
            .any(|sequence| at.starts_with(sequence))
        })
}

/// One line of the front matter.
struct Line<'a> {
    text: &'a str,
    /// Byte offset of the line in the front matter.
    start: usize,
    /// 0-based line number.
    number: usize,
}

impl Line<'_> {
    /// The mark of byte `at` of this line (a character boundary).
    fn mark(&self, at: usize) -> Mark {
        Mark {
            index: self.start + at,
            line: self.number,
            column: self
                .text
                .get(..at)
                .map_or(at, |before| before.chars().count()),
        }
    }
}

/// An open block list or group of fields, and the indentation of its items.
#[derive(Debug, Clone, Copy)]
struct Block {
    indent: usize,
    list: bool,
}

struct Reader {
    nodes: Vec<NodeMark>,
    open: Vec<Block>,
    /// The last field had nothing after its colon: a list or group may follow
    /// on the next lines, or else its value is empty.
    pending_key: bool,
    max_nodes: usize,
}

impl Reader {
    /// Reads a line that is neither blank nor a comment, indented by
    /// `indent` spaces. Some(owner) when it ends with a value, owner being
    /// the indentation a line going on with it would have to pass.
    fn line(&mut self, line: &Line, indent: usize) -> Option<Option<usize>> {
        let entry = is_entry(&line.text[indent..]);
        if self.open.is_empty() {
            // The first line: the front matter is a group of fields from
            // the first column (which stays open to the end).
            if indent != 0 || entry {
                return None;
            }
            self.open_block(line, indent, false)?;
            return self.key(line, indent);
        }
        if std::mem::take(&mut self.pending_key) {
            let parent = self.open.last()?.indent;
            // A list may sit at its field's own indentation; a group must be further in.
            if entry && indent >= parent {
                self.open_block(line, indent, true)?;
                return self.entry(line, indent);
            }
            if !entry && indent > parent {
                self.open_block(line, indent, false)?;
                return self.key(line, indent);
            }
            self.empty_value(line.mark(0))?;
        }
        loop {
            let top = *self.open.last()?;
            if top.indent > indent {
                self.open.pop();
                continue;
            }
            if top.indent < indent {
                return None;
            }
            return match (top.list, entry) {
                (false, false) => self.key(line, indent),
                (true, true) => self.entry(line, indent),
                (true, false) => {
                    // A field at a list's indentation ends the list when the
                    // list was written at its own field's indentation.
                    self.open.pop();
                    match self.open.last() {
                        Some(group) if !group.list && group.indent == indent => {
                            self.key(line, indent)
                        }
                        _ => None,
                    }
                }
                (false, true) => None,
            };
        }
    }

    /// A list item: `- value` or `- field: …`, the `-` at byte `dash`.
    fn entry(&mut self, line: &Line, dash: usize) -> Option<Option<usize>> {
        let bytes = line.text.as_bytes();
        let at = skip_spaces(bytes, dash + 1);
        if at == dash + 1 || at >= bytes.len() || bytes[at] == b'#' || is_entry(&line.text[at..]) {
            return None;
        }
        if let Some(colon) = key_end(bytes, at) {
            self.open_block(line, at, false)?;
            return self.field(line, at, colon);
        }
        self.value(line, at)?;
        Some(Some(dash))
    }

    /// A field at byte `at`: `key: value` or `key:`.
    fn key(&mut self, line: &Line, at: usize) -> Option<Option<usize>> {
        let colon = key_end(line.text.as_bytes(), at)?;
        self.field(line, at, colon)
    }

    fn field(&mut self, line: &Line, at: usize, colon: usize) -> Option<Option<usize>> {
        self.push(
            Kind::Scalar(ScalarStyle::Plain),
            line.mark(at),
            line.mark(colon),
        )?;
        let bytes = line.text.as_bytes();
        let value = skip_spaces(bytes, colon + 1);
        if value >= bytes.len() || bytes[value] == b'#' {
            self.pending_key = true;
            return Some(None);
        }
        self.value(line, value)?;
        Some(Some(at))
    }

    /// A value written on its line from byte `at`.
    fn value(&mut self, line: &Line, at: usize) -> Option<()> {
        let bytes = line.text.as_bytes();
        match bytes[at] {
            quote @ (b'"' | b'\'') => {
                let end = quoted_end(bytes, at)?;
                let style = if quote == b'"' {
                    ScalarStyle::DoubleQuoted
                } else {
                    ScalarStyle::SingleQuoted
                };
                self.push(Kind::Scalar(style), line.mark(at), line.mark(end))?;
                only_comment_after(bytes, end)
            }
            b'[' => self.flow_list(line, at),
            first if starts_plain(first) => {
                let end = plain_end(bytes, at)?;
                self.push(
                    Kind::Scalar(ScalarStyle::Plain),
                    line.mark(at),
                    line.mark(end),
                )?;
                Some(())
            }
            _ => None,
        }
    }

    /// `[a, "b", 'c']` on one line, from the `[` at byte `at`.
    fn flow_list(&mut self, line: &Line, at: usize) -> Option<()> {
        if self.open.len() >= MAX_DEPTH {
            return None;
        }
        let list = self.push(Kind::Seq { flow: true }, line.mark(at), line.mark(at))?;
        let bytes = line.text.as_bytes();
        let mut i = skip_spaces(bytes, at + 1);
        if bytes.get(i) != Some(&b']') {
            loop {
                let first = *bytes.get(i)?;
                let (style, end) = match first {
                    b'"' => (ScalarStyle::DoubleQuoted, quoted_end(bytes, i)?),
                    b'\'' => (ScalarStyle::SingleQuoted, quoted_end(bytes, i)?),
                    _ if starts_plain(first) => (ScalarStyle::Plain, flow_plain_end(bytes, i)?),
                    _ => return None,
                };
                self.push(Kind::Scalar(style), line.mark(i), line.mark(end))?;
                i = skip_spaces(bytes, end);
                match bytes.get(i)? {
                    b']' => break,
                    // A comma before the `]` is left to libyaml.
                    b',' => i = skip_spaces(bytes, i + 1),
                    _ => return None,
                }
                if bytes.get(i) == Some(&b']') {
                    return None;
                }
            }
        }
        self.nodes.get_mut(list)?.end = line.mark(i + 1);
        only_comment_after(bytes, i + 1)
    }

    fn open_block(&mut self, line: &Line, indent: usize, list: bool) -> Option<()> {
        if self.open.len() >= MAX_DEPTH {
            return None;
        }
        let kind = if list {
            Kind::Seq { flow: false }
        } else {
            Kind::Map { flow: false }
        };
        let start = line.mark(indent);
        self.push(kind, start, start)?;
        self.open.push(Block { indent, list });
        Some(())
    }

    /// The empty value of a field with nothing after its colon. libyaml
    /// puts it at the next token; the walk only sees that it is empty.
    fn empty_value(&mut self, here: Mark) -> Option<()> {
        self.push(Kind::Scalar(ScalarStyle::Plain), here, here)?;
        Some(())
    }

    fn push(&mut self, kind: Kind, start: Mark, end: Mark) -> Option<usize> {
        let index = self.nodes.len();
        if index >= self.max_nodes {
            return None;
        }
        self.nodes.push(NodeMark { kind, start, end });
        Some(index)
    }

    fn finish(mut self) -> Option<Vec<NodeMark>> {
        if self.pending_key {
            self.empty_value(Mark::default())?;
        }
        (!self.nodes.is_empty()).then_some(self.nodes)
    }
}

/// Whether a line's text (after its indentation) is a list item.
fn is_entry(rest: &str) -> bool {
    rest == "-" || rest.starts_with("- ")
}

fn skip_spaces(bytes: &[u8], from: usize) -> usize {
    from + bytes
        .get(from..)
        .map_or(0, |rest| rest.iter().take_while(|&&b| b == b' ').count())
}

/// The characters that mean something at the start of a YAML value (quotes
/// and `[` are read by the caller): a plain value may not start with them
/// here, though YAML allows some (`-1`, `:x`) that this reader leaves to
/// libyaml.
fn starts_plain(first: u8) -> bool {
    !matches!(
        first,
        b' ' | b'-'
            | b'?'
            | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}

/// The byte of the colon ending a plain key that starts at `at`, when the
/// line is `key: …` or `key:`. Keys with quotes, brackets, commas, a space
/// before the colon or over 1000 bytes (libyaml's limit is 1024 characters)
/// are left to libyaml.
fn key_end(bytes: &[u8], at: usize) -> Option<usize> {
    if !starts_plain(*bytes.get(at)?) {
        return None;
    }
    for (i, &b) in bytes.iter().enumerate().skip(at + 1) {
        match b {
            b':' if bytes.get(i + 1).is_none_or(|&next| next == b' ') => {
                return (bytes[i - 1] != b' ' && i - at <= 1000).then_some(i);
            }
            b'#' if bytes[i - 1] == b' ' => return None,
            b'"' | b'\'' | b'[' | b']' | b'{' | b'}' | b',' => return None,
            _ => {}
        }
    }
    None
}

/// Where a plain value from `at` to the end of the line (or to a ` #`
/// comment) ends, without the spaces after it. A `: ` or a final `:` in it
/// would make it a field; that is left to libyaml.
fn plain_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut end = at;
    for (i, &b) in bytes.iter().enumerate().skip(at) {
        match b {
            b':' if bytes.get(i + 1).is_none_or(|&next| next == b' ') => return None,
            b'#' if bytes[i - 1] == b' ' => break,
            b' ' => {}
            _ => end = i + 1,
        }
    }
    Some(end)
}

/// Where a plain item of a `[…]` list from `at` ends, before the `,` or `]`
/// after it. Items with `:`, `#` or brackets in them are left to libyaml.
fn flow_plain_end(bytes: &[u8], at: usize) -> Option<usize> {
    let mut end = at;
    for (i, &b) in bytes.iter().enumerate().skip(at) {
        match b {
            b',' | b']' => return Some(end),
            b':' | b'#' | b'[' | b'{' | b'}' => return None,
            b' ' => {}
            _ => end = i + 1,
        }
    }
    None
}

/// The byte after the closing quote of the quoted value at `at`, on the
/// same line. `''` in single quotes and `\` escapes in double quotes are
/// skipped over; a value going on to the next line is left to libyaml.
fn quoted_end(bytes: &[u8], at: usize) -> Option<usize> {
    let quote = bytes[at];
    let mut i = at + 1;
    while let Some(&b) = bytes.get(i) {
        if quote == b'"' && b == b'\\' {
            i += 2;
        } else if b == quote {
            if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
            } else {
                return Some(i + 1);
            }
        } else {
            i += 1;
        }
    }
    None
}

/// Whether only spaces, then the end of the line or a ` #` comment, follow byte `from`.
fn only_comment_after(bytes: &[u8], from: usize) -> Option<()> {
    let at = skip_spaces(bytes, from);
    match bytes.get(at) {
        None => Some(()),
        Some(b'#') if at > from => Some(()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Marks, attach, scan_events};
    use super::*;
    use crate::load::frontmatter;

    /// Whether [`scan`] read `yaml`. When it did and serde_yaml reads `yaml`
    /// too, asserts that every value and key gets the same place, length and
    /// text from its marks as from libyaml's.
    fn agrees(yaml: &str) -> bool {
        let Some(nodes) = scan(yaml, usize::MAX) else {
            return false;
        };
        let Ok(tree) = frontmatter::read_tree(yaml) else {
            return true;
        };
        let events = scan_events(yaml, 2, usize::MAX)
            .unwrap_or_else(|e| panic!("libyaml refused ({e:?}) what serde_yaml read:\n{yaml}"));
        let mut by_lines = tree.clone();
        attach(&mut by_lines, &Marks { nodes }, yaml, 2);
        let mut by_events = tree;
        attach(&mut by_events, &events, yaml, 2);
        // Compared as text: a `.nan` value is not equal to itself.
        assert_eq!(
            format!("{by_lines:#?}"),
            format!("{by_events:#?}"),
            "front matter:\n{yaml}"
        );
        true
    }

    #[test]
    fn reads_the_plain_block_style_as_libyaml_does() {
        let cases = [
            "title: 惠东社工站\nphone: \"010-6557\"   # office\n",
            "title: a\nopening_hours:\n  - days: [mon, tue]\n    time: \"09:00-17:30\"\n  - days:\n      - \"sat\"\n    time: '10:00'\n",
            "spaces:\n- name: 个案工作室\n  kind: casework\n  capacity: 4\ntags: [助老服务, \"议事, 协商\", 'it''s']\n",
            "title: a\nphone:\nstaff:\n  - name: 王\n    role:\n  - name: 李\nemail:\n",
            "# a comment first\n\ntitle: C# 与 http://a.cn/#x   \nsummary:\n  # a comment further in, after a field without value\nphone: 1\n",
            "标题: 惠东\n名称: \"惠东\\\"社工站\\\"\"\n简称: '东站'  # 注释\n列表: []\n",
            "a:\n  b:\n    c:\n      - x\n      - y\n    d: 1\n  e: 2\nf: 3\n",
            "url: https://example.org/a?b=c#d\ntime: 09:00-17:30\nnote: 王某：电话\n",
            "quote: “好”……——，。\u{A0}\u{2027}\u{202A}\n",
        ];
        for yaml in cases {
            assert!(agrees(yaml), "left to libyaml:\n{yaml}");
        }
    }

    #[test]
    fn leaves_everything_else_to_libyaml() {
        let cases = [
            "base: &h 1\ncopy: *h\n",
            "note: !!str 010\n",
            "summary: >\n  long text\n",
            "summary: |\n  long text\n",
            "group: {k: v}\n",
            "summary: a long\n  text going on\n",
            "title: \"a long\n  quoted text\"\n",
            "list: [a,\n  b]\n",
            "list:\n  -\n  - b\n",
            "list:\n  - - a\n",
            "title:\ta\n",
            "title: a\u{2028}b\n",
            "title: a\u{2029}b\n",
            "title: a\u{85}b\n",
            "title: a\u{FEFF}b\n",
            "title: a\u{7F}b\n",
            "title: a\rb\n",
            "a: -1\n",
            "a: b: c\n",
            "\"quoted key\": 1\n",
            "  indented: 1\n",
            "- a\n- b\n",
            "title: a\n  # a comment further in could go on with the value\n",
            "list: [a, b,]\n",
            "list: [a: b]\n",
        ];
        for yaml in cases {
            assert!(!agrees(yaml), "read without libyaml:\n{yaml}");
        }
        let deep: String = (0..MAX_DEPTH + 1)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert!(scan(&deep, usize::MAX).is_none());
        // A group, two keys, two values: five nodes.
        assert!(scan("a: 1\nb: 2\n", 5).is_some());
        assert!(scan("a: 1\nb: 2\n", 4).is_none());
    }

    #[test]
    fn reads_every_front_matter_of_the_demo_site() {
        let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
        let mut files = 0;
        for entry in walkdir::WalkDir::new(content) {
            let entry = entry.expect("readable content folder");
            if entry.path().extension().is_none_or(|e| e != "md") {
                continue;
            }
            let bytes = std::fs::read(entry.path()).expect("readable page");
            let text = crate::load::decode(&bytes).expect("UTF-8 page");
            let Some(yaml) = frontmatter::split(&text).expect("closed").yaml else {
                continue;
            };
            assert!(agrees(yaml), "{}", entry.path().display());
            files += 1;
        }
        assert!(files >= 50, "only {files} front matters");
    }

    /// splitmix64: a seeded generator without a dependency.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) % n as u64) as usize
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len())]
        }
    }

    const KEYS: &[&str] = &["title", "标题", "a", "phone_2", "名 称", "x-y", "on"];

    /// Values in the plain block style.
    const VALUES: &[&str] = &[
        "惠东社工站",
        "a b  ",
        "\"09:00-17:30\"",
        "'it''s'",
        "\"say \\\"hi\\\"\"",
        "010-6557",
        "C#",
        "http://a.cn/#x",
        "2020-12-22",
        "true",
        "~",
        "x # note",
        "\"q\" # note",
        "[]",
        "[mon, tue]",
        "[ \"a, b\" , 'c' ]  # c",
        "中文，逗号：冒号",
        "a #b",
    ];

    /// Values this reader leaves to libyaml, and some that are not YAML.
    const ODD_VALUES: &[&str] = &[
        "-1",
        "a: b",
        "a:",
        "\"q\"x",
        "'未闭合",
        "[a,]",
        "[a, [b]]",
        "[a: b]",
        "{k: v}",
        "|",
        "&x 1",
        "*x",
        "!!str 1",
        "@x",
    ];

    fn value(rng: &mut Rng) -> &'static str {
        if rng.below(12) == 0 {
            rng.pick(ODD_VALUES)
        } else {
            rng.pick(VALUES)
        }
    }

    fn group(rng: &mut Rng, out: &mut String, indent: usize, depth: usize) {
        for _ in 0..1 + rng.below(4) {
            out.push_str(&" ".repeat(indent));
            out.push_str(rng.pick(KEYS));
            out.push(':');
            match rng.below(if depth > 3 { 2 } else { 5 }) {
                0 | 1 => {
                    out.push_str(&" ".repeat(1 + rng.below(2)));
                    out.push_str(value(rng));
                    out.push('\n');
                }
                2 => {
                    out.push('\n');
                    let inner = indent + 1 + rng.below(3);
                    group(rng, out, inner, depth + 1);
                }
                3 => {
                    out.push('\n');
                    let inner = indent + rng.below(3);
                    list(rng, out, inner, depth + 1);
                }
                _ => out.push('\n'),
            }
            if rng.below(8) == 0 {
                out.push_str(&" ".repeat(rng.below(6)));
                out.push_str("# 注释\n");
            }
            if rng.below(10) == 0 {
                out.push('\n');
            }
        }
    }

    fn list(rng: &mut Rng, out: &mut String, indent: usize, depth: usize) {
        for _ in 0..1 + rng.below(3) {
            out.push_str(&" ".repeat(indent));
            out.push('-');
            match rng.below(if depth > 3 { 1 } else { 3 }) {
                0 => {
                    out.push(' ');
                    out.push_str(value(rng));
                    out.push('\n');
                }
                1 => {
                    // A group in the item, its first field on the dash's line.
                    let spaces = 1 + rng.below(2);
                    let mut item = String::new();
                    group(rng, &mut item, indent + 1 + spaces, depth + 1);
                    out.push_str(&" ".repeat(spaces));
                    out.push_str(item.trim_start_matches(' '));
                }
                _ => {
                    out.push('\n');
                    list(rng, out, indent + 2, depth + 1);
                }
            }
        }
    }

    /// Small slips anywhere: a character put in or taken out, a line moved
    /// in or out by a space.
    fn mutate(rng: &mut Rng, yaml: &mut String) {
        let places: Vec<usize> = yaml.char_indices().map(|(i, _)| i).collect();
        let Some(&at) = places.get(rng.below(places.len().max(1))) else {
            return;
        };
        match rng.below(3) {
            0 => yaml.insert_str(
                at,
                rng.pick(&[
                    " ", "#", ":", "-", "\"", "'", "[", "]", ",", "\t", "\n", "x", "中", "&", "|",
                ]),
            ),
            1 => {
                yaml.remove(at);
            }
            _ => {
                let line_start = yaml[..at].rfind('\n').map_or(0, |i| i + 1);
                if rng.below(2) == 0 {
                    yaml.insert(line_start, ' ');
                } else if yaml[line_start..].starts_with(' ') {
                    yaml.remove(line_start);
                }
            }
        }
    }

    #[test]
    fn reads_generated_front_matter_as_libyaml_does() {
        let (mut read, mut left) = (0, 0);
        for seed in 0..3000u64 {
            let mut rng = Rng(seed);
            let mut yaml = String::new();
            group(&mut rng, &mut yaml, 0, 0);
            if seed % 2 == 1 {
                for _ in 0..1 + rng.below(3) {
                    mutate(&mut rng, &mut yaml);
                }
            }
            if agrees(&yaml) {
                read += 1;
            } else {
                left += 1;
            }
        }
        // Both ways are taken often, so both are compared.
        assert!(
            read > 500 && left > 500,
            "read {read}, left to libyaml {left}"
        );
    }
}
