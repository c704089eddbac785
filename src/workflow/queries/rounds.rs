//! Reads of assessment rounds.

pub use crate::db::models::rounds::RoundRow;

use crate::db::models::rounds as store;
use crate::db::DbConn;
use crate::domain::calendar::Calendars;
use crate::domain::ids::RoundId;
use crate::refusal::Refusal;

/// Every round, latest registration first.
pub fn all(conn: &mut DbConn) -> Result<Vec<RoundRow>, Refusal> {
    Ok(store::list(conn)?)
}

/// Every round, latest registration first, each with the part codes it assesses.
pub fn all_with_parts(conn: &mut DbConn) -> Result<Vec<(RoundRow, Vec<String>)>, Refusal> {
    let mut parts = store::parts_by_round(conn)?;
    Ok(store::list(conn)?
        .into_iter()
        .map(|r| {
            let codes = parts.remove(&r.id).unwrap_or_default();
            (r, codes)
        })
        .collect())
}

/// The published rounds (what enterprises, assessors and reviewers see), each with its
/// part codes.
pub fn published_with_parts(conn: &mut DbConn) -> Result<Vec<(RoundRow, Vec<String>)>, Refusal> {
    Ok(all_with_parts(conn)?
        .into_iter()
        .filter(|(r, _)| r.published_at.is_some())
        .collect())
}

/// The public-holiday calendars as kept now.
pub fn calendars(conn: &mut DbConn) -> Result<Calendars, Refusal> {
    crate::workflow::calendars::load(conn)
}

/// One round with the part codes it assesses.
pub fn with_parts(
    conn: &mut DbConn,
    id: RoundId,
) -> Result<Option<(RoundRow, Vec<String>)>, Refusal> {
    let Some(r) = store::get(conn, id)? else {
        return Ok(None);
    };
    let parts = store::parts(conn, r.id)?;
    Ok(Some((r, parts)))
}

pub fn get(conn: &mut DbConn, id: RoundId) -> Result<Option<RoundRow>, Refusal> {
    Ok(store::get(conn, id)?)
}

/// The part codes the round assesses.
pub fn parts(conn: &mut DbConn, id: RoundId) -> Result<Vec<String>, Refusal> {
    Ok(store::parts(conn, id)?)
}
