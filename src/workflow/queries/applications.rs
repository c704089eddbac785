//! Reads of applications: lists, history and "not applicable" declarations.

pub use crate::db::models::applications::{ApplicationRow, EventRow};

use crate::db::models::{applications as store, enterprises};
use crate::db::DbConn;
use crate::domain::access::{Principal, Role};
use crate::domain::application_status::Status;
use crate::domain::ids::ApplicationId;
use crate::refusal::Refusal;

/// Applications the person may see: all for the secretariat, else their enterprise's.
pub fn visible_to(conn: &mut DbConn, who: &Principal) -> Result<Vec<ApplicationRow>, Refusal> {
    if who.has(Role::Secretariat) {
        return Ok(store::all(conn)?);
    }
    match enterprises::membership(conn, who.user_id)? {
        Some(e) => Ok(store::for_enterprise(conn, e)?),
        None => Ok(Vec::new()),
    }
}

/// The applications of [`visible_to`] that are in `status` (the list's filter).
pub fn visible_in_status(
    conn: &mut DbConn,
    who: &Principal,
    status: Status,
) -> Result<Vec<ApplicationRow>, Refusal> {
    if who.has(Role::Secretariat) {
        return Ok(store::in_status(conn, None, status)?);
    }
    match enterprises::membership(conn, who.user_id)? {
        Some(e) => Ok(store::in_status(conn, Some(e), status)?),
        None => Ok(Vec::new()),
    }
}

/// The application's status changes, oldest first.
pub fn history(conn: &mut DbConn, application: ApplicationId) -> Result<Vec<EventRow>, Refusal> {
    Ok(store::history(conn, application)?)
}

/// (item, reason) of every item declared not applicable.
pub fn exemptions(
    conn: &mut DbConn,
    application: ApplicationId,
) -> Result<Vec<(String, String)>, Refusal> {
    Ok(store::exemptions(conn, application)?)
}
