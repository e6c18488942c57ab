//! `zhan serve` end to end: a real server on a free port, the reload channel,
//! edits, a broken save with its overlay, the fix; and what the server refuses.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::TestSite;

struct Server {
    child: Child,
    port: u16,
    log: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `zhan serve` and waits until it serves and its first build ended.
fn start(site: &TestSite) -> Server {
    let server = start_serving(site);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = server
            .log
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the first build of zhan serve did not end");
        if line.starts_with("已生成 ") || line.contains("错误[") {
            return server;
        }
    }
}

/// Starts `zhan serve` and returns as soon as it says it serves.
fn start_serving(site: &TestSite) -> Server {
    let mut child = common::zhan()
        .arg("--root")
        .arg(site.path())
        .args(["serve", "--port", "0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start zhan serve");
    let stderr = child.stderr.take();
    let (tx, rx) = mpsc::channel();
    // From here the server is killed and waited for even if the test fails.
    let mut server = Server {
        child,
        port: 0,
        log: rx,
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
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let line = server
            .log
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("zhan serve did not say it was serving");
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            server.port = rest
                .split('/')
                .next()
                .and_then(|p| p.parse().ok())
                .expect("port");
            return server;
        }
    }
}

/// A raw HTTP request; returns (status line, headers, body).
fn request(port: u16, method: &str, path: &str) -> (String, String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (status.to_string(), headers.to_string(), body.to_string())
}

/// The reload channel: events as (name, data).
struct Events {
    lines: mpsc::Receiver<String>,
}

impl Events {
    fn open(port: u16) -> Events {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        write!(
            stream,
            "GET /__zhan/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n"
        )
        .expect("send");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let events = Events { lines: rx };
        // Wait for the stream to be open before anything is edited.
        events.line_matching(|l| l == ": connected", Duration::from_secs(10));
        events
    }

    fn line_matching(&self, wanted: impl Fn(&str) -> bool, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let line = self
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("no such event arrived in time");
            if wanted(&line) {
                return line;
            }
        }
    }

    /// The data of the next event named `name`.
    fn next(&self, name: &str) -> String {
        self.line_matching(|l| l == format!("event: {name}"), Duration::from_secs(20));
        self.line_matching(|l| l.starts_with("data: "), Duration::from_secs(5))
    }
}

#[test]
fn edits_reload_the_page_errors_show_an_overlay_and_clear() {
    let site = TestSite::new();
    let server = start(&site);
    let events = Events::open(server.port);

    // An edit: the reload event names the page, the page has the new text.
    site.write("content/services/huidong/tanfang.md", "---\ntitle: 空巢老人上门探访\ncategory: 助老服务\naudience: [老年人]\nproviders: [tongxin]\n---\n\n## 服务流程\n\n电话预约。\n");
    let data = events.next("reload");
    assert!(data.contains("\"/services/huidong/tanfang/\""), "{data}");
    assert!(
        data.contains("\"/stations/huidong/\""),
        "the station lists it: {data}"
    );
    let (status, headers, body) = request(server.port, "GET", "/services/huidong/tanfang/");
    assert!(status.contains("200"), "{status}");
    assert!(headers.contains("Content-Type: text/html; charset=utf-8"));
    assert!(body.contains("<h1>空巢老人上门探访</h1>"));
    assert!(
        body.contains("<script src=\"/__zhan/reload.js\"></script>"),
        "the reload script is injected"
    );
    assert!(
        !std::fs::read_to_string(
            site.path()
                .join("output/services/huidong/tanfang/index.html")
        )
        .expect("file")
        .contains("reload.js"),
        "but never written to the output"
    );

    // A broken save: an errors event, and every page shows the overlay over the last good site.
    site.write(
        "content/services/huidong/tanfang.md",
        "---\ntitle: 空巢老人上门探访\ncategory: 助老\n---\n",
    );
    events.next("errors");
    let (_, _, body) = request(server.port, "GET", "/stations/huidong/");
    assert!(
        body.contains("id=\"zhan-overlay\""),
        "overlay on another page"
    );
    assert!(
        body.contains("content/services/huidong/tanfang.md:3:11"),
        "file, line and column: {body}"
    );
    assert!(body.contains("是不是想写 `助老服务`"), "{body}");
    assert!(body.contains("网站没有更新"), "{body}");
    // The line in error, quoted from the file, the wrong value marked and a
    // caret line under it, as in the terminal.
    assert!(
        body.contains("<span class=\"zhan-gutter\">3 | </span>category: <mark>助老</mark>\n"),
        "the source line: {body}"
    );
    assert!(
        body.contains("<span class=\"zhan-hide\">category: </span><span class=\"zhan-at\"><span class=\"zhan-hide\">助老</span><span class=\"zhan-caret\">^^^^^^</span>"),
        "the caret under the column: {body}"
    );
    // A panel to close and reopen, docked, not a full-screen cover.
    assert!(
        body.contains("<details open><summary>有 1 个错误</summary>"),
        "{body}"
    );
    assert!(body.contains(">关闭</button>"), "{body}");
    assert!(body.contains("max-height:45vh"), "{body}");
    assert!(!body.contains("inset:0"), "{body}");
    // Every page still has its own content after the panel.
    assert!(body.contains("<h1>"), "{body}");
    assert!(!body.contains("The site was not rebuilt"), "{body}");
    let (_, _, page) = request(server.port, "GET", "/services/huidong/tanfang/");
    assert!(
        page.contains("<h1>空巢老人上门探访</h1>"),
        "the last good page is still served"
    );
    let (_, _, missing) = request(server.port, "GET", "/no/such/page/");
    assert!(
        missing.contains("id=\"zhan-overlay\""),
        "even on a 404 page"
    );

    // The fix: a reload, and the overlay is gone.
    site.write(
        "content/services/huidong/tanfang.md",
        "---\ntitle: 空巢老人探访（修订）\ncategory: 助老服务\n---\n",
    );
    let data = events.next("reload");
    assert!(data.contains("\"/services/huidong/tanfang/\""), "{data}");
    let (_, _, page) = request(server.port, "GET", "/services/huidong/tanfang/");
    assert!(!page.contains("zhan-overlay"));
    assert!(page.contains("空巢老人探访（修订）"));

    // An editor's atomic save: write a temporary file, rename it over the page.
    let tmp = site.path().join("content/stations/.huidong.md.tmp");
    std::fs::write(
        &tmp,
        "---\ntitle: 惠东社区社工站（新）\n---\n\n## 站点简介\n",
    )
    .expect("write");
    std::fs::rename(&tmp, site.path().join("content/stations/huidong.md")).expect("rename");
    let data = events.next("reload");
    assert!(data.contains("\"/stations/huidong/\""), "{data}");
    assert!(
        request(server.port, "GET", "/stations/huidong/")
            .2
            .contains("惠东社区社工站（新）")
    );
    assert!(
        server.log.try_iter().all(|line| !line.contains("panicked")),
        "the server kept running"
    );
}

