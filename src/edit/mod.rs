//! Editing content files from a form: how a save changes a file.
//!
//! The browser editor of `zhan serve` (issue 12) lets station workers change
//! fields in a form instead of YAML. The files stay theirs: they also open
//! them in Notepad, so a save must look like a careful person's edit, not a
//! re-serialisation. This module is that foundation, with no HTTP and no UI:
//!
//! - [`frontmatter::apply`] changes fields of a file's front matter by path
//!   (`title`, `schedule`, `staff[1].role`) and touches only the lines of the
//!   fields whose values changed. Comments (also a trailing `# ...` on a
//!   changed line), key order, quoting of untouched values, blank lines, CRLF
//!   line ends, a UTF-8 BOM and the Markdown body stay byte for byte. Every
//!   result is parsed again and compared with the intended values; when the
//!   front matter uses something it cannot edit safely (anchors, aliases,
//!   tags, a layout it cannot follow) it refuses instead of guessing.
//! - [`store`] writes a file so that no work is lost: only Markdown files
//!   inside `content/`, atomically (temporary file and rename), refused when
//!   the file changed on disk since the editor opened it (both versions are
//!   handed back), and with the previous version kept in the site's hidden
//!   history folder (`.zhan/history/`), from which it can be restored;
//!   [`trash`] lists the files deleted since, to bring them back.
//! - [`asset`] writes an uploaded photo or document beside its page, never
//!   over another file; [`relpath`] writes the relative `.md` link from one
//!   content file to another.
//!
//! Errors are enums carrying the data a message needs; the words are the
//! catalogs' business.

pub mod asset;
pub mod frontmatter;
pub mod id;
pub mod relpath;
pub mod rename;
mod scalar;
pub mod store;
pub mod trash;

use crate::model::Date;

pub use frontmatter::{Change, EditError, FieldPath, Segment, apply, apply_in_order};
pub use store::{ContentHash, Opened, PathProblem, SaveError, Saved, Version};

/// A value a form hands in for a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// Written as `key:` with no value (the field is there but empty).
    Null,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(Date),
    /// A list: of text (`tags`, `audience`) or of groups (`staff`).
    List(Vec<Val>),
    /// One entry of a group: its fields in order.
    Map(Vec<(String, Val)>),
}

impl Val {
    /// Shorthand for [`Val::Text`].
    pub fn text(s: impl Into<String>) -> Val {
        Val::Text(s.into())
    }

    /// A list of text.
    pub fn texts<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Val {
        Val::List(items.into_iter().map(|s| Val::Text(s.into())).collect())
    }

    /// A group entry from `(key, value)` pairs.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Val)>) -> Val {
        Val::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// Whether this is a text, number, yes/no, date or empty value.
    pub fn is_scalar(&self) -> bool {
        !matches!(self, Val::List(_) | Val::Map(_))
    }

    /// The value as the YAML parser gives it back (dates are text there).
    pub fn to_yaml(&self) -> crate::load::frontmatter::yaml::Value {
        use crate::load::frontmatter::yaml::Value as Y;
        match self {
            Val::Null => Y::Null,
            Val::Text(s) => Y::String(s.clone()),
            Val::Int(i) => Y::Number((*i).into()),
            Val::Float(f) => Y::Number((*f).into()),
            Val::Bool(b) => Y::Bool(*b),
            Val::Date(d) => Y::String(d.to_string()),
            Val::List(items) => Y::Sequence(items.iter().map(Val::to_yaml).collect()),
            Val::Map(entries) => Y::Mapping(
                entries
                    .iter()
                    .map(|(k, v)| (Y::String(k.clone()), v.to_yaml()))
                    .collect(),
            ),
        }
    }

    /// The value of parsed YAML; None for what a form cannot hold (tagged
    /// values, keys that are not text).
    pub fn from_yaml(value: &crate::load::frontmatter::yaml::Value) -> Option<Val> {
        use crate::load::frontmatter::yaml::Value as Y;
        Some(match value {
            Y::Null => Val::Null,
            Y::Bool(b) => Val::Bool(*b),
            Y::Number(n) => match n.as_i64() {
                Some(i) => Val::Int(i),
                None => Val::Float(n.as_f64()?),
            },
            Y::String(s) => Val::Text(s.clone()),
            Y::Sequence(items) => {
                Val::List(items.iter().map(Val::from_yaml).collect::<Option<_>>()?)
            }
            Y::Mapping(map) => Val::Map(
                map.iter()
                    .map(|(k, v)| Some((k.as_str()?.to_string(), Val::from_yaml(v)?)))
                    .collect::<Option<_>>()?,
            ),
            Y::Tagged(_) => return None,
        })
    }
}

/// Where the body starts in a file's text (BOM and CRLF as on disk); None
/// if the front matter is never closed.
pub fn body_start(text: &str) -> Option<usize> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut at = start;
    let mut lines = text[start..].split_inclusive('\n');
    match lines.next() {
        Some(first) if first.trim_end() == "---" => at += first.len(),
        _ => return Some(start),
    }
    for line in lines {
        at += line.len();
        if matches!(line.trim_end(), "---" | "...") {
            return Some(at);
        }
    }
    None
}
