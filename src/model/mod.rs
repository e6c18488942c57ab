//! Stage 2, model: each Markdown file becomes a typed item (station, service,
//! organization, course, lesson, project, report, news, page) with its fields
//! read and checked one by one. References to other items are kept as ids with
//! their positions; the link stage resolves them.

pub mod config;
pub mod fields;
mod parse;
pub mod recurrence;
pub mod schema;
pub mod values;

use serde::Serialize;

use crate::load::Document;
pub use parse::{Draft, Read, classify, normalise_alias, read_document};
pub use values::{Date, FileRef, Num, Ref, TimeRange, Weekday};

/// What an item is, decided by where its file is in `content/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Home,
    Station,
    Service,
    Organization,
    Course,
    Lesson,
    Project,
    Report,
    News,
    Page,
    /// `stations/_index.md` and the like: the text of a list page.
    Section,
}

impl Kind {
    /// The kinds an author writes, in the order of the content model (the
    /// order the editor lists them and the search index numbers them).
    pub const AUTHORED: [Kind; 9] = [
        Kind::Station,
        Kind::Service,
        Kind::Organization,
        Kind::Course,
        Kind::Lesson,
        Kind::Project,
        Kind::Report,
        Kind::News,
        Kind::Page,
    ];

    /// Every kind, for tests.
    pub const ALL: [Kind; 11] = [
        Kind::Home,
        Kind::Station,
        Kind::Service,
        Kind::Organization,
        Kind::Course,
        Kind::Lesson,
        Kind::Project,
        Kind::Report,
        Kind::News,
        Kind::Page,
        Kind::Section,
    ];
    /// The kind's name in messages (社工站, station).
    pub fn noun(self) -> crate::messages::Arg {
        crate::messages::key(format!("kind.{}", self.name()))
    }
    /// The kind's name with an article in messages (一个社工站, a station).
    pub fn a_noun(self) -> crate::messages::Arg {
        crate::messages::key(format!("kind-a.{}", self.name()))
    }
    /// The key of the kind in catalogs: its [`Kind::name`].
    pub fn key(self) -> &'static str {
        self.name()
    }
    /// The kind's name as templates and interface strings know it
    /// (`station`, as in `kind_station`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Home => "home",
            Kind::Station => "station",
            Kind::Service => "service",
            Kind::Organization => "organization",
            Kind::Course => "course",
            Kind::Lesson => "lesson",
            Kind::Project => "project",
            Kind::Report => "report",
            Kind::News => "news",
            Kind::Page => "page",
            Kind::Section => "section",
        }
    }
    /// The folder of `content/` that holds items of this kind.
    pub fn folder(self) -> &'static str {
        match self {
            Kind::Station => "stations",
            Kind::Service => "services",
            Kind::Organization => "organizations",
            Kind::Course | Kind::Lesson => "training",
            Kind::Project => "projects",
            Kind::Report => "reports",
            Kind::News => "news",
            Kind::Home | Kind::Page | Kind::Section => "",
        }
    }
}

/// The fields every item may have.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Meta {
    pub title: String,
    pub summary: Option<String>,
    pub tags: Vec<String>,
    pub date: Option<Date>,
    pub updated: Option<Date>,
    pub draft: bool,
    pub weight: Option<i64>,
    pub cover: Option<FileRef>,
    /// What the cover shows, for readers who cannot see it.
    pub cover_alt: Option<String>,
    pub aliases: Vec<AliasRef>,
    /// Findings of the privacy check this page publishes on purpose. Not
    /// part of the page: never serialized for templates or open data.
    #[serde(skip)]
    pub privacy_ok: Vec<PrivacyOk>,
    /// Photos shown under the body: stations, projects, reports and news
    /// have them (see `schema::GALLERY`); empty for the other kinds.
    pub gallery: Vec<Photo>,
}

