//! QR codes of page addresses, as small inline SVGs made at build time.
//!
//! The SVG is one stroked path: each run of dark modules in a row is a
//! horizontal line one module thick (`m` to its start, `h` its length), about
//! half the size of a closed rectangle per run. Codes are not cached: every
//! code of a build is of a different address.
//!
//! The `qrcode` crate encodes the data (segments, error correction codewords)
//! and, once per version, draws the functional patterns and the format
//! information. Its `QrCode::new` takes about 1 ms a code (it tries the eight
//! masks on copies of the symbol and scores each with allocating closures),
//! which on a 13,000-page site doubled the render time. So the rest is done
//! here on 64-bit rows: placing the codeword bits, scoring each mask with bit
//! operations (the four penalty rules of ISO/IEC 18004) and applying the
//! best one: some 15 µs a code. Tests check the result against the crate's
//! own placement and masking, and decode it with another library. (Format
//! modules are scored as light for every mask, so in a rare tie the choice
//! may differ from an encoder that scores them; every mask decodes the same.)

use std::fmt::Write;
use std::sync::OnceLock;

use qrcode::canvas::{Canvas, MaskPattern, Module};
use qrcode::{Color, EcLevel, QrCode};

use crate::escape;

/// The light margin around the code, in modules, as the standard asks.
pub const QUIET_ZONE: usize = 4;

/// An inline SVG QR code of `url`, black on white with the quiet zone,
/// scalable (a viewBox in module units, no fixed size), announced to screen
/// readers as an image named `label`. Empty if `url` is too long to encode.
/// Not cached: every code of a build is of a different address, and one
/// takes some 13 µs to make.
pub fn svg(url: &str, label: &str) -> String {
    let Some(symbol) = encode(url) else {
        return String::new();
    };
    let size = symbol.width() + 2 * QUIET_ZONE;
    let mut out = String::with_capacity(2048);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" role=\"img\" \
         shape-rendering=\"crispEdges\"><title>{}</title>\
         <rect width=\"{size}\" height=\"{size}\" fill=\"#fff\"/><path stroke=\"#000\" d=\"",
        escape::html(label)
    );
    // The pen, in modules; the first move is absolute and puts it on the
    // middle line of a row (y + 0.5), later moves are relative and whole.
    // Bytes and digits by hand, a step at a time: `write!` took a fifth of
    // the time, a push per byte a tenth.
    let mut path: Vec<u8> = Vec::with_capacity(1536);
    let mut pen: Option<(usize, usize)> = None;
    symbol.runs(|x, y, length| {
        let (sx, sy) = (x + QUIET_ZONE, y + QUIET_ZONE);
        let mut step = Step::default();
        match pen {
            None => {
                step.push(b'M');
                step.number(sx as i64);
                step.push(b' ');
                step.number(sy as i64);
                step.push(b'.');
                step.push(b'5');
            }
            Some((px, py)) => {
                step.push(b'm');
                step.number(sx as i64 - px as i64);
                step.push(b' ');
                step.number((sy - py) as i64);
            }
        }
        step.push(b'h');
        step.number(length as i64);
        step.append_to(&mut path);
        pen = Some((sx + length, sy));
    });
    out.push_str(std::str::from_utf8(&path).unwrap_or_default());
    out.push_str("\"/></svg>");
    out
}

/// A QR code: its side in modules and which modules are dark.
enum Symbol {
    /// Up to version 11 (61 modules a side, 251 bytes at level M): one row
    /// a word, bit x for column x.
    Rows { width: usize, rows: Vec<u64> },
    /// Larger: one flag a module, row by row.
    Modules { width: usize, dark: Vec<bool> },
}

impl Symbol {
    fn width(&self) -> usize {
        match self {
            Symbol::Rows { width, .. } | Symbol::Modules { width, .. } => *width,
        }
    }

    /// Whether the module at column `x`, row `y` is dark.
    fn dark(&self, x: usize, y: usize) -> bool {
        match self {
            Symbol::Rows { rows, .. } => rows[y] >> x & 1 == 1,
            Symbol::Modules { width, dark } => dark[y * width + x],
        }
    }

