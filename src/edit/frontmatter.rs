//! Line-preserving edits of a file's front matter.
//!
//! The front matter is read twice: by the YAML parser, for the values, and by
//! a small scanner of the block layout station files use (`key: value`
//! lines, groups written as `- ` lists of `key: value` entries, `[a, b]`
//! lists), for where each value is written. A change rewrites only the lines
//! of the values that differ; a group is compared entry by entry and field by
//! field, so changing one session's time rewrites one line. The result is
//! parsed again and must hold exactly the intended values, or the edit is
//! refused and the text is left as it was.

use crate::load::frontmatter::yaml::{Mapping, Value as Y};

use super::Val;
use super::scalar::{self, Style as Quote};

/// A field of the front matter: `title`, `staff[1]`, `staff[1].role`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath(pub Vec<Segment>);

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

impl FieldPath {
    /// Reads `staff[1].role`. Keys are the schema's: ASCII letters, digits,
    /// `_` and `-`. The path starts with a key.
    pub fn parse(path: &str) -> Result<FieldPath, EditError> {
        let bad = || EditError::BadPath {
            path: path.to_string(),
        };
        let mut segments = Vec::new();
        for (i, part) in path.split('.').enumerate() {
            let (key, mut rest) = match part.find('[') {
                Some(at) => (&part[..at], &part[at..]),
                None => (part, ""),
            };
            if key.is_empty() {
                // Only `a[0][1]`-style indexes may follow without a key.
                if i == 0 || rest.is_empty() {
                    return Err(bad());
                }
            } else {
                if !is_key(key) {
                    return Err(bad());
                }
                segments.push(Segment::Key(key.to_string()));
            }
            while !rest.is_empty() {
                let close = rest.find(']').ok_or_else(bad)?;
                let index = rest[1..close].parse::<usize>().map_err(|_| bad())?;
                segments.push(Segment::Index(index));
                rest = &rest[close + 1..];
                if !rest.is_empty() && !rest.starts_with('[') {
                    return Err(bad());
                }
            }
        }
        if !matches!(segments.first(), Some(Segment::Key(_))) {
            return Err(bad());
        }
        Ok(FieldPath(segments))
    }

    /// The top-level field.
    fn top(&self) -> &str {
        match self.0.first() {
            Some(Segment::Key(k)) => k,
            _ => "",
        }
    }
}

impl std::fmt::Display for FieldPath {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(k) if i == 0 => write!(f, "{k}")?,
                Segment::Key(k) => write!(f, ".{k}")?,
                Segment::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

fn is_key(key: &str) -> bool {
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !key.starts_with('-')
}

/// One change a form makes.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Sets the field (adding it if it is not there).
    Set(FieldPath, Val),
    /// Removes the field's lines (nothing happens if it is not there).
    Remove(FieldPath),
}

impl Change {
    /// `Change::Set` of a path written as text (`staff[1].role`).
    pub fn set(path: &str, value: Val) -> Result<Change, EditError> {
        Ok(Change::Set(FieldPath::parse(path)?, value))
    }
    /// `Change::Remove` of a path written as text.
    pub fn remove(path: &str) -> Result<Change, EditError> {
        Ok(Change::Remove(FieldPath::parse(path)?))
    }
    fn path(&self) -> &FieldPath {
        match self {
            Change::Set(p, _) | Change::Remove(p) => p,
        }
    }
}

/// Something in the front matter that is not edited, because it cannot be
/// edited without guessing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Construct {
    /// `&name` or `*name`: a change could silently change another field.
    AnchorOrAlias,
    /// `!tag`.
    Tag,
    /// `? key`, `<<: *base`, or a field name that is not plain text.
    ComplexKey,
    /// An indentation or line layout the scanner does not follow.
    Layout,
    /// A value shape a form does not write (a list inside a list, ...).
    Shape,
}

/// Why a change was not made. The text is unchanged in every case.
#[derive(Debug, Clone, PartialEq)]
pub enum EditError {
    /// The file starts with `---` but the front matter is never closed.
    UnclosedFrontMatter,
    /// The front matter is not valid YAML (file line and column).
    Yaml { line: u32, column: u32 },
    /// The front matter is YAML but not a list of `name: value` fields.
    NotAMapping,
    /// `construct` on file line `line` makes the edit unsafe.
    Unsupported { line: u32, construct: Construct },
    /// A field path that is not `key`, `key[n]` or `key[n].key`.
    BadPath { path: String },
    /// The path goes through a field or entry that does not exist.
    NoSuchField { path: String },
    /// The path indexes a field that is not a list, or names a field of
    /// something that is not a group entry.
    NotAGroup { path: String },
    /// The value cannot be written (a number that is not finite, a list of
    /// lists).
    BadValue { path: String },
    /// The edited text did not read back as the intended values. A bug in
    /// the editor, refused so that it cannot damage the file.
    Unverified,
}

/// Applies `changes` in order; new fields go after the last field.
pub fn apply(text: &str, changes: &[Change]) -> Result<String, EditError> {
    apply_in_order(text, changes, &[])
}

