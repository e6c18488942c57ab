//! The search index: static files a small script in the browser queries, so
//! search works offline and without a server.
//!
//! Files, under `search/` in the output:
//! - `index.json`: how many shards and pages, and a version for caches;
//! - `docs.json`: each page's kind and service category (for filters);
//! - `s/<n>.bin`: the shards. A token's key (a 64-bit hash) decides its shard;
//!   a shard lists, for each of its tokens, the pages whose title, summary
//!   (and tags, category, station) or body hold it, as a list of page
//!   numbers or a bitmap, whichever is smaller. A query fetches only the
//!   shards of its tokens;
//! - `f/<n>.json`: what a result shows (address, title, kind, station, the
//!   start of the text for the snippet), a few pages a file.
//!
//! Built for disk (`--for-disk`), each file is written instead as a script of
//! the same name ending in `.js` (`s/<n>.js`, `index.js`…) that hands its
//! contents to `zhanSearchData(name, data)`: browsers refuse `fetch` on
//! `file://` but run `<script src>` (see [`into_scripts`]).
//!
//! The index is kept between rebuilds: an edit re-tokenizes the pages it
//! changed and rewrites only the shards and fragments they touch.

mod postings;
pub mod tokens;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;

use postings::{Change, Partition, Shard, Token};

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
    fn tokens<'a>(&self, scratch: &'a mut Dedup) -> &'a [u64] {
        tokens::tokens_to(&self.title, TITLE, scratch);
        tokens::tokens_to(&self.summary, SUMMARY, scratch);
        tokens::tokens_to(&self.body, BODY, scratch);
        scratch.finish()
    }

    /// Appends what a result shows, as a JSON object: address, title,
    /// kind, station, category, and the start of the summary and text for
    /// the snippet (`x`). Written by hand rather than through serde: these
    /// objects hold some 13 MB of page text on a 13,000-page site.
    fn push_fragment(&self, out: &mut Vec<u8>) {
        use crate::escape::{push_json_string, push_json_text};
        out.extend_from_slice(b"{\"u\":");
        push_json_string(out, &self.url);
        out.extend_from_slice(b",\"t\":");
        push_json_string(out, &self.title);
        out.extend_from_slice(b",\"k\":");
        out.extend_from_slice(itoa::Buffer::new().format(self.kind).as_bytes());
        out.extend_from_slice(b",\"s\":");
        push_json_string(out, &self.station);
        out.extend_from_slice(b",\"c\":");
        push_json_string(out, &self.category);
        out.extend_from_slice(b",\"x\":\"");
        let (summary, count) = first_chars(self.summary_text(), SNIPPET_TEXT);
        push_json_text(out, summary);
        if count < SNIPPET_TEXT {
            if !summary.is_empty() {
                out.extend_from_slice(b"\\n");
            }
            push_json_text(out, first_chars(&self.body, SNIPPET_TEXT - count).0);
        }
        out.extend_from_slice(b"\"}");
    }

    /// The summary without the appended tags and names (the first line).
    fn summary_text(&self) -> &str {
        self.summary.lines().next().unwrap_or_default()
    }
}

/// The first `n` characters of `text` (all of it if shorter), and how many
/// characters that is: a slice of it, not a copy made character by character.
/// Characters are counted by the bytes that start one (all but UTF-8's
/// continuation bytes, 0x80..=0xBF), without decoding them.
fn first_chars(text: &str, n: usize) -> (&str, usize) {
    let mut count = 0;
    for (at, &byte) in text.as_bytes().iter().enumerate() {
        if (byte as i8) >= -0x40 {
            if count == n {
                return (&text[..at], n);
            }
            count += 1;
        }
    }
    (text, count)
}

/// The set of one page's keys, each with the fields it is in, filled as the
/// tokenizer finds them: an open addressing table of keys with their field
/// bits (0 for a free slot: a stored key always has a field bit set).
pub struct Dedup {
    slots: Vec<u64>,
    /// Spreads a key over the slots: 64 minus log2 of their number.
    shift: u32,
    /// The slots in use, in order of first sight: what to read and clear.
    order: Vec<usize>,
    unique: Vec<u64>,
}

