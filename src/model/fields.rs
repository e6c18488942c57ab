//! Reading typed fields out of a front-matter tree, collecting every mistake.
//!
//! Each reader reports a problem as a diagnostic at the value's position and
//! carries on, so one build lists all the wrong fields of all files.

use crate::diagnostics::{Diagnostic, Pos, did_you_mean, list_of};
use crate::load::{Key, Node, Value};

/// Where diagnostics go while one file is read.
pub struct Cx<'a> {
    pub file: &'a str,
    pub out: &'a mut Vec<Diagnostic>,
}

impl Cx<'_> {
    pub fn error(&mut self, node: &Node, message: String, hint: impl Into<String>) {
        self.out.push(
            Diagnostic::error(self.file, node.pos, message)
                .with_len(node.len as usize)
                .with_hint(hint),
        );
    }
    pub fn error_at(&mut self, pos: Pos, message: String, hint: impl Into<String>) {
        self.out
            .push(Diagnostic::error(self.file, pos, message).with_hint(hint));
    }
    pub fn warning_at(&mut self, pos: Pos, len: usize, message: String, hint: impl Into<String>) {
        self.out.push(
            Diagnostic::warning(self.file, pos, message)
                .with_len(len)
                .with_hint(hint),
        );
    }
}

/// A value that can be read from a node. `name` is the field as the author
/// knows it (`spaces[2].capacity`), used in messages.
pub trait FromNode: Sized {
    fn from_node(node: &Node, name: &str, cx: &mut Cx) -> Option<Self>;
}

/// The fields of one mapping (the front matter, or an item such as a room).
pub struct Fields<'n> {
    entries: &'n [(Key, Node)],
    used: Vec<bool>,
    pos: Pos,
    prefix: String,
}

impl<'n> Fields<'n> {
    /// The fields of `node`, which must be a mapping. `prefix` names it in
    /// messages (`""` for the front matter itself, `spaces[1]` for an item).
    pub fn of(node: &'n Node, prefix: &str, cx: &mut Cx) -> Option<Fields<'n>> {
        match &node.value {
            Value::Map(entries) => Some(Fields {
                entries,
                used: vec![false; entries.len()],
                pos: node.pos,
                prefix: prefix.to_string(),
            }),
            _ => {
                let what = if prefix.is_empty() {
                    "the front matter".to_string()
                } else {
                    format!("`{prefix}`")
                };
                cx.error(
                    node,
                    format!(
                        "{what} should be a group of fields `name: value`, but is {}",
                        node.kind_name()
                    ),
                    "write one field per line as `name: value`, with a space after the colon",
                );
                None
            }
        }
    }

    /// The position of the mapping itself.
    pub fn pos(&self) -> Pos {
        self.pos
    }

    fn name(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    /// The node of a field, if written and not empty; marks it as known.
    pub fn node(&mut self, key: &str) -> Option<&'n Node> {
        let i = self.entries.iter().position(|(k, _)| k.name == key)?;
        self.used[i] = true;
        let node = &self.entries[i].1;
        match node.value {
            Value::Null => None,
            _ => Some(node),
        }
    }

    /// An optional field.
    pub fn opt<T: FromNode>(&mut self, key: &str, cx: &mut Cx) -> Option<T> {
        let node = self.node(key)?;
        T::from_node(node, &self.name(key), cx)
    }

    /// A required field; `example` shows the author a line to add.
    pub fn req<T: FromNode>(&mut self, key: &str, example: &str, cx: &mut Cx) -> Option<T> {
        match self.node(key) {
            Some(node) => T::from_node(node, &self.name(key), cx),
            None => {
                let whose = if self.prefix.is_empty() {
                    String::new()
                } else {
                    format!(" in `{}`", self.prefix)
                };
                cx.error_at(
                    self.pos,
                    format!("the required field `{key}` is missing{whose}"),
                    format!("add a line such as `{example}`"),
                );
                None
            }
        }
    }

    /// A list field; a single value is read as a list of one.
    pub fn list<T: FromNode>(&mut self, key: &str, cx: &mut Cx) -> Vec<T> {
        let Some(node) = self.node(key) else {
            return Vec::new();
        };
        let name = self.name(key);
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .enumerate()
                .filter_map(|(i, item)| T::from_node(item, &format!("{name}[{}]", i + 1), cx))
                .collect(),
            Value::Map(_) => {
                cx.error(
                    node,
                    format!("`{name}` should be a list, but is a group of fields"),
                    format!("write the items as lines starting with `- ` under `{key}:`"),
                );
                Vec::new()
            }
            _ => T::from_node(node, &name, cx).into_iter().collect(),
        }
    }

