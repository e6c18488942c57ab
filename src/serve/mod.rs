//! Beside the pipeline: previewing the built site in a browser.

pub mod http;
