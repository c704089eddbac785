//! Reads of enterprise invitations.

pub use crate::db::models::invitations::InvitationRow;

use crate::db::models::{enterprises, invitations as store};
use crate::db::DbConn;
use crate::domain::ids::UserId;
use crate::refusal::Refusal;

/// Whether the person administers their enterprise, and its invitations; `(false, [])`
/// for someone without an enterprise.
pub fn of_my_enterprise(
    conn: &mut DbConn,
    user: UserId,
) -> Result<(bool, Vec<InvitationRow>), Refusal> {
    Ok(match enterprises::membership_role(conn, user)? {
        Some((enterprise, admin)) => (admin, store::invitations_of(conn, enterprise)?),
        None => (false, Vec::new()),
    })
}
