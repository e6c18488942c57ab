//! The search index: static files a small script in the browser queries, so
//! search works offline and without a server.
//!
//! Files, under `search/` in the output:
//! - `index.json`: how many shards and pages, and a version for caches;
//! - `docs.json`: each page's kind and service category (for filters);
//! - `s/<n>.bin`: the shards. A token's key (two hashes) decides its shard;
//!   a shard lists, for each of its tokens, the pages whose title, summary
//!   (and tags, category, station) or body hold it, as a list of page
//!   numbers or a bitmap, whichever is smaller. A query fetches only the
//!   shards of its tokens;
//! - `f/<n>.json`: what a result shows (address, title, kind, station, the
//!   start of the text for the snippet), a few pages a file.
//!
//! The index is kept between rebuilds: an edit re-tokenizes the pages it
//! changed and rewrites only the shards and fragments they touch.

pub mod tokens;

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;

pub use tokens::{BODY, SUMMARY, TITLE};

/// Shards aim at about this many bytes: a query reads one to three of them.
const SHARD_TARGET: usize = 4096;
const MAX_SHARDS: usize = 4096;
/// Pages per fragment file.
pub const CHUNK: usize = 4;
/// How much text a fragment keeps for snippets, in characters.
const SNIPPET_TEXT: usize = 300;

/// One page as the index sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    pub url: String,
    pub title: String,
    /// Index into the kinds of the index (see [`SearchIndex::new`]).
    pub kind: u8,
    pub station: String,
    /// Service category; empty for other pages.
    pub category: String,
    /// Summary, tags, category, audience, station: searched after titles.
    pub summary: String,
    pub body: std::sync::Arc<str>,
}

impl SearchDoc {
    /// The page's tokens, once each: the key with the fields it is in in
    /// the low bits. `scratch` is reused from page to page.
    fn tokens(&self, scratch: &mut Dedup) -> Vec<u64> {
        scratch.found.clear();
        tokens::tokens(&self.title, TITLE, &mut scratch.found);
        tokens::tokens(&self.summary, SUMMARY, &mut scratch.found);
        tokens::tokens(&self.body, BODY, &mut scratch.found);
        scratch.unique()
    }

    fn fragment(&self) -> Fragment<'_> {
        let (summary, count) = first_chars(self.summary_text(), SNIPPET_TEXT);
        let mut text = String::with_capacity(SNIPPET_TEXT * 3 + 1);
        text.push_str(summary);
        if count < SNIPPET_TEXT {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(first_chars(&self.body, SNIPPET_TEXT - count).0);
        }
        Fragment {
            u: &self.url,
            t: &self.title,
            k: self.kind,
            s: &self.station,
            c: &self.category,
            x: text,
        }
    }

    /// The summary without the appended tags and names (the first line).
    fn summary_text(&self) -> &str {
        self.summary.lines().next().unwrap_or_default()
    }
}

/// The first `n` characters of `text` (all of it if shorter), and how many
/// characters that is: a slice of it, not a copy made character by character.
fn first_chars(text: &str, n: usize) -> (&str, usize) {
    match text.char_indices().nth(n) {
        Some((end, _)) => (&text[..end], n),
        None => (text, text.chars().count()),
    }
}

#[derive(Serialize)]
struct Fragment<'a> {
    u: &'a str,
    t: &'a str,
    k: u8,
    s: &'a str,
    c: &'a str,
    x: String,
}

/// A set of keys for one page at a time, cleared in constant time: an open
/// addressing table whose slots are valid only for the current generation.
pub struct Dedup {
    found: Vec<(u64, u8)>,
    slots: Vec<(u64, u32)>,
    generation: u32,
    order: Vec<usize>,
}

impl Default for Dedup {
    fn default() -> Self {
        Dedup {
            found: Vec::new(),
            slots: vec![(0, 0); 1 << 12],
            generation: 0,
            order: Vec::new(),
        }
    }
}

