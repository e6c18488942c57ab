//! The content model as data: every type's fields, their shapes, and what
//! a station worker calls them.
//!
//! One description serves everything that has to agree on the fields: the
//! parser's list of known fields (a field missing here is "unknown"), the
//! files `zhan new` writes (every field, with its choices explained), the
//! words messages use for a field (`服务类别（category）`), and the check that
//! a template's placeholder was filled in. CONTENT-MODEL.md is the contract
//! this follows; the test at the end parses every template with the real
//! parser, so a field described here that the parser does not know (or
//! reads differently) fails.

use super::Kind;

/// A list the site defines in `site.yaml › vocabularies`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocabulary {
    ServiceCategory,
    Audience,
    OrgKind,
    TrainingLevel,
    Qualification,
}

impl Vocabulary {
    /// Its key under `vocabularies:` in site.yaml.
    pub fn key(self) -> &'static str {
        match self {
            Vocabulary::ServiceCategory => "service_category",
            Vocabulary::Audience => "audience",
            Vocabulary::OrgKind => "org_kind",
            Vocabulary::TrainingLevel => "training_level",
            Vocabulary::Qualification => "qualification",
        }
    }
}

/// What a field holds, as a form or a template needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One line of text.
    Text,
    /// A sentence or two.
    LongText,
    /// `2026-12-05`.
    Date,
    /// A whole number.
    Integer,
    /// A number, possibly with decimals.
    Number,
    /// `true` or `false`.
    YesNo,
    /// A telephone number, written in quotes.
    Phone,
    Email,
    /// A file beside the content file (a path relative to it).
    File,
    /// Lines of text, in order.
    TextList,
    /// One of a fixed set of codes, each with its Chinese meaning.
    Choice(&'static [(&'static str, &'static str)]),
    /// One entry of a site vocabulary.
    Vocabulary(Vocabulary),
    /// Entries of a site vocabulary.
    VocabularyList(Vocabulary),
    /// The id of an item of this kind.
    Ref(Kind),
    /// Ids of items of this kind.
    RefList(Kind),
    /// Weekdays: `[mon, tue]`.
    Days,
    /// A time range: `"09:00-11:30"`.
    TimeRange,
    /// Old addresses of the page: `[/old/page/]`.
    Paths,
    /// A repeatable group of fields (staff, spaces, sessions, ...).
    Group(&'static [Field]),
}

/// One field of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    /// One sentence of help, in Chinese. (What the field is called comes
    /// from the message catalogs, `field.<key>`: see [`Field::label`].)
    pub help: &'static str,
    pub shape: Shape,
    pub required: bool,
    /// What `zhan new` writes: a value to replace (see [`Field::placeholder`]),
    /// or an example that is already valid. Empty: the field is written as a
    /// comment to fill in if wanted.
    pub example: &'static str,
    /// Whether `example` is a placeholder that must not be published as is.
    pub placeholder: bool,
}

const fn field(key: &'static str, help: &'static str, shape: Shape) -> Field {
    Field {
        key,
        help,
        shape,
        required: false,
        example: "",
        placeholder: false,
    }
}

impl Field {
    const fn required(mut self) -> Field {
        self.required = true;
        self
    }
    /// A valid example value for the template.
    const fn example(mut self, example: &'static str) -> Field {
        self.example = example;
        self
    }
    /// A value the author must replace; publishing it is a warning.
    const fn placeholder(mut self, text: &'static str) -> Field {
        self.example = text;
        self.placeholder = true;
        self
    }
    /// What a station worker calls the field, in the language of messages
    /// (the catalogs' `field.<key>`, the names messages use too).
    pub fn label(&self) -> &'static str {
        crate::messages::lookup(crate::messages::lang(), &format!("field.{}", self.key))
            .unwrap_or(self.key)
    }
    /// The name shown to an author: `服务类别（category）`.
    pub fn display_name(&self) -> String {
        format!("{}（{}）", self.label(), self.key)
    }
}

