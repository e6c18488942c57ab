//! The site works wherever it is put: built for disk (`--for-disk`), packed
//! into one zip (`zhan pack`), and under a sub-folder of a domain. (The
//! browser opens the disk build from file:// in tests/browser/offline.test.js
//! and crawls the sub-folder build over HTTP in tests/browser/subfolder.test.js.)

use crate::common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use zhan::pipeline::{Options, Workspace};

/// The demo site built with extra `args` into `name` under the tests' temp folder.
fn build_demo_with(name: &str, args: &[&str]) -> PathBuf {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let result = common::zhan()
        .arg("--root")
        .arg(common::repo_root())
        .arg("build")
        .args(args)
        .arg("--output")
        .arg(&out)
        .output()
        .expect("run zhan");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    out
}

/// The values of `attr="…"` in `html`.
fn attribute_values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    let needle = format!(" {attr}=\"");
    html.match_indices(&needle)
        .map(|(at, _)| {
            let value = &html[at + needle.len()..];
            &value[..value.find('"').expect("closed attribute")]
        })
        .collect()
}

#[test]
fn a_disk_build_links_every_folder_by_its_index_html_and_every_link_resolves() {
    let out = build_demo_with("portable-disk", &["--for-disk"]);
    let mut pages = 0;
    for entry in walkdir::WalkDir::new(&out) {
        let entry = entry.expect("walk");
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        pages += 1;
        let html = std::fs::read_to_string(path).expect("read");
        let name = path.display();
        for attr in ["href", "src", "action"] {
            for value in attribute_values(&html, attr) {
                let value = value.replace("&amp;", "&");
                if value.starts_with('#')
                    || ["https:", "http:", "mailto:", "tel:"]
                        .iter()
                        .any(|s| value.starts_with(s))
                {
                    continue;
                }
                assert!(!value.starts_with('/'), "{attr}=\"{value}\" in {name}");
                let target = value.split(['#', '?']).next().unwrap_or_default();
                assert!(
                    !target.ends_with('/') && !target.is_empty(),
                    "a folder without its index.html: {attr}=\"{value}\" in {name}"
                );
                let file = path
                    .parent()
                    .expect("folder")
                    .join(zhan_percent_decode(target));
                assert!(file.is_file(), "{attr}=\"{value}\" in {name} leads nowhere");
            }
        }
    }
    assert!(pages > 100, "{pages} pages");
    // The search index is there as scripts, not as files for fetch.
    let manifest = std::fs::read_to_string(out.join("search/index.js")).expect("index.js");
    assert!(manifest.starts_with("zhanSearchData(\"index.json\",{"));
    assert!(out.join("search/s/0.js").is_file());
    assert!(!out.join("search/index.json").exists());
    assert!(!out.join("search/s/0.bin").exists());
    let search = std::fs::read_to_string(out.join("search/index.html")).expect("search page");
    assert!(search.contains("<script src=\"../js/search.js\" defer data-index-scripts>"));
    // The results are relative to the site's folder and name their file.
    let fragments = std::fs::read_to_string(out.join("search/f/0.js")).expect("fragment");
    assert!(
        fragments.contains("\"u\":\"about/index.html\""),
        "{fragments}"
    );
    let readme = std::fs::read_to_string(out.join("说明.html")).expect("说明.html");
    assert!(readme.contains("解压") && readme.contains("href=\"index.html\""));
    assert!(
        readme.contains("https://example.org/"),
        "where the calendars point"
    );
}

/// `%E5%8A%A9` → 助, for paths as written in links.
fn zhan_percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8")
}

/// The entries of a zip, read with a reader of our own (central directory,
/// then each local header), inflated with flate2.
fn read_zip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let u16_at = |at: usize| u16::from_le_bytes([bytes[at], bytes[at + 1]]) as usize;
    let u32_at =
        |at: usize| u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    let end = bytes.len() - 22;
    assert_eq!(u32_at(end), 0x0605_4b50, "end of central directory last");
    let count = u16_at(end + 10);
    let mut at = u32_at(end + 16) as usize;
    let mut files = BTreeMap::new();
    for _ in 0..count {
        assert_eq!(u32_at(at), 0x0201_4b50, "a central directory entry");
        assert_eq!(u16_at(at + 8) & 0x0800, 0x0800, "names flagged UTF-8");
        let method = u16_at(at + 10);
        let crc = u32_at(at + 16);
        let compressed = u32_at(at + 20) as usize;
        let size = u32_at(at + 24) as usize;
        let name_len = u16_at(at + 28);
        let extra_len = u16_at(at + 30);
        let comment_len = u16_at(at + 32);
        let offset = u32_at(at + 42) as usize;
        let name = String::from_utf8(bytes[at + 46..at + 46 + name_len].to_vec()).expect("name");
        at += 46 + name_len + extra_len + comment_len;
        assert_eq!(u32_at(offset), 0x0403_4b50, "{name}: a local header");
        let local_name = u16_at(offset + 26);
        let local_extra = u16_at(offset + 28);
        let data_at = offset + 30 + local_name + local_extra;
        let data = &bytes[data_at..data_at + compressed];
        let content = match method {
            0 => data.to_vec(),
            8 => {
                let mut inflated = Vec::new();
                flate2::read::DeflateDecoder::new(data)
                    .read_to_end(&mut inflated)
                    .expect("inflate");
                inflated
            }
            other => panic!("{name}: method {other}"),
        };
        assert_eq!(content.len(), size, "{name}: size");
        let mut check = flate2::Crc::new();
        check.update(&content);
        assert_eq!(check.sum(), crc, "{name}: CRC-32");
        files.insert(name, content);
    }
    files
}

