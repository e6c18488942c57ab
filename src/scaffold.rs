//! `zhan init` and `zhan new`: a new site, and a new content file to fill in.

use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostics;
use crate::load::SitePaths;
use crate::model::Kind;
use crate::model::config::{Config, Vocabularies};
use crate::model::schema::{self, Field, Shape, Vocabulary};
use crate::model::values::is_valid_id;
use crate::render::theme::{DEFAULT_THEME, DEMO_SITE};

/// A problem the user must fix before the command can run: a message code
/// and its arguments.
pub type Refusal = crate::diagnostics::Problem;

fn refuse(code: &'static str, hint: &'static str) -> Refusal {
    Refusal::new(code).with_hint(hint)
}

/// Writes the demo site and the default theme into `dir`, which must be empty
/// or not exist. Returns the number of files written.
pub fn init(dir: &Path) -> Result<usize, Refusal> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .map_err(|e| {
                refuse("E-INIT-READ", "H-INIT-READ")
                    .arg("folder", dir.display().to_string())
                    .arg("detail", e.to_string())
            })?;
        if !empty {
            return Err(refuse("E-INIT-NOT-EMPTY", "H-INIT-NOT-EMPTY")
                .arg("folder", dir.display().to_string()));
        }
    }
    let mut count = 0;
    let files = DEMO_SITE
        .iter()
        .map(|(p, b)| (PathBuf::from(p), *b))
        .chain(
            DEFAULT_THEME
                .iter()
                .map(|(p, b)| (Path::new("themes/default").join(p), *b)),
        )
        .chain(std::iter::once((
            PathBuf::from(".gitignore"),
            &b"output/\n"[..],
        )));
    for (rel, bytes) in files {
        let path = dir.join(rel);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, bytes));
        written.map_err(|e| {
            refuse("E-WRITE-FILE", "H-WRITE-FILE")
                .arg("file", path.display().to_string())
                .arg("detail", e.to_string())
        })?;
        count += 1;
    }
    Ok(count)
}

/// The kinds `zhan new` knows, with an example of their PATH.
pub const NEW_KINDS: &[(&str, &str)] = &[
    ("station", "huidong"),
    ("service", "huidong/laoren-tanfang"),
    ("organization", "tongxin-weilao"),
    ("course", "shegong-jichu"),
    ("lesson", "shegong-jichu/di-yi-jiang"),
    ("project", "loumen-gaizao"),
    ("report", "shidian-yinian"),
    ("news", "kaimu-2026"),
    ("page", "guide/contact"),
];

