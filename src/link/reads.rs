//! The one way an output reads the linked site: a [`Reads`] hands out items,
//! bodies, relations, lists, settings and interface strings, and records a
//! [`Dep`] for each thing it handed out. Pages, calendars, open data, feeds,
//! the sitemap and search entries are all made from a `Reads`, so what an
//! output was made from is known without anyone listing it by hand; the
//! build driver keeps those records and, after an edit, makes again exactly
//! the outputs that read something that changed.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::{Links, Site};
use crate::load::Asset;
use crate::markdown::Body;
use crate::model::config::Config;
use crate::model::{Item, Kind};

/// The directories of services and tagged items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Taxonomy {
    Categories,
    Audiences,
    Tags,
}

impl Taxonomy {
    pub const ALL: [Taxonomy; 3] = [Taxonomy::Categories, Taxonomy::Audiences, Taxonomy::Tags];
    pub fn folder(self) -> &'static str {
        match self {
            Taxonomy::Categories => "categories",
            Taxonomy::Audiences => "audiences",
            Taxonomy::Tags => "tags",
        }
    }
    pub fn terms(self, site: &Site) -> &[(String, Vec<usize>)] {
        match self {
            Taxonomy::Categories => &site.by_category,
            Taxonomy::Audiences => &site.by_audience,
            Taxonomy::Tags => &site.by_tag,
        }
    }
}

/// One thing an output can read. Each has a fingerprint (made by the build
/// driver from the site, the theme and the plan); an output is made again
/// when the fingerprint of something it read differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dep {
    /// An item's own fields, address and rendered body (by its
    /// session-stable number).
    Item(u32),
    /// An item's relations (its services, organizations, mentor, lessons ...).
    Links(u32),
    /// Which items of a kind exist, in display order.
    Kind(Kind),
    /// The terms of a directory and their members.
    Taxonomy(Taxonomy),
    /// The organizations' directory: which, and in what order.
    OrganizationDirectory,
    /// The files beside the pages (their sizes are shown).
    Assets,
    /// The settings (site.yaml and the command line's overrides).
    Settings,
    /// The theme's interface strings.
    Strings,
    /// The theme's templates, all of them: a template can include, import
    /// or extend any other, and a tera component defined in one is callable
    /// from every other, so a page rendered through the engine reads them all.
    Templates,
    /// The list of files the site will have (the sitemap lists it).
    Plan,
}

/// A recording view of the site for one output.
pub struct Reads<'a> {
    site: &'a Site,
    strings: &'a BTreeMap<String, String>,
    deps: RefCell<Vec<Dep>>,
}

impl<'a> Reads<'a> {
    pub fn new(site: &'a Site, strings: &'a BTreeMap<String, String>) -> Self {
        Reads {
            site,
            strings,
            deps: RefCell::new(if site.record_reads {
                Vec::with_capacity(16)
            } else {
                Vec::new()
            }),
        }
    }

    /// Records a read made some other way (the engine's templates and the
    /// values every page sees).
    pub fn record(&self, dep: Dep) {
        if self.site.record_reads {
            self.deps.borrow_mut().push(dep);
        }
    }

    /// Records reads made on another `Reads`, e.g. a cached entry's.
    pub fn record_all(&self, deps: &[Dep]) {
        if self.site.record_reads {
            self.deps.borrow_mut().extend_from_slice(deps);
        }
    }

    /// Whether reads are recorded: false in a one-off build, which has no
    /// updates to come (nor should it keep anything for them).
    pub fn recording(&self) -> bool {
        self.site.record_reads
    }

    /// What was read, sorted and without repeats.
    pub fn into_deps(self) -> Vec<Dep> {
        let mut deps = self.deps.into_inner();
        deps.sort_unstable();
        deps.dedup();
        deps
    }

    /// A handle that makes more recorders on the same site, for work split
    /// across threads (a recorder itself stays on one).
    pub fn shared(&self) -> Shared<'a> {
        Shared {
            site: self.site,
            strings: self.strings,
        }
    }

    /// The session-stable number of item `i`: its identity, not its content.
    pub fn uid(&self, i: usize) -> u32 {
        self.site.uids[i]
    }

    pub fn item(&self, i: usize) -> &'a Item {
        self.record(Dep::Item(self.site.uids[i]));
        &self.site.items[i]
    }

    /// Item `i`'s rendered body (part of what the item reads as).
    pub fn body(&self, i: usize) -> &'a Body {
        self.record(Dep::Item(self.site.uids[i]));
        &self.site.bodies[i]
    }

    pub fn links_of(&self, i: usize) -> &'a Links {
        self.record(Dep::Links(self.site.uids[i]));
        &self.site.links[i]
    }

    pub fn of_kind(&self, kind: Kind) -> &'a [usize] {
        self.record(Dep::Kind(kind));
        self.site.of_kind(kind)
    }

    pub fn terms(&self, taxonomy: Taxonomy) -> &'a [(String, Vec<usize>)] {
        self.record(Dep::Taxonomy(taxonomy));
        taxonomy.terms(self.site)
    }

    /// Organizations as their directory lists them: each station's, in
    /// station order, then those of no station.
    pub fn organizations_by_station(&self) -> &'a [usize] {
        self.record(Dep::OrganizationDirectory);
        &self.site.organizations_by_station
    }

    pub fn assets(&self) -> &'a [Asset] {
        self.record(Dep::Assets);
        &self.site.assets
    }

    pub fn asset_size(&self, path: &str) -> u64 {
        self.assets()
            .iter()
            .find(|a| a.path == path)
            .map_or(0, |a| a.size)
    }

    /// The processed photo at content path `path`, if it is one (part of
    /// what the assets read as).
    pub fn image(&self, path: &str) -> Option<&'a crate::images::ImageInfo> {
        let assets = self.assets();
        // Assets are in walk order; a site made some other way is searched.
        let at = assets
            .binary_search_by(|a| a.path.split('/').cmp(path.split('/')))
            .ok()
            .or_else(|| assets.iter().position(|a| a.path == path))?;
        assets[at].image.as_deref()
    }

    /// Where the file at content path `path` is published: a photo as its
    /// largest variant, any other file as it is.
    pub fn published_file(&self, path: &str) -> String {
        match self.image(path) {
            Some(info) => info.largest(path),
            None => path.to_string(),
        }
    }

    pub fn config(&self) -> &'a Config {
        self.record(Dep::Settings);
        &self.site.config
    }

    pub fn strings(&self) -> &'a BTreeMap<String, String> {
        self.record(Dep::Strings);
        self.strings
    }
}

/// Makes recorders on one site from any thread; reads nothing itself.
#[derive(Clone, Copy)]
pub struct Shared<'a> {
    site: &'a Site,
    strings: &'a BTreeMap<String, String>,
}

impl<'a> Shared<'a> {
    pub fn reads(&self) -> Reads<'a> {
        Reads::new(self.site, self.strings)
    }
}