const SERVICE_STATUS: &[(&str, &str)] = &[
    ("active", "正常开展"),
    ("paused", "暂停"),
    ("ended", "已结束"),
];
const SPACE_KIND: &[(&str, &str)] = &[
    ("casework", "个案工作"),
    ("group", "小组活动"),
    ("learning", "专业学习"),
    ("office", "办公"),
    ("other", "其他"),
];
const ORG_STAGE: &[(&str, &str)] = &[
    ("incubating", "培育中"),
    ("filed", "已备案"),
    ("registered", "已登记"),
];
const COURSE_FORMAT: &[(&str, &str)] = &[
    ("online", "线上"),
    ("offline", "线下"),
    ("blended", "线上线下结合"),
];
const SESSION_HOLIDAYS: &[(&str, &str)] = &[
    ("closed", "法定节假日不举行"),
    ("open", "法定节假日照常举行"),
];
const MAKEUP_DAYS: &[(&str, &str)] = &[
    ("mon", "按周一的安排"),
    ("tue", "按周二的安排"),
    ("wed", "按周三的安排"),
    ("thu", "按周四的安排"),
    ("fri", "按周五的安排"),
];
const PROJECT_STATUS: &[(&str, &str)] = &[
    ("planned", "筹备中"),
    ("running", "进行中"),
    ("done", "已完成"),
];

/// The fields every type has.
pub const COMMON: &[Field] = &[
    field("title", "页面的标题，显示在页面顶部和列表里。", Shape::Text).required(),
    field(
        "summary",
        "一句话概括，显示在列表和搜索结果里。",
        Shape::LongText,
    ),
    field("tags", "几个关键词，方便查找。", Shape::TextList),
    field("date", "发布或举行的日期，如 2026-12-05。", Shape::Date),
    field("updated", "内容最近一次修改的日期。", Shape::Date),
    field("draft", "写 true 时先不发布。", Shape::YesNo),
    field("weight", "数字小的排在前面。", Shape::Integer),
    field(
        "cover",
        "与本文件放在一起的图片文件名，如 cover.jpg。",
        Shape::File,
    ),
    field(
        "cover_alt",
        "封面图片上是什么，写给看不见图片的读者，如：居民在活动室下棋。",
        Shape::Text,
    ),
    field(
        "aliases",
        "本页以前的网址，访问时会转到这里。",
        Shape::Paths,
    ),
    field(
        "privacy_ok",
        "隐私检查报出、但本页确实要公开的号码，每个写明原因。",
        Shape::Group(PRIVACY_OK),
    ),
];

/// An entry of `privacy_ok` (see `link::privacy`).
const PRIVACY_OK: &[Field] = &[
    field(
        "value",
        "要公开的号码，和正文里写的一样（空格、短横线不算）。",
        Shape::Text,
    )
    .required()
    .example("\"138 0013 8000\""),
    field("why", "为什么可以公开，如：站里的值班手机。", Shape::Text)
        .required()
        .example("站里的值班手机"),
];

/// One photo of a `gallery`.
const PHOTO: &[Field] = &[
    field("file", "与本文件放在一起的照片文件名。", Shape::File)
        .required()
        .example("photo.jpg"),
    field("caption", "照片下方显示的说明文字。", Shape::Text),
    field(
        "alt",
        "照片上是什么，写给看不见图片的读者；没有说明文字时一定要写。",
        Shape::Text,
    ),
];

/// The `gallery` field of the kinds that show photos.
const GALLERY: Field = field(
    "gallery",
    "一组照片，每张写文件名和说明，发布时自动缩小并去掉拍摄地点等信息。",
    Shape::Group(PHOTO),
);

