//! `zhan init` and `zhan new`: a new site, and a new content file to fill in.

use std::borrow::Cow;
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
    let demo = DEMO_SITE
        .iter()
        .map(|(p, b)| (PathBuf::from(p), Cow::Borrowed(*b)));
    write_site(dir, demo)
}

/// Writes a site without the demo's content into `dir` (which must be empty
/// or not exist): `site.yaml` with the demo's settings and vocabularies,
/// explained in Chinese comments, a home page that says what to do next, and
/// the default theme. Returns the number of files written.
pub fn init_empty(dir: &Path) -> Result<usize, Refusal> {
    let files = [
        (PathBuf::from("site.yaml"), empty_site_yaml().into_bytes()),
        (
            PathBuf::from("content/_index.md"),
            EMPTY_HOME.as_bytes().to_vec(),
        ),
    ];
    write_site(dir, files.into_iter().map(|(p, b)| (p, Cow::Owned(b))))
}

/// Writes `files` (paths relative to `dir`), the default theme and a
/// `.gitignore` into `dir`, which must be empty or not exist.
fn write_site<'a>(
    dir: &Path,
    files: impl Iterator<Item = (PathBuf, Cow<'a, [u8]>)>,
) -> Result<usize, Refusal> {
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
    let files = files
        .chain(
            DEFAULT_THEME
                .iter()
                .map(|(p, b)| (Path::new("themes/default").join(p), Cow::Borrowed(*b))),
        )
        .chain(std::iter::once((
            PathBuf::from(".gitignore"),
            Cow::Borrowed(&b"output/\n"[..]),
        )));
    for (rel, bytes) in files {
        let path = dir.join(rel);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &bytes));
        written.map_err(|e| {
            refuse("E-WRITE-FILE", "H-WRITE-FILE")
                .arg("file", path.display().to_string())
                .arg("detail", e.to_string())
        })?;
        count += 1;
    }
    Ok(count)
}

/// The home page of `zhan init --empty`: a welcome that says what to do next.
/// It is site content, in the site's language (Chinese), whatever `--lang`.
const EMPTY_HOME: &str = "---
title: 我们的社工站
summary: 欢迎来到我们的社区社工站。
---

欢迎！这是新网站的首页。网站就是这个文件夹：`site.yaml` 写网站的名称和词表，`content/` 里每个 `.md` 文件是一个页面，这一页就是 `content/_index.md`。

## 接下来做什么

1. 打开 `site.yaml`，把网站名称（`title`）改成你们社工站的名字。
2. 新建第一个社工站：在这个文件夹里运行 `zhan new station 编号`，编号用拼音，例如 `zhan new station huidong`，然后打开 `content/stations/huidong.md` 填写。
3. 给社工站加一项服务：`zhan new service huidong/laoren-tanfang`。
4. 运行 `zhan serve`，在浏览器里打开它显示的网址，边改边看；每次保存，页面会自动刷新。
5. 最后把这一页的文字换成你们社工站的介绍。
";

