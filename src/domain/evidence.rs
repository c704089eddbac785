//! Evidence files: which kinds are accepted (by content and extension together), how an
//! uploaded name is kept as display text, and which ZIP entries are refused.

/// The kinds of file an enterprise may upload as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Pdf,
    Png,
    Jpeg,
    /// docx, xlsx, pptx (ZIP containers) and the older doc, xls, ppt (OLE containers).
    Office,
    Text,
    Csv,
    Zip,
}

impl Kind {
    pub fn media_type(self, extension: &str) -> &'static str {
        match (self, extension) {
            (Kind::Pdf, _) => "application/pdf",
            (Kind::Png, _) => "image/png",
            (Kind::Jpeg, _) => "image/jpeg",
            (Kind::Office, "docx") => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            (Kind::Office, "xlsx") => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            (Kind::Office, "pptx") => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            (Kind::Office, "doc") => "application/msword",
            (Kind::Office, "xls") => "application/vnd.ms-excel",
            (Kind::Office, _) => "application/vnd.ms-powerpoint",
            (Kind::Text, _) => "text/plain; charset=utf-8",
            (Kind::Csv, _) => "text/csv; charset=utf-8",
            (Kind::Zip, _) => "application/zip",
        }
    }

    /// ZIP-based kinds whose entries are checked before the file is accepted.
    pub fn is_zip_container(self, extension: &str) -> bool {
        self == Kind::Zip || (self == Kind::Office && extension.ends_with('x'))
    }
}

pub const ALLOWED_EXTENSIONS: &str =
    "pdf, png, jpg, jpeg, docx, xlsx, pptx, doc, xls, ppt, txt, md, csv, zip";

const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const ZIP: &[u8] = b"PK\x03\x04";

/// The extension of a file name, lower-cased ("" when there is none).
pub fn extension(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// Decides the kind from the first bytes and the extension; both must agree, so a
/// renamed executable or HTML page is refused.
pub fn classify(name: &str, head: &[u8]) -> Result<Kind, String> {
    let ext = extension(name);
    let expected = match ext.as_str() {
        "pdf" => Kind::Pdf,
        "png" => Kind::Png,
        "jpg" | "jpeg" => Kind::Jpeg,
        "docx" | "xlsx" | "pptx" | "doc" | "xls" | "ppt" => Kind::Office,
        "txt" | "md" => Kind::Text,
        "csv" => Kind::Csv,
        "zip" => Kind::Zip,
        "" => {
            return Err(format!(
                "the file has no extension; allowed: {ALLOWED_EXTENSIONS}"
            ))
        }
        other => {
            return Err(format!(
                "files of type .{other} are not accepted; allowed: {ALLOWED_EXTENSIONS}"
            ))
        }
    };
    let content_ok = match expected {
        Kind::Pdf => head.starts_with(b"%PDF-"),
        Kind::Png => head.starts_with(b"\x89PNG\r\n\x1a\n"),
        Kind::Jpeg => head.starts_with(&[0xFF, 0xD8, 0xFF]),
        Kind::Office if ext.ends_with('x') => head.starts_with(ZIP),
        Kind::Office => head.starts_with(OLE),
        Kind::Zip => head.starts_with(ZIP) || head.starts_with(b"PK\x05\x06"),
        Kind::Text | Kind::Csv => looks_like_text(head),
    };
    if content_ok {
        Ok(expected)
    } else {
        Err(format!(
            "the content of '{}' is not a .{ext} file",
            display_name(name)
        ))
    }
}

/// UTF-8 text without NUL bytes; a multi-byte character cut at the end of `head` is fine.
fn looks_like_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// The uploaded name kept as display text only: no directories, no control characters,
/// at most 120 characters. Stored paths never derive from it.
pub fn display_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .to_string();
    let clean = clean.trim_start_matches('.').to_string();
    let mut name: String = clean.chars().take(120).collect();
    if name.is_empty() {
        name = "file".into();
    }
    name
}

/// One entry of a ZIP archive, as listed from its central directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ZipEntry {
    pub name: String,
    pub size: u64,
}

/// Refuses archives with absolute or parent-relative paths, or that would expand beyond
/// `max_uncompressed` bytes.
pub fn check_zip_entries(entries: &[ZipEntry], max_uncompressed: u64) -> Result<(), String> {
    let mut total: u64 = 0;
    for e in entries {
        let n = e.name.replace('\\', "/");
        if n.starts_with('/') || n.split('/').any(|p| p == "..") || n.chars().nth(1) == Some(':') {
            return Err(format!(
                "the archive contains an unsafe path: {}",
                display_name_path(&e.name)
            ));
        }
        total = total.saturating_add(e.size);
    }
    if total > max_uncompressed {
        return Err(format!(
            "the archive would expand to {} MB; at most {} MB is accepted",
            total / 1_000_000,
            max_uncompressed / 1_000_000
        ));
    }
    Ok(())
}

