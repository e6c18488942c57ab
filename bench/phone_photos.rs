//! Writes phone-like photos for `bench/images.py`: 4000×3000 JPEGs of 3–5
//! MB (smooth light, texture and sensor noise, quality 92), each with EXIF
//! holding an orientation and a GPS position, as a phone writes them.
//! Not committed output: the benchmark makes them in a temporary folder.
//!
//! `cargo run --release --example phone_photos -- DIR COUNT`

use std::path::PathBuf;

use image::{ImageEncoder, RgbImage};
use rayon::prelude::*;

fn exif(orientation: u16) -> Vec<u8> {
    let mut t: Vec<u8> = b"II*\0\x08\0\0\0".to_vec();
    let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: u32| {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&kind.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&value.to_le_bytes());
    };
    // IFD0 at 8 (2 entries), GPS IFD at 8 + 2 + 24 + 4 = 38 (2 entries),
    // its rationals at 38 + 2 + 24 + 4 = 68.
    t.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut t, 0x0112, 3, 1, u32::from(orientation));
    entry(&mut t, 0x8825, 4, 1, 38);
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&2u16.to_le_bytes());
    entry(&mut t, 0x0001, 2, 2, u32::from_le_bytes(*b"N\0\0\0"));
    entry(&mut t, 0x0002, 5, 3, 68);
    t.extend_from_slice(&0u32.to_le_bytes());
    for v in [39u32, 1, 54, 1, 30, 1] {
        t.extend_from_slice(&v.to_le_bytes());
    }
    let payload = [b"Exif\0\0".as_slice(), &t].concat();
    let len = u16::try_from(payload.len() + 2).unwrap_or(u16::MAX);
    [&[0xFF, 0xE1][..], &len.to_be_bytes(), &payload].concat()
}

fn photo(seed: u32) -> Vec<u8> {
    let (w, h) = (4000u32, 3000u32);
    let mut state = seed.wrapping_mul(2_654_435_761).max(1);
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state % 15) as i32 - 7
    };
    let phase = seed as f32 * 0.37;
    // Light and texture are sums of a column and a row term, computed once
    // per column and row (fast even in a debug build).
    let columns: Vec<f32> = (0..w)
        .map(|x| {
            let fx = x as f32 / w as f32;
            150.0 + 60.0 * (fx * 3.0 + phase).sin() + 25.0 * (x as f32 * 0.05 + phase).sin()
        })
        .collect();
    let rows: Vec<(f32, f32)> = (0..h)
        .map(|y| {
            let fy = y as f32 / h as f32;
            (
                30.0 * (fy * 2.0).cos() + 25.0 * (y as f32 * 0.031).cos(),
                -20.0 * fy,
            )
        })
        .collect();
    let mut image = RgbImage::new(w, h);
    for (x, y, px) in image.enumerate_pixels_mut() {
        let (row, blue) = rows[y as usize];
        let base = columns[x as usize] + row;
        let mut c = |offset: f32| (base + offset + noise() as f32).clamp(0.0, 255.0) as u8;
        *px = image::Rgb([c(10.0), c(0.0), c(blue)]);
    }
    let mut jpeg = Vec::new();
    if let Err(e) = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 92).write_image(
        image.as_raw(),
        w,
        h,
        image::ExtendedColorType::Rgb8,
    ) {
        eprintln!("encoding failed: {e}");
        std::process::exit(2);
    }
    let orientation = if seed % 3 == 0 { 6 } else { 1 };
    [&jpeg[..2], &exif(orientation), &jpeg[2..]].concat()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(count)) = (args.get(1), args.get(2).and_then(|c| c.parse::<u32>().ok()))
    else {
        eprintln!("usage: phone_photos DIR COUNT");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("{}: {e}", dir.display());
        std::process::exit(2);
    }
    (0..count).into_par_iter().for_each(|n| {
        let path = dir.join(format!("photo-{n:03}.jpg"));
        if let Err(e) = std::fs::write(&path, photo(n)) {
            eprintln!("{}: {e}", path.display());
        }
    });
}
