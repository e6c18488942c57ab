//! Diagnostics: every problem a build finds, collected and reported together.
//!
//! Each diagnostic names a file, a line and a column (1-based, counted in the
//! file as the author's editor shows it), says what is wrong and, where we can,
//! how to fix it. Stages push into a [`Diagnostics`] list instead of returning at
//! the first problem, so one build shows the author every mistake at once.

use std::fmt::Write as _;
use std::io::IsTerminal;

use crate::messages::{self, Arg, Lang};

/// How serious a diagnostic is: errors fail the build, warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A position in a source file: 1-based line and column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Pos {
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub const fn new(line: u32, col: u32) -> Self {
        Pos { line, col }
    }
    /// The start of a file, for problems that concern the whole file.
    pub const START: Pos = Pos { line: 1, col: 1 };
}

/// One problem found in one place. Its text is not stored: it has a code
/// (a key of the message catalogs in `src/messages/`) and the arguments of
/// that message, and is put into words when printed ([`Diagnostic::message`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The file as the user names it: relative to the site folder, `/`-separated.
    pub file: String,
    pub pos: Pos,
    /// How many characters the problem spans on its line (for the underline).
    pub len: u32,
    /// The catalog key of the message: `E-REF-UNKNOWN`, `W-FIELD-UNKNOWN`.
    pub code: &'static str,
    /// The values of the message's (and the hint's) placeholders.
    pub args: Vec<(&'static str, Arg)>,
    /// The catalog key of the hint, if there is one: `H-REF-CLOSE`.
    pub hint: Option<&'static str>,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, pos: Pos, code: &'static str) -> Self {
        Diagnostic {
            severity: Severity::Error,
            file: file.into(),
            pos,
            len: 1,
            code,
            args: Vec::new(),
            hint: None,
        }
    }

    pub fn warning(file: impl Into<String>, pos: Pos, code: &'static str) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, pos, code)
        }
    }

    /// Sets the value of a placeholder.
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        let value = value.into();
        match self.args.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => self.args.push((name, value)),
        }
        self
    }

    /// Sets the hint: a catalog key, filled from the same arguments.
    pub fn with_hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }

    pub fn with_len(mut self, len: usize) -> Self {
        self.len = u32::try_from(len.max(1)).unwrap_or(u32::MAX);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The message in `lang`.
    pub fn message_in(&self, lang: Lang) -> String {
        messages::fill_raw(lang, self.code, &self.args)
    }

    /// The hint in `lang`, if there is one.
    pub fn hint_in(&self, lang: Lang) -> Option<String> {
        self.hint.map(|h| messages::fill_raw(lang, h, &self.args))
    }

    /// The message in the process's language.
    pub fn message(&self) -> String {
        self.message_in(messages::lang())
    }

    /// The hint in the process's language.
    pub fn hint_text(&self) -> Option<String> {
        self.hint_in(messages::lang())
    }

    /// The word for the severity: `错误` / `error`.
    pub fn label(&self, lang: Lang) -> &'static str {
        match (self.severity, lang) {
            (Severity::Error, Lang::ZhCn) => "错误",
            (Severity::Warning, Lang::ZhCn) => "警告",
            (Severity::Error, Lang::En) => "error",
            (Severity::Warning, Lang::En) => "warning",
        }
    }

    /// The one-line form `path:line:col: 错误[CODE]：message`.
    pub fn headline(&self, lang: Lang) -> String {
        format!(
            "{}:{}:{}: {}[{}]{}{}",
            self.file,
            self.pos.line,
            self.pos.col,
            self.label(lang),
            self.code,
            colon(lang),
            self.message_in(lang)
        )
    }

    /// The diagnostic as one JSON object (`--message-format json`).
    pub fn to_json(&self, lang: Lang) -> serde_json::Value {
        let args: serde_json::Map<String, serde_json::Value> = self
            .args
            .iter()
            .map(|(name, value)| ((*name).to_string(), value.to_json()))
            .collect();
        serde_json::json!({
            "code": self.code,
            "severity": match self.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            "file": self.file,
            "line": self.pos.line,
            "column": self.pos.col,
            "length": self.len,
            "message": self.message_in(lang),
            "hint": self.hint_in(lang),
            "args": args,
        })
    }
}

/// A problem not (yet) tied to a place in a file: a refusal of the CLI (a
/// folder that is not empty), or a problem whose caller knows the place.
/// Like a [`Diagnostic`], it is a code and arguments, put into words when
/// printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: &'static str,
    pub args: Vec<(&'static str, Arg)>,
    pub hint: Option<&'static str>,
}

