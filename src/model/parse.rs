//! Reading each document's front matter into a typed [`Item`].

use super::config::Config;
use super::fields::{Cx, Fields, FromNode, NonEmpty, one_of};
use super::recurrence;
use super::values::{FileRef, Num, Ref, is_valid_id, resolve_relative};
use super::*;
use crate::diagnostics::{Diagnostic, Pos, Problem};
use crate::load::{Document, Node, Value};
use crate::messages::{field, list};

/// Where a file sits in the content model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub kind: Kind,
    pub id: String,
    pub key: String,
    pub site_path: String,
}

/// Decides what a content file is from its path (relative to `content/`).
/// Errors say what is wrong with the place or the name, and how to fix it.
pub fn classify(path: &str) -> Result<Placement, Problem> {
    let parts: Vec<&str> = path.split('/').collect();
    let file = parts.last().copied().unwrap_or_default();
    let stem = file.strip_suffix(".md").unwrap_or(file);
    let name_error = |name: &str| {
        Problem::new("E-PATH-BAD-ID")
            .arg("name", name)
            .with_hint("H-PATH-BAD-ID")
    };
    let check = |name: &str| {
        if is_valid_id(name) {
            Ok(())
        } else {
            Err(name_error(name))
        }
    };
    let place = |kind, id: &str, key: &str, site_path: String| Placement {
        kind,
        id: id.to_string(),
        key: key.to_string(),
        site_path,
    };
    let section = |folder: &str| place(Kind::Section, folder, folder, format!("{folder}/"));
    match parts.as_slice() {
        ["_index.md"] => Ok(place(Kind::Home, "", "", String::new())),
        [
            folder @ ("stations" | "organizations" | "projects" | "reports" | "news"),
            rest @ ..,
        ] => {
            let kind = match *folder {
                "stations" => Kind::Station,
                "organizations" => Kind::Organization,
                "projects" => Kind::Project,
                "reports" => Kind::Report,
                _ => Kind::News,
            };
            if stem == "_index" {
                return if rest.len() == 1 {
                    Ok(section(folder))
                } else {
                    Err(Problem::new("E-PATH-INDEX-NESTED")
                        .arg("folder", *folder)
                        .with_hint("H-PATH-INDEX-NESTED"))
                };
            }
            // Subfolders only sort the files; the id is the file name.
            for dir in &rest[..rest.len() - 1] {
                check(dir)?;
            }
            check(stem)?;
            Ok(place(kind, stem, stem, format!("{folder}/{stem}/")))
        }
        ["services", file] => {
            if *file == "_index.md" {
                Ok(section("services"))
            } else {
                Err(Problem::new("E-PATH-SERVICE-NO-STATION")
                    .arg("file", *file)
                    .with_hint("H-PATH-SERVICE-NO-STATION"))
            }
        }
        ["services", station, rest @ ..] => {
            check(station)?;
            if stem == "_index" && rest.len() == 1 {
                return Ok(place(
                    Kind::Section,
                    station,
                    &format!("services/{station}"),
                    format!("services/{station}/"),
                ));
            }
            for dir in &rest[..rest.len() - 1] {
                check(dir)?;
            }
            check(stem)?;
            Ok(place(
                Kind::Service,
                stem,
                &format!("{station}/{stem}"),
                format!("services/{station}/{stem}/"),
            ))
        }
        ["training", file] => {
            if *file == "_index.md" {
                Ok(section("training"))
            } else {
                Err(Problem::new("E-PATH-COURSE-FILE")
                    .arg("id", stem)
                    .with_hint("H-PATH-COURSE-FILE"))
            }
        }
        ["training", course, _] => {
            check(course)?;
            if stem == "_index" {
                Ok(place(
                    Kind::Course,
                    course,
                    course,
                    format!("training/{course}/"),
                ))
            } else {
                check(stem)?;
                Ok(place(
                    Kind::Lesson,
                    stem,
                    &format!("{course}/{stem}"),
                    format!("training/{course}/{stem}/"),
                ))
            }
        }
        ["training", course, ..] => Err(Problem::new("E-PATH-LESSON-DEEP")
            .arg("course", *course)
            .with_hint("H-PATH-LESSON-DEEP")),
        _ => {
            for dir in &parts[..parts.len() - 1] {
                check(dir)?;
            }
            let dirs = parts[..parts.len() - 1].join("/");
            if stem == "_index" {
                Ok(place(Kind::Page, &dirs, &dirs, format!("{dirs}/")))
            } else {
                check(stem)?;
                let key = if dirs.is_empty() {
                    stem.to_string()
                } else {
                    format!("{dirs}/{stem}")
                };
                Ok(place(Kind::Page, stem, &key, format!("{key}/")))
            }
        }
    }
}