/// One photo of a `gallery`.
#[derive(Debug, Clone, Serialize)]
pub struct Photo {
    pub file: FileRef,
    pub caption: Option<String>,
    pub alt: Option<String>,
}

/// One `privacy_ok` entry: a number the privacy check would report, which
/// the page publishes on purpose, and why.
#[derive(Debug, Clone)]
pub struct PrivacyOk {
    pub value: String,
    pub why: String,
    /// Where `value` is written (the unused-entry warning points here).
    pub pos: crate::diagnostics::Pos,
    pub len: u32,
    /// The lines of `value` and `why`: the number written there is the
    /// entry itself, not a finding.
    pub lines: [u32; 2],
}

/// An old URL that should redirect to the item.
#[derive(Debug, Clone, Serialize)]
pub struct AliasRef {
    /// Normalised site path, e.g. `old/huidong/` or `old/huidong.html`.
    pub path: String,
    #[serde(skip)]
    pub pos: crate::diagnostics::Pos,
}

/// Opening hours and service sessions: weekly on some days, or once on a date.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Session {
    pub days: Vec<Weekday>,
    pub date: Option<Date>,
    pub time: Option<TimeRange>,
    pub note: Option<String>,
    /// `closed` (not held on statutory holidays) or `open`, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holidays: Option<String>,
    /// A one-off session held instead of the regular session of its day.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub replaces: bool,
    /// Where the session's entry starts, for warnings about it.
    #[serde(skip)]
    pub pos: crate::diagnostics::Pos,
}

/// Notes that say a session is not held on statutory holidays.
const HOLIDAY_CLOSED_NOTES: [&str; 4] = ["节假日除外", "节假日休息", "节假日不开放", "节假日暂停"];