const SESSION: &[Field] = &[
    field(
        "days",
        "mon 周一、tue 周二、wed 周三、thu 周四、fri 周五、sat 周六、sun 周日。",
        Shape::Days,
    )
    .example("[tue, thu]"),
    field(
        "date",
        "只举行一次的活动写日期，不写每周哪几天。",
        Shape::Date,
    ),
    field(
        "time",
        "开始和结束时间，如 \"09:00-11:30\"。",
        Shape::TimeRange,
    )
    .required()
    .example("\"09:00-11:30\""),
    field("note", "如：节假日除外。", Shape::Text).example("节假日除外"),
    field(
        "holidays",
        "法定节假日（site.yaml 里写的放假日）是否举行；备注写了“节假日除外”也算不举行。",
        Shape::Choice(SESSION_HOLIDAYS),
    ),
    field(
        "replaces",
        "单次活动代替当天的常规活动时写 true，日历里不会出现两场。",
        Shape::YesNo,
    ),
];

const MAKEUP_HELP: &str =
    "调休上班日（site.yaml 里写的 workdays）按星期几的安排；不写就和平常的周末一样。";

const SPACE: &[Field] = &[
    field("name", "场地的名称。", Shape::Text)
        .required()
        .placeholder("场地名称"),
    field("kind", "场地的用途。", Shape::Choice(SPACE_KIND)).example("casework"),
    field("capacity", "最多容纳几人。", Shape::Integer).example("4"),
    field("description", "一句话说明。", Shape::Text),
];

const STAFF: &[Field] = &[
    field("name", "工作人员的姓名。", Shape::Text)
        .required()
        .placeholder("某某"),
    field("role", "如：站长、社工。", Shape::Text).example("社工"),
    field(
        "qualification",
        "site.yaml 中列出的资格之一。",
        Shape::Vocabulary(Vocabulary::Qualification),
    ),
];

const STATION: &[Field] = &[
    field("street", "所属街道办事处或乡镇。", Shape::Text).placeholder("某某街道"),
    field("community", "所在社区。", Shape::Text).placeholder("某某社区"),
    field("address", "居民找得到的详细地址。", Shape::Text).placeholder("某某路某号"),
    field("phone", "居民打来找站里的电话，写在引号里。", Shape::Phone)
        .placeholder("\"010-00000000\""),
    field("email", "站里的邮箱。", Shape::Email),
    field("established", "社工站建站的日期。", Shape::Date),
    field("pilot", "是试点站写 true。", Shape::YesNo).example("false"),
    field(
        "mascot",
        "站里的吉祥物或品牌形象的名字，如“小惠”。",
        Shape::Text,
    ),
    field(
        "opening_hours",
        "每周开放的日子和时间。",
        Shape::Group(SESSION),
    ),
    field("makeup_days", MAKEUP_HELP, Shape::Choice(MAKEUP_DAYS)),
    field("spaces", "站里的场地。", Shape::Group(SPACE)),
    field("staff", "站里的社工和工作人员。", Shape::Group(STAFF)),
    GALLERY,
];

const SERVICE: &[Field] = &[
    field(
        "station",
        "社工站的编号，默认是服务所在的文件夹。",
        Shape::Ref(Kind::Station),
    ),
    field(
        "category",
        "site.yaml 中列出的类别之一。",
        Shape::Vocabulary(Vocabulary::ServiceCategory),
    )
    .required(),
    field(
        "audience",
        "site.yaml 中列出的对象，可写几个。",
        Shape::VocabularyList(Vocabulary::Audience),
    ),
    field(
        "providers",
        "社区组织的编号，可写几个。",
        Shape::RefList(Kind::Organization),
    )
    .example("[]"),
    field("fee", "如：免费。", Shape::Text).example("免费"),
    field("location", "在哪里提供服务。", Shape::Text).placeholder("服务地点"),
    field("online", "也能在线上办理写 true。", Shape::YesNo).example("false"),
    field(
        "schedule",
        "每周的时间，或单次活动的日期。",
        Shape::Group(SESSION),
    ),
    field("makeup_days", MAKEUP_HELP, Shape::Choice(MAKEUP_DAYS)),
    field("how_to_apply", "居民怎样申请，按顺序写。", Shape::TextList)
        .example("[电话预约, 到站登记]"),
    field("contact", "咨询这项服务的电话，写在引号里。", Shape::Phone)
        .placeholder("\"010-00000000\""),
    field(
        "status",
        "服务现在是否开展。",
        Shape::Choice(SERVICE_STATUS),
    )
    .example("active"),
    field(
        "eligibility",
        "谁可以申请，如：辖区60岁以上独居老人。",
        Shape::Text,
    ),
    field("materials", "办理时要带的材料。", Shape::TextList).example("[身份证]"),
    field(
        "complaint_phone",
        "对服务有意见时打的电话，写在引号里。",
        Shape::Phone,
    ),
];

