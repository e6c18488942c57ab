//! Finds residents' numbers in text: resident ID numbers (GB 11643), mainland
//! mobile numbers and bank card numbers (Luhn), by one pass over the bytes.
//!
//! A page holds many numbers that are none of these (years, dates, amounts,
//! counts, postal codes, landlines, ids in links), so a candidate is a whole
//! run of digits, optionally grouped by single spaces or hyphens the way
//! each kind of number is written, and must pass the kind's own checks.

use crate::model::Date;

/// What a number is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NumberKind {
    /// A resident ID number (居民身份证号码).
    Id,
    /// A mainland mobile number.
    Phone,
    /// A bank card number.
    Card,
}

impl NumberKind {
    /// The catalog key of its name (`privacy.kind-id` → 身份证号).
    pub fn key(self) -> &'static str {
        match self {
            NumberKind::Id => "ui.privacy-kind-id",
            NumberKind::Phone => "ui.privacy-kind-phone",
            NumberKind::Card => "ui.privacy-kind-card",
        }
    }

    /// The kind whose [`NumberKind::key`] is `key`.
    pub fn from_key(key: &str) -> Option<NumberKind> {
        [NumberKind::Id, NumberKind::Phone, NumberKind::Card]
            .into_iter()
            .find(|k| k.key() == key)
    }
}

/// A number found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub kind: NumberKind,
    /// Byte range in the text, as written (separators included).
    pub start: usize,
    pub end: usize,
    /// The number in one form however it was written: the digits (and a
    /// final `X` of an ID number); a mobile number without its +86.
    pub canonical: String,
}

impl Found {
    /// The number with its middle hidden, safe to print.
    pub fn masked(&self) -> String {
        mask(self.kind, &self.canonical)
    }
}

/// `110101********123X`, `138****8000`, `6222 **** **** 1234`.
pub fn mask(kind: NumberKind, canonical: &str) -> String {
    let chars: Vec<char> = canonical.chars().collect();
    let n = chars.len();
    let keep = |a: usize, b: usize| -> (String, String) {
        let head: String = chars[..a.min(n)].iter().collect();
        let tail: String = chars[n.saturating_sub(b).max(a.min(n))..].iter().collect();
        (head, tail)
    };
    match kind {
        NumberKind::Id => {
            let (head, tail) = keep(6, 4);
            format!("{head}{}{tail}", "*".repeat(n.saturating_sub(10)))
        }
        NumberKind::Phone => {
            let (head, tail) = keep(3, 4);
            format!("{head}{}{tail}", "*".repeat(n.saturating_sub(7)))
        }
        NumberKind::Card => {
            let (head, tail) = keep(4, 4);
            let hidden = n.saturating_sub(8);
            let mut out = head;
            let mut left = hidden;
            while left > 0 {
                let group = left.min(4);
                out.push(' ');
                out.push_str(&"*".repeat(group));
                left -= group;
            }
            out.push(' ');
            out.push_str(&tail);
            out
        }
    }
}

/// `text` with the digits of every number [`find`] finds hidden as
/// [`mask`] hides them (the same count, before the last four), so a line
/// quoted under a diagnostic shows no number in full.
pub fn mask_all(text: &str) -> std::borrow::Cow<'_, str> {
    let found = find(text);
    if found.is_empty() {
        return text.into();
    }
    let mut bytes = text.as_bytes().to_vec();
    for f in found {
        let hidden = f.masked().bytes().filter(|&c| c == b'*').count();
        let span = &mut bytes[f.start..f.end];
        let digits = span.iter().filter(|c| c.is_ascii_alphanumeric()).count();
        let first_hidden = digits.saturating_sub(hidden + 4);
        let mut n = 0;
        for c in span.iter_mut().filter(|c| c.is_ascii_alphanumeric()) {
            n += 1;
            if n > first_hidden && n <= first_hidden + hidden {
                *c = b'*';
            }
        }
    }
    // Only ASCII digits and letters were replaced, by `*`: still UTF-8.
    String::from_utf8(bytes).map_or(text.into(), Into::into)
}

