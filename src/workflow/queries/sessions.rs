//! Reads of sign-in records.

pub use crate::db::models::sessions::CallerRow as Caller;
pub use crate::db::models::sessions::EventRow as SignInEvent;

use crate::db::models::sessions as store;
use crate::db::DbConn;
use crate::refusal::Refusal;

/// The sign-in records of one account name, oldest first.
pub fn sign_in_events(conn: &mut DbConn, email: &str) -> Result<Vec<SignInEvent>, Refusal> {
    Ok(store::events_for(conn, email)?)
}

/// Who holds this page session (the hash of its cookie), with their roles, its CSRF
/// token and language: one query per request, and no cache to invalidate, so a sign-out,
/// a disabled account or a role change counts from the very next request.
pub fn session_caller(conn: &mut DbConn, token_hash: &str) -> Result<Option<Caller>, Refusal> {
    Ok(store::session_caller(conn, token_hash)?)
}

/// Who holds this API token (its hash), with their roles: one query per request.
pub fn token_caller(conn: &mut DbConn, token_hash: &str) -> Result<Option<Caller>, Refusal> {
    Ok(store::token_caller(conn, token_hash)?)
}
