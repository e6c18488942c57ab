//! One zip file of a built site, for handing it around (`zhan pack`).
//!
//! The format (PKWARE APPNOTE 6.3): each file as a local header and its
//! bytes, then a central directory listing them, then its end record. Names
//! are UTF-8 (flag bit 11, so `说明.html` reads right in Windows' Explorer
//! and in `unzip`); each file is deflated, or stored when deflating does not
//! make it smaller (photos, PDFs and Office files are compressed already).
//! No ZIP64: a site with more than 65,535 files or a file of 4 GiB is
//! refused with an error rather than written wrong.

use std::io::{self, Write};
use std::path::Path;

use flate2::Compression;
use flate2::write::DeflateEncoder;

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL: u32 = 0x0605_4b50;
/// Version 2.0: deflate, folders; what every unzip reads.
const VERSION: u16 = 20;
const UTF8_NAMES: u16 = 1 << 11;
const STORED: u16 = 0;
const DEFLATED: u16 = 8;

/// Why a folder could not be zipped.
#[derive(Debug)]
pub enum ZipError {
    Io(io::Error),
    /// More files, or a bigger file, than a zip without ZIP64 holds.
    TooLarge,
}

impl From<io::Error> for ZipError {
    fn from(e: io::Error) -> Self {
        ZipError::Io(e)
    }
}

struct Entry {
    name: String,
    method: u16,
    crc: u32,
    compressed: u32,
    size: u32,
    offset: u32,
}

/// A zip being written to `out`.
pub struct ZipWriter<W: Write> {
    out: W,
    written: u64,
    entries: Vec<Entry>,
    /// MS-DOS time and date of every entry.
    time: u16,
    date: u16,
}

impl<W: Write> ZipWriter<W> {
    /// `unix_seconds` is the time every entry is dated (UTC).
    pub fn new(out: W, unix_seconds: u64) -> Self {
        let (time, date) = dos_time(unix_seconds);
        ZipWriter {
            out,
            written: 0,
            entries: Vec::new(),
            time,
            date,
        }
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }

    /// Adds a file at `name` (`/`-separated, relative) with its bytes.
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> Result<(), ZipError> {
        let mut crc = flate2::Crc::new();
        crc.update(bytes);
        let mut encoder =
            DeflateEncoder::new(Vec::with_capacity(bytes.len() / 3), Compression::default());
        encoder.write_all(bytes)?;
        let deflated = encoder.finish()?;
        let (method, data) = if deflated.len() < bytes.len() {
            (DEFLATED, deflated.as_slice())
        } else {
            (STORED, bytes)
        };
        let too_big = |n: u64| u32::try_from(n).map_err(|_| ZipError::TooLarge);
        let entry = Entry {
            name: name.to_string(),
            method,
            crc: crc.sum(),
            compressed: too_big(data.len() as u64)?,
            size: too_big(bytes.len() as u64)?,
            offset: too_big(self.written)?,
        };
        let name_len = u16::try_from(name.len()).map_err(|_| ZipError::TooLarge)?;
        let mut header = Vec::with_capacity(30 + name.len());
        le32(&mut header, LOCAL_HEADER);
        le16(&mut header, VERSION);
        le16(&mut header, UTF8_NAMES);
        le16(&mut header, method);
        le16(&mut header, self.time);
        le16(&mut header, self.date);
        le32(&mut header, entry.crc);
        le32(&mut header, entry.compressed);
        le32(&mut header, entry.size);
        le16(&mut header, name_len);
        le16(&mut header, 0);
        header.extend_from_slice(name.as_bytes());
        self.put(&header)?;
        self.put(data)?;
        self.entries.push(entry);
        Ok(())
    }

