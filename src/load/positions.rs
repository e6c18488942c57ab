//! Where each front-matter value was written.
//!
//! The YAML parser tells us what the values are but not where they are, and an
//! author needs "line 7, column 10" to find a mistake. This scanner reads the
//! block-style YAML that front matter is written in (keys, `- ` items, inline
//! `[a, b]` lists, quoted and block scalars) and records the line and column of
//! every key and value by its path (`spaces.1.capacity`). It only has to be right
//! for YAML the parser already accepted; where it cannot tell, callers fall back
//! to the position of the enclosing value.

use std::collections::HashMap;

use crate::diagnostics::Pos;

/// A located piece of source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub pos: Pos,
    pub len: u32,
    /// The scalar as written (quotes removed); None for collections and block scalars.
    pub raw: Option<String>,
}

/// Hashes the short paths of a position map (`spaces.1.capacity`): eight
/// bytes at a time with a multiply, where std's SipHash, built to resist
/// chosen keys, spent more than the scanner itself. The paths are an
/// author's own front matter, looked up once each: a key flood would only
/// slow that author's build.
#[derive(Default, Clone, Copy)]
pub struct PathHasher(u64);

impl std::hash::Hasher for PathHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
    }
    fn write_u8(&mut self, b: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type PathMap<V> = HashMap<String, V, std::hash::BuildHasherDefault<PathHasher>>;

/// Positions of keys and values by path.
#[derive(Debug, Default)]
pub struct PositionMap {
    pub keys: PathMap<Pos>,
    pub values: PathMap<Located>,
}

#[derive(Debug, PartialEq)]
enum FrameKind {
    Map,
    Seq,
}

struct Frame {
    indent: usize,
    path: String,
    kind: FrameKind,
    next_index: usize,
}

struct Scanner {
    map: PositionMap,
    stack: Vec<Frame>,
    /// A key or `-` with nothing after it: its value is the block below.
    pending: Option<(String, usize)>,
    /// Inside a `|` or `>` block scalar: lines indented more than this belong to it.
    block_scalar_indent: Option<usize>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Scans `yaml`, whose first line is line `first_line` of the file.
pub fn scan(yaml: &str, first_line: u32) -> PositionMap {
    let mut scanner = Scanner {
        map: PositionMap::default(),
        stack: vec![Frame {
            indent: 0,
            path: String::new(),
            kind: FrameKind::Map,
            next_index: 0,
        }],
        pending: None,
        block_scalar_indent: None,
    };
    for (i, line) in yaml.lines().enumerate() {
        let line_no = first_line + u32::try_from(i).unwrap_or(u32::MAX - first_line);
        scanner.line(line, line_no);
    }
    scanner.map
}

impl Scanner {
    fn line(&mut self, line: &str, line_no: u32) {
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        if trimmed.trim().is_empty() {
            return;
        }
        if let Some(block) = self.block_scalar_indent {
            if indent > block {
                return;
            }
            self.block_scalar_indent = None;
        }
        if trimmed.starts_with('#') || trimmed.starts_with("---") || trimmed.starts_with("...") {
            return;
        }
        let is_dash = trimmed == "-" || trimmed.starts_with("- ");
        if let Some((path, key_indent)) = self.pending.take() {
            if indent > key_indent || (is_dash && indent == key_indent) {
                let kind = if is_dash {
                    FrameKind::Seq
                } else {
                    FrameKind::Map
                };
                self.stack.push(Frame {
                    indent,
                    path,
                    kind,
                    next_index: 0,
                });
            }
        }
        while self.stack.len() > 1 {
            let top = &self.stack[self.stack.len() - 1];
            let deeper = top.indent > indent;
            let sequence_ended = top.kind == FrameKind::Seq && top.indent == indent && !is_dash;
            if deeper || sequence_ended {
                self.stack.pop();
            } else {
                break;
            }
        }
        self.entry(line, indent, line_no);
    }

    /// One entry starting at byte `at` of `line`: an item `- ...` or a `key: ...`.
    fn entry(&mut self, line: &str, at: usize, line_no: u32) {
        let content = &line[at..];
        let Some(top) = self.stack.last_mut() else {
            return;
        };
        if content == "-" || content.starts_with("- ") {
            if top.kind != FrameKind::Seq || top.indent != at {
                return;
            }
            let item_path = join(&top.path, &top.next_index.to_string());
            top.next_index += 1;
            let after_dash = &content[1..];
            let rest = after_dash.trim_start_matches(' ');
            let rest_at = at + 1 + (after_dash.len() - rest.len());
            if rest.is_empty() || rest.starts_with('#') {
                self.map.values.insert(
                    item_path.clone(),
                    Located {
                        pos: pos_of(line, at, line_no),
                        len: 1,
                        raw: None,
                    },
                );
                self.pending = Some((item_path, at));
            } else if rest == "-" || rest.starts_with("- ") {
                self.stack.push(Frame {
                    indent: rest_at,
                    path: item_path,
                    kind: FrameKind::Seq,
                    next_index: 0,
                });
                self.entry(line, rest_at, line_no);
            } else if split_key(rest).is_some() {
                self.map.values.insert(
                    item_path.clone(),
                    Located {
                        pos: pos_of(line, rest_at, line_no),
                        len: 1,
                        raw: None,
                    },
                );
                self.stack.push(Frame {
                    indent: rest_at,
                    path: item_path,
                    kind: FrameKind::Map,
                    next_index: 0,
                });
                self.entry(line, rest_at, line_no);
            } else {
                self.value(&item_path, line, rest_at, line_no);
            }
            return;
        }
        if top.kind != FrameKind::Map || top.indent != at {
            // A continuation line of a multi-line plain scalar, or something we
            // do not model: positions fall back to the enclosing value.
            return;
        }
        let Some((key, value_offset)) = split_key(content) else {
            return;
        };
        let key_path = join(&top.path, &key);
        self.map
            .keys
            .insert(key_path.clone(), pos_of(line, at, line_no));
        let after = &content[value_offset..];
        let rest = after.trim_start_matches(' ');
        let rest_at = at + value_offset + (after.len() - rest.len());
        if rest.is_empty() || rest.starts_with('#') {
            self.map.values.insert(
                key_path.clone(),
                Located {
                    pos: pos_of(line, at, line_no),
                    len: char_len(&key),
                    raw: None,
                },
            );
            self.pending = Some((key_path, at));
        } else if rest.starts_with('|') || rest.starts_with('>') {
            self.map.values.insert(
                key_path,
                Located {
                    pos: pos_of(line, rest_at, line_no),
                    len: 1,
                    raw: None,
                },
            );
            self.block_scalar_indent = Some(at);
        } else {
            self.value(&key_path, line, rest_at, line_no);
        }
    }

    /// A value written on the line at byte `at`: a scalar or an inline `[..]`/`{..}`.
    fn value(&mut self, path: &str, line: &str, at: usize, line_no: u32) {
        let text = &line[at..];
        if text.starts_with('[') || text.starts_with('{') {
            let end = flow_end(text);
            self.map.values.insert(
                path.to_string(),
                Located {
                    pos: pos_of(line, at, line_no),
                    len: char_len(&text[..end]),
                    raw: None,
                },
            );
            self.flow(path, line, at, line_no);
            return;
        }
        let (raw, len) = scalar_text(text);
        self.map.values.insert(
            path.to_string(),
            Located {
                pos: pos_of(line, at, line_no),
                len,
                raw: Some(raw),
            },
        );
    }

    /// The items of an inline list `[a, "b", c]` or the entries of `{k: v}`.
    fn flow(&mut self, path: &str, line: &str, at: usize, line_no: u32) {
        let text = &line[at..];
        let is_map = text.starts_with('{');
        let bytes = text.as_bytes();
        let mut depth = 0usize;
        let mut index = 0usize;
        let mut i = 0usize;
        let mut item_start: Option<usize> = None;
        let mut quote: Option<u8> = None;
        let mut items: Vec<(usize, usize)> = Vec::new();
        while i < bytes.len() {
            let b = bytes[i];
            if let Some(q) = quote {
                if b == b'\\' && q == b'"' {
                    i += 2;
                    continue;
                }
                if b == q {
                    quote = None;
                }
                i += 1;
                continue;
            }
            match b {
                b'"' | b'\'' => {
                    quote = Some(b);
                    if depth == 1 && item_start.is_none() {
                        item_start = Some(i);
                    }
                }
                b'[' | b'{' => {
                    if depth == 1 && item_start.is_none() {
                        item_start = Some(i);
                    }
                    depth += 1;
                }
                b']' | b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        if let Some(start) = item_start.take() {
                            items.push((start, i));
                        }
                        break;
                    }
                }
                b',' if depth == 1 => {
                    if let Some(start) = item_start.take() {
                        items.push((start, i));
                    }
                }
                b' ' => {}
                _ => {
                    if depth == 1 && item_start.is_none() {
                        item_start = Some(i);
                    }
                }
            }
            i += 1;
        }
        for (start, end) in items {
            let item = text[start..end].trim_end();
            if is_map {
                if let Some((key, offset)) = split_key(item) {
                    let key_path = join(path, &key);
                    self.map
                        .keys
                        .insert(key_path.clone(), pos_of(line, at + start, line_no));
                    let value = item[offset..].trim_start();
                    let value_at = at + start + (item.len() - value.len());
                    let (raw, len) = scalar_text(value);
                    self.map.values.insert(
                        key_path,
                        Located {
                            pos: pos_of(line, value_at, line_no),
                            len,
                            raw: Some(raw),
                        },
                    );
                }
            } else {
                let item_path = join(path, &index.to_string());
                index += 1;
                let (raw, len) = scalar_text(item);
                self.map.values.insert(
                    item_path,
                    Located {
                        pos: pos_of(line, at + start, line_no),
                        len,
                        raw: Some(raw),
                    },
                );
            }
        }
    }
}

