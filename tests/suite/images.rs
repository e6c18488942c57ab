//! Photos: processed at build time. The fixtures are made here: a JPEG
//! carrying EXIF (a GPS position, an orientation, a maker) and XMP, written
//! byte by byte, and a PNG with text chunks. The site must publish neither
//! the originals nor any of that metadata, upright, at the widths promised,
//! from the cache on a second build, and warn about missing text
//! alternatives.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use image::{GenericImageView, ImageEncoder, Rgb, RgbImage, Rgba, RgbaImage};
use zhan::pipeline::{self, Options, Workspace};

use crate::common;

/// A GPS position only a leak would put in the output.
const SECRET: &[u8] = b"Resident-Home-GPS";
const MAKER: &[u8] = b"PhoneMakerXYZ";
const XMP: &[u8] = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF><rdf:Description exif:GPSLatitude=\"39,54.5N\"/></rdf:RDF></x:xmpmeta>";

/// An EXIF block (the APP1 payload, `Exif\0\0` and a little-endian TIFF
/// structure): IFD0 with Make, Orientation and a pointer to a GPS IFD
/// holding a latitude, and the maker's secret string as ImageDescription.
fn exif_block(orientation: u16) -> Vec<u8> {
    let mut t: Vec<u8> = Vec::new();
    t.extend_from_slice(b"II*\0");
    t.extend_from_slice(&8u32.to_le_bytes());
    // IFD0 at 8: 4 entries (12 bytes each), then the next-IFD offset.
    let ifd0_entries = 4u16;
    let ifd0_end = 8 + 2 + 12 * u32::from(ifd0_entries) + 4;
    let make_at = ifd0_end;
    let make = [MAKER, b"\0"].concat();
    let desc_at = make_at + make.len() as u32;
    let desc = [SECRET, b"\0"].concat();
    let gps_at = desc_at + desc.len() as u32;
    let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&kind.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&value.to_le_bytes());
    };
    t.extend_from_slice(&ifd0_entries.to_le_bytes());
    entry(&mut t, 0x010E, 2, desc.len() as u32, desc_at); // ImageDescription
    entry(&mut t, 0x010F, 2, make.len() as u32, make_at); // Make
    entry(&mut t, 0x0112, 3, 1, u32::from(orientation)); // Orientation
    entry(&mut t, 0x8825, 4, 1, gps_at); // GPS IFD pointer
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&make);
    t.extend_from_slice(&desc);
    // GPS IFD: LatitudeRef "N", Latitude 39/1 54/1 30/1.
    let gps_entries = 2u16;
    let rationals_at = gps_at + 2 + 12 * u32::from(gps_entries) + 4;
    t.extend_from_slice(&gps_entries.to_le_bytes());
    entry(&mut t, 0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0"));
    entry(&mut t, 0x0002, 5, 3, rationals_at);
    t.extend_from_slice(&0u32.to_le_bytes());
    for (num, den) in [(39u32, 1u32), (54, 1), (30, 1)] {
        t.extend_from_slice(&num.to_le_bytes());
        t.extend_from_slice(&den.to_le_bytes());
    }
    [b"Exif\0\0".as_slice(), &t].concat()
}

/// An APP segment of `payload`.
fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let len = u16::try_from(payload.len() + 2).expect("segment fits");
    [&[0xFF, marker][..], &len.to_be_bytes(), payload].concat()
}

/// A photo `width`×`height` as stored (left half red, right half blue),
/// with EXIF (GPS, maker, `orientation`) and XMP segments after SOI.
pub(crate) fn phone_jpeg(width: u32, height: u32, orientation: u16) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, _| {
        if x < width / 2 {
            Rgb([220, 30, 30])
        } else {
            Rgb([30, 30, 220])
        }
    });
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, 90)
        .write_image(
            image.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgb8,
        )
        .expect("encode fixture");
    assert_eq!(&plain[..2], &[0xFF, 0xD8]);
    [
        &plain[..2],
        &segment(0xE1, &exif_block(orientation)),
        &segment(0xE1, XMP),
        &plain[2..],
    ]
    .concat()
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let len = u32::try_from(data.len()).expect("chunk fits");
    let crc = common::crc32(&[kind.as_slice(), data].concat());
    [&len.to_be_bytes()[..], kind, data, &crc.to_be_bytes()].concat()
}

