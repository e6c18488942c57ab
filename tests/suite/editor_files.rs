//! The browser editor's files over HTTP: uploads beside a page (and every
//! way one is refused with nothing written), the files a field may choose,
//! the body's link picker, folder renames and deleted pages brought back.

use crate::common;
use crate::editor::{Client, Reply, raw, start};

use common::TestSite;
use serde_json::json;

/// A small JPEG's first bytes: what a photo starts with.
const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01 a photo";
const PAGE: &str = "services/huidong/tanfang.md";

/// `POST upload` with the editor's own headers, `changed` put in their place.
fn upload(
    client: &Client,
    page: &str,
    name: &str,
    bytes: &[u8],
    changed: &[(&str, &str)],
) -> Reply {
    let origin = client.origin();
    let mut headers: Vec<(&str, &str)> = vec![
        ("Host", &client.host),
        ("Origin", &origin),
        ("X-Zhan-Token", &client.token),
        ("Content-Type", "application/octet-stream"),
    ];
    for (name, value) in changed {
        headers.retain(|(n, _)| n != name);
        if !value.is_empty() {
            headers.push((name, value));
        }
    }
    let target = format!(
        "/_zhan/api/upload?page={}&name={}",
        query(page),
        query(name)
    );
    raw(client.port, "POST", &target, &headers, bytes)
}

fn query(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A refused upload: what it is, page, name, bytes, headers changed, status.
type Refused<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a [u8],
    Vec<(&'a str, &'a str)>,
    u16,
);

