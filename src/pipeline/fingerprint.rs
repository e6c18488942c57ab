//! Fingerprints of what pages read, to tell which pages an edit touched.
//!
//! Each [`Dep`] a page recorded has a fingerprint computed from the linked
//! site; a page is rendered again when one of its deps' fingerprints differs
//! from the one its output was written with. Items are numbered densely
//! (session-stable uids), so per-item fingerprints live in vectors.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::link::{Dep, Links, Site, Taxonomy};
use crate::load::Asset;
use crate::model::Kind;

/// The hash of an output's bytes, the same as the output manifest's (so a
/// page is hashed once for both).
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    crate::write::output::hash_bytes(bytes)
}

pub fn combine(parts: &[u64]) -> u64 {
    let mut h = DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

pub fn of_asset(asset: &Asset) -> u64 {
    let mut h = DefaultHasher::new();
    (&asset.path, asset.size, asset.modified).hash(&mut h);
    h.finish()
}

#[derive(Default)]
pub struct Fingerprints {
    /// By uid; None where no item has that uid now.
    items: Vec<Option<u64>>,
    links: Vec<Option<u64>>,
    kinds: BTreeMap<Kind, u64>,
    taxonomies: BTreeMap<Taxonomy, u64>,
    organization_directory: u64,
    assets: u64,
    /// Of the settings, the interface strings, the templates and the plan.
    whole: Whole,
}

/// The fingerprints of what every output reads as one thing.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
pub struct Whole {
    pub settings: u64,
    pub strings: u64,
    pub templates: u64,
    pub plan: u64,
}

/// What differs between two fingerprints.
pub struct Changes {
    items: Vec<bool>,
    links: Vec<bool>,
    kinds: Vec<Kind>,
    taxonomies: Vec<Taxonomy>,
    organization_directory: bool,
    assets: bool,
    /// Settings, Strings, Templates, Plan: those that differ.
    whole: Vec<Dep>,
}

impl Changes {
    /// Every dep that reads differently, in order.
    pub fn deps(&self) -> Vec<Dep> {
        let uid = |u: usize| u32::try_from(u).unwrap_or(u32::MAX);
        let mut deps: Vec<Dep> = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, c)| **c)
            .map(|(u, _)| Dep::Item(uid(u)))
            .collect();
        deps.extend(
            self.links
                .iter()
                .enumerate()
                .filter(|(_, c)| **c)
                .map(|(u, _)| Dep::Links(uid(u))),
        );
        deps.extend(self.kinds.iter().map(|k| Dep::Kind(*k)));
        deps.extend(self.taxonomies.iter().map(|t| Dep::Taxonomy(*t)));
        if self.organization_directory {
            deps.push(Dep::OrganizationDirectory);
        }
        if self.assets {
            deps.push(Dep::Assets);
        }
        deps.extend(self.whole.iter().copied());
        deps.sort_unstable();
        deps.dedup();
        deps
    }

    /// Whether `dep` reads differently.
    pub fn contains(&self, dep: Dep) -> bool {
        let per_uid = |list: &[bool], uid: u32| list.get(uid as usize).copied().unwrap_or(true);
        match dep {
            Dep::Item(u) => per_uid(&self.items, u),
            Dep::Links(u) => per_uid(&self.links, u),
            Dep::Kind(k) => self.kinds.contains(&k),
            Dep::Taxonomy(t) => self.taxonomies.contains(&t),
            Dep::OrganizationDirectory => self.organization_directory,
            Dep::Assets => self.assets,
            Dep::Settings | Dep::Strings | Dep::Templates | Dep::Plan => self.whole.contains(&dep),
        }
    }

    /// Whether everything in `deps` reads as it did.
    pub fn none_of(&self, deps: &[Dep]) -> bool {
        !deps.iter().any(|d| self.contains(*d))
    }
}