/// Like [`apply`], but a new top-level field goes after the nearest field
/// that comes before it in `order` (the schema's order of the type's fields,
/// see [`schema_order`]), so a form's new fields land where `zhan new` puts
/// them.
pub fn apply_in_order(text: &str, changes: &[Change], order: &[&str]) -> Result<String, EditError> {
    let original = Doc::open(text)?;
    let mut expected = original.values()?;
    let mut current = text.to_string();
    for change in changes {
        let doc = Doc::open(&current)?;
        let values = doc.values()?;
        let top = change.path().top().to_string();
        let new_top = match (change, change.path().0.len()) {
            (Change::Set(_, v), 1) => Some(v.clone()),
            (Change::Remove(_), 1) => None,
            (_, _) => {
                let Some(old) = values.get(top.as_str()) else {
                    return Err(EditError::NoSuchField {
                        path: change.path().to_string(),
                    });
                };
                let mut whole = Val::from_yaml(old).ok_or(EditError::Unsupported {
                    line: doc.yaml_line,
                    construct: Construct::Shape,
                })?;
                modify(&mut whole, &change.path().0[1..], change)?;
                Some(whole)
            }
        };
        if let Some(v) = &new_top {
            check_value(v, change.path())?;
        }
        current = doc.rewrite(&values, &top, new_top.as_ref(), order)?;
        match new_top {
            Some(v) => {
                expected.insert(Y::String(top), v.to_yaml());
            }
            None => {
                expected.shift_remove(top.as_str());
            }
        }
    }
    // The safety net: the new text must say exactly what was meant.
    let done = Doc::open(&current).map_err(|_| EditError::Unverified)?;
    let got = done.values().map_err(|_| EditError::Unverified)?;
    if got != expected || done.body != original.body || done.bom != original.bom {
        return Err(EditError::Unverified);
    }
    Ok(current)
}

/// The top-level field names of `kind` in the order `zhan new` writes them.
pub fn schema_order(kind: crate::model::Kind) -> Vec<&'static str> {
    crate::model::schema::fields(kind).map(|f| f.key).collect()
}

/// Applies a change below the top-level field to that field's whole value.
fn modify(value: &mut Val, rest: &[Segment], change: &Change) -> Result<(), EditError> {
    let path = || change.path().to_string();
    let Some((step, deeper)) = rest.split_first() else {
        return Ok(());
    };
    let last = deeper.is_empty();
    match (value, step) {
        (Val::List(items), Segment::Index(i)) => {
            if last {
                match change {
                    Change::Set(_, v) if *i == items.len() => items.push(v.clone()),
                    Change::Set(_, v) => {
                        *items
                            .get_mut(*i)
                            .ok_or_else(|| EditError::NoSuchField { path: path() })? = v.clone();
                    }
                    Change::Remove(_) if *i < items.len() => {
                        items.remove(*i);
                    }
                    Change::Remove(_) => {}
                }
                return Ok(());
            }
            let item = items
                .get_mut(*i)
                .ok_or_else(|| EditError::NoSuchField { path: path() })?;
            modify(item, deeper, change)
        }
        (Val::Map(entries), Segment::Key(k)) => {
            let at = entries.iter().position(|(key, _)| key == k);
            if last {
                match (change, at) {
                    (Change::Set(_, v), Some(at)) => entries[at].1 = v.clone(),
                    (Change::Set(_, v), None) => entries.push((k.clone(), v.clone())),
                    (Change::Remove(_), Some(at)) => {
                        entries.remove(at);
                    }
                    (Change::Remove(_), None) => {}
                }
                return Ok(());
            }
            let at = at.ok_or_else(|| EditError::NoSuchField { path: path() })?;
            modify(&mut entries[at].1, deeper, change)
        }
        _ => Err(EditError::NotAGroup { path: path() }),
    }
}

