//! How text is cut into search tokens: the one definition, mirrored line for
//! line by `themes/default/static/js/search.js` (tests/search/tokens.json
//! holds cases both must agree on).
//!
//! Chinese readers expect a search box to behave like `text.includes(query)`.
//! Word segmenters (jieba and the like) cut text into dictionary words, so a
//! query across a word boundary ("段简" in "一段简单") finds nothing, and they
//! cannot run in the browser at the size of their dictionaries. Character
//! n-grams, as Lucene's CJK analyzer uses, need no dictionary: the text is a
//! sequence of units (one Chinese character, or one run of Latin letters and
//! digits), and every pair of adjacent units is a token (single units too in
//! titles and summaries). A query of one or two units is then one exact
//! token; a longer one is the overlapping pairs it is made of, all of which a
//! page containing it must hold.
//!
//! Pairs, not triples as the index had before: like Lucene's bigrams, a page
//! holding every pair of a long query but not the query itself is found too
//! (rarely: 老年 and 年人 apart, without 老年人), and in exchange a page has
//! half the tokens. That halved the index's build time and size.

/// Query and text are compared after this: full-width forms become their
/// ASCII twins, ASCII letters lowercase.
pub fn normalize(c: char) -> char {
    let half = match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    };
    half.to_ascii_lowercase()
}

/// A character that is a unit on its own: Chinese (and Japanese, Korean).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x3040..=0x30FF | 0xAC00..=0xD7AF | 0x20000..=0x2FFFF)
}

/// A character that belongs to a word unit.
pub fn is_word(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// Space between units: what a query is split into phrases at. Everything
/// else that is not a letter of a word (punctuation, symbols) is a unit of its
/// own, so that a query holding punctuation matches as `includes` would.
pub fn is_separator(c: char) -> bool {
    matches!(c as u32, 0..=0x20 | 0x7F..=0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F | 0x3000 | 0xFEFF)
}

/// The longest token, in units.
pub const MAX_GRAM: usize = 2;
/// Words are also indexed by their pieces up to this many characters, so
/// that "3", "36" and "65" find "365".
pub const MAX_PREFIX: usize = 16;

#[cfg(test)]
/// The units of a normalised text, as byte ranges, each with whether it
/// directly follows the previous one (no space between).
pub fn units(normalized: &str) -> Vec<(std::ops::Range<usize>, bool)> {
    let mut out = Vec::new();
    let mut adjacent = false;
    let mut word_start: Option<usize> = None;
    for (i, c) in normalized.char_indices() {
        if is_word(c) {
            word_start.get_or_insert(i);
            continue;
        }
        if let Some(start) = word_start.take() {
            out.push((start..i, adjacent));
            adjacent = true;
        }
        if is_separator(c) {
            adjacent = false;
        } else {
            out.push((i..i + c.len_utf8(), adjacent));
            adjacent = true;
        }
    }
    if let Some(start) = word_start {
        out.push((start..normalized.len(), adjacent));
    }
    out
}

#[cfg(test)]
pub fn normalized(text: &str) -> String {
    text.chars().map(normalize).collect()
}

// A token's key is a 64-bit hash of its units' values. A character that is
// not a word is worth its code point, so the pairs most text is cut into are
// hashed with one multiplication, straight from two code points; a word is
// worth the FNV-1a hash of its bytes, its top bit set to keep it apart from
// code points (below 2^21).
const WORD_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const WORD_PRIME: u64 = 0x0000_0100_0000_01b3;
const WORD_MARK: u64 = 1 << 63;
/// Marks a token of one unit: the two top bits, which no pair of code points
/// (42 bits) has.
const SINGLE: u64 = 0xC6A4_A793_5BD1_E995;
/// Spreads what a token is made of over the key: Fibonacci hashing, whose
/// top bits (which pick a page's slot, the partition and the shard) depend
/// on every bit below them.
const SPREAD: u64 = 0x9E37_79B9_7F4A_7C15;

/// The value of a word (or a piece of one), from its bytes.
fn word_value(bytes: &[u8]) -> u64 {
    let mut state = WORD_BASIS;
    for &b in bytes {
        state = word_step(state, b);
    }
    state | WORD_MARK
}

/// One byte more of a word's hash ([`word_value`] without the mark).
#[inline(always)]
fn word_step(state: u64, byte: u8) -> u64 {
    (state ^ u64::from(byte)).wrapping_mul(WORD_PRIME)
}

/// The key of a token of one unit.
#[inline(always)]
fn single_key(value: u64) -> u64 {
    key_of((value ^ SINGLE).wrapping_mul(SPREAD))
}

/// The key of a token of two units: order matters, so 甲乙 ≠ 乙甲. For two
/// characters the rotation is a shift, and the two code points sit side by
/// side.
#[inline(always)]
fn pair_key(first: u64, second: u64) -> u64 {
    key_of((first.rotate_left(21) ^ second).wrapping_mul(SPREAD))
}

#[cfg(test)]
/// The value of a unit as written in a query.
fn value_of(unit: &str) -> u64 {
    let mut chars = unit.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if !is_word(c) => u64::from(u32::from(c)),
        _ => word_value(unit.as_bytes()),
    }
}

