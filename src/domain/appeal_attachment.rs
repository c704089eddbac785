//! Files an enterprise attaches to its appeal: while the appeal is open (lodged, or its
//! panel formed but not yet decided), at most [`MAX_ATTACHMENTS`], each of the kinds
//! evidence accepts except a bare ZIP archive (the panel reads documents, it does not
//! unpack archives). Size caps are evidence's (`evidence_max_file_mb`).

use crate::domain::appeal::AppealStatus;
use crate::domain::evidence::Kind;
use crate::refusal::{Code, Refusal};

/// The most files one appeal may carry.
pub const MAX_ATTACHMENTS: usize = 10;

/// Whether one more file may be attached to an appeal in `status` that has `attached`.
pub fn may_attach(status: AppealStatus, attached: usize) -> Result<(), Refusal> {
    if !matches!(status, AppealStatus::Lodged | AppealStatus::PanelFormed) {
        return Err(Refusal::Conflict(Code::AppealAttachmentsClosed.into()));
    }
    if attached >= MAX_ATTACHMENTS {
        return Err(Refusal::Conflict(
            Code::AppealAttachmentsFull.with("max", MAX_ATTACHMENTS),
        ));
    }
    Ok(())
}

/// Whether a file of `kind` may be attached.
pub fn accepted(kind: Kind) -> Result<(), Refusal> {
    if kind == Kind::Zip {
        return Err(Refusal::Invalid(Code::AppealAttachmentZip.into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Refusal) -> &'static str {
        match r {
            Refusal::Invalid(reason) | Refusal::Conflict(reason) => reason.code.as_str(),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn files_are_attached_while_the_appeal_is_open_and_up_to_the_cap() {
        assert!(may_attach(AppealStatus::Lodged, 0).is_ok());
        assert!(may_attach(AppealStatus::PanelFormed, MAX_ATTACHMENTS - 1).is_ok());
        assert_eq!(
            code(may_attach(AppealStatus::Lodged, MAX_ATTACHMENTS).unwrap_err()),
            "appeal.attachments_full"
        );
        for closed in [
            AppealStatus::Upheld,
            AppealStatus::Dismissed,
            AppealStatus::Withdrawn,
        ] {
            assert_eq!(
                code(may_attach(closed, 0).unwrap_err()),
                "appeal.attachments_closed"
            );
        }
    }

    #[test]
    fn documents_are_accepted_and_bare_archives_are_not() {
        for ok in [
            Kind::Pdf,
            Kind::Png,
            Kind::Jpeg,
            Kind::Office,
            Kind::Text,
            Kind::Csv,
        ] {
            assert!(accepted(ok).is_ok(), "{ok:?}");
        }
        assert_eq!(
            code(accepted(Kind::Zip).unwrap_err()),
            "appeal.attachment_zip"
        );
    }
}