/// Refuses values that cannot be written before touching anything.
fn check_value(value: &Val, path: &FieldPath) -> Result<(), EditError> {
    let bad = || EditError::BadValue {
        path: path.to_string(),
    };
    match value {
        Val::Float(f) if !f.is_finite() => Err(bad()),
        Val::List(items) => {
            for item in items {
                match item {
                    Val::List(inner) if !inner.iter().all(Val::is_scalar) => return Err(bad()),
                    _ => check_value(item, path)?,
                }
            }
            Ok(())
        }
        Val::Map(entries) => {
            for (i, (k, v)) in entries.iter().enumerate() {
                if !is_key(k) || entries[..i].iter().any(|(other, _)| other == k) {
                    return Err(bad());
                }
                check_value(v, path)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// The file, cut into its parts.

struct Doc<'a> {
    bom: &'a str,
    /// The opening `---` line, with its line end; empty without front matter.
    head: &'a str,
    yaml: &'a str,
    /// The closing `---` line and the body (the whole text without front matter).
    rest: &'a str,
    /// The Markdown body.
    body: &'a str,
    /// File line of the first YAML line.
    yaml_line: u32,
    eol: &'static str,
}

impl<'a> Doc<'a> {
    fn open(text: &'a str) -> Result<Doc<'a>, EditError> {
        let (bom, text) = match text.strip_prefix('\u{FEFF}') {
            Some(rest) => (&text[..3], rest),
            None => ("", text),
        };
        let eol = match text.find('\n') {
            Some(i) if text[..i].ends_with('\r') => "\r\n",
            _ => "\n",
        };
        let split =
            crate::load::frontmatter::split(text).map_err(|_| EditError::UnclosedFrontMatter)?;
        let Some(yaml) = split.yaml else {
            return Ok(Doc {
                bom,
                head: "",
                yaml: "",
                rest: text,
                body: text,
                yaml_line: 1,
                eol,
            });
        };
        let start = text.find('\n').map_or(text.len(), |i| i + 1);
        let end = start + yaml.len();
        if text.get(start..end) != Some(yaml) {
            return Err(EditError::Unsupported {
                line: 1,
                construct: Construct::Layout,
            });
        }
        Ok(Doc {
            bom,
            head: &text[..start],
            yaml,
            rest: &text[end..],
            body: text.get(split.body_start..).unwrap_or(""),
            yaml_line: 2,
            eol,
        })
    }

    /// The parsed fields.
    fn values(&self) -> Result<Mapping, EditError> {
        if self.yaml.trim().is_empty() {
            return Ok(Mapping::new());
        }
        match crate::load::frontmatter::yaml::from_str::<Y>(self.yaml) {
            Ok(Y::Mapping(map)) => {
                if map.keys().all(|k| k.is_string()) {
                    Ok(map)
                } else {
                    Err(EditError::Unsupported {
                        line: self.yaml_line,
                        construct: Construct::ComplexKey,
                    })
                }
            }
            Ok(Y::Null) => Ok(Mapping::new()),
            Ok(_) => Err(EditError::NotAMapping),
            Err(err) => {
                let (line, column) = err.location().map_or((0, 0), |l| (l.line(), l.column()));
                Err(EditError::Yaml {
                    line: self.yaml_line + u32::try_from(line.saturating_sub(1)).unwrap_or(0),
                    column: u32::try_from(column).unwrap_or(0),
                })
            }
        }
    }

    /// The text with top-level field `key` set to `new` (or removed).
    fn rewrite(
        &self,
        values: &Mapping,
        key: &str,
        new: Option<&Val>,
        order: &[&str],
    ) -> Result<String, EditError> {
        let lines = Lines::new(self.yaml, self.yaml_line, self.eol);
        let top = lines.map(0, lines.len(), 0, false)?;
        let mut out: Vec<String> = Vec::new();
        match (top.iter().find(|e| e.key == key), new) {
            (Some(entry), new) => {
                lines.copy(&mut out, 0, entry.line);
                if let Some(new) = new {
                    let old = values.get(key).ok_or(EditError::Unverified)?;
                    out.extend(lines.update_entry(entry, old, new)?);
                }
                lines.copy(&mut out, entry.end, lines.len());
            }
            (None, None) => return Ok(self.joined(self.yaml)),
            (None, Some(new)) => {
                let at = insertion_point(&top, key, order).unwrap_or(lines.len());
                lines.copy(&mut out, 0, at);
                out.extend(lines.terminate(fresh_entry(key, new, 0)?));
                lines.copy(&mut out, at, lines.len());
            }
        }
        let yaml = out.concat();
        if self.head.is_empty() {
            let eol = self.eol;
            return Ok(format!("{}---{eol}{yaml}---{eol}{}", self.bom, self.rest));
        }
        Ok(self.joined(&yaml))
    }

    fn joined(&self, yaml: &str) -> String {
        format!("{}{}{}{}", self.bom, self.head, yaml, self.rest)
    }
}

/// Where a new top-level field goes: after the last field, or with `order`,
/// after the nearest field before it in that order (before the first field
/// after it when none before it is there).
fn insertion_point(top: &[Entry], key: &str, order: &[&str]) -> Option<usize> {
    let last = top.last().map(|e| e.end);
    let Some(at) = order.iter().position(|k| *k == key) else {
        return last;
    };
    let before = order[..at]
        .iter()
        .rev()
        .find_map(|k| top.iter().find(|e| e.key == *k));
    if let Some(e) = before {
        return Some(e.end);
    }
    let after = top
        .iter()
        .filter_map(|e| {
            order[at + 1..]
                .iter()
                .position(|k| *k == e.key)
                .map(|p| (p, e))
        })
        .min_by_key(|(p, _)| *p);
    match after {
        Some((_, e)) => Some(e.line),
        None => last,
    }
}

// ---------------------------------------------------------------------------
// The scanner: where each value is written.

/// How a value starts on its key's line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inline {
    /// Nothing (a block below, or an empty value).
    Empty,
    Scalar(Quote),
    /// `[...]` or `{...}` closed on the same line.
    Flow,
    /// `|` or `>`.
    BlockScalar,
    /// A scalar or flow collection that goes on over more lines.
    Multi,
}

/// One `key: value` of a block mapping.
#[derive(Debug)]
struct Entry {
    key: String,
    /// Its first line, and one past its last (trailing comments and blank
    /// lines are not part of it).
    line: usize,
    end: usize,
    /// Byte offsets in the first line: the key, just after its `:`, the value.
    col: usize,
    colon: usize,
    value_at: usize,
    inline: Inline,
    /// Byte offset of a trailing `# comment` on the first line.
    comment: Option<usize>,
    block: Option<Block>,
}

/// What is written under a key with no value on its line.
#[derive(Debug)]
enum Block {
    Seq { dash: usize, items: Vec<Item> },
    Map { entries: Vec<Entry> },
}

/// One `- ` item of a block list.
#[derive(Debug)]
struct Item {
    line: usize,
    end: usize,
    dash: usize,
    /// Byte offset of what follows `- `.
    content: usize,
    kind: ItemKind,
}

#[derive(Debug)]
enum ItemKind {
    /// `- text` on one line.
    Scalar {
        quote: Quote,
        comment: Option<usize>,
    },
    /// `- key: value` and the keys below it.
    Map(Vec<Entry>),
    /// Anything else (rewritten whole when it changes).
    Other,
}

struct Lines<'a> {
    /// Each line with its line end.
    raw: Vec<&'a str>,
    first_line: u32,
    eol: &'static str,
}

fn body(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    line.strip_suffix('\r').unwrap_or(line)
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A blank line or a line that is only a comment.
fn skippable(line: &str) -> bool {
    let t = line.trim_start();
    t.is_empty() || t.starts_with('#')
}

fn is_dash(line: &str, col: usize) -> bool {
    let rest = line.get(col..).unwrap_or("");
    rest == "-" || rest.starts_with("- ")
}

impl<'a> Lines<'a> {
    fn new(yaml: &'a str, first_line: u32, eol: &'static str) -> Lines<'a> {
        Lines {
            raw: yaml.split_inclusive('\n').collect(),
            first_line,
            eol,
        }
    }

    fn len(&self) -> usize {
        self.raw.len()
    }

    fn body(&self, i: usize) -> &'a str {
        body(self.raw[i])
    }

    /// The line end of line `i` (the file's for a last line without one).
    fn eol_of(&self, i: usize) -> &'a str {
        let raw = self.raw[i];
        let b = body(raw);
        if b.len() == raw.len() {
            self.eol
        } else {
            &raw[b.len()..]
        }
    }

    fn copy(&self, out: &mut Vec<String>, from: usize, to: usize) {
        out.extend(self.raw[from..to].iter().map(|s| s.to_string()));
    }

    fn terminate(&self, lines: Vec<String>) -> impl Iterator<Item = String> + '_ {
        lines.into_iter().map(move |l| l + self.eol)
    }

    fn unsupported(&self, i: usize, construct: Construct) -> EditError {
        EditError::Unsupported {
            line: self.first_line + u32::try_from(i).unwrap_or(0),
            construct,
        }
    }

    /// The entries of the block mapping in lines `start..end` whose keys are
    /// at column `col` (with `on_dash`, line `start` is a list item's line
    /// and its key is at `col` after the `- `).
    fn map(
        &self,
        start: usize,
        end: usize,
        col: usize,
        on_dash: bool,
    ) -> Result<Vec<Entry>, EditError> {
        let mut entries = Vec::new();
        let mut i = start;
        while i < end {
            let line = self.body(i);
            let forced = on_dash && i == start;
            if !forced && skippable(line) {
                i += 1;
                continue;
            }
            if !forced && indent(line) != col {
                return Err(self.unsupported(i, Construct::Layout));
            }
            let Some((key, colon)) = find_key(line, col).map_err(|c| self.unsupported(i, c))?
            else {
                return Err(self.unsupported(i, Construct::Layout));
            };
            let entry = self.entry(i, end, col, key, colon)?;
            i = entry.end;
            entries.push(entry);
        }
        Ok(entries)
    }

    fn entry(
        &self,
        i: usize,
        limit: usize,
        col: usize,
        key: String,
        colon: usize,
    ) -> Result<Entry, EditError> {
        let line = self.body(i);
        let value_at = colon + (line.len() - colon - line[colon..].trim_start().len());
        let (mut inline, comment) =
            inline_value(line, value_at).map_err(|c| self.unsupported(i, c))?;
        let end = self.region_end(i, limit, col, inline);
        if end > i + 1 && matches!(inline, Inline::Scalar(_) | Inline::Flow) {
            inline = Inline::Multi;
        }
        let block = if inline == Inline::Empty && end > i + 1 {
            Some(self.block(i + 1, end)?)
        } else {
            None
        };
        Ok(Entry {
            key,
            line: i,
            end,
            col,
            colon,
            value_at,
            inline,
            comment,
            block,
        })
    }

    /// One past the last line of the value that starts on line `i`.
    fn region_end(&self, i: usize, limit: usize, col: usize, inline: Inline) -> usize {
        let mut last = i;
        let mut k = i + 1;
        while k < limit {
            let line = self.body(k);
            let blank = line.trim().is_empty();
            if blank || (inline != Inline::BlockScalar && skippable(line)) {
                k += 1;
                continue;
            }
            let ind = indent(line);
            if ind > col || (ind == col && inline == Inline::Empty && is_dash(line, col)) {
                last = k;
                k += 1;
            } else {
                break;
            }
        }
        last + 1
    }

    /// The block under a key, in lines `start..end`.
    fn block(&self, start: usize, end: usize) -> Result<Block, EditError> {
        let first = (start..end)
            .find(|&i| !skippable(self.body(i)))
            .ok_or_else(|| self.unsupported(start, Construct::Layout))?;
        let line = self.body(first);
        let col = indent(line);
        if !is_dash(line, col) {
            return Ok(Block::Map {
                entries: self.map(first, end, col, false)?,
            });
        }
        let mut items = Vec::new();
        let mut i = first;
        while i < end {
            let line = self.body(i);
            if skippable(line) {
                i += 1;
                continue;
            }
            if indent(line) != col || !is_dash(line, col) {
                return Err(self.unsupported(i, Construct::Layout));
            }
            let item_end = self.region_end(i, end, col, Inline::Scalar(Quote::Plain));
            let after = col + 1;
            let content = after + (line.len() - after - line[after..].trim_start().len());
            let rest = &line[content..];
            let kind = if rest.is_empty() || rest.starts_with('#') || is_dash(line, content) {
                ItemKind::Other
            } else if find_key(line, content)
                .map_err(|c| self.unsupported(i, c))?
                .is_some()
            {
                ItemKind::Map(self.map(i, item_end, content, true)?)
            } else {
                match inline_value(line, content).map_err(|c| self.unsupported(i, c))? {
                    (Inline::Scalar(quote), comment) if item_end == i + 1 => {
                        ItemKind::Scalar { quote, comment }
                    }
                    _ => ItemKind::Other,
                }
            };
            items.push(Item {
                line: i,
                end: item_end,
                dash: col,
                content,
                kind,
            });
            i = item_end;
        }
        Ok(Block::Seq { dash: col, items })
    }

    // -----------------------------------------------------------------------
    // Writing.

    /// The lines that replace `entry` (its lines `line..end`) when its value
    /// `old` becomes `new`. Unchanged values keep their lines.
    fn update_entry(&self, e: &Entry, old: &Y, new: &Val) -> Result<Vec<String>, EditError> {
        let mut out = Vec::new();
        if new.to_yaml() == *old {
            self.copy(&mut out, e.line, e.end);
            return Ok(out);
        }
        let line = self.body(e.line);
        let eol = self.eol_of(e.line);
        let bare = &line[..e.colon];
        let head = if e.inline == Inline::Empty {
            format!("{bare} ")
        } else {
            line[..e.value_at].to_string()
        };
        let with_comment = |content: String| -> String {
            match e.comment {
                Some(c) => align_comment(content, line, c),
                None => content,
            }
        };
        let was = match e.inline {
            Inline::Scalar(q) => Some(q),
            _ => None,
        };
        let bad = || self.unsupported(e.line, Construct::Shape);
        match new {
            Val::Null => out.push(with_comment(bare.to_string()) + eol),
            Val::Text(text) if text.contains('\n') && e.inline == Inline::BlockScalar => {
                match literal_block(text, e.col + 2) {
                    Some((header, lines)) => {
                        out.push(with_comment(format!("{bare} {header}")) + eol);
                        out.extend(self.terminate(lines));
                    }
                    None => out.push(with_comment(head + &scalar::double_quoted(text)) + eol),
                }
            }
            v if v.is_scalar() => {
                let text = scalar::emit(v, was, false).ok_or_else(bad)?;
                out.push(with_comment(head + &text) + eol);
            }
            Val::List(items) if items.is_empty() => out.push(with_comment(head + "[]") + eol),
            Val::Map(entries) if entries.is_empty() => out.push(with_comment(head + "{}") + eol),
            Val::List(items) => {
                let old_items = old.as_sequence();
                match (&e.block, old_items) {
                    (
                        Some(Block::Seq {
                            dash,
                            items: scanned,
                        }),
                        Some(old_items),
                    ) => {
                        out.push(self.raw[e.line].to_string());
                        let first = scanned.first().map_or(e.end, |it| it.line);
                        self.copy(&mut out, e.line + 1, first);
                        out.extend(self.merge_items(scanned, *dash, old_items, items, e.end)?);
                    }
                    _ if items.iter().all(Val::is_scalar) => {
                        let flow = scalar::flow_list(items).ok_or_else(bad)?;
                        out.push(with_comment(head + &flow) + eol);
                    }
                    _ => {
                        out.push(with_comment(bare.to_string()) + eol);
                        for item in items {
                            out.extend(
                                self.terminate(fresh_item(item, e.col + 2).ok_or_else(bad)?),
                            );
                        }
                    }
                }
            }
            Val::Map(entries) => match (&e.block, old.as_mapping()) {
                (Some(Block::Map { entries: scanned }), Some(old_map)) => {
                    out.push(self.raw[e.line].to_string());
                    let first = scanned.first().map_or(e.end, |s| s.line);
                    self.copy(&mut out, e.line + 1, first);
                    out.extend(self.merge_map(scanned, old_map, entries, first, e.end, None)?);
                }
                _ => {
                    out.push(with_comment(bare.to_string()) + eol);
                    for (k, v) in entries {
                        out.extend(self.terminate(fresh_entry(k, v, e.col + 2)?));
                    }
                }
            },
            _ => return Err(bad()),
        }
        Ok(out)
    }

    /// The lines from the first item to `end` when the list `old` (written as
    /// `scanned`) becomes `new`: equal items keep their lines, changed items
    /// are edited field by field, others removed or added.
    fn merge_items(
        &self,
        scanned: &[Item],
        dash: usize,
        old: &[Y],
        new: &[Val],
        end: usize,
    ) -> Result<Vec<String>, EditError> {
        let Some(first) = scanned.first() else {
            return Err(EditError::Unverified);
        };
        if scanned.len() != old.len() {
            return Err(self.unsupported(first.line, Construct::Layout));
        }
        let bad = || self.unsupported(first.line, Construct::Shape);
        let mut out = Vec::new();
        let mut cursor = first.line;
        for op in align(old, new) {
            match op {
                Op::Keep(o) | Op::Edit(o, _) | Op::Delete(o) => {
                    let item = &scanned[o];
                    self.copy(&mut out, cursor, item.line);
                    match op {
                        Op::Keep(_) => self.copy(&mut out, item.line, item.end),
                        Op::Edit(_, n) => out.extend(self.update_item(item, &old[o], &new[n])?),
                        _ => {}
                    }
                    cursor = item.end;
                }
                Op::Insert(n) => {
                    out.extend(self.terminate(fresh_item(&new[n], dash).ok_or_else(bad)?));
                }
            }
        }
        self.copy(&mut out, cursor, end);
        Ok(out)
    }

    fn update_item(&self, item: &Item, old: &Y, new: &Val) -> Result<Vec<String>, EditError> {
        let line = self.body(item.line);
        let eol = self.eol_of(item.line);
        let bad = || self.unsupported(item.line, Construct::Shape);
        match (&item.kind, new) {
            (ItemKind::Map(entries), Val::Map(new_entries)) if !new_entries.is_empty() => {
                let old_map = old.as_mapping().ok_or(EditError::Unverified)?;
                let prefix = &line[..item.content];
                self.merge_map(
                    entries,
                    old_map,
                    new_entries,
                    item.line,
                    item.end,
                    Some(prefix),
                )
            }
            (ItemKind::Scalar { quote, comment }, v)
                if v.is_scalar() || matches!(v, Val::List(_)) =>
            {
                let text = match v {
                    Val::List(items) => scalar::flow_list(items),
                    v => scalar::emit(v, Some(*quote), false),
                }
                .ok_or_else(bad)?;
                let content = format!("{}{}", &line[..item.content], text);
                let content = match comment {
                    Some(c) => align_comment(content, line, *c),
                    None => content,
                };
                Ok(vec![content + eol])
            }
            _ => Ok(self
                .terminate(fresh_item(new, item.dash).ok_or_else(bad)?)
                .collect()),
        }
    }

    /// The lines `start..end` of a block mapping (written as `scanned`) when
    /// its value `old` becomes `new`. `dash`: the mapping is a list item and
    /// this is what precedes its first key (`  - `).
    fn merge_map(
        &self,
        scanned: &[Entry],
        old: &Mapping,
        new: &[(String, Val)],
        start: usize,
        end: usize,
        dash: Option<&str>,
    ) -> Result<Vec<String>, EditError> {
        let mut out = Vec::new();
        let mut cursor = start;
        // Index in `out` of the first line of the first field written.
        let mut first_field: Option<usize> = None;
        let col = scanned.first().map_or(0, |e| e.col);
        for e in scanned {
            self.copy(&mut out, cursor, e.line);
            cursor = e.end;
            let Some((_, v)) = new.iter().find(|(k, _)| *k == e.key) else {
                continue;
            };
            let old_value = old.get(e.key.as_str()).ok_or(EditError::Unverified)?;
            first_field.get_or_insert(out.len());
            out.extend(self.update_entry(e, old_value, v)?);
        }
        for (k, v) in new {
            if !scanned.iter().any(|e| e.key == *k) {
                first_field.get_or_insert(out.len());
                out.extend(self.terminate(fresh_entry(k, v, col)?));
            }
        }
        let removed_first = scanned
            .first()
            .is_some_and(|e| !new.iter().any(|(k, _)| *k == e.key));
        if let (Some(dash), true) = (dash, removed_first) {
            // The first field was on the `- ` line: the next one takes its place.
            let at = first_field.ok_or(EditError::Unverified)?;
            let line = &out[at];
            let moved = format!("{dash}{}", line.get(col..).ok_or(EditError::Unverified)?);
            out[at] = moved;
        }
        self.copy(&mut out, cursor, end);
        Ok(out)
    }
}

