//! Reads of enterprises and their members.

pub use crate::db::models::enterprises::{EnterpriseFilter, EnterpriseRow};

use crate::db::models::enterprises as store;
use crate::db::models::KeysetAt;
use crate::db::DbConn;
use crate::domain::ids::{EnterpriseId, UserId};
use crate::domain::listing::{assemble, key_time, Cursor, Page, Window, MAX_LIMIT};
use crate::refusal::Refusal;

/// The name of the enterprises list in its cursors.
pub const LIST: &str = "enterprises";
/// Parts of an enterprises cursor: created_at and id.
pub const KEY_PARTS: usize = 2;

fn cursor_of(e: &(EnterpriseRow, i64)) -> Cursor {
    Cursor::new(vec![key_time(e.0.created_at), e.0.id.to_string()])
}

/// One page of enterprises, newest registration first, each with how many people
/// belong to it.
pub fn page(
    conn: &mut DbConn,
    filter: &EnterpriseFilter,
    window: &Window,
) -> Result<Page<(EnterpriseRow, i64)>, Refusal> {
    let at = super::time_id_at::<EnterpriseId>(window)?;
    let rows = store::page(conn, filter, &at)?;
    let rows = with_members(conn, rows)?;
    Ok(assemble(LIST, window, rows, cursor_of))
}

/// The verification queue: enterprises awaiting verification that match `search`,
/// earliest registration first, at most [`MAX_LIMIT`] (the queue is worked from the top).
pub fn waiting(
    conn: &mut DbConn,
    search: Option<String>,
) -> Result<Vec<(EnterpriseRow, i64)>, Refusal> {
    let filter = EnterpriseFilter {
        search,
        verified: Some(false),
    };
    // Reading "backwards" from no cursor is oldest first.
    let at = KeysetAt {
        key: None,
        backwards: true,
        fetch: MAX_LIMIT,
    };
    let rows = store::page(conn, &filter, &at)?;
    with_members(conn, rows)
}

fn with_members(
    conn: &mut DbConn,
    rows: Vec<EnterpriseRow>,
) -> Result<Vec<(EnterpriseRow, i64)>, Refusal> {
    let ids: Vec<EnterpriseId> = rows.iter().map(|r| r.id).collect();
    let counts = store::member_counts(conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let n = counts.get(&r.id).copied().unwrap_or(0);
            (r, n)
        })
        .collect())
}

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

/// [`mine`] of each of `users` at once, by user.
pub fn of_members(
    conn: &mut DbConn,
    users: &[UserId],
) -> Result<std::collections::HashMap<UserId, EnterpriseRow>, Refusal> {
    Ok(store::of_members(conn, users)?.into_iter().collect())
}

pub fn get(conn: &mut DbConn, id: EnterpriseId) -> Result<Option<EnterpriseRow>, Refusal> {
    Ok(store::get(conn, id)?)
}

/// The enterprise a page's form names: by its unified social credit code (what the
/// secretariat has at hand; a national programme has too many enterprises to choose
/// from a list) or by its id.
pub fn named(conn: &mut DbConn, text: &str) -> Result<Option<EnterpriseRow>, Refusal> {
    let text = text.trim();
    match text.parse::<EnterpriseId>() {
        Ok(id) => Ok(store::get(conn, id)?),
        Err(_) if text.is_empty() => Ok(None),
        Err(_) => Ok(store::by_credit_code(conn, &text.to_uppercase())?),
    }
}

/// The id of the enterprise `text` names (see [`named`]) for a use case that takes ids;
/// text that names none is passed on as it is, for the use case to refuse as it refuses
/// any id no enterprise has.
pub fn id_named(conn: &mut DbConn, text: &str) -> Result<String, Refusal> {
    Ok(named(conn, text)?.map_or_else(|| text.trim().to_string(), |e| e.id.to_string()))
}

/// The Chinese names of these enterprises, by id.
pub fn names(
    conn: &mut DbConn,
    ids: &[EnterpriseId],
) -> Result<std::collections::BTreeMap<EnterpriseId, String>, Refusal> {
    Ok(store::names(conn, ids)?.into_iter().collect())
}

/// Every registered enterprise, newest first.
pub fn all(conn: &mut DbConn) -> Result<Vec<EnterpriseRow>, Refusal> {
    Ok(store::list(conn)?)
}