/// A draft left out of the build: references to it get a precise message.
#[derive(Debug, Clone)]
pub struct Draft {
    pub kind: Kind,
    pub key: String,
    pub path: String,
}

/// What one document became.
pub enum Read {
    Item(Box<Item>),
    /// A draft left out of the build (with `--drafts` it is an item).
    Draft(Draft),
    /// It could not be read; its diagnostics say why.
    Failed,
}

/// Reads one document into an item, pushing its problems into `out`.
/// Drafts are left out unless `drafts`.
pub fn read_document(
    mut doc: Document,
    config: &Config,
    drafts: bool,
    out: &mut Vec<Diagnostic>,
) -> Read {
    out.append(&mut doc.warnings);
    read_item(doc, config, drafts, out)
}

const COMMON: &[&str] = &[
    "title",
    "summary",
    "tags",
    "date",
    "updated",
    "draft",
    "weight",
    "cover",
    "aliases",
    "privacy_ok",
    "cover_alt",
];

fn read_item(doc: Document, config: &Config, drafts: bool, out: &mut Vec<Diagnostic>) -> Read {
    let placement = match classify(&doc.path) {
        Ok(p) => p,
        Err(problem) => {
            out.push(problem.error_at(&doc.display, Pos::START));
            return Read::Failed;
        }
    };
    let empty = Node {
        value: Value::Map(Vec::new()),
        pos: Pos::new(doc.front_line, 1),
        len: 1,
        raw: None,
    };
    let front = match &doc.front {
        Some(node) if !matches!(node.value, Value::Null) => node,
        _ => &empty,
    };
    let cx = &mut Cx {
        file: &doc.display,
        out,
    };
    let Some(mut f) = Fields::of(front, "", cx) else {
        return Read::Failed;
    };
    // The draft flag first: a draft is left out before anything else is checked.
    let draft = f.opt::<bool>("draft", cx).unwrap_or(false);
    if draft && !drafts {
        return Read::Draft(Draft {
            kind: placement.kind,
            key: placement.key,
            path: doc.path.clone(),
        });
    }
    let title_optional = matches!(placement.kind, Kind::Home | Kind::Section);
    let title = if title_optional {
        f.opt::<String>("title", cx).unwrap_or_default()
    } else {
        f.req::<NonEmpty>("title", "title: 惠东社区社工站", cx)
            .map(|t| t.0)
            .unwrap_or_default()
    };
    let mut meta = Meta {
        title,
        summary: f.opt::<String>("summary", cx).filter(|s| !s.is_empty()),
        tags: f
            .list::<String>("tags", cx)
            .into_iter()
            .filter(|t| !t.is_empty())
            .collect(),
        date: f.opt("date", cx),
        updated: f.opt("updated", cx),
        draft,
        weight: f.opt("weight", cx),
        cover: f
            .opt::<FileRef>("cover", cx)
            .and_then(|r| resolve_file(r, &doc.path, "cover", cx)),
        cover_alt: f
            .opt::<String>("cover_alt", cx)
            .filter(|s| !s.trim().is_empty()),
        aliases: read_aliases(&mut f, cx),
        privacy_ok: read_privacy_ok(&mut f, cx),
        gallery: Vec::new(),
    };
    if let (Some(cover), None) = (&meta.cover, &meta.cover_alt) {
        cx.push(
            Diagnostic::warning(cx.file, cover.pos, "W-COVER-ALT")
                .with_len(cover.len as usize)
                .arg("written", cover.written.as_str())
                .with_hint("H-COVER-ALT"),
        );
    }
    let mut known: Vec<&str> = COMMON.to_vec();
    if schema::own_fields(placement.kind)
        .iter()
        .any(|field| field.key == "gallery")
    {
        known.push("gallery");
        meta.gallery = gallery(&mut f, &doc.path, cx);
    }
    let data = match placement.kind {
        Kind::Station => Data::Station(station(&mut f, config, cx, &mut known)),
        Kind::Service => {
            let folder = doc.path.split('/').nth(1).unwrap_or_default().to_string();
            Data::Service(service(&mut f, config, &folder, cx, &mut known))
        }
        Kind::Organization => Data::Organization(organization(&mut f, config, cx, &mut known)),
        Kind::Course => Data::Course(course(&mut f, config, &doc.path, cx, &mut known)),
        Kind::Lesson => {
            known.push("duration");
            let course = doc.path.split('/').nth(1).unwrap_or_default().to_string();
            Data::Lesson(Lesson {
                course,
                duration: f.opt("duration", cx),
            })
        }
        Kind::Project => Data::Project(project(&mut f, cx, &mut known)),
        Kind::Report => Data::Report(report(&mut f, cx, &mut known)),
        Kind::News => {
            known.push("station");
            Data::News(News {
                station: f.opt("station", cx),
            })
        }
        Kind::Home | Kind::Page | Kind::Section => Data::None,
    };
    f.finish(&known, cx);
    unfilled_placeholders(&doc, front, placement.kind, cx);
    // Everything the front matter says is now in the item, positions of
    // what later stages check included: the parsed tree is not kept (it was
    // a tenth of a big site's memory).
    let mut doc = doc;
    doc.front = None;
    Read::Item(Box::new(Item {
        kind: placement.kind,
        id: placement.id,
        key: placement.key,
        site_path: placement.site_path,
        meta,
        data,
        doc,
    }))
}

