//! Reads of enterprises and their members.

pub use crate::db::models::enterprises::EnterpriseRow;

use crate::db::models::enterprises as store;
use crate::db::DbConn;
use crate::domain::ids::{EnterpriseId, UserId};
use crate::refusal::Refusal;

/// The id of the enterprise the person belongs to, if any.
pub fn membership(conn: &mut DbConn, user: UserId) -> Result<Option<EnterpriseId>, Refusal> {
    Ok(store::membership(conn, user)?)
}

/// The enterprise the person belongs to, if any.
pub fn mine(conn: &mut DbConn, user: UserId) -> Result<Option<EnterpriseRow>, Refusal> {
    match store::membership(conn, user)? {
        Some(id) => Ok(store::get(conn, id)?),
        None => Ok(None),
    }
}

pub fn get(conn: &mut DbConn, id: EnterpriseId) -> Result<Option<EnterpriseRow>, Refusal> {
    Ok(store::get(conn, id)?)
}

/// Every registered enterprise, newest first.
pub fn all(conn: &mut DbConn) -> Result<Vec<EnterpriseRow>, Refusal> {
    Ok(store::list(conn)?)
}

/// The secretariat's verification queue: enterprises awaiting verification, earliest
/// registration first, then the verified ones, latest verification first; each with how
/// many people belong to it.
pub fn verification_queue(conn: &mut DbConn) -> Result<Vec<(EnterpriseRow, i64)>, Refusal> {
    let mut rows = store::list(conn)?;
    rows.sort_by(|a, b| match (a.verified_at, b.verified_at) {
        (None, None) => a.created_at.cmp(&b.created_at),
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(x), Some(y)) => y.cmp(&x),
    });
    let mut out = Vec::new();
    for row in rows {
        let members = store::member_count(conn, row.id)?;
        out.push((row, members));
    }
    Ok(out)
}
