//! Reads of the audit log.

pub use crate::db::models::audit::{AuditRow, Filter, Query, LIST, PAGE_SIZE};

use crate::db::models::audit as store;
use crate::db::DbConn;
use crate::domain::listing::{assemble, Cursor, Page};
use crate::refusal::Refusal;

/// One page of matching entries, newest first, with the cursors of its neighbours, and
/// how many match in all.
pub fn search(conn: &mut DbConn, q: &Query) -> Result<(Page<AuditRow>, i64), Refusal> {
    let (rows, total) = store::search(conn, q)?;
    let page = assemble(LIST, &q.window, rows, |r: &AuditRow| {
        Cursor::new(vec![r.seq.to_string()])
    });
    Ok((page, total))
}

/// Every matching entry, oldest first.
pub fn export(conn: &mut DbConn, q: &Query) -> Result<Vec<AuditRow>, Refusal> {
    Ok(store::export(conn, q)?)
}
