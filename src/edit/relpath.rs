//! Relative paths between content files, as Markdown links are written
//! (CONTENT-MODEL.md, "Links"): `[惠东社工站](../stations/huidong.md)` from
//! `news/a.md`. The build resolves them from the linking file's folder
//! ([`crate::link::referrers::link_target`] is the reverse of [`link`]).

/// The link from the content file `from` to the content file `to` (both
/// relative to `content/`): `../` for each folder of `from` not shared,
/// then the rest of `to`. Names are percent-escaped where Markdown would
/// misread them (a space, parentheses).
pub fn link(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let from_dirs = &from_dirs[..from_dirs.len().saturating_sub(1)];
    let to_parts: Vec<&str> = to.split('/').collect();
    let shared = from_dirs
        .iter()
        .zip(&to_parts[..to_parts.len().saturating_sub(1)])
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = "../".repeat(from_dirs.len() - shared);
    out.push_str(&to_parts[shared..].join("/"));
    escape(&out)
}

fn escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            ' ' => out.push_str("%20"),
            '(' => out.push_str("%28"),
            ')' => out.push_str("%29"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::link::referrers::link_target;

    #[test]
    fn links_are_relative_to_the_linking_file() {
        for (from, to, want) in [
            ("news/a.md", "stations/huidong.md", "../stations/huidong.md"),
            (
                "services/huidong/tanfang.md",
                "stations/huidong.md",
                "../../stations/huidong.md",
            ),
            (
                "services/huidong/tanfang.md",
                "services/huidong/365-zaixian.md",
                "365-zaixian.md",
            ),
            (
                "services/huixi/a.md",
                "services/huidong/b.md",
                "../huidong/b.md",
            ),
            (
                "about.md",
                "training/jichu/_index.md",
                "training/jichu/_index.md",
            ),
            ("training/jichu/l1.md", "about.md", "../../about.md"),
            ("about.md", "contact.md", "contact.md"),
        ] {
            let got = link(from, to);
            assert_eq!(got, want, "{from} → {to}");
            // The build reads the link back to the same file.
            assert_eq!(link_target(from, &got).as_deref(), Some(to), "{got}");
        }
    }
}
