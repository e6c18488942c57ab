//! The editor's live check beyond one file: what an unsaved draft's
//! references and links would give against the rest of the site.

use std::sync::Arc;

use super::Workspace;
use crate::diagnostics::Diagnostic;
use crate::link;
use crate::load;
use crate::markdown;
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
        let context = markdown::Context {
            pages: &self.pages,
            base_path: &self.config.base_path,
        };
        let body = markdown::render(
            &markdown::Source {
                path: &item.doc.path,
                display: &item.doc.display,
                body: item.doc.body(),
                first_line: item.doc.body_line,
            },
            &context,
        );
        link::check_draft(&linked.site, Arc::from(item), Arc::new(body))
    }
}
