//! What templates see: items as serialisable views with URLs and relations.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Serialize;
use tera::Value;

use crate::images::ImageView;
use crate::link::{Dep, Reads, Site};
use crate::markdown::TocEntry;
use crate::model::config::Config;
use crate::model::{Data, Date, Kind};

/// A title with its link.
#[derive(Serialize, Clone)]
pub struct LinkView<'a> {
    pub title: &'a str,
    pub url: String,
}

/// An item as shown in a list: enough to write a line or a card.
#[derive(Serialize)]
pub struct Card<'a> {
    pub kind: Kind,
    pub id: &'a str,
    pub key: &'a str,
    pub title: &'a str,
    pub summary: String,
    pub url: String,
    pub date: Option<Date>,
    pub weight: Option<i64>,
    pub fields: &'a Data,
    pub station: Option<LinkView<'a>>,
    /// The address of the cover (a photo's middle-sized variant).
    pub cover: Option<String>,
}

#[derive(Serialize)]
pub struct TagView<'a> {
    pub name: &'a str,
    pub url: String,
}

/// The item a page is about, in full: its card and what only its own page
/// shows.
#[derive(Serialize)]
pub struct PageView<'a> {
    #[serde(flatten)]
    pub card: Card<'a>,
    #[serde(flatten)]
    pub own: PageOwn<'a>,
}

/// Whether a page view carries the QR code of the item's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qr {
    /// On the item's own page (stations and services; the code takes
    /// some 12 µs to make).
    Shown,
    /// On another page that shows the item in full and has a code of its
    /// own: a station's printable menu (`menu_qr`).
    Left,
}

/// What a page shows of its item beyond the item's card.
#[derive(Serialize)]
pub struct PageOwn<'a> {
    pub description: String,
    pub permalink: String,
    pub updated: Option<Date>,
    pub tags: Vec<TagView<'a>>,
    pub content: &'a str,
    pub toc: &'a [TocEntry],
    pub source: String,
    /// A QR code (inline SVG) of the page's address, on the pages people
    /// pass on or pin up: stations and services.
    pub qr: Option<String>,
    /// The cover as a responsive image, with its text alternative.
    pub cover_image: Option<ImageView>,
    pub cover_alt: &'a str,
    pub gallery: Vec<PhotoView<'a>>,
}

/// A photo of a gallery.
#[derive(Serialize)]
pub struct PhotoView<'a> {
    #[serde(flatten)]
    pub image: ImageView,
    pub caption: &'a str,
    pub alt: &'a str,
}

/// A group of links under a heading (a station's services on the services page).
#[derive(Serialize)]
pub struct LinkGroup<'a> {
    pub name: &'a str,
    pub url: String,
    pub count: usize,
    pub items: Vec<LinkView<'a>>,
}

/// A group of cards under a heading (a category, a station, a level).
#[derive(Serialize)]
pub struct Group {
    pub name: String,
    pub url: Option<String>,
    pub items: Vec<Value>,
}

/// Cuts text to about `max` characters at a sentence or word end.
pub fn excerpt(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let at = cut
        .rfind(['。', '；', '！', '？'])
        .map(|i| i + '。'.len_utf8());
    match at {
        Some(i) if i > cut.len() / 2 => cut[..i].to_string(),
        _ => format!("{}…", cut.trim_end()),
    }
}

/// A slug for a vocabulary term or tag in a URL: letters (Chinese included)
/// and digits kept, everything else a dash. Never contains `/` or `..`.
pub fn term_slug(term: &str) -> String {
    let mut out = String::new();
    for c in term.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "term".to_string()
    } else {
        out
    }
}

/// Each item's card as a template value, made once per render pass and
/// shared by every page that lists the item (tera values are reference
/// counted, so a page holds a clone, not a copy), with what it read.
pub struct CardCache(Vec<OnceLock<(Value, Vec<Dep>)>>);

impl CardCache {
    /// An empty cache for a site of `items` items.
    pub fn new(items: usize) -> Self {
        CardCache((0..items).map(|_| OnceLock::new()).collect())
    }
}

/// The site as templates see it: cards, links and page views made from a
/// [`Reads`], so every read is recorded.
pub struct Views<'a> {
    reads: Reads<'a>,
    /// Read once: nearly every view needs it for its URLs.
    config: &'a Config,
    cards: Option<&'a CardCache>,
}

impl<'a> std::ops::Deref for Views<'a> {
    type Target = Reads<'a>;
    fn deref(&self) -> &Reads<'a> {
        &self.reads
    }
}

impl<'a> Views<'a> {
    /// Views whose cards come from (and go into) `cards`.
    pub fn with_cards(
        site: &'a Site,
        strings: &'a BTreeMap<String, String>,
        cards: &'a CardCache,
    ) -> Self {
        Self::of(Reads::new(site, strings), Some(cards))
    }

    fn of(reads: Reads<'a>, cards: Option<&'a CardCache>) -> Self {
        let config = reads.config();
        Views {
            reads,
            config,
            cards,
        }
    }

