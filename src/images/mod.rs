//! Photos, made fit to publish at build time: decoded, turned upright as
//! their EXIF orientation says, resized to a few widths (never up) and
//! encoded again from their pixels, so nothing of the original file (EXIF,
//! GPS position, XMP, IPTC, maker notes, embedded thumbnails, PNG text
//! chunks) reaches the site. Originals are not published.
//!
//! Beside the load stage: the pipeline probes each image asset when it is
//! read ([`Cache::probe`]: its upright size, needed before bodies are
//! rendered since an `<img>` carries its width and height). A photo not
//! seen before is decoded whole then, so a damaged one stops the build
//! before anything is written, and its variants are encoded at once; the
//! write stage takes them from the cache ([`Cache::variants`]). The cache
//! is the site's hidden `.zhan/cache/images/` folder, keyed by the hash of
//! the source's bytes and of the [`RECIPE`], so a photo is encoded once.

mod cache;

pub use cache::Cache;

use std::io::Cursor;

use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageReader};
use serde::{Deserialize, Serialize};

use crate::escape;

/// The widths an image is published at, in CSS pixels of a 1x screen: a
/// 360 px phone, the same phone at 2x (or the text column on a desktop),
/// and the column at 1.5x and 2x. A smaller image gets the widths below its
/// own and its own width.
pub const WIDTHS: [u32; 4] = [360, 720, 1080, 1440];

/// JPEG quality of photos: 78 keeps phone photos free of visible blocks at
/// a third of the bytes of quality 95.
pub const JPEG_QUALITY: u8 = 78;

/// What decides the bytes of a variant besides the source: part of every
/// cache key, so variants made another way are never reused. Change it when
/// the widths, the quality, the resampling or the codecs change.
pub const RECIPE: &str = "zhan-images/1 widths=360,720,1080,1440 jpeg-q78 catmull-rom image-0.25";

/// Images larger than this many pixels are refused: decoding one takes
/// memory a station's laptop may not have (a 12-megapixel photo is 36 MB
/// decoded), and a camera never makes one.
const MAX_PIXELS: u64 = 100_000_000;

/// The `sizes` of an image in the text column (`.prose`, 46rem wide, 1rem
/// of margin each side on a phone).
pub const SIZES_COLUMN: &str = "(max-width: 48rem) calc(100vw - 2rem), 46rem";

/// Whether zhan processes a file of this name as a photo: JPEG, PNG and
/// WebP. Other files (GIF, SVG, PDF) are copied as they are.
pub fn is_image(path: &str) -> bool {
    let Some((_, ext)) = path.rsplit_once('.') else {
        return false;
    };
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "jpg" | "jpeg" | "png" | "webp"
    )
}

/// What the pages need to know of a processed image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInfo {
    /// The hash of the source's bytes and the [`RECIPE`]: names the cached
    /// variants, and is part of the published names (a changed photo gets
    /// new addresses, so no browser shows the old one from its cache).
    pub key: u64,
    /// The source's size, upright.
    pub width: u32,
    pub height: u32,
    /// Published as PNG (it has transparency); otherwise as JPEG.
    pub png: bool,
}

impl ImageInfo {
    /// The widths it is published at, smallest first.
    pub fn widths(&self) -> Vec<u32> {
        let mut widths: Vec<u32> = WIDTHS.iter().copied().filter(|&w| w < self.width).collect();
        if self.width <= WIDTHS[WIDTHS.len() - 1] {
            widths.push(self.width);
        }
        widths
    }

    /// The height of the variant `width` wide (the aspect kept).
    pub fn height_at(&self, width: u32) -> u32 {
        let h = (u64::from(self.height) * u64::from(width) + u64::from(self.width) / 2)
            / u64::from(self.width.max(1));
        u32::try_from(h).unwrap_or(u32::MAX).max(1)
    }

