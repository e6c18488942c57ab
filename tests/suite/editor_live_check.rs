//! The editor's live check finds what `zhan check` finds with the rest of
//! the site (references to unknown items, broken `.md` links) in a draft
//! that is not saved, and puts each problem beside its field.

use crate::common::{self, TestSite};
use crate::editor::{Client, start};

use serde_json::{Value as J, json};

const ORGANIZATION: &str = "organizations/tongxin.md";
const SERVICE: &str = "services/huidong/tanfang.md";

/// The diagnostics of a check of `path` with `changes` and `body`.
fn check(client: &Client, path: &str, changes: J, body: Option<&str>) -> Vec<J> {
    let form = client.form(path);
    let reply = client.post(
        "/_zhan/api/check",
        &json!({ "path": path, "hash": form["hash"], "base": form["text"], "changes": changes, "body": body }),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["diagnostics"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn an_unknown_reference_or_a_broken_link_is_flagged_as_zhan_check_flags_it() {
    let site = TestSite::new();
    let server = start(&site, &[]);
    let client = Client::new(server.port);
    let before = (
        site.read(&format!("content/{ORGANIZATION}")),
        site.read(&format!("content/{SERVICE}")),
    );
    assert_eq!(
        check(&client, ORGANIZATION, json!([]), None),
        Vec::<J>::new()
    );

    // A station mistyped: the error `zhan check` gives, on the line of the
    // field, with the station meant.
    let found = check(
        &client,
        ORGANIZATION,
        json!([{ "field": "station", "value": "huidng" }]),
        None,
    );
    assert_eq!(found.len(), 1, "{found:?}");
    let d = &found[0];
    assert_eq!(d["code"], "E-REF-UNKNOWN", "{d}");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["field"], "station");
    assert_eq!(d["line"], 3, "station is on the third line: {d}");
    assert_eq!(d["column"], 10, "{d}");
    assert!(
        d["message"].as_str().unwrap_or("").contains("huidng"),
        "{d}"
    );
    let hint = d["hint"].as_str().unwrap_or("");
    assert!(hint.contains("`huidong`"), "{hint}");
    assert!(common::has_chinese(hint), "{hint}");

    // The same file saved that way: `zhan check` says the same.
    let other = TestSite::new();
    other.write(
        &format!("content/{ORGANIZATION}"),
        &before.0.replace("station: huidong", "station: huidng"),
    );
    let checked = common::zhan()
        .arg("--root")
        .arg(other.path())
        .arg("check")
        .output()
        .expect("zhan check");
    let printed = common::diagnostics(&String::from_utf8_lossy(&checked.stderr));
    let same: Vec<_> = printed
        .iter()
        .filter(|p| p.code == "E-REF-UNKNOWN")
        .collect();
    assert_eq!(same.len(), 1, "{printed:?}");
    assert_eq!((same[0].line, same[0].col), (3, 10));
    assert_eq!(same[0].message, d["message"].as_str().unwrap_or(""));
    assert_eq!(same[0].hint, hint);

    // A provider that does not exist, in a list.
    let found = check(
        &client,
        SERVICE,
        json!([{ "field": "providers", "value": ["tongxn"] }]),
        None,
    );
    assert!(
        found.iter().any(|d| d["code"] == "E-REF-UNKNOWN"
            && d["field"] == "providers"
            && d["hint"].as_str().unwrap_or("").contains("`tongxin`")),
        "{found:?}"
    );

    // A broken `.md` link in the body: beside the body, on its line.
    let body = "\n## 服务流程\n\n见[惠东社工站](../../stations/huidng.md)。\n";
    let found = check(&client, SERVICE, json!([]), Some(body));
    let link: Vec<&J> = found.iter().filter(|d| d["field"] == "body").collect();
    assert_eq!(link.len(), 1, "{found:?}");
    assert_eq!(link[0]["code"], "E-LINK-MISSING", "{found:?}");
    // The line of the closing `---`, then the body's fourth line.
    let closing = before
        .1
        .lines()
        .skip(1)
        .position(|l| l == "---")
        .expect("front matter")
        + 2;
    assert_eq!(link[0]["line"], closing + 4, "{:?}", link[0]);
    assert!(
        link[0]["hint"]
            .as_str()
            .unwrap_or("")
            .contains("stations/huidong.md"),
        "{:?}",
        link[0]
    );

    assert_eq!(
        (
            site.read(&format!("content/{ORGANIZATION}")),
            site.read(&format!("content/{SERVICE}"))
        ),
        before,
        "a check writes nothing"
    );
}