    /// Calls `run(x, y, length)` for each run of dark modules, row by row.
    fn runs(&self, mut run: impl FnMut(usize, usize, usize)) {
        match self {
            Symbol::Rows { rows, .. } => {
                for (y, &row) in rows.iter().enumerate() {
                    let mut bits = row;
                    let mut x = 0;
                    while bits != 0 {
                        let light = bits.trailing_zeros() as usize;
                        bits >>= light;
                        x += light;
                        let length = bits.trailing_ones() as usize;
                        run(x, y, length);
                        bits = bits.checked_shr(length as u32).unwrap_or(0);
                        x += length;
                    }
                }
            }
            Symbol::Modules { width, dark } => {
                for (y, row) in dark.chunks_exact(*width).enumerate() {
                    let mut x = 0;
                    while x < *width {
                        let length = row[x..].iter().take_while(|&&d| d).count();
                        if length > 0 {
                            run(x, y, length);
                        }
                        x += length.max(1);
                    }
                }
            }
        }
    }
}

/// The QR code of `data`. Medium error correction (15% of the code may be
/// damaged or dirty, as on a notice board); low if the address is too long.
fn encode(data: &str) -> Option<Symbol> {
    [EcLevel::M, EcLevel::L]
        .into_iter()
        .find_map(|level| encode_at(data.as_bytes(), level))
}

fn encode_at(data: &[u8], level: EcLevel) -> Option<Symbol> {
    let bits = qrcode::bits::encode_auto(data, level).ok()?;
    let version = bits.version();
    let width = usize::try_from(version.width()).ok()?;
    if width > 64 {
        // Page addresses never get here: let the crate do all of it.
        let code = QrCode::with_error_correction_level(data, level).ok()?;
        let dark = code.into_colors().into_iter().map(|c| c == Color::Dark);
        return Some(Symbol::Modules {
            width,
            dark: dark.collect(),
        });
    }
    let (data_words, ec_words) =
        qrcode::ec::construct_codewords(&bits.into_bytes(), version, level).ok()?;
    let unmasked = Unmasked::place(template(version, width), &data_words, &ec_words);
    let mask = unmasked.best_mask();
    let mut rows = unmasked.rows(mask);
    // The format information (error correction level and mask), which the
    // template leaves light: the same modules, counted from the same edges, as
    // in a version 1 symbol with that level and mask.
    let format = format_modules(level, mask);
    for (x, y) in format_positions(width) {
        let (fx, fy) = format_place(x, y, width, 21);
        let bit = 1u64 << x;
        if format[fy * 21 + fx] {
            rows[y] |= bit;
        } else {
            rows[y] &= !bit;
        }
    }
    Some(Symbol::Rows { width, rows })
}

/// The modules holding the format information, in a symbol `width` wide:
/// beside the top-left finder (row 8 and column 8, skipping the timing
/// line), under the top-right one and beside the bottom-left one.
fn format_positions(width: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..9)
        .filter(|&i| i != 6)
        .flat_map(|i| [(i, 8), (8, i)])
        .chain((1..=8).map(move |k| (width - k, 8)))
        .chain((1..=7).map(move |k| (8, width - k)))
}

/// Where module (x, y) of a symbol `width` wide is in one `other` wide,
/// counting from the same edge (the nearer one, for the format modules).
fn format_place(x: usize, y: usize, width: usize, other: usize) -> (usize, usize) {
    let map = |v: usize| if v > 8 { other - (width - v) } else { v };
    (map(x), map(y))
}

/// A version 1 symbol's modules with only the functional patterns and the
/// format information for `level` and mask `mask` (cached: 16 of them).
fn format_modules(level: EcLevel, mask: usize) -> &'static [bool] {
    static SYMBOLS: OnceLock<Vec<Vec<bool>>> = OnceLock::new();
    let all = SYMBOLS.get_or_init(|| {
        [EcLevel::L, EcLevel::M]
            .into_iter()
            .flat_map(|level| {
                MASKS.into_iter().map(move |pattern| {
                    let mut canvas = Canvas::new(qrcode::Version::Normal(1), level);
                    canvas.draw_all_functional_patterns();
                    canvas.apply_mask(pattern);
                    let colors = canvas.into_colors();
                    colors.into_iter().map(|c| c == Color::Dark).collect()
                })
            })
            .collect()
    });
    let row = if level == EcLevel::L { 0 } else { 1 };
    &all[row * 8 + mask]
}

