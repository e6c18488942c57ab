//! Helpers for the integration tests: small sites in temporary folders, the
//! `zhan` binary, and the diagnostics it prints.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn zhan() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zhan"));
    cmd.env("NO_COLOR", "1");
    cmd
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A diagnostic headline as printed: `file:line:col: 错误[CODE]：message`
/// (or `warning[CODE]: message` with `--lang en`).
#[derive(Debug, Clone, PartialEq)]
pub struct Printed {
    pub file: String,
    pub line: u32,
    pub col: u32,
    /// `error` or `warning`, whatever the language printed.
    pub severity: String,
    /// The message code, such as `E-REF-UNKNOWN`.
    pub code: String,
    pub message: String,
    /// The hint printed under it, if any.
    pub hint: String,
}

pub fn diagnostics(stderr: &str) -> Vec<Printed> {
    let mut out: Vec<Printed> = Vec::new();
    for line in stderr.lines() {
        let trimmed = line.trim_start();
        if let Some(hint) = trimmed
            .strip_prefix("= 提示：")
            .or_else(|| trimmed.strip_prefix("= hint: "))
        {
            if let Some(last) = out.last_mut() {
                last.hint = hint.to_string();
            }
            continue;
        }
        let labels = [
            (": 错误[", "error"),
            (": 警告[", "warning"),
            (": error[", "error"),
            (": warning[", "warning"),
        ];
        let Some((place, severity, rest)) = labels
            .iter()
            .find_map(|(label, severity)| line.split_once(label).map(|(p, r)| (p, *severity, r)))
        else {
            continue;
        };
        let Some((code, message)) = rest.split_once(']') else {
            continue;
        };
        let message = message
            .strip_prefix("：")
            .or_else(|| message.strip_prefix(": "))
            .unwrap_or(message);
        let mut parts = place.rsplitn(3, ':');
        let (Some(col), Some(line_no), Some(file)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let (Ok(col), Ok(line_no)) = (col.parse(), line_no.parse()) else {
            continue;
        };
        out.push(Printed {
            file: file.to_string(),
            line: line_no,
            col,
            severity: severity.to_string(),
            code: code.to_string(),
            message: message.to_string(),
            hint: String::new(),
        });
    }
    out
}

/// Whether a text has Chinese characters (the default language of output).
pub fn has_chinese(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// A small valid site in a temporary folder, to break in one place per test.
pub struct TestSite {
    pub dir: tempfile::TempDir,
}

pub const SITE_YAML: &str = "title: 测试站点\nbase_url: https://example.org/\nlanguage: zh-CN\ntheme: default\nvocabularies:\n  service_category: [助老服务, 议事协商, 矛盾调解]\n  audience: [老年人, 全体居民]\n  org_kind: [志愿服务类, 生活服务类]\n  training_level: [督导, 中级社工师, 助理社工师, 居民骨干]\n  qualification: [督导, 中级社工师, 助理社工师, 无证从业者]\n";

impl TestSite {
    pub fn new() -> TestSite {
        let site = TestSite {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        site.write("site.yaml", SITE_YAML);
        site.write("content/_index.md", "---\ntitle: 首页\n---\n\n欢迎。\n");
        site.write(
            "content/stations/huidong.md",
            "---\ntitle: 惠东社区社工站\ncommunity: 惠东社区\nopening_hours:\n  - days: [mon, tue, wed, thu, fri]\n    time: \"09:00-17:30\"\nstaff:\n  - name: 王某\n    role: 站长\n    qualification: 中级社工师\n---\n\n## 站点简介\n\n惠东社工站。\n",
        );
        site.write(
            "content/organizations/tongxin.md",
            "---\ntitle: 同心为老服务社\nstation: huidong\nkind: 生活服务类\n---\n\n为老服务。\n",
        );
        site.write(
            "content/services/huidong/tanfang.md",
            "---\ntitle: 空巢老人探访\ncategory: 助老服务\naudience: [老年人]\nproviders: [tongxin]\nschedule:\n  - days: [tue, thu]\n    time: \"09:00-11:30\"\n---\n\n## 服务流程\n\n见[惠东社工站](../../stations/huidong.md#站点简介)。\n",
        );
        site.write(
            "content/training/jichu/_index.md",
            "---\ntitle: 社工基础\nlevel: 助理社工师\nattachments:\n  - title: 讲义\n    file: notes.pdf\n---\n\n课程介绍。\n",
        );
        site.write("content/training/jichu/notes.pdf", "%PDF-1.4 test\n");
        site.write(
            "content/training/jichu/l1.md",
            "---\ntitle: 第一讲\nweight: 1\n---\n\n## 要点\n\n内容。\n",
        );
        site.write(
            "content/training/jichu/l2.md",
            "---\ntitle: 第二讲\nweight: 2\n---\n\n内容。\n",
        );
        site
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        self.write_bytes(rel, text.as_bytes());
    }

    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel))
            .unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.dir.path().join(rel)).expect("remove");
    }

    /// Runs `zhan <args>` with `--root` this site.
    pub fn run(&self, args: &[&str]) -> Output {
        zhan()
            .arg("--root")
            .arg(self.path())
            .args(args)
            .output()
            .expect("run zhan")
    }

    pub fn build(&self) -> Result<String, (i32, String)> {
        let out = self.run(&["build"]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if out.status.success() {
            Ok(stderr)
        } else {
            Err((out.status.code().unwrap_or(-1), stderr))
        }
    }

    /// Builds, expecting failure; returns the diagnostics printed.
    pub fn errors(&self) -> (Vec<Printed>, String) {
        match self.build() {
            Ok(stderr) => panic!("the build should have failed:\n{stderr}"),
            Err((code, stderr)) => {
                assert_eq!(code, 1, "exit status for content errors:\n{stderr}");
                (diagnostics(&stderr), stderr)
            }
        }
    }
}

