//! Links inside pages, relative to the page: `../../stations/huidong/`.
//!
//! Templates, cards, the navigation and Markdown bodies all write a link as
//! the site's path (`base_path` + site path: `/stations/huidong/`), so that one
//! card or one navigation bar serves every page. Each rendered page is then
//! passed through [`relativize`], which rewrites the URL attributes that start
//! with `base_path` into paths relative to that page. Relative links work
//! wherever the folder is put: at a domain's root, under a sub-folder
//! (`https://example.org/guanzhuang/`) and opened from disk (`file://`), where
//! a root-relative `/css/style.css` would point at the root of the drive.
//! Built for disk, links to folders also name their `index.html`, which a
//! browser does not add on `file://`.
//!
//! What leaves the site (feeds, the sitemap, canonical links, JSON-LD, QR
//! codes, calendars) uses absolute URLs from `base_url` and is not touched:
//! only double-quoted attribute values that start with `base_path` are.

/// Attributes holding a URL (or, for `srcset`, a list of them).
fn is_url_attribute(name: &[u8]) -> bool {
    const NAMES: [&[u8]; 7] = [
        b"href",
        b"src",
        b"action",
        b"formaction",
        b"poster",
        b"srcset",
        b"xlink:href",
    ];
    NAMES.iter().any(|n| name.eq_ignore_ascii_case(n))
        || name.len() > 5 && name[..5].eq_ignore_ascii_case(b"data-")
}

/// The address of `target` (a site path such as `services/huidong/x/`,
/// `css/style.css` or `` for the home page, possibly followed by `?query`
/// or `#fragment`) as seen from the page written at `page` (an output path
/// such as `stations/huidong/index.html`).
pub fn relative(page: &str, target: &str, disk: bool) -> String {
    let mut out = String::with_capacity(target.len() + 12);
    push_relative(&mut out, page, target, disk);
    out
}

/// [`relative`], appended to `out` (every page has a hundred links or
/// more: no allocation per link).
fn push_relative(out: &mut String, page: &str, target: &str, disk: bool) {
    // Byte searches: `/`, `?` and `#` are ASCII, never inside a multi-byte
    // character, and this runs for every link of every page.
    let split = target
        .bytes()
        .position(|b| b == b'?' || b == b'#')
        .unwrap_or(target.len());
    let (path, suffix) = target.split_at(split);
    let page_dir = match page.bytes().rposition(|b| b == b'/') {
        Some(i) => &page[..=i],
        None => "",
    };
    let (target_dir, file) = match path.bytes().rposition(|b| b == b'/') {
        Some(i) => (&path[..=i], &path[i + 1..]),
        None => ("", path),
    };
    let file = if file.is_empty() && disk {
        "index.html"
    } else {
        file
    };
    // The page itself: a fragment alone stays on it without a reload.
    let same_page = page_dir == target_dir
        && (page[page_dir.len()..] == *file || file.is_empty() && page.ends_with("index.html"));
    if same_page && suffix.starts_with('#') {
        out.push_str(suffix);
        return;
    }
    // The folders both are in: the bytes up to the last `/` before they
    // first differ (both folders end with `/` or are empty).
    let mut common_len = 0;
    for (i, (a, b)) in page_dir.bytes().zip(target_dir.bytes()).enumerate() {
        if a != b {
            break;
        }
        if a == b'/' {
            common_len = i + 1;
        }
    }
    let ups = page_dir.as_bytes()[common_len..]
        .iter()
        .filter(|&&b| b == b'/')
        .count();
    for _ in 0..ups {
        out.push_str("../");
    }
    let start = out.len();
    out.push_str(&target_dir[common_len..]);
    out.push_str(file);
    // `a:b/` would read as a scheme; `` as this very page.
    if ups == 0 {
        let rest = &out[start..];
        let first = rest.split('/').next().unwrap_or_default();
        if rest.is_empty() || first.contains(':') {
            out.insert_str(start, "./");
        }
    }
    out.push_str(suffix);
}

/// Copies the page `html`, written at `page`, into `out` with every URL
/// attribute that starts with `base_path` made relative to the page.
pub fn relativize(html: &[u8], page: &str, base_path: &str, disk: bool, out: &mut Vec<u8>) {
    out.clear();
    out.reserve(html.len() + html.len() / 16);
    let pattern = format!("=\"{base_path}");
    let finder = memchr::memmem::Finder::new(pattern.as_bytes());
    let mut copied = 0;
    let mut link = String::new();
    for hit in finder.find_iter(html) {
        if hit < copied {
            continue;
        }
        // The attribute's name: letters back to a space inside a tag. (Text
        // never holds `="`: pages escape quotes in text as `&quot;`.)
        let name_start = html[..hit]
            .iter()
            .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':')))
            .map_or(0, |i| i + 1);
        let in_tag = name_start > 0 && html[name_start - 1].is_ascii_whitespace();
        if !in_tag || !is_url_attribute(&html[name_start..hit]) {
            continue;
        }
        let start = hit + 2;
        let Some(len) = memchr::memchr(b'"', &html[start..]) else {
            break;
        };
        let end = start + len;
        let Ok(value) = std::str::from_utf8(&html[start..end]) else {
            continue;
        };
        out.extend_from_slice(&html[copied..start]);
        let cx = Cx {
            page,
            base_path,
            disk,
        };
        if html[name_start..hit].eq_ignore_ascii_case(b"srcset") {
            push_srcset(out, value, &cx, &mut link);
        } else {
            push_url(out, value, &cx, &mut link);
        }
        copied = end;
    }
    out.extend_from_slice(&html[copied..]);
}

