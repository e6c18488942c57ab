//! The privacy check: residents' personal data kept off the public site.
//!
//! Social workers are bound to confidentiality, and a street office's site
//! falls under the Personal Information Protection Law; a resident's ID,
//! mobile or bank card number pasted into a news item, or an author's name
//! and a photo's GPS position left in an attachment, is a common leak.
//!
//! Each page is checked on its own ([`check_page`]: its text and its
//! settings, nothing else), so the pipeline runs it where it reads the file
//! and keeps the result with the file: an incremental rebuild checks again
//! exactly the files it reads again. Files zhan publishes as they are
//! (PDF, Office documents, photos) are checked by [`files`].

pub mod files;
pub mod numbers;

use crate::diagnostics::{Diagnostic, Pos};
use crate::messages::key;
use crate::model::config::Config;
use crate::model::{Item, PrivacyOk};
use numbers::{Found, NumberKind};

/// A finding a page accepted in `privacy_ok`, for the build's summary.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Accepted {
    pub file: String,
    pub pos: Pos,
    pub kind: NumberKind,
    /// The number with its middle hidden.
    pub masked: String,
    pub why: String,
}

impl Accepted {
    /// One line of the summary: `content/a.md:3:5 手机号 138****8000：值班手机`.
    pub fn line(&self, lang: crate::messages::Lang) -> String {
        crate::messages::fill_raw(
            lang,
            "ui.privacy-accepted-line",
            &[
                ("file", self.file.as_str().into()),
                ("line", self.pos.line.into()),
                ("column", self.pos.col.into()),
                ("kind", key(self.kind.key())),
                ("masked", self.masked.as_str().into()),
                ("why", self.why.as_str().into()),
            ],
        )
    }
}

/// What checking one page found.
#[derive(Debug, Default, Clone)]
pub struct PageCheck {
    pub problems: Vec<Diagnostic>,
    pub accepted: Vec<Accepted>,
}

/// The contact numbers `item`'s front matter declares: the fields of the
/// content model that hold a phone number the page gives residents to call
/// (every field of shape `Phone` in `model::schema`; a test checks).
fn contacts(item: &Item) -> Vec<&str> {
    let mut out = Vec::new();
    if let Some(s) = item.station() {
        out.extend(s.phone.as_deref());
    }
    if let Some(s) = item.service() {
        out.extend(s.contact.as_deref());
        out.extend(s.complaint_phone.as_deref());
    }
    out
}

/// The mobile numbers written in `values`, in canonical form.
fn mobiles<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut out = Vec::new();
    for value in values {
        let found = numbers::find(value);
        if found.is_empty() {
            // `phone: 13800138000` read as a number, or written unusually.
            out.push(numbers::canonical(value));
        }
        out.extend(
            found
                .into_iter()
                .filter(|f| f.kind == NumberKind::Phone)
                .map(|f| f.canonical),
        );
    }
    out
}

/// Lines and columns (in characters) of places in a text, found in
/// order: each is counted on from the last, so a page of many findings is
/// read once, not once per finding.
struct Cursor<'t> {
    text: &'t str,
    at: usize,
    line: u32,
    col: u32,
}

impl<'t> Cursor<'t> {
    fn new(text: &'t str) -> Self {
        Cursor {
            text,
            at: 0,
            line: 1,
            col: 1,
        }
    }

    /// The position of byte `to`, at or after the last one asked for.
    fn position(&mut self, to: usize) -> Pos {
        let to = to.max(self.at);
        let passed = &self.text[self.at..to];
        let count = |s: &str| u32::try_from(s.chars().count()).unwrap_or(u32::MAX);
        match passed.rfind('\n') {
            Some(last) => {
                let lines = passed.bytes().filter(|&b| b == b'\n').count();
                self.line = self
                    .line
                    .saturating_add(u32::try_from(lines).unwrap_or(u32::MAX));
                self.col = count(&passed[last + 1..]).saturating_add(1);
            }
            None => self.col = self.col.saturating_add(count(passed)),
        }
        self.at = to;
        Pos::new(self.line, self.col)
    }
}