/// `content` followed by the comment that starts at byte `c` of `old_line`,
/// at the same column when there is room, else after one space.
fn align_comment(content: String, old_line: &str, c: usize) -> String {
    let column = scalar::width(&old_line[..c]);
    let width = scalar::width(&content);
    let pad = if width < column { column - width } else { 1 };
    format!("{content}{}{}", " ".repeat(pad), &old_line[c..])
}

/// Where the key starting at byte `col` of `line` ends: its name and the
/// byte offset just after its `:`. None when the text there is not a key.
fn find_key(line: &str, col: usize) -> Result<Option<(String, usize)>, Construct> {
    let rest = &line[col..];
    let key_end;
    let name;
    match rest.chars().next() {
        None => return Ok(None),
        Some('"' | '\'') => {
            let Some(close) = quoted_end(rest) else {
                return Ok(None);
            };
            let after = rest[close..].trim_start();
            if !(after == ":" || after.starts_with(": ")) {
                return Ok(None);
            }
            let parsed: Result<Y, _> = crate::load::frontmatter::yaml::from_str(&rest[..close]);
            name = match parsed {
                Ok(Y::String(s)) => s,
                _ => return Err(Construct::ComplexKey),
            };
            key_end = col + rest.len() - after.len();
        }
        Some('[' | '{' | '#' | '|' | '>' | '%' | '@' | '`') => return Ok(None),
        Some('?') if rest == "?" || rest.starts_with("? ") => return Err(Construct::ComplexKey),
        Some('&' | '*') => return Err(Construct::AnchorOrAlias),
        Some('!') => return Err(Construct::Tag),
        Some(_) => {
            let mut found = None;
            let bytes = rest.as_bytes();
            for (i, &b) in bytes.iter().enumerate() {
                if b == b'#' && i > 0 && matches!(bytes[i - 1], b' ' | b'\t') {
                    return Ok(None);
                }
                if b == b':' && matches!(bytes.get(i + 1), None | Some(b' ' | b'\t')) {
                    found = Some(i);
                    break;
                }
            }
            let Some(i) = found else {
                return Ok(None);
            };
            name = rest[..i].trim_end().to_string();
            if name == "<<" {
                return Err(Construct::ComplexKey);
            }
            key_end = col + i;
        }
    }
    Ok(Some((name, key_end + 1)))
}

