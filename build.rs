//! Embeds the default theme and the demo site in the binary, so that a bare
//! folder of content builds with the default theme and `zhan init` works from
//! anywhere. Generates `$OUT_DIR/embedded.rs` with one `include_bytes!` per file.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn is_litter(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") || name == "4913"
}

fn collect(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        if is_litter(&name) {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect(&path, base, out);
        } else if let Ok(rel) = path.strip_prefix(base) {
            out.push((rel.to_string_lossy().replace('\\', "/"), path.clone()));
        }
    }
}

fn table(name: &str, files: &[(String, PathBuf)]) -> String {
    let mut code = format!("pub static {name}: &[(&str, &[u8])] = &[\n");
    for (rel, path) in files {
        let _ = writeln!(
            code,
            "    ({rel:?}, include_bytes!({:?})),",
            path.to_string_lossy()
        );
    }
    code.push_str("];\n");
    code
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let theme_dir = root.join("themes/default");
    let mut theme = Vec::new();
    collect(&theme_dir, &theme_dir, &mut theme);
    let mut demo = Vec::new();
    collect(&root.join("content"), &root, &mut demo);
    demo.push(("site.yaml".to_string(), root.join("site.yaml")));
    demo.sort();
    let code = table("DEFAULT_THEME", &theme) + &table("DEMO_SITE", &demo);
    let out =
        PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("embedded.rs");
    if let Err(err) = std::fs::write(&out, code) {
        panic!("cannot write {}: {err}", out.display());
    }
    for watched in ["themes/default", "content", "site.yaml"] {
        println!("cargo:rerun-if-changed={watched}");
    }
}