/// Where the links of a page are made relative from.
struct Cx<'a> {
    page: &'a str,
    base_path: &'a str,
    disk: bool,
}

fn push_url(out: &mut Vec<u8>, value: &str, cx: &Cx, link: &mut String) {
    match value.strip_prefix(cx.base_path) {
        // `//host/…` is another site, written without its scheme.
        Some(target) if !(cx.base_path == "/" && target.starts_with('/')) => {
            link.clear();
            push_relative(link, cx.page, target, cx.disk);
            out.extend_from_slice(link.as_bytes());
        }
        _ => out.extend_from_slice(value.as_bytes()),
    }
}

/// `srcset="/a.jpg 1x, /b.jpg 2x"`: each candidate's URL.
fn push_srcset(out: &mut Vec<u8>, value: &str, cx: &Cx, link: &mut String) {
    for (n, candidate) in value.split(',').enumerate() {
        if n > 0 {
            out.push(b',');
        }
        let trimmed = candidate.trim_start();
        out.extend_from_slice(&candidate.as_bytes()[..candidate.len() - trimmed.len()]);
        let url_end = trimmed.find(char::is_whitespace).unwrap_or(trimmed.len());
        push_url(out, &trimmed[..url_end], cx, link);
        out.extend_from_slice(&trimmed.as_bytes()[url_end..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(html: &str, page: &str, base: &str, disk: bool) -> String {
        let mut out = Vec::new();
        relativize(html.as_bytes(), page, base, disk, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn links_climb_out_of_the_page_folder() {
        let page = "stations/huidong/index.html";
        assert_eq!(
            relative(page, "services/huidong/x/", false),
            "../../services/huidong/x/"
        );
        assert_eq!(relative(page, "", false), "../../");
        assert_eq!(relative(page, "", true), "../../index.html");
        assert_eq!(relative(page, "css/style.css", true), "../../css/style.css");
        assert_eq!(relative(page, "stations/huidong/menu/", false), "menu/");
        assert_eq!(
            relative(page, "stations/huidong/menu/", true),
            "menu/index.html"
        );
        assert_eq!(relative(page, "stations/", false), "../");
        assert_eq!(relative(page, "stations/huixi/", false), "../huixi/");
        assert_eq!(relative("index.html", "", false), "./");
        assert_eq!(relative("index.html", "", true), "index.html");
        assert_eq!(relative("index.html", "atom.xml", false), "atom.xml");
        assert_eq!(
            relative("404.html", "search/?q=a", true),
            "search/index.html?q=a"
        );
    }

    #[test]
    fn fragments_and_queries_stay_and_the_page_itself_is_a_bare_fragment() {
        let page = "stations/huidong/index.html";
        assert_eq!(relative(page, "stations/huidong/#fuwu", false), "#fuwu");
        assert_eq!(relative(page, "stations/huidong/#fuwu", true), "#fuwu");
        assert_eq!(relative(page, "stations/huidong/", false), "./");
        assert_eq!(
            relative(page, "stations/huixi/#a", true),
            "../huixi/index.html#a"
        );
        assert_eq!(
            relative(page, "search/?q=老人", false),
            "../../search/?q=老人"
        );
        assert_eq!(relative("a/b.html", "a/b.html#x", false), "#x");
    }

    #[test]
    fn a_first_segment_with_a_colon_is_not_read_as_a_scheme() {
        assert_eq!(relative("index.html", "tags/a:b/", false), "tags/a:b/");
        assert_eq!(relative("tags/index.html", "tags/a:b/", false), "./a:b/");
    }

    #[test]
    fn only_url_attributes_under_the_base_are_rewritten() {
        let html = r##"<a href="/about/">x</a> <img src="/a.png" alt="/b/"> <p title="/c/">href="/d/"</p>
<a href="https://e.org/x/">e</a><a href="//cdn/x">c</a><a href="#top">t</a><form action="/search/"><div data-index="/search/"></div>"##;
        let out = rewrite(html, "news/x/index.html", "/", false);
        assert_eq!(
            out,
            r##"<a href="../../about/">x</a> <img src="../../a.png" alt="/b/"> <p title="/c/">href="/d/"</p>
<a href="https://e.org/x/">e</a><a href="//cdn/x">c</a><a href="#top">t</a><form action="../../search/"><div data-index="../../search/"></div>"##
        );
    }

    #[test]
    fn under_a_sub_folder_only_its_links_are_made_relative() {
        let html = r#"<a href="/guanzhuang/stations/">s</a><a href="/other/">o</a>"#;
        assert_eq!(
            rewrite(html, "stations/huidong/index.html", "/guanzhuang/", true),
            r#"<a href="../index.html">s</a><a href="/other/">o</a>"#
        );
    }

    #[test]
    fn every_candidate_of_a_srcset() {
        let html = r#"<img srcset="/i/a-480.jpg 480w, /i/a-960.jpg 960w" src="/i/a.jpg">"#;
        assert_eq!(
            rewrite(html, "news/x/index.html", "/", false),
            r#"<img srcset="../../i/a-480.jpg 480w, ../../i/a-960.jpg 960w" src="../../i/a.jpg">"#
        );
    }
}
