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

/// Why an uploaded file is refused for what it is (its type, its content, the archive it
/// holds). The English words are for tests and logs; people read the catalogs'.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileRefused {
    #[error("the file has no extension; allowed: {ALLOWED_EXTENSIONS}")]
    NoExtension,
    #[error("files of type .{extension} are not accepted; allowed: {ALLOWED_EXTENSIONS}")]
    TypeNotAccepted { extension: String },
    #[error("'{name}' is empty")]
    Empty { name: String },
    #[error("the content of '{name}' is not a .{extension} file")]
    ContentMismatch { name: String, extension: String },
    #[error("the file is not a readable ZIP archive")]
    ZipUnreadable,
    #[error("the ZIP archive is damaged")]
    ZipDamaged,
    #[error("the archive contains an unsafe path: {path}")]
    UnsafePath { path: String },
    /// Sizes in bytes.
    #[error("the archive would expand to {}; at most {} is accepted", binary(*size), binary(*max))]
    ArchiveTooLarge { size: u64, max: u64 },
}

/// Decides the kind from the first bytes and the extension; both must agree, so a
/// renamed executable or HTML page is refused. An empty file is evidence of nothing,
/// whatever its type: `head` holds the first bytes, so it is empty only for an empty file.
pub fn classify(name: &str, head: &[u8]) -> Result<Kind, FileRefused> {
    let ext = extension(name);
    let expected = match ext.as_str() {
        "pdf" => Kind::Pdf,
        "png" => Kind::Png,
        "jpg" | "jpeg" => Kind::Jpeg,
        "docx" | "xlsx" | "pptx" | "doc" | "xls" | "ppt" => Kind::Office,
        "txt" | "md" => Kind::Text,
        "csv" => Kind::Csv,
        "zip" => Kind::Zip,
        "" => return Err(FileRefused::NoExtension),
        other => {
            return Err(FileRefused::TypeNotAccepted {
                extension: other.to_owned(),
            })
        }
    };
    if head.is_empty() {
        return Err(FileRefused::Empty {
            name: display_name(name),
        });
    }
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
        Err(FileRefused::ContentMismatch {
            name: display_name(name),
            extension: ext,
        })
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
pub fn check_zip_entries(entries: &[ZipEntry], max_uncompressed: u64) -> Result<(), FileRefused> {
    let mut total: u64 = 0;
    for e in entries {
        let n = e.name.replace('\\', "/");
        if n.starts_with('/') || n.split('/').any(|p| p == "..") || n.chars().nth(1) == Some(':') {
            return Err(FileRefused::UnsafePath {
                path: display_name_path(&e.name),
            });
        }
        total = total.saturating_add(e.size);
    }
    if total > max_uncompressed {
        return Err(FileRefused::ArchiveTooLarge {
            size: total,
            max: max_uncompressed,
        });
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

/// Types a browser may show inside the sandboxed preview frame of the scoring page: PDF
/// and the two image types. Every other type (HTML-like text, office files, archives) is
/// only ever downloaded.
pub fn previewable(media_type: &str) -> bool {
    matches!(media_type, "application/pdf" | "image/png" | "image/jpeg")
}

/// The `Content-Disposition` of a download: inline only when the preview was asked for
/// and the type is [`previewable`], an attachment otherwise.
pub fn disposition(name: &str, media_type: &str, inline_asked: bool) -> String {
    let attachment = content_disposition(name);
    if inline_asked && previewable(media_type) {
        attachment.replacen("attachment", "inline", 1)
    } else {
        attachment
    }
}

// ---- Who may change and read evidence, and how much may be stored ----

use super::access::{Principal, Role};
use super::application_status::Status;
use super::ids::EnterpriseId;
use super::size::binary;
use chrono::NaiveDateTime;

/// Whether evidence of an application can change now, and as which version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditWindow {
    /// A draft: uploads are version 1 and any file may be removed.
    Draft,
    /// An item reopened by a clarification request: uploads become `version`, and only
    /// files of that version may be removed.
    Reopened { version: i32, until: NaiveDateTime },
}

impl EditWindow {
    pub fn version(self) -> i32 {
        match self {
            EditWindow::Draft => 1,
            EditWindow::Reopened { version, .. } => version,
        }
    }

    /// Earlier versions stay as they were submitted.
    pub fn may_remove(self, file_version: i32) -> bool {
        file_version == self.version()
    }
}

/// The latest reopening of one item: the version its uploads get, and until when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reopening {
    pub version: i32,
    pub until: NaiveDateTime,
}

/// Why an item's evidence may not change now.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Locked {
    #[error(
        "the clarification period for this item ended at {} UTC; its evidence is locked again",
        until.format("%Y-%m-%d %H:%M")
    )]
    ClarificationEnded { until: NaiveDateTime },
    #[error(
        "the application is {}; its evidence is locked. Only items reopened by a clarification request of the panel accept new versions",
        status.as_str().replace('_', " ")
    )]
    Submitted { status: Status },
}

