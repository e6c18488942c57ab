//! What each output was made from, and which outputs a change selects.
//!
//! Every output (a page, a content job's files, a search entry, the sitemap,
//! robots.txt) is made from a [`crate::link::Reads`], which records each
//! [`Dep`] it handed out. The [`DepIndex`] keeps those records, indexed both
//! ways: by output, and by what was read, so that the few outputs an edit
//! touches are found without looking at every output. [`select`] is the one
//! decision of what to make again.

use std::collections::{HashMap, HashSet};

use crate::link::Dep;
use crate::write::ContentKey;

/// One output, named so that it stays the same when items come and go.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutputKey {
    /// A page, by its path in the output.
    Page(String),
    /// The files of a content job (calendars, CSV, open data, feeds).
    Content(ContentKey),
    /// An item's entry in the search index, by uid.
    Search(u32),
    /// The search index as a whole: its list of pages, kind names and
    /// categories (made afresh when they change).
    SearchIndex,
    Sitemap,
    Robots,
}

/// What one output was made from and what it wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    /// Sorted, without repeats.
    pub deps: Vec<Dep>,
    /// Each file written (path in the output) and a hash of its bytes.
    pub files: Vec<(String, u64)>,
}

#[derive(Default)]
pub struct DepIndex {
    /// By slot; a removed output leaves its slot empty.
    records: Vec<Option<(OutputKey, Record)>>,
    slot_of: HashMap<OutputKey, u32>,
    /// The paths of the pages recorded, to look one up without a key.
    pages: HashSet<String>,
    /// For each dep, the slots whose output read it. May hold stale slots
    /// (an output made again may read other things); [`select`] checks
    /// each against its record.
    readers: HashMap<Dep, Vec<u32>>,
}

impl DepIndex {
    /// Records (or replaces) what `key` was made from.
    pub fn set(&mut self, key: OutputKey, record: Record) {
        let slot = match self.slot_of.get(&key) {
            Some(&slot) => slot,
            None => {
                let slot = u32::try_from(self.records.len()).unwrap_or(u32::MAX);
                if let OutputKey::Page(path) = &key {
                    self.pages.insert(path.clone());
                }
                self.records.push(None);
                self.slot_of.insert(key.clone(), slot);
                slot
            }
        };
        let old = self.records[slot as usize]
            .take()
            .map(|(_, r)| r.deps)
            .unwrap_or_default();
        for dep in &record.deps {
            if old.binary_search(dep).is_err() {
                self.readers.entry(*dep).or_default().push(slot);
            }
        }
        self.records[slot as usize] = Some((key, record));
    }

    pub fn remove(&mut self, key: &OutputKey) -> Option<Record> {
        let slot = self.slot_of.remove(key)?;
        if let OutputKey::Page(path) = key {
            self.pages.remove(path);
        }
        self.records[slot as usize].take().map(|(_, r)| r)
    }

    pub fn get(&self, key: &OutputKey) -> Option<&Record> {
        let slot = *self.slot_of.get(key)?;
        self.records[slot as usize].as_ref().map(|(_, r)| r)
    }

    pub fn contains(&self, key: &OutputKey) -> bool {
        self.slot_of.contains_key(key)
    }

    /// Whether the page at `path` is recorded.
    pub fn has_page(&self, path: &str) -> bool {
        self.pages.contains(path)
    }

    pub fn len(&self) -> usize {
        self.slot_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slot_of.is_empty()
    }

    /// Every output recorded.
    pub fn keys(&self) -> impl Iterator<Item = &OutputKey> {
        self.slot_of.keys()
    }
}

/// The outputs that read something in `changed` (a list of the deps whose
/// fingerprints differ). Outputs not recorded at all (new ones) are not in
/// it: the caller makes every output it has no record of.
pub fn select<'a>(index: &'a DepIndex, changed: &[Dep]) -> HashSet<&'a OutputKey> {
    let mut selected = HashSet::new();
    for dep in changed {
        for &slot in index.readers.get(dep).map_or(&[][..], Vec::as_slice) {
            if let Some((key, record)) = &index.records[slot as usize] {
                if record.deps.binary_search(dep).is_ok() {
                    selected.insert(key);
                }
            }
        }
    }
    selected
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;

    fn page(path: &str) -> OutputKey {
        OutputKey::Page(path.to_string())
    }

    fn record(deps: &[Dep]) -> Record {
        let mut deps = deps.to_vec();
        deps.sort_unstable();
        Record {
            deps,
            files: Vec::new(),
        }
    }

    fn selected(index: &DepIndex, changed: &[Dep]) -> Vec<OutputKey> {
        let mut keys: Vec<OutputKey> = select(index, changed).into_iter().cloned().collect();
        keys.sort();
        keys
    }

    #[test]
    fn a_change_selects_exactly_the_outputs_that_read_it() {
        let mut index = DepIndex::default();
        index.set(page("a/"), record(&[Dep::Item(1), Dep::Templates]));
        index.set(page("b/"), record(&[Dep::Item(2), Dep::Links(1)]));
        index.set(OutputKey::Search(1), record(&[Dep::Item(1)]));
        index.set(
            OutputKey::Sitemap,
            record(&[Dep::Plan, Dep::Kind(Kind::News)]),
        );
        assert_eq!(
            selected(&index, &[Dep::Item(1)]),
            [page("a/"), OutputKey::Search(1)]
        );
        assert_eq!(selected(&index, &[Dep::Links(1)]), [page("b/")]);
        assert_eq!(
            selected(&index, &[Dep::Plan, Dep::Templates]),
            [page("a/"), OutputKey::Sitemap]
        );
        assert!(selected(&index, &[Dep::Item(3), Dep::Assets]).is_empty());
        assert!(selected(&index, &[]).is_empty());
    }

    #[test]
    fn an_output_made_again_is_selected_by_what_it_reads_now() {
        let mut index = DepIndex::default();
        index.set(page("a/"), record(&[Dep::Item(1)]));
        // Made again, it no longer reads item 1 but reads item 2.
        index.set(page("a/"), record(&[Dep::Item(2)]));
        assert!(selected(&index, &[Dep::Item(1)]).is_empty());
        assert_eq!(selected(&index, &[Dep::Item(2)]), [page("a/")]);
        // Back to item 1: found again, and only once.
        index.set(page("a/"), record(&[Dep::Item(1)]));
        assert_eq!(
            select(&index, &[Dep::Item(1), Dep::Item(1)]).len(),
            1,
            "one output is selected once"
        );
    }

    #[test]
    fn a_removed_output_is_never_selected() {
        let mut index = DepIndex::default();
        index.set(page("a/"), record(&[Dep::Item(1)]));
        index.set(page("b/"), record(&[Dep::Item(1)]));
        assert!(index.remove(&page("a/")).is_some());
        assert_eq!(selected(&index, &[Dep::Item(1)]), [page("b/")]);
        assert!(!index.contains(&page("a/")));
        assert!(!index.has_page("a/") && index.has_page("b/"));
        assert_eq!(index.len(), 1);
        // Recorded again after removal, it is selected again.
        index.set(page("a/"), record(&[Dep::Item(1)]));
        assert_eq!(selected(&index, &[Dep::Item(1)]), [page("a/"), page("b/")]);
    }
}