    /// Writes the central directory; returns the writer and the number of files.
    pub fn finish(mut self) -> Result<(W, usize), ZipError> {
        let count = u16::try_from(self.entries.len()).map_err(|_| ZipError::TooLarge)?;
        let start = u32::try_from(self.written).map_err(|_| ZipError::TooLarge)?;
        let mut directory = Vec::new();
        for e in &self.entries {
            le32(&mut directory, CENTRAL_HEADER);
            // Made by: version 2.0 on MS-DOS (attributes as FAT has them).
            le16(&mut directory, VERSION);
            le16(&mut directory, VERSION);
            le16(&mut directory, UTF8_NAMES);
            le16(&mut directory, e.method);
            le16(&mut directory, self.time);
            le16(&mut directory, self.date);
            le32(&mut directory, e.crc);
            le32(&mut directory, e.compressed);
            le32(&mut directory, e.size);
            le16(&mut directory, e.name.len() as u16);
            // Extra field, comment, disk number, internal and external attributes.
            le16(&mut directory, 0);
            le16(&mut directory, 0);
            le16(&mut directory, 0);
            le16(&mut directory, 0);
            le32(&mut directory, 0);
            le32(&mut directory, e.offset);
            directory.extend_from_slice(e.name.as_bytes());
        }
        let size = u32::try_from(directory.len()).map_err(|_| ZipError::TooLarge)?;
        le32(&mut directory, END_OF_CENTRAL);
        le16(&mut directory, 0);
        le16(&mut directory, 0);
        le16(&mut directory, count);
        le16(&mut directory, count);
        le32(&mut directory, size);
        le32(&mut directory, start);
        le16(&mut directory, 0);
        self.put(&directory)?;
        self.out.flush()?;
        Ok((self.out, self.entries.len()))
    }
}

/// Zips every file under `folder` (sorted by path, so the same site makes
/// the same list) into `dest`, leaving out the files `skip` names (zhan's
/// bookkeeping). The zip is written beside `dest` and renamed over it when
/// complete, so a failure leaves no half zip. Returns the number of files.
pub fn zip_folder(
    folder: &Path,
    dest: &Path,
    unix_seconds: u64,
    skip: &dyn Fn(&str) -> bool,
) -> Result<usize, ZipError> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(folder).sort_by_file_name() {
        let entry = entry.map_err(io::Error::from)?;
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry
            .path()
            .strip_prefix(folder)
            .map_err(|e| io::Error::other(e.to_string()))?;
        let name = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if !skip(&name) {
            files.push((name, entry.into_path()));
        }
    }
    let file_name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = dest.with_file_name(format!(".{file_name}.partial"));
    let result = (|| {
        let file = io::BufWriter::new(std::fs::File::create(&partial)?);
        let mut zip = ZipWriter::new(file, unix_seconds);
        for (name, path) in &files {
            zip.add(name, &std::fs::read(path)?)?;
        }
        let (file, count) = zip.finish()?;
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&partial, dest)?;
        Ok(count)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

fn le16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn le32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Seconds since 1970 (UTC) as MS-DOS (time, date), two-second steps;
/// before 1980 (the format's first year) is 1980-01-01.
fn dos_time(unix_seconds: u64) -> (u16, u16) {
    let days = unix_seconds / 86_400;
    let secs = unix_seconds % 86_400;
    // Days to civil date (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    if year < 1980 {
        return (0, 1 << 5 | 1);
    }
    let year = (year - 1980).min(127) as u16;
    let time = (secs / 3600) << 11 | (secs % 3600 / 60) << 5 | (secs % 60 / 2);
    (time as u16, year << 9 | (month as u16) << 5 | day as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dos_dates() {
        // 2026-12-05 01:02:04 UTC.
        let (time, date) = dos_time(1_796_432_524);
        assert_eq!(date >> 9, 46);
        assert_eq!(date >> 5 & 15, 12);
        assert_eq!(date & 31, 5);
        assert_eq!(time >> 11, 1);
        assert_eq!(time >> 5 & 63, 2);
        assert_eq!(time & 31, 2);
        assert_eq!(dos_time(0), (0, 33));
    }

    #[test]
    fn small_and_incompressible_files_are_stored_text_is_deflated() {
        let mut zip = ZipWriter::new(Vec::new(), 0);
        zip.add("a.txt", "站".repeat(1000).as_bytes()).unwrap();
        zip.add("b.bin", &[7]).unwrap();
        let (bytes, count) = zip.finish().unwrap();
        assert_eq!(count, 2);
        assert_eq!(u16::from_le_bytes([bytes[8], bytes[9]]), DEFLATED);
        assert!(bytes.len() < 3000 / 4);
        let end = bytes.len() - 22;
        assert_eq!(&bytes[end..end + 4], &END_OF_CENTRAL.to_le_bytes());
        assert_eq!(u16::from_le_bytes([bytes[end + 10], bytes[end + 11]]), 2);
    }
}
