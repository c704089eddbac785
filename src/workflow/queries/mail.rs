//! Reads of notifications and the outbox.

pub use crate::db::models::mail::{NotificationRow, OutboxRow};

use crate::db::models::mail as store;
use crate::db::DbConn;
use crate::domain::ids::UserId;
use crate::refusal::Refusal;

/// The person's own notifications, newest first.
pub fn inbox(conn: &mut DbConn, user: UserId, limit: i64) -> Result<Vec<NotificationRow>, Refusal> {
    Ok(store::inbox(conn, user, limit)?)
}

/// Messages not sent yet, newest first.
pub fn unsent(conn: &mut DbConn, limit: i64) -> Result<Vec<OutboxRow>, Refusal> {
    Ok(store::unsent(conn, limit)?)
}
