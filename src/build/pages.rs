//! The pages in the output folder and what each was made from, indexed both
//! ways: by page, and by what was read (so that the few pages an edit touches
//! are found without looking at every page).

use std::collections::{HashMap, HashSet};

use super::fingerprint::Changes;
use crate::render::Dep;

/// What one written page was made from.
pub struct PageRecord {
    /// Sorted, without repeats.
    pub deps: Vec<Dep>,
    pub template: &'static str,
}

#[derive(Default)]
pub struct PageIndex {
    /// By slot; a removed page leaves its slot empty.
    records: Vec<Option<(String, PageRecord)>>,
    slot_of: HashMap<String, usize>,
    /// For each dep, the slots whose page read it. May hold stale slots (a
    /// page rendered again reads other things); they are checked on use.
    readers: HashMap<Dep, Vec<u32>>,
    /// The output paths of the last plan, in order, and where each one is in
    /// it: when a new plan is the same, nothing was added or removed.
    plan: Vec<String>,
    position: HashMap<String, usize>,
}

impl PageIndex {
    /// Records (or replaces) what the page at `path` was made from.
    pub fn set(&mut self, path: String, record: PageRecord) {
        let slot = match self.slot_of.get(&path) {
            Some(&slot) => slot,
            None => {
                self.records.push(None);
                let slot = self.records.len() - 1;
                self.slot_of.insert(path.clone(), slot);
                slot
            }
        };
        let slot_id = u32::try_from(slot).unwrap_or(u32::MAX);
        let old: HashSet<Dep> = self.records[slot]
            .as_ref()
            .map(|(_, r)| r.deps.iter().copied().collect())
            .unwrap_or_default();
        for dep in &record.deps {
            if !old.contains(dep) {
                self.readers.entry(*dep).or_default().push(slot_id);
            }
        }
        self.records[slot] = Some((path, record));
    }

    pub fn remove(&mut self, path: &str) {
        if let Some(slot) = self.slot_of.remove(path) {
            self.records[slot] = None;
        }
    }

    /// Whether the last plan had exactly these paths in this order.
    pub fn same_plan<'a>(&self, paths: impl ExactSizeIterator<Item = &'a str>) -> bool {
        paths.len() == self.plan.len() && paths.zip(&self.plan).all(|(a, b)| a == b)
    }

    pub fn set_plan(&mut self, paths: Vec<String>) {
        self.position = paths
            .iter()
            .enumerate()
            .map(|(n, p)| (p.clone(), n))
            .collect();
        self.plan = paths;
    }

    /// Where `path` is in the last plan.
    pub fn position(&self, path: &str) -> Option<usize> {
        self.position.get(path).copied()
    }

    pub fn contains(&self, path: &str) -> bool {
        self.slot_of.contains_key(path)
    }

    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.slot_of.keys()
    }

    /// The pages that read something in `changes`.
    pub fn touched(&self, changes: &Changes) -> HashSet<&str> {
        let mut pages = HashSet::new();
        for dep in changes.deps() {
            for &slot in self.readers.get(&dep).map_or(&[][..], Vec::as_slice) {
                if let Some((path, record)) = &self.records[slot as usize] {
                    if record.deps.binary_search(&dep).is_ok() {
                        pages.insert(path.as_str());
                    }
                }
            }
        }
        pages
    }

    /// The pages whose template is one of `templates` (by name).
    pub fn using_templates(&self, mut touched: impl FnMut(&'static str) -> bool) -> HashSet<&str> {
        self.records
            .iter()
            .flatten()
            .filter(|(_, r)| touched(r.template))
            .map(|(p, _)| p.as_str())
            .collect()
    }
}
