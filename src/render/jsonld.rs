//! schema.org JSON-LD for the pages search engines and map apps read:
//! stations (a government office, with opening hours), services, community
//! organizations (NGO), courses and news articles.
//!
//! Written straight into bytes: built as `serde_json` values, it took some
//! 60,000 instructions a page, about 4% of a build. Every object's members
//! go in the byte order of their names, the order `serde_json`'s map gave
//! them, so pages keep the bytes earlier builds wrote.

use crate::escape;
use crate::link::Links;
use crate::model::config::Config;
use crate::model::{Course, Item, Kind, Organization, Service, Session, Station, Weekday};

use super::views::Views;

/// The JSON-LD of item `i`, ready to go inside `<script type="application/ld+json">`,
/// or None for kinds that have no fitting schema.org type.
pub fn of_item(v: &Views, i: usize) -> Option<String> {
    let item = v.item(i);
    let ty = match item.kind {
        Kind::Station => "GovernmentOffice",
        Kind::Service => "Service",
        Kind::Organization => "NGO",
        Kind::Course => "Course",
        Kind::News => "NewsArticle",
        _ => return None,
    };
    let config = v.settings();
    let url = config.absolute_url(&item.site_path);
    let page = Page {
        v,
        item,
        links: v.links_of(i),
        url: &url,
        id: format!("{url}#{}", ty.to_lowercase()),
        description: v.summary(i),
        // schema.org defines `keywords` for organizations, places and
        // creative works, not for a Service.
        keywords: (!item.meta.tags.is_empty() && item.kind != Kind::Service)
            .then(|| item.meta.tags.join(",")),
    };
    let mut out = Vec::with_capacity(1024);
    let mut o = Object::open(&mut out);
    o.str("@context", "https://schema.org");
    o.str("@id", &page.id);
    o.str("@type", ty);
    // An item without the data of its kind gets no JSON-LD rather than half.
    match item.kind {
        Kind::Station => station(&mut o, &page, item.station()?),
        Kind::Service => service(&mut o, &page, item.service()?),
        Kind::Organization => organization(&mut o, &page, item.organization()?),
        Kind::Course => course(&mut o, &page, item.course()?),
        _ => news(&mut o, &page),
    }
    o.close();
    Some(escape::script_json(simdutf8::basic::from_utf8(&out).ok()?))
}

/// What every kind's JSON-LD says of its page.
struct Page<'a> {
    v: &'a Views<'a>,
    item: &'a Item,
    links: &'a Links,
    url: &'a str,
    id: String,
    description: String,
    keywords: Option<String>,
}

impl Page<'_> {
    fn description(&self, o: &mut Object) {
        if !self.description.is_empty() {
            o.str("description", &self.description);
        }
    }

    fn keywords(&self, o: &mut Object) {
        if let Some(keywords) = &self.keywords {
            o.str("keywords", keywords);
        }
    }

    fn name(&self, o: &mut Object) {
        o.str("name", &self.item.meta.title);
    }
}

/// A JSON object being written into `out`, member by member.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    empty: bool,
}

impl<'a> Object<'a> {
    fn open(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Object { out, empty: true }
    }

    fn close(self) {
        self.out.push(b'}');
    }

    /// Starts the member `key`; its value is written next. Keys are names
    /// written in this file (schema.org's), never content: they are copied
    /// as they are, without a look for bytes to escape.
    fn key(&mut self, key: &'static str) -> &mut Vec<u8> {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    fn str(&mut self, key: &'static str, value: &str) {
        escape::push_json_string(self.key(key), value);
    }

    fn some(&mut self, key: &'static str, value: Option<&str>) {
        if let Some(value) = value {
            self.str(key, value);
        }
    }

    /// A member whose value is a number, or a string made by `Display`.
    fn number(&mut self, key: &'static str, value: impl std::fmt::Display) {
        use std::io::Write;
        let _ = write!(self.key(key), "{value}");
    }

    fn display(&mut self, key: &'static str, value: impl std::fmt::Display) {
        self.str(key, &value.to_string());
    }

    fn object(&mut self, key: &'static str, members: impl FnOnce(&mut Object)) {
        let mut inner = Object::open(self.key(key));
        members(&mut inner);
        inner.close();
    }

