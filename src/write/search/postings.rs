//! Which pages hold a token, in the bytes of the shard files (`s/<n>.bin`).
//!
//! A shard is its tokens' entries one after the other, sorted by key. An
//! entry is the key (its high then its low 32 bits, little-endian), then for
//! the title, the summary and the body the pages holding the token there:
//! a list of gaps between page numbers or a bitmap, whichever is smaller.
//!
//! The index keeps nothing but these bytes, one buffer a shard: an edit
//! decodes only the entries it touches. While the index is built, each list
//! grows in a byte pool already in its final encoding (gaps, or a bitmap once
//! that is smaller), so neither every page's tokens nor a heap allocation per
//! token are ever held.

use std::ops::Range;

use super::shard_of;
use super::tokens::{BODY, FIELD_BITS, SUMMARY, TITLE};

/// The fields of an entry, in the order they are written.
pub const FIELDS: [u8; 3] = [TITLE, SUMMARY, BODY];

pub fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// How many bytes [`varint`] writes for `v`.
pub fn varint_len(v: u64) -> usize {
    let bits = 64 - (v | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

fn read_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut value = 0u64;
    let mut shift = 0;
    loop {
        let byte = *bytes.get(*at)?;
        *at += 1;
        if shift > 63 {
            return None;
        }
        value |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some(value);
        }
        shift += 7;
    }
}

/// The gap before `doc` in a list whose previous page is `previous` (none:
/// the list starts at -1, so the first gap is the page number itself).
fn gap(previous: Option<u32>, doc: u32) -> u64 {
    match previous {
        None => u64::from(doc),
        Some(p) => u64::from(doc).saturating_sub(u64::from(p) + 1),
    }
}

/// Writes a sorted list of pages: a gap list or a bitmap, whichever is
/// smaller (the gap list when they are the same size).
pub fn encode_list(docs: &[u32], out: &mut Vec<u8>) {
    let Some(&last) = docs.last() else {
        out.push(0);
        return;
    };
    let mut previous = None;
    let mut gap_bytes = 0;
    for &d in docs {
        gap_bytes += varint_len(gap(previous, d));
        previous = Some(d);
    }
    let bitmap_len = last as usize / 8 + 1;
    if bitmap_len < gap_bytes {
        varint(((bitmap_len as u64) << 1) | 1, out);
        let start = out.len();
        out.resize(start + bitmap_len, 0);
        for &d in docs {
            out[start + d as usize / 8] |= 1 << (d % 8);
        }
    } else {
        varint((docs.len() as u64) << 1, out);
        let mut previous = None;
        for &d in docs {
            varint(gap(previous, d), out);
            previous = Some(d);
        }
    }
}

/// Reads a list written by [`encode_list`] at `at`, moving past it.
fn decode_list(bytes: &[u8], at: &mut usize) -> Option<Vec<u32>> {
    let header = read_varint(bytes, at)?;
    let len = usize::try_from(header >> 1).ok()?;
    let mut docs = Vec::new();
    if header & 1 == 1 {
        let bitmap = bytes.get(*at..at.checked_add(len)?)?;
        *at += len;
        for (byte_no, &byte) in bitmap.iter().enumerate() {
            let mut bits = byte;
            while bits != 0 {
                let bit = bits.trailing_zeros();
                docs.push(u32::try_from(byte_no * 8).ok()? + bit);
                bits &= bits - 1;
            }
        }
    } else {
        docs.reserve(len.min(bytes.len()));
        let mut previous: Option<u32> = None;
        for _ in 0..len {
            let gap = read_varint(bytes, at)?;
            let doc = match previous {
                None => gap,
                Some(p) => u64::from(p) + 1 + gap,
            };
            let doc = u32::try_from(doc).ok()?;
            docs.push(doc);
            previous = Some(doc);
        }
    }
    Some(docs)
}