/// What every symbol of a version shares, found once per version with the
/// crate's canvas: the functional patterns (finders, timing, alignment,
/// version information; the format information left light), which modules
/// hold data (and are masked), and the order the data bits fill them in.
struct Template {
    width: usize,
    dark_rows: [u64; 64],
    data_rows: [u64; 64],
    data_columns: [u64; 64],
    order: Vec<(u8, u8)>,
}

/// The template of `version` (up to 11, 61 modules a side).
fn template(version: qrcode::Version, width: usize) -> &'static Template {
    static TEMPLATES: [OnceLock<Template>; 11] = [const { OnceLock::new() }; 11];
    TEMPLATES[(width - 21) / 4].get_or_init(|| {
        let mut canvas = Canvas::new(version, EcLevel::L);
        canvas.draw_all_functional_patterns();
        let mut dark_rows = [0u64; 64];
        let mut data_rows = [0u64; 64];
        for y in 0..width {
            for x in 0..width {
                match canvas.get(x as i16, y as i16) {
                    Module::Masked(Color::Dark) => dark_rows[y] |= 1 << x,
                    Module::Empty => data_rows[y] |= 1 << x,
                    _ => {}
                }
            }
        }
        let mut data_columns = data_rows;
        transpose(&mut data_columns);
        // Two columns at a time from the right, up then down, the right one
        // of each pair first; the vertical timing line (column 6) is skipped.
        let mut order = Vec::with_capacity(width * width);
        let mut right = width - 1;
        let mut upward = true;
        loop {
            for i in 0..width {
                let y = if upward { width - 1 - i } else { i };
                for x in [right, right - 1] {
                    if data_rows[y] >> x & 1 == 1 {
                        order.push((x as u8, y as u8));
                    }
                }
            }
            upward = !upward;
            match right {
                1 => break,
                8 => right = 5,
                _ => right -= 2,
            }
        }
        Template {
            width,
            dark_rows,
            data_rows,
            data_columns,
            order,
        }
    })
}

/// A symbol before masking: its dark modules, as rows and as columns.
struct Unmasked {
    width: usize,
    dark_rows: [u64; 64],
    dark_columns: [u64; 64],
    template: &'static Template,
}

impl Unmasked {
    /// The data and error correction codewords, most significant bit first,
    /// in the data modules of the template; bits left over are light.
    fn place(template: &'static Template, data: &[u8], ec: &[u8]) -> Unmasked {
        let mut dark_rows = template.dark_rows;
        let mut places = template.order.iter();
        for &byte in data.iter().chain(ec) {
            // The count first: `zip` takes from its first iterator before
            // it finds the second one ended.
            for (j, &(x, y)) in (0..8).rev().zip(places.by_ref()) {
                dark_rows[usize::from(y)] |= u64::from(byte >> j & 1) << x;
            }
        }
        let mut dark_columns = dark_rows;
        transpose(&mut dark_columns);
        Unmasked {
            width: template.width,
            dark_rows,
            dark_columns,
            template,
        }
    }

    /// The rows with mask `m` applied.
    fn rows(&self, m: usize) -> Vec<u64> {
        (0..self.width)
            .map(|y| self.dark_rows[y] ^ (MASK_ROWS[m][y % 12] & self.template.data_rows[y]))
            .collect()
    }

    /// The mask with the lowest penalty (the first of equals).
    fn best_mask(&self) -> usize {
        let width = self.width;
        let mut rows = [0u64; 64];
        let mut columns = [0u64; 64];
        let mut best = (u32::MAX, 0);
        for m in 0..8 {
            for i in 0..width {
                rows[i] = self.dark_rows[i] ^ (MASK_ROWS[m][i % 12] & self.template.data_rows[i]);
                columns[i] = self.dark_columns[i]
                    ^ (MASK_COLUMNS[m][i % 12] & self.template.data_columns[i]);
            }
            let score = penalty(&rows[..width], &columns[..width], width);
            if score < best.0 {
                best = (score, m);
            }
        }
        best.1
    }
}

/// The eight masks in the order of their numbers.
const MASKS: [MaskPattern; 8] = [
    MaskPattern::Checkerboard,
    MaskPattern::HorizontalLines,
    MaskPattern::VerticalLines,
    MaskPattern::DiagonalLines,
    MaskPattern::LargeCheckerboard,
    MaskPattern::Fields,
    MaskPattern::Diamonds,
    MaskPattern::Meadow,
];

