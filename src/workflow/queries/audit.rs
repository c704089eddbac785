//! Reads of the audit log.

pub use crate::db::models::audit::{AuditRow, Filter, Query, PAGE_SIZE};

use crate::db::models::audit as store;
use crate::db::DbConn;
use crate::refusal::Refusal;

/// One page of matching entries, newest first, and how many match in all.
pub fn search(conn: &mut DbConn, q: &Query) -> Result<(Vec<AuditRow>, i64), Refusal> {
    Ok(store::search(conn, q)?)
}

/// Every matching entry, oldest first.
pub fn export(conn: &mut DbConn, q: &Query) -> Result<Vec<AuditRow>, Refusal> {
    Ok(store::export(conn, q)?)
}
