//! Audit entries, read by the secretariat only, in full (the hash chain included, so
//! that a reader can check it).

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::models::audit::AuditRow;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    pub seq: i64,
    #[schema(value_type = String)]
    pub at: NaiveDateTime,
    pub actor_user_id: Option<String>,
    pub actor_name: String,
    pub address: String,
    pub kind: String,
    pub object_type: String,
    pub object_id: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

pub fn audit_entry_view(row: AuditRow) -> AuditEntryView {
    AuditEntryView {
        seq: row.seq,
        at: row.at,
        actor_user_id: row.actor_user_id,
        actor_name: row.actor_name,
        address: row.address,
        kind: row.kind,
        object_type: row.object_type,
        object_id: row.object_id,
        detail: row.detail,
        prev_hash: row.prev_hash,
        hash: row.hash,
    }
}
