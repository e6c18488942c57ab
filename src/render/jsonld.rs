//! schema.org JSON-LD for the pages search engines and map apps read:
//! stations (a government office, with opening hours), services, community
//! organizations (NGO), courses and news articles.

use serde_json::{Map, Value, json};

use crate::link::Links;
use crate::model::config::Config;
use crate::model::{Course, Item, Kind, Organization, Service, Session, Station, Weekday};

use super::views::Views;

/// The JSON-LD of item `i`, ready to go inside `<script type="application/ld+json">`,
/// or None for kinds that have no fitting schema.org type.
pub fn of_item(v: &Views, i: usize) -> Option<String> {
    let item = v.item(i);
    let config = v.settings();
    let url = config.absolute_url(&item.site_path);
    let description = v.summary(i);
    let mut o = Map::new();
    o.insert("@context".into(), json!("https://schema.org"));
    let ty = match item.kind {
        Kind::Station => "GovernmentOffice",
        Kind::Service => "Service",
        Kind::Organization => "NGO",
        Kind::Course => "Course",
        Kind::News => "NewsArticle",
        _ => return None,
    };
    o.insert("@type".into(), json!(ty));
    o.insert("@id".into(), json!(format!("{url}#{}", ty.to_lowercase())));
    o.insert("url".into(), json!(url));
    if item.kind == Kind::News {
        o.insert("headline".into(), json!(item.meta.title));
    } else {
        o.insert("name".into(), json!(item.meta.title));
    }
    if !description.is_empty() {
        o.insert("description".into(), json!(description));
    }
    let links = v.links_of(i);
    // An item without the data of its kind gets no JSON-LD rather than half.
    match item.kind {
        Kind::Station => station(&mut o, item.station()?),
        Kind::Service => service(&mut o, v, item.service()?, links, &url),
        Kind::Organization => organization(&mut o, v, item.organization()?, links),
        Kind::Course => course(&mut o, v, item.course()?, links),
        Kind::News => news(&mut o, v, item, links, &url),
        _ => {}
    }
    // schema.org defines `keywords` for organizations, places and creative
    // works, not for a Service.
    if !item.meta.tags.is_empty() && item.kind != Kind::Service {
        o.insert("keywords".into(), json!(item.meta.tags.join(",")));
    }
    // Straight into a buffer: `to_string` goes through `fmt` and costs twice.
    let json = serde_json::to_string(&Value::Object(o)).ok()?;
    Some(crate::escape::script_json(&json))
}

/// Another item of the site as a named thing of schema.org type `ty`.
fn named(v: &Views, ty: &str, i: usize) -> Value {
    let item = v.item(i);
    json!({
        "@type": ty,
        "name": item.meta.title,
        "url": v.settings().absolute_url(&item.site_path),
    })
}

/// The site itself, as the provider of its courses and the publisher of its news.
fn site_organization(config: &Config) -> Value {
    json!({
        "@type": "Organization",
        "name": config.title,
        "url": config.absolute_url(""),
    })
}

fn station(o: &mut Map<String, Value>, st: &Station) {
    if st.address.is_some() || st.community.is_some() {
        let mut address = Map::new();
        address.insert("@type".into(), json!("PostalAddress"));
        address.insert("addressCountry".into(), json!("CN"));
        insert_some(&mut address, "streetAddress", st.address.as_deref());
        insert_some(&mut address, "addressLocality", st.street.as_deref());
        o.insert("address".into(), Value::Object(address));
    }
    insert_some(o, "telephone", st.phone.as_deref());
    insert_some(o, "email", st.email.as_deref());
    if let Some(d) = st.established {
        o.insert("foundingDate".into(), json!(d));
    }
    if let Some(c) = &st.community {
        o.insert(
            "areaServed".into(),
            json!({"@type": "AdministrativeArea", "name": c}),
        );
    }
    let hours = opening_hours(&st.opening_hours);
    if !hours.is_empty() {
        o.insert("openingHoursSpecification".into(), json!(hours));
    }
}

fn service(o: &mut Map<String, Value>, v: &Views, s: &Service, links: &Links, url: &str) {
    o.insert("serviceType".into(), json!(s.category));
    let mut providers: Vec<Value> = links
        .station
        .map(|st| named(v, "GovernmentOffice", st))
        .into_iter()
        .collect();
    providers.extend(links.organizations.iter().map(|&org| named(v, "NGO", org)));
    if !providers.is_empty() {
        o.insert("provider".into(), json!(providers));
    }
    if !s.audience.is_empty() {
        o.insert(
            "audience".into(),
            json!({"@type": "Audience", "audienceType": s.audience.join("、")}),
        );
    }
    // schema.org's `isAccessibleForFree` is not a property of Service: the fee
    // is an Offer, priced 0 when the station says it is free.
    if let Some(fee) = &s.fee {
        let mut offer = json!({"@type": "Offer", "description": fee});
        if fee.contains("免费") {
            offer["price"] = json!(0);
            offer["priceCurrency"] = json!("CNY");
        }
        o.insert("offers".into(), offer);
    }
    let hours = opening_hours(&s.schedule);
    if !hours.is_empty() {
        o.insert("hoursAvailable".into(), json!(hours));
    }
    let mut channel = Map::new();
    channel.insert("@type".into(), json!("ServiceChannel"));
    channel.insert("serviceUrl".into(), json!(url));
    if let Some(phone) = &s.contact {
        channel.insert(
            "servicePhone".into(),
            json!({"@type": "ContactPoint", "telephone": phone}),
        );
    }
    if let Some(place) = &s.location {
        channel.insert(
            "serviceLocation".into(),
            json!({"@type": "Place", "name": place}),
        );
    }
    o.insert("availableChannel".into(), Value::Object(channel));
    if let Some(e) = &s.eligibility {
        o.insert("termsOfService".into(), json!(e));
    }
}