#[test]
fn undoing_a_mistake_clears_the_overlay() {
    let site = TestSite::new();
    let file = "content/services/huidong/tanfang.md";
    let good = std::fs::read_to_string(site.path().join(file)).expect("demo file");
    let server = start(&site);
    let events = Events::open(server.port);

    site.write(
        file,
        &good.replacen("category: 助老服务", "category: 助老", 1),
    );
    events.next("errors");
    assert!(
        request(server.port, "GET", "/stations/huidong/")
            .2
            .contains("id=\"zhan-overlay\"")
    );

    // Ctrl+Z and save: the file is again exactly what the last good build
    // read, so no page changes, but the errors are gone.
    site.write(file, &good);
    events.next("reload");
    let (_, _, page) = request(server.port, "GET", "/stations/huidong/");
    assert!(!page.contains("zhan-overlay"), "the overlay is gone");
}

#[test]
fn the_server_refuses_what_it_must() {
    let site = TestSite::new();
    let server = start(&site);
    for path in [
        "/../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E%2Fsite.yaml",
        "/.zhan-output",
        "/..%2f..%2fetc%2fpasswd",
    ] {
        let (status, _, _) = request(server.port, "GET", path);
        assert!(status.contains("404"), "{path}: {status}");
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(
            site.path().join("site.yaml"),
            site.path().join("output/leak.yaml"),
        )
        .expect("symlink");
        let (status, _, body) = request(server.port, "GET", "/leak.yaml");
        assert!(
            status.contains("404") && !body.contains("vocabularies"),
            "a symlink out of the output is not followed"
        );
    }
    let (status, headers, _) = request(server.port, "POST", "/");
    assert!(status.contains("405"), "{status}");
    assert!(headers.contains("Allow: GET, HEAD"));
    let (status, headers, body) = request(server.port, "HEAD", "/stations/huidong/");
    assert!(status.contains("200") && body.is_empty());
    assert!(headers.contains("text/html; charset=utf-8"));
    for (path, kind) in [
        ("/css/style.css", "text/css; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/training/jichu/notes.pdf", "application/pdf"),
        ("/__zhan/reload.js", "text/javascript; charset=utf-8"),
    ] {
        let (status, headers, _) = request(server.port, "GET", path);
        assert!(status.contains("200"), "{path}: {status}");
        assert!(
            headers.contains(&format!("Content-Type: {kind}")),
            "{path}: {headers}"
        );
    }
    let (status, headers, _) = request(server.port, "GET", "/stations");
    assert!(
        status.contains("301") && headers.contains("Location: /stations/"),
        "{status} {headers}"
    );
}

