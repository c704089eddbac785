//! Reads of applications: lists, history and "not applicable" declarations.

pub use crate::db::models::applications::{ApplicationFilter, ApplicationRow, EventRow};

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::db::models::rounds::{self, RoundRow};
use crate::db::models::{applications as store, enterprises};
use crate::db::DbConn;
use crate::domain::access::{Principal, Role};
use crate::domain::ids::{ApplicationId, EnterpriseId};
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
    filter: ApplicationFilter,
    window: &Window,
) -> Result<Page<ApplicationRow>, Refusal> {
    let member = if who.has(Role::Secretariat) {
        None
    } else {
        enterprises::membership(conn, who.user_id)?
    };
    Ok(page_of(conn, who, member, filter, window)?.map(|(a, _)| a))
}

/// [`page`] with the person's enterprise already looked up.
fn page_of(
    conn: &mut DbConn,
    who: &Principal,
    member: Option<EnterpriseId>,
    mut filter: ApplicationFilter,
    window: &Window,
) -> Result<Page<(ApplicationRow, String)>, Refusal> {
    filter.enterprise = None;
    if !who.has(Role::Secretariat) {
        match member {
            Some(e) => filter.enterprise = Some(e),
            None => return Ok(assemble(LIST, window, Vec::new(), |(a, _)| cursor_of(a))),
        }
    }
    let at = super::time_id_at::<ApplicationId>(window)?;
    let rows = store::page(conn, &filter, &at)?;
    Ok(assemble(LIST, window, rows, |(a, _)| cursor_of(a)))
}

/// What the applications page reads: a [`page`], its enterprises' names, every round
/// (for the filter and the rows' round names) and, for a member of an enterprise, the
/// part codes of each round it may apply in. The lookups a caller's roles make useless are
/// skipped (issue #19: each is a round trip on PostgreSQL).
pub struct ListPage {
    pub page: Page<ApplicationRow>,
    pub enterprise_names: BTreeMap<EnterpriseId, String>,
    /// Latest registration first; the part codes are filled in only for the rounds whose
    /// registration has not closed, and only when `member` is set.
    pub rounds: Vec<(RoundRow, Vec<String>)>,
    /// The caller's enterprise, looked up only for the enterprise role.
    pub member: Option<EnterpriseId>,
}

pub fn list_page(
    conn: &mut DbConn,
    who: &Principal,
    filter: ApplicationFilter,
    window: &Window,
    today: NaiveDate,
) -> Result<ListPage, Refusal> {
    // `page` needs the membership of anyone but the secretariat; the form to apply needs
    // it for the enterprise role.
    let member = if who.has(Role::Enterprise) || !who.has(Role::Secretariat) {
        enterprises::membership(conn, who.user_id)?
    } else {
        None
    };
    let page = page_of(conn, who, member, filter, window)?;
    let enterprise_names = page
        .rows
        .iter()
        .map(|(a, name)| (a.enterprise_id, name.clone()))
        .collect();
    let page = page.map(|(a, _)| a);
    let member = member.filter(|_| who.has(Role::Enterprise));
    let mut parts = match member {
        Some(_) => rounds::parts_by_round(conn)?,
        None => BTreeMap::new(),
    };
    let rounds = rounds::list(conn)?
        .into_iter()
        .map(|r| {
            let open = r.registration_closes >= today;
            let codes = if open { parts.remove(&r.id) } else { None };
            (r, codes.unwrap_or_default())
        })
        .collect();
    Ok(ListPage {
        page,
        enterprise_names,
        rounds,
        member,
    })
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
