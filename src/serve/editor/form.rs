//! The form of a type, as JSON the editor's script builds widgets from; and
//! the values the form sends back, as [`Val`]s for [`crate::edit`].
//!
//! Everything comes from [`schema`]: a field added there appears in the form
//! without editor code. Choices come with their meanings, vocabularies from
//! site.yaml, references with the site's real items (id and title).

use serde_json::{Value as J, json};

use super::SiteView;
use crate::edit::Val;
use crate::model::schema::{self, Field, Shape, Vocabulary};
use crate::model::{Date, Kind};

/// The words of a vocabulary in site.yaml.
fn vocabulary(site: &SiteView, v: Vocabulary) -> &[String] {
    let voc = &site.config.vocabularies;
    match v {
        Vocabulary::ServiceCategory => &voc.service_category,
        Vocabulary::Audience => &voc.audience,
        Vocabulary::OrgKind => &voc.org_kind,
        Vocabulary::TrainingLevel => &voc.training_level,
        Vocabulary::Qualification => &voc.qualification,
    }
}

/// The items of `kind` as choices: id and title.
fn items(site: &SiteView, kind: Kind) -> J {
    let list: Vec<J> = site
        .files
        .iter()
        .filter(|f| f.kind == Some(kind))
        .map(|f| json!({ "value": f.id, "label": f.title.as_deref().unwrap_or(&f.id) }))
        .collect();
    J::Array(list)
}

/// A field's widget: `type` and what the widget needs.
fn shape(site: &SiteView, shape: Shape) -> J {
    let words = |v| {
        J::Array(
            vocabulary(site, v)
                .iter()
                .map(|w| json!({ "value": w, "label": w }))
                .collect(),
        )
    };
    match shape {
        Shape::Text => json!({ "type": "text" }),
        Shape::LongText => json!({ "type": "longtext" }),
        Shape::Date => json!({ "type": "date" }),
        Shape::Integer => json!({ "type": "integer" }),
        Shape::Number => json!({ "type": "number" }),
        Shape::YesNo => json!({ "type": "yesno" }),
        Shape::Phone => json!({ "type": "phone" }),
        Shape::Email => json!({ "type": "email" }),
        Shape::File => json!({ "type": "file" }),
        Shape::TextList => json!({ "type": "textlist" }),
        Shape::Paths => json!({ "type": "textlist" }),
        Shape::Choice(choices) => json!({
            "type": "choice",
            "options": choices
                .iter()
                .map(|(code, meaning)| json!({ "value": code, "label": meaning }))
                .collect::<Vec<_>>(),
        }),
        Shape::Vocabulary(v) => {
            json!({ "type": "choice", "options": words(v), "vocabulary": v.key() })
        }
        Shape::VocabularyList(v) => {
            json!({ "type": "multi", "options": words(v), "vocabulary": v.key() })
        }
        Shape::Ref(kind) => {
            json!({ "type": "ref", "kind": kind.name(), "options": items(site, kind) })
        }
        Shape::RefList(kind) => {
            json!({ "type": "multi", "kind": kind.name(), "options": items(site, kind) })
        }
        Shape::Days => json!({ "type": "days" }),
        Shape::TimeRange => json!({ "type": "time" }),
        Shape::Group(members) => json!({
            "type": "group",
            "fields": members.iter().map(|f| field(site, f)).collect::<Vec<_>>(),
        }),
    }
}

/// One field as the form shows it.
pub fn field(site: &SiteView, f: &Field) -> J {
    json!({
        "key": f.key,
        "label": f.label(),
        "help": f.help,
        "required": f.required,
        "widget": shape(site, f.shape),
    })
}

/// The form of `kind`: every field of the schema, in its order.
pub fn fields(site: &SiteView, kind: Kind) -> J {
    J::Array(schema::fields(kind).map(|f| field(site, f)).collect())
}

/// A value as JSON for the form (dates are text in YAML already).
pub fn to_json(v: &Val) -> J {
    match v {
        Val::Null => J::Null,
        Val::Text(s) => J::String(s.clone()),
        Val::Int(i) => J::from(*i),
        Val::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Val::Bool(b) => J::Bool(*b),
        Val::Date(d) => J::String(d.to_string()),
        Val::List(items) => J::Array(items.iter().map(to_json).collect()),
        Val::Map(entries) => J::Object(
            entries
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        ),
    }
}

