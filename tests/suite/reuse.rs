//! Building into an existing output folder: files whose bytes stay the same
//! are reused (the same inode), an unchanged site writes nothing at all, and
//! the output still equals a clean build byte for byte.

use crate::common;

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use common::TestSite;

use common::BOOKKEEPING;

/// (inode, modification time in ns) of every file under `dir`, by path.
fn stamps(dir: &Path) -> BTreeMap<String, (u64, i64, i64)> {
    let mut found = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let meta = entry.metadata().expect("stat");
            let rel = entry
                .path()
                .strip_prefix(dir)
                .expect("prefix")
                .to_string_lossy()
                .into_owned();
            found.insert(rel, (meta.ino(), meta.mtime(), meta.mtime_nsec()));
        }
    }
    found
}

fn without_bookkeeping<V>(mut files: BTreeMap<String, V>) -> BTreeMap<String, V> {
    for name in BOOKKEEPING {
        files.remove(name);
    }
    files
}

#[test]
fn a_second_identical_build_changes_no_file() {
    let site = TestSite::new();
    site.build().expect("first build");
    let output = site.path().join("output");
    let before = stamps(&output);
    let bytes = common::snapshot(&output);
    assert!(before.contains_key(".zhan-manifest") && before.contains_key(".zhan-inputs"));

    let said = site.build().expect("second build");
    assert!(said.contains("没有改动"), "{said}");
    assert_eq!(stamps(&output), before, "a file of the output was touched");
    assert_eq!(common::snapshot(&output), bytes);

    // An input that changes nothing in the output (an empty folder) makes
    // the build render everything, and still keeps every output file.
    std::fs::create_dir(site.path().join("content/empty")).expect("mkdir");
    let said = site.build().expect("third build");
    assert!(said.contains("已生成 "), "{said}");
    let after = stamps(&output);
    assert_eq!(
        without_bookkeeping(after.clone()),
        without_bookkeeping(before.clone())
    );
    assert_eq!(after[".zhan-manifest"], before[".zhan-manifest"]);
    let said = site.build().expect("fourth build");
    assert!(said.contains("没有改动"), "{said}");

    // Other options are another build.
    let said = String::from_utf8_lossy(&site.run(&["build", "--drafts"]).stderr).into_owned();
    assert!(said.contains("已生成 "), "{said}");
}

#[test]
fn an_edit_reuses_every_file_that_stayed_the_same() {
    let site = TestSite::new();
    site.build().expect("first build");
    let output = site.path().join("output");
    let before = stamps(&output);
    let bytes_before = common::snapshot(&output);

    site.write(
        "content/training/jichu/l2.md",
        "---\ntitle: 第二讲（修订）\nweight: 2\n---\n\n新的内容。\n",
    );
    site.build().expect("build after the edit");
    let after = stamps(&output);
    let bytes_after = common::snapshot(&output);
    let mut reused = 0;
    let mut rewritten = 0;
    for (path, bytes) in &bytes_after {
        if BOOKKEEPING.contains(&path.as_str()) {
            continue;
        }
        if bytes_before.get(path) == Some(bytes) {
            assert_eq!(after[path].0, before[path].0, "{path} was not reused");
            reused += 1;
        } else {
            assert_ne!(after[path].0, before.get(path).map_or(0, |s| s.0));
            rewritten += 1;
        }
    }
    assert!(
        rewritten > 0 && reused > rewritten,
        "{reused} reused, {rewritten} rewritten"
    );

    // The same bytes as a build into an empty folder.
    let clean = site.path().join("clean");
    common::build_site(site.path(), &clean);
    assert_eq!(
        without_bookkeeping(bytes_after),
        without_bookkeeping(common::snapshot(&clean))
    );
}

#[test]
fn a_failed_build_leaves_every_file_as_it_was() {
    let site = TestSite::new();
    site.build().expect("first build");
    let output = site.path().join("output");
    let before = stamps(&output);
    let bytes = common::snapshot(&output);
    site.write(
        "content/services/huidong/tanfang.md",
        "---\ntitle: 探访\ncategory: 不存在的类别\n---\n",
    );
    site.errors();
    assert_eq!(stamps(&output), before);
    assert_eq!(common::snapshot(&output), bytes);
}

#[test]
fn an_output_edited_by_hand_is_built_again() {
    let site = TestSite::new();
    site.build().expect("first build");
    let output = site.path().join("output");
    let page = output.join("stations/huidong/index.html");
    let good = std::fs::read(&page).expect("read");
    let bytes = common::snapshot(&output);

    // Same size, other bytes: the stamp or the bytes give it away.
    let mut edited = good.clone();
    edited[0] = if edited[0] == b'x' { b'y' } else { b'x' };
    std::fs::write(&page, &edited).expect("edit");
    let said = site.build().expect("build");
    assert!(said.contains("已生成 "), "{said}");
    assert_eq!(std::fs::read(&page).expect("read"), good);

    // A file removed, and one added, by hand.
    std::fs::remove_file(&page).expect("remove");
    std::fs::write(output.join("stations/notes.txt"), "mine").expect("add");
    let said = site.build().expect("build");
    assert!(said.contains("已生成 "), "{said}");
    assert_eq!(
        without_bookkeeping(common::snapshot(&output)),
        without_bookkeeping(bytes)
    );
}