    /// An array of the values `item` writes, one per element of `items`.
    fn array<T>(
        &mut self,
        key: &'static str,
        items: impl IntoIterator<Item = T>,
        mut item: impl FnMut(&mut Vec<u8>, T),
    ) {
        let out = self.key(key);
        out.push(b'[');
        for (n, element) in items.into_iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            item(out, element);
        }
        out.push(b']');
    }

    fn strings(&mut self, key: &'static str, items: &[String]) {
        self.array(key, items, |out, s| escape::push_json_string(out, s));
    }

    /// Another item of the site as a named thing of schema.org type `ty`.
    fn named(&mut self, key: &'static str, v: &Views, ty: &str, i: usize) {
        self.object(key, |o| named(o, v, ty, i));
    }
}

fn named(o: &mut Object, v: &Views, ty: &str, i: usize) {
    let item = v.item(i);
    o.str("@type", ty);
    o.str("name", &item.meta.title);
    o.str("url", &v.settings().absolute_url(&item.site_path));
}

/// The site itself, as the provider of its courses and the publisher of its news.
fn site_organization(o: &mut Object, key: &'static str, config: &Config) {
    o.object(key, |o| {
        o.str("@type", "Organization");
        o.str("name", &config.title);
        o.str("url", &config.absolute_url(""));
    });
}

fn station(o: &mut Object, page: &Page, st: &Station) {
    if st.address.is_some() || st.community.is_some() {
        o.object("address", |a| {
            a.str("@type", "PostalAddress");
            a.str("addressCountry", "CN");
            a.some("addressLocality", st.street.as_deref());
            a.some("streetAddress", st.address.as_deref());
        });
    }
    if let Some(c) = &st.community {
        o.object("areaServed", |a| {
            a.str("@type", "AdministrativeArea");
            a.str("name", c);
        });
    }
    page.description(o);
    o.some("email", st.email.as_deref());
    if let Some(d) = st.established {
        o.display("foundingDate", d);
    }
    page.keywords(o);
    page.name(o);
    opening_hours(o, "openingHoursSpecification", &st.opening_hours);
    o.some("telephone", st.phone.as_deref());
    o.str("url", page.url);
}

fn service(o: &mut Object, page: &Page, s: &Service) {
    let v = page.v;
    if !s.audience.is_empty() {
        o.object("audience", |a| {
            a.str("@type", "Audience");
            a.str("audienceType", &s.audience.join("、"));
        });
    }
    o.object("availableChannel", |c| {
        c.str("@type", "ServiceChannel");
        if let Some(place) = &s.location {
            c.object("serviceLocation", |p| {
                p.str("@type", "Place");
                p.str("name", place);
            });
        }
        if let Some(phone) = &s.contact {
            c.object("servicePhone", |p| {
                p.str("@type", "ContactPoint");
                p.str("telephone", phone);
            });
        }
        c.str("serviceUrl", page.url);
    });
    page.description(o);
    opening_hours(o, "hoursAvailable", &s.schedule);
    page.name(o);
    // schema.org's `isAccessibleForFree` is not a property of Service: the
    // fee is an Offer, priced 0 when the station says it is free.
    if let Some(fee) = &s.fee {
        o.object("offers", |offer| {
            offer.str("@type", "Offer");
            offer.str("description", fee);
            if fee.contains("免费") {
                offer.number("price", 0);
                offer.str("priceCurrency", "CNY");
            }
        });
    }
    let providers = page.links.station.map(|st| ("GovernmentOffice", st));
    let providers: Vec<(&str, usize)> = providers
        .into_iter()
        .chain(page.links.organizations.iter().map(|&org| ("NGO", org)))
        .collect();
    if !providers.is_empty() {
        o.array("provider", providers, |out, (ty, i)| {
            let mut p = Object::open(out);
            named(&mut p, v, ty, i);
            p.close();
        });
    }
    o.str("serviceType", &s.category);
    o.some("termsOfService", s.eligibility.as_deref());
    o.str("url", page.url);
}

fn organization(o: &mut Object, page: &Page, org: &Organization) {
    let (v, links) = (page.v, page.links);
    page.description(o);
    if let Some(d) = org.founded {
        o.display("foundingDate", d);
    }
    page.keywords(o);
    if !org.focus.is_empty() {
        o.strings("knowsAbout", &org.focus);
    }
    if let Some(s) = links.station {
        o.named("location", v, "GovernmentOffice", s);
    }
    page.name(o);
    if let Some(n) = org.members {
        o.object("numberOfEmployees", |q| {
            q.str("@type", "QuantitativeValue");
            q.number("value", n);
        });
    }
    if let Some(m) = links.mentor {
        o.named("sponsor", v, "NGO", m);
    }
    o.str("url", page.url);
}