/// One past the closing quote of the quoted scalar `text` starts with.
fn quoted_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = *bytes.first()?;
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// One past the bracket that closes the flow collection `text` starts with.
fn flow_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            b'"' | b'\'' => i += quoted_end(&text[i..])? - 1,
            b'#' if i > 0 && matches!(bytes[i - 1], b' ' | b'\t') => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether a flow collection has an anchor, alias or tag at an item's start.
fn has_anchor(flow: &str) -> Option<Construct> {
    let bytes = flow.as_bytes();
    let mut i = 0;
    let mut at_start = false;
    while i < bytes.len() {
        match bytes[i] {
            b'[' | b'{' | b',' => at_start = true,
            b' ' | b'\t' => {}
            b'"' | b'\'' => {
                i += quoted_end(&flow[i..]).unwrap_or(flow.len() - i) - 1;
                at_start = false;
            }
            b'&' | b'*' if at_start => return Some(Construct::AnchorOrAlias),
            b'!' if at_start => return Some(Construct::Tag),
            _ => at_start = false,
        }
        i += 1;
    }
    None
}

/// How the value starting at byte `at` of `line` is written, and where a
/// trailing comment starts.
fn inline_value(line: &str, at: usize) -> Result<(Inline, Option<usize>), Construct> {
    let rest = &line[at..];
    let comment_after = |end: usize| -> Result<Option<usize>, Construct> {
        let tail = &line[at + end..];
        let t = tail.trim_start();
        if t.is_empty() {
            Ok(None)
        } else if t.starts_with('#') && t.len() < tail.len() {
            Ok(Some(line.len() - t.len()))
        } else {
            Err(Construct::Layout)
        }
    };
    match rest.chars().next() {
        None => Ok((Inline::Empty, None)),
        Some('#') => Ok((Inline::Empty, Some(at))),
        Some(q @ ('"' | '\'')) => match quoted_end(rest) {
            Some(end) => {
                let quote = if q == '"' {
                    Quote::Double
                } else {
                    Quote::Single
                };
                Ok((Inline::Scalar(quote), comment_after(end)?))
            }
            None => Ok((Inline::Multi, None)),
        },
        Some('[' | '{') => {
            if let Some(c) = has_anchor(rest) {
                return Err(c);
            }
            match flow_end(rest) {
                Some(end) => Ok((Inline::Flow, comment_after(end)?)),
                None => Ok((Inline::Multi, None)),
            }
        }
        Some('|' | '>') => {
            let comment = rest.find(" #").map(|i| at + i + 1);
            Ok((Inline::BlockScalar, comment))
        }
        Some('&' | '*') => Err(Construct::AnchorOrAlias),
        Some('!') => Err(Construct::Tag),
        Some('%' | '@' | '`') => Err(Construct::Layout),
        Some(_) => {
            let bytes = rest.as_bytes();
            let comment = (1..bytes.len())
                .find(|&i| bytes[i] == b'#' && matches!(bytes[i - 1], b' ' | b'\t'))
                .map(|i| at + i);
            Ok((Inline::Scalar(Quote::Plain), comment))
        }
    }
}