/// Moves `at` past a list without decoding it.
fn skip_list(bytes: &[u8], at: &mut usize) -> Option<()> {
    let header = read_varint(bytes, at)?;
    let len = usize::try_from(header >> 1).ok()?;
    if header & 1 == 1 {
        *at = at.checked_add(len).filter(|end| *end <= bytes.len())?;
    } else {
        for _ in 0..len {
            read_varint(bytes, at)?;
        }
    }
    Some(())
}

fn read_key(bytes: &[u8], at: usize) -> Option<u64> {
    let high = u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?);
    let low = u32::from_le_bytes(bytes.get(at + 4..at + 8)?.try_into().ok()?);
    Some(u64::from(high) << 32 | u64::from(low))
}

fn write_key(key: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(&((key >> 32) as u32).to_le_bytes());
    out.extend_from_slice(&(key as u32).to_le_bytes());
}

/// The entries of a shard's bytes, in order: each token's key and where its
/// entry lies. Stops at the first byte that is not a whole entry (a shard
/// holds only what this module wrote, so that is its end).
pub fn entries(shard: &[u8]) -> impl Iterator<Item = (u64, Range<usize>)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let start = at;
        let key = read_key(shard, start)?;
        let mut end = start + 8;
        for _ in FIELDS {
            skip_list(shard, &mut end)?;
        }
        at = end;
        Some((key, start..end))
    })
}

/// A token's pages, by field (title, summary, body), each sorted.
pub type Lists = [Vec<u32>; 3];

/// The lists of an entry (its bytes, key included).
pub fn decode_entry(entry: &[u8]) -> Option<Lists> {
    let mut at = 8;
    let mut lists = Lists::default();
    for list in &mut lists {
        *list = decode_list(entry, &mut at)?;
    }
    Some(lists)
}

pub fn encode_entry(key: u64, lists: &Lists, out: &mut Vec<u8>) {
    write_key(key, out);
    for list in lists {
        encode_list(list, out);
    }
}

/// One page's change to one token's lists: it leaves the fields in
/// `remove`, then joins those in `add` (both as field bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub key: u64,
    pub doc: u32,
    pub remove: u8,
    pub add: u8,
}

/// One shard of the index: the bytes of its file and how many tokens it
/// holds (part of the index's version).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Shard {
    pub bytes: Vec<u8>,
    pub tokens: usize,
}

/// The shard made by applying `changes` (sorted by key, in the order they
/// were made within a key) to `shard`. Entries no change names are copied
/// as they are; a token left in no list is dropped.
pub fn edit_shard(shard: &Shard, changes: &[Change]) -> Shard {
    let old = &shard.bytes;
    let mut out = Shard {
        bytes: Vec::with_capacity(old.len() + changes.len() * 4),
        tokens: 0,
    };
    let mut old_entries = entries(old).peekable();
    let mut pending = changes;
    while let Some(first) = pending.first() {
        let key = first.key;
        let same_key = pending.iter().take_while(|c| c.key == key).count();
        let (for_key, rest) = pending.split_at(same_key);
        pending = rest;
        // The entries before this key stay as they are.
        while let Some((_, range)) = old_entries.next_if(|(k, _)| *k < key) {
            out.bytes.extend_from_slice(&old[range]);
            out.tokens += 1;
        }
        let mut lists = match old_entries.next_if(|(k, _)| *k == key) {
            Some((_, range)) => decode_entry(&old[range]).unwrap_or_default(),
            None => Lists::default(),
        };
        for change in for_key {
            for (field, list) in FIELDS.iter().zip(&mut lists) {
                if change.remove & field != 0 {
                    if let Ok(at) = list.binary_search(&change.doc) {
                        list.remove(at);
                    }
                }
                if change.add & field != 0 {
                    if let Err(at) = list.binary_search(&change.doc) {
                        list.insert(at, change.doc);
                    }
                }
            }
        }
        if lists.iter().any(|l| !l.is_empty()) {
            encode_entry(key, &lists, &mut out.bytes);
            out.tokens += 1;
        }
    }
    for (_, range) in old_entries {
        out.bytes.extend_from_slice(&old[range]);
        out.tokens += 1;
    }
    out
}

