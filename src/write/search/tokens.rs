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

const BASIS_1: u32 = 0x811c_9dc5;
const BASIS_2: u32 = 0x050c_5d1f;
const PRIME: u32 = 0x0100_0193;
const SEED_1: u32 = 0x2c1b_3c6d;
const SEED_2: u32 = 0x297a_2d39;

fn fnv(mut state: u32, bytes: &[u8]) -> u32 {
    for &b in bytes {
        state = (state ^ u32::from(b)).wrapping_mul(PRIME);
    }
    state
}

/// Folds a unit's hash into a token's: order matters, so 甲乙 ≠ 乙甲.
fn combine(state: u32, unit: u32) -> u32 {
    (state.rotate_left(5) ^ unit).wrapping_mul(0x9E37_79B1)
}

/// The two hashes of a word (its bytes).
fn unit_hashes(unit: &[u8]) -> (u32, u32) {
    (fnv(BASIS_1, unit), fnv(BASIS_2, unit))
}

/// The two hashes of a unit of one character that is not a word (Chinese,
/// punctuation): from its code point, without encoding it.
fn char_hashes(c: char) -> (u32, u32) {
    code_hashes(c as u32)
}

/// [`char_hashes`] of a code point.
#[inline(always)]
fn code_hashes(cp: u32) -> (u32, u32) {
    let a = (cp ^ 0x9E37_79B9).wrapping_mul(0x85EB_CA6B);
    let b = (cp ^ 0x7F4A_7C15).wrapping_mul(0xC2B2_AE35);
    (a ^ (a >> 13), b ^ (b >> 16))
}

#[cfg(test)]
/// The hashes of a unit as written in a query.
fn hashes_of(unit: &str) -> (u32, u32) {
    let mut chars = unit.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if !is_word(c) => char_hashes(c),
        _ => unit_hashes(unit.as_bytes()),
    }
}

#[cfg(test)]
/// A token's key: two 32-bit hashes folded from its units' hashes, so each
/// unit is hashed once however many tokens it is part of.
pub fn key(units: &[&str]) -> u64 {
    let (mut h1, mut h2) = (SEED_1, SEED_2);
    for unit in units {
        let (a, b) = hashes_of(unit);
        h1 = combine(h1, a);
        h2 = combine(h2, b);
    }
    key_of(h1, h2)
}

/// Keys leave their three lowest bits free: a page's entry for a token
/// keeps there the fields the token is in.
pub const FIELD_BITS: u64 = 7;