/// What the form sent for a field of shape `shape` (None: unknown to the
/// schema), as a value to write. A date field's valid date is written as a
/// date; anything else is kept as typed, so that a draft with mistakes can
/// be saved and the check points at them.
pub fn to_val(shape: Option<Shape>, value: &J) -> Option<Val> {
    Some(match value {
        J::Null => Val::Null,
        J::Bool(b) => Val::Bool(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Val::Int(i),
            None => Val::Float(n.as_f64()?),
        },
        J::String(s) => match (shape, Date::parse(s)) {
            (Some(Shape::Date), Some(d)) if d.to_string() == s.trim() => Val::Date(d),
            _ => Val::Text(s.clone()),
        },
        J::Array(items) => match shape {
            // JSON objects lose their key order; the script sends a group's
            // entries as `[[key, value], ...]` to keep it.
            Some(Shape::Group(members)) => Val::List(
                items
                    .iter()
                    .map(|entry| match entry {
                        J::Array(pairs) => entry_of_pairs(members, pairs),
                        other => to_val(shape, other),
                    })
                    .collect::<Option<_>>()?,
            ),
            _ => Val::List(
                items
                    .iter()
                    .map(|i| to_val(None, i))
                    .collect::<Option<_>>()?,
            ),
        },
        J::Object(entries) => {
            let members = match shape {
                Some(Shape::Group(members)) => members,
                _ => &[],
            };
            Val::Map(
                entries
                    .iter()
                    .map(|(k, v)| {
                        let s = members.iter().find(|f| f.key == k).map(|f| f.shape);
                        Some((k.clone(), to_val(s, v)?))
                    })
                    .collect::<Option<_>>()?,
            )
        }
    })
}

/// A group entry sent as `[[key, value], ...]`.
fn entry_of_pairs(members: &[Field], pairs: &[J]) -> Option<Val> {
    let entries = pairs
        .iter()
        .map(|pair| {
            let key = pair.get(0)?.as_str()?;
            let shape = members.iter().find(|f| f.key == key).map(|f| f.shape);
            Some((key.to_string(), to_val(shape, pair.get(1)?)?))
        })
        .collect::<Option<_>>()?;
    Some(Val::Map(entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::Config;
    use crate::pipeline::ContentFile;

    fn site() -> SiteView {
        SiteView::new(
            vec![ContentFile {
                path: "organizations/tongxin.md".into(),
                kind: Some(Kind::Organization),
                id: "tongxin".into(),
                title: Some("同心为老".into()),
                site_path: Some("organizations/tongxin/".into()),
            }],
            Config::default(),
        )
    }

    #[test]
    fn the_form_follows_the_schema() {
        let form = fields(&site(), Kind::Service);
        let list = form.as_array().expect("a list");
        assert_eq!(list.len(), schema::fields(Kind::Service).count());
        let by = |key: &str| {
            list.iter()
                .find(|f| f["key"] == key)
                .unwrap_or_else(|| panic!("{key}"))
                .clone()
        };
        assert_eq!(by("category")["label"], "服务类别");
        assert_eq!(by("category")["required"], true);
        assert_eq!(by("category")["widget"]["options"][0]["value"], "助老服务");
        assert_eq!(by("providers")["widget"]["type"], "multi");
        assert_eq!(by("providers")["widget"]["options"][0]["value"], "tongxin");
        assert_eq!(by("providers")["widget"]["options"][0]["label"], "同心为老");
        assert_eq!(by("status")["widget"]["options"][1]["label"], "暂停");
        let schedule = by("schedule");
        assert_eq!(schedule["widget"]["type"], "group");
        let members = schedule["widget"]["fields"].as_array().expect("members");
        let types: Vec<&str> = members
            .iter()
            .filter_map(|m| m["widget"]["type"].as_str())
            .collect();
        assert_eq!(types, ["days", "date", "time", "text", "choice", "yesno"]);
    }

    #[test]
    fn form_values_become_what_the_file_would_say() {
        let session = schema::find(Kind::Service, None, "schedule").map(|f| f.shape);
        let sent = json!([[
            ["days", ["tue"]],
            ["date", "2026-12-05"],
            ["time", "09:00-11:30"]
        ]]);
        let v = to_val(session, &sent).expect("a value");
        assert_eq!(
            v,
            Val::List(vec![Val::map([
                ("days", Val::texts(["tue"])),
                ("date", Val::Date(Date::parse("2026-12-05").expect("date"))),
                ("time", Val::text("09:00-11:30")),
            ])])
        );
        // A wrong date is kept as typed, for the check to flag.
        let date = Some(Shape::Date);
        assert_eq!(
            to_val(date, &json!("2026-13-01")),
            Some(Val::text("2026-13-01"))
        );
        assert_eq!(to_val(None, &json!(3)), Some(Val::Int(3)));
        assert_eq!(to_json(&Val::Float(1.5)), json!(1.5));
    }
}