/// Whether mask `m` flips the module in column `x` of row `y`.
const fn mask_flips(m: usize, x: usize, y: usize) -> bool {
    match m {
        0 => (x + y) % 2 == 0,
        1 => y % 2 == 0,
        2 => x % 3 == 0,
        3 => (x + y) % 3 == 0,
        4 => (y / 2 + x / 3) % 2 == 0,
        5 => (x * y) % 2 + (x * y) % 3 == 0,
        6 => ((x * y) % 2 + (x * y) % 3) % 2 == 0,
        _ => ((x + y) % 2 + (x * y) % 3) % 2 == 0,
    }
}

/// Each mask as 64-bit lines, `[mask][row % 12]` with bit x for column x
/// (`by_rows`), or `[mask][column % 12]` with bit y for row y; every mask
/// repeats after 12 rows and 12 columns.
const fn mask_lines(by_rows: bool) -> [[u64; 12]; 8] {
    let mut lines = [[0u64; 12]; 8];
    let mut m = 0;
    while m < 8 {
        let mut i = 0;
        while i < 12 {
            let mut j = 0;
            while j < 64 {
                let (x, y) = if by_rows { (j, i) } else { (i, j) };
                if mask_flips(m, x, y) {
                    lines[m][i] |= 1 << j;
                }
                j += 1;
            }
            i += 1;
        }
        m += 1;
    }
    lines
}

const MASK_ROWS: [[u64; 12]; 8] = mask_lines(true);
const MASK_COLUMNS: [[u64; 12]; 8] = mask_lines(false);

/// Swaps rows and columns of a 64×64 bit matrix (bit x of word y becomes
/// bit y of word x), by swapping ever smaller off-diagonal blocks.
fn transpose(m: &mut [u64; 64]) {
    let mut size = 32;
    let mut low: u64 = 0x0000_0000_ffff_ffff;
    while size != 0 {
        let mut k = 0;
        while k < 64 {
            let t = ((m[k] >> size) ^ m[k + size]) & low;
            m[k] ^= t << size;
            m[k + size] ^= t;
            k = (k + size + 1) & !size;
        }
        size >>= 1;
        low ^= low << size;
    }
}

/// The penalty of a masked symbol (ISO/IEC 18004, 7.8.3): runs of five or
/// more modules of one colour, 2×2 blocks of one colour, patterns like a
/// finder (1:1:3:1:1 with four light modules on one side; outside the symbol
/// counts as light), and dark modules far from half. Bit-parallel: each
/// rule is a few shifts and a count of ones per row or column.
fn penalty(rows: &[u64], columns: &[u64], width: usize) -> u32 {
    let mut score = 0;
    for &line in rows.iter().chain(columns) {
        score += runs_penalty(line, width) + finder_penalty(line);
    }
    let inner = (1u64 << (width - 1)) - 1;
    for pair in rows.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let blocks = !(a ^ b) & !(a ^ (a >> 1)) & !(b ^ (b >> 1)) & inner;
        score += 3 * blocks.count_ones();
    }
    let dark: u32 = rows.iter().map(|r| r.count_ones()).sum();
    let total = (width * width) as u32;
    score + 10 * ((dark * 100).abs_diff(50 * total) / (5 * total))
}

/// 3 for a run of five modules of one colour and 1 for each further module:
/// over a line, the number of windows of five alike plus twice the number
/// of runs such windows start.
fn runs_penalty(line: u64, width: usize) -> u32 {
    // Bit x: module x is like module x + 1.
    let alike = !(line ^ (line >> 1));
    let fives = alike & (alike >> 1) & (alike >> 2) & (alike >> 3) & ((1u64 << (width - 4)) - 1);
    if fives == 0 {
        return 0;
    }
    let starts = fives & !(alike << 1);
    fives.count_ones() + 2 * starts.count_ones()
}

