//! Property test: after any sequence of edits, an incremental update gives the
//! same output folder, byte for byte, as a clean build of the same files.
//!
//! A seeded generator (splitmix64, no dependency) makes random edits of every
//! kind a site sees under `zhan watch`: front-matter fields of every content
//! type, bodies and their links, new, deleted and renamed files, assets,
//! templates (the base layout, a page template, a tera component and a
//! partial), interface strings, `site.yaml` and static files. After each step
//! `Workspace::update` gets the paths a file watcher would report, and a
//! clean `pipeline::run` into a fresh folder must agree with it: both succeed
//! with identical folders, or both report the same errors while the live
//! output stays as it was. Edits are mostly valid; a step that breaks the site
//! is usually followed by its undo, or by creating the page a new link needs.
//!
//! The corpora are the demo site (`scaffold::init`) and, when python3 and
//! `../shared/bench/gencorpus.py` are there, a generated site of two
//! stations. Each gets its own copy of the default theme plus a component
//! template (`themes/default/templates/components.html`) used by a page
//! template (`service.html`) and a partial (`partials/page_header.html`).
//!
//! `cargo test` runs a fixed list of seeds (1 and 2 on the demo site, 3 and
//! 4 on the generated one). The long run:
//!
//! ```sh
//! ZHAN_RANDOM_SEEDS=100 ZHAN_RANDOM_STEPS=200 cargo test --release --test suite -- --ignored random_edits
//! ```
//!
//! `ZHAN_RANDOM_SEED=N` (with the long run) starts the seeds at N and
//! `ZHAN_RANDOM_CORPUS=demo` (or `generated`) picks one corpus, so one failing
//! seed can be replayed alone (`ZHAN_RANDOM_SEEDS=1`); `ZHAN_RANDOM_VERBOSE=1`
//! prints every step. A failure prints the seed, the step, every edit so far and the
//! first differing files.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_yaml::{Mapping, Value};
use zhan::model::Kind;
use zhan::pipeline::{self, Options, Report, Workspace};

// ---------------------------------------------------------------------------
// The pseudo-random generator.

/// splitmix64: tiny, fast and good enough to pick edits.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn range(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low + 1) as usize) as i64
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            Some(&items[self.below(items.len())])
        }
    }

    /// Up to `max` distinct items, in their original order.
    fn subset<T: Clone>(&mut self, items: &[T], min: usize, max: usize) -> Vec<T> {
        let max = max.min(items.len());
        let min = min.min(max);
        let want = min + self.below(max - min + 1);
        let mut chosen: BTreeSet<usize> = BTreeSet::new();
        while chosen.len() < want {
            chosen.insert(self.below(items.len()));
        }
        chosen.into_iter().map(|i| items[i].clone()).collect()
    }

    /// Index chosen by weight.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut n = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if n < *w {
                return i;
            }
            n -= w;
        }
        weights.len() - 1
    }
}

// ---------------------------------------------------------------------------
// What the site holds, read from disk before each edit.

/// The kind of a content file, as the engine itself decides it.
fn kind_of(rel: &str) -> Kind {
    zhan::model::classify(rel).map_or(Kind::Page, |p| p.kind)
}

fn stem(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.strip_suffix(".md").unwrap_or(name).to_string()
}

fn parent_of(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(p, _)| p)
}

#[derive(Default)]
struct Inventory {
    /// Content files (`stations/huidong.md`), relative to content/.
    docs: Vec<String>,
    /// Other files of content/.
    assets: Vec<String>,
    stations: Vec<String>,
    organizations: Vec<String>,
    courses: Vec<String>,
    categories: Vec<String>,
    audiences: Vec<String>,
    org_kinds: Vec<String>,
    levels: Vec<String>,
    qualifications: Vec<String>,
}

