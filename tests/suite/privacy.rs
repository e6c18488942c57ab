//! The privacy check: residents' ID, mobile and bank card numbers in pages,
//! and personal metadata in the files published beside them. Every fixture
//! is made here (numbers with their check digits computed, a PDF and an
//! Office zip written byte by byte).

use crate::common;

use common::TestSite;
use serde_json::Value;

const NEWS: &str = "content/news/huodong.md";

/// An ID number: 17 digits and their ISO 7064 MOD 11-2 check character.
fn id_number(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

/// The same number with a wrong check character.
fn wrong_check(id: &str) -> String {
    let last = if id.ends_with('1') { '2' } else { '1' };
    format!("{}{last}", &id[..17])
}

fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = u32::from(c - b'0');
            match (i % 2, d * 2) {
                (1, twice) if twice > 9 => twice - 9,
                (1, twice) => twice,
                _ => d,
            }
        })
        .sum();
    sum % 10 == 0
}

/// A card number passing the Luhn check, and one that fails it.
fn cards(body: &str) -> (String, String) {
    let good = (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|c| luhn_ok(c))
        .unwrap_or_default();
    let bad = (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|c| !luhn_ok(c))
        .unwrap_or_default();
    (good, bad)
}

fn news(site: &TestSite, front: &str, body: &str) {
    site.write(
        NEWS,
        &format!("---\ntitle: 重阳节活动\ndate: 2026-10-29\n{front}---\n\n{body}"),
    );
}

/// `zhan check --message-format json`: the diagnostics, and everything
/// printed (to look for numbers that must not be there).
fn check_json(site: &TestSite) -> (Vec<Value>, String) {
    let out = site.run(&["--message-format", "json", "check"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let found = stdout
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    (found, format!("{stdout}\n{stderr}"))
}

fn with_code<'a>(found: &'a [Value], code: &str) -> Vec<&'a Value> {
    found.iter().filter(|d| d["code"] == code).collect()
}

#[test]
fn a_valid_id_number_is_an_error_masked_at_its_place() {
    let site = TestSite::new();
    let id = id_number("11010519491231002");
    let invalid = wrong_check(&id_number("44030419900307123"));
    news(
        &site,
        "",
        &format!(
            "居民张某（身份证号 {id}）参加了活动。\n\n另一个编号 {invalid} 不是有效的身份证号。\n"
        ),
    );
    let (found, printed) = check_json(&site);
    let ids = with_code(&found, "E-PRIVACY-ID");
    assert_eq!(ids.len(), 1, "{found:#?}");
    let d = ids[0];
    assert_eq!(d["severity"], "error");
    assert!(d["file"].as_str().is_some_and(|f| f.ends_with(NEWS)));
    // Line 6 (after four lines of front matter and a blank line), column
    // 11: after 居民张某（身份证号 and a space.
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(6), Some(11))
    );
    assert_eq!(d["length"].as_u64(), Some(18));
    let masked = format!("110105********{}", &id[14..]);
    assert_eq!(d["args"]["masked"], masked.as_str());
    let message = d["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&masked) && common::has_chinese(message),
        "{message}"
    );
    assert!(
        !printed.contains(&id),
        "the full number is printed:\n{printed}"
    );
    assert!(!printed.contains(&invalid[..17]), "{printed}");
    // The build fails, saying where, in Chinese.
    let (errors, stderr) = site.errors();
    let e = errors
        .iter()
        .find(|e| e.code == "E-PRIVACY-ID")
        .expect("printed");
    assert_eq!((e.line, e.col), (6, 11));
    assert!(!stderr.contains(&id), "{stderr}");
}

#[test]
fn mobile_numbers_are_checked_against_the_declared_contacts() {
    let site = TestSite::new();
    // A service declares its contact (written grouped) and mentions it.
    site.write(
        "content/services/huidong/tanfang.md",
        "---\ntitle: 空巢老人探访\ncategory: 助老服务\naudience: [老年人]\ncontact: \"138 0013 8000\"\n---\n\n预约请打 13800138000，或联系志愿者 139-1234-5678。\n",
    );
    // A number the site publishes on purpose, named in site.yaml.
    site.write(
        "site.yaml",
        &format!(
            "{}public_phones: [\"+86 159 0000 1111\"]\n",
            common::SITE_YAML
        ),
    );
    news(&site, "", "报名请拨打值班电话 15900001111。\n");
    let (found, printed) = check_json(&site);
    let phones = with_code(&found, "W-PRIVACY-PHONE");
    assert_eq!(phones.len(), 1, "{phones:#?}");
    let d = phones[0];
    assert_eq!(d["severity"], "warning");
    assert!(
        d["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("tanfang.md"))
    );
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(8), Some(25))
    );
    assert_eq!(d["args"]["masked"], "139****5678");
    assert!(!printed.contains("1234-5678"), "{printed}");
    let hint = d["hint"].as_str().unwrap_or_default();
    assert!(
        hint.contains("public_phones") && hint.contains("contact"),
        "{hint}"
    );
    // A warning: the site builds.
    assert!(site.build().is_ok());
}