#[test]
fn a_burst_of_saves_ends_with_every_page_up_to_date() {
    let site = TestSite::new();
    let server = start(&site);
    let events = Events::open(server.port);
    // "Save all": several files, a new folder and a deletion within milliseconds.
    for n in 0..5 {
        site.write(
            &format!("content/news/n{n}.md"),
            &format!("---\ntitle: 消息{n}\n---\n\n正文{n}。\n"),
        );
    }
    site.write(
        "content/services/huidong/tanfang.md",
        "---\ntitle: 探访（一次保存全部）\ncategory: 助老服务\n---\n",
    );
    site.remove("content/training/jichu/l2.md");
    // Events may come as one batch or several; wait until the last change shows.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let data = events.next("reload");
        if data.contains("\"/training/jichu/l2/\"") || Instant::now() > deadline {
            break;
        }
    }
    for n in 0..5 {
        assert!(
            request(server.port, "GET", &format!("/news/n{n}/"))
                .2
                .contains(&format!("<h1>消息{n}</h1>")),
            "news {n}"
        );
    }
    assert!(
        request(server.port, "GET", "/services/huidong/tanfang/")
            .2
            .contains("探访（一次保存全部）")
    );
    assert!(
        request(server.port, "GET", "/training/jichu/l2/")
            .0
            .contains("404")
    );
    assert!(
        !request(server.port, "GET", "/training/jichu/l1/")
            .2
            .contains("第二讲"),
        "lesson 1 no longer links to lesson 2"
    );
}

/// The server answers before the first build ends: with the pages the last
/// build left in the output folder, and, for a page not built yet, a page
/// that says the site is being made and reloads itself.
#[test]
fn serving_starts_before_the_first_build_ends() {
    let site = TestSite::new();
    if let Err((code, stderr)) = site.build() {
        panic!("the first build failed ({code}): {stderr}");
    }
    // Many pages, so that the first build of `serve` takes a while.
    for n in 0..400 {
        site.write(
            &format!("content/news/n{n}.md"),
            &format!("---\ntitle: 动态{n}\ndate: 2026-01-01\nstation: huidong\n---\n\n第{n}条。\n"),
        );
    }
    let server = start_serving(&site);
    let (status, _, body) = request(server.port, "GET", "/stations/huidong/");
    let (new_status, _, new_page) = request(server.port, "GET", "/news/n399/");
    let log: Vec<String> = server.log.try_iter().collect();
    if log.iter().any(|l| l.starts_with("已生成 ")) {
        // The machine was faster than the requests: nothing to check here.
        eprintln!("the first build ended before the requests; not checked");
        return;
    }
    assert!(status.contains("200"), "{status}");
    assert!(
        body.contains("惠东社区社工站"),
        "the old page was not served"
    );
    // A page the output folder does not have yet: answered from the
    // build's staging folder once written, until then a waiting page.
    if new_status.contains("200") {
        assert!(new_page.contains("第399条"), "{new_page}");
    } else {
        assert!(new_status.contains("503"), "{new_status}");
    }
    let (missing, headers, waiting) = request(server.port, "GET", "/news/never/");
    if server.log.try_iter().any(|l| l.starts_with("已生成 ")) {
        eprintln!("the first build ended before the requests; not checked");
        return;
    }
    assert!(missing.contains("503"), "{missing}");
    assert!(headers.contains("Retry-After"), "{headers}");
    assert!(waiting.contains("正在生成网站"), "{waiting}");
    assert!(
        waiting.contains("/__zhan/reload.js"),
        "no reload script: {waiting}"
    );
    // When the build ends, the page exists.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = server
            .log
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the first build did not end");
        if line.starts_with("已生成 ") {
            break;
        }
    }
    let (status, _, body) = request(server.port, "GET", "/news/n399/");
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("第399条"));
}

/// Without any output, the first build's pages are served as soon as they
/// are written, styled: the home page is made first and the theme's files
/// before any page.
#[test]
fn a_site_without_output_shows_its_home_page_before_the_build_ends() {
    let site = TestSite::new();
    for n in 0..600 {
        site.write(
            &format!("content/news/n{n}.md"),
            &format!("---\ntitle: 动态{n}\ndate: 2026-01-01\nstation: huidong\n---\n\n第{n}条。\n"),
        );
    }
    let server = start_serving(&site);
    let deadline = Instant::now() + Duration::from_secs(60);
    let (home, stylesheet) = loop {
        let (status, _, body) = request(server.port, "GET", "/");
        if status.contains("200") {
            let (css, _, _) = request(server.port, "GET", "/css/style.css");
            break (body, css);
        }
        assert!(status.contains("503"), "{status}");
        assert!(Instant::now() < deadline, "the home page was never served");
        std::thread::sleep(Duration::from_millis(5));
    };
    let log: Vec<String> = server.log.try_iter().collect();
    if log.iter().any(|l| l.starts_with("已生成 ")) {
        eprintln!("the first build ended before the home page was asked for; not checked");
        return;
    }
    assert!(home.contains("css/style.css"), "not the home page: {home}");
    assert!(home.contains("/__zhan/reload.js"), "no reload script");
    assert!(stylesheet.contains("200"), "stylesheet: {stylesheet}");
}
