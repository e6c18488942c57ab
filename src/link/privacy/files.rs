//! Metadata in files published as they are: who wrote a PDF or an Office
//! document, the company it was written at, where a photo was taken.
//!
//! Content is untrusted input, so every read is bounded: a file is read in
//! pieces of known size (never whole when large), a zip's central directory
//! and its entries are limited in number and size, and a compressed entry is
//! inflated only up to what the check needs (a zip bomb costs a few MiB).
//! A file that cannot be read this way is not reported: it is published all
//! the same, and the copy step reports files it cannot read.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::diagnostics::{Diagnostic, Pos};
use crate::load::Asset;
use crate::messages::{Arg, text};

/// A piece of metadata that names a person, a place or an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Meta {
    Author(String),
    LastModifiedBy(String),
    Company(String),
    Manager(String),
    /// The name of a custom document property.
    Custom(String),
    /// A PDF's Creator or Producer when it is not a program's name.
    Creator(String),
    /// The position a photo was taken at.
    Gps,
    /// The position in a photo inside the document (its name there).
    PhotoGps(String),
}

impl Meta {
    /// How a worker reads it: 作者“张三”, GPS位置.
    fn words(&self) -> String {
        let (key, value) = match self {
            Meta::Author(v) => ("ui.privacy-meta-author", v.as_str()),
            Meta::LastModifiedBy(v) => ("ui.privacy-meta-last-modified-by", v.as_str()),
            Meta::Company(v) => ("ui.privacy-meta-company", v.as_str()),
            Meta::Manager(v) => ("ui.privacy-meta-manager", v.as_str()),
            Meta::Custom(v) => ("ui.privacy-meta-custom", v.as_str()),
            Meta::Creator(v) => ("ui.privacy-meta-creator", v.as_str()),
            Meta::Gps => ("ui.privacy-meta-gps", ""),
            Meta::PhotoGps(v) => ("ui.privacy-meta-photo-gps", v.as_str()),
        };
        let shown: String = value.chars().take(40).collect();
        text(key, &[("value", Arg::Text(shown))])
    }
}

/// The kinds of file checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Office,
    Jpeg,
    Png,
}

impl FileType {
    pub fn of(path: &str) -> Option<FileType> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "pdf" => Some(FileType::Pdf),
            "docx" | "xlsx" | "pptx" | "docm" | "xlsm" | "pptm" => Some(FileType::Office),
            "jpg" | "jpeg" => Some(FileType::Jpeg),
            "png" => Some(FileType::Png),
            _ => None,
        }
    }

    fn hint(self) -> &'static str {
        match self {
            FileType::Pdf => "H-FILE-METADATA-PDF",
            FileType::Office => "H-FILE-METADATA-OFFICE",
            FileType::Jpeg | FileType::Png => "H-FILE-METADATA-PHOTO",
        }
    }
}

/// The warning for an asset carrying personal metadata, if it does.
pub fn check_asset(asset: &Asset) -> Option<Diagnostic> {
    let kind = FileType::of(&asset.path)?;
    let found = metadata_of(kind, &asset.source);
    if found.is_empty() {
        return None;
    }
    let words: Vec<String> = found.iter().map(Meta::words).collect();
    let separator = text("ui.list-separator", &[]);
    Some(
        Diagnostic::warning(asset.display.as_str(), Pos::START, "W-FILE-METADATA")
            .arg("found", words.join(&separator))
            .with_hint(kind.hint()),
    )
}

/// The metadata of the file at `path`; empty when it has none or cannot
/// be read.
pub fn metadata_of(kind: FileType, path: &Path) -> Vec<Meta> {
    let Ok(mut file) = File::open(path) else {
        return Vec::new();
    };
    let size = file.metadata().map_or(0, |m| m.len());
    let mut found = match kind {
        FileType::Pdf => read_pdf(&mut file, size).map(|b| pdf(&b)),
        FileType::Office => office(&mut file, size),
        FileType::Jpeg => read_head(&mut file, IMAGE_HEAD).map(|b| jpeg(&b)),
        FileType::Png => read_head(&mut file, IMAGE_HEAD).map(|b| png(&b)),
    }
    .unwrap_or_default();
    let mut unique = Vec::with_capacity(found.len());
    for m in found.drain(..) {
        if !unique.contains(&m) {
            unique.push(m);
        }
    }
    unique
}

