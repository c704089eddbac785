//! Reads of applications: lists, history and "not applicable" declarations.

pub use crate::db::models::applications::{ApplicationFilter, ApplicationRow, EventRow};

use crate::db::models::{applications as store, enterprises};
use crate::db::DbConn;
use crate::domain::access::{Principal, Role};
use crate::domain::ids::ApplicationId;
use crate::domain::listing::{assemble, key_time, Cursor, Page, Window};
use crate::refusal::Refusal;

/// The name of the applications list in its cursors.
pub const LIST: &str = "applications";
/// Parts of an applications cursor: created_at and id.
pub const KEY_PARTS: usize = 2;

/// One page of the applications the person may see (all for the secretariat, their
/// enterprise's for its members, none for anyone else), newest first, narrowed by
/// `filter` (whose `enterprise` is replaced by the visibility rule).
pub fn page(
    conn: &mut DbConn,
    who: &Principal,
    mut filter: ApplicationFilter,
    window: &Window,
) -> Result<Page<ApplicationRow>, Refusal> {
    filter.enterprise = None;
    if !who.has(Role::Secretariat) {
        match enterprises::membership(conn, who.user_id)? {
            Some(e) => filter.enterprise = Some(e),
            None => return Ok(assemble(LIST, window, Vec::new(), cursor_of)),
        }
    }
    let at = super::time_id_at::<ApplicationId>(window)?;
    let rows = store::page(conn, &filter, &at)?;
    Ok(assemble(LIST, window, rows, cursor_of))
}

fn cursor_of(a: &ApplicationRow) -> Cursor {
    Cursor::new(vec![key_time(a.created_at), a.id.to_string()])
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

/// When a certified application's item takes evidence for an open surveillance that
/// selected it: the evidence version the surveillance expects and its due day.
pub fn surveillance_upload(
    conn: &mut DbConn,
    application: ApplicationId,
    item: &str,
) -> Result<Option<(i32, chrono::NaiveDate)>, Refusal> {
    Ok(
        crate::db::models::surveillances::open_for_item(conn, application, item)?
            .map(|(row, version)| (version, row.due_on)),
    )
}

/// The certificate a renewal application renews; none for a first application.
pub fn renews(conn: &mut DbConn, application: ApplicationId) -> Result<Option<String>, Refusal> {
    Ok(crate::db::models::renewals::renews(conn, application)?)
}