#[test]
fn a_luhn_valid_card_is_an_error_and_an_invalid_one_is_not() {
    let site = TestSite::new();
    let (good, bad) = cards("622202020000123456");
    let grouped: Vec<&str> = [0, 4, 8, 12, 16]
        .iter()
        .map(|&i| &good[i..(i + 4).min(good.len())])
        .collect();
    news(
        &site,
        "",
        &format!(
            "捐款账号：{}\n\n流水号 {bad}，2019 2020 2021 2022 年累计 3650 人次，邮编 100024，电话 010-65571234。\n",
            grouped.join(" ")
        ),
    );
    let (found, printed) = check_json(&site);
    let privacy: Vec<&Value> = found
        .iter()
        .filter(|d| d["code"].as_str().is_some_and(|c| c.contains("PRIVACY")))
        .collect();
    assert_eq!(privacy.len(), 1, "{privacy:#?}");
    let d = privacy[0];
    assert_eq!(d["code"], "E-PRIVACY-CARD");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(6), Some(6))
    );
    assert_eq!(
        d["args"]["masked"],
        format!("6222 **** **** *** {}", &good[15..]).as_str()
    );
    assert!(!printed.contains(&grouped.join(" ")), "{printed}");
}

#[test]
fn privacy_ok_accepts_a_finding_and_the_build_lists_it() {
    let site = TestSite::new();
    let id = id_number("11010519491231002");
    news(
        &site,
        &format!(
            "privacy_ok:\n  - value: \"138 0013 8000\"\n    why: 活动负责人同意公开的工作手机\n  - value: \"{id}\"\n    why: 已故老党员的生平展板\n"
        ),
        &format!("联系人：13800138000。\n\n展板原文：{id}\n"),
    );
    let stderr = site
        .build()
        .expect("accepted findings do not stop the build");
    let problems = common::diagnostics(&stderr);
    assert!(
        !problems.iter().any(|p| p.code.contains("PRIVACY")),
        "{stderr}"
    );
    assert!(stderr.contains("privacy_ok"), "{stderr}");
    let phone_line = stderr
        .lines()
        .find(|l| l.contains("138****8000"))
        .unwrap_or_else(|| panic!("the summary lists the phone:\n{stderr}"));
    assert!(
        phone_line.contains("活动负责人同意公开的工作手机"),
        "{phone_line}"
    );
    assert!(phone_line.contains(&format!("{NEWS}:11:5")), "{phone_line}");
    assert!(
        stderr.contains(&format!("110105********{}", &id[14..])),
        "{stderr}"
    );
    assert!(!stderr.contains(&id), "{stderr}");
    // Built again with nothing changed, the summary is the same.
    let again = site.build().expect("builds");
    assert!(again.contains("活动负责人同意公开的工作手机"), "{again}");
}

#[test]
fn an_unused_privacy_ok_entry_warns_and_a_reason_is_required() {
    let site = TestSite::new();
    news(
        &site,
        "privacy_ok:\n  - value: 13912345678\n    why: 以前的值班手机\n",
        "活动圆满结束。\n",
    );
    let (found, _) = check_json(&site);
    let unused = with_code(&found, "W-PRIVACY-OK-UNUSED");
    assert_eq!(unused.len(), 1, "{found:#?}");
    assert_eq!(
        (unused[0]["line"].as_u64(), unused[0]["column"].as_u64()),
        (Some(5), Some(12))
    );
    assert_eq!(unused[0]["args"]["masked"], "139****5678");
    news(
        &site,
        "privacy_ok:\n  - value: 13912345678\n",
        "电话 13912345678。\n",
    );
    let (found, _) = check_json(&site);
    let missing = with_code(&found, "E-FIELD-MISSING-IN");
    assert!(
        missing.iter().any(|d| d["args"]["field"] == "why"),
        "{found:#?}"
    );
}