/// Creates a content file of `kind` at `path` (as `NEW_KINDS` describes), with
/// its front matter laid out to fill in. Returns the file written.
pub fn new_item(root: &Path, kind: &str, path: &str) -> Result<PathBuf, Refusal> {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    let Some(&(_, example)) = NEW_KINDS.iter().find(|(k, _)| *k == kind) else {
        let kinds: Vec<&str> = NEW_KINDS.iter().map(|(k, _)| *k).collect();
        let refusal = Refusal::new("E-NEW-KIND")
            .arg("kind", kind)
            .arg("kinds", crate::messages::list(kinds.iter().copied()));
        return Err(
            match crate::diagnostics::did_you_mean(kind, kinds.iter().copied()) {
                Some(close) => refusal.arg("close", close).with_hint("H-NEW-KIND-CLOSE"),
                None => refusal.with_hint("H-NEW-KIND"),
            },
        );
    };
    let two = matches!(kind, "service" | "lesson");
    let shape_ok = if kind == "page" {
        !parts.is_empty()
    } else if two {
        parts.len() == 2
    } else {
        parts.len() == 1
    };
    if !shape_ok {
        let shape = match kind {
            "service" => "H-NEW-SHAPE-SERVICE",
            "lesson" => "H-NEW-SHAPE-LESSON",
            "page" => "H-NEW-SHAPE-PAGE",
            _ => "H-NEW-SHAPE-ONE",
        };
        return Err(Refusal::new("E-NEW-SHAPE")
            .arg("path", path)
            .arg("kind", crate::messages::key(format!("kind.{kind}")))
            .arg("example", example)
            .with_hint(shape));
    }
    if let Some(bad) = parts.iter().find(|p| !is_valid_id(p)) {
        return Err(refuse("E-NEW-BAD-ID", "H-PATH-BAD-ID").arg("name", *bad));
    }
    // A service needs its station, a lesson its course: a file in a folder
    // of a mistyped id would fail the build (or found a station by accident).
    let parent = match kind {
        "service" => Some(("kind.station", stations(root), "station")),
        "lesson" => Some(("kind.course", courses(root), "course")),
        _ => None,
    };
    if let Some((what, known, new_kind)) = parent {
        if !known.iter().any(|id| id == parts[0]) {
            let refusal = Refusal::new("E-NEW-NO-PARENT")
                .arg("kind", crate::messages::key(what))
                .arg("id", parts[0]);
            let close =
                crate::diagnostics::did_you_mean(parts[0], known.iter().map(String::as_str));
            return Err(match close {
                Some(close) => refusal
                    .arg("close", close)
                    .arg("rest", parts[1])
                    .with_hint("H-NEW-NO-PARENT-CLOSE"),
                None => refusal
                    .arg("new_kind", new_kind)
                    .with_hint("H-NEW-NO-PARENT"),
            });
        }
    }
    let rel = match kind {
        "station" => format!("stations/{}.md", parts[0]),
        "service" => format!("services/{}/{}.md", parts[0], parts[1]),
        "organization" => format!("organizations/{}.md", parts[0]),
        "course" => format!("training/{}/_index.md", parts[0]),
        "lesson" => format!("training/{}/{}.md", parts[0], parts[1]),
        "project" => format!("projects/{}.md", parts[0]),
        "report" => format!("reports/{}.md", parts[0]),
        "news" => format!("news/{}.md", parts[0]),
        _ => format!("{}.md", parts.join("/")),
    };
    let file = root.join("content").join(&rel);
    if file.exists() {
        return Err(refuse("E-NEW-EXISTS", "H-NEW-EXISTS").arg("file", file.display().to_string()));
    }
    let mut ignored = Diagnostics::new();
    let (config, _) = Config::load(&SitePaths::new(root), &mut ignored);
    let station = first_station(root).unwrap_or_else(|| "huidong".to_string());
    let text = template(kind, &parts, &config.vocabularies, &station);
    file.parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&file, text))
        .map_err(|e| {
            refuse("E-WRITE-FILE", "H-WRITE-FILE")
                .arg("file", file.display().to_string())
                .arg("detail", e.to_string())
        })?;
    Ok(file)
}

/// The id of the first station of the site (alphabetically), to fill in `station:`.
fn first_station(root: &Path) -> Option<String> {
    stations(root).into_iter().next()
}

/// The ids of the site's stations, sorted.
fn stations(root: &Path) -> Vec<String> {
    let mut ids: Vec<String> = walkdir::WalkDir::new(root.join("content/stations"))
        .max_depth(1)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| {
            e.file_name()
                .to_str()?
                .strip_suffix(".md")
                .map(str::to_string)
        })
        .filter(|id| is_valid_id(id))
        .collect();
    ids.sort();
    ids
}

/// The ids of the site's courses (folders of `training/` with an `_index.md`).
fn courses(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join("content/training")) else {
        return Vec::new();
    };
    let mut ids: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().join("_index.md").is_file())
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|id| is_valid_id(id))
        .collect();
    ids.sort();
    ids
}

/// What a new file of `kind` says before the author fills it in: every field
/// of its type (`model::schema`), each with an example or a placeholder and a
/// comment in Chinese that explains it and lists its choices.
fn template(kind: &str, parts: &[&str], v: &Vocabularies, station: &str) -> String {
    let kind = match kind {
        "station" => Kind::Station,
        "service" => Kind::Service,
        "organization" => Kind::Organization,
        "course" => Kind::Course,
        "lesson" => Kind::Lesson,
        "project" => Kind::Project,
        "report" => Kind::Report,
        "news" => Kind::News,
        _ => Kind::Page,
    };
    // A service belongs to the station of its folder.
    let station = if kind == Kind::Service {
        parts[0]
    } else {
        station
    };
    let filler = Filler {
        kind,
        vocabularies: v,
        station,
        today: crate::model::Date::today_in_china().to_string(),
    };
    let mut front = String::new();
    for field in schema::fields(kind) {
        filler.write(&mut front, field, "");
    }
    format!(
        "---\n{front}---\n\n{}\n\n## 小标题\n\n一段文字。\n",
        schema::BODY_PLACEHOLDER
    )
}

struct Filler<'a> {
    kind: Kind,
    vocabularies: &'a Vocabularies,
    station: &'a str,
    today: String,
}