/// 32,768 slots (256 KiB), though a page has some hundreds of keys: the
/// fewer keys meet another in their slot (a turn of the probing loop,
/// which the processor mispredicts), the faster. Tokenizing the 13,170
/// pages of the 600-station corpus on one thread took 43 ms with these,
/// 45 ms with 8,192 slots and 54 ms with 2,048.
const DEDUP_FIRST_BITS: u32 = 15;

thread_local! {
    /// Each thread's [`Dedup`], kept from page to page and from build to
    /// build rather than made (and its slots zeroed) for each run of pages.
    static SCRATCH: RefCell<Dedup> = RefCell::new(Dedup::default());
}

/// `work` with this thread's [`Dedup`] (a new one if it is in use).
fn with_scratch<R>(work: impl FnOnce(&mut Dedup) -> R) -> R {
    SCRATCH.with(|kept| match kept.try_borrow_mut() {
        Ok(mut scratch) => work(&mut scratch),
        Err(_) => work(&mut Dedup::default()),
    })
}

impl Default for Dedup {
    fn default() -> Self {
        Dedup {
            slots: vec![0; 1 << DEDUP_FIRST_BITS],
            shift: 64 - DEDUP_FIRST_BITS,
            order: Vec::new(),
            unique: Vec::new(),
        }
    }
}

impl Dedup {
    /// A key is already a hash, its top bits the best mixed (see
    /// `tokens::combine`): they pick the slot.
    fn slot_of(&self, key: u64) -> usize {
        (key >> self.shift) as usize
    }

    /// The page's keys, fields merged, in order of first sight; the set is
    /// left empty for the next page.
    fn finish(&mut self) -> &[u64] {
        self.unique.clear();
        for &at in &self.order {
            self.unique.push(self.slots[at]);
            self.slots[at] = 0;
        }
        self.order.clear();
        &self.unique
    }

    /// Twice the slots, the keys so far moved over (in their order).
    fn grow(&mut self) {
        let entries: Vec<u64> = self.order.iter().map(|&at| self.slots[at]).collect();
        self.slots = vec![0; self.slots.len() * 2];
        self.shift -= 1;
        self.order.clear();
        let mask = self.slots.len() - 1;
        for entry in entries {
            let mut at = self.slot_of(entry & !tokens::FIELD_BITS);
            while self.slots[at] != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = entry;
            self.order.push(at);
        }
    }
}

impl tokens::Sink for Dedup {
    #[inline]
    fn add(&mut self, key: u64, field: u8) {
        let mask = self.slots.len() - 1;
        let mut at = self.slot_of(key);
        loop {
            let found = self.slots[at];
            if found == 0 {
                self.slots[at] = key | u64::from(field);
                self.order.push(at);
                // At most half full, so probes stay short.
                if self.order.len() * 2 > self.slots.len() {
                    self.grow();
                }
                return;
            }
            if found & !tokens::FIELD_BITS == key {
                self.slots[at] = found | u64::from(field);
                return;
            }
            at = (at + 1) & mask;
        }
    }
}

/// The search index of a site, kept in memory.
pub struct SearchIndex {
    kinds: Vec<String>,
    docs: Vec<SearchDoc>,
    /// The shards' files as they are written: the only copy of the postings.
    shards: Vec<Shard>,
    /// The shards' bytes, all together (how many shards there are follows).
    total: usize,
    categories: Vec<String>,
    /// A hash of each page's entry, kept so the index's version (which
    /// browsers cache by) costs nothing to recompute after an edit.
    doc_hashes: Vec<u64>,
}

/// XXH3 rather than std's SipHash: the entries hold every page's text (some
/// 20 MB on a 13,000-page site), and nothing here needs to resist chosen keys.
fn doc_hash(doc: &SearchDoc) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = xxhash_rust::xxh3::Xxh3::new();
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

impl Changed {
    /// The same change to the index's files written as scripts, for a site
    /// opened from disk: `search/s/3.bin` becomes `search/s/3.js` holding
    /// `zhanSearchData("s/3.bin","<base64>");`, a JSON file its JSON.
    pub fn into_scripts(self) -> Changed {
        Changed {
            write: self
                .write
                .into_iter()
                .map(|(path, bytes)| as_script(&path, &bytes))
                .collect(),
            remove: self.remove.iter().map(|p| script_path(p)).collect(),
        }
    }
}