/// A PNG with transparency (the bottom half clear) and tEXt, iTXt and eXIf
/// chunks after IHDR.
fn png_with_text(width: u32, height: u32) -> Vec<u8> {
    let image = RgbaImage::from_fn(width, height, |_, y| {
        if y < height / 2 {
            Rgba([10, 120, 40, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    let mut plain = Vec::new();
    image::codecs::png::PngEncoder::new(&mut plain)
        .write_image(
            image.as_raw(),
            width,
            height,
            image::ExtendedColorType::Rgba8,
        )
        .expect("encode fixture");
    // Signature (8) + IHDR chunk (4 + 4 + 13 + 4).
    let after_ihdr = 8 + 25;
    [
        &plain[..after_ihdr],
        &png_chunk(b"tEXt", &[b"Comment\0".as_slice(), SECRET].concat()),
        &png_chunk(
            b"iTXt",
            &[b"XML:com.adobe.xmp\0\0\0\0\0".as_slice(), XMP].concat(),
        ),
        &png_chunk(b"eXIf", &exif_block(1)[6..]),
        &plain[after_ihdr..],
    ]
    .concat()
}

/// Marks of metadata that must not be in a published image.
const MARKS: [&[u8]; 9] = [
    b"Exif\0",
    b"http://ns.adobe.com",
    b"xmpmeta",
    b"Photoshop 3.0",
    b"tEXt",
    b"iTXt",
    b"zTXt",
    b"eXIf",
    SECRET,
];

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The APP and COM segment markers of a JPEG, up to its image data.
fn jpeg_segments(bytes: &[u8]) -> Vec<u8> {
    assert_eq!(&bytes[..2], &[0xFF, 0xD8], "a JPEG");
    let mut markers = Vec::new();
    let mut at = 2;
    while at + 4 <= bytes.len() && bytes[at] == 0xFF {
        let marker = bytes[at + 1];
        if marker == 0xDA {
            break;
        }
        markers.push(marker);
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        at += 2 + len;
    }
    markers
}

struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    /// An empty site with a news item showing the two photos as a cover,
    /// in the body and in a gallery; `body` and `gallery` written as given.
    fn new(front: &str, body: &str) -> Site {
        let dir = tempfile::tempdir().expect("temp");
        zhan::scaffold::init_empty(&dir.path().join("site")).expect("init");
        let site = Site { dir };
        site.write_bytes("content/news/photo.jpg", &phone_jpeg(1600, 800, 6));
        site.write_bytes("content/news/logo.png", &png_with_text(500, 200));
        site.write(
            "content/news/kaimu.md",
            &format!("---\ntitle: 开幕\ndate: 2026-12-01\n{front}---\n\n{body}"),
        );
        site
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("site")
    }

    fn write(&self, rel: &str, text: &str) -> PathBuf {
        self.write_bytes(rel, text.as_bytes())
    }

    fn write_bytes(&self, rel: &str, bytes: &[u8]) -> PathBuf {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, bytes).expect("write");
        path
    }

    fn build(&self, out: &str) -> (pipeline::Report, PathBuf) {
        let output = self.dir.path().join(out);
        let report = pipeline::run(&Options {
            output: Some(output.clone()),
            ..Options::new(self.root())
        });
        assert!(report.succeeded(), "{:?}", report.diagnostics);
        (report, output)
    }
}

const FULL_FRONT: &str = "cover: photo.jpg\ncover_alt: 开幕式上的居民\ngallery:\n  - file: photo.jpg\n    caption: 开幕式\n  - file: logo.png\n    alt: 社工站标志\n";

/// The published images of the output, by path.
fn images_in(out: &Path) -> Vec<(String, Vec<u8>)> {
    common::snapshot(out)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".jpg") || p.ends_with(".png"))
        .collect()
}

#[test]
fn photos_are_published_upright_resized_and_without_metadata() {
    let original = phone_jpeg(1600, 800, 6);
    // The fixture itself carries what must go: an EXIF reader finds it.
    let exif = exif::Reader::new()
        .read_from_container(&mut Cursor::new(&original))
        .expect("the fixture has EXIF");
    assert!(
        exif.get_field(exif::Tag::GPSLatitude, exif::In::PRIMARY)
            .is_some()
    );
    assert!(
        exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)
            .is_some()
    );

    let site = Site::new(FULL_FRONT, "![开幕式全景](photo.jpg)\n");
    let (_, out) = site.build("out");
    let published = images_in(&out);
    let names: Vec<&str> = published.iter().map(|(p, _)| p.as_str()).collect();
    // Originals are not published; the photo is 800×1600 upright: 360,
    // 720 and its own 800; the logo 500 wide: 360 and 500, as PNG (it is
    // transparent).
    assert!(!names.contains(&"news/photo.jpg"), "{names:?}");
    assert!(!names.contains(&"news/logo.png"), "{names:?}");
    let widths_of = |stem: &str, ext: &str| -> Vec<u32> {
        let mut widths: Vec<u32> = published
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("news/{stem}-")) && p.ends_with(ext))
            .map(|(p, bytes)| {
                let image = image::load_from_memory(bytes).expect("decodes");
                let width: u32 = p
                    .split('-')
                    .nth(1)
                    .and_then(|w| w.parse().ok())
                    .expect("width");
                assert_eq!(image.width(), width, "{p}");
                width
            })
            .collect();
        widths.sort_unstable();
        widths
    };
    assert_eq!(widths_of("photo", ".jpg"), [360, 720, 800]);
    assert_eq!(widths_of("logo", ".png"), [360, 500]);
    assert_eq!(published.len(), 5, "{names:?}");

    for (path, bytes) in &published {
        for mark in MARKS {
            assert!(
                !contains(bytes, mark),
                "{path} carries {:?}",
                String::from_utf8_lossy(mark)
            );
        }
        assert!(
            exif::Reader::new()
                .read_from_container(&mut Cursor::new(bytes))
                .is_err(),
            "{path}: an EXIF reader still finds EXIF"
        );
        if path.ends_with(".jpg") {
            // SOI, then only the JFIF header and the coding tables: no APP1
            // (EXIF, XMP), APP13 (IPTC) or comment.
            let segments = jpeg_segments(bytes);
            assert!(
                segments
                    .iter()
                    .all(|m| *m == 0xE0 || matches!(m, 0xDB | 0xC0..=0xC2 | 0xC4 | 0xDD)),
                "{path}: segments {segments:02X?}"
            );
            // Upright: taller than wide, the red half (the source's left)
            // now on top, the blue one below.
            let image = image::load_from_memory(bytes).expect("decodes").to_rgb8();
            let (w, h) = image.dimensions();
            assert_eq!(h, w * 2, "{path}");
            let top = image.get_pixel(w / 2, h / 8);
            let bottom = image.get_pixel(w / 2, h * 7 / 8);
            assert!(top[0] > 150 && top[2] < 100, "{path}: top {top:?}");
            assert!(
                bottom[2] > 150 && bottom[0] < 100,
                "{path}: bottom {bottom:?}"
            );
        } else {
            let image = image::load_from_memory(bytes).expect("decodes");
            assert!(image.color().has_alpha(), "{path}: transparency kept");
            let (w, h) = image.dimensions();
            assert_eq!(image.get_pixel(w / 2, h - 1)[3], 0, "{path}");
            assert_eq!(image.get_pixel(w / 2, 0)[3], 255, "{path}");
        }
    }

    // The page: cover, body image and gallery as responsive images.
    let html = std::fs::read_to_string(out.join("news/kaimu/index.html")).expect("page");
    let srcsets = html.matches("srcset=\"").count();
    assert_eq!(srcsets, 4, "cover, body, two gallery photos:\n{html}");
    let photo_720 = names
        .iter()
        .find(|n| n.starts_with("news/photo-720-"))
        .expect("720 variant");
    // Relative to the page, news/kaimu/: the photo sits in news/.
    let relative = photo_720.trim_start_matches("news/");
    assert!(html.contains(&format!("src=\"../{relative}\"")), "{html}");
    assert!(html.contains(" 360w, "), "{html}");
    assert!(html.contains(" 800w\""), "{html}");
    assert!(html.contains("width=\"800\" height=\"1600\""), "{html}");
    assert!(html.contains("alt=\"开幕式全景\""));
    // Search engines get the cover too: a published variant, by its full address.
    let ld_start = "<script type=\"application/ld+json\">";
    let ld = html
        .split(ld_start)
        .nth(1)
        .and_then(|rest| rest.split("</script>").next());
    let ld: serde_json::Value = serde_json::from_str(ld.expect("JSON-LD")).expect("JSON");
    let image = ld["image"].as_str().expect("image in the JSON-LD");
    assert!(
        image.starts_with("http") && image.contains("/news/photo-") && image.ends_with(".jpg"),
        "{image}"
    );
    assert!(names.iter().any(|n| image.ends_with(*n)), "{image}");
    assert!(html.contains("alt=\"开幕式上的居民\""));
    assert!(html.contains("<figcaption>开幕式</figcaption>"));
    assert!(html.contains("alt=\"社工站标志\""));
    assert_eq!(
        html.matches("loading=\"lazy\" decoding=\"async\"").count(),
        4
    );
    assert!(html.contains("sizes=\""));
    assert!(!html.contains("photo.jpg\""), "no link to the original");
    // The site's hidden cache never reaches the output.
    assert!(site.root().join(".zhan/cache/images/index.json").is_file());
    assert!(!common::snapshot(&out).keys().any(|p| p.contains(".zhan/")));
}