/// Checks the text of a page (front matter and body) for residents'
/// numbers: an ID or bank card number is an error, a mobile number that is
/// not one of the page's contacts nor one of the site's public numbers a
/// warning; `privacy_ok` entries accept findings, and an entry that accepts
/// nothing is a warning.
pub fn check_page(item: &Item, config: &Config) -> PageCheck {
    let text = item.doc.text.as_str();
    let mut check = PageCheck::default();
    let file = item.doc.display.as_str();
    let found = numbers::find(text);
    let entries: &[PrivacyOk] = &item.meta.privacy_ok;
    let accepting: Vec<String> = entries
        .iter()
        .map(|e| numbers::canonical(&e.value))
        .collect();
    let mut used = vec![false; entries.len()];
    let declared = if found.iter().any(|f| f.kind == NumberKind::Phone) {
        let mut d = mobiles(contacts(item));
        d.extend(mobiles(config.public_phones.iter().map(String::as_str)));
        d
    } else {
        Vec::new()
    };
    let front_end = item.doc.body_start;
    let mut cursor = Cursor::new(text);
    for f in found {
        // A YAML comment of the front matter is not published.
        if f.start < front_end && in_yaml_comment(text, f.start) {
            continue;
        }
        let pos = cursor.position(f.start);
        // The number written in an entry of privacy_ok is the entry itself.
        if entries.iter().any(|e| e.lines.contains(&pos.line)) {
            continue;
        }
        if f.kind == NumberKind::Phone && declared.contains(&f.canonical) {
            continue;
        }
        if let Some(n) = accepting.iter().position(|a| *a == f.canonical) {
            used[n] = true;
            check.accepted.push(Accepted {
                file: file.to_string(),
                pos,
                kind: f.kind,
                masked: f.masked(),
                why: entries[n].why.clone(),
            });
            continue;
        }
        check.problems.push(finding(file, pos, &f));
    }
    for (entry, used) in entries.iter().zip(used) {
        if !used {
            let canonical = numbers::canonical(&entry.value);
            check.problems.push(
                Diagnostic::warning(file, entry.pos, "W-PRIVACY-OK-UNUSED")
                    .with_len(entry.len as usize)
                    .arg("masked", mask_any(&canonical))
                    .with_hint("H-PRIVACY-OK-UNUSED"),
            );
        }
    }
    check
}

/// Whether byte `at` of a front-matter line is in a comment: after a `#`
/// that starts the line or follows a space, outside quotes.
fn in_yaml_comment(text: &str, at: usize) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = &text.as_bytes()[line_start..at];
    let (mut single, mut double) = (false, false);
    for (i, &c) in line.iter().enumerate() {
        match c {
            b'"' if !single => double = !double,
            b'\'' if !double => single = !single,
            b'#' if !single && !double && (i == 0 || line[i - 1].is_ascii_whitespace()) => {
                return true;
            }
            _ => {}
        }
    }
    false
}

/// A value of `privacy_ok` masked as what it looks like.
fn mask_any(canonical: &str) -> String {
    let kind = match canonical.len() {
        11 => NumberKind::Phone,
        18 if numbers::valid_id(canonical) => NumberKind::Id,
        16..=19 => NumberKind::Card,
        _ if canonical.len() > 7 => NumberKind::Phone,
        // Too short to hide anything: shown as written.
        _ => return canonical.to_string(),
    };
    numbers::mask(kind, canonical)
}

fn finding(file: &str, pos: Pos, f: &Found) -> Diagnostic {
    let (d, hint) = match f.kind {
        NumberKind::Id => (Diagnostic::error(file, pos, "E-PRIVACY-ID"), "H-PRIVACY-ID"),
        NumberKind::Card => (
            Diagnostic::error(file, pos, "E-PRIVACY-CARD"),
            "H-PRIVACY-CARD",
        ),
        NumberKind::Phone => (
            Diagnostic::warning(file, pos, "W-PRIVACY-PHONE"),
            "H-PRIVACY-PHONE",
        ),
    };
    d.with_len(f.end - f.start)
        .arg("masked", f.masked())
        .with_hint(hint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::schema::{self, Shape};

    /// The fields [`contacts`] reads.
    const CONTACT_FIELDS: [&str; 3] = ["phone", "contact", "complaint_phone"];

    #[test]
    fn contact_fields_are_every_phone_field_of_the_model() {
        let mut phones: Vec<&str> = crate::model::Kind::AUTHORED
            .iter()
            .flat_map(|&k| schema::fields(k))
            .filter(|f| f.shape == Shape::Phone)
            .map(|f| f.key)
            .collect();
        phones.sort_unstable();
        phones.dedup();
        let mut ours = CONTACT_FIELDS.to_vec();
        ours.sort_unstable();
        assert_eq!(phones, ours);
    }

    #[test]
    fn yaml_comments_are_told_from_values() {
        let text = "a: 1 # x 13800138000\nb: \"# 13800138000\"\n# 13800138000\n";
        let at = |n: usize| text.match_indices("1380013").nth(n).map_or(0, |(i, _)| i);
        assert!(in_yaml_comment(text, at(0)));
        assert!(!in_yaml_comment(text, at(1)));
        assert!(in_yaml_comment(text, at(2)));
    }

    #[test]
    fn positions_count_characters() {
        let text = "---\ntitle: 张三\n---\n电话：13800138000，又 13900139000\n\n再 x";
        let mut cursor = Cursor::new(text);
        let at = |pattern: &str| text.find(pattern).unwrap_or(0);
        assert_eq!(cursor.position(at("138")), Pos::new(4, 4));
        assert_eq!(cursor.position(at("139")), Pos::new(4, 18));
        assert_eq!(cursor.position(at("x")), Pos::new(6, 3));
    }
}