/// A minimal PDF whose information dictionary names its author.
fn pdf_with_author() -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n3 0 obj\n<< /Title (Notes) /Author <FEFF5F204E09> /Creator (Microsoft\\256 Word 2016) /Producer (Microsoft\\256 Word 2016) >>\nendobj\n".to_vec();
    let xref = pdf.len();
    pdf.extend(format!("xref\n0 4\n0000000000 65535 f \ntrailer\n<< /Size 4 /Root 1 0 R /Info 3 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    pdf
}

/// A zip of stored (uncompressed) entries, as a .docx is laid out.
fn zip(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut directory = Vec::new();
    for (name, data) in entries {
        let offset = out.len() as u32;
        let crc = common::crc32(data);
        let size = data.len() as u32;
        let common = |sig: u32, out: &mut Vec<u8>, central: bool| {
            out.extend(sig.to_le_bytes());
            if central {
                out.extend(20u16.to_le_bytes());
            }
            out.extend(20u16.to_le_bytes());
            out.extend(0u16.to_le_bytes()); // flags
            out.extend(0u16.to_le_bytes()); // stored
            out.extend(0u32.to_le_bytes()); // time, date
            out.extend(crc.to_le_bytes());
            out.extend(size.to_le_bytes());
            out.extend(size.to_le_bytes());
            out.extend((name.len() as u16).to_le_bytes());
            out.extend(0u16.to_le_bytes()); // extra
        };
        common(0x0403_4b50, &mut out, false);
        out.extend(name.as_bytes());
        out.extend(data);
        common(0x0201_4b50, &mut directory, true);
        directory.extend([0u8; 10]); // comment, disk, attributes
        directory.extend(offset.to_le_bytes());
        directory.extend(name.as_bytes());
    }
    let at = out.len() as u32;
    let count = entries.len() as u16;
    out.extend(&directory);
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend(count.to_le_bytes());
    out.extend(count.to_le_bytes());
    out.extend((directory.len() as u32).to_le_bytes());
    out.extend(at.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}

/// A JPEG's start with an EXIF block holding a GPS latitude.
fn jpeg_with_gps() -> Vec<u8> {
    let mut t = b"MM\0*".to_vec();
    t.extend(8u32.to_be_bytes());
    t.extend(1u16.to_be_bytes());
    t.extend([0x88, 0x25, 0, 4]);
    t.extend(1u32.to_be_bytes());
    t.extend(26u32.to_be_bytes());
    t.extend(0u32.to_be_bytes());
    t.extend(1u16.to_be_bytes());
    t.extend([0, 2, 0, 5]);
    t.extend(3u32.to_be_bytes());
    t.extend(44u32.to_be_bytes());
    t.extend(0u32.to_be_bytes());
    for v in [39u32, 1, 54, 1, 0, 1] {
        t.extend(v.to_be_bytes());
    }
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
    jpeg.extend(((t.len() + 8) as u16).to_be_bytes());
    jpeg.extend(b"Exif\0\0");
    jpeg.extend(t);
    jpeg.extend([0xFF, 0xDA, 0, 2, 0, 0, 0xFF, 0xD9]);
    jpeg
}

#[test]
fn attachments_with_personal_metadata_are_named() {
    let site = TestSite::new();
    site.write_bytes("content/training/jichu/notes.pdf", &pdf_with_author());
    let core = "<?xml version=\"1.0\"?><cp:coreProperties xmlns:cp=\"x\" xmlns:dc=\"y\"><dc:title>培训</dc:title><dc:creator>李四</dc:creator><cp:lastModifiedBy>王五</cp:lastModifiedBy></cp:coreProperties>";
    let docx = zip(&[
        ("[Content_Types].xml", b"<Types/>".to_vec()),
        ("docProps/core.xml", core.as_bytes().to_vec()),
        (
            "docProps/app.xml",
            "<Properties><Company>某某街道</Company></Properties>"
                .as_bytes()
                .to_vec(),
        ),
        ("word/document.xml", b"<w:document/>".to_vec()),
        ("word/media/image1.jpeg", jpeg_with_gps()),
    ]);
    site.write_bytes("content/training/jichu/handout.docx", &docx);
    site.write(
        "content/training/jichu/_index.md",
        "---\ntitle: 社工基础\nlevel: 助理社工师\nattachments:\n  - title: 讲义\n    file: notes.pdf\n  - title: 手册\n    file: handout.docx\n---\n\n课程介绍。\n",
    );
    // A clean PDF, linked too, is not reported.
    site.write("content/training/jichu/clean.pdf", "%PDF-1.4\n%%EOF\n");
    site.write(
        "content/training/jichu/l2.md",
        "---\ntitle: 第二讲\nweight: 2\n---\n\n[下载](clean.pdf)\n",
    );
    let (found, _) = check_json(&site);
    let meta = with_code(&found, "W-FILE-METADATA");
    assert_eq!(meta.len(), 2, "{found:#?}");
    let of = |name: &str| {
        meta.iter()
            .find(|d| d["file"].as_str().is_some_and(|f| f.ends_with(name)))
            .map(|d| d["message"].as_str().unwrap_or_default().to_string())
            .unwrap_or_else(|| panic!("{name} not reported: {meta:#?}"))
    };
    let pdf = of("notes.pdf");
    assert!(pdf.contains("作者“张三”"), "{pdf}");
    // The program that made it is not a person.
    assert!(!pdf.contains("Word"), "{pdf}");
    let docx = of("handout.docx");
    for part in [
        "作者“李四”",
        "最后修改者“王五”",
        "单位“某某街道”",
        "image1.jpeg",
        "GPS",
    ] {
        assert!(docx.contains(part), "{part} in {docx}");
    }
    // Warnings: the site still builds.
    assert!(site.build().is_ok());
}

#[test]
fn a_photo_with_gps_is_not_reported_since_it_is_published_re_encoded() {
    // Photos are published re-encoded from their pixels (tests/suite/
    // images.rs checks that no GPS reaches the output): nothing to warn of.
    let site = TestSite::new();
    site.write_bytes(
        "content/news/photo.jpg",
        &crate::images::phone_jpeg(40, 30, 1),
    );
    news(&site, "", "![活动现场](photo.jpg)\n");
    let (found, _) = check_json(&site);
    assert!(
        with_code(&found, "W-FILE-METADATA").is_empty(),
        "{found:#?}"
    );
    assert!(found.iter().all(|d| d["severity"] != "error"), "{found:#?}");
}

#[test]
fn a_zip_bomb_costs_little() {
    // A central directory that claims a huge entry: read within limits.
    let site = TestSite::new();
    let mut docx = zip(&[("docProps/core.xml", vec![b'a'; 1 << 16])]);
    // Claim 4 GiB compressed for the one entry.
    let at = docx.len() - 22 - (46 + "docProps/core.xml".len());
    docx[at + 20..at + 24].copy_from_slice(&u32::MAX.to_le_bytes());
    site.write_bytes("content/training/jichu/big.xlsx", &docx);
    site.write(
        "content/training/jichu/l2.md",
        "---\ntitle: 第二讲\nweight: 2\n---\n\n[下载](big.xlsx)\n",
    );
    let started = std::time::Instant::now();
    let (found, _) = check_json(&site);
    assert!(
        with_code(&found, "W-FILE-METADATA").is_empty(),
        "{found:#?}"
    );
    assert!(started.elapsed().as_secs() < 20);
}

#[test]
fn the_workspace_checks_again_the_files_an_edit_changes() {
    use zhan::pipeline::{Options, Workspace};
    let site = TestSite::new();
    news(&site, "", "活动圆满结束。\n");
    let out = tempfile::tempdir().expect("temp");
    let mut ws = Workspace::open(Options {
        output: Some(out.path().join("live")),
        ..Options::new(site.path())
    });
    assert!(ws.build().succeeded());
    let id = id_number("11010519491231002");
    news(&site, "", &format!("身份证 {id}\n"));
    let report = ws.update(&[site.path().join(NEWS)]);
    assert!(
        report.diagnostics.iter().any(|d| d.code == "E-PRIVACY-ID"),
        "{:?}",
        report.diagnostics
    );
    news(
        &site,
        &format!("privacy_ok:\n  - value: {id}\n    why: 展板原文\n"),
        &format!("身份证 {id}\n"),
    );
    let report = ws.update(&[site.path().join(NEWS)]);
    assert!(report.succeeded(), "{:?}", report.diagnostics);
    assert_eq!(report.accepted.len(), 1);
    assert_eq!(report.accepted[0].why, "展板原文");
    news(&site, "", "活动圆满结束。\n");
    let report = ws.update(&[site.path().join(NEWS)]);
    assert!(report.succeeded() && report.accepted.is_empty());
}

#[test]
fn a_page_full_of_numbers_is_checked_quickly() {
    // Content is untrusted: 150,000 phone numbers on one page (one line)
    // are found, placed and reported in about linear time.
    let site = TestSite::new();
    let line = "13912345678 ".repeat(150_000);
    news(&site, "", &line);
    let started = std::time::Instant::now();
    let (found, printed) = check_json(&site);
    let took = started.elapsed();
    assert!(took.as_secs() < 30, "{took:?}");
    let phones = with_code(&found, "W-PRIVACY-PHONE");
    assert_eq!(phones.len(), 150_000);
    assert_eq!(phones[1]["column"].as_u64(), Some(13));
    assert!(!printed.contains("13912345678"));
}
