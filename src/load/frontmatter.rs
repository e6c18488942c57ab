//! Front matter: splitting it from the Markdown body and parsing its YAML.
//!
//! This is the only module that knows the YAML library. It turns YAML into the
//! crate's own [`Node`] tree, so replacing serde_yaml with a maintained fork of
//! the same API (serde_norway, serde_yaml_ng) is a change to the `use` below.

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
/// The YAML library, for the editor's checks (`crate::edit`): this `use` is
/// the one line to change for a maintained fork of serde_yaml.
pub(crate) use serde_yaml as yaml;

use super::node::{Key, Node, Value};
use super::positions::{self, ScanError};
use super::slips::{self, Slip, SlipKind};
use crate::diagnostics::{Diagnostic, Pos, Problem};

/// Most values one front-matter block may hold once YAML aliases are expanded.
/// Far above any real page, far below what would exhaust memory: an "alias bomb"
/// stops here instead of expanding to billions of values.
pub const MAX_VALUES: usize = 50_000;

/// A file's text cut into front matter and body.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Split<'a> {
    /// The YAML between the `---` lines, if the file has front matter.
    pub yaml: Option<&'a str>,
    /// The file line on which the YAML starts.
    pub yaml_line: u32,
    /// Byte offset of the body in the text.
    pub body_start: usize,
    /// The file line on which the body starts.
    pub body_line: u32,
    /// Blank lines written before the opening `---` (Notepad users leave
    /// one): the front matter is read all the same, and this is warned about.
    pub blank_lines_before: u32,
}

/// Cuts `text` (already without BOM and with `\n` line ends) into front matter
/// and body. A file that opens with `---` but never closes it is an error.
pub fn split(text: &str) -> Result<Split<'_>, Problem> {
    // Blank lines before the opening `---` are skipped: without this, a
    // file that starts with an empty line had no front matter at all and was
    // reported as missing its title.
    let mut start = 0;
    let mut blank_lines_before = 0u32;
    while let Some(end) = text[start..].find('\n').map(|i| start + i) {
        if !text[start..end].trim().is_empty() {
            break;
        }
        start = end + 1;
        blank_lines_before += 1;
    }
    let first_line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    if text[start..first_line_end].trim_end() != "---" {
        return Ok(Split {
            yaml: None,
            yaml_line: 1,
            body_start: 0,
            body_line: 1,
            blank_lines_before: 0,
        });
    }
    let mut offset = (first_line_end + 1).min(text.len());
    // Each line's end, and the text's end for a last line without one.
    let yaml_start = offset;
    let ends = memchr::memchr_iter(b'\n', &text.as_bytes()[yaml_start..])
        .map(|i| yaml_start + i)
        .chain(std::iter::once(text.len()));
    for (line, end) in (blank_lines_before + 2..).zip(ends) {
        if offset >= text.len() {
            break;
        }
        // Only a line that starts with `-` or `.` can close the front matter.
        let closes = matches!(text.as_bytes()[offset], b'-' | b'.')
            && matches!(text[offset..end].trim_end(), "---" | "...");
        if closes {
            let body_start = (end + 1).min(text.len());
            return Ok(Split {
                yaml: Some(&text[first_line_end + 1..offset]),
                yaml_line: blank_lines_before + 2,
                body_start,
                body_line: line + 1,
                blank_lines_before,
            });
        }
        offset = end + 1;
    }
    Err(Problem::new("E-FRONT-UNCLOSED").with_hint("H-FRONT-UNCLOSED"))
}