/// `text` as a literal block (`|` or `|-`) indented by `indent` spaces, or
/// None when a literal block cannot hold it exactly.
fn literal_block(text: &str, indent: usize) -> Option<(&'static str, Vec<String>)> {
    let (header, content) = match text.strip_suffix('\n') {
        Some(c) if !c.ends_with('\n') => ("|", c),
        Some(_) => return None,
        None => ("|-", text),
    };
    if content.starts_with([' ', '\t'])
        || content.is_empty()
        || content
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return None;
    }
    let pad = " ".repeat(indent);
    let lines = content
        .split('\n')
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("{pad}{l}")
            }
        })
        .collect();
    Some((header, lines))
}

/// A field written from scratch: `key: value`, or `key:` and its block, with
/// the key at column `col`. Lines without line ends.
fn fresh_entry(key: &str, value: &Val, col: usize) -> Result<Vec<String>, EditError> {
    let bad = || EditError::BadValue {
        path: key.to_string(),
    };
    if !is_key(key) {
        return Err(bad());
    }
    let pad = " ".repeat(col);
    Ok(match value {
        Val::Null => vec![format!("{pad}{key}:")],
        v if v.is_scalar() => vec![format!(
            "{pad}{key}: {}",
            scalar::emit(v, None, false).ok_or_else(bad)?
        )],
        Val::List(items) if items.iter().all(Val::is_scalar) => {
            vec![format!(
                "{pad}{key}: {}",
                scalar::flow_list(items).ok_or_else(bad)?
            )]
        }
        Val::List(items) => {
            let mut lines = vec![format!("{pad}{key}:")];
            for item in items {
                lines.extend(fresh_item(item, col + 2).ok_or_else(bad)?);
            }
            lines
        }
        Val::Map(entries) if entries.is_empty() => vec![format!("{pad}{key}: {{}}")],
        Val::Map(entries) => {
            let mut lines = vec![format!("{pad}{key}:")];
            for (k, v) in entries {
                lines.extend(fresh_entry(k, v, col + 2)?);
            }
            lines
        }
        _ => return Err(bad()),
    })
}