impl Dedup {
    /// The distinct keys of `found`, fields merged, in order of first sight.
    fn unique(&mut self) -> Vec<u64> {
        if self.found.len() * 2 > self.slots.len() {
            let size = (self.found.len() * 2).next_power_of_two();
            self.slots = vec![(0, 0); size];
            self.generation = 0;
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.slots.iter_mut().for_each(|s| s.1 = 0);
            self.generation = 1;
        }
        let mask = self.slots.len() - 1;
        self.order.clear();
        for &(key, field) in &self.found {
            let mut at = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as usize & mask;
            loop {
                let slot = &mut self.slots[at];
                if slot.1 != self.generation {
                    *slot = (key | u64::from(field), self.generation);
                    self.order.push(at);
                    break;
                }
                if slot.0 & !tokens::FIELD_BITS == key {
                    slot.0 |= u64::from(field);
                    break;
                }
                at = (at + 1) & mask;
            }
        }
        self.order.iter().map(|&at| self.slots[at].0).collect()
    }
}

/// Keys are hashes already: a map over them needs only to spread them over
/// its buckets (a multiply), not to hash them again.
#[derive(Default, Clone, Copy)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, key: u64) {
        self.0 = key.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
    }
}

type KeyMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<KeyHasher>>;

/// Page numbers holding a token, by field.
#[derive(Debug, Default, Clone, PartialEq)]
struct Postings {
    fields: [Vec<u32>; 3],
}

fn field_index(bit: u8) -> usize {
    match bit {
        TITLE => 0,
        SUMMARY => 1,
        _ => 2,
    }
}

/// The search index of a site, kept in memory.
pub struct SearchIndex {
    kinds: Vec<String>,
    docs: Vec<SearchDoc>,
    postings: KeyMap<Postings>,
    /// Each token's encoded entry, and the tokens of each shard (sorted).
    encoded: KeyMap<Vec<u8>>,
    shard_tokens: Vec<Vec<u64>>,
    total: usize,
    categories: Vec<String>,
    /// A hash of each page's entry, kept so the index's version (which
    /// browsers cache by) costs nothing to recompute after an edit.
    doc_hashes: Vec<u64>,
}

fn doc_hash(doc: &SearchDoc) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::hash::DefaultHasher::new();
    (
        &doc.url,
        &doc.title,
        doc.kind,
        &doc.station,
        &doc.category,
        &doc.summary,
        &doc.body,
    )
        .hash(&mut h);
    h.finish()
}