/// Parses front-matter YAML whose first line is line `first_line` of `file`.
/// Returns the tree with positions, or the diagnostic for malformed YAML.
pub fn parse(yaml_text: &str, first_line: u32, file: &str) -> Result<Node, Diagnostic> {
    // The marks of every value first (read line by line for the plain block
    // style, by one libyaml pass otherwise). That pass also refuses nesting
    // too deep before serde_yaml, which reads all of its input before it
    // counts depth, spends minutes on it. A syntax error is left to
    // serde_yaml, whose message says what is wrong.
    let marks = match positions::scan(yaml_text, first_line, MAX_VALUES.saturating_add(1)) {
        Ok(marks) => Some(marks),
        Err(ScanError::TooDeep(pos)) => return Err(too_deep(pos, file)),
        Err(ScanError::Syntax) => None,
    };
    let mut node = match read_tree(yaml_text) {
        Ok(node) => node,
        Err(err) => return Err(yaml_error(&err, yaml_text, first_line, file)),
    };
    match marks {
        Some(marks) => positions::attach(&mut node, &marks, yaml_text, first_line),
        // libyaml failed where serde_yaml's libyaml did not: cannot happen
        // (they are the same code), but positions are then the first line.
        None => positions::attach(&mut node, &Default::default(), yaml_text, first_line),
    }
    if let Value::Map(entries) = &node.value {
        if let Some(d) = duplicate_key(entries, file) {
            return Err(d);
        }
    }
    Ok(node)
}

/// The tree serde_yaml reads from `yaml_text`, before any value has its
/// place (tests give it places from different marks).
pub(super) fn read_tree(yaml_text: &str) -> Result<Node, yaml::Error> {
    let budget = Cell::new(MAX_VALUES);
    let deserializer = yaml::Deserializer::from_str(yaml_text);
    NodeSeed { budget: &budget }.deserialize(deserializer)
}

/// [`parse`], and the slips of a Chinese keyboard (`super::slips`): the
/// tree with warnings, or every error of the front matter. A slip that
/// breaks YAML (a full-width colon after a key, a tab or full-width spaces
/// used to indent) is an error said in plain words with its fix, in place of
/// the parser's message about where it gave up. Slips that YAML accepts are read as the
/// author meant, with a warning: a list with Chinese commas or in full-width
/// brackets as its items, a value in curly quotes without them (so they do
/// not end up in a `tel:` link).
pub fn parse_checked(
    yaml_text: &str,
    first_line: u32,
    file: &str,
) -> Result<(Node, Vec<Diagnostic>), Vec<Diagnostic>> {
    let found = slips::find(yaml_text);
    let at = |slip: &Slip| Pos::new(first_line + slip.line - 1, slip.col);
    // These are never meant: an error each, said in plain words, whatever
    // the parser makes of them (it may even read `　　time:` as a field).
    let breaking: Vec<Diagnostic> = found
        .iter()
        .filter(|s| breaks_yaml(&s.kind))
        .map(|slip| slip_diagnostic(slip, at(slip), file, true))
        .collect();
    if !breaking.is_empty() {
        return Err(breaking);
    }
    let mut node = parse(yaml_text, first_line, file).map_err(|d| vec![d])?;
    let mut warnings = Vec::new();
    for slip in &found {
        let pos = at(slip);
        read_as_meant(&mut node, &slip.kind, pos);
        warnings.push(slip_diagnostic(slip, pos, file, false));
    }
    Ok((node, warnings))
}

fn breaks_yaml(kind: &SlipKind) -> bool {
    matches!(
        kind,
        SlipKind::FullWidthColon { .. } | SlipKind::TabIndent | SlipKind::FullWidthSpaceIndent
    )
}

fn slip_diagnostic(slip: &Slip, pos: Pos, file: &str, error: bool) -> Diagnostic {
    let (error_code, warning_code, hint) = match &slip.kind {
        SlipKind::FullWidthColon { .. } => ("E-SLIP-COLON", "W-SLIP-COLON", "H-SLIP-COLON"),
        SlipKind::TabIndent => ("E-SLIP-TAB", "W-SLIP-TAB", "H-SLIP-TAB"),
        SlipKind::FullWidthSpaceIndent => ("E-SLIP-SPACE", "W-SLIP-SPACE", "H-SLIP-SPACE"),
        SlipKind::ChineseCommaInList => ("E-SLIP-COMMA", "W-SLIP-COMMA", "H-SLIP-COMMA"),
        SlipKind::CurlyQuotes => ("E-SLIP-QUOTES", "W-SLIP-QUOTES", "H-SLIP-QUOTES"),
        SlipKind::FullWidthBrackets => ("E-SLIP-BRACKETS", "W-SLIP-BRACKETS", "H-SLIP-BRACKETS"),
    };
    let d = if error {
        Diagnostic::error(file, pos, error_code)
    } else {
        Diagnostic::warning(file, pos, warning_code)
    };
    let d = d.with_len(slip.len as usize).with_hint(hint);
    match &slip.kind {
        SlipKind::FullWidthColon { key } => d.arg("key", key.as_str()),
        _ => d,
    }
}