/// The canonical form of a number as an author writes it in `privacy_ok`
/// or a contact field: digits (and a final `X`), spacing ignored, a mobile
/// number without its country code.
pub fn canonical(written: &str) -> String {
    let mut out: String = written
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, 'x' | 'X'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if let Some(national) = national_mobile(&out) {
        out = national.to_string();
    }
    out
}

/// The 11-digit number of a mobile number written with or without +86/0086.
fn national_mobile(digits: &str) -> Option<&str> {
    let national = match digits.len() {
        11 => digits,
        13 if digits.starts_with("86") => &digits[2..],
        15 if digits.starts_with("0086") => &digits[4..],
        _ => return None,
    };
    let b = national.as_bytes();
    (b.iter().all(u8::is_ascii_digit) && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]))
        .then_some(national)
}

/// The most groups a number is written in (`+86 138 0013 8000`: 4; a
/// card of 19 digits in fours: 5).
const MAX_GROUPS: usize = 8;

/// A run of digits written as one number: its groups (byte ranges).
struct Token {
    groups: [(usize, usize); MAX_GROUPS],
    len: usize,
    /// A final `X` of an ID number, glued to the last group.
    x: bool,
}

impl Token {
    fn groups(&self) -> &[(usize, usize)] {
        &self.groups[..self.len]
    }
    fn digits(&self) -> usize {
        self.groups().iter().map(|(s, e)| e - s).sum()
    }
}