#[cfg(test)]
/// A token's key, from its units (tokens have one or two; a longer list is
/// folded as a pair is).
pub fn key(units: &[&str]) -> u64 {
    let mut values = units.iter().map(|u| value_of(u));
    let first = values.next().unwrap_or_default();
    if units.len() == 1 {
        return single_key(first);
    }
    let folded = values.fold(first, |folded, v| folded.rotate_left(21) ^ v);
    key_of(folded.wrapping_mul(SPREAD))
}

/// Keys leave their three lowest bits free: a page's entry for a token
/// keeps there the fields the token is in.
pub const FIELD_BITS: u64 = 7;

fn key_of(hash: u64) -> u64 {
    hash & !FIELD_BITS
}

/// Where a token was found, as bits.
pub const TITLE: u8 = 1;
pub const SUMMARY: u8 = 2;
pub const BODY: u8 = 4;

#[cfg(test)]
/// Adds the keys of the tokens of `text` (one field of a page) to `out`,
/// repeats included. In titles and summaries single Chinese characters are
/// tokens too (a one-character query finds them there); in bodies tokens
/// start at two units. A word (Latin letters and digits) is found by any
/// piece of it, as `includes` would: alone by any substring, at the start of
/// a longer token by any of its ends ("5在线" in "365在线"), at its end by
/// any of its beginnings. One pass over the text, without copying it: this
/// runs over every character of the site.
pub fn tokens(text: &str, field: u8, out: &mut Vec<(u64, u8)>) {
    tokens_to(text, field, out);
}

/// Where [`tokens_to`] puts the keys it finds.
pub trait Sink {
    fn add(&mut self, key: u64, field: u8);
}

impl Sink for Vec<(u64, u8)> {
    fn add(&mut self, key: u64, field: u8) {
        self.push((key, field));
    }
}

/// [`tokens`], to any sink: the index's builds put each key straight into
/// the set of a page's keys rather than a list of repeats first.
pub fn tokens_to<S: Sink>(text: &str, field: u8, out: &mut S) {
    cut::<S, true>(text, field, out);
}

/// [`tokens_to`]; with `RUNS` false, without [`Cutter::han_run`], every
/// character one by one: what the tests hold the fast path to.
fn cut<S: Sink, const RUNS: bool>(text: &str, field: u8, out: &mut S) {
    let mut cutter = Cutter {
        field,
        window: Default::default(),
        newest: 0,
        filled: 0,
        words: 0,
        word: Vec::new(),
        out,
    };
    let mut adjacent = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        // Most of a site's text is Chinese: such a character is a unit of its
        // own, unchanged by normalisation, neither a word nor a separator.
        if matches!(c as u32, 0x4E00..=0x9FFF) {
            if !cutter.word.is_empty() {
                cutter.end_word(adjacent);
                adjacent = true;
            }
            cutter.push_han(c as u32, adjacent);
            adjacent = true;
            if !RUNS {
                continue;
            }
            // And the characters after it, in one go.
            let rest = chars.as_str();
            let used = cutter.han_run(c as u32, rest);
            if used > 0 {
                chars = rest[used..].chars();
            }
            continue;
        }
        let c = normalize(c);
        if is_word(c) {
            cutter.word.push(c as u8);
            continue;
        }
        if !cutter.word.is_empty() {
            cutter.end_word(adjacent);
            adjacent = true;
        }
        if is_separator(c) {
            adjacent = false;
        } else {
            cutter.push_char(c, is_cjk(c), adjacent);
            adjacent = true;
        }
    }
    if !cutter.word.is_empty() {
        cutter.end_word(adjacent);
    }
}