fn course(o: &mut Object, page: &Page, c: &Course) {
    let (v, config) = (page.v, page.v.settings());
    if !page.links.prerequisites.is_empty() {
        o.array(
            "coursePrerequisites",
            &page.links.prerequisites,
            |out, &p| {
                let mut named_course = Object::open(out);
                named(&mut named_course, v, "Course", p);
                named_course.close();
            },
        );
    }
    page.description(o);
    o.str("educationalLevel", &c.level);
    if let Some(format) = &c.format {
        let mode = match format.as_str() {
            "online" => "online",
            "offline" => "onsite",
            _ => "blended",
        };
        o.object("hasCourseInstance", |instance| {
            instance.str("@type", "CourseInstance");
            instance.str("courseMode", mode);
            if !c.trainers.is_empty() {
                instance.array("instructor", &c.trainers, |out, t| {
                    let mut person = Object::open(out);
                    person.str("@type", "Person");
                    person.str("name", t);
                    person.close();
                });
            }
        });
    }
    o.str("inLanguage", &config.language);
    page.keywords(o);
    page.name(o);
    site_organization(o, "provider", config);
    if !c.topics.is_empty() {
        o.strings("teaches", &c.topics);
    }
    if let Some(h) = c.hours {
        o.str("timeRequired", &format!("PT{}H", h.0));
    }
    o.str("url", page.url);
}

fn news(o: &mut Object, page: &Page) {
    let (v, item, config) = (page.v, page.item, page.v.settings());
    if let Some(s) = page.links.station {
        o.named("about", v, "GovernmentOffice", s);
    }
    site_organization(o, "author", config);
    if let Some(d) = item.last_changed() {
        o.display("dateModified", d);
    }
    if let Some(d) = item.meta.date {
        o.display("datePublished", d);
    }
    page.description(o);
    o.str("headline", &item.meta.title);
    if let Some(cover) = item.meta.cover.as_ref().and_then(|c| c.path.as_deref()) {
        o.str("image", &config.absolute_url(&v.published_file(cover)));
    }
    o.str("inLanguage", &config.language);
    page.keywords(o);
    o.str("mainEntityOfPage", page.url);
    site_organization(o, "publisher", config);
    o.str("url", page.url);
}

/// Weekly sessions as `OpeningHoursSpecification`s; one-off sessions as the
/// same with `validFrom`/`validThrough` that day. Nothing when there are none.
fn opening_hours(o: &mut Object, key: &'static str, sessions: &[Session]) {
    let shown: Vec<&Session> = sessions
        .iter()
        .filter(|s| s.date.is_some() || !s.days.is_empty())
        .collect();
    if shown.is_empty() {
        return;
    }
    o.array(key, shown, |out, s| {
        let mut spec = Object::open(out);
        spec.str("@type", "OpeningHoursSpecification");
        if let Some(t) = &s.time {
            spec.display("closes", t.end);
        }
        if s.date.is_none() {
            spec.array("dayOfWeek", &s.days, |out, d| {
                escape::push_json_string(out, &format!("https://schema.org/{}", day_name(*d)));
            });
        }
        spec.some("description", s.note.as_deref());
        if let Some(t) = &s.time {
            spec.display("opens", t.start);
        }
        if let Some(d) = s.date {
            spec.display("validFrom", d);
            spec.display("validThrough", d);
        }
        spec.close();
    });
}

fn day_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_written_as_serde_json_writes_them() {
        let mut out = Vec::new();
        let mut o = Object::open(&mut out);
        o.str("@type", "Service");
        o.object("empty", |_| {});
        o.strings("list", &["甲".to_string(), "\"乙\"\n".to_string()]);
        o.array("nested", [1, 2], |out, n| {
            let mut inner = Object::open(out);
            inner.number("n", n);
            inner.close();
        });
        o.strings("none", &[]);
        o.object("offer", |offer| {
            offer.number("price", 0);
            offer.some("absent", None);
            offer.display("when", "2026-12-05");
        });
        o.close();
        let expected = serde_json::json!({
            "@type": "Service",
            "empty": {},
            "list": ["甲", "\"乙\"\n"],
            "none": [],
            "offer": {"price": 0, "when": "2026-12-05"},
            "nested": [{"n": 1}, {"n": 2}],
        });
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(&expected).unwrap()
        );
    }
}