/// Resolves a file named in front matter against the page's folder; refuses
/// anything that would leave the content folder.
fn resolve_file(mut file: FileRef, page: &str, field: &str, cx: &mut Cx) -> Option<FileRef> {
    match resolve_relative(page, &file.written) {
        Some(path) => {
            file.path = Some(path);
            Some(file)
        }
        None => {
            let (code, hint) = if file.written.contains("://") {
                ("E-FILE-EXTERNAL", "H-FILE-EXTERNAL")
            } else {
                ("E-FILE-OUTSIDE", "H-FILE-OUTSIDE")
            };
            cx.push(
                cx.at_pos(file.pos, code)
                    .with_len(file.len as usize)
                    .arg("field", crate::messages::field(field))
                    .arg("written", file.written.as_str())
                    .with_hint(hint),
            );
            None
        }
    }
}

fn read_aliases(f: &mut Fields, cx: &mut Cx) -> Vec<AliasRef> {
    let Some(node) = f.node("aliases") else {
        return Vec::new();
    };
    let nodes: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    let mut aliases = Vec::new();
    for (i, item) in nodes.into_iter().enumerate() {
        let Some(written) = String::from_node(item, &format!("aliases[{}]", i + 1), cx) else {
            continue;
        };
        match normalise_alias(&written) {
            Some(path) => aliases.push(AliasRef {
                path,
                pos: item.pos,
            }),
            None => cx.push(
                cx.at(item, "E-ALIAS-BAD")
                    .arg("written", written)
                    .with_hint("H-ALIAS-BAD"),
            ),
        }
    }
    aliases
}

/// The `privacy_ok` entries: each needs the value and a reason.
fn read_privacy_ok(f: &mut Fields, cx: &mut Cx) -> Vec<PrivacyOk> {
    groups(
        f,
        "privacy_ok",
        cx,
        |g, cx| {
            let value_node = g.node("value");
            let value = g.req::<NonEmpty>("value", "value: \"138 0013 8000\"", cx);
            let why_node = g.node("why");
            let why = g.req::<NonEmpty>("why", "why: 站里的值班手机，公开给居民", cx);
            let value_node = value_node?;
            Some(PrivacyOk {
                value: value?.0,
                why: why?.0,
                pos: value_node.pos,
                len: value_node.len,
                lines: [
                    value_node.pos.line,
                    why_node.map_or(value_node.pos.line, |n| n.pos.line),
                ],
            })
        },
        &["value", "why"],
    )
}