    pub fn extension(&self) -> &'static str {
        if self.png { "png" } else { "jpg" }
    }

    /// Where the variant `width` wide of the image at content path `asset`
    /// is published: beside it, `photo.jpg` → `photo-720-1a2b3c4d.jpg`.
    pub fn variant_path(&self, asset: &str, width: u32) -> String {
        let (folder, name) = match asset.rsplit_once('/') {
            Some((folder, name)) => (format!("{folder}/"), name),
            None => (String::new(), asset),
        };
        let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
        format!(
            "{folder}{stem}-{width}-{:08x}.{}",
            self.key >> 32,
            self.extension()
        )
    }

    /// Every variant: its width and where it is published.
    pub fn variants(&self, asset: &str) -> Vec<(u32, String)> {
        self.widths()
            .into_iter()
            .map(|w| (w, self.variant_path(asset, w)))
            .collect()
    }

    /// The largest variant, for links to the photo itself and for feeds.
    pub fn largest(&self, asset: &str) -> String {
        let widths = self.widths();
        self.variant_path(asset, widths.last().copied().unwrap_or(self.width))
    }

    /// What an `<img>` of it says, with `link` making addresses of site
    /// paths.
    pub fn view(&self, asset: &str, link: impl Fn(&str) -> String) -> ImageView {
        let widths = self.widths();
        let largest = widths.last().copied().unwrap_or(self.width);
        // Browsers without srcset get the 720 (or the largest below it).
        let fallback = widths
            .iter()
            .copied()
            .filter(|&w| w <= 720)
            .max()
            .unwrap_or(largest);
        ImageView {
            src: link(&self.variant_path(asset, fallback)),
            srcset: widths
                .iter()
                .map(|&w| format!("{} {w}w", link(&self.variant_path(asset, w))))
                .collect::<Vec<_>>()
                .join(", "),
            width: largest,
            height: self.height_at(largest),
        }
    }
}

/// The attributes of a responsive `<img>`, as templates use them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageView {
    pub src: String,
    pub srcset: String,
    /// Of the largest variant: with CSS `height: auto` they give the box its
    /// shape before the image arrives, so the text does not jump.
    pub width: u32,
    pub height: u32,
}

impl ImageView {
    /// The whole `<img>` element, lazily loaded.
    pub fn html(&self, alt: &str, title: Option<&str>, sizes: &str) -> String {
        let title = title
            .filter(|t| !t.is_empty())
            .map(|t| format!(" title=\"{}\"", escape::html(t)))
            .unwrap_or_default();
        format!(
            "<img src=\"{}\" srcset=\"{}\" sizes=\"{}\" width=\"{}\" height=\"{}\" alt=\"{}\"{title} loading=\"lazy\" decoding=\"async\">",
            escape::html(&self.src),
            escape::html(&self.srcset),
            escape::html(sizes),
            self.width,
            self.height,
            escape::html(alt),
        )
    }
}

/// The hash that keys an image: its bytes and the recipe.
pub fn key_of(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(bytes, xxhash_rust::xxh3::xxh3_64(RECIPE.as_bytes()))
}

fn decoder(bytes: &[u8]) -> Result<impl ImageDecoder + '_, String> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    if reader.format().is_none() {
        return Err("not a JPEG, PNG or WebP image".to_string());
    }
    let decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(format!("{w}×{h} pixels is too large"));
    }
    if w == 0 || h == 0 {
        return Err("the image is empty".to_string());
    }
    Ok(decoder)
}