fn organization(o: &mut Map<String, Value>, v: &Views, org: &Organization, links: &Links) {
    if let Some(d) = org.founded {
        o.insert("foundingDate".into(), json!(d));
    }
    if let Some(s) = links.station {
        o.insert("location".into(), named(v, "GovernmentOffice", s));
    }
    if let Some(n) = org.members {
        o.insert(
            "numberOfEmployees".into(),
            json!({"@type": "QuantitativeValue", "value": n}),
        );
    }
    if !org.focus.is_empty() {
        o.insert("knowsAbout".into(), json!(org.focus));
    }
    if let Some(m) = links.mentor {
        o.insert("sponsor".into(), named(v, "NGO", m));
    }
}

fn course(o: &mut Map<String, Value>, v: &Views, c: &Course, links: &Links) {
    let config = v.settings();
    o.insert("provider".into(), site_organization(config));
    o.insert("educationalLevel".into(), json!(c.level));
    o.insert("inLanguage".into(), json!(config.language));
    if let Some(h) = c.hours {
        o.insert("timeRequired".into(), json!(format!("PT{}H", h.0)));
    }
    if !c.topics.is_empty() {
        o.insert("teaches".into(), json!(c.topics));
    }
    let prerequisites: Vec<Value> = links
        .prerequisites
        .iter()
        .map(|&p| named(v, "Course", p))
        .collect();
    if !prerequisites.is_empty() {
        o.insert("coursePrerequisites".into(), json!(prerequisites));
    }
    if let Some(format) = &c.format {
        let mode = match format.as_str() {
            "online" => "online",
            "offline" => "onsite",
            _ => "blended",
        };
        let mut instance = json!({"@type": "CourseInstance", "courseMode": mode});
        if !c.trainers.is_empty() {
            instance["instructor"] = c
                .trainers
                .iter()
                .map(|t| json!({"@type": "Person", "name": t}))
                .collect();
        }
        o.insert("hasCourseInstance".into(), instance);
    }
}

fn news(o: &mut Map<String, Value>, v: &Views, item: &Item, links: &Links, url: &str) {
    let config = v.settings();
    if let Some(d) = item.meta.date {
        o.insert("datePublished".into(), json!(d));
    }
    if let Some(d) = item.last_changed() {
        o.insert("dateModified".into(), json!(d));
    }
    o.insert("mainEntityOfPage".into(), json!(url));
    let publisher = site_organization(config);
    o.insert("author".into(), publisher.clone());
    o.insert("publisher".into(), publisher);
    o.insert("inLanguage".into(), json!(config.language));
    if let Some(s) = links.station {
        o.insert("about".into(), named(v, "GovernmentOffice", s));
    }
    if let Some(cover) = item.meta.cover.as_ref().and_then(|c| c.path.as_deref()) {
        o.insert(
            "image".into(),
            json!(config.absolute_url(&v.published_file(cover))),
        );
    }
}

fn insert_some(o: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        o.insert(key.into(), json!(v));
    }
}

/// Weekly sessions as `OpeningHoursSpecification`s; one-off sessions as the
/// same with `validFrom`/`validThrough` that day.
fn opening_hours(sessions: &[Session]) -> Vec<Value> {
    sessions
        .iter()
        .filter_map(|s| {
            let mut spec = Map::new();
            spec.insert("@type".into(), json!("OpeningHoursSpecification"));
            match s.date {
                Some(d) => {
                    spec.insert("validFrom".into(), json!(d));
                    spec.insert("validThrough".into(), json!(d));
                }
                None if s.days.is_empty() => return None,
                None => {
                    let days: Vec<String> = s
                        .days
                        .iter()
                        .map(|d| format!("https://schema.org/{}", day_name(*d)))
                        .collect();
                    spec.insert("dayOfWeek".into(), json!(days));
                }
            }
            if let Some(t) = &s.time {
                spec.insert("opens".into(), json!(t.start.to_string()));
                spec.insert("closes".into(), json!(t.end.to_string()));
            }
            if let Some(note) = &s.note {
                spec.insert("description".into(), json!(note));
            }
            Some(Value::Object(spec))
        })
        .collect()
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
    fn script_end_tags_in_content_cannot_close_the_script() {
        let json = Value::from("</script><script>alert(1)</script>").to_string();
        let safe = crate::escape::script_json(&json);
        assert!(!safe.contains('<'));
        let back: String = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, "</script><script>alert(1)</script>");
    }
}