/// The same entries spread over `count` shards (a token's shard depends on
/// how many there are), each shard's sorted by key.
pub fn reshard(shards: &[Shard], count: usize) -> Vec<Shard> {
    let mut routed: Vec<Vec<(u64, &[u8])>> = vec![Vec::new(); count];
    for shard in shards {
        for (key, range) in entries(&shard.bytes) {
            routed[shard_of(key, count)].push((key, &shard.bytes[range]));
        }
    }
    routed
        .into_iter()
        .map(|mut found| {
            found.sort_unstable_by_key(|(key, _)| *key);
            let mut shard = Shard {
                bytes: Vec::with_capacity(found.iter().map(|(_, e)| e.len()).sum()),
                tokens: found.len(),
            };
            for (_, entry) in found {
                shard.bytes.extend_from_slice(entry);
            }
            shard
        })
        .collect()
}

/// Slices of a list's gaps in a pool: each ends with the pool offset of the
/// next (8 bytes), and each is twice the size of the one before, up to the
/// largest.
const SLICE_LINK: usize = 8;
const FIRST_SLICE: usize = 16;
const LAST_LEVEL: u8 = 10;

fn slice_size(level: u8) -> usize {
    FIRST_SLICE << level.min(LAST_LEVEL)
}

/// Calls `each` with the pages of a bitmap, in order.
fn bitmap_docs(bitmap: &[u8], mut each: impl FnMut(u32)) {
    let mut words = bitmap.chunks_exact(8);
    let mut base = 0u32;
    for word in &mut words {
        let mut bits = u64::from_le_bytes([
            word[0], word[1], word[2], word[3], word[4], word[5], word[6], word[7],
        ]);
        while bits != 0 {
            each(base + bits.trailing_zeros());
            bits &= bits - 1;
        }
        base += 64;
    }
    for &byte in words.remainder() {
        let mut bits = byte;
        while bits != 0 {
            each(base + bits.trailing_zeros());
            bits &= bits - 1;
        }
        base += 8;
    }
}

/// One list (a token in one field) while the index is built. Pages come in
/// increasing order. A list of one page keeps it in `last`; longer ones keep
/// their gaps in the pool, until they are long enough that the list would
/// rather be a bitmap: then it keeps a bitmap of every page of the site,
/// where adding a page is setting a bit.
#[derive(Debug, Clone)]
struct Growing {
    count: u32,
    last: u32,
    /// The size of the gaps kept in the pool (not kept for a bitmap: it is
    /// counted from the bitmap in the end).
    gap_bytes: usize,
    /// Where the list is kept in the pool: the first slice, the next byte to
    /// write and the end of the current slice's data (0: no slice yet); or
    /// the bitmap's start.
    head: usize,
    write: usize,
    slice_end: usize,
    level: u8,
    bitmap: bool,
}

impl Growing {
    /// A list of one page.
    fn new(doc: u32) -> Growing {
        Growing {
            count: 1,
            last: doc,
            gap_bytes: varint_len(u64::from(doc)),
            head: 0,
            write: 0,
            slice_end: 0,
            level: 0,
            bitmap: false,
        }
    }

    /// Appends a byte of gaps, starting a new slice when the current one is full.
    fn push_byte(&mut self, byte: u8, pool: &mut Vec<u8>) {
        if self.write == self.slice_end {
            let start = pool.len();
            let size = if self.slice_end == 0 {
                self.head = start;
                slice_size(0)
            } else {
                self.level = self.level.saturating_add(1);
                let link = (start as u64).to_le_bytes();
                pool[self.slice_end..self.slice_end + SLICE_LINK].copy_from_slice(&link);
                slice_size(self.level)
            };
            pool.resize(start + size, 0);
            self.write = start;
            self.slice_end = start + size - SLICE_LINK;
        }
        pool[self.write] = byte;
        self.write += 1;
    }