/// `/old/huidong` → `old/huidong/`; `/a.html` stays a file. None if unsafe.
pub fn normalise_alias(written: &str) -> Option<String> {
    let trimmed = written.trim().trim_start_matches('/');
    if trimmed.is_empty() || written.contains("://") || written.contains(['?', '#', '\\', ':']) {
        return None;
    }
    let segments: Vec<&str> = trimmed.split('/').filter(|s| !s.is_empty()).collect();
    if segments
        .iter()
        .any(|s| *s == "." || *s == ".." || s.starts_with('.') || s.chars().any(char::is_control))
    {
        return None;
    }
    let joined = segments.join("/");
    if joined.ends_with(".html") || joined.ends_with(".htm") {
        Some(joined)
    } else {
        Some(format!("{joined}/"))
    }
}

fn vocab(
    node: &Node,
    name: &str,
    list: &[String],
    what: &'static str,
    cx: &mut Cx,
) -> Option<String> {
    let allowed: Vec<&str> = list.iter().map(String::as_str).collect();
    one_of(node, name, &allowed, what, cx).map(|v| v.to_string())
}

fn vocab_field(
    f: &mut Fields,
    key: &str,
    list: &[String],
    what: &'static str,
    cx: &mut Cx,
) -> Option<String> {
    let node = f.node(key)?;
    vocab(node, key, list, what, cx)
}

fn vocab_list(
    f: &mut Fields,
    key: &str,
    list: &[String],
    what: &'static str,
    cx: &mut Cx,
) -> Vec<String> {
    let Some(node) = f.node(key) else {
        return Vec::new();
    };
    let nodes: Vec<&Node> = match &node.value {
        Value::Seq(items) => items.iter().collect(),
        _ => vec![node],
    };
    nodes
        .into_iter()
        .enumerate()
        .filter_map(|(i, n)| vocab(n, &format!("{key}[{}]", i + 1), list, what, cx))
        .collect()
}

fn choice(
    f: &mut Fields,
    key: &str,
    allowed: &[&str],
    what: &'static str,
    cx: &mut Cx,
) -> Option<String> {
    let node = f.node(key)?;
    one_of(node, key, allowed, what, cx)
}

/// The items of a list of groups (`spaces`, `staff`, `schedule` ...), each read by `read`.
/// Warns about the placeholders of `zhan new` still in the file (a title
/// 服务名称, a phone 010-00000000, the body's 在这里用 Markdown 写正文。):
/// they would be published as the page's facts.
fn unfilled_placeholders(doc: &Document, front: &Node, kind: Kind, cx: &mut Cx) {
    let text_of = |node: &Node| match &node.value {
        Value::Str(s) => Some(s.trim().to_string()),
        Value::Seq(items) if items.len() == 1 => match &items[0].value {
            Value::Str(s) => Some(s.trim().to_string()),
            _ => None,
        },
        _ => None,
    };
    let warn = |node: &Node, key: &str, cx: &mut Cx| {
        cx.push(
            Diagnostic::warning(cx.file, node.pos, "W-PLACEHOLDER")
                .with_len(node.len as usize)
                .arg("field", field(key))
                .arg("value", node.shown())
                .with_hint("H-PLACEHOLDER"),
        );
    };
    for placeholder in schema::placeholders(kind) {
        let nodes: Vec<&Node> = match placeholder.group {
            None => front.get(placeholder.key).into_iter().collect(),
            Some(group) => match front.get(group).map(|g| &g.value) {
                Some(Value::Seq(entries)) => entries
                    .iter()
                    .filter_map(|e| e.get(placeholder.key))
                    .collect(),
                _ => Vec::new(),
            },
        };
        for node in nodes {
            if text_of(node).as_deref() == Some(placeholder.text) {
                warn(node, placeholder.key, cx);
            }
        }
    }
    if let Some(at) = doc.body().find(schema::BODY_PLACEHOLDER) {
        let line = doc.body_line + doc.body()[..at].matches('\n').count() as u32;
        cx.push(
            Diagnostic::warning(cx.file, Pos::new(line, 1), "W-PLACEHOLDER-BODY")
                .with_len(schema::BODY_PLACEHOLDER.chars().count())
                .with_hint("H-PLACEHOLDER-BODY"),
        );
    }
}