/// Reads the value a slip YAML accepted as the author meant it (see
/// [`parse_checked`]).
fn read_as_meant(node: &mut Node, kind: &SlipKind, pos: Pos) {
    match &mut node.value {
        Value::Map(entries) => entries
            .iter_mut()
            .for_each(|(_, child)| read_as_meant(child, kind, pos)),
        Value::Seq(items) => {
            if *kind == SlipKind::ChineseCommaInList && items.iter().any(|i| i.pos.line == pos.line)
            {
                let old = std::mem::take(items);
                *items = old.into_iter().flat_map(split_at_chinese_commas).collect();
            } else {
                items.iter_mut().for_each(|i| read_as_meant(i, kind, pos));
            }
        }
        Value::Str(text) if node.pos == pos => match kind {
            SlipKind::CurlyQuotes => {
                let bare = text
                    .trim_start_matches(['“', '”', '‘', '’'])
                    .trim_end_matches(['“', '”', '‘', '’'])
                    .trim()
                    .to_string();
                *text = bare.clone();
                node.raw = Some(bare);
            }
            SlipKind::FullWidthBrackets => {
                let inner = text
                    .trim_start_matches(['【', '［'])
                    .trim_end_matches(['】', '］'])
                    .to_string();
                let at = node.pos;
                let items = split_list_text(&inner)
                    .into_iter()
                    .map(|(offset, item)| text_node(item, at, offset + 1))
                    .collect();
                node.value = Value::Seq(items);
                node.raw = None;
            }
            _ => {}
        },
        _ => {}
    }
}

/// The items of a list item written with Chinese commas (`老年人，儿童`).
fn split_at_chinese_commas(item: Node) -> Vec<Node> {
    let Value::Str(text) = &item.value else {
        return vec![item];
    };
    if !text.contains(['，', '、']) {
        return vec![item];
    }
    split_list_text(text)
        .into_iter()
        .map(|(offset, part)| text_node(part, item.pos, offset))
        .collect()
}

/// The items of `text` cut at commas (`,` `，` `、`), each with how many
/// characters into `text` it starts.
fn split_list_text(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut start_chars = 0u32;
    let mut current = String::new();
    let mut count = 0u32;
    for c in text.chars().chain(std::iter::once(',')) {
        count += 1;
        if matches!(c, ',' | '，' | '、') {
            let lead = current.chars().take_while(|c| c.is_whitespace()).count() as u32;
            let item = current.trim().to_string();
            if !item.is_empty() {
                out.push((start_chars + lead, item));
            }
            current.clear();
            start_chars = count;
        } else {
            current.push(c);
        }
    }
    out
}

fn text_node(text: String, at: Pos, offset: u32) -> Node {
    Node {
        len: u32::try_from(text.chars().count())
            .unwrap_or(u32::MAX)
            .max(1),
        pos: Pos::new(at.line, at.col + offset),
        raw: Some(text.clone()),
        value: Value::Str(text),
    }
}

fn too_deep(pos: Pos, file: &str) -> Diagnostic {
    Diagnostic::error(file, pos, "E-YAML-TOO-DEEP")
        .arg("max", positions::MAX_DEPTH)
        .with_hint("H-YAML-TOO-DEEP")
}

