//! Where each front-matter value was written.
//!
//! serde_yaml tells us what the values are but not where they are, and an
//! author needs "line 7, column 10" to find a mistake. libyaml's event parser,
//! which serde_yaml is built on, knows: [`scan`] runs it once over the front
//! matter and keeps the marks of every node (scalar, list, group of fields,
//! alias) in document order. serde_yaml builds its values from those same
//! events in that same order, one node per event and an alias replayed from
//! its anchor, so [`attach`] walks the finished tree and the marks together,
//! with no guessing: flow collections over several lines, lists of maps,
//! anchors and aliases all get the place their text is at.
//!
//! The same pass bounds the nesting depth, so deeply nested input is refused
//! before serde_yaml (which would parse all of it first) ever sees it.
//!
//! Most front matter never reaches libyaml here: [`quick`] reads the marks of
//! the plain block style line by line, at a fraction of the cost, and hands
//! anything else to the event parser.

mod quick;

use super::libyaml::{self, EventKind, Mark, ScalarStyle};
use super::node::{Node, Value};
use crate::diagnostics::Pos;

/// The deepest nesting of lists and groups of fields a front matter may have.
/// Real front matter needs four (`schedule` › item › `days` › day); libyaml
/// spends time growing with the square of the depth, so 2 MiB of `[[[[…`
/// would take an hour. serde_yaml's own limit, 128, comes after its parser
/// has read everything.
pub const MAX_DEPTH: usize = 32;

/// A located piece of source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    pub pos: Pos,
    pub len: u32,
    /// The scalar as written on its line (quotes removed); None for
    /// collections, block scalars and scalars over several lines.
    pub raw: Option<String>,
}

/// What kind of node an event starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scalar(ScalarStyle),
    Seq {
        flow: bool,
    },
    Map {
        flow: bool,
    },
    /// An alias: the node is a copy of the one at this index of the marks.
    Alias(u32),
    /// An alias whose anchor we did not find (serde_yaml refuses it).
    Unknown,
}

/// One node of the front matter: where its text starts (after any `&anchor`
/// or `!tag`) and ends.
#[derive(Debug, Clone, Copy)]
struct NodeMark {
    kind: Kind,
    start: Mark,
    end: Mark,
}

/// The marks of every node, in document order.
#[derive(Debug, Default)]
pub struct Marks {
    nodes: Vec<NodeMark>,
}

/// Why [`scan`] stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum ScanError {
    /// Nested deeper than [`MAX_DEPTH`]: the collection that went too deep.
    TooDeep(Pos),
    /// Not valid YAML: serde_yaml reports it, in its words.
    Syntax,
}

/// Reads the marks of `yaml`, whose first line is line `first_line` of the
/// file. Stops at the first syntax error or at nesting deeper than
/// [`MAX_DEPTH`]. Keeps at most `max_nodes` marks (serde_yaml refuses a front
/// matter with more values than that) but reads on, to check the depth.
/// Front matter in the plain block style nearly every file is written in is
/// read line by line ([`quick`]); the rest by libyaml.
pub fn scan(yaml: &str, first_line: u32, max_nodes: usize) -> Result<Marks, ScanError> {
    match quick::scan(yaml, max_nodes) {
        Some(nodes) => Ok(Marks { nodes }),
        None => scan_events(yaml, first_line, max_nodes),
    }
}