/// 40 for each dark-light-dark-dark-dark-light-dark with four light modules
/// before or after it (outside the symbol counts as light).
fn finder_penalty(line: u64) -> u32 {
    // Past the symbol's width the line is zero: light, as outside it.
    let light = !line;
    // Whether module q + k (`after`) or q - k (`before`) is light, as bit q.
    let after = |k: u32| (light >> k) | (u64::MAX << (64 - k));
    let before = |k: u32| (light << k) | ((1u64 << k) - 1);
    // Bit q: a finder-like pattern starts at module q.
    let finder =
        line & (light >> 1) & (line >> 2) & (line >> 3) & (line >> 4) & (light >> 5) & (line >> 6);
    if finder == 0 {
        return 0;
    }
    let with_after = finder & after(7) & after(8) & after(9) & after(10);
    let with_before = finder & before(1) & before(2) & before(3) & before(4);
    (with_after.count_ones() + with_before.count_ones()) * 40
}

/// The QR code of `data` as text for a terminal, with its quiet zone: one
/// line of characters for two rows of modules. None if `data` is too long.
///
/// With `colors` (ANSI escapes the terminal understands), every character
/// is the upper half block `▀` in black or white on a black or white
/// background: the code is black on white whatever the terminal's own
/// colours, light or dark theme. And since every character is the same
/// one, a terminal that draws the block two columns wide (a Chinese
/// console font may: its width is "ambiguous" in Unicode) only stretches
/// the code sideways, which readers take; a mix of blocks and spaces
/// would come apart. Without colors, the light modules are drawn and the
/// dark ones left blank, for the light-on-dark text of a console's
/// default colours (cmd.exe, PowerShell, Windows Terminal).
pub fn terminal(data: &str, colors: bool) -> Option<String> {
    let symbol = encode(data)?;
    let size = symbol.width() + 2 * QUIET_ZONE;
    // Outside the symbol (the quiet zone, the half row under an odd
    // number of rows) is light.
    let dark = |x: usize, y: usize| {
        let inside = |v: usize| (QUIET_ZONE..QUIET_ZONE + symbol.width()).contains(&v);
        inside(x) && inside(y) && symbol.dark(x - QUIET_ZONE, y - QUIET_ZONE)
    };
    let mut out = String::with_capacity(size * size * 4);
    for y in (0..size).step_by(2) {
        let mut pen: Option<(bool, bool)> = None;
        for x in 0..size {
            let cell = (dark(x, y), dark(x, y + 1));
            if colors {
                if pen != Some(cell) {
                    let fg = if cell.0 { "30" } else { "97" };
                    let bg = if cell.1 { "40" } else { "107" };
                    let _ = write!(out, "\x1b[{fg};{bg}m");
                    pen = Some(cell);
                }
                out.push('▀');
            } else {
                out.push(match cell {
                    (false, false) => '█',
                    (false, true) => '▀',
                    (true, false) => '▄',
                    (true, true) => ' ',
                });
            }
        }
        if colors {
            out.push_str("\x1b[0m");
        }
        out.push('\n');
    }
    Some(out)
}

/// 0 to 177 in decimal: up to three digits, then how many there are.
static DECIMAL: [[u8; 4]; 178] = {
    let mut table = [[0u8; 4]; 178];
    let mut n = 0;
    while n < 178 {
        let digits = [(n / 100) as u8, (n / 10 % 10) as u8, (n % 10) as u8];
        let skip = if n >= 100 {
            0
        } else if n >= 10 {
            1
        } else {
            2
        };
        let mut i = 0;
        while i < 3 - skip {
            table[n][i] = b'0' + digits[skip + i];
            i += 1;
        }
        table[n][3] = (3 - skip) as u8;
        n += 1;
    }
    table
};

/// One step of a code's path, a move and a line, written before it is
/// appended: at most `m-177 177h177`, 13 bytes (a QR code has at most 177
/// modules a side, so no number of a path has more than three digits).
#[derive(Default)]
struct Step {
    bytes: [u8; 16],
    len: usize,
}

impl Step {
    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// Appends `n` in decimal: from the table up to 177, as a path's
    /// numbers are, digit by digit above.
    fn number(&mut self, n: i64) {
        if n < 0 {
            self.push(b'-');
        }
        let n = n.unsigned_abs();
        if n >= DECIMAL.len() as u64 {
            self.digits(n);
            return;
        }
        let [a, b, c, len] = DECIMAL[n as usize];
        self.bytes[self.len..self.len + 3].copy_from_slice(&[a, b, c]);
        self.len += usize::from(len);
    }