impl Fingerprints {
    /// `item_fps` holds the fingerprint of each item of `site`, in its order.
    pub fn of(site: &Site, item_fps: &[u64], whole: Whole) -> Fingerprints {
        let size = site.uids.iter().max().map_or(0, |m| *m as usize + 1);
        let mut items = vec![None; size];
        let mut links = vec![None; size];
        for (i, &uid) in site.uids.iter().enumerate() {
            items[uid as usize] = Some(item_fps[i]);
            links[uid as usize] = Some(links_fingerprint(&site.links[i], &site.uids));
        }
        let ids = |list: &[usize], h: &mut DefaultHasher| {
            list.len().hash(h);
            list.iter().for_each(|&i| site.uids[i].hash(h));
        };
        let kinds = site
            .by_kind
            .iter()
            .map(|(k, list)| {
                let mut h = DefaultHasher::new();
                ids(list, &mut h);
                (*k, h.finish())
            })
            .collect();
        let mut taxonomies = BTreeMap::new();
        for taxonomy in Taxonomy::ALL {
            let mut h = DefaultHasher::new();
            for (term, list) in taxonomy.terms(site) {
                term.hash(&mut h);
                ids(list, &mut h);
            }
            taxonomies.insert(taxonomy, h.finish());
        }
        let mut h = DefaultHasher::new();
        ids(&site.organizations_by_station, &mut h);
        let organization_directory = h.finish();
        let mut h = DefaultHasher::new();
        site.assets.iter().for_each(|a| of_asset(a).hash(&mut h));
        Fingerprints {
            items,
            links,
            kinds,
            taxonomies,
            organization_directory,
            assets: h.finish(),
            whole,
        }
    }

    /// The fingerprint of the plan (the output's list of pages).
    pub fn plan(&self) -> u64 {
        self.whole.plan
    }

    /// What reads differently now than in `old`.
    pub fn diff(&self, old: &Fingerprints) -> Changes {
        let per_uid = |new: &[Option<u64>], old: &[Option<u64>]| -> Vec<bool> {
            (0..new.len().max(old.len()))
                .map(|u| new.get(u).copied().flatten() != old.get(u).copied().flatten())
                .collect()
        };
        Changes {
            items: per_uid(&self.items, &old.items),
            links: per_uid(&self.links, &old.links),
            kinds: self
                .kinds
                .keys()
                .chain(old.kinds.keys())
                .filter(|k| self.kinds.get(k) != old.kinds.get(k))
                .copied()
                .collect(),
            taxonomies: self
                .taxonomies
                .keys()
                .chain(old.taxonomies.keys())
                .filter(|t| self.taxonomies.get(t) != old.taxonomies.get(t))
                .copied()
                .collect(),
            organization_directory: self.organization_directory != old.organization_directory,
            assets: self.assets != old.assets,
            whole: [
                (Dep::Settings, self.whole.settings != old.whole.settings),
                (Dep::Strings, self.whole.strings != old.whole.strings),
                (Dep::Templates, self.whole.templates != old.whole.templates),
                (Dep::Plan, self.whole.plan != old.whole.plan),
            ]
            .into_iter()
            .filter(|(_, changed)| *changed)
            .map(|(dep, _)| dep)
            .collect(),
        }
    }
}

/// A fingerprint of an item's relations, by the uids they point to.
fn links_fingerprint(l: &Links, uids: &[u32]) -> u64 {
    let mut h = DefaultHasher::new();
    let mut list = |items: &[usize]| {
        items.len().hash(&mut h);
        items.iter().for_each(|&i| uids[i].hash(&mut h));
    };
    for one in [l.station, l.mentor, l.course, l.prev, l.next] {
        list(one.as_slice());
    }
    for many in [
        &l.services,
        &l.organizations,
        &l.projects,
        &l.reports,
        &l.stations,
        &l.news,
        &l.mentees,
        &l.lessons,
        &l.prerequisites,
        &l.required_by,
    ] {
        list(many);
    }
    h.finish()
}