#[test]
fn pack_writes_one_zip_that_unpacks_to_the_disk_build() {
    let site = common::TestSite::new();
    let zip = site.path().join("离线.zip");
    let result = site.run(&["pack", "--output", &zip.to_string_lossy()]);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(result.status.success(), "{stderr}");
    assert!(
        stderr.contains("离线.zip") && stderr.contains("说明.html"),
        "{stderr}"
    );
    let entries = read_zip(&std::fs::read(&zip).expect("the zip"));
    let names: Vec<&str> = entries.keys().map(String::as_str).collect();
    for wanted in [
        "说明.html",
        "index.html",
        "css/style.css",
        "js/search.js",
        "search/index.js",
        "stations/huidong/index.html",
        "training/jichu/notes.pdf",
    ] {
        assert!(names.contains(&wanted), "{wanted} missing from {names:?}");
    }
    for name in &names {
        assert!(
            !name.starts_with('/') && !name.contains('\\') && !name.split('/').any(|s| s == ".."),
            "{name}"
        );
        assert!(!name.starts_with(".zhan"), "bookkeeping {name} in the zip");
    }
    // The same bytes as the build for disk it was made from (but for the
    // marker that says zhan made the folder).
    let mut built = common::snapshot(&site.path().join(".zhan/pack"));
    assert!(built.remove(".zhan-output").is_some());
    assert_eq!(
        entries.keys().collect::<Vec<_>>(),
        built.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &entries {
        assert!(bytes == &built[name], "{name} differs from the build");
    }
    let readme = String::from_utf8(entries["说明.html"].clone()).expect("UTF-8");
    assert!(readme.contains("解压"), "{readme}");
    // A second pack with nothing changed writes the same entries again.
    let again = site.run(&["pack", "--output", &zip.to_string_lossy()]);
    assert!(again.status.success());
    assert!(read_zip(&std::fs::read(&zip).expect("the zip")) == entries);
    // The web build in output/ is left alone.
    assert!(!site.path().join("output").exists());
}

#[test]
fn under_a_sub_folder_what_leaves_the_site_names_the_sub_folder() {
    let out = build_demo_with(
        "portable-subfolder",
        &["--base-url", "https://example.org/guanzhuang/"],
    );
    let read = |rel: &str| std::fs::read_to_string(out.join(rel)).expect(rel);
    let base = "https://example.org/guanzhuang/";
    // QR codes, read back by a decoder.
    let station = read("stations/huidong/index.html");
    let figure = station.find("<figure class=\"qr").expect("a QR code");
    let svg_at = figure + station[figure..].find("<svg").expect("svg");
    let svg_end = svg_at + station[svg_at..].find("</svg>").expect("end") + 6;
    assert_eq!(
        crate::showcase::decode_qr(&station[svg_at..svg_end], 5),
        format!("{base}stations/huidong/")
    );
    // Sitemap, robots.txt, feeds, calendars and open data.
    assert!(read("sitemap.xml").contains(&format!("<loc>{base}stations/huidong/</loc>")));
    assert!(read("robots.txt").contains(&format!("Sitemap: {base}sitemap.xml")));
    assert!(read("atom.xml").contains(&format!("href=\"{base}")));
    let ics = read("stations/huidong/calendar.ics").replace("\r\n ", "");
    assert!(
        ics.contains(&format!("URL:{base}services/huidong/")),
        "{ics}"
    );
    assert!(read("data/stations.json").contains(&format!("\"url\":\"{base}stations/huidong/\"")));
    // Inside pages, links are relative; 404.html names the sub-folder.
    assert!(station.contains("href=\"../../css/style.css\""));
    assert!(read("404.html").contains("href=\"/guanzhuang/css/style.css\""));
    assert!(!station.contains("href=\"/guanzhuang/"));
}

/// An update of a workspace built for disk gives the same files as a clean
/// build for disk: the search index's scripts included.
#[test]
fn a_disk_build_updated_after_edits_equals_a_clean_one() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("site");
    zhan::scaffold::init(&root).expect("init");
    let options = |out: &Path| Options {
        output: Some(out.to_path_buf()),
        for_disk: true,
        ..Options::new(&root)
    };
    let live = dir.path().join("live");
    let mut ws = Workspace::open(options(&live));
    assert!(ws.build().succeeded());
    let service = root.join("content/services/huidong/kongchao-tanfang.md");
    let text = std::fs::read_to_string(&service).expect("service");
    std::fs::write(
        &service,
        text.replacen("title:", "title: 新的探访服务 #", 1),
    )
    .expect("edit");
    let news = root.join("content/news/xin-dongtai.md");
    std::fs::write(
        &news,
        "---\ntitle: 新动态\ndate: 2026-12-01\n---\n\n老人探访又开始了。\n",
    )
    .expect("add");
    let report = ws.update(&[service, news]);
    assert!(report.succeeded(), "{:?}", report.diagnostics);
    let clean = dir.path().join("clean");
    let report = zhan::pipeline::run(&options(&clean));
    assert!(report.succeeded(), "{:?}", report.diagnostics);
    let a = common::snapshot(&live);
    let b = common::snapshot(&clean);
    common::assert_same_files(&a, &b);
    assert!(a.contains_key("search/index.js") && a.contains_key("说明.html"));
}