fn yaml_error(err: &yaml::Error, yaml_text: &str, first_line: u32, file: &str) -> Diagnostic {
    let full = err.to_string();
    // serde_yaml appends " at line L column C"; we give the position ourselves.
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    let (line, col) = match err.location() {
        Some(loc) => (
            first_line + u32::try_from(loc.line().saturating_sub(1)).unwrap_or(0),
            u32::try_from(loc.column()).unwrap_or(1).max(1),
        ),
        None => (first_line, 1),
    };
    // Our own refusals (see NodeSeed) have codes of their own; the parser's
    // message is passed on as the detail of a syntax error.
    let (code, hint) = if message.contains("too many values") {
        ("E-YAML-TOO-MANY", "H-YAML-ALIASES")
    } else if message.contains("a field name must be plain text") {
        ("E-YAML-KEY-NOT-TEXT", "H-YAML-KEY-NOT-TEXT")
    } else if message.contains("YAML tags") {
        ("E-YAML-TAG", "H-YAML-TAG")
    } else if yaml_text.contains('：') {
        ("E-YAML-SYNTAX", "H-YAML-SYNTAX-COLON")
    } else {
        ("E-YAML-SYNTAX", "H-YAML-SYNTAX")
    };
    // libyaml says what went wrong in a few dozen fixed sentences: the
    // common ones are said in the author's language, the rest passed on.
    let detail = match YAML_PROBLEMS
        .iter()
        .find(|(english, _)| message.contains(english))
    {
        Some((_, key)) => crate::messages::key(*key),
        None => crate::messages::Arg::from(message),
    };
    Diagnostic::error(file, Pos::new(line, col), code)
        .arg("detail", detail)
        .arg("limit", MAX_VALUES)
        .with_hint(hint)
}

/// libyaml's problems an author meets, and the catalog keys that say them.
const YAML_PROBLEMS: &[(&str, &str)] = &[
    ("mapping values are not allowed", "yaml.mapping-values"),
    ("did not find expected key", "yaml.expected-key"),
    ("did not find expected '-' indicator", "yaml.expected-dash"),
    (
        "block sequence entries are not allowed",
        "yaml.sequence-here",
    ),
    ("did not find expected ',' or ']'", "yaml.unclosed-list"),
    ("did not find expected ',' or '}'", "yaml.unclosed-group"),
    ("could not find expected ':'", "yaml.expected-colon"),
    ("found unexpected end of stream", "yaml.unexpected-end"),
    ("found unknown escape character", "yaml.escape"),
    (
        "found character that cannot start any token",
        "yaml.bad-start",
    ),
    ("tab character", "yaml.tab"),
    ("did not find expected node content", "yaml.expected-value"),
    ("found undefined tag handle", "yaml.tag"),
];

fn duplicate_key(entries: &[(Key, Node)], file: &str) -> Option<Diagnostic> {
    // A set, not a scan of the keys before each one: a front matter of
    // 25,000 keys must not cost 300 million comparisons.
    let mut first: std::collections::HashMap<&str, &Key> =
        std::collections::HashMap::with_capacity(entries.len());
    for (key, _) in entries {
        if let Some(first) = first.get(key.name.as_str()) {
            return Some(
                Diagnostic::error(file, key.pos, "E-FIELD-TWICE")
                    .with_len(key.name.chars().count())
                    .arg("field", crate::messages::field(key.name.as_str()))
                    .arg("first_line", first.pos.line)
                    .with_hint("H-FIELD-TWICE"),
            );
        }
        first.insert(key.name.as_str(), key);
    }
    None
}

/// Builds [`Node`]s straight from the YAML event stream, counting values so an
/// alias bomb is refused while it expands rather than after.
#[derive(Clone, Copy)]
struct NodeSeed<'b> {
    budget: &'b Cell<usize>,
}

impl NodeSeed<'_> {
    fn take<E: de::Error>(&self) -> Result<(), E> {
        let left = self.budget.get();
        if left == 0 {
            return Err(E::custom(format!(
                "too many values (more than {MAX_VALUES} once aliases are expanded)"
            )));
        }
        self.budget.set(left - 1);
        Ok(())
    }
}