impl Session {
    /// Whether the session is not held on the site's statutory holidays:
    /// `holidays: closed`, or a note that says so (`节假日除外`,
    /// `法定节假日休息`); `holidays: open` keeps it on holidays whatever the
    /// note says.
    pub fn closed_on_holidays(&self) -> bool {
        match self.holidays.as_deref() {
            Some(written) => written == "closed",
            None => self
                .note
                .as_deref()
                .is_some_and(|n| HOLIDAY_CLOSED_NOTES.iter().any(|p| n.contains(p))),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Space {
    pub name: String,
    pub kind: String,
    pub capacity: Option<u32>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Staff {
    pub name: String,
    pub role: Option<String>,
    pub qualification: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Station {
    pub street: Option<String>,
    pub community: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub established: Option<Date>,
    pub pilot: bool,
    pub mascot: Option<String>,
    pub opening_hours: Vec<Session>,
    /// Whose hours a make-up working day (调休上班日) keeps: that weekday's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub makeup_days: Option<Weekday>,
    pub spaces: Vec<Space>,
    pub staff: Vec<Staff>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub station: Ref,
    pub category: String,
    pub audience: Vec<String>,
    pub providers: Vec<Ref>,
    pub fee: Option<String>,
    pub location: Option<String>,
    pub online: bool,
    pub schedule: Vec<Session>,
    /// Whose sessions a make-up working day (调休上班日) holds: that weekday's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub makeup_days: Option<Weekday>,
    pub how_to_apply: Vec<String>,
    pub contact: Option<String>,
    pub status: String,
    pub eligibility: Option<String>,
    pub materials: Vec<String>,
    pub complaint_phone: Option<String>,
}

impl Service {
    /// Running now: neither paused nor ended. Only active services are on
    /// printed menus, in calendars and in the menu CSV.
    pub fn is_active(&self) -> bool {
        self.status == "active"
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Organization {
    pub station: Option<Ref>,
    pub kind: Option<String>,
    pub founded: Option<Date>,
    pub stage: Option<String>,
    pub mentor: Option<Ref>,
    pub members: Option<u32>,
    pub focus: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub title: String,
    pub file: FileRef,
}

#[derive(Debug, Clone, Serialize)]
pub struct Course {
    pub level: String,
    pub format: Option<String>,
    pub hours: Option<Num>,
    pub trainers: Vec<String>,
    pub topics: Vec<String>,
    pub prerequisites: Vec<Ref>,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Lesson {
    /// The course folder the lesson is in.
    pub course: String,
    pub duration: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub name: String,
    pub value: Num,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Project {
    pub station: Option<Ref>,
    pub organizations: Vec<Ref>,
    pub start: Option<Date>,
    pub end: Option<Date>,
    pub budget: Option<Num>,
    pub status: Option<String>,
    pub outcomes: Vec<Outcome>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Metric {
    pub station: Ref,
    pub name: String,
    pub value: Num,
    pub unit: Option<String>,
    pub baseline: Option<Num>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub stations: Vec<Ref>,
    pub metrics: Vec<Metric>,
}

#[derive(Debug, Clone, Serialize)]
pub struct News {
    /// The station the news is about, if one (an added field: per-station feeds).
    pub station: Option<Ref>,
}

/// The fields particular to each kind.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Data {
    None,
    Station(Station),
    Service(Service),
    Organization(Organization),
    Course(Course),
    Lesson(Lesson),
    Project(Project),
    Report(Report),
    News(News),
}

/// One content file, typed.
#[derive(Debug, Clone)]
pub struct Item {
    pub kind: Kind,
    /// The id others use to refer to it (file stem; a course's folder name).
    pub id: String,
    /// Unique among items of its kind: `huidong/laoren-tanfang` for a service,
    /// `course/lesson` for a lesson, the id otherwise; for sections, their folder.
    pub key: String,
    /// Where it is published, relative to the site root: `stations/huidong/`.
    pub site_path: String,
    pub meta: Meta,
    pub data: Data,
    pub doc: Document,
}

impl Item {
    pub fn station(&self) -> Option<&Station> {
        match &self.data {
            Data::Station(s) => Some(s),
            _ => None,
        }
    }
    pub fn service(&self) -> Option<&Service> {
        match &self.data {
            Data::Service(s) => Some(s),
            _ => None,
        }
    }
    pub fn organization(&self) -> Option<&Organization> {
        match &self.data {
            Data::Organization(o) => Some(o),
            _ => None,
        }
    }
    pub fn course(&self) -> Option<&Course> {
        match &self.data {
            Data::Course(c) => Some(c),
            _ => None,
        }
    }
    pub fn lesson(&self) -> Option<&Lesson> {
        match &self.data {
            Data::Lesson(l) => Some(l),
            _ => None,
        }
    }
    pub fn project(&self) -> Option<&Project> {
        match &self.data {
            Data::Project(p) => Some(p),
            _ => None,
        }
    }
    pub fn report(&self) -> Option<&Report> {
        match &self.data {
            Data::Report(r) => Some(r),
            _ => None,
        }
    }
    pub fn news(&self) -> Option<&News> {
        match &self.data {
            Data::News(n) => Some(n),
            _ => None,
        }
    }

    /// The date used to order dated items, and for the sitemap.
    pub fn last_changed(&self) -> Option<Date> {
        self.meta.updated.or(self.meta.date)
    }
}

/// The allowed values of the fixed (non-vocabulary) choices of the model.
pub mod choices {
    pub const SPACE_KIND: &[&str] = &["casework", "group", "learning", "office", "other"];
    pub const SERVICE_STATUS: &[&str] = &["active", "paused", "ended"];
    pub const ORG_STAGE: &[&str] = &["incubating", "filed", "registered"];
    pub const COURSE_FORMAT: &[&str] = &["online", "offline", "blended"];
    pub const PROJECT_STATUS: &[&str] = &["planned", "running", "done"];
    pub const SESSION_HOLIDAYS: &[&str] = &["closed", "open"];
    /// The weekdays whose schedule a make-up working day can follow.
    pub const MAKEUP_DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri"];
}