/// Decides whether an item's evidence may change: freely in a draft; after submission
/// only while a clarification request keeps the item open.
pub fn edit_window(
    status: Status,
    reopening: Option<Reopening>,
    now: NaiveDateTime,
) -> Result<EditWindow, Locked> {
    if status == Status::Draft {
        return Ok(EditWindow::Draft);
    }
    let closed = matches!(
        status,
        Status::Approved | Status::Certified | Status::Withdrawn | Status::Rejected
    );
    match reopening {
        Some(r) if !closed && r.until > now => Ok(EditWindow::Reopened {
            version: r.version,
            until: r.until,
        }),
        Some(r) if !closed => Err(Locked::ClarificationEnded { until: r.until }),
        _ => Err(Locked::Submitted { status }),
    }
}

/// The state a clarification may reopen items in: after submission, before the result.
pub fn may_reopen(status: Status) -> bool {
    matches!(
        status,
        Status::Submitted
            | Status::Accepted
            | Status::InAssessment
            | Status::Scored
            | Status::InReview
            | Status::Returned
    )
}

/// What decides who may read an application's evidence.
#[derive(Debug, Clone, Copy)]
pub struct EvidenceFacts {
    pub application_enterprise: EnterpriseId,
    /// The enterprise the viewer belongs to, if any.
    pub viewer_enterprise: Option<EnterpriseId>,
    /// The viewer sits on the application's assessment panel.
    pub viewer_on_panel: bool,
    /// The viewer is a member of the round's review panel and not recused for this
    /// application.
    pub viewer_reviews: bool,
}

/// The applying enterprise's members, the application's assessment panel, the round's
/// review panel (except recused members) and the secretariat read every version.
pub fn may_read_evidence(viewer: &Principal, facts: &EvidenceFacts) -> bool {
    viewer.has(Role::Secretariat)
        || (viewer.has(Role::Enterprise)
            && facts.viewer_enterprise == Some(facts.application_enterprise))
        || (viewer.has(Role::Assessor) && facts.viewer_on_panel)
        || (viewer.has(Role::Reviewer) && facts.viewer_reviews)
}

/// How many bytes one more upload may have: the per-file limit, or what is left of the
/// application's quota if that is less.
pub fn upload_limit(max_file: u64, quota: u64, used: u64) -> u64 {
    max_file.min(quota.saturating_sub(used))
}

/// Which limit a file of `size` bytes would break (sizes in bytes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitExceeded {
    #[error("the file is larger than {}, the limit per file", binary(*max))]
    File { max: u64 },
    #[error(
        "the application's evidence quota of {} would be exceeded ({} already used)",
        binary(*quota),
        binary(*used)
    )]
    Quota { quota: u64, used: u64 },
}