/// A file of the index as the script a site opened from disk reads
/// instead (see [`Changed::into_scripts`]): its path and bytes.
pub fn as_script(path: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    (script_path(path), script_of(path, bytes))
}

/// `search/s/3.bin` → `search/s/3.js`.
pub fn script_path(path: &str) -> String {
    let stem = path
        .strip_suffix(".bin")
        .or_else(|| path.strip_suffix(".json"))
        .unwrap_or(path);
    format!("{stem}.js")
}

fn script_of(path: &str, bytes: &[u8]) -> Vec<u8> {
    let name = path.strip_prefix("search/").unwrap_or(path);
    let mut out = Vec::with_capacity(bytes.len() * 4 / 3 + name.len() + 32);
    out.extend_from_slice(b"zhanSearchData(");
    // Names are ours (`s/3.bin`): digits, letters, `/` and `.`.
    out.extend_from_slice(format!("\"{name}\",").as_bytes());
    if path.ends_with(".json") {
        out.extend_from_slice(bytes);
    } else {
        out.push(b'"');
        push_base64(&mut out, bytes);
        out.push(b'"');
    }
    out.extend_from_slice(b");\n");
    out
}

/// Standard base64 with padding, as the browser's `atob` reads it.
fn push_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]);
            } else {
                out.push(b'=');
            }
        }
    }
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

fn shard_path(shard: usize) -> String {
    format!("search/s/{shard}.bin")
}

fn chunk_path(chunk: usize) -> String {
    format!("search/f/{chunk}.json")
}

/// Pages tokenized at a time while the index is built: enough to keep both
/// cores busy, few enough that their tokens take little memory.
const BATCH: usize = 512;

/// The key space is cut by its top bits into this many partitions, each
/// collecting its tokens' lists on its own.
const PARTITION_BITS: u32 = 6;
const PARTITIONS: usize = 1 << PARTITION_BITS;

fn partition_of(key: u64) -> usize {
    (key >> (64 - PARTITION_BITS)) as usize
}

/// A page's keys in order of partition, and where each partition's start:
/// a counting sort, two passes and no comparisons.
fn by_partition(tokens: &[u64]) -> (Vec<u64>, [u32; PARTITIONS + 1]) {
    let mut starts = [0u32; PARTITIONS + 1];
    for &entry in tokens {
        starts[partition_of(entry) + 1] += 1;
    }
    for p in 0..PARTITIONS {
        starts[p + 1] += starts[p];
    }
    let mut next = starts;
    let mut sorted = vec![0u64; tokens.len()];
    for &entry in tokens {
        let p = partition_of(entry);
        sorted[next[p] as usize] = entry;
        next[p] += 1;
    }
    (sorted, starts)
}