/// [`scan`] by libyaml's event parser, for any YAML.
fn scan_events(yaml: &str, first_line: u32, max_nodes: usize) -> Result<Marks, ScanError> {
    let mut parser = libyaml::Parser::new(yaml);
    let mut marks = Marks::default();
    // Anchor name → index of its node; a later anchor of the same name
    // replaces it for the aliases after it, as in serde_yaml's loader.
    let mut anchors: Vec<(Box<[u8]>, u32)> = Vec::new();
    // The open collections, by index in the marks (None past `max_nodes`):
    // each one's end is set when it closes. Its length is its depth.
    let mut open: Vec<Option<usize>> = Vec::new();
    while let Some(event) = parser.next_event() {
        let event = event.map_err(|_| ScanError::Syntax)?;
        let index = u32::try_from(marks.nodes.len()).unwrap_or(u32::MAX);
        let (kind, anchor) = match event.kind {
            EventKind::Scalar { anchor, style } => (Kind::Scalar(style), anchor),
            EventKind::SequenceStart { anchor, flow } => (Kind::Seq { flow }, anchor),
            EventKind::MappingStart { anchor, flow } => (Kind::Map { flow }, anchor),
            EventKind::Alias { anchor } => {
                let target = anchors.iter().rev().find(|(name, _)| *name == anchor);
                (target.map_or(Kind::Unknown, |(_, i)| Kind::Alias(*i)), None)
            }
            EventKind::SequenceEnd | EventKind::MappingEnd => {
                if let Some(Some(i)) = open.pop() {
                    if let Some(node) = marks.nodes.get_mut(i) {
                        node.end = event.end;
                    }
                }
                continue;
            }
            EventKind::StreamStart
            | EventKind::StreamEnd
            | EventKind::DocumentStart
            | EventKind::DocumentEnd => continue,
        };
        let kept = marks.nodes.len() < max_nodes;
        if matches!(kind, Kind::Seq { .. } | Kind::Map { .. }) {
            if open.len() >= MAX_DEPTH {
                return Err(ScanError::TooDeep(to_pos(
                    after_properties(yaml, event.start, event.end),
                    first_line,
                )));
            }
            open.push(kept.then_some(marks.nodes.len()));
        }
        if !kept {
            continue;
        }
        if let Some(anchor) = anchor {
            anchors.push((anchor, index));
        }
        let start = match kind {
            Kind::Alias(_) | Kind::Unknown => event.start,
            _ => after_properties(yaml, event.start, event.end),
        };
        marks.nodes.push(NodeMark {
            kind,
            start,
            end: event.end,
        });
    }
    Ok(marks)
}

/// The mark after a node's `&anchor` and `!tag`, which libyaml counts as
/// part of the node: the place the value itself is written.
fn after_properties(yaml: &str, start: Mark, end: Mark) -> Mark {
    let Some(text) = yaml.get(start.index..end.index.max(start.index)) else {
        return start;
    };
    if !text.starts_with(['&', '!']) {
        return start;
    }
    let mut mark = start;
    let mut rest = text;
    loop {
        let trimmed = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        let skipped = &rest[..rest.len() - trimmed.len()];
        mark = advance(mark, skipped);
        rest = trimmed;
        if !rest.starts_with(['&', '!']) {
            return mark;
        }
        let token_end = rest.find([' ', '\t', '\n', '\r']).unwrap_or(rest.len());
        mark = advance(mark, &rest[..token_end]);
        rest = &rest[token_end..];
    }
}

/// `mark` moved over `text`.
fn advance(mut mark: Mark, text: &str) -> Mark {
    mark.index += text.len();
    match text.rfind('\n') {
        Some(last) => {
            mark.line += text.matches('\n').count();
            mark.column = text[last + 1..].chars().count();
        }
        None => mark.column += text.chars().count(),
    }
    mark
}

fn to_pos(mark: Mark, first_line: u32) -> Pos {
    let line = u32::try_from(mark.line).unwrap_or(u32::MAX);
    let col = u32::try_from(mark.column.saturating_add(1)).unwrap_or(u32::MAX);
    Pos::new(first_line.saturating_add(line), col)
}

/// Gives every node of `root` (the tree serde_yaml built from `yaml`) and
/// every key its place. A value reached through an alias (`*name`) points at
/// the alias: that is where the field using it is written, and where the
/// message about that field makes sense; its `raw` text is still the one
/// written at the anchor. Where the marks and the tree would disagree (they
/// cannot, but a wrong position is better than a crash), nodes fall back to
/// the position of the enclosing one.
pub fn attach(root: &mut Node, marks: &Marks, yaml: &str, first_line: u32) {
    let walker = Walker {
        nodes: &marks.nodes,
        yaml,
        first_line,
    };
    let top = Pos::new(first_line, 1);
    let mut cursor = 0;
    walker.node(root, &mut cursor, None, (top, 1));
    // The whole front matter is reported at its first line, as before.
    root.pos = top;
}

struct Walker<'a> {
    nodes: &'a [NodeMark],
    yaml: &'a str,
    first_line: u32,
}

/// A place and its length in characters.
type Span = (Pos, u32);

