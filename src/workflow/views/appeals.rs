//! What each party sees of an appeal. The enterprise does not learn who sits on the panel
//! (as it does not learn who assessed it); the secretariat and the panel do.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::models::appeals::AppealRow;
use crate::domain::appeal::{window_closes, AppealStatus};
use crate::domain::ids::{AppealId, ApplicationId, UserId};

/// How the reader stands to the appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Secretariat,
    Enterprise,
    PanelMember,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PanelMemberView {
    pub user_id: UserId,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AppealView {
    pub id: AppealId,
    pub application_id: ApplicationId,
    pub part_code: String,
    /// `returned_result`, `level` or `certificate_decision`.
    pub subject: String,
    pub certificate_number: Option<String>,
    pub log_index: Option<i64>,
    /// When the appealed decision was taken.
    pub decision_at: DateTime<Utc>,
    /// The last instant the decision could be appealed.
    pub window_closes_at: DateTime<Utc>,
    pub reasons: String,
    /// `lodged`, `panel_formed`, `upheld`, `dismissed` or `withdrawn`.
    #[schema(value_type = String)]
    pub status: AppealStatus,
    pub lodged_at: DateTime<Utc>,
    pub panel_formed_at: Option<DateTime<Utc>>,
    /// The members (not shown to the enterprise).
    pub panel: Vec<PanelMemberView>,
    pub panel_size: usize,
    /// The panel's reasons, or the enterprise's for withdrawing.
    pub outcome_reasons: Option<String>,
    /// What upholding changes: `reassess`, `reopen_level` or
    /// `reverse_certificate_decision`.
    pub remedy: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Upheld, and the secretariat still has to carry out its consequence.
    pub follow_up_pending: bool,
    /// What the reader may do now: `form_panel`, `decide`, `withdraw`, `follow_up`.
    pub actions: Vec<String>,
    /// The files the enterprise attached, oldest first.
    pub attachments: Vec<AttachmentView>,
}

/// A file attached to an appeal.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
    /// Where the parties download it.
    pub url: String,
}

pub fn attachment_view(row: crate::db::models::appeals::AttachmentRow) -> AttachmentView {
    AttachmentView {
        url: format!("/appeals/{}/attachments/{}", row.appeal_id, row.id),
        id: row.id,
        file_name: row.file_name,
        content_type: row.content_type,
        size_bytes: row.size_bytes,
        sha256: row.sha256,
        uploaded_at: row.uploaded_at.and_utc(),
    }
}

pub fn appeal_view(
    row: AppealRow,
    part_code: String,
    panel: Vec<PanelMemberView>,
    reader: Reader,
    window_days: i64,
) -> AppealView {
    let pending = row.status == AppealStatus::Upheld && row.follow_up_done_at.is_none();
    let actions: Vec<&str> = match (reader, row.status) {
        (Reader::Secretariat, AppealStatus::Lodged) => vec!["form_panel"],
        (Reader::Secretariat, AppealStatus::Upheld) if pending => vec!["follow_up"],
        (Reader::Enterprise, AppealStatus::Lodged | AppealStatus::PanelFormed) => vec!["withdraw"],
        (Reader::PanelMember, AppealStatus::PanelFormed) => vec!["decide"],
        _ => vec![],
    };
    let decision_at = row.decision_at.and_utc();
    AppealView {
        id: row.id,
        application_id: row.application_id,
        part_code,
        subject: row.subject_kind,
        certificate_number: row.certificate_number,
        log_index: row.log_index,
        decision_at,
        window_closes_at: window_closes(decision_at, window_days),
        reasons: row.reasons,
        status: row.status,
        lodged_at: row.lodged_at.and_utc(),
        panel_formed_at: row.panel_formed_at.map(|t| t.and_utc()),
        panel_size: panel.len(),
        panel: if reader == Reader::Enterprise {
            vec![]
        } else {
            panel
        },
        outcome_reasons: row.outcome_reasons,
        remedy: row.remedy,
        closed_at: row.closed_at.map(|t| t.and_utc()),
        follow_up_pending: pending,
        actions: actions.into_iter().map(str::to_owned).collect(),
        attachments: Vec::new(),
    }
}
