//! Reads of notifications and the outbox.

pub use crate::db::models::mail::{NotificationRow, OutboxFilter, OutboxRow, OutboxStatus};

use crate::db::models::mail as store;
use crate::db::models::KeysetAt;
use crate::db::DbConn;
use crate::domain::ids::UserId;
use crate::domain::listing::{assemble, key_time, Cursor, Page, Window};
use crate::refusal::Refusal;

/// The names of the two lists in their cursors.
pub const INBOX_LIST: &str = "inbox";
pub const OUTBOX_LIST: &str = "outbox";
/// Parts of an inbox cursor (the notification's id) and an outbox one (created_at, id).
pub const INBOX_KEY_PARTS: usize = 1;
pub const OUTBOX_KEY_PARTS: usize = 2;

/// One page of the person's own notifications, newest first; with `search`, those whose
/// subject or text contains it.
pub fn inbox_page(
    conn: &mut DbConn,
    user: UserId,
    search: Option<&str>,
    window: &Window,
) -> Result<Page<NotificationRow>, Refusal> {
    let at = KeysetAt {
        key: window.cursor().map(|c| c.parts()[0].clone()),
        backwards: window.backwards(),
        fetch: window.limit.fetch(),
    };
    let rows = store::inbox_page(conn, user, search, &at)?;
    Ok(assemble(INBOX_LIST, window, rows, |n: &NotificationRow| {
        Cursor::new(vec![n.id.clone()])
    }))
}

/// One page of the outbox, newest first, narrowed by `filter`.
pub fn outbox_page(
    conn: &mut DbConn,
    filter: &OutboxFilter,
    window: &Window,
) -> Result<Page<OutboxRow>, Refusal> {
    let at = super::time_id_at::<String>(window)?;
    let rows = store::outbox_page(conn, filter, &at)?;
    Ok(assemble(OUTBOX_LIST, window, rows, |r: &OutboxRow| {
        Cursor::new(vec![key_time(r.created_at), r.id.clone()])
    }))
}

/// Messages waiting in the outbox, for `/metrics`.
pub fn outbox_depth(conn: &mut DbConn) -> Result<i64, Refusal> {
    Ok(store::pending_count(conn)?)
}

/// A page of the person's notifications as `inbox_page` reads it, each certificate
/// notice with the number of the certificate it is about (one of the person's
/// enterprise's, named in its text), for the links to its PDF and its verification page.
pub fn inbox_with_certificates(
    conn: &mut DbConn,
    user: UserId,
    search: Option<&str>,
    window: &Window,
) -> Result<Page<(NotificationRow, Option<String>)>, Refusal> {
    use crate::db::models::{certificates, enterprises};
    let page = inbox_page(conn, user, search, window)?;
    let numbers: Vec<String> = match enterprises::membership(conn, user)? {
        Some(e) if page.rows.iter().any(is_certificate_notice) => {
            certificates::of_enterprise(conn, e)?
                .into_iter()
                .map(|c| c.number)
                .collect()
        }
        _ => Vec::new(),
    };
    Ok(page.map(|n| {
        let number = numbers
            .iter()
            .find(|number| is_certificate_notice(&n) && n.body_text.contains(number.as_str()))
            .cloned();
        (n, number)
    }))
}

fn is_certificate_notice(n: &NotificationRow) -> bool {
    matches!(
        n.message_kind.as_str(),
        "certificate_issued"
            | "certificate_revoked"
            | "certificate_suspended"
            | "certificate_reinstated"
            | "certificate_scope_reduced"
            | "renewal_invitation"
            | "suspension_ending"
    )
}
