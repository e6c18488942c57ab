//! schema.org JSON-LD for the pages search engines and map apps read:
//! stations (a government office, with opening hours), services, community
//! organizations (NGO), courses and news articles.

use serde_json::{Map, Value, json};

use crate::model::{Kind, Session, Weekday};

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
    let place = |s: usize| {
        let station = v.item(s);
        json!({
            "@type": "GovernmentOffice",
            "name": station.meta.title,
            "url": config.absolute_url(&station.site_path),
        })
    };
    let links = v.links_of(i);
    match item.kind {
        Kind::Station => {
            let st = item.station()?;
            if st.address.is_some() || st.community.is_some() {
                let mut address = Map::new();
                address.insert("@type".into(), json!("PostalAddress"));
                address.insert("addressCountry".into(), json!("CN"));
                insert_some(&mut address, "streetAddress", st.address.as_deref());
                insert_some(&mut address, "addressLocality", st.street.as_deref());
                o.insert("address".into(), Value::Object(address));
            }
            insert_some(&mut o, "telephone", st.phone.as_deref());
            insert_some(&mut o, "email", st.email.as_deref());
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
        Kind::Service => {
            let s = item.service()?;
            o.insert("serviceType".into(), json!(s.category));
            let mut providers: Vec<Value> = links.station.map(place).into_iter().collect();
            providers.extend(links.organizations.iter().map(|&org| {
                json!({
                    "@type": "NGO",
                    "name": v.item(org).meta.title,
                    "url": config.absolute_url(&v.item(org).site_path),
                })
            }));
            if !providers.is_empty() {
                o.insert("provider".into(), json!(providers));
            }
            if !s.audience.is_empty() {
                o.insert(
                    "audience".into(),
                    json!({"@type": "Audience", "audienceType": s.audience.join("、")}),
                );
            }
            if let Some(fee) = &s.fee {
                if fee.contains("免费") {
                    o.insert("isAccessibleForFree".into(), json!(true));
                }
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
        Kind::Organization => {
            let org = item.organization()?;
            if let Some(d) = org.founded {
                o.insert("foundingDate".into(), json!(d));
            }
            if let Some(s) = links.station {
                o.insert("location".into(), place(s));
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
                o.insert(
                    "sponsor".into(),
                    json!({
                        "@type": "NGO",
                        "name": v.item(m).meta.title,
                        "url": config.absolute_url(&v.item(m).site_path),
                    }),
                );
            }
        }
        Kind::Course => {
            let c = item.course()?;
            o.insert(
                "provider".into(),
                json!({
                    "@type": "Organization",
                    "name": config.title,
                    "url": config.absolute_url(""),
                }),
            );
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
                .map(|&p| {
                    json!({
                        "@type": "Course",
                        "name": v.item(p).meta.title,
                        "url": config.absolute_url(&v.item(p).site_path),
                    })
                })
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
        Kind::News => {
            if let Some(d) = item.meta.date {
                o.insert("datePublished".into(), json!(d));
            }
            if let Some(d) = item.last_changed() {
                o.insert("dateModified".into(), json!(d));
            }
            o.insert("mainEntityOfPage".into(), json!(url));
            let publisher = json!({
                "@type": "Organization",
                "name": config.title,
                "url": config.absolute_url(""),
            });
            o.insert("author".into(), publisher.clone());
            o.insert("publisher".into(), publisher);
            o.insert("inLanguage".into(), json!(config.language));
            if let Some(s) = links.station {
                o.insert("about".into(), place(s));
            }
            if let Some(cover) = item.meta.cover.as_ref().and_then(|c| c.path.as_deref()) {
                o.insert("image".into(), json!(config.absolute_url(cover)));
            }
        }
        _ => {}
    }
    if !item.meta.tags.is_empty() {
        o.insert("keywords".into(), json!(item.meta.tags.join(",")));
    }
    Some(script_safe(&Value::Object(o).to_string()))
}

fn insert_some(o: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(v) = value {
        o.insert(key.into(), json!(v));
    }
}

/// `<` only occurs inside JSON strings; as `\u003c` it cannot end the script
/// element (`</script>`) or open a comment, whatever the content says.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
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
        let safe = script_safe(&json);
        assert!(!safe.contains('<'));
        let back: String = serde_json::from_str(&safe).expect("still JSON");
        assert_eq!(back, "</script><script>alert(1)</script>");
    }
}