fn pos_of(line: &str, byte: usize, line_no: u32) -> Pos {
    let col = line.get(..byte).map_or(byte, |s| s.chars().count()) + 1;
    Pos::new(line_no, u32::try_from(col).unwrap_or(u32::MAX))
}

fn char_len(s: &str) -> u32 {
    u32::try_from(s.chars().count().max(1)).unwrap_or(u32::MAX)
}

/// Splits `key: rest` (the key possibly quoted); returns the key and the byte
/// offset just after the colon. None when the text is not a mapping entry.
fn split_key(text: &str) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    if let Some(&q) = bytes.first().filter(|b| **b == b'"' || **b == b'\'') {
        let close = text[1..].find(q as char)? + 1;
        let after = &text[close + 1..];
        let after_trim = after.trim_start_matches(' ');
        if !after_trim.starts_with(':') {
            return None;
        }
        let colon = close + 1 + (after.len() - after_trim.len());
        let next = text.as_bytes().get(colon + 1);
        if next.is_some_and(|b| *b != b' ') {
            return None;
        }
        return Some((text[1..close].to_string(), colon + 1));
    }
    if matches!(
        bytes.first(),
        Some(b'[' | b'{' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>')
    ) {
        return None;
    }
    let mut search = 0;
    while let Some(found) = text[search..].find(':') {
        let colon = search + found;
        let next = bytes.get(colon + 1);
        if next.is_none() || next == Some(&b' ') {
            let key = text[..colon].trim_end();
            if key.is_empty() || key.contains(" #") {
                return None;
            }
            return Some((key.to_string(), colon + 1));
        }
        search = colon + 1;
    }
    None
}

