//! `zhan pack`: the site built to be opened from disk, in one zip.

use std::path::{Path, PathBuf};

use crate::diagnostics::Problem;
use crate::write::zip::{self, ZipError};

use super::{Options, Report, run};

/// The page at the root of a site built for disk that says how to open it.
pub use crate::write::DISK_README;

/// What `zhan pack` made.
#[derive(Debug)]
pub struct Packed {
    pub zip: PathBuf,
    /// Files in the zip.
    pub files: usize,
}

/// The folder `zhan pack` builds into: kept between packs, so the next one
/// writes only what changed; hidden, so the watcher and `content/` never see it.
pub fn pack_folder(root: &Path) -> PathBuf {
    root.join(".zhan").join("pack")
}

/// Builds the site of `options` for disk into `options.output` (else
/// [`pack_folder`]) and zips that folder into `dest`. The build's report
/// comes back in any case; the zip only when the build succeeded.
pub fn pack(
    options: &Options,
    dest: &Path,
    unix_seconds: u64,
) -> (Report, Option<Result<Packed, Problem>>) {
    let mut options = options.clone();
    options.for_disk = true;
    options.write = true;
    let folder = options
        .output
        .get_or_insert_with(|| pack_folder(&options.root))
        .clone();
    let report = run(&options);
    if report.diagnostics.has_errors() {
        return (report, None);
    }
    // The output's own bookkeeping (.zhan-manifest, .zhan-inputs) stays out.
    let skip = |name: &str| name.starts_with(".zhan");
    let zipped = zip::zip_folder(&folder, dest, unix_seconds, &skip)
        .map(|files| Packed {
            zip: dest.to_path_buf(),
            files,
        })
        .map_err(|e| match e {
            ZipError::TooLarge => Problem::new("E-PACK-TOO-LARGE")
                .arg("file", dest.display().to_string())
                .with_hint("H-PACK-TOO-LARGE"),
            ZipError::Io(e) => Problem::new("E-PACK-WRITE")
                .arg("file", dest.display().to_string())
                .arg("detail", e.to_string())
                .with_hint("H-PACK-WRITE"),
        });
    (report, Some(zipped))
}