fn groups<T>(
    f: &mut Fields,
    key: &str,
    cx: &mut Cx,
    mut read: impl FnMut(&mut Fields, &mut Cx) -> Option<T>,
    known: &[&str],
) -> Vec<T> {
    let Some(node) = f.node(key) else {
        return Vec::new();
    };
    let Value::Seq(items) = &node.value else {
        cx.push(
            cx.at(node, "E-NOT-LIST")
                .arg("field", field(key))
                .arg("found", crate::messages::key(node.kind_name()))
                .arg("key", key)
                .with_hint("H-WRITE-LIST"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let prefix = format!("{key}[{}]", i + 1);
        if let Some(mut g) = Fields::of(item, &prefix, cx) {
            if let Some(value) = read(&mut g, cx) {
                out.push(value);
            }
            g.finish(known, cx);
        }
    }
    out
}

fn sessions(f: &mut Fields, key: &str, cx: &mut Cx) -> Vec<Session> {
    groups(
        f,
        key,
        cx,
        |g, cx| {
            let days = g.list("days", cx);
            let date = g.opt("date", cx);
            let time = g.req("time", "time: \"09:00-11:30\"", cx);
            let note = g.opt("note", cx);
            let holidays = choice(
                g,
                "holidays",
                choices::SESSION_HOLIDAYS,
                "ui.what-session-holidays",
                cx,
            );
            let replaces = g.opt("replaces", cx).unwrap_or(false);
            if days.is_empty() && date.is_none() {
                // A `days` or `date` written wrong is reported as such, not
                // also as missing.
                if !g.written("days") && !g.written("date") {
                    cx.push(
                        cx.at_pos(g.pos(), "E-SESSION-WHEN")
                            .with_hint("H-SESSION-WHEN"),
                    );
                }
                return None;
            }
            Some(Session {
                days,
                date,
                time,
                note,
                holidays,
                replaces,
                pos: g.pos(),
            })
        },
        &["days", "date", "time", "note", "holidays", "replaces"],
    )
}

/// `makeup_days` of a station or service: the weekday whose schedule a
/// make-up working day follows.
fn makeup_days(f: &mut Fields, cx: &mut Cx) -> Option<Weekday> {
    let code = choice(
        f,
        "makeup_days",
        choices::MAKEUP_DAYS,
        "ui.what-makeup-days",
        cx,
    )?;
    Weekday::ALL.into_iter().find(|d| d.code() == code)
}

/// Reads a schedule and checks how its sessions meet (see
/// [`recurrence::check`]).
fn schedule(
    f: &mut Fields,
    key: &str,
    config: &Config,
    makeup: Option<Weekday>,
    cx: &mut Cx,
) -> Vec<Session> {
    let list = sessions(f, key, cx);
    let rules = recurrence::Rules {
        holidays: &config.holidays,
        makeup,
    };
    recurrence::check(&list, rules, cx);
    list
}

fn station(f: &mut Fields, config: &Config, cx: &mut Cx, known: &mut Vec<&str>) -> Station {
    known.extend([
        "street",
        "community",
        "address",
        "phone",
        "email",
        "established",
        "pilot",
        "mascot",
        "opening_hours",
        "makeup_days",
        "spaces",
        "staff",
    ]);
    let makeup = makeup_days(f, cx);
    Station {
        street: f.opt("street", cx),
        community: f.opt("community", cx),
        address: f.opt("address", cx),
        phone: f.opt("phone", cx),
        email: f.opt("email", cx),
        established: f.opt("established", cx),
        pilot: f.opt("pilot", cx).unwrap_or(false),
        mascot: f.opt("mascot", cx),
        opening_hours: schedule(f, "opening_hours", config, makeup, cx),
        makeup_days: makeup,
        spaces: groups(
            f,
            "spaces",
            cx,
            |g, cx| {
                Some(Space {
                    name: g.req::<NonEmpty>("name", "name: 个案工作室", cx)?.0,
                    kind: choice(g, "kind", choices::SPACE_KIND, "ui.what-space-kind", cx)
                        .unwrap_or_else(|| "other".to_string()),
                    capacity: g.opt("capacity", cx),
                    description: g.opt("description", cx),
                })
            },
            &["name", "kind", "capacity", "description"],
        ),
        staff: groups(
            f,
            "staff",
            cx,
            |g, cx| {
                Some(Staff {
                    name: g.req::<NonEmpty>("name", "name: 王某", cx)?.0,
                    role: g.opt("role", cx),
                    qualification: vocab_field(
                        g,
                        "qualification",
                        &config.vocabularies.qualification,
                        "ui.what-vocab-qualification",
                        cx,
                    ),
                })
            },
            &["name", "role", "qualification"],
        ),
    }
}

fn service(
    f: &mut Fields,
    config: &Config,
    folder: &str,
    cx: &mut Cx,
    known: &mut Vec<&str>,
) -> Service {
    known.extend([
        "station",
        "category",
        "audience",
        "providers",
        "fee",
        "location",
        "online",
        "schedule",
        "makeup_days",
        "how_to_apply",
        "contact",
        "status",
        "eligibility",
        "materials",
        "complaint_phone",
    ]);
    // The station defaults to the folder; if written, it must agree with it.
    let station = match f.opt::<Ref>("station", cx) {
        Some(written) if written.id != folder => {
            cx.push(
                cx.at_pos(written.pos, "E-SERVICE-STATION-FOLDER")
                    .with_len(written.len as usize)
                    .arg("id", written.id.as_str())
                    .arg("folder", folder)
                    .with_hint("H-SERVICE-STATION-FOLDER"),
            );
            Ref {
                id: folder.to_string(),
                ..written
            }
        }
        Some(written) => written,
        None => Ref {
            id: folder.to_string(),
            pos: f.pos(),
            len: 1,
        },
    };
    let category = match f.node("category") {
        Some(node) => vocab(
            node,
            "category",
            &config.vocabularies.service_category,
            "ui.what-vocab-service-category",
            cx,
        ),
        None => {
            let categories = &config.vocabularies.service_category;
            cx.push(
                cx.at_pos(f.pos(), "E-FIELD-MISSING")
                    .arg("field", field("category"))
                    .arg(
                        "example",
                        format!(
                            "category: {}",
                            categories.first().map_or("助老服务", String::as_str)
                        ),
                    )
                    .arg("allowed", list(categories.iter().map(String::as_str)))
                    .with_hint("H-ADD-LINE-ALLOWED"),
            );
            None
        }
    };
    let makeup = makeup_days(f, cx);
    Service {
        station,
        category: category.unwrap_or_default(),
        audience: vocab_list(
            f,
            "audience",
            &config.vocabularies.audience,
            "ui.what-vocab-audience",
            cx,
        ),
        providers: f.list("providers", cx),
        fee: f.opt("fee", cx),
        location: f.opt("location", cx),
        online: f.opt("online", cx).unwrap_or(false),
        schedule: schedule(f, "schedule", config, makeup, cx),
        makeup_days: makeup,
        how_to_apply: f.list("how_to_apply", cx),
        contact: f.opt("contact", cx),
        status: choice(
            f,
            "status",
            choices::SERVICE_STATUS,
            "ui.what-service-status",
            cx,
        )
        .unwrap_or_else(|| "active".to_string()),
        eligibility: f.opt("eligibility", cx),
        materials: f.list("materials", cx),
        complaint_phone: f.opt("complaint_phone", cx),
    }
}

fn organization(
    f: &mut Fields,
    config: &Config,
    cx: &mut Cx,
    known: &mut Vec<&str>,
) -> Organization {
    known.extend([
        "station", "kind", "founded", "stage", "mentor", "members", "focus",
    ]);
    Organization {
        station: f.opt("station", cx),
        kind: vocab_field(
            f,
            "kind",
            &config.vocabularies.org_kind,
            "ui.what-vocab-org-kind",
            cx,
        ),
        founded: f.opt("founded", cx),
        stage: choice(f, "stage", choices::ORG_STAGE, "ui.what-org-stage", cx),
        mentor: f.opt("mentor", cx),
        members: f.opt("members", cx),
        focus: vocab_list(
            f,
            "focus",
            &config.vocabularies.service_category,
            "ui.what-vocab-service-category",
            cx,
        ),
    }
}

fn course(
    f: &mut Fields,
    config: &Config,
    path: &str,
    cx: &mut Cx,
    known: &mut Vec<&str>,
) -> Course {
    known.extend([
        "level",
        "format",
        "hours",
        "trainers",
        "topics",
        "prerequisites",
        "attachments",
    ]);
    let level = match f.node("level") {
        Some(node) => vocab(
            node,
            "level",
            &config.vocabularies.training_level,
            "ui.what-vocab-training-level",
            cx,
        ),
        None => {
            let levels = &config.vocabularies.training_level;
            cx.push(
                cx.at_pos(f.pos(), "E-FIELD-MISSING")
                    .arg("field", field("level"))
                    .arg("example", "level: 中级社工师")
                    .arg("allowed", list(levels.iter().map(String::as_str)))
                    .with_hint("H-ADD-LINE-ALLOWED"),
            );
            None
        }
    };
    Course {
        level: level.unwrap_or_default(),
        format: choice(
            f,
            "format",
            choices::COURSE_FORMAT,
            "ui.what-course-format",
            cx,
        ),
        hours: f.opt::<Num>("hours", cx),
        trainers: f.list("trainers", cx),
        topics: f.list("topics", cx),
        prerequisites: f.list("prerequisites", cx),
        attachments: groups(
            f,
            "attachments",
            cx,
            |g, cx| {
                let title = g.opt::<String>("title", cx);
                let file = g.req::<FileRef>("file", "file: slides.pdf", cx)?;
                let file = resolve_file(file, path, "file", cx)?;
                Some(Attachment {
                    title: title.unwrap_or_else(|| file.written.clone()),
                    file,
                })
            },
            &["title", "file"],
        ),
    }
}

/// The photos of a `gallery`; one without a caption or alternative text
/// is a warning (a reader who cannot see it learns nothing from it).
fn gallery(f: &mut Fields, path: &str, cx: &mut Cx) -> Vec<Photo> {
    groups(
        f,
        "gallery",
        cx,
        |g, cx| {
            let file = g.req::<FileRef>("file", "file: photo.jpg", cx)?;
            let caption = g
                .opt::<String>("caption", cx)
                .filter(|s| !s.trim().is_empty());
            let alt = g.opt::<String>("alt", cx).filter(|s| !s.trim().is_empty());
            let file = resolve_file(file, path, "file", cx)?;
            if caption.is_none() && alt.is_none() {
                cx.push(
                    Diagnostic::warning(cx.file, file.pos, "W-GALLERY-ALT")
                        .with_len(file.len as usize)
                        .arg("written", file.written.as_str())
                        .with_hint("H-GALLERY-ALT"),
                );
            }
            Some(Photo { file, caption, alt })
        },
        &["file", "caption", "alt"],
    )
}

fn project(f: &mut Fields, cx: &mut Cx, known: &mut Vec<&str>) -> Project {
    known.extend([
        "station",
        "organizations",
        "start",
        "end",
        "budget",
        "status",
        "outcomes",
    ]);
    let project = Project {
        station: f.opt("station", cx),
        organizations: f.list("organizations", cx),
        start: f.opt("start", cx),
        end: f.opt("end", cx),
        budget: f.opt("budget", cx),
        status: choice(
            f,
            "status",
            choices::PROJECT_STATUS,
            "ui.what-project-status",
            cx,
        ),
        outcomes: groups(
            f,
            "outcomes",
            cx,
            |g, cx| {
                Some(Outcome {
                    name: g.req::<NonEmpty>("name", "name: 参与居民", cx)?.0,
                    value: g.req("value", "value: 120", cx)?,
                    unit: g.opt("unit", cx),
                })
            },
            &["name", "value", "unit"],
        ),
    };
    if let (Some(start), Some(end)) = (project.start, project.end) {
        if end < start {
            cx.push(
                cx.at_pos(f.pos(), "E-PROJECT-ENDS-FIRST")
                    .arg("start", start.to_string())
                    .arg("end", end.to_string())
                    .with_hint("H-PROJECT-ENDS-FIRST"),
            );
        }
    }
    project
}

fn report(f: &mut Fields, cx: &mut Cx, known: &mut Vec<&str>) -> Report {
    known.extend(["stations", "metrics"]);
    Report {
        stations: f.list("stations", cx),
        metrics: groups(
            f,
            "metrics",
            cx,
            |g, cx| {
                Some(Metric {
                    station: g.req("station", "station: huidong", cx)?,
                    name: g.req::<NonEmpty>("name", "name: 服务人次", cx)?.0,
                    value: g.req("value", "value: 3650", cx)?,
                    unit: g.opt("unit", cx),
                    baseline: g.opt("baseline", cx),
                })
            },
            &["station", "name", "value", "unit", "baseline"],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_and_path(path: &str) -> (Kind, String, String) {
        let p = classify(path).unwrap();
        (p.kind, p.key, p.site_path)
    }

    #[test]
    fn paths_decide_kinds_and_urls() {
        assert_eq!(
            kind_and_path("_index.md"),
            (Kind::Home, "".into(), "".into())
        );
        assert_eq!(
            kind_and_path("stations/huidong.md"),
            (Kind::Station, "huidong".into(), "stations/huidong/".into())
        );
        assert_eq!(
            kind_and_path("news/2026/kaimu.md"),
            (Kind::News, "kaimu".into(), "news/kaimu/".into())
        );
        assert_eq!(
            kind_and_path("services/huidong/tanfang.md"),
            (
                Kind::Service,
                "huidong/tanfang".into(),
                "services/huidong/tanfang/".into()
            )
        );
        assert_eq!(
            kind_and_path("training/jichu/_index.md"),
            (Kind::Course, "jichu".into(), "training/jichu/".into())
        );
        assert_eq!(
            kind_and_path("training/jichu/l1.md"),
            (Kind::Lesson, "jichu/l1".into(), "training/jichu/l1/".into())
        );
        assert_eq!(
            kind_and_path("about.md"),
            (Kind::Page, "about".into(), "about/".into())
        );
        assert_eq!(
            kind_and_path("guide/_index.md"),
            (Kind::Page, "guide".into(), "guide/".into())
        );
        assert_eq!(kind_and_path("stations/_index.md").0, Kind::Section);
    }

    #[test]
    fn misplaced_and_misnamed_files_are_errors() {
        let e = classify("services/tanfang.md").unwrap_err();
        assert_eq!(e.code, "E-PATH-SERVICE-NO-STATION");
        assert!(
            e.hint_in(crate::messages::Lang::ZhCn)
                .unwrap_or_default()
                .contains("services/huidong/tanfang.md")
        );
        let e = classify("stations/HuiDong.md").unwrap_err();
        assert_eq!(e.code, "E-PATH-BAD-ID");
        assert!(e.message().contains("`HuiDong`"), "{}", e.message());
        assert!(classify("关于.md").is_err());
        assert!(classify("training/a/b/c.md").is_err());
    }

    #[test]
    fn aliases_are_normalised_and_unsafe_ones_refused() {
        assert_eq!(
            normalise_alias("/old/huidong").as_deref(),
            Some("old/huidong/")
        );
        assert_eq!(
            normalise_alias("huidong.html").as_deref(),
            Some("huidong.html")
        );
        assert_eq!(normalise_alias("/../../etc/passwd"), None);
        assert_eq!(normalise_alias("https://other.org/x"), None);
    }
}