/// The byte length of an inline collection starting at the beginning of `text`.
fn flow_end(text: &str) -> usize {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' && q == '"' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '[' | '{' => depth += 1,
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
    }
    text.len()
}

/// A scalar as written: quotes removed, a trailing ` # comment` cut off.
/// Returns the text and its length in characters on the line.
fn scalar_text(text: &str) -> (String, u32) {
    if let Some(q) = text.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let mut escaped = false;
        for (i, c) in text.char_indices().skip(1) {
            if escaped {
                escaped = false;
                continue;
            }
            if c == '\\' && q == '"' {
                escaped = true;
                continue;
            }
            if c == q {
                return (text[1..i].to_string(), char_len(&text[..=i]));
            }
        }
        return (text[1..].to_string(), char_len(text));
    }
    let cut = text.find(" #").unwrap_or(text.len());
    let plain = text[..cut].trim_end();
    (plain.to_string(), char_len(plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "title: 惠东社工站\nphone: \"010-6557\"   # office\nopening_hours:\n  - days: [mon, tue]\n    time: \"09:00-17:30\"\nspaces:\n- name: 个案工作室\n  kind: casework\n  capacity: 4\ntags: [助老服务, \"议事, 协商\"]\nsummary: >\n  long text\n  more: text\nemail: a@example.org\n";

    fn value(map: &PositionMap, path: &str) -> (u32, u32) {
        let v = &map.values[path];
        (v.pos.line, v.pos.col)
    }

    #[test]
    fn locates_keys_and_scalars() {
        let map = scan(YAML, 2);
        assert_eq!(value(&map, "title"), (2, 8));
        assert_eq!(map.values["title"].raw.as_deref(), Some("惠东社工站"));
        assert_eq!(value(&map, "phone"), (3, 8));
        assert_eq!(map.values["phone"].raw.as_deref(), Some("010-6557"));
        assert_eq!(map.keys["email"], Pos::new(15, 1));
    }

    #[test]
    fn locates_nested_lists_and_inline_items() {
        let map = scan(YAML, 2);
        assert_eq!(value(&map, "opening_hours.0.days.1"), (5, 17));
        assert_eq!(value(&map, "opening_hours.0.time"), (6, 11));
        assert_eq!(value(&map, "spaces.0.capacity"), (10, 13));
        assert_eq!(map.keys["spaces.0.kind"], Pos::new(9, 3));
        assert_eq!(value(&map, "tags.1"), (11, 14));
        assert_eq!(map.values["tags.1"].raw.as_deref(), Some("议事, 协商"));
    }

    #[test]
    fn skips_block_scalars() {
        let map = scan(YAML, 2);
        assert_eq!(value(&map, "summary"), (12, 10));
        assert!(!map.keys.contains_key("more"));
    }

    #[test]
    fn sequence_of_sequences_and_inline_maps() {
        let map = scan("a:\n  - - x\n    - y\nb: {k: v, n: 2}\n", 1);
        assert_eq!(value(&map, "a.0.1"), (3, 7));
        assert_eq!(value(&map, "b.n"), (4, 14));
    }
}
