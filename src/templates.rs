//! The files under `templates/` (pages, e-mails, message catalogs), embedded at build time
//! by `build.rs` as `TEMPLATES: &[(name, text)]`. A leaf: pages (`web`) and e-mails
//! (`mail`) both read it.

include!(concat!(env!("OUT_DIR"), "/embedded_templates.rs"));
