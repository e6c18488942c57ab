//! Reading typed fields out of a front-matter tree, collecting every mistake.
//!
//! Each reader reports a problem as a diagnostic at the value's position and
//! carries on, so one build lists all the wrong fields of all files.

use crate::diagnostics::{Diagnostic, Pos, did_you_mean};
use crate::load::{Key, Node, Value};
use crate::messages::{field, key, list};

/// Where diagnostics go while one file is read.
pub struct Cx<'a> {
    pub file: &'a str,
    pub out: &'a mut Vec<Diagnostic>,
}

impl Cx<'_> {
    /// An error about a node's value, underlining it.
    pub fn at(&self, node: &Node, code: &'static str) -> Diagnostic {
        Diagnostic::error(self.file, node.pos, code).with_len(node.len as usize)
    }
    /// An error at a position of this file.
    pub fn at_pos(&self, pos: Pos, code: &'static str) -> Diagnostic {
        Diagnostic::error(self.file, pos, code)
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.out.push(d);
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
                let d = if prefix.is_empty() {
                    cx.at(node, "E-FRONT-NOT-MAP")
                } else {
                    cx.at(node, "E-ITEM-NOT-MAP").arg("field", field(prefix))
                };
                cx.push(
                    d.arg("found", key(node.kind_name()))
                        .with_hint("H-WRITE-NAME-VALUE"),
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

    /// Whether the field is written with a value (not empty, not `[]`),
    /// valid or not.
    pub fn written(&self, key: &str) -> bool {
        self.entries.iter().any(|(k, node)| {
            k.name == key
                && match &node.value {
                    Value::Null => false,
                    Value::Seq(items) => !items.is_empty(),
                    _ => true,
                }
        })
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
                let d = if self.prefix.is_empty() {
                    cx.at_pos(self.pos, "E-FIELD-MISSING")
                } else {
                    cx.at_pos(self.pos, "E-FIELD-MISSING-IN")
                        .arg("item", field(self.prefix.as_str()))
                };
                cx.push(
                    d.arg("field", field(key))
                        .arg("example", example)
                        .with_hint("H-ADD-LINE"),
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
                cx.push(
                    cx.at(node, "E-NOT-LIST")
                        .arg("field", field(name.as_str()))
                        .arg("found", crate::messages::key(node.kind_name()))
                        .arg("key", key)
                        .with_hint("H-WRITE-LIST"),
                );
                Vec::new()
            }
            _ => T::from_node(node, &name, cx).into_iter().collect(),
        }
    }

    /// Warns about fields nobody read, suggesting the known field they resemble.
    pub fn finish(self, known: &[&str], cx: &mut Cx) {
        for ((key, _), used) in self.entries.iter().zip(&self.used) {
            // A known field left unread is not unknown: reading stopped at
            // an earlier mistake of the same entry, already reported.
            if *used || known.contains(&key.name.as_str()) {
                continue;
            }
            let d = if self.prefix.is_empty() {
                Diagnostic::warning(cx.file, key.pos, "W-FIELD-UNKNOWN")
            } else {
                Diagnostic::warning(cx.file, key.pos, "W-FIELD-UNKNOWN-IN")
                    .arg("item", field(self.prefix.as_str()))
            };
            let d = d
                .with_len(key.name.chars().count())
                .arg("field", key.name.as_str())
                .arg("known", list(known.iter().copied()));
            cx.push(match did_you_mean(&key.name, known.iter().copied()) {
                Some(close) => d.arg("close", close).with_hint("H-FIELD-UNKNOWN-CLOSE"),
                None => d.with_hint("H-FIELD-UNKNOWN"),
            });
        }
    }
}

/// `wanted` is the catalog key of what the field should be (`ui.value-text`).
fn wrong_type(node: &Node, name: &str, wanted: &'static str, example: &str, cx: &mut Cx) {
    cx.push(
        cx.at(node, "E-WRONG-TYPE")
            .arg("field", field(name))
            .arg("wanted", key(wanted))
            .arg("found", key(node.kind_name()))
            .arg("value", node.shown())
            .arg("example", example)
            .with_hint("H-WRITE-LIKE"),
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
                    "ui.value-text",
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
            cx.push(
                cx.at(node, "E-EMPTY")
                    .arg("field", field(name))
                    .with_hint("H-EMPTY-TEXT"),
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
                cx.push(
                    cx.at(node, "E-NOT-BOOL")
                        .arg("field", field(name))
                        .arg("value", node.shown())
                        .arg("key", leaf_name(name))
                        .with_hint("H-BOOL"),
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
                    "ui.value-count",
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
                    "ui.value-int",
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
                let with_unit =
                    matches!(&node.value, Value::Str(s) if s.chars().any(|c| c.is_ascii_digit()));
                cx.push(
                    cx.at(node, "E-NOT-NUMBER")
                        .arg("field", field(name))
                        .arg("found", key(node.kind_name()))
                        .arg("value", node.shown())
                        .arg("key", leaf_name(name))
                        .with_hint(if with_unit {
                            "H-NUMBER-UNIT"
                        } else {
                            "H-NUMBER"
                        }),
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
/// `what` is the catalog key of what the values are (`ui.what-status`).
pub fn one_of(
    node: &Node,
    name: &str,
    allowed: &[&str],
    what: &'static str,
    cx: &mut Cx,
) -> Option<String> {
    let value = String::from_node(node, name, cx)?;
    if allowed.contains(&value.as_str()) {
        return Some(value);
    }
    let d = cx
        .at(node, "E-NOT-ALLOWED")
        .arg("value", value.as_str())
        .arg("what", key(what))
        .arg("field", field(name))
        .arg("allowed", list(allowed.iter().copied()));
    cx.push(match did_you_mean(&value, allowed.iter().copied()) {
        Some(close) => d.arg("close", close).with_hint("H-ALLOWED-CLOSE"),
        None => d.with_hint("H-ALLOWED"),
    });
    None
}
