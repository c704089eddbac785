//! The direction of imports between the layers (see ARCHITECTURE.md), checked by reading
//! every `crate::…` path in `src/`. A file belongs to the layer of its first folder or file
//! name under `src/` (`src/db/models/mail.rs` is in `db`, `src/error.rs` in `error`).

// A failed unwrap in a test or bench is its failure, which is what we want.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What a layer must not use: paths below `crate::` (a prefix matches whole segments).
const RULES: &[(&str, &[&str])] = &[
    (
        "domain",
        &[
            "db",
            "workflow",
            "web",
            "routes",
            "mail",
            "pdf",
            "storage",
            "error",
            "startup",
            "jobs",
            "telemetry",
            "config",
            "auth",
        ],
    ),
    (
        "db",
        &[
            "workflow", "web", "routes", "mail", "pdf", "storage", "error", "startup", "jobs",
        ],
    ),
    ("workflow", &["web", "routes", "startup", "jobs"]),
    ("mail", &["workflow", "web", "routes", "startup", "jobs"]),
    (
        "pdf",
        &["db", "workflow", "web", "routes", "mail", "startup", "jobs"],
    ),
    (
        "storage",
        &["db", "workflow", "web", "routes", "mail", "pdf"],
    ),
    ("error", &["workflow", "routes"]),
    (
        "refusal",
        &[
            "db", "workflow", "web", "routes", "mail", "pdf", "storage", "error",
        ],
    ),
    (
        "templates",
        &[
            "domain", "db", "workflow", "web", "routes", "mail", "pdf", "storage", "error",
        ],
    ),
    ("routes", &["db::models"]),
];

/// Crates the pure domain must not use: no database, HTTP, mail, PDF, templates or runtime.
const DOMAIN_FORBIDDEN_CRATES: &[&str] = &[
    "diesel",
    "actix_web",
    "actix_multipart",
    "lettre",
    "printpdf",
    "tera",
    "tokio",
    "object_store",
];

#[test]
fn layers_import_only_downwards() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut broken = BTreeSet::new();
    for file in rust_files(&root.join("src")) {
        let name = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let layer = layer_of(&name);
        let code = without_comments(&std::fs::read_to_string(&file).unwrap());
        let Some((_, forbidden)) = RULES.iter().find(|(l, _)| *l == layer) else {
            continue;
        };
        for path in crate_paths(&code) {
            for rule in forbidden.iter().filter(|rule| within(&path, rule)) {
                broken.insert((name.clone(), rule.to_string()));
            }
        }
        if layer == "domain" {
            for krate in DOMAIN_FORBIDDEN_CRATES {
                if uses_crate(&code, krate) {
                    broken.insert((name.clone(), krate.to_string()));
                }
            }
        }
    }

    assert!(
        broken.is_empty(),
        "imports against the layer rules (file, forbidden path): {broken:#?}"
    );
}

/// Rows are read and written by the database layer only: what a response shows is built
/// by a view in `workflow::views`, so no row may be serialized directly.
#[test]
fn no_database_row_derives_serialize() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut serialized = Vec::new();
    for file in rust_files(&root.join("src/db/models")) {
        let code = without_comments(&std::fs::read_to_string(&file).unwrap());
        for derive in code.split("#[derive(").skip(1) {
            let list = &derive[..derive.find(")]").unwrap_or(derive.len())];
            if list.split(',').any(|d| d.trim().ends_with("Serialize")) {
                let item = derive
                    .lines()
                    .find(|l| l.contains("struct ") || l.contains("enum "));
                serialized.push(format!(
                    "{}: {}",
                    file.display(),
                    item.unwrap_or("?").trim()
                ));
            }
        }
    }
    assert!(
        serialized.is_empty(),
        "database types deriving Serialize (use a view in workflow::views): {serialized:#?}"
    );
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// `src/db/models/mail.rs` -> `db`; `src/error.rs` -> `error`.
fn layer_of(file: &str) -> &str {
    let rest = file.strip_prefix("src/").unwrap_or(file);
    let first = rest.split('/').next().unwrap_or(rest);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The code without `//` comments (doc links name paths without importing them).
fn without_comments(code: &str) -> String {
    code.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ if line.trim_start().starts_with("//") => "",
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path used below `crate::`, with `use` groups expanded:
/// `crate::db::{models::mail, DbConn}` gives `db::models::mail` and `db::DbConn`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let preceded = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        rest = &rest[at + "crate::".len()..];
        if !preceded {
            let (tree, _) = path_tree(rest);
            expand("", &tree, &mut paths);
        }
    }
    paths
}

/// The path tree at the start of `text` (up to where it ends) and its length.
fn path_tree(text: &str) -> (String, usize) {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return (text[..i].to_string(), i),
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return (text[..=i].to_string(), i + 1);
                }
            }
            c if depth == 0 && !(c.is_alphanumeric() || c == '_' || c == ':') => {
                return (text[..i].to_string(), i);
            }
            _ => {}
        }
    }
    (text.to_string(), text.len())
}

fn expand(prefix: &str, tree: &str, out: &mut Vec<String>) {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let join = |a: &str, b: &str| {
        if a.is_empty() {
            b.to_string()
        } else if b.is_empty() {
            a.to_string()
        } else {
            format!("{a}::{b}")
        }
    };
    match tree.find('{') {
        None => out.push(join(prefix, tree.trim_end_matches(':'))),
        Some(open) => {
            let head = join(prefix, tree[..open].trim_end_matches(':'));
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&head, &inner[start..i], out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            if start < inner.len() {
                expand(&head, &inner[start..], out);
            }
        }
    }
}

/// Whether `path` is `rule` or below it, segment by segment.
fn within(path: &str, rule: &str) -> bool {
    path == rule || path.starts_with(&format!("{rule}::"))
}

fn uses_crate(code: &str, krate: &str) -> bool {
    let needle = format!("{krate}::");
    code.match_indices(&needle).any(|(at, _)| {
        !code[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    })
}

#[test]
fn paths_are_read_with_their_use_groups() {
    let code = "use crate::db::{models::{mail, user}, DbConn};\nfn f() { crate::workflow::x(); }\n// crate::web::ignored";
    assert_eq!(
        crate_paths(&without_comments(code)),
        [
            "db::models::mail",
            "db::models::user",
            "db::DbConn",
            "workflow::x"
        ]
    );
    assert!(within("db::models::mail", "db::models"));
    assert!(!within("db::modelsx", "db::models"));
    assert_eq!(layer_of("src/db/models/mail.rs"), "db");
    assert_eq!(layer_of("src/error.rs"), "error");
    assert!(uses_crate("use diesel::prelude::*;", "diesel"));
    assert!(!uses_crate("use my_diesel::x;", "diesel"));
}