/// The `site.yaml` of `zhan init --empty`: the demo's settings and the
/// content model's vocabularies (the demo's), each explained in Chinese.
fn empty_site_yaml() -> String {
    let v = Vocabularies::default();
    let list = |words: &[String]| format!("[{}]", words.join(", "));
    format!(
        "# 网站设置。以 # 开头的是说明，zhan 不读它们。改完保存即可。
# 冒号、逗号、方括号都要用英文（半角）的：  title: 名称   [老年人, 儿童]

# 网站名称：显示在每一页的顶部和浏览器的标签上。
title: 我们的社工站
# 一句话介绍：显示在首页，也给搜索引擎看。
description: 本社区社工站的服务清单、社区社会组织、培训课程和工作动态。
# 网站发布后的网址，以 / 结尾。发布前改成真实的网址。
base_url: https://example.org/
# 网站的语言，一般不用改。
language: zh-CN
# 网站的外观（主题）：default 是自带的主题，在 themes/default/ 文件夹里。
theme: default
# 站内搜索：写 false 就不生成搜索页。
search: true
# 全站公开的手机号（如站里的值班手机）：隐私检查不会把它们当成居民的号码，
# 如 [\"138 0013 8000\"]。页面自己的联系电话写在页面的 phone、contact 字段里就行。
public_phones: []

# 词表：下面每一行是一组可选的值，页面里的字段只能写其中的值。
# 可以增加、删除或改名；改了名字，用到旧名字的文件也要跟着改。
vocabularies:
  # 服务类别：服务的 category、社区组织的 focus 从这里选。
  service_category: {}
  # 服务对象：服务的 audience 从这里选，可选几个。
  audience: {}
  # 组织类型：社区组织的 kind 从这里选。
  org_kind: {}
  # 培训层级：培训课程的 level 从这里选。
  training_level: {}
  # 资质：社工站工作人员（staff）的 qualification 从这里选。
  qualification: {}

# 法定节假日和调休上班日，每年一项：closed 写放假的日子，workdays 写调休
# 上班的周末，一段日子用两个点连起来（2026-10-01..2026-10-07）。写了
# `holidays: closed` 或备注“节假日除外”的活动，这些日子不进日历。
# 下面是国务院办公厅公布的 2026 年安排；以后每年照样加一项。
holidays:
  2026:
    closed:
      - 2026-01-01..2026-01-03   # 元旦
      - 2026-02-15..2026-02-23   # 春节
      - 2026-04-04..2026-04-06   # 清明节
      - 2026-05-01..2026-05-05   # 劳动节
      - 2026-06-19..2026-06-21   # 端午节
      - 2026-09-25..2026-09-27   # 中秋节
      - 2026-10-01..2026-10-07   # 国庆节
    workdays: [2026-01-04, 2026-02-14, 2026-02-28, 2026-05-09, 2026-09-20, 2026-10-10]
",
        list(&v.service_category),
        list(&v.audience),
        list(&v.org_kind),
        list(&v.training_level),
        list(&v.qualification),
    )
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
    let rel = rel_path(kind, &parts);
    let file = root.join("content").join(&rel);
    if file.exists() {
        return Err(refuse("E-NEW-EXISTS", "H-NEW-EXISTS").arg("file", file.display().to_string()));
    }
    let text = new_text(root, kind, &parts);
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

/// Where a new file of `kind` at `parts` (as `NEW_KINDS` describes, checked
/// by the caller) goes, relative to `content/`.
pub(crate) fn rel_path(kind: &str, parts: &[&str]) -> String {
    let first = parts.first().copied().unwrap_or_default();
    let second = parts.get(1).copied().unwrap_or_default();
    match kind {
        "station" => format!("stations/{first}.md"),
        "service" => format!("services/{first}/{second}.md"),
        "organization" => format!("organizations/{first}.md"),
        "course" => format!("training/{first}/_index.md"),
        "lesson" => format!("training/{first}/{second}.md"),
        "project" => format!("projects/{first}.md"),
        "report" => format!("reports/{first}.md"),
        "news" => format!("news/{first}.md"),
        _ => format!("{}.md", parts.join("/")),
    }
}

/// The text `zhan new` writes for `kind` at `parts` in the site at `root`:
/// every field of the type to fill in, with the site's vocabularies.
pub(crate) fn new_text(root: &Path, kind: &str, parts: &[&str]) -> String {
    let mut ignored = Diagnostics::new();
    let (config, _) = Config::load(&SitePaths::new(root), &mut ignored);
    let station = first_station(root).unwrap_or_else(|| "huidong".to_string());
    template(kind, parts, &config.vocabularies, &station)
}

/// [`new_text`] with `title` written in (quoted as YAML needs; the line's
/// comment kept): what the editor's 「新建」 creates.
pub(crate) fn new_text_titled(
    root: &Path,
    kind: &str,
    parts: &[&str],
    title: &str,
) -> Result<String, crate::edit::EditError> {
    let text = new_text(root, kind, parts);
    let path = crate::edit::FieldPath::parse("title")?;
    crate::edit::apply(
        &text,
        &[crate::edit::Change::Set(
            path,
            crate::edit::Val::text(title),
        )],
    )
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
        parts.first().copied().unwrap_or(station)
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
            // file does not exist yet, and the build would stop on it. So is
            // one that accepts a privacy finding: there is none yet.
            let example_only = members.iter().any(|m| m.required && m.shape == Shape::File)
                || field.key == "privacy_ok";
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Config, Diagnostics) {
        let mut diagnostics = Diagnostics::new();
        let config = Config::parse(text, "site.yaml", &mut diagnostics);
        (config, diagnostics)
    }

    #[test]
    fn the_empty_site_yaml_has_the_demo_settings_and_vocabularies() {
        let (empty, problems) = parse(&empty_site_yaml());
        assert!(problems.is_empty(), "{problems:?}");
        let demo_text = DEMO_SITE
            .iter()
            .find(|(p, _)| *p == "site.yaml")
            .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
            .expect("the demo has a site.yaml");
        let (demo, _) = parse(&demo_text);
        assert_eq!(empty.title, "我们的社工站");
        assert_eq!(empty.vocabularies, demo.vocabularies);
        assert_eq!(empty.base_url, demo.base_url);
        assert_eq!(empty.language, demo.language);
        assert_eq!(empty.theme, demo.theme);
        assert_eq!(empty.holidays, demo.holidays);
        assert!(empty.search);
        assert!(empty.public_phones.is_empty());
    }
}