/// zhan's bookkeeping in an output folder, which records inodes and paths
/// and so differs between two folders of the same site.
pub const BOOKKEEPING: [&str; 2] = [".zhan-manifest", ".zhan-inputs"];

/// All files under `dir` with their bytes, by relative path (zhan's
/// bookkeeping left out).
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .expect("prefix")
                .to_string_lossy()
                .replace('\\', "/");
            if BOOKKEEPING.contains(&rel.as_str()) {
                continue;
            }
            files.insert(rel, std::fs::read(entry.path()).expect("read"));
        }
    }
    files
}

/// Builds the site at `root` into `out` and returns what zhan printed; a
/// build that fails fails the test, with zhan's output.
pub fn build_site(root: &Path, out: &Path) -> String {
    let result = zhan()
        .arg("--root")
        .arg(root)
        .args(["build", "--output"])
        .arg(out)
        .output()
        .expect("run zhan");
    let stderr = String::from_utf8_lossy(&result.stderr).into_owned();
    assert!(result.status.success(), "the site must build:\n{stderr}");
    stderr
}

/// The repository's demo site built into `name` in the tests' temporary
/// folder; returns the output folder and what zhan printed.
pub fn build_demo(name: &str) -> (PathBuf, String) {
    let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let stderr = build_site(&repo_root(), &out);
    (out, stderr)
}

/// The front matter of a content file, as YAML.
pub fn front_matter(path: &Path) -> serde_yaml::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let yaml = text
        .strip_prefix("---")
        .and_then(|rest| rest.split("\n---").next())
        .unwrap_or_else(|| panic!("{} has no front matter", path.display()));
    serde_yaml::from_str(yaml).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The CRC-32 of `bytes` (PNG chunks, zip entries), by flate2's, which
/// `zhan pack` writes zips with.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(bytes);
    crc.sum()
}

/// Fails unless `live` and `clean` (two [`snapshot`]s) hold the same files
/// with the same bytes: what an update must leave beside a clean build.
pub fn assert_same_files(
    live: &std::collections::BTreeMap<String, Vec<u8>>,
    clean: &std::collections::BTreeMap<String, Vec<u8>>,
) {
    assert_eq!(
        live.keys().collect::<Vec<_>>(),
        clean.keys().collect::<Vec<_>>(),
        "the same files as a clean build"
    );
    for (path, bytes) in live {
        assert!(bytes == &clean[path], "{path} differs from a clean build");
    }
}

/// The lines of `before` and `after` that differ (they must have the same
/// number of lines): what an edit changed, line by line.
pub fn changed_lines(before: &str, after: &str) -> Vec<(String, String)> {
    assert_eq!(before.lines().count(), after.lines().count(), "{after}");
    before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The headers of a request the editor takes, to make from them the ones
/// it must refuse: one header left out, or given another value.
pub struct Headers<'a>(pub Vec<(&'a str, &'a str)>);

impl<'a> Headers<'a> {
    pub fn without(&self, name: &str) -> Vec<(&'a str, &'a str)> {
        self.0.iter().filter(|(n, _)| *n != name).copied().collect()
    }

    pub fn with(&self, name: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
        let mut headers = self.without(name);
        headers.push((name, value));
        headers
    }
}
