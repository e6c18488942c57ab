//! The editor's live check beyond one file: what an unsaved draft's
//! references and links would give against the rest of the site.

use std::sync::Arc;

use super::Workspace;
use crate::diagnostics::Diagnostic;
use crate::link;
use crate::load;
use crate::model::{self, Read};

impl Workspace {
    /// The problems of references and links (`E-REF-UNKNOWN` with its "did
    /// you mean", a broken `.md` link…) that `zhan check` would find in
    /// `content/<rel>` if it said `text`, found by the link stage's own
    /// code ([`link::check_draft`]) against the last linked site. Empty when
    /// the site was not built yet or the draft cannot be read into an item
    /// (reading it says why).
    pub fn draft_link_problems(&self, rel: &str, text: &str) -> Vec<Diagnostic> {
        let Some(linked) = &self.linked else {
            return Vec::new();
        };
        let display = self.paths.display(&format!("content/{rel}"));
        let Ok(doc) = load::document_from_bytes(rel, display, text.as_bytes()) else {
            return Vec::new();
        };
        let mut read_problems = Vec::new();
        // Drafts are read like published items: the worker is writing one.
        let Read::Item(item) = model::read_document(doc, &self.config, true, &mut read_problems)
        else {
            return Vec::new();
        };
        let body = self.render_draft_body(&item);
        link::check_draft(&linked.site, Arc::from(item), Arc::new(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Arg;
    use crate::pipeline::Options;

    const SITE: &str = "title: 测试\nbase_url: https://example.org/\nlanguage: zh-CN\ntheme: default\n\
        vocabularies:\n  service_category: [助老服务]\n  audience: [老年人]\n  org_kind: [生活服务类]\n  \
        training_level: [督导]\n  qualification: [督导]\n";
    const ORG: &str =
        "---\ntitle: 同心为老服务社\nstation: huidng\nkind: 生活服务类\n---\n\n为老服务。\n";

    fn site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("dir");
        for (rel, text) in [
            ("site.yaml", SITE),
            ("content/_index.md", "---\ntitle: 首页\n---\n"),
            (
                "content/stations/huidong.md",
                "---\ntitle: 惠东社区社工站\n---\n\n简介。\n",
            ),
            (
                "content/organizations/tongxin.md",
                &ORG.replace("huidng", "huidong"),
            ),
        ] {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    fn close(d: &Diagnostic) -> Option<String> {
        d.args.iter().find_map(|(name, value)| match (name, value) {
            (&"close", Arg::Text(t)) => Some(t.clone()),
            _ => None,
        })
    }

    #[test]
    fn a_drafts_references_and_links_are_checked_against_the_built_site() {
        let dir = site();
        let mut options = Options::new(dir.path());
        options.write = false;
        let mut ws = Workspace::open(options);
        assert!(ws.build().succeeded());
        // A saved file, a file the build has not seen, a draft: the same error.
        for (rel, text) in [
            ("organizations/tongxin.md", ORG.to_string()),
            ("organizations/xin.md", ORG.to_string()),
            (
                "organizations/caogao.md",
                ORG.replace("kind:", "draft: true\nkind:"),
            ),
        ] {
            let found = ws.draft_link_problems(rel, &text);
            assert_eq!(found.len(), 1, "{rel}: {found:?}");
            assert_eq!(found[0].code, "E-REF-UNKNOWN", "{rel}");
            assert_eq!((found[0].pos.line, found[0].pos.col), (3, 10), "{rel}");
            assert_eq!(close(&found[0]).as_deref(), Some("huidong"), "{rel}");
        }
        let link = ORG.replace("huidng", "huidong") + "\n见[惠东](../stations/huidng.md)。\n";
        let found = ws.draft_link_problems("organizations/tongxin.md", &link);
        let codes: Vec<&str> = found.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E-LINK-MISSING"]);
        assert_eq!(found[0].pos.line, 9);
        // Right, or not readable (reading it says why): nothing here.
        let right = ORG.replace("huidng", "huidong");
        assert!(
            ws.draft_link_problems("organizations/tongxin.md", &right)
                .is_empty()
        );
        assert!(
            ws.draft_link_problems("organizations/tongxin.md", "---\ntitle: [\n---\n")
                .is_empty()
        );
    }
}
