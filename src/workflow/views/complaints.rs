//! What is shown of a complaint: everything, notes included, to the secretariat; to the
//! complainant through the private link, their own text, the status, the triage reason
//! and the answer (no notes, no internal flags).

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::db::models::complaints::{ComplaintRow, NoteRow};
use crate::domain::complaint::ComplaintStatus;
use crate::domain::ids::ComplaintId;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoteView {
    pub author: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ComplaintView {
    pub id: ComplaintId,
    /// `received`, `accepted`, `not_a_complaint` or `answered`.
    #[schema(value_type = String)]
    pub status: ComplaintStatus,
    /// `enterprise` or `programme`.
    pub about: String,
    pub certificate_number: Option<String>,
    pub enterprise_name: Option<String>,
    pub description: String,
    pub received_at: Option<DateTime<Utc>>,
    pub triage_reason: Option<String>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Secretariat only: who complained.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complainant_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complainant_email: Option<String>,
    /// Secretariat only: a short-notice surveillance was requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surveillance_requested_at: Option<DateTime<Utc>>,
    /// Secretariat only.
    pub notes: Vec<NoteView>,
    /// What the reader may do now: `accept`, `dismiss`, `note`, `request_surveillance`,
    /// `answer`.
    pub actions: Vec<String>,
}

/// The secretariat's view (`notes` given) or the complainant's (`None`).
pub fn complaint_view(row: ComplaintRow, notes: Option<Vec<NoteRow>>) -> ComplaintView {
    let secretariat = notes.is_some();
    let actions: Vec<&str> = match (secretariat, row.status) {
        (true, ComplaintStatus::Received) => vec!["accept", "dismiss"],
        (true, ComplaintStatus::Accepted) if row.about == "enterprise" => {
            vec!["note", "request_surveillance", "answer"]
        }
        (true, ComplaintStatus::Accepted) => vec!["note", "answer"],
        _ => vec![],
    };
    ComplaintView {
        id: row.id,
        status: row.status,
        about: row.about,
        certificate_number: row.certificate_number,
        enterprise_name: row.enterprise_name,
        description: row.description,
        received_at: row.confirmed_at.map(|t| t.and_utc()),
        triage_reason: row.triage_reason,
        answer: row.answer,
        answered_at: row.answered_at.map(|t| t.and_utc()),
        complainant_name: secretariat.then_some(row.complainant_name),
        complainant_email: secretariat.then_some(row.complainant_email),
        surveillance_requested_at: row
            .surveillance_requested_at
            .filter(|_| secretariat)
            .map(|t| t.and_utc()),
        notes: notes
            .unwrap_or_default()
            .into_iter()
            .map(|n| NoteView {
                author: n.author,
                body: n.body,
                created_at: n.created_at.and_utc(),
            })
            .collect(),
        actions: actions.into_iter().map(str::to_owned).collect(),
    }
}
