//! The outputs beside the pages, read back the way their users read them:
//! open-data JSON with every front-matter field, the CSV service menus Excel
//! opens, schema.org JSON-LD, Atom feeds; and the printable pages (service
//! menus, course books, the mentoring tree, the home page's figures).

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

fn built() -> &'static PathBuf {
    static OUTPUT: OnceLock<PathBuf> = OnceLock::new();
    OUTPUT.get_or_init(|| common::build_demo("open-data-site").0)
}

fn read(path: &str) -> String {
    let file = built().join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn json(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The front matter of a content file, as a map of its fields.
fn front_matter(file: &Path) -> BTreeMap<String, serde_yaml::Value> {
    serde_yaml::from_value(common::front_matter(file)).expect("a map of fields")
}

/// The content files of one type, by id.
fn content_files(folder: &str, nested: bool) -> BTreeMap<String, PathBuf> {
    let root = common::repo_root().join("content").join(folder);
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(&root).expect("content folder") {
        let path = entry.expect("entry").path();
        if nested && path.is_dir() {
            if folder == "training" {
                let index = path.join("_index.md");
                if index.is_file() {
                    let id = path
                        .file_name()
                        .expect("name")
                        .to_string_lossy()
                        .to_string();
                    files.insert(id, index);
                }
            } else {
                for inner in std::fs::read_dir(&path).expect("station folder") {
                    let inner = inner.expect("entry").path();
                    if inner.extension().is_some_and(|e| e == "md") {
                        let id = inner
                            .file_stem()
                            .expect("stem")
                            .to_string_lossy()
                            .to_string();
                        files.insert(id, inner);
                    }
                }
            }
        } else if !nested && path.extension().is_some_and(|e| e == "md") {
            let id = path
                .file_stem()
                .expect("stem")
                .to_string_lossy()
                .to_string();
            let draft = front_matter(&path).get("draft") == Some(&serde_yaml::Value::Bool(true));
            if id != "_index" && !draft {
                files.insert(id, path);
            }
        }
    }
    files
}

#[test]
fn data_files_have_every_item_with_every_front_matter_field_and_its_url() {
    for (name, folder, nested) in [
        ("stations", "stations", false),
        ("services", "services", true),
        ("organizations", "organizations", false),
        ("courses", "training", true),
    ] {
        let data = json(&format!("data/{name}.json"));
        let items = data["items"].as_array().expect("items");
        let files = content_files(folder, nested);
        assert_eq!(items.len(), files.len(), "{name}: one entry per file");
        assert_eq!(data["count"], files.len());
        for (id, file) in &files {
            let item = items
                .iter()
                .find(|i| i["id"] == id.as_str())
                .unwrap_or_else(|| panic!("{name}: {id} missing"));
            let url = item["url"].as_str().expect("url");
            assert!(url.starts_with("https://example.org/"), "{url}");
            assert!(url.ends_with(&format!("{id}/")), "{url}");
            for (key, value) in front_matter(file) {
                if key == "draft" {
                    continue;
                }
                let written = &item[key.as_str()];
                assert!(!written.is_null(), "{name}/{id}: field `{key}` missing");
                // Plain strings and numbers come through as written.
                match value {
                    serde_yaml::Value::String(s) if key != "cover" && key != "time" => {
                        assert_eq!(written, &Value::from(s.clone()), "{name}/{id}: `{key}`");
                    }
                    serde_yaml::Value::Number(n) if n.is_u64() => {
                        assert_eq!(written.as_f64(), n.as_f64(), "{name}/{id}: `{key}`");
                    }
                    _ => {}
                }
            }
        }
    }
    // A service's schedule keeps its days and times; a course's attachments
    // have their URLs.
    let services = json("data/services.json");
    let visit = services["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["id"] == "kongchao-tanfang")
        .expect("kongchao-tanfang");
    assert_eq!(visit["station"], "huidong");
    assert_eq!(
        visit["schedule"][0]["days"],
        serde_json::json!(["tue", "thu"])
    );
    assert_eq!(visit["schedule"][0]["time"], "09:00-11:30");
    let courses = json("data/courses.json");
    let attachment_urls: Vec<String> = courses["items"]
        .as_array()
        .expect("items")
        .iter()
        .flat_map(|c| c["attachments"].as_array().cloned().unwrap_or_default())
        .map(|a| a["url"].as_str().expect("attachment url").to_string())
        .collect();
    assert!(!attachment_urls.is_empty());
    for url in attachment_urls {
        let path = url.strip_prefix("https://example.org/").expect("site url");
        assert!(built().join(path).is_file(), "{url} is not in the output");
    }
}

#[test]
fn menu_csv_opens_in_excel_with_one_row_per_active_service() {
    for station in ["huidong", "huixi", "lijingyuan"] {
        let bytes =
            std::fs::read(built().join(format!("stations/{station}/menu.csv"))).expect("menu.csv");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "{station}: no BOM");
        let text = String::from_utf8(bytes[3..].to_vec()).expect("UTF-8");
        assert!(text.ends_with("\r\n"));
        let lines: Vec<&str> = text.split_terminator("\r\n").collect();
        assert!(
            lines[0].starts_with("服务类别,服务名称,服务时间"),
            "{}",
            lines[0]
        );
        let active: Vec<String> = content_files(&format!("services/{station}"), false)
            .values()
            .map(|f| front_matter(f))
            .filter(|fm| {
                fm.get("status")
                    .and_then(|s| s.as_str())
                    .unwrap_or("active")
                    == "active"
            })
            .map(|fm| fm["title"].as_str().expect("title").to_string())
            .collect();
        assert_eq!(lines.len() - 1, active.len(), "{station}: rows");
        for title in &active {
            assert!(
                lines
                    .iter()
                    .any(|l| l.split(',').nth(1) == Some(title.as_str())),
                "{station}: {title} has no row"
            );
        }
    }
    // The paused summer class is not on Huidong's menu.
    assert!(!read("stations/huidong/menu.csv").contains("暑期"));
}

/// The JSON-LD block of a page.
fn json_ld(path: &str) -> Value {
    let html = read(path);
    let start = "<script type=\"application/ld+json\">";
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{path}: no JSON-LD"))
        + start.len();
    let to = html[from..].find("</script>").expect("end") + from;
    serde_json::from_str(&html[from..to]).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn json_ld_fits_each_kind_of_page() {
    let station = json_ld("stations/huidong/index.html");
    assert_eq!(station["@context"], "https://schema.org");
    assert_eq!(station["@type"], "GovernmentOffice");
    assert_eq!(station["name"], "惠东社区社工站");
    assert_eq!(station["address"]["@type"], "PostalAddress");
    let hours = &station["openingHoursSpecification"][0];
    assert_eq!(hours["@type"], "OpeningHoursSpecification");
    assert!(
        hours["dayOfWeek"][0]
            .as_str()
            .expect("day")
            .starts_with("https://schema.org/")
    );
    assert!(hours["opens"].as_str().expect("opens").contains(':'));

    let service = json_ld("services/huidong/kongchao-tanfang/index.html");
    assert_eq!(service["@type"], "Service");
    assert_eq!(service["serviceType"], "助老服务");
    assert_eq!(service["provider"][0]["@type"], "GovernmentOffice");
    assert_eq!(service["hoursAvailable"][0]["opens"], "09:00");
    assert_eq!(
        service["hoursAvailable"][0]["dayOfWeek"],
        serde_json::json!(["https://schema.org/Tuesday", "https://schema.org/Thursday"])
    );
    // A free service is an Offer at price 0: schema.org has no
    // `isAccessibleForFree` nor `keywords` on a Service.
    assert_eq!(service["offers"]["@type"], "Offer");
    assert_eq!(service["offers"]["price"], 0);
    assert!(service.get("isAccessibleForFree").is_none());
    assert!(service.get("keywords").is_none());

    let org = json_ld("organizations/tongxin-weilao/index.html");
    assert_eq!(org["@type"], "NGO");
    assert_eq!(org["sponsor"]["name"], "党群服务促进会");

    let course_dir = content_files("training", true);
    let (course_id, _) = course_dir.iter().next().expect("a course");
    let course = json_ld(&format!("training/{course_id}/index.html"));
    assert_eq!(course["@type"], "Course");
    assert!(course["educationalLevel"].is_string());
    assert_eq!(course["provider"]["@type"], "Organization");

    let news_files = content_files("news", false);
    let (news_id, _) = news_files.iter().next().expect("a news item");
    let news = json_ld(&format!("news/{news_id}/index.html"));
    assert_eq!(news["@type"], "NewsArticle");
    assert!(news["headline"].is_string());
    assert!(news["datePublished"].as_str().expect("date").len() == 10);

    // Pages of other kinds carry none.
    assert!(!read("projects/index.html").contains("application/ld+json"));
}

/// Every JSON-LD block of the demo is exactly what `serde_json` writes of
/// it, members in the byte order of their names, as zhan wrote them before
/// it wrote them by hand: an upgrade leaves the pages' bytes alone.
#[test]
fn json_ld_is_written_as_serde_json_writes_it() {
    let start = "<script type=\"application/ld+json\">";
    let mut checked = 0;
    for (path, bytes) in common::snapshot(built()) {
        if !path.ends_with(".html") {
            continue;
        }
        let html = String::from_utf8(bytes).expect("UTF-8");
        let Some(rest) = html.split(start).nth(1) else {
            continue;
        };
        let raw = rest.split("</script>").next().expect("end");
        let value: Value = serde_json::from_str(raw).unwrap_or_else(|e| panic!("{path}: {e}"));
        let serde_form = serde_json::to_string(&value).expect("serializes");
        let script_safe = serde_form
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026");
        assert_eq!(raw, script_safe, "{path}");
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} pages with JSON-LD");
}

#[test]
fn atom_feeds_of_the_site_and_each_station() {
    let news = content_files("news", false);
    let text = read("atom.xml");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let feed = doc.root_element();
    assert_eq!(feed.tag_name().name(), "feed");
    assert_eq!(
        feed.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    let child = |n: roxmltree::Node<'_, '_>, name: &str| {
        n.children()
            .find(|c| c.tag_name().name() == name)
            .and_then(|c| c.text().map(str::to_string))
    };
    assert!(child(feed, "id").expect("id").ends_with("/atom.xml"));
    assert!(child(feed, "updated").expect("updated").ends_with("+08:00"));
    let entries: Vec<_> = feed
        .children()
        .filter(|c| c.tag_name().name() == "entry")
        .collect();
    assert_eq!(entries.len(), news.len().min(50));
    let dates: Vec<String> = entries
        .iter()
        .map(|e| child(*e, "published").expect("published"))
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "newest first");
    for e in &entries {
        let content = child(*e, "content").expect("content");
        assert!(content.contains("<p>"), "content is HTML, escaped once");
    }

    // A station's feed has the news about it, and only those.
    let about_huixi: Vec<String> = news
        .values()
        .map(|f| front_matter(f))
        .filter(|fm| fm.get("station").and_then(|s| s.as_str()) == Some("huixi"))
        .map(|fm| fm["title"].as_str().expect("title").to_string())
        .collect();
    let text = read("stations/huixi/atom.xml");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let titles: Vec<String> = doc
        .root_element()
        .children()
        .filter(|c| c.tag_name().name() == "entry")
        .map(|e| child(e, "title").expect("title"))
        .collect();
    assert!(!about_huixi.is_empty(), "the demo has news about Huixi");
    assert_eq!(titles.len(), about_huixi.len());
    for t in &about_huixi {
        assert!(titles.contains(t), "{t} missing from Huixi's feed");
    }
    assert!(read("index.html").contains("type=\"application/atom+xml\""));
}

#[test]
fn service_menu_lists_active_services_with_what_residents_need() {
    let html = read("stations/huixi/menu/index.html");
    assert!(html.contains("<h1>惠西社区社工站 服务清单</h1>"));
    let sheet = &html[html.find("<main").expect("main")..];
    // Paused services stay off the sheet; active ones are on it.
    assert!(
        !sheet.contains("心理减压"),
        "a paused service is on the menu"
    );
    for (title, fact) in [
        ("垃圾分类指导", "各楼门分类驿站"),
        ("邻里矛盾调解", "调解室"),
    ] {
        let entry = &sheet[sheet.find(title).unwrap_or_else(|| panic!("{title}"))..];
        // Up to the next service's entry or the end of the category.
        let end = ["class=\"menu-entry\"", "</section>"]
            .iter()
            .filter_map(|m| entry.find(m))
            .min()
            .unwrap_or(entry.len());
        let entry = &entry[..end];
        assert!(entry.contains(fact), "{title}: {fact} missing");
    }
    for label in [
        "服务时间",
        "服务地点",
        "服务对象",
        "收费",
        "办理流程",
        "咨询电话",
    ] {
        assert!(sheet.contains(label), "{label} missing");
    }
    assert!(sheet.contains("href=\"../menu.csv\""));
    assert!(sheet.contains("href=\"../calendar.ics\""));
    assert!(sheet.contains("https://example.org/stations/huixi/menu/"));
    let qr = &sheet[sheet.find("<figure class=\"qr\">").expect("a QR code")..];
    assert!(qr.contains("<svg") && qr.contains("role=\"img\""));
    // The station page links to its menu.
    assert!(read("stations/huixi/index.html").contains("href=\"menu/\""));
}

#[test]
fn course_book_has_every_lesson_in_order_with_unique_ids() {
    let courses = content_files("training", true);
    for (course, index) in &courses {
        let dir = index.parent().expect("course folder");
        let mut lessons: Vec<(i64, String)> = std::fs::read_dir(dir)
            .expect("lessons")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "md") && !p.ends_with("_index.md"))
            .map(|p| {
                let fm = front_matter(&p);
                (
                    fm.get("weight").and_then(|w| w.as_i64()).unwrap_or(0),
                    fm["title"].as_str().expect("title").to_string(),
                )
            })
            .collect();
        lessons.sort();
        let html = read(&format!("training/{course}/print/index.html"));
        let mut at = 0;
        for (_, title) in &lessons {
            let found = html[at..]
                .find(&format!("：{title}</h2>"))
                .unwrap_or_else(|| panic!("{course}: {title} missing or out of order"));
            at += found;
        }
        let mut ids: Vec<&str> = html
            .split(" id=\"")
            .skip(1)
            .map(|s| s.split('"').next().unwrap_or_default())
            .collect();
        let total = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(
            ids.len(),
            total,
            "{course}: duplicate ids in the print view"
        );
        assert!(read(&format!("training/{course}/index.html")).contains("href=\"print/\""));
    }
}

#[test]
fn mentoring_tree_nests_organizations_under_their_mentors() {
    let html = read("organizations/tree/index.html");
    let tree = &html[html.find("class=\"mentoring-tree\"").expect("tree")..];
    for org in content_files("organizations", false).values() {
        let fm = front_matter(org);
        let title = fm["title"].as_str().expect("title");
        assert_eq!(
            tree.matches(&format!(">{title}</a>")).count(),
            1,
            "{title} once"
        );
        if let Some(mentor) = fm.get("mentor").and_then(|m| m.as_str()) {
            // The mentee's entry is inside the list opened under its mentor.
            let mentor_at = tree
                .find(&format!("href=\"../{mentor}/\""))
                .expect("mentor in tree");
            let mentee_at = tree.find(&format!(">{title}</a>")).expect("mentee");
            assert!(mentee_at > mentor_at);
            let between = &tree[mentor_at..mentee_at];
            assert!(
                between.matches("<ul>").count() > between.matches("</ul>").count(),
                "{title} is not nested under {mentor}"
            );
        }
    }
}

#[test]
fn home_page_shows_the_streets_figures_and_people_served() {
    let html = read("index.html");
    let figures = &html[html.find("class=\"figure-list\"").expect("figures")..];
    let figures = &figures[..figures.find("</ul>").expect("end")];
    let stations = content_files("stations", false).len();
    assert!(figures.contains(&format!("<strong>{stations}</strong>")));
    // People served: the 人次 metrics of the newest report, summed.
    let reports = content_files("reports", false);
    let newest = reports
        .values()
        .map(|f| front_matter(f))
        .max_by_key(|fm| format!("{:?}", fm.get("date")))
        .expect("a report");
    let total: i64 = newest["metrics"]
        .as_sequence()
        .expect("metrics")
        .iter()
        .filter(|m| m["unit"].as_str() == Some("人次"))
        .map(|m| m["value"].as_i64().expect("value"))
        .sum();
    assert!(total > 0);
    assert!(
        figures.contains(&format!("<strong>{total}</strong> 人次服务")),
        "{figures}"
    );
}