/// A list item written from scratch with its `-` at column `dash`.
fn fresh_item(value: &Val, dash: usize) -> Option<Vec<String>> {
    let pad = " ".repeat(dash);
    Some(match value {
        Val::Map(entries) if entries.is_empty() => vec![format!("{pad}- {{}}")],
        Val::Map(entries) => {
            let mut lines = Vec::new();
            for (k, v) in entries {
                lines.extend(fresh_entry(k, v, dash + 2).ok()?);
            }
            let first = lines.first_mut()?;
            *first = format!("{pad}- {}", first.get(dash + 2..)?);
            lines
        }
        Val::List(items) => vec![format!("{pad}- {}", scalar::flow_list(items)?)],
        v => vec![format!("{pad}- {}", scalar::emit(v, None, false)?)],
    })
}

/// How the items of a list line up with the new ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Keep(usize),
    Edit(usize, usize),
    Delete(usize),
    Insert(usize),
}

/// Old and new items in document order: equal ones matched by a longest
/// common subsequence, the others between two matches edited in pairs, the
/// rest deleted or inserted.
fn align(old: &[Y], new: &[Val]) -> Vec<Op> {
    let new_y: Vec<Y> = new.iter().map(Val::to_yaml).collect();
    let (n, m) = (old.len(), new.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new_y[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut ops = Vec::new();
    let (mut i, mut j) = (0, 0);
    let mut gap_old = Vec::new();
    let mut gap_new = Vec::new();
    let flush = |ops: &mut Vec<Op>, gap_old: &mut Vec<usize>, gap_new: &mut Vec<usize>| {
        let pairs = gap_old.len().min(gap_new.len());
        for k in 0..pairs {
            ops.push(Op::Edit(gap_old[k], gap_new[k]));
        }
        ops.extend(gap_old[pairs..].iter().map(|&o| Op::Delete(o)));
        ops.extend(gap_new[pairs..].iter().map(|&n| Op::Insert(n)));
        gap_old.clear();
        gap_new.clear();
    };
    while i < n || j < m {
        if i < n && j < m && old[i] == new_y[j] {
            flush(&mut ops, &mut gap_old, &mut gap_new);
            ops.push(Op::Keep(i));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            gap_new.push(j);
            j += 1;
        } else {
            gap_old.push(i);
            i += 1;
        }
    }
    flush(&mut ops, &mut gap_old, &mut gap_new);
    ops
}

#[cfg(test)]
mod tests;