/// The shards of `docs`, their total size and each page's [`doc_hash`]:
/// each page's tokens go to their partitions' lists, a batch of pages at a
/// time, in page order (so every list comes sorted).
fn build_shards(docs: &[SearchDoc]) -> (Vec<Shard>, usize, Vec<u64>) {
    let mut hashes = Vec::with_capacity(docs.len());
    let mut partitions: Vec<Partition> = (0..PARTITIONS)
        .map(|_| Partition::new(docs.len()))
        .collect();
    for (batch_no, batch) in docs.chunks(BATCH).enumerate() {
        let first = batch_no * BATCH;
        // Each page's tokens, in order of partition.
        let grouped: Vec<(Vec<u64>, [u32; PARTITIONS + 1], u64)> = batch
            .par_iter()
            .map(|doc| {
                let (sorted, starts) = with_scratch(|scratch| by_partition(doc.tokens(scratch)));
                // Hashed while its text is still in the cache.
                (sorted, starts, doc_hash(doc))
            })
            .collect();
        hashes.extend(grouped.iter().map(|(_, _, hash)| *hash));
        partitions
            .par_iter_mut()
            .enumerate()
            .for_each(|(p, partition)| {
                for (offset, (tokens, starts, _)) in grouped.iter().enumerate() {
                    let doc = (first + offset) as u32;
                    for &entry in &tokens[starts[p] as usize..starts[p + 1] as usize] {
                        partition.add(entry, doc);
                    }
                }
            });
    }
    let mut tokens: Vec<Token> = partitions
        .par_iter()
        .flat_map_iter(Partition::tokens)
        .collect();
    let sizes: Vec<usize> = tokens.par_iter().map(Token::encoded_len).collect();
    let total: usize = sizes.iter().sum();
    let count = shard_count(total);
    let mut by_shard: Vec<(usize, usize)> = tokens
        .iter()
        .zip(&sizes)
        .map(|(t, &size)| (shard_of(t.key, count), size))
        .collect();
    // Sorted by shard, then key: each shard is then a run of tokens.
    let mut order: Vec<usize> = (0..tokens.len()).collect();
    order.par_sort_unstable_by_key(|&i| (by_shard[i].0, tokens[i].key));
    tokens = order.iter().map(|&i| tokens[i]).collect();
    by_shard = order.iter().map(|&i| by_shard[i]).collect();
    drop(order);
    let mut runs: Vec<(usize, usize)> = vec![(0, 0); count];
    for (i, &(shard, _)) in by_shard.iter().enumerate() {
        if runs[shard].1 == 0 {
            runs[shard].0 = i;
        }
        runs[shard].1 += 1;
    }
    let shards = runs
        .par_iter()
        .map(|&(start, len)| {
            let run = start..start + len;
            let mut shard = Shard {
                bytes: Vec::with_capacity(by_shard[run.clone()].iter().map(|(_, s)| s).sum()),
                tokens: len,
            };
            for token in &tokens[run] {
                token.encode(&mut shard.bytes);
            }
            shard
        })
        .collect();
    (shards, total, hashes)
}

impl SearchIndex {
    /// Builds the index of `docs` (in the order given: page numbers).
    /// `kinds` names the kind codes; `categories` the service categories.
    pub fn new(kinds: Vec<String>, categories: Vec<String>, docs: Vec<SearchDoc>) -> SearchIndex {
        let (shards, total, doc_hashes) = build_shards(&docs);
        SearchIndex {
            kinds,
            doc_hashes,
            docs,
            shards,
            total,
            categories,
        }
    }