/// Where the next ASCII digit at or after `i` is (`b.len()` if none).
/// Most of a page is letters and Chinese: it is skipped sixteen bytes at
/// a time.
fn next_digit(b: &[u8], mut i: usize) -> usize {
    while let Some(block) = b.get(i..i + 16) {
        let (first, second) = block.split_at(8);
        let word = |half: &[u8]| u64::from_le_bytes(half.try_into().unwrap_or([b'0'; 8]));
        if digit_bits(word(first)) | digit_bits(word(second)) != 0 {
            break;
        }
        i += 16;
    }
    while i < b.len() && !b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// Whether any of the eight bytes of `word` is an ASCII digit (the
/// "has a byte between" bit trick: no byte of 0x80 or above counts).
#[cfg(test)]
fn has_digit(word: u64) -> bool {
    digit_bits(word) != 0
}

/// The high bit of each byte of `word` that is an ASCII digit. No byte
/// borrows from or carries into its neighbour, so each is tested exactly.
fn digit_bits(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low = word & (ONES * 127);
    (ONES * (127 + 0x3A) - low) & !word & (low + ONES * (127 - 0x2F)) & HIGH
}

/// Every ID, mobile and card number in `text`, in order.
pub fn find(text: &str) -> Vec<Found> {
    let b = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    loop {
        i = next_digit(b, i);
        if i >= b.len() {
            break;
        }
        let token = read_token(b, i);
        let end = token_end(&token);
        i = end;
        // The shortest number looked for has 11 digits.
        if token.digits() < 11 {
            continue;
        }
        let start = token.groups[0].0;
        // Part of a word, a decimal, a version or a hex string: not a number.
        if !clear_before(b, start) || !clear_after(b, end) {
            continue;
        }
        let in_link = in_url(b, start);
        if let Some(f) = classify(b, &token, start, end, in_link) {
            found.push(f);
            continue;
        }
        // The groups are not one number: each may be one on its own
        // (`2026-12-05 13800138000` is a date and a phone).
        if token.len > 1 {
            let last = token.len - 1;
            for (n, &(s, e)) in token.groups().iter().enumerate() {
                let mut groups = [(0, 0); MAX_GROUPS];
                groups[0] = (s, e);
                let single = Token {
                    groups,
                    len: 1,
                    x: token.x && n == last,
                };
                let e = token_end(&single);
                if let Some(f) = classify(b, &single, s, e, in_link) {
                    found.push(f);
                }
            }
        }
    }
    found
}

fn read_token(b: &[u8], start: usize) -> Token {
    let mut groups = [(0, 0); MAX_GROUPS];
    let mut len = 0;
    let mut separator = None;
    let mut i = start;
    loop {
        let s = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        groups[len] = (s, i);
        len += 1;
        // One space or hyphen, the same all along, then more digits.
        let next = b.get(i).copied();
        let joins = matches!(next, Some(b' ' | b'-'))
            && separator.is_none_or(|sep| Some(sep) == next)
            && b.get(i + 1).is_some_and(u8::is_ascii_digit)
            && len < MAX_GROUPS;
        if !joins {
            break;
        }
        separator = next;
        i += 1;
    }
    let x = matches!(b.get(i), Some(b'x' | b'X'));
    Token { groups, len, x }
}

fn token_end(token: &Token) -> usize {
    let end = token.groups().last().map_or(0, |g| g.1);
    end + usize::from(token.x)
}

fn clear_before(b: &[u8], start: usize) -> bool {
    let Some(&prev) = start.checked_sub(1).and_then(|i| b.get(i)) else {
        return true;
    };
    if prev.is_ascii_alphanumeric() || prev == b'_' {
        return false;
    }
    // `3.1415926…`: the digits after a decimal point.
    !(prev == b'.' && start >= 2 && b[start - 2].is_ascii_digit())
}

fn clear_after(b: &[u8], end: usize) -> bool {
    let Some(&next) = b.get(end) else {
        return true;
    };
    if next.is_ascii_alphanumeric() || next == b'_' {
        return false;
    }
    !(matches!(next, b'.' | b',') && b.get(end + 1).is_some_and(u8::is_ascii_digit))
}

/// Whether the number at `start` is inside a web address (a link's id or
/// timestamp is not a card or a phone; `tel:` links are not web addresses).
fn in_url(b: &[u8], start: usize) -> bool {
    let mut s = start;
    while s > 0
        && !matches!(
            b[s - 1],
            b' ' | b'\t' | b'\n' | b'(' | b'<' | b'"' | b'\'' | b'['
        )
    {
        s -= 1;
        if start - s > 2048 {
            break;
        }
    }
    let word = &b[s..start];
    word.windows(3).any(|w| w == b"://") || word.starts_with(b"www.")
}

fn classify(b: &[u8], token: &Token, start: usize, end: usize, in_link: bool) -> Option<Found> {
    let lens: Vec<usize> = token.groups().iter().map(|(s, e)| e - s).collect();
    let mut digits = String::with_capacity(20);
    for &(s, e) in token.groups() {
        digits.push_str(std::str::from_utf8(&b[s..e]).ok()?);
    }
    let found = |kind, canonical: String| {
        Some(Found {
            kind,
            start,
            end,
            canonical,
        })
    };
    // ID number: 17 digits and a check character, whole or 6-8-4.
    if token.x {
        let mut id = digits;
        id.push('X');
        let grouped = matches!(lens.as_slice(), [17] | [6, 8, 3]);
        return (grouped && valid_id(&id))
            .then(|| found(NumberKind::Id, id))
            .flatten();
    }
    if digits.len() == 18 && matches!(lens.as_slice(), [18] | [6, 8, 4]) && valid_id(&digits) {
        return found(NumberKind::Id, digits);
    }
    // An ID number with a wrong check character is a typo or made up, not
    // a card number that happens to look like one.
    if in_link || (digits.len() == 18 && id_shaped(&digits)) {
        return None;
    }
    if let Some(national) = national_mobile(&digits) {
        let plus = start > 0 && b[start - 1] == b'+';
        let shape_ok = match lens.as_slice() {
            [11] | [3, 4, 4] => digits.len() == 11,
            [13] => plus || digits.starts_with("86"),
            [2, 11] | [2, 3, 4, 4] => digits.starts_with("86"),
            [4, 11] | [4, 3, 4, 4] => digits.starts_with("0086"),
            _ => false,
        };
        if shape_ok {
            return found(NumberKind::Phone, national.to_string());
        }
    }
    if (16..=19).contains(&digits.len())
        && card_shape(&lens)
        && card_prefix(&digits)
        && luhn(&digits)
    {
        return found(NumberKind::Card, digits);
    }
    None
}

/// Written whole, or in groups of four (the last one shorter).
fn card_shape(lens: &[usize]) -> bool {
    match lens {
        [_] => true,
        [first @ .., last] => first.iter().all(|&l| l == 4) && (1..=4).contains(last),
        [] => false,
    }
}

/// Issuers whose cards residents hold: UnionPay (62…), Visa (4), Mastercard
/// (51–55, 2221–2720), American Express and JCB (3), and the old domestic
/// debit cards of the big banks (9…). Years, dates and counts start with 1,
/// 2 (not 22–27) or 0, so a row of years (`2019 2020 2021 2022`) is never a
/// card whatever its check digit.
fn card_prefix(digits: &str) -> bool {
    let b = digits.as_bytes();
    match b[0] {
        b'3' | b'4' | b'5' | b'6' | b'9' => true,
        b'2' => digits
            .get(..4)
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|p| (2221..=2720).contains(&p)),
        _ => false,
    }
}