/// How much of a photo is read: its metadata comes before the picture.
const IMAGE_HEAD: u64 = 256 * 1024;
/// A PDF up to this size is read whole; a larger one, this much of its
/// start and of its end (where the document information usually is).
const PDF_WHOLE: u64 = 32 * 1024 * 1024;
const PDF_PART: u64 = 8 * 1024 * 1024;

fn read_head(file: &mut File, limit: u64) -> Option<Vec<u8>> {
    let mut bytes = Vec::new();
    file.take(limit).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

fn read_at(file: &mut File, offset: u64, len: u64) -> Option<Vec<u8>> {
    file.seek(SeekFrom::Start(offset)).ok()?;
    let mut bytes = Vec::new();
    file.take(len).read_to_end(&mut bytes).ok()?;
    (bytes.len() as u64 == len).then_some(bytes)
}

fn read_pdf(file: &mut File, size: u64) -> Option<Vec<u8>> {
    if size <= PDF_WHOLE {
        return read_head(file, PDF_WHOLE);
    }
    let mut bytes = read_at(file, 0, PDF_PART)?;
    bytes.extend(read_at(file, size - PDF_PART, PDF_PART)?);
    Some(bytes)
}

// ---------------------------------------------------------------- PDF

/// How many compressed object streams of a PDF are opened, and how much
/// each may inflate to.
const PDF_STREAMS: usize = 64;
const PDF_STREAM_OUT: usize = 4 * 1024 * 1024;

/// The metadata of a PDF: the document information dictionary (`/Author`,
/// `/Creator`, `/Producer`, also inside compressed object streams), the XMP
/// packet's `dc:creator` and GPS, and GPS in embedded JPEG photos.
pub fn pdf(bytes: &[u8]) -> Vec<Meta> {
    let mut found = pdf_info(bytes);
    let mut opened = 0;
    for at in memchr::memmem::find_iter(bytes, b"/ObjStm") {
        if opened == PDF_STREAMS {
            break;
        }
        if let Some(inflated) = pdf_stream_after(bytes, at) {
            opened += 1;
            found.extend(pdf_info(&inflated));
        }
    }
    found.extend(xmp(bytes));
    if exif_blocks(bytes).any(|tiff| tiff_metadata(tiff).gps) {
        found.push(Meta::Gps);
    }
    found
}

fn pdf_info(bytes: &[u8]) -> Vec<Meta> {
    let mut found = Vec::new();
    for (name, make) in [
        (&b"/Author"[..], Meta::Author as fn(String) -> Meta),
        (b"/Creator", Meta::Creator),
        (b"/Producer", Meta::Creator),
    ] {
        for at in memchr::memmem::find_iter(bytes, name).take(16) {
            let after = at + name.len();
            // `/CreatorTool` and the like are other names.
            if bytes.get(after).is_some_and(u8::is_ascii_alphanumeric) {
                continue;
            }
            let Some(value) = pdf_string(&bytes[after..]) else {
                continue;
            };
            let value = value.trim().to_string();
            let is_person = name == b"/Author" || !looks_like_a_program(&value);
            if !value.is_empty() && is_person {
                found.push(make(value));
            }
        }
    }
    found
}

/// Office programs and PDF libraries name themselves in Latin letters
/// (`Microsoft® Word 2016`, `WPS 文字`, `LibreOffice 7.6`); a Creator
/// without any is a person's name.
fn looks_like_a_program(value: &str) -> bool {
    value.chars().any(|c| c.is_ascii_alphabetic())
}

/// The string object at the start of `b` (after white space): a literal
/// `(…)` or a hexadecimal `<…>` string, decoded.
fn pdf_string(b: &[u8]) -> Option<String> {
    let start = b.iter().position(|c| !c.is_ascii_whitespace())?;
    let b = &b[start..];
    let mut raw = Vec::new();
    match b.first()? {
        b'(' => {
            let mut depth = 0usize;
            let mut i = 1;
            while i < b.len() && raw.len() < 4096 {
                match b[i] {
                    b'\\' => {
                        i += 1;
                        let c = *b.get(i)?;
                        match c {
                            b'n' => raw.push(b'\n'),
                            b'r' => raw.push(b'\r'),
                            b't' => raw.push(b'\t'),
                            b'b' => raw.push(8),
                            b'f' => raw.push(12),
                            b'0'..=b'7' => {
                                let mut v = u32::from(c - b'0');
                                for _ in 0..2 {
                                    match b.get(i + 1) {
                                        Some(d @ b'0'..=b'7') => {
                                            v = v * 8 + u32::from(d - b'0');
                                            i += 1;
                                        }
                                        _ => break,
                                    }
                                }
                                raw.push((v & 0xff) as u8);
                            }
                            b'\r' | b'\n' => {}
                            other => raw.push(other),
                        }
                    }
                    b'(' => {
                        depth += 1;
                        raw.push(b'(');
                    }
                    b')' if depth == 0 => break,
                    b')' => {
                        depth -= 1;
                        raw.push(b')');
                    }
                    c => raw.push(c),
                }
                i += 1;
            }
        }
        b'<' if b.get(1) != Some(&b'<') => {
            let end = b.iter().position(|&c| c == b'>')?;
            let hex: Vec<u8> = b[1..end]
                .iter()
                .copied()
                .filter(u8::is_ascii_hexdigit)
                .collect();
            for pair in hex.chunks(2).take(4096) {
                let digit = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                let low = pair.get(1).map_or(0, |&c| digit(c));
                raw.push(digit(pair[0]) << 4 | low);
            }
        }
        _ => return None,
    }
    Some(decode_text_string(&raw))
}

/// A PDF text string: UTF-16BE after a byte order mark, UTF-8 after its
/// mark (PDF 2.0), else PDFDocEncoding (read as Latin-1, which it is for
/// letters and digits).
fn decode_text_string(raw: &[u8]) -> String {
    if let Some(utf16) = raw.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = utf16
            .chunks_exact(2)
            .map(|p| u16::from_be_bytes([p[0], p[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(utf8) = raw.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(utf8).into_owned();
    }
    raw.iter().map(|&c| char::from(c)).collect()
}

/// The inflated data of the stream whose dictionary holds byte `at`.
fn pdf_stream_after(bytes: &[u8], at: usize) -> Option<Vec<u8>> {
    let rest = &bytes[at..];
    let keyword = memchr::memmem::find(&rest[..rest.len().min(4096)], b"stream")?;
    let mut start = at + keyword + b"stream".len();
    if bytes.get(start) == Some(&b'\r') {
        start += 1;
    }
    if bytes.get(start) == Some(&b'\n') {
        start += 1;
    }
    let dictionary = &bytes[at..at + keyword];
    // Only Flate: other filters do not hold object streams in practice.
    memchr::memmem::find(dictionary, b"/FlateDecode")?;
    let end = start + memchr::memmem::find(&bytes[start..], b"endstream")?;
    inflate_zlib(&bytes[start..end], PDF_STREAM_OUT)
}

fn inflate_zlib(data: &[u8], limit: usize) -> Option<Vec<u8>> {
    match miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(data, limit) {
        Ok(out) => Some(out),
        Err(e) if !e.output.is_empty() => Some(e.output),
        Err(_) => None,
    }
}

fn inflate_raw(data: &[u8], limit: usize) -> Option<Vec<u8>> {
    match miniz_oxide::inflate::decompress_to_vec_with_limit(data, limit) {
        Ok(out) => Some(out),
        // Over the limit or cut short: what came out is still read.
        Err(e) if !e.output.is_empty() => Some(e.output),
        Err(_) => None,
    }
}

// ---------------------------------------------------------------- XMP

/// The people and places of the XMP packets in `bytes`.
fn xmp(bytes: &[u8]) -> Vec<Meta> {
    let mut found = Vec::new();
    for start in memchr::memmem::find_iter(bytes, b"<x:xmpmeta").take(8) {
        let rest = &bytes[start..];
        let end = memchr::memmem::find(rest, b"</x:xmpmeta>").unwrap_or(rest.len().min(1 << 20));
        let packet = String::from_utf8_lossy(&rest[..end]);
        if let Some(creators) = element(&packet, "dc:creator") {
            for name in elements(creators, "rdf:li") {
                found.push(Meta::Author(name));
            }
        }
        if packet.contains("GPSLatitude") || packet.contains("GPSLongitude") {
            found.push(Meta::Gps);
        }
    }
    found
}

/// The text inside the first `<name …>…</name>` of `xml`.
fn element<'x>(xml: &'x str, name: &str) -> Option<&'x str> {
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut from = 0;
    while let Some(i) = xml[from..].find(&open) {
        let at = from + i + open.len();
        // `<dc:creatorX` is another element.
        match xml[at..].chars().next() {
            Some('>' | ' ' | '\t' | '\n' | '\r' | '/') => {}
            _ => {
                from = at;
                continue;
            }
        }
        let body_start = at + xml[at..].find('>')? + 1;
        if xml[..body_start].ends_with("/>") {
            return Some("");
        }
        let body_end = body_start + xml[body_start..].find(&close)?;
        return Some(&xml[body_start..body_end]);
    }
    None
}

/// The texts of every `<name>…</name>` in `xml`, unescaped and not empty.
fn elements(xml: &str, name: &str) -> Vec<String> {
    let close = format!("</{name}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(text) = element(rest, name) {
        let value = unescape(text.trim());
        if !value.is_empty() {
            out.push(value);
        }
        let Some(end) = rest.find(&close) else { break };
        rest = &rest[end + close.len()..];
        if out.len() > 16 {
            break;
        }
    }
    out
}

/// XML text with its entities and character references replaced.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let Some(semi) = after.find(';').filter(|&s| s <= 10) else {
            out.push('&');
            rest = after;
            continue;
        };
        let entity = &after[..semi];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------- Office (zip)

/// Limits on reading a zip: entries listed, photos opened, how much of an
/// entry is read and inflated, and in total.
const ZIP_ENTRIES: usize = 20_000;
const ZIP_DIRECTORY: u64 = 8 * 1024 * 1024;
const ZIP_PHOTOS: usize = 200;
const XML_LIMIT: usize = 2 * 1024 * 1024;
const ZIP_TOTAL: u64 = 64 * 1024 * 1024;

/// One entry of a zip's central directory.
struct ZipEntry {
    name: String,
    method: u16,
    compressed: u64,
    offset: u64,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The central directory of the zip `file` (of `size` bytes).
fn zip_entries(file: &mut File, size: u64) -> Option<Vec<ZipEntry>> {
    // The end record is in the last 22 bytes plus a comment of up to 64 KiB.
    let tail_len = size.min(22 + 65_535);
    let tail = read_at(file, size - tail_len, tail_len)?;
    let end = memchr::memmem::rfind(&tail, b"PK\x05\x06")?;
    let count = usize::from(u16_at(&tail, end + 10)?);
    let dir_size = u64::from(u32_at(&tail, end + 12)?);
    let dir_offset = u64::from(u32_at(&tail, end + 16)?);
    if count > ZIP_ENTRIES || dir_size > ZIP_DIRECTORY || dir_offset + dir_size > size {
        return None;
    }
    let dir = read_at(file, dir_offset, dir_size)?;
    let mut entries = Vec::with_capacity(count);
    let mut at = 0;
    for _ in 0..count {
        if u32_at(&dir, at)? != 0x0201_4b50 {
            return None;
        }
        let name_len = usize::from(u16_at(&dir, at + 28)?);
        let extra_len = usize::from(u16_at(&dir, at + 30)?);
        let comment_len = usize::from(u16_at(&dir, at + 32)?);
        let name = dir.get(at + 46..at + 46 + name_len)?;
        entries.push(ZipEntry {
            name: String::from_utf8_lossy(name).into_owned(),
            method: u16_at(&dir, at + 10)?,
            compressed: u64::from(u32_at(&dir, at + 20)?),
            offset: u64::from(u32_at(&dir, at + 42)?),
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(entries)
}

/// Up to `limit` bytes of the data of `entry`, inflated; `budget` is what
/// may still be read of the file.
fn zip_read(file: &mut File, entry: &ZipEntry, limit: usize, budget: &mut u64) -> Option<Vec<u8>> {
    let header = read_at(file, entry.offset, 30)?;
    if u32_at(&header, 0)? != 0x0403_4b50 {
        return None;
    }
    let skip = 30 + u64::from(u16_at(&header, 26)?) + u64::from(u16_at(&header, 28)?);
    // Deflate rarely shrinks photos; XML shrinks up to ~50 times.
    let wanted = entry.compressed.min(limit as u64).min(*budget);
    *budget -= wanted;
    let data = read_at(file, entry.offset + skip, wanted)?;
    match entry.method {
        0 => Some(data),
        8 => inflate_raw(&data, limit),
        _ => None,
    }
}

/// The metadata of an Office document: `docProps/core.xml` (author, last
/// modified by), `docProps/app.xml` (company, manager), the custom
/// properties, and GPS in the photos inside it.
fn office(file: &mut File, size: u64) -> Option<Vec<Meta>> {
    let entries = zip_entries(file, size)?;
    let mut budget = ZIP_TOTAL;
    let mut found = Vec::new();
    let mut photos = 0;
    for entry in &entries {
        let name = entry.name.as_str();
        let lower = name.to_ascii_lowercase();
        match name {
            "docProps/core.xml" | "docProps/app.xml" | "docProps/custom.xml" => {
                let Some(xml) = zip_read(file, entry, XML_LIMIT, &mut budget) else {
                    continue;
                };
                found.extend(office_properties(name, &String::from_utf8_lossy(&xml)));
            }
            _ if lower.contains("/media/")
                && (lower.ends_with(".jpg")
                    || lower.ends_with(".jpeg")
                    || lower.ends_with(".png"))
                && photos < ZIP_PHOTOS =>
            {
                photos += 1;
                let Some(head) = zip_read(file, entry, IMAGE_HEAD as usize, &mut budget) else {
                    continue;
                };
                let inner = if lower.ends_with(".png") {
                    png(&head)
                } else {
                    jpeg(&head)
                };
                if inner.contains(&Meta::Gps) {
                    let short = name.rsplit('/').next().unwrap_or(name);
                    found.push(Meta::PhotoGps(short.to_string()));
                }
            }
            _ => {}
        }
    }
    Some(found)
}

/// What one of the `docProps` parts says about people.
pub fn office_properties(part: &str, xml: &str) -> Vec<Meta> {
    let mut found = Vec::new();
    let text = |name: &str| {
        element(xml, name)
            .map(|t| unescape(t.trim()))
            .filter(|t| !t.is_empty())
    };
    match part {
        "docProps/core.xml" => {
            found.extend(text("dc:creator").map(Meta::Author));
            found.extend(text("cp:lastModifiedBy").map(Meta::LastModifiedBy));
        }
        "docProps/app.xml" => {
            found.extend(text("Company").map(Meta::Company));
            found.extend(text("Manager").map(Meta::Manager));
        }
        _ => {
            // <property fmtid="…" pid="2" name="审核人">…</property>
            let mut rest = xml;
            while let Some(i) = rest.find("<property ") {
                rest = &rest[i + 10..];
                let Some(n) = rest.find("name=\"") else { break };
                let value = &rest[n + 6..];
                let Some(end) = value.find('"') else { break };
                found.push(Meta::Custom(unescape(&value[..end])));
                if found.len() > 16 {
                    break;
                }
            }
        }
    }
    found
}

// ------------------------------------------------------------- photos

/// The metadata of the start of a JPEG: its EXIF (GPS, artist) and XMP.
pub fn jpeg(b: &[u8]) -> Vec<Meta> {
    let mut found = Vec::new();
    if !b.starts_with(&[0xFF, 0xD8]) {
        return found;
    }
    let mut at = 2;
    while at + 4 <= b.len() && b[at] == 0xFF {
        let marker = b[at + 1];
        // Start of scan: the picture itself follows.
        if marker == 0xDA {
            break;
        }
        let len = usize::from(u16::from_be_bytes([b[at + 2], b[at + 3]]));
        if len < 2 {
            break;
        }
        let segment = &b[at + 4..(at + 2 + len).min(b.len())];
        if marker == 0xE1 {
            if let Some(tiff) = segment.strip_prefix(b"Exif\0\0") {
                found.extend(tiff_metadata(tiff).metas());
            } else {
                found.extend(xmp(segment));
            }
        }
        at += 2 + len;
    }
    found
}

/// The metadata of the start of a PNG: an `eXIf` chunk, XMP and author
/// text chunks.
pub fn png(b: &[u8]) -> Vec<Meta> {
    let mut found = Vec::new();
    if !b.starts_with(b"\x89PNG\r\n\x1a\n") {
        return found;
    }
    let mut at = 8;
    while at + 8 <= b.len() {
        let len = u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize;
        let kind = &b[at + 4..at + 8];
        let data = &b[(at + 8).min(b.len())..(at + 8).saturating_add(len).min(b.len())];
        match kind {
            b"eXIf" => found.extend(tiff_metadata(data).metas()),
            b"iTXt" | b"tEXt" => {
                let keyword_end = data.iter().position(|&c| c == 0).unwrap_or(data.len());
                let keyword = &data[..keyword_end];
                if keyword == b"XML:com.adobe.xmp" {
                    found.extend(xmp(data));
                } else if keyword == b"Author" && kind == b"tEXt" {
                    let value = String::from_utf8_lossy(data.get(keyword_end + 1..).unwrap_or(&[]));
                    if !value.trim().is_empty() {
                        found.push(Meta::Author(value.trim().to_string()));
                    }
                }
            }
            b"IEND" => break,
            _ => {}
        }
        at = at.saturating_add(12).saturating_add(len);
    }
    found
}

/// The EXIF (TIFF) blocks inside `bytes`, as JPEG photos embedded in a PDF
/// keep them.
fn exif_blocks(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    memchr::memmem::find_iter(bytes, b"Exif\0\0")
        .take(64)
        .map(move |at| &bytes[at + 6..])
}

/// What an EXIF block says about place and person.
#[derive(Debug, Default)]
struct Exif {
    gps: bool,
    artist: Option<String>,
}

impl Exif {
    fn metas(self) -> Vec<Meta> {
        let mut out: Vec<Meta> = self.artist.into_iter().map(Meta::Author).collect();
        if self.gps {
            out.push(Meta::Gps);
        }
        out
    }
}

/// Reads a TIFF structure (the body of an EXIF block): the GPS directory's
/// latitude or longitude, and the Artist and XPAuthor tags.
fn tiff_metadata(t: &[u8]) -> Exif {
    let mut exif = Exif::default();
    let little = match t.get(..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        _ => return exif,
    };
    let u16_of = |at: usize| -> Option<u16> {
        let b: [u8; 2] = t.get(at..at + 2)?.try_into().ok()?;
        Some(if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u32_of = |at: usize| -> Option<u32> {
        let b: [u8; 4] = t.get(at..at + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    // (tag, type, count, where its value is) of each entry of a directory.
    let entries = |ifd: usize| -> Vec<(u16, u16, usize, usize)> {
        let Some(count) = u16_of(ifd) else {
            return Vec::new();
        };
        (0..usize::from(count).min(512))
            .filter_map(|n| {
                let at = ifd + 2 + n * 12;
                let tag = u16_of(at)?;
                let kind = u16_of(at + 2)?;
                let count = u32_of(at + 4)? as usize;
                let size: usize = match kind {
                    1 | 2 | 6 | 7 => 1,
                    3 | 8 => 2,
                    4 | 9 | 11 => 4,
                    _ => 8,
                };
                let value = if size.saturating_mul(count) <= 4 {
                    at + 8
                } else {
                    u32_of(at + 8)? as usize
                };
                Some((tag, kind, count, value))
            })
            .collect()
    };
    let Some(ifd0) = u32_of(4) else { return exif };
    for (tag, _, count, value) in entries(ifd0 as usize) {
        let bytes = t.get(value..value.saturating_add(count.min(1024)));
        match tag {
            0x8825 => {
                let Some(gps_ifd) = u32_of(value) else {
                    continue;
                };
                // GPSLatitude (2) or GPSLongitude (4) with a value: a
                // position, not just the version phones always write.
                exif.gps = entries(gps_ifd as usize)
                    .iter()
                    .any(|&(tag, _, count, _)| matches!(tag, 2 | 4) && count > 0);
            }
            0x013B => {
                let name = bytes.map(|b| {
                    String::from_utf8_lossy(b)
                        .trim_end_matches('\0')
                        .trim()
                        .to_string()
                });
                exif.artist = name.filter(|n| !n.is_empty()).or(exif.artist);
            }
            0x9C9D => {
                let name = bytes.map(|b| {
                    let units: Vec<u16> = b
                        .chunks_exact(2)
                        .map(|p| u16::from_le_bytes([p[0], p[1]]))
                        .collect();
                    String::from_utf16_lossy(&units)
                        .trim_end_matches('\0')
                        .trim()
                        .to_string()
                });
                exif.artist = exif.artist.or(name.filter(|n| !n.is_empty()));
            }
            _ => {}
        }
    }
    exif
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A little-endian TIFF block with a GPS directory holding a latitude.
    fn tiff_with_gps() -> Vec<u8> {
        let mut t = b"II*\0".to_vec();
        t.extend(8u32.to_le_bytes());
        // IFD0: one entry, the GPS pointer to offset 26.
        t.extend(1u16.to_le_bytes());
        t.extend(0x8825u16.to_le_bytes());
        t.extend(4u16.to_le_bytes());
        t.extend(1u32.to_le_bytes());
        t.extend(26u32.to_le_bytes());
        t.extend(0u32.to_le_bytes());
        // GPS IFD at 26: GPSLatitude, 3 rationals at offset 44.
        t.extend(1u16.to_le_bytes());
        t.extend(2u16.to_le_bytes());
        t.extend(5u16.to_le_bytes());
        t.extend(3u32.to_le_bytes());
        t.extend(44u32.to_le_bytes());
        t.extend(0u32.to_le_bytes());
        for v in [39u32, 1, 54, 1, 0, 1] {
            t.extend(v.to_le_bytes());
        }
        t
    }

    #[test]
    fn jpeg_and_png_gps_is_found() {
        let tiff = tiff_with_gps();
        let mut jpeg_bytes = vec![0xFF, 0xD8, 0xFF, 0xE1];
        jpeg_bytes.extend(((tiff.len() + 8) as u16).to_be_bytes());
        jpeg_bytes.extend(b"Exif\0\0");
        jpeg_bytes.extend(&tiff);
        jpeg_bytes.extend([0xFF, 0xDA, 0, 2]);
        assert_eq!(jpeg(&jpeg_bytes), vec![Meta::Gps]);
        let mut png_bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        png_bytes.extend((tiff.len() as u32).to_be_bytes());
        png_bytes.extend(b"eXIf");
        png_bytes.extend(&tiff);
        png_bytes.extend(0u32.to_be_bytes());
        png_bytes.extend((0u32).to_be_bytes());
        png_bytes.extend(b"IEND");
        assert_eq!(png(&png_bytes), vec![Meta::Gps]);
        // Without a position: nothing.
        let no_gps = b"II*\0\x08\0\0\0\0\0";
        assert!(tiff_metadata(no_gps).metas().is_empty());
    }

    #[test]
    fn pdf_information_and_xmp() {
        let pdf_bytes = b"%PDF-1.4\n1 0 obj\n<< /Author (\\376\\377\\000Z\\000h) /Creator (Microsoft\\256 Word 2016) /Producer <FEFF5F205C0F660E> >>\nendobj\n<x:xmpmeta><dc:creator><rdf:Seq><rdf:li>Li &amp; Wang</rdf:li></rdf:Seq></dc:creator></x:xmpmeta>";
        let found = pdf(pdf_bytes);
        assert_eq!(
            found,
            vec![
                Meta::Author("Zh".to_string()),
                Meta::Creator("张小明".to_string()),
                Meta::Author("Li & Wang".to_string()),
            ]
        );
    }

    #[test]
    fn office_parts() {
        let core = r#"<cp:coreProperties><dc:creator>张三</dc:creator><cp:lastModifiedBy>李四</cp:lastModifiedBy></cp:coreProperties>"#;
        assert_eq!(
            office_properties("docProps/core.xml", core),
            vec![
                Meta::Author("张三".into()),
                Meta::LastModifiedBy("李四".into())
            ]
        );
        let app = "<Properties><Company>某某公司</Company><Manager/></Properties>";
        assert_eq!(
            office_properties("docProps/app.xml", app),
            vec![Meta::Company("某某公司".into())]
        );
        let custom = r#"<Properties><property fmtid="{D5}" pid="2" name="审核人"><vt:lpwstr>王</vt:lpwstr></property></Properties>"#;
        assert_eq!(
            office_properties("docProps/custom.xml", custom),
            vec![Meta::Custom("审核人".into())]
        );
    }
}