    /// `n` digit by digit: numbers past the table (kept out of line).
    #[cold]
    #[inline(never)]
    fn digits(&mut self, n: u64) {
        n.to_string().bytes().for_each(|digit| self.push(digit));
    }

    /// Appends the step to `path`: all 16 bytes at once (a fixed-size copy),
    /// then the unused ones cut off again.
    fn append_to(&self, path: &mut Vec<u8>) {
        let end = path.len() + self.len;
        path.extend_from_slice(&self.bytes);
        path.truncate(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the dark modules back from the path of an SVG made by [`svg`]:
    /// the side in modules and one flag per module, row by row.
    fn modules(svg: &str) -> (usize, Vec<bool>) {
        let size: usize = svg
            .split("viewBox=\"0 0 ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .and_then(|s| s.parse().ok())
            .expect("viewBox");
        let d = svg
            .split(" d=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("path");
        let mut grid = vec![false; size * size];
        let (mut x, mut y) = (0.0f64, 0.0f64);
        let mut rest = d;
        while let Some(command) = rest.chars().next() {
            rest = &rest[1..];
            let end = rest.find(['M', 'm', 'h']).unwrap_or(rest.len());
            let numbers: Vec<f64> = rest[..end]
                .split(' ')
                .map(|n| n.parse().expect("number"))
                .collect();
            rest = &rest[end..];
            match command {
                'M' => (x, y) = (numbers[0], numbers[1]),
                'm' => (x, y) = (x + numbers[0], y + numbers[1]),
                'h' => {
                    let row = y.floor() as usize;
                    for col in x as usize..(x + numbers[0]) as usize {
                        grid[row * size + col] = true;
                    }
                    x += numbers[0];
                }
                other => panic!("unexpected path command {other}"),
            }
        }
        (size, grid)
    }

    /// Decodes modules with rqrr from a greyscale image, `scale` pixels a
    /// module. The scale should be odd: rqrr samples each module at its
    /// middle, which for an even scale of a perfectly sharp image falls on
    /// the edge between two pixels (it then misreads some modules).
    fn decode(size: usize, grid: &[bool], scale: usize) -> String {
        let px = size * scale;
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(px, px, |x, y| {
            if grid[(y / scale) * size + x / scale] {
                0
            } else {
                255
            }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code in the image");
        grids[0].decode().expect("decodes").1
    }

    #[test]
    fn svg_decodes_back_to_the_url() {
        let url = "https://example.org/services/huidong/laoren-tanfang/";
        let svg = svg(url, "空巢独居老人探访");
        let (size, grid) = modules(&svg);
        // The quiet zone is light all round.
        for i in 0..size {
            for j in 0..QUIET_ZONE {
                for (x, y) in [(i, j), (j, i), (i, size - 1 - j), (size - 1 - j, i)] {
                    assert!(!grid[y * size + x], "dark module in the quiet zone");
                }
            }
        }
        assert_eq!(decode(size, &grid, 5), url);
    }

    #[test]
    fn svg_is_accessible_crisp_and_escaped() {
        let svg = svg("https://example.org/a?b=1&c=2", "站点 <惠东> & \"小惠\"");
        assert!(svg.starts_with("<svg "));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains(" role=\"img\""));
        assert!(svg.contains(" shape-rendering=\"crispEdges\""));
        assert!(svg.contains("<title>站点 &lt;惠东&gt; &amp; &quot;小惠&quot;</title>"));
        assert!(!svg.contains("a?b=1&c=2"), "the URL is only in the modules");
        assert!(svg.contains("fill=\"#fff\"") && svg.contains("stroke=\"#000\""));
        let (size, grid) = modules(&svg);
        assert_eq!(decode(size, &grid, 7), "https://example.org/a?b=1&c=2");
    }

    #[test]
    fn same_input_same_bytes_and_small() {
        let url = "https://example.org/stations/lijingyuan/";
        let a = svg(url, "丽景苑社区社工站");
        let b = svg(url, "丽景苑社区社工站");
        assert_eq!(a, b);
        assert!(a.len() < 2500, "{} bytes", a.len());
    }

    /// The penalty rules written out module by module, to check the
    /// bit-parallel version against.
    fn plain_penalty(grid: &[bool], width: usize) -> u32 {
        let at = |x: usize, y: usize| grid[y * width + x];
        let mut score = 0;
        for horizontal in [true, false] {
            for i in 0..width {
                let line: Vec<bool> = (0..width)
                    .map(|j| if horizontal { at(j, i) } else { at(i, j) })
                    .collect();
                let mut run = 1;
                for j in 1..=width {
                    if j < width && line[j] == line[j - 1] {
                        run += 1;
                    } else {
                        if run >= 5 {
                            score += run - 2;
                        }
                        run = 1;
                    }
                }
                let mut padded = vec![false; 4];
                padded.extend(&line);
                padded.extend([false; 4]);
                let finder = [true, false, true, true, true, false, true];
                for window in padded.windows(11) {
                    let light = |r: std::ops::Range<usize>| window[r].iter().all(|d| !d);
                    if (window[..7] == finder && light(7..11))
                        || (light(0..4) && window[4..] == finder)
                    {
                        score += 40;
                    }
                }
            }
        }
        for y in 0..width - 1 {
            for x in 0..width - 1 {
                let c = at(x, y);
                if at(x + 1, y) == c && at(x, y + 1) == c && at(x + 1, y + 1) == c {
                    score += 3;
                }
            }
        }
        let dark = grid.iter().filter(|&&d| d).count() as u32;
        let total = (width * width) as u32;
        score + 10 * ((dark * 100).abs_diff(50 * total) / (5 * total))
    }

    #[test]
    fn transpose_swaps_rows_and_columns() {
        let mut m = [0u64; 64];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for row in &mut m {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *row = seed;
        }
        let mut t = m;
        transpose(&mut t);
        for (y, row) in m.iter().enumerate() {
            for (x, column) in t.iter().enumerate() {
                assert_eq!(row >> x & 1, column >> y & 1, "({x}, {y})");
            }
        }
    }

    #[test]
    fn bit_parallel_penalty_matches_the_rules() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for width in [21, 25, 33, 45, 57, 61, 64] {
            for density in [1, 2, 3] {
                // Grids with long runs and finder-like patterns, not just noise.
                let grid: Vec<bool> = (0..width * width)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        seed % 4 < density
                    })
                    .collect();
                let mut rows = vec![0u64; width];
                let mut columns = vec![0u64; width];
                for y in 0..width {
                    for x in 0..width {
                        if grid[y * width + x] {
                            rows[y] |= 1 << x;
                            columns[x] |= 1 << y;
                        }
                    }
                }
                assert_eq!(
                    penalty(&rows, &columns, width),
                    plain_penalty(&grid, width),
                    "width {width}, density {density}"
                );
            }
        }
    }

    #[test]
    fn rows_match_the_crate_applying_the_same_mask() {
        let mut masks = [0; 8];
        for n in 0..48 {
            let url = format!("https://example.org/services/s{n}/{}", "x".repeat(n * 4));
            for level in [EcLevel::M, EcLevel::L] {
                let bits = qrcode::bits::encode_auto(url.as_bytes(), level).unwrap();
                let version = bits.version();
                let width = version.width() as usize;
                if width > 64 {
                    continue;
                }
                let (data, ec) =
                    qrcode::ec::construct_codewords(&bits.into_bytes(), version, level).unwrap();
                let mut canvas = Canvas::new(version, level);
                canvas.draw_all_functional_patterns();
                canvas.draw_data(&data, &ec);
                let unmasked = Unmasked::place(template(version, width), &data, &ec);
                let mask = unmasked.best_mask();
                masks[mask] += 1;
                // The mask with the lowest penalty by the plain rules.
                let plain = (0..8)
                    .min_by_key(|&m| {
                        let rows = unmasked.rows(m);
                        let grid: Vec<bool> = (0..width * width)
                            .map(|i| rows[i / width] >> (i % width) & 1 == 1)
                            .collect();
                        plain_penalty(&grid, width)
                    })
                    .unwrap();
                assert_eq!(mask, plain, "{url}");
                canvas.apply_mask(MASKS[mask]);
                let expected = canvas.into_colors();
                let Some(Symbol::Rows { rows, .. }) = encode_at(url.as_bytes(), level) else {
                    panic!("{url}: no rows");
                };
                for y in 0..width {
                    for x in 0..width {
                        assert_eq!(
                            rows[y] >> x & 1 == 1,
                            expected[y * width + x] == Color::Dark,
                            "{url} ({x}, {y})"
                        );
                    }
                }
            }
        }
        assert!(masks.iter().filter(|&&n| n > 0).count() >= 4, "{masks:?}");
    }

    #[test]
    fn codes_of_many_lengths_decode() {
        // Versions 1 to 13; past 64 modules the crate encodes it all.
        for n in [1, 10, 20, 40, 60, 90, 130, 180, 240, 300] {
            let url = format!("https://example.org/{}", "s/".repeat(n / 2));
            let (size, grid) = modules(&svg(&url, "x"));
            assert_eq!(decode(size, &grid, 5), url, "{n}");
        }
    }

    /// Reads the modules back from [`terminal`]'s text.
    fn terminal_modules(text: &str, colors: bool) -> (usize, Vec<bool>) {
        let mut rows: Vec<Vec<bool>> = Vec::new();
        for line in text.lines() {
            let (mut top, mut bottom) = (Vec::new(), Vec::new());
            let (mut fg_dark, mut bg_dark) = (false, false);
            let mut rest = line;
            while let Some(c) = rest.chars().next() {
                if let Some(escape) = rest.strip_prefix("\x1b[") {
                    let end = escape.find('m').expect("escape end");
                    for code in escape[..end].split(';') {
                        match code {
                            "30" => fg_dark = true,
                            "97" => fg_dark = false,
                            "40" => bg_dark = true,
                            "107" => bg_dark = false,
                            "0" => {}
                            other => panic!("unexpected colour {other}"),
                        }
                    }
                    rest = &escape[end + 1..];
                    continue;
                }
                let (t, b) = match (colors, c) {
                    (true, '▀') => (fg_dark, bg_dark),
                    (false, '█') => (false, false),
                    (false, '▀') => (false, true),
                    (false, '▄') => (true, false),
                    (false, ' ') => (true, true),
                    other => panic!("unexpected character {other:?}"),
                };
                top.push(t);
                bottom.push(b);
                rest = &rest[c.len_utf8()..];
            }
            rows.push(top);
            rows.push(bottom);
        }
        let size = rows[0].len();
        rows.truncate(size);
        assert!(rows.iter().all(|r| r.len() == size), "a square");
        (size, rows.concat())
    }

    #[test]
    fn terminal_codes_decode_with_and_without_colours() {
        let url = "http://192.168.100.123:1111/_zhan/?key=0123456789abcdef0123456789abcdef";
        for colors in [true, false] {
            let text = terminal(url, colors).expect("encodes");
            let (size, grid) = terminal_modules(&text, colors);
            // Quiet zone, light all round.
            for i in 0..size {
                for j in 0..QUIET_ZONE {
                    for (x, y) in [(i, j), (j, i), (i, size - 1 - j), (size - 1 - j, i)] {
                        assert!(!grid[y * size + x], "dark module in the quiet zone");
                    }
                }
            }
            assert_eq!(decode(size, &grid, 5), url, "colors: {colors}");
            // Small enough for a console window: 45 columns, 23 lines.
            assert!(size <= 45, "{size}");
            if colors {
                assert!(text.lines().all(|l| l.ends_with("\x1b[0m")));
                assert!(!text.contains([' ', '█', '▄']), "one character only");
            } else {
                assert!(!text.contains('\x1b'));
            }
        }
        assert_eq!(terminal(&"x".repeat(4000), true), None);
    }

    #[test]
    fn steps_write_numbers_in_decimal() {
        for n in -999i64..=999 {
            let mut step = Step::default();
            step.number(n);
            assert_eq!(&step.bytes[..step.len], n.to_string().as_bytes());
        }
        let mut path = b"M4 4.5h7".to_vec();
        let mut step = Step::default();
        step.push(b'm');
        step.number(-33);
        step.push(b' ');
        step.number(1);
        step.push(b'h');
        step.number(177);
        step.append_to(&mut path);
        assert_eq!(path, b"M4 4.5h7m-33 1h177");
    }

    #[test]
    fn too_long_is_empty() {
        assert_eq!(svg(&"x".repeat(4000), "x"), "");
    }
}