/// Comments start at this column, so that they line up.
const COMMENT_COLUMN: usize = 28;

impl Filler<'_> {
    fn vocabulary(&self, which: Vocabulary) -> &[String] {
        let v = self.vocabularies;
        match which {
            Vocabulary::ServiceCategory => &v.service_category,
            Vocabulary::Audience => &v.audience,
            Vocabulary::OrgKind => &v.org_kind,
            Vocabulary::TrainingLevel => &v.training_level,
            Vocabulary::Qualification => &v.qualification,
        }
    }

    /// The value written for `field` (`top`: not in a group), and what the
    /// comment adds to its help.
    fn value(&self, field: &Field, top: bool) -> (String, String) {
        let today = || self.today.clone();
        match (field.key, field.shape) {
            ("title", _) if top => (
                schema::title_placeholder(self.kind).to_string(),
                String::new(),
            ),
            ("summary", _) if top => (schema::SUMMARY_PLACEHOLDER.to_string(), String::new()),
            ("date", Shape::Date) if top && matches!(self.kind, Kind::News | Kind::Report) => {
                (today(), String::new())
            }
            ("weight", _) if top && self.kind == Kind::Lesson => ("1".to_string(), String::new()),
            (_, Shape::Choice(choices)) => (field.example.to_string(), schema::explain(choices)),
            (_, Shape::Vocabulary(which)) => {
                let list = self.vocabulary(which);
                let first = list.first().cloned().unwrap_or_default();
                (first, format!("可选：{}", list.join("、")))
            }
            (_, Shape::VocabularyList(which)) => {
                let list = self.vocabulary(which);
                let first = list.first().cloned().unwrap_or_default();
                (format!("[{first}]"), format!("可选：{}", list.join("、")))
            }
            (_, Shape::Ref(Kind::Station)) => (self.station.to_string(), String::new()),
            (_, Shape::Ref(_)) => (String::new(), String::new()),
            (_, Shape::RefList(Kind::Station)) => (format!("[{}]", self.station), String::new()),
            (_, Shape::Date)
                if matches!(field.key, "established" | "founded" | "start" | "end") =>
            {
                (today(), String::new())
            }
            (_, Shape::TextList | Shape::RefList(_) | Shape::Paths) if field.example.is_empty() => {
                ("[]".to_string(), String::new())
            }
            _ => (field.example.to_string(), String::new()),
        }
    }

    /// Writes `field` at `indent`; a group as a list with one entry.
    fn write(&self, out: &mut String, field: &Field, indent: &str) {
        let mut comment = field.label().to_string();
        comment.push('：');
        comment.push_str(field.help);
        if let Shape::Group(members) = field.shape {
            // An entry that names a file is an example in a comment: the
            // file does not exist yet, and the build would stop on it.
            let example_only = members.iter().any(|m| m.required && m.shape == Shape::File);
            if example_only {
                line(out, &format!("{indent}{}: []", field.key), &comment);
            } else {
                line(out, &format!("{indent}{}:", field.key), &comment);
            }
            let comment_out = if example_only { "# " } else { "" };
            for (i, member) in members.iter().enumerate() {
                let lead = if i == 0 {
                    format!("{indent}{comment_out}  - ")
                } else {
                    format!("{indent}{comment_out}    ")
                };
                let (value, more) = self.value(member, false);
                let mut note = format!("{}：{}", member.label(), member.help);
                if !more.is_empty() {
                    note.push_str(&more);
                }
                line(out, &join(&format!("{lead}{}:", member.key), &value), &note);
            }
            return;
        }
        let (value, more) = self.value(field, true);
        if !more.is_empty() {
            comment.push_str(&more);
        }
        line(
            out,
            &join(&format!("{indent}{}:", field.key), &value),
            &comment,
        );
    }
}

/// `key:` and its value, if any.
fn join(key: &str, value: &str) -> String {
    if value.is_empty() {
        key.to_string()
    } else {
        format!("{key} {value}")
    }
}

/// Writes `text` and its comment, aligned.
fn line(out: &mut String, text: &str, comment: &str) {
    out.push_str(text);
    let width: usize = text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    let pad = COMMENT_COLUMN.saturating_sub(width).max(1);
    out.extend(std::iter::repeat_n(' ', pad));
    out.push_str("# ");
    out.push_str(comment);
    out.push('\n');
}