fn display_name_path(p: &str) -> String {
    p.chars().filter(|c| !c.is_control()).take(200).collect()
}

/// A `Content-Disposition: attachment` header value safe for any name (RFC 6266 with
/// an RFC 5987 UTF-8 form and an ASCII fallback).
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.as_bytes() {
        if b.is_ascii_alphanumeric() || b"._-".contains(b) {
            encoded.push(*b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn content_and_extension_must_agree() {
        assert_eq!(classify("report.PDF", b"%PDF-1.7\n").unwrap(), Kind::Pdf);
        assert_eq!(
            classify("shot.png", b"\x89PNG\r\n\x1a\n....").unwrap(),
            Kind::Png
        );
        assert_eq!(
            classify("photo.jpeg", &[0xFF, 0xD8, 0xFF, 0xE0]).unwrap(),
            Kind::Jpeg
        );
        assert_eq!(
            classify("plan.xlsx", b"PK\x03\x04rest").unwrap(),
            Kind::Office
        );
        assert_eq!(classify("old.doc", OLE).unwrap(), Kind::Office);
        assert_eq!(
            classify("notes.txt", "持续交付 notes".as_bytes()).unwrap(),
            Kind::Text
        );
        assert_eq!(classify("data.csv", b"a,b\n1,2\n").unwrap(), Kind::Csv);
        assert_eq!(classify("bundle.zip", b"PK\x03\x04").unwrap(), Kind::Zip);

        assert!(classify("evil.pdf", b"MZ\x90\x00")
            .unwrap_err()
            .contains("is not a .pdf file"));
        assert!(classify("page.html", b"<html>")
            .unwrap_err()
            .contains(".html are not accepted"));
        assert!(classify("noext", b"%PDF-")
            .unwrap_err()
            .contains("no extension"));
        assert!(classify("bin.txt", b"ab\0cd").is_err());
        // A multi-byte character cut by the sniffing window is still text.
        let cut = &"持续".as_bytes()[..4];
        assert!(classify("a.txt", cut).is_ok());
    }

    #[test]
    fn display_names_lose_paths_and_control_characters() {
        assert_eq!(display_name("../../etc/passwd"), "passwd");
        assert_eq!(display_name("C:\\Users\\张喆\\证据.pdf"), "证据.pdf");
        assert_eq!(display_name("a\nb\r.pdf"), "ab.pdf");
        assert_eq!(display_name(".hidden"), "hidden");
        assert_eq!(display_name(""), "file");
        assert_eq!(display_name(&"长".repeat(300)).chars().count(), 120);
    }

    #[test]
    fn unsafe_zip_entries_are_refused() {
        let e = |n: &str, s: u64| ZipEntry {
            name: n.into(),
            size: s,
        };
        assert!(check_zip_entries(&[e("docs/a.pdf", 10), e("b.txt", 5)], 100).is_ok());
        assert!(check_zip_entries(&[e("/etc/passwd", 1)], 100)
            .unwrap_err()
            .contains("unsafe path"));
        assert!(check_zip_entries(&[e("a/../../x", 1)], 100).is_err());
        assert!(check_zip_entries(&[e("..\\x", 1)], 100).is_err());
        assert!(check_zip_entries(&[e("C:/x", 1)], 100).is_err());
        assert!(
            check_zip_entries(&[e("a", 60_000_000), e("b", 60_000_000)], 100_000_000)
                .unwrap_err()
                .contains("expand to 120 MB")
        );
    }

    #[test]
    fn content_disposition_is_safe_for_any_name() {
        assert_eq!(
            content_disposition("证据 1.pdf"),
            "attachment; filename=\"__ 1.pdf\"; filename*=UTF-8''%E8%AF%81%E6%8D%AE%201.pdf"
        );
        let h = content_disposition("a\"b;\r\nX-Evil: 1.pdf");
        assert!(!h.contains('\r') && !h.contains('\n'));
        assert!(h.starts_with("attachment; filename=\"a_b__"));
    }

    proptest! {
        #[test]
        fn display_names_never_contain_separators_or_controls(s in "\\PC{0,200}|[\\x00-\\x7f]{0,50}") {
            let d = display_name(&s);
            prop_assert!(!d.contains('/') && !d.contains('\\'));
            prop_assert!(!d.chars().any(char::is_control));
            prop_assert!(!d.is_empty() && d.chars().count() <= 120);
        }

        #[test]
        fn header_values_are_always_ascii_without_line_breaks(s in "\\PC{0,80}") {
            let h = content_disposition(&s);
            prop_assert!(h.is_ascii());
            prop_assert!(!h.contains('\r') && !h.contains('\n'));
        }
    }
}