impl Inventory {
    fn read(site: &Path) -> Inventory {
        let mut inv = Inventory::default();
        let content = site.join("content");
        for entry in walkdir::WalkDir::new(&content).sort_by_file_name() {
            let entry = entry.expect("walk content/");
            if !entry.file_type().is_file() {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(&content)
                .expect("inside content/")
                .to_string_lossy()
                .replace('\\', "/");
            if rel.ends_with(".md") {
                match kind_of(&rel) {
                    Kind::Station => inv.stations.push(stem(&rel)),
                    Kind::Organization => inv.organizations.push(stem(&rel)),
                    Kind::Course => inv
                        .courses
                        .push(parent_of(&rel)["training/".len()..].to_string()),
                    _ => {}
                }
                inv.docs.push(rel);
            } else {
                inv.assets.push(rel);
            }
        }
        let settings: Value = std::fs::read_to_string(site.join("site.yaml"))
            .ok()
            .and_then(|t| serde_yaml::from_str(&t).ok())
            .unwrap_or(Value::Null);
        let vocab = |name: &str| -> Vec<String> {
            settings["vocabularies"][name]
                .as_sequence()
                .map(|s| {
                    s.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        inv.categories = vocab("service_category");
        inv.audiences = vocab("audience");
        inv.org_kinds = vocab("org_kind");
        inv.levels = vocab("training_level");
        inv.qualifications = vocab("qualification");
        inv
    }

    fn of_kind(&self, kind: Kind) -> Vec<String> {
        self.docs
            .iter()
            .filter(|d| kind_of(d) == kind)
            .cloned()
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Content files: front matter as YAML, body as text.

struct Doc {
    front: Mapping,
    body: String,
}

impl Doc {
    fn parse(text: &str) -> Option<Doc> {
        let text = text
            .strip_prefix('\u{feff}')
            .unwrap_or(text)
            .replace("\r\n", "\n");
        let Some(rest) = text.strip_prefix("---\n") else {
            return Some(Doc {
                front: Mapping::new(),
                body: text,
            });
        };
        let (yaml, body) = match rest.find("\n---\n") {
            Some(end) => (&rest[..end], rest[end + 5..].to_string()),
            None => (rest.strip_suffix("\n---")?, String::new()),
        };
        let front = match serde_yaml::from_str::<Value>(yaml).ok()? {
            Value::Mapping(m) => m,
            Value::Null => Mapping::new(),
            _ => return None,
        };
        Some(Doc { front, body })
    }

    fn render(&self) -> String {
        let yaml = if self.front.is_empty() {
            String::new()
        } else {
            serde_yaml::to_string(&self.front).expect("front matter serializes")
        };
        format!("---\n{yaml}---\n{}", self.body)
    }

    fn set(&mut self, key: &str, value: Value) {
        self.front.insert(s(key), value);
    }

    fn remove(&mut self, key: &str) {
        self.front.remove(s(key));
    }

    fn get_str(&self, key: &str) -> Option<String> {
        self.front
            .get(s(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    }
}

fn s(text: &str) -> Value {
    Value::String(text.to_string())
}

fn seq(items: &[String]) -> Value {
    Value::Sequence(items.iter().map(|i| s(i)).collect())
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in pairs {
        m.insert(s(k), v);
    }
    Value::Mapping(m)
}

fn num(n: i64) -> Value {
    Value::Number(n.into())
}

// ---------------------------------------------------------------------------
// Random values.

const WORDS: &[&str] = &[
    "社工站",
    "居民骨干",
    "楼门长",
    "志愿者",
    "睦邻点",
    "议事会",
    "助老餐",
    "四点半课堂",
    "心理减压",
    "垃圾分类",
    "物业协商",
    "文明养犬",
    "微空间",
    "健康讲座",
    "法律咨询",
];
const VERBS: &[&str] = &["组织开展", "持续跟进", "定期回访", "共同策划", "陪伴支持"];
const DAYS: &[&str] = &["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn phrase(rng: &mut Rng) -> String {
    format!(
        "{}{}{}",
        rng.pick(WORDS).expect("words"),
        rng.pick(VERBS).expect("verbs"),
        rng.pick(WORDS).expect("words")
    )
}

fn sentence(rng: &mut Rng) -> String {
    format!("{}，{}。", phrase(rng), phrase(rng))
}

fn date(rng: &mut Rng) -> Value {
    s(&format!(
        "{}-{:02}-{:02}",
        rng.range(2019, 2027),
        rng.range(1, 12),
        rng.range(1, 28)
    ))
}

fn schedule(rng: &mut Rng) -> Value {
    let mut sessions = Vec::new();
    for _ in 0..rng.range(1, 2) {
        let days: Vec<String> = rng
            .subset(DAYS, 1, 3)
            .into_iter()
            .map(str::to_string)
            .collect();
        let hour = rng.range(8, 15);
        let mut pairs = vec![
            ("days", seq(&days)),
            ("time", s(&format!("{hour:02}:00-{:02}:30", hour + 2))),
        ];
        if rng.chance(0.3) {
            pairs.push(("note", s("节假日除外")));
        }
        sessions.push(map(pairs));
    }
    if rng.chance(0.4) {
        sessions.push(map(vec![("date", date(rng)), ("time", s("14:00-16:00"))]));
    }
    Value::Sequence(sessions)
}

/// An id, usually from `ids`, sometimes one that does not exist.
fn reference(rng: &mut Rng, ids: &[String]) -> String {
    match rng.pick(ids) {
        Some(id) if !rng.chance(0.04) => id.clone(),
        _ => "rt-missing".to_string(),
    }
}

fn references(rng: &mut Rng, ids: &[String], max: usize) -> Vec<String> {
    let mut chosen = rng.subset(ids, 0, max);
    if rng.chance(0.04) {
        chosen.push("rt-missing".to_string());
    }
    chosen
}

/// A vocabulary term, rarely one the vocabulary lacks.
fn term(rng: &mut Rng, vocabulary: &[String]) -> String {
    match rng.pick(vocabulary) {
        Some(t) if !rng.chance(0.04) => t.clone(),
        _ => "不存在的词".to_string(),
    }
}

/// The relative path of a link from content file `from` to content file `to`.
fn relative(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = parent_of(from)
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dirs
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = "../".repeat(from_dirs.len() - common);
    out.push_str(&to_parts[common..].join("/"));
    out
}

// ---------------------------------------------------------------------------
// An edit: the files it changed, and how to undo it.

struct Change {
    what: String,
    /// The paths a watcher would report.
    paths: Vec<PathBuf>,
    /// Each file touched, with its bytes before (None: it did not exist).
    before: Vec<(PathBuf, Option<Vec<u8>>)>,
}

impl Change {
    fn new(what: impl Into<String>) -> Change {
        Change {
            what: what.into(),
            paths: Vec::new(),
            before: Vec::new(),
        }
    }

    fn save(&mut self, path: &Path) {
        if !self.before.iter().any(|(p, _)| p == path) {
            self.before
                .push((path.to_path_buf(), std::fs::read(path).ok()));
        }
    }

    fn touch(&mut self, path: &Path) {
        if !self.paths.iter().any(|p| p == path) {
            self.paths.push(path.to_path_buf());
        }
    }

    fn write(&mut self, path: &Path, bytes: &[u8]) {
        self.save(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write");
        self.touch(path);
    }

    fn remove(&mut self, path: &Path) {
        self.save(path);
        std::fs::remove_file(path).expect("remove");
        self.touch(path);
    }

    /// Puts every file back as it was; returns the change that does it.
    fn undo(&self) -> Change {
        let mut undo = Change::new(format!("undo [{}]", self.what));
        for (path, bytes) in self.before.iter().rev() {
            match bytes {
                Some(b) => undo.write(path, b),
                None if path.exists() => undo.remove(path),
                None => undo.touch(path),
            }
        }
        for p in &self.paths {
            undo.touch(p);
        }
        undo
    }

    fn absorb(&mut self, other: Change) {
        self.what = format!("{} + {}", self.what, other.what);
        for (path, bytes) in other.before {
            if !self.before.iter().any(|(p, _)| *p == path) {
                self.before.push((path, bytes));
            }
        }
        for p in other.paths {
            self.touch(&p);
        }
    }
}

// ---------------------------------------------------------------------------
// The theme additions that let edits reach a component, a partial, the base
// layout and a page template.

const COMPONENTS: &str = "{% component rt_badge(label) %}<span class=\"rt-badge\" data-rt=\"rt-component 0\">{{ label }}</span>{% endcomponent rt_badge %}\n";

/// Template edits replace `rt-<name> <n>` markers, placed here.
fn prepare_theme(site: &Path) {
    let theme = site.join("themes/default/templates");
    let insert = |name: &str, anchor: &str, text: &str, before: bool| {
        let path = theme.join(name);
        let source = std::fs::read_to_string(&path).expect("theme template");
        assert!(source.contains(anchor), "{name} has no `{anchor}`");
        let replaced = if before {
            format!("{text}{anchor}")
        } else {
            format!("{anchor}{text}")
        };
        std::fs::write(&path, source.replacen(anchor, &replaced, 1)).expect("write template");
    };
    std::fs::write(theme.join("components.html"), COMPONENTS).expect("write components");
    insert("base.html", "</footer>", "<!-- rt-base 0 -->", true);
    insert(
        "service.html",
        "<article class=\"service\">",
        "<!-- rt-service 0 -->{{ <rt_badge label={page.title} /> }}",
        false,
    );
    insert(
        "partials/page_header.html",
        "</h1>",
        "<!-- rt-header 0 -->{{ <rt_badge label={page.title} /> }}",
        false,
    );
}

// ---------------------------------------------------------------------------
// The corpora.

#[derive(Debug, Clone, Copy)]
enum Corpus {
    Demo,
    Generated,
}

fn gencorpus() -> Option<PathBuf> {
    let script = common::repo_root().join("../shared/bench/gencorpus.py");
    let ok = script.is_file()
        && std::process::Command::new("python3")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
    ok.then_some(script)
}

fn make_site(corpus: Corpus, site: &Path, scratch: &Path) {
    match corpus {
        Corpus::Demo => {
            zhan::scaffold::init(site).expect("scaffold::init");
        }
        Corpus::Generated => {
            let script = gencorpus().expect("gencorpus available");
            let out = std::process::Command::new("python3")
                .arg(&script)
                .arg(site)
                .args(["--stations", "2", "--seed", "7"])
                .output()
                .expect("run gencorpus");
            assert!(
                out.status.success(),
                "gencorpus failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            // The theme, from a scaffolded site.
            let demo = scratch.join("theme-source");
            zhan::scaffold::init(&demo).expect("scaffold::init");
            let from = demo.join("themes");
            for entry in walkdir::WalkDir::new(&from) {
                let entry = entry.expect("walk theme");
                let rel = entry.path().strip_prefix(&from).expect("inside");
                let to = site.join("themes").join(rel);
                if entry.file_type().is_dir() {
                    std::fs::create_dir_all(&to).expect("mkdir");
                } else {
                    std::fs::copy(entry.path(), &to).expect("copy theme");
                }
            }
        }
    }
    prepare_theme(site);
}

// ---------------------------------------------------------------------------
// A run: one seed, one corpus, a number of steps.

struct Run {
    seed: u64,
    corpus: Corpus,
    rng: Rng,
    dir: tempfile::TempDir,
    ws: Workspace,
    /// The live output after the last good step.
    good: BTreeMap<String, Vec<u8>>,
    log: Vec<String>,
    /// The edits since the site was last valid.
    broken: Vec<Change>,
    /// A page that a new link points to, to create next.
    pending: Option<String>,
    counter: u32,
    failures: Vec<String>,
    verbose: bool,
}

/// Even seeds build for disk (`--for-disk`: links to `index.html`, the
/// search index as scripts, `说明.html`), odd seeds for a server.
fn options(root: &Path, output: &Path, seed: u64) -> Options {
    Options {
        output: Some(output.to_path_buf()),
        for_disk: seed % 2 == 0,
        ..Options::new(root)
    }
}

/// The errors of a report, without the list of pages that hit them (an
/// update renders fewer pages than a build).
fn errors(report: &Report) -> BTreeSet<String> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            // The code and arguments, without the pages that hit the error.
            let args: Vec<String> = d
                .args
                .iter()
                .filter(|(name, _)| !matches!(*name, "page" | "others"))
                .map(|(name, value)| format!("{name}={value:?}"))
                .collect();
            let code = d.code.trim_end_matches("-PAGES").trim_end_matches("-PAGE");
            format!(
                "{}:{}:{}: {code} {}",
                d.file,
                d.pos.line,
                d.pos.col,
                args.join(" ")
            )
        })
        .collect()
}

/// A few lines around the first difference of two files.
fn short_diff(a: &[u8], b: &[u8]) -> String {
    let (Ok(a), Ok(b)) = (std::str::from_utf8(a), std::str::from_utf8(b)) else {
        return format!("    binary: {} bytes vs {} bytes\n", a.len(), b.len());
    };
    let la: Vec<&str> = a.lines().collect();
    let lb: Vec<&str> = b.lines().collect();
    let first = la
        .iter()
        .zip(&lb)
        .position(|(x, y)| x != y)
        .unwrap_or(la.len().min(lb.len()));
    // Long lines (JSON, minified markup) are cut around their first difference.
    let (xa, xb) = (
        la.get(first).copied().unwrap_or(""),
        lb.get(first).copied().unwrap_or(""),
    );
    let at = xa
        .chars()
        .zip(xb.chars())
        .position(|(x, y)| x != y)
        .unwrap_or(xa.chars().count().min(xb.chars().count()));
    let start = at.saturating_sub(60);
    let clip = |l: &str| -> String {
        let chars: Vec<char> = l.chars().collect();
        if chars.len() <= 200 {
            return l.to_string();
        }
        let from = start.min(chars.len());
        let to = (from + 160).min(chars.len());
        format!("…{}…", chars[from..to].iter().collect::<String>())
    };
    let mut out = String::new();
    for n in first.saturating_sub(1)..(first + 3) {
        let (x, y) = (la.get(n), lb.get(n));
        if x == y {
            if let Some(x) = x {
                let _ = writeln!(out, "      {:>4}   {}", n + 1, clip(x));
            }
            continue;
        }
        if let Some(x) = x {
            let _ = writeln!(out, "      {:>4} - {}", n + 1, clip(x));
        }
        if let Some(y) = y {
            let _ = writeln!(out, "      {:>4} + {}", n + 1, clip(y));
        }
    }
    out
}

/// What differs between the live output and a clean build, or None.
fn compare(live: &BTreeMap<String, Vec<u8>>, clean: &BTreeMap<String, Vec<u8>>) -> Option<String> {
    let only_live: Vec<&String> = live.keys().filter(|k| !clean.contains_key(*k)).collect();
    let only_clean: Vec<&String> = clean.keys().filter(|k| !live.contains_key(*k)).collect();
    let differing: Vec<&String> = live
        .iter()
        .filter(|(k, v)| clean.get(*k).is_some_and(|c| c != *v))
        .map(|(k, _)| k)
        .collect();
    if only_live.is_empty() && only_clean.is_empty() && differing.is_empty() {
        return None;
    }
    let mut out = String::new();
    if !only_live.is_empty() {
        let _ = writeln!(out, "  only in the live output: {only_live:?}");
    }
    if !only_clean.is_empty() {
        let _ = writeln!(out, "  only in the clean build: {only_clean:?}");
    }
    if !differing.is_empty() {
        let _ = writeln!(
            out,
            "  {} files differ (- live, + clean): {:?}",
            differing.len(),
            differing.iter().take(12).collect::<Vec<_>>()
        );
        for path in differing.iter().take(3) {
            let _ = writeln!(out, "    {path}:");
            out.push_str(&short_diff(&live[*path], &clean[*path]));
        }
    }
    Some(out)
}

impl Run {
    fn new(seed: u64, corpus: Corpus) -> Run {
        let dir = tempfile::tempdir().expect("temp dir");
        let site = dir.path().join("site");
        make_site(corpus, &site, dir.path());
        let live = dir.path().join("live");
        let mut ws = Workspace::open(options(&site, &live, seed));
        let report = ws.build();
        assert!(
            report.succeeded(),
            "the {corpus:?} corpus must build: {:?}",
            report.diagnostics
        );
        let good = common::snapshot(&live);
        Run {
            seed,
            corpus,
            rng: Rng::new(seed),
            dir,
            ws,
            good,
            log: Vec::new(),
            broken: Vec::new(),
            pending: None,
            counter: 0,
            failures: Vec::new(),
            verbose: std::env::var_os("ZHAN_RANDOM_VERBOSE").is_some(),
        }
    }

    fn site(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    fn content(&self, rel: &str) -> PathBuf {
        self.site().join("content").join(rel)
    }

    fn live(&self) -> PathBuf {
        self.dir.path().join("live")
    }

    fn fresh_id(&mut self) -> String {
        self.counter += 1;
        format!("rt-{}", self.counter)
    }

    fn steps(&mut self, steps: usize) {
        for step in 1..=steps {
            let change = self.next_change();
            self.check(step, change);
        }
    }

    /// The next edit: a repair while the site is broken, else a random one.
    fn next_change(&mut self) -> Change {
        if !self.broken.is_empty() {
            if let Some(rel) = self.pending.take() {
                return self.create_linked_page(&rel);
            }
            if self.broken.len() >= 3 || self.rng.chance(0.75) {
                let mut undo = Change::new("");
                let mut whats = Vec::new();
                for change in self.broken.drain(..).rev() {
                    let u = change.undo();
                    whats.push(change.what.clone());
                    for (path, bytes) in u.before {
                        if !undo.before.iter().any(|(p, _)| *p == path) {
                            undo.before.push((path, bytes));
                        }
                    }
                    for p in u.paths {
                        undo.touch(&p);
                    }
                }
                undo.what = format!("undo [{}]", whats.join("; "));
                return undo;
            }
        }
        let mut change = self.random_change();
        if self.rng.chance(0.08) {
            // A "save all": two edits reported together.
            let other = self.random_change();
            change.absorb(other);
        }
        change
    }

    fn check(&mut self, step: usize, change: Change) {
        let started = Instant::now();
        let site = self.site();
        let live = self.live();
        let report = self.ws.update(&change.paths);
        let updated = started.elapsed();
        let clean_dir = self.dir.path().join("clean");
        if clean_dir.exists() {
            std::fs::remove_dir_all(&clean_dir).expect("remove the clean build");
        }
        let clean_started = Instant::now();
        let clean = pipeline::run(&options(&site, &clean_dir, self.seed));
        let cleaned = clean_started.elapsed();
        let rel_paths: Vec<String> = change
            .paths
            .iter()
            .map(|p| {
                p.strip_prefix(&site)
                    .unwrap_or(p)
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        self.log.push(format!(
            "step {step}: {} -> update({rel_paths:?})",
            change.what
        ));
        let outcome = match (report.succeeded(), clean.succeeded()) {
            (true, true) => {
                let now = common::snapshot(&live);
                let differs = compare(&now, &common::snapshot(&clean_dir));
                self.good = now;
                differs.map(|d| {
                    format!(
                        "the live output differs from a clean build (update rendered {} pages: {:?}):\n{d}",
                        report.pages,
                        report.changed.iter().take(20).collect::<Vec<_>>()
                    )
                })
            }
            (false, false) => {
                let (mine, theirs) = (errors(&report), errors(&clean));
                let mut problems = String::new();
                if mine != theirs {
                    let _ = writeln!(
                        problems,
                        "  the update and the clean build report other errors:\n    update only: {:?}\n    clean only: {:?}",
                        mine.difference(&theirs).collect::<Vec<_>>(),
                        theirs.difference(&mine).collect::<Vec<_>>()
                    );
                }
                if report.written_to.is_some() {
                    let _ = writeln!(problems, "  a failed update says it wrote the output");
                }
                if let Some(d) = compare(&common::snapshot(&live), &self.good) {
                    let _ = writeln!(
                        problems,
                        "  a failed update changed the live output (- now, + before):\n{d}"
                    );
                }
                (!problems.is_empty())
                    .then(|| format!("both failed, but:\n{problems}  errors: {mine:?}"))
            }
            (true, false) => Some(format!(
                "the update succeeded but a clean build fails: {:?}",
                errors(&clean)
            )),
            (false, true) => Some(format!(
                "the update failed but a clean build succeeds: {:?}",
                errors(&report)
            )),
        };
        let valid = clean.succeeded();
        if self.verbose {
            eprintln!(
                "seed {} step {step} ({:?}): {} [{}; update {} ms, {} pages; clean build {} ms]{}",
                self.seed,
                self.corpus,
                change.what,
                if valid { "valid" } else { "invalid" },
                updated.as_millis(),
                report.pages,
                cleaned.as_millis(),
                if outcome.is_some() { " FAILED" } else { "" }
            );
        }
        if valid {
            self.broken.clear();
            self.pending = None;
        } else {
            self.broken.push(change);
        }
        if let Some(problem) = outcome {
            if self.verbose {
                eprintln!("{problem}");
            }
            self.failures.push(format!(
                "seed {} ({:?} corpus), step {step}: {problem}\nedits so far:\n  {}\n",
                self.seed,
                self.corpus,
                self.log.join("\n  ")
            ));
            self.resync();
        }
    }

    /// After a failure: start again from a clean build of the files as they
    /// are, so the next steps test something.
    fn resync(&mut self) {
        let live = self.live();
        self.ws = Workspace::open(options(&self.site(), &live, self.seed));
        let _ = self.ws.build();
        self.good = common::snapshot(&live);
    }

    // -- The edits. --------------------------------------------------------

    fn random_change(&mut self) -> Change {
        let inv = Inventory::read(&self.site());
        loop {
            let kind = self.rng.weighted(&[30, 14, 10, 4, 4, 7, 9, 4, 4, 4]);
            let change = match kind {
                0 => self.edit_front_matter(&inv),
                1 => self.edit_body(&inv),
                2 => self.new_file(&inv),
                3 => self.delete_file(&inv),
                4 => self.rename_file(&inv),
                5 => self.edit_asset(&inv),
                6 => self.edit_template(),
                7 => self.edit_strings(),
                8 => self.edit_settings(),
                _ => self.edit_static(),
            };
            if let Some(change) = change {
                return change;
            }
        }
    }

    fn read_doc(&self, rel: &str) -> Option<Doc> {
        Doc::parse(&std::fs::read_to_string(self.content(rel)).ok()?)
    }

    fn write_doc(&self, change: &mut Change, rel: &str, doc: &Doc) {
        change.write(&self.content(rel), doc.render().as_bytes());
    }

    fn edit_front_matter(&mut self, inv: &Inventory) -> Option<Change> {
        let rel = self.rng.pick(&inv.docs)?.clone();
        let mut doc = self.read_doc(&rel)?;
        let kind = kind_of(&rel);
        let field = self.random_field(inv, kind, &rel, &mut doc);
        let mut change = Change::new(format!("front matter of {rel}: {field}"));
        self.write_doc(&mut change, &rel, &doc);
        Some(change)
    }

    /// Changes one field of `doc`; returns what it did.
    fn random_field(&mut self, inv: &Inventory, kind: Kind, rel: &str, doc: &mut Doc) -> String {
        let rng = &mut self.rng;
        let specific = rng.chance(0.6);
        if specific {
            let done: Option<String> = match kind {
                Kind::Station => Some(match rng.below(7) {
                    0 => {
                        doc.set("community", s(&format!("{}社区", phrase(rng))));
                        "community".into()
                    }
                    1 => {
                        doc.set("opening_hours", schedule(rng));
                        "opening_hours".into()
                    }
                    2 => {
                        let staff = (0..rng.range(1, 3))
                            .map(|n| {
                                map(vec![
                                    ("name", s(&format!("员工{n}"))),
                                    ("role", s("驻站社工")),
                                    ("qualification", s(&term(rng, &inv.qualifications))),
                                ])
                            })
                            .collect();
                        doc.set("staff", Value::Sequence(staff));
                        "staff".into()
                    }
                    3 => {
                        let kinds = ["casework", "group", "learning", "office", "other"];
                        doc.set(
                            "spaces",
                            Value::Sequence(vec![map(vec![
                                ("name", s("活动室")),
                                ("kind", s(rng.pick(&kinds).expect("kinds"))),
                                ("capacity", num(rng.range(2, 40))),
                            ])]),
                        );
                        "spaces".into()
                    }
                    4 => {
                        doc.set(
                            "phone",
                            s(&format!("010-{}", rng.range(60_000_000, 69_999_999))),
                        );
                        "phone".into()
                    }
                    5 => {
                        doc.set("pilot", Value::Bool(rng.chance(0.5)));
                        "pilot".into()
                    }
                    _ => {
                        doc.set("established", date(rng));
                        "established".into()
                    }
                }),
                Kind::Service => Some(match rng.below(9) {
                    0 => {
                        doc.set("category", s(&term(rng, &inv.categories)));
                        format!("category {:?}", doc.get_str("category"))
                    }
                    1 => {
                        let mut chosen = rng.subset(&inv.audiences, 0, 2);
                        if rng.chance(0.04) {
                            chosen.push("不存在的词".into());
                        }
                        doc.set("audience", seq(&chosen));
                        format!("audience {chosen:?}")
                    }
                    2 => {
                        let chosen = references(rng, &inv.organizations, 2);
                        doc.set("providers", seq(&chosen));
                        format!("providers {chosen:?}")
                    }
                    3 => {
                        doc.set("schedule", schedule(rng));
                        "schedule".into()
                    }
                    4 => {
                        let status = *rng.pick(&["active", "paused", "ended"]).expect("status");
                        doc.set("status", s(status));
                        format!("status {status}")
                    }
                    5 => {
                        doc.set(
                            "fee",
                            s(if rng.chance(0.5) {
                                "免费"
                            } else {
                                "每次5元"
                            }),
                        );
                        doc.set("online", Value::Bool(rng.chance(0.5)));
                        "fee, online".into()
                    }
                    6 => {
                        let station = reference(rng, &inv.stations);
                        doc.set("station", s(&station));
                        format!("station {station}")
                    }
                    7 => {
                        doc.set("how_to_apply", seq(&[phrase(rng), phrase(rng)]));
                        doc.set("materials", seq(&["身份证".to_string()]));
                        "how_to_apply, materials".into()
                    }
                    _ => {
                        doc.set("location", s(&phrase(rng)));
                        "location".into()
                    }
                }),
                Kind::Organization => Some(match rng.below(6) {
                    0 => {
                        doc.set("kind", s(&term(rng, &inv.org_kinds)));
                        "kind".into()
                    }
                    1 => {
                        let me = stem(rel);
                        let others: Vec<String> = inv
                            .organizations
                            .iter()
                            .filter(|o| **o != me)
                            .cloned()
                            .collect();
                        if rng.chance(0.3) {
                            doc.remove("mentor");
                            "mentor removed".into()
                        } else {
                            let mentor = reference(rng, &others);
                            doc.set("mentor", s(&mentor));
                            format!("mentor {mentor}")
                        }
                    }
                    2 => {
                        let stage = *rng
                            .pick(&["incubating", "filed", "registered"])
                            .expect("stage");
                        doc.set("stage", s(stage));
                        format!("stage {stage}")
                    }
                    3 => {
                        doc.set("members", num(rng.range(3, 90)));
                        "members".into()
                    }
                    4 => {
                        let focus = rng.subset(&inv.categories, 0, 2);
                        doc.set("focus", seq(&focus));
                        "focus".into()
                    }
                    _ => {
                        let station = reference(rng, &inv.stations);
                        doc.set("station", s(&station));
                        format!("station {station}")
                    }
                }),
                Kind::Course => Some(match rng.below(5) {
                    0 => {
                        doc.set("level", s(&term(rng, &inv.levels)));
                        "level".into()
                    }
                    1 => {
                        let format = *rng.pick(&["online", "offline", "blended"]).expect("format");
                        doc.set("format", s(format));
                        doc.set("hours", num(rng.range(2, 30)));
                        "format, hours".into()
                    }
                    2 => {
                        let me = parent_of(rel)["training/".len()..].to_string();
                        let others: Vec<String> =
                            inv.courses.iter().filter(|c| **c != me).cloned().collect();
                        let chosen = references(rng, &others, 2);
                        doc.set("prerequisites", seq(&chosen));
                        format!("prerequisites {chosen:?}")
                    }
                    3 => {
                        doc.set("topics", seq(&[phrase(rng)]));
                        doc.set("trainers", seq(&["外部督导 李老师".to_string()]));
                        "topics, trainers".into()
                    }
                    _ => {
                        let folder = format!("{}/", parent_of(rel));
                        let files: Vec<String> = inv
                            .assets
                            .iter()
                            .filter_map(|a| a.strip_prefix(&folder))
                            .filter(|a| !a.contains('/'))
                            .map(str::to_string)
                            .collect();
                        let chosen = rng.subset(&files, 0, 2);
                        let list = chosen
                            .iter()
                            .map(|f| map(vec![("title", s(&phrase(rng))), ("file", s(f))]))
                            .collect();
                        doc.set("attachments", Value::Sequence(list));
                        format!("attachments {chosen:?}")
                    }
                }),
                Kind::Lesson => Some({
                    doc.set("weight", num(rng.range(1, 9)));
                    doc.set("duration", num(rng.range(20, 90)));
                    "weight, duration".into()
                }),
                Kind::Project => Some(match rng.below(5) {
                    0 => {
                        let station = reference(rng, &inv.stations);
                        doc.set("station", s(&station));
                        format!("station {station}")
                    }
                    1 => {
                        let chosen = references(rng, &inv.organizations, 3);
                        doc.set("organizations", seq(&chosen));
                        format!("organizations {chosen:?}")
                    }
                    2 => {
                        let status = *rng.pick(&["planned", "running", "done"]).expect("status");
                        doc.set("status", s(status));
                        format!("status {status}")
                    }
                    3 => {
                        doc.set("budget", num(rng.range(1, 90) * 1000));
                        doc.set("start", s("2021-03-01"));
                        doc.set("end", s(&format!("2021-{:02}-28", rng.range(4, 12))));
                        "budget, start, end".into()
                    }
                    _ => {
                        let outcomes = (0..rng.range(1, 3))
                            .map(|n| {
                                map(vec![
                                    ("name", s(&format!("成效{n}"))),
                                    ("value", num(rng.range(1, 500))),
                                    ("unit", s("人")),
                                ])
                            })
                            .collect();
                        doc.set("outcomes", Value::Sequence(outcomes));
                        "outcomes".into()
                    }
                }),
                Kind::Report => Some(if rng.chance(0.5) {
                    let chosen = references(rng, &inv.stations, 3);
                    doc.set("stations", seq(&chosen));
                    format!("stations {chosen:?}")
                } else {
                    let metrics = (0..rng.range(1, 3))
                        .map(|_| {
                            let mut pairs = vec![
                                ("station", s(&reference(rng, &inv.stations))),
                                ("name", s("服务人次")),
                                ("value", num(rng.range(100, 5000))),
                                ("unit", s("人次")),
                            ];
                            if rng.chance(0.5) {
                                pairs.push(("baseline", num(rng.range(50, 1500))));
                            }
                            map(pairs)
                        })
                        .collect();
                    doc.set("metrics", Value::Sequence(metrics));
                    "metrics".into()
                }),
                Kind::News => Some(if rng.chance(0.5) {
                    doc.set("date", date(rng));
                    "date".into()
                } else if rng.chance(0.3) {
                    doc.remove("station");
                    "station removed".into()
                } else {
                    let station = reference(rng, &inv.stations);
                    doc.set("station", s(&station));
                    format!("station {station}")
                }),
                Kind::Home | Kind::Page | Kind::Section => None,
            };
            if let Some(done) = done {
                return done;
            }
        }
        match rng.below(9) {
            0 | 1 => {
                let title = format!("{}{}", phrase(rng), rng.range(1, 99));
                doc.set("title", s(&title));
                format!("title {title}")
            }
            2 => {
                if rng.chance(0.3) {
                    doc.remove("summary");
                    "summary removed".into()
                } else {
                    doc.set("summary", s(&sentence(rng)));
                    "summary".into()
                }
            }
            3 => {
                let tags: Vec<String> = rng
                    .subset(&["物业", "助老", "议事", "志愿", "儿童"], 0, 3)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                doc.set("tags", seq(&tags));
                format!("tags {tags:?}")
            }
            4 => {
                doc.set("date", date(rng));
                "date".into()
            }
            5 => {
                doc.set("updated", date(rng));
                "updated".into()
            }
            6 => {
                doc.set("weight", num(rng.range(1, 20)));
                "weight".into()
            }
            7 => {
                let alias = format!("/old/{}/", stem(rel));
                doc.set("aliases", seq(std::slice::from_ref(&alias)));
                format!("aliases [{alias}]")
            }
            _ => {
                if doc.front.get(s("draft")).and_then(Value::as_bool) == Some(true) {
                    doc.remove("draft");
                    "draft off".into()
                } else {
                    doc.set("draft", Value::Bool(true));
                    "draft on".into()
                }
            }
        }
    }

    fn edit_body(&mut self, inv: &Inventory) -> Option<Change> {
        let rel = self.rng.pick(&inv.docs)?.clone();
        let mut doc = self.read_doc(&rel)?;
        let what = match self.rng.below(7) {
            0 | 1 => {
                let text = sentence(&mut self.rng);
                doc.body.push_str(&format!("\n{text}\n"));
                "a paragraph".to_string()
            }
            2 => {
                let heading = format!("## {}{}", phrase(&mut self.rng), self.rng.range(1, 9));
                doc.body
                    .push_str(&format!("\n{heading}\n\n{}\n", sentence(&mut self.rng)));
                format!("heading {heading}")
            }
            3 => {
                // Rename a heading: links to it may break.
                let lines: Vec<usize> = doc
                    .body
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| l.starts_with("## "))
                    .map(|(n, _)| n)
                    .collect();
                let n = *self.rng.pick(&lines)?;
                let mut body: Vec<String> = doc.body.lines().map(str::to_string).collect();
                body[n].push_str("与展望");
                let what = format!("heading renamed to {}", body[n]);
                doc.body = body.join("\n") + "\n";
                what
            }
            4 => {
                let target = self.rng.pick(&inv.docs)?.clone();
                let mut link = relative(&rel, &target);
                if let Some(t) = self.read_doc(&target) {
                    let headings: Vec<&str> = t
                        .body
                        .lines()
                        .filter_map(|l| l.strip_prefix("## "))
                        .filter(|h| h.chars().all(|c| c as u32 > 0x3000))
                        .collect();
                    let anchor = self.rng.chance(0.3);
                    if let Some(h) = self.rng.pick(&headings).filter(|_| anchor) {
                        link = format!("{link}#{h}");
                    }
                }
                doc.body.push_str(&format!("\n见[相关页面]({link})。\n"));
                format!("link to {link}")
            }
            5 => {
                let id = self.fresh_id();
                let target = if self.rng.chance(0.5) {
                    format!("news/{id}.md")
                } else {
                    format!("guide/{id}.md")
                };
                let link = relative(&rel, &target);
                doc.body.push_str(&format!("\n见[新页面]({link})。\n"));
                self.pending = Some(target);
                format!("link to {link}, a page not written yet")
            }
            _ => {
                let mut paragraphs: Vec<&str> = doc.body.split("\n\n").collect();
                if paragraphs.len() < 2 {
                    return None;
                }
                let n = self.rng.below(paragraphs.len());
                paragraphs.remove(n);
                doc.body = paragraphs.join("\n\n");
                format!("paragraph {n} removed")
            }
        };
        let mut change = Change::new(format!("body of {rel}: {what}"));
        self.write_doc(&mut change, &rel, &doc);
        Some(change)
    }

    /// The page a link made in the previous step points to.
    fn create_linked_page(&mut self, rel: &str) -> Change {
        let mut front = Mapping::new();
        front.insert(s("title"), s(&phrase(&mut self.rng)));
        if rel.starts_with("news/") {
            front.insert(s("date"), date(&mut self.rng));
        }
        let doc = Doc {
            front,
            body: format!("\n{}\n", sentence(&mut self.rng)),
        };
        let mut change = Change::new(format!("new page {rel}, which a link needs"));
        self.write_doc(&mut change, rel, &doc);
        change
    }

    fn new_file(&mut self, inv: &Inventory) -> Option<Change> {
        let id = self.fresh_id();
        let title = format!("{}{}", phrase(&mut self.rng), self.counter);
        let rng = &mut self.rng;
        let mut front = Mapping::new();
        front.insert(s("title"), s(&title));
        let mut add = |k: &str, v: Value| {
            front.insert(s(k), v);
        };
        let rel = match rng.below(9) {
            0 => {
                add("community", s("新社区"));
                add("opening_hours", schedule(rng));
                format!("stations/{id}.md")
            }
            1 => {
                let station = rng.pick(&inv.stations)?.clone();
                add("category", s(&term(rng, &inv.categories)));
                add("audience", seq(&rng.subset(&inv.audiences, 1, 2)));
                add("providers", seq(&references(rng, &inv.organizations, 2)));
                add("schedule", schedule(rng));
                add("status", s("active"));
                format!("services/{station}/{id}.md")
            }
            2 => {
                add("station", s(&reference(rng, &inv.stations)));
                add("kind", s(&term(rng, &inv.org_kinds)));
                if rng.chance(0.5) {
                    add("mentor", s(&reference(rng, &inv.organizations)));
                }
                format!("organizations/{id}.md")
            }
            3 => {
                add("level", s(&term(rng, &inv.levels)));
                add("format", s("offline"));
                add("prerequisites", seq(&references(rng, &inv.courses, 1)));
                format!("training/{id}/_index.md")
            }
            4 => {
                let course = rng.pick(&inv.courses)?.clone();
                add("weight", num(rng.range(1, 9)));
                add("duration", num(45));
                format!("training/{course}/{id}.md")
            }
            5 => {
                add("station", s(&reference(rng, &inv.stations)));
                add(
                    "organizations",
                    seq(&references(rng, &inv.organizations, 2)),
                );
                add("status", s("running"));
                format!("projects/{id}.md")
            }
            6 => {
                add("date", date(rng));
                let stations = references(rng, &inv.stations, 2);
                let metrics = stations
                    .iter()
                    .map(|st| {
                        map(vec![
                            ("station", s(st)),
                            ("name", s("服务人次")),
                            ("value", num(rng.range(10, 900))),
                            ("unit", s("人次")),
                        ])
                    })
                    .collect();
                add("stations", seq(&stations));
                add("metrics", Value::Sequence(metrics));
                format!("reports/{id}.md")
            }
            7 => {
                add("date", date(rng));
                if rng.chance(0.5) {
                    add("station", s(&reference(rng, &inv.stations)));
                }
                format!("news/{id}.md")
            }
            _ => {
                if rng.chance(0.5) {
                    format!("{id}.md")
                } else {
                    format!("guide/{id}.md")
                }
            }
        };
        let mut body = format!("\n## 简介\n\n{}\n", sentence(rng));
        if let Some(target) = rng.pick(&inv.docs) {
            body.push_str(&format!("\n见[相关]({})。\n", relative(&rel, target)));
        }
        let doc = Doc { front, body };
        let mut change = Change::new(format!("new file {rel}"));
        self.write_doc(&mut change, &rel, &doc);
        Some(change)
    }

    fn delete_file(&mut self, inv: &Inventory) -> Option<Change> {
        if self.rng.chance(0.15) {
            // A whole course folder, reported as the folder.
            let course = self.rng.pick(&inv.courses)?.clone();
            let folder = format!("training/{course}");
            let mut change = Change::new(format!("folder {folder} deleted"));
            let files: Vec<String> = inv
                .docs
                .iter()
                .chain(&inv.assets)
                .filter(|f| f.starts_with(&format!("{folder}/")))
                .cloned()
                .collect();
            for f in files {
                change.save(&self.content(&f));
            }
            std::fs::remove_dir_all(self.content(&folder)).expect("remove folder");
            change.touch(&self.content(&folder));
            return Some(change);
        }
        let rel = self.rng.pick(&inv.docs)?.clone();
        let mut change = Change::new(format!("{rel} deleted"));
        change.remove(&self.content(&rel));
        Some(change)
    }

    fn rename_file(&mut self, inv: &Inventory) -> Option<Change> {
        let rel = self.rng.pick(&inv.docs)?.clone();
        if rel.ends_with("_index.md") {
            return None;
        }
        let id = self.fresh_id();
        let new = match parent_of(&rel) {
            "" => format!("{id}.md"),
            dir => format!("{dir}/{id}.md"),
        };
        let (from, to) = (self.content(&rel), self.content(&new));
        let mut change = Change::new(format!("{rel} renamed to {new}"));
        change.save(&from);
        change.save(&to);
        std::fs::rename(&from, &to).expect("rename");
        change.touch(&from);
        change.touch(&to);
        Some(change)
    }

    fn edit_asset(&mut self, inv: &Inventory) -> Option<Change> {
        match self.rng.below(7) {
            5 => {
                // A photo beside a page, shown in its body or as its cover:
                // processed, and its size is in the page.
                let rel = self.rng.pick(&inv.docs)?.clone();
                let mut doc = self.read_doc(&rel)?;
                let png = self.rng.chance(0.5);
                let name = format!("{}.{}", self.fresh_id(), if png { "png" } else { "jpg" });
                let path = self.content(&match parent_of(&rel) {
                    "" => name.clone(),
                    dir => format!("{dir}/{name}"),
                });
                let bytes = photo(
                    self.rng.range(20, 400) as u32,
                    self.rng.range(20, 300) as u32,
                    png,
                );
                let mut change = Change::new(format!("photo {name} for {rel}"));
                change.write(&path, &bytes);
                if self.rng.chance(0.5) {
                    doc.set("cover", s(&name));
                    doc.set("cover_alt", s(&phrase(&mut self.rng)));
                } else {
                    doc.body
                        .push_str(&format!("\n![{}]({name})\n", phrase(&mut self.rng)));
                }
                self.write_doc(&mut change, &rel, &doc);
                Some(change)
            }
            6 => {
                // A photo replaced by another of another size.
                let photos: Vec<String> = inv
                    .assets
                    .iter()
                    .filter(|a| a.ends_with(".png") || a.ends_with(".jpg"))
                    .cloned()
                    .collect();
                let rel = self.rng.pick(&photos)?.clone();
                let bytes = photo(
                    self.rng.range(20, 400) as u32,
                    self.rng.range(20, 300) as u32,
                    rel.ends_with(".png"),
                );
                let mut change = Change::new(format!("photo {rel} replaced"));
                change.write(&self.content(&rel), &bytes);
                Some(change)
            }
            0 => {
                // A new cover image beside a page.
                let rel = self.rng.pick(&inv.docs)?.clone();
                let mut doc = self.read_doc(&rel)?;
                let name = format!("{}-cover.svg", self.fresh_id());
                let image = self.content(&match parent_of(&rel) {
                    "" => name.clone(),
                    dir => format!("{dir}/{name}"),
                });
                let svg = format!(
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"30\"><rect width=\"40\" height=\"{}\" fill=\"#2a6\"/></svg>\n",
                    self.rng.range(1, 30)
                );
                let mut change = Change::new(format!("cover {name} for {rel}"));
                change.write(&image, svg.as_bytes());
                doc.set("cover", s(&name));
                self.write_doc(&mut change, &rel, &doc);
                Some(change)
            }
            1 => {
                // A new attachment of a course.
                let rel = self.rng.pick(&inv.of_kind(Kind::Course))?.clone();
                let mut doc = self.read_doc(&rel)?;
                let name = format!("{}.pdf", self.fresh_id());
                let pdf = self.content(&format!("{}/{name}", parent_of(&rel)));
                let mut change = Change::new(format!("attachment {name} for {rel}"));
                change.write(&pdf, format!("%PDF-1.4 {}\n", self.counter).as_bytes());
                let mut list = doc
                    .front
                    .get(s("attachments"))
                    .and_then(Value::as_sequence)
                    .cloned()
                    .unwrap_or_default();
                list.push(map(vec![("title", s("讲义")), ("file", s(&name))]));
                doc.set("attachments", Value::Sequence(list));
                self.write_doc(&mut change, &rel, &doc);
                Some(change)
            }
            2 | 3 => {
                // An asset's bytes change (a bigger or smaller file; a
                // photo may no longer decode).
                let rel = self.rng.pick(&inv.assets)?.clone();
                let path = self.content(&rel);
                let mut bytes = std::fs::read(&path).ok()?;
                if rel.ends_with(".svg") {
                    let text = String::from_utf8(bytes).ok()?;
                    bytes = text
                        .replacen("<svg ", &format!("<svg data-rt=\"{}\" ", self.counter), 1)
                        .into_bytes();
                    self.counter += 1;
                } else if self.rng.chance(0.5) || bytes.len() < 64 {
                    bytes.extend_from_slice(&vec![b' '; self.rng.range(1, 3000) as usize]);
                } else {
                    bytes.truncate(bytes.len() - 1);
                }
                let mut change = Change::new(format!("asset {rel} changed"));
                change.write(&path, &bytes);
                Some(change)
            }
            _ => {
                let rel = self.rng.pick(&inv.assets)?.clone();
                let mut change = Change::new(format!("asset {rel} deleted"));
                change.remove(&self.content(&rel));
                Some(change)
            }
        }
    }

    fn edit_template(&mut self) -> Option<Change> {
        let (file, marker) = *self.rng.pick(&[
            ("base.html", "rt-base"),
            ("service.html", "rt-service"),
            ("components.html", "rt-component"),
            ("partials/page_header.html", "rt-header"),
        ])?;
        let path = self.site().join("themes/default/templates").join(file);
        let source = std::fs::read_to_string(&path).ok()?;
        let at = source.find(marker)?;
        let digits: String = source[at + marker.len() + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let old = format!("{marker} {digits}");
        let (new, what) = if self.rng.chance(0.08) {
            (format!("{old} {{{{ rt_broken("), "syntax error")
        } else if file == "service.html" && self.rng.chance(0.1) {
            // An error only on some pages: the others render fine.
            (
                format!("{old}{{% if page.fields.online %}}{{{{ rt_undefined.x }}}}{{% endif %}}"),
                "error on the online services' pages",
            )
        } else {
            let n: u64 = digits.parse().unwrap_or(0) + 1;
            (format!("{marker} {n}"), "marker changed")
        };
        let mut change = Change::new(format!("template {file}: {what}"));
        change.write(&path, source.replacen(&old, &new, 1).as_bytes());
        Some(change)
    }

    fn edit_strings(&mut self) -> Option<Change> {
        let path = self.site().join("themes/default/strings.yaml");
        let text = std::fs::read_to_string(&path).ok()?;
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let candidates: Vec<usize> = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                l.split_once(": ").is_some_and(|(k, v)| {
                    !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
                        && !v.is_empty()
                        && !v.starts_with(['|', '>', '[', '{', '\''])
                        && !v.contains(" #")
                })
            })
            .map(|(n, _)| n)
            .collect();
        // The kinds' names also go into the search index.
        let kinds: Vec<usize> = candidates
            .iter()
            .copied()
            .filter(|&n| lines[n].starts_with("kind_"))
            .collect();
        let n = if self.rng.chance(0.2) && !kinds.is_empty() {
            *self.rng.pick(&kinds)?
        } else {
            *self.rng.pick(&candidates)?
        };
        let line = &mut lines[n];
        if line.ends_with('"') {
            line.insert(line.len() - 1, '改');
        } else {
            line.push('改');
        }
        let what = format!("strings.yaml: {line}");
        let mut change = Change::new(what);
        change.write(&path, (lines.join("\n") + "\n").as_bytes());
        Some(change)
    }

    fn edit_settings(&mut self) -> Option<Change> {
        let path = self.site().join("site.yaml");
        let mut settings: Mapping =
            serde_yaml::from_str(&std::fs::read_to_string(&path).ok()?).ok()?;
        let what = match self.rng.below(6) {
            0 => {
                let title = format!("{}社工站", phrase(&mut self.rng));
                settings.insert(s("title"), s(&title));
                format!("title {title}")
            }
            1 | 2 => {
                let (list, word) = if self.rng.chance(0.5) {
                    ("service_category", "服务")
                } else {
                    ("audience", "居民")
                };
                let new_term = format!("新{word}{}", self.counter);
                self.counter += 1;
                let vocab = settings.get_mut(s("vocabularies"))?.as_mapping_mut()?;
                vocab
                    .get_mut(s(list))?
                    .as_sequence_mut()?
                    .push(s(&new_term));
                format!("{list} gains {new_term}")
            }
            3 => {
                let now = settings
                    .get(s("base_url"))
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let url = if now.ends_with("/zhan/") {
                    "https://example.org/"
                } else {
                    "https://example.org/zhan/"
                };
                settings.insert(s("base_url"), s(url));
                format!("base_url {url}")
            }
            4 => {
                // A day of early 2027 becomes a holiday or a make-up working
                // day, or stops being one: calendars (EXDATE, RDATE) and
                // station pages (their opening data) read the holidays.
                let date = format!(
                    "2027-{:02}-{:02}",
                    1 + self.rng.below(3),
                    1 + self.rng.below(28)
                );
                let (list, other) = if self.rng.chance(0.7) {
                    ("closed", "workdays")
                } else {
                    ("workdays", "closed")
                };
                if settings.get(s("holidays")).is_none_or(|h| !h.is_mapping()) {
                    settings.insert(s("holidays"), Value::Mapping(Mapping::new()));
                }
                let holidays = settings.get_mut(s("holidays"))?.as_mapping_mut()?;
                let year = Value::Number(2027.into());
                if holidays.get(&year).is_none_or(|y| !y.is_mapping()) {
                    holidays.insert(year.clone(), Value::Mapping(Mapping::new()));
                }
                let days = holidays.get_mut(&year)?.as_mapping_mut()?;
                for name in [list, other] {
                    if days.get(s(name)).is_none_or(|l| !l.is_sequence()) {
                        days.insert(s(name), Value::Sequence(Vec::new()));
                    }
                }
                // A day in both lists is an error: take it out of the other.
                days.get_mut(s(other))?
                    .as_sequence_mut()?
                    .retain(|d| d.as_str() != Some(date.as_str()));
                let chosen = days.get_mut(s(list))?.as_sequence_mut()?;
                if chosen.iter().any(|d| d.as_str() == Some(date.as_str())) {
                    chosen.retain(|d| d.as_str() != Some(date.as_str()));
                    format!("holidays: {date} no longer in {list}")
                } else {
                    chosen.push(s(&date));
                    format!("holidays: {date} added to {list}")
                }
            }
            _ => {
                settings.insert(s("description"), s(&sentence(&mut self.rng)));
                "description".to_string()
            }
        };
        let mut change = Change::new(format!("site.yaml: {what}"));
        let text = serde_yaml::to_string(&settings).expect("settings serialize");
        change.write(&path, text.as_bytes());
        Some(change)
    }

    fn edit_static(&mut self) -> Option<Change> {
        let site = self.site();
        let (path, what) = match self.rng.below(3) {
            0 => (
                site.join("themes/default/static/css/style.css"),
                "theme style.css",
            ),
            1 => (site.join("static/css/rt.css"), "site static/css/rt.css"),
            _ => (
                site.join("static/files/notice.txt"),
                "site static/files/notice.txt",
            ),
        };
        let mut change;
        if path.exists() && !what.starts_with("theme") && self.rng.chance(0.3) {
            change = Change::new(format!("{what} deleted"));
            change.remove(&path);
        } else {
            let mut bytes = std::fs::read(&path).unwrap_or_default();
            bytes.extend_from_slice(format!("/* rt {} */\n", self.counter).as_bytes());
            self.counter += 1;
            change = Change::new(format!("{what} written"));
            change.write(&path, &bytes);
        }
        Some(change)
    }
}

// ---------------------------------------------------------------------------
// The tests.

fn run_seeds(seeds: &[(u64, Corpus)], steps: usize) {
    let mut failures = Vec::new();
    for &(seed, corpus) in seeds {
        let started = Instant::now();
        let mut run = Run::new(seed, corpus);
        run.steps(steps);
        eprintln!(
            "seed {seed} ({corpus:?}): {steps} steps in {:.1} s, {} failures",
            started.elapsed().as_secs_f64(),
            run.failures.len()
        );
        failures.append(&mut run.failures);
    }
    assert!(
        failures.is_empty(),
        "{} steps where the incremental output is not a clean build's:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn corpora() -> Vec<Corpus> {
    if gencorpus().is_some() {
        vec![Corpus::Demo, Corpus::Generated]
    } else {
        eprintln!("python3 or ../shared/bench/gencorpus.py missing: the demo site only");
        vec![Corpus::Demo]
    }
}

/// Steps per seed in `cargo test`: each costs a clean build, about half a
/// second in a debug build on two cores.
const STEPS: usize = 20;

#[test]
fn random_edits_on_the_demo_site_match_clean_builds() {
    run_seeds(&[(1, Corpus::Demo), (2, Corpus::Demo)], STEPS);
}

#[test]
fn random_edits_on_a_generated_site_match_clean_builds() {
    let seeds: Vec<(u64, Corpus)> = match corpora().as_slice() {
        [_, generated] => vec![(3, *generated), (4, *generated)],
        _ => vec![(3, Corpus::Demo), (4, Corpus::Demo)],
    };
    run_seeds(&seeds, STEPS);
}

/// The long run: `ZHAN_RANDOM_SEEDS` seeds (default 20) of
/// `ZHAN_RANDOM_STEPS` steps (default 200), from `ZHAN_RANDOM_SEED`
/// (default 1000), alternating the corpora.
#[test]
#[ignore = "long; run with --ignored, see the file's doc comment"]
fn long_random_edit_sequences() {
    let var = |name: &str, default: u64| -> u64 {
        std::env::var(name)
            .ok()
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|_| panic!("{name}={v} is not a number"))
            })
            .unwrap_or(default)
    };
    let (count, steps, first) = (
        var("ZHAN_RANDOM_SEEDS", 20),
        var("ZHAN_RANDOM_STEPS", 200),
        var("ZHAN_RANDOM_SEED", 1000),
    );
    let corpora = match std::env::var("ZHAN_RANDOM_CORPUS").as_deref() {
        Ok("demo") => vec![Corpus::Demo],
        Ok("generated") => vec![Corpus::Generated],
        _ => corpora(),
    };
    let seeds: Vec<(u64, Corpus)> = (first..first + count)
        .map(|seed| (seed, corpora[seed as usize % corpora.len()]))
        .collect();
    run_seeds(&seeds, steps as usize);
}

/// A small photo, `width`×`height`, as PNG with transparency or as JPEG.
fn photo(width: u32, height: u32, png: bool) -> Vec<u8> {
    use image::ImageEncoder;
    let mut bytes = Vec::new();
    let result = if png {
        let pixels = image::RgbaImage::from_fn(width, height, |x, y| {
            image::Rgba([
                (x % 256) as u8,
                (y % 256) as u8,
                90,
                if x < width / 2 { 255 } else { 0 },
            ])
        });
        image::codecs::png::PngEncoder::new(&mut bytes).write_image(
            pixels.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgba8,
        )
    } else {
        let pixels = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 160])
        });
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85).write_image(
            pixels.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgb8,
        )
    };
    result.expect("encode a photo");
    bytes
}
