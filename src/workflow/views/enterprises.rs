//! Enterprises. Their members and the secretariat see the registration; only the
//! secretariat sees which of its staff verified it.

use crate::domain::ids::{EnterpriseGroupId, EnterpriseId, UserId};
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::models::enterprises::EnterpriseRow;
use crate::domain::access::{Principal, Role};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseView {
    pub id: EnterpriseId,
    pub name_zh: String,
    pub name_en: Option<String>,
    /// The unified social credit code.
    pub credit_code: String,
    pub address: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    #[schema(value_type = Option<String>)]
    pub verified_at: Option<NaiveDateTime>,
    /// The secretariat member who verified it; `null` for everyone else.
    pub verified_by: Option<UserId>,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    /// The enterprise group it belongs to, if any.
    pub group_id: Option<EnterpriseGroupId>,
}

pub fn enterprise_view(row: EnterpriseRow, who: &Principal) -> EnterpriseView {
    EnterpriseView {
        id: row.id,
        name_zh: row.name_zh,
        name_en: row.name_en,
        credit_code: row.credit_code,
        address: row.address,
        contact_name: row.contact_name,
        contact_email: row.contact_email,
        contact_phone: row.contact_phone,
        verified_at: row.verified_at,
        verified_by: row.verified_by.filter(|_| who.has(Role::Secretariat)),
        created_at: row.created_at,
        group_id: row.group_id,
    }
}