impl Problem {
    pub fn new(code: &'static str) -> Self {
        Problem {
            code,
            args: Vec::new(),
            hint: None,
        }
    }

    /// Sets the value of a placeholder.
    pub fn arg(mut self, name: &'static str, value: impl Into<Arg>) -> Self {
        self.args.push((name, value.into()));
        self
    }

    pub fn with_hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }

    /// The problem as an error at `pos` of `file`.
    pub fn error_at(self, file: impl Into<String>, pos: Pos) -> Diagnostic {
        Diagnostic {
            args: self.args,
            hint: self.hint,
            ..Diagnostic::error(file, pos, self.code)
        }
    }

    pub fn message_in(&self, lang: Lang) -> String {
        messages::fill_raw(lang, self.code, &self.args)
    }

    pub fn hint_in(&self, lang: Lang) -> Option<String> {
        self.hint.map(|h| messages::fill_raw(lang, h, &self.args))
    }

    /// The message in the process's language.
    pub fn message(&self) -> String {
        self.message_in(messages::lang())
    }

    /// For a terminal: `错误[CODE]：message` and the hint below it.
    pub fn render(&self, lang: Lang, color: bool) -> String {
        let (red, blue, bold, reset) = if color {
            ("\x1b[31m", "\x1b[34m", "\x1b[1m", "\x1b[0m")
        } else {
            ("", "", "", "")
        };
        let label = match lang {
            Lang::ZhCn => "错误",
            Lang::En => "error",
        };
        let colon = colon(lang);
        let mut out = format!(
            "{bold}{red}{label}[{}]{colon}{reset}{bold}{}{reset}\n",
            self.code,
            self.message_in(lang)
        );
        if let Some(hint) = self.hint_in(lang) {
            let word = match lang {
                Lang::ZhCn => "提示",
                Lang::En => "hint",
            };
            let _ = writeln!(out, "  {blue}= {word}{colon}{reset}{hint}");
        }
        out
    }
}

/// The colon after a label: full-width in Chinese.
fn colon(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhCn => "：",
        Lang::En => ": ",
    }
}

/// The diagnostics of a build (or of one file while it is being read).
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }
    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    /// Sorts by file and position and drops exact repeats, so that reports are
    /// deterministic whatever order the parallel stages finished in.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (&a.file, a.pos, a.severity, a.code, &a.args, a.hint)
                .cmp(&(&b.file, b.pos, b.severity, b.code, &b.args, b.hint))
        });
        self.items.dedup();
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics {
            items: iter.into_iter().collect(),
        }
    }
}

/// Renders diagnostics for a terminal: the headline, the source line with the
/// problem underlined, and the hint.
pub struct Renderer<'a> {
    /// Looks up the text of a file (by its displayed name) to quote the line.
    pub source_of: &'a dyn Fn(&str) -> Option<String>,
    pub color: bool,
    pub lang: Lang,
}