/// Files of the index that changed: (path under the output, bytes), and
/// paths that are no longer part of it.
#[derive(Debug, Default)]
pub struct Changed {
    pub write: Vec<(String, Vec<u8>)>,
    pub remove: Vec<String>,
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn encode_list(docs: &[u32], out: &mut Vec<u8>) {
    if docs.is_empty() {
        out.push(0);
        return;
    }
    let mut list = Vec::with_capacity(docs.len() * 2);
    let mut previous: i64 = -1;
    for &d in docs {
        varint((i64::from(d) - previous - 1) as u64, &mut list);
        previous = i64::from(d);
    }
    let last = docs[docs.len() - 1] as usize;
    let bitmap_len = last / 8 + 1;
    if bitmap_len < list.len() {
        varint(((bitmap_len as u64) << 1) | 1, out);
        let start = out.len();
        out.resize(start + bitmap_len, 0);
        for &d in docs {
            out[start + d as usize / 8] |= 1 << (d % 8);
        }
    } else {
        varint((docs.len() as u64) << 1, out);
        out.extend_from_slice(&list);
    }
}

fn encode_token(key: u64, postings: &Postings) -> Vec<u8> {
    let mut out = Vec::with_capacity(16);
    out.extend_from_slice(&((key >> 32) as u32).to_le_bytes());
    out.extend_from_slice(&(key as u32).to_le_bytes());
    for docs in &postings.fields {
        encode_list(docs, &mut out);
    }
    out
}

fn shard_count(total: usize) -> usize {
    (total / SHARD_TARGET)
        .max(1)
        .next_power_of_two()
        .min(MAX_SHARDS)
}

fn shard_of(key: u64, shards: usize) -> usize {
    ((key >> 32) as usize) % shards
}

impl SearchIndex {
    /// Builds the index of `docs` (in the order given: page numbers).
    /// `kinds` names the kind codes; `categories` the service categories.
    pub fn new(kinds: Vec<String>, categories: Vec<String>, docs: Vec<SearchDoc>) -> SearchIndex {
        // Each page's tokens, grouped by partition of the key space (the top
        // bits), so that each partition then reads only its share of every
        // page, in page order: its lists come out sorted.
        const BITS: u32 = 6;
        const PARTS: usize = 1 << BITS;
        let part_of = |key: u64| (key >> (64 - BITS)) as usize;
        let grouped: Vec<(Vec<u64>, [u32; PARTS + 1])> = docs
            .par_iter()
            .map_init(Dedup::default, |scratch, doc| {
                // A counting sort by partition: two passes, no comparisons.
                let toks = doc.tokens(scratch);
                let mut starts = [0u32; PARTS + 1];
                for k in &toks {
                    starts[part_of(*k) + 1] += 1;
                }
                for p in 0..PARTS {
                    starts[p + 1] += starts[p];
                }
                let mut next = starts;
                let mut sorted = vec![0u64; toks.len()];
                for entry in toks {
                    let p = part_of(entry);
                    sorted[next[p] as usize] = entry;
                    next[p] += 1;
                }
                (sorted, starts)
            })
            .collect();
        let parts: Vec<KeyMap<Postings>> = (0..PARTS)
            .into_par_iter()
            .map(|part| {
                let mut map: KeyMap<Postings> = KeyMap::default();
                for (doc, (toks, starts)) in grouped.iter().enumerate() {
                    for &entry in &toks[starts[part] as usize..starts[part + 1] as usize] {
                        let postings = map.entry(entry & !tokens::FIELD_BITS).or_default();
                        for bit in [TITLE, SUMMARY, BODY] {
                            if entry as u8 & bit != 0 {
                                postings.fields[field_index(bit)].push(doc as u32);
                            }
                        }
                    }
                }
                map
            })
            .collect();
        drop(grouped);
        let mut postings: KeyMap<Postings> = KeyMap::with_capacity_and_hasher(
            parts.iter().map(|p| p.len()).sum(),
            Default::default(),
        );
        postings.extend(parts.into_iter().flatten());
        let encoded: KeyMap<Vec<u8>> = postings
            .par_iter()
            .map(|(k, p)| (*k, encode_token(*k, p)))
            .collect();
        let total = encoded.values().map(Vec::len).sum();
        let doc_hashes = docs.par_iter().map(doc_hash).collect();
        let mut index = SearchIndex {
            kinds,
            doc_hashes,
            docs,
            postings,
            encoded,
            shard_tokens: Vec::new(),
            total,
            categories,
        };
        index.assign_shards();
        index
    }

    fn assign_shards(&mut self) {
        let shards = shard_count(self.total);
        let mut shard_tokens = vec![Vec::new(); shards];
        for &key in self.encoded.keys() {
            shard_tokens[shard_of(key, shards)].push(key);
        }
        shard_tokens.par_iter_mut().for_each(|t| t.sort_unstable());
        self.shard_tokens = shard_tokens;
    }

    pub fn docs(&self) -> &[SearchDoc] {
        &self.docs
    }

    fn shard_bytes(&self, shard: usize) -> Vec<u8> {
        let tokens = &self.shard_tokens[shard];
        let mut out = Vec::with_capacity(tokens.iter().map(|k| self.encoded[k].len()).sum());
        for key in tokens {
            out.extend_from_slice(&self.encoded[key]);
        }
        out
    }

    fn chunk_bytes(&self, chunk: usize) -> Vec<u8> {
        let start = chunk * CHUNK;
        let end = (start + CHUNK).min(self.docs.len());
        let fragments: Vec<Fragment> = self.docs[start..end]
            .iter()
            .map(SearchDoc::fragment)
            .collect();
        serde_json::to_vec(&fragments).unwrap_or_default()
    }

    fn docs_bytes(&self) -> Vec<u8> {
        let code = |c: usize| char::from_u32(48 + c as u32).unwrap_or('0');
        let category_code = |c: &str| {
            self.categories
                .iter()
                .position(|x| x == c)
                .map_or(0, |p| p + 1)
        };
        let kinds: String = self
            .docs
            .iter()
            .map(|d| code(usize::from(d.kind)))
            .collect();
        let categories: String = self
            .docs
            .iter()
            .map(|d| code(category_code(&d.category)))
            .collect();
        // Title lengths (capped), to rank a title equal to the query first
        // and short titles before long ones.
        let lengths: String = self
            .docs
            .iter()
            .map(|d| code(d.title.chars().count().min(78)))
            .collect();
        let table = serde_json::json!({
            "n": self.docs.len(),
            "kinds": self.kinds,
            "categories": self.categories,
            "k": kinds,
            "c": categories,
            "l": lengths,
        });
        serde_json::to_vec(&table).unwrap_or_default()
    }

