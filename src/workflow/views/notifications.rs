//! The in-app copies of a person's messages, read only by that person.

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::models::mail::NotificationRow;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    pub id: String,
    pub message_kind: String,
    pub subject: String,
    pub body_text: String,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
}

pub fn notification_view(row: NotificationRow) -> NotificationView {
    NotificationView {
        id: row.id,
        message_kind: row.message_kind,
        subject: row.subject,
        body_text: row.body_text,
        created_at: row.created_at,
    }
}