fn leaf(value: Value) -> Node {
    Node {
        value,
        pos: Pos::START,
        len: 1,
        raw: None,
    }
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Node;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        self.take()?;
        Ok(leaf(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        self.take()?;
        Ok(leaf(Value::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        self.take()?;
        Ok(leaf(match i64::try_from(v) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Float(v as f64),
        }))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        self.take()?;
        Ok(leaf(Value::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        self.take()?;
        Ok(leaf(Value::Str(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        self.take()?;
        Ok(leaf(Value::Str(v)))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        self.take()?;
        Ok(leaf(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        self.visit_unit()
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        self.take()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(leaf(Value::Seq(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Node, A::Error> {
        self.take()?;
        let mut entries = Vec::new();
        while let Some(key) = access.next_key_seed(self)? {
            let name = match key.value {
                Value::Str(s) => s,
                Value::Int(i) => i.to_string(),
                Value::Float(f) => f.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => "null".to_string(),
                Value::Seq(_) | Value::Map(_) => {
                    return Err(de::Error::custom("a field name must be plain text"));
                }
            };
            let value = access.next_value_seed(self)?;
            entries.push((
                Key {
                    name,
                    pos: Pos::START,
                },
                value,
            ));
        }
        Ok(leaf(Value::Map(entries)))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, _data: A) -> Result<Node, A::Error> {
        Err(de::Error::custom(
            "YAML tags such as `!name` are not supported in front matter",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_body() {
        let text = "---\ntitle: 惠东\n---\n\n正文\n";
        let s = split(text).unwrap();
        assert_eq!(s.yaml, Some("title: 惠东\n"));
        assert_eq!(s.body_line, 4);
        assert_eq!(&text[s.body_start..], "\n正文\n");
    }

    #[test]
    fn front_matter_closes_at_the_first_line_of_three_dashes_or_dots() {
        let s = split("---\na: 1\n----\n- x\n.b\n...  \nbody").unwrap();
        assert_eq!(s.yaml, Some("a: 1\n----\n- x\n.b\n"));
        assert_eq!((s.body_line, s.body_start), (7, 27));
        // The closing line may be the last, with or without its line end.
        for text in ["---\na: 1\n---", "---\na: 1\n---\n"] {
            let s = split(text).unwrap();
            assert_eq!((s.yaml, s.body_line), (Some("a: 1\n"), 4));
            assert_eq!(s.body_start, text.len());
        }
        assert!(split("---\na: 1\n-- -\n").is_err());
    }

    #[test]
    fn a_file_without_front_matter_is_all_body() {
        let s = split("# 标题\n").unwrap();
        assert_eq!(s.yaml, None);
        assert_eq!(s.body_start, 0);
    }

    #[test]
    fn unclosed_front_matter_is_an_error() {
        assert!(split("---\ntitle: x\n正文").is_err());
    }

    #[test]
    fn values_get_positions_and_raw_text() {
        let node = parse("title: 惠东\nphone: 65571234\ncapacity: 4\n", 2, "a.md").unwrap();
        let phone = node.get("phone").unwrap();
        assert_eq!(phone.value, Value::Int(65571234));
        assert_eq!(phone.raw.as_deref(), Some("65571234"));
        assert_eq!(phone.pos, Pos::new(3, 8));
        assert_eq!(node.get("capacity").unwrap().pos, Pos::new(4, 11));
    }

    #[test]
    fn malformed_yaml_reports_file_line() {
        let err = parse("title: 惠东\nstation: [huidong\n", 2, "a.md").unwrap_err();
        assert_eq!(err.code, "E-YAML-SYNTAX");
        assert!(err.pos.line >= 3, "{:?}", err.pos);
    }

    #[test]
    fn alias_bomb_is_refused_quickly() {
        let mut yaml = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for name in ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] {
            let refs = vec![format!("*{prev}"); 10].join(", ");
            yaml.push_str(&format!("{name}: &{name} [{refs}]\n"));
            prev = name;
        }
        let started = std::time::Instant::now();
        let err = parse(&yaml, 2, "bomb.md").unwrap_err();
        assert_eq!(err.code, "E-YAML-TOO-MANY");
        assert!(started.elapsed().as_secs() < 5);
    }

    #[test]
    fn duplicate_fields_are_reported() {
        let err = parse("title: a\nsummary: b\ntitle: c\n", 2, "a.md").unwrap_err();
        assert_eq!(err.pos, Pos::new(4, 1));
        assert_eq!(err.code, "E-FIELD-TWICE");
        assert!(err.message().contains("`title`"), "{}", err.message());
    }
}