impl Renderer<'_> {
    /// Whether to colour output written to stderr: a terminal, and NO_COLOR unset.
    pub fn stderr_wants_color() -> bool {
        std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
    }

    pub fn render(&self, d: &Diagnostic) -> String {
        let text = (self.source_of)(&d.file);
        let line = text
            .as_deref()
            .and_then(|t| t.lines().nth(d.pos.line.saturating_sub(1) as usize));
        self.render_at(d, line)
    }

    /// Renders each of `items` (sorted by file, as a build's are), reading
    /// each file once: a page of 75,000 warnings was read, decoded and
    /// searched for its line 75,000 times, which took minutes.
    pub fn render_all<'d>(
        &self,
        items: impl IntoIterator<Item = &'d Diagnostic>,
        mut out: impl FnMut(String),
    ) {
        let mut cached: Option<(&str, Option<SourceLines>)> = None;
        for d in items {
            if cached.as_ref().is_none_or(|(file, _)| *file != d.file) {
                cached = Some((&d.file, (self.source_of)(&d.file).map(SourceLines::new)));
            }
            let line = cached
                .as_ref()
                .and_then(|(_, text)| text.as_ref())
                .and_then(|text| text.line(d.pos.line));
            out(self.render_at(d, line));
        }
    }

    /// Renders `d` with `line`, the text of its line, if known.
    fn render_at(&self, d: &Diagnostic, line: Option<&str>) -> String {
        // Only the part of the line that can be shown is masked, with a
        // margin so that a number cut at its end is still recognised.
        let quoted = line.map(|l| {
            let cut: String = l
                .chars()
                .take(SHOWN_CHARS + d.len as usize + QUOTE_MARGIN)
                .collect();
            quotable_line(&cut).into_owned()
        });
        let line = quoted.as_deref();
        let (red, yellow, blue, bold, reset) = if self.color {
            ("\x1b[31m", "\x1b[33m", "\x1b[34m", "\x1b[1m", "\x1b[0m")
        } else {
            ("", "", "", "", "")
        };
        let colour = match d.severity {
            Severity::Error => red,
            Severity::Warning => yellow,
        };
        let lang = self.lang;
        let label = d.label(lang);
        let colon = colon(lang);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{bold}{}:{}:{}:{reset} {bold}{colour}{label}[{}]{colon}{reset}{bold}{}{reset}",
            d.file,
            d.pos.line,
            d.pos.col,
            d.code,
            d.message_in(lang)
        );
        {
            if let Some(line) = line {
                let number = d.pos.line.to_string();
                let gutter = " ".repeat(number.len());
                let shown: String = line.chars().take(SHOWN_CHARS).collect();
                let _ = writeln!(out, "{blue}{number} |{reset} {shown}");
                let lead: String = shown
                    .chars()
                    .take(d.pos.col.saturating_sub(1) as usize)
                    .map(|c| match c {
                        '\t' => "\t",
                        c if is_wide(c) => "  ",
                        _ => " ",
                    })
                    .collect();
                // Only the shown part of the line is read: one line of a
                // megabyte with 30,000 diagnostics must not be read 30,000 times.
                let width: usize = line
                    .chars()
                    .take(SHOWN_CHARS + d.len.max(1) as usize)
                    .skip(d.pos.col.saturating_sub(1) as usize)
                    .take(d.len.max(1) as usize)
                    .map(|c| if is_wide(c) { 2 } else { 1 })
                    .sum::<usize>()
                    .max(1);
                let _ = writeln!(
                    out,
                    "{blue}{gutter} |{reset} {lead}{colour}{}{reset}",
                    "^".repeat(width)
                );
            }
        }
        if let Some(hint) = d.hint_in(lang) {
            let word = match lang {
                Lang::ZhCn => "提示",
                Lang::En => "hint",
            };
            let _ = writeln!(out, "  {blue}= {word}{colon}{reset}{hint}");
        }
        out
    }
}

/// A source line as it may be quoted under a diagnostic: every resident ID,
/// mobile and bank card number on it masked as the privacy check's messages
/// mask them (`138****8000`), whatever the diagnostic is about, so the
/// terminal and the preview's overlay never show one in full.
pub fn quotable_line(line: &str) -> std::borrow::Cow<'_, str> {
    crate::link::privacy::numbers::mask_all(line)
}

/// Characters masked beyond the quoted part of a line: more than the
/// longest number the privacy check finds (`+86 138 0013 8000`, a card of
/// 19 digits in groups), so that one cut by the quote is masked too.
pub const QUOTE_MARGIN: usize = 40;

/// How much of a source line a diagnostic quotes.
const SHOWN_CHARS: usize = 160;

/// A file's text with where each line starts, to find a line without
/// scanning the text before it.
struct SourceLines {
    text: String,
    starts: Vec<usize>,
}

impl SourceLines {
    fn new(text: String) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceLines { text, starts }
    }

    /// Line `number` (1-based) as `str::lines` gives it: without its line
    /// end, and none after a final line end.
    fn line(&self, number: u32) -> Option<&str> {
        let index = usize::try_from(number).ok()?.checked_sub(1)?;
        let start = *self.starts.get(index)?;
        if start >= self.text.len() {
            return None;
        }
        let end = self
            .starts
            .get(index + 1)
            .map_or(self.text.len(), |next| next - 1);
        let line = self.text.get(start..end)?;
        Some(line.strip_suffix('\r').unwrap_or(line))
    }
}

/// Whether a character takes two columns in a terminal (CJK and full-width forms),
/// so underlines line up under Chinese text.
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F | 0x2E80..=0x303E | 0x3041..=0x33FF | 0x3400..=0x4DBF |
        0x4E00..=0x9FFF | 0xA000..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF |
        0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// Edit distance in characters (so one Chinese character counts as one),
