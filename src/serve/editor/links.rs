//! The body's link picker: `GET links?path=P` lists the site's pages by
//! type, each with the relative `.md` link from `content/P` to it
//! ([`crate::edit::relpath::link`]), as CONTENT-MODEL.md says links are
//! written (`[惠东社工站](../stations/huidong.md)`).

use serde_json::{Value as J, json};

use super::super::http::{Request, Response};
use super::{Editor, SiteView, error_json, json_response};
use crate::edit::{relpath, store};
use crate::messages;
use crate::model::Kind;

/// The calls of the link picker: None for other API calls.
pub fn route(editor: &Editor, req: &Request) -> Option<Response> {
    let name = req.path().trim_start_matches("/_zhan/api/");
    if !matches!(req.method, "GET" | "HEAD") || name != "links" {
        return None;
    }
    let Some(path) = req.query("path") else {
        return Some(error_json("400 Bad Request", "editor.bad-request", &[]));
    };
    if let Err(store::SaveError::BadPath { path, .. }) = store::content_path(editor.root(), &path) {
        return Some(error_json(
            "403 Forbidden",
            "editor.path-bad",
            &[("path", messages::Arg::from(path.as_str()))],
        ));
    }
    Some(json_response("200 OK", &links(&editor.site(), &path)))
}

/// The pages of `site` by type (in the content model's order), with their
/// links from `from`.
pub fn links(site: &SiteView, from: &str) -> J {
    let groups: Vec<J> = Kind::AUTHORED
        .iter()
        .map(|&kind| {
            let items: Vec<J> = site
                .files
                .iter()
                .filter(|f| f.path != from && f.site_path.is_some())
                .filter(|f| super::api::listed_as(f, kind))
                .map(|f| {
                    json!({
                        "path": f.path,
                        "id": f.id,
                        "title": f.title.as_deref().unwrap_or(&f.id),
                        "link": relpath::link(from, &f.path),
                    })
                })
                .collect();
            json!({
                "kind": kind.name(),
                "name": messages::tr(&format!("kind.{}", kind.name())),
                "items": items,
            })
        })
        .collect();
    json!({ "kinds": groups })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::config::Config;
    use crate::pipeline::ContentFile;

    #[test]
    fn every_page_is_listed_with_its_link_from_the_edited_file() {
        let file = |path: &str, kind, id: &str, title: &str| ContentFile {
            path: path.into(),
            kind: Some(kind),
            id: id.into(),
            title: Some(title.into()),
            site_path: Some(format!("{}/", path.trim_end_matches(".md"))),
        };
        let site = SiteView::new(
            vec![
                file(
                    "stations/huidong.md",
                    Kind::Station,
                    "huidong",
                    "惠东社工站",
                ),
                file("news/a.md", Kind::News, "a", "消息"),
                file(
                    "services/huidong/tanfang.md",
                    Kind::Service,
                    "tanfang",
                    "探访",
                ),
            ],
            Config::default(),
        );
        let answer = links(&site, "news/a.md");
        let all: Vec<(&str, &str)> = answer["kinds"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|g| g["items"].as_array().into_iter().flatten())
            .map(|i| {
                (
                    i["title"].as_str().unwrap_or(""),
                    i["link"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            all,
            [
                ("惠东社工站", "../stations/huidong.md"),
                ("探访", "../services/huidong/tanfang.md"),
            ]
        );
        assert_eq!(answer["kinds"][0]["name"], "社工站");
    }
}
