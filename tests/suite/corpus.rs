//! A generated corpus of 20 stations (about 450 pages) builds, with one output
//! page for each content file. The corpus is made here, in the shape of
//! CONTENT-MODEL.md; if the shared generator (../shared/bench/gencorpus.py)
//! and Python are present, its corpus is built and checked the same way.

use crate::common;

use std::fmt::Write as _;
use std::path::Path;

const CATEGORIES: [&str; 8] = [
    "助老服务",
    "议事协商",
    "矛盾调解",
    "便民服务",
    "环境治理",
    "文明实践",
    "心理支持",
    "儿童青少年",
];
const AUDIENCES: [&str; 6] = ["老年人", "残障人士", "儿童", "青少年", "中青年", "全体居民"];
const ORG_KINDS: [&str; 5] = [
    "志愿服务类",
    "公益慈善类",
    "文体活动类",
    "生活服务类",
    "社区事务类",
];
const LEVELS: [&str; 4] = ["督导", "中级社工师", "助理社工师", "居民骨干"];
const DAYS: [&str; 5] = ["mon", "tue", "wed", "thu", "fri"];

/// A small deterministic generator (xorshift), so the corpus is the same each run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

fn paragraph(rng: &mut Rng) -> String {
    let subjects = ["社工站", "楼门长", "居民骨干", "志愿者团队", "社区社会组织"];
    let verbs = ["组织开展", "持续跟进", "共同策划", "定期回访"];
    let objects = [
        "居民议事协商",
        "独居老人探访",
        "楼道环境整治",
        "邻里互助活动",
        "垃圾分类宣传",
    ];
    (0..4)
        .map(|_| {
            format!(
                "{}{}{}，居民参与度明显提升。",
                rng.pick(&subjects),
                rng.pick(&verbs),
                rng.pick(&objects)
            )
        })
        .collect()
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join("content").join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// Writes a site of `stations` stations into `root`.
fn generate(root: &Path, stations: usize) {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    std::fs::write(
        root.join("site.yaml"),
        "title: 生成的站点\nbase_url: https://example.org/\n",
    )
    .expect("site.yaml");
    write(
        root,
        "_index.md",
        &format!("---\ntitle: 首页\n---\n\n{}\n", paragraph(&mut rng)),
    );
    for s in 0..stations {
        let sid = format!("s{s:04}");
        let orgs: Vec<String> = (0..5).map(|j| format!("{sid}-o{j}")).collect();
        write(
            root,
            &format!("stations/{sid}.md"),
            &format!(
                "---\ntitle: 第{s}社区社工站\ncommunity: 第{s}社区\nphone: \"010-6557{s:04}\"\nopening_hours:\n  - days: [mon, tue, wed, thu, fri]\n    time: \"09:00-17:30\"\nspaces:\n  - name: 个案工作室\n    kind: casework\n    capacity: 4\nstaff:\n  - name: 王某\n    role: 站长\n    qualification: 中级社工师\ntags: [{}]\n---\n\n## 站点简介\n\n{}\n\n相关组织：[组织](../organizations/{}.md)\n",
                rng.pick(&CATEGORIES),
                paragraph(&mut rng),
                orgs[0]
            ),
        );
        for (j, oid) in orgs.iter().enumerate() {
            let mentor = if j > 0 && rng.below(2) == 0 {
                format!("mentor: {}\n", orgs[0])
            } else {
                String::new()
            };
            write(
                root,
                &format!("organizations/{oid}.md"),
                &format!(
                    "---\ntitle: 第{s}社区组织{j}\nstation: {sid}\nkind: {}\nstage: filed\nmembers: {}\n{mentor}focus: [{}]\n---\n\n{}\n\n所属站点：[社工站](../stations/{sid}.md#站点简介)\n",
                    rng.pick(&ORG_KINDS),
                    5 + rng.below(60),
                    rng.pick(&CATEGORIES),
                    paragraph(&mut rng)
                ),
            );
        }
        for j in 0..12 {
            let mut text = format!(
                "---\ntitle: 服务{j}\nstation: {sid}\ncategory: {}\naudience: [{}]\nproviders: [{}]\nschedule:\n  - days: [{}]\n    time: \"14:00-16:00\"\n",
                rng.pick(&CATEGORIES),
                rng.pick(&AUDIENCES),
                orgs[rng.below(5)],
                rng.pick(&DAYS)
            );
            if j % 4 == 0 {
                text.push_str("  - date: 2026-12-05\n    time: \"09:00-11:00\"\n");
            }
            let _ = write!(
                text,
                "status: {}\n---\n\n## 服务内容\n\n{}\n",
                if j == 11 { "paused" } else { "active" },
                paragraph(&mut rng)
            );
            write(root, &format!("services/{sid}/{sid}-v{j:02}.md"), &text);
        }
        for j in 0..2 {
            write(
                root,
                &format!("projects/{sid}-p{j}.md"),
                &format!(
                    "---\ntitle: 小微项目{j}\nstation: {sid}\norganizations: [{}, {}]\nstart: 2020-03-01\nend: 2020-10-31\nbudget: 20000\nstatus: done\noutcomes:\n  - name: 参与居民\n    value: {}\n    unit: 人\n---\n\n{}\n",
                    orgs[1],
                    orgs[2],
                    20 + rng.below(300),
                    paragraph(&mut rng)
                ),
            );
        }
        write(
            root,
            &format!("news/{sid}-n0.md"),
            &format!(
                "---\ntitle: 第{s}社区活动回顾\ndate: 2026-0{}-1{}\nstation: {sid}\n---\n\n{}\n",
                1 + s % 9,
                s % 10,
                paragraph(&mut rng)
            ),
        );
        if s % 10 == 0 {
            let cid = format!("c{:03}", s / 10);
            write(
                root,
                &format!("training/{cid}/_index.md"),
                &format!(
                    "---\ntitle: 课程{cid}\nlevel: {}\nformat: blended\nhours: 12\n---\n\n{}\n",
                    rng.pick(&LEVELS),
                    paragraph(&mut rng)
                ),
            );
            for l in 0..8 {
                let code = if l % 3 == 0 {
                    "\n```python\nprint('人次')\n```\n"
                } else {
                    ""
                };
                write(
                    root,
                    &format!("training/{cid}/{cid}-l{l}.md"),
                    &format!(
                        "---\ntitle: 第{}讲\nweight: {}\nduration: 45\n---\n\n## 学习要点\n\n{}\n{code}",
                        l + 1,
                        l + 1,
                        paragraph(&mut rng)
                    ),
                );
            }
        }
        if s % 10 == 9 {
            let first = s - 9;
            let list: Vec<String> = (first..=s).map(|x| format!("s{x:04}")).collect();
            let metrics: String = list.iter().map(|st| format!("  - station: {st}\n    name: 服务人次\n    value: {}\n    unit: 人次\n    baseline: {}\n", 500 + rng.below(4000), 100 + rng.below(1000))).collect();
            write(
                root,
                &format!("reports/r{:03}.md", s / 10),
                &format!(
                    "---\ntitle: 第{}批试点成效\ndate: 2025-12-20\nstations: [{}]\nmetrics:\n{metrics}---\n\n{}\n",
                    s / 10 + 1,
                    list.join(", "),
                    paragraph(&mut rng)
                ),
            );
        }
    }
}

/// Builds `root` and checks that every content file has its output page.
fn build_and_check(root: &Path) -> usize {
    let out = common::zhan()
        .arg("--root")
        .arg(root)
        .arg("build")
        .output()
        .expect("run zhan");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // Dates, times, amounts, counts and landlines of a station's pages are
    // not residents' numbers.
    assert!(!stderr.contains("PRIVACY"), "false positives:\n{stderr}");
    let mut checked = 0;
    for entry in walkdir::WalkDir::new(root.join("content")) {
        let entry = entry.expect("walk");
        let Ok(rel) = entry.path().strip_prefix(root.join("content")) else {
            continue;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        if !rel.ends_with(".md") {
            continue;
        }
        let placement = zhan::model::classify(&rel).unwrap_or_else(|e| panic!("{rel}: {e:?}"));
        let page = root
            .join("output")
            .join(&placement.site_path)
            .join("index.html");
        let html = std::fs::read_to_string(&page)
            .unwrap_or_else(|_| panic!("no page for content/{rel} at {}", page.display()));
        assert!(html.contains("</html>"), "{}", page.display());
        checked += 1;
    }
    checked
}

#[test]
fn generated_corpus_of_20_stations_has_a_page_per_content_file() {
    let dir = tempfile::tempdir().expect("temp");
    generate(dir.path(), 20);
    let checked = build_and_check(dir.path());
    // 20 × (1 station + 5 organizations + 12 services + 2 projects + 1 news)
    // + 2 courses × 9 files + 2 reports + the home page.
    assert_eq!(checked, 20 * 21 + 2 * 9 + 2 + 1);
    let station = std::fs::read_to_string(dir.path().join("output/stations/s0007/index.html"))
        .expect("station");
    assert_eq!(
        station.matches("class=\"menu-item").count(),
        12,
        "a station lists its 12 services"
    );
    let course =
        std::fs::read_to_string(dir.path().join("output/training/c001/c001-l3/index.html"))
            .expect("lesson");
    assert!(course.contains("href=\"../c001-l2/\"") && course.contains("href=\"../c001-l4/\""));
}

#[test]
fn shared_generator_corpus_builds_when_available() {
    let script = common::repo_root().join("../shared/bench/gencorpus.py");
    if !script.is_file() {
        eprintln!("skipped: {} not found", script.display());
        return;
    }
    let dir = tempfile::tempdir().expect("temp");
    let generated = std::process::Command::new("python3")
        .arg(&script)
        .arg(dir.path())
        .args(["--stations", "20"])
        .output();
    match generated {
        Ok(out) if out.status.success() => {
            let checked = build_and_check(dir.path());
            assert!(checked > 400, "{checked} pages");
        }
        _ => eprintln!("skipped: python3 could not run {}", script.display()),
    }
}