const ORGANIZATION: &[Field] = &[
    field("station", "社工站的编号。", Shape::Ref(Kind::Station)),
    field(
        "kind",
        "site.yaml 中列出的类型之一。",
        Shape::Vocabulary(Vocabulary::OrgKind),
    ),
    field("founded", "组织成立的日期。", Shape::Date),
    field("stage", "组织的备案、登记情况。", Shape::Choice(ORG_STAGE)).example("incubating"),
    field(
        "mentor",
        "带它成长的组织的编号（以老带新）。",
        Shape::Ref(Kind::Organization),
    ),
    field("members", "组织有多少成员。", Shape::Integer).example("10"),
    field(
        "focus",
        "site.yaml 中列出的服务类别，可写几个。",
        Shape::VocabularyList(Vocabulary::ServiceCategory),
    ),
];

const ATTACHMENT: &[Field] = &[
    field("title", "附件的名称。", Shape::Text).example("课件"),
    field("file", "放在本课程文件夹里的文件名。", Shape::File)
        .required()
        .example("slides.pdf"),
];

const COURSE: &[Field] = &[
    field(
        "level",
        "site.yaml 中列出的层级之一。",
        Shape::Vocabulary(Vocabulary::TrainingLevel),
    ),
    field(
        "format",
        "线上、线下还是结合。",
        Shape::Choice(COURSE_FORMAT),
    )
    .example("blended"),
    field("hours", "课程共几个学时。", Shape::Number).example("6"),
    field("trainers", "老师的名字，可写几个。", Shape::TextList).placeholder("[某老师]"),
    field("topics", "课程涉及的主题。", Shape::TextList).example("[]"),
    field(
        "prerequisites",
        "要先学完的课程的编号。",
        Shape::RefList(Kind::Course),
    )
    .example("[]"),
    field(
        "attachments",
        "课件、讲义等文件。",
        Shape::Group(ATTACHMENT),
    ),
];

const LESSON: &[Field] = &[field("duration", "这一讲有多少分钟。", Shape::Integer).example("45")];

const OUTCOME: &[Field] = &[
    field("name", "成效的名称，如：参与居民。", Shape::Text)
        .required()
        .example("参与居民"),
    field("value", "一个数字，不加逗号和单位。", Shape::Number)
        .required()
        .example("0"),
    field("unit", "如：人、次。", Shape::Text).example("人"),
];

const PROJECT: &[Field] = &[
    field("station", "社工站的编号。", Shape::Ref(Kind::Station)),
    field(
        "organizations",
        "社区组织的编号，可写几个。",
        Shape::RefList(Kind::Organization),
    )
    .example("[]"),
    field("start", "项目开始的日期。", Shape::Date),
    field("end", "项目结束的日期。", Shape::Date),
    field("budget", "项目的预算，单位是元，只写数字。", Shape::Number).example("10000"),
    field(
        "status",
        "项目进行到哪一步。",
        Shape::Choice(PROJECT_STATUS),
    )
    .example("planned"),
    field(
        "outcomes",
        "项目做成了什么，每项一个数字。",
        Shape::Group(OUTCOME),
    ),
    GALLERY,
];