#[test]
fn uploads_go_beside_the_page_and_refused_ones_write_nothing() {
    let site = TestSite::new();
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let content = site.path().join("content");
    let before = common::snapshot(&content);

    let exe = b"MZ\x90\x00\x03 a program";
    let foreign_host = format!("evil.example:{}", server.port);
    let refused: Vec<Refused> = vec![
        ("a program", PAGE, "run.exe", exe, vec![], 415),
        (
            "an SVG drawing",
            PAGE,
            "a.svg",
            b"<svg onload=alert(1)>",
            vec![],
            415,
        ),
        ("a program named .jpg", PAGE, "photo.jpg", exe, vec![], 415),
        ("a PDF named .png", PAGE, "a.png", b"%PDF-1.4", vec![], 415),
        (
            "a name leaving the folder",
            PAGE,
            "../../site.jpg",
            JPEG,
            vec![],
            403,
        ),
        ("a name in a folder", PAGE, "sub/a.jpg", JPEG, vec![], 403),
        ("an absolute name", PAGE, "/etc/a.jpg", JPEG, vec![], 403),
        ("a drive name", PAGE, "C:a.jpg", JPEG, vec![], 403),
        ("a hidden name", PAGE, ".a.jpg", JPEG, vec![], 403),
        ("a Windows path", PAGE, "..\\a.jpg", JPEG, vec![], 403),
        (
            "a name not written as ids are",
            PAGE,
            "Photo 1.jpg",
            JPEG,
            vec![],
            403,
        ),
        (
            "a page outside content",
            "../site.md",
            "a.jpg",
            JPEG,
            vec![],
            403,
        ),
        (
            "a page that is not Markdown",
            "../site.yaml",
            "a.jpg",
            JPEG,
            vec![],
            403,
        ),
        (
            "a page that does not exist",
            "services/huidong/none.md",
            "a.jpg",
            JPEG,
            vec![],
            404,
        ),
        ("an empty file", PAGE, "a.jpg", b"", vec![], 422),
        (
            "no token",
            PAGE,
            "a.jpg",
            JPEG,
            vec![("X-Zhan-Token", "")],
            403,
        ),
        (
            "a wrong token",
            PAGE,
            "a.jpg",
            JPEG,
            vec![("X-Zhan-Token", "0123")],
            403,
        ),
        (
            "a foreign origin",
            PAGE,
            "a.jpg",
            JPEG,
            vec![("Origin", "http://evil.example")],
            403,
        ),
        (
            "a cross-site fetch",
            PAGE,
            "a.jpg",
            JPEG,
            vec![("Sec-Fetch-Site", "cross-site")],
            403,
        ),
        (
            "a foreign host",
            PAGE,
            "a.jpg",
            JPEG,
            vec![("Host", foreign_host.as_str())],
            403,
        ),
        (
            "a form post",
            PAGE,
            "a.jpg",
            JPEG,
            vec![("Content-Type", "multipart/form-data; boundary=x")],
            403,
        ),
        (
            "a text post",
            PAGE,
            "a.jpg",
            JPEG,
            vec![("Content-Type", "text/plain")],
            403,
        ),
        (
            "no content type",
            PAGE,
            "a.jpg",
            JPEG,
            vec![("Content-Type", "")],
            403,
        ),
    ];
    for (what, page, name, bytes, headers, status) in &refused {
        let reply = upload(&client, page, name, bytes, headers);
        assert_eq!(reply.status, *status, "{what}: {}", reply.body);
        assert!(common::has_chinese(&reply.body), "{what}: {}", reply.body);
    }
    // Oversize: refused from the announced length, in Chinese, with the limit.
    let big = (20 * 1024 * 1024 + 1).to_string();
    let reply = upload(&client, PAGE, "big.jpg", JPEG, &[("Content-Length", &big)]);
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert!(reply.body.contains("20 MB"), "{}", reply.body);
    // The JSON calls' limit stays 2 MB: the upload's is its own.
    let reply = raw(
        server.port,
        "POST",
        "/_zhan/api/save",
        &[
            ("Host", &client.host),
            ("X-Zhan-Token", &client.token),
            ("Content-Type", "application/json"),
            ("Content-Length", "3000000"),
        ],
        b"{}",
    );
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(common::snapshot(&content), before, "nothing was written");

    // Accepted: beside the page, where `cover: photo.jpg` looks. A real
    // photo, since the build decodes it.
    let shot = crate::images::phone_jpeg(40, 30, 1);
    let reply = upload(&client, PAGE, "photo.jpg", &shot, &[]);
    assert_eq!(reply.status, 201, "{}", reply.body);
    let answer = reply.json();
    assert_eq!(answer["name"], "photo.jpg");
    assert_eq!(answer["path"], "services/huidong/photo.jpg");
    let photo = content.join("services/huidong/photo.jpg");
    assert_eq!(std::fs::read(&photo).expect("uploaded"), shot);
    // The same name with other bytes: refused, with a free name to use.
    let other = [JPEG, b"another photo"].concat();
    let reply = upload(&client, PAGE, "photo.jpg", &other, &[]);
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(reply.json()["suggestion"], "photo-2.jpg");
    assert_eq!(std::fs::read(&photo).expect("kept"), shot);
    // What a phone calls its file becomes a name the site can use.
    for (original, proposed) in [
        ("IMG_20261205.JPG", "img-20261205.jpg"),
        ("活动照片.jpeg", "huodong-zhaopian.jpg"),
        ("photo.jpg", "photo-2.jpg"),
    ] {
        let reply = client.post(
            "/_zhan/api/upload-name",
            &json!({ "page": PAGE, "name": original }),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.json()["name"], proposed, "{original}");
    }
    let reply = client.post(
        "/_zhan/api/upload-name",
        &json!({ "page": PAGE, "name": "setup.exe" }),
    );
    assert_eq!(reply.status, 415, "{}", reply.body);
    // A course's slides go into its folder, beside its _index.md.
    let reply = upload(
        &client,
        "training/jichu/_index.md",
        "kejian.pptx",
        b"PK\x03\x04 slides",
        &[],
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert!(content.join("training/jichu/kejian.pptx").is_file());
    let files = client.get("/_zhan/api/files?path=training/jichu/_index.md");
    assert_eq!(files.status, 200, "{}", files.body);
    let names: Vec<String> = files.json()["files"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            format!(
                "{}:{}",
                f["name"].as_str().unwrap_or(""),
                f["kind"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(names, ["kejian.pptx:document", "notes.pdf:document"]);
    let leftovers: Vec<String> = common::snapshot(&content)
        .into_keys()
        .filter(|p| p.contains("/.") || p.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The uploaded photo, named in the form, is found as a hand-placed one.
    let form = client.form(PAGE);
    let reply = client.post(
        "/_zhan/api/save",
        &json!({
            "path": PAGE, "hash": form["hash"], "base": form["text"],
            "changes": [{ "field": "cover", "value": "photo.jpg" }], "body": null,
        }),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let out = tempfile::tempdir().expect("a temporary folder");
    common::build_site(site.path(), out.path());
    let built = common::snapshot(out.path());
    // Published as a photo is: re-encoded beside where it was, never as sent.
    assert!(
        !built.keys().any(|p| p.ends_with("/photo.jpg")),
        "the original"
    );
    let variants: Vec<&String> = built
        .keys()
        .filter(|p| p.starts_with("services/huidong/photo-40-") && p.ends_with(".jpg"))
        .collect();
    assert_eq!(variants.len(), 1, "{:?}", built.keys().collect::<Vec<_>>());
    let page = String::from_utf8_lossy(&built["services/huidong/tanfang/index.html"]).into_owned();
    let name = variants[0].trim_start_matches("services/huidong/");
    assert!(page.contains(name), "the page shows its cover");
}

#[test]
fn a_course_is_renamed_with_its_folder_and_links_into_it_are_rewritten() {
    let site = TestSite::new();
    let news = "---\ntitle: 开课\ndate: 2026-12-01\n---\n\n见[第一讲](../training/jichu/l1.md#要点)，\n[讲义](../training/jichu/notes.pdf)，[课程](../training/jichu/_index.md)。\n";
    site.write("content/news/kaike.md", news);
    let advanced = "---\ntitle: 进阶\nlevel: 中级社工师\nprerequisites: [jichu]   # 先修\n---\n\n先学[基础](../jichu/_index.md)。\n";
    site.write("content/training/jinjie/_index.md", advanced);
    let lesson = "---\ntitle: 第二讲\nweight: 2\n---\n\n接[上一讲](l1.md#要点)，回[首页](../../_index.md)。\n";
    site.write("content/training/jichu/l2.md", lesson);
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let form = client.form("training/jichu/_index.md");
    let rename = |id: &str, confirm: bool| {
        client.post(
            "/_zhan/api/rename",
            &json!({ "path": "training/jichu/_index.md", "hash": form["hash"], "id": id, "update": true, "confirm": confirm }),
        )
    };
    // The id of another course is taken.
    let reply = rename("jinjie", true);
    assert_eq!(reply.status, 409, "{}", reply.body);
    // Asked first: the folder that moves and what points into it.
    let reply = rename("shegong-jichu", false);
    assert_eq!(reply.status, 409, "{}", reply.body);
    let answer = reply.json();
    assert_eq!(answer["path"], "training/shegong-jichu/_index.md");
    assert_eq!(
        answer["folders"],
        json!([{ "from": "training/jichu", "to": "training/shegong-jichu" }])
    );
    let pointing: Vec<String> = answer["referrers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["how"] != "folder")
        .map(|r| {
            format!(
                "{}:{}",
                r["path"].as_str().unwrap_or(""),
                r["how"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        pointing,
        [
            "news/kaike.md:link",
            "training/jinjie/_index.md:field",
            "training/jinjie/_index.md:link",
            "news/kaike.md:link",
        ],
        "{answer}"
    );
    assert!(common::has_chinese(answer["error"].as_str().unwrap_or("")));
    assert!(
        site.path()
            .join("content/training/jichu/_index.md")
            .exists()
    );

    let reply = rename("shegong-jichu", true);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["failed"], json!([]));
    let content = site.path().join("content");
    assert!(!content.join("training/jichu").exists());
    for moved in ["_index.md", "l1.md", "l2.md", "notes.pdf"] {
        assert!(
            content.join("training/shegong-jichu").join(moved).is_file(),
            "{moved}"
        );
    }
    assert_eq!(
        common::changed_lines(news, &site.read("content/news/kaike.md")),
        [
            (
                "见[第一讲](../training/jichu/l1.md#要点)，".into(),
                "见[第一讲](../training/shegong-jichu/l1.md#要点)，".into()
            ),
            (
                "[讲义](../training/jichu/notes.pdf)，[课程](../training/jichu/_index.md)。".into(),
                "[讲义](../training/shegong-jichu/notes.pdf)，[课程](../training/shegong-jichu/_index.md)。".into()
            ),
        ]
    );
    assert_eq!(
        common::changed_lines(advanced, &site.read("content/training/jinjie/_index.md")),
        [
            (
                "prerequisites: [jichu]   # 先修".into(),
                "prerequisites: [shegong-jichu] # 先修".into()
            ),
            (
                "先学[基础](../jichu/_index.md)。".into(),
                "先学[基础](../shegong-jichu/_index.md)。".into()
            ),
        ]
    );
    // Links inside the folder still reach their targets: unchanged.
    assert_eq!(site.read("content/training/shegong-jichu/l2.md"), lesson);
    // The site builds clean, and what moved is not a deleted page.
    let out = tempfile::tempdir().expect("a temporary folder");
    let printed = common::build_site(site.path(), out.path());
    assert!(!printed.contains("警告["), "no warning: {printed}");
    assert!(
        out.path()
            .join("training/shegong-jichu/l1/index.html")
            .is_file()
    );
    let deleted = client.get("/_zhan/api/deleted");
    assert_eq!(deleted.json()["items"], json!([]), "{}", deleted.body);
}

#[test]
fn a_station_is_renamed_with_its_services_folder() {
    let site = TestSite::new();
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let service = site.read("content/services/huidong/tanfang.md");
    let org = site.read("content/organizations/tongxin.md");
    let form = client.form("stations/huidong.md");
    let reply = client.post(
        "/_zhan/api/rename",
        &json!({ "path": "stations/huidong.md", "hash": form["hash"], "id": "huidong-zhan", "update": true, "keep": true, "confirm": true }),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let content = site.path().join("content");
    assert!(!content.join("stations/huidong.md").exists());
    assert!(!content.join("services/huidong").exists());
    assert!(content.join("stations/huidong-zhan.md").is_file());
    // The link to the station changed; the service keeps its old address
    // in one added line.
    let moved = site.read("content/services/huidong-zhan/tanfang.md");
    let alias = "aliases: [/services/huidong/tanfang/]\n";
    assert_eq!(moved.matches(alias).count(), 1, "{moved}");
    assert_eq!(
        common::changed_lines(&service, &moved.replace(alias, "")),
        [(
            "见[惠东社工站](../../stations/huidong.md#站点简介)。".into(),
            "见[惠东社工站](../../stations/huidong-zhan.md#站点简介)。".into()
        )]
    );
    let station = site.read("content/stations/huidong-zhan.md");
    assert!(
        station.contains("\naliases: [/stations/huidong/]\n"),
        "{station}"
    );
    assert_eq!(
        common::changed_lines(&org, &site.read("content/organizations/tongxin.md")),
        [("station: huidong".into(), "station: huidong-zhan".into())]
    );
    let out = tempfile::tempdir().expect("a temporary folder");
    common::build_site(site.path(), out.path());
    let page = std::fs::read_to_string(out.path().join("stations/huidong-zhan/index.html"))
        .expect("the station's page");
    assert!(page.contains("空巢老人探访"), "it still lists its service");
    // The old addresses lead to the new pages (posters' QR codes too).
    for (old, new) in [
        ("stations/huidong/index.html", "/stations/huidong-zhan/"),
        (
            "services/huidong/tanfang/index.html",
            "/services/huidong-zhan/tanfang/",
        ),
    ] {
        let page =
            std::fs::read_to_string(out.path().join(old)).expect("a page at the old address");
        assert!(page.contains(new), "{old}: {page}");
    }
}

#[test]
fn a_deleted_page_is_listed_and_comes_back_unless_its_name_was_used_again() {
    let site = TestSite::new();
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let rel = "organizations/tongxin.md";
    let text = site.read(&format!("content/{rel}"));
    let delete = |hash: &serde_json::Value| {
        let reply = client.post(
            "/_zhan/api/delete",
            &json!({ "path": rel, "hash": hash, "confirm": true }),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
    };
    let listed = || {
        let reply = client.get("/_zhan/api/deleted");
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    assert!(listed().is_empty());
    delete(&client.form(rel)["hash"]);
    assert!(!site.path().join("content").join(rel).exists());
    let items = listed();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["path"], rel);
    assert_eq!(items[0]["title"], "同心为老服务社");
    let version = items[0]["id"].clone();

    // Brought back byte for byte; then no longer listed.
    let reply = client.post(
        "/_zhan/api/undelete",
        &json!({ "path": rel, "id": version }),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(site.read(&format!("content/{rel}")), text);
    assert!(listed().is_empty());

    // Deleted again, and a new page made under the name: not brought back
    // over it.
    delete(&client.form(rel)["hash"]);
    let version = listed()[0]["id"].clone();
    let new = "---\ntitle: 新的同心社\n---\n";
    let reply = client.post(
        "/_zhan/api/save",
        &json!({ "path": rel, "hash": null, "text": new }),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(listed().is_empty(), "a page that exists is not deleted");
    let reply = client.post(
        "/_zhan/api/undelete",
        &json!({ "path": rel, "id": version }),
    );
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(common::has_chinese(&reply.body), "{}", reply.body);
    assert_eq!(site.read(&format!("content/{rel}")), new);
    // Outside content/: refused.
    let reply = client.post(
        "/_zhan/api/undelete",
        &json!({ "path": "../site.md", "id": version }),
    );
    assert_eq!(reply.status, 403, "{}", reply.body);
}

#[test]
fn a_client_that_asks_before_sending_a_large_file_is_told_to_go_on() {
    use std::io::{Read, Write};
    let site = TestSite::new();
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let photo = [JPEG, &vec![7u8; 3 * 1024 * 1024]].concat();
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .expect("timeout");
    let head = format!(
        "POST /_zhan/api/upload?page={PAGE}&name=big.jpg HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\n\
         X-Zhan-Token: {}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\n\
         Expect: 100-continue\r\nConnection: close\r\n\r\n",
        client.host,
        client.origin(),
        client.token,
        photo.len()
    );
    stream.write_all(head.as_bytes()).expect("send the head");
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).expect("an interim answer");
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(&photo).expect("send the file");
    let mut rest = String::new();
    let _ = stream.read_to_string(&mut rest);
    assert!(rest.starts_with("HTTP/1.1 201 "), "{rest}");
    let written =
        std::fs::read(site.path().join("content/services/huidong/big.jpg")).expect("written");
    assert_eq!(written, photo);
}
