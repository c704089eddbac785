//! Embeds the templates and message catalogs, and makes cargo notice new migration and
//! template files (diesel's `embed_migrations!` alone does not see new folders).

use std::fmt::Write;
use std::path::Path;

fn collect(dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable dir")
        .flatten()
        .collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else {
            out.push(path.to_string_lossy().into_owned());
        }
    }
}

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed=templates");
    println!("cargo:rerun-if-changed=fixtures");
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let templates = Path::new(&root).join("templates");
    let mut files = Vec::new();
    collect(&templates, &mut files);
    let mut code = String::from("pub const TEMPLATES: &[(&str, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
        let name = Path::new(f)
            .strip_prefix(&templates)
            .expect("collected under the templates folder")
            .to_string_lossy()
            .replace('\\', "/");
        writeln!(code, "    ({name:?}, include_str!({f:?})),")
            .expect("writing to a String cannot fail");
    }
    code.push_str("];\n");
    for sub in ["migrations/sqlite", "migrations/postgres"] {
        for entry in std::fs::read_dir(Path::new(&root).join(sub))
            .expect("migrations dir")
            .flatten()
        {
            println!("cargo:rerun-if-changed={}", entry.path().display());
        }
    }
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("embedded_templates.rs");
    std::fs::write(out, code).expect("OUT_DIR is writable");
}
