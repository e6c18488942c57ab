//! zhan (站): a static-site generator for community social-work stations.
//!
//! The build is a pipeline, one module per stage:
//! [`load`] (walk + front matter) → [`model`] (typed items) → [`markdown`]
//! (bodies to HTML, headings and links) → [`link`] (references, links,
//! vocabularies resolved and checked) → [`render`] (templates) → [`write`]
//! (the output folder, replaced only when the build succeeded).
//! [`pipeline`] drives it; [`scaffold`] makes new sites and files.

pub mod diagnostics;
pub mod edit;
pub(crate) mod escape;
pub mod images;
pub(crate) mod link;
pub mod load;
pub(crate) mod markdown;
pub mod messages;
pub mod model;
pub mod pipeline;
pub(crate) mod render;
pub mod scaffold;
pub mod serve;
pub(crate) mod write;
