//! The words zhan says: every message a user reads, in Chinese (the default)
//! and English, kept as data in two catalogs embedded in the binary.
//!
//! A catalog (`zh-CN.yaml`, `en.yaml` beside this file) maps a key to a text
//! with named placeholders: `{id}`, `{field}`. Diagnostics carry a code (a
//! catalog key such as `E-REF-UNKNOWN`) and typed arguments, and get their
//! text here when printed, so the same diagnostic prints in either language
//! and as JSON. Keys:
//!
//! - `E-…` and `W-…`: the message of an error or a warning diagnostic;
//!   `H-…`: a hint (an instruction: what to type, where);
//! - `field.<name>`: what a field is called, shown beside its YAML name;
//! - `kind.<kind>`: the name of a type of page (社工站, 服务…);
//! - `ui.…`, `cli.…`, `overlay.…`, `serve.…`: other text of the program.
//!
//! To add a message: add the key to both catalogs with the same
//! placeholders (a unit test checks), then use the key in the code.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

/// The language messages are printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// Simplified Chinese, the default: the language of station workers.
    ZhCn,
    /// English, for developers (`--lang en` or `ZHAN_LANG=en`).
    En,
}

impl Lang {
    /// Reads a language name as given to `--lang` or `ZHAN_LANG`.
    pub fn parse(name: &str) -> Option<Lang> {
        match name.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "zh_cn" | "zh-hans" | "cn" => Some(Lang::ZhCn),
            "en" | "en-us" | "en_us" | "en-gb" | "english" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }
}

static CURRENT: AtomicU8 = AtomicU8::new(0);

/// Sets the language of this process's messages (the CLI does it once).
pub fn set_lang(lang: Lang) {
    CURRENT.store(
        match lang {
            Lang::ZhCn => 0,
            Lang::En => 1,
        },
        Ordering::Relaxed,
    );
}

/// The language of this process's messages: Chinese unless set otherwise.
pub fn lang() -> Lang {
    match CURRENT.load(Ordering::Relaxed) {
        1 => Lang::En,
        _ => Lang::ZhCn,
    }
}

/// The language asked for by the environment: `ZHAN_LANG` only (never `LANG`:
/// a worker's Windows may well be set to English).
pub fn lang_from_env() -> Option<Lang> {
    std::env::var("ZHAN_LANG")
        .ok()
        .and_then(|v| Lang::parse(&v))
}

const ZH_CN: &str = include_str!("zh-CN.yaml");
const EN: &str = include_str!("en.yaml");

type Catalog = HashMap<String, String>;

fn parse_catalog(text: &str) -> Catalog {
    crate::load::frontmatter::yaml::from_str(text).unwrap_or_default()
}

fn catalog(lang: Lang) -> &'static Catalog {
    static ZH: OnceLock<Catalog> = OnceLock::new();
    static ENGLISH: OnceLock<Catalog> = OnceLock::new();
    match lang {
        Lang::ZhCn => ZH.get_or_init(|| parse_catalog(ZH_CN)),
        Lang::En => ENGLISH.get_or_init(|| parse_catalog(EN)),
    }
}

/// The catalog's own copy of `key`, for codes read back from a record file.
pub fn intern(key: &str) -> Option<&'static str> {
    catalog(Lang::En)
        .get_key_value(key)
        .map(|(k, _)| k.as_str())
}

/// The catalog's own copy of a placeholder name, for arguments read back
/// from a record file: None for a name no message uses.
pub fn intern_placeholder(name: &str) -> Option<&'static str> {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let mut names: Vec<&'static str> = Vec::new();
        for text in catalog(Lang::En).values() {
            let mut rest = text.as_str();
            while let Some(open) = rest.find('{') {
                let after = &rest[open + 1..];
                let len = after
                    .find(|c: char| !is_placeholder_char(c))
                    .unwrap_or(after.len());
                if len > 0 && after[len..].starts_with('}') {
                    names.push(&after[..len]);
                }
                rest = after;
            }
        }
        names.sort_unstable();
        names.dedup();
        names
    });
    names.binary_search(&name).ok().map(|i| names[i])
}

/// The text of `key` in `lang` (or in English if Chinese lacks it).
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    catalog(lang)
        .get(key)
        .or_else(|| catalog(Lang::En).get(key))
        .map(String::as_str)
}

/// Every key starting with `prefix` and its text in `lang`, sorted by key
/// (the strings of the browser editor, sent to its page as one table).
pub fn with_prefix(lang: Lang, prefix: &str) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = catalog(Lang::En)
        .keys()
        .filter(|k| k.starts_with(prefix))
        .filter_map(|k| Some((k.as_str(), lookup(lang, k)?)))
        .collect();
    out.sort_unstable();
    out
}

