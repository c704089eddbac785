//! The in-app copies of a person's messages, read only by that person, and the outbox as
//! the secretariat sees it (who, what kind, how delivery goes; never a message's body,
//! which may carry a sign-in or reset link).

use chrono::NaiveDateTime;
use serde::Serialize;

use crate::db::models::mail::{NotificationRow, OutboxRow};
use crate::domain::audit::one_line;

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

/// One message of the outbox.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutboxMessageView {
    pub id: String,
    #[schema(value_type = String)]
    pub created_at: NaiveDateTime,
    pub recipient_address: String,
    pub message_kind: String,
    /// pending, failed (given up) or sent.
    pub status: String,
    pub attempts: i32,
    #[schema(value_type = String)]
    pub next_attempt_at: NaiveDateTime,
    /// The last delivery error, on one line.
    pub last_error: Option<String>,
    #[schema(value_type = Option<String>)]
    pub sent_at: Option<NaiveDateTime>,
}

pub fn outbox_message_view(row: OutboxRow) -> OutboxMessageView {
    OutboxMessageView {
        id: row.id,
        created_at: row.created_at,
        recipient_address: row.recipient_address,
        message_kind: row.message_kind,
        status: row.status.as_str().to_string(),
        attempts: row.attempts,
        next_attempt_at: row.next_attempt_at,
        last_error: row.last_error.as_deref().map(one_line),
        sent_at: row.sent_at,
    }
}
