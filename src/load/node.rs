//! The front-matter tree: YAML values with the position of each one in the file.
//!
//! Everything after the load stage reads front matter through these types, so the
//! YAML library stays behind `load::frontmatter` alone.

use crate::diagnostics::Pos;

/// A YAML value with where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
    /// Length in characters of the value as written (for underlining), at least 1.
    pub len: u32,
    /// The scalar as written, without quotes, when known: keeps `010` as typed.
    pub raw: Option<String>,
}

/// A key of a mapping, with its position (warnings about unknown fields point here).
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

impl Node {
    /// What kind of value this is: the catalog key of its name in words an
    /// author understands (`ui.value-list` → 列表).
    pub fn kind_name(&self) -> &'static str {
        match self.value {
            Value::Null => "ui.value-empty",
            Value::Bool(_) => "ui.value-bool",
            Value::Int(_) => "ui.value-int",
            Value::Float(_) => "ui.value-number",
            Value::Str(_) => "ui.value-text",
            Value::Seq(_) => "ui.value-list",
            Value::Map(_) => "ui.value-map",
        }
    }

    /// The value as the author wrote it, shortened, for messages.
    pub fn shown(&self) -> String {
        let text = match (&self.raw, &self.value) {
            (Some(raw), _) => raw.clone(),
            (None, Value::Str(s)) => s.clone(),
            (None, Value::Int(i)) => i.to_string(),
            (None, Value::Float(f)) => f.to_string(),
            (None, Value::Bool(b)) => b.to_string(),
            (None, Value::Null) => String::new(),
            (None, Value::Seq(_)) => "[…]".to_string(),
            (None, Value::Map(_)) => "{…}".to_string(),
        };
        let mut short: String = text.chars().take(60).collect();
        if text.chars().count() > 60 {
            short.push('…');
        }
        short
    }

    pub fn as_map(&self) -> Option<&[(Key, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// Looks up a key of a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }
}