    /// Warns about fields nobody read, suggesting the known field they resemble.
    pub fn finish(self, known: &[&str], cx: &mut Cx) {
        for ((key, _), used) in self.entries.iter().zip(&self.used) {
            if *used {
                continue;
            }
            let whose = if self.prefix.is_empty() {
                String::new()
            } else {
                format!(" in `{}`", self.prefix)
            };
            let hint = match did_you_mean(&key.name, known.iter().copied()) {
                Some(close) => format!(
                    "did you mean `{close}`? Otherwise remove the line; the known fields here are {}",
                    list_of(known.iter().copied())
                ),
                None => format!(
                    "it is ignored; the known fields here are {}",
                    list_of(known.iter().copied())
                ),
            };
            cx.warning_at(
                key.pos,
                key.name.chars().count(),
                format!("unknown field `{}`{whose}", key.name),
                hint,
            );
        }
    }
}

fn wrong_type(node: &Node, name: &str, wanted: &str, example: &str, cx: &mut Cx) {
    cx.error(
        node,
        format!(
            "`{name}` should be {wanted}, but is {} `{}`",
            node.kind_name(),
            node.shown()
        ),
        format!("write it like `{example}`"),
    );
}

impl FromNode for String {
    fn from_node(node: &Node, name: &str, cx: &mut Cx) -> Option<Self> {
        match &node.value {
            Value::Str(s) => Some(s.trim().to_string()),
            // `phone: 01065571234` is a number to YAML; keep the digits as typed.
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => Some(node.shown()),
            _ => {
                wrong_type(
                    node,
                    name,
                    "text",
                    &format!("{}: 文字", leaf_name(name)),
                    cx,
                );
                None
            }
        }
    }
}

/// Text that must not be empty (a title).
pub struct NonEmpty(pub String);

impl FromNode for NonEmpty {
    fn from_node(node: &Node, name: &str, cx: &mut Cx) -> Option<Self> {
        let text = String::from_node(node, name, cx)?;
        if text.is_empty() {
            cx.error(
                node,
                format!("`{name}` is empty"),
                "write some text after the colon",
            );
            return None;
        }
        Some(NonEmpty(text))
    }
}

impl FromNode for bool {
    fn from_node(node: &Node, name: &str, cx: &mut Cx) -> Option<Self> {
        match &node.value {
            Value::Bool(b) => Some(*b),
            _ => {
                let example = format!("{}: true", leaf_name(name));
                cx.error(
                    node,
                    format!(
                        "`{name}` should be `true` or `false`, but is `{}`",
                        node.shown()
                    ),
                    format!(
                        "write `{example}` or `{}: false` (in English, without quotes)",
                        leaf_name(name)
                    ),
                );
                None
            }
        }
    }
}

impl FromNode for u32 {
    fn from_node(node: &Node, name: &str, cx: &mut Cx) -> Option<Self> {
        match &node.value {
            Value::Int(i) if (0..=i64::from(u32::MAX)).contains(i) => u32::try_from(*i).ok(),
            _ => {
                wrong_type(
                    node,
                    name,
                    "a whole number (0 or more)",
                    &format!("{}: 12", leaf_name(name)),
                    cx,
                );
                None
            }
        }
    }
}

impl FromNode for i64 {
    fn from_node(node: &Node, name: &str, cx: &mut Cx) -> Option<Self> {
        match &node.value {
            Value::Int(i) => Some(*i),
            _ => {
                wrong_type(
                    node,
                    name,
                    "a whole number",
                    &format!("{}: 1", leaf_name(name)),
                    cx,
                );
                None
            }
        }
    }
}

impl FromNode for f64 {
    fn from_node(node: &Node, name: &str, cx: &mut Cx) -> Option<Self> {
        match &node.value {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) if f.is_finite() => Some(*f),
            _ => {
                let mut hint = format!("write only the number, like `{}: 3650`", leaf_name(name));
                if let Value::Str(s) = &node.value {
                    if s.chars().any(|c| c.is_ascii_digit()) {
                        hint.push_str("; put the unit in the `unit` field, and leave out commas and units such as 人次 or 元");
                    }
                }
                cx.error(
                    node,
                    format!(
                        "`{name}` should be a number, but is {} `{}`",
                        node.kind_name(),
                        node.shown()
                    ),
                    hint,
                );
                None
            }
        }
    }
}

/// The last part of a field name, for examples: `spaces[1].capacity` → `capacity`.
pub fn leaf_name(name: &str) -> &str {
    let last = name.rsplit('.').next().unwrap_or(name);
    last.split('[').next().unwrap_or(last)
}

/// Reads a text field that must be one of `allowed`; reports the allowed values.
pub fn one_of(
    node: &Node,
    name: &str,
    allowed: &[&str],
    what: &str,
    cx: &mut Cx,
) -> Option<String> {
    let value = String::from_node(node, name, cx)?;
    if allowed.contains(&value.as_str()) {
        return Some(value);
    }
    let hint = match did_you_mean(&value, allowed.iter().copied()) {
        Some(close) => format!(
            "did you mean `{close}`? The allowed values are {}",
            list_of(allowed.iter().copied())
        ),
        None => format!(
            "the allowed values are {}",
            list_of(allowed.iter().copied())
        ),
    };
    cx.error(
        node,
        format!("`{value}` is not a valid {what} (field `{name}`)"),
        hint,
    );
    None
}