    fn manifest_bytes(&self, version: u64) -> Vec<u8> {
        let manifest = serde_json::json!({
            "format": 1,
            "shards": self.shard_tokens.len(),
            "docs": self.docs.len(),
            "chunk": CHUNK,
            "v": format!("{version:016x}"),
        });
        serde_json::to_vec(&manifest).unwrap_or_default()
    }

    fn version(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        self.total.hash(&mut h);
        self.docs.len().hash(&mut h);
        for tokens in &self.shard_tokens {
            tokens.len().hash(&mut h);
        }
        self.doc_hashes.hash(&mut h);
        h.finish()
    }

    /// Every file of the index.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        let mut files: Vec<(String, Vec<u8>)> = (0..self.shard_tokens.len())
            .into_par_iter()
            .map(|s| (format!("search/s/{s}.bin"), self.shard_bytes(s)))
            .collect();
        let chunks = self.docs.len().div_ceil(CHUNK);
        files.par_extend(
            (0..chunks)
                .into_par_iter()
                .map(|c| (format!("search/f/{c}.json"), self.chunk_bytes(c))),
        );
        files.push(("search/docs.json".to_string(), self.docs_bytes()));
        files.push((
            "search/index.json".to_string(),
            self.manifest_bytes(self.version()),
        ));
        files
    }

    /// Brings the index up to date with `docs` (the pages now, in order) and
    /// returns the files that changed. Pages edited in place touch only their
    /// tokens' shards and their fragment file; pages added or removed renumber
    /// the pages after them, and everything is rebuilt.
    pub fn update(&mut self, docs: Vec<SearchDoc>) -> Changed {
        let same_pages = docs.len() == self.docs.len()
            && docs.iter().zip(&self.docs).all(|(a, b)| a.url == b.url);
        if !same_pages {
            let new = SearchIndex::new(self.kinds.clone(), self.categories.clone(), docs);
            let changed = self.changes_to(&new);
            *self = new;
            return changed;
        }
        let edits: Vec<(usize, SearchDoc)> = docs
            .into_iter()
            .enumerate()
            .filter(|(i, d)| *d != self.docs[*i])
            .collect();
        self.apply(edits)
    }

    /// The files to write and remove to turn this index's files into `new`'s.
    pub fn changes_to(&self, new: &SearchIndex) -> Changed {
        let before: BTreeMap<String, Vec<u8>> = self.files().into_iter().collect();
        let after = new.files();
        let kept: HashSet<&str> = after.iter().map(|(p, _)| p.as_str()).collect();
        let remove = before
            .keys()
            .filter(|p| !kept.contains(p.as_str()))
            .cloned()
            .collect();
        let write = after
            .into_iter()
            .filter(|(p, b)| before.get(p) != Some(b))
            .collect();
        Changed { write, remove }
    }

    /// Replaces the pages at the given numbers (the set of pages unchanged)
    /// and returns the files that changed.
    pub fn update_docs(&mut self, edits: Vec<(usize, SearchDoc)>) -> Changed {
        let edits: Vec<(usize, SearchDoc)> = edits
            .into_iter()
            .filter(|(i, d)| self.docs.get(*i).is_some_and(|old| old != d))
            .collect();
        self.apply(edits)
    }