/// A unit's value: whole, and for a word, those of its beginnings and ends
/// (the forms it can take at the end or start of a longer token).
#[derive(Default)]
struct Slot {
    full: u64,
    /// A Chinese character (single ones are tokens in titles and summaries).
    cjk: bool,
    /// For a word, its first `forms` beginnings and last `forms` ends
    /// (`forms` is 0 for other units).
    forms: u8,
    starts: [u64; MAX_PREFIX],
    ends: [u64; MAX_PREFIX],
}

impl Slot {
    /// The forms a unit takes at the start of a token: a word's ends.
    fn end_forms(&self) -> &[u64] {
        if self.forms == 0 {
            std::slice::from_ref(&self.full)
        } else {
            &self.ends[..usize::from(self.forms)]
        }
    }

    /// The forms a unit takes at the end of a token: a word's beginnings.
    fn start_forms(&self) -> &[u64] {
        if self.forms == 0 {
            std::slice::from_ref(&self.full)
        } else {
            &self.starts[..usize::from(self.forms)]
        }
    }
}

/// The state of [`tokens`] along a text.
struct Cutter<'a, S: Sink> {
    field: u8,
    /// The last units, a ring: `newest` is the last one; `filled` count.
    window: [Slot; MAX_GRAM],
    newest: usize,
    filled: usize,
    /// Which of the last units are words: bit 0 the newest.
    words: u8,
    /// The word being read.
    word: Vec<u8>,
    out: &'a mut S,
}

/// The ring position before `i`.
fn back(i: usize) -> usize {
    if i == 0 { MAX_GRAM - 1 } else { i - 1 }
}

