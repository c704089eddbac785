//! Complaints as the secretariat reads them, and as the complainant reads theirs.

use crate::db::models::complaints as store;
use crate::db::DbConn;
use crate::domain::access::{Principal, Role};
use crate::domain::ids::ComplaintId;
use crate::refusal::Refusal;
use crate::workflow::complaints::{by_link, registered};
use crate::workflow::views::complaints::{complaint_view, ComplaintView};

/// Registered complaints, newest first (`open`: not yet closed); secretariat only.
pub fn list(conn: &mut DbConn, who: &Principal, open: bool) -> Result<Vec<ComplaintView>, Refusal> {
    if !who.has(Role::Secretariat) {
        return Err(Refusal::NotFound);
    }
    store::list(conn, open)?
        .into_iter()
        .map(|r| {
            let notes = store::notes(conn, r.id)?;
            Ok(complaint_view(r, Some(notes)))
        })
        .collect()
}

pub fn detail(
    conn: &mut DbConn,
    who: &Principal,
    id: ComplaintId,
) -> Result<ComplaintView, Refusal> {
    let row = registered(conn, who, id)?;
    let notes = store::notes(conn, id)?;
    Ok(complaint_view(row, Some(notes)))
}

/// The complainant's view through the private link.
pub fn tracked(conn: &mut DbConn, token: &str) -> Result<ComplaintView, Refusal> {
    Ok(complaint_view(by_link(conn, token)?, None))
}