    fn apply(&mut self, edits: Vec<(usize, SearchDoc)>) -> Changed {
        if edits.is_empty() {
            return Changed::default();
        }
        let edited: Vec<usize> = edits.iter().map(|(i, _)| *i).collect();
        // The docs table (kinds, categories, title lengths) is small: compare
        // its bytes rather than list what in a page it is made of.
        let old_table = self.docs_bytes();
        let old_shards = self.shard_tokens.len();
        let mut touched_tokens: Vec<u64> = Vec::new();
        let mut scratch = Dedup::default();
        let split = |entries: Vec<u64>| -> Vec<(u64, u8)> {
            entries
                .into_iter()
                .map(|e| (e & !tokens::FIELD_BITS, e as u8))
                .collect()
        };
        for (i, new_doc) in edits {
            let mut new_tokens = split(new_doc.tokens(&mut scratch));
            self.doc_hashes[i] = doc_hash(&new_doc);
            let mut old_tokens =
                split(std::mem::replace(&mut self.docs[i], new_doc).tokens(&mut scratch));
            // Only tokens the edit added, removed or moved between fields
            // change a list: a new title leaves the body's thousands alone.
            let kept: HashSet<(u64, u8)> = {
                let new_set: HashSet<(u64, u8)> = new_tokens.iter().copied().collect();
                old_tokens
                    .iter()
                    .copied()
                    .filter(|t| new_set.contains(t))
                    .collect()
            };
            old_tokens.retain(|t| !kept.contains(t));
            new_tokens.retain(|t| !kept.contains(t));
            let doc = i as u32;
            // Take the page out of its old tokens' lists and into the new ones'.
            for &(key, fields) in &old_tokens {
                if let Some(p) = self.postings.get_mut(&key) {
                    for bit in [TITLE, SUMMARY, BODY] {
                        if fields & bit != 0 {
                            let list = &mut p.fields[field_index(bit)];
                            if let Ok(at) = list.binary_search(&doc) {
                                list.remove(at);
                            }
                        }
                    }
                }
                touched_tokens.push(key);
            }
            for &(key, fields) in &new_tokens {
                let p = self.postings.entry(key).or_default();
                for bit in [TITLE, SUMMARY, BODY] {
                    if fields & bit != 0 {
                        let list = &mut p.fields[field_index(bit)];
                        if let Err(at) = list.binary_search(&doc) {
                            list.insert(at, doc);
                        }
                    }
                }
                touched_tokens.push(key);
            }
        }
        touched_tokens.sort_unstable();
        touched_tokens.dedup();
        for &key in &touched_tokens {
            let empty = self
                .postings
                .get(&key)
                .is_none_or(|p| p.fields.iter().all(Vec::is_empty));
            if let Some(old) = self.encoded.remove(&key) {
                self.total -= old.len();
            }
            if empty {
                self.postings.remove(&key);
            } else if let Some(p) = self.postings.get(&key) {
                let bytes = encode_token(key, p);
                self.total += bytes.len();
                self.encoded.insert(key, bytes);
            }
        }
        let mut changed = Changed::default();
        if shard_count(self.total) != old_shards {
            self.assign_shards();
            changed.write.extend(
                (0..self.shard_tokens.len())
                    .map(|s| (format!("search/s/{s}.bin"), self.shard_bytes(s))),
            );
            changed
                .remove
                .extend((self.shard_tokens.len()..old_shards).map(|s| format!("search/s/{s}.bin")));
        } else {
            let shards = self.shard_tokens.len();
            let mut touched_shards: Vec<usize> = touched_tokens
                .iter()
                .map(|&k| shard_of(k, shards))
                .collect();
            touched_shards.sort_unstable();
            touched_shards.dedup();
            for &s in &touched_shards {
                let tokens = &mut self.shard_tokens[s];
                tokens.retain(|k| self.encoded.contains_key(k));
                for &key in &touched_tokens {
                    if shard_of(key, shards) == s && self.encoded.contains_key(&key) {
                        if let Err(at) = tokens.binary_search(&key) {
                            tokens.insert(at, key);
                        }
                    }
                }
                changed
                    .write
                    .push((format!("search/s/{s}.bin"), self.shard_bytes(s)));
            }
        }
        let mut chunks: Vec<usize> = edited.iter().map(|i| i / CHUNK).collect();
        chunks.sort_unstable();
        chunks.dedup();
        changed.write.extend(
            chunks
                .into_iter()
                .map(|c| (format!("search/f/{c}.json"), self.chunk_bytes(c))),
        );
        let table = self.docs_bytes();
        if table != old_table {
            changed.write.push(("search/docs.json".to_string(), table));
        }
        changed.write.push((
            "search/index.json".to_string(),
            self.manifest_bytes(self.version()),
        ));
        changed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(url: &str, title: &str, body: &str) -> SearchDoc {
        SearchDoc {
            url: url.into(),
            title: title.into(),
            kind: 0,
            station: String::new(),
            category: String::new(),
            summary: String::new(),
            body: body.into(),
        }
    }

    fn docs() -> Vec<SearchDoc> {
        (0..40)
            .map(|i| {
                doc(
                    &format!("/p{i}/"),
                    &format!("第{i}页"),
                    &format!("社区社工站开展活动{i}。一段简单的说明。"),
                )
            })
            .collect()
    }

    #[test]
    fn lists_and_bitmaps_are_chosen_by_size() {
        let mut out = Vec::new();
        encode_list(&[3, 500], &mut out);
        assert_eq!(out, [4, 3, 0xF0, 0x03], "a short list of far apart pages");
        out.clear();
        encode_list(&[3, 5], &mut out);
        assert_eq!(out, [3, 0b101000], "a bitmap of one byte is smaller");
        out.clear();
        let all: Vec<u32> = (0..64).collect();
        encode_list(&all, &mut out);
        assert_eq!(out[0], (8 << 1) | 1);
        assert_eq!(&out[1..], &[0xff; 8]);
    }

    #[test]
    fn incremental_updates_equal_a_fresh_index() {
        let mut index = SearchIndex::new(vec!["页".into()], vec![], docs());
        let mut edited = docs();
        edited[7].title = "改过的标题".into();
        edited[30].body = "完全不同的正文 a4 纸".into();
        let changed = index.update(edited.clone());
        assert!(
            changed
                .write
                .iter()
                .any(|(p, _)| *p == format!("search/f/{}.json", 7 / CHUNK))
        );
        let fresh = SearchIndex::new(vec!["页".into()], vec![], edited);
        let (mut a, mut b) = (index.files(), fresh.files());
        a.sort();
        b.sort();
        assert_eq!(a.len(), b.len());
        for ((pa, ba), (pb, bb)) in a.iter().zip(&b) {
            assert_eq!(pa, pb);
            assert!(ba == bb, "{pa} differs");
        }
    }

    #[test]
    fn an_edit_rewrites_only_the_shards_of_the_tokens_it_changed() {
        // Pages of varied text, enough for many shards.
        let mut seed: u32 = 7;
        let mut next_char = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from_u32(0x4e00 + (seed >> 16) % 3000).unwrap_or('中')
        };
        let docs: Vec<SearchDoc> = (0..1500)
            .map(|i| {
                let body: String = (0..120).map(|_| next_char()).collect();
                doc(&format!("/p{i}/"), &format!("第{i}页"), &body)
            })
            .collect();
        let mut index = SearchIndex::new(vec!["页".into()], vec![], docs.clone());
        let shards = index.shard_tokens.len();
        assert!(shards >= 64, "{shards} shards");
        let mut edited = docs;
        edited[5].title = "第5页 新增".into();
        let changed = index.update_docs(vec![(5, edited[5].clone())]);
        let written_shards = changed
            .write
            .iter()
            .filter(|(p, _)| p.starts_with("search/s/"))
            .count();
        // "新增" and its pairings with the title's other units: a handful of
        // tokens, not the page's hundreds.
        assert!(
            (1..=12).contains(&written_shards),
            "{written_shards} of {shards} shards rewritten for a title edit"
        );
        let fresh = SearchIndex::new(vec!["页".into()], vec![], edited);
        let mut a = index.files();
        let mut b = fresh.files();
        a.sort();
        b.sort();
        assert!(a == b, "the updated index differs from a fresh one");
    }

    #[test]
    fn every_file_is_written_once_and_fragments_hold_the_text() {
        let index = SearchIndex::new(vec!["页".into()], vec![], docs());
        let files = index.files();
        let names: std::collections::BTreeSet<&String> = files.iter().map(|(p, _)| p).collect();
        assert_eq!(names.len(), files.len());
        let chunk = files.iter().find(|(p, _)| p == "search/f/0.json").unwrap();
        let text = String::from_utf8(chunk.1.clone()).unwrap();
        assert!(
            text.contains("\"u\":\"/p0/\"") && text.contains("一段简单的说明"),
            "{text}"
        );
    }
}