impl<S: Sink> Cutter<'_, S> {
    /// The slot for a new unit (its fields still the old unit's).
    #[inline(always)]
    fn next_slot(&mut self, adjacent: bool, word: bool) -> &mut Slot {
        if !adjacent {
            self.filled = 0;
        }
        self.newest = if self.newest + 1 == MAX_GRAM {
            0
        } else {
            self.newest + 1
        };
        self.filled = (self.filled + 1).min(MAX_GRAM);
        self.words = (self.words << 1) | u8::from(word);
        &mut self.window[self.newest]
    }

    /// A unit of one character that is not a word.
    fn push_char(&mut self, c: char, cjk: bool, adjacent: bool) {
        let slot = self.next_slot(adjacent, false);
        slot.full = u64::from(u32::from(c));
        slot.cjk = cjk;
        slot.forms = 0;
        self.emit();
    }

    /// A Chinese character (its code point): [`Cutter::push_char`] and
    /// [`Cutter::emit`] for the unit most text is made of, where no word is
    /// near (then the pair is two plain values, with no word forms).
    #[inline(always)]
    fn push_han(&mut self, code: u32, adjacent: bool) {
        let field = self.field;
        let slot = self.next_slot(adjacent, false);
        slot.full = u64::from(code);
        slot.cjk = true;
        slot.forms = 0;
        if self.words & 0b10 != 0 {
            self.emit();
            return;
        }
        if field != BODY {
            self.out.add(single_key(u64::from(code)), field);
        }
        if self.filled >= 2 {
            let before = self.window[back(self.newest)].full;
            self.out.add(pair_key(before, u64::from(code)), field);
        }
    }

    /// The units of one character at the start of `text`, right after
    /// [`Cutter::push_han`] took the character `before`: their tokens, found
    /// without the ring of units, which is then left as the characters one
    /// by one would have left it. Returns the bytes used.
    ///
    /// Within such a run each token is a pair of units (and, outside
    /// bodies, a single Chinese character), and a unit's value is its code
    /// point: only the last one is needed to go on. This is where most of a
    /// site's text goes. Chinese characters are read straight from their
    /// UTF-8 bytes; anything else (punctuation mostly) is classified as the
    /// character path classifies it, and the run ends at a word or a
    /// separator.
    #[inline]
    fn han_run(&mut self, before: u32, text: &str) -> usize {
        let field = self.field;
        let bytes = text.as_bytes();
        let mut last = u64::from(before);
        let mut last_cjk = true;
        let mut used = 0;
        let mut count = 0;
        while used < bytes.len() {
            // U+4E00..U+9FFF is E4 B8 80 to E9 BF BF (`text` is valid UTF-8).
            let han = match bytes.get(used..used + 3) {
                Some(&[b0 @ 0xE4..=0xE9, b1, b2]) => {
                    let code = (u32::from(b0 & 0x0F) << 12)
                        | (u32::from(b1 & 0x3F) << 6)
                        | u32::from(b2 & 0x3F);
                    (code >= 0x4E00).then_some(code)
                }
                _ => None,
            };
            let (code, cjk, len) = match han {
                Some(code) => (code, true, 3),
                None => {
                    let Some(c) = text[used..].chars().next() else {
                        break;
                    };
                    let unit = normalize(c);
                    if is_word(unit) || is_separator(unit) {
                        break;
                    }
                    (unit as u32, is_cjk(unit), c.len_utf8())
                }
            };
            let value = u64::from(code);
            if cjk && field != BODY {
                self.out.add(single_key(value), field);
            }
            self.out.add(pair_key(last, value), field);
            last = value;
            last_cjk = cjk;
            used += len;
            count += 1;
        }
        if count > 0 {
            self.filled = MAX_GRAM;
            self.words = self.words.checked_shl(count.min(8) as u32).unwrap_or(0);
            // Only the newest unit is read again (as the first of a pair
            // with a unit that may follow); the ring moves on as it would.
            self.newest = (self.newest + count) % MAX_GRAM;
            let slot = &mut self.window[self.newest];
            slot.full = last;
            slot.cjk = last_cjk;
            slot.forms = 0;
        }
        used
    }

    fn end_word(&mut self, adjacent: bool) {
        let word = std::mem::take(&mut self.word);
        // Pieces longer than MAX_PREFIX are not looked up by pieces.
        let longest = word.len().min(MAX_PREFIX);
        let first_end = word.len() - longest;
        let (mut starts, mut ends) = ([0; MAX_PREFIX], [0; MAX_PREFIX]);
        // Each piece's hash grows from the one a byte shorter.
        for start in 0..word.len() {
            let mut state = WORD_BASIS;
            for end in start + 1..=(start + longest).min(word.len()) {
                state = word_step(state, word[end - 1]);
                let value = state | WORD_MARK;
                if start == 0 {
                    starts[end - 1] = value;
                }
                if end == word.len() {
                    if start >= first_end {
                        ends[start - first_end] = value;
                    }
                    if start == 0 {
                        continue; // the whole word: the 1-unit token below
                    }
                }
                self.out.add(single_key(value), self.field);
            }
        }
        let slot = self.next_slot(adjacent, true);
        // The whole word is its longest beginning, unless longer than that.
        slot.full = if word.len() > longest {
            word_value(&word)
        } else {
            starts[longest - 1]
        };
        slot.cjk = false;
        // `longest` is at most MAX_PREFIX (16): it fits a byte.
        slot.forms = longest as u8;
        slot.starts = starts;
        slot.ends = ends;
        self.emit();
        self.word = word;
        self.word.clear();
    }

    /// The tokens ending at the newest unit, of 1 and 2 units.
    #[inline]
    fn emit(&mut self) {
        let Cutter {
            window,
            newest,
            filled,
            words,
            out,
            field,
            ..
        } = self;
        let (newest, filled, field) = (*newest, *filled, *field);
        let last = &window[newest];
        // Words, and Chinese characters outside bodies; never a lone
        // punctuation mark.
        if last.forms != 0 || (last.cjk && field != BODY) {
            out.add(single_key(last.full), field);
        }
        if filled < 2 {
            return;
        }
        let first = &window[back(newest)];
        // The forms of a word matter only when it is one of the pair.
        if *words & 0b11 == 0 {
            out.add(pair_key(first.full, last.full), field);
        } else {
            pairs(first, last, field, &mut **out);
        }
    }
}