const METRIC: &[Field] = &[
    field(
        "station",
        "这项数据属于哪个社工站（编号）。",
        Shape::Ref(Kind::Station),
    )
    .required(),
    field("name", "如：服务人次。", Shape::Text)
        .required()
        .example("服务人次"),
    field("value", "一个数字，不加逗号和单位。", Shape::Number)
        .required()
        .example("0"),
    field("unit", "如：人次。", Shape::Text).example("人次"),
    field("baseline", "试点前的数字，可不写。", Shape::Number),
];

const REPORT: &[Field] = &[
    field(
        "stations",
        "报告涉及的社工站的编号。",
        Shape::RefList(Kind::Station),
    ),
    field("metrics", "每个社工站的每项指标。", Shape::Group(METRIC)),
    GALLERY,
];

const NEWS: &[Field] = &[
    field(
        "station",
        "消息是关于哪个社工站的（编号），可不写。",
        Shape::Ref(Kind::Station),
    ),
    GALLERY,
];

/// The fields of `kind` beyond [`COMMON`].
pub fn own_fields(kind: Kind) -> &'static [Field] {
    match kind {
        Kind::Station => STATION,
        Kind::Service => SERVICE,
        Kind::Organization => ORGANIZATION,
        Kind::Course => COURSE,
        Kind::Lesson => LESSON,
        Kind::Project => PROJECT,
        Kind::Report => REPORT,
        Kind::News => NEWS,
        Kind::Home | Kind::Page | Kind::Section => &[],
    }
}

/// Every field of `kind`, the common ones first.
pub fn fields(kind: Kind) -> impl Iterator<Item = &'static Field> {
    COMMON.iter().chain(own_fields(kind))
}

/// The field `key` of `kind`, or of the group `group` of it
/// (`fields_of(Kind::Station, Some("staff"))`).
pub fn find(kind: Kind, group: Option<&str>, key: &str) -> Option<&'static Field> {
    match group {
        None => fields(kind).find(|f| f.key == key),
        Some(group) => match fields(kind).find(|f| f.key == group)?.shape {
            Shape::Group(members) => members.iter().find(|f| f.key == key),
            _ => None,
        },
    }
}

/// The title a new file of `kind` starts with: a placeholder.
pub fn title_placeholder(kind: Kind) -> &'static str {
    match kind {
        Kind::Station => "某某社区社工站",
        Kind::Service => "服务名称",
        Kind::Organization => "组织名称",
        Kind::Course => "课程名称",
        Kind::Lesson => "第1讲 标题",
        Kind::Project => "项目名称",
        Kind::Report => "报告标题",
        Kind::News => "新闻标题",
        _ => "页面标题",
    }
}

/// The `summary` a new file starts with: a placeholder.
pub const SUMMARY_PLACEHOLDER: &str = "一句话概括。";
/// The first line of a new file's body: a placeholder.
pub const BODY_PLACEHOLDER: &str = "在这里用 Markdown 写正文。";

/// A placeholder of a new file: where it is (a field, or a field of every
/// entry of a group) and its text as read (quotes and brackets removed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placeholder {
    pub group: Option<&'static str>,
    pub key: &'static str,
    pub text: &'static str,
}

/// The placeholders `zhan new` writes into a file of `kind`: publishing one
/// of them unchanged is a warning.
pub fn placeholders(kind: Kind) -> Vec<Placeholder> {
    let mut out = vec![
        Placeholder {
            group: None,
            key: "title",
            text: title_placeholder(kind),
        },
        Placeholder {
            group: None,
            key: "summary",
            text: SUMMARY_PLACEHOLDER,
        },
    ];
    let bare = |text: &'static str| text.trim_matches(|c| matches!(c, '"' | '[' | ']'));
    for field in own_fields(kind) {
        if field.placeholder {
            out.push(Placeholder {
                group: None,
                key: field.key,
                text: bare(field.example),
            });
        }
        if let Shape::Group(members) = field.shape {
            for member in members.iter().filter(|m| m.placeholder) {
                out.push(Placeholder {
                    group: Some(field.key),
                    key: member.key,
                    text: bare(member.example),
                });
            }
        }
    }
    out
}

