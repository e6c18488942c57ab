//! Code highlighting with syntect: CSS classes in the HTML and one generated
//! stylesheet, so pages carry no inline colours and a theme can restyle code.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use syntect::highlighting::{Color, ThemeSet};
use syntect::html::{ClassStyle, ClassedHTMLGenerator, css_for_theme_with_class_style};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "hl-" };

/// Loaded once per process: deserialising the syntax set takes tens of milliseconds.
fn syntaxes() -> &'static SyntaxSet {
    static SYNTAXES: OnceLock<SyntaxSet> = OnceLock::new();
    SYNTAXES.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// Highlighted blocks kept, by language and code; past this the cache starts
/// again. Sites repeat snippets (the same example in every lesson of a
/// course, the same settings block on many pages), and syntect's parser costs
/// some 7,000 instructions a regex search, millions a block: a repeat costs a
/// hash and a copy instead.
const CACHE_LIMIT: usize = 512;
/// Blocks longer than this are highlighted every time, not kept.
const CACHE_MAX_CODE: usize = 16 * 1024;

type Cache = Mutex<HashMap<(String, String), Option<String>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(Cache::default)
}

/// The code as highlighted HTML spans, or None for a language we do not know.
/// The same code and language always give the same HTML, so repeats come from
/// a cache.
pub fn highlight(code: &str, language: &str) -> Option<String> {
    if code.len() > CACHE_MAX_CODE {
        return highlight_uncached(code, language);
    }
    let key = (language.to_string(), code.to_string());
    let hit = cache().lock().ok().and_then(|c| c.get(&key).cloned());
    if let Some(hit) = hit {
        return hit;
    }
    let made = highlight_uncached(code, language);
    if let Ok(mut c) = cache().lock() {
        if c.len() >= CACHE_LIMIT {
            c.clear();
        }
        c.insert(key, made.clone());
    }
    made
}

fn highlight_uncached(code: &str, language: &str) -> Option<String> {
    let syntaxes = syntaxes();
    let syntax = syntaxes
        .find_syntax_by_token(language)
        .or_else(|| syntaxes.find_syntax_by_extension(&language.to_lowercase()))?;
    let mut generator = ClassedHTMLGenerator::new_with_class_style(syntax, syntaxes, CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        generator
            .parse_html_for_line_which_includes_newline(line)
            .ok()?;
    }
    Some(generator.finalize())
}

/// The stylesheet for the highlight classes, from syntect's InspiredGitHub
/// theme with every colour darkened as needed to reach a 4.5:1 contrast with
/// the background (WCAG AA), since elderly readers rely on it.
pub fn stylesheet() -> &'static str {
    static CSS: OnceLock<String> = OnceLock::new();
    CSS.get_or_init(make_stylesheet)
}

fn make_stylesheet() -> String {
    let themes = ThemeSet::load_defaults();
    let Some(mut theme) = themes.themes.get("InspiredGitHub").cloned() else {
        return String::new();
    };
    let background = theme.settings.background.unwrap_or(Color::WHITE);
    if let Some(fg) = theme.settings.foreground.as_mut() {
        *fg = with_contrast(*fg, background);
    }
    for item in &mut theme.scopes {
        let bg = item.style.background.unwrap_or(background);
        if let Some(fg) = item.style.foreground.as_mut() {
            *fg = with_contrast(*fg, bg);
        }
    }
    css_for_theme_with_class_style(&theme, CLASS_STYLE).unwrap_or_default()
}

fn luminance(c: Color) -> f64 {
    let channel = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.039_28 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
}

/// WCAG contrast ratio of two colours.
pub fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

fn with_contrast(mut fg: Color, bg: Color) -> Color {
    let darken = luminance(bg) > 0.5;
    for _ in 0..100 {
        if contrast(fg, bg) >= 4.6 {
            break;
        }
        let step = |v: u8| {
            if darken {
                v.saturating_sub(6)
            } else {
                v.saturating_add(6)
            }
        };
        fg = Color {
            r: step(fg.r),
            g: step(fg.g),
            b: step(fg.b),
            a: fg.a,
        };
    }
    fg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_languages_get_classes_unknown_do_not() {
        let html = highlight("def f():\n    return 1\n", "python").unwrap();
        assert!(html.contains("class=\"hl-"), "{html}");
        assert!(!html.contains("style="));
        assert!(highlight("x", "no-such-language").is_none());
    }

    #[test]
    fn stylesheet_colours_reach_aa_contrast() {
        let css = stylesheet();
        assert!(css.contains(".hl-"));
        for hex in css.split("color: #").skip(1) {
            let h = &hex[..6];
            let c = Color {
                r: u8::from_str_radix(&h[0..2], 16).unwrap(),
                g: u8::from_str_radix(&h[2..4], 16).unwrap(),
                b: u8::from_str_radix(&h[4..6], 16).unwrap(),
                a: 255,
            };
            // Background colours are near white; text colours must contrast.
            if luminance(c) < 0.8 {
                assert!(contrast(c, Color::WHITE) >= 4.5, "#{h}");
            }
        }
    }
}
