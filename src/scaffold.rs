//! `zhan init` and `zhan new`: a new site, and a new content file to fill in.

use std::path::{Path, PathBuf};

use crate::diagnostics::Diagnostics;
use crate::load::SitePaths;
use crate::model::config::{Config, Vocabularies};
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

fn choices(list: &[String]) -> String {
    list.join("、")
}

fn first(list: &[String]) -> &str {
    list.first().map_or("", String::as_str)
}

/// The id of the first station of the site (alphabetically), to fill in `station:`.
fn first_station(root: &Path) -> Option<String> {
    let mut ids: Vec<String> = walkdir::WalkDir::new(root.join("content/stations"))
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
    ids.into_iter().next()
}

fn template(kind: &str, parts: &[&str], v: &Vocabularies, station: &str) -> String {
    let today = crate::model::Date::today_in_china().to_string();
    let body = "\n在这里用 Markdown 写正文。\n\n## 小标题\n\n一段文字。\n";
    let front = match kind {
        "station" => format!(
            "title: 某某社区社工站\nsummary: 一句话介绍本站。\nstreet: 某某街道\ncommunity: 某某社区\naddress: 北京市某区某某社区\nphone: \"010-00000000\"\nemail: station@example.org\nestablished: {today}\npilot: false\nopening_hours:\n  - days: [mon, tue, wed, thu, fri]   # mon tue wed thu fri sat sun\n    time: \"09:00-17:30\"\nspaces:\n  - name: 个案工作室\n    kind: casework            # casework、group、learning、office、other\n    capacity: 4\n    description: 兼作心理咨询室\nstaff:\n  - name: 王某\n    role: 站长\n    qualification: {}       # {}\n",
            first(&v.qualification),
            choices(&v.qualification)
        ),
        "service" => format!(
            "title: 服务名称\nsummary: 一句话说明这项服务。\nstation: {station}\ncategory: {}          # {}\naudience: [{}]          # {}\nproviders: []              # 提供服务的组织的 id\nfee: 免费\nlocation: 服务地点\nonline: false\nschedule:\n  - days: [tue, thu]         # mon tue wed thu fri sat sun\n    time: \"09:00-11:30\"\n  # - date: {today}         # 单次活动\n  #   time: \"14:00-16:00\"\nhow_to_apply: [电话预约, 到站登记]\ncontact: \"010-00000000\"\nstatus: active              # active、paused、ended\n",
            first(&v.service_category),
            choices(&v.service_category),
            first(&v.audience),
            choices(&v.audience),
            station = parts[0]
        ),
        "organization" => format!(
            "title: 组织名称\nsummary: 一句话介绍这个组织。\nstation: {station}           # 所属社工站的 id\nkind: {}          # {}\nfounded: {today}\nstage: incubating          # incubating、filed、registered\n# mentor: 带教组织的-id     # 以老带新\nmembers: 10\nfocus: [{}]\n",
            first(&v.org_kind),
            choices(&v.org_kind),
            first(&v.service_category)
        ),
        "course" => format!(
            "title: 课程名称\nsummary: 一句话说明课程。\nlevel: {}          # {}\nformat: blended            # online、offline、blended\nhours: 6\ntrainers: [外部督导 某老师]\ntopics: [服务技能]\nprerequisites: []          # 先修课程的 id\nattachments: []\n#  - title: 课件\n#    file: slides.pdf        # 放在本课程文件夹里\n",
            first(&v.training_level),
            choices(&v.training_level)
        ),
        "lesson" => "title: 第1讲 标题\nweight: 1                  # 在课程中的顺序\nduration: 45               # 分钟\n".to_string(),
        "project" => format!(
            "title: 项目名称\nsummary: 一句话说明项目。\nstation: {station}           # 所属社工站的 id\norganizations: []\nstart: {today}\nend: {today}\nbudget: 10000              # 元\nstatus: planned            # planned、running、done\noutcomes:\n  - name: 参与居民\n    value: 0\n    unit: 人\n"
        ),
        "report" => format!(
            "title: 报告标题\ndate: {today}\nstations: [{station}]\nmetrics:\n  - station: {station}\n    name: 服务人次\n    value: 0\n    unit: 人次\n    baseline: 0\n"
        ),
        "news" => format!("title: 新闻标题\ndate: {today}\nsummary: 一句话概括。\ntags: []\n"),
        _ => "title: 页面标题\nsummary: 一句话概括。\n".to_string(),
    };
    format!("---\n{front}---\n{body}")
}