    fn push_gap(&mut self, mut gap: u64, pool: &mut Vec<u8>) {
        while gap >= 0x80 {
            self.push_byte((gap as u8) | 0x80, pool);
            gap >>= 7;
        }
        self.push_byte(gap as u8, pool);
    }

    /// Calls `each` with every byte of the gaps kept in the pool.
    fn gap_bytes_in(&self, pool: &[u8], mut each: impl FnMut(u8)) {
        let mut left = self.gap_bytes;
        let mut start = self.head;
        let mut level = 0;
        while left > 0 {
            let data = (slice_size(level) - SLICE_LINK).min(left);
            pool[start..start + data].iter().for_each(|&b| each(b));
            left -= data;
            if left > 0 {
                let link_at = start + slice_size(level) - SLICE_LINK;
                let mut link = [0u8; SLICE_LINK];
                link.copy_from_slice(&pool[link_at..link_at + SLICE_LINK]);
                start = u64::from_le_bytes(link) as usize;
                level = (level + 1).min(LAST_LEVEL);
            }
        }
    }

    /// The pages of the list, in order, to `each`.
    fn docs_in(&self, pool: &[u8], site_bitmap: usize, mut each: impl FnMut(u32)) {
        if self.bitmap {
            bitmap_docs(&pool[self.head..self.head + site_bitmap], each);
        } else if self.count == 1 {
            each(self.last);
        } else {
            let mut previous: Option<u32> = None;
            let (mut value, mut shift) = (0u64, 0);
            self.gap_bytes_in(pool, |byte| {
                value |= u64::from(byte & 0x7f) << shift;
                if byte < 0x80 {
                    let doc = match previous {
                        None => value as u32,
                        Some(p) => (u64::from(p) + 1 + value) as u32,
                    };
                    each(doc);
                    previous = Some(doc);
                    value = 0;
                    shift = 0;
                } else {
                    shift += 7;
                }
            });
        }
    }

    /// Adds page `doc` (after every page added so far). `site_bitmap` is the
    /// size of a bitmap of every page of the site.
    #[inline]
    fn push(&mut self, doc: u32, pool: &mut Vec<u8>, site_bitmap: usize) {
        if self.bitmap {
            pool[self.head + doc as usize / 8] |= 1 << (doc % 8);
        } else {
            self.push_to_gaps(doc, pool, site_bitmap);
        }
        self.count += 1;
        self.last = doc;
    }

    fn push_to_gaps(&mut self, doc: u32, pool: &mut Vec<u8>, site_bitmap: usize) {
        if self.count == 1 {
            self.push_gap(u64::from(self.last), pool);
        }
        let gap = gap(Some(self.last), doc);
        self.push_gap(gap, pool);
        self.gap_bytes += varint_len(gap);
        // Memory only: kept as a bitmap, a long list costs a fixed size in
        // the pool; which form is written is decided in the end.
        if self.gap_bytes > (site_bitmap / 4).max(32) {
            let start = pool.len();
            pool.resize(start + site_bitmap, 0);
            // The page being added is set by the caller, in the bitmap.
            let mut docs = Vec::with_capacity(self.count as usize);
            self.docs_in(pool, site_bitmap, |d| docs.push(d));
            for d in docs {
                pool[start + d as usize / 8] |= 1 << (d % 8);
            }
            pool[start + doc as usize / 8] |= 1 << (doc % 8);
            self.head = start;
            self.bitmap = true;
        }
    }

    /// The size of the list's gaps, however it is kept.
    fn final_gap_bytes(&self, pool: &[u8], site_bitmap: usize) -> usize {
        if !self.bitmap {
            return self.gap_bytes;
        }
        let mut total = 0;
        let mut previous = None;
        self.docs_in(pool, site_bitmap, |d| {
            total += varint_len(gap(previous, d));
            previous = Some(d);
        });
        total
    }
}

/// A list done: where it is kept, and the size of its gaps (what decides
/// between gaps and bitmap).
#[derive(Clone, Copy)]
struct Done<'a> {
    list: &'a Growing,
    gap_bytes: usize,
}

