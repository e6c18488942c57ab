//! The integration tests, in one binary (as mdBook does): one link of the
//! test crate instead of one per file, so a test rebuild stays short.
//! Each module was a file of its own under tests/ before.

mod common;

mod calendar;
mod corpus;
mod demo_site;
mod directories;
mod edit;
mod editor;
mod editor_files;
mod editor_lan;
mod editor_live_check;
mod errors;
mod holidays;
mod hostile;
mod images;
mod incremental;
mod open_data;
mod output;
mod portable;
mod privacy;
mod random_edits;
mod reuse;
mod scaffold;
mod serve;
mod showcase;
mod worker_folder;