#[test]
fn a_second_build_takes_every_photo_from_the_cache() {
    let site = Site::new(FULL_FRONT, "正文。\n");
    let (first, out1) = site.build("out1");
    assert_eq!(first.images_encoded, 2);
    let (second, out2) = site.build("out2");
    assert_eq!(second.images_encoded, 0, "nothing encoded again");
    assert_eq!(images_in(&out1), images_in(&out2));
    // Another photo with the same bytes under another name is not encoded
    // again either.
    std::fs::copy(
        site.root().join("content/news/photo.jpg"),
        site.root().join("content/news/copy.jpg"),
    )
    .expect("copy");
    let (third, _) = site.build("out3");
    assert_eq!(third.images_encoded, 0);
    // Built again into the first folder, whose files are reused as the
    // cache's hashes say: the same photos.
    let (again, out1_again) = site.build("out1");
    assert_eq!(again.images_encoded, 0);
    let before: Vec<(String, Vec<u8>)> = images_in(&out2);
    let after: Vec<(String, Vec<u8>)> = images_in(&out1_again)
        .into_iter()
        .filter(|(p, _)| !p.starts_with("news/copy-"))
        .collect();
    assert_eq!(before, after);
}

#[test]
fn editing_a_photo_in_serve_reencodes_only_it_and_matches_a_clean_build() {
    let site = Site::new(FULL_FRONT, "![开幕式全景](photo.jpg)\n");
    let live = site.dir.path().join("live");
    let mut ws = Workspace::open(Options {
        output: Some(live.clone()),
        ..Options::new(site.root())
    });
    let first = ws.build();
    assert!(first.succeeded(), "{:?}", first.diagnostics);
    // A text edit: no photo encoded.
    let page = site.write(
        "content/news/kaimu.md",
        &format!(
            "---\ntitle: 开幕了\ndate: 2026-12-01\n{FULL_FRONT}---\n\n![开幕式全景](photo.jpg)\n"
        ),
    );
    let r = ws.update(&[page]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    assert_eq!(r.images_encoded, 0);
    // The photo replaced by a wider one, upright as stored: encoded once,
    // and the page (its width, height and addresses) follows.
    let photo = site.write_bytes("content/news/photo.jpg", &phone_jpeg(1200, 900, 1));
    let r = ws.update(&[photo]);
    assert!(r.succeeded(), "{:?}", r.diagnostics);
    assert_eq!(r.images_encoded, 1);
    let html = std::fs::read_to_string(live.join("news/kaimu/index.html")).expect("page");
    assert!(html.contains("width=\"1200\" height=\"900\""), "{html}");
    let (_, full) = site.build("full");
    common::assert_same_files(&common::snapshot(&live), &common::snapshot(&full));
}

#[test]
fn images_without_a_text_alternative_are_warned_about() {
    let front =
        "cover: photo.jpg\ngallery:\n  - file: photo.jpg\n  - file: logo.png\n    caption: 标志\n";
    let site = Site::new(front, "第一段。\n\n![](photo.jpg)\n");
    let output = zhan_build_json(&site);
    let found = |code: &str| -> Vec<serde_json::Value> {
        output
            .iter()
            .filter(|d| d["code"] == code)
            .cloned()
            .collect()
    };
    let file = "content/news/kaimu.md";
    let cover = found("W-COVER-ALT");
    assert_eq!(cover.len(), 1, "{output:?}");
    assert_eq!(
        cover[0]["file"].as_str().map(|f| f.ends_with(file)),
        Some(true)
    );
    assert_eq!(
        (cover[0]["line"].as_u64(), cover[0]["column"].as_u64()),
        (Some(4), Some(8))
    );
    assert!(
        cover[0]["hint"]
            .as_str()
            .is_some_and(|h| h.contains("cover_alt"))
    );
    let gallery = found("W-GALLERY-ALT");
    assert_eq!(
        gallery.len(),
        1,
        "only the photo without caption or alt: {output:?}"
    );
    assert_eq!(gallery[0]["line"].as_u64(), Some(6));
    let body = found("W-IMAGE-ALT");
    assert_eq!(body.len(), 1, "{output:?}");
    assert_eq!(
        (body[0]["line"].as_u64(), body[0]["column"].as_u64()),
        (Some(13), Some(1))
    );
    assert!(common::has_chinese(
        body[0]["message"].as_str().unwrap_or_default()
    ));
    assert!(body[0]["hint"].as_str().is_some_and(|h| h.contains("![")));
}

/// `zhan build --message-format json` of the site: its problems.
fn zhan_build_json(site: &Site) -> Vec<serde_json::Value> {
    let result = common::zhan()
        .arg("--root")
        .arg(site.root())
        .args(["--message-format", "json", "build", "--output"])
        .arg(site.dir.path().join("out"))
        .output()
        .expect("run zhan");
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    String::from_utf8_lossy(&result.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn a_damaged_photo_stops_the_build_and_is_not_published() {
    let site = Site::new(FULL_FRONT, "正文。\n");
    let mut broken = phone_jpeg(64, 64, 1);
    broken.truncate(300);
    site.write_bytes("content/news/photo.jpg", &broken);
    let report = pipeline::run(&Options {
        output: Some(site.dir.path().join("out")),
        ..Options::new(site.root())
    });
    let errors: Vec<_> = report.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(
        errors
            .iter()
            .any(|d| d.code == "E-IMAGE-UNREADABLE" && d.file.ends_with("photo.jpg")),
        "{errors:?}"
    );
    assert!(!site.dir.path().join("out/news/photo.jpg").exists());
}