/// The keys of the pair `first`, `last`, in every end form of the first unit
/// and start form of the last.
fn pairs<S: Sink>(first: &Slot, last: &Slot, field: u8, out: &mut S) {
    for &f in first.end_forms() {
        for &l in last.start_forms() {
            out.add(pair_key(f, l), field);
        }
    }
}

#[cfg(test)]
/// What a query asks for: phrases (the parts between spaces and
/// punctuation), each to be found whole; a page must hold all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    /// The tokens the phrase is made of (one, or overlapping pairs),
    /// each as its units.
    pub tokens: Vec<Vec<String>>,
    /// A single Chinese character: only titles and summaries index it.
    pub single_character: bool,
}

#[cfg(test)]
impl Phrase {
    pub fn keys(&self) -> Vec<u64> {
        self.tokens
            .iter()
            .map(|t| key(&t.iter().map(String::as_str).collect::<Vec<_>>()))
            .collect()
    }
}

#[cfg(test)]
pub fn query(text: &str) -> Vec<Phrase> {
    let text = normalized(text);
    let units = units(&text);
    let mut phrases: Vec<Vec<&str>> = Vec::new();
    for (range, adjacent) in &units {
        let unit = &text[range.clone()];
        match phrases.last_mut() {
            Some(current) if *adjacent => current.push(unit),
            _ => phrases.push(vec![unit]),
        }
    }
    phrases
        .into_iter()
        // A lone punctuation mark is no token: it asks for nothing.
        .filter(|units| {
            units.len() > 1
                || units[0]
                    .chars()
                    .next()
                    .is_some_and(|c| is_cjk(c) || is_word(c))
        })
        .map(|units| {
            let single_character = units.len() == 1 && units[0].chars().next().is_some_and(is_cjk);
            let owned = |w: &[&str]| w.iter().map(|u| u.to_string()).collect::<Vec<String>>();
            let tokens = if units.len() <= MAX_GRAM {
                vec![owned(&units)]
            } else {
                units.windows(MAX_GRAM).map(owned).collect()
            };
            Phrase {
                tokens,
                single_character,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_chinese_and_punctuation_cut_as_one_character_at_a_time_would() {
        // Texts of units drawn at random (a fixed generator) from Chinese,
        // Chinese, full-width and ASCII punctuation, full-width letters,
        // words, spaces of several kinds, kana, hangul and emoji.
        let alphabet: Vec<char> = "社区服务站一二中，。、：；（）！？“”‘’—…「」\u{3000}\u{3040}\u{2028}\u{2009}\u{202F}\u{200F}\u{2030}ＡＺａ０９＿～｀＠［\u{FF5F}\u{FF00} a1-_.,:()!?😀가あア\u{3400}龥丁\u{7f}\u{a0}é".chars().collect();
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..400 {
            let mut text = String::new();
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            for field in [TITLE, SUMMARY, BODY] {
                let (mut fast, mut slow) = (Vec::new(), Vec::new());
                cut::<_, true>(&text, field, &mut fast);
                cut::<_, false>(&text, field, &mut slow);
                assert_eq!(fast, slow, "{text:?} in field {field}");
            }
        }
    }

    #[test]
    fn units_split_chinese_words_and_separators() {
        let text = normalized("一段简单 ＡＢc 365在线，A4纸");
        let got: Vec<(&str, bool)> = units(&text)
            .into_iter()
            .map(|(r, a)| (&text[r], a))
            .collect();
        assert_eq!(
            got,
            [
                ("一", false),
                ("段", true),
                ("简", true),
                ("单", true),
                ("abc", false),
                ("365", false),
                ("在", true),
                ("线", true),
                (",", true),
                ("a4", true),
                ("纸", true)
            ]
        );
    }

    fn keys_of(text: &str, field: u8) -> Vec<u64> {
        let mut found = Vec::new();
        tokens(text, field, &mut found);
        found.into_iter().map(|(k, _)| k).collect()
    }

    fn finds(keys: &[u64], q: &str) -> bool {
        query(q)
            .iter()
            .all(|p| p.keys().iter().all(|k| keys.contains(k)))
    }

    #[test]
    fn a_query_across_a_word_boundary_is_one_token_of_the_text() {
        let keys = keys_of("写一段简单的说明", BODY);
        for q in ["段简", "一段简", "简单的", "写一", "一段简单的说明"] {
            assert!(finds(&keys, q), "{q}");
        }
        assert!(!finds(&keys, "段"), "single characters are not body tokens");
        assert!(!finds(&keys, "简一"), "order matters");
        assert!(!finds(&keys, "说明书"));
    }

    #[test]
    fn long_queries_become_overlapping_pairs_and_words_keep_prefixes() {
        let tokens: Vec<String> = query("社区社工站")[0]
            .tokens
            .iter()
            .map(|t| t.concat())
            .collect();
        assert_eq!(tokens, ["社区", "区社", "社工", "工站"]);
        assert_eq!(query("垃圾 分类").len(), 2);
        assert!(query("老")[0].single_character);
        let keys = keys_of("拨打65571234", SUMMARY);
        for q in ["6", "655", "65571234", "打65571234"] {
            assert!(finds(&keys, q), "{q}");
        }
        assert!(finds(&keys, "5571"), "any piece of a word");
        assert!(
            finds(&keys_of("欢迎使用365在线服务", BODY), "5在线"),
            "the end of a word, then more"
        );
        assert!(
            finds(&keys_of("欢迎使用365在线服务", BODY), "用36"),
            "more, then the start of a word"
        );
        assert!(
            !finds(&keys_of("欢迎使用365在线服务", BODY), "用65"),
            "but not a piece inside a longer token"
        );
        assert!(finds(&keys_of("老人", TITLE), "老"));
    }

    #[test]
    fn full_width_and_half_width_queries_match() {
        assert_eq!(query("Ａ４"), query("a4"));
        assert_eq!(query("３６５在线"), query("365在线"));
    }
}

#[cfg(test)]
mod shared_cases {
    //! The cases in tests/search/tokens.json, which the browser script's
    //! tests check too: both sides must cut and hash text the same way.
    use super::*;

    fn cases() -> serde_json::Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/search/tokens.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("tests/search/tokens.json"))
            .expect("valid JSON")
    }

    #[test]
    fn keys_match_the_shared_cases() {
        for case in cases()["keys"].as_array().expect("keys") {
            let units: Vec<&str> = case["units"]
                .as_array()
                .expect("units")
                .iter()
                .filter_map(|u| u.as_str())
                .collect();
            assert_eq!(
                format!("{:016x}", key(&units)),
                case["key"].as_str().unwrap_or_default(),
                "{units:?}"
            );
        }
    }

    #[test]
    fn queries_match_the_shared_cases() {
        for case in cases()["queries"].as_array().expect("queries") {
            let q = case["query"].as_str().unwrap_or_default();
            let got: Vec<Vec<String>> = query(q)
                .iter()
                .map(|p| p.tokens.iter().map(|t| t.join("|")).collect())
                .collect();
            let want: Vec<Vec<String>> =
                serde_json::from_value(case["tokens"].clone()).expect("tokens");
            assert_eq!(got, want, "{q}");
        }
    }

    #[test]
    fn matches_match_the_shared_cases() {
        for case in cases()["matches"].as_array().expect("matches") {
            let text = case["text"].as_str().unwrap_or_default();
            let field = match case["field"].as_str() {
                Some("title") => TITLE,
                Some("summary") => SUMMARY,
                _ => BODY,
            };
            let mut found = Vec::new();
            tokens(text, field, &mut found);
            let keys: Vec<u64> = found.iter().map(|(k, _)| *k).collect();
            let q = case["query"].as_str().unwrap_or_default();
            let hit = query(q).iter().all(|p| {
                !(p.single_character && field == BODY) && p.keys().iter().all(|k| keys.contains(k))
            });
            assert_eq!(
                hit,
                case["found"].as_bool().unwrap_or_default(),
                "{q} in {text}"
            );
        }
    }

    #[test]
    #[ignore = "prints the keys of the shared cases, to update tests/search/tokens.json"]
    fn print_keys() {
        for units in [
            vec!["社"],
            vec!["社", "区"],
            vec!["社", "工", "站"],
            vec!["365", "在", "线"],
            vec!["a4"],
            vec!["a4", "纸"],
            vec!["老"],
            vec!["65"],
        ] {
            println!(
                "{{\"units\": {units:?}, \"key\": \"{:016x}\"}},",
                key(&units)
            );
        }
    }
}