/// The raw text of `key`; the English text if Chinese lacks it, else the key.
pub fn raw(lang: Lang, key: &str) -> &str {
    catalog(lang)
        .get(key)
        .or_else(|| catalog(Lang::En).get(key))
        .map_or(key, String::as_str)
}

/// A value put into a message's placeholder.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Arg {
    /// Text shown as it is (an id, a value the author wrote, a path).
    Text(String),
    /// A number.
    Num(u64),
    /// A field as written in YAML (`category`, `spaces[2].capacity`): shown
    /// with the name workers know it by (`服务类别（category）`).
    Field(String),
    /// A catalog key whose text is shown (`kind.station` → 社工站).
    Key(String),
    /// Values listed for a hint: `` `a`、`b` ``, shortened when long.
    List(Vec<String>),
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Text(s.clone())
    }
}
impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_string())
    }
}
impl From<u64> for Arg {
    fn from(n: u64) -> Arg {
        Arg::Num(n)
    }
}
impl From<usize> for Arg {
    fn from(n: usize) -> Arg {
        Arg::Num(n as u64)
    }
}
impl From<u32> for Arg {
    fn from(n: u32) -> Arg {
        Arg::Num(u64::from(n))
    }
}

/// A field argument (`Arg::Field`).
pub fn field(name: impl Into<String>) -> Arg {
    Arg::Field(name.into())
}

/// A catalog-key argument (`Arg::Key`).
pub fn key(key: impl Into<String>) -> Arg {
    Arg::Key(key.into())
}

/// A list argument (`Arg::List`).
pub fn list<'a, I: IntoIterator<Item = &'a str>>(values: I) -> Arg {
    Arg::List(values.into_iter().map(str::to_string).collect())
}

impl Arg {
    /// The argument as shown in a message in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Arg::Text(s) => s.clone(),
            Arg::Num(n) => n.to_string(),
            Arg::Key(k) => raw(lang, k).to_string(),
            Arg::Field(name) => {
                let leaf = field_leaf(name);
                let label_key = format!("field.{leaf}");
                match (lang, catalog(Lang::ZhCn).get(&label_key)) {
                    (Lang::ZhCn, Some(label)) => format!("{label}（`{name}`）"),
                    _ => format!("`{name}`"),
                }
            }
            Arg::List(values) => {
                const SHOWN: usize = 12;
                let mut out: Vec<String> = values
                    .iter()
                    .take(SHOWN)
                    .map(|v| format!("`{v}`"))
                    .collect();
                if values.len() > SHOWN {
                    out.push(fill_raw(
                        lang,
                        "ui.list-more",
                        &[("n", Arg::Num((values.len() - SHOWN) as u64))],
                    ));
                }
                out.join(raw(lang, "ui.list-separator"))
            }
        }
    }

    /// The argument for machines (`--message-format json`).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Arg::Text(s) | Arg::Field(s) => serde_json::Value::from(s.as_str()),
            Arg::Key(k) => serde_json::Value::from(k.rsplit('.').next().unwrap_or(k)),
            Arg::Num(n) => serde_json::Value::from(*n),
            Arg::List(values) => serde_json::Value::from(values.clone()),
        }
    }
}

/// The last part of a field name: `spaces[1].capacity` → `capacity`.
fn field_leaf(name: &str) -> &str {
    let last = name.rsplit('.').next().unwrap_or(name);
    last.split('[').next().unwrap_or(last)
}

/// The text of `key` in `lang` with its placeholders filled from `args`.
/// A placeholder is `{name}` (lowercase ASCII letters, digits, `_`); other
/// braces are kept as written.
pub fn fill_raw(lang: Lang, key: &str, args: &[(&str, Arg)]) -> String {
    let text = raw(lang, key);
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !is_placeholder_char(c))
            .unwrap_or(after.len());
        let name = &after[..name_len];
        if name_len > 0 && after[name_len..].starts_with('}') {
            match args.iter().find(|(n, _)| *n == name) {
                Some((_, value)) => out.push_str(&value.render(lang)),
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            }
            rest = &after[name_len + 1..];
        } else {
            out.push('{');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn is_placeholder_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
}

/// The placeholders of a text, sorted and without repeats.
pub fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let name_len = after
            .find(|c: char| !is_placeholder_char(c))
            .unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            out.push(after[..name_len].to_string());
        }
        rest = after;
    }
    out.sort();
    out.dedup();
    out
}

/// The text of `key` in the process's language, filled from `args`.
pub fn text(key: &str, args: &[(&str, Arg)]) -> String {
    fill_raw(lang(), key, args)
}

/// The text of `key` in the process's language, without arguments.
pub fn tr(key: &str) -> String {
    fill_raw(lang(), key, &[])
}

#[cfg(test)]
mod tests;
