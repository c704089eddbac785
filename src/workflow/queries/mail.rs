//! Reads of notifications and the outbox.

pub use crate::db::models::mail::{NotificationRow, OutboxRow};

use crate::db::models::mail as store;
use crate::db::DbConn;
use crate::domain::ids::UserId;
use crate::refusal::Refusal;

/// The person's own notifications, newest first.
pub fn inbox(conn: &mut DbConn, user: UserId, limit: i64) -> Result<Vec<NotificationRow>, Refusal> {
    Ok(store::inbox(conn, user, limit)?)
}

/// Messages not sent yet, newest first.
pub fn unsent(conn: &mut DbConn, limit: i64) -> Result<Vec<OutboxRow>, Refusal> {
    Ok(store::unsent(conn, limit)?)
}

/// Messages waiting in the outbox, for `/metrics`.
pub fn outbox_depth(conn: &mut DbConn) -> Result<i64, Refusal> {
    Ok(store::pending_count(conn)?)
}

/// The person's notifications as `inbox` reads them, each certificate notice with the
/// number of the certificate it is about (one of the person's enterprise's, named in its
/// text), for the links to its PDF and its verification page.
pub fn inbox_with_certificates(
    conn: &mut DbConn,
    user: UserId,
    limit: i64,
) -> Result<Vec<(NotificationRow, Option<String>)>, Refusal> {
    use crate::db::models::{certificates, enterprises};
    let rows = store::inbox(conn, user, limit)?;
    let numbers: Vec<String> = match enterprises::membership(conn, user)? {
        Some(e) if rows.iter().any(is_certificate_notice) => certificates::of_enterprise(conn, e)?
            .into_iter()
            .map(|c| c.number)
            .collect(),
        _ => Vec::new(),
    };
    Ok(rows
        .into_iter()
        .map(|n| {
            let number = numbers
                .iter()
                .find(|number| is_certificate_notice(&n) && n.body_text.contains(number.as_str()))
                .cloned();
            (n, number)
        })
        .collect())
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