    /// The settings (recorded when the views were made).
    pub fn settings(&self) -> &'a Config {
        self.config
    }

    /// What the page read, sorted and without repeats.
    pub fn into_deps(self) -> Vec<Dep> {
        self.reads.into_deps()
    }

    pub fn url(&self, i: usize) -> String {
        self.config.link(&self.item(i).site_path)
    }

    pub fn link(&self, i: usize) -> LinkView<'a> {
        LinkView {
            title: &self.item(i).meta.title,
            url: self.url(i),
        }
    }

    pub fn summary(&self, i: usize) -> String {
        match &self.item(i).meta.summary {
            Some(s) => s.clone(),
            None => excerpt(&self.body(i).first_paragraph, 90),
        }
    }

    pub fn card(&self, i: usize) -> Card<'a> {
        let item = self.item(i);
        Card {
            kind: item.kind,
            id: &item.id,
            key: &item.key,
            title: &item.meta.title,
            summary: self.summary(i),
            url: self.url(i),
            date: item.meta.date,
            weight: item.meta.weight,
            fields: &item.data,
            station: self.links_of(i).station.map(|s| self.link(s)),
            cover: item
                .meta
                .cover
                .as_ref()
                .and_then(|c| c.path.as_ref())
                .map(|p| match self.image_view(p) {
                    Some(view) => view.src,
                    None => self.config.link(p),
                }),
        }
    }

    /// The responsive image of the photo at content path `path`.
    pub fn image_view(&self, path: &str) -> Option<ImageView> {
        let info = self.image(path)?;
        Some(info.view(path, |p| self.config.link(p)))
    }

    /// Item `i`'s card as a template value: from the cache, recording what
    /// making it read.
    pub fn card_value(&self, i: usize) -> Value {
        let Some(cache) = self.cards.and_then(|c| c.0.get(i)) else {
            return Value::from_serializable(&self.card(i));
        };
        let (value, deps) = cache.get_or_init(|| {
            let own = Views::of(self.shared().reads(), None);
            let value = Value::from_serializable(&own.card(i));
            (value, own.into_deps())
        });
        self.record_all(deps);
        value.clone()
    }

    pub fn cards(&self, list: &[usize]) -> Vec<Value> {
        list.iter().map(|&i| self.card_value(i)).collect()
    }

    pub fn links(&self, list: &[usize]) -> Vec<LinkView<'a>> {
        list.iter().map(|&i| self.link(i)).collect()
    }

    pub fn tag_url(&self, tag: &str) -> String {
        self.config.link(&format!("tags/{}/", term_slug(tag)))
    }

    pub fn page(&self, i: usize) -> PageView<'a> {
        PageView {
            card: self.card(i),
            own: self.page_own(i, Qr::Shown),
        }
    }

    /// [`Views::page`] as a template value, the card taken from the cache:
    /// an item's fields (a service's sessions, say) are turned into a value
    /// once for the lists the item is in and its own page.
    pub fn page_value(&self, i: usize, qr: Qr) -> Value {
        let card = self.card_value(i);
        let own = Value::from_serializable(&self.page_own(i, qr));
        let mut map = card.as_map().cloned().unwrap_or_default();
        if let Some(own) = own.as_map() {
            map.extend(own.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Value::from(map)
    }

    fn page_own(&self, i: usize, qr: Qr) -> PageOwn<'a> {
        let item = self.item(i);
        let body = self.body(i);
        let permalink = self.config.absolute_url(&item.site_path);
        // Only a full address is of use to a phone that scans the code.
        let wants_qr = qr == Qr::Shown
            && matches!(item.kind, Kind::Station | Kind::Service)
            && permalink.starts_with("http");
        PageOwn {
            description: excerpt(
                item.meta
                    .summary
                    .as_deref()
                    .unwrap_or(&body.first_paragraph),
                120,
            ),
            permalink: permalink.clone(),
            updated: item.meta.updated,
            tags: item
                .meta
                .tags
                .iter()
                .map(|t| TagView {
                    name: t,
                    url: self.tag_url(t),
                })
                .collect(),
            content: &body.html,
            toc: &body.toc,
            source: format!("content/{}", item.doc.path),
            qr: wants_qr
                .then(|| super::qr::svg(&permalink, &item.meta.title))
                .filter(|svg| !svg.is_empty()),
            cover_image: item
                .meta
                .cover
                .as_ref()
                .and_then(|c| c.path.as_deref())
                .and_then(|p| self.image_view(p)),
            cover_alt: item.meta.cover_alt.as_deref().unwrap_or(""),
            gallery: item
                .meta
                .gallery
                .iter()
                .filter_map(|photo| {
                    let image = self.image_view(photo.file.path.as_deref()?)?;
                    Some(PhotoView {
                        image,
                        caption: photo.caption.as_deref().unwrap_or(""),
                        alt: photo.alt.as_deref().unwrap_or(""),
                    })
                })
                .collect(),
        }
    }

    /// A station's services grouped by category, in menu order.
    pub fn by_category(&self, services: &[usize]) -> Vec<Group> {
        let mut groups: Vec<Group> = Vec::new();
        for &s in services {
            let category = self.item(s).service().map_or("", |x| x.category.as_str());
            match groups.last_mut() {
                Some(g) if g.name == category => g.items.push(self.card_value(s)),
                _ => groups.push(Group {
                    name: category.to_string(),
                    url: Some(
                        self.config
                            .link(&format!("categories/{}/", term_slug(category))),
                    ),
                    items: vec![self.card_value(s)],
                }),
            }
        }
        groups
    }

    pub fn kind_count(&self, kind: Kind) -> usize {
        self.of_kind(kind).len()
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_end_at_a_sentence() {
        assert_eq!(excerpt("短句。", 10), "短句。");
        let long = "第一句话比较长一些。第二句话也不短，还要继续写下去。";
        assert_eq!(excerpt(long, 15), "第一句话比较长一些。");
    }

    #[test]
    fn slugs_keep_chinese_and_never_make_paths() {
        assert_eq!(term_slug("助老服务"), "助老服务");
        assert_eq!(term_slug("../etc/passwd"), "etc-passwd");
        assert_eq!(term_slug("A4 纸"), "a4-纸");
        assert_eq!(term_slug("///"), "term");
    }
}
