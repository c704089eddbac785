//! Applications and their status history. The enterprise's members and the secretariat
//! (the only roles that may read an application) see all of it.

use crate::domain::ids::{ApplicationId, EnterpriseId, RoundId};
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::models::applications::{ApplicationRow, EventRow};
use crate::domain::application_status::Status;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub id: ApplicationId,
    pub round_id: RoundId,
    pub enterprise_id: EnterpriseId,
    pub part_code: String,
    pub target_level: i32,
    pub scope: String,
    /// The scope in English, when the enterprise gave one.
    pub scope_en: Option<String>,
    pub contact_name: String,
    pub contact_email: String,
    /// The enterprise consents to list the certificate in the public directory.
    pub directory_consent: bool,
    /// draft, submitted, accepted, rejected, in_assessment, …
    #[schema(value_type = String)]
    pub status: Status,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    #[schema(value_type = String)]
    pub updated_at: NaiveDateTime,
}

pub fn application_view(row: ApplicationRow) -> ApplicationView {
    ApplicationView {
        id: row.id,
        round_id: row.round_id,
        enterprise_id: row.enterprise_id,
        part_code: row.part_code,
        target_level: row.target_level,
        scope: row.scope,
        scope_en: row.scope_en,
        contact_name: row.contact_name,
        contact_email: row.contact_email,
        directory_consent: row.directory_consent,
        status: row.status,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// One status change of an application.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationEventView {
    #[schema(value_type = String)]
    pub from_status: Status,
    #[schema(value_type = String)]
    pub to_status: Status,
    pub event: String,
    pub reason: Option<String>,
    #[schema(value_type = String)]
    pub occurred_at: NaiveDateTime,
}

pub fn event_view(row: EventRow) -> ApplicationEventView {
    ApplicationEventView {
        from_status: row.from_status,
        to_status: row.to_status,
        event: row.event,
        reason: row.reason,
        occurred_at: row.occurred_at,
    }
}

/// An item the enterprise declared not applicable, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotApplicableView {
    pub item: String,
    pub reason: String,
}

/// One application with its status history and what it still lacks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationDetail {
    #[serde(flatten)]
    pub application: ApplicationView,
    pub history: Vec<ApplicationEventView>,
    pub not_applicable: Vec<NotApplicableView>,
    /// Capability items still needing evidence or a "not applicable" declaration.
    pub missing_items: Vec<String>,
}

/// The detail from the application, its history, its (item, reason) declarations and the
/// items still missing.
pub fn application_detail(
    row: ApplicationRow,
    history: Vec<EventRow>,
    exemptions: Vec<(String, String)>,
    missing_items: Vec<String>,
) -> ApplicationDetail {
    ApplicationDetail {
        application: application_view(row),
        history: history.into_iter().map(event_view).collect(),
        not_applicable: exemptions
            .into_iter()
            .map(|(item, reason)| NotApplicableView { item, reason })
            .collect(),
        missing_items,
    }
}

/// An application as a member of its panel sees it in their list: what to assess and
/// whether they lead, not the enterprise's contact.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssignedApplicationView {
    pub id: ApplicationId,
    pub part_code: String,
    pub target_level: i32,
    #[schema(value_type = String)]
    pub status: Status,
    pub lead: bool,
}

pub fn assigned_application_view(row: ApplicationRow, lead: bool) -> AssignedApplicationView {
    AssignedApplicationView {
        id: row.id,
        part_code: row.part_code,
        target_level: row.target_level,
        status: row.status,
        lead,
    }
}