/// counting a swap of two neighbours as one edit ("theem" → "theme").
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// The known value closest to `wanted`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a, I>(wanted: &str, known: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let wanted_len = wanted.chars().count();
    let lowered = wanted.to_lowercase();
    let mut best: Option<(usize, &str)> = None;
    for candidate in known {
        if candidate == wanted {
            continue;
        }
        let mut distance = edit_distance(&lowered, &candidate.to_lowercase());
        // A value that contains the other ("助老" in "助老服务") is a likely intent too.
        let contains =
            !wanted.is_empty() && (candidate.contains(wanted) || wanted.contains(candidate));
        if contains {
            distance = distance.min(1);
        }
        // Chinese words are short and each character carries more meaning, so
        // allow more edits relative to length than for ASCII ids.
        let longest = wanted_len.max(candidate.chars().count());
        let limit = if wanted.is_ascii() {
            longest / 3
        } else {
            longest / 2
        }
        .max(1);
        if distance <= limit && best.is_none_or(|(d, c)| (distance, candidate) < (d, c)) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_chinese_characters_as_one() {
        assert_eq!(edit_distance("助老", "助老服务"), 2);
        assert_eq!(edit_distance("huidng", "huidong"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("theem", "theme"), 1);
    }

    #[test]
    fn suggests_close_ids_and_not_far_ones() {
        let ids = ["huidong", "huixi", "lijingyuan"];
        assert_eq!(did_you_mean("huidng", ids), Some("huidong"));
        assert_eq!(did_you_mean("lijinyuan", ids), Some("lijingyuan"));
        assert_eq!(did_you_mean("beijing", ids), None);
        let categories = ["助老服务", "议事协商"];
        assert_eq!(did_you_mean("助老", categories), Some("助老服务"));
        assert_eq!(
            did_you_mean("站点介绍", ["站点简介", "人才队伍"]),
            Some("站点简介")
        );
        assert_eq!(did_you_mean("特色品牌", ["站点简介", "人才队伍"]), None);
    }

    #[test]
    fn source_lines_are_found_as_str_lines_finds_them() {
        for text in ["a\nbb\n\nc", "a\n", "", "\n\n", "x\r\ny"] {
            let lines = SourceLines::new(text.to_string());
            for n in 0..6u32 {
                let expected = n.checked_sub(1).and_then(|i| text.lines().nth(i as usize));
                assert_eq!(lines.line(n), expected, "{text:?} line {n}");
            }
        }
    }

    #[test]
    fn renders_headline_source_line_and_hint() {
        let d = Diagnostic::error("content/a.md", Pos::new(2, 10), "E-REF-UNKNOWN")
            .arg("id", "huidng")
            .arg("kind", crate::messages::key("kind.station"))
            .arg("field", crate::messages::field("station"))
            .arg("close", "huidong")
            .with_len(6)
            .with_hint("H-REF-CLOSE");
        let source = |_: &str| Some("---\nstation: huidng\n---\n".to_string());
        let render = |lang| {
            Renderer {
                source_of: &source,
                color: false,
                lang,
            }
            .render(&d)
        };
        let text = render(Lang::En);
        assert!(
            text.starts_with("content/a.md:2:10: error[E-REF-UNKNOWN]: "),
            "{text}"
        );
        assert!(text.contains("`huidng`"), "{text}");
        assert!(text.contains("2 | station: huidng\n"));
        assert!(text.contains("  |          ^^^^^^\n"), "{text}");
        assert!(text.contains("= hint: "), "{text}");
        let text = render(Lang::ZhCn);
        assert!(
            text.starts_with("content/a.md:2:10: 错误[E-REF-UNKNOWN]："),
            "{text}"
        );
        assert!(text.contains("社工站"), "{text}");
        assert!(text.contains("= 提示："), "{text}");
        assert!(text.contains("`huidong`"), "{text}");
    }

    #[test]
    fn quoted_lines_hide_the_numbers_privacy_reports() {
        assert_eq!(
            quotable_line("电话：+86 138 0013 8000，身份证 11010519491231002X。"),
            "电话：+86 138 **** 8000，身份证 110105********002X。"
        );
        assert_eq!(
            quotable_line("category: 便民 2026-12-05"),
            "category: 便民 2026-12-05"
        );
    }

    #[test]
    fn json_has_code_position_texts_and_arguments() {
        let d = Diagnostic::warning("content/a.md", Pos::new(3, 1), "W-FIELD-UNKNOWN")
            .arg("field", crate::messages::field("adress"))
            .arg("known", crate::messages::list(["address", "phone"]))
            .with_hint("H-FIELD-UNKNOWN");
        let v = d.to_json(Lang::ZhCn);
        assert_eq!(v["code"], "W-FIELD-UNKNOWN");
        assert_eq!(v["severity"], "warning");
        assert_eq!(
            (v["line"].as_u64(), v["column"].as_u64()),
            (Some(3), Some(1))
        );
        assert_eq!(v["args"]["field"], "adress");
        assert_eq!(v["args"]["known"][1], "phone");
        assert!(v["message"].as_str().is_some_and(|m| m.contains("adress")));
        assert!(v["hint"].as_str().is_some_and(|h| h.contains("`phone`")));
    }
}