impl Done<'_> {
    /// The size of the list as [`encode_list`] writes it.
    fn encoded_len(&self) -> usize {
        let bitmap_len = self.list.last as usize / 8 + 1;
        if bitmap_len < self.gap_bytes {
            varint_len(((bitmap_len as u64) << 1) | 1) + bitmap_len
        } else {
            varint_len(u64::from(self.list.count) << 1) + self.gap_bytes
        }
    }

    /// Writes the list as [`encode_list`] would.
    fn encode(&self, pool: &[u8], site_bitmap: usize, out: &mut Vec<u8>) {
        let list = self.list;
        let bitmap_len = list.last as usize / 8 + 1;
        if bitmap_len < self.gap_bytes {
            varint(((bitmap_len as u64) << 1) | 1, out);
            if list.bitmap {
                out.extend_from_slice(&pool[list.head..list.head + bitmap_len]);
            } else {
                let start = out.len();
                out.resize(start + bitmap_len, 0);
                list.docs_in(pool, site_bitmap, |d| {
                    out[start + d as usize / 8] |= 1 << (d % 8);
                });
            }
        } else {
            varint(u64::from(list.count) << 1, out);
            if list.count == 1 {
                varint(u64::from(list.last), out);
            } else if list.bitmap {
                let mut previous = None;
                list.docs_in(pool, site_bitmap, |d| {
                    varint(gap(previous, d), out);
                    previous = Some(d);
                });
            } else {
                list.gap_bytes_in(pool, |b| out.push(b));
            }
        }
    }
}

/// The lists of the tokens of one part of the key space, while the index is
/// built, each under its token's key with one field bit set.
pub struct Partition {
    /// Open addressing over `lists`: a list's key and its place in `lists`;
    /// key 0 for a free slot (a list's key has a field bit set).
    slots: Vec<(u64, usize)>,
    /// Spreads a key over the slots: 64 minus log2 of their number.
    shift: u32,
    keys: Vec<u64>,
    lists: Vec<Growing>,
    pool: Vec<u8>,
    site_bitmap: usize,
}

const PARTITION_FIRST_BITS: u32 = 8;

impl Partition {
    /// A partition for a site of `docs` pages.
    pub fn new(docs: usize) -> Partition {
        Partition {
            slots: vec![(0, 0); 1 << PARTITION_FIRST_BITS],
            shift: 64 - PARTITION_FIRST_BITS,
            keys: Vec::new(),
            lists: Vec::new(),
            pool: Vec::new(),
            site_bitmap: docs / 8 + 1,
        }
    }

    fn slot_of(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Adds page `doc` (after every page added so far) to the lists of
    /// `entry`: a key with the fields it is in in the low bits.
    #[inline]
    pub fn add(&mut self, entry: u64, doc: u32) {
        let key = entry & !FIELD_BITS;
        let mut fields = entry & FIELD_BITS;
        while fields != 0 {
            let field = fields & fields.wrapping_neg();
            fields &= fields - 1;
            self.add_to(key | field, doc);
        }
    }

    /// Adds page `doc` to the list of `list_key`, made if new.
    #[inline]
    fn add_to(&mut self, list_key: u64, doc: u32) {
        let mask = self.slots.len() - 1;
        let mut at = self.slot_of(list_key);
        loop {
            let (found, place) = self.slots[at];
            if found == list_key {
                self.lists[place].push(doc, &mut self.pool, self.site_bitmap);
                return;
            }
            if found == 0 {
                break;
            }
            at = (at + 1) & mask;
        }
        self.slots[at] = (list_key, self.lists.len());
        self.keys.push(list_key);
        self.lists.push(Growing::new(doc));
        // At most half full, so probes stay short.
        if self.lists.len() * 2 > self.slots.len() {
            self.grow();
        }
    }

    fn grow(&mut self) {
        self.slots = vec![(0, 0); self.slots.len() * 2];
        self.shift -= 1;
        let mask = self.slots.len() - 1;
        for (place, &key) in self.keys.iter().enumerate() {
            let mut at = self.slot_of(key);
            while self.slots[at].0 != 0 {
                at = (at + 1) & mask;
            }
            self.slots[at] = (key, place);
        }
    }

    /// The tokens of the partition, each with its lists.
    pub fn tokens(&self) -> Vec<Token<'_>> {
        let mut order: Vec<usize> = (0..self.keys.len()).collect();
        order.sort_unstable_by_key(|&i| self.keys[i]);
        let mut tokens: Vec<Token> = Vec::new();
        for i in order {
            let entry = self.keys[i];
            let key = entry & !FIELD_BITS;
            let slot = FIELDS
                .iter()
                .position(|f| u64::from(*f) == entry & FIELD_BITS)
                .unwrap_or(2);
            let done = Done {
                list: &self.lists[i],
                gap_bytes: self.lists[i].final_gap_bytes(&self.pool, self.site_bitmap),
            };
            match tokens.last_mut() {
                Some(token) if token.key == key => token.lists[slot] = Some(done),
                _ => {
                    let mut lists = [None; 3];
                    lists[slot] = Some(done);
                    tokens.push(Token {
                        key,
                        lists,
                        partition: self,
                    });
                }
            }
        }
        tokens
    }
}

