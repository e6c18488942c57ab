//! The browser editor of `zhan serve` over HTTP: what it refuses (no token,
//! a foreign Origin or Host, paths outside content/, oversize bodies, a
//! server not bound to loopback) with nothing written; and what it does
//! (a save changes only the changed lines, a conflict hands back both
//! versions, history and restore). `zhan build` has none of it.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::TestSite;
use serde_json::{Value as J, json};

pub(crate) struct Server {
    child: Child,
    pub(crate) port: u16,
    /// What the server printed up to its first build.
    pub(crate) log: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `zhan serve` (with `extra` arguments) and waits for its first build.
pub(crate) fn start(site: &TestSite, extra: &[&str]) -> Server {
    let mut child = common::zhan()
        .arg("--root")
        .arg(site.path())
        .args(["serve", "--port", "0"])
        .args(extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start zhan serve");
    let stderr = child.stderr.take();
    let (tx, rx) = mpsc::channel();
    let mut server = Server {
        child,
        port: 0,
        log: Vec::new(),
    };
    std::thread::spawn(move || {
        for line in stderr
            .into_iter()
            .flat_map(|e| BufReader::new(e).lines().map_while(Result::ok))
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("zhan serve did not finish its first build");
        server.log.push(line.clone());
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            server.port = rest
                .split('/')
                .next()
                .and_then(|p| p.parse().ok())
                .expect("port");
        }
        if server.port != 0 && (line.starts_with("已生成 ") || line.contains("错误[")) {
            // Keep draining the log so the server never blocks on it.
            std::thread::spawn(move || while rx.recv().is_ok() {});
            return server;
        }
    }
}

pub(crate) struct Reply {
    pub(crate) status: u16,
    /// The status line and headers.
    pub(crate) head: String,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(&self) -> J {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A raw request with exactly these headers (plus Content-Length for a body).
pub(crate) fn raw(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .expect("timeout");
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if method == "POST"
        && !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
    {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send");
    // The server may answer (and close) before taking a refused body.
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {head:?}"));
    Reply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// The editor as its own page talks to it.
pub(crate) struct Client {
    pub(crate) port: u16,
    pub(crate) host: String,
    pub(crate) token: String,
}

impl Client {
    pub(crate) fn new(port: u16) -> Client {
        let host = format!("127.0.0.1:{port}");
        let page = raw(port, "GET", "/_zhan/", &[("Host", &host)], b"");
        assert_eq!(page.status, 200, "{}", page.body);
        let token = page
            .body
            .split("\"token\":\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("the editor page holds the token")
            .to_string();
        assert_eq!(token.len(), 64);
        Client { port, host, token }
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.host)
    }

    pub fn get(&self, path: &str) -> Reply {
        raw(
            self.port,
            "GET",
            path,
            &[("Host", &self.host), ("X-Zhan-Token", &self.token)],
            b"",
        )
    }

    pub(crate) fn post(&self, path: &str, body: &J) -> Reply {
        raw(
            self.port,
            "POST",
            path,
            &[
                ("Host", &self.host),
                ("Origin", &self.origin()),
                ("X-Zhan-Token", &self.token),
                ("Content-Type", "application/json"),
            ],
            body.to_string().as_bytes(),
        )
    }

    pub(crate) fn form(&self, path: &str) -> J {
        let reply = self.get(&format!("/_zhan/api/form?path={path}"));
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    }
}

const SERVICE: &str = "content/services/huidong/tanfang.md";

/// A save of a new title, as the editor's page sends it.
fn title_save(form: &J, path: &str) -> J {
    json!({
        "path": path,
        "hash": form["hash"],
        "base": form["text"],
        "changes": [{ "field": "title", "value": "改过的标题" }],
        "body": null,
    })
}

#[test]
fn writes_without_token_from_other_origins_or_hosts_or_outside_content_are_refused() {
    let site = TestSite::new();
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let form = client.form("services/huidong/tanfang.md");
    let before = site.read(SERVICE);
    let settings = site.read("site.yaml");
    let save = title_save(&form, "services/huidong/tanfang.md");
    let body = save.to_string();
    let host = client.host.clone();
    let origin = client.origin();
    let token = client.token.clone();
    let port = server.port;
    let foreign_host = format!("evil.example:{port}");
    let good = common::Headers(vec![
        ("Host", &host),
        ("Origin", &origin),
        ("X-Zhan-Token", &token),
        ("Content-Type", "application/json"),
    ]);
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no token", good.without("X-Zhan-Token")),
        (
            "a wrong token",
            good.with("X-Zhan-Token", "0123456789abcdef"),
        ),
        (
            "a foreign origin",
            good.with("Origin", "http://evil.example"),
        ),
        ("an opaque origin", good.with("Origin", "null")),
        (
            "a cross-site fetch",
            good.with("Sec-Fetch-Site", "cross-site"),
        ),
        ("a foreign host", good.with("Host", &foreign_host)),
        ("a host without the port", good.with("Host", "127.0.0.1")),
        ("no host", good.without("Host")),
        ("a form post", good.with("Content-Type", "text/plain")),
    ];
    for (what, headers) in &cases {
        let reply = raw(port, "POST", "/_zhan/api/save", headers, body.as_bytes());
        assert_eq!(reply.status, 403, "{what}: {}", reply.body);
        assert!(common::has_chinese(&reply.body), "{what}: {}", reply.body);
    }
    // Paths outside content/, however written.
    for path in [
        "../site.yaml",
        "../content/../site.yaml",
        "/etc/passwd",
        "services/../../site.yaml",
        "services\\..\\..\\site.yaml",
        "C:/Windows/win.ini",
        "services/huidong/tanfang.txt",
    ] {
        let mut outside = save.clone();
        outside["path"] = json!(path);
        let reply = client.post("/_zhan/api/save", &outside);
        assert_eq!(reply.status, 403, "{path}: {}", reply.body);
        assert!(common::has_chinese(&reply.json()["error"].to_string()));
    }
    // Reading outside content/ is refused too.
    let reply = client.get("/_zhan/api/form?path=../site.yaml");
    assert_eq!(reply.status, 403, "{}", reply.body);
    // Oversize bodies: refused from the announced length, before reading.
    let big = vec![b' '; 2 * 1024 * 1024 + 1];
    let reply = raw(port, "POST", "/_zhan/api/save", &good.0, &big);
    assert_eq!(reply.status, 413, "{}", reply.body);
    let mut huge = good.0.clone();
    huge.push(("Content-Length", "99999999999"));
    let reply = raw(port, "POST", "/_zhan/api/save", &huge, b"{}");
    assert_eq!(reply.status, 413, "{}", reply.body);
    // A foreign Host does not even get the page that holds the token.
    let page = raw(port, "GET", "/_zhan/", &[("Host", &foreign_host)], b"");
    assert_eq!(page.status, 403);
    assert!(!page.body.contains(&token));
    // The API does not answer reads without the token either.
    let read = raw(
        port,
        "GET",
        "/_zhan/api/form?path=services/huidong/tanfang.md",
        &[("Host", &host)],
        b"",
    );
    assert_eq!(read.status, 403);
    assert!(!read.body.contains("空巢老人探访"));

    assert_eq!(site.read(SERVICE), before, "nothing was written");
    assert_eq!(site.read("site.yaml"), settings);
    assert!(
        !site.path().join(".zhan/history").exists(),
        "no save happened, so no history either"
    );

    // The same request with everything right goes through: the refusals
    // above were for what they lacked.
    let reply = client.post("/_zhan/api/save", &save);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        site.read(SERVICE),
        before.replace("title: 空巢老人探访", "title: 改过的标题")
    );
}

#[test]
fn the_editor_is_off_unless_the_server_is_on_loopback() {
    let site = TestSite::new();
    let server = start(&site, &["--bind", "0.0.0.0"]);
    let host = format!("127.0.0.1:{}", server.port);
    let page = raw(server.port, "GET", "/_zhan/", &[("Host", &host)], b"");
    assert_eq!(page.status, 403);
    assert!(page.body.contains("编辑器没有开启"), "{}", page.body);
    assert!(!page.body.contains("\"token\""));
    let save = raw(
        server.port,
        "POST",
        "/_zhan/api/save",
        &[("Host", &host), ("Content-Type", "application/json")],
        b"{}",
    );
    assert_eq!(save.status, 403);
    // Pages carry no edit link.
    let service = raw(
        server.port,
        "GET",
        "/services/huidong/tanfang/",
        &[("Host", &host)],
        b"",
    );
    assert_eq!(service.status, 200);
    assert!(!service.body.contains("/_zhan/"), "{}", service.body);
}

#[test]
fn pages_link_to_their_file_in_the_editor_and_the_home_lists_every_type() {
    let site = TestSite::new();
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let page = client.get("/services/huidong/tanfang/");
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("href=\"/_zhan/edit?path=services/huidong/tanfang.md\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("编辑此页"));
    let index = client.get("/_zhan/api/index").json();
    let names: Vec<&str> = index["kinds"]
        .as_array()
        .expect("kinds")
        .iter()
        .filter_map(|k| k["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "社工站",
            "服务",
            "社区组织",
            "培训课程",
            "课程章节",
            "小微项目",
            "试点成效",
            "动态",
            "页面"
        ]
    );
    let services = &index["kinds"][1]["items"];
    assert_eq!(services[0]["title"], "空巢老人探访");
    assert_eq!(services[0]["path"], "services/huidong/tanfang.md");
    assert_eq!(services[0]["url"], "/services/huidong/tanfang/");
}

#[test]
fn the_form_comes_from_the_schema_with_the_sites_items_and_vocabularies() {
    let site = TestSite::new();
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let form = client.form("services/huidong/tanfang.md");
    assert_eq!(form["kind"], "service");
    assert_eq!(form["kindName"], "服务");
    let field = |key: &str| -> J {
        form["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["key"] == key))
            .cloned()
            .unwrap_or_else(|| panic!("no field {key}"))
    };
    assert_eq!(field("providers")["label"], "提供服务的组织");
    assert_eq!(
        field("providers")["widget"]["options"],
        json!([{ "value": "tongxin", "label": "同心为老服务社" }])
    );
    // The site's own vocabulary, not the default one.
    assert_eq!(
        field("category")["widget"]["options"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(form["values"]["schedule"][0]["time"], "09:00-11:30");
    assert_eq!(form["values"]["providers"], json!(["tongxin"]));
    assert!(
        form["body"]
            .as_str()
            .is_some_and(|b| b.contains("## 服务流程"))
    );
}

#[test]
fn a_save_changes_only_its_lines_and_a_conflict_returns_both_versions() {
    let site = TestSite::new();
    site.write(
        "content/organizations/leling.md",
        "---\ntitle: 乐龄文体队\nstation: huidong\n---\n\n文体活动。\n",
    );
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let before = site.read(SERVICE);
    let form = client.form("services/huidong/tanfang.md");
    let save = json!({
        "path": "services/huidong/tanfang.md",
        "hash": form["hash"],
        "base": form["text"],
        "changes": [
            { "field": "schedule", "value": [[["days", ["tue", "thu"]], ["time", "14:00-16:30"]]] },
            { "field": "providers", "value": ["tongxin", "leling"] },
        ],
        "body": null,
    });
    let reply = client.post("/_zhan/api/save", &save);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let after = site.read(SERVICE);
    let changed: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [
            ("providers: [tongxin]", "providers: [tongxin, leling]"),
            ("    time: \"09:00-11:30\"", "    time: \"14:00-16:30\""),
        ]
    );
    assert_eq!(before.lines().count(), after.lines().count());
    let saved_hash = reply.json()["hash"].clone();

    // The body alone.
    let form = client.form("services/huidong/tanfang.md");
    assert_eq!(form["hash"], saved_hash);
    let body = form["body"].as_str().expect("body").replace("见", "请见");
    let reply = client.post(
        "/_zhan/api/save",
        &json!({ "path": "services/huidong/tanfang.md", "hash": form["hash"], "base": form["text"], "changes": [], "body": body }),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(
        site.read(SERVICE)
            .ends_with("请见[惠东社工站](../../stations/huidong.md#站点简介)。\n")
    );

    // Opened, then changed on disk by someone else: the save is refused,
    // with both versions, and nothing is written.
    let form = client.form("services/huidong/tanfang.md");
    let on_disk = site
        .read(SERVICE)
        .replace("category: 助老服务", "category: 议事协商");
    site.write(SERVICE, &on_disk);
    let reply = client.post(
        "/_zhan/api/save",
        &title_save(&form, "services/huidong/tanfang.md"),
    );
    assert_eq!(reply.status, 409, "{}", reply.body);
    let conflict = reply.json();
    assert!(common::has_chinese(
        conflict["error"].as_str().unwrap_or("")
    ));
    assert_eq!(conflict["conflict"]["disk"], json!(on_disk));
    let draft = conflict["conflict"]["draft"]
        .as_str()
        .expect("draft")
        .to_string();
    assert!(draft.contains("title: 改过的标题") && draft.contains("category: 助老服务"));
    assert_eq!(site.read(SERVICE), on_disk);
    // 保留我的修改: the draft over the disk's version, which goes to history.
    let reply = client.post(
        "/_zhan/api/save",
        &json!({ "path": "services/huidong/tanfang.md", "hash": conflict["conflict"]["hash"], "text": draft }),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(site.read(SERVICE), draft);

    // History: newest first; restoring puts the disk's version back.
    let history = client
        .get("/_zhan/api/history?path=services/huidong/tanfang.md")
        .json();
    let versions = history["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 3, "{history}");
    let newest = versions[0]["id"].as_str().expect("id");
    let kept = client
        .get(&format!(
            "/_zhan/api/version?path=services/huidong/tanfang.md&id={newest}"
        ))
        .json();
    assert_eq!(kept["text"], json!(on_disk));
    let reply = client.post(
        "/_zhan/api/restore",
        &json!({ "path": "services/huidong/tanfang.md", "id": newest, "hash": reply.json()["hash"] }),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(site.read(SERVICE), on_disk);
}

#[test]
fn a_build_contains_nothing_of_the_editor() {
    let (out, _) = common::build_demo("editor-free");
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(&out) {
        let entry = entry.expect("walk");
        let rel = entry.path().strip_prefix(&out).expect("inside");
        assert!(
            !rel.to_string_lossy().contains("_zhan"),
            "{}",
            rel.display()
        );
        if entry.file_type().is_file() {
            let bytes = std::fs::read(entry.path()).expect("read");
            let text = String::from_utf8_lossy(&bytes);
            for needle in ["/_zhan/", "zhan-edit-link", "编辑此页", "X-Zhan-Token"] {
                assert!(!text.contains(needle), "{} has {needle}", rel.display());
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "only {checked} files built");
}

#[test]
fn a_draft_is_checked_without_being_written() {
    let site = TestSite::new();
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let before = site.read(SERVICE);
    let form = client.form("services/huidong/tanfang.md");
    let check = |changes: J| {
        let reply = client.post(
            "/_zhan/api/check",
            &json!({ "path": "services/huidong/tanfang.md", "hash": form["hash"], "base": form["text"], "changes": changes, "body": null }),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(
        check(json!([])),
        Vec::<J>::new(),
        "the file as it is is fine"
    );
    let found = check(json!([{ "field": "category", "value": "不存在的类别" }]));
    let on_category: Vec<&J> = found.iter().filter(|d| d["field"] == "category").collect();
    assert_eq!(on_category.len(), 1, "{found:?}");
    assert_eq!(on_category[0]["severity"], "error");
    assert!(common::has_chinese(
        on_category[0]["message"].as_str().unwrap_or("")
    ));
    // The privacy check runs as the worker types, masking the number.
    let reply = client.post(
        "/_zhan/api/check",
        &json!({ "path": "services/huidong/tanfang.md", "hash": form["hash"], "base": form["text"], "changes": [], "body": "请联系志愿者 139 1234 5678。\n" }),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body.contains("W-PRIVACY-PHONE"), "{}", reply.body);
    assert!(reply.body.contains("139****5678"), "{}", reply.body);
    assert!(!reply.body.contains("1234 5678"), "{}", reply.body);
    assert_eq!(site.read(SERVICE), before, "a check writes nothing");
    // Checking needs the token like everything else.
    let reply = raw(
        server.port,
        "POST",
        "/_zhan/api/check",
        &[("Host", &client.host), ("Content-Type", "application/json")],
        b"{}",
    );
    assert_eq!(reply.status, 403);
}

#[test]
fn a_new_item_gets_a_pinyin_id_from_its_title_and_never_replaces_a_file() {
    let site = TestSite::new();
    site.write(
        "content/services/huidong/kongchao-laoren-tanfang.md",
        "---\ntitle: 已有的探访\n---\n",
    );
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let propose = |kind: &str, title: &str, parent: Option<&str>| {
        let reply = client.post(
            "/_zhan/api/propose",
            &json!({ "kind": kind, "title": title, "parent": parent }),
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()
    };
    // The id of an existing service gets a number.
    let proposed = propose("service", "空巢老人探访", Some("huidong"));
    assert_eq!(proposed["id"], "kongchao-laoren-tanfang-2");
    assert_eq!(
        proposed["path"],
        "services/huidong/kongchao-laoren-tanfang-2.md"
    );
    assert_eq!(
        propose("organization", "365在线服务", None)["id"],
        "365-zaixian-fuwu"
    );
    assert_eq!(
        propose("course", "社工基础", None)["path"],
        "training/shegong-jichu/_index.md"
    );
    // A service needs a real station; a title is needed.
    let reply = client.post(
        "/_zhan/api/propose",
        &json!({ "kind": "service", "title": "探访", "parent": "nowhere" }),
    );
    assert_eq!(reply.status, 422, "{}", reply.body);
    let reply = client.post(
        "/_zhan/api/propose",
        &json!({ "kind": "news", "title": "  " }),
    );
    assert_eq!(reply.status, 422, "{}", reply.body);

    // Created from the template of `zhan new`, with the title written in.
    let reply = client.post(
        "/_zhan/api/create",
        &json!({ "kind": "service", "title": "空巢老人探访", "parent": "huidong", "id": "kongchao-laoren-tanfang-2" }),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        reply.json()["path"],
        "services/huidong/kongchao-laoren-tanfang-2.md"
    );
    let text = site.read("content/services/huidong/kongchao-laoren-tanfang-2.md");
    assert!(text.starts_with("---\ntitle: 空巢老人探访"), "{text}");
    assert!(text.contains("\nstation: huidong"), "{text}");
    assert!(text.contains("category:"), "{text}");
    // The editor opens it.
    let form = client.form("services/huidong/kongchao-laoren-tanfang-2.md");
    assert_eq!(form["values"]["title"], "空巢老人探访");
    assert_eq!(form["kind"], "service");

    // An existing file is never replaced; a bad id is refused.
    let existing = "content/services/huidong/kongchao-laoren-tanfang.md";
    let before = site.read(existing);
    let reply = client.post(
        "/_zhan/api/create",
        &json!({ "kind": "service", "title": "空巢老人探访", "parent": "huidong", "id": "kongchao-laoren-tanfang" }),
    );
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(
        reply.json()["error"]
            .as_str()
            .is_some_and(|e| e.contains("kongchao-laoren-tanfang-3")),
        "{}",
        reply.body
    );
    assert_eq!(site.read(existing), before);
    for bad in ["../x", "Kongchao", "-a", "", "a/b"] {
        let reply = client.post(
            "/_zhan/api/create",
            &json!({ "kind": "news", "title": "动态", "id": bad }),
        );
        assert_eq!(reply.status, 422, "{bad}: {}", reply.body);
    }
    // Without the token, nothing is created.
    let reply = raw(
        server.port,
        "POST",
        "/_zhan/api/create",
        &[("Host", &client.host), ("Content-Type", "application/json")],
        json!({ "kind": "news", "title": "动态", "id": "dongtai" })
            .to_string()
            .as_bytes(),
    );
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(!site.path().join("content/news/dongtai.md").exists());
}

#[test]
fn a_delete_lists_what_points_at_the_item_and_needs_a_confirmation() {
    let site = TestSite::new();
    site.write(
        "content/news/xiaoxi.md",
        "---\ntitle: 消息\ndate: 2026-12-01\n---\n\n见[同心社](../organizations/tongxin.md)。\n",
    );
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let target = "content/organizations/tongxin.md";
    let before = site.read(target);
    let form = client.form("organizations/tongxin.md");
    let ask = |confirm: bool| {
        client.post(
            "/_zhan/api/delete",
            &json!({ "path": "organizations/tongxin.md", "hash": form["hash"], "confirm": confirm }),
        )
    };
    // Without confirm: refused, with the service that names it as a
    // provider and the news item that links to it.
    let reply = ask(false);
    assert_eq!(reply.status, 409, "{}", reply.body);
    let answer = reply.json();
    let places: Vec<(&str, &str)> = answer["referrers"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap_or_default(),
                r["how"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            ("news/xiaoxi.md", "link"),
            ("services/huidong/tanfang.md", "field")
        ],
        "{answer}"
    );
    assert!(
        answer["referrers"][1]["text"]
            .as_str()
            .is_some_and(|t| t.contains("providers") && t.contains("行")),
        "{answer}"
    );
    assert_eq!(site.read(target), before, "nothing deleted");
    // Without the token: refused, nothing deleted.
    let reply = raw(
        server.port,
        "POST",
        "/_zhan/api/delete",
        &[("Host", &client.host), ("Content-Type", "application/json")],
        json!({ "path": "organizations/tongxin.md", "hash": form["hash"], "confirm": true })
            .to_string()
            .as_bytes(),
    );
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(site.read(target), before);
    // Confirmed: deleted, and its last version is in the history.
    let reply = ask(true);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(!site.path().join(target).exists());
    let history = client.get("/_zhan/api/history?path=organizations/tongxin.md");
    assert_eq!(history.status, 200, "{}", history.body);
    let id = history.json()["versions"][0]["id"]
        .as_str()
        .expect("a version")
        .to_string();
    let version = client.get(&format!(
        "/_zhan/api/version?path=organizations/tongxin.md&id={id}"
    ));
    assert_eq!(version.json()["text"], before);
    // A path outside content/ is refused as such.
    let reply = client.post(
        "/_zhan/api/delete",
        &json!({ "path": "../site.md", "hash": form["hash"], "confirm": true }),
    );
    assert_eq!(reply.status, 403, "{}", reply.body);
}

#[test]
fn a_rename_moves_the_file_and_updates_references_and_links_only() {
    let site = TestSite::new();
    site.write(
        "content/news/xiaoxi.md",
        "---\ntitle: 消息\ndate: 2026-12-01\n---\n\n见[同心社](../organizations/tongxin.md#介绍)，\n`tongxin.md` 不是链接。\n",
    );
    site.write(
        "content/organizations/leling.md",
        "---\ntitle: 乐龄\nstation: huidong\nmentor: tongxin   # 带教\n---\n\n文体。\n",
    );
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let old = "content/organizations/tongxin.md";
    let text = site.read(old);
    let service = site.read(SERVICE);
    let news = site.read("content/news/xiaoxi.md");
    let leling = site.read("content/organizations/leling.md");
    let form = client.form("organizations/tongxin.md");
    let rename = |id: &str, confirm: bool| {
        client.post(
            "/_zhan/api/rename",
            &json!({ "path": "organizations/tongxin.md", "hash": form["hash"], "id": id, "update": true, "confirm": confirm }),
        )
    };
    // Refused: the id of another organization, a bad id.
    let reply = rename("leling", true);
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert!(reply.body.contains("leling-2"), "{}", reply.body);
    assert_eq!(rename("Tong Xin", true).status, 422);
    // First asked: the new file and what points at the item.
    let reply = rename("tongxin-she", false);
    assert_eq!(reply.status, 409, "{}", reply.body);
    let answer = reply.json();
    assert_eq!(answer["path"], "organizations/tongxin-she.md");
    assert_eq!(
        answer["referrers"].as_array().map(Vec::len),
        Some(3),
        "{answer}"
    );
    assert_eq!(site.read(old), text, "nothing moved before confirming");

    let reply = rename("tongxin-she", true);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answer = reply.json();
    assert_eq!(answer["path"], "organizations/tongxin-she.md");
    assert_eq!(answer["failed"], json!([]));
    assert_eq!(
        answer["updated"].as_array().map(Vec::len),
        Some(3),
        "{answer}"
    );
    assert!(!site.path().join(old).exists());
    assert_eq!(site.read("content/organizations/tongxin-she.md"), text);
    assert_eq!(
        common::changed_lines(&service, &site.read(SERVICE)),
        [(
            "providers: [tongxin]".into(),
            "providers: [tongxin-she]".into()
        )]
    );
    assert_eq!(
        common::changed_lines(&news, &site.read("content/news/xiaoxi.md")),
        [(
            "见[同心社](../organizations/tongxin.md#介绍)，".into(),
            "见[同心社](../organizations/tongxin-she.md#介绍)，".into()
        )]
    );
    assert_eq!(
        common::changed_lines(&leling, &site.read("content/organizations/leling.md")),
        [(
            "mentor: tongxin   # 带教".into(),
            "mentor: tongxin-she # 带教".into()
        )]
    );
    // The old file is in the history.
    let history = client.get("/_zhan/api/history?path=organizations/tongxin.md");
    assert_eq!(history.json()["versions"].as_array().map(Vec::len), Some(1));

    // A section's page has no id of its own to change (a station and a
    // course move with their folders: see editor_files.rs).
    site.write("content/news/_index.md", "---\ntitle: 动态\n---\n");
    let form = client.form("news/_index.md");
    let reply = client.post(
        "/_zhan/api/rename",
        &json!({ "path": "news/_index.md", "hash": form["hash"], "id": "xiaoxi", "confirm": true }),
    );
    assert_eq!(reply.status, 422, "{}", reply.body);
    assert!(site.path().join("content/news/_index.md").exists());
}

/// Every file under `dir`, with its bytes.
fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap_or_default();
                files.insert(path, bytes);
            }
        }
    }
    files
}

#[test]
fn a_draft_is_previewed_as_the_theme_renders_it_without_being_written() {
    let site = TestSite::new();
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let output = snapshot(&site.path().join("output"));
    let content = snapshot(&site.path().join("content"));
    assert!(!output.is_empty());
    let form = client.form("services/huidong/tanfang.md");
    let reply = client.post(
        "/_zhan/api/preview",
        &title_save(&form, "services/huidong/tanfang.md"),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let html = reply.json()["html"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let h1 = html
        .split("<h1>")
        .nth(1)
        .and_then(|r| r.split("</h1>").next())
        .unwrap_or_else(|| panic!("no <h1> in {html}"));
    assert_eq!(h1.trim(), "改过的标题");
    // The theme's layout, with the page's own address as its base.
    assert!(html.contains("class=\"site-header\""), "{html}");
    assert!(html.contains("/css/style.css"), "{html}");
    assert!(
        html.contains("<base href=\"/services/huidong/tanfang/\">"),
        "{html}"
    );
    // An edit that changes how the site relates (another category) is
    // linked again: the page shows it.
    let recategorised = client.post(
        "/_zhan/api/preview",
        &json!({ "path": "services/huidong/tanfang.md", "hash": form["hash"], "base": form["text"],
                 "changes": [{ "field": "category", "value": "矛盾调解" }], "body": null }),
    );
    assert_eq!(recategorised.status, 200, "{}", recategorised.body);
    let html = recategorised.json()["html"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(html.contains(">矛盾调解</a>"), "{html}");
    // A draft with errors returns them, and no page.
    let broken = client.post(
        "/_zhan/api/preview",
        &json!({ "path": "services/huidong/tanfang.md", "text": "---\ntitle: [\n---\n" }),
    );
    assert_eq!(broken.status, 422, "{}", broken.body);
    assert!(
        !broken.json()["diagnostics"]
            .as_array()
            .is_none_or(Vec::is_empty)
    );
    // Nothing written, anywhere.
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        snapshot(&site.path().join("output")) == output,
        "output/ changed"
    );
    assert!(
        snapshot(&site.path().join("content")) == content,
        "content/ changed"
    );
    // Previewing needs the token like everything else.
    let reply = raw(
        server.port,
        "POST",
        "/_zhan/api/preview",
        &[
            ("Host", &client.host),
            ("Origin", &client.origin()),
            ("Content-Type", "application/json"),
        ],
        title_save(&form, "services/huidong/tanfang.md")
            .to_string()
            .as_bytes(),
    );
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert!(!reply.body.contains("改过的标题"));
}
