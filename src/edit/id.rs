//! The id proposed for a new item, from its title in pinyin:
//! `空巢老人探访` → `kongchao-laoren-tanfang`, `365在线服务` →
//! `365-zaixian-fuwu`.
//!
//! - Chinese characters become their toneless pinyin (the most common
//!   reading: the `pinyin` crate reads character by character and has no
//!   word list, so a heteronym may come out in its other reading; the worker
//!   sees the id and can change it). `ü` is written `v` (`lv`, as in URLs
//!   and pinyin input methods).
//! - Syllables are joined two by two (most Chinese words are two
//!   characters), with a dash between the pairs: ids stay readable without
//!   a dictionary of words.
//! - ASCII letters and digits are kept (lowercased) as their own part;
//!   everything else (spaces, punctuation) separates parts.
//! - The id is cut at a dash to [`MAX_LEN`] bytes, and when `taken` says it
//!   is in use, `-2`, `-3`… is added.

use pinyin::ToPinyin;

use crate::model::values::is_valid_id;

/// The longest id proposed (before a clash suffix).
pub const MAX_LEN: usize = 40;

/// The parts of `title`: pinyin pairs and ASCII words.
fn parts(title: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut ascii = String::new();
    let mut syllables: Vec<String> = Vec::new();
    let flush_pairs = |syllables: &mut Vec<String>, parts: &mut Vec<String>| {
        for pair in syllables.chunks(2) {
            parts.push(pair.concat());
        }
        syllables.clear();
    };
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            flush_pairs(&mut syllables, &mut parts);
            ascii.push(c.to_ascii_lowercase());
            continue;
        }
        if !ascii.is_empty() {
            parts.push(std::mem::take(&mut ascii));
        }
        match c.to_pinyin() {
            Some(p) => {
                let plain: String = p
                    .plain()
                    .chars()
                    .map(|c| if c == 'ü' { 'v' } else { c })
                    .filter(char::is_ascii_lowercase)
                    .collect();
                if !plain.is_empty() {
                    syllables.push(plain);
                }
            }
            None => flush_pairs(&mut syllables, &mut parts),
        }
    }
    flush_pairs(&mut syllables, &mut parts);
    if !ascii.is_empty() {
        parts.push(ascii);
    }
    parts
}

/// The id of `title` before clashes are looked at: None when nothing of the
/// title can be written in an id.
pub fn from_title(title: &str) -> Option<String> {
    let mut id = String::new();
    for part in parts(title) {
        let more = if id.is_empty() { 0 } else { 1 } + part.len();
        if !id.is_empty() && id.len() + more > MAX_LEN {
            break;
        }
        if !id.is_empty() {
            id.push('-');
        }
        id.push_str(&part);
    }
    // A single part longer than the limit (a long run of letters) is cut.
    id.truncate(MAX_LEN);
    let id = id.trim_end_matches('-').to_string();
    is_valid_id(&id).then_some(id)
}

/// The id proposed for a new item titled `title`: its pinyin, else
/// `fallback`, with `-2`, `-3`… added while `taken` says the id is in use.
pub fn propose(title: &str, fallback: &str, taken: impl Fn(&str) -> bool) -> String {
    let base = from_title(title).unwrap_or_else(|| fallback.to_string());
    unclash(&base, taken)
}

/// `base`, or `base-2`, `base-3`… : the first that `taken` does not claim.
pub fn unclash(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2u32..)
        .map(|n| format!("{base}-{n}"))
        .find(|id| !taken(id))
        .unwrap_or_else(|| base.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_become_pinyin_ids() {
        for (title, id) in [
            ("空巢老人探访", "kongchao-laoren-tanfang"),
            ("365在线服务", "365-zaixian-fuwu"),
            ("惠东社工站", "huidong-shegong-zhan"),
            ("绿色家园", "lvse-jiayuan"),
            ("Hello 世界！", "hello-shijie"),
            ("“四点半”课堂 2026", "sidian-ban-ketang-2026"),
            ("ABC", "abc"),
            ("  ", ""),
            ("！？", ""),
        ] {
            let got = from_title(title).unwrap_or_default();
            assert_eq!(got, id, "{title}");
            assert!(id.is_empty() || is_valid_id(&got), "{got}");
        }
    }

    #[test]
    fn long_titles_are_cut_at_a_dash() {
        let id = from_title("社区居家养老服务中心关于开展空巢老人探访活动的通知公告")
            .unwrap_or_default();
        assert!(id.len() <= MAX_LEN, "{id}");
        assert!(is_valid_id(&id) && !id.ends_with('-'), "{id}");
        assert!(id.starts_with("shequ-jujia-yanglao-"), "{id}");
        let letters = "a".repeat(100);
        assert_eq!(from_title(&letters).unwrap_or_default().len(), MAX_LEN);
    }

    #[test]
    fn clashes_get_a_number() {
        let taken = ["kongchao-laoren-tanfang", "kongchao-laoren-tanfang-2"];
        assert_eq!(
            propose("空巢老人探访", "service", |id| taken.contains(&id)),
            "kongchao-laoren-tanfang-3"
        );
        assert_eq!(
            propose("空巢老人探访", "service", |_| false),
            "kongchao-laoren-tanfang"
        );
        assert_eq!(propose("！", "news", |id| id == "news"), "news-2");
    }
}
