//! Reads of applications: lists, history and "not applicable" declarations.

pub use crate::db::models::applications::{ApplicationFilter, ApplicationRow, EventRow, ListedRow};

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};

use crate::db::models::rounds::{self, RoundRow};
use crate::db::models::{applications as store, enterprises, KeysetAt};
use crate::db::DbConn;
use crate::domain::access::{Principal, Role};
use crate::domain::ids::{ApplicationId, EnterpriseId};
use crate::domain::listing::{assemble, key_time, Cursor, Page, Window};
use crate::refusal::Refusal;
use crate::workflow::recent::Recent;

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
    let rows = page_of(conn, who, member, filter, window, store::page)?;
    Ok(assemble(LIST, window, rows, |(a, _)| cursor_of(a.created_at, a.id)).map(|(a, _)| a))
}

/// The rows of [`page`], read by `load` (whole applications or what the list shows), with
/// the person's enterprise already looked up.
fn page_of<R>(
    conn: &mut DbConn,
    who: &Principal,
    member: Option<EnterpriseId>,
    mut filter: ApplicationFilter,
    window: &Window,
    load: impl FnOnce(
        &mut DbConn,
        &ApplicationFilter,
        &KeysetAt<(NaiveDateTime, ApplicationId)>,
    ) -> diesel::QueryResult<Vec<R>>,
) -> Result<Vec<R>, Refusal> {
    filter.enterprise = None;
    if !who.has(Role::Secretariat) {
        match member {
            Some(e) => filter.enterprise = Some(e),
            None => return Ok(Vec::new()),
        }
    }
    let at = super::time_id_at::<ApplicationId>(window)?;
    Ok(load(conn, &filter, &at)?)
}

/// What the applications page reads: a [`page`] of what the list shows with each
/// enterprise's (Chinese) name, every round (for the filter and the rows' round names)
/// and, for a member of an enterprise, the part codes of each round it may apply in. The
/// lookups a caller's roles make useless are skipped (issue #19: each is a round trip on
/// PostgreSQL), and the rounds come from `kept_rounds` while they may
/// (`workflow::recent`).
pub struct ListPage {
    pub page: Page<(ListedRow, String)>,
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
    kept_rounds: &Recent<Vec<RoundRow>>,
) -> Result<ListPage, Refusal> {
    // `page` needs the membership of anyone but the secretariat; the form to apply needs
    // it for the enterprise role.
    let member = if who.has(Role::Enterprise) || !who.has(Role::Secretariat) {
        enterprises::membership(conn, who.user_id)?
    } else {
        None
    };
    let rows = page_of(conn, who, member, filter, window, store::listed_page)?;
    let page = assemble(LIST, window, rows, |(a, _)| cursor_of(a.created_at, a.id));
    let member = member.filter(|_| who.has(Role::Enterprise));
    let mut parts = match member {
        Some(_) => rounds::parts_by_round(conn)?,
        None => BTreeMap::new(),
    };
    let rounds = kept_rounds
        .get(|| rounds::list(conn))?
        .iter()
        .cloned()
        .map(|r| {
            let open = r.registration_closes >= today;
            let codes = if open { parts.remove(&r.id) } else { None };
            (r, codes.unwrap_or_default())
        })
        .collect();
    Ok(ListPage {
        page,
        rounds,
        member,
    })
}

fn cursor_of(created_at: NaiveDateTime, id: ApplicationId) -> Cursor {
    Cursor::new(vec![key_time(created_at), id.to_string()])
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
