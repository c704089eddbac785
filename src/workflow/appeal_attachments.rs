//! Files the enterprise attaches to its appeal (feature: appeals). The content goes to the
//! evidence store (content-addressed by SHA-256, so `certcase evidence check` and backups
//! count it as referenced); the row records name, type, size and hash. Rules:
//! `domain::appeal_attachment`.

use crate::db::models::appeals::{self as store, AttachmentRow};
use crate::db::models::now;
use crate::db::{write_tx, DbConn};
use crate::domain::access::Principal;
use crate::domain::appeal_attachment::{accepted, may_attach};
use crate::domain::audit::{Actor, Kind};
use crate::domain::evidence::Kind as FileKind;
use crate::domain::ids::AppealId;
use crate::refusal::{Code, Refusal};
use crate::workflow::appeals::{is_member, visible};
use crate::workflow::views::appeals::{attachment_view, AttachmentView};

/// A received file, stored already, to record.
pub struct NewAttachment {
    pub file_name: String,
    pub kind: FileKind,
    pub media_type: String,
    pub size: u64,
    pub sha256: String,
}

/// Whether this person may attach a file to the appeal now (checked before the upload is
/// read, and again when it is recorded).
fn target(conn: &mut DbConn, who: &Principal, id: AppealId) -> Result<(), Refusal> {
    let (row, app) = visible(conn, who, id)?;
    if !is_member(conn, who, &app)? {
        return Err(Refusal::Forbidden(
            Code::ActionForbidden.with("action", "attach"),
        ));
    }
    may_attach(row.status, store::attachments(conn, id)?.len())
}

/// [`target`] in its own read.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn attachment_target(conn: &mut DbConn, who: &Principal, id: AppealId) -> Result<(), Refusal> {
    target(conn, who, id)
}

/// Records a stored file as the appeal's attachment.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn record(
    conn: &mut DbConn,
    who: &Principal,
    id: AppealId,
    file: &NewAttachment,
    address: &str,
) -> Result<AttachmentView, Refusal> {
    accepted(file.kind)?;
    write_tx(conn, |conn| {
        store::lock_appeal(conn, id)?;
        target(conn, who, id)?;
        let row = AttachmentRow {
            id: uuid::Uuid::now_v7().to_string(),
            appeal_id: id,
            file_name: file.file_name.clone(),
            content_type: file.media_type.clone(),
            size_bytes: file.size as i64,
            sha256: file.sha256.clone(),
            uploaded_by: who.user_id,
            uploaded_at: now(),
        };
        store::insert_attachment(conn, &row)?;
        crate::db::models::audit::append(
            conn,
            &Actor::user(who.user_id, address),
            Kind::AppealAttachmentAdded,
            ("appeal", &id),
            serde_json::json!({
                "attachment": row.id, "file_name": row.file_name,
                "size_bytes": row.size_bytes, "sha256": row.sha256,
            }),
        )?;
        Ok(attachment_view(row))
    })
}

/// The appeal's files, for everyone who may see the appeal.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn list(
    conn: &mut DbConn,
    who: &Principal,
    id: AppealId,
) -> Result<Vec<AttachmentView>, Refusal> {
    visible(conn, who, id)?;
    Ok(store::attachments(conn, id)?
        .into_iter()
        .map(attachment_view)
        .collect())
}

/// One file to download, for everyone who may see the appeal.
#[tracing::instrument(skip_all, err(Display, level = "info"))]
pub fn for_download(
    conn: &mut DbConn,
    who: &Principal,
    id: AppealId,
    attachment: &str,
) -> Result<AttachmentRow, Refusal> {
    visible(conn, who, id)?;
    store::attachment(conn, id, attachment)?.ok_or(Refusal::NotFound)
}