fn turns(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// Reads an image's header: its upright size and whether it has an alpha
/// channel. Decodes no pixels.
pub fn probe(bytes: &[u8]) -> Result<ImageInfo, String> {
    let mut decoder = decoder(bytes)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let (w, h) = decoder.dimensions();
    let (width, height) = if turns(orientation) { (h, w) } else { (w, h) };
    Ok(ImageInfo {
        key: key_of(bytes),
        width,
        height,
        png: decoder.color_type().has_alpha(),
    })
}

/// Decodes the image and turns it upright.
fn decode_upright(bytes: &[u8]) -> Result<DynamicImage, String> {
    let mut decoder = decoder(bytes)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    image.apply_orientation(orientation);
    Ok(image)
}

/// Decodes an image whole, as [`encode`] would, without encoding it: for
/// `zhan check`, which writes nothing but must find what `build` finds.
pub fn check(bytes: &[u8], info: &ImageInfo) -> Result<(), String> {
    let image = decode_upright(bytes)?;
    if (image.width(), image.height()) != (info.width, info.height) {
        return Err("the file changed while it was read".to_string());
    }
    Ok(())
}

/// Encodes every variant of an image (the bytes of `info`'s source), in the
/// order of [`ImageInfo::widths`]. Only pixels go in: no metadata of the
/// source is carried over.
pub fn encode(bytes: &[u8], info: &ImageInfo) -> Result<Vec<Vec<u8>>, String> {
    let mut current = decode_upright(bytes)?;
    if (current.width(), current.height()) != (info.width, info.height) {
        return Err("the file changed while it was read".to_string());
    }
    current = if info.png {
        DynamicImage::ImageRgba8(current.into_rgba8())
    } else {
        DynamicImage::ImageRgb8(current.into_rgb8())
    };
    let widths = info.widths();
    let mut out = Vec::with_capacity(widths.len());
    // Largest first, each smaller one from the one before: resampling a
    // 1440-pixel image is a tenth of the work of the 12-megapixel source.
    for &w in widths.iter().rev() {
        if current.width() != w {
            current = current.resize_exact(w, info.height_at(w), FilterType::CatmullRom);
        }
        out.push(encode_one(&current, info.png)?);
    }
    out.reverse();
    Ok(out)
}

fn encode_one(image: &DynamicImage, png: bool) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    if png {
        let encoder = image::codecs::png::PngEncoder::new_with_quality(
            &mut bytes,
            image::codecs::png::CompressionType::Default,
            image::codecs::png::FilterType::Adaptive,
        );
        image.write_with_encoder(encoder)
    } else {
        let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY);
        image.write_with_encoder(encoder)
    }
    .map_err(|e| e.to_string())?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(width: u32, height: u32) -> ImageInfo {
        ImageInfo {
            key: 0x1234_5678_9abc_def0,
            width,
            height,
            png: false,
        }
    }

    #[test]
    fn widths_never_upscale() {
        assert_eq!(info(4000, 3000).widths(), [360, 720, 1080, 1440]);
        assert_eq!(info(800, 600).widths(), [360, 720, 800]);
        assert_eq!(info(300, 200).widths(), [300]);
        assert_eq!(info(1440, 1080).widths(), [360, 720, 1080, 1440]);
        assert_eq!(info(4000, 3000).height_at(360), 270);
    }

    #[test]
    fn variants_sit_beside_the_source_with_the_key_in_the_name() {
        let i = info(4000, 3000);
        assert_eq!(
            i.variant_path("news/a/photo.JPG", 720),
            "news/a/photo-720-12345678.jpg"
        );
        assert_eq!(i.variant_path("top.png", 360), "top-360-12345678.jpg");
        let view = i.view("a/p.jpg", |p| format!("/{p}"));
        assert_eq!(view.src, "/a/p-720-12345678.jpg");
        assert!(view.srcset.starts_with("/a/p-360-12345678.jpg 360w, "));
        assert_eq!((view.width, view.height), (1440, 1080));
        let html = view.html("<居民>", None, SIZES_COLUMN);
        assert!(html.contains("alt=\"&lt;居民&gt;\""), "{html}");
        assert!(html.contains("loading=\"lazy\" decoding=\"async\""));
    }

    #[test]
    fn only_photos_are_processed() {
        assert!(is_image("a/b.JPG") && is_image("x.jpeg") && is_image("y.png"));
        assert!(is_image("z.webp"));
        assert!(!is_image("a.gif") && !is_image("b.pdf") && !is_image("jpg"));
    }
}
