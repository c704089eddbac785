//! Reads of evidence files.

use chrono::NaiveDateTime;

use crate::db::models::evidence as store;
use crate::db::DbConn;
use crate::domain::ids::ApplicationId;
use crate::refusal::Refusal;

/// Items reopened for an application: (item, version, until), latest per item.
pub fn reopenings(
    conn: &mut DbConn,
    application: ApplicationId,
) -> Result<Vec<(String, i32, NaiveDateTime)>, Refusal> {
    Ok(store::reopenings(conn, application)?)
}

/// Whether no evidence record refers to the stored content with this key any more.
pub fn unreferenced(conn: &mut DbConn, key: &str) -> Result<bool, Refusal> {
    Ok(store::references(conn, key)? == 0)
}
