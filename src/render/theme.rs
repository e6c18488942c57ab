//! Finding a theme's templates, static files and interface strings: in the
//! site's `themes/<name>/`, else (for `default`) the copy built into the binary;
//! then the site's own `templates/` and `static/` on top.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::diagnostics::{Diagnostic, Diagnostics, Pos, Problem};
use crate::load::{self, SitePaths, Value, is_editor_litter};
use crate::model::config::Config;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
pub use embedded::{DEFAULT_THEME, DEMO_SITE};

/// Where a static file's bytes come from.
#[derive(Debug, Clone)]
pub enum Bytes {
    Embedded(&'static [u8]),
    File(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Template {
    pub name: String,
    pub source: String,
    /// The file as shown in messages.
    pub origin: String,
}

#[derive(Debug, Default)]
pub struct Theme {
    pub templates: Vec<Template>,
    /// Output path (relative to the site root) → bytes. Later entries win.
    pub static_files: BTreeMap<String, Bytes>,
    pub strings: BTreeMap<String, String>,
}

/// A theme folder's files, from disk or the binary: (path in theme, bytes source).
fn theme_files(
    paths: &SitePaths,
    name: &str,
    diagnostics: &mut Diagnostics,
) -> Option<(Vec<(String, Bytes)>, String)> {
    let dir = paths.root.join("themes").join(name);
    if dir.is_dir() {
        let mut files = Vec::new();
        walk(&dir, &mut files);
        return Some((files, paths.display(&format!("themes/{name}/"))));
    }
    if name == "default" {
        let files = DEFAULT_THEME
            .iter()
            .map(|(p, b)| (p.to_string(), Bytes::Embedded(b)))
            .collect();
        return Some((files, "(built-in default theme) ".to_string()));
    }
    diagnostics.push(
        Diagnostic::error(
            paths.display(crate::model::config::FILE),
            Pos::START,
            "E-THEME-MISSING",
        )
        .arg("name", name)
        .with_hint("H-THEME-MISSING"),
    );
    None
}

fn walk(dir: &Path, out: &mut Vec<(String, Bytes)>) {
    let walker = WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_editor_litter(&e.file_name().to_string_lossy()));
    for entry in walker.filter_map(Result::ok) {
        if entry.file_type().is_file() {
            if let Ok(rel) = entry.path().strip_prefix(dir) {
                out.push((
                    rel.to_string_lossy().replace('\\', "/"),
                    Bytes::File(entry.path().to_path_buf()),
                ));
            }
        }
    }
}

fn read(bytes: &Bytes) -> std::io::Result<Vec<u8>> {
    match bytes {
        Bytes::Embedded(b) => Ok(b.to_vec()),
        Bytes::File(p) => std::fs::read(p),
    }
}

pub fn read_bytes(bytes: &Bytes) -> std::io::Result<Vec<u8>> {
    read(bytes)
}

/// Loads the theme named in the config, with the site's overrides.
pub fn load(paths: &SitePaths, config: &Config, diagnostics: &mut Diagnostics) -> Option<Theme> {
    let (files, origin_prefix) = theme_files(paths, &config.theme, diagnostics)?;
    let mut theme = Theme::default();
    let mut templates: BTreeMap<String, Template> = BTreeMap::new();
    let mut add_template = |name: &str,
                            bytes: &Bytes,
                            origin: String,
                            diagnostics: &mut Diagnostics| {
        match read(bytes)
            .map_err(|e| {
                (
                    Pos::START,
                    Problem::new("E-READ-FILE")
                        .arg("detail", e.to_string())
                        .with_hint("H-READ-FILE"),
                )
            })
            .and_then(|b| load::decode(&b))
        {
            Ok(source) => {
                templates.insert(
                    name.to_string(),
                    Template {
                        name: name.to_string(),
                        source,
                        origin,
                    },
                );
            }
            Err((pos, problem)) => diagnostics.push(problem.error_at(origin, pos)),
        }
    };
    for (path, bytes) in &files {
        if let Some(name) = path.strip_prefix("templates/") {
            add_template(name, bytes, format!("{origin_prefix}{path}"), diagnostics);
        } else if let Some(rel) = path.strip_prefix("static/") {
            theme.static_files.insert(rel.to_string(), bytes.clone());
        } else if path == "strings.yaml" {
            let origin = format!("{origin_prefix}{path}");
            if let Ok(text) = read(bytes)
                .map_err(|e| {
                    (
                        Pos::START,
                        Problem::new("E-READ-FILE").arg("detail", e.to_string()),
                    )
                })
                .and_then(|b| load::decode(&b))
            {
                read_strings(&text, &origin, &mut theme.strings, diagnostics);
            }
        }
    }
    // The site's own templates and static files override the theme's.
    let site_templates = paths.root.join("templates");
    if site_templates.is_dir() {
        let mut files = Vec::new();
        walk(&site_templates, &mut files);
        for (name, bytes) in &files {
            add_template(
                name,
                bytes,
                paths.display(&format!("templates/{name}")),
                diagnostics,
            );
        }
    }
    let site_static = paths.root.join("static");
    if site_static.is_dir() {
        let mut files = Vec::new();
        walk(&site_static, &mut files);
        theme.static_files.extend(files);
    }
    for (key, text) in &config.strings {
        if !theme.strings.contains_key(key) {
            let known = theme.strings.keys().map(String::as_str);
            let d = Diagnostic::warning(
                paths.display(crate::model::config::FILE),
                Pos::START,
                "W-STRING-UNKNOWN",
            )
            .arg("key", key.as_str());
            diagnostics.push(match crate::diagnostics::did_you_mean(key, known) {
                Some(close) => d.arg("close", close).with_hint("H-STRING-UNKNOWN-CLOSE"),
                None => d.with_hint("H-STRING-UNKNOWN"),
            });
        }
        theme.strings.insert(key.clone(), text.clone());
    }
    theme.templates = templates.into_values().collect();
    Some(theme)
}

fn read_strings(
    text: &str,
    origin: &str,
    out: &mut BTreeMap<String, String>,
    diagnostics: &mut Diagnostics,
) {
    match load::frontmatter::parse(text, 1, origin) {
        Ok(node) => {
            for (key, value) in node.as_map().unwrap_or_default() {
                match &value.value {
                    Value::Str(s) => {
                        out.insert(key.name.clone(), s.clone());
                    }
                    _ => diagnostics.push(
                        Diagnostic::error(origin, value.pos, "E-STRING-NOT-TEXT")
                            .arg("key", key.name.as_str())
                            .with_hint("H-STRING-NOT-TEXT"),
                    ),
                }
            }
        }
        Err(d) => diagnostics.push(d),
    }
}