/// The codes of a choice, as the parser checks them.
pub fn codes(choices: &[(&'static str, &'static str)]) -> Vec<&'static str> {
    choices.iter().map(|(code, _)| *code).collect()
}

/// A choice's codes with their meanings: `active 正常开展、paused 暂停`.
pub fn explain(choices: &[(&'static str, &'static str)]) -> String {
    choices
        .iter()
        .map(|(code, meaning)| format!("{code} {meaning}"))
        .collect::<Vec<_>>()
        .join("、")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::choices;

    const KINDS: [Kind; 9] = Kind::AUTHORED;

    #[test]
    fn choices_are_the_parsers() {
        assert_eq!(codes(SERVICE_STATUS), choices::SERVICE_STATUS);
        assert_eq!(codes(SPACE_KIND), choices::SPACE_KIND);
        assert_eq!(codes(ORG_STAGE), choices::ORG_STAGE);
        assert_eq!(codes(COURSE_FORMAT), choices::COURSE_FORMAT);
        assert_eq!(codes(PROJECT_STATUS), choices::PROJECT_STATUS);
        assert_eq!(codes(SESSION_HOLIDAYS), choices::SESSION_HOLIDAYS);
        assert_eq!(codes(MAKEUP_DAYS), choices::MAKEUP_DAYS);
        assert_eq!(
            explain(SERVICE_STATUS),
            "active 正常开展、paused 暂停、ended 已结束"
        );
    }

    #[test]
    fn keys_are_unique_and_every_field_is_explained() {
        fn check(list: &[Field], place: &str) {
            for (i, f) in list.iter().enumerate() {
                assert!(
                    !list[..i].iter().any(|g| g.key == f.key),
                    "{place}: `{}` twice",
                    f.key
                );
                assert!(!f.help.is_empty(), "{place}.{}", f.key);
                assert!(
                    f.help.ends_with('。'),
                    "{place}.{}: help is a sentence",
                    f.key
                );
                if let Shape::Group(members) = f.shape {
                    check(members, &format!("{place}.{}", f.key));
                }
            }
        }
        for kind in KINDS {
            let all: Vec<Field> = fields(kind).copied().collect();
            check(&all, &format!("{kind:?}"));
        }
    }

    #[test]
    fn placeholders_are_what_templates_write() {
        let service = placeholders(Kind::Service);
        let texts: Vec<(&str, &str)> = service.iter().map(|p| (p.key, p.text)).collect();
        assert!(texts.contains(&("title", "服务名称")));
        assert!(texts.contains(&("contact", "010-00000000")), "{texts:?}");
        let station = placeholders(Kind::Station);
        assert!(station.contains(&Placeholder {
            group: Some("staff"),
            key: "name",
            text: "某某"
        }));
        // Real values a report uses are examples, not placeholders.
        assert!(
            !placeholders(Kind::Report)
                .iter()
                .any(|p| p.text == "服务人次")
        );
    }

    #[test]
    fn every_field_has_a_name_in_both_catalogs() {
        use crate::messages::{Lang, lookup};
        fn check(list: &[Field]) {
            for f in list {
                for lang in [Lang::ZhCn, Lang::En] {
                    assert!(
                        lookup(lang, &format!("field.{}", f.key)).is_some(),
                        "{}",
                        f.key
                    );
                }
                if let Shape::Group(members) = f.shape {
                    check(members);
                }
            }
        }
        for kind in KINDS {
            check(&fields(kind).copied().collect::<Vec<_>>());
        }
    }

    #[test]
    fn fields_are_found_by_group() {
        let f = find(Kind::Service, None, "category").expect("category");
        assert_eq!(f.display_name(), "服务类别（category）");
        assert_eq!(
            find(Kind::Station, Some("staff"), "qualification").map(|f| f.key),
            Some("qualification")
        );
        assert!(find(Kind::Station, Some("staff"), "budget").is_none());
        assert!(find(Kind::News, None, "title").is_some_and(|f| f.required));
    }
}