    fn chunk_bytes(&self, chunk: usize) -> Vec<u8> {
        let start = chunk * CHUNK;
        let end = (start + CHUNK).min(self.docs.len());
        let docs = &self.docs[start..end];
        // The text is at most SNIPPET_TEXT characters of three bytes.
        let mut out = Vec::with_capacity(
            docs.iter()
                .map(|d| d.url.len() + d.title.len() + 3 * SNIPPET_TEXT + 64)
                .sum::<usize>()
                + 2,
        );
        out.push(b'[');
        for (n, doc) in docs.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            doc.push_fragment(&mut out);
        }
        out.push(b']');
        out
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
            "shards": self.shards.len(),
            "docs": self.docs.len(),
            "chunk": CHUNK,
            "v": format!("{version:016x}"),
        });
        serde_json::to_vec(&manifest).unwrap_or_default()
    }

    fn version(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        self.total.hash(&mut h);
        self.docs.len().hash(&mut h);
        for shard in &self.shards {
            shard.tokens.hash(&mut h);
        }
        self.doc_hashes.hash(&mut h);
        h.finish()
    }

    /// Every file of the index.
    pub fn files(&self) -> Vec<(String, Vec<u8>)> {
        self.each_file(|path, bytes| Some((path, bytes.into_owned())))
    }

    /// Hands every file of the index to `each` as soon as it is made, in
    /// parallel: a build into an empty folder writes them so, without
    /// holding the 15 MB of a 13,000-page site's index at once. Returns what
    /// `each` returned, in no set order.
    pub fn each_file<T: Send>(
        &self,
        each: impl Fn(String, Cow<'_, [u8]>) -> Option<T> + Sync,
    ) -> Vec<T> {
        let mut out: Vec<T> = self
            .shards
            .par_iter()
            .enumerate()
            .filter_map(|(s, shard)| each(shard_path(s), Cow::Borrowed(&shard.bytes)))
            .collect();
        let chunks = self.docs.len().div_ceil(CHUNK);
        out.par_extend(
            (0..chunks)
                .into_par_iter()
                .filter_map(|c| each(chunk_path(c), Cow::Owned(self.chunk_bytes(c)))),
        );
        out.extend(each(
            "search/docs.json".to_string(),
            Cow::Owned(self.docs_bytes()),
        ));
        out.extend(each(
            "search/index.json".to_string(),
            Cow::Owned(self.manifest_bytes(self.version())),
        ));
        out
    }

    /// Brings the index up to date with `docs` (the pages now, in order) and
    /// returns the files that changed. Pages edited in place touch only their
    /// tokens' shards and their fragment file; pages added or removed renumber
    /// the pages after them, and everything is rebuilt. (Builds use
    /// [`SearchIndex::update_docs`]; the tests compare the two.)
    #[cfg(test)]
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
        let mut changes: Vec<Change> = Vec::new();
        // A page's tokens by key, with the fields each is in.
        let by_key = |entries: &[u64]| -> HashMap<u64, u8> {
            entries
                .iter()
                .map(|&e| (e & !tokens::FIELD_BITS, (e & tokens::FIELD_BITS) as u8))
                .collect()
        };
        for (i, new_doc) in edits {
            let new_tokens = with_scratch(|scratch| by_key(new_doc.tokens(scratch)));
            self.doc_hashes[i] = doc_hash(&new_doc);
            let old_doc = std::mem::replace(&mut self.docs[i], new_doc);
            let old_tokens = with_scratch(|scratch| by_key(old_doc.tokens(scratch)));
            let doc = i as u32;
            // Only tokens the edit added, removed or moved between fields
            // change a list: a new title leaves the body's thousands alone.
            for (&key, &fields) in &old_tokens {
                match new_tokens.get(&key) {
                    Some(&now) if now == fields => {}
                    now => changes.push(Change {
                        key,
                        doc,
                        remove: fields,
                        add: now.copied().unwrap_or(0),
                    }),
                }
            }
            for (&key, &fields) in &new_tokens {
                if !old_tokens.contains_key(&key) {
                    changes.push(Change {
                        key,
                        doc,
                        remove: 0,
                        add: fields,
                    });
                }
            }
        }
        // By shard, then key; a stable sort keeps a key's changes in the
        // order of the edits.
        let count = self.shards.len();
        changes.sort_by_key(|c| (shard_of(c.key, count), c.key));
        let mut changed = Changed::default();
        let mut rest = changes.as_slice();
        let mut touched = Vec::new();
        while let Some(first) = rest.first() {
            let shard = shard_of(first.key, count);
            let len = rest
                .iter()
                .take_while(|c| shard_of(c.key, count) == shard)
                .count();
            let (here, after) = rest.split_at(len);
            rest = after;
            let edited = postings::edit_shard(&self.shards[shard], here);
            self.total = self.total + edited.bytes.len() - self.shards[shard].bytes.len();
            self.shards[shard] = edited;
            touched.push(shard);
        }
        let now = shard_count(self.total);
        if now != count {
            self.shards = postings::reshard(&self.shards, now);
            changed.write.extend(
                self.shards
                    .iter()
                    .enumerate()
                    .map(|(s, shard)| (shard_path(s), shard.bytes.clone())),
            );
            changed.remove.extend((now..count).map(shard_path));
        } else {
            changed.write.extend(
                touched
                    .into_iter()
                    .map(|s| (shard_path(s), self.shards[s].bytes.clone())),
            );
        }
        let mut chunks: Vec<usize> = edited.iter().map(|i| i / CHUNK).collect();
        chunks.sort_unstable();
        chunks.dedup();
        changed.write.extend(
            chunks
                .into_iter()
                .map(|c| (chunk_path(c), self.chunk_bytes(c))),
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
    fn first_chars_counts_characters_not_bytes() {
        assert_eq!(first_chars("社工站abc", 2), ("社工", 2));
        assert_eq!(first_chars("社工站abc", 4), ("社工站a", 4));
        assert_eq!(first_chars("社工站", 3), ("社工站", 3));
        assert_eq!(first_chars("社工站", 10), ("社工站", 3));
        assert_eq!(first_chars("", 5), ("", 0));
        assert_eq!(first_chars("a😀b", 2), ("a😀", 2));
        assert_eq!(first_chars("abc", 0), ("", 0));
    }

    #[test]
    fn fragments_are_the_json_serde_would_write() {
        #[derive(serde::Serialize)]
        struct Expected<'a> {
            u: &'a str,
            t: &'a str,
            k: u8,
            s: &'a str,
            c: &'a str,
            x: String,
        }
        let long: String = "社区\"服务\\站\t".repeat(60);
        let pages = vec![
            SearchDoc {
                kind: 3,
                station: "惠东站".into(),
                category: "助老".into(),
                summary: "第一行 \u{1}\n标签 名字".into(),
                ..doc("/a/\"b\"/", "标题 <1>", &long)
            },
            SearchDoc {
                summary: long.clone(),
                ..doc("/c/", "", "正文")
            },
            doc("/d/", "只有标题", ""),
        ];
        let index = SearchIndex::new(vec!["页".into()], vec![], pages.clone());
        let expected: Vec<Expected> = pages
            .iter()
            .map(|p| {
                let (summary, count) = first_chars(p.summary_text(), SNIPPET_TEXT);
                let mut x = summary.to_string();
                if count < SNIPPET_TEXT {
                    if !x.is_empty() {
                        x.push('\n');
                    }
                    x.push_str(first_chars(&p.body, SNIPPET_TEXT - count).0);
                }
                Expected {
                    u: &p.url,
                    t: &p.title,
                    k: p.kind,
                    s: &p.station,
                    c: &p.category,
                    x,
                }
            })
            .collect();
        let expected = serde_json::to_vec(&expected).unwrap_or_default();
        assert_eq!(
            String::from_utf8_lossy(&index.chunk_bytes(0)),
            String::from_utf8_lossy(&expected)
        );
    }

    #[test]
    fn files_into_scripts_for_a_site_opened_from_disk() {
        let mut out = Vec::new();
        push_base64(&mut out, b"zhan!");
        assert_eq!(out, b"emhhbiE=");
        out.clear();
        push_base64(&mut out, b"zh");
        assert_eq!(out, b"emg=");
        let changed = Changed {
            write: vec![
                ("search/s/3.bin".into(), vec![0, 255, 16]),
                ("search/index.json".into(), b"{\"v\":1}".to_vec()),
            ],
            remove: vec!["search/f/9.json".into()],
        }
        .into_scripts();
        assert_eq!(changed.write[0].0, "search/s/3.js");
        assert_eq!(
            changed.write[0].1,
            b"zhanSearchData(\"s/3.bin\",\"AP8Q\");\n"
        );
        assert_eq!(changed.write[1].0, "search/index.js");
        assert_eq!(
            changed.write[1].1,
            b"zhanSearchData(\"index.json\",{\"v\":1});\n"
        );
        assert_eq!(changed.remove, ["search/f/9.js"]);
    }

    #[test]
    fn a_page_s_keys_come_once_each_with_all_their_fields() {
        // Enough text to make the set grow a few times.
        let body: String = (0..6000)
            .map(|i| char::from_u32(0x4e00 + (i * 7919) % 2500).unwrap_or('中'))
            .collect();
        let page = SearchDoc {
            summary: "社区 服务 a4纸".into(),
            ..doc("/p/", "社区社工站", &body)
        };
        let mut expected: HashMap<u64, u8> = HashMap::new();
        for (text, field) in [(&page.title, TITLE), (&page.summary, SUMMARY)] {
            let mut found = Vec::new();
            tokens::tokens(text, field, &mut found);
            for (key, field) in found {
                *expected.entry(key).or_default() |= field;
            }
        }
        let mut found = Vec::new();
        tokens::tokens(&page.body, BODY, &mut found);
        for (key, field) in found {
            *expected.entry(key).or_default() |= field;
        }
        let mut scratch = Dedup::default();
        // Twice: the set must come out empty for the next page.
        for _ in 0..2 {
            let got = page.tokens(&mut scratch);
            assert_eq!(got.len(), expected.len());
            for &entry in got {
                let key = entry & !tokens::FIELD_BITS;
                assert_eq!(
                    Some(&((entry & tokens::FIELD_BITS) as u8)),
                    expected.get(&key)
                );
            }
        }
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
        let shards = index.shards.len();
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
