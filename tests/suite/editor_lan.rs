//! The editor on the network (`zhan serve --bind 0.0.0.0 --edit`): off
//! without `--edit`; with it, only for a browser that opened the address
//! with the key the terminal printed, and then still only with the page's
//! write token, from the server's own origin, at the server's own address.

use crate::common::{self, TestSite};
use crate::editor::{Reply, raw, start};

use serde_json::json;

const SERVICE: &str = "content/services/huidong/tanfang.md";

/// The key in the editor's address the server printed, and the network
/// address (`IP:PORT`) a phone would use: the printed one, or, when the
/// machine has no network address, any IP address (the server listens on
/// all of them).
fn printed_key_and_lan_host(log: &[String], port: u16) -> (String, String) {
    let key = log
        .iter()
        .find_map(|l| l.split("/_zhan/?key=").nth(1))
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_hexdigit)
                .collect::<String>()
        })
        .expect("the terminal shows the editor's address with its key");
    let lan = log
        .iter()
        .filter(|l| l.contains("/_zhan/?key=") && !l.contains("127.0.0.1"))
        .find_map(|l| l.split("http://").nth(1)?.split("/_zhan/").next())
        .map(str::to_string)
        .unwrap_or_else(|| format!("192.0.2.77:{port}"));
    (key, lan)
}

fn header<'r>(reply: &'r Reply, name: &str) -> Option<&'r str> {
    reply.head.lines().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[test]
fn without_edit_the_network_gets_no_editor_and_the_terminal_says_how() {
    let site = TestSite::new();
    let server = start(&site, &["--bind", "0.0.0.0"]);
    let log = server.log.join("\n");
    assert!(log.contains("--edit"), "{log}");
    assert!(!log.contains("key="), "{log}");
    let host = format!("192.0.2.77:{}", server.port);
    let page = raw(server.port, "GET", "/_zhan/", &[("Host", &host)], b"");
    assert_eq!(page.status, 403);
    assert!(page.body.contains("--edit"), "{}", page.body);
    let keyed = raw(
        server.port,
        "GET",
        "/_zhan/?key=0123456789abcdef0123456789abcdef",
        &[("Host", &host)],
        b"",
    );
    assert_eq!(keyed.status, 403);
    assert!(header(&keyed, "set-cookie").is_none());
}

#[test]
fn with_edit_the_key_from_the_terminal_opens_the_editor_and_nothing_else_does() {
    let site = TestSite::new();
    let server = start(&site, &["--bind", "0.0.0.0", "--edit"]);
    let port = server.port;
    let (key, lan) = printed_key_and_lan_host(&server.log, port);
    assert_eq!(key.len(), 32, "{:?}", server.log);
    let log = server.log.join("\n");
    assert!(common::has_chinese(&log));
    if !lan.starts_with("192.0.2.77:") {
        // A machine with a network address: the phone's address as a QR
        // code drawn in blocks (decoded in the unit tests of render::qr).
        assert!(log.contains("████"), "{log}");
    }
    let before = site.read(SERVICE);

    // No key, a wrong key: refused, and told where the key is.
    for target in ["/_zhan/", "/_zhan/?key=0123456789abcdef0123456789abcdef"] {
        let reply = raw(port, "GET", target, &[("Host", &lan)], b"");
        assert_eq!(reply.status, 403, "{target}");
        assert!(reply.body.contains("安全码"), "{}", reply.body);
        assert!(!reply.body.contains("\"token\""));
        assert!(header(&reply, "set-cookie").is_none());
    }
    // Pages of the site carry no edit link for a browser without the key.
    let page = raw(
        port,
        "GET",
        "/services/huidong/tanfang/",
        &[("Host", &lan)],
        b"",
    );
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("/_zhan/edit"));

    // The key: a cookie, and on to the editor without the key.
    let target = format!("/_zhan/edit?path=services/huidong/tanfang.md&key={key}");
    let granted = raw(port, "GET", &target, &[("Host", &lan)], b"");
    assert_eq!(granted.status, 303, "{}", granted.head);
    assert_eq!(
        header(&granted, "location"),
        Some("/_zhan/edit?path=services/huidong/tanfang.md")
    );
    let set = header(&granted, "set-cookie").expect("a cookie");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = set.split(';').next().expect("name=value").to_string();
    assert!(cookie.ends_with(&key), "{cookie}");

    let page = raw(
        port,
        "GET",
        "/_zhan/",
        &[("Host", &lan), ("Cookie", &cookie)],
        b"",
    );
    assert_eq!(page.status, 200, "{}", page.body);
    let token = page
        .body
        .split("\"token\":\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the editor page holds the write token")
        .to_string();
    let site_page = raw(
        port,
        "GET",
        "/services/huidong/tanfang/",
        &[("Host", &lan), ("Cookie", &cookie)],
        b"",
    );
    assert!(site_page.body.contains("/_zhan/edit?path="));

    let form = raw(
        port,
        "GET",
        "/_zhan/api/form?path=services/huidong/tanfang.md",
        &[
            ("Host", &lan),
            ("Cookie", &cookie),
            ("X-Zhan-Token", &token),
        ],
        b"",
    );
    assert_eq!(form.status, 200, "{}", form.body);
    let form: serde_json::Value = serde_json::from_str(&form.body).expect("JSON");
    let save = json!({
        "path": "services/huidong/tanfang.md",
        "hash": form["hash"],
        "base": form["text"],
        "changes": [{ "field": "title", "value": "手机上改的标题" }],
        "body": null,
    })
    .to_string();
    let origin = format!("http://{lan}");
    let good = common::Headers(vec![
        ("Host", &lan),
        ("Origin", &origin),
        ("Cookie", &cookie),
        ("X-Zhan-Token", &token),
        ("Content-Type", "application/json"),
    ]);
    let other_ip = format!("http://10.9.8.7:{port}");
    let named = format!("zhan.example:{port}");
    let other_port = format!(
        "{}:{}",
        lan.rsplit_once(':').map_or("", |(ip, _)| ip),
        port.wrapping_add(1)
    );
    let cases: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("no key cookie", good.without("Cookie")),
        ("a wrong key cookie", good.with("Cookie", "zhan_key_1=00")),
        ("no write token", good.without("X-Zhan-Token")),
        (
            "a wrong write token",
            good.with("X-Zhan-Token", "0123456789abcdef"),
        ),
        (
            "a foreign origin",
            good.with("Origin", "http://evil.example"),
        ),
        ("another address's origin", good.with("Origin", &other_ip)),
        ("a host name (DNS rebinding)", good.with("Host", &named)),
        ("another port", good.with("Host", &other_port)),
        (
            "a cross-site fetch",
            good.with("Sec-Fetch-Site", "cross-site"),
        ),
    ];
    for (what, headers) in &cases {
        let reply = raw(port, "POST", "/_zhan/api/save", headers, save.as_bytes());
        assert_eq!(reply.status, 403, "{what}: {}", reply.body);
        assert!(common::has_chinese(&reply.body), "{what}: {}", reply.body);
    }
    assert_eq!(site.read(SERVICE), before, "nothing was written");

    let reply = raw(port, "POST", "/_zhan/api/save", &good.0, save.as_bytes());
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        site.read(SERVICE),
        before.replace("title: 空巢老人探访", "title: 手机上改的标题")
    );
}