pub fn limit_exceeded(size: u64, max_file: u64, quota: u64, used: u64) -> Option<LimitExceeded> {
    if size > max_file {
        Some(LimitExceeded::File { max: max_file })
    } else if used.saturating_add(size) > quota {
        Some(LimitExceeded::Quota { quota, used })
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn only_pdf_and_images_open_inline_and_only_when_asked() {
        let pdf = disposition("报告.pdf", "application/pdf", true);
        assert!(pdf.starts_with("inline; filename=\""), "{pdf}");
        assert!(disposition("a.png", "image/png", true).starts_with("inline;"));
        assert!(disposition("a.jpg", "image/jpeg", true).starts_with("inline;"));
        assert!(disposition("a.pdf", "application/pdf", false).starts_with("attachment;"));
        for t in [
            "text/plain; charset=utf-8",
            "application/zip",
            "text/csv; charset=utf-8",
        ] {
            assert!(disposition("x", t, true).starts_with("attachment;"), "{t}");
            assert!(!previewable(t));
        }
    }

    fn at(h: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    }

    #[test]
    fn evidence_is_locked_after_submission_except_for_reopened_items() {
        assert_eq!(
            edit_window(Status::Draft, None, at(1)),
            Ok(EditWindow::Draft)
        );
        let locked = edit_window(Status::Submitted, None, at(1))
            .unwrap_err()
            .to_string();
        assert!(
            locked.contains("submitted; its evidence is locked"),
            "{locked}"
        );
        let r = Reopening {
            version: 2,
            until: at(12),
        };
        assert_eq!(
            edit_window(Status::InAssessment, Some(r), at(11)),
            Ok(EditWindow::Reopened {
                version: 2,
                until: at(12)
            })
        );
        assert!(edit_window(Status::InAssessment, Some(r), at(12))
            .unwrap_err()
            .to_string()
            .contains("clarification period"));
        assert!(edit_window(Status::Certified, Some(r), at(11)).is_err());
        let w = edit_window(Status::Accepted, Some(r), at(1)).unwrap();
        assert!(w.may_remove(2) && !w.may_remove(1));
        assert!(EditWindow::Draft.may_remove(1));
        assert!(may_reopen(Status::InAssessment) && !may_reopen(Status::Draft));
        assert!(!may_reopen(Status::Withdrawn));
    }

    #[test]
    fn evidence_is_read_by_its_enterprise_its_panels_and_the_secretariat_only() {
        let person = |roles: &[Role]| Principal {
            user_id: crate::domain::ids::UserId::new(),
            email: "x@example.cn".into(),
            display_name: "x".into(),
            roles: roles.iter().copied().collect(),
        };
        let (e1, e2) = (EnterpriseId::new(), EnterpriseId::new());
        let own = EvidenceFacts {
            application_enterprise: e1,
            viewer_enterprise: Some(e1),
            viewer_on_panel: false,
            viewer_reviews: false,
        };
        let other = EvidenceFacts {
            viewer_enterprise: Some(e2),
            ..own
        };
        assert!(may_read_evidence(&person(&[Role::Enterprise]), &own));
        assert!(!may_read_evidence(&person(&[Role::Enterprise]), &other));
        assert!(may_read_evidence(&person(&[Role::Secretariat]), &other));
        assert!(!may_read_evidence(&person(&[Role::Assessor]), &own));
        assert!(!may_read_evidence(&person(&[Role::Reviewer]), &own));
        let seated = EvidenceFacts {
            viewer_on_panel: true,
            ..other
        };
        let reviewing = EvidenceFacts {
            viewer_reviews: true,
            ..other
        };
        assert!(may_read_evidence(&person(&[Role::Assessor]), &seated));
        assert!(!may_read_evidence(&person(&[Role::Reviewer]), &seated));
        assert!(may_read_evidence(&person(&[Role::Reviewer]), &reviewing));
        assert!(!may_read_evidence(&person(&[Role::Assessor]), &reviewing));
    }

    #[test]
    fn limits_name_the_one_that_is_broken() {
        let mb = 1024 * 1024;
        assert_eq!(upload_limit(200 * mb, 2048 * mb, 0), 200 * mb);
        assert_eq!(upload_limit(200 * mb, 2048 * mb, 2000 * mb), 48 * mb);
        assert_eq!(upload_limit(200 * mb, 2048 * mb, 3000 * mb), 0);
        assert!(limit_exceeded(201 * mb, 200 * mb, 2048 * mb, 0)
            .unwrap()
            .to_string()
            .contains("200 MiB, the limit per file"));
        assert!(limit_exceeded(100 * mb, 200 * mb, 2048 * mb, 1990 * mb)
            .unwrap()
            .to_string()
            .contains("quota of 2 GiB"));
        assert_eq!(limit_exceeded(100 * mb, 200 * mb, 2048 * mb, 0), None);
    }

    proptest! {
        #[test]
        fn an_upload_within_the_limit_breaks_no_limit(
            max in 1u64..1_000_000, quota in 1u64..5_000_000, used in 0u64..5_000_000, size in 0u64..1_000_000
        ) {
            let limit = upload_limit(max, quota, used);
            prop_assert_eq!(size <= limit, limit_exceeded(size, max, quota, used).is_none());
        }
    }

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
            .to_string()
            .contains("is not a .pdf file"));
        assert!(classify("page.html", b"<html>")
            .unwrap_err()
            .to_string()
            .contains(".html are not accepted"));
        assert!(classify("noext", b"%PDF-")
            .unwrap_err()
            .to_string()
            .contains("no extension"));
        assert!(classify("bin.txt", b"ab\0cd").is_err());
        // A multi-byte character cut by the sniffing window is still text.
        let cut = &"持续".as_bytes()[..4];
        assert!(classify("a.txt", cut).is_ok());
    }

    #[test]
    fn an_empty_file_is_refused_whatever_its_type() {
        for name in [
            "empty.txt",
            "empty.md",
            "empty.csv",
            "empty.pdf",
            "empty.png",
            "empty.jpg",
            "empty.docx",
            "empty.doc",
            "empty.zip",
        ] {
            assert_eq!(
                classify(name, b""),
                Err(FileRefused::Empty { name: name.into() }),
                "{name}"
            );
        }
        // One byte of text is content.
        assert_eq!(classify("short.txt", b"x"), Ok(Kind::Text));
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
            .to_string()
            .contains("unsafe path"));
        assert!(check_zip_entries(&[e("a/../../x", 1)], 100).is_err());
        assert!(check_zip_entries(&[e("..\\x", 1)], 100).is_err());
        assert!(check_zip_entries(&[e("C:/x", 1)], 100).is_err());
        assert!(
            check_zip_entries(&[e("a", 60_000_000), e("b", 60_000_000)], 100_000_000)
                .unwrap_err()
                .to_string()
                .contains("expand to 114.4 MiB")
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