impl Walker<'_> {
    /// Locates `node`, whose mark is at `*cursor` (moved past it and its
    /// children). `alias` is the span of the alias being expanded, if any;
    /// `fallback` the span used when the node has no place of its own (an
    /// empty value: the key it belongs to).
    fn node(&self, node: &mut Node, cursor: &mut usize, alias: Option<Span>, fallback: Span) {
        let Some(mark) = self.nodes.get(*cursor).copied() else {
            self.fall_back(node, fallback);
            return;
        };
        *cursor += 1;
        if let Kind::Alias(target) = mark.kind {
            let here = alias.unwrap_or_else(|| self.span(mark));
            let mut replay = target as usize;
            // An anchor comes before its aliases, so the replay cannot loop.
            if replay < *cursor - 1 {
                self.node(node, &mut replay, Some(here), fallback);
            } else {
                self.fall_back(node, here);
            }
            return;
        }
        let located = self.locate(mark, fallback);
        let (pos, len) = alias.unwrap_or((located.pos, located.len));
        node.pos = pos;
        node.len = len;
        if !matches!(node.value, Value::Str(_)) || located.raw.is_some() {
            node.raw = located.raw;
        }
        let here = (pos, len);
        match &mut node.value {
            Value::Seq(items) => {
                for item in items.iter_mut() {
                    self.node(item, cursor, alias, here);
                }
            }
            Value::Map(entries) => {
                for (key, value) in entries.iter_mut() {
                    let key_span = match self.nodes.get(*cursor).copied() {
                        Some(key_mark) => {
                            *cursor += 1;
                            // A key given by an alias is one scalar, as the tree's key is.
                            alias.unwrap_or_else(|| self.span(key_mark))
                        }
                        None => here,
                    };
                    key.pos = key_span.0;
                    let before = *cursor;
                    self.node(value, cursor, alias, key_span);
                    // A block list or group under a key is reported at the
                    // key: the field's name is what the author looks for.
                    if alias.is_none() && self.is_block_collection(before) {
                        value.pos = key_span.0;
                        value.len = key_span.1;
                    }
                }
            }
            _ => {}
        }
    }

    fn is_block_collection(&self, index: usize) -> bool {
        matches!(
            self.nodes.get(index).map(|m| m.kind),
            Some(Kind::Seq { flow: false } | Kind::Map { flow: false })
        )
    }

    /// Gives `node` and everything in it the fallback place (marks ran out).
    fn fall_back(&self, node: &mut Node, fallback: Span) {
        node.pos = fallback.0;
        node.len = fallback.1;
        match &mut node.value {
            Value::Seq(items) => items.iter_mut().for_each(|i| self.fall_back(i, fallback)),
            Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.pos = fallback.0;
                self.fall_back(v, fallback);
            }),
            _ => {}
        }
    }

    /// The place and length of a node's text, without its raw text.
    fn span(&self, mark: NodeMark) -> Span {
        (to_pos(mark.start, self.first_line), self.len(mark))
    }

    /// Characters from the start of the node to its end, or to the end of
    /// its first line when it goes on over more lines; at least 1.
    fn len(&self, mark: NodeMark) -> u32 {
        let chars = if mark.end.line == mark.start.line {
            mark.end.column.saturating_sub(mark.start.column)
        } else {
            let rest = self.yaml.get(mark.start.index..).unwrap_or_default();
            let line = rest.split('\n').next().unwrap_or_default();
            line.trim_end().chars().count()
        };
        u32::try_from(chars.max(1)).unwrap_or(u32::MAX)
    }

    fn locate(&self, mark: NodeMark, fallback: Span) -> Located {
        let (pos, len) = self.span(mark);
        let Kind::Scalar(style) = mark.kind else {
            // Collections: where the `[`, `{`, first `-` or first key is.
            let len = if matches!(
                mark.kind,
                Kind::Seq { flow: true } | Kind::Map { flow: true }
            ) {
                len
            } else {
                1
            };
            return Located {
                pos,
                len,
                raw: None,
            };
        };
        if mark.end.index <= mark.start.index {
            // An empty value (`phone:`): libyaml puts it at the next token,
            // often on the next line; the key is the place to show.
            return Located {
                pos: fallback.0,
                len: fallback.1,
                raw: None,
            };
        }
        let raw = if mark.end.line != mark.start.line {
            None
        } else {
            let written = self.yaml.get(mark.start.index..mark.end.index);
            match style {
                ScalarStyle::Plain => written.map(str::to_string),
                ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => written
                    .and_then(|w| w.get(1..w.len().saturating_sub(1)))
                    .map(str::to_string),
                ScalarStyle::Block => None,
            }
        };
        let len = if style == ScalarStyle::Block { 1 } else { len };
        Located { pos, len, raw }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::node::Key;

    /// A tree shaped like serde_yaml's, for the walk (the real pairing with
    /// serde_yaml is tested in `frontmatter`).
    fn parsed(yaml: &str) -> Node {
        crate::load::frontmatter::parse(yaml, 2, "a.md").expect("valid YAML")
    }

    fn at<'n>(node: &'n Node, path: &str) -> &'n Node {
        path.split('.').fold(node, |n, part| match &n.value {
            Value::Seq(items) => &items[part.parse::<usize>().expect("index")],
            Value::Map(_) => n.get(part).expect("key"),
            _ => panic!("no {part} in {n:?}"),
        })
    }

    fn key<'n>(node: &'n Node, path: &str) -> &'n Key {
        let (parent, name) = path.rsplit_once('.').map_or(("", path), |(p, n)| (p, n));
        let parent = if parent.is_empty() {
            node
        } else {
            at(node, parent)
        };
        &parent
            .as_map()
            .expect("a map")
            .iter()
            .find(|(k, _)| k.name == name)
            .expect("key")
            .0
    }

    fn place(node: &Node, path: &str) -> (u32, u32) {
        let n = at(node, path);
        (n.pos.line, n.pos.col)
    }

    const YAML: &str = "title: 惠东社工站\nphone: \"010-6557\"   # office\nopening_hours:\n  - days: [mon, tue]\n    time: \"09:00-17:30\"\nspaces:\n- name: 个案工作室\n  kind: casework\n  capacity: 4\ntags: [助老服务, \"议事, 协商\"]\nsummary: >\n  long text\n  more: text\nemail: a@example.org\n";

    #[test]
    fn locates_keys_and_scalars() {
        let node = parsed(YAML);
        assert_eq!(place(&node, "title"), (2, 8));
        assert_eq!(at(&node, "title").raw.as_deref(), Some("惠东社工站"));
        assert_eq!(at(&node, "title").len, 5);
        assert_eq!(place(&node, "phone"), (3, 8));
        assert_eq!(at(&node, "phone").raw.as_deref(), Some("010-6557"));
        assert_eq!(at(&node, "phone").len, 10);
        assert_eq!(key(&node, "email").pos, Pos::new(15, 1));
    }

    #[test]
    fn locates_nested_lists_and_inline_items() {
        let node = parsed(YAML);
        assert_eq!(place(&node, "opening_hours.0.days.1"), (5, 17));
        assert_eq!(place(&node, "opening_hours.0.time"), (6, 11));
        assert_eq!(place(&node, "spaces.0.capacity"), (10, 13));
        assert_eq!(key(&node, "spaces.0.kind").pos, Pos::new(9, 3));
        assert_eq!(place(&node, "tags.1"), (11, 14));
        assert_eq!(at(&node, "tags.1").raw.as_deref(), Some("议事, 协商"));
        assert_eq!(
            at(&node, "tags").len,
            "[助老服务, \"议事, 协商\"]".chars().count() as u32
        );
        // A block list is reported at its field's name.
        assert_eq!(place(&node, "spaces"), (7, 1));
        assert_eq!(at(&node, "spaces").len, 6);
    }

    #[test]
    fn block_scalars_are_located_at_their_indicator() {
        let node = parsed(YAML);
        assert_eq!(place(&node, "summary"), (12, 10));
        assert_eq!(at(&node, "summary").raw, None);
        assert!(node.get("more").is_none());
    }

    #[test]
    fn sequence_of_sequences_and_inline_maps() {
        let node =
            crate::load::frontmatter::parse("a:\n  - - x\n    - y\nb: {k: v, n: 2}\n", 1, "a.md")
                .expect("valid");
        assert_eq!(place(&node, "a.0.1"), (3, 7));
        assert_eq!(place(&node, "b.n"), (4, 14));
        assert_eq!(key(&node, "b.n").pos, Pos::new(4, 11));
    }

    #[test]
    fn items_of_a_flow_list_over_several_lines() {
        let node = parsed("title: 探访\naudience: [老年人,\n  残障人士, 老人家]\n");
        assert_eq!(place(&node, "audience.0"), (3, 12));
        assert_eq!(place(&node, "audience.1"), (4, 3));
        assert_eq!(place(&node, "audience.2"), (4, 9));
        assert_eq!(at(&node, "audience.2").len, 3);
        assert_eq!(at(&node, "audience.2").raw.as_deref(), Some("老人家"));
        // The list itself: from `[` to the end of its first line.
        assert_eq!(place(&node, "audience"), (3, 11));
        assert_eq!(at(&node, "audience").len, 5);
    }

    #[test]
    fn flow_maps_inside_a_block_list() {
        let node = parsed(
            "schedule:\n  - {days: [tue, thx], time: \"09:00-11:30\"}\n  - {days: [mon,\n      fri], time: \"14:00\"}\n",
        );
        assert_eq!(place(&node, "schedule.0.days.1"), (3, 18));
        assert_eq!(at(&node, "schedule.0.days.1").raw.as_deref(), Some("thx"));
        assert_eq!(place(&node, "schedule.0.time"), (3, 30));
        assert_eq!(at(&node, "schedule.0.time").len, 13);
        assert_eq!(key(&node, "schedule.0.time").pos, Pos::new(3, 24));
        assert_eq!(place(&node, "schedule.0"), (3, 5));
        assert_eq!(place(&node, "schedule.1.days.1"), (5, 7));
        assert_eq!(place(&node, "schedule.1.time"), (5, 19));
    }

    #[test]
    fn anchors_point_at_the_value_and_aliases_at_the_alias() {
        let node = parsed(
            "base: &hours {days: [mon, tue], time: \"09:00\"}\nnote: &n !!str 010\nplaces:\n  - *hours\ncopy: *n\n",
        );
        // The anchored value: after `&hours` and `!!str`.
        assert_eq!(place(&node, "base"), (2, 14));
        assert_eq!(place(&node, "base.days.1"), (2, 27));
        assert_eq!(place(&node, "note"), (3, 16));
        assert_eq!(at(&node, "note").raw.as_deref(), Some("010"));
        // Everything reached through `*hours` is at `*hours`, 6 characters.
        for path in [
            "places.0",
            "places.0.days",
            "places.0.days.1",
            "places.0.time",
        ] {
            assert_eq!(place(&node, path), (5, 5), "{path}");
            assert_eq!(at(&node, path).len, 6, "{path}");
        }
        assert_eq!(key(&node, "places.0.time").pos, Pos::new(5, 5));
        // The alias of a scalar keeps the text written at the anchor.
        assert_eq!(place(&node, "copy"), (6, 7));
        assert_eq!(at(&node, "copy").raw.as_deref(), Some("010"));
    }

    #[test]
    fn an_anchor_redefined_later_is_used_from_there_on() {
        let node = parsed("a: &x 1\nb: *x\nc: &x 2\nd: *x\n");
        assert_eq!(at(&node, "d").raw.as_deref(), Some("2"));
        assert_eq!(place(&node, "d"), (5, 4));
        assert_eq!(at(&node, "b").raw.as_deref(), Some("1"));
    }

    #[test]
    fn empty_values_point_at_their_key() {
        let node = parsed("title: a\nphone:\nstaff:\n  -\n  - name: 王\n");
        assert_eq!(place(&node, "phone"), (3, 1));
        assert_eq!(at(&node, "phone").len, 5);
        assert_eq!(place(&node, "staff.1.name"), (6, 11));
    }

    #[test]
    fn columns_count_characters_after_chinese_text() {
        let node = parsed("标题: 惠东\n名称: {简称: 东站, 全称: \"惠东社工站\"}\n");
        assert_eq!(place(&node, "标题"), (2, 5));
        assert_eq!(place(&node, "名称.全称"), (3, 18));
        assert_eq!(at(&node, "名称.全称").len, 7);
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_refused_at_its_place() {
        let deep = format!("title: a\nx: {}{}\n", "[".repeat(40), "]".repeat(40));
        let err = scan(&deep, 2, usize::MAX).unwrap_err();
        assert_eq!(
            err,
            ScanError::TooDeep(Pos::new(3, 4 + MAX_DEPTH as u32 - 1))
        );
        let block: String = (0..40)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert!(matches!(
            scan(&block, 2, usize::MAX),
            Err(ScanError::TooDeep(_))
        ));
        let fine = format!(
            "x: {}{}\n",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(scan(&fine, 2, usize::MAX).is_ok());
    }

    #[test]
    fn a_syntax_error_is_left_to_serde_yaml() {
        assert_eq!(
            scan("a: [b\n", 2, usize::MAX).unwrap_err(),
            ScanError::Syntax
        );
    }
}
