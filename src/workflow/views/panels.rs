//! The assessor registry (organisations, declared conflicts, employment; secretariat
//! only) and an application's panel seats.

use crate::domain::ids::{EnterpriseId, OrganisationId, UserId};
use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::db::models::panels::{ConflictRow, EmploymentRow, OrganisationRow, SeatRow};
use crate::domain::panel::OrganisationKind;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrganisationView {
    pub id: OrganisationId,
    pub name: String,
    /// caict or external
    #[schema(value_type = String)]
    pub kind: OrganisationKind,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
}

pub fn organisation_view(row: OrganisationRow) -> OrganisationView {
    OrganisationView {
        id: row.id,
        name: row.name,
        kind: row.kind,
        created_at: row.created_at,
    }
}

/// One assessor of the registry with their certification, conflicts and employment.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RegistryEntry {
    pub user_id: UserId,
    pub name: String,
    pub organisation: String,
    pub organisation_kind: String,
    pub certification_number: String,
    #[schema(value_type = String)]
    pub certification_expires_on: NaiveDate,
    pub expired: bool,
    pub parts: Vec<String>,
    pub languages: Vec<String>,
    pub max_load: i32,
    pub conflicts: Vec<ConflictView>,
    pub employment: Vec<EmploymentView>,
}

/// A conflict of interest an assessor declared with an enterprise or group.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConflictView {
    pub id: String,
    pub user_id: UserId,
    pub with_id: OrganisationId,
    pub reason: String,
    #[schema(value_type = String)]
    pub declared_at: NaiveDateTime,
}

pub fn conflict_view(row: ConflictRow) -> ConflictView {
    ConflictView {
        id: row.id,
        user_id: row.user_id,
        with_id: row.with_id,
        reason: row.reason,
        declared_at: row.declared_at,
    }
}

/// A period an assessor was employed by an enterprise.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EmploymentView {
    pub id: String,
    pub user_id: UserId,
    pub enterprise_id: EnterpriseId,
    #[schema(value_type = String)]
    pub employed_from: NaiveDate,
    #[schema(value_type = Option<String>)]
    pub employed_until: Option<NaiveDate>,
}

pub fn employment_view(row: EmploymentRow) -> EmploymentView {
    EmploymentView {
        id: row.id,
        user_id: row.user_id,
        enterprise_id: row.enterprise_id,
        employed_from: row.employed_from,
        employed_until: row.employed_until,
    }
}

/// One seat of an application's panel (on the assessment page).
#[derive(Debug, Clone, Serialize)]
pub struct SeatView {
    pub assessor_id: UserId,
    pub display_name: String,
    pub is_lead: bool,
}

pub fn seat_view(row: SeatRow) -> SeatView {
    SeatView {
        assessor_id: row.assessor_id,
        display_name: row.display_name,
        is_lead: row.is_lead,
    }
}