fn key_of(h1: u32, h2: u32) -> u64 {
    ((u64::from(h1) << 32) | u64::from(h2)) & !FIELD_BITS
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
        run: [(0, 0); MAX_GRAM],
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
            let used = cutter.han_run(rest);
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

/// A unit's hashes: whole, and for a word, those of its beginnings and ends
/// (the forms it can take at the end or start of a longer token).
#[derive(Default)]
struct Slot {
    full: (u32, u32),
    /// A Chinese character (single ones are tokens in titles and summaries).
    cjk: bool,
    /// For a word, its first `forms` beginnings and last `forms` ends
    /// (`forms` is 0 for other units).
    forms: u8,
    starts: [(u32, u32); MAX_PREFIX],
    ends: [(u32, u32); MAX_PREFIX],
}

impl Slot {
    /// The forms a unit takes at the start of a token: a word's ends.
    fn end_forms(&self) -> &[(u32, u32)] {
        if self.forms == 0 {
            std::slice::from_ref(&self.full)
        } else {
            &self.ends[..usize::from(self.forms)]
        }
    }

    /// The forms a unit takes at the end of a token: a word's beginnings.
    fn start_forms(&self) -> &[(u32, u32)] {
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
    /// The hash states of the tokens of 1 and 2 units ending at the newest.
    run: [(u32, u32); MAX_GRAM],
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
        slot.full = char_hashes(c);
        slot.cjk = cjk;
        slot.forms = 0;
        self.emit();
    }

    /// A Chinese character (its code point): [`Cutter::push_char`] and
    /// [`Cutter::emit`] for the unit most text is made of, where no word is
    /// near (then a token's key is its run state, with no word forms to pair).
    #[inline(always)]
    fn push_han(&mut self, code: u32, adjacent: bool) {
        let field = self.field;
        let slot = self.next_slot(adjacent, false);
        let (a, b) = code_hashes(code);
        slot.full = (a, b);
        slot.cjk = true;
        slot.forms = 0;
        if self.words & 0b10 != 0 {
            self.emit();
            return;
        }
        let previous = self.run;
        self.run = [
            (combine(SEED_1, a), combine(SEED_2, b)),
            (combine(previous[0].0, a), combine(previous[0].1, b)),
        ];
        let run = &self.run;
        if field != BODY {
            self.out.add(key_of(run[0].0, run[0].1), field);
        }
        if self.filled >= 2 {
            self.out.add(key_of(run[1].0, run[1].1), field);
        }
    }

    /// The units of one character at the start of `text`, right after one
    /// [`Cutter::push_han`] took: their tokens, found without the ring of
    /// units, which is then left as the characters one by one would have
    /// left it. Returns the bytes used.
    ///
    /// Within such a run each token is a pair of units (and, outside
    /// bodies, a single Chinese character), so only the hash states of the
    /// last unit are needed to go on; this is where most of a site's text
    /// goes. Chinese characters are read straight from their UTF-8 bytes;
    /// anything else (punctuation mostly) is classified as the character
    /// path classifies it, and the run ends at a word or a separator.
    #[inline]
    fn han_run(&mut self, text: &str) -> usize {
        let field = self.field;
        let bytes = text.as_bytes();
        let [mut single, mut pair] = self.run;
        let mut last = (0, 0);
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
            let (a, b) = code_hashes(code);
            pair = (combine(single.0, a), combine(single.1, b));
            single = (combine(SEED_1, a), combine(SEED_2, b));
            if cjk && field != BODY {
                self.out.add(key_of(single.0, single.1), field);
            }
            self.out.add(key_of(pair.0, pair.1), field);
            last = (a, b);
            last_cjk = cjk;
            used += len;
            count += 1;
        }
        if count > 0 {
            self.run = [single, pair];
            self.filled = MAX_GRAM;
            self.words = self.words.checked_shl(count.min(8) as u32).unwrap_or(0);
            // Only the newest unit is read again (as the first of a pair
            // with a word that may follow); the ring moves on as it would.
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
        let field = self.field;
        for start in 0..word.len() {
            for end in start + 1..=(start + longest).min(word.len()) {
                if start == 0 && end == word.len() {
                    continue; // the whole word: the 1-unit token below
                }
                let (a, b) = unit_hashes(&word[start..end]);
                self.out
                    .add(key_of(combine(SEED_1, a), combine(SEED_2, b)), field);
            }
        }
        let slot = self.next_slot(adjacent, true);
        slot.full = unit_hashes(&word);
        slot.cjk = false;
        // `longest` is at most MAX_PREFIX (16): it fits a byte.
        slot.forms = longest as u8;
        for (k, end) in (1..=longest).enumerate() {
            slot.starts[k] = unit_hashes(&word[..end]);
        }
        let first_end = word.len() - longest;
        for (k, start) in (first_end..word.len()).enumerate() {
            slot.ends[k] = unit_hashes(&word[start..]);
        }
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
            run,
            ..
        } = self;
        let (newest, filled, field) = (*newest, *filled, *field);
        // The states of the tokens ending here, each from the one a unit
        // shorter ending at the unit before.
        let last = &window[newest];
        let (a, b) = last.full;
        let previous = *run;
        *run = [
            (combine(SEED_1, a), combine(SEED_2, b)),
            (combine(previous[0].0, a), combine(previous[0].1, b)),
        ];
        // Words, and Chinese characters outside bodies; never a lone
        // punctuation mark.
        if last.forms != 0 || (last.cjk && field != BODY) {
            out.add(key_of(run[0].0, run[0].1), field);
        }
        if filled < 2 {
            return;
        }
        // A pair of units that are not words is the run's state: the forms
        // of a word matter only when it is one of the pair.
        if *words & 0b11 == 0 {
            out.add(key_of(run[1].0, run[1].1), field);
        } else {
            pairs(&window[back(newest)], last, field, &mut **out);
        }
    }
}

/// The keys of the pair `first`, `last`, in every end form of the first unit
/// and start form of the last.
fn pairs<S: Sink>(first: &Slot, last: &Slot, field: u8, out: &mut S) {
    for &(f1, f2) in first.end_forms() {
        let (m1, m2) = (combine(SEED_1, f1), combine(SEED_2, f2));
        for &(l1, l2) in last.start_forms() {
            out.add(key_of(combine(m1, l1), combine(m2, l2)), field);
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