/// A token while the index is built: its lists, in their partition.
#[derive(Clone, Copy)]
pub struct Token<'a> {
    pub key: u64,
    lists: [Option<Done<'a>>; 3],
    partition: &'a Partition,
}

impl Token<'_> {
    /// The size of the token's entry.
    pub fn encoded_len(&self) -> usize {
        8 + self
            .lists
            .iter()
            .map(|l| l.map_or(1, |l| l.encoded_len()))
            .sum::<usize>()
    }

    /// Writes the token's entry.
    pub fn encode(&self, out: &mut Vec<u8>) {
        write_key(self.key, out);
        for list in self.lists {
            match list {
                Some(list) => list.encode(&self.partition.pool, self.partition.site_bitmap, out),
                None => out.push(0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists of many shapes: empty, one page, sparse, dense, every page.
    fn lists(docs: u32) -> Vec<Vec<u32>> {
        let mut seed: u32 = 11;
        let mut random = move || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            seed >> 8
        };
        let mut out = vec![
            vec![],
            vec![0],
            vec![docs - 1],
            (0..docs).collect(),
            (0..docs).step_by(7).collect(),
            (0..docs).step_by(300).collect(),
        ];
        for density in [2, 10, 60, 500, 4000] {
            out.push((0..docs).filter(|_| random() % density == 0).collect());
        }
        out
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
    fn lists_decode_to_what_was_encoded() {
        for docs in [1, 9, 100, 5000] {
            for list in lists(docs) {
                let mut bytes = vec![0xAA];
                encode_list(&list, &mut bytes);
                let mut at = 1;
                assert_eq!(decode_list(&bytes, &mut at).as_ref(), Some(&list));
                assert_eq!(at, bytes.len());
                let mut skipped = 1;
                assert_eq!(skip_list(&bytes, &mut skipped), Some(()));
                assert_eq!(skipped, bytes.len());
            }
        }
    }

    #[test]
    fn varint_len_is_what_varint_writes() {
        for v in [
            0,
            1,
            127,
            128,
            16_383,
            16_384,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut out = Vec::new();
            varint(v, &mut out);
            assert_eq!(varint_len(v), out.len(), "{v}");
        }
    }

    #[test]
    fn growing_lists_encode_as_encode_list_does() {
        for docs in [1, 9, 100, 5000] {
            let all = lists(docs);
            let mut partition = Partition::new(docs as usize);
            // Interleaved as the build adds them: page by page, each page to
            // every list that holds it; list i is key i in the body.
            for doc in 0..docs {
                for (i, list) in all.iter().enumerate() {
                    if list.binary_search(&doc).is_ok() {
                        partition.add(((i as u64 + 1) << 8) | u64::from(BODY), doc);
                    }
                }
            }
            let tokens = partition.tokens();
            for token in tokens {
                let list = &all[(token.key >> 8) as usize - 1];
                let mut want = Vec::new();
                encode_entry(token.key, &[vec![], vec![], list.clone()], &mut want);
                let mut got = Vec::new();
                token.encode(&mut got);
                assert_eq!(got, want, "{docs} pages, {} in the list", list.len());
                assert_eq!(token.encoded_len(), want.len());
            }
        }
    }

    fn shard_of_lists(entries: &[(u64, Lists)]) -> Shard {
        let mut shard = Shard::default();
        for (key, lists) in entries {
            encode_entry(*key, lists, &mut shard.bytes);
            shard.tokens += 1;
        }
        shard
    }

    #[test]
    fn entries_decode_and_edits_equal_lists_edited_first() {
        let before = vec![
            (8u64 << 32, [vec![1], vec![], vec![1, 2, 3]]),
            (9u64 << 32, [vec![], vec![], (0..200).collect()]),
            (12u64 << 32, [vec![4], vec![4], vec![]]),
        ];
        let shard = shard_of_lists(&before);
        let keys: Vec<u64> = entries(&shard.bytes).map(|(k, _)| k).collect();
        assert_eq!(keys, [8 << 32, 9 << 32, 12 << 32]);
        for ((_, range), (_, lists)) in entries(&shard.bytes).zip(&before) {
            assert_eq!(decode_entry(&shard.bytes[range]).as_ref(), Some(lists));
        }
        let changes = [
            // A new token before the others.
            Change {
                key: 1 << 32,
                doc: 5,
                remove: 0,
                add: BODY,
            },
            // Page 2 leaves the body, page 1 the title (the token stays).
            Change {
                key: 8 << 32,
                doc: 2,
                remove: BODY,
                add: 0,
            },
            Change {
                key: 8 << 32,
                doc: 1,
                remove: TITLE,
                add: 0,
            },
            // Page 4 leaves the only lists of its token: it goes.
            Change {
                key: 12 << 32,
                doc: 4,
                remove: TITLE | SUMMARY,
                add: 0,
            },
            // Page 7 moves from the body to the title, then back.
            Change {
                key: 9 << 32,
                doc: 7,
                remove: BODY,
                add: TITLE,
            },
        ];
        let mut sorted = changes.to_vec();
        sorted.sort_by_key(|c| c.key);
        sorted.push(Change {
            key: 9 << 32,
            doc: 7,
            remove: TITLE,
            add: BODY,
        });
        sorted.sort_by_key(|c| c.key);
        let edited = edit_shard(&shard, &sorted);
        let after = vec![
            (1u64 << 32, [vec![], vec![], vec![5]]),
            (8u64 << 32, [vec![], vec![], vec![1, 3]]),
            (9u64 << 32, [vec![], vec![], (0..200).collect()]),
        ];
        assert_eq!(edited, shard_of_lists(&after));
    }

    #[test]
    fn resharding_keeps_every_entry_sorted_in_its_shard() {
        let entries_at = |count: usize| -> Vec<Shard> {
            let mut by_shard: Vec<Vec<(u64, Lists)>> = vec![Vec::new(); count];
            for k in 0..50u64 {
                let key = (k.wrapping_mul(0x9E37_79B9_7F4A_7C15)) & !FIELD_BITS;
                by_shard[shard_of(key, count)].push((key, [vec![k as u32], vec![], vec![]]));
            }
            by_shard
                .iter_mut()
                .map(|e| {
                    e.sort_by_key(|(k, _)| *k);
                    shard_of_lists(e)
                })
                .collect()
        };
        for (from, to) in [(1, 4), (4, 1), (8, 2), (2, 16)] {
            assert_eq!(
                reshard(&entries_at(from), to),
                entries_at(to),
                "{from} → {to}"
            );
        }
    }
}