/// The Luhn check (ISO/IEC 7812) of a card number.
pub fn luhn(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// The first two digits of every province-level region (GB/T 2260), the
/// first digits of a resident ID number; 83 is a Taiwan resident's permit
/// number, which has the same form.
const PROVINCES: &[u8] = &[
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// Whether the first 14 digits of `id` are a region and a birth date.
fn id_shaped(id: &str) -> bool {
    let b = id.as_bytes();
    if b.len() < 14 || !b[..14].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let province = (b[0] - b'0') * 10 + (b[1] - b'0');
    if !PROVINCES.contains(&province) || &id[2..6] == "0000" {
        return false;
    }
    let born = Date::parse(&format!("{}-{}-{}", &id[6..10], &id[10..12], &id[12..14]));
    born.is_some_and(|d| d.year >= 1900 && d <= Date::today_in_china())
}

/// Whether `id` (17 digits and a digit or `X`) is a resident ID number: a
/// region, a birth date that has happened, and the ISO 7064 MOD 11-2 check
/// character.
pub fn valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return false;
    }
    if !id_shaped(id) {
        return false;
    }
    id_check_char(&id[..17]) == Some(b[17].to_ascii_uppercase())
}

/// The check character of the first 17 digits of an ID number.
pub fn id_check_char(first17: &str) -> Option<u8> {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: &[u8; 11] = b"10X98765432";
    if first17.len() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.bytes().zip(WEIGHTS) {
        if !c.is_ascii_digit() {
            return None;
        }
        sum += u32::from(c - b'0') * w;
    }
    Some(CHECK[(sum % 11) as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(NumberKind, String)> {
        find(text)
            .into_iter()
            .map(|f| (f.kind, text[f.start..f.end].to_string()))
            .collect()
    }

    /// An ID number with a valid check character for `first17`.
    fn id(first17: &str) -> String {
        let c = id_check_char(first17).map(char::from).unwrap_or('?');
        format!("{first17}{c}")
    }

    /// A Luhn-valid card number from all but its last digit.
    fn card(body: &str) -> String {
        (0..10)
            .map(|d| format!("{body}{d}"))
            .find(|c| luhn(c))
            .unwrap_or_default()
    }

    #[test]
    fn id_numbers_need_region_date_and_check_character() {
        assert_eq!(id_check_char("11010519491231002"), Some(b'X'));
        assert!(valid_id("11010519491231002X"));
        assert!(valid_id("11010519491231002x"));
        assert!(!valid_id("110105194912310021"), "wrong check digit");
        let bad_date = id("11010519490230002");
        assert!(!valid_id(&bad_date), "30 February");
        assert!(!valid_id(&id("99010519491231002")), "no such province");
        assert!(!valid_id(&id("11010530991231002")), "born in the future");
        let text = format!(
            "身份证：11010519491231002X，另一个 {} 。",
            id("44030419900307123")
        );
        let f = kinds(&text);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f.iter().all(|(k, _)| *k == NumberKind::Id));
        assert_eq!(kinds("110105 19491231 002X")[0].0, NumberKind::Id);
        assert!(kinds("编号 110105194912310021。").is_empty());
    }

    #[test]
    fn mobile_numbers_in_their_usual_forms() {
        for written in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "+86 138 0013 8000",
            "+8613800138000",
            "0086 13800138000",
            "86-138-0013-8000",
        ] {
            let text = format!("电话：{written}。");
            let f = find(&text);
            assert_eq!(f.len(), 1, "{written}: {f:?}");
            assert_eq!(f[0].kind, NumberKind::Phone, "{written}");
            assert_eq!(f[0].canonical, "13800138000", "{written}");
            assert_eq!(f[0].masked(), "138****8000");
        }
        assert_eq!(
            kinds("2026-12-05 15900001111 来电"),
            vec![(NumberKind::Phone, "15900001111".to_string())]
        );
        // Landlines, an 11-digit number not starting 13-19, a longer run.
        assert!(kinds("010-65571234 010 6557 1234 0755-12345678").is_empty());
        assert!(kinds("12345678901 138001380001 v13800138000").is_empty());
        // A number in a web address is an id, not a phone; a tel: link is a phone.
        assert!(kinds("https://weibo.com/u/13800138000").is_empty());
        assert_eq!(kinds("[打电话](tel:13800138000)").len(), 1);
    }

    #[test]
    fn cards_pass_luhn_and_are_written_as_cards() {
        let c = card("622202020000123456");
        assert_eq!(c.len(), 19);
        assert_eq!(kinds(&format!("卡号{c}。"))[0].0, NumberKind::Card);
        let c16 = card("622848001234567");
        let grouped = format!(
            "{} {} {} {}",
            &c16[..4],
            &c16[4..8],
            &c16[8..12],
            &c16[12..]
        );
        let f = find(&format!("账号：{grouped}"));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, NumberKind::Card);
        assert_eq!(f[0].masked(), format!("6228 **** **** {}", &c16[12..]));
        let mut wrong = c16.clone();
        let last = wrong.pop().map_or(0, |d| (d as u8 - b'0' + 1) % 10);
        wrong.push(char::from(b'0' + last));
        assert!(find(&wrong).is_empty(), "Luhn fails");
        // Years, dates, amounts, counts, postal codes, a link's id.
        for text in [
            "2019 2020 2021 2022",
            "2020-03-01 2020-10-31",
            "20200301-20201031",
            "预算 1,234,567.89 元，3650 人次，邮编 100024",
            "3.14159265358979323846",
            "https://weibo.com/1234567890/4964423180042345",
            "https://example.org/a?id=6222020200001234567",
            "1701234567890123",
        ] {
            assert!(kinds(text).is_empty(), "{text}: {:?}", kinds(text));
        }
    }

    #[test]
    fn an_id_number_is_not_also_a_card() {
        let id = id("44030419900307123");
        let f = find(&id);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].kind, NumberKind::Id);
        assert_eq!(f[0].masked(), format!("440304********{}", &id[14..]));
    }

    #[test]
    fn the_word_test_sees_every_digit_and_nothing_else() {
        for byte in 0..=255u8 {
            for at in 0..8 {
                let mut word = *b"abcdefgh";
                word[at] = byte;
                let expected = byte.is_ascii_digit();
                assert_eq!(
                    has_digit(u64::from_le_bytes(word)),
                    expected,
                    "{byte} at {at}"
                );
            }
        }
        assert!(!has_digit(u64::from_le_bytes(
            *"社工站".as_bytes().first_chunk().unwrap_or(&[0; 8])
        )));
    }

    #[test]
    fn canonical_ignores_spacing_and_country_code() {
        assert_eq!(canonical("+86 138-0013-8000"), "13800138000");
        assert_eq!(canonical("11010519491231002x"), "11010519491231002X");
        assert_eq!(canonical("6222 0202 0000 1234"), "6222020200001234");
        assert_eq!(
            mask(NumberKind::Card, "6222020200001234567"),
            "6222 **** **** *** 4567"
        );
    }
}
